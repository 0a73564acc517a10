/*
 * src/cli/cmd_audit.c - nltrust audit [DOMAIN] [--ou DN] [--stale-days N]: every computer
 * account of the domain (or under an OU), read over sealed LDAP with paging, judged by
 * src/ldap/audit.c; this file parses, calls and prints (text, --json, --ndjson).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "adattr.h"
#include "admin.h"
#include "audit.h"
#include "gpolicy.h"
#include "output.h"

#define TEXT_WIDTH 100 /* as --help and ping: long lines wrap at word boundaries */

static const char *const gpo_state_word[] = {
	[AUDIT_GPO_NOT_READ] = "not_read", [AUDIT_GPO_READ] = "read", [AUDIT_GPO_NO_TEMPLATE] = "no_template",
	[AUDIT_GPO_SKIPPED] = "skipped", [AUDIT_GPO_FAILED] = "failed",
};

static const char *stale_src_word(int src)
{
	return src == AUDIT_STALE_OPTION ? "option" : src == AUDIT_STALE_DEFAULT ? "default"
						  : src == AUDIT_STALE_POLICY ? "policy" : "assumed";
}

/* "GPO 'name' {GUID}" of gpo[i] */
static const char *gpo_words(const struct audit_policy *p, int i, char *buf, size_t len)
{
	if (i < 0 || (size_t)i >= p->n_gpo)
		return "?";
	snprintf(buf, len, "GPO '%.200s' %s", p->gpo[i].name[0] ? p->gpo[i].name : "(no name)", p->gpo[i].guid);
	return buf;
}

/* the stale limit's source in words (text and the JSON stale_days_note) */
static const char *stale_note(const struct audit_run *r, char *buf, size_t len)
{
	char g[300];

	switch (r->stale_src) {
	case AUDIT_STALE_OPTION:
		snprintf(buf, len, "--stale-days%s", r->pol.state == AUDIT_POL_READ ? "" : "; the domain's policy was not read");
		break;
	case AUDIT_STALE_DEFAULT:
		snprintf(buf, len, "policy: %d days (Windows default; no domain GPO sets it)", r->stale_days);
		break;
	case AUDIT_STALE_POLICY:
		snprintf(buf, len, "policy: %d days (MaximumPasswordAge of %s)", r->stale_days,
			 gpo_words(&r->pol, r->pol.max_age_gpo, g, sizeof(g)));
		break;
	default:
		snprintf(buf, len, "policy not read: %.300s; assuming %d days",
			 r->pol.reason[0] ? r->pol.reason : "not tried", r->stale_days);
		break;
	}
	return buf;
}

static struct json_object *gpo_ref_json(const struct audit_policy *p, int i)
{
	struct json_object *o;

	if (i < 0 || (size_t)i >= p->n_gpo)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "guid", json_object_new_string(p->gpo[i].guid));
	json_object_object_add(o, "name", json_object_new_string(p->gpo[i].name));
	json_object_object_add(o, "linked_on", json_object_new_string(p->gpo[i].som));
	return o;
}

static struct json_object *policy_json(const struct audit_run *r)
{
	const struct audit_policy *p = &r->pol;
	struct json_object *o = json_object_new_object(), *a;

