/* src/net/probe.c - per-DC service reachability and clock (see probe.h). */
#include "config.h"
#include "probe.h"

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dns.h"
#include "krb_msg.h"
#include "ldap_msg.h"
#include "wire.h"
#include "xport.h"

const struct svc_def svc_defs[SVC__COUNT] = {
	[SVC_DNS] = { "dns", "DNS", 53, 0, "clients that use this DC as their resolver cannot locate DCs (large answers need TCP)" },
	[SVC_DNS_UDP] = { "dns_udp", "DNS", 53, 1, "clients that use this DC as their resolver wait for a timeout on every look-up, or cannot locate DCs" },
	[SVC_KRB_TCP] = { "kerberos", "Kerberos", 88, 0, "Kerberos logons and machine-account checks against this DC will fail" },
	[SVC_KRB_UDP] = { "kerberos_udp", "Kerberos", 88, 1, "Kerberos clients that start on UDP will wait for a timeout before TCP" },
	[SVC_EPM] = { "epmapper", "RPC endpoint mapper", 135, 0, "Netlogon secure-channel checks and repairs over TCP will fail" },
	[SVC_LDAP] = { "ldap", "LDAP", 389, 0, "directory reads, joins and LDAP password resets against this DC will fail" },
	[SVC_CLDAP] = { "cldap", "CLDAP", 389, 1, "Windows members cannot locate this DC (LDAP ping over UDP)" },
	[SVC_SMB] = { "smb", "SMB", 445, 0, "Group Policy, SYSVOL and Netlogon over named pipes through this DC will fail" },
	[SVC_KPASSWD] = { "kpasswd", "kpasswd", 464, 0, "machine password changes over Kerberos will fail" },
	[SVC_LDAPS] = { "ldaps", "LDAPS", 636, 0, "LDAP over TLS (--ldaps) against this DC will fail" },
	[SVC_GC] = { "gc", "Global catalog", 3268, 0, "forest-wide searches and UPN logons through this GC will fail" },
	[SVC_GC_SSL] = { "gc_ssl", "Global catalog over TLS", 3269, 0, "global catalog searches over TLS will fail" },
};

const char *probe_status_str(int st)
{
	switch (st) {
	case PROBE_PENDING: return "pending";
	case PROBE_OPEN: return "open";
	case PROBE_REFUSED: return "refused";
	case PROBE_FILTERED: return "filtered";
	case PROBE_UNREACH: return "unreachable";
	case PROBE_ERROR: return "error";
	case PROBE_NOT_PROBED: return "not_probed";
	case PROBE_INCONCLUSIVE: return "inconclusive";
	}
	return "error";
}

int probe_status_unknown(int st)
{
	return st == PROBE_NOT_PROBED || st == PROBE_INCONCLUSIVE || st == PROBE_PENDING;
}

uint64_t probe_discovery_deadline(uint64_t now_ms, uint64_t deadline_ms)
{
	uint64_t budget = deadline_ms > now_ms ? deadline_ms - now_ms : 0;
	uint64_t reserve = budget / 3 > PROBE_MIN_SILENCE_MS + 200 ? budget / 3 : PROBE_MIN_SILENCE_MS + 200;
	uint64_t end;

	if (reserve > PROBE_PORT_WINDOW_MS)
		reserve = PROBE_PORT_WINDOW_MS;
	if (reserve > budget / 2)
		reserve = budget / 2;
	end = now_ms + (budget - reserve);
	return end < now_ms + PROBE_PORT_WINDOW_MS ? end : now_ms + PROBE_PORT_WINDOW_MS;
}

int probe_silent_status(int sent, uint64_t waited_ms)
{
	if (!sent)
		return PROBE_NOT_PROBED;
	return waited_ms >= PROBE_MIN_SILENCE_MS ? PROBE_FILTERED : PROBE_INCONCLUSIVE;
}

