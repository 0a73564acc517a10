/*
 * src/cli/cmd_repair.c - nltrust repair --target HOST [DOMAIN]: the runbook's
 * -Repair from outside (src/trust/remote_repair.c decides and calls; this
 * file checks the options and prints the steps, text or --json).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "output.h"
#include "remote_repair.h"

#define SAFE(s) out_safe((s), sb, sizeof(sb))

static void print_text(const struct repair_result *res, const struct trust_target_info *ti, const char *domain)
{
	char sb[OUT_SAFE_SIZE(900)];

	printf("Target:     %s (%s)\n", SAFE(ti->host), ti->addr);
	printf("Domain:     %s%s\n", SAFE(domain), ti->domain_from_lsa ? " (the target's own, from its LSA)" : "");
	printf("SMB:        %s, signing %s, encryption %s, %s (%s account)\n", ti->dialect, ti->signing, ti->encryption,
	       ti->auth, ti->account_kind);
	printf("\nSteps:\n");
	for (size_t i = 0; i < res->n; i++) {
		const struct repair_step *s = &res->step[i];
		printf("  %zu. %-15s %s: %s\n", i + 1, repair_step_str(s->kind), repair_state_str(s->state), SAFE(s->did));
		if (s->saw[0])
			printf("     %s\n", SAFE(s->saw));
	}
	if (res->rejoin_cmd[0])
		printf("\nRejoin:     %s\n", SAFE(res->rejoin_cmd));
	printf("\n%s\n", SAFE(res->summary));
}

static struct json_object *w32_json(uint32_t code)
{
	const char *n = code ? w32_name(code) : "OK";
	return n ? json_object_new_string(n) : NULL;
}

static struct json_object *answer_json(const struct trust_remote_call *rc)
{
	struct json_object *o;
	int ans = rc->state == RCALL_ANSWERED, info = ans && rc->werror == 0 && rc->present;

	if (rc->state == RCALL_NOT_RUN)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "state", json_object_new_string(ans ? "answered" : "could_not_run"));
	json_object_object_add(o, "error", ans ? NULL : json_object_new_string(rc->error));
	json_object_object_add(o, "werror", ans ? json_object_new_int64(rc->werror) : NULL);
	json_object_object_add(o, "werror_name", ans ? w32_json(rc->werror) : NULL);
	json_object_object_add(o, "flags", info ? json_object_new_int64(rc->flags) : NULL);
	json_object_object_add(o, "pdc_connection_status", info ? json_object_new_int64(rc->pdc_status) : NULL);
	json_object_object_add(o, "pdc_connection_status_name", info ? w32_json(rc->pdc_status) : NULL);
	json_object_object_add(o, "tc_connection_status", info ? json_object_new_int64(rc->tc_status) : NULL);
	json_object_object_add(o, "tc_connection_status_name", info ? w32_json(rc->tc_status) : NULL);
	json_object_object_add(o, "trusted_dc", info && rc->trusted_dc[0] ? json_object_new_string(rc->trusted_dc) : NULL);
	return o;
}

static struct json_object *tri_json(int v)
{
	return v < 0 ? NULL : json_object_new_boolean(v != 0);
}

static void print_json(const struct nlt_req *req, const struct repair_result *res, const struct trust_target_info *ti,
		       const char *domain)
{
	struct json_object *o = json_object_new_object(), *t = json_object_new_object(), *sm = json_object_new_object();
	struct json_object *steps = json_object_new_array();

	json_object_object_add(t, "host", json_object_new_string(ti->host));
	json_object_object_add(t, "address", json_object_new_string(ti->addr));
	json_object_object_add(t, "domain", json_object_new_string(domain));
	json_object_object_add(t, "domain_source", json_object_new_string(ti->domain_from_lsa ? "target_lsa" : "argument"));
	json_object_object_add(sm, "dialect", json_object_new_string(ti->dialect));
	json_object_object_add(sm, "signing", json_object_new_string(ti->signing));
	json_object_object_add(sm, "encryption", json_object_new_string(ti->encryption));
	json_object_object_add(sm, "auth", json_object_new_string(ti->auth));
	json_object_object_add(sm, "account_kind", json_object_new_string(ti->account_kind));
	json_object_object_add(t, "smb", sm);
	json_object_object_add(t, "netlogon_pipe",
			       json_object_new_string(res->outcome == REPAIR_NO_NETLOGON ? "not_served" : "served"));
	json_object_object_add(o, "target", t);
	json_object_object_add(o, "server", req->server ? json_object_new_string(req->server) : NULL);
	json_object_object_add(o, "rotate", json_object_new_boolean(req->rotate));
	json_object_object_add(o, "dry_run", json_object_new_boolean(req->dry_run));
	for (size_t i = 0; i < res->n; i++) {
		const struct repair_step *s = &res->step[i];
		struct json_object *so = json_object_new_object();
		json_object_object_add(so, "step", json_object_new_string(repair_step_str(s->kind)));
		json_object_object_add(so, "state", json_object_new_string(repair_state_str(s->state)));
		json_object_object_add(so, "function_code", s->code ? json_object_new_int64(s->code) : NULL);
		json_object_object_add(so, "level", s->code ? json_object_new_int64(s->level) : NULL);
		json_object_object_add(so, "data", s->data[0] ? json_object_new_string(s->data) : NULL);
		json_object_object_add(so, "did", json_object_new_string(s->did));
		json_object_object_add(so, "saw", json_object_new_string(s->saw));
		json_object_object_add(so, "answer", answer_json(&s->call));
		json_object_object_add(so, "verdict", s->kind == RSTEP_TC_VERIFY && s->state != RSTATE_PLANNED
							     ? json_object_new_string(trust_verdict_str(s->verdict)) : NULL);
		json_object_array_add(steps, so);
	}
	json_object_object_add(o, "steps", steps);
	json_object_object_add(o, "outcome", json_object_new_string(repair_outcome_str(res->outcome)));
	json_object_object_add(o, "healthy", tri_json(res->healthy));
	json_object_object_add(o, "changed", tri_json(res->changed));
	json_object_object_add(o, "rejoin_command", res->rejoin_cmd[0] ? json_object_new_string(res->rejoin_cmd) : NULL);
	json_object_object_add(o, "summary", json_object_new_string(res->summary));
	out_json_doc(o);
}

int cmd_repair(struct nlt_ctx *ctx, struct nlt_err *e)
{
	const struct nlt_req *req = ctx->req;
	struct repair_result *res = calloc(1, sizeof(*res));
	struct trust_target_info *ti = calloc(1, sizeof(*ti));
	char domain[256];
	int r = -1;

	if (!res || !ti) {
		nlt_seterr(e, NLT_EINTERNAL, "out of memory");
		goto out;
	}
	/* what only the local commands use would do nothing here: say so rather than ignore it */
	if (req->keytab || req->machine || req->site || req->ldaps || req->starttls || req->ca_file) {
		nlt_seterr(e, NLT_EUSAGE, "repair asks the target itself: -K, -m, --site, --starttls, --ldaps and "
					  "--ca-file do not apply (-U, -C and --password-file only go into the rejoin "
					  "command it prints)");
		goto out;
	}
	if (remote_repair(ctx, res, ti, domain, sizeof(domain), e) < 0)
		goto out;
	if (req->json)
		print_json(req, res, ti, domain);
	else if (!req->quiet)
		print_text(res, ti, domain);
	nlt_vlog("repair: %s", repair_outcome_str(res->outcome));
	if (res->outcome == REPAIR_UNDECIDED) {
		nlt_seterr(e, NLT_EINTERNAL, "repair --target produced no outcome");
		goto out;
	}
	if (res->cat != NLT_OK) {
		nlt_seterr(e, res->cat, "%s", res->summary);
		goto out;
	}
	r = 0;
out:
	free(res);
	free(ti);
	return r;
}
