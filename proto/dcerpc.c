/*
 * proto/dcerpc.c - DCE/RPC connection-oriented PDUs (C706 ch.12,
 * MS-RPCE 2.2.2).
 */
#include "dcerpc.h"

#include <string.h>

const struct dcerpc_syntax dcerpc_syntax_ndr20 = {
	{ 0x8a885d04, 0x1ceb, 0x11c9, { 0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60 } }, 2, 0
};

const char *dcerpc_ptype_name(int ptype)
{
	switch (ptype) {
	case DCERPC_PT_REQUEST: return "request";
	case DCERPC_PT_RESPONSE: return "response";
	case DCERPC_PT_FAULT: return "fault";
	case DCERPC_PT_BIND: return "bind";
	case DCERPC_PT_BIND_ACK: return "bind_ack";
	case DCERPC_PT_BIND_NAK: return "bind_nak";
	case DCERPC_PT_ALTER: return "alter_context";
	case DCERPC_PT_ALTER_RESP: return "alter_context_resp";
	case DCERPC_PT_AUTH3: return "auth3";
	default: return "unknown";
	}
}

/* p_syntax_id_t (C706 12.6.3.1): uuid + u32 version (major in the low half). */
static void put_syntax(struct wwr *w, const struct dcerpc_syntax *s)
{
	ndr_put_guid(w, &s->uuid);
	wwr_u16le(w, s->major);
	wwr_u16le(w, s->minor);
}

static void get_syntax(struct wrd *r, struct dcerpc_syntax *s)
{
	ndr_get_guid(r, &s->uuid);
	s->major = wrd_u16le(r);
	s->minor = wrd_u16le(r);
}

/* ---- common header (C706 12.6.3.1, MS-RPCE 2.2.2.1) ---- */

int dcerpc_dec_hdr(const uint8_t *buf, size_t len, struct dcerpc_hdr *h)
{
	if (len < DCERPC_HDR_LEN)
		return WIRE_ETRUNC;
	/* 5.0; C706 also defines minor 1, which Windows never sends but may accept */
	if (buf[0] != 5 || buf[1] > 1)
		return WIRE_EBAD;
	/* drep: little-endian integers + ASCII (0x10), IEEE floats (0); bytes 2-3 reserved */
	if (buf[4] != 0x10 || buf[5] != 0)
		return WIRE_EBAD;
	h->ptype = buf[2];
	h->pfc_flags = buf[3];
	h->frag_length = ld_u16le(buf + 8);
	h->auth_length = ld_u16le(buf + 10);
	h->call_id = ld_u32le(buf + 12);
	if (h->frag_length < DCERPC_HDR_LEN ||
	    (h->auth_length && h->frag_length < DCERPC_HDR_LEN + DCERPC_TRAILER_LEN + (size_t)h->auth_length))
		return WIRE_EBAD;
	return WIRE_OK;
}

/* ---- encoder ---- */

static int stub_ptype(uint8_t t)
{
	return t == DCERPC_PT_REQUEST || t == DCERPC_PT_RESPONSE || t == DCERPC_PT_FAULT;
}

