/*
 * proto/smb2_crypto.h - SMB2/3 cryptography (MS-SMB2 3.1.4): the SP800-108
 * key derivation, per-dialect session keys, message signing (HMAC-SHA256,
 * AES-128-CMAC, AES-128-GMAC), the 3.1.1 pre-authentication integrity hash
 * and encryption with the TRANSFORM header (AES-128/256-CCM/GCM).
 *
 * Pure (nettle): keys, nonces and messages are parameters; nothing here
 * allocates, reads the clock or the RNG.  Key schedules on the stack are
 * wiped before return.
 *
 * Return values are WIRE_OK (0) or an enum wire_err code (wire.h):
 * WIRE_EBAD for an unknown algorithm or a failed signature/tag check,
 * WIRE_ELIMIT / WIRE_ETRUNC / WIRE_ESPACE for lengths.
 */
#ifndef NLT_PROTO_SMB2_CRYPTO_H
#define NLT_PROTO_SMB2_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "smb2.h"
#include "wire.h"

#define SMB2_PREAUTH_HASH_LEN 64 /* SHA-512 */
#define SMB2_KEY_MAX 32

/*
 * SP800-108 counter mode with HMAC-SHA256 (MS-SMB2 3.1.4.2): r = 32,
 * L = out_len * 8 (16 or 32 bytes).  label and context are taken as given
 * (the NULs of MS-SMB2's strings are part of them).
 */
int smb2_kdf(const uint8_t *ki, size_t ki_len, const uint8_t *label, size_t label_len, const uint8_t *context,
	     size_t context_len, uint8_t *out, size_t out_len);

struct smb2_keys {
	uint8_t session_key[16];        /* Session.SessionKey: first 16 bytes of the GSS key, zero-padded */
	uint8_t signing[16];            /* Session.SigningKey (2.x: the session key) */
	uint8_t application[16];        /* Session.ApplicationKey (2.x: the session key) */
	uint8_t encryption[SMB2_KEY_MAX]; /* client -> server (3.x) */
	uint8_t decryption[SMB2_KEY_MAX]; /* server -> client (3.x) */
	size_t cipher_key_len;          /* 16, or 32 for the AES-256 ciphers; 0 before 3.0 */
};

/*
 * Derive a session's keys from the GSS session key (gss_key, any length;
 * MS-SMB2 3.2.5.3.1) for a dialect.  3.0/3.0.2 use the fixed labels; 3.1.1
 * needs the session's pre-auth hash and the negotiated cipher (AES-256
 * ciphers derive 32-byte cipher keys from the full GSS key).  cipher is
 * ignored before 3.1.1 (3.0.x is always AES-128-CCM).
 */
int smb2_derive_keys(uint16_t dialect, uint16_t cipher, const uint8_t *gss_key, size_t gss_key_len,
		     const uint8_t preauth[SMB2_PREAUTH_HASH_LEN], struct smb2_keys *k);
void smb2_keys_wipe(struct smb2_keys *k);

/* H = SHA-512(H || msg) (3.2.5.2, 3.2.5.3.1); H starts as 64 zero bytes. */
void smb2_preauth_update(uint8_t h[SMB2_PREAUTH_HASH_LEN], const uint8_t *msg, size_t len);

/*
 * The signing algorithm of a session: HMAC-SHA256 for 2.0.2/2.1, AES-CMAC
 * for 3.0/3.0.2, and for 3.1.1 the negotiated SIGNING_CAPABILITIES id (or
 * AES-CMAC without one).
 */
uint16_t smb2_sign_alg_for(uint16_t dialect, int has_sign_alg, uint16_t sign_alg);

/*
 * Sign one message (one element of a chain, with its padding) in place:
 * zero the Signature, compute it over the whole message, store it.  Sets
 * no header flag; the caller sets SMB2_FLAGS_SIGNED before.
 */
int smb2_sign(uint16_t alg, const uint8_t key[16], uint8_t *msg, size_t len);
/*
 * Verify a received message's signature without modifying it (constant-time
 * compare).  WIRE_EBAD when it does not match.
 */
int smb2_verify(uint16_t alg, const uint8_t key[16], const uint8_t *msg, size_t len);

/* Nonce length for a cipher: 11 (CCM) or 12 (GCM); 0 for an unknown id. */
size_t smb2_cipher_nonce_len(uint16_t cipher);
/* Key length: 16 or 32; 0 for an unknown id. */
size_t smb2_cipher_key_len(uint16_t cipher);

/*
 * Encrypt msg[len] (an SMB2 message or chain) into out[len + 52]: the
 * TRANSFORM header, then the ciphertext; the tag goes into the header's
 * Signature.  key is smb2_cipher_key_len(cipher) bytes.  The 16 nonce bytes
 * go into the header as given (they are authenticated); the cipher uses the
 * first 11 (CCM) or 12 (GCM).  MS-SMB2 2.2.41 has senders zero the rest,
 * which our client does; Windows 8 did not (Microsoft's 3.0 vector).
 */
int smb2_encrypt(uint16_t cipher, const uint8_t *key, const uint8_t nonce[16], uint64_t session_id,
		 const uint8_t *msg, size_t len, uint8_t *out, size_t out_cap, size_t *out_len);
/*
 * Decrypt a transformed message buf[len] into out (out_cap >= len - 52):
 * the header must decode (smb2_dec_transform), its session id must be
 * `session_id`, and the tag must verify.  WIRE_EBAD on any mismatch; out is
 * wiped then.
 */
int smb2_decrypt(uint16_t cipher, const uint8_t *key, uint64_t session_id, const uint8_t *buf, size_t len,
		 uint8_t *out, size_t out_cap, size_t *out_len);

#endif
