/*
 * tests/unit/test_trust.c - the judge (src/trust/trust.c): a check that did not run, or could not
 * finish, is never "healthy"; each cause is named once; the exit category is the deciding
 * finding's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "trust.h"

/* Both checks ran and everything agrees. */
static void healthy_evidence(struct trust_evidence *ev)
{
	memset(ev, 0, sizeof(*ev));
	strcpy(ev->machine, "WS1$");
	strcpy(ev->realm, "LAB.TEST");
	strcpy(ev->dc, "dc1.lab.test");
	strcpy(ev->nl_dc, "dc1.lab.test");
	strcpy(ev->repair_admin, "nltrust reset-password --admin -U Administrator -m WS1");
	strcpy(ev->repair_machine, "nltrust reset-password -m WS1");
	ev->method = 3;
	ev->kt.n_kvnos = 1;
	ev->kt.kvno[0] = 2;
	ev->kt.enctypes[0] = 1u << 18 | 1u << 17 | 1u << 23;
	ev->krb_state = CHECK_RAN;
	ev->as.verdict = KRBV_OK;
	ev->tried_kvno = ev->good_kvno = 2;
	ev->dir_state = CHECK_RAN;
	ev->have_dir_kvno = ev->have_dir_uac = ev->have_dir_enctypes = 1;
	ev->dir_kvno = 2;
	ev->dir_uac = 0x1000;
	ev->dir_enctypes = 0x1c;
	ev->nl_state = CHECK_RAN;
	ev->nl.verdict = NLV_OK;
}

static size_t count_kind(const struct trust_report *rep, enum finding_kind k)
{
	size_t n = 0;
	for (size_t i = 0; i < rep->nf; i++)
		n += rep->f[i].kind == k;
	return n;
}

static void all_ok_is_healthy(void **state)
{
	struct trust_evidence ev;
	struct trust_report rep;
	(void)state;

	healthy_evidence(&ev);
	trust_judge(&ev, &rep);
	assert_int_equal(rep.verdict, TRUST_HEALTHY);
	assert_int_equal(rep.cat, NLT_OK);
	assert_int_equal(rep.decisive, -1);
	assert_non_null(strstr(rep.summary, "Healthy"));
}

/* Zeroed evidence (nothing ran) can never be healthy, whatever method was asked. */
static void nothing_ran_is_never_healthy(void **state)
{
	struct trust_evidence ev;
	struct trust_report rep;
	(void)state;

	for (int m = 0; m <= 3; m++) {
		memset(&ev, 0, sizeof(ev));
		ev.method = m;
		trust_judge(&ev, &rep);
		assert_int_not_equal(rep.verdict, TRUST_HEALTHY);
		assert_int_not_equal(rep.cat, NLT_OK);
	}
}

/* The 7656fd7 regression: a Netlogon result that was zeroed (the exchange could not finish)
 * must not read as "ok", nor overwrite a refusal. */
static void netlogon_without_a_verdict_is_not_ok(void **state)
{
	struct trust_evidence ev;
	struct trust_report rep;
	(void)state;

	healthy_evidence(&ev);
	memset(&ev.nl, 0, sizeof(ev.nl)); /* what open_channel leaves when it cannot finish */
	trust_judge(&ev, &rep);
	assert_int_equal(rep.verdict, TRUST_INCONCLUSIVE);
	assert_int_not_equal(rep.cat, NLT_OK);

	healthy_evidence(&ev);
	ev.nl_state = CHECK_COULD_NOT_RUN;
	ev.nl_err_cat = NLT_ENODC;
	strcpy(ev.nl_error, "endpoint mapper on dc1.lab.test (198.18.0.10:135): timeout");
	trust_judge(&ev, &rep);
	assert_int_equal(rep.verdict, TRUST_INCONCLUSIVE);
	assert_int_equal(rep.cat, NLT_ENODC);
	assert_non_null(strstr(rep.summary, "INCONCLUSIVE"));
	assert_non_null(strstr(rep.summary, ":135"));

	/* could-not-run without a category of its own is still a failure (exit 1) */
	ev.nl_err_cat = NLT_OK;
	trust_judge(&ev, &rep);
	assert_int_equal(rep.cat, NLT_EPROBLEM);

	healthy_evidence(&ev);
	ev.nl.verdict = NLV_BAD_PASSWORD;
	ev.nl.status = 0xc0000022;
	trust_judge(&ev, &rep);
	assert_int_equal(rep.verdict, TRUST_BROKEN);
	assert_int_equal(rep.cat, NLT_EPROBLEM);
	/* the repair command is printed whole */
	assert_non_null(strstr(rep.f[rep.decisive].text, "nltrust reset-password --admin -U Administrator -m WS1"));
}

