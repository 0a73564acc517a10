/*
 * tests/unit/test_gpo.c - audit's GPO policy: the gPLink and GptTmpl.inf decoders (proto/gpo.c;
 * golden values, every prefix, every bit flip), the precedence of links (src/trust/gpolicy.c:
 * link order, enforced, blocked inheritance, disabled links), the decision (an unreadable GPO
 * ahead of the winner leaves the value undecided), and what audit makes of it (src/ldap/audit.c:
 * the stale limit's source, the verdict when the policy was not read).
 *
 * The gPLink value is dc1's domain head as Samba 4.17 provisions it (ldapsearch, 2026-12-06); the
 * UTF-16LE template is what the Group Policy editor writes (BOM, CRLF, [Unicode] and [Version]
 * sections), built here byte by byte from the ASCII text.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "audit.h"
#include "gpo.h"
#include "gpolicy.h"
#include "sweep.h"

#define DDP "CN={31B2F340-016D-11D2-945F-00C04FB984F9},CN=Policies,CN=System,DC=lab,DC=test"
#define DDCP "CN={6AC1786C-016F-11D2-945F-00C04FB984F9},CN=Policies,CN=System,DC=lab,DC=test"

static const char TEMPLATE_TEXT[] =
	"[Unicode]\r\nUnicode=yes\r\n[Version]\r\nsignature=\"$CHICAGO$\"\r\nRevision=1\r\n"
	"[System Access]\r\nMaximumPasswordAge = 42\r\n"
	"[Registry Values]\r\n"
	"MACHINE\\Software\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon\\CachedLogonsCount=1,\"10\"\r\n"
	"MACHINE\\System\\CurrentControlSet\\Services\\Netlogon\\Parameters\\MaximumPasswordAge=4,10\r\n"
	"MACHINE\\System\\CurrentControlSet\\Services\\Netlogon\\Parameters\\DisablePasswordChange=4,1\r\n";

/* TEMPLATE_TEXT as UTF-16LE with a BOM, into out (heap); its length in *len */
static uint8_t *utf16(const char *s, size_t *len)
{
	size_t n = strlen(s);
	uint8_t *o = malloc(2 + 2 * n);

	assert_non_null(o);
	o[0] = 0xff;
	o[1] = 0xfe;
	for (size_t i = 0; i < n; i++) {
		o[2 + 2 * i] = (uint8_t)s[i];
		o[3 + 2 * i] = 0;
	}
	*len = 2 + 2 * n;
	return o;
}

static void test_gplink(void **state)
{
	static const char v[] = "[LDAP://" DDP ";0][ldap://" DDCP ";3]";
	struct gpo_link l[4];
	size_t n;
	char g[39];

	(void)state;
	assert_int_equal(gpo_dec_gplink(v, strlen(v), l, 4, &n), WIRE_OK);
	assert_int_equal(n, 2);
	assert_int_equal(l[0].dn_len, strlen(DDP));
	assert_memory_equal(l[0].dn, DDP, strlen(DDP));
	assert_int_equal(l[0].options, 0);
	assert_int_equal(l[1].options, GPO_LINK_DISABLED | GPO_LINK_ENFORCED);
	assert_int_equal(gpo_dn_guid(l[1].dn, l[1].dn_len, g), WIRE_OK);
	assert_string_equal(g, "{6AC1786C-016F-11D2-945F-00C04FB984F9}");
	/* empty and blank values are no links; a limit is a limit */
	assert_int_equal(gpo_dec_gplink("", 0, l, 4, &n), WIRE_OK);
	assert_int_equal(n, 0);
	assert_int_equal(gpo_dec_gplink(" ", 1, l, 4, &n), WIRE_OK);
	assert_int_equal(n, 0);
	assert_int_equal(gpo_dec_gplink(v, strlen(v), l, 1, &n), WIRE_ELIMIT);
	/* malformed */
	assert_int_equal(gpo_dec_gplink("[LDAP://;0]", 11, l, 4, &n), WIRE_EBAD);
	assert_int_equal(gpo_dec_gplink("[LDAP://x;]", 11, l, 4, &n), WIRE_EBAD);
	assert_int_equal(gpo_dec_gplink("[LDAP://x;1", 11, l, 4, &n), WIRE_EBAD);
	assert_int_equal(gpo_dec_gplink("[LDAP://x;99999999999]", 22, l, 4, &n), WIRE_EBAD);
	assert_int_equal(gpo_dec_gplink("LDAP://x;0", 10, l, 4, &n), WIRE_EBAD);
	assert_int_equal(gpo_dn_guid("CN=Policies,DC=x", 16, g), WIRE_EBAD);
	assert_int_equal(gpo_dn_guid("CN={31B2F340-016D-11D2-945F-00C04FB984F9}x,DC=x", 47, g), WIRE_EBAD);
}

