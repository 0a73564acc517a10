/*
 * src/trust/trust_target.h - verify --target HOST [DOMAIN]: the evidence about a
 * remote member's secure channel (or a DC's channel to a trusted domain),
 * gathered over SMB: a session with the target credentials (src/rpc/target.c),
 * \PIPE\netlogon bound without RPC auth, NetrLogonControl2Ex TC_QUERY then
 * TC_VERIFY (level 2) for DOMAIN (default: the target's own domain, from its
 * LSA).  The verdict comes from trust_remote_judge() (src/trust/trust_remote.h);
 * cmd_verify.c only prints.
 */
#ifndef NLT_TRUST_TARGET_H
#define NLT_TRUST_TARGET_H

#include "err.h"
#include "trust_remote.h"

struct nlt_ctx;

/* how we talked to the target (for the printer) */
struct trust_target_info {
	char host[256];
	char addr[64];
	char dialect[16];
	char signing[32];
	char encryption[32];
	char auth[16];         /* "Kerberos" or "NTLM" */
	char account_kind[16]; /* "local", "domain", "ccache" */
	int domain_from_lsa;   /* DOMAIN was not given: the target's own, read from its LSA */
};

/*
 * Gather ev (and ti) for ctx->req->target and the domain ctx->req->domain
 * (NULL: the target's own).  0 when there is evidence to judge (a call that
 * could not run is recorded in ev, a missing \PIPE\netlogon in
 * ev->no_netlogon); -1 with e when there is none (usage, logon refused: exit
 * 5, target unreachable, the target's own domain unreadable).
 */
int trust_target_check(struct nlt_ctx *ctx, struct trust_remote_evidence *ev, struct trust_target_info *ti,
		       struct nlt_err *e);

#endif
