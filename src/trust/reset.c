/*
 * src/trust/reset.c - the machinery of nltrust reset-password (src/cli/cmd_reset_password.c
 * prints; doctor --fix runs it too): give this host's machine account a new random password, on one DC, crash-safely.
 *
 *   1. discover a writable KDC (or -S); pin Kerberos (and kpasswd) to it;
 *   2. open the state journal; if an earlier run left a pending password,
 *      probe pending/current/previous against the DC and finish or drop it;
 *   2b. probe the current secret: as the machine, the AS exchange that gets
 *      the kadmin/changepw ticket (or, for Netlogon, an AS exchange with the
 *      keytab); a broken trust stops here, before anything is journalled;
 *      as the administrator, msDS-KeyVersionNumber over sealed LDAP;
 *   3. generate the password and journal it as pending (0600) BEFORE the DC
 *      is contacted;
 *   4. change it: as the machine (kpasswd change with a kadmin/changepw
 *      ticket from the keytab), or --admin (kpasswd set-password with the
 *      administrator's ticket), or --ldap (unicodePwd over sealed LDAP);
 *   5. confirm it independently: an AS exchange with the new password, which
 *      also tells the new kvno (a kpasswd reply that says "error" on success,
 *      as Windows Server 2025 sends, is overruled by this check);
 *      a KRB-ERROR refusing a password the DC acknowledged keeps it pending
 *      (state_after_confirm());
 *   5b. settle the new kvno: the directory's (sealed LDAP) or the AS-REP's
 *      when it is the old kvno + 1 (state_pick_kvno()); otherwise it stays
 *      pending;
 *   6. rewrite the keytab (temp file, fsync, rename), previous kvno kept;
 *   7. commit the journal (pending -> current -> previous).
 * A crash between any two steps is recovered by step 2 of the next run.
 * --dry-run runs steps 1, 2 and 2b without writing anything (the recovery
 * only probes) and stops before step 3.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "admin.h"
#include "advice.h"
#include "atomicfile.h"
#include "cmds.h"
#include "keys.h"
#include "krb.h"
#include "krb/kpasswd.h"
#include "ktfile.h"
#include "locate.h"
#include "machine.h"
#include "netlogon.h"
#include "nrpc_crypto.h"
#include "rpc.h"
#include "output.h"
#include "reset.h"
#include "state.h"
#include "xport.h"

#define DEFAULT_KEYTAB "/etc/krb5.keytab"

#define DEFAULT_KEYTAB "/etc/krb5.keytab"

const char *reset_mode_name(enum reset_mode m)
{
	return m == MODE_ADMIN ? "kpasswd set-password as the administrator"
	       : m == MODE_LDAP ? "unicodePwd over sealed LDAP"
	       : m == MODE_NETLOGON ? "NetrServerPasswordSet2 over the sealed Netlogon channel"
				    : "kpasswd change as the machine";
}

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

	k->have_as_kvno = 0; /* our transport records the AS-REP's kvno: the current key's */
	snprintf(name, sizeof(name), "FILE:%s", path);
	rc = krb5_kt_resolve(k->kc, name, &kt);
	if (!rc) {
		snprintf(name, sizeof(name), "%s@%s", machine, k->realm);
		rc = krb5_parse_name(k->kc, name, &p);
	}
	if (!rc)
		rc = krb5_get_init_creds_opt_alloc(k->kc, &opt);
	if (!rc) {
		/* optimistic PA-ENC-TIMESTAMP (as src/krb/krb.c): no PREAUTH_REQUIRED round trip */
		static krb5_preauthtype pa[] = { KRB5_PADATA_ENC_TIMESTAMP };
		krb5_get_init_creds_opt_set_tkt_life(opt, 300);
		krb5_get_init_creds_opt_set_forwardable(opt, 0);
		krb5_get_init_creds_opt_set_proxiable(opt, 0);
		krb5_get_init_creds_opt_set_preauth_list(opt, pa, 1);
		rc = krb5_get_init_creds_keytab(k->kc, creds, p, kt, 0, "kadmin/changepw", opt);
	}
	if (opt)
		krb5_get_init_creds_opt_free(k->kc, opt);
	krb5_free_principal(k->kc, p);
	if (kt)
		krb5_kt_close(k->kc, kt);
	return rc;
}

/* Test hooks beside the crash points (NLT_FAILPOINT, atomicfile.h): these change behaviour instead of exiting. */
static int test_hook(const char *name)
{
#ifndef NLT_DISABLE_FAILPOINTS
	const char *fp = getenv("NLT_FAILPOINT");
	return fp && strcmp(fp, name) == 0;
#else
	(void)name;
	return 0;
#endif
}

/* The command an administrator runs when the machine cannot change its own password. */
static const char *admin_advice(struct reset *rs, char *buf, size_t len)
{
	advice_cmd(rs->req, "reset-password", "--admin", ADVICE_ADMIN, rs->domain, buf, len);
	nlt_strlcpy(rs->next_cmd, buf, sizeof(rs->next_cmd)); /* for --json */
	return buf;
}

