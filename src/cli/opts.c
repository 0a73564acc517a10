/* src/cli/opts.c - option table, parsing and --help (see opts.h). */
#include "config.h"
#include "opts.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cldap.h"
#include "output.h"
#include "util.h"

/* Option ids beyond single characters. */
enum {
	OPT_SITE = 256, OPT_JSON, OPT_TIMEOUT, OPT_VERSION,
	OPT_PDC, OPT_GC, OPT_KDC, OPT_WRITABLE, OPT_TIMESERV, OPT_TCP,
	OPT_STDIN_PASSWORD, OPT_PASSWORD_FILE, OPT_MACHINE_PASSWORD_FILE,
	OPT_ADMIN, OPT_LDAP, OPT_STATE_DIR, OPT_DRY_RUN, OPT_OU, OPT_REUSE, OPT_DISABLE, OPT_NEW_PASSWORD_FILE,
	OPT_LDAPS, OPT_STARTTLS, OPT_CA_FILE, OPT_METHOD, OPT_VIA_DC,
	OPT_TARGET, OPT_TARGET_USER, OPT_TARGET_PASSWORD_FILE, OPT_TARGET_STDIN_PASSWORD, OPT_TARGET_AUTH,
	OPT_TARGETS, OPT_JOBS,
	OPT_ROTATE,
	OPT_JOIN_TIMEOUT, OPT_REBOOT, OPT_REBOOT_DELAY, OPT_REJOIN,
	OPT_STALE_DAYS, OPT_NDJSON,
	OPT_FIX,
};

#define SCOPE_GLOBAL 0u
#define ONLY(cmd) (1u << (cmd))
#define LDAPCMDS (ONLY(CMD_VERIFY) | ONLY(CMD_SHOW_COMPUTER) | CHANGERS)
#define FLEETCMDS (ONLY(CMD_SHOW_TARGET) | ONLY(CMD_VERIFY) | ONLY(CMD_DOCTOR))
#define TARGETCMDS (ONLY(CMD_SHOW_TARGET) | ONLY(CMD_DISCOVER) | ONLY(CMD_VERIFY) | ONLY(CMD_REPAIR) | RJOINCMDS | ONLY(CMD_DOCTOR))
#define RJOINCMDS (ONLY(CMD_REJOIN) | ONLY(CMD_JOIN) | ONLY(CMD_LEAVE))
#define CHANGERS (ONLY(CMD_RESET_PASSWORD) | ONLY(CMD_JOIN) | ONLY(CMD_LEAVE) | ONLY(CMD_RESET_COMPUTER) | \
		  ONLY(CMD_DISABLE_COMPUTER) | ONLY(CMD_ENABLE_COMPUTER) | ONLY(CMD_DELETE_COMPUTER) | \
		  ONLY(CMD_REJOIN))

