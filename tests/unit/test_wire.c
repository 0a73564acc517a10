/* tests/unit/test_wire.c - the bounded reader/writer (proto/wire.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "wire.h"

static void reads_little_and_big_endian(void **state)
{
	static const uint8_t b[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c,
				     0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18,
				     0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f };
	struct wrd r;
	(void)state;

	wrd_init(&r, b, sizeof(b));
	assert_int_equal(wrd_u8(&r), 0x01);
	assert_int_equal(wrd_u16le(&r), 0x0302);
	assert_int_equal(wrd_u16be(&r), 0x0405);
	assert_int_equal(wrd_u32le(&r), 0x09080706);
	assert_int_equal(wrd_u32be(&r), 0x0a0b0c0d);
	assert_true(wrd_u64le(&r) == 0x1514131211100f0eULL);
	assert_true(wrd_u64be(&r) == 0x161718191a1b1c1dULL);
	assert_int_equal(wrd_left(&r), 2);
	assert_int_equal(wrd_err(&r), WIRE_OK);
}

static void error_is_sticky_and_reads_return_zero(void **state)
{
	static const uint8_t b[] = { 0xff, 0xff, 0xff };
	struct wrd r;
	uint8_t out[4] = { 1, 2, 3, 4 };
	(void)state;

	wrd_init(&r, b, sizeof(b));
	assert_int_equal(wrd_u32le(&r), 0);
	assert_int_equal(wrd_err(&r), WIRE_ETRUNC);
	/* nothing afterwards succeeds, even a read that would fit */
	assert_int_equal(wrd_u8(&r), 0);
	assert_int_equal(wrd_left(&r), 0);
	wrd_bytes(&r, out, sizeof(out));
	assert_memory_equal(out, "\0\0\0\0", 4);
	assert_null(wrd_ptr(&r, 1));
	assert_int_equal(wrd_err(&r), WIRE_ETRUNC);
}

static void align_counts_from_base_even_in_a_sub_reader(void **state)
{
	uint8_t b[32];
	struct wrd r, s;
	(void)state;

	for (int i = 0; i < 32; i++)
		b[i] = (uint8_t)i;
	wrd_init(&r, b, sizeof(b));
	wrd_skip(&r, 3);
	s = wrd_sub(&r, 20);
	assert_int_equal(wrd_pos(&r), 23);
	wrd_u8(&s); /* pos 4 */
	wrd_align(&s, 8);
	assert_int_equal(wrd_pos(&s), 8);
	assert_int_equal(wrd_u8(&s), 8);
	wrd_align(&s, 4);
	assert_int_equal(wrd_pos(&s), 12);
	/* sub-reader may not run past its own end (11 bytes are left) */
	wrd_skip(&s, 12);
	assert_int_equal(wrd_err(&s), WIRE_ETRUNC);
	assert_int_equal(wrd_err(&r), WIRE_OK);
}

static void sub_reader_too_long_fails_both(void **state)
{
	static const uint8_t b[4] = { 0 };
	struct wrd r, s;
	(void)state;

	wrd_init(&r, b, sizeof(b));
	s = wrd_sub(&r, 5);
	assert_int_equal(wrd_err(&r), WIRE_ETRUNC);
	assert_int_equal(wrd_err(&s), WIRE_ETRUNC);
	assert_int_equal(wrd_left(&s), 0);
}

static void finish_rejects_trailing_bytes(void **state)
{
	static const uint8_t b[3] = { 1, 2, 3 };
	struct wrd r;
	(void)state;

	wrd_init(&r, b, sizeof(b));
	wrd_u16le(&r);
	assert_int_equal(wrd_finish(&r), WIRE_ETRAILING);
	wrd_init(&r, b, sizeof(b));
	wrd_skip(&r, 3);
	assert_int_equal(wrd_finish(&r), WIRE_OK);
}

static void count_check_bounds_by_bytes_left_and_maximum(void **state)
{
	static const uint8_t b[10] = { 0 };
	struct wrd r;
	(void)state;

	wrd_init(&r, b, sizeof(b));
	assert_true(wrd_check_count(&r, 5, 2, 100));
	assert_false(wrd_check_count(&r, 6, 2, 100));
	assert_int_equal(wrd_err(&r), WIRE_ETRUNC);
	wrd_init(&r, b, sizeof(b));
	assert_false(wrd_check_count(&r, 4, 1, 3));
	assert_int_equal(wrd_err(&r), WIRE_ELIMIT);
	/* a huge count must not overflow the multiplication */
	wrd_init(&r, b, sizeof(b));
	assert_false(wrd_check_count(&r, UINT64_MAX / 2 + 1, 4, UINT64_MAX));
}

