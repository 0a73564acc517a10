/*
 * src/net/resolve.c - stub resolver (see resolve.h).
 *
 * Schedule of one query, all under the caller's absolute deadline:
 *   - work on one nameserver at a time; send over UDP at once and
 *     retransmit on resolver_retx_ms()'s schedule (4 x the server's RTT,
 *     clamped to 100-300 ms, 200 ms before any RTT is known; each gap twice,
 *     then doubled: a lost datagram costs ~100-300 ms).  In the first of two
 *     or more rounds a server gets at most RES_FIRST_SLICE_MS before the next one is asked
 *     too (a dead DC must not cost resolv.conf's 5 s: ICMP errors are rate
 *     limited and often filtered); later rounds give each timeout_ms;
 *   - a reply with TC set (or a datagram longer than our 4096-byte buffer)
 *     moves the query to TCP on the same server (RFC 1035 §4.2.2 framing:
 *     a 2-byte length prefix), with the same timeout_ms;
 *   - timeout, SERVFAIL, REFUSED, any other error RCODE, ICMP unreachable or
 *     a failed TCP exchange move on to the next nameserver; after the last
 *     one, the next of `attempts` rounds starts again with the first;
 *   - FORMERR to a query with EDNS0 resends it once without the OPT RR
 *     (RFC 6891 §7);
 *   - NOERROR and NXDOMAIN are final.
 * A nameserver that let a query time out is marked in rs->slow and asked
 * last by later runs on the same struct resolver (one command's SRV, then
 * A/AAAA rounds), until it answers something again.
 * One connected UDP socket per nameserver is shared by all queries: the
 * kernel drops datagrams from any other address and reports ICMP errors;
 * replies are matched by id (random, unique within a run) AND question, and
 * only from a server the query was sent to (late replies from a server we
 * have left are still welcome).  Unparsable replies are ignored (they may be
 * forged), but reported as "malformed reply" if nothing better arrives.
 */
#include "config.h"
#include "resolve.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define RES_CONF "/etc/resolv.conf"
#define RES_DEFAULT_TIMEOUT_MS 5000 /* RES_TIMEOUT */
#define RES_DEFAULT_ATTEMPTS 2      /* RES_DFLRETRY */
#define RES_MAX_TIMEOUT_S 30        /* RES_MAXRETRANS */
#define RES_MAX_ATTEMPTS 5          /* RES_MAXRETRY */
#define RES_RETX_UNKNOWN_MS 200 /* first gap while no RTT to the server is known */
#define RES_RETX_MIN_MS 100
#define RES_RETX_MAX_BASE_MS 300
#define RES_RETX_CAP_MS 2000
#define RES_MIN_TIMEOUT_MS 50
#define RES_FIRST_SLICE_MS 700 /* send, retransmit at 300 ms, move on at 700 */
#define RES_UDP_MAX DNS_UDP_PAYLOAD
#define RES_TCP_MAX 65535

/* ---- resolv.conf(5) --------------------------------------------------- */

