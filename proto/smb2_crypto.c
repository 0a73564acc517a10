/*
 * proto/smb2_crypto.c - SMB2/3 cryptography (MS-SMB2 3.1.4).  See smb2_crypto.h.
 */
#include "smb2_crypto.h"

#include <string.h>

#include <nettle/aes.h>
#include <nettle/ccm.h>
#include <nettle/cmac.h>
#include <nettle/gcm.h>
#include <nettle/hmac.h>
#include <nettle/memops.h>
#include <nettle/sha2.h>

/* A memset the compiler may not drop: wipes secrets before return. */
static void *(*const volatile wipe_memset)(void *, int, size_t) = memset;
static void wipe(void *p, size_t n)
{
	wipe_memset(p, 0, n);
}

/* ---- KDF (SP800-108 counter mode, HMAC-SHA256) ---- */

int smb2_kdf(const uint8_t *ki, size_t ki_len, const uint8_t *label, size_t label_len, const uint8_t *context,
	     size_t context_len, uint8_t *out, size_t out_len)
{
	struct hmac_sha256_ctx h;
	uint8_t blk[SHA256_DIGEST_SIZE], be[4];
	static const uint8_t zero = 0;
	uint32_t l_bits;

	if (out_len != 16 && out_len != 32)
		return WIRE_ELIMIT;
	/* L <= 256 bits: one HMAC block (i = 1) is enough */
	l_bits = (uint32_t)out_len * 8;
	hmac_sha256_set_key(&h, ki_len, ki);
	be[0] = 0, be[1] = 0, be[2] = 0, be[3] = 1;
	hmac_sha256_update(&h, 4, be);
	hmac_sha256_update(&h, label_len, label);
	hmac_sha256_update(&h, 1, &zero);
	hmac_sha256_update(&h, context_len, context);
	be[0] = (uint8_t)(l_bits >> 24), be[1] = (uint8_t)(l_bits >> 16), be[2] = (uint8_t)(l_bits >> 8),
	be[3] = (uint8_t)l_bits;
	hmac_sha256_update(&h, 4, be);
	hmac_sha256_digest(&h, sizeof(blk), blk);
	memcpy(out, blk, out_len);
	wipe(blk, sizeof(blk));
	wipe(&h, sizeof(h));
	return WIRE_OK;
}

/* labels and contexts with their NULs (MS-SMB2 3.2.5.3.1) */
#define LBL(s) (const uint8_t *)(s), sizeof(s)

size_t smb2_cipher_nonce_len(uint16_t cipher)
{
	switch (cipher) {
	case SMB2_CIPHER_AES128_CCM: case SMB2_CIPHER_AES256_CCM: return 11;
	case SMB2_CIPHER_AES128_GCM: case SMB2_CIPHER_AES256_GCM: return 12;
	default: return 0;
	}
}

size_t smb2_cipher_key_len(uint16_t cipher)
{
	switch (cipher) {
	case SMB2_CIPHER_AES128_CCM: case SMB2_CIPHER_AES128_GCM: return 16;
	case SMB2_CIPHER_AES256_CCM: case SMB2_CIPHER_AES256_GCM: return 32;
	default: return 0;
	}
}

void smb2_keys_wipe(struct smb2_keys *k)
{
	wipe(k, sizeof(*k));
}

