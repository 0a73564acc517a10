/*
 * src/cli/cmd_doctor.c - nltrust doctor [--target HOST] [DOMAIN] [--fix [--dry-run] [--allow-rejoin]]: gather (src/trust/doctor.c),
 * diagnose (src/trust/doctor_judge.c), repair with --fix (src/trust/doctor_fix.c), print.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "doctor.h"
#include "output.h"
#include "secret.h"

static const char *severity_key(enum finding_kind k)
{
	return k == FINDING_BROKEN ? "problem" : k == FINDING_PENDING ? "pending" : k == FINDING_UNKNOWN ? "could_not_check"
											 : "note";
}

static struct json_object *str_or_null(const char *s)
{
	return s && *s ? json_object_new_string(s) : NULL;
}

static struct json_object *journal_rec_json(const struct doctor_journal_rec *r)
{
	struct json_object *o;
	char t[32];

	if (!r->have)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "kvno", json_object_new_int64(r->kvno));
	json_object_object_add(o, "created", json_object_new_string(nlt_iso8601(r->created, t, sizeof(t))));
	json_object_object_add(o, "source", json_object_new_string(r->source));
	return o;
}

static struct json_object *cause_json(const struct doctor_cause *c)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "kind", json_object_new_string(doctor_cause_key(c->kind)));
	json_object_object_add(o, "severity", json_object_new_string(severity_key(c->severity)));
	json_object_object_add(o, "explanation", str_or_null(doctor_behind_key(c->behind)));
	json_object_object_add(o, "dc", str_or_null(c->dc));
	json_object_object_add(o, "message", json_object_new_string(c->text));
	json_object_object_add(o, "next_command", str_or_null(c->next));
	return o;
}

static void print_json(const struct doctor_evidence *ev, const struct doctor_diagnosis *d, const struct doctor_fix *f,
		       uint64_t elapsed_us)
{
	struct json_object *o = json_object_new_object(), *a;
	char t[32];

	json_object_object_add(o, "machine", json_object_new_string(ev->machine));
	json_object_object_add(o, "realm", str_or_null(ev->realm));
	json_object_object_add(o, "domain", json_object_new_string(ev->domain));
	json_object_object_add(o, "mode", json_object_new_string(ev->remote ? "remote" : "local"));
	if (ev->remote) {
		struct json_object *to = json_object_new_object(), *md = json_object_new_object();
		json_object_object_add(to, "host", json_object_new_string(ev->target));
		json_object_object_add(to, "own_domain", str_or_null(ev->target_domain));
		json_object_object_add(to, "role", json_object_new_string(ev->target_is_dc == 1 ? "dc" : ev->target_is_dc == 0
									   ? "member" : "unknown"));
		json_object_object_add(to, "trust_channel", json_object_new_boolean(ev->trust_channel));
		json_object_object_add(md, "state", json_object_new_string(check_state_str(ev->dsget_state)));
		json_object_object_add(md, "dc", ev->dsget_state == CHECK_RAN ? str_or_null(ev->used_dc) : NULL);
		json_object_object_add(md, "error", ev->dsget_state == CHECK_RAN ? NULL : str_or_null(ev->dsget_error));
		json_object_object_add(to, "member_dc", md);
		json_object_object_add(to, "netlogon_pipe", json_object_new_string(ev->rv.no_netlogon ? "not_served"
			: ev->verify_state == CHECK_RAN ? "served" : "unknown"));
		{
			/* the member's clock (NetrRemoteTOD) against this host's; the judge compares it with the DCs' */
			struct json_object *ck = json_object_new_object();
			json_object_object_add(ck, "state", json_object_new_string(check_state_str(ev->tod_state)));
			json_object_object_add(ck, "offset_ms", ev->tod_state == CHECK_RAN
				? json_object_new_int64(ev->member_offset_ms) : NULL);
			json_object_object_add(ck, "uncertainty_ms", ev->tod_state == CHECK_RAN
				? json_object_new_int64(ev->member_offset_unc_ms) : NULL);
			json_object_object_add(ck, "error", ev->tod_state == CHECK_RAN ? NULL : str_or_null(ev->tod_error));
			json_object_object_add(to, "clock", ck);
		}
		json_object_object_add(to, "repair_command", str_or_null(ev->cmd_repair));
		json_object_object_add(o, "target", to);
	} else {
		json_object_object_add(o, "target", NULL);
	}
	json_object_object_add(o, "dc_used", str_or_null(ev->tv.dc[0] ? ev->tv.dc : ev->used_dc));
	json_object_object_add(o, "verdict", json_object_new_string(trust_verdict_str(d->verdict)));
	json_object_object_add(o, "healthy", d->verdict == TRUST_HEALTHY ? json_object_new_boolean(1)
					   : d->verdict == TRUST_INCONCLUSIVE ? NULL : json_object_new_boolean(0));
	json_object_object_add(o, "summary", json_object_new_string(d->summary));
	a = json_object_new_array();
	for (size_t i = 0; i < ev->n_steps; i++) {
		const struct doctor_step *s = &ev->steps[i];
		struct json_object *so = json_object_new_object();
		json_object_object_add(so, "name", json_object_new_string(s->name));
		json_object_object_add(so, "asked", json_object_new_string(s->asked));
		json_object_object_add(so, "of", json_object_new_string(s->whom));
		json_object_object_add(so, "state", json_object_new_string(check_state_str(s->state)));
		json_object_object_add(so, "result", json_object_new_string(s->result));
		json_object_object_add(so, "elapsed_ms", out_ms_json(s->elapsed_us));
		json_object_array_add(a, so);
	}
	json_object_object_add(o, "steps", a);
	a = json_object_new_array();
	for (size_t i = 0; i < ev->n_dc; i++) {
		const struct doctor_dc *x = &ev->dc[i];
		struct json_object *xo = json_object_new_object(), *p = json_object_new_object(), *dir = json_object_new_object();
		json_object_object_add(xo, "name", json_object_new_string(x->name));
		json_object_object_add(xo, "address", json_object_new_string(x->addr));
		json_object_object_add(xo, "site", str_or_null(x->site));
		json_object_object_add(xo, "discovery", json_object_new_string(x->discovery_status));
		json_object_object_add(p, "state", json_object_new_string(check_state_str(x->probe_state)));
		json_object_object_add(p, "required_down", json_object_new_int(x->n_required_down));
		json_object_object_add(p, "required_not_probed", json_object_new_int(x->n_required_unknown));
		json_object_object_add(p, "down", str_or_null(x->ports_down));
		json_object_object_add(p, "clock_skew_ms", x->have_clock ? json_object_new_int64(x->skew_ms) : NULL);
		json_object_object_add(xo, "ports", p);
		json_object_object_add(dir, "state", json_object_new_string(check_state_str(x->dir_state)));
		json_object_object_add(dir, "read_as", str_or_null(x->dir_as));
		json_object_object_add(dir, "error", str_or_null(x->dir_error));
		json_object_object_add(dir, "found", x->dir_state == CHECK_RAN ? json_object_new_boolean(x->found) : NULL);
		if (x->dir_state == CHECK_RAN && x->found) {
			struct json_object *sp = json_object_new_array();
			json_object_object_add(dir, "key_version_number", x->have_kvno ? json_object_new_int64(x->kvno) : NULL);
			json_object_object_add(dir, "pwd_last_set", x->have_pwdlastset
				? json_object_new_string(nlt_iso8601(doctor_filetime_unix(x->pwdlastset), t, sizeof(t))) : NULL);
			json_object_object_add(dir, "user_account_control", x->have_uac ? json_object_new_int64(x->uac) : NULL);
			json_object_object_add(dir, "supported_enctypes", x->have_enctypes ? json_object_new_int64(x->enctypes) : NULL);
			json_object_object_add(dir, "dn", json_object_new_string(x->dn));
			json_object_object_add(dir, "dns_host_name", str_or_null(x->dnshostname));
			for (int k = 0; k < x->n_spn; k++)
				json_object_array_add(sp, json_object_new_string(x->spn[k]));
			json_object_object_add(dir, "spns", sp);
		}
		json_object_object_add(xo, "directory", dir);
		json_object_array_add(a, xo);
	}
	json_object_object_add(o, "dcs", a);
	{
		struct json_object *v = json_object_new_object(), *fa = json_object_new_array();
		json_object_object_add(v, "state", json_object_new_string(check_state_str(ev->verify_state)));
		json_object_object_add(v, "error", str_or_null(ev->verify_error));
		json_object_object_add(v, "verdict", ev->verify_state == CHECK_RAN
							     ? json_object_new_string(trust_verdict_str(ev->tr.verdict)) : NULL);
		json_object_object_add(v, "summary", ev->verify_state == CHECK_RAN ? json_object_new_string(ev->tr.summary) : NULL);
		json_object_object_add(v, "dc", str_or_null(ev->tv.dc));
		json_object_object_add(v, "keytab_kvno", ev->tv.kt.n_kvnos ? json_object_new_int64(ev->tv.kt.kvno[0]) : NULL);
		for (size_t i = 0; ev->verify_state == CHECK_RAN && i < ev->tr.nf; i++)
			json_object_array_add(fa, out_finding_json(severity_key(ev->tr.f[i].kind), ev->tr.f[i].text, ev->tv.dc));
		json_object_object_add(v, "findings", fa);
		json_object_object_add(o, "verify", v);
	}
	{
		struct json_object *j = json_object_new_object();
		json_object_object_add(j, "state", json_object_new_string(check_state_str(ev->journal_state)));
		json_object_object_add(j, "note", str_or_null(ev->journal_error));
		json_object_object_add(j, "pending", journal_rec_json(&ev->jpending));
		json_object_object_add(j, "current", journal_rec_json(&ev->jcurrent));
		json_object_object_add(j, "previous", journal_rec_json(&ev->jprevious));
		json_object_object_add(o, "journal", j);
	}
	{
		struct json_object *dg = json_object_new_object(), *ca = json_object_new_array(), *nx = json_object_new_array();
		json_object_object_add(dg, "root", d->root >= 0 ? cause_json(&d->c[d->root]) : NULL);
		for (size_t i = 0; i < d->n; i++) {
			json_object_array_add(ca, cause_json(&d->c[i]));
			if (d->c[i].next[0] && d->c[i].severity != FINDING_NOTE) {
				int dup = 0;
				for (size_t k = 0; k < i; k++)
					dup |= strcmp(d->c[k].next, d->c[i].next) == 0;
				if (!dup)
					json_object_array_add(nx, json_object_new_string(d->c[i].next));
			}
		}
		json_object_object_add(dg, "causes", ca);
		json_object_object_add(dg, "prefer_dc", str_or_null(d->prefer_dc));
		json_object_object_add(o, "diagnosis", dg);
		json_object_object_add(o, "next", nx);
	}
	if (f && f->outcome != DFIX_NOT_RUN) {
		struct json_object *fo = json_object_new_object(), *sa = json_object_new_array();
		json_object_object_add(fo, "outcome", json_object_new_string(doctor_fix_outcome_key(f->outcome)));
		json_object_object_add(fo, "healed_by", str_or_null(f->healed_by));
		json_object_object_add(fo, "prefer_dc", str_or_null(f->prefer_dc));
		json_object_object_add(fo, "summary", json_object_new_string(f->summary));
		json_object_object_add(fo, "next_command", str_or_null(f->next));
		for (size_t i = 0; i < f->n; i++) {
			const struct doctor_fix_step *s = &f->s[i];
			struct json_object *so = json_object_new_object();
			json_object_object_add(so, "name", json_object_new_string(s->name));
			json_object_object_add(so, "action", json_object_new_string(s->action));
			json_object_object_add(so, "state", json_object_new_string(check_state_str(s->state)));
			json_object_object_add(so, "changed", json_object_new_boolean(s->changed));
			json_object_object_add(so, "result", json_object_new_string(s->result));
			json_object_object_add(so, "verdict_after", s->verdict_after ? json_object_new_string(trust_verdict_str(s->verdict_after)) : NULL);
			json_object_object_add(so, "verify", str_or_null(s->verify_summary));
			json_object_object_add(so, "elapsed_ms", out_ms_json(s->elapsed_us));
			json_object_array_add(sa, so);
		}
		json_object_object_add(fo, "steps", sa);
		json_object_object_add(o, "fix", fo);
	} else {
		json_object_object_add(o, "fix", NULL);
	}
	json_object_object_add(o, "elapsed_ms", out_ms_json(elapsed_us));
	out_json_doc(o); /* main adds "command" and "error" */
}