/* The single source of truth: getopt_long, --help and the man-page check. */
static const struct nlt_optdef {
	const char *name;
	int id;          /* short letter or OPT_* */
	int has_arg;     /* no_argument / required_argument */
	const char *arg; /* metavariable for --help */
	unsigned scope;  /* SCOPE_GLOBAL, or ONLY(cmd) | ONLY(cmd2) ...: the commands that take it */
	const char *help;
} optdefs[] = {
	{ "domain", 'd', required_argument, "DOMAIN", SCOPE_GLOBAL, "DNS domain (default: krb5.conf default_realm, else the host's DNS domain)" },
	{ "server", 'S', required_argument, "DC", SCOPE_GLOBAL, "use this DC (name or address); skip discovery" },
	{ "site", OPT_SITE, required_argument, "SITE", SCOPE_GLOBAL, "prefer DCs of this AD site" },
	{ "user", 'U', required_argument, "PRINCIPAL", SCOPE_GLOBAL, "admin principal for directory reads and changes" },
	{ "ccache", 'C', optional_argument, "NAME", SCOPE_GLOBAL, "use an existing credential cache (default: $KRB5CCNAME)" },
	{ "stdin-password", OPT_STDIN_PASSWORD, no_argument, NULL, SCOPE_GLOBAL, "read the admin password from standard input (one line)" },
	{ "password-file", OPT_PASSWORD_FILE, required_argument, "FILE", SCOPE_GLOBAL, "read the admin password from FILE (first line; mode 0600)" },
	{ "keytab", 'K', required_argument, "FILE", SCOPE_GLOBAL, "machine keytab (default /etc/krb5.keytab)" },
	{ "machine", 'm', required_argument, "NAME", SCOPE_GLOBAL, "machine account (default: this host's short name)" },
	{ "json", OPT_JSON, no_argument, NULL, SCOPE_GLOBAL, "machine-readable output on stdout" },
	{ "timeout", OPT_TIMEOUT, required_argument, "SECONDS", SCOPE_GLOBAL, "overall deadline for the command (default 10)" },
	{ "verbose", 'v', no_argument, NULL, SCOPE_GLOBAL, "progress on stderr" },
	{ "quiet", 'q', no_argument, NULL, SCOPE_GLOBAL, "print nothing but errors; the exit status tells" },
	{ "help", 'h', no_argument, NULL, SCOPE_GLOBAL, "show help (nltrust COMMAND --help for a command)" },
	{ "version", 'V', no_argument, NULL, SCOPE_GLOBAL, "show the version, the build and the libraries it was built against" },
	{ "pdc", OPT_PDC, no_argument, NULL, ONLY(CMD_DISCOVER), "require the PDC emulator" },
	{ "gc", OPT_GC, no_argument, NULL, ONLY(CMD_DISCOVER), "require a global catalog" },
	{ "kdc", OPT_KDC, no_argument, NULL, ONLY(CMD_DISCOVER), "require a KDC" },
	{ "writable", OPT_WRITABLE, no_argument, NULL, ONLY(CMD_DISCOVER), "require a writable DC (not an RODC)" },
	{ "timeserv", OPT_TIMESERV, no_argument, NULL, ONLY(CMD_DISCOVER), "require a time server" },
	{ "tcp", OPT_TCP, no_argument, NULL, ONLY(CMD_DISCOVER), "LDAP ping over TCP 389 only (no UDP CLDAP)" },
	{ "via-dc", OPT_VIA_DC, no_argument, NULL, ONLY(CMD_DISCOVER), "also ask the chosen DC over Netlogon which DC it would choose" },
	{ "admin", OPT_ADMIN, no_argument, NULL, ONLY(CMD_RESET_PASSWORD), "set the password as the administrator (kpasswd set-password; -U or -C)" },
	{ "ldap", OPT_LDAP, no_argument, NULL, ONLY(CMD_RESET_PASSWORD), "set it as the administrator through unicodePwd over sealed LDAP" },
	{ "state-dir", OPT_STATE_DIR, required_argument, "DIR", ONLY(CMD_RESET_PASSWORD) | ONLY(CMD_JOIN) | ONLY(CMD_LEAVE) | ONLY(CMD_VERIFY), "journal directory (default " NLT_STATE_DIR ")" },
	{ "dry-run", OPT_DRY_RUN, no_argument, NULL, CHANGERS, "say what would change, change nothing" },
	{ "starttls", OPT_STARTTLS, no_argument, NULL, LDAPCMDS, "LDAP over StartTLS (certificate verified; GSSAPI bound to the channel)" },
	{ "ldaps", OPT_LDAPS, no_argument, NULL, LDAPCMDS, "LDAP over TLS on port 636 (certificate verified; GSSAPI bound to the channel)" },
	{ "ca-file", OPT_CA_FILE, required_argument, "FILE", LDAPCMDS, "CA certificates for --starttls/--ldaps (default: the system's)" },
	{ "ou", OPT_OU, required_argument, "DN", ONLY(CMD_JOIN), "create the account in this OU (default CN=Computers); with --target, the member joins into it (an existing account moves there)" },
	{ "ou", OPT_OU, required_argument, "DN", ONLY(CMD_REJOIN), "move the account to this OU (default: it stays where it is; a new one goes to CN=Computers)" },
	{ "reuse", OPT_REUSE, no_argument, NULL, ONLY(CMD_JOIN), "take over an existing account of that name (resets its password)" },
	{ "disable", OPT_DISABLE, no_argument, NULL, ONLY(CMD_LEAVE), "disable the account instead of deleting it (with --target: NetrUnjoinDomain2 ACCT_DELETE, which disables; without, the account is kept as it is)" },
	{ "disable", OPT_DISABLE, no_argument, NULL, ONLY(CMD_REJOIN), "if the member must leave before it joins again, disable the account on leaving (ACCT_DELETE)" },
	{ "new-password-file", OPT_NEW_PASSWORD_FILE, required_argument, "FILE", ONLY(CMD_RESET_COMPUTER), "set this password (first line of FILE) instead of the default" },
	{ "target", OPT_TARGET, required_argument, "HOST", ONLY(CMD_DISCOVER) | ONLY(CMD_VERIFY), "discover: ask the member HOST over SMB (\\PIPE\\netlogon) which DC it finds; verify: ask HOST to verify its secure channel (NetrLogonControl2Ex TC_QUERY, TC_VERIFY)" },
	{ "target", OPT_TARGET, required_argument, "HOST", RJOINCMDS, "the remote member to act on over SMB (\\PIPE\\wkssvc NetrJoinDomain2/NetrUnjoinDomain2), with its local administrator (--target-user HOST\\admin)" },
	{ "reboot", OPT_REBOOT, no_argument, NULL, RJOINCMDS | ONLY(CMD_REPAIR), "with --target: once the change is confirmed, ask the member to restart (InitiateSystemShutdownEx over \\PIPE\\InitShutdown), as a Windows member needs" },
	{ "reboot-delay", OPT_REBOOT_DELAY, required_argument, "SECONDS", RJOINCMDS | ONLY(CMD_REPAIR), "with --reboot: warn the member's users this long before it restarts (default 30, at most 600)" },
	{ "join-timeout", OPT_JOIN_TIMEOUT, required_argument, "SECONDS", RJOINCMDS, "with --target: deadline for the member's join or unjoin call alone (default 120; the command's own deadline bounds the rest)" },
	{ "target-user", OPT_TARGET_USER, required_argument, "USER", TARGETCMDS, "log on to the target as USER: DOMAIN\\user, user@REALM, or HOST\\user / .\\user for a local account (default: Kerberos from the ccache)" },
	{ "target-password-file", OPT_TARGET_PASSWORD_FILE, required_argument, "FILE", TARGETCMDS, "the target user's password (first line of FILE; mode 0600); default: ask on the terminal" },
	{ "target-stdin-password", OPT_TARGET_STDIN_PASSWORD, no_argument, NULL, TARGETCMDS, "read the target user's password from standard input (at most one secret comes from stdin)" },
	{ "targets", OPT_TARGETS, required_argument, "FILE", FLEETCMDS, "run for every host of FILE ('-': standard input; one host per line, or NDJSON objects with per-target options), a line per target as it finishes (NDJSON in JSON mode), then a summary" },
	{ "jobs", OPT_JOBS, required_argument, "N", FLEETCMDS, "with --targets: targets at a time (default 16, at most 256); the deadline applies to each target" },
	{ "target-auth", OPT_TARGET_AUTH, required_argument, "M", TARGETCMDS, "auto, kerberos or ntlm (default auto: NTLM for a local account or DOMAIN\\user, else Kerberos)" },
	/* two entries, one name: getopt sees one per command, --help the command's own text */
	{ "method", OPT_METHOD, required_argument, "M", ONLY(CMD_VERIFY), "kerberos, netlogon or all (default all: both checks, side by side)" },
	{ "method", OPT_METHOD, required_argument, "M", ONLY(CMD_RESET_PASSWORD), "kerberos (kpasswd as the machine, the default) or netlogon (NetrServerPasswordSet2)" },
	/* repair --target HOST [DOMAIN] (src/cli/cmd_repair.c) */
	{ "target", OPT_TARGET, required_argument, "HOST", ONLY(CMD_REPAIR), "the member (or DC) to repair, over SMB (\\PIPE\\netlogon); required" },
	{ "rejoin", OPT_REJOIN, no_argument, NULL, ONLY(CMD_REPAIR), "when the secret is gone (rejoin needed), rejoin the member at once (as nltrust rejoin --target does; needs -U and a password)" },
	{ "rotate", OPT_ROTATE, no_argument, NULL, ONLY(CMD_REPAIR), "when the channel works, ask the target to change its trust password (CHANGE_PASSWORD) and verify again" },
	{ "dry-run", OPT_DRY_RUN, no_argument, NULL, ONLY(CMD_REPAIR), "verify, then print the steps that would run; change nothing" },
	{ "ou", OPT_OU, required_argument, "DN", ONLY(CMD_AUDIT), "audit only the computer accounts under this DN (default: the whole domain)" },
	{ "stale-days", OPT_STALE_DAYS, required_argument, "N", ONLY(CMD_AUDIT), "a password older than N days is stale (default: the domain's GPO policy, MaximumPasswordAge read from SYSVOL, else 30)" },
	{ "ndjson", OPT_NDJSON, no_argument, NULL, ONLY(CMD_AUDIT), "one JSON line per account, then one line with the summary" },
	{ "machine-password-file", OPT_MACHINE_PASSWORD_FILE, required_argument, "FILE", ONLY(CMD_VERIFY), "test this machine password (first line of FILE) instead of the keytab; not with -K" },
	{ "fix", OPT_FIX, no_argument, NULL, ONLY(CMD_DOCTOR), "repair: rediscover, then rotate the password as the machine, then reset it as the administrator (-U/-C); with --target: repair --target's REDISCOVER, then a rejoin only with --allow-rejoin; stop at the first that heals" },
	{ "dry-run", OPT_DRY_RUN, no_argument, NULL, ONLY(CMD_DOCTOR), "with --fix: print the plan, change nothing" },
	{ "state-dir", OPT_STATE_DIR, required_argument, "DIR", ONLY(CMD_DOCTOR), "journal directory (default " NLT_STATE_DIR ")" },
	{ "target", OPT_TARGET, required_argument, "HOST", ONLY(CMD_DOCTOR), "the runbook for the remote member HOST over SMB: the DC it uses (DsrGetDcNameEx2), its channel (TC_VERIFY), the directory on every DC (-U/-C); with --fix, repair --target's steps" },
	{ "allow-rejoin", OPT_REJOIN, no_argument, NULL, ONLY(CMD_DOCTOR), "with --target --fix: when the member's secret is gone, rejoin it (as nltrust rejoin --target; needs -U and a password; never a DC or a trust)" },
};
#define N_OPTDEFS (sizeof(optdefs) / sizeof(optdefs[0]))

