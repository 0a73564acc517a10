/* src/trust/gpolicy.c - the machine-password policy of the domain's GPOs (see gpolicy.h). */
#include "config.h"
#include "gpolicy.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "admin.h"
#include "output.h"
#include "rjoin.h"
#include "smb2c.h"

#define GPO_SMB_MS 4000 /* the SYSVOL read gets at most this much of what is left of --timeout */
#define MAX_SOM 16      /* containers from the domain head down to the base */
#define MAX_BELOW 200   /* containers below the base (and sites) with links that are looked at */
#define TEMPLATE "\\MACHINE\\Microsoft\\Windows NT\\SecEdit\\GptTmpl.inf"

/* ---- pure: precedence and the decision ---- */

struct prec_key {
	size_t idx;
	int enforced;
	size_t som, pos;
};

static int prec_cmp(const void *x, const void *y)
{
	const struct prec_key *a = x, *b = y;

	if (a->enforced != b->enforced)
		return a->enforced ? -1 : 1;
	if (a->som != b->som) {
		/* enforced: the higher container wins; otherwise the deeper one */
		if (a->enforced)
			return a->som < b->som ? -1 : 1;
		return a->som > b->som ? -1 : 1;
	}
	if (a->pos != b->pos)
		return a->pos > b->pos ? -1 : 1; /* listed last in gPLink = link order 1 */
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

size_t gpo_precedence(const struct gpo_cand *c, size_t n, const uint32_t *som_options, size_t n_som, size_t *order)
{
	struct prec_key k[GPO_MAX_LINKS * MAX_SOM];
	size_t m = 0;

	for (size_t i = 0; i < n && m < sizeof(k) / sizeof(k[0]); i++) {
		int blocked = 0;
		if (c[i].options & GPO_LINK_DISABLED)
			continue;
		if (!(c[i].options & GPO_LINK_ENFORCED))
			for (size_t t = c[i].som + 1; t < n_som; t++)
				blocked |= (som_options[t] & GPO_OPTIONS_BLOCK_INHERITANCE) != 0;
		if (blocked)
			continue;
		k[m].idx = i;
		k[m].enforced = (c[i].options & GPO_LINK_ENFORCED) != 0;
		k[m].som = c[i].som;
		k[m].pos = c[i].pos;
		m++;
	}
	if (m > 1)
		qsort(k, m, sizeof(k[0]), prec_cmp);
	for (size_t i = 0; i < m; i++)
		order[i] = k[i].idx;
	return m;
}

static const char *gname(const struct audit_gpo *g)
{
	return g->name[0] ? g->name : g->guid[0] ? g->guid : "(unnamed)";
}

/* the index of the GPO deciding `bit`, -1 when none sets it, -2 when undecided (why filled) */
static int decide_one(const struct audit_policy *p, unsigned bit, const char *what, char *why, size_t len)
{
	for (size_t i = 0; i < p->n_gpo; i++) {
		const struct audit_gpo *g = &p->gpo[i];
		switch (g->state) {
		case AUDIT_GPO_READ:
			if (g->bad & bit) {
				snprintf(why, len, "GPO '%.200s' %.40s sets %s to a value that is not \"4,N\"", gname(g), g->guid,
					 what);
				return -2;
			}
			if (g->have & bit)
				return (int)i;
			break;
		case AUDIT_GPO_NO_TEMPLATE:
		case AUDIT_GPO_SKIPPED:
			break;
		default:
			snprintf(why, len, "GPO '%.120s' %s could not be read: %.200s", gname(g), g->guid,
				 g->note[0] ? g->note : "not tried");
			return -2;
		}
	}
	return -1;
}

void gpo_decide(struct audit_policy *p)
{
	char mwhy[400] = "", dwhy[400] = "";
	int m = decide_one(p, GPO_HAVE_MAX_AGE, "MaximumPasswordAge", mwhy, sizeof(mwhy));
	int d = decide_one(p, GPO_HAVE_DISABLE, "DisablePasswordChange", dwhy, sizeof(dwhy));

	p->have_max_age = m >= 0;
	p->max_age_gpo = m >= 0 ? m : -1;
	p->max_age = m >= 0 ? p->gpo[m].max_age : 0;
	/* DisablePasswordChange only explains: undecided, it is said, and the limit still stands */
	p->disable_known = d != -2;
	p->disable_gpo = d >= 0 ? d : -1;
	p->disable_change = d >= 0 ? p->gpo[d].disable_change : 0;
	nlt_strlcpy(p->disable_why, d == -2 ? dwhy : "", sizeof(p->disable_why));
	if (m >= 0 && (p->max_age < 1 || p->max_age > 999)) {
		snprintf(mwhy, sizeof(mwhy), "GPO '%.200s' %s sets MaximumPasswordAge=%u, outside the 1-999 days Windows takes",
			 gname(&p->gpo[m]), p->gpo[m].guid, p->max_age);
		m = -2;
	}
	if (m == -2) {
		p->state = AUDIT_POL_FAILED;
		nlt_strlcpy(p->reason, mwhy, sizeof(p->reason));
	} else {
		p->state = AUDIT_POL_READ;
		p->reason[0] = '\0';
	}
}

/* ---- reading ---- */

struct gpo_reader {
	struct admin_session *s;
	struct nlt_ctx *ctx;
	uint64_t deadline_ms;
	struct smb2c smb;
	int smb_state; /* 0 not tried, 1 open, -1 failed (smb_why) */
	char smb_why[400];
	uint8_t *file;
	/* every GPO read, by DN, so a GPO linked twice is read once */
	struct audit_gpo cache[AUDIT_MAX_GPOS];
	char cache_dn[AUDIT_MAX_GPOS][512];
	size_t n_cache;
	/* the container path and its links */
	char gplink[MAX_SOM][8192];
	struct gpo_cand cand[GPO_MAX_LINKS * 2];
	char cand_dn[GPO_MAX_LINKS * 2][512];
	size_t order[GPO_MAX_LINKS * 2];
	/* rejoin's reuse policy: the value of each GPO read goes there too (and the cache is not used) */
	struct gpo_reuse_gpo *reuse_into;
	struct sddl_reuse_val reuse_val;
	const char *who; /* "audit" or "rejoin", for -v */
};

static int smb_open(struct gpo_reader *g)
{
	struct admin_session *s = g->s;
	const char *host = s->dc->info.dc_dns_name[0] ? s->dc->info.dc_dns_name : s->dc->name;
	struct nlt_addr addr = s->dc->addr;
	struct nlt_err e;
	char svc[300];

	if (g->smb_state)
		return g->smb_state > 0 ? 0 : -1;
	nlt_clearerr(&e);
	g->smb_state = -1;
	g->smb.fd = -1;
	nlt_addr_set_port(&addr, 445);
	snprintf(svc, sizeof(svc), "cifs/%.250s", host);
	if (!s->dc->have_addr) {
		snprintf(g->smb_why, sizeof(g->smb_why), "no address for %.250s", host);
		return -1;
	}
	nlt_vlog("%s: reading the GPO templates from \\\\%s\\SYSVOL", g->who ? g->who : "audit", host);
	if (krb_get_service_ticket(&s->k, svc, &e) < 0 || smb2c_connect(&g->smb, &addr, host, NULL, g->deadline_ms, &e) < 0 ||
	    smb2c_session_setup(&g->smb, &e) < 0 || smb2c_tree_connect_disk(&g->smb, "SYSVOL", &e) < 0) {
		nlt_strlcpy(g->smb_why, e.msg, sizeof(g->smb_why));
		return -1;
	}
	g->smb_state = 1;
	return 0;
}

/* "\\lab.test\sysvol\lab.test\Policies\{GUID}" -> "lab.test\Policies\{GUID}" (the part inside SYSVOL) */
static int sysvol_path(const char *fs, char *out, size_t len)
{
	const char *p, *share, *rest;

	if (strncmp(fs, "\\\\", 2) != 0)
		return -1;
	p = fs + 2;
	share = strchr(p, '\\');
	if (!share || share == p)
		return -1;
	share++;
	rest = strchr(share, '\\');
	if (!rest || (size_t)(rest - share) != 6 || strncasecmp(share, "sysvol", 6) != 0 || !rest[1])
		return -1;
	if ((size_t)snprintf(out, len, "%s%s", rest + 1, TEMPLATE) >= len)
		return -1;
	return 0;
}

/* Read one GPO (object, then template) into *out; cached by DN. */
static void read_gpo(struct gpo_reader *g, const char *dn, struct audit_gpo *out)
{
	static const char *const attrs[] = { "displayName", "gPCFileSysPath", "flags", NULL };
	struct nlt_ldap_entry en;
	struct nlt_err e;
	struct gpo_secedit se;
	char fs[600], path[800], tmp[600];
	int64_t flags = 0;
	size_t got = 0;
	int rc;

	for (size_t i = 0; !g->reuse_into && i < g->n_cache; i++)
		if (strcasecmp(g->cache_dn[i], dn) == 0) {
			char som[512];
			int enf = out->enforced;
			memcpy(som, out->som, sizeof(som));
			*out = g->cache[i];
			out->enforced = enf;
			memcpy(out->som, som, sizeof(som));
			return;
		}
	(void)gpo_dn_guid(dn, strlen(dn), out->guid);
	nlt_clearerr(&e);
	rc = nlt_ldap_search_one(&g->s->ld, dn, LDAP_SCOPE_BASE, "(objectClass=groupPolicyContainer)", attrs, &en, &e);
	if (rc < 0) {
		out->state = AUDIT_GPO_FAILED;
		nlt_strlcpy(out->note, e.msg, sizeof(out->note));
		goto cache;
	}
	if (rc == 1) {
		out->state = AUDIT_GPO_SKIPPED;
		snprintf(out->note, sizeof(out->note), "the linked GPO object does not exist (a dangling link)");
		goto cache;
	}
	nlt_ldap_str(&en, "displayName", out->name, sizeof(out->name));
	nlt_ldap_str(&en, "gPCFileSysPath", fs, sizeof(fs));
	(void)nlt_ldap_i64(&en, "flags", &flags);
	nlt_ldap_entry_free(&en);
	if (flags & GPO_FLAGS_MACHINE_DISABLED) {
		out->state = AUDIT_GPO_SKIPPED;
		snprintf(out->note, sizeof(out->note), "its computer settings are disabled (flags %lld)", (long long)flags);
		goto cache;
	}
	if (sysvol_path(fs, path, sizeof(path)) < 0) {
		out->state = AUDIT_GPO_FAILED;
		snprintf(out->note, sizeof(out->note), "gPCFileSysPath '%.300s' is not a path in a SYSVOL share",
			 out_safe(fs, tmp, sizeof(tmp)));
		goto cache;
	}
	if (smb_open(g) < 0) {
		out->state = AUDIT_GPO_FAILED;
		snprintf(out->note, sizeof(out->note), "%s", g->smb_why);
		goto cache;
	}
	nlt_clearerr(&e);
	rc = smb2c_read_file(&g->smb, path, g->file, SMB2C_FILE_MAX, &got, &e);
	if (rc == 1) {
		/* no template: the GPO has no security settings, unless the GPO itself is not on this DC's
		 * SYSVOL (not replicated there: Samba does not replicate SYSVOL): every GPO has a GPT.INI */
		char ini[800];
		size_t pl = strlen(path) - strlen(TEMPLATE);
		snprintf(ini, sizeof(ini), "%.*s\\GPT.INI", (int)pl, path);
		nlt_clearerr(&e);
		rc = smb2c_read_file(&g->smb, ini, g->file, SMB2C_FILE_MAX, &got, &e);
		if (rc == 0) {
			out->state = AUDIT_GPO_NO_TEMPLATE;
			snprintf(out->note, sizeof(out->note), "no GptTmpl.inf: the GPO has no security settings");
		} else {
			out->state = AUDIT_GPO_FAILED;
			if (rc == 1)
				snprintf(out->note, sizeof(out->note),
					 "the GPO is not on %.200s's SYSVOL (no GPT.INI: SYSVOL not replicated there?)", g->smb.host);
			else
				nlt_strlcpy(out->note, e.msg, sizeof(out->note));
		}
		goto cache;
	}
	if (rc < 0) {
		out->state = AUDIT_GPO_FAILED;
		nlt_strlcpy(out->note, e.msg, sizeof(out->note));
		if (g->smb.fd < 0 || e.cat == NLT_ENODC) {
			/* the connection is gone (or out of time): every later read would fail the same way */
			g->smb_state = -1;
			nlt_strlcpy(g->smb_why, e.msg, sizeof(g->smb_why));
		}
		goto cache;
	}
	if (gpo_dec_gpttmpl(g->file, got, &se) != WIRE_OK) {
		out->state = AUDIT_GPO_FAILED;
		snprintf(out->note, sizeof(out->note), "%.300s: not a readable template (UTF-16 of odd length)", path);
		goto cache;
	}
	out->state = AUDIT_GPO_READ;
	if (g->reuse_into) {
		/* the same bytes, for the reuse allow list; a template that holds no such line is UNSET */
		if (sddl_dec_reuse_value(g->file, got, &g->reuse_val) != WIRE_OK)
			g->reuse_val.state = SDDL_VAL_BAD;
		g->reuse_into->val = g->reuse_val.state;
		nlt_strlcpy(g->reuse_into->text, g->reuse_val.text, sizeof(g->reuse_into->text));
		nlt_vlog("rejoin: GPO %s (%s): %zu bytes, ComputerAccountReuseAllowList %s", out->guid, out->name, got,
			 g->reuse_val.state == SDDL_VAL_SET ? g->reuse_val.text
			 : g->reuse_val.state == SDDL_VAL_BAD ? "malformed" : "unset");
	}
	out->have = se.have;
	out->bad = se.bad;
	out->max_age = se.max_age;
	out->disable_change = se.disable_change;
	nlt_vlog("audit: GPO %s (%s): %zu bytes, %s, MaximumPasswordAge %s%u, DisablePasswordChange %s%u", out->guid,
		 out->name, got, se.utf16 ? "UTF-16LE" : "ANSI", se.have & GPO_HAVE_MAX_AGE ? "" : "unset ", se.max_age,
		 se.have & GPO_HAVE_DISABLE ? "" : "unset ", se.disable_change);
cache:
	if (g->n_cache < AUDIT_MAX_GPOS) {
		g->cache[g->n_cache] = *out;
		nlt_strlcpy(g->cache_dn[g->n_cache], dn, sizeof(g->cache_dn[0]));
		g->n_cache++;
	}
}

/* gPLink and gPOptions of one container; 0 read (links may be none), -1 with e */
static int read_som(struct gpo_reader *g, const char *dn, char *gplink, size_t gl_len, uint32_t *options,
		    struct nlt_err *e)
{
	static const char *const attrs[] = { "gPLink", "gPOptions", NULL };
	struct nlt_ldap_entry en;
	int64_t o = 0;
	int rc;

	gplink[0] = '\0';
	*options = 0;
	rc = nlt_ldap_search_one(&g->s->ld, dn, LDAP_SCOPE_BASE, "(objectClass=*)", attrs, &en, e);
	if (rc < 0)
		return -1;
	if (rc == 1)
		return nlt_seterr(e, NLT_EUSAGE, "LDAP: '%s' does not exist", dn);
	nlt_ldap_str(&en, "gPLink", gplink, gl_len);
	if (nlt_ldap_i64(&en, "gPOptions", &o))
		*options = (uint32_t)o;
	nlt_ldap_entry_free(&en);
	return 0;
}

/* positions just after each unescaped ',' of dn (the start of each parent's DN) */
static size_t dn_parents(const char *dn, size_t *starts, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; dn[i] && n < max; i++) {
		if (dn[i] == '\\' && dn[i + 1]) {
			i++;
			continue;
		}
		if (dn[i] == ',')
			starts[n++] = i + 1;
	}
	return n;
}