int smb2_derive_keys(uint16_t dialect, uint16_t cipher, const uint8_t *gss_key, size_t gss_key_len,
		     const uint8_t preauth[SMB2_PREAUTH_HASH_LEN], struct smb2_keys *k)
{
	const uint8_t *cki;
	size_t ckl;
	int err = WIRE_OK;

	memset(k, 0, sizeof(*k));
	if (gss_key_len == 0)
		return WIRE_EBAD;
	memcpy(k->session_key, gss_key, gss_key_len < 16 ? gss_key_len : 16);
	switch (dialect) {
	case SMB2_DIALECT_202:
	case SMB2_DIALECT_210:
		memcpy(k->signing, k->session_key, 16);
		memcpy(k->application, k->session_key, 16);
		return WIRE_OK;
	case SMB2_DIALECT_300:
	case SMB2_DIALECT_302:
		k->cipher_key_len = 16;
		err |= smb2_kdf(k->session_key, 16, LBL("SMB2AESCMAC"), LBL("SmbSign"), k->signing, 16);
		err |= smb2_kdf(k->session_key, 16, LBL("SMB2APP"), LBL("SmbRpc"), k->application, 16);
		err |= smb2_kdf(k->session_key, 16, LBL("SMB2AESCCM"), LBL("ServerIn "), k->encryption, 16);
		err |= smb2_kdf(k->session_key, 16, LBL("SMB2AESCCM"), LBL("ServerOut"), k->decryption, 16);
		break;
	case SMB2_DIALECT_311:
		if (!preauth)
			return WIRE_EBAD;
		err |= smb2_kdf(k->session_key, 16, LBL("SMBSigningKey"), preauth, SMB2_PREAUTH_HASH_LEN, k->signing, 16);
		err |= smb2_kdf(k->session_key, 16, LBL("SMBAppKey"), preauth, SMB2_PREAUTH_HASH_LEN, k->application, 16);
		if (cipher == SMB2_CIPHER_NONE)
			break; /* no common cipher: no encryption on this connection */
		k->cipher_key_len = smb2_cipher_key_len(cipher);
		if (!k->cipher_key_len) {
			err = WIRE_EBAD;
			break;
		}
		/* AES-256: Session.FullSessionKey (3.2.5.3.1) */
		cki = k->cipher_key_len == 32 ? gss_key : k->session_key;
		ckl = k->cipher_key_len == 32 ? gss_key_len : 16;
		err |= smb2_kdf(cki, ckl, LBL("SMBC2SCipherKey"), preauth, SMB2_PREAUTH_HASH_LEN, k->encryption,
				k->cipher_key_len);
		err |= smb2_kdf(cki, ckl, LBL("SMBS2CCipherKey"), preauth, SMB2_PREAUTH_HASH_LEN, k->decryption,
				k->cipher_key_len);
		break;
	default:
		err = WIRE_EBAD;
	}
	if (err) {
		smb2_keys_wipe(k);
		return WIRE_EBAD;
	}
	return WIRE_OK;
}

void smb2_preauth_update(uint8_t h[SMB2_PREAUTH_HASH_LEN], const uint8_t *msg, size_t len)
{
	struct sha512_ctx c;

	sha512_init(&c);
	sha512_update(&c, SMB2_PREAUTH_HASH_LEN, h);
	sha512_update(&c, len, msg);
	sha512_digest(&c, SMB2_PREAUTH_HASH_LEN, h);
}

/* ---- signing ---- */

uint16_t smb2_sign_alg_for(uint16_t dialect, int has_sign_alg, uint16_t sign_alg)
{
	if (dialect < SMB2_DIALECT_300)
		return SMB2_SIGN_HMAC_SHA256;
	if (dialect == SMB2_DIALECT_311 && has_sign_alg)
		return sign_alg;
	return SMB2_SIGN_AES_CMAC;
}

static const uint8_t zero_sig[SMB2_SIG_LEN];

