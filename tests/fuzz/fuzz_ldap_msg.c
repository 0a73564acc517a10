/*
 * tests/fuzz/fuzz_ldap_msg.c - libFuzzer harness for LDAP stream framing
 * and the LDAPMessage decoder: the input is a TCP byte stream split with
 * ldap_msg_frame() and decoded message by message; it is also parsed as a
 * GeneralizedTime.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "ber.h"
#include "ldap_msg.h"

static void check_bval(const struct ldap_bval *b, const uint8_t *lo, const uint8_t *hi)
{
	if (b->len && (b->p < lo || b->p > hi || b->len > (size_t)(hi - b->p)))
		abort();
}

static void check_time(const uint8_t *s, size_t n)
{
	int64_t t;
	char back[BER_GENTIME_LEN + 1];

	if (ldap_parse_generalized_time(s, n, &t) != WIRE_OK)
		return;
	/* without a fraction the canonical form must come back unchanged */
	if (n == BER_GENTIME_LEN) {
		if (nber_gentime_format(t, back) != WIRE_OK || memcmp(back, s, n) != 0)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;

	while (off < size) {
		struct ldap_msg m;
		struct wrd r;
		size_t ml = 0;
		const struct ldap_bval *v;

		if (ldap_msg_frame(data + off, size - off, 1u << 20, &ml) != 1 || ml > size - off)
			break;
		wrd_init(&r, data + off, ml);
		if (ldap_dec_msg(&r, &m) == WIRE_OK) {
			/* framing and decoding agree on where the message ends */
			if (wrd_pos(&r) != ml)
				abort();
			check_bval(&m.dn, data + off, data + off + ml);
			check_bval(&m.matched_dn, data + off, data + off + ml);
			check_bval(&m.diag, data + off, data + off + ml);
			if (m.n_attrs > LDAP_MSG_MAX_ATTRS)
				abort();
			for (size_t i = 0; i < m.n_attrs; i++) {
				if (m.attrs[i].n_vals > LDAP_MSG_MAX_VALS)
					abort();
				check_bval(&m.attrs[i].type, data + off, data + off + ml);
				for (size_t j = 0; j < m.attrs[i].n_vals; j++)
					check_bval(&m.attrs[i].vals[j], data + off, data + off + ml);
			}
			v = ldap_msg_attr(&m, "currentTime");
			if (v)
				check_time(v->p, v->len);
		}
		off += ml;
	}
	check_time(data, size);
	return 0;
}
