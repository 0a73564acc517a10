/*
 * tests/unit/test_rpc_stubs.c - proto/lsa.c, proto/srvsvc.c, proto/wkssvc.c.
 *
 * Golden bytes: the reply stubs below were captured from the lab's Samba
 * 4.17.12 (ws1 = a member, dc1 = an AD DC) with show-target's test hook
 * NLT_DUMP_STUBS (tests/integration/scenarios/85-target.sh), 2026-12-06:
 * each decodes to the values the lab has, re-encodes byte for byte (Samba's
 * pidl numbers referents 0x00020000 + 4n, as our encoders do), refuses
 * every proper prefix and survives every bit flip under ASan.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "initshutdown.h"
#include "lsa.h"
#include "srvsvc.h"
#include "sweep.h"
#include "wkssvc.h"

/* dc1: LsarQueryInformationPolicy2 level 12 (PolicyDnsDomainInformation) */
static const char dc1_lsa_dns[] =
	"000002000c00000006000800040002001000120008000200100012000c000200bef93dd5f46c1c4baef9a22982149f0e10000200"
	"0400000000000000030000004c004100420000000900000000000000080000006c00610062002e00740065007300740009000000"
	"00000000080000006c00610062002e00740065007300740004000000010400000000000515000000f43073526ab2bac446ea9e7d"
	"00000000";
/* ws1 (Samba member): level 12 refused with STATUS_INVALID_INFO_CLASS, a NULL info */
static const char ws1_lsa_dns[] = "000000000300" "00c0";
/* ws1: LsarQueryInformationPolicy level 3 (PolicyPrimaryDomainInformation) */
static const char ws1_lsa_primary[] =
	"00000200030000000600080004000200080002000400000000000000030000004c004100420000000400000001040000000000051500"
	"0000f43073526ab2bac446ea9e7d00000000";
/* ws1: NetrServerGetInfo level 101 */
static const char ws1_srv101[] =
	"6500000000000200f4010000040002000600000001000000039b80000800020004000000000000000400000057005300310000001500"
	"00000000000015000000530061006d0062006100200034002e00310037002e00310032002d00440065006200690061006e0000000000"
	"00000000";
/* ws1: NetrWkstaGetInfo level 100 */
static const char ws1_wks100[] =
	"6400000000000200f40100000400020008000200060000000100000004000000000000000400000057005300310000000400000000"
	"000000040000004c0041004200000000000000";

static uint8_t g[1024], out[1024];

static size_t load(const char *hex)
{
	return sweep_unhex(hex, g, sizeof(g));
}

static int dec_dns(const uint8_t *b, size_t n, void *ctx)
{
	struct lsa_dns_domain_info r;
	(void)ctx;
	return lsa_dec_query_info2_dns_rep(b, n, &r) == WIRE_OK ? 0 : -1;
}
static int dec_primary(const uint8_t *b, size_t n, void *ctx)
{
	struct lsa_dns_domain_info r;
	(void)ctx;
	return lsa_dec_query_info_primary_rep(b, n, &r) == WIRE_OK ? 0 : -1;
}
static int dec_srv(const uint8_t *b, size_t n, void *ctx)
{
	struct srvsvc_info101 r;
	(void)ctx;
	return srvsvc_dec_get_info101_rep(b, n, &r) == WIRE_OK ? 0 : -1;
}
static int dec_wks(const uint8_t *b, size_t n, void *ctx)
{
	struct wkssvc_info100 r;
	(void)ctx;
	return wkssvc_dec_get_info100_rep(b, n, &r) == WIRE_OK ? 0 : -1;
}

