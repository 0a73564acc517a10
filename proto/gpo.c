/* proto/gpo.c - gPLink and GptTmpl.inf decoders (see gpo.h). */
#include "gpo.h"

#include <string.h>

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int ieq(const char *a, size_t alen, const char *b)
{
	size_t bl = strlen(b);

	if (alen != bl)
		return 0;
	for (size_t i = 0; i < bl; i++)
		if (lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
			return 0;
	return 1;
}

static int blank(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int gpo_dec_gplink(const char *s, size_t len, struct gpo_link *out, size_t max, size_t *n)
{
	size_t i = 0;

	*n = 0;
	if (!s)
		return len ? WIRE_EBAD : WIRE_OK;
	for (;;) {
		size_t dn0, dn1;
		uint64_t v = 0;
		size_t digits = 0;

		while (i < len && blank((unsigned char)s[i]))
			i++;
		if (i == len)
			return WIRE_OK;
		if (len - i < 8 || !ieq(s + i, 8, "[LDAP://"))
			return WIRE_EBAD;
		i += 8;
		dn0 = i;
		while (i < len && s[i] != ';' && s[i] != '[' && s[i] != ']' && s[i] != '\0')
			i++;
		if (i == len || s[i] != ';' || i == dn0)
			return WIRE_EBAD;
		dn1 = i++;
		while (i < len && s[i] >= '0' && s[i] <= '9') {
			v = v * 10 + (uint64_t)(s[i] - '0');
			if (v > UINT32_MAX)
				return WIRE_EBAD;
			i++;
			digits++;
		}
		if (!digits || i == len || s[i] != ']')
			return WIRE_EBAD;
		i++;
		if (*n == max)
			return WIRE_ELIMIT;
		out[*n].dn = s + dn0;
		out[*n].dn_len = dn1 - dn0;
		out[*n].options = (uint32_t)v;
		(*n)++;
	}
}

static int hexd(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int gpo_dn_guid(const char *dn, size_t dn_len, char out[39])
{
	const char *eq;
	size_t i;

	out[0] = '\0';
	if (!dn)
		return WIRE_EBAD;
	eq = memchr(dn, '=', dn_len);
	if (!eq)
		return WIRE_EBAD;
	i = (size_t)(eq - dn) + 1;
	if (dn_len - i < 38 || (dn_len - i > 38 && dn[i + 38] != ','))
		return WIRE_EBAD;
	if (dn[i] != '{' || dn[i + 37] != '}')
		return WIRE_EBAD;
	for (size_t k = 1; k < 37; k++) {
		int c = (unsigned char)dn[i + k];
		if (k == 9 || k == 14 || k == 19 || k == 24) {
			if (c != '-')
				return WIRE_EBAD;
		} else if (!hexd(c)) {
			return WIRE_EBAD;
		}
	}
	memcpy(out, dn + i, 38);
	out[38] = '\0';
	return WIRE_OK;
}

/* ---- GptTmpl.inf ---- */

#define NETLOGON_KEY "MACHINE\\System\\CurrentControlSet\\Services\\Netlogon\\Parameters\\"
#define LINE_MAX_CHARS 1024 /* a longer line is kept to this much; no key of ours is that long */

/* "4,N" with optional blanks around each part; 0 and the value, or -1 */
static int reg_dword(const char *v, size_t n, uint32_t *out)
{
	size_t i = 0;
	uint64_t t = 0, x = 0;
	size_t d = 0;

	while (i < n && blank((unsigned char)v[i]))
		i++;
	while (i < n && v[i] >= '0' && v[i] <= '9' && t < 1000)
		t = t * 10 + (uint64_t)(v[i++] - '0'), d++;
	if (!d || t != 4)
		return -1;
	while (i < n && blank((unsigned char)v[i]))
		i++;
	if (i == n || v[i++] != ',')
		return -1;
	while (i < n && blank((unsigned char)v[i]))
		i++;
	d = 0;
	while (i < n && v[i] >= '0' && v[i] <= '9') {
		x = x * 10 + (uint64_t)(v[i++] - '0');
		if (x > UINT32_MAX)
			return -1;
		d++;
	}
	while (i < n && blank((unsigned char)v[i]))
		i++;
	if (!d || i != n)
		return -1;
	*out = (uint32_t)x;
	return 0;
}

static void take_line(const char *l, size_t n, int *in_reg, struct gpo_secedit *o)
{
	const char *eq;
	size_t kl;
	unsigned which;
	uint32_t v;

	while (n && blank((unsigned char)l[0]))
		l++, n--;
	while (n && blank((unsigned char)l[n - 1]))
		n--;
	if (!n || l[0] == ';')
		return;
	if (l[0] == '[') {
		*in_reg = ieq(l, n, "[Registry Values]");
		return;
	}
	if (!*in_reg || !(eq = memchr(l, '=', n)))
		return;
	kl = (size_t)(eq - l);
	while (kl && blank((unsigned char)l[kl - 1]))
		kl--;
	if (ieq(l, kl, NETLOGON_KEY "MaximumPasswordAge"))
		which = GPO_HAVE_MAX_AGE;
	else if (ieq(l, kl, NETLOGON_KEY "DisablePasswordChange"))
		which = GPO_HAVE_DISABLE;
	else
		return;
	if (reg_dword(eq + 1, n - (size_t)(eq + 1 - l), &v) < 0) {
		o->bad |= which;
		o->have &= ~which;
		return;
	}
	o->bad &= ~which;
	o->have |= which;
	if (which == GPO_HAVE_MAX_AGE)
		o->max_age = v;
	else
		o->disable_change = v;
}

int gpo_inf_begin(const uint8_t *buf, size_t len, size_t *pos, int *utf16)
{
	*pos = 0;
	*utf16 = 0;
	if (len >= 2 && buf[0] == 0xff && buf[1] == 0xfe) {
		if (len % 2)
			return WIRE_EBAD;
		*utf16 = 1;
		*pos = 2;
	} else if (len >= 3 && buf[0] == 0xef && buf[1] == 0xbb && buf[2] == 0xbf) {
		*pos = 3;
	}
	return WIRE_OK;
}

unsigned gpo_inf_next(const uint8_t *buf, size_t len, size_t *pos, int utf16)
{
	unsigned c;

	if (utf16 && *pos + 2 <= len) {
		c = ld_u16le(buf + *pos);
		*pos += 2;
	} else if (utf16) {
		*pos = len; /* an odd byte at the end (gpo_inf_begin refuses that): nothing */
		c = 0;
	} else {
		c = buf[(*pos)++];
	}
	return c;
}

int gpo_dec_gpttmpl(const uint8_t *buf, size_t len, struct gpo_secedit *out)
{
	char line[LINE_MAX_CHARS];
	size_t ll = 0, i = 0;
	int in_reg = 0;

	memset(out, 0, sizeof(*out));
	if (!buf)
		return len ? WIRE_EBAD : WIRE_OK;
	if (gpo_inf_begin(buf, len, &i, &out->utf16) != WIRE_OK)
		return WIRE_EBAD;
	while (i < len) {
		unsigned c = gpo_inf_next(buf, len, &i, out->utf16);
		if (c == '\n') {
			take_line(line, ll, &in_reg, out);
			out->lines++;
			ll = 0;
			continue;
		}
		/* outside ASCII, or NUL: a character no key of ours has */
		if (c == 0 || c > 0x7e)
			c = 0x7f;
		if (ll < sizeof(line))
			line[ll++] = (char)c;
	}
	if (ll) {
		take_line(line, ll, &in_reg, out);
		out->lines++;
	}
	return WIRE_OK;
}
