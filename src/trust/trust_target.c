/*
 * src/trust/trust_target.c - verify --target: gather what the target says about
 * its secure channel (see trust_target.h).  No verdict here: that is
 * trust_remote_judge()'s.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "netlogon.h"
#include "nrpc.h"
#include "target.h"
#include "trust_target.h"
#include "util.h"

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

int trust_target_check(struct nlt_ctx *ctx, struct trust_remote_evidence *ev, struct trust_target_info *ti,
		       struct nlt_err *e)
{
	const struct nlt_req *req = ctx->req;
	struct target t;
	struct target_info *tinfo = NULL;
	struct rpc_conn c;
	struct nrpc_netlogon_info info;
	struct nlt_err le;
	const char *domain = req->domain && *req->domain ? req->domain : NULL;
	int r;

	memset(ev, 0, sizeof(*ev));
	memset(ti, 0, sizeof(*ti));
	memset(&c, 0, sizeof(c));
	if (target_open(&t, ctx, req->target, e) < 0)
		return -1;
	fill_info(ti, &t);
	snprintf(ev->target, sizeof(ev->target), "%s", t.host);
	if (!domain) {
		/* the target's own domain, as show-target reads it (LSA); it also says whether the pipe is served */
		tinfo = calloc(1, sizeof(*tinfo));
		if (!tinfo) {
			nlt_seterr(e, NLT_EINTERNAL, "out of memory");
			goto fail;
		}
		if (target_show(&t, tinfo, e) < 0)
			goto fail;
		if (!tinfo->have_lsa) {
			nlt_seterr(e, NLT_EPROTO, "verify --target %s: cannot read its own domain (give DOMAIN): %s", t.host,
				   tinfo->lsa_err);
			goto fail;
		}
		snprintf(ev->domain, sizeof(ev->domain), "%s",
			 tinfo->lsa.dns_domain[0] ? tinfo->lsa.dns_domain : tinfo->lsa.name);
		ti->domain_from_lsa = 1;
		/* a PDC has no secure channel to its own domain (Samba answers TC_VERIFY OK with no DC named
		 * then): nothing to verify, and never "healthy" for it */
		if (tinfo->have_srv && (tinfo->srv.type & SV_TYPE_DOMAIN_CTRL)) {
			nlt_seterr(e, NLT_EUSAGE,
				   "verify --target %s: it is the primary domain controller of %s and has no secure channel "
				   "to its own domain; name a trusted DOMAIN to verify its channel to",
				   t.host, ev->domain);
			goto fail;
		}
		if (tinfo->netlogon == 0) {
			ev->no_netlogon = 1;
			snprintf(ev->no_netlogon_why, sizeof(ev->no_netlogon_why), "opening it gave STATUS_OBJECT_NAME_NOT_FOUND");
			goto done;
		}
	} else {
		snprintf(ev->domain, sizeof(ev->domain), "%s", domain);
	}
	nlt_clearerr(&le);
	t.smb.last_status = 0;
	if (target_rpc(&t, "netlogon", &nrpc_syntax, &c, &le) < 0) {
		if (t.smb.last_status == NT_OBJECT_NAME_NOT_FOUND) {
			ev->no_netlogon = 1;
			snprintf(ev->no_netlogon_why, sizeof(ev->no_netlogon_why), "opening it gave STATUS_OBJECT_NAME_NOT_FOUND");
		} else {
			/* neither call could run: both carry the reason */
			to_call(&ev->query, -1, NULL, &le);
			to_call(&ev->verify, -1, NULL, &le);
		}
		goto done;
	}
	nlt_clearerr(&le);
	r = nl_logon_control2ex(&c, NULL, NRPC_CONTROL_TC_QUERY, 2, ev->domain, &info, &le);
	to_call(&ev->query, r, &info, &le);
	nlt_vlog("verify --target: TC_QUERY %s", r == 0 ? "answered" : le.msg);
	nlt_clearerr(&le);
	r = nl_logon_control2ex(&c, NULL, NRPC_CONTROL_TC_VERIFY, 2, ev->domain, &info, &le);
	to_call(&ev->verify, r, &info, &le);
	nlt_vlog("verify --target: TC_VERIFY %s", r == 0 ? "answered" : le.msg);
done:
	if (c.pipe || c.xp)
		rpc_close(&c);
	free(tinfo);
	target_close(&t);
	return 0;
fail:
	if (c.pipe || c.xp)
		rpc_close(&c);
	free(tinfo);
	target_close(&t);
	return -1;
}
