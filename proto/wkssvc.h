/*
 * proto/wkssvc.h - MS-WKST NetrWkstaGetInfo (opnum 0) at level 100
 * (MS-WKST 3.2.4.1, 2.2.5.1 WKSTA_INFO_100; Samba
 * librpc/idl/wkssvc.idl).  Pure codecs.
 */
#ifndef NLT_PROTO_WKSSVC_H
#define NLT_PROTO_WKSSVC_H

#include <stddef.h>
#include <stdint.h>

#include "dcerpc.h"
#include "ndr.h"
#include "wire.h"

extern const struct dcerpc_syntax wkssvc_syntax; /* 6bffd098-a112-3610-9833-46c3f87e345a v1.0 */
#define WKSSVC_OP_WKSTA_GET_INFO 0
#define WKSSVC_NAME_MAX 256

int wkssvc_enc_get_info(struct wwr *w, const char *server, uint32_t level);

struct wkssvc_info100 {
	int present;
	uint32_t platform_id;
	char computer[WKSSVC_NAME_MAX];
	char langroup[WKSSVC_NAME_MAX]; /* the NetBIOS domain or workgroup */
	uint32_t version_major, version_minor;
	uint32_t werror;
};
int wkssvc_dec_get_info100_rep(const uint8_t *stub, size_t len, struct wkssvc_info100 *rep);
int wkssvc_enc_get_info100_rep(struct wwr *w, const struct wkssvc_info100 *rep); /* tests */

#endif