static int dec_gplink_fn(const uint8_t *b, size_t len, void *ctx)
{
	struct gpo_link l[GPO_MAX_LINKS];
	size_t n;

	(void)ctx;
	return gpo_dec_gplink((const char *)b, len, l, GPO_MAX_LINKS, &n) == WIRE_OK && n == 2 ? 0 : -1;
}

static void test_gplink_sweeps(void **state)
{
	static const char v[] = "[LDAP://" DDP ";0][LDAP://" DDCP ";2]";

	(void)state;
	/* every prefix has fewer than two whole links */
	assert_int_equal(sweep_truncations((const uint8_t *)v, strlen(v), dec_gplink_fn, NULL), 0);
	(void)sweep_bitflips((const uint8_t *)v, strlen(v), dec_gplink_fn, NULL);
}

static void test_gpttmpl(void **state)
{
	struct gpo_secedit se;
	size_t len;
	uint8_t *u = utf16(TEMPLATE_TEXT, &len);

	(void)state;
	assert_int_equal(gpo_dec_gpttmpl(u, len, &se), WIRE_OK);
	assert_true(se.utf16);
	assert_int_equal(se.have, GPO_HAVE_MAX_AGE | GPO_HAVE_DISABLE);
	assert_int_equal(se.max_age, 10); /* not [System Access]'s 42: that is the users' policy */
	assert_int_equal(se.disable_change, 1);
	assert_int_equal(se.bad, 0);
	/* odd length after the BOM */
	assert_int_equal(gpo_dec_gpttmpl(u, len - 1, &se), WIRE_EBAD);
	free(u);
	/* ANSI, other case, blanks, a UTF-8 BOM, LF only */
	{
		static const char a[] = "\xef\xbb\xbf[registry values]\n"
					"  machine\\system\\currentcontrolset\\services\\netlogon\\parameters\\maximumpasswordage = 4 , 60 \n";
		assert_int_equal(gpo_dec_gpttmpl((const uint8_t *)a, strlen(a), &se), WIRE_OK);
		assert_false(se.utf16);
		assert_int_equal(se.have, GPO_HAVE_MAX_AGE);
		assert_int_equal(se.max_age, 60);
	}
	/* the key outside [Registry Values] does not count; a wrong type or junk is "bad" */
	{
		static const char a[] = "[System Access]\nMACHINE\\System\\CurrentControlSet\\Services\\Netlogon\\Parameters\\"
					"MaximumPasswordAge=4,5\n[Registry Values]\nMACHINE\\System\\CurrentControlSet\\Services\\"
					"Netlogon\\Parameters\\DisablePasswordChange=1,\"1\"\n";
		assert_int_equal(gpo_dec_gpttmpl((const uint8_t *)a, strlen(a), &se), WIRE_OK);
		assert_int_equal(se.have, 0);
		assert_int_equal(se.bad, GPO_HAVE_DISABLE);
	}
	/* a non-ASCII character inside the key never matches */
	{
		static const uint8_t a[] = { 0xff, 0xfe, '[', 0, 'R', 0, ']', 0, '\n', 0, 'M', 0, 0xe9, 0x00, '=', 0, '4', 0 };
		assert_int_equal(gpo_dec_gpttmpl(a, sizeof(a), &se), WIRE_OK);
		assert_int_equal(se.have | se.bad, 0);
	}
	assert_int_equal(gpo_dec_gpttmpl(NULL, 0, &se), WIRE_OK);
	assert_int_equal(se.have, 0);
}

/* accepted with both values as in the whole file */
static int dec_tmpl_fn(const uint8_t *b, size_t len, void *ctx)
{
	struct gpo_secedit se;

	(void)ctx;
	if (gpo_dec_gpttmpl(b, len, &se) != WIRE_OK)
		return -1;
	return se.have == (GPO_HAVE_MAX_AGE | GPO_HAVE_DISABLE) && se.max_age == 10 && se.disable_change == 1 ? 0 : -1;
}

