/* proto/sddl.c - SDDL ACE SIDs and the reuse allow-list value of a GptTmpl.inf (see sddl.h). */
#include "sddl.h"

#include <stdio.h>
#include <string.h>

#include "gpo.h"

static int blank(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

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

/* ---- SIDs ---- */

int sddl_sid_canon(const char *s, size_t len, char *out, size_t outlen)
{
	size_t i = 4, pos, subs = 0;
	uint64_t auth = 0;
	int w;

	if (outlen)
		out[0] = '\0';
	/* MS-DTYP 2.4.2.1: "S-1-" IdentifierAuthority ("-" SubAuthority)+ ; decimal only here */
	if (len < 5 || (s[0] != 'S' && s[0] != 's') || s[1] != '-' || s[2] != '1' || s[3] != '-')
		return -1;
	if (s[i] < '0' || s[i] > '9')
		return -1;
	while (i < len && s[i] >= '0' && s[i] <= '9') {
		auth = auth * 10 + (uint64_t)(s[i++] - '0');
		if (auth >= (1ull << 48))
			return -1;
	}
	w = snprintf(out, outlen, "S-1-%llu", (unsigned long long)auth);
	if (w < 0 || (size_t)w >= outlen)
		goto small;
	pos = (size_t)w;
	while (i < len) {
		uint64_t v = 0;
		size_t d = 0;
		if (s[i++] != '-' || subs == 15)
			goto bad;
		while (i < len && s[i] >= '0' && s[i] <= '9') {
			v = v * 10 + (uint64_t)(s[i++] - '0');
			if (v > UINT32_MAX)
				goto bad;
			d++;
		}
		if (!d)
			goto bad;
		w = snprintf(out + pos, outlen - pos, "-%u", (unsigned)v);
		if (w < 0 || (size_t)w >= outlen - pos)
			goto small;
		pos += (size_t)w;
		subs++;
	}
	if (!subs)
		goto bad;
	return 0;
small:
bad:
	if (outlen)
		out[0] = '\0';
	return -1;
}

/* MS-DTYP 2.5.1.1 SID strings: a well-known SID, or a RID relative to the domain (dom 1) or forest root (dom 2) */
struct alias {
	char a[3];
	int dom;
	const char *sid; /* dom 0 */
	unsigned rid;    /* dom 1, 2 */
};

static const struct alias aliases[] = {
	{ "AA", 0, "S-1-5-32-579", 0 },  { "AC", 0, "S-1-15-2-1", 0 },   { "AN", 0, "S-1-5-7", 0 },
	{ "AO", 0, "S-1-5-32-548", 0 },  { "AP", 1, NULL, 525 },         { "AS", 0, "S-1-18-1", 0 },
	{ "AU", 0, "S-1-5-11", 0 },      { "BA", 0, "S-1-5-32-544", 0 }, { "BG", 0, "S-1-5-32-546", 0 },
	{ "BO", 0, "S-1-5-32-551", 0 },  { "BU", 0, "S-1-5-32-545", 0 }, { "CA", 1, NULL, 517 },
	{ "CD", 0, "S-1-5-32-574", 0 },  { "CG", 0, "S-1-3-1", 0 },      { "CN", 1, NULL, 522 },
	{ "CO", 0, "S-1-3-0", 0 },       { "CY", 0, "S-1-5-32-569", 0 }, { "DA", 1, NULL, 512 },
	{ "DC", 1, NULL, 515 },          { "DD", 1, NULL, 516 },         { "DG", 1, NULL, 514 },
	{ "DU", 1, NULL, 513 },          { "EA", 2, NULL, 519 },         { "ED", 0, "S-1-5-9", 0 },
	{ "EK", 2, NULL, 527 },          { "ER", 0, "S-1-5-32-573", 0 }, { "ES", 0, "S-1-5-32-576", 0 },
	{ "HA", 0, "S-1-5-32-578", 0 },  { "HI", 0, "S-1-16-12288", 0 }, { "IS", 0, "S-1-5-32-568", 0 },
	{ "IU", 0, "S-1-5-4", 0 },       { "KA", 1, NULL, 526 },         { "LA", 1, NULL, 500 },
	{ "LG", 1, NULL, 501 },          { "LS", 0, "S-1-5-19", 0 },     { "LU", 0, "S-1-5-32-559", 0 },
	{ "LW", 0, "S-1-16-4096", 0 },   { "ME", 0, "S-1-16-8192", 0 },  { "MP", 0, "S-1-16-8448", 0 },
	{ "MS", 0, "S-1-5-32-577", 0 },  { "MU", 0, "S-1-5-32-558", 0 }, { "NO", 0, "S-1-5-32-556", 0 },
	{ "NS", 0, "S-1-5-20", 0 },      { "NU", 0, "S-1-5-2", 0 },      { "OW", 0, "S-1-3-4", 0 },
	{ "PA", 1, NULL, 520 },          { "PO", 0, "S-1-5-32-550", 0 }, { "PS", 0, "S-1-5-10", 0 },
	{ "PU", 0, "S-1-5-32-547", 0 },  { "RA", 0, "S-1-5-32-575", 0 }, { "RC", 0, "S-1-5-12", 0 },
	{ "RD", 0, "S-1-5-32-555", 0 },  { "RE", 0, "S-1-5-32-552", 0 }, { "RM", 0, "S-1-5-32-580", 0 },
	{ "RO", 2, NULL, 498 },          { "RS", 1, NULL, 553 },         { "RU", 0, "S-1-5-32-554", 0 },
	{ "SA", 2, NULL, 518 },          { "SI", 0, "S-1-16-16384", 0 }, { "SO", 0, "S-1-5-32-549", 0 },
	{ "SS", 0, "S-1-18-2", 0 },      { "SU", 0, "S-1-5-6", 0 },      { "SY", 0, "S-1-5-18", 0 },
	{ "UD", 0, "S-1-5-84-0-0-0-0-0", 0 }, { "WD", 0, "S-1-1-0", 0 },  { "WR", 0, "S-1-5-33", 0 },
};

/*
 * One SID at s[*i..end): an alias (two upper-case letters) or "S-1-..." up to the first character
 * that cannot belong to it.  sid gets the canonical text ("" for an unresolved relative alias),
 * alias the two letters or "".  0, or -1 when neither.
 */
static int take_sid(const char *s, size_t *i, size_t end, const char *dom, char *sid, char alias[3])
{
	size_t j = *i;

	sid[0] = alias[0] = '\0';
	if (end - j >= 2 && s[j] == 'S' && s[j + 1] == '-') {
		size_t k = j;
		while (k < end && ((s[k] >= '0' && s[k] <= '9') || s[k] == '-' || (k == j && s[k] == 'S')))
			k++;
		if (sddl_sid_canon(s + j, k - j, sid, SDDL_SID_MAX) < 0)
			return -1;
		*i = k;
		return 0;
	}
	if (end - j < 2 || s[j] < 'A' || s[j] > 'Z' || s[j + 1] < 'A' || s[j + 1] > 'Z')
		return -1;
	for (size_t a = 0; a < sizeof(aliases) / sizeof(aliases[0]); a++) {
		const struct alias *x = &aliases[a];
		if (x->a[0] != s[j] || x->a[1] != s[j + 1])
			continue;
		alias[0] = x->a[0];
		alias[1] = x->a[1];
		alias[2] = '\0';
		if (x->dom == 0) {
			snprintf(sid, SDDL_SID_MAX, "%s", x->sid);
		} else if (x->dom == 1 && dom && dom[0]) {
			char d[SDDL_SID_MAX];
			if (sddl_sid_canon(dom, strlen(dom), d, sizeof(d)) < 0)
				return -1;
			if ((size_t)snprintf(sid, SDDL_SID_MAX, "%s-%u", d, x->rid) >= SDDL_SID_MAX)
				return -1;
		}
		*i = j + 2;
		return 0;
	}
	return -1;
}

/* one ACE between '(' and its ')' (s[b..e)); kept in out when keep */
static int take_ace(const char *s, size_t b, size_t e, const char *dom, struct sddl_ace *out)
{
	size_t f[7], nf = 0, i;
	size_t fl[7];
	static const struct {
		const char *t;
		enum sddl_ace_kind k;
	} types[] = {
		{ "A", SDDL_ACE_ALLOW }, { "OA", SDDL_ACE_ALLOW }, { "D", SDDL_ACE_DENY },  { "OD", SDDL_ACE_DENY },
		{ "XA", SDDL_ACE_COND }, { "XD", SDDL_ACE_COND },  { "ZA", SDDL_ACE_COND }, { "AU", SDDL_ACE_OTHER },
		{ "AL", SDDL_ACE_OTHER }, { "OU", SDDL_ACE_OTHER }, { "OL", SDDL_ACE_OTHER }, { "ML", SDDL_ACE_OTHER },
		{ "XU", SDDL_ACE_OTHER }, { "RA", SDDL_ACE_OTHER }, { "SP", SDDL_ACE_OTHER }, { "TL", SDDL_ACE_OTHER },
		{ "FL", SDDL_ACE_OTHER },
	};
	int found = 0;

	/* fields split at ';' (six, or seven with a condition or resource attribute, which may hold ';' itself) */
	f[0] = b;
	for (i = b; i < e && nf < 5; i++)
		if (s[i] == ';') {
			fl[nf] = i - f[nf];
			f[++nf] = i + 1;
		}
	if (nf != 5)
		return WIRE_EBAD;
	/* the sixth field is the SID; a seventh, after ';', is a condition we keep no part of */
	{
		size_t j = f[5];
		char alias[3];
		if (take_sid(s, &j, e, dom, out->sid, alias) < 0)
			return WIRE_EBAD;
		memcpy(out->alias, alias, sizeof(alias));
		if (j != e && s[j] != ';')
			return WIRE_EBAD;
		fl[5] = j - f[5];
	}
	for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++)
		if (fl[0] == strlen(types[t].t) && memcmp(s + f[0], types[t].t, fl[0]) == 0) {
			out->kind = types[t].k;
			found = 1;
			break;
		}
	if (!found)
		return WIRE_EBAD;
	/* flags, rights and GUIDs: letters, digits, '-' and 'x' (hex rights) only */
	for (size_t k = 1; k <= 4; k++)
		for (size_t c = f[k]; c < f[k] + fl[k]; c++) {
			int ch = (unsigned char)s[c];
			if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-'))
				return WIRE_EBAD;
		}
	return WIRE_OK;
}

