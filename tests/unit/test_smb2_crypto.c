/*
 * tests/unit/test_smb2_crypto.c - proto/smb2_crypto.c: SMB2/3 key derivation,
 * pre-auth integrity, signing and encryption.
 *
 * Golden values (tests/vectors/README.md, "SMB2/3"):
 *  - Microsoft, "Encryption in SMB 3.0: A protocol perspective" (Open
 *    Specifications blog, 2012): 3.0 session key -> signing, encryption,
 *    decryption and application keys; an AES-128-CCM WRITE request and the
 *    WRITE and READ responses, plain and transformed (ccm_*);
 *  - Microsoft, "SMB 3.1.1 Pre-authentication integrity in Windows 10"
 *    (2015): NEGOTIATE and SESSION_SETUP messages, the SHA-512 chain after
 *    each, the session key and the signing key (negreq..h5);
 *  - Microsoft, "SMB 3.1.1 Encryption in Windows 10" (2015): a 3.1.1
 *    session key and pre-auth hash -> AES-128-GCM keys, a WRITE request and
 *    response, plain and transformed (gcm_*).
 *  The hex was taken from EMC/Dell's pike test suite (test_vectors.py),
 *  which quotes those posts, and checked against the posts' text where
 *  stored; python3-cryptography decrypts every transformed message to its
 *  plain one (so the transcription is consistent).
 *  - No Microsoft vector exists for a message signature, for AES-256 or for
 *    AES-GMAC signing: those values were computed independently with
 *    python3-cryptography 48 (CMAC, AESGCM, AESCCM, hmac/hashlib) from the
 *    MS-SMB2 3.1.4.1 / 3.1.4.2 / 3.1.4.3 definitions (script in
 *    tests/vectors/README.md).  They check our nettle calls and framing
 *    against another implementation of the same reading of the spec.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "smb2.h"
#include "smb2_crypto.h"
#include "sweep.h"

#define BUF_MAX 4096

static size_t unhex(const char *hex, uint8_t *out)
{
	return sweep_unhex(hex, out, BUF_MAX);
}

static void assert_hex(const uint8_t *got, size_t n, const char *hex)
{
	uint8_t want[BUF_MAX];
	size_t wn = unhex(hex, want);

	assert_int_equal(n, wn);
	assert_memory_equal(got, want, n);
}

static const char negreq_hex[] =
	"fe534d4240000100000000000000800000000000000000000100000000000000fffe0000000000000000000000000000"
	"0000000000000000000000000000000024000500000000003f000000ecd86f326276024f9f7752b89bb33f3a70000000"
	"020000000202100200030203110300000100260000000000010020000100fa49e6578f1f3a9f4cd3e9cc14a67aa884b3"
	"d05844e0e5a118225c15887f32ff00000200060000000000020002000100";

static const char h1_hex[] =
	"dd94efc5321bb618a2e208ba8920d2f422992526947a409b5037de1e0fe8c7362b8c47122594cde0ce26aa9dfc8bcdbd"
	"e0621957672623351a7540f1e54a0426";

static const char negresp_hex[] =
	"fe534d4240000100000000000000010001000000000000000100000000000000fffe0000000000000000000000000000"
	"00000000000000000000000000000000410001001103020039cbcaf329714942bdce5d60f09ab3fb2f00000000008000"
	"0000800000008000d8dae5adcbaed00109094ab095aed00180004001c00100006082013c06062b0601050502a0820130"
	"3082012ca01a3018060a2b06010401823702021e060a2b06010401823702020aa282010c048201084e45474f45585453"
	"010000000000000060000000700000007c7cc0fd06d6362d02dde1cf343bfe292900f49750b4aa97934d9c4296b26e51"
	"fd370471b235e15a50dae15bd5489c870000000000000000600000000100000000000000000000005c33530deaf90d4d"
	"b2ec4ae3786ec3084e45474f45585453030000000100000040000000980000007c7cc0fd06d6362d02dde1cf343bfe29"
	"5c33530deaf90d4db2ec4ae3786ec30840000000580000003056a05430523027802530233121301f0603550403131854"
	"6f6b656e205369676e696e67205075626c6963204b65793027802530233121301f06035504031318546f6b656e205369"
	"676e696e67205075626c6963204b6579010026000000000001002000010060a3c3b95c3c7ccd51ec536648d9b3ac74c4"
	"83ca5b65385a251117beb30712e50000020004000000000001000200";

static const char h2_hex[] =
	"324bfa92a4f3a190e466ebea08d9c110dc88bfed758d9846ecc6f541cc1d02ae3c94a79f36011e997e13f841b91b5095"
	"7ad07b19c8e2539c0b23fdae09d2c513";

static const char ssreq1_hex[] =
	"fe534d4240000100000000000100800000000000000000000200000000000000fffe0000000000000000000000000000"
	"0000000000000000000000000000000019000001010000000000000058004a000000000000000000604806062b060105"
	"0502a03e303ca00e300c060a2b06010401823702020aa22a04284e544c4d5353500001000000978208e2000000000000"
	"00000000000000000000060380250000000f";

static const char h3_hex[] =
	"ac0b0f2b9986257700365e416d142a6edc96df03594a19e52a15f6bd0d041cd5d432f8ed42c55e33197a50c9ec00f146"
	"2b50c592211b1471a04b56088fdfd5f9";

static const char ssresp1_hex[] =
	"fe534d4240000100160000c00100010001000000000000000200000000000000fffe0000000000001900000000100000"
	"00000000000000000000000000000000090000004800b300a181b03081ada0030a0101a10c060a2b0601040182370202"
	"0aa281970481944e544c4d53535000020000000c000c003800000015828ae20d1d8ba31179d008000000000000000050"
	"005000440000000a0092270000000f53005500540033003100310002000c0053005500540033003100310001000c0053"
	"005500540033003100310004000c0053005500540033003100310003000c0053005500540033003100310007000800a1"
	"a1f5adcbaed00100000000";

static const char h4_hex[] =
	"2729e3440dfddd839e37193f6e8f20c20cefb3469e453a70cd980eec06b8835740a73760085633364c8989895ece81bf"
	"102deeb14d4b7d48afa76901a7a38387";

static const char ssreq2_hex[] =
	"fe534d4240000100000000000100800000000000000000000300000000000000fffe0000000000001900000000100000"
	"000000000000000000000000000000001900000101000000000000005800cf010000000000000000a18201cb308201c7"
	"a0030a0101a28201aa048201a64e544c4d53535000030000001800180090000000ee00ee00a80000000c000c00580000"
	"001a001a0064000000120012007e0000001000100096010000158288e2060380250000000fecac77a5f385a8bf9c38c7"
	"06eeeddcd3530055005400330031003100610064006d0069006e006900730074007200610074006f0072004400520049"
	"0056004500520033003100310000000000000000000000000000000000000000000000000063078eb639fe03e20a231c"
	"3ae3bf23080101000000000000a1a1f5adcbaed001bc4ad05f223cc90f0000000002000c005300550054003300310031"
	"0001000c0053005500540033003100310004000c0053005500540033003100310003000c005300550054003300310031"
	"0007000800a1a1f5adcbaed00106000400020000000800300030000000000000000000000000300000b61fefcaa857ea"
	"57bf1edcebf8974b8e0eba5a6dfd9d07a31d11b548f8c9d0cc0a00100000000000000000000000000000000000090016"
	"0063006900660073002f005300550054003300310031000000000000000000000000003b9bdff38f5ee8f9663f11a0f4"
	"c03a78a31204100100000063775a9a5fd97f0600000000";

static const char h5_hex[] =
	"0dd13628cc3ed218ef9df9772d436d0887ab9814bfae63a80aa845f36909db7928622dddad522d9751640a459762c5a9"
	"d6bb084cbb3ce6bdadef5d5bce3c6c01";

static const char gcm_wplain_hex[] =
	"fe534d4240000100000000000900010008000000000000000500000000000000fffe0000010000002500000000100000"
	"000000000000000000000000000000003100700017000000000000000000000006000000040000000100000004000000"
	"00000000000000007000000000000000536d623320656e6372797074696f6e2074657374696e67";

static const char gcm_wtrans_hex[] =
	"fd534d42bd73d97d2bc9001bcafac0fdff5feebcc7d6822d269caf48904c664c00000000870000000000010025000000"
	"001000006ecdd2a7afc7b47763057a041b8fd4daffe990b70c9e09d36c084e02d14ef247f8bde38acf6256f8b1d3b56f"
	"77fbdeb312fea5e92cbcc1ed8fb2ebbfaa75e49a4a394bb44576545567c24d4c014d47c9fbdfdafd2c4f9b72f8d25645"
	"2620a299f48e29e53d6b61d1c13a19e91af013f00d17e3abc2fc3d36c8c1b6b93973253852dbd442e46ee8";

static const char gcm_rtrans_hex[] =
	"fd534d42acbe1cb7ed343adf1725ef144d90d4b0e06831dd2e8eb7b40000000000000000500000000000010025000000"
	"0010000026bbbf949983a6c1c796559d0f2c510cb651d1f7b6ac8ded32a2a0b8f2d793a815c6f6b848d69767a215841a"
	"42d400ae6ddb5f0b44173a014973321fdd7950da6179159b82e03c9e18a050ff0ea1c967";

static const char gcm_rplain_hex[] =
	"fe534d4240000100000000000900010001000000000000000500000000000000fffe0000010000002500000000100000"
	"0000000000000000000000000000000011000000170000000000000000000000";

static const char gcm_pa_hex[] =
	"b23f3cbfd69487d9832b79b1594a367cdd950909b774c3a4c412b4fcea9edddba7db256ba2ea30e977f11f9b11324757"
	"8e0e915c6d2a513b8f2fca5707dc8770";

static const char ccm_wplain_hex[] =
	"fe534d4240000100000000000900400008000000000000000400000000000000fffe0000010000001100001400e40800"
	"000000000000000000000000000000003100700017000000000000000000000015010000390000020100000039020000"
	"00000000000000007000000000000000536d623320656e6372797074696f6e2074657374696e67";

static const char ccm_wtrans_hex[] =
	"fd534d4281a286535415445dae393921e44fa42e66e69a111892584fb5ed524a744da3ee870000000000010011000014"
	"00e4080025c8fee16605a437832d1cd52da9f4645333482a175fe5384563f45fcdafaef38bc62ba4d5c62897996625a4"
	"4c29be5658de2e6117585779e7b59ffd971278d08580d7fa899e410e910eabf5aa1db43050b33b49182637759ac15d84"
	"bfcdf5b6b238993c0f4cf4d6012023f6c627297075d84b7803912d0a9639634453595ef3e33ffe4e7ac2ab";

static const char ccm_wresp_trans_hex[] =
	"fd534d42a6015530a18f6d9affe22afae8e6648486000000000000001100001400e40800500000000000010011000014"
	"00e40800dbf46435c5f14169293ce079e344479bf670227e49873f458672c3098dac467dd5809f369d67409166515787"
	"1483e01f7becd02064eac3e235f913668bbc2f097980d4b378f1993eff6e60d177309e5b";

static const char ccm_wresp_plain_hex[] =
	"fe534d4240000100000000000900210009000000000000000400000000000000fffe0000010000001100001400e40800"
	"0000000000000000000000000000000011000000170000000000000000000000";

static const char ccm_rresp_trans_hex[] =
	"fd534d42abd518b68c2f04d7879f482b689eb83f87000000000000001100001400e40800670000000000010011000014"
	"00e40800493d6fe2bdbeb435cf5f546970c7bb57bf20e713c75a3d045507e0d68e5c0346659d6ffb8ac1504a786ca2bb"
	"89c9e7fe4f313e910a04180d2d0ea7df636329e5a3285984500ef86fe9d55da4fab9531cfdd4c551d47f3c73124bb459"
	"0a45052b694048b991ccf5";

static const char ccm_rresp_plain_hex[] =
	"fe534d4240000100000000000800210009000000000000000500000000000000fffe0000010000001100001400e40800"
	"0000000000000000000000000000000011005000170000000000000000000000536d623320656e6372797074696f6e20"
	"74657374696e67";

/* 3.0 session from "Encryption in SMB 3.0" */
#define S30_SESSION_ID 0x8e40014000011ull
static const char s30_session_key[] = "b4546771b515f766a86735532dd6c4f0";

