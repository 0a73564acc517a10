/*
 * tests/unit/test_ldap_msg.c - proto/ldap_msg.c: SearchRequest encoder,
 * stream framing and LDAPMessage decoder (RFC 4511).
 *
 * Golden bytes (see tests/vectors/README.md): produced independently with
 * impacket.ldap.ldapasn1 and the pyasn1 BER encoder; the 0x84 variant is the
 * same reply re-encoded in the four-octet length form Windows DCs use.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ber.h"
#include "ldap_msg.h"
#include "sweep.h"

static const char ldap_ping_min_hex[] =
	"3051020101634c04000a01000a0100020100020100010100a02da31c0409446e73446f6d61696e040f6c61622e657861"
	"6d706c652e636f6da30d04054e74566572040406000000300a04084e65746c6f676f6e";
static const char ldap_search_present_hex[] =
	"303d0201076338041844433d6c61622c44433d6578616d706c652c44433d636f6d0a01020a0100020100020100010100"
	"870b6f626a656374436c6173733000";
static const char ldap_search_two_hex[] =
	"3081950202012c63818e041844433d6c61622c44433d6578616d706c652c44433d636f6d0a01020a0100020100020100"
	"010100a031a316040e73414d4163636f756e744e616d65040457533124a317040b6f626a656374436c6173730408636f"
	"6d70757465723030040b644e53486f73744e616d6504156d7344532d4b657956657273696f6e4e756d626572040a7077"
	"644c617374536574";
static const char ldap_search_long_hex[] =
	"3081fe02047fffffff6381f504000a01000a0100020100020100010100a081dba381d8040b6465736372697074696f6e"
	"0481c8414141414141414141414141414141414141414141414141414141414141414141414141414141414141414141"
	"414141414141414141414141414141414141414141414141414141414141414141414141414141414141414141414141"
	"414141414141414141414141414141414141414141414141414141414141414141414141414141414141414141414141"
	"414141414141414141414141414141414141414141414141414141414141414141414141414141414141414141414141"
	"414141414141414141414130040402636e";
static const char ldap_rootdse_entry_hex[] =
	"30819c02010264819604003081913022040b63757272656e7454696d653113041132303234303232393132333435362e"
	"305a30450417737570706f727465645341534c4d656368616e69736d73312a0406475353415049040a4753532d53504e"
	"45474f040845585445524e414c040a4449474553542d4d44353024040b646e73486f73744e616d65311504136463312e"
	"6c61622e6578616d706c652e636f6d";
static const char ldap_done_with_control_hex[] =
	"3069020102653f0a0120041844433d6c61622c44433d6578616d706c652c44433d636f6d042030303030323038443a20"
	"4e616d654572723a20445349442d3033313030323842a02330210416312e322e3834302e3131333535362e312e342e33"
	"3139040730050201000400";
static const char cldap_reply_w2k8r2_ad84_hex[] =
	"3084000000ae02840000000204d26484000000a004840000000030840000009430840000008e0484000000084e65746c"
	"6f676f6e31840000007a04840000007417000000fd330000031344cd1c004c46a621e9d6b9b12fe90777326b38646f6d"
	"036265720672656468617403636f6d00c01808676477326b387232c0180757324b38444f4d0008474457324b38523200"
	"001744656661756c742d46697273742d536974652d4e616d6500c05105000000ffffffff308400000021028400000002"
	"04d26584000000130a840000000100048400000000048400000000";

#define BUF_MAX 1024

static size_t unhex(const char *hex, uint8_t *out)
{
	return sweep_unhex(hex, out, BUF_MAX);
}

static void assert_bval(const struct ldap_bval *b, const char *s)
{
	assert_non_null(b);
	assert_int_equal(b->len, strlen(s));
	assert_memory_equal(b->p, s, b->len);
}

/* ---- encoder ---- */

static void check_search(uint32_t msgid, const struct ldap_search_req *req, const char *hex)
{
	uint8_t want[BUF_MAX], buf[BUF_MAX];
	size_t n = unhex(hex, want);
	struct wwr w;

	wwr_init(&w, buf, sizeof(buf));
	assert_int_equal(ldap_enc_search(&w, msgid, req), WIRE_OK);
	assert_int_equal(wwr_len(&w), n);
	assert_memory_equal(buf, want, n);
}

