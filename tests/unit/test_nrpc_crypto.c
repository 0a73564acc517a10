/*
 * tests/unit/test_nrpc_crypto.c - proto/nrpc_crypto.c: NT hash, AES session
 * key, credentials, the authenticator chain, NL_TRUST_PASSWORD and the
 * schannel AES signature/seal (MS-NRPC 3.1.4.3-3.1.4.5, 2.2.1.3.7,
 * 3.3.4.2.1-2).
 *
 * Vectors (provenance in tests/vectors/README.md, "Netlogon crypto"):
 *  - MS-NRPC 4.2 password and NTOWF (copied in scapy msnrpc.uts); its
 *    session key is the STRONG_KEYS (MD5) one, which we do not implement, so
 *    the AES session key, credentials and chain for the same inputs come
 *    from the independent oracle (V1b in PROTOCOLS.md §10).
 *  - MS-NRPC 4.3 and 4.3.1 (AES seal, client, seq 0; with header signing).
 *  - scapy msnrpc.uts NetlogonSSP AES client -> server and server -> client
 *    exchanges, and its NetlogonClient authenticator build/validate.
 *  - Samba libcli/auth/tests/test_schannel.c torture_schannel_seal_aes.
 *  - oracle: pycryptodome + impacket (generator in the README).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <nettle/aes.h>
#include <nettle/cfb.h>
#include <nettle/version.h>

#include "nrpc_crypto.h"
#include "sweep.h"

#define BUF_MAX 1024

static size_t unhex(const char *hex, uint8_t *out)
{
	return sweep_unhex(hex, out, BUF_MAX);
}

static void assert_hex(const uint8_t *got, size_t n, const char *hex)
{
	uint8_t want[BUF_MAX];

	assert_int_equal(unhex(hex, want), n);
	assert_memory_equal(got, want, n);
}

/* ---- MS-NRPC 4.2 inputs ---- */

static const char v1_pw_hex[] =
	"2e002f002c006e004c003e004f004c005a003600730074005e0058004b0065004d0025002e0049002d0074004500"
	"6000570056006a0043005b00300036003f005d003a00510076005f0054006e0055006f003a003a00420077002c0067006000760023"
	"004a004d0036004d007100530050007500550028006e00710034003e0079006a005b0064005c002b005600700052005f0079007800"
	"7500630021006700300054003600350076007a005700410042005f004200220069003c003c0053002b00340027005e003a0021002c"
	"003b002500470073002d00280022003a0020006d003e00210043004c0066006e004e00";
static const char v1_nt_hex[] = "31a590170a351fd51148b2a10af2c305";
static const char v1_cc_hex[] = "3a0390a46d0c3d4f";
static const char v1_sc_hex[] = "0c4c13d16041c860";

/* ---- MS-NRPC 4.3 / 4.3.1 ---- */

static const char v2_sk_hex[] = "0cb6948805f797bf2a82807973b89537";
static const char v2_conf_hex[] = "717f5076c5902bcd";
static const char v2_plain_hex[] =
	"3000000000000000000000000000000030000000000000005c005c00570049004e002d00450055003400550047003800"
	"370048003200490056002e00320033003000360066006500760032002e006e00740074006500730074002e006d006900630072006f00"
	"73006f00660074002e0063006f006d0000000000020000000000100000000000000000000000000000001000000000000000570049004e"
	"002d004400310049005400420046004d003400410038005500000085bb1511fd09786d3b61b06400000000000000000000000001000000"
	"000000000000000000000000";
static const char v2_sealed_hex[] =
	"c930c9a079d95c78bea6a3150908c11f4b68e41219bcb91680ead287da211eec66bc27df2bc9a0f4ecf25c88624e493c59cdec6bc7b0"
	"8bed84b97c33138ae3c8377cb327f3ea6076da91c5d23dbf1b2f4066a455332716b7b64f2ec9a944702d20a85035de3b231a5216b7a6"
	"c9102bd17c7d6ab1b379445eb5a5276e360d3bcef93b5359d36b0006b0c10bc2fec73777816a383a4614494b7b18bc34cd5447681eb4"
	"8f8132a0a08a50d752826cff068c76959d49767557e503d509fa3c18b0860a22a7e2bae50e812c5d71c31f9f1dfd143333b3043f6bf9"
	"06e5d91207f1d988";
static const char v2_sig_hex[] = "13001a00ffff0000b37c1f0ec86468f086761f2f86f4f4c1632d1f547d2cf6ff";
static const char v2b_pdu_hdr_hex[] = "0500000310000000380138000c000000d400000001001500";
static const char v2b_trailer_hex[] = "44060c0003000000";
static const char v2b_sig_hex[] = "13001a00ffff00005d69950dfde45ae9f092ae5c3c55aacd632d1f547d2cf6ff";

/* ---- NT hash ---- */

static void test_nt_hash_ms_nrpc_4_2(void **state)
{
	uint8_t pw[BUF_MAX], nt[16];
	size_t n = unhex(v1_pw_hex, pw);

	(void)state;
	assert_int_equal(n, 240);
	assert_int_equal(nrpc_nt_hash_utf16le(pw, n, nt), WIRE_OK);
	assert_hex(nt, 16, v1_nt_hex);
	/* the same password is ASCII, so its UTF-8 form hashes the same */
	{
		char u8[121];
		for (size_t i = 0; i < 120; i++)
			u8[i] = (char)pw[2 * i];
		u8[120] = 0;
		memset(nt, 0, sizeof(nt));
		assert_int_equal(nrpc_nt_hash_utf8(u8, 120, nt), WIRE_OK);
		assert_hex(nt, 16, v1_nt_hex);
	}
	assert_int_equal(nrpc_nt_hash_utf16le(pw, 239, nt), WIRE_EBAD);
}

