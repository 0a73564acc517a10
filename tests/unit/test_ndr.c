/*
 * tests/unit/test_ndr.c - proto/ndr.c: NDR 2.0 primitives (C706 ch.14,
 * MS-RPCE 2.2.5, MS-DTYP 2.3.10).
 *
 * Golden bytes are derived by hand from the specs (each annotated where it
 * is defined) and, for RPC_UNICODE_STRING, checked against Samba's
 * pidl-generated marshalling of lsa_String (python3-samba ndr_pack; see
 * tests/vectors/README.md, "DCE/RPC, NDR, EPM, MS-NRPC").
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ndr.h"
#include "sweep.h"

#define BUF_MAX 1024

static size_t unhex(const char *hex, uint8_t *out)
{
	return sweep_unhex(hex, out, BUF_MAX);
}

static void assert_bytes(const struct wwr *w, const char *hex)
{
	uint8_t want[BUF_MAX];
	size_t n = unhex(hex, want);

	assert_int_equal(wwr_err(w), WIRE_OK);
	assert_int_equal(wwr_len(w), n);
	assert_memory_equal(w->buf, want, n);
}

/*
 * C706 14.2.2: every primitive is aligned to its size, counted from the
 * start of the stub:
 *   01          u8 at 0
 *   00          pad to 2
 *   0201        u16 0x0102 at 2 (LE)
 *   04030201    u32 at 4
 *   0807060504030201  hyper at 8 (already 8-aligned)
 *   05 000000000000 0a09080706050403  u8 at 16, pad 7, hyper at 24
 */
static const char prims_hex[] =
	"01 00 0201 04030201 0807060504030201 05 00000000000000 1009080706050403";

static void test_primitives_align_from_stub_start(void **state)
{
	uint8_t buf[64], in[64];
	struct wwr w;
	struct wrd r;
	size_t n;

	(void)state;
	wwr_init(&w, buf, sizeof(buf));
	ndr_put_u8(&w, 1);
	ndr_put_u16(&w, 0x0102);
	ndr_put_u32(&w, 0x01020304);
	ndr_put_u64(&w, 0x0102030405060708ull);
	ndr_put_u8(&w, 5);
	ndr_put_u64(&w, 0x0304050607080910ull);
	assert_bytes(&w, prims_hex);

	n = unhex(prims_hex, in);
	wrd_init(&r, in, n);
	assert_int_equal(ndr_get_u8(&r), 1);
	assert_int_equal(ndr_get_u16(&r), 0x0102);
	assert_int_equal(ndr_get_u32(&r), 0x01020304);
	assert_true(ndr_get_u64(&r) == 0x0102030405060708ull);
	assert_int_equal(ndr_get_u8(&r), 5);
	assert_true(ndr_get_u64(&r) == 0x0304050607080910ull);
	assert_int_equal(wrd_finish(&r), WIRE_OK);

	/* a reader whose base is the stub start aligns from there, not from the buffer */
	wrd_init(&r, in + 1, n - 1);
	(void)ndr_get_u32(&r); /* reads in[1..5) */
	assert_int_equal(wrd_pos(&r), 4);
}

/* MS-DTYP 2.3.4.2: Data1/2/3 little-endian, Data4 as is. */
static void test_guid_wire_form(void **state)
{
	struct ndr_guid g, g2;
	uint8_t buf[32];
	struct wwr w;
	struct wrd r;

	(void)state;
	assert_int_equal(ndr_guid_parse("12345678-1234-abcd-ef00-01234567cffb", &g), 0);
	wwr_init(&w, buf, sizeof(buf));
	ndr_put_guid(&w, &g);
	/* PROTOCOLS.md 1.2: netlogon = 78 56 34 12 34 12 cd ab ef 00 01 23 45 67 cf fb */
	assert_bytes(&w, "78563412 3412 cdab ef0001234567cffb");
	wrd_init(&r, buf, 16);
	ndr_get_guid(&r, &g2);
	assert_int_equal(wrd_finish(&r), WIRE_OK);
	assert_true(ndr_guid_equal(&g, &g2));
	assert_int_equal(ndr_guid_parse("12345678-1234-abcd-ef00-01234567cffb0", &g), -1);
	assert_int_equal(ndr_guid_parse("12345678-1234-abcd-ef00-01234567cff", &g), -1);
	assert_int_equal(ndr_guid_parse("12345678+1234-abcd-ef00-01234567cffb", &g), -1);
	assert_int_equal(ndr_guid_parse("1234567g-1234-abcd-ef00-01234567cffb", &g), -1);
}

