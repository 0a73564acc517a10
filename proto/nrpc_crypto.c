/*
 * proto/nrpc_crypto.c - MS-NRPC secure-channel cryptography (AES only).
 * See nrpc_crypto.h for the API; each block cites the section it follows.
 */
#include <string.h>

#include <nettle/aes.h>
#include <nettle/hmac.h>
#include <nettle/md4.h>
#include <nettle/memops.h>

#include "nrpc_crypto.h"

/* A memset the compiler may not drop: wipes secrets before return. */
static void *(*const volatile wipe_memset)(void *, int, size_t) = memset;
static void wipe(void *p, size_t n)
{
	wipe_memset(p, 0, n);
}

/*
 * AES-128-CFB8 (NIST SP 800-38A 6.3, s = 8): one block encryption per byte,
 * the register shifted left by one byte and fed the ciphertext byte.  Ours
 * rather than nettle's cfb8_* because those appeared only in nettle 3.5 and
 * configure asks for 3.4.  The IV register is updated (a stream can go on).
 */
static void cfb8(const struct aes128_ctx *k, uint8_t iv[AES_BLOCK_SIZE], uint8_t *buf, size_t n,
		 int decrypt)
{
	uint8_t o[AES_BLOCK_SIZE];

	for (size_t i = 0; i < n; i++) {
		uint8_t in = buf[i], c;

		aes128_encrypt(k, AES_BLOCK_SIZE, o, iv);
		buf[i] = in ^ o[0];
		c = decrypt ? in : buf[i];
		memmove(iv, iv + 1, AES_BLOCK_SIZE - 1);
		iv[AES_BLOCK_SIZE - 1] = c;
	}
	wipe(o, sizeof(o));
}

static void aes_cfb8_once(const uint8_t key[16], const uint8_t iv_in[16], uint8_t *buf, size_t n,
			  int decrypt)
{
	struct aes128_ctx k;
	uint8_t iv[AES_BLOCK_SIZE];

	aes128_set_encrypt_key(&k, key);
	memcpy(iv, iv_in, sizeof(iv));
	cfb8(&k, iv, buf, n, decrypt);
	wipe(&k, sizeof(k));
	wipe(iv, sizeof(iv));
}

static const uint8_t zero_iv[AES_BLOCK_SIZE];

/* ---- UTF-8 and the NT hash ------------------------------------------- */

/*
 * Decode one strict UTF-8 scalar at s[*i]; returns it, or -1 (overlong,
 * surrogate, above U+10FFFF, bad continuation, truncated).
 */
