/*
 * proto/lsa.h - MS-LSAD NDR stubs for reading a member's domain:
 * LsarOpenPolicy2 (opnum 44), LsarQueryInformationPolicy2 (opnum 46,
 * PolicyDnsDomainInformation = 12) and LsarClose (opnum 0).  IDL: MS-LSAD
 * 3.1.4.4.1, 3.1.4.4.3, 3.1.4.9.4, 2.2.4.14; Samba librpc/idl/lsa.idl.
 * Pure codecs: no I/O, no heap.
 */
#ifndef NLT_PROTO_LSA_H
#define NLT_PROTO_LSA_H

#include <stddef.h>
#include <stdint.h>

#include "dcerpc.h"
#include "ndr.h"
#include "wire.h"

extern const struct dcerpc_syntax lsa_syntax; /* 12345778-1234-abcd-ef00-0123456789ab v0.0 */

#define LSA_OP_CLOSE 0
#define LSA_OP_QUERY_INFO_POLICY 7 /* same request and answer as 46 */
#define LSA_OP_OPEN_POLICY2 44
#define LSA_OP_QUERY_INFO_POLICY2 46
#define LSA_POLICY_VIEW_LOCAL_INFORMATION 0x00000001u
#define LSA_POLICY_DNS_DOMAIN_INFORMATION 12
#define LSA_NAME_MAX 256
#define LSA_SID_MAX_SUBAUTH 15

struct lsa_handle {
	uint8_t b[20]; /* context handle: u32 attributes + GUID, opaque */
};

/* SystemName NULL, ObjectAttributes all NULL (Length 24), DesiredAccess */
int lsa_enc_open_policy2(struct wwr *w, uint32_t access);
/* handle and NTSTATUS */
int lsa_dec_open_policy2_rep(const uint8_t *stub, size_t len, struct lsa_handle *h, uint32_t *status);
int lsa_enc_open_policy2_rep(struct wwr *w, const struct lsa_handle *h, uint32_t status); /* tests */

int lsa_enc_query_info2(struct wwr *w, const struct lsa_handle *h, uint16_t level);

struct lsa_sid {
	uint8_t revision, n_sub;
	uint8_t authority[6];
	uint32_t sub[LSA_SID_MAX_SUBAUTH];
};
/* "S-1-5-21-..." into buf; returns buf */
const char *lsa_sid_str(const struct lsa_sid *s, char *buf, size_t len);

struct lsa_dns_domain_info {
	int present;     /* the info pointer was non-NULL */
	char name[LSA_NAME_MAX];        /* NetBIOS domain name */
	char dns_domain[LSA_NAME_MAX];
	char dns_forest[LSA_NAME_MAX];
	struct ndr_guid domain_guid;
	int have_sid;
	struct lsa_sid sid;
	uint32_t status; /* NTSTATUS */
};
/* PolicyDnsDomainInformation (level 12) only. */
int lsa_dec_query_info2_dns_rep(const uint8_t *stub, size_t len, struct lsa_dns_domain_info *rep);
int lsa_enc_query_info2_dns_rep(struct wwr *w, const struct lsa_dns_domain_info *rep); /* tests */

/*
 * PolicyPrimaryDomainInformation (level 3: Name, Sid) into the same struct
 * (no DNS names, no GUID): what a member without AD's DNS information
 * (a Samba member answers level 12 with STATUS_INVALID_INFO_CLASS) says.
 */
#define LSA_POLICY_PRIMARY_DOMAIN_INFORMATION 3
#define LSA_STATUS_INVALID_INFO_CLASS 0xc0000003u
int lsa_dec_query_info_primary_rep(const uint8_t *stub, size_t len, struct lsa_dns_domain_info *rep);
int lsa_enc_query_info_primary_rep(struct wwr *w, const struct lsa_dns_domain_info *rep); /* tests */

int lsa_enc_close(struct wwr *w, const struct lsa_handle *h);

#endif