/* A broken finding decides over a check that could not run. */
static void broken_beats_could_not_run(void **state)
{
	struct trust_evidence ev;
	struct trust_report rep;
	(void)state;

	healthy_evidence(&ev);
	ev.as.verdict = KRBV_BAD_PASSWORD;
	ev.good_kvno = 0;
	ev.dir_state = CHECK_NOT_RUN;
	ev.nl_state = CHECK_COULD_NOT_RUN;
	ev.nl_err_cat = NLT_ENODC;
	trust_judge(&ev, &rep);
	assert_int_equal(rep.verdict, TRUST_BROKEN);
	assert_int_equal(rep.cat, NLT_EPROBLEM);
	assert_int_equal(count_kind(&rep, FINDING_UNKNOWN), 1);
}

static void kerberos_ok_without_directory_is_inconclusive(void **state)
{
	struct trust_evidence ev;
	struct trust_report rep;
	(void)state;

	healthy_evidence(&ev);
	ev.method = 1;
	ev.dir_state = CHECK_COULD_NOT_RUN;
	ev.dir_err_cat = NLT_ENODC;
	strcpy(ev.dir_error, "LDAP connect to dc1.lab.test:389: timeout");
	trust_judge(&ev, &rep);
	assert_int_equal(rep.verdict, TRUST_INCONCLUSIVE);
	assert_int_equal(rep.cat, NLT_ENODC);
	assert_non_null(strstr(rep.f[rep.decisive].text, "directory could not be compared"));
}

/* Disabled: Kerberos says account_disabled, Netlogon NO_TRUST_SAM_ACCOUNT - one cause. */
static void disabled_is_one_cause(void **state)
{
	struct trust_evidence ev;
	struct trust_report rep;
	(void)state;

	healthy_evidence(&ev);
	ev.as.verdict = KRBV_DISABLED;
	ev.good_kvno = 0;
	ev.dir_state = CHECK_NOT_RUN;
	ev.nl.verdict = NLV_NO_ACCOUNT;
	ev.nl.status = 0xc000018b;
	trust_judge(&ev, &rep);
	assert_int_equal(rep.verdict, TRUST_BROKEN);
	assert_int_equal(count_kind(&rep, FINDING_BROKEN), 1);
	assert_non_null(strstr(rep.f[0].text, "disabled"));
	assert_non_null(strstr(rep.f[0].text, "Netlogon agrees"));
	assert_null(strstr(rep.f[0].text, "rejoin"));
}

/* A pending password the DC accepts: PENDING, and reset-password (as the machine) finishes it. */
static void interrupted_change_is_pending(void **state)
{
	struct trust_evidence ev;
	struct trust_report rep;
	(void)state;

	healthy_evidence(&ev);
	ev.as.verdict = KRBV_BAD_PASSWORD;
	ev.good_kvno = 0;
	ev.dir_state = CHECK_NOT_RUN;
	ev.nl.verdict = NLV_BAD_PASSWORD;
	ev.have_pending = 1;
	ev.pending_state = CHECK_RAN;
	ev.pending_verdict = KRBV_OK;
	trust_judge(&ev, &rep);
	assert_int_equal(rep.verdict, TRUST_PENDING);
	assert_int_equal(rep.cat, NLT_EPROBLEM);
	assert_int_equal(count_kind(&rep, FINDING_BROKEN), 0);
	assert_non_null(strstr(rep.summary, "nltrust reset-password -m WS1"));
	assert_null(strstr(rep.summary, "--admin"));
	/* the pending password refused too: broken, with the admin repair */
	ev.pending_verdict = KRBV_BAD_PASSWORD;
	trust_judge(&ev, &rep);
	assert_int_equal(rep.verdict, TRUST_BROKEN);
	assert_non_null(strstr(rep.f[rep.decisive].text, "--admin"));
}

/* An unknown principal on one DC is not "deleted" while another DC has it. */
static void replication_lag_is_not_deletion(void **state)
{
	struct trust_evidence ev;
	struct trust_report rep;
	(void)state;

	healthy_evidence(&ev);
	ev.as.verdict = KRBV_UNKNOWN_CLIENT;
	ev.good_kvno = 0;
	ev.dir_state = CHECK_NOT_RUN;
	ev.nl.verdict = NLV_NO_ACCOUNT;
	ev.other_state = CHECK_RAN;
	ev.other_verdict = KRBV_OK;
	strcpy(ev.other_dc, "dcb.lab.test");
	trust_judge(&ev, &rep);
	assert_int_equal(rep.verdict, TRUST_BROKEN);
	assert_int_equal(count_kind(&rep, FINDING_BROKEN), 1);
	assert_non_null(strstr(rep.f[0].text, "replication"));
	assert_non_null(strstr(rep.f[0].text, "dcb.lab.test"));
	assert_null(strstr(rep.f[0].text, "deleted"));
	/* the account replicated without its keys yet: also lag */
	ev.as.verdict = KRBV_NO_KEY;
	trust_judge(&ev, &rep);
	assert_non_null(strstr(rep.f[0].text, "replication"));
	ev.as.verdict = KRBV_UNKNOWN_CLIENT;
	ev.other_verdict = KRBV_UNKNOWN_CLIENT;
	trust_judge(&ev, &rep);
	assert_non_null(strstr(rep.f[0].text, "deleted"));
	ev.other_state = CHECK_NOT_RUN;
	trust_judge(&ev, &rep);
	assert_non_null(strstr(rep.f[0].text, "before rejoining"));
}

