/*
 * tests/unit/test_keys.c - src/krb/keys.c: AD salts (MS-KILE §3.1.1.2),
 * string-to-key through libkrb5, msDS-SupportedEncryptionTypes sets
 * (MS-KILE §2.2.7), machine password generation.
 *
 * Vectors (tests/vectors/README.md, "## Keytab" and "## Keys"):
 *  - RFC 3962 Appendix B (AES string-to-key, every iteration count given);
 *  - the NT hash of "password" and the NTOWF of MS-NRPC §4.2 (PROTOCOLS.md V1);
 *  - keys MIT ktutil put in the golden keytabs of test_keytab.c (same salt);
 *  - the ConvertTo-KerberosKey example of DSInternals (a Windows-side tool).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "keys.h"
#include "sweep.h"

static krb5_context kctx;

/*
 * MIT libk5crypto refuses PBKDF2 iteration counts below the default 4096
 * (KRB5_ERR_BAD_S2K_PARAMS) unless its test hook k5_allow_weak_pbkdf2iter
 * is set, as MIT's own t_str2key does.  RFC 3962's vectors use 1..1200, so
 * they lower the guard through that hook; a weak reference, so where the
 * hook is missing (another libkrb5) those vectors are skipped, not failed.
 */
extern int k5_allow_weak_pbkdf2iter __attribute__((weak));

static void weak_iterations(int on)
{
	if (!&k5_allow_weak_pbkdf2iter)
		skip();
	k5_allow_weak_pbkdf2iter = on;
}

static int strong_iterations(void **state)
{
	(void)state;
	if (&k5_allow_weak_pbkdf2iter)
		k5_allow_weak_pbkdf2iter = 0;
	return 0;
}

static int setup(void **state)
{
	(void)state;
	/* no site krb5.conf: string-to-key needs none, and tests stay hermetic */
	setenv("KRB5_CONFIG", "/dev/null", 1);
	return krb5_init_context(&kctx) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	krb5_free_context(kctx);
	return 0;
}

static void expect_key(int32_t et, const char *pw, size_t pwlen, const char *salt, size_t saltlen, uint32_t iter,
		       const char *hex)
{
	uint8_t want[KEYS_MAX_KEYLEN];
	size_t n = sweep_unhex(hex, want, sizeof(want));
	struct nlt_key k;
	struct nlt_err err = { 0 };

	memset(&k, 0x5a, sizeof(k));
	assert_int_equal(keys_string_to_key(kctx, et, pw, pwlen, salt, saltlen, iter, &k, &err), 0);
	assert_int_equal(k.enctype, et);
	assert_int_equal(k.len, n);
	assert_memory_equal(k.bytes, want, n);
	keys_key_wipe(&k);
}

#define S(s) (s), (sizeof(s) - 1)

/* ---- RFC 3962 Appendix B -------------------------------------------- */

static void test_rfc3962_iteration_1(void **state)
{
	(void)state;
	weak_iterations(1);
	expect_key(KEYS_ET_AES128, S("password"), S("ATHENA.MIT.EDUraeburn"), 1, "42263c6e89f4fc28b8df68ee09799f15");
	expect_key(KEYS_ET_AES256, S("password"), S("ATHENA.MIT.EDUraeburn"), 1,
		   "fe697b52bc0d3ce14432ba036a92e65bbb52280990a2fa27883998d72af30161");
}

static void test_rfc3962_iteration_2(void **state)
{
	(void)state;
	weak_iterations(1);
	expect_key(KEYS_ET_AES128, S("password"), S("ATHENA.MIT.EDUraeburn"), 2, "c651bf29e2300ac27fa469d693bdda13");
	expect_key(KEYS_ET_AES256, S("password"), S("ATHENA.MIT.EDUraeburn"), 2,
		   "a2e16d16b36069c135d5e9d2e25f896102685618b95914b467c67622225824ff");
}

static void test_rfc3962_iteration_1200(void **state)
{
	(void)state;
	weak_iterations(1);
	expect_key(KEYS_ET_AES128, S("password"), S("ATHENA.MIT.EDUraeburn"), 1200, "4c01cd46d632d01e6dbe230a01ed642a");
	expect_key(KEYS_ET_AES256, S("password"), S("ATHENA.MIT.EDUraeburn"), 1200,
		   "55a6ac740ad17b4846941051e1e8b0a7548d93b0ab30a8bc3ff16280382b8c2a");
}

static void test_rfc3962_binary_salt(void **state)
{
	static const char salt[] = "\x12\x34\x56\x78\x78\x56\x34\x12";

	(void)state;
	weak_iterations(1);
	expect_key(KEYS_ET_AES128, S("password"), S(salt), 5, "e9b23d52273747dd5c35cb55be619d8e");
	expect_key(KEYS_ET_AES256, S("password"), S(salt), 5,
		   "97a4e786be20d81a382d5ebc96d5909cabcdadc87ca48f574504159f16c36e31");
}