static void seek_stays_inside_the_buffer(void **state)
{
	static const uint8_t b[4] = { 9, 8, 7, 6 };
	struct wrd r;
	(void)state;

	wrd_init(&r, b, sizeof(b));
	wrd_seek(&r, 2);
	assert_int_equal(wrd_u8(&r), 7);
	wrd_seek(&r, 4);
	assert_int_equal(wrd_err(&r), WIRE_OK);
	wrd_seek(&r, 5);
	assert_int_equal(wrd_err(&r), WIRE_ETRUNC);
}

static void writer_encodes_and_stops_at_capacity(void **state)
{
	uint8_t buf[16];
	struct wwr w;
	static const uint8_t want[] = { 0x01, 0x03, 0x02, 0x04, 0x05, 0x09, 0x08, 0x07, 0x06, 0x0a, 0x0b, 0x0c, 0x0d };
	(void)state;

	wwr_init(&w, buf, sizeof(buf));
	wwr_u8(&w, 1);
	wwr_u16le(&w, 0x0203);
	wwr_u16be(&w, 0x0405);
	wwr_u32le(&w, 0x06070809);
	wwr_u32be(&w, 0x0a0b0c0d);
	assert_int_equal(wwr_err(&w), WIRE_OK);
	assert_int_equal(wwr_len(&w), sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	wwr_u32le(&w, 0); /* 3 bytes left: nothing of it may be written */
	assert_int_equal(wwr_err(&w), WIRE_ESPACE);
	assert_int_equal(wwr_len(&w), sizeof(want));
	wwr_u8(&w, 0); /* sticky even though one byte would fit */
	assert_int_equal(wwr_len(&w), sizeof(want));
}

static void writer_reserve_patch_align_and_gap(void **state)
{
	uint8_t buf[16];
	struct wwr w;
	size_t mark;
	static const uint8_t want[] = { 0xaa, 0x00, 0x00, 0x00, 0x05, 0xbb, 0xcc, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 };
	(void)state;

	wwr_init(&w, buf, sizeof(buf));
	wwr_u8(&w, 0xaa);
	mark = wwr_reserve(&w, 2);
	assert_int_equal(mark, 1);
	wwr_u8(&w, 0xbb);
	wwr_put_u16be_at(&w, mark, 0x0005);
	wwr_insert_gap(&w, 1, 2); /* two zero bytes before the patched length */
	wwr_u8(&w, 0xcc);
	wwr_align(&w, 8);
	wwr_zero(&w, 8);
	assert_int_equal(wwr_err(&w), WIRE_OK);
	assert_int_equal(wwr_len(&w), 16);
	assert_memory_equal(buf, want, 16);
	wwr_insert_gap(&w, 0, 1);
	assert_int_equal(wwr_err(&w), WIRE_ESPACE);
}

static void patch_outside_written_bytes_fails(void **state)
{
	uint8_t buf[8];
	struct wwr w;
	(void)state;

	wwr_init(&w, buf, sizeof(buf));
	wwr_u16le(&w, 1);
	wwr_put_u32le_at(&w, 0, 1);
	assert_int_equal(wwr_err(&w), WIRE_ESPACE);
}

static void null_buffers_are_empty_not_crashes(void **state)
{
	struct wrd r;
	struct wwr w;
	(void)state;

	wrd_init(&r, NULL, 10);
	assert_int_equal(wrd_left(&r), 0);
	wrd_u8(&r);
	assert_int_equal(wrd_err(&r), WIRE_ETRUNC);
	wwr_init(&w, NULL, 10);
	wwr_u8(&w, 1);
	assert_int_equal(wwr_err(&w), WIRE_ESPACE);
	assert_string_equal(wire_strerror(WIRE_ETRUNC), "truncated");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reads_little_and_big_endian),
		cmocka_unit_test(error_is_sticky_and_reads_return_zero),
		cmocka_unit_test(align_counts_from_base_even_in_a_sub_reader),
		cmocka_unit_test(sub_reader_too_long_fails_both),
		cmocka_unit_test(finish_rejects_trailing_bytes),
		cmocka_unit_test(count_check_bounds_by_bytes_left_and_maximum),
		cmocka_unit_test(seek_stays_inside_the_buffer),
		cmocka_unit_test(writer_encodes_and_stops_at_capacity),
		cmocka_unit_test(writer_reserve_patch_align_and_gap),
		cmocka_unit_test(patch_outside_written_bytes_fails),
		cmocka_unit_test(null_buffers_are_empty_not_crashes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
