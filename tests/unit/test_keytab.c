/*
 * tests/unit/test_keytab.c - proto/keytab.c: MIT keytab format 0x0502.
 *
 * Golden files (tests/vectors/README.md "## Keytab"; raw copies in
 * tests/fuzz/corpus/keytab/): written by MIT krb5 1.20.1 itself, ktutil
 * "addent -password -s SALT" + "wkt" and libkrb5's krb5_kt_remove_entry /
 * krb5_kt_add_entry (holes, a hole reused with zero fill).  Expected values
 * are what klist -kteK and impacket.krb5.keytab (an independent parser)
 * print for them.  Salt LAB.TESThostws1.lab.test throughout; kvno 3 keys
 * from "Passw0rd-ws1", kvno 2 from "Old-pw-2", kvno 4 from "Next-pw-4"
 * (test_keys.c derives the same keys).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "keytab.h"
#include "sweep.h"

static const char ktutil_aes256_hex[] =
	"050200000043000100084c41422e54455354000457533124000000016b0b3836030012002019968a45f372ed715e9970"
	"488ef7079fb4122cbe591de63caaf73a0ad073b7ec00000003";
static const char ktutil_kvno300_hex[] =
	"050200000033000100084c41422e54455354000457533124000000016b0b38362c0011001037b18ba1e06c7809162f11"
	"468510ef550000012c";
static const char ktutil_lab_hex[] =
	"050200000043000100084c41422e54455354000457533124000000016b0b38360200120020cb3ec3b6a8c9e63724ea49"
	"c2408e2d2cbd8df90fde17a8cfd141dd4fbf2de8fe0000000200000033000100084c41422e5445535400045753312400"
	"0000016b0b38360200110010e1330b8290107e3be1262f2bab6294ba0000000200000033000100084c41422e54455354"
	"000457533124000000016b0b38360200170010f24865001922049a6db825baa4ecead80000000200000051000200084c"
	"41422e544553540004686f7374000c7773312e6c61622e74657374000000016b0b38360200120020cb3ec3b6a8c9e637"
	"24ea49c2408e2d2cbd8df90fde17a8cfd141dd4fbf2de8fe0000000200000041000200084c41422e544553540004686f"
	"7374000c7773312e6c61622e74657374000000016b0b38360200110010e1330b8290107e3be1262f2bab6294ba000000"
	"0200000041000200084c41422e544553540004686f7374000c7773312e6c61622e74657374000000016b0b3836020017"
	"0010f24865001922049a6db825baa4ecead80000000200000048000200084c41422e544553540004686f737400035753"
	"31000000016b0b38360200120020cb3ec3b6a8c9e63724ea49c2408e2d2cbd8df90fde17a8cfd141dd4fbf2de8fe0000"
	"000200000038000200084c41422e544553540004686f73740003575331000000016b0b38360200110010e1330b829010"
	"7e3be1262f2bab6294ba0000000200000038000200084c41422e544553540004686f73740003575331000000016b0b38"
	"360200170010f24865001922049a6db825baa4ecead80000000200000043000100084c41422e54455354000457533124"
	"000000016b0b3836030012002019968a45f372ed715e9970488ef7079fb4122cbe591de63caaf73a0ad073b7ec000000"
	"0300000033000100084c41422e54455354000457533124000000016b0b3836030011001037b18ba1e06c7809162f1146"
	"8510ef550000000300000033000100084c41422e54455354000457533124000000016b0b383603001700108baf3df662"
	"bfa63daa84e0c02e3f59350000000300000051000200084c41422e544553540004686f7374000c7773312e6c61622e74"
	"657374000000016b0b3836030012002019968a45f372ed715e9970488ef7079fb4122cbe591de63caaf73a0ad073b7ec"
	"0000000300000041000200084c41422e544553540004686f7374000c7773312e6c61622e74657374000000016b0b3836"
	"030011001037b18ba1e06c7809162f11468510ef550000000300000041000200084c41422e544553540004686f737400"
	"0c7773312e6c61622e74657374000000016b0b383603001700108baf3df662bfa63daa84e0c02e3f5935000000030000"
	"0048000200084c41422e544553540004686f73740003575331000000016b0b3836030012002019968a45f372ed715e99"
	"70488ef7079fb4122cbe591de63caaf73a0ad073b7ec0000000300000038000200084c41422e544553540004686f7374"
	"0003575331000000016b0b3836030011001037b18ba1e06c7809162f11468510ef550000000300000038000200084c41"
	"422e544553540004686f73740003575331000000016b0b383603001700108baf3df662bfa63daa84e0c02e3f59350000"
	"0003";
static const char krb5_holes_hex[] =
	"050200000043000100084c41422e54455354000457533124000000016b0b3836040017001075e852ccbc5019c2795230"
	"240c0bf74e000000040000000000000000000000000000000000000033000100084c41422e5445535400045753312400"
	"0000016b0b38360200110010e1330b8290107e3be1262f2bab6294ba0000000200000033000100084c41422e54455354"
	"000457533124000000016b0b38360200170010f24865001922049a6db825baa4ecead80000000200000051000200084c"
	"41422e544553540004686f7374000c7773312e6c61622e74657374000000016b0b38360200120020cb3ec3b6a8c9e637"
	"24ea49c2408e2d2cbd8df90fde17a8cfd141dd4fbf2de8fe0000000200000041000200084c41422e544553540004686f"
	"7374000c7773312e6c61622e74657374000000016b0b38360200110010e1330b8290107e3be1262f2bab6294ba000000"
	"0200000041000200084c41422e544553540004686f7374000c7773312e6c61622e74657374000000016b0b3836020017"
	"0010f24865001922049a6db825baa4ecead80000000200000048000200084c41422e544553540004686f737400035753"
	"31000000016b0b38360200120020cb3ec3b6a8c9e63724ea49c2408e2d2cbd8df90fde17a8cfd141dd4fbf2de8fe0000"
	"0002ffffffc8000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
	"000000000000000000000000000000000038000200084c41422e544553540004686f73740003575331000000016b0b38"
	"360200170010f24865001922049a6db825baa4ecead80000000200000043000100084c41422e54455354000457533124"
	"000000016b0b3836030012002019968a45f372ed715e9970488ef7079fb4122cbe591de63caaf73a0ad073b7ec000000"
	"0300000033000100084c41422e54455354000457533124000000016b0b3836030011001037b18ba1e06c7809162f1146"
	"8510ef550000000300000033000100084c41422e54455354000457533124000000016b0b383603001700108baf3df662"
	"bfa63daa84e0c02e3f59350000000300000051000200084c41422e544553540004686f7374000c7773312e6c61622e74"
	"657374000000016b0b3836030012002019968a45f372ed715e9970488ef7079fb4122cbe591de63caaf73a0ad073b7ec"
	"0000000300000041000200084c41422e544553540004686f7374000c7773312e6c61622e74657374000000016b0b3836"
	"030011001037b18ba1e06c7809162f11468510ef550000000300000041000200084c41422e544553540004686f737400"
	"0c7773312e6c61622e74657374000000016b0b383603001700108baf3df662bfa63daa84e0c02e3f5935000000030000"
	"0048000200084c41422e544553540004686f73740003575331000000016b0b3836030012002019968a45f372ed715e99"
	"70488ef7079fb4122cbe591de63caaf73a0ad073b7ec0000000300000038000200084c41422e544553540004686f7374"
	"0003575331000000016b0b3836030011001037b18ba1e06c7809162f11468510ef550000000300000038000200084c41"
	"422e544553540004686f73740003575331000000016b0b383603001700108baf3df662bfa63daa84e0c02e3f59350000"
	"0003";

#define TS_KTUTIL 1795897398u /* 2026-11-28T20:23:18Z, when ktutil ran */
#define BUF_MAX 4096
#define MAX_ENTRIES 32