void probe_mark_required(struct dc_probe *p)
{
	uint32_t f = p->cand->status == CAND_OK ? p->cand->info.server_flags : 0;
	int known = p->cand->status == CAND_OK;

	for (int s = 0; s < SVC__COUNT; s++) {
		p->svc[s].required = 0;
		p->svc[s].required_why = NULL;
	}
	p->svc[SVC_KRB_TCP].required = !known || (f & DS_KDC_FLAG);
	p->svc[SVC_KPASSWD].required = !known || (f & DS_KDC_FLAG);
	p->svc[SVC_EPM].required = 1;
	p->svc[SVC_LDAP].required = 1;
	p->svc[SVC_CLDAP].required = 1;
	p->svc[SVC_SMB].required = 1;
	/*
	 * DNS: the LDAP ping has no "DNS server" flag (DS_DNS_CONTROLLER_FLAG, which this used to test,
	 * means the DC's name is a DNS name, and Samba does not set it), so DNS was optional everywhere.
	 * A DC our resolv.conf points at is a resolver we depend on; one that answers authoritatively
	 * for the domain serves its zone.
	 */
	if (p->client_resolver) {
		p->svc[SVC_DNS].required = p->svc[SVC_DNS_UDP].required = 1;
		p->svc[SVC_DNS].required_why = p->svc[SVC_DNS_UDP].required_why = "a nameserver in resolv.conf";
	} else if (p->dns_authoritative) {
		p->svc[SVC_DNS].required = p->svc[SVC_DNS_UDP].required = 1;
		p->svc[SVC_DNS].required_why = p->svc[SVC_DNS_UDP].required_why = "it answers for the domain's zone";
	}
	p->svc[SVC_GC].required = known && (f & DS_GC_FLAG);
	/* LDAPS, GC over TLS and Kerberos over UDP are reported but optional */
}

static int status_from_xp(int st)
{
	switch (st) {
	case XP_OK: return PROBE_OPEN;
	case XP_REFUSED: return PROBE_REFUSED;
	case XP_UNREACH: return PROBE_UNREACH;
	case XP_TIMEOUT: return PROBE_FILTERED;
	case XP_NOTIME: return PROBE_NOT_PROBED;
	}
	return PROBE_ERROR;
}

static int cldap_to_probe(int cand_status)
{
	switch (cand_status) {
	case CAND_OK: return PROBE_OPEN;
	case CAND_REFUSED: return PROBE_REFUSED;
	case CAND_UNREACH: return PROBE_UNREACH;
	case CAND_MALFORMED: return PROBE_ERROR;
	case CAND_TIMEOUT: return PROBE_FILTERED; /* the caller checks how long it was waited for */
	}
	return PROBE_INCONCLUSIVE;
}

static void upper_realm(const char *domain, char *out, size_t len)
{
	size_t i;

	for (i = 0; domain && domain[i] && i + 1 < len; i++)
		out[i] = (char)toupper((unsigned char)domain[i]);
	out[i] = '\0';
}

static int build_as_req(const char *realm, uint32_t nonce, uint8_t *buf, size_t cap, size_t *len)
{
	static const int32_t etypes[] = { 18, 17 }; /* aes256/aes128-cts-hmac-sha1-96 */
	struct krb_as_req_probe pr;
	struct wwr w;

	memset(&pr, 0, sizeof(pr));
	pr.realm = realm;
	pr.cname = "nltrust-clock-probe"; /* need not exist: any KRB-ERROR carries the KDC's time */
	pr.nonce = nonce;
	pr.till = nlt_wall_us() / 1000000 + 3600;
	pr.etypes = etypes;
	pr.n_etypes = 2;
	wwr_init(&w, buf, cap);
	if (krb_enc_as_req(&w, &pr) != WIRE_OK || wwr_err(&w))
		return -1;
	*len = wwr_len(&w);
	return 0;
}

/* A KRB-ERROR from the KDC: take stime/susec against the midpoint of our send and receive. */
static void on_krb_reply(struct dc_probe *p, const uint8_t *buf, size_t n, int64_t sent_wall_us)
{
	struct krb_error ke;
	int64_t now = nlt_wall_us(), mid = sent_wall_us + (now - sent_wall_us) / 2;

	if (krb_msg_type(buf, n) != KRB_MSG_ERROR || krb_dec_error(buf, n, &ke) != WIRE_OK) {
		p->svc[SVC_KRB_UDP].status = PROBE_ERROR;
		snprintf(p->clock_detail, sizeof(p->clock_detail), "the KDC's UDP reply was not a KRB-ERROR");
		return;
	}
	p->svc[SVC_KRB_UDP].status = PROBE_OPEN;
	p->have_clock = 1;
	p->clock_source = "kerberos";
	p->dc_time = ke.stime;
	p->skew_ms = (ke.stime * 1000000 + ke.susec - mid) / 1000;
}

