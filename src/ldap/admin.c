/* src/ldap/admin.c - admin credentials and a directory session (see admin.h). */
#include "config.h"
#include "admin.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "secret.h"
#include "xport.h"

int admin_read_password(const struct nlt_req *req, const char *principal, struct secret *pw, struct nlt_err *e)
{
	char prompt[400];

	if (!req->user)
		return nlt_seterr(e, NLT_EUSAGE, "this command needs an administrator: give -U PRINCIPAL (and a password "
						"on standard input, in a file or at the prompt) or -C with a credential cache");
	if (req->stdin_password)
		return secret_from_fd(pw, 0, "password", e);
	if (req->password_file)
		return secret_from_file(pw, req->password_file, "password", e);
	snprintf(prompt, sizeof(prompt), "Password for %s: ", principal);
	return secret_from_tty(pw, prompt, e);
}

int admin_login(struct admin_session *s, const struct secret *pw, struct nlt_err *e)
{
	struct krb_as_result as;
	int r;

	r = krb_as_password(&s->k, s->principal, pw->buf, 1, &as, e);
	if (r < 0)
		return -1;
	switch (as.verdict) {
	case KRBV_OK:
		return 0;
	case KRBV_BAD_PASSWORD:
		return nlt_seterr(e, NLT_EAUTH, "Kerberos login as %s at %s failed: wrong password", s->principal,
				  s->k.dc_name);
	case KRBV_UNKNOWN_CLIENT:
		return nlt_seterr(e, NLT_EAUTH, "Kerberos login as %s at %s failed: no such user in %s", s->principal,
				  s->k.dc_name, s->realm);
	case KRBV_DISABLED:
		return nlt_seterr(e, NLT_EAUTH, "Kerberos login as %s at %s failed: the account is disabled, locked or "
						"expired", s->principal, s->k.dc_name);
	case KRBV_UNREACHABLE:
		return nlt_seterr(e, NLT_ENODC, "Kerberos login as %s failed: the KDC on %s (%s:88/tcp) %s", s->principal,
				  s->k.dc_name, s->k.dc_addr,
				  s->k.last_xp_status ? xp_status_str(s->k.last_xp_status) : "did not answer");
	default:
		return nlt_seterr(e, as.verdict == KRBV_SKEW ? NLT_EAUTH : NLT_EPROTO, "Kerberos login as %s at %s failed: %s",
				  s->principal, s->k.dc_name, as.message);
	}
}

/* Credentials, service ticket and LDAP bind on the DC s->dc.  -1 with e. */
static int open_on_dc(struct admin_session *s, struct nlt_ctx *ctx, const struct secret *pw, struct nlt_err *e)
{
	const struct nlt_req *req = ctx->req;
	char svc[300];

	nlt_ldap_preconnect(&s->dc->addr);
	if (krb_open(&s->k, s->realm, s->dc->info.dc_dns_name, &s->dc->addr, ctx->deadline_ms, e) < 0)
		return -1;
	s->have_krb = 1;
	if (req->ccache) {
		/* -C: the caller's cache; tickets we fetch for this DC are added to it */
		const char *name = req->ccache[0] ? req->ccache : getenv("KRB5CCNAME");
		krb5_ccache cc;
		krb5_principal p;
		char *pn = NULL;
		if (!name || !*name) {
			if (krb5_cc_default(s->k.kc, &cc) != 0)
				return nlt_seterr(e, NLT_ECONFIG, "-C: no default credential cache");
		} else if (krb5_cc_resolve(s->k.kc, name, &cc) != 0) {
			return nlt_seterr(e, NLT_ECONFIG, "-C: cannot open the credential cache %s", name);
		}
		if (krb5_cc_get_principal(s->k.kc, cc, &p) != 0) {
			krb5_cc_close(s->k.kc, cc);
			return nlt_seterr(e, NLT_EAUTH, "-C: the credential cache %s holds no credentials (kinit first)",
					  name ? name : "(default)");
		}
		(void)krb5_unparse_name(s->k.kc, p, &pn);
		nlt_strlcpy(s->principal, pn ? pn : "", sizeof(s->principal));
		krb5_free_unparsed_name(s->k.kc, pn);
		krb5_free_principal(s->k.kc, p);
		snprintf(s->k.ccache_name, sizeof(s->k.ccache_name), "%s:%s", krb5_cc_get_type(s->k.kc, cc),
			 krb5_cc_get_name(s->k.kc, cc));
		krb5_cc_close(s->k.kc, cc);
		s->k.keep_env_ccache = 1;
		if (setenv("KRB5CCNAME", s->k.ccache_name, 1) != 0)
			return nlt_seterr(e, NLT_EINTERNAL, "setenv failed");
	} else if (krb_use_ccache(&s->k, e) < 0 || admin_login(s, pw, e) < 0) {
		return -1;
	}
	snprintf(svc, sizeof(svc), "ldap/%.200s", s->dc->info.dc_dns_name);
	if (krb_get_service_ticket(&s->k, svc, e) < 0)
		return -1;
	if (nlt_ldap_open(&s->ld, s->dc->info.dc_dns_name, &s->dc->addr, s->dc->info.dns_domain, ctx->deadline_ms, e) < 0)
		return -1;
	s->have_ld = 1;
	return 0;
}

