/*
 * src/krb/keys.h - machine-account secrets: AD salts, long-term keys, enctype
 * sets, random machine passwords, wiping.
 *
 * No I/O: keys are derived with libkrb5's crypto (krb5_c_string_to_key*),
 * the random source is a parameter, and every secret lives in a
 * caller-owned buffer that keys_key_wipe()/nlt_wipe() clears.
 */
#ifndef NLT_KEYS_H
#define NLT_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include <krb5.h>

#include "err.h"

/* Kerberos enctype numbers (RFC 3961 §8, RFC 3962 §7, RFC 4757 §5) */
#define KEYS_ET_DES_CBC_CRC 1
#define KEYS_ET_DES_CBC_MD5 3
#define KEYS_ET_AES128      17 /* aes128-cts-hmac-sha1-96 */
#define KEYS_ET_AES256      18 /* aes256-cts-hmac-sha1-96 */
#define KEYS_ET_RC4         23 /* rc4-hmac (arcfour-hmac) */

/* msDS-SupportedEncryptionTypes bits (MS-KILE §2.2.7) */
#define KEYS_SET_DES_CBC_CRC 0x00000001u
#define KEYS_SET_DES_CBC_MD5 0x00000002u
#define KEYS_SET_RC4         0x00000004u
#define KEYS_SET_AES128      0x00000008u
#define KEYS_SET_AES256      0x00000010u
#define KEYS_SET_AES256_SK   0x00000020u /* AES session keys even with an RC4 ticket */
#define KEYS_SET_FAST        0x00010000u
#define KEYS_SET_COMPOUND_ID 0x00020000u
#define KEYS_SET_CLAIMS      0x00040000u
#define KEYS_SET_NO_RES_SID_COMPRESSION 0x00080000u
#define KEYS_SET_ENCTYPE_MASK 0x0000001fu /* the bits that name ticket enctypes */

/*
 * What the KDC uses for service tickets to an account whose attribute is
 * 0 or absent: DefaultDomainSupportedEncTypes, which is 0x27 since
 * KB5021131 (Nov 2022) = DES-CRC|DES-MD5|RC4|AES256-SK.  DES is disabled
 * by default since Windows 7 / Server 2008 R2 and AES256-SK only picks the
 * session key, so the ticket is RC4 (PROTOCOLS.md §8.3).  Server 2025
 * uses 0x24 (RC4|AES256-SK), the same ticket enctype.
 */
#define KEYS_SET_AD_DEFAULT KEYS_SET_RC4
/* What a non-Windows joiner should write so tickets use AES (PROTOCOLS.md §8.3). */
#define KEYS_SET_RECOMMENDED (KEYS_SET_AES128 | KEYS_SET_AES256)

#define KEYS_MAX_KEYLEN 32
#define KEYS_AES_DEFAULT_ITERATIONS 4096 /* RFC 3962 §4; AD uses the default */

/* A long-term key; wipe with keys_key_wipe(). */
struct nlt_key {
	int32_t enctype;
	size_t len;
	uint8_t bytes[KEYS_MAX_KEYLEN];
};

/* ---- salts (MS-KILE §3.1.1.2) -------------------------------------- */

/*
 * Computer account: UPPER(realm) "host" lower(sAMAccountName without its
 * trailing '$') "." lower(realm), e.g. LAB.TEST + WS1$ ->
 * "LAB.TESThostws1.lab.test".  realm is the domain's DNS name in any case;
 * the salt comes from sAMAccountName, never dNSHostName.  Names must be
 * non-empty printable ASCII without '@' or '/' (case mapping is ASCII; AD
 * names outside ASCII would need Unicode case rules, which we refuse
 * rather than guess).  Returns 0, or -1 with err set (NLT_EUSAGE for a bad
 * name, NLT_EINTERNAL when out is too small).
 */
int keys_salt_computer(const char *realm, const char *sam_account_name, char *out, size_t cap,
		       struct nlt_err *err);

/* User account: UPPER(realm) sAMAccountName (case preserved).  As above. */
int keys_salt_user(const char *realm, const char *sam_account_name, char *out, size_t cap,
		   struct nlt_err *err);

/* ---- keys ----------------------------------------------------------- */

/*
 * The long-term key for enctype from a password (UTF-8) and salt, by
 * krb5_c_string_to_key_with_params.  iterations is the PBKDF2 count for
 * the AES enctypes (0 = the default 4096, which AD always uses; MIT
 * refuses counts below 4096 outside its own tests); it is ignored for
 * RC4, whose key is MD4(UTF-16LE(password)) with no salt.  Returns 0, or
 * -1 with err set (NLT_ECONFIG when this libkrb5 lacks the enctype, e.g.
 * single DES since krb5 1.18; NLT_EINTERNAL otherwise).  *out is written
 * only on success.
 */
