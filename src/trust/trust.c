/*
 * src/trust/trust.c - the judge of a machine trust (src/trust/trust.h).  Pure: evidence
 * in, findings and one verdict out; no I/O, clock or allocation.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "trust.h"

/* userAccountControl bits (MS-ADTS 2.2.16) */
#define UF_ACCOUNTDISABLE 0x0002u
#define UF_WORKSTATION_TRUST_ACCOUNT 0x1000u
#define UF_SERVER_TRUST_ACCOUNT 0x2000u
#define UF_USE_DES_KEY_ONLY 0x200000u

const char *check_state_str(enum check_state s)
{
	switch (s) {
	case CHECK_NOT_RUN: return "not_run";
	case CHECK_SKIPPED: return "skipped";
	case CHECK_COULD_NOT_RUN: return "could_not_run";
	case CHECK_RAN: return "ran";
	}
	return "not_run";
}

const char *trust_verdict_str(enum trust_verdict v)
{
	switch (v) {
	case TRUST_UNJUDGED: return "unjudged";
	case TRUST_HEALTHY: return "healthy";
	case TRUST_BROKEN: return "broken";
	case TRUST_PENDING: return "pending_change";
	case TRUST_INCONCLUSIVE: return "inconclusive";
	}
	return "unjudged";
}

void trust_add(struct trust_report *rep, enum finding_kind kind, enum nlt_cat cat, const char *fmt, ...)
{
	va_list ap;
	struct trust_finding *f;

	if (rep->nf >= TRUST_MAX_FINDINGS) {
		/* never lose a verdict-deciding finding to the limit: the last slot takes it */
		if (kind == FINDING_NOTE)
			return;
		rep->nf = TRUST_MAX_FINDINGS - 1;
	}
	f = &rep->f[rep->nf++];
	f->kind = kind;
	f->cat = kind == FINDING_NOTE ? NLT_OK : cat;
	va_start(ap, fmt);
	vsnprintf(f->text, sizeof(f->text), fmt, ap);
	va_end(ap);
}

enum nlt_cat trust_unknown_cat(enum nlt_cat c)
{
	/* "could not run" without a category of its own is a problem found (exit 1), never success */
	return c == NLT_OK ? NLT_EPROBLEM : c;
}

static int dir_disabled(const struct trust_evidence *ev)
{
	return ev->dir_state == CHECK_RAN && ev->have_dir_uac && ((uint32_t)ev->dir_uac & UF_ACCOUNTDISABLE);
}

