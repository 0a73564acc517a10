/*
 * tests/fuzz/fuzz_out_safe.c - out_safe_n() (src/base/output.c) on arbitrary bytes.
 *
 * Input: u8 len (the output buffer size, 0..255), then the bytes to escape.
 * Whatever comes in, the output must be NUL-terminated inside the buffer,
 * hold no C0 control, DEL, UTF-8 C1 control or non-UTF-8 byte, be a prefix
 * of the untruncated output that ends on a unit boundary, and come out of
 * out_safe() unchanged (escaping is idempotent).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "output.h"

/* Every byte printable ASCII or part of well-formed, non-C1 UTF-8. */
static void check_safe(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	char again[OUT_SAFE_SIZE(4)];

	while (*p) {
		size_t k = *p < 0x80 ? 1 : *p < 0xe0 ? 2 : *p < 0xf0 ? 3 : 4;
		if (*p < 0x20 || *p == 0x7f)
			abort();
		/* one unit on its own must pass through out_safe_n unchanged */
		if (strnlen((const char *)p, k) < k)
			abort();
		out_safe_n(p, k, again, sizeof(again));
		if (strlen(again) != k || memcmp(again, p, k) != 0)
			abort();
		p += k;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char full[OUT_SAFE_SIZE(4096)], cut[256], twice[OUT_SAFE_SIZE(4 * 4096)];
	size_t len, n, fl;

	if (size < 1 || size > 4097)
		return 0;
	len = data[0];
	n = size - 1;
	out_safe_n(data + 1, n, full, sizeof(full));
	fl = strlen(full);
	if (fl >= sizeof(full))
		abort();
	check_safe(full);
	if (strcmp(out_safe(full, twice, sizeof(twice)), full) != 0)
		abort();
	/* a short buffer: a prefix of the full output, never past len, cut between units */
	memset(cut, 'Z', sizeof(cut));
	out_safe_n(data + 1, n, len ? cut : NULL, len);
	if (len) {
		size_t cl = strnlen(cut, len);
		if (cl >= len || memcmp(cut, full, cl) != 0)
			abort();
		if (len < sizeof(cut) && cut[len] != 'Z')
			abort();
		check_safe(cut);
		/* the next unit of the full output must not have fitted */
		if (cl < fl) {
			size_t k = full[cl] == '\\' ? 4
				 : (unsigned char)full[cl] < 0x80 ? 1
				 : (unsigned char)full[cl] < 0xe0 ? 2
				 : (unsigned char)full[cl] < 0xf0 ? 3 : 4;
			if (cl + k < len)
				abort();
		}
	}
	return 0;
}
