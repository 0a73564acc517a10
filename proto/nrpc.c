/*
 * proto/nrpc.c - MS-NRPC NDR stubs (MS-NRPC 3.5.4; IDL in MS-NRPC 6 and
 * Samba librpc/idl/netlogon.idl).
 */
#include "nrpc.h"

#include <string.h>

const struct dcerpc_syntax nrpc_syntax = {
	{ 0x12345678, 0x1234, 0xabcd, { 0xef, 0x00, 0x01, 0x23, 0x45, 0x67, 0xcf, 0xfb } }, 1, 0
};

static void ptrs_init(struct ndr_ptrs *p)
{
	ndr_ptrs_init(p, NDR_PTRS_SAMBA_FIRST, NDR_PTRS_SAMBA_STEP);
}

/* A top-level [unique, string] wchar_t *: id, then the string at once. */
static void put_opt_wstring(struct wwr *w, struct ndr_ptrs *p, const char *s)
{
	ndr_put_unique_ptr(w, p, s != NULL);
	if (s)
		ndr_put_wstring(w, s);
}

/* A [string] wchar_t * that must be there ([ref]: no id). */
static void put_ref_wstring(struct wwr *w, const char *s)
{
	if (!s) {
		if (!w->err)
			w->err = WIRE_EBAD;
		return;
	}
	ndr_put_wstring(w, s);
}

static void put_authenticator(struct wwr *w, const struct nrpc_authenticator *a)
{
	wwr_align(w, 4);
	wwr_bytes(w, a->cred, 8);
	wwr_u32le(w, a->timestamp);
}

static void get_authenticator(struct wrd *r, struct nrpc_authenticator *a)
{
	wrd_align(r, 4);
	wrd_bytes(r, a->cred, 8);
	a->timestamp = wrd_u32le(r);
}

/* Deferred [string] referent of a pointer read earlier. */
static void get_deferred_wstring(struct wrd *r, int present, char *out, size_t out_size)
{
	out[0] = '\0';
	if (present)
		ndr_get_wstring(r, out, out_size);
}

static void put_status(struct wwr *w, uint32_t status)
{
	ndr_put_u32(w, status);
}

/* ---- NetrServerReqChallenge (4) ---- */

int nrpc_enc_req_challenge(struct wwr *w, const char *server, const char *computer,
			   const uint8_t client_challenge[8])
{
	struct ndr_ptrs p;

	ptrs_init(&p);
	put_opt_wstring(w, &p, server);
	put_ref_wstring(w, computer);
	wwr_bytes(w, client_challenge, 8);
	return w->err;
}

int nrpc_dec_req_challenge_rep(const uint8_t *stub, size_t len, uint8_t server_challenge[8],
			       uint32_t *status)
{
	struct wrd r;
	uint8_t chal[8];
	uint32_t st;

	wrd_init(&r, stub, len);
	wrd_bytes(&r, chal, 8);
	st = ndr_get_u32(&r);
	if (wrd_finish(&r))
		return r.err;
	memcpy(server_challenge, chal, 8);
	*status = st;
	return WIRE_OK;
}

int nrpc_enc_req_challenge_rep(struct wwr *w, const uint8_t server_challenge[8], uint32_t status)
{
	wwr_bytes(w, server_challenge, 8);
	put_status(w, status);
	return w->err;
}

/* ---- NetrServerAuthenticate3 (26) ---- */

int nrpc_enc_authenticate3(struct wwr *w, const struct nrpc_auth3_req *req)
{
	struct ndr_ptrs p;

	ptrs_init(&p);
	put_opt_wstring(w, &p, req->server);
	put_ref_wstring(w, req->account);
	ndr_put_u16(w, req->sc_type);
	put_ref_wstring(w, req->computer);
	wwr_bytes(w, req->client_credential, 8);
	ndr_put_u32(w, req->flags);
	return w->err;
}

int nrpc_dec_authenticate3_rep(const uint8_t *stub, size_t len, struct nrpc_auth3_rep *out)
{
	struct nrpc_auth3_rep rep;
	struct wrd r;

	wrd_init(&r, stub, len);
	wrd_bytes(&r, rep.server_credential, 8);
	rep.flags = ndr_get_u32(&r);
	rep.rid = ndr_get_u32(&r);
	rep.status = ndr_get_u32(&r);
	if (wrd_finish(&r))
		return r.err;
	*out = rep;
	return WIRE_OK;
}

