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

/*
 * ws1: NetrJoinDomain2 answers (NLT_DUMP_STUBS, tests/integration/scenarios/96-rejoin.sh's calls,
 * 2026-12-06): WERR_OK, and WERR_NERR_DEFAULTJOINREQUIRED (2694) for a plain domain user
 */
static const char ws1_join_ok[] = "00000000";
static const char ws1_join_plain_user[] = "860a0000";

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

/* ---- NetrJoinDomain2 / NetrUnjoinDomain2 and the password buffer ---- */

/*
 * Samba's vector (libcli/auth/tests/test_rc4_passwd_buffer.c,
 * encrypted_test_blob): a samr_CryptPasswordEx, i.e. the same 516-byte
 * plaintext (random fill, UTF-16LE password at the end of 512 bytes, u32
 * length) under RC4 with MD5(confounder[16] || session key), the confounder
 * after the data; session key "SystemLibraryDTC".
 */
#define SAMBA_PW "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
static const char samba_rc4_blob[] =
	"378e1dd5d39fca8e2f2deec3b550cd4ec908046832c3ac8e5369d6b756ccc0be4e96a774e9aa103dd58caa1256b6f18521fae9a1"
	"76e6a533332f4729d6bdde644d153e6a119b52bf7e3aeb1c55d1b2a435036c39612898c32dd470698b83e962bed8724edfd4e9e3"
	"462af93c0f4162e143f091be72a0c90873201f0d682e32a1b89b08a1b4816bf1de0c2834e2656254ebc07114ad36430e924d11e8"
	"dd2d5f05ff07da814e2742a8a9644c74c805bb835ad9903e0d9de52f08f91bbd26c30dac43d517f261f5749bf35b5fe18aa6fddf"
	"ffb58bf126f7e0a74f5bb86debf652688da3d47f5643aaec584703ee9b59d9789afb9ee9a6614e6d9235d3376ef23439d4d2ebcf"
	"1c10b32b3e07423e2090073ec7edd4df50e5ffaf05ce29be01f8b03096ae1b622393911a5298d959b811ecb8cf2032909ef20643"
	"b836e3334e6f75ebf76cac065f248e4a03df5031aa91d58595785bf47f3ebc41fa10d30f868b23edfccc3e7d8cb47cec047d1253"
	"a130c5acf31e541f9705867451134598b85062180f6d66a4883176a3b0755544187c67c7099cab5349c0c92753a699011049678e"
	"5b12964016391153448fa9be84bee045e3fd48464353135ffacf096790a394aa0d1fc2c3d47ec814be84a555ee498e031dafad65"
	"2ff0d5905e8d2940ba5726a86c4b59404ec2c4880a062b6c2ac73ffe372c4158fe7eafd1d9d29cd78a010e8c9e8b5d725400beb2"
	"9ac7fd831e9c79dd1513dc15";

static void test_pwbuf_samba_vector(void **state)
{
	uint8_t blob[532], plain[WKSSVC_PW_PLAIN_LEN], again[WKSSVC_PW_PLAIN_LEN];
	char pw[200];
	size_t n;

	(void)state;
	n = load(samba_rc4_blob);
	assert_int_equal(n, 532);
	memcpy(blob, g, n);
	memcpy(plain, blob, 516);
	wkssvc_rc4_md5(blob + 516, 16, (const uint8_t *)"SystemLibraryDTC", 16, plain, 516);
	/* the length word and the password at the end of the 512 bytes */
	assert_int_equal(plain[512] | plain[513] << 8 | plain[514] << 16 | plain[515] << 24, 2 * strlen(SAMBA_PW));
	assert_int_equal(ndr_utf16le_to_utf8(plain + 512 - 2 * strlen(SAMBA_PW), strlen(SAMBA_PW), pw, sizeof(pw)),
			 WIRE_OK);
	assert_string_equal(pw, SAMBA_PW);
	/* our builder, given Samba's random fill, makes the same plaintext, and RC4 the same blob */
	assert_int_equal(wkssvc_pw_plain(SAMBA_PW, plain, again), WIRE_OK);
	assert_memory_equal(again, plain, sizeof(plain));
	wkssvc_rc4_md5(blob + 516, 16, (const uint8_t *)"SystemLibraryDTC", 16, again, 516);
	assert_memory_equal(again, blob, 516);
}

