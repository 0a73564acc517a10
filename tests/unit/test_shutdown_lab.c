/*
 * tests/unit/test_shutdown_lab.c - src/rpc/shutdown.c against a real target: the hidden test program
 * for target_reboot() / target_abort_reboot() until rejoin --reboot calls them.  It opens the target
 * session as the commands do (src/rpc/target.c, the same credentials) and sends one
 * BaseInitiateShutdownEx (or BaseAbortShutdown) over \PIPE\InitShutdown; it prints
 * "outcome=accepted|refused|unknown|not_sent" and "error=..." lines and exits with the command's exit
 * code for the error (0 accepted).  tests/integration/scenarios/97-repair.sh drives it against ws1,
 * whose smb.conf "shutdown script" writes a marker file instead of rebooting.
 *
 *   NLT_SHUTDOWN_HOST       the target (without it: skipped, exit 77, as under plain make check)
 *   NLT_SHUTDOWN_USER       --target-user (e.g. WS1\root); NLT_SHUTDOWN_PASSWORD_FILE its password file
 *   NLT_SHUTDOWN_MESSAGE    the message (default none); NLT_SHUTDOWN_DELAY seconds (default 60)
 *   NLT_SHUTDOWN_ABORT=1    send BaseAbortShutdown instead
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "shutdown.h"
#include "target.h"

static const char *outcome_str(enum reboot_outcome o)
{
	switch (o) {
	case REBOOT_NOT_SENT: return "not_sent";
	case REBOOT_ACCEPTED: return "accepted";
	case REBOOT_REFUSED: return "refused";
	case REBOOT_UNKNOWN: return "unknown";
	}
	return "not_sent";
}

int main(void)
{
	const char *host = getenv("NLT_SHUTDOWN_HOST"), *delay = getenv("NLT_SHUTDOWN_DELAY");
	struct nlt_req req;
	struct nlt_ctx ctx;
	struct nlt_err e;
	struct target t;
	enum reboot_outcome o = REBOOT_NOT_SENT;
	int r;

	if (!host || !*host) {
		printf("# SKIP: NLT_SHUTDOWN_HOST not set (driven by tests/integration/scenarios/97-repair.sh)\n");
		return 77;
	}
	memset(&req, 0, sizeof(req));
	req.cmd = CMD_SHOW_TARGET; /* any command that takes the target credentials */
	req.target = host;
	req.target_user = getenv("NLT_SHUTDOWN_USER");
	req.target_password_file = getenv("NLT_SHUTDOWN_PASSWORD_FILE");
	req.target_auth = 2;
	req.timeout_ms = 10000;
	nlt_clearerr(&e);
	if (ctx_init(&ctx, &req, &e) < 0 || target_open(&t, &ctx, host, &e) < 0) {
		printf("outcome=not_sent\nerror=%s\n", e.msg);
		return nlt_exit_code(&e);
	}
	if (getenv("NLT_SHUTDOWN_ABORT")) {
		r = target_abort_reboot(&t, &e);
		o = r == 0 ? REBOOT_ACCEPTED : REBOOT_REFUSED;
	} else {
		r = target_reboot(&t, getenv("NLT_SHUTDOWN_MESSAGE"), delay ? (uint32_t)strtoul(delay, NULL, 10) : 60u, &o,
				  &e);
	}
	target_close(&t);
	printf("outcome=%s\n", outcome_str(o));
	if (r < 0)
		printf("error=%s\n", e.msg);
	return r < 0 ? nlt_exit_code(&e) : 0;
}
