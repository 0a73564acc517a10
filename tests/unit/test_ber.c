/*
 * tests/unit/test_ber.c - proto/ber.c: X.690 identifier/length octets,
 * INTEGER, back-patched lengths and GeneralizedTime.
 * Golden bytes are worked out by hand from X.690 §8.1-8.3 and §10-11.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ber.h"
#include "sweep.h"

static int read_one(const uint8_t *buf, size_t len, struct ber_tlv *t)
{
	struct wrd r;

	wrd_init(&r, buf, len);
	return nber_read_tlv(&r, t);
}

static void test_short_form_length_is_read(void **state)
{
	static const uint8_t in[] = { 0x04, 0x03, 'a', 'b', 'c', 0xee };
	struct wrd r;
	struct ber_tlv t;

	(void)state;
	wrd_init(&r, in, sizeof(in));
	assert_int_equal(nber_read_tlv(&r, &t), WIRE_OK);
	assert_int_equal(t.cls_constructed_tag, 0x04);
	assert_int_equal(t.tag, 4);
	assert_int_equal(t.cls, BER_CLASS_UNIVERSAL);
	assert_false(t.constructed);
	assert_int_equal(t.len, 3);
	assert_ptr_equal(t.val, in + 2);
	assert_int_equal(wrd_left(&r), 1); /* stops after the TLV */
}

static void test_long_form_lengths_including_non_minimal_0x84(void **state)
{
	uint8_t buf[300];
	struct ber_tlv t;

	(void)state;
	memset(buf, 'x', sizeof(buf));
	/* 0x81 0x80 */
	buf[0] = 0x04; buf[1] = 0x81; buf[2] = 0x80;
	assert_int_equal(read_one(buf, 3 + 0x80, &t), WIRE_OK);
	assert_int_equal(t.len, 0x80);
	/* 0x82 0x01 0x00 */
	buf[0] = 0x04; buf[1] = 0x82; buf[2] = 0x01; buf[3] = 0x00;
	assert_int_equal(read_one(buf, 4 + 256, &t), WIRE_OK);
	assert_int_equal(t.len, 256);
	/* AD style: 0x84 00 00 00 05 for a five-byte value */
	buf[0] = 0x30; buf[1] = 0x84; buf[2] = 0; buf[3] = 0; buf[4] = 0; buf[5] = 5;
	assert_int_equal(read_one(buf, 6 + 5, &t), WIRE_OK);
	assert_int_equal(t.len, 5);
	assert_true(t.constructed);
	/* 0x81 0x05: non-minimal one-octet long form is valid BER */
	buf[0] = 0x04; buf[1] = 0x81; buf[2] = 0x05;
	assert_int_equal(read_one(buf, 3 + 5, &t), WIRE_OK);
	assert_int_equal(t.len, 5);
}

static void test_indefinite_length_is_rejected(void **state)
{
	static const uint8_t in[] = { 0x30, 0x80, 0x04, 0x00, 0x00, 0x00 };
	struct ber_tlv t;

	(void)state;
	assert_int_equal(read_one(in, sizeof(in), &t), WIRE_EBAD);
	assert_null(t.val);
}

static void test_reserved_length_octet_0xff_is_rejected(void **state)
{
	static const uint8_t in[] = { 0x04, 0xff, 0x00 };
	struct ber_tlv t;

	(void)state;
	assert_int_equal(read_one(in, sizeof(in), &t), WIRE_EBAD);
}

static void test_more_than_four_length_octets_is_elimit(void **state)
{
	static const uint8_t in[] = { 0x04, 0x85, 0, 0, 0, 0, 1, 0 };
	struct ber_tlv t;

	(void)state;
	assert_int_equal(read_one(in, sizeof(in), &t), WIRE_ELIMIT);
}

static void test_length_beyond_input_is_etrunc(void **state)
{
	static const uint8_t a[] = { 0x04, 0x05, 1, 2, 3, 4 };
	static const uint8_t b[] = { 0x04, 0x84, 0xff, 0xff, 0xff, 0xff, 0 };
	static const uint8_t c[] = { 0x04, 0x82, 0x01 };
	struct ber_tlv t;

	(void)state;
	assert_int_equal(read_one(a, sizeof(a), &t), WIRE_ETRUNC);
	assert_int_equal(read_one(b, sizeof(b), &t), WIRE_ETRUNC);
	assert_int_equal(read_one(c, sizeof(c), &t), WIRE_ETRUNC);
	assert_int_equal(read_one(NULL, 0, &t), WIRE_ETRUNC);
}

