/*
 * tests/unit/test_srvsvc_tod.c - proto/srvsvc.c's NetrRemoteTOD (opnum 28) codec.
 *
 * Golden bytes (provenance in tests/vectors/README.md, "srvsvc NetrRemoteTOD"):
 * - ws1_tod: the lab's ws1 (Samba 4.17.12 member) answering doctor --target ws1, captured with
 *   NLT_DUMP_STUBS on 2026-12-06 at 07:33:36 UTC; Samba's own NDR (python3-samba
 *   ndr_unpack_out(srvsvc.NetRemoteTOD)) decodes it to the same values.
 * - the requests: Samba's pidl (ndr_pack_in(srvsvc.NetRemoteTOD), in_server_unc None / "ws1").
 * Each answer decodes to those values, re-encodes byte for byte, refuses every proper prefix and
 * survives every bit flip under ASan.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "srvsvc.h"
#include "sweep.h"

static const char ws1_tod[] =
	"00000200d00f156b00000000070000002100000024000000000000000000000010270000060000000c000000ea07000000000000"
	"00000000";
static const char req_null[] = "00000000";
static const char req_ws1[] = "000002000400000000000000040000007700730031000000";

static uint8_t g[256], out[256];

static int dec_tod(const uint8_t *b, size_t n, void *ctx)
{
	struct srvsvc_tod r;
	(void)ctx;
	return srvsvc_dec_remote_tod_rep(b, n, &r) == WIRE_OK ? 0 : -1;
}

static void test_tod_golden(void **state)
{
	struct srvsvc_tod r;
	struct wwr w;
	size_t n = sweep_unhex(ws1_tod, g, sizeof(g));

	(void)state;
	assert_int_equal(n, 56);
	assert_int_equal(srvsvc_dec_remote_tod_rep(g, n, &r), WIRE_OK);
	assert_true(r.present);
	assert_int_equal(r.elapsedt, 1796542416u); /* 2026-12-06T07:33:36Z */
	assert_int_equal(r.msecs, 0);
	assert_int_equal(r.hours, 7);
	assert_int_equal(r.mins, 33);
	assert_int_equal(r.secs, 36);
	assert_int_equal(r.hunds, 0);
	assert_int_equal(r.timezone, 0);
	assert_int_equal(r.tinterval, 10000);
	assert_int_equal(r.day, 6);
	assert_int_equal(r.month, 12);
	assert_int_equal(r.year, 2026);
	assert_int_equal(r.weekday, 0);
	assert_int_equal(r.werror, 0);
	assert_int_equal(srvsvc_tod_unix_ms(&r), 1796542416000LL);
	wwr_init(&w, out, sizeof(out));
	assert_int_equal(srvsvc_enc_remote_tod_rep(&w, &r), WIRE_OK);
	assert_int_equal(wwr_len(&w), n);
	assert_memory_equal(out, g, n);
	assert_int_equal(sweep_truncations(g, n, dec_tod, NULL), 0);
	(void)sweep_bitflips(g, n, dec_tod, NULL);
	/* a trailing byte is refused */
	g[n] = 0;
	assert_int_not_equal(srvsvc_dec_remote_tod_rep(g, n + 1, &r), WIRE_OK);
}

static void test_tod_refused_and_bad(void **state)
{
	struct srvsvc_tod r, r2;
	struct wwr w;
	size_t n;

	(void)state;
	/* a refusal: a NULL pointer and the status (5 = ERROR_ACCESS_DENIED) */
	n = sweep_unhex("0000000005000000", g, sizeof(g));
	assert_int_equal(srvsvc_dec_remote_tod_rep(g, n, &r), WIRE_OK);
	assert_false(r.present);
	assert_int_equal(r.werror, 5);
	assert_int_equal(sweep_truncations(g, n, dec_tod, NULL), 0);
	/* hundredths above 99 are not a time */
	n = sweep_unhex(ws1_tod, g, sizeof(g));
	g[24] = 100; /* tod_hunds: after the pointer and five fields */
	assert_int_equal(srvsvc_dec_remote_tod_rep(g, n, &r), WIRE_EBAD);
	/* hundredths and a time zone west of UTC (a negative one east) round-trip */
	memset(&r, 0, sizeof(r));
	r.present = 1;
	r.elapsedt = 1796542416u;
	r.hunds = 99;
	r.timezone = -60;
	wwr_init(&w, out, sizeof(out));
	assert_int_equal(srvsvc_enc_remote_tod_rep(&w, &r), WIRE_OK);
	assert_int_equal(srvsvc_dec_remote_tod_rep(out, wwr_len(&w), &r2), WIRE_OK);
	assert_int_equal(r2.timezone, -60);
	assert_int_equal(srvsvc_tod_unix_ms(&r2), 1796542416990LL);
}

static void test_tod_requests(void **state)
{
	struct wwr w;
	size_t n;

	(void)state;
	n = sweep_unhex(req_null, g, sizeof(g));
	wwr_init(&w, out, sizeof(out));
	assert_int_equal(srvsvc_enc_remote_tod(&w, NULL), WIRE_OK);
	assert_int_equal(wwr_len(&w), n);
	assert_memory_equal(out, g, n);
	n = sweep_unhex(req_ws1, g, sizeof(g));
	wwr_init(&w, out, sizeof(out));
	assert_int_equal(srvsvc_enc_remote_tod(&w, "ws1"), WIRE_OK);
	assert_int_equal(wwr_len(&w), n);
	assert_memory_equal(out, g, n);
	/* too small a buffer is an error, not an overflow */
	wwr_init(&w, out, 10);
	assert_int_not_equal(srvsvc_enc_remote_tod(&w, "ws1"), WIRE_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tod_golden),
		cmocka_unit_test(test_tod_refused_and_bad),
		cmocka_unit_test(test_tod_requests),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
