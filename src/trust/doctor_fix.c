/*
 * src/trust/doctor_fix.c - doctor --fix: the runbook's repairs in escalating order, each
 * followed by verify's own check (trust_local_check + trust_judge), stopping at the first
 * that heals:
 *   rediscover   another DC with every port the trust needs open: verify against it (a local
 *                host cannot change which DC it uses; we say which one to prefer);
 *   rotate       a new password as the machine (reset-password: src/trust/reset.c);
 *   admin-reset  a new password set by the administrator (reset-password --admin; -U/-C).
 * A change whose outcome is not known (the journal keeps a pending password) stops the
 * escalation: it is re-checked and reported as unclear, never as healed.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "advice.h"
#include "cmds.h"
#include "doctor.h"
#include "output.h"
#include "remote_repair.h"
#include "reset.h"
#include "trust_target.h"

const char *doctor_fix_outcome_key(enum doctor_fix_outcome o)
{
	switch (o) {
	case DFIX_NOTHING_TO_DO: return "nothing_to_do";
	case DFIX_HEALED: return "healed";
	case DFIX_NOT_HEALED: return "not_healed";
	case DFIX_UNCLEAR: return "unclear";
	case DFIX_NOT_FIXABLE: return "not_fixable";
	case DFIX_PLAN: return "plan";
	case DFIX_REJOINED: return "rejoined";
	default: return "not_run";
	}
}

/* Each repair step gets a deadline of its own (--timeout): the diagnosis may have spent the command's on a dead DC. */
static void fresh_deadline(struct nlt_ctx *ctx)
{
	int t = ctx->req->timeout_ms > 0 ? ctx->req->timeout_ms : NLT_DEFAULT_TIMEOUT_MS;

	ctx->deadline_ms = nlt_now_ms() + (uint64_t)t;
}

/* verify again, as verify would (server: pinned to that DC, else discovery) */
static enum trust_verdict reverify(struct nlt_ctx *ctx, const char *server, struct doctor_fix_step *s)
{
	const struct nlt_req *saved = ctx->req;
	struct nlt_req r2 = *saved;
	struct trust_evidence *tv = calloc(1, sizeof(*tv));
	struct trust_report *tr = calloc(1, sizeof(*tr));
	struct nlt_err e;
	enum trust_verdict v = TRUST_UNJUDGED;

	nlt_clearerr(&e);
	if (!tv || !tr) {
		nlt_strlcpy(s->verify_summary, "out of memory", sizeof(s->verify_summary));
		goto out;
	}
	if (server)
		r2.server = server;
	r2.json = 0;
	r2.quiet = 1;
	ctx->req = &r2;
	fresh_deadline(ctx);
	if (trust_local_check(ctx, tv, &e) < 0) {
		snprintf(s->verify_summary, sizeof(s->verify_summary), "verify could not run: %.400s", e.msg);
		v = TRUST_INCONCLUSIVE;
	} else {
		trust_judge(tv, tr);
		v = tr->verdict;
		snprintf(s->verify_summary, sizeof(s->verify_summary), "verify on %.100s: %.360s", tv->dc, tr->summary);
	}
	ctx->req = saved;
out:
	free(tv);
	free(tr);
	s->verdict_after = v;
	return v;
}

static struct doctor_fix_step *step(struct doctor_fix *f, const char *name, const char *action)
{
	struct doctor_fix_step *s = &f->s[f->n < 4 ? f->n++ : 3];

	memset(s, 0, sizeof(*s));
	nlt_strlcpy(s->name, name, sizeof(s->name));
	nlt_strlcpy(s->action, action, sizeof(s->action));
	return s;
}

