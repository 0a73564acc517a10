/*
 * src/cli/cmd_ping.c - nltrust ping [DOMAIN | -S DC]: every DC's service ports,
 * CLDAP, Kerberos and clock, concurrently, with a diagnosis per problem.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmds.h"
#include "locate.h"
#include "output.h"
#include "probe.h"

#define MAX_PROBLEMS 64
#define NOT_A_DC ((size_t)-1)

/* problems: checks that ran and failed (exit 1); unknowns: checks that did not run to a verdict */
struct problems {
	size_t n;
	char line[MAX_PROBLEMS][256];
	size_t dc_of[MAX_PROBLEMS];
	size_t n_unknown;
	char unknown[MAX_PROBLEMS][256];
	size_t unknown_dc[MAX_PROBLEMS];
};

static const char *dc_name(const struct dc_cand *c)
{
	return c->status == CAND_OK && c->info.dc_dns_name[0] ? c->info.dc_dns_name : c->name;
}

static void add_problem(struct problems *pb, size_t dc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void add_problem(struct problems *pb, size_t dc, const char *fmt, ...)
{
	va_list ap;

	if (pb->n >= MAX_PROBLEMS)
		return;
	va_start(ap, fmt);
	vsnprintf(pb->line[pb->n], sizeof(pb->line[0]), fmt, ap);
	va_end(ap);
	pb->dc_of[pb->n++] = dc;
}

static void add_unknown(struct problems *pb, size_t dc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void add_unknown(struct problems *pb, size_t dc, const char *fmt, ...)
{
	va_list ap;

	if (pb->n_unknown >= MAX_PROBLEMS)
		return;
	va_start(ap, fmt);
	vsnprintf(pb->unknown[pb->n_unknown], sizeof(pb->unknown[0]), fmt, ap);
	va_end(ap);
	pb->unknown_dc[pb->n_unknown++] = dc;
}

/* "ok", "problems" or "unknown" for DC i */
static const char *dc_verdict(const struct problems *pb, size_t i)
{
	for (size_t k = 0; k < pb->n; k++)
		if (pb->dc_of[k] == i)
			return "problems";
	for (size_t k = 0; k < pb->n_unknown; k++)
		if (pb->unknown_dc[k] == i)
			return "unknown";
	return "ok";
}

static const char *unknown_why(const struct svc_result *sv, char *buf, size_t len)
{
	if (sv->status == PROBE_NOT_PROBED)
		snprintf(buf, len, "not probed: the deadline ran out");
	else
		snprintf(buf, len, "no answer within %llu ms, too short to call it filtered (the deadline ran out)",
			 (unsigned long long)sv->waited_ms);
	return buf;
}

/* SRV targets that never got an address: DNS said none (a problem) or did not answer (unknown). */
static void diagnose_unresolved(const struct locate_result *res, struct problems *pb)
{
	for (size_t i = 0; i < res->n; i++) {
		const struct dc_cand *c = &res->cands[i];
		if (c->have_addr)
			continue;
		if (c->status == CAND_NOADDR)
			add_problem(pb, NOT_A_DC, "%s is listed in DNS SRV but has no address: %s", c->name, c->detail);
		else
			add_unknown(pb, NOT_A_DC, "%s was not probed: its address is unknown: %s", c->name, c->detail);
	}
}

/* One line per problem: what is unreachable, where, and what that breaks. */
static void diagnose(const struct dc_probe *p, size_t n, struct problems *pb)
{
	for (size_t i = 0; i < n; i++) {
		const struct dc_probe *d = &p[i];
		int open = 0, unknown = 0;
		char why[128];

		for (int s = 0; s < SVC__COUNT; s++) {
			open += d->svc[s].status == PROBE_OPEN;
			unknown += probe_status_unknown(d->svc[s].status);
		}
		if (!open && !unknown) {
			add_problem(pb, i, "%s is not reachable at all (%s): nothing that uses this DC will work",
				    dc_name(d->cand), probe_status_str(d->svc[SVC_LDAP].status));
			continue;
		}
		if (!open) {
			/* some ports failed, the others were not waited for: whether the DC is down is not known */
			uint64_t waited = 0;
			for (int s = 0; s < SVC__COUNT; s++)
				if (probe_status_unknown(d->svc[s].status) && d->svc[s].waited_ms > waited)
					waited = d->svc[s].waited_ms;
			add_unknown(pb, i, "%s: no answer from any of its services within %llu ms, too short to tell whether it "
				    "is down (%d port(s) not probed long enough; the deadline ran out)", dc_name(d->cand),
				    (unsigned long long)waited, unknown);
			continue;
		}
		for (int s = 0; s < SVC__COUNT; s++) {
			const struct svc_result *sv = &d->svc[s];
			if (sv->status == PROBE_OPEN || !sv->required)
				continue;
			if (probe_status_unknown(sv->status)) {
				add_unknown(pb, i, "%s %u/%s on %s: %s", svc_defs[s].label, svc_defs[s].port,
					    svc_defs[s].udp ? "udp" : "tcp", dc_name(d->cand), unknown_why(sv, why, sizeof(why)));
				continue;
			}
			add_problem(pb, i, "%s %u/%s on %s is %s: %s%s%s%s", svc_defs[s].label, svc_defs[s].port,
				    svc_defs[s].udp ? "udp" : "tcp", dc_name(d->cand),
				    sv->status == PROBE_ERROR && s == SVC_CLDAP ? "answering with malformed replies"
										: probe_status_str(sv->status),
				    svc_defs[s].impact, sv->required_why ? " (required: " : "",
				    sv->required_why ? sv->required_why : "", sv->required_why ? ")" : "");
		}
		if (d->have_clock && llabs(d->skew_ms) > PROBE_MAX_SKEW_MS)
			add_problem(pb, i, "clock of %s differs from ours by %+.0f s (more than 5 minutes): Kerberos with this DC will fail",
				    dc_name(d->cand), d->skew_ms / 1000.0);
	}
}

static void print_text(const struct dc_probe *p, size_t n, const struct problems *pb)
{
	char ab[64], tb[32];

	for (size_t i = 0; i < n; i++) {
		const struct dc_probe *d = &p[i];
		printf("%s%s (%s)%s%s\n", i ? "\n" : "", dc_name(d->cand), nlt_addr_str(&d->cand->addr, ab, sizeof(ab)),
		       d->cand->status == CAND_OK ? ", site " : "", d->cand->status == CAND_OK ? d->cand->info.dc_site : "");
		printf("  %-24s %-9s %-12s %s\n", "SERVICE", "PORT", "STATUS", "LATENCY");
		for (int s = 0; s < SVC__COUNT; s++) {
			const struct svc_result *sv = &d->svc[s];
			char port[16], lat[24] = "-";
			snprintf(port, sizeof(port), "%u/%s", svc_defs[s].port, svc_defs[s].udp ? "udp" : "tcp");
			if (sv->status == PROBE_OPEN || sv->status == PROBE_REFUSED)
				snprintf(lat, sizeof(lat), "%.1f ms", sv->latency_us / 1000.0);
			printf("  %-24s %-9s %-12s %s%s%s%s\n", svc_defs[s].label, port, probe_status_str(sv->status), lat,
			       !sv->required ? "  (optional)" : sv->required_why ? "  (required: " : "",
			       sv->required && sv->required_why ? sv->required_why : "", sv->required && sv->required_why ? ")" : "");
		}
		if (d->have_clock)
			printf("  clock: %+.3f s against our clock (DC time %s, from %s)\n", d->skew_ms / 1000.0,
			       nlt_iso8601(d->dc_time, tb, sizeof(tb)), d->clock_source);
		else
			printf("  clock: unknown (%s)\n", d->clock_detail);
	}
	if (pb->n) {
		printf("\nProblems:\n");
		for (size_t k = 0; k < pb->n; k++) {
			printf("  ");
			out_wrap(stdout, pb->line[k], 2, 4, 100);
		}
	}
	if (pb->n_unknown) {
		printf("\nNot checked (the deadline ran out; the verdict is unknown, not broken):\n");
		for (size_t k = 0; k < pb->n_unknown; k++) {
			printf("  ");
			out_wrap(stdout, pb->unknown[k], 2, 4, 100);
		}
	}
	if (!pb->n && !pb->n_unknown)
		printf("\nAll required services of %zu DC(s) are reachable.\n", n);
	else if (!pb->n)
		printf("\nInconclusive: no problem found, but %zu required check(s) did not finish.\n", pb->n_unknown);
}

static void print_json(const char *domain, const struct locate_result *res, const struct dc_probe *p, size_t n,
		       const struct problems *pb)
{
	struct json_object *o = json_object_new_object(), *dcs = json_object_new_array(), *all = json_object_new_array();
	char ab[64], tb[32];

	json_object_object_add(o, "domain", domain && *domain ? json_object_new_string(domain) : NULL);
	for (size_t i = 0; i < n; i++) {
		const struct dc_probe *d = &p[i];
		struct json_object *dc = json_object_new_object(), *svcs = json_object_new_array(), *probs = json_object_new_array();

		json_object_object_add(dc, "name", json_object_new_string(dc_name(d->cand)));
		json_object_object_add(dc, "address", json_object_new_string(nlt_addr_str(&d->cand->addr, ab, sizeof(ab))));
		json_object_object_add(dc, "site", d->cand->status == CAND_OK ? json_object_new_string(d->cand->info.dc_site) : NULL);
		json_object_object_add(dc, "flags", d->cand->status == CAND_OK ? out_flags_json(d->cand->info.server_flags) : NULL);
		for (int s = 0; s < SVC__COUNT; s++) {
			const struct svc_result *sv = &d->svc[s];
			struct json_object *so = json_object_new_object();
			json_object_object_add(so, "service", json_object_new_string(svc_defs[s].key));
			json_object_object_add(so, "port", json_object_new_int(svc_defs[s].port));
			json_object_object_add(so, "protocol", json_object_new_string(svc_defs[s].udp ? "udp" : "tcp"));
			json_object_object_add(so, "status", json_object_new_string(probe_status_str(sv->status)));
			json_object_object_add(so, "latency_ms", sv->status == PROBE_OPEN || sv->status == PROBE_REFUSED
									 ? out_ms_json(sv->latency_us) : NULL);
			json_object_object_add(so, "required", json_object_new_boolean(sv->required));
			if (sv->required && sv->required_why)
				json_object_object_add(so, "required_because", json_object_new_string(sv->required_why));
			if (sv->status == PROBE_FILTERED || probe_status_unknown(sv->status))
				json_object_object_add(so, "waited_ms", json_object_new_int64((int64_t)sv->waited_ms));
			json_object_array_add(svcs, so);
		}
		json_object_object_add(dc, "services", svcs);
		if (d->have_clock) {
			struct json_object *ck = json_object_new_object();
			json_object_object_add(ck, "skew_ms", json_object_new_int64(d->skew_ms));
			json_object_object_add(ck, "dc_time", json_object_new_string(nlt_iso8601(d->dc_time, tb, sizeof(tb))));
			json_object_object_add(ck, "source", json_object_new_string(d->clock_source));
			json_object_object_add(ck, "ok", json_object_new_boolean(llabs(d->skew_ms) <= PROBE_MAX_SKEW_MS));
			json_object_object_add(dc, "clock", ck);
		} else {
			json_object_object_add(dc, "clock", NULL);
		}
		for (size_t k = 0; k < pb->n; k++)
			if (pb->dc_of[k] == i)
				json_object_array_add(probs, out_finding_json("problem", pb->line[k], dc_name(d->cand)));
		json_object_object_add(dc, "problems", probs);
		probs = json_object_new_array();
		for (size_t k = 0; k < pb->n_unknown; k++)
			if (pb->unknown_dc[k] == i)
				json_object_array_add(probs, out_finding_json("could_not_check", pb->unknown[k], dc_name(d->cand)));
		json_object_object_add(dc, "could_not_check", probs);
		json_object_object_add(dc, "verdict", json_object_new_string(dc_verdict(pb, i)));
		json_object_array_add(dcs, dc);
	}
	for (size_t k = 0; k < pb->n; k++)
		json_object_array_add(all, out_finding_json("problem", pb->line[k],
							    pb->dc_of[k] == NOT_A_DC ? NULL : dc_name(p[pb->dc_of[k]].cand)));
	json_object_object_add(o, "dcs", dcs);
	{
		struct json_object *un = json_object_new_array(), *ur = json_object_new_array();
		for (size_t i = 0; i < res->n; i++) {
			const struct dc_cand *c = &res->cands[i];
			struct json_object *co;
			if (c->have_addr)
				continue;
			co = json_object_new_object();
			json_object_object_add(co, "name", json_object_new_string(c->name));
			json_object_object_add(co, "status", json_object_new_string(cand_status_str(c->status)));
			json_object_object_add(co, "detail", json_object_new_string(c->detail));
			json_object_array_add(ur, co);
		}
		json_object_object_add(o, "unresolved", ur);
		json_object_object_add(o, "problems", all);
		for (size_t k = 0; k < pb->n_unknown; k++)
			json_object_array_add(un, out_finding_json("could_not_check", pb->unknown[k],
								   pb->unknown_dc[k] == NOT_A_DC ? NULL
												: dc_name(p[pb->unknown_dc[k]].cand)));
		json_object_object_add(o, "could_not_check", un);
	}
	json_object_object_add(o, "verdict", json_object_new_string(pb->n ? "problems" : pb->n_unknown ? "inconclusive" : "healthy"));
	/* never true unless every required check ran and passed; null when it is not known */
	json_object_object_add(o, "healthy", pb->n ? json_object_new_boolean(0) : pb->n_unknown ? NULL : json_object_new_boolean(1));
	out_json_doc(o);
}

/* The order DCs are listed in: the one discovery chose first, then by name, then by address. */
static const struct dc_cand *sort_chosen;
static int dc_order(const void *a, const void *b)
{
	const struct dc_probe *x = a, *y = b;
	int c;

	if ((x->cand == sort_chosen) != (y->cand == sort_chosen))
		return x->cand == sort_chosen ? -1 : 1;
	c = strcasecmp(dc_name(x->cand), dc_name(y->cand));
	if (c)
		return c;
	{
		char ax[64], ay[64];
		return strcmp(nlt_addr_str(&x->cand->addr, ax, sizeof(ax)), nlt_addr_str(&y->cand->addr, ay, sizeof(ay)));
	}
}

int cmd_ping(struct nlt_ctx *ctx, struct nlt_err *e)
{
	const struct nlt_req *req = ctx->req;
	struct locate_req lr = {
		.domain = ctx->domain[0] ? ctx->domain : NULL,
		.server = req->server,
		.site = req->site,
		.wait_all = 1,
		/* the port window is reserved up front (see probe_discovery_deadline) */
		.deadline_ms = probe_discovery_deadline(nlt_now_ms(), ctx->deadline_ms),
	};
	struct locate_result res;
	struct dc_probe *p = NULL;
	struct problems *pb = NULL;
	struct nlt_err lerr;
	size_t n = 0;
	int r = -1;

	nlt_clearerr(&lerr);
	(void)locate_dc(&lr, &ctx->rs, &res, &lerr);
	/* a DC that does not answer the LDAP ping is still worth probing; no DC at all is not */
	p = calloc(res.n + 1, sizeof(*p));
	pb = calloc(1, sizeof(*pb));
	if (!p || !pb) {
		nlt_seterr(e, NLT_EINTERNAL, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < res.n; i++) {
		if (!res.cands[i].have_addr)
			continue;
		p[n].cand = &res.cands[i];
		for (size_t k = 0; k < ctx->rs.n_ns && k < RESOLVER_MAX_NS; k++)
			if (nlt_addr_equal(&ctx->rs.ns[k], &res.cands[i].addr))
				p[n].client_resolver = 1;
		n++;
	}
	if (!n) {
		*e = lerr;
		if (e->cat == NLT_OK)
			nlt_seterr(e, NLT_ENODC, "no DC found");
		goto out; /* --json: main prints the document with the error */
	}
	sort_chosen = res.chosen >= 0 ? &res.cands[res.chosen] : NULL;
	qsort(p, n, sizeof(*p), dc_order);
	if (probe_dcs(p, n, res.domain[0] ? res.domain : ctx->domain, ctx->deadline_ms, e) < 0)
		goto out;
	diagnose(p, n, pb);
	diagnose_unresolved(&res, pb);
	if (req->json)
		print_json(res.domain[0] ? res.domain : ctx->domain, &res, p, n, pb);
	else if (!req->quiet)
		print_text(p, n, pb);
	if (pb->n) {
		nlt_seterr(e, NLT_EPROBLEM, "%zu problem(s) found; first: %s%s", pb->n, pb->line[0],
			   pb->n_unknown ? " (and some checks did not finish)" : "");
		goto out;
	}
	if (pb->n_unknown) {
		/* no problem seen, but not everything was seen: that is not "healthy" */
		nlt_seterr(e, NLT_ENODC, "inconclusive: %zu required check(s) did not finish before the deadline; first: %s",
			   pb->n_unknown, pb->unknown[0]);
		goto out;
	}
	r = 0;
out:
	locate_result_free(&res);
	free(p);
	free(pb);
	return r;
}
