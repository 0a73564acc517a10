/*
 * src/cli/cmd_verify.c - nltrust verify: is this host's machine account
 * healthy, as Kerberos and Netlogon see it, on one DC?
 *
 * The evidence comes from src/trust/trust_local.c, the verdict from src/trust/trust.c;
 * this file prints them.  HEALTHY, BROKEN, PENDING (an interrupted change
 * that reset-password finishes) or INCONCLUSIVE (a check could not run),
 * with the exit category of the finding that decided it.
 *
 * verify --target HOST [DOMAIN]: the evidence comes from src/trust/trust_target.c
 * (NetrLogonControl2Ex TC_QUERY and TC_VERIFY over the target's
 * \PIPE\netlogon), the verdict from src/trust/trust_remote.c; with domain admin
 * credentials (-U, -C) the directory's view of the target's computer object
 * beside it (src/ldap/computer.c read by trust_target.c, weighed by
 * src/trust/trust_dir.c).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "netlogon.h"
#include "output.h"
#include "computer.h"
#include "trust.h"
#include "trust_dir.h"
#include "trust_remote.h"
#include "trust_target.h"

static const char *etype_name(int et)
{
	switch (et) {
	case 1: return "des-cbc-crc";
	case 3: return "des-cbc-md5";
	case 17: return "aes128-cts-hmac-sha1-96";
	case 18: return "aes256-cts-hmac-sha1-96";
	case 23: return "rc4-hmac";
	case 19: return "aes128-cts-hmac-sha256-128";
	case 20: return "aes256-cts-hmac-sha384-192";
	}
	return "other";
}

static const char *verdict_word(enum trust_verdict v)
{
	switch (v) {
	case TRUST_HEALTHY: return "healthy";
	case TRUST_BROKEN: return "BROKEN";
	case TRUST_PENDING: return "PENDING";
	case TRUST_INCONCLUSIVE: return "INCONCLUSIVE";
	case TRUST_UNJUDGED: break;
	}
	return "unjudged";
}

/* Server text (names, DNs, error messages) reaches the terminal only through out_safe(). */
#define SAFE(s) out_safe((s), sb, sizeof(sb))

/* The findings and the verdict line: the tail of every verify report, local or --target. */
static void print_report_text(const struct trust_report *rep)
{
	char sb[OUT_SAFE_SIZE(480)];

	if (rep->nf) {
		printf("\nFindings:\n");
		for (size_t i = 0; i < rep->nf; i++)
			printf("  %s%s\n",
			       rep->f[i].kind == FINDING_NOTE ? "note: "
			       : rep->f[i].kind == FINDING_UNKNOWN ? "could not check: "
			       : rep->f[i].kind == FINDING_PENDING ? "pending: " : "",
			       SAFE(rep->f[i].text));
	}
	printf("\n%s\n", SAFE(rep->summary));
}