int dcerpc_enc_pdu(struct wwr *w, const struct dcerpc_pdu *pdu, struct dcerpc_layout *lay)
{
	struct dcerpc_layout l;
	size_t start = wwr_len(w), fl_off, stub_start, pad = 0;
	uint8_t flags = pdu->pfc_flags;

	memset(&l, 0, sizeof(l));
	if (w->err)
		return w->err;
	if (start != 0)
		return w->err = WIRE_EBAD; /* offsets and alignment count from the PDU start */
	if (pdu->ptype == DCERPC_PT_REQUEST) {
		flags = (uint8_t)(pdu->has_object ? flags | DCERPC_PFC_OBJECT_UUID
						  : flags & ~DCERPC_PFC_OBJECT_UUID);
	}
	if (pdu->has_auth && pdu->auth_len > 0xffff)
		return w->err = WIRE_ELIMIT;

	wwr_u8(w, 5);
	wwr_u8(w, 0);
	wwr_u8(w, pdu->ptype);
	wwr_u8(w, flags);
	wwr_u8(w, 0x10);
	wwr_zero(w, 3);
	fl_off = wwr_reserve(w, 4); /* frag_length, auth_length */
	wwr_u32le(w, pdu->call_id);

	switch (pdu->ptype) {
	case DCERPC_PT_BIND:
	case DCERPC_PT_ALTER:
		if (pdu->n_ctx > DCERPC_MAX_CTX)
			return w->err = WIRE_ELIMIT;
		wwr_u16le(w, pdu->max_xmit_frag);
		wwr_u16le(w, pdu->max_recv_frag);
		wwr_u32le(w, pdu->assoc_group_id);
		wwr_u8(w, (uint8_t)pdu->n_ctx);
		wwr_zero(w, 3);
		for (size_t i = 0; i < pdu->n_ctx; i++) {
			const struct dcerpc_ctx *c = &pdu->ctx[i];
			if (c->n_ts < 1 || c->n_ts > DCERPC_MAX_TS)
				return w->err = WIRE_EBAD;
			wwr_u16le(w, c->ctx_id);
			wwr_u8(w, (uint8_t)c->n_ts);
			wwr_u8(w, 0);
			put_syntax(w, &c->abstract);
			for (size_t j = 0; j < c->n_ts; j++)
				put_syntax(w, &c->ts[j]);
		}
		break;
	case DCERPC_PT_BIND_ACK:
	case DCERPC_PT_ALTER_RESP: {
		size_t alen = strnlen(pdu->sec_addr, sizeof(pdu->sec_addr));
		if (alen == sizeof(pdu->sec_addr) || pdu->n_results > DCERPC_MAX_CTX)
			return w->err = WIRE_ELIMIT;
		wwr_u16le(w, pdu->max_xmit_frag);
		wwr_u16le(w, pdu->max_recv_frag);
		wwr_u32le(w, pdu->assoc_group_id);
		/* port_any_t: length includes the NUL; an empty address is length 0 */
		wwr_u16le(w, (uint16_t)(alen ? alen + 1 : 0));
		if (alen)
			wwr_bytes(w, pdu->sec_addr, alen + 1);
		wwr_align(w, 4);
		wwr_u8(w, (uint8_t)pdu->n_results);
		wwr_zero(w, 3);
		for (size_t i = 0; i < pdu->n_results; i++) {
			wwr_u16le(w, pdu->results[i].result);
			wwr_u16le(w, pdu->results[i].reason);
			put_syntax(w, &pdu->results[i].ts);
		}
		break;
	}
	case DCERPC_PT_BIND_NAK:
		wwr_u16le(w, pdu->reject_reason);
		wwr_u8(w, 1); /* one supported version: 5.0 */
		wwr_u8(w, 5);
		wwr_u8(w, 0);
		break;
	case DCERPC_PT_AUTH3:
		wwr_zero(w, 4); /* MS-RPCE 2.2.2.10: pad */
		break;
	case DCERPC_PT_REQUEST:
		wwr_u32le(w, pdu->alloc_hint);
		wwr_u16le(w, pdu->ctx_id);
		wwr_u16le(w, pdu->opnum);
		if (pdu->has_object)
			ndr_put_guid(w, &pdu->object);
		break;
	case DCERPC_PT_RESPONSE:
		wwr_u32le(w, pdu->alloc_hint);
		wwr_u16le(w, pdu->ctx_id);
		wwr_u8(w, pdu->cancel_count);
		wwr_u8(w, 0);
		break;
	case DCERPC_PT_FAULT:
		wwr_u32le(w, pdu->alloc_hint);
		wwr_u16le(w, pdu->ctx_id);
		wwr_u8(w, pdu->cancel_count);
		wwr_u8(w, 0);
		wwr_u32le(w, pdu->status);
		wwr_u32le(w, 0);
		break;
	default:
		return w->err = WIRE_EBAD;
	}
	stub_start = wwr_len(w);
	if (stub_ptype(pdu->ptype))
		wwr_bytes(w, pdu->stub, pdu->stub_len);
	if (pdu->has_auth) {
		size_t body = wwr_len(w) - stub_start;
		if (stub_ptype(pdu->ptype))
			pad = (DCERPC_AUTH_PAD - body % DCERPC_AUTH_PAD) % DCERPC_AUTH_PAD;
		else
			pad = (4 - wwr_len(w) % 4) % 4;
		wwr_zero(w, pad);
		l.trailer_off = wwr_len(w);
		wwr_u8(w, pdu->auth_type);
		wwr_u8(w, pdu->auth_level);
		wwr_u8(w, (uint8_t)pad);
		wwr_u8(w, 0);
		wwr_u32le(w, pdu->auth_context_id);
		l.auth_off = wwr_len(w);
		if (pdu->auth_value)
			wwr_bytes(w, pdu->auth_value, pdu->auth_len);
		else
			wwr_zero(w, pdu->auth_len);
	}
	if (w->err)
		return w->err;
	if (wwr_len(w) > 0xffff)
		return w->err = WIRE_ELIMIT;
	wwr_put_u16le_at(w, fl_off, (uint16_t)wwr_len(w));
	wwr_put_u16le_at(w, fl_off + 2, (uint16_t)(pdu->has_auth ? pdu->auth_len : 0));
	l.pdu_len = wwr_len(w);
	l.stub_off = stub_start;
	l.stub_len = (pdu->has_auth ? l.trailer_off : l.pdu_len) - stub_start;
	if (lay)
		*lay = l;
	return w->err;
}