static void test_kdf_smb30_microsoft(void **state)
{
	uint8_t sk[16];
	struct smb2_keys k;

	(void)state;
	unhex(s30_session_key, sk);
	assert_int_equal(smb2_derive_keys(SMB2_DIALECT_300, 0, sk, 16, NULL, &k), WIRE_OK);
	assert_hex(k.signing, 16, "f773cd23c18fd1e08ee510cada7cf852");
	assert_hex(k.encryption, 16, "261b72350558f2e9dcf613070383edbf");
	assert_hex(k.decryption, 16, "8fe2b57ec34d2db5b1a9727f526bbdb5");
	assert_hex(k.application, 16, "77432f808ce99156b5bc6a3676d730d1");
	assert_int_equal(k.cipher_key_len, 16);
	/* 3.0.2 uses the same labels */
	assert_int_equal(smb2_derive_keys(SMB2_DIALECT_302, 0, sk, 16, NULL, &k), WIRE_OK);
	assert_hex(k.signing, 16, "f773cd23c18fd1e08ee510cada7cf852");
	/* 2.x: the session key itself, no cipher keys */
	assert_int_equal(smb2_derive_keys(SMB2_DIALECT_210, 0, sk, 16, NULL, &k), WIRE_OK);
	assert_memory_equal(k.signing, sk, 16);
	assert_memory_equal(k.application, sk, 16);
	assert_int_equal(k.cipher_key_len, 0);
	/* a longer GSS key: only its first 16 bytes are the session key */
	{
		uint8_t big[32];
		memcpy(big, sk, 16);
		memset(big + 16, 0xaa, 16);
		assert_int_equal(smb2_derive_keys(SMB2_DIALECT_300, 0, big, 32, NULL, &k), WIRE_OK);
		assert_hex(k.signing, 16, "f773cd23c18fd1e08ee510cada7cf852");
	}
	/* refusals */
	assert_int_equal(smb2_derive_keys(0x0299, 0, sk, 16, NULL, &k), WIRE_EBAD);
	assert_int_equal(smb2_derive_keys(SMB2_DIALECT_311, SMB2_CIPHER_AES128_GCM, sk, 16, NULL, &k), WIRE_EBAD);
	assert_int_equal(smb2_derive_keys(SMB2_DIALECT_300, 0, sk, 0, NULL, &k), WIRE_EBAD);
	{
		uint8_t out[16];
		assert_int_equal(smb2_kdf(sk, 16, (const uint8_t *)"x", 1, NULL, 0, out, 20), WIRE_ELIMIT);
	}
}

