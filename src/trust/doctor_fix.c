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
#include "reset.h"

const char *doctor_fix_outcome_key(enum doctor_fix_outcome o)
{
	switch (o) {
	case DFIX_NOTHING_TO_DO: return "nothing_to_do";
	case DFIX_HEALED: return "healed";
	case DFIX_NOT_HEALED: return "not_healed";
	case DFIX_UNCLEAR: return "unclear";
	case DFIX_NOT_FIXABLE: return "not_fixable";
	case DFIX_PLAN: return "plan";
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
		} else {
			int r = run_reset(ctx, 0, reset_dc, s, f->next, sizeof(f->next));
			if (r != 0) {
				/* it changed something (or may have): re-check, whatever it said */
				enum trust_verdict v = reverify(ctx, reset_dc, s);
				if (r < 0) {
					f->outcome = DFIX_UNCLEAR;
					f->cat = NLT_EPROBLEM;
					snprintf(f->summary, sizeof(f->summary), "not healed: the new password's outcome is unclear "
						 "and it is kept pending (re-checked: %s); run the command below to finish it",
						 trust_verdict_str(v));
					return;
				}
				if (v == TRUST_HEALTHY) {
					f->outcome = DFIX_HEALED;
					f->cat = NLT_OK;
					nlt_strlcpy(f->healed_by, "rotate", sizeof(f->healed_by));
					snprintf(f->summary, sizeof(f->summary), "healed by a password rotation as the machine: "
						 "verify is healthy again");
					return;
				}
			}
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
		} else {
			int r = run_reset(ctx, 1, reset_dc, s, f->next, sizeof(f->next));
			if (r != 0) {
				enum trust_verdict v = reverify(ctx, reset_dc, s);
				if (r < 0) {
					f->outcome = DFIX_UNCLEAR;
					f->cat = NLT_EPROBLEM;
					snprintf(f->summary, sizeof(f->summary), "not healed: the administrator's reset is unclear "
						 "and kept pending (re-checked: %s); run the command below to finish it",
						 trust_verdict_str(v));
					return;
				}
				if (v == TRUST_HEALTHY) {
					f->outcome = DFIX_HEALED;
					f->cat = NLT_OK;
					nlt_strlcpy(f->healed_by, "admin-reset", sizeof(f->healed_by));
					snprintf(f->summary, sizeof(f->summary), "healed by the administrator's password reset: "
						 "verify is healthy again");
					return;
				}
			}
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
