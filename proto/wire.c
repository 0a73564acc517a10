/*
 * proto/wire.c - bounded reader and writer with sticky errors (see wire.h).
 * Byte-wise loads and stores only: no pointer casts, no host endianness.
 */
#include "wire.h"

#include <string.h>

const char *wire_strerror(int err)
{
	switch (err) {
	case WIRE_OK: return "no error";
	case WIRE_ETRUNC: return "truncated";
	case WIRE_EBAD: return "malformed";
	case WIRE_ETRAILING: return "unexpected trailing data";
	case WIRE_ELIMIT: return "length or count out of range";
	case WIRE_ESPACE: return "output buffer too small";
	}
	return "unknown wire error";
}

/* ---- reader -------------------------------------------------------- */

void wrd_init(struct wrd *r, const void *buf, size_t len)
{
	r->base = buf;
	r->p = buf;
	r->end = r->base + (buf ? len : 0);
	r->err = WIRE_OK;
}

int wrd_fail(struct wrd *r, int err)
{
	if (!r->err)
		r->err = err;
	return r->err;
}

/* Return a pointer to n readable bytes and advance, or NULL (sticky). */
static const uint8_t *take(struct wrd *r, size_t n)
{
	const uint8_t *p;

	if (r->err)
		return NULL;
	if ((size_t)(r->end - r->p) < n) {
		r->err = WIRE_ETRUNC;
		return NULL;
	}
	p = r->p;
	r->p += n;
	return p;
}

uint8_t wrd_u8(struct wrd *r)
{
	const uint8_t *p = take(r, 1);
	return p ? p[0] : 0;
}

uint16_t wrd_u16le(struct wrd *r)
{
	const uint8_t *p = take(r, 2);
	return p ? ld_u16le(p) : 0;
}

uint16_t wrd_u16be(struct wrd *r)
{
	const uint8_t *p = take(r, 2);
	return p ? ld_u16be(p) : 0;
}

uint32_t wrd_u32le(struct wrd *r)
{
	const uint8_t *p = take(r, 4);
	return p ? ld_u32le(p) : 0;
}

uint32_t wrd_u32be(struct wrd *r)
{
	const uint8_t *p = take(r, 4);
	return p ? ld_u32be(p) : 0;
}

uint64_t wrd_u64le(struct wrd *r)
{
	const uint8_t *p = take(r, 8);
	return p ? ((uint64_t)ld_u32le(p + 4) << 32) | ld_u32le(p) : 0;
}

uint64_t wrd_u64be(struct wrd *r)
{
	const uint8_t *p = take(r, 8);
	return p ? ((uint64_t)ld_u32be(p) << 32) | ld_u32be(p + 4) : 0;
}

void wrd_bytes(struct wrd *r, void *out, size_t n)
{
	const uint8_t *p = take(r, n);

	if (p)
		memcpy(out, p, n);
	else if (n)
		memset(out, 0, n);
}

const uint8_t *wrd_ptr(struct wrd *r, size_t n)
{
	return take(r, n);
}

void wrd_skip(struct wrd *r, size_t n)
{
	(void)take(r, n);
}

void wrd_align(struct wrd *r, size_t n)
{
	size_t pos;

	if (r->err || n < 2)
		return;
	pos = wrd_pos(r);
	wrd_skip(r, (n - (pos & (n - 1))) & (n - 1));
}

void wrd_seek(struct wrd *r, size_t off)
{
	if (r->err)
		return;
	if (off > (size_t)(r->end - r->base)) {
		r->err = WIRE_ETRUNC;
		return;
	}
	r->p = r->base + off;
}

struct wrd wrd_sub(struct wrd *r, size_t n)
{
	struct wrd s;
	const uint8_t *p = take(r, n);

	s.base = r->base;
	if (!p) {
		s.p = s.end = r->p;
		s.err = r->err;
		return s;
	}
	s.p = p;
	s.end = p + n;
	s.err = WIRE_OK;
	return s;
}

int wrd_finish(struct wrd *r)
{
	if (!r->err && r->p != r->end)
		r->err = WIRE_ETRAILING;
	return r->err;
}

int wrd_check_count(struct wrd *r, uint64_t count, size_t min_elem_size, uint64_t max)
{
	if (r->err)
		return 0;
	if (count > max) {
		r->err = WIRE_ELIMIT;
		return 0;
	}
	if (min_elem_size && count > (uint64_t)(r->end - r->p) / min_elem_size) {
		r->err = WIRE_ETRUNC;
		return 0;
	}
	return 1;
}

