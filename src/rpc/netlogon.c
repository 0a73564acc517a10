/* src/rpc/netlogon.c - the Netlogon secure channel (see netlogon.h). */
#include "config.h"
#include "netlogon.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "atomicfile.h"
#include "epm.h"
#include "nrpc.h"
#include "nrpc_crypto.h"
#include "rpc.h"

#define ST_ACCESS_DENIED 0xc0000022u
#define ST_NO_TRUST_SAM_ACCOUNT 0xc000018bu
#define ST_NO_SUCH_USER 0xc0000064u
#define ST_ACCOUNT_DISABLED 0xc0000072u

uint16_t nl_epm_port = EPM_TCP_PORT;

const char *nl_verdict_str(enum nl_verdict v)
{
	switch (v) {
	case NLV_NOT_RUN: return "not_run";
	case NLV_OK: return "ok";
	case NLV_BAD_PASSWORD: return "password_mismatch";
	case NLV_NO_ACCOUNT: return "account_unknown";
	case NLV_DISABLED: return "account_disabled";
	case NLV_NO_AES: return "no_aes";
	case NLV_DOWNGRADE: return "downgrade";
	case NLV_OTHER: break;
	}
	return "error";
}

/* The netlogon endpoint from the DC's endpoint mapper. */
static int map_port(const char *dc_name, const struct nlt_addr *addr, uint64_t deadline, uint16_t *port,
		    struct nl_result *res, struct nlt_err *e)
{
	struct rpc_conn c;
	uint8_t req[256], *out = NULL;
	size_t out_len = 0;
	struct epm_map_rep *rep = NULL;
	struct wwr w;
	int r = -1;

	if (rpc_connect(&c, dc_name, addr, nl_epm_port, deadline, e) < 0)
		return -1;
	wwr_init(&w, req, sizeof(req));
	if (rpc_bind_deferred(&c, &epm_syntax, e) < 0)
		goto out;
	if (epm_enc_map_req(&w, &nrpc_syntax, 4) != WIRE_OK) {
		nlt_seterr(e, NLT_EINTERNAL, "epm: cannot encode ept_map");
		goto out;
	}
	if (rpc_call(&c, EPM_OPNUM_MAP, req, wwr_len(&w), &out, &out_len, "endpoint mapper lookup", e) < 0)
		goto out;
	rep = calloc(1, sizeof(*rep));
	if (!rep || epm_dec_map_rep(out, out_len, rep) != WIRE_OK) {
		nlt_seterr(e, NLT_EPROTO, "endpoint mapper on %s: malformed ept_map answer", c.peer);
		goto out;
	}
	if (epm_rep_tcp_port(rep, &nrpc_syntax, port) != WIRE_OK) {
		nlt_seterr(e, NLT_EPROTO, "endpoint mapper on %s: no TCP endpoint for Netlogon (status 0x%08x)", c.peer,
			   rep->status);
		goto out;
	}
	r = 0;
out:
	res->n_connects += c.n_connects;
	res->n_calls += c.n_calls;
	free(out);
	free(rep);
	rpc_close(&c);
	return r;
}

