/*
 * tests/unit/test_remote_repair.c - the repair runbook (src/trust/remote_repair.c) with scripted
 * NetrLogonControl2Ex answers: which step follows which verdict, that every verdict is the remote
 * judge's (a control call's own success never makes "healed"), that a call without an answer is
 * "unknown", that --dry-run sends nothing but the first TC_VERIFY, and the exit categories.  The
 * healthy and broken answers are what Samba 4.17's dc1 gave about its forest trust to OTHER.TEST
 * (tests/integration/scenarios/95-verify-target.sh, 97-repair.sh).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "remote_repair.h"

#define MAXA 8

/* one scripted answer: r < 0 = no answer */
struct ans {
	uint32_t code;      /* the function code expected */
	int r;
	uint32_t werror;
	int present;
	uint32_t flags, pdc, tc;
	const char *dc;
};

struct script {
	struct ans a[MAXA];
	size_t n, next;
	char data[MAXA][320];
	uint32_t level[MAXA];
};

static int scripted(void *arg, uint32_t code, uint32_t level, const char *data, struct nrpc_netlogon_info *out,
		    struct nlt_err *e)
{
	struct script *s = arg;
	const struct ans *a;

	assert_true(s->next < s->n); /* no call beyond the script */
	a = &s->a[s->next];
	assert_int_equal(code, a->code);
	snprintf(s->data[s->next], sizeof(s->data[0]), "%s", data);
	s->level[s->next] = level;
	s->next++;
	memset(out, 0, sizeof(*out));
	if (a->r < 0)
		return nlt_seterr(e, NLT_EPROTO, "NetrLogonControl2Ex on dc1.lab.test: connection reset");
	out->werror = a->werror;
	out->present = a->present;
	out->level = level;
	out->flags = a->flags;
	out->pdc_connection_status = a->pdc;
	out->tc_connection_status = a->tc;
	snprintf(out->trusted_dc_name, sizeof(out->trusted_dc_name), "%s", a->dc ? a->dc : "");
	return 0;
}

#define V 10u /* TC_VERIFY */
#define R 5u  /* REDISCOVER */
#define C 9u  /* CHANGE_PASSWORD */
static const struct ans verify_ok = { V, 0, 0, 1, 0xb0, 0, 0, "\\\\dc2.other.test" };
static const struct ans verify_1323 = { V, 0, 0, 1, 0xb0, 1323, 0, "\\\\dc2.other.test" };
static const struct ans verify_nodc = { V, 0, 0, 1, 0x80, 1311, 1311, NULL };
static const struct ans verify_denied = { V, 0, 5, 0, 0, 0, 0, NULL };
static const struct ans verify_none = { V, -1, 0, 0, 0, 0, 0, NULL };
static const struct ans rediscover_ok = { R, 0, 0, 1, 0x30, 0, 0, "\\\\dc2.other.test" };
static const struct ans change_ok = { C, 0, 0, 1, 0, 0, 0, NULL };

static void req(struct repair_request *rq)
{
	memset(rq, 0, sizeof(*rq));
	rq->target = "dc1.lab.test";
	rq->domain = "other.test";
	rq->rejoin_cmd = "nltrust rejoin --target dc1.lab.test -U Administrator other.test";
}

static void run(const struct repair_request *rq, struct script *s, struct repair_result *res)
{
	remote_repair_run(rq, scripted, s, res);
	printf("# %s cat %d: %s\n", repair_outcome_str(res->outcome), res->cat, res->summary);
	for (size_t i = 0; i < res->n; i++)
		printf("#   %s %s: %s / %s\n", repair_step_str(res->step[i].kind), repair_state_str(res->step[i].state),
		       res->step[i].did, res->step[i].saw);
	assert_int_equal(s->next, s->n); /* every scripted answer was asked for */
}

static void test_already_healthy(void **state)
{
	struct repair_request rq;
	struct script s = { { verify_ok }, 1, 0, { "" }, { 0 } };
	struct repair_result res;

	(void)state;
	req(&rq);
	run(&rq, &s, &res);
	assert_int_equal(res.outcome, REPAIR_ALREADY_HEALTHY);
	assert_int_equal(res.cat, NLT_OK);
	assert_int_equal(res.changed, 0);
	assert_int_equal(res.healthy, 1);
	assert_int_equal(res.n, 1);
	assert_int_equal(s.level[0], 2);
	assert_string_equal(s.data[0], "other.test");
	assert_non_null(strstr(res.summary, "Already healthy"));
	assert_non_null(strstr(res.summary, "dc2.other.test"));
}

