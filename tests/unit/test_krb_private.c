/*
 * tests/unit/test_krb_private.c - Kerberos for a thread that runs beside others
 * (src/krb/krb.c): krb_open_private() makes its context from the private
 * profile and leaves KRB5_CONFIG alone; krb_use_ccache_thread() selects the
 * ccache for GSSAPI in the calling thread only, KRB5CCNAME untouched;
 * krb_export_profile() is the one place that sets KRB5_CONFIG for it.
 */
#include "config.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gssapi/gssapi_krb5.h>

#include "krb.h"
#include "util.h"

static void open_dc(struct nlt_krb *k, int private_ctx)
{
	struct nlt_addr a;
	struct nlt_err e;

	memset(&e, 0, sizeof(e));
	assert_int_equal(nlt_addr_parse(&a, "127.0.0.1", 88), 0);
	if (private_ctx)
		assert_int_equal(krb_open_private(k, "lab.test", "dc1.lab.test", &a, nlt_now_ms() + 5000, &e), 0);
	else
		assert_int_equal(krb_open(k, "lab.test", "dc1.lab.test", &a, nlt_now_ms() + 5000, &e), 0);
}

static void test_private_profile_no_env(void **state)
{
	struct nlt_krb k;
	char *realm = NULL;

	(void)state;
	/* unset, and set to something else: neither is changed, and the context reads our profile anyway */
	unsetenv("KRB5_CONFIG");
	open_dc(&k, 1);
	assert_null(getenv("KRB5_CONFIG"));
	assert_int_equal(krb5_get_default_realm(k.kc, &realm), 0);
	assert_string_equal(realm, "LAB.TEST");
	krb5_free_default_realm(k.kc, realm);
	krb_close(&k);

	setenv("KRB5_CONFIG", "/dev/null", 1);
	open_dc(&k, 1);
	assert_string_equal(getenv("KRB5_CONFIG"), "/dev/null");
	assert_int_equal(krb5_get_default_realm(k.kc, &realm), 0);
	assert_string_equal(realm, "LAB.TEST");
	krb5_free_default_realm(k.kc, realm);
	{
		/* the export is explicit: KRB5_CONFIG names the private profile, for GSSAPI */
		struct nlt_err e;
		memset(&e, 0, sizeof(e));
		assert_int_equal(krb_export_profile(&k, &e), 0);
		assert_string_equal(getenv("KRB5_CONFIG"), k.conf_path);
	}
	krb_close(&k);
	unsetenv("KRB5_CONFIG");
}

static void test_open_sets_env(void **state)
{
	struct nlt_krb k;

	(void)state;
	/* the ordinary krb_open() keeps doing what every other command relies on */
	unsetenv("KRB5_CONFIG");
	open_dc(&k, 0);
	assert_non_null(getenv("KRB5_CONFIG"));
	assert_string_equal(getenv("KRB5_CONFIG"), k.conf_path);
	krb_close(&k);
	unsetenv("KRB5_CONFIG");
}

struct th {
	struct nlt_krb *k;
	int rc;
	char seen[128];
};

static void *thread_select(void *arg)
{
	struct th *t = arg;
	struct nlt_err e;
	const char *old = NULL;
	OM_uint32 min;

	memset(&e, 0, sizeof(e));
	t->rc = krb_use_ccache_thread(t->k, &e);
	/* what this thread's GSSAPI uses now: the name we selected (MIT hands back the previous one) */
	(void)gss_krb5_ccache_name(&min, "MEMORY:nltrust-test-probe", &old);
	snprintf(t->seen, sizeof(t->seen), "%s", old ? old : "");
	return NULL;
}

static void test_ccache_per_thread(void **state)
{
	struct nlt_krb k;
	struct th t = { 0 };
	pthread_t id;
	const char *old = NULL;
	OM_uint32 min;

	(void)state;
	setenv("KRB5CCNAME", "FILE:/nonexistent/nltrust-test", 1);
	open_dc(&k, 1);
	t.k = &k;
	assert_int_equal(pthread_create(&id, NULL, thread_select, &t), 0);
	assert_int_equal(pthread_join(id, NULL), 0);
	assert_int_equal(t.rc, 0);
	assert_string_equal(t.seen, k.ccache_name);
	/* not for this thread, and not through the environment */
	assert_string_equal(getenv("KRB5CCNAME"), "FILE:/nonexistent/nltrust-test");
	(void)gss_krb5_ccache_name(&min, "MEMORY:nltrust-test-main", &old);
	assert_true(!old || strcmp(old, k.ccache_name) != 0);
	krb_close(&k);
	unsetenv("KRB5CCNAME");
	unsetenv("KRB5_CONFIG");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_private_profile_no_env),
		cmocka_unit_test(test_open_sets_env),
		cmocka_unit_test(test_ccache_per_thread),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