static void test_gpttmpl_sweeps(void **state)
{
	size_t len, acc;
	uint8_t *u = utf16(TEMPLATE_TEXT, &len);
	/* a prefix that still holds "...DisablePasswordChange=4,1" decodes both (the "\r\n" may be cut): 4 bytes */
	acc = sweep_truncations(u, len, dec_tmpl_fn, NULL);
	(void)state;
	assert_int_equal(acc, 2);
	(void)sweep_bitflips(u, len, dec_tmpl_fn, NULL);
	free(u);
}

/* ---- precedence ---- */

static void test_precedence(void **state)
{
	/* domain (som 0): A first, B last in gPLink; OU (som 1): C, D (enforced on the domain: E) */
	struct gpo_cand c[] = {
		{ 0, 0, 0 },                 /* 0: A domain, link order 2 */
		{ 0, 1, 0 },                 /* 1: B domain, link order 1 */
		{ 1, 0, 0 },                 /* 2: C OU, link order 2 */
		{ 1, 1, 0 },                 /* 3: D OU, link order 1 */
		{ 0, 2, GPO_LINK_ENFORCED }, /* 4: E domain, enforced */
		{ 1, 2, GPO_LINK_DISABLED }, /* 5: F OU, disabled */
		{ 1, 3, GPO_LINK_ENFORCED }, /* 6: G OU, enforced */
	};
	uint32_t opt[2] = { 0, 0 };
	size_t order[8], n;

	(void)state;
	n = gpo_precedence(c, 7, opt, 2, order);
	assert_int_equal(n, 6);
	/* enforced first, the domain's before the OU's; then the OU before the domain, link order 1 first */
	assert_int_equal(order[0], 4);
	assert_int_equal(order[1], 6);
	assert_int_equal(order[2], 3);
	assert_int_equal(order[3], 2);
	assert_int_equal(order[4], 1);
	assert_int_equal(order[5], 0);
	/* the OU blocks inheritance: the domain's unenforced links go, its enforced one stays */
	opt[1] = GPO_OPTIONS_BLOCK_INHERITANCE;
	n = gpo_precedence(c, 7, opt, 2, order);
	assert_int_equal(n, 4);
	assert_int_equal(order[0], 4);
	assert_int_equal(order[1], 6);
	assert_int_equal(order[2], 3);
	assert_int_equal(order[3], 2);
	/* blocking on the domain itself blocks nothing above it */
	opt[0] = GPO_OPTIONS_BLOCK_INHERITANCE;
	opt[1] = 0;
	assert_int_equal(gpo_precedence(c, 7, opt, 2, order), 6);
}

static struct audit_gpo *add_gpo(struct audit_policy *p, const char *name, int st, unsigned have, uint32_t age,
				 uint32_t dis)
{
	struct audit_gpo *g = &p->gpo[p->n_gpo++];

	memset(g, 0, sizeof(*g));
	snprintf(g->name, sizeof(g->name), "%s", name);
	snprintf(g->guid, sizeof(g->guid), "{%s}", name);
	g->state = st;
	g->have = have;
	g->max_age = age;
	g->disable_change = dis;
	if (st == AUDIT_GPO_FAILED)
		snprintf(g->note, sizeof(g->note), "SMB2 read: access denied");
	return g;
}

