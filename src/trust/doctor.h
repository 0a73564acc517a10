/*
 * src/trust/doctor.h - nltrust doctor: the failed-trust runbook as one command.
 *
 * Gathering (doctor_gather(), src/trust/doctor.c) walks the runbook in steps and records each
 * one (what was asked, of whom, what came back, how long):
 *   discovery   every DC of the domain, and the one this host uses;
 *   ports       ping's probes (src/net/probe.c) on every DC: the ports the trust needs, the clock;
 *   verify      trust_local_check() + trust_judge(): the secure channel, as `verify` sees it;
 *   directory   the machine account on EVERY DC (kvno, pwdLastSet, userAccountControl, enctypes,
 *               DN, dNSHostName, SPNs), read as the machine, else as the administrator (-U/-C);
 *   duplicates  other objects holding the same dNSHostName or host SPN;
 *   journal     this host's own record of its password changes (kvno and time of each).
 * The diagnosis (doctor_diagnose()) is pure: evidence in, causes out, the root cause first.
 * Nothing in the evidence has a zero value that means "fine": a step that did not run is
 * CHECK_NOT_RUN, a DC not read is CHECK_NOT_RUN, and either keeps the verdict from HEALTHY.
 *
 * The remote mode (doctor --target HOST, doctor_gather_remote(), src/trust/doctor_remote.c)
 * fills the same evidence: the DC the member uses from its own DsrGetDcNameEx2, the channel
 * from verify --target's evidence and trust_remote_judge() (.rv and .tr; .tv stays empty),
 * the directory on every DC as the administrator (no keytab, no journal here).
 */
#ifndef NLT_DOCTOR_H
#define NLT_DOCTOR_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "trust.h"
#include "trust_remote.h"
#include "util.h"

#define DOCTOR_MAX_DCS 16
#define DOCTOR_MAX_STEPS 24
#define DOCTOR_MAX_CAUSES 16
#define DOCTOR_MAX_SPNS 8
#define DOCTOR_PWD_MATCH_S 600 /* a journal change this close to pwdLastSet is that change */

/* One step of the runbook, as it happened. */
struct doctor_step {
	char name[32];    /* "discovery", "ports", "verify", "directory", "duplicates", "journal", "fix: ..." */
	char asked[200];  /* what was asked */
	char whom[300];   /* of whom */
	enum check_state state;
	char result[600]; /* what came back (or why it could not finish) */
	uint64_t elapsed_us;
};

/* One DC of the domain, as each step saw it. */
struct doctor_dc {
	char name[256], addr[64], site[128];
	struct nlt_addr sa;          /* the address, as discovery found it */
	int answered;                /* it answered discovery's LDAP ping */
	char discovery_status[32];   /* cand_status_str() */
	/* ports and clock (probe_dcs) */
	enum check_state probe_state;
	int n_required_down;         /* required services refused / filtered / unreachable */
	int n_required_unknown;      /* required services not probed long enough */
	char ports_down[300];        /* "Kerberos 88/tcp filtered, ..." */
	int have_clock;
	int64_t skew_ms;
	/* the machine account on this DC */
	enum check_state dir_state;  /* CHECK_RAN: read (found or not); COULD_NOT_RUN: dir_error */
	char dir_error[400];
	enum nlt_cat dir_err_cat;
	char dir_as[16];             /* "machine" or "admin" */
	int found;                   /* the object exists on this DC */
	int have_kvno, have_pwdlastset, have_uac, have_enctypes;
	int64_t kvno, pwdlastset, uac, enctypes; /* pwdlastset: FILETIME */
	char dn[512], dnshostname[256];
	int n_spn;
	char spn[DOCTOR_MAX_SPNS][160];
	char cmd_verify_here[600];   /* verify pinned to this DC (-S), to run as printed */
};

struct doctor_journal_rec {
	int have;
	uint32_t kvno;
	int64_t created; /* unix seconds */
	char source[64];
};

struct doctor_evidence {
	char machine[128];   /* "WS1$" */
	char realm[256];
	char domain[256];
	char fqdn[300];      /* the dNSHostName this host should have ("ws1.lab.test") */
	int remote;          /* --target: filled from the member (doctor_gather_remote) */
	int admin_given;     /* -U or -C: the directory may be read as the administrator */

	/* discovery */
	enum check_state disc_state;
	char disc_error[400];
	enum nlt_cat disc_err_cat;
	char used_dc[256];   /* the DC this host uses (discovery's choice, or verify's after a failover) */
	struct doctor_dc dc[DOCTOR_MAX_DCS];
	size_t n_dc;
	size_t n_unlisted;   /* DCs listed in DNS that could not be placed in dc[] (no address, too many) */

