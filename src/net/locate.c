/* src/net/locate.c - DC location with concurrent LDAP pings (see locate.h). */
#include "config.h"
#include "locate.h"
#include "state.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dns.h"
#include "ldap_msg.h"
#include "wire.h"
#include "xport.h"

/* NtVer we send: V5 | V5EX | WITH_CLOSEST_SITE (MS-ADTS 6.3.1.1). */
#define PING_NTVER (NETLOGON_NT_VERSION_5 | NETLOGON_NT_VERSION_5EX | NETLOGON_NT_VERSION_WITH_CLOSEST_SITE)
#define TCP_MAX_REPLY CAND_TCPBUF

enum { TCP_NONE = 0, TCP_CONNECTING, TCP_READING, TCP_DONE };

const char *cand_status_str(int st)
{
	switch (st) {
	case CAND_PENDING: return "pending";
	case CAND_OK: return "ok";
	case CAND_TIMEOUT: return "timeout";
	case CAND_REFUSED: return "refused";
	case CAND_MALFORMED: return "malformed";
	case CAND_UNREACH: return "unreachable";
	case CAND_NOADDR: return "no address";
	case CAND_DNS_TIMEOUT: return "dns timeout";
	case CAND_DNS_ERROR: return "dns error";
	case CAND_SKIPPED: return "skipped";
	}
	return "error";
}