static char *next_word(char **p)
{
	char *s = *p, *w;

	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	if (!*s) {
		*p = s;
		return NULL;
	}
	w = s;
	while (*s && *s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
		s++;
	if (*s)
		*s++ = '\0';
	*p = s;
	return w;
}

/* Copy a domain without its trailing dot if it is a valid name. */
static int take_domain(char dst[DNS_NAME_MAX], const char *src)
{
	size_t n = strlen(src);

	if (dns_name_check(src) != WIRE_OK)
		return -1;
	if (n && src[n - 1] == '.')
		n--;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return 0;
}

/* "192.0.2.1", "2001:db8::1", "fe80::1%eth0" (scope by name or number). */
static int parse_ns(struct nlt_addr *a, const char *word)
{
	char host[64];
	const char *pct = strchr(word, '%');
	size_t n = pct ? (size_t)(pct - word) : strlen(word);
	unsigned scope = 0;

	if (n >= sizeof(host))
		return -1;
	memcpy(host, word, n);
	host[n] = '\0';
	if (nlt_addr_parse(a, host, 53) < 0)
		return -1;
	if (pct) {
		char *end;
		unsigned long v;

		if (a->ss.ss_family != AF_INET6 || !pct[1])
			return -1;
		v = strtoul(pct + 1, &end, 10);
		scope = *end ? if_nametoindex(pct + 1) : (unsigned)v;
		if (!scope)
			return -1;
		((struct sockaddr_in6 *)&a->ss)->sin6_scope_id = scope;
	}
	return 0;
}

static int option_value(const char *opt, const char *name, int *out)
{
	size_t n = strlen(name);
	char *end;
	long v;

	if (strncmp(opt, name, n) != 0 || opt[n] != ':')
		return 0;
	v = strtol(opt + n + 1, &end, 10);
	if (end == opt + n + 1 || *end || v < 0)
		return -1;
	*out = v > 1000 ? 1000 : (int)v;
	return 1;
}

static void parse_line(struct resolver *rs, char *line, const char *file, unsigned lineno)
{
	char *p = line, *kw, *w;
	int v;

	kw = next_word(&p);
	if (!kw || kw[0] == '#' || kw[0] == ';')
		return;
	if (strcmp(kw, "nameserver") == 0) {
		w = next_word(&p);
		if (!w || rs->n_ns >= RESOLVER_MAX_NS) {
			if (w)
				nlt_vlog("%s:%u: more than %d nameservers, ignoring %s", file, lineno,
					 RESOLVER_MAX_NS, w);
			return;
		}
		if (parse_ns(&rs->ns[rs->n_ns], w) == 0)
			rs->n_ns++;
		else
			nlt_vlog("%s:%u: ignoring nameserver '%s': not a numeric address", file, lineno, w);
	} else if (strcmp(kw, "domain") == 0) {
		w = next_word(&p);
		if (!w || take_domain(rs->domain, w) < 0) {
			nlt_vlog("%s:%u: ignoring invalid domain line", file, lineno);
			return;
		}
		/* glibc: the last of domain/search wins for the search list */
		memcpy(rs->search[0], rs->domain, DNS_NAME_MAX);
		rs->n_search = 1;
	} else if (strcmp(kw, "search") == 0) {
		rs->n_search = 0;
		while ((w = next_word(&p)) != NULL) {
			if (rs->n_search >= RESOLVER_MAX_SEARCH) {
				nlt_vlog("%s:%u: more than %d search domains, ignoring the rest", file, lineno,
					 RESOLVER_MAX_SEARCH);
				break;
			}
			if (take_domain(rs->search[rs->n_search], w) == 0)
				rs->n_search++;
			else
				nlt_vlog("%s:%u: ignoring invalid search domain '%s'", file, lineno, w);
		}
	} else if (strcmp(kw, "options") == 0) {
		while ((w = next_word(&p)) != NULL) {
			int r;

			if ((r = option_value(w, "timeout", &v)) > 0)
				rs->timeout_ms = (v < 1 ? 1 : v > RES_MAX_TIMEOUT_S ? RES_MAX_TIMEOUT_S : v) * 1000;
			else if (r == 0 && (r = option_value(w, "attempts", &v)) > 0)
				rs->attempts = v < 1 ? 1 : v > RES_MAX_ATTEMPTS ? RES_MAX_ATTEMPTS : v;
			if (r < 0)
				nlt_vlog("%s:%u: ignoring option '%s'", file, lineno, w);
			/* other options (ndots, rotate, edns0, ...) do not apply to us */
		}
	}
	/* sortlist and unknown keywords: ignored, as glibc does */
}

int resolver_init(struct resolver *rs, const char *path, struct nlt_err *e)
{
	const char *file = path ? path : RES_CONF;
	FILE *f;
	char *line = NULL;
	size_t cap = 0;
	unsigned lineno = 0;
	int r = -1;

	memset(rs, 0, sizeof(*rs));
	rs->timeout_ms = RES_DEFAULT_TIMEOUT_MS;
	rs->attempts = RES_DEFAULT_ATTEMPTS;
	f = fopen(file, "re");
	if (!f)
		return nlt_seterr(e, NLT_ECONFIG, "cannot read %s: %s", file, strerror(errno));
	while (getline(&line, &cap, f) >= 0)
		parse_line(rs, line, file, ++lineno);
	if (ferror(f)) {
		nlt_seterr(e, NLT_ECONFIG, "cannot read %s: %s", file, strerror(errno));
		goto out;
	}
	if (rs->n_ns == 0) {
		/* like glibc: no nameserver line means the local host */
		nlt_addr_parse(&rs->ns[0], "127.0.0.1", 53);
		rs->n_ns = 1;
	}
	r = 0;
out:
	free(line);
	fclose(f);
	if (r < 0) {
		memset(rs, 0, sizeof(*rs));
		rs->timeout_ms = RES_DEFAULT_TIMEOUT_MS;
		rs->attempts = RES_DEFAULT_ATTEMPTS;
	}
	return r;
}

int resolver_set_port(struct resolver *rs, uint16_t port)
{
	for (size_t i = 0; i < rs->n_ns && i < RESOLVER_MAX_NS; i++)
		nlt_addr_set_port(&rs->ns[i], port);
	return 0;
}

const char *resolver_default_domain(const struct resolver *rs, char *buf, size_t len)
{
	char host[256];
	const char *dot;
	size_t n;

	if (!len)
		return buf;
	buf[0] = '\0';
	if (rs && rs->domain[0])
		nlt_strlcpy(buf, rs->domain, len);
	else if (rs && rs->n_search && rs->search[0][0])
		nlt_strlcpy(buf, rs->search[0], len);
	else if (gethostname(host, sizeof(host)) == 0) {
		host[sizeof(host) - 1] = '\0';
		dot = strchr(host, '.');
		if (dot && dot[1])
			nlt_strlcpy(buf, dot + 1, len);
	}
	n = strlen(buf);
	if (n && buf[n - 1] == '.')
		buf[n - 1] = '\0';
	return buf;
}

/* ---- queries ------------------------------------------------------------ */

int dns_query_answered(int status)
{
	return status == DNSQ_OK || status == DNSQ_NXDOMAIN || status == DNSQ_NODATA;
}

const char *resolver_ns_list(const struct resolver *rs, uint32_t mask, char *buf, size_t len)
{
	size_t off = 0;

	if (!len)
		return buf;
	buf[0] = '\0';
	for (size_t i = 0; i < rs->n_ns && i < RESOLVER_MAX_NS; i++) {
		char ab[64];
		int k;

		if (!(mask & (1u << i)))
			continue;
		k = snprintf(buf + off, len - off, "%s%s", off ? ", " : "", nlt_addr_str(&rs->ns[i], ab, sizeof(ab)));
		if (k < 0 || (size_t)k >= len - off)
			break;
		off += (size_t)k;
	}
	if (!off)
		nlt_strlcpy(buf, "no nameserver", len);
	return buf;
}

const char *dns_query_why(const struct resolver *rs, const struct dns_query *q, char *buf, size_t len)
{
	char nb[3 * 64];
	uint32_t all = rs->n_ns >= 32 ? 0xffffffffu : (1u << rs->n_ns) - 1;

	if (q->from >= 0)
		resolver_ns_list(rs, 1u << q->from, nb, sizeof(nb));
	else
		resolver_ns_list(rs, q->asked ? q->asked : all, nb, sizeof(nb));
	switch (q->status) {
	case DNSQ_OK: snprintf(buf, len, "answered by %s", nb); break;
	case DNSQ_NXDOMAIN: snprintf(buf, len, "no such name (NXDOMAIN from %s)", nb); break;
	case DNSQ_NODATA: snprintf(buf, len, "no such record (NOERROR without data from %s)", nb); break;
	case DNSQ_TIMEOUT:
		if (!q->asked)
			snprintf(buf, len, "not asked: the deadline ran out before the query could be sent");
		else if (q->cut)
			snprintf(buf, len, "no answer from %s within the deadline", nb);
		else
			snprintf(buf, len, "no answer from %s", nb);
		break;
	case DNSQ_SERVFAIL:
	case DNSQ_REFUSED:
	case DNSQ_MALFORMED:
		snprintf(buf, len, "%s from %s%s", dns_query_strstatus(q->status), nb,
			 q->cut ? ", and no other answer within the deadline" : "");
		break;
	case DNSQ_NETERR:
		snprintf(buf, len, "network error reaching %s%s", nb, q->cut ? ", and no other answer within the deadline" : "");
		break;
	case DNSQ_BADNAME: snprintf(buf, len, "not asked: not a valid DNS name"); break;
	case DNSQ_UNNEEDED:
		snprintf(buf, len, "not waited for (asked %s): the answer could no longer change the result", nb);
		break;
	default: snprintf(buf, len, "%s", dns_query_strstatus(q->status)); break;
	}
	return buf;
}

const char *dns_query_strstatus(int status)
{
	switch (status) {
	case DNSQ_PENDING: return "pending";
	case DNSQ_OK: return "ok";
	case DNSQ_NXDOMAIN: return "NXDOMAIN";
	case DNSQ_NODATA: return "no data";
	case DNSQ_SERVFAIL: return "SERVFAIL";
	case DNSQ_REFUSED: return "REFUSED";
	case DNSQ_TIMEOUT: return "timeout";
	case DNSQ_MALFORMED: return "malformed reply";
	case DNSQ_NETERR: return "network error";
	case DNSQ_BADNAME: return "invalid name";
	case DNSQ_UNNEEDED: return "not waited for";
	}
	return "unknown status";
}

void dns_query_free(struct dns_query *q, size_t n)
{
	if (!q)
		return;
	for (size_t i = 0; i < n; i++) {
		free(q[i].reply);
		q[i].reply = NULL;
	}
}

enum { TCP_NONE, TCP_CONNECT, TCP_WRITE, TCP_READ };

struct qst {
	struct dns_query *q;
	uint16_t id;
	uint16_t payload; /* advertised in the OPT RR; 0 after a FORMERR */
	uint8_t pkt[DNS_QUERY_MAX];
	size_t pktlen;
	size_t ns;        /* the nameserver we are working on */
	size_t pos;       /* its position in run->order */
	int round;        /* how many times we went through the list */
	uint32_t asked;   /* bit i: sent to ns[i]; replies accepted from these */
	uint64_t ns_end;  /* ms: leave ns[ns] then */
	uint64_t next_tx; /* ms: next UDP (re)transmission */
	unsigned tx;      /* UDP transmissions to ns[ns] since server_start() (or the FORMERR resend) */
	uint64_t last_tx_us; /* the last of them */
	int err;          /* what to report if nothing final arrives */
	uint64_t t0_us;   /* first transmission */
	int done;
	/* TCP fallback to ns[ns] */
	int tstate;
	int tfd;
	uint8_t *tbuf;    /* 2-byte length + message, RES_TCP_MAX + 2 */
	size_t toff, tlen;
	uint64_t tend;
};

struct run {
	struct resolver *rs;
	struct qst *qs;
	size_t n, left;
	size_t n_ns;
	size_t order[RESOLVER_MAX_NS]; /* the order servers are asked in: rs->slow ones last */
	int timeout_ms, attempts;
	int udp[RESOLVER_MAX_NS];
	int udp_bad[RESOLVER_MAX_NS]; /* connect() failed: no route to it */
	struct dns_reply *scratch;    /* replies are decoded here, then handed to the query */
	uint8_t ubuf[RES_UDP_MAX];
	struct nlt_err *e;
	int fatal;
};

static const char *type_str(uint16_t t, char buf[12])
{
	switch (t) {
	case DNS_T_A: return "A";
	case DNS_T_AAAA: return "AAAA";
	case DNS_T_SRV: return "SRV";
	case DNS_T_CNAME: return "CNAME";
	case DNS_T_NS: return "NS";
	case DNS_T_SOA: return "SOA";
	}
	snprintf(buf, 12, "TYPE%u", t);
	return buf;
}

static const char *ns_str(const struct run *run, size_t i, char *buf, size_t len)
{
	return nlt_addr_str(&run->rs->ns[i], buf, len);
}

/* Is name the name asked for or one of the aliases the reply leads through? */
static int asked_name(const struct dns_query *q, const struct dns_reply *rep, const char *name)
{
	if (nlt_name_eq(name, q->name))
		return 1;
	for (size_t i = 0; i < rep->n_cname; i++)
		if (nlt_name_eq(name, rep->cname[i]))
			return 1;
	return 0;
}

/* How many records of the asked type the answer holds (0 = NODATA). */
static size_t answer_count(const struct dns_query *q, const struct dns_reply *rep)
{
	size_t c = 0;

	switch (q->qtype) {
	case DNS_T_SRV: return rep->n_srv;
	case DNS_T_CNAME: return rep->n_cname;
	case DNS_T_A:
	case DNS_T_AAAA:
		/* addresses of other names (the additional section) do not answer the question */
		for (size_t i = 0; i < rep->n_addr; i++)
			c += rep->addr[i].family == (q->qtype == DNS_T_A ? AF_INET : AF_INET6) &&
			     asked_name(q, rep, rep->addr[i].name);
		return c;
	}
	return rep->ancount;
}

/* Which error to report when several servers failed differently: the most telling. */
static int err_rank(int st)
{
	switch (st) {
	case DNSQ_SERVFAIL:
	case DNSQ_REFUSED: return 3;
	case DNSQ_MALFORMED: return 2;
	case DNSQ_NETERR: return 1;
	}
	return 0;
}

static void merge_err(struct qst *s, int st)
{
	if (err_rank(st) >= err_rank(s->err))
		s->err = st;
}

static void tcp_close(struct qst *s)
{
	if (s->tfd >= 0)
		close(s->tfd);
	s->tfd = -1;
	free(s->tbuf);
	s->tbuf = NULL;
	s->tstate = TCP_NONE;
}

/* Final status; takes ownership of rep (kept only for OK/NODATA). */
static void finish(struct run *run, struct qst *s, int st, struct dns_reply *rep, int from)
{
	struct dns_query *q = s->q;
	char tb[12], nb[64], what[48];
	const char *name = q->name ? q->name : "(no name)";

	tcp_close(s);
	if (st == DNSQ_OK || st == DNSQ_NODATA) {
		q->reply = rep;
	} else {
		free(rep);
		q->reply = NULL;
	}
	q->status = st;
	q->asked = s->asked;
	q->from = from;
	if (from >= 0)
		run->rs->slow &= ~(1u << from);
	q->rtt_us = s->t0_us ? nlt_now_us() - s->t0_us : 0;
	s->done = 1;
	run->left--;
	if (!nlt_verbose)
		return;
	if (st == DNSQ_OK) {
		size_t c = answer_count(q, rep);
		snprintf(what, sizeof(what), "%zu record%s", c, c == 1 ? "" : "s");
	} else {
		nlt_strlcpy(what, dns_query_strstatus(st), sizeof(what));
	}
	if (from >= 0)
		nlt_vlog("DNS %s %s -> %s in %.1f ms from %s", type_str(q->qtype, tb), name, what,
			 (double)q->rtt_us / 1000.0, ns_str(run, (size_t)from, nb, sizeof(nb)));
	else
		nlt_vlog("DNS %s %s -> %s after %.1f ms", type_str(q->qtype, tb), name, what, (double)q->rtt_us / 1000.0);
}

static int encode(struct qst *s)
{
	struct wwr w;

	wwr_init(&w, s->pkt, sizeof(s->pkt));
	if (dns_enc_query_opt(&w, s->id, s->q->name, s->q->qtype, s->payload) != WIRE_OK)
		return -1;
	s->pktlen = wwr_len(&w);
	return 0;
}

/* Start (or restart) work on nameserver s->ns. */
static void server_start(struct run *run, struct qst *s, uint64_t now)
{
	int slice = run->timeout_ms;

	if (s->round == 0 && run->attempts > 1 && run->n_ns > 1 && slice > RES_FIRST_SLICE_MS)
		slice = RES_FIRST_SLICE_MS;
	s->ns_end = now + (uint64_t)slice;
	s->next_tx = now;
	s->tx = 0;
	if (s->payload != DNS_UDP_PAYLOAD) {
		s->payload = DNS_UDP_PAYLOAD; /* a FORMERR from one server says nothing about the next */
		encode(s);
	}
}

/* Give up on the current server with status st; next server, next round, or final. */
static void advance(struct run *run, struct qst *s, int st, uint64_t now)
{
	char tb[12], nb[64];

	merge_err(s, st);
	tcp_close(s);
	if (st == DNSQ_TIMEOUT)
		nlt_vlog("DNS %s %s: no answer from %s, moving on", type_str(s->q->qtype, tb), s->q->name,
			 ns_str(run, s->ns, nb, sizeof(nb)));
	else
		nlt_vlog("DNS %s %s: %s from %s", type_str(s->q->qtype, tb), s->q->name, dns_query_strstatus(st),
			 ns_str(run, s->ns, nb, sizeof(nb)));
	if (st == DNSQ_TIMEOUT && run->n_ns > 1)
		run->rs->slow |= 1u << s->ns;
	for (;;) {
		if (++s->pos >= run->n_ns) {
			s->pos = 0;
			if (++s->round >= run->attempts) {
				finish(run, s, s->err, NULL, -1);
				return;
			}
		}
		s->ns = run->order[s->pos];
		if (!run->udp_bad[s->ns])
			break;
		merge_err(s, DNSQ_NETERR);
	}
	server_start(run, s, now);
}

/* The RTT to ns[i]; while it has none, the smallest any other server has (0: none known). */
static uint64_t server_rtt(const struct resolver *rs, size_t i)
{
	uint64_t m = 0;

	if (rs->srtt_us[i])
		return rs->srtt_us[i];
	for (size_t k = 0; k < rs->n_ns && k < RESOLVER_MAX_NS; k++)
		if (rs->srtt_us[k] && (!m || rs->srtt_us[k] < m))
			m = rs->srtt_us[k];
	return m;
}

uint64_t resolver_rtt_us(const struct resolver *rs)
{
	uint64_t m = 0;

	for (size_t k = 0; rs && k < rs->n_ns && k < RESOLVER_MAX_NS; k++)
		if (rs->srtt_us[k] && (!m || rs->srtt_us[k] < m))
			m = rs->srtt_us[k];
	return m;
}

static void send_udp(struct run *run, struct qst *s, uint64_t now)
{
	ssize_t r = send(run->udp[s->ns], s->pkt, s->pktlen, 0);

	if (r < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS || errno == EINTR) {
			s->next_tx = now + 10; /* local queue full: try again shortly */
			return;
		}
		/* ECONNREFUSED here is left by an ICMP error for an earlier datagram,
		 * perhaps another query's: every query waiting on that server moves on */
		size_t ns = s->ns;
		for (size_t i = 0; i < run->n; i++) {
			struct qst *o = &run->qs[i];
			if (o != s && !o->done && o->ns == ns && o->tstate == TCP_NONE && (o->asked & (1u << ns)))
				advance(run, o, DNSQ_NETERR, now);
		}
		advance(run, s, DNSQ_NETERR, now);
		return;
	}
	s->last_tx_us = nlt_now_us();
	if (!s->t0_us)
		s->t0_us = s->last_tx_us;
	s->asked |= 1u << s->ns;
	s->tx++;
	s->next_tx = now + resolver_retx_ms(s->tx, server_rtt(run->rs, s->ns));
}

