/* tests/unit/test_locate.c - DC selection rules (src/net/locate.c, pure parts). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "locate.h"
#include "probe.h"
#include "xport.h"

#define BASE_FLAGS (DS_LDAP_FLAG | DS_DS_FLAG | DS_KDC_FLAG | DS_WRITABLE_FLAG)

static void set(struct dc_cand *c, const char *name, uint32_t flags, const char *dc_site, const char *client_site,
		uint64_t rtt_us)
{
	memset(c, 0, sizeof(*c));
	strcpy(c->name, name);
	c->status = CAND_OK;
	c->info.opcode = 23;
	c->info.server_flags = flags;
	strcpy(c->info.dc_site, dc_site);
	strcpy(c->info.client_site, client_site);
	c->rtt_us = rtt_us;
}

static void closest_means_flag_or_same_site_or_no_client_site(void **state)
{
	struct nl_samlogon_ex i;
	(void)state;

	memset(&i, 0, sizeof(i));
	strcpy(i.dc_site, "Default-First-Site-Name");
	strcpy(i.client_site, "Branch");
	assert_false(locate_is_closest(&i));
	i.server_flags = DS_CLOSEST_FLAG;
	assert_true(locate_is_closest(&i));
	i.server_flags = 0;
	strcpy(i.client_site, "branch");
	strcpy(i.dc_site, "BRANCH");
	assert_true(locate_is_closest(&i));
	i.client_site[0] = '\0';
	assert_true(locate_is_closest(&i));
}

static void chooses_the_client_site_dc_over_a_faster_remote_one(void **state)
{
	struct dc_cand c[2];
	(void)state;

	set(&c[0], "dc1.lab.test", BASE_FLAGS, "Default-First-Site-Name", "Branch", 100);
	set(&c[1], "dcb.lab.test", BASE_FLAGS | DS_CLOSEST_FLAG, "Branch", "Branch", 900);
	assert_int_equal(locate_choose(c, 2, 0), 1);
}

static void required_flags_exclude_dcs_without_them(void **state)
{
	struct dc_cand c[2];
	(void)state;

	set(&c[0], "dcb.lab.test", BASE_FLAGS | DS_CLOSEST_FLAG, "Branch", "Branch", 100);
	set(&c[1], "dc1.lab.test", BASE_FLAGS | DS_PDC_FLAG | DS_GC_FLAG, "Default-First-Site-Name", "Branch", 900);
	assert_int_equal(locate_choose(c, 2, DS_PDC_FLAG), 1);
	assert_int_equal(locate_choose(c, 2, DS_PDC_FLAG | DS_GC_FLAG), 1);
	assert_int_equal(locate_choose(c, 2, DS_TIMESERV_FLAG), -1);
	assert_int_equal(locate_choose(c, 2, 0), 0);
}

static void failed_or_wrong_opcode_candidates_are_never_chosen(void **state)
{
	struct dc_cand c[3];
	(void)state;

	set(&c[0], "a", BASE_FLAGS | DS_CLOSEST_FLAG, "S", "S", 10);
	c[0].status = CAND_TIMEOUT;
	set(&c[1], "b", BASE_FLAGS | DS_CLOSEST_FLAG, "S", "S", 10);
	c[1].info.opcode = 25; /* "user unknown" is an answer, but not a DC to use */
	set(&c[2], "c", BASE_FLAGS | DS_CLOSEST_FLAG, "S", "S", 10);
	c[2].status = CAND_MALFORMED;
	assert_int_equal(locate_choose(c, 3, 0), -1);
}

static void among_equals_srv_priority_then_rtt_decides(void **state)
{
	struct dc_cand c[3];
	(void)state;

	set(&c[0], "a", BASE_FLAGS, "S", "", 300);
	c[0].srv_priority = 10;
	set(&c[1], "b", BASE_FLAGS, "S", "", 500);
	c[1].srv_priority = 0;
	set(&c[2], "c", BASE_FLAGS, "S", "", 200);
	c[2].srv_priority = 0;
	assert_int_equal(locate_choose(c, 3, 0), 2);
	c[2].srv_priority = 20;
	assert_int_equal(locate_choose(c, 3, 0), 1);
}