int locate_srv_name(char *buf, size_t len, const char *site, const char *domain)
{
	int n;

	if (site && *site)
		n = snprintf(buf, len, "_ldap._tcp.%s._sites.dc._msdcs.%s", site, domain);
	else
		n = snprintf(buf, len, "_ldap._tcp.dc._msdcs.%s", domain);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

int locate_is_closest(const struct nl_samlogon_ex *info)
{
	if (info->server_flags & DS_CLOSEST_FLAG)
		return 1;
	if (!info->client_site[0])
		return 1;
	return strcasecmp(info->dc_site, info->client_site) == 0;
}

/*
 * Is a better than b?  Listed under the site SRV name (a --site given, or
 * the client's site in a second round) first, as DsGetDcName takes the
 * site-specific answer when there is one; then closest site; then SRV
 * priority; then speed.
 */
static int better(const struct dc_cand *a, const struct dc_cand *b)
{
	int ca = locate_is_closest(&a->info), cb = locate_is_closest(&b->info);

	if (a->from_site_srv != b->from_site_srv)
		return a->from_site_srv > b->from_site_srv;
	if (ca != cb)
		return ca > cb;
	if (a->srv_priority != b->srv_priority)
		return a->srv_priority < b->srv_priority;
	return a->rtt_us < b->rtt_us;
}

int locate_choose(const struct dc_cand *c, size_t n, uint32_t need_flags)
{
	int best = -1;

	for (size_t i = 0; i < n; i++) {
		if (c[i].status != CAND_OK || c[i].info.opcode != 23 || c[i].unclaimed)
			continue;
		if ((c[i].info.server_flags & need_flags) != need_flags)
			continue;
		if (best < 0 || better(&c[i], &c[best]))
			best = (int)i;
	}
	return best;
}

int locate_may_beat(const struct dc_cand *c, const struct dc_cand *best)
{
	if (!best)
		return 1;
	if (c->from_site_srv != best->from_site_srv)
		return c->from_site_srv > best->from_site_srv;
	if (!locate_is_closest(&best->info))
		return 1; /* c may be in the client's site */
	return c->srv_priority < best->srv_priority;
}

static struct dc_cand *find_cand(struct locate_result *res, const char *name)
{
	for (size_t i = 0; i < res->n; i++)
		if (nlt_name_eq(res->cands[i].name, name))
			return &res->cands[i];
	return NULL;
}

static struct dc_cand *add_cand(struct locate_result *res, const char *name, struct nlt_err *e)
{
	struct dc_cand *c;

	if (res->n == res->cap) {
		size_t cap = res->cap ? res->cap * 2 : 8;
		struct dc_cand *nc = realloc(res->cands, cap * sizeof(*nc));
		if (!nc) {
			nlt_seterr(e, NLT_EINTERNAL, "out of memory");
			return NULL;
		}
		res->cands = nc;
		res->cap = cap;
	}
	c = &res->cands[res->n++];
	memset(c, 0, sizeof(*c));
	nlt_strlcpy(c->name, name, sizeof(c->name));
	c->udp_fd = c->tcp_fd = -1;
	c->udp_status = CAND_PENDING;
	return c;
}

void locate_result_free(struct locate_result *res)
{
	if (!res)
		return;
	for (size_t i = 0; i < res->n; i++) {
		xp_close(&res->cands[i].udp_fd);
		xp_close(&res->cands[i].tcp_fd);
		free(res->cands[i].tcp_buf);
	}
	free(res->cands);
	res->cands = NULL;
	res->n = res->cap = 0;
}

/* ---- addresses --------------------------------------------------------- */

/* Take an address for c from the A/AAAA records of a reply (IPv4 first). */
/* Is name the candidate's own, or (in the reply to its own A/AAAA query) an alias it leads to? */
static int cand_name(const struct dc_cand *c, const struct dns_reply *rep, int own_query, const char *name)
{
	if (nlt_name_eq(name, c->name))
		return 1;
	for (size_t i = 0; own_query && i < rep->n_cname; i++)
		if (nlt_name_eq(name, rep->cname[i]))
			return 1;
	return 0;
}

static int addr_from_reply(struct dc_cand *c, const struct dns_reply *rep, int own_query)
{
	for (int pass = 0; pass < 2; pass++) {
		int fam = pass == 0 ? AF_INET : AF_INET6;
		for (size_t i = 0; i < rep->n_addr; i++) {
			if (rep->addr[i].family != fam || !cand_name(c, rep, own_query, rep->addr[i].name))
				continue;
			nlt_addr_from_raw(&c->addr, fam, rep->addr[i].addr, 389);
			c->have_addr = 1;
			return 1;
		}
	}
	return 0;
}

int locate_dns_failed(int st)
{
	return st == CAND_DNS_TIMEOUT || st == CAND_DNS_ERROR;
}

/* Does this reply hold an address of name (or of an alias it leads to)? */
static int has_addr_for(const struct dns_query *q, const char *name)
{
	struct dc_cand probe;

	if (!q || q->status != DNSQ_OK || !q->reply)
		return 0;
	memset(&probe, 0, sizeof(probe));
	nlt_strlcpy(probe.name, name, sizeof(probe.name));
	return addr_from_reply(&probe, q->reply, 1);
}

int locate_addr_verdict(const struct resolver *rs, const char *name, const struct dns_query *a,
			const struct dns_query *aaaa, char *detail, size_t len)
{
	const struct dns_query *bad = NULL;
	char why[400];

	if (has_addr_for(a, name) || has_addr_for(aaaa, name))
		return CAND_PENDING;
	/* no address: did DNS say so, or did it not answer? A timeout is the worst news, then other failures */
	for (int pass = 0; pass < 2 && !bad; pass++) {
		for (int k = 0; k < 2 && !bad; k++) {
			const struct dns_query *q = k ? aaaa : a;
			if (q && !dns_query_answered(q->status) && (pass || q->status == DNSQ_TIMEOUT))
				bad = q;
		}
	}
	if (bad) {
		const char *which = a && aaaa && a->status == aaaa->status ? "A/AAAA" : bad == a ? "A" : "AAAA";
		snprintf(detail, len, "DNS %s for %s: %s", which, name, dns_query_why(rs, bad, why, sizeof(why)));
		return bad->status == DNSQ_TIMEOUT ? CAND_DNS_TIMEOUT : CAND_DNS_ERROR;
	}
	bad = a ? a : aaaa;
	if (!bad) {
		snprintf(detail, len, "DNS A/AAAA for %s: not asked", name);
		return CAND_DNS_ERROR;
	}
	if (bad->status == DNSQ_OK)
		snprintf(detail, len, "DNS A/AAAA for %s: no address record in the answer from %s", name,
			 dns_query_why(rs, bad, why, sizeof(why)) + strlen("answered by "));
	else
		snprintf(detail, len, "DNS A/AAAA for %s: %s", name, dns_query_why(rs, bad, why, sizeof(why)));
	return CAND_NOADDR;
}

int locate_addr_enough(const struct dns_query *a, const struct dns_query *aaaa, const char *name)
{
	if (has_addr_for(a, name))
		return 1;
	return (!a || a->status != DNSQ_PENDING) && (!aaaa || aaaa->status != DNSQ_PENDING);
}

/* resolver_run_until() callback for resolve_missing(): q holds (A, AAAA) pairs. */
static int pairs_enough(void *arg, const struct dns_query *q, size_t n)
{
	(void)arg;
	for (size_t i = 0; i + 1 < n; i += 2)
		if (!locate_addr_enough(&q[i], &q[i + 1], q[i].name))
			return 0;
	return 1;
}

/* Resolve, concurrently, every candidate that has no address yet (A and AAAA at once). */
static int resolve_missing(struct locate_result *res, struct resolver *rs, uint64_t deadline, struct nlt_err *e)
{
	struct dns_query *q;
	size_t nq = 0, i;
	int r = 0;

	q = calloc(res->n * 2 + 1, sizeof(*q));
	if (!q)
		return nlt_seterr(e, NLT_EINTERNAL, "out of memory");
	for (i = 0; i < res->n; i++) {
		struct dc_cand *c = &res->cands[i];
		if (c->have_addr || c->status != CAND_PENDING)
			continue;
		if (nlt_addr_parse(&c->addr, c->name, 389) == 0) {
			c->have_addr = 1;
			continue;
		}
		q[nq].name = c->name;
		q[nq++].qtype = DNS_T_A;
		q[nq].name = c->name;
		q[nq++].qtype = DNS_T_AAAA;
	}
	if (nq) {
		nlt_vlog("resolving %zu DC name(s)", nq / 2);
		if (resolver_run_until(rs, q, nq, deadline, pairs_enough, NULL, e) < 0) {
			r = -1;
			goto out;
		}
		for (i = 0; i + 1 < nq; i += 2) {
			struct dc_cand *c = find_cand(res, q[i].name);
			int st;

			if (!c || c->have_addr || c->status != CAND_PENDING)
				continue;
			st = locate_addr_verdict(rs, c->name, &q[i], &q[i + 1], c->detail, sizeof(c->detail));
			if (st == CAND_PENDING) {
				if (!(q[i].status == DNSQ_OK && q[i].reply && addr_from_reply(c, q[i].reply, 1)) &&
				    q[i + 1].status == DNSQ_OK && q[i + 1].reply)
					addr_from_reply(c, q[i + 1].reply, 1);
				c->detail[0] = '\0';
			} else {
				c->status = st;
				nlt_vlog("%s", c->detail);
			}
		}
	}
	for (i = 0; i < res->n; i++) {
		struct dc_cand *c = &res->cands[i];
		if (!c->have_addr && c->status == CAND_PENDING) {
			c->status = CAND_DNS_ERROR;
			snprintf(c->detail, sizeof(c->detail), "DNS A/AAAA for %s: no address taken from the answer", c->name);
		}
	}
out:
	dns_query_free(q, nq);
	free(q);
	return r;
}

/* ---- the ping engine --------------------------------------------------- */

static int build_ping(const char *domain, uint32_t msgid, uint8_t *buf, size_t cap, size_t *len)
{
	struct cldap_ping_req pr;
	struct wwr w;

	memset(&pr, 0, sizeof(pr));
	pr.dns_domain = domain;
	pr.ntver = PING_NTVER;
	wwr_init(&w, buf, cap);
	if (cldap_enc_ping(&w, msgid, &pr) != WIRE_OK || wwr_err(&w))
		return -1;
	*len = wwr_len(&w);
	return 0;
}

static void cand_final(struct dc_cand *c, int status, const char *transport, uint64_t rtt_us)
{
	c->status = status;
	c->transport = transport;
	c->rtt_us = rtt_us;
	xp_close(&c->udp_fd);
	xp_close(&c->tcp_fd);
	c->tcp_state = TCP_DONE;
}

static void tcp_begin(struct dc_cand *c)
{
	if (c->tcp_state != TCP_NONE)
		return;
	c->tcp_fd = xp_tcp_start(&c->addr);
	if (c->tcp_fd < 0) {
		c->tcp_state = TCP_DONE;
		snprintf(c->detail, sizeof(c->detail), "TCP 389: %s", strerror(errno));
		return;
	}
	c->tcp_state = TCP_CONNECTING;
	c->tcp_sent_us = nlt_now_us();
	nlt_vlog("LDAP ping to %s over TCP 389", c->name);
}

/* UDP gave up (refused/unreachable): the TCP attempt decides, or the UDP verdict stands. */
static void tcp_failed(struct dc_cand *c, int status, const char *why)
{
	xp_close(&c->tcp_fd);
	c->tcp_state = TCP_DONE;
	snprintf(c->detail, sizeof(c->detail), "TCP 389: %s", why);
	if (c->udp_dead || c->udp_fd < 0)
		cand_final(c, status, "tcp", 0);
}

/* Have we got a whole LDAP exchange (up to SearchResultDone) in the TCP buffer? */
static int tcp_complete(const struct dc_cand *c)
{
	size_t off = 0;

	while (off < c->tcp_len) {
		size_t mlen = 0;
		struct ldap_msg m;
		struct wrd r;
		int fr = ldap_msg_frame(c->tcp_buf + off, c->tcp_len - off, TCP_MAX_REPLY, &mlen);
		if (fr < 0)
			return -1;
		if (fr == 0 || mlen > c->tcp_len - off)
			return 0;
		wrd_init(&r, c->tcp_buf + off, mlen);
		if (ldap_dec_msg(&r, &m) != WIRE_OK)
			return -1;
		if (m.op == LDAP_OP_SEARCH_DONE)
			return 1;
		off += mlen;
	}
	return 0;
}

static void on_udp(struct dc_cand *c)
{
	uint8_t buf[4096];
	ssize_t n = recv(c->udp_fd, buf, sizeof(buf), 0);
	int r;

	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		c->udp_status = errno == ECONNREFUSED ? CAND_REFUSED : CAND_UNREACH;
		c->udp_dead = 1;
		xp_close(&c->udp_fd);
		nlt_vlog("CLDAP ping to %s: UDP 389 %s", c->name, strerror(errno));
		if (c->tcp_state == TCP_NONE)
			tcp_begin(c);
		if (c->tcp_state == TCP_DONE)
			cand_final(c, c->udp_status, "udp", 0);
		return;
	}
	c->udp_rtt_us = nlt_now_us() - c->udp_sent_us;
	r = cldap_dec_ping_reply(buf, (size_t)n, c->msgid, &c->info);
	if (r != WIRE_OK) {
		c->udp_status = CAND_MALFORMED;
		snprintf(c->detail, sizeof(c->detail), "UDP reply of %zd bytes: %s", n, wire_strerror(r));
		nlt_vlog("CLDAP ping to %s: malformed reply (%s)", c->name, wire_strerror(r));
		cand_final(c, CAND_MALFORMED, "udp", c->udp_rtt_us);
		return;
	}
	c->udp_status = CAND_OK;
	nlt_vlog("CLDAP ping to %s: %s in %.1f ms", c->name, c->info.dc_dns_name, c->udp_rtt_us / 1000.0);
	cand_final(c, CAND_OK, "udp", c->udp_rtt_us);
}