static const char key_aes256_3[] = "19968a45f372ed715e9970488ef7079fb4122cbe591de63caaf73a0ad073b7ec";
static const char key_aes128_3[] = "37b18ba1e06c7809162f11468510ef55";
static const char key_rc4_3[] = "8baf3df662bfa63daa84e0c02e3f5935";
static const char key_aes256_2[] = "cb3ec3b6a8c9e63724ea49c2408e2d2cbd8df90fde17a8cfd141dd4fbf2de8fe";
static const char key_aes128_2[] = "e1330b8290107e3be1262f2bab6294ba";
static const char key_rc4_2[] = "f24865001922049a6db825baa4ecead8";
static const char key_rc4_4[] = "75e852ccbc5019c2795230240c0bf74e";

/* An exact-size heap copy of a hex vector, so ASan sees any overread. */
struct blob {
	uint8_t *p;
	size_t n;
};

static struct blob load(const char *hex)
{
	uint8_t tmp[BUF_MAX];
	struct blob b;

	b.n = sweep_unhex(hex, tmp, sizeof(tmp));
	b.p = malloc(b.n ? b.n : 1);
	assert_non_null(b.p);
	memcpy(b.p, tmp, b.n);
	return b;
}

static void expect_str(const struct kt_str *s, const char *want)
{
	assert_int_equal(s->len, strlen(want));
	assert_memory_equal(s->ptr, want, s->len);
}

static void expect_key(const struct kt_entry *e, int32_t enctype, const char *hex)
{
	uint8_t want[64];
	size_t n = sweep_unhex(hex, want, sizeof(want));

	assert_int_equal(e->enctype, enctype);
	assert_int_equal(e->key.len, n);
	assert_memory_equal(e->key.ptr, want, n);
}

static void expect_principal(const struct kt_entry *e, const char *want)
{
	char buf[256];

	assert_int_equal(kt_entry_principal_str(e, buf, sizeof(buf)), WIRE_OK);
	assert_string_equal(buf, want);
}

/* The record boundaries of a well-formed file: 2, then after each record. */
static size_t boundaries(const uint8_t *p, size_t n, size_t *out, size_t cap)
{
	size_t pos = 2, k = 0;

	out[k++] = 2;
	while (pos + 4 <= n) {
		int32_t size = (int32_t)ld_u32be(p + pos);

		pos += 4 + (size_t)(size < 0 ? -(int64_t)size : size);
		assert_true(pos <= n && k < cap);
		out[k++] = pos;
	}
	assert_int_equal(pos, n);
	return k;
}

/* ---- golden files ------------------------------------------------------ */

static void test_ktutil_single_entry(void **state)
{
	struct blob b = load(ktutil_aes256_hex);
	struct kt_entry e[MAX_ENTRIES];
	struct kt_dec_info info;

	(void)state;
	assert_int_equal(b.n, 73);
	assert_int_equal(kt_dec(b.p, b.n, e, MAX_ENTRIES, &info), WIRE_OK);
	assert_int_equal(info.n_entries, 1);
	assert_int_equal(info.n_holes, 0);
	assert_int_equal(info.hole_bytes, 0);
	assert_int_equal(info.tail, 0);
	expect_str(&e[0].realm, "LAB.TEST");
	assert_int_equal(e[0].n_comp, 1);
	expect_str(&e[0].comp[0], "WS1$");
	assert_int_equal(e[0].name_type, KT_NT_PRINCIPAL);
	assert_int_equal(e[0].timestamp, TS_KTUTIL);
	assert_int_equal(e[0].kvno, 3);
	expect_key(&e[0], 18, key_aes256_3);
	/* borrowed: the key points into the input */
	assert_ptr_equal(e[0].key.ptr, b.p + 37);
	expect_principal(&e[0], "WS1$@LAB.TEST");
	free(b.p);
}

static void test_ktutil_kvno_above_255(void **state)
{
	struct blob b = load(ktutil_kvno300_hex);
	struct kt_entry e[1];

	(void)state;
	assert_int_equal(kt_dec(b.p, b.n, e, 1, NULL), WIRE_OK);
	/* the 8-bit field holds 300 mod 256, the trailing 32-bit one 300 */
	assert_int_equal(b.p[2 + 4 + 26], 44);
	assert_int_equal(ld_u32be(b.p + b.n - 4), 300);
	assert_int_equal(e[0].kvno, 300);
	expect_key(&e[0], 17, key_aes128_3);
	free(b.p);
}

