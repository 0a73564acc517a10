/*
 * proto/krb_msg.c - Kerberos V5 (RFC 4120) AS-REQ probe encoder and
 * KRB-ERROR decoder, DER per RFC 4120 §5.1 and X.690.
 */
#include "krb_msg.h"

#include <string.h>

#include "ber.h"

#define KRB_PVNO 5
#define KRB_MAX_COMPONENTS 16 /* name-string elements we accept in a PrincipalName */
#define KRB_USEC_MAX 999999

/*
 * RFC 4120 §5.2.2:
 *   PrincipalName ::= SEQUENCE { name-type [0] Int32,
 *                                name-string [1] SEQUENCE OF KerberosString }
 * With split, comps is split on '/' (no escapes); every component must be
 * non-empty.
 */
static void put_principal(struct wwr *w, int32_t type, const char *first, const char *comps, int split)
{
	size_t seq, t, list;
	const char *p;

	seq = nber_begin(w, BER_SEQUENCE);
	t = nber_begin(w, BER_CTX_C(0));
	nber_put_int(w, BER_INTEGER, type);
	nber_end(w, t);
	t = nber_begin(w, BER_CTX_C(1));
	list = nber_begin(w, BER_SEQUENCE);
	if (first)
		nber_put_octets(w, BER_GENERAL_STRING, first, strlen(first));
	p = comps;
	for (;;) {
		const char *slash = split ? strchr(p, '/') : NULL;
		size_t n = slash ? (size_t)(slash - p) : strlen(p);

		if (n == 0) {
			nber_wfail(w, WIRE_EBAD);
			return;
		}
		nber_put_octets(w, BER_GENERAL_STRING, p, n);
		if (!slash)
			break;
		p = slash + 1;
	}
	nber_end(w, list);
	nber_end(w, t);
	nber_end(w, seq);
}

/*
 * RFC 4120 §5.4.1:
 *   AS-REQ ::= [APPLICATION 10] KDC-REQ
 *   KDC-REQ ::= SEQUENCE { pvno [1] INTEGER (5), msg-type [2] INTEGER (10),
 *       padata [3] SEQUENCE OF PA-DATA OPTIONAL, req-body [4] KDC-REQ-BODY }
 *   KDC-REQ-BODY ::= SEQUENCE { kdc-options [0] KDCOptions,
 *       cname [1] PrincipalName OPTIONAL, realm [2] Realm,
 *       sname [3] PrincipalName OPTIONAL, from [4] KerberosTime OPTIONAL,
 *       till [5] KerberosTime, rtime [6] KerberosTime OPTIONAL,
 *       nonce [7] UInt32, etype [8] SEQUENCE OF Int32, ... }
 *   KDCOptions ::= KerberosFlags  -- BIT STRING (SIZE (32..MAX)), §5.2.8
 *   Realm, KerberosString ::= GeneralString; KerberosTime ::= GeneralizedTime
 *   ("YYYYMMDDHHMMSSZ", §5.2.3)
 */