static void test_rfc3962_block_size_passwords(void **state)
{
	char x64[65], x65[66];

	(void)state;
	weak_iterations(1);
	memset(x64, 'X', 64);
	x64[64] = '\0';
	memset(x65, 'X', 65);
	x65[65] = '\0';
	expect_key(KEYS_ET_AES128, x64, 64, S("pass phrase equals block size"), 1200,
		   "59d1bb789a828b1aa54ef9c2883f69ed");
	expect_key(KEYS_ET_AES256, x64, 64, S("pass phrase equals block size"), 1200,
		   "89adee3608db8bc71f1bfbfe459486b05618b70cbae22092534e56c553ba4b34");
	expect_key(KEYS_ET_AES128, x65, 65, S("pass phrase exceeds block size"), 1200,
		   "cb8005dc5f90179a7f02104c0018751d");
	expect_key(KEYS_ET_AES256, x65, 65, S("pass phrase exceeds block size"), 1200,
		   "d78c5c9cb872a8c9dad4697f0bb5b2d21496c82beb2caeda2112fceea057401b");
}

static void test_rfc3962_utf8_password(void **state)
{
	(void)state;
	weak_iterations(1);
	/* U+1D11E MUSICAL SYMBOL G CLEF */
	expect_key(KEYS_ET_AES128, S("\xf0\x9d\x84\x9e"), S("EXAMPLE.COMpianist"), 50, "f149c1f2e154a73452d43e7fe62a56e5");
	expect_key(KEYS_ET_AES256, S("\xf0\x9d\x84\x9e"), S("EXAMPLE.COMpianist"), 50,
		   "4b6d9839f84406df1f09cc166db4b83c571848b784a3d6bdc346589a3e393f9e");
}

/* Without the hook lowered, libkrb5 keeps AD's count as the floor. */
static void test_iterations_below_4096_are_refused(void **state)
{
	struct nlt_key k;
	struct nlt_err err = { 0 };

	(void)state;
	weak_iterations(0);
	assert_int_equal(keys_string_to_key(kctx, KEYS_ET_AES256, S("password"), S("ATHENA.MIT.EDUraeburn"), 1200, &k, &err), -1);
	assert_int_equal(err.cat, NLT_EINTERNAL);
	assert_non_null(strstr(err.msg, "aes256-cts-hmac-sha1-96"));
}

static void test_default_iterations_are_4096(void **state)
{
	struct nlt_key a, b;
	struct nlt_err err = { 0 };

	(void)state;
	assert_int_equal(keys_string_to_key(kctx, KEYS_ET_AES256, S("password"), S("ATHENA.MIT.EDUraeburn"), 0, &a, &err), 0);
	assert_int_equal(keys_string_to_key(kctx, KEYS_ET_AES256, S("password"), S("ATHENA.MIT.EDUraeburn"),
					    KEYS_AES_DEFAULT_ITERATIONS, &b, &err), 0);
	assert_memory_equal(a.bytes, b.bytes, 32);
	assert_int_equal(keys_string_to_key(kctx, KEYS_ET_AES256, S("password"), S("ATHENA.MIT.EDUraeburn"), 4097, &b, &err), 0);
	assert_memory_not_equal(a.bytes, b.bytes, 32);
}

/* ---- RC4 ------------------------------------------------------------- */

static void test_rc4_is_the_nt_hash(void **state)
{
	(void)state;
	expect_key(KEYS_ET_RC4, S("password"), S("ignored salt"), 0, "8846f7eaee8fb117ad06bdd830b7586c");
	/* no salt, no iterations: the same key */
	expect_key(KEYS_ET_RC4, S("password"), NULL, 0, 77, "8846f7eaee8fb117ad06bdd830b7586c");
}

/* PROTOCOLS.md V1: MS-NRPC §4.2, the 120-character password given as UTF-16LE */
static void test_rc4_matches_ms_nrpc_ntowf(void **state)
{
	static const char utf16[] =
		"2e002f002c006e004c003e004f004c005a003600730074005e0058004b0065004d0025002e0049002d0074004500"
		"6000570056006a0043005b00300036003f005d003a00510076005f0054006e0055006f003a003a00420077002c006700600076002300"
		"4a004d0036004d007100530050007500550028006e00710034003e0079006a005b0064005c002b005600700052005f00790078007500"
		"630021006700300054003600350076007a005700410042005f004200220069003c003c0053002b00340027005e003a0021002c003b00"
		"2500470073002d00280022003a0020006d003e00210043004c0066006e004e00";
	uint8_t raw[240];
	char pw[121];
	size_t n = sweep_unhex(utf16, raw, sizeof(raw));

	(void)state;
	assert_int_equal(n, 240);
	for (size_t i = 0; i < 120; i++) {
		assert_int_equal(raw[2 * i + 1], 0); /* ASCII: UTF-8 is the low bytes */
		pw[i] = (char)raw[2 * i];
	}
	pw[120] = '\0';
	expect_key(KEYS_ET_RC4, pw, 120, "", 0, 0, "31a590170a351fd51148b2a10af2c305");
}

