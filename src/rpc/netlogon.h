/*
 * src/rpc/netlogon.h - the Netlogon secure channel as a member opens it:
 * endpoint mapper -> NetrServerReqChallenge -> NetrServerAuthenticate3
 * (AES + secure RPC proposed, the server credential verified) -> a
 * schannel-sealed NetrLogonGetCapabilities whose answer must equal the
 * negotiated flags (the anti-downgrade check).
 */
#ifndef NLT_NETLOGON_H
#define NLT_NETLOGON_H

#include <stdint.h>

#include "err.h"
#include "util.h"

/* Flags we propose (MS-NRPC 3.1.4.2): AES, secure RPC, strong keys and what Samba's client sends. */
#define NL_NEG_AES 0x01000000u
#define NL_NEG_AUTHENTICATED_RPC 0x40000000u
#define NL_NEG_STRONG_KEYS 0x00004000u
#define NL_NEG_PROPOSED 0x612fffffu

/* 0 is "no exchange ran": a zeroed result (a check that could not finish) never reads as success. */
enum nl_verdict {
	NLV_NOT_RUN = 0,
	NLV_OK,
	NLV_BAD_PASSWORD,   /* Authenticate3: ACCESS_DENIED, or the server credential did not verify */
	NLV_NO_ACCOUNT,     /* NO_TRUST_SAM_ACCOUNT / NO_SUCH_USER */
	NLV_DISABLED,       /* ACCOUNT_DISABLED */
	NLV_NO_AES,         /* the DC did not agree to AES or secure RPC */
	NLV_DOWNGRADE,      /* sealed capabilities differ from the negotiated flags */
	NLV_OTHER,
};
const char *nl_verdict_str(enum nl_verdict v);

/* The endpoint mapper's TCP port: 135; the unit tests point it at a scripted peer. */
extern uint16_t nl_epm_port;

struct nl_result {
	enum nl_verdict verdict;
	uint32_t status;     /* NTSTATUS of Authenticate3 */
	uint32_t flags;      /* negotiated */
	uint32_t rid;
	uint32_t caps;       /* from the sealed GetCapabilities */
	int caps_checked;
	uint16_t port;       /* the netlogon endpoint */
	int port_cached;     /* the port came from the cache, and the bind + ReqChallenge on it answered */
	int port_stale;      /* a cached port was given and did not answer as Netlogon: the endpoint mapper was asked */
	int port_validated;  /* ReqChallenge answered on res->port (worth caching) */
	int pipeline_retried; /* the pipelined alter_context/call failed after Authenticate3 succeeded: judged
				 from the exchange run again one call at a time */
	unsigned n_connects, n_calls;
	uint64_t elapsed_us;
	int pwset_done;      /* NetrServerPasswordSet2 was answered */
	uint32_t pwset_status;
};

/*
 * Open the secure channel to dc as machine ("WS1$") of netbios_domain with
 * the account's NT hash.  Returns 0 when the exchange ran (res->verdict
 * says how), -1 when it could not (no DC / protocol error) with e.
 */
int nl_secure_channel(const char *dc_name, const struct nlt_addr *dc_addr, const char *netbios_domain,
		      const char *machine, const uint8_t nt_hash[16], uint64_t deadline_ms, struct nl_result *res,
		      struct nlt_err *e);
/*
 * The same, trying port_hint (a cached Netlogon port, 0 none) before the
 * endpoint mapper: when the bind + ReqChallenge on it do not answer within
 * NL_PORT_HINT_MS, the endpoint mapper is asked as without a hint.
 */
#define NL_PORT_HINT_MS 1000
int nl_secure_channel_at(const char *dc_name, const struct nlt_addr *dc_addr, const char *netbios_domain,
			 const char *machine, const uint8_t nt_hash[16], uint16_t port_hint, uint64_t deadline_ms,
			 struct nl_result *res, struct nlt_err *e);

/*
 * The Netlogon port cache: <state_dir>/netlogon-port-<DC address> (0600, "PORT\n"), written after
 * a ReqChallenge answered on a port the endpoint mapper named, read before the next check.  A
 * hint only: nl_secure_channel_at() validates it.  state_dir NULL: NLT_STATE_DIR.  load returns 0
 * when there is no usable entry (missing, not ours, group/other bits, not a port >= 1024);
 * store says why it could not in -v output only.
 */
