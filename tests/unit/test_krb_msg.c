/*
 * tests/unit/test_krb_msg.c - proto/krb_msg.c: AS-REQ probe encoder and
 * KRB-ERROR decoder (RFC 4120 §5.4.1, §5.9.1).
 *
 * Golden bytes (tests/vectors/README.md): AS-REQ and KRB-ERROR encoded
 * independently with impacket.krb5.asn1 and the pyasn1 DER encoder, and
 * the two KRB-ERROR reference encodings of MIT krb5's
 * src/tests/asn.1/krb5_decode_test.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ber.h"
#include "krb_msg.h"
#include "sweep.h"

static const char krb_as_req_hex[] =
	"6a818e30818ba103020105a20302010aa47f307da00703050040000010a111300fa003020101a10830061b0457533124"
	"a2111b0f4c41422e4558414d504c452e434f4da3243022a003020102a11b30191b066b72627467741b0f4c41422e4558"
	"414d504c452e434f4da511180f32303337303931333032343830355aa706020412345678a80b30090201120201110201"
	"17";
static const char krb_as_req_2comp_hex[] =
	"6a81a030819da103020105a20302010aa4819030818da00703050040000010a1263024a003020101a11d301b1b04686f"
	"73741b137773312e6c61622e6578616d706c652e636f6da2111b0f4c41422e4558414d504c452e434f4da3243022a003"
	"020102a11b30191b066b72627467741b0f4c41422e4558414d504c452e434f4da511180f313937303031303130303030"
	"30305aa707020500deadbeefa8053003020112";
static const char krb_error_preauth_hex[] =
	"7e81bb3081b8a003020105a10302011ea211180f32303234303232393132333430305aa303020107a411180f32303234"
	"303232393132333435365aa505020301e240a603020119a7111b0f4c41422e4558414d504c452e434f4da811300fa003"
	"020101a10830061b0457533124a9111b0f4c41422e4558414d504c452e434f4daa243022a003020102a11b30191b066b"
	"72627467741b0f4c41422e4558414d504c452e434f4dab101b0e4e45454445445f50524541555448ac0404023000";
static const char krb_error_min_hex[] =
	"7e623060a003020105a10302011ea411180f32303939313233313233353935395aa503020100a603020106a9111b0f4c"
	"41422e4558414d504c452e434f4daa243022a003020102a11b30191b066b72627467741b0f4c41422e4558414d504c45"
	"2e434f4d";

/* MIT krb5 src/tests/asn.1/krb5_decode_test.c, "error" (ktest_make_sample_error) */
static const char mit_error_hex[] =
	"7E 81 BA 30 81 B7 A0 03 02 01 05 A1 03 02 01 1E A2 11 18 0F 31 39 39 34 30 36 31 30 30 36 30 33"
	"31 37 5A A3 05 02 03 01 E2 40 A4 11 18 0F 31 39 39 34 30 36 31 30 30 36 30 33 31 37 5A A5 05 02"
	"03 01 E2 40 A6 03 02 01 3C A7 10 1B 0E 41 54 48 45 4E 41 2E 4D 49 54 2E 45 44 55 A8 1A 30 18 A0"
	"03 02 01 01 A1 11 30 0F 1B 06 68 66 74 73 61 69 1B 05 65 78 74 72 61 A9 10 1B 0E 41 54 48 45 4E"
	"41 2E 4D 49 54 2E 45 44 55 AA 1A 30 18 A0 03 02 01 01 A1 11 30 0F 1B 06 68 66 74 73 61 69 1B 05"
	"65 78 74 72 61 AB 0A 1B 08 6B 72 62 35 64 61 74 61 AC 0A 04 08 6B 72 62 35 64 61 74 61";
/* ... and "error (optionals NULL)": no ctime, crealm/cname, e-text, e-data */
static const char mit_error_min_hex[] =
	"7E 60 30 5E A0 03 02 01 05 A1 03 02 01 1E A3 05 02 03 01 E2 40 A4 11 18 0F 31 39 39 34 30 36 31"
	"30 30 36 30 33 31 37 5A A5 05 02 03 01 E2 40 A6 03 02 01 3C A9 10 1B 0E 41 54 48 45 4E 41 2E 4D"
	"49 54 2E 45 44 55 AA 1A 30 18 A0 03 02 01 01 A1 11 30 0F 1B 06 68 66 74 73 61 69 1B 05 65 78 74"
	"72 61";

#define BUF_MAX 2048

static size_t unhex(const char *hex, uint8_t *out)
{
	return sweep_unhex(hex, out, BUF_MAX);
}

static const int32_t etypes3[] = { 18, 17, 23 };

/* ---- AS-REQ ---- */

