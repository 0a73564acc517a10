/*
 * src/krb/ktfile.h - rewrite a machine keytab for a new password, crash-safely.
 *
 * The machine's principals are the ones whose key equals one of MACHINE$'s
 * keys of its newest kvno (the same password and salt give the same key:
 * MACHINE$, host/NAME, host/FQDN, RestrictedKrbHost/...); when the keytab
 * has none, MACHINE$, host/NAME and host/FQDN.  For each of them the new
 * file holds the new kvno's keys (every enctype asked for, from the new
 * password and the AD salt) and the previous kvno's keys; older kvnos of
 * those principals are dropped, every other principal is kept as it was.
 * The file is written to a temporary file, fsynced and renamed
 * (atomicfile.h): a crash leaves the old keytab or the new one.
 */
#ifndef NLT_KTFILE_H
#define NLT_KTFILE_H

#include <krb5.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct ktfile_summary {
	size_t n_principals;    /* machine principals rewritten */
	size_t n_written;       /* entries in the new file */
	size_t n_kept_other;    /* entries of other principals kept */
	size_t n_dropped;       /* old entries of the machine dropped */
	uint32_t prev_kvno;     /* the machine's kvno before (0: none) */
	char principals[8][128];
};

/* Parameters of one rewrite. */
struct ktfile_req {
	const char *path;
	const char *realm;      /* LAB.TEST */
	const char *machine;    /* WS1$ */
	const char *fqdn;       /* ws1.lab.test, for host/FQDN when the keytab has no principals yet */
	const char *password;   /* the new password */
	uint32_t new_kvno;
	const int32_t *enctypes;
	size_t n_enctypes;
};

int ktfile_rewrite(krb5_context kc, const struct ktfile_req *rq, struct ktfile_summary *sum, struct nlt_err *e);

/*
 * For leave: remove the machine's entries (MACHINE$ and every principal
 * sharing one of its keys, at any kvno), keep the rest; the file is
 * replaced atomically (and left in place, possibly empty).  A missing
 * keytab is not an error.  *removed counts the entries dropped.
 */
int ktfile_remove_machine(const char *path, const char *realm, const char *machine, size_t *removed,
			  struct nlt_err *e);

#endif