/* reset-password as the machine (admin 0) or the administrator (admin 1); 1 changed, 0 not, -1 unclear */
static int run_reset(struct nlt_ctx *ctx, int admin, const char *server, struct doctor_fix_step *s, char *next,
		     size_t nlen)
{
	const struct nlt_req *saved = ctx->req;
	struct nlt_req r2 = *saved;
	struct reset_outcome o;
	struct nlt_err e;
	uint64_t t0 = nlt_now_us();
	int r;

	nlt_clearerr(&e);
	memset(&o, 0, sizeof(o));
	r2.reset_admin = admin;
	r2.reset_ldap = 0;
	r2.method = 0;
	r2.dry_run = 0;
	r2.json = 0;
	r2.quiet = 1;
	/* on the DC this host uses (or the one -S pins): the DC that holds the account as this host knows it;
	 * another DC may not have it yet (replication), and the new password would not be confirmed there */
	r2.server = server && *server ? server : NULL;
	ctx->req = &r2;
	fresh_deadline(ctx);
	r = reset_password_run(ctx, NULL, &o, &e);
	ctx->req = saved;
	s->elapsed_us = nlt_now_us() - t0;
	if (r == 0) {
		s->state = CHECK_RAN;
		s->changed = 1;
		snprintf(s->result, sizeof(s->result), "%s took the new password (kvno %u), confirmed; keytab and journal "
			 "updated", o.dc, o.new_kvno);
		return 1;
	}
	if (o.pending) {
		s->state = CHECK_RAN;
		s->changed = 1;
		snprintf(s->result, sizeof(s->result), "outcome unclear, the new password is kept pending: %.500s", e.msg);
		if (o.next_cmd[0])
			nlt_strlcpy(next, o.next_cmd, nlen);
		return -1;
	}
	s->state = CHECK_COULD_NOT_RUN;
	snprintf(s->result, sizeof(s->result), "%.590s", e.msg);
	return 0;
}

/*
 * --target: repair --target's runbook (remote_repair(): TC_VERIFY, REDISCOVER when the member's DC
 * is dead or wrong, "rejoin needed" when its secret is gone), then the rejoin only with
 * --allow-rejoin (remote_repair()'s --rejoin: never on a DC nor for a channel to another domain).
 * Every verdict is the remote judge's TC_VERIFY after the step; a rejoin is "rejoined", never healed.
 */
static void fix_remote(struct nlt_ctx *ctx, const struct doctor_evidence *ev, const struct doctor_diagnosis *d,
		       struct doctor_fix *f)
{
	const struct nlt_req *saved = ctx->req;
	const struct doctor_cause *root = d->root >= 0 ? &d->c[d->root] : NULL;
	struct nlt_req r2 = *saved;
	struct repair_result *res = calloc(1, sizeof(*res));
	struct trust_target_info ti;
	struct nlt_err e;
	char domain[256];
	char *ccname = getenv("KRB5CCNAME") ? strdup(getenv("KRB5CCNAME")) : NULL;
	uint64_t t0 = nlt_now_us();
	int r;