static void test_preauth_and_kdf_smb311_microsoft(void **state)
{
	static const char *const msgs[] = { negreq_hex, negresp_hex, ssreq1_hex, ssresp1_hex, ssreq2_hex };
	static const char *const hashes[] = { h1_hex, h2_hex, h3_hex, h4_hex, h5_hex };
	uint8_t h[SMB2_PREAUTH_HASH_LEN] = { 0 }, m[BUF_MAX], sk[16];
	struct smb2_keys k;

	(void)state;
	for (size_t i = 0; i < 5; i++) {
		size_t n = unhex(msgs[i], m);
		smb2_preauth_update(h, m, n);
		assert_hex(h, sizeof(h), hashes[i]);
	}
	unhex("270e1ba896585eeb7af3472d3b4c75a7", sk);
	assert_int_equal(smb2_derive_keys(SMB2_DIALECT_311, SMB2_CIPHER_AES128_CCM, sk, 16, h, &k), WIRE_OK);
	assert_hex(k.signing, 16, "73fe7a9a77bef0bde49c650d8ccb5f76");
}

static void test_kdf_smb311_gcm_microsoft(void **state)
{
	uint8_t pa[SMB2_PREAUTH_HASH_LEN], sk[16];
	struct smb2_keys k;

	(void)state;
	unhex(gcm_pa_hex, pa);
	unhex("419fddf34c1e001909d362ae7fb6af79", sk);
	assert_int_equal(smb2_derive_keys(SMB2_DIALECT_311, SMB2_CIPHER_AES128_GCM, sk, 16, pa, &k), WIRE_OK);
	assert_hex(k.encryption, 16, "a2f5e80e5d59103034f32e52f698e5ec");
	assert_hex(k.decryption, 16, "748c50868c90f302962a5c35f5f9a8bf");
	assert_int_equal(k.cipher_key_len, 16);
	/* no common cipher: signing keys only */
	assert_int_equal(smb2_derive_keys(SMB2_DIALECT_311, SMB2_CIPHER_NONE, sk, 16, pa, &k), WIRE_OK);
	assert_int_equal(k.cipher_key_len, 0);
	assert_int_equal(smb2_derive_keys(SMB2_DIALECT_311, 9, sk, 16, pa, &k), WIRE_EBAD);
}