unsigned resolver_retx_ms(unsigned sent, uint64_t rtt_us)
{
	uint64_t base = rtt_us ? 4 * rtt_us / 1000 : RES_RETX_UNKNOWN_MS;
	unsigned shift;

	if (base < RES_RETX_MIN_MS)
		base = RES_RETX_MIN_MS;
	if (base > RES_RETX_MAX_BASE_MS)
		base = RES_RETX_MAX_BASE_MS;
	shift = sent > 1 ? (sent - 1) / 4 : 0;
	if (shift > 8)
		shift = 8;
	base <<= shift;
	return base > RES_RETX_CAP_MS ? RES_RETX_CAP_MS : (unsigned)base;
}

/* socket() failures that are ours (out of descriptors or memory), not the server's. */
static int local_failure(int err)
{
	return err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM;
}

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -1;
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	return 0;
}

static void tcp_start(struct run *run, struct qst *s, uint64_t now)
{
	const struct nlt_addr *a = &run->rs->ns[s->ns];
	char tb[12], nb[64];

	tcp_close(s);
	nlt_vlog("DNS %s %s: reply from %s truncated, retrying over TCP", type_str(s->q->qtype, tb), s->q->name,
		 ns_str(run, s->ns, nb, sizeof(nb)));
	s->tbuf = malloc(RES_TCP_MAX + 2);
	if (!s->tbuf) {
		run->fatal = nlt_seterr(run->e, NLT_EINTERNAL, "out of memory");
		return;
	}
	s->tfd = socket(a->ss.ss_family, SOCK_STREAM, 0);
	if (s->tfd < 0) {
		if (local_failure(errno))
			run->fatal = nlt_seterr(run->e, NLT_EINTERNAL, "DNS: cannot create a TCP socket: %s",
						strerror(errno));
		else
			advance(run, s, DNSQ_NETERR, now);
		return;
	}
	if (set_nonblock(s->tfd) < 0 ||
	    (connect(s->tfd, (const struct sockaddr *)&a->ss, a->len) < 0 && errno != EINPROGRESS)) {
		advance(run, s, DNSQ_NETERR, now);
		return;
	}
	/* RFC 1035 §4.2.2: the message prefixed by its length as a 2-byte big-endian field */
	s->tbuf[0] = (uint8_t)(s->pktlen >> 8);
	s->tbuf[1] = (uint8_t)s->pktlen;
	memcpy(s->tbuf + 2, s->pkt, s->pktlen);
	s->tlen = s->pktlen + 2;
	s->toff = 0;
	s->tstate = TCP_CONNECT;
	s->tend = now + (uint64_t)run->timeout_ms;
}

