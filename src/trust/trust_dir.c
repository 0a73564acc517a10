/* src/trust/trust_dir.c - the directory's view beside a remote verdict (see trust_dir.h). Pure. */
#include "config.h"
#include "trust_dir.h"

#include <stdio.h>
#include <string.h>

static int first_of(const struct trust_report *rep, enum finding_kind kind)
{
	for (size_t i = 0; i < rep->nf; i++)
		if (rep->f[i].kind == kind)
			return (int)i;
	return -1;
}

void trust_dir_judge(const struct trust_dir_evidence *d, const char *target, struct trust_report *rep)
{
	int verified = rep->verdict == TRUST_HEALTHY, i;
	const char *t = target && *target ? target : "the target";
	const char *acct = d->account[0] ? d->account : "its account";
	const char *dom = d->domain[0] ? d->domain : "the directory";

	switch (d->state) {
	case TDIR_NOT_ASKED:
		return;
	case TDIR_COULD_NOT_RUN:
		trust_add(rep, FINDING_UNKNOWN, trust_unknown_cat(d->err_cat),
		    "the directory's view of %s (%s) could not be read: %s", t, acct,
		    d->error[0] ? d->error : "no reason recorded");
		break;
	case TDIR_READ:
		if (!d->found) {
			if (verified)
				trust_add(rep, FINDING_UNKNOWN, NLT_EPROBLEM,
				    "contradiction: %s verified its secure channel (TC_VERIFY), yet %s on %s has no computer "
				    "account %s (not replicated yet, another domain, or deleted after the channel was set up); "
				    "check the account on every DC (nltrust show-computer %s -S DC)",
				    t, dom, d->dc[0] ? d->dc : "its DC", acct, acct);
			else if (d->domain_confirmed)
				trust_add(rep, FINDING_BROKEN, NLT_EPROBLEM,
				    "the directory (%s, read on %s) has no computer account %s: it was deleted or renamed, and "
				    "the member cannot log on to the domain; join it again",
				    dom, d->dc[0] ? d->dc : "its DC", acct);
			else
				trust_add(rep, FINDING_UNKNOWN, NLT_EPROBLEM,
				    "%s has no computer account %s, but %s is not known to be %s's own domain (its NetBIOS "
				    "name did not match); give the target's domain with -d",
				    dom, acct, dom, t);
			break;
		}
		if (d->disabled)
			trust_add(rep, FINDING_BROKEN, NLT_EPROBLEM,
			    "the directory (%s) has %s disabled: the member cannot log on to the domain%s; enable it "
			    "(nltrust enable-computer %s)",
			    dom, acct,
			    verified ? " (TC_VERIFY still succeeded: a channel set up before the account was disabled, or "
				       "a DC the change has not reached)" : "",
			    acct);
		for (size_t k = 0; k < d->n_problems && k < TRUST_DIR_MAX_NOTES; k++)
			trust_add(rep, FINDING_NOTE, NLT_OK, "directory (%s): %s", acct, d->problems[k]);
		break;
	}
	/* decide again: broken > could-not-check > what the remote judge said */
	if ((i = first_of(rep, FINDING_BROKEN)) >= 0) {
		rep->verdict = TRUST_BROKEN;
		rep->cat = NLT_EPROBLEM;
		rep->decisive = i;
		snprintf(rep->summary, sizeof(rep->summary), "BROKEN: %.440s", rep->f[i].text);
	} else if ((i = first_of(rep, FINDING_UNKNOWN)) >= 0) {
		rep->verdict = TRUST_INCONCLUSIVE;
		rep->cat = trust_unknown_cat(rep->f[i].cat);
		rep->decisive = i;
		snprintf(rep->summary, sizeof(rep->summary), "INCONCLUSIVE: %.400s", rep->f[i].text);
	} else if (rep->verdict != TRUST_HEALTHY) {
		/* not healthy and nothing says why: never success */
		trust_add(rep, FINDING_UNKNOWN, NLT_EINTERNAL, "the evidence about %s decided nothing", t);
		rep->verdict = TRUST_INCONCLUSIVE;
		rep->cat = NLT_EINTERNAL;
		rep->decisive = (int)rep->nf - 1;
		snprintf(rep->summary, sizeof(rep->summary), "INCONCLUSIVE: %.400s", rep->f[rep->decisive].text);
	}
}
