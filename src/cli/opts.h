/*
 * src/cli/opts.h - the one option table.  It drives getopt_long, --help, and
 * (through --help) the test that checks the man pages.
 */
#ifndef NLT_OPTS_H
#define NLT_OPTS_H

#include <stdint.h>

#include "err.h"

enum nlt_cmd { CMD_NONE = 0, CMD_DISCOVER, CMD_PING, CMD_VERIFY, CMD_SHOW_COMPUTER, CMD_RESET_PASSWORD,
	CMD_JOIN, CMD_LEAVE, CMD_RESET_COMPUTER, CMD_DISABLE_COMPUTER, CMD_ENABLE_COMPUTER, CMD_DELETE_COMPUTER,
	CMD_SHOW_TARGET,
	CMD_REPAIR,
	CMD_REJOIN,
	CMD_AUDIT,
	CMD_DOCTOR,
	CMD__COUNT };

/* What the command line asks for; filled by opts_parse(). */
struct nlt_req {
	enum nlt_cmd cmd;
	const char *domain;  /* -d or the positional DOMAIN */
	const char *target_name; /* the positional NAME of commands that act on a computer object */
	const char *server;  /* -S */
	const char *site;    /* --site */
	int json;
	int quiet;
	int timeout_ms;      /* --timeout, whole command */
	uint32_t need_flags; /* discover: --pdc --gc --kdc --writable --timeserv (DS_* bits) */
	int tcp_only;        /* discover: --tcp */
	int via_dc;          /* discover: --via-dc */
	const char *user;    /* -U: admin principal */
	const char *ccache;  /* -C NAME; "" = the default ccache */
	int stdin_password;  /* --stdin-password */
	const char *password_file; /* --password-file */
	const char *keytab;  /* -K */
	const char *machine; /* -m: account name (with or without '$') */
	const char *machine_password_file; /* verify: --machine-password-file */
	int reset_admin;     /* reset-password --admin */
	int reset_ldap;      /* reset-password --ldap */
	const char *state_dir; /* --state-dir */
	int dry_run;         /* --dry-run */
	const char *ou;      /* join --ou */
	int reuse;           /* join --reuse */
	int disable;         /* leave --disable */
	const char *new_password_file; /* reset-computer --new-password-file */
	int ldaps, starttls; /* --ldaps, --starttls */
	int method;          /* verify --method: 1 kerberos, 2 netlogon, 3 all */
	const char *ca_file; /* --ca-file */
	const char *target;  /* show-target HOST, discover --target HOST: a remote member */
	const char *target_user; /* --target-user: DOMAIN\\user, user@REALM, HOST\\user or .\\user */
	const char *target_password_file; /* --target-password-file */
	int target_stdin_password; /* --target-stdin-password */
	int target_auth;     /* --target-auth: 0 auto, 1 kerberos, 2 ntlm */
	const char *targets; /* --targets FILE|-: run the command once per target (src/cli/fleet.c) */
	int jobs;            /* --jobs N: targets at a time (0: the default) */
	int rotate;          /* repair --rotate: CHANGE_PASSWORD on a working channel */
	int join_timeout_ms; /* rejoin/join/leave --target: --join-timeout for the wkssvc call (0: the default) */
	int reboot;          /* rejoin/join/leave --target --reboot: InitiateSystemShutdownEx after the change */
	int reboot_delay_s;  /* --reboot-delay SECONDS (-1: the default) */
	int rejoin;          /* repair --target --rejoin: rejoin when the secret is gone */
	int stale_days;      /* audit --stale-days; -1 when not given */
	int ndjson;          /* audit --ndjson (implies json) */
	int fix;             /* doctor --fix */
	int help;            /* -h given: help printed, exit 0 */
	int version;
};

/* Parse argv; on a usage error returns -1 with e->cat == NLT_EUSAGE. */
int opts_parse(int argc, char **argv, struct nlt_req *req, struct nlt_err *e);
/* --help text for a command (CMD_NONE: the overview) to stdout. */
void opts_usage(enum nlt_cmd cmd);
const char *opts_cmd_name(enum nlt_cmd cmd);
/* The one-line summary of a command (the Commands: list of --help, the man pages' NAME lines). */
const char *opts_cmd_summary(enum nlt_cmd cmd);

#define NLT_DEFAULT_TIMEOUT_MS 10000

#endif