static void test_lsa_dns_golden(void **state)
{
	struct lsa_dns_domain_info r;
	struct wwr w;
	char sid[128];
	size_t n = load(dc1_lsa_dns);

	(void)state;
	assert_int_equal(lsa_dec_query_info2_dns_rep(g, n, &r), WIRE_OK);
	assert_true(r.present);
	assert_string_equal(r.name, "LAB");
	assert_string_equal(r.dns_domain, "lab.test");
	assert_string_equal(r.dns_forest, "lab.test");
	assert_true(r.have_sid);
	assert_string_equal(lsa_sid_str(&r.sid, sid, sizeof(sid)), "S-1-5-21-1383280884-3300569706-2107566662");
	assert_int_equal(r.status, 0);
	wwr_init(&w, out, sizeof(out));
	assert_int_equal(lsa_enc_query_info2_dns_rep(&w, &r), WIRE_OK);
	assert_int_equal(wwr_len(&w), n);
	assert_memory_equal(out, g, n);
	assert_int_equal(sweep_truncations(g, n, dec_dns, NULL), 0);
	(void)sweep_bitflips(g, n, dec_dns, NULL);
	/* the refusal a Samba member gives */
	n = load(ws1_lsa_dns);
	assert_int_equal(lsa_dec_query_info2_dns_rep(g, n, &r), WIRE_OK);
	assert_false(r.present);
	assert_int_equal(r.status, LSA_STATUS_INVALID_INFO_CLASS);
	/* another level's union arm is refused */
	n = load(ws1_lsa_primary);
	assert_int_not_equal(lsa_dec_query_info2_dns_rep(g, n, &r), WIRE_OK);
}

static void test_lsa_primary_golden(void **state)
{
	struct lsa_dns_domain_info r;
	struct wwr w;
	char sid[128];
	size_t n = load(ws1_lsa_primary);

	(void)state;
	assert_int_equal(lsa_dec_query_info_primary_rep(g, n, &r), WIRE_OK);
	assert_string_equal(r.name, "LAB");
	assert_string_equal(r.dns_domain, "");
	assert_string_equal(lsa_sid_str(&r.sid, sid, sizeof(sid)), "S-1-5-21-1383280884-3300569706-2107566662");
	wwr_init(&w, out, sizeof(out));
	assert_int_equal(lsa_enc_query_info_primary_rep(&w, &r), WIRE_OK);
	assert_int_equal(wwr_len(&w), n);
	assert_memory_equal(out, g, n);
	assert_int_equal(sweep_truncations(g, n, dec_primary, NULL), 0);
	(void)sweep_bitflips(g, n, dec_primary, NULL);
}

static void test_lsa_requests(void **state)
{
	/* LsarOpenPolicy2: NULL SystemName, 24-byte all-NULL attributes, access; QueryInfo2: handle + u16 level */
	static const uint8_t open2[] = { 0, 0, 0, 0, 24, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
					 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0 };
	struct lsa_handle h, h2;
	struct wwr w;
	uint32_t st;

	(void)state;
	wwr_init(&w, out, sizeof(out));
	assert_int_equal(lsa_enc_open_policy2(&w, LSA_POLICY_VIEW_LOCAL_INFORMATION), WIRE_OK);
	assert_int_equal(wwr_len(&w), sizeof(open2));
	assert_memory_equal(out, open2, sizeof(open2));
	for (int i = 0; i < 20; i++)
		h.b[i] = (uint8_t)(i + 1);
	wwr_init(&w, out, sizeof(out));
	assert_int_equal(lsa_enc_query_info2(&w, &h, 12), WIRE_OK);
	assert_int_equal(wwr_len(&w), 22);
	assert_memory_equal(out, h.b, 20);
	assert_int_equal(out[20], 12);
	wwr_init(&w, out, sizeof(out));
	assert_int_equal(lsa_enc_open_policy2_rep(&w, &h, 0xc0000022u), WIRE_OK);
	assert_int_equal(lsa_dec_open_policy2_rep(out, 24, &h2, &st), WIRE_OK);
	assert_memory_equal(h2.b, h.b, 20);
	assert_int_equal(st, 0xc0000022u);
	assert_int_not_equal(lsa_dec_open_policy2_rep(out, 23, &h2, &st), WIRE_OK);
	assert_int_not_equal(lsa_dec_open_policy2_rep(out, 24 + 1, &h2, &st), WIRE_OK);
}

