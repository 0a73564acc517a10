/*
 * src/cmd_reset_password.c - nltrust reset-password: give this host's
 * machine account a new random password, on one DC, crash-safely.
 *
 *   1. discover a writable KDC (or -S); pin Kerberos (and kpasswd) to it;
 *   2. open the state journal; if an earlier run left a pending password,
 *      probe pending/current/previous against the DC and finish or drop it;
 *   3. generate the password and journal it as pending (0600) BEFORE the DC
 *      is contacted;
 *   4. change it: as the machine (kpasswd change with a kadmin/changepw
 *      ticket from the keytab), or --admin (kpasswd set-password with the
 *      administrator's ticket), or --ldap (unicodePwd over sealed LDAP);
 *   5. confirm it independently: an AS exchange with the new password, which
 *      also tells the new kvno (a kpasswd reply that says "error" on success,
 *      as Windows Server 2025 sends, is overruled by this check);
 *   6. rewrite the keytab (temp file, fsync, rename), previous kvno kept;
 *   7. commit the journal (pending -> current -> previous).
 * A crash between any two steps is recovered by step 2 of the next run.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "admin.h"
#include "atomicfile.h"
#include "cmds.h"
#include "keys.h"
#include "krb.h"
#include "ktfile.h"
#include "locate.h"
#include "machine.h"
#include "netlogon.h"
#include "nrpc_crypto.h"
#include "rpc.h"
#include "output.h"
#include "state.h"
#include "xport.h"

#define DEFAULT_KEYTAB "/etc/krb5.keytab"

enum reset_mode { MODE_MACHINE, MODE_ADMIN, MODE_LDAP, MODE_NETLOGON };

static const char *mode_name(enum reset_mode m)
{
	return m == MODE_ADMIN ? "kpasswd set-password as the administrator"
	       : m == MODE_LDAP ? "unicodePwd over sealed LDAP"
	       : m == MODE_NETLOGON ? "NetrServerPasswordSet2 over the sealed Netlogon channel"
				    : "kpasswd change as the machine";
}

struct reset {
	char machine[64], realm[256], fqdn[300];
	const char *keytab;
	enum reset_mode mode;
	uint32_t old_kvno, new_kvno;
	int32_t et[8];
	size_t n_et;
	char recovered[400];
	struct ktfile_summary kts;
	uint64_t elapsed_us;
	char kpasswd_note[300];
	int outcome_unknown; /* the change request may have reached the DC without an answer we can trust */
	/* Netlogon: the DC's NetBIOS domain and name, and the current secret's NT hash */
	char netbios_domain[32];
	uint8_t nt_hash[16];
	int have_nt_hash;
	const char *dc_name;
	struct nlt_addr dc_addr;
};

/* The machine's newest kvno and its enctypes in the keytab (0 when none). */
static void keytab_view(krb5_context kc, const char *path, const char *machine, const char *realm, uint32_t *kvno,
			int32_t *et, size_t *n_et)
{
	char name[600];
	krb5_keytab kt;
	krb5_kt_cursor cur;
	krb5_keytab_entry ent;

	*kvno = 0;
	*n_et = 0;
	snprintf(name, sizeof(name), "FILE:%s", path);
	if (krb5_kt_resolve(kc, name, &kt) != 0)
		return;
	for (int pass = 0; pass < 2; pass++) {
		if (krb5_kt_start_seq_get(kc, kt, &cur) != 0)
			break;
		while (krb5_kt_next_entry(kc, kt, &ent, &cur) == 0) {
			int mine = machine_is_principal(kc, ent.principal, machine, realm);
			if (mine && pass == 0 && ent.vno > *kvno)
				*kvno = ent.vno;
			if (mine && pass == 1 && ent.vno == *kvno && *n_et < 8) {
				size_t k;
				for (k = 0; k < *n_et && et[k] != ent.key.enctype; k++)
					;
				if (k == *n_et)
					et[(*n_et)++] = ent.key.enctype;
			}
			krb5_free_keytab_entry_contents(kc, &ent);
		}
		krb5_kt_end_seq_get(kc, kt, &cur);
	}
	krb5_kt_close(kc, kt);
}

