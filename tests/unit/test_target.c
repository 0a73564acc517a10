/*
 * tests/unit/test_target.c - the pure parts of src/rpc/target.c: --target-user
 * forms, the mechanism --target-auth auto picks, and what a failed logon
 * is said to mean (the broken-trust cases of REMOTE.md section 4).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "target.h"

static void test_user_forms(void **state)
{
	struct target_user u;
	struct nlt_err e;
	int mech;

	(void)state;
	assert_int_equal(target_parse_user(NULL, "ws1.lab.test", &u, &e), 0);
	assert_int_equal(u.kind, TACCT_CCACHE);
	assert_int_equal(target_choose_auth(&u, 0, &mech, &e), 0);
	assert_int_equal(mech, 1);
	assert_int_equal(target_choose_auth(&u, 2, &mech, &e), -1);
	assert_int_equal(e.cat, NLT_EUSAGE);

	assert_int_equal(target_parse_user("LAB\\Administrator", "ws1.lab.test", &u, &e), 0);
	assert_int_equal(u.kind, TACCT_DOMAIN);
	assert_string_equal(u.domain, "LAB");
	assert_string_equal(u.user, "Administrator");
	assert_int_equal(target_choose_auth(&u, 0, &mech, &e), 0);
	assert_int_equal(mech, 2); /* DOMAIN\user: no realm to ask a KDC in */

	assert_int_equal(target_parse_user("admin@lab.test", "ws1.lab.test", &u, &e), 0);
	assert_int_equal(u.kind, TACCT_DOMAIN);
	assert_string_equal(u.domain, "LAB.TEST");
	assert_int_equal(target_choose_auth(&u, 0, &mech, &e), 0);
	assert_int_equal(mech, 1);

	/* local: HOST\user (any case) and .\user */
	assert_int_equal(target_parse_user("ws1\\root", "ws1.lab.test", &u, &e), 0);
	assert_int_equal(u.kind, TACCT_LOCAL);
	assert_int_equal(target_parse_user(".\\root", "ws1.lab.test", &u, &e), 0);
	assert_int_equal(u.kind, TACCT_LOCAL);
	assert_string_equal(u.domain, "WS1");
	assert_int_equal(target_choose_auth(&u, 0, &mech, &e), 0);
	assert_int_equal(mech, 2);
	assert_int_equal(target_choose_auth(&u, 1, &mech, &e), -1); /* Kerberos cannot log on a local account */
	assert_non_null(strstr(e.msg, "local account"));
	/* ".\" with an address: the host's name is unknown */
	assert_int_equal(target_parse_user(".\\root", "198.18.0.20", &u, &e), -1);
	assert_int_equal(e.cat, NLT_EUSAGE);

	/* malformed */
	const char *bad[] = { "root", "\\root", "LAB\\", "a\\b\\c", "@lab.test", "root@", "LAB\\root@lab.test" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		nlt_clearerr(&e);
		assert_int_equal(target_parse_user(bad[i], "ws1.lab.test", &u, &e), -1);
		assert_int_equal(e.cat, NLT_EUSAGE);
	}
}

static void test_logon_why(void **state)
{
	(void)state;
	/* domain account over NTLM, the member's channel down */
	assert_non_null(strstr(target_logon_why(TACCT_DOMAIN, 1, 0xc000018d, 0), "secure channel"));
	assert_non_null(strstr(target_logon_why(TACCT_DOMAIN, 1, 0xc000005e, 0), "local administrator"));
	/* Kerberos: the member cannot decrypt the ticket (KRB5KRB_AP_ERR_MODIFIED) */
	assert_non_null(strstr(target_logon_why(TACCT_CCACHE, 0, 0, (uint32_t)-1765328343), "AD's key"));
	assert_non_null(strstr(target_logon_why(TACCT_DOMAIN, 0, 0xc000006d, 0), "broken trust"));
	/* a local account: wrong password, denied network logon, UAC remote restrictions */
	assert_non_null(strstr(target_logon_why(TACCT_LOCAL, 1, 0xc000006d, 0), "local account"));
	assert_non_null(strstr(target_logon_why(TACCT_LOCAL, 1, 0xc000015b, 0), "S-1-5-114"));
	assert_non_null(strstr(target_logon_why(TACCT_LOCAL, 1, 0xc0000022, 0), "LocalAccountTokenFilterPolicy"));
	assert_string_equal(target_logon_why(TACCT_DOMAIN, 1, 0, 0), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_user_forms),
		cmocka_unit_test(test_logon_why),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