/* The MAC of msg with its Signature field read as zeros; nothing is written to msg. */
static int mac(uint16_t alg, const uint8_t key[16], const uint8_t *msg, size_t len, uint8_t out[16])
{
	if (len < SMB2_HDR_LEN)
		return WIRE_ETRUNC;
	switch (alg) {
	case SMB2_SIGN_HMAC_SHA256: {
		struct hmac_sha256_ctx h;
		uint8_t d[SHA256_DIGEST_SIZE];

		hmac_sha256_set_key(&h, 16, key);
		hmac_sha256_update(&h, SMB2_SIG_OFF, msg);
		hmac_sha256_update(&h, SMB2_SIG_LEN, zero_sig);
		hmac_sha256_update(&h, len - SMB2_HDR_LEN, msg + SMB2_HDR_LEN);
		hmac_sha256_digest(&h, sizeof(d), d);
		memcpy(out, d, 16);
		wipe(d, sizeof(d));
		wipe(&h, sizeof(h));
		return WIRE_OK;
	}
	case SMB2_SIGN_AES_CMAC: {
		struct cmac_aes128_ctx c;

		cmac_aes128_set_key(&c, key);
		cmac_aes128_update(&c, SMB2_SIG_OFF, msg);
		cmac_aes128_update(&c, SMB2_SIG_LEN, zero_sig);
		cmac_aes128_update(&c, len - SMB2_HDR_LEN, msg + SMB2_HDR_LEN);
		cmac_aes128_digest(&c, 16, out);
		wipe(&c, sizeof(c));
		return WIRE_OK;
	}
	case SMB2_SIGN_AES_GMAC: {
		/* 3.1.4.1: nonce = MessageId (8 bytes LE), then a 32-bit LE word:
		 * bit 0 set by the server (a response), bit 1 for a CANCEL request */
		struct gcm_aes128_ctx g;
		uint8_t nonce[12];
		uint32_t flags = ld_u32le(msg + 16), word = 0;
		uint16_t cmd = ld_u16le(msg + 12);

		memcpy(nonce, msg + 24, 8);
		if (flags & SMB2_FLAGS_SERVER_TO_REDIR)
			word |= 1;
		else if (cmd == SMB2_CANCEL)
			word |= 2;
		nonce[8] = (uint8_t)word, nonce[9] = 0, nonce[10] = 0, nonce[11] = 0;
		gcm_aes128_set_key(&g, key);
		gcm_aes128_set_iv(&g, sizeof(nonce), nonce);
		/* AAD only: every update but the last is a multiple of 16 bytes */
		gcm_aes128_update(&g, SMB2_SIG_OFF, msg);
		gcm_aes128_update(&g, SMB2_SIG_LEN, zero_sig);
		gcm_aes128_update(&g, len - SMB2_HDR_LEN, msg + SMB2_HDR_LEN);
		gcm_aes128_digest(&g, 16, out);
		wipe(&g, sizeof(g));
		return WIRE_OK;
	}
	default:
		return WIRE_EBAD;
	}
}

int smb2_sign(uint16_t alg, const uint8_t key[16], uint8_t *msg, size_t len)
{
	uint8_t sig[16];
	int err = mac(alg, key, msg, len, sig);

	if (err)
		return err;
	memcpy(msg + SMB2_SIG_OFF, sig, SMB2_SIG_LEN);
	return WIRE_OK;
}

int smb2_verify(uint16_t alg, const uint8_t key[16], const uint8_t *msg, size_t len)
{
	uint8_t sig[16];
	int err = mac(alg, key, msg, len, sig);

	if (err)
		return err;
	return memeql_sec(sig, msg + SMB2_SIG_OFF, SMB2_SIG_LEN) ? WIRE_OK : WIRE_EBAD;
}

/* ---- encryption ---- */

union aead_ctx {
	struct ccm_aes128_ctx ccm128;
	struct ccm_aes256_ctx ccm256;
	struct gcm_aes128_ctx gcm128;
	struct gcm_aes256_ctx gcm256;
};