static void test_rotate(void **state)
{
	struct repair_request rq;
	struct script s = { { verify_ok, change_ok, verify_ok }, 3, 0, { "" }, { 0 } };
	struct repair_result res;

	(void)state;
	req(&rq);
	rq.rotate = 1;
	run(&rq, &s, &res);
	assert_int_equal(res.outcome, REPAIR_ROTATED);
	assert_int_equal(res.cat, NLT_OK);
	assert_int_equal(res.changed, 1);
	assert_int_equal(s.level[1], 1); /* CHANGE_PASSWORD at level 1 (Samba refuses 2) */
	assert_int_equal(res.step[1].kind, RSTEP_CHANGE_PASSWORD);
	assert_int_equal(res.step[1].state, RSTATE_OK);
	assert_int_equal(res.step[2].kind, RSTEP_TC_VERIFY);
}

/* the change says done, but the judge says the channel is now broken: never "rotated" */
static void test_rotate_then_broken(void **state)
{
	struct repair_request rq;
	struct script s = { { verify_ok, change_ok, verify_1323 }, 3, 0, { "" }, { 0 } };
	struct repair_result res;

	(void)state;
	req(&rq);
	rq.rotate = 1;
	run(&rq, &s, &res);
	assert_int_equal(res.outcome, REPAIR_REJOIN_NEEDED);
	assert_int_equal(res.cat, NLT_EPROBLEM);
	assert_int_equal(res.healthy, 0);
	assert_non_null(strstr(res.summary, "1323 ERROR_WRONG_PASSWORD"));
}

/* CHANGE_PASSWORD without an answer: unknown, re-verified, never rotated; exit not 0 */
static void test_rotate_no_answer(void **state)
{
	struct repair_request rq;
	struct ans none = { C, -1, 0, 0, 0, 0, 0, NULL };
	struct script s = { { verify_ok, none, verify_ok }, 3, 0, { "" }, { 0 } };
	struct repair_result res;

	(void)state;
	req(&rq);
	rq.rotate = 1;
	run(&rq, &s, &res);
	assert_int_equal(res.step[1].state, RSTATE_UNKNOWN);
	assert_int_equal(res.changed, -1);
	assert_int_equal(res.outcome, REPAIR_ROTATE_FAILED);
	assert_int_not_equal(res.cat, NLT_OK);
	assert_null(strstr(res.summary, "Rotated"));
	assert_non_null(strstr(res.summary, "Unknown"));
}

/* CHANGE_PASSWORD refused (access denied as the call's result): not rotated, exit 5; a failed change status: 1 */
static void test_rotate_refused(void **state)
{
	struct repair_request rq;
	struct ans denied = { C, 0, 5, 0, 0, 0, 0, NULL };
	struct ans failed = { C, 0, 0, 1, 0, 1311, 0, NULL };
	struct script s = { { verify_ok, denied, verify_ok }, 3, 0, { "" }, { 0 } };
	struct script s2 = { { verify_ok, failed, verify_ok }, 3, 0, { "" }, { 0 } };
	struct repair_result res;

	(void)state;
	req(&rq);
	rq.rotate = 1;
	run(&rq, &s, &res);
	assert_int_equal(res.outcome, REPAIR_ROTATE_FAILED);
	assert_int_equal(res.cat, NLT_EAUTH);
	assert_int_equal(res.changed, 0);
	assert_non_null(strstr(res.summary, "5 ERROR_ACCESS_DENIED"));
	run(&rq, &s2, &res);
	assert_int_equal(res.outcome, REPAIR_ROTATE_FAILED);
	assert_int_equal(res.cat, NLT_EPROBLEM);
	assert_non_null(strstr(res.summary, "1311 ERROR_NO_LOGON_SERVERS"));
}

/* the secret is wrong: stop at once, rejoin needed, no change sent (even with --rotate) */
static void test_wrong_password_rejoin(void **state)
{
	struct repair_request rq;
	struct script s = { { verify_1323 }, 1, 0, { "" }, { 0 } };
	struct repair_result res;

	(void)state;
	req(&rq);
	rq.rotate = 1;
	run(&rq, &s, &res);
	assert_int_equal(res.outcome, REPAIR_REJOIN_NEEDED);
	assert_int_equal(res.cat, NLT_EPROBLEM);
	assert_int_equal(res.changed, 0);
	assert_int_equal(res.healthy, 0);
	assert_int_equal(res.n, 2);
	assert_int_equal(res.step[1].kind, RSTEP_STOP);
	assert_string_equal(res.rejoin_cmd, rq.rejoin_cmd);
	assert_non_null(strstr(res.summary, "Rejoin needed"));
	assert_non_null(strstr(res.summary, "nltrust rejoin --target dc1.lab.test"));
	assert_non_null(strstr(res.summary, "nothing was healed"));
}

