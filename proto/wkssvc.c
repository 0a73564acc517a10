/* proto/wkssvc.c - NetrWkstaGetInfo level 100 (see wkssvc.h). */
#include "wkssvc.h"

#include <string.h>

const struct dcerpc_syntax wkssvc_syntax = {
	{ 0x6bffd098, 0xa112, 0x3610, { 0x98, 0x33, 0x46, 0xc3, 0xf8, 0x7e, 0x34, 0x5a } }, 1, 0
};

int wkssvc_enc_get_info(struct wwr *w, const char *server, uint32_t level)
{
	struct ndr_ptrs p;

	ndr_ptrs_init(&p, NDR_PTRS_SAMBA_FIRST, NDR_PTRS_SAMBA_STEP);
	ndr_put_unique_ptr(w, &p, server != NULL);
	if (server)
		ndr_put_wstring(w, server);
	ndr_put_u32(w, level);
	return wwr_err(w);
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