/* This very command again, as it must be typed (to finish what this run left pending); server: another -S. */
static const char *rerun_advice(struct reset *rs, const char *server, char *buf, size_t len)
{
	struct nlt_req there = *rs->req;

	if (server)
		there.server = server;
	advice_cmd(&there, "reset-password",
		   rs->mode == MODE_ADMIN ? "--admin" : rs->mode == MODE_LDAP ? "--ldap"
		   : rs->mode == MODE_NETLOGON ? "--method netlogon" : NULL,
		   rs->mode == MODE_ADMIN || rs->mode == MODE_LDAP ? ADVICE_ADMIN : ADVICE_NO_ADMIN, rs->domain, buf, len);
	nlt_strlcpy(rs->next_cmd, buf, sizeof(rs->next_cmd)); /* for --json */
	return buf;
}

static const char *verify_advice(struct reset *rs, char *buf, size_t len)
{
	advice_cmd(rs->req, "verify", "--method netlogon", ADVICE_NO_ADMIN, rs->domain, buf, len);
	nlt_strlcpy(rs->next_cmd, buf, sizeof(rs->next_cmd));
	return buf;
}

static const char *again_advice(struct reset *rs, char *buf, size_t len)
{
	return rerun_advice(rs, NULL, buf, len);
}

/* Step 4.  0 when the DC says yes (or says something the confirmation step must judge), -1 otherwise. */
static int change_on_dc(struct reset *rs, struct nlt_krb *k, struct admin_session *as, const char *pw, struct nlt_err *e)
{
	char adv[600];

	rs->answer = STATE_DC_UNKNOWN; /* until the DC clearly says yes or no below */
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
				rs->answer = STATE_DC_UNKNOWN;
				return 0;
			}
			*e = ne;
			return -1;
		}
		if (nr.verdict != NLV_OK)
			return nlt_seterr(e, nr.verdict == NLV_BAD_PASSWORD ? NLT_EPROBLEM : NLT_EPROTO,
					  "%s cannot open its Netlogon secure channel to %s (%s): %s%s%s", rs->machine, rs->dc_name,
					  nl_verdict_str(nr.verdict),
					  nr.verdict == NLV_BAD_PASSWORD ? "the trust is already broken; as an administrator, run: `"
									 : "for details run: `",
					  nr.verdict == NLV_BAD_PASSWORD ? admin_advice(rs, adv, sizeof(adv))
									 : verify_advice(rs, adv, sizeof(adv)),
					  "`");
		if (nr.pwset_status)
			return nlt_seterr(e, NLT_EPROTO, "NetrServerPasswordSet2 on %s refused the new password: 0x%08x (%s)",
					  rs->dc_name, nr.pwset_status, rpc_status_str(nr.pwset_status));
		rs->answer = STATE_DC_ACKED; /* status 0 with a verified return authenticator */
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
		if (lr == LDAP_SUCCESS) {
			rs->answer = STATE_DC_ACKED;
		} else {
			/* timeout, connection lost, a reply we could not read: the DC may have applied it */
			snprintf(rs->kpasswd_note, sizeof(rs->kpasswd_note), "LDAP unicodePwd modify on %.100s: %.100s",
				 as->ld.dc_name, ldap_err2string(lr));
		}
		return 0;
	}
	{
		/* kpasswd over our own connection, under the deadline (src/krb/kpasswd.c) */
		struct kpw_outcome ko;
		krb5_creds *tk = NULL;
		char tn[400];
		int kr;
		if (rs->mode == MODE_ADMIN) {
			snprintf(tn, sizeof(tn), "%s@%s", rs->machine, rs->realm);
			if (kpw_changepw_ticket(k, &tk, e) < 0) {
				xp_close(&rs->kpw_fd);
				return -1; /* nothing was sent */
			}
			kr = kpw_change(k, &rs->kpw_fd, tk, pw, tn, &ko, e);
			krb5_free_creds(k->kc, tk);
		} else {
			/* the kadmin/changepw ticket came from the probe (step 2b) */
			kr = kpw_change(k, &rs->kpw_fd, &rs->cp_creds, pw, NULL, &ko, e);
		}
		if (kr < 0)
			return -1; /* nothing was sent */
		if (ko.answer == KPW_ANS_ACKED)
			rs->answer = STATE_DC_ACKED;
		else if (ko.answer == KPW_ANS_REFUSED)
			rs->answer = STATE_DC_NO;
		/* else timeout, drop, a KRB-ERROR (unauthenticated) or a reply that did not verify: the DC may
		 * have taken the password; the AS check decides, the journal keeps it pending (UNKNOWN) */
		if (ko.note[0])
			nlt_strlcpy(rs->kpasswd_note, ko.note, sizeof(rs->kpasswd_note));
	}
	if (rs->kpasswd_note[0])
		nlt_vlog("%s; confirming with an AS exchange", rs->kpasswd_note);
	return 0;
}

/*
 * Does the DC accept this password for the machine?  1 yes (kvno set, *have_kvno
 * says whether the AS-REP carried one), 0 no, -1 cannot tell.  store: keep the
 * TGT in the command's ccache (so the machine can then read its own object).
 */