static void test_ktutil_lab_keytab(void **state)
{
	static const char *const princ[] = { "WS1$@LAB.TEST", "host/ws1.lab.test@LAB.TEST", "host/WS1@LAB.TEST" };
	static const int32_t ets[] = { 18, 17, 23 };
	static const char *const keys2[] = { key_aes256_2, key_aes128_2, key_rc4_2 };
	static const char *const keys3[] = { key_aes256_3, key_aes128_3, key_rc4_3 };
	struct blob b = load(ktutil_lab_hex);
	struct kt_entry e[MAX_ENTRIES];
	struct kt_dec_info info;

	(void)state;
	assert_int_equal(kt_dec(b.p, b.n, e, MAX_ENTRIES, &info), WIRE_OK);
	assert_int_equal(info.n_entries, 18);
	assert_int_equal(info.n_holes, 0);
	for (size_t i = 0; i < 18; i++) {
		size_t kv = i / 9, p = (i / 3) % 3, t = i % 3;

		expect_principal(&e[i], princ[p]);
		expect_str(&e[i].realm, "LAB.TEST");
		assert_int_equal(e[i].n_comp, p == 0 ? 1 : 2);
		assert_int_equal(e[i].name_type, KT_NT_PRINCIPAL);
		assert_int_equal(e[i].timestamp, TS_KTUTIL);
		assert_int_equal(e[i].kvno, 2 + kv);
		expect_key(&e[i], ets[t], kv ? keys3[t] : keys2[t]);
	}
	expect_str(&e[3].comp[0], "host");
	expect_str(&e[3].comp[1], "ws1.lab.test");
	expect_str(&e[6].comp[1], "WS1");
	assert_true(kt_principal_eq(&e[0], &e[9]));
	assert_true(kt_principal_eq(&e[3], &e[14]));
	assert_false(kt_principal_eq(&e[3], &e[6]));
	assert_false(kt_principal_eq(&e[0], &e[3]));
	free(b.p);
}

static void test_krb5_holes_and_reused_hole(void **state)
{
	static const char *const princ[] = { "WS1$@LAB.TEST", "host/ws1.lab.test@LAB.TEST", "host/WS1@LAB.TEST" };
	static const int32_t ets[] = { 18, 17, 23 };
	static const char *const keys2[] = { key_aes256_2, key_aes128_2, key_rc4_2 };
	static const char *const keys3[] = { key_aes256_3, key_aes128_3, key_rc4_3 };
	struct blob b = load(krb5_holes_hex);
	struct kt_entry e[MAX_ENTRIES];
	struct kt_dec_info info;
	size_t k = 1;

	(void)state;
	assert_int_equal(kt_dec(b.p, b.n, e, MAX_ENTRIES, &info), WIRE_OK);
	assert_int_equal(info.n_entries, 17);
	assert_int_equal(info.n_holes, 1);
	assert_int_equal(info.hole_bytes, 56);
	assert_int_equal(info.tail, 0);
	/* krb5_kt_add_entry put the kvno 4 RC4 key into the 67-byte hole the
	 * kvno 2 AES256 key left: 16 bytes of zero fill after its 32-bit kvno */
	assert_int_equal(ld_u32be(b.p + 2), 67);
	expect_principal(&e[0], "WS1$@LAB.TEST");
	assert_int_equal(e[0].kvno, 4);
	expect_key(&e[0], 23, key_rc4_4);
	/* the rest: the lab keytab without kvno 2 AES256 of WS1$ and kvno 2 AES128 of host/WS1 */
	for (size_t i = 0; i < 18; i++) {
		size_t kv = i / 9, p = (i / 3) % 3, t = i % 3;

		if (i == 0 || i == 7)
			continue;
		expect_principal(&e[k], princ[p]);
		assert_int_equal(e[k].kvno, 2 + kv);
		assert_int_equal(e[k].timestamp, TS_KTUTIL);
		expect_key(&e[k], ets[t], kv ? keys3[t] : keys2[t]);
		k++;
	}
	assert_int_equal(k, 17);
	free(b.p);
}

/* ---- round trips and the encoder ---------------------------------------- */

static void expect_round_trip(const char *hex)
{
	struct blob b = load(hex);
	struct kt_entry e[MAX_ENTRIES];
	struct kt_dec_info info;
	uint8_t out[BUF_MAX];
	struct wwr w;

	assert_int_equal(kt_dec(b.p, b.n, e, MAX_ENTRIES, &info), WIRE_OK);
	assert_int_equal(kt_enc_len(e, info.n_entries), b.n);
	wwr_init(&w, out, sizeof(out));
	assert_int_equal(kt_enc(&w, e, info.n_entries), WIRE_OK);
	assert_int_equal(wwr_len(&w), b.n);
	assert_memory_equal(out, b.p, b.n);
	free(b.p);
}

static void test_encode_decode_is_identity(void **state)
{
	(void)state;
	expect_round_trip(ktutil_aes256_hex);
	expect_round_trip(ktutil_kvno300_hex);
	expect_round_trip(ktutil_lab_hex);
}

/* Re-encoding a file with holes compacts it: same entries, no holes or fill. */
static void test_reencoding_drops_holes_and_fill(void **state)
{
	struct blob b = load(krb5_holes_hex);
	struct kt_entry e[MAX_ENTRIES], f[MAX_ENTRIES];
	struct kt_dec_info info, info2;
	uint8_t out[BUF_MAX];
	struct wwr w;

	(void)state;
	assert_int_equal(kt_dec(b.p, b.n, e, MAX_ENTRIES, &info), WIRE_OK);
	wwr_init(&w, out, sizeof(out));
	assert_int_equal(kt_enc(&w, e, info.n_entries), WIRE_OK);
	/* minus the 60-byte hole record and the 16 bytes of fill */
	assert_int_equal(wwr_len(&w), b.n - 60 - 16);
	assert_int_equal(kt_dec(out, wwr_len(&w), f, MAX_ENTRIES, &info2), WIRE_OK);
	assert_int_equal(info2.n_entries, info.n_entries);
	assert_int_equal(info2.n_holes, 0);
	for (size_t i = 0; i < info.n_entries; i++) {
		assert_true(kt_principal_eq(&e[i], &f[i]));
		assert_int_equal(e[i].name_type, f[i].name_type);
		assert_int_equal(e[i].timestamp, f[i].timestamp);
		assert_int_equal(e[i].kvno, f[i].kvno);
		assert_int_equal(e[i].enctype, f[i].enctype);
		assert_int_equal(e[i].key.len, f[i].key.len);
		assert_memory_equal(e[i].key.ptr, f[i].key.ptr, e[i].key.len);
	}
	free(b.p);
}