static void print_text(const struct doctor_evidence *ev, const struct doctor_diagnosis *d, const struct doctor_fix *f)
{
	char line[1400];
	int any_next = 0;

	char sb[6000], sb2[600];

	printf("Doctor:    %s in %s\n", out_safe(ev->machine, sb, sizeof(sb)),
	       out_safe(ev->realm[0] ? ev->realm : ev->domain, sb2, sizeof(sb2)));
	if (ev->remote)
		printf("Target:    %s (%s of %s)%s\n", out_safe(ev->target, sb, sizeof(sb)),
		       ev->target_is_dc == 1 ? "a DC" : ev->target_is_dc == 0 ? "a member" : "role unknown",
		       out_safe(ev->target_domain[0] ? ev->target_domain : "?", sb2, sizeof(sb2)),
		       ev->trust_channel ? ", its trust to the domain checked" : "");
	printf("\nSteps:\n");
	for (size_t i = 0; i < ev->n_steps; i++) {
		const struct doctor_step *s = &ev->steps[i];
		snprintf(line, sizeof(line), "%-11s %s%s%s: %s%s (%.1f ms)", s->name, s->asked, s->whom[0] ? " - " : "",
			 s->whom, s->state == CHECK_RAN ? "" : s->state == CHECK_SKIPPED ? "skipped: " : "COULD NOT FINISH: ",
			 s->result, s->elapsed_us / 1000.0);
		printf("  ");
		out_wrap(stdout, out_safe(line, sb, sizeof(sb)), 2, 14, 100);
	}
	printf("\nDiagnosis: ");
	if (d->verdict == TRUST_HEALTHY) {
		out_wrap(stdout, out_safe(d->summary, sb, sizeof(sb)), 11, 11, 100);
	} else {
		const struct doctor_cause *r = &d->c[d->root];
		snprintf(line, sizeof(line), "%s (%s). %s", doctor_cause_key(r->kind),
			 r->severity == FINDING_BROKEN ? "broken" : r->severity == FINDING_PENDING ? "pending" : "inconclusive",
			 r->text);
		out_wrap(stdout, out_safe(line, sb, sizeof(sb)), 11, 11, 100);
		for (size_t i = 0; i < d->n; i++) {
			if ((int)i == d->root)
				continue;
			snprintf(line, sizeof(line), "%s: %s: %s", d->c[i].severity == FINDING_NOTE ? "note" : "also",
				 doctor_cause_key(d->c[i].kind), d->c[i].text);
			printf("  ");
			out_wrap(stdout, out_safe(line, sb, sizeof(sb)), 2, 4, 100);
		}
	}
	if (f && f->outcome != DFIX_NOT_RUN) {
		printf("\nFix:\n");
		for (size_t i = 0; i < f->n; i++) {
			const struct doctor_fix_step *s = &f->s[i];
			snprintf(line, sizeof(line), "%-11s %s: %s%s%s", s->name, s->action, s->result,
				 s->verdict_after ? "; then " : "", s->verdict_after ? s->verify_summary : "");
			printf("  ");
			out_wrap(stdout, out_safe(line, sb, sizeof(sb)), 2, 14, 100);
		}
		printf("  ");
		out_wrap(stdout, out_safe(f->summary, sb, sizeof(sb)), 2, 4, 100);
	}
	printf("\nNext:\n");
	if (f && f->outcome == DFIX_REJOINED) {
		printf("  %s\n", f->next[0] ? out_safe(f->next, sb, sizeof(sb)) : "verify the member after it restarts");
		return;
	}
	if (f && f->outcome == DFIX_HEALED) {
		if (f->prefer_dc[0])
			printf("  nothing: healed by %s; prefer %s\n", f->healed_by, out_safe(f->prefer_dc, sb, sizeof(sb)));
		else
			printf("  nothing: healed by %s\n", f->healed_by);
		return;
	}
	if (f && f->next[0]) {
		printf("  %s\n", out_safe(f->next, sb, sizeof(sb)));
		return;
	}
	for (size_t i = 0; i < d->n; i++) {
		int dup = 0;
		if (!d->c[i].next[0] || d->c[i].severity == FINDING_NOTE)
			continue;
		for (size_t k = 0; k < i; k++)
			dup |= strcmp(d->c[k].next, d->c[i].next) == 0;
		if (!dup) {
			printf("  %s\n", out_safe(d->c[i].next, sb, sizeof(sb)));
			any_next = 1;
		}
	}
	if (!any_next)
		printf("  %s\n", d->verdict == TRUST_HEALTHY ? "nothing: no problem found" : "no command repairs this; see the diagnosis");
}