static void fail(struct audit_policy *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct audit_policy *p, const char *fmt, ...)
{
	va_list ap;

	p->state = AUDIT_POL_FAILED;
	va_start(ap, fmt);
	vsnprintf(p->reason, sizeof(p->reason), fmt, ap);
	va_end(ap);
}

/*
 * Containers below the base (OUs) and sites that link GPOs: each one whose enabled links lead to a
 * GPO that sets a value, or that cannot be read, is listed in p->unevaluated.
 */
static void below(struct gpo_reader *g, struct audit_policy *p, const char *base, const char *filter, int scope)
{
	static const char *const attrs[] = { "gPLink", "gPOptions", NULL };
	LDAPMessage *res = NULL;
	struct timeval tv;
	int ms = nlt_ms_left(g->s->ld.deadline_ms), rc, seen = 0;

	if (ms <= 0)
		ms = 1;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	rc = ldap_search_ext_s(g->s->ld.ld, base, scope, filter, (char **)(uintptr_t)attrs, 0, NULL, NULL, &tv, MAX_BELOW,
			       &res);
	if (rc != LDAP_SUCCESS && rc != LDAP_SIZELIMIT_EXCEEDED) {
		if (res)
			ldap_msgfree(res);
		if (rc == LDAP_NO_SUCH_OBJECT)
			return;
		/* what is below could not be looked at: said, not taken for "nothing there" */
		if (p->n_unevaluated < AUDIT_MAX_UNEVALUATED)
			snprintf(p->unevaluated[p->n_unevaluated++], sizeof(p->unevaluated[0]),
				 "%.300s: the search for linked containers failed: %.150s", base, ldap_err2string(rc));
		p->n_unevaluated_total++;
		return;
	}
	for (LDAPMessage *en = ldap_first_entry(g->s->ld.ld, res); en; en = ldap_next_entry(g->s->ld.ld, en)) {
		struct berval **v = ldap_get_values_len(g->s->ld.ld, en, "gPLink");
		struct berval **o = ldap_get_values_len(g->s->ld.ld, en, "gPOptions");
		char *dn = ldap_get_dn(g->s->ld.ld, en);
		struct gpo_link links[GPO_MAX_LINKS];
		size_t nl = 0;
		int matters = 0;
		char why[300] = "";

		if (dn && v && v[0] && strcasecmp(dn, base) != 0 &&
		    gpo_dec_gplink(v[0]->bv_val, v[0]->bv_len, links, GPO_MAX_LINKS, &nl) != WIRE_OK) {
			matters = 1;
			snprintf(why, sizeof(why), "unreadable gPLink");
		}
		for (size_t i = 0; dn && v && v[0] && strcasecmp(dn, base) != 0 && !matters && i < nl; i++) {
			struct audit_gpo tmp;
			char gdn[512];
			if (links[i].options & GPO_LINK_DISABLED)
				continue;
			memset(&tmp, 0, sizeof(tmp));
			snprintf(gdn, sizeof(gdn), "%.*s", (int)(links[i].dn_len < 511 ? links[i].dn_len : 511), links[i].dn);
			read_gpo(g, gdn, &tmp);
			if ((tmp.state == AUDIT_GPO_READ && (tmp.have || tmp.bad)) || tmp.state == AUDIT_GPO_FAILED ||
			    tmp.state == AUDIT_GPO_NOT_READ) {
				matters = 1;
				snprintf(why, sizeof(why), "GPO '%.120s' %s %s", gname(&tmp), tmp.guid,
					 tmp.state == AUDIT_GPO_READ ? "sets a machine-password value" : "could not be read");
			}
		}
		/* an OU below that blocks inheritance: an unenforced GPO of the path that decides a value does
		 * not apply to the accounts there (their limit may be Windows' default, or their own GPO's) */
		if (!matters && dn && strcasecmp(dn, base) != 0 && o && o[0] && o[0]->bv_len == 1 && o[0]->bv_val[0] == '1') {
			int i = p->max_age_gpo >= 0 && !p->gpo[p->max_age_gpo].enforced ? p->max_age_gpo
				: p->disable_gpo >= 0 && !p->gpo[p->disable_gpo].enforced ? p->disable_gpo
											    : -1;
			if (i >= 0) {
				matters = 1;
				snprintf(why, sizeof(why), "blocks inheritance: GPO '%.120s' %s does not apply there",
					 gname(&p->gpo[i]), p->gpo[i].guid);
			}
		}
		if (matters) {
			if (p->n_unevaluated < AUDIT_MAX_UNEVALUATED)
				snprintf(p->unevaluated[p->n_unevaluated++], sizeof(p->unevaluated[0]), "%.300s: %.200s", dn,
					 why);
			p->n_unevaluated_total++;
		}
		seen++;
		if (v)
			ldap_value_free_len(v);
		if (o)
			ldap_value_free_len(o);
		ldap_memfree(dn);
	}
	if (rc == LDAP_SIZELIMIT_EXCEEDED) {
		/* more than we look at: the rest is unknown, said, never taken for "nothing there" */
		if (p->n_unevaluated < AUDIT_MAX_UNEVALUATED)
			snprintf(p->unevaluated[p->n_unevaluated++], sizeof(p->unevaluated[0]),
				 "%.300s: more than %d containers with GPO links or blocked inheritance; the rest not looked at",
				 base, MAX_BELOW);
		p->n_unevaluated_total++;
	}
	nlt_vlog("audit: %d container(s) with gPLink under %s, %zu not evaluated", seen, base, p->n_unevaluated_total);
	ldap_msgfree(res);
}

