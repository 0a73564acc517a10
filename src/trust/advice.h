/*
 * src/trust/advice.h - the command an admin should run next, printed so that it
 * runs as printed: it repeats the identity options of this run (-d, -S, -m,
 * -K, --state-dir, -U/-C, --timeout) that the suggested command also takes.
 */
#ifndef NLT_ADVICE_H
#define NLT_ADVICE_H

#include <stddef.h>

#include "opts.h"

/* What the suggested command needs besides the identity options. */
enum advice_creds {
	ADVICE_NO_ADMIN = 0, /* runs as the machine */
	ADVICE_ADMIN,        /* needs an administrator: repeat -U/-C, else "-U Administrator" (prompts for the password) */
};

/*
 * Write "nltrust COMMAND EXTRA <identity options> [DOMAIN]" into buf (shell-quoted
 * where a value needs it) and return buf.  extra may be NULL.  domain is the
 * domain this run used (NULL: none repeated).
 */
const char *advice_cmd(const struct nlt_req *req, const char *command, const char *extra, enum advice_creds creds,
		       const char *domain, char *buf, size_t len);

#endif