/* ---- decoder ---- */

static int dec_ack(struct wrd *r, struct dcerpc_pdu *pdu)
{
	uint16_t alen;
	size_t n;

	pdu->max_xmit_frag = wrd_u16le(r);
	pdu->max_recv_frag = wrd_u16le(r);
	pdu->assoc_group_id = wrd_u32le(r);
	alen = wrd_u16le(r);
	if (r->err)
		return r->err;
	if (alen) {
		const uint8_t *a = wrd_ptr(r, alen);
		if (!a)
			return r->err;
		/* NUL-terminated ASCII, no interior NUL */
		if (a[alen - 1] != 0 || memchr(a, 0, alen - 1u))
			return wrd_fail(r, WIRE_EBAD);
		if (alen > sizeof(pdu->sec_addr))
			return wrd_fail(r, WIRE_ELIMIT);
		memcpy(pdu->sec_addr, a, alen);
	}
	wrd_align(r, 4);
	n = wrd_u8(r);
	wrd_skip(r, 3);
	if (!wrd_check_count(r, n, 24, DCERPC_MAX_CTX))
		return r->err;
	pdu->n_results = n;
	for (size_t i = 0; i < n; i++) {
		pdu->results[i].result = wrd_u16le(r);
		pdu->results[i].reason = wrd_u16le(r);
		get_syntax(r, &pdu->results[i].ts);
	}
	return r->err;
}

static int dec_bind(struct wrd *r, struct dcerpc_pdu *pdu)
{
	size_t n;

	pdu->max_xmit_frag = wrd_u16le(r);
	pdu->max_recv_frag = wrd_u16le(r);
	pdu->assoc_group_id = wrd_u32le(r);
	n = wrd_u8(r);
	wrd_skip(r, 3);
	if (!wrd_check_count(r, n, 44, DCERPC_MAX_CTX))
		return r->err;
	pdu->n_ctx = n;
	for (size_t i = 0; i < n; i++) {
		struct dcerpc_ctx *c = &pdu->ctx[i];
		size_t nts;
		c->ctx_id = wrd_u16le(r);
		nts = wrd_u8(r);
		wrd_skip(r, 1);
		get_syntax(r, &c->abstract);
		if (r->err)
			return r->err;
		if (nts == 0)
			return wrd_fail(r, WIRE_EBAD);
		if (!wrd_check_count(r, nts, 20, DCERPC_MAX_TS))
			return r->err;
		c->n_ts = nts;
		for (size_t j = 0; j < nts; j++)
			get_syntax(r, &c->ts[j]);
	}
	return r->err;
}