	if (!res) {
		f->outcome = DFIX_UNCLEAR;
		f->cat = NLT_EINTERNAL;
		snprintf(f->summary, sizeof(f->summary), "not run: out of memory");
		free(ccname);
		return;
	}
	switch (root ? root->kind : DCAUSE_NONE) {
	case DCAUSE_DELETED:
	case DCAUSE_DISABLED:
	case DCAUSE_DUPLICATE:
	case DCAUSE_CLOCK_SKEW:
	case DCAUSE_MOVED:
	case DCAUSE_NO_AES:
	case DCAUSE_REPLICATION:
		f->outcome = DFIX_NOT_FIXABLE;
		nlt_strlcpy(f->next, root->next, sizeof(f->next));
		snprintf(f->summary, sizeof(f->summary), "not repaired: %s is not something the member's channel repair "
			 "fixes; %s", doctor_cause_key(root->kind), root->next[0] ? "run the command below" : "see the diagnosis");
		goto out;
	default:
		break;
	}
	fresh_deadline(ctx);
	r2.rotate = 0;          /* a broken channel cannot change its password; a healed one needs no change */
	r2.reboot = 0;
	r2.rejoin = saved->rejoin; /* --allow-rejoin */
	r2.server = NULL;
	ctx->req = &r2;
	nlt_clearerr(&e);
	r = remote_repair(ctx, res, &ti, domain, sizeof(domain), &e);
	ctx->req = saved;
	if (ccname)
		setenv("KRB5CCNAME", ccname, 1);
	else
		unsetenv("KRB5CCNAME");
	if (r < 0) {
		struct doctor_fix_step *s = &f->s[f->n++];
		nlt_strlcpy(s->name, "repair", sizeof(s->name));
		nlt_strlcpy(s->action, ev->cmd_repair, sizeof(s->action));
		s->state = CHECK_COULD_NOT_RUN;
		nlt_strlcpy(s->result, e.msg, sizeof(s->result));
		s->elapsed_us = nlt_now_us() - t0;
		f->outcome = DFIX_NOT_HEALED;
		f->cat = e.cat ? e.cat : NLT_EPROBLEM;
		snprintf(f->summary, sizeof(f->summary), "not repaired: %.500s", e.msg);
		goto out;
	}
	for (size_t i = 0; i < res->n && f->n < sizeof(f->s) / sizeof(f->s[0]); i++) {
		const struct repair_step *rs = &res->step[i];
		struct doctor_fix_step *s = &f->s[f->n++];
		snprintf(s->name, sizeof(s->name), "%s", rs->kind == RSTEP_REJOIN ? "rejoin" : repair_step_str(rs->kind));
		snprintf(s->action, sizeof(s->action), "%s%s%s", rs->did, rs->data[0] ? ": " : "", rs->data);
		s->state = rs->state == RSTATE_OK || rs->state == RSTATE_FAILED ? CHECK_RAN
			   : rs->state == RSTATE_PLANNED || rs->state == RSTATE_NOT_RUN ? CHECK_SKIPPED : CHECK_COULD_NOT_RUN;
		s->changed = (rs->kind == RSTEP_REDISCOVER || rs->kind == RSTEP_CHANGE_PASSWORD || rs->kind == RSTEP_REJOIN) &&
			     rs->state == RSTATE_OK;
		snprintf(s->result, sizeof(s->result), "%s: %s", repair_state_str(rs->state), rs->saw);
		if (rs->kind == RSTEP_TC_VERIFY && rs->state != RSTATE_PLANNED) {
			s->verdict_after = rs->verdict;
			snprintf(s->verify_summary, sizeof(s->verify_summary), "TC_VERIFY: %s", trust_verdict_str(rs->verdict));
		}
	}
	f->s[f->n ? f->n - 1 : 0].elapsed_us = nlt_now_us() - t0;
	if (saved->dry_run) {
		f->outcome = DFIX_PLAN;
		f->cat = d->cat;
		if (res->outcome != REPAIR_REJOIN_NEEDED)
			snprintf(f->summary, sizeof(f->summary), "plan (--dry-run, nothing changed): %.500s", res->summary);
		else if (ev->trust_channel || ev->target_is_dc == 1)
			snprintf(f->summary, sizeof(f->summary), "plan (--dry-run, nothing changed): TC_VERIFY says the secret "
				 "is gone or wrong, which REDISCOVER and CHANGE_PASSWORD cannot fix; %.150s's channel to %.150s is "
				 "a trust between domains: a DC's trust is recreated, not rejoined, so no step of doctor's "
				 "repairs it", ev->target, ev->domain);
		else if (saved->rejoin)
			snprintf(f->summary, sizeof(f->summary), "plan (--dry-run, nothing changed): TC_VERIFY says the secret "
				 "is gone or wrong; then rejoin %.200s (--allow-rejoin), verified after it restarts", ev->target);
		else
			snprintf(f->summary, sizeof(f->summary), "plan (--dry-run, nothing changed): TC_VERIFY says the secret "
				 "is gone or wrong; a rejoin is needed, which doctor runs only with --allow-rejoin");
		if (res->outcome == REPAIR_REJOIN_NEEDED && !saved->rejoin && !ev->trust_channel && ev->target_is_dc != 1)
			nlt_strlcpy(f->next, ev->cmd_fix_rejoin, sizeof(f->next));
		goto out;
	}
	switch (res->outcome) {
	case REPAIR_HEALED:
	case REPAIR_ROTATED:
		f->outcome = DFIX_HEALED;
		f->cat = NLT_OK;
		nlt_strlcpy(f->healed_by, res->outcome == REPAIR_HEALED ? "rediscover" : "rotate", sizeof(f->healed_by));
		snprintf(f->summary, sizeof(f->summary), "healed: %.500s", res->summary);
		break;
	case REPAIR_REJOINED:
		f->outcome = DFIX_REJOINED; /* not healed: healed_by stays empty until the member's channel is verified */
		f->cat = NLT_OK;
		snprintf(f->summary, sizeof(f->summary), "rejoined, verify after the member restarts: %.500s", res->summary);
		snprintf(f->next, sizeof(f->next), "%.590s", ev->cmd_verify);
		break;
	case REPAIR_REJOIN_NEEDED:
		f->outcome = DFIX_NOT_HEALED;
		f->cat = res->cat ? res->cat : NLT_EPROBLEM;
		if (ev->trust_channel || ev->target_is_dc == 1) {
			snprintf(f->summary, sizeof(f->summary), "not repaired: a rejoin is needed by the secret, but %.200s's "
				 "channel to %.200s is a trust between domains: a DC's trust is recreated (or its password reset "
				 "on both sides), not rejoined", ev->target, ev->domain);
		} else if (saved->rejoin) {
			snprintf(f->summary, sizeof(f->summary), "not repaired: %.560s", res->summary);
			nlt_strlcpy(f->next, res->rejoin_cmd, sizeof(f->next));
		} else {
			snprintf(f->summary, sizeof(f->summary), "not repaired: a rejoin is needed (the member's secret is gone "
				 "or wrong); doctor rejoins only with --allow-rejoin");
			nlt_strlcpy(f->next, ev->cmd_fix_rejoin[0] ? ev->cmd_fix_rejoin : res->rejoin_cmd, sizeof(f->next));
		}
		break;
	case REPAIR_ALREADY_HEALTHY:
		f->outcome = DFIX_NOT_HEALED;
		f->cat = d->cat ? d->cat : NLT_EPROBLEM;
		snprintf(f->summary, sizeof(f->summary), "nothing changed: TC_VERIFY is healthy now, but the diagnosis "
			 "found %s, which a channel repair does not fix", root ? doctor_cause_key(root->kind) : "a problem");
		nlt_strlcpy(f->next, root ? root->next : "", sizeof(f->next));
		break;
	case REPAIR_ROTATE_FAILED:
	case REPAIR_UNKNOWN:
		f->outcome = res->changed < 0 ? DFIX_UNCLEAR : DFIX_NOT_HEALED;
		f->cat = res->cat ? res->cat : NLT_EPROBLEM;
		snprintf(f->summary, sizeof(f->summary), "%s: %.480s", res->changed < 0 ? "unclear (a change was sent and "
			 "its fate is unknown; re-check with verify --target)" : "not repaired", res->summary);
		nlt_strlcpy(f->next, ev->cmd_verify, sizeof(f->next));
		break;
	default:
		f->outcome = DFIX_NOT_HEALED;
		f->cat = res->cat ? res->cat : NLT_EPROBLEM;
		snprintf(f->summary, sizeof(f->summary), "not repaired: %.560s", res->summary);
		break;
	}
out:
	free(res);
	free(ccname);
}

