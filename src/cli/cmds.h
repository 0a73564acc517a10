/* src/cli/cmds.h - one entry point per command (src/cmd_*.c). */
#ifndef NLT_CMDS_H
#define NLT_CMDS_H

#include "err.h"
#include "opts.h"
#include "resolve.h"

/* Shared setup: resolver and the default domain. */
struct nlt_ctx {
	const struct nlt_req *req;
	struct resolver rs;
	char domain[256];     /* from -d/positional, krb5.conf, or resolv.conf; "" if none */
	uint64_t deadline_ms; /* from --timeout */
};

int ctx_init(struct nlt_ctx *ctx, const struct nlt_req *req, struct nlt_err *e);
/* Commands return 0 for success, else fill e; the caller maps e to the exit code. */
int cmd_discover(struct nlt_ctx *ctx, struct nlt_err *e);
int cmd_ping(struct nlt_ctx *ctx, struct nlt_err *e);
int cmd_verify(struct nlt_ctx *ctx, struct nlt_err *e);
int cmd_show_computer(struct nlt_ctx *ctx, struct nlt_err *e);
int cmd_show_target(struct nlt_ctx *ctx, struct nlt_err *e);
int cmd_audit(struct nlt_ctx *ctx, struct nlt_err *e);
int cmd_reset_password(struct nlt_ctx *ctx, struct nlt_err *e);
int cmd_join(struct nlt_ctx *ctx, struct nlt_err *e);
int cmd_leave(struct nlt_ctx *ctx, struct nlt_err *e);
int cmd_reset_computer(struct nlt_ctx *ctx, struct nlt_err *e);
int cmd_disable_computer(struct nlt_ctx *ctx, struct nlt_err *e);
int cmd_enable_computer(struct nlt_ctx *ctx, struct nlt_err *e);
int cmd_delete_computer(struct nlt_ctx *ctx, struct nlt_err *e);
int cmd_repair(struct nlt_ctx *ctx, struct nlt_err *e);
int cmd_rejoin(struct nlt_ctx *ctx, struct nlt_err *e);
/* rejoin/join/leave --target (src/cli/cmd_rejoin.c); op is enum rjoin_op */
int cmd_remote_join(struct nlt_ctx *ctx, int op, struct nlt_err *e);
int cmd_doctor(struct nlt_ctx *ctx, struct nlt_err *e);

#endif
