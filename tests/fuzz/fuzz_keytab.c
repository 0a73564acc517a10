/*
 * tests/fuzz/fuzz_keytab.c - kt_dec() on arbitrary bytes (MIT keytab 0x0502).
 *
 * Beyond "no crash": counting (entries == NULL) and decoding agree; every
 * borrowed string lies inside the input and within the caps; a decoded
 * keytab re-encodes, and the re-encoding decodes to the same entries with
 * no holes and no tail.
 */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "keytab.h"
#include "wire.h"

#define FUZZ_MAX_ENTRIES 64

static void check_str(const struct kt_str *s, const uint8_t *buf, size_t len, size_t max)
{
	if (s->len < 1 || s->len > max || !s->ptr || s->ptr < buf || s->len > len ||
	    (size_t)(s->ptr - buf) > len - s->len)
		abort();
}

static int str_eq(const struct kt_str *a, const struct kt_str *b)
{
	return a->len == b->len && memcmp(a->ptr, b->ptr, a->len) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct kt_entry e[FUZZ_MAX_ENTRIES], f[FUZZ_MAX_ENTRIES];
	static uint8_t out[1 << 20];
	struct kt_dec_info counted, info, info2;
	struct wwr w;
	size_t need;
	int rc = kt_dec(data, size, NULL, 0, &counted);

	if (rc != WIRE_OK) {
		/* decoding can only fail the same way */
		if (kt_dec(data, size, e, FUZZ_MAX_ENTRIES, &info) != rc)
			abort();
		return 0;
	}
	rc = kt_dec(data, size, e, FUZZ_MAX_ENTRIES, &info);
	if (counted.n_entries > FUZZ_MAX_ENTRIES) {
		if (rc != WIRE_ELIMIT)
			abort();
		return 0;
	}
	if (rc != WIRE_OK || memcmp(&counted, &info, sizeof(info)) != 0)
		abort();
	if (info.tail > size || info.hole_bytes > size)
		abort();
	for (size_t i = 0; i < info.n_entries; i++) {
		char name[1 << 14];

		if (e[i].n_comp < 1 || e[i].n_comp > KT_MAX_COMPONENTS)
			abort();
		check_str(&e[i].realm, data, size, KT_MAX_STRING);
		for (size_t c = 0; c < e[i].n_comp; c++)
			check_str(&e[i].comp[c], data, size, KT_MAX_STRING);
		check_str(&e[i].key, data, size, KT_MAX_KEY);
		if (e[i].enctype < INT16_MIN || e[i].enctype > INT16_MAX)
			abort();
		/* the display form fits a buffer sized for the input */
		if (size * 4 + 64 < sizeof(name) && kt_entry_principal_str(&e[i], name, sizeof(name)) != WIRE_OK)
			abort();
	}

	/* re-encode: canonical, so it decodes to the same entries */
	need = kt_enc_len(e, info.n_entries);
	if (need == 0 || need > size + 4 * info.n_entries)
		abort(); /* at most a vno32 per entry more than the input */
	wwr_init(&w, out, sizeof(out));
	if (kt_enc(&w, e, info.n_entries) != WIRE_OK || wwr_len(&w) != need)
		abort();
	if (kt_dec(out, need, f, FUZZ_MAX_ENTRIES, &info2) != WIRE_OK)
		abort();
	if (info2.n_entries != info.n_entries || info2.n_holes || info2.tail)
		abort();
	for (size_t i = 0; i < info.n_entries; i++) {
		if (!kt_principal_eq(&e[i], &f[i]) || !str_eq(&e[i].key, &f[i].key) ||
		    e[i].name_type != f[i].name_type || e[i].timestamp != f[i].timestamp ||
		    e[i].enctype != f[i].enctype)
			abort();
		/* kvno 0 with no vno32 stays 0; otherwise the 32-bit field keeps it */
		if (e[i].kvno != f[i].kvno)
			abort();
	}
	return 0;
}
