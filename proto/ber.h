/*
 * proto/ber.h - minimal BER/DER (ITU-T X.690) on struct wrd / struct wwr.
 *
 * Decoding accepts definite lengths only (X.690 §8.1.3.2 / §8.1.3.4-5), up
 * to four length octets, and tag numbers below 2^21 (three subsequent
 * identifier octets, §8.1.2.4).  Encoding is DER-shaped: minimal lengths and
 * integers, TRUE as 0xFF.  Nothing here allocates.
 */
#ifndef NLT_PROTO_BER_H
#define NLT_PROTO_BER_H

#include <stddef.h>
#include <stdint.h>

#include "wire.h"

/* Single-octet identifiers (X.690 §8.1.2.2): class | constructed | number. */
#define BER_BOOLEAN          0x01
#define BER_INTEGER          0x02
#define BER_BIT_STRING       0x03
#define BER_OCTET_STRING     0x04
#define BER_NULL             0x05
#define BER_ENUMERATED       0x0a
#define BER_GENERALIZED_TIME 0x18
#define BER_GENERAL_STRING   0x1b
#define BER_SEQUENCE         0x30
#define BER_SET              0x31
#define BER_APP(n)   ((uint8_t)(0x40 | (n)))  /* [APPLICATION n], primitive */
#define BER_APP_C(n) ((uint8_t)(0x60 | (n)))  /* [APPLICATION n], constructed */
#define BER_CTX(n)   ((uint8_t)(0x80 | (n)))  /* [n], primitive */
#define BER_CTX_C(n) ((uint8_t)(0xa0 | (n)))  /* [n], constructed */

#define BER_CLASS_UNIVERSAL   0
#define BER_CLASS_APPLICATION 1
#define BER_CLASS_CONTEXT     2
#define BER_CLASS_PRIVATE     3

struct ber_tlv {
	uint8_t cls_constructed_tag; /* raw first identifier octet */
	uint32_t tag;                /* tag number (< 2^21) */
	int cls;                     /* BER_CLASS_* */
	int constructed;
	size_t len;                  /* content length */
	const uint8_t *val;          /* content, inside the reader's buffer */
};

/*
 * Read one TLV and advance past it.  Rejects indefinite lengths (WIRE_EBAD),
 * more than four length octets (WIRE_ELIMIT) and contents longer than the
 * bytes left (WIRE_ETRUNC).  Returns the reader's sticky error; on error
 * *out is zeroed.
 */
int nber_read_tlv(struct wrd *r, struct ber_tlv *out);
/*
 * Read only the identifier and length octets (out->val is NULL, out->len
 * may exceed the bytes left).  For stream framing.
 */
int nber_read_header(struct wrd *r, struct ber_tlv *out);
/* nber_read_tlv(), then WIRE_EBAD unless the identifier octet is ident. */
int nber_read_expect(struct wrd *r, uint8_t ident, struct ber_tlv *out);
/* The next identifier octet without consuming it, or -1 when none is left. */
int nber_peek(const struct wrd *r);
/* A reader over the contents of t (read from parent), with parent's base. */
struct wrd nber_tlv_reader(const struct wrd *parent, const struct ber_tlv *t);
/*
 * Propagate a sub-reader's error into its parent and return the parent's
 * sticky error.  With finish, a sub-reader with bytes left is
 * WIRE_ETRAILING.
 */
int nber_sub_done(struct wrd *parent, struct wrd *sub, int finish);

/* INTEGER/ENUMERATED contents (X.690 §8.3): 1..8 octets, minimal. */
int nber_get_int(const struct ber_tlv *t, int64_t *out);
/* BOOLEAN contents (X.690 §8.2): one octet, any nonzero is TRUE. */
int nber_get_bool(const struct ber_tlv *t, int *out);

/*
 * GeneralizedTime (X.680 §46, X.690 §11.7) in the UTC form both LDAP and
 * Kerberos use: "YYYYMMDDHHMMSS[(.|,)f+]Z", years 0001-9999.  The fraction
 * is checked and dropped.  Pure arithmetic (no timegm).  Returns WIRE_OK or
 * WIRE_EBAD; *unix_out is set only on success.
 */
int nber_gentime_parse(const uint8_t *s, size_t n, int64_t *unix_out);
#define BER_GENTIME_LEN 15 /* "YYYYMMDDHHMMSSZ" */
/* Format t as "YYYYMMDDHHMMSSZ" plus NUL; WIRE_EBAD outside years 1-9999. */
int nber_gentime_format(int64_t t, char out[BER_GENTIME_LEN + 1]);

/* ---- writer: lengths are back-patched, minimal (DER) ----------------- */

/* Record err on a writer unless one is already set (wire.h has no wwr_fail). */
void nber_wfail(struct wwr *w, int err);
/* Write ident and a placeholder length; returns a mark for nber_end(). */
size_t nber_begin(struct wwr *w, uint8_t ident);
/* Fix the length of the element begun at mark (short or long form). */
void nber_end(struct wwr *w, size_t mark);
void nber_put_int(struct wwr *w, uint8_t ident, int64_t v);
void nber_put_octets(struct wwr *w, uint8_t ident, const void *p, size_t n);
void nber_put_bool(struct wwr *w, uint8_t ident, int v);
/* GeneralizedTime "YYYYMMDDHHMMSSZ"; WIRE_EBAD on the writer if out of range. */
void nber_put_gentime(struct wwr *w, uint8_t ident, int64_t t);

#endif
