/*
 * src/ldap/audit.h - a domain-wide audit of computer accounts (nltrust audit).
 *
 * Reading: every computer object under a base, once, over the admin session's
 * sealed LDAP with the Simple Paged Results control (RFC 2696, 1000 a page)
 * and the SD flags control (OWNER only), asking only the attributes the
 * findings need; then the same base once more on every other DC of the domain
 * (objectSid, msDS-KeyVersionNumber, pwdLastSet only) for the cross-DC
 * comparison.  A DC that cannot be read is "not compared", with its reason.
 *
 * Judging (audit_judge) is pure: accounts and per-DC values in, findings out;
 * tests/unit/test_audit.c feeds it synthetic entries.
 */
#ifndef NLT_AUDIT_H
#define NLT_AUDIT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "err.h"

/* Windows' default "Domain member: Maximum machine account password age" (Netlogon MaximumPasswordAge). */
#define AUDIT_DEFAULT_STALE_DAYS 30
#define AUDIT_MAX_DCS 32
#define AUDIT_PAGE_SIZE 1000

/* What can be found about an account.  Problems count towards exit 1; notes do not. */
enum audit_kind {
	AK_PASSWORD_STALE = 0, /* pwdLastSet older than the stale limit, or never set (0) */
	AK_DISABLED,           /* userAccountControl ACCOUNTDISABLE */
	AK_NEVER_LOGGED_ON,    /* no lastLogonTimestamp */
	AK_NO_AES,             /* enctypes without AES, or unset on a pre-AES Windows */
	AK_DC_DIFFERS,         /* kvno or pwdLastSet differ between DCs, or the account is missing on one */
	AK_DUPLICATE_DNS,      /* the same dNSHostName on another account */
	AK_DUPLICATE_SPN,      /* an SPN also held by another account */
	AK_NONADMIN_CREATOR,   /* mS-DS-CreatorSID set, or owned by a non-admin: KB5020276 refuses reuse */
	AK_ENCTYPES_UNSET,     /* note: msDS-SupportedEncryptionTypes unset, OS not known to lack AES */
	AK__COUNT
};
/* "password_stale", "disabled", ...: the JSON/summary key. */
const char *audit_kind_key(enum audit_kind k);
/* The summary table's words ("password older than the limit"). */
const char *audit_kind_label(enum audit_kind k);
int audit_kind_is_problem(enum audit_kind k);

#define AH_UAC 0x01u
#define AH_PWDLASTSET 0x02u
#define AH_LASTLOGON 0x04u
#define AH_ENCTYPES 0x08u
#define AH_KVNO 0x10u

struct audit_finding {
	enum audit_kind kind;
	char *message;
};

struct audit_acct {
	char *dn, *sam, *dns, *os, *created, *sid, *creator_sid, *owner_sid;
	char **spn;
	size_t n_spn;
	int64_t uac, pwdlastset, lastlogon, enctypes, kvno;
	unsigned have; /* AH_* */
	struct audit_finding *f;
	size_t n_f;
	uint32_t kinds; /* bit per enum audit_kind */
	int stale_assumed; /* AK_PASSWORD_STALE judged against the assumed 30 days (policy not read): not a
			    * problem on its own (audit_verdict: inconclusive), a lead */
};

/* The values another DC holds for an account, keyed by objectSid. */
struct audit_dcval {
	char *sid;
	int64_t kvno, pwdlastset;
	unsigned have; /* AH_KVNO, AH_PWDLASTSET */
};

enum audit_dc_state {
	AUDIT_DC_NOT_READ = 0, /* zero: nothing was read, so nothing can be said to agree */
	AUDIT_DC_READ,
	AUDIT_DC_FAILED,
};

struct audit_dc {
	char name[256], address[64], site[128];
	int primary;  /* the DC every attribute was read from */
	int state;    /* enum audit_dc_state */
	char reason[400];
	size_t n_entries;
	size_t n_only_here; /* accounts this DC has that the primary has not (not judged) */
	uint64_t ms;
	struct audit_dcval *v;
	size_t n_v, cap_v;
};

/*
 * Where the stale limit came from.  Zero is "assumed": nothing was read, so nothing may be
 * claimed about the domain's policy (a zeroed run is never "Windows' default, no GPO sets it").
 */
enum audit_stale_src {
	AUDIT_STALE_ASSUMED = 0, /* 30 days, the policy could not be read (or was not tried) */
	AUDIT_STALE_OPTION,      /* --stale-days */
	AUDIT_STALE_DEFAULT,     /* 30 days: the GPOs were read and none sets MaximumPasswordAge */
	AUDIT_STALE_POLICY,      /* MaximumPasswordAge from the winning GPO */
};

/* ---- the machine-password policy from the domain's GPOs (filled by src/trust/gpo.c) ---- */

#define AUDIT_MAX_GPOS 48
#define AUDIT_MAX_UNEVALUATED 8

/* One linked GPO, in precedence order (highest first). */
enum audit_gpo_state {
	AUDIT_GPO_NOT_READ = 0, /* nothing known: its settings could be anything */
	AUDIT_GPO_READ,         /* GptTmpl.inf read (the values below) */
	AUDIT_GPO_NO_TEMPLATE,  /* no GptTmpl.inf: the GPO has no security settings */
	AUDIT_GPO_SKIPPED,      /* does not apply: computer settings disabled, object missing (note says) */
	AUDIT_GPO_FAILED,       /* could not be read (note says why) */
};

