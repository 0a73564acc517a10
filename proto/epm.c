/*
 * proto/epm.c - ept_map and ncacn_ip_tcp towers (C706 App. L, MS-RPCE 2.2.1.2).
 */
#include "epm.h"

#include <string.h>

const struct dcerpc_syntax epm_syntax = {
	{ 0xe1af8308, 0x5d1f, 0x11c9, { 0x91, 0xa4, 0x08, 0x00, 0x2b, 0x14, 0xa0, 0xfa } }, 3, 0
};

#define FLOOR_UUID 0x0d
#define FLOOR_NCACN 0x0b
#define FLOOR_TCP 0x07
#define FLOOR_IP 0x09

static void put_uuid_floor(struct wwr *w, const struct dcerpc_syntax *s)
{
	wwr_u16le(w, 19); /* 0x0d + uuid(16) + major(2) */
	wwr_u8(w, FLOOR_UUID);
	wwr_u32le(w, s->uuid.d1);
	wwr_u16le(w, s->uuid.d2);
	wwr_u16le(w, s->uuid.d3);
	wwr_bytes(w, s->uuid.d4, 8);
	wwr_u16le(w, s->major);
	wwr_u16le(w, 2);
	wwr_u16le(w, s->minor);
}

int epm_enc_tower(struct wwr *w, const struct epm_tower *t)
{
	wwr_u16le(w, 5);
	put_uuid_floor(w, &t->iface);
	put_uuid_floor(w, &t->transfer);
	wwr_u16le(w, 1);
	wwr_u8(w, FLOOR_NCACN);
	wwr_u16le(w, 2);
	wwr_u16le(w, 0); /* minor version of the CO protocol */
	wwr_u16le(w, 1);
	wwr_u8(w, FLOOR_TCP);
	wwr_u16le(w, 2);
	wwr_u16be(w, t->port);
	wwr_u16le(w, 1);
	wwr_u8(w, FLOOR_IP);
	wwr_u16le(w, 4);
	wwr_bytes(w, t->ip, 4);
	return w->err;
}

/* One floor: its lhs and rhs as sub-readers. */
static void get_floor(struct wrd *r, struct wrd *lhs, struct wrd *rhs)
{
	uint16_t n = wrd_u16le(r);
	*lhs = wrd_sub(r, n);
	n = wrd_u16le(r);
	*rhs = wrd_sub(r, n);
}

static void get_uuid_floor(struct wrd *r, struct dcerpc_syntax *s)
{
	struct wrd lhs, rhs;

	get_floor(r, &lhs, &rhs);
	if (r->err)
		return;
	if (wrd_u8(&lhs) != FLOOR_UUID) {
		wrd_fail(r, WIRE_EBAD);
		return;
	}
	s->uuid.d1 = wrd_u32le(&lhs);
	s->uuid.d2 = wrd_u16le(&lhs);
	s->uuid.d3 = wrd_u16le(&lhs);
	wrd_bytes(&lhs, s->uuid.d4, 8);
	s->major = wrd_u16le(&lhs);
	s->minor = wrd_u16le(&rhs);
	if (wrd_finish(&lhs) || wrd_finish(&rhs))
		wrd_fail(r, WIRE_EBAD);
}

/* A one-byte protocol floor with an rhs of exactly rhs_len bytes. */
static struct wrd get_proto_floor(struct wrd *r, uint8_t id, size_t rhs_len)
{
	struct wrd lhs, rhs;

	get_floor(r, &lhs, &rhs);
	if (!r->err && (wrd_u8(&lhs) != id || wrd_finish(&lhs) || wrd_left(&rhs) != rhs_len))
		wrd_fail(r, WIRE_EBAD);
	return rhs;
}

int epm_dec_tower(const uint8_t *buf, size_t len, struct epm_tower *out)
{
	struct epm_tower t;
	struct wrd r, rhs;
	uint16_t floors;

	memset(&t, 0, sizeof(t));
	wrd_init(&r, buf, len);
	floors = wrd_u16le(&r);
	if (r.err)
		return r.err;
	if (floors != 5)
		return WIRE_EBAD; /* ncacn_ip_tcp has exactly five */
	get_uuid_floor(&r, &t.iface);
	get_uuid_floor(&r, &t.transfer);
	rhs = get_proto_floor(&r, FLOOR_NCACN, 2);
	rhs = get_proto_floor(&r, FLOOR_TCP, 2);
	t.port = wrd_u16be(&rhs);
	rhs = get_proto_floor(&r, FLOOR_IP, 4);
	wrd_bytes(&rhs, t.ip, 4);
	if (wrd_finish(&r))
		return r.err;
	*out = t;
	return WIRE_OK;
}