static void test_high_tag_numbers_up_to_2_pow_21(void **state)
{
	static const uint8_t t31[] = { 0x1f, 0x1f, 0x00 };
	static const uint8_t app128[] = { 0x7f, 0x81, 0x00, 0x01, 0xaa };
	static const uint8_t max[] = { 0x9f, 0xff, 0xff, 0x7f, 0x00 };
	struct ber_tlv t;

	(void)state;
	assert_int_equal(read_one(t31, sizeof(t31), &t), WIRE_OK);
	assert_int_equal(t.tag, 31);
	assert_int_equal(t.cls_constructed_tag, 0x1f);
	assert_int_equal(read_one(app128, sizeof(app128), &t), WIRE_OK);
	assert_int_equal(t.tag, 128);
	assert_int_equal(t.cls, BER_CLASS_APPLICATION);
	assert_true(t.constructed);
	assert_int_equal(t.len, 1);
	assert_int_equal(read_one(max, sizeof(max), &t), WIRE_OK);
	assert_int_equal(t.tag, (1u << 21) - 1);
	assert_int_equal(t.cls, BER_CLASS_CONTEXT);
}

static void test_bad_high_tag_forms_are_rejected(void **state)
{
	static const uint8_t four[] = { 0x1f, 0x81, 0x80, 0x80, 0x00, 0x00 };
	static const uint8_t low_in_high[] = { 0x1f, 0x1e, 0x00 };
	static const uint8_t leading80[] = { 0x1f, 0x80, 0x20, 0x00 };
	static const uint8_t cut[] = { 0x1f, 0x81 };
	struct ber_tlv t;

	(void)state;
	assert_int_equal(read_one(four, sizeof(four), &t), WIRE_ELIMIT);
	assert_int_equal(read_one(low_in_high, sizeof(low_in_high), &t), WIRE_EBAD);
	assert_int_equal(read_one(leading80, sizeof(leading80), &t), WIRE_EBAD);
	assert_int_equal(read_one(cut, sizeof(cut), &t), WIRE_ETRUNC);
}

static void test_expect_rejects_other_identifier(void **state)
{
	static const uint8_t in[] = { 0x04, 0x00 };
	struct wrd r;
	struct ber_tlv t;

	(void)state;
	wrd_init(&r, in, sizeof(in));
	assert_int_equal(nber_read_expect(&r, BER_INTEGER, &t), WIRE_EBAD);
	wrd_init(&r, in, sizeof(in));
	assert_int_equal(nber_read_expect(&r, BER_OCTET_STRING, &t), WIRE_OK);
	assert_int_equal(nber_peek(&r), -1);
}

static void test_tlv_reader_keeps_the_parent_base(void **state)
{
	static const uint8_t in[] = { 0x30, 0x05, 0x02, 0x01, 0x07, 0x05, 0x00 };
	struct wrd r, s;
	struct ber_tlv t, i;

	(void)state;
	wrd_init(&r, in, sizeof(in));
	assert_int_equal(nber_read_tlv(&r, &t), WIRE_OK);
	s = nber_tlv_reader(&r, &t);
	assert_ptr_equal(s.base, in);
	assert_int_equal(wrd_pos(&s), 2);
	assert_int_equal(wrd_left(&s), 5);
	assert_int_equal(nber_peek(&s), BER_INTEGER);
	assert_int_equal(nber_read_tlv(&s, &i), WIRE_OK);
	assert_int_equal(wrd_pos(&s), 5);
	assert_int_equal(nber_read_expect(&s, BER_NULL, &i), WIRE_OK);
	assert_int_equal(nber_sub_done(&r, &s, 1), WIRE_OK);
}

static void test_sub_done_propagates_trailing_bytes(void **state)
{
	static const uint8_t in[] = { 0x30, 0x03, 0x05, 0x00, 0xff };
	struct wrd r, s;
	struct ber_tlv t, i;

	(void)state;
	wrd_init(&r, in, sizeof(in));
	assert_int_equal(nber_read_tlv(&r, &t), WIRE_OK);
	s = nber_tlv_reader(&r, &t);
	assert_int_equal(nber_read_tlv(&s, &i), WIRE_OK);
	assert_int_equal(nber_sub_done(&r, &s, 1), WIRE_ETRAILING);
	assert_int_equal(wrd_err(&r), WIRE_ETRAILING);
}

