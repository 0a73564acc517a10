/*
 * tests/unit/test_kpasswd.c - proto/kpasswd.c: the kpasswd framing (RFC 3244)
 * and the set-password ChangePasswdData.
 *
 * Golden bytes (tests/vectors/README.md): ChangePasswdData encoded with a
 * pyasn1 schema written from RFC 3244 section 2; AP-REP, KRB-PRIV and
 * KRB-ERROR bodies with impacket.krb5.asn1 + the pyasn1 DER encoder
 * (dummy ciphertexts), framed by hand from the RFC's header layout.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kpasswd.h"
#include "sweep.h"

static const char setpw_hex[] =
	"302ba00a04085365637265742d31a111300fa003020101a10830061b0457533124a20a1b084c41422e54455354";
static const char setpw_min_hex[] = "3006a00404027077";
static const char ap_rep_hex[] =
	"6f293027a003020105a10302010fa21b3019a003020112a2120410000102030405060708090a0b0c0d0e0f";
static const char priv_hex[] =
	"7531302fa003020105a103020115a3233021a003020112a21a0418202122232425262728292a2b2c2d2e2f3031323334353637";
static const char rep_hex[] =
	"00640001002b6f293027a003020105a10302010fa21b3019a003020112a2120410000102030405060708090a0b0c0d0e0f"
	"7531302fa003020105a103020115a3233021a003020112a21a0418202122232425262728292a2b2c2d2e2f3031323334353637";
static const char rep_err_hex[] =
	"005c000100007e543052a003020105a10302011ea411180f32303236313230363033313530305aa50302010ca603020129"
	"a90a1b084c41422e54455354aa1d301ba003020102a11430121b066b61646d696e1b086368616e67657077";
static const char bare_err_hex[] =
	"7e543052a003020105a10302011ea411180f32303236313230363033313530305aa50302010ca603020129a90a1b084c41"
	"422e54455354aa1d301ba003020102a11430121b066b61646d696e1b086368616e67657077";

#define BUF_MAX 1024

static size_t unhex(const char *hex, uint8_t *out)
{
	return sweep_unhex(hex, out, BUF_MAX);
}

static void test_setpw_data_matches_pyasn1(void **state)
{
	uint8_t want[BUF_MAX], buf[BUF_MAX];
	size_t n = unhex(setpw_hex, want);
	struct wwr w;

	(void)state;
	wwr_init(&w, buf, sizeof(buf));
	assert_int_equal(kpw_enc_setpw_data(&w, (const uint8_t *)"Secret-1", 8, "WS1$", "LAB.TEST"), WIRE_OK);
	assert_int_equal(wwr_len(&w), n);
	assert_memory_equal(buf, want, n);
	n = unhex(setpw_min_hex, want);
	wwr_init(&w, buf, sizeof(buf));
	assert_int_equal(kpw_enc_setpw_data(&w, (const uint8_t *)"pw", 2, NULL, NULL), WIRE_OK);
	assert_int_equal(wwr_len(&w), n);
	assert_memory_equal(buf, want, n);
}

static void test_setpw_data_rejects_half_a_target(void **state)
{
	uint8_t buf[BUF_MAX];
	struct wwr w;

	(void)state;
	wwr_init(&w, buf, sizeof(buf));
	assert_int_equal(kpw_enc_setpw_data(&w, (const uint8_t *)"pw", 2, "WS1$", NULL), WIRE_EBAD);
	wwr_init(&w, buf, sizeof(buf));
	assert_int_equal(kpw_enc_setpw_data(&w, (const uint8_t *)"pw", 2, NULL, "LAB.TEST"), WIRE_EBAD);
	wwr_init(&w, buf, sizeof(buf));
	assert_int_equal(kpw_enc_setpw_data(&w, (const uint8_t *)"pw", 2, "a//b", "LAB.TEST"), WIRE_EBAD);
	/* every short buffer is ESPACE, never a partial success */
	for (size_t cap = 0; cap < 45; cap++) {
		wwr_init(&w, buf, cap);
		assert_int_not_equal(kpw_enc_setpw_data(&w, (const uint8_t *)"Secret-1", 8, "WS1$", "LAB.TEST"), WIRE_OK);
	}
}

