/*
 * tests/fuzz/fuzz_krb_msg.c - libFuzzer harness for the Kerberos reply
 * classifier krb_msg_type(), the KRB-ERROR decoder krb_dec_error() and the
 * AS-REP decoder krb_dec_as_rep().
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "krb_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct krb_error e;
	int type = krb_msg_type(data, size);

	if (krb_dec_error(data, size, &e) == WIRE_OK) {
		/* a decodable KRB-ERROR is classified as one */
		if (type != KRB_MSG_ERROR)
			abort();
		if (!memchr(e.realm, 0, sizeof(e.realm)) || !memchr(e.e_text, 0, sizeof(e.e_text)))
			abort();
		if (e.susec < 0 || e.susec > 999999)
			abort();
	}
	{
		struct krb_as_rep_info ar;
		if (krb_dec_as_rep(data, size, &ar) == WIRE_OK) {
			if (type != KRB_MSG_AS_REP || !memchr(ar.crealm, 0, sizeof(ar.crealm)))
				abort();
		}
	}
	return 0;
}