static void check_as_req(const struct krb_as_req_probe *req, const char *hex)
{
	uint8_t want[BUF_MAX], buf[BUF_MAX];
	size_t n = unhex(hex, want);
	struct wwr w;

	wwr_init(&w, buf, sizeof(buf));
	assert_int_equal(krb_enc_as_req(&w, req), WIRE_OK);
	assert_int_equal(wwr_len(&w), n);
	assert_memory_equal(buf, want, n);
}

static void test_as_req_matches_impacket(void **state)
{
	struct krb_as_req_probe req = { "LAB.EXAMPLE.COM", "WS1$", 0x12345678, 2136422885LL, etypes3, 3 };

	(void)state;
	check_as_req(&req, krb_as_req_hex);
}

static void test_as_req_with_two_component_cname_and_high_nonce(void **state)
{
	static const int32_t aes256[] = { 18 };
	struct krb_as_req_probe req = { "LAB.EXAMPLE.COM", "host/ws1.lab.example.com", 0xdeadbeef, 0, aes256, 1 };

	(void)state;
	check_as_req(&req, krb_as_req_2comp_hex);
}

static void test_as_req_rejects_bad_arguments(void **state)
{
	static const char *const bad_cnames[] = { "", "host//x", "/x", "x/", "/" };
	struct krb_as_req_probe req = { "LAB.EXAMPLE.COM", "WS1$", 1, 0, etypes3, 3 };
	uint8_t buf[BUF_MAX] = {0};
	struct wwr w;

	(void)state;
	for (size_t i = 0; i < sizeof(bad_cnames) / sizeof(bad_cnames[0]); i++) {
		req.cname = bad_cnames[i];
		wwr_init(&w, buf, sizeof(buf));
		assert_int_equal(krb_enc_as_req(&w, &req), WIRE_EBAD);
	}
	req.cname = NULL;
	wwr_init(&w, buf, sizeof(buf));
	assert_int_equal(krb_enc_as_req(&w, &req), WIRE_EBAD);
	req.cname = "WS1$";
	req.realm = "";
	wwr_init(&w, buf, sizeof(buf));
	assert_int_equal(krb_enc_as_req(&w, &req), WIRE_EBAD);
	req.realm = "LAB.EXAMPLE.COM";
	req.n_etypes = 0;
	wwr_init(&w, buf, sizeof(buf));
	assert_int_equal(krb_enc_as_req(&w, &req), WIRE_EBAD);
	req.n_etypes = 3;
	req.till = 253402300800LL; /* year 10000 */
	wwr_init(&w, buf, sizeof(buf));
	assert_int_equal(krb_enc_as_req(&w, &req), WIRE_EBAD);
	wwr_init(&w, buf, sizeof(buf));
	assert_int_equal(krb_enc_as_req(&w, NULL), WIRE_EBAD);
}

static void test_as_req_into_every_short_buffer_is_espace(void **state)
{
	struct krb_as_req_probe req = { "LAB.EXAMPLE.COM", "WS1$", 0x12345678, 2136422885LL, etypes3, 3 };
	uint8_t full[BUF_MAX];
	struct wwr w;
	size_t need;

	(void)state;
	wwr_init(&w, full, sizeof(full));
	assert_int_equal(krb_enc_as_req(&w, &req), WIRE_OK);
	need = wwr_len(&w);
	for (size_t cap = 0; cap < need; cap++) {
		uint8_t *buf = malloc(cap ? cap : 1);

		assert_non_null(buf);
		wwr_init(&w, buf, cap);
		assert_int_equal(krb_enc_as_req(&w, &req), WIRE_ESPACE);
		free(buf);
	}
}

