/*
 * src/cli/cmd_computer.c - computer objects as an administrator:
 *   join               create this host's account (or --reuse it), keytab, journal
 *   leave              delete (or --disable) this host's account, keytab entries, journal
 *   reset-computer     set any computer's password to its default (or a given one)
 *   disable-computer   set ACCOUNTDISABLE on any computer
 *   delete-computer    delete any computer object (and what it contains)
 * Every change goes to one writable DC over sealed LDAP (admin.h); --dry-run
 * says what would change and changes nothing.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "adattr.h"
#include "admin.h"
#include "atomicfile.h"
#include "keys.h"
#include "machine.h"
#include "ktfile.h"
#include "output.h"
#include "rjoin.h"
#include "secret.h"
#include "state.h"

#define DEFAULT_KEYTAB "/etc/krb5.keytab"

/* "OU=Linux,DC=lab,DC=test" or a relative "OU=Linux" (the domain's DN is appended). */
static void container_dn(const struct admin_session *s, const char *ou, char *out, size_t len)
{
	if (!ou)
		snprintf(out, len, "CN=Computers,%.480s", s->ld.default_nc);
	else if (strcasestr(ou, s->ld.default_nc))
		nlt_strlcpy(out, ou, len);
	else
		snprintf(out, len, "%.200s,%.280s", ou, s->ld.default_nc);
}

/* Find NAME$; 0 found (dn and uac filled), 1 none, -1 error. */
static int find_computer(struct admin_session *s, const char *sam, char *dn, size_t dnlen, int64_t *uac,
			 struct nlt_err *e)
{
	static const char *const attrs[] = { "userAccountControl", NULL };
	struct nlt_ldap_entry en;
	char esc[80], filter[160];
	int r;

	nlt_ldap_filter_escape(sam, esc, sizeof(esc));
	snprintf(filter, sizeof(filter), "(&(objectClass=computer)(sAMAccountName=%s))", esc);
	r = nlt_ldap_search_one(&s->ld, s->ld.default_nc, LDAP_SCOPE_SUBTREE, filter, attrs, &en, e);
	if (r != 0)
		return r;
	nlt_strlcpy(dn, en.dn ? en.dn : "", dnlen);
	*uac = 0;
	(void)nlt_ldap_i64(&en, "userAccountControl", uac);
	nlt_ldap_entry_free(&en);
	return 0;
}

static int ldap_fail(struct admin_session *s, int rc, const char *what, const char *dn, struct nlt_err *e)
{
	char *diag = NULL;
	enum nlt_cat cat = rc == LDAP_INSUFFICIENT_ACCESS || rc == LDAP_STRONG_AUTH_REQUIRED ? NLT_EAUTH
			   : rc == LDAP_SERVER_DOWN || rc == LDAP_TIMEOUT ? NLT_ENODC
									 : NLT_EPROTO;

	char sd[201];

	(void)ldap_get_option(s->ld.ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag);
	/* the diagnostic text is the server's: escaped here, so JSON and every printer get it safe */
	nlt_seterr(e, cat, "%s %s on %s failed: %s%s%s", what, dn, s->ld.dc_name, ldap_err2string(rc),
		   diag && *diag ? ": " : "", out_safe(diag, sd, sizeof(sd)));
	ldap_memfree(diag);
	return -1;
}

/*
 * The result of a change, text or JSON.  action is the operation's name, the same word whether it ran or
 * was a dry run (create, reuse, reset, disable, enable, delete); changed says whether the directory was
 * written; text is the sentence's verb as it happened ("Disabled", "Would disable").
 */