/* X.690 §8.3 examples worked by hand */
static const struct {
	int64_t v;
	const char *hex;
} int_vectors[] = {
	{ 0, "020100" },
	{ 1, "020101" },
	{ 127, "02017f" },
	{ 128, "02020080" },
	{ 255, "020200ff" },
	{ 256, "02020100" },
	{ -1, "0201ff" },
	{ -128, "020180" },
	{ -129, "0202ff7f" },
	{ 0x7fffffff, "02047fffffff" },
	{ 0xdeadbeef, "020500deadbeef" },
	{ INT64_MAX, "02087fffffffffffffff" },
	{ INT64_MIN, "02088000000000000000" },
};

static void test_integers_encode_minimally_and_decode_back(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(int_vectors) / sizeof(int_vectors[0]); i++) {
		uint8_t want[16], buf[16];
		size_t n = sweep_unhex(int_vectors[i].hex, want, sizeof(want));
		struct wwr w;
		struct ber_tlv t;
		int64_t v = 0;

		wwr_init(&w, buf, sizeof(buf));
		nber_put_int(&w, BER_INTEGER, int_vectors[i].v);
		assert_int_equal(wwr_err(&w), WIRE_OK);
		assert_int_equal(wwr_len(&w), n);
		assert_memory_equal(buf, want, n);
		assert_int_equal(read_one(buf, n, &t), WIRE_OK);
		assert_int_equal(nber_get_int(&t, &v), WIRE_OK);
		assert_true(v == int_vectors[i].v);
	}
}

static void test_integer_round_trip_over_a_sweep_of_values(void **state)
{
	(void)state;
	for (int shift = 0; shift < 64; shift++) {
		for (int d = -2; d <= 2; d++) {
			int64_t vals[2];

			/* wrap in unsigned arithmetic: no signed overflow at 2^63 */
			vals[0] = (int64_t)(((uint64_t)1 << shift) + (uint64_t)(int64_t)d);
			vals[1] = (int64_t)(0 - (uint64_t)vals[0]);
			for (int k = 0; k < 2; k++) {
				uint8_t buf[16];
				struct wwr w;
				struct ber_tlv t;
				int64_t v = 0;

				wwr_init(&w, buf, sizeof(buf));
				nber_put_int(&w, BER_ENUMERATED, vals[k]);
				assert_int_equal(wwr_err(&w), WIRE_OK);
				assert_int_equal(read_one(buf, wwr_len(&w), &t), WIRE_OK);
				assert_int_equal(nber_get_int(&t, &v), WIRE_OK);
				assert_true(v == vals[k]);
			}
		}
	}
}

static void test_bad_integers_are_rejected(void **state)
{
	static const char *const bad[] = {
		"0200",                 /* no content octets */
		"0202007f",             /* leading zero not needed */
		"0202ff80",             /* leading 0xff not needed */
		"0209010000000000000000", /* 9 octets */
		"2201 00",              /* constructed */
	};
	static const int want[] = { WIRE_EBAD, WIRE_EBAD, WIRE_EBAD, WIRE_ELIMIT, WIRE_EBAD };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t buf[16];
		size_t n = sweep_unhex(bad[i], buf, sizeof(buf));
		struct ber_tlv t;
		int64_t v = 42;

		assert_int_equal(read_one(buf, n, &t), WIRE_OK);
		assert_int_equal(nber_get_int(&t, &v), want[i]);
		assert_true(v == 42); /* untouched on error */
	}
}

static void test_booleans_encode_der_and_decode(void **state)
{
	uint8_t buf[8];
	struct wwr w;
	struct ber_tlv t;
	int v = -1;

	(void)state;
	wwr_init(&w, buf, sizeof(buf));
	nber_put_bool(&w, BER_BOOLEAN, 1);
	nber_put_bool(&w, BER_BOOLEAN, 0);
	assert_int_equal(wwr_len(&w), 6);
	assert_memory_equal(buf, "\x01\x01\xff\x01\x01\x00", 6);
	assert_int_equal(read_one(buf, 3, &t), WIRE_OK);
	assert_int_equal(nber_get_bool(&t, &v), WIRE_OK);
	assert_int_equal(v, 1);
	assert_int_equal(read_one(buf + 3, 3, &t), WIRE_OK);
	assert_int_equal(nber_get_bool(&t, &v), WIRE_OK);
	assert_int_equal(v, 0);
}

