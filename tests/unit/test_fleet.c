/* tests/unit/test_fleet.c - the targets list, the fleet's exit status, and fleet_run() with a scripted run. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "fleet.h"
#include "util.h"

static void test_parse_plain(void **state)
{
	struct fleet_target t;
	struct nlt_err e;

	(void)state;
	nlt_clearerr(&e);
	assert_int_equal(fleet_parse_line("  ws1.lab.test \r\n", 3, &t, &e), 1);
	assert_string_equal(t.host, "ws1.lab.test");
	assert_null(t.domain);
	assert_int_equal(t.target_auth, -1);
	assert_int_equal(t.line, 3);
	fleet_target_free(&t);
	assert_int_equal(fleet_parse_line("\n", 4, &t, &e), 0);
	assert_int_equal(fleet_parse_line("   # a comment", 5, &t, &e), 0);
	assert_int_equal(fleet_parse_line("10.0.0.7", 6, &t, &e), 1);
	assert_string_equal(t.host, "10.0.0.7");
	fleet_target_free(&t);
}

static void test_parse_json(void **state)
{
	struct fleet_target t;
	struct nlt_err e;

	(void)state;
	nlt_clearerr(&e);
	assert_int_equal(fleet_parse_line("{\"target\": \"vm7\", \"domain\": \"lab.test\", \"target_user\": \"VM7\\\\admin\", "
					  "\"target_password_file\": \"/etc/nltrust/vm7.pw\", \"target_auth\": \"ntlm\"}",
					  1, &t, &e), 1);
	assert_string_equal(t.host, "vm7");
	assert_string_equal(t.domain, "lab.test");
	assert_string_equal(t.target_user, "VM7\\admin");
	assert_string_equal(t.target_password_file, "/etc/nltrust/vm7.pw");
	assert_int_equal(t.target_auth, 2);
	fleet_target_free(&t);
}

static void expect_usage(const char *line, const char *needle)
{
	struct fleet_target t;
	struct nlt_err e;

	nlt_clearerr(&e);
	assert_int_equal(fleet_parse_line(line, 9, &t, &e), -1);
	assert_int_equal(e.cat, NLT_EUSAGE);
	if (!strstr(e.msg, needle) || !strstr(e.msg, "line 9"))
		fail_msg("'%s': message '%s' lacks '%s'", line, e.msg, needle);
	assert_null(t.host);
}

static void test_parse_bad(void **state)
{
	char longline[2048];

	(void)state;
	expect_usage("{\"target\": \"a\", \"pasword\": \"x\"}", "unknown key 'pasword'");
	expect_usage("{\"domain\": \"lab.test\"}", "no \"target\"");
	expect_usage("{\"target\": 7}", "not a string");
	expect_usage("{\"target\": \"a\"} trailing", "not one JSON object");
	expect_usage("{\"target\": \"a\"", "not one JSON object");
	expect_usage("{\"target\": \"a\", \"target_auth\": \"digest\"}", "target_auth");
	expect_usage("two words", "is not a host name");
	expect_usage("evil\x1b[31m", "is not a host name");
	expect_usage("{\"target\": \"a\\\\b\"}", "is not a host name");
	expect_usage("{\"target\": \"a\", \"domain\": \"x y\"}", "is not a domain name");
	memset(longline, 'a', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	expect_usage(longline, "longer than");
}

static void test_exit_code(void **state)
{
	int all_ok[] = { 0, 0, 0 }, one_broken[] = { 0, 6, 1, 4 }, errors[] = { 0, 6, 4, 6 }, none[] = { 0 };

	(void)state;
	assert_int_equal(fleet_exit_code(all_ok, 3), 0);
	assert_int_equal(fleet_exit_code(one_broken, 4), 1);
	assert_int_equal(fleet_exit_code(errors, 4), 4); /* unknown is never success */
	assert_int_equal(fleet_exit_code(none, 1), 0);
	assert_int_equal(fleet_outcome(0, "healthy"), FLEET_OK);
	assert_int_equal(fleet_outcome(0, NULL), FLEET_OK);
	assert_int_equal(fleet_outcome(0, "inconclusive"), FLEET_UNKNOWN); /* never counted as ok */
	assert_int_equal(fleet_outcome(1, "broken"), FLEET_BROKEN);
	assert_int_equal(fleet_outcome(1, "pending_change"), FLEET_UNKNOWN);
	assert_int_equal(fleet_outcome(6, "inconclusive"), FLEET_UNKNOWN);
	/* doctor's words (its "verdict" is the diagnosis'): exit 0 after --fix healed or rejoined keeps the
	 * verdict "broken": not counted ok (only "healthy" is), nor broken (it exited 0) */
	assert_int_equal(fleet_outcome(0, "broken"), FLEET_UNKNOWN);
	assert_int_equal(fleet_outcome(1, "inconclusive"), FLEET_UNKNOWN);
	assert_int_equal(fleet_outcome(5, "broken"), FLEET_UNKNOWN);
}

