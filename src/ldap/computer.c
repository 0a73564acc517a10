/*
 * src/ldap/computer.c - the directory's view of a computer object and its
 * findings (see computer.h).  Moved out of cmd_show_computer.c so that
 * show-computer and verify --target decide the same way.
 */
#include "config.h"
#include "computer.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "adattr.h"
#include "machine.h"
#include "output.h"

static void add(char (*list)[400], size_t *n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void add(char (*list)[400], size_t *n, const char *fmt, ...)
{
	va_list ap;

	if (*n >= COMPUTER_MAX_FINDINGS)
		return;
	va_start(ap, fmt);
	vsnprintf(list[*n], 400, fmt, ap);
	va_end(ap);
	(*n)++;
}

static int has_spn(const struct computer_view *c, const char *want)
{
	for (size_t i = 0; i < c->n_spn; i++)
		if (strcasecmp(c->spn[i], want) == 0)
			return 1;
	return 0;
}

void computer_judge(struct computer_view *c, const char *domain, time_t now)
{
	char host[64], want[320];
	size_t hl = strlen(c->sam);

	c->n_problems = c->n_notes = 0;
	hl = hl ? hl - 1 : 0; /* without the trailing $ */
	memcpy(host, c->sam, hl);
	host[hl] = '\0';
	if (!c->have_uac || !(c->uac & (UAC_WORKSTATION_TRUST_ACCOUNT | UAC_SERVER_TRUST_ACCOUNT)))
		add(c->problems, &c->n_problems, "%s is not a workstation or server trust account", c->sam);
	if (c->have_uac && (c->uac & UAC_ACCOUNTDISABLE))
		add(c->problems, &c->n_problems, "%s: the member cannot log on to the domain", COMPUTER_DISABLED_TEXT);
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
		else if (now - t > (int64_t)COMPUTER_MAX_PW_AGE_DAYS * 86400)
			add(c->problems, &c->n_problems,
			    "the password is %lld days old (members change it every %d days by default): the member is off, "
			    "has machine password changes disabled, or its changes fail",
			    (long long)((now - t) / 86400), COMPUTER_MAX_PW_AGE_DAYS);
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

int computer_read(struct admin_session *s, const char *name, struct computer_view *c, time_t now, struct nlt_err *e)
{
	static const char *const attrs[] = { "sAMAccountName", "userAccountControl", "pwdLastSet",
					     "msDS-KeyVersionNumber", "msDS-SupportedEncryptionTypes",
					     "servicePrincipalName", "dNSHostName", "operatingSystem",
					     "operatingSystemVersion", "lastLogonTimestamp", "whenCreated",
					     "whenChanged", NULL };
	struct nlt_ldap_entry en;
	struct berval **spn = NULL;
	char esc[100], filter[200];
	int found;

	memset(c, 0, sizeof(*c));
	memset(&en, 0, sizeof(en));
	if (machine_account(name, MACHINE_SAM_MAX, c->sam, sizeof(c->sam), NULL, 0, e) < 0)
		return -1;
	nlt_ldap_filter_escape(c->sam, esc, sizeof(esc));
	snprintf(filter, sizeof(filter), "(&(objectClass=computer)(sAMAccountName=%s))", esc);
	found = nlt_ldap_search_one(&s->ld, s->ld.default_nc, LDAP_SCOPE_SUBTREE, filter, attrs, &en, e);
	if (found < 0)
		return -1;
	if (found > 0) {
		nlt_ldap_entry_free(&en);
		return 1;
	}
	c->found = 1;
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
	for (size_t i = 0; spn && spn[i] && c->n_spn < COMPUTER_MAX_SPN; i++) {
		char *v = malloc(spn[i]->bv_len + 1);
		if (!v)
			break;
		memcpy(v, spn[i]->bv_val, spn[i]->bv_len);
		v[spn[i]->bv_len] = '\0';
		c->spn[c->n_spn++] = v;
	}
	if (spn)
		ldap_value_free_len(spn);
	nlt_ldap_entry_free(&en);
	computer_judge(c, s->realm, now);
	return 0;
}

void computer_free(struct computer_view *c)
{
	for (size_t i = 0; i < c->n_spn; i++)
		free(c->spn[i]);
	c->n_spn = 0;
}

/* Every string here but our own words came from the DC: printed through out_safe(). */
void computer_print_fields(const struct computer_view *c, time_t now)
{
	char b[512], tb[40], s1[OUT_SAFE_SIZE(sizeof(c->dn))], s2[OUT_SAFE_SIZE(sizeof(c->osver))];
	int64_t t;

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
}

void computer_print_findings(const struct computer_view *c, const char *indent)
{
	char s1[OUT_SAFE_SIZE(400)];

	for (size_t i = 0; i < c->n_problems; i++)
		printf("%s%s\n", indent, out_safe(c->problems[i], s1, sizeof(s1)));
	for (size_t i = 0; i < c->n_notes; i++)
		printf("%snote: %s\n", indent, out_safe(c->notes[i], s1, sizeof(s1)));
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

void computer_json_add(struct json_object *o, const struct computer_view *c, time_t now)
{
	struct json_object *a;
	int64_t pw = c->have_pwdlastset ? ad_filetime_to_unix(c->pwdlastset) : -1;

	json_object_object_add(o, "sam_account_name", json_object_new_string(c->sam));
	json_object_object_add(o, "dn", json_object_new_string(c->dn));
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
}
