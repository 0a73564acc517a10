/*
 * src/trust/trust_dir.h - the directory's view of a target's computer object,
 * weighed beside the remote verdict of verify --target (given domain admin
 * credentials: -U with a password, or -C).  Pure: the evidence is gathered by
 * src/trust/trust_target.c (src/ldap/computer.c reads it).
 *
 * The rule: the directory can make a remote verdict worse, never better.
 *   - not asked (no admin credentials): nothing is added;
 *   - could not be read: could-not-check (the verdict cannot be healthy);
 *   - no such account: broken when the directory searched is the target's
 *     own domain (confirmed by its NetBIOS name) and the target did not just
 *     verify its channel; with TC_VERIFY success it is a contradiction
 *     (replication, another domain, a deletion after the channel was set up):
 *     inconclusive with both facts; an unconfirmed domain: could-not-check;
 *   - disabled: broken (the member cannot log on), whatever TC_VERIFY said;
 *   - the object's other problems (no AES, an old password, SPNs,
 *     dNSHostName): notes, which decide nothing.
 */
#ifndef NLT_TRUST_DIR_H
#define NLT_TRUST_DIR_H

#include "err.h"
#include "trust.h"

#define TRUST_DIR_MAX_NOTES 12

/* 0: not asked (no admin credentials). */
enum tdir_state {
	TDIR_NOT_ASKED = 0,
	TDIR_COULD_NOT_RUN, /* asked, not read: .error, .err_cat */
	TDIR_READ,          /* the directory answered: .found says whether the object exists */
};

struct trust_dir_evidence {
	enum tdir_state state;
	char error[512];
	enum nlt_cat err_cat;
	char account[64];     /* "DC1$" */
	char domain[256];     /* the directory searched (realm) */
	char dc[256];         /* the DC read */
	int domain_confirmed; /* the DC's NetBIOS domain is the one the target names as its own */
	int found;            /* TDIR_READ: 1 the object exists, 0 no such account */
	int disabled;         /* ACCOUNTDISABLE in userAccountControl */
	size_t n_problems;    /* the object's findings other than "disabled" (show-computer's words) */
	char problems[TRUST_DIR_MAX_NOTES][400];
};

/*
 * Add the directory's findings about target to rep, which trust_remote_judge()
 * filled, and decide the verdict again (broken > could-not-check > healthy).
 */
void trust_dir_judge(const struct trust_dir_evidence *d, const char *target, struct trust_report *rep);

#endif