static void test_search_with_and_filter_matches_impacket(void **state)
{
	static const uint8_t ntver[4] = { 6, 0, 0, 0 };
	static const char *const attrs[] = { "Netlogon" };
	const struct ldap_filter_eq items[] = {
		{ "DnsDomain", (const uint8_t *)"lab.example.com", 15 },
		{ "NtVer", ntver, 4 },
	};
	struct ldap_search_req req = { "", LDAP_SCOPE_BASE, 0, items, 2, attrs, 1 };

	(void)state;
	check_search(1, &req, ldap_ping_min_hex);
}

static void test_search_without_items_uses_objectclass_present(void **state)
{
	struct ldap_search_req req = { "DC=lab,DC=example,DC=com", LDAP_SCOPE_SUB, 0, NULL, 0, NULL, 0 };

	(void)state;
	check_search(7, &req, ldap_search_present_hex);
}

static void test_search_with_attribute_list_matches_impacket(void **state)
{
	static const char *const attrs[] = { "dNSHostName", "msDS-KeyVersionNumber", "pwdLastSet" };
	const struct ldap_filter_eq items[] = {
		{ "sAMAccountName", (const uint8_t *)"WS1$", 4 },
		{ "objectClass", (const uint8_t *)"computer", 8 },
	};
	struct ldap_search_req req = { "DC=lab,DC=example,DC=com", LDAP_SCOPE_SUB, 0, items, 2, attrs, 3 };

	(void)state;
	check_search(300, &req, ldap_search_two_hex);
}

static void test_search_with_long_lengths_and_max_msgid(void **state)
{
	static const char *const attrs[] = { "cn" };
	uint8_t val[200];
	struct ldap_filter_eq item = { "description", val, sizeof(val) };
	struct ldap_search_req req = { NULL, LDAP_SCOPE_BASE, 0, &item, 1, attrs, 1 };

	(void)state;
	memset(val, 'A', sizeof(val));
	check_search(LDAP_MAXINT, &req, ldap_search_long_hex);
}

static void test_search_rejects_bad_arguments(void **state)
{
	uint8_t buf[256];
	struct wwr w;
	struct ldap_filter_eq bad_item = { NULL, (const uint8_t *)"x", 1 };
	struct ldap_filter_eq bad_val = { "cn", NULL, 1 };
	const char *null_attr[] = { NULL };
	struct ldap_search_req req = { "", LDAP_SCOPE_BASE, 0, NULL, 0, NULL, 0 };

	(void)state;
	wwr_init(&w, buf, sizeof(buf));
	assert_int_equal(ldap_enc_search(&w, LDAP_MAXINT + 1u, &req), WIRE_EBAD);
	wwr_init(&w, buf, sizeof(buf));
	assert_int_equal(ldap_enc_search(&w, 1, NULL), WIRE_EBAD);
	req.scope = 3;
	wwr_init(&w, buf, sizeof(buf));
	assert_int_equal(ldap_enc_search(&w, 1, &req), WIRE_EBAD);
	req.scope = 0;
	req.and_items = &bad_item;
	req.n_items = 1;
	wwr_init(&w, buf, sizeof(buf));
	assert_int_equal(ldap_enc_search(&w, 1, &req), WIRE_EBAD);
	req.and_items = &bad_val;
	wwr_init(&w, buf, sizeof(buf));
	assert_int_equal(ldap_enc_search(&w, 1, &req), WIRE_EBAD);
	req.n_items = 0;
	req.attrs = null_attr;
	req.n_attrs = 1;
	wwr_init(&w, buf, sizeof(buf));
	assert_int_equal(ldap_enc_search(&w, 1, &req), WIRE_EBAD);
	req.n_attrs = 2;
	req.attrs = NULL;
	wwr_init(&w, buf, sizeof(buf));
	assert_int_equal(ldap_enc_search(&w, 1, &req), WIRE_EBAD);
}