int nrpc_enc_authenticate3_rep(struct wwr *w, const struct nrpc_auth3_rep *rep)
{
	wwr_bytes(w, rep->server_credential, 8);
	ndr_put_u32(w, rep->flags);
	ndr_put_u32(w, rep->rid);
	put_status(w, rep->status);
	return w->err;
}

/* ---- NetrLogonGetCapabilities (21) ---- */

static int caps_level_ok(uint32_t level)
{
	return level == 1 || level == 2;
}

int nrpc_enc_get_capabilities(struct wwr *w, const char *server, const char *computer,
			      const struct nrpc_authenticator *auth, uint32_t level)
{
	static const struct nrpc_authenticator zero;
	struct ndr_ptrs p;

	if (!caps_level_ok(level))
		return w->err ? w->err : (w->err = WIRE_EBAD);
	ptrs_init(&p);
	put_ref_wstring(w, server); /* LOGONSRV_HANDLE without [unique]: a [ref] pointer */
	put_opt_wstring(w, &p, computer);
	put_authenticator(w, auth);
	put_authenticator(w, &zero); /* [in, out] ReturnAuthenticator */
	ndr_put_u32(w, level);
	return w->err;
}

int nrpc_dec_get_capabilities_rep(const uint8_t *stub, size_t len, uint32_t level,
				  struct nrpc_caps_rep *out)
{
	struct nrpc_caps_rep rep;
	struct wrd r;

	if (!caps_level_ok(level))
		return WIRE_EBAD;
	wrd_init(&r, stub, len);
	get_authenticator(&r, &rep.ret_auth);
	(void)ndr_get_union_u32(&r, level);
	rep.capabilities = ndr_get_u32(&r);
	rep.status = ndr_get_u32(&r);
	if (wrd_finish(&r))
		return r.err;
	*out = rep;
	return WIRE_OK;
}

int nrpc_enc_get_capabilities_rep(struct wwr *w, uint32_t level, const struct nrpc_caps_rep *rep)
{
	if (!caps_level_ok(level))
		return w->err ? w->err : (w->err = WIRE_EBAD);
	put_authenticator(w, &rep->ret_auth);
	ndr_put_union_u32(w, level);
	ndr_put_u32(w, rep->capabilities);
	put_status(w, rep->status);
	return w->err;
}

/* ---- NetrServerPasswordSet2 (30) ---- */

int nrpc_enc_password_set2(struct wwr *w, const struct nrpc_pwset2_req *req)
{
	struct ndr_ptrs p;

	ptrs_init(&p);
	put_opt_wstring(w, &p, req->server);
	put_ref_wstring(w, req->account);
	ndr_put_u16(w, req->sc_type);
	put_ref_wstring(w, req->computer);
	put_authenticator(w, &req->auth);
	/* NL_TRUST_PASSWORD {WCHAR Buffer[256]; ULONG Length}: the encrypted
	 * 516 bytes as they are (Length is already little-endian in them) */
	wwr_align(w, 4);
	wwr_bytes(w, req->new_password, NRPC_PASSWORD_LEN);
	return w->err;
}

int nrpc_dec_password_set2_rep(const uint8_t *stub, size_t len, struct nrpc_authenticator *ret_auth,
			       uint32_t *status)
{
	struct nrpc_authenticator a;
	struct wrd r;
	uint32_t st;

	wrd_init(&r, stub, len);
	get_authenticator(&r, &a);
	st = ndr_get_u32(&r);
	if (wrd_finish(&r))
		return r.err;
	*ret_auth = a;
	*status = st;
	return WIRE_OK;
}

int nrpc_enc_password_set2_rep(struct wwr *w, const struct nrpc_authenticator *ret_auth, uint32_t status)
{
	put_authenticator(w, ret_auth);
	put_status(w, status);
	return w->err;
}

/* ---- NetrLogonControl2Ex (18) ---- */

static int control_takes_string(uint32_t code)
{
	switch (code) {
	case NRPC_CONTROL_REDISCOVER:
	case NRPC_CONTROL_TC_QUERY:
	case NRPC_CONTROL_TRANSPORT_NOTIFY:
	case NRPC_CONTROL_FIND_USER:
	case NRPC_CONTROL_CHANGE_PASSWORD:
	case NRPC_CONTROL_TC_VERIFY:
		return 1;
	default:
		return 0;
	}
}