/* ---- the lab machine account: keys MIT ktutil wrote (test_keytab.c) ---- */

static void test_computer_keys_match_ktutil(void **state)
{
	static const int32_t ets[] = { KEYS_ET_AES256, KEYS_ET_AES128, KEYS_ET_RC4 };
	static const char *const kvno3[] = {
		"19968a45f372ed715e9970488ef7079fb4122cbe591de63caaf73a0ad073b7ec",
		"37b18ba1e06c7809162f11468510ef55",
		"8baf3df662bfa63daa84e0c02e3f5935",
	};
	static const char *const kvno2[] = {
		"cb3ec3b6a8c9e63724ea49c2408e2d2cbd8df90fde17a8cfd141dd4fbf2de8fe",
		"e1330b8290107e3be1262f2bab6294ba",
		"f24865001922049a6db825baa4ecead8",
	};
	struct nlt_key k[3];
	struct nlt_err err = { 0 };
	char salt[128];

	(void)state;
	assert_int_equal(keys_salt_computer("lab.test", "WS1$", salt, sizeof(salt), &err), 0);
	assert_string_equal(salt, "LAB.TESThostws1.lab.test");
	assert_int_equal(keys_derive(kctx, "Passw0rd-ws1", salt, ets, 3, k, &err), 0);
	for (size_t i = 0; i < 3; i++) {
		uint8_t want[32];
		size_t n = sweep_unhex(kvno3[i], want, sizeof(want));

		assert_int_equal(k[i].enctype, ets[i]);
		assert_int_equal(k[i].len, n);
		assert_memory_equal(k[i].bytes, want, n);
	}
	assert_int_equal(keys_derive(kctx, "Old-pw-2", salt, ets, 3, k, &err), 0);
	for (size_t i = 0; i < 3; i++) {
		uint8_t want[32];
		size_t n = sweep_unhex(kvno2[i], want, sizeof(want));

		assert_memory_equal(k[i].bytes, want, n);
		keys_key_wipe(&k[i]);
	}
}

/* DSInternals ConvertTo-KerberosKey: 'Pa$$w0rd', salt 'CONTOSO.COMAdministrator' */
static void test_user_keys_match_dsinternals(void **state)
{
	struct nlt_err err = { 0 };
	char salt[64];

	(void)state;
	assert_int_equal(keys_salt_user("contoso.com", "Administrator", salt, sizeof(salt), &err), 0);
	assert_string_equal(salt, "CONTOSO.COMAdministrator");
	expect_key(KEYS_ET_AES256, S("Pa$$w0rd"), salt, strlen(salt), 0,
		   "660e61042b190b5724c62bb473facca12058fb9ad3c03c0d2809f839c0352502");
	expect_key(KEYS_ET_AES128, S("Pa$$w0rd"), salt, strlen(salt), 0, "bd75e98362b16649ffbaed630d5341d0");
}

static void test_derive_errors(void **state)
{
	static const int32_t bad[] = { KEYS_ET_AES256, 9999 };
	struct nlt_key k[2];
	struct nlt_err err = { 0 };
	int rc;

	(void)state;
	memset(k, 0x5a, sizeof(k));
	assert_int_equal(keys_derive(kctx, "pw", "SALT", bad, 2, k, &err), -1);
	assert_int_equal(err.cat, NLT_ECONFIG);
	assert_non_null(strstr(err.msg, "9999"));
	/* the key derived before the failure is wiped too */
	for (size_t i = 0; i < sizeof(k); i++)
		assert_int_equal(((uint8_t *)k)[i], 0);
	/* single DES is gone from libkrb5 >= 1.18; where it remains it must work */
	nlt_clearerr(&err);
	rc = keys_string_to_key(kctx, KEYS_ET_DES_CBC_MD5, S("pw"), S("SALT"), 0, &k[0], &err);
	assert_true(rc == 0 || err.cat == NLT_ECONFIG);
	assert_int_equal(keys_string_to_key(NULL, KEYS_ET_AES256, S("pw"), S("SALT"), 0, &k[0], &err), -1);
	assert_int_equal(keys_string_to_key(kctx, KEYS_ET_AES256, NULL, 0, S("SALT"), 0, &k[0], &err), -1);
	assert_int_equal(keys_derive(kctx, NULL, "SALT", bad, 1, k, &err), -1);
	assert_int_equal(keys_derive(kctx, "pw", "SALT", NULL, 0, NULL, &err), 0);
}