static void on_tcp(struct dc_cand *c, short revents)
{
	if (c->tcp_state == TCP_CONNECTING) {
		int st = xp_tcp_result(c->tcp_fd);
		if (st != XP_OK) {
			tcp_failed(c, st == XP_REFUSED ? CAND_REFUSED : st == XP_UNREACH ? CAND_UNREACH : CAND_TIMEOUT,
				   xp_status_str(st));
			return;
		}
		c->tcp_state = TCP_READING;
		c->tcp_sent_us = nlt_now_us();
		if (send(c->tcp_fd, c->tcp_out, c->tcp_out_len, MSG_NOSIGNAL) != (ssize_t)c->tcp_out_len) {
			tcp_failed(c, CAND_UNREACH, "send failed");
			return;
		}
		return;
	}
	if (c->tcp_state == TCP_READING && (revents & (POLLIN | POLLHUP | POLLERR))) {
		ssize_t n;
		int done;

		if (!c->tcp_buf && !(c->tcp_buf = malloc(TCP_MAX_REPLY))) {
			tcp_failed(c, CAND_UNREACH, "out of memory");
			return;
		}
		n = recv(c->tcp_fd, c->tcp_buf + c->tcp_len, TCP_MAX_REPLY - c->tcp_len, 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			if (c->tcp_len) {
				snprintf(c->detail, sizeof(c->detail), "TCP 389: connection closed mid-reply");
				cand_final(c, CAND_MALFORMED, "tcp", nlt_now_us() - c->tcp_sent_us);
			} else {
				tcp_failed(c, CAND_REFUSED, n == 0 ? "connection closed" : strerror(errno));
			}
			return;
		}
		c->tcp_len += (size_t)n;
		done = tcp_complete(c);
		if (done == 0 && c->tcp_len == TCP_MAX_REPLY)
			done = -1;
		if (done < 0) {
			snprintf(c->detail, sizeof(c->detail), "TCP 389: malformed LDAP reply");
			cand_final(c, CAND_MALFORMED, "tcp", nlt_now_us() - c->tcp_sent_us);
		} else if (done > 0) {
			int r = cldap_dec_ping_reply(c->tcp_buf, c->tcp_len, c->msgid, &c->info);
			if (r != WIRE_OK) {
				snprintf(c->detail, sizeof(c->detail), "TCP 389 reply: %s", wire_strerror(r));
				cand_final(c, CAND_MALFORMED, "tcp", nlt_now_us() - c->tcp_sent_us);
			} else {
				nlt_vlog("LDAP ping to %s over TCP: %s", c->name, c->info.dc_dns_name);
				cand_final(c, CAND_OK, "tcp", nlt_now_us() - c->tcp_sent_us);
			}
		}
	}
}

/* The smallest RTT of any DC that answered (0: none has): sets the retransmission schedule. */
static uint64_t known_rtt_us(const struct locate_result *res)
{
	uint64_t m = 0;

	for (size_t i = 0; i < res->n; i++)
		if (res->cands[i].status == CAND_OK && res->cands[i].rtt_us && (!m || res->cands[i].rtt_us < m))
			m = res->cands[i].rtt_us;
	return m ? m : res->rtt_hint_us;
}

/*
 * A speculative candidate (an address of the domain name) stands for the SRV
 * target whose name its answer carries: give it that target's rank, or mark
 * it unclaimed (never chosen: it is no DC the SRV records list).
 */