static int question_matches(const struct qst *s, const struct dns_reply *rep)
{
	return rep->id == s->id && rep->qdcount >= 1 && rep->qtype == s->q->qtype && nlt_name_eq(rep->qname, s->q->name);
}

/* A parsed reply for s from ns[from] (matched by the caller). */
static void on_reply(struct run *run, struct qst *s, size_t from, int via_tcp, uint64_t now)
{
	struct dns_reply *rep = run->scratch;
	int current = from == s->ns && (via_tcp || s->tstate == TCP_NONE);
	char tb[12], nb[64];

	if (!(rep->flags & DNS_F_QR) || (rep->flags & DNS_F_OPCODE))
		return; /* not a reply to a standard query: ignore like any stray datagram */
	if (!via_tcp && current && s->tx == 1) {
		/* sent once: the reply answers that datagram, so it is an RTT sample (Karn) */
		uint64_t sample = nlt_now_us() - s->last_tx_us, *srtt = &run->rs->srtt_us[from];
		*srtt = *srtt ? (7 * *srtt + sample) / 8 : sample;
		if (!*srtt)
			*srtt = 1;
		/* the queries still waiting on a schedule made without this RTT: bring them forward */
		for (size_t i = 0; i < run->n; i++) {
			struct qst *o = &run->qs[i];
			uint64_t due;
			if (o->done || o->tstate != TCP_NONE || !o->tx)
				continue;
			due = o->last_tx_us / 1000 + resolver_retx_ms(o->tx, server_rtt(run->rs, o->ns));
			if (due < o->next_tx)
				o->next_tx = due;
		}
	}
	if (rep->truncated && !via_tcp) {
		if (s->tstate == TCP_NONE) {
			s->ns = from; /* a late TC reply from an earlier server: TCP to that one */
			tcp_start(run, s, now);
		}
		return;
	}
	switch (rep->rcode) {
	case DNS_R_NOERROR:
		run->scratch = NULL; /* transferred */
		finish(run, s, answer_count(s->q, rep) ? DNSQ_OK : DNSQ_NODATA, rep, (int)from);
		return;
	case DNS_R_NXDOMAIN:
		finish(run, s, DNSQ_NXDOMAIN, NULL, (int)from);
		return;
	case DNS_R_FORMERR:
		if (current && s->payload) {
			nlt_vlog("DNS %s %s: FORMERR from %s, retrying without EDNS0", type_str(s->q->qtype, tb),
				 s->q->name, ns_str(run, from, nb, sizeof(nb)));
			tcp_close(s);
			s->payload = 0;
			encode(s);
			s->next_tx = now;
			s->tx = 0;
			return;
		}
		break;
	case DNS_R_REFUSED:
		if (current)
			advance(run, s, DNSQ_REFUSED, now);
		else
			merge_err(s, DNSQ_REFUSED);
		return;
	default:
		break;
	}
	/* SERVFAIL, NOTIMP, FORMERR without EDNS, anything else: this server cannot answer */
	if (current)
		advance(run, s, DNSQ_SERVFAIL, now);
	else
		merge_err(s, DNSQ_SERVFAIL);
}