/* A MEMORY keytab with the machine's newest keys, for the kadmin/changepw ticket. */
static krb5_error_code changepw_creds(struct nlt_krb *k, const char *path, const char *machine, krb5_creds *creds)
{
	krb5_get_init_creds_opt *opt = NULL;
	krb5_principal p = NULL;
	krb5_keytab kt = NULL;
	krb5_error_code rc;
	char name[600];

	snprintf(name, sizeof(name), "FILE:%s", path);
	rc = krb5_kt_resolve(k->kc, name, &kt);
	if (!rc) {
		snprintf(name, sizeof(name), "%s@%s", machine, k->realm);
		rc = krb5_parse_name(k->kc, name, &p);
	}
	if (!rc)
		rc = krb5_get_init_creds_opt_alloc(k->kc, &opt);
	if (!rc) {
		krb5_get_init_creds_opt_set_tkt_life(opt, 300);
		krb5_get_init_creds_opt_set_forwardable(opt, 0);
		krb5_get_init_creds_opt_set_proxiable(opt, 0);
		rc = krb5_get_init_creds_keytab(k->kc, creds, p, kt, 0, "kadmin/changepw", opt);
	}
	if (opt)
		krb5_get_init_creds_opt_free(k->kc, opt);
	krb5_free_principal(k->kc, p);
	if (kt)
		krb5_kt_close(k->kc, kt);
	return rc;
}

static const char *kpasswd_result_str(int code)
{
	switch (code) {
	case 0: return "success";
	case 1: return "malformed request";
	case 2: return "hard error";
	case 3: return "authentication error";
	case 4: return "soft error (password policy)";
	case 5: return "access denied";
	case 6: return "bad version";
	case 7: return "initial flag needed";
	}
	return "unknown result";
}