static const struct {
	const char *name;
	const char *args;
	const char *summary;
} cmds[CMD__COUNT] = {
	[CMD_NONE] = { "", "", "" },
	[CMD_DISCOVER] = { "discover", "[DOMAIN]", "find the domain controllers and choose one as DsGetDcName does" },
	[CMD_PING] = { "ping", "[DOMAIN]", "check every DC's ports, CLDAP, Kerberos and clock" },
	[CMD_VERIFY] = { "verify", "[DOMAIN]", "check this host's machine trust with Kerberos and Netlogon against one DC" },
	[CMD_RESET_PASSWORD] = { "reset-password", "[DOMAIN]", "give this host's machine account a new password, crash-safely" },
	[CMD_JOIN] = { "join", "[DOMAIN]", "create this host's computer account, keytab and journal" },
	[CMD_LEAVE] = { "leave", "[DOMAIN]", "delete (or disable) this host's account and remove its keytab entries" },
	[CMD_RESET_COMPUTER] = { "reset-computer", "NAME", "reset any computer's password (as Reset Account does)" },
	[CMD_DISABLE_COMPUTER] = { "disable-computer", "NAME", "disable any computer account" },
	[CMD_ENABLE_COMPUTER] = { "enable-computer", "NAME", "enable a disabled computer account (its password unchanged)" },
	[CMD_DELETE_COMPUTER] = { "delete-computer", "NAME", "delete any computer object" },
	[CMD_SHOW_COMPUTER] = { "show-computer", "NAME", "show a computer object as the directory has it, with findings" },
	[CMD_AUDIT] = { "audit", "[DOMAIN]", "audit every computer account of the domain or of an OU, with findings" },
	[CMD_SHOW_TARGET] = { "show-target", "HOST", "show what a remote member says about itself over SMB (name, domain, SID, OS)" },
	[CMD_REPAIR] = { "repair", "[DOMAIN]", "repair a remote member's secure channel over SMB, least invasive first" },
	[CMD_REJOIN] = { "rejoin", "[DOMAIN]", "rejoin a remote member to its domain over SMB, as its local administrator" },
	[CMD_DOCTOR] = { "doctor", "[DOMAIN]", "find the root cause of this host's broken trust; --fix repairs it" },
};