/*
 * [string] wchar_t * (C706 14.3.4; MS-RPCE 2.2.5.3.4.2): conformant-varying
 * array of u16 with the NUL counted: max_count 5, offset 0, actual 5,
 * "WIN1\0" in UTF-16LE.  Same bytes as impacket's ComputerName in
 * PROTOCOLS.md 3.2.
 */
static const char wstr_win1_hex[] = "05000000 00000000 05000000 5700 4900 4e00 3100 0000";
/* "W" U+00E9 U+1F600: W, e9 00, surrogates d83d de00 -> LE 3dd8 00de, NUL: 5 units */
static const char wstr_utf_hex[] = "05000000 00000000 05000000 5700 e900 3dd8 00de 0000";

static void test_wstring_golden(void **state)
{
	uint8_t buf[64], in[64];
	char out[32];
	struct wwr w;
	struct wrd r;
	size_t n;

	(void)state;
	wwr_init(&w, buf, sizeof(buf));
	ndr_put_wstring(&w, "WIN1");
	assert_bytes(&w, wstr_win1_hex);
	wwr_init(&w, buf, sizeof(buf));
	ndr_put_wstring(&w, "W\xc3\xa9\xf0\x9f\x98\x80");
	assert_bytes(&w, wstr_utf_hex);

	n = unhex(wstr_utf_hex, in);
	wrd_init(&r, in, n);
	ndr_get_wstring(&r, out, sizeof(out));
	assert_int_equal(wrd_finish(&r), WIRE_OK);
	assert_string_equal(out, "W\xc3\xa9\xf0\x9f\x98\x80");
	/* exactly fits: 7 bytes + NUL */
	wrd_init(&r, in, n);
	ndr_get_wstring(&r, out, 8);
	assert_int_equal(wrd_err(&r), WIRE_OK);
	wrd_init(&r, in, n);
	ndr_get_wstring(&r, out, 7);
	assert_int_equal(wrd_err(&r), WIRE_ELIMIT);
	assert_string_equal(out, "");
}

static int dec_wstring(const uint8_t *buf, size_t len, void *ctx)
{
	struct wrd r;
	char out[64];

	(void)ctx;
	wrd_init(&r, buf, len);
	ndr_get_wstring(&r, out, sizeof(out));
	if (!wrd_err(&r) && !memchr(out, 0, sizeof(out)))
		abort();
	return wrd_finish(&r);
}

static void test_wstring_rejects(void **state)
{
	static const struct {
		const char *hex;
		int err;
	} bad[] = {
		/* offset != 0 */
		{ "05000000 01000000 04000000 5700 4900 4e00 0000", WIRE_EBAD },
		/* actual > max */
		{ "04000000 00000000 05000000 5700 4900 4e00 3100 0000", WIRE_EBAD },
		/* no NUL at the end */
		{ "02000000 00000000 02000000 5700 4900", WIRE_EBAD },
		/* interior NUL */
		{ "03000000 00000000 03000000 5700 0000 0000", WIRE_EBAD },
		/* actual 0: a [string] carries at least its NUL */
		{ "00000000 00000000 00000000", WIRE_EBAD },
		/* lone low surrogate, lone high surrogate at the end, high + non-low */
		{ "02000000 00000000 02000000 00dc 0000", WIRE_EBAD },
		{ "02000000 00000000 02000000 00d8 0000", WIRE_EBAD },
		{ "03000000 00000000 03000000 00d8 4100 0000", WIRE_EBAD },
		/* max_count past NDR_WSTRING_MAX */
		{ "01100000 00000000 01000000 0000", WIRE_ELIMIT },
		/* actual count larger than the bytes left */
		{ "ff000000 00000000 ff000000 5700 0000", WIRE_ETRUNC },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t in[64] = { 0 };
		size_t n = unhex(bad[i].hex, in);
		struct wrd r;
		char out[16];
		wrd_init(&r, in, n);
		ndr_get_wstring(&r, out, sizeof(out));
		assert_int_equal(wrd_err(&r), bad[i].err);
		assert_string_equal(out, "");
	}
}