static void site_srv_members_win_over_closeness_and_speed(void **state)
{
	struct dc_cand c[2];
	(void)state;

	/* --site S2 given: S2's DC is taken although the client is in S1 */
	set(&c[0], "a", BASE_FLAGS | DS_CLOSEST_FLAG, "S1", "S1", 100);
	set(&c[1], "b", BASE_FLAGS, "S2", "S1", 900);
	c[1].from_site_srv = 1;
	assert_int_equal(locate_choose(c, 2, 0), 1);
	/* but never one without the required flags */
	assert_int_equal(locate_choose(c, 2, DS_PDC_FLAG), -1);
	c[0].info.server_flags |= DS_PDC_FLAG;
	assert_int_equal(locate_choose(c, 2, DS_PDC_FLAG), 0);
}

static void srv_names_follow_ms_adts(void **state)
{
	char b[300];
	(void)state;

	assert_int_equal(locate_srv_name(b, sizeof(b), NULL, "lab.test"), 0);
	assert_string_equal(b, "_ldap._tcp.dc._msdcs.lab.test");
	assert_int_equal(locate_srv_name(b, sizeof(b), "Branch", "lab.test"), 0);
	assert_string_equal(b, "_ldap._tcp.Branch._sites.dc._msdcs.lab.test");
	assert_int_equal(locate_srv_name(b, 10, NULL, "lab.test"), -1);
}

/* A resolver with the lab client's two nameservers (dcb first, then dc1). */
static void lab_resolver(struct resolver *rs)
{
	memset(rs, 0, sizeof(*rs));
	assert_int_equal(nlt_addr_parse(&rs->ns[0], "198.18.0.140", 53), 0);
	assert_int_equal(nlt_addr_parse(&rs->ns[1], "198.18.0.10", 53), 0);
	rs->n_ns = 2;
}

static void query(struct dns_query *q, const char *name, uint16_t type, int status, uint32_t asked, int from, int cut)
{
	memset(q, 0, sizeof(*q));
	q->name = name;
	q->qtype = type;
	q->status = status;
	q->asked = asked;
	q->from = from;
	q->cut = cut;
}