/* Walk AS-REQ -> KDC-REQ -> req-body [4] -> till [5] with the BER reader. */
static void test_as_req_round_trips_till_and_nonce(void **state)
{
	static const int64_t tills[] = { 0, 1, 1709210096, -11644473600LL, 253402300799LL };
	uint8_t buf[BUF_MAX] = {0};

	(void)state;
	for (size_t i = 0; i < sizeof(tills) / sizeof(tills[0]); i++) {
		struct krb_as_req_probe req = { "R", "c", 0x7fffffff, tills[i], etypes3, 3 };
		struct wwr w;
		struct wrd r, s, b;
		struct ber_tlv t;
		int64_t v = 0;

		wwr_init(&w, buf, sizeof(buf));
		assert_int_equal(krb_enc_as_req(&w, &req), WIRE_OK);
		assert_int_equal(krb_msg_type(buf, wwr_len(&w)), KRB_MSG_AS_REQ);
		wrd_init(&r, buf, wwr_len(&w));
		assert_int_equal(nber_read_expect(&r, BER_APP_C(10), &t), WIRE_OK);
		s = nber_tlv_reader(&r, &t);
		assert_int_equal(nber_read_expect(&s, BER_SEQUENCE, &t), WIRE_OK);
		s = nber_tlv_reader(&s, &t);
		assert_int_equal(nber_read_expect(&s, BER_CTX_C(1), &t), WIRE_OK);
		assert_int_equal(nber_read_expect(&s, BER_CTX_C(2), &t), WIRE_OK);
		assert_int_equal(nber_read_expect(&s, BER_CTX_C(4), &t), WIRE_OK);
		b = nber_tlv_reader(&s, &t);
		assert_int_equal(nber_read_expect(&b, BER_SEQUENCE, &t), WIRE_OK);
		b = nber_tlv_reader(&b, &t);
		while (nber_peek(&b) != BER_CTX_C(5))
			assert_int_equal(nber_read_tlv(&b, &t), WIRE_OK);
		assert_int_equal(nber_read_tlv(&b, &t), WIRE_OK);
		s = nber_tlv_reader(&b, &t);
		assert_int_equal(nber_read_expect(&s, BER_GENERALIZED_TIME, &t), WIRE_OK);
		assert_int_equal(nber_gentime_parse(t.val, t.len, &v), WIRE_OK);
		assert_true(v == tills[i]);
		assert_int_equal(nber_read_expect(&b, BER_CTX_C(7), &t), WIRE_OK);
		s = nber_tlv_reader(&b, &t);
		assert_int_equal(nber_read_expect(&s, BER_INTEGER, &t), WIRE_OK);
		assert_int_equal(nber_get_int(&t, &v), WIRE_OK);
		assert_true(v == 0x7fffffff);
	}
}

/* ---- krb_msg_type ---- */