static void test_decide(void **state)
{
	struct audit_policy p;

	(void)state;
	/* nothing sets it: read, Windows' default */
	memset(&p, 0, sizeof(p));
	add_gpo(&p, "ddp", AUDIT_GPO_NO_TEMPLATE, 0, 0, 0);
	add_gpo(&p, "off", AUDIT_GPO_SKIPPED, 0, 0, 0);
	add_gpo(&p, "other", AUDIT_GPO_READ, 0, 0, 0);
	gpo_decide(&p);
	assert_int_equal(p.state, AUDIT_POL_READ);
	assert_false(p.have_max_age);
	assert_true(p.disable_known);
	assert_int_equal(p.disable_change, 0);
	assert_int_equal(p.disable_gpo, -1);
	/* the first that sets it wins; later ones, even unreadable, do not matter */
	memset(&p, 0, sizeof(p));
	add_gpo(&p, "top", AUDIT_GPO_READ, GPO_HAVE_MAX_AGE, 10, 0);
	add_gpo(&p, "low", AUDIT_GPO_READ, GPO_HAVE_MAX_AGE | GPO_HAVE_DISABLE, 60, 1);
	add_gpo(&p, "broken", AUDIT_GPO_FAILED, 0, 0, 0);
	gpo_decide(&p);
	assert_int_equal(p.state, AUDIT_POL_READ);
	assert_int_equal(p.max_age, 10);
	assert_int_equal(p.max_age_gpo, 0);
	assert_int_equal(p.disable_change, 1);
	assert_int_equal(p.disable_gpo, 1);
	/* an unreadable GPO ahead of the winner: undecided, never the lower GPO's value */
	memset(&p, 0, sizeof(p));
	add_gpo(&p, "broken", AUDIT_GPO_FAILED, 0, 0, 0);
	add_gpo(&p, "low", AUDIT_GPO_READ, GPO_HAVE_MAX_AGE, 60, 0);
	gpo_decide(&p);
	assert_int_equal(p.state, AUDIT_POL_FAILED);
	assert_non_null(strstr(p.reason, "'broken'"));
	assert_non_null(strstr(p.reason, "access denied"));
	assert_false(p.disable_known);
	/* the limit decided, DisablePasswordChange not (an unreadable GPO after the limit's): the limit stands */
	memset(&p, 0, sizeof(p));
	add_gpo(&p, "top", AUDIT_GPO_READ, GPO_HAVE_MAX_AGE, 10, 0);
	add_gpo(&p, "broken", AUDIT_GPO_FAILED, 0, 0, 0);
	gpo_decide(&p);
	assert_int_equal(p.state, AUDIT_POL_READ);
	assert_int_equal(p.max_age, 10);
	assert_false(p.disable_known);
	assert_non_null(strstr(p.disable_why, "'broken'"));
	/* a zeroed GPO slot (not read) is not "sets nothing" */
	memset(&p, 0, sizeof(p));
	p.n_gpo = 1;
	gpo_decide(&p);
	assert_int_equal(p.state, AUDIT_POL_FAILED);
	/* outside Windows' 1-999 */
	memset(&p, 0, sizeof(p));
	add_gpo(&p, "zero", AUDIT_GPO_READ, GPO_HAVE_MAX_AGE, 0, 0);
	gpo_decide(&p);
	assert_int_equal(p.state, AUDIT_POL_FAILED);
	assert_non_null(strstr(p.reason, "MaximumPasswordAge=0"));
	/* a malformed value ahead */
	memset(&p, 0, sizeof(p));
	add_gpo(&p, "junk", AUDIT_GPO_READ, 0, 0, 0)->bad = GPO_HAVE_MAX_AGE;
	add_gpo(&p, "low", AUDIT_GPO_READ, GPO_HAVE_MAX_AGE, 60, 0);
	gpo_decide(&p);
	assert_int_equal(p.state, AUDIT_POL_FAILED);
}

/* ---- what audit makes of it ---- */

#define NOW 1796000000
static int64_t ft(int64_t unix_s)
{
	return (unix_s + 11644473600LL) * 10000000LL;
}

static struct audit_run *run_with(int age_days)
{
	struct audit_run *r = calloc(1, sizeof(*r));
	struct audit_acct *a;

	assert_non_null(r);
	r->now = NOW;
	a = audit_add(r);
	a->sam = strdup("M$");
	a->sid = strdup("S-1-5-21-1-2-3-1100");
	a->have = AH_UAC | AH_PWDLASTSET | AH_LASTLOGON | AH_ENCTYPES;
	a->uac = 4096;
	a->pwdlastset = ft(NOW - (int64_t)age_days * 86400 - 3600);
	a->lastlogon = ft(NOW - 3600);
	a->enctypes = 28;
	r->n_dc = 1;
	r->dc[0].primary = 1;
	r->dc[0].state = AUDIT_DC_READ;
	return r;
}

static void done(struct audit_run *r)
{
	audit_free(r);
	free(r);
}

static const char *stale_msg(const struct audit_run *r)
{
	for (size_t i = 0; i < r->a[0].n_f; i++)
		if (r->a[0].f[i].kind == AK_PASSWORD_STALE)
			return r->a[0].f[i].message;
	return NULL;
}

