/* src/trust/rjoin.c - remote rejoin / join / leave over wkssvc (see rjoin.h). */
#include "config.h"
#include "rjoin.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "adattr.h"
#include "atomicfile.h"
#include "admin.h"
#include "advice.h"
#include "machine.h"
#include "output.h"
#include "gpolicy.h"
#include "sddl.h"
#include "secret.h"
#include "shutdown.h"
#include "target.h"
#include "util.h"
#include "wkssvc.h"
#include "xport.h"

/* ---- pure parts ----------------------------------------------------------- */

int rjoin_sid_str(const uint8_t *b, size_t n, char *out, size_t len)
{
	uint64_t auth = 0;
	size_t pos;
	int w;

	if (len)
		out[0] = '\0';
	/* MS-DTYP 2.4.2.2: Revision 1, SubAuthorityCount <= 15, IdentifierAuthority[6] big-endian, u32 LE each */
	if (n < 8 || b[0] != 1 || b[1] > 15 || n != 8 + 4 * (size_t)b[1])
		return -1;
	for (int i = 2; i < 8; i++)
		auth = auth << 8 | b[i];
	w = snprintf(out, len, "S-1-%llu", (unsigned long long)auth);
	if (w < 0 || (size_t)w >= len)
		goto small;
	pos = (size_t)w;
	for (int i = 0; i < b[1]; i++) {
		const uint8_t *p = b + 8 + 4 * i;
		uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
		w = snprintf(out + pos, len - pos, "-%u", v);
		if (w < 0 || (size_t)w >= len - pos)
			goto small;
		pos += (size_t)w;
	}
	return 0;
small:
	if (len)
		out[0] = '\0';
	return -1;
}

int rjoin_sd_owner(const uint8_t *sd, size_t n, char *out, size_t len)
{
	uint32_t off;

	if (len)
		out[0] = '\0';
	/* SECURITY_DESCRIPTOR_RELATIVE: Revision 1, Sbz1, Control (SE_SELF_RELATIVE 0x8000), OffsetOwner u32 */
	if (n < 20 || sd[0] != 1 || !(sd[3] & 0x80))
		return -1;
	off = (uint32_t)sd[4] | (uint32_t)sd[5] << 8 | (uint32_t)sd[6] << 16 | (uint32_t)sd[7] << 24;
	if (off == 0 || off < 20 || off > n - 8 || sd[off + 1] > 15 || (size_t)off + 8 + 4 * (size_t)sd[off + 1] > n)
		return -1;
	return rjoin_sid_str(sd + off, 8 + 4 * (size_t)sd[off + 1], out, len);
}

int rjoin_sid_is_admin_group(const char *sid)
{
	size_t n = strlen(sid);

	if (strcmp(sid, "S-1-5-32-544") == 0)
		return 1; /* BUILTIN\Administrators */
	/* a domain's Domain Admins (512) or Enterprise Admins (519): S-1-5-21-a-b-c-RID */
	if (strncmp(sid, "S-1-5-21-", 9) != 0 || n < 13)
		return 0;
	return strcmp(sid + n - 4, "-512") == 0 || strcmp(sid + n - 4, "-519") == 0;
}

enum rjoin_reuse rjoin_reuse_rule(const struct rjoin_acct *a, const char *joiner_sid, const char **why)
{
	const char *creator = a->creator_sid[0] ? a->creator_sid : a->owner_sid;

	if (!a->exists) {
		*why = "no account of that name: the join creates one";
		return RJ_REUSE_NEW;
	}
	if (!creator[0]) {
		*why = "neither mS-DS-CreatorSID nor the owner could be read, so whether the member may reuse the account "
		       "is unknown";
		return RJ_REUSE_UNKNOWN;
	}
	if (joiner_sid && joiner_sid[0] && strcmp(creator, joiner_sid) == 0) {
		*why = a->creator_sid[0] ? "the joining user created the account (mS-DS-CreatorSID)"
					 : "the joining user owns the account";
		return RJ_REUSE_SAME_CREATOR;
	}
	if (rjoin_sid_is_admin_group(creator) || a->creator_admin == 1) {
		*why = a->creator_sid[0] ? "the account was created by an administrator (Domain Admins, Enterprise Admins or "
					   "Administrators)"
					 : "no mS-DS-CreatorSID: the account was created by an administrator (its owner is one)";
		return RJ_REUSE_ADMIN_CREATED;
	}
	if (a->creator_admin < 0) {
		*why = "the account's creator is someone else and their groups could not be read, so whether the member "
		       "may reuse the account (KB5020276) is unknown";
		return RJ_REUSE_UNKNOWN;
	}
	*why = a->creator_sid[0] ? "the account was created by another user who is no administrator (mS-DS-CreatorSID): "
				   "since KB5020276 a Windows member refuses to reuse it (0xAAC)"
				 : "the account is owned by another user who is no administrator: since KB5020276 a Windows "
				   "member refuses to reuse it (0xAAC)";
	return RJ_REUSE_BLOCKED;
}

#define REUSE_POLICY "the DC policy \"Domain controller: Allow computer account re-use during domain join\""

/* does this ACE name the owner: itself, everyone (S-1-1-0, S-1-5-11), or a group of it (when read)? */
static int names_owner(const struct sddl_ace *x, const char *owner, const struct rjoin_reuse_pol *pol, const char **via)
{
	*via = NULL;
	if (!x->sid[0])
		return 0;
	if (strcasecmp(x->sid, owner) == 0)
		return 1;
	if (strcmp(x->sid, "S-1-1-0") == 0 || strcmp(x->sid, "S-1-5-11") == 0) {
		*via = x->sid;
		return 1;
	}
	for (size_t i = 0; pol->owner_groups_read == 1 && i < pol->n_owner_groups; i++)
		if (strcasecmp(x->sid, pol->owner_groups[i]) == 0) {
			*via = pol->owner_groups[i];
			return 1;
		}
	return 0;
}

enum rjoin_reuse rjoin_reuse_with_policy(const struct rjoin_acct *a, const char *joiner_sid,
					 const struct rjoin_reuse_pol *pol, char *why, size_t len)
{
	const char *rw, *via = NULL, *deny_via = NULL, *owner = a->owner_sid, *gpo;
	enum rjoin_reuse r = rjoin_reuse_rule(a, joiner_sid, &rw);
	size_t allow = 0, deny = 0, others = 0, deny_others = 0, cond = 0, unres_allow = 0, unres_deny = 0;
	int groups = pol && pol->owner_groups_read == 1;

	if (r != RJ_REUSE_BLOCKED || !pol || pol->state == RJ_POL_NOT_READ) {
		snprintf(why, len, "%s", rw);
		return r;
	}
	gpo = pol->gpo && pol->gpo[0] ? pol->gpo : "(unnamed)";
	switch (pol->state) {
	case RJ_POL_UNREADABLE:
		snprintf(why, len, "%s; %s was not read, so it cannot allow the reuse: %.500s", rw, REUSE_POLICY,
			 pol->why ? pol->why : "no reason given");
		return RJ_REUSE_BLOCKED;
	case RJ_POL_UNSET:
		snprintf(why, len, "%s; %s is not set (%.400s)", rw, REUSE_POLICY, pol->why ? pol->why : "no GPO sets it");
		return RJ_REUSE_BLOCKED;
	default:
		break;
	}
	if (!owner[0] || !pol->sd) {
		snprintf(why, len, "%s; the account's owner could not be read, so %s (GPO '%.200s') cannot be applied", rw,
			 REUSE_POLICY, gpo);
		return RJ_REUSE_UNKNOWN;
	}
	for (size_t i = 0; i < pol->sd->n_ace; i++) {
		const struct sddl_ace *x = &pol->sd->ace[i];
		const char *v;
		int m;
		if (x->kind == SDDL_ACE_OTHER)
			continue;
		if (!x->sid[0]) {
			/* an alias we cannot resolve here (a forest-root group, or the domain's without its SID) */
			if (x->kind == SDDL_ACE_DENY)
				unres_deny++;
			else
				unres_allow++;
			continue;
		}
		m = names_owner(x, owner, pol, &v);
		if (x->kind == SDDL_ACE_COND) {
			cond++;
		} else if (x->kind == SDDL_ACE_DENY) {
			if (m) {
				deny++;
				deny_via = v;
			} else {
				deny_others++;
			}
		} else if (m) {
			if (!allow || !v)
				via = v; /* the owner itself rather than a group, when both */
			allow++;
		} else {
			others++;
		}
	}
	if (deny) {
		snprintf(why, len, "%s; %s in GPO '%.200s' denies the account's owner %s%s%s", rw, REUSE_POLICY, gpo, owner,
			 deny_via ? " through " : "", deny_via ? deny_via : "");
		return RJ_REUSE_BLOCKED;
	}
	if (allow) {
		if (cond || unres_deny || (deny_others && !groups)) {
			snprintf(why, len, "%s; %s in GPO '%.200s' names the account's owner %s, but also holds %s, so whether "
					   "it lets the member reuse the account is unknown", rw, REUSE_POLICY, gpo, owner,
				 cond ? "a conditional ACE we do not evaluate"
				 : unres_deny ? "a deny entry for a group we cannot resolve"
					      : "deny entries for others, and the owner's groups were not read");
			return RJ_REUSE_UNKNOWN;
		}
		snprintf(why, len, "allowed by %s in GPO '%.200s': it names the account's owner %s%s%s (%s)", REUSE_POLICY,
			 gpo, owner, via ? " through " : "", via ? via : "", rw);
		return RJ_REUSE_POLICY_ALLOWED;
	}
	if (cond || unres_allow || (others && !groups)) {
		snprintf(why, len, "%s; %s in GPO '%.200s' does not name the account's owner %s itself, and whether the owner "
				   "is in a group it names is unknown (%s)", rw, REUSE_POLICY, gpo, owner,
			 cond ? "a conditional ACE we do not evaluate"
			 : unres_allow ? "a group we cannot resolve"
				       : "the owner's groups were not read");
		return RJ_REUSE_UNKNOWN;
	}
	snprintf(why, len, "%s; %s in GPO '%.200s' names neither the account's owner %s nor a group it is in", rw,
		 REUSE_POLICY, gpo, owner);
	return RJ_REUSE_BLOCKED;
}