static void test_msg_type_reads_the_application_tag(void **state)
{
	static const struct {
		const char *hex;
		int want;
	} v[] = {
		{ "6b 02 3000", KRB_MSG_AS_REP },
		{ "7e 00", KRB_MSG_ERROR },
		{ "7f64 00", 100 },        /* high tag number form */
		{ "30 00", -1 },           /* universal */
		{ "4b 00", -1 },           /* primitive */
		{ "ab 00", -1 },           /* context class */
		{ "6b 02 30", -1 },        /* truncated */
		{ "6b 00 00", -1 },        /* trailing byte */
		{ "6b 80 0000", -1 },      /* indefinite length */
		{ "", -1 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		uint8_t buf[16];
		size_t n = sweep_unhex(v[i].hex, buf, sizeof(buf));

		assert_int_equal(krb_msg_type(buf, n), v[i].want);
	}
	assert_int_equal(krb_msg_type(NULL, 0), -1);
}

static void test_msg_type_of_golden_messages(void **state)
{
	uint8_t buf[BUF_MAX] = {0};
	size_t n;

	(void)state;
	n = unhex(krb_as_req_hex, buf);
	assert_int_equal(krb_msg_type(buf, n), KRB_MSG_AS_REQ);
	n = unhex(krb_error_preauth_hex, buf);
	assert_int_equal(krb_msg_type(buf, n), KRB_MSG_ERROR);
	n = unhex(mit_error_hex, buf);
	assert_int_equal(krb_msg_type(buf, n), KRB_MSG_ERROR);
}

/* ---- KRB-ERROR ---- */

static int dec_hex(const char *hex, struct krb_error *e)
{
	uint8_t buf[BUF_MAX] = {0};
	size_t n = unhex(hex, buf);
	uint8_t *copy = malloc(n ? n : 1);
	int rc;

	assert_non_null(copy);
	memcpy(copy, buf, n);
	rc = krb_dec_error(copy, n, e);
	free(copy);
	return rc;
}

static void test_preauth_required_error_from_impacket(void **state)
{
	struct krb_error e;

	(void)state;
	assert_int_equal(dec_hex(krb_error_preauth_hex, &e), WIRE_OK);
	assert_int_equal(e.error_code, KDC_ERR_PREAUTH_REQUIRED);
	assert_true(e.stime == 1709210096);
	assert_int_equal(e.susec, 123456);
	assert_string_equal(e.realm, "LAB.EXAMPLE.COM");
	assert_string_equal(e.e_text, "NEEDED_PREAUTH");
}

static void test_error_with_only_mandatory_fields(void **state)
{
	struct krb_error e;

	(void)state;
	assert_int_equal(dec_hex(krb_error_min_hex, &e), WIRE_OK);
	assert_int_equal(e.error_code, KDC_ERR_C_PRINCIPAL_UNKNOWN);
	assert_true(e.stime == 4102444799LL);
	assert_int_equal(e.susec, 0);
	assert_string_equal(e.realm, "LAB.EXAMPLE.COM");
	assert_string_equal(e.e_text, "");
}

static void test_mit_reference_encodings_decode(void **state)
{
	struct krb_error e;

	(void)state;
	/* ktest_make_sample_error: SAMPLE_TIME 771228197, usec 123456, error 60 */
	assert_int_equal(dec_hex(mit_error_hex, &e), WIRE_OK);
	assert_int_equal(e.error_code, KRB_ERR_GENERIC);
	assert_true(e.stime == 771228197);
	assert_int_equal(e.susec, 123456);
	assert_string_equal(e.realm, "ATHENA.MIT.EDU");
	assert_string_equal(e.e_text, "krb5data");
	assert_int_equal(dec_hex(mit_error_min_hex, &e), WIRE_OK);
	assert_int_equal(e.error_code, KRB_ERR_GENERIC);
	assert_true(e.stime == 771228197);
	assert_string_equal(e.e_text, "");
}

/* A KRB-ERROR builder for the malformed cases. */
struct kerr {
	int64_t pvno, msg_type;
	const char *ctime;
	int64_t cusec;          /* < -1000: absent */
	const char *stime;
	int64_t susec, code;
	const char *crealm;
	int cname_components;   /* 0: absent */
	const char *realm;
	size_t realm_len;       /* 0: strlen */
	int with_sname;
	const uint8_t *etext;
	size_t etext_len;
	int with_edata;
	int edata_tag;
	int extra_field;
	uint8_t app_ident;
};

static struct kerr kerr_default(void)
{
	struct kerr k;

	memset(&k, 0, sizeof(k));
	k.pvno = 5;
	k.msg_type = 30;
	k.ctime = NULL;
	k.cusec = -2000;
	k.stime = "20240229123456Z";
	k.susec = 123456;
	k.code = 25;
	k.realm = "LAB.EXAMPLE.COM";
	k.with_sname = 1;
	k.edata_tag = BER_OCTET_STRING;
	k.app_ident = BER_APP_C(30);
	return k;
}

static void put_principal(struct wwr *w, int32_t type, int components, const char *first)
{
	size_t seq = nber_begin(w, BER_SEQUENCE), t, list;

	t = nber_begin(w, BER_CTX_C(0));
	nber_put_int(w, BER_INTEGER, type);
	nber_end(w, t);
	t = nber_begin(w, BER_CTX_C(1));
	list = nber_begin(w, BER_SEQUENCE);
	for (int i = 0; i < components; i++) {
		const char *s = i == 0 ? first : "LAB.EXAMPLE.COM";

		nber_put_octets(w, BER_GENERAL_STRING, s, strlen(s));
	}
	nber_end(w, list);
	nber_end(w, t);
	nber_end(w, seq);
}

static void put_explicit_int(struct wwr *w, unsigned n, int64_t v)
{
	size_t t = nber_begin(w, BER_CTX_C(n));

	nber_put_int(w, BER_INTEGER, v);
	nber_end(w, t);
}

static void put_explicit_octets(struct wwr *w, unsigned n, uint8_t ident, const void *p, size_t len)
{
	size_t t = nber_begin(w, BER_CTX_C(n));

	nber_put_octets(w, ident, p, len);
	nber_end(w, t);
}

static size_t kerr_build(const struct kerr *k, uint8_t *buf, size_t cap)
{
	struct wwr w;
	size_t app, seq, t;

	wwr_init(&w, buf, cap);
	app = nber_begin(&w, k->app_ident);
	seq = nber_begin(&w, BER_SEQUENCE);
	put_explicit_int(&w, 0, k->pvno);
	put_explicit_int(&w, 1, k->msg_type);
	if (k->ctime)
		put_explicit_octets(&w, 2, BER_GENERALIZED_TIME, k->ctime, strlen(k->ctime));
	if (k->cusec >= -1000)
		put_explicit_int(&w, 3, k->cusec);
	if (k->stime)
		put_explicit_octets(&w, 4, BER_GENERALIZED_TIME, k->stime, strlen(k->stime));
	put_explicit_int(&w, 5, k->susec);
	put_explicit_int(&w, 6, k->code);
	if (k->crealm)
		put_explicit_octets(&w, 7, BER_GENERAL_STRING, k->crealm, strlen(k->crealm));
	if (k->cname_components) {
		t = nber_begin(&w, BER_CTX_C(8));
		put_principal(&w, KRB_NT_PRINCIPAL, k->cname_components, "WS1$");
		nber_end(&w, t);
	}
	put_explicit_octets(&w, 9, BER_GENERAL_STRING, k->realm, k->realm_len ? k->realm_len : strlen(k->realm));
	if (k->with_sname) {
		t = nber_begin(&w, BER_CTX_C(10));
		put_principal(&w, KRB_NT_SRV_INST, 2, "krbtgt");
		nber_end(&w, t);
	}
	if (k->etext)
		put_explicit_octets(&w, 11, BER_GENERAL_STRING, k->etext, k->etext_len);
	if (k->with_edata)
		put_explicit_octets(&w, 12, (uint8_t)k->edata_tag, "\x30\x00", 2);
	if (k->extra_field)
		put_explicit_int(&w, 13, 0);
	nber_end(&w, seq);
	nber_end(&w, app);
	assert_int_equal(wwr_err(&w), WIRE_OK);
	return wwr_len(&w);
}

static int kerr_dec(const struct kerr *k, struct krb_error *e)
{
	uint8_t buf[BUF_MAX] = {0};
	size_t n = kerr_build(k, buf, sizeof(buf));

	return krb_dec_error(buf, n, e);
}

static void test_builder_reproduces_impacket_bytes(void **state)
{
	uint8_t want[BUF_MAX], buf[BUF_MAX];
	size_t wn = unhex(krb_error_preauth_hex, want), n;
	struct kerr k = kerr_default();

	(void)state;
	k.ctime = "20240229123400Z";
	k.cusec = 7;
	k.crealm = "LAB.EXAMPLE.COM";
	k.cname_components = 1;
	k.etext = (const uint8_t *)"NEEDED_PREAUTH";
	k.etext_len = 14;
	k.with_edata = 1;
	n = kerr_build(&k, buf, sizeof(buf));
	assert_int_equal(n, wn);
	assert_memory_equal(buf, want, n);
}

static void test_bad_field_values_are_rejected(void **state)
{
	struct krb_error e;
	struct kerr k;

	(void)state;
	k = kerr_default();
	assert_int_equal(kerr_dec(&k, &e), WIRE_OK);
	k.pvno = 4;
	assert_int_equal(kerr_dec(&k, &e), WIRE_EBAD);
	k = kerr_default();
	k.msg_type = KRB_MSG_AS_REP;
	assert_int_equal(kerr_dec(&k, &e), WIRE_EBAD);
	k = kerr_default();
	k.susec = 1000000;
	assert_int_equal(kerr_dec(&k, &e), WIRE_EBAD);
	k.susec = -1;
	assert_int_equal(kerr_dec(&k, &e), WIRE_EBAD);
	k = kerr_default();
	k.cusec = 1000000;
	assert_int_equal(kerr_dec(&k, &e), WIRE_EBAD);
	k = kerr_default();
	k.code = 0x80000000LL;
	assert_int_equal(kerr_dec(&k, &e), WIRE_EBAD);
	k.code = INT32_MIN;
	assert_int_equal(kerr_dec(&k, &e), WIRE_OK);
	assert_int_equal(e.error_code, INT32_MIN);
	k = kerr_default();
	k.stime = "2024022912345Z";
	assert_int_equal(kerr_dec(&k, &e), WIRE_EBAD);
	k = kerr_default();
	k.ctime = "20240230000000Z";
	assert_int_equal(kerr_dec(&k, &e), WIRE_EBAD);
	k = kerr_default();
	k.edata_tag = BER_GENERAL_STRING;
	k.with_edata = 1;
	assert_int_equal(kerr_dec(&k, &e), WIRE_EBAD);
	k = kerr_default();
	k.app_ident = BER_APP_C(11);
	assert_int_equal(kerr_dec(&k, &e), WIRE_EBAD);
}

static void test_missing_mandatory_fields_are_rejected(void **state)
{
	struct krb_error e;
	struct kerr k;

	(void)state;
	k = kerr_default();
	k.stime = NULL;
	assert_int_equal(kerr_dec(&k, &e), WIRE_EBAD);
	k = kerr_default();
	k.with_sname = 0;
	assert_int_equal(kerr_dec(&k, &e), WIRE_ETRUNC);
}

static void test_unknown_trailing_field_is_rejected(void **state)
{
	struct krb_error e;
	struct kerr k = kerr_default();
	uint8_t buf[BUF_MAX] = {0};
	size_t n;

	(void)state;
	k.extra_field = 1;
	assert_int_equal(kerr_dec(&k, &e), WIRE_ETRAILING);
	k = kerr_default();
	n = kerr_build(&k, buf, sizeof(buf));
	buf[n] = 0;
	assert_int_equal(krb_dec_error(buf, n + 1, &e), WIRE_ETRAILING);
}

static void test_realm_longer_than_255_is_elimit(void **state)
{
	char realm[300];
	struct krb_error e;
	struct kerr k = kerr_default();

	(void)state;
	memset(realm, 'R', sizeof(realm));
	k.realm = realm;
	k.realm_len = 255;
	assert_int_equal(kerr_dec(&k, &e), WIRE_OK);
	assert_int_equal(strlen(e.realm), 255);
	k.realm_len = 256;
	assert_int_equal(kerr_dec(&k, &e), WIRE_ELIMIT);
	realm[3] = '\n';
	k.realm_len = 10;
	assert_int_equal(kerr_dec(&k, &e), WIRE_EBAD);
}

static void test_e_text_is_truncated_and_sanitised(void **state)
{
	uint8_t text[300];
	struct krb_error e;
	struct kerr k = kerr_default();

	(void)state;
	memset(text, 't', sizeof(text));
	text[0] = '\x1b';
	text[1] = 0x80;
	text[2] = 0;
	k.etext = text;
	k.etext_len = sizeof(text);
	assert_int_equal(kerr_dec(&k, &e), WIRE_OK);
	assert_int_equal(strlen(e.e_text), 255);
	assert_memory_equal(e.e_text, "???ttt", 6);
}

static void test_too_many_name_components_is_elimit(void **state)
{
	struct krb_error e;
	struct kerr k = kerr_default();

	(void)state;
	k.cname_components = 16;
	assert_int_equal(kerr_dec(&k, &e), WIRE_OK);
	k.cname_components = 17;
	assert_int_equal(kerr_dec(&k, &e), WIRE_ELIMIT);
}

static void test_out_of_order_fields_are_rejected(void **state)
{
	/* MIT's minimal error with [3] cusec moved after [4] stime */
	static const char swapped[] =
		"7E 60 30 5E A0 03 02 01 05 A1 03 02 01 1E A4 11 18 0F 31 39 39 34 30 36 31 30 30 36 30 33"
		"31 37 5A A3 05 02 03 01 E2 40 A5 05 02 03 01 E2 40 A6 03 02 01 3C A9 10 1B 0E 41 54 48 45 4E"
		"41 2E 4D 49 54 2E 45 44 55 AA 1A 30 18 A0 03 02 01 01 A1 11 30 0F 1B 06 68 66 74 73 61 69 1B"
		"05 65 78 74 72 61";
	struct krb_error e;

	(void)state;
	assert_int_equal(dec_hex(swapped, &e), WIRE_EBAD);
}

static void test_output_untouched_on_error(void **state)
{
	struct krb_error e;
	struct kerr k = kerr_default();

	(void)state;
	memset(&e, 0x5a, sizeof(e));
	k.pvno = 6;
	assert_int_equal(kerr_dec(&k, &e), WIRE_EBAD);
	assert_int_equal(e.error_code, 0x5a5a5a5a);
}

/* ---- sweeps ---- */

static int sweep_err(const uint8_t *buf, size_t len, void *ctx)
{
	struct krb_error e;
	int rc;

	(void)ctx;
	(void)krb_msg_type(buf, len);
	rc = krb_dec_error(buf, len, &e);
	if (rc == WIRE_OK) {
		assert_true(memchr(e.realm, 0, sizeof(e.realm)) != NULL);
		assert_true(memchr(e.e_text, 0, sizeof(e.e_text)) != NULL);
	}
	return rc;
}

static int sweep_type(const uint8_t *buf, size_t len, void *ctx)
{
	(void)ctx;
	return krb_msg_type(buf, len) == KRB_MSG_AS_REQ ? 0 : -1;
}

static void sweep_hex(const char *hex, sweep_fn fn)
{
	uint8_t buf[BUF_MAX] = {0};
	size_t n = unhex(hex, buf);

	assert_int_equal(fn(buf, n, NULL), 0);
	assert_int_equal(sweep_truncations(buf, n, fn, NULL), 0);
	(void)sweep_bitflips(buf, n, fn, NULL);
}

static void test_every_prefix_of_each_error_is_rejected(void **state)
{
	(void)state;
	sweep_hex(krb_error_preauth_hex, sweep_err);
	sweep_hex(krb_error_min_hex, sweep_err);
	sweep_hex(mit_error_hex, sweep_err);
	sweep_hex(mit_error_min_hex, sweep_err);
}

static void test_every_prefix_of_an_as_req_has_no_type(void **state)
{
	(void)state;
	sweep_hex(krb_as_req_hex, sweep_type);
	sweep_hex(krb_as_req_2comp_hex, sweep_type);
}

/*
 * A real AS-REP captured from the lab (Samba 4.17.12 KDC on dc1, 2026-11-28) with
 * strace while `nltrust verify` logged in as WS1$ with its keytab: the reply to the
 * PA-ENC-TIMESTAMP request, over TCP (without the 4-byte length).  Oracle: impacket's
 * AS_REP (pyasn1) reads crealm LAB.TEST, cname WS1$, one PA-DATA, enc-part etype 18
 * kvno 1, ticket kvno 1.  See tests/vectors/README.md.
 */
static const char as_rep_lab_hex[] =
	"6b8205a6308205a2a003020105a10302010ba23a30383036a103020113a22f042d302b3029a003020112a11a1b184c41"
	"422e54455354686f73747773312e6c61622e74657374a206040400001000a30a1b084c41422e54455354a411300fa003"
	"020101a10830061b0457533124a582041d6182041930820415a003020105a10a1b084c41422e54455354a21d301ba003"
	"020102a11430121b066b72627467741b084c41422e54455354a38203e1308203dda003020112a103020101a28203cf04"
	"8203cba613c0bdbc323c78c131ec6a96f5d2d8b9fadfd40e7ea7c3c6ebec67ba5cb2f6b427e7c563a34afbad1f533226"
	"0b3b73a56f638f009434a3f840ceaa19b080088550ca4f2bf936296d31826d2e8e3be200a94a288c05b4f561a837a391"
	"58f878e052eb2ab6b07251e5bc059ebd963ea101f1a63c0bdbda2c9837fd442320c4d3ef20673853f9c4dda8cd048a13"
	"29ad7b187c5cb1ce230942f846643c256bd2f00415f29b23a33ab7db730e8d12e289f86fa44e66bbf9874619a7cb1091"
	"b197da34883497310cbdb75208472bdaa936aabb00cba3322335a00e1b01849db42821e2ca85ad59badd83f97504682b"
	"964a720eaa0da68b732cae20399b1d20b4e4044410a21b180610b1b5f25e528e4889b250f9a7538931098572d606c68a"
	"1961d14df904be39e7f6a3dbb87af63a33074bb2d7f0c7bee25dabee4b98946d39380f519d8127cf84d747a59e0327de"
	"7d3a6d2d213ab0f64b77ec3764b3c91578e20139662ab992b546b393c961b2aa4aa379a1ec0014757762bcfcc0195a17"
	"00fde17496238c4d85369cdf63d435312ebbac52ac9aace7771da73f8f81bebdb98389093252697c4baed338ed64b2a0"
	"a1832fb221c877d2d7fd21222e21e85373ff0d6118452efbfcb730f3e9755bab4a5fe3d151ef7ffc2822391317e18829"
	"ecade5eabe58ec4d37b1e79334d505b14b5736c7630aecaafd5027570d9e24f7646be9dd89ff75f16ad9359d6a079923"
	"d62c9ce8ebdfba570b3cea19e6116add9de2bda9aa52a810439c751a42300c617c6b6e6d59e077a6a51bb2fe560d0e82"
	"f1ee82fea5d10e1980974be2bda3c505dfd74eb0398361c5a8c1efbbcc261ded03312c37149d4428c6f6923139b62d54"
	"7cacdf7d7b08938eae31331efdb113f973c903373870373f58e2b0f5ce602f95d108c7dd2cb86df0114af071738389c0"
	"5f2172100738c506ce659b5e0906237054a2129054145bdbf4f03d1818c2cc48633d25c2a7c2eb3f5ad0a0abae326b74"
	"80df6392faaffab3a72dd78eef59bd861d9d1b76f4d780032b9c41aec467c340f78626b47966e53df17f93e78e1c9169"
	"d8909f0832e20c4c41d4012b03c0c44f2295745df383ad5378311c8a6404308b414de1f968c2c22b005b881d14dca8cb"
	"4e2b1e9e07ab2d9d938da4f433ca6fa1bf63075ec3fb9509ed32e7638d5087871b55ee705b16ddcea1ae75cf9aa7621b"
	"d72d5f1a2f1a55ca5cbf450a6fe0dc96a949ea69bc0ee5df0acb5bbd25343877fd35f3eec39fd634018149f3389e66b2"
	"f7dacb0b320de87f64016bb8ea4f2a7a5533fa9b77978ce45e4942b1dc51de80fed6fbebf4d433f55488ccc747a069fe"
	"ac3e3c8607c064d0ac93a4902bd0a682011830820114a003020112a103020101a282010604820102e1dda9c39e7fa0af"
	"f4aba3fa8763d3227fb1f0499470b886fec6603d248d5f75c079a3281e1e516f6a293fa185697c1faab22d61d580b82c"
	"3fe254bad394e03b672ab5e1a8d2095f18473ea3c189619f1cfef7f8a0ed06205cb8aaf14490a08ad7dbe35f3125d3ae"
	"10f0f2641e2dd377bd13437ef78bda5979cbc2a16fe68cf12fd19d3e17d6dc44717d2678b518fd421eacd74941b96048"
	"a2b93150a318505ef1fc8b0d41e78909640a4936e731370c0d430e17059aee87c92d500a7e12a31d5d4953056240704d"
	"5c257154d777c731d61f67a5b067a073072e0b4d6f0457a0b661aedfdfa937e6fddf8c1d770c9e9db4b618918381bed5"
	"0f0bd0670cb429ee6395";

static void test_lab_as_rep_decodes(void **state)
{
	static uint8_t buf[4096];
	struct krb_as_rep_info in;
	size_t n = sweep_unhex(as_rep_lab_hex, buf, sizeof(buf));

	(void)state;
	assert_int_equal(n, 1450);
	assert_int_equal(krb_msg_type(buf, n), KRB_MSG_AS_REP);
	assert_int_equal(krb_dec_as_rep(buf, n, &in), WIRE_OK);
	assert_string_equal(in.crealm, "LAB.TEST");
	assert_int_equal(in.enc_etype, 18);
	assert_int_equal(in.have_kvno, 1);
	assert_int_equal(in.enc_kvno, 1);
	/* a KRB-ERROR is not an AS-REP and the other way round */
	assert_int_not_equal(krb_dec_error(buf, n, &(struct krb_error){ 0 }), WIRE_OK);
}

static int sweep_as_rep(const uint8_t *buf, size_t len, void *ctx)
{
	struct krb_as_rep_info in;

	(void)ctx;
	return krb_dec_as_rep(buf, len, &in);
}

static void test_every_prefix_of_the_as_rep_is_rejected(void **state)
{
	static uint8_t buf[4096];
	size_t n = sweep_unhex(as_rep_lab_hex, buf, sizeof(buf));

	(void)state;
	assert_int_equal(sweep_truncations(buf, n, sweep_as_rep, NULL), 0);
	(void)sweep_bitflips(buf, n, sweep_as_rep, NULL);
}

static void test_as_rep_without_kvno_and_wrong_pvno(void **state)
{
	/* hand-built from RFC 4120 5.4.2: no padata, enc-part without the optional kvno */
	static const char no_kvno_hex[] =
		"6b40303ea003020105a10302010ba3061b044c41422ea410300ea003020101a10730051b03575331a50961073005"
		"a003020105a60d300ba003020117a2040402abcd";
	uint8_t buf[256];
	size_t n = sweep_unhex(no_kvno_hex, buf, sizeof(buf));
	struct krb_as_rep_info in;

	(void)state;
	assert_int_equal(krb_dec_as_rep(buf, n, &in), WIRE_OK);
	assert_string_equal(in.crealm, "LAB.");
	assert_int_equal(in.enc_etype, 23);
	assert_int_equal(in.have_kvno, 0);
	buf[8] = 4; /* pvno 4 */
	assert_int_equal(krb_dec_as_rep(buf, n, &in), WIRE_EBAD);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_as_req_matches_impacket),
		cmocka_unit_test(test_as_req_with_two_component_cname_and_high_nonce),
		cmocka_unit_test(test_as_req_rejects_bad_arguments),
		cmocka_unit_test(test_as_req_into_every_short_buffer_is_espace),
		cmocka_unit_test(test_as_req_round_trips_till_and_nonce),
		cmocka_unit_test(test_msg_type_reads_the_application_tag),
		cmocka_unit_test(test_msg_type_of_golden_messages),
		cmocka_unit_test(test_preauth_required_error_from_impacket),
		cmocka_unit_test(test_error_with_only_mandatory_fields),
		cmocka_unit_test(test_mit_reference_encodings_decode),
		cmocka_unit_test(test_builder_reproduces_impacket_bytes),
		cmocka_unit_test(test_bad_field_values_are_rejected),
		cmocka_unit_test(test_missing_mandatory_fields_are_rejected),
		cmocka_unit_test(test_unknown_trailing_field_is_rejected),
		cmocka_unit_test(test_realm_longer_than_255_is_elimit),
		cmocka_unit_test(test_e_text_is_truncated_and_sanitised),
		cmocka_unit_test(test_too_many_name_components_is_elimit),
		cmocka_unit_test(test_out_of_order_fields_are_rejected),
		cmocka_unit_test(test_output_untouched_on_error),
		cmocka_unit_test(test_every_prefix_of_each_error_is_rejected),
		cmocka_unit_test(test_every_prefix_of_an_as_req_has_no_type),
		cmocka_unit_test(test_lab_as_rep_decodes),
		cmocka_unit_test(test_every_prefix_of_the_as_rep_is_rejected),
		cmocka_unit_test(test_as_rep_without_kvno_and_wrong_pvno),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
