/*
 * src/trust/rjoin.h - rejoin, join or leave a remote member over wkssvc
 * (NetrJoinDomain2 / NetrUnjoinDomain2 on \PIPE\wkssvc, MS-WKST 3.2.4.13-14),
 * with the member's local administrator for the SMB session and a domain
 * administrator whose password travels inside JOINPR_ENCRYPTED_USER_PASSWORD
 * under the session's application key.
 *
 * Before anything changes: the computer object is read with the admin's
 * LDAP (exists? disabled? where? who created it?), the account-reuse rules
 * of KB5020276 are applied (rjoin_reuse_rule(), pure), and the plan is made;
 * --dry-run stops there.  After a join, the object is read again: a new
 * password shows as a higher msDS-KeyVersionNumber and a newer pwdLastSet.
 * A member left unjoined half-way is said so, with the command that
 * finishes the job.
 */
#ifndef NLT_RJOIN_H
#define NLT_RJOIN_H

#include <stdint.h>

#include "cmds.h"
#include "err.h"

enum rjoin_op { RJOIN_REJOIN = 0, RJOIN_JOIN, RJOIN_LEAVE };

/* The computer object as the directory has it. */
struct rjoin_acct {
	int read;                 /* the object was looked for (exists or not) */
	int exists;
	char dn[600];
	char parent[600];         /* its container: where a rejoin keeps it */
	int64_t uac;
	int64_t kvno, pwd_last_set;
	int have_kvno, have_pls;
	char creator_sid[192];    /* mS-DS-CreatorSID ("" when the attribute is absent) */
	char owner_sid[192];      /* the owner in nTSecurityDescriptor ("" when unreadable) */
	int creator_admin;        /* the creator (or, without one, the owner) is an administrator: 1, 0, -1 unknown */
};

/* KB5020276: may an existing account be reused by this joiner? */
enum rjoin_reuse {
	RJ_REUSE_NEW = 0,         /* no account: the join creates one */
	RJ_REUSE_SAME_CREATOR,    /* the joining user created it */
	RJ_REUSE_ADMIN_CREATED,   /* created (or owned, without a creator SID) by an administrator */
	RJ_REUSE_BLOCKED,         /* created by someone else who is no administrator: Windows answers 0xAAC */
	RJ_REUSE_UNKNOWN,         /* the creator's groups could not be read */
	RJ_REUSE_POLICY_ALLOWED,  /* blocked by the rule, but the owner is in the DCs' allow list (rjoin_reuse_with_policy) */
};
/*
 * Pure (tests/unit/test_rjoin.c).  joiner_sid is the joining user's SID.  The
 * creator is mS-DS-CreatorSID, else the owner.  why gets a sentence.
 */
enum rjoin_reuse rjoin_reuse_rule(const struct rjoin_acct *a, const char *joiner_sid, const char **why);

/*
 * "Domain controller: Allow computer account re-use during domain join" as the preflight weighs it
 * (read by gpo_read_reuse_policy, src/trust/gpolicy.c, only when the rule says blocked).
 */
enum rjoin_pol_state {
	RJ_POL_NOT_READ = 0,  /* not looked at */
	RJ_POL_UNREADABLE,    /* why says why (a GPO, SYSVOL or LDAP could not be read, a bad value) */
	RJ_POL_UNSET,         /* read: no GPO of the DCs sets it (why says where it was looked for) */
	RJ_POL_SET,           /* gpo sets it; sd is its SDDL */
};
struct sddl_sd;
struct rjoin_reuse_pol {
	enum rjoin_pol_state state;
	const char *why;
	const char *gpo;                  /* SET: the deciding GPO's name (and GUID) */
	const struct sddl_sd *sd;         /* SET */
	int owner_groups_read;            /* 1: owner_groups holds the owner's tokenGroups; 0 not read (or failed) */
	const char (*owner_groups)[192];
	size_t n_owner_groups;
};
/*
 * Pure (tests/unit/test_rjoin.c): rjoin_reuse_rule(), and when it says RJ_REUSE_BLOCKED the DCs'
 * allow list (MS-SAMR 3.1.5.13.8: the account's OWNER named in it, directly or through a group).
 * A deny ACE naming the owner (or a group of it) wins; S-1-1-0 and S-1-5-11 name every owner.
 * Allowed only when an allow ACE names the owner or one of its groups as read; a list that names
 * others while the owner's groups were not read, or holds a condition, is RJ_REUSE_UNKNOWN; a
 * policy not read, not set, or naming neither: RJ_REUSE_BLOCKED, the rule's reason and the
 * policy's in why.  pol NULL is RJ_POL_NOT_READ.
 */
