/* src/trust/trust_remote.c - the remote secure-channel judge (see trust_remote.h). Pure. */
#include "config.h"
#include "trust_remote.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define VERIFY_STATUS_RETURNED 0x80u

const char *w32_name(uint32_t code)
{
	switch (code) {
	case 0: return "ERROR_SUCCESS";
	case W32_ACCESS_DENIED: return "ERROR_ACCESS_DENIED";
	case W32_NOT_SUPPORTED: return "ERROR_NOT_SUPPORTED";
	case W32_INVALID_PARAMETER: return "ERROR_INVALID_PARAMETER";
	case W32_INVALID_LEVEL: return "ERROR_INVALID_LEVEL";
	case W32_INVALID_COMPUTERNAME: return "ERROR_INVALID_COMPUTERNAME";
	case W32_NO_LOGON_SERVERS: return "ERROR_NO_LOGON_SERVERS";
	case W32_WRONG_PASSWORD: return "ERROR_WRONG_PASSWORD";
	case 1351: return "ERROR_CANT_ACCESS_DOMAIN_INFO";
	case W32_INVALID_DOMAIN_ROLE: return "ERROR_INVALID_DOMAIN_ROLE";
	case W32_NO_SUCH_DOMAIN: return "ERROR_NO_SUCH_DOMAIN";
	case 1722: return "RPC_S_SERVER_UNAVAILABLE";
	case W32_NO_TRUST_LSA_SECRET: return "ERROR_NO_TRUST_LSA_SECRET";
	case W32_NO_TRUST_SAM_ACCOUNT: return "ERROR_NO_TRUST_SAM_ACCOUNT";
	case W32_TRUSTED_DOMAIN_FAILURE: return "ERROR_TRUSTED_DOMAIN_FAILURE";
	case W32_TRUSTED_RELATIONSHIP_FAILURE: return "ERROR_TRUSTED_RELATIONSHIP_FAILURE";
	case W32_TRUST_FAILURE: return "ERROR_TRUST_FAILURE";
	case W32_DOMAIN_TRUST_INCONSISTENT: return "ERROR_DOMAIN_TRUST_INCONSISTENT";
	default: return NULL;
	}
}

/* "1323 ERROR_WRONG_PASSWORD", or "Win32 error 4242" */
static const char *code_str(uint32_t code, char *buf, size_t n)
{
	const char *name = w32_name(code);

	if (name)
		snprintf(buf, n, "%u %s", code, name);
	else
		snprintf(buf, n, "Win32 error %u", code);
	return buf;
}


struct names {
	const char *t, *d, *fix;
};

/*
 * A non-zero connection status (tc_connection_status, or
 * pdc_connection_status with 0x80 set) from call `op`.  what: which field.
 */
static void judge_status(struct trust_report *rep, const struct names *n, const char *op, const char *what,
			 uint32_t code)
{
	char c[80];

	code_str(code, c, sizeof(c));
	switch (code) {
	case W32_NO_LOGON_SERVERS:
	case 1722:
		trust_add(rep, FINDING_UNKNOWN, NLT_ENODC,
		    "%s: %s finds no DC of %s (%s: %s): the trust password could not be checked; check DNS and the "
		    "network from %s to %s's DCs",
		    op, n->t, n->d, what, c, n->t, n->d);
		return;
	case W32_ACCESS_DENIED:
		trust_add(rep, FINDING_BROKEN, NLT_EPROBLEM,
		    "%s: %s's DC refused its secure channel (%s: %s): the trust password %s holds is not the one %s "
		    "has%s%s",
		    op, n->t, what, c, n->t, n->d, *n->fix ? "; repair: " : "", n->fix);
		return;
	case W32_WRONG_PASSWORD:
	case W32_DOMAIN_TRUST_INCONSISTENT:
		trust_add(rep, FINDING_BROKEN, NLT_EPROBLEM,
		    "%s: the trust password %s holds for %s does not match the DC's (%s: %s)%s%s", op, n->t, n->d, what, c,
		    *n->fix ? "; repair: " : "", n->fix);
		return;
	case W32_NO_TRUST_LSA_SECRET:
		trust_add(rep, FINDING_BROKEN, NLT_EPROBLEM,
		    "%s: %s holds no trust secret for %s (%s: %s): it is not joined (any more); join it again", op, n->t,
		    n->d, what, c);
		return;
	case W32_NO_TRUST_SAM_ACCOUNT:
		trust_add(rep, FINDING_BROKEN, NLT_EPROBLEM,
		    "%s: %s has no account for %s (%s: %s): the computer or trust account was deleted or renamed; join "
		    "it again",
		    op, n->d, n->t, what, c);
		return;
	case W32_NO_SUCH_DOMAIN:
		trust_add(rep, FINDING_BROKEN, NLT_EPROBLEM,
		    "%s: %s has no secure channel to %s (%s: %s): it is not joined to that domain and does not trust it",
		    op, n->t, n->d, what, c);
		return;
	default:
		trust_add(rep, FINDING_BROKEN, NLT_EPROBLEM,
		    "%s: %s's secure channel to %s fails (%s: %s): logons through it fail%s%s", op, n->t, n->d, what, c,
		    *n->fix ? "; repair: " : "", n->fix);
		return;
	}
}