/* A resolver timeout is never "no record"; only an answer from DNS says there is none. */
static void dns_timeouts_are_not_missing_records(void **state)
{
	struct resolver rs;
	struct dns_query a, aaaa;
	char d[320];
	(void)state;

	lab_resolver(&rs);
	/* both cut by the deadline on the first server */
	query(&a, "dcb.lab.test", DNS_T_A, DNSQ_TIMEOUT, 1, -1, 1);
	query(&aaaa, "dcb.lab.test", DNS_T_AAAA, DNSQ_TIMEOUT, 1, -1, 1);
	assert_int_equal(locate_addr_verdict(&rs, "dcb.lab.test", &a, &aaaa, d, sizeof(d)), CAND_DNS_TIMEOUT);
	assert_string_equal(d, "DNS A/AAAA for dcb.lab.test: no answer from 198.18.0.140 within the deadline");
	assert_true(locate_dns_failed(CAND_DNS_TIMEOUT));
	assert_string_equal(cand_status_str(CAND_DNS_TIMEOUT), "dns timeout");
	/* no A record (an answer), but AAAA unanswered: the address is unknown, not missing */
	query(&a, "dcb.lab.test", DNS_T_A, DNSQ_NODATA, 3, 1, 0);
	query(&aaaa, "dcb.lab.test", DNS_T_AAAA, DNSQ_TIMEOUT, 3, -1, 1);
	assert_int_equal(locate_addr_verdict(&rs, "dcb.lab.test", &a, &aaaa, d, sizeof(d)), CAND_DNS_TIMEOUT);
	assert_string_equal(d, "DNS AAAA for dcb.lab.test: no answer from 198.18.0.140, 198.18.0.10 within the deadline");
	/* the deadline passed before anything was sent */
	query(&a, "dcb.lab.test", DNS_T_A, DNSQ_TIMEOUT, 0, -1, 1);
	query(&aaaa, "dcb.lab.test", DNS_T_AAAA, DNSQ_TIMEOUT, 0, -1, 1);
	assert_int_equal(locate_addr_verdict(&rs, "dcb.lab.test", &a, &aaaa, d, sizeof(d)), CAND_DNS_TIMEOUT);
	assert_non_null(strstr(d, "not asked: the deadline ran out"));
	/* SERVFAIL everywhere: a DNS error, not a missing record */
	query(&a, "dcb.lab.test", DNS_T_A, DNSQ_SERVFAIL, 3, -1, 0);
	query(&aaaa, "dcb.lab.test", DNS_T_AAAA, DNSQ_NODATA, 3, 0, 0);
	assert_int_equal(locate_addr_verdict(&rs, "dcb.lab.test", &a, &aaaa, d, sizeof(d)), CAND_DNS_ERROR);
	assert_string_equal(d, "DNS A for dcb.lab.test: SERVFAIL from 198.18.0.140, 198.18.0.10");
	/* the real "no record": NXDOMAIN / no data, named with the server that said so */
	query(&a, "dcb.lab.test", DNS_T_A, DNSQ_NXDOMAIN, 3, 1, 0);
	query(&aaaa, "dcb.lab.test", DNS_T_AAAA, DNSQ_NXDOMAIN, 3, 1, 0);
	assert_int_equal(locate_addr_verdict(&rs, "dcb.lab.test", &a, &aaaa, d, sizeof(d)), CAND_NOADDR);
	assert_string_equal(d, "DNS A/AAAA for dcb.lab.test: no such name (NXDOMAIN from 198.18.0.10)");
}

static void an_address_in_either_answer_is_taken(void **state)
{
	struct resolver rs;
	struct dns_query a, aaaa;
	struct dns_reply *rep = calloc(1, sizeof(*rep));
	char d[320] = "";
	(void)state;

	assert_non_null(rep);
	lab_resolver(&rs);
	strcpy(rep->addr[0].name, "dcb.lab.test");
	rep->addr[0].family = AF_INET;
	memcpy(rep->addr[0].addr, "\xc6\x12\x00\x8c", 4);
	rep->n_addr = 1;
	query(&a, "dcb.lab.test", DNS_T_A, DNSQ_OK, 1, 0, 0);
	a.reply = rep;
	query(&aaaa, "dcb.lab.test", DNS_T_AAAA, DNSQ_TIMEOUT, 1, -1, 1);
	assert_int_equal(locate_addr_verdict(&rs, "dcb.lab.test", &a, &aaaa, d, sizeof(d)), CAND_PENDING);
	/* an A record of another name (additional data) is not this name's address */
	strcpy(rep->addr[0].name, "dc1.lab.test");
	assert_int_equal(locate_addr_verdict(&rs, "dcb.lab.test", &a, &aaaa, d, sizeof(d)), CAND_DNS_TIMEOUT);
	free(rep);
}

/* ---- does this answer still matter? (issue 11: waiting under packet loss) ---- */