static int info_level_ok(uint32_t level)
{
	return level >= 1 && level <= 4;
}

int nrpc_enc_logon_control2ex(struct wwr *w, const char *server, uint32_t function_code, uint32_t level,
			      const char *arg)
{
	struct ndr_ptrs p;

	if (function_code == NRPC_CONTROL_SET_DBFLAG || !info_level_ok(level) ||
	    (arg != NULL) != control_takes_string(function_code))
		return w->err ? w->err : (w->err = WIRE_EBAD);
	ptrs_init(&p);
	put_opt_wstring(w, &p, server);
	ndr_put_u32(w, function_code);
	ndr_put_u32(w, level);
	/* [ref, switch_is(FunctionCode)] union: discriminant, then the arm */
	ndr_put_union_u32(w, function_code);
	if (arg)
		put_opt_wstring(w, &p, arg);
	return w->err;
}

int nrpc_dec_logon_control2ex_rep(const uint8_t *stub, size_t len, uint32_t level,
				  struct nrpc_netlogon_info *out)
{
	struct nrpc_netlogon_info rep;
	struct wrd r;
	int dc = 0, dom = 0;

	if (!info_level_ok(level))
		return WIRE_EBAD;
	memset(&rep, 0, sizeof(rep));
	rep.level = level;
	wrd_init(&r, stub, len);
	(void)ndr_get_union_u32(&r, level);
	/* each arm is a [unique] pointer to NETLOGON_INFO_<level>, deferred */
	rep.present = ndr_get_unique_ptr(&r);
	if (rep.present) {
		switch (level) {
		case 1:
			rep.flags = ndr_get_u32(&r);
			rep.pdc_connection_status = ndr_get_u32(&r);
			break;
		case 2:
			rep.flags = ndr_get_u32(&r);
			rep.pdc_connection_status = ndr_get_u32(&r);
			dc = ndr_get_unique_ptr(&r);
			rep.tc_connection_status = ndr_get_u32(&r);
			get_deferred_wstring(&r, dc, rep.trusted_dc_name, sizeof(rep.trusted_dc_name));
			break;
		case 3:
			rep.flags = ndr_get_u32(&r);
			rep.logon_attempts = ndr_get_u32(&r);
			for (size_t i = 0; i < NRPC_INFO3_RESERVED; i++)
				rep.reserved[i] = ndr_get_u32(&r);
			break;
		default: /* 4 */
			dc = ndr_get_unique_ptr(&r);
			dom = ndr_get_unique_ptr(&r);
			get_deferred_wstring(&r, dc, rep.trusted_dc_name, sizeof(rep.trusted_dc_name));
			get_deferred_wstring(&r, dom, rep.trusted_domain_name, sizeof(rep.trusted_domain_name));
			break;
		}
	}
	rep.werror = ndr_get_u32(&r);
	if (wrd_finish(&r))
		return r.err;
	*out = rep;
	return WIRE_OK;
}

static void put_opt_deferred_ptr(struct wwr *w, struct ndr_ptrs *p, const char *s)
{
	ndr_put_unique_ptr(w, p, s[0] != '\0');
}

static void put_opt_deferred_str(struct wwr *w, const char *s)
{
	if (s[0])
		ndr_put_wstring(w, s);
}

int nrpc_enc_logon_control2ex_rep(struct wwr *w, const struct nrpc_netlogon_info *rep)
{
	struct ndr_ptrs p;

	if (!info_level_ok(rep->level))
		return w->err ? w->err : (w->err = WIRE_EBAD);
	ptrs_init(&p);
	ndr_put_union_u32(w, rep->level);
	ndr_put_unique_ptr(w, &p, rep->present);
	if (rep->present) {
		switch (rep->level) {
		case 1:
			ndr_put_u32(w, rep->flags);
			ndr_put_u32(w, rep->pdc_connection_status);
			break;
		case 2:
			ndr_put_u32(w, rep->flags);
			ndr_put_u32(w, rep->pdc_connection_status);
			put_opt_deferred_ptr(w, &p, rep->trusted_dc_name);
			ndr_put_u32(w, rep->tc_connection_status);
			put_opt_deferred_str(w, rep->trusted_dc_name);
			break;
		case 3:
			ndr_put_u32(w, rep->flags);
			ndr_put_u32(w, rep->logon_attempts);
			for (size_t i = 0; i < NRPC_INFO3_RESERVED; i++)
				ndr_put_u32(w, rep->reserved[i]);
			break;
		default:
			put_opt_deferred_ptr(w, &p, rep->trusted_dc_name);
			put_opt_deferred_ptr(w, &p, rep->trusted_domain_name);
			put_opt_deferred_str(w, rep->trusted_dc_name);
			put_opt_deferred_str(w, rep->trusted_domain_name);
			break;
		}
	}
	put_status(w, rep->werror);
	return w->err;
}

