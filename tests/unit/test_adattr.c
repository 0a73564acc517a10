/* tests/unit/test_adattr.c - computer-object attribute decoders and secret line parsing. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "adattr.h"
#include "secret.h"

static void test_uac_names(void **state)
{
	char b[256];

	(void)state;
	/* a Samba-joined member: WORKSTATION_TRUST_ACCOUNT only */
	assert_string_equal(ad_uac_str(0x1000, b, sizeof(b)), "workstation_trust_account");
	/* a DC: SERVER_TRUST_ACCOUNT | TRUSTED_FOR_DELEGATION (532480 as read from the lab) */
	assert_string_equal(ad_uac_str(532480, b, sizeof(b)), "server_trust_account trusted_for_delegation");
	assert_string_equal(ad_uac_str(0x1002, b, sizeof(b)), "accountdisable workstation_trust_account");
	/* bits without a name are shown as numbers, not dropped */
	assert_string_equal(ad_uac_str(0x4, b, sizeof(b)), "0x4");
	assert_string_equal(ad_uac_str(0, b, sizeof(b)), "");
	/* a short buffer truncates at a name boundary and stays terminated */
	assert_string_equal(ad_uac_str(0x1002, b, 20), "accountdisable");
}

static void test_enctype_names(void **state)
{
	char b[256];

	(void)state;
	assert_string_equal(ad_enctypes_str(0x1c, b, sizeof(b)), "rc4-hmac aes128-cts-hmac-sha1-96 aes256-cts-hmac-sha1-96");
	assert_string_equal(ad_enctypes_str(0x18, b, sizeof(b)), "aes128-cts-hmac-sha1-96 aes256-cts-hmac-sha1-96");
	assert_string_equal(ad_enctype_bit_name(5), "fast-supported");
	assert_null(ad_enctype_bit_name(31));
	assert_null(ad_enctype_bit_name(40));
}

static void test_filetime(void **state)
{
	(void)state;
	/* 2026-11-28T20:13:58Z = 1795896838; FILETIME = (unix + 11644473600) * 10^7 */
	assert_int_equal(ad_filetime_to_unix((1795896838LL + 11644473600LL) * 10000000LL + 1234567), 1795896838);
	assert_int_equal(ad_filetime_to_unix(116444736000000000LL), 0); /* the Unix epoch */
	assert_int_equal(ad_filetime_to_unix(0), -1);                   /* "must change" / never set */
	assert_int_equal(ad_filetime_to_unix(INT64_MAX), -1);           /* "never" */
	assert_int_equal(ad_filetime_to_unix(-5), -1);
}

static void test_gentime(void **state)
{
	(void)state;
	assert_int_equal(ad_gentime_to_unix("20261128201358.0Z"), 1795896838);
	assert_int_equal(ad_gentime_to_unix("20261128201358Z"), 1795896838);
	assert_int_equal(ad_gentime_to_unix("19700101000000.0Z"), 0);
	assert_int_equal(ad_gentime_to_unix("20000229235959.0Z"), 951868799);
	assert_int_equal(ad_gentime_to_unix("20261128201358.0"), -1);  /* no Z */
	assert_int_equal(ad_gentime_to_unix("20261328201358.0Z"), -1); /* month 13 */
	assert_int_equal(ad_gentime_to_unix("2026112820135"), -1);      /* short */
	assert_int_equal(ad_gentime_to_unix("20261128201358.Z"), -1);   /* empty fraction */
	assert_int_equal(ad_gentime_to_unix("2026112820135x.0Z"), -1);
	assert_int_equal(ad_gentime_to_unix("20261128201358.0Zjunk"), -1);
	/* every prefix of a valid value is rejected, never read past */
	{
		const char *full = "20261128201358.0Z";
		char buf[32];
		for (size_t n = 0; n < strlen(full) - 1; n++) {
			memcpy(buf, full, n);
			buf[n] = '\0';
			assert_int_equal(ad_gentime_to_unix(buf), -1);
		}
	}
}

static void test_secret_line(void **state)
{
	struct secret s;
	char big[SECRET_MAX + 10];

	(void)state;
	assert_int_equal(secret_take_line(&s, "hunter2\nsecond line\n", 20), 0);
	assert_string_equal(s.buf, "hunter2");
	assert_int_equal(s.len, 7);
	assert_int_equal(secret_take_line(&s, "crlf\r\n", 6), 0);
	assert_string_equal(s.buf, "crlf");
	/* no newline at the end of input: the whole input */
	assert_int_equal(secret_take_line(&s, "abc", 3), 0);
	assert_string_equal(s.buf, "abc");
	/* spaces are part of a password */
	assert_int_equal(secret_take_line(&s, " a b \n", 6), 0);
	assert_string_equal(s.buf, " a b ");
	assert_int_equal(secret_take_line(&s, "\nx", 2), -1);
	assert_int_equal(secret_take_line(&s, "", 0), -1);
	memset(big, 'x', sizeof(big));
	assert_int_equal(secret_take_line(&s, big, SECRET_MAX), -1);
	assert_int_equal(secret_take_line(&s, big, SECRET_MAX - 1), 0);
	assert_int_equal(s.len, SECRET_MAX - 1);
	secret_free(&s);
	assert_int_equal(s.len, 0);
	assert_int_equal(s.buf[0], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uac_names),
		cmocka_unit_test(test_enctype_names),
		cmocka_unit_test(test_filetime),
		cmocka_unit_test(test_gentime),
		cmocka_unit_test(test_secret_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
