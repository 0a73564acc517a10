/*
 * proto/keytab.c - MIT keytab file format 0x0502 codec (see keytab.h).
 *
 * The format has no specification beyond MIT krb5's
 * src/lib/krb5/keytab/kt_file.c (the comment above its read routine) and
 * Heimdal's lib/krb5/keytab_file.c; the layout below follows those.
 */
#include "keytab.h"

#include <string.h>

/* u16 num_components, u16 realm length, u32 name_type, u32 timestamp, u8 vno8, u16 enctype, u16 key length */
#define KT_ENTRY_FIXED 17
/* the smallest record: one component and a key of one octet each, a realm of one */
#define KT_ENTRY_MIN (KT_ENTRY_FIXED + 2 + 3)

const char *kt_strerror(int err)
{
	if (err == KT_EVERSION1)
		return "keytab version 0x0501 (native byte order) is not supported";
	return wire_strerror(err);
}

/* data ::= u16 length, length octets (1..KT_MAX_STRING, or KT_MAX_KEY for keys) */
static void get_data(struct wrd *r, struct kt_str *out, size_t max)
{
	uint16_t n = wrd_u16be(r);

	out->ptr = NULL;
	out->len = 0;
	if (wrd_err(r))
		return;
	if (n == 0) {
		wrd_fail(r, WIRE_EBAD);
		return;
	}
	if (n > max) {
		wrd_fail(r, WIRE_ELIMIT);
		return;
	}
	out->ptr = wrd_ptr(r, n);
	out->len = out->ptr ? n : 0;
}

/*
 * One entry filling the record reader rr (kt_file.c
 * krb5_ktfileint_internal_read_entry).  Overrunning the record is a bad
 * size field, so WIRE_ETRUNC inside it becomes WIRE_EBAD.
 */
static int dec_entry(struct wrd *rr, struct kt_entry *e)
{
	uint16_t ncomp;
	uint8_t vno8;

	memset(e, 0, sizeof(*e));
	ncomp = wrd_u16be(rr);
	if (!wrd_err(rr) && ncomp == 0)
		wrd_fail(rr, WIRE_EBAD);
	/* each component is at least a length and one octet */
	if (wrd_check_count(rr, ncomp, 3, KT_MAX_COMPONENTS)) {
		get_data(rr, &e->realm, KT_MAX_STRING);
		for (size_t i = 0; i < ncomp; i++)
			get_data(rr, &e->comp[i], KT_MAX_STRING);
		e->n_comp = ncomp;
	}
	e->name_type = wrd_u32be(rr);
	e->timestamp = wrd_u32be(rr);
	vno8 = wrd_u8(rr);
	e->enctype = (int16_t)wrd_u16be(rr);
	get_data(rr, &e->key, KT_MAX_KEY);
	e->kvno = vno8;
	if (wrd_left(rr) >= 4) {
		uint32_t vno32 = wrd_u32be(rr);

		if (vno32 != 0) /* zero: the bytes are fill, not a kvno */
			e->kvno = vno32;
	}
	/* fill left when this entry reused a larger hole: zeroed by the delete */
	while (wrd_left(rr)) {
		if (wrd_u8(rr) != 0)
			wrd_fail(rr, WIRE_EBAD);
	}
	if (wrd_err(rr) == WIRE_ETRUNC)
		return WIRE_EBAD;
	return wrd_err(rr);
}

/*
 * One pass over the file; stores entries when out != NULL (cap checked by
 * the caller's first pass).
 */
