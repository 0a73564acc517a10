/*
 * src/trust/remote_repair.h - repair --target HOST [DOMAIN]: the runbook's
 * Test-ComputerSecureChannel -Repair from outside, least invasive first,
 * over the target's \PIPE\netlogon (NetrLogonControl2Ex, shared/REMOTE.md
 * 1, 2 and 4 path e):
 *
 *   1. TC_VERIFY (level 2).  Every verdict, here and after each change, is
 *      trust_remote_judge()'s (src/trust/trust_remote.c), never a control
 *      call's own status.
 *   2. The member talks to a dead or wrong DC (TC_VERIFY: no logon servers,
 *      RPC server unavailable ...; or -S names another DC than the one
 *      TC_VERIFY named): REDISCOVER (level 2, "DOMAIN" or "DOMAIN\DC"),
 *      then TC_VERIFY again.
 *   3. The channel works and --rotate was given: CHANGE_PASSWORD (level 1),
 *      then TC_VERIFY again.
 *   4. The secret is gone or wrong (1323 WRONG_PASSWORD, 1786
 *      NO_TRUST_LSA_SECRET, 1787 NO_TRUST_SAM_ACCOUNT, 1810
 *      DOMAIN_TRUST_INCONSISTENT, 5 as a channel status): stop, "rejoin
 *      needed", with the command that does it.  REDISCOVER and
 *      CHANGE_PASSWORD cannot fix a secret the DC does not share.
 *
 * Each step is recorded with what was sent, what the target answered (Win32
 * code named, DC named) and its state; a call that got no answer is
 * "unknown", and is re-checked by the TC_VERIFY after it, never taken as
 * done.  --dry-run runs only the first TC_VERIFY (it changes nothing) and
 * records the rest as planned.
 */
#ifndef NLT_REMOTE_REPAIR_H
#define NLT_REMOTE_REPAIR_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "nrpc.h"
#include "trust.h"
#include "trust_remote.h"
#include "trust_target.h"

#define REPAIR_MAX_STEPS 8

enum repair_step_kind {
	RSTEP_NONE = 0,
	RSTEP_TC_VERIFY,
	RSTEP_REDISCOVER,
	RSTEP_CHANGE_PASSWORD,
	RSTEP_STOP, /* nothing more this runbook can do remotely */
	RSTEP_REJOIN, /* --rejoin: NetrUnjoinDomain2/NetrJoinDomain2 over wkssvc (src/trust/rjoin.c) */
};

/* What became of one step.  0 is "not run", never success. */
enum repair_step_state {
	RSTATE_NOT_RUN = 0,
	RSTATE_PLANNED, /* --dry-run: would run next */
	RSTATE_OK,      /* TC_VERIFY: the judge says healthy; a change: the target answered that it did it */
	RSTATE_FAILED,  /* TC_VERIFY: not healthy; a change: the target answered that it did not */
	RSTATE_UNKNOWN, /* no answer, or an answer that does not say: re-checked, never taken as done */
};

struct repair_step {
	enum repair_step_kind kind;
	enum repair_step_state state;
	uint32_t code, level;          /* NetrLogonControl2Ex function code and level (0 for STOP) */
	char data[320];                /* the Data argument: "other.test" or "other.test\dc2.other.test" */
	struct trust_remote_call call; /* what the target answered (state NOT_RUN for planned/stop steps) */
	enum trust_verdict verdict;    /* TC_VERIFY: the remote judge's verdict */
	enum nlt_cat cat;              /* TC_VERIFY: the judge's exit category */
	char did[200];                 /* what was done (or would be) */
	char saw[600];                 /* what was seen */
};

