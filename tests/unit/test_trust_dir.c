/*
 * tests/unit/test_trust_dir.c - the directory's view beside verify --target's remote verdict
 * (src/trust/trust_dir.c): it never makes a verdict healthy; a disabled account is broken; a missing
 * account is broken in the target's own domain, a contradiction (inconclusive, both facts) beside a
 * TC_VERIFY success, and could-not-check in an unconfirmed domain; a directory that could not be read
 * keeps a healthy remote verdict from standing; other problems are notes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "trust_dir.h"
#include "trust_remote.h"

static void remote(struct trust_remote_evidence *ev, int kind)
{
	memset(ev, 0, sizeof(*ev));
	strcpy(ev->target, "dc1.lab.test");
	strcpy(ev->domain, "other.test");
	if (kind == 2) { /* no \PIPE\netlogon: cannot check remotely */
		ev->no_netlogon = 1;
		return;
	}
	ev->query.state = ev->verify.state = RCALL_ANSWERED;
	ev->query.present = ev->verify.present = 1;
	ev->query.flags = 0x30;
	ev->verify.flags = 0xb0;
	strcpy(ev->query.trusted_dc, "\\\\dc2.other.test");
	strcpy(ev->verify.trusted_dc, "\\\\dc2.other.test");
	if (kind == 1) /* broken */
		ev->verify.pdc_status = W32_WRONG_PASSWORD;
}

static void dirv(struct trust_dir_evidence *d, enum tdir_state st, int found, int disabled)
{
	memset(d, 0, sizeof(*d));
	d->state = st;
	strcpy(d->account, "DC1$");
	strcpy(d->domain, "LAB.TEST");
	strcpy(d->dc, "dc1.lab.test");
	d->domain_confirmed = 1;
	d->found = found;
	d->disabled = disabled;
}

static int has(const struct trust_report *r, enum finding_kind kind, const char *text)
{
	for (size_t i = 0; i < r->nf; i++)
		if (r->f[i].kind == kind && strstr(r->f[i].text, text))
			return 1;
	return 0;
}

static void judge(int rkind, const struct trust_dir_evidence *d, struct trust_report *r)
{
	struct trust_remote_evidence ev;

	remote(&ev, rkind);
	trust_remote_judge(&ev, r);
	trust_dir_judge(d, ev.target, r);
	printf("# %s cat %d: %s\n", trust_verdict_str(r->verdict), r->cat, r->summary);
}

static void test_not_asked_changes_nothing(void **state)
{
	struct trust_dir_evidence d;
	struct trust_report r;

	(void)state;
	memset(&d, 0, sizeof(d));
	judge(0, &d, &r);
	assert_int_equal(r.verdict, TRUST_HEALTHY);
	assert_int_equal(r.cat, NLT_OK);
	judge(1, &d, &r);
	assert_int_equal(r.verdict, TRUST_BROKEN);
}

static void test_healthy_object(void **state)
{
	struct trust_dir_evidence d;
	struct trust_report r;

	(void)state;
	dirv(&d, TDIR_READ, 1, 0);
	d.n_problems = 1;
	strcpy(d.problems[0], "no AES in msDS-SupportedEncryptionTypes");
	judge(0, &d, &r);
	assert_int_equal(r.verdict, TRUST_HEALTHY);
	assert_int_equal(r.cat, NLT_OK);
	assert_true(has(&r, FINDING_NOTE, "directory (DC1$): no AES"));
	/* a broken remote verdict stays broken, an inconclusive one inconclusive */
	judge(1, &d, &r);
	assert_int_equal(r.verdict, TRUST_BROKEN);
	assert_true(has(&r, FINDING_BROKEN, "1323"));
	judge(2, &d, &r);
	assert_int_equal(r.verdict, TRUST_INCONCLUSIVE);
	assert_int_equal(r.cat, NLT_EPROTO);
}

