/*
 * proto/ldap_msg.c - LDAP (RFC 4511) SearchRequest encoder and LDAPMessage
 * decoder on the BER cursors of ber.h.
 */
#include "ldap_msg.h"

#include <string.h>

#include "ber.h"

#define LDAP_FILTER_AND      BER_CTX_C(0) /* and [0] SET OF Filter */
#define LDAP_FILTER_EQUALITY BER_CTX_C(3) /* equalityMatch [3] AttributeValueAssertion */
#define LDAP_FILTER_PRESENT  BER_CTX(7)   /* present [7] AttributeDescription */

#define LDAP_DEREF_NEVER 0

/*
 * RFC 4511 §4.1.1 and §4.5.1:
 *   LDAPMessage ::= SEQUENCE { messageID MessageID, protocolOp CHOICE {
 *       ..., searchRequest SearchRequest, ... }, controls [0] Controls OPTIONAL }
 *   SearchRequest ::= [APPLICATION 3] SEQUENCE {
 *       baseObject LDAPDN, scope ENUMERATED, derefAliases ENUMERATED,
 *       sizeLimit INTEGER (0..maxInt), timeLimit INTEGER (0..maxInt),
 *       typesOnly BOOLEAN, filter Filter, attributes AttributeSelection }
 *   Filter ::= CHOICE { and [0] SET SIZE (1..MAX) OF filter Filter, ...,
 *       equalityMatch [3] AttributeValueAssertion, ...,
 *       present [7] AttributeDescription, ... }
 *   AttributeValueAssertion ::= SEQUENCE { attributeDesc AttributeDescription,
 *       assertionValue AssertionValue }   -- both OCTET STRING
 *   AttributeSelection ::= SEQUENCE OF selector LDAPString
 */
int ldap_enc_search(struct wwr *w, uint32_t msgid, const struct ldap_search_req *req)
{
	size_t msg, op, mark, item;
	const char *base;

	if (!req || msgid > LDAP_MAXINT || req->scope < LDAP_SCOPE_BASE || req->scope > LDAP_SCOPE_SUB ||
	    (req->n_items && !req->and_items) || (req->n_attrs && !req->attrs)) {
		nber_wfail(w, WIRE_EBAD);
		return wwr_err(w);
	}
	for (size_t i = 0; i < req->n_items; i++) {
		if (!req->and_items[i].attr || (req->and_items[i].len && !req->and_items[i].val)) {
			nber_wfail(w, WIRE_EBAD);
			return wwr_err(w);
		}
	}
	for (size_t i = 0; i < req->n_attrs; i++) {
		if (!req->attrs[i]) {
			nber_wfail(w, WIRE_EBAD);
			return wwr_err(w);
		}
	}
	base = req->base ? req->base : "";

	msg = nber_begin(w, BER_SEQUENCE);
	nber_put_int(w, BER_INTEGER, msgid);
	op = nber_begin(w, BER_APP_C(LDAP_OP_SEARCH_REQUEST));
	nber_put_octets(w, BER_OCTET_STRING, base, strlen(base));
	nber_put_int(w, BER_ENUMERATED, req->scope);
	nber_put_int(w, BER_ENUMERATED, LDAP_DEREF_NEVER);
	nber_put_int(w, BER_INTEGER, 0); /* sizeLimit */
	nber_put_int(w, BER_INTEGER, 0); /* timeLimit */
	nber_put_bool(w, BER_BOOLEAN, req->attrs_only);
	if (req->n_items == 0) {
		nber_put_octets(w, LDAP_FILTER_PRESENT, "objectClass", strlen("objectClass"));
	} else {
		mark = nber_begin(w, LDAP_FILTER_AND);
		for (size_t i = 0; i < req->n_items; i++) {
			const struct ldap_filter_eq *e = &req->and_items[i];

			item = nber_begin(w, LDAP_FILTER_EQUALITY);
			nber_put_octets(w, BER_OCTET_STRING, e->attr, strlen(e->attr));
			nber_put_octets(w, BER_OCTET_STRING, e->val, e->len);
			nber_end(w, item);
		}
		nber_end(w, mark);
	}
	mark = nber_begin(w, BER_SEQUENCE);
	for (size_t i = 0; i < req->n_attrs; i++)
		nber_put_octets(w, BER_OCTET_STRING, req->attrs[i], strlen(req->attrs[i]));
	nber_end(w, mark);
	nber_end(w, op);
	nber_end(w, msg);
	return wwr_err(w);
}