static void claim_speculative(struct locate_result *res)
{
	for (size_t i = 0; i < res->n; i++) {
		struct dc_cand *sp = &res->cands[i];
		const struct dc_cand *t = NULL;

		if (!sp->speculative || sp->status != CAND_OK || sp->unclaimed)
			continue;
		for (size_t j = 0; j < res->n && !t; j++)
			if (!res->cands[j].speculative && nlt_name_eq(res->cands[j].name, sp->info.dc_dns_name))
				t = &res->cands[j];
		if (!t) {
			sp->unclaimed = 1;
			continue;
		}
		sp->from_site_srv = t->from_site_srv;
		sp->srv_priority = t->srv_priority;
		sp->srv_weight = t->srv_weight;
	}
}

/*
 * Could the answer of pending candidate c still change the choice?  A
 * speculative address stands for any SRV target that has no address yet.
 */
static int cand_matters(const struct locate_result *res, const struct dc_cand *c, const struct dc_cand *best)
{
	if (!c->speculative)
		return locate_may_beat(c, best);
	for (size_t j = 0; j < res->n; j++) {
		const struct dc_cand *t = &res->cands[j];
		if (!t->speculative && !t->have_addr && t->status == CAND_PENDING && locate_may_beat(t, best))
			return 1;
	}
	return 0;
}

/* Stop pinging c: no reply came in time (status TIMEOUT) or it was not waited for (SKIPPED). */
static void cand_give_up(struct dc_cand *c, int status, const char *why)
{
	uint64_t now = nlt_now_us(), from = c->udp_first_us ? c->udp_first_us : c->tcp_sent_us;
	int udp = c->udp_fd >= 0;

	if (c->udp_status == CAND_PENDING && !c->udp_dead && status == CAND_TIMEOUT) {
		c->udp_status = CAND_TIMEOUT;
		c->udp_waited_us = c->udp_first_us ? now - c->udp_first_us : 0;
	}
	if (status == CAND_SKIPPED || !c->detail[0])
		snprintf(c->detail, sizeof(c->detail), "no reply to %d LDAP ping(s) within %.0f ms%s%s", c->tries ? c->tries : 1,
			 from ? (now - from) / 1000.0 : 0.0, why ? "; " : "", why ? why : "");
	cand_final(c, status == CAND_TIMEOUT && c->udp_status == CAND_REFUSED ? CAND_REFUSED : status, udp ? "udp" : "tcp", 0);
}

/*
 * Ping every PENDING candidate with an address, all at once.  UDP first
 * (unless tcp_only), retransmitted on resolver_retx_ms()'s schedule (based on
 * the RTT of the DCs that answered: ~100-300 ms); from the first
 * retransmission on (or at once when UDP is refused) a TCP LDAP ping runs
 * beside it.  Ends when every candidate has a verdict or at the deadline;
 * once a suitable DC has answered (and unless wait_all), a candidate that
 * could still be chosen over it gets a grace of 200 ms + 4 RTT (1 s + 8 RTT
 * when the best is not in the client's site) and is then a timeout, while
 * one that could not (locate_may_beat) gets 200 ms + 4 RTT in any case, in
 * which its reply is still recorded (the report; verify's failover to
 * another DC that answered), and is then SKIPPED, "not waited for".
 */
static int ping_round(struct locate_result *res, const char *domain, const struct locate_req *req, struct nlt_err *e)
{
	struct pollfd *pfd = NULL;
	struct dc_cand **who = NULL;
	uint64_t grace_t0 = 0;
	int grace_best = -1;
	size_t i;
	int r = 0;

	pfd = calloc(res->n * 2 + 1, sizeof(*pfd));
	who = calloc(res->n * 2 + 1, sizeof(*who));
	if (!pfd || !who) {
		r = nlt_seterr(e, NLT_EINTERNAL, "out of memory");
		goto out;
	}
	for (i = 0; i < res->n; i++) {
		struct dc_cand *c = &res->cands[i];
		if (c->status != CAND_PENDING || !c->have_addr)
			continue;
		nlt_addr_set_port(&c->addr, 389);
		do
			c->msgid = nlt_random_u32() & 0x7fffffff;
		while (c->msgid == 0);
		if (build_ping(domain, c->msgid, c->tcp_out, sizeof(c->tcp_out), &c->tcp_out_len) < 0) {
			r = nlt_seterr(e, NLT_EINTERNAL, "cannot encode the LDAP ping for %s", domain ? domain : "(no domain)");
			goto out;
		}
		if (req->tcp_only) {
			c->udp_dead = 1;
			c->udp_status = CAND_PENDING;
			tcp_begin(c);
			if (c->tcp_state == TCP_DONE)
				cand_final(c, CAND_UNREACH, "tcp", 0);
			continue;
		}
		c->udp_fd = xp_udp_open(&c->addr);
		if (c->udp_fd < 0) {
			snprintf(c->detail, sizeof(c->detail), "UDP 389: %s", strerror(errno));
			c->udp_dead = 1;
			tcp_begin(c);
			continue;
		}
		c->udp_sent_us = c->udp_first_us = nlt_now_us();
		if (send(c->udp_fd, c->tcp_out, c->tcp_out_len, 0) < 0 && errno != EAGAIN) {
			c->udp_status = xp_status_from_errno(errno) == XP_REFUSED ? CAND_REFUSED : CAND_UNREACH;
			c->udp_dead = 1;
			xp_close(&c->udp_fd);
			tcp_begin(c);
			continue;
		}
		c->tries = 1;
		nlt_vlog("CLDAP ping to %s (%s)", c->name, nlt_addr_str(&c->addr, (char[64]){ 0 }, 64));
	}

	for (;;) {
		size_t np = 0;
		uint64_t now = nlt_now_ms(), wake = req->deadline_ms, rtt = known_rtt_us(res), long_g = 0, short_g = 0;
		int pending = 0, best, timeout, pr;
		char why[NL_NAME_MAX + 96];

		claim_speculative(res);
		best = req->wait_all ? -1 : locate_choose(res->cands, res->n, req->need_flags);
		if (best >= 0) {
			uint64_t rtt_ms = res->cands[best].rtt_us / 1000;
			if (best != grace_best) {
				grace_best = best;
				grace_t0 = now;
			}
			long_g = locate_is_closest(&res->cands[best].info) ? 200 + 4 * rtt_ms : 1000 + 8 * rtt_ms;
			/* a DC that cannot change the choice: the short grace, for its answer in the report and
			 * for verify's failover, which takes another DC that answered (trust_local.c) */
			short_g = 200 + 4 * rtt_ms;
		}
		for (i = 0; i < res->n; i++) {
			struct dc_cand *c = &res->cands[i];
			uint64_t due;

			if (c->status != CAND_PENDING || !c->have_addr)
				continue;
			if (best >= 0) {
				const struct dc_cand *b = &res->cands[best];
				int matters = cand_matters(res, c, b);
				uint64_t lim = grace_t0 + (matters ? long_g : short_g);
				if (now >= lim) {
					snprintf(why, sizeof(why), "%s %s had answered%s",
						 matters ? "no longer waited for:" : "not waited for:",
						 b->info.dc_dns_name[0] ? b->info.dc_dns_name : b->name,
						 matters ? "" : " and this DC could not be chosen over it");
					nlt_vlog("LDAP ping to %s: %s", c->name, why);
					cand_give_up(c, matters ? CAND_TIMEOUT : CAND_SKIPPED, why);
					continue;
				}
				if (lim < wake)
					wake = lim;
			}
			/* retransmit UDP, and bring in TCP from the first retransmission on */
			due = c->udp_sent_us / 1000 + resolver_retx_ms((unsigned)c->tries, rtt);
			if (c->udp_fd >= 0 && now >= due) {
				c->udp_sent_us = nlt_now_us();
				(void)send(c->udp_fd, c->tcp_out, c->tcp_out_len, 0);
				c->tries++;
				due = now + resolver_retx_ms((unsigned)c->tries, rtt);
				tcp_begin(c);
			}
			if (c->status != CAND_PENDING)
				continue;
			if (c->udp_fd < 0 && c->tcp_state == TCP_DONE) {
				/* both paths are dead without a verdict */
				cand_final(c, c->udp_status != CAND_PENDING ? c->udp_status : CAND_TIMEOUT, "udp", 0);
				continue;
			}
			pending++;
			if (c->udp_fd >= 0) {
				pfd[np].fd = c->udp_fd;
				pfd[np].events = POLLIN;
				who[np++] = c;
				if (due < wake)
					wake = due;
			}
			if (c->tcp_fd >= 0) {
				pfd[np].fd = c->tcp_fd;
				pfd[np].events = c->tcp_state == TCP_CONNECTING ? POLLOUT : POLLIN;
				who[np++] = c;
			}
		}
		if (!pending || now >= req->deadline_ms)
			break;
		timeout = wake > now ? (int)(wake - now) : 0;
		pr = poll(pfd, np, timeout);
		if (pr < 0 && errno != EINTR) {
			r = nlt_seterr(e, NLT_EINTERNAL, "poll: %s", strerror(errno));
			goto out;
		}
		for (i = 0; pr > 0 && i < np; i++) {
			struct dc_cand *c = who[i];
			if (!pfd[i].revents || c->status != CAND_PENDING)
				continue;
			if (pfd[i].fd == c->udp_fd)
				on_udp(c);
			else if (pfd[i].fd == c->tcp_fd)
				on_tcp(c, pfd[i].revents);
		}
	}
	/* whatever is still pending has timed out */
	for (i = 0; i < res->n; i++) {
		struct dc_cand *c = &res->cands[i];
		if (c->status == CAND_PENDING && c->have_addr)
			cand_give_up(c, CAND_TIMEOUT, NULL);
	}
out:
	free(pfd);
	free(who);
	return r;
}