/*
 * The GPOs that apply under the containers soms[0..n) (the domain head first, each next one inside
 * the one before; gplinks[k] and opts[k] theirs) into p->gpo[] in precedence order, read, and
 * decided (gpo_decide).  p's other fields are left as they are.
 */
static void chain_policy(struct gpo_reader *g, const char *const *soms, const char *const *gplinks, const uint32_t *opts,
			 size_t n, struct audit_policy *p)
{
	struct gpo_link links[GPO_MAX_LINKS];
	size_t n_cand = 0, n_order;

	p->n_gpo = 0;
	for (size_t k = 0; k < n; k++) {
		size_t nl = 0;
		if (gpo_dec_gplink(gplinks[k], strlen(gplinks[k]), links, GPO_MAX_LINKS, &nl) != WIRE_OK) {
			fail(p, "the gPLink of '%.300s' is not readable", soms[k]);
			return;
		}
		if (nl > sizeof(g->cand) / sizeof(g->cand[0]) - n_cand) {
			fail(p, "more than %zu GPO links on the path to '%.300s'", sizeof(g->cand) / sizeof(g->cand[0]), soms[n - 1]);
			return;
		}
		for (size_t i = 0; i < nl; i++) {
			g->cand[n_cand].som = k;
			g->cand[n_cand].pos = i;
			g->cand[n_cand].options = links[i].options;
			snprintf(g->cand_dn[n_cand], sizeof(g->cand_dn[0]), "%.*s", (int)(links[i].dn_len < 511 ? links[i].dn_len : 511),
				 links[i].dn);
			n_cand++;
		}
	}
	n_order = gpo_precedence(g->cand, n_cand, opts, n, g->order);
	if (n_order > AUDIT_MAX_GPOS) {
		fail(p, "more than %d GPOs apply under '%.300s'", AUDIT_MAX_GPOS, soms[n - 1]);
		return;
	}
	for (size_t i = 0; i < n_order; i++) {
		struct audit_gpo *a = &p->gpo[p->n_gpo++];
		memset(a, 0, sizeof(*a));
		a->enforced = (g->cand[g->order[i]].options & GPO_LINK_ENFORCED) != 0;
		nlt_strlcpy(a->som, soms[g->cand[g->order[i]].som], sizeof(a->som));
		read_gpo(g, g->cand_dn[g->order[i]], a);
	}
	gpo_decide(p);
}

