/*
 * tests/unit/test_trust_remote.c - the remote judge (src/trust/trust_remote.c): TC_QUERY never makes
 * a channel healthy; TC_VERIFY does only with VERIFY_STATUS_RETURNED (0x80) and both statuses 0;
 * access denied is named with exit 5; each Win32 code is named; a zeroed record is never healthy.
 * The healthy and broken values are what Samba 4.17's dc1 answered about its forest trust to
 * OTHER.TEST in the lab (tests/integration/scenarios/90-forest.sh).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "trust_remote.h"

static void answered(struct trust_remote_call *c, uint32_t flags, uint32_t pdc, uint32_t tc)
{
	memset(c, 0, sizeof(*c));
	c->state = RCALL_ANSWERED;
	c->present = 1;
	c->flags = flags;
	c->pdc_status = pdc;
	c->tc_status = tc;
	strcpy(c->trusted_dc, "\\\\dc2.other.test");
}

/* dc1 about OTHER.TEST, healthy: TC_QUERY flags 0x30, TC_VERIFY 0xb0, all statuses 0 */
static void healthy(struct trust_remote_evidence *ev)
{
	memset(ev, 0, sizeof(*ev));
	strcpy(ev->target, "dc1.lab.test");
	strcpy(ev->domain, "other.test");
	strcpy(ev->repair_cmd, "lab.sh forest2 heal");
	answered(&ev->query, 0x30, 0, 0);
	answered(&ev->verify, 0xb0, 0, 0);
}

static int has(const struct trust_report *r, enum finding_kind kind, const char *text)
{
	for (size_t i = 0; i < r->nf; i++)
		if (r->f[i].kind == kind && strstr(r->f[i].text, text))
			return 1;
	return 0;
}

static void dump(const struct trust_report *r)
{
	printf("# verdict %s cat %d: %s\n", trust_verdict_str(r->verdict), r->cat, r->summary);
	for (size_t i = 0; i < r->nf; i++)
		printf("#   [%d/%d] %s\n", r->f[i].kind, r->f[i].cat, r->f[i].text);
}

static void test_healthy(void **state)
{
	struct trust_remote_evidence ev;
	struct trust_report r;

	(void)state;
	healthy(&ev);
	trust_remote_judge(&ev, &r);
	assert_int_equal(r.verdict, TRUST_HEALTHY);
	assert_int_equal(r.cat, NLT_OK);
	assert_non_null(strstr(r.summary, "dc2.other.test"));
	/* TC_QUERY may be missing or fail: TC_VERIFY alone decides healthy */
	ev.query.state = RCALL_COULD_NOT_RUN;
	strcpy(ev.query.error, "TC_QUERY on dc1: timed out");
	trust_remote_judge(&ev, &r);
	assert_int_equal(r.verdict, TRUST_HEALTHY);
	assert_true(has(&r, FINDING_NOTE, "timed out"));
}

/* the lab's break: TC_QUERY still OK, TC_VERIFY 0xb0 with pdc_connection_status 1323 */
static void test_query_ok_verify_wrong_password(void **state)
{
	struct trust_remote_evidence ev;
	struct trust_report r;

	(void)state;
	healthy(&ev);
	ev.verify.pdc_status = W32_WRONG_PASSWORD;
	trust_remote_judge(&ev, &r);
	dump(&r);
	assert_int_equal(r.verdict, TRUST_BROKEN);
	assert_int_equal(r.cat, NLT_EPROBLEM);
	assert_true(has(&r, FINDING_BROKEN, "1323 ERROR_WRONG_PASSWORD"));
	assert_true(has(&r, FINDING_BROKEN, "repair: lab.sh forest2 heal"));
	assert_true(has(&r, FINDING_NOTE, "TC_QUERY still reports the channel OK"));
	assert_non_null(strstr(r.summary, "BROKEN"));
}