const char *rjoin_werror_why(uint32_t w, enum nlt_cat *cat)
{
	*cat = NLT_EPROBLEM;
	switch (w) {
	case 0:
		*cat = NLT_OK;
		return "WERR_OK";
	case 5:
		*cat = NLT_EAUTH;
		return "ERROR_ACCESS_DENIED (the target account is not an administrator on the member, or has no "
		       "SeMachineAccountPrivilege; or the domain account may not create or reset the computer account)";
	case 50:
		*cat = NLT_EPROTO;
		return "ERROR_NOT_SUPPORTED (the member does not do this kind of join)";
	case 86:
		*cat = NLT_EAUTH;
		return "ERROR_INVALID_PASSWORD (the member could not use the password it was sent: a wrong session key, "
		       "or a password it refuses)";
	case 87:
		*cat = NLT_EPROTO;
		return "ERROR_INVALID_PARAMETER";
	case 1311:
		*cat = NLT_ENODC;
		return "ERROR_NO_LOGON_SERVERS (the member found no DC of the domain)";
	case 1317:
		return "ERROR_NO_SUCH_USER";
	case 1326:
		*cat = NLT_EAUTH;
		return "ERROR_LOGON_FAILURE (the DC refused the domain account's name or password the member sent)";
	case 1355:
		*cat = NLT_ENODC;
		return "ERROR_NO_SUCH_DOMAIN (the member cannot find a DC of the domain)";
	case 1394:
		*cat = NLT_EPROTO;
		return "ERROR_NO_USER_SESSION_KEY (the SMB session has no key to decrypt the password with)";
	case 1722:
		*cat = NLT_ENODC;
		return "RPC_S_SERVER_UNAVAILABLE (the member could not reach the DC)";
	case 2224:
		return "NERR_UserExists (the computer account exists and the member was not allowed to take it over)";
	case 2453:
		*cat = NLT_ENODC;
		return "NERR_DCNotFound (the member cannot find a DC of the domain)";
	case 2691:
		return "NERR_SetupAlreadyJoined (the member is already joined to a domain)";
	case 2692:
		return "NERR_SetupNotJoined (the member is not joined to a domain)";
	case 2694:
		return "NERR_DefaultJoinRequired (the member could not create or find the account in the container "
		       "asked for with the domain account's rights; Samba: \"failed to precreate account in ou\")";
	case 2732:
		return "NERR_AccountReuseBlockedByPolicy, 0xAAC (an account of that name exists and KB5020276's rules "
		       "forbid reusing it)";
	default:
		*cat = NLT_EPROTO;
		return "";
	}
}

/* ---- directory reads ------------------------------------------------------- */

static void parent_dn(const char *dn, char *out, size_t len)
{
	/* the first unescaped comma */
	for (const char *p = dn; *p; p++) {
		if (*p == '\\' && p[1]) {
			p++;
			continue;
		}
		if (*p == ',') {
			nlt_strlcpy(out, p + 1, len);
			return;
		}
	}
	out[0] = '\0';
}

/* the SIDs in a binary attribute's values: is any an administrators' group? 1 yes, 0 no, -1 none read */
static int any_admin_sid(struct berval **v)
{
	char sid[192];
	int n = 0;

	for (size_t i = 0; v && v[i]; i++) {
		if (rjoin_sid_str((const uint8_t *)v[i]->bv_val, v[i]->bv_len, sid, sizeof(sid)) < 0)
			continue;
		n++;
		if (rjoin_sid_is_admin_group(sid))
			return 1;
	}
	return n ? 0 : -1;
}

/* Is this SID (a user, or a group) an administrator?  tokenGroups of the object (base scope). */
static int sid_is_admin(struct admin_session *s, const char *sid)
{
	static const char *const attrs[] = { "tokenGroups", "objectSid", NULL };
	struct nlt_ldap_entry en;
	struct nlt_err le;
	char base[240];
	int r;

	if (rjoin_sid_is_admin_group(sid))
		return 1;
	snprintf(base, sizeof(base), "<SID=%s>", sid);
	memset(&le, 0, sizeof(le));
	r = nlt_ldap_search_one(&s->ld, base, LDAP_SCOPE_BASE, "(objectClass=*)", attrs, &en, &le);
	if (r != 0) {
		nlt_vlog("reading the groups of %s: %s", sid, r > 0 ? "no such object" : le.msg);
		return r > 0 ? 0 : -1; /* a creator that no longer exists is no administrator */
	}
	{
		struct berval **v = nlt_ldap_values(&en, "tokenGroups");
		r = any_admin_sid(v);
		ldap_value_free_len(v); /* nlt_ldap_values() hands over libldap's copy */
	}
	nlt_ldap_entry_free(&en);
	return r < 0 ? 0 : r; /* an object without groups in its token is no administrator */
}

/* The computer object; 0 read (exists or not), -1 e. */
static int read_acct(struct admin_session *s, const char *sam, struct rjoin_acct *a, struct nlt_err *e)
{
	static const char *const attrs[] = { "userAccountControl", "msDS-KeyVersionNumber", "pwdLastSet",
					     "mS-DS-CreatorSID", "nTSecurityDescriptor", NULL };
	/* LDAP_SERVER_SD_FLAGS_OID, OWNER_SECURITY_INFORMATION: SEQUENCE { INTEGER 1 } */
	static char sdflags_val[] = "\x30\x03\x02\x01\x01";
	LDAPControl sdc = { .ldctl_oid = (char *)(uintptr_t)"1.2.840.113556.1.4.801",
			    .ldctl_value = { 5, sdflags_val }, .ldctl_iscritical = 0 };
	LDAPControl *ctrls[2] = { &sdc, NULL };
	LDAPMessage *res = NULL, *en;
	char esc[80], filter[200];
	struct berval **v;
	int rc, ms = nlt_ms_left(s->ld.deadline_ms);
	struct timeval tv;

	memset(a, 0, sizeof(*a));
	a->creator_admin = -1;
	if (ms <= 0)
		return nlt_seterr(e, NLT_ENODC, "reading %s on %s: out of time", sam, s->ld.dc_name);
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	nlt_ldap_filter_escape(sam, esc, sizeof(esc));
	snprintf(filter, sizeof(filter), "(&(objectClass=computer)(sAMAccountName=%s))", esc);
	/* our own search: the owner needs the SD flags control, which nlt_ldap_search_one does not send */
	rc = ldap_search_ext_s(s->ld.ld, s->ld.default_nc, LDAP_SCOPE_SUBTREE, filter, (char **)(uintptr_t)attrs, 0,
			       ctrls, NULL, &tv, 2, &res);
	if (rc != LDAP_SUCCESS) {
		ldap_msgfree(res);
		return nlt_seterr(e, rc == LDAP_SERVER_DOWN || rc == LDAP_TIMEOUT ? NLT_ENODC : NLT_EPROTO,
				  "reading %s on %s failed: %s", sam, s->ld.dc_name, ldap_err2string(rc));
	}
	a->read = 1;
	en = ldap_first_entry(s->ld.ld, res);
	if (en) {
		struct nlt_ldap_entry ne = { NULL, res, en, s->ld.ld };
		char *dn = ldap_get_dn(s->ld.ld, en);
		a->exists = 1;
		nlt_strlcpy(a->dn, dn ? dn : "", sizeof(a->dn));
		ldap_memfree(dn);
		parent_dn(a->dn, a->parent, sizeof(a->parent));
		(void)nlt_ldap_i64(&ne, "userAccountControl", &a->uac);
		a->have_kvno = nlt_ldap_i64(&ne, "msDS-KeyVersionNumber", &a->kvno);
		a->have_pls = nlt_ldap_i64(&ne, "pwdLastSet", &a->pwd_last_set);
		v = nlt_ldap_values(&ne, "mS-DS-CreatorSID");
		if (v && v[0])
			(void)rjoin_sid_str((const uint8_t *)v[0]->bv_val, v[0]->bv_len, a->creator_sid, sizeof(a->creator_sid));
		ldap_value_free_len(v);
		v = nlt_ldap_values(&ne, "nTSecurityDescriptor");
		if (v && v[0])
			(void)rjoin_sd_owner((const uint8_t *)v[0]->bv_val, v[0]->bv_len, a->owner_sid, sizeof(a->owner_sid));
		ldap_value_free_len(v);
	}
	ldap_msgfree(res);
	if (a->exists) {
		const char *who = a->creator_sid[0] ? a->creator_sid : a->owner_sid;
		if (who[0])
			a->creator_admin = sid_is_admin(s, who);
	}
	return 0;
}