/* ---- writer -------------------------------------------------------- */

void wwr_init(struct wwr *w, void *buf, size_t cap)
{
	w->buf = buf;
	w->len = 0;
	w->cap = buf ? cap : 0;
	w->err = WIRE_OK;
}

/* Return a pointer to n writable bytes and advance, or NULL (sticky). */
static uint8_t *room(struct wwr *w, size_t n)
{
	uint8_t *p;

	if (w->err)
		return NULL;
	if (w->cap - w->len < n) {
		w->err = WIRE_ESPACE;
		return NULL;
	}
	p = w->buf + w->len;
	w->len += n;
	return p;
}

void wwr_u8(struct wwr *w, uint8_t v)
{
	uint8_t *p = room(w, 1);
	if (p)
		p[0] = v;
}

void wwr_u16le(struct wwr *w, uint16_t v)
{
	uint8_t *p = room(w, 2);
	if (p) {
		p[0] = (uint8_t)v;
		p[1] = (uint8_t)(v >> 8);
	}
}

void wwr_u16be(struct wwr *w, uint16_t v)
{
	uint8_t *p = room(w, 2);
	if (p) {
		p[0] = (uint8_t)(v >> 8);
		p[1] = (uint8_t)v;
	}
}

/* Multi-byte writes are all-or-nothing: no partial value on ESPACE. */
void wwr_u32le(struct wwr *w, uint32_t v)
{
	uint8_t *p = room(w, 4);
	if (p)
		for (int i = 0; i < 4; i++)
			p[i] = (uint8_t)(v >> (8 * i));
}

void wwr_u32be(struct wwr *w, uint32_t v)
{
	uint8_t *p = room(w, 4);
	if (p)
		for (int i = 0; i < 4; i++)
			p[i] = (uint8_t)(v >> (24 - 8 * i));
}

void wwr_u64le(struct wwr *w, uint64_t v)
{
	uint8_t *p = room(w, 8);
	if (p)
		for (int i = 0; i < 8; i++)
			p[i] = (uint8_t)(v >> (8 * i));
}

void wwr_bytes(struct wwr *w, const void *src, size_t n)
{
	uint8_t *p = room(w, n);
	if (p && n)
		memcpy(p, src, n);
}

void wwr_zero(struct wwr *w, size_t n)
{
	uint8_t *p = room(w, n);
	if (p && n)
		memset(p, 0, n);
}

void wwr_align(struct wwr *w, size_t n)
{
	if (w->err || n < 2)
		return;
	wwr_zero(w, (n - (w->len & (n - 1))) & (n - 1));
}

size_t wwr_reserve(struct wwr *w, size_t n)
{
	size_t off = w->len;
	uint8_t *p = room(w, n);

	if (!p)
		return (size_t)-1;
	memset(p, 0, n);
	return off;
}

static uint8_t *at(struct wwr *w, size_t off, size_t n)
{
	if (w->err)
		return NULL;
	if (off > w->len || w->len - off < n) {
		w->err = WIRE_ESPACE;
		return NULL;
	}
	return w->buf + off;
}

void wwr_put_u16be_at(struct wwr *w, size_t off, uint16_t v)
{
	uint8_t *p = at(w, off, 2);
	if (p) {
		p[0] = (uint8_t)(v >> 8);
		p[1] = (uint8_t)v;
	}
}

void wwr_put_u16le_at(struct wwr *w, size_t off, uint16_t v)
{
	uint8_t *p = at(w, off, 2);
	if (p) {
		p[0] = (uint8_t)v;
		p[1] = (uint8_t)(v >> 8);
	}
}

void wwr_put_u32be_at(struct wwr *w, size_t off, uint32_t v)
{
	wwr_put_u16be_at(w, off, (uint16_t)(v >> 16));
	wwr_put_u16be_at(w, off + 2, (uint16_t)v);
}

void wwr_put_u32le_at(struct wwr *w, size_t off, uint32_t v)
{
	wwr_put_u16le_at(w, off, (uint16_t)v);
	wwr_put_u16le_at(w, off + 2, (uint16_t)(v >> 16));
}

void wwr_insert_gap(struct wwr *w, size_t off, size_t n)
{
	if (w->err)
		return;
	if (off > w->len) {
		w->err = WIRE_ESPACE;
		return;
	}
	if (w->cap - w->len < n) {
		w->err = WIRE_ESPACE;
		return;
	}
	memmove(w->buf + off + n, w->buf + off, w->len - off);
	memset(w->buf + off, 0, n);
	w->len += n;
}
