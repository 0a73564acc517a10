/*
 * proto/ldap_msg.h - the LDAP (RFC 4511) subset nltrust speaks without
 * libldap: a SearchRequest encoder, stream framing and an LDAPMessage
 * decoder for SearchResultEntry / SearchResultDone and other LDAPResults.
 * Decoded values are borrowed from the input buffer.
 */
#ifndef NLT_PROTO_LDAP_MSG_H
#define NLT_PROTO_LDAP_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "wire.h"

#define LDAP_MAXINT 0x7fffffffu /* RFC 4511 §4.1.1: maxInt */

#define LDAP_SCOPE_BASE 0
#define LDAP_SCOPE_ONE  1
#define LDAP_SCOPE_SUB  2

/* protocolOp [APPLICATION n] numbers (RFC 4511 §4.2-4.14) */
#define LDAP_OP_BIND_RESPONSE   1
#define LDAP_OP_SEARCH_REQUEST  3
#define LDAP_OP_SEARCH_ENTRY    4
#define LDAP_OP_SEARCH_DONE     5
#define LDAP_OP_MODIFY_RESPONSE 7
#define LDAP_OP_ADD_RESPONSE    9
#define LDAP_OP_DEL_RESPONSE    11
#define LDAP_OP_MODDN_RESPONSE  13
#define LDAP_OP_COMPARE_RESPONSE 15
#define LDAP_OP_SEARCH_REFERENCE 19
#define LDAP_OP_EXTENDED_RESPONSE 24

#define LDAP_MSG_MAX_ATTRS 16
#define LDAP_MSG_MAX_VALS 8

/* One equalityMatch item of an AND filter: (attr=val), val is binary. */
struct ldap_filter_eq {
	const char *attr;
	const uint8_t *val;
	size_t len;
};

struct ldap_search_req {
	const char *base;  /* NULL means "" */
	int scope;         /* LDAP_SCOPE_* */
	int attrs_only;
	const struct ldap_filter_eq *and_items;
	size_t n_items;    /* 0: the filter is (objectClass=*) */
	const char *const *attrs;
	size_t n_attrs;    /* 0: an empty list, i.e. all user attributes */
};

/*
 * Append LDAPMessage{msgid, SearchRequest{base, scope, derefAliases never,
 * sizeLimit 0, timeLimit 0, typesOnly, filter, attrs}} to w.  An AND filter
 * of equalityMatch items is written even for a single item.  msgid must be
 * <= LDAP_MAXINT.  Returns wwr_err(w).
 */
int ldap_enc_search(struct wwr *w, uint32_t msgid, const struct ldap_search_req *req);

/*
 * Stream framing: the total length of the LDAPMessage starting at buf.
 * Returns 1 and sets *msg_len once the tag and length octets are complete
 * (*msg_len may exceed len: read more), 0 when more header bytes are
 * needed, -1 when the header is malformed or the message exceeds max_len.
 */
int ldap_msg_frame(const uint8_t *buf, size_t len, size_t max_len, size_t *msg_len);

struct ldap_bval {
	const uint8_t *p;
	size_t len;
};

struct ldap_attr {
	struct ldap_bval type;
	size_t n_vals;                          /* values kept, <= LDAP_MSG_MAX_VALS */
	struct ldap_bval vals[LDAP_MSG_MAX_VALS];
};

struct ldap_msg {
	uint32_t msgid;
	int op;                                  /* LDAP_OP_* (APPLICATION tag number) */
	struct ldap_bval dn;                     /* SearchResultEntry objectName */
	size_t n_attrs;                          /* attributes kept, <= LDAP_MSG_MAX_ATTRS */
	struct ldap_attr attrs[LDAP_MSG_MAX_ATTRS];
	int result_code;                         /* LDAPResult resultCode; -1 for ops without one */
	struct ldap_bval matched_dn, diag;
};

/*
 * Decode exactly one LDAPMessage at the reader's position and advance past
 * it (the caller decides what may follow).  SearchResultEntry and the
 * LDAPResult-shaped responses are decoded; other operations are recorded
 * in ->op only.  Attributes and values beyond the caps are validated and
 * skipped, not an error.  Controls [0] (and the responseName [10] /
 * responseValue [11] that AD misplaces there) are skipped.  Returns the reader's
 * sticky error; *out is written only on success.
 */
int ldap_dec_msg(struct wrd *r, struct ldap_msg *out);

/* The attribute named type (ASCII case-insensitive), or NULL. */
const struct ldap_attr *ldap_msg_find(const struct ldap_msg *m, const char *type);
/* Its first value, or NULL when absent or without values. */
const struct ldap_bval *ldap_msg_attr(const struct ldap_msg *m, const char *type);

/*
 * "YYYYMMDDHHMMSS[.f]Z" (RFC 4517 §3.3.13, the UTC form AD uses, e.g.
 * rootDSE currentTime) -> seconds since the epoch.  WIRE_OK or WIRE_EBAD.
 */
int ldap_parse_generalized_time(const uint8_t *s, size_t n, int64_t *unix_out);

#endif