/* The groups in a SID's token (tokenGroups of <SID=...>, base scope); 0 read (maybe none), -1 not. */
#define RJ_MAX_GROUPS 512
static int read_sid_groups(struct admin_session *s, const char *sid, char (*out)[192], size_t max, size_t *n)
{
	static const char *const attrs[] = { "tokenGroups", NULL };
	struct nlt_ldap_entry en;
	struct nlt_err le;
	struct berval **v;
	char base[240];
	int r;

	*n = 0;
	snprintf(base, sizeof(base), "<SID=%s>", sid);
	memset(&le, 0, sizeof(le));
	r = nlt_ldap_search_one(&s->ld, base, LDAP_SCOPE_BASE, "(objectClass=*)", attrs, &en, &le);
	if (r != 0) {
		nlt_vlog("reading the groups of the owner %s: %s", sid, r > 0 ? "no such object" : le.msg);
		return -1;
	}
	v = nlt_ldap_values(&en, "tokenGroups");
	for (size_t i = 0; v && v[i] && *n < max; i++)
		if (rjoin_sid_str((const uint8_t *)v[i]->bv_val, v[i]->bv_len, out[*n], sizeof(out[0])) == 0)
			(*n)++;
	r = v && v[0] && !*n ? -1 : 0; /* values none of which decodes: not read */
	ldap_value_free_len(v);
	nlt_ldap_entry_free(&en);
	return r;
}

/*
 * SYSVOL is read with a cifs/DC ticket from the admin's ccache.  The overlapped directory half asked
 * the KDC for ldap/DC alone (no TGT): then one more AS exchange with the password kept, for cifs/DC.
 */
static int reuse_cifs_ticket(struct admin_session *s, const struct secret *pw, struct nlt_err *e)
{
	const char *host = s->dc->info.dc_dns_name[0] ? s->dc->info.dc_dns_name : s->dc->name;
	char svc[300];
	struct nlt_err ign;
	int r;

	snprintf(svc, sizeof(svc), "cifs/%.250s", host);
	nlt_clearerr(&ign);
	if (krb_get_service_ticket(&s->k, svc, &ign) == 0)
		return 0;
	if (!pw || !pw->set) {
		*e = ign;
		return -1;
	}
	s->k.as_service = svc;
	r = admin_login(s, pw, e);
	s->k.as_service = NULL;
	return r;
}

/*
 * The rule said blocked: "Domain controller: Allow computer account re-use during domain join" may
 * still let the member reuse the account (KB5020276).  Read here only (the common path never pays
 * for SYSVOL); a policy that was not read never allows.  res->reuse, reuse_why (the rule's and the
 * policy's reasons), reuse_policy and reuse_pol_short are set.
 */
static void reuse_policy(struct admin_session *s, struct nlt_ctx *ctx, const struct secret *pw, struct rjoin_result *res)
{
	struct gpo_reuse_policy *p = calloc(1, sizeof(*p));
	char (*groups)[192] = NULL;
	struct rjoin_reuse_pol rp;
	char gpo[400] = "", why[800] = "", cause[400] = "";
	struct nlt_err e;

	memset(&rp, 0, sizeof(rp));
	res->reuse_rule_why = res->reuse_why;
	if (!p) {
		rp.state = RJ_POL_UNREADABLE;
		rp.why = "out of memory";
		goto decide;
	}
	nlt_clearerr(&e);
	if (reuse_cifs_ticket(s, pw, &e) < 0) {
		rp.state = RJ_POL_UNREADABLE;
		snprintf(why, sizeof(why), "%.500s", e.msg);
		nlt_strlcpy(cause, e.msg, sizeof(cause));
		rp.why = why;
		goto decide;
	}
	gpo_read_reuse_policy(s, ctx, p);
	switch (p->state) {
	case GPO_REUSE_SET: {
		const struct audit_gpo *g = &p->gpo[p->decider].g;
		snprintf(gpo, sizeof(gpo), "%.250s", g->name[0] ? g->name : g->guid);
		rp.state = RJ_POL_SET;
		rp.gpo = gpo;
		rp.sd = &p->sd;
		break;
	}
	case GPO_REUSE_UNSET:
		rp.state = RJ_POL_UNSET;
		snprintf(why, sizeof(why), "%.600s; read from \\\\%.150s\\SYSVOL", p->reason, p->server);
		rp.why = why;
		break;
	default:
		rp.state = RJ_POL_UNREADABLE;
		snprintf(why, sizeof(why), "%.600s (\\\\%.150s\\SYSVOL)", p->reason[0] ? p->reason : "not read", p->server);
		nlt_strlcpy(cause, p->cause[0] ? p->cause : why, sizeof(cause));
		rp.why = why;
		break;
	}
decide:
	res->reuse = rjoin_reuse_with_policy(&res->before, res->joiner_sid, &rp, res->reuse_whybuf, sizeof(res->reuse_whybuf));
	if (res->reuse == RJ_REUSE_UNKNOWN && rp.state == RJ_POL_SET && res->before.owner_sid[0] &&
	    (groups = calloc(RJ_MAX_GROUPS, sizeof(*groups)))) {
		/* the list names others: whether the owner is in one of those groups decides (one more search) */
		size_t ng = 0;
		if (read_sid_groups(s, res->before.owner_sid, groups, RJ_MAX_GROUPS, &ng) == 0) {
			rp.owner_groups_read = 1;
			rp.owner_groups = (const char(*)[192])groups;
			rp.n_owner_groups = ng;
			res->reuse = rjoin_reuse_with_policy(&res->before, res->joiner_sid, &rp, res->reuse_whybuf,
							     sizeof(res->reuse_whybuf));
		}
	}
	res->reuse_why = res->reuse_whybuf;
	res->reuse_policy = rp.state;
	switch (rp.state) {
	case RJ_POL_SET:
		snprintf(res->reuse_pol_short, sizeof(res->reuse_pol_short), "the re-use policy in GPO '%.80s' %s", gpo,
			 res->reuse == RJ_REUSE_POLICY_ALLOWED ? "allows it"
			 : res->reuse == RJ_REUSE_UNKNOWN      ? "may or may not allow it"
							       : "does not allow the owner");
		break;
	case RJ_POL_UNSET:
		snprintf(res->reuse_pol_short, sizeof(res->reuse_pol_short), "no GPO of the DCs sets the re-use policy");
		break;
	default:
		/* the innermost cause only: the one-line refusal must keep the delete-computer command whole */
		snprintf(res->reuse_pol_short, sizeof(res->reuse_pol_short), "the re-use policy was not read: %.110s",
			 cause[0] ? cause : rp.why ? rp.why : "");
		break;
	}
	nlt_vlog("%s: %s", res->sam, res->reuse_why);
	free(groups);
	free(p);
}

/* The joining user's SID (objectSid of -U's account); "" when unreadable (then only the admin rule applies). */
static void read_joiner_sid(struct admin_session *s, const char *user, char *out, size_t len)
{
	static const char *const attrs[] = { "objectSid", NULL };
	struct nlt_ldap_entry en;
	struct nlt_err le;
	char name[128], esc[260], filter[300];
	struct berval **v;
	const char *bs = strchr(user, '\\');

	out[0] = '\0';
	nlt_strlcpy(name, bs ? bs + 1 : user, sizeof(name));
	name[strcspn(name, "@")] = '\0';
	nlt_ldap_filter_escape(name, esc, sizeof(esc));
	snprintf(filter, sizeof(filter), "(sAMAccountName=%s)", esc);
	memset(&le, 0, sizeof(le));
	if (nlt_ldap_search_one(&s->ld, s->ld.default_nc, LDAP_SCOPE_SUBTREE, filter, attrs, &en, &le) != 0)
		return;
	v = nlt_ldap_values(&en, "objectSid");
	if (v && v[0])
		(void)rjoin_sid_str((const uint8_t *)v[0]->bv_val, v[0]->bv_len, out, len);
	ldap_value_free_len(v);
	nlt_ldap_entry_free(&en);
}