/* Step 4.  0 when the DC says yes (or says something the confirmation step must judge), -1 otherwise. */
static int change_on_dc(struct reset *rs, struct nlt_krb *k, struct admin_session *as, const char *pw, struct nlt_err *e)
{
	krb5_data code_str = { 0 }, result_str = { 0 };
	krb5_error_code rc = 0;
	int result = 0;

	if (rs->mode == MODE_NETLOGON) {
		struct nl_result nr;
		struct nlt_err ne;
		nlt_clearerr(&ne);
		if (nl_password_set2(rs->dc_name, &rs->dc_addr, rs->netbios_domain, rs->machine, rs->nt_hash, pw,
				     k->deadline_ms, &nr, &ne) < 0) {
			if (nr.caps_checked && (!nr.pwset_done || nr.pwset_status == 0)) {
				/* the request may have reached the DC (no answer, or an answer whose authenticator
				 * does not verify): the AS exchange below decides, and the journal keeps it pending */
				snprintf(rs->kpasswd_note, sizeof(rs->kpasswd_note), "NetrServerPasswordSet2: %.200s", ne.msg);
				rs->outcome_unknown = 1;
				return 0;
			}
			*e = ne;
			return -1;
		}
		if (nr.verdict != NLV_OK)
			return nlt_seterr(e, nr.verdict == NLV_BAD_PASSWORD ? NLT_EPROBLEM : NLT_EPROTO,
					  "%s cannot open its Netlogon secure channel to %s (%s): %s", rs->machine, rs->dc_name,
					  nl_verdict_str(nr.verdict),
					  nr.verdict == NLV_BAD_PASSWORD ? "the trust is already broken; use --admin or --ldap"
									 : "see nltrust verify --method netlogon");
		if (nr.pwset_status)
			return nlt_seterr(e, NLT_EPROTO, "NetrServerPasswordSet2 on %s refused the new password: 0x%08x (%s)",
					  rs->dc_name, nr.pwset_status, rpc_status_str(nr.pwset_status));
		return 0;
	}
	if (rs->mode == MODE_LDAP) {
		struct berval *bv = nlt_ldap_unicodepwd(pw), *vals[2];
		LDAPMod mod, *mods[2];
		char filter[128], esc[80];
		struct nlt_ldap_entry en;
		int lr;
		if (!bv)
			return nlt_seterr(e, NLT_EINTERNAL, "out of memory");
		vals[0] = bv;
		vals[1] = NULL;
		mod.mod_op = LDAP_MOD_REPLACE | LDAP_MOD_BVALUES;
		{
			static char attr_unicodepwd[] = "unicodePwd";
			mod.mod_type = attr_unicodepwd;
		}
		mod.mod_bvalues = vals;
		mods[0] = &mod;
		mods[1] = NULL;
		nlt_ldap_filter_escape(rs->machine, esc, sizeof(esc));
		snprintf(filter, sizeof(filter), "(&(objectClass=computer)(sAMAccountName=%s))", esc);
		lr = nlt_ldap_search_one(&as->ld, as->ld.default_nc, LDAP_SCOPE_SUBTREE, filter,
					 (const char *const[]){ "1.1", NULL }, &en, e);
		if (lr != 0) {
			nlt_ldap_unicodepwd_free(bv);
			return lr > 0 ? nlt_seterr(e, NLT_EPROBLEM, "no computer account %s in %s", rs->machine, rs->realm) : -1;
		}
		lr = ldap_modify_ext_s(as->ld.ld, en.dn, mods, NULL, NULL);
		nlt_ldap_entry_free(&en);
		nlt_ldap_unicodepwd_free(bv);
		if (nlt_ldap_refused(lr))
			return nlt_seterr(e, lr == LDAP_INSUFFICIENT_ACCESS ? NLT_EAUTH : NLT_EPROTO,
					  "LDAP unicodePwd reset of %s on %s refused: %s", rs->machine, as->ld.dc_name,
					  ldap_err2string(lr));
		if (lr != LDAP_SUCCESS) {
			/* timeout, connection lost, a reply we could not read: the DC may have applied it */
			snprintf(rs->kpasswd_note, sizeof(rs->kpasswd_note), "LDAP unicodePwd modify on %.100s: %.100s",
				 as->ld.dc_name, ldap_err2string(lr));
			rs->outcome_unknown = 1;
		}
		return 0;
	}
	if (rs->mode == MODE_ADMIN) {
		krb5_ccache cc = NULL;
		krb5_principal target = NULL;
		char tn[400];
		snprintf(tn, sizeof(tn), "%s@%s", rs->machine, rs->realm);
		rc = krb5_cc_resolve(k->kc, k->ccache_name, &cc);
		if (!rc)
			rc = krb5_parse_name(k->kc, tn, &target);
		if (!rc)
			rc = krb5_set_password_using_ccache(k->kc, cc, pw, target, &result, &code_str, &result_str);
		krb5_free_principal(k->kc, target);
		if (cc)
			krb5_cc_close(k->kc, cc);
	} else {
		krb5_creds creds;
		memset(&creds, 0, sizeof(creds));
		rc = changepw_creds(k, rs->keytab, rs->machine, &creds);
		if (rc) {
			const char *m = krb5_get_error_message(k->kc, rc);
			enum krb_verdict v = krb_classify(rc);
			nlt_seterr(e, v == KRBV_UNREACHABLE ? NLT_ENODC : NLT_EPROBLEM,
				   "%s cannot log in with its keytab at %s (%s): %s", rs->machine, k->dc_name, m,
				   v == KRBV_BAD_PASSWORD ? "the trust is already broken; use --admin or --ldap with an administrator"
							 : krb_verdict_str(v));
			krb5_free_error_message(k->kc, m);
			return -1;
		}
		rc = krb5_change_password(k->kc, &creds, pw, &result, &code_str, &result_str);
		krb5_free_cred_contents(k->kc, &creds);
	}
	if (rc) {
		const char *m = krb5_get_error_message(k->kc, rc);
		rs->outcome_unknown = 1;
		/* the reply may be lost or mangled although the DC took the password: the AS check decides */
		snprintf(rs->kpasswd_note, sizeof(rs->kpasswd_note), "kpasswd to %s: %s", k->dc_addr, m);
		krb5_free_error_message(k->kc, m);
	} else if (result != 0) {
		snprintf(rs->kpasswd_note, sizeof(rs->kpasswd_note), "kpasswd to %s answered %d (%s)%s%.*s", k->dc_addr, result,
			 kpasswd_result_str(result), result_str.length ? ": " : "", (int)result_str.length,
			 result_str.data ? result_str.data : "");
	}
	krb5_free_data_contents(k->kc, &code_str);
	krb5_free_data_contents(k->kc, &result_str);
	if (rs->kpasswd_note[0])
		nlt_vlog("%s; confirming with an AS exchange", rs->kpasswd_note);
	return 0;
}

/* Does the DC accept this password for the machine?  1 yes (kvno set), 0 no, -1 cannot tell. */
static int dc_accepts(struct nlt_krb *k, const char *machine, const uint8_t *pw, size_t pw_len, uint32_t *kvno,
		      struct nlt_err *e)
{
	struct krb_as_result ar;
	char buf[STATE_PW_MAX + 1];