static void test_wstring_encoder_rejects_bad_utf8(void **state)
{
	static const char *bad[] = {
		"\xc0\x80",         /* overlong NUL */
		"\xed\xa0\x80",     /* UTF-8-encoded surrogate */
		"\xf4\x90\x80\x80", /* > U+10FFFF */
		"\x80",             /* stray continuation */
		"\xe2\x82",         /* cut short */
	};
	uint8_t buf[64];
	struct wwr w;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		wwr_init(&w, buf, sizeof(buf));
		ndr_put_wstring(&w, bad[i]);
		assert_int_equal(wwr_err(&w), WIRE_EBAD);
		assert_int_equal(ndr_utf16_units(bad[i]), -1);
	}
	assert_int_equal(ndr_utf16_units(""), 0);
	assert_int_equal(ndr_utf16_units("\xf0\x9f\x98\x80"), 2);
}

/*
 * A structure with an embedded [unique] string pointer, then a u32, then
 * the deferred referent (C706 14.3.12.3: embedded pointees follow the
 * structure):  typedef struct { [unique,string] wchar_t *name; u32 x; } S;
 *   00000200   referent id (Samba's first id, 0x00020000)
 *   2a000000   x = 42
 *   03000000 00000000 03000000 6100 6200 0000   deferred "ab"
 * and with name NULL: 00000000 2a000000, nothing deferred.
 */
static const char unique_hex[] = "00000200 2a000000 03000000 00000000 03000000 6100 6200 0000";

static void test_unique_pointer_with_deferred_referent(void **state)
{
	uint8_t buf[64], in[64];
	struct ndr_ptrs p;
	struct wwr w;
	struct wrd r;
	char out[8];
	size_t n;

	(void)state;
	ndr_ptrs_init(&p, NDR_PTRS_SAMBA_FIRST, NDR_PTRS_SAMBA_STEP);
	wwr_init(&w, buf, sizeof(buf));
	ndr_put_unique_ptr(&w, &p, 1);
	ndr_put_u32(&w, 42);
	ndr_put_wstring(&w, "ab");
	assert_bytes(&w, unique_hex);
	assert_int_equal(p.next, 0x00020004);

	wwr_init(&w, buf, sizeof(buf));
	ndr_put_unique_ptr(&w, &p, 0);
	ndr_put_u32(&w, 42);
	assert_bytes(&w, "00000000 2a000000");
	assert_int_equal(p.next, 0x00020004); /* NULL consumes no id */

	n = unhex(unique_hex, in);
	wrd_init(&r, in, n);
	assert_true(ndr_get_unique_ptr(&r));
	assert_int_equal(ndr_get_u32(&r), 42);
	ndr_get_wstring(&r, out, sizeof(out));
	assert_int_equal(wrd_finish(&r), WIRE_OK);
	assert_string_equal(out, "ab");

	/* an embedded [ref] pointer may not be 0 */
	wrd_init(&r, (const uint8_t *)"\0\0\0\0", 4);
	ndr_get_ref_ptr(&r);
	assert_int_equal(wrd_err(&r), WIRE_EBAD);
	wrd_init(&r, in, 4);
	ndr_get_ref_ptr(&r);
	assert_int_equal(wrd_finish(&r), WIRE_OK);
}

/*
 * RPC_UNICODE_STRING (MS-DTYP 2.3.10), Samba lsa_String as oracle:
 *   0400 0400 00000200  Length 4 bytes, MaximumLength 4, referent id
 *   02000000 00000000 02000000 6100 6200  deferred: max=Max/2, off 0, actual=Len/2, no NUL
 */
static const char lsa_string_ab_hex[] = "040004000000020002000000000000000200000061006200";
static const char lsa_string_utf_hex[] = "08000800000002000400000000000000040000005700e9003dd800de";
static const char lsa_string_null_hex[] = "0000000000000000";