/* ---- the member ------------------------------------------------------------- */

/* a word for the shell: as it is when it is plain, else in single quotes */
static void put_quoted(char *buf, size_t len, const char *w)
{
	size_t pos = strlen(buf);
	int plain = *w != '\0';

	for (const char *p = w; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("._-/@:=,+", *p))
			plain = 0;
	if (pos + 2 >= len)
		return;
	buf[pos++] = ' ';
	if (plain) {
		snprintf(buf + pos, len - pos, "%s", w);
		return;
	}
	buf[pos++] = '\'';
	for (const char *p = w; *p && pos + 5 < len; p++) {
		if (*p == '\'') {
			memcpy(buf + pos, "'\\''", 4);
			pos += 4;
		} else {
			buf[pos++] = *p;
		}
	}
	buf[pos++] = '\'';
	buf[pos] = '\0';
}

/* "nltrust COMMAND --target HOST --target-user U [--target-password-file F] <identity options> DOMAIN" */
static void finish_cmd(const struct nlt_req *req, const char *command, const char *domain, char *buf, size_t len)
{
	char extra[700] = "--target";

	put_quoted(extra, sizeof(extra), req->target);
	if (req->target_user) {
		nlt_strlcpy(extra + strlen(extra), " --target-user", sizeof(extra) - strlen(extra));
		put_quoted(extra, sizeof(extra), req->target_user);
	}
	if (req->target_password_file) {
		nlt_strlcpy(extra + strlen(extra), " --target-password-file", sizeof(extra) - strlen(extra));
		put_quoted(extra, sizeof(extra), req->target_password_file);
	}
	if (req->ou && strcmp(command, "leave") != 0) {
		nlt_strlcpy(extra + strlen(extra), " --ou", sizeof(extra) - strlen(extra));
		put_quoted(extra, sizeof(extra), req->ou);
	}
	advice_cmd(req, command, extra, ADVICE_ADMIN, domain, buf, len);
}

/* One join/unjoin call; 0 when the member answered (werror in c), -1 when it did not (c->error). */
static int wks_call(struct target *t, struct rpc_conn *conn, uint16_t op, const uint8_t *stub, size_t n,
		    uint64_t deadline_ms, struct rjoin_call *c)
{
	struct nlt_err le;
	uint8_t *out = NULL;
	size_t out_len = 0;
	uint64_t t0 = nlt_now_ms();
	const char *name = op == WKSSVC_OP_JOIN_DOMAIN2 ? "NetrJoinDomain2" : "NetrUnjoinDomain2";
	int r;

	memset(&le, 0, sizeof(le));
	c->ran = 1;
	/* the join's own deadline: longer than --timeout, still bounded (--join-timeout) */
	t->smb.deadline_ms = deadline_ms;
	conn->deadline_ms = deadline_ms;
	r = rpc_call(conn, op, stub, n, &out, &out_len, name, &le);
	c->ms = (double)(nlt_now_ms() - t0);
	if (r == 0) {
		if (getenv("NLT_DUMP_STUBS")) {
			FILE *f = fopen(getenv("NLT_DUMP_STUBS"), "a");
			if (f) {
				fprintf(f, "%s ", op == WKSSVC_OP_JOIN_DOMAIN2 ? "wkssvc_join2" : "wkssvc_unjoin2");
				for (size_t i = 0; i < out_len; i++)
					fprintf(f, "%02x", out[i]);
				fprintf(f, "\n");
				fclose(f);
			}
		}
		if (wkssvc_dec_werror_rep(out, out_len, &c->werror) != WIRE_OK) {
			snprintf(c->error, sizeof(c->error), "%s on %s: malformed answer (%zu bytes)", name, t->host, out_len);
			free(out);
			return -1;
		}
		c->answered = 1;
		free(out);
		return 0;
	}
	free(out);
	nlt_strlcpy(c->error, le.msg, sizeof(c->error));
	return -1;
}

/* Fill e with one line for a call that failed or answered non-zero. */
static int call_error(const struct rjoin_result *res, const struct rjoin_call *c, const char *name,
		      enum nlt_cat no_answer_cat, const char *after, struct nlt_err *e)
{
	enum nlt_cat cat;
	const char *why;

	if (!c->answered)
		return nlt_seterr(e, no_answer_cat, "%s on %s: no answer (%s): the outcome is unknown%s", name, res->host,
				  c->error, after);
	why = rjoin_werror_why(c->werror, &cat);
	if (why[0])
		return nlt_seterr(e, cat, "%s on %s refused: %s%s", name, res->host, why, after);
	return nlt_seterr(e, cat, "%s on %s refused: WERROR 0x%08x%s", name, res->host, c->werror, after);
}

/* the next plan line's buffer (filled by the caller), or a scratch one when the plan is full */
static char *plan_next(struct rjoin_result *res)
{
	static char scratch[640];

	if (res->n_plan >= 8)
		return scratch;
	res->plan[res->n_plan] = res->planbuf[res->n_plan];
	return res->planbuf[res->n_plan++];
}
#define PLAN(res, ...) snprintf(plan_next(res), sizeof((res)->planbuf[0]), __VA_ARGS__)

static int make_pwbuf(struct target *t, const struct secret *pw, uint8_t out[WKSSVC_PWBUF_LEN], struct nlt_err *e)
{
	uint8_t key[16], obf[8], fill[WKSSVC_PW_MAX_BYTES];
	int rc;

	if (smb2c_app_key(&t->smb, key) < 0)
		return nlt_seterr(e, NLT_EINTERNAL, "no SMB session key for %s", t->host);
	/* a fresh obfuscator and fill for every buffer (MS-WKST 2.2.5.18) */
	if (nlt_random(obf, sizeof(obf)) < 0 || nlt_random(fill, sizeof(fill)) < 0) {
		nlt_wipe(key, sizeof(key));
		return nlt_seterr(e, NLT_EINTERNAL, "no random bytes for the password buffer");
	}
	rc = wkssvc_join_password(pw->buf, key, obf, fill, out);
	nlt_wipe(key, sizeof(key));
	nlt_wipe(fill, sizeof(fill));
	if (rc != WIRE_OK)
		return nlt_seterr(e, NLT_EUSAGE, "the domain administrator's password cannot be sent to %s: %s", t->host,
				  rc == WIRE_ELIMIT ? "longer than 256 UTF-16 units" : "not valid UTF-8");
	return 0;
}

static int do_call(struct target *t, struct rpc_conn *conn, const struct secret *pw, const char *account, int join,
		   const char *domain_param, const char *ou, uint32_t options, uint64_t deadline_ms, struct rjoin_call *c,
		   struct nlt_err *e)
{
	uint8_t pwbuf[WKSSVC_PWBUF_LEN], stub[WKSSVC_PWBUF_LEN + 2048];
	struct wwr w;
	int rc;

	memset(c, 0, sizeof(*c));
	c->options = options;
	if (make_pwbuf(t, pw, pwbuf, e) < 0)
		return -1;
	wwr_init(&w, stub, sizeof(stub));
	rc = join ? wkssvc_enc_join_domain2(&w, NULL, domain_param, ou && *ou ? ou : NULL, account, pwbuf, options)
		  : wkssvc_enc_unjoin_domain2(&w, NULL, account, pwbuf, options);
	nlt_wipe(pwbuf, sizeof(pwbuf));
	if (rc != WIRE_OK) {
		nlt_wipe(stub, sizeof(stub));
		return nlt_seterr(e, NLT_EUSAGE, "%s for %s: a name is too long or not valid UTF-8",
				  join ? "NetrJoinDomain2" : "NetrUnjoinDomain2", t->host);
	}
	(void)wks_call(t, conn, join ? WKSSVC_OP_JOIN_DOMAIN2 : WKSSVC_OP_UNJOIN_DOMAIN2, stub, wwr_len(&w), deadline_ms,
		       c);
	nlt_wipe(stub, sizeof(stub));
	return 0;
}

static int reboot_delay(const struct nlt_req *req)
{
	return req->reboot_delay_s >= 0 ? req->reboot_delay_s : RJOIN_DEFAULT_REBOOT_DELAY_S;
}

/*
 * --reboot, once the change is confirmed: InitiateSystemShutdownEx on the
 * session the change used.  The change stands whatever the answer; a reboot
 * that was not scheduled (refused, no answer, not sent) is an error of its
 * own, so the command does not exit 0 when the restart it was asked for may
 * not happen.
 */
static int ask_reboot(struct target *t, const struct nlt_req *req, enum rjoin_op op, struct rjoin_result *res,
		      struct nlt_err *e)
{
	enum reboot_outcome oc = REBOOT_NOT_SENT;
	struct nlt_err re;
	char msg[200];

