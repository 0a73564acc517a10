/*
 * proto/srvsvc.h - MS-SRVS NetrServerGetInfo (opnum 21) at level 101
 * (MS-SRVS 3.1.4.17, 2.2.4.41 SERVER_INFO_101; Samba
 * librpc/idl/srvsvc.idl).  Pure codecs.
 */
#ifndef NLT_PROTO_SRVSVC_H
#define NLT_PROTO_SRVSVC_H

#include <stddef.h>
#include <stdint.h>

#include "dcerpc.h"
#include "ndr.h"
#include "wire.h"

extern const struct dcerpc_syntax srvsvc_syntax; /* 4b324fc8-1670-01d3-1278-5a47bf6ee188 v3.0 */
#define SRVSVC_OP_SERVER_GET_INFO 21
#define SRVSVC_NAME_MAX 256
/* sv101_type bits (MS-SRVS 2.2.2.7) */
#define SV_TYPE_WORKSTATION 0x00000001u
#define SV_TYPE_SERVER 0x00000002u
#define SV_TYPE_DOMAIN_CTRL 0x00000008u
#define SV_TYPE_DOMAIN_BAKCTRL 0x00000010u
#define SV_TYPE_DOMAIN_MEMBER 0x00000100u
#define SV_TYPE_SERVER_NT 0x00008000u
#define SV_TYPE_SERVER_UNIX 0x00000800u /* Samba sets it */

/* server: [unique, string] ServerName, NULL allowed */
int srvsvc_enc_get_info(struct wwr *w, const char *server, uint32_t level);

struct srvsvc_info101 {
	int present;
	uint32_t platform_id;  /* 500 NT */
	char name[SRVSVC_NAME_MAX];
	uint32_t version_major, version_minor;
	uint32_t type;
	char comment[SRVSVC_NAME_MAX];
	uint32_t werror;
};
int srvsvc_dec_get_info101_rep(const uint8_t *stub, size_t len, struct srvsvc_info101 *rep);
int srvsvc_enc_get_info101_rep(struct wwr *w, const struct srvsvc_info101 *rep); /* tests */


/*
 * NetrRemoteTOD (opnum 28, MS-SRVS 3.1.4.21): the server's clock.  Request: ServerName
 * ([unique, string], NULL allowed; the server ignores it).  Answer: a unique pointer to
 * TIME_OF_DAY_INFO (2.2.4.105: twelve 32-bit fields), then NET_API_STATUS.
 */
#define SRVSVC_OP_REMOTE_TOD 28
struct srvsvc_tod {
	int present;
	uint32_t elapsedt;   /* seconds since 1970-01-01 UTC */
	uint32_t msecs;      /* milliseconds since an arbitrary point (boot) */
	uint32_t hours, mins, secs, hunds; /* UTC; hunds 0-99 */
	int32_t timezone;    /* minutes west of UTC, -1 undefined */
	uint32_t tinterval;  /* clock tick, 0.0001 s units */
	uint32_t day, month, year, weekday;
	uint32_t werror;
};
int srvsvc_enc_remote_tod(struct wwr *w, const char *server);
/* WIRE_EBAD when a structure is present with hundredths above 99 */
int srvsvc_dec_remote_tod_rep(const uint8_t *stub, size_t len, struct srvsvc_tod *rep);
int srvsvc_enc_remote_tod_rep(struct wwr *w, const struct srvsvc_tod *rep); /* tests */
/* the server's clock in unix milliseconds (elapsedt + hundredths) */
int64_t srvsvc_tod_unix_ms(const struct srvsvc_tod *t);

#endif