/* Decode into run->scratch; -1 with run->fatal on allocation failure. */
static int decode(struct run *run, const uint8_t *buf, size_t len)
{
	if (!run->scratch && !(run->scratch = calloc(1, sizeof(*run->scratch)))) {
		run->fatal = nlt_seterr(run->e, NLT_EINTERNAL, "out of memory");
		return -1;
	}
	return dns_dec_reply(buf, len, run->scratch);
}

static void on_datagram(struct run *run, size_t from, const uint8_t *buf, size_t len, int cut, uint64_t now)
{
	uint32_t bit = 1u << from;
	int rc = decode(run, buf, len);

	if (rc < 0)
		return;
	if (rc != WIRE_OK || cut) {
		/* unusable; if its id is one of ours, remember (or, when cut, go to TCP) */
		uint16_t id = len >= 2 ? ld_u16be(buf) : 0;
		for (size_t i = 0; len >= 2 && i < run->n; i++) {
			struct qst *s = &run->qs[i];
			if (s->done || s->id != id || !(s->asked & bit))
				continue;
			if (cut && s->tstate == TCP_NONE) {
				s->ns = from;
				tcp_start(run, s, now);
			} else if (!cut) {
				merge_err(s, DNSQ_MALFORMED);
			}
		}
		return;
	}
	for (size_t i = 0; i < run->n; i++) {
		struct qst *s = &run->qs[i];
		if (!s->done && (s->asked & bit) && question_matches(s, run->scratch)) {
			on_reply(run, s, from, 0, now);
			return;
		}
	}
	/* no query of ours: a late duplicate or a forgery */
}