/* a fleet never stops doctor --fix in the middle of a change: its budget covers every fresh deadline */
static void test_budget(void **state)
{
	struct nlt_req r;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.timeout_ms = 10000;
	assert_int_equal(fleet_budget_ms(&r), 10000);
	r.fix = 1;
	assert_true(fleet_budget_ms(&r) >= 7 * 10000);
	r.rejoin = 1;
	assert_true(fleet_budget_ms(&r) >= 7 * 10000 + 120000);
	r.join_timeout_ms = 600000;
	assert_true(fleet_budget_ms(&r) >= 7 * 10000 + 600000);
}

/* ---- fleet_run with a scripted run per host: the real fork/collect/kill path ---- */

static int scripted(const struct nlt_req *req)
{
	const char *h = req->target;

	if (strcmp(h, "ok") == 0) {
		printf("{\"command\": \"verify\", \"verdict\": \"healthy\", \"error\": null}\n");
		return 0;
	}
	if (strcmp(h, "broken") == 0) {
		printf("{\"command\": \"verify\", \"verdict\": \"broken\", \"error\": {\"exit_code\": 1, \"category\": "
		       "\"problem\", \"message\": \"the secure channel is broken\"}}\n");
		return 1;
	}
	if (strcmp(h, "hang") == 0) {
		for (;;)
			pause();
	}
	if (strcmp(h, "crash") == 0)
		abort();
	if (strcmp(h, "lies") == 0) /* exit 0 with no report: never ok */
		return 0;
	if (strcmp(h, "disagree") == 0) { /* a report of exit 4 with status 1 (a sanitizer's exit, say): neither believed */
		printf("{\"command\": \"verify\", \"error\": {\"exit_code\": 4, \"category\": \"no_dc\", \"message\": \"x\"}}\n");
		return 1;
	}
	fprintf(stderr, "nltrust: verify: cannot reach %s: connection refused\n", h);
	return 4;
}

static char *run_fleet(const char *list, int json, int jobs, int timeout_ms, int *rc, uint64_t *ms)
{
	char lpath[] = "/tmp/nlt-fleet-list-XXXXXX", opath[] = "/tmp/nlt-fleet-out-XXXXXX";
	int lfd = mkstemp(lpath), ofd = mkstemp(opath), saved = dup(1);
	struct nlt_req req;
	struct nlt_err e;
	char *out = calloc(1, 65536);
	uint64_t t0;

	assert_true(lfd >= 0 && ofd >= 0 && saved >= 0 && out);
	assert_int_equal(write(lfd, list, strlen(list)), (ssize_t)strlen(list));
	close(lfd);
	memset(&req, 0, sizeof(req));
	req.cmd = CMD_VERIFY;
	req.json = json;
	req.jobs = jobs;
	req.timeout_ms = timeout_ms;
	req.targets = lpath;
	nlt_clearerr(&e);
	fflush(stdout);
	dup2(ofd, 1);
	t0 = nlt_now_ms();
	*rc = fleet_run(&req, scripted, &e);
	*ms = nlt_now_ms() - t0;
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	lseek(ofd, 0, SEEK_SET);
	assert_true(read(ofd, out, 65535) >= 0);
	close(ofd);
	unlink(lpath);
	unlink(opath);
	return out;
}

