/*
 * src/net/resolve.h - a small stub resolver: resolv.conf, concurrent queries
 * over UDP with retransmission, failover and TCP fallback, all under one
 * absolute deadline.  Bytes are built and parsed by proto/dns.c.
 */
#ifndef NLT_RESOLVE_H
#define NLT_RESOLVE_H

#include <stddef.h>
#include <stdint.h>

#include "dns.h"
#include "err.h"
#include "util.h"

#define RESOLVER_MAX_NS 3     /* MAXNS in resolv.conf(5) */
#define RESOLVER_MAX_SEARCH 6 /* MAXDNSRCH */

struct resolver {
	struct nlt_addr ns[RESOLVER_MAX_NS]; /* port 53 unless resolver_set_port() */
	size_t n_ns;
	char search[RESOLVER_MAX_SEARCH][DNS_NAME_MAX]; /* 'domain' X gives the list { X } */
	size_t n_search;
	int timeout_ms; /* per nameserver, before moving to the next (options timeout:, default 5 s) */
	int attempts;   /* rounds over the nameserver list (options attempts:, default 2) */
	char domain[DNS_NAME_MAX]; /* added: the last 'domain' line, "" if none (for resolver_default_domain) */
	uint32_t slow;  /* bit i: ns[i] let a query time out in an earlier resolver_run of this command;
			 * later runs ask it last (a dead first nameserver costs its slice once, not per round) */
	uint64_t srtt_us[RESOLVER_MAX_NS]; /* smoothed RTT of ns[i] from replies to a query sent once
					    * (Karn), 0 = no sample yet; sets the retransmission schedule */
};

/*
 * Read resolv.conf(5) (path NULL = /etc/resolv.conf): nameserver (IPv4,
 * IPv6, IPv6%scope; at most 3), domain, search (at most 6; the last of
 * domain/search wins, as in glibc), options timeout:N (max 30) attempts:N
 * (max 5).  Other options and unparsable lines are ignored (logged under -v),
 * as glibc does.  No nameserver -> 127.0.0.1 like glibc.  A file that cannot
 * be read (missing too) -> NLT_ECONFIG with a one-line message naming it.
 */
int resolver_init(struct resolver *rs, const char *path, struct nlt_err *e);

/*
 * TEST ONLY: send to this port on every nameserver instead of 53 (the unit
 * test runs its responder on 127.0.0.1 with a random port).  Returns 0.
 */
int resolver_set_port(struct resolver *rs, uint16_t port);

/*
 * The host's DNS domain: the 'domain' line, else the first 'search' entry,
 * else the part after the first dot of gethostname(); "" if none.  No
 * trailing dot.  Returns buf.
 */
const char *resolver_default_domain(const struct resolver *rs, char *buf, size_t len);

enum {
	DNSQ_PENDING = -1,
	DNSQ_OK = 0,    /* the answer section holds records of the type asked */
	DNSQ_NXDOMAIN,  /* the name does not exist (authoritative, not retried elsewhere) */
	DNSQ_NODATA,    /* NOERROR without records of that type (reply is set) */
	DNSQ_SERVFAIL,  /* every server answered SERVFAIL (or FORMERR/NOTIMP/other) or timed out */
	DNSQ_REFUSED,   /* ... REFUSED */
	DNSQ_TIMEOUT,   /* no usable answer before the deadline or after all attempts */
	DNSQ_MALFORMED, /* only unparsable replies came back */
	DNSQ_NETERR,    /* sending failed / ICMP unreachable / TCP failed, on every server */
	DNSQ_BADNAME,   /* the name cannot be queried (empty label, label > 63, name > 253); added */
	DNSQ_UNNEEDED,  /* not waited for: the caller's enough() said its answer could no longer matter */
};

struct dns_query {
	const char *name; /* in: fully qualified; no search-list expansion */
	uint16_t qtype;   /* in */
	int status;       /* out: DNSQ_* */
	struct dns_reply *reply; /* out: heap, owned by the query; NULL unless status OK/NODATA */
	uint64_t rtt_us;  /* out: from the first transmission to the final reply */
	uint32_t asked;   /* out: bit i = sent to rs->ns[i] (0: never sent, e.g. the deadline had passed) */
	int from;         /* out: index of the nameserver whose reply decided it, -1 if none did */
	int cut;          /* out: the caller's deadline ended it (status is then what was known by then) */
};

/*
 * Run all n queries at once (see resolve.c for the schedule).  Never blocks
 * past deadline_ms (absolute, nlt_now_ms()).  Returns 0 when every query
 * reached a final status (which may be an error status); -1 with *e set only
 * for local failures (socket(), out of memory), in which case every query
 * not yet final gets DNSQ_NETERR.
 */
int resolver_run(struct resolver *rs, struct dns_query *q, size_t n, uint64_t deadline_ms, struct nlt_err *e);

/*
 * The same, but after every query that reaches a final status the caller's
 * enough(arg, q, n) is asked whether the queries still pending can change
 * its result; when it returns non-zero the run ends at once and those
 * queries get DNSQ_UNNEEDED (never a timeout: nobody waited for them).
 * enough NULL = resolver_run().
 */
typedef int (*resolver_enough_fn)(void *arg, const struct dns_query *q, size_t n);
int resolver_run_until(struct resolver *rs, struct dns_query *q, size_t n, uint64_t deadline_ms,
		       resolver_enough_fn enough, void *arg, struct nlt_err *e);

/*
 * The retransmission schedule shared by DNS and the CLDAP pings: the gap in
 * ms after the sent-th transmission (1, 2, ...) of one request, given the
 * RTT measured to that server (0 = unknown).  Short and RTT-based, so one
 * lost datagram costs about 100-300 ms instead of seconds: the base is
 * 4 x RTT clamped to [100, 300] ms (200 ms while no RTT is known), each base
 * used four times, then doubled (100 x4, 200 x4, 400 x4 ...), at most 2 s.
 * A server whose own RTT is not known yet borrows the smallest other one.
 */
unsigned resolver_retx_ms(unsigned sent, uint64_t rtt_us);

/* The smallest RTT measured to any nameserver so far (0: none yet): a hint for the first pings. */
uint64_t resolver_rtt_us(const struct resolver *rs);

/* Free the replies of q[0..n-1] (not the array); NULL-safe. */
void dns_query_free(struct dns_query *q, size_t n);

/* "ok", "NXDOMAIN", "no data", "SERVFAIL", "REFUSED", "timeout", "malformed reply", "network error",
 * "invalid name", "not waited for" */
const char *dns_query_strstatus(int status);

/* Is this a verdict about the name (OK, NXDOMAIN, NODATA), not a failure to get one? */
int dns_query_answered(int status);

/* The nameservers of mask (bits as in dns_query.asked), "A, B"; "no nameserver" if none.  Returns buf. */
const char *resolver_ns_list(const struct resolver *rs, uint32_t mask, char *buf, size_t len);

/*
 * Why a query has no usable answer, as one phrase naming the servers, e.g.
 * "NXDOMAIN from 198.18.0.140", "no such record (NOERROR, no data) from ...",
 * "no answer from 198.18.0.140, 198.18.0.10 within the deadline",
 * "not asked: the deadline ran out before it could be sent",
 * "no answer from 198.18.0.140" (every round spent), "SERVFAIL from ...".  Returns buf.
 */
const char *dns_query_why(const struct resolver *rs, const struct dns_query *q, char *buf, size_t len);

#endif
