/*
 * proto/nrpc.h - NDR stubs of MS-NRPC (netlogon, 12345678-1234-abcd-ef00-
 * 01234567cffb v1.0): request encoders and reply decoders for the calls
 * nltrust makes, plus reply encoders (what a DC sends) for round-trip tests.
 *
 * Stubs only: the caller frames them with dcerpc.c.  Credentials,
 * authenticators and the 516-byte NL_TRUST_PASSWORD are opaque bytes here;
 * computing them is proto/nrpc_crypto.c's job.  Strings are UTF-8 in C and
 * UTF-16LE on the wire; decoded strings are copied into the fixed arrays of
 * the reply structs (WIRE_ELIMIT when one does not fit).  Referent ids are
 * numbered like Samba's pidl (0x00020000, +4).  Every reply decoder needs
 * the whole stub: trailing bytes are WIRE_ETRAILING.
 */
#ifndef NLT_PROTO_NRPC_H
#define NLT_PROTO_NRPC_H

#include <stddef.h>
#include <stdint.h>

#include "dcerpc.h"
#include "ndr.h"
#include "wire.h"

extern const struct dcerpc_syntax nrpc_syntax;

enum nrpc_opnum {
	NRPC_OP_REQ_CHALLENGE = 4,
	NRPC_OP_LOGON_CONTROL2EX = 18,
	NRPC_OP_GET_CAPABILITIES = 21,
	NRPC_OP_AUTHENTICATE3 = 26,
	NRPC_OP_PASSWORD_SET2 = 30,
	NRPC_OP_DSR_GET_DC_NAME_EX2 = 34,
};

/* NETLOGON_SECURE_CHANNEL_TYPE (MS-NRPC 2.2.1.3.13), a 16-bit enum */
#define NRPC_SC_WORKSTATION 2
#define NRPC_SC_SERVER 6

#define NRPC_NAME_MAX 320 /* UTF-8 bytes of one decoded name, NUL included */
#define NRPC_PASSWORD_LEN 516

/* NETLOGON_AUTHENTICATOR (MS-NRPC 2.2.1.1.5) */
struct nrpc_authenticator {
	uint8_t cred[8];
	uint32_t timestamp;
};

/*
 * NetrServerReqChallenge (MS-NRPC 3.5.4.4.1), opnum 4:
 *   [in, unique, string] LOGONSRV_HANDLE PrimaryName; [in, string] wchar_t *ComputerName;
 *   [in] PNETLOGON_CREDENTIAL ClientChallenge; [out] PNETLOGON_CREDENTIAL ServerChallenge
 */
int nrpc_enc_req_challenge(struct wwr *w, const char *server, const char *computer,
			   const uint8_t client_challenge[8]);
int nrpc_dec_req_challenge_rep(const uint8_t *stub, size_t len, uint8_t server_challenge[8],
			       uint32_t *status);
int nrpc_enc_req_challenge_rep(struct wwr *w, const uint8_t server_challenge[8], uint32_t status);

/*
 * NetrServerAuthenticate3 (MS-NRPC 3.5.4.4.2), opnum 26:
 *   [in, unique, string] PrimaryName; [in, string] AccountName;
 *   [in] NETLOGON_SECURE_CHANNEL_TYPE SecureChannelType; [in, string] ComputerName;
 *   [in] ClientCredential; [out] ServerCredential; [in, out] ULONG *NegotiateFlags;
 *   [out] ULONG *AccountRid
 */
struct nrpc_auth3_req {
	const char *server; /* NULL allowed */
	const char *account;
	uint16_t sc_type;
	const char *computer;
	uint8_t client_credential[8];
	uint32_t flags;
};
struct nrpc_auth3_rep {
	uint8_t server_credential[8];
	uint32_t flags;
	uint32_t rid;
	uint32_t status; /* NTSTATUS */
};
int nrpc_enc_authenticate3(struct wwr *w, const struct nrpc_auth3_req *req);
int nrpc_dec_authenticate3_rep(const uint8_t *stub, size_t len, struct nrpc_auth3_rep *rep);
int nrpc_enc_authenticate3_rep(struct wwr *w, const struct nrpc_auth3_rep *rep);

/*
 * NetrLogonGetCapabilities (MS-NRPC 3.5.4.4.10), opnum 21:
 *   [in, string] LOGONSRV_HANDLE ServerName; [in, unique, string] ComputerName;
 *   [in] Authenticator; [in, out] ReturnAuthenticator; [in] DWORD QueryLevel;
 *   [out, switch_is(QueryLevel)] NETLOGON_CAPABILITIES *ServerCapabilities
 * Levels 1 (ServerCapabilities) and 2 (RequestedFlags) only.
 */
int nrpc_enc_get_capabilities(struct wwr *w, const char *server, const char *computer,
			      const struct nrpc_authenticator *auth, uint32_t level);
struct nrpc_caps_rep {
	struct nrpc_authenticator ret_auth;
	uint32_t capabilities; /* the level-1 or level-2 value */
	uint32_t status;
};
/* level: the QueryLevel that was sent; the reply's union tag must match. */
int nrpc_dec_get_capabilities_rep(const uint8_t *stub, size_t len, uint32_t level,
				  struct nrpc_caps_rep *rep);
int nrpc_enc_get_capabilities_rep(struct wwr *w, uint32_t level, const struct nrpc_caps_rep *rep);

/*
 * NetrServerPasswordSet2 (MS-NRPC 3.5.4.4.5), opnum 30:
 *   [in, unique, string] PrimaryName; [in, string] AccountName; [in] SecureChannelType;
 *   [in, string] ComputerName; [in] Authenticator; [out] ReturnAuthenticator;
 *   [in] PNL_TRUST_PASSWORD ClearNewPassword (516 bytes, already encrypted)
 */