static void test_audit_policy(void **state)
{
	struct audit_run *r;
	char why[600];

	(void)state;
	/* a zeroed run: the policy was never read, so 30 days are assumed and a clean result is not clean */
	r = run_with(12);
	audit_apply_policy(r, -1);
	assert_int_equal(r->stale_src, AUDIT_STALE_ASSUMED);
	assert_int_equal(r->stale_days, 30);
	audit_judge(r);
	assert_null(stale_msg(r));
	assert_int_equal(audit_verdict(r, why, sizeof(why)), AUDIT_INCONCLUSIVE);
	assert_non_null(strstr(why, "policy was not read"));
	done(r);
	/* read, no GPO sets it: Windows' default, clean */
	r = run_with(12);
	r->pol.state = AUDIT_POL_READ;
	r->pol.max_age_gpo = r->pol.disable_gpo = -1;
	r->pol.disable_known = 1;
	audit_apply_policy(r, -1);
	assert_int_equal(r->stale_src, AUDIT_STALE_DEFAULT);
	audit_judge(r);
	assert_int_equal(audit_verdict(r, NULL, 0), AUDIT_CLEAN);
	done(r);
	/* a GPO sets 10 days: the 12-day-old password is stale, the finding names the GPO */
	r = run_with(12);
	add_gpo(&r->pol, "nltpol", AUDIT_GPO_READ, GPO_HAVE_MAX_AGE | GPO_HAVE_DISABLE, 10, 1);
	gpo_decide(&r->pol);
	audit_apply_policy(r, -1);
	assert_int_equal(r->stale_src, AUDIT_STALE_POLICY);
	assert_int_equal(r->stale_days, 10);
	audit_judge(r);
	assert_non_null(stale_msg(r));
	assert_non_null(strstr(stale_msg(r), "limit 10 days, GPO 'nltpol' {nltpol}"));
	assert_non_null(strstr(stale_msg(r), "password changes are disabled by policy"));
	assert_int_equal(audit_verdict(r, NULL, 0), AUDIT_FINDINGS);
	done(r);
	/* --stale-days decides even when the policy was not read: not inconclusive for that */
	r = run_with(12);
	audit_apply_policy(r, 20);
	audit_judge(r);
	assert_int_equal(audit_verdict(r, NULL, 0), AUDIT_CLEAN);
	done(r);
	/* a container below with a GPO that sets it, not evaluated: inconclusive, named */
	r = run_with(12);
	r->pol.state = AUDIT_POL_READ;
	r->pol.max_age_gpo = r->pol.disable_gpo = -1;
	r->pol.disable_known = 1;
	r->pol.n_unevaluated = r->pol.n_unevaluated_total = 1;
	snprintf(r->pol.unevaluated[0], sizeof(r->pol.unevaluated[0]), "OU=x,DC=lab,DC=test: GPO 'y' sets it");
	audit_apply_policy(r, -1);
	audit_judge(r);
	assert_int_equal(audit_verdict(r, why, sizeof(why)), AUDIT_INCONCLUSIVE);
	assert_non_null(strstr(why, "OU=x,DC=lab,DC=test"));
	done(r);
}