/* ---- SRV ----------------------------------------------------------------- */

static uint32_t srv_rand(void *ctx)
{
	(void)ctx;
	return nlt_random_u32();
}

/* Add candidates from one SRV reply, in RFC 2782 order; addresses from the additional section. */
static int add_srv_cands(struct locate_result *res, struct dns_reply *rep, int from_site, struct nlt_err *e)
{
	dns_srv_sort(rep->srv, rep->n_srv, srv_rand, NULL);
	for (size_t i = 0; i < rep->n_srv; i++) {
		struct dns_srv *s = &rep->srv[i];
		struct dc_cand *c;

		if (!s->target[0] || strcmp(s->target, ".") == 0)
			continue; /* "service decidedly not available" */
		c = find_cand(res, s->target);
		if (c) {
			c->from_site_srv |= from_site;
			continue;
		}
		if (!(c = add_cand(res, s->target, e)))
			return -1;
		c->srv_priority = s->priority;
		c->srv_weight = s->weight;
		c->from_site_srv = from_site;
		addr_from_reply(c, rep, 0);
	}
	return 0;
}

/* Does the SRV reply carry an address for each of its targets (additional section)? */
static int srv_targets_addressed(const struct dns_reply *rep)
{
	for (size_t i = 0; i < rep->n_srv; i++) {
		struct dc_cand probe;

		if (!rep->srv[i].target[0] || strcmp(rep->srv[i].target, ".") == 0)
			continue;
		memset(&probe, 0, sizeof(probe));
		nlt_strlcpy(probe.name, rep->srv[i].target, sizeof(probe.name));
		if (!addr_from_reply(&probe, rep, 0))
			return 0;
	}
	return 1;
}

int locate_srv_round_enough(const struct dns_query *q, size_t n_srv, size_t nq, const char *domain)
{
	int any = 0, all_addressed = 1;

	for (size_t i = 0; i < n_srv; i++) {
		if (q[i].status == DNSQ_PENDING)
			return 0; /* the candidates are not known yet */
		if (q[i].status == DNSQ_OK && q[i].reply && q[i].reply->n_srv) {
			any = 1;
			all_addressed &= srv_targets_addressed(q[i].reply);
		}
	}
	if (nq <= n_srv || !any || all_addressed)
		return 1; /* nothing pending, or the domain's addresses could not be used */
	/* the A (and IPv4 is what the targets' own look-ups would give) makes the AAAA moot */
	if (has_addr_for(&q[n_srv], domain))
		return 1;
	for (size_t i = n_srv; i < nq; i++)
		if (q[i].status == DNSQ_PENDING)
			return 0;
	return 1;
}

struct srv_round {
	size_t n_srv;
	const char *domain;
};

static int srv_round_enough(void *arg, const struct dns_query *q, size_t n)
{
	const struct srv_round *sr = arg;

	return locate_srv_round_enough(q, sr->n_srv, n, sr->domain);
}

static const char *ns_str(const struct resolver *rs, char *buf, size_t len)
{
	if (!rs->n_ns)
		return nlt_strlcpy(buf, "no nameserver", len), buf;
	return nlt_addr_str(&rs->ns[0], buf, len);
}

/*
 * Query the SRV names (site-specific first when a site is given, both at
 * once) and add their targets.  Fails with NLT_ENODC when neither yields a DC.
 */