/* Entries built from scratch encode to exactly what ktutil wrote. */
static void test_encoder_matches_ktutil(void **state)
{
	struct blob want = load(ktutil_aes256_hex), want300 = load(ktutil_kvno300_hex);
	uint8_t key[32], key128[16], out[BUF_MAX];
	struct kt_entry e;
	struct wwr w;

	(void)state;
	memset(&e, 0, sizeof(e));
	assert_int_equal(kt_entry_set_principal(&e, "WS1$@LAB.TEST"), WIRE_OK);
	e.timestamp = TS_KTUTIL;
	e.kvno = 3;
	e.enctype = 18;
	e.key.ptr = key;
	e.key.len = sweep_unhex(key_aes256_3, key, sizeof(key));
	wwr_init(&w, out, sizeof(out));
	assert_int_equal(kt_enc(&w, &e, 1), WIRE_OK);
	assert_int_equal(wwr_len(&w), want.n);
	assert_memory_equal(out, want.p, want.n);

	e.kvno = 300;
	e.enctype = 17;
	e.key.ptr = key128;
	e.key.len = sweep_unhex(key_aes128_3, key128, sizeof(key128));
	wwr_init(&w, out, sizeof(out));
	assert_int_equal(kt_enc(&w, &e, 1), WIRE_OK);
	assert_int_equal(wwr_len(&w), want300.n);
	assert_memory_equal(out, want300.p, want300.n);
	free(want.p);
	free(want300.p);
}

static void test_encode_empty_keytab(void **state)
{
	uint8_t out[8];
	struct wwr w;
	struct kt_dec_info info;

	(void)state;
	wwr_init(&w, out, sizeof(out));
	assert_int_equal(kt_enc(&w, NULL, 0), WIRE_OK);
	assert_int_equal(wwr_len(&w), 2);
	assert_int_equal(out[0], 0x05);
	assert_int_equal(out[1], 0x02);
	assert_int_equal(kt_enc_len(NULL, 0), 2);
	assert_int_equal(kt_dec(out, 2, NULL, 0, &info), WIRE_OK);
	assert_int_equal(info.n_entries, 0);
}

static void test_encode_into_every_short_buffer_is_espace(void **state)
{
	struct blob b = load(ktutil_lab_hex);
	struct kt_entry e[MAX_ENTRIES];
	struct kt_dec_info info;
	struct wwr w;

	(void)state;
	assert_int_equal(kt_dec(b.p, b.n, e, MAX_ENTRIES, &info), WIRE_OK);
	for (size_t cap = 0; cap < b.n; cap++) {
		uint8_t *out = malloc(cap ? cap : 1);

		assert_non_null(out);
		wwr_init(&w, out, cap);
		assert_int_equal(kt_enc(&w, e, info.n_entries), WIRE_ESPACE);
		free(out);
	}
	free(b.p);
}

static void test_encoder_rejects_invalid_entries(void **state)
{
	static uint8_t big[KT_MAX_STRING + 1];
	uint8_t key[KT_MAX_KEY + 1] = { 1 }, out[BUF_MAX];
	struct kt_entry good, e;
	struct wwr w;

	(void)state;
	memset(big, 'a', sizeof(big));
	memset(&good, 0, sizeof(good));
	assert_int_equal(kt_entry_set_principal(&good, "host/ws1@LAB.TEST"), WIRE_OK);
	good.enctype = 18;
	good.key.ptr = key;
	good.key.len = 32;

#define EXPECT_BAD(mutate)                                                   \
	do {                                                                 \
		e = good;                                                    \
		mutate;                                                      \
		assert_int_equal(kt_enc_len(&e, 1), 0);                      \
		wwr_init(&w, out, sizeof(out));                              \
		assert_int_equal(kt_enc(&w, &e, 1), WIRE_EBAD);              \
		assert_int_equal(wwr_len(&w), 0);                            \
	} while (0)

	EXPECT_BAD(e.n_comp = 0);
	EXPECT_BAD(e.n_comp = KT_MAX_COMPONENTS + 1);
	EXPECT_BAD(e.realm.len = 0);
	EXPECT_BAD(e.realm.ptr = NULL);
	EXPECT_BAD(e.comp[1].len = 0);
	EXPECT_BAD(e.key.ptr = NULL);
	EXPECT_BAD(e.key.len = 0);
	EXPECT_BAD(e.key.len = KT_MAX_KEY + 1);
	EXPECT_BAD(e.enctype = 65536);
	EXPECT_BAD(e.enctype = -32769);
	EXPECT_BAD((e.realm.ptr = big, e.realm.len = KT_MAX_STRING + 1));
	EXPECT_BAD((e.comp[0].ptr = big, e.comp[0].len = KT_MAX_STRING + 1));
#undef EXPECT_BAD

	/* the limits themselves are fine */
	e = good;
	e.realm.ptr = big;
	e.realm.len = KT_MAX_STRING;
	e.key.len = KT_MAX_KEY;
	e.enctype = -32768;
	wwr_init(&w, out, sizeof(out));
	assert_int_equal(kt_enc(&w, &e, 1), WIRE_OK);
	assert_int_equal(wwr_len(&w), kt_enc_len(&e, 1));
	/* a bad entry after a good one: nothing is written */
	{
		struct kt_entry two[2] = { good, good };

		two[1].n_comp = 0;
		wwr_init(&w, out, sizeof(out));
		assert_int_equal(kt_enc(&w, two, 2), WIRE_EBAD);
		assert_int_equal(wwr_len(&w), 0);
	}
	wwr_init(&w, out, sizeof(out));
	assert_int_equal(kt_enc(&w, NULL, 1), WIRE_EBAD);
}