struct audit_gpo {
	char guid[40], name[256], som[512]; /* som: the container the link is on */
	int enforced;
	int state; /* enum audit_gpo_state */
	char note[400];
	unsigned have, bad;  /* GPO_HAVE_* of proto/gpo.h */
	uint32_t max_age, disable_change;
};

enum audit_pol_state {
	AUDIT_POL_NOT_READ = 0, /* not tried */
	AUDIT_POL_READ,         /* every GPO that could decide was read */
	AUDIT_POL_FAILED,       /* reason says why; the limit is assumed */
};

/*
 * An OU below the base whose GPOs (linked there or on OUs between it and the base), or whose
 * blocked inheritance, give its accounts another decision than the container around it.  Its
 * accounts are judged by it (the deepest zone holding an account decides).
 */
#define AUDIT_MAX_ZONES 16
struct audit_zone {
	char dn[512];
	int state;          /* enum audit_pol_state */
	char reason[400];
	int have_max_age;   /* a GPO sets MaximumPasswordAge */
	uint32_t max_age;
	char max_age_guid[40], max_age_name[256], max_age_som[512];
	int disable_known;
	uint32_t disable_change;
	char disable_guid[40], disable_name[256], disable_som[512];
	char disable_why[400];
	/* set by audit_apply_policy and audit_judge */
	int stale_days, stale_src;
	size_t n_accounts;
};

/* Which GPO decided a value: an index into gpo[], or -1 (none sets it). */
struct audit_policy {
	int state;          /* enum audit_pol_state */
	char reason[400];   /* AUDIT_POL_FAILED: one line */
	char server[256];   /* the DC whose SYSVOL was read */
	int have_max_age;   /* a GPO sets MaximumPasswordAge */
	uint32_t max_age;
	int max_age_gpo;
	int disable_known;  /* DisablePasswordChange decided (set by a GPO, or by none) */
	uint32_t disable_change;
	int disable_gpo;
	char disable_why[400]; /* not decided: why */
	int ou_links;       /* the OU path of --ou was evaluated */
	/* containers with GPO links that were not evaluated (OUs below the base, sites) */
	char unevaluated[AUDIT_MAX_UNEVALUATED][512];
	size_t n_unevaluated, n_unevaluated_total;
	struct audit_gpo gpo[AUDIT_MAX_GPOS];
	size_t n_gpo;
	struct audit_zone zone[AUDIT_MAX_ZONES];
	size_t n_zone;
	size_t n_base_accounts; /* accounts in no zone (judged by the base's decision) */
	uint64_t ms;
};

struct audit_run {
	struct audit_acct *a;
	size_t n, cap;
	struct audit_dc dc[AUDIT_MAX_DCS];
	size_t n_dc;
	int stale_days;
	int stale_src; /* enum audit_stale_src */
	struct audit_policy pol;
	time_t now;
	/* results of audit_judge */
	size_t count[AK__COUNT];
	size_t n_flagged;   /* accounts with at least one problem */
	size_t n_compared;  /* other DCs read and compared */
	size_t n_not_compared; /* other DCs that could not be read */
};

/* Pure: binary SID (MS-DTYP 2.4.2.2) to "S-1-5-21-..."; -1 when malformed. */
int audit_sid_str(const uint8_t *p, size_t len, char *out, size_t olen);
/* Pure: the owner SID of a self-relative security descriptor (MS-DTYP 2.4.6); -1 when none or malformed. */
int audit_sd_owner(const uint8_t *p, size_t len, char *out, size_t olen);
/* Pure: is sid one an administrator acts as (Administrators, Domain/Enterprise Admins, the domain's
 * Administrator, Domain Controllers, SYSTEM)?  domain_sid: "S-1-5-21-a-b-c" of the account. */
int audit_sid_is_admin(const char *sid, const char *domain_sid);
/* Pure: "is this operatingSystem a Windows that has no AES Kerberos" (2000, XP, Server 2003, NT). */
int audit_os_pre_aes(const char *os);

/*
 * Pure: the stale limit from --stale-days (opt_days >= 0) or the policy: the winning GPO's
 * MaximumPasswordAge (1-999 days), Windows' default 30 when the GPOs were read and none sets
 * it, else 30 assumed.  Sets r->stale_days and r->stale_src.
 */
void audit_apply_policy(struct audit_run *r, int opt_days);
/* Pure: the zone of r->pol whose decision the object dn gets (the deepest one holding it), -1: the base's. */
int audit_zone_of(const struct audit_run *r, const char *dn);

/* Pure: every finding of every account, the counts, the cross-DC comparison. */
void audit_judge(struct audit_run *r);

enum audit_verdict { AUDIT_INCONCLUSIVE = 0, AUDIT_FINDINGS, AUDIT_CLEAN };
/*
 * Pure, after audit_judge: FINDINGS when any account has a problem; else INCONCLUSIVE when another
 * DC was not compared, or the limit was assumed (policy not read), or containers with GPO links
 * were not evaluated; else CLEAN.  why (may be NULL) gets the reason of an INCONCLUSIVE.
 */
enum audit_verdict audit_verdict(const struct audit_run *r, char *why, size_t why_len);

/* Appends an empty account (zeroed); NULL when out of memory. */
struct audit_acct *audit_add(struct audit_run *r);
void audit_free(struct audit_run *r);

struct admin_session;
struct nlt_ctx;
/*
 * Read every computer account under base (NULL: the domain) from the session's DC, then the
 * cross-DC values from every other DC of the domain.  -1 with e only when the primary read failed.
 */
int audit_collect(struct audit_run *r, struct admin_session *s, struct nlt_ctx *ctx, const char *base,
		  struct nlt_err *e);

#endif
