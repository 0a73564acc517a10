/* proto/wkssvc.c - NetrWkstaGetInfo level 100, NetrJoinDomain2, NetrUnjoinDomain2 (see wkssvc.h). */
#include "wkssvc.h"

#include <string.h>

#include <nettle/arcfour.h>
#include <nettle/md5.h>

#include "nrpc_crypto.h"

const struct dcerpc_syntax wkssvc_syntax = {
	{ 0x6bffd098, 0xa112, 0x3610, { 0x98, 0x33, 0x46, 0xc3, 0xf8, 0x7e, 0x34, 0x5a } }, 1, 0
};

int wkssvc_enc_get_info(struct wwr *w, const char *server, uint32_t level)
{
	return ndr_enc_server_level(w, server, level);
}

int wkssvc_dec_get_info100_rep(const uint8_t *stub, size_t len, struct wkssvc_info100 *rep)
{
	struct wrd r;
	int pc, pl;

	memset(rep, 0, sizeof(*rep));
	wrd_init(&r, stub, len);
	ndr_get_union_u32(&r, 100);
	rep->present = ndr_get_unique_ptr(&r);
	if (rep->present) {
		rep->platform_id = ndr_get_u32(&r);
		pc = ndr_get_unique_ptr(&r);
		pl = ndr_get_unique_ptr(&r);
		rep->version_major = ndr_get_u32(&r);
		rep->version_minor = ndr_get_u32(&r);
		if (pc)
			ndr_get_wstring(&r, rep->computer, sizeof(rep->computer));
		if (pl)
			ndr_get_wstring(&r, rep->langroup, sizeof(rep->langroup));
	}
	rep->werror = ndr_get_u32(&r);
	return wrd_finish(&r);
}

int wkssvc_enc_get_info100_rep(struct wwr *w, const struct wkssvc_info100 *rep)
{
	struct ndr_ptrs p;

	ndr_ptrs_init(&p, NDR_PTRS_SAMBA_FIRST, NDR_PTRS_SAMBA_STEP);
	ndr_put_union_u32(w, 100);
	ndr_put_unique_ptr(w, &p, rep->present);
	if (rep->present) {
		ndr_put_u32(w, rep->platform_id);
		ndr_put_unique_ptr(w, &p, 1);
		ndr_put_unique_ptr(w, &p, 1);
		ndr_put_u32(w, rep->version_major);
		ndr_put_u32(w, rep->version_minor);
		ndr_put_wstring(w, rep->computer);
		ndr_put_wstring(w, rep->langroup);
	}
	ndr_put_u32(w, rep->werror);
	return wwr_err(w);
}

/* ---- NetrJoinDomain2 / NetrUnjoinDomain2 (MS-WKST 3.2.4.13, 3.2.4.14) ---- */

static void *(*const volatile wipe_memset)(void *, int, size_t) = memset;

int wkssvc_pw_plain(const char *pw, const uint8_t fill[WKSSVC_PW_MAX_BYTES], uint8_t out[WKSSVC_PW_PLAIN_LEN])
{
	uint8_t u16[WKSSVC_PW_MAX_BYTES];
	size_t n = 0;
	int rc;

	rc = nrpc_utf8_to_utf16le(pw, strlen(pw), u16, sizeof(u16), &n);
	if (rc != WIRE_OK) {
		wipe_memset(u16, 0, sizeof(u16));
		return rc == WIRE_ESPACE ? WIRE_ELIMIT : rc;
	}
	/* JOINPR_USER_PASSWORD: the password ends Buffer; what is before it is random */
	memcpy(out, fill, WKSSVC_PW_MAX_BYTES - n);
	memcpy(out + WKSSVC_PW_MAX_BYTES - n, u16, n);
	out[512] = (uint8_t)n;
	out[513] = (uint8_t)(n >> 8);
	out[514] = 0;
	out[515] = 0;
	wipe_memset(u16, 0, sizeof(u16));
	return WIRE_OK;
}

void wkssvc_rc4_md5(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len, uint8_t *data, size_t len)
{
	struct md5_ctx m;
	struct arcfour_ctx rc4;
	uint8_t k[MD5_DIGEST_SIZE];

	md5_init(&m);
	md5_update(&m, a_len, a);
	md5_update(&m, b_len, b);
	md5_digest(&m, sizeof(k), k);
	arcfour_set_key(&rc4, sizeof(k), k);
	arcfour_crypt(&rc4, len, data, data);
	wipe_memset(&m, 0, sizeof(m));
	wipe_memset(&rc4, 0, sizeof(rc4));
	wipe_memset(k, 0, sizeof(k));
}

