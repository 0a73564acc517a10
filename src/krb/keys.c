/*
 * src/krb/keys.c - AD salts, long-term keys, enctype sets, machine passwords
 * (see keys.h).  No I/O besides the RNG the caller passes.
 */
#include "config.h"
#include "keys.h"

#include <stdio.h>
#include <string.h>

#include "util.h"

/* ---- salts ---------------------------------------------------------- */

static int name_ok(const char *s)
{
	if (!s || !*s)
		return 0;
	for (; *s; s++)
		if (*s < '!' || *s > '~' || *s == '@' || *s == '/')
			return 0;
	return 1;
}

static char up(char c)
{
	return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

static char low(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* Append n bytes of s, case-mapped by map (or not), to out at *pos. */
static int put(char *out, size_t cap, size_t *pos, const char *s, size_t n, char (*map)(char))
{
	if (n >= cap - *pos)
		return -1;
	for (size_t i = 0; i < n; i++)
		out[(*pos)++] = map ? map(s[i]) : s[i];
	out[*pos] = '\0';
	return 0;
}

/*
 * MS-KILE §3.1.1.2: "Computer accounts: < DNS name of the realm, converted
 * to uppercase > | "host" | < computer name, converted to lower case with
 * trailing "$" stripped off > | "." | < DNS name of the realm, converted to
 * lower case >"; "User accounts: < DNS of the realm, converted to
 * uppercase > | < user name >".
 */
static int salt(const char *realm, const char *sam, int computer, char *out, size_t cap, struct nlt_err *err)
{
	size_t pos = 0, n;
	int rc = 0;

	if (!name_ok(realm))
		return nlt_seterr(err, NLT_EUSAGE, "Kerberos salt: realm '%s' is not a printable ASCII DNS name",
				  realm ? realm : "");
	if (!name_ok(sam))
		return nlt_seterr(err, NLT_EUSAGE, "Kerberos salt: account name '%s' is not printable ASCII",
				  sam ? sam : "");
	n = strlen(sam);
	if (computer && sam[n - 1] == '$')
		n--;
	if (n == 0)
		return nlt_seterr(err, NLT_EUSAGE, "Kerberos salt: account name '%s' is empty without its '$'", sam);
	if (!out || cap == 0)
		return nlt_seterr(err, NLT_EINTERNAL, "Kerberos salt: no output buffer");
	out[0] = '\0';
	rc |= put(out, cap, &pos, realm, strlen(realm), up);
	if (computer) {
		rc |= put(out, cap, &pos, "host", 4, NULL);
		rc |= put(out, cap, &pos, sam, n, low);
		rc |= put(out, cap, &pos, ".", 1, NULL);
		rc |= put(out, cap, &pos, realm, strlen(realm), low);
	} else {
		rc |= put(out, cap, &pos, sam, n, NULL);
	}
	if (rc)
		return nlt_seterr(err, NLT_EINTERNAL, "Kerberos salt for %s: buffer of %zu bytes too small", sam, cap);
	return 0;
}

int keys_salt_computer(const char *realm, const char *sam_account_name, char *out, size_t cap, struct nlt_err *err)
{
	return salt(realm, sam_account_name, 1, out, cap, err);
}

int keys_salt_user(const char *realm, const char *sam_account_name, char *out, size_t cap, struct nlt_err *err)
{
	return salt(realm, sam_account_name, 0, out, cap, err);
}

/* ---- keys ----------------------------------------------------------- */

void keys_key_wipe(struct nlt_key *k)
{
	nlt_wipe(k, k ? sizeof(*k) : 0);
}

int keys_string_to_key(krb5_context kctx, int32_t enctype, const char *password, size_t password_len,
		       const char *salt_s, size_t salt_len, uint32_t iterations, struct nlt_key *out,
		       struct nlt_err *err)
{
	krb5_keyblock kb;
	krb5_data pw, sd, params;
	uint8_t iter_be[4];
	krb5_error_code kc;
	const char *name = keys_enctype_name(enctype);
	int aes = enctype == KEYS_ET_AES128 || enctype == KEYS_ET_AES256;
	int rc = -1;

	memset(&kb, 0, sizeof(kb));
	if (!kctx || !password || !out || (salt_len && !salt_s))
		return nlt_seterr(err, NLT_EINTERNAL, "string-to-key: missing argument");
	if (password_len > UINT32_MAX || salt_len > UINT32_MAX)
		return nlt_seterr(err, NLT_EINTERNAL, "string-to-key: password or salt too long");
	/* krb5_data is not const-correct; libkrb5 only reads these */
	pw.magic = KV5M_DATA;
	pw.length = (unsigned int)password_len;
	pw.data = (char *)(uintptr_t)password;
	sd.magic = KV5M_DATA;
	sd.length = (unsigned int)salt_len;
	sd.data = (char *)(uintptr_t)(salt_s ? salt_s : "");
	/* RFC 3962 §4: s2kparams is the iteration count, 4 octets big-endian */
	iter_be[0] = (uint8_t)(iterations >> 24);
	iter_be[1] = (uint8_t)(iterations >> 16);
	iter_be[2] = (uint8_t)(iterations >> 8);
	iter_be[3] = (uint8_t)iterations;
	params.magic = KV5M_DATA;
	params.length = sizeof(iter_be);
	params.data = (char *)iter_be;

	kc = krb5_c_string_to_key_with_params(kctx, enctype, &pw, &sd, aes && iterations ? &params : NULL, &kb);
	if (kc) {
		const char *msg = krb5_get_error_message(kctx, kc);

		nlt_seterr(err, kc == KRB5_BAD_ENCTYPE ? NLT_ECONFIG : NLT_EINTERNAL,
			   "deriving the %s key (enctype %d) failed: %s", name ? name : "unknown", (int)enctype, msg);
		krb5_free_error_message(kctx, msg);
		goto out;
	}
	if (kb.length == 0 || kb.length > sizeof(out->bytes)) {
		nlt_seterr(err, NLT_EINTERNAL, "deriving the %s key: unexpected key length %u",
			   name ? name : "unknown", kb.length);
		goto out;
	}
	keys_key_wipe(out);
	out->enctype = enctype;
	out->len = kb.length;
	memcpy(out->bytes, kb.contents, kb.length);
	rc = 0;
out:
	/* krb5_free_keyblock_contents zeroes the key before freeing it */
	krb5_free_keyblock_contents(kctx, &kb);
	return rc;
}

int keys_derive(krb5_context kctx, const char *password, const char *salt_s, const int32_t *enctypes, size_t n,
		struct nlt_key *out, struct nlt_err *err)
{
	if (!password || !salt_s || (n && (!enctypes || !out)))
		return nlt_seterr(err, NLT_EINTERNAL, "key derivation: missing argument");
	for (size_t i = 0; i < n; i++) {
		if (keys_string_to_key(kctx, enctypes[i], password, strlen(password), salt_s, strlen(salt_s), 0,
				       &out[i], err) != 0) {
			for (size_t j = 0; j < n; j++)
				keys_key_wipe(&out[j]);
			return -1;
		}
	}
	return 0;
}

/* ---- enctype sets --------------------------------------------------- */

/* Strongest first: the order keys_set_enctypes() reports them in. */
static const struct {
	uint32_t bit;
	int32_t enctype;
	const char *name; /* MIT krb5 enctype name */
} enctype_bits[] = {
	{ KEYS_SET_AES256, KEYS_ET_AES256, "aes256-cts-hmac-sha1-96" },
	{ KEYS_SET_AES128, KEYS_ET_AES128, "aes128-cts-hmac-sha1-96" },
	{ KEYS_SET_RC4, KEYS_ET_RC4, "rc4-hmac" },
	{ KEYS_SET_DES_CBC_MD5, KEYS_ET_DES_CBC_MD5, "des-cbc-md5" },
	{ KEYS_SET_DES_CBC_CRC, KEYS_ET_DES_CBC_CRC, "des-cbc-crc" },
};
#define N_ENCTYPE_BITS (sizeof(enctype_bits) / sizeof(enctype_bits[0]))

size_t keys_set_enctypes(uint32_t bits, int effective, int32_t *out, size_t cap)
{
	size_t n = 0;

	if (effective && (bits & KEYS_SET_ENCTYPE_MASK) == 0)
		bits |= KEYS_SET_AD_DEFAULT;
	for (size_t i = 0; i < N_ENCTYPE_BITS; i++) {
		if (!(bits & enctype_bits[i].bit))
			continue;
		if (out && n < cap)
			out[n] = enctype_bits[i].enctype;
		n++;
	}
	return n;
}

uint32_t keys_enctype_set_bit(int32_t enctype)
{
	for (size_t i = 0; i < N_ENCTYPE_BITS; i++)
		if (enctype_bits[i].enctype == enctype)
			return enctype_bits[i].bit;
	return 0;
}

const char *keys_enctype_name(int32_t enctype)
{
	for (size_t i = 0; i < N_ENCTYPE_BITS; i++)
		if (enctype_bits[i].enctype == enctype)
			return enctype_bits[i].name;
	return NULL;
}

const char *keys_set_bit_name(uint32_t bit)
{
	for (size_t i = 0; i < N_ENCTYPE_BITS; i++)
		if (enctype_bits[i].bit == bit)
			return enctype_bits[i].name;
	switch (bit) {
	case KEYS_SET_AES256_SK: return "aes256-sk";
	case KEYS_SET_FAST: return "fast";
	case KEYS_SET_COMPOUND_ID: return "compound-identity";
	case KEYS_SET_CLAIMS: return "claims";
	case KEYS_SET_NO_RES_SID_COMPRESSION: return "resource-sid-compression-disabled";
	}
	return NULL;
}

int keys_set_str(uint32_t bits, const char *sep, char *buf, size_t cap)
{
	size_t pos = 0;
	int rc = 0, first = 1;

	if (!buf || cap == 0)
		return -1;
	buf[0] = '\0';
	if (!sep)
		sep = ",";
	for (int b = 0; b < 32; b++) {
		uint32_t bit = 1u << b;
		const char *name;
		char hex[16];

		if (!(bits & bit))
			continue;
		if (!(name = keys_set_bit_name(bit))) {
			snprintf(hex, sizeof(hex), "0x%x", bit);
			name = hex;
		}
		if (!first && put(buf, cap, &pos, sep, strlen(sep), NULL))
			rc = -1;
		if (rc == 0 && put(buf, cap, &pos, name, strlen(name), NULL))
			rc = -1;
		if (rc)
			break;
		first = 0;
	}
	return rc;
}

/* ---- machine passwords ---------------------------------------------- */

int keys_rng_system(void *ctx, void *buf, size_t len)
{
	(void)ctx;
	return nlt_random(buf, len);
}

/* Largest multiple of the alphabet size that fits in a byte: 2 * 94 = 188. */
#define ACCEPT_BELOW (256 - 256 % KEYS_PASSWORD_ALPHABET)
/* Whole passwords redrawn for a missing class before we blame the RNG. */
#define MAX_DRAWS 64

static int has_all_classes(const char *s, size_t n)
{
	int upper = 0, lower = 0, digit = 0, other = 0;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c >= 'A' && c <= 'Z')
			upper = 1;
		else if (c >= 'a' && c <= 'z')
			lower = 1;
		else if (c >= '0' && c <= '9')
			digit = 1;
		else
			other = 1;
	}
	return upper && lower && digit && other;
}