/* ---- hand-built records (kt_file.c layout) ------------------------------- */

struct rec {
	int32_t size;       /* 0: computed */
	uint16_t ncomp;     /* as written */
	const char *realm;
	const char *comps[KT_MAX_COMPONENTS + 2];
	uint32_t name_type, timestamp;
	uint8_t vno8;
	uint16_t enctype;
	uint16_t keylen;
	int vno32;          /* -1: absent */
	size_t fill;        /* bytes after vno32 */
	uint8_t fill_byte;
};

static struct rec rec_default(void)
{
	struct rec r;

	memset(&r, 0, sizeof(r));
	r.ncomp = 1;
	r.realm = "LAB.TEST";
	r.comps[0] = "WS1$";
	r.name_type = 1;
	r.timestamp = 1700000000u;
	r.vno8 = 5;
	r.enctype = 18;
	r.keylen = 32;
	r.vno32 = 5;
	return r;
}

/* Append one record to w. */
static void rec_put(struct wwr *w, const struct rec *r)
{
	size_t at = wwr_reserve(w, 4), start = wwr_len(w);

	wwr_u16be(w, r->ncomp);
	wwr_u16be(w, (uint16_t)strlen(r->realm));
	wwr_bytes(w, r->realm, strlen(r->realm));
	for (size_t i = 0; r->comps[i]; i++) {
		wwr_u16be(w, (uint16_t)strlen(r->comps[i]));
		wwr_bytes(w, r->comps[i], strlen(r->comps[i]));
	}
	wwr_u32be(w, r->name_type);
	wwr_u32be(w, r->timestamp);
	wwr_u8(w, r->vno8);
	wwr_u16be(w, r->enctype);
	wwr_u16be(w, r->keylen);
	for (size_t i = 0; i < r->keylen; i++)
		wwr_u8(w, (uint8_t)(0xa0 + i));
	if (r->vno32 >= 0)
		wwr_u32be(w, (uint32_t)r->vno32);
	for (size_t i = 0; i < r->fill; i++)
		wwr_u8(w, r->fill_byte);
	wwr_put_u32be_at(w, at, r->size ? (uint32_t)r->size : (uint32_t)(wwr_len(w) - start));
	assert_int_equal(wwr_err(w), WIRE_OK);
}

static uint8_t *file_buf;

static size_t file_of(const struct rec *r, size_t n)
{
	static uint8_t buf[BUF_MAX * 8];
	struct wwr w;

	wwr_init(&w, buf, sizeof(buf));
	wwr_u16be(&w, KT_VERSION_2);
	for (size_t i = 0; i < n; i++)
		rec_put(&w, &r[i]);
	file_buf = buf;
	return wwr_len(&w);
}

static int dec_recs(const struct rec *r, size_t n, struct kt_entry *e, size_t cap, struct kt_dec_info *info)
{
	size_t len = file_of(r, n);
	uint8_t *copy = malloc(len);
	int rc;

	assert_non_null(copy);
	memcpy(copy, file_buf, len);
	rc = kt_dec(copy, len, e, cap, info);
	free(copy);
	return rc;
}

static int dec1(const struct rec *r, struct kt_entry *e)
{
	return dec_recs(r, 1, e, 1, NULL);
}

static void test_record_field_rules(void **state)
{
	struct kt_entry e;
	struct rec r;

	(void)state;
	r = rec_default();
	assert_int_equal(dec1(&r, &e), WIRE_OK);
	assert_int_equal(e.kvno, 5);
	/* num_components 0 (kt_file.c: "if (!count ...) return KRB5_KT_END") */
	r = rec_default();
	r.ncomp = 0;
	r.comps[0] = NULL;
	assert_int_equal(dec1(&r, &e), WIRE_EBAD);
	/* empty realm, empty component, empty key */
	r = rec_default();
	r.realm = "";
	assert_int_equal(dec1(&r, &e), WIRE_EBAD);
	r = rec_default();
	r.comps[0] = "";
	assert_int_equal(dec1(&r, &e), WIRE_EBAD);
	r = rec_default();
	r.keylen = 0;
	assert_int_equal(dec1(&r, &e), WIRE_EBAD);
	/* num_components says 2, one is there: runs into name_type and beyond */
	r = rec_default();
	r.ncomp = 2;
	assert_int_equal(dec1(&r, &e), WIRE_EBAD);
	/* the size field too small for the fields */
	r = rec_default();
	r.size = 30;
	(void)file_of(&r, 1);
	/* cut the file to the declared size so only the record is wrong */
	assert_int_equal(kt_dec(file_buf, 2 + 4 + 30, &e, 1, NULL), WIRE_EBAD);
	/* records smaller than the smallest possible entry */
	for (int32_t sz = 1; sz < 22; sz++) {
		uint8_t f[2 + 4 + 22] = { 0x05, 0x02 };

		f[2] = 0;
		f[3] = 0;
		f[4] = 0;
		f[5] = (uint8_t)sz;
		assert_int_equal(kt_dec(f, 6 + (size_t)sz, &e, 1, NULL), WIRE_EBAD);
	}
}

static void test_trailing_kvno_rules(void **state)
{
	struct kt_entry e;
	struct rec r;

	(void)state;
	/* no 32-bit kvno at all (krb5 < 1.14, Heimdal): the 8-bit one */
	r = rec_default();
	r.vno32 = -1;
	r.vno8 = 7;
	assert_int_equal(dec1(&r, &e), WIRE_OK);
	assert_int_equal(e.kvno, 7);
	/* present and zero: zero fill, the 8-bit one counts */
	r = rec_default();
	r.vno32 = 0;
	r.vno8 = 9;
	assert_int_equal(dec1(&r, &e), WIRE_OK);
	assert_int_equal(e.kvno, 9);
	/* present and nonzero: it wins, even when the low byte disagrees */
	r = rec_default();
	r.vno32 = 0x01020304;
	r.vno8 = 1;
	assert_int_equal(dec1(&r, &e), WIRE_OK);
	assert_int_equal(e.kvno, 0x01020304);
	/* 1..3 bytes after the key: too short for a kvno, zero fill */
	for (size_t f = 1; f <= 3; f++) {
		r = rec_default();
		r.vno32 = -1;
		r.fill = f;
		assert_int_equal(dec1(&r, &e), WIRE_OK);
		assert_int_equal(e.kvno, 5);
		r.fill_byte = 0x01;
		assert_int_equal(dec1(&r, &e), WIRE_EBAD);
	}
	/* fill after the kvno: zero is a reused hole, anything else is not */
	r = rec_default();
	r.fill = 100;
	assert_int_equal(dec1(&r, &e), WIRE_OK);
	assert_int_equal(e.kvno, 5);
	r.fill_byte = 0x80;
	assert_int_equal(dec1(&r, &e), WIRE_EBAD);
}