	if (pw_len > STATE_PW_MAX)
		return -1;
	memcpy(buf, pw, pw_len);
	buf[pw_len] = '\0';
	if (krb_as_password(k, machine, buf, 0, &ar, e) < 0) {
		nlt_wipe(buf, sizeof(buf));
		return -1;
	}
	nlt_wipe(buf, sizeof(buf));
	if (ar.verdict == KRBV_OK) {
		*kvno = ar.have_kvno ? ar.kvno : 0;
		return 1;
	}
	if (ar.verdict == KRBV_BAD_PASSWORD)
		return 0;
	nlt_seterr(e, ar.verdict == KRBV_UNREACHABLE ? NLT_ENODC : NLT_EPROBLEM, "checking a password of %s at %s: %s",
		   machine, k->dc_name, ar.message);
	return -1;
}

/* Step 2: an earlier run stopped after journalling.  Find which secret the DC has. */
static int recover(struct reset *rs, struct nlt_krb *k, struct state *st, struct nlt_err *e)
{
	struct state_rec pend;
	struct state_cands cands;
	int r, hit = -1;
	uint32_t kvno = 0;

	r = state_load(st, STATE_PENDING, &pend, e);
	if (r <= 0)
		return r;
	if (state_recovery_candidates(st, &cands, e) < 0) {
		state_rec_wipe(&pend);
		return -1;
	}
	for (size_t i = 0; i < cands.n && hit < 0; i++) {
		int a = dc_accepts(k, rs->machine, cands.rec[i].pw, cands.rec[i].pw_len, &kvno, e);
		if (a < 0) {
			state_cands_wipe(&cands);
			state_rec_wipe(&pend);
			return -1;
		}
		if (a > 0)
			hit = (int)i;
	}
	if (hit >= 0 && cands.slot[hit] == STATE_PENDING) {
		/* the DC took the pending password: finish what the earlier run began */
		char pw[STATE_PW_MAX + 1];
		struct ktfile_req kq = { rs->keytab, rs->realm, rs->machine, rs->fqdn, pw, kvno ? kvno : pend.kvno, rs->et, rs->n_et };
		memcpy(pw, pend.pw, pend.pw_len);
		pw[pend.pw_len] = '\0';
		r = ktfile_rewrite(k->kc, &kq, &rs->kts, e);
		nlt_wipe(pw, sizeof(pw));
		if (r == 0)
			r = state_commit(st, e);
		if (r == 0) {
			char tb[40];
			snprintf(rs->recovered, sizeof(rs->recovered),
				 "recovered an interrupted change: %s holds the password journalled %s (kvno %u); keytab "
				 "rewritten and the journal committed",
				 k->dc_name, nlt_iso8601(pend.created, tb, sizeof(tb)), kq.new_kvno);
			rs->old_kvno = kq.new_kvno;
		}
	} else if (hit >= 0) {
		/* the DC never got it: the pending password is dropped */
		r = state_abort_pending(st, e);
		if (r == 0)
			snprintf(rs->recovered, sizeof(rs->recovered),
				 "dropped a password journalled by an interrupted run: %s never received it", k->dc_name);
	} else {
		r = nlt_seterr(e, NLT_EPROBLEM,
			       "an interrupted change left a pending password, but %s accepts none of the %zu journalled "
			       "passwords: another DC may hold it (replication) or the account was reset elsewhere; "
			       "the journal in %s is kept", k->dc_name, cands.n, state_path(st));
	}
	state_cands_wipe(&cands);
	state_rec_wipe(&pend);
	if (rs->recovered[0])
		nlt_vlog("%s", rs->recovered);
	return r < 0 ? -1 : 1;
}