/* AES-256 keys: L = 256 from the full 32-byte GSS key (python3-cryptography, see top) */
static void test_kdf_smb311_aes256_independent(void **state)
{
	uint8_t full[32], pa[64];
	struct smb2_keys k;

	(void)state;
	for (int i = 0; i < 32; i++)
		full[i] = (uint8_t)(0x20 + i);
	for (int i = 0; i < 64; i++)
		pa[i] = (uint8_t)i;
	assert_int_equal(smb2_derive_keys(SMB2_DIALECT_311, SMB2_CIPHER_AES256_GCM, full, 32, pa, &k), WIRE_OK);
	assert_int_equal(k.cipher_key_len, 32);
	assert_hex(k.encryption, 32, "59d5d9f4060d5389e5e65e5e0bf210fae7870a9e398ba8ab2b4648a62a0834e8");
	assert_hex(k.decryption, 32, "03741ea966624e590e1405242c81615cbdac1548820af6c813075c2d9d55fccc");
	assert_hex(k.signing, 16, "97225841edb404125a0fba3bb16628d3");
	assert_hex(k.application, 16, "0b0408edf99897dd83d26f0455cc2bad");
}

struct dec_ctx {
	uint16_t cipher;
	const uint8_t *key;
	uint64_t sid;
};

static int sweep_decrypt(const uint8_t *buf, size_t len, void *vctx)
{
	struct dec_ctx *c = vctx;
	uint8_t out[BUF_MAX];
	size_t n;

	return smb2_decrypt(c->cipher, c->key, c->sid, buf, len, out, sizeof(out), &n);
}