static void udp_readable(struct run *run, size_t from, uint64_t now)
{
	for (int k = 0; k < 64 && !run->fatal; k++) {
		struct iovec iov = { run->ubuf, sizeof(run->ubuf) };
		struct msghdr mh;
		ssize_t r;

		memset(&mh, 0, sizeof(mh));
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		r = recvmsg(run->udp[from], &mh, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ECONNREFUSED || errno == EHOSTUNREACH || errno == ENETUNREACH) {
				/* ICMP: nothing listens there; every query waiting on it moves on */
				for (size_t i = 0; i < run->n; i++) {
					struct qst *s = &run->qs[i];
					if (!s->done && s->ns == from && s->tstate == TCP_NONE && (s->asked & (1u << from)))
						advance(run, s, DNSQ_NETERR, now);
				}
				continue;
			}
			return; /* EAGAIN or anything else: done for now */
		}
		on_datagram(run, from, run->ubuf, (size_t)r, (mh.msg_flags & MSG_TRUNC) != 0, now);
	}
}

static void tcp_event(struct run *run, struct qst *s, short revents, uint64_t now)
{
	ssize_t r;

	if (s->tstate == TCP_CONNECT) {
		int err = 0;
		socklen_t el = sizeof(err);

		if (getsockopt(s->tfd, SOL_SOCKET, SO_ERROR, &err, &el) < 0 || err) {
			advance(run, s, DNSQ_NETERR, now);
			return;
		}
		s->tstate = TCP_WRITE;
	}
	if (s->tstate == TCP_WRITE) {
		if (!(revents & (POLLOUT | POLLERR | POLLHUP)))
			return;
		r = send(s->tfd, s->tbuf + s->toff, s->tlen - s->toff, MSG_NOSIGNAL);
		if (r < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				advance(run, s, DNSQ_NETERR, now);
			return;
		}
		s->toff += (size_t)r;
		if (s->toff == s->tlen) {
			s->tstate = TCP_READ;
			s->toff = 0;
			s->tlen = 2; /* the length prefix first */
		}
		return;
	}
	if (s->tstate != TCP_READ || !(revents & (POLLIN | POLLERR | POLLHUP)))
		return;
	for (;;) {
		int rc;

		r = recv(s->tfd, s->tbuf + s->toff, s->tlen - s->toff, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				advance(run, s, DNSQ_NETERR, now);
			return;
		}
		if (r == 0) {
			advance(run, s, DNSQ_NETERR, now); /* closed before the whole reply */
			return;
		}
		s->toff += (size_t)r;
		if (s->toff < s->tlen)
			continue;
		if (s->tlen == 2) {
			s->tlen = 2 + (size_t)ld_u16be(s->tbuf);
			if (s->tlen > 2)
				continue;
		}
		rc = decode(run, s->tbuf + 2, s->tlen - 2);
		if (rc < 0)
			return;
		if (rc != WIRE_OK || !question_matches(s, run->scratch)) {
			advance(run, s, DNSQ_MALFORMED, now);
			return;
		}
		on_reply(run, s, s->ns, 1, now);
		return;
	}
}

