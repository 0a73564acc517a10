/*
 * tests/fuzz/fuzz_krb_msg.c - libFuzzer harness for the Kerberos reply
 * classifier krb_msg_type() and the KRB-ERROR decoder krb_dec_error().
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
	return 0;
}
