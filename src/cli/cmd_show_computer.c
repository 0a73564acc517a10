/*
 * src/cli/cmd_show_computer.c - nltrust show-computer NAME: the directory's view
 * of a machine account, read as an administrator over sealed LDAP from the
 * chosen writable DC, with findings in plain words.
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "adattr.h"
#include "admin.h"
#include "machine.h"
#include "output.h"

#define MAX_SPN 64
#define MAX_FINDINGS 12
/* Netlogon's default MaximumPasswordAge: members change their password every 30 days */
#define MAX_MACHINE_PW_AGE_DAYS 30

struct computer {
	char sam[64], dn[512], dnshostname[256], os[128], osver[64];
	int64_t uac, kvno, enctypes, pwdlastset, lastlogon;
	int have_uac, have_kvno, have_enctypes, have_pwdlastset, have_lastlogon;
	char created[32], changed[32];
	char *spn[MAX_SPN];
	size_t n_spn;
	char problems[MAX_FINDINGS][400];
	size_t n_problems;
	char notes[MAX_FINDINGS][400];
	size_t n_notes;
};

static void add(char (*list)[400], size_t *n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void add(char (*list)[400], size_t *n, const char *fmt, ...)
{
	va_list ap;

	if (*n >= MAX_FINDINGS)
		return;
	va_start(ap, fmt);
	vsnprintf(list[*n], 400, fmt, ap);
	va_end(ap);
	(*n)++;
}

static int has_spn(const struct computer *c, const char *want)
{
	for (size_t i = 0; i < c->n_spn; i++)
		if (strcasecmp(c->spn[i], want) == 0)
			return 1;
	return 0;
}

static void judge(struct computer *c, const char *domain, time_t now)
{
	char host[64], want[320];
	size_t hl = strlen(c->sam) - 1;

	memcpy(host, c->sam, hl);
	host[hl] = '\0';
	if (!c->have_uac || !(c->uac & (UAC_WORKSTATION_TRUST_ACCOUNT | UAC_SERVER_TRUST_ACCOUNT)))
		add(c->problems, &c->n_problems, "%s is not a workstation or server trust account", c->sam);
	if (c->have_uac && (c->uac & UAC_ACCOUNTDISABLE))
		add(c->problems, &c->n_problems, "the account is disabled: the member cannot log on to the domain");
	if (c->have_uac && (c->uac & UAC_LOCKOUT))
		add(c->problems, &c->n_problems, "the account is locked out");
	if (c->have_uac && (c->uac & UAC_USE_DES_KEY_ONLY))
		add(c->problems, &c->n_problems, "the account is DES-only (USE_DES_KEY_ONLY): modern DCs refuse DES");
	if (!c->have_enctypes || !(c->enctypes & (ENC_AES128 | ENC_AES256)))
		add(c->problems, &c->n_problems,
		    "no AES in msDS-SupportedEncryptionTypes (%s): tickets for this host use RC4, which is being retired",
		    c->have_enctypes ? "RC4/DES only" : "not set, so RC4 only");
	if (c->have_pwdlastset) {
		int64_t t = ad_filetime_to_unix(c->pwdlastset);
		if (t < 0)
			add(c->problems, &c->n_problems, "pwdLastSet is 0: the password must be set before the member can log on");
		else if (now - t > (int64_t)MAX_MACHINE_PW_AGE_DAYS * 86400)
			add(c->problems, &c->n_problems,
			    "the password is %lld days old (members change it every %d days by default): the member is off, "
			    "has machine password changes disabled, or its changes fail",
			    (long long)((now - t) / 86400), MAX_MACHINE_PW_AGE_DAYS);
	}
	if (!c->dnshostname[0]) {
		add(c->problems, &c->n_problems, "no dNSHostName: Kerberos service tickets by DNS name cannot be issued");
	} else {
		const char *dot = strchr(c->dnshostname, '.');
		size_t l = dot ? (size_t)(dot - c->dnshostname) : strlen(c->dnshostname);
		if (l != hl || strncasecmp(c->dnshostname, host, hl) != 0)
			add(c->problems, &c->n_problems, "dNSHostName %s does not match the account name %s", c->dnshostname,
			    c->sam);
		else if (!dot || strcasecmp(dot + 1, domain) != 0)
			add(c->notes, &c->n_notes, "dNSHostName %s is outside the domain %s (a disjoint namespace)",
			    c->dnshostname, domain);
	}
	snprintf(want, sizeof(want), "HOST/%s", host);
	if (!has_spn(c, want))
		add(c->problems, &c->n_problems, "servicePrincipalName lacks %s", want);
	if (c->dnshostname[0]) {
		snprintf(want, sizeof(want), "HOST/%.250s", c->dnshostname);
		if (!has_spn(c, want))
			add(c->problems, &c->n_problems, "servicePrincipalName lacks %s", want);
	}
}

/* Every string here but our own words came from the DC: printed through out_safe(). */
static void print_text(const struct computer *c, const struct admin_session *s, time_t now)
{
	char b[512], tb[40], s1[OUT_SAFE_SIZE(sizeof(c->dn))], s2[OUT_SAFE_SIZE(sizeof(c->osver))];
	int64_t t;

	printf("Computer:   %s\n", out_safe(c->sam, s1, sizeof(s1)));
	printf("DN:         %s\n", out_safe(c->dn, s1, sizeof(s1)));
	out_safe(s->dc->info.dc_dns_name, s1, sizeof(s1));
	if (s->ld.tls)
		printf("Read from:  %s as %s (LDAP over TLS, certificate verified)\n", s1, s->principal);
	else
		printf("Read from:  %s as %s (sealed LDAP, SSF %u)\n", s1, s->principal, s->ld.ssf);
	admin_print_skipped(s);
	printf("Flags:      0x%llx %s\n", (unsigned long long)c->uac, ad_uac_str((uint32_t)c->uac, b, sizeof(b)));
	if (c->have_pwdlastset && (t = ad_filetime_to_unix(c->pwdlastset)) >= 0)
		printf("Password:   set %s (%lld days ago)\n", nlt_iso8601(t, tb, sizeof(tb)), (long long)((now - t) / 86400));
	else
		printf("Password:   never set\n");
	printf("Key vno:    %s\n", c->have_kvno ? (snprintf(b, sizeof(b), "%lld", (long long)c->kvno), b) : "-");
	printf("Enctypes:   %s\n", c->have_enctypes ? ad_enctypes_str((uint32_t)c->enctypes, b, sizeof(b)) : "(not set)");
	printf("DNS name:   %s\n", c->dnshostname[0] ? out_safe(c->dnshostname, s1, sizeof(s1)) : "-");
	printf("OS:         %s%s%s\n", c->os[0] ? out_safe(c->os, s1, sizeof(s1)) : "-", c->osver[0] ? " " : "",
	       out_safe(c->osver, s2, sizeof(s2)));
	if (c->have_lastlogon && (t = ad_filetime_to_unix(c->lastlogon)) >= 0)
		printf("Last logon: %s (replicated; up to 14 days behind)\n", nlt_iso8601(t, tb, sizeof(tb)));
	t = c->created[0] ? ad_gentime_to_unix(c->created) : -1;
	printf("Created:    %s\n", t >= 0 ? nlt_iso8601(t, tb, sizeof(tb)) : "-");
	t = c->changed[0] ? ad_gentime_to_unix(c->changed) : -1;
	printf("Changed:    %s\n", t >= 0 ? nlt_iso8601(t, tb, sizeof(tb)) : "-");
	printf("SPNs:      ");
	for (size_t i = 0; i < c->n_spn; i++) {
		/* an SPN has no length limit of ours: escape it whole */
		size_t n = OUT_SAFE_SIZE(strlen(c->spn[i]));
		char *v = malloc(n);
		printf(" %s", v ? out_safe(c->spn[i], v, n) : "(out of memory)");
		free(v);
	}
	printf("%s\n", c->n_spn ? "" : " -");
	if (c->n_problems || c->n_notes) {
		printf("\nFindings:\n");
		for (size_t i = 0; i < c->n_problems; i++)
			printf("  %s\n", out_safe(c->problems[i], s1, sizeof(s1)));
		for (size_t i = 0; i < c->n_notes; i++)
			printf("  note: %s\n", out_safe(c->notes[i], s1, sizeof(s1)));
	}
}

static struct json_object *bits_json(uint32_t v, const char *(*name)(unsigned))
{
	struct json_object *a = json_object_new_array();
	char tmp[16];

	for (unsigned i = 0; i < 32; i++)
		if (v & (1u << i)) {
			const char *n = name(i);
			if (!n) {
				snprintf(tmp, sizeof(tmp), "0x%x", 1u << i);
				n = tmp;
			}
			json_object_array_add(a, json_object_new_string(n));
		}
	return a;
}

static struct json_object *time_json(int64_t unix_s)
{
	char tb[40];

	return unix_s >= 0 ? json_object_new_string(nlt_iso8601(unix_s, tb, sizeof(tb))) : NULL;
}

static void print_json(const struct computer *c, const struct admin_session *s, time_t now)
{
	struct json_object *o = json_object_new_object(), *a;
	int64_t pw = c->have_pwdlastset ? ad_filetime_to_unix(c->pwdlastset) : -1;

	json_object_object_add(o, "sam_account_name", json_object_new_string(c->sam));
	json_object_object_add(o, "dn", json_object_new_string(c->dn));
	json_object_object_add(o, "dc", admin_dc_json(s));
	json_object_object_add(o, "skipped_dcs", admin_skipped_json(s));
	json_object_object_add(o, "user_account_control", c->have_uac ? json_object_new_int64(c->uac) : NULL);
	json_object_object_add(o, "user_account_control_flags", bits_json((uint32_t)c->uac, ad_uac_bit_name));
	json_object_object_add(o, "pwd_last_set", time_json(pw));
	json_object_object_add(o, "password_age_days", pw >= 0 ? json_object_new_int64((now - pw) / 86400) : NULL);
	json_object_object_add(o, "key_version_number", c->have_kvno ? json_object_new_int64(c->kvno) : NULL);
	json_object_object_add(o, "supported_encryption_types", c->have_enctypes ? json_object_new_int64(c->enctypes) : NULL);
	json_object_object_add(o, "supported_encryption_type_names",
			       c->have_enctypes ? bits_json((uint32_t)c->enctypes, ad_enctype_bit_name) : NULL);
	a = json_object_new_array();
	for (size_t i = 0; i < c->n_spn; i++)
		json_object_array_add(a, json_object_new_string(c->spn[i]));
	json_object_object_add(o, "service_principal_names", a);
	json_object_object_add(o, "dns_host_name", c->dnshostname[0] ? json_object_new_string(c->dnshostname) : NULL);
	json_object_object_add(o, "operating_system", c->os[0] ? json_object_new_string(c->os) : NULL);
	json_object_object_add(o, "operating_system_version", c->osver[0] ? json_object_new_string(c->osver) : NULL);
	json_object_object_add(o, "last_logon_timestamp",
			       time_json(c->have_lastlogon ? ad_filetime_to_unix(c->lastlogon) : -1));
	json_object_object_add(o, "when_created", time_json(c->created[0] ? ad_gentime_to_unix(c->created) : -1));
	json_object_object_add(o, "when_changed", time_json(c->changed[0] ? ad_gentime_to_unix(c->changed) : -1));
	a = json_object_new_array();
	for (size_t i = 0; i < c->n_problems; i++)
		json_object_array_add(a, out_finding_json("problem", c->problems[i], NULL));
	json_object_object_add(o, "problems", a);
	a = json_object_new_array();
	for (size_t i = 0; i < c->n_notes; i++)
		json_object_array_add(a, out_finding_json("note", c->notes[i], NULL));
	json_object_object_add(o, "notes", a);
	json_object_object_add(o, "verdict", json_object_new_string(c->n_problems ? "problems" : "healthy"));
	json_object_object_add(o, "healthy", json_object_new_boolean(c->n_problems == 0));
	out_json_doc(o);
}

int cmd_show_computer(struct nlt_ctx *ctx, struct nlt_err *e)
{
	static const char *const attrs[] = { "sAMAccountName", "userAccountControl", "pwdLastSet",
					     "msDS-KeyVersionNumber", "msDS-SupportedEncryptionTypes",
					     "servicePrincipalName", "dNSHostName", "operatingSystem",
					     "operatingSystemVersion", "lastLogonTimestamp", "whenCreated",
					     "whenChanged", NULL };
	const struct nlt_req *req = ctx->req;
	struct admin_session s;
	struct nlt_ldap_entry en;
	struct computer *c = calloc(1, sizeof(*c));
	struct berval **spn = NULL;
	char esc[100], filter[200];
	time_t now = time(NULL);
	int r = -1, found;

	memset(&en, 0, sizeof(en));
	memset(&s, 0, sizeof(s));
	if (!c)
		return nlt_seterr(e, NLT_EINTERNAL, "out of memory");
	if (!req->target_name) {
		nlt_seterr(e, NLT_EUSAGE, "which computer? (nltrust show-computer NAME)");
		goto out;
	}
	if (machine_account(req->target_name, MACHINE_SAM_MAX, c->sam, sizeof(c->sam), NULL, 0, e) < 0)
		goto out;
	if (admin_open(&s, ctx, e) < 0)
		goto out;
	nlt_ldap_filter_escape(c->sam, esc, sizeof(esc));
	snprintf(filter, sizeof(filter), "(&(objectClass=computer)(sAMAccountName=%s))", esc);
	found = nlt_ldap_search_one(&s.ld, s.ld.default_nc, LDAP_SCOPE_SUBTREE, filter, attrs, &en, e);
	if (found < 0)
		goto out;
	if (found > 0) {
		nlt_seterr(e, NLT_EPROBLEM, "no computer account %s in %s (searched %s on %s)", c->sam, s.realm,
			   s.ld.default_nc, s.dc->info.dc_dns_name);
		if (req->json) {
			struct json_object *o = json_object_new_object(), *p = json_object_new_array();
			json_object_object_add(o, "sam_account_name", json_object_new_string(c->sam));
			json_object_object_add(o, "dn", NULL);
			json_object_object_add(o, "dc", admin_dc_json(&s));
			json_object_object_add(o, "skipped_dcs", admin_skipped_json(&s));
			json_object_array_add(p, out_finding_json("problem", e->msg, NULL));
			json_object_object_add(o, "problems", p);
			json_object_object_add(o, "verdict", json_object_new_string("problems"));
			json_object_object_add(o, "healthy", json_object_new_boolean(0));
			out_json_doc(o);
		}
		goto out;
	}
	nlt_strlcpy(c->dn, en.dn ? en.dn : "", sizeof(c->dn));
	nlt_ldap_str(&en, "sAMAccountName", c->sam, sizeof(c->sam));
	c->have_uac = nlt_ldap_i64(&en, "userAccountControl", &c->uac);
	c->have_pwdlastset = nlt_ldap_i64(&en, "pwdLastSet", &c->pwdlastset);
	c->have_kvno = nlt_ldap_i64(&en, "msDS-KeyVersionNumber", &c->kvno);
	c->have_enctypes = nlt_ldap_i64(&en, "msDS-SupportedEncryptionTypes", &c->enctypes);
	c->have_lastlogon = nlt_ldap_i64(&en, "lastLogonTimestamp", &c->lastlogon);
	nlt_ldap_str(&en, "dNSHostName", c->dnshostname, sizeof(c->dnshostname));
	nlt_ldap_str(&en, "operatingSystem", c->os, sizeof(c->os));
	nlt_ldap_str(&en, "operatingSystemVersion", c->osver, sizeof(c->osver));
	nlt_ldap_str(&en, "whenCreated", c->created, sizeof(c->created));
	nlt_ldap_str(&en, "whenChanged", c->changed, sizeof(c->changed));
	spn = nlt_ldap_values(&en, "servicePrincipalName");
	for (size_t i = 0; spn && spn[i] && c->n_spn < MAX_SPN; i++) {
		char *v = malloc(spn[i]->bv_len + 1);
		if (!v)
			break;
		memcpy(v, spn[i]->bv_val, spn[i]->bv_len);
		v[spn[i]->bv_len] = '\0';
		c->spn[c->n_spn++] = v;
	}
	judge(c, s.realm, now);
	if (req->json) {
		print_json(c, &s, now);
	} else if (!req->quiet) {
		print_text(c, &s, now);
	}
	if (c->n_problems) {
		nlt_seterr(e, NLT_EPROBLEM, "%s: %zu problem(s); first: %s", c->sam, c->n_problems, c->problems[0]);
		goto out;
	}
	r = 0;
out:
	if (spn)
		ldap_value_free_len(spn);
	for (size_t i = 0; i < c->n_spn; i++)
		free(c->spn[i]);
	nlt_ldap_entry_free(&en);
	admin_close(&s);
	free(c);
	return r;
}
