/* src/cli/cmd_show_target.c - show-target HOST: what a remote member says about itself (parse, call, print). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "output.h"
#include "target.h"

static const char *os_str(const struct srvsvc_info101 *s, char *buf, size_t len)
{
	snprintf(buf, len, "%s %u.%u%s", s->platform_id == 500 ? "Windows NT family" : "platform",
		 s->version_major, s->version_minor, s->type & SV_TYPE_SERVER_UNIX ? " (Samba/Unix server)" : "");
	return buf;
}

static const char *role_str(uint32_t type)
{
	if (type & (SV_TYPE_DOMAIN_CTRL | SV_TYPE_DOMAIN_BAKCTRL))
		return "domain controller";
	if (type & SV_TYPE_DOMAIN_MEMBER)
		return "domain member";
	return "server";
}

static struct json_object *jstr_or_null(int have, const char *s)
{
	return have && s[0] ? json_object_new_string(s) : NULL;
}

int cmd_show_target(struct nlt_ctx *ctx, struct nlt_err *e)
{
	const struct nlt_req *req = ctx->req;
	struct target t;
	struct target_info ti;
	char sid[200] = "", os[120] = "", b1[OUT_SAFE_SIZE(256)], b2[OUT_SAFE_SIZE(256)];
	const char *auth;

	if (target_open(&t, ctx, req->target, e) < 0)
		return -1;
	if (target_show(&t, &ti, e) < 0) {
		target_close(&t);
		return -1;
	}
	if (ti.have_lsa && ti.lsa.have_sid)
		lsa_sid_str(&ti.lsa.sid, sid, sizeof(sid));
	if (ti.have_srv)
		os_str(&ti.srv, os, sizeof(os));
	auth = t.mech == 2 ? "NTLM" : "Kerberos";
	if (req->json) {
		struct json_object *o = json_object_new_object(), *d, *sm, *nl;
		json_object_object_add(o, "target", json_object_new_string(t.host));
		json_object_object_add(o, "address", json_object_new_string(t.addr_str));
		json_object_object_add(o, "computer_name",
				       ti.have_srv ? json_object_new_string(ti.srv.name)
						   : jstr_or_null(ti.have_wks, ti.wks.computer));
		d = json_object_new_object();
		json_object_object_add(d, "netbios_name", jstr_or_null(ti.have_lsa, ti.lsa.name));
		json_object_object_add(d, "dns_name", jstr_or_null(ti.have_lsa, ti.lsa.dns_domain));
		json_object_object_add(d, "forest", jstr_or_null(ti.have_lsa, ti.lsa.dns_forest));
		json_object_object_add(d, "sid", sid[0] ? json_object_new_string(sid) : NULL);
		json_object_object_add(d, "workstation_domain", jstr_or_null(ti.have_wks, ti.wks.langroup));
		json_object_object_add(o, "domain", d);
		if (ti.have_srv) {
			struct json_object *s = json_object_new_object();
			json_object_object_add(s, "platform_id", json_object_new_int64(ti.srv.platform_id));
			json_object_object_add(s, "version_major", json_object_new_int64(ti.srv.version_major));
			json_object_object_add(s, "version_minor", json_object_new_int64(ti.srv.version_minor));
			json_object_object_add(s, "server_type", json_object_new_int64(ti.srv.type));
			json_object_object_add(s, "role", json_object_new_string(role_str(ti.srv.type)));
			json_object_object_add(s, "comment", json_object_new_string(ti.srv.comment));
			json_object_object_add(o, "os", s);
		} else {
			json_object_object_add(o, "os", NULL);
		}
		nl = json_object_new_object();
		json_object_object_add(nl, "state", json_object_new_string(ti.netlogon == 1 ? "served" : ti.netlogon == 0 ? "not_served" : "unknown"));
		json_object_object_add(nl, "secure_channel", json_object_new_string(ti.netlogon == 0 ? "cannot_check_remotely" : "not_checked"));
		json_object_object_add(nl, "detail", ti.netlogon_err[0] ? json_object_new_string(ti.netlogon_err) : NULL);
		json_object_object_add(o, "netlogon", nl);
		sm = json_object_new_object();
		json_object_object_add(sm, "dialect", json_object_new_string(target_dialect_str(t.smb.dialect)));
		json_object_object_add(sm, "signing", json_object_new_string(target_sign_str(&t.smb)));
		json_object_object_add(sm, "encryption", json_object_new_string(target_cipher_str(&t.smb)));
		json_object_object_add(sm, "auth", json_object_new_string(auth));
		json_object_object_add(sm, "account_kind", json_object_new_string(t.user.kind == TACCT_LOCAL ? "local" : t.user.kind == TACCT_DOMAIN ? "domain" : "ccache"));
		json_object_object_add(o, "smb", sm);
		{
			struct json_object *errs = json_object_new_array();
			if (!ti.have_lsa)
				json_object_array_add(errs, out_finding_json("could_not_check", ti.lsa_err, NULL));
			if (!ti.have_srv)
				json_object_array_add(errs, out_finding_json("could_not_check", ti.srv_err, NULL));
			if (!ti.have_wks && ti.wks_err[0])
				json_object_array_add(errs, out_finding_json("could_not_check", ti.wks_err, NULL));
			json_object_object_add(o, "findings", errs);
		}
		out_json_doc(o);
	} else if (!req->quiet) {
		printf("Target:        %s (%s)\n", out_safe(t.host, b1, sizeof(b1)), t.addr_str);
		printf("Computer:      %s\n", ti.have_srv ? out_safe(ti.srv.name, b1, sizeof(b1))
						   : ti.have_wks ? out_safe(ti.wks.computer, b1, sizeof(b1)) : "unknown");
		if (ti.have_lsa) {
			printf("Domain:        %s (NetBIOS), %s (DNS)\n", out_safe(ti.lsa.name, b1, sizeof(b1)),
			       ti.lsa.dns_domain[0] ? out_safe(ti.lsa.dns_domain, b2, sizeof(b2)) : "none");
			printf("Forest:        %s\n", ti.lsa.dns_forest[0] ? out_safe(ti.lsa.dns_forest, b1, sizeof(b1)) : "none");
			printf("Domain SID:    %s\n", sid[0] ? sid : "none");
		} else {
			printf("Domain:        unknown (%s)\n", out_safe(ti.lsa_err, b1, sizeof(b1)));
		}
		if (ti.have_srv)
			printf("OS:            %s, %s\n", os, role_str(ti.srv.type));
		else
			printf("OS:            unknown (%s)\n", out_safe(ti.srv_err, b1, sizeof(b1)));
		printf("Netlogon:      %s\n",
		       ti.netlogon == 1 ? "\\PIPE\\netlogon served; secure channel not checked here (see verify --target)"
		       : ti.netlogon == 0 ? "not served (a Samba member has none): its secure channel cannot be checked remotely"
					  : "unknown");
		printf("SMB:           %s, signing %s, encryption %s, %s (%s account)\n", target_dialect_str(t.smb.dialect),
		       target_sign_str(&t.smb), target_cipher_str(&t.smb), auth,
		       t.user.kind == TACCT_LOCAL ? "local" : t.user.kind == TACCT_DOMAIN ? "domain" : "ccache");
	}
	target_close(&t);
	return 0;
}