/* NetrServerPasswordSet2 on the sealed connection b. */
static int password_set2(struct rpc_conn *b, struct nrpc_creds *creds, const char *server, const char *machine,
			 const char *computer, const char *new_password, struct nl_result *res, struct nlt_err *e)
{
	uint8_t utf16[NRPC_PWBUF_MAX_PW], fill[NRPC_PWBUF_MAX_PW], req[1024], *out = NULL;
	struct nrpc_pwset2_req pq;
	struct nrpc_auth_step step;
	struct nrpc_authenticator ret;
	size_t ulen = 0, out_len = 0;
	uint32_t status = 0;
	struct wwr w;
	int r = -1, tries = 0;

	memset(&pq, 0, sizeof(pq));
	if (nrpc_utf8_to_utf16le(new_password, strlen(new_password), utf16, sizeof(utf16), &ulen) != WIRE_OK)
		return nlt_seterr(e, NLT_EINTERNAL, "netlogon: the new password does not convert to UTF-16");
	/* the random fill must not let any part of the buffer encrypt to itself (Samba refuses): draw again */
	do {
		if (nlt_random(fill, sizeof(fill)) < 0) {
			nlt_seterr(e, NLT_EINTERNAL, "no randomness");
			goto out;
		}
	} while (nrpc_pwbuf_encrypt(creds->session_key, utf16, ulen, fill, pq.new_password) != WIRE_OK && ++tries < 8);
	if (tries >= 8) {
		nlt_seterr(e, NLT_EINTERNAL, "netlogon: cannot build the password buffer");
		goto out;
	}
	pq.server = server;
	pq.account = machine;
	pq.sc_type = NRPC_SC_WORKSTATION;
	pq.computer = computer;
	nrpc_auth_begin(creds, (uint32_t)time(NULL), pq.auth.cred, &pq.auth.timestamp, &step);
	wwr_init(&w, req, sizeof(req));
	if (nrpc_enc_password_set2(&w, &pq) != WIRE_OK) {
		nlt_seterr(e, NLT_EINTERNAL, "netlogon: cannot encode NetrServerPasswordSet2");
		goto out;
	}
	if (rpc_call(b, NRPC_OP_PASSWORD_SET2, req, wwr_len(&w), &out, &out_len, "NetrServerPasswordSet2", e) < 0)
		goto out;
	if (nrpc_dec_password_set2_rep(out, out_len, &ret, &status) != WIRE_OK) {
		nlt_seterr(e, NLT_EPROTO, "NetrServerPasswordSet2 on %s: malformed reply", b->peer);
		goto out;
	}
	res->pwset_done = 1;
	res->pwset_status = status;
	if (status == 0 && nrpc_auth_commit(creds, &step, ret.cred) != WIRE_OK) {
		nlt_seterr(e, NLT_EPROTO, "NetrServerPasswordSet2 on %s: the return authenticator does not verify", b->peer);
		goto out;
	}
	r = 0;
out:
	nlt_wipe(utf16, sizeof(utf16));
	nlt_wipe(fill, sizeof(fill));
	nlt_wipe(&pq, sizeof(pq));
	free(out);
	return r;
}

/*
 * NLT_NL_SEQUENTIAL, read once before main(): open_channel() runs in verify's Netlogon thread,
 * where getenv would race krb_open's setenv in the main thread (trust_local.c).
 */
static int nl_sequential;

__attribute__((constructor)) static void nl_read_env(void)
{
	nl_sequential = getenv("NLT_NL_SEQUENTIAL") != NULL;
}

void nl_force_sequential(int on)
{
	nl_sequential = on;
}

static int open_channel(const char *dc_name, const struct nlt_addr *dc_addr, const char *netbios_domain,
			const char *machine, const uint8_t nt_hash[16], const char *new_password, uint16_t port_hint,
			uint64_t deadline_ms, struct nl_result *res, struct nlt_err *e);

/* Authenticate3's answer judged (as before the pipelining): 1 when it decided the verdict (a refusal, no AES,
 * a server credential that does not verify), 0 when the channel may go on, -1 on a malformed answer. */
static int judge_auth3(const struct rpc_conn *a, const uint8_t *out, size_t out_len, struct nrpc_creds *creds,
		       struct nl_result *res, struct nlt_err *e)
{
	struct nrpc_auth3_rep ar;

	if (nrpc_dec_authenticate3_rep(out, out_len, &ar) != WIRE_OK)
		return nlt_seterr(e, NLT_EPROTO, "NetrServerAuthenticate3 on %s: malformed reply", a->peer);
	res->status = ar.status;
	res->flags = ar.flags;
	res->rid = ar.rid;
	if (ar.status) {
		res->verdict = ar.status == ST_ACCESS_DENIED ? NLV_BAD_PASSWORD
			       : ar.status == ST_NO_TRUST_SAM_ACCOUNT || ar.status == ST_NO_SUCH_USER ? NLV_NO_ACCOUNT
			       : ar.status == ST_ACCOUNT_DISABLED ? NLV_DISABLED : NLV_OTHER;
		return 1;
	}
	/* the flags first: without AES the DC computed its credential another way, and comparing it
	 * with our AES one would call a weak channel a wrong password */
	if (!(ar.flags & NL_NEG_AES) || !(ar.flags & NL_NEG_AUTHENTICATED_RPC)) {
		res->verdict = NLV_NO_AES;
		return 1;
	}
	if (nrpc_creds_check_server(creds, ar.server_credential) != WIRE_OK) {
		/* the DC proved a different secret: as good as ACCESS_DENIED, and never to be trusted */
		res->verdict = NLV_BAD_PASSWORD;
		return 1;
	}
	return 0;
}

