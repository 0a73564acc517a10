/*
 * proto/ndr.h - NDR 2.0 (C706 ch.14, MS-RPCE 2.2.5) primitives on the
 * bounded cursor of wire.h.  Little-endian / ASCII / IEEE only (the only
 * data representation dcerpc.c accepts).
 *
 * Alignment counts from the start of the stub: give the reader a struct wrd
 * whose base is the first stub byte, and encode into a struct wwr whose
 * buffer starts at the stub (wwr_align counts from the buffer start).
 *
 * Pointers (C706 14.3.10-12, MS-RPCE 2.2.5.3.3-4): an embedded [unique] or
 * full pointer is a u32 referent id inline, 0 for NULL; the pointee is
 * deferred.  The simple scheme used here: the caller encodes the scalars of
 * the top-level structure (or all [in] parameters up to the next top-level
 * pointer), then the deferred referents in the same order.  A top-level
 * [ref] parameter has no id at all.
 *
 * Nothing allocates; strings decode into caller buffers.  Every count read
 * from the wire is bounded against the bytes left before use.
 */
#ifndef NLT_PROTO_NDR_H
#define NLT_PROTO_NDR_H

#include <stddef.h>
#include <stdint.h>

#include "wire.h"

/* Referent-id generator.  Samba's pidl numbers ids 0x00020000 + 4n. */
struct ndr_ptrs {
	uint32_t next;
	uint32_t step;
};
static inline void ndr_ptrs_init(struct ndr_ptrs *p, uint32_t first, uint32_t step)
{
	p->next = first;
	p->step = step;
}
#define NDR_PTRS_SAMBA_FIRST 0x00020000u
#define NDR_PTRS_SAMBA_STEP 4u

/* GUID: Data1 u32, Data2 u16, Data3 u16, Data4[8] (MS-DTYP 2.3.4.2), aligned to 4. */
struct ndr_guid {
	uint32_t d1;
	uint16_t d2, d3;
	uint8_t d4[8];
};
/* "12345678-1234-abcd-ef00-01234567cffb" -> guid; 0 on success, -1 if malformed. */
int ndr_guid_parse(const char *s, struct ndr_guid *g);
int ndr_guid_equal(const struct ndr_guid *a, const struct ndr_guid *b);

/* ---- primitives: aligned to their own size ---- */
uint8_t ndr_get_u8(struct wrd *r);
uint16_t ndr_get_u16(struct wrd *r);
uint32_t ndr_get_u32(struct wrd *r);
uint64_t ndr_get_u64(struct wrd *r); /* hyper: aligned to 8 */
void ndr_get_guid(struct wrd *r, struct ndr_guid *g);
void ndr_put_u8(struct wwr *w, uint8_t v);
void ndr_put_u16(struct wwr *w, uint16_t v);
void ndr_put_u32(struct wwr *w, uint32_t v);
void ndr_put_u64(struct wwr *w, uint64_t v);
void ndr_put_guid(struct wwr *w, const struct ndr_guid *g);

/* ---- pointers ---- */
/* Embedded [unique]: writes the next referent id (advancing p) or 0. */
void ndr_put_unique_ptr(struct wwr *w, struct ndr_ptrs *p, int present);
/* The request of the NetrServerGetInfo / NetrWkstaGetInfo shape: [unique, string] server name, u32 level. */
int ndr_enc_server_level(struct wwr *w, const char *server, uint32_t level);
/* Returns 1 if the referent follows (deferred), 0 for NULL. */
int ndr_get_unique_ptr(struct wrd *r);
/* Embedded [ref]: a non-zero id; 0 fails with WIRE_EBAD. */
void ndr_put_ref_ptr(struct wwr *w, struct ndr_ptrs *p);
void ndr_get_ref_ptr(struct wrd *r);

/* ---- arrays (C706 14.3.3) ---- */
/*
 * Conformant array header: max_count.  Fails WIRE_ELIMIT when
 * max_count > limit and WIRE_ETRUNC unless max_count * elem_size bytes are
 * left.  Returns max_count (0 on error).
 */
uint32_t ndr_get_conformant(struct wrd *r, size_t elem_size, uint32_t limit);
/*
 * Conformant-varying header: max_count, offset, actual_count.  Only offset 0
 * is accepted (no caller of ours sends another: WIRE_EBAD); actual_count
 * must not exceed max_count (WIRE_EBAD); max_count is bounded by limit
 * (WIRE_ELIMIT) and actual_count * elem_size by the bytes left (WIRE_ETRUNC).
 */
void ndr_get_cv_hdr(struct wrd *r, size_t elem_size, uint32_t limit, uint32_t *max_count,
		    uint32_t *actual_count);
void ndr_put_conformant(struct wwr *w, uint32_t max_count);
void ndr_put_cv_hdr(struct wwr *w, uint32_t max_count, uint32_t actual_count);

/* ---- strings ---- */
/* Longest string we decode (UTF-16 code units, NUL included). */
#define NDR_WSTRING_MAX 4096u
/*
 * UTF-16 length in code units of a UTF-8 string (no NUL); -1 on invalid
 * UTF-8 (overlong forms, surrogates, > U+10FFFF).
 */
long ndr_utf16_units(const char *utf8);
/* [string] wchar_t *: cv header (counts include the NUL) + UTF-16LE + NUL. */
void ndr_put_wstring(struct wwr *w, const char *utf8);
/*
 * Decode a [string] wchar_t * into out (UTF-8, NUL-terminated).  The last
 * unit must be the NUL and no other may be (WIRE_EBAD); unpaired surrogates
 * are WIRE_EBAD; a result longer than out_size - 1 bytes is WIRE_ELIMIT.
 * On error out is "".
 */
void ndr_get_wstring(struct wrd *r, char *out, size_t out_size);

/*
 * RPC_UNICODE_STRING (MS-DTYP 2.3.10): u16 Length (bytes, no NUL),
 * u16 MaximumLength, [unique, size_is(MaximumLength/2),
 * length_is(Length/2)] WCHAR *Buffer.  Scalars first, body deferred.
 */
struct ndr_ustr {
	uint16_t length;     /* bytes */
	uint16_t max_length; /* bytes */
	int present;         /* Buffer != NULL */
};
/* Scalars for utf8 (NULL: Length 0, NULL buffer).  Fills u for the body. */
void ndr_put_ustr(struct wwr *w, struct ndr_ptrs *p, const char *utf8, struct ndr_ustr *u);
void ndr_put_ustr_body(struct wwr *w, const struct ndr_ustr *u, const char *utf8);
/* Odd lengths and Length > MaximumLength are WIRE_EBAD. */
void ndr_get_ustr(struct wrd *r, struct ndr_ustr *u);
/* Body: max_count must be MaximumLength/2 and actual_count Length/2. */
void ndr_get_ustr_body(struct wrd *r, const struct ndr_ustr *u, char *out, size_t out_size);

/* ---- unions and ranges ---- */
/* Union discriminant (u32 switch_type); the arm follows. */
static inline void ndr_put_union_u32(struct wwr *w, uint32_t tag) { ndr_put_u32(w, tag); }
/* Read a u32 discriminant that must equal want (the switch_is value). */
uint32_t ndr_get_union_u32(struct wrd *r, uint32_t want);
/* [range(lo, hi)]: WIRE_EBAD outside; returns v. */
uint64_t ndr_check_range(struct wrd *r, uint64_t v, uint64_t lo, uint64_t hi);

/* UTF-16LE units -> UTF-8 (shared with epm/nrpc): see ndr_get_wstring. */
int ndr_utf16le_to_utf8(const uint8_t *src, size_t units, char *out, size_t out_size);

#endif
