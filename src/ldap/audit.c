/* src/ldap/audit.c - a domain-wide audit of computer accounts (see audit.h). */
#include "config.h"
#include "audit.h"

#include <ctype.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "adattr.h"
#include "admin.h"
#include "locate.h"
#include "output.h"

static const struct {
	const char *key, *label;
	int problem;
} kinds[AK__COUNT] = {
	[AK_PASSWORD_STALE] = { "password_stale", "password older than the limit (or never set)", 1 },
	[AK_DISABLED] = { "disabled", "account disabled", 1 },
	[AK_NEVER_LOGGED_ON] = { "never_logged_on", "never logged on", 1 },
	[AK_NO_AES] = { "no_aes", "no AES Kerberos keys", 1 },
	[AK_DC_DIFFERS] = { "dc_differs", "kvno or pwdLastSet differ between DCs", 1 },
	[AK_DUPLICATE_DNS] = { "duplicate_dns_host_name", "dNSHostName also on another account", 1 },
	[AK_DUPLICATE_SPN] = { "duplicate_spn", "SPN also on another account", 1 },
	[AK_NONADMIN_CREATOR] = { "nonadmin_creator", "created or owned by a non-admin (KB5020276)", 1 },
	[AK_ENCTYPES_UNSET] = { "enctypes_unset", "note: msDS-SupportedEncryptionTypes not set", 0 },
};

const char *audit_kind_key(enum audit_kind k)
{
	return k < AK__COUNT ? kinds[k].key : "unknown";
}

const char *audit_kind_label(enum audit_kind k)
{
	return k < AK__COUNT ? kinds[k].label : "unknown";
}

int audit_kind_is_problem(enum audit_kind k)
{
	return k < AK__COUNT && kinds[k].problem;
}

/* ---- pure pieces ------------------------------------------------------------------------- */

int audit_sid_str(const uint8_t *p, size_t len, char *out, size_t olen)
{
	uint64_t auth = 0;
	size_t o;
	int w;

	/* Revision 1, SubAuthorityCount <= 15, 6-byte big-endian authority, little-endian sub-authorities */
	if (!p || len < 8 || p[0] != 1 || p[1] > 15 || len != 8 + 4u * p[1])
		return -1;
	for (int i = 2; i < 8; i++)
		auth = auth << 8 | p[i];
	w = snprintf(out, olen, "S-1-%" PRIu64, auth);
	if (w < 0 || (size_t)w >= olen)
		return -1;
	o = (size_t)w;
	for (unsigned i = 0; i < p[1]; i++) {
		const uint8_t *s = p + 8 + 4 * i;
		uint32_t v = (uint32_t)s[0] | (uint32_t)s[1] << 8 | (uint32_t)s[2] << 16 | (uint32_t)s[3] << 24;
		w = snprintf(out + o, olen - o, "-%" PRIu32, v);
		if (w < 0 || (size_t)w >= olen - o)
			return -1;
		o += (size_t)w;
	}
	return 0;
}

int audit_sd_owner(const uint8_t *p, size_t len, char *out, size_t olen)
{
	uint32_t off;
	size_t n;

	/* SECURITY_DESCRIPTOR_RELATIVE: Revision 1, Sbz1, Control (SE_SELF_RELATIVE 0x8000), OffsetOwner ... */
	if (!p || len < 20 || p[0] != 1 || !(p[3] & 0x80))
		return -1;
	off = (uint32_t)p[4] | (uint32_t)p[5] << 8 | (uint32_t)p[6] << 16 | (uint32_t)p[7] << 24;
	if (off == 0 || off < 20 || off > len - 8)
		return -1;
	n = 8 + 4u * p[off + 1];
	if (n > len - off)
		return -1;
	return audit_sid_str(p + off, n, out, olen);
}

int audit_sid_is_admin(const char *sid, const char *domain_sid)
{
	static const char *const builtin[] = { "S-1-5-32-544", "S-1-5-18", NULL };
	static const char *const rids[] = { "500", "512", "516", "518", "519", NULL };
	size_t dl;

	if (!sid)
		return 0;
	for (size_t i = 0; builtin[i]; i++)
		if (strcmp(sid, builtin[i]) == 0)
			return 1;
	if (!domain_sid || !*domain_sid)
		return 0;
	dl = strlen(domain_sid);
	if (strncmp(sid, domain_sid, dl) != 0 || sid[dl] != '-')
		return 0;
	for (size_t i = 0; rids[i]; i++)
		if (strcmp(sid + dl + 1, rids[i]) == 0)
			return 1;
	return 0;
}

int audit_os_pre_aes(const char *os)
{
	static const char *const old[] = { "Windows 2000", "Windows XP", "Windows Server 2003", "Windows Server® 2003",
					   "Windows NT", NULL };

	if (!os)
		return 0;
	for (size_t i = 0; old[i]; i++)
		if (strncasecmp(os, old[i], strlen(old[i])) == 0)
			return 1;
	return 0;
}

