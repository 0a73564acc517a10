/*
 * src/rpc/target.h - a remote member ("target") over SMB: its credentials
 * (kept apart from the domain admin's -U/-C), the SMB2/3 session to its
 * IPC$, RPC over its named pipes without RPC auth, and what it says about
 * itself (show-target).  A logon that fails says why, in the terms of a
 * broken trust (REMOTE.md section 4).
 */
#ifndef NLT_TARGET_H
#define NLT_TARGET_H

#include <krb5.h>
#include <stdint.h>

#include "cmds.h"
#include "err.h"
#include "lsa.h"
#include "rpc.h"
#include "smb2c.h"
#include "srvsvc.h"
#include "wkssvc.h"

enum target_acct { TACCT_CCACHE = 0, TACCT_DOMAIN, TACCT_LOCAL };

/* --target-user parsed (pure; tests/unit/test_target.c) */
struct target_user {
	enum target_acct kind;
	char user[256];
	char domain[256];  /* NetBIOS domain, realm, or the host for a local account ("" when none) */
	int realm_form;    /* user@REALM */
};
/* host names the target ("." becomes its first label, upper-cased). NLT_EUSAGE when malformed. */
int target_parse_user(const char *spec, const char *host, struct target_user *u, struct nlt_err *e);
/* auto resolved: 1 kerberos, 2 ntlm; NLT_EUSAGE for kerberos with a local account */
int target_choose_auth(const struct target_user *u, int want, int *mech, struct nlt_err *e);
/*
 * What a failed logon means (pure): the message for status (NTSTATUS from
 * SESSION_SETUP, 0 when GSSAPI failed locally) and the GSSAPI minor code,
 * given the account kind and the mechanism.  Returns a static phrase or "".
 */
const char *target_logon_why(enum target_acct kind, int ntlm, uint32_t status, uint32_t gss_minor);

struct target {
	char host[256];
	char addr_str[64];
	struct nlt_addr addr;
	struct smb2c smb;
	int connected;
	struct target_user user;
	int mech;          /* 1 kerberos, 2 ntlm */
	unsigned n_dns;    /* DNS look-ups made (for round-trip counts) */
	krb5_context kc;   /* a password kinit: the context and MEMORY ccache, freed by target_close */
	krb5_ccache cc;
	uint32_t nl_tree;  /* show-target's \PIPE\netlogon open on a tree of its own (0: on smb.tree_id) */
	struct smb2_file_id nl_fid;
};

int target_open(struct target *t, struct nlt_ctx *ctx, const char *host, struct nlt_err *e);
void target_close(struct target *t);
/* Open pipe and bind iface (no RPC auth; bind and first call leave together). */
int target_rpc(struct target *t, const char *pipe, const struct dcerpc_syntax *iface, struct rpc_conn *c,
	       struct nlt_err *e);

/*
 * Open pipe and call it n times with no RPC auth: the CREATE (compounded with the TREE_CONNECT when
 * there is no tree yet), then the bind and the first request pipelined, each its own transceive (one
 * round trip for both), then the other requests one at a time (a server may run a call asynchronously,
 * and without PFC_CONC_MPX Samba's AD DC refuses a request that arrives meanwhile).  calls[i].out (malloc'd, the caller frees) and .out_len hold each answer's stub,
 * or calls[i].err why it has none (.ok 0).  A pipelined bind the server resets (a Samba RPC helper that
 * was starting) is done again one call at a time.  -1 with e when the pipe could not be opened or bound
 * (t->smb.last_status 0xc0000034: the pipe is not served); then no call ran.
 */
struct target_call {
	uint16_t opnum;
	const uint8_t *stub;
	size_t stub_len;
	const char *what;   /* "NetrLogonControl2Ex TC_QUERY level 2" */
	int ok;
	uint8_t *out;
	size_t out_len;
	struct nlt_err err;
};
#define TARGET_MAX_CALLS 4
int target_calls(struct target *t, const char *pipe, const struct dcerpc_syntax *iface, struct target_call *calls,
		 size_t n, struct nlt_err *e);
/* The same on a pipe already open (fid: e.g. target_info.netlogon_fid): no CREATE. */
int target_calls_fid(struct target *t, const char *pipe, const struct smb2_file_id *fid,
		     const struct dcerpc_syntax *iface, struct target_call *calls, size_t n, struct nlt_err *e);

/* show-target's facts; each part has its own outcome, never a guess */
struct target_info {
	int have_lsa;
	struct lsa_dns_domain_info lsa;
	int lsa_no_dns;        /* no DNS domain information (level 12 refused): level 3 instead */
	char lsa_err[512];
	int have_srv;
	struct srvsvc_info101 srv;
	char srv_err[512];
	int have_wks;
	struct wkssvc_info100 wks;
	char wks_err[512];
	int netlogon;          /* 1 served, 0 not served (OBJECT_NAME_NOT_FOUND), -1 unknown */
	struct smb2_file_id netlogon_fid; /* netlogon 1: the probe's open, left open for the caller (target_calls) */
	char netlogon_err[512];
};
/* 0 when at least the LSA answered; -1 (e set) when nothing could be read */
int target_show(struct target *t, struct target_info *ti, struct nlt_err *e);

struct nrpc_dc_info;
/*
 * discover --target: DsrGetDcNameEx2 on the target over \PIPE\netlogon
 * (domain NULL: the target's own).  A target without the pipe (a Samba or
 * Linux member) is NLT_EPROTO "cannot ask remotely".
 */
int target_dsgetdc(struct target *t, const char *domain, const char *site, uint32_t flags, struct nrpc_dc_info *out,
		   struct nlt_err *e);

const char *target_dialect_str(uint16_t d);
const char *target_sign_str(const struct smb2c *c);
const char *target_cipher_str(const struct smb2c *c);

/*
 * Open pipe, bind iface (no RPC auth) and make one first call, with the bind and the request in one
 * flight (two IOCTL transceives, one write): the CREATE (compounded with the TREE_CONNECT when there
 * is no tree yet), then bind + request: two turns instead of three (rejoin's member half).  Every
 * answer is checked (signature, call id, fault).  A pipelined bind the server refuses or resets at
 * the SMB level (a Samba RPC helper that was starting) is sent again, pipelined, on a new pipe, and
 * after a second refusal bound alone on a pipe of its own, then the call; a request refused at the SMB level behind an accepted bind is sent again
 * alone.  NLT_RJOIN_PIPE_SERIAL=1 (test and bench hook): bound alone, then the call, as target_rpc
 * and rpc_call.  0: c is bound (later rpc_calls continue its call ids; the caller rpc_close()s it),
 * first->out (malloc'd) holds the answer's stub, first->ok 1.  -1 with e (the bind's error, or the
 * call's, also in first->err); c may be set up and must still be rpc_close()d.
 */
int target_rpc_first(struct target *t, const char *pipe, const struct dcerpc_syntax *iface, struct rpc_conn *c,
		     struct target_call *first, struct nlt_err *e);

#endif