/* RFC 4511 §4.1.1: an LDAPMessage is one BER SEQUENCE; frame on its header. */
int ldap_msg_frame(const uint8_t *buf, size_t len, size_t max_len, size_t *msg_len)
{
	struct wrd r;
	struct ber_tlv t;
	size_t hdr;

	wrd_init(&r, buf, len);
	if (nber_peek(&r) >= 0 && nber_peek(&r) != BER_SEQUENCE)
		return -1; /* wrong tag: no need to wait for the length */
	if (nber_read_header(&r, &t) != WIRE_OK)
		return r.err == WIRE_ETRUNC ? 0 : -1;
	if (t.cls_constructed_tag != BER_SEQUENCE)
		return -1;
	hdr = wrd_pos(&r);
	if (hdr > max_len || t.len > max_len - hdr)
		return -1;
	*msg_len = hdr + t.len;
	return 1;
}

static void bval_set(struct ldap_bval *b, const struct ber_tlv *t)
{
	b->p = t->val;
	b->len = t->len;
}

/*
 * RFC 4511 §4.5.2:
 *   SearchResultEntry ::= [APPLICATION 4] SEQUENCE {
 *       objectName LDAPDN, attributes PartialAttributeList }
 *   PartialAttributeList ::= SEQUENCE OF partialAttribute PartialAttribute
 *   PartialAttribute ::= SEQUENCE { type AttributeDescription,
 *       vals SET OF value AttributeValue }
 * Each loop iteration consumes at least two bytes, so the work is bounded
 * by the input length.
 */
static int dec_entry(struct wrd *r, struct ldap_msg *m)
{
	struct ber_tlv t, list;
	struct wrd lr;

	if (nber_read_expect(r, BER_OCTET_STRING, &t))
		return r->err;
	bval_set(&m->dn, &t);
	if (nber_read_expect(r, BER_SEQUENCE, &list))
		return r->err;
	lr = nber_tlv_reader(r, &list);
	while (wrd_left(&lr)) {
		struct ber_tlv pa, type, set, v;
		struct wrd pr, vr;
		struct ldap_attr *a = NULL;

		if (nber_read_expect(&lr, BER_SEQUENCE, &pa))
			break;
		pr = nber_tlv_reader(&lr, &pa);
		nber_read_expect(&pr, BER_OCTET_STRING, &type);
		nber_read_expect(&pr, BER_SET, &set); /* no-op after an error */
		if (nber_sub_done(&lr, &pr, 1))
			break;
		if (m->n_attrs < LDAP_MSG_MAX_ATTRS) {
			a = &m->attrs[m->n_attrs++];
			bval_set(&a->type, &type);
			a->n_vals = 0;
		}
		vr = nber_tlv_reader(&lr, &set);
		while (wrd_left(&vr)) {
			if (nber_read_expect(&vr, BER_OCTET_STRING, &v))
				break;
			if (a && a->n_vals < LDAP_MSG_MAX_VALS)
				bval_set(&a->vals[a->n_vals++], &v);
		}
		if (nber_sub_done(&lr, &vr, 1))
			break;
	}
	if (nber_sub_done(r, &lr, 1))
		return r->err;
	return wrd_finish(r);
}

/*
 * RFC 4511 §4.1.9:
 *   LDAPResult ::= SEQUENCE { resultCode ENUMERATED, matchedDN LDAPDN,
 *       diagnosticMessage LDAPString, referral [3] Referral OPTIONAL }
 * BindResponse adds serverSaslCreds [7] and ExtendedResponse adds
 * responseName [10] and responseValue [11] (§4.2.2, §4.12); any trailing
 * context-specific element is skipped, anything else is an error.
 */
static int dec_result(struct wrd *r, struct ldap_msg *m)
{
	struct ber_tlv t;
	int64_t v;
	int err;

	if (nber_read_expect(r, BER_ENUMERATED, &t))
		return r->err;
	if ((err = nber_get_int(&t, &v)) != WIRE_OK)
		return wrd_fail(r, err);
	if (v < 0 || v > (int64_t)LDAP_MAXINT)
		return wrd_fail(r, WIRE_EBAD);
	m->result_code = (int)v;
	if (nber_read_expect(r, BER_OCTET_STRING, &t))
		return r->err;
	bval_set(&m->matched_dn, &t);
	if (nber_read_expect(r, BER_OCTET_STRING, &t))
		return r->err;
	bval_set(&m->diag, &t);
	while (wrd_left(r)) {
		if (nber_read_tlv(r, &t))
			return r->err;
		if (t.cls != BER_CLASS_CONTEXT)
			return wrd_fail(r, WIRE_EBAD);
	}
	return r->err;
}

