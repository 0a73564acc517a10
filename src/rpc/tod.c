/* src/rpc/tod.c - a remote member's clock over srvsvc NetrRemoteTOD (see tod.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smb2.h"
#include "tod.h"
#include "util.h"
#include "xport.h"

/* test hook NLT_DUMP_STUBS=FILE: the answer's stub as a "name hex" line (golden bytes from the lab) */
static void dump_stub(const char *name, const uint8_t *p, size_t n)
{
	const char *path = getenv("NLT_DUMP_STUBS");
	FILE *f;

	if (!path || !(f = fopen(path, "a")))
		return;
	fprintf(f, "%s ", name);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02x", p[i]);
	fputc('\n', f);
	fclose(f);
}

int target_remote_tod(struct target *t, struct target_tod *out, struct nlt_err *e)
{
	uint8_t req[64];
	struct wwr w;
	struct target_call c;
	int64_t sent, got;
	uint64_t t0 = nlt_now_us();
	int r;

	memset(out, 0, sizeof(*out));
	wwr_init(&w, req, sizeof(req));
	if (srvsvc_enc_remote_tod(&w, NULL) != WIRE_OK)
		return nlt_seterr(e, NLT_EINTERNAL, "NetrRemoteTOD to %s: cannot encode the request", t->host);
	memset(&c, 0, sizeof(c));
	c.opnum = SRVSVC_OP_REMOTE_TOD;
	c.stub = req;
	c.stub_len = wwr_len(&w);
	c.what = "NetrRemoteTOD";
	sent = nlt_wall_us();
	r = target_calls(t, "srvsvc", &srvsvc_syntax, &c, 1, e);
	got = nlt_wall_us();
	out->elapsed_us = nlt_now_us() - t0;
	if (r < 0)
		goto fail;
	if (!c.ok) {
		nlt_seterr(e, c.err.cat ? c.err.cat : NLT_EPROTO, "%s", c.err.msg[0] ? c.err.msg : "NetrRemoteTOD: no answer");
		r = -1;
		goto fail;
	}
	dump_stub("srvsvc_remote_tod", c.out, c.out_len);
	if (srvsvc_dec_remote_tod_rep(c.out, c.out_len, &out->tod) != WIRE_OK) {
		r = nlt_seterr(e, NLT_EPROTO, "NetrRemoteTOD to %s \\PIPE\\srvsvc: the answer (%zu bytes) is malformed",
			       t->host, c.out_len);
		goto fail;
	}
	if (out->tod.werror || !out->tod.present) {
		r = nlt_seterr(e, NLT_EPROTO, "NetrRemoteTOD to %s \\PIPE\\srvsvc: refused (NET_API_STATUS %u)%s", t->host,
			       out->tod.werror, out->tod.werror ? "" : ", no time in the answer");
		goto fail;
	}
	{
		int64_t mid_ms = (sent + (got - sent) / 2) / 1000;
		out->offset_ms = srvsvc_tod_unix_ms(&out->tod) - mid_ms;
		/* whole seconds (Samba sends no hundredths): the clock is anywhere in the next second */
		if (out->tod.hunds == 0)
			out->offset_ms += 500;
		out->uncertainty_ms = (got - sent) / 2000 + (out->tod.hunds == 0 ? 500 : 10);
	}
	free(c.out);
	return 0;
fail:
	free(c.out);
	return -1;
}