/* number of RDNs of dn (unescaped commas + 1) */
static size_t dn_depth(const char *dn)
{
	size_t starts[64];

	return dn_parents(dn, starts, 64) + 1;
}

/* is dn inside (or equal to) anc, at an RDN boundary, case-insensitively? */
static int dn_within(const char *dn, const char *anc)
{
	size_t l = strlen(dn), al = strlen(anc);

	return l >= al && strcasecmp(dn + l - al, anc) == 0 && (l == al || dn[l - al - 1] == ',');
}

/* the zone (or the base, -1) whose decision a container inside dn inherits: the deepest zone holding dn */
static int zone_holding(const struct audit_policy *p, const char *dn)
{
	int best = -1;
	size_t bl = 0;

	for (size_t z = 0; z < p->n_zone; z++)
		if (dn_within(dn, p->zone[z].dn) && strlen(p->zone[z].dn) > bl) {
			best = (int)z;
			bl = strlen(p->zone[z].dn);
		}
	return best;
}

static void gpo_ref(const struct audit_policy *tp, int i, char *guid, char *name, char *som)
{
	guid[0] = name[0] = som[0] = '\0';
	if (i < 0 || (size_t)i >= tp->n_gpo)
		return;
	memcpy(guid, tp->gpo[i].guid, sizeof(tp->gpo[i].guid));
	memcpy(name, tp->gpo[i].name, sizeof(tp->gpo[i].name));
	memcpy(som, tp->gpo[i].som, sizeof(tp->gpo[i].som));
}