static void print_result(const struct reset *rs, const struct nlt_req *req, const char *dc, const char *dc_addr,
			 int dry)
{
	if (req->json) {
		struct json_object *o = json_object_new_object(), *a = json_object_new_array();
		json_object_object_add(o, "machine", json_object_new_string(rs->machine));
		json_object_object_add(o, "realm", json_object_new_string(rs->realm));
		json_object_object_add(o, "dc", json_object_new_string(dc));
		json_object_object_add(o, "address", json_object_new_string(dc_addr));
		json_object_object_add(o, "method", json_object_new_string(rs->mode == MODE_ADMIN ? "kpasswd-set"
									  : rs->mode == MODE_LDAP ? "ldap-unicodepwd"
									  : rs->mode == MODE_NETLOGON ? "netlogon-passwordset2"
												  : "kpasswd-change"));
		json_object_object_add(o, "dry_run", json_object_new_boolean(dry));
		json_object_object_add(o, "keytab", json_object_new_string(rs->keytab));
		json_object_object_add(o, "old_kvno", rs->old_kvno ? json_object_new_int64(rs->old_kvno) : NULL);
		json_object_object_add(o, "new_kvno", rs->new_kvno ? json_object_new_int64(rs->new_kvno) : NULL);
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
		out_json_print(o);
		json_object_put(o);
		return;
	}
	if (req->quiet)
		return;
	if (rs->recovered[0])
		printf("Recovery:  %s\n", rs->recovered);
	if (dry) {
		printf("Would reset the password of %s@%s on %s (%s) with %s,\n", rs->machine, rs->realm, dc, dc_addr,
		       mode_name(rs->mode));
		printf("confirm it with an AS exchange, and rewrite %s at kvno %u (keeping kvno %u).\n", rs->keytab,
		       rs->old_kvno + 1, rs->old_kvno);
		return;
	}
	printf("Reset the password of %s@%s on %s (%s) with %s.\n", rs->machine, rs->realm, dc, dc_addr, mode_name(rs->mode));
	if (rs->kpasswd_note[0])
		printf("Note:      %s; the AS exchange below is what counts.\n", rs->kpasswd_note);
	printf("Confirmed: %s accepts the new password (kvno %u).\n", dc, rs->new_kvno);
	printf("Keytab:    %s: %zu principal(s) x %zu enctype(s) at kvno %u", rs->keytab, rs->kts.n_principals, rs->n_et,
	       rs->new_kvno);
	if (rs->kts.prev_kvno)
		printf(", kvno %u kept", rs->kts.prev_kvno);
	printf("\n");
	for (size_t i = 0; i < rs->kts.n_principals && i < 8; i++)
		printf("           %s\n", rs->kts.principals[i]);
}