static void test_octet_lengths_switch_to_long_form_at_128(void **state)
{
	static const struct {
		size_t n;
		const char *hdr;
	} v[] = {
		{ 0, "0400" }, { 127, "047f" }, { 128, "048180" }, { 255, "0481ff" },
		{ 256, "04820100" }, { 65535, "0482ffff" }, { 65536, "0483010000" },
	};
	static uint8_t payload[65536];
	static uint8_t buf[65536 + 8];

	(void)state;
	memset(payload, 0x5a, sizeof(payload));
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		uint8_t hdr[8];
		size_t hn = sweep_unhex(v[i].hdr, hdr, sizeof(hdr));
		struct wwr w;
		struct ber_tlv t;

		wwr_init(&w, buf, sizeof(buf));
		nber_put_octets(&w, BER_OCTET_STRING, payload, v[i].n);
		assert_int_equal(wwr_err(&w), WIRE_OK);
		assert_int_equal(wwr_len(&w), hn + v[i].n);
		assert_memory_equal(buf, hdr, hn);
		assert_int_equal(read_one(buf, wwr_len(&w), &t), WIRE_OK);
		assert_int_equal(t.len, v[i].n);
	}
}

static void test_back_patched_lengths_grow_nested_headers(void **state)
{
	uint8_t buf[512], payload[200];
	struct wwr w;
	size_t outer, inner;
	struct ber_tlv t, u;
	struct wrd r, s;

	(void)state;
	memset(payload, 'p', sizeof(payload));
	wwr_init(&w, buf, sizeof(buf));
	outer = nber_begin(&w, BER_SEQUENCE);
	nber_put_int(&w, BER_INTEGER, 5);
	inner = nber_begin(&w, BER_CTX_C(3));
	nber_put_octets(&w, BER_OCTET_STRING, payload, sizeof(payload));
	nber_end(&w, inner);
	nber_end(&w, outer);
	assert_int_equal(wwr_err(&w), WIRE_OK);
	/* 30 81 d1 | 02 01 05 | a3 81 cb | 04 81 c8 | 200 x 'p' */
	assert_int_equal(wwr_len(&w), 3 + 3 + 3 + 3 + 200);
	assert_memory_equal(buf, "\x30\x81\xd1\x02\x01\x05\xa3\x81\xcb\x04\x81\xc8pp", 14);

	wrd_init(&r, buf, wwr_len(&w));
	assert_int_equal(nber_read_expect(&r, BER_SEQUENCE, &t), WIRE_OK);
	assert_int_equal(wrd_finish(&r), WIRE_OK);
	s = nber_tlv_reader(&r, &t);
	assert_int_equal(nber_read_expect(&s, BER_INTEGER, &u), WIRE_OK);
	assert_int_equal(nber_read_expect(&s, BER_CTX_C(3), &u), WIRE_OK);
	assert_int_equal(u.len, 203);
	assert_int_equal(wrd_finish(&s), WIRE_OK);
}

static void test_short_empty_element_patches_zero_length(void **state)
{
	uint8_t buf[8];
	struct wwr w;
	size_t m;

	(void)state;
	wwr_init(&w, buf, sizeof(buf));
	m = nber_begin(&w, BER_SEQUENCE);
	nber_end(&w, m);
	assert_int_equal(wwr_err(&w), WIRE_OK);
	assert_int_equal(wwr_len(&w), 2);
	assert_memory_equal(buf, "\x30\x00", 2);
}