/* A DC that has not answered can beat the one that has only through the site SRV list, closeness or priority. */
static void only_a_dc_that_could_be_chosen_is_waited_for(void **state)
{
	struct dc_cand best, c;
	(void)state;

	/* the lab: dcb (Branch, closest) answered; dc1 (same SRV list and priority) cannot beat it */
	set(&best, "dcb.lab.test", BASE_FLAGS | DS_CLOSEST_FLAG, "Branch", "Branch", 1000);
	memset(&c, 0, sizeof(c));
	strcpy(c.name, "dc1.lab.test");
	assert_false(locate_may_beat(&c, &best));
	/* ... unless it is listed under the site SRV name and the best is not */
	c.from_site_srv = 1;
	assert_true(locate_may_beat(&c, &best));
	best.from_site_srv = 1;
	assert_false(locate_may_beat(&c, &best));
	/* the other way round: a best from the site list is never beaten by a generic-only DC */
	c.from_site_srv = 0;
	c.srv_priority = 0;
	best.srv_priority = 10;
	assert_false(locate_may_beat(&c, &best));
	/* same list: a better (lower) SRV priority wins, an equal or worse one does not */
	best.from_site_srv = 0;
	assert_true(locate_may_beat(&c, &best));
	c.srv_priority = 10;
	assert_false(locate_may_beat(&c, &best));
	c.srv_priority = 20;
	assert_false(locate_may_beat(&c, &best));
	/* the best is not in the client's site: anyone may be, so everyone matters */
	set(&best, "dc1.lab.test", BASE_FLAGS, "Default-First-Site-Name", "Branch", 1000);
	memset(&c, 0, sizeof(c));
	c.srv_priority = 20;
	assert_true(locate_may_beat(&c, &best));
	/* no best yet: everyone matters */
	assert_true(locate_may_beat(&c, NULL));
	/* consistency with the choice itself: when may_beat says no, locate_choose keeps the best
	 * whatever the other DC answers (closest or not, faster or not) */
	{
		struct dc_cand two[2];
		const char *sites[2] = { "Branch", "Default-First-Site-Name" };
		for (int s = 0; s < 2; s++) {
			for (uint64_t rtt = 1; rtt <= 100000; rtt *= 100) {
				set(&two[0], "dcb.lab.test", BASE_FLAGS | DS_CLOSEST_FLAG, "Branch", "Branch", 1000);
				set(&two[1], "dc1.lab.test", BASE_FLAGS | (s == 0 ? DS_CLOSEST_FLAG : 0), sites[s], "Branch", rtt);
				two[1].srv_priority = 10;
				two[0].srv_priority = 10;
				assert_false(locate_may_beat(&two[1], &two[0]));
				/* among equals the RTT decides only within the short grace; a worse priority never wins */
				two[1].srv_priority = 11;
				assert_int_equal(locate_choose(two, 2, 0), 0);
			}
		}
	}
}

static struct dns_reply *srv_reply(int with_addrs)
{
	struct dns_reply *rep = calloc(1, sizeof(*rep));

	assert_non_null(rep);
	rep->n_srv = 2;
	strcpy(rep->srv[0].target, "dc1.lab.test");
	strcpy(rep->srv[1].target, "dcb.lab.test");
	if (with_addrs) {
		strcpy(rep->addr[0].name, "dc1.lab.test");
		rep->addr[0].family = AF_INET;
		memcpy(rep->addr[0].addr, "\xc6\x12\x00\x0a", 4);
		strcpy(rep->addr[1].name, "dcb.lab.test");
		rep->addr[1].family = AF_INET;
		memcpy(rep->addr[1].addr, "\xc6\x12\x00\x8c", 4);
		rep->n_addr = 2;
	}
	return rep;
}

static struct dns_reply *a_reply(const char *name)
{
	struct dns_reply *rep = calloc(1, sizeof(*rep));

	assert_non_null(rep);
	strcpy(rep->addr[0].name, name);
	rep->addr[0].family = AF_INET;
	memcpy(rep->addr[0].addr, "\xc6\x12\x00\x8c", 4);
	rep->n_addr = 1;
	return rep;
}

/*
 * The first DNS round: SRV [generic], A and AAAA of the domain.  The case: A and SRV
 * answered, the AAAA did not - it must not be waited for.
 */