static void check_ustr(const char *s, const char *hex)
{
	uint8_t buf[64], in[64];
	struct ndr_ptrs p;
	struct ndr_ustr u, u2;
	struct wwr w;
	struct wrd r;
	char out[32];
	size_t n;

	ndr_ptrs_init(&p, NDR_PTRS_SAMBA_FIRST, NDR_PTRS_SAMBA_STEP);
	wwr_init(&w, buf, sizeof(buf));
	ndr_put_ustr(&w, &p, s, &u);
	ndr_put_ustr_body(&w, &u, s);
	assert_bytes(&w, hex);

	n = unhex(hex, in);
	wrd_init(&r, in, n);
	ndr_get_ustr(&r, &u2);
	ndr_get_ustr_body(&r, &u2, out, sizeof(out));
	assert_int_equal(wrd_finish(&r), WIRE_OK);
	assert_int_equal(u2.present, s != NULL);
	assert_string_equal(out, s ? s : "");
}

static void test_rpc_unicode_string_matches_samba(void **state)
{
	(void)state;
	check_ustr("ab", lsa_string_ab_hex);
	check_ustr("W\xc3\xa9\xf0\x9f\x98\x80", lsa_string_utf_hex);
	check_ustr(NULL, lsa_string_null_hex);
}

static int dec_ustr(const uint8_t *buf, size_t len, void *ctx)
{
	struct wrd r;
	struct ndr_ustr u;
	char out[64];

	(void)ctx;
	wrd_init(&r, buf, len);
	ndr_get_ustr(&r, &u);
	ndr_get_ustr_body(&r, &u, out, sizeof(out));
	if (!wrd_err(&r) && !memchr(out, 0, sizeof(out)))
		abort();
	return wrd_finish(&r);
}

static void test_rpc_unicode_string_rejects(void **state)
{
	static const struct {
		const char *hex;
		int err;
	} bad[] = {
		/* odd Length */
		{ "030004000000020002000000000000000200000061006200", WIRE_EBAD },
		/* odd MaximumLength */
		{ "040005000000020002000000000000000200000061006200", WIRE_EBAD },
		/* Length > MaximumLength */
		{ "060004000000020002000000000000000200000061006200", WIRE_EBAD },
		/* body max_count != MaximumLength/2 */
		{ "040004000000020003000000000000000200000061006200", WIRE_EBAD },
		/* body actual != Length/2 */
		{ "040004000000020002000000000000000100000061006200", WIRE_EBAD },
		/* body offset != 0 */
		{ "040004000000020002000000010000000200000061006200", WIRE_EBAD },
		/* embedded NUL in the counted string */
		{ "040004000000020002000000000000000200000061000000", WIRE_EBAD },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t in[64] = { 0 };
		size_t n = unhex(bad[i].hex, in);
		assert_int_equal(dec_ustr(in, n, NULL), bad[i].err);
	}
}

/*
 * Conformant-varying array of u32 (C706 14.3.3.4): max 4, offset 0,
 * actual 2, then two elements.  Conformant array (14.3.3.2): max_count,
 * elements.
 */
static void test_arrays(void **state)
{
	uint8_t buf[64], in[64];
	uint32_t max, act;
	struct wwr w;
	struct wrd r;
	size_t n;

	(void)state;
	wwr_init(&w, buf, sizeof(buf));
	ndr_put_cv_hdr(&w, 4, 2);
	ndr_put_u32(&w, 7);
	ndr_put_u32(&w, 8);
	assert_bytes(&w, "04000000 00000000 02000000 07000000 08000000");
	n = unhex("04000000 00000000 02000000 07000000 08000000", in);
	wrd_init(&r, in, n);
	ndr_get_cv_hdr(&r, 4, 16, &max, &act);
	assert_int_equal(max, 4);
	assert_int_equal(act, 2);
	assert_int_equal(ndr_get_u32(&r), 7);
	assert_int_equal(ndr_get_u32(&r), 8);
	assert_int_equal(wrd_finish(&r), WIRE_OK);
	/* limit */
	wrd_init(&r, in, n);
	ndr_get_cv_hdr(&r, 4, 3, &max, &act);
	assert_int_equal(wrd_err(&r), WIRE_ELIMIT);
	assert_int_equal(max, 0);
	/* more elements claimed than bytes */
	wrd_init(&r, in, n - 1);
	ndr_get_cv_hdr(&r, 4, 16, &max, &act);
	assert_int_equal(wrd_err(&r), WIRE_ETRUNC);

	wwr_init(&w, buf, sizeof(buf));
	ndr_put_u8(&w, 9);
	ndr_put_conformant(&w, 3); /* aligned to 4 after the u8 */
	assert_bytes(&w, "09000000 03000000");
	n = unhex("03000000 0a0b0c", in);
	wrd_init(&r, in, n);
	assert_int_equal(ndr_get_conformant(&r, 1, 3), 3);
	wrd_skip(&r, 3);
	assert_int_equal(wrd_finish(&r), WIRE_OK);
	wrd_init(&r, in, n - 1);
	assert_int_equal(ndr_get_conformant(&r, 1, 3), 0);
	assert_int_equal(wrd_err(&r), WIRE_ETRUNC);
	wrd_init(&r, in, n);
	assert_int_equal(ndr_get_conformant(&r, 1, 2), 0);
	assert_int_equal(wrd_err(&r), WIRE_ELIMIT);
}