static void test_run_text(void **state)
{
	int rc;
	uint64_t ms;
	char *out;

	(void)state;
	out = run_fleet("ok\n# comment\nbroken\nnowhere\n", 0, 2, 2000, &rc, &ms);
	assert_int_equal(rc, 1);
	assert_non_null(strstr(out, "ok: healthy\n"));
	assert_non_null(strstr(out, "broken: broken (exit 1): the secure channel is broken\n"));
	assert_non_null(strstr(out, "nowhere: not known (exit 4): nltrust: verify: cannot reach nowhere: connection refused\n"));
	assert_non_null(strstr(out, "3 target(s): 1 ok, 1 broken, 1 not known"));
	free(out);
}

static void test_run_json_hang_crash(void **state)
{
	int rc, lines = 0, seen_hang = 0, seen_crash = 0, seen_lies = 0, seen_disagree = 0, seen_summary = 0;
	uint64_t ms;
	char *out, *save = NULL;

	(void)state;
	/* a run that ignores its own deadline is killed at deadline + grace, and is never "ok" */
	out = run_fleet("ok\nhang\ncrash\nlies\ndisagree\n", 1, 5, 300, &rc, &ms);
	assert_int_equal(rc, 7);
	assert_true(ms < 300 + 3000 + 1500);
	for (char *l = strtok_r(out, "\n", &save); l; l = strtok_r(NULL, "\n", &save), lines++) {
		struct json_object *o = json_tokener_parse(l), *v, *r;
		assert_non_null(o);
		if (json_object_object_get_ex(o, "summary", &v)) {
			seen_summary = 1;
			assert_true(json_object_object_get_ex(v, "ok", &r));
			assert_int_equal(json_object_get_int(r), 1);
			assert_true(json_object_object_get_ex(v, "not_known", &r));
			assert_int_equal(json_object_get_int(r), 4);
			json_object_put(o);
			continue;
		}
		assert_true(json_object_object_get_ex(o, "target", &v));
		const char *h = json_object_get_string(v);
		assert_true(json_object_object_get_ex(o, "exit_code", &v));
		int code = json_object_get_int(v);
		if (strcmp(h, "ok") == 0) {
			assert_int_equal(code, 0);
			assert_true(json_object_object_get_ex(o, "result", &r) && json_object_is_type(r, json_type_object));
		} else {
			assert_int_equal(code, 7);
			assert_true(json_object_object_get_ex(o, "error", &r) && json_object_is_type(r, json_type_object));
			seen_hang |= strcmp(h, "hang") == 0;
			seen_crash |= strcmp(h, "crash") == 0;
			seen_lies |= strcmp(h, "lies") == 0;
			seen_disagree |= strcmp(h, "disagree") == 0;
		}
		json_object_put(o);
	}
	assert_int_equal(lines, 6);
	assert_true(seen_hang && seen_crash && seen_lies && seen_disagree && seen_summary);
	free(out);
}

static void test_run_concurrent(void **state)
{
	int rc;
	uint64_t ms;
	char list[4096] = "";
	char *out;

	(void)state;
	for (int i = 0; i < 40; i++)
		strcat(list, "ok\n");
	out = run_fleet(list, 0, 16, 2000, &rc, &ms);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "40 target(s): 40 ok, 0 broken, 0 not known"));
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_plain),
		cmocka_unit_test(test_parse_json),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_exit_code),
		cmocka_unit_test(test_budget),
		cmocka_unit_test(test_run_text),
		cmocka_unit_test(test_run_json_hang_crash),
		cmocka_unit_test(test_run_concurrent),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