int wkssvc_join_password(const char *pw, const uint8_t key[16], const uint8_t obfuscator[8],
			 const uint8_t fill[WKSSVC_PW_MAX_BYTES], uint8_t out[WKSSVC_PWBUF_LEN])
{
	int rc = wkssvc_pw_plain(pw, fill, out + 8);

	if (rc != WIRE_OK) {
		wipe_memset(out, 0, WKSSVC_PWBUF_LEN);
		return rc;
	}
	memcpy(out, obfuscator, 8);
	/* MS-WKST 2.2.5.18: the RC4 key is MD5(session key || obfuscator); the obfuscator stays in clear */
	wkssvc_rc4_md5(key, 16, obfuscator, 8, out + 8, WKSSVC_PW_PLAIN_LEN);
	return WIRE_OK;
}

int wkssvc_join_password_open(const uint8_t in[WKSSVC_PWBUF_LEN], const uint8_t key[16], char *pw, size_t cap)
{
	uint8_t p[WKSSVC_PW_PLAIN_LEN];
	uint32_t n;
	int rc;

	memcpy(p, in + 8, sizeof(p));
	wkssvc_rc4_md5(key, 16, in, 8, p, sizeof(p));
	n = (uint32_t)p[512] | (uint32_t)p[513] << 8 | (uint32_t)p[514] << 16 | (uint32_t)p[515] << 24;
	if (n > WKSSVC_PW_MAX_BYTES || (n & 1))
		rc = WIRE_EBAD;
	else
		rc = ndr_utf16le_to_utf8(p + WKSSVC_PW_MAX_BYTES - n, n / 2, pw, cap);
	wipe_memset(p, 0, sizeof(p));
	return rc;
}

/* a top-level [unique,string] wchar_t *: referent id, then the string at once */
static void put_opt_wstring(struct wwr *w, struct ndr_ptrs *p, const char *s)
{
	ndr_put_unique_ptr(w, p, s != NULL);
	if (s)
		ndr_put_wstring(w, s);
}

static void put_opt_pwbuf(struct wwr *w, struct ndr_ptrs *p, const uint8_t *pwbuf)
{
	ndr_put_unique_ptr(w, p, pwbuf != NULL);
	if (pwbuf)
		wwr_bytes(w, pwbuf, WKSSVC_PWBUF_LEN); /* uint8 data[524]: alignment 1 */
}

int wkssvc_enc_join_domain2(struct wwr *w, const char *server, const char *domain, const char *ou,
			    const char *account, const uint8_t *pwbuf, uint32_t options)
{
	struct ndr_ptrs p;

	if (!domain)
		return WIRE_EBAD; /* [ref] */
	ndr_ptrs_init(&p, NDR_PTRS_SAMBA_FIRST, NDR_PTRS_SAMBA_STEP);
	put_opt_wstring(w, &p, server);
	ndr_put_wstring(w, domain);
	put_opt_wstring(w, &p, ou);
	put_opt_wstring(w, &p, account);
	put_opt_pwbuf(w, &p, pwbuf);
	ndr_put_u32(w, options);
	return wwr_err(w);
}

int wkssvc_enc_unjoin_domain2(struct wwr *w, const char *server, const char *account, const uint8_t *pwbuf,
			      uint32_t options)
{
	struct ndr_ptrs p;

	ndr_ptrs_init(&p, NDR_PTRS_SAMBA_FIRST, NDR_PTRS_SAMBA_STEP);
	put_opt_wstring(w, &p, server);
	put_opt_wstring(w, &p, account);
	put_opt_pwbuf(w, &p, pwbuf);
	ndr_put_u32(w, options);
	return wwr_err(w);
}

int wkssvc_dec_werror_rep(const uint8_t *stub, size_t len, uint32_t *werror)
{
	struct wrd r;

	*werror = 0;
	wrd_init(&r, stub, len);
	*werror = ndr_get_u32(&r);
	if (wrd_err(&r))
		*werror = 0;
	return wrd_finish(&r);
}

int wkssvc_enc_werror_rep(struct wwr *w, uint32_t werror)
{
	ndr_put_u32(w, werror);
	return wwr_err(w);
}