static void test_search_into_every_short_buffer_is_espace(void **state)
{
	static const char *const attrs[] = { "cn" };
	uint8_t val[200];
	struct ldap_filter_eq item = { "description", val, sizeof(val) };
	struct ldap_search_req req = { "", LDAP_SCOPE_BASE, 0, &item, 1, attrs, 1 };
	uint8_t full[512];
	struct wwr fw;
	size_t need;

	(void)state;
	memset(val, 'A', sizeof(val));
	wwr_init(&fw, full, sizeof(full));
	assert_int_equal(ldap_enc_search(&fw, 1, &req), WIRE_OK);
	need = wwr_len(&fw);
	assert_int_equal(need, 254);
	for (size_t cap = 0; cap < need; cap++) {
		uint8_t *buf = malloc(cap ? cap : 1);
		struct wwr w;

		assert_non_null(buf);
		wwr_init(&w, buf, cap);
		assert_int_equal(ldap_enc_search(&w, 1, &req), WIRE_ESPACE);
		free(buf);
	}
}

/* ---- framing ---- */

static void test_frame_reports_length_once_header_is_complete(void **state)
{
	uint8_t buf[BUF_MAX] = {0};
	size_t n = unhex(ldap_search_two_hex, buf), m = 0;

	(void)state;
	/* 30 81 95: three header bytes */
	assert_int_equal(ldap_msg_frame(buf, 0, 4096, &m), 0);
	assert_int_equal(ldap_msg_frame(buf, 1, 4096, &m), 0);
	assert_int_equal(ldap_msg_frame(buf, 2, 4096, &m), 0);
	assert_int_equal(ldap_msg_frame(buf, 3, 4096, &m), 1);
	assert_int_equal(m, n);
	assert_int_equal(ldap_msg_frame(buf, n, 4096, &m), 1);
	assert_int_equal(m, n);
}

static void test_frame_handles_ad_four_octet_lengths(void **state)
{
	uint8_t buf[BUF_MAX] = {0};
	size_t m = 0;

	(void)state;
	(void)unhex(cldap_reply_w2k8r2_ad84_hex, buf);
	for (size_t k = 0; k < 6; k++)
		assert_int_equal(ldap_msg_frame(buf, k, 4096, &m), 0);
	assert_int_equal(ldap_msg_frame(buf, 6, 4096, &m), 1);
	assert_int_equal(m, 6 + 0xae);
}

static void test_frame_rejects_bad_headers_and_oversize(void **state)
{
	static const uint8_t not_seq[] = { 0x31, 0x00 };
	static const uint8_t indef[] = { 0x30, 0x80 };
	static const uint8_t five[] = { 0x30, 0x85, 0, 0, 0, 0, 1 };
	static const uint8_t big[] = { 0x30, 0x84, 0x00, 0x10, 0x00, 0x00 };
	size_t m = 0;

	(void)state;
	assert_int_equal(ldap_msg_frame(not_seq, 1, 4096, &m), -1);
	assert_int_equal(ldap_msg_frame(indef, 2, 4096, &m), -1);
	assert_int_equal(ldap_msg_frame(five, sizeof(five), 4096, &m), -1);
	assert_int_equal(ldap_msg_frame(big, sizeof(big), 1u << 20, &m), -1); /* 6 + 2^20 > 2^20 */
	assert_int_equal(ldap_msg_frame(big, sizeof(big), (1u << 20) + 6, &m), 1);
	assert_int_equal(m, (1u << 20) + 6);
}

/* ---- decoder ---- */

static int dec_whole(const uint8_t *buf, size_t len, struct ldap_msg *m)
{
	struct wrd r;

	wrd_init(&r, buf, len);
	if (ldap_dec_msg(&r, m))
		return r.err;
	return wrd_finish(&r);
}