static void print_text(const struct trust_evidence *v, const struct trust_report *rep)
{
	char tb[40], sb[OUT_SAFE_SIZE(480)], sb2[OUT_SAFE_SIZE(256)];

	printf("Machine:    %s@%s\n", v->machine, SAFE(v->realm));
	printf("DC:         %s (%s)%s%s\n", SAFE(v->dc), v->dc_addr, v->dc_site[0] ? ", site " : "",
	       v->dc_site[0] ? out_safe(v->dc_site, sb2, sizeof(sb2)) : "");
	/* recorded where it happened (src/trust/trust_local.c): the DC skipped and why */
	if (v->failover[0])
		printf("Failover:   %s\n", SAFE(v->failover));
	if (v->password_mode) {
		printf("Secret:     password file\n");
	} else {
		printf("Keytab:     %s, kvno", v->kt.path);
		for (int i = 0; i < v->kt.n_kvnos; i++)
			printf("%s%u", i ? "," : " ", v->kt.kvno[i]);
		printf(" (");
		for (int et = 1, first = 1; et < 32; et++)
			if (v->kt.enctypes[0] & (1u << et)) {
				printf("%s%s", first ? "" : " ", etype_name(et));
				first = 0;
			}
		printf(")\n");
	}
	if (v->journal_read)
		printf("Journal:    %s%s%s\n", v->have_current ? "current password" : "no current password",
		       v->have_pending ? ", a pending password" : "",
		       v->local_match == LOCAL_MATCH ? " (matches the keytab)"
		       : v->local_match == LOCAL_DIFFER ? " (does NOT match the keytab)" : "");
	if (v->method & 1) {
		if (v->krb_state == CHECK_RAN)
			printf("Kerberos:   %s in %.1f ms%s%s\n", krb_verdict_str(v->as.verdict), v->as.elapsed_us / 1000.0,
			       v->as.verdict != KRBV_OK ? " - " : "", v->as.verdict != KRBV_OK ? SAFE(v->as.message) : "");
		else
			printf("Kerberos:   could not run - %s\n", SAFE(v->krb_error));
	}
	if (v->method & 2) {
		if (v->nl_state == CHECK_RAN)
			printf("Netlogon:   %s in %.1f ms on %s (TCP %u, flags 0x%08x%s, RID %u%s)\n",
			       nl_verdict_str(v->nl.verdict), v->nl.elapsed_us / 1000.0, SAFE(v->nl_dc), v->nl.port, v->nl.flags,
			       (v->nl.flags & NL_NEG_AES) ? " AES" : "", v->nl.rid,
			       v->nl.caps_checked ? ", sealed capabilities match" : "");
		else
			printf("Netlogon:   %s - %s\n", v->nl_state == CHECK_SKIPPED ? "skipped" : "could not run",
			       SAFE(v->nl_error));
	}
	if (v->as.have_skew)
		printf("Clock:      %+lld s against the DC\n", (long long)v->as.skew_s);
	if (v->dir_state == CHECK_RAN) {
		printf("Directory:  %s\n", SAFE(v->dir_dn));
		if (v->have_dir_kvno)
			printf("            msDS-KeyVersionNumber %lld", (long long)v->dir_kvno);
		if (v->have_dir_pwdlastset && v->dir_pwdlastset > 0) {
			int64_t unix_s = v->dir_pwdlastset / 10000000 - 11644473600LL;
			printf(", pwdLastSet %s", nlt_iso8601(unix_s, tb, sizeof(tb)));
		}
		printf("\n");
	}
	print_report_text(rep);
}

/* The findings, by kind, and the verdict: the tail of every verify document, local or --target. */
static void add_report_json(struct json_object *o, const struct trust_report *rep)
{
	struct json_object *fa = json_object_new_array(), *pa = json_object_new_array(), *ua = json_object_new_array();

	for (size_t i = 0; i < rep->nf; i++)
		json_object_array_add(rep->f[i].kind == FINDING_NOTE	 ? fa
				      : rep->f[i].kind == FINDING_UNKNOWN ? ua : pa,
				      out_finding_json(rep->f[i].kind == FINDING_NOTE	     ? "note"
						       : rep->f[i].kind == FINDING_UNKNOWN ? "could_not_check"
						       : rep->f[i].kind == FINDING_PENDING ? "pending" : "problem",
						       rep->f[i].text, NULL));
	json_object_object_add(o, "problems", pa);
	json_object_object_add(o, "could_not_check", ua);
	json_object_object_add(o, "notes", fa);
	json_object_object_add(o, "verdict", json_object_new_string(trust_verdict_str(rep->verdict)));
	json_object_object_add(o, "healthy", json_object_new_boolean(rep->verdict == TRUST_HEALTHY));
}