static void add_finding(struct audit_acct *a, enum audit_kind k, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void add_finding(struct audit_acct *a, enum audit_kind k, const char *fmt, ...)
{
	struct audit_finding *nf;
	va_list ap;
	char buf[600];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	nf = realloc(a->f, (a->n_f + 1) * sizeof(*a->f));
	if (!nf)
		return;
	a->f = nf;
	a->f[a->n_f].kind = k;
	a->f[a->n_f].message = strdup(buf);
	if (!a->f[a->n_f].message)
		return;
	a->n_f++;
	a->kinds |= 1u << k;
}

/* the domain part of an account's objectSid ("S-1-5-21-a-b-c" of "S-1-5-21-a-b-c-1104") */
static void domain_of(const char *sid, char *out, size_t len)
{
	const char *dash = sid ? strrchr(sid, '-') : NULL;
	size_t n = dash ? (size_t)(dash - sid) : 0;

	if (n >= len)
		n = 0;
	memcpy(out, sid ? sid : "", n);
	out[n] = '\0';
}

static const char *gpo_label(const struct audit_policy *p, int i, char *buf, size_t len)
{
	if (i < 0 || (size_t)i >= p->n_gpo)
		return "?";
	snprintf(buf, len, "GPO '%.200s' %s", p->gpo[i].name[0] ? p->gpo[i].name : "(no name)", p->gpo[i].guid);
	return buf;
}

/* the limit, its source and the disable setting an account gets: the base's, or a zone's */
struct eff {
	int days, src;
	char gpo[320];     /* "GPO 'name' {GUID}" deciding MaximumPasswordAge */
	uint32_t disable;  /* DisablePasswordChange when decided and set */
	char dgpo[320];
	const char *where; /* the zone's DN, or NULL */
	const char *reason;
};

static void eff_of(const struct audit_run *r, int z, struct eff *e)
{
	const struct audit_policy *p = &r->pol;
	char g[300];

	memset(e, 0, sizeof(*e));
	if (z < 0) {
		e->days = r->stale_days;
		e->src = r->stale_src;
		if (p->max_age_gpo >= 0)
			nlt_strlcpy(e->gpo, gpo_label(p, p->max_age_gpo, g, sizeof(g)), sizeof(e->gpo));
		if (p->disable_known && p->disable_change) {
			e->disable = p->disable_change;
			nlt_strlcpy(e->dgpo, gpo_label(p, p->disable_gpo, g, sizeof(g)), sizeof(e->dgpo));
		}
		e->reason = p->reason;
		return;
	}
	e->days = p->zone[z].stale_days;
	e->src = p->zone[z].stale_src;
	e->where = p->zone[z].dn;
	e->reason = p->zone[z].reason;
	if (p->zone[z].max_age_guid[0])
		snprintf(e->gpo, sizeof(e->gpo), "GPO '%.200s' %s", p->zone[z].max_age_name[0] ? p->zone[z].max_age_name : "(no name)",
			 p->zone[z].max_age_guid);
	if (p->zone[z].disable_known && p->zone[z].disable_change) {
		e->disable = p->zone[z].disable_change;
		snprintf(e->dgpo, sizeof(e->dgpo), "GPO '%.200s' %s",
			 p->zone[z].disable_name[0] ? p->zone[z].disable_name : "(no name)", p->zone[z].disable_guid);
	}
}

/* where the limit comes from, for a finding */
static const char *stale_why(const struct eff *e, char *buf, size_t len)
{
	switch (e->src) {
	case AUDIT_STALE_OPTION:
		return "--stale-days";
	case AUDIT_STALE_DEFAULT:
		return "Windows' default; no domain GPO sets it";
	case AUDIT_STALE_POLICY:
		snprintf(buf, len, "%s", e->gpo[0] ? e->gpo : "?");
		return buf;
	default:
		return "assumed: the domain's policy was not read";
	}
}

/* "; password changes are disabled by policy (...)" when a GPO says so, else "" */
static const char *disabled_why(const struct eff *e, char *buf, size_t len)
{
	if (!e->disable)
		return "";
	snprintf(buf, len, "; password changes are disabled by policy (DisablePasswordChange=%u, %s)", e->disable,
		 e->dgpo[0] ? e->dgpo : "?");
	return buf;
}

static void limit_of(int opt_days, int state, int have_max_age, uint32_t max_age, int decided_by_gpo, int *days,
		     int *src)
{
	if (opt_days >= 0) {
		*days = opt_days;
		*src = AUDIT_STALE_OPTION;
	} else if (state == AUDIT_POL_READ && have_max_age && max_age >= 1 && max_age <= 999 && decided_by_gpo) {
		*days = (int)max_age;
		*src = AUDIT_STALE_POLICY;
	} else if (state == AUDIT_POL_READ && !have_max_age) {
		*days = AUDIT_DEFAULT_STALE_DAYS;
		*src = AUDIT_STALE_DEFAULT;
	} else {
		*days = AUDIT_DEFAULT_STALE_DAYS;
		*src = AUDIT_STALE_ASSUMED;
	}
}

void audit_apply_policy(struct audit_run *r, int opt_days)
{
	struct audit_policy *p = &r->pol;

	limit_of(opt_days, p->state, p->have_max_age, p->max_age, p->max_age_gpo >= 0, &r->stale_days, &r->stale_src);
	for (size_t z = 0; z < p->n_zone; z++)
		limit_of(opt_days, p->zone[z].state, p->zone[z].have_max_age, p->zone[z].max_age,
			 p->zone[z].max_age_guid[0] != '\0', &p->zone[z].stale_days, &p->zone[z].stale_src);
}

int audit_zone_of(const struct audit_run *r, const char *dn)
{
	const struct audit_policy *p = &r->pol;
	size_t l = dn ? strlen(dn) : 0, best_len = 0;
	int best = -1;

	for (size_t z = 0; z < p->n_zone; z++) {
		size_t zl = strlen(p->zone[z].dn);
		if (!zl || l < zl || strcasecmp(dn + l - zl, p->zone[z].dn) != 0 || (l > zl && dn[l - zl - 1] != ','))
			continue;
		if (zl > best_len) {
			best = (int)z;
			best_len = zl;
		}
	}
	return best;
}

static void judge_one(struct audit_run *r, struct audit_acct *a)
{
	int64_t t;
	char dom[200], why[400], dis[400];
	int z = audit_zone_of(r, a->dn);
	struct eff e;

	eff_of(r, z, &e);
	if (z >= 0)
		r->pol.zone[z].n_accounts++;
	else
		r->pol.n_base_accounts++;

	if (a->have & AH_UAC && a->uac & UAC_ACCOUNTDISABLE)
		add_finding(a, AK_DISABLED, "the account is disabled");
	if (!(a->have & AH_PWDLASTSET) || (t = ad_filetime_to_unix(a->pwdlastset)) < 0)
		add_finding(a, AK_PASSWORD_STALE, "the password was never set (pwdLastSet %s)",
			    a->have & AH_PWDLASTSET ? "is 0" : "is missing");
	else if (r->now - t > (int64_t)e.days * 86400) {
		add_finding(a, AK_PASSWORD_STALE, "the password is %lld days old (limit %d days, %s)%s",
			    (long long)((r->now - t) / 86400), e.days, stale_why(&e, why, sizeof(why)),
			    disabled_why(&e, dis, sizeof(dis)));
		/* the real limit may be up to 999 days: only older than that is stale whatever the policy */
		a->stale_assumed = e.src == AUDIT_STALE_ASSUMED && r->now - t <= (int64_t)999 * 86400;
	}
	if (!(a->have & AH_LASTLOGON) || ad_filetime_to_unix(a->lastlogon) < 0)
		add_finding(a, AK_NEVER_LOGGED_ON, "never logged on (no lastLogonTimestamp)");
	if (a->have & AH_ENCTYPES) {
		if (!(a->enctypes & (ENC_AES128 | ENC_AES256)))
			add_finding(a, AK_NO_AES, "msDS-SupportedEncryptionTypes 0x%llx has no AES: tickets for it use RC4 or DES",
				    (unsigned long long)a->enctypes);
	} else if (audit_os_pre_aes(a->os)) {
		add_finding(a, AK_NO_AES, "msDS-SupportedEncryptionTypes is not set and %s has no AES", a->os);
	} else {
		add_finding(a, AK_ENCTYPES_UNSET,
			    "msDS-SupportedEncryptionTypes is not set: the KDC's default decides (the member never wrote it)");
	}
	domain_of(a->sid, dom, sizeof(dom));
	if (a->creator_sid)
		add_finding(a, AK_NONADMIN_CREATOR,
			    "created by %s through ms-DS-MachineAccountQuota (mS-DS-CreatorSID): since KB5020276 a join that "
			    "reuses it is refused for anyone but that user and administrators",
			    a->creator_sid);
	else if (a->owner_sid && !audit_sid_is_admin(a->owner_sid, dom))
		add_finding(a, AK_NONADMIN_CREATOR,
			    "owned by %s, not an administrator: since KB5020276 a join that reuses it is refused for anyone but "
			    "the owner and administrators",
			    a->owner_sid);
}

/* ---- duplicates: sort (value, account) pairs, report runs ------------------------------- */

struct pair {
	const char *v;
	size_t i;
};

static int pair_cmp(const void *x, const void *y)
{
	const struct pair *a = x, *b = y;
	int c = strcasecmp(a->v, b->v);

	return c ? c : (a->i > b->i) - (a->i < b->i);
}

static void dup_report(struct audit_run *r, struct pair *p, size_t n, enum audit_kind k, const char *what)
{
	qsort(p, n, sizeof(*p), pair_cmp);
	for (size_t i = 0; i < n;) {
		size_t j = i + 1, distinct = 1;
		while (j < n && strcasecmp(p[j].v, p[i].v) == 0) {
			distinct += p[j].i != p[j - 1].i;
			j++;
		}
		if (distinct > 1) {
			for (size_t x = i; x < j; x++) {
				char others[300] = "";
				size_t o = 0, shown = 0;
				if (x > i && p[x].i == p[x - 1].i)
					continue;
				for (size_t y = i; y < j; y++) {
					if (p[y].i == p[x].i || (y > i && p[y].i == p[y - 1].i))
						continue;
					if (shown++ < 4 && o < sizeof(others))
						o += (size_t)snprintf(others + o, sizeof(others) - o, "%s%s", shown > 1 ? ", " : "",
								      r->a[p[y].i].sam ? r->a[p[y].i].sam : "?");
				}
				if (shown > 4 && o < sizeof(others))
					snprintf(others + o, sizeof(others) - o, " and %zu more", shown - 4);
				add_finding(&r->a[p[x].i], k, "%s %s is also on %s", what, p[x].v, others);
			}
		}
		i = j;
	}
}

static void judge_duplicates(struct audit_run *r)
{
	size_t n_spn = 0, n = 0;
	struct pair *p;

	for (size_t i = 0; i < r->n; i++)
		n_spn += r->a[i].n_spn;
	p = calloc((n_spn > r->n ? n_spn : r->n) + 1, sizeof(*p));
	if (!p)
		return;
	for (size_t i = 0; i < r->n; i++)
		if (r->a[i].dns && *r->a[i].dns)
			p[n++] = (struct pair){ r->a[i].dns, i };
	dup_report(r, p, n, AK_DUPLICATE_DNS, "dNSHostName");
	n = 0;
	for (size_t i = 0; i < r->n; i++)
		for (size_t s = 0; s < r->a[i].n_spn; s++)
			p[n++] = (struct pair){ r->a[i].spn[s], i };
	dup_report(r, p, n, AK_DUPLICATE_SPN, "servicePrincipalName");
	free(p);
}

/* ---- cross-DC ---------------------------------------------------------------------------- */

static int val_cmp(const void *x, const void *y)
{
	const struct audit_dcval *a = x, *b = y;

	return strcmp(a->sid, b->sid);
}

static void judge_cross_dc(struct audit_run *r)
{
	const struct audit_dc *prim = NULL;

	for (size_t d = 0; d < r->n_dc; d++)
		if (r->dc[d].primary)
			prim = &r->dc[d];
	for (size_t d = 0; d < r->n_dc; d++) {
		struct audit_dc *dc = &r->dc[d];
		size_t matched = 0;
		if (dc->primary)
			continue;
		if (dc->state != AUDIT_DC_READ) {
			r->n_not_compared++;
			continue;
		}
		r->n_compared++;
		if (dc->n_v)
			qsort(dc->v, dc->n_v, sizeof(*dc->v), val_cmp);
		for (size_t i = 0; i < r->n; i++) {
			struct audit_acct *a = &r->a[i];
			struct audit_dcval key = { .sid = a->sid }, *v;
			if (!a->sid)
				continue;
			v = dc->n_v ? bsearch(&key, dc->v, dc->n_v, sizeof(*dc->v), val_cmp) : NULL;
			if (!v) {
				add_finding(a, AK_DC_DIFFERS, "not on %s (read from %s): not replicated yet, or deleted there",
					    dc->name, prim ? prim->name : "the first DC");
				continue;
			}
			matched++;
			if ((a->have & AH_KVNO) != (v->have & AH_KVNO) ||
			    ((a->have & AH_KVNO) && a->kvno != v->kvno))
				add_finding(a, AK_DC_DIFFERS, "msDS-KeyVersionNumber is %lld on %s but %lld on %s",
					    (long long)(a->have & AH_KVNO ? a->kvno : -1), prim ? prim->name : "?",
					    (long long)(v->have & AH_KVNO ? v->kvno : -1), dc->name);
			if ((a->have & AH_PWDLASTSET) != (v->have & AH_PWDLASTSET) ||
			    ((a->have & AH_PWDLASTSET) && a->pwdlastset != v->pwdlastset)) {
				char t1[40] = "-", t2[40] = "-";
				int64_t u1 = a->have & AH_PWDLASTSET ? ad_filetime_to_unix(a->pwdlastset) : -1;
				int64_t u2 = v->have & AH_PWDLASTSET ? ad_filetime_to_unix(v->pwdlastset) : -1;
				if (u1 >= 0)
					nlt_iso8601(u1, t1, sizeof(t1));
				if (u2 >= 0)
					nlt_iso8601(u2, t2, sizeof(t2));
				add_finding(a, AK_DC_DIFFERS, "pwdLastSet is %s on %s but %s on %s", t1, prim ? prim->name : "?",
					    t2, dc->name);
			}
		}
		dc->n_only_here = dc->n_v > matched ? dc->n_v - matched : 0;
	}
}

void audit_judge(struct audit_run *r)
{
	r->pol.n_base_accounts = 0;
	for (size_t z = 0; z < r->pol.n_zone; z++)
		r->pol.zone[z].n_accounts = 0;
	memset(r->count, 0, sizeof(r->count));
	r->n_flagged = r->n_compared = r->n_not_compared = 0;
	for (size_t i = 0; i < r->n; i++)
		judge_one(r, &r->a[i]);
	judge_duplicates(r);
	judge_cross_dc(r);
	for (size_t i = 0; i < r->n; i++) {
		int flagged = 0;
		for (unsigned k = 0; k < AK__COUNT; k++)
			if (r->a[i].kinds & (1u << k)) {
				r->count[k]++;
				/* stale against an assumed limit is a lead, not a finding: the verdict says unknown */
				if (!(k == AK_PASSWORD_STALE && r->a[i].stale_assumed))
					flagged |= kinds[k].problem;
			}
		r->n_flagged += (size_t)flagged;
	}
}

enum audit_verdict audit_verdict(const struct audit_run *r, char *why, size_t why_len)
{
	char dummy[8];

	if (!why)
		why = dummy, why_len = sizeof(dummy);
	why[0] = '\0';
	if (r->n_flagged)
		return AUDIT_FINDINGS;
	if (r->n_not_compared) {
		for (size_t d = 0; d < r->n_dc; d++)
			if (!r->dc[d].primary && r->dc[d].state != AUDIT_DC_READ) {
				snprintf(why, why_len, "kvno/pwdLastSet were not compared with %s: %s", r->dc[d].name,
					 r->dc[d].reason[0] ? r->dc[d].reason : "not tried");
				break;
			}
		if (!why[0])
			snprintf(why, why_len, "kvno/pwdLastSet were not compared with every DC");
		return AUDIT_INCONCLUSIVE;
	}
	if (r->stale_src == AUDIT_STALE_ASSUMED && (r->pol.n_base_accounts || !r->n)) {
		snprintf(why, why_len, "the password-age limit is assumed (30 days): the domain's policy was not read: %s",
			 r->pol.reason[0] ? r->pol.reason : "not tried");
		return AUDIT_INCONCLUSIVE;
	}
	for (size_t z = 0; z < r->pol.n_zone; z++)
		if (r->pol.zone[z].stale_src == AUDIT_STALE_ASSUMED && r->pol.zone[z].n_accounts) {
			snprintf(why, why_len, "the password-age limit is assumed (30 days) under %.250s: its policy was not read: %.250s",
				 r->pol.zone[z].dn, r->pol.zone[z].reason[0] ? r->pol.zone[z].reason : "not tried");
			return AUDIT_INCONCLUSIVE;
		}
	if (r->stale_src != AUDIT_STALE_OPTION && r->pol.n_unevaluated_total) {
		snprintf(why, why_len, "GPOs linked on %zu container%s (%s%s) were not evaluated: the limit may differ there",
			 r->pol.n_unevaluated_total, r->pol.n_unevaluated_total == 1 ? "" : "s", r->pol.unevaluated[0],
			 r->pol.n_unevaluated_total > 1 ? ", ..." : "");
		return AUDIT_INCONCLUSIVE;
	}
	return AUDIT_CLEAN;
}

struct audit_acct *audit_add(struct audit_run *r)
{
	if (r->n == r->cap) {
		size_t nc = r->cap ? r->cap * 2 : 256;
		struct audit_acct *na = realloc(r->a, nc * sizeof(*na));
		if (!na)
			return NULL;
		r->a = na;
		r->cap = nc;
	}
	memset(&r->a[r->n], 0, sizeof(r->a[0]));
	return &r->a[r->n++];
}

void audit_free(struct audit_run *r)
{
	for (size_t i = 0; i < r->n; i++) {
		struct audit_acct *a = &r->a[i];
		free(a->dn);
		free(a->sam);
		free(a->dns);
		free(a->os);
		free(a->created);
		free(a->sid);
		free(a->creator_sid);
		free(a->owner_sid);
		for (size_t s = 0; s < a->n_spn; s++)
			free(a->spn[s]);
		free(a->spn);
		for (size_t f = 0; f < a->n_f; f++)
			free(a->f[f].message);
		free(a->f);
	}
	free(r->a);
	for (size_t d = 0; d < r->n_dc; d++) {
		for (size_t i = 0; i < r->dc[d].n_v; i++)
			free(r->dc[d].v[i].sid);
		free(r->dc[d].v);
	}
	r->a = NULL;
	r->n = r->cap = r->n_dc = 0;
}

/* ---- reading ----------------------------------------------------------------------------- */

static char *bv_dup(const struct berval *b)
{
	char *s = malloc(b->bv_len + 1);

	if (s) {
		memcpy(s, b->bv_val, b->bv_len);
		s[b->bv_len] = '\0';
	}
	return s;
}

/* The first value of attr as a new string, NULL when absent (or empty). */
static char *first_str(LDAP *ld, LDAPMessage *en, const char *attr)
{
	struct berval **v = ldap_get_values_len(ld, en, attr);
	char *s = NULL;

	if (v && v[0] && v[0]->bv_len)
		s = bv_dup(v[0]);
	if (v)
		ldap_value_free_len(v);
	return s;
}

static int first_i64(LDAP *ld, LDAPMessage *en, const char *attr, int64_t *out)
{
	char *s = first_str(ld, en, attr), *end;
	long long v;
	int ok = 0;

	if (s) {
		v = strtoll(s, &end, 10);
		if (!*end && end != s) {
			*out = v;
			ok = 1;
		}
	}
	free(s);
	return ok;
}

static char *first_sid(LDAP *ld, LDAPMessage *en, const char *attr, int sd)
{
	struct berval **v = ldap_get_values_len(ld, en, attr);
	char buf[200];
	char *s = NULL;

	if (v && v[0] &&
	    (sd ? audit_sd_owner((const uint8_t *)v[0]->bv_val, v[0]->bv_len, buf, sizeof(buf))
		: audit_sid_str((const uint8_t *)v[0]->bv_val, v[0]->bv_len, buf, sizeof(buf))) == 0)
		s = strdup(buf);
	if (v)
		ldap_value_free_len(v);
	return s;
}

typedef int (*entry_fn)(void *arg, LDAP *ld, LDAPMessage *en);

/*
 * One paged subtree search (RFC 2696, AUDIT_PAGE_SIZE a page), entries handed to fn one by one
 * as they arrive (libldap keeps one message, not the result set).  0, or -1 with e.
 */
static int paged_search(struct nlt_ldap *c, const char *base, const char *filter, const char *const *attrs,
			int sd_owner, entry_fn fn, void *arg, size_t *n_entries, uint64_t deadline_ms,
			struct nlt_err *e)
{
	/* LDAP_SERVER_SD_FLAGS_OID, SDFlagsRequestValue ::= SEQUENCE { Flags INTEGER } with OWNER_SECURITY_INFORMATION */
	static char sdval[] = { 0x30, 0x03, 0x02, 0x01, 0x01 };
	struct berval cookie = { 0, NULL }, sdbv = { sizeof(sdval), sdval };
	size_t pages = 0;
	int r = -1;

	*n_entries = 0;
	for (;;) {
		LDAPControl *page = NULL, *sdc = NULL, *ctrls[3] = { NULL, NULL, NULL }, **sctrls = NULL, *pr;
		LDAPMessage *res = NULL;
		struct timeval tv;
		ber_int_t total = 0;
		int msgid, rc, ms, done = 0, err = LDAP_SUCCESS;
		char *diag = NULL;

		rc = ldap_create_page_control(c->ld, AUDIT_PAGE_SIZE, cookie.bv_val ? &cookie : NULL, 1, &page);
		if (rc == LDAP_SUCCESS && sd_owner)
			rc = ldap_control_create("1.2.840.113556.1.4.801", 0, &sdbv, 1, &sdc);
		if (rc != LDAP_SUCCESS) {
			nlt_seterr(e, NLT_EINTERNAL, "LDAP paged search on %s: cannot build the controls: %s", c->dc_name,
				   ldap_err2string(rc));
			goto page_out;
		}
		ctrls[0] = page;
		ctrls[1] = sdc;
		ms = nlt_ms_left(deadline_ms);
		if (ms <= 0) {
			nlt_seterr(e, NLT_ENODC, "LDAP search of the computer accounts under '%s' on %s: out of time after %zu entries",
				   base, c->dc_name, *n_entries);
			goto page_out;
		}
		tv.tv_sec = ms / 1000;
		tv.tv_usec = (ms % 1000) * 1000;
		rc = ldap_search_ext(c->ld, base, LDAP_SCOPE_SUBTREE, filter, (char **)(uintptr_t)attrs, 0, ctrls, NULL,
				     &tv, 0, &msgid);
		if (rc != LDAP_SUCCESS) {
			nlt_seterr(e, rc == LDAP_SERVER_DOWN || rc == LDAP_TIMEOUT ? NLT_ENODC : NLT_EPROTO,
				   "LDAP search under '%s' on %s failed: %s", base, c->dc_name, ldap_err2string(rc));
			goto page_out;
		}
		while (!done) {
			ms = nlt_ms_left(deadline_ms);
			tv.tv_sec = ms > 0 ? ms / 1000 : 0;
			tv.tv_usec = ms > 0 ? (ms % 1000) * 1000 : 1000;
			rc = ldap_result(c->ld, msgid, LDAP_MSG_ONE, &tv, &res);
			if (rc == 0) {
				nlt_seterr(e, NLT_ENODC, "LDAP search under '%s' on %s: no answer within the deadline "
							 "(%zu entries read)", base, c->dc_name, *n_entries);
				(void)ldap_abandon_ext(c->ld, msgid, NULL, NULL);
				goto page_out;
			}
			if (rc < 0) {
				(void)ldap_get_option(c->ld, LDAP_OPT_RESULT_CODE, &err);
				nlt_seterr(e, NLT_ENODC, "LDAP search under '%s' on %s failed: %s (%zu entries read)", base,
					   c->dc_name, ldap_err2string(err), *n_entries);
				goto page_out;
			}
			switch (rc) {
			case LDAP_RES_SEARCH_ENTRY:
				(*n_entries)++;
				if (fn(arg, c->ld, res) < 0) {
					nlt_seterr(e, NLT_EINTERNAL, "out of memory after %zu computer accounts", *n_entries);
					goto page_out;
				}
				break;
			case LDAP_RES_SEARCH_REFERENCE:
				break; /* other partitions (Configuration, DNS zones): no computer accounts */
			case LDAP_RES_SEARCH_RESULT:
				rc = ldap_parse_result(c->ld, res, &err, NULL, &diag, NULL, &sctrls, 0);
				if (rc != LDAP_SUCCESS || err != LDAP_SUCCESS) {
					char sd[300];
					int code = rc != LDAP_SUCCESS ? rc : err;
					nlt_seterr(e,
						   code == LDAP_NO_SUCH_OBJECT ? NLT_EUSAGE
						   : code == LDAP_INSUFFICIENT_ACCESS ? NLT_EAUTH
						   : code == LDAP_TIMELIMIT_EXCEEDED ? NLT_ENODC
										 : NLT_EPROTO,
						   "LDAP search under '%s' on %s failed: %s%s%s", base, c->dc_name,
						   code == LDAP_NO_SUCH_OBJECT ? "no such object" : ldap_err2string(code),
						   diag && *diag ? ": " : "", out_safe(diag, sd, sizeof(sd)));
					goto page_out;
				}
				pr = ldap_control_find(LDAP_CONTROL_PAGEDRESULTS, sctrls, NULL);
				if (cookie.bv_val)
					ber_memfree(cookie.bv_val);
				cookie.bv_val = NULL;
				cookie.bv_len = 0;
				if (!pr) {
					/* no paging answer: the whole result came in one go (no cookie to follow) */
					done = 2;
					break;
				}
				if (ldap_parse_pageresponse_control(c->ld, pr, &total, &cookie) != LDAP_SUCCESS) {
					nlt_seterr(e, NLT_EPROTO, "LDAP search on %s: unreadable paged-results answer", c->dc_name);
					goto page_out;
				}
				done = 1;
				break;
			default:
				break;
			}
			ldap_msgfree(res);
			res = NULL;
		}
		pages++;
		ldap_controls_free(sctrls);
		sctrls = NULL;
		ldap_memfree(diag);
		diag = NULL;
		ldap_control_free(page);
		if (sdc)
			ldap_control_free(sdc);
		if (done == 2 || !cookie.bv_val || !cookie.bv_len)
			break;
		continue;
page_out:
		if (res)
			ldap_msgfree(res);
		ldap_controls_free(sctrls);
		ldap_memfree(diag);
		if (page)
			ldap_control_free(page);
		if (sdc)
			ldap_control_free(sdc);
		goto out;
	}
	nlt_vlog("LDAP: %zu entries under %s from %s in %zu page(s)", *n_entries, base, c->dc_name, pages);
	r = 0;
out:
	if (cookie.bv_val)
		ber_memfree(cookie.bv_val);
	return r;
}

static int take_account(void *arg, LDAP *ld, LDAPMessage *en)
{
	struct audit_run *r = arg;
	struct audit_acct *a = audit_add(r);
	struct berval **spn;
	char *dn;
	int64_t v;

	if (!a)
		return -1;
	dn = ldap_get_dn(ld, en);
	a->dn = dn ? strdup(dn) : NULL;
	ldap_memfree(dn);
	a->sam = first_str(ld, en, "sAMAccountName");
	a->dns = first_str(ld, en, "dNSHostName");
	a->os = first_str(ld, en, "operatingSystem");
	a->created = first_str(ld, en, "whenCreated");
	a->sid = first_sid(ld, en, "objectSid", 0);
	a->creator_sid = first_sid(ld, en, "mS-DS-CreatorSID", 0);
	a->owner_sid = first_sid(ld, en, "nTSecurityDescriptor", 1);
	if (first_i64(ld, en, "userAccountControl", &v))
		a->uac = v, a->have |= AH_UAC;
	if (first_i64(ld, en, "pwdLastSet", &v))
		a->pwdlastset = v, a->have |= AH_PWDLASTSET;
	if (first_i64(ld, en, "lastLogonTimestamp", &v))
		a->lastlogon = v, a->have |= AH_LASTLOGON;
	if (first_i64(ld, en, "msDS-SupportedEncryptionTypes", &v))
		a->enctypes = v, a->have |= AH_ENCTYPES;
	if (first_i64(ld, en, "msDS-KeyVersionNumber", &v))
		a->kvno = v, a->have |= AH_KVNO;
	spn = ldap_get_values_len(ld, en, "servicePrincipalName");
	if (spn) {
		size_t n = 0;
		while (spn[n])
			n++;
		a->spn = calloc(n ? n : 1, sizeof(*a->spn));
		for (size_t i = 0; a->spn && i < n; i++)
			if ((a->spn[a->n_spn] = bv_dup(spn[i])) != NULL)
				a->n_spn++;
		ldap_value_free_len(spn);
	}
	return 0;
}

static int take_dcval(void *arg, LDAP *ld, LDAPMessage *en)
{
	struct audit_dc *dc = arg;
	struct audit_dcval *v;
	int64_t x;

	if (dc->n_v == dc->cap_v) {
		size_t nc = dc->cap_v ? dc->cap_v * 2 : 256;
		struct audit_dcval *nv = realloc(dc->v, nc * sizeof(*nv));
		if (!nv)
			return -1;
		dc->v = nv;
		dc->cap_v = nc;
	}
	v = &dc->v[dc->n_v];
	memset(v, 0, sizeof(*v));
	v->sid = first_sid(ld, en, "objectSid", 0);
	if (!v->sid)
		return 0; /* nothing to match it by */
	if (first_i64(ld, en, "msDS-KeyVersionNumber", &x))
		v->kvno = x, v->have |= AH_KVNO;
	if (first_i64(ld, en, "pwdLastSet", &x))
		v->pwdlastset = x, v->have |= AH_PWDLASTSET;
	dc->n_v++;
	return 0;
}

static const char AUDIT_FILTER[] = "(objectClass=computer)";

/*
 * One other DC, in a thread of its own beside the primary read: a sealed bind with the service
 * ticket the main thread fetched (the MEMORY ccache is thread-safe; our krb context is not, so no
 * Kerberos call happens here), one paged pass, close.  Writes only its own struct audit_dc.
 */
struct other_job {
	struct audit_dc *dc;
	char name[256], domain[256];
	struct nlt_addr addr;
	const char *base;
	uint64_t deadline_ms, t0;
	pthread_t tid;
	int started;
};

static void *read_other_dc(void *arg)
{
	static const char *const attrs[] = { "objectSid", "msDS-KeyVersionNumber", "pwdLastSet", NULL };
	struct other_job *j = arg;
	struct audit_dc *dc = j->dc;
	struct nlt_ldap ld;
	struct nlt_err e;

	nlt_clearerr(&e);
	if (nlt_ldap_open(&ld, j->name, &j->addr, j->domain, j->deadline_ms, &e) < 0) {
		dc->state = AUDIT_DC_FAILED;
		nlt_strlcpy(dc->reason, e.msg, sizeof(dc->reason));
		dc->ms = nlt_now_ms() - j->t0;
		return NULL;
	}
	if (paged_search(&ld, j->base, AUDIT_FILTER, attrs, 0, take_dcval, dc, &dc->n_entries, j->deadline_ms, &e) < 0) {
		dc->state = AUDIT_DC_FAILED;
		nlt_strlcpy(dc->reason, e.msg, sizeof(dc->reason));
	} else {
		dc->state = AUDIT_DC_READ;
	}
	nlt_ldap_close(&ld);
	dc->ms = nlt_now_ms() - j->t0;
	return NULL;
}

static void dc_ident(struct audit_dc *dc, const struct dc_cand *c)
{
	nlt_strlcpy(dc->name, c->info.dc_dns_name[0] ? c->info.dc_dns_name : c->name, sizeof(dc->name));
	if (c->have_addr)
		nlt_addr_str(&c->addr, dc->address, sizeof(dc->address));
	nlt_strlcpy(dc->site, c->info.dc_site, sizeof(dc->site));
}

/*
 * Every other DC of the domain: discovery again, waiting for each DC's verdict (as ping does),
 * because the session's discovery stopped once its DC had answered.  Fills r->dc[1..] and, for
 * each DC that answered, a job with its service ticket already in the ccache.
 */
static size_t other_dcs(struct audit_run *r, struct admin_session *s, struct nlt_ctx *ctx, const char *base,
			struct other_job *jobs)
{
	struct locate_result all;
	struct locate_req lr;
	struct nlt_err le;
	size_t nj = 0;

	memset(&all, 0, sizeof(all));
	memset(&lr, 0, sizeof(lr));
	nlt_clearerr(&le);
	lr.domain = s->dc->info.dns_domain[0] ? s->dc->info.dns_domain : ctx->domain;
	lr.wait_all = 1;
	lr.deadline_ms = ctx->deadline_ms;
	if (nlt_ms_left(lr.deadline_ms) > 3000)
		lr.deadline_ms = nlt_now_ms() + 3000;
	if (!lr.domain || !*lr.domain || (locate_dc(&lr, &ctx->rs, &all, &le) < 0 && all.n == 0)) {
		struct audit_dc *dc = &r->dc[r->n_dc++];
		memset(dc, 0, sizeof(*dc));
		nlt_strlcpy(dc->name, "(the other DCs)", sizeof(dc->name));
		dc->state = AUDIT_DC_FAILED;
		snprintf(dc->reason, sizeof(dc->reason), "could not list the domain's DCs: %.300s",
			 le.msg[0] ? le.msg : "no domain name");
		locate_result_free(&all);
		return 0;
	}
	for (size_t i = 0; i < all.n && r->n_dc < AUDIT_MAX_DCS; i++) {
		const struct dc_cand *c = &all.cands[i];
		struct audit_dc *dc;
		struct nlt_err e;
		char svc[300];
		int dup = 0;
		if (c->speculative)
			continue;
		if (nlt_name_eq(c->info.dc_dns_name[0] ? c->info.dc_dns_name : c->name, s->dc->info.dc_dns_name) ||
		    nlt_name_eq(c->name, s->dc->name))
			continue;
		for (size_t d = 1; d < r->n_dc; d++)
			dup |= nlt_name_eq(r->dc[d].name, c->info.dc_dns_name[0] ? c->info.dc_dns_name : c->name);
		if (dup)
			continue;
		dc = &r->dc[r->n_dc++];
		memset(dc, 0, sizeof(*dc));
		dc_ident(dc, c);
		if (c->status != CAND_OK || !c->have_addr) {
			dc->state = AUDIT_DC_FAILED;
			snprintf(dc->reason, sizeof(dc->reason), "LDAP ping: %s%s%.320s", cand_status_str(c->status),
				 c->detail[0] ? ": " : "", c->detail);
			continue;
		}
		if (c->info.dns_domain[0] && !nlt_name_eq(c->info.dns_domain, lr.domain)) {
			dc->state = AUDIT_DC_FAILED;
			snprintf(dc->reason, sizeof(dc->reason), "answered for another domain (%.300s)", c->info.dns_domain);
			continue;
		}
		nlt_clearerr(&e);
		snprintf(svc, sizeof(svc), "ldap/%.200s", c->info.dc_dns_name);
		if (krb_get_service_ticket(&s->k, svc, &e) < 0) {
			dc->state = AUDIT_DC_FAILED;
			nlt_strlcpy(dc->reason, e.msg, sizeof(dc->reason));
			continue;
		}
		memset(&jobs[nj], 0, sizeof(jobs[nj]));
		jobs[nj].dc = dc;
		nlt_strlcpy(jobs[nj].name, c->info.dc_dns_name, sizeof(jobs[nj].name));
		nlt_strlcpy(jobs[nj].domain, c->info.dns_domain, sizeof(jobs[nj].domain));
		jobs[nj].addr = c->addr;
		jobs[nj].base = base;
		jobs[nj].deadline_ms = ctx->deadline_ms;
		nj++;
	}
	locate_result_free(&all);
	return nj;
}

static int acct_cmp(const void *x, const void *y)
{
	const struct audit_acct *a = x, *b = y;

	return strcasecmp(a->sam ? a->sam : "", b->sam ? b->sam : "");
}

int audit_collect(struct audit_run *r, struct admin_session *s, struct nlt_ctx *ctx, const char *base,
		  struct nlt_err *e)
{
	static const char *const attrs[] = { "sAMAccountName", "dNSHostName", "servicePrincipalName",
					     "userAccountControl", "pwdLastSet", "lastLogonTimestamp",
					     "msDS-SupportedEncryptionTypes", "msDS-KeyVersionNumber",
					     "mS-DS-CreatorSID", "whenCreated", "operatingSystem", "objectSid",
					     "nTSecurityDescriptor", NULL };
	struct other_job *jobs = calloc(AUDIT_MAX_DCS, sizeof(*jobs));
	struct audit_dc *p = &r->dc[0];
	const char *b = base && *base ? base : s->ld.default_nc;
	size_t nj;
	uint64_t t0;
	int rc = 0;

	if (!jobs)
		return nlt_seterr(e, NLT_EINTERNAL, "out of memory");
	memset(p, 0, sizeof(*p));
	r->n_dc = 1;
	p->primary = 1;
	dc_ident(p, s->dc);
	/* the other DCs are read in threads while the primary is read here: the time is the slowest DC's */
	nj = other_dcs(r, s, ctx, b, jobs);
	t0 = nlt_now_ms();
	for (size_t i = 0; i < nj; i++) {
		jobs[i].t0 = t0;
		nlt_vlog("audit: reading the cross-DC values from %s", jobs[i].name);
		jobs[i].started = pthread_create(&jobs[i].tid, NULL, read_other_dc, &jobs[i]) == 0;
		if (!jobs[i].started)
			read_other_dc(&jobs[i]); /* no thread: one after the other */
	}
	if (paged_search(&s->ld, b, AUDIT_FILTER, attrs, 1, take_account, r, &p->n_entries, ctx->deadline_ms, e) < 0) {
		p->state = AUDIT_DC_FAILED;
		nlt_strlcpy(p->reason, e->msg, sizeof(p->reason));
		rc = -1;
	} else {
		p->state = AUDIT_DC_READ;
	}
	p->ms = nlt_now_ms() - t0;
	if (r->n > 1) /* the report in name order, whatever order the DC sent */
		qsort(r->a, r->n, sizeof(*r->a), acct_cmp);
	for (size_t i = 0; i < nj; i++)
		if (jobs[i].started)
			pthread_join(jobs[i].tid, NULL);
	free(jobs);
	return rc;
}