static void report(const struct nlt_req *req, const struct admin_session *s, const char *action, const char *text,
		   const char *sam, const char *dn, int changed, const char *detail)
{
	if (req->json) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "action", json_object_new_string(action));
		json_object_object_add(o, "sam_account_name", json_object_new_string(sam));
		json_object_object_add(o, "dn", dn && *dn ? json_object_new_string(dn) : NULL);
		json_object_object_add(o, "dc", admin_dc_json(s));
		json_object_object_add(o, "skipped_dcs", admin_skipped_json(s));
		json_object_object_add(o, "dry_run", json_object_new_boolean(req->dry_run));
		json_object_object_add(o, "changed", json_object_new_boolean(changed));
		json_object_object_add(o, "detail", detail && *detail ? json_object_new_string(detail) : NULL);
		out_json_doc(o);
	} else if (!req->quiet) {
		/* the DN and the DC's name come from the directory: through out_safe() */
		char s1[OUT_SAFE_SIZE(128)], s2[OUT_SAFE_SIZE(600)], s3[OUT_SAFE_SIZE(256)], s4[OUT_SAFE_SIZE(600)];
		admin_print_skipped(s);
		printf("%s %s (%s) on %s%s%s\n", text, out_safe(sam, s1, sizeof(s1)),
		       dn && *dn ? out_safe(dn, s2, sizeof(s2)) : "-", out_safe(s->dc->info.dc_dns_name, s3, sizeof(s3)),
		       detail && *detail ? ": " : ".", out_safe(detail, s4, sizeof(s4)));
	}
}

/* ---- reset-computer / disable-computer / delete-computer -------------- */

enum admin_op { OP_RESET, OP_DISABLE, OP_ENABLE, OP_DELETE };

static int admin_op(struct nlt_ctx *ctx, enum admin_op op, struct nlt_err *e)
{
	static const char *const opname[] = { "reset-computer", "disable-computer", "enable-computer", "delete-computer" };
	const struct nlt_req *req = ctx->req;
	struct admin_session s;
	char sam[32], lower[32], dn[512], detail[300] = "";
	int64_t uac = 0;
	int r = -1, f;

	memset(&s, 0, sizeof(s));
	if (!req->target_name)
		return nlt_seterr(e, NLT_EUSAGE, "which computer? (nltrust %s NAME)", opname[op]);
	if (machine_account(req->target_name, MACHINE_SAM_MAX, sam, sizeof(sam), lower, sizeof(lower), e) < 0)
		return -1;
	if (admin_open(&s, ctx, e) < 0)
		goto out;
	f = find_computer(&s, sam, dn, sizeof(dn), &uac, e);
	if (f != 0) {
		if (f > 0)
			nlt_seterr(e, NLT_EPROBLEM, "no computer account %s in %s", sam, s.realm);
		goto out;
	}
	if (op == OP_DISABLE || op == OP_ENABLE) {
		/* enable-computer undoes disable-computer and nothing else: the password stays as it is */
		int64_t want = op == OP_DISABLE ? uac | UAC_ACCOUNTDISABLE : uac & ~(int64_t)UAC_ACCOUNTDISABLE;
		int change = want != uac;
		char val[24];
		char *vals[2] = { val, NULL };
		static char attr_uac[] = "userAccountControl";
		LDAPMod mod = { .mod_op = LDAP_MOD_REPLACE, .mod_type = attr_uac, .mod_values = vals };
		LDAPMod *mods[2] = { &mod, NULL };
		snprintf(val, sizeof(val), "%lld", (long long)want);
		if (!change)
			nlt_strlcpy(detail, op == OP_DISABLE ? "already disabled; nothing to change"
							     : "already enabled; nothing to change", sizeof(detail));
		else
			snprintf(detail, sizeof(detail), "userAccountControl 0x%llx -> 0x%llx", (unsigned long long)uac,
				 (unsigned long long)want);
		if (!req->dry_run && change) {
			int rc = ldap_modify_ext_s(s.ld.ld, dn, mods, NULL, NULL);
			if (rc != LDAP_SUCCESS) {
				ldap_fail(&s, rc, op == OP_DISABLE ? "disabling" : "enabling", dn, e);
				goto out;
			}
		}
		report(req, &s, op == OP_DISABLE ? "disable" : "enable",
		       !change ? "Left unchanged" : req->dry_run ? (op == OP_DISABLE ? "Would disable" : "Would enable")
		       : op == OP_DISABLE ? "Disabled" : "Enabled", sam, dn, change && !req->dry_run, detail);
	} else if (op == OP_DELETE) {
		/* the tree-delete control takes what the object holds (BitLocker keys, service connection points) */
		LDAPControl tree = { .ldctl_oid = (char *)(uintptr_t)LDAP_CONTROL_X_TREE_DELETE, .ldctl_iscritical = 1 };
		LDAPControl *ctrls[2] = { &tree, NULL };
		if (!req->dry_run) {
			int rc = ldap_delete_ext_s(s.ld.ld, dn, ctrls, NULL);
			if (rc != LDAP_SUCCESS) {
				ldap_fail(&s, rc, "deleting", dn, e);
				goto out;
			}
		}
		report(req, &s, "delete", req->dry_run ? "Would delete" : "Deleted", sam, dn, !req->dry_run,
		       req->dry_run ? "would delete the object and everything it contains" : "");
	} else {
		/* reset: the password an account gets from "Reset Account" (its name in lower case, at most 14
		 * characters), so the member can rejoin with it; or the first line of --new-password-file */
		struct secret np;
		struct berval *bv, *vals[2];
		static char attr_pwd[] = "unicodePwd";
		LDAPMod mod = { .mod_op = LDAP_MOD_REPLACE | LDAP_MOD_BVALUES, .mod_type = attr_pwd };
		LDAPMod *mods[2] = { &mod, NULL };
		int rc;
		memset(&np, 0, sizeof(np));
		if (req->new_password_file) {
			if (secret_from_file(&np, req->new_password_file, "new password", e) < 0)
				goto out;
		} else {
			nlt_strlcpy(np.buf, lower, 15);
			np.len = strlen(np.buf);
		}
		snprintf(detail, sizeof(detail), "%s %s", req->dry_run ? "would set the password to" : "password set to",
			 req->new_password_file ? "the one in the file given" : "the default (the computer name in lower case)");
		if (!req->dry_run) {
			bv = nlt_ldap_unicodepwd(np.buf);
			secret_free(&np);
			if (!bv) {
				nlt_seterr(e, NLT_EUSAGE, "reset-computer: the new password is not valid UTF-8");
				goto out;
			}
			vals[0] = bv;
			vals[1] = NULL;
			mod.mod_bvalues = vals;
			rc = ldap_modify_ext_s(s.ld.ld, dn, mods, NULL, NULL);
			nlt_ldap_unicodepwd_free(bv);
			if (rc != LDAP_SUCCESS) {
				ldap_fail(&s, rc, "resetting the password of", dn, e);
				goto out;
			}
		}
		secret_free(&np);
		report(req, &s, "reset", req->dry_run ? "Would reset" : "Reset", sam, dn, !req->dry_run, detail);
	}
	r = 0;
out:
	admin_close(&s);
	return r;
}