static long utf8_next(const uint8_t *s, size_t len, size_t *i)
{
	uint8_t b = s[*i];
	size_t need;
	long cp, min;

	if (b < 0x80) {
		(*i)++;
		return b;
	} else if ((b & 0xE0) == 0xC0) {
		need = 1, cp = b & 0x1F, min = 0x80;
	} else if ((b & 0xF0) == 0xE0) {
		need = 2, cp = b & 0x0F, min = 0x800;
	} else if ((b & 0xF8) == 0xF0) {
		need = 3, cp = b & 0x07, min = 0x10000;
	} else {
		return -1;
	}
	if (len - *i - 1 < need)
		return -1;
	for (size_t k = 1; k <= need; k++) {
		uint8_t c = s[*i + k];
		if ((c & 0xC0) != 0x80)
			return -1;
		cp = (cp << 6) | (c & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return -1;
	*i += need + 1;
	return cp;
}

/* Encode one scalar as UTF-16LE into u[4]; returns 2 or 4 bytes. */
static size_t utf16le_put(long cp, uint8_t u[4])
{
	if (cp < 0x10000) {
		u[0] = (uint8_t)cp, u[1] = (uint8_t)(cp >> 8);
		return 2;
	}
	cp -= 0x10000;
	long hi = 0xD800 | (cp >> 10), lo = 0xDC00 | (cp & 0x3FF);
	u[0] = (uint8_t)hi, u[1] = (uint8_t)(hi >> 8), u[2] = (uint8_t)lo, u[3] = (uint8_t)(lo >> 8);
	return 4;
}

int nrpc_utf8_to_utf16le(const char *str, size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
	const uint8_t *s = (const uint8_t *)str;
	size_t i = 0, n = 0;

	while (i < len) {
		uint8_t u[4];
		long cp = utf8_next(s, len, &i);
		size_t k;

		if (cp < 0)
			goto bad;
		k = utf16le_put(cp, u);
		if (cap - n < k) {
			wipe(out, n);
			return WIRE_ESPACE;
		}
		memcpy(out + n, u, k);
		n += k;
	}
	*out_len = n;
	return WIRE_OK;
bad:
	wipe(out, n);
	return WIRE_EBAD;
}

int nrpc_nt_hash_utf16le(const uint8_t *pw, size_t len, uint8_t out[NRPC_NT_HASH_LEN])
{
	struct md4_ctx md;

	if (len % 2)
		return WIRE_EBAD;
	md4_init(&md);
	md4_update(&md, len, pw);
	md4_digest(&md, NRPC_NT_HASH_LEN, out);
	wipe(&md, sizeof(md));
	return WIRE_OK;
}

int nrpc_nt_hash_utf8(const char *pw, size_t len, uint8_t out[NRPC_NT_HASH_LEN])
{
	const uint8_t *s = (const uint8_t *)pw;
	struct md4_ctx md;
	uint8_t u[4];
	size_t i = 0;
	int rc = WIRE_OK;

	/* streamed unit by unit: no buffer, no length cap */
	md4_init(&md);
	while (i < len) {
		long cp = utf8_next(s, len, &i);
		if (cp < 0) {
			rc = WIRE_EBAD;
			break;
		}
		md4_update(&md, utf16le_put(cp, u), u);
	}
	if (rc == WIRE_OK)
		md4_digest(&md, NRPC_NT_HASH_LEN, out);
	wipe(&md, sizeof(md));
	wipe(u, sizeof(u));
	return rc;
}

/* ---- session key and credentials (MS-NRPC 3.1.4.3 - 3.1.4.5) ---------- */

int nrpc_challenge_ok(const uint8_t ch[NRPC_CHALLENGE_LEN])
{
	/* MS-NRPC 3.1.4.1 / Samba netlogon_creds_is_random_challenge */
	for (int i = 1; i < 5; i++)
		if (ch[i] != ch[0])
			return 1;
	return 0;
}

void nrpc_session_key_aes(const uint8_t nt_hash[NRPC_NT_HASH_LEN],
			  const uint8_t cc[NRPC_CHALLENGE_LEN], const uint8_t sc[NRPC_CHALLENGE_LEN],
			  uint8_t sk[NRPC_SESSION_KEY_LEN])
{
	struct hmac_sha256_ctx h;

	/* 3.1.4.3.1: SHA256-HMAC keyed with the OWF over CC || SC, truncated to 16 */
	hmac_sha256_set_key(&h, NRPC_NT_HASH_LEN, nt_hash);
	hmac_sha256_update(&h, NRPC_CHALLENGE_LEN, cc);
	hmac_sha256_update(&h, NRPC_CHALLENGE_LEN, sc);
	hmac_sha256_digest(&h, NRPC_SESSION_KEY_LEN, sk);
	wipe(&h, sizeof(h));
}

void nrpc_cred_aes(const uint8_t sk[NRPC_SESSION_KEY_LEN], const uint8_t in[NRPC_CRED_LEN],
		   uint8_t out[NRPC_CRED_LEN])
{
	/* 3.1.4.4.1: AES-128 in CFB8 mode with an all-zero IV */
	memmove(out, in, NRPC_CRED_LEN);
	aes_cfb8_once(sk, zero_iv, out, NRPC_CRED_LEN, 0);
}

int nrpc_creds_init(struct nrpc_creds *c, const uint8_t nt_hash[NRPC_NT_HASH_LEN],
		    const uint8_t cc[NRPC_CHALLENGE_LEN], const uint8_t sc[NRPC_CHALLENGE_LEN],
		    uint8_t client_cred[NRPC_CRED_LEN])
{
	static const uint8_t zero[NRPC_CRED_LEN];
	struct nrpc_creds t;

	if (!nrpc_challenge_ok(cc))
		return WIRE_EBAD;
	nrpc_session_key_aes(nt_hash, cc, sc, t.session_key);
	nrpc_cred_aes(t.session_key, cc, t.seed);
	nrpc_cred_aes(t.session_key, sc, t.server_cred);
	t.timestamp = 0;
	if (memeql_sec(t.seed, zero, NRPC_CRED_LEN)) {
		wipe(&t, sizeof(t));
		return WIRE_EBAD;
	}
	memcpy(client_cred, t.seed, NRPC_CRED_LEN);
	*c = t;
	wipe(&t, sizeof(t));
	return WIRE_OK;
}

int nrpc_creds_check_server(const struct nrpc_creds *c, const uint8_t server_cred[NRPC_CRED_LEN])
{
	return memeql_sec(c->server_cred, server_cred, NRPC_CRED_LEN) ? WIRE_OK : WIRE_EBAD;
}

void nrpc_creds_wipe(struct nrpc_creds *c)
{
	wipe(c, sizeof(*c));
}

/* seed with its first 4 bytes, as a u32le, advanced by add (mod 2^32) */
static void cred_add(const uint8_t in[NRPC_CRED_LEN], uint32_t add, uint8_t out[NRPC_CRED_LEN])
{
	uint32_t v = ld_u32le(in) + add;

	out[0] = (uint8_t)v, out[1] = (uint8_t)(v >> 8), out[2] = (uint8_t)(v >> 16), out[3] = (uint8_t)(v >> 24);
	memmove(out + 4, in + 4, NRPC_CRED_LEN - 4);
}

void nrpc_auth_begin(const struct nrpc_creds *c, uint32_t now, uint8_t cred[NRPC_CRED_LEN],
		     uint32_t *timestamp, struct nrpc_auth_step *step)
{
	uint8_t t[NRPC_CRED_LEN];
	uint32_t ts = now;

	/* strictly increasing by at least 2 (the +1 of the return must not collide) */
	if (c->timestamp != 0 && ts < c->timestamp + 2u && c->timestamp <= UINT32_MAX - 2u)
		ts = c->timestamp + 2u;
	cred_add(c->seed, ts, t);                           /* ClientStoredCredential + TimeNow */
	nrpc_cred_aes(c->session_key, t, cred);             /* Authenticator.Credential */
	cred_add(t, 1, step->next_seed);                    /* + 1 for the return */
	nrpc_cred_aes(c->session_key, step->next_seed, step->expect_ret);
	step->timestamp = ts;
	step->armed = 1;
	*timestamp = ts;
	wipe(t, sizeof(t));
}

int nrpc_auth_commit(struct nrpc_creds *c, struct nrpc_auth_step *step,
		     const uint8_t return_cred[NRPC_CRED_LEN])
{
	int ok = step->armed && memeql_sec(step->expect_ret, return_cred, NRPC_CRED_LEN);

	if (ok) {
		memcpy(c->seed, step->next_seed, NRPC_CRED_LEN);
		c->timestamp = step->timestamp;
	}
	wipe(step, sizeof(*step));
	return ok ? WIRE_OK : WIRE_EBAD;
}

/* ---- NL_TRUST_PASSWORD (MS-NRPC 2.2.1.3.7, 3.5.4.4.5) ------------------ */

static int all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;

	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

int nrpc_pwbuf_encrypt(const uint8_t sk[NRPC_SESSION_KEY_LEN], const uint8_t *pw, size_t pw_len,
		       const uint8_t fill[NRPC_PWBUF_MAX_PW], uint8_t out[NRPC_PWBUF_LEN])
{
	uint8_t plain[NRPC_PWBUF_LEN];
	size_t off = NRPC_PWBUF_MAX_PW - pw_len;
	int rc = WIRE_OK;

	if (pw_len < NRPC_PWBUF_MIN_PW || pw_len > NRPC_PWBUF_MAX_PW)
		return WIRE_ELIMIT;
	if (pw_len % 2 || all_zero(pw, pw_len))
		return WIRE_EBAD;
	memcpy(plain, fill, off);
	memcpy(plain + off, pw, pw_len);
	plain[512] = (uint8_t)pw_len, plain[513] = (uint8_t)(pw_len >> 8);
	plain[514] = 0, plain[515] = 0;
	memcpy(out, plain, NRPC_PWBUF_LEN);
	aes_cfb8_once(sk, zero_iv, out, NRPC_PWBUF_LEN, 0); /* all 516 bytes in one pass */
	/* Samba's DC refuses a buffer any part of which encrypted to itself */
	if (memcmp(out + 512, plain + 512, 4) == 0 || memcmp(out + off, plain + off, pw_len) == 0 ||
	    (off > 0 && memcmp(out, plain, off) == 0)) {
		wipe(out, NRPC_PWBUF_LEN);
		rc = WIRE_EBAD;
	}
	wipe(plain, sizeof(plain));
	return rc;
}

int nrpc_pwbuf_decrypt(const uint8_t sk[NRPC_SESSION_KEY_LEN], const uint8_t in[NRPC_PWBUF_LEN],
		       uint8_t pw[NRPC_PWBUF_MAX_PW], size_t *pw_len)
{
	uint8_t plain[NRPC_PWBUF_LEN];
	uint32_t len;
	int rc = WIRE_OK;

	memcpy(plain, in, NRPC_PWBUF_LEN);
	aes_cfb8_once(sk, zero_iv, plain, NRPC_PWBUF_LEN, 1);
	len = ld_u32le(plain + NRPC_PWBUF_MAX_PW);
	if (len > NRPC_PWBUF_MAX_PW)
		rc = WIRE_ELIMIT;
	else if (len % 2)
		rc = WIRE_EBAD;
	if (rc == WIRE_OK) {
		memcpy(pw, plain + NRPC_PWBUF_MAX_PW - len, len);
		wipe(pw + len, NRPC_PWBUF_MAX_PW - len);
		*pw_len = len;
	} else {
		wipe(pw, NRPC_PWBUF_MAX_PW);
	}
	wipe(plain, sizeof(plain));
	return rc;
}

/* ---- schannel (MS-NRPC 2.2.1.3.3, 3.3.4.2.1, 3.3.4.2.2) ---------------- */

void schannel_seq_bytes(uint64_t seq, int from_initiator, uint8_t out[8])
{
	uint32_t lo = (uint32_t)seq, hi = (uint32_t)(seq >> 32);

	if (from_initiator)
		hi |= 0x80000000u;
	out[0] = (uint8_t)(lo >> 24), out[1] = (uint8_t)(lo >> 16), out[2] = (uint8_t)(lo >> 8), out[3] = (uint8_t)lo;
	out[4] = (uint8_t)(hi >> 24), out[5] = (uint8_t)(hi >> 16), out[6] = (uint8_t)(hi >> 8), out[7] = (uint8_t)hi;
}

static int msg_ok(const struct schannel_msg *m)
{
	return (m->msg || m->msg_len == 0) && m->data_off <= m->msg_len &&
	       m->data_len <= m->msg_len - m->data_off;
}

/* Checksum = HMAC-SHA256(SK, hdr8 || [confounder] || msg)[0..8), over the plaintext */
static void sig_checksum(const uint8_t sk[16], const uint8_t hdr8[8], const uint8_t *confounder,
			 const struct schannel_msg *m, uint8_t out[8])
{
	struct hmac_sha256_ctx h;

	hmac_sha256_set_key(&h, NRPC_SESSION_KEY_LEN, sk);
	hmac_sha256_update(&h, 8, hdr8);
	if (confounder)
		hmac_sha256_update(&h, 8, confounder);
	if (m->msg_len)
		hmac_sha256_update(&h, m->msg_len, m->msg);
	hmac_sha256_digest(&h, 8, out);
	wipe(&h, sizeof(h));
}

/*
 * Seal/unseal: key SK XOR 0xF0 per byte, IV = CopySeq || CopySeq, one
 * CFB8 stream over the confounder and then the data.
 */
static void seal_stream(const uint8_t sk[16], const uint8_t copyseq[8], uint8_t confounder[8],
			uint8_t *data, size_t n, int decrypt)
{
	struct aes128_ctx k;
	uint8_t key[16], iv[16];

	for (int i = 0; i < 16; i++)
		key[i] = sk[i] ^ 0xF0;
	memcpy(iv, copyseq, 8);
	memcpy(iv + 8, copyseq, 8);
	aes128_set_encrypt_key(&k, key);
	cfb8(&k, iv, confounder, 8, decrypt);
	if (n)
		cfb8(&k, iv, data, n, decrypt);
	wipe(&k, sizeof(k));
	wipe(key, sizeof(key));
	wipe(iv, sizeof(iv));
}

/* SequenceNumber field: CopySeq under AES-128-CFB8(SK, IV = Checksum || Checksum) */
static void seq_crypt(const uint8_t sk[16], const uint8_t checksum[8], uint8_t buf[8], int decrypt)
{
	uint8_t iv[16];

	memcpy(iv, checksum, 8);
	memcpy(iv + 8, checksum, 8);
	aes_cfb8_once(sk, iv, buf, 8, decrypt);
}

int schannel_wrap(const uint8_t sk[NRPC_SESSION_KEY_LEN], uint64_t seq, int from_initiator, int seal,
		  const uint8_t confounder[8], const struct schannel_msg *m, uint8_t sig[SCHANNEL_SIG_LEN])
{
	uint8_t copyseq[8], conf[8];

	if (!msg_ok(m))
		return WIRE_EBAD;
	memset(sig, 0, SCHANNEL_SIG_LEN);
	sig[0] = SCHANNEL_ALG_HMAC_SHA256 & 0xFF, sig[1] = SCHANNEL_ALG_HMAC_SHA256 >> 8;
	if (seal)
		sig[2] = SCHANNEL_ALG_AES128 & 0xFF, sig[3] = SCHANNEL_ALG_AES128 >> 8;
	else
		sig[2] = 0xFF, sig[3] = 0xFF;
	sig[4] = 0xFF, sig[5] = 0xFF; /* Pad; Flags (6, 7) stay 0 */
	schannel_seq_bytes(seq, from_initiator, copyseq);
	sig_checksum(sk, sig, seal ? confounder : NULL, m, sig + 16);
	if (seal) {
		memcpy(conf, confounder, 8);
		seal_stream(sk, copyseq, conf, m->msg + m->data_off, m->data_len, 0);
		memcpy(sig + 24, conf, 8);
		wipe(conf, sizeof(conf));
	}
	memcpy(sig + 8, copyseq, 8);
	seq_crypt(sk, sig + 16, sig + 8, 0);
	return WIRE_OK;
}

int schannel_unwrap(const uint8_t sk[NRPC_SESSION_KEY_LEN], uint64_t seq, int from_initiator, int seal,
		    const struct schannel_msg *m, const uint8_t *sig, size_t sig_len)
{
	uint8_t want_seq[8], got_seq[8], conf[8] = { 0 }, sum[8];
	int ok;

	if (!msg_ok(m))
		return WIRE_EBAD;
	if (sig_len < (seal ? SCHANNEL_SIG_MIN_SEAL : SCHANNEL_SIG_MIN_SIGN))
		return WIRE_ETRUNC;
	/* 3.3.4.2.2 steps 1-2: the algorithms must be the ones of this channel */
	if (ld_u16le(sig) != SCHANNEL_ALG_HMAC_SHA256 ||
	    ld_u16le(sig + 2) != (seal ? SCHANNEL_ALG_AES128 : SCHANNEL_ALG_NONE) ||
	    ld_u16le(sig + 4) != 0xFFFF)
		return WIRE_EBAD;
	/* steps 3-5: the sequence number, decrypted with the checksum as IV */
	schannel_seq_bytes(seq, from_initiator, want_seq);
	memcpy(got_seq, sig + 8, 8);
	seq_crypt(sk, sig + 16, got_seq, 1);
	if (!memeql_sec(got_seq, want_seq, 8))
		return WIRE_EBAD;
	/* step 6: decrypt confounder and data; then the checksum over the plaintext */
	if (seal) {
		memcpy(conf, sig + 24, 8);
		seal_stream(sk, want_seq, conf, m->msg + m->data_off, m->data_len, 1);
	}
	sig_checksum(sk, sig, seal ? conf : NULL, m, sum);
	ok = memeql_sec(sum, sig + 16, 8);
	if (!ok && seal && m->data_len)
		wipe(m->msg + m->data_off, m->data_len);
	wipe(conf, sizeof(conf));
	wipe(sum, sizeof(sum));
	return ok ? WIRE_OK : WIRE_EBAD;
}

/* ---- NL_AUTH_MESSAGE ---------------------------------------------------- */

static int nl_oem_name_ok(const char *s)
{
	size_t n = 0;

	for (; s && s[n]; n++)
		if ((unsigned char)s[n] < 0x21 || (unsigned char)s[n] > 0x7e)
			return 0;
	return s && n >= 1 && n <= 15;
}

int nl_auth_enc_negotiate(struct wwr *w, const char *netbios_domain, const char *computer)
{
	if (!nl_oem_name_ok(netbios_domain) || !nl_oem_name_ok(computer)) {
		if (!w->err)
			w->err = WIRE_EBAD;
		return wwr_err(w);
	}
	wwr_u32le(w, NL_AUTH_NEGOTIATE);
	wwr_u32le(w, NL_AUTH_FLAG_NETBIOS_DOMAIN | NL_AUTH_FLAG_NETBIOS_COMPUTER);
	wwr_bytes(w, netbios_domain, strlen(netbios_domain) + 1);
	wwr_bytes(w, computer, strlen(computer) + 1);
	return wwr_err(w);
}

int nl_auth_dec_response(const uint8_t *buf, size_t len)
{
	struct wrd r;
	uint32_t type;

	wrd_init(&r, buf, len);
	type = wrd_u32le(&r);
	(void)wrd_u32le(&r); /* Flags: 0 in a response */
	if (r.err)
		return r.err;
	return type == NL_AUTH_NEGOTIATE_RESPONSE ? WIRE_OK : WIRE_EBAD;
}