/* Writing the 212-byte structure above into every smaller buffer fails cleanly. */
static void test_writer_reports_espace_for_every_short_buffer(void **state)
{
	uint8_t payload[200];

	(void)state;
	memset(payload, 'p', sizeof(payload));
	for (size_t cap = 0; cap < 212; cap++) {
		uint8_t *buf = malloc(cap ? cap : 1);
		struct wwr w;
		size_t outer, inner;

		assert_non_null(buf);
		wwr_init(&w, buf, cap);
		outer = nber_begin(&w, BER_SEQUENCE);
		nber_put_int(&w, BER_INTEGER, 5);
		inner = nber_begin(&w, BER_CTX_C(3));
		nber_put_octets(&w, BER_OCTET_STRING, payload, sizeof(payload));
		nber_end(&w, inner);
		nber_end(&w, outer);
		assert_int_equal(wwr_err(&w), WIRE_ESPACE);
		assert_true(wwr_len(&w) <= cap);
		free(buf);
	}
}

static void test_null_octets_with_length_is_ebad(void **state)
{
	uint8_t buf[8];
	struct wwr w;

	(void)state;
	wwr_init(&w, buf, sizeof(buf));
	nber_put_octets(&w, BER_OCTET_STRING, NULL, 3);
	assert_int_equal(wwr_err(&w), WIRE_EBAD);
}

/* ---- GeneralizedTime ---- */

static int64_t gt(const char *s, int *err)
{
	int64_t v = -7;

	*err = nber_gentime_parse((const uint8_t *)s, strlen(s), &v);
	return v;
}

static void test_generalized_time_parses_known_instants(void **state)
{
	/* expected values from python3 calendar.timegm() */
	static const struct {
		const char *s;
		int64_t t;
	} v[] = {
		{ "19700101000000Z", 0 },
		{ "20240229123456Z", 1709210096 },
		{ "20240229123456.0Z", 1709210096 },
		{ "20240229123456,999Z", 1709210096 },
		{ "20000229000000Z", 951782400 },
		{ "20380119031408Z", 2147483648LL },
		{ "20370913024805Z", 2136422885LL },
		{ "16010101000000.0Z", -11644473600LL },
		{ "19691231235959Z", -1 },
		{ "00010101000000Z", -62135596800LL },
		{ "99991231235959Z", 253402300799LL },
	};
	int err;

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		int64_t t = gt(v[i].s, &err);

		assert_int_equal(err, WIRE_OK);
		assert_true(t == v[i].t);
	}
}

static void test_generalized_time_rejects_bad_forms(void **state)
{
	static const char *const bad[] = {
		"", "2024", "20240229123456", "20240229123456z", "20240229123456.Z",
		"20240229123456Z ", "2024022912345Z", "20230229000000Z", "19000229000000Z",
		"20241301000000Z", "20240001000000Z", "20240100000000Z", "20240431000000Z",
		"20240101240000Z", "20240101006000Z", "20240101000060Z", "00000101000000Z",
		"2024010100000aZ", "20240101000000+0100", "+2024010100000Z", "20240101000000.5",
	};
	int err;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int64_t t = gt(bad[i], &err);

		assert_int_equal(err, WIRE_EBAD);
		assert_true(t == -7); /* untouched */
	}
}

static void test_generalized_time_format_golden(void **state)
{
	char s[BER_GENTIME_LEN + 1];

	(void)state;
	assert_int_equal(nber_gentime_format(0, s), WIRE_OK);
	assert_string_equal(s, "19700101000000Z");
	assert_int_equal(nber_gentime_format(1709210096, s), WIRE_OK);
	assert_string_equal(s, "20240229123456Z");
	assert_int_equal(nber_gentime_format(-1, s), WIRE_OK);
	assert_string_equal(s, "19691231235959Z");
	assert_int_equal(nber_gentime_format(-11644473600LL, s), WIRE_OK);
	assert_string_equal(s, "16010101000000Z");
	assert_int_equal(nber_gentime_format(253402300799LL, s), WIRE_OK);
	assert_string_equal(s, "99991231235959Z");
	assert_int_equal(nber_gentime_format(-62135596800LL, s), WIRE_OK);
	assert_string_equal(s, "00010101000000Z");
	assert_int_equal(nber_gentime_format(253402300800LL, s), WIRE_EBAD);
	assert_int_equal(nber_gentime_format(-62135596801LL, s), WIRE_EBAD);
}

static void test_generalized_time_round_trips_across_the_range(void **state)
{
	(void)state;
	/* a step that is not a whole number of days or years */
	for (int64_t t = -62135596800LL; t <= 253402300799LL; t += 86400LL * 97 + 3601) {
		char s[BER_GENTIME_LEN + 1];
		int64_t back = 0;

		assert_int_equal(nber_gentime_format(t, s), WIRE_OK);
		assert_int_equal(nber_gentime_parse((const uint8_t *)s, BER_GENTIME_LEN, &back), WIRE_OK);
		assert_true(back == t);
	}
}