static void test_srvsvc_golden(void **state)
{
	struct srvsvc_info101 r;
	struct wwr w;
	size_t n = load(ws1_srv101);

	(void)state;
	assert_int_equal(srvsvc_dec_get_info101_rep(g, n, &r), WIRE_OK);
	assert_true(r.present);
	assert_int_equal(r.platform_id, 500);
	assert_string_equal(r.name, "WS1");
	assert_int_equal(r.version_major, 6);
	assert_int_equal(r.version_minor, 1);
	assert_true(r.type & SV_TYPE_DOMAIN_MEMBER);
	assert_true(r.type & SV_TYPE_SERVER_UNIX);
	assert_string_equal(r.comment, "Samba 4.17.12-Debian");
	assert_int_equal(r.werror, 0);
	wwr_init(&w, out, sizeof(out));
	assert_int_equal(srvsvc_enc_get_info101_rep(&w, &r), WIRE_OK);
	assert_int_equal(wwr_len(&w), n);
	assert_memory_equal(out, g, n);
	assert_int_equal(sweep_truncations(g, n, dec_srv, NULL), 0);
	(void)sweep_bitflips(g, n, dec_srv, NULL);
	/* request: NULL server name, level */
	wwr_init(&w, out, sizeof(out));
	assert_int_equal(srvsvc_enc_get_info(&w, NULL, 101), WIRE_OK);
	assert_int_equal(wwr_len(&w), 8);
	assert_int_equal(out[4], 101);
}

static void test_wkssvc_golden(void **state)
{
	struct wkssvc_info100 r;
	struct wwr w;
	size_t n = load(ws1_wks100);

	(void)state;
	assert_int_equal(wkssvc_dec_get_info100_rep(g, n, &r), WIRE_OK);
	assert_true(r.present);
	assert_int_equal(r.platform_id, 500);
	assert_string_equal(r.computer, "WS1");
	assert_string_equal(r.langroup, "LAB");
	assert_int_equal(r.version_major, 6);
	assert_int_equal(r.version_minor, 1);
	wwr_init(&w, out, sizeof(out));
	assert_int_equal(wkssvc_enc_get_info100_rep(&w, &r), WIRE_OK);
	assert_int_equal(wwr_len(&w), n);
	assert_memory_equal(out, g, n);
	assert_int_equal(sweep_truncations(g, n, dec_wks, NULL), 0);
	(void)sweep_bitflips(g, n, dec_wks, NULL);
	/* the other level's answer is refused (union switch) */
	n = load(ws1_srv101);
	assert_int_not_equal(wkssvc_dec_get_info100_rep(g, n, &r), WIRE_OK);
}

/*
 * InitShutdown (proto/initshutdown.c).  The requests below are what Samba's own NDR (pidl, through
 * its python bindings: samba.ndr.ndr_pack_in of initshutdown.InitEx / initshutdown.Abort, Samba
 * 4.17.12, 2026-12-06) packs for the same arguments: our encoder must match them byte for byte.
 */
/* hostname NULL, message "nltrust: repair", timeout 30, force 0, reboot 1, reason 0x80020003 */
static const char is_initex_msg[] =
	"00000000000002001e0020000400020010000000000000000f0000006e006c00740072007500730074003a0020007200650070006100"
	"6900720000001e0000000001000003000280";
/* hostname NULL, message NULL, timeout 0, force 1, reboot 0, reason 0 */
static const char is_initex_null[] = "0000000000000000000000000100000000000000";
/* message "" (Length 0, MaximumLength 2, a buffer of no characters) */
static const char is_initex_empty[] = "00000000000002000000020004000200010000000000000000000000000000000100000000000000";

static int dec_is(const uint8_t *b, size_t n, void *ctx)
{
	uint32_t w;
	(void)ctx;
	return initshutdown_dec_rep(b, n, &w) == WIRE_OK ? 0 : -1;
}