static void judge_kerberos(const struct trust_evidence *ev, struct trust_report *rep)
{
	const char *dc = ev->dc[0] ? ev->dc : "the DC";
	const char *m = ev->machine;

	switch (ev->krb_state) {
	case CHECK_NOT_RUN:
	case CHECK_SKIPPED:
		trust_add(rep, FINDING_UNKNOWN, NLT_EINTERNAL, "the Kerberos check of %.40s was not run", m);
		return;
	case CHECK_COULD_NOT_RUN:
		trust_add(rep, FINDING_UNKNOWN, trust_unknown_cat(ev->krb_err_cat), "the Kerberos check on %.100s could not run: %.300s",
		    dc, ev->krb_error[0] ? ev->krb_error : "no reason recorded");
		return;
	case CHECK_RAN:
		break;
	}
	switch (ev->as.verdict) {
	case KRBV_OK:
		break;
	case KRBV_NOT_RUN:
		trust_add(rep, FINDING_UNKNOWN, NLT_EINTERNAL, "the Kerberos check on %.100s produced no verdict", dc);
		return;
	case KRBV_BAD_PASSWORD:
		if (ev->pending_state == CHECK_RAN && ev->pending_verdict == KRBV_OK) {
			trust_add(rep, FINDING_PENDING, NLT_EPROBLEM,
			    "an interrupted password change is pending: %.100s already holds the journal's pending password "
			    "of %.40s, this host's keytab does not yet; it finishes without an administrator: %.300s",
			    dc, m, ev->repair_machine);
			return;
		}
		trust_add(rep, FINDING_BROKEN, NLT_EPROBLEM, "%.100s holds a different password for %.40s than this host%s: the "
			"trust is broken (repair: %.300s)", dc, m, ev->password_mode ? "'s password file" : "'s keytab",
		    ev->repair_admin);
		if (ev->good_kvno)
			trust_add(rep, FINDING_BROKEN, NLT_EPROBLEM, "the keytab's older key (kvno %u) still works: a password change "
				"reached this host but not %.100s (or the account was restored)", ev->good_kvno, dc);
		return;
	case KRBV_DISABLED:
		trust_add(rep, FINDING_BROKEN, NLT_EPROBLEM, "%.40s is disabled, locked out or expired in the directory (%.100s)%s",
		    m, dc, ev->nl_state == CHECK_RAN && (ev->nl.verdict == NLV_NO_ACCOUNT || ev->nl.verdict == NLV_DISABLED)
				   ? "; Netlogon agrees (a DC answers NO_TRUST_SAM_ACCOUNT for a disabled account)" : "");
		return;
	case KRBV_UNKNOWN_CLIENT:
		if (ev->other_state == CHECK_RAN && ev->other_verdict != KRBV_UNKNOWN_CLIENT)
			trust_add(rep, FINDING_BROKEN, NLT_EPROBLEM, "%.100s does not have %.40s (yet), but %.100s does: replication "
				"has not reached %.100s; do not rejoin - wait, or use -S %.100s", dc, m, ev->other_dc, dc,
			    ev->other_dc);
		else if (ev->other_state == CHECK_RAN)
			trust_add(rep, FINDING_BROKEN, NLT_EPROBLEM, "%.40s exists neither on %.100s nor on %.100s: the computer account "
				"was deleted or renamed (rejoin: %.300s)", m, dc, ev->other_dc, ev->repair_join);
		else
			trust_add(rep, FINDING_BROKEN, NLT_EPROBLEM, "%.100s does not know %.40s, and no other DC could be asked: the "
				"account was deleted or renamed, or has not replicated to %.100s yet; check another DC (-S) "
				"before rejoining", dc, m, dc);
		return;
	case KRBV_SKEW:
		if (ev->as.have_skew)
			/* skew_s is the KDC's time minus ours: negative when this host is ahead */
			trust_add(rep, FINDING_BROKEN, NLT_EPROBLEM, "this host's clock is %lld s %s %.100s's (more than the 5 "
				"minutes Kerberos allows): fix the time", (long long)llabs(ev->as.skew_s),
				ev->as.skew_s < 0 ? "ahead of" : "behind", dc);
		else
			trust_add(rep, FINDING_BROKEN, NLT_EPROBLEM, "this host's clock is more than 5 minutes off %.100s's: Kerberos "
				"refuses it (fix the time)", dc);
		return;
	case KRBV_NO_KEY:
		if (ev->other_state == CHECK_RAN && ev->other_verdict == KRBV_OK)
			trust_add(rep, FINDING_BROKEN, NLT_EPROBLEM, "%.100s has no key for %.40s that this host holds, but %.100s "
				"accepts it: replication has not reached %.100s yet; do not rejoin - wait, or use -S %.100s", dc,
			    m, ev->other_dc, dc, ev->other_dc);
		else
			trust_add(rep, FINDING_BROKEN, NLT_EPROBLEM, "no key of the keytab is of an encryption type %.100s accepts "
				"for %.40s", dc, m);
		return;
	case KRBV_UNREACHABLE:
		trust_add(rep, FINDING_UNKNOWN, NLT_ENODC, "the KDC on %.100s did not answer: the Kerberos check could not run", dc);
		return;
	case KRBV_OTHER:
		trust_add(rep, FINDING_UNKNOWN, NLT_EPROTO, "the Kerberos AS exchange with %.100s failed: %.200s", dc,
		    ev->as.message);
		return;
	}

	/* the key works: skew, kvno, and the directory's view */
	if (ev->as.have_skew && (ev->as.skew_s > TRUST_SKEW_LIMIT_S || ev->as.skew_s < -TRUST_SKEW_LIMIT_S))
		trust_add(rep, FINDING_BROKEN, NLT_EPROBLEM, "clock skew of %lld s against %.100s", (long long)ev->as.skew_s, dc);
	if (!ev->password_mode && ev->kt.n_kvnos && ev->good_kvno != ev->kt.kvno[0])
		trust_add(rep, FINDING_BROKEN, NLT_EPROBLEM, "the keytab's newest key (kvno %u) is not the one %.100s accepts "
			"(kvno %u): rewrite the keytab", ev->kt.kvno[0], dc, ev->good_kvno);
	if (ev->dir_state != CHECK_RAN) {
		/* Kerberos success alone is not "healthy": without the directory's view the keytab's kvno and
		 * enctypes are unchecked */
		trust_add(rep, FINDING_UNKNOWN, trust_unknown_cat(ev->dir_err_cat), "the directory could not be compared with the "
			"keytab: %.300s", ev->dir_error[0] ? ev->dir_error : "it was not read");
		return;
	}
	if (ev->have_dir_uac) {
		uint32_t uac = (uint32_t)ev->dir_uac;
		if (uac & UF_ACCOUNTDISABLE)
			trust_add(rep, FINDING_BROKEN, NLT_EPROBLEM, "%.40s is disabled in the directory", m);
		if (!(uac & (UF_WORKSTATION_TRUST_ACCOUNT | UF_SERVER_TRUST_ACCOUNT)))
			trust_add(rep, FINDING_BROKEN, NLT_EPROBLEM, "%.40s is not a workstation or server trust account "
				"(userAccountControl 0x%x)", m, uac);
		if (uac & UF_USE_DES_KEY_ONLY)
			trust_add(rep, FINDING_BROKEN, NLT_EPROBLEM, "%.40s is marked DES-only (USE_DES_KEY_ONLY)", m);
	}
	if (!ev->password_mode && ev->have_dir_kvno && (int64_t)ev->good_kvno != ev->dir_kvno)
		trust_add(rep, FINDING_BROKEN, NLT_EPROBLEM, "the keytab key that worked has kvno %u but the directory says "
			"msDS-KeyVersionNumber %lld: another DC may hold a newer password (replication) or the keytab is "
			"stale", ev->good_kvno, (long long)ev->dir_kvno);
	if (!ev->password_mode && ev->have_dir_enctypes) {
		uint32_t want = (uint32_t)ev->dir_enctypes, have = ev->kt.enctypes[0];
		int aes_dir = (want & 0x18) != 0, aes_kt = (have & ((1u << 17) | (1u << 18))) != 0;
		if (aes_dir && !aes_kt)
			trust_add(rep, FINDING_BROKEN, NLT_EPROBLEM, "the account supports AES but the keytab has no AES key for "
				"kvno %u", ev->good_kvno);
	}
	if (!ev->have_dir_enctypes || !((uint32_t)ev->dir_enctypes & 0x18))
		trust_add(rep, FINDING_NOTE, NLT_OK, "msDS-SupportedEncryptionTypes does not include AES: service tickets for "
			"this host use RC4");
}

