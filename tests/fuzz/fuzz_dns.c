/*
 * tests/fuzz/fuzz_dns.c - dns_dec_reply() on arbitrary bytes (RFC 1035 §4.1 messages).
 *
 * Beyond "no crash": a message that decodes must describe itself
 * consistently (counts within the caps, names NUL-terminated and printable
 * ASCII, families and sizes right), and every decoded name must be
 * accepted back by the query encoder, since the resolver queries SRV
 * targets as they come.
 */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dns.h"
#include "wire.h"

static void check_name(const char *name)
{
	size_t n = strnlen(name, DNS_NAME_MAX);
	uint8_t q[DNS_QUERY_MAX];
	struct wwr w;

	if (n >= DNS_NAME_MAX)
		abort();
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)name[i] < '!' || (unsigned char)name[i] > '~')
			abort();
	if (n == 0)
		return; /* the root cannot be queried; fine */
	wwr_init(&w, q, sizeof(q));
	if (dns_enc_query(&w, 0, name, DNS_T_A) != WIRE_OK)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dns_reply r; /* ~54 KB: not on the stack */

	if (dns_dec_reply(data, size, &r) != WIRE_OK)
		return 0;
	if (r.n_srv > DNS_MAX_SRV || r.n_addr > DNS_MAX_ADDR || r.n_cname > DNS_MAX_CNAME)
		abort();
	if (r.truncated != ((r.flags & DNS_F_TC) != 0))
		abort();
	if (r.qdcount)
		check_name(r.qname);
	for (size_t i = 0; i < r.n_srv; i++)
		check_name(r.srv[i].target);
	for (size_t i = 0; i < r.n_addr; i++) {
		if (r.addr[i].family != AF_INET && r.addr[i].family != AF_INET6)
			abort();
		check_name(r.addr[i].name);
	}
	for (size_t i = 0; i < r.n_cname; i++)
		check_name(r.cname[i]);
	if (r.n_srv > 1) {
		static struct dns_srv s[DNS_MAX_SRV];
		memcpy(s, r.srv, r.n_srv * sizeof(s[0]));
		dns_srv_sort(s, r.n_srv, NULL, NULL);
		for (size_t i = 1; i < r.n_srv; i++)
			if (s[i - 1].priority > s[i].priority)
				abort();
	}
	return 0;
}