static int dc_accepts(struct nlt_krb *k, const char *machine, const uint8_t *pw, size_t pw_len, int store,
		      int *have_kvno, uint32_t *kvno, char *why, size_t wlen, struct nlt_err *e)
{
	struct krb_as_result ar;
	char buf[STATE_PW_MAX + 1];

	if (pw_len > STATE_PW_MAX)
		return -1;
	memcpy(buf, pw, pw_len);
	buf[pw_len] = '\0';
	if (krb_as_password(k, machine, buf, store, &ar, e) < 0) {
		nlt_wipe(buf, sizeof(buf));
		return -1;
	}
	nlt_wipe(buf, sizeof(buf));
	if (why)
		nlt_strlcpy(why, ar.message, wlen);
	if (ar.verdict == KRBV_OK) {
		*have_kvno = ar.have_kvno;
		*kvno = ar.have_kvno ? ar.kvno : 0;
		return 1;
	}
	if (ar.verdict == KRBV_BAD_PASSWORD)
		return 0;
	nlt_seterr(e, ar.verdict == KRBV_UNREACHABLE ? NLT_ENODC : NLT_EPROBLEM, "checking a password of %s at %s: %s",
		   machine, k->dc_name, ar.message);
	return -1;
}

/*
 * The machine's msDS-KeyVersionNumber over sealed LDAP: through the
 * administrator's session when there is one, else bound as the machine with
 * the TGT dc_accepts(store=1) left in the ccache.  0 with *kvno, -1 with e.
 */
static int read_dir_kvno(struct reset *rs, struct nlt_krb *k, struct admin_session *as, uint32_t *kvno,
			 struct nlt_err *e)
{
	static const char *const attrs[] = { "msDS-KeyVersionNumber", NULL };
	struct nlt_ldap own, *ld = as ? &as->ld : &own;
	struct nlt_ldap_entry en;
	char filter[200], esc[100];
	int64_t v = 0;
	int r, have;

	if (!as) {
		snprintf(filter, sizeof(filter), "ldap/%.180s", rs->dc_name);
		if (krb_use_ccache(k, e) < 0 || krb_get_service_ticket(k, filter, e) < 0 ||
		    nlt_ldap_open(&own, rs->dc_name, &rs->dc_addr, rs->realm, k->deadline_ms, e) < 0)
			return -1;
	}
	nlt_ldap_filter_escape(rs->machine, esc, sizeof(esc));
	snprintf(filter, sizeof(filter), "(&(objectClass=computer)(sAMAccountName=%s))", esc);
	r = nlt_ldap_search_one(ld, ld->default_nc, LDAP_SCOPE_SUBTREE, filter, attrs, &en, e);
	if (r == 0) {
		have = nlt_ldap_i64(&en, "msDS-KeyVersionNumber", &v);
		nlt_ldap_entry_free(&en);
		if (!have || v <= 0 || v > UINT32_MAX)
			r = nlt_seterr(e, NLT_EPROTO, "%s on %s has no usable msDS-KeyVersionNumber", rs->machine, ld->dc_name);
	} else if (r > 0) {
		r = nlt_seterr(e, NLT_EPROBLEM, "no computer account %s under %s on %s", rs->machine, ld->default_nc,
			       ld->dc_name);
	}
	if (!as)
		nlt_ldap_close(&own);
	if (r < 0)
		return -1;
	*kvno = (uint32_t)v;
	return 0;
}

/*
 * Step 5b (and the recovery's equivalent): the kvno of the password the DC
 * just accepted.  The administrator's session reads the directory anyway; as
 * the machine, the directory is read only when the AS-REP's kvno is not the
 * expected one.  0 with rs->new_kvno, -1 with e (unconfirmed: nothing written).
 */
static int settle_kvno(struct reset *rs, struct nlt_krb *k, struct admin_session *as, uint32_t expected, int have_as,
		       uint32_t as_kvno, struct nlt_err *e)
{
	struct state_kvno_in in = { expected, have_as, as_kvno, 0, 0 };
	struct nlt_err de;
	uint32_t dk = 0;

	nlt_clearerr(&de);
	if (as && read_dir_kvno(rs, k, as, &dk, &de) == 0) {
		in.have_dir = 1;
		in.dir_kvno = dk;
	}
	rs->kvno_src = state_pick_kvno(&in, &rs->new_kvno, rs->kvno_why, sizeof(rs->kvno_why));
	if (rs->kvno_src == STATE_KVNO_UNCONFIRMED && !as) {
		nlt_vlog("%s; reading msDS-KeyVersionNumber as %s", rs->kvno_why, rs->machine);
		if (read_dir_kvno(rs, k, NULL, &dk, &de) == 0) {
			in.have_dir = 1;
			in.dir_kvno = dk;
			rs->kvno_src = state_pick_kvno(&in, &rs->new_kvno, rs->kvno_why, sizeof(rs->kvno_why));
		}
	}
	if (rs->kvno_src == STATE_KVNO_UNCONFIRMED)
		return nlt_seterr(e, NLT_EPROTO, "%s%s%.200s", rs->kvno_why, de.msg[0] ? "; the directory: " : "", de.msg);
	if (rs->kvno_src == STATE_KVNO_AS_CONSISTENT && rs->cur_kvno_src && strcmp(rs->cur_kvno_src, "directory") == 0 &&
	    expected == rs->cur_kvno + 1) {
		size_t n = strlen(rs->kvno_why);
		snprintf(rs->kvno_why + n, sizeof(rs->kvno_why) - n, " (the old kvno read from msDS-KeyVersionNumber)");
	}
	nlt_vlog("new kvno %u: %s", rs->new_kvno, rs->kvno_why);
	return 0;
}

