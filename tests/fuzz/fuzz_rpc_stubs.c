/*
 * tests/fuzz/fuzz_rpc_stubs.c - libFuzzer harness for the reply decoders of
 * proto/lsa.c, proto/srvsvc.c, proto/wkssvc.c (NetrWkstaGetInfo, and the WERROR-only replies of
 * NetrJoinDomain2/NetrUnjoinDomain2) and proto/initshutdown.c.  Every input goes to every
 * decoder; whatever decodes must re-encode to a buffer that decodes to the
 * same values (NULL string pointers and "" are one value in C).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "initshutdown.h"
#include "lsa.h"
#include "srvsvc.h"
#include "wkssvc.h"

static uint8_t out[65536];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wwr w;
	{
		struct lsa_dns_domain_info a, b;
		if (lsa_dec_query_info2_dns_rep(data, size, &a) == WIRE_OK) {
			wwr_init(&w, out, sizeof(out));
			if (lsa_enc_query_info2_dns_rep(&w, &a) != WIRE_OK ||
			    lsa_dec_query_info2_dns_rep(out, w.len, &b) != WIRE_OK || memcmp(&a, &b, sizeof(a)) != 0)
				abort();
		}
		if (lsa_dec_query_info_primary_rep(data, size, &a) == WIRE_OK) {
			wwr_init(&w, out, sizeof(out));
			if (lsa_enc_query_info_primary_rep(&w, &a) != WIRE_OK ||
			    lsa_dec_query_info_primary_rep(out, w.len, &b) != WIRE_OK || memcmp(&a, &b, sizeof(a)) != 0)
				abort();
		}
	}
	{
		struct lsa_handle h;
		uint32_t st;
		(void)lsa_dec_open_policy2_rep(data, size, &h, &st);
	}
	{
		struct srvsvc_info101 a, b;
		if (srvsvc_dec_get_info101_rep(data, size, &a) == WIRE_OK && a.present) {
			wwr_init(&w, out, sizeof(out));
			if (srvsvc_enc_get_info101_rep(&w, &a) != WIRE_OK ||
			    srvsvc_dec_get_info101_rep(out, w.len, &b) != WIRE_OK || memcmp(&a, &b, sizeof(a)) != 0)
				abort();
		}
	}
	{
		struct wkssvc_info100 a, b;
		if (wkssvc_dec_get_info100_rep(data, size, &a) == WIRE_OK && a.present) {
			wwr_init(&w, out, sizeof(out));
			if (wkssvc_enc_get_info100_rep(&w, &a) != WIRE_OK ||
			    wkssvc_dec_get_info100_rep(out, w.len, &b) != WIRE_OK || memcmp(&a, &b, sizeof(a)) != 0)
				abort();
		}
	}
	{
		/* InitShutdown: the reply (one WERROR) re-encodes to itself; the input as a message must encode or be
		 * refused (invalid UTF-8, too long), never overrun */
		uint32_t a, b;
		char msg[1024];
		size_t m = size < sizeof(msg) - 1 ? size : sizeof(msg) - 1;
		if (initshutdown_dec_rep(data, size, &a) == WIRE_OK) {
			wwr_init(&w, out, sizeof(out));
			if (initshutdown_enc_rep(&w, a) != WIRE_OK || w.len != size || memcmp(out, data, size) != 0 ||
			    initshutdown_dec_rep(out, w.len, &b) != WIRE_OK || a != b)
				abort();
		}
		memcpy(msg, data, m);
		msg[m] = '\0';
		wwr_init(&w, out, sizeof(out));
		(void)initshutdown_enc_init_ex(&w, msg, 60, 1, 1, 0);
	}
	{
		uint32_t a, b;
		if (wkssvc_dec_werror_rep(data, size, &a) == WIRE_OK) {
			wwr_init(&w, out, sizeof(out));
			if (size != 4 || wkssvc_enc_werror_rep(&w, a) != WIRE_OK ||
			    wkssvc_dec_werror_rep(out, w.len, &b) != WIRE_OK || a != b || memcmp(out, data, 4) != 0)
				abort();
		}
	}
	return 0;
}
