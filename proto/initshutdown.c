/* proto/initshutdown.c - MS-RSP BaseInitiateShutdownEx and BaseAbortShutdown (see initshutdown.h). */
#include "initshutdown.h"

const struct dcerpc_syntax initshutdown_syntax = {
	{ 0x894de0c0, 0x0d55, 0x11d3, { 0xa3, 0x22, 0x00, 0xc0, 0x4f, 0xa3, 0x21, 0xa1 } }, 1, 0
};

int initshutdown_enc_init_ex(struct wwr *w, const char *message, uint32_t timeout_s, int force_apps, int reboot,
			     uint32_t reason)
{
	struct ndr_ptrs p;
	struct ndr_ustr u;
	long units = message ? ndr_utf16_units(message) : 0;

	if (units < 0)
		return w->err ? w->err : (w->err = WIRE_EBAD);
	if ((uint32_t)units > INITSHUTDOWN_MESSAGE_MAX || timeout_s > INITSHUTDOWN_TIMEOUT_MAX)
		return w->err ? w->err : (w->err = WIRE_ELIMIT);
	ndr_ptrs_init(&p, NDR_PTRS_SAMBA_FIRST, NDR_PTRS_SAMBA_STEP);
	ndr_put_unique_ptr(w, &p, 0); /* ServerName: a [unique] pointer to one WCHAR, ignored by the server */
	ndr_put_unique_ptr(w, &p, message != NULL);
	if (message) {
		/* RPC_UNICODE_STRING: Length, MaximumLength (room for the NUL, which is not sent), Buffer */
		u.length = (uint16_t)(units * 2);
		u.max_length = (uint16_t)(units * 2 + 2);
		u.present = 1;
		ndr_put_u16(w, u.length);
		ndr_put_u16(w, u.max_length);
		ndr_put_unique_ptr(w, &p, 1);
		ndr_put_ustr_body(w, &u, message);
	}
	ndr_put_u32(w, timeout_s);
	ndr_put_u8(w, force_apps ? 1 : 0);
	ndr_put_u8(w, reboot ? 1 : 0);
	ndr_put_u32(w, reason);
	return wwr_err(w);
}

int initshutdown_enc_abort(struct wwr *w)
{
	struct ndr_ptrs p;

	ndr_ptrs_init(&p, NDR_PTRS_SAMBA_FIRST, NDR_PTRS_SAMBA_STEP);
	ndr_put_unique_ptr(w, &p, 0);
	return wwr_err(w);
}

int initshutdown_dec_rep(const uint8_t *stub, size_t len, uint32_t *werror)
{
	struct wrd r;

	*werror = 0;
	wrd_init(&r, stub, len);
	*werror = ndr_get_u32(&r);
	if (wrd_finish(&r) != WIRE_OK) {
		*werror = 0;
		return r.err;
	}
	return WIRE_OK;
}

int initshutdown_enc_rep(struct wwr *w, uint32_t werror)
{
	ndr_put_u32(w, werror);
	return wwr_err(w);
}