/* The outcome of the whole run.  0 is undecided, never success. */
enum repair_outcome {
	REPAIR_UNDECIDED = 0,
	REPAIR_ALREADY_HEALTHY, /* exit 0: TC_VERIFY healthy, nothing changed */
	REPAIR_HEALED,          /* exit 0: REDISCOVER, then TC_VERIFY healthy */
	REPAIR_ROTATED,         /* exit 0: CHANGE_PASSWORD said done, then TC_VERIFY healthy */
	REPAIR_ROTATE_FAILED,   /* the channel is healthy, the new password was refused or its fate is unknown */
	REPAIR_REJOIN_NEEDED,   /* exit 1: the secret is gone or wrong */
	REPAIR_NOT_HEALED,      /* exit 1: broken for a reason this runbook does not fix */
	REPAIR_UNKNOWN,         /* the channel's state could not be told: exit of the reason */
	REPAIR_NO_NETLOGON,     /* exit 6: no \PIPE\netlogon, cannot repair remotely */
	REPAIR_PLANNED,         /* --dry-run: changes planned, none made; exit of the current state */
	REPAIR_REJOINED,        /* exit 0: --rejoin, and the directory shows the member's new password; its channel is
				   verified only after it restarts */
};

struct repair_request {
	const char *target;     /* the host asked */
	const char *domain;     /* the domain whose channel is repaired */
	const char *dc;         /* -S: REDISCOVER to this DC; NULL: let the member choose */
	int rotate;             /* --rotate */
	int dry_run;            /* --dry-run */
	int no_netlogon;        /* the target serves no \PIPE\netlogon */
	const char *no_netlogon_why;
	const char *rejoin_cmd; /* the command that rejoins it ("" when none) */
};

struct repair_result {
	struct repair_step step[REPAIR_MAX_STEPS];
	size_t n;
	enum repair_outcome outcome;
	enum nlt_cat cat;           /* the exit category: NLT_OK only for ALREADY_HEALTHY, HEALED, ROTATED
				       and a dry run of a healthy channel */
	int healthy;                /* 1 the last TC_VERIFY was judged healthy, 0 not healthy, -1 unknown */
	int changed;                /* 1 a change was answered as done, 0 none was sent, -1 one was sent, fate unknown */
	struct trust_report report; /* the judge's report of the last TC_VERIFY */
	char rejoin_cmd[600];       /* set when the outcome is REPAIR_REJOIN_NEEDED */
	char summary[900];          /* one line: the outcome and why */
};

/* One NetrLogonControl2Ex on the target: 0 answered (out, out->werror the call's own result), -1 no answer (e). */
typedef int (*repair_control_fn)(void *arg, uint32_t code, uint32_t level, const char *data,
				 struct nrpc_netlogon_info *out, struct nlt_err *e);

/* The runbook, with the calls made through fn (pure apart from fn; tests/unit/test_remote_repair.c). */
void remote_repair_run(const struct repair_request *rq, repair_control_fn fn, void *arg, struct repair_result *res);

const char *repair_outcome_str(enum repair_outcome o);   /* "already_healthy", ... */
const char *repair_step_str(enum repair_step_kind k);     /* "TC_VERIFY", ... */
const char *repair_state_str(enum repair_step_state s);   /* "ok", "failed", ... */

struct nlt_ctx;
/*
 * repair --target: the SMB session with the target credentials
 * (src/rpc/target.c), the domain (ctx->req->domain, else the target's own
 * from its LSA), \PIPE\netlogon bound without RPC auth, then
 * remote_repair_run().  0 when there is a result to print (whatever it
 * says); -1 with e when there is none (usage, logon refused: exit 5,
 * target unreachable, the pipe could not be opened for another reason).
 */
int remote_repair(struct nlt_ctx *ctx, struct repair_result *res, struct trust_target_info *ti, char *domain,
		  size_t domain_len, struct nlt_err *e);

/* The repair command for host's channel to domain, with the target credentials, runnable as printed
 * (verify --target prints it beside a broken channel). */
struct nlt_req;
void remote_repair_cmd(const struct nlt_req *req, const char *host, const char *domain, char *out, size_t len);

#endif
