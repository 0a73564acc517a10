/* proto/lsa.c - MS-LSAD NDR stubs (see lsa.h). */
#include "lsa.h"

#include <stdio.h>
#include <string.h>

const struct dcerpc_syntax lsa_syntax = {
	{ 0x12345778, 0x1234, 0xabcd, { 0xef, 0x00, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab } }, 0, 0
};

int lsa_enc_open_policy2(struct wwr *w, uint32_t access)
{
	ndr_put_u32(w, 0);  /* SystemName: NULL */
	/* LSAPR_OBJECT_ATTRIBUTES: Length, RootDirectory, ObjectName, Attributes, SecurityDescriptor, SQOS */
	ndr_put_u32(w, 24);
	ndr_put_u32(w, 0);
	ndr_put_u32(w, 0);
	ndr_put_u32(w, 0);
	ndr_put_u32(w, 0);
	ndr_put_u32(w, 0);
	ndr_put_u32(w, access);
	return wwr_err(w);
}

int lsa_dec_open_policy2_rep(const uint8_t *stub, size_t len, struct lsa_handle *h, uint32_t *status)
{
	struct wrd r;

	wrd_init(&r, stub, len);
	wrd_bytes(&r, h->b, sizeof(h->b));
	*status = ndr_get_u32(&r);
	return wrd_finish(&r);
}

int lsa_enc_open_policy2_rep(struct wwr *w, const struct lsa_handle *h, uint32_t status)
{
	wwr_bytes(w, h->b, sizeof(h->b));
	ndr_put_u32(w, status);
	return wwr_err(w);
}

int lsa_enc_query_info2(struct wwr *w, const struct lsa_handle *h, uint16_t level)
{
	wwr_bytes(w, h->b, sizeof(h->b));
	ndr_put_u16(w, level);
	return wwr_err(w);
}

int lsa_enc_close(struct wwr *w, const struct lsa_handle *h)
{
	wwr_bytes(w, h->b, sizeof(h->b));
	return wwr_err(w);
}

const char *lsa_sid_str(const struct lsa_sid *s, char *buf, size_t len)
{
	uint64_t auth = 0;
	size_t n;

	for (int i = 0; i < 6; i++)
		auth = auth << 8 | s->authority[i];
	n = (size_t)snprintf(buf, len, "S-%u-%llu", s->revision, (unsigned long long)auth);
	for (unsigned i = 0; i < s->n_sub && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "-%u", s->sub[i]);
	return buf;
}

/* RPC_SID body: conformant max_count = SubAuthorityCount, then the struct */
static void get_sid(struct wrd *r, struct lsa_sid *s)
{
	uint32_t mc = ndr_get_conformant(r, 4, LSA_SID_MAX_SUBAUTH);

	s->revision = ndr_get_u8(r);
	s->n_sub = ndr_get_u8(r);
	wrd_bytes(r, s->authority, 6);
	if (!r->err && (s->revision != 1 || s->n_sub != mc || mc > LSA_SID_MAX_SUBAUTH)) {
		wrd_fail(r, WIRE_EBAD);
		return;
	}
	for (uint32_t i = 0; i < mc; i++)
		s->sub[i] = ndr_get_u32(r);
}

static void put_sid(struct wwr *w, const struct lsa_sid *s)
{
	ndr_put_conformant(w, s->n_sub);
	ndr_put_u8(w, s->revision);
	ndr_put_u8(w, s->n_sub);
	wwr_bytes(w, s->authority, 6);
	for (unsigned i = 0; i < s->n_sub; i++)
		ndr_put_u32(w, s->sub[i]);
}

/* lsa_StringLarge as Samba sends it: MaximumLength = Length + 2 (room for the NUL); "" is a NULL buffer */
static void put_str_large(struct wwr *w, struct ndr_ptrs *p, const char *utf8, struct ndr_ustr *u)
{
	long units = utf8 && utf8[0] ? ndr_utf16_units(utf8) : 0;

	if (units < 0 || units > 0x7ffe) {
		w->err = WIRE_EBAD;
		units = 0;
	}
	u->length = (uint16_t)(units * 2);
	u->max_length = (uint16_t)(units ? units * 2 + 2 : 0);
	u->present = units > 0;
	ndr_put_u16(w, u->length);
	ndr_put_u16(w, u->max_length);
	ndr_put_unique_ptr(w, p, u->present);
}