enum rjoin_reuse rjoin_reuse_with_policy(const struct rjoin_acct *a, const char *joiner_sid,
					 const struct rjoin_reuse_pol *pol, char *why, size_t len);

/* Is a SID an administrators' group or Domain/Enterprise Admins (RID 512, 519, or S-1-5-32-544)? (pure) */
int rjoin_sid_is_admin_group(const char *sid);
/* A binary SID (MS-DTYP 2.4.2.2) as S-1-...; "" and -1 when malformed (pure) */
int rjoin_sid_str(const uint8_t *b, size_t n, char *out, size_t len);
/* The owner SID of a self-relative security descriptor (MS-DTYP 2.4.6); -1 when malformed (pure) */
int rjoin_sd_owner(const uint8_t *sd, size_t n, char *out, size_t len);

/*
 * After a join: does the object show a new password?  kvno up or pwdLastSet newer than before; an account
 * that did not exist before needs a pwdLastSet; a missing one never does (pure).
 */
int rjoin_password_new(const struct rjoin_acct *before, const struct rjoin_acct *after);
/*
 * The account a target's host name suggests, read before the member names itself (NetrWkstaGetInfo
 * confirms it): the first label as a NetBIOS name + "$"; "" for an address or a label that is none (pure).
 */
void rjoin_guess_sam(const char *host, char *sam, size_t len);

/* What the member answered to one call. */
struct rjoin_call {
	int ran;                  /* the request was sent */
	int answered;             /* a WERROR came back */
	uint32_t werror;
	uint32_t options;
	char error[512];          /* our one-line error when it did not answer, or the member's refusal */
	double ms;
};

struct rjoin_result {
	enum rjoin_op op;
	int dry_run;
	char host[256], address[64], computer[64], sam[32];
	char domain[256], netbios_domain[64], dc[256], dc_addr[64];
	char member_domain[256];  /* the domain the member says it is in (wkssvc 100 langroup) */
	char joiner[300], joiner_sid[192];
	char smb[64];             /* dialect, key */
	struct rjoin_acct before, after;
	enum rjoin_reuse reuse;
	const char *reuse_why;
	char reuse_whybuf[1200];  /* reuse_why points here after the policy was weighed */
	int reuse_policy;         /* enum rjoin_pol_state of the DCs' allow list (read only when the rule blocks) */
	const char *reuse_rule_why; /* the rule's own reason (reuse_why adds the policy's) */
	char reuse_pol_short[240];  /* the policy's outcome in a few words, for the one-line refusal */
	char ou[600];             /* MachineAccountOU sent ("" = NULL) */
	const char *plan[8];
	int n_plan;
	char planbuf[8][640];
	struct rjoin_call unjoin, join;
	int moved;                /* --ou: we moved the existing account there before the join (LDAP modify DN) */
	int joined_first;         /* rejoin: the join was tried before any unjoin */
	int left_unjoined;        /* the member is not joined now (after an unjoin, the join failed) */
	int password_new;         /* after: kvno up or pwdLastSet newer (1), not (0), unknown (-1) */
	int reboot_pending;
	int reboot_asked;         /* --reboot */
	int reboot_outcome;       /* enum reboot_outcome (src/rpc/shutdown.h); REBOOT_NOT_SENT when not asked */
	int reboot_delay_s;
	char reboot_error[480];   /* why the reboot was not scheduled ("" when it was, or was not asked) */
	char finish_cmd[1200];    /* the command that completes a half-done change */
	unsigned our_rt;          /* our round trips to the member before the join call (estimate from calls) */
};

/*
 * Run op against ctx->req->target.  0 when the member did what was asked
 * (res->password_new tells whether the directory confirms it); -1 with e
 * otherwise, res filled as far as it got (res->left_unjoined, finish_cmd).
 */
int rjoin_run(struct nlt_ctx *ctx, enum rjoin_op op, struct rjoin_result *res, struct nlt_err *e);

/* The words for a WERROR of NetrJoinDomain2/NetrUnjoinDomain2 and its exit category (pure). */
const char *rjoin_werror_why(uint32_t werror, enum nlt_cat *cat);

#define RJOIN_DEFAULT_JOIN_TIMEOUT_MS 120000
#define RJOIN_DEFAULT_REBOOT_DELAY_S 30

#endif