void admin_name_dc(struct admin_session *s, const struct nlt_req *req, const char *domain)
{
	s->dc = &s->res.cands[s->res.chosen];
	nlt_strlcpy(s->realm, s->dc->info.dns_domain[0] ? s->dc->info.dns_domain : domain, sizeof(s->realm));
	for (char *c = s->realm; *c; c++)
		*c = (char)toupper((unsigned char)*c);
	if (req->user) {
		if (strchr(req->user, '@'))
			nlt_strlcpy(s->principal, req->user, sizeof(s->principal));
		else
			snprintf(s->principal, sizeof(s->principal), "%.40s@%.200s", req->user, s->realm);
	}
}

int admin_failover(struct admin_session *s, const struct nlt_req *req, const struct nlt_err *why)
{
	uint32_t need = req->server ? 0 : DS_WRITABLE_FLAG | DS_KDC_FLAG;
	int next;

	if (why->cat != NLT_ENODC || req->server)
		return -1;
	s->res.cands[s->res.chosen].status = CAND_UNREACH;
	nlt_strlcpy(s->res.cands[s->res.chosen].detail, why->msg, sizeof(s->res.cands[0].detail));
	next = locate_choose(s->res.cands, s->res.n, need);
	if (next < 0)
		return -1;
	nlt_vlog("%s: %s; failing over to %s", s->dc->info.dc_dns_name, why->msg, s->res.cands[next].info.dc_dns_name);
	if (s->have_ld)
		nlt_ldap_close(&s->ld);
	if (s->have_krb)
		krb_close(&s->k);
	s->have_ld = s->have_krb = 0;
	s->res.chosen = next;
	s->dc = &s->res.cands[next];
	return 0;
}

int admin_open(struct admin_session *s, struct nlt_ctx *ctx, struct nlt_err *e)
{
	return admin_open_keep(s, ctx, NULL, e);
}

int admin_open_keep(struct admin_session *s, struct nlt_ctx *ctx, struct secret *keep, struct nlt_err *e)
{
	const struct nlt_req *req = ctx->req;
	uint32_t need = req->server ? 0 : DS_WRITABLE_FLAG | DS_KDC_FLAG;
	struct locate_req lr = {
		.domain = ctx->domain[0] ? ctx->domain : NULL,
		.server = req->server,
		.site = req->site,
		.need_flags = need,
		.deadline_ms = ctx->deadline_ms,
	};
	struct secret pw;
	int r = -1;

	memset(s, 0, sizeof(*s));
	memset(&pw, 0, sizeof(pw));
	if (!ctx->domain[0] && !req->server)
		return nlt_seterr(e, NLT_ECONFIG, "no domain given and none configured (give DOMAIN or -d)");
	if (locate_dc(&lr, &ctx->rs, &s->res, e) < 0)
		return -1;
	admin_name_dc(s, req, ctx->domain);
	if (!req->ccache && admin_read_password(req, s->principal, &pw, e) < 0)
		return -1;
	/*
	 * Everything of the command goes to one DC.  When that DC's KDC or LDAP cannot be reached
	 * (NLT_ENODC) before anything was changed, the next suitable DC of discovery takes over.
	 */
	for (;;) {
		r = open_on_dc(s, ctx, &pw, e);
		if (r == 0 || admin_failover(s, req, e) < 0)
			break;
		nlt_clearerr(e);
	}
	if (r == 0 && keep && pw.set)
		*keep = pw; /* transferred: the caller wipes it (secret_free) */
	secret_free(&pw);
	return r;
}

void admin_close(struct admin_session *s)
{
	nlt_ldap_preconnect_drop();
	if (s->have_ld)
		nlt_ldap_close(&s->ld);
	if (s->have_krb)
		krb_close(&s->k);
	locate_result_free(&s->res);
	s->have_ld = s->have_krb = 0;
}

struct json_object *admin_dc_json(const struct admin_session *s)
{
	char ab[64];

	if (!s->dc)
		return NULL;
	return out_dc_json(s->dc->info.dc_dns_name, nlt_addr_str(&s->dc->addr, ab, sizeof(ab)), s->dc->info.dc_site);
}

struct json_object *admin_skipped_json(const struct admin_session *s)
{
	struct json_object *a = json_object_new_array();
	char ab[64];

	for (size_t i = 0; i < s->res.n; i++) {
		const struct dc_cand *c = &s->res.cands[i];
		struct json_object *o;
		if (c->status != CAND_UNREACH || !c->detail[0] || c == s->dc)
			continue;
		o = out_dc_json(c->info.dc_dns_name[0] ? c->info.dc_dns_name : c->name,
				c->have_addr ? nlt_addr_str(&c->addr, ab, sizeof(ab)) : NULL, c->info.dc_site);
		json_object_object_add(o, "reason", json_object_new_string(c->detail));
		json_object_array_add(a, o);
	}
	return a;
}

void admin_print_skipped(const struct admin_session *s)
{
	char s1[OUT_SAFE_SIZE(256)], s2[OUT_SAFE_SIZE(sizeof(s->res.cands[0].detail))], s3[OUT_SAFE_SIZE(256)];

	for (size_t i = 0; i < s->res.n; i++) {
		const struct dc_cand *c = &s->res.cands[i];
		if (c->status != CAND_UNREACH || !c->detail[0] || c == s->dc)
			continue;
		printf("Skipped:    %s (%s); used %s instead\n",
		       out_safe(c->info.dc_dns_name[0] ? c->info.dc_dns_name : c->name, s1, sizeof(s1)),
		       out_safe(c->detail, s2, sizeof(s2)), s->dc ? out_safe(s->dc->info.dc_dns_name, s3, sizeof(s3)) : "-");
	}
}