static int srv_lookup(struct locate_result *res, struct resolver *rs, const char *domain, const char *site,
		      int generic_too, int domain_addrs, uint64_t deadline, struct nlt_err *e)
{
	char names[2][NL_NAME_MAX + 64];
	struct dns_query q[4];
	size_t n_srv;
	size_t nq = 0;
	int r = -1, found = 0;
	char nsb[64];

	memset(q, 0, sizeof(q));
	if (site && *site) {
		if (locate_srv_name(names[nq], sizeof(names[nq]), site, domain) < 0)
			return nlt_seterr(e, NLT_EUSAGE, "site or domain name too long");
		q[nq].name = names[nq];
		q[nq++].qtype = DNS_T_SRV;
	}
	if (generic_too || !nq) {
		if (locate_srv_name(names[nq], sizeof(names[nq]), NULL, domain) < 0)
			return nlt_seterr(e, NLT_EUSAGE, "domain name too long");
		q[nq].name = names[nq];
		q[nq++].qtype = DNS_T_SRV;
	}
	n_srv = nq;
	if (domain_addrs) {
		/*
		 * Every DC registers an A (AAAA) record for the domain name itself.  Asked in the same
		 * round, it lets the LDAP pings start before the SRV targets are resolved, when the DNS
		 * server (Samba's, for one) sends no addresses with the SRV answer.
		 */
		q[nq].name = domain;
		q[nq++].qtype = DNS_T_A;
		q[nq].name = domain;
		q[nq++].qtype = DNS_T_AAAA;
	}
	{
		struct srv_round sr = { n_srv, domain };
		if (resolver_run_until(rs, q, nq, deadline, srv_round_enough, &sr, e) < 0)
			goto out;
	}
	for (size_t i = n_srv; i < nq; i++) {
		const struct dns_reply *rep = q[i].reply;
		for (size_t k = 0; q[i].status == DNSQ_OK && rep && k < rep->n_addr; k++) {
			struct nlt_addr *a = &res->dom_addr[res->n_dom_addr];
			if (res->n_dom_addr >= sizeof(res->dom_addr) / sizeof(res->dom_addr[0]) ||
			    !nlt_name_eq(rep->addr[k].name, domain))
				continue;
			nlt_addr_from_raw(a, rep->addr[k].family, rep->addr[k].addr, 389);
			res->n_dom_addr++;
		}
	}
	for (size_t i = 0; i < n_srv; i++) {
		int from_site = site && *site && i == 0;
		nlt_vlog("DNS SRV %s: %s, %zu record(s) in %.1f ms", q[i].name, dns_query_strstatus(q[i].status),
			 q[i].reply ? q[i].reply->n_srv : 0, q[i].rtt_us / 1000.0);
		if (q[i].status != DNSQ_OK || !q[i].reply || !q[i].reply->n_srv)
			continue;
		if (!found)
			nlt_strlcpy(res->srv_name, q[i].name, sizeof(res->srv_name));
		found = 1;
		if (add_srv_cands(res, q[i].reply, from_site, e) < 0)
			goto out;
	}
	if (!found && !generic_too && site) {
		r = 0; /* a site round that found nothing is not an error */
		goto out;
	}
	if (!found) {
		const struct dns_query *g = &q[n_srv - 1];
		char why[400];
		if (!dns_query_answered(g->status))
			nlt_seterr(e, NLT_ENODC, "no DC found for %s: DNS SRV %s: %s", domain, g->name,
				   dns_query_why(rs, g, why, sizeof(why)));
		else
			nlt_seterr(e, NLT_ENODC, "no DC found for %s: DNS SRV %s: %s (from %s)", domain, g->name,
				   g->status == DNSQ_OK ? "no records" : dns_query_strstatus(g->status),
				   g->from >= 0 ? resolver_ns_list(rs, 1u << g->from, nsb, sizeof(nsb)) : ns_str(rs, nsb, sizeof(nsb)));
		goto out;
	}
	r = 0;
out:
	dns_query_free(q, nq);
	return r;
}

/* ---- pinging the domain's own addresses ---------------------------------- */

/*
 * When SRV targets came without addresses, ping the domain name's addresses
 * at once and give each answer to the SRV target it names (the reply carries
 * the DC's DNS name).  Answers from addresses no SRV target claims are
 * dropped; targets nobody answered for are resolved and pinged as usual.
 */
static int speculative_round(struct locate_result *res, const char *domain, const struct locate_req *req,
			     struct nlt_err *e)
{
	size_t n_srv = res->n, missing = 0, matched = 0;
	char ab[64];

	for (size_t i = 0; i < n_srv; i++)
		missing += !res->cands[i].have_addr;
	if (!missing || !res->n_dom_addr)
		return 0;
	for (size_t k = 0; k < res->n_dom_addr; k++) {
		struct dc_cand *c;
		int known = 0;
		for (size_t i = 0; i < res->n && !known; i++)
			known = res->cands[i].have_addr && nlt_addr_equal(&res->cands[i].addr, &res->dom_addr[k]);
		if (known)
			continue;
		if (!(c = add_cand(res, nlt_addr_str(&res->dom_addr[k], ab, sizeof(ab)), e)))
			return -1;
		c->addr = res->dom_addr[k];
		c->have_addr = 1;
		c->speculative = 1;
	}
	if (res->n == n_srv)
		return 0;
	nlt_vlog("%zu SRV target(s) came without addresses: pinging the %zu address(es) of %s meanwhile", missing,
		 res->n - n_srv, domain);
	if (ping_round(res, domain, req, e) < 0)
		return -1;
	for (size_t i = n_srv; i < res->n; i++) {
		struct dc_cand *sp = &res->cands[i];
		if (sp->status != CAND_OK)
			continue;
		for (size_t j = 0; j < n_srv; j++) {
			struct dc_cand *c = &res->cands[j];
			if (c->have_addr || !nlt_name_eq(c->name, sp->info.dc_dns_name))
				continue;
			c->addr = sp->addr;
			c->have_addr = 1;
			c->status = sp->status;
			c->transport = sp->transport;
			c->rtt_us = sp->rtt_us;
			c->info = sp->info;
			c->udp_status = sp->udp_status;
			c->udp_rtt_us = sp->udp_rtt_us;
			c->udp_first_us = sp->udp_first_us;
			c->udp_waited_us = sp->udp_waited_us;
			c->tries = sp->tries;
			matched++;
			break;
		}
	}
	/* remember the addresses that did not answer (a dead DC is not pinged twice), drop the entries */
	for (size_t i = n_srv; i < res->n; i++) {
		struct dc_cand *sp = &res->cands[i];
		/* (a SKIPPED one was not waited for: it has no verdict, and is pinged again if it matters) */
		if (sp->status != CAND_OK && sp->status != CAND_MALFORMED && sp->status != CAND_SKIPPED &&
		    res->n_dom_fail < 16) {
			res->dom_fail[res->n_dom_fail].addr = sp->addr;
			res->dom_fail[res->n_dom_fail].status = sp->status;
			res->dom_fail[res->n_dom_fail].udp_status = sp->udp_status;
			res->dom_fail[res->n_dom_fail].tries = sp->tries;
			res->dom_fail[res->n_dom_fail].udp_first_us = sp->udp_first_us;
			res->dom_fail[res->n_dom_fail].udp_waited_us = sp->udp_waited_us;
			nlt_strlcpy(res->dom_fail[res->n_dom_fail].detail, sp->detail, sizeof(res->dom_fail[0].detail));
			res->n_dom_fail++;
		}
	}
	for (size_t i = n_srv; i < res->n; i++) {
		xp_close(&res->cands[i].udp_fd);
		xp_close(&res->cands[i].tcp_fd);
		free(res->cands[i].tcp_buf);
	}
	res->n = n_srv;
	nlt_vlog("%zu of %zu SRV target(s) answered at a domain address", matched, missing);
	return 0;
}