struct nrpc_pwset2_req {
	const char *server;
	const char *account;
	uint16_t sc_type;
	const char *computer;
	struct nrpc_authenticator auth;
	uint8_t new_password[NRPC_PASSWORD_LEN];
};
int nrpc_enc_password_set2(struct wwr *w, const struct nrpc_pwset2_req *req);
int nrpc_dec_password_set2_rep(const uint8_t *stub, size_t len, struct nrpc_authenticator *ret_auth,
			       uint32_t *status);
int nrpc_enc_password_set2_rep(struct wwr *w, const struct nrpc_authenticator *ret_auth, uint32_t status);

/*
 * NetrLogonControl2Ex (MS-NRPC 3.5.4.9.1), opnum 18:
 *   [in, unique, string] ServerName; [in] DWORD FunctionCode; [in] DWORD QueryLevel;
 *   [in, switch_is(FunctionCode)] PNETLOGON_CONTROL_DATA_INFORMATION Data;
 *   [out, switch_is(QueryLevel)] PNETLOGON_CONTROL_QUERY_INFORMATION Buffer
 */
#define NRPC_CONTROL_QUERY 1
#define NRPC_CONTROL_REDISCOVER 5
#define NRPC_CONTROL_TC_QUERY 6
#define NRPC_CONTROL_TRANSPORT_NOTIFY 7
#define NRPC_CONTROL_FIND_USER 8
#define NRPC_CONTROL_CHANGE_PASSWORD 9
#define NRPC_CONTROL_TC_VERIFY 10
#define NRPC_CONTROL_SET_DBFLAG 0xfffe
/* NETLOGON_INFO_2 / _1 flags */
#define NRPC_INFO_HAS_IP 0x10
#define NRPC_INFO_HAS_TIMESERV 0x20
#define NRPC_INFO_DNS_UPDATE_FAILURE 0x40
#define NRPC_INFO_VERIFY_STATUS_RETURNED 0x80
/*
 * arg: the domain (codes 5, 6, 7, 9, 10) or user (8) of the Data arm;
 * must be NULL for codes without one.  SET_DBFLAG is not supported
 * (WIRE_EBAD).  Levels 1-4 (which level suits which code is the server's
 * rule: MS-NRPC 3.5.4.9.1; Samba's AD DC answers QUERY at 1 and 3 to
 * anyone, TC_QUERY/TC_VERIFY/REDISCOVER at 2 to administrators).
 */
int nrpc_enc_logon_control2ex(struct wwr *w, const char *server, uint32_t function_code, uint32_t level,
			      const char *arg);
#define NRPC_INFO3_RESERVED 5
/* NETLOGON_INFO_1 / _2 / _3 / _4 (MS-NRPC 2.2.1.7.2-5), whichever level says */
struct nrpc_netlogon_info {
	uint32_t level;
	int present;                   /* Buffer arm pointer non-NULL */
	uint32_t flags;                /* 1, 2, 3 */
	uint32_t logon_attempts;       /* 3 */
	uint32_t reserved[NRPC_INFO3_RESERVED]; /* 3 */
	uint32_t pdc_connection_status; /* 1, 2 (Win32 code) */
	uint32_t tc_connection_status; /* 2 */
	char trusted_dc_name[NRPC_NAME_MAX];     /* 2, 4 ("" when NULL) */
	char trusted_domain_name[NRPC_NAME_MAX]; /* 4 */
	uint32_t werror;
};
int nrpc_dec_logon_control2ex_rep(const uint8_t *stub, size_t len, uint32_t level,
				  struct nrpc_netlogon_info *rep);
int nrpc_enc_logon_control2ex_rep(struct wwr *w, const struct nrpc_netlogon_info *rep);

/*
 * DsrGetDcNameEx2 (MS-NRPC 3.5.4.3.1), opnum 34:
 *   [in, unique, string] ComputerName; [in, unique, string] AccountName;
 *   [in] ULONG AllowableAccountControlBits; [in, unique, string] DomainName;
 *   [in, unique] GUID *DomainGuid; [in, unique, string] SiteName; [in] ULONG Flags;
 *   [out] PDOMAIN_CONTROLLER_INFOW *DomainControllerInfo
 */
struct nrpc_dsgetdc_req {
	const char *server;  /* all strings may be NULL */
	const char *account;
	uint32_t mask;
	const char *domain;
	const struct ndr_guid *domain_guid; /* NULL allowed */
	const char *site;
	uint32_t flags;
};
int nrpc_enc_dsr_get_dc_name_ex2(struct wwr *w, const struct nrpc_dsgetdc_req *req);
/* DOMAIN_CONTROLLER_INFOW (MS-NRPC 2.2.1.2.1); NULL strings decode as "" */
struct nrpc_dc_info {
	int present; /* the DC info pointer was non-NULL */
	char dc_name[NRPC_NAME_MAX];
	char dc_address[NRPC_NAME_MAX];
	uint32_t address_type; /* 1 DS_INET_ADDRESS, 2 DS_NETBIOS_ADDRESS */
	struct ndr_guid domain_guid;
	char domain_name[NRPC_NAME_MAX];
	char forest_name[NRPC_NAME_MAX];
	uint32_t flags; /* DS_* */
	char dc_site_name[NRPC_NAME_MAX];
	char client_site_name[NRPC_NAME_MAX];
	uint32_t werror;
};
int nrpc_dec_dsr_get_dc_name_ex2_rep(const uint8_t *stub, size_t len, struct nrpc_dc_info *rep);
/* Strings that are "" are sent as NULL pointers. */
int nrpc_enc_dsr_get_dc_name_ex2_rep(struct wwr *w, const struct nrpc_dc_info *rep);

#endif
