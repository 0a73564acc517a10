/*
 * proto/ndr.c - NDR 2.0 primitives (C706 ch.14; MS-RPCE 2.2.5; MS-DTYP).
 */
#include "ndr.h"

#include <string.h>

/* ---- GUID ---- */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int ndr_guid_parse(const char *s, struct ndr_guid *g)
{
	uint8_t b[16];
	size_t n = 0;

	/* 8-4-4-4-12 */
	for (size_t i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return -1;
			continue;
		}
		int hi = hexval(s[i]), lo;
		if (hi < 0 || (lo = hexval(s[i + 1])) < 0)
			return -1;
		b[n++] = (uint8_t)(hi << 4 | lo);
		i++;
	}
	if (s[36] != '\0' || n != 16)
		return -1;
	g->d1 = ld_u32be(b);
	g->d2 = ld_u16be(b + 4);
	g->d3 = ld_u16be(b + 6);
	memcpy(g->d4, b + 8, 8);
	return 0;
}

int ndr_guid_equal(const struct ndr_guid *a, const struct ndr_guid *b)
{
	return a->d1 == b->d1 && a->d2 == b->d2 && a->d3 == b->d3 && memcmp(a->d4, b->d4, 8) == 0;
}

/* ---- primitives ---- */

uint8_t ndr_get_u8(struct wrd *r) { return wrd_u8(r); }
uint16_t ndr_get_u16(struct wrd *r) { wrd_align(r, 2); return wrd_u16le(r); }
uint32_t ndr_get_u32(struct wrd *r) { wrd_align(r, 4); return wrd_u32le(r); }
uint64_t ndr_get_u64(struct wrd *r) { wrd_align(r, 8); return wrd_u64le(r); }

void ndr_get_guid(struct wrd *r, struct ndr_guid *g)
{
	g->d1 = ndr_get_u32(r);
	g->d2 = wrd_u16le(r);
	g->d3 = wrd_u16le(r);
	wrd_bytes(r, g->d4, 8);
}

void ndr_put_u8(struct wwr *w, uint8_t v) { wwr_u8(w, v); }
void ndr_put_u16(struct wwr *w, uint16_t v) { wwr_align(w, 2); wwr_u16le(w, v); }
void ndr_put_u32(struct wwr *w, uint32_t v) { wwr_align(w, 4); wwr_u32le(w, v); }
void ndr_put_u64(struct wwr *w, uint64_t v) { wwr_align(w, 8); wwr_u64le(w, v); }

void ndr_put_guid(struct wwr *w, const struct ndr_guid *g)
{
	ndr_put_u32(w, g->d1);
	wwr_u16le(w, g->d2);
	wwr_u16le(w, g->d3);
	wwr_bytes(w, g->d4, 8);
}

/* ---- pointers (C706 14.3.10: referent id; MS-RPCE 2.2.5.3.3.1) ---- */

void ndr_put_unique_ptr(struct wwr *w, struct ndr_ptrs *p, int present)
{
	if (!present) {
		ndr_put_u32(w, 0);
		return;
	}
	ndr_put_u32(w, p->next);
	p->next += p->step;
}

int ndr_get_unique_ptr(struct wrd *r)
{
	uint32_t id = ndr_get_u32(r);

	return !r->err && id != 0;
}

void ndr_put_ref_ptr(struct wwr *w, struct ndr_ptrs *p)
{
	ndr_put_unique_ptr(w, p, 1);
}

void ndr_get_ref_ptr(struct wrd *r)
{
	if (ndr_get_u32(r) == 0)
		wrd_fail(r, WIRE_EBAD);
}

/* ---- arrays (C706 14.3.3.2-4) ---- */

uint32_t ndr_get_conformant(struct wrd *r, size_t elem_size, uint32_t limit)
{
	uint32_t max = ndr_get_u32(r);

	if (r->err)
		return 0;
	if (!wrd_check_count(r, max, elem_size, limit))
		return 0;
	return max;
}

void ndr_get_cv_hdr(struct wrd *r, size_t elem_size, uint32_t limit, uint32_t *max_count,
		    uint32_t *actual_count)
{
	uint32_t max = ndr_get_u32(r);
	uint32_t off = wrd_u32le(r);
	uint32_t act = wrd_u32le(r);

	*max_count = 0;
	*actual_count = 0;
	if (r->err)
		return;
	if (max > limit) {
		wrd_fail(r, WIRE_ELIMIT);
		return;
	}
	if (off != 0 || act > max) {
		wrd_fail(r, WIRE_EBAD);
		return;
	}
	if (!wrd_check_count(r, act, elem_size, limit))
		return;
	*max_count = max;
	*actual_count = act;
}