static void the_domain_aaaa_is_not_waited_for_once_a_and_srv_answered(void **state)
{
	struct dns_query q[4];
	struct dns_reply *srv = srv_reply(0), *srv_addr = srv_reply(1), *a = a_reply("lab.test");
	(void)state;

	query(&q[0], "_ldap._tcp.dc._msdcs.lab.test", DNS_T_SRV, DNSQ_PENDING, 1, -1, 0);
	query(&q[1], "lab.test", DNS_T_A, DNSQ_PENDING, 1, -1, 0);
	query(&q[2], "lab.test", DNS_T_AAAA, DNSQ_PENDING, 1, -1, 0);
	assert_false(locate_srv_round_enough(q, 1, 3, "lab.test"));
	/* the A came, the SRV did not: the SRV decides the candidates, always waited for */
	q[1].status = DNSQ_OK;
	q[1].reply = a;
	assert_false(locate_srv_round_enough(q, 1, 3, "lab.test"));
	/* SRV (without addresses, as Samba sends it) and A answered: the AAAA cannot change anything */
	q[0].status = DNSQ_OK;
	q[0].reply = srv;
	assert_true(locate_srv_round_enough(q, 1, 3, "lab.test"));
	/* ... but with the A still pending, it is waited for (the early pings need it) */
	q[1].status = DNSQ_PENDING;
	q[1].reply = NULL;
	assert_false(locate_srv_round_enough(q, 1, 3, "lab.test"));
	/* an A answer without an address (no data): the AAAA may still give the addresses */
	q[1].status = DNSQ_NODATA;
	assert_false(locate_srv_round_enough(q, 1, 3, "lab.test"));
	q[2].status = DNSQ_NODATA;
	assert_true(locate_srv_round_enough(q, 1, 3, "lab.test"));
	/* an A record of another name is no address of the domain */
	q[1].status = DNSQ_OK;
	q[1].reply = a_reply("dcb.lab.test");
	q[2].status = DNSQ_PENDING;
	assert_false(locate_srv_round_enough(q, 1, 3, "lab.test"));
	free(q[1].reply);
	/* the SRV answer brought every target's address: the domain's A/AAAA are moot */
	q[0].reply = srv_addr;
	q[1].status = DNSQ_PENDING;
	q[1].reply = NULL;
	assert_true(locate_srv_round_enough(q, 1, 3, "lab.test"));
	/* ... but not when one target came without its address */
	srv_addr->n_addr = 1;
	assert_false(locate_srv_round_enough(q, 1, 3, "lab.test"));
	/* no SRV record at all: discovery fails whatever the A says */
	q[0].status = DNSQ_NXDOMAIN;
	q[0].reply = NULL;
	assert_true(locate_srv_round_enough(q, 1, 3, "lab.test"));
	/* with --site: both SRV names are waited for, the site one and the generic one */
	query(&q[0], "_ldap._tcp.Branch._sites.dc._msdcs.lab.test", DNS_T_SRV, DNSQ_OK, 1, 0, 0);
	q[0].reply = srv;
	query(&q[1], "_ldap._tcp.dc._msdcs.lab.test", DNS_T_SRV, DNSQ_PENDING, 1, -1, 0);
	query(&q[2], "lab.test", DNS_T_A, DNSQ_OK, 1, 0, 0);
	q[2].reply = a;
	query(&q[3], "lab.test", DNS_T_AAAA, DNSQ_PENDING, 1, -1, 0);
	assert_false(locate_srv_round_enough(q, 2, 4, "lab.test"));
	q[1].status = DNSQ_NODATA;
	assert_true(locate_srv_round_enough(q, 2, 4, "lab.test"));
	/* a round of SRV names only (the client-site round): done when they are */
	assert_true(locate_srv_round_enough(q, 2, 2, "lab.test"));
	free(srv);
	free(srv_addr);
	free(a);
}

