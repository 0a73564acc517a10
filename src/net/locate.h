/*
 * src/net/locate.h - DC location as DsGetDcName does it (MS-ADTS 6.3.6,
 * PROTOCOLS.md §4.5), but with every candidate pinged at once.
 *
 * SRV lookup (site-specific and generic concurrently when a site is
 * known) -> addresses from the additional section, the rest resolved
 * concurrently -> one round of UDP CLDAP pings to every candidate,
 * retransmitted with backoff, TCP LDAP ping fallback -> selection by
 * required flags and closest site -> a second round on the client's
 * site SRV name when no candidate is in the client's site.
 */
#ifndef NLT_LOCATE_H
#define NLT_LOCATE_H

#include <stdint.h>

#include "cldap.h"
#include "err.h"
#include "resolve.h"
#include "util.h"

enum cand_status {
	CAND_PENDING = 0,
	CAND_OK,        /* a well-formed NETLOGON_SAM_LOGON_RESPONSE_EX */
	CAND_TIMEOUT,   /* no answer before the deadline */
	CAND_REFUSED,   /* ICMP port unreachable / TCP RST */
	CAND_MALFORMED, /* answered, but not with a decodable LDAP ping reply */
	CAND_UNREACH,   /* no route to the host */
	CAND_NOADDR,    /* DNS answered: the name has no A/AAAA record (NXDOMAIN, or no data) */
	CAND_DNS_TIMEOUT, /* DNS gave no answer for the name before the deadline: its address is unknown */
	CAND_DNS_ERROR, /* DNS failed for the name (SERVFAIL, REFUSED, network error, malformed) */
	CAND_SKIPPED,   /* not waited for (or not resolved): a DC that had answered could no longer be beaten */
};
const char *cand_status_str(int st);

#define CAND_TCPBUF 4096

struct dc_cand {
	char name[NL_NAME_MAX];   /* SRV target, or the -S argument */
	struct nlt_addr addr;
	int have_addr;
	uint16_t srv_priority, srv_weight;
	int from_site_srv;        /* listed under the site-specific SRV name */
	int speculative;          /* an address of the domain name itself, pinged before the SRV targets resolve */
	int unclaimed;            /* speculative, answered, but no SRV target has its name: never chosen */
	int status;               /* enum cand_status */
	const char *transport;    /* "udp" or "tcp" for the answer that counted */
	uint64_t rtt_us;
	char detail[320];         /* why malformed/failed, for -v and JSON */
	struct nl_samlogon_ex info;
	int udp_status;           /* what UDP CLDAP 389 itself did (for ping): enum cand_status */
	uint64_t udp_rtt_us;
	uint64_t udp_first_us;    /* first UDP ping sent (0: none was) */
	uint64_t udp_waited_us;   /* a UDP timeout: from the first ping to the verdict */
	/* engine state */
	int udp_fd, tcp_fd;
	uint32_t msgid;
	uint64_t udp_sent_us, tcp_sent_us, next_tx_ms;
	int tries, tcp_state, udp_dead;
	size_t tcp_len, tcp_out_len, tcp_out_off;
	uint8_t tcp_out[512];
	uint8_t *tcp_buf;
};

struct locate_req {
	const char *domain;   /* DNS domain; may be NULL only with server */
	const char *server;   /* -S: ping this one DC */
	const char *site;     /* preferred site */
	uint32_t need_flags;  /* DS_* bits the chosen DC must have */
	int tcp_only;
	int wait_all;         /* ping: wait for every DC's verdict (no early choice, no site round) */
	uint64_t deadline_ms; /* absolute */
	/* with server: take what the state directory's DC cache (state_dc_load) knows about the
	 * address instead of pinging it; the caller re-judges after a ping when that gives no
	 * healthy verdict (src/trust/trust_local.c) */
	int use_dc_cache;
	const char *dc_cache_dir; /* NULL: NLT_STATE_DIR */
};