	json_object_object_add(o, "state", json_object_new_string(p->state == AUDIT_POL_READ ? "read"
								  : p->state == AUDIT_POL_FAILED ? "not_read"
												 : "not_tried"));
	json_object_object_add(o, "reason", p->reason[0] ? json_object_new_string(p->reason) : NULL);
	json_object_object_add(o, "server", p->server[0] ? json_object_new_string(p->server) : NULL);
	json_object_object_add(o, "max_password_age_days",
			       p->state == AUDIT_POL_READ && p->have_max_age ? json_object_new_int64(p->max_age) : NULL);
	json_object_object_add(o, "max_password_age_gpo", p->state == AUDIT_POL_READ ? gpo_ref_json(p, p->max_age_gpo) : NULL);
	json_object_object_add(o, "disable_password_change",
			       p->disable_known ? json_object_new_boolean(p->disable_change != 0) : NULL);
	json_object_object_add(o, "disable_password_change_gpo", p->disable_known ? gpo_ref_json(p, p->disable_gpo) : NULL);
	json_object_object_add(o, "disable_password_change_reason",
			       p->disable_why[0] ? json_object_new_string(p->disable_why) : NULL);
	json_object_object_add(o, "ou_path_evaluated", json_object_new_boolean(p->ou_links));
	a = json_object_new_array();
	for (size_t i = 0; i < p->n_unevaluated; i++)
		json_object_array_add(a, json_object_new_string(p->unevaluated[i]));
	json_object_object_add(o, "not_evaluated", a);
	json_object_object_add(o, "not_evaluated_total", json_object_new_int64((int64_t)p->n_unevaluated_total));
	a = json_object_new_array();
	for (size_t i = 0; i < p->n_gpo; i++) {
		const struct audit_gpo *g = &p->gpo[i];
		struct json_object *j = json_object_new_object();
		json_object_object_add(j, "guid", json_object_new_string(g->guid));
		json_object_object_add(j, "name", json_object_new_string(g->name));
		json_object_object_add(j, "linked_on", json_object_new_string(g->som));
		json_object_object_add(j, "enforced", json_object_new_boolean(g->enforced));
		json_object_object_add(j, "status", json_object_new_string(gpo_state_word[g->state < 5 ? g->state : 0]));
		json_object_object_add(j, "note", g->note[0] ? json_object_new_string(g->note) : NULL);
		json_object_object_add(j, "max_password_age_days",
				       g->state == AUDIT_GPO_READ && (g->have & GPO_HAVE_MAX_AGE) ? json_object_new_int64(g->max_age)
												   : NULL);
		json_object_object_add(j, "disable_password_change",
				       g->state == AUDIT_GPO_READ && (g->have & GPO_HAVE_DISABLE)
					       ? json_object_new_int64(g->disable_change)
					       : NULL);
		json_object_array_add(a, j);
	}
	json_object_object_add(o, "gpos", a);
	a = json_object_new_array();
	for (size_t z = 0; z < p->n_zone; z++) {
		const struct audit_zone *zn = &p->zone[z];
		struct json_object *j = json_object_new_object(), *g;
		json_object_object_add(j, "container", json_object_new_string(zn->dn));
		json_object_object_add(j, "state", json_object_new_string(zn->state == AUDIT_POL_READ ? "read" : "not_read"));
		json_object_object_add(j, "reason", zn->reason[0] ? json_object_new_string(zn->reason) : NULL);
		json_object_object_add(j, "stale_days", json_object_new_int(zn->stale_days));
		json_object_object_add(j, "stale_days_source", json_object_new_string(stale_src_word(zn->stale_src)));
		json_object_object_add(j, "max_password_age_days", zn->have_max_age ? json_object_new_int64(zn->max_age) : NULL);
		g = NULL;
		if (zn->max_age_guid[0]) {
			g = json_object_new_object();
			json_object_object_add(g, "guid", json_object_new_string(zn->max_age_guid));
			json_object_object_add(g, "name", json_object_new_string(zn->max_age_name));
			json_object_object_add(g, "linked_on", json_object_new_string(zn->max_age_som));
		}
		json_object_object_add(j, "max_password_age_gpo", g);
		json_object_object_add(j, "disable_password_change",
				       zn->disable_known ? json_object_new_boolean(zn->disable_change != 0) : NULL);
		g = NULL;
		if (zn->disable_known && zn->disable_guid[0]) {
			g = json_object_new_object();
			json_object_object_add(g, "guid", json_object_new_string(zn->disable_guid));
			json_object_object_add(g, "name", json_object_new_string(zn->disable_name));
			json_object_object_add(g, "linked_on", json_object_new_string(zn->disable_som));
		}
		json_object_object_add(j, "disable_password_change_gpo", g);
		json_object_object_add(j, "disable_password_change_reason",
				       zn->disable_why[0] ? json_object_new_string(zn->disable_why) : NULL);
		json_object_object_add(j, "accounts", json_object_new_int64((int64_t)zn->n_accounts));
		json_object_array_add(a, j);
	}
	json_object_object_add(o, "zones", a);
	json_object_object_add(o, "base_accounts", json_object_new_int64((int64_t)p->n_base_accounts));
	json_object_object_add(o, "elapsed_ms", json_object_new_int64((int64_t)p->ms));
	return o;
}

