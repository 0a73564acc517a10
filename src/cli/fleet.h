/*
 * src/cli/fleet.h - one command over many targets (--targets FILE|-).
 *
 * Each target runs in a forked child with its own deadline (--timeout) and
 * the command's own code path, at most --jobs at a time.  The parent reads
 * the list and any secret once, prints one line per target as it finishes
 * (NDJSON with --json), a progress line on a terminal and a summary, and
 * exits 1 when any target is broken.
 */
#ifndef NLT_FLEET_H
#define NLT_FLEET_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "opts.h"

#define FLEET_MAX_TARGETS 100000
#define FLEET_DEFAULT_JOBS 16
#define FLEET_MAX_JOBS 256
/* A child that outlives its budget by this much is killed and counted as an internal error. */
#define FLEET_GRACE_MS 3000

/* One target line: a host, or an NDJSON object with per-target options. */
struct fleet_target {
	char *host;
	char *domain;               /* "domain": the positional DOMAIN for this target */
	char *target_user;          /* "target_user" */
	char *target_password_file; /* "target_password_file" */
	int target_auth;            /* "target_auth": -1 = the command line's */
	size_t line;                /* 1-based line in the list */
};

/*
 * Pure: parse one line of a targets list.  Returns 1 with *t filled (owned
 * strings; fleet_target_free), 0 for a blank or '#' comment line, -1 with a
 * usage error naming the line and the cause.
 */
int fleet_parse_line(const char *line, size_t lineno, struct fleet_target *t, struct nlt_err *e);
void fleet_target_free(struct fleet_target *t);

/* What a finished target counts as, from its exit code and its verdict word (may be NULL). */
enum fleet_outcome { FLEET_OK = 0, FLEET_BROKEN, FLEET_UNKNOWN };
enum fleet_outcome fleet_outcome(int exit_code, const char *verdict);

/*
 * Pure: the fleet's exit status from the targets' exit codes: 0 when every
 * target exited 0; 1 when any target is broken (exit 1); otherwise the
 * smallest non-zero code among the targets (a usage or configuration problem
 * before a protocol one), so that nothing unchecked reads as success.
 */
int fleet_exit_code(const int *codes, size_t n);

/*
 * Pure: how long one target's run may take before it is stopped (plus a
 * grace of FLEET_GRACE_MS): --timeout for a check; for doctor --fix every
 * deadline its steps may start (each change and each re-verify gets a fresh
 * one; a rejoin adds the member's --join-timeout), so that no run is killed
 * in the middle of a change.
 */
uint64_t fleet_budget_ms(const struct nlt_req *req);

/*
 * Run req->cmd once per target of req->targets.  run_one runs one request
 * (ctx_init, the command, its JSON document) in the child and returns its
 * exit status.  Returns the fleet's exit status; before any target runs, a
 * bad list or option is an error in e and the return is -1.
 */
int fleet_run(const struct nlt_req *req, int (*run_one)(const struct nlt_req *req), struct nlt_err *e);

#endif