/* ---- the whole locator ------------------------------------------------------ */

/*
 * After the early pings: a target with no address that could not be chosen
 * over the DC that already answered is neither resolved nor pinged.
 */
static void skip_unneeded(struct locate_result *res, const struct locate_req *req)
{
	int best = locate_choose(res->cands, res->n, req->need_flags);
	const struct dc_cand *b;

	if (best < 0)
		return;
	b = &res->cands[best];
	for (size_t i = 0; i < res->n; i++) {
		struct dc_cand *c = &res->cands[i];
		if (c->have_addr || c->status != CAND_PENDING || locate_may_beat(c, b))
			continue;
		snprintf(c->detail, sizeof(c->detail), "not resolved: %.200s had answered and this DC could not be chosen over it",
			 b->info.dc_dns_name[0] ? b->info.dc_dns_name : b->name);
		nlt_vlog("%s: %s", c->name, c->detail);
		c->status = CAND_SKIPPED;
	}
}

/*
 * The client-site round: a DC listed under the client's site that gave no
 * verdict in the first round (not waited for, or silent for the first
 * round's grace only, e.g. under packet loss) is pinged again: its answer
 * is the one that decides.  Returns how many were re-armed.
 */
static size_t rearm_site_cands(struct locate_result *res)
{
	size_t k = 0;

	for (size_t i = 0; i < res->n; i++) {
		struct dc_cand *c = &res->cands[i];
		if (!c->from_site_srv || (c->status != CAND_TIMEOUT && c->status != CAND_SKIPPED))
			continue;
		nlt_vlog("%s is in the client's site and gave no answer yet: pinging it again", c->name);
		c->status = CAND_PENDING;
		c->udp_status = CAND_PENDING;
		c->udp_dead = 0;
		c->tcp_state = TCP_NONE;
		c->tcp_len = 0;
		c->tries = 0;
		c->udp_sent_us = c->udp_first_us = c->tcp_sent_us = 0;
		c->detail[0] = '\0';
		k++;
	}
	return k;
}

static void fail_summary(const struct locate_result *res, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < res->n && off + 1 < len; i++) {
		int n = snprintf(buf + off, len - off, "%s%s: %s", i ? ", " : "", res->cands[i].name,
				 cand_status_str(res->cands[i].status));
		if (n < 0)
			break;
		off += (size_t)n;
	}
}

/*
 * -S with the DC cache: the facts an earlier ping gave about this address (written after a
 * secure channel with them succeeded) stand in for the ping.  Only when the -S name is that
 * address or names the cached DC; 1 when taken.
 */
static int cand_from_cache(struct locate_result *res, struct dc_cand *c, const char *fqdn, const char *dir)
{
	struct state_dc_facts f;
	struct nl_samlogon_ex *in = &c->info;
	char ab[64];

	if (!c->have_addr || !state_dc_load(dir, &c->addr, &f))
		return 0;
	nlt_addr_str(&c->addr, ab, sizeof(ab));
	if (nlt_addr_parse(&(struct nlt_addr){ 0 }, fqdn, 389) != 0 && !nlt_name_eq(fqdn, f.dc_dns_name)) {
		nlt_vlog("DC cache: %s names %s, not %s; pinging it", ab, f.dc_dns_name, fqdn);
		return 0;
	}
	memset(in, 0, sizeof(*in));
	in->opcode = 23; /* LOGON_SAM_LOGON_RESPONSE_EX, as the ping would have said */
	in->server_flags = f.have_flags ? f.flags : 0;
	nlt_strlcpy(in->dns_domain, f.dns_domain, sizeof(in->dns_domain));
	nlt_strlcpy(in->forest, f.forest[0] ? f.forest : f.dns_domain, sizeof(in->forest));
	nlt_strlcpy(in->dc_dns_name, f.dc_dns_name, sizeof(in->dc_dns_name));
	nlt_strlcpy(in->netbios_domain, f.netbios_domain, sizeof(in->netbios_domain));
	nlt_strlcpy(in->dc_netbios_name, f.dc_netbios_name, sizeof(in->dc_netbios_name));
	nlt_strlcpy(in->dc_site, f.dc_site, sizeof(in->dc_site));
	c->status = CAND_OK;
	c->transport = "cache";
	snprintf(c->detail, sizeof(c->detail), "from the DC cache (no LDAP ping)");
	if (f.dns_domain[0])
		nlt_strlcpy(res->domain, f.dns_domain, sizeof(res->domain));
	res->from_cache = 1;
	nlt_vlog("DC %s (%s): %s of %s (%s) from the DC cache; no LDAP ping", fqdn, ab, f.dc_dns_name, f.dns_domain,
		 f.netbios_domain);
	return 1;
}