/*
 * Fill out[0..len) uniformly.  Each byte is accepted with probability
 * 188/256; a source that keeps failing that (a broken RNG) is stopped
 * after 8 * len + 256 bytes instead of looping forever.
 */
static int draw(keys_rng_fn rng, void *ctx, size_t len, char *out)
{
	uint8_t pool[64];
	size_t have = 0, used = 0, filled = 0, budget = 8 * len + 256;
	int rc = -1;

	while (filled < len) {
		uint8_t b;

		if (used == have) {
			if (budget == 0 || rng(ctx, pool, sizeof(pool)) != 0)
				goto out;
			have = sizeof(pool) < budget ? sizeof(pool) : budget;
			budget -= have;
			used = 0;
		}
		b = pool[used++];
		if (b < ACCEPT_BELOW)
			out[filled++] = (char)(KEYS_PASSWORD_FIRST + b % KEYS_PASSWORD_ALPHABET);
	}
	rc = 0;
out:
	nlt_wipe(pool, sizeof(pool));
	return rc;
}

int keys_gen_password(keys_rng_fn rng, void *rng_ctx, size_t len, char *out, size_t cap, struct nlt_err *err)
{
	if (!rng || !out || len < KEYS_PASSWORD_MIN || len > KEYS_PASSWORD_MAX || cap <= len) {
		if (out && cap)
			nlt_wipe(out, cap);
		return nlt_seterr(err, NLT_EUSAGE,
				  "machine password: length %zu (buffer %zu) outside %d..%d", len, cap,
				  KEYS_PASSWORD_MIN, KEYS_PASSWORD_MAX);
	}
	for (int tries = 0; tries < MAX_DRAWS; tries++) {
		if (draw(rng, rng_ctx, len, out) != 0)
			break;
		if (has_all_classes(out, len)) {
			out[len] = '\0';
			return 0;
		}
	}
	nlt_wipe(out, cap);
	return nlt_seterr(err, NLT_EINTERNAL, "machine password: the random source failed");
}