/* ---- sweeps over a nested structure ---- */

/* SEQUENCE { INTEGER, [3] { OCTET STRING }, BOOLEAN } read strictly. */
static int dec_nested(const uint8_t *buf, size_t len, void *ctx)
{
	struct wrd r, s, c;
	struct ber_tlv t, u;
	int64_t v;
	int b;

	(void)ctx;
	wrd_init(&r, buf, len);
	if (nber_read_expect(&r, BER_SEQUENCE, &t) || wrd_finish(&r))
		return -1;
	s = nber_tlv_reader(&r, &t);
	if (nber_read_expect(&s, BER_INTEGER, &u) || nber_get_int(&u, &v))
		return -1;
	if (nber_read_expect(&s, BER_CTX_C(3), &u))
		return -1;
	c = nber_tlv_reader(&s, &u);
	if (nber_read_expect(&c, BER_OCTET_STRING, &u) || wrd_finish(&c))
		return -1;
	if (nber_read_expect(&s, BER_BOOLEAN, &u) || nber_get_bool(&u, &b))
		return -1;
	return wrd_finish(&s) ? -1 : 0;
}

static void test_every_prefix_of_a_nested_structure_is_rejected(void **state)
{
	uint8_t buf[400];
	uint8_t payload[150];
	struct wwr w;
	size_t a, b;

	(void)state;
	memset(payload, 'q', sizeof(payload));
	wwr_init(&w, buf, sizeof(buf));
	a = nber_begin(&w, BER_SEQUENCE);
	nber_put_int(&w, BER_INTEGER, -300);
	b = nber_begin(&w, BER_CTX_C(3));
	nber_put_octets(&w, BER_OCTET_STRING, payload, sizeof(payload));
	nber_end(&w, b);
	nber_put_bool(&w, BER_BOOLEAN, 1);
	nber_end(&w, a);
	assert_int_equal(wwr_err(&w), WIRE_OK);
	assert_int_equal(dec_nested(buf, wwr_len(&w), NULL), 0);
	assert_int_equal(sweep_truncations(buf, wwr_len(&w), dec_nested, NULL), 0);
	(void)sweep_bitflips(buf, wwr_len(&w), dec_nested, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_short_form_length_is_read),
		cmocka_unit_test(test_long_form_lengths_including_non_minimal_0x84),
		cmocka_unit_test(test_indefinite_length_is_rejected),
		cmocka_unit_test(test_reserved_length_octet_0xff_is_rejected),
		cmocka_unit_test(test_more_than_four_length_octets_is_elimit),
		cmocka_unit_test(test_length_beyond_input_is_etrunc),
		cmocka_unit_test(test_high_tag_numbers_up_to_2_pow_21),
		cmocka_unit_test(test_bad_high_tag_forms_are_rejected),
		cmocka_unit_test(test_expect_rejects_other_identifier),
		cmocka_unit_test(test_tlv_reader_keeps_the_parent_base),
		cmocka_unit_test(test_sub_done_propagates_trailing_bytes),
		cmocka_unit_test(test_integers_encode_minimally_and_decode_back),
		cmocka_unit_test(test_integer_round_trip_over_a_sweep_of_values),
		cmocka_unit_test(test_bad_integers_are_rejected),
		cmocka_unit_test(test_booleans_encode_der_and_decode),
		cmocka_unit_test(test_octet_lengths_switch_to_long_form_at_128),
		cmocka_unit_test(test_back_patched_lengths_grow_nested_headers),
		cmocka_unit_test(test_short_empty_element_patches_zero_length),
		cmocka_unit_test(test_writer_reports_espace_for_every_short_buffer),
		cmocka_unit_test(test_null_octets_with_length_is_ebad),
		cmocka_unit_test(test_generalized_time_parses_known_instants),
		cmocka_unit_test(test_generalized_time_rejects_bad_forms),
		cmocka_unit_test(test_generalized_time_format_golden),
		cmocka_unit_test(test_generalized_time_round_trips_across_the_range),
		cmocka_unit_test(test_every_prefix_of_a_nested_structure_is_rejected),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