int epm_enc_map_req(struct wwr *w, const struct dcerpc_syntax *iface, uint32_t max_towers)
{
	static const struct ndr_guid nil;
	struct epm_tower t;
	size_t lenpos, start;

	if (max_towers > 500) /* [range(0,500)] */
		return w->err ? w->err : (w->err = WIRE_EBAD);
	memset(&t, 0, sizeof(t));
	t.iface = *iface;
	t.transfer = dcerpc_syntax_ndr20;
	/* [in, ptr] uuid_p_t object: referent 1, nil UUID */
	ndr_put_u32(w, 1);
	ndr_put_guid(w, &nil);
	/* [in, ptr] twr_p_t map_tower: referent 2; conformant struct: max_count first */
	ndr_put_u32(w, 2);
	lenpos = wwr_reserve(w, 8);
	start = wwr_len(w);
	epm_enc_tower(w, &t);
	if (w->err)
		return w->err;
	wwr_put_u32le_at(w, lenpos, (uint32_t)(wwr_len(w) - start));
	wwr_put_u32le_at(w, lenpos + 4, (uint32_t)(wwr_len(w) - start));
	/* [in, out] ept_lookup_handle_t entry_handle: 20 zero bytes */
	wwr_align(w, 4);
	wwr_zero(w, 20);
	ndr_put_u32(w, max_towers);
	return w->err;
}

int epm_dec_map_rep(const uint8_t *stub, size_t len, struct epm_map_rep *out)
{
	struct epm_map_rep rep;
	struct wrd r;
	uint32_t num, max, act;
	int present[EPM_MAX_TOWERS];

	memset(&rep, 0, sizeof(rep));
	wrd_init(&r, stub, len);
	wrd_bytes(&r, rep.entry_handle, 20);
	num = ndr_get_u32(&r);
	/* [size_is(max_towers), length_is(*num_towers)] twr_p_t towers[] */
	ndr_get_cv_hdr(&r, 4, 500, &max, &act);
	if (r.err)
		return r.err;
	if (act != num)
		return WIRE_EBAD;
	if (act > EPM_MAX_TOWERS)
		return WIRE_ELIMIT;
	for (uint32_t i = 0; i < act; i++)
		present[i] = ndr_get_unique_ptr(&r);
	for (uint32_t i = 0; i < act && !r.err; i++) {
		uint32_t cnt, tlen;
		const uint8_t *oct;
		int rc;
		if (!present[i])
			continue;
		cnt = ndr_get_conformant(&r, 1, EPM_MAX_TOWER_LEN);
		tlen = wrd_u32le(&r);
		if (r.err)
			break;
		if (tlen != cnt)
			return WIRE_EBAD;
		oct = wrd_ptr(&r, tlen);
		if (!oct)
			break;
		rc = epm_dec_tower(oct, tlen, &rep.towers[rep.n_towers]);
		if (rc)
			return rc;
		rep.n_towers++;
	}
	rep.status = ndr_get_u32(&r);
	if (wrd_finish(&r))
		return r.err;
	*out = rep;
	return WIRE_OK;
}

int epm_enc_map_rep(struct wwr *w, const struct epm_map_rep *rep, uint32_t max_towers)
{
	if (rep->n_towers > EPM_MAX_TOWERS || rep->n_towers > max_towers)
		return w->err ? w->err : (w->err = WIRE_EBAD);
	wwr_bytes(w, rep->entry_handle, 20);
	ndr_put_u32(w, (uint32_t)rep->n_towers);
	ndr_put_cv_hdr(w, max_towers, (uint32_t)rep->n_towers);
	for (size_t i = 0; i < rep->n_towers; i++)
		ndr_put_u32(w, (uint32_t)(3 + i));
	for (size_t i = 0; i < rep->n_towers; i++) {
		size_t lenpos, start;
		wwr_align(w, 4);
		lenpos = wwr_reserve(w, 8);
		start = wwr_len(w);
		epm_enc_tower(w, &rep->towers[i]);
		if (w->err)
			return w->err;
		wwr_put_u32le_at(w, lenpos, (uint32_t)(wwr_len(w) - start));
		wwr_put_u32le_at(w, lenpos + 4, (uint32_t)(wwr_len(w) - start));
	}
	ndr_put_u32(w, rep->status);
	return w->err;
}

int epm_rep_tcp_port(const struct epm_map_rep *rep, const struct dcerpc_syntax *iface, uint16_t *port)
{
	if (rep->status != 0)
		return WIRE_EBAD;
	for (size_t i = 0; i < rep->n_towers; i++) {
		const struct epm_tower *t = &rep->towers[i];
		if (ndr_guid_equal(&t->iface.uuid, &iface->uuid) && t->iface.major == iface->major &&
		    ndr_guid_equal(&t->transfer.uuid, &dcerpc_syntax_ndr20.uuid) &&
		    t->transfer.major == dcerpc_syntax_ndr20.major && t->port != 0) {
			*port = t->port;
			return WIRE_OK;
		}
	}
	return WIRE_EBAD;
}
