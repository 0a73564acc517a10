/* tests/unit/test_cli.c - option parsing and the exit-code map (src/cli/opts.c, src/base/err.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "advice.h"
#include "cldap.h"
#include "err.h"
#include "opts.h"

static char nlt_name[] = "nltrust";

/* parse(req, e, N, arg1 .. argN): argv[0] is supplied */
static int parse(struct nlt_req *req, struct nlt_err *e, int nargs, ...)
{
	static char *argv[32];
	va_list ap;

	va_start(ap, nargs);
	argv[0] = nlt_name;
	for (int i = 1; i <= nargs; i++)
		argv[i] = va_arg(ap, char *);
	argv[nargs + 1] = NULL;
	va_end(ap);
	nlt_clearerr(e);
	return opts_parse(nargs + 1, argv, req, e);
}

static void globals_before_and_after_the_command(void **state)
{
	struct nlt_req q;
	struct nlt_err e;
	(void)state;

	assert_int_equal(parse(&q, &e, 6, "-d", "lab.test", "discover", "--json", "--site", "Branch"), 0);
	assert_int_equal(q.cmd, CMD_DISCOVER);
	assert_string_equal(q.domain, "lab.test");
	assert_string_equal(q.site, "Branch");
	assert_true(q.json);
	assert_int_equal(q.timeout_ms, NLT_DEFAULT_TIMEOUT_MS);
}

static void positional_domain_and_required_flags(void **state)
{
	struct nlt_req q;
	struct nlt_err e;
	(void)state;

	assert_int_equal(parse(&q, &e, 4, "discover", "--pdc", "lab.test", "--gc"), 0);
	assert_string_equal(q.domain, "lab.test");
	assert_int_equal(q.need_flags, DS_PDC_FLAG | DS_GC_FLAG);
	assert_int_equal(parse(&q, &e, 5, "discover", "--kdc", "--writable", "--timeserv", "--tcp"), 0);
	assert_int_equal(q.need_flags, DS_KDC_FLAG | DS_WRITABLE_FLAG | DS_TIMESERV_FLAG);
	assert_true(q.tcp_only);
}

static void usage_errors_are_category_usage(void **state)
{
	struct nlt_req q;
	struct nlt_err e;
	(void)state;

	assert_int_equal(parse(&q, &e, 0), -1);
	assert_int_equal(nlt_exit_code(&e), 2);
	assert_int_equal(parse(&q, &e, 1, "frobnicate"), -1);
	assert_int_equal(e.cat, NLT_EUSAGE);
	assert_non_null(strstr(e.msg, "frobnicate"));
	assert_int_equal(parse(&q, &e, 2, "discover", "--bogus"), -1);
	assert_int_equal(e.cat, NLT_EUSAGE);
	assert_non_null(strstr(e.msg, "--bogus"));
	assert_int_equal(parse(&q, &e, 3, "discover", "a.test", "b.test"), -1);
	assert_int_equal(e.cat, NLT_EUSAGE);
	assert_int_equal(parse(&q, &e, 2, "discover", "--domain"), -1);
	assert_int_equal(e.cat, NLT_EUSAGE);
	/* a command's own options do not leak into others */
	assert_int_equal(parse(&q, &e, 2, "ping", "--pdc"), -1);
	assert_int_equal(e.cat, NLT_EUSAGE);
	assert_int_equal(parse(&q, &e, 4, "-d", "a.test", "discover", "b.test"), -1);
	assert_int_equal(e.cat, NLT_EUSAGE);
}

static void timeout_must_be_positive_seconds(void **state)
{
	struct nlt_req q;
	struct nlt_err e;
	(void)state;

	assert_int_equal(parse(&q, &e, 4, "--timeout", "2.5", "ping", "lab.test"), 0);
	assert_int_equal(q.timeout_ms, 2500);
	assert_int_equal(q.cmd, CMD_PING);
	assert_int_equal(parse(&q, &e, 4, "--timeout", "0", "ping", "lab.test"), -1);
	assert_int_equal(e.cat, NLT_EUSAGE);
	assert_int_equal(parse(&q, &e, 4, "--timeout", "soon", "ping", "lab.test"), -1);
	assert_int_equal(parse(&q, &e, 4, "--timeout", "-3", "ping", "lab.test"), -1);
}

