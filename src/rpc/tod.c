/* src/rpc/tod.c - a remote member's clock over srvsvc NetrRemoteTOD (see tod.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tod.h"
#include "util.h"

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