/* ---- DsrGetDcNameEx2 (34) ---- */

int nrpc_enc_dsr_get_dc_name_ex2(struct wwr *w, const struct nrpc_dsgetdc_req *req)
{
	struct ndr_ptrs p;

	ptrs_init(&p);
	put_opt_wstring(w, &p, req->server);
	put_opt_wstring(w, &p, req->account);
	ndr_put_u32(w, req->mask);
	put_opt_wstring(w, &p, req->domain);
	ndr_put_unique_ptr(w, &p, req->domain_guid != NULL);
	if (req->domain_guid)
		ndr_put_guid(w, req->domain_guid);
	put_opt_wstring(w, &p, req->site);
	ndr_put_u32(w, req->flags);
	return w->err;
}

int nrpc_dec_dsr_get_dc_name_ex2_rep(const uint8_t *stub, size_t len, struct nrpc_dc_info *out)
{
	static struct nrpc_dc_info zero;
	struct nrpc_dc_info rep = zero;
	struct wrd r;

	wrd_init(&r, stub, len);
	/* [out] PDOMAIN_CONTROLLER_INFOW *: a [ref] to a [unique] pointer */
	rep.present = ndr_get_unique_ptr(&r);
	if (rep.present) {
		int name, addr, dom, forest, dcsite, clsite;
		name = ndr_get_unique_ptr(&r);
		addr = ndr_get_unique_ptr(&r);
		rep.address_type = ndr_get_u32(&r);
		ndr_get_guid(&r, &rep.domain_guid);
		dom = ndr_get_unique_ptr(&r);
		forest = ndr_get_unique_ptr(&r);
		rep.flags = ndr_get_u32(&r);
		dcsite = ndr_get_unique_ptr(&r);
		clsite = ndr_get_unique_ptr(&r);
		get_deferred_wstring(&r, name, rep.dc_name, sizeof(rep.dc_name));
		get_deferred_wstring(&r, addr, rep.dc_address, sizeof(rep.dc_address));
		get_deferred_wstring(&r, dom, rep.domain_name, sizeof(rep.domain_name));
		get_deferred_wstring(&r, forest, rep.forest_name, sizeof(rep.forest_name));
		get_deferred_wstring(&r, dcsite, rep.dc_site_name, sizeof(rep.dc_site_name));
		get_deferred_wstring(&r, clsite, rep.client_site_name, sizeof(rep.client_site_name));
	}
	rep.werror = ndr_get_u32(&r);
	if (wrd_finish(&r))
		return r.err;
	*out = rep;
	return WIRE_OK;
}

int nrpc_enc_dsr_get_dc_name_ex2_rep(struct wwr *w, const struct nrpc_dc_info *rep)
{
	struct ndr_ptrs p;

	ptrs_init(&p);
	ndr_put_unique_ptr(w, &p, rep->present);
	if (rep->present) {
		put_opt_deferred_ptr(w, &p, rep->dc_name);
		put_opt_deferred_ptr(w, &p, rep->dc_address);
		ndr_put_u32(w, rep->address_type);
		ndr_put_guid(w, &rep->domain_guid);
		put_opt_deferred_ptr(w, &p, rep->domain_name);
		put_opt_deferred_ptr(w, &p, rep->forest_name);
		ndr_put_u32(w, rep->flags);
		put_opt_deferred_ptr(w, &p, rep->dc_site_name);
		put_opt_deferred_ptr(w, &p, rep->client_site_name);
		put_opt_deferred_str(w, rep->dc_name);
		put_opt_deferred_str(w, rep->dc_address);
		put_opt_deferred_str(w, rep->domain_name);
		put_opt_deferred_str(w, rep->forest_name);
		put_opt_deferred_str(w, rep->dc_site_name);
		put_opt_deferred_str(w, rep->client_site_name);
	}
	put_status(w, rep->werror);
	return w->err;
}