/* Time-driven steps; returns the poll timeout in ms. */
static int timers(struct run *run, uint64_t now, uint64_t deadline_ms)
{
	uint64_t next = deadline_ms;

	for (size_t i = 0; i < run->n && !run->fatal; i++) {
		struct qst *s = &run->qs[i];
		if (s->done)
			continue;
		if (s->tstate != TCP_NONE) {
			if (now >= s->tend)
				advance(run, s, DNSQ_TIMEOUT, now);
		} else if (now >= s->ns_end) {
			advance(run, s, DNSQ_TIMEOUT, now);
		}
		if (!s->done && s->tstate == TCP_NONE && now >= s->next_tx)
			send_udp(run, s, now);
		if (s->done || run->fatal)
			continue;
		if (s->tstate != TCP_NONE) {
			if (s->tend < next)
				next = s->tend;
		} else {
			if (s->ns_end < next)
				next = s->ns_end;
			if (s->next_tx < next)
				next = s->next_tx;
		}
	}
	return next > now ? (next - now > 0x7fffffff ? 0x7fffffff : (int)(next - now)) : 0;
}

static int open_udp(struct run *run)
{
	for (size_t i = 0; i < run->n_ns; i++) {
		const struct nlt_addr *a = &run->rs->ns[i];
		char nb[64];

		run->udp[i] = socket(a->ss.ss_family, SOCK_DGRAM, 0);
		if (run->udp[i] < 0 && local_failure(errno))
			return nlt_seterr(run->e, NLT_EINTERNAL, "DNS: cannot create a UDP socket: %s", strerror(errno));
		/* EAFNOSUPPORT (IPv6 disabled) and the like: that server is unusable, not the run */
		if (run->udp[i] < 0 || set_nonblock(run->udp[i]) < 0 ||
		    connect(run->udp[i], (const struct sockaddr *)&a->ss, a->len) < 0) {
			nlt_vlog("DNS: cannot use nameserver %s: %s", ns_str(run, i, nb, sizeof(nb)), strerror(errno));
			run->udp_bad[i] = 1;
		}
	}
	return 0;
}

int resolver_run(struct resolver *rs, struct dns_query *q, size_t n, uint64_t deadline_ms, struct nlt_err *e)
{
	return resolver_run_until(rs, q, n, deadline_ms, NULL, NULL, e);
}