/* One name's A and AAAA: an IPv4 address is what is taken, so it makes the AAAA moot; not the other way. */
static void a_name_aaaa_is_moot_once_its_a_gave_an_address(void **state)
{
	struct dns_query a, aaaa;
	struct dns_reply *rep = a_reply("dcb.lab.test");
	(void)state;

	query(&a, "dcb.lab.test", DNS_T_A, DNSQ_PENDING, 1, -1, 0);
	query(&aaaa, "dcb.lab.test", DNS_T_AAAA, DNSQ_PENDING, 1, -1, 0);
	assert_false(locate_addr_enough(&a, &aaaa, "dcb.lab.test"));
	a.status = DNSQ_OK;
	a.reply = rep;
	assert_true(locate_addr_enough(&a, &aaaa, "dcb.lab.test"));
	/* the AAAA answered first: the A may still bring the IPv4 address that would be taken */
	query(&a, "dcb.lab.test", DNS_T_A, DNSQ_PENDING, 1, -1, 0);
	aaaa.status = DNSQ_OK;
	assert_false(locate_addr_enough(&a, &aaaa, "dcb.lab.test"));
	/* A says "no such record": the AAAA decides */
	query(&a, "dcb.lab.test", DNS_T_A, DNSQ_NODATA, 1, 0, 0);
	aaaa.status = DNSQ_PENDING;
	assert_false(locate_addr_enough(&a, &aaaa, "dcb.lab.test"));
	aaaa.status = DNSQ_TIMEOUT;
	assert_true(locate_addr_enough(&a, &aaaa, "dcb.lab.test"));
	/* an A of another name (an alias not followed) is not this name's address */
	strcpy(rep->addr[0].name, "other.lab.test");
	query(&a, "dcb.lab.test", DNS_T_A, DNSQ_OK, 1, 0, 0);
	a.reply = rep;
	aaaa.status = DNSQ_PENDING;
	assert_false(locate_addr_enough(&a, &aaaa, "dcb.lab.test"));
	assert_string_equal(cand_status_str(CAND_SKIPPED), "skipped");
	free(rep);
}

/* A silent port is "filtered" only after a real wait; with no time at all it was not probed. */
static void silence_is_filtered_only_after_a_real_wait(void **state)
{
	(void)state;
	assert_int_equal(probe_silent_status(0, 0), PROBE_NOT_PROBED);
	assert_int_equal(probe_silent_status(0, 5000), PROBE_NOT_PROBED);
	assert_int_equal(probe_silent_status(1, 0), PROBE_INCONCLUSIVE);
	assert_int_equal(probe_silent_status(1, PROBE_MIN_SILENCE_MS - 1), PROBE_INCONCLUSIVE);
	assert_int_equal(probe_silent_status(1, PROBE_MIN_SILENCE_MS), PROBE_FILTERED);
	assert_true(probe_status_unknown(PROBE_NOT_PROBED));
	assert_true(probe_status_unknown(PROBE_INCONCLUSIVE));
	assert_false(probe_status_unknown(PROBE_FILTERED));
	assert_false(probe_status_unknown(PROBE_OPEN));
	assert_string_equal(probe_status_str(PROBE_NOT_PROBED), "not_probed");
	assert_string_equal(probe_status_str(PROBE_INCONCLUSIVE), "inconclusive");
}

/* DNS is required on the client's own resolver and on a DC that serves the domain's zone; optional otherwise. */
static void dns_is_required_on_a_resolver_dc(void **state)
{
	struct dc_cand c;
	struct dc_probe p;
	(void)state;

	set(&c, "dcb.lab.test", BASE_FLAGS | DS_GC_FLAG, "Branch", "Branch", 100); /* Samba: no DS_DNS flag */
	memset(&p, 0, sizeof(p));
	p.cand = &c;
	probe_mark_required(&p);
	assert_false(p.svc[SVC_DNS].required);
	assert_false(p.svc[SVC_DNS_UDP].required);
	p.client_resolver = 1;
	probe_mark_required(&p);
	assert_true(p.svc[SVC_DNS].required);
	assert_true(p.svc[SVC_DNS_UDP].required);
	assert_non_null(strstr(p.svc[SVC_DNS].required_why, "resolv.conf"));
	p.client_resolver = 0;
	/* DS_DNS_CONTROLLER_FLAG says the DC's name is a DNS name, not that it serves DNS */
	c.info.server_flags |= DS_DNS_CONTROLLER_FLAG;
	probe_mark_required(&p);
	assert_false(p.svc[SVC_DNS].required);
	/* a DC that answered our SOA query authoritatively serves the zone */
	p.dns_authoritative = 1;
	probe_mark_required(&p);
	assert_true(p.svc[SVC_DNS].required);
	assert_true(p.svc[SVC_DNS_UDP].required);
	assert_non_null(strstr(p.svc[SVC_DNS].required_why, "zone"));
	assert_true(p.svc[SVC_KRB_TCP].required);
	assert_false(p.svc[SVC_LDAPS].required);
}