/* decrypt trans_hex to plain_hex, then every truncation and every bit flip must fail */
static void check_decrypt(uint16_t cipher, const char *key_hex, uint64_t sid, const char *trans_hex,
			  const char *plain_hex)
{
	uint8_t key[32], t[BUF_MAX], out[BUF_MAX];
	size_t tn = unhex(trans_hex, t), n;
	struct dec_ctx c = { cipher, key, sid };

	unhex(key_hex, key);
	assert_int_equal(smb2_decrypt(cipher, key, sid, t, tn, out, sizeof(out), &n), WIRE_OK);
	assert_hex(out, n, plain_hex);
	assert_int_equal(smb2_decrypt(cipher, key, sid + 1, t, tn, out, sizeof(out), &n), WIRE_EBAD);
	assert_int_equal(smb2_decrypt(cipher, key, sid, t, tn, out, tn - 53, &n), WIRE_ESPACE);
	assert_int_equal(sweep_truncations(t, tn, sweep_decrypt, &c), 0);
	assert_int_equal(sweep_bitflips(t, tn, sweep_decrypt, &c), 0);
}

static void check_encrypt(uint16_t cipher, const char *key_hex, const char *nonce_hex, uint64_t sid,
			  const char *plain_hex, const char *trans_hex)
{
	uint8_t key[32], nonce[16], p[BUF_MAX], out[BUF_MAX];
	size_t pn = unhex(plain_hex, p), n;

	unhex(key_hex, key);
	unhex(nonce_hex, nonce);
	assert_int_equal(smb2_encrypt(cipher, key, nonce, sid, p, pn, out, sizeof(out), &n), WIRE_OK);
	assert_hex(out, n, trans_hex);
	assert_int_equal(smb2_encrypt(cipher, key, nonce, sid, p, pn, out, pn + 51, &n), WIRE_ESPACE);
}

