/*
 * proto/nrpc_crypto.h - MS-NRPC (Netlogon) secure-channel cryptography, AES
 * only: the NT hash, the session key, credentials and the authenticator
 * chain (MS-NRPC 3.1.4.3-3.1.4.5), the NL_TRUST_PASSWORD buffer of
 * NetrServerPasswordSet2 (2.2.1.3.7, 3.5.4.4.5) and the Netlogon secure
 * channel ("schannel", auth_type 0x44) signature and sealing (2.2.1.3.3,
 * 3.3.4.2.1, 3.3.4.2.2).
 *
 * Pure: challenges, timestamps, random fill, confounders, keys and sequence
 * numbers are parameters; nothing here allocates, reads the clock or the
 * RNG.  Key material on the stack is wiped before return.  DES and RC4
 * (NETLOGON_NEG_ARCFOUR / STRONG_KEYS without AES) are deliberately absent:
 * nltrust negotiates AES or gives up (DESIGN.md, security rules).
 *
 * Return values are WIRE_OK (0) or an enum wire_err code from wire.h:
 * WIRE_EBAD for a refused input or a failed check, WIRE_ELIMIT for a length
 * out of range, WIRE_ETRUNC for a signature shorter than its format.
 */
#ifndef NLT_PROTO_NRPC_CRYPTO_H
#define NLT_PROTO_NRPC_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "wire.h"

#define NRPC_NT_HASH_LEN 16  /* MD4 digest */
#define NRPC_SESSION_KEY_LEN 16
#define NRPC_CRED_LEN 8       /* NETLOGON_CREDENTIAL */
#define NRPC_CHALLENGE_LEN 8
#define NRPC_PWBUF_LEN 516    /* NL_TRUST_PASSWORD: Buffer[512] + Length */
#define NRPC_PWBUF_MAX_PW 512 /* password bytes (UTF-16LE) that fit */
#define NRPC_PWBUF_MIN_PW 14  /* Samba refuses shorter new passwords */

/* ---- NT hash (NTOWFv1) ---------------------------------------------- */

/*
 * MD4 of the password as UTF-16LE bytes, given raw (a machine password may
 * be any sequence of 16-bit units, not valid UTF-16).  len must be even.
 */
int nrpc_nt_hash_utf16le(const uint8_t *pw, size_t len, uint8_t out[NRPC_NT_HASH_LEN]);
/* The same for a UTF-8 password; refuses invalid UTF-8 (WIRE_EBAD). */
int nrpc_nt_hash_utf8(const char *pw, size_t len, uint8_t out[NRPC_NT_HASH_LEN]);
/*
 * Convert strict UTF-8 (no overlong forms, surrogates or code points above
 * U+10FFFF) to UTF-16LE in out[cap]; *out_len is the byte count.  No NUL
 * is added.  WIRE_EBAD on invalid input, WIRE_ESPACE when cap is too small.
 */
int nrpc_utf8_to_utf16le(const char *s, size_t len, uint8_t *out, size_t cap, size_t *out_len);

/* ---- challenges, session key, credentials --------------------------- */

/*
 * Nonzero when a client challenge may be sent (or, on a server, accepted):
 * its first 5 bytes must not all be equal (CVE-2020-1472; Windows and
 * Samba's netlogon_creds_is_random_challenge refuse such challenges, since
 * an all-equal challenge is what makes a zero credential likely under a
 * zero IV).  A client draws 8 random bytes until this holds.
 */
int nrpc_challenge_ok(const uint8_t challenge[NRPC_CHALLENGE_LEN]);

/* MS-NRPC 3.1.4.3.1: HMAC-SHA256(NT hash, ClientChallenge || ServerChallenge)[0..16) */
void nrpc_session_key_aes(const uint8_t nt_hash[NRPC_NT_HASH_LEN],
			  const uint8_t client_challenge[NRPC_CHALLENGE_LEN],
			  const uint8_t server_challenge[NRPC_CHALLENGE_LEN],
			  uint8_t session_key[NRPC_SESSION_KEY_LEN]);

/* MS-NRPC 3.1.4.4.1 ComputeNetlogonCredential, AES: AES-128-CFB8(sk, IV 0, in) */
void nrpc_cred_aes(const uint8_t session_key[NRPC_SESSION_KEY_LEN],
		   const uint8_t in[NRPC_CRED_LEN], uint8_t out[NRPC_CRED_LEN]);

/*
 * Client credential state of one secure channel (Samba's
 * netlogon_creds_CredentialState, client side, AES).  Secret: wipe it with
 * nrpc_creds_wipe().
 */