static void test_enctype_is_sign_extended_like_mit(void **state)
{
	struct kt_entry e;
	struct rec r = rec_default();
	uint8_t out[256];
	struct wwr w;
	size_t len;

	(void)state;
	r.enctype = 0xff80; /* -128, rc4-hmac-old in MIT's numbering */
	assert_int_equal(dec1(&r, &e), WIRE_OK);
	assert_int_equal(e.enctype, -128);
	len = file_of(&r, 1);
	assert_int_equal(kt_dec(file_buf, len, &e, 1, NULL), WIRE_OK);
	wwr_init(&w, out, sizeof(out));
	assert_int_equal(kt_enc(&w, &e, 1), WIRE_OK);
	assert_int_equal(wwr_len(&w), len);
	assert_memory_equal(out, file_buf, len);
}

static void test_caps(void **state)
{
	static char big[KT_MAX_STRING + 2];
	struct kt_entry e[3];
	struct kt_dec_info info;
	struct rec r;

	(void)state;
	r = rec_default();
	r.ncomp = KT_MAX_COMPONENTS;
	for (size_t i = 0; i < KT_MAX_COMPONENTS; i++)
		r.comps[i] = "c";
	assert_int_equal(dec1(&r, e), WIRE_OK);
	assert_int_equal(e[0].n_comp, KT_MAX_COMPONENTS);
	r.ncomp = KT_MAX_COMPONENTS + 1;
	r.comps[KT_MAX_COMPONENTS] = "c";
	assert_int_equal(dec1(&r, e), WIRE_ELIMIT);

	memset(big, 'R', KT_MAX_STRING);
	r = rec_default();
	r.realm = big;
	assert_int_equal(dec1(&r, e), WIRE_OK);
	big[KT_MAX_STRING] = 'R';
	assert_int_equal(dec1(&r, e), WIRE_ELIMIT);
	big[KT_MAX_STRING] = '\0';
	r = rec_default();
	r.comps[0] = big;
	assert_int_equal(dec1(&r, e), WIRE_OK);
	big[KT_MAX_STRING] = 'c';
	assert_int_equal(dec1(&r, e), WIRE_ELIMIT);
	big[KT_MAX_STRING] = '\0';

	r = rec_default();
	r.keylen = KT_MAX_KEY;
	assert_int_equal(dec1(&r, e), WIRE_OK);
	assert_int_equal(e[0].key.len, KT_MAX_KEY);
	r.keylen = KT_MAX_KEY + 1;
	assert_int_equal(dec1(&r, e), WIRE_ELIMIT);

	/* entries: exactly cap is fine, one more is WIRE_ELIMIT; NULL just counts */
	{
		struct rec three[3] = { rec_default(), rec_default(), rec_default() };

		assert_int_equal(dec_recs(three, 3, e, 3, &info), WIRE_OK);
		assert_int_equal(info.n_entries, 3);
		assert_int_equal(dec_recs(three, 3, e, 2, &info), WIRE_ELIMIT);
		assert_int_equal(dec_recs(three, 3, NULL, 0, &info), WIRE_OK);
		assert_int_equal(info.n_entries, 3);
	}
}

/* ---- holes, end marker, stray bytes, versions ------------------------------ */

static size_t cat(uint8_t *dst, size_t at, const char *hex)
{
	return at + sweep_unhex(hex, dst + at, BUF_MAX - at);
}

static void test_holes(void **state)
{
	struct blob one = load(ktutil_aes256_hex);
	uint8_t f[BUF_MAX];
	struct kt_entry e[4];
	struct kt_dec_info info;
	size_t n;

	(void)state;
	/* a hole before and after the entry */
	n = cat(f, 0, "0502 fffffff8 0000000000000000");
	memcpy(f + n, one.p + 2, one.n - 2);
	n += one.n - 2;
	n = cat(f, n, "ffffffff 00");
	assert_int_equal(kt_dec(f, n, e, 4, &info), WIRE_OK);
	assert_int_equal(info.n_entries, 1);
	assert_int_equal(info.n_holes, 2);
	assert_int_equal(info.hole_bytes, 9);
	assert_int_equal(e[0].kvno, 3);
	/* a hole's bytes are not looked at */
	n = cat(f, 0, "0502 fffffffc deadbeef");
	assert_int_equal(kt_dec(f, n, e, 4, &info), WIRE_OK);
	assert_int_equal(info.n_entries, 0);
	assert_int_equal(info.n_holes, 1);
	/* a hole past the end */
	n = cat(f, 0, "0502 fffffff0 00000000");
	assert_int_equal(kt_dec(f, n, e, 4, &info), WIRE_ETRUNC);
	/* INT32_MIN has no size (kt_file.c refuses it too) */
	n = cat(f, 0, "0502 80000000");
	assert_int_equal(kt_dec(f, n, e, 4, &info), WIRE_EBAD);
	/* a huge positive size */
	n = cat(f, 0, "0502 7fffffff 0001");
	assert_int_equal(kt_dec(f, n, e, 4, &info), WIRE_ETRUNC);
	free(one.p);
}