static void test_disabled(void **state)
{
	struct trust_dir_evidence d;
	struct trust_report r;

	(void)state;
	dirv(&d, TDIR_READ, 1, 1);
	for (int k = 0; k < 3; k++) {
		judge(k, &d, &r);
		assert_int_equal(r.verdict, TRUST_BROKEN);
		assert_int_equal(r.cat, NLT_EPROBLEM);
		assert_true(has(&r, FINDING_BROKEN, "has DC1$ disabled"));
	}
	judge(0, &d, &r);
	assert_true(has(&r, FINDING_BROKEN, "TC_VERIFY still succeeded"));
	assert_non_null(strstr(r.summary, "disabled"));
}

static void test_missing(void **state)
{
	struct trust_dir_evidence d;
	struct trust_report r;

	(void)state;
	dirv(&d, TDIR_READ, 0, 0);
	/* beside a TC_VERIFY success: a contradiction, inconclusive, with both facts */
	judge(0, &d, &r);
	assert_int_equal(r.verdict, TRUST_INCONCLUSIVE);
	assert_int_not_equal(r.cat, NLT_OK);
	assert_true(has(&r, FINDING_UNKNOWN, "contradiction"));
	assert_true(has(&r, FINDING_UNKNOWN, "verified its secure channel"));
	assert_true(has(&r, FINDING_UNKNOWN, "has no computer account DC1$"));
	/* without a remote verification, in the target's own domain: broken */
	judge(2, &d, &r);
	assert_int_equal(r.verdict, TRUST_BROKEN);
	assert_true(has(&r, FINDING_BROKEN, "no computer account DC1$"));
	/* in a domain not known to be the target's: could not check */
	d.domain_confirmed = 0;
	judge(2, &d, &r);
	assert_int_equal(r.verdict, TRUST_INCONCLUSIVE);
	assert_true(has(&r, FINDING_UNKNOWN, "not known to be"));
	/* a broken remote verdict stays broken */
	judge(1, &d, &r);
	assert_int_equal(r.verdict, TRUST_BROKEN);
}

static void test_could_not_read(void **state)
{
	struct trust_dir_evidence d;
	struct trust_report r;

	(void)state;
	dirv(&d, TDIR_COULD_NOT_RUN, 0, 0);
	strcpy(d.error, "Kerberos login as Administrator@LAB.TEST at dc1.lab.test failed: wrong password");
	d.err_cat = NLT_EAUTH;
	judge(0, &d, &r);
	assert_int_equal(r.verdict, TRUST_INCONCLUSIVE);
	assert_int_equal(r.cat, NLT_EAUTH);
	assert_true(has(&r, FINDING_UNKNOWN, "could not be read: Kerberos login"));
	/* no category of its own: a problem, never success */
	d.err_cat = NLT_OK;
	judge(0, &d, &r);
	assert_int_equal(r.verdict, TRUST_INCONCLUSIVE);
	assert_int_equal(r.cat, NLT_EPROBLEM);
	judge(1, &d, &r);
	assert_int_equal(r.verdict, TRUST_BROKEN);
}

/* every combination: healthy only when the remote was healthy and the directory not asked, or read
 * with the object present and enabled */
static void test_exhaustive(void **state)
{
	struct trust_dir_evidence d;
	struct trust_report r;

	(void)state;
	for (int k = 0; k < 3; k++)
		for (int st = 0; st < 3; st++)
			for (int f = 0; f < 2; f++)
				for (int dis = 0; dis < 2; dis++)
					for (int conf = 0; conf < 2; conf++) {
						dirv(&d, (enum tdir_state)st, f, dis);
						d.domain_confirmed = conf;
						judge(k, &d, &r);
						int want = k == 0 && (st == TDIR_NOT_ASKED || (st == TDIR_READ && f && !dis));
						assert_int_equal(r.verdict == TRUST_HEALTHY, want);
						assert_int_equal(r.cat == NLT_OK, want);
						assert_int_not_equal(r.verdict, TRUST_UNJUDGED);
						if (!want)
							assert_true(r.decisive >= 0 && (size_t)r.decisive < r.nf);
					}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_not_asked_changes_nothing),
		cmocka_unit_test(test_healthy_object),
		cmocka_unit_test(test_disabled),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_could_not_read),
		cmocka_unit_test(test_exhaustive),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