static void print_json(const struct trust_evidence *v, const struct trust_report *rep)
{
	struct json_object *o = json_object_new_object(), *k = json_object_new_object(), *d;
	char tb[40];

	json_object_object_add(o, "machine", json_object_new_string(v->machine));
	json_object_object_add(o, "realm", json_object_new_string(v->realm));
	json_object_object_add(o, "dc", out_dc_json(v->dc, v->dc_addr, v->dc_site));
	json_object_object_add(o, "failover", v->failover[0] ? json_object_new_string(v->failover) : NULL);
	if (v->password_mode) {
		json_object_object_add(o, "keytab", NULL);
	} else {
		struct json_object *kt = json_object_new_object(), *kv = json_object_new_array(),
				   *et = json_object_new_array();
		json_object_object_add(kt, "path", json_object_new_string(v->kt.path));
		for (int i = 0; i < v->kt.n_kvnos; i++)
			json_object_array_add(kv, json_object_new_int((int)v->kt.kvno[i]));
		for (int e = 1; e < 32; e++)
			if (v->kt.enctypes[0] & (1u << e))
				json_object_array_add(et, json_object_new_string(etype_name(e)));
		json_object_object_add(kt, "kvnos", kv);
		json_object_object_add(kt, "newest_enctypes", et);
		json_object_object_add(o, "keytab", kt);
	}
	if (v->journal_read) {
		struct json_object *j = json_object_new_object();
		json_object_object_add(j, "current", json_object_new_boolean(v->have_current));
		json_object_object_add(j, "pending", json_object_new_boolean(v->have_pending));
		json_object_object_add(j, "matches_keytab", v->local_match == LOCAL_NOT_COMPARED
					       ? NULL : json_object_new_boolean(v->local_match == LOCAL_MATCH));
		json_object_object_add(j, "pending_accepted",
				       v->pending_state == CHECK_RAN ? json_object_new_boolean(v->pending_verdict == KRBV_OK)
								     : NULL);
		json_object_object_add(o, "journal", j);
	} else {
		json_object_object_add(o, "journal", NULL);
	}
	json_object_object_add(k, "state", json_object_new_string(check_state_str(v->krb_state)));
	json_object_object_add(k, "result", json_object_new_string(v->krb_state == CHECK_RAN ? krb_verdict_str(v->as.verdict)
											       : check_state_str(v->krb_state)));
	json_object_object_add(k, "error", v->krb_state == CHECK_RAN ? NULL : json_object_new_string(v->krb_error));
	json_object_object_add(k, "code", json_object_new_int64((int64_t)v->as.code));
	json_object_object_add(k, "message", v->as.message[0] ? json_object_new_string(v->as.message) : NULL);
	json_object_object_add(k, "kvno_tried", v->password_mode ? NULL : json_object_new_int((int)v->tried_kvno));
	json_object_object_add(k, "kvno_accepted", v->good_kvno ? json_object_new_int((int)v->good_kvno) : NULL);
	json_object_object_add(k, "elapsed_ms", out_ms_json(v->as.elapsed_us));
	json_object_object_add(k, "skew_s", v->as.have_skew ? json_object_new_int64(v->as.skew_s) : NULL);
	json_object_object_add(k, "other_dc", v->other_state == CHECK_RAN ? json_object_new_string(v->other_dc) : NULL);
	json_object_object_add(k, "other_dc_result",
			       v->other_state == CHECK_RAN ? json_object_new_string(krb_verdict_str(v->other_verdict)) : NULL);
	json_object_object_add(o, "kerberos", (v->method & 1) ? k : NULL);
	if (!(v->method & 1))
		json_object_put(k);
	if (v->method & 2) {
		struct json_object *n = json_object_new_object();
		int ran = v->nl_state == CHECK_RAN;
		json_object_object_add(n, "state", json_object_new_string(check_state_str(v->nl_state)));
		json_object_object_add(n, "result", json_object_new_string(ran ? nl_verdict_str(v->nl.verdict)
									       : check_state_str(v->nl_state)));
		json_object_object_add(n, "error", ran ? NULL : json_object_new_string(v->nl_error));
		json_object_object_add(n, "secret", v->nl_secret_what[0] ? json_object_new_string(v->nl_secret_what) : NULL);
		json_object_object_add(n, "status", ran ? json_object_new_int64(v->nl.status) : NULL);
		json_object_object_add(n, "negotiated_flags", ran ? json_object_new_int64(v->nl.flags) : NULL);
		json_object_object_add(n, "aes", ran ? json_object_new_boolean((v->nl.flags & NL_NEG_AES) != 0) : NULL);
		json_object_object_add(n, "account_rid", ran && v->nl.rid ? json_object_new_int64(v->nl.rid) : NULL);
		json_object_object_add(n, "sealed_capabilities_match",
				       ran ? json_object_new_boolean(v->nl.caps_checked && v->nl.caps == v->nl.flags) : NULL);
		json_object_object_add(n, "port", v->nl.port ? json_object_new_int(v->nl.port) : NULL);
		json_object_object_add(n, "dc", v->nl_dc[0] ? json_object_new_string(v->nl_dc) : NULL);
		json_object_object_add(n, "connections", json_object_new_int((int)v->nl.n_connects));
		json_object_object_add(n, "elapsed_ms", out_ms_json(v->nl.elapsed_us));
		json_object_object_add(o, "netlogon", n);
	} else {
		json_object_object_add(o, "netlogon", NULL);
	}
	if (v->dir_state == CHECK_RAN) {
		d = json_object_new_object();
		json_object_object_add(d, "dn", json_object_new_string(v->dir_dn));
		json_object_object_add(d, "key_version_number", v->have_dir_kvno ? json_object_new_int64(v->dir_kvno) : NULL);
		json_object_object_add(d, "user_account_control", v->have_dir_uac ? json_object_new_int64(v->dir_uac) : NULL);
		json_object_object_add(d, "supported_encryption_types",
				       v->have_dir_enctypes ? json_object_new_int64(v->dir_enctypes) : NULL);
		json_object_object_add(d, "pwd_last_set",
				       v->have_dir_pwdlastset && v->dir_pwdlastset > 0
					       ? json_object_new_string(nlt_iso8601(v->dir_pwdlastset / 10000000 - 11644473600LL,
										    tb, sizeof(tb)))
					       : NULL);
		json_object_object_add(d, "dns_host_name",
				       v->dir_dnshostname[0] ? json_object_new_string(v->dir_dnshostname) : NULL);
		json_object_object_add(o, "directory", d);
	} else {
		json_object_object_add(o, "directory", NULL);
		json_object_object_add(o, "directory_error", v->dir_error[0] ? json_object_new_string(v->dir_error) : NULL);
	}
	add_report_json(o, rep);
	out_json_doc(o); /* main adds "command" and "error" (the deciding finding) */
}