int locate_dc(const struct locate_req *req, struct resolver *rs, struct locate_result *res, struct nlt_err *e)
{
	uint64_t t0 = nlt_now_us();
	const char *domain = req->domain;
	char summary[256];
	int r = -1;

	memset(res, 0, sizeof(*res));
	res->chosen = -1;
	if (domain)
		nlt_strlcpy(res->domain, domain, sizeof(res->domain));

	if (req->server) {
		char fqdn[NL_NAME_MAX];
		struct dc_cand *c;

		if (nlt_addr_parse(&(struct nlt_addr){ 0 }, req->server, 389) != 0 && !strchr(req->server, '.') && domain)
			snprintf(fqdn, sizeof(fqdn), "%s.%s", req->server, domain);
		else
			nlt_strlcpy(fqdn, req->server, sizeof(fqdn));
		if (!(c = add_cand(res, fqdn, e)))
			goto out;
		if (resolve_missing(res, rs, req->deadline_ms, e) < 0)
			goto out;
		if (c->status == CAND_NOADDR || locate_dns_failed(c->status)) {
			nlt_seterr(e, NLT_ENODC, "cannot reach DC %s: %s", fqdn, c->detail);
			goto out;
		}
		if (req->use_dc_cache && cand_from_cache(res, c, fqdn, req->dc_cache_dir)) {
			res->chosen = 0;
			r = 0;
			goto out;
		}
	} else {
		if (!domain || !*domain) {
			nlt_seterr(e, NLT_ECONFIG, "no domain given and none configured (use -d DOMAIN)");
			goto out;
		}
		if (srv_lookup(res, rs, domain, req->site, 1, !req->wait_all, req->deadline_ms, e) < 0)
			goto out;
		res->rtt_hint_us = resolver_rtt_us(rs);
		if (speculative_round(res, domain, req, e) < 0)
			goto out;
		if (!req->wait_all)
			skip_unneeded(res, req);
		if (resolve_missing(res, rs, req->deadline_ms, e) < 0)
			goto out;
		/* a target whose address already failed the early ping keeps that verdict */
		for (size_t i = 0; i < res->n; i++) {
			struct dc_cand *c = &res->cands[i];
			for (size_t k = 0; c->status == CAND_PENDING && c->have_addr && k < res->n_dom_fail; k++) {
				if (!nlt_addr_equal(&c->addr, &res->dom_fail[k].addr))
					continue;
				c->udp_status = res->dom_fail[k].udp_status;
				c->tries = res->dom_fail[k].tries;
				c->udp_first_us = res->dom_fail[k].udp_first_us;
				c->udp_waited_us = res->dom_fail[k].udp_waited_us;
				nlt_strlcpy(c->detail, res->dom_fail[k].detail, sizeof(c->detail));
				cand_final(c, res->dom_fail[k].status, "udp", 0);
			}
		}
	}

	res->rounds = 1;
	res->rtt_hint_us = resolver_rtt_us(rs);
	if (ping_round(res, domain, req, e) < 0)
		goto out;
	res->chosen = locate_choose(res->cands, res->n, req->need_flags);

	/*
	 * DsGetDcName's second round: the reply says the client sits in a site
	 * none of the answering DCs serve; ask DNS for that site's DCs.
	 */
	if (!req->server && !req->wait_all && !req->site && res->chosen >= 0 &&
	    !locate_is_closest(&res->cands[res->chosen].info)) {
		const char *csite = res->cands[res->chosen].info.client_site;
		size_t before = res->n;

		nlt_vlog("client site is %s but %s is in %s: asking DNS for %s's DCs", csite,
			 res->cands[res->chosen].name, res->cands[res->chosen].info.dc_site, csite);
		if (srv_lookup(res, rs, domain, csite, 0, 0, req->deadline_ms, e) < 0)
			goto out;
		if (res->n > before || rearm_site_cands(res)) {
			if (resolve_missing(res, rs, req->deadline_ms, e) < 0)
				goto out;
			res->rounds = 2;
			if (ping_round(res, domain, req, e) < 0)
				goto out;
			res->chosen = locate_choose(res->cands, res->n, req->need_flags);
		}
	}

	for (size_t i = 0; i < res->n; i++)
		if (res->cands[i].status == CAND_OK && res->cands[i].info.client_site[0] && !res->client_site[0])
			nlt_strlcpy(res->client_site, res->cands[i].info.client_site, sizeof(res->client_site));
	if (res->chosen >= 0) {
		const struct nl_samlogon_ex *inf = &res->cands[res->chosen].info;
		nlt_strlcpy(res->client_site, inf->client_site, sizeof(res->client_site));
		if (inf->dns_domain[0])
			nlt_strlcpy(res->domain, inf->dns_domain, sizeof(res->domain));
		r = 0;
		goto out;
	}

	fail_summary(res, summary, sizeof(summary));
	if (req->server) {
		const struct dc_cand *c = &res->cands[0];
		char ab[64];
		nlt_addr_str(&c->addr, ab, sizeof(ab));
		if (c->status == CAND_MALFORMED)
			nlt_seterr(e, NLT_EPROTO, "LDAP ping to %s (%s) failed: malformed reply (%s)", c->name, ab, c->detail);
		else if (c->status == CAND_OK)
			nlt_seterr(e, NLT_ENODC, "DC %s (%s) lacks the required flags", c->name, ab);
		else
			nlt_seterr(e, NLT_ENODC, "LDAP ping to %s (%s) failed: %s%s%s", c->name, ab, cand_status_str(c->status),
				   c->detail[0] ? "; " : "", c->detail);
	} else {
		int any_ok = 0;
		size_t n_addr = 0;
		const struct dc_cand *first_dns = NULL;
		for (size_t i = 0; i < res->n; i++) {
			any_ok |= res->cands[i].status == CAND_OK;
			n_addr += res->cands[i].have_addr;
			if (!res->cands[i].have_addr && !first_dns)
				first_dns = &res->cands[i];
		}
		if (!n_addr && first_dns)
			/* nothing was pinged: the failure is DNS's, and its own words say which step ran out */
			nlt_seterr(e, NLT_ENODC, "no DC of %s could be pinged: %s%s%s%s", domain, first_dns->detail,
				   res->n > 1 ? " (" : "", res->n > 1 ? summary : "", res->n > 1 ? ")" : "");
		else if (any_ok)
			nlt_seterr(e, NLT_ENODC, "no DC of %s has the required flags (%s)", domain, summary);
		else
			nlt_seterr(e, NLT_ENODC, "none of the %zu DC(s) of %s answered the LDAP ping (%s)", res->n, domain,
				   summary);
	}
out:
	res->elapsed_us = nlt_now_us() - t0;
	return r;
}