int cmd_reset_computer(struct nlt_ctx *ctx, struct nlt_err *e) { return admin_op(ctx, OP_RESET, e); }
int cmd_disable_computer(struct nlt_ctx *ctx, struct nlt_err *e) { return admin_op(ctx, OP_DISABLE, e); }
int cmd_enable_computer(struct nlt_ctx *ctx, struct nlt_err *e) { return admin_op(ctx, OP_ENABLE, e); }
int cmd_delete_computer(struct nlt_ctx *ctx, struct nlt_err *e) { return admin_op(ctx, OP_DELETE, e); }

/* ---- join --------------------------------------------------------------- */

int cmd_join(struct nlt_ctx *ctx, struct nlt_err *e)
{
	const struct nlt_req *req = ctx->req;
	struct admin_session s;
	struct state *st = NULL;
	struct state_rec rec;
	struct ktfile_summary kts;
	char sam[32], lower[32], fqdn[300], dn[600], cont[512], pw[KEYS_PASSWORD_LEN + 1], detail[600];
	const char *keytab = req->keytab ? req->keytab : DEFAULT_KEYTAB;
	static const int32_t et[] = { KEYS_ET_AES256, KEYS_ET_AES128 };
	int64_t uac = 0;
	uint32_t kvno = 0;
	int r = -1, f, exists;

	if (req->target)
		return cmd_remote_join(ctx, RJOIN_JOIN, e); /* a remote member: src/cli/cmd_rejoin.c */
	memset(&s, 0, sizeof(s));
	memset(&rec, 0, sizeof(rec));
	memset(pw, 0, sizeof(pw));
	if (machine_account(req->machine ? req->machine : req->target_name, MACHINE_NETBIOS_MAX, sam, sizeof(sam), lower,
			    sizeof(lower), e) < 0)
		return -1;
	if (geteuid() != 0 && !req->dry_run && (!req->state_dir || !req->keytab))
		return nlt_seterr(e, NLT_ECONFIG, "join writes %s and the journal in %s: run it as root (or give "
						  "--state-dir and -K paths you own)", keytab, NLT_STATE_DIR);
	if (admin_open(&s, ctx, e) < 0)
		goto out;
	snprintf(fqdn, sizeof(fqdn), "%s.%s", lower, s.dc->info.dns_domain);
	for (char *c = fqdn; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	f = find_computer(&s, sam, dn, sizeof(dn), &uac, e);
	if (f < 0)
		goto out;
	exists = f == 0;
	if (exists && !req->reuse) {
		nlt_seterr(e, NLT_EPROBLEM, "%s already exists (%s); give --reuse to take it over (its password is "
					    "reset: whoever uses it now loses it)", sam, dn);
		goto out;
	}
	if (!exists) {
		container_dn(&s, req->ou, cont, sizeof(cont));
		snprintf(dn, sizeof(dn), "CN=%s,%s", lower, cont);
		for (size_t i = 3; dn[i] && dn[i] != ','; i++)
			dn[i] = (char)toupper((unsigned char)dn[i]);
	}
	if (req->dry_run) {
		/* the conditional throughout: nothing has been done */
		snprintf(detail, sizeof(detail), "would %sset dNSHostName %.120s, SPNs HOST/ and RestrictedKrbHost/ and "
						 "AES enctypes, and write keytab %.120s",
			 !exists ? "" : (uac & UAC_ACCOUNTDISABLE) ? "re-enable it (it is disabled now), reset its password, "
								   : "reset its password, ",
			 fqdn, keytab);
		report(req, &s, exists ? "reuse" : "create", exists ? "Would take over" : "Would create", sam, dn, 0, detail);
		r = 0;
		goto out;
	}
	if (state_open(req->state_dir, s.realm, sam, STATE_CREATE, &st, e) != 0)
		goto out;
	if (keys_gen_password(keys_rng_system, NULL, KEYS_PASSWORD_LEN, pw, sizeof(pw), e) < 0 ||
	    state_rec_init(&rec, 0, (int64_t)time(NULL), s.dc->info.dc_dns_name, pw, strlen(pw), e) < 0)
		goto out;
	if (state_put_pending(st, &rec, e) < 0) {
		char why[320];
		nlt_strlcpy(why, e->msg, sizeof(why));
		nlt_seterr(e, e->cat, "%s (an earlier change is unfinished: run nltrust reset-password --admin to resolve it)",
			   why);
		goto out;
	}
	{
		char spn[4][320], *spnv[5], uacv[16], etv[8], *samv[2] = { sam, NULL }, *dnsv[2] = { fqdn, NULL };
		char *ocv[2], *uacvv[2] = { uacv, NULL }, *etvv[2] = { etv, NULL };
		static char a_oc[] = "objectClass", a_sam[] = "sAMAccountName", a_uac[] = "userAccountControl",
			    a_dns[] = "dNSHostName", a_spn[] = "servicePrincipalName",
			    a_et[] = "msDS-SupportedEncryptionTypes", a_pwd[] = "unicodePwd", v_computer[] = "computer";
		struct berval *bv = nlt_ldap_unicodepwd(pw), *pwv[2] = { bv, NULL };
		LDAPMod m_oc = { LDAP_MOD_ADD, a_oc, { ocv } }, m_sam = { LDAP_MOD_ADD, a_sam, { samv } },
			m_uac = { LDAP_MOD_ADD, a_uac, { uacvv } }, m_dns = { LDAP_MOD_ADD, a_dns, { dnsv } },
			m_spn = { LDAP_MOD_ADD, a_spn, { spnv } }, m_et = { LDAP_MOD_ADD, a_et, { etvv } },
			m_pwd = { LDAP_MOD_ADD | LDAP_MOD_BVALUES, a_pwd, { NULL } };
		LDAPMod *add[8] = { &m_oc, &m_sam, &m_uac, &m_dns, &m_spn, &m_et, &m_pwd, NULL };
		int rc;
		if (!bv) {
			nlt_seterr(e, NLT_EINTERNAL, "out of memory");
			goto out;
		}
		m_pwd.mod_bvalues = pwv;
		ocv[0] = v_computer;
		ocv[1] = NULL;
		snprintf(spn[0], sizeof(spn[0]), "HOST/%s", sam);
		spn[0][strlen(spn[0]) - 1] = '\0';
		snprintf(spn[1], sizeof(spn[1]), "HOST/%s", fqdn);
		snprintf(spn[2], sizeof(spn[2]), "RestrictedKrbHost/%s", sam);
		spn[2][strlen(spn[2]) - 1] = '\0';
		snprintf(spn[3], sizeof(spn[3]), "RestrictedKrbHost/%s", fqdn);
		for (int i = 0; i < 4; i++)
			spnv[i] = spn[i];
		spnv[4] = NULL;
		snprintf(uacv, sizeof(uacv), "%u", UAC_WORKSTATION_TRUST_ACCOUNT);
		snprintf(etv, sizeof(etv), "%u", 0x18u);
		if (!exists) {
			rc = ldap_add_ext_s(s.ld.ld, dn, add, NULL, NULL);
		} else {
			/* --reuse: new password, our attributes, enabled */
			LDAPMod r_uac = { LDAP_MOD_REPLACE, a_uac, { uacvv } }, r_dns = { LDAP_MOD_REPLACE, a_dns, { dnsv } },
				r_spn = { LDAP_MOD_REPLACE, a_spn, { spnv } }, r_et = { LDAP_MOD_REPLACE, a_et, { etvv } },
				r_pwd = { LDAP_MOD_REPLACE | LDAP_MOD_BVALUES, a_pwd, { NULL } };
			LDAPMod *mod[6] = { &r_pwd, &r_uac, &r_dns, &r_spn, &r_et, NULL };
			r_pwd.mod_bvalues = pwv;
			snprintf(uacv, sizeof(uacv), "%lld", (long long)((uac & ~(int64_t)UAC_ACCOUNTDISABLE) |
									  UAC_WORKSTATION_TRUST_ACCOUNT));
			rc = ldap_modify_ext_s(s.ld.ld, dn, mod, NULL, NULL);
		}
		nlt_ldap_unicodepwd_free(bv);
		if (rc != LDAP_SUCCESS) {
			struct nlt_err ign;
			if (nlt_ldap_refused(rc)) {
				(void)state_abort_pending(st, &ign);
				ldap_fail(&s, rc, exists ? "updating" : "creating", dn, e);
			} else {
				/* timeout, lost connection: the DC may have done it; the password stays journalled */
				char why[320];
				ldap_fail(&s, rc, exists ? "updating" : "creating", dn, e);
				nlt_strlcpy(why, e->msg, sizeof(why));
				nlt_seterr(e, e->cat, "%s; the DC may have applied it: the password stays journalled in %.150s "
						      "(nltrust verify --state-dir ... tells, join --reuse redoes it)",
					   why, state_path(st));
			}
			goto out;
		}
	}
	nlt_failpoint("join-after-dc-accepted");
	/* confirm, and learn the kvno, with an AS exchange on the same DC */
	{
		struct krb_as_result ar;
		if (krb_as_password(&s.k, sam, pw, 0, &ar, e) < 0)
			goto out;
		if (ar.verdict != KRBV_OK) {
			nlt_seterr(e, NLT_EPROTO, "%s on %s does not accept the password it was just given: %s "
						  "(journalled in %s)", sam, s.dc->info.dc_dns_name, ar.message, state_path(st));
			goto out;
		}
		kvno = ar.have_kvno ? ar.kvno : 1;
	}
	{
		struct ktfile_req kq = { keytab, s.realm, sam, fqdn, pw, kvno, et, 2 };
		if (ktfile_rewrite(s.k.kc, &kq, &kts, e) < 0)
			goto out;
	}
	if (state_commit(st, e) < 0)
		goto out;
	snprintf(detail, sizeof(detail), "%skvno %u, %zu keytab principal(s) in %s, journal %s",
		 exists && (uac & UAC_ACCOUNTDISABLE) ? "re-enabled, " : "", kvno, kts.n_principals, keytab, state_path(st));
	report(req, &s, exists ? "reuse" : "create", exists ? "Took over" : "Joined", sam, dn, 1, detail);
	r = 0;
out:
	nlt_wipe(pw, sizeof(pw));
	state_rec_wipe(&rec);
	state_close(st);
	admin_close(&s);
	return r;
}

/* ---- leave ---------------------------------------------------------------- */

int cmd_leave(struct nlt_ctx *ctx, struct nlt_err *e)
{
	const struct nlt_req *req = ctx->req;
	struct admin_session s;
	struct state *st = NULL;
	char sam[32], lower[32], dn[600] = "", detail[400];
	const char *keytab = req->keytab ? req->keytab : DEFAULT_KEYTAB;
	int64_t uac = 0;
	size_t removed = 0;
	int r = -1, f;

	if (req->target)
		return cmd_remote_join(ctx, RJOIN_LEAVE, e); /* a remote member: src/cli/cmd_rejoin.c */
	memset(&s, 0, sizeof(s));
	if (machine_account(req->machine ? req->machine : req->target_name, MACHINE_SAM_MAX, sam, sizeof(sam), lower,
			    sizeof(lower), e) < 0)
		return -1;
	if (admin_open(&s, ctx, e) < 0)
		goto out;
	f = find_computer(&s, sam, dn, sizeof(dn), &uac, e);
	if (f < 0)
		goto out;
	if (req->dry_run) {
		snprintf(detail, sizeof(detail), "%s; would remove its entries from %s and the journal",
			 f > 0 ? "no account in the directory" : req->disable ? "would disable the account"
											 : "would delete the account",
			 keytab);
		report(req, &s, req->disable ? "disable" : "delete", "Would leave", sam, dn, 0, detail);
		r = 0;
		goto out;
	}
	if (f == 0) {
		int rc;
		if (req->disable) {
			char val[24], *vals[2] = { val, NULL };
			static char attr_uac[] = "userAccountControl";
			LDAPMod mod = { .mod_op = LDAP_MOD_REPLACE, .mod_type = attr_uac, .mod_values = vals };
			LDAPMod *mods[2] = { &mod, NULL };
			snprintf(val, sizeof(val), "%lld", (long long)(uac | UAC_ACCOUNTDISABLE));
			rc = ldap_modify_ext_s(s.ld.ld, dn, mods, NULL, NULL);
		} else {
			LDAPControl tree = { .ldctl_oid = (char *)(uintptr_t)LDAP_CONTROL_X_TREE_DELETE, .ldctl_iscritical = 1 };
			LDAPControl *ctrls[2] = { &tree, NULL };
			rc = ldap_delete_ext_s(s.ld.ld, dn, ctrls, NULL);
		}
		if (rc != LDAP_SUCCESS) {
			ldap_fail(&s, rc, req->disable ? "disabling" : "deleting", dn, e);
			goto out;
		}
	}
	if (ktfile_remove_machine(keytab, s.realm, sam, &removed, e) < 0)
		goto out;
	f = state_open(req->state_dir, s.realm, sam, 0, &st, e);
	if (f < 0 || (f == 0 && state_remove(st, e) < 0))
		goto out;
	snprintf(detail, sizeof(detail), "%s; %zu keytab entr%s removed from %s; journal removed",
		 dn[0] ? (req->disable ? "account disabled" : "account deleted") : "no account in the directory", removed,
		 removed == 1 ? "y" : "ies", keytab);
	report(req, &s, req->disable ? "disable" : "delete", "Left", sam, dn, dn[0] != '\0', detail);
	r = 0;
out:
	state_close(st);
	admin_close(&s);
	return r;
}