static void test_ccm128_microsoft(void **state)
{
	(void)state;
	check_encrypt(SMB2_CIPHER_AES128_CCM, "261b72350558f2e9dcf613070383edbf", "66e69a111892584fb5ed524a744da3ee",
		      S30_SESSION_ID, ccm_wplain_hex, ccm_wtrans_hex);
	check_decrypt(SMB2_CIPHER_AES128_CCM, "261b72350558f2e9dcf613070383edbf", S30_SESSION_ID, ccm_wtrans_hex,
		      ccm_wplain_hex);
	check_decrypt(SMB2_CIPHER_AES128_CCM, "8fe2b57ec34d2db5b1a9727f526bbdb5", S30_SESSION_ID,
		      ccm_wresp_trans_hex, ccm_wresp_plain_hex);
	check_decrypt(SMB2_CIPHER_AES128_CCM, "8fe2b57ec34d2db5b1a9727f526bbdb5", S30_SESSION_ID,
		      ccm_rresp_trans_hex, ccm_rresp_plain_hex);
}

static void test_gcm128_microsoft(void **state)
{
	(void)state;
	check_encrypt(SMB2_CIPHER_AES128_GCM, "a2f5e80e5d59103034f32e52f698e5ec", "c7d6822d269caf48904c664c00000000",
		      0x100000000025ull, gcm_wplain_hex, gcm_wtrans_hex);
	check_decrypt(SMB2_CIPHER_AES128_GCM, "a2f5e80e5d59103034f32e52f698e5ec", 0x100000000025ull,
		      gcm_wtrans_hex, gcm_wplain_hex);
	check_decrypt(SMB2_CIPHER_AES128_GCM, "748c50868c90f302962a5c35f5f9a8bf", 0x100000000025ull,
		      gcm_rtrans_hex, gcm_rplain_hex);
}

/* python3-cryptography AESCCM/AESGCM with the AES-256 keys above, nonce a0 a1 ..., the 3.1.1 WRITE */
static const char ccm256_trans_hex[] =
	"fd534d424f925cf0e64fbefba4a8fc97d6464087a0a1a2a3a4a5a6a7a8a9aa0000000000870000000000010025000000"
	"001000005b400b58fe2d3e0b95d1e9c6d7589b8eaa0633358c16d18a60c0da9e9c94fbd0d1fea6942031e0549365c225"
	"927ee8156f9e1d578105837a12e4c28a57ad4d111c2e486d01c54a4dde4a9da6d9e3203db14118ee58c0ff9bb04effe0"
	"a56d362a35556e09799fbb1720a78dd9309fdf878c77a8443b9f5a200db2d5dfff023719e5fbd381e6e59f";
static const char gcm256_trans_hex[] =
	"fd534d42bea12036f7f5fbb63a36051fc9056f61a0a1a2a3a4a5a6a7a8a9aaab00000000870000000000010025000000"
	"001000009356957d0c8d565ab08bee5c102f938d735e138cc051a1038f4d8a3281e2421f7054c29e35a822476392fa46"
	"a7cd27cff836f5c3fa543fa1bff0a4846eed903ad0dacb2f39b73d1059ce6db27e823ca1029ba8209fd71b5fdd64bfc8"
	"80272fd8b7ebc9874cccae6c1ae44e380315fb722e94a4772374efa58da3e7016cd6483a2ae6e1b87c3631";