/* rootDSE currentTime over a fresh TCP LDAP connection: the fallback when UDP 88 is silent. */
static void ldap_clock(struct dc_probe *p, uint64_t deadline)
{
	static const char *const attrs[] = { "currentTime" };
	struct ldap_search_req sr = { .base = "", .scope = 0, .attrs = attrs, .n_attrs = 1 };
	uint8_t out[256], in[4096];
	size_t inlen = 0, off = 0;
	struct nlt_addr a = p->cand->addr;
	struct wwr w;
	int st, fd;
	int64_t sent;

	nlt_addr_set_port(&a, 389);
	wwr_init(&w, out, sizeof(out));
	if (ldap_enc_search(&w, 1, &sr) != WIRE_OK)
		return;
	fd = xp_tcp_connect(&a, deadline, &st);
	if (fd < 0)
		return;
	sent = nlt_wall_us();
	if (xp_send_all(fd, out, wwr_len(&w), deadline) != XP_OK)
		goto out;
	for (;;) {
		size_t mlen = 0;
		ssize_t n;
		int fr;

		fr = ldap_msg_frame(in + off, inlen - off, sizeof(in), &mlen);
		if (fr < 0)
			goto out;
		if (fr == 1 && mlen <= inlen - off) {
			struct ldap_msg m;
			struct wrd r;
			const struct ldap_bval *v;
			int64_t t;

			wrd_init(&r, in + off, mlen);
			if (ldap_dec_msg(&r, &m) != WIRE_OK || m.op != LDAP_OP_SEARCH_ENTRY)
				goto out;
			v = ldap_msg_attr(&m, "currentTime");
			if (v && ldap_parse_generalized_time(v->p, v->len, &t) == WIRE_OK) {
				int64_t now = nlt_wall_us(), mid = sent + (now - sent) / 2;
				p->have_clock = 1;
				p->clock_source = "ldap";
				p->dc_time = t;
				/* currentTime has whole seconds: the skew is known to +-1 s */
				p->skew_ms = (t * 1000000 - mid) / 1000;
			}
			goto out;
		}
		if (inlen == sizeof(in))
			goto out;
		n = xp_recv_some(fd, in + inlen, sizeof(in) - inlen, deadline);
		if (n <= 0)
			goto out;
		inlen += (size_t)n;
	}
out:
	xp_close(&fd);
}