int resolver_run_until(struct resolver *rs, struct dns_query *q, size_t n, uint64_t deadline_ms,
		       resolver_enough_fn enough, void *arg, struct nlt_err *e)
{
	size_t checked_left = (size_t)-1;
	int stopped = 0;
	struct run *run = NULL;
	struct pollfd *pfd = NULL;
	size_t *pq = NULL;
	int r = -1;
	uint64_t now;

	for (size_t i = 0; i < n; i++) {
		q[i].status = DNSQ_PENDING;
		q[i].reply = NULL;
		q[i].rtt_us = 0;
		q[i].asked = 0;
		q[i].from = -1;
		q[i].cut = 0;
	}
	if (n == 0)
		return 0;
	run = calloc(1, sizeof(*run));
	if (run) {
		for (size_t i = 0; i < RESOLVER_MAX_NS; i++)
			run->udp[i] = -1;
		run->qs = calloc(n, sizeof(*run->qs));
	}
	pfd = calloc(RESOLVER_MAX_NS + n, sizeof(*pfd));
	pq = calloc(RESOLVER_MAX_NS + n, sizeof(*pq));
	if (!run || !run->qs || !pfd || !pq) {
		nlt_seterr(e, NLT_EINTERNAL, "out of memory");
		goto out;
	}
	run->rs = rs;
	run->n = n;
	run->e = e;
	run->n_ns = rs->n_ns < RESOLVER_MAX_NS ? rs->n_ns : RESOLVER_MAX_NS;
	run->timeout_ms = rs->timeout_ms < RES_MIN_TIMEOUT_MS ? RES_MIN_TIMEOUT_MS : rs->timeout_ms;
	run->attempts = rs->attempts < 1 ? 1 : rs->attempts;
	if (open_udp(run) < 0)
		goto out;
	{
		/* servers that timed out in an earlier run go last, in their resolv.conf order */
		size_t k = 0;
		for (int pass = 0; pass < 2; pass++)
			for (size_t i = 0; i < run->n_ns; i++)
				if (!!(rs->slow & (1u << i)) == pass)
					run->order[k++] = i;
		if (rs->slow)
			nlt_vlog("DNS: asking nameserver(s) that did not answer earlier last");
	}

	now = nlt_now_ms();
	run->left = n;
	for (size_t i = 0; i < n; i++) {
		struct qst *s = &run->qs[i];
		int tries = 0;

		s->q = &q[i];
		s->tfd = -1;
		s->err = DNSQ_TIMEOUT;
		s->payload = DNS_UDP_PAYLOAD;
		/* unique ids within the run, so one shared socket per server can tell replies apart */
		do {
			s->id = (uint16_t)nlt_random_u32();
			for (size_t j = 0; j < i; j++)
				if (run->qs[j].id == s->id) {
					s->id = 0;
					break;
				}
		} while (s->id == 0 && ++tries < 16);
		if (!q[i].name || encode(s) < 0) {
			finish(run, s, DNSQ_BADNAME, NULL, -1);
			continue;
		}
		if (run->n_ns == 0) {
			finish(run, s, DNSQ_NETERR, NULL, -1);
			continue;
		}
		for (s->pos = 0; s->pos < run->n_ns && run->udp_bad[run->order[s->pos]]; s->pos++)
			merge_err(s, DNSQ_NETERR);
		if (s->pos == run->n_ns) {
			finish(run, s, DNSQ_NETERR, NULL, -1);
		} else {
			s->ns = run->order[s->pos];
			server_start(run, s, now);
		}
	}

	while (run->left && !run->fatal) {
		size_t np = 0;
		int wait, pr;

		if (enough && run->left != checked_left) {
			/* something became final: do the others still matter? */
			checked_left = run->left;
			if (enough(arg, q, n)) {
				stopped = 1;
				break;
			}
		}
		now = nlt_now_ms();
		if (now >= deadline_ms)
			break;
		wait = timers(run, now, deadline_ms);
		if (!run->left || run->fatal)
			break;
		for (size_t i = 0; i < run->n_ns; i++) {
			if (run->udp_bad[i])
				continue;
			pfd[np].fd = run->udp[i];
			pfd[np].events = POLLIN;
			pq[np++] = i;
		}
		for (size_t i = 0; i < n; i++) {
			struct qst *s = &run->qs[i];
			if (s->done || s->tstate == TCP_NONE)
				continue;
			pfd[np].fd = s->tfd;
			pfd[np].events = s->tstate == TCP_READ ? POLLIN : POLLOUT;
			pq[np++] = RESOLVER_MAX_NS + i;
		}
		pr = poll(pfd, (nfds_t)np, wait);
		if (pr < 0 && errno != EINTR) {
			nlt_seterr(e, NLT_EINTERNAL, "DNS: poll: %s", strerror(errno));
			run->fatal = -1;
			break;
		}
		if (pr <= 0)
			continue;
		now = nlt_now_ms();
		for (size_t k = 0; k < np && !run->fatal; k++) {
			if (!pfd[k].revents)
				continue;
			if (pq[k] < RESOLVER_MAX_NS) {
				udp_readable(run, pq[k], now);
			} else {
				struct qst *s = &run->qs[pq[k] - RESOLVER_MAX_NS];
				/* the query may have moved on since poll() was set up */
				if (!s->done && s->tfd == pfd[k].fd)
					tcp_event(run, s, pfd[k].revents, now);
			}
		}
	}
	for (size_t i = 0; i < n; i++) {
		struct qst *s = &run->qs[i];
		if (!s->done && stopped) {
			char tb[12];
			nlt_vlog("DNS %s %s: not waited for, its answer could no longer change the result",
				 type_str(q[i].qtype, tb), q[i].name);
			finish(run, s, DNSQ_UNNEEDED, NULL, -1);
		} else if (!s->done) {
			/* the deadline (or a local failure) ended it, not the servers */
			q[i].cut = !run->fatal;
			finish(run, s, run->fatal ? DNSQ_NETERR : s->err, NULL, -1);
		}
	}
	r = run->fatal ? -1 : 0;
out:
	if (run) {
		for (size_t i = 0; run->qs && i < n; i++) {
			if (run->qs[i].q)
				tcp_close(&run->qs[i]);
		}
		for (size_t i = 0; i < RESOLVER_MAX_NS; i++)
			if (run->udp[i] >= 0)
				close(run->udp[i]);
		free(run->scratch);
		free(run->qs);
		free(run);
	}
	if (r < 0) {
		for (size_t i = 0; i < n; i++)
			if (q[i].status == DNSQ_PENDING)
				q[i].status = DNSQ_NETERR;
	}
	free(pfd);
	free(pq);
	return r;
}