int keys_string_to_key(krb5_context kctx, int32_t enctype, const char *password, size_t password_len,
		       const char *salt, size_t salt_len, uint32_t iterations, struct nlt_key *out,
		       struct nlt_err *err);

/*
 * One key per enctype (same order) from one password and salt, with the
 * default iteration count.  On error every out[] key is wiped.
 */
int keys_derive(krb5_context kctx, const char *password, const char *salt, const int32_t *enctypes,
		size_t n, struct nlt_key *out, struct nlt_err *err);

/* Zero a key (explicit_bzero through nlt_wipe()); NULL-safe. */
void keys_key_wipe(struct nlt_key *k);

/* ---- enctype sets --------------------------------------------------- */

/*
 * The ticket enctypes an msDS-SupportedEncryptionTypes value names,
 * strongest first (AES256, AES128, RC4, DES-MD5, DES-CRC).  With
 * effective, a value that names none (0; pass 0 for an absent attribute)
 * counts as KEYS_SET_AD_DEFAULT, as the KDC treats it.  Returns how many
 * enctypes there are (which may exceed cap; only cap are written).
 */
size_t keys_set_enctypes(uint32_t bits, int effective, int32_t *out, size_t cap);

/* The msDS-SupportedEncryptionTypes bit for an enctype, or 0. */
uint32_t keys_enctype_set_bit(int32_t enctype);

/* MIT name of an enctype ("aes256-cts-hmac-sha1-96", "rc4-hmac", ...), or NULL. */
const char *keys_enctype_name(int32_t enctype);

/* Name of one msDS-SupportedEncryptionTypes bit ("aes256-sk", "fast", ...), or NULL. */
const char *keys_set_bit_name(uint32_t bit);

/*
 * The bits of an msDS-SupportedEncryptionTypes value as names separated
 * by sep (e.g. "rc4-hmac,aes128-cts-hmac-sha1-96,aes256-cts-hmac-sha1-96"),
 * lowest bit first, unknown bits as "0x..."; "" for 0.  Returns 0, or -1
 * when buf is too small (buf then holds a truncated string).
 */
int keys_set_str(uint32_t bits, const char *sep, char *buf, size_t cap);

/* ---- machine passwords ---------------------------------------------- */

/* A source of random bytes: fill buf, return 0 (or -1 on failure). */
typedef int (*keys_rng_fn)(void *ctx, void *buf, size_t len);

/* getrandom(2) through nlt_random(); ctx unused. */
int keys_rng_system(void *ctx, void *buf, size_t len);

#define KEYS_PASSWORD_LEN 120 /* what Windows members use */
#define KEYS_PASSWORD_MIN 16
#define KEYS_PASSWORD_MAX 240 /* AD accepts up to 256 UTF-16 code units */
#define KEYS_PASSWORD_FIRST '!' /* the alphabet: printable ASCII '!'..'~' (no space) */
#define KEYS_PASSWORD_LAST  '~'
#define KEYS_PASSWORD_ALPHABET (KEYS_PASSWORD_LAST - KEYS_PASSWORD_FIRST + 1) /* 94 */

/*
 * A random machine password of len characters (KEYS_PASSWORD_MIN..MAX)
 * into out (cap > len; NUL-terminated), each uniform over the 94
 * printable ASCII characters '!'..'~' by rejection sampling of bytes
 * (bytes >= 188 are drawn again, so there is no modulo bias), ~786 bits
 * at the default length.  Printable ASCII because the same string is sent
 * as UTF-8 octets (kpasswd, RFC 3244; AES string-to-key), as UTF-16LE
 * (unicodePwd, NTOWF) and as a Netlogon password buffer: for ASCII every
 * form is the byte-for-byte widening of the other, with no normalization
 * or surrogate questions; no space, so nothing trims it.  A password
 * missing one of the four classes (upper, lower, digit, symbol) is drawn
 * again (p < 2e-6 at 120), so the character-class rule of the domain
 * complexity policy always holds; its rule against containing the
 * account name is not checked here (a chance of about 6e-4 for a
 * three-character name at 120 characters).
 * Returns 0, or -1 with err set (NLT_EUSAGE for len/cap, NLT_EINTERNAL
 * when the RNG fails or keeps producing rejected bytes); out is wiped on
 * error.
 */
int keys_gen_password(keys_rng_fn rng, void *rng_ctx, size_t len, char *out, size_t cap,
		      struct nlt_err *err);

#endif