const char *opts_cmd_name(enum nlt_cmd cmd)
{
	return cmd > CMD_NONE && cmd < CMD__COUNT ? cmds[cmd].name : "nltrust";
}

static void opt_left(const struct nlt_optdef *o, char *left, size_t len)
{
	if (o->has_arg == optional_argument)
		snprintf(left, len, "-%c, --%s[=%s]", o->id, o->name, o->arg);
	else if (o->id < 256)
		snprintf(left, len, "-%c, --%s%s%s", o->id, o->name, o->arg ? " " : "", o->arg ? o->arg : "");
	else
		snprintf(left, len, "    --%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
}

static int opt_shown(const struct nlt_optdef *o, enum nlt_cmd cmd)
{
	return cmd == CMD__COUNT ? o->scope == SCOPE_GLOBAL : (o->scope & ONLY(cmd)) != 0;
}

#define HELP_WIDTH 100

/* the longest left part of the options --help shows for cmd (its own and the globals) */
static size_t opts_left_width(enum nlt_cmd cmd)
{
	char left[64];
	size_t w = 0;

	for (size_t i = 0; i < N_OPTDEFS; i++)
		if (opt_shown(&optdefs[i], CMD__COUNT) || (cmd != CMD_NONE && opt_shown(&optdefs[i], cmd))) {
			opt_left(&optdefs[i], left, sizeof(left));
			w = strlen(left) > w ? strlen(left) : w;
		}
	return w;
}

/* one section of options (CMD__COUNT: the globals), the help column at w + 4 */
static void print_opts(const char *title, enum nlt_cmd cmd, size_t w)
{
	char left[64];
	size_t i, n = 0;

	for (i = 0; i < N_OPTDEFS; i++)
		n += opt_shown(&optdefs[i], cmd);
	if (!n)
		return; /* no empty heading */
	printf("\n%s\n", title);
	for (i = 0; i < N_OPTDEFS; i++)
		if (opt_shown(&optdefs[i], cmd)) {
			opt_left(&optdefs[i], left, sizeof(left));
			printf("  %-*s  ", (int)w, left);
			out_wrap(stdout, optdefs[i].help, w + 4, w + 4, HELP_WIDTH);
		}
}

const char *opts_cmd_summary(enum nlt_cmd cmd)
{
	return cmd > CMD_NONE && cmd < CMD__COUNT ? cmds[cmd].summary : "find, verify and repair an Active Directory machine trust";
}

void opts_usage(enum nlt_cmd cmd)
{
	size_t i, w = 0;

	if (cmd == CMD_NONE) {
		printf("Usage: nltrust [OPTIONS] COMMAND [OPTIONS] [ARGS]\n\n"
		       "Find, verify and repair an Active Directory machine trust.\n\nCommands:\n");
		for (i = 1; i < CMD__COUNT; i++)
			w = strlen(cmds[i].name) > w ? strlen(cmds[i].name) : w;
		for (i = 1; i < CMD__COUNT; i++) {
			printf("  %-*s  ", (int)w, cmds[i].name);
			out_wrap(stdout, cmds[i].summary, w + 4, w + 4, HELP_WIDTH);
		}
	} else {
		printf("Usage: nltrust %s [OPTIONS] %s\n\n%c%s.\n", cmds[cmd].name, cmds[cmd].args,
		       toupper((unsigned char)cmds[cmd].summary[0]), cmds[cmd].summary + 1);
		print_opts("Command options:", cmd, opts_left_width(cmd));
	}
	print_opts("Global options:", CMD__COUNT, opts_left_width(cmd));
	printf("\nExit status: 0 ok, 1 problem found, 2 usage, 3 local config, 4 no DC, 5 auth, 6 protocol,\n"
	       "7 internal.\n"
	       "See nltrust(8)%s%s%s.\n", cmd ? " and nltrust-" : "", cmd ? cmds[cmd].name : "", cmd ? "(8)" : "");
}

/* Build getopt tables for the given scope: globals plus that command's options. */
static void build_tables(int scope, struct option *lo, char *so, size_t so_len)
{
	size_t i, n = 0, s = 0;

	so[s++] = '+'; /* stop at the first non-option: the command, or a positional */
	so[s++] = ':'; /* a missing value is ':', not '?' (an unknown option) */
	for (i = 0; i < N_OPTDEFS; i++) {
		if (optdefs[i].scope != SCOPE_GLOBAL && !(optdefs[i].scope & ONLY(scope)))
			continue;
		lo[n].name = optdefs[i].name;
		lo[n].has_arg = optdefs[i].has_arg;
		lo[n].flag = NULL;
		lo[n].val = optdefs[i].id;
		n++;
		if (optdefs[i].id < 256 && s + 3 < so_len) {
			so[s++] = (char)optdefs[i].id;
			if (optdefs[i].has_arg != no_argument)
				so[s++] = ':';
			if (optdefs[i].has_arg == optional_argument)
				so[s++] = ':';
		}
	}
	memset(&lo[n], 0, sizeof(lo[n]));
	so[s] = '\0';
}

static int apply(int id, const char *arg, struct nlt_req *req, struct nlt_err *e)
{
	char *end = NULL;
	double secs;

	switch (id) {
	case 'd': req->domain = arg; break;
	case 'S': req->server = arg; break;
	case OPT_SITE: req->site = arg; break;
	case OPT_JSON: req->json = 1; break;
	case 'v': nlt_verbose++; break;
	case 'q': req->quiet = 1; break;
	case 'h': req->help = 1; break;
	case 'V': req->version = 1; break;
	case OPT_TIMEOUT:
		secs = strtod(arg, &end);
		if (!end || *end || !(secs > 0) || secs > 3600)
			return nlt_seterr(e, NLT_EUSAGE, "--timeout: '%s' is not a number of seconds above 0 and at most 3600", arg);
		req->timeout_ms = (int)(secs * 1000);
		if (req->timeout_ms < 1)
			req->timeout_ms = 1;
		break;
	case OPT_PDC: req->need_flags |= DS_PDC_FLAG; break;
	case OPT_GC: req->need_flags |= DS_GC_FLAG; break;
	case OPT_KDC: req->need_flags |= DS_KDC_FLAG; break;
	case OPT_WRITABLE: req->need_flags |= DS_WRITABLE_FLAG; break;
	case OPT_TIMESERV: req->need_flags |= DS_TIMESERV_FLAG; break;
	case OPT_TCP: req->tcp_only = 1; break;
	case OPT_VIA_DC: req->via_dc = 1; break;
	case 'U': req->user = arg; break;
	case 'C': req->ccache = arg ? arg : ""; break;
	case OPT_STDIN_PASSWORD: req->stdin_password = 1; break;
	case OPT_PASSWORD_FILE: req->password_file = arg; break;
	case 'K': req->keytab = arg; break;
	case 'm': req->machine = arg; break;
	case OPT_MACHINE_PASSWORD_FILE: req->machine_password_file = arg; break;
	case OPT_ADMIN: req->reset_admin = 1; break;
	case OPT_LDAP: req->reset_ldap = 1; break;
	case OPT_STATE_DIR: req->state_dir = arg; break;
	case OPT_DRY_RUN: req->dry_run = 1; break;
	case OPT_FIX: req->fix = 1; break;
	case OPT_OU: req->ou = arg; break;
	case OPT_STARTTLS: req->starttls = 1; break;
	case OPT_LDAPS: req->ldaps = 1; break;
	case OPT_CA_FILE: req->ca_file = arg; break;
	case OPT_METHOD:
		if (strcmp(arg, "kerberos") == 0)
			req->method = 1;
		else if (strcmp(arg, "netlogon") == 0)
			req->method = 2;
		else if (strcmp(arg, "all") == 0)
			req->method = 3;
		else
			return nlt_seterr(e, NLT_EUSAGE, "--method: '%s' is not kerberos, netlogon or all", arg);
		break;
	case OPT_TARGET: req->target = arg; break;
	case OPT_TARGET_USER: req->target_user = arg; break;
	case OPT_TARGETS: req->targets = arg; break;
	case OPT_JOBS: {
		char *jend;
		long v = strtol(arg, &jend, 10);
		if (*arg == '\0' || *jend || v < 1 || v > 256)
			return nlt_seterr(e, NLT_EUSAGE, "--jobs: '%s' is not a number from 1 to 256", arg);
		req->jobs = (int)v;
		break;
	}
	case OPT_TARGET_PASSWORD_FILE: req->target_password_file = arg; break;
	case OPT_TARGET_STDIN_PASSWORD: req->target_stdin_password = 1; break;
	case OPT_TARGET_AUTH:
		if (strcmp(arg, "auto") == 0)
			req->target_auth = 0;
		else if (strcmp(arg, "kerberos") == 0)
			req->target_auth = 1;
		else if (strcmp(arg, "ntlm") == 0)
			req->target_auth = 2;
		else
			return nlt_seterr(e, NLT_EUSAGE, "--target-auth: '%s' is not auto, kerberos or ntlm", arg);
		break;
	case OPT_REBOOT: req->reboot = 1; break;
	case OPT_REJOIN: req->rejoin = 1; break;
	case OPT_REBOOT_DELAY: {
		char *rend;
		long v = strtol(arg, &rend, 10);
		if (*arg == '\0' || *rend || v < 0 || v > 600)
			return nlt_seterr(e, NLT_EUSAGE, "--reboot-delay: '%s' is not a number of seconds from 0 to 600", arg);
		req->reboot_delay_s = (int)v;
		break;
	}
	case OPT_JOIN_TIMEOUT:
		secs = strtod(arg, &end);
		if (!end || *end || !(secs > 0) || secs > 3600)
			return nlt_seterr(e, NLT_EUSAGE, "--join-timeout: '%s' is not a number of seconds above 0 and at most 3600", arg);
		req->join_timeout_ms = (int)(secs * 1000) > 0 ? (int)(secs * 1000) : 1;
		break;
	case OPT_REUSE: req->reuse = 1; break;
	case OPT_ROTATE: req->rotate = 1; break;
	case OPT_DISABLE: req->disable = 1; break;
	case OPT_NEW_PASSWORD_FILE: req->new_password_file = arg; break;
	case OPT_STALE_DAYS: {
		long d;
		errno = 0;
		d = strtol(arg, &end, 10);
		if (errno || !end || *end || end == arg || d < 0 || d > 100000)
			return nlt_seterr(e, NLT_EUSAGE, "--stale-days: '%s' is not a number of days from 0 to 100000", arg);
		req->stale_days = (int)d;
		break;
	}
	case OPT_NDJSON: req->ndjson = 1; req->json = 1; break;
	default:
		return nlt_seterr(e, NLT_EUSAGE, "unknown option (try --help)");
	}
	return 0;
}

/* One getopt pass over argv[*idx..]; leaves *idx at the first non-option. */
static int parse_pass(int argc, char **argv, int *idx, int scope, struct nlt_req *req, struct nlt_err *e)
{
	struct option lo[N_OPTDEFS + 1];
	char so[64];
	int c;

	build_tables(scope, lo, so, sizeof(so));
	optind = 0; /* full reset of glibc's getopt state */
	opterr = 0;
	/* getopt sees argv[*idx - 1] as the program name */
	while ((c = getopt_long(argc - (*idx - 1), argv + (*idx - 1), so, lo, NULL)) != -1) {
		if (c == '?' || c == ':') {
			const char *bad = argv[*idx - 1 + optind - 1];
			if (c == ':') {
				/* "--timeout" at the end of the line: name it and its value */
				const char *meta = "a value";
				for (size_t i = 0; i < N_OPTDEFS; i++)
					if (optdefs[i].id == optopt && optdefs[i].arg)
						meta = optdefs[i].arg;
				return nlt_seterr(e, NLT_EUSAGE, "%s needs a value (%s)", bad, meta);
			}
			return nlt_seterr(e, NLT_EUSAGE, "unknown option '%s' (try nltrust %s%s--help)", bad,
					  scope ? opts_cmd_name((enum nlt_cmd)scope) : "", scope ? " " : "");
		}
		if (apply(c, optarg, req, e) < 0)
			return -1;
	}
	*idx = *idx - 1 + optind;
	return 0;
}

int opts_parse(int argc, char **argv, struct nlt_req *req, struct nlt_err *e)
{
	int idx = 1, i;
	const char *positional = NULL;

	memset(req, 0, sizeof(*req));
	req->timeout_ms = NLT_DEFAULT_TIMEOUT_MS;
	req->reboot_delay_s = -1;
	req->stale_days = -1;
	if (parse_pass(argc, argv, &idx, SCOPE_GLOBAL, req, e) < 0)
		return -1;
	if (req->help || req->version)
		return 0;
	if (idx >= argc)
		return nlt_seterr(e, NLT_EUSAGE, "no command given (try --help)");
	for (i = 1; i < CMD__COUNT; i++)
		if (strcmp(argv[idx], cmds[i].name) == 0)
			req->cmd = (enum nlt_cmd)i;
	if (req->cmd == CMD_NONE)
		return nlt_seterr(e, NLT_EUSAGE, "unknown command '%s' (try --help)", argv[idx]);
	idx++;
	/* options and at most one positional, in any order */
	while (idx <= argc) {
		if (parse_pass(argc, argv, &idx, req->cmd, req, e) < 0)
			return -1;
		if (req->help)
			return 0;
		if (idx >= argc)
			break;
		if (positional)
			return nlt_seterr(e, NLT_EUSAGE, "unexpected argument '%s' (try nltrust %s --help)", argv[idx],
					  opts_cmd_name(req->cmd));
		positional = argv[idx++];
	}
	if (positional && strcmp(cmds[req->cmd].args, "NAME") == 0) {
		req->target_name = positional;
		positional = NULL;
	}
	if (positional && strcmp(cmds[req->cmd].args, "HOST") == 0) {
		req->target = positional;
		positional = NULL;
	}
	if (req->targets && req->target)
		return nlt_seterr(e, NLT_EUSAGE, "give --targets FILE or one target, not both");
	if (req->jobs && !req->targets)
		return nlt_seterr(e, NLT_EUSAGE, "--jobs goes with --targets");
	if (req->cmd == CMD_SHOW_TARGET && !req->target && !req->targets)
		return nlt_seterr(e, NLT_EUSAGE, "show-target needs the HOST to ask (try nltrust show-target --help)");
	if (positional) {
		if (req->domain && !nlt_name_eq(req->domain, positional))
			return nlt_seterr(e, NLT_EUSAGE, "domain given twice ('%s' and '%s')", req->domain, positional);
		req->domain = positional;
	}
	if (req->cmd == CMD_REPAIR && !req->target)
		return nlt_seterr(e, NLT_EUSAGE, "repair needs --target HOST, the member to repair (try nltrust repair --help)");
	if (req->tcp_only && req->cmd != CMD_DISCOVER)
		return nlt_seterr(e, NLT_EUSAGE, "--tcp applies to discover only");
	if ((req->stdin_password != 0) + (req->password_file != NULL) + (req->ccache != NULL) > 1)
		return nlt_seterr(e, NLT_EUSAGE, "give one of --stdin-password, --password-file and -C");
	if (req->stdin_password && req->target_stdin_password)
		return nlt_seterr(e, NLT_EUSAGE, "at most one secret from standard input: give --stdin-password or "
						 "--target-stdin-password, not both");
	if (req->target_stdin_password && req->target_password_file)
		return nlt_seterr(e, NLT_EUSAGE, "give --target-stdin-password or --target-password-file, not both");
	if ((req->target_stdin_password || req->target_password_file) && !req->target_user)
		return nlt_seterr(e, NLT_EUSAGE, "a target password needs --target-user");
	if ((req->target_user || req->target_auth) && !req->target && !req->targets)
		return nlt_seterr(e, NLT_EUSAGE, "--target-user and --target-auth go with --target HOST or --targets FILE");
	if (req->ldaps && req->starttls)
		return nlt_seterr(e, NLT_EUSAGE, "give --ldaps or --starttls, not both");
	if (req->ca_file && !req->ldaps && !req->starttls)
		return nlt_seterr(e, NLT_EUSAGE, "--ca-file goes with --starttls or --ldaps");
	if (req->cmd == CMD_RESET_PASSWORD && req->method == 3)
		return nlt_seterr(e, NLT_EUSAGE, "--method is kerberos or netlogon");
	if (req->cmd == CMD_DOCTOR && req->rejoin && (!req->fix || (!req->target && !req->targets)))
		return nlt_seterr(e, NLT_EUSAGE, "--allow-rejoin goes with --target HOST --fix (a rejoin is a remote member's last step)");
	if (req->cmd == CMD_DOCTOR && (req->target || req->targets) && (req->keytab || req->state_dir || req->machine))
		return nlt_seterr(e, NLT_EUSAGE, "doctor --target checks the member HOST: -K, --state-dir and -m are for this "
						 "host's own doctor");
	if (req->cmd == CMD_DOCTOR && req->dry_run && !req->fix)
		return nlt_seterr(e, NLT_EUSAGE, "--dry-run goes with --fix (doctor changes nothing without --fix)");
	if (req->cmd == CMD_RESET_PASSWORD && req->method == 2 && (req->reset_admin || req->reset_ldap))
		return nlt_seterr(e, NLT_EUSAGE, "--method netlogon changes the password as the machine; "
						 "it does not go with --admin or --ldap");
	if (req->reset_admin && req->reset_ldap)
		return nlt_seterr(e, NLT_EUSAGE, "give --admin or --ldap, not both");
	if (req->cmd == CMD_REJOIN && !req->target)
		return nlt_seterr(e, NLT_EUSAGE, "rejoin needs --target HOST: the member to rejoin (try nltrust rejoin --help)");
	if ((req->reboot || req->reboot_delay_s >= 0) && !req->target)
		return nlt_seterr(e, NLT_EUSAGE, "--reboot and --reboot-delay go with --target HOST");
	if (req->cmd == CMD_REPAIR && req->reboot && !req->rejoin)
		return nlt_seterr(e, NLT_EUSAGE, "repair --reboot goes with --rejoin: only a rejoin needs a restart");
	if (req->reboot_delay_s >= 0 && !req->reboot)
		return nlt_seterr(e, NLT_EUSAGE, "--reboot-delay goes with --reboot");
	if (req->join_timeout_ms && !req->target)
		return nlt_seterr(e, NLT_EUSAGE, "--join-timeout goes with --target HOST");
	if ((req->cmd == CMD_JOIN || req->cmd == CMD_LEAVE) && req->target &&
	    (req->keytab || req->state_dir || req->machine || req->reuse))
		return nlt_seterr(e, NLT_EUSAGE, "%s --target acts on the member HOST: -K, --state-dir, -m and --reuse are for "
						 "this host's own %s", opts_cmd_name(req->cmd), opts_cmd_name(req->cmd));
	if (req->machine_password_file && req->keytab)
		return nlt_seterr(e, NLT_EUSAGE, "give --machine-password-file or -K, not both: the one tests a password, the other a keytab");
	return 0;
}