/* Run the AEAD over aad (32 bytes) and in[len] -> out; tag into tag[16]. */
static int aead(uint16_t cipher, int encrypt, const uint8_t *key, const uint8_t *nonce, const uint8_t *aad,
		const uint8_t *in, size_t len, uint8_t *out, uint8_t tag[16])
{
	union aead_ctx c;
	size_t nl = smb2_cipher_nonce_len(cipher);

	switch (cipher) {
	case SMB2_CIPHER_AES128_CCM:
		ccm_aes128_set_key(&c.ccm128, key);
		ccm_aes128_set_nonce(&c.ccm128, nl, nonce, SMB2_TRANSFORM_AAD_LEN, len, 16);
		ccm_aes128_update(&c.ccm128, SMB2_TRANSFORM_AAD_LEN, aad);
		(encrypt ? ccm_aes128_encrypt : ccm_aes128_decrypt)(&c.ccm128, len, out, in);
		ccm_aes128_digest(&c.ccm128, 16, tag);
		break;
	case SMB2_CIPHER_AES256_CCM:
		ccm_aes256_set_key(&c.ccm256, key);
		ccm_aes256_set_nonce(&c.ccm256, nl, nonce, SMB2_TRANSFORM_AAD_LEN, len, 16);
		ccm_aes256_update(&c.ccm256, SMB2_TRANSFORM_AAD_LEN, aad);
		(encrypt ? ccm_aes256_encrypt : ccm_aes256_decrypt)(&c.ccm256, len, out, in);
		ccm_aes256_digest(&c.ccm256, 16, tag);
		break;
	case SMB2_CIPHER_AES128_GCM:
		gcm_aes128_set_key(&c.gcm128, key);
		gcm_aes128_set_iv(&c.gcm128, nl, nonce);
		gcm_aes128_update(&c.gcm128, SMB2_TRANSFORM_AAD_LEN, aad);
		(encrypt ? gcm_aes128_encrypt : gcm_aes128_decrypt)(&c.gcm128, len, out, in);
		gcm_aes128_digest(&c.gcm128, 16, tag);
		break;
	case SMB2_CIPHER_AES256_GCM:
		gcm_aes256_set_key(&c.gcm256, key);
		gcm_aes256_set_iv(&c.gcm256, nl, nonce);
		gcm_aes256_update(&c.gcm256, SMB2_TRANSFORM_AAD_LEN, aad);
		(encrypt ? gcm_aes256_encrypt : gcm_aes256_decrypt)(&c.gcm256, len, out, in);
		gcm_aes256_digest(&c.gcm256, 16, tag);
		break;
	default:
		return WIRE_EBAD;
	}
	wipe(&c, sizeof(c));
	return WIRE_OK;
}

int smb2_encrypt(uint16_t cipher, const uint8_t *key, const uint8_t nonce[16], uint64_t session_id,
		 const uint8_t *msg, size_t len, uint8_t *out, size_t out_cap, size_t *out_len)
{
	struct smb2_transform t;
	struct wwr w;
	size_t nl = smb2_cipher_nonce_len(cipher);
	uint8_t tag[16];
	int err;

	*out_len = 0;
	if (!nl)
		return WIRE_EBAD;
	if (len < SMB2_HDR_LEN)
		return WIRE_ETRUNC;
	if (len > UINT32_MAX - SMB2_TRANSFORM_LEN)
		return WIRE_ELIMIT;
	if (out_cap < len + SMB2_TRANSFORM_LEN)
		return WIRE_ESPACE;
	memset(&t, 0, sizeof(t));
	memcpy(t.nonce, nonce, 16);
	t.original_size = (uint32_t)len;
	t.flags = SMB2_TRANSFORM_FLAG_ENCRYPTED;
	t.session_id = session_id;
	wwr_init(&w, out, SMB2_TRANSFORM_LEN);
	smb2_put_transform(&w, &t);
	if (wwr_err(&w))
		return wwr_err(&w);
	err = aead(cipher, 1, key, t.nonce, out + SMB2_TRANSFORM_AAD_OFF, msg, len, out + SMB2_TRANSFORM_LEN, tag);
	if (err)
		return err;
	memcpy(out + 4, tag, 16);
	*out_len = len + SMB2_TRANSFORM_LEN;
	return WIRE_OK;
}

int smb2_decrypt(uint16_t cipher, const uint8_t *key, uint64_t session_id, const uint8_t *buf, size_t len,
		 uint8_t *out, size_t out_cap, size_t *out_len)
{
	struct smb2_transform t;
	uint8_t tag[16];
	size_t n;
	int err;

	*out_len = 0;
	if (!smb2_cipher_nonce_len(cipher))
		return WIRE_EBAD;
	if ((err = smb2_dec_transform(buf, len, &t)))
		return err;
	if (t.session_id != session_id)
		return WIRE_EBAD;
	n = len - SMB2_TRANSFORM_LEN;
	if (out_cap < n)
		return WIRE_ESPACE;
	err = aead(cipher, 0, key, t.nonce, buf + SMB2_TRANSFORM_AAD_OFF, buf + SMB2_TRANSFORM_LEN, n, out, tag);
	if (err)
		return err;
	if (!memeql_sec(tag, t.signature, 16)) {
		wipe(out, n);
		return WIRE_EBAD;
	}
	*out_len = n;
	return WIRE_OK;
}