static void test_request_header(void **state)
{
	uint8_t ap[BUF_MAX], pr[BUF_MAX], buf[BUF_MAX], want[BUF_MAX];
	size_t na = unhex(ap_rep_hex, ap), np = unhex(priv_hex, pr), nw;
	struct wwr w;

	(void)state;
	/* the request frames like the reply: same header, the AP-REQ in the AP-REP's place */
	nw = unhex(rep_hex, want);
	want[2] = 0xff;
	want[3] = 0x80;
	wwr_init(&w, buf, sizeof(buf));
	assert_int_equal(kpw_enc_request(&w, KPW_VERS_SET, ap, na, pr, np), WIRE_OK);
	assert_int_equal(wwr_len(&w), nw);
	assert_memory_equal(buf, want, nw);
	wwr_init(&w, buf, sizeof(buf));
	assert_int_equal(kpw_enc_request(&w, KPW_VERS_CHANGE, ap, na, pr, np), WIRE_OK);
	assert_int_equal(buf[2], 0x00);
	assert_int_equal(buf[3], 0x01);
	assert_int_equal(buf[0] << 8 | buf[1], 6 + na + np);
	assert_int_equal(buf[4] << 8 | buf[5], na);
	/* bad arguments */
	wwr_init(&w, buf, sizeof(buf));
	assert_int_equal(kpw_enc_request(&w, 2, ap, na, pr, np), WIRE_EBAD);
	wwr_init(&w, buf, sizeof(buf));
	assert_int_equal(kpw_enc_request(&w, KPW_VERS_CHANGE, ap, 0, pr, np), WIRE_EBAD);
	wwr_init(&w, buf, sizeof(buf));
	assert_int_equal(kpw_enc_request(&w, KPW_VERS_CHANGE, ap, na, pr, 0), WIRE_EBAD);
	wwr_init(&w, buf, sizeof(buf));
	assert_int_equal(kpw_enc_request(&w, KPW_VERS_CHANGE, ap, 0xfff0, pr, 0x20), WIRE_EBAD);
	for (size_t cap = 0; cap < nw; cap++) {
		wwr_init(&w, buf, cap);
		assert_int_equal(kpw_enc_request(&w, KPW_VERS_CHANGE, ap, na, pr, np), WIRE_ESPACE);
	}
}

static void test_reply_with_ap_rep_and_priv(void **state)
{
	uint8_t buf[BUF_MAX];
	size_t n = unhex(rep_hex, buf);
	struct kpw_reply r;

	(void)state;
	assert_int_equal(kpw_dec_reply(buf, n, &r), WIRE_OK);
	assert_int_equal(r.version, 1);
	assert_int_equal(r.is_error, 0);
	assert_int_equal(r.ap_rep_len, 0x2b);
	assert_ptr_equal(r.ap_rep, buf + 6);
	assert_ptr_equal(r.body, buf + 6 + 0x2b);
	assert_int_equal(r.body_len, n - 6 - 0x2b);
	/* a set-password reply may carry 0xff80 */
	buf[2] = 0xff;
	buf[3] = 0x80;
	assert_int_equal(kpw_dec_reply(buf, n, &r), WIRE_OK);
	assert_int_equal(r.version, KPW_VERS_SET);
}

static void test_reply_with_krb_error(void **state)
{
	uint8_t buf[BUF_MAX];
	size_t n = unhex(rep_err_hex, buf);
	struct kpw_reply r;

	(void)state;
	assert_int_equal(kpw_dec_reply(buf, n, &r), WIRE_OK);
	assert_int_equal(r.is_error, 1);
	assert_null(r.ap_rep);
	assert_ptr_equal(r.body, buf + 6);
	n = unhex(bare_err_hex, buf);
	assert_int_equal(kpw_dec_reply(buf, n, &r), WIRE_OK);
	assert_int_equal(r.is_error, 1);
	assert_int_equal(r.version, 0);
	assert_int_equal(r.body_len, n);
}