/*
 * A reset (as the machine, or the administrator) then a verify on the same DC.  1 when the run ends here:
 * healed, or the change's outcome is unclear (kept pending, re-checked, never called healed); 0 to go on.
 */
static int reset_then_verify(struct nlt_ctx *ctx, int admin, const char *dc, struct doctor_fix_step *s,
			     struct doctor_fix *f)
{
	int r = run_reset(ctx, admin, dc, s, f->next, sizeof(f->next));
	enum trust_verdict v;

	if (r == 0)
		return 0;
	/* it changed something (or may have): re-check, whatever it said */
	v = reverify(ctx, dc, s);
	if (r < 0) {
		f->outcome = DFIX_UNCLEAR;
		f->cat = NLT_EPROBLEM;
		snprintf(f->summary, sizeof(f->summary), "not healed: %s is unclear and kept pending (re-checked: %s); "
			 "run the command below to finish it",
			 admin ? "the administrator's reset" : "the new password's outcome", trust_verdict_str(v));
		return 1;
	}
	if (v != TRUST_HEALTHY)
		return 0;
	f->outcome = DFIX_HEALED;
	f->cat = NLT_OK;
	nlt_strlcpy(f->healed_by, admin ? "admin-reset" : "rotate", sizeof(f->healed_by));
	snprintf(f->summary, sizeof(f->summary), "healed by %s: verify is healthy again",
		 admin ? "the administrator's password reset" : "a password rotation as the machine");
	return 1;
}