/* s escaped for the terminal; the buffer is the caller's until the next call with it */
static const char *safe(const char *s, char *buf, size_t len)
{
	return s ? out_safe(s, buf, len) : "-";
}

static struct json_object *str_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static struct json_object *time_json(int have, int64_t ft)
{
	char tb[40];
	int64_t t = have ? ad_filetime_to_unix(ft) : -1;

	return t >= 0 ? json_object_new_string(nlt_iso8601(t, tb, sizeof(tb))) : NULL;
}

static struct json_object *acct_json(const struct audit_acct *a, time_t now)
{
	struct json_object *o = json_object_new_object(), *arr;
	int64_t pw = a->have & AH_PWDLASTSET ? ad_filetime_to_unix(a->pwdlastset) : -1;
	int64_t cr = a->created ? ad_gentime_to_unix(a->created) : -1;
	char tb[40];
	int problems = 0;

	json_object_object_add(o, "sam_account_name", str_or_null(a->sam));
	json_object_object_add(o, "dn", str_or_null(a->dn));
	json_object_object_add(o, "sid", str_or_null(a->sid));
	json_object_object_add(o, "dns_host_name", str_or_null(a->dns));
	json_object_object_add(o, "operating_system", str_or_null(a->os));
	json_object_object_add(o, "user_account_control", a->have & AH_UAC ? json_object_new_int64(a->uac) : NULL);
	json_object_object_add(o, "disabled",
			       a->have & AH_UAC ? json_object_new_boolean((a->uac & UAC_ACCOUNTDISABLE) != 0) : NULL);
	json_object_object_add(o, "pwd_last_set", time_json(a->have & AH_PWDLASTSET, a->pwdlastset));
	json_object_object_add(o, "password_age_days", pw >= 0 ? json_object_new_int64((now - pw) / 86400) : NULL);
	json_object_object_add(o, "last_logon_timestamp", time_json(a->have & AH_LASTLOGON, a->lastlogon));
	json_object_object_add(o, "supported_encryption_types",
			       a->have & AH_ENCTYPES ? json_object_new_int64(a->enctypes) : NULL);
	json_object_object_add(o, "key_version_number", a->have & AH_KVNO ? json_object_new_int64(a->kvno) : NULL);
	json_object_object_add(o, "creator_sid", str_or_null(a->creator_sid));
	json_object_object_add(o, "owner_sid", str_or_null(a->owner_sid));
	json_object_object_add(o, "when_created", cr >= 0 ? json_object_new_string(nlt_iso8601(cr, tb, sizeof(tb))) : NULL);
	arr = json_object_new_array();
	for (size_t i = 0; i < a->n_spn; i++)
		json_object_array_add(arr, json_object_new_string(a->spn[i]));
	json_object_object_add(o, "service_principal_names", arr);
	arr = json_object_new_array();
	for (size_t i = 0; i < a->n_f; i++) {
		/* the shared finding shape plus "check", the finding's name (audit.schema.json audit_finding) */
		struct json_object *f = json_object_new_object();
		json_object_object_add(f, "kind", json_object_new_string(audit_kind_is_problem(a->f[i].kind) ? "problem"
														: "note"));
		json_object_object_add(f, "message", json_object_new_string(a->f[i].message));
		json_object_object_add(f, "check", json_object_new_string(audit_kind_key(a->f[i].kind)));
		json_object_array_add(arr, f);
		problems |= audit_kind_is_problem(a->f[i].kind);
	}
	json_object_object_add(o, "findings", arr);
	json_object_object_add(o, "healthy", json_object_new_boolean(!problems));
	return o;
}