/*
 * Step 2: an earlier run stopped after journalling.  Find which secret the DC
 * has.  dry: only probe, and describe in rs->plan what the real run would do.
 * 0 nothing pending, 1 dropped (or, dry, planned), 2 finished (the current
 * secret changed), -1 with e.
 */
static int recover(struct reset *rs, struct nlt_krb *k, struct admin_session *as, struct state *st, int dry,
		   struct nlt_err *e)
{
	struct state_rec pend;
	struct state_cands cands;
	int r, hit = -1, have_kvno = 0, finished = 0;
	uint32_t kvno = 0;
	char adv[600], tb[40];

	r = state_load(st, STATE_PENDING, &pend, e);
	if (r <= 0)
		return r;
	if (state_recovery_candidates(st, &cands, e) < 0) {
		state_rec_wipe(&pend);
		return -1;
	}
	for (size_t i = 0; i < cands.n && hit < 0; i++) {
		int a = dc_accepts(k, rs->machine, cands.rec[i].pw, cands.rec[i].pw_len, !as && !dry, &have_kvno, &kvno, NULL,
				   0, e);
		if (a < 0) {
			state_cands_wipe(&cands);
			state_rec_wipe(&pend);
			return -1;
		}
		if (a > 0)
			hit = (int)i;
	}
	nlt_iso8601(pend.created, tb, sizeof(tb));
	if (hit >= 0 && cands.slot[hit] == STATE_PENDING && dry) {
		char note[120] = "";
		if (!as && (!have_kvno || kvno != pend.kvno))
			snprintf(note, sizeof(note), ", not the journalled kvno %u: its kvno would be read from the directory",
				 pend.kvno);
		snprintf(rs->plan, sizeof(rs->plan),
			 "would first finish an interrupted change: %.200s holds the password journalled %s (AS-REP kvno %u%s); "
			 "the keytab would be rewritten and the journal committed", k->dc_name, tb, kvno, note);
		rs->recovery_would_finish = 1;
		rs->have_cur_kvno = have_kvno;
		rs->cur_kvno = kvno;
		rs->cur_kvno_src = "as-rep";
		r = 0;
	} else if (hit >= 0 && cands.slot[hit] == STATE_PENDING) {
		/* the DC took the pending password: finish what the earlier run began */
		char pw[STATE_PW_MAX + 1];
		struct ktfile_req kq = { rs->keytab, rs->realm, rs->machine, rs->fqdn, pw, 0, rs->et, rs->n_et };
		r = settle_kvno(rs, k, as, pend.kvno, have_kvno, kvno, e);
		if (r < 0) {
			char why[400];
			nlt_strlcpy(why, e->msg, sizeof(why));
			nlt_seterr(e, e->cat, "%s accepts the pending password of an interrupted change, but its kvno is not "
				   "confirmed (%.150s); journal kept, keytab unchanged; %s: `%s`", k->dc_name, why,
				   as ? "once the directory answers, run" : "as an administrator, run",
				   as ? again_advice(rs, adv, sizeof(adv)) : admin_advice(rs, adv, sizeof(adv)));
		} else {
			kq.new_kvno = rs->new_kvno;
			memcpy(pw, pend.pw, pend.pw_len);
			pw[pend.pw_len] = '\0';
			r = ktfile_rewrite(k->kc, &kq, &rs->kts, e);
			nlt_wipe(pw, sizeof(pw));
		}
		if (r == 0)
			r = state_commit(st, e);
		if (r == 0) {
			snprintf(rs->recovered, sizeof(rs->recovered),
				 "recovered an interrupted change: %.200s holds the password journalled %s (kvno %u, %s); keytab "
				 "rewritten and the journal committed",
				 k->dc_name, tb, kq.new_kvno, state_kvno_source_str(rs->kvno_src));
			rs->old_kvno = kq.new_kvno;
			rs->new_kvno = 0;
			finished = 1;
		}
	} else if (hit >= 0 && dry) {
		snprintf(rs->plan, sizeof(rs->plan),
			 "would first drop the password journalled %s by an interrupted run: %s holds the %s one", tb,
			 k->dc_name, state_slot_name(cands.slot[hit]));
		r = 0;
	} else if (hit >= 0) {
		/* the DC never got it: the pending password is dropped */
		r = state_abort_pending(st, e);
		if (r == 0 && strcasecmp(pend.source, k->dc_name) != 0 && strcasecmp(pend.source, k->dc_addr) != 0)
			snprintf(rs->recovered, sizeof(rs->recovered),
				 "dropped a password journalled by an interrupted run: %.200s holds the %s password; the "
				 "pending one was sent to %.200s, and if that DC took it, this run's newer password supersedes "
				 "it as replication converges", k->dc_name, state_slot_name(cands.slot[hit]), pend.source);
		else if (r == 0)
			snprintf(rs->recovered, sizeof(rs->recovered),
				 "dropped a password journalled by an interrupted run: %s never received it", k->dc_name);
	} else if (strcasecmp(pend.source, k->dc_name) != 0 && strcasecmp(pend.source, k->dc_addr) != 0) {
		/* the change went to another DC, which may not have replicated it yet: ask that one */
		r = nlt_seterr(e, NLT_EPROBLEM,
			       "an interrupted change left a pending password, but %s accepts none of the %zu journalled "
			       "passwords; it was set on %s (replication may lag): run `%s`; the journal is kept",
			       k->dc_name, cands.n, pend.source, rerun_advice(rs, pend.source, adv, sizeof(adv)));
		if (dry)
			snprintf(rs->plan, sizeof(rs->plan), "would stop: %s accepts none of the %zu journalled passwords",
				 k->dc_name, cands.n);
	} else {
		r = nlt_seterr(e, NLT_EPROBLEM,
			       "an interrupted change left a pending password, but %s accepts none of the %zu journalled "
			       "passwords: another DC may hold it (replication) or the account was reset elsewhere; "
			       "the journal in %s is kept", k->dc_name, cands.n, state_path(st));
		if (dry)
			snprintf(rs->plan, sizeof(rs->plan), "would stop: %s accepts none of the %zu journalled passwords",
				 k->dc_name, cands.n);
	}
	state_cands_wipe(&cands);
	state_rec_wipe(&pend);
	if (rs->recovered[0])
		nlt_vlog("%s", rs->recovered);
	if (rs->plan[0])
		nlt_vlog("recovery: %s", rs->plan);
	return r < 0 ? -1 : finished ? 2 : 1;
}

