/*
 * src/cli/cmd_reset_password.c - nltrust reset-password: prints what src/trust/reset.c
 * (the journalled, crash-safe change) did.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "keys.h"
#include "output.h"
#include "reset.h"
#include "state.h"

static void print_result(const struct reset *rs, const struct nlt_req *req, const struct dc_cand *dcc, const char *dc_addr,
			 int dry)
{
	const char *dc = dcc->info.dc_dns_name;
	uint32_t keep = rs->recovery_would_finish ? rs->cur_kvno : rs->old_kvno;
	if (req->json) {
		struct json_object *o = json_object_new_object(), *a = json_object_new_array();
		json_object_object_add(o, "machine", json_object_new_string(rs->machine));
		json_object_object_add(o, "realm", json_object_new_string(rs->realm));
		json_object_object_add(o, "dc", out_dc_json(dc, dc_addr, dcc->info.dc_site));
		json_object_object_add(o, "method", json_object_new_string(reset_method_key(rs->mode)));
		json_object_object_add(o, "dry_run", json_object_new_boolean(dry));
		json_object_object_add(o, "keytab", json_object_new_string(rs->keytab));
		json_object_object_add(o, "old_kvno", rs->old_kvno ? json_object_new_int64(rs->old_kvno) : NULL);
		if (dry) {
			json_object_object_add(o, "current_kvno", rs->have_cur_kvno ? json_object_new_int64(rs->cur_kvno) : NULL);
			json_object_object_add(o, "current_kvno_source",
					       rs->have_cur_kvno ? json_object_new_string(rs->cur_kvno_src) : NULL);
			json_object_object_add(o, "new_kvno", rs->predicted_kvno ? json_object_new_int64(rs->predicted_kvno) : NULL);
			json_object_object_add(o, "kvno_source", rs->predicted_src ? json_object_new_string(rs->predicted_src) : NULL);
			json_object_object_add(o, "recovery_plan", rs->plan[0] ? json_object_new_string(rs->plan) : NULL);
		} else {
			json_object_object_add(o, "new_kvno", rs->new_kvno ? json_object_new_int64(rs->new_kvno) : NULL);
			json_object_object_add(o, "kvno_source", json_object_new_string(state_kvno_source_str(rs->kvno_src)));
			json_object_object_add(o, "kvno_note", json_object_new_string(rs->kvno_why));
		}
		for (size_t i = 0; i < rs->n_et; i++)
			json_object_array_add(a, json_object_new_string(keys_enctype_name(rs->et[i]) ? keys_enctype_name(rs->et[i]) : "?"));
		json_object_object_add(o, "enctypes", a);
		a = json_object_new_array();
		for (size_t i = 0; i < rs->kts.n_principals && i < 8; i++)
			json_object_array_add(a, json_object_new_string(rs->kts.principals[i]));
		json_object_object_add(o, "principals", a);
		json_object_object_add(o, "confirmed", json_object_new_boolean(!dry));
		json_object_object_add(o, "recovered", rs->recovered[0] ? json_object_new_string(rs->recovered) : NULL);
		json_object_object_add(o, "kpasswd_note", rs->kpasswd_note[0] ? json_object_new_string(rs->kpasswd_note) : NULL);
		json_object_object_add(o, "elapsed_ms", out_ms_json(rs->elapsed_us));
		out_json_doc(o); /* main adds "command" and "error" */
		return;
	}
	if (req->quiet)
		return;
	if (rs->recovered[0])
		printf("Recovery:  %s\n", rs->recovered);
	if (dry) {
		if (rs->plan[0])
			printf("Recovery:  %s.\n", rs->plan);
		printf("Would reset the password of %s@%s on %s (%s) with %s,\n", rs->machine, rs->realm, dc, dc_addr,
		       reset_mode_name(rs->mode));
		if (rs->predicted_kvno)
			printf("confirm it with an AS exchange, and rewrite %s at kvno %u (%s)%s", rs->keytab,
			       rs->predicted_kvno, rs->predicted_src, keep ? "" : ".\n");
		else
			printf("confirm it with an AS exchange, and rewrite %s at the kvno the DC then reports%s", rs->keytab,
			       keep ? "" : ".\n");
		if (keep)
			printf(", keeping kvno %u.\n", keep);
		return;
	}
	printf("Reset the password of %s@%s on %s (%s) with %s.\n", rs->machine, rs->realm, dc, dc_addr, reset_mode_name(rs->mode));
	if (rs->kpasswd_note[0])
		printf("Note:      %s; the AS exchange below is what counts.\n", rs->kpasswd_note);
	printf("Confirmed: %s accepts the new password (kvno %u: %s).\n", dc, rs->new_kvno, rs->kvno_why);
	printf("Keytab:    %s: %zu principal(s) x %zu enctype(s) at kvno %u", rs->keytab, rs->kts.n_principals, rs->n_et,
	       rs->new_kvno);
	if (rs->kts.prev_kvno)
		printf(", kvno %u kept", rs->kts.prev_kvno);
	printf("\n");
	for (size_t i = 0; i < rs->kts.n_principals && i < 8; i++)
		printf("           %s\n", rs->kts.principals[i]);
}

/* --json on failure: what was found, whether a password is kept pending, and the command to run next. */
static void print_failure(const struct reset *rs, const struct nlt_req *req, struct state *st, const struct dc_cand *dc,
			  const struct nlt_err *e)
{
	struct json_object *o = json_object_new_object();
	struct state_rec pend;
	char ab[64];
	struct nlt_err ign;
	int pending = st ? state_load(st, STATE_PENDING, &pend, &ign) : 0;

	if (pending == 1)
		state_rec_wipe(&pend);
	json_object_object_add(o, "machine", rs->machine[0] ? json_object_new_string(rs->machine) : NULL);
	json_object_object_add(o, "realm", rs->realm[0] ? json_object_new_string(rs->realm) : NULL);
	json_object_object_add(o, "dc", dc ? out_dc_json(dc->info.dc_dns_name, nlt_addr_str(&dc->addr, ab, sizeof(ab)),
					       dc->info.dc_site) : NULL);
	json_object_object_add(o, "method", json_object_new_string(reset_method_key(rs->mode)));
	json_object_object_add(o, "dry_run", json_object_new_boolean(req->dry_run));
	json_object_object_add(o, "pending", st ? json_object_new_boolean(pending == 1) : NULL);
	json_object_object_add(o, "recovered", rs->recovered[0] ? json_object_new_string(rs->recovered) : NULL);
	json_object_object_add(o, "recovery_plan", rs->plan[0] ? json_object_new_string(rs->plan) : NULL);
	json_object_object_add(o, "next_command", rs->next_cmd[0] ? json_object_new_string(rs->next_cmd) : NULL);
	(void)e;
	out_json_doc(o); /* main adds "command" and "error" */
}

int cmd_reset_password(struct nlt_ctx *ctx, struct nlt_err *e)
{
	static const struct reset_hooks text = { print_result, NULL };
	static const struct reset_hooks json = { print_result, print_failure };

	return reset_password_run(ctx, ctx->req->json ? &json : &text, NULL, e);
}