/*
 * The administrator's password, when it comes from standard input or the terminal, is read once
 * here: the directory may be read through several sessions and --fix resets as the administrator
 * afterwards, each of which would read it again (an empty stdin, a second prompt).
 */
static int admin_password_once(struct nlt_ctx *ctx, struct nlt_req *copy, struct nlt_err *e)
{
	const struct nlt_req *req = ctx->req;
	struct secret s;
	char prompt[600];
	int r;

	if (!req->user || req->ccache || req->password_file)
		return 0;
	if (req->stdin_password) {
		r = secret_from_fd(&s, 0, "password", e);
	} else {
		snprintf(prompt, sizeof(prompt), "Password for %s: ", req->user);
		r = secret_from_tty(&s, prompt, e);
	}
	if (r < 0)
		return -1;
	r = secret_preset("password", &s);
	secret_free(&s);
	if (r < 0)
		return nlt_seterr(e, NLT_EINTERNAL, "cannot keep the administrator's password for this run");
	*copy = *req;
	copy->stdin_password = 1; /* every later read takes the preset copy */
	ctx->req = copy;
	return 0;
}

int cmd_doctor(struct nlt_ctx *ctx, struct nlt_err *e)
{
	const struct nlt_req *req = ctx->req;
	struct doctor_evidence *ev = calloc(1, sizeof(*ev));
	struct doctor_diagnosis *d = calloc(1, sizeof(*d));
	struct doctor_fix *f = calloc(1, sizeof(*f));
	struct nlt_req once;
	uint64_t t0 = nlt_now_us();
	int r = -1;

	if (!ev || !d || !f) {
		nlt_seterr(e, NLT_EINTERNAL, "out of memory");
		goto out;
	}
	if (admin_password_once(ctx, &once, e) < 0)
		goto out;
	if ((req->target ? doctor_gather_remote(ctx, ev, e) : doctor_gather(ctx, ev, e)) < 0)
		goto out;
	doctor_diagnose(ev, d);
	if (req->fix)
		doctor_fix_run(ctx, ev, d, f);
	if (req->json)
		print_json(ev, d, f, nlt_now_us() - t0);
	else if (!req->quiet)
		print_text(ev, d, f);
	if (req->fix && (f->outcome == DFIX_HEALED || f->outcome == DFIX_REJOINED)) {
		r = 0;
		goto out;
	}
	if (req->fix && f->outcome != DFIX_NOTHING_TO_DO && f->outcome != DFIX_PLAN) {
		nlt_seterr(e, d->verdict == TRUST_HEALTHY ? NLT_EPROBLEM : d->cat ? d->cat : NLT_EPROBLEM, "%s; %s",
			   d->summary, f->summary);
		goto out;
	}
	if (d->verdict != TRUST_HEALTHY) {
		nlt_seterr(e, d->cat ? d->cat : NLT_EPROBLEM, "%s", d->summary);
		goto out;
	}
	r = 0;
out:
	ctx->req = req;
	free(ev);
	free(d);
	free(f);
	return r;
}