static void test_entry_with_several_attributes_and_values(void **state)
{
	uint8_t buf[BUF_MAX] = {0};
	size_t n = unhex(ldap_rootdse_entry_hex, buf);
	struct ldap_msg m;
	const struct ldap_attr *a;

	(void)state;
	assert_int_equal(dec_whole(buf, n, &m), WIRE_OK);
	assert_int_equal(m.msgid, 2);
	assert_int_equal(m.op, LDAP_OP_SEARCH_ENTRY);
	assert_int_equal(m.dn.len, 0);
	assert_int_equal(m.n_attrs, 3);
	assert_int_equal(m.result_code, -1);
	assert_bval(ldap_msg_attr(&m, "currentTime"), "20240229123456.0Z");
	assert_bval(ldap_msg_attr(&m, "CURRENTTIME"), "20240229123456.0Z");
	assert_bval(ldap_msg_attr(&m, "dnshostname"), "dc1.lab.example.com");
	a = ldap_msg_find(&m, "supportedSASLMechanisms");
	assert_non_null(a);
	assert_int_equal(a->n_vals, 4);
	assert_bval(&a->vals[0], "GSSAPI");
	assert_bval(&a->vals[3], "DIGEST-MD5");
	assert_null(ldap_msg_attr(&m, "currentTim"));
	assert_null(ldap_msg_attr(&m, "currentTime2"));
	assert_null(ldap_msg_find(NULL, "x"));
}

static void test_generalized_time_from_rootdse(void **state)
{
	uint8_t buf[BUF_MAX] = {0};
	size_t n = unhex(ldap_rootdse_entry_hex, buf);
	struct ldap_msg m;
	const struct ldap_bval *v;
	int64_t t = 0;

	(void)state;
	assert_int_equal(dec_whole(buf, n, &m), WIRE_OK);
	v = ldap_msg_attr(&m, "currentTime");
	assert_non_null(v);
	assert_int_equal(ldap_parse_generalized_time(v->p, v->len, &t), WIRE_OK);
	assert_true(t == 1709210096);
	assert_int_equal(ldap_parse_generalized_time((const uint8_t *)"2024", 4, &t), WIRE_EBAD);
}

static void test_done_with_error_result_and_control(void **state)
{
	uint8_t buf[BUF_MAX] = {0};
	size_t n = unhex(ldap_done_with_control_hex, buf);
	struct ldap_msg m;

	(void)state;
	assert_int_equal(dec_whole(buf, n, &m), WIRE_OK);
	assert_int_equal(m.op, LDAP_OP_SEARCH_DONE);
	assert_int_equal(m.result_code, 32);
	assert_bval(&m.matched_dn, "DC=lab,DC=example,DC=com");
	assert_bval(&m.diag, "0000208D: NameErr: DSID-0310028B");
	assert_int_equal(m.n_attrs, 0);
}

static void test_stream_of_two_messages_in_ad_long_form(void **state)
{
	uint8_t buf[BUF_MAX] = {0};
	size_t n = unhex(cldap_reply_w2k8r2_ad84_hex, buf), off = 0, ml = 0;
	struct ldap_msg m;
	int ops[2], k = 0;

	(void)state;
	while (off < n) {
		struct wrd r;

		assert_int_equal(ldap_msg_frame(buf + off, n - off, 4096, &ml), 1);
		assert_true(ml <= n - off);
		wrd_init(&r, buf + off, ml);
		assert_int_equal(ldap_dec_msg(&r, &m), WIRE_OK);
		assert_int_equal(wrd_finish(&r), WIRE_OK);
		assert_int_equal(m.msgid, 1234);
		assert_true(k < 2);
		ops[k++] = m.op;
		if (m.op == LDAP_OP_SEARCH_ENTRY) {
			const struct ldap_bval *v = ldap_msg_attr(&m, "netlogon");

			assert_non_null(v);
			assert_int_equal(v->len, 0x74);
		}
		off += ml;
	}
	assert_int_equal(k, 2);
	assert_int_equal(ops[0], LDAP_OP_SEARCH_ENTRY);
	assert_int_equal(ops[1], LDAP_OP_SEARCH_DONE);
	assert_int_equal(m.result_code, 0);
}