	/* ports and clock */
	enum check_state probe_state;
	char probe_error[300];

	/* verify: the evidence and the judge's report */
	enum check_state verify_state;
	char verify_error[400];
	enum nlt_cat verify_err_cat;
	struct trust_evidence tv;
	struct trust_report tr;

	/* duplicates */
	enum check_state dup_state;
	char dup_error[300];
	int n_dup;
	char dup_dn[4][512];
	char dup_what[4][96]; /* "dNSHostName ws1.lab.test" / "SPN HOST/ws1.lab.test" */

	/* the journal */
	enum check_state journal_state; /* CHECK_RAN: opened (it may be empty); SKIPPED: none exists */
	char journal_error[300];
	struct doctor_journal_rec jpending, jcurrent, jprevious;

	/* commands for the advice, built with advice_cmd() by the gatherer (the judge stays pure) */
	char cmd_admin_reset[600];
	char cmd_machine_reset[600];
	char cmd_join[600];
	char cmd_enable[600];
	char cmd_verify[600];
	char cmd_doctor_admin[600]; /* this doctor again with -U Administrator (to read the directory) */

	/* --target (remote mode) */
	char target[256];          /* the host asked */
	char target_domain[256];   /* the target's own domain (its LSA: DNS name, else NetBIOS name) */
	int target_is_dc;          /* srvsvc says it is a DC (1), not (0), unknown (-1) */
	int trust_channel;         /* the channel checked is to another domain than the target's own: a trust */
	int dir_not_applicable;    /* the computer account is not the channel's account (a trust): not read */
	enum check_state dsget_state; /* the member's own DsrGetDcNameEx2 */
	char dsget_error[400];
	enum nlt_cat dsget_err_cat;
	struct trust_remote_evidence rv; /* verify --target's evidence (TC_QUERY, TC_VERIFY) */
	char cmd_repair[600];      /* nltrust repair --target ... */
	char cmd_fix_rejoin[600];  /* nltrust doctor --target ... --fix --allow-rejoin */
	/* the member's clock: srvsvc NetrRemoteTOD (src/rpc/tod.c), this host's wall clock as the ruler;
	 * compared with the DCs' (their skew_ms, against the same ruler) by the judge */
	enum check_state tod_state;
	char tod_error[300];
	enum nlt_cat tod_err_cat;
	int64_t member_offset_ms;     /* the member's clock minus this host's */
	int64_t member_offset_unc_ms; /* +- */

	struct doctor_step steps[DOCTOR_MAX_STEPS];
	size_t n_steps;
};

/* What the doctor concluded.  The kinds are the JSON "kind" strings (doctor_cause_key). */
enum doctor_cause_kind {
	DCAUSE_NONE = 0,
	DCAUSE_MEMBER_BEHIND,   /* the member holds an older password than AD (restored snapshot/image, or a reset elsewhere) */
	DCAUSE_REPLICATION,     /* the DCs disagree on the account: replication lag */
	DCAUSE_DISABLED,
	DCAUSE_DELETED,         /* no DC has the account */
	DCAUSE_MOVED,           /* the DN differs between DCs */
	DCAUSE_DUPLICATE,       /* another object holds this host's dNSHostName or SPN */
	DCAUSE_NO_AES,
	DCAUSE_CLOCK_SKEW,
	DCAUSE_DC_UNREACHABLE,  /* a DC is down or filtered for a port the trust needs */
	DCAUSE_PENDING,         /* an interrupted password change is pending */
	DCAUSE_MEMBER_AHEAD,    /* the member holds a newer password no DC has (a change lost on the DC side) */
	DCAUSE_TRUST_BROKEN,    /* verify's judge found it broken, with no better root cause in the evidence */
	DCAUSE_UNKNOWN,         /* a step could not run: what it would have told is unknown */
	DCAUSE_SECRET_DIFFERS,  /* --target: TC_VERIFY says the member's secret is not the directory's (1323, 1787 ...) */
	DCAUSE_MEMBER_DC,       /* --target: the member talks to a dead or wrong DC (TC_VERIFY: no logon servers ...) */
	DCAUSE__COUNT
};
const char *doctor_cause_key(enum doctor_cause_kind k);

/* How sure the member-behind explanation is: which of the two the evidence supports. */
enum doctor_behind_why {
	DBEHIND_NOT_TOLD = 0,
	DBEHIND_RESTORED,   /* the journal records the change AD has, the keytab lacks it: a restored keytab/image */
	DBEHIND_RESET_ELSEWHERE, /* pwdLastSet is newer than every change this host made, and the journal is intact */
	DBEHIND_EITHER,     /* the evidence cannot tell: both named, with the evidence */
};
const char *doctor_behind_key(enum doctor_behind_why w);

