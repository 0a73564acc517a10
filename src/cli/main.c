/*
 * nltrust - find, verify and repair an Active Directory machine trust.
 * src/cli/main.c: parse the command line, run one command, map the outcome to
 * the documented exit status (nlt_exit_code).
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "fleet.h"
#include "opts.h"
#include "output.h"
#include "version.h"

/* One run of the command for one request: its context, the command, its document and error line; the exit status. */
static int run_one(const struct nlt_req *reqp)
{
	struct nlt_req req = *reqp;
	struct nlt_err err;
	struct nlt_ctx ctx;
	int r;

	nlt_clearerr(&err);
	if (ctx_init(&ctx, &req, &err) < 0) {
		out_error(opts_cmd_name(req.cmd), &err);
		if (req.json)
			out_json_finish(opts_cmd_name(req.cmd), &err);
		return nlt_exit_code(&err);
	}
	switch (req.cmd) {
	case CMD_DISCOVER: r = cmd_discover(&ctx, &err); break;
	case CMD_PING: r = cmd_ping(&ctx, &err); break;
	case CMD_VERIFY: r = cmd_verify(&ctx, &err); break;
	case CMD_SHOW_COMPUTER: r = cmd_show_computer(&ctx, &err); break;
	case CMD_SHOW_TARGET: r = cmd_show_target(&ctx, &err); break;
	case CMD_AUDIT: r = cmd_audit(&ctx, &err); break;
	case CMD_RESET_PASSWORD: r = cmd_reset_password(&ctx, &err); break;
	case CMD_JOIN: r = cmd_join(&ctx, &err); break;
	case CMD_LEAVE: r = cmd_leave(&ctx, &err); break;
	case CMD_RESET_COMPUTER: r = cmd_reset_computer(&ctx, &err); break;
	case CMD_DISABLE_COMPUTER: r = cmd_disable_computer(&ctx, &err); break;
	case CMD_ENABLE_COMPUTER: r = cmd_enable_computer(&ctx, &err); break;
	case CMD_DELETE_COMPUTER: r = cmd_delete_computer(&ctx, &err); break;
	case CMD_REPAIR: r = cmd_repair(&ctx, &err); break;
	case CMD_REJOIN: r = cmd_rejoin(&ctx, &err); break;
	case CMD_DOCTOR: r = cmd_doctor(&ctx, &err); break;
	default: r = nlt_seterr(&err, NLT_EINTERNAL, "command not implemented"); break;
	}
	if (r < 0 && err.cat == NLT_OK) /* a failure must never read as success */
		nlt_seterr(&err, NLT_EINTERNAL, "failed without saying why");
	/* --json: one document on every exit path, with the final error (or null) */
	if (req.json)
		out_json_finish(opts_cmd_name(req.cmd), r < 0 ? &err : NULL);
	fflush(stdout);
	if (r < 0) {
		/* a found problem is already in the report; other failures get the one-line error */
		if (err.cat != NLT_EPROBLEM || !req.quiet)
			out_error(opts_cmd_name(req.cmd), &err);
		return nlt_exit_code(&err);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct nlt_req req;
	struct nlt_err err;
	int r;

	nlt_clearerr(&err);
	/* a DC that closes a connection under libldap's or MIT's writes must be an error, not a kill */
	signal(SIGPIPE, SIG_IGN);
	if (opts_parse(argc, argv, &req, &err) < 0) {
		const char *cmd = req.cmd ? opts_cmd_name(req.cmd) : NULL;
		int json = req.json;
		/* --json anywhere on the line, even after the mistake: still one document */
		for (int i = 1; i < argc && !json; i++)
			json = strcmp(argv[i], "--json") == 0;
		out_error(cmd, &err);
		if (json)
			out_json_finish(cmd, &err);
		return nlt_exit_code(&err);
	}
	if (req.ndjson)
		out_json_lines(1); /* audit --ndjson: every document one line */
	if (req.version)
		return nlt_version_print(req.json);
	if (req.help) {
		opts_usage(req.cmd);
		return 0;
	}
	/* test hook (tests/check_man.sh): the man pages' examples must parse; nothing is run */
	if (getenv("NLT_PARSE_ONLY"))
		return 0;
	if (req.targets) {
		r = fleet_run(&req, run_one, &err);
		if (r < 0) {
			out_error(opts_cmd_name(req.cmd), &err);
			if (req.json)
				out_json_finish(opts_cmd_name(req.cmd), &err);
			return nlt_exit_code(&err);
		}
		return r;
	}
	return run_one(&req);
}