/* Encode the sealed NetrLogonGetCapabilities with a fresh authenticator (the step to commit on its answer). */
static int enc_caps(struct nrpc_creds *creds, const char *server, const char *computer, struct nrpc_auth_step *step,
		    uint8_t *req, size_t cap, size_t *len, struct nlt_err *e)
{
	struct nrpc_authenticator au;
	struct wwr w;

	nrpc_auth_begin(creds, (uint32_t)time(NULL), au.cred, &au.timestamp, step);
	wwr_init(&w, req, cap);
	if (nrpc_enc_get_capabilities(&w, server, computer, &au, 1) != WIRE_OK)
		return nlt_seterr(e, NLT_EINTERNAL, "netlogon: cannot encode NetrLogonGetCapabilities");
	*len = wwr_len(&w);
	return 0;
}

/* The answer to the sealed NetrLogonGetCapabilities: it must equal the negotiated flags. */
static int judge_caps(const struct rpc_conn *b, const uint8_t *out, size_t out_len, struct nrpc_creds *creds,
		      struct nrpc_auth_step *step, struct nl_result *res, struct nlt_err *e)
{
	struct nrpc_caps_rep cr;

	if (nrpc_dec_get_capabilities_rep(out, out_len, 1, &cr) != WIRE_OK)
		return nlt_seterr(e, NLT_EPROTO, "NetrLogonGetCapabilities on %s: malformed reply", b->peer);
	if (cr.status)
		return nlt_seterr(e, NLT_EPROTO, "NetrLogonGetCapabilities on %s: 0x%08x (%s)", b->peer, cr.status,
				  rpc_status_str(cr.status));
	if (nrpc_auth_commit(creds, step, cr.ret_auth.cred) != WIRE_OK)
		return nlt_seterr(e, NLT_EPROTO, "NetrLogonGetCapabilities on %s: the return authenticator does not verify",
				  b->peer);
	res->caps = cr.capabilities;
	res->caps_checked = 1;
	res->verdict = cr.capabilities == res->flags ? NLV_OK : NLV_DOWNGRADE;
	return 0;
}

/* The sealed NetrLogonGetCapabilities, one call. */
static int get_caps(struct rpc_conn *b, struct nrpc_creds *creds, const char *server, const char *computer,
		    struct nl_result *res, struct nlt_err *e)
{
	struct nrpc_auth_step step;
	uint8_t req[1024], *out = NULL;
	size_t len = 0, out_len = 0;
	int r = -1;

	if (enc_caps(creds, server, computer, &step, req, sizeof(req), &len, e) < 0)
		return -1;
	if (rpc_call(b, NRPC_OP_GET_CAPABILITIES, req, len, &out, &out_len, "NetrLogonGetCapabilities", e) == 0)
		r = judge_caps(b, out, out_len, creds, &step, res, e);
	free(out);
	return r;
}

int nl_secure_channel(const char *dc_name, const struct nlt_addr *dc_addr, const char *netbios_domain,
		      const char *machine, const uint8_t nt_hash[16], uint64_t deadline_ms, struct nl_result *res,
		      struct nlt_err *e)
{
	return open_channel(dc_name, dc_addr, netbios_domain, machine, nt_hash, NULL, 0, deadline_ms, res, e);
}

int nl_secure_channel_at(const char *dc_name, const struct nlt_addr *dc_addr, const char *netbios_domain,
			 const char *machine, const uint8_t nt_hash[16], uint16_t port_hint, uint64_t deadline_ms,
			 struct nl_result *res, struct nlt_err *e)
{
	return open_channel(dc_name, dc_addr, netbios_domain, machine, nt_hash, NULL, port_hint, deadline_ms, res, e);
}

int nl_password_set2(const char *dc_name, const struct nlt_addr *dc_addr, const char *netbios_domain,
		     const char *machine, const uint8_t nt_hash[16], const char *new_password, uint64_t deadline_ms,
		     struct nl_result *res, struct nlt_err *e)
{
	return open_channel(dc_name, dc_addr, netbios_domain, machine, nt_hash, new_password, 0, deadline_ms, res, e);
}

