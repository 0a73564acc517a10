/* proto/srvsvc.c - NetrServerGetInfo level 101 (see srvsvc.h). */
#include "srvsvc.h"

#include <string.h>

const struct dcerpc_syntax srvsvc_syntax = {
	{ 0x4b324fc8, 0x1670, 0x01d3, { 0x12, 0x78, 0x5a, 0x47, 0xbf, 0x6e, 0xe1, 0x88 } }, 3, 0
};

int srvsvc_enc_get_info(struct wwr *w, const char *server, uint32_t level)
{
	return ndr_enc_server_level(w, server, level);
}

int srvsvc_dec_get_info101_rep(const uint8_t *stub, size_t len, struct srvsvc_info101 *rep)
{
	struct wrd r;
	int pn, pc;

	memset(rep, 0, sizeof(*rep));
	wrd_init(&r, stub, len);
	ndr_get_union_u32(&r, 101);
	rep->present = ndr_get_unique_ptr(&r);
	if (rep->present) {
		rep->platform_id = ndr_get_u32(&r);
		pn = ndr_get_unique_ptr(&r);
		rep->version_major = ndr_get_u32(&r);
		rep->version_minor = ndr_get_u32(&r);
		rep->type = ndr_get_u32(&r);
		pc = ndr_get_unique_ptr(&r);
		if (pn)
			ndr_get_wstring(&r, rep->name, sizeof(rep->name));
		if (pc)
			ndr_get_wstring(&r, rep->comment, sizeof(rep->comment));
	}
	rep->werror = ndr_get_u32(&r);
	return wrd_finish(&r);
}

int srvsvc_enc_get_info101_rep(struct wwr *w, const struct srvsvc_info101 *rep)
{
	struct ndr_ptrs p;

	ndr_ptrs_init(&p, NDR_PTRS_SAMBA_FIRST, NDR_PTRS_SAMBA_STEP);
	ndr_put_union_u32(w, 101);
	ndr_put_unique_ptr(w, &p, rep->present);
	if (rep->present) {
		ndr_put_u32(w, rep->platform_id);
		ndr_put_unique_ptr(w, &p, 1);
		ndr_put_u32(w, rep->version_major);
		ndr_put_u32(w, rep->version_minor);
		ndr_put_u32(w, rep->type);
		ndr_put_unique_ptr(w, &p, 1);
		ndr_put_wstring(w, rep->name);
		ndr_put_wstring(w, rep->comment);
	}
	ndr_put_u32(w, rep->werror);
	return wwr_err(w);
}

/* ---- NetrRemoteTOD (opnum 28, MS-SRVS 3.1.4.21; TIME_OF_DAY_INFO 2.2.4.105) ---- */

int srvsvc_enc_remote_tod(struct wwr *w, const char *server)
{
	struct ndr_ptrs p;

	ndr_ptrs_init(&p, NDR_PTRS_SAMBA_FIRST, NDR_PTRS_SAMBA_STEP);
	ndr_put_unique_ptr(w, &p, server != NULL);
	if (server)
		ndr_put_wstring(w, server);
	return wwr_err(w);
}

int srvsvc_dec_remote_tod_rep(const uint8_t *stub, size_t len, struct srvsvc_tod *rep)
{
	struct wrd r;
	int rc;

	memset(rep, 0, sizeof(*rep));
	wrd_init(&r, stub, len);
	/* [out] LPTIME_OF_DAY_INFO *BufferPtr: a unique pointer, then the structure */
	rep->present = ndr_get_unique_ptr(&r);
	if (rep->present) {
		rep->elapsedt = ndr_get_u32(&r);
		rep->msecs = ndr_get_u32(&r);
		rep->hours = ndr_get_u32(&r);
		rep->mins = ndr_get_u32(&r);
		rep->secs = ndr_get_u32(&r);
		rep->hunds = ndr_get_u32(&r);
		rep->timezone = (int32_t)ndr_get_u32(&r);
		rep->tinterval = ndr_get_u32(&r);
		rep->day = ndr_get_u32(&r);
		rep->month = ndr_get_u32(&r);
		rep->year = ndr_get_u32(&r);
		rep->weekday = ndr_get_u32(&r);
	}
	rep->werror = ndr_get_u32(&r);
	rc = wrd_finish(&r);
	if (rc != WIRE_OK)
		return rc;
	/* hundredths are 0-99 (MS-SRVS 2.2.4.105): anything else is not a time */
	if (rep->present && rep->hunds > 99)
		return WIRE_EBAD;
	return WIRE_OK;
}

int srvsvc_enc_remote_tod_rep(struct wwr *w, const struct srvsvc_tod *rep)
{
	struct ndr_ptrs p;

	ndr_ptrs_init(&p, NDR_PTRS_SAMBA_FIRST, NDR_PTRS_SAMBA_STEP);
	ndr_put_unique_ptr(w, &p, rep->present);
	if (rep->present) {
		ndr_put_u32(w, rep->elapsedt);
		ndr_put_u32(w, rep->msecs);
		ndr_put_u32(w, rep->hours);
		ndr_put_u32(w, rep->mins);
		ndr_put_u32(w, rep->secs);
		ndr_put_u32(w, rep->hunds);
		ndr_put_u32(w, (uint32_t)rep->timezone);
		ndr_put_u32(w, rep->tinterval);
		ndr_put_u32(w, rep->day);
		ndr_put_u32(w, rep->month);
		ndr_put_u32(w, rep->year);
		ndr_put_u32(w, rep->weekday);
	}
	ndr_put_u32(w, rep->werror);
	return wwr_err(w);
}

int64_t srvsvc_tod_unix_ms(const struct srvsvc_tod *t)
{
	return (int64_t)t->elapsedt * 1000 + (int64_t)t->hunds * 10;
}