/* Build an entry with n_attrs attributes of n_vals values each. */
static size_t build_entry(uint8_t *buf, size_t cap, uint32_t msgid, int n_attrs, int n_vals)
{
	struct wwr w;
	size_t msg, op, list;

	wwr_init(&w, buf, cap);
	msg = nber_begin(&w, BER_SEQUENCE);
	nber_put_int(&w, BER_INTEGER, msgid);
	op = nber_begin(&w, BER_APP_C(LDAP_OP_SEARCH_ENTRY));
	nber_put_octets(&w, BER_OCTET_STRING, "CN=x", 4);
	list = nber_begin(&w, BER_SEQUENCE);
	for (int i = 0; i < n_attrs; i++) {
		char name[32], val[32];
		size_t pa, set;

		snprintf(name, sizeof(name), "attr%d", i);
		pa = nber_begin(&w, BER_SEQUENCE);
		nber_put_octets(&w, BER_OCTET_STRING, name, strlen(name));
		set = nber_begin(&w, BER_SET);
		for (int j = 0; j < n_vals; j++) {
			snprintf(val, sizeof(val), "v%d.%d", i, j);
			nber_put_octets(&w, BER_OCTET_STRING, val, strlen(val));
		}
		nber_end(&w, set);
		nber_end(&w, pa);
	}
	nber_end(&w, list);
	nber_end(&w, op);
	nber_end(&w, msg);
	assert_int_equal(wwr_err(&w), WIRE_OK);
	return wwr_len(&w);
}

static void test_entry_round_trip_through_ber_writer(void **state)
{
	uint8_t buf[BUF_MAX] = {0};
	size_t n = build_entry(buf, sizeof(buf), 99, 3, 2);
	struct ldap_msg m;

	(void)state;
	assert_int_equal(dec_whole(buf, n, &m), WIRE_OK);
	assert_int_equal(m.msgid, 99);
	assert_bval(&m.dn, "CN=x");
	assert_int_equal(m.n_attrs, 3);
	assert_bval(&m.attrs[2].type, "attr2");
	assert_int_equal(m.attrs[2].n_vals, 2);
	assert_bval(&m.attrs[2].vals[1], "v2.1");
}

static void test_attributes_and_values_beyond_caps_are_skipped(void **state)
{
	static uint8_t buf[8192];
	size_t n = build_entry(buf, sizeof(buf), 5, LDAP_MSG_MAX_ATTRS + 4, LDAP_MSG_MAX_VALS + 3);
	struct ldap_msg m;

	(void)state;
	assert_int_equal(dec_whole(buf, n, &m), WIRE_OK);
	assert_int_equal(m.n_attrs, LDAP_MSG_MAX_ATTRS);
	for (size_t i = 0; i < m.n_attrs; i++)
		assert_int_equal(m.attrs[i].n_vals, LDAP_MSG_MAX_VALS);
	assert_bval(&m.attrs[LDAP_MSG_MAX_ATTRS - 1].vals[LDAP_MSG_MAX_VALS - 1], "v15.7");
	assert_null(ldap_msg_attr(&m, "attr16"));
	/* still strict about the structure of skipped attributes */
	/* the last value, "v19.10", is the last 8 bytes: make its tag NULL */
	assert_memory_equal(buf + n - 8, "\x04\x06v19.10", 8);
	buf[n - 8] = 0x05;
	assert_int_equal(dec_whole(buf, n, &m), WIRE_EBAD);
}

static void test_decoder_leaves_following_message_unread(void **state)
{
	uint8_t buf[BUF_MAX] = {0};
	size_t n = unhex(cldap_reply_w2k8r2_ad84_hex, buf);
	struct wrd r;
	struct ldap_msg m;

	(void)state;
	wrd_init(&r, buf, n);
	assert_int_equal(ldap_dec_msg(&r, &m), WIRE_OK);
	assert_int_equal(wrd_pos(&r), 6 + 0xae);
	assert_int_equal(ldap_dec_msg(&r, &m), WIRE_OK);
	assert_int_equal(wrd_left(&r), 0);
	assert_int_equal(ldap_dec_msg(&r, &m), WIRE_ETRUNC);
}