/* Connect to port, bind (deferred) and send ReqChallenge with cc; the DC's challenge into sc. */
static int challenge_at(struct rpc_conn *a, const char *dc_name, const struct nlt_addr *dc_addr, uint16_t port,
			uint64_t deadline_ms, const char *server, const char *computer, const uint8_t cc[8], uint8_t sc[8],
			uint32_t *status, struct nlt_err *e)
{
	uint8_t req[1024], *out = NULL;
	size_t out_len = 0;
	struct wwr w;
	int r = -1;

	if (rpc_connect(a, dc_name, dc_addr, port, deadline_ms, e) < 0 || rpc_bind_deferred(a, &nrpc_syntax, e) < 0)
		return -1;
	wwr_init(&w, req, sizeof(req));
	if (nrpc_enc_req_challenge(&w, server, computer, cc) != WIRE_OK ||
	    rpc_call(a, NRPC_OP_REQ_CHALLENGE, req, wwr_len(&w), &out, &out_len, "NetrServerReqChallenge", e) < 0)
		goto out;
	if (nrpc_dec_req_challenge_rep(out, out_len, sc, status) != WIRE_OK) {
		nlt_seterr(e, NLT_EPROTO, "NetrServerReqChallenge on %s: malformed reply", a->peer);
		goto out;
	}
	r = 0;
out:
	free(out);
	return r;
}

/* The names MS-NRPC calls carry: "\\DC1" and "WS1". */
static int nl_names(const char *dc_name, const char *machine, char *server, size_t slen, char computer[32],
		    struct nlt_err *e)
{
	char dcshort[64];
	size_t n;