int tod_negotiate_clock(const struct nlt_addr *addr, const char *host, uint64_t deadline_ms, int64_t *offset_ms,
			int64_t *uncertainty_ms, struct nlt_err *e)
{
	static const uint16_t dialects[] = { SMB2_DIALECT_202, SMB2_DIALECT_210, SMB2_DIALECT_300 };
	struct smb2_negotiate_req q;
	struct smb2_negotiate_rep r;
	struct smb2_hdr h;
	struct nlt_addr a = *addr;
	uint8_t out[256], in[2048];
	size_t have = 0, need = 0;
	struct wwr w;
	int64_t sent, got, srv_ms;
	int fd, st;

	nlt_addr_set_port(&a, 445);
	memset(&q, 0, sizeof(q));
	q.security_mode = SMB2_NEGOTIATE_SIGNING_ENABLED;
	for (size_t i = 0; i < sizeof(dialects) / sizeof(dialects[0]); i++)
		q.dialects[q.n_dialects++] = dialects[i];
	memset(&h, 0, sizeof(h));
	h.command = SMB2_NEGOTIATE;
	h.credits = 1;
	h.process_id = 0xfeff;
	wwr_init(&w, out + 4, sizeof(out) - 4);
	if (smb2_enc_negotiate_req(&w, &h, &q) != WIRE_OK)
		return nlt_seterr(e, NLT_EINTERNAL, "SMB2 NEGOTIATE (clock) to %s: cannot encode", host);
	/* the NetBIOS session header: 0, then the length in 24 bits */
	out[0] = 0;
	out[1] = (uint8_t)(wwr_len(&w) >> 16);
	out[2] = (uint8_t)(wwr_len(&w) >> 8);
	out[3] = (uint8_t)wwr_len(&w);
	fd = xp_tcp_connect(&a, deadline_ms, &st);
	if (fd < 0)
		return nlt_seterr(e, NLT_ENODC, "SMB2 NEGOTIATE (clock) to %s port 445: %s", host, xp_status_str(st));
	sent = nlt_wall_us();
	if (xp_send_all(fd, out, wwr_len(&w) + 4, deadline_ms) != XP_OK)
		goto fail;
	while (!need || have < need) {
		ssize_t n = xp_recv_some(fd, in + have, sizeof(in) - have, deadline_ms);
		if (n <= 0)
			goto fail;
		have += (size_t)n;
		if (!need && have >= 4) {
			need = 4 + (((size_t)in[1] << 16) | ((size_t)in[2] << 8) | in[3]);
			if (in[0] != 0 || need > sizeof(in) || need < 4 + 64)
				goto bad;
		}
	}
	got = nlt_wall_us();
	xp_close(&fd);
	if (smb2_dec_hdr(in + 4, need - 4, &h) != WIRE_OK || h.command != SMB2_NEGOTIATE || h.status != 0 ||
	    smb2_dec_negotiate_rep(in + 4, need - 4, &r) != WIRE_OK || !r.system_time)
		return nlt_seterr(e, NLT_EPROTO, "SMB2 NEGOTIATE (clock) to %s: no usable answer", host);
	/* FILETIME: 100 ns since 1601 */
	srv_ms = (int64_t)(r.system_time / 10000u) - 11644473600000LL;
	*offset_ms = srv_ms - (sent + (got - sent) / 2) / 1000;
	*uncertainty_ms = (got - sent) / 2000 + 1;
	return 0;
bad:
	xp_close(&fd);
	return nlt_seterr(e, NLT_EPROTO, "SMB2 NEGOTIATE (clock) to %s: not an SMB2 answer", host);
fail:
	xp_close(&fd);
	return nlt_seterr(e, NLT_ENODC, "SMB2 NEGOTIATE (clock) to %s: no answer", host);
}

/*
 * A Kerberos logon the member refused: a member whose clock is more than 300 s off refuses every
 * ticket (a skewed Samba member answers LOGON_FAILURE, which says nothing of the clock).  Its SMB2
 * NEGOTIATE answer carries its clock without a logon: when that is off this host's by more than
 * Kerberos allows, the error says so (the trust is then not what the refusal shows).
 */
void tod_logon_clock_hint(const struct target *t, uint64_t deadline_ms, struct nlt_err *e)
{
	struct nlt_err le;
	int64_t off = 0, unc = 0;
	size_t n = strlen(e->msg);

	nlt_clearerr(&le);
	if (tod_negotiate_clock(&t->addr, t->host, deadline_ms, &off, &unc, &le) < 0) {
		nlt_vlog("%s: the member's clock after the refused logon: %s", t->host, le.msg);
		return;
	}
	nlt_vlog("%s: its clock (SMB2 NEGOTIATE) is %+.1f s (+-%.1f s) from this host's", t->host, off / 1000.0,
		 unc / 1000.0);
	if (llabs(off) <= (int64_t)TOD_KERBEROS_SKEW_S * 1000)
		return;
	snprintf(e->msg + n, sizeof(e->msg) - n,
		 "; but its clock is %.0f s %s this host's (its SMB2 NEGOTIATE answer), and Kerberos refuses every ticket "
		 "beyond %d s of skew: the clock may be why, not the trust (nltrust ping compares this host's with the "
		 "DCs'; a logon with --target-auth ntlm does not depend on it)",
		 llabs(off) / 1000.0, off > 0 ? "ahead of" : "behind", TOD_KERBEROS_SKEW_S);
}