static void test_nt_hash_utf8_non_ascii(void **state)
{
	/* "Pässwörd€" U+1D11E "-1": 2-, 3- and 4-byte sequences (oracle nt_utf8) */
	static const char pw[] = "P\xc3\xa4sswo\xcc\x88rd\xe2\x82\xac\xf0\x9d\x84\x9e-1";
	static const char pw_nfc[] = "P\xc3\xa4ssw\xc3\xb6rd\xe2\x82\xac\xf0\x9d\x84\x9e-1";
	uint8_t nt[16], nt2[16], u16[64];
	size_t n;

	(void)state;
	assert_int_equal(nrpc_nt_hash_utf8(pw_nfc, strlen(pw_nfc), nt), WIRE_OK);
	assert_hex(nt, 16, "500e53600deebc961ade53929b907021");
	/* no normalisation: a decomposed o + U+0308 is another password */
	assert_int_equal(nrpc_nt_hash_utf8(pw, strlen(pw), nt2), WIRE_OK);
	assert_memory_not_equal(nt, nt2, 16);
	/* UTF-8 and the converted UTF-16LE bytes agree; U+1D11E is a surrogate pair */
	assert_int_equal(nrpc_utf8_to_utf16le(pw_nfc, strlen(pw_nfc), u16, sizeof(u16), &n), WIRE_OK);
	assert_int_equal(n, 2 * 13);
	assert_hex(u16 + 18, 4, "34d81edd");
	assert_int_equal(nrpc_nt_hash_utf16le(u16, n, nt2), WIRE_OK);
	assert_memory_equal(nt, nt2, 16);
	assert_int_equal(nrpc_utf8_to_utf16le(pw_nfc, strlen(pw_nfc), u16, n - 1, &n), WIRE_ESPACE);
}

static void test_invalid_utf8_is_refused(void **state)
{
	static const char *const bad[] = {
		"\x80",             /* lone continuation */
		"\xc0\x80",         /* overlong NUL */
		"\xe0\x80\xaf",     /* overlong '/' */
		"\xed\xa0\x80",     /* UTF-8 encoded surrogate */
		"\xf4\x90\x80\x80", /* above U+10FFFF */
		"\xe2\x82",         /* truncated */
		"a\xf8\x88\x80\x80\x80", /* 5-byte form */
		"\xc3\x28",         /* bad continuation */
	};
	uint8_t nt[16], u16[32];
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(nrpc_nt_hash_utf8(bad[i], strlen(bad[i]), nt), WIRE_EBAD);
		assert_int_equal(nrpc_utf8_to_utf16le(bad[i], strlen(bad[i]), u16, sizeof(u16), &n), WIRE_EBAD);
	}
	/* the empty password is legal for hashing (MD4 of nothing) */
	assert_int_equal(nrpc_nt_hash_utf8("", 0, nt), WIRE_OK);
	assert_hex(nt, 16, "31d6cfe0d16ae931b73c59d7e0c089c0");
}

/* ---- challenges, session key, credentials ---- */

static void test_degenerate_challenges(void **state)
{
	uint8_t c[8];

	(void)state;
	memset(c, 0, 8);
	assert_false(nrpc_challenge_ok(c));
	memcpy(c, "\x41\x41\x41\x41\x41\x01\x02\x03", 8);
	assert_false(nrpc_challenge_ok(c));
	memcpy(c, "\x41\x41\x41\x41\x42\x41\x41\x41", 8);
	assert_true(nrpc_challenge_ok(c));
	memcpy(c, "\x42\x41\x41\x41\x41\x41\x41\x41", 8);
	assert_true(nrpc_challenge_ok(c));
	unhex(v1_cc_hex, c);
	assert_true(nrpc_challenge_ok(c));
}

static void test_session_key_and_credentials_v1b(void **state)
{
	uint8_t nt[16], cc[8], sc[8], sk[16], cred[8], scred[8];
	struct nrpc_creds c;

	(void)state;
	unhex(v1_nt_hex, nt), unhex(v1_cc_hex, cc), unhex(v1_sc_hex, sc);
	nrpc_session_key_aes(nt, cc, sc, sk);
	assert_hex(sk, 16, "fdc7815fdbdbb1a6a08d0fda749edb18");
	nrpc_cred_aes(sk, cc, cred);
	assert_hex(cred, 8, "c43e8c706184b992");

	memset(cred, 0, 8);
	assert_int_equal(nrpc_creds_init(&c, nt, cc, sc, cred), WIRE_OK);
	assert_hex(cred, 8, "c43e8c706184b992");
	assert_hex(c.session_key, 16, "fdc7815fdbdbb1a6a08d0fda749edb18");
	assert_hex(c.seed, 8, "c43e8c706184b992");
	unhex("f2c027dca409fad7", scred);
	assert_int_equal(nrpc_creds_check_server(&c, scred), WIRE_OK);
	for (int bit = 0; bit < 64; bit++) {
		scred[bit / 8] ^= (uint8_t)(1u << bit % 8);
		assert_int_equal(nrpc_creds_check_server(&c, scred), WIRE_EBAD);
		scred[bit / 8] ^= (uint8_t)(1u << bit % 8);
	}
	nrpc_creds_wipe(&c);
	assert_true(c.session_key[0] == 0 && c.seed[7] == 0 && c.timestamp == 0);
}

static void test_creds_init_refuses_zerologon_challenge(void **state)
{
	uint8_t nt[16], cc[8] = { 0 }, sc[8], cred[8] = { 0x55 };
	struct nrpc_creds c;

	(void)state;
	memset(&c, 0xA5, sizeof(c));
	unhex(v1_nt_hex, nt), unhex(v1_sc_hex, sc);
	assert_int_equal(nrpc_creds_init(&c, nt, cc, sc, cred), WIRE_EBAD);
	memcpy(cc, "\x07\x07\x07\x07\x07\xaa\xbb\xcc", 8);
	assert_int_equal(nrpc_creds_init(&c, nt, cc, sc, cred), WIRE_EBAD);
	/* nothing was written */
	assert_int_equal(cred[0], 0x55);
	assert_int_equal(c.seed[0], 0xA5);
}

/* ---- authenticator chain ---- */

