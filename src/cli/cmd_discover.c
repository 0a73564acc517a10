/*
 * src/cli/cmd_discover.c - nltrust discover [DOMAIN]: find the DCs, ping them
 * all at once and choose one as DsGetDcName does.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "locate.h"
#include "netlogon.h"
#include "nrpc.h"
#include "output.h"
#include "target.h"

static struct json_object *cand_json(const struct dc_cand *c)
{
	struct json_object *o = json_object_new_object();
	char ab[64];

	json_object_object_add(o, "name", json_object_new_string(c->status == CAND_OK && c->info.dc_dns_name[0]
									? c->info.dc_dns_name : c->name));
	json_object_object_add(o, "srv_target", json_object_new_string(c->name));
	json_object_object_add(o, "address", c->have_addr ? json_object_new_string(nlt_addr_str(&c->addr, ab, sizeof(ab)))
							  : NULL);
	json_object_object_add(o, "status", json_object_new_string(cand_status_str(c->status)));
	json_object_object_add(o, "transport", c->transport && c->status != CAND_NOADDR
						       ? json_object_new_string(c->transport) : NULL);
	json_object_object_add(o, "rtt_ms", c->status == CAND_OK || c->status == CAND_MALFORMED ? out_ms_json(c->rtt_us) : NULL);
	json_object_object_add(o, "srv_priority", json_object_new_int(c->srv_priority));
	json_object_object_add(o, "srv_weight", json_object_new_int(c->srv_weight));
	if (c->status == CAND_OK) {
		json_object_object_add(o, "netbios_name", json_object_new_string(c->info.dc_netbios_name));
		json_object_object_add(o, "site", json_object_new_string(c->info.dc_site));
		json_object_object_add(o, "flags", out_flags_json(c->info.server_flags));
		json_object_object_add(o, "closest", json_object_new_boolean(locate_is_closest(&c->info)));
	} else {
		json_object_object_add(o, "site", NULL);
		json_object_object_add(o, "flags", NULL);
	}
	if (c->detail[0] && c->status != CAND_OK)
		json_object_object_add(o, "detail", json_object_new_string(c->detail));
	return o;
}

/* --via-dc: what the chosen DC answers to DsrGetDcNameEx2 */
struct via_dc {
	int asked, ok;
	char asked_dc[NL_NAME_MAX], asked_addr[64], asked_site[NL_NAME_MAX];
	struct nrpc_dc_info info;
	char error[400];
	uint64_t elapsed_us;
};

static uint32_t dsgetdc_flags(uint32_t need)
{
	uint32_t f = 0;

	if (need & DS_PDC_FLAG)
		f |= NL_DS_PDC_REQUIRED;
	if (need & DS_GC_FLAG)
		f |= NL_DS_GC_SERVER_REQUIRED;
	if (need & DS_KDC_FLAG)
		f |= NL_DS_KDC_REQUIRED;
	if (need & DS_WRITABLE_FLAG)
		f |= NL_DS_WRITABLE_REQUIRED;
	if (need & DS_TIMESERV_FLAG)
		f |= NL_DS_TIMESERV_REQUIRED;
	return f;
}

static struct json_object *via_json(const struct via_dc *vd)
{
	struct json_object *o;
	char gb[40];