/*
 * An AS exchange as the machine with its current secret: the keytab's newest
 * key, else the journal's current password.  The TGT stays in the command's
 * ccache (for a directory read as the machine).  0 (ar says how) or -1.
 */
static int machine_as(struct reset *rs, struct nlt_krb *k, struct state *st, struct krb_as_result *ar, struct nlt_err *e)
{
	int r;

	if (rs->old_kvno) {
		char name[600];
		krb5_keytab kt = NULL;
		snprintf(name, sizeof(name), "FILE:%s", rs->keytab);
		if (krb5_kt_resolve(k->kc, name, &kt) != 0)
			return nlt_seterr(e, NLT_ECONFIG, "cannot open the keytab %s", rs->keytab);
		r = krb_as_keytab(k, rs->machine, kt, 1, ar, e);
		krb5_kt_close(k->kc, kt);
	} else {
		struct state_rec cur;
		char pw[STATE_PW_MAX + 1];
		if (!st || state_load(st, STATE_CURRENT, &cur, e) != 1)
			return nlt_seterr(e, NLT_ECONFIG, "the keytab %s has no key for %s and the journal no current password",
					  rs->keytab, rs->machine);
		memcpy(pw, cur.pw, cur.pw_len);
		pw[cur.pw_len] = '\0';
		state_rec_wipe(&cur);
		r = krb_as_password(k, rs->machine, pw, 1, ar, e);
		nlt_wipe(pw, sizeof(pw));
	}
	return r;
}

/*
 * As the machine, the new kvno is anchored on the keytab's (old + 1).  When
 * the DC's AS-REP names another kvno for the current key, that anchor is
 * wrong (a keytab written with a wrong kvno) or the reply was tampered with:
 * read msDS-KeyVersionNumber over sealed LDAP now, before anything changes,
 * so that the change never leaves a password the keytab cannot be settled for.
 */
static int anchor_kvno(struct reset *rs, struct nlt_krb *k, struct state *st, struct nlt_err *e)
{
	struct krb_as_result ar;
	struct nlt_err de;
	uint32_t dk = 0;

	if (!rs->have_cur_kvno || rs->cur_kvno == rs->old_kvno)
		return 0;
	nlt_clearerr(&de);
	nlt_vlog("the DC's AS-REP says kvno %u for the current key, the keytab %u: reading msDS-KeyVersionNumber",
		 rs->cur_kvno, rs->old_kvno);
	if (rs->mode == MODE_MACHINE && machine_as(rs, k, st, &ar, &de) == 0 && ar.verdict != KRBV_OK)
		nlt_seterr(&de, NLT_EPROBLEM, "AS exchange as %s: %s", rs->machine, ar.message);
	if (!de.msg[0] && read_dir_kvno(rs, k, NULL, &dk, &de) == 0) {
		nlt_vlog("msDS-KeyVersionNumber of %s: %u", rs->machine, dk);
		rs->cur_kvno = dk;
		rs->cur_kvno_src = "directory";
		return 0;
	}
	return nlt_seterr(e, de.cat ? de.cat : NLT_EPROTO,
			  "the keytab's kvno %u for %s is not the one %s names (%u), and msDS-KeyVersionNumber cannot be read "
			  "to settle the new kvno (%.150s); nothing was changed",
			  rs->old_kvno, rs->machine, k->dc_name, rs->cur_kvno, de.msg);
}