/* without 0x80, pdc_connection_status is no verification: never healthy */
static void test_no_verify_flag(void **state)
{
	struct trust_remote_evidence ev;
	struct trust_report r;

	(void)state;
	healthy(&ev);
	ev.verify.flags = 0x30;
	trust_remote_judge(&ev, &r);
	dump(&r);
	assert_int_equal(r.verdict, TRUST_INCONCLUSIVE);
	assert_int_not_equal(r.cat, NLT_OK);
	assert_true(has(&r, FINDING_UNKNOWN, "0x80 not set"));
	/* and TC_QUERY alone, TC_VERIFY never asked */
	healthy(&ev);
	memset(&ev.verify, 0, sizeof(ev.verify));
	trust_remote_judge(&ev, &r);
	assert_int_equal(r.verdict, TRUST_INCONCLUSIVE);
	assert_int_not_equal(r.cat, NLT_OK);
	assert_true(has(&r, FINDING_UNKNOWN, "TC_QUERY alone cannot"));
	/* PowerShell's test: TC_QUERY pdc_connection_status 0; a 0x80-less TC_VERIFY with a bad tc status is broken */
	healthy(&ev);
	ev.verify.flags = 0x30;
	ev.verify.tc_status = W32_NO_TRUST_SAM_ACCOUNT;
	trust_remote_judge(&ev, &r);
	assert_int_equal(r.verdict, TRUST_BROKEN);
	assert_true(has(&r, FINDING_BROKEN, "1787 ERROR_NO_TRUST_SAM_ACCOUNT"));
}

/* what an unauthenticated or non-admin caller gets from Samba's DC: WERR_ACCESS_DENIED, no info */
static void test_access_denied(void **state)
{
	struct trust_remote_evidence ev;
	struct trust_report r;

	(void)state;
	healthy(&ev);
	memset(&ev.query, 0, sizeof(ev.query));
	memset(&ev.verify, 0, sizeof(ev.verify));
	ev.query.state = ev.verify.state = RCALL_ANSWERED;
	ev.query.werror = ev.verify.werror = W32_ACCESS_DENIED;
	trust_remote_judge(&ev, &r);
	dump(&r);
	assert_int_equal(r.verdict, TRUST_INCONCLUSIVE);
	assert_int_equal(r.cat, NLT_EAUTH);
	assert_int_equal((int)r.cat, 5); /* the exit code */
	assert_non_null(strstr(r.summary, "5 ERROR_ACCESS_DENIED"));
	assert_non_null(strstr(r.summary, "not an administrator"));
	/* refused TC_VERIFY, but TC_QUERY already shows the channel down: broken wins */
	ev.query.werror = 0;
	ev.query.present = 1;
	ev.query.flags = 0x30;
	ev.query.tc_status = W32_NO_TRUST_SAM_ACCOUNT;
	trust_remote_judge(&ev, &r);
	assert_int_equal(r.verdict, TRUST_BROKEN);
	assert_int_equal(r.cat, NLT_EPROBLEM);
	assert_true(has(&r, FINDING_UNKNOWN, "not an administrator"));
}

struct code_case {
	uint32_t code;
	enum trust_verdict verdict;
	enum nlt_cat cat;
	const char *text;
};

/* each status, as TC_VERIFY's tc_connection_status and as its verification result */
static void test_codes_named(void **state)
{
	static const struct code_case cases[] = {
		{ W32_ACCESS_DENIED, TRUST_BROKEN, NLT_EPROBLEM, "5 ERROR_ACCESS_DENIED" },
		{ W32_NO_LOGON_SERVERS, TRUST_INCONCLUSIVE, NLT_ENODC, "1311 ERROR_NO_LOGON_SERVERS" },
		{ W32_WRONG_PASSWORD, TRUST_BROKEN, NLT_EPROBLEM, "1323 ERROR_WRONG_PASSWORD" },
		{ W32_NO_SUCH_DOMAIN, TRUST_BROKEN, NLT_EPROBLEM, "1355 ERROR_NO_SUCH_DOMAIN" },
		{ W32_NO_TRUST_LSA_SECRET, TRUST_BROKEN, NLT_EPROBLEM, "1786 ERROR_NO_TRUST_LSA_SECRET" },
		{ W32_NO_TRUST_SAM_ACCOUNT, TRUST_BROKEN, NLT_EPROBLEM, "1787 ERROR_NO_TRUST_SAM_ACCOUNT" },
		{ W32_TRUSTED_RELATIONSHIP_FAILURE, TRUST_BROKEN, NLT_EPROBLEM, "1789 ERROR_TRUSTED_RELATIONSHIP_FAILURE" },
		{ W32_DOMAIN_TRUST_INCONSISTENT, TRUST_BROKEN, NLT_EPROBLEM, "1810 ERROR_DOMAIN_TRUST_INCONSISTENT" },
		{ 1351, TRUST_BROKEN, NLT_EPROBLEM, "1351 ERROR_CANT_ACCESS_DOMAIN_INFO" },
		{ 4242, TRUST_BROKEN, NLT_EPROBLEM, "Win32 error 4242" },
	};
	struct trust_remote_evidence ev;
	struct trust_report r;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (int field = 0; field < 3; field++) {
			healthy(&ev);
			if (field == 0)
				ev.verify.tc_status = cases[i].code;
			else if (field == 1)
				ev.verify.pdc_status = cases[i].code;
			else
				ev.query.tc_status = cases[i].code; /* TC_QUERY can prove it broken */
			trust_remote_judge(&ev, &r);
			if (r.verdict != cases[i].verdict || r.cat != cases[i].cat || !strstr(r.summary, cases[i].text)) {
				printf("# code %u field %d\n", cases[i].code, field);
				dump(&r);
				fail();
			}
		}
	}
}

