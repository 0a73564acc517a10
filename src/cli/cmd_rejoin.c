/*
 * src/cli/cmd_rejoin.c - rejoin --target HOST, and join/leave --target HOST:
 * parse, call rjoin_run() (src/trust/rjoin.c), print.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "adattr.h"
#include "cmds.h"
#include "output.h"
#include "rjoin.h"
#include "shutdown.h"

static const char *reuse_word(enum rjoin_reuse r)
{
	switch (r) {
	case RJ_REUSE_NEW: return "new";
	case RJ_REUSE_SAME_CREATOR: return "same_creator";
	case RJ_REUSE_ADMIN_CREATED: return "admin_created";
	case RJ_REUSE_BLOCKED: return "blocked";
	case RJ_REUSE_POLICY_ALLOWED: return "policy_allowed";
	default: return "unknown";
	}
}

static struct json_object *jstr(const char *s)
{
	return s && s[0] ? json_object_new_string(s) : NULL;
}

static const char *filetime_str(int64_t ft, char *buf, size_t len)
{
	time_t t = (time_t)ad_filetime_to_unix(ft);
	struct tm tm;

	if (ft <= 0 || !gmtime_r(&t, &tm))
		return ft == 0 ? "0 (never set)" : "-";
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

static struct json_object *acct_json(const struct rjoin_acct *a)
{
	struct json_object *o;
	char b[40];

	if (!a->read)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "exists", json_object_new_boolean(a->exists));
	json_object_object_add(o, "dn", jstr(a->dn));
	json_object_object_add(o, "disabled", a->exists ? json_object_new_boolean((a->uac & UAC_ACCOUNTDISABLE) != 0) : NULL);
	json_object_object_add(o, "key_version_number", a->have_kvno ? json_object_new_int64(a->kvno) : NULL);
	json_object_object_add(o, "pwd_last_set", a->have_pls ? json_object_new_string(filetime_str(a->pwd_last_set, b, sizeof(b))) : NULL);
	json_object_object_add(o, "creator_sid", jstr(a->creator_sid));
	json_object_object_add(o, "owner_sid", jstr(a->owner_sid));
	return o;
}

static struct json_object *call_json(const struct rjoin_call *c)
{
	struct json_object *o;
	enum nlt_cat cat;
	const char *why;

	if (!c->ran)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "options", json_object_new_int64(c->options));
	json_object_object_add(o, "answered", json_object_new_boolean(c->answered));
	json_object_object_add(o, "werror", c->answered ? json_object_new_int64(c->werror) : NULL);
	why = c->answered ? rjoin_werror_why(c->werror, &cat) : "";
	json_object_object_add(o, "meaning", jstr(why));
	json_object_object_add(o, "error", jstr(c->answered ? "" : c->error));
	json_object_object_add(o, "ms", json_object_new_double(c->ms));
	return o;
}

static void print_call(const char *name, const struct rjoin_call *c)
{
	char b[OUT_SAFE_SIZE(512)];
	enum nlt_cat cat;
	const char *why;

	if (!c->ran)
		return;
	if (!c->answered) {
		printf("%-11s options 0x%x: no answer after %.1f s (%s)\n", name, c->options, c->ms / 1000.0,
		       out_safe(c->error, b, sizeof(b)));
		return;
	}
	why = rjoin_werror_why(c->werror, &cat);
	if (!c->werror)
		printf("%-11s options 0x%x: WERR_OK in %.1f s\n", name, c->options, c->ms / 1000.0);
	else
		printf("%-11s options 0x%x: refused with WERROR 0x%08x%s%s%s in %.1f s\n", name, c->options, c->werror,
		       why[0] ? " " : "", why, "", c->ms / 1000.0);
}

static const char *reboot_word(const struct rjoin_result *res)
{
	if (!res->reboot_asked)
		return "not_asked";
	switch ((enum reboot_outcome)res->reboot_outcome) {
	case REBOOT_ACCEPTED: return "accepted";
	case REBOOT_REFUSED: return "refused";
	case REBOOT_UNKNOWN: return "unknown";
	default: return "not_sent";
	}
}

static void print_acct(const char *label, const struct rjoin_acct *a, const char *sam, const char *dc)
{
	char b1[OUT_SAFE_SIZE(600)], t[40];

	if (!a->read)
		return;
	if (!a->exists) {
		printf("%-11s no %s on %s\n", label, sam, dc);
		return;
	}
	printf("%-11s %s, %s, kvno %s, pwdLastSet %s\n", label, out_safe(a->dn, b1, sizeof(b1)),
	       (a->uac & UAC_ACCOUNTDISABLE) ? "disabled" : "enabled",
	       a->have_kvno ? (snprintf(t, sizeof(t), "%lld", (long long)a->kvno), t) : "-",
	       a->have_pls ? filetime_str(a->pwd_last_set, (char[40]){ 0 }, 40) : "-");
}

int cmd_remote_join(struct nlt_ctx *ctx, int op_i, struct nlt_err *e)
{
	const struct nlt_req *req = ctx->req;
	enum rjoin_op op = (enum rjoin_op)op_i;
	static struct rjoin_result res; /* large: not on the stack */
	int r = rjoin_run(ctx, op, &res, e);
	char b1[OUT_SAFE_SIZE(600)], b2[OUT_SAFE_SIZE(256)];

	if (req->json) {
		struct json_object *o = json_object_new_object(), *pl = json_object_new_array(), *rj;
		json_object_object_add(o, "target", json_object_new_string(res.host));
		json_object_object_add(o, "address", jstr(res.address));
		json_object_object_add(o, "computer_name", jstr(res.computer));
		json_object_object_add(o, "sam_account_name", jstr(res.sam));
		json_object_object_add(o, "member_domain", jstr(res.member_domain));
		json_object_object_add(o, "domain", jstr(res.domain));
		json_object_object_add(o, "dc", res.dc[0] ? out_dc_json(res.dc, res.dc_addr, NULL) : NULL);
		json_object_object_add(o, "joiner", jstr(res.joiner));
		json_object_object_add(o, "joiner_sid", jstr(res.joiner_sid));
		json_object_object_add(o, "smb", jstr(res.smb));
		json_object_object_add(o, "account_before", acct_json(&res.before));
		if (res.before.read) {
			rj = json_object_new_object();
			json_object_object_add(rj, "verdict", json_object_new_string(reuse_word(res.reuse)));
			json_object_object_add(rj, "reason", jstr(res.reuse_why));
			json_object_object_add(o, "reuse", rj);
		} else {
			json_object_object_add(o, "reuse", NULL);
		}
		json_object_object_add(o, "ou", jstr(res.ou));
		json_object_object_add(o, "moved_to", res.moved ? jstr(res.ou) : NULL);
		for (int i = 0; i < res.n_plan; i++)
			json_object_array_add(pl, json_object_new_string(res.plan[i]));
		json_object_object_add(o, "plan", pl);
		json_object_object_add(o, "dry_run", json_object_new_boolean(req->dry_run));
		json_object_object_add(o, "unjoin", call_json(&res.unjoin));
		json_object_object_add(o, "join", call_json(&res.join));
		json_object_object_add(o, "account_after", acct_json(&res.after));
		json_object_object_add(o, "password_new", res.password_new < 0 ? NULL : json_object_new_boolean(res.password_new));
		json_object_object_add(o, "left_unjoined", json_object_new_boolean(res.left_unjoined));
		json_object_object_add(o, "reboot_pending", json_object_new_boolean(res.reboot_pending));
		if (res.reboot_asked) {
			struct json_object *rb = json_object_new_object();
			json_object_object_add(rb, "outcome", json_object_new_string(reboot_word(&res)));
			json_object_object_add(rb, "delay_s", json_object_new_int(res.reboot_delay_s));
			json_object_object_add(rb, "error", jstr(res.reboot_error));
			json_object_object_add(o, "reboot", rb);
		} else {
			json_object_object_add(o, "reboot", NULL);
		}
		json_object_object_add(o, "next_command", jstr(res.finish_cmd));
		out_json_doc(o);
	} else if (!req->quiet) {
		if (res.computer[0])
			printf("Target:     %s (%s), computer %s, says it is in %s; SMB %s\n", out_safe(res.host, b2, sizeof(b2)),
			       res.address, out_safe(res.computer, b1, sizeof(b1)),
			       res.member_domain[0] ? out_safe(res.member_domain, (char[OUT_SAFE_SIZE(256)]){ 0 }, OUT_SAFE_SIZE(256))
						    : "no domain", res.smb);
		print_acct("Account:", &res.before, res.sam, res.dc);
		if (res.before.read && op != RJOIN_LEAVE)
			printf("Reuse:      %s: %s\n", res.reuse == RJ_REUSE_BLOCKED || res.reuse == RJ_REUSE_UNKNOWN ? "refused"
				   : "allowed", res.reuse_why);
		if (req->dry_run || r < 0)
			for (int i = 0; i < res.n_plan; i++)
				printf("%-11s %d. %s\n", i ? "" : (req->dry_run ? "Would do:" : "Plan:"), i + 1,
				       out_safe(res.plan[i], b1, sizeof(b1)));
		if (res.moved)
			printf("Moved:      %s to %s (before the join)\n", res.sam, out_safe(res.ou, b1, sizeof(b1)));
		print_call("Unjoin:", &res.unjoin);
		print_call("Join:", &res.join);
		if ((r == 0 || res.reboot_asked) && !req->dry_run) {
			if (op == RJOIN_LEAVE) {
				printf("Result:     %s left the domain (%s); it is not joined now%s\n", res.computer,
				       req->disable ? "its account disabled" : "its account kept", "");
				printf("Next:       %s\n", out_safe(res.finish_cmd, b1, sizeof(b1)));
			} else {
				print_acct("Directory:", &res.after, res.sam, res.dc);
				if (res.password_new == 1)
					printf("Result:     %s %s %s on %s; the directory shows its new password%s\n", res.computer,
					       op == RJOIN_REJOIN ? "rejoined" : "joined", res.domain, res.dc,
					       res.before.exists && res.before.have_kvno && res.after.have_kvno
						   ? (snprintf(b2, sizeof(b2), " (kvno %lld -> %lld)", (long long)res.before.kvno,
							       (long long)res.after.kvno), b2)
						   : "");
				else
					printf("Result:     the member answered WERR_OK, but the directory on %s does not show a new "
					       "password for %s\n", res.dc, res.sam);
			}
			if (!res.reboot_asked)
				printf("Reboot:     pending: a Windows member takes the change only after a restart "
				       "(--reboot asks it to restart)\n");
			else if (res.reboot_outcome == REBOOT_ACCEPTED)
				printf("Reboot:     scheduled: the member restarts in %d s (InitiateSystemShutdownEx accepted)\n",
				       res.reboot_delay_s);
			else
				printf("Reboot:     NOT scheduled (%s): %s; restart it by hand\n", reboot_word(&res),
				       out_safe(res.reboot_error, b1, sizeof(b1)));
		} else if (r < 0 && res.left_unjoined) {
			printf("State:      %s is NOT joined to a domain now; finish with: %s\n", out_safe(res.host, b2, sizeof(b2)),
			       out_safe(res.finish_cmd, b1, sizeof(b1)));
		}
	}
	if (r == 0 && !req->dry_run && op != RJOIN_LEAVE && res.password_new != 1)
		return nlt_seterr(e, NLT_EPROBLEM, "%s on %s: the member said the join succeeded, but %s shows no new password "
						   "(kvno and pwdLastSet unchanged)", res.sam, res.dc, res.sam);
	return r;
}

int cmd_rejoin(struct nlt_ctx *ctx, struct nlt_err *e)
{
	return cmd_remote_join(ctx, RJOIN_REJOIN, e);
}
