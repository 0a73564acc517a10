/*
 * src/base/err.h - caller-owned errors and the one map from errors to exit codes.
 *
 * Libraries and clients fill a struct nlt_err; only the CLI prints it.  The
 * message says what failed, against whom, and why, in one line, e.g.
 *   "CLDAP ping to dc2.lab.test (198.18.0.130) failed: timeout after 2000 ms"
 */
#ifndef NLT_ERR_H
#define NLT_ERR_H

#include <stddef.h>

/* Categories.  Their numeric values ARE the documented exit codes (nltrust(8)). */
enum nlt_cat {
	NLT_OK = 0,        /* success / healthy */
	NLT_EPROBLEM = 1,  /* the check ran and found a problem */
	NLT_EUSAGE = 2,    /* bad command line */
	NLT_ECONFIG = 3,   /* local configuration or file problem */
	NLT_ENODC = 4,     /* no DC found or reachable */
	NLT_EAUTH = 5,     /* authentication or authorization failure */
	NLT_EPROTO = 6,    /* protocol or server error */
	NLT_EINTERNAL = 7, /* internal error (a bug, out of memory) */
};

struct nlt_err {
	enum nlt_cat cat;
	char msg[512];
};

/* Set the error (category + printf message); returns -1 for "return nlt_seterr(...)". */
int nlt_seterr(struct nlt_err *e, enum nlt_cat cat, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void nlt_clearerr(struct nlt_err *e);
/* The one mapping from an error (or NULL = success) to the process exit status. */
int nlt_exit_code(const struct nlt_err *e);
/* Stable lowercase name of a category, for JSON ("no_dc", "auth", ...). */
const char *nlt_cat_name(enum nlt_cat cat);

#endif
