/*
 * src/trust/trust_target.c - verify --target: gather what the target says about
 * its secure channel (see trust_target.h).  No verdict here: that is
 * trust_remote_judge()'s.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "adattr.h"
#include "admin.h"
#include "cmds.h"
#include "netlogon.h"
#include "nrpc.h"
#include "target.h"
#include "trust_target.h"

#include "remote_repair.h"
#include "util.h"
#include "wire.h"

#define NT_OBJECT_NAME_NOT_FOUND 0xc0000034u

static void to_call(struct trust_remote_call *rc, int r, const struct nrpc_netlogon_info *in, const struct nlt_err *e)
{
	memset(rc, 0, sizeof(*rc));
	if (r < 0) {
		rc->state = RCALL_COULD_NOT_RUN;
		snprintf(rc->error, sizeof(rc->error), "%s", e->msg);
		rc->err_cat = e->cat == NLT_OK ? NLT_EPROTO : e->cat;
		return;
	}
	rc->state = RCALL_ANSWERED;
	rc->werror = in->werror;
	rc->present = in->present;
	rc->flags = in->flags;
	rc->pdc_status = in->pdc_connection_status;
	rc->tc_status = in->tc_connection_status;
	snprintf(rc->trusted_dc, sizeof(rc->trusted_dc), "%s", in->trusted_dc_name);
}

static void fill_info(struct trust_target_info *ti, const struct target *t)
{
	snprintf(ti->host, sizeof(ti->host), "%s", t->host);
	snprintf(ti->addr, sizeof(ti->addr), "%s", t->addr_str);
	snprintf(ti->dialect, sizeof(ti->dialect), "%s", target_dialect_str(t->smb.dialect));
	snprintf(ti->signing, sizeof(ti->signing), "%s", target_sign_str(&t->smb));
	snprintf(ti->encryption, sizeof(ti->encryption), "%s", target_cipher_str(&t->smb));
	snprintf(ti->auth, sizeof(ti->auth), "%s", t->mech == 2 ? "NTLM" : "Kerberos");
	snprintf(ti->account_kind, sizeof(ti->account_kind), "%s",
		 t->user.kind == TACCT_LOCAL ? "local" : t->user.kind == TACCT_DOMAIN ? "domain" : "ccache");
}

void trust_target_dir_free(struct trust_target_dir *d)
{
	if (d)
		computer_free(&d->obj);
}

static void dir_fail(struct trust_target_dir *d, const struct nlt_err *le)
{
	d->ev.state = TDIR_COULD_NOT_RUN;
	snprintf(d->ev.error, sizeof(d->ev.error), "%s", le->msg[0] ? le->msg : "no reason recorded");
	d->ev.err_cat = le->cat;
}

/*
 * The directory's view of the target's computer object (after the SMB session ended: the admin's
 * Kerberos context must not meet the target's).  tinfo: what the target said about itself (NULL when
 * it could not be read: why).  Never an error: a failure is recorded in d.
 */
static void gather_dir(struct nlt_ctx *ctx, const char *host, const struct target_info *tinfo, const char *why,
		       struct trust_target_dir *d)
{
	const struct nlt_req *req = ctx->req;
	struct admin_session s;
	struct nlt_err le;
	char saved[sizeof(ctx->domain)];
	const char *own_nb = "", *dom = NULL, *at;
	time_t now = time(NULL);
	int r;