static int walk(const uint8_t *buf, size_t len, struct kt_entry *out, struct kt_dec_info *info)
{
	struct wrd r;
	uint16_t version;

	memset(info, 0, sizeof(*info));
	wrd_init(&r, buf, len);
	version = wrd_u16be(&r);
	if (wrd_err(&r))
		return wrd_err(&r);
	if (version == KT_VERSION_1)
		return KT_EVERSION1;
	if (version != KT_VERSION_2)
		return WIRE_EBAD;

	while (wrd_left(&r)) {
		int32_t size = (int32_t)wrd_u32be(&r);
		struct wrd rr;
		struct kt_entry e;
		int err;

		if (wrd_err(&r))
			return wrd_err(&r); /* 1..3 stray bytes */
		if (size == 0) {
			info->tail = wrd_left(&r);
			break;
		}
		if (size < 0) {
			/* INT32_MIN has no positive counterpart (kt_file.c find_slot) */
			if (size == INT32_MIN)
				return WIRE_EBAD;
			wrd_skip(&r, (size_t)-size);
			if (wrd_err(&r))
				return wrd_err(&r);
			info->n_holes++;
			info->hole_bytes += (size_t)-size;
			continue;
		}
		rr = wrd_sub(&r, (size_t)size);
		if (wrd_err(&r))
			return wrd_err(&r);
		if (size < KT_ENTRY_MIN)
			return WIRE_EBAD;
		if ((err = dec_entry(&rr, &e)) != WIRE_OK)
			return err;
		if (out)
			out[info->n_entries] = e;
		info->n_entries++;
	}
	return WIRE_OK;
}

int kt_dec(const uint8_t *buf, size_t len, struct kt_entry *entries, size_t cap, struct kt_dec_info *info)
{
	struct kt_dec_info in;
	int err;

	/* First pass validates and counts without writing entries[]. */
	if ((err = walk(buf, len, NULL, &in)) != WIRE_OK)
		return err;
	if (entries) {
		if (in.n_entries > cap)
			return WIRE_ELIMIT;
		if ((err = walk(buf, len, entries, &in)) != WIRE_OK)
			return err;
	}
	if (info)
		*info = in;
	return WIRE_OK;
}

/* ---- encoder ------------------------------------------------------- */

static int str_ok(const struct kt_str *s, size_t max)
{
	return s->ptr && s->len >= 1 && s->len <= max;
}

/* The record size (without the size field), or 0 for an invalid entry. */
static size_t entry_len(const struct kt_entry *e)
{
	size_t n;

	if (e->n_comp < 1 || e->n_comp > KT_MAX_COMPONENTS || !str_ok(&e->realm, KT_MAX_STRING) ||
	    !str_ok(&e->key, KT_MAX_KEY) || e->enctype < INT16_MIN || e->enctype > UINT16_MAX)
		return 0;
	n = KT_ENTRY_FIXED + e->realm.len + e->key.len + 4; /* + vno32 */
	for (size_t i = 0; i < e->n_comp; i++) {
		if (!str_ok(&e->comp[i], KT_MAX_STRING))
			return 0;
		n += 2 + e->comp[i].len;
	}
	return n; /* at most ~17 KB: fits the i32 size field */
}

size_t kt_enc_len(const struct kt_entry *entries, size_t n)
{
	size_t total = 2;

	if (n && !entries)
		return 0;
	for (size_t i = 0; i < n; i++) {
		size_t el = entry_len(&entries[i]);

		if (el == 0 || total > SIZE_MAX - 4 - el)
			return 0;
		total += 4 + el;
	}
	return total;
}

static void put_data(struct wwr *w, const struct kt_str *s)
{
	wwr_u16be(w, (uint16_t)s->len);
	wwr_bytes(w, s->ptr, s->len);
}

int kt_enc(struct wwr *w, const struct kt_entry *entries, size_t n)
{
	if (wwr_err(w))
		return wwr_err(w);
	if (n && !entries)
		return w->err = WIRE_EBAD;
	for (size_t i = 0; i < n; i++)
		if (entry_len(&entries[i]) == 0)
			return w->err = WIRE_EBAD;

	wwr_u16be(w, KT_VERSION_2);
	for (size_t i = 0; i < n; i++) {
		const struct kt_entry *e = &entries[i];

		wwr_u32be(w, (uint32_t)entry_len(e));
		wwr_u16be(w, (uint16_t)e->n_comp);
		put_data(w, &e->realm);
		for (size_t c = 0; c < e->n_comp; c++)
			put_data(w, &e->comp[c]);
		wwr_u32be(w, e->name_type);
		wwr_u32be(w, e->timestamp);
		wwr_u8(w, (uint8_t)e->kvno);
		wwr_u16be(w, (uint16_t)e->enctype);
		put_data(w, &e->key);
		wwr_u32be(w, e->kvno);
	}
	return wwr_err(w);
}