int probe_dcs(struct dc_probe *p, size_t n, const char *domain, uint64_t deadline_ms, struct nlt_err *e)
{
	char realm[NL_NAME_MAX];
	uint8_t asreq[512];
	size_t asreq_len = 0;
	struct pollfd *pfd = NULL;
	struct svc_result **who = NULL;
	struct dc_probe **whop = NULL;
	int64_t *krb_sent = NULL;
	uint8_t dnsq[DNS_QUERY_MAX], cldapq[512];
	size_t dnsq_len = 0, cldapq_len = 0;
	uint32_t cldap_msgid = (nlt_random_u32() & 0x7fffffff) | 1;
	uint16_t dns_id = (uint16_t)nlt_random_u32();
	uint64_t t_start = nlt_now_ms(), window_end = t_start + PROBE_PORT_WINDOW_MS;
	int r = 0, no_time, dns_for_domain = 0;

	if (window_end > deadline_ms)
		window_end = deadline_ms;
	/* no time left at all: nothing is sent, and nothing is called filtered */
	no_time = window_end <= t_start;
	upper_realm(domain, realm, sizeof(realm));
	pfd = calloc(n * SVC__COUNT + 1, sizeof(*pfd));
	who = calloc(n * SVC__COUNT + 1, sizeof(*who));
	whop = calloc(n * SVC__COUNT + 1, sizeof(*whop));
	krb_sent = calloc(n + 1, sizeof(*krb_sent));
	if (!pfd || !who || !whop || !krb_sent) {
		r = nlt_seterr(e, NLT_EINTERNAL, "out of memory");
		goto out;
	}

	/* one AS-REQ for every KDC: the realm is the same */
	if (build_as_req(realm, nlt_random_u32() & 0x7fffffff, asreq, sizeof(asreq), &asreq_len) < 0) {
		r = nlt_seterr(e, NLT_EINTERNAL, "cannot encode the Kerberos probe for realm %s", realm);
		goto out;
	}
	/*
	 * one DNS query for every nameserver: SOA of the domain (any reply at all means port 53/udp
	 * answers; an authoritative one that it serves the zone).  No usable domain name: ask for
	 * "invalid." (RFC 6761), which only tests the port.
	 */
	for (int k = 0; k < 2 && !dnsq_len; k++) {
		struct wwr w;
		const char *qn = k == 0 ? domain : "invalid";
		if (!qn || !*qn)
			continue;
		wwr_init(&w, dnsq, sizeof(dnsq));
		if (dns_enc_query(&w, dns_id, qn, DNS_T_SOA) == WIRE_OK && !wwr_err(&w)) {
			dnsq_len = wwr_len(&w);
			dns_for_domain = k == 0;
		}
	}
	/* the LDAP ping again, for a DC whose discovery ping the deadline cut short */
	{
		struct cldap_ping_req cr;
		struct wwr w;
		memset(&cr, 0, sizeof(cr));
		cr.dns_domain = domain;
		cr.ntver = NETLOGON_NT_VERSION_5 | NETLOGON_NT_VERSION_5EX;
		wwr_init(&w, cldapq, sizeof(cldapq));
		/* (discovery encoded the same ping; should this fail, CLDAP just keeps its verdict) */
		if (cldap_enc_ping(&w, cldap_msgid, &cr) == WIRE_OK && !wwr_err(&w))
			cldapq_len = wwr_len(&w);
	}
	for (size_t i = 0; i < n; i++) {
		struct dc_probe *d = &p[i];
		probe_mark_required(d);
		for (int s = 0; s < SVC__COUNT; s++) {
			struct svc_result *sv = &d->svc[s];
			struct nlt_addr a = d->cand->addr;

			sv->fd = -1;
			sv->status = PROBE_PENDING;
			sv->waited_ms = 0;
			sv->start_us = 0;
			if (s == SVC_CLDAP) {
				/* discovery already pinged it over UDP: a timeout counts only if it waited long enough */
				sv->status = cldap_to_probe(d->cand->udp_status);
				sv->latency_us = d->cand->udp_rtt_us;
				if (d->cand->udp_status == CAND_TIMEOUT || d->cand->udp_status == CAND_PENDING) {
					sv->waited_ms = d->cand->udp_waited_us / 1000;
					sv->status = probe_silent_status(d->cand->udp_first_us != 0, sv->waited_ms);
				}
				/* cut short by discovery's deadline: ping it again in the port window */
				if (cldapq_len && (sv->status == PROBE_INCONCLUSIVE || sv->status == PROBE_NOT_PROBED))
					sv->status = PROBE_PENDING;
				else
					continue;
			}
			if (no_time) {
				sv->status = s == SVC_CLDAP && sv->waited_ms ? PROBE_INCONCLUSIVE : PROBE_NOT_PROBED;
				continue;
			}
			if (no_time) {
				sv->status = PROBE_NOT_PROBED;
				continue;
			}
			nlt_addr_set_port(&a, svc_defs[s].port);
			sv->start_us = nlt_now_us();
			if (svc_defs[s].udp) {
				const uint8_t *msg = s == SVC_DNS_UDP ? dnsq : s == SVC_CLDAP ? cldapq : asreq;
				size_t mlen = s == SVC_DNS_UDP ? dnsq_len : s == SVC_CLDAP ? cldapq_len : asreq_len;
				sv->fd = xp_udp_open(&a);
				if (s == SVC_KRB_UDP)
					krb_sent[i] = nlt_wall_us();
				if (sv->fd < 0 || (send(sv->fd, msg, mlen, 0) < 0 && errno != EAGAIN)) {
					sv->status = status_from_xp(xp_status_from_errno(errno));
					xp_close(&sv->fd);
					continue;
				}
				sv->tries = 1;
				sv->next_tx_ms = nlt_now_ms() + 500;
			} else {
				sv->fd = xp_tcp_start(&a);
				if (sv->fd < 0)
					sv->status = status_from_xp(xp_status_from_errno(errno));
			}
		}
	}

	for (;;) {
		size_t np = 0;
		uint64_t now = nlt_now_ms(), wake = window_end;
		int pr;

		for (size_t i = 0; i < n; i++) {
			for (int s = 0; s < SVC__COUNT; s++) {
				struct svc_result *sv = &p[i].svc[s];
				if (sv->fd < 0 || sv->status != PROBE_PENDING)
					continue;
				if (svc_defs[s].udp && now >= sv->next_tx_ms) {
					if (s == SVC_DNS_UDP)
						(void)send(sv->fd, dnsq, dnsq_len, 0);
					else if (s == SVC_CLDAP)
						(void)send(sv->fd, cldapq, cldapq_len, 0);
					else
						(void)send(sv->fd, asreq, asreq_len, 0);
					sv->next_tx_ms = now + (500u << (sv->tries < 4 ? sv->tries : 4));
					sv->tries++;
				}
				if (svc_defs[s].udp && sv->next_tx_ms < wake)
					wake = sv->next_tx_ms;
				pfd[np].fd = sv->fd;
				pfd[np].events = svc_defs[s].udp ? POLLIN : POLLOUT;
				who[np] = sv;
				whop[np++] = &p[i];
			}
		}
		if (!np || now >= window_end)
			break;
		pr = poll(pfd, np, (int)(wake > now ? wake - now : 0));
		if (pr < 0 && errno != EINTR) {
			r = nlt_seterr(e, NLT_EINTERNAL, "poll: %s", strerror(errno));
			goto out;
		}
		for (size_t k = 0; pr > 0 && k < np; k++) {
			struct svc_result *sv = who[k];
			if (!pfd[k].revents)
				continue;
			sv->latency_us = nlt_now_us() - sv->start_us;
			if (sv == &whop[k]->svc[SVC_KRB_UDP]) {
				uint8_t buf[2048];
				ssize_t got = recv(sv->fd, buf, sizeof(buf), 0);
				if (got < 0 && (errno == EAGAIN || errno == EINTR))
					continue;
				if (got < 0)
					sv->status = status_from_xp(xp_status_from_errno(errno));
				else
					on_krb_reply(whop[k], buf, (size_t)got, krb_sent[whop[k] - p]);
			} else if (sv == &whop[k]->svc[SVC_DNS_UDP]) {
				uint8_t buf[1024];
				ssize_t got = recv(sv->fd, buf, sizeof(buf), 0);
				if (got < 0 && (errno == EAGAIN || errno == EINTR))
					continue;
				if (got < 0)
					sv->status = status_from_xp(xp_status_from_errno(errno));
				else if (got >= 4 && ld_u16be(buf) == dns_id && (buf[2] & 0x80)) {
					sv->status = PROBE_OPEN; /* a DNS reply to our query, whatever its RCODE */
					/* AA and NOERROR: it serves the domain's zone */
					whop[k]->dns_authoritative = dns_for_domain && (buf[2] & 0x04) && (buf[3] & 0x0f) == 0;
				} else
					continue; /* not ours: keep waiting */
			} else if (sv == &whop[k]->svc[SVC_CLDAP]) {
				uint8_t buf[4096];
				struct nl_samlogon_ex info;
				ssize_t got = recv(sv->fd, buf, sizeof(buf), 0);
				if (got < 0 && (errno == EAGAIN || errno == EINTR))
					continue;
				if (got < 0)
					sv->status = status_from_xp(xp_status_from_errno(errno));
				else
					sv->status = cldap_dec_ping_reply(buf, (size_t)got, cldap_msgid, &info) == WIRE_OK ? PROBE_OPEN
															 : PROBE_ERROR;
			} else {
				sv->status = status_from_xp(xp_tcp_result(sv->fd));
			}
			xp_close(&sv->fd);
		}
	}
	for (size_t i = 0; i < n; i++) {
		for (int s = 0; s < SVC__COUNT; s++) {
			struct svc_result *sv = &p[i].svc[s];
			if (sv->status == PROBE_PENDING) {
				/* silent until the window closed: filtered only if it was waited for long enough
				 * (for CLDAP, discovery's wait counts too) */
				sv->waited_ms += window_end > t_start ? window_end - t_start : 0;
				sv->status = probe_silent_status(sv->start_us != 0 || sv->waited_ms, sv->waited_ms);
				sv->latency_us = 0;
			}
			xp_close(&sv->fd);
		}
		/* a DC found to serve the zone needs DNS (53/tcp too): decide again with that known */
		if (p[i].dns_authoritative)
			probe_mark_required(&p[i]);
		/* no KDC time over UDP: ask the directory (one more round trip, only in this case) */
		if (!p[i].have_clock && p[i].svc[SVC_LDAP].status == PROBE_OPEN)
			ldap_clock(&p[i], deadline_ms);
		if (!p[i].have_clock && !p[i].clock_detail[0])
			snprintf(p[i].clock_detail, sizeof(p[i].clock_detail), "neither Kerberos (UDP 88) nor LDAP (389) told the time");
	}
out:
	free(pfd);
	free(who);
	free(whop);
	free(krb_sent);
	return r;
}