static void help_and_version_need_no_command(void **state)
{
	struct nlt_req q;
	struct nlt_err e;
	(void)state;

	assert_int_equal(parse(&q, &e, 1, "--help"), 0);
	assert_true(q.help);
	assert_int_equal(parse(&q, &e, 2, "ping", "-h"), 0);
	assert_true(q.help);
	assert_int_equal(q.cmd, CMD_PING);
	assert_int_equal(parse(&q, &e, 1, "--version"), 0);
	assert_true(q.version);
	/* -V is --version; with --json on either side it asks for the JSON form */
	assert_int_equal(parse(&q, &e, 1, "-V"), 0);
	assert_true(q.version);
	assert_int_equal(parse(&q, &e, 2, "--json", "-V"), 0);
	assert_true(q.version && q.json);
	assert_int_equal(parse(&q, &e, 2, "-V", "--json"), 0);
	assert_true(q.version && q.json);
}

static void every_category_maps_to_its_documented_exit_code(void **state)
{
	static const struct { enum nlt_cat cat; int code; const char *name; } map[] = {
		{ NLT_OK, 0, "ok" }, { NLT_EPROBLEM, 1, "problem" }, { NLT_EUSAGE, 2, "usage" },
		{ NLT_ECONFIG, 3, "config" }, { NLT_ENODC, 4, "no_dc" }, { NLT_EAUTH, 5, "auth" },
		{ NLT_EPROTO, 6, "protocol" }, { NLT_EINTERNAL, 7, "internal" },
	};
	struct nlt_err e;
	(void)state;

	assert_int_equal(nlt_exit_code(NULL), 0);
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		nlt_seterr(&e, map[i].cat, "x");
		assert_int_equal(nlt_exit_code(&e), map[i].code);
		assert_string_equal(nlt_cat_name(map[i].cat), map[i].name);
	}
	assert_int_equal(nlt_seterr(&e, NLT_EAUTH, "%s to %s failed", "bind", "dc1"), -1);
	assert_string_equal(e.msg, "bind to dc1 failed");
}

/* The suggested repair command repeats what identifies the machine, quoted, and parses back. */
static void advice_runs_as_printed(void **state)
{
	struct nlt_req q, q2;
	struct nlt_err e;
	char buf[512];
	(void)state;

	assert_int_equal(parse(&q, &e, 11, "verify", "-S", "dc1.lab.test", "-m", "WS1", "-K", "/tmp/my kt",
			       "--state-dir", "/tmp/st", "--timeout", "4"), 0);
	advice_cmd(&q, "reset-password", "--admin", ADVICE_ADMIN, "lab.test", buf, sizeof(buf));
	assert_string_equal(buf, "nltrust reset-password --admin -U Administrator -S dc1.lab.test -m WS1 "
				 "-K '/tmp/my kt' --state-dir /tmp/st --timeout 4 lab.test");
	/* without the quotes the keytab path would split: it parses back to the same request */
	assert_int_equal(parse(&q2, &e, 15, "reset-password", "--admin", "-U", "Administrator", "-S", "dc1.lab.test", "-m",
			       "WS1", "-K", "/tmp/my kt", "--state-dir", "/tmp/st", "--timeout", "4", "lab.test"), 0);
	assert_string_equal(q2.keytab, "/tmp/my kt");
	assert_int_equal(q2.reset_admin, 1);
	/* an admin already given is repeated; a ccache by its attached value */
	assert_int_equal(parse(&q, &e, 3, "verify", "-U", "bob@LAB.TEST"), 0);
	advice_cmd(&q, "reset-password", "--admin", ADVICE_ADMIN, NULL, buf, sizeof(buf));
	assert_string_equal(buf, "nltrust reset-password --admin -U bob@LAB.TEST");
	assert_int_equal(parse(&q, &e, 2, "verify", "--ccache=FILE:/tmp/o'cc"), 0);
	advice_cmd(&q, "reset-password", NULL, ADVICE_ADMIN, NULL, buf, sizeof(buf));
	assert_string_equal(buf, "nltrust reset-password '--ccache=FILE:/tmp/o'\\''cc'");
	/* as the machine: no admin options at all */
	advice_cmd(&q, "reset-password", NULL, ADVICE_NO_ADMIN, "lab.test", buf, sizeof(buf));
	assert_string_equal(buf, "nltrust reset-password lab.test");
	/* a short buffer is cut, never overrun */
	advice_cmd(&q, "reset-password", NULL, ADVICE_NO_ADMIN, "lab.test", buf, 12);
	assert_int_equal(strlen(buf) < 12, 1);
}