int cmd_reset_password(struct nlt_ctx *ctx, struct nlt_err *e)
{
	const struct nlt_req *req = ctx->req;
	struct reset *rs = calloc(1, sizeof(*rs));
	struct admin_session as;
	struct locate_result lres;
	const struct dc_cand *dc = NULL;
	struct nlt_krb *k = NULL;
	struct nlt_krb own;
	struct state *st = NULL;
	struct state_rec rec;
	char pw[KEYS_PASSWORD_LEN + 1], ab[64];
	int r = -1, have_own = 0, have_as = 0, have_lres = 0;
	uint64_t t0 = nlt_now_us();

	memset(&as, 0, sizeof(as));
	memset(&rec, 0, sizeof(rec));
	memset(pw, 0, sizeof(pw));
	if (!rs)
		return nlt_seterr(e, NLT_EINTERNAL, "out of memory");
	rs->mode = req->reset_ldap ? MODE_LDAP : req->reset_admin ? MODE_ADMIN : req->method == 2 ? MODE_NETLOGON : MODE_MACHINE;
	rs->keytab = req->keytab ? req->keytab : DEFAULT_KEYTAB;
	if (machine_account(req->machine, MACHINE_SAM_MAX, rs->machine, sizeof(rs->machine), NULL, 0, e) < 0)
		goto out;
	if (geteuid() != 0 && !req->state_dir && !req->dry_run) {
		nlt_seterr(e, NLT_ECONFIG, "reset-password writes %s and the journal in %s: run it as root (or give "
					   "--state-dir and -K paths you own)", rs->keytab, NLT_STATE_DIR);
		goto out;
	}
	if (rs->mode == MODE_ADMIN || rs->mode == MODE_LDAP) {
		have_as = 1; /* admin_close cleans up a half-open session too */
		if (admin_open(&as, ctx, e) < 0)
			goto out;
		k = &as.k;
		dc = as.dc;
		nlt_strlcpy(rs->realm, as.realm, sizeof(rs->realm));
	} else {
		struct locate_req lr = {
			.domain = ctx->domain[0] ? ctx->domain : NULL,
			.server = req->server,
			.site = req->site,
			.need_flags = req->server ? 0 : DS_WRITABLE_FLAG | DS_KDC_FLAG,
			.deadline_ms = ctx->deadline_ms,
		};
		if (!ctx->domain[0] && !req->server) {
			nlt_seterr(e, NLT_ECONFIG, "no domain given and none configured (give DOMAIN or -d)");
			goto out;
		}
		have_lres = 1;
		if (locate_dc(&lr, &ctx->rs, &lres, e) < 0)
			goto out;
		dc = &lres.cands[lres.chosen];
		nlt_strlcpy(rs->realm, dc->info.dns_domain[0] ? dc->info.dns_domain : ctx->domain, sizeof(rs->realm));
		for (char *c = rs->realm; *c; c++)
			*c = (char)toupper((unsigned char)*c);
		if (krb_open(&own, rs->realm, dc->info.dc_dns_name, &dc->addr, ctx->deadline_ms, e) < 0)
			goto out;
		have_own = 1;
		k = &own;
	}
	nlt_addr_str(&dc->addr, ab, sizeof(ab));
	{
		char lower[300];
		nlt_strlcpy(lower, rs->machine, sizeof(lower));
		lower[strlen(lower) - 1] = '\0';
		for (char *c = lower; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		snprintf(rs->fqdn, sizeof(rs->fqdn), "%.60s.%.200s", lower, dc->info.dns_domain);
	}
	keytab_view(k->kc, rs->keytab, rs->machine, rs->realm, &rs->old_kvno, rs->et, &rs->n_et);
	if (rs->n_et == 0) {
		static const int32_t def[] = { 18, 17, 23 };
		memcpy(rs->et, def, sizeof(def));
		rs->n_et = 3;
	}
	rs->dc_name = dc->info.dc_dns_name;
	rs->dc_addr = dc->addr;
	nlt_strlcpy(rs->netbios_domain, dc->info.netbios_domain, sizeof(rs->netbios_domain));
	if (rs->mode == MODE_NETLOGON) {
		/* the current secret's NT hash: the keytab's rc4-hmac key of the newest kvno, else the journal */
		rs->have_nt_hash = machine_nt_hash_keytab(k->kc, rs->keytab, rs->machine, rs->realm, rs->old_kvno, rs->nt_hash) == 0 ||
				   machine_nt_hash_journal(req->state_dir, rs->realm, rs->machine, STATE_CURRENT, rs->nt_hash) == 0;
		if (!rs->have_nt_hash) {
			nlt_seterr(e, NLT_ECONFIG, "--method netlogon needs %s's current NT hash: the keytab %s has no rc4-hmac key "
						   "and the journal no current password", rs->machine, rs->keytab);
			goto out;
		}
	}
	if ((rs->mode == MODE_MACHINE || rs->mode == MODE_NETLOGON) && rs->old_kvno == 0 && !rs->have_nt_hash) {
		nlt_seterr(e, NLT_ECONFIG, "the keytab %s has no key for %s@%s: the machine cannot change its own password; "
					   "use --admin or --ldap", rs->keytab, rs->machine, rs->realm);
		goto out;
	}
	if (req->dry_run) {
		print_result(rs, req, dc->info.dc_dns_name, ab, 1);
		r = 0;
		goto out;
	}
	/* kpasswd must be reachable before anything is journalled (MIT's kpasswd client has its own,
	 * long, timeouts): one TCP connect to port 464 under our deadline */
	if (rs->mode == MODE_MACHINE || rs->mode == MODE_ADMIN) {
		struct nlt_addr kp = dc->addr;
		int xst = XP_OK, fd;
		nlt_addr_set_port(&kp, 464);
		fd = xp_tcp_connect(&kp, ctx->deadline_ms, &xst);
		if (fd < 0) {
			nlt_seterr(e, NLT_ENODC, "kpasswd on %s (%s:464/tcp) is not reachable: %s; nothing was changed",
				   dc->info.dc_dns_name, ab, xp_status_str(xst));
			goto out;
		}
		xp_close(&fd);
	}
	/* 2: the journal, and whatever an earlier run left in it */
	if (state_open(req->state_dir, rs->realm, rs->machine, STATE_CREATE, &st, e) != 0)
		goto out;
	{
		int rr = recover(rs, k, st, e);
		if (rr < 0)
			goto out;
		/* a recovered change moved the current secret: the Netlogon method needs its NT hash */
		if (rr > 0 && rs->mode == MODE_NETLOGON && machine_nt_hash_journal(req->state_dir, rs->realm, rs->machine, STATE_CURRENT, rs->nt_hash) < 0 &&
		    machine_nt_hash_keytab(k->kc, rs->keytab, rs->machine, rs->realm, rs->old_kvno, rs->nt_hash) < 0) {
			nlt_seterr(e, NLT_ECONFIG, "after the recovery, %s's new NT hash is in neither the journal nor the keytab",
				   rs->machine);
			goto out;
		}
	}
	/* 3: a new password, journalled before the DC hears of it */
	if (keys_gen_password(keys_rng_system, NULL, KEYS_PASSWORD_LEN, pw, sizeof(pw), e) < 0)
		goto out;
	if (state_rec_init(&rec, rs->old_kvno + 1, (int64_t)time(NULL), dc->info.dc_dns_name, pw, strlen(pw), e) < 0 ||
	    state_put_pending(st, &rec, e) < 0)
		goto out;
	nlt_failpoint("reset-after-pending");
	/* 4 */
	nlt_vlog("asking %s (%s) to take the new password: %s", dc->info.dc_dns_name, ab, mode_name(rs->mode));
	{
		uint64_t tc = nlt_now_us();
		int cr = change_on_dc(rs, k, have_as ? &as : NULL, pw, e);
		nlt_vlog("%s answered in %.1f ms", dc->info.dc_dns_name, (nlt_now_us() - tc) / 1000.0);
		if (cr < 0) {
			/* nothing reached the DC, or it said no: the pending password is dropped */
			struct nlt_err ign;
			(void)state_abort_pending(st, &ign);
			goto out;
		}
	}
	nlt_failpoint("reset-after-dc-accepted");
	/* 5: the DC must accept the new password, whatever kpasswd said */
	{
		uint32_t kvno = 0;
		int a = dc_accepts(k, rs->machine, (const uint8_t *)pw, strlen(pw), &kvno, e);
		if (a < 0) {
			/* cannot tell: the journal keeps the pending password; the next run finds out */
			char why[300];
			nlt_strlcpy(why, e->msg, sizeof(why));
			nlt_seterr(e, e->cat, "cannot confirm the new password of %s on %s (%s); it is journalled in %s and "
					      "the next run will find out which password the DC has; the keytab is unchanged",
				   rs->machine, dc->info.dc_dns_name, why, state_path(st));
			goto out;
		}
		if (a == 0 && rs->outcome_unknown) {
			/* the DC may still apply a request it never answered: keep the password pending */
			nlt_seterr(e, NLT_EPROTO, "%s does not accept the new password of %s yet (%s); it stays journalled in %s "
						  "and the next run will find out which password the DC has; the keytab is unchanged",
				   dc->info.dc_dns_name, rs->machine, rs->kpasswd_note, state_path(st));
			goto out;
		}
		if (a == 0) {
			struct nlt_err ign;
			(void)state_abort_pending(st, &ign);
			nlt_seterr(e, NLT_EPROTO, "%s did not take the new password of %s%s%s; nothing was changed locally",
				   dc->info.dc_dns_name, rs->machine, rs->kpasswd_note[0] ? ": " : "", rs->kpasswd_note);
			goto out;
		}
		rs->new_kvno = kvno ? kvno : rs->old_kvno + 1;
	}
	/* 6, 7 */
	{
		struct ktfile_req kq = { rs->keytab, rs->realm, rs->machine, rs->fqdn, pw, rs->new_kvno, rs->et, rs->n_et };
		if (ktfile_rewrite(k->kc, &kq, &rs->kts, e) < 0)
			goto out;
	}
	nlt_failpoint("reset-after-keytab");
	if (state_commit(st, e) < 0)
		goto out;
	rs->elapsed_us = nlt_now_us() - t0;
	print_result(rs, req, dc->info.dc_dns_name, ab, 0);
	r = 0;
out:
	nlt_wipe(pw, sizeof(pw));
	nlt_wipe(rs->nt_hash, sizeof(rs->nt_hash));
	state_rec_wipe(&rec);
	state_close(st);
	if (have_as)
		admin_close(&as);
	if (have_own)
		krb_close(&own);
	if (have_lres)
		locate_result_free(&lres);
	free(rs);
	return r;
}
