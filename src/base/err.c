/* src/base/err.c - caller-owned errors and the exit-code map (see err.h). */
#include "config.h"
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int nlt_seterr(struct nlt_err *e, enum nlt_cat cat, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return -1;
	e->cat = cat;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -1;
}

void nlt_clearerr(struct nlt_err *e)
{
	if (e) {
		e->cat = NLT_OK;
		e->msg[0] = '\0';
	}
}

int nlt_exit_code(const struct nlt_err *e)
{
	if (!e)
		return 0;
	switch (e->cat) {
	case NLT_OK: return 0;
	case NLT_EPROBLEM: return 1;
	case NLT_EUSAGE: return 2;
	case NLT_ECONFIG: return 3;
	case NLT_ENODC: return 4;
	case NLT_EAUTH: return 5;
	case NLT_EPROTO: return 6;
	case NLT_EINTERNAL: return 7;
	}
	return 7;
}

const char *nlt_cat_name(enum nlt_cat cat)
{
	switch (cat) {
	case NLT_OK: return "ok";
	case NLT_EPROBLEM: return "problem";
	case NLT_EUSAGE: return "usage";
	case NLT_ECONFIG: return "config";
	case NLT_ENODC: return "no_dc";
	case NLT_EAUTH: return "auth";
	case NLT_EPROTO: return "protocol";
	case NLT_EINTERNAL: return "internal";
	}
	return "internal";
}