/* A value missing at the end of the line is a missing value, not an unknown option (issue 12). */
static void a_missing_value_is_named(void **state)
{
	struct nlt_req q;
	struct nlt_err e;
	(void)state;

	assert_int_equal(parse(&q, &e, 2, "ping", "--timeout"), -1);
	assert_int_equal(e.cat, NLT_EUSAGE);
	assert_string_equal(e.msg, "--timeout needs a value (SECONDS)");
	assert_int_equal(parse(&q, &e, 2, "discover", "--site"), -1);
	assert_string_equal(e.msg, "--site needs a value (SITE)");
	assert_int_equal(parse(&q, &e, 2, "join", "--ou"), -1);
	assert_string_equal(e.msg, "--ou needs a value (DN)");
	assert_int_equal(parse(&q, &e, 2, "verify", "-K"), -1);
	assert_string_equal(e.msg, "-K needs a value (FILE)");
	assert_int_equal(parse(&q, &e, 1, "--domain"), -1);
	assert_string_equal(e.msg, "--domain needs a value (DOMAIN)");
	/* an unknown option is still called unknown, with the command's help to try */
	assert_int_equal(parse(&q, &e, 2, "ping", "--pdc"), -1);
	assert_string_equal(e.msg, "unknown option '--pdc' (try nltrust ping --help)");
	/* --timeout 0: the range said as it is */
	assert_int_equal(parse(&q, &e, 4, "--timeout", "0", "ping", "lab.test"), -1);
	assert_string_equal(e.msg, "--timeout: '0' is not a number of seconds above 0 and at most 3600");
	assert_int_equal(parse(&q, &e, 4, "--timeout", "3600", "ping", "lab.test"), 0);
	assert_int_equal(q.timeout_ms, 3600000);
}

/* main() prints "nltrust: CMD: message": a message never names the command itself. */
static void messages_do_not_repeat_the_command(void **state)
{
	struct nlt_req q;
	struct nlt_err e;
	(void)state;

	assert_int_equal(parse(&q, &e, 3, "verify", "--ldaps", "--starttls"), -1);
	assert_string_equal(e.msg, "give --ldaps or --starttls, not both");
	assert_int_equal(q.cmd, CMD_VERIFY); /* so main can name it */
	assert_int_equal(parse(&q, &e, 5, "verify", "-K", "kt", "--machine-password-file", "pw"), -1);
	assert_null(strstr(e.msg, "verify:"));
	assert_non_null(strstr(e.msg, "--machine-password-file or -K"));
	assert_int_equal(parse(&q, &e, 3, "reset-password", "--method", "all"), -1);
	assert_string_equal(e.msg, "--method is kerberos or netlogon");
	assert_int_equal(parse(&q, &e, 3, "reset-password", "--admin", "--ldap"), -1);
	assert_null(strstr(e.msg, "reset-password:"));
	assert_int_equal(parse(&q, &e, 3, "discover", "a.test", "b.test"), -1);
	assert_string_equal(e.msg, "unexpected argument 'b.test' (try nltrust discover --help)");
	assert_int_equal(parse(&q, &e, 4, "-d", "a.test", "ping", "b.test"), -1);
	assert_string_equal(e.msg, "domain given twice ('a.test' and 'b.test')");
}

/* enable-computer NAME undoes disable-computer; it takes --dry-run like the other changers. */
static void enable_computer_parses(void **state)
{
	struct nlt_req q;
	struct nlt_err e;
	(void)state;

	assert_int_equal(parse(&q, &e, 6, "enable-computer", "--dry-run", "-U", "Administrator", "WS9", "lab.test"), -1);
	assert_int_equal(parse(&q, &e, 7, "enable-computer", "--dry-run", "-U", "Administrator", "-d", "lab.test", "WS9"), 0);
	assert_int_equal(q.cmd, CMD_ENABLE_COMPUTER);
	assert_string_equal(q.target_name, "WS9");
	assert_true(q.dry_run);
	assert_string_equal(opts_cmd_name(CMD_ENABLE_COMPUTER), "enable-computer");
	assert_int_equal(parse(&q, &e, 3, "enable-computer", "--reuse", "WS9"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(globals_before_and_after_the_command),
		cmocka_unit_test(positional_domain_and_required_flags),
		cmocka_unit_test(usage_errors_are_category_usage),
		cmocka_unit_test(timeout_must_be_positive_seconds),
		cmocka_unit_test(help_and_version_need_no_command),
		cmocka_unit_test(every_category_maps_to_its_documented_exit_code),
		cmocka_unit_test(advice_runs_as_printed),
		cmocka_unit_test(a_missing_value_is_named),
		cmocka_unit_test(messages_do_not_repeat_the_command),
		cmocka_unit_test(enable_computer_parses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