/* the decision of tp as a zone for dn */
static void zone_fill(struct audit_zone *z, const char *dn, const struct audit_policy *tp)
{
	memset(z, 0, sizeof(*z));
	nlt_strlcpy(z->dn, dn, sizeof(z->dn));
	z->state = tp->state;
	nlt_strlcpy(z->reason, tp->reason, sizeof(z->reason));
	z->have_max_age = tp->state == AUDIT_POL_READ && tp->have_max_age;
	z->max_age = tp->max_age;
	gpo_ref(tp, tp->max_age_gpo, z->max_age_guid, z->max_age_name, z->max_age_som);
	z->disable_known = tp->disable_known;
	z->disable_change = tp->disable_change;
	gpo_ref(tp, tp->disable_gpo, z->disable_guid, z->disable_name, z->disable_som);
	nlt_strlcpy(z->disable_why, tp->disable_why, sizeof(z->disable_why));
}

static int zone_same(const struct audit_zone *a, const struct audit_zone *b)
{
	return a->state == b->state && a->have_max_age == b->have_max_age && (!a->have_max_age || a->max_age == b->max_age) &&
	       strcmp(a->max_age_guid, b->max_age_guid) == 0 && a->disable_known == b->disable_known &&
	       a->disable_change == b->disable_change && strcmp(a->disable_guid, b->disable_guid) == 0 &&
	       strcmp(a->reason, b->reason) == 0;
}

struct special {
	char *dn, *gplink;
	uint32_t opt;
	size_t depth;
};

static int special_cmp(const void *x, const void *y)
{
	const struct special *a = x, *b = y;

	return (a->depth > b->depth) - (a->depth < b->depth);
}