/* Non-encapsulated union (C706 14.3.8): u32 discriminant, then the arm. */
static void test_union_and_range(void **state)
{
	uint8_t in[16] = { 0 };
	struct wrd r;
	size_t n = unhex("02000000 05000000", in);
	uint8_t buf[16];
	struct wwr w;

	(void)state;
	wwr_init(&w, buf, sizeof(buf));
	ndr_put_union_u32(&w, 2);
	ndr_put_u32(&w, 5);
	assert_bytes(&w, "02000000 05000000");
	wrd_init(&r, in, n);
	assert_int_equal(ndr_get_union_u32(&r, 2), 2);
	assert_int_equal(ndr_check_range(&r, ndr_get_u32(&r), 1, 5), 5);
	assert_int_equal(wrd_finish(&r), WIRE_OK);
	wrd_init(&r, in, n);
	(void)ndr_get_union_u32(&r, 1);
	assert_int_equal(wrd_err(&r), WIRE_EBAD);
	wrd_init(&r, in, n);
	wrd_skip(&r, 4);
	(void)ndr_check_range(&r, ndr_get_u32(&r), 6, 9);
	assert_int_equal(wrd_err(&r), WIRE_EBAD);
}

static void test_every_prefix_is_rejected(void **state)
{
	uint8_t in[64] = { 0 };
	size_t n;

	(void)state;
	n = unhex(wstr_utf_hex, in);
	assert_int_equal(dec_wstring(in, n, NULL), 0);
	assert_int_equal(sweep_truncations(in, n, dec_wstring, NULL), 0);
	(void)sweep_bitflips(in, n, dec_wstring, NULL);
	n = unhex(lsa_string_utf_hex, in);
	assert_int_equal(dec_ustr(in, n, NULL), 0);
	assert_int_equal(sweep_truncations(in, n, dec_ustr, NULL), 0);
	(void)sweep_bitflips(in, n, dec_ustr, NULL);
}

static void test_writer_overflow_is_espace(void **state)
{
	uint8_t in[64] = { 0 }, buf[64];
	size_t n = unhex(wstr_win1_hex, in);

	(void)state;
	(void)in;
	for (size_t cap = 0; cap < n; cap++) {
		struct wwr w;
		wwr_init(&w, buf, cap);
		ndr_put_wstring(&w, "WIN1");
		assert_int_equal(wwr_err(&w), WIRE_ESPACE);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_primitives_align_from_stub_start),
		cmocka_unit_test(test_guid_wire_form),
		cmocka_unit_test(test_wstring_golden),
		cmocka_unit_test(test_wstring_rejects),
		cmocka_unit_test(test_wstring_encoder_rejects_bad_utf8),
		cmocka_unit_test(test_unique_pointer_with_deferred_referent),
		cmocka_unit_test(test_rpc_unicode_string_matches_samba),
		cmocka_unit_test(test_rpc_unicode_string_rejects),
		cmocka_unit_test(test_arrays),
		cmocka_unit_test(test_union_and_range),
		cmocka_unit_test(test_every_prefix_is_rejected),
		cmocka_unit_test(test_writer_overflow_is_espace),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