	memset(&s, 0, sizeof(s));
	nlt_clearerr(&le);
	d->now = (long long)now;
	if (tinfo && tinfo->have_srv && tinfo->srv.name[0]) {
		nlt_strlcpy(d->name, tinfo->srv.name, sizeof(d->name));
		snprintf(d->name_source, sizeof(d->name_source), "srvsvc");
	} else if (tinfo && tinfo->have_wks && tinfo->wks.computer[0]) {
		nlt_strlcpy(d->name, tinfo->wks.computer, sizeof(d->name));
		snprintf(d->name_source, sizeof(d->name_source), "wkssvc");
	} else {
		nlt_seterr(&le, NLT_EPROTO, "the target did not give its computer name (srvsvc: %s; wkssvc: %s)",
			   tinfo && tinfo->srv_err[0] ? tinfo->srv_err : why && *why ? why : "not asked",
			   tinfo && tinfo->wks_err[0] ? tinfo->wks_err : "not asked");
		dir_fail(d, &le);
		return;
	}
	if (tinfo->have_lsa) {
		own_nb = tinfo->lsa.name;
		if (tinfo->lsa.dns_domain[0])
			dom = tinfo->lsa.dns_domain;
	}
	if (!dom) {
		/* no DNS name from the target (a Samba member): the admin's realm, else the DNS suffix of the
		 * name it was reached by, else the default domain; the DC's NetBIOS domain must then match the
		 * target's (domain_confirmed) */
		struct in6_addr a6;
		const char *dot = strchr(host, '.');
		if (req->user && (at = strchr(req->user, '@')) && at[1])
			dom = at + 1;
		else if (dot && dot[1] && inet_pton(AF_INET, host, &a6) != 1 && inet_pton(AF_INET6, host, &a6) != 1)
			dom = dot + 1;
		else if (!req->domain)
			dom = ctx->domain;
		else {
			nlt_seterr(&le, NLT_EUSAGE,
				   "the target named only its NetBIOS domain (%s), and DOMAIN (%s) is the one its channel was "
				   "checked for: give -U user@REALM of the target's domain",
				   own_nb[0] ? own_nb : "none", req->domain);
			dir_fail(d, &le);
			return;
		}
	}
	snprintf(saved, sizeof(saved), "%s", ctx->domain);
	snprintf(ctx->domain, sizeof(ctx->domain), "%s", dom ? dom : "");
	r = admin_open(&s, ctx, &le);
	snprintf(ctx->domain, sizeof(ctx->domain), "%s", saved);
	if (r < 0) {
		dir_fail(d, &le);
		goto out;
	}
	snprintf(d->ev.domain, sizeof(d->ev.domain), "%s", s.realm);
	snprintf(d->ev.dc, sizeof(d->ev.dc), "%s", s.dc->info.dc_dns_name);
	nlt_addr_str(&s.dc->addr, d->dc_addr, sizeof(d->dc_addr));
	nlt_strlcpy(d->dc_site, s.dc->info.dc_site, sizeof(d->dc_site));
	snprintf(d->principal, sizeof(d->principal), "%s", s.principal);
	d->tls = s.ld.tls;
	d->ssf = s.ld.ssf;
	d->ev.domain_confirmed = own_nb[0] && s.dc->info.netbios_domain[0] &&
				 strcasecmp(own_nb, s.dc->info.netbios_domain) == 0;
	r = computer_read(&s, d->name, &d->obj, now, &le);
	snprintf(d->ev.account, sizeof(d->ev.account), "%s", d->obj.sam);
	if (r < 0) {
		dir_fail(d, &le);
		goto out;
	}
	d->ev.state = TDIR_READ;
	d->ev.found = r == 0;
	if (r == 0) {
		d->ev.disabled = d->obj.have_uac && (d->obj.uac & UAC_ACCOUNTDISABLE);
		for (size_t i = 0; i < d->obj.n_problems && d->ev.n_problems < TRUST_DIR_MAX_NOTES; i++)
			if (!d->ev.disabled || strncmp(d->obj.problems[i], COMPUTER_DISABLED_TEXT,
						       strlen(COMPUTER_DISABLED_TEXT)) != 0)
				snprintf(d->ev.problems[d->ev.n_problems++], sizeof(d->ev.problems[0]), "%s",
					 d->obj.problems[i]);
		for (size_t i = 0; i < d->obj.n_notes && d->ev.n_problems < TRUST_DIR_MAX_NOTES; i++)
			snprintf(d->ev.problems[d->ev.n_problems++], sizeof(d->ev.problems[0]), "%s", d->obj.notes[i]);
	}
out:
	admin_close(&s);
}

int trust_target_own_domain(struct target *t, struct target_info *tinfo, const char *cmd, char *domain, size_t len,
			    struct nlt_err *e)
{
	if (target_show(t, tinfo, e) < 0)
		return -1;
	if (!tinfo->have_lsa)
		return nlt_seterr(e, NLT_EPROTO, "%s --target %s: cannot read its own domain (give DOMAIN): %s", cmd, t->host,
				  tinfo->lsa_err);
	snprintf(domain, len, "%s", tinfo->lsa.dns_domain[0] ? tinfo->lsa.dns_domain : tinfo->lsa.name);
	/* a PDC has no secure channel to its own domain (Samba answers TC_VERIFY OK with no DC named
	 * then): nothing to verify or repair, and never "healthy" for it */
	if (tinfo->have_srv && (tinfo->srv.type & SV_TYPE_DOMAIN_CTRL))
		return nlt_seterr(e, NLT_EUSAGE,
				  "%s --target %s: it is the primary domain controller of %s and has no secure channel "
				  "to its own domain; name a trusted DOMAIN to %s its channel to",
				  cmd, t->host, domain, cmd);
	return 0;
}

int trust_target_check(struct nlt_ctx *ctx, struct trust_remote_evidence *ev, struct trust_target_info *ti,
		       struct trust_target_dir *dir, struct nlt_err *e)
{
	const struct nlt_req *req = ctx->req;
	struct target t;
	struct target_info *tinfo = NULL;
	struct nrpc_netlogon_info info;
	struct nlt_err le;
	const char *domain = req->domain && *req->domain ? req->domain : NULL;
	int want_dir = dir && (req->user || req->ccache), r;
	char show_why[512] = "", *ccname = NULL;