struct locate_result {
	char domain[NL_NAME_MAX];
	char srv_name[NL_NAME_MAX + 64]; /* the SRV name that produced the candidates */
	char client_site[NL_NAME_MAX];
	size_t n, cap;
	struct dc_cand *cands;
	int chosen;           /* index into cands, or -1 */
	struct nlt_addr dom_addr[16]; /* A/AAAA of the domain name (AD registers every DC there) */
	size_t n_dom_addr;
	struct {                      /* domain addresses that did not answer the early pings */
		struct nlt_addr addr;
		int status, udp_status, tries;
		uint64_t udp_first_us, udp_waited_us;
		char detail[160];
	} dom_fail[16];
	size_t n_dom_fail;
	int rounds;           /* ping rounds (2 when a client-site round was needed) */
	uint64_t rtt_hint_us; /* RTT measured by DNS (0: none): paces the pings until a DC answers */
	uint64_t elapsed_us;
	int from_cache;       /* the chosen DC's facts came from the DC cache: no LDAP ping was sent */
};

/* Run discovery.  Returns 0 when a DC was chosen; -1 with *e (NLT_ENODC,
 * NLT_EPROTO, ...) otherwise — res is filled either way for reporting. */
int locate_dc(const struct locate_req *req, struct resolver *rs, struct locate_result *res, struct nlt_err *e);
void locate_result_free(struct locate_result *res);

/* Pure pieces, unit-tested. */
int locate_is_closest(const struct nl_samlogon_ex *info);
/* Index of the DC to choose among candidates with status OK, or -1. */
int locate_choose(const struct dc_cand *c, size_t n, uint32_t need_flags);
/*
 * The address verdict for one name from its A and AAAA queries (either may
 * be NULL): CAND_PENDING when an address came (the caller takes it from the
 * reply), CAND_NOADDR when DNS said the name has none, CAND_DNS_TIMEOUT or
 * CAND_DNS_ERROR when DNS gave no verdict.  detail gets one phrase naming
 * the step and the servers, e.g. "DNS A/AAAA for dcb.lab.test: no answer
 * from 198.18.0.140 within the deadline".
 */
int locate_addr_verdict(const struct resolver *rs, const char *name, const struct dns_query *a,
			const struct dns_query *aaaa, char *detail, size_t len);
/*
 * "Does this answer still matter?" - the decisions that let discovery stop
 * waiting under packet loss without changing its choice.
 *
 * locate_may_beat: could candidate c, which has not answered, be chosen over
 * best (which has) once it answers?  Yes when c is listed under the site SRV
 * name and best is not; yes when best is not in the client's site (c may
 * be); otherwise only a better (lower) SRV priority can win.  Among equals
 * the first suitable answer stands (DsGetDcName takes the first too); they
 * still get a short grace in which a faster reply is welcome.
 */
int locate_may_beat(const struct dc_cand *c, const struct dc_cand *best);
/*
 * The first DNS round (q[0..n_srv-1] SRV, then q[n_srv] A and q[n_srv+1]
 * AAAA of the domain itself when nq > n_srv): can the queries still
 * pending change the result?  Every SRV answer matters (it decides the
 * candidates).  The domain's A/AAAA only feed the early pings, so they stop
 * mattering once every SRV target came with an address, when no SRV query
 * found any record, or - for the AAAA - once the A answer gave addresses
 * (the targets those miss are resolved on their own).
 */
int locate_srv_round_enough(const struct dns_query *q, size_t n_srv, size_t nq, const char *domain);
/*
 * One name's A and AAAA: the address taken is IPv4 when there is one, so
 * the AAAA stops mattering once the A answer holds an address of the name.
 */
int locate_addr_enough(const struct dns_query *a, const struct dns_query *aaaa, const char *name);
/* Is st a DNS failure (no verdict about the name)? */
int locate_dns_failed(int st);
/* Build "_ldap._tcp[.SITE._sites].dc._msdcs.DOMAIN". */
int locate_srv_name(char *buf, size_t len, const char *site, const char *domain);

#endif