static void test_key_wipe(void **state)
{
	struct nlt_key k;
	uint8_t zero[sizeof(k)];

	(void)state;
	memset(&k, 0xa5, sizeof(k));
	memset(zero, 0, sizeof(zero));
	keys_key_wipe(&k);
	assert_memory_equal(&k, zero, sizeof(k));
	keys_key_wipe(NULL);
}

/* ---- salts ----------------------------------------------------------- */

static void test_salt_examples(void **state)
{
	static const struct {
		const char *realm, *sam, *computer, *user;
	} v[] = {
		{ "LAB.TEST", "WS1$", "LAB.TESThostws1.lab.test", "LAB.TESTWS1$" },
		{ "lab.test", "ws1$", "LAB.TESThostws1.lab.test", "LAB.TESTws1$" },
		/* PROTOCOLS.md §8.2 */
		{ "example.com", "CLIENT1$", "EXAMPLE.COMhostclient1.example.com", "EXAMPLE.COMCLIENT1$" },
		/* sAMAccountName, not dNSHostName: a renamed host keeps its old salt */
		{ "Corp.Example.COM", "OLD-NAME$", "CORP.EXAMPLE.COMhostold-name.corp.example.com",
		  "CORP.EXAMPLE.COMOLD-NAME$" },
		/* only the one trailing '$' goes */
		{ "LAB.TEST", "A$$", "LAB.TESThosta$.lab.test", "LAB.TESTA$$" },
		/* without a '$' nothing is stripped */
		{ "LAB.TEST", "Svc_Web", "LAB.TESThostsvc_web.lab.test", "LAB.TESTSvc_Web" },
	};
	struct nlt_err err = { 0 };
	char out[128];

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_int_equal(keys_salt_computer(v[i].realm, v[i].sam, out, sizeof(out), &err), 0);
		assert_string_equal(out, v[i].computer);
		assert_int_equal(keys_salt_user(v[i].realm, v[i].sam, out, sizeof(out), &err), 0);
		assert_string_equal(out, v[i].user);
	}
}

static void test_salt_rejects_bad_names(void **state)
{
	static const char *const bad[] = { "", "$", "ws 1$", "ws1\n$", "w\xc3\xa9$", "ws1/x$", "ws1@x$" };
	struct nlt_err err = { 0 };
	char out[64];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		nlt_clearerr(&err);
		assert_int_equal(keys_salt_computer("LAB.TEST", bad[i], out, sizeof(out), &err), -1);
		assert_int_equal(err.cat, NLT_EUSAGE);
	}
	assert_int_equal(keys_salt_user("LAB.TEST", "$", out, sizeof(out), &err), 0); /* a user may be "$" */
	assert_int_equal(keys_salt_computer(NULL, "WS1$", out, sizeof(out), &err), -1);
	assert_int_equal(keys_salt_computer("", "WS1$", out, sizeof(out), &err), -1);
	assert_int_equal(keys_salt_computer("LAB TEST", "WS1$", out, sizeof(out), &err), -1);
	assert_int_equal(keys_salt_user("LAB.TEST", NULL, out, sizeof(out), &err), -1);
}

static void test_salt_buffer_bounds(void **state)
{
	const char *want = "LAB.TESThostws1.lab.test";
	size_t need = strlen(want) + 1;
	struct nlt_err err = { 0 };

	(void)state;
	for (size_t cap = 0; cap < need; cap++) {
		char *out = malloc(cap ? cap : 1);

		assert_non_null(out);
		nlt_clearerr(&err);
		assert_int_equal(keys_salt_computer("LAB.TEST", "WS1$", cap ? out : NULL, cap, &err), -1);
		assert_int_equal(err.cat, NLT_EINTERNAL);
		if (cap)
			assert_non_null(memchr(out, '\0', cap));
		free(out);
	}
	{
		char *out = malloc(need);

		assert_non_null(out);
		assert_int_equal(keys_salt_computer("LAB.TEST", "WS1$", out, need, &err), 0);
		assert_string_equal(out, want);
		free(out);
	}
}

/* ---- enctype sets ----------------------------------------------------- */

static void expect_set(uint32_t bits, int effective, const int32_t *want, size_t n)
{
	int32_t out[8];

	memset(out, 0, sizeof(out));
	assert_int_equal(keys_set_enctypes(bits, effective, out, 8), n);
	assert_memory_equal(out, want, n * sizeof(out[0]));
}