static const char k256_hex[] = "59d5d9f4060d5389e5e65e5e0bf210fae7870a9e398ba8ab2b4648a62a0834e8";

static void test_aes256_independent(void **state)
{
	(void)state;
	check_encrypt(SMB2_CIPHER_AES256_CCM, k256_hex, "a0a1a2a3a4a5a6a7a8a9aa0000000000", 0x100000000025ull,
		      gcm_wplain_hex, ccm256_trans_hex);
	check_decrypt(SMB2_CIPHER_AES256_CCM, k256_hex, 0x100000000025ull, ccm256_trans_hex, gcm_wplain_hex);
	check_encrypt(SMB2_CIPHER_AES256_GCM, k256_hex, "a0a1a2a3a4a5a6a7a8a9aaab00000000", 0x100000000025ull,
		      gcm_wplain_hex, gcm256_trans_hex);
	check_decrypt(SMB2_CIPHER_AES256_GCM, k256_hex, 0x100000000025ull, gcm256_trans_hex, gcm_wplain_hex);
}

static void test_encrypt_round_trips_and_refusals(void **state)
{
	static const uint16_t ciphers[] = { SMB2_CIPHER_AES128_CCM, SMB2_CIPHER_AES128_GCM, SMB2_CIPHER_AES256_CCM,
					    SMB2_CIPHER_AES256_GCM };
	uint8_t key[32], nonce[16] = { 1, 2, 3 }, p[BUF_MAX], t[BUF_MAX], out[BUF_MAX];
	size_t pn = unhex(gcm_wplain_hex, p), tn, n;

	(void)state;
	memset(key, 0x5a, sizeof(key));
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(smb2_encrypt(ciphers[i], key, nonce, 7, p, pn, t, sizeof(t), &tn), WIRE_OK);
		assert_int_equal(tn, pn + SMB2_TRANSFORM_LEN);
		assert_int_equal(smb2_decrypt(ciphers[i], key, 7, t, tn, out, sizeof(out), &n), WIRE_OK);
		assert_int_equal(n, pn);
		assert_memory_equal(out, p, pn);
		/* another cipher's key schedule must not accept it */
		assert_int_equal(smb2_decrypt(ciphers[(i + 1) % 4], key, 7, t, tn, out, sizeof(out), &n), WIRE_EBAD);
		assert_int_equal(n, 0);
	}
	assert_int_equal(smb2_cipher_nonce_len(SMB2_CIPHER_AES128_CCM), 11);
	assert_int_equal(smb2_cipher_nonce_len(SMB2_CIPHER_AES256_GCM), 12);
	assert_int_equal(smb2_encrypt(0, key, nonce, 7, p, pn, t, sizeof(t), &tn), WIRE_EBAD);
	assert_int_equal(smb2_encrypt(5, key, nonce, 7, p, pn, t, sizeof(t), &tn), WIRE_EBAD);
	assert_int_equal(smb2_encrypt(SMB2_CIPHER_AES128_GCM, key, nonce, 7, p, 63, t, sizeof(t), &tn), WIRE_ETRUNC);
	assert_int_equal(smb2_decrypt(5, key, 7, t, tn, out, sizeof(out), &n), WIRE_EBAD);
}

/* The 3.0 WRITE request (SIGNED set) signed with the 3.0 signing key; python3-cryptography */
static const char sign_key_hex[] = "f773cd23c18fd1e08ee510cada7cf852";
static const char cancel_hex[] =
	"fe534d4240000100000000000c00400008000000000000000400000000000000fffe0000010000001100001400e40800"
	"0000000000000000000000000000000004000000";

struct sig_ctx {
	uint16_t alg;
	const uint8_t *key;
};