void doctor_fix_run(struct nlt_ctx *ctx, const struct doctor_evidence *ev, const struct doctor_diagnosis *d,
		    struct doctor_fix *f)
{
	const struct nlt_req *req = ctx->req;
	const struct doctor_cause *root = d->root >= 0 ? &d->c[d->root] : NULL;
	int verify_was_healthy = ev->verify_state == CHECK_RAN && ev->tr.verdict == TRUST_HEALTHY;
	int do_rediscover = 0, do_rotate = 0, do_admin = 0;
	const char *used = ev->tv.dc[0] ? ev->tv.dc : ev->used_dc;
	char act[600];

	const char *other = NULL; /* another DC with every port a trust needs open, for rediscovery */
	const char *reset_dc = req->server && *req->server ? req->server : used;

	memset(f, 0, sizeof(*f));
	f->cat = d->cat;
	/* never a DC that was read and lacks the account (replication lag: it would refuse the machine) */
	for (size_t i = 0; i < ev->n_dc && !other; i++)
		if (ev->dc[i].probe_state == CHECK_RAN && !ev->dc[i].n_required_down && !ev->dc[i].n_required_unknown &&
		    !nlt_name_eq(ev->dc[i].name, used) && !(ev->dc[i].dir_state == CHECK_RAN && !ev->dc[i].found))
			other = ev->dc[i].name;
	if (d->verdict == TRUST_HEALTHY) {
		f->outcome = DFIX_NOTHING_TO_DO;
		f->cat = NLT_OK;
		snprintf(f->summary, sizeof(f->summary), "nothing to repair: the trust is healthy");
		return;
	}
	if (ev->remote) {
		fix_remote(ctx, ev, d, f);
		return;
	}
	switch (root ? root->kind : DCAUSE_NONE) {
	case DCAUSE_DELETED:
	case DCAUSE_DISABLED:
	case DCAUSE_DUPLICATE:
	case DCAUSE_CLOCK_SKEW:
	case DCAUSE_MOVED:
	case DCAUSE_NO_AES:
		f->outcome = DFIX_NOT_FIXABLE;
		nlt_strlcpy(f->next, root->next, sizeof(f->next));
		snprintf(f->summary, sizeof(f->summary), "not repaired: %s is not a password problem; %s",
			 doctor_cause_key(root->kind), root->next[0] ? "run the command below" : "see the diagnosis");
		return;
	case DCAUSE_DC_UNREACHABLE:
		do_rediscover = 1;
		if (verify_was_healthy && !nlt_name_eq(root->dc, used)) {
			/* the DC this host uses is fine: nothing here to repair */
			f->outcome = DFIX_NOT_FIXABLE;
			nlt_strlcpy(f->prefer_dc, used, sizeof(f->prefer_dc));
			snprintf(f->summary, sizeof(f->summary), "not repaired: %.200s is down or filtered (a network or DC "
				 "problem, not this host's); this host uses %.200s, where its trust is healthy", root->dc, used);
			return;
		}
		break;
	case DCAUSE_UNKNOWN:
		/* verify could not reach its DC: another DC may answer; anything else unknown is not repairable here */
		if (ev->verify_state != CHECK_RAN || ev->tr.verdict == TRUST_INCONCLUSIVE) {
			do_rediscover = 1;
			break;
		}
		f->outcome = DFIX_NOT_FIXABLE;
		nlt_strlcpy(f->next, root->next, sizeof(f->next));
		snprintf(f->summary, sizeof(f->summary), "not repaired: nothing broken was seen, but not everything could "
			 "be checked");
		return;
	default:
		do_rediscover = !verify_was_healthy;
		do_rotate = do_admin = 1;
		break;
	}
	if (do_rediscover && !other && !do_rotate) {
		f->outcome = DFIX_NOT_HEALED;
		snprintf(f->summary, sizeof(f->summary), "not repaired: no other DC has every port a trust needs open");
		nlt_strlcpy(f->next, ev->cmd_verify, sizeof(f->next));
		return;
	}
	if (do_rediscover && other) {
		struct doctor_fix_step *s;
		uint64_t t0 = nlt_now_us();
		struct nlt_req r2 = *req;
		r2.server = other;
		advice_cmd(&r2, "verify", NULL, ADVICE_NO_ADMIN, req->domain, act, sizeof(act));
		s = step(f, "rediscover", act);
		if (req->dry_run) {
			snprintf(s->result, sizeof(s->result), "would verify against %s", other);
		} else {
			s->state = CHECK_RAN;
			snprintf(s->result, sizeof(s->result), "verify against %s, which has every port a trust needs open",
				 other);
			if (reverify(ctx, other, s) == TRUST_HEALTHY) {
				s->elapsed_us = nlt_now_us() - t0;
				f->outcome = DFIX_HEALED;
				f->cat = NLT_OK;
				nlt_strlcpy(f->healed_by, "rediscover", sizeof(f->healed_by));
				nlt_strlcpy(f->prefer_dc, other, sizeof(f->prefer_dc));
				snprintf(f->summary, sizeof(f->summary), "healed by rediscovery: the trust is healthy against %.200s; "
					 "prefer that DC until %.200s is reachable again", other, used[0] ? used : "the other");
				return;
			}
			s->elapsed_us = nlt_now_us() - t0;
		}
	}
	if (do_rotate) {
		struct doctor_fix_step *s = step(f, "rotate", ev->cmd_machine_reset);
		if (req->dry_run) {
			snprintf(s->result, sizeof(s->result), "would give %s a new password as the machine, then verify",
				 ev->machine);
		} else if (reset_then_verify(ctx, 0, reset_dc, s, f)) {
			return;
		}
	}
	if (do_admin) {
		struct doctor_fix_step *s = step(f, "admin-reset", ev->cmd_admin_reset);
		if (req->dry_run) {
			snprintf(s->result, sizeof(s->result), "would have an administrator (%s) set a new password, then "
				 "verify", ev->admin_given ? "-U/-C given" : "needs -U or -C");
		} else if (!ev->admin_given) {
			s->state = CHECK_SKIPPED;
			snprintf(s->result, sizeof(s->result), "not tried: an administrator's reset needs -U (or -C)");
			f->outcome = DFIX_NOT_HEALED;
			nlt_strlcpy(f->next, ev->cmd_admin_reset, sizeof(f->next));
			snprintf(f->summary, sizeof(f->summary), "not healed: the machine could not repair its own password; "
				 "an administrator's reset is next");
			return;
		} else if (reset_then_verify(ctx, 1, reset_dc, s, f)) {
			return;
		}
	}
	if (req->dry_run) {
		f->outcome = DFIX_PLAN;
		snprintf(f->summary, sizeof(f->summary), "--dry-run: %zu step(s) planned, nothing changed", f->n);
		return;
	}
	f->outcome = DFIX_NOT_HEALED;
	if (!f->next[0])
		nlt_strlcpy(f->next, root && root->next[0] ? root->next : ev->cmd_admin_reset, sizeof(f->next));
	snprintf(f->summary, sizeof(f->summary), "not healed: %zu step(s) tried, verify still does not say healthy", f->n);
}