static void test_authenticator_chain_v1b(void **state)
{
	static const struct {
		uint32_t now;
		const char *auth, *ret;
	} steps[] = {
		{ 0x65000000, "3a3c14fb49ff2b84", "3bfe9e1ed9abf5a0" },
		{ 0x65000002, "396a4b65e79054c9", "36f55fd2107015fb" },
		{ 0xfffffff0, "46b4f3cca6a04888", "476b951658034b93" }, /* seed sum wraps mod 2^32 */
	};
	uint8_t nt[16], cc[8], sc[8], cred[8], ret[8];
	struct nrpc_creds c;
	struct nrpc_auth_step st;
	uint32_t ts;

	(void)state;
	unhex(v1_nt_hex, nt), unhex(v1_cc_hex, cc), unhex(v1_sc_hex, sc);
	assert_int_equal(nrpc_creds_init(&c, nt, cc, sc, cred), WIRE_OK);
	for (size_t i = 0; i < 3; i++) {
		nrpc_auth_begin(&c, steps[i].now, cred, &ts, &st);
		assert_int_equal(ts, steps[i].now);
		assert_hex(cred, 8, steps[i].auth);
		unhex(steps[i].ret, ret);
		assert_int_equal(nrpc_auth_commit(&c, &st, ret), WIRE_OK);
		if (i == 0)
			assert_hex(c.seed, 8, "c53e8cd56184b992"); /* PROTOCOLS.md V1b next seed */
		assert_int_equal(c.timestamp, steps[i].now);
	}
	assert_hex(c.seed, 8, "b93e8c3a6184b992");
}

static void test_authenticator_scapy(void **state)
{
	/* scapy msnrpc.uts "Build and validate authenticator - Netlogon SSP" */
	struct nrpc_creds c;
	struct nrpc_auth_step st;
	uint8_t cred[8], ret[8];
	uint32_t ts;

	(void)state;
	memset(&c, 0, sizeof(c));
	unhex("eceedab730de5198a4ce44457274ce6d", c.session_key);
	unhex("f88930441b5ff278", c.seed);
	nrpc_auth_begin(&c, 1773509346, cred, &ts, &st);
	assert_int_equal(ts, 1773509346);
	assert_hex(cred, 8, "6118a3eb75603384");
	assert_int_equal(ts, ld_u32le((const uint8_t *)"\xe2\x9a\xb5\x69"));
	unhex("60366ed080912206", ret);
	assert_int_equal(nrpc_auth_commit(&c, &st, ret), WIRE_OK);
}

static void test_failed_return_authenticator_commits_nothing(void **state)
{
	uint8_t nt[16], cc[8], sc[8], cred[8], ret[8];
	struct nrpc_creds c, before;
	struct nrpc_auth_step st;
	uint32_t ts;

	(void)state;
	unhex(v1_nt_hex, nt), unhex(v1_cc_hex, cc), unhex(v1_sc_hex, sc);
	assert_int_equal(nrpc_creds_init(&c, nt, cc, sc, cred), WIRE_OK);
	before = c;
	unhex("3bfe9e1ed9abf5a0", ret);
	for (int bit = 0; bit < 64; bit++) {
		nrpc_auth_begin(&c, 0x65000000, cred, &ts, &st);
		assert_memory_equal(&c, &before, sizeof(c)); /* begin changes nothing */
		ret[bit / 8] ^= (uint8_t)(1u << bit % 8);
		assert_int_equal(nrpc_auth_commit(&c, &st, ret), WIRE_EBAD);
		ret[bit / 8] ^= (uint8_t)(1u << bit % 8);
		assert_memory_equal(&c, &before, sizeof(c));
		assert_int_equal(st.armed, 0);
	}
	/* a step is used once: committing it again fails even with the right value */
	nrpc_auth_begin(&c, 0x65000000, cred, &ts, &st);
	assert_int_equal(nrpc_auth_commit(&c, &st, ret), WIRE_OK);
	before = c;
	assert_int_equal(nrpc_auth_commit(&c, &st, ret), WIRE_EBAD);
	assert_memory_equal(&c, &before, sizeof(c));
}

static void test_authenticator_timestamps_increase(void **state)
{
	struct nrpc_creds c;
	struct nrpc_auth_step st;
	uint8_t cred[8];
	uint32_t ts;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.timestamp = 1000;
	nrpc_auth_begin(&c, 900, cred, &ts, &st); /* clock went back */
	assert_int_equal(ts, 1002);
	nrpc_auth_begin(&c, 1001, cred, &ts, &st);
	assert_int_equal(ts, 1002);
	nrpc_auth_begin(&c, 5000, cred, &ts, &st);
	assert_int_equal(ts, 5000);
	assert_int_equal(st.timestamp, 5000);
}

/* ---- NL_TRUST_PASSWORD ---- */

/* nettle's cfb8_* arrived in 3.5; configure accepts 3.4, where this block is skipped */
#if NETTLE_VERSION_MAJOR > 3 || (NETTLE_VERSION_MAJOR == 3 && NETTLE_VERSION_MINOR >= 5)
#define HAVE_NETTLE_CFB8 1
static void crypt_cfb8_nettle(const uint8_t sk[16], uint8_t *buf, size_t n)
{
	struct aes128_ctx k;
	uint8_t iv[16] = { 0 };

	aes128_set_encrypt_key(&k, sk);
	cfb8_encrypt(&k, (nettle_cipher_func *)aes128_encrypt, AES_BLOCK_SIZE, iv, n, buf, buf);
}
#endif