static void keytab_and_journal_disagree(void **state)
{
	struct trust_evidence ev;
	struct trust_report rep;
	(void)state;

	healthy_evidence(&ev);
	ev.journal_read = ev.have_current = 1;
	ev.local_match = LOCAL_DIFFER;
	ev.local_kvno = 2;
	ev.nl.verdict = NLV_BAD_PASSWORD;
	trust_judge(&ev, &rep);
	assert_int_equal(rep.verdict, TRUST_BROKEN);
	int found = 0;
	for (size_t i = 0; i < rep.nf; i++)
		found |= strstr(rep.f[i].text, "secrets disagree") != NULL;
	assert_true(found);
	/* and on its own (both checks fine) it is still a problem */
	healthy_evidence(&ev);
	ev.local_match = LOCAL_DIFFER;
	trust_judge(&ev, &rep);
	assert_int_equal(rep.verdict, TRUST_BROKEN);
}

static void no_aes_is_not_a_password_problem(void **state)
{
	struct trust_evidence ev;
	struct trust_report rep;
	(void)state;

	healthy_evidence(&ev);
	ev.nl.verdict = NLV_NO_AES;
	ev.nl.flags = 0x00004000;
	trust_judge(&ev, &rep);
	assert_int_equal(rep.verdict, TRUST_BROKEN);
	assert_non_null(strstr(rep.f[rep.decisive].text, "no AES"));
	assert_null(strstr(rep.f[rep.decisive].text, "refuses"));
}

/* Netlogon alone without a secret: inconclusive with the local-configuration category. */
static void netlogon_alone_without_secret(void **state)
{
	struct trust_evidence ev;
	struct trust_report rep;
	(void)state;

	healthy_evidence(&ev);
	ev.method = 2;
	ev.krb_state = CHECK_NOT_RUN;
	ev.nl_state = CHECK_SKIPPED;
	ev.nl_err_cat = NLT_ECONFIG;
	strcpy(ev.nl_error, "no NT hash");
	trust_judge(&ev, &rep);
	assert_int_equal(rep.verdict, TRUST_INCONCLUSIVE);
	assert_int_equal(rep.cat, NLT_ECONFIG);
	/* beside Kerberos the same skip is a note */
	ev.method = 3;
	ev.krb_state = CHECK_RAN;
	trust_judge(&ev, &rep);
	assert_int_equal(rep.verdict, TRUST_HEALTHY);
	assert_int_equal(count_kind(&rep, FINDING_NOTE), 1);
}

/* Kerberos refused for clock skew: broken, and the text says which side is ahead (skew_s = KDC - us) */
static void skew_names_the_side_that_is_ahead(void **state)
{
	struct trust_evidence ev;
	struct trust_report rep;
	(void)state;

	healthy_evidence(&ev);
	ev.as.verdict = KRBV_SKEW;
	ev.as.have_skew = 1;
	ev.as.skew_s = -1200;
	ev.dir_state = CHECK_NOT_RUN;
	trust_judge(&ev, &rep);
	assert_int_equal(rep.verdict, TRUST_BROKEN);
	assert_true(rep.decisive >= 0);
	assert_non_null(strstr(rep.f[rep.decisive].text, "this host's clock is 1200 s ahead of dc1.lab.test's"));
	ev.as.skew_s = 900;
	trust_judge(&ev, &rep);
	assert_non_null(strstr(rep.f[rep.decisive].text, "this host's clock is 900 s behind dc1.lab.test's"));
	assert_null(strstr(rep.f[rep.decisive].text, "password"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(all_ok_is_healthy),
		cmocka_unit_test(nothing_ran_is_never_healthy),
		cmocka_unit_test(netlogon_without_a_verdict_is_not_ok),
		cmocka_unit_test(broken_beats_could_not_run),
		cmocka_unit_test(kerberos_ok_without_directory_is_inconclusive),
		cmocka_unit_test(disabled_is_one_cause),
		cmocka_unit_test(interrupted_change_is_pending),
		cmocka_unit_test(replication_lag_is_not_deletion),
		cmocka_unit_test(keytab_and_journal_disagree),
		cmocka_unit_test(no_aes_is_not_a_password_problem),
		cmocka_unit_test(netlogon_alone_without_secret),
		cmocka_unit_test(skew_names_the_side_that_is_ahead),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