struct nrpc_creds {
	uint8_t session_key[NRPC_SESSION_KEY_LEN];
	uint8_t seed[NRPC_CRED_LEN];        /* ClientStoredCredential */
	uint8_t server_cred[NRPC_CRED_LEN]; /* the ServerCredential we expect */
	uint32_t timestamp;                 /* last authenticator's, 0 before the first */
};

/*
 * Start a channel after NetrServerReqChallenge: derive the session key,
 * compute the ClientCredential to send in NetrServerAuthenticate3 (also the
 * first seed) and remember the expected ServerCredential.  Refuses a
 * degenerate client challenge (nrpc_challenge_ok) with WIRE_EBAD, and
 * a ClientCredential of all zeros (the ZeroLogon shape), so the caller draws
 * a new challenge.
 */
int nrpc_creds_init(struct nrpc_creds *c, const uint8_t nt_hash[NRPC_NT_HASH_LEN],
		    const uint8_t client_challenge[NRPC_CHALLENGE_LEN],
		    const uint8_t server_challenge[NRPC_CHALLENGE_LEN],
		    uint8_t client_cred[NRPC_CRED_LEN]);
/* Compare the returned ServerCredential in constant time: WIRE_OK or WIRE_EBAD. */
int nrpc_creds_check_server(const struct nrpc_creds *c, const uint8_t server_cred[NRPC_CRED_LEN]);
void nrpc_creds_wipe(struct nrpc_creds *c);

/*
 * One step of the authenticator chain (MS-NRPC 3.1.4.5), two-phase so that a
 * failed or forged call never advances the stored credential:
 *
 *   nrpc_auth_begin(&creds, now, cred, &ts, &step);   // send {cred, ts}
 *   ... call; receive ReturnAuthenticator ...
 *   nrpc_auth_commit(&creds, &step, return_cred);     // checks, then commits
 *
 * begin: timestamp = max(now, last + 2) (Samba's rule: strictly increasing
 * even when the clock is not), T = seed with (u32le(seed[0..4]) + timestamp)
 * mod 2^32; the Authenticator is {Cred(T), timestamp}.  The expected return
 * is Cred(T + 1) and T + 1 becomes the next seed.  creds is not changed.
 * commit: constant-time compare of ReturnAuthenticator.Credential (its
 * Timestamp carries nothing); on a match creds takes the new seed and
 * timestamp and WIRE_OK is returned; otherwise creds is untouched and
 * WIRE_EBAD means "re-run ReqChallenge + Authenticate3".  step is wiped
 * either way and cannot be committed twice.
 */
struct nrpc_auth_step {
	uint8_t next_seed[NRPC_CRED_LEN];
	uint8_t expect_ret[NRPC_CRED_LEN];
	uint32_t timestamp;
	int armed;
};
void nrpc_auth_begin(const struct nrpc_creds *c, uint32_t now, uint8_t cred[NRPC_CRED_LEN],
		     uint32_t *timestamp, struct nrpc_auth_step *step);
int nrpc_auth_commit(struct nrpc_creds *c, struct nrpc_auth_step *step,
		     const uint8_t return_cred[NRPC_CRED_LEN]);

/* ---- NL_TRUST_PASSWORD (NetrServerPasswordSet2) --------------------- */

/*
 * MS-NRPC 2.2.1.3.7, 3.5.4.4.5: Buffer[512] = random fill || password,
 * Length (u32le) = password bytes, all 516 bytes AES-128-CFB8 encrypted
 * with the session key and a zero IV.
 *   pw, pw_len  the new password as UTF-16LE bytes; even, NRPC_PWBUF_MIN_PW
 *               ..NRPC_PWBUF_MAX_PW, not all zero (WIRE_ELIMIT / WIRE_EBAD)
 *   fill        512 random bytes (only the first 512 - pw_len are used)
 * Also refuses (WIRE_EBAD, draw new fill) an output that would fail the
 * DC's ZeroLogon checks: a length field, fill or password part that
 * encrypts to itself.  No NL_PASSWORD_VERSION (workstation accounts).
 */
int nrpc_pwbuf_encrypt(const uint8_t session_key[NRPC_SESSION_KEY_LEN],
		       const uint8_t *pw, size_t pw_len,
		       const uint8_t fill[NRPC_PWBUF_MAX_PW], uint8_t out[NRPC_PWBUF_LEN]);
/*
 * The reverse: decrypt and return the password bytes (pw must hold
 * NRPC_PWBUF_MAX_PW).  WIRE_ELIMIT when Length exceeds 512, WIRE_EBAD when
 * it is odd; pw is zeroed on failure.
 */
