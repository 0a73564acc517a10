/* proto/kpasswd.c - kpasswd framing (see kpasswd.h). */
#include "kpasswd.h"

#include <string.h>

#include "ber.h"

#define APP_AP_REP   15
#define APP_KRB_PRIV 21
#define APP_KRB_ERR  30

const char *kpw_result_str(unsigned code)
{
	switch (code) {
	case KPW_SUCCESS: return "success";
	case KPW_MALFORMED: return "malformed request";
	case KPW_HARDERROR: return "hard error";
	case KPW_AUTHERROR: return "authentication error";
	case KPW_SOFTERROR: return "soft error (password policy)";
	case KPW_ACCESSDENIED: return "access denied";
	case KPW_BAD_VERSION: return "bad version";
	case KPW_INITIAL_FLAG_NEEDED: return "initial flag needed";
	}
	return "unknown result";
}

int kpw_enc_request(struct wwr *w, uint16_t version, const uint8_t *ap_req, size_t ap_req_len, const uint8_t *priv,
		    size_t priv_len)
{
	size_t total = KPW_HDR_LEN + ap_req_len + priv_len;

	if ((version != KPW_VERS_CHANGE && version != KPW_VERS_SET) || !ap_req || !ap_req_len || !priv || !priv_len ||
	    ap_req_len > KPW_MSG_MAX || priv_len > KPW_MSG_MAX || total > KPW_MSG_MAX) {
		nber_wfail(w, WIRE_EBAD);
		return wwr_err(w);
	}
	wwr_u16be(w, (uint16_t)total);
	wwr_u16be(w, version);
	wwr_u16be(w, (uint16_t)ap_req_len);
	wwr_bytes(w, ap_req, ap_req_len);
	wwr_bytes(w, priv, priv_len);
	return wwr_err(w);
}

int kpw_enc_setpw_data(struct wwr *w, const uint8_t *pw, size_t pw_len, const char *targname, const char *targrealm)
{
	size_t seq, f;

	if (!pw || (!targname) != (!targrealm) || (targname && (!*targname || !*targrealm))) {
		nber_wfail(w, WIRE_EBAD);
		return wwr_err(w);
	}
	seq = nber_begin(w, BER_SEQUENCE);
	f = nber_begin(w, BER_CTX_C(0));
	nber_put_octets(w, BER_OCTET_STRING, pw, pw_len);
	nber_end(w, f);
	if (targname) {
		size_t pn, t, list;
		const char *p = targname;
		f = nber_begin(w, BER_CTX_C(1));
		pn = nber_begin(w, BER_SEQUENCE);
		t = nber_begin(w, BER_CTX_C(0));
		nber_put_int(w, BER_INTEGER, 1); /* NT-PRINCIPAL */
		nber_end(w, t);
		t = nber_begin(w, BER_CTX_C(1));
		list = nber_begin(w, BER_SEQUENCE);
		for (;;) {
			const char *slash = strchr(p, '/');
			size_t n = slash ? (size_t)(slash - p) : strlen(p);
			if (n == 0) {
				nber_wfail(w, WIRE_EBAD);
				return wwr_err(w);
			}
			nber_put_octets(w, BER_GENERAL_STRING, p, n);
			if (!slash)
				break;
			p = slash + 1;
		}
		nber_end(w, list);
		nber_end(w, t);
		nber_end(w, pn);
		nber_end(w, f);
		f = nber_begin(w, BER_CTX_C(2));
		nber_put_octets(w, BER_GENERAL_STRING, targrealm, strlen(targrealm));
		nber_end(w, f);
	}
	nber_end(w, seq);
	return wwr_err(w);
}

/* One DER TLV with identifier ident filling buf[0..len) exactly. */
static int whole_tlv(const uint8_t *buf, size_t len, uint8_t ident)
{
	struct wrd r;
	struct ber_tlv t;

	wrd_init(&r, buf, len);
	if (nber_read_expect(&r, ident, &t) != WIRE_OK)
		return wrd_err(&r) ? wrd_err(&r) : WIRE_EBAD;
	return wrd_finish(&r);
}

int kpw_dec_reply(const uint8_t *buf, size_t len, struct kpw_reply *out)
{
	struct kpw_reply o;
	struct wrd r;
	uint16_t total, ap_len;
	int err;

	memset(&o, 0, sizeof(o));
	if (len > 0 && buf[0] == BER_APP_C(APP_KRB_ERR)) {
		/* a bare KRB-ERROR: no kpasswd header */
		if ((err = whole_tlv(buf, len, BER_APP_C(APP_KRB_ERR))) != WIRE_OK)
			return err;
		o.is_error = 1;
		o.body = buf;
		o.body_len = len;
		*out = o;
		return WIRE_OK;
	}
	wrd_init(&r, buf, len);
	total = wrd_u16be(&r);
	o.version = wrd_u16be(&r);
	ap_len = wrd_u16be(&r);
	if (wrd_err(&r))
		return wrd_err(&r);
	if (total != len)
		return total > len ? WIRE_ETRUNC : WIRE_ETRAILING;
	if (o.version != KPW_VERS_CHANGE && o.version != KPW_VERS_SET)
		return WIRE_EBAD;
	if (ap_len > wrd_left(&r))
		return WIRE_ETRUNC;
	o.ap_rep = wrd_ptr(&r, ap_len);
	o.ap_rep_len = ap_len;
	o.body_len = wrd_left(&r);
	o.body = wrd_ptr(&r, o.body_len);
	if (wrd_err(&r))
		return wrd_err(&r);
	if (o.body_len == 0)
		return WIRE_ETRUNC;
	if (ap_len == 0) {
		o.is_error = 1;
		o.ap_rep = NULL;
		if ((err = whole_tlv(o.body, o.body_len, BER_APP_C(APP_KRB_ERR))) != WIRE_OK)
			return err;
	} else {
		if ((err = whole_tlv(o.ap_rep, o.ap_rep_len, BER_APP_C(APP_AP_REP))) != WIRE_OK ||
		    (err = whole_tlv(o.body, o.body_len, BER_APP_C(APP_KRB_PRIV))) != WIRE_OK)
			return err;
	}
	*out = o;
	return WIRE_OK;
}

int kpw_dec_result(const uint8_t *data, size_t len, uint16_t *code, const uint8_t **str, size_t *str_len)
{
	if (!data || len < 2)
		return WIRE_ETRUNC;
	*code = ld_u16be(data);
	*str = data + 2;
	*str_len = len - 2;
	return WIRE_OK;
}