/* ---- verify --target ---------------------------------------------------------------------- */

static const char *rcall_state_str(enum rcall_state s)
{
	switch (s) {
	case RCALL_NOT_RUN: return "not_run";
	case RCALL_COULD_NOT_RUN: return "could_not_run";
	case RCALL_ANSWERED: return "answered";
	}
	return "not_run";
}

/* "1323 ERROR_WRONG_PASSWORD", or "1323" for a code w32_name does not know */
static const char *w32_str(uint32_t code, char *buf, size_t len)
{
	const char *n = code ? w32_name(code) : "OK";
	if (n)
		snprintf(buf, len, "%u %s", code, n);
	else
		snprintf(buf, len, "%u", code);
	return buf;
}

static void print_call_text(const char *label, const struct trust_remote_call *rc)
{
	char sb[OUT_SAFE_SIZE(512)], w1[80], w2[80], w3[80];

	if (rc->state == RCALL_NOT_RUN) {
		printf("%s not run\n", label);
	} else if (rc->state == RCALL_COULD_NOT_RUN) {
		printf("%s could not run - %s\n", label, SAFE(rc->error));
	} else if (rc->werror || !rc->present) {
		printf("%s refused: WERROR %s\n", label, w32_str(rc->werror, w1, sizeof(w1)));
	} else {
		printf("%s flags 0x%x%s, pdc_connection_status %s, tc_connection_status %s, DC %s\n", label, rc->flags,
		       (rc->flags & 0x80) ? " (verification result returned)" : "", w32_str(rc->pdc_status, w2, sizeof(w2)),
		       w32_str(rc->tc_status, w3, sizeof(w3)), rc->trusted_dc[0] ? SAFE(rc->trusted_dc) : "none");
	}
}