/* The call's own WERROR (no NETLOGON_INFO_2 to judge). */
static void judge_werror(struct trust_report *rep, const struct names *n, const char *op, uint32_t werror)
{
	char c[80];

	code_str(werror, c, sizeof(c));
	switch (werror) {
	case W32_ACCESS_DENIED:
		trust_add(rep, FINDING_UNKNOWN, NLT_EAUTH,
		    "%s: %s refused the call (%s): the caller is not an administrator there; NetrLogonControl2Ex "
		    "TC_QUERY/TC_VERIFY need a member of %s's Administrators (a domain admin, or its local administrator)",
		    op, n->t, c, n->t);
		return;
	case W32_NO_LOGON_SERVERS:
	case W32_WRONG_PASSWORD:
	case W32_NO_SUCH_DOMAIN:
	case W32_NO_TRUST_LSA_SECRET:
	case W32_NO_TRUST_SAM_ACCOUNT:
	case W32_TRUSTED_DOMAIN_FAILURE:
	case W32_TRUSTED_RELATIONSHIP_FAILURE:
	case W32_TRUST_FAILURE:
	case W32_DOMAIN_TRUST_INCONSISTENT:
		judge_status(rep, n, op, "the call's result", werror);
		return;
	default:
		trust_add(rep, FINDING_UNKNOWN, NLT_EPROTO,
		    "%s: %s answered %s: the channel's state is unknown", op, n->t, c);
		return;
	}
}

/* TC_VERIFY: the only call that can show the channel healthy.  1 when it does. */
static int judge_verify(struct trust_report *rep, const struct names *n, const struct trust_remote_call *v)
{
	const char *op = "TC_VERIFY";
	int ok = 1;

	switch (v->state) {
	case RCALL_NOT_RUN:
		trust_add(rep, FINDING_UNKNOWN, NLT_EINTERNAL,
		    "TC_VERIFY was not asked of %s: TC_QUERY alone cannot show the channel healthy", n->t);
		return 0;
	case RCALL_COULD_NOT_RUN:
		trust_add(rep, FINDING_UNKNOWN, trust_unknown_cat(v->err_cat), "TC_VERIFY on %s could not run: %s", n->t,
		    v->error[0] ? v->error : "no reason recorded");
		return 0;
	case RCALL_ANSWERED:
		break;
	}
	if (v->werror) {
		judge_werror(rep, n, op, v->werror);
		return 0;
	}
	if (!v->present) {
		trust_add(rep, FINDING_UNKNOWN, NLT_EPROTO, "TC_VERIFY: %s answered success without NETLOGON_INFO_2", n->t);
		return 0;
	}
	if (v->tc_status) {
		judge_status(rep, n, op, "tc_connection_status", v->tc_status);
		ok = 0;
	}
	if (v->flags & VERIFY_STATUS_RETURNED) {
		if (v->pdc_status) {
			judge_status(rep, n, op, "verification result", v->pdc_status);
			ok = 0;
		}
	} else {
		if (ok)
			trust_add(rep, FINDING_UNKNOWN, NLT_EPROTO,
			    "TC_VERIFY: %s returned no verification result (flags 0x%x, VERIFY_STATUS_RETURNED 0x80 not "
			    "set): pdc_connection_status %u is not the verification, so the channel is not known healthy",
			    n->t, v->flags, v->pdc_status);
		ok = 0;
	}
	if (ok && !v->trusted_dc[0]) {
		/* a secure channel is to a DC: "verified" with none named verified nothing (a DC asked about its
		 * own domain answers so, and has no channel to it) */
		trust_add(rep, FINDING_UNKNOWN, NLT_EPROTO,
		    "TC_VERIFY: %s reported success but named no DC: it has no secure channel to %s to verify (a DC asked "
		    "about its own domain answers so); give the domain it trusts",
		    n->t, n->d);
		ok = 0;
	}
	return ok;
}

