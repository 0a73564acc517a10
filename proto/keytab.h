/*
 * proto/keytab.h - MIT keytab file format, version 0x0502 (the FILE: keytab
 * of MIT krb5, Heimdal, Samba, adcli and sssd; /etc/krb5.keytab).
 *
 * Pure codec: bytes in, entries out, and the reverse.  Decoded strings and
 * keys are *borrowed*: they point into the caller's input buffer, so the
 * buffer must outlive the entries (and the caller wipes it, since it holds
 * keys).  The encoder reads the same borrowed form.  Nothing here
 * allocates, touches a file or the clock: timestamps are fields.
 */
#ifndef NLT_PROTO_KEYTAB_H
#define NLT_PROTO_KEYTAB_H

#include <stddef.h>
#include <stdint.h>

#include "wire.h"

#define KT_VERSION_2 0x0502 /* big-endian; the only version written since krb5 1.0 */
#define KT_VERSION_1 0x0501 /* DCE-era: host byte order, realm counted in num_components */

/*
 * kt_dec() result beside the WIRE_* codes: the file is a version 0x0501
 * keytab.  It stores integers in the writer's native byte order, so it
 * cannot be read portably; re-create the keytab instead.
 */
#define KT_EVERSION1 0x100

/* Caps on what the decoder accepts (and the encoder writes). */
#define KT_MAX_COMPONENTS 16  /* principal name components per entry */
#define KT_MAX_STRING     1024 /* octets in a realm or one component */
#define KT_MAX_KEY        64   /* key octets (AES256 is 32) */

/* Name types (RFC 4120 §6.2) commonly found in keytabs */
#define KT_NT_PRINCIPAL 1
#define KT_NT_SRV_INST  2
#define KT_NT_SRV_HST   3

/* A counted octet string; borrowed, not NUL-terminated. */
struct kt_str {
	const uint8_t *ptr;
	size_t len;
};

struct kt_entry {
	struct kt_str realm;
	struct kt_str comp[KT_MAX_COMPONENTS];
	size_t n_comp;       /* 1..KT_MAX_COMPONENTS */
	uint32_t name_type;
	uint32_t timestamp;  /* unix seconds the entry was written */
	uint32_t kvno;       /* the trailing 32-bit kvno when present and nonzero, else the 8-bit one */
	int32_t enctype;     /* file's 16 bits, sign-extended as MIT does (krb5_enctype) */
	struct kt_str key;   /* 1..KT_MAX_KEY octets */
};

struct kt_dec_info {
	size_t n_entries;  /* live entries */
	size_t n_holes;    /* deleted records (negative size) skipped */
	size_t hole_bytes; /* their total size, without the size fields */
	size_t tail;       /* bytes after a zero-size end marker, ignored (see kt_dec) */
};

/*
 * Decode a whole keytab file.
 *
 *   file   ::= u16 version (0x0502) record*  [ i32 0  any* ]
 *   record ::= i32 size (> 0) entry(size bytes) | i32 -n  n bytes (a hole)
 *   entry  ::= u16 num_components, data realm, data component[num_components],
 *              u32 name_type, u32 timestamp, u8 vno8, keyblock,
 *              [ u32 vno32 ]  [ zero fill ]
 *   keyblock ::= u16 enctype, data key;  data ::= u16 length, length octets
 *
 * Everything is big-endian.  A deleted entry becomes a hole (its size
 * negated, its bytes zeroed) that a later entry may reuse, leaving zero
 * fill after it; vno32 is read when at least four bytes of the record are
 * left and counts when nonzero (MIT kt_file.c).  A zero size ends the
 * keytab: MIT writes one before committing a new record, so what follows
 * it is an uncommitted write, reported in info->tail and not decoded.
 *
 * Stricter than MIT (which stops silently): 1..3 stray bytes where a size
 * field belongs are WIRE_ETRUNC; a record whose fields overrun its size,
 * an empty realm/component/key, zero components or nonzero fill is
 * WIRE_EBAD; more than KT_MAX_* is WIRE_ELIMIT; a version other than
 * 0x0502 is KT_EVERSION1 (0x0501) or WIRE_EBAD (not a keytab).
 *
 * With entries == NULL, only counts (info->n_entries says how many to
 * allocate).  Otherwise more than cap live entries is WIRE_ELIMIT.
 * entries[] and *info (which may be NULL) are written only on success.
 */
int kt_dec(const uint8_t *buf, size_t len, struct kt_entry *entries, size_t cap, struct kt_dec_info *info);

/* Message for a kt_dec() result (KT_EVERSION1 or a WIRE_* code). */
const char *kt_strerror(int err);

/*
 * Encode a whole version 0x0502 keytab: the version, then one record per
 * entry (no holes), each with the trailing 32-bit kvno (vno8 is its low
 * byte).  An entry outside the caps above, with an empty realm, component
 * or key, or an enctype outside -32768..65535, is WIRE_EBAD.  Returns
 * wwr_err(w).
 */
int kt_enc(struct wwr *w, const struct kt_entry *entries, size_t n);

/* Bytes kt_enc() writes for these entries, or 0 if one is invalid. */
size_t kt_enc_len(const struct kt_entry *entries, size_t n);

/*
 * Point e's realm and components into princ, "comp[/comp...]@REALM"
 * (no escapes: a backslash is refused), and set name_type to
 * KT_NT_PRINCIPAL.  princ must outlive e.  Returns WIRE_OK, or WIRE_EBAD
 * for an empty part, a missing realm or a backslash, WIRE_ELIMIT past the
 * caps.  e is untouched on error.
 */
int kt_entry_set_principal(struct kt_entry *e, const char *princ);

/*
 * "comp/comp@REALM" into buf for display; '/', '@' and '\' inside a name
 * are escaped with '\', other bytes outside printable ASCII as \xHH.
 * Returns WIRE_OK or WIRE_ESPACE (buf then holds a truncated string).
 */
int kt_entry_principal_str(const struct kt_entry *e, char *buf, size_t cap);

/* Same realm and components, octet for octet (name_type is not compared). */
int kt_principal_eq(const struct kt_entry *a, const struct kt_entry *b);

#endif
