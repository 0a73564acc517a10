/*
 * proto/cldap.h - the LDAP ping (MS-ADTS 6.3.3) and its reply,
 * NETLOGON_SAM_LOGON_RESPONSE_EX (MS-ADTS 6.3.1.9).
 */
#ifndef NLT_PROTO_CLDAP_H
#define NLT_PROTO_CLDAP_H

#include <stddef.h>
#include <stdint.h>

#include "wire.h"

#define NL_NAME_MAX 256

/* NETLOGON_NT_VERSION options bits (MS-ADTS 6.3.1.1) */
#define NETLOGON_NT_VERSION_1                 0x1
#define NETLOGON_NT_VERSION_5                 0x2
#define NETLOGON_NT_VERSION_5EX               0x4
#define NETLOGON_NT_VERSION_5EX_WITH_IP       0x8
#define NETLOGON_NT_VERSION_WITH_CLOSEST_SITE 0x10
#define NETLOGON_NT_VERSION_AVOID_NT4EMUL     0x01000000

/* Opcodes (MS-ADTS 6.3.1.3) a NETLOGON_SAM_LOGON_RESPONSE_EX carries */
#define LOGON_SAM_LOGON_RESPONSE_EX 23
#define LOGON_SAM_PAUSE_RESPONSE_EX 24
#define LOGON_SAM_USER_UNKNOWN_EX   25

/* DS_FLAG options (MS-ADTS 6.3.1.2) */
#define DS_PDC_FLAG                    0x00000001u
#define DS_GC_FLAG                     0x00000004u
#define DS_LDAP_FLAG                   0x00000008u
#define DS_DS_FLAG                     0x00000010u
#define DS_KDC_FLAG                    0x00000020u
#define DS_TIMESERV_FLAG               0x00000040u
#define DS_CLOSEST_FLAG                0x00000080u
#define DS_WRITABLE_FLAG               0x00000100u
#define DS_GOOD_TIMESERV_FLAG          0x00000200u
#define DS_NDNC_FLAG                   0x00000400u
#define DS_SELECT_SECRET_DOMAIN_6_FLAG 0x00000800u
#define DS_FULL_SECRET_DOMAIN_6_FLAG   0x00001000u
#define DS_WS_FLAG                     0x00002000u
#define DS_DS_8_FLAG                   0x00004000u
#define DS_DS_9_FLAG                   0x00008000u
#define DS_DS_10_FLAG                  0x00010000u
#define DS_KEY_LIST_FLAG               0x00020000u
#define DS_DS_13_FLAG                  0x00040000u
#define DS_DNS_CONTROLLER_FLAG         0x20000000u
#define DS_DNS_DOMAIN_FLAG             0x40000000u
#define DS_DNS_FOREST_FLAG             0x80000000u

struct ds_flag_name {
	uint32_t bit;
	const char *name; /* JSON key: lowercase, without DS_ and _FLAG */
};
extern const struct ds_flag_name ds_flag_names[];
extern const size_t ds_flag_names_count;

struct cldap_ping_req {
	const char *dns_domain;     /* DnsDomain; NULL or "" omits */
	const char *host;           /* Host (client NetBIOS name) */
	const char *dns_host_name;  /* DnsHostName (client FQDN) */
	const char *user;           /* User (account name, e.g. "WS1$") */
	uint32_t aac;               /* AAC userAccountControl mask; 0 omits */
	uint32_t ntver;             /* NtVer, e.g. NETLOGON_NT_VERSION_5 | _5EX */
	const uint8_t *domain_guid; /* DomainGuid: 16 bytes, or NULL */
	const uint8_t *domain_sid;  /* DomainSid: binary SID (8..68 bytes), or NULL */
	size_t domain_sid_len;
};

/*
 * LDAPMessage{msgid, SearchRequest{"", baseObject, neverDerefAliases, 0, 0,
 * FALSE, (&(DnsDomain=..)(Host=..)(DnsHostName=..)(User=..)(AAC=<4B LE>)
 * (DomainGuid=..)(DomainSid=..)(NtVer=<4B LE>)), ["Netlogon"]}}; omitted
 * fields are skipped, NtVer is always sent.  Returns wwr_err(w).
 */
int cldap_enc_ping(struct wwr *w, uint32_t msgid, const struct cldap_ping_req *req);

struct nl_samlogon_ex {
	uint16_t opcode;           /* LOGON_SAM_* (23, 24 or 25): the caller decides */
	uint32_t server_flags;     /* DS_* */
	uint8_t domain_guid[16];   /* as on the wire (MS-DTYP GUID, little-endian fields) */
	char forest[NL_NAME_MAX], dns_domain[NL_NAME_MAX], dc_dns_name[NL_NAME_MAX],
	     netbios_domain[NL_NAME_MAX], dc_netbios_name[NL_NAME_MAX], user_name[NL_NAME_MAX],
	     dc_site[NL_NAME_MAX], client_site[NL_NAME_MAX], next_closest_site[NL_NAME_MAX];
	int has_sockaddr;
	uint8_t dc_ipv4[4];        /* network order, valid when has_sockaddr */
	uint32_t nt_version;       /* from the trailer */
};

/*
 * Decode a NETLOGON_SAM_LOGON_RESPONSE_EX blob (the whole Netlogon value).
 * The 8-byte trailer is read first; names are RFC 1035 labels with
 * compression pointers relative to the blob start that must point strictly
 * backwards; joined with '.', NUL-terminated; a name that would exceed
 * NL_NAME_MAX-1 bytes is WIRE_ELIMIT; control characters and invalid UTF-8
 * are WIRE_EBAD.  Returns WIRE_*; *out is written only on success.
 */
int nl_dec_samlogon_ex(const uint8_t *blob, size_t len, struct nl_samlogon_ex *out);

/*
 * A whole reply (one UDP datagram, or the bytes of a TCP LDAP exchange):
 * SearchResultEntry (attribute Netlogon with exactly one value) followed
 * by SearchResultDone(success), both with msgid, and nothing after.
 * WIRE_EBAD when the Netlogon value is missing, a msgid differs or the
 * result is not success; WIRE_ETRUNC when SearchResultDone is missing.
 */
int cldap_dec_ping_reply(const uint8_t *buf, size_t len, uint32_t msgid, struct nl_samlogon_ex *out);

#endif