static const char pwbuf_enc_hex[] =
	"fd9ecaf29b284f89bf2c407d09cc5f22ac0e5f733a18378dc1b3d345493625e4da2fd7d2179e5c51c157b2b0cb19447d94235d8738"
	"a38eb5e736a478e6df278be1859fe028de521d00dd14806b013a7159556d714f7dc6b259c413eb36a4e81b84fe2bf55d4b5da9b57ee0"
	"c9174c52a015a5c1356fd241ffd18095b0a6e44ed839e11aa89a8be7d19ec9576eb9df147484a79011d5678c07ed04be33e70c40a8cc"
	"c783a5783823409a8790c7dd7d771f83eb4efddcd857dbe67631feb36a31da3c21ccfc6e8fe7040ed8aaee85636cb5d109329e1319f8"
	"1059d99c0c3e20ff2b11aa3c705f8f03f5fa3ba69a29ba3aaad503f639aed1f285c665b8b34aa5121f99f06b610daac7e7a87d270f0c"
	"cceef55849cede4a94be8442389845f5b1231f8d030af47223d8d95ad14a0c94f5f3559089980678b7c6a5d0967a41b4e1888a1b30c0"
	"446ed74eb4ad73011dff303853f709d43c7e9705bfd8cf2c62102f5788e5d298c743440e362487cf7c0dcf9a045087cdd39111c1be71"
	"aeca2fc00c549ee0f539fd8d467cd2a7a583c1d71c3a688ec1e16ef92a54c3973c70b84635a1a32afcd889fb4098bdbb37088f2ec6ba"
	"cb1026ea48b230521d29ce2eb173197d1ffd9477348231558fa1d602c6f1affa16d96923e90f2b7468fbb38587651613dd8c48ea7b59"
	"b12e8c018f1010b9a4b0de36dfdaf22654b41738bb4db157b75bc42210b4ef";
static const char pwbuf_pw_utf8[] = "Machine-P\xc3\xa4ssword-0123456789";

static void pwbuf_inputs(uint8_t sk[16], uint8_t fill[512], uint8_t pw[64], size_t *pw_len)
{
	unhex("fdc7815fdbdbb1a6a08d0fda749edb18", sk);
	for (int i = 0; i < 512; i++)
		fill[i] = (uint8_t)(i * 7 + 3);
	assert_int_equal(nrpc_utf8_to_utf16le(pwbuf_pw_utf8, strlen(pwbuf_pw_utf8), pw, 64, pw_len), WIRE_OK);
	assert_int_equal(*pw_len, 54);
}

static void test_pwbuf_oracle_and_round_trip(void **state)
{
	uint8_t sk[16], fill[512], pw[64], enc[NRPC_PWBUF_LEN], back[NRPC_PWBUF_MAX_PW];
	size_t pw_len, n = 0;

	(void)state;
	pwbuf_inputs(sk, fill, pw, &pw_len);
	assert_int_equal(nrpc_pwbuf_encrypt(sk, pw, pw_len, fill, enc), WIRE_OK);
	assert_hex(enc, NRPC_PWBUF_LEN, pwbuf_enc_hex);
	assert_int_equal(nrpc_pwbuf_decrypt(sk, enc, back, &n), WIRE_OK);
	assert_int_equal(n, pw_len);
	assert_memory_equal(back, pw, pw_len);
	/* the longest and the shortest accepted passwords */
	memset(pw, 0, sizeof(pw));
	{
		uint8_t big[512];
		for (int i = 0; i < 512; i++)
			big[i] = (uint8_t)(i * 13 + 1);
		assert_int_equal(nrpc_pwbuf_encrypt(sk, big, 512, fill, enc), WIRE_OK);
		assert_int_equal(nrpc_pwbuf_decrypt(sk, enc, back, &n), WIRE_OK);
		assert_int_equal(n, 512);
		assert_memory_equal(back, big, 512);
		assert_int_equal(nrpc_pwbuf_encrypt(sk, big, 14, fill, enc), WIRE_OK);
		assert_int_equal(nrpc_pwbuf_decrypt(sk, enc, back, &n), WIRE_OK);
		assert_int_equal(n, 14);
		assert_memory_equal(back, big, 14);
	}
}

static void test_pwbuf_refuses_bad_passwords(void **state)
{
	uint8_t sk[16], fill[512], pw[64], enc[NRPC_PWBUF_LEN], big[514] = { 1 };
	size_t pw_len;

	(void)state;
	pwbuf_inputs(sk, fill, pw, &pw_len);
	assert_int_equal(nrpc_pwbuf_encrypt(sk, pw, 0, fill, enc), WIRE_ELIMIT);
	assert_int_equal(nrpc_pwbuf_encrypt(sk, pw, 12, fill, enc), WIRE_ELIMIT);
	assert_int_equal(nrpc_pwbuf_encrypt(sk, big, 514, fill, enc), WIRE_ELIMIT);
	assert_int_equal(nrpc_pwbuf_encrypt(sk, pw, 15, fill, enc), WIRE_EBAD);
	memset(big, 0, sizeof(big));
	assert_int_equal(nrpc_pwbuf_encrypt(sk, big, 40, fill, enc), WIRE_EBAD); /* all-zero password */
}

static void test_pwbuf_decrypt_bounds(void **state)
{
	uint8_t sk[16], fill[512], pw[64], enc[NRPC_PWBUF_LEN], c[NRPC_PWBUF_LEN], back[NRPC_PWBUF_MAX_PW];
	size_t pw_len, n;

	(void)state;
	pwbuf_inputs(sk, fill, pw, &pw_len);
	assert_int_equal(nrpc_pwbuf_encrypt(sk, pw, pw_len, fill, enc), WIRE_OK);
	/*
	 * Craft buffers whose Length is out of bounds, encrypting with nettle's
	 * own CFB8 (an independent implementation of the mode).
	 */
#ifdef HAVE_NETTLE_CFB8
	{
		static const uint32_t lens[] = { 55, 1, 513, 514, 0x10000, 0xffffffff, 0, 2, 512 };
		static const int want[] = { WIRE_EBAD, WIRE_EBAD, WIRE_ELIMIT, WIRE_ELIMIT, WIRE_ELIMIT,
					    WIRE_ELIMIT, WIRE_OK, WIRE_OK, WIRE_OK };
		for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
			memcpy(c, fill, 512);
			c[512] = (uint8_t)lens[i], c[513] = (uint8_t)(lens[i] >> 8);
			c[514] = (uint8_t)(lens[i] >> 16), c[515] = (uint8_t)(lens[i] >> 24);
			crypt_cfb8_nettle(sk, c, NRPC_PWBUF_LEN);
			memset(back, 0x77, sizeof(back));
			n = 999;
			assert_int_equal(nrpc_pwbuf_decrypt(sk, c, back, &n), want[i]);
			if (want[i] == WIRE_OK) {
				assert_int_equal(n, lens[i]);
				assert_memory_equal(back, fill + 512 - lens[i], lens[i]);
			} else {
				assert_int_equal(n, 999); /* untouched */
				assert_true(back[0] == 0 && back[511] == 0);
			}
		}
	}