int krb_enc_as_req(struct wwr *w, const struct krb_as_req_probe *req)
{
	uint8_t opts[5];
	size_t app, seq, t, body, f, list;

	if (!req || !req->realm || !*req->realm || !req->cname || !*req->cname || !req->etypes ||
	    req->n_etypes == 0) {
		nber_wfail(w, WIRE_EBAD);
		return wwr_err(w);
	}
	opts[0] = 0; /* no unused bits */
	opts[1] = (uint8_t)(KRB_PROBE_KDC_OPTIONS >> 24);
	opts[2] = (uint8_t)(KRB_PROBE_KDC_OPTIONS >> 16);
	opts[3] = (uint8_t)(KRB_PROBE_KDC_OPTIONS >> 8);
	opts[4] = (uint8_t)KRB_PROBE_KDC_OPTIONS;

	app = nber_begin(w, BER_APP_C(KRB_MSG_AS_REQ));
	seq = nber_begin(w, BER_SEQUENCE);
	t = nber_begin(w, BER_CTX_C(1));
	nber_put_int(w, BER_INTEGER, KRB_PVNO);
	nber_end(w, t);
	t = nber_begin(w, BER_CTX_C(2));
	nber_put_int(w, BER_INTEGER, KRB_MSG_AS_REQ);
	nber_end(w, t);
	t = nber_begin(w, BER_CTX_C(4));
	body = nber_begin(w, BER_SEQUENCE);

	f = nber_begin(w, BER_CTX_C(0));
	nber_put_octets(w, BER_BIT_STRING, opts, sizeof(opts));
	nber_end(w, f);
	f = nber_begin(w, BER_CTX_C(1));
	put_principal(w, KRB_NT_PRINCIPAL, NULL, req->cname, 1);
	nber_end(w, f);
	f = nber_begin(w, BER_CTX_C(2));
	nber_put_octets(w, BER_GENERAL_STRING, req->realm, strlen(req->realm));
	nber_end(w, f);
	f = nber_begin(w, BER_CTX_C(3));
	put_principal(w, KRB_NT_SRV_INST, "krbtgt", req->realm, 0);
	nber_end(w, f);
	f = nber_begin(w, BER_CTX_C(5));
	nber_put_gentime(w, BER_GENERALIZED_TIME, req->till);
	nber_end(w, f);
	f = nber_begin(w, BER_CTX_C(7));
	nber_put_int(w, BER_INTEGER, req->nonce);
	nber_end(w, f);
	f = nber_begin(w, BER_CTX_C(8));
	list = nber_begin(w, BER_SEQUENCE);
	for (size_t i = 0; i < req->n_etypes; i++)
		nber_put_int(w, BER_INTEGER, req->etypes[i]);
	nber_end(w, list);
	nber_end(w, f);

	nber_end(w, body);
	nber_end(w, t);
	nber_end(w, seq);
	nber_end(w, app);
	return wwr_err(w);
}

int krb_msg_type(const uint8_t *buf, size_t len)
{
	struct wrd r;
	struct ber_tlv t;

	wrd_init(&r, buf, len);
	if (nber_read_tlv(&r, &t) || wrd_finish(&r))
		return -1;
	if (t.cls != BER_CLASS_APPLICATION || !t.constructed)
		return -1;
	return (int)t.tag;
}

/*
 * Open the explicit tag [n] at the reader's position; the returned
 * sub-reader covers its contents.  With optional, an absent tag returns
 * 0 and leaves r untouched.
 */
static int open_explicit(struct wrd *r, unsigned n, int optional, struct wrd *sub)
{
	struct ber_tlv t;

	if (optional && nber_peek(r) != BER_CTX_C(n))
		return 0;
	nber_read_expect(r, BER_CTX_C(n), &t);
	*sub = nber_tlv_reader(r, &t);
	return 1;
}

/* [n] INTEGER within [lo, hi]. */
static int64_t get_explicit_int(struct wrd *r, unsigned n, int64_t lo, int64_t hi)
{
	struct wrd s;
	struct ber_tlv t;
	int64_t v = 0;
	int err;

	open_explicit(r, n, 0, &s);
	if (nber_read_expect(&s, BER_INTEGER, &t) == WIRE_OK) {
		if ((err = nber_get_int(&t, &v)) != WIRE_OK)
			wrd_fail(&s, err);
		else if (v < lo || v > hi)
			wrd_fail(&s, WIRE_EBAD);
	}
	nber_sub_done(r, &s, 1);
	return r->err ? 0 : v;
}

/* [n] KerberosTime (RFC 4120 §5.2.3). */
static int64_t get_explicit_time(struct wrd *r, unsigned n)
{
	struct wrd s;
	struct ber_tlv t;
	int64_t v = 0;

	open_explicit(r, n, 0, &s);
	if (nber_read_expect(&s, BER_GENERALIZED_TIME, &t) == WIRE_OK &&
	    nber_gentime_parse(t.val, t.len, &v) != WIRE_OK)
		wrd_fail(&s, WIRE_EBAD);
	nber_sub_done(r, &s, 1);
	return r->err ? 0 : v;
}