/* "D:" or "S:" body at s[*i..end): flags then "(...)"*; DACL ACEs into out when dacl */
static int take_acl(const char *s, size_t *i, size_t end, const char *dom, int dacl, struct sddl_sd *out)
{
	size_t j = *i;

	/* flags: P, AI, AR, NO_ACCESS_CONTROL, in any order */
	for (;;) {
		if (j < end && s[j] == 'P') {
			j++;
			if (dacl)
				out->dacl_flags |= SDDL_DACL_PROTECTED;
		} else if (end - j >= 2 && s[j] == 'A' && (s[j + 1] == 'I' || s[j + 1] == 'R')) {
			j += 2;
			if (dacl)
				out->dacl_flags |= SDDL_DACL_AUTO_INHERIT;
		} else if (end - j >= 17 && memcmp(s + j, "NO_ACCESS_CONTROL", 17) == 0) {
			j += 17;
			if (dacl)
				out->dacl_flags |= SDDL_DACL_NO_ACCESS;
		} else {
			break;
		}
	}
	while (j < end && s[j] == '(') {
		size_t b = j + 1, depth = 0, k;
		struct sddl_ace tmp;
		/* the ACE ends at the ')' that closes it: a condition holds parentheses of its own */
		for (k = b; k < end; k++) {
			if (s[k] == '(')
				depth++;
			else if (s[k] == ')') {
				if (!depth)
					break;
				depth--;
			}
		}
		if (k == end)
			return WIRE_EBAD;
		memset(&tmp, 0, sizeof(tmp));
		if (take_ace(s, b, k, dom, &tmp) != WIRE_OK)
			return WIRE_EBAD;
		if (dacl) {
			if (out->n_ace == SDDL_MAX_ACES)
				return WIRE_ELIMIT;
			out->ace[out->n_ace++] = tmp;
		}
		j = k + 1;
	}
	*i = j;
	return WIRE_OK;
}