/* Hand-built messages for the malformed cases (RFC 4511 §4.1.1). */
static const struct {
	const char *what;
	const char *hex;
	int err;
} bad_msgs[] = {
	{ "negative msgid", "300c 0201ff 6507 0a0100 0400 0400", WIRE_EBAD },
	{ "msgid above maxInt", "3010 02050080000000 6507 0a0100 0400 0400", WIRE_EBAD },
	{ "msgid not an INTEGER", "300c 040101 6507 0a0100 0400 0400", WIRE_EBAD },
	{ "op of universal class", "300c 020101 3007 0a0100 0400 0400", WIRE_EBAD },
	{ "missing op", "3003 020101", WIRE_ETRUNC },
	{ "indefinite length", "3080 020101 6507 0a0100 0400 0400 0000", WIRE_EBAD },
	{ "message longer than input", "300d 020101 6507 0a0100 0400 0400", WIRE_ETRUNC },
	{ "bytes after controls", "3010 020101 6507 0a0100 0400 0400 a000 0400", WIRE_ETRAILING },
	{ "universal element after op", "300e 020101 6507 0a0100 0400 0400 0400", WIRE_ETRAILING },
	{ "primitive SearchResultDone", "300c 020101 4507 0a0100 0400 0400", WIRE_EBAD },
	{ "resultCode not ENUMERATED", "300c 020101 6507 020100 0400 0400", WIRE_EBAD },
	{ "negative resultCode", "300c 020101 6507 0a01ff 0400 0400", WIRE_EBAD },
	{ "missing diagnosticMessage", "300a 020101 6505 0a0100 0400", WIRE_ETRUNC },
	{ "universal element after LDAPResult", "300e 020101 6509 0a0100 0400 0400 0400", WIRE_EBAD },
	{ "bytes after entry attributes", "300c 020101 6407 0400 3000 0401 41", WIRE_ETRAILING },
	{ "attribute without SET", "3010 020101 640b 0400 3007 3005 0401 61 0400", WIRE_EBAD },
	{ "attribute with extra element", "3012 020101 640d 0400 3009 3007 0401 61 3100 0400", WIRE_ETRAILING },
	{ "value not OCTET STRING", "3012 020101 640d 0400 3009 3007 0401 61 3102 0500", WIRE_EBAD },
	{ "value runs past its SET", "3013 020101 640e 0400 300a 3008 0401 61 3103 0402 41", WIRE_ETRUNC },
};

static void test_malformed_messages_are_rejected(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_msgs) / sizeof(bad_msgs[0]); i++) {
		uint8_t buf[BUF_MAX] = {0};
		size_t n = unhex(bad_msgs[i].hex, buf);
		struct ldap_msg m;

		m.msgid = 0xabcd;
		print_message("case: %s\n", bad_msgs[i].what);
		assert_int_equal(dec_whole(buf, n, &m), bad_msgs[i].err);
		assert_int_equal(m.msgid, 0xabcd); /* untouched on error */
	}
}

static void test_other_operations_are_recorded_not_decoded(void **state)
{
	/* SearchResultReference [APPLICATION 19] SEQUENCE OF URI */
	static const char ref[] = "3010 020103 730b 0409 6c6461703a2f2f782f";
	/* AD Notice of Disconnection: ExtendedResponse with responseName [10]
	 * misplaced in the LDAPMessage itself */
	static const char notice[] = "302a 020100 780d 0a0134 0400 0406 756e61766169 8a16 312e332e362e312e342e312e313436362e3230303336";
	uint8_t buf[BUF_MAX] = {0};
	size_t n;
	struct ldap_msg m;

	(void)state;
	n = unhex(ref, buf);
	assert_int_equal(dec_whole(buf, n, &m), WIRE_OK);
	assert_int_equal(m.op, LDAP_OP_SEARCH_REFERENCE);
	assert_int_equal(m.result_code, -1);
	n = unhex(notice, buf);
	assert_int_equal(dec_whole(buf, n, &m), WIRE_OK);
	assert_int_equal(m.msgid, 0);
	assert_int_equal(m.op, LDAP_OP_EXTENDED_RESPONSE);
	assert_int_equal(m.result_code, 52);
	assert_bval(&m.diag, "unavai");
}

