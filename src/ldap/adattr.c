/* src/ldap/adattr.c - pure decoders for computer-object attributes (see adattr.h). */
#include "config.h"
#include "adattr.h"

#include <stdio.h>
#include <string.h>

static const char *const uac_names[32] = {
	[0] = "script",
	[1] = "accountdisable",
	[3] = "homedir_required",
	[4] = "lockout",
	[5] = "passwd_notreqd",
	[6] = "passwd_cant_change",
	[7] = "encrypted_text_pwd_allowed",
	[8] = "temp_duplicate_account",
	[9] = "normal_account",
	[11] = "interdomain_trust_account",
	[12] = "workstation_trust_account",
	[13] = "server_trust_account",
	[16] = "dont_expire_password",
	[17] = "mns_logon_account",
	[18] = "smartcard_required",
	[19] = "trusted_for_delegation",
	[20] = "not_delegated",
	[21] = "use_des_key_only",
	[22] = "dont_req_preauth",
	[23] = "password_expired",
	[24] = "trusted_to_auth_for_delegation",
	[26] = "partial_secrets_account",
};

static const char *const enc_names[32] = {
	[0] = "des-cbc-crc",
	[1] = "des-cbc-md5",
	[2] = "rc4-hmac",
	[3] = "aes128-cts-hmac-sha1-96",
	[4] = "aes256-cts-hmac-sha1-96",
	[5] = "fast-supported",
	[6] = "compound-identity-supported",
	[7] = "claims-supported",
	[8] = "resource-sid-compression-disabled",
};

const char *ad_uac_bit_name(unsigned bit)
{
	return bit < 32 ? uac_names[bit] : NULL;
}

const char *ad_enctype_bit_name(unsigned bit)
{
	return bit < 32 ? enc_names[bit] : NULL;
}

static const char *bits_str(uint32_t v, const char *const names[32], char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < 32; i++) {
		char tmp[16];
		const char *n;
		int w;
		if (!(v & (1u << i)))
			continue;
		n = names[i];
		if (!n) {
			snprintf(tmp, sizeof(tmp), "0x%x", 1u << i);
			n = tmp;
		}
		w = snprintf(buf + o, len - o, "%s%s", o ? " " : "", n);
		if (w < 0 || (size_t)w >= len - o) {
			buf[o] = '\0'; /* drop the name that did not fit */
			break;
		}
		o += (size_t)w;
	}
	return buf;
}

const char *ad_uac_str(uint32_t uac, char *buf, size_t len)
{
	return bits_str(uac, uac_names, buf, len);
}

const char *ad_enctypes_str(uint32_t et, char *buf, size_t len)
{
	return bits_str(et, enc_names, buf, len);
}

/* FILETIME epoch (1601-01-01) is 11644473600 s before the Unix epoch. */
#define FT_UNIX_DIFF 11644473600LL

int64_t ad_filetime_to_unix(int64_t ft)
{
	if (ft <= 0 || ft == INT64_MAX)
		return -1;
	return ft / 10000000 - FT_UNIX_DIFF;
}

static int digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t days_from_civil(int y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int64_t ad_gentime_to_unix(const char *s)
{
	static const int mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, mo, d, h, mi, sec;
	size_t n = strlen(s), i = 14;

	if (n < 15 || digits(s, 4, &y) || digits(s + 4, 2, &mo) || digits(s + 6, 2, &d) || digits(s + 8, 2, &h) ||
	    digits(s + 10, 2, &mi) || digits(s + 12, 2, &sec))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || sec > 60)
		return -1;
	if (s[i] == '.' || s[i] == ',') {
		i++;
		if (i >= n || s[i] < '0' || s[i] > '9')
			return -1;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	if (s[i] != 'Z' || i + 1 != n)
		return -1;
	return days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
}
