/*
 * tests/fuzz/fuzz_sddl.c - libFuzzer harness for proto/sddl.c: the input is decoded as SDDL text
 * (with and without a domain SID: every ACE kept has a kind, its SID canonical or "", and a
 * relative alias resolves only with the domain SID) and as a GptTmpl.inf (a value is SET with a
 * NUL-terminated text that itself decodes without harm, or it is UNSET/BAD with no text).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "sddl.h"

#define CHECK(c) do { if (!(c)) abort(); } while (0)
#define DOM "S-1-5-21-1-2-3"

static struct sddl_sd sd;
static struct sddl_reuse_val rv;

static void check_sd(const struct sddl_sd *d)
{
	char c[SDDL_SID_MAX];

	CHECK(d->n_ace <= SDDL_MAX_ACES);
	for (size_t i = 0; i < d->n_ace; i++) {
		const struct sddl_ace *a = &d->ace[i];
		CHECK(a->kind >= SDDL_ACE_ALLOW && a->kind <= SDDL_ACE_OTHER);
		CHECK(strlen(a->sid) < SDDL_SID_MAX && strlen(a->alias) <= 2);
		CHECK(a->sid[0] || a->alias[0]);
		if (a->sid[0]) {
			CHECK(sddl_sid_canon(a->sid, strlen(a->sid), c, sizeof(c)) == 0);
			CHECK(strcmp(c, a->sid) == 0);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (sddl_dec((const char *)data, size, NULL, &sd) == WIRE_OK)
		check_sd(&sd);
	if (sddl_dec((const char *)data, size, DOM, &sd) == WIRE_OK)
		check_sd(&sd);
	if (sddl_dec_reuse_value(data, size, &rv) == WIRE_OK) {
		if (rv.state == SDDL_VAL_SET) {
			CHECK(rv.len > 0 && rv.len < sizeof(rv.text) && strlen(rv.text) == rv.len);
			if (sddl_dec(rv.text, rv.len, DOM, &sd) == WIRE_OK)
				check_sd(&sd);
		} else {
			CHECK(rv.len == 0 && rv.text[0] == '\0');
		}
	}
	return 0;
}