int sddl_dec(const char *s, size_t len, const char *domain_sid, struct sddl_sd *out)
{
	size_t i = 0, end = len;
	int last = 0; /* the part seen last: 1 O, 2 G, 3 D, 4 S */
	int rc;

	memset(out, 0, sizeof(*out));
	if (!s)
		return WIRE_EBAD;
	while (i < end && blank((unsigned char)s[i]))
		i++;
	while (end > i && blank((unsigned char)s[end - 1]))
		end--;
	if (i == end)
		return WIRE_EBAD;
	while (i < end) {
		int part;
		char alias[3];
		if (end - i < 2 || s[i + 1] != ':')
			return WIRE_EBAD;
		part = s[i] == 'O' ? 1 : s[i] == 'G' ? 2 : s[i] == 'D' ? 3 : s[i] == 'S' ? 4 : 0;
		if (!part || part <= last)
			return WIRE_EBAD;
		last = part;
		i += 2;
		if (part <= 2) {
			if (take_sid(s, &i, end, domain_sid, part == 1 ? out->owner : out->group, alias) < 0)
				return WIRE_EBAD;
			continue;
		}
		if (part == 3)
			out->have_dacl = 1;
		rc = take_acl(s, &i, end, domain_sid, part == 3, out);
		if (rc != WIRE_OK)
			return rc;
	}
	return WIRE_OK;
}

