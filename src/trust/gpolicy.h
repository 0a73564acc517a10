/*
 * src/trust/gpolicy.h - the machine-password policy of the domain's GPOs, for audit: "Domain member:
 * Maximum machine account password age" (Netlogon MaximumPasswordAge) and "... Disable machine
 * account password changes" (DisablePasswordChange), as a member under the audited base would
 * get them from GPOs linked on the domain head and on the OU path down to --ou.
 *
 * Reading (gpo_read_policy): gPLink/gPOptions of each container over the admin session's LDAP,
 * each linked GPO's object (displayName, gPCFileSysPath, flags), then one SMB2 session (the
 * admin's Kerberos ticket, cifs/DC) to the DC the session reads from, TREE_CONNECT SYSVOL and
 * each GPO's MACHINE\Microsoft\Windows NT\SecEdit\GptTmpl.inf.  Containers below the base and
 * sites that link GPOs are read too: when one of their GPOs sets a value (or cannot be read)
 * the container is listed as not evaluated.  Never fails: what could not be read is in the
 * policy's state and reason.
 *
 * Deciding (gpo_precedence, gpo_decide) is pure: tests/unit/test_gpo.c (named
 * gpolicy so that proto/gpo.h, the two formats, keeps its plain name).
 */
#ifndef NLT_TRUST_GPOLICY_H
#define NLT_TRUST_GPOLICY_H

#include <stddef.h>
#include <stdint.h>

#include "audit.h"
#include "gpo.h"
#include "sddl.h"

/* One link on the container path: som 0 is the domain head, then each OU down to the base. */
struct gpo_cand {
	size_t som;       /* depth of the container the link is on */
	size_t pos;       /* its position in that container's gPLink string (0 first) */
	uint32_t options; /* GPO_LINK_DISABLED, GPO_LINK_ENFORCED */
};

/*
 * Pure: the links that apply to an object in the deepest container, highest precedence first,
 * as indices into c[] in order[] (room for n); returns how many.  Disabled links are left out;
 * a container whose gPOptions blocks inheritance (som_options[k] & 1) leaves out the unenforced
 * links of every container above it.  Enforced links come first, the domain's before an OU's;
 * then the unenforced ones, the deepest container's first; on one container the link listed
 * last in gPLink (link order 1) first.
 */
size_t gpo_precedence(const struct gpo_cand *c, size_t n, const uint32_t *som_options, size_t n_som, size_t *order);

/*
 * Pure: from p->gpo[0..n_gpo) in precedence order, the first GPO that was read and sets a value
 * decides it.  A GPO before that which could not be read (NOT_READ, FAILED) or has a malformed
 * value leaves the value undecided: for MaximumPasswordAge (or one outside 1-999 days) p->state
 * AUDIT_POL_FAILED with the reason, else AUDIT_POL_READ; an undecided DisablePasswordChange is
 * disable_known 0 with disable_why (it only explains a finding, the limit stands).
 */
void gpo_decide(struct audit_policy *p);

struct admin_session;
struct nlt_ctx;
/* Read the policy for objects under base (the domain's DN or --ou) into p (see above). */
void gpo_read_policy(struct admin_session *s, struct nlt_ctx *ctx, const char *base, struct audit_policy *p);

/*
 * "Domain controller: Allow computer account re-use during domain join" (KB5020276, March 2023;
 * MS-SAMR 3.1.1.12 ComputerAccountReuseAllowList), for rejoin's preflight: the security option a
 * DC gets from the GPOs linked on the domain head and on OU=Domain Controllers (the same
 * precedence as above: gpo_precedence), read from the session DC's SYSVOL like the password
 * policy.  Site-linked GPOs are not read (they rank below the domain's and the OU's: one of them
 * could only set the value when no domain or OU GPO does, and then the answer stays "not set",
 * which refuses).  What the DCs have applied (gpupdate) is not seen: this is what is configured.
 */
enum gpo_reuse_state {
	GPO_REUSE_NOT_READ = 0, /* not tried */
	GPO_REUSE_UNSET,        /* every GPO that could set it was read: none does */
	GPO_REUSE_SET,          /* gpo[decider] sets it; sd is its SDDL */
	GPO_REUSE_FAILED,       /* reason says why (LDAP, SMB, a GPO not read ahead of the decider, a bad value) */
};

struct gpo_reuse_gpo {
	struct audit_gpo g;       /* name, guid, som, enforced, state, note */
	enum sddl_val_state val;  /* the value in its template (READ only) */
	char text[SDDL_TEXT_MAX]; /* SDDL_VAL_SET: the SDDL */
};

struct gpo_reuse_policy {
	enum gpo_reuse_state state;
	char reason[600];
	char cause[400];      /* FAILED: the innermost cause (a GPO's own error, else reason), for one-line messages */
	char server[256];     /* the DC whose SYSVOL was read */
	char dc_ou[512];      /* OU=Domain Controllers,<domain> */
	char domain_sid[192]; /* the domain head's objectSid: resolves DA, DU, ... in the SDDL */
	size_t n_gpo;         /* in precedence order */
	struct gpo_reuse_gpo gpo[AUDIT_MAX_GPOS];
	int decider;          /* SET: index into gpo[]; else -1 */
	struct sddl_sd sd;    /* SET: the decider's SDDL */
	uint64_t ms;
};

/*
 * Pure: from p->gpo[0..n_gpo) in precedence order, the first GPO read that sets the value decides
 * (its SDDL decoded with p->domain_sid into p->sd: SET); a GPO before it that could not be read, or
 * a value that is not 1,"SDDL" or whose SDDL does not decode, leaves it undecided (FAILED, with the
 * GPO named in reason); none: UNSET.  A policy already FAILED stays so.
 */
void gpo_reuse_decide(struct gpo_reuse_policy *p);

/* Read the policy the DCs get (see above) into p; never fails: p->state and p->reason say. */
void gpo_read_reuse_policy(struct admin_session *s, struct nlt_ctx *ctx, struct gpo_reuse_policy *p);

#endif