	nlt_strlcpy(dcshort, dc_name, sizeof(dcshort));
	if (strchr(dcshort, '.'))
		*strchr(dcshort, '.') = '\0';
	for (char *p = dcshort; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	snprintf(server, slen, "\\\\%s", dcshort);
	n = strlen(machine);
	if (n < 2 || n > 16 || machine[n - 1] != '$')
		return nlt_seterr(e, NLT_EUSAGE, "netlogon: '%s' is not a machine account name", machine);
	memcpy(computer, machine, n - 1);
	computer[n - 1] = '\0';
	return 0;
}

/*
 * One attempt at the secure channel: ReqChallenge (on the cached port, else the endpoint mapper's), then
 *  - pipelined: Authenticate3, the schannel alter_context and the sealed GetCapabilities in one write
 *    (the session key and our credential are known once ReqChallenge answered); the verdict comes from
 *    Authenticate3's answer first; *retry is set when Authenticate3 succeeded but the alter or the call
 *    failed in a way the pipelining may have caused (refused, a fault, the connection closed between
 *    answers) - the caller then runs the sequential attempt, never a verdict from that;
 *  - sequential (NLT_NL_SEQUENTIAL, or the retry): each one alone; a DC that refuses the alter_context
 *    gets a second connection bound with schannel from the start.
 * On success the sealed connection is left in *out_conn (password set) when out_conn is not NULL.
 */
static int channel_attempt(const char *dc_name, const struct nlt_addr *dc_addr, const char *netbios_domain,
			   const char *machine, const uint8_t nt_hash[16], uint16_t port_hint, int pipelined,
			   uint64_t deadline_ms, struct nl_result *res, struct nrpc_creds *creds, struct rpc_conn *out_conn,
			   int *retry, struct nlt_err *e)
{
	struct rpc_conn a, b;
	uint8_t cc[8], sc[8], client_cred[8], req[1024], *out = NULL;
	char server[300], computer[32];
	size_t out_len = 0;
	uint32_t status = 0;
	struct wwr w;
	int r = -1, have_b = 0;

	*retry = 0;
	memset(&a, 0, sizeof(a));
	a.fd = -1;
	memset(&b, 0, sizeof(b));
	b.fd = -1;
	if (nl_names(dc_name, machine, server, sizeof(server), computer, e) < 0)
		return -1;

	/* ReqChallenge with a client challenge that is not degenerate (CVE-2020-1472) */
	do {
		if (nlt_random(cc, sizeof(cc)) < 0) {
			nlt_seterr(e, NLT_EINTERNAL, "no randomness");
			goto out;
		}
	} while (!nrpc_challenge_ok(cc));
	if (port_hint) {
		/* the cached port: the bind + ReqChallenge answered on it validate it; anything else (refused,
		 * silent for a second, bind refused, not Netlogon) sends us to the endpoint mapper */
		uint64_t hd = nlt_now_ms() + NL_PORT_HINT_MS;
		if (hd > deadline_ms)
			hd = deadline_ms;
		if (challenge_at(&a, dc_name, dc_addr, port_hint, hd, server, computer, cc, sc, &status, e) == 0) {
			res->port = port_hint;
			res->port_cached = 1;
			a.deadline_ms = deadline_ms; /* the rest of the exchange has the whole deadline */
		} else {
			nlt_vlog("Netlogon: the cached port %u of %s did not answer as Netlogon (%s); asking the endpoint mapper",
				 port_hint, dc_name, e->msg);
			nlt_clearerr(e);
			res->port_stale = 1;
			res->n_connects += a.n_connects;
			res->n_calls += a.n_calls;
			rpc_close(&a);
			memset(&a, 0, sizeof(a));
			a.fd = -1;
		}
	}
	if (!res->port_cached) {
		if (!res->port && map_port(dc_name, dc_addr, deadline_ms, &res->port, res, e) < 0)
			goto out;
		if (challenge_at(&a, dc_name, dc_addr, res->port, deadline_ms, server, computer, cc, sc, &status, e) < 0)
			goto out;
	}
	res->port_validated = 1;
	nlt_vlog("Netlogon on %s is at TCP %u%s", dc_name, res->port, res->port_cached ? " (cached)" : "");
	if (status) {
		nlt_seterr(e, NLT_EPROTO, "NetrServerReqChallenge on %s: 0x%08x (%s)", a.peer, status, rpc_status_str(status));
		goto out;
	}
	if (nrpc_creds_init(creds, nt_hash, cc, sc, client_cred) != WIRE_OK) {
		nlt_seterr(e, NLT_EPROTO, "netlogon: the DC's challenge gives a degenerate credential; refused");
		goto out;
	}
	{
		struct nrpc_auth3_req aq = { server, machine, NRPC_SC_WORKSTATION, computer, { 0 }, NL_NEG_PROPOSED };
		memcpy(aq.client_credential, client_cred, 8);
		wwr_init(&w, req, sizeof(req));
		if (nrpc_enc_authenticate3(&w, &aq) != WIRE_OK) {
			nlt_seterr(e, NLT_EINTERNAL, "netlogon: cannot encode NetrServerAuthenticate3");
			goto out;
		}
	}
	if (pipelined) {
		struct rpc_inflight f[3];
		struct nrpc_auth_step step;
		uint8_t creq[1024];
		size_t clen = 0;
		int j;

		rpc_cork(&a);
		if (rpc_send_request(&a, NRPC_OP_AUTHENTICATE3, req, wwr_len(&w), "NetrServerAuthenticate3", &f[0], e) < 0 ||
		    rpc_send_alter_schannel(&a, &nrpc_syntax, creds->session_key, netbios_domain, computer, &f[1], e) < 0 ||
		    enc_caps(creds, server, computer, &step, creq, sizeof(creq), &clen, e) < 0 ||
		    rpc_send_request(&a, NRPC_OP_GET_CAPABILITIES, creq, clen, "NetrLogonGetCapabilities", &f[2], e) < 0 ||
		    rpc_flush(&a, e) < 0)
			goto out;
		/* Authenticate3's answer decides first, exactly as when it went alone */
		if (rpc_recv_response(&a, &f[0], &out, &out_len, e) < 0) {
			/* the connection closed before any answer: the batch itself may be what the DC refused */
			*retry = a.last_fail == RPC_FAIL_CLOSED;
			goto out;
		}
		j = judge_auth3(&a, out, out_len, creds, res, e);
		free(out);
		out = NULL;
		if (j != 0) {
			/* a verdict (or a malformed answer): the alter and the call behind it are collected, not judged */
			(void)rpc_drain(&a, &f[1], 2, 200);
			r = j > 0 ? 0 : -1;
			goto out;
		}
		if (rpc_recv_alter(&a, &f[1], e) < 0) {
			if (a.last_fail == RPC_FAIL_REFUSED || a.last_fail == RPC_FAIL_CLOSED) {
				*retry = 1;
				if (a.last_fail == RPC_FAIL_REFUSED)
					(void)rpc_drain(&a, &f[2], 1, 200);
			}
			goto out;
		}
		if (rpc_recv_response(&a, &f[2], &out, &out_len, e) < 0) {
			*retry = a.last_fail == RPC_FAIL_REFUSED || a.last_fail == RPC_FAIL_CLOSED;
			goto out;
		}
		if (judge_caps(&a, out, out_len, creds, &step, res, e) < 0)
			goto out;
		b = a; /* the sealed connection */
		memset(&a, 0, sizeof(a));
		a.fd = -1;
		b.sec_store.ctx = &b.schannel; /* the provider's state moved with the struct */
		b.sec = &b.sec_store;
		have_b = 1;
		r = 0;
		goto out;
	}

	/* one at a time */
	if (rpc_call(&a, NRPC_OP_AUTHENTICATE3, req, wwr_len(&w), &out, &out_len, "NetrServerAuthenticate3", e) < 0)
		goto out;
	{
		int j = judge_auth3(&a, out, out_len, creds, res, e);
		free(out);
		out = NULL;
		if (j != 0) {
			r = j > 0 ? 0 : -1;
			goto out;
		}
	}
	if (rpc_alter_schannel(&a, &nrpc_syntax, creds->session_key, netbios_domain, computer, e) == 0) {
		b = a;
		memset(&a, 0, sizeof(a));
		a.fd = -1;
		b.sec_store.ctx = &b.schannel;
		b.sec = &b.sec_store;
		have_b = 1;
	} else {
		/* refused: a second connection bound with schannel from the start (no call was sent, so the
		 * authenticator is unused and ours advances only on a verified return authenticator) */
		if (a.last_fail != RPC_FAIL_REFUSED && a.last_fail != RPC_FAIL_CLOSED)
			goto out;
		nlt_vlog("netlogon: %s; opening a second connection for schannel", e->msg);
		nlt_clearerr(e);
		if (rpc_connect(&b, dc_name, dc_addr, res->port, deadline_ms, e) < 0)
			goto out;
		have_b = 1;
		if (rpc_bind_schannel(&b, &nrpc_syntax, creds->session_key, netbios_domain, computer, e) < 0)
			goto out;
	}
	if (get_caps(&b, creds, server, computer, res, e) < 0)
		goto out;
	r = 0;
out:
	free(out);
	res->n_connects += a.n_connects + b.n_connects;
	res->n_calls += a.n_calls + b.n_calls;
	rpc_close(&a);
	if (r == 0 && have_b && out_conn && res->caps_checked) {
		*out_conn = b;
		out_conn->sec_store.ctx = &out_conn->schannel;
		out_conn->sec = &out_conn->sec_store;
		out_conn->n_connects = out_conn->n_calls = 0; /* counted above */
	} else if (have_b || b.fd >= 0) {
		rpc_close(&b);
	}
	return r;
}

static int open_channel(const char *dc_name, const struct nlt_addr *dc_addr, const char *netbios_domain,
			const char *machine, const uint8_t nt_hash[16], const char *new_password, uint16_t port_hint,
			uint64_t deadline_ms, struct nl_result *res, struct nlt_err *e)
{
	struct rpc_conn b;
	struct nrpc_creds creds;
	char server[300], computer[32];
	uint64_t t0 = nlt_now_us();
	int r = -1, retry = 0, have_b = 0;

	memset(res, 0, sizeof(*res));
	memset(&creds, 0, sizeof(creds));
	memset(&b, 0, sizeof(b));
	b.fd = -1;
	if (nl_names(dc_name, machine, server, sizeof(server), computer, e) < 0)
		return -1;
	r = channel_attempt(dc_name, dc_addr, netbios_domain, machine, nt_hash, port_hint, !nl_sequential,
			    deadline_ms, res, &creds, new_password ? &b : NULL, &retry, e);
	if (r < 0 && retry) {
		/* Authenticate3 succeeded, the pipelined alter_context or call did not: all again, one at a time,
		 * on a fresh connection to the port that just answered; that exchange alone is judged */
		uint16_t port = res->port;
		unsigned nc = res->n_connects, ncalls = res->n_calls;
		nlt_vlog("netlogon: %s; once more with one call at a time", e->msg);
		nlt_clearerr(e);
		memset(res, 0, sizeof(*res));
		res->port = port;
		res->n_connects = nc;
		res->n_calls = ncalls;
		res->pipeline_retried = 1;
		nrpc_creds_wipe(&creds);
		r = channel_attempt(dc_name, dc_addr, netbios_domain, machine, nt_hash, 0, 0, deadline_ms, res, &creds,
				    new_password ? &b : NULL, &retry, e);
	}
	/* a verdict from Authenticate3 (refused, no AES) is returned as it is; the caller judges it */
	have_b = r == 0 && new_password && res->caps_checked;
	if (have_b) {
		if (res->verdict != NLV_OK) {
			nlt_seterr(e, NLT_EPROTO, "netlogon: the secure channel to %s is downgraded; no password sent", dc_name);
			r = -1;
		} else if (password_set2(&b, &creds, server, machine, computer, new_password, res, e) < 0) {
			r = -1;
		}
		res->n_calls += b.n_calls;
	}
	res->elapsed_us = nlt_now_us() - t0;
	nrpc_creds_wipe(&creds);
	if (have_b)
		rpc_close(&b);
	return r;
}

int nl_dsgetdc_call(struct rpc_conn *c, const char *domain, const char *site, uint32_t flags,
		    struct nrpc_dc_info *out, struct nlt_err *e)
{
	struct nrpc_dsgetdc_req rq;
	uint8_t req[1024], *rep = NULL;
	size_t rep_len = 0;
	struct wwr w;
	int r = -1;