/* the call's own WERROR */
static void test_call_errors(void **state)
{
	static const struct code_case cases[] = {
		{ W32_ACCESS_DENIED, TRUST_INCONCLUSIVE, NLT_EAUTH, "not an administrator" },
		{ W32_NO_SUCH_DOMAIN, TRUST_BROKEN, NLT_EPROBLEM, "1355 ERROR_NO_SUCH_DOMAIN" },
		{ W32_NO_LOGON_SERVERS, TRUST_INCONCLUSIVE, NLT_ENODC, "1311" },
		{ W32_NO_TRUST_SAM_ACCOUNT, TRUST_BROKEN, NLT_EPROBLEM, "1787" },
		{ W32_INVALID_LEVEL, TRUST_INCONCLUSIVE, NLT_EPROTO, "124 ERROR_INVALID_LEVEL" },
		{ W32_NOT_SUPPORTED, TRUST_INCONCLUSIVE, NLT_EPROTO, "50 ERROR_NOT_SUPPORTED" },
		{ 31, TRUST_INCONCLUSIVE, NLT_EPROTO, "Win32 error 31" },
	};
	struct trust_remote_evidence ev;
	struct trust_report r;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		healthy(&ev);
		memset(&ev.verify, 0, sizeof(ev.verify));
		ev.verify.state = RCALL_ANSWERED;
		ev.verify.werror = cases[i].code;
		trust_remote_judge(&ev, &r);
		if (r.verdict != cases[i].verdict || r.cat != cases[i].cat || !strstr(r.summary, cases[i].text)) {
			printf("# werror %u\n", cases[i].code);
			dump(&r);
			fail();
		}
	}
}

static void test_could_not_run(void **state)
{
	struct trust_remote_evidence ev;
	struct trust_report r;

	(void)state;
	healthy(&ev);
	memset(&ev.verify, 0, sizeof(ev.verify));
	ev.verify.state = RCALL_COULD_NOT_RUN;
	ev.verify.err_cat = NLT_ENODC;
	strcpy(ev.verify.error, "NetrLogonControl2Ex TC_VERIFY level 2 on dc1.lab.test: connection refused");
	trust_remote_judge(&ev, &r);
	assert_int_equal(r.verdict, TRUST_INCONCLUSIVE);
	assert_int_equal(r.cat, NLT_ENODC);
	assert_non_null(strstr(r.summary, "connection refused"));
	/* a failure without a category is a problem, not success */
	ev.verify.err_cat = NLT_OK;
	trust_remote_judge(&ev, &r);
	assert_int_equal(r.cat, NLT_EPROBLEM);
	/* success without NETLOGON_INFO_2 */
	healthy(&ev);
	ev.verify.present = 0;
	trust_remote_judge(&ev, &r);
	assert_int_equal(r.verdict, TRUST_INCONCLUSIVE);
	assert_int_equal(r.cat, NLT_EPROTO);
}

