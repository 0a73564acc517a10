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

#include "computer.h"
#include "err.h"
#include "trust_dir.h"
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
 * The directory's view of the target's computer object, read when domain
 * admin credentials are given (-U with a password, or -C): the name is the
 * one the target gives (srvsvc, else wkssvc), the directory the target's own
 * domain (its LSA's DNS name; without one, the -d/default domain, confirmed by
 * the NetBIOS name the DC gives).  ev feeds trust_dir_judge(); the rest is
 * for the printer.
 */
struct trust_target_dir {
	struct trust_dir_evidence ev;
	struct computer_view obj;  /* ev.state TDIR_READ and ev.found: the object (freed by trust_target_dir_free) */
	char name[64];             /* the computer name the target gave */
	char name_source[16];      /* "srvsvc", "wkssvc" */
	char principal[300];       /* who read it */
	char dc_addr[64], dc_site[128];
	int tls;                   /* LDAP over TLS (certificate verified), else sealed SASL with ssf */
	unsigned ssf;
	long long now;             /* the time the findings were judged at */
};
void trust_target_dir_free(struct trust_target_dir *d);

/*
 * Gather ev (and ti) for ctx->req->target and the domain ctx->req->domain
 * (NULL: the target's own).  0 when there is evidence to judge (a call that
 * could not run is recorded in ev, a missing \PIPE\netlogon in
 * ev->no_netlogon); -1 with e when there is none (usage, logon refused: exit
 * 5, target unreachable, the target's own domain unreadable).  dir (not
 * NULL, zeroed by the call) is filled when ctx->req has -U or -C: a directory
 * that cannot be read is recorded there (TDIR_COULD_NOT_RUN), never an error.
 */
int trust_target_check(struct nlt_ctx *ctx, struct trust_remote_evidence *ev, struct trust_target_info *ti,
		       struct trust_target_dir *dir, struct nlt_err *e);

struct target;
struct target_info;
/*
 * The target's own domain from its LSA (DNS name, else NetBIOS name) into domain, as show-target reads
 * it (tinfo filled, caller-owned; it also says whether \PIPE\netlogon is served).  A PDC has no secure
 * channel to its own domain: that is a usage error for cmd ("verify", "repair"), which then needs a
 * trusted DOMAIN.  0, or -1 with e.
 */
int trust_target_own_domain(struct target *t, struct target_info *tinfo, const char *cmd, char *domain, size_t len,
			    struct nlt_err *e);

#endif