static void print_dir_text(const struct trust_target_dir *d)
{
	char sb[OUT_SAFE_SIZE(512)], s2[OUT_SAFE_SIZE(256)];
	const struct trust_dir_evidence *v = &d->ev;

	printf("\nDirectory:  ");
	if (v->state == TDIR_COULD_NOT_RUN) {
		printf("could not be read - %s\n", SAFE(v->error));
		return;
	}
	printf("%s in %s, read on %s (%s) as %s", d->obj.sam, out_safe(v->domain, s2, sizeof(s2)), SAFE(v->dc),
	       d->dc_addr, d->principal);
	if (d->tls)
		printf(" (LDAP over TLS)\n");
	else
		printf(" (sealed LDAP, SSF %u)\n", d->ssf);
	printf("Name from:  the target's %s (%s)%s\n", d->name_source, SAFE(d->name),
	       v->domain_confirmed ? "" : "; the directory's NetBIOS domain is not the one the target named");
	if (!v->found) {
		printf("Account:    none: no computer account %s in %s\n", d->obj.sam, out_safe(v->domain, s2, sizeof(s2)));
		return;
	}
	printf("DN:         %s\n", SAFE(d->obj.dn));
	computer_print_fields(&d->obj, (time_t)d->now);
}

static void print_target_text(const struct trust_remote_evidence *ev, const struct trust_target_info *ti,
			      const struct trust_target_dir *dir, const struct trust_report *rep)
{
	char sb[OUT_SAFE_SIZE(480)];

	printf("Target:     %s (%s)\n", SAFE(ti->host), ti->addr);
	printf("Domain:     %s%s\n", SAFE(ev->domain), ti->domain_from_lsa ? " (the target's own, from its LSA)" : "");
	printf("SMB:        %s, signing %s, encryption %s, %s (%s account)\n", ti->dialect, ti->signing, ti->encryption,
	       ti->auth, ti->account_kind);
	if (ev->no_netlogon) {
		printf("Netlogon:   \\PIPE\\netlogon not served: the secure channel cannot be checked remotely\n");
	} else {
		print_call_text("TC_QUERY:  ", &ev->query);
		print_call_text("TC_VERIFY: ", &ev->verify);
	}
	if (dir->ev.state != TDIR_NOT_ASKED)
		print_dir_text(dir);
	print_report_text(rep);
}

static struct json_object *w32_json(uint32_t code)
{
	const char *n = code ? w32_name(code) : "OK";
	return n ? json_object_new_string(n) : NULL;
}

static struct json_object *call_json(const struct trust_remote_call *rc)
{
	struct json_object *o = json_object_new_object();
	int ans = rc->state == RCALL_ANSWERED, info = ans && rc->werror == 0 && rc->present;

