/*
 * tests/unit/sweep.h - truncation and bit-flip sweeps shared by codec tests.
 *
 * Each candidate input is copied into a heap buffer of exactly its length so
 * that AddressSanitizer catches any read past the end.
 */
#ifndef NLT_TEST_SWEEP_H
#define NLT_TEST_SWEEP_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A decoder under test: returns 0 when it accepted the input. */
typedef int (*sweep_fn)(const uint8_t *buf, size_t len, void *ctx);

/*
 * Feed every proper prefix (0 .. len-1 bytes).  With must_fail, every prefix
 * has to be rejected; returns the number of prefixes that were accepted
 * anyway (0 when must_fail holds), so callers can assert_int_equal(…, 0).
 */
static inline size_t sweep_truncations(const uint8_t *buf, size_t len, sweep_fn fn, void *ctx)
{
	size_t accepted = 0;

	for (size_t n = 0; n < len; n++) {
		uint8_t *copy = malloc(n ? n : 1);
		if (!copy)
			abort();
		memcpy(copy, buf, n);
		if (fn(copy, n, ctx) == 0)
			accepted++;
		free(copy);
	}
	return accepted;
}

/*
 * Flip every bit of the input in turn; the decoder must neither crash nor
 * read out of bounds.  Returns how many variants were accepted.
 */
static inline size_t sweep_bitflips(const uint8_t *buf, size_t len, sweep_fn fn, void *ctx)
{
	size_t accepted = 0;
	uint8_t *copy = malloc(len ? len : 1);

	if (!copy)
		abort();
	for (size_t i = 0; i < len; i++) {
		for (int bit = 0; bit < 8; bit++) {
			memcpy(copy, buf, len);
			copy[i] ^= (uint8_t)(1u << bit);
			if (fn(copy, len, ctx) == 0)
				accepted++;
		}
	}
	free(copy);
	return accepted;
}

/* Parse a hex string (whitespace ignored) into out; returns the byte count. */
static inline size_t sweep_unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi = -1;

	for (; *hex; hex++) {
		int v;
		char c = *hex;
		if (c >= '0' && c <= '9') v = c - '0';
		else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
		else continue;
		if (hi < 0) {
			hi = v;
		} else {
			if (n >= cap)
				abort();
			out[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	return n;
}

#endif