static void test_zero_size_ends_the_keytab(void **state)
{
	struct blob one = load(ktutil_aes256_hex);
	uint8_t f[BUF_MAX];
	struct kt_entry e[4];
	struct kt_dec_info info;
	size_t n;

	(void)state;
	/* an uncommitted write: MIT reserves the slot with a zero size first */
	memcpy(f, one.p, one.n);
	n = cat(f, one.n, "00000000");
	memcpy(f + n, one.p + 6, 20); /* the first 20 bytes of a record, size still 0 */
	n += 20;
	memset(e, 0x5a, sizeof(e));
	assert_int_equal(kt_dec(f, n, e, 4, &info), WIRE_OK);
	assert_int_equal(info.n_entries, 1);
	assert_int_equal(info.tail, 20);
	assert_int_equal(e[0].kvno, 3);
	assert_int_equal(e[1].kvno, 0x5a5a5a5a); /* nothing decoded past it */
	/* a bare marker, and one right after the version */
	n = cat(f, one.n, "00000000");
	assert_int_equal(kt_dec(f, n, e, 4, &info), WIRE_OK);
	assert_int_equal(info.tail, 0);
	n = cat(f, 0, "0502 00000000 ffff");
	assert_int_equal(kt_dec(f, n, e, 4, &info), WIRE_OK);
	assert_int_equal(info.n_entries, 0);
	assert_int_equal(info.tail, 2);
	free(one.p);
}

static void test_stray_bytes_after_a_record(void **state)
{
	struct blob one = load(ktutil_aes256_hex);
	uint8_t f[BUF_MAX];
	struct kt_entry e[2];

	(void)state;
	memcpy(f, one.p, one.n);
	for (size_t extra = 1; extra <= 3; extra++) {
		memset(f + one.n, 0, extra);
		assert_int_equal(kt_dec(f, one.n + extra, e, 2, NULL), WIRE_ETRUNC);
	}
	free(one.p);
}

static void test_versions(void **state)
{
	struct kt_dec_info info;
	struct kt_entry e[1];
	uint8_t f[16];

	(void)state;
	assert_int_equal(kt_dec(NULL, 0, e, 1, &info), WIRE_ETRUNC);
	f[0] = 0x05;
	assert_int_equal(kt_dec(f, 1, e, 1, &info), WIRE_ETRUNC);
	f[1] = 0x01;
	assert_int_equal(kt_dec(f, 2, e, 1, &info), KT_EVERSION1);
	assert_non_null(strstr(kt_strerror(KT_EVERSION1), "0x0501"));
	assert_string_equal(kt_strerror(WIRE_ETRUNC), wire_strerror(WIRE_ETRUNC));
	f[1] = 0x03;
	assert_int_equal(kt_dec(f, 2, e, 1, &info), WIRE_EBAD);
	f[0] = 0x02;
	f[1] = 0x05; /* little-endian 0x0502 is not a keytab either */
	assert_int_equal(kt_dec(f, 2, e, 1, &info), WIRE_EBAD);
	f[0] = 0x05;
	f[1] = 0x02;
	memset(&info, 0x5a, sizeof(info));
	assert_int_equal(kt_dec(f, 2, e, 1, &info), WIRE_OK);
	assert_int_equal(info.n_entries, 0);
	assert_int_equal(info.n_holes, 0);
	assert_int_equal(info.tail, 0);
}

static void test_outputs_untouched_on_error(void **state)
{
	struct blob b = load(ktutil_lab_hex);
	struct kt_entry e[MAX_ENTRIES];
	struct kt_dec_info info;

	(void)state;
	/* the last record (56 bytes) is broken: nothing is written, not even the 17 good ones */
	assert_int_equal(ld_u32be(b.p + b.n - 60), 56);
	b.p[b.n - 56] = 0x00;
	b.p[b.n - 55] = 0x00; /* num_components 0 */
	memset(e, 0x5a, sizeof(e));
	memset(&info, 0x5a, sizeof(info));
	assert_int_equal(kt_dec(b.p, b.n, e, MAX_ENTRIES, &info), WIRE_EBAD);
	assert_int_equal(info.n_entries, (size_t)0x5a5a5a5a5a5a5a5aull);
	assert_int_equal(e[0].kvno, 0x5a5a5a5a);
	free(b.p);
}

/* ---- principal helpers ---------------------------------------------------- */

static void test_set_principal(void **state)
{
	static const char *const bad[] = {
		"", "@", "WS1$", "WS1$@", "@LAB.TEST", "host/@LAB.TEST", "/x@LAB.TEST", "host//x@LAB.TEST",
		"a@b@LAB.TEST", "host\\/x@LAB.TEST", NULL,
	};
	struct kt_entry e;
	char many[64];

	(void)state;
	memset(&e, 0, sizeof(e));
	assert_int_equal(kt_entry_set_principal(&e, "RestrictedKrbHost/ws1.lab.test@LAB.TEST"), WIRE_OK);
	assert_int_equal(e.n_comp, 2);
	expect_str(&e.comp[0], "RestrictedKrbHost");
	expect_str(&e.comp[1], "ws1.lab.test");
	expect_str(&e.realm, "LAB.TEST");
	assert_int_equal(e.name_type, KT_NT_PRINCIPAL);
	/* '@' in a realm-less position is refused; the last '@' splits */
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct kt_entry before;

		e.kvno = 77;
		before = e;
		assert_int_equal(kt_entry_set_principal(&e, bad[i]), WIRE_EBAD);
		assert_memory_equal(&e, &before, sizeof(e)); /* untouched */
	}
	/* 16 components fit, 17 do not */
	strcpy(many, "a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a@R");
	assert_int_equal(kt_entry_set_principal(&e, many), WIRE_OK);
	assert_int_equal(e.n_comp, 16);
	strcpy(many, "a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a@R");
	assert_int_equal(kt_entry_set_principal(&e, many), WIRE_ELIMIT);
	assert_int_equal(e.n_comp, 16);
	assert_int_equal(kt_entry_set_principal(NULL, "a@R"), WIRE_EBAD);
}