	memset(&rq, 0, sizeof(rq));
	rq.domain = domain && *domain ? domain : NULL;
	rq.site = site && *site ? site : NULL;
	rq.flags = flags | NL_DS_RETURN_DNS_NAME | (rq.domain && strchr(rq.domain, '.') ? NL_DS_IS_DNS_NAME : 0);
	wwr_init(&w, req, sizeof(req));
	if (nrpc_enc_dsr_get_dc_name_ex2(&w, &rq) != WIRE_OK)
		return nlt_seterr(e, NLT_EINTERNAL, "netlogon: cannot encode DsrGetDcNameEx2");
	if (rpc_call(c, NRPC_OP_DSR_GET_DC_NAME_EX2, req, wwr_len(&w), &rep, &rep_len, "DsrGetDcNameEx2", e) < 0)
		goto out;
	if (nrpc_dec_dsr_get_dc_name_ex2_rep(rep, rep_len, out) != WIRE_OK) {
		nlt_seterr(e, NLT_EPROTO, "DsrGetDcNameEx2 on %s: malformed reply", c->peer);
		goto out;
	}
	if (out->werror) {
		nlt_seterr(e, out->werror == 1355 ? NLT_ENODC : NLT_EPROTO, "DsrGetDcNameEx2 on %s: error %u%s", c->peer,
			   out->werror, out->werror == 1355 ? " (ERROR_NO_SUCH_DOMAIN: it finds no DC to offer)" : "");
		goto out;
	}
	/* DOMAIN_CONTROLLER_INFOW prefixes the name and address with "\\" */
	for (char *f = out->dc_name; f; f = f == out->dc_name ? out->dc_address : NULL)
		if (f[0] == '\\' && f[1] == '\\')
			memmove(f, f + 2, strlen(f + 2) + 1);
	r = 0;
out:
	free(rep);
	return r;
}

int nl_dsgetdc(const char *dc_name, const struct nlt_addr *dc_addr, const char *domain, const char *site, uint32_t flags,
	       uint64_t deadline_ms, struct nrpc_dc_info *out, struct nlt_err *e)
{
	struct nl_result res;
	struct rpc_conn c;
	uint16_t port = 0;
	int r = -1;

	memset(&res, 0, sizeof(res));
	memset(&c, 0, sizeof(c));
	c.fd = -1;
	if (map_port(dc_name, dc_addr, deadline_ms, &port, &res, e) < 0)
		return -1;
	if (rpc_connect(&c, dc_name, dc_addr, port, deadline_ms, e) == 0 && rpc_bind_deferred(&c, &nrpc_syntax, e) == 0)
		r = nl_dsgetdc_call(&c, domain, site, flags, out, e);
	rpc_close(&c);
	return r;
}

/* ---- the Netlogon port cache ---- */

int nl_port_cache_parse(const uint8_t *buf, size_t len, uint16_t *port)
{
	unsigned long v = 0;
	size_t i = 0;

	/* "PORT\n": 1-5 decimal digits, no sign, no leading zero, then one newline and nothing else */
	if (len < 2 || len > 6 || buf[len - 1] != '\n' || buf[0] == '0')
		return -1;
	for (i = 0; i + 1 < len; i++) {
		if (buf[i] < '0' || buf[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(buf[i] - '0');
	}
	/* 135 is the endpoint mapper itself, and a cached port below 1024 was never dynamic */
	if (v < 1024 || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

static int port_cache_name(const struct nlt_addr *dc, char *name, size_t len)
{
	char ab[64];

	nlt_addr_str(dc, ab, sizeof(ab));
	for (char *c = ab; *c; c++)
		if (*c == ':')
			*c = '_'; /* IPv6 */
	return (size_t)snprintf(name, len, "netlogon-port-%s", ab) < len ? 0 : -1;
}

uint16_t nl_port_cache_load(const char *state_dir, const struct nlt_addr *dc)
{
	char name[100], path[PATH_MAX];
	uint8_t *buf = NULL;
	size_t len = 0;
	uint16_t port = 0;
	struct nlt_err e;
	int rr;

	if (!state_dir)
		state_dir = NLT_STATE_DIR;
	if (port_cache_name(dc, name, sizeof(name)) < 0 ||
	    (size_t)snprintf(path, sizeof(path), "%s/%s", state_dir, name) >= sizeof(path))
		return 0;
	/* ours only: owned by root or us, no group/other bits */
	nlt_clearerr(&e);
	rr = atomicfile_read(path, 16, ATOMICFILE_RD_OWNED | ATOMICFILE_RD_PRIVATE | ATOMICFILE_RD_MISSING_OK, &buf, &len,
			     &e);
	if (rr != 0) {
		if (rr < 0)
			nlt_vlog("Netlogon port cache: %s; ignored", e.msg);
		return 0;
	}
	if (nl_port_cache_parse(buf, len, &port) < 0) {
		nlt_vlog("Netlogon port cache %s: not a port; ignored", path);
		port = 0;
	}
	atomicfile_free(buf, len);
	return port;
}

void nl_port_cache_store(const char *state_dir, const struct nlt_addr *dc, uint16_t port)
{
	char name[100], text[8];
	struct nlt_err e;
	int dfd, n;

	if (!state_dir)
		state_dir = NLT_STATE_DIR;
	if (port < 1024 || port_cache_name(dc, name, sizeof(name)) < 0)
		return;
	(void)mkdir(state_dir, 0700); /* like the journal's directory; an existing one is kept as it is */
	dfd = open(state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		nlt_vlog("Netlogon port cache: cannot open %s: %s; not cached", state_dir, strerror(errno));
		return;
	}
	n = snprintf(text, sizeof(text), "%u\n", port);
	nlt_clearerr(&e);
	if (atomicfile_write_at(dfd, state_dir, name, text, (size_t)n, 0600, &e) < 0)
		nlt_vlog("Netlogon port cache: %s; not cached", e.msg);
	else
		nlt_vlog("Netlogon port cache: %s/%s = %u", state_dir, name, port);
	close(dfd);
}

/* ---- NetrLogonControl2Ex (18) on a connection the caller bound ---- */

int nl_open_unauth(const char *dc_name, const struct nlt_addr *dc_addr, uint64_t deadline_ms, struct rpc_conn *c,
		   struct nlt_err *e)
{
	struct nl_result res;
	uint16_t port = 0;

	memset(&res, 0, sizeof(res));
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	if (map_port(dc_name, dc_addr, deadline_ms, &port, &res, e) < 0)
		return -1;
	if (rpc_connect(c, dc_name, dc_addr, port, deadline_ms, e) < 0 || rpc_bind_deferred(c, &nrpc_syntax, e) < 0) {
		rpc_close(c);
		return -1;
	}
	return 0;
}

int nl_logon_control2ex(struct rpc_conn *c, const char *server, uint32_t function_code, uint32_t level,
			const char *domain, struct nrpc_netlogon_info *out, struct nlt_err *e)
{
	uint8_t req[1024], *rep = NULL;
	size_t rep_len = 0;
	struct wwr w;
	char what[64];
	int r = -1;

	memset(out, 0, sizeof(*out));
	snprintf(what, sizeof(what), "NetrLogonControl2Ex %s level %u", nl_control_str(function_code), level);
	wwr_init(&w, req, sizeof(req));
	if (nrpc_enc_logon_control2ex(&w, server, function_code, level, domain) != WIRE_OK) {
		nlt_seterr(e, NLT_EINTERNAL, "%s: cannot encode the request (a domain is %s for this code)", what,
			   domain ? "not allowed" : "required");
		return -1;
	}
	if (rpc_call(c, NRPC_OP_LOGON_CONTROL2EX, req, wwr_len(&w), &rep, &rep_len, what, e) < 0)
		goto out;
	if (nrpc_dec_logon_control2ex_rep(rep, rep_len, level, out) != WIRE_OK) {
		memset(out, 0, sizeof(*out));
		nlt_seterr(e, NLT_EPROTO, "%s on %s: malformed reply (%zu bytes)", what, c->peer, rep_len);
		goto out;
	}
	r = 0;
out:
	free(rep);
	return r;
}

const char *nl_control_str(uint32_t function_code)
{
	switch (function_code) {
	case 1: return "QUERY";
	case 2: return "REPLICATE";
	case 3: return "SYNCHRONIZE";
	case 4: return "PDC_REPLICATE";
	case 5: return "REDISCOVER";
	case 6: return "TC_QUERY";
	case 7: return "TRANSPORT_NOTIFY";
	case 8: return "FIND_USER";
	case 9: return "CHANGE_PASSWORD";
	case 10: return "TC_VERIFY";
	case 11: return "FORCE_DNS_REG";
	case 12: return "QUERY_DNS_REG";
	default: return "code";
	}
}