	res->reboot_asked = 1;
	res->reboot_delay_s = reboot_delay(req);
	snprintf(msg, sizeof(msg), "nltrust: this computer %s the domain %.100s; it restarts to finish",
		 op == RJOIN_LEAVE ? "left" : op == RJOIN_JOIN ? "joined" : "rejoined", res->domain);
	memset(&re, 0, sizeof(re));
	(void)target_reboot(t, msg, (uint32_t)res->reboot_delay_s, &oc, &re);
	res->reboot_outcome = (int)oc;
	if (oc == REBOOT_ACCEPTED)
		return 0;
	nlt_strlcpy(res->reboot_error, re.msg[0] ? re.msg : "no answer", sizeof(res->reboot_error));
	return nlt_seterr(e, re.cat != NLT_OK ? re.cat : NLT_EPROTO,
			  "the %s on %s is done, but the restart was %s: %s; restart it by hand", op == RJOIN_LEAVE ? "leave" : "join",
			  res->host, oc == REBOOT_REFUSED ? "refused" : oc == REBOOT_UNKNOWN ? "asked with no answer (it may happen)"
										: "not asked", res->reboot_error);
}

/*
 * The object after the join: one search on the bound connection for what a new password changes
 * (msDS-KeyVersionNumber, pwdLastSet) and the DN and flags the report shows.  Nothing else: the creator,
 * the owner and their groups were read before and a join does not change them.
 */
static int read_after(struct admin_session *s, const char *sam, struct rjoin_acct *a, struct nlt_err *e)
{
	static const char *const attrs[] = { "userAccountControl", "msDS-KeyVersionNumber", "pwdLastSet", NULL };
	struct nlt_ldap_entry en;
	char esc[80], filter[200];
	int r;

	memset(a, 0, sizeof(*a));
	a->creator_admin = -1;
	nlt_ldap_filter_escape(sam, esc, sizeof(esc));
	snprintf(filter, sizeof(filter), "(&(objectClass=computer)(sAMAccountName=%s))", esc);
	r = nlt_ldap_search_one(&s->ld, s->ld.default_nc, LDAP_SCOPE_SUBTREE, filter, attrs, &en, e);
	if (r < 0)
		return -1;
	a->read = 1;
	if (r > 0)
		return 0;
	a->exists = 1;
	nlt_strlcpy(a->dn, en.dn ? en.dn : "", sizeof(a->dn));
	parent_dn(a->dn, a->parent, sizeof(a->parent));
	(void)nlt_ldap_i64(&en, "userAccountControl", &a->uac);
	a->have_kvno = nlt_ldap_i64(&en, "msDS-KeyVersionNumber", &a->kvno);
	a->have_pls = nlt_ldap_i64(&en, "pwdLastSet", &a->pwd_last_set);
	nlt_ldap_entry_free(&en);
	return 0;
}

int rjoin_password_new(const struct rjoin_acct *before, const struct rjoin_acct *after)
{
	if (!after->exists)
		return 0;
	if (!before->exists)
		return after->have_pls && after->pwd_last_set > 0;
	return (after->have_kvno && before->have_kvno && after->kvno > before->kvno) ||
	       (after->have_pls && before->have_pls && after->pwd_last_set > before->pwd_last_set);
}

/* ---- the directory half, run beside the member's SMB logon -------------------- */

/*
 * The domain admin's logon and LDAP bind (as admin_open_keep() does, with the password read before)
 * in a thread of its own while the main thread logs on to the member.  Nothing in this thread calls
 * setenv: its Kerberos context is made from the private profile (krb_open_private), its ccache is
 * selected for this thread only (gss_krb5_ccache_name).  GSSAPI (the SASL bind) still reads
 * KRB5_CONFIG, and the member's NTLM logon (target.c) points it at /dev/null for a moment: so the
 * bind waits at a gate until that logon is over, and the main thread sets KRB5_CONFIG while this
 * thread waits there.  The member is not asked to change anything until both halves are done and
 * the preflight has said yes.
 */
struct rj_dir {
	struct nlt_ctx ctx;          /* a copy: its own resolver state (the two halves both look names up) */
	struct admin_session *s;
	const struct secret *pw;
	char svc[300];               /* "ldap/DC": the AS exchange asks for it directly */
	char guess_sam[32];          /* the account read before the member names itself ("" none) */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int parked;                  /* 1: waiting at the gate; 2: finished before reaching it */
	int go;                      /* main: 1 bind, -1 stop */
	int passed_gate;
	int failover_left;           /* the DC failed after the gate: the main thread goes on to the next */
	int rc;
	struct nlt_err e;
	int acct_rc;                 /* the early read of guess_sam: 1 not done, 0 read, -1 acct_e */
	struct rjoin_acct acct;
	struct nlt_err acct_e;
};

/* 1 when the main thread lets the bind go ahead, 0 when it stops us (the member's logon failed) */
static int dir_gate(struct rj_dir *d)
{
	int go;

	pthread_mutex_lock(&d->mu);
	d->parked = 1;
	pthread_cond_broadcast(&d->cv);
	while (!d->go)
		pthread_cond_wait(&d->cv, &d->mu);
	go = d->go;
	pthread_mutex_unlock(&d->mu);
	return go > 0;
}

/* Kerberos and LDAP on the chosen DC, failing over as admin_open_keep() does; threaded: in the worker. */
static int dir_open(struct rj_dir *d, int threaded, struct nlt_err *e)
{
	struct admin_session *s = d->s;
	const struct nlt_req *req = d->ctx.req;
	int r;

	for (;;) {
		nlt_ldap_preconnect(&s->dc->addr);
		snprintf(d->svc, sizeof(d->svc), "ldap/%.200s", s->dc->info.dc_dns_name);
		r = (threaded ? krb_open_private : krb_open)(&s->k, s->realm, s->dc->info.dc_dns_name, &s->dc->addr,
							     d->ctx.deadline_ms, e);
		if (r == 0) {
			s->have_krb = 1;
			/* the LDAP ticket from the AS exchange itself: nothing else of this session needs a TGT */
			s->k.as_service = d->svc;
			r = threaded ? krb_use_ccache_thread(&s->k, e) : krb_use_ccache(&s->k, e);
		}
		if (r == 0)
			r = admin_login(s, d->pw, e);
		if (r == 0 && threaded && !d->passed_gate) {
			if (!dir_gate(d))
				return nlt_seterr(e, NLT_EINTERNAL, "stopped: the member's logon failed");
			d->passed_gate = 1;
		}
		if (r == 0)
			r = nlt_ldap_open(&s->ld, s->dc->info.dc_dns_name, &s->dc->addr, s->dc->info.dns_domain,
					  d->ctx.deadline_ms, e);
		if (r == 0) {
			s->have_ld = 1;
			return 0;
		}
		if (admin_failover(s, req, e) < 0)
			return -1;
		if (threaded && d->passed_gate) {
			/* KRB5_CONFIG names the first DC's profile: the main thread goes on, where setenv is safe */
			d->failover_left = 1;
			return -1;
		}
		nlt_clearerr(e);
	}
}

/*
 * Test hook (96-rejoin.sh): NLT_TEST_RJOIN_DELAY=dir:MS or member:MS holds that half back for MS
 * milliseconds (at most 5 s), so the scenario runs both orders of the two halves on purpose.
 */
static void test_delay(const char *half)
{
	const char *v = getenv("NLT_TEST_RJOIN_DELAY");
	size_t n = strlen(half);
	long ms;

	if (!v || strncmp(v, half, n) != 0 || v[n] != ':')
		return;
	ms = strtol(v + n + 1, NULL, 10);
	if (ms > 0 && ms <= 5000) {
		struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
		(void)nanosleep(&ts, NULL);
	}
}

static void *dir_thread(void *arg)
{
	struct rj_dir *d = arg;
	struct admin_session *s = d->s;
	const struct nlt_req *req = d->ctx.req;
	struct locate_req lr = {
		.domain = d->ctx.domain[0] ? d->ctx.domain : NULL,
		.server = req->server,
		.site = req->site,
		.need_flags = req->server ? 0 : DS_WRITABLE_FLAG | DS_KDC_FLAG,
		.deadline_ms = d->ctx.deadline_ms,
	};

	d->rc = -1;
	test_delay("dir");
	if (locate_dc(&lr, &d->ctx.rs, &s->res, &d->e) == 0) {
		admin_name_dc(s, req, d->ctx.domain);
		d->rc = dir_open(d, 1, &d->e);
	}
	if (d->rc == 0 && d->guess_sam[0]) {
		/* the member's name is not known yet: read the account its host name says it is */
		memset(&d->acct_e, 0, sizeof(d->acct_e));
		d->acct_rc = read_acct(s, d->guess_sam, &d->acct, &d->acct_e);
	}
	pthread_mutex_lock(&d->mu);
	if (!d->parked)
		d->parked = 2; /* never reached the gate: the main thread must not wait for it */
	pthread_cond_broadcast(&d->cv);
	pthread_mutex_unlock(&d->mu);
	return NULL;
}