static void test_initshutdown(void **state)
{
	struct wwr w;
	uint32_t werror = 7;
	size_t n;
	char big[INITSHUTDOWN_MESSAGE_MAX + 2];
	static uint8_t bigout[2048];

	(void)state;
	assert_int_equal(initshutdown_syntax.major, 1);
	n = load(is_initex_msg);
	wwr_init(&w, out, sizeof(out));
	assert_int_equal(initshutdown_enc_init_ex(&w, "nltrust: repair", 30, 0, 1, 0x80020003u), WIRE_OK);
	assert_int_equal(wwr_len(&w), n);
	assert_memory_equal(out, g, n);
	n = load(is_initex_null);
	wwr_init(&w, out, sizeof(out));
	assert_int_equal(initshutdown_enc_init_ex(&w, NULL, 0, 1, 0, 0), WIRE_OK);
	assert_int_equal(wwr_len(&w), n);
	assert_memory_equal(out, g, n);
	n = load(is_initex_empty);
	wwr_init(&w, out, sizeof(out));
	assert_int_equal(initshutdown_enc_init_ex(&w, "", 0, 1, 0, 0), WIRE_OK);
	assert_int_equal(wwr_len(&w), n);
	assert_memory_equal(out, g, n);
	/* abort: a NULL ServerName pointer */
	wwr_init(&w, out, sizeof(out));
	assert_int_equal(initshutdown_enc_abort(&w), WIRE_OK);
	assert_int_equal(wwr_len(&w), 4);
	assert_int_equal(out[0] | out[1] | out[2] | out[3], 0);
	/* limits: a message of 513 characters, a timeout over ten years, invalid UTF-8, a short buffer */
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	wwr_init(&w, out, sizeof(out));
	assert_int_equal(initshutdown_enc_init_ex(&w, big, 30, 0, 1, 0), WIRE_ELIMIT);
	big[INITSHUTDOWN_MESSAGE_MAX] = '\0';
	wwr_init(&w, bigout, sizeof(bigout));
	assert_int_equal(initshutdown_enc_init_ex(&w, big, 30, 0, 1, 0), WIRE_OK);
	wwr_init(&w, out, sizeof(out));
	assert_int_equal(initshutdown_enc_init_ex(&w, "x", INITSHUTDOWN_TIMEOUT_MAX + 1, 0, 1, 0), WIRE_ELIMIT);
	wwr_init(&w, out, sizeof(out));
	assert_int_equal(initshutdown_enc_init_ex(&w, "\xc3\x28", 30, 0, 1, 0), WIRE_EBAD);
	wwr_init(&w, out, 20);
	assert_int_equal(initshutdown_enc_init_ex(&w, "nltrust: repair", 30, 0, 1, 0), WIRE_ESPACE);
	/* replies: one WERROR, nothing before or after it */
	n = load("00000000");
	assert_int_equal(initshutdown_dec_rep(g, n, &werror), WIRE_OK);
	assert_int_equal(werror, 0);
	n = load("05000000");
	assert_int_equal(initshutdown_dec_rep(g, n, &werror), WIRE_OK);
	assert_int_equal(werror, 5);
	wwr_init(&w, out, sizeof(out));
	assert_int_equal(initshutdown_enc_rep(&w, 5), WIRE_OK);
	assert_int_equal(wwr_len(&w), n);
	assert_memory_equal(out, g, n);
	assert_int_equal(sweep_truncations(g, n, dec_is, NULL), 0);
	(void)sweep_bitflips(g, n, dec_is, NULL);
	n = load("0500000000");
	werror = 7;
	assert_int_equal(initshutdown_dec_rep(g, n, &werror), WIRE_ETRAILING);
	assert_int_equal(werror, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lsa_dns_golden),
		cmocka_unit_test(test_lsa_primary_golden),
		cmocka_unit_test(test_lsa_requests),
		cmocka_unit_test(test_srvsvc_golden),
		cmocka_unit_test(test_wkssvc_golden),
		cmocka_unit_test(test_initshutdown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