static void unevaluated(struct audit_policy *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void unevaluated(struct audit_policy *p, const char *fmt, ...)
{
	va_list ap;

	if (p->n_unevaluated < AUDIT_MAX_UNEVALUATED) {
		va_start(ap, fmt);
		vsnprintf(p->unevaluated[p->n_unevaluated++], sizeof(p->unevaluated[0]), fmt, ap);
		va_end(ap);
	}
	p->n_unevaluated_total++;
}

/*
 * OUs below the base that link GPOs or block inheritance: each one whose accounts get another
 * decision than the container holding it becomes a zone (its own path evaluated: the base's
 * containers, then the linking/blocking OUs down to it).  What cannot be looked at is listed.
 */
static void zones(struct gpo_reader *g, struct audit_policy *p, const char *const *soms, const char *const *gplinks,
		  const uint32_t *opts, size_t n_som, const char *base)
{
	static const char *const attrs[] = { "gPLink", "gPOptions", NULL };
	static const char filter[] = "(&(objectClass=organizationalUnit)(|(gPLink=*)(gPOptions=1)))";
	struct special *sp = NULL;
	struct audit_policy *tp = NULL;
	struct audit_zone base_zone, zz;
	LDAPMessage *res = NULL;
	struct timeval tv;
	size_t n = 0;
	int ms = nlt_ms_left(g->s->ld.deadline_ms), rc;

	if (ms <= 0)
		ms = 1;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	rc = ldap_search_ext_s(g->s->ld.ld, base, LDAP_SCOPE_SUBTREE, filter, (char **)(uintptr_t)attrs, 0, NULL, NULL, &tv,
			       MAX_BELOW, &res);
	if (rc != LDAP_SUCCESS && rc != LDAP_SIZELIMIT_EXCEEDED) {
		if (res)
			ldap_msgfree(res);
		if (rc != LDAP_NO_SUCH_OBJECT)
			unevaluated(p, "%.300s: the search for OUs with GPO links failed: %.150s", base, ldap_err2string(rc));
		return;
	}
	if (rc == LDAP_SIZELIMIT_EXCEEDED)
		unevaluated(p, "%.300s: more than %d OUs with GPO links or blocked inheritance; the rest not looked at", base,
			    MAX_BELOW);
	sp = calloc(MAX_BELOW + 1, sizeof(*sp));
	tp = calloc(1, sizeof(*tp));
	if (!sp || !tp) {
		unevaluated(p, "%.300s: out of memory", base);
		goto out;
	}
	for (LDAPMessage *en = ldap_first_entry(g->s->ld.ld, res); en && n < MAX_BELOW; en = ldap_next_entry(g->s->ld.ld, en)) {
		struct berval **v = ldap_get_values_len(g->s->ld.ld, en, "gPLink");
		struct berval **o = ldap_get_values_len(g->s->ld.ld, en, "gPOptions");
		char *dn = ldap_get_dn(g->s->ld.ld, en);
		if (dn && strcasecmp(dn, base) != 0) {
			sp[n].dn = strdup(dn);
			sp[n].gplink = v && v[0] ? strndup(v[0]->bv_val, v[0]->bv_len) : strdup("");
			sp[n].opt = o && o[0] && o[0]->bv_len == 1 && o[0]->bv_val[0] == '1' ? GPO_OPTIONS_BLOCK_INHERITANCE : 0;
			sp[n].depth = dn_depth(dn);
			if (sp[n].dn && sp[n].gplink)
				n++;
			else
				free(sp[n].dn), free(sp[n].gplink);
		}
		if (v)
			ldap_value_free_len(v);
		if (o)
			ldap_value_free_len(o);
		ldap_memfree(dn);
	}
	qsort(sp, n, sizeof(*sp), special_cmp);
	/* the base's decision, as a zone, for comparing */
	{
		struct audit_policy *bp = p;
		memset(&base_zone, 0, sizeof(base_zone));
		zone_fill(&base_zone, base, bp);
	}
	for (size_t i = 0; i < n; i++) {
		const char *c_dn[MAX_SOM], *c_gl[MAX_SOM];
		uint32_t c_opt[MAX_SOM];
		size_t c = 0;
		int holder;
		if (n_som + 1 > MAX_SOM) {
			unevaluated(p, "%.300s: too deep to evaluate", sp[i].dn);
			continue;
		}
		for (size_t k = 0; k < n_som; k++) {
			c_dn[c] = soms[k];
			c_gl[c] = gplinks[k];
			c_opt[c++] = opts[k];
		}
		for (size_t j = 0; j <= i; j++)
			if (sp[j].depth < sp[i].depth ? dn_within(sp[i].dn, sp[j].dn) : j == i) {
				if (c == MAX_SOM)
					break;
				c_dn[c] = sp[j].dn;
				c_gl[c] = sp[j].gplink;
				c_opt[c++] = sp[j].opt;
			}
		if (c == 0 || c_dn[c - 1] != sp[i].dn) {
			/* the chain down to this OU did not fit: a part of it is not its policy */
			unevaluated(p, "%.300s: too deep to evaluate", sp[i].dn);
			continue;
		}
		memset(tp, 0, sizeof(*tp));
		tp->max_age_gpo = tp->disable_gpo = -1;
		chain_policy(g, c_dn, c_gl, c_opt, c, tp);
		zone_fill(&zz, sp[i].dn, tp);
		holder = zone_holding(p, sp[i].dn);
		if (zone_same(&zz, holder >= 0 ? &p->zone[holder] : &base_zone))
			continue; /* its accounts get what the container around it gives */
		if (p->n_zone == AUDIT_MAX_ZONES) {
			unevaluated(p, "%.300s: its GPOs give another policy, and more than %d such OUs are not evaluated",
				    sp[i].dn, AUDIT_MAX_ZONES);
			continue;
		}
		p->zone[p->n_zone++] = zz;
	}
	nlt_vlog("audit: %zu OU(s) below %s link GPOs or block inheritance; %zu with a policy of their own", n, base,
		 p->n_zone);
out:
	for (size_t i = 0; sp && i < n; i++) {
		free(sp[i].dn);
		free(sp[i].gplink);
	}
	free(sp);
	free(tp);
	ldap_msgfree(res);
}

void gpo_read_policy(struct admin_session *s, struct nlt_ctx *ctx, const char *base, struct audit_policy *p)
{
	struct gpo_reader *g = calloc(1, sizeof(*g));
	const char *dom = s->ld.default_nc;
	size_t starts[MAX_SOM * 4], ns, dl = strlen(dom), bl = strlen(base), n_som = 0;
	const char *som_dn[MAX_SOM], *som_gl[MAX_SOM];
	uint32_t som_opt[MAX_SOM];
	uint64_t t0 = nlt_now_ms();
	struct nlt_err e;

	memset(p, 0, sizeof(*p));
	p->max_age_gpo = p->disable_gpo = -1;
	nlt_strlcpy(p->server, s->dc->info.dc_dns_name[0] ? s->dc->info.dc_dns_name : s->dc->name, sizeof(p->server));
	if (!g || !(g->file = malloc(SMB2C_FILE_MAX))) {
		fail(p, "out of memory");
		goto out;
	}
	g->s = s;
	g->ctx = ctx;
	g->smb.fd = -1;
	g->deadline_ms = ctx->deadline_ms;
	if (nlt_ms_left(g->deadline_ms) > GPO_SMB_MS)
		g->deadline_ms = nlt_now_ms() + GPO_SMB_MS;
	/* the containers: the domain head, then each OU on the way down to the base */
	if (bl < dl || strcasecmp(base + bl - dl, dom) != 0 || (bl > dl && base[bl - dl - 1] != ',')) {
		fail(p, "the base '%.200s' is not in the domain %.150s", base, dom);
		goto out;
	}
	ns = dn_parents(base, starts, sizeof(starts) / sizeof(starts[0]));
	{
		/* every container from the domain head to the base, or the policy is not read (never a part) */
		size_t need = 1 + (bl > dl);
		for (size_t i = 0; i < ns; i++)
			need += bl - starts[i] > dl;
		if (need > MAX_SOM || ns >= sizeof(starts) / sizeof(starts[0])) {
			fail(p, "the base '%.200s' is more than %d containers below the domain's head: its GPO links are not "
				"evaluated", base, MAX_SOM - 1);
			goto out;
		}
	}
	som_dn[n_som++] = dom;
	for (size_t i = ns; i-- > 0;) {
		/* parents of base from the top: those longer than the domain's DN */
		if (bl - starts[i] > dl)
			som_dn[n_som++] = base + starts[i];
	}
	if (bl > dl)
		som_dn[n_som++] = base;
	p->ou_links = n_som > 1;
	for (size_t k = 0; k < n_som; k++) {
		nlt_clearerr(&e);
		if (read_som(g, som_dn[k], g->gplink[k], sizeof(g->gplink[k]), &som_opt[k], &e) < 0) {
			fail(p, "%.390s", e.msg);
			goto out;
		}
		som_gl[k] = g->gplink[k];
	}
	chain_policy(g, som_dn, som_gl, som_opt, n_som, p);
	/* OUs below the base with GPO links or blocked inheritance: a policy of their own, per account */
	zones(g, p, som_dn, som_gl, som_opt, n_som, base);
	/* sites: which one applies depends on the member; listed when one of their GPOs sets a value */
	if (s->ld.config_nc[0]) {
		char sites[600];
		snprintf(sites, sizeof(sites), "CN=Sites,%s", s->ld.config_nc);
		below(g, p, sites, "(&(objectClass=site)(gPLink=*))", LDAP_SCOPE_ONELEVEL);
	}
out:
	if (g) {
		if (g->smb_state > 0)
			smb2c_logoff_quick(&g->smb);
		else if (g->smb.buf || g->smb.fd >= 0)
			smb2c_free(&g->smb);
		free(g->file);
		free(g);
	}
	p->ms = nlt_now_ms() - t0;
}

/* ---- "Domain controller: Allow computer account re-use during domain join" (rejoin) ---- */

void gpo_reuse_decide(struct gpo_reuse_policy *p)
{
	p->decider = -1;
	memset(&p->sd, 0, sizeof(p->sd));
	if (p->state == GPO_REUSE_FAILED) {
		if (!p->cause[0])
			nlt_strlcpy(p->cause, p->reason, sizeof(p->cause));
		return;
	}
	for (size_t i = 0; i < p->n_gpo; i++) {
		const struct gpo_reuse_gpo *r = &p->gpo[i];
		const struct audit_gpo *g = &r->g;
		int rc;
		switch (g->state) {
		case AUDIT_GPO_READ:
			if (r->val == SDDL_VAL_UNSET)
				break;
			if (r->val != SDDL_VAL_SET) {
				p->state = GPO_REUSE_FAILED;
				snprintf(p->reason, sizeof(p->reason),
					 "GPO '%.200s' %s sets ComputerAccountReuseAllowList to a value that is not 1,\"SDDL\"",
					 gname(g), g->guid);
				nlt_strlcpy(p->cause, p->reason, sizeof(p->cause));
				return;
			}
			rc = sddl_dec(r->text, strlen(r->text), p->domain_sid[0] ? p->domain_sid : NULL, &p->sd);
			if (rc != WIRE_OK) {
				memset(&p->sd, 0, sizeof(p->sd));
				p->state = GPO_REUSE_FAILED;
				snprintf(p->reason, sizeof(p->reason), "GPO '%.200s' %s sets ComputerAccountReuseAllowList to SDDL "
					 "that cannot be read (%s)", gname(g), g->guid,
					 rc == WIRE_ELIMIT ? "more ACEs than we take" : "malformed");
				nlt_strlcpy(p->cause, p->reason, sizeof(p->cause));
				return;
			}
			p->state = GPO_REUSE_SET;
			p->decider = (int)i;
			p->reason[0] = '\0';
			return;
		case AUDIT_GPO_NO_TEMPLATE:
		case AUDIT_GPO_SKIPPED:
			break;
		default:
			/* it could set the value, and it comes first: undecided, never "not set" */
			p->state = GPO_REUSE_FAILED;
			snprintf(p->reason, sizeof(p->reason), "GPO '%.200s' %s could not be read: %.300s", gname(g), g->guid,
				 g->note[0] ? g->note : "not tried");
			nlt_strlcpy(p->cause, g->note[0] ? g->note : p->reason, sizeof(p->cause));
			return;
		}
	}
	p->state = GPO_REUSE_UNSET;
	snprintf(p->reason, sizeof(p->reason), "no GPO linked on the domain or on %.300s sets it (GPOs linked on sites "
		 "are not read)", p->dc_ou);
}

static void reuse_fail(struct gpo_reuse_policy *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void reuse_fail(struct gpo_reuse_policy *p, const char *fmt, ...)
{
	va_list ap;

	p->state = GPO_REUSE_FAILED;
	va_start(ap, fmt);
	vsnprintf(p->reason, sizeof(p->reason), fmt, ap);
	va_end(ap);
}

/* The domain head's objectSid (base search); "" when it cannot be read (then DA, DU, ... stay unresolved). */
static void domain_sid(struct gpo_reader *g, const char *dom, char *out, size_t len)
{
	static const char *const attrs[] = { "objectSid", NULL };
	struct nlt_ldap_entry en;
	struct nlt_err e;
	struct berval **v;

	out[0] = '\0';
	nlt_clearerr(&e);
	if (nlt_ldap_search_one(&g->s->ld, dom, LDAP_SCOPE_BASE, "(objectClass=*)", attrs, &en, &e) != 0)
		return;
	v = nlt_ldap_values(&en, "objectSid");
	if (v && v[0])
		(void)rjoin_sid_str((const uint8_t *)v[0]->bv_val, v[0]->bv_len, out, len);
	ldap_value_free_len(v);
	nlt_ldap_entry_free(&en);
}

void gpo_read_reuse_policy(struct admin_session *s, struct nlt_ctx *ctx, struct gpo_reuse_policy *p)
{
	struct gpo_reader *g = calloc(1, sizeof(*g));
	const char *dom = s->ld.default_nc;
	const char *som_dn[2];
	uint32_t som_opt[2];
	struct gpo_link links[GPO_MAX_LINKS];
	size_t n_cand = 0, n_order;
	uint64_t t0 = nlt_now_ms();
	struct nlt_err e;

	memset(p, 0, sizeof(*p));
	p->decider = -1;
	nlt_strlcpy(p->server, s->dc->info.dc_dns_name[0] ? s->dc->info.dc_dns_name : s->dc->name, sizeof(p->server));
	snprintf(p->dc_ou, sizeof(p->dc_ou), "OU=Domain Controllers,%.480s", dom);
	if (!g || !(g->file = malloc(SMB2C_FILE_MAX))) {
		reuse_fail(p, "out of memory");
		goto out;
	}
	g->s = s;
	g->ctx = ctx;
	g->who = "rejoin";
	g->smb.fd = -1;
	g->deadline_ms = ctx->deadline_ms;
	if (nlt_ms_left(g->deadline_ms) > GPO_SMB_MS)
		g->deadline_ms = nlt_now_ms() + GPO_SMB_MS;
	/* the DCs' containers: the domain head, then OU=Domain Controllers */
	som_dn[0] = dom;
	som_dn[1] = p->dc_ou;
	for (size_t k = 0; k < 2; k++) {
		nlt_clearerr(&e);
		if (read_som(g, som_dn[k], g->gplink[k], sizeof(g->gplink[k]), &som_opt[k], &e) < 0) {
			reuse_fail(p, "%.590s", e.msg);
			goto out;
		}
	}
	domain_sid(g, dom, p->domain_sid, sizeof(p->domain_sid));
	for (size_t k = 0; k < 2; k++) {
		size_t nl = 0;
		if (gpo_dec_gplink(g->gplink[k], strlen(g->gplink[k]), links, GPO_MAX_LINKS, &nl) != WIRE_OK) {
			reuse_fail(p, "the gPLink of '%.300s' is not readable", som_dn[k]);
			goto out;
		}
		for (size_t i = 0; i < nl; i++) {
			g->cand[n_cand].som = k;
			g->cand[n_cand].pos = i;
			g->cand[n_cand].options = links[i].options;
			snprintf(g->cand_dn[n_cand], sizeof(g->cand_dn[0]), "%.*s",
				 (int)(links[i].dn_len < 511 ? links[i].dn_len : 511), links[i].dn);
			n_cand++;
		}
	}
	n_order = gpo_precedence(g->cand, n_cand, som_opt, 2, g->order);
	if (n_order > AUDIT_MAX_GPOS) {
		reuse_fail(p, "more than %d GPOs apply to %.300s", AUDIT_MAX_GPOS, p->dc_ou);
		goto out;
	}
	/* in precedence order, and only until one decides: a GPO below the decider cannot change the answer */
	for (size_t i = 0; i < n_order; i++) {
		struct gpo_reuse_gpo *r = &p->gpo[p->n_gpo++];
		r->g.enforced = (g->cand[g->order[i]].options & GPO_LINK_ENFORCED) != 0;
		nlt_strlcpy(r->g.som, som_dn[g->cand[g->order[i]].som], sizeof(r->g.som));
		g->reuse_into = r;
		read_gpo(g, g->cand_dn[g->order[i]], &r->g);
		if ((r->g.state == AUDIT_GPO_READ && r->val != SDDL_VAL_UNSET) ||
		    (r->g.state != AUDIT_GPO_READ && r->g.state != AUDIT_GPO_NO_TEMPLATE && r->g.state != AUDIT_GPO_SKIPPED))
			break;
	}
	gpo_reuse_decide(p);
out:
	if (g) {
		if (g->smb_state > 0)
			smb2c_logoff_quick(&g->smb);
		else if (g->smb.buf || g->smb.fd >= 0)
			smb2c_free(&g->smb);
		free(g->file);
		free(g);
	}
	p->ms = nlt_now_ms() - t0;
	nlt_vlog("rejoin: the reuse policy from %s in %llu ms: %s%s%s", p->server, (unsigned long long)p->ms,
		 p->state == GPO_REUSE_SET ? "set by GPO " : p->state == GPO_REUSE_UNSET ? "not set" : "not read: ",
		 p->state == GPO_REUSE_SET ? gname(&p->gpo[p->decider].g) : "", p->state == GPO_REUSE_FAILED ? p->reason : "");
}
