/*
 * tests/fuzz/fuzz_cldap.c - libFuzzer harness for the LDAP ping reply
 * decoders: nl_dec_samlogon_ex() on the raw bytes and
 * cldap_dec_ping_reply() on the same bytes taken as a whole reply.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cldap.h"
#include "fuzz.h"
#include "ldap_msg.h"

/* Every decoded name must be NUL-terminated inside its buffer. */
static void check_names(const struct nl_samlogon_ex *nl)
{
	const char *names[] = { nl->forest, nl->dns_domain, nl->dc_dns_name, nl->netbios_domain,
				nl->dc_netbios_name, nl->user_name, nl->dc_site, nl->client_site,
				nl->next_closest_site };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!memchr(names[i], 0, NL_NAME_MAX))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nl_samlogon_ex nl;
	struct ldap_msg m;
	struct wrd r;
	uint32_t msgid = 1234;

	if (nl_dec_samlogon_ex(data, size, &nl) == WIRE_OK)
		check_names(&nl);

	/* use the first message's own msgid so the fuzzer gets past the check */
	wrd_init(&r, data, size);
	if (ldap_dec_msg(&r, &m) == WIRE_OK)
		msgid = m.msgid;
	if (cldap_dec_ping_reply(data, size, msgid, &nl) == WIRE_OK)
		check_names(&nl);
	return 0;
}