/* ---- principal names ----------------------------------------------- */

int kt_entry_set_principal(struct kt_entry *e, const char *princ)
{
	struct kt_entry t;
	const char *at, *p;

	if (!e || !princ || strchr(princ, '\\'))
		return WIRE_EBAD;
	at = strrchr(princ, '@');
	if (!at || at == princ || at[1] == '\0' || memchr(princ, '@', (size_t)(at - princ)))
		return WIRE_EBAD;
	t = *e;
	t.n_comp = 0;
	t.realm.ptr = (const uint8_t *)(at + 1);
	t.realm.len = strlen(at + 1);
	if (t.realm.len > KT_MAX_STRING)
		return WIRE_ELIMIT;
	p = princ;
	for (;;) {
		const char *slash = memchr(p, '/', (size_t)(at - p));
		const char *end = slash ? slash : at;

		if (end == p)
			return WIRE_EBAD;
		if (t.n_comp == KT_MAX_COMPONENTS || (size_t)(end - p) > KT_MAX_STRING)
			return WIRE_ELIMIT;
		t.comp[t.n_comp].ptr = (const uint8_t *)p;
		t.comp[t.n_comp].len = (size_t)(end - p);
		t.n_comp++;
		if (!slash)
			break;
		p = slash + 1;
	}
	for (size_t i = t.n_comp; i < KT_MAX_COMPONENTS; i++) {
		t.comp[i].ptr = NULL;
		t.comp[i].len = 0;
	}
	t.name_type = KT_NT_PRINCIPAL;
	*e = t;
	return WIRE_OK;
}

static void put_escaped(struct wwr *w, const struct kt_str *s)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < s->len; i++) {
		uint8_t c = s->ptr[i];

		if (c == '/' || c == '@' || c == '\\') {
			wwr_u8(w, '\\');
			wwr_u8(w, c);
		} else if (c < 0x20 || c > 0x7e) {
			uint8_t esc[4] = { '\\', 'x', (uint8_t)hex[c >> 4], (uint8_t)hex[c & 15] };

			wwr_bytes(w, esc, sizeof(esc));
		} else {
			wwr_u8(w, c);
		}
	}
}

int kt_entry_principal_str(const struct kt_entry *e, char *buf, size_t cap)
{
	struct wwr w;

	if (!buf || cap == 0)
		return WIRE_ESPACE;
	wwr_init(&w, buf, cap - 1); /* room for the NUL */
	for (size_t i = 0; i < e->n_comp && i < KT_MAX_COMPONENTS; i++) {
		if (i)
			wwr_u8(&w, '/');
		put_escaped(&w, &e->comp[i]);
	}
	wwr_u8(&w, '@');
	put_escaped(&w, &e->realm);
	/* on ESPACE w.len stops at the last whole write */
	buf[wwr_len(&w)] = '\0';
	return wwr_err(&w);
}

static int str_eq(const struct kt_str *a, const struct kt_str *b)
{
	return a->len == b->len && (a->len == 0 || memcmp(a->ptr, b->ptr, a->len) == 0);
}

int kt_principal_eq(const struct kt_entry *a, const struct kt_entry *b)
{
	if (a->n_comp != b->n_comp || a->n_comp > KT_MAX_COMPONENTS || !str_eq(&a->realm, &b->realm))
		return 0;
	for (size_t i = 0; i < a->n_comp; i++)
		if (!str_eq(&a->comp[i], &b->comp[i]))
			return 0;
	return 1;
}