static void test_set_to_enctypes(void **state)
{
	static const int32_t rc4[] = { 23 };
	static const int32_t aes[] = { 18, 17 };
	static const int32_t aes_rc4[] = { 18, 17, 23 };
	static const int32_t all[] = { 18, 17, 23, 3, 1 };
	static const int32_t d27[] = { 23, 3, 1 };
	int32_t two[2] = { 0, 0 };

	(void)state;
	/* 0 / absent: the AD default, RC4 tickets (PROTOCOLS.md §8.3) */
	expect_set(0, 1, rc4, 1);
	expect_set(0, 0, NULL, 0);
	/* flags without an enctype bit fall back the same way */
	expect_set(KEYS_SET_AES256_SK | KEYS_SET_FAST, 1, rc4, 1);
	expect_set(KEYS_SET_AES256_SK | KEYS_SET_FAST, 0, NULL, 0);
	expect_set(0x18, 1, aes, 2);
	expect_set(0x1c, 1, aes_rc4, 3);
	expect_set(0x1c | KEYS_SET_CLAIMS | 0x80000000u, 0, aes_rc4, 3);
	expect_set(0x1f, 0, all, 5);
	expect_set(0x27, 1, d27, 3); /* DefaultDomainSupportedEncTypes since KB5021131 */
	expect_set(KEYS_SET_RECOMMENDED, 0, aes, 2);
	/* cap: the count is the full one, only cap written */
	assert_int_equal(keys_set_enctypes(0x1f, 0, two, 2), 5);
	assert_int_equal(two[0], 18);
	assert_int_equal(two[1], 17);
	assert_int_equal(keys_set_enctypes(0x1f, 0, NULL, 0), 5);
}

static void test_enctype_bits_and_names(void **state)
{
	(void)state;
	assert_int_equal(keys_enctype_set_bit(KEYS_ET_DES_CBC_CRC), 0x1);
	assert_int_equal(keys_enctype_set_bit(KEYS_ET_DES_CBC_MD5), 0x2);
	assert_int_equal(keys_enctype_set_bit(KEYS_ET_RC4), 0x4);
	assert_int_equal(keys_enctype_set_bit(KEYS_ET_AES128), 0x8);
	assert_int_equal(keys_enctype_set_bit(KEYS_ET_AES256), 0x10);
	assert_int_equal(keys_enctype_set_bit(2), 0);   /* des-cbc-md4 has no bit */
	assert_int_equal(keys_enctype_set_bit(20), 0);  /* aes256-sha2 neither */
	assert_string_equal(keys_enctype_name(18), "aes256-cts-hmac-sha1-96");
	assert_string_equal(keys_enctype_name(17), "aes128-cts-hmac-sha1-96");
	assert_string_equal(keys_enctype_name(23), "rc4-hmac");
	assert_string_equal(keys_enctype_name(3), "des-cbc-md5");
	assert_string_equal(keys_enctype_name(1), "des-cbc-crc");
	assert_null(keys_enctype_name(0));
	assert_null(keys_enctype_name(-128));
	assert_string_equal(keys_set_bit_name(0x20), "aes256-sk");
	assert_string_equal(keys_set_bit_name(0x10000), "fast");
	assert_string_equal(keys_set_bit_name(0x20000), "compound-identity");
	assert_string_equal(keys_set_bit_name(0x40000), "claims");
	assert_string_equal(keys_set_bit_name(0x80000), "resource-sid-compression-disabled");
	assert_null(keys_set_bit_name(0x40));
	assert_null(keys_set_bit_name(0x3));
	/* every enctype name is the one MIT's libkrb5 knows */
	for (int32_t et = 0; et < 64; et++) {
		const char *name = keys_enctype_name(et);
		krb5_enctype parsed;

		if (!name)
			continue;
		if (krb5_string_to_enctype((char *)(uintptr_t)name, &parsed) != 0) {
			/* libkrb5 >= 1.18 dropped single DES, names included */
			assert_true(et == KEYS_ET_DES_CBC_CRC || et == KEYS_ET_DES_CBC_MD5);
			continue;
		}
		assert_int_equal(parsed, et);
	}
}