/*
 * The accounts array, serialized one account at a time into one string that json-c then copies
 * as it is (json_object_userdata_to_json_string): a tree of 10,000 json-c objects kept until the
 * end cost 86 MB RSS (measured), this about 20.  The array is one line inside the pretty document.
 */
static struct json_object *accounts_json(const struct audit_run *r)
{
	struct json_object *a;
	size_t len = 1, cap = 4096;
	char *buf = malloc(cap);

	if (!buf)
		return NULL;
	buf[0] = '[';
	for (size_t i = 0; i < r->n; i++) {
		struct json_object *o = acct_json(&r->a[i], r->now);
		const char *t = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
		size_t tl = strlen(t);
		if (len + tl + 3 > cap) {
			char *nb;
			while (len + tl + 3 > cap)
				cap *= 2;
			nb = realloc(buf, cap);
			if (!nb) {
				json_object_put(o);
				free(buf);
				return NULL;
			}
			buf = nb;
		}
		if (i)
			buf[len++] = ',';
		memcpy(buf + len, t, tl);
		len += tl;
		json_object_put(o);
	}
	buf[len++] = ']';
	buf[len] = '\0';
	a = json_object_new_array();
	json_object_set_serializer(a, json_object_userdata_to_json_string, buf, json_object_free_userdata);
	return a;
}

static const char *dc_state_word(int st)
{
	return st == AUDIT_DC_READ ? "read" : st == AUDIT_DC_FAILED ? "not_read" : "not_tried";
}

static const char *cross_state(const struct audit_run *r)
{
	if (r->n_not_compared)
		return r->n_compared ? "incomplete" : "unknown";
	return r->n_compared ? "compared" : "single_dc";
}

static struct json_object *summary_json(const struct audit_run *r, const struct admin_session *s, const char *base)
{
	struct json_object *o = json_object_new_object(), *c = json_object_new_object(), *x, *a;
	enum audit_verdict v = audit_verdict(r, NULL, 0);
	char note[600];

	json_object_object_add(o, "domain", json_object_new_string(s->realm));
	json_object_object_add(o, "base", json_object_new_string(base));
	json_object_object_add(o, "dc", admin_dc_json(s));
	json_object_object_add(o, "skipped_dcs", admin_skipped_json(s));
	json_object_object_add(o, "accounts_read", json_object_new_int64((int64_t)r->n));
	json_object_object_add(o, "stale_days", json_object_new_int(r->stale_days));
	json_object_object_add(o, "stale_days_source", json_object_new_string(stale_src_word(r->stale_src)));
	json_object_object_add(o, "stale_days_note", json_object_new_string(stale_note(r, note, sizeof(note))));
	json_object_object_add(o, "policy", policy_json(r));
	for (unsigned k = 0; k < AK__COUNT; k++)
		json_object_object_add(c, audit_kind_key((enum audit_kind)k), json_object_new_int64((int64_t)r->count[k]));
	json_object_object_add(o, "summary", c);
	json_object_object_add(o, "accounts_with_findings", json_object_new_int64((int64_t)r->n_flagged));
	x = json_object_new_object();
	json_object_object_add(x, "state", json_object_new_string(cross_state(r)));
	a = json_object_new_array();
	for (size_t d = 0; d < r->n_dc; d++) {
		const struct audit_dc *dc = &r->dc[d];
		struct json_object *j = out_dc_json(dc->name, dc->address, dc->site);
		json_object_object_add(j, "role", json_object_new_string(dc->primary ? "primary" : "compared"));
		json_object_object_add(j, "status", json_object_new_string(dc_state_word(dc->state)));
		json_object_object_add(j, "reason", dc->reason[0] ? json_object_new_string(dc->reason) : NULL);
		json_object_object_add(j, "entries", json_object_new_int64((int64_t)dc->n_entries));
		json_object_object_add(j, "only_here", json_object_new_int64((int64_t)dc->n_only_here));
		json_object_object_add(j, "elapsed_ms", json_object_new_int64((int64_t)dc->ms));
		json_object_array_add(a, j);
	}
	json_object_object_add(x, "dcs", a);
	json_object_object_add(o, "cross_dc", x);
	json_object_object_add(o, "verdict", json_object_new_string(v == AUDIT_FINDINGS ? "findings"
								   : v == AUDIT_CLEAN ? "clean"
										      : "inconclusive"));
	json_object_object_add(o, "healthy", v == AUDIT_FINDINGS ? json_object_new_boolean(0)
				 : v == AUDIT_CLEAN ? json_object_new_boolean(1)
						    : NULL);
	return o;
}

