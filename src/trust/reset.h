/*
 * src/trust/reset.h - the password reset of this host's machine account (reset-password's
 * machinery, src/trust/reset.c): journalled, changed on one DC, confirmed, keytab rewritten,
 * committed.  src/cli/cmd_reset_password.c prints through the hooks; doctor --fix runs it with
 * no hooks and reads the outcome.
 */
#ifndef NLT_RESET_H
#define NLT_RESET_H

#include <stdint.h>

#include "cmds.h"
#include "keys.h"
#include "krb.h"
#include "ktfile.h"
#include "locate.h"
#include "state.h"

enum reset_mode { MODE_MACHINE, MODE_ADMIN, MODE_LDAP, MODE_NETLOGON };
const char *reset_mode_name(enum reset_mode m);
/* --json "method": kpasswd-change, kpasswd-set, ldap-unicodepwd, netlogon-passwordset2 */
const char *reset_method_key(enum reset_mode m);

struct reset {
	char machine[64], realm[256], fqdn[300];
	const char *keytab;
	enum reset_mode mode;
	uint32_t old_kvno, new_kvno;
	int32_t et[8];
	size_t n_et;
	char recovered[700];
	struct ktfile_summary kts;
	uint64_t elapsed_us;
	char kpasswd_note[300];
	int kpw_fd; /* the kpasswd connection opened before anything is journalled, used by the change */
	enum state_dc_answer answer; /* what the DC said to the change request */
	/* the current secret, probed before anything changes (step 2b) */
	int have_cur_kvno;
	uint32_t cur_kvno;
	const char *cur_kvno_src; /* "as-rep" or "directory" */
	krb5_creds cp_creds;      /* as the machine: the kadmin/changepw ticket of the probe */
	int have_cp_creds;
	/* step 5b */
	uint32_t expected_kvno; /* from trusted sources only: the directory (sealed) + 1, or the keytab's + 1; 0 unknown */
	enum state_kvno_source kvno_src;
	char kvno_why[300];
	/* --dry-run: what the recovery would do, and the kvno the change would get */
	char plan[700];
	int recovery_would_finish;
	uint32_t predicted_kvno;
	const char *predicted_src;
	/* for the commands we suggest */
	const struct nlt_req *req;
	char domain[256];
	char next_cmd[600]; /* the last one suggested (--json: next_command) */
	/* Netlogon: the DC's NetBIOS domain and name, and the current secret's NT hash */
	char netbios_domain[32];
	uint8_t nt_hash[16];
	int have_nt_hash;
	const char *dc_name;
	struct nlt_addr dc_addr;
};

/* Printing is the command's: called on success (dry: a --dry-run) and on failure. */
struct reset_hooks {
	void (*result)(const struct reset *rs, const struct nlt_req *req, const struct dc_cand *dc, const char *dc_addr,
		       int dry);
	void (*failure)(const struct reset *rs, const struct nlt_req *req, struct state *st, const struct dc_cand *dc,
			const struct nlt_err *e);
};

/* What became of a run, for a caller that does not print it (doctor --fix). */
struct reset_outcome {
	int done;           /* changed, confirmed, keytab rewritten, journal committed (or the dry run ran) */
	int pending;        /* the journal still holds a pending password: the outcome is not known yet */
	uint32_t new_kvno;
	char dc[256];
	char next_cmd[600]; /* the command the run suggested last ("" when none) */
};

/*
 * reset-password as ctx->req asks (--admin, --ldap, --method netlogon, --dry-run): 0 or -1 with e.
 * h may be NULL (nothing printed); outc may be NULL.
 */
int reset_password_run(struct nlt_ctx *ctx, const struct reset_hooks *h, struct reset_outcome *outc, struct nlt_err *e);

#endif