	json_object_object_add(o, "state", json_object_new_string(rcall_state_str(rc->state)));
	json_object_object_add(o, "error", rc->state == RCALL_COULD_NOT_RUN ? json_object_new_string(rc->error) : NULL);
	json_object_object_add(o, "werror", ans ? json_object_new_int64(rc->werror) : NULL);
	json_object_object_add(o, "werror_name", ans ? w32_json(rc->werror) : NULL);
	json_object_object_add(o, "flags", info ? json_object_new_int64(rc->flags) : NULL);
	json_object_object_add(o, "verify_status_returned", info ? json_object_new_boolean((rc->flags & 0x80) != 0) : NULL);
	json_object_object_add(o, "pdc_connection_status", info ? json_object_new_int64(rc->pdc_status) : NULL);
	json_object_object_add(o, "pdc_connection_status_name", info ? w32_json(rc->pdc_status) : NULL);
	json_object_object_add(o, "tc_connection_status", info ? json_object_new_int64(rc->tc_status) : NULL);
	json_object_object_add(o, "tc_connection_status_name", info ? w32_json(rc->tc_status) : NULL);
	json_object_object_add(o, "trusted_dc", info && rc->trusted_dc[0] ? json_object_new_string(rc->trusted_dc) : NULL);
	return o;
}

/* target.directory: null when not asked (no -U/-C) */
static struct json_object *dir_json(const struct trust_target_dir *d)
{
	const struct trust_dir_evidence *v = &d->ev;
	struct json_object *o, *c;
	int read = v->state == TDIR_READ;

	if (v->state == TDIR_NOT_ASKED)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "state", json_object_new_string(read ? "read" : "could_not_run"));
	json_object_object_add(o, "error", read ? NULL : json_object_new_string(v->error));
	json_object_object_add(o, "computer_name", d->name[0] ? json_object_new_string(d->name) : NULL);
	json_object_object_add(o, "name_source", d->name_source[0] ? json_object_new_string(d->name_source) : NULL);
	json_object_object_add(o, "sam_account_name", v->account[0] ? json_object_new_string(v->account) : NULL);
	json_object_object_add(o, "realm", v->domain[0] ? json_object_new_string(v->domain) : NULL);
	json_object_object_add(o, "dc", v->dc[0] ? out_dc_json(v->dc, d->dc_addr, d->dc_site) : NULL);
	json_object_object_add(o, "read_as", d->principal[0] ? json_object_new_string(d->principal) : NULL);
	json_object_object_add(o, "domain_confirmed", read ? json_object_new_boolean(v->domain_confirmed) : NULL);
	json_object_object_add(o, "found", read ? json_object_new_boolean(v->found) : NULL);
	json_object_object_add(o, "disabled", read && v->found ? json_object_new_boolean(v->disabled) : NULL);
	if (read && v->found) {
		c = json_object_new_object();
		computer_json_add(c, &d->obj, (time_t)d->now);
		json_object_object_add(o, "computer", c);
	} else {
		json_object_object_add(o, "computer", NULL);
	}
	return o;
}

static void print_target_json(const struct trust_remote_evidence *ev, const struct trust_target_info *ti,
			      const struct trust_target_dir *dir, const struct trust_report *rep)
{
	struct json_object *o = json_object_new_object(), *t = json_object_new_object(), *sm = json_object_new_object();

	json_object_object_add(t, "host", json_object_new_string(ti->host));
	json_object_object_add(t, "address", json_object_new_string(ti->addr));
	json_object_object_add(t, "domain", json_object_new_string(ev->domain));
	json_object_object_add(t, "domain_source", json_object_new_string(ti->domain_from_lsa ? "target_lsa" : "argument"));
	json_object_object_add(sm, "dialect", json_object_new_string(ti->dialect));
	json_object_object_add(sm, "signing", json_object_new_string(ti->signing));
	json_object_object_add(sm, "encryption", json_object_new_string(ti->encryption));
	json_object_object_add(sm, "auth", json_object_new_string(ti->auth));
	json_object_object_add(sm, "account_kind", json_object_new_string(ti->account_kind));
	json_object_object_add(t, "smb", sm);
	json_object_object_add(t, "netlogon_pipe", json_object_new_string(ev->no_netlogon ? "not_served" : "served"));
	json_object_object_add(t, "tc_query", ev->no_netlogon ? NULL : call_json(&ev->query));
	json_object_object_add(t, "tc_verify", ev->no_netlogon ? NULL : call_json(&ev->verify));
	json_object_object_add(t, "directory", dir_json(dir));
	json_object_object_add(o, "target", t);
	add_report_json(o, rep);
	out_json_doc(o);
}