/* ---- sweeps ---- */

static int sweep_dec(const uint8_t *buf, size_t len, void *ctx)
{
	struct ldap_msg m;
	struct wrd r;

	(void)ctx;
	wrd_init(&r, buf, len);
	if (ldap_dec_msg(&r, &m))
		return -1;
	/* every borrowed value lies inside the input */
	for (size_t i = 0; i < m.n_attrs; i++) {
		assert_true(m.attrs[i].type.p >= buf && m.attrs[i].type.p + m.attrs[i].type.len <= buf + len);
		for (size_t j = 0; j < m.attrs[i].n_vals; j++)
			assert_true(m.attrs[i].vals[j].p >= buf &&
				    m.attrs[i].vals[j].p + m.attrs[i].vals[j].len <= buf + len);
	}
	return wrd_finish(&r) ? -1 : 0;
}

static void sweep_both(const char *hex)
{
	uint8_t buf[BUF_MAX] = {0};
	size_t n = unhex(hex, buf);

	assert_int_equal(sweep_dec(buf, n, NULL), 0);
	assert_int_equal(sweep_truncations(buf, n, sweep_dec, NULL), 0);
	(void)sweep_bitflips(buf, n, sweep_dec, NULL);
}

static void test_every_prefix_of_an_entry_is_rejected(void **state)
{
	(void)state;
	sweep_both(ldap_rootdse_entry_hex);
}

static void test_every_prefix_of_a_done_with_control_is_rejected(void **state)
{
	(void)state;
	sweep_both(ldap_done_with_control_hex);
}

static void test_every_prefix_of_a_search_request_is_rejected(void **state)
{
	(void)state;
	sweep_both(ldap_search_two_hex);
	sweep_both(ldap_search_long_hex);
}

static void test_frame_never_overreads_on_any_prefix(void **state)
{
	uint8_t buf[BUF_MAX] = {0};
	size_t n = unhex(cldap_reply_w2k8r2_ad84_hex, buf);

	(void)state;
	for (size_t k = 0; k <= n; k++) {
		uint8_t *copy = malloc(k ? k : 1);
		size_t m = 0;
		int rc;

		assert_non_null(copy);
		memcpy(copy, buf, k);
		rc = ldap_msg_frame(copy, k, 4096, &m);
		assert_int_equal(rc, k < 6 ? 0 : 1);
		free(copy);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_search_with_and_filter_matches_impacket),
		cmocka_unit_test(test_search_without_items_uses_objectclass_present),
		cmocka_unit_test(test_search_with_attribute_list_matches_impacket),
		cmocka_unit_test(test_search_with_long_lengths_and_max_msgid),
		cmocka_unit_test(test_search_rejects_bad_arguments),
		cmocka_unit_test(test_search_into_every_short_buffer_is_espace),
		cmocka_unit_test(test_frame_reports_length_once_header_is_complete),
		cmocka_unit_test(test_frame_handles_ad_four_octet_lengths),
		cmocka_unit_test(test_frame_rejects_bad_headers_and_oversize),
		cmocka_unit_test(test_entry_with_several_attributes_and_values),
		cmocka_unit_test(test_generalized_time_from_rootdse),
		cmocka_unit_test(test_done_with_error_result_and_control),
		cmocka_unit_test(test_stream_of_two_messages_in_ad_long_form),
		cmocka_unit_test(test_entry_round_trip_through_ber_writer),
		cmocka_unit_test(test_attributes_and_values_beyond_caps_are_skipped),
		cmocka_unit_test(test_decoder_leaves_following_message_unread),
		cmocka_unit_test(test_malformed_messages_are_rejected),
		cmocka_unit_test(test_other_operations_are_recorded_not_decoded),
		cmocka_unit_test(test_every_prefix_of_an_entry_is_rejected),
		cmocka_unit_test(test_every_prefix_of_a_done_with_control_is_rejected),
		cmocka_unit_test(test_every_prefix_of_a_search_request_is_rejected),
		cmocka_unit_test(test_frame_never_overreads_on_any_prefix),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