/*
 * Step 2b: probe the current secret the way the change will use it.  As the
 * machine, the AS exchange for the kadmin/changepw ticket (kept for the
 * change); for Netlogon, an AS exchange with the keytab (or the journal's
 * current password); as the administrator, msDS-KeyVersionNumber.  A broken
 * trust stops here, before anything is journalled.
 */
static int probe_current(struct reset *rs, struct nlt_krb *k, struct admin_session *as, struct state *st, int dry,
			 struct nlt_err *e)
{
	char adv[600];

	if (dry && rs->recovery_would_finish && !as)
		return 0; /* the recovery's AS exchange was the probe: the pending password would become current */
	if (as) {
		struct nlt_err de;
		nlt_clearerr(&de);
		if (read_dir_kvno(rs, k, as, &rs->cur_kvno, &de) == 0) {
			rs->have_cur_kvno = 1;
			rs->cur_kvno_src = "directory";
		} else {
			nlt_vlog("reading msDS-KeyVersionNumber before the change: %s", de.msg);
		}
		return 0;
	}
	if (rs->mode == MODE_MACHINE) {
		krb5_error_code rc;
		memset(&rs->cp_creds, 0, sizeof(rs->cp_creds));
		rc = changepw_creds(k, rs->keytab, rs->machine, &rs->cp_creds);
		if (rc) {
			const char *m = krb5_get_error_message(k->kc, rc);
			enum krb_verdict v = krb_classify(rc);
			if (v == KRBV_BAD_PASSWORD)
				nlt_seterr(e, NLT_EPROBLEM, "%s cannot log in with its keytab at %s (%s): the trust is already "
					   "broken and the machine cannot change its own password; as an administrator, run: `%s`",
					   rs->machine, k->dc_name, m, admin_advice(rs, adv, sizeof(adv)));
			else
				nlt_seterr(e, v == KRBV_UNREACHABLE ? NLT_ENODC : NLT_EPROBLEM,
					   "%s cannot log in with its keytab at %s (%s): %s", rs->machine, k->dc_name, m,
					   krb_verdict_str(v));
			krb5_free_error_message(k->kc, m);
			return -1;
		}
		rs->have_cp_creds = 1;
		rs->have_cur_kvno = k->have_as_kvno;
		rs->cur_kvno = k->as_kvno;
		rs->cur_kvno_src = "as-rep";
		return anchor_kvno(rs, k, st, e);
	}
	/* Netlogon: the same secret through Kerberos */
	{
		struct krb_as_result ar;
		if (machine_as(rs, k, st, &ar, e) < 0)
			return -1;
		if (ar.verdict == KRBV_BAD_PASSWORD)
			return nlt_seterr(e, NLT_EPROBLEM, "%s's current password is refused by %s (%s): the trust is already "
					  "broken and the machine cannot change its own password; as an administrator, run: `%s`",
					  rs->machine, k->dc_name, ar.message, admin_advice(rs, adv, sizeof(adv)));
		if (ar.verdict != KRBV_OK)
			return nlt_seterr(e, ar.verdict == KRBV_UNREACHABLE ? NLT_ENODC : NLT_EPROBLEM,
					  "checking %s's current password at %s: %s (%s)", rs->machine, k->dc_name,
					  krb_verdict_str(ar.verdict), ar.message);
		rs->have_cur_kvno = ar.have_kvno;
		rs->cur_kvno = ar.kvno;
		rs->cur_kvno_src = "as-rep";
	}
	return anchor_kvno(rs, k, st, e);
}

static void predict(struct reset *rs)
{
	if (rs->have_cur_kvno) {
		rs->predicted_kvno = rs->cur_kvno + 1;
		rs->predicted_src = strcmp(rs->cur_kvno_src, "directory") == 0 ? "msDS-KeyVersionNumber + 1"
				    : rs->recovery_would_finish ? "the AS-REP kvno of the recovered password + 1"
								: "the AS-REP kvno of the current key + 1";
	} else if (rs->old_kvno) {
		rs->predicted_kvno = rs->old_kvno + 1;
		rs->predicted_src = "the keytab's kvno + 1";
	}
}

const char *reset_method_key(enum reset_mode m)
{
	return m == MODE_ADMIN ? "kpasswd-set" : m == MODE_LDAP ? "ldap-unicodepwd"
		 : m == MODE_NETLOGON ? "netlogon-passwordset2" : "kpasswd-change";
}

/* What doctor --fix needs to know of a run: a pending password left in the journal, the DC, the kvno. */
static void reset_outcome_fill(struct reset_outcome *o, const struct reset *rs, struct state *st, const struct dc_cand *dc,
			       int r)
{
	struct state_rec pend;
	struct nlt_err ign;

	memset(o, 0, sizeof(*o));
	o->done = r == 0;
	o->new_kvno = rs->new_kvno;
	if (st && state_load(st, STATE_PENDING, &pend, &ign) == 1) {
		o->pending = 1;
		state_rec_wipe(&pend);
	}
	if (dc)
		nlt_strlcpy(o->dc, dc->info.dc_dns_name, sizeof(o->dc));
	nlt_strlcpy(o->next_cmd, rs->next_cmd, sizeof(o->next_cmd));
}