static void test_reply_rejects_what_it_must(void **state)
{
	uint8_t buf[BUF_MAX], t[BUF_MAX];
	size_t n = unhex(rep_hex, buf);
	struct kpw_reply r;

	(void)state;
	/* length field disagrees with the message */
	memcpy(t, buf, n);
	t[1]++;
	assert_int_equal(kpw_dec_reply(t, n, &r), WIRE_ETRUNC);
	memcpy(t, buf, n);
	t[1]--;
	assert_int_equal(kpw_dec_reply(t, n, &r), WIRE_ETRAILING);
	/* unknown version */
	memcpy(t, buf, n);
	t[3] = 2;
	assert_int_equal(kpw_dec_reply(t, n, &r), WIRE_EBAD);
	/* the AP-REP is not [APPLICATION 15] */
	memcpy(t, buf, n);
	t[6] = 0x6e;
	assert_int_not_equal(kpw_dec_reply(t, n, &r), WIRE_OK);
	/* the body is not a KRB-PRIV */
	memcpy(t, buf, n);
	t[6 + 0x2b] = 0x7e;
	assert_int_not_equal(kpw_dec_reply(t, n, &r), WIRE_OK);
	/* AP-REP longer than the message */
	memcpy(t, buf, n);
	t[5] = 0x70;
	assert_int_not_equal(kpw_dec_reply(t, n, &r), WIRE_OK);
	/* an AP-REP and nothing after it */
	memcpy(t, buf, 6 + 0x2b);
	t[0] = 0;
	t[1] = 6 + 0x2b;
	assert_int_equal(kpw_dec_reply(t, 6 + 0x2b, &r), WIRE_ETRUNC);
	/* an error reply whose body is a KRB-PRIV */
	n = unhex(rep_err_hex, t);
	t[6] = 0x75;
	assert_int_not_equal(kpw_dec_reply(t, n, &r), WIRE_OK);
}

static int sweep_reply(const uint8_t *buf, size_t len, void *ctx)
{
	struct kpw_reply r;
	(void)ctx;
	if (kpw_dec_reply(buf, len, &r) != WIRE_OK)
		return 1;
	/* whatever it accepts lies inside the buffer */
	assert_true(r.body >= buf && r.body + r.body_len <= buf + len);
	if (!r.is_error)
		assert_true(r.ap_rep >= buf && r.ap_rep + r.ap_rep_len <= r.body);
	return 0;
}

static void test_reply_truncation_and_bitflip_sweeps(void **state)
{
	const char *const v[] = { rep_hex, rep_err_hex, bare_err_hex };
	uint8_t buf[BUF_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		size_t n = unhex(v[i], buf);
		assert_int_equal(sweep_truncations(buf, n, sweep_reply, NULL), 0);
		(void)sweep_bitflips(buf, n, sweep_reply, NULL);
	}
}

static void test_result(void **state)
{
	static const uint8_t ok[] = { 0, 0 }, soft[] = { 0, 4, 'p', 'o', 'l' }, one[] = { 0 };
	uint16_t code = 99;
	const uint8_t *s = NULL;
	size_t sl = 9;

	(void)state;
	assert_int_equal(kpw_dec_result(ok, sizeof(ok), &code, &s, &sl), WIRE_OK);
	assert_int_equal(code, 0);
	assert_int_equal(sl, 0);
	assert_int_equal(kpw_dec_result(soft, sizeof(soft), &code, &s, &sl), WIRE_OK);
	assert_int_equal(code, KPW_SOFTERROR);
	assert_int_equal(sl, 3);
	assert_memory_equal(s, "pol", 3);
	assert_int_equal(kpw_dec_result(one, sizeof(one), &code, &s, &sl), WIRE_ETRUNC);
	assert_int_equal(kpw_dec_result(NULL, 0, &code, &s, &sl), WIRE_ETRUNC);
	assert_string_equal(kpw_result_str(KPW_SOFTERROR), "soft error (password policy)");
	assert_string_equal(kpw_result_str(77), "unknown result");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_setpw_data_matches_pyasn1),
		cmocka_unit_test(test_setpw_data_rejects_half_a_target),
		cmocka_unit_test(test_request_header),
		cmocka_unit_test(test_reply_with_ap_rep_and_priv),
		cmocka_unit_test(test_reply_with_krb_error),
		cmocka_unit_test(test_reply_rejects_what_it_must),
		cmocka_unit_test(test_reply_truncation_and_bitflip_sweeps),
		cmocka_unit_test(test_result),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
