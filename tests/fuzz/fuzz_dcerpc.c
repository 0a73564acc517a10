/*
 * tests/fuzz/fuzz_dcerpc.c - libFuzzer harness for the DCE/RPC PDU decoder
 * dcerpc_dec_pdu() (with a re-encode round trip and reassembly), the
 * ept_map response and tower decoders of proto/epm.c, and the NDR string
 * decoders of proto/ndr.c.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dcerpc.h"
#include "epm.h"
#include "fuzz.h"
#include "ndr.h"

static void fuzz_pdu(const uint8_t *data, size_t size)
{
	struct dcerpc_pdu p, q;
	struct dcerpc_hdr h;
	static uint8_t buf[65536];
	struct wwr w;

	if (dcerpc_dec_pdu(data, size, &p) != WIRE_OK)
		return;
	if (dcerpc_dec_hdr(data, size, &h) != WIRE_OK || h.frag_length != size)
		abort();
	if (p.stub_len && (p.stub < data || p.stub + p.stub_len > data + size))
		abort();
	if (p.auth_len && (p.auth_value < data || p.auth_value + p.auth_len > data + size))
		abort();
	if (!memchr(p.sec_addr, 0, sizeof(p.sec_addr)))
		abort();
	/* whatever decodes re-encodes, and the re-encoding decodes to the same PDU */
	wwr_init(&w, buf, sizeof(buf));
	if (dcerpc_enc_pdu(&w, &p, NULL) != WIRE_OK)
		return; /* e.g. a context without transfer syntax is refused on encode */
	if (dcerpc_dec_pdu(buf, wwr_len(&w), &q) != WIRE_OK)
		abort();
	if (q.ptype != p.ptype || q.call_id != p.call_id || q.stub_len != p.stub_len ||
	    q.auth_len != p.auth_len || q.n_ctx != p.n_ctx || q.n_results != p.n_results ||
	    strcmp(q.sec_addr, p.sec_addr) != 0 || (p.stub_len && memcmp(q.stub, p.stub, p.stub_len)))
		abort();
	if (p.ptype == DCERPC_PT_RESPONSE) {
		struct dcerpc_reasm ra;
		static uint8_t rbuf[65536];
		dcerpc_reasm_init(&ra, rbuf, sizeof(rbuf), p.call_id);
		if (dcerpc_reasm_add(&ra, &p) == WIRE_OK && ra.len != p.stub_len)
			abort();
	}
}

static void fuzz_epm(const uint8_t *data, size_t size)
{
	struct epm_map_rep rep;
	struct epm_tower t;

	if (epm_dec_map_rep(data, size, &rep) == WIRE_OK) {
		uint16_t port;
		struct dcerpc_syntax s = rep.n_towers ? rep.towers[0].iface : epm_syntax;
		if (rep.n_towers > EPM_MAX_TOWERS)
			abort();
		(void)epm_rep_tcp_port(&rep, &s, &port);
	}
	(void)epm_dec_tower(data, size, &t);
}

static void fuzz_ndr(const uint8_t *data, size_t size)
{
	struct wrd r;
	struct ndr_ustr u;
	char out[128];

	wrd_init(&r, data, size);
	ndr_get_wstring(&r, out, sizeof(out));
	if (!wrd_err(&r) && !memchr(out, 0, sizeof(out)))
		abort();
	wrd_init(&r, data, size);
	ndr_get_ustr(&r, &u);
	ndr_get_ustr_body(&r, &u, out, sizeof(out));
	if (!wrd_err(&r) && !memchr(out, 0, sizeof(out)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_pdu(data, size);
	fuzz_epm(data, size);
	fuzz_ndr(data, size);
	return 0;
}