/* OUs below the base with a policy of their own: each account judged by the deepest zone holding it */
static void test_zones(void **state)
{
	struct audit_run *r = run_with(20);
	struct audit_acct *a;
	struct audit_zone *z;
	char why[600];

	(void)state;
	free(r->a[0].dn);
	r->a[0].dn = strdup("CN=M,OU=sub,OU=pol,DC=lab,DC=test");
	a = audit_add(r); /* the same age, in no zone */
	a->sam = strdup("N$");
	a->dn = strdup("CN=N,OU=other,DC=lab,DC=test");
	a->sid = strdup("S-1-5-21-1-2-3-1101");
	a->have = r->a[0].have;
	a->uac = 4096;
	a->pwdlastset = r->a[0].pwdlastset;
	a->lastlogon = r->a[0].lastlogon;
	a->enctypes = 28;
	a = audit_add(r); /* in the outer zone only: "OU=pol" is not a suffix match of "OU=xpol" */
	a->sam = strdup("X$");
	a->dn = strdup("CN=X,OU=xpol,DC=lab,DC=test");
	a->sid = strdup("S-1-5-21-1-2-3-1102");
	a->have = r->a[0].have;
	a->uac = 4096;
	a->pwdlastset = r->a[0].pwdlastset;
	a->lastlogon = r->a[0].lastlogon;
	a->enctypes = 28;
	/* the base: a GPO sets 10 days */
	add_gpo(&r->pol, "domain", AUDIT_GPO_READ, GPO_HAVE_MAX_AGE, 10, 0);
	gpo_decide(&r->pol);
	/* OU=pol: 25 days; OU=sub,OU=pol: Windows' default (blocked) */
	z = &r->pol.zone[r->pol.n_zone++];
	snprintf(z->dn, sizeof(z->dn), "OU=pol,DC=lab,DC=test");
	z->state = AUDIT_POL_READ;
	z->have_max_age = 1;
	z->max_age = 25;
	snprintf(z->max_age_guid, sizeof(z->max_age_guid), "{P}");
	snprintf(z->max_age_name, sizeof(z->max_age_name), "pol");
	z->disable_known = 1;
	z = &r->pol.zone[r->pol.n_zone++];
	snprintf(z->dn, sizeof(z->dn), "ou=SUB,OU=pol,DC=lab,DC=test");
	z->state = AUDIT_POL_READ;
	z->disable_known = 1;
	assert_int_equal(audit_zone_of(r, "CN=M,OU=sub,OU=pol,DC=lab,DC=test"), 1);
	assert_int_equal(audit_zone_of(r, "CN=Y,OU=pol,DC=lab,DC=test"), 0);
	assert_int_equal(audit_zone_of(r, "OU=pol,DC=lab,DC=test"), 0);
	assert_int_equal(audit_zone_of(r, "CN=X,OU=xpol,DC=lab,DC=test"), -1);
	assert_int_equal(audit_zone_of(r, "CN=N,OU=other,DC=lab,DC=test"), -1);
	audit_apply_policy(r, -1);
	assert_int_equal(r->stale_days, 10);
	assert_int_equal(r->pol.zone[0].stale_days, 25);
	assert_int_equal(r->pol.zone[0].stale_src, AUDIT_STALE_POLICY);
	assert_int_equal(r->pol.zone[1].stale_days, 30);
	assert_int_equal(r->pol.zone[1].stale_src, AUDIT_STALE_DEFAULT);
	audit_judge(r);
	/* M (20 days, zone default 30): fine; N and X (base 10): stale, by the domain's GPO */
	assert_null(stale_msg(r));
	for (size_t i = 1; i < 3; i++) {
		const char *m = NULL;
		for (size_t f = 0; f < r->a[i].n_f; f++)
			if (r->a[i].f[f].kind == AK_PASSWORD_STALE)
				m = r->a[i].f[f].message;
		assert_non_null(m);
		assert_non_null(strstr(m, "limit 10 days, GPO 'domain' {domain}"));
	}
	assert_int_equal(r->pol.zone[1].n_accounts, 1);
	assert_int_equal(r->pol.zone[0].n_accounts, 0);
	assert_int_equal(r->pol.n_base_accounts, 2);
	/* a zone whose policy was not read, with accounts, and no finding elsewhere: inconclusive */
	r->pol.zone[1].state = AUDIT_POL_FAILED;
	snprintf(r->pol.zone[1].reason, sizeof(r->pol.zone[1].reason), "GPO 'x' could not be read");
	audit_apply_policy(r, 40); /* with --stale-days every zone takes the option */
	assert_int_equal(r->pol.zone[1].stale_src, AUDIT_STALE_OPTION);
	audit_apply_policy(r, -1);
	assert_int_equal(r->pol.zone[1].stale_src, AUDIT_STALE_ASSUMED);
	for (size_t i = 0; i < r->n; i++) { /* judge afresh */
		for (size_t f = 0; f < r->a[i].n_f; f++)
			free(r->a[i].f[f].message);
		free(r->a[i].f);
		r->a[i].f = NULL;
		r->a[i].n_f = 0;
		r->a[i].kinds = 0;
	}
	free(r->a[1].dn);
	r->a[1].dn = strdup("CN=N,OU=sub,OU=pol,DC=lab,DC=test");
	free(r->a[2].dn);
	r->a[2].dn = strdup("CN=X,OU=sub,OU=pol,DC=lab,DC=test");
	audit_judge(r);
	assert_int_equal(r->n_flagged, 0);
	assert_int_equal(audit_verdict(r, why, sizeof(why)), AUDIT_INCONCLUSIVE);
	assert_non_null(strstr(why, "under ou=SUB,OU=pol,DC=lab,DC=test"));
	done(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gplink),
		cmocka_unit_test(test_gplink_sweeps),
		cmocka_unit_test(test_gpttmpl),
		cmocka_unit_test(test_gpttmpl_sweeps),
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_decide),
		cmocka_unit_test(test_audit_policy),
		cmocka_unit_test(test_zones),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
