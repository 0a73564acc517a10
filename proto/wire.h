/*
 * proto/wire.h - bounded reader and writer with sticky errors.
 *
 * Every untrusted byte in nltrust is read through a struct wrd and every
 * byte we put on the wire is written through a struct wwr.  Both carry a
 * sticky error: once a read runs past the end (or a write past the
 * capacity) every later call is a no-op returning zero, so a decoder may
 * read a whole header and check the error once.
 *
 * Nothing here allocates: a writer writes into a caller-owned buffer.
 */
#ifndef NLT_PROTO_WIRE_H
#define NLT_PROTO_WIRE_H

#include <stddef.h>
#include <stdint.h>

/* Error codes shared by every codec in proto/.  0 is success. */
enum wire_err {
	WIRE_OK = 0,
	WIRE_ETRUNC,    /* input ended before the structure did */
	WIRE_EBAD,      /* a field holds a value the format forbids */
	WIRE_ETRAILING, /* bytes left after a structure that must fill its buffer */
	WIRE_ELIMIT,    /* a count or length exceeds what we accept */
	WIRE_ESPACE,    /* writer: the output buffer is too small */
};

const char *wire_strerror(int err);

/* ---- reader -------------------------------------------------------- */

struct wrd {
	const uint8_t *base; /* start of the buffer: alignment and offsets count from here */
	const uint8_t *p;    /* next byte to read */
	const uint8_t *end;  /* one past the last readable byte */
	int err;             /* sticky enum wire_err */
};

void wrd_init(struct wrd *r, const void *buf, size_t len);
static inline size_t wrd_left(const struct wrd *r) { return r->err ? 0 : (size_t)(r->end - r->p); }
static inline size_t wrd_pos(const struct wrd *r) { return (size_t)(r->p - r->base); }
static inline int wrd_err(const struct wrd *r) { return r->err; }
/* Record an error unless one is already set; returns the sticky error. */
int wrd_fail(struct wrd *r, int err);

uint8_t wrd_u8(struct wrd *r);
uint16_t wrd_u16le(struct wrd *r);
uint16_t wrd_u16be(struct wrd *r);
uint32_t wrd_u32le(struct wrd *r);
uint32_t wrd_u32be(struct wrd *r);
uint64_t wrd_u64le(struct wrd *r);
uint64_t wrd_u64be(struct wrd *r);
/* Copy n bytes out; on error the output is zeroed. */
void wrd_bytes(struct wrd *r, void *out, size_t n);
/* Borrow n bytes in place (NULL on error). */
const uint8_t *wrd_ptr(struct wrd *r, size_t n);
void wrd_skip(struct wrd *r, size_t n);
/* Skip to the next multiple of n (a power of two) counted from base. */
void wrd_align(struct wrd *r, size_t n);
/* Move to an absolute offset from base, within [base, end]. */
void wrd_seek(struct wrd *r, size_t off);
/*
 * Split off the next n bytes as a sub-reader (its base is the parent's
 * base, so offsets and alignment stay relative to the whole message) and
 * advance the parent past them.  If n is too large both fail.
 */
struct wrd wrd_sub(struct wrd *r, size_t n);
/* Fail with WIRE_ETRAILING if bytes are left; returns the sticky error. */
int wrd_finish(struct wrd *r);
/*
 * Bound a decoded element count before it drives a loop or allocation:
 * fails with WIRE_ETRUNC unless count * min_elem_size <= bytes left and
 * with WIRE_ELIMIT if count > max.  Returns nonzero when the count is OK.
 */
int wrd_check_count(struct wrd *r, uint64_t count, size_t min_elem_size, uint64_t max);

/* ---- writer -------------------------------------------------------- */

struct wwr {
	uint8_t *buf;
	size_t len; /* bytes written so far */
	size_t cap;
	int err;    /* sticky enum wire_err */
};

void wwr_init(struct wwr *w, void *buf, size_t cap);
static inline size_t wwr_len(const struct wwr *w) { return w->len; }
static inline int wwr_err(const struct wwr *w) { return w->err; }
void wwr_u8(struct wwr *w, uint8_t v);
void wwr_u16le(struct wwr *w, uint16_t v);
void wwr_u16be(struct wwr *w, uint16_t v);
void wwr_u32le(struct wwr *w, uint32_t v);
void wwr_u32be(struct wwr *w, uint32_t v);
void wwr_u64le(struct wwr *w, uint64_t v);
void wwr_bytes(struct wwr *w, const void *p, size_t n);
void wwr_zero(struct wwr *w, size_t n);
/* Pad with zero bytes to the next multiple of n (a power of two). */
void wwr_align(struct wwr *w, size_t n);
/*
 * Reserve n bytes to fill in later (lengths known only at the end).
 * Returns the offset of the reserved bytes, or (size_t)-1 on error.
 */
size_t wwr_reserve(struct wwr *w, size_t n);
/* Patch helpers at an offset returned by wwr_reserve(). */
void wwr_put_u16be_at(struct wwr *w, size_t off, uint16_t v);
void wwr_put_u16le_at(struct wwr *w, size_t off, uint16_t v);
void wwr_put_u32be_at(struct wwr *w, size_t off, uint32_t v);
void wwr_put_u32le_at(struct wwr *w, size_t off, uint32_t v);
/* Make room for n bytes at offset off by moving the tail (BER lengths). */
void wwr_insert_gap(struct wwr *w, size_t off, size_t n);

/* ---- byte helpers without a cursor --------------------------------- */
static inline uint16_t ld_u16be(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }
static inline uint16_t ld_u16le(const uint8_t *p) { return (uint16_t)((p[1] << 8) | p[0]); }
static inline uint32_t ld_u32le(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline uint32_t ld_u32be(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

#endif
