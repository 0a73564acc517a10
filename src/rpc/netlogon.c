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

static int open_channel(const char *dc_name, const struct nlt_addr *dc_addr, const char *netbios_domain,
			const char *machine, const uint8_t nt_hash[16], const char *new_password, uint16_t port_hint,
			uint64_t deadline_ms, struct nl_result *res, struct nlt_err *e);

/* The sealed NetrLogonGetCapabilities: its answer must equal the negotiated flags. */
static int get_caps(struct rpc_conn *b, struct nrpc_creds *creds, const char *server, const char *computer,
		    struct nl_result *res, struct nlt_err *e)
{
	struct nrpc_authenticator au;
	struct nrpc_auth_step step;
	struct nrpc_caps_rep cr;
	uint8_t req[1024], *out = NULL;
	size_t out_len = 0;
	struct wwr w;
	int r = -1;

	nrpc_auth_begin(creds, (uint32_t)time(NULL), au.cred, &au.timestamp, &step);
	wwr_init(&w, req, sizeof(req));
	if (nrpc_enc_get_capabilities(&w, server, computer, &au, 1) != WIRE_OK) {
		nlt_seterr(e, NLT_EINTERNAL, "netlogon: cannot encode NetrLogonGetCapabilities");
		goto out;
	}
	if (rpc_call(b, NRPC_OP_GET_CAPABILITIES, req, wwr_len(&w), &out, &out_len, "NetrLogonGetCapabilities", e) < 0)
		goto out;
	if (nrpc_dec_get_capabilities_rep(out, out_len, 1, &cr) != WIRE_OK) {
		nlt_seterr(e, NLT_EPROTO, "NetrLogonGetCapabilities on %s: malformed reply", b->peer);
		goto out;
	}
	if (cr.status) {
		nlt_seterr(e, NLT_EPROTO, "NetrLogonGetCapabilities on %s: 0x%08x (%s)", b->peer, cr.status,
			   rpc_status_str(cr.status));
		goto out;
	}
	if (nrpc_auth_commit(creds, &step, cr.ret_auth.cred) != WIRE_OK) {
		nlt_seterr(e, NLT_EPROTO, "NetrLogonGetCapabilities on %s: the return authenticator does not verify", b->peer);
		goto out;
	}
	res->caps = cr.capabilities;
	res->caps_checked = 1;
	res->verdict = cr.capabilities == res->flags ? NLV_OK : NLV_DOWNGRADE;
	r = 0;
out:
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

static int open_channel(const char *dc_name, const struct nlt_addr *dc_addr, const char *netbios_domain,
			const char *machine, const uint8_t nt_hash[16], const char *new_password, uint16_t port_hint,
			uint64_t deadline_ms, struct nl_result *res, struct nlt_err *e)
{
	struct rpc_conn a, b;
	struct nrpc_creds creds;
	uint8_t cc[8], sc[8], client_cred[8], req[1024], *out = NULL;
	char server[300], computer[32], dcshort[64];
	size_t out_len = 0, n;
	uint32_t status = 0;
	struct wwr w;
	uint64_t t0 = nlt_now_us();
	int r = -1, have_b = 0;

	memset(res, 0, sizeof(*res));
	memset(&creds, 0, sizeof(creds));
	memset(&a, 0, sizeof(a));
	a.fd = -1;
	memset(&b, 0, sizeof(b));
	b.fd = -1;
	/* "\\DC1" and "WS1": the NetBIOS-style names MS-NRPC calls carry */
	nlt_strlcpy(dcshort, dc_name, sizeof(dcshort));
	if (strchr(dcshort, '.'))
		*strchr(dcshort, '.') = '\0';
	for (char *p = dcshort; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	snprintf(server, sizeof(server), "\\\\%s", dcshort);
	n = strlen(machine);
	if (n < 2 || n > 16 || machine[n - 1] != '$')
		return nlt_seterr(e, NLT_EUSAGE, "netlogon: '%s' is not a machine account name", machine);
	memcpy(computer, machine, n - 1);
	computer[n - 1] = '\0';

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
		if (map_port(dc_name, dc_addr, deadline_ms, &res->port, res, e) < 0)
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
	if (nrpc_creds_init(&creds, nt_hash, cc, sc, client_cred) != WIRE_OK) {
		nlt_seterr(e, NLT_EPROTO, "netlogon: the DC's challenge gives a degenerate credential; refused");
		goto out;
	}
	{
		struct nrpc_auth3_req aq = { server, machine, NRPC_SC_WORKSTATION, computer, { 0 }, NL_NEG_PROPOSED };
		struct nrpc_auth3_rep ar;
		memcpy(aq.client_credential, client_cred, 8);
		wwr_init(&w, req, sizeof(req));
		if (nrpc_enc_authenticate3(&w, &aq) != WIRE_OK ||
		    rpc_call(&a, NRPC_OP_AUTHENTICATE3, req, wwr_len(&w), &out, &out_len, "NetrServerAuthenticate3", e) < 0)
			goto out;
		if (nrpc_dec_authenticate3_rep(out, out_len, &ar) != WIRE_OK) {
			nlt_seterr(e, NLT_EPROTO, "NetrServerAuthenticate3 on %s: malformed reply", a.peer);
			goto out;
		}
		res->status = ar.status;
		res->flags = ar.flags;
		res->rid = ar.rid;
		if (ar.status) {
			res->verdict = ar.status == ST_ACCESS_DENIED ? NLV_BAD_PASSWORD
				       : ar.status == ST_NO_TRUST_SAM_ACCOUNT || ar.status == ST_NO_SUCH_USER ? NLV_NO_ACCOUNT
				       : ar.status == ST_ACCOUNT_DISABLED ? NLV_DISABLED : NLV_OTHER;
			r = 0;
			goto out;
		}
		/* the flags first: without AES the DC computed its credential another way, and comparing it
		 * with our AES one would call a weak channel a wrong password */
		if (!(ar.flags & NL_NEG_AES) || !(ar.flags & NL_NEG_AUTHENTICATED_RPC)) {
			res->verdict = NLV_NO_AES;
			r = 0;
			goto out;
		}
		if (nrpc_creds_check_server(&creds, ar.server_credential) != WIRE_OK) {
			/* the DC proved a different secret: as good as ACCESS_DENIED, and never to be trusted */
			res->verdict = NLV_BAD_PASSWORD;
			r = 0;
			goto out;
		}
	}
	free(out);
	out = NULL;
	/*
	 * The sealed channel: schannel (PRIVACY) added to this association with alter_context, sent in
	 * the same write as the sealed LogonGetCapabilities.  A DC that refuses the alter_context gets a
	 * second connection bound with schannel from the start (the authenticator was not used: the DC
	 * never processed the call, and ours advances only on a verified return authenticator).
	 */
	if (rpc_alter_schannel_deferred(&a, &nrpc_syntax, creds.session_key, netbios_domain, computer, e) < 0)
		goto out;
	b = a;
	b.sec_store.ctx = &b.schannel; /* the provider's state moved with the struct */
	b.sec = &b.sec_store;
	a.fd = -1;
	a.sec = NULL;
	a.n_connects = a.n_calls = 0;
	if (get_caps(&b, &creds, server, computer, res, e) < 0) {
		if (!b.pending_failed)
			goto out;
		nlt_vlog("netlogon: %s; opening a second connection for schannel", e->msg);
		nlt_clearerr(e);
		res->n_connects += b.n_connects;
		res->n_calls += b.n_calls;
		rpc_close(&b);
		if (rpc_connect(&b, dc_name, dc_addr, res->port, deadline_ms, e) < 0)
			goto out;
		have_b = 1;
		if (rpc_bind_schannel(&b, &nrpc_syntax, creds.session_key, netbios_domain, computer, e) < 0 ||
		    get_caps(&b, &creds, server, computer, res, e) < 0)
			goto out;
	}
	have_b = 1;
	if (new_password) {
		if (res->verdict != NLV_OK) {
			nlt_seterr(e, NLT_EPROTO, "netlogon: the secure channel to %s is downgraded; no password sent", b.peer);
			goto out;
		}
		if (password_set2(&b, &creds, server, machine, computer, new_password, res, e) < 0)
			goto out;
	}
	r = 0;
out:
	res->n_connects += a.n_connects + b.n_connects;
	res->n_calls += a.n_calls + b.n_calls;
	res->elapsed_us = nlt_now_us() - t0;
	free(out);
	nrpc_creds_wipe(&creds);
	rpc_close(&a);
	if (have_b || b.fd >= 0)
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