static int verify_target(struct nlt_ctx *ctx, struct nlt_err *e)
{
	const struct nlt_req *req = ctx->req;
	struct trust_remote_evidence *ev = calloc(1, sizeof(*ev));
	struct trust_target_info *ti = calloc(1, sizeof(*ti));
	struct trust_report *rep = calloc(1, sizeof(*rep));
	struct trust_target_dir *dir = calloc(1, sizeof(*dir));
	int r = -1;

	if (!ev || !ti || !rep || !dir) {
		nlt_seterr(e, NLT_EINTERNAL, "out of memory");
		goto out;
	}
	/* what only the local check uses would do nothing here: say so rather than ignore it */
	if ((req->password_file || req->stdin_password) && !req->user) {
		nlt_seterr(e, NLT_EUSAGE, "--password-file and --stdin-password are the domain admin's password: give -U "
					  "too (the target's own password: --target-password-file)");
		goto out;
	}
	if (req->keytab || req->machine || req->machine_password_file || req->method || req->state_dir) {
		nlt_seterr(e, NLT_EUSAGE, "verify --target asks the target itself: -K, -m, --machine-password-file, "
					  "--method and --state-dir apply to the local check only");
		goto out;
	}
	if ((req->server || req->ldaps || req->starttls || req->ca_file) && !req->user && !req->ccache) {
		nlt_seterr(e, NLT_EUSAGE, "-S, --starttls, --ldaps and --ca-file choose how the directory is read: with "
					  "--target they need domain admin credentials (-U or -C)");
		goto out;
	}
	if (trust_target_check(ctx, ev, ti, dir, e) < 0)
		goto out;
	trust_remote_judge(ev, rep);
	trust_dir_judge(&dir->ev, ev->target, rep);
	if (req->json)
		print_target_json(ev, ti, dir, rep);
	else if (!req->quiet)
		print_target_text(ev, ti, dir, rep);
	nlt_vlog("verdict: %s", verdict_word(rep->verdict));
	if (rep->verdict != TRUST_HEALTHY) {
		if (rep->decisive >= 0)
			nlt_seterr(e, rep->cat, "%s", rep->f[rep->decisive].text);
		else
			nlt_seterr(e, NLT_EINTERNAL, "verify --target produced no verdict");
		goto out;
	}
	r = 0;
out:
	trust_target_dir_free(dir);
	free(dir);
	free(ev);
	free(ti);
	free(rep);
	return r;
}

int cmd_verify(struct nlt_ctx *ctx, struct nlt_err *e)
{
	const struct nlt_req *req = ctx->req;
	struct trust_evidence *v = calloc(1, sizeof(*v));
	struct trust_report *rep = calloc(1, sizeof(*rep));
	int r = -1;

	if (req->target) {
		free(v);
		free(rep);
		return verify_target(ctx, e);
	}
	if (!v || !rep) {
		nlt_seterr(e, NLT_EINTERNAL, "out of memory");
		goto out;
	}
	if (trust_local_check(ctx, v, e) < 0)
		goto out;
	trust_judge(v, rep);
	if (req->json)
		print_json(v, rep);
	else if (!req->quiet)
		print_text(v, rep);
	nlt_vlog("verdict: %s", verdict_word(rep->verdict));
	if (rep->verdict != TRUST_HEALTHY) {
		if (rep->decisive >= 0)
			nlt_seterr(e, rep->cat, "%s", rep->f[rep->decisive].text);
		else
			nlt_seterr(e, NLT_EINTERNAL, "verify produced no verdict");
		goto out;
	}
	r = 0;
out:
	free(v);
	free(rep);
	return r;
}