/*
 * JOINPR_ENCRYPTED_USER_PASSWORD with key 00..0f, obfuscator a0..a7, fill
 * byte i = 7i + 3, password "Pässw0rd!": computed independently with Python
 * (hashlib.md5 and a textbook RC4), MD5(key || obfuscator) as MS-WKST 2.2.5.18
 * and Samba's encode_wkssvc_join_password_buffer order it.
 */
static const char join_pwbuf_golden[] =
	"a0a1a2a3a4a5a6a7ed29725211038bfbbae24d6dd1577a8b50ca5e4dbffbc5c6190f6a74df62d0de8900ca1950627e0c8633f97f"
	"3c248b7ad4b6b18e6214308e4dfc870a04146c3d6415bc334f74b85a4e1c0945b3d49004aaeef130c2dc731d39db2b5fec2cef88"
	"2cdc6debca47ef7da3809ec8a2fc841a1f726cc0e042e70ff42cdd2436a872cdc5569a58094799f71333f1f4f09eb5c2b063d995"
	"68a3b943f7f25a2d0c627014731848755739eee15bce29ab040b9cc837131ddbc0306b04140062ac0ee18f01fad74092fa3bbea1"
	"ee5f0f8975307bf9339853e7ff6e00c4ff3d7bf07628ea46e6e47d46121daf394944af1ebef411d3d3b50807e97c4ddceb27c3d7"
	"e03df9a5d34d052d531bb5b950720f87d441c1b0620e8dd012a8a1de8fc9b958e192bc3c87a8c3061c80fd037224dc1b9d345a5c"
	"a68e9eb5dcd64bee5afcca9484c059d7532d271c6d9e65104abaeadd822f63c93fc74bffcda3bbfc0aea0f9905ba61be66bc61a2"
	"a5b2eef0c1d06a757cbd66a3b43a42938ebe03b7d2790fa54b858d6dfdb6c79c304c36fb6f29bad7b020d6becaba69cebfeecf63"
	"bb8c42833366b91efc3f0ce4e067097481141164c14e08b6703647034c236128d337bb73cc7647e34a34a1ba43f5d6723ba45814"
	"07aa990b222b7a7fdf40cc672a31c8426c16aeeb242db58659aa24017c6aec7ea02ea3c89815adb48cf868d86567e4fe49a89fd4"
	"ed0b4657";