int dcerpc_dec_pdu(const uint8_t *buf, size_t len, struct dcerpc_pdu *out)
{
	struct dcerpc_hdr h;
	struct dcerpc_pdu pdu;
	struct wrd r;
	size_t body_end, stub_off;
	int rc;

	if ((rc = dcerpc_dec_hdr(buf, len, &h)) != WIRE_OK)
		return rc;
	if (len < h.frag_length)
		return WIRE_ETRUNC;
	if (len > h.frag_length)
		return WIRE_ETRAILING;
	memset(&pdu, 0, sizeof(pdu));
	pdu.ptype = h.ptype;
	pdu.pfc_flags = h.pfc_flags;
	pdu.call_id = h.call_id;
	body_end = h.frag_length;
	if (h.auth_length) {
		const uint8_t *t;
		body_end = (size_t)h.frag_length - DCERPC_TRAILER_LEN - (size_t)h.auth_length;
		t = buf + body_end;
		pdu.has_auth = 1;
		pdu.auth_type = t[0];
		pdu.auth_level = t[1];
		pdu.auth_pad_len = t[2];
		pdu.auth_context_id = ld_u32le(t + 4);
		pdu.auth_value = t + DCERPC_TRAILER_LEN;
		pdu.auth_len = h.auth_length;
	}
	/* the reader ends before the sec_trailer; its base is the PDU start */
	wrd_init(&r, buf, body_end);
	wrd_seek(&r, DCERPC_HDR_LEN);
	if (r.err)
		return WIRE_EBAD; /* the trailer overlaps the header */

	switch (h.ptype) {
	case DCERPC_PT_BIND:
	case DCERPC_PT_ALTER:
		rc = dec_bind(&r, &pdu);
		break;
	case DCERPC_PT_BIND_ACK:
	case DCERPC_PT_ALTER_RESP:
		rc = dec_ack(&r, &pdu);
		break;
	case DCERPC_PT_BIND_NAK: {
		/* reason, then versions; Windows may append padding: ignore the rest */
		pdu.reject_reason = wrd_u16le(&r);
		rc = r.err;
		if (!rc)
			wrd_skip(&r, wrd_left(&r));
		break;
	}
	case DCERPC_PT_AUTH3:
		wrd_skip(&r, 4);
		rc = r.err;
		break;
	case DCERPC_PT_REQUEST:
		pdu.alloc_hint = wrd_u32le(&r);
		pdu.ctx_id = wrd_u16le(&r);
		pdu.opnum = wrd_u16le(&r);
		if (h.pfc_flags & DCERPC_PFC_OBJECT_UUID) {
			pdu.has_object = 1;
			ndr_get_guid(&r, &pdu.object);
		}
		rc = r.err;
		break;
	case DCERPC_PT_RESPONSE:
		pdu.alloc_hint = wrd_u32le(&r);
		pdu.ctx_id = wrd_u16le(&r);
		pdu.cancel_count = wrd_u8(&r);
		wrd_skip(&r, 1);
		rc = r.err;
		break;
	case DCERPC_PT_FAULT:
		pdu.alloc_hint = wrd_u32le(&r);
		pdu.ctx_id = wrd_u16le(&r);
		pdu.cancel_count = wrd_u8(&r);
		wrd_skip(&r, 1);
		pdu.status = wrd_u32le(&r);
		wrd_skip(&r, 4);
		rc = r.err;
		break;
	default:
		return WIRE_EBAD;
	}
	if (rc)
		return rc;
	stub_off = wrd_pos(&r);
	if (stub_ptype(h.ptype)) {
		size_t body = body_end - stub_off;
		if (pdu.auth_pad_len > body)
			return WIRE_EBAD;
		pdu.stub = buf + stub_off;
		pdu.stub_len = body - pdu.auth_pad_len;
	} else if (h.ptype != DCERPC_PT_BIND_NAK && wrd_left(&r) != pdu.auth_pad_len) {
		/* nothing but the auth padding may follow a bind/ack/auth3 body */
		return wrd_left(&r) > pdu.auth_pad_len ? WIRE_ETRAILING : WIRE_EBAD;
	}
	*out = pdu;
	return WIRE_OK;
}

