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