/* [n] GeneralString (Realm, KerberosString; RFC 4120 §5.2.1). */
static int get_explicit_string(struct wrd *r, unsigned n, struct ber_tlv *out)
{
	struct wrd s;

	open_explicit(r, n, 0, &s);
	nber_read_expect(&s, BER_GENERAL_STRING, out);
	return nber_sub_done(r, &s, 1);
}

/* [n] PrincipalName, validated and dropped. */
static int skip_explicit_principal(struct wrd *r, unsigned n)
{
	struct wrd s, pr, lr;
	struct ber_tlv seq, list, str;
	size_t count = 0;

	open_explicit(r, n, 0, &s);
	nber_read_expect(&s, BER_SEQUENCE, &seq);
	pr = nber_tlv_reader(&s, &seq);
	(void)get_explicit_int(&pr, 0, INT32_MIN, INT32_MAX);
	if (open_explicit(&pr, 1, 0, &lr) && nber_read_expect(&lr, BER_SEQUENCE, &list) == WIRE_OK) {
		struct wrd er = nber_tlv_reader(&lr, &list);

		while (wrd_left(&er)) {
			if (nber_read_expect(&er, BER_GENERAL_STRING, &str))
				break;
			if (++count > KRB_MAX_COMPONENTS)
				wrd_fail(&er, WIRE_ELIMIT);
		}
		nber_sub_done(&lr, &er, 1);
	}
	nber_sub_done(&pr, &lr, 1);
	nber_sub_done(&s, &pr, 1);
	return nber_sub_done(r, &s, 1);
}

/* Copy a realm: printable ASCII only, at most cap-1 bytes. */
static int copy_realm(char *out, size_t cap, const struct ber_tlv *t)
{
	if (t->len > cap - 1)
		return WIRE_ELIMIT;
	for (size_t i = 0; i < t->len; i++) {
		if (t->val[i] < 0x20 || t->val[i] > 0x7e)
			return WIRE_EBAD;
		out[i] = (char)t->val[i];
	}
	out[t->len] = '\0';
	return WIRE_OK;
}

/* Copy informational text, truncated, with non-printable bytes as '?'. */
static void copy_text(char *out, size_t cap, const struct ber_tlv *t)
{
	size_t n = t->len < cap - 1 ? t->len : cap - 1;

	for (size_t i = 0; i < n; i++)
		out[i] = (t->val[i] < 0x20 || t->val[i] > 0x7e) ? '?' : (char)t->val[i];
	out[n] = '\0';
}

/*
 * RFC 4120 §5.9.1:
 *   KRB-ERROR ::= [APPLICATION 30] SEQUENCE {
 *       pvno [0] INTEGER (5), msg-type [1] INTEGER (30),
 *       ctime [2] KerberosTime OPTIONAL, cusec [3] Microseconds OPTIONAL,
 *       stime [4] KerberosTime, susec [5] Microseconds,
 *       error-code [6] Int32, crealm [7] Realm OPTIONAL,
 *       cname [8] PrincipalName OPTIONAL, realm [9] Realm -- service realm,
 *       sname [10] PrincipalName, e-text [11] KerberosString OPTIONAL,
 *       e-data [12] OCTET STRING OPTIONAL }
 *   Microseconds ::= INTEGER (0..999999)
 * The type has no extension marker, so anything after e-data is an error.
 */
