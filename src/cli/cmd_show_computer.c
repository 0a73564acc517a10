/*
 * src/cli/cmd_show_computer.c - nltrust show-computer NAME: the directory's view
 * of a machine account, read as an administrator over sealed LDAP from the
 * chosen writable DC, with findings in plain words.  Reading and the findings
 * are src/ldap/computer.c's (verify --target shows the same); this file prints.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admin.h"
#include "computer.h"
#include "machine.h"
#include "output.h"

static void print_text(const struct computer_view *c, const struct admin_session *s, time_t now)
{
	char s1[OUT_SAFE_SIZE(sizeof(c->dn))];

	printf("Computer:   %s\n", out_safe(c->sam, s1, sizeof(s1)));
	printf("DN:         %s\n", out_safe(c->dn, s1, sizeof(s1)));
	out_safe(s->dc->info.dc_dns_name, s1, sizeof(s1));
	if (s->ld.tls)
		printf("Read from:  %s as %s (LDAP over TLS, certificate verified)\n", s1, s->principal);
	else
		printf("Read from:  %s as %s (sealed LDAP, SSF %u)\n", s1, s->principal, s->ld.ssf);
	admin_print_skipped(s);
	computer_print_fields(c, now);
	if (c->n_problems || c->n_notes) {
		printf("\nFindings:\n");
		computer_print_findings(c, "  ");
	}
}

static void print_json(const struct computer_view *c, const struct admin_session *s, time_t now)
{
	struct json_object *o = json_object_new_object();

	computer_json_add(o, c, now);
	json_object_object_add(o, "dc", admin_dc_json(s));
	json_object_object_add(o, "skipped_dcs", admin_skipped_json(s));
	json_object_object_add(o, "verdict", json_object_new_string(c->n_problems ? "problems" : "healthy"));
	json_object_object_add(o, "healthy", json_object_new_boolean(c->n_problems == 0));
	out_json_doc(o);
}

int cmd_show_computer(struct nlt_ctx *ctx, struct nlt_err *e)
{
	const struct nlt_req *req = ctx->req;
	struct admin_session s;
	struct computer_view *c = calloc(1, sizeof(*c));
	time_t now = time(NULL);
	int r = -1, found;

	memset(&s, 0, sizeof(s));
	if (!c)
		return nlt_seterr(e, NLT_EINTERNAL, "out of memory");
	if (!req->target_name) {
		nlt_seterr(e, NLT_EUSAGE, "which computer? (nltrust show-computer NAME)");
		goto out;
	}
	/* a malformed NAME is a usage error before any DC is asked */
	if (machine_account(req->target_name, MACHINE_SAM_MAX, c->sam, sizeof(c->sam), NULL, 0, e) < 0)
		goto out;
	if (admin_open(&s, ctx, e) < 0)
		goto out;
	found = computer_read(&s, req->target_name, c, now, e);
	if (found < 0)
		goto out;
	if (found > 0) {
		nlt_seterr(e, NLT_EPROBLEM, "no computer account %s in %s (searched %s on %s)", c->sam, s.realm,
			   s.ld.default_nc, s.dc->info.dc_dns_name);
		if (req->json) {
			struct json_object *o = json_object_new_object(), *p = json_object_new_array();
			json_object_object_add(o, "sam_account_name", json_object_new_string(c->sam));
			json_object_object_add(o, "dn", NULL);
			json_object_object_add(o, "dc", admin_dc_json(&s));
			json_object_object_add(o, "skipped_dcs", admin_skipped_json(&s));
			json_object_array_add(p, out_finding_json("problem", e->msg, NULL));
			json_object_object_add(o, "problems", p);
			json_object_object_add(o, "verdict", json_object_new_string("problems"));
			json_object_object_add(o, "healthy", json_object_new_boolean(0));
			out_json_doc(o);
		}
		goto out;
	}
	if (req->json)
		print_json(c, &s, now);
	else if (!req->quiet)
		print_text(c, &s, now);
	if (c->n_problems) {
		nlt_seterr(e, NLT_EPROBLEM, "%s: %zu problem(s); first: %s", c->sam, c->n_problems, c->problems[0]);
		goto out;
	}
	r = 0;
out:
	computer_free(c);
	admin_close(&s);
	free(c);
	return r;
}