int nrpc_pwbuf_decrypt(const uint8_t session_key[NRPC_SESSION_KEY_LEN],
		       const uint8_t in[NRPC_PWBUF_LEN], uint8_t pw[NRPC_PWBUF_MAX_PW], size_t *pw_len);

/* ---- schannel: NL_AUTH_SHA2_SIGNATURE ------------------------------- */

#define SCHANNEL_SIG_LEN 56       /* what we send, sealed or not */
#define SCHANNEL_SIG_MIN_SIGN 48  /* shortest accepted sign-only signature */
#define SCHANNEL_SIG_MIN_SEAL 56  /* shortest accepted sealed signature */
#define SCHANNEL_ALG_HMAC_SHA256 0x0013
#define SCHANNEL_ALG_AES128 0x001A
#define SCHANNEL_ALG_NONE 0xFFFF

/*
 * The message is one contiguous buffer msg[0..msg_len): everything in it is
 * covered by the checksum, and msg[data_off .. data_off + data_len) is
 * encrypted in place when sealing.  Without DCE/RPC header signing msg is
 * the stub plus padding (data_off 0, data_len msg_len); with header signing
 * it runs from the PDU's first byte to the end of the sec_trailer and the
 * data is the stub plus padding (MS-NRPC 4.3.1).
 *
 * seq is the channel's shared 64-bit counter (both directions, incremented
 * by the caller after each PDU sent or received).  from_initiator is set
 * when the sender of this PDU is the client: the direction bit 0x80 in the
 * 5th byte of the sequence number.  seal selects SealAlgorithm 0x001A and
 * encryption; otherwise 0xFFFF and only a signature.  The confounder
 * (8 random bytes) is used only when sealing.
 */
struct schannel_msg {
	uint8_t *msg;
	size_t msg_len;
	size_t data_off;
	size_t data_len;
};

/*
 * MS-NRPC 3.3.4.2.1: fill sig[56] and, when sealing, encrypt the data in
 * place.  WIRE_EBAD if the data range is not inside msg.
 */
int schannel_wrap(const uint8_t session_key[NRPC_SESSION_KEY_LEN], uint64_t seq, int from_initiator,
		  int seal, const uint8_t confounder[8], const struct schannel_msg *m,
		  uint8_t sig[SCHANNEL_SIG_LEN]);
/*
 * MS-NRPC 3.3.4.2.2: check the signature of a received PDU and, when sealed,
 * decrypt the data in place.  seal is what the channel requires (a
 * sign-only signature on a sealed channel is refused).  The header must be
 * 0x0013 / 0x001A or 0xFFFF / 0xFFFF, the decrypted sequence number must be
 * seq with the sender's direction bit, and the checksum must match
 * (constant time).  Reserved bytes 32..55 are ignored, as 2.2.1.3.3 asks.
 * Returns WIRE_OK, WIRE_ETRUNC (signature too short) or WIRE_EBAD; on
 * failure a sealed data range is zeroed, so no unauthenticated plaintext
 * leaves this function.
 */
int schannel_unwrap(const uint8_t session_key[NRPC_SESSION_KEY_LEN], uint64_t seq, int from_initiator,
		    int seal, const struct schannel_msg *m, const uint8_t *sig, size_t sig_len);

/* The 8-byte CopySeqNumber: BE32(seq low) || BE32(seq high | 0x80000000 if from_initiator). */
void schannel_seq_bytes(uint64_t seq, int from_initiator, uint8_t out[8]);

/* ---- NL_AUTH_MESSAGE (MS-NRPC 2.2.1.3.1): the schannel bind token ---- */

#define NL_AUTH_NEGOTIATE 0x00000000u
#define NL_AUTH_NEGOTIATE_RESPONSE 0x00000001u
#define NL_AUTH_FLAG_NETBIOS_DOMAIN 0x00000001u
#define NL_AUTH_FLAG_NETBIOS_COMPUTER 0x00000002u
/*
 * The negotiate message of a schannel bind: MessageType 0, Flags naming the
 * NetBIOS domain and computer, then both as OEM (ASCII) NUL-terminated
 * strings.  Names must be printable ASCII, 1..15 characters (WIRE_EBAD).
 */
int nl_auth_enc_negotiate(struct wwr *w, const char *netbios_domain, const char *computer);
/* The DC's answer in bind_ack: MessageType must be 1 (WIRE_EBAD otherwise). */
int nl_auth_dec_response(const uint8_t *buf, size_t len);

#endif