static void test_zero_and_no_pipe(void **state)
{
	struct trust_remote_evidence ev;
	struct trust_report r;

	(void)state;
	memset(&ev, 0, sizeof(ev));
	trust_remote_judge(&ev, &r);
	assert_int_equal(r.verdict, TRUST_INCONCLUSIVE);
	assert_int_not_equal(r.cat, NLT_OK);
	/* a Samba member: no \PIPE\netlogon, even with (impossible) healthy answers beside it */
	healthy(&ev);
	strcpy(ev.target, "ws1.lab.test");
	ev.no_netlogon = 1;
	strcpy(ev.no_netlogon_why, "CREATE netlogon: STATUS_OBJECT_NAME_NOT_FOUND");
	trust_remote_judge(&ev, &r);
	assert_int_equal(r.verdict, TRUST_INCONCLUSIVE);
	assert_int_not_equal(r.cat, NLT_OK);
	assert_non_null(strstr(r.summary, "cannot check ws1.lab.test remotely"));
}

/* every combination of a few values: HEALTHY exactly when TC_VERIFY proves it and nothing disagrees */
/* A DC asked about its own domain: TC_VERIFY "succeeds" with flag 0x80, statuses 0 and no DC named.
 * It has no secure channel to verify: never healthy. */
static void test_no_dc_named(void **state)
{
	struct trust_remote_evidence ev;
	struct trust_report r;

	(void)state;
	healthy(&ev);
	strcpy(ev.domain, "lab.test");
	ev.verify.trusted_dc[0] = '\0';
	ev.query.trusted_dc[0] = '\0';
	trust_remote_judge(&ev, &r);
	dump(&r);
	assert_int_not_equal(r.verdict, TRUST_HEALTHY);
	assert_int_equal(r.verdict, TRUST_INCONCLUSIVE);
	assert_int_not_equal(r.cat, NLT_OK);
	assert_true(has(&r, FINDING_UNKNOWN, "named no DC"));
}

static void test_exhaustive(void **state)
{
	static const enum rcall_state states[] = { RCALL_NOT_RUN, RCALL_COULD_NOT_RUN, RCALL_ANSWERED };
	static const uint32_t werrors[] = { 0, 5, 1355 };
	static const uint32_t flags[] = { 0, 0x30, 0x80, 0xb0 };
	static const uint32_t codes[] = { 0, 5, 1311, 1323, 1787 };
	struct trust_remote_evidence ev;
	struct trust_report r;
	unsigned n = 0;

	(void)state;
	for (size_t vs = 0; vs < 3; vs++)
		for (size_t vw = 0; vw < 3; vw++)
			for (size_t vp = 0; vp < 2; vp++)
				for (size_t vf = 0; vf < 4; vf++)
					for (size_t vpdc = 0; vpdc < 5; vpdc++)
						for (size_t vtc = 0; vtc < 5; vtc++)
							for (size_t qs = 0; qs < 3; qs++)
								for (size_t qtc = 0; qtc < 5; qtc++) {
	healthy(&ev);
	ev.verify.state = states[vs];
	ev.verify.werror = werrors[vw];
	ev.verify.present = (int)vp;
	ev.verify.flags = flags[vf];
	ev.verify.pdc_status = codes[vpdc];
	ev.verify.tc_status = codes[vtc];
	ev.query.state = states[qs];
	ev.query.tc_status = codes[qtc];
	trust_remote_judge(&ev, &r);
	int want = states[vs] == RCALL_ANSWERED && werrors[vw] == 0 && vp && (flags[vf] & 0x80) &&
		   codes[vpdc] == 0 && codes[vtc] == 0 && (states[qs] != RCALL_ANSWERED || codes[qtc] == 0);
	if ((r.verdict == TRUST_HEALTHY) != want || (r.cat == NLT_OK) != want || r.verdict == TRUST_UNJUDGED) {
		dump(&r);
		fail();
	}
	n++;
								}
	assert_int_equal(n, 3 * 3 * 2 * 4 * 5 * 5 * 3 * 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_healthy),
		cmocka_unit_test(test_query_ok_verify_wrong_password),
		cmocka_unit_test(test_no_verify_flag),
		cmocka_unit_test(test_access_denied),
		cmocka_unit_test(test_codes_named),
		cmocka_unit_test(test_call_errors),
		cmocka_unit_test(test_could_not_run),
		cmocka_unit_test(test_zero_and_no_pipe),
		cmocka_unit_test(test_no_dc_named),
		cmocka_unit_test(test_exhaustive),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
