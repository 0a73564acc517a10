/*
 * tests/fuzz/fuzz_kpasswd.c - libFuzzer harness for the kpasswd reply
 * decoder kpw_dec_reply() and the result reader kpw_dec_result().
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "kpasswd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kpw_reply r;
	uint16_t code;
	const uint8_t *s;
	size_t sl;

	if (kpw_dec_reply(data, size, &r) == WIRE_OK) {
		if (!r.body || r.body < data || r.body + r.body_len > data + size || r.body_len == 0)
			abort();
		if (!r.is_error && (!r.ap_rep || r.ap_rep < data || r.ap_rep + r.ap_rep_len > r.body))
			abort();
		if (r.is_error && r.ap_rep)
			abort();
	}
	if (kpw_dec_result(data, size, &code, &s, &sl) == WIRE_OK && (size < 2 || s + sl != data + size))
		abort();
	return 0;
}