void ndr_put_conformant(struct wwr *w, uint32_t max_count)
{
	ndr_put_u32(w, max_count);
}

void ndr_put_cv_hdr(struct wwr *w, uint32_t max_count, uint32_t actual_count)
{
	ndr_put_u32(w, max_count);
	wwr_u32le(w, 0);
	wwr_u32le(w, actual_count);
}

/* ---- UTF-8 <-> UTF-16 ---- */

/* Next code point of a UTF-8 string; -1 when invalid, 0 at the end. */
static long utf8_next(const unsigned char **ps)
{
	const unsigned char *s = *ps;
	unsigned long c = s[0];
	int n;
	unsigned long min;

	if (c == 0)
		return 0;
	if (c < 0x80) {
		*ps = s + 1;
		return (long)c;
	}
	if ((c & 0xe0) == 0xc0) {
		n = 1; c &= 0x1f; min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		n = 2; c &= 0x0f; min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		n = 3; c &= 0x07; min = 0x10000;
	} else {
		return -1;
	}
	for (int i = 1; i <= n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return -1;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return -1;
	*ps = s + n + 1;
	return (long)c;
}

long ndr_utf16_units(const char *utf8)
{
	const unsigned char *s = (const unsigned char *)utf8;
	long units = 0, c;

	while ((c = utf8_next(&s)) > 0)
		units += c >= 0x10000 ? 2 : 1;
	return c < 0 ? -1 : units;
}

/* Write the UTF-16LE units of utf8 (already validated by ndr_utf16_units). */
static void put_utf16(struct wwr *w, const char *utf8)
{
	const unsigned char *s = (const unsigned char *)utf8;
	long c;

	while ((c = utf8_next(&s)) > 0) {
		if (c >= 0x10000) {
			c -= 0x10000;
			wwr_u16le(w, (uint16_t)(0xd800 | (c >> 10)));
			wwr_u16le(w, (uint16_t)(0xdc00 | (c & 0x3ff)));
		} else {
			wwr_u16le(w, (uint16_t)c);
		}
	}
}

static int utf16_to_utf8(const uint8_t *src, size_t units, char *out, size_t out_size)
{
	size_t o = 0;

	if (out_size == 0)
		return WIRE_ELIMIT;
	out[0] = '\0';
	for (size_t i = 0; i < units; i++) {
		unsigned long c = ld_u16le(src + 2 * i);
		uint8_t enc[4];
		size_t n;

		if (c == 0)
			return WIRE_EBAD; /* interior NUL: we would truncate */
		if (c >= 0xdc00 && c <= 0xdfff)
			return WIRE_EBAD;
		if (c >= 0xd800 && c <= 0xdbff) {
			unsigned long lo;
			if (i + 1 >= units)
				return WIRE_EBAD;
			lo = ld_u16le(src + 2 * (i + 1));
			if (lo < 0xdc00 || lo > 0xdfff)
				return WIRE_EBAD;
			c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
			i++;
		}
		if (c < 0x80) {
			enc[0] = (uint8_t)c; n = 1;
		} else if (c < 0x800) {
			enc[0] = (uint8_t)(0xc0 | c >> 6); enc[1] = (uint8_t)(0x80 | (c & 0x3f)); n = 2;
		} else if (c < 0x10000) {
			enc[0] = (uint8_t)(0xe0 | c >> 12); enc[1] = (uint8_t)(0x80 | ((c >> 6) & 0x3f));
			enc[2] = (uint8_t)(0x80 | (c & 0x3f)); n = 3;
		} else {
			enc[0] = (uint8_t)(0xf0 | c >> 18); enc[1] = (uint8_t)(0x80 | ((c >> 12) & 0x3f));
			enc[2] = (uint8_t)(0x80 | ((c >> 6) & 0x3f)); enc[3] = (uint8_t)(0x80 | (c & 0x3f)); n = 4;
		}
		if (o + n >= out_size) {
			out[0] = '\0';
			return WIRE_ELIMIT;
		}
		memcpy(out + o, enc, n);
		o += n;
	}
	out[o] = '\0';
	return WIRE_OK;
}

int ndr_utf16le_to_utf8(const uint8_t *src, size_t units, char *out, size_t out_size)
{
	int rc = utf16_to_utf8(src, units, out, out_size);

	if (rc && out_size)
		out[0] = '\0'; /* never hand back a partial string */
	return rc;
}

/* ---- [string] wchar_t * (C706 14.3.4, MS-RPCE 2.2.5.3.4.2) ---- */

void ndr_put_wstring(struct wwr *w, const char *utf8)
{
	long units = ndr_utf16_units(utf8);

	if (w->err)
		return;
	if (units < 0 || (unsigned long)units >= NDR_WSTRING_MAX) {
		w->err = units < 0 ? WIRE_EBAD : WIRE_ELIMIT;
		return;
	}
	ndr_put_cv_hdr(w, (uint32_t)units + 1, (uint32_t)units + 1);
	put_utf16(w, utf8);
	wwr_u16le(w, 0);
}

void ndr_get_wstring(struct wrd *r, char *out, size_t out_size)
{
	uint32_t max, act;
	const uint8_t *p;
	int rc;

	if (out_size)
		out[0] = '\0';
	ndr_get_cv_hdr(r, 2, NDR_WSTRING_MAX, &max, &act);
	if (r->err)
		return;
	if (act == 0) {
		wrd_fail(r, WIRE_EBAD); /* a [string] always carries its NUL */
		return;
	}
	p = wrd_ptr(r, (size_t)act * 2);
	if (!p)
		return;
	if (ld_u16le(p + 2 * (act - 1)) != 0) {
		wrd_fail(r, WIRE_EBAD);
		return;
	}
	rc = ndr_utf16le_to_utf8(p, act - 1, out, out_size);
	if (rc)
		wrd_fail(r, rc);
}

/* ---- RPC_UNICODE_STRING (MS-DTYP 2.3.10) ---- */

void ndr_put_ustr(struct wwr *w, struct ndr_ptrs *p, const char *utf8, struct ndr_ustr *u)
{
	long units = utf8 ? ndr_utf16_units(utf8) : 0;

	memset(u, 0, sizeof(*u));
	if (units < 0 || units > 0x7fff) {
		if (!w->err)
			w->err = units < 0 ? WIRE_EBAD : WIRE_ELIMIT;
		return;
	}
	u->length = (uint16_t)(units * 2);
	u->max_length = u->length;
	u->present = utf8 != NULL;
	ndr_put_u16(w, u->length);
	wwr_u16le(w, u->max_length);
	ndr_put_unique_ptr(w, p, u->present);
}

void ndr_put_ustr_body(struct wwr *w, const struct ndr_ustr *u, const char *utf8)
{
	if (!u->present)
		return;
	ndr_put_cv_hdr(w, u->max_length / 2u, u->length / 2u);
	put_utf16(w, utf8);
}

void ndr_get_ustr(struct wrd *r, struct ndr_ustr *u)
{
	u->length = ndr_get_u16(r);
	u->max_length = wrd_u16le(r);
	u->present = ndr_get_unique_ptr(r);
	if (r->err)
		return;
	if ((u->length & 1) || (u->max_length & 1) || u->length > u->max_length)
		wrd_fail(r, WIRE_EBAD);
}

void ndr_get_ustr_body(struct wrd *r, const struct ndr_ustr *u, char *out, size_t out_size)
{
	uint32_t max, act;
	const uint8_t *p;
	int rc;

	if (out_size)
		out[0] = '\0';
	if (!u->present)
		return;
	ndr_get_cv_hdr(r, 2, 0x8000, &max, &act);
	if (r->err)
		return;
	if (max != u->max_length / 2u || act != u->length / 2u) {
		wrd_fail(r, WIRE_EBAD);
		return;
	}
	p = wrd_ptr(r, (size_t)act * 2);
	if (!p)
		return;
	rc = ndr_utf16le_to_utf8(p, act, out, out_size);
	if (rc)
		wrd_fail(r, rc);
}

/* ---- unions and ranges ---- */

uint32_t ndr_get_union_u32(struct wrd *r, uint32_t want)
{
	uint32_t tag = ndr_get_u32(r);

	if (!r->err && tag != want)
		wrd_fail(r, WIRE_EBAD);
	return tag;
}

uint64_t ndr_check_range(struct wrd *r, uint64_t v, uint64_t lo, uint64_t hi)
{
	if (!r->err && (v < lo || v > hi))
		wrd_fail(r, WIRE_EBAD);
	return v;
}

int ndr_enc_server_level(struct wwr *w, const char *server, uint32_t level)
{
	struct ndr_ptrs p;

	ndr_ptrs_init(&p, NDR_PTRS_SAMBA_FIRST, NDR_PTRS_SAMBA_STEP);
	ndr_put_unique_ptr(w, &p, server != NULL);
	if (server)
		ndr_put_wstring(w, server);
	ndr_put_u32(w, level);
	return wwr_err(w);
}