#endif
	/* CFB8: flipping the last ciphertext byte flips only the length's top byte */
	memcpy(c, enc, sizeof(c));
	c[515] ^= 1;
	assert_int_equal(nrpc_pwbuf_decrypt(sk, c, back, &n), WIRE_ELIMIT);
	/* any bit flip anywhere: a bounded answer, never a crash (ASan) */
	for (size_t i = 0; i < NRPC_PWBUF_LEN; i++) {
		for (int bit = 0; bit < 8; bit++) {
			int rc;
			memcpy(c, enc, sizeof(c));
			c[i] ^= (uint8_t)(1u << bit);
			rc = nrpc_pwbuf_decrypt(sk, c, back, &n);
			assert_true(rc == WIRE_OK || rc == WIRE_EBAD || rc == WIRE_ELIMIT);
			if (rc == WIRE_OK)
				assert_true(n <= NRPC_PWBUF_MAX_PW && n % 2 == 0);
		}
	}
}

/* ---- schannel ---- */

static void test_schannel_ms_nrpc_4_3(void **state)
{
	uint8_t sk[16], conf[8], msg[BUF_MAX], plain[BUF_MAX], sig[SCHANNEL_SIG_LEN];
	size_t n = unhex(v2_plain_hex, msg);
	struct schannel_msg m = { msg, n, 0, n };

	(void)state;
	assert_int_equal(n, 224); /* PROTOCOLS.md §10 says 144; the vector has 224 */
	memcpy(plain, msg, n);
	unhex(v2_sk_hex, sk), unhex(v2_conf_hex, conf);
	assert_int_equal(schannel_wrap(sk, 0, 1, 1, conf, &m, sig), WIRE_OK);
	assert_hex(sig, 32, v2_sig_hex);
	for (int i = 32; i < SCHANNEL_SIG_LEN; i++)
		assert_int_equal(sig[i], 0);
	assert_hex(msg, n, v2_sealed_hex);
	/* the DC's side: the client sent seq 0 */
	assert_int_equal(schannel_unwrap(sk, 0, 1, 1, &m, sig, sizeof(sig)), WIRE_OK);
	assert_memory_equal(msg, plain, n);
}

static void test_schannel_ms_nrpc_4_3_1_header_signing(void **state)
{
	uint8_t sk[16], conf[8], pdu[BUF_MAX], stub[BUF_MAX], sig[SCHANNEL_SIG_LEN];
	size_t h = unhex(v2b_pdu_hdr_hex, pdu);
	size_t s = unhex(v2_plain_hex, pdu + h);
	size_t t = unhex(v2b_trailer_hex, pdu + h + s);
	struct schannel_msg m = { pdu, h + s + t, h, s };

	(void)state;
	memcpy(stub, pdu + h, s);
	unhex(v2_sk_hex, sk), unhex(v2_conf_hex, conf);
	assert_int_equal(schannel_wrap(sk, 0, 1, 1, conf, &m, sig), WIRE_OK);
	assert_hex(sig, 32, v2b_sig_hex);
	assert_hex(pdu + h, s, v2_sealed_hex); /* same ciphertext as 4.3 */
	assert_hex(pdu, h, v2b_pdu_hdr_hex);    /* header and trailer stay clear */
	assert_hex(pdu + h + s, t, v2b_trailer_hex);
	assert_int_equal(schannel_unwrap(sk, 0, 1, 1, &m, sig, sizeof(sig)), WIRE_OK);
	assert_memory_equal(pdu + h, stub, s);
}

static void test_schannel_samba_seal_vector(void **state)
{
	/* Samba test_schannel.c torture_schannel_seal_aes: seq bytes 00000000 80000000 = seq 0, client */
	static const char clear_hex[] =
		"0100000000000200" "0100000004000200" "0100000001010000" "0000000100000000"
		"0000000000000000" "0100000000000000" "0000000000000000" "8ae3137102f43671"
		"0100040001000000" "0240280078573412" "3412cdabef000123" "456789ab00000000"
		"045d888aeb1cc911" "9fe808002b104860" "0200000000000000" "0000000000000000";
	static const char crypt_hex[] =
		"e2e5e32645fbfcf3" "9c14dde13923e055" "ed8ff492a1bddc40" "586fd25bf9c9a387"
		"464b7fb203d23522" "3e709f1e3f1fdb7d" "79885a3dd3401e69" "d7e21d5ae93be1e2"
		"98fdcb3af7b51cf8" "ca0200999f0c01e6" "d200afe051886250" "b7e86d634b9705c1"
		"d483962980aed8a2" "edc95d0d29ff2c23" "02fa3beee8ba0601" "95df80760b170ed8";
	static const size_t sizes[] = { 128, 0, 1, 3, 7, 8, 9, 15, 16, 17 };
	uint8_t sk[16], conf[8], clear[BUF_MAX], crypt[BUF_MAX], msg[BUF_MAX], sig[SCHANNEL_SIG_LEN], seq[8];

	(void)state;
	unhex("8EE8278583413C8DC95470758EC96991", sk);
	unhex("6E09259401A00931", conf);
	assert_int_equal(unhex(clear_hex, clear), 128);
	assert_int_equal(unhex(crypt_hex, crypt), 128);
	schannel_seq_bytes(0, 1, seq);
	assert_hex(seq, 8, "0000000080000000");
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct schannel_msg m = { msg, sizes[i], 0, sizes[i] };
		memcpy(msg, clear, sizes[i]);
		assert_int_equal(schannel_wrap(sk, 0, 1, 1, conf, &m, sig), WIRE_OK);
		assert_hex(sig + 24, 8, "CAFBACFBA826752A");
		assert_memory_equal(msg, crypt, sizes[i]);
		assert_int_equal(schannel_unwrap(sk, 0, 1, 1, &m, sig, sizeof(sig)), WIRE_OK);
		assert_memory_equal(msg, clear, sizes[i]);
	}
}