int krb_dec_error(const uint8_t *buf, size_t len, struct krb_error *out)
{
	struct krb_error e;
	struct wrd r, ar, sr, s;
	struct ber_tlv app, seq, t;
	int err;

	memset(&e, 0, sizeof(e));
	wrd_init(&r, buf, len);
	if (nber_read_expect(&r, BER_APP_C(KRB_MSG_ERROR), &app) || wrd_finish(&r))
		return r.err;
	ar = nber_tlv_reader(&r, &app);
	if (nber_read_expect(&ar, BER_SEQUENCE, &seq) || wrd_finish(&ar))
		return ar.err;
	sr = nber_tlv_reader(&ar, &seq);

	(void)get_explicit_int(&sr, 0, KRB_PVNO, KRB_PVNO);
	(void)get_explicit_int(&sr, 1, KRB_MSG_ERROR, KRB_MSG_ERROR);
	if (nber_peek(&sr) == BER_CTX_C(2))
		(void)get_explicit_time(&sr, 2);
	if (nber_peek(&sr) == BER_CTX_C(3))
		(void)get_explicit_int(&sr, 3, 0, KRB_USEC_MAX);
	e.stime = get_explicit_time(&sr, 4);
	e.susec = (int32_t)get_explicit_int(&sr, 5, 0, KRB_USEC_MAX);
	e.error_code = (int32_t)get_explicit_int(&sr, 6, INT32_MIN, INT32_MAX);
	if (nber_peek(&sr) == BER_CTX_C(7))
		get_explicit_string(&sr, 7, &t);
	if (nber_peek(&sr) == BER_CTX_C(8))
		skip_explicit_principal(&sr, 8);
	if (get_explicit_string(&sr, 9, &t) == WIRE_OK &&
	    (err = copy_realm(e.realm, sizeof(e.realm), &t)) != WIRE_OK)
		wrd_fail(&sr, err);
	skip_explicit_principal(&sr, 10);
	if (nber_peek(&sr) == BER_CTX_C(11) && get_explicit_string(&sr, 11, &t) == WIRE_OK)
		copy_text(e.e_text, sizeof(e.e_text), &t);
	if (open_explicit(&sr, 12, 1, &s)) {
		nber_read_expect(&s, BER_OCTET_STRING, &t);
		nber_sub_done(&sr, &s, 1);
	}
	if (wrd_finish(&sr))
		return sr.err;
	*out = e;
	return WIRE_OK;
}

int krb_dec_as_rep(const uint8_t *buf, size_t len, struct krb_as_rep_info *out)
{
	struct krb_as_rep_info info;
	struct wrd r, ar, sr, s, er, c;
	struct ber_tlv app, seq, t;
	int err;

	memset(&info, 0, sizeof(info));
	wrd_init(&r, buf, len);
	if (nber_read_expect(&r, BER_APP_C(KRB_MSG_AS_REP), &app) || wrd_finish(&r))
		return r.err;
	ar = nber_tlv_reader(&r, &app);
	if (nber_read_expect(&ar, BER_SEQUENCE, &seq) || wrd_finish(&ar))
		return ar.err;
	sr = nber_tlv_reader(&ar, &seq);
	(void)get_explicit_int(&sr, 0, KRB_PVNO, KRB_PVNO);
	(void)get_explicit_int(&sr, 1, KRB_MSG_AS_REP, KRB_MSG_AS_REP);
	if (open_explicit(&sr, 2, 1, &s)) {
		nber_read_expect(&s, BER_SEQUENCE, &t);
		nber_sub_done(&sr, &s, 1);
	}
	if (get_explicit_string(&sr, 3, &t) == WIRE_OK && (err = copy_realm(info.crealm, sizeof(info.crealm), &t)) != WIRE_OK)
		wrd_fail(&sr, err);
	skip_explicit_principal(&sr, 4);
	/* ticket [5] Ticket ::= [APPLICATION 1] SEQUENCE: kept opaque */
	if (open_explicit(&sr, 5, 0, &s)) {
		nber_read_expect(&s, BER_APP_C(1), &t);
		nber_sub_done(&sr, &s, 1);
	}
	if (open_explicit(&sr, 6, 0, &s)) {
		if (nber_read_expect(&s, BER_SEQUENCE, &t) == WIRE_OK) {
			er = nber_tlv_reader(&s, &t);
			info.enc_etype = (int32_t)get_explicit_int(&er, 0, INT32_MIN, INT32_MAX);
			if (nber_peek(&er) == BER_CTX_C(1)) {
				info.enc_kvno = (uint32_t)get_explicit_int(&er, 1, 0, UINT32_MAX);
				info.have_kvno = 1;
			}
			if (open_explicit(&er, 2, 0, &c)) {
				nber_read_expect(&c, BER_OCTET_STRING, &t);
				nber_sub_done(&er, &c, 1);
			}
			nber_sub_done(&s, &er, 1);
		}
		nber_sub_done(&sr, &s, 1);
	}
	if (wrd_finish(&sr))
		return sr.err;
	*out = info;
	return WIRE_OK;
}