	if (!vd->asked)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "asked", out_dc_json(vd->asked_dc, vd->asked_addr, vd->asked_site));
	if (!vd->ok) {
		json_object_object_add(o, "dc", NULL);
		json_object_object_add(o, "error", json_object_new_string(vd->error));
		return o;
	}
	json_object_object_add(o, "dc", out_dc_json(vd->info.dc_name, vd->info.dc_address, vd->info.dc_site_name));
	json_object_object_add(o, "error", NULL);
	json_object_object_add(o, "domain", json_object_new_string(vd->info.domain_name));
	json_object_object_add(o, "forest", json_object_new_string(vd->info.forest_name));
	json_object_object_add(o, "client_site", json_object_new_string(vd->info.client_site_name));
	json_object_object_add(o, "flags", out_flags_json(vd->info.flags));
	{
		uint8_t g[16];
		g[0] = (uint8_t)vd->info.domain_guid.d1;
		g[1] = (uint8_t)(vd->info.domain_guid.d1 >> 8);
		g[2] = (uint8_t)(vd->info.domain_guid.d1 >> 16);
		g[3] = (uint8_t)(vd->info.domain_guid.d1 >> 24);
		g[4] = (uint8_t)vd->info.domain_guid.d2;
		g[5] = (uint8_t)(vd->info.domain_guid.d2 >> 8);
		g[6] = (uint8_t)vd->info.domain_guid.d3;
		g[7] = (uint8_t)(vd->info.domain_guid.d3 >> 8);
		memcpy(g + 8, vd->info.domain_guid.d4, 8);
		json_object_object_add(o, "domain_guid", json_object_new_string(out_guid_str(g, gb, sizeof(gb))));
	}
	json_object_object_add(o, "elapsed_ms", out_ms_json(vd->elapsed_us));
	return o;
}

static void print_json(const struct locate_result *res, const struct via_dc *vd)
{
	struct json_object *o = json_object_new_object(), *cands = json_object_new_array();
	const struct dc_cand *ch = res->chosen >= 0 ? &res->cands[res->chosen] : NULL;
	char gb[40];

	json_object_object_add(o, "domain", json_object_new_string(ch ? ch->info.dns_domain : res->domain));
	json_object_object_add(o, "forest", ch ? json_object_new_string(ch->info.forest) : NULL);
	json_object_object_add(o, "netbios_domain", ch ? json_object_new_string(ch->info.netbios_domain) : NULL);
	json_object_object_add(o, "domain_guid", ch ? json_object_new_string(out_guid_str(ch->info.domain_guid, gb, sizeof(gb))) : NULL);
	json_object_object_add(o, "client_site", res->client_site[0] ? json_object_new_string(res->client_site) : NULL);
	if (ch) {
		char ab[64];
		struct json_object *dc = out_dc_json(ch->info.dc_dns_name, nlt_addr_str(&ch->addr, ab, sizeof(ab)), ch->info.dc_site);
		json_object_object_add(dc, "netbios_name", json_object_new_string(ch->info.dc_netbios_name));
		json_object_object_add(dc, "flags", out_flags_json(ch->info.server_flags));
		json_object_object_add(dc, "rtt_ms", out_ms_json(ch->rtt_us));
		json_object_object_add(dc, "transport", json_object_new_string(ch->transport));
		json_object_object_add(o, "dc", dc);
	} else {
		json_object_object_add(o, "dc", NULL);
	}
	for (size_t i = 0; i < res->n; i++)
		json_object_array_add(cands, cand_json(&res->cands[i]));
	json_object_object_add(o, "candidates", cands);
	json_object_object_add(o, "srv_name", res->srv_name[0] ? json_object_new_string(res->srv_name) : NULL);
	json_object_object_add(o, "ping_rounds", json_object_new_int(res->rounds));
	json_object_object_add(o, "elapsed_ms", out_ms_json(res->elapsed_us));
	if (vd->asked)
		json_object_object_add(o, "via_dc", via_json(vd));
	out_json_doc(o); /* main adds "command" and "error" */
}