static void test_schannel_scapy_both_directions(void **state)
{
	/* scapy msnrpc.uts NetlogonSSP AES: zero key, confounder "00000000", "header" signed only */
	static const char data[] = "testAAAAAAAAAABBBBBBBBBCCCCCCCCCDDDDDDDDDEEEEEEEEE";
	uint8_t sk[16] = { 0 }, msg[64], sig[SCHANNEL_SIG_LEN];
	const uint8_t *conf = (const uint8_t *)"00000000";
	size_t dl = strlen(data);
	struct schannel_msg m = { msg, 6 + dl, 6, dl };
	char zeros[49];

	(void)state;
	memset(zeros, '0', 48);
	zeros[48] = 0;
	/* client -> server, seq 0 */
	memcpy(msg, "header", 6), memcpy(msg + 6, data, dl);
	assert_int_equal(schannel_wrap(sk, 0, 1, 1, conf, &m, sig), WIRE_OK);
	assert_hex(msg + 6, dl, "bf1a50b4b534e45e1afef31f28fa5bc406db5f1a39903c72e75197ac528233ee5d62f5a07723346eaa236af0c0704f6588f3");
	assert_hex(sig, 32, "13001a00ffff00002e0a8eced21406579738e2ad8cdd8e66eb61a515b2c2ce3f");
	assert_hex(sig + 32, 24, zeros);
	assert_int_equal(schannel_unwrap(sk, 0, 1, 1, &m, sig, sizeof(sig)), WIRE_OK);
	assert_memory_equal(msg + 6, data, dl);
	/* server -> client, seq 1 */
	assert_int_equal(schannel_wrap(sk, 1, 0, 1, conf, &m, sig), WIRE_OK);
	assert_hex(msg + 6, dl, "f9b167afb8871fd5e012292e8d57f10c4716f5b43ade91d5038a23a6e16a5b2a55fcdbfa02cd85824f119038bdf371d63e50");
	assert_hex(sig, 32, "13001a00ffff00002e0a8ecfbe6b20849738e2ad8cdd8e66539bf34447f45b1c");
	assert_int_equal(schannel_unwrap(sk, 1, 0, 1, &m, sig, sizeof(sig)), WIRE_OK);
	assert_memory_equal(msg + 6, data, dl);
}

static void test_schannel_oracle_sign_only_and_high_seq(void **state)
{
	uint8_t sk[16], conf[8], pdu[BUF_MAX], sig[SCHANNEL_SIG_LEN], copy[BUF_MAX];
	size_t h = unhex(v2b_pdu_hdr_hex, pdu), s = 40, t;
	struct schannel_msg m;

	(void)state;
	unhex(v2_sk_hex, sk), unhex(v2_conf_hex, conf);
	for (size_t i = 0; i < s; i++)
		pdu[h + i] = (uint8_t)i;
	t = unhex(v2b_trailer_hex, pdu + h + s);
	m = (struct schannel_msg){ pdu, h + s + t, h, s };
	memcpy(copy, pdu, m.msg_len);
	/* sign only, client, seq 7, header signing: the message is untouched */
	assert_int_equal(schannel_wrap(sk, 7, 1, 0, conf, &m, sig), WIRE_OK);
	assert_hex(sig, SCHANNEL_SIG_LEN,
		   "1300ffffffff0000cc40f3ff70e3e983d20ba8bd629b9db6"
		   "0000000000000000000000000000000000000000000000000000000000000000");
	assert_memory_equal(pdu, copy, m.msg_len);
	assert_int_equal(schannel_unwrap(sk, 7, 1, 0, &m, sig, SCHANNEL_SIG_MIN_SIGN), WIRE_OK);
	/* sealed, server, seq 2^32 + 2 (the high half lands in bytes 4..7) */
	m = (struct schannel_msg){ pdu + h, s, 0, s };
	assert_int_equal(schannel_wrap(sk, 0x100000002ull, 0, 1, conf, &m, sig), WIRE_OK);
	assert_hex(sig, SCHANNEL_SIG_LEN,
		   "13001a00ffff000069e0b9a1d1b6c96b77116b1c025e864a59dd8a598b8f7b4f"
		   "000000000000000000000000000000000000000000000000");
	assert_hex(pdu + h, s, "6da38485bd88733a3cf9fb727b6e354bd465e6f8d33b073480a4ed5d989b5d02036e410061e7ffd8");
	assert_int_equal(schannel_unwrap(sk, 0x100000002ull, 0, 1, &m, sig, sizeof(sig)), WIRE_OK);
	assert_memory_equal(pdu + h, copy + h, s);
	{
		uint8_t q[8];
		schannel_seq_bytes(0x100000002ull, 0, q);
		assert_hex(q, 8, "0000000200000001");
		schannel_seq_bytes(0x123456789abcdef0ull, 1, q);
		assert_hex(q, 8, "9abcdef092345678");
	}
}