int lsa_dec_query_info2_dns_rep(const uint8_t *stub, size_t len, struct lsa_dns_domain_info *rep)
{
	struct ndr_ustr u[3];
	struct wrd r;
	int sid_ptr;

	memset(rep, 0, sizeof(*rep));
	wrd_init(&r, stub, len);
	rep->present = ndr_get_unique_ptr(&r);
	if (rep->present) {
		/* the union: its switch (an NDR enum, 16 bits), then the arm */
		if (ndr_get_u16(&r) != LSA_POLICY_DNS_DOMAIN_INFORMATION && !r.err)
			wrd_fail(&r, WIRE_EBAD);
		wrd_align(&r, 4); /* the arm holds pointers: 4-aligned */
		for (int i = 0; i < 3; i++)
			ndr_get_ustr(&r, &u[i]);
		ndr_get_guid(&r, &rep->domain_guid);
		sid_ptr = ndr_get_unique_ptr(&r);
		ndr_get_ustr_body(&r, &u[0], rep->name, sizeof(rep->name));
		ndr_get_ustr_body(&r, &u[1], rep->dns_domain, sizeof(rep->dns_domain));
		ndr_get_ustr_body(&r, &u[2], rep->dns_forest, sizeof(rep->dns_forest));
		if (sid_ptr) {
			get_sid(&r, &rep->sid);
			rep->have_sid = !r.err;
		}
	}
	rep->status = ndr_get_u32(&r);
	return wrd_finish(&r);
}

int lsa_enc_query_info2_dns_rep(struct wwr *w, const struct lsa_dns_domain_info *rep)
{
	struct ndr_ptrs p;
	struct ndr_ustr u[3];

	ndr_ptrs_init(&p, NDR_PTRS_SAMBA_FIRST, NDR_PTRS_SAMBA_STEP);
	ndr_put_unique_ptr(w, &p, rep->present);
	if (rep->present) {
		ndr_put_u16(w, LSA_POLICY_DNS_DOMAIN_INFORMATION);
		wwr_align(w, 4);
		put_str_large(w, &p, rep->name, &u[0]);
		put_str_large(w, &p, rep->dns_domain, &u[1]);
		put_str_large(w, &p, rep->dns_forest, &u[2]);
		ndr_put_guid(w, &rep->domain_guid);
		ndr_put_unique_ptr(w, &p, rep->have_sid);
		ndr_put_ustr_body(w, &u[0], rep->name);
		ndr_put_ustr_body(w, &u[1], rep->dns_domain);
		ndr_put_ustr_body(w, &u[2], rep->dns_forest);
		if (rep->have_sid)
			put_sid(w, &rep->sid);
	}
	ndr_put_u32(w, rep->status);
	return wwr_err(w);
}

int lsa_dec_query_info_primary_rep(const uint8_t *stub, size_t len, struct lsa_dns_domain_info *rep)
{
	struct ndr_ustr u;
	struct wrd r;
	int sid_ptr;

	memset(rep, 0, sizeof(*rep));
	wrd_init(&r, stub, len);
	rep->present = ndr_get_unique_ptr(&r);
	if (rep->present) {
		if (ndr_get_u16(&r) != LSA_POLICY_PRIMARY_DOMAIN_INFORMATION && !r.err)
			wrd_fail(&r, WIRE_EBAD);
		wrd_align(&r, 4); /* the arm holds pointers: 4-aligned */
		ndr_get_ustr(&r, &u);
		sid_ptr = ndr_get_unique_ptr(&r);
		ndr_get_ustr_body(&r, &u, rep->name, sizeof(rep->name));
		if (sid_ptr) {
			get_sid(&r, &rep->sid);
			rep->have_sid = !r.err;
		}
	}
	rep->status = ndr_get_u32(&r);
	return wrd_finish(&r);
}

int lsa_enc_query_info_primary_rep(struct wwr *w, const struct lsa_dns_domain_info *rep)
{
	struct ndr_ptrs p;
	struct ndr_ustr u;

	ndr_ptrs_init(&p, NDR_PTRS_SAMBA_FIRST, NDR_PTRS_SAMBA_STEP);
	ndr_put_unique_ptr(w, &p, rep->present);
	if (rep->present) {
		ndr_put_u16(w, LSA_POLICY_PRIMARY_DOMAIN_INFORMATION);
		wwr_align(w, 4);
		put_str_large(w, &p, rep->name, &u);
		ndr_put_unique_ptr(w, &p, rep->have_sid);
		ndr_put_ustr_body(w, &u, rep->name);
		if (rep->have_sid)
			put_sid(w, &rep->sid);
	}
	ndr_put_u32(w, rep->status);
	return wwr_err(w);
}