/* Names, sites and details come from DNS, CLDAP and Netlogon replies: printed through out_safe(). */
#define SAFE_NAME OUT_SAFE_SIZE(NRPC_NAME_MAX)
static void print_text(const struct locate_result *res, const struct via_dc *vd)
{
	const struct dc_cand *ch = res->chosen >= 0 ? &res->cands[res->chosen] : NULL;
	char fb[512], gb[40], ab[64];
	char s1[SAFE_NAME], s2[SAFE_NAME], s3[SAFE_NAME], s4[SAFE_NAME], s5[OUT_SAFE_SIZE(sizeof(vd->error))];

	if (ch) {
		const struct nl_samlogon_ex *in = &ch->info;
		printf("Domain:       %s (%s), forest %s\n", out_safe(in->dns_domain, s1, sizeof(s1)),
		       out_safe(in->netbios_domain, s2, sizeof(s2)), out_safe(in->forest, s3, sizeof(s3)));
		printf("Domain GUID:  %s\n", out_guid_str(in->domain_guid, gb, sizeof(gb)));
		printf("Client site:  %s\n", res->client_site[0] ? out_safe(res->client_site, s1, sizeof(s1))
							     : "(none: no subnet maps this client to a site)");
		printf("DC:           %s (%s) %s, site %s, %.1f ms over %s\n", out_safe(in->dc_dns_name, s1, sizeof(s1)),
		       out_safe(in->dc_netbios_name, s2, sizeof(s2)), nlt_addr_str(&ch->addr, ab, sizeof(ab)),
		       out_safe(in->dc_site, s3, sizeof(s3)), ch->rtt_us / 1000.0, ch->transport);
		printf("Flags:        %s\n\n", out_flags_str(in->server_flags, fb, sizeof(fb)));
	}
	/* columns as wide as their longest value; flags only with -v (on a line of their own), and a failed
	 * candidate's detail on the line below it, so the table fits 100 columns with real names */
	{
		int wn = 9, wa = 7, ws = 4;
		for (size_t i = 0; i < res->n; i++) {
			const struct dc_cand *c = &res->cands[i];
			int l = (int)strlen(out_safe(c->status == CAND_OK ? c->info.dc_dns_name : c->name, s1, sizeof(s1)));
			wn = l > wn ? l : wn;
			l = c->have_addr ? (int)strlen(nlt_addr_str(&c->addr, ab, sizeof(ab))) : 1;
			wa = l > wa ? l : wa;
			l = c->status == CAND_OK ? (int)strlen(out_safe(c->info.dc_site, s2, sizeof(s2))) : 1;
			ws = l > ws ? l : ws;
		}
		printf("%-*s  %-*s  %-*s  %7s  %s\n", wn, "CANDIDATE", wa, "ADDRESS", ws, "SITE", "RTT(ms)", "STATUS");
		for (size_t i = 0; i < res->n; i++) {
			const struct dc_cand *c = &res->cands[i];
			char rtt[16] = "-";
			if (c->status == CAND_OK || c->status == CAND_MALFORMED)
				snprintf(rtt, sizeof(rtt), "%.1f", c->rtt_us / 1000.0);
			printf("%-*s  %-*s  %-*s  %7s  %s%s\n", wn,
			       out_safe(c->status == CAND_OK ? c->info.dc_dns_name : c->name, s1, sizeof(s1)), wa,
			       c->have_addr ? nlt_addr_str(&c->addr, ab, sizeof(ab)) : "-", ws,
			       c->status == CAND_OK ? out_safe(c->info.dc_site, s2, sizeof(s2)) : "-", rtt,
			       cand_status_str(c->status), (int)i == res->chosen ? "  <- chosen" : "");
			if (c->status != CAND_OK && c->detail[0]) {
				printf("    ");
				out_wrap(stdout, out_safe(c->detail, s5, sizeof(s5)), 4, 4, 100);
			} else if (c->status == CAND_OK && nlt_verbose)
				printf("    flags: %s\n", out_flags_str(c->info.server_flags, fb, sizeof(fb)));
		}
	}
	if (vd->asked) {
		out_safe(vd->asked_dc, s1, sizeof(s1));
		if (vd->ok)
			printf("\nAsked %s over Netlogon (DsrGetDcNameEx2, %.1f ms): it would choose %s (%s), site %s; client "
			       "site %s\n", s1, vd->elapsed_us / 1000.0, out_safe(vd->info.dc_name, s2, sizeof(s2)),
			       out_safe(vd->info.dc_address, s3, sizeof(s3)),
			       vd->info.dc_site_name[0] ? out_safe(vd->info.dc_site_name, s4, sizeof(s4)) : "-",
			       vd->info.client_site_name[0] ? out_safe(vd->info.client_site_name, s5, sizeof(s5)) : "-");
		else
			printf("\nAsked %s over Netlogon: %s\n", s1, out_safe(vd->error, s5, sizeof(s5)));
	}
}