static void print_text(const struct audit_run *r, const struct admin_session *s, const char *base)
{
	char s1[OUT_SAFE_SIZE(512)], s2[OUT_SAFE_SIZE(512)], s3[OUT_SAFE_SIZE(600)];
	const struct audit_dc *p = &r->dc[0];

	printf("Domain:     %s, %zu computer account%s under %s\n", s->realm, r->n, r->n == 1 ? "" : "s",
	       safe(base, s1, sizeof(s1)));
	if (s->ld.tls)
		printf("Read from:  %s as %s (LDAP over TLS), %llu ms, paged\n", safe(p->name, s1, sizeof(s1)),
		       s->principal, (unsigned long long)p->ms);
	else
		printf("Read from:  %s as %s (sealed LDAP, SSF %u), %llu ms, paged\n", safe(p->name, s1, sizeof(s1)),
		       s->principal, s->ld.ssf, (unsigned long long)p->ms);
	admin_print_skipped(s);
	{
		char note[OUT_SAFE_SIZE(600)], g[300];
		const struct audit_policy *pol = &r->pol;
		if (r->stale_src == AUDIT_STALE_OPTION) {
			if (pol->state == AUDIT_POL_READ && pol->have_max_age)
				snprintf(note, sizeof(note), "--stale-days (policy: %u days, MaximumPasswordAge of %s)",
					 pol->max_age, gpo_words(pol, pol->max_age_gpo, g, sizeof(g)));
			else if (pol->state == AUDIT_POL_READ)
				snprintf(note, sizeof(note), "--stale-days (policy: 30 days, Windows default; no domain GPO sets it)");
			else
				snprintf(note, sizeof(note), "--stale-days (policy not read: %.300s)",
					 pol->reason[0] ? pol->reason : "not tried");
		} else {
			stale_note(r, note, sizeof(note));
		}
		snprintf(s3, sizeof(s3), "a password older than %d days: %.560s", r->stale_days, note);
		printf("Stale:      ");
		out_wrap(stdout, out_safe(s3, note, sizeof(note)), 12, 12, TEXT_WIDTH);
		if (pol->state == AUDIT_POL_READ) {
			snprintf(note, sizeof(note), "%zu GPO%s linked %s, read from \\\\%s\\SYSVOL in %llu ms",
				 pol->n_gpo, pol->n_gpo == 1 ? "" : "s",
				 pol->ou_links ? "on the domain and the OU path to the base" : "on the domain",
				 pol->server, (unsigned long long)pol->ms);
			printf("Policy:     ");
			out_wrap(stdout, out_safe(note, s3, sizeof(s3)), 12, 12, TEXT_WIDTH);
		}
		if (pol->disable_known && pol->disable_change) {
			snprintf(note, sizeof(note), "password changes are disabled by policy (DisablePasswordChange=%u, %s)",
				 pol->disable_change, gpo_words(pol, pol->disable_gpo, g, sizeof(g)));
			printf("            ");
			out_wrap(stdout, out_safe(note, s3, sizeof(s3)), 12, 12, TEXT_WIDTH);
		}
		for (size_t z = 0; z < pol->n_zone; z++) {
			const struct audit_zone *zn = &pol->zone[z];
			char what[700];
			if (zn->stale_src == AUDIT_STALE_OPTION)
				snprintf(what, sizeof(what), "--stale-days");
			else if (zn->stale_src == AUDIT_STALE_POLICY)
				snprintf(what, sizeof(what), "%d days (MaximumPasswordAge of GPO '%.200s' %s)", zn->stale_days,
					 zn->max_age_name, zn->max_age_guid);
			else if (zn->stale_src == AUDIT_STALE_DEFAULT)
				snprintf(what, sizeof(what), "30 days (Windows default; no GPO sets it there)");
			else
				snprintf(what, sizeof(what), "policy not read: %.400s; assuming 30 days", zn->reason);
			snprintf(note, sizeof(note), "under %.300s (%zu account%s): %.500s%s", zn->dn, zn->n_accounts,
				 zn->n_accounts == 1 ? "" : "s", what,
				 zn->disable_known && zn->disable_change ? "; password changes disabled by policy" : "");
			printf("            ");
			out_wrap(stdout, out_safe(note, s3, sizeof(s3)), 12, 14, TEXT_WIDTH);
		}
		if (pol->state == AUDIT_POL_READ && !pol->disable_known) {
			snprintf(note, sizeof(note), "DisablePasswordChange not known: %.500s", pol->disable_why);
			printf("            ");
			out_wrap(stdout, out_safe(note, s3, sizeof(s3)), 12, 12, TEXT_WIDTH);
		}
		for (size_t i = 0; i < pol->n_unevaluated; i++) {
			snprintf(note, sizeof(note), "NOT evaluated: %s", pol->unevaluated[i]);
			printf("            ");
			out_wrap(stdout, out_safe(note, s3, sizeof(s3)), 12, 14, TEXT_WIDTH);
		}
		if (pol->n_unevaluated_total > pol->n_unevaluated)
			printf("            and %zu more containers not evaluated\n", pol->n_unevaluated_total - pol->n_unevaluated);
	}
	if (r->n_dc <= 1)
		printf("Other DCs:  none (one DC): nothing to compare\n");
	for (size_t d = 1; d < r->n_dc; d++) {
		const struct audit_dc *dc = &r->dc[d];
		if (dc->state == AUDIT_DC_READ)
			printf("%s %s: compared (%zu accounts, %llu ms%s)\n", d == 1 ? "Other DCs: " : "           ",
			       safe(dc->name, s1, sizeof(s1)), dc->n_entries, (unsigned long long)dc->ms,
			       dc->n_only_here ? ", some only there" : "");
		else {
			char line[OUT_SAFE_SIZE(512) + OUT_SAFE_SIZE(512) + 40];
			snprintf(line, sizeof(line), "%s: NOT compared: %s", safe(dc->name, s1, sizeof(s1)),
				 safe(dc->reason[0] ? dc->reason : "not tried", s2, sizeof(s2)));
			printf("%s ", d == 1 ? "Other DCs: " : "           ");
			out_wrap(stdout, line, 12, 14, TEXT_WIDTH);
		}
	}
	printf("\n%-52s %8s\n", "Finding", "accounts");
	for (unsigned k = 0; k < AK__COUNT; k++)
		printf("  %-50s %8zu\n", audit_kind_label((enum audit_kind)k), r->count[k]);
	printf("  %-50s %8s\n", "kvno/pwdLastSet compared between DCs",
	       r->n_not_compared ? (r->n_compared ? "partly" : "UNKNOWN") : r->n_compared ? "yes" : "n/a");
	printf("Accounts with findings: %zu of %zu\n", r->n_flagged, r->n);
	for (size_t i = 0; i < r->n; i++) {
		const struct audit_acct *a = &r->a[i];
		int shown = 0;
		for (size_t f = 0; f < a->n_f; f++) {
			if (!audit_kind_is_problem(a->f[f].kind))
				continue;
			if (!shown++)
				printf("\n%s  %s\n", safe(a->sam, s1, sizeof(s1)), safe(a->dn, s2, sizeof(s2)));
			printf("  - ");
			out_wrap(stdout, out_safe(a->f[f].message, s3, sizeof(s3)), 4, 4, TEXT_WIDTH);
		}
	}
	if (r->count[AK_ENCTYPES_UNSET])
		printf("\nNote: %zu account%s without msDS-SupportedEncryptionTypes (the KDC's default decides; not "
		       "counted as a finding; --json lists them)\n",
		       r->count[AK_ENCTYPES_UNSET], r->count[AK_ENCTYPES_UNSET] == 1 ? "" : "s");
}