/* each lost-secret code, as a verification result, a channel status, or the call's result */
static void test_secret_codes(void **state)
{
	static const uint32_t codes[] = { 1323, 1786, 1787, 1810 };
	struct repair_request rq;
	struct repair_result res;

	(void)state;
	req(&rq);
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		struct ans a = { V, 0, 0, 1, 0x80, codes[i], codes[i], NULL };
		struct ans w = { V, 0, codes[i], 0, 0, 0, 0, NULL };
		struct script s = { { a }, 1, 0, { "" }, { 0 } };
		struct script s2 = { { w }, 1, 0, { "" }, { 0 } };
		run(&rq, &s, &res);
		assert_int_equal(res.outcome, REPAIR_REJOIN_NEEDED);
		run(&rq, &s2, &res);
		assert_int_equal(res.outcome, REPAIR_REJOIN_NEEDED);
	}
	/* 5 as tc_connection_status: the DC refused the member's secret */
	{
		struct ans a = { V, 0, 0, 1, 0x80, 0, 5, "\\\\dc2.other.test" };
		struct script s = { { a }, 1, 0, { "" }, { 0 } };
		run(&rq, &s, &res);
		assert_int_equal(res.outcome, REPAIR_REJOIN_NEEDED);
	}
}

/* no DC: REDISCOVER, then TC_VERIFY; healed only because the judge says so */
static void test_nodc_rediscover_heals(void **state)
{
	struct repair_request rq;
	struct script s = { { verify_nodc, rediscover_ok, verify_ok }, 3, 0, { "" }, { 0 } };
	struct repair_result res;

	(void)state;
	req(&rq);
	run(&rq, &s, &res);
	assert_int_equal(res.outcome, REPAIR_HEALED);
	assert_int_equal(res.cat, NLT_OK);
	assert_int_equal(res.changed, 1);
	assert_int_equal(s.level[1], 2);
	assert_string_equal(s.data[1], "other.test");
	assert_non_null(strstr(res.summary, "Healed"));
}

/* REDISCOVER says OK, TC_VERIFY still finds no DC: never healed */
static void test_rediscover_ok_verify_not(void **state)
{
	struct repair_request rq;
	struct script s = { { verify_nodc, rediscover_ok, verify_nodc }, 3, 0, { "" }, { 0 } };
	struct repair_result res;

	(void)state;
	req(&rq);
	run(&rq, &s, &res);
	assert_int_equal(res.outcome, REPAIR_UNKNOWN);
	assert_int_equal(res.cat, NLT_ENODC);
	assert_int_equal(res.healthy, -1);
	assert_null(strstr(res.summary, "Healed"));
}

/* REDISCOVER refused with ERROR_NO_LOGON_SERVERS (the top-level WERROR, as Samba and Windows do) */
static void test_rediscover_fails(void **state)
{
	struct repair_request rq;
	struct ans nols = { R, 0, 1311, 0, 0, 0, 0, NULL };
	struct script s = { { verify_nodc, nols, verify_nodc }, 3, 0, { "" }, { 0 } };
	struct repair_result res;

	(void)state;
	req(&rq);
	run(&rq, &s, &res);
	assert_int_equal(res.step[1].state, RSTATE_FAILED);
	assert_non_null(strstr(res.step[1].saw, "1311 ERROR_NO_LOGON_SERVERS"));
	assert_int_equal(res.outcome, REPAIR_UNKNOWN);
	assert_int_equal(res.cat, NLT_ENODC);
}

/* -S names another DC than the one in use: REDISCOVER DOMAIN\DC; -S naming the DC in use: nothing */
static void test_server_other_dc(void **state)
{
	struct repair_request rq;
	struct script s = { { verify_ok, rediscover_ok, verify_ok }, 3, 0, { "" }, { 0 } };
	struct script same = { { verify_ok }, 1, 0, { "" }, { 0 } };
	struct repair_result res;

	(void)state;
	req(&rq);
	rq.dc = "198.18.0.30";
	run(&rq, &s, &res);
	assert_string_equal(s.data[1], "other.test\\198.18.0.30");
	assert_int_equal(res.outcome, REPAIR_HEALED);
	assert_int_equal(res.cat, NLT_OK);
	assert_non_null(strstr(res.summary, "moved"));
	rq.dc = "DC2";
	run(&rq, &same, &res);
	assert_int_equal(res.outcome, REPAIR_ALREADY_HEALTHY);
	rq.dc = "\\\\dc2.OTHER.test";
	same.next = 0;
	run(&rq, &same, &res);
	assert_int_equal(res.outcome, REPAIR_ALREADY_HEALTHY);
}

