/*
 * src/base/secret.h - passwords from standard input, a file or the terminal;
 * never from argv.  Buffers are wiped by secret_free().
 */
#ifndef NLT_SECRET_H
#define NLT_SECRET_H

#include <stddef.h>

#include "err.h"

#define SECRET_MAX 1024

struct secret {
	char buf[SECRET_MAX];
	size_t len;
	int set;
};

/* One line from fd (stdin), without the newline. */
int secret_from_fd(struct secret *s, int fd, const char *what, struct nlt_err *e);
/* The first line of a file; refuses a file others can read or write. */
int secret_from_file(struct secret *s, const char *path, const char *what, struct nlt_err *e);
/* Prompt on /dev/tty with echo off; NLT_EUSAGE when there is no terminal. */
int secret_from_tty(struct secret *s, const char *prompt, struct nlt_err *e);
/* Pure: take the first line of buf[0..n) into s; -1 when it is empty or too long. */
int secret_take_line(struct secret *s, const char *buf, size_t n);
void secret_free(struct secret *s);
/*
 * A secret read once for several runs (nltrust --targets reads it before it
 * forks one child per target): afterwards secret_from_fd() for the same
 * `what` ("password", "target password") returns a copy instead of reading.
 * At most SECRET_PRESETS of them; -1 when full.
 */
#define SECRET_PRESETS 2
int secret_preset(const char *what, const struct secret *s);

#endif