struct doctor_cause {
	enum doctor_cause_kind kind;
	enum finding_kind severity; /* BROKEN, PENDING, UNKNOWN (could not check), NOTE */
	enum nlt_cat cat;
	enum doctor_behind_why behind;
	char dc[256];               /* the DC it is about ("" when none / all) */
	char text[900];             /* the cause and its evidence, one paragraph */
	char next[600];             /* the command to run ("" when none) */
};

struct doctor_diagnosis {
	enum trust_verdict verdict;  /* HEALTHY only when verify said so and every DC was read and probed */
	enum nlt_cat cat;
	struct doctor_cause c[DOCTOR_MAX_CAUSES]; /* the root cause first */
	size_t n;
	int root;                    /* index of the root cause, -1 when healthy */
	char summary[600];
	char prefer_dc[256];         /* a DC with every port the trust needs open ("" when none) */
};

/* Pure: the evidence in, causes (root first), the verdict and exit category out. */
void doctor_diagnose(const struct doctor_evidence *ev, struct doctor_diagnosis *d);

struct nlt_ctx;
/*
 * Gather the evidence about this host (local mode).  Returns 0 when there is evidence to judge
 * (every step that could not finish is recorded in it), -1 with e when there is none (usage,
 * local configuration before anything ran).
 */
int doctor_gather(struct nlt_ctx *ctx, struct doctor_evidence *ev, struct nlt_err *e);
/*
 * The same for ctx->req->target (doctor --target HOST [DOMAIN]).  -1 with e when the target gives
 * nothing to judge: logon refused (exit 5, naming the account kind), unreachable, its own domain
 * unreadable.
 */
int doctor_gather_remote(struct nlt_ctx *ctx, struct doctor_evidence *ev, struct nlt_err *e);

/* Add a step record (the gatherer and --fix); returns it (the last slot when full). */
struct doctor_step *doctor_step_add(struct doctor_evidence *ev, const char *name, enum check_state st,
				    uint64_t elapsed_us, const char *whom, const char *asked, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));

/* FILETIME (100 ns since 1601) -> unix seconds; 0 and "never" (0x7fff...) map to 0. */
int64_t doctor_filetime_unix(int64_t ft);

/* --fix: escalate, re-verify after each step, stop at the first that heals. */
enum doctor_fix_outcome {
	DFIX_NOT_RUN = 0,
	DFIX_NOTHING_TO_DO, /* healthy: nothing was changed */
	DFIX_HEALED,        /* a step ran and verify (trust_local_check + trust_judge) then said HEALTHY */
	DFIX_NOT_HEALED,    /* every step that could run ran; the trust is still not healthy */
	DFIX_UNCLEAR,       /* a change's outcome is not known: kept pending, re-checked, not healed */
	DFIX_NOT_FIXABLE,   /* the root cause is not one a password step repairs (disabled, deleted, ...) */
	DFIX_PLAN,          /* --dry-run: the plan, nothing changed */
	DFIX_REJOINED,      /* --target --allow-rejoin: rejoined, the directory shows the new password; the
			       channel is verified only after the member restarts (never "healed") */
};
const char *doctor_fix_outcome_key(enum doctor_fix_outcome o);

struct doctor_fix_step {
	char name[32];      /* "rediscover", "rotate", "admin-reset"; --target: repair's steps, "rejoin" */
	char action[600];   /* what it does (the equivalent command) */
	enum check_state state;
	int changed;        /* it changed something (a password) */
	char result[600];
	enum trust_verdict verdict_after; /* verify after it (UNJUDGED: not re-verified) */
	char verify_summary[480];
	uint64_t elapsed_us;
};

struct doctor_fix {
	enum doctor_fix_outcome outcome;
	struct doctor_fix_step s[10];
	size_t n;
	char healed_by[32];
	char prefer_dc[256]; /* rediscover healed: the DC to prefer */
	char next[600];      /* what to run when not healed */
	char summary[600];
	enum nlt_cat cat;    /* NLT_OK only when healed (or nothing to do) */
};

/* Run the repair for this diagnosis (ctx->req: --dry-run, -U/-C).  Always fills f; never fails silently. */
void doctor_fix_run(struct nlt_ctx *ctx, const struct doctor_evidence *ev, const struct doctor_diagnosis *d,
		    struct doctor_fix *f);

#endif