/* --dry-run: only the first TC_VERIFY is sent; the rest is planned */
static void test_dry_run(void **state)
{
	struct repair_request rq;
	struct script s = { { verify_ok }, 1, 0, { "" }, { 0 } };
	struct script s2 = { { verify_nodc }, 1, 0, { "" }, { 0 } };
	struct script s3 = { { verify_1323 }, 1, 0, { "" }, { 0 } };
	struct repair_result res;

	(void)state;
	req(&rq);
	rq.dry_run = 1;
	rq.rotate = 1;
	run(&rq, &s, &res);
	assert_int_equal(res.outcome, REPAIR_PLANNED);
	assert_int_equal(res.cat, NLT_OK);
	assert_int_equal(res.changed, 0);
	assert_int_equal(res.step[1].kind, RSTEP_CHANGE_PASSWORD);
	assert_int_equal(res.step[1].state, RSTATE_PLANNED);
	assert_int_equal(res.step[1].call.state, RCALL_NOT_RUN);
	run(&rq, &s2, &res);
	assert_int_equal(res.outcome, REPAIR_PLANNED);
	assert_int_equal(res.cat, NLT_ENODC); /* the state now: no DC */
	assert_int_equal(res.step[1].kind, RSTEP_REDISCOVER);
	assert_int_equal(res.step[1].state, RSTATE_PLANNED);
	run(&rq, &s3, &res);
	assert_int_equal(res.outcome, REPAIR_REJOIN_NEEDED);
	assert_int_equal(res.changed, 0);
}

/* not an administrator (5 as the call's WERROR), no answer, a broken status the runbook has no step for */
static void test_stops(void **state)
{
	struct repair_request rq;
	struct ans nodom = { V, 0, 0, 1, 0x80, 1355, 1355, NULL };
	struct script s = { { verify_denied }, 1, 0, { "" }, { 0 } };
	struct script s2 = { { verify_none }, 1, 0, { "" }, { 0 } };
	struct script s3 = { { nodom }, 1, 0, { "" }, { 0 } };
	struct repair_result res;

	(void)state;
	req(&rq);
	rq.rotate = 1;
	run(&rq, &s, &res);
	assert_int_equal(res.outcome, REPAIR_UNKNOWN);
	assert_int_equal(res.cat, NLT_EAUTH);
	assert_int_equal(res.changed, 0);
	run(&rq, &s2, &res);
	assert_int_equal(res.outcome, REPAIR_UNKNOWN);
	assert_int_equal(res.cat, NLT_EPROTO);
	assert_int_equal(res.healthy, -1);
	run(&rq, &s3, &res);
	assert_int_equal(res.outcome, REPAIR_NOT_HEALED);
	assert_int_equal(res.cat, NLT_EPROBLEM);
}

/* TC_VERIFY success that names no DC, or without 0x80: the judge says inconclusive, so no repair claims health */
static void test_unclear_verify(void **state)
{
	struct repair_request rq;
	struct ans nodc_named = { V, 0, 0, 1, 0xb0, 0, 0, NULL };
	struct ans no80 = { V, 0, 0, 1, 0x30, 0, 0, "\\\\dc2.other.test" };
	struct script s = { { nodc_named }, 1, 0, { "" }, { 0 } };
	struct script s2 = { { no80 }, 1, 0, { "" }, { 0 } };
	struct repair_result res;

	(void)state;
	req(&rq);
	run(&rq, &s, &res);
	assert_int_equal(res.outcome, REPAIR_UNKNOWN);
	assert_int_not_equal(res.cat, NLT_OK);
	run(&rq, &s2, &res);
	assert_int_equal(res.outcome, REPAIR_UNKNOWN);
	assert_int_not_equal(res.cat, NLT_OK);
}

static void test_no_netlogon(void **state)
{
	struct repair_request rq;
	struct script s = { { verify_ok }, 0, 0, { "" }, { 0 } };
	struct repair_result res;

	(void)state;
	req(&rq);
	rq.target = "ws1.lab.test";
	rq.no_netlogon = 1;
	rq.no_netlogon_why = "opening it gave STATUS_OBJECT_NAME_NOT_FOUND";
	run(&rq, &s, &res);
	assert_int_equal(res.outcome, REPAIR_NO_NETLOGON);
	assert_int_equal(res.cat, NLT_EPROTO);
	assert_int_equal(res.healthy, -1);
	assert_non_null(strstr(res.summary, "cannot repair ws1.lab.test remotely"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_already_healthy),
		cmocka_unit_test(test_rotate),
		cmocka_unit_test(test_rotate_then_broken),
		cmocka_unit_test(test_rotate_no_answer),
		cmocka_unit_test(test_rotate_refused),
		cmocka_unit_test(test_wrong_password_rejoin),
		cmocka_unit_test(test_secret_codes),
		cmocka_unit_test(test_nodc_rediscover_heals),
		cmocka_unit_test(test_rediscover_ok_verify_not),
		cmocka_unit_test(test_rediscover_fails),
		cmocka_unit_test(test_server_other_dc),
		cmocka_unit_test(test_dry_run),
		cmocka_unit_test(test_stops),
		cmocka_unit_test(test_unclear_verify),
		cmocka_unit_test(test_no_netlogon),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