static int op_has_result(uint32_t op)
{
	switch (op) {
	case LDAP_OP_BIND_RESPONSE:
	case LDAP_OP_SEARCH_DONE:
	case LDAP_OP_MODIFY_RESPONSE:
	case LDAP_OP_ADD_RESPONSE:
	case LDAP_OP_DEL_RESPONSE:
	case LDAP_OP_MODDN_RESPONSE:
	case LDAP_OP_COMPARE_RESPONSE:
	case LDAP_OP_EXTENDED_RESPONSE:
		return 1;
	}
	return 0;
}

/*
 * RFC 4511 §4.1.1:
 *   LDAPMessage ::= SEQUENCE { messageID MessageID, protocolOp CHOICE {...},
 *       controls [0] Controls OPTIONAL }
 *   MessageID ::= INTEGER (0..maxInt)
 */
int ldap_dec_msg(struct wrd *r, struct ldap_msg *out)
{
	struct ldap_msg m;
	struct ber_tlv seq, t, op;
	struct wrd mr, opr;
	int64_t v;
	int err;

	memset(&m, 0, sizeof(m));
	m.result_code = -1;
	if (nber_read_expect(r, BER_SEQUENCE, &seq))
		return r->err;
	mr = nber_tlv_reader(r, &seq);

	if (nber_read_expect(&mr, BER_INTEGER, &t) == WIRE_OK) {
		if ((err = nber_get_int(&t, &v)) != WIRE_OK)
			wrd_fail(&mr, err);
		else if (v < 0 || v > (int64_t)LDAP_MAXINT)
			wrd_fail(&mr, WIRE_EBAD);
		else
			m.msgid = (uint32_t)v;
	}
	if (nber_read_tlv(&mr, &op) == WIRE_OK && op.cls != BER_CLASS_APPLICATION)
		wrd_fail(&mr, WIRE_EBAD);
	if (nber_sub_done(r, &mr, 0))
		return r->err;

	m.op = (int)op.tag;
	opr = nber_tlv_reader(&mr, &op);
	if (op.tag == LDAP_OP_SEARCH_ENTRY) {
		if (!op.constructed)
			wrd_fail(&opr, WIRE_EBAD);
		dec_entry(&opr, &m);
	} else if (op_has_result(op.tag)) {
		if (!op.constructed)
			wrd_fail(&opr, WIRE_EBAD);
		dec_result(&opr, &m);
	}
	/* other operations: recorded in m.op, contents not interpreted */
	if (nber_sub_done(r, &opr, 0))
		return r->err;

	/*
	 * controls [0]; Active Directory also puts responseName [10] and
	 * responseValue [11] here (outside the ExtendedResponse) in its Notice
	 * of Disconnection.  All are skipped; anything else is an error.
	 */
	while (wrd_left(&mr)) {
		if (nber_read_tlv(&mr, &t))
			break;
		if (t.cls != BER_CLASS_CONTEXT || (t.tag != 0 && t.tag != 10 && t.tag != 11))
			wrd_fail(&mr, WIRE_ETRAILING);
	}
	if (nber_sub_done(r, &mr, 1))
		return r->err;
	*out = m;
	return WIRE_OK;
}

static int ascii_lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

const struct ldap_attr *ldap_msg_find(const struct ldap_msg *m, const char *type)
{
	size_t tl;

	if (!m || !type)
		return NULL;
	tl = strlen(type);
	for (size_t i = 0; i < m->n_attrs && i < LDAP_MSG_MAX_ATTRS; i++) {
		const struct ldap_attr *a = &m->attrs[i];
		size_t k;

		if (a->type.len != tl)
			continue;
		for (k = 0; k < tl; k++)
			if (ascii_lower(a->type.p[k]) != ascii_lower((unsigned char)type[k]))
				break;
		if (k == tl)
			return a;
	}
	return NULL;
}

const struct ldap_bval *ldap_msg_attr(const struct ldap_msg *m, const char *type)
{
	const struct ldap_attr *a = ldap_msg_find(m, type);

	return a && a->n_vals ? &a->vals[0] : NULL;
}

int ldap_parse_generalized_time(const uint8_t *s, size_t n, int64_t *unix_out)
{
	return nber_gentime_parse(s, n, unix_out);
}