static void test_principal_str(void **state)
{
	static const uint8_t odd[] = { 'a', '/', 'b', '@', '\\', 0x01, 0xff };
	struct kt_entry e;
	char buf[64];

	(void)state;
	memset(&e, 0, sizeof(e));
	e.n_comp = 2;
	e.comp[0].ptr = (const uint8_t *)"host";
	e.comp[0].len = 4;
	e.comp[1].ptr = odd;
	e.comp[1].len = sizeof(odd);
	e.realm.ptr = (const uint8_t *)"R@";
	e.realm.len = 2;
	assert_int_equal(kt_entry_principal_str(&e, buf, sizeof(buf)), WIRE_OK);
	assert_string_equal(buf, "host/a\\/b\\@\\\\\\x01\\xff@R\\@");
	/* exactly enough, and one short */
	assert_int_equal(kt_entry_principal_str(&e, buf, strlen("host/a\\/b\\@\\\\\\x01\\xff@R\\@") + 1), WIRE_OK);
	assert_int_equal(kt_entry_principal_str(&e, buf, strlen("host/a\\/b\\@\\\\\\x01\\xff@R\\@")), WIRE_ESPACE);
	assert_non_null(memchr(buf, '\0', sizeof(buf)));
	for (size_t cap = 1; cap < 8; cap++) {
		assert_int_equal(kt_entry_principal_str(&e, buf, cap), WIRE_ESPACE);
		assert_true(strlen(buf) < cap);
	}
	assert_int_equal(kt_entry_principal_str(&e, NULL, 0), WIRE_ESPACE);
}

/* ---- sweeps --------------------------------------------------------------- */

struct sweep_ctx {
	const uint8_t *orig;
	size_t orig_len;
};

static int sweep_dec(const uint8_t *buf, size_t len, void *ctx)
{
	struct kt_entry e[MAX_ENTRIES];
	struct kt_dec_info info;
	int rc;

	(void)ctx;
	rc = kt_dec(buf, len, e, MAX_ENTRIES, &info);
	if (rc != WIRE_OK)
		return rc;
	assert_true(info.n_entries <= MAX_ENTRIES);
	for (size_t i = 0; i < info.n_entries; i++) {
		char name[8192]; /* inputs here are golden files of < 1.3 KB */
		const struct kt_str *s = &e[i].key;

		assert_true(e[i].n_comp >= 1 && e[i].n_comp <= KT_MAX_COMPONENTS);
		assert_true(s->len >= 1 && s->len <= KT_MAX_KEY);
		assert_true(s->ptr >= buf && s->ptr + s->len <= buf + len);
		assert_true(e[i].realm.ptr >= buf && e[i].realm.ptr + e[i].realm.len <= buf + len);
		for (size_t c = 0; c < e[i].n_comp; c++)
			assert_true(e[i].comp[c].ptr >= buf && e[i].comp[c].ptr + e[i].comp[c].len <= buf + len);
		assert_int_equal(kt_entry_principal_str(&e[i], name, sizeof(name)), WIRE_OK);
		/* whatever decodes re-encodes */
		assert_true(kt_enc_len(&e[i], 1) > 0);
	}
	return 0;
}

static void expect_truncations(const char *hex)
{
	struct blob b = load(hex);
	size_t bound[MAX_ENTRIES + 8], nb = boundaries(b.p, b.n, bound, MAX_ENTRIES + 8), k = 0;

	/* a keytab is a list: exactly the prefixes that end on a record boundary decode */
	for (size_t n = 0; n < b.n; n++) {
		uint8_t *copy = malloc(n ? n : 1);
		int rc;

		assert_non_null(copy);
		memcpy(copy, b.p, n);
		rc = sweep_dec(copy, n, NULL);
		if (k < nb && bound[k] == n) {
			assert_int_equal(rc, WIRE_OK);
			k++;
		} else {
			assert_int_not_equal(rc, WIRE_OK);
		}
		free(copy);
	}
	assert_int_equal(k, nb - 1); /* every boundary but the full length */
	assert_int_equal(sweep_truncations(b.p, b.n, sweep_dec, NULL), nb - 1);
	free(b.p);
}

static void test_truncation_sweep(void **state)
{
	(void)state;
	expect_truncations(ktutil_aes256_hex);
	expect_truncations(ktutil_kvno300_hex);
	expect_truncations(ktutil_lab_hex);
	expect_truncations(krb5_holes_hex);
}

static void test_bitflip_sweep(void **state)
{
	static const char *const v[] = { ktutil_aes256_hex, ktutil_kvno300_hex, ktutil_lab_hex, krb5_holes_hex };

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct blob b = load(v[i]);
		size_t accepted = sweep_bitflips(b.p, b.n, sweep_dec, NULL);

		/* many flips land in keys, timestamps and kvnos and decode; not all */
		assert_true(accepted > 0 && accepted < b.n * 8);
		/* the version must be exact */
		for (int bit = 0; bit < 16; bit++) {
			uint8_t save[2] = { b.p[0], b.p[1] };

			b.p[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			assert_int_not_equal(kt_dec(b.p, b.n, NULL, 0, NULL), WIRE_OK);
			b.p[0] = save[0];
			b.p[1] = save[1];
		}
		free(b.p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ktutil_single_entry),
		cmocka_unit_test(test_ktutil_kvno_above_255),
		cmocka_unit_test(test_ktutil_lab_keytab),
		cmocka_unit_test(test_krb5_holes_and_reused_hole),
		cmocka_unit_test(test_encode_decode_is_identity),
		cmocka_unit_test(test_reencoding_drops_holes_and_fill),
		cmocka_unit_test(test_encoder_matches_ktutil),
		cmocka_unit_test(test_encode_empty_keytab),
		cmocka_unit_test(test_encode_into_every_short_buffer_is_espace),
		cmocka_unit_test(test_encoder_rejects_invalid_entries),
		cmocka_unit_test(test_record_field_rules),
		cmocka_unit_test(test_trailing_kvno_rules),
		cmocka_unit_test(test_enctype_is_sign_extended_like_mit),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_holes),
		cmocka_unit_test(test_zero_size_ends_the_keytab),
		cmocka_unit_test(test_stray_bytes_after_a_record),
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_outputs_untouched_on_error),
		cmocka_unit_test(test_set_principal),
		cmocka_unit_test(test_principal_str),
		cmocka_unit_test(test_truncation_sweep),
		cmocka_unit_test(test_bitflip_sweep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
