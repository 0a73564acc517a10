/*
 * tests/fuzz/fuzz_nrpc.c - libFuzzer harness for the MS-NRPC reply
 * decoders of proto/nrpc.c.  Every input goes to every decoder (each
 * union-bearing reply at each level it accepts); whatever decodes must
 * re-encode to the same bytes, except where a NULL string pointer and ""
 * are one value in C (DsrGetDcNameEx2, LogonControl2Ex).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "nrpc.h"

static uint8_t out[65536];

static void same(const struct wwr *w, const uint8_t *data, size_t size)
{
	if (w->err || w->len != size || memcmp(w->buf, data, size) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wwr w;
	uint8_t sc[8];
	uint32_t st;

	if (nrpc_dec_req_challenge_rep(data, size, sc, &st) == WIRE_OK) {
		wwr_init(&w, out, sizeof(out));
		nrpc_enc_req_challenge_rep(&w, sc, st);
		same(&w, data, size);
	}
	{
		struct nrpc_auth3_rep r;
		if (nrpc_dec_authenticate3_rep(data, size, &r) == WIRE_OK) {
			wwr_init(&w, out, sizeof(out));
			nrpc_enc_authenticate3_rep(&w, &r);
			same(&w, data, size);
		}
	}
	for (uint32_t level = 1; level <= 2; level++) {
		struct nrpc_caps_rep r;
		if (nrpc_dec_get_capabilities_rep(data, size, level, &r) == WIRE_OK) {
			wwr_init(&w, out, sizeof(out));
			nrpc_enc_get_capabilities_rep(&w, level, &r);
			/* alignment padding is not kept; compare by decoding again */
			if (w.err || nrpc_dec_get_capabilities_rep(out, w.len, level, &r) != WIRE_OK)
				abort();
		}
	}
	{
		struct nrpc_authenticator a;
		if (nrpc_dec_password_set2_rep(data, size, &a, &st) == WIRE_OK) {
			wwr_init(&w, out, sizeof(out));
			nrpc_enc_password_set2_rep(&w, &a, st);
			if (w.err || nrpc_dec_password_set2_rep(out, w.len, &a, &st) != WIRE_OK)
				abort();
		}
	}
	for (uint32_t level = 1; level <= 4; level++) {
		struct nrpc_netlogon_info r, r2;
		if (nrpc_dec_logon_control2ex_rep(data, size, level, &r) == WIRE_OK) {
			if (!memchr(r.trusted_dc_name, 0, sizeof(r.trusted_dc_name)) ||
			    !memchr(r.trusted_domain_name, 0, sizeof(r.trusted_domain_name)))
				abort();
			wwr_init(&w, out, sizeof(out));
			nrpc_enc_logon_control2ex_rep(&w, &r);
			if (w.err || nrpc_dec_logon_control2ex_rep(out, w.len, level, &r2) != WIRE_OK ||
			    strcmp(r.trusted_dc_name, r2.trusted_dc_name) != 0 || r.werror != r2.werror ||
			    r.present != r2.present || r.flags != r2.flags ||
			    r.pdc_connection_status != r2.pdc_connection_status ||
			    r.tc_connection_status != r2.tc_connection_status || r.logon_attempts != r2.logon_attempts ||
			    memcmp(r.reserved, r2.reserved, sizeof(r.reserved)) != 0 ||
			    strcmp(r.trusted_domain_name, r2.trusted_domain_name) != 0)
				abort();
		}
	}
	{
		static struct nrpc_dc_info r, r2;
		if (nrpc_dec_dsr_get_dc_name_ex2_rep(data, size, &r) == WIRE_OK) {
			wwr_init(&w, out, sizeof(out));
			nrpc_enc_dsr_get_dc_name_ex2_rep(&w, &r);
			if (w.err || nrpc_dec_dsr_get_dc_name_ex2_rep(out, w.len, &r2) != WIRE_OK ||
			    strcmp(r.dc_name, r2.dc_name) != 0 || strcmp(r.client_site_name, r2.client_site_name) != 0 ||
			    r.flags != r2.flags || r.werror != r2.werror)
				abort();
		}
	}
	return 0;
}