/* The one-call-at-a-time exchange only (as NLT_NL_SEQUENTIAL=1 at start-up does); for tests. */
void nl_force_sequential(int on);
int nl_port_cache_parse(const uint8_t *buf, size_t len, uint16_t *port);
uint16_t nl_port_cache_load(const char *state_dir, const struct nlt_addr *dc);
void nl_port_cache_store(const char *state_dir, const struct nlt_addr *dc, uint16_t port);

/*
 * The same, then NetrServerPasswordSet2 over the sealed channel with
 * new_password (ASCII/UTF-8; sent as UTF-16LE in the 516-byte buffer,
 * encrypted with the session key).  res->pwset_done/pwset_status say what
 * the DC answered; a call that never got an answer is -1 with e.
 */
int nl_password_set2(const char *dc_name, const struct nlt_addr *dc_addr, const char *netbios_domain,
		     const char *machine, const uint8_t nt_hash[16], const char *new_password, uint64_t deadline_ms,
		     struct nl_result *res, struct nlt_err *e);

/* DsGetDcName request flags (MS-NRPC 3.5.4.3.1) */
#define NL_DS_FORCE_REDISCOVERY 0x00000001u
#define NL_DS_DIRECTORY_SERVICE_REQUIRED 0x00000010u
#define NL_DS_GC_SERVER_REQUIRED 0x00000040u
#define NL_DS_PDC_REQUIRED 0x00000080u
#define NL_DS_KDC_REQUIRED 0x00000400u
#define NL_DS_TIMESERV_REQUIRED 0x00000800u
#define NL_DS_WRITABLE_REQUIRED 0x00001000u
#define NL_DS_IS_DNS_NAME 0x00020000u
#define NL_DS_RETURN_DNS_NAME 0x40000000u

struct nrpc_dc_info;
/*
 * Ask dc which DC it would choose for domain (DsrGetDcNameEx2 over an
 * unauthenticated Netlogon binding over TCP): 0 with *out, -1 with e.
 */
int nl_dsgetdc(const char *dc_name, const struct nlt_addr *dc_addr, const char *domain, const char *site, uint32_t flags,
	       uint64_t deadline_ms, struct nrpc_dc_info *out, struct nlt_err *e);
struct rpc_conn;
/*
 * DsrGetDcNameEx2 on a Netlogon binding the caller made (TCP or an SMB pipe):
 * 0 with *out (dc_name/dc_address without their leading backslashes), -1 with e.
 */
int nl_dsgetdc_call(struct rpc_conn *c, const char *domain, const char *site, uint32_t flags,
		    struct nrpc_dc_info *out, struct nlt_err *e);

struct nrpc_netlogon_info;
/*
 * NetrLogonControl2Ex (opnum 18) on c, a connection the caller already
 * bound to Netlogon: unauthenticated (nl_open_unauth), sealed, or over an
 * SMB pipe; this function does not care.  domain: the Data arm for codes
 * 5-10 (NULL for QUERY).  Returns 0 when the server answered, with *out
 * decoded (out->werror is the call's own WERROR: the caller judges it, see
 * src/trust/trust_remote.h); -1 with e when it did not (transport, fault,
 * malformed reply), *out zeroed.
 */
int nl_logon_control2ex(struct rpc_conn *c, const char *server, uint32_t function_code, uint32_t level,
			const char *domain, struct nrpc_netlogon_info *out, struct nlt_err *e);
/* "TC_VERIFY" for 10, and so on (MS-NRPC 3.5.4.9.1 names without NETLOGON_CONTROL_) */
const char *nl_control_str(uint32_t function_code);
/*
 * Connect to dc's Netlogon TCP endpoint (ept_map first) and bind without
 * authentication, the bind sent with the first call.  The caller closes c
 * with rpc_close().  0, or -1 with e.
 */
int nl_open_unauth(const char *dc_name, const struct nlt_addr *dc_addr, uint64_t deadline_ms, struct rpc_conn *c,
		   struct nlt_err *e);

#endif
