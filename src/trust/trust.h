/*
 * src/trust/trust.h - the judge of a machine trust: evidence in, one verdict out.
 *
 * Gathering (src/trust/trust_local.c: Kerberos, Netlogon, the directory, the
 * keytab and the journal of this host) fills a struct trust_evidence; the
 * judge (src/trust/trust.c, pure: no I/O) turns it into findings, one verdict and
 * the exit category, and commands only print that.  Every state has a
 * zero value that means "nothing was produced", never "ok": a zeroed or
 * half-filled evidence record can only be judged UNKNOWN or INCONCLUSIVE.
 */
#ifndef NLT_TRUST_H
#define NLT_TRUST_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "krb.h"
#include "netlogon.h"

#define TRUST_MAX_KVNOS 8
#define TRUST_MAX_FINDINGS 16
#define TRUST_SKEW_LIMIT_S 300

/* What became of one check.  0: it was never started. */
enum check_state {
	CHECK_NOT_RUN = 0,
	CHECK_SKIPPED,      /* not asked for, or not possible and not required (a note) */
	CHECK_COULD_NOT_RUN, /* asked for, started or attempted, no verdict: the reason is in .error */
	CHECK_RAN,          /* a verdict was produced */
};
const char *check_state_str(enum check_state s);

/* The overall verdict.  0: not judged. */
enum trust_verdict {
	TRUST_UNJUDGED = 0,
	TRUST_HEALTHY,      /* every check that was asked for ran and found nothing wrong */
	TRUST_BROKEN,       /* a check ran and found the trust broken or about to break */
	TRUST_PENDING,      /* an interrupted password change is pending; reset-password finishes it */
	TRUST_INCONCLUSIVE, /* nothing found wrong, but a required check could not run */
};
const char *trust_verdict_str(enum trust_verdict v);

/* The keytab's view of the machine account. */
struct trust_keytab {
	char path[512];
	int n_entries;
	int n_kvnos;
	unsigned kvno[TRUST_MAX_KVNOS];     /* descending */
	uint32_t enctypes[TRUST_MAX_KVNOS]; /* bit per enctype < 32, per kvno */
};

/* Does the journal's current password agree with the keytab's newest key? */
enum trust_local_match {
	LOCAL_NOT_COMPARED = 0,
	LOCAL_MATCH,
	LOCAL_DIFFER,
};

enum finding_kind {
	FINDING_NOTE = 0,  /* worth knowing; changes no verdict */
	FINDING_BROKEN,    /* the trust is broken or will break */
	FINDING_PENDING,   /* an interrupted change is pending */
	FINDING_UNKNOWN,   /* a required check could not run: the verdict cannot be healthy */
};

struct trust_finding {
	enum finding_kind kind;
	enum nlt_cat cat; /* the exit category this finding stands for */
	char text[480];
};

struct trust_evidence {
	/* what was asked */
	char machine[128]; /* "WS1$" */
	char realm[256];
	char dc[256];      /* the DC Kerberos and the directory used */
	char dc_addr[64], dc_site[128];
	int password_mode; /* --machine-password-file instead of the keytab */
	int method;        /* 1 kerberos, 2 netlogon, 3 both */
	char repair_admin[400];   /* the full repair command with an administrator (advice_cmd) */
	char repair_machine[400]; /* the full reset-password command as the machine */
	char repair_join[400];    /* the full join command (the account is gone) */

	struct trust_keytab kt;

	/* Kerberos: the AS exchange with the newest key (and older ones on a wrong password) */
	enum check_state krb_state;
	char krb_error[480];
	enum nlt_cat krb_err_cat;
	struct krb_as_result as; /* of the newest key (as.verdict KRBV_NOT_RUN until an exchange ran) */
	unsigned tried_kvno, good_kvno;
	char failover[480];      /* the DC skipped before this one, and why ("" when none) */
	/* the account on another DC, asked when this DC does not know it */
	enum check_state other_state;
	char other_dc[256];
	enum krb_verdict other_verdict;

	/* the directory, read with the machine's own TGT */
	enum check_state dir_state;
	char dir_error[400];
	enum nlt_cat dir_err_cat;
	int64_t dir_kvno, dir_uac, dir_enctypes, dir_pwdlastset;
	int have_dir_kvno, have_dir_uac, have_dir_enctypes, have_dir_pwdlastset;
	char dir_dn[512], dir_dnshostname[256];

	/* Netlogon: one secure-channel exchange on one DC */
	enum check_state nl_state;
	char nl_error[400];
	enum nlt_cat nl_err_cat;
	struct nl_result nl;     /* nl.verdict NLV_NOT_RUN unless the exchange produced one */
	char nl_dc[256];
	char nl_secret_what[64]; /* where the secret came from ("the keytab's rc4-hmac key, kvno 3") */
	int nl_prev_ok;          /* refused with the current secret, accepted with the previous one */
	char nl_prev_what[64];

	/* this host's journal */
	int journal_read;        /* the journal was opened (it may have been empty) */
	int have_pending, have_current;
	enum check_state pending_state; /* the pending password tried against the DC */
	enum krb_verdict pending_verdict;
	enum trust_local_match local_match;
	unsigned local_kvno;     /* the keytab kvno compared with the journal */
};

struct trust_report {
	enum trust_verdict verdict;
	enum nlt_cat cat; /* the exit category: NLT_OK only when HEALTHY */
	struct trust_finding f[TRUST_MAX_FINDINGS];
	size_t nf;
	int decisive;      /* index of the finding that decided the verdict, -1 when HEALTHY */
	char summary[480]; /* one line: the verdict and why */
};

/*
 * Judge the evidence: findings (problems and notes), one verdict, and the
 * exit category.  Pure.  HEALTHY only when every check method asked for is
 * CHECK_RAN with an ok verdict (Kerberos additionally needs the directory
 * comparison); a check that could not run makes the verdict INCONCLUSIVE
 * (with the failure's category) unless another check already proves the
 * trust broken.
 */
void trust_judge(const struct trust_evidence *ev, struct trust_report *rep);

/* For the judges (src/trust/trust.c, src/trust/trust_remote.c): add a finding (a deciding one is never lost to
 * TRUST_MAX_FINDINGS; a note carries NLT_OK), and the category of a failure that has none of its
 * own (1: a problem, never success). */
void trust_add(struct trust_report *rep, enum finding_kind kind, enum nlt_cat cat, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
enum nlt_cat trust_unknown_cat(enum nlt_cat c);

struct nlt_ctx;
/*
 * Gather the evidence about this host's own machine trust (verify): the DC
 * from discovery (or -S), the keytab, the journal, one Kerberos AS exchange
 * (older keys, the journal's pending password and another DC when the
 * answer calls for them), the account's directory object, and one Netlogon
 * secure-channel exchange per DC, beside Kerberos in its own thread.
 * Returns 0 when there is evidence to judge (checks that could not run are
 * recorded in it), -1 with e when there is none (usage, local
 * configuration, no DC found).
 */
int trust_local_check(struct nlt_ctx *ctx, struct trust_evidence *ev, struct nlt_err *e);

#endif