static void test_set_str(void **state)
{
	char buf[256];

	(void)state;
	assert_int_equal(keys_set_str(0, ",", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	assert_int_equal(keys_set_str(0x1c, ",", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "rc4-hmac,aes128-cts-hmac-sha1-96,aes256-cts-hmac-sha1-96");
	assert_int_equal(keys_set_str(0x27, " ", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "des-cbc-crc des-cbc-md5 rc4-hmac aes256-sk");
	assert_int_equal(keys_set_str(0x80010040u, NULL, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "0x40,fast,0x80000000");
	/* too small: -1 and a truncated, terminated string */
	assert_int_equal(keys_set_str(0x1c, ",", buf, 12), -1);
	assert_non_null(memchr(buf, '\0', 12));
	assert_int_equal(keys_set_str(0x4, ",", buf, 9), 0); /* "rc4-hmac" + NUL exactly */
	assert_string_equal(buf, "rc4-hmac");
	assert_int_equal(keys_set_str(0x4, ",", buf, 8), -1);
	assert_int_equal(keys_set_str(0x4, ",", NULL, 0), -1);
}

/* ---- machine passwords ------------------------------------------------ */

/* 0, 1, ..., 255, 0, 1, ...: every byte value equally often */
struct counter {
	uint32_t next;
	size_t calls;
};

static int rng_counter(void *ctx, void *buf, size_t len)
{
	struct counter *c = ctx;
	uint8_t *p = buf;

	c->calls++;
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)c->next++;
	return 0;
}

static void test_password_from_counter_rng(void **state)
{
	struct counter c = { 0, 0 };
	struct nlt_err err = { 0 };
	char pw[KEYS_PASSWORD_LEN + 1], want[KEYS_PASSWORD_LEN + 1];

	(void)state;
	/* bytes 0..119 are all accepted: character i is '!' + i mod 94 */
	for (size_t i = 0; i < KEYS_PASSWORD_LEN; i++)
		want[i] = (char)('!' + i % 94);
	want[KEYS_PASSWORD_LEN] = '\0';
	assert_int_equal(keys_gen_password(rng_counter, &c, KEYS_PASSWORD_LEN, pw, sizeof(pw), &err), 0);
	assert_string_equal(pw, want);
	/* the next one starts at byte 128: 128..187 accepted, 188..255 rejected, then 0.. */
	assert_int_equal(keys_gen_password(rng_counter, &c, KEYS_PASSWORD_LEN, pw, sizeof(pw), &err), 0);
	for (size_t i = 0; i < KEYS_PASSWORD_LEN; i++) {
		unsigned b = i < 60 ? 128 + (unsigned)i : (unsigned)i - 60;

		assert_int_equal(pw[i], '!' + b % 94);
	}
}

/* One chosen byte v, then the counter 0, 1, 2, ... (120 accepted bytes with every class). */
struct probe {
	int v;
	size_t pos;
};

static int rng_probe(void *ctx, void *buf, size_t len)
{
	struct probe *pr = ctx;
	uint8_t *p = buf;

	for (size_t i = 0; i < len; i++, pr->pos++)
		p[i] = pr->pos == 0 ? (uint8_t)pr->v : (uint8_t)(pr->pos - 1);
	return 0;
}

/*
 * Exhaustively over the 256 byte values: 188 are accepted and each of the
 * 94 characters has exactly two of them; the other 68 are drawn again.
 * (Plain "byte % 94" would give the first 68 characters three.)
 */
static void test_password_has_no_modulo_bias(void **state)
{
	struct nlt_err err = { 0 };
	size_t count[94] = { 0 }, rejected = 0;
	char pw[KEYS_PASSWORD_LEN + 1];

	(void)state;
	for (int v = 0; v < 256; v++) {
		struct probe pr = { v, 0 };

		assert_int_equal(keys_gen_password(rng_probe, &pr, KEYS_PASSWORD_LEN, pw, sizeof(pw), &err), 0);
		if (pw[1] == '"') {
			/* v was dropped: the password is the counter from 0 */
			assert_int_equal(pw[0], '!');
			assert_true(v >= 188);
			rejected++;
		} else {
			/* v was used: then the counter from 0 */
			assert_int_equal(pw[1], '!');
			assert_true(v < 188);
			assert_int_equal(pw[0], '!' + v % 94);
			count[pw[0] - '!']++;
		}
	}
	assert_int_equal(rejected, 256 - 188);
	for (size_t i = 0; i < 94; i++)
		assert_int_equal(count[i], 2);
}

/* xorshift64*: a deterministic stand-in for getrandom */
static int rng_xorshift(void *ctx, void *buf, size_t len)
{
	uint64_t *s = ctx;
	uint8_t *p = buf;

	for (size_t i = 0; i < len; i++) {
		*s ^= *s >> 12;
		*s ^= *s << 25;
		*s ^= *s >> 27;
		p[i] = (uint8_t)((*s * 0x2545f4914f6cdd1dull) >> 56);
	}
	return 0;
}

static void test_password_distribution_chi_square(void **state)
{
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	struct nlt_err err = { 0 };
	double expect, chi2 = 0;
	size_t count[94] = { 0 }, total = 0;
	char pw[KEYS_PASSWORD_LEN + 1];

	(void)state;
	for (int n = 0; n < 2000; n++) {
		assert_int_equal(keys_gen_password(rng_xorshift, &seed, KEYS_PASSWORD_LEN, pw, sizeof(pw), &err), 0);
		assert_int_equal(strlen(pw), KEYS_PASSWORD_LEN);
		for (size_t i = 0; i < KEYS_PASSWORD_LEN; i++) {
			assert_true(pw[i] >= '!' && pw[i] <= '~');
			count[pw[i] - '!']++;
			total++;
		}
	}
	expect = (double)total / 94;
	for (size_t i = 0; i < 94; i++)
		chi2 += ((double)count[i] - expect) * ((double)count[i] - expect) / expect;
	/* 93 degrees of freedom: mean 93; P(chi2 > 150) is about 1e-4 */
	assert_true(chi2 < 150.0);
	/* and a biased generator would fail it: the modulo bias of 3:2 */
	{
		double biased = 0, per = (double)total / (68 * 3 + 26 * 2);

		for (size_t i = 0; i < 94; i++) {
			double got = per * (i < 68 ? 3 : 2);

			biased += (got - expect) * (got - expect) / expect;
		}
		assert_true(biased > 1000.0);
	}
}

/* Scripted: first a run of 'a' (byte 64), then the counter */
struct script {
	size_t left_a;
	struct counter c;
};

static int rng_script(void *ctx, void *buf, size_t len)
{
	struct script *s = ctx;
	uint8_t *p = buf;

	for (size_t i = 0; i < len; i++) {
		if (s->left_a) {
			s->left_a--;
			p[i] = 'a' - '!';
		} else {
			rng_counter(&s->c, &p[i], 1);
		}
	}
	return 0;
}

static void test_password_missing_a_class_is_redrawn(void **state)
{
	struct script s = { KEYS_PASSWORD_LEN, { 0, 0 } };
	struct nlt_err err = { 0 };
	char pw[KEYS_PASSWORD_LEN + 1];

	(void)state;
	assert_int_equal(keys_gen_password(rng_script, &s, KEYS_PASSWORD_LEN, pw, sizeof(pw), &err), 0);
	/*
	 * The all-'a' draw (64 + 56 bytes of two 64-byte pools) was refused;
	 * the rest of that pool (counter bytes 0..7) went with it, and the
	 * second draw starts at counter byte 8.
	 */
	for (size_t i = 0; i < KEYS_PASSWORD_LEN; i++)
		assert_int_equal(pw[i], '!' + (8 + i) % 94);
}

static int rng_high(void *ctx, void *buf, size_t len)
{
	(void)ctx;
	memset(buf, 0xff, len); /* always rejected */
	return 0;
}

static int rng_fail(void *ctx, void *buf, size_t len)
{
	(void)ctx;
	(void)buf;
	(void)len;
	return -1;
}

static int rng_lower_only(void *ctx, void *buf, size_t len)
{
	(void)ctx;
	memset(buf, 'q' - '!', len);
	return 0;
}

static void expect_wiped(const char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++)
		assert_int_equal(buf[i], 0);
}

static void test_password_rng_failures(void **state)
{
	struct nlt_err err = { 0 };
	char pw[KEYS_PASSWORD_LEN + 1];

	(void)state;
	memset(pw, 'x', sizeof(pw));
	assert_int_equal(keys_gen_password(rng_high, NULL, KEYS_PASSWORD_LEN, pw, sizeof(pw), &err), -1);
	assert_int_equal(err.cat, NLT_EINTERNAL);
	expect_wiped(pw, sizeof(pw));
	memset(pw, 'x', sizeof(pw));
	assert_int_equal(keys_gen_password(rng_fail, NULL, KEYS_PASSWORD_LEN, pw, sizeof(pw), &err), -1);
	expect_wiped(pw, sizeof(pw));
	memset(pw, 'x', sizeof(pw));
	assert_int_equal(keys_gen_password(rng_lower_only, NULL, KEYS_PASSWORD_LEN, pw, sizeof(pw), &err), -1);
	assert_int_equal(err.cat, NLT_EINTERNAL);
	expect_wiped(pw, sizeof(pw));
}

static void test_password_length_bounds(void **state)
{
	uint64_t c = 7;
	struct nlt_err err = { 0 };
	char pw[KEYS_PASSWORD_MAX + 2];

	(void)state;
	assert_int_equal(keys_gen_password(rng_xorshift, &c, KEYS_PASSWORD_MIN - 1, pw, sizeof(pw), &err), -1);
	assert_int_equal(err.cat, NLT_EUSAGE);
	assert_int_equal(keys_gen_password(rng_xorshift, &c, KEYS_PASSWORD_MAX + 1, pw, sizeof(pw), &err), -1);
	assert_int_equal(keys_gen_password(rng_xorshift, &c, 32, pw, 32, &err), -1); /* no room for the NUL */
	assert_int_equal(keys_gen_password(NULL, &c, 32, pw, sizeof(pw), &err), -1);
	assert_int_equal(keys_gen_password(rng_xorshift, &c, 32, NULL, 0, &err), -1);
	assert_int_equal(keys_gen_password(rng_xorshift, &c, 32, pw, 33, &err), 0);
	assert_int_equal(strlen(pw), 32);
	assert_int_equal(keys_gen_password(rng_xorshift, &c, KEYS_PASSWORD_MAX, pw, sizeof(pw), &err), 0);
	assert_int_equal(strlen(pw), KEYS_PASSWORD_MAX);
	assert_int_equal(keys_gen_password(rng_xorshift, &c, KEYS_PASSWORD_MIN, pw, sizeof(pw), &err), 0);
	assert_int_equal(strlen(pw), KEYS_PASSWORD_MIN);
}

static void test_password_from_getrandom(void **state)
{
	struct nlt_err err = { 0 };
	char a[KEYS_PASSWORD_LEN + 1], b[KEYS_PASSWORD_LEN + 1];

	(void)state;
	assert_int_equal(keys_gen_password(keys_rng_system, NULL, KEYS_PASSWORD_LEN, a, sizeof(a), &err), 0);
	assert_int_equal(keys_gen_password(keys_rng_system, NULL, KEYS_PASSWORD_LEN, b, sizeof(b), &err), 0);
	assert_int_equal(strlen(a), KEYS_PASSWORD_LEN);
	assert_string_not_equal(a, b);
	for (size_t i = 0; i < KEYS_PASSWORD_LEN; i++)
		assert_true(a[i] >= '!' && a[i] <= '~');
}

/* A generated password goes through every key derivation (UTF-8 = ASCII). */
static void test_generated_password_derives_keys(void **state)
{
	static const int32_t ets[] = { KEYS_ET_AES256, KEYS_ET_AES128, KEYS_ET_RC4 };
	uint64_t seed = 42;
	struct nlt_key k[3];
	struct nlt_err err = { 0 };
	char pw[KEYS_PASSWORD_LEN + 1];

	(void)state;
	assert_int_equal(keys_gen_password(rng_xorshift, &seed, KEYS_PASSWORD_LEN, pw, sizeof(pw), &err), 0);
	assert_int_equal(keys_derive(kctx, pw, "LAB.TESThostws1.lab.test", ets, 3, k, &err), 0);
	assert_int_equal(k[0].len, 32);
	assert_int_equal(k[1].len, 16);
	assert_int_equal(k[2].len, 16);
	for (size_t i = 0; i < 3; i++)
		keys_key_wipe(&k[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_rfc3962_iteration_1, strong_iterations),
		cmocka_unit_test_teardown(test_rfc3962_iteration_2, strong_iterations),
		cmocka_unit_test_teardown(test_rfc3962_iteration_1200, strong_iterations),
		cmocka_unit_test_teardown(test_rfc3962_binary_salt, strong_iterations),
		cmocka_unit_test_teardown(test_rfc3962_block_size_passwords, strong_iterations),
		cmocka_unit_test_teardown(test_rfc3962_utf8_password, strong_iterations),
		cmocka_unit_test(test_iterations_below_4096_are_refused),
		cmocka_unit_test(test_default_iterations_are_4096),
		cmocka_unit_test(test_rc4_is_the_nt_hash),
		cmocka_unit_test(test_rc4_matches_ms_nrpc_ntowf),
		cmocka_unit_test(test_computer_keys_match_ktutil),
		cmocka_unit_test(test_user_keys_match_dsinternals),
		cmocka_unit_test(test_derive_errors),
		cmocka_unit_test(test_key_wipe),
		cmocka_unit_test(test_salt_examples),
		cmocka_unit_test(test_salt_rejects_bad_names),
		cmocka_unit_test(test_salt_buffer_bounds),
		cmocka_unit_test(test_set_to_enctypes),
		cmocka_unit_test(test_enctype_bits_and_names),
		cmocka_unit_test(test_set_str),
		cmocka_unit_test(test_password_from_counter_rng),
		cmocka_unit_test(test_password_has_no_modulo_bias),
		cmocka_unit_test(test_password_distribution_chi_square),
		cmocka_unit_test(test_password_missing_a_class_is_redrawn),
		cmocka_unit_test(test_password_rng_failures),
		cmocka_unit_test(test_password_length_bounds),
		cmocka_unit_test(test_password_from_getrandom),
		cmocka_unit_test(test_generated_password_derives_keys),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