/* TC_QUERY: can prove the channel broken, never healthy.  verify_broken: TC_VERIFY found it broken. */
static void judge_query(struct trust_report *rep, const struct names *n, const struct trust_remote_call *q,
			int verify_broken)
{
	char c[80];

	switch (q->state) {
	case RCALL_NOT_RUN:
		return;
	case RCALL_COULD_NOT_RUN:
		trust_add(rep, FINDING_NOTE, NLT_OK, "TC_QUERY on %s could not run: %s", n->t,
		    q->error[0] ? q->error : "no reason recorded");
		return;
	case RCALL_ANSWERED:
		break;
	}
	if (q->werror) {
		trust_add(rep, FINDING_NOTE, NLT_OK, "TC_QUERY: %s answered %s", n->t, code_str(q->werror, c, sizeof(c)));
		return;
	}
	if (!q->present) {
		trust_add(rep, FINDING_NOTE, NLT_OK, "TC_QUERY: %s answered success without NETLOGON_INFO_2", n->t);
		return;
	}
	if (q->tc_status) {
		judge_status(rep, n, "TC_QUERY", "tc_connection_status", q->tc_status);
		return;
	}
	if (q->pdc_status) {
		judge_status(rep, n, "TC_QUERY", "pdc_connection_status", q->pdc_status);
		return;
	}
	if (verify_broken)
		trust_add(rep, FINDING_NOTE, NLT_OK,
		    "TC_QUERY still reports the channel OK (DC %s): it shows the status of the channel's last use, not "
		    "whether the password still matches; TC_VERIFY decides",
		    q->trusted_dc[0] ? q->trusted_dc : "none named");
	else
		trust_add(rep, FINDING_NOTE, NLT_OK, "TC_QUERY: the channel's last use succeeded (DC %s)",
		    q->trusted_dc[0] ? q->trusted_dc : "none named");
}

static int first_of(const struct trust_report *rep, enum finding_kind kind)
{
	for (size_t i = 0; i < rep->nf; i++)
		if (rep->f[i].kind == kind)
			return (int)i;
	return -1;
}

void trust_remote_judge(const struct trust_remote_evidence *ev, struct trust_report *rep)
{
	struct names n;
	int verify_ok, i;

	memset(rep, 0, sizeof(*rep));
	rep->decisive = -1;
	n.t = ev->target[0] ? ev->target : "the target";
	n.d = ev->domain[0] ? ev->domain : "its domain";
	n.fix = ev->repair_cmd;

	if (ev->no_netlogon) {
		trust_add(rep, FINDING_UNKNOWN, NLT_EPROTO,
		    "cannot check %s remotely: it serves no \\PIPE\\netlogon%s%s (a Samba or Linux member has none); run "
		    "nltrust verify on it",
		    n.t, ev->no_netlogon_why[0] ? ": " : "", ev->no_netlogon_why);
	} else {
		verify_ok = judge_verify(rep, &n, &ev->verify);
		judge_query(rep, &n, &ev->query, first_of(rep, FINDING_BROKEN) >= 0);
		if (verify_ok && first_of(rep, FINDING_BROKEN) < 0 && first_of(rep, FINDING_UNKNOWN) < 0) {
			rep->verdict = TRUST_HEALTHY;
			rep->cat = NLT_OK;
			snprintf(rep->summary, sizeof(rep->summary),
				 "Healthy: %.100s verified its secure channel to %.100s (TC_VERIFY, DC %.100s).", n.t, n.d,
				 ev->verify.trusted_dc[0] ? ev->verify.trusted_dc : "not named");
			return;
		}
	}
	if ((i = first_of(rep, FINDING_BROKEN)) >= 0) {
		rep->verdict = TRUST_BROKEN;
		rep->cat = NLT_EPROBLEM;
		rep->decisive = i;
		snprintf(rep->summary, sizeof(rep->summary), "BROKEN: %.440s", rep->f[i].text);
		return;
	}
	if ((i = first_of(rep, FINDING_UNKNOWN)) < 0) {
		/* not healthy and nothing says why: a bug, never success */
		trust_add(rep, FINDING_UNKNOWN, NLT_EINTERNAL, "the evidence about %s decided nothing", n.t);
		i = (int)rep->nf - 1;
	}
	rep->verdict = TRUST_INCONCLUSIVE;
	rep->cat = trust_unknown_cat(rep->f[i].cat);
	rep->decisive = i;
	snprintf(rep->summary, sizeof(rep->summary), "INCONCLUSIVE: %.400s", rep->f[i].text);
}