	memset(ev, 0, sizeof(*ev));
	memset(ti, 0, sizeof(*ti));
	if (dir)
		memset(dir, 0, sizeof(*dir));
	/* the target's Kerberos logon may point KRB5CCNAME at its own MEMORY cache: the admin's comes back after */
	if (want_dir && getenv("KRB5CCNAME") && !(ccname = strdup(getenv("KRB5CCNAME"))))
		return nlt_seterr(e, NLT_EINTERNAL, "out of memory");
	if (target_open(&t, ctx, req->target, e) < 0) {
		free(ccname);
		return -1;
	}
	fill_info(ti, &t);
	snprintf(ev->target, sizeof(ev->target), "%s", t.host);
	if (domain && want_dir) {
		/* the directory needs the target's name and own domain, which the check of DOMAIN does not read */
		tinfo = calloc(1, sizeof(*tinfo));
		if (!tinfo) {
			nlt_seterr(e, NLT_EINTERNAL, "out of memory");
			goto fail;
		}
		nlt_clearerr(&le);
		if (target_show(&t, tinfo, &le) < 0) {
			snprintf(show_why, sizeof(show_why), "%s", le.msg);
			free(tinfo);
			tinfo = NULL;
		}
	}
	if (!domain) {
		/* the target's own domain, as show-target reads it (LSA); it also says whether the pipe is served */
		tinfo = calloc(1, sizeof(*tinfo));
		if (!tinfo) {
			nlt_seterr(e, NLT_EINTERNAL, "out of memory");
			goto fail;
		}
		if (trust_target_own_domain(&t, tinfo, "verify", ev->domain, sizeof(ev->domain), e) < 0)
			goto fail;
		ti->domain_from_lsa = 1;
		if (tinfo->netlogon == 0) {
			ev->no_netlogon = 1;
			snprintf(ev->no_netlogon_why, sizeof(ev->no_netlogon_why), "opening it gave STATUS_OBJECT_NAME_NOT_FOUND");
			goto done;
		}
	} else {
		snprintf(ev->domain, sizeof(ev->domain), "%s", domain);
	}
	{
		/* TC_QUERY and TC_VERIFY, level 2, pipelined with the bind (target_calls: one round trip) */
		static const uint32_t codes[2] = { NRPC_CONTROL_TC_QUERY, NRPC_CONTROL_TC_VERIFY };
		struct trust_remote_call *dst[2] = { &ev->query, &ev->verify };
		struct target_call calls[2];
		uint8_t rq[2][1024];
		struct wwr w;

		memset(calls, 0, sizeof(calls));
		for (int i = 0; i < 2; i++) {
			wwr_init(&w, rq[i], sizeof(rq[i]));
			if (nrpc_enc_logon_control2ex(&w, NULL, codes[i], 2, ev->domain) != WIRE_OK) {
				nlt_seterr(e, NLT_EUSAGE, "verify --target %s: '%s' cannot be sent as a domain name", t.host,
					   ev->domain);
				goto fail;
			}
			calls[i].opnum = NRPC_OP_LOGON_CONTROL2EX;
			calls[i].stub = rq[i];
			calls[i].stub_len = wwr_len(&w);
			calls[i].what = codes[i] == NRPC_CONTROL_TC_QUERY ? "NetrLogonControl2Ex TC_QUERY level 2"
									  : "NetrLogonControl2Ex TC_VERIFY level 2";
		}
		nlt_clearerr(&le);
		t.smb.last_status = 0;
		/* the pipe show-target's probe opened serves again (one CREATE less) */
		if ((tinfo && tinfo->netlogon == 1
			     ? target_calls_fid(&t, "netlogon", &tinfo->netlogon_fid, &nrpc_syntax, calls, 2, &le)
			     : target_calls(&t, "netlogon", &nrpc_syntax, calls, 2, &le)) < 0) {
			if (t.smb.last_status == NT_OBJECT_NAME_NOT_FOUND) {
				ev->no_netlogon = 1;
				snprintf(ev->no_netlogon_why, sizeof(ev->no_netlogon_why),
					 "opening it gave STATUS_OBJECT_NAME_NOT_FOUND");
			} else {
				/* neither call could run: both carry the reason */
				to_call(&ev->query, -1, NULL, &le);
				to_call(&ev->verify, -1, NULL, &le);
			}
			goto done;
		}
		for (int i = 0; i < 2; i++) {
			r = calls[i].ok ? 0 : -1;
			if (r == 0 && nrpc_dec_logon_control2ex_rep(calls[i].out, calls[i].out_len, 2, &info) != WIRE_OK) {
				nlt_seterr(&calls[i].err, NLT_EPROTO, "%s on %s: malformed reply (%zu bytes)", calls[i].what,
					   t.host, calls[i].out_len);
				r = -1;
			}
			to_call(dst[i], r, &info, &calls[i].err);
			nlt_vlog("verify --target: %s %s", calls[i].what, r == 0 ? "answered" : calls[i].err.msg);
			free(calls[i].out);
		}
	}
done:
	if (ev->domain[0])
		remote_repair_cmd(req, ev->target, ev->domain, ev->repair_cmd, sizeof(ev->repair_cmd));
	target_close(&t);
	if (want_dir) {
		if (ccname)
			setenv("KRB5CCNAME", ccname, 1);
		else
			unsetenv("KRB5CCNAME");
		gather_dir(ctx, ev->target, tinfo, show_why, dir);
	}
	free(tinfo);
	free(ccname);
	return 0;
fail:
	free(tinfo);
	free(ccname);
	target_close(&t);
	return -1;
}