static void judge_netlogon(const struct trust_evidence *ev, struct trust_report *rep)
{
	const char *dc = ev->nl_dc[0] ? ev->nl_dc : ev->dc[0] ? ev->dc : "the DC";
	const char *m = ev->machine;
	int krb_ran = (ev->method & 1) && ev->krb_state == CHECK_RAN;
	int krb_disabled = krb_ran && ev->as.verdict == KRBV_DISABLED;
	int krb_unknown = krb_ran && ev->as.verdict == KRBV_UNKNOWN_CLIENT;
	int krb_pending = krb_ran && ev->as.verdict == KRBV_BAD_PASSWORD && ev->pending_state == CHECK_RAN &&
			  ev->pending_verdict == KRBV_OK;

	switch (ev->nl_state) {
	case CHECK_NOT_RUN:
		trust_add(rep, FINDING_UNKNOWN, NLT_EINTERNAL, "the Netlogon check of %.40s was not run", m);
		return;
	case CHECK_SKIPPED:
		/* beside a Kerberos check a skipped Netlogon check is a note; when it is all we do, it decides */
		if (ev->method & 1)
			trust_add(rep, FINDING_NOTE, NLT_OK, "Netlogon check on %.100s skipped: %.300s", dc, ev->nl_error);
		else
			trust_add(rep, FINDING_UNKNOWN, trust_unknown_cat(ev->nl_err_cat), "the Netlogon check on %.100s could not run: "
				"%.300s", dc, ev->nl_error);
		return;
	case CHECK_COULD_NOT_RUN:
		trust_add(rep, FINDING_UNKNOWN, trust_unknown_cat(ev->nl_err_cat), "the Netlogon check on %.100s could not run: %.300s", dc,
		    ev->nl_error[0] ? ev->nl_error : "no reason recorded");
		return;
	case CHECK_RAN:
		break;
	}
	switch (ev->nl.verdict) {
	case NLV_OK:
		return;
	case NLV_NOT_RUN:
		trust_add(rep, FINDING_UNKNOWN, NLT_EINTERNAL, "the Netlogon check on %.100s produced no verdict", dc);
		return;
	case NLV_BAD_PASSWORD:
		if (krb_pending) {
			trust_add(rep, FINDING_NOTE, NLT_OK, "Netlogon: %.100s refuses the secret this host holds now (0x%08x), as "
				"expected while the change is pending", dc, ev->nl.status);
			return;
		}
		trust_add(rep, FINDING_BROKEN, NLT_EPROBLEM, "Netlogon: %.100s refuses %.40s's secret (%.60s; "
			"NetrServerAuthenticate3 0x%08x): the secure channel is broken (repair: %.300s)", dc, m,
		    ev->nl_secret_what[0] ? ev->nl_secret_what : "the NT hash", ev->nl.status, ev->repair_admin);
		if (ev->nl_prev_ok)
			trust_add(rep, FINDING_BROKEN, NLT_EPROBLEM, "Netlogon: %.100s still holds the previous password (%.60s works): "
				"a change reached this host but not that DC", dc, ev->nl_prev_what);
		return;
	case NLV_NO_ACCOUNT:
	case NLV_DISABLED:
		/* one cause with Kerberos: a DC answers NO_TRUST_SAM_ACCOUNT for a disabled account too */
		if (krb_disabled || krb_unknown)
			return;
		if (dir_disabled(ev)) {
			trust_add(rep, FINDING_NOTE, NLT_OK, "Netlogon: %.100s answers 0x%08x, which is what a disabled account gets",
			    dc, ev->nl.status);
			return;
		}
		if (ev->nl.verdict == NLV_DISABLED)
			trust_add(rep, FINDING_BROKEN, NLT_EPROBLEM, "Netlogon: %.40s is disabled on %.100s (0x%08x)", m, dc,
			    ev->nl.status);
		else
			trust_add(rep, FINDING_BROKEN, NLT_EPROBLEM, "Netlogon: %.100s has no usable trust account %.40s (0x%08x: "
				"missing, disabled or not a workstation account)", dc, m, ev->nl.status);
		return;
	case NLV_NO_AES:
		trust_add(rep, FINDING_BROKEN, NLT_EPROBLEM, "Netlogon: %.100s would not negotiate AES and secure RPC (flags "
			"0x%08x): no AES / no secure RPC, not a password problem", dc, ev->nl.flags);
		return;
	case NLV_DOWNGRADE:
		trust_add(rep, FINDING_BROKEN, NLT_EPROBLEM, "Netlogon: the sealed capabilities (0x%08x) differ from the negotiated "
			"flags (0x%08x): a downgrade", ev->nl.caps, ev->nl.flags);
		return;
	case NLV_OTHER:
		trust_add(rep, FINDING_BROKEN, NLT_EPROBLEM, "Netlogon: NetrServerAuthenticate3 on %.100s failed with 0x%08x", dc,
		    ev->nl.status);
		return;
	}
}