/* Wrap with one setting, unwrap with another: which combinations pass. */
static void test_schannel_round_trips_and_mismatches(void **state)
{
	uint8_t sk[16], sk2[16], conf[8], buf[200], orig[200], sig[SCHANNEL_SIG_LEN];

	(void)state;
	unhex(v2_sk_hex, sk);
	memcpy(sk2, sk, 16);
	sk2[15] ^= 1;
	unhex(v2_conf_hex, conf);
	for (size_t len = 0; len < sizeof(buf); len += 13) {
		for (int seal = 0; seal < 2; seal++) {
			for (int dir = 0; dir < 2; dir++) {
				uint64_t seq = len * 3 + (uint64_t)dir;
				size_t off = len / 3;
				struct schannel_msg m = { buf, len, off, len - off };

				for (size_t i = 0; i < len; i++)
					orig[i] = (uint8_t)(i * 31 + len);
				memcpy(buf, orig, len);
				assert_int_equal(schannel_wrap(sk, seq, dir, seal, conf, &m, sig), WIRE_OK);
				if (seal && len - off >= 8)
					assert_memory_not_equal(buf + off, orig + off, len - off);
				/* wrong sequence, direction, key or protection level */
				{
					uint8_t save[200];
					memcpy(save, buf, len);
					assert_int_equal(schannel_unwrap(sk, seq + 1, dir, seal, &m, sig, sizeof(sig)), WIRE_EBAD);
					memcpy(buf, save, len);
					assert_int_equal(schannel_unwrap(sk, seq, !dir, seal, &m, sig, sizeof(sig)), WIRE_EBAD);
					memcpy(buf, save, len);
					assert_int_equal(schannel_unwrap(sk2, seq, dir, seal, &m, sig, sizeof(sig)), WIRE_EBAD);
					memcpy(buf, save, len);
					assert_int_equal(schannel_unwrap(sk, seq, dir, !seal, &m, sig, sizeof(sig)), WIRE_EBAD);
					memcpy(buf, save, len);
				}
				assert_int_equal(schannel_unwrap(sk, seq, dir, seal, &m, sig, sizeof(sig)), WIRE_OK);
				assert_memory_equal(buf, orig, len);
			}
		}
	}
}

struct tamper_ctx {
	const uint8_t *sk;
	uint64_t seq;
	int seal;
	size_t msg_len, data_off, data_len;
	const uint8_t *sig;
};

/* sweep input = sig (56) || message */
static int unwrap_tampered(const uint8_t *buf, size_t len, void *vctx)
{
	const struct tamper_ctx *t = vctx;
	uint8_t msg[BUF_MAX];
	struct schannel_msg m = { msg, t->msg_len, t->data_off, t->data_len };

	if (len != SCHANNEL_SIG_LEN + t->msg_len)
		return -1;
	memcpy(msg, buf + SCHANNEL_SIG_LEN, t->msg_len);
	return schannel_unwrap(t->sk, t->seq, 1, t->seal, &m, buf, SCHANNEL_SIG_LEN);
}

static void tamper_one(int seal)
{
	uint8_t sk[16], conf[8], in[BUF_MAX], sig[SCHANNEL_SIG_LEN];
	size_t h = unhex(v2b_pdu_hdr_hex, in + SCHANNEL_SIG_LEN), s = 48, t;
	uint8_t *pdu = in + SCHANNEL_SIG_LEN;
	struct tamper_ctx ctx;
	struct schannel_msg m;
	size_t covered = seal ? 32 : 24; /* bytes of the signature the receiver reads */

	unhex(v2_sk_hex, sk), unhex(v2_conf_hex, conf);
	for (size_t i = 0; i < s; i++)
		pdu[h + i] = (uint8_t)(0xA0 ^ i);
	t = unhex(v2b_trailer_hex, pdu + h + s);
	m = (struct schannel_msg){ pdu, h + s + t, h, s };
	assert_int_equal(schannel_wrap(sk, 42, 1, seal, conf, &m, sig), WIRE_OK);
	memcpy(in, sig, SCHANNEL_SIG_LEN);
	ctx = (struct tamper_ctx){ sk, 42, seal, m.msg_len, h, s, NULL };
	assert_int_equal(unwrap_tampered(in, SCHANNEL_SIG_LEN + m.msg_len, &ctx), WIRE_OK);
	/*
	 * Every single-bit change is refused except in the bytes the receiver
	 * must ignore: Reserved (32..55) and, sign-only, the Confounder (24..31).
	 */
	{
		size_t ignored_bits = (SCHANNEL_SIG_LEN - covered) * 8;
		assert_int_equal(sweep_bitflips(in, SCHANNEL_SIG_LEN + m.msg_len, unwrap_tampered, &ctx), ignored_bits);
	}
	/* prove that the ignored bits really are the ones accepted */
	for (size_t i = covered; i < SCHANNEL_SIG_LEN; i++) {
		in[i] ^= 0xFF;
		assert_int_equal(unwrap_tampered(in, SCHANNEL_SIG_LEN + m.msg_len, &ctx), WIRE_OK);
		in[i] ^= 0xFF;
	}
}

static void test_schannel_every_bit_flip_is_detected_sealed(void **state)
{
	(void)state;
	tamper_one(1);
}

static void test_schannel_every_bit_flip_is_detected_signed(void **state)
{
	(void)state;
	tamper_one(0);
}

static void test_schannel_short_signature_and_bad_ranges(void **state)
{
	uint8_t sk[16] = { 1 }, conf[8] = { 2 }, msg[32] = { 3 }, sig[SCHANNEL_SIG_LEN];
	struct schannel_msg m = { msg, sizeof(msg), 4, 20 };
	struct schannel_msg bad1 = { msg, sizeof(msg), 33, 0 }, bad2 = { msg, sizeof(msg), 16, 17 };
	struct schannel_msg bad3 = { msg, sizeof(msg), 1, SIZE_MAX };

	(void)state;
	assert_int_equal(schannel_wrap(sk, 0, 1, 1, conf, &m, sig), WIRE_OK);
	for (size_t n = 0; n < SCHANNEL_SIG_MIN_SEAL; n++)
		assert_int_equal(schannel_unwrap(sk, 0, 1, 1, &m, sig, n), WIRE_ETRUNC);
	assert_int_equal(schannel_wrap(sk, 0, 1, 0, conf, &m, sig), WIRE_OK);
	for (size_t n = 0; n < SCHANNEL_SIG_MIN_SIGN; n++)
		assert_int_equal(schannel_unwrap(sk, 0, 1, 0, &m, sig, n), WIRE_ETRUNC);
	assert_int_equal(schannel_unwrap(sk, 0, 1, 0, &m, sig, SCHANNEL_SIG_MIN_SIGN), WIRE_OK);
	assert_int_equal(schannel_wrap(sk, 0, 1, 1, conf, &bad1, sig), WIRE_EBAD);
	assert_int_equal(schannel_wrap(sk, 0, 1, 1, conf, &bad2, sig), WIRE_EBAD);
	assert_int_equal(schannel_wrap(sk, 0, 1, 1, conf, &bad3, sig), WIRE_EBAD);
	assert_int_equal(schannel_unwrap(sk, 0, 1, 1, &bad2, sig, sizeof(sig)), WIRE_EBAD);
}

