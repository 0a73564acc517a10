/*
 * tests/fuzz/fuzz_gpo.c - libFuzzer harness for proto/gpo.c: the input is decoded as a gPLink
 * value (every link's DN must lie inside the input, its GUID decoded when it has one) and as a
 * GptTmpl.inf (a value is only ever reported set or bad, never both).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "gpo.h"

#define CHECK(c) do { if (!(c)) abort(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gpo_link l[GPO_MAX_LINKS];
	struct gpo_secedit se;
	size_t n = 0;
	char g[39];

	if (gpo_dec_gplink((const char *)data, size, l, GPO_MAX_LINKS, &n) == WIRE_OK) {
		CHECK(n <= GPO_MAX_LINKS);
		for (size_t i = 0; i < n; i++) {
			CHECK(l[i].dn >= (const char *)data && l[i].dn + l[i].dn_len <= (const char *)data + size);
			CHECK(l[i].dn_len > 0);
			if (gpo_dn_guid(l[i].dn, l[i].dn_len, g) == WIRE_OK)
				CHECK(strlen(g) == 38 && g[0] == '{' && g[37] == '}');
		}
	}
	if (gpo_dec_gpttmpl(data, size, &se) == WIRE_OK)
		CHECK((se.have & se.bad) == 0);
	return 0;
}