/*
 * The main thread, once the member's logon is over (ok: it worked): let the bind go, or stop it.
 * -1 with e when KRB5_CONFIG could not be set (the bind is stopped too).
 */
static int dir_release(struct rj_dir *d, int ok, struct nlt_err *e)
{
	int r = 0;

	pthread_mutex_lock(&d->mu);
	while (!d->parked)
		pthread_cond_wait(&d->cv, &d->mu);
	if (d->parked == 1) {
		/* the worker waits at the gate: nothing else reads the environment now */
		if (ok && krb_export_profile(&d->s->k, e) < 0)
			ok = 0, r = -1;
		d->go = ok ? 1 : -1;
		pthread_cond_broadcast(&d->cv);
	}
	pthread_mutex_unlock(&d->mu);
	return r;
}

/* The admin's password, read before the thread starts (the terminal and stdin belong to the main thread). */
static int read_admin_password(const struct nlt_req *req, const struct nlt_ctx *ctx, struct secret *pw,
			       struct nlt_err *e)
{
	char principal[300], realm[256];

	nlt_strlcpy(realm, ctx->domain, sizeof(realm));
	for (char *c = realm; *c; c++)
		*c = (char)toupper((unsigned char)*c);
	if (strchr(req->user, '@') || !realm[0])
		nlt_strlcpy(principal, req->user, sizeof(principal));
	else
		snprintf(principal, sizeof(principal), "%.40s@%.200s", req->user, realm);
	return admin_read_password(req, principal, pw, e);
}

void rjoin_guess_sam(const char *host, char *sam, size_t len)
{
	struct nlt_addr a;
	char label[64], lower[32];
	struct nlt_err ign;
	size_t n = strcspn(host, ".");

	sam[0] = '\0';
	if (nlt_addr_parse(&a, host, 445) == 0 || n == 0 || n >= sizeof(label))
		return;
	memcpy(label, host, n);
	label[n] = '\0';
	memset(&ign, 0, sizeof(ign));
	if (machine_account(label, MACHINE_NETBIOS_MAX, sam, len, lower, sizeof(lower), &ign) < 0)
		sam[0] = '\0';
}

/*
 * The member: \PIPE\wkssvc and its computer name (NetrWkstaGetInfo 100).  The bind and the request
 * leave in one flight (target_rpc_first): TREE_CONNECT + CREATE, then bind + NetrWkstaGetInfo, two
 * turns; the pipe stays bound in conn for the join, which waits for the preflight.
 */
static int member_pipe(struct target *t, struct rpc_conn *conn, int *have_conn, struct wkssvc_info100 *wi,
		       struct nlt_err *e)
{
	uint8_t buf[512];
	struct wwr w;
	struct target_call q;
	int r;

	wwr_init(&w, buf, sizeof(buf));
	if (wkssvc_enc_get_info(&w, NULL, 100) != WIRE_OK)
		return nlt_seterr(e, NLT_EINTERNAL, "NetrWkstaGetInfo: cannot encode");
	memset(&q, 0, sizeof(q));
	q.opnum = WKSSVC_OP_WKSTA_GET_INFO;
	q.stub = buf;
	q.stub_len = wwr_len(&w);
	q.what = "NetrWkstaGetInfo";
	r = target_rpc_first(t, "wkssvc", &wkssvc_syntax, conn, &q, e);
	if (conn->pipe || conn->xp)
		*have_conn = 1;
	if (r < 0) {
		free(q.out);
		return -1;
	}
	if (wkssvc_dec_get_info100_rep(q.out, q.out_len, wi) != WIRE_OK || wi->werror || !wi->present ||
	    !wi->computer[0]) {
		free(q.out);
		return nlt_seterr(e, NLT_EPROTO, "NetrWkstaGetInfo on %s: no computer name in the answer", t->host);
	}
	free(q.out);
	return 0;
}