static int sweep_verify(const uint8_t *buf, size_t len, void *vctx)
{
	struct sig_ctx *c = vctx;

	return smb2_verify(c->alg, c->key, buf, len);
}

static void check_sign(uint16_t alg, const char *msg_hex, uint32_t set_flags, const char *sig_hex)
{
	uint8_t key[16], m[BUF_MAX], copy[BUF_MAX];
	size_t n = unhex(msg_hex, m);
	struct sig_ctx c = { alg, key };

	unhex(sign_key_hex, key);
	m[16] |= (uint8_t)set_flags;
	memset(m + SMB2_SIG_OFF, 0xee, 16); /* whatever is there is ignored */
	assert_int_equal(smb2_sign(alg, key, m, n), WIRE_OK);
	assert_hex(m + SMB2_SIG_OFF, 16, sig_hex);
	memcpy(copy, m, n);
	assert_int_equal(smb2_verify(alg, key, m, n), WIRE_OK);
	assert_memory_equal(copy, m, n); /* verify leaves the message alone */
	assert_int_equal(sweep_bitflips(m, n, sweep_verify, &c), 0);
	assert_int_equal(sweep_truncations(m, n, sweep_verify, &c), 0);
	key[0] ^= 1;
	assert_int_equal(smb2_verify(alg, key, m, n), WIRE_EBAD);
}

static void test_signing_independent(void **state)
{
	(void)state;
	check_sign(SMB2_SIGN_HMAC_SHA256, ccm_wplain_hex, 0, "15486e7b0233c420ab1ff9ec29a0406c");
	check_sign(SMB2_SIGN_AES_CMAC, ccm_wplain_hex, 0, "a7c3978d77323e357f43b9747b7504ed");
	check_sign(SMB2_SIGN_AES_GMAC, ccm_wplain_hex, 0, "bf8b383744b03ce09decc5bbf99b064f");
	/* GMAC nonce: bit 0 for a response (SERVER_TO_REDIR), bit 1 for a CANCEL request */
	check_sign(SMB2_SIGN_AES_GMAC, ccm_wplain_hex, SMB2_FLAGS_SERVER_TO_REDIR, "1f58756ecc4208fda36a780f193724a2");
	check_sign(SMB2_SIGN_AES_GMAC, cancel_hex, 0, "a436df1493adff35d7c3524d540ce1fb");
	{
		uint8_t key[16] = { 0 }, m[64] = { 0 };
		assert_int_equal(smb2_sign(7, key, m, 64), WIRE_EBAD);
		assert_int_equal(smb2_sign(SMB2_SIGN_AES_CMAC, key, m, 63), WIRE_ETRUNC);
	}
	assert_int_equal(smb2_sign_alg_for(SMB2_DIALECT_202, 0, 0), SMB2_SIGN_HMAC_SHA256);
	assert_int_equal(smb2_sign_alg_for(SMB2_DIALECT_210, 1, SMB2_SIGN_AES_GMAC), SMB2_SIGN_HMAC_SHA256);
	assert_int_equal(smb2_sign_alg_for(SMB2_DIALECT_302, 1, SMB2_SIGN_AES_GMAC), SMB2_SIGN_AES_CMAC);
	assert_int_equal(smb2_sign_alg_for(SMB2_DIALECT_311, 0, 0), SMB2_SIGN_AES_CMAC);
	assert_int_equal(smb2_sign_alg_for(SMB2_DIALECT_311, 1, SMB2_SIGN_AES_GMAC), SMB2_SIGN_AES_GMAC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kdf_smb30_microsoft),
		cmocka_unit_test(test_preauth_and_kdf_smb311_microsoft),
		cmocka_unit_test(test_kdf_smb311_gcm_microsoft),
		cmocka_unit_test(test_kdf_smb311_aes256_independent),
		cmocka_unit_test(test_ccm128_microsoft),
		cmocka_unit_test(test_gcm128_microsoft),
		cmocka_unit_test(test_aes256_independent),
		cmocka_unit_test(test_encrypt_round_trips_and_refusals),
		cmocka_unit_test(test_signing_independent),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