/* ---- the value in a GptTmpl.inf ---- */

#define KEY_MAX 256 /* a key longer than this is not ours */

struct vline {
	char key[KEY_MAX];
	size_t klen;
	int key_long; /* the key ran past KEY_MAX */
	int saw_eq;
	int ours;     /* the key is ours (in [Registry Values]) */
	int nonascii; /* ours, and the value holds a character outside ASCII */
	size_t vlen;
	int vlong;
	int in_reg;
};

/* 1,"TEXT" or 1,TEXT with blanks around the parts, in place in o->text; 0 or -1 */
static int reg_sz(struct sddl_reuse_val *o)
{
	char *v = o->text;
	size_t n = o->len, i = 0, b, e;

	while (i < n && blank((unsigned char)v[i]))
		i++;
	if (i == n || v[i] != '1')
		return -1;
	i++;
	while (i < n && blank((unsigned char)v[i]))
		i++;
	if (i == n || v[i++] != ',')
		return -1;
	while (i < n && blank((unsigned char)v[i]))
		i++;
	while (n > i && blank((unsigned char)v[n - 1]))
		n--;
	b = i;
	e = n;
	if (b < e && v[b] == '"') {
		if (e - b < 2 || v[e - 1] != '"')
			return -1;
		b++;
		e--;
		if (memchr(v + b, '"', e - b))
			return -1;
	}
	if (b == e)
		return -1;
	memmove(v, v + b, e - b);
	o->len = e - b;
	v[o->len] = '\0';
	return 0;
}

static void end_line(struct vline *l, struct sddl_reuse_val *o)
{
	size_t k = l->klen, s = 0;

	if (!l->saw_eq) {
		while (s < k && blank((unsigned char)l->key[s]))
			s++;
		while (k > s && blank((unsigned char)l->key[k - 1]))
			k--;
		/* a section header (a comment or any other line changes nothing) */
		if (!l->key_long && k > s && l->key[s] == '[')
			l->in_reg = ieq(l->key + s, k - s, "[Registry Values]");
	} else if (l->ours) {
		if (l->vlong || l->nonascii || reg_sz(o) < 0) {
			o->state = SDDL_VAL_BAD;
			o->text[0] = '\0';
			o->len = 0;
		} else {
			o->state = SDDL_VAL_SET;
		}
	}
	l->klen = l->vlen = 0;
	l->key_long = l->saw_eq = l->ours = l->nonascii = l->vlong = 0;
}

static void take_char(struct vline *l, struct sddl_reuse_val *o, unsigned c)
{
	if (!l->saw_eq) {
		if (c == '=') {
			size_t k = l->klen, s = 0;
			l->saw_eq = 1;
			while (s < k && blank((unsigned char)l->key[s]))
				s++;
			while (k > s && blank((unsigned char)l->key[k - 1]))
				k--;
			l->ours = l->in_reg && !l->key_long && l->key[s] != ';' && ieq(l->key + s, k - s, SDDL_REUSE_KEY);
			if (l->ours)
				o->len = 0;
			return;
		}
		if (l->klen < KEY_MAX)
			l->key[l->klen++] = c > 0x7e || c == 0 ? 0x7f : (char)c;
		else
			l->key_long = 1;
		return;
	}
	if (!l->ours)
		return;
	if (c > 0x7e || c == 0 || (c < 0x20 && c != '\t' && c != '\r')) {
		l->nonascii = 1;
		return;
	}
	if (o->len < sizeof(o->text) - 1)
		o->text[o->len++] = (char)c;
	else
		l->vlong = 1;
}

int sddl_dec_reuse_value(const uint8_t *buf, size_t len, struct sddl_reuse_val *out)
{
	struct vline l;
	size_t i = 0;

	memset(out, 0, sizeof(*out));
	memset(&l, 0, sizeof(l));
	if (!buf)
		return len ? WIRE_EBAD : WIRE_OK;
	if (gpo_inf_begin(buf, len, &i, &out->utf16) != WIRE_OK)
		return WIRE_EBAD;
	while (i < len) {
		unsigned c = gpo_inf_next(buf, len, &i, out->utf16);
		if (c == '\n')
			end_line(&l, out);
		else
			take_char(&l, out, c);
	}
	end_line(&l, out);
	/* a line of ours left text behind that is not the value: keep the value only when SET */
	if (out->state != SDDL_VAL_SET) {
		out->len = 0;
		out->text[0] = '\0';
	}
	return WIRE_OK;
}