/* What the directory half found: the domain, the DC, the joining account, "domain\dc" for the member. */
static void fill_dir(struct rjoin_result *res, const struct admin_session *s, const struct nlt_ctx *ctx,
		     char *account, size_t alen, char *domain_param, size_t dlen)
{
	const struct nlt_req *req = ctx->req;

	nlt_strlcpy(res->domain, s->dc->info.dns_domain[0] ? s->dc->info.dns_domain : ctx->domain, sizeof(res->domain));
	for (char *c = res->domain; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	nlt_strlcpy(res->netbios_domain, s->dc->info.netbios_domain, sizeof(res->netbios_domain));
	nlt_strlcpy(res->dc, s->dc->info.dc_dns_name, sizeof(res->dc));
	nlt_addr_str(&s->dc->addr, res->dc_addr, sizeof(res->dc_addr));
	nlt_strlcpy(res->joiner, s->principal, sizeof(res->joiner));
	if (strchr(req->user, '\\'))
		nlt_strlcpy(account, req->user, alen);
	else
		snprintf(account, alen, "%.60s\\%.300s", res->netbios_domain, req->user);
	account[strcspn(account, "@")] = '\0';
	/* the domain and the DC the member is to use: the one we read the directory on (MS-WKST "domain\dc") */
	snprintf(domain_param, dlen, "%.250s\\%.300s", res->domain, res->dc);
}

/* The member's session as the report names it. */
static void fill_member(struct rjoin_result *res, const struct target *t)
{
	nlt_strlcpy(res->address, t->addr_str, sizeof(res->address));
	snprintf(res->smb, sizeof(res->smb), "%s, %s", target_dialect_str(t->smb.dialect),
		 t->smb.dialect >= 0x300 ? "application key" : "session key");
}

/* Concurrency needs an NTLM logon to the member (a Kerberos one sets KRB5CCNAME in target.c). */
static int can_overlap(const struct nlt_req *req)
{
	struct target_user u;
	struct nlt_err ign;
	int mech = 0;

	memset(&ign, 0, sizeof(ign));
	if (getenv("NLT_RJOIN_SERIAL")) /* test and bench hook: the two halves one after the other */
		return 0;
	if (target_parse_user(req->target_user, req->target, &u, &ign) < 0 || target_choose_auth(&u, req->target_auth, &mech, &ign) < 0)
		return 0;
	return mech == 2;
}

int rjoin_run(struct nlt_ctx *ctx, enum rjoin_op op, struct rjoin_result *res, struct nlt_err *e)
{
	const struct nlt_req *req = ctx->req;
	struct admin_session s;
	struct target t;
	struct rpc_conn conn;
	struct secret pw;
	struct wkssvc_info100 wi;
	char lower[32], account[400], domain_param[600], joincmd[1200];
	const char *opname = op == RJOIN_REJOIN ? "rejoin" : op == RJOIN_JOIN ? "join" : "leave";
	int r = -1, have_t = 0, have_conn = 0, have_before = 0;
	uint64_t join_deadline;
	int join_timeout_ms = req->join_timeout_ms ? req->join_timeout_ms : RJOIN_DEFAULT_JOIN_TIMEOUT_MS;

	memset(res, 0, sizeof(*res));
	memset(&s, 0, sizeof(s));
	memset(&pw, 0, sizeof(pw));
	memset(&conn, 0, sizeof(conn));
	res->op = op;
	res->dry_run = req->dry_run;
	res->password_new = -1;
	if (!req->target)
		return nlt_seterr(e, NLT_EUSAGE, "%s needs --target HOST: the member to %s", opname, opname);
	if (req->ccache)
		return nlt_seterr(e, NLT_EUSAGE, "NetrJoinDomain2 hands the domain account's password to the member, and a "
						 "credential cache holds none: give -U with --password-file or "
						 "--stdin-password (or type it), not -C");
	if (!req->user)
		return nlt_seterr(e, NLT_EUSAGE, "%s --target needs a domain administrator: -U USER (its password from "
						 "--password-file, --stdin-password or the terminal)", opname);
	nlt_strlcpy(res->host, req->target, sizeof(res->host));

	if (!can_overlap(req)) {
		/* one after the other: the domain admin (Kerberos and LDAP on one writable DC; a wrong password
		 * ends it here), then the member */
		if (admin_open_keep(&s, ctx, &pw, e) < 0)
			goto out;
		if (!pw.set) {
			nlt_seterr(e, NLT_EUSAGE, "no password for %s", s.principal);
			goto out;
		}
		fill_dir(res, &s, ctx, account, sizeof(account), domain_param, sizeof(domain_param));
		if (target_open(&t, ctx, req->target, e) < 0)
			goto out;
		have_t = 1;
		fill_member(res, &t);
		if (member_pipe(&t, &conn, &have_conn, &wi, e) < 0)
			goto out;
	} else {
		/*
		 * Both at once: the directory half (discovery, the admin's Kerberos logon, the LDAP bind, the
		 * account read under the name the host suggests) in a thread, the member's SMB logon, \PIPE\wkssvc
		 * and its name here.  Errors: the directory's first (as when it ran first), then the member's.
		 */
		struct rj_dir *d = calloc(1, sizeof(*d));
		struct nlt_err te;
		pthread_t th;
		int tr, mr = -1;

		if (!d) {
			nlt_seterr(e, NLT_EINTERNAL, "out of memory");
			goto out;
		}
		if (!ctx->domain[0] && !req->server) {
			free(d);
			nlt_seterr(e, NLT_ECONFIG, "no domain given and none configured (give DOMAIN or -d)");
			goto out;
		}
		if (read_admin_password(req, ctx, &pw, e) < 0 || !pw.set) {
			if (!e->msg[0])
				nlt_seterr(e, NLT_EUSAGE, "no password for %s", req->user);
			free(d);
			goto out;
		}
		{
			/* target.c's NTLM logon sets KRB5_CONFIG to /dev/null and back: a variable that exists already
			 * is replaced in place, so the other thread never reads an environment being reallocated */
			if (!getenv("KRB5_CONFIG"))
				setenv("KRB5_CONFIG", "/dev/null", 1);
		}
		d->ctx = *ctx;
		d->s = &s;
		d->pw = &pw;
		d->acct_rc = 1;
		rjoin_guess_sam(req->target, d->guess_sam, sizeof(d->guess_sam));
		pthread_mutex_init(&d->mu, NULL);
		pthread_cond_init(&d->cv, NULL);
		if (pthread_create(&th, NULL, dir_thread, d) != 0) {
			pthread_mutex_destroy(&d->mu);
			pthread_cond_destroy(&d->cv);
			free(d);
			nlt_seterr(e, NLT_EINTERNAL, "cannot start a thread");
			goto out;
		}
		memset(&te, 0, sizeof(te));
		test_delay("member");
		tr = target_open(&t, ctx, req->target, &te);
		if (tr == 0) {
			have_t = 1;
			fill_member(res, &t);
		}
		if (dir_release(d, tr == 0, &te) < 0)
			tr = -1;
		if (tr == 0)
			mr = member_pipe(&t, &conn, &have_conn, &wi, &te);
		pthread_join(th, NULL);
		pthread_mutex_destroy(&d->mu);
		pthread_cond_destroy(&d->cv);
		r = -1;
		if (d->rc < 0 && !d->failover_left && (d->parked == 2 || d->passed_gate)) {
			*e = d->e; /* the directory's own failure (before the gate, or the bind after it) */
		} else if (tr < 0 || mr < 0) {
			*e = te;
		} else if (d->rc < 0 && dir_open(d, 0, e) < 0) {
			/* the DC failed after the gate: the next one, from here */
		} else {
			r = 0;
		}
		if (r == 0 && krb_use_ccache(&s.k, e) < 0)
			r = -1;
		if (s.dc && (d->rc == 0 || r == 0))
			fill_dir(res, &s, ctx, account, sizeof(account), domain_param, sizeof(domain_param));
		if (r == 0) {
			struct nlt_err ign;
			memset(&ign, 0, sizeof(ign));
			/* checked again below, with its error */
			if (machine_account(wi.computer, MACHINE_NETBIOS_MAX, res->sam, sizeof(res->sam), lower, sizeof(lower),
					    &ign) == 0 &&
			    d->acct_rc <= 0 && strcasecmp(d->guess_sam, res->sam) == 0) {
				/* the account read early is the member's */
				if (d->acct_rc < 0) {
					*e = d->acct_e;
					r = -1;
				} else {
					res->before = d->acct;
					have_before = 1;
				}
			}
		}
		s.k.as_service = NULL; /* it pointed into d */
		free(d);
		if (r < 0)
			goto out;
		r = -1;
	}
	nlt_strlcpy(res->computer, wi.computer, sizeof(res->computer));
	nlt_strlcpy(res->member_domain, wi.langroup, sizeof(res->member_domain));
	if (machine_account(wi.computer, MACHINE_NETBIOS_MAX, res->sam, sizeof(res->sam), lower, sizeof(lower), e) < 0)
		goto out;

	/* 3. preflight: the object, who may reuse it */
	if (!have_before && read_acct(&s, res->sam, &res->before, e) < 0)
		goto out;
	{
		/* the joiner's SID matters only when an existing account was made by someone who is no administrator
		 * (one round trip saved in the common case) */
		const char *who = res->before.creator_sid[0] ? res->before.creator_sid : res->before.owner_sid;
		if (res->before.exists && who[0] && !rjoin_sid_is_admin_group(who) && res->before.creator_admin != 1)
			read_joiner_sid(&s, req->user, res->joiner_sid, sizeof(res->joiner_sid));
	}
	res->reuse = rjoin_reuse_rule(&res->before, res->joiner_sid, &res->reuse_why);
	res->reuse_rule_why = res->reuse_why;
	if (op != RJOIN_LEAVE && res->reuse == RJ_REUSE_BLOCKED)
		reuse_policy(&s, ctx, &pw, res);
	if (req->ou) {
		if (strcasestr(req->ou, s.ld.default_nc))
			nlt_strlcpy(res->ou, req->ou, sizeof(res->ou));
		else
			snprintf(res->ou, sizeof(res->ou), "%.300s,%.290s", req->ou, s.ld.default_nc);
	} else if (res->before.exists) {
		/* keep it where it is (Samba's member would move an existing account to CN=Computers otherwise) */
		nlt_strlcpy(res->ou, res->before.parent, sizeof(res->ou));
	}
	if (op != RJOIN_LEAVE && (res->reuse == RJ_REUSE_BLOCKED || res->reuse == RJ_REUSE_UNKNOWN)) {
		char del[600];
		/* lower is the member's name as machine_account() checked it: a NetBIOS name, safe in a command line */
		advice_cmd(req, "delete-computer", lower, ADVICE_ADMIN, NULL, del, sizeof(del));
		nlt_seterr(e, NLT_EPROBLEM, "refusing before any change: %s (%s%s%s); %s: %.200s, or have the account's creator "
					    "(%.100s) join, or allow its owner with the policy \"Domain controller: Allow "
					    "computer account re-use during domain join\"",
			   res->before.dn, res->reuse_rule_why, res->reuse_pol_short[0] ? "; " : "", res->reuse_pol_short,
			   res->reuse == RJ_REUSE_BLOCKED ? "to let a Windows member join, delete it" : "check it, or delete it",
			   del, res->before.creator_sid[0] ? res->before.creator_sid : res->before.owner_sid);
		goto out;
	}

	/* 4. the plan */
	if (op == RJOIN_LEAVE) {
		PLAN(res, "NetrUnjoinDomain2 on %.200s (options %s): the member forgets its domain secret", res->host,
		     req->disable ? "0x4, ACCT_DELETE: the account is disabled" : "0: the account is kept as it is");
	} else {
		const char *state = (res->before.uac & UAC_ACCOUNTDISABLE) ? "disabled: it is enabled again" : "enabled";
		if (res->member_domain[0] && strcasecmp(res->member_domain, res->netbios_domain) != 0)
			PLAN(res, "the member says it is in %.60s (a domain or a workgroup), not %.60s: it joins %.200s", res->member_domain,
			     res->netbios_domain, res->domain);
		if (!res->before.exists)
			PLAN(res, "%s does not exist: the member creates it in %.300s", res->sam,
			     res->ou[0] ? res->ou : "the default container (CN=Computers)");
		else if (req->ou && strcasecmp(res->ou, res->before.parent) != 0)
			PLAN(res, "%s exists (%s): moved to %.280s first (LDAP modify DN as the domain admin: a member does "
				  "not move an existing account), then the member sets a new password", res->sam, state,
			     res->ou);
		else
			PLAN(res, "%s exists (%s, in %.280s): the member reuses it with a new password", res->sam, state,
			     res->before.parent);
		if (res->reuse == RJ_REUSE_POLICY_ALLOWED)
			PLAN(res, "%.480s; a Windows member asks a DC (SamrValidateComputerAccountReuseAttempt: the March 2023 "
				  "updates on the member and the DCs)", res->reuse_why);
		PLAN(res, "NetrJoinDomain2 on %.120s to %.250s, options 0x23 (JOIN_DOMAIN | ACCT_CREATE | "
			  "DOMAIN_JOIN_IF_JOINED)", res->host, domain_param);
		if (op == RJOIN_REJOIN)
			PLAN(res, "only if the member answers NERR_SetupAlreadyJoined: NetrUnjoinDomain2 (options %s), "
				  "then NetrJoinDomain2 again",
			     req->disable ? "0x4, ACCT_DELETE" : "0, the account kept");
		PLAN(res, "then read %s on %.200s again: a new password shows as a higher msDS-KeyVersionNumber and a "
			  "newer pwdLastSet", res->sam, res->dc);
	}
	if (req->reboot)
		PLAN(res, "%s: ask the member to restart in %d s (InitiateSystemShutdownEx over \\PIPE\\InitShutdown)",
		     op == RJOIN_LEAVE ? "then" : "once the directory shows the new password", reboot_delay(req));
	if (req->dry_run) {
		r = 0;
		goto out;
	}

	/* 5. --ou with an existing account elsewhere: move it ourselves (Samba 4.17's member modifies the account
	 * where it is, and Windows ignores the OU for an existing account) */
	if (op != RJOIN_LEAVE && req->ou && res->before.exists && strcasecmp(res->ou, res->before.parent) != 0) {
		char rdn[300];
		size_t n = strcspn(res->before.dn, ",");
		int rc;
		snprintf(rdn, sizeof(rdn), "%.*s", (int)(n < sizeof(rdn) ? n : sizeof(rdn) - 1), res->before.dn);
		rc = ldap_rename_s(s.ld.ld, res->before.dn, rdn, res->ou, 1, NULL, NULL);
		if (rc != LDAP_SUCCESS) {
			char *diag = NULL;
			char sd[201];
			(void)ldap_get_option(s.ld.ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag);
			nlt_seterr(e, rc == LDAP_INSUFFICIENT_ACCESS ? NLT_EAUTH : NLT_EPROBLEM,
				   "moving %s to %.300s on %s failed: %s%s%s; nothing else was changed", res->before.dn, res->ou,
				   s.ld.dc_name, ldap_err2string(rc), diag && *diag ? ": " : "", out_safe(diag, sd, sizeof(sd)));
			ldap_memfree(diag);
			goto out;
		}
		res->moved = 1;
	}

	/* 6. the calls */
	finish_cmd(req, "join", res->domain, joincmd, sizeof(joincmd));
	join_deadline = nlt_now_ms() + (uint64_t)join_timeout_ms;
	res->our_rt = t.smb.n_signed_ok + t.smb.n_decrypted;
	if (op == RJOIN_LEAVE) {
		if (do_call(&t, &conn, &pw, account, 0, NULL, NULL, req->disable ? WKSSVC_ACCT_DELETE : 0, join_deadline,
			    &res->unjoin, e) < 0)
			goto out;
		if (res->unjoin.answered && res->unjoin.werror == 2692) {
			/* not joined already: what leave wants (a second leave after a first one succeeds) */
			res->left_unjoined = 1;
			nlt_strlcpy(res->finish_cmd, joincmd, sizeof(res->finish_cmd));
			r = 0;
			goto out;
		}
		if (!res->unjoin.answered || res->unjoin.werror) {
			call_error(res, &res->unjoin, "NetrUnjoinDomain2", NLT_EPROTO,
				   res->unjoin.answered ? "; the member is unchanged" : "", e);
			if (!res->unjoin.answered)
				finish_cmd(req, "leave", res->domain, res->finish_cmd, sizeof(res->finish_cmd));
			goto out;
		}
		res->left_unjoined = 1;
		res->reboot_pending = 1;
		nlt_strlcpy(res->finish_cmd, joincmd, sizeof(res->finish_cmd));
		r = 0;
		if (req->reboot && ask_reboot(&t, req, op, res, e) < 0)
			r = -1;
		goto out;
	}
	{
		uint32_t opts = WKSSVC_JOIN_DOMAIN | WKSSVC_ACCT_CREATE | WKSSVC_DOMAIN_JOIN_IF_JOINED;
		char after[1400] = "";
		if (do_call(&t, &conn, &pw, account, 1, domain_param, res->ou, opts, join_deadline, &res->join, e) < 0)
			goto out;
		res->joined_first = op == RJOIN_REJOIN;
		/* test hook (96-rejoin.sh): Samba never answers NERR_SetupAlreadyJoined; make the first answer one */
		if (op == RJOIN_REJOIN && res->join.answered && getenv("NLT_TEST_ALREADY_JOINED"))
			res->join.werror = 2691;
		if (op == RJOIN_REJOIN && res->join.answered && res->join.werror == 2691) {
			/* the member will not join over its current membership: unjoin, then join */
			if (do_call(&t, &conn, &pw, account, 0, NULL, NULL, req->disable ? WKSSVC_ACCT_DELETE : 0,
				    join_deadline, &res->unjoin, e) < 0)
				goto out;
			if (!res->unjoin.answered) {
				finish_cmd(req, "rejoin", res->domain, res->finish_cmd, sizeof(res->finish_cmd));
				snprintf(after, sizeof(after), " (the member may have left the domain); run again: %.1300s",
					 res->finish_cmd);
				call_error(res, &res->unjoin, "NetrUnjoinDomain2", NLT_EPROTO, after, e);
				goto out;
			}
			if (res->unjoin.werror && res->unjoin.werror != 2692) {
				call_error(res, &res->unjoin, "NetrUnjoinDomain2", NLT_EPROTO, "; the member is unchanged", e);
				goto out;
			}
			nlt_failpoint("rjoin-after-unjoin"); /* a crash here leaves the member unjoined: a re-run joins it */
			join_deadline = nlt_now_ms() + (uint64_t)join_timeout_ms;
			if (do_call(&t, &conn, &pw, account, 1, domain_param, res->ou, opts, join_deadline, &res->join, e) < 0) {
				/* nothing was sent, but the member has left already */
				res->left_unjoined = 1;
				nlt_strlcpy(res->finish_cmd, joincmd, sizeof(res->finish_cmd));
				goto out;
			}
		}
		if (!res->join.answered || res->join.werror) {
			if (res->unjoin.answered && !res->unjoin.werror) {
				res->left_unjoined = 1;
				nlt_strlcpy(res->finish_cmd, joincmd, sizeof(res->finish_cmd));
				snprintf(after, sizeof(after), "; %.60s is NOT joined now (it left the domain first): %.1250s joins it",
					 res->host, res->finish_cmd);
			} else if (!res->join.answered) {
				finish_cmd(req, opname, res->domain, res->finish_cmd, sizeof(res->finish_cmd));
				snprintf(after, sizeof(after), " (the member may still be joining, or may have joined); "
							       "run again: %.1250s", res->finish_cmd);
			} else {
				nlt_strlcpy(after, "; the member is unchanged", sizeof(after));
			}
			call_error(res, &res->join, "NetrJoinDomain2", NLT_EPROTO, after, e);
			goto out;
		}
	}
	res->reboot_pending = 1;

	/* 7. the directory afterwards, on the same DC (a long join may have used up --timeout: a fresh one): one
	 * search on the connection bound before; again only while the DC does not show the change yet (the
	 * member may have written it on another DC, and replication takes a moment) */
	s.ld.deadline_ms = nlt_now_ms() + (uint64_t)req->timeout_ms;
	for (int try = 0;; try++) {
		struct nlt_err le;
		memset(&le, 0, sizeof(le));
		if (read_after(&s, res->sam, &res->after, &le) < 0) {
			res->password_new = -1;
			nlt_seterr(e, le.cat, "the member %s answered the join with WERR_OK, but reading %s again failed: %s",
				   res->host, res->sam, le.msg);
			goto out;
		}
		if (res->after.exists && res->before.exists) {
			/* not read again: a join does not change who created or owns the account */
			nlt_strlcpy(res->after.creator_sid, res->before.creator_sid, sizeof(res->after.creator_sid));
			nlt_strlcpy(res->after.owner_sid, res->before.owner_sid, sizeof(res->after.owner_sid));
			res->after.creator_admin = res->before.creator_admin;
		}
		res->password_new = rjoin_password_new(&res->before, &res->after);
		if (res->password_new || try >= 4 || nlt_ms_left(s.ld.deadline_ms) < (250 << try) + 1000)
			break;
		nlt_vlog("%s on %s does not show the new password yet; reading again in %d ms", res->sam, res->dc, 250 << try);
		{
			struct timespec ts = { 0, (long)(250 << try) * 1000000L };
			while (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			(void)nanosleep(&ts, NULL);
		}
	}
	r = 0;
	/* restart only a member whose new password the directory shows: never on an unconfirmed join */
	if (req->reboot) {
		if (res->password_new == 1) {
			if (ask_reboot(&t, req, op, res, e) < 0)
				r = -1;
		} else {
			res->reboot_asked = 1;
			nlt_strlcpy(res->reboot_error, "not asked: the directory does not show the new password",
				    sizeof(res->reboot_error));
		}
	}
out:
	if (have_conn || conn.pipe || conn.xp)
		rpc_close(&conn); /* a failed bind leaves the pipe set up */
	if (have_t)
		target_close(&t);
	secret_free(&pw);
	admin_close(&s);
	return r;
}
