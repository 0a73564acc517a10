/* src/cli/ctx.c - shared command setup: resolver, default domain, deadline. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "ldapconn.h"
#include "util.h"

/* default_realm from [libdefaults] of krb5.conf ($KRB5_CONFIG, else /etc/krb5.conf), lower-cased. */
static int krb5_default_realm(char *out, size_t len)
{
	const char *path = getenv("KRB5_CONFIG");
	char line[512];
	int in_libdefaults = 0, found = 0;
	FILE *f;

	if (!path || !*path)
		path = "/etc/krb5.conf";
	/* KRB5_CONFIG may list several files separated by ':'; the first is enough here */
	{
		static char first[512];
		nlt_strlcpy(first, path, sizeof(first));
		char *colon = strchr(first, ':');
		if (colon)
			*colon = '\0';
		path = first;
	}
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		char *p = line, *eq, *v, *end;
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '[') {
			in_libdefaults = strncmp(p, "[libdefaults]", 13) == 0;
			continue;
		}
		if (!in_libdefaults || strncmp(p, "default_realm", 13) != 0)
			continue;
		eq = strchr(p, '=');
		if (!eq)
			continue;
		v = eq + 1;
		while (isspace((unsigned char)*v))
			v++;
		end = v + strlen(v);
		while (end > v && isspace((unsigned char)end[-1]))
			*--end = '\0';
		if (!*v)
			continue;
		for (char *c = v; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		nlt_strlcpy(out, v, len);
		found = 1;
	}
	fclose(f);
	return found;
}

int ctx_init(struct nlt_ctx *ctx, const struct nlt_req *req, struct nlt_err *e)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->req = req;
	ctx->deadline_ms = nlt_now_ms() + (uint64_t)req->timeout_ms;
	nlt_ldap_configure(req->ldaps ? NLT_LDAP_LDAPS : req->starttls ? NLT_LDAP_STARTTLS : NLT_LDAP_SASL, req->ca_file);
	if (resolver_init(&ctx->rs, NULL, e) < 0)
		return -1;
	if (req->domain) {
		size_t n = nlt_strlcpy(ctx->domain, req->domain, sizeof(ctx->domain));
		if (n >= sizeof(ctx->domain))
			return nlt_seterr(e, NLT_EUSAGE, "domain name too long: %.40s...", req->domain);
		if (n && ctx->domain[n - 1] == '.')
			ctx->domain[n - 1] = '\0';
	} else if (krb5_default_realm(ctx->domain, sizeof(ctx->domain))) {
		nlt_vlog("domain %s from krb5.conf default_realm", ctx->domain);
	} else {
		resolver_default_domain(&ctx->rs, ctx->domain, sizeof(ctx->domain));
		if (ctx->domain[0])
			nlt_vlog("domain %s from the host's DNS configuration", ctx->domain);
	}
	return 0;
}