/* ---- fragmentation (C706 12.6.2; Samba dcerpc_guess_sizes) ---- */

int dcerpc_enc_request_frag(struct wwr *w, const struct dcerpc_pdu *tmpl, const uint8_t *stub,
			    size_t stub_len, size_t *off, uint16_t max_frag, struct dcerpc_layout *lay)
{
	struct dcerpc_pdu p = *tmpl;
	size_t hdr = DCERPC_REQ_HDR_LEN + (tmpl->has_object ? 16 : 0);
	size_t over = hdr + (tmpl->has_auth ? DCERPC_TRAILER_LEN + tmpl->auth_len : 0);
	size_t avail, chunk, left;

	if (w->err)
		return w->err;
	if (*off > stub_len || (*off == stub_len && stub_len != 0))
		return w->err = WIRE_EBAD;
	if (max_frag <= over)
		return w->err = WIRE_EBAD;
	avail = max_frag - over;
	if (tmpl->has_auth)
		avail &= ~(size_t)(DCERPC_AUTH_PAD - 1);
	if (avail == 0)
		return w->err = WIRE_EBAD;
	left = stub_len - *off;
	chunk = left < avail ? left : avail;
	p.ptype = DCERPC_PT_REQUEST;
	p.pfc_flags = (uint8_t)(tmpl->pfc_flags & ~(DCERPC_PFC_FIRST | DCERPC_PFC_LAST));
	if (*off == 0)
		p.pfc_flags |= DCERPC_PFC_FIRST;
	if (chunk == left)
		p.pfc_flags |= DCERPC_PFC_LAST;
	p.alloc_hint = left > UINT32_MAX ? UINT32_MAX : (uint32_t)left;
	p.stub = stub ? stub + *off : NULL;
	p.stub_len = chunk;
	p.auth_value = NULL;
	if (dcerpc_enc_pdu(w, &p, lay) != WIRE_OK)
		return w->err;
	*off += chunk;
	return WIRE_OK;
}

/* ---- reassembly ---- */

void dcerpc_reasm_init(struct dcerpc_reasm *ra, void *buf, size_t cap, uint32_t call_id)
{
	ra->buf = buf;
	ra->cap = cap;
	ra->len = 0;
	ra->call_id = call_id;
	ra->started = 0;
	ra->done = 0;
}

int dcerpc_reasm_add(struct dcerpc_reasm *ra, const struct dcerpc_pdu *pdu)
{
	int first = (pdu->pfc_flags & DCERPC_PFC_FIRST) != 0;

	if (pdu->ptype != DCERPC_PT_RESPONSE || pdu->call_id != ra->call_id || ra->done)
		return WIRE_EBAD;
	if (first == ra->started) /* FIRST exactly on the first fragment */
		return WIRE_EBAD;
	if (pdu->stub_len > ra->cap - ra->len)
		return WIRE_ELIMIT;
	if (pdu->stub_len)
		memcpy(ra->buf + ra->len, pdu->stub, pdu->stub_len);
	ra->len += pdu->stub_len;
	ra->started = 1;
	if (pdu->pfc_flags & DCERPC_PFC_LAST)
		ra->done = 1;
	return WIRE_OK;
}
