/*
 * tests/fuzz/fuzz_srvsvc_tod.c - libFuzzer harness for proto/srvsvc.c's NetrRemoteTOD answer
 * decoder: whatever decodes must re-encode to the same bytes and decode to the same values.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "srvsvc.h"

static uint8_t out[256];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct srvsvc_tod a, b;
	struct wwr w;

	if (srvsvc_dec_remote_tod_rep(data, size, &a) != WIRE_OK)
		return 0;
	if (a.hunds > 99 && a.present)
		abort(); /* the decoder refuses what is not a time */
	wwr_init(&w, out, sizeof(out));
	if (srvsvc_enc_remote_tod_rep(&w, &a) != WIRE_OK || srvsvc_dec_remote_tod_rep(out, wwr_len(&w), &b) != WIRE_OK ||
	    memcmp(&a, &b, sizeof(a)) != 0)
		abort();
	/* the unique pointer's referent id is not kept: equal bytes apart from it */
	if (wwr_len(&w) != size || (size > 4 && memcmp(out + 4, data + 4, size - 4) != 0))
		abort();
	(void)srvsvc_tod_unix_ms(&a);
	return 0;
}