static void test_join_password_golden(void **state)
{
	uint8_t key[16], obf[8], fill[512], out1[WKSSVC_PWBUF_LEN];
	char pw[64];
	size_t n;

	(void)state;
	for (int i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	for (int i = 0; i < 8; i++)
		obf[i] = (uint8_t)(0xa0 + i);
	for (int i = 0; i < 512; i++)
		fill[i] = (uint8_t)(i * 7 + 3);
	assert_int_equal(wkssvc_join_password("P\xc3\xa4ssw0rd!", key, obf, fill, out1), WIRE_OK);
	n = load(join_pwbuf_golden);
	assert_int_equal(n, WKSSVC_PWBUF_LEN);
	assert_memory_equal(out1, g, n);
	assert_int_equal(wkssvc_join_password_open(out1, key, pw, sizeof(pw)), WIRE_OK);
	assert_string_equal(pw, "P\xc3\xa4ssw0rd!");
	/* another key does not open it (the length word comes out wrong or the text differs) */
	key[0] ^= 1;
	assert_true(wkssvc_join_password_open(out1, key, pw, sizeof(pw)) != WIRE_OK || strcmp(pw, "P\xc3\xa4ssw0rd!") != 0);
	/* the longest password fits (256 units), one more does not; invalid UTF-8 is refused */
	{
		char longpw[300];
		memset(longpw, 'x', 256);
		longpw[256] = '\0';
		assert_int_equal(wkssvc_join_password(longpw, key, obf, fill, out1), WIRE_OK);
		longpw[256] = 'x';
		longpw[257] = '\0';
		assert_int_equal(wkssvc_join_password(longpw, key, obf, fill, out1), WIRE_ELIMIT);
		assert_int_equal(wkssvc_join_password("\xff", key, obf, fill, out1), WIRE_EBAD);
	}
}

/*
 * Requests, written out by hand from wkssvc.idl (NDR: top-level [unique]
 * pointers are a referent id followed by the pointee at once; [ref] has no
 * id; the 524-byte buffer has alignment 1, Options aligns to 4).
 */
static void test_join_requests(void **state)
{
	uint8_t pwbuf[WKSSVC_PWBUF_LEN];
	struct wwr w;
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof(pwbuf); i++)
		pwbuf[i] = (uint8_t)i;
	/* NetrJoinDomain2(NULL, "L", NULL, "A\\B", pwbuf, 0x23) */
	wwr_init(&w, out, sizeof(out));
	assert_int_equal(wkssvc_enc_join_domain2(&w, NULL, "L", NULL, "A\\B", pwbuf, 0x23), WIRE_OK);
	n = load("00000000"                                     /* ServerName NULL */
		 "020000000000000002000000" "4c000000"          /* DomainNameParam [ref] "L" */
		 "00000000"                                     /* MachineAccountOU NULL */
		 "00000200" "040000000000000004000000" "41005c0042000000" /* AccountName "A\\B" */
		 "04000200");                                   /* Password: referent, then 524 bytes */
	assert_int_equal(n, 52);
	assert_int_equal(w.len, n + WKSSVC_PWBUF_LEN + 4);
	assert_memory_equal(out, g, n);
	assert_memory_equal(out + n, pwbuf, sizeof(pwbuf));
	assert_memory_equal(out + n + sizeof(pwbuf), "\x23\x00\x00\x00", 4);
	/* with an OU and no account or password (NULL pointers) */
	wwr_init(&w, out, sizeof(out));
	assert_int_equal(wkssvc_enc_join_domain2(&w, NULL, "L", "O", NULL, NULL, 1), WIRE_OK);
	n = load("00000000" "020000000000000002000000" "4c000000"
		 "00000200" "020000000000000002000000" "4f000000"
		 "00000000" "00000000" "01000000");
	assert_int_equal(w.len, n);
	assert_memory_equal(out, g, n);
	/* NetrUnjoinDomain2(NULL, "A", pwbuf, 4) */
	wwr_init(&w, out, sizeof(out));
	assert_int_equal(wkssvc_enc_unjoin_domain2(&w, NULL, "A", pwbuf, WKSSVC_ACCT_DELETE), WIRE_OK);
	n = load("00000000" "00000200" "0200000000000000020000004100000004000200");
	assert_int_equal(w.len, n + WKSSVC_PWBUF_LEN + 4);
	assert_memory_equal(out, g, n);
	assert_memory_equal(out + n + WKSSVC_PWBUF_LEN, "\x04\x00\x00\x00", 4);
	/* the domain is [ref]: NULL is refused */
	wwr_init(&w, out, sizeof(out));
	assert_int_not_equal(wkssvc_enc_join_domain2(&w, NULL, NULL, NULL, NULL, NULL, 1), WIRE_OK);
}

static int dec_werror(const uint8_t *b, size_t n, void *ctx)
{
	uint32_t v;
	(void)ctx;
	return wkssvc_dec_werror_rep(b, n, &v) == WIRE_OK ? 0 : -1;
}

static void test_join_replies(void **state)
{
	static const uint32_t codes[] = { 0, 5, 0xaac, 2691, 2692, 2694, 1355, 86, 1326, 50 };
	uint32_t v;
	struct wwr w;

	(void)state;
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		wwr_init(&w, out, sizeof(out));
		assert_int_equal(wkssvc_enc_werror_rep(&w, codes[i]), WIRE_OK);
		assert_int_equal(w.len, 4);
		assert_int_equal(wkssvc_dec_werror_rep(out, w.len, &v), WIRE_OK);
		assert_int_equal(v, codes[i]);
		assert_int_equal(sweep_truncations(out, w.len, dec_werror, NULL), 0);
		sweep_bitflips(out, w.len, dec_werror, NULL);
	}
	/* trailing bytes are refused */
	memcpy(out, "\xac\x0a\x00\x00\x00", 5);
	assert_int_not_equal(wkssvc_dec_werror_rep(out, 5, &v), WIRE_OK);
	/* the lab's ws1 */
	assert_int_equal(load(ws1_join_ok), 4);
	assert_int_equal(wkssvc_dec_werror_rep(g, 4, &v), WIRE_OK);
	assert_int_equal(v, 0);
	assert_int_equal(load(ws1_join_plain_user), 4);
	assert_int_equal(wkssvc_dec_werror_rep(g, 4, &v), WIRE_OK);
	assert_int_equal(v, 2694);
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
		cmocka_unit_test(test_pwbuf_samba_vector),
		cmocka_unit_test(test_join_password_golden),
		cmocka_unit_test(test_join_requests),
		cmocka_unit_test(test_join_replies),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