static void test_schannel_failed_unseal_leaves_no_plaintext(void **state)
{
	uint8_t sk[16], conf[8], msg[64], sig[SCHANNEL_SIG_LEN];
	struct schannel_msg m = { msg, sizeof(msg), 8, 56 };

	(void)state;
	unhex(v2_sk_hex, sk), unhex(v2_conf_hex, conf);
	memset(msg, 'P', sizeof(msg));
	assert_int_equal(schannel_wrap(sk, 3, 0, 1, conf, &m, sig), WIRE_OK);
	msg[0] ^= 1; /* a signed-only header byte: decryption succeeds, the checksum fails */
	assert_int_equal(schannel_unwrap(sk, 3, 0, 1, &m, sig, sizeof(sig)), WIRE_EBAD);
	for (size_t i = 8; i < sizeof(msg); i++)
		assert_int_equal(msg[i], 0);
}

/*
 * NL_AUTH_MESSAGE (MS-NRPC 2.2.1.3.1), derived by hand: MessageType 0 (u32 LE), Flags 3
 * (NetBIOS domain | NetBIOS computer), then "LAB\0" and "WS1\0" as OEM strings.  The lab's
 * Samba DC accepted exactly these bytes in nltrust's schannel bind (tests/integration).
 */
static void test_nl_auth_negotiate_and_response(void **state)
{
	static const uint8_t want[] = { 0, 0, 0, 0, 3, 0, 0, 0, 'L', 'A', 'B', 0, 'W', 'S', '1', 0 };
	static const uint8_t resp[] = { 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	uint8_t buf[64];
	struct wwr w;

	(void)state;
	wwr_init(&w, buf, sizeof(buf));
	assert_int_equal(nl_auth_enc_negotiate(&w, "LAB", "WS1"), WIRE_OK);
	assert_int_equal(wwr_len(&w), sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	/* names that are not 1..15 printable ASCII characters are refused */
	wwr_init(&w, buf, sizeof(buf));
	assert_int_equal(nl_auth_enc_negotiate(&w, "", "WS1"), WIRE_EBAD);
	wwr_init(&w, buf, sizeof(buf));
	assert_int_equal(nl_auth_enc_negotiate(&w, "LAB", "A-NAME-OF-16-CH"), WIRE_OK);
	wwr_init(&w, buf, sizeof(buf));
	assert_int_equal(nl_auth_enc_negotiate(&w, "LAB", "A-NAME-OF-16-CHR"), WIRE_EBAD);
	wwr_init(&w, buf, sizeof(buf));
	assert_int_equal(nl_auth_enc_negotiate(&w, "LAB", "W S1"), WIRE_EBAD);
	/* a short buffer is the writer's error, not an overflow */
	wwr_init(&w, buf, 10);
	assert_int_not_equal(nl_auth_enc_negotiate(&w, "LAB", "WS1"), WIRE_OK);
	/* the response: type 1; a negotiate echoed back is not one; every prefix shorter than 8 fails */
	assert_int_equal(nl_auth_dec_response(resp, sizeof(resp)), WIRE_OK);
	assert_int_equal(nl_auth_dec_response(want, sizeof(want)), WIRE_EBAD);
	for (size_t n = 0; n < 8; n++)
		assert_int_not_equal(nl_auth_dec_response(resp, n), WIRE_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nt_hash_ms_nrpc_4_2),
		cmocka_unit_test(test_nt_hash_utf8_non_ascii),
		cmocka_unit_test(test_invalid_utf8_is_refused),
		cmocka_unit_test(test_degenerate_challenges),
		cmocka_unit_test(test_session_key_and_credentials_v1b),
		cmocka_unit_test(test_creds_init_refuses_zerologon_challenge),
		cmocka_unit_test(test_authenticator_chain_v1b),
		cmocka_unit_test(test_authenticator_scapy),
		cmocka_unit_test(test_failed_return_authenticator_commits_nothing),
		cmocka_unit_test(test_authenticator_timestamps_increase),
		cmocka_unit_test(test_pwbuf_oracle_and_round_trip),
		cmocka_unit_test(test_pwbuf_refuses_bad_passwords),
		cmocka_unit_test(test_pwbuf_decrypt_bounds),
		cmocka_unit_test(test_schannel_ms_nrpc_4_3),
		cmocka_unit_test(test_schannel_ms_nrpc_4_3_1_header_signing),
		cmocka_unit_test(test_schannel_samba_seal_vector),
		cmocka_unit_test(test_schannel_scapy_both_directions),
		cmocka_unit_test(test_schannel_oracle_sign_only_and_high_seq),
		cmocka_unit_test(test_schannel_round_trips_and_mismatches),
		cmocka_unit_test(test_schannel_every_bit_flip_is_detected_sealed),
		cmocka_unit_test(test_schannel_every_bit_flip_is_detected_signed),
		cmocka_unit_test(test_schannel_short_signature_and_bad_ranges),
		cmocka_unit_test(test_schannel_failed_unseal_leaves_no_plaintext),
		cmocka_unit_test(test_nl_auth_negotiate_and_response),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