static void judge_local(const struct trust_evidence *ev, struct trust_report *rep)
{
	if (ev->local_match == LOCAL_DIFFER)
		trust_add(rep, FINDING_BROKEN, NLT_EPROBLEM, "this host's secrets disagree: the journal's current password does not "
			"give the keytab's key of kvno %u (a local inconsistency: a change that updated one but not the "
			"other, or a keytab or journal copied from elsewhere)", ev->local_kvno);
}

void trust_judge(const struct trust_evidence *ev, struct trust_report *rep)
{
	static const enum finding_kind order[] = { FINDING_BROKEN, FINDING_PENDING, FINDING_UNKNOWN };
	static const enum trust_verdict verdict_of[] = { TRUST_BROKEN, TRUST_PENDING, TRUST_INCONCLUSIVE };

	memset(rep, 0, sizeof(*rep));
	rep->decisive = -1;
	if (!(ev->method & 3)) {
		trust_add(rep, FINDING_UNKNOWN, NLT_EINTERNAL, "no check was asked for");
	} else {
		/* Kerberos findings first (they name the cause best), then Netlogon's, then the local ones */
		if (ev->method & 1)
			judge_kerberos(ev, rep);
		if (ev->method & 2)
			judge_netlogon(ev, rep);
		judge_local(ev, rep);
	}
	/* broken beats pending beats inconclusive; healthy only when nothing else was found */
	for (size_t k = 0; k < sizeof(order) / sizeof(order[0]) && rep->decisive < 0; k++)
		for (size_t i = 0; i < rep->nf; i++)
			if (rep->f[i].kind == order[k]) {
				rep->decisive = (int)i;
				rep->verdict = verdict_of[k];
				rep->cat = trust_unknown_cat(rep->f[i].cat);
				break;
			}
	if (rep->decisive < 0) {
		rep->verdict = TRUST_HEALTHY;
		rep->cat = NLT_OK;
		if ((ev->method & 3) == 3 && ev->nl_dc[0] && ev->dc[0] && strcasecmp(ev->nl_dc, ev->dc) != 0)
			snprintf(rep->summary, sizeof(rep->summary), "Healthy: %.100s accepts %.40s's Kerberos key and "
				 "%.100s its Netlogon secret.", ev->dc, ev->machine, ev->nl_dc);
		else
			snprintf(rep->summary, sizeof(rep->summary), "Healthy: %.100s accepts %.40s's machine credentials%s.",
				 ev->dc[0] ? ev->dc : ev->nl_dc, ev->machine,
				 (ev->method & 3) == 3 ? " (Kerberos and Netlogon)"
				 : (ev->method & 1)   ? " (Kerberos)" : " (Netlogon)");
		return;
	}
	switch (rep->verdict) {
	case TRUST_BROKEN:
		snprintf(rep->summary, sizeof(rep->summary), "BROKEN: see the findings above.");
		break;
	case TRUST_PENDING:
		snprintf(rep->summary, sizeof(rep->summary), "PENDING: an interrupted password change is pending; "
			 "%.300s finishes it.", ev->repair_machine);
		break;
	default:
		snprintf(rep->summary, sizeof(rep->summary), "INCONCLUSIVE: %.400s", rep->f[rep->decisive].text);
		break;
	}
}