/* discover --target HOST: which DC the member itself finds (DsrGetDcNameEx2 over its \PIPE\netlogon) */
static int discover_target(struct nlt_ctx *ctx, struct nlt_err *e)
{
	const struct nlt_req *req = ctx->req;
	struct target t;
	struct via_dc vd;
	char b1[SAFE_NAME], b2[SAFE_NAME], b3[SAFE_NAME];
	uint64_t t0 = nlt_now_us();
	int r;

	memset(&vd, 0, sizeof(vd));
	if (target_open(&t, ctx, req->target, e) < 0)
		return -1;
	vd.asked = 1;
	nlt_strlcpy(vd.asked_dc, t.host, sizeof(vd.asked_dc));
	nlt_strlcpy(vd.asked_addr, t.addr_str, sizeof(vd.asked_addr));
	r = target_dsgetdc(&t, req->domain, req->site, dsgetdc_flags(req->need_flags), &vd.info, e);
	vd.ok = r == 0;
	if (r < 0)
		nlt_strlcpy(vd.error, e->msg, sizeof(vd.error));
	vd.elapsed_us = nlt_now_us() - t0;
	target_close(&t);
	if (req->json) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "target", via_json(&vd));
		out_json_doc(o);
	} else if (!req->quiet && vd.ok) {
		printf("Target %s (%s) finds:\n", out_safe(vd.asked_dc, b1, sizeof(b1)), vd.asked_addr);
		printf("  DC:          %s (%s)\n", out_safe(vd.info.dc_name, b1, sizeof(b1)),
		       out_safe(vd.info.dc_address, b2, sizeof(b2)));
		printf("  Domain:      %s (forest %s)\n", out_safe(vd.info.domain_name, b1, sizeof(b1)),
		       out_safe(vd.info.forest_name, b2, sizeof(b2)));
		printf("  Sites:       DC in %s, client site %s\n", vd.info.dc_site_name[0] ? out_safe(vd.info.dc_site_name, b1, sizeof(b1)) : "-",
		       vd.info.client_site_name[0] ? out_safe(vd.info.client_site_name, b3, sizeof(b3)) : "-");
	}
	return r;
}

int cmd_discover(struct nlt_ctx *ctx, struct nlt_err *e)
{
	const struct nlt_req *req = ctx->req;
	struct locate_req lr = {
		.domain = ctx->domain[0] ? ctx->domain : NULL,
		.server = req->server,
		.site = req->site,
		.need_flags = req->need_flags,
		.tcp_only = req->tcp_only,
		.deadline_ms = ctx->deadline_ms,
	};
	struct locate_result res;
	struct via_dc vd;
	int r;

	if (req->target)
		return discover_target(ctx, e);
	memset(&vd, 0, sizeof(vd));
	r = locate_dc(&lr, &ctx->rs, &res, e);
	if (r == 0 && req->via_dc) {
		const struct dc_cand *c = &res.cands[res.chosen];
		struct nlt_err ve;
		uint64_t t0 = nlt_now_us();
		nlt_clearerr(&ve);
		vd.asked = 1;
		nlt_strlcpy(vd.asked_dc, c->info.dc_dns_name, sizeof(vd.asked_dc));
		nlt_addr_str(&c->addr, vd.asked_addr, sizeof(vd.asked_addr));
		nlt_strlcpy(vd.asked_site, c->info.dc_site, sizeof(vd.asked_site));
		if (nl_dsgetdc(c->info.dc_dns_name, &c->addr, c->info.dns_domain, req->site, dsgetdc_flags(req->need_flags),
			       ctx->deadline_ms, &vd.info, &ve) == 0)
			vd.ok = 1;
		else
			nlt_strlcpy(vd.error, ve.msg, sizeof(vd.error));
		vd.elapsed_us = nlt_now_us() - t0;
	}
	if (req->json)
		print_json(&res, &vd);
	else if (!req->quiet && res.n)
		print_text(&res, &vd);
	if (r == 0 && vd.asked && !vd.ok)
		r = nlt_seterr(e, NLT_EPROTO, "%s", vd.error);
	locate_result_free(&res);
	return r;
}