int cmd_audit(struct nlt_ctx *ctx, struct nlt_err *e)
{
	const struct nlt_req *req = ctx->req;
	struct admin_session s;
	struct audit_run *r = calloc(1, sizeof(*r));
	const char *base;
	char why[700];
	int rc = -1;

	memset(&s, 0, sizeof(s));
	if (!r)
		return nlt_seterr(e, NLT_EINTERNAL, "out of memory");
	if (req->target_name) {
		free(r);
		return nlt_seterr(e, NLT_EUSAGE, "audit takes no computer name (nltrust audit [DOMAIN] [--ou DN])");
	}
	r->now = time(NULL);
	if (admin_open(&s, ctx, e) < 0)
		goto out;
	base = req->ou ? req->ou : s.ld.default_nc;
	if (audit_collect(r, &s, ctx, base, e) < 0)
		goto out;
	/* the machine-password policy of the GPOs (SYSVOL over SMB2); what could not be read is said */
	gpo_read_policy(&s, ctx, base, &r->pol);
	audit_apply_policy(r, req->stale_days);
	audit_judge(r);
	if (req->ndjson) {
		for (size_t i = 0; i < r->n; i++) {
			struct json_object *o = acct_json(&r->a[i], r->now);
			out_json_print(o);
			json_object_put(o);
		}
		out_json_doc(summary_json(r, &s, base));
	} else if (req->json) {
		struct json_object *o = summary_json(r, &s, base), *a = accounts_json(r);
		if (!a) {
			json_object_put(o);
			nlt_seterr(e, NLT_EINTERNAL, "out of memory writing %zu accounts as JSON", r->n);
			goto out;
		}
		json_object_object_add(o, "accounts", a);
		out_json_doc(o);
	} else if (!req->quiet) {
		print_text(r, &s, base);
	}
	switch (audit_verdict(r, why, sizeof(why))) {
	case AUDIT_FINDINGS:
		nlt_seterr(e, NLT_EPROBLEM, "%zu of %zu computer accounts %s findings%s%s", r->n_flagged, r->n,
			   r->n_flagged == 1 ? "has" : "have",
			   r->n_not_compared ? "; the cross-DC comparison is incomplete" : "",
			   r->stale_src == AUDIT_STALE_ASSUMED ? "; the password-age policy was not read (30 days assumed)" : "");
		goto out;
	case AUDIT_INCONCLUSIVE:
		nlt_seterr(e, NLT_ENODC, "no finding in %zu account%s, but %s", r->n, r->n == 1 ? "" : "s", why);
		goto out;
	case AUDIT_CLEAN:
		break;
	}
	rc = 0;
out:
	audit_free(r);
	free(r);
	admin_close(&s);
	return rc;
}