/* A connect the deadline left no time for is "not tried", never a timeout of the peer. */
static void a_connect_with_no_time_left_is_not_tried(void **state)
{
	struct nlt_addr a;
	int st = XP_OK;
	(void)state;

	assert_int_equal(nlt_addr_parse(&a, "127.0.0.1", 9), 0);
	assert_int_equal(xp_tcp_connect(&a, nlt_now_ms(), &st), -1);
	assert_int_equal(st, XP_NOTIME);
	assert_non_null(strstr(xp_status_str(st), "not tried: the deadline had run out"));
	assert_null(strstr(xp_status_str(st), "timeout"));
	/* with time left, the same port is tried (and refused: nothing listens on 127.0.0.1:9) */
	assert_int_equal(xp_tcp_connect(&a, nlt_now_ms() + 1000, &st), -1);
	assert_int_equal(st, XP_REFUSED);
}

/* ping's split of --timeout between discovery and the port window */
static void the_port_window_is_reserved_up_front(void **state)
{
	(void)state;
	/* --timeout 3: discovery 1.8 s, ports 1.2 s (enough to call a silent port filtered) */
	assert_int_equal(probe_discovery_deadline(1000, 4000), 2800);
	/* --timeout 2: half each */
	assert_int_equal(probe_discovery_deadline(1000, 3000), 2000);
	/* --timeout 1: half each (too short to call anything filtered: inconclusive) */
	assert_int_equal(probe_discovery_deadline(1000, 2000), 1500);
	/* --timeout 10 (the default): discovery 3 s, the ports keep their 3 s window */
	assert_int_equal(probe_discovery_deadline(1000, 11000), 4000);
	/* --timeout 5: discovery at most 3 s, the ports get the other 2 s */
	assert_int_equal(probe_discovery_deadline(1000, 6000), 4000);
	/* --timeout 4: a third (1.33 s) for the ports */
	assert_int_equal(probe_discovery_deadline(1000, 5000), 1000 + 4000 - 1333);
	/* no time at all */
	assert_int_equal(probe_discovery_deadline(1000, 1000), 1000);
	assert_int_equal(probe_discovery_deadline(1000, 500), 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(closest_means_flag_or_same_site_or_no_client_site),
		cmocka_unit_test(chooses_the_client_site_dc_over_a_faster_remote_one),
		cmocka_unit_test(required_flags_exclude_dcs_without_them),
		cmocka_unit_test(failed_or_wrong_opcode_candidates_are_never_chosen),
		cmocka_unit_test(among_equals_srv_priority_then_rtt_decides),
		cmocka_unit_test(site_srv_members_win_over_closeness_and_speed),
		cmocka_unit_test(srv_names_follow_ms_adts),
		cmocka_unit_test(dns_timeouts_are_not_missing_records),
		cmocka_unit_test(an_address_in_either_answer_is_taken),
		cmocka_unit_test(silence_is_filtered_only_after_a_real_wait),
		cmocka_unit_test(dns_is_required_on_a_resolver_dc),
		cmocka_unit_test(a_connect_with_no_time_left_is_not_tried),
		cmocka_unit_test(the_port_window_is_reserved_up_front),
		cmocka_unit_test(only_a_dc_that_could_be_chosen_is_waited_for),
		cmocka_unit_test(the_domain_aaaa_is_not_waited_for_once_a_and_srv_answered),
		cmocka_unit_test(a_name_aaaa_is_moot_once_its_a_gave_an_address),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