int reset_password_run(struct nlt_ctx *ctx, const struct reset_hooks *h, struct reset_outcome *outc, struct nlt_err *e)
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
	char pw[KEYS_PASSWORD_LEN + 1], ab[64], adv[600];
	int r = -1, have_own = 0, have_as = 0, have_lres = 0, dry = req->dry_run;
	uint64_t t0 = nlt_now_us();

	memset(&as, 0, sizeof(as));
	memset(&rec, 0, sizeof(rec));
	memset(pw, 0, sizeof(pw));
	if (!rs)
		return nlt_seterr(e, NLT_EINTERNAL, "out of memory");
	rs->req = req;
	rs->kpw_fd = -1;
	rs->mode = req->reset_ldap ? MODE_LDAP : req->reset_admin ? MODE_ADMIN : req->method == 2 ? MODE_NETLOGON : MODE_MACHINE;
	rs->keytab = req->keytab ? req->keytab : DEFAULT_KEYTAB;
	if (machine_account(req->machine, MACHINE_SAM_MAX, rs->machine, sizeof(rs->machine), NULL, 0, e) < 0)
		goto out;
	if (geteuid() != 0 && !req->state_dir) {
		/* a dry run predicts this run: the same user's real run would stop here */
		nlt_seterr(e, NLT_ECONFIG, "%sreset-password writes %s and the journal in %s: run it as root (or give "
					   "--state-dir and -K paths you own)", dry ? "--dry-run: the real run would refuse: " : "",
			   rs->keytab, NLT_STATE_DIR);
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
	nlt_strlcpy(rs->domain, ctx->domain[0] ? ctx->domain : dc->info.dns_domain, sizeof(rs->domain));
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
						   "and the journal no current password; as an administrator, run: `%s`",
				   rs->machine, rs->keytab, admin_advice(rs, adv, sizeof(adv)));
			goto out;
		}
	}
	if ((rs->mode == MODE_MACHINE || rs->mode == MODE_NETLOGON) && rs->old_kvno == 0 && !rs->have_nt_hash) {
		nlt_seterr(e, NLT_ECONFIG, "the keytab %s has no key for %s@%s: the machine cannot change its own password; "
					   "as an administrator, run: `%s`", rs->keytab, rs->machine, rs->realm,
			   admin_advice(rs, adv, sizeof(adv)));
		goto out;
	}
	/* kpasswd must be reachable before anything is journalled: its connection is made now, under the
	 * deadline, and the change (step 4) is sent over it */
	if (rs->mode == MODE_MACHINE || rs->mode == MODE_ADMIN) {
		/* started now, finished after the probe (step 2b): the handshake overlaps the AS exchange */
		if (kpw_connect_start(k, &dc->addr, &rs->kpw_fd, e) < 0) {
			char w2[400];
			nlt_strlcpy(w2, e->msg, sizeof(w2));
			nlt_seterr(e, NLT_ENODC, "%s; nothing was changed", w2);
			goto out;
		}
	}
	/* 2: the journal, and whatever an earlier run left in it (a dry run only looks) */
	{
		int so = state_open(req->state_dir, rs->realm, rs->machine, dry ? STATE_LOOK : STATE_CREATE, &st, e);
		if (so < 0)
			goto out;
		if (so > 0)
			st = NULL; /* dry run, no journal yet: nothing to recover */
	}
	if (st) {
		int rr = recover(rs, k, have_as ? &as : NULL, st, dry, e);
		if (rr < 0) {
			if (dry) {
				char why[400];
				nlt_strlcpy(why, e->msg, sizeof(why));
				nlt_seterr(e, e->cat, "--dry-run: the real run would stop: %s", why);
			}
			goto out;
		}
		/* a recovered change moved the current secret: the Netlogon method needs its NT hash */
		if (rr == 2 && !dry && rs->mode == MODE_NETLOGON && machine_nt_hash_state(st, STATE_CURRENT, rs->nt_hash) < 0 &&
		    machine_nt_hash_keytab(k->kc, rs->keytab, rs->machine, rs->realm, rs->old_kvno, rs->nt_hash) < 0) {
			nlt_seterr(e, NLT_ECONFIG, "after the recovery, %s's new NT hash is in neither the journal nor the keytab",
				   rs->machine);
			goto out;
		}
	}
	/* 2b: the current secret, probed as the change will use it */
	if (probe_current(rs, k, have_as ? &as : NULL, st, dry, e) < 0) {
		if (dry) {
			char why[600];
			nlt_strlcpy(why, e->msg, sizeof(why));
			nlt_seterr(e, e->cat, "--dry-run: the real run would refuse: %s", why);
		}
		goto out;
	}
	if (rs->kpw_fd >= 0) {
		/* kpasswd reachable before anything is journalled */
		if (kpw_connect_finish(k, &dc->addr, &rs->kpw_fd, e) < 0) {
			char w2[400];
			nlt_strlcpy(w2, e->msg, sizeof(w2));
			nlt_seterr(e, NLT_ENODC, "%s%s; nothing was changed", dry ? "--dry-run: the real run would stop: " : "",
				   w2);
			goto out;
		}
		if (dry)
			xp_close(&rs->kpw_fd);
	}
	if (dry) {
		predict(rs);
		rs->elapsed_us = nlt_now_us() - t0;
		if (h && h->result)
			h->result(rs, req, dc, ab, 1);
		r = 0;
		goto out;
	}
	/* 3: a new password, journalled before the DC hears of it */
	if (keys_gen_password(keys_rng_system, NULL, KEYS_PASSWORD_LEN, pw, sizeof(pw), e) < 0)
		goto out;
	rs->expected_kvno = rs->have_cur_kvno && strcmp(rs->cur_kvno_src, "directory") == 0 ? rs->cur_kvno + 1
			    : rs->old_kvno ? rs->old_kvno + 1 : 0;
	if (state_rec_init(&rec, rs->expected_kvno, (int64_t)time(NULL), dc->info.dc_dns_name, pw, strlen(pw), e) < 0 ||
	    state_put_pending(st, &rec, e) < 0)
		goto out;
	nlt_failpoint("reset-after-pending");
	/* 4 */
	nlt_vlog("asking %s (%s) to take the new password: %s", dc->info.dc_dns_name, ab, reset_mode_name(rs->mode));
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
		int have_kvno = 0, a;
		char why[256] = "";
		if (test_hook("reset-confirm-wrong-key")) {
			/* test hook: confirm with a password the DC does not hold, as a forged KRB-ERROR would look */
			char bad[KEYS_PASSWORD_LEN + 1];
			nlt_strlcpy(bad, pw, sizeof(bad));
			bad[0] = bad[0] == 'x' ? 'y' : 'x';
			a = dc_accepts(k, rs->machine, (const uint8_t *)bad, strlen(bad), !have_as, &have_kvno, &kvno, why,
				       sizeof(why), e);
			nlt_wipe(bad, sizeof(bad));
		} else {
			a = dc_accepts(k, rs->machine, (const uint8_t *)pw, strlen(pw), !have_as, &have_kvno, &kvno, why,
				       sizeof(why), e);
		}
		switch (a < 0 ? STATE_ACT_KEEP : state_after_confirm(rs->answer, a)) {
		case STATE_ACT_COMMIT:
			break;
		case STATE_ACT_DROP: {
			struct nlt_err ign;
			(void)state_abort_pending(st, &ign);
			nlt_seterr(e, NLT_EPROTO, "%s did not take the new password of %s%s%s; nothing was changed locally",
				   dc->info.dc_dns_name, rs->machine, rs->kpasswd_note[0] ? ": " : "", rs->kpasswd_note);
			goto out;
		}
		case STATE_ACT_KEEP:
			if (a < 0) {
				/* cannot tell: the journal keeps the pending password; the next run finds out */
				char w2[300];
				nlt_strlcpy(w2, e->msg, sizeof(w2));
				nlt_seterr(e, e->cat, "cannot confirm the new password of %s on %s (%.150s); it is kept pending, "
						      "the keytab is unchanged; run `%s` to finish it",
					   rs->machine, dc->info.dc_dns_name, w2, again_advice(rs, adv, sizeof(adv)));
			} else if (rs->answer == STATE_DC_ACKED) {
				/* a KRB-ERROR is unauthenticated (forgeable), and another DC may lag: never drop what the
				 * DC acknowledged */
				nlt_seterr(e, NLT_EPROTO, "%s acknowledged the new password of %s, but the confirming AS exchange "
							  "on %s refused it (%.80s); the new password is kept pending, the keytab is "
							  "unchanged; run `%s` again to finish it",
					   dc->info.dc_dns_name, rs->machine, k->dc_name, why, again_advice(rs, adv, sizeof(adv)));
			} else {
				/* the DC may still apply a request it never answered: keep the password pending */
				nlt_seterr(e, NLT_EPROTO, "%s does not accept the new password of %s yet (%.150s); it is kept "
							  "pending, the keytab is unchanged; run `%s` again to finish it",
					   dc->info.dc_dns_name, rs->machine, rs->kpasswd_note, again_advice(rs, adv, sizeof(adv)));
			}
			goto out;
		}
		/* 5b: the new kvno, from the directory or a consistent AS-REP */
		if (settle_kvno(rs, k, have_as ? &as : NULL, rs->expected_kvno, have_kvno, kvno, e) < 0) {
			char w2[400];
			nlt_strlcpy(w2, e->msg, sizeof(w2));
			nlt_seterr(e, e->cat, "%s accepts the new password of %s, but its kvno is not confirmed (%.200s); it "
					      "is kept pending, the keytab is unchanged; run `%s` to finish it",
				   dc->info.dc_dns_name, rs->machine, w2, again_advice(rs, adv, sizeof(adv)));
			goto out;
		}
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
	if (h && h->result)
		h->result(rs, req, dc, ab, 0);
	r = 0;
out:
	if (r < 0 && h && h->failure)
		h->failure(rs, req, st, dc, e);
	if (outc)
		reset_outcome_fill(outc, rs, st, dc, r);
	xp_close(&rs->kpw_fd);
	nlt_wipe(pw, sizeof(pw));
	nlt_wipe(rs->nt_hash, sizeof(rs->nt_hash));
	if (rs->have_cp_creds)
		krb5_free_cred_contents(k->kc, &rs->cp_creds);
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
