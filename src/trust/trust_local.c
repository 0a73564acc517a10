/*
 * src/trust/trust_local.c - the evidence about this host's own machine trust
 * (src/trust/trust.h): discovery picks a writable KDC (or -S names it); every
 * exchange goes to that DC.
 *
 * Kerberos: the keytab's newest key for MACHINE$ (or --machine-password-file)
 * in an AS exchange; on a wrong password the older kvnos, then the journal's
 * pending password (an interrupted change), to say which one the DC has; on
 * an unknown principal another DC, to tell replication lag from deletion.
 * Success alone is not "healthy": the machine's TGT binds to LDAP (sealed)
 * and the account's own msDS-KeyVersionNumber, enctypes and flags are
 * compared with the keytab.  NTLM is never used.
 *
 * Netlogon: one secure-channel exchange (ReqChallenge, Authenticate3, sealed
 * LogonGetCapabilities) in a thread of its own beside Kerberos; it runs a
 * second time only when it could not reach its DC and Kerberos failed over
 * to another one.  Its secret (the NT hash) is prepared in this thread
 * before it starts: keytab and journal reads go through libkrb5 and getenv,
 * which must not race krb_open's setenv.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "advice.h"
#include "cmds.h"
#include "keys.h"
#include "krb.h"
#include "ldapconn.h"
#include "locate.h"
#include "machine.h"
#include "netlogon.h"
#include "nrpc_crypto.h"
#include "secret.h"
#include "state.h"
#include "trust.h"
#include "xport.h"

#define DEFAULT_KEYTAB "/etc/krb5.keytab"

/* Read the keytab: which kvnos and enctypes it holds for the machine. */
static int keytab_scan(krb5_context kc, const char *path, const char *machine, const char *realm,
		       struct trust_keytab *kv, struct nlt_err *e)
{
	krb5_keytab kt;
	krb5_kt_cursor cur;
	krb5_keytab_entry ent;
	krb5_error_code rc;
	char name[600];

	memset(kv, 0, sizeof(*kv));
	nlt_strlcpy(kv->path, path, sizeof(kv->path));
	if (access(path, R_OK) != 0)
		return nlt_seterr(e, NLT_ECONFIG, "cannot read the keytab %s: %s", path, strerror(errno));
	snprintf(name, sizeof(name), "FILE:%s", path);
	if ((rc = krb5_kt_resolve(kc, name, &kt)) != 0)
		return nlt_seterr(e, NLT_ECONFIG, "cannot open the keytab %s (Kerberos error %d)", path, (int)rc);
	if ((rc = krb5_kt_start_seq_get(kc, kt, &cur)) != 0) {
		krb5_kt_close(kc, kt);
		return nlt_seterr(e, NLT_ECONFIG, "cannot read the keytab %s: %s", path,
				  rc == KRB5_KT_END ? "empty" : "not a keytab file");
	}
	while ((rc = krb5_kt_next_entry(kc, kt, &ent, &cur)) == 0) {
		if (machine_is_principal(kc, ent.principal, machine, realm)) {
			int k;
			kv->n_entries++;
			for (k = 0; k < kv->n_kvnos && kv->kvno[k] != ent.vno; k++)
				;
			if (k == kv->n_kvnos) {
				if (kv->n_kvnos < TRUST_MAX_KVNOS) {
					kv->kvno[kv->n_kvnos++] = ent.vno;
				} else {
					/* full: keep the newest kvnos (tools such as msktutil append, so the newest
					 * is last in the file) - replace the lowest if this one is higher */
					int lo = 0;
					for (int j = 1; j < kv->n_kvnos; j++)
						if (kv->kvno[j] < kv->kvno[lo])
							lo = j;
					if (ent.vno > kv->kvno[lo]) {
						kv->kvno[lo] = ent.vno;
						kv->enctypes[lo] = 0;
						k = lo;
					}
				}
			}
			if (k < kv->n_kvnos && ent.key.enctype > 0 && ent.key.enctype < 32)
				kv->enctypes[k] |= 1u << ent.key.enctype;
		}
		krb5_free_keytab_entry_contents(kc, &ent);
	}
	krb5_kt_end_seq_get(kc, kt, &cur);
	krb5_kt_close(kc, kt);
	if (rc != KRB5_KT_END)
		return nlt_seterr(e, NLT_ECONFIG, "the keytab %s is damaged (Kerberos error %d)", path, (int)rc);
	/* newest first */
	for (int i = 0; i < kv->n_kvnos; i++)
		for (int j = i + 1; j < kv->n_kvnos; j++)
			if (kv->kvno[j] > kv->kvno[i]) {
				unsigned t = kv->kvno[i];
				uint32_t et = kv->enctypes[i];
				kv->kvno[i] = kv->kvno[j];
				kv->enctypes[i] = kv->enctypes[j];
				kv->kvno[j] = t;
				kv->enctypes[j] = et;
			}
	return 0;
}

/* A MEMORY keytab holding only the machine's keys of one kvno. */
static int keytab_one_kvno(krb5_context kc, const char *path, const char *machine, const char *realm, unsigned kvno,
			   krb5_keytab *out, struct nlt_err *e)
{
	krb5_keytab src, dst;
	krb5_kt_cursor cur;
	krb5_keytab_entry ent;
	char name[600];
	static unsigned seq;

	snprintf(name, sizeof(name), "FILE:%s", path);
	if (krb5_kt_resolve(kc, name, &src) != 0)
		return nlt_seterr(e, NLT_ECONFIG, "cannot open the keytab %s", path);
	snprintf(name, sizeof(name), "MEMORY:nltrust-kt-%ld-%u", (long)getpid(), seq++);
	if (krb5_kt_resolve(kc, name, &dst) != 0) {
		krb5_kt_close(kc, src);
		return nlt_seterr(e, NLT_EINTERNAL, "Kerberos: cannot make a memory keytab");
	}
	if (krb5_kt_start_seq_get(kc, src, &cur) == 0) {
		while (krb5_kt_next_entry(kc, src, &ent, &cur) == 0) {
			if (ent.vno == kvno && machine_is_principal(kc, ent.principal, machine, realm))
				(void)krb5_kt_add_entry(kc, dst, &ent);
			krb5_free_keytab_entry_contents(kc, &ent);
		}
		krb5_kt_end_seq_get(kc, src, &cur);
	}
	krb5_kt_close(kc, src);
	*out = dst;
	return 0;
}

/*
 * Does password give the keytab's key of kvno?  The strongest enctype the keytab holds for that
 * kvno is derived with the AD computer salt and compared.  LOCAL_NOT_COMPARED when it cannot tell.
 */
static enum trust_local_match keytab_vs_password(krb5_context kc, const struct trust_keytab *kv, const char *machine,
						 const char *realm, const uint8_t *pw, size_t pw_len)
{
	static const int32_t pref[] = { 18, 17, 23 };
	krb5_keytab kt;
	krb5_kt_cursor cur;
	krb5_keytab_entry ent;
	char name[600], salt[600], pwz[STATE_PW_MAX + 1];
	struct nlt_key key;
	struct nlt_err ign;
	int32_t et = 0;
	enum trust_local_match r = LOCAL_NOT_COMPARED;

	if (!kv->n_kvnos || pw_len > STATE_PW_MAX)
		return r;
	for (size_t i = 0; i < sizeof(pref) / sizeof(pref[0]) && !et; i++)
		if (kv->enctypes[0] & (1u << pref[i]))
			et = pref[i];
	if (!et || keys_salt_computer(realm, machine, salt, sizeof(salt), &ign) < 0)
		return r;
	memcpy(pwz, pw, pw_len);
	pwz[pw_len] = '\0';
	memset(&key, 0, sizeof(key));
	if (keys_string_to_key(kc, et, pwz, pw_len, salt, strlen(salt), 0, &key, &ign) < 0) {
		nlt_wipe(pwz, sizeof(pwz));
		return r;
	}
	nlt_wipe(pwz, sizeof(pwz));
	snprintf(name, sizeof(name), "FILE:%s", kv->path);
	if (krb5_kt_resolve(kc, name, &kt) == 0) {
		if (krb5_kt_start_seq_get(kc, kt, &cur) == 0) {
			while (krb5_kt_next_entry(kc, kt, &ent, &cur) == 0) {
				if (r == LOCAL_NOT_COMPARED && ent.vno == kv->kvno[0] && ent.key.enctype == et &&
				    machine_is_principal(kc, ent.principal, machine, realm))
					r = ent.key.length == key.len && memcmp(ent.key.contents, key.bytes, key.len) == 0
						    ? LOCAL_MATCH : LOCAL_DIFFER;
				krb5_free_keytab_entry_contents(kc, &ent);
			}
			krb5_kt_end_seq_get(kc, kt, &cur);
		}
		krb5_kt_close(kc, kt);
	}
	keys_key_wipe(&key);
	return r;
}

/* The journal's slots, read once (the lock is held only while reading). */
struct journal {
	int have[STATE_NSLOTS];
	struct state_rec rec[STATE_NSLOTS];
};

static void journal_read(const char *state_dir, const char *realm, const char *machine, struct journal *j,
			 struct trust_evidence *ev)
{
	struct state *st = NULL;
	struct nlt_err le;

	memset(j, 0, sizeof(*j));
	nlt_clearerr(&le);
	if (state_open(state_dir, realm, machine, 0, &st, &le) != 0) {
		if (le.msg[0])
			nlt_vlog("journal of %s not read: %s", machine, le.msg);
		return;
	}
	ev->journal_read = 1;
	for (int s = 0; s < STATE_NSLOTS; s++)
		if (state_load(st, (enum state_slot)s, &j->rec[s], &le) == 1)
			j->have[s] = 1;
	state_close(st);
	ev->have_pending = j->have[STATE_PENDING];
	ev->have_current = j->have[STATE_CURRENT];
}

static void journal_wipe(struct journal *j)
{
	for (int s = 0; s < STATE_NSLOTS; s++)
		state_rec_wipe(&j->rec[s]);
}

/* What the Netlogon thread needs; it writes only the nl_* fields of ev. */
struct nl_job {
	struct trust_evidence *ev;
	char dc_name[NL_NAME_MAX], netbios_domain[NL_NAME_MAX];
	struct nlt_addr addr;
	uint64_t deadline;
	uint8_t nt_cur[16], nt_prev[16];
	int have_cur, have_prev;
	uint16_t port_hint; /* the DC's cached Netlogon port, 0 none (read in the main thread) */
};

/* The secrets for Netlogon, chosen in the main thread.  0 when there is a current one. */
static int nl_job_init(struct nl_job *j, struct trust_evidence *ev, const struct dc_cand *dc, const char *keytab,
		       const struct journal *jr, const struct secret *pw, uint64_t deadline)
{
	unsigned kvno_cur = ev->kt.n_kvnos ? ev->kt.kvno[0] : 0, kvno_prev = ev->kt.n_kvnos > 1 ? ev->kt.kvno[1] : 0;

	memset(j, 0, sizeof(*j));
	j->ev = ev;
	nlt_strlcpy(j->dc_name, dc->info.dc_dns_name, sizeof(j->dc_name));
	nlt_strlcpy(j->netbios_domain, dc->info.netbios_domain, sizeof(j->netbios_domain));
	j->addr = dc->addr;
	j->deadline = deadline;
	nlt_strlcpy(ev->nl_dc, j->dc_name, sizeof(ev->nl_dc));
	if (ev->password_mode) {
		if (nrpc_nt_hash_utf8(pw->buf, pw->len, j->nt_cur) != WIRE_OK) {
			ev->nl_state = CHECK_SKIPPED;
			ev->nl_err_cat = NLT_EUSAGE;
			snprintf(ev->nl_error, sizeof(ev->nl_error), "the machine password is not valid UTF-8");
			return -1;
		}
		snprintf(ev->nl_secret_what, sizeof(ev->nl_secret_what), "the password file");
		return 0;
	}
	if (kvno_cur && machine_nt_hash_keytab(NULL, keytab, ev->machine, ev->realm, kvno_cur, j->nt_cur) == 0) {
		snprintf(ev->nl_secret_what, sizeof(ev->nl_secret_what), "the keytab's rc4-hmac key, kvno %u", kvno_cur);
	} else if (jr->have[STATE_CURRENT] &&
		   nrpc_nt_hash_utf8((const char *)jr->rec[STATE_CURRENT].pw, jr->rec[STATE_CURRENT].pw_len, j->nt_cur) ==
			   WIRE_OK) {
		snprintf(ev->nl_secret_what, sizeof(ev->nl_secret_what), "the journal's current password");
	} else {
		ev->nl_state = CHECK_SKIPPED;
		ev->nl_err_cat = NLT_ECONFIG;
		snprintf(ev->nl_error, sizeof(ev->nl_error), "neither the keytab (no rc4-hmac key) nor the journal holds "
							    "%.40s's NT hash; give --machine-password-file or --state-dir",
			 ev->machine);
		return -1;
	}
	/* the previous secret, for "the DC still holds the previous password" */
	if (kvno_prev && machine_nt_hash_keytab(NULL, keytab, ev->machine, ev->realm, kvno_prev, j->nt_prev) == 0) {
		j->have_prev = 1;
		snprintf(ev->nl_prev_what, sizeof(ev->nl_prev_what), "the keytab's kvno %u", kvno_prev);
	} else if (jr->have[STATE_PREVIOUS] &&
		   nrpc_nt_hash_utf8((const char *)jr->rec[STATE_PREVIOUS].pw, jr->rec[STATE_PREVIOUS].pw_len,
				     j->nt_prev) == WIRE_OK) {
		j->have_prev = 1;
		snprintf(ev->nl_prev_what, sizeof(ev->nl_prev_what), "the journal's previous password");
	}
	j->have_cur = 1;
	return 0;
}

static void netlogon_run(struct nl_job *j)
{
	struct trust_evidence *ev = j->ev;
	struct nlt_err ne;

	nlt_clearerr(&ne);
	memset(&ev->nl, 0, sizeof(ev->nl));
	ev->nl_error[0] = '\0';
	ev->nl_err_cat = NLT_OK;
	ev->nl_prev_ok = 0;
	if (nl_secure_channel_at(j->dc_name, &j->addr, j->netbios_domain, ev->machine, j->nt_cur, j->port_hint, j->deadline,
				 &ev->nl, &ne) < 0) {
		ev->nl_state = CHECK_COULD_NOT_RUN;
		nlt_strlcpy(ev->nl_error, ne.msg, sizeof(ev->nl_error));
		ev->nl_err_cat = ne.cat;
	} else if (ev->nl.verdict == NLV_NOT_RUN) {
		ev->nl_state = CHECK_COULD_NOT_RUN;
		snprintf(ev->nl_error, sizeof(ev->nl_error), "the exchange with %.100s ended without a verdict", j->dc_name);
		ev->nl_err_cat = NLT_EINTERNAL;
	} else {
		ev->nl_state = CHECK_RAN;
	}
	/* refused: does the DC still hold the previous secret? (a diagnosis, only after a refusal) */
	if (ev->nl_state == CHECK_RAN && ev->nl.verdict == NLV_BAD_PASSWORD && j->have_prev) {
		struct nl_result prev;
		if (nl_secure_channel_at(j->dc_name, &j->addr, j->netbios_domain, ev->machine, j->nt_prev,
					 ev->nl.port_validated ? ev->nl.port : 0, j->deadline, &prev, &ne) == 0 &&
		    prev.verdict == NLV_OK)
			ev->nl_prev_ok = 1;
	}
	nlt_vlog("Netlogon secure channel with %s: %s in %.1f ms (%u connections, %u calls)", j->dc_name,
		 ev->nl_state == CHECK_RAN ? nl_verdict_str(ev->nl.verdict) : ev->nl_error, ev->nl.elapsed_us / 1000.0,
		 ev->nl.n_connects, ev->nl.n_calls);
}

static void nl_job_wipe(struct nl_job *j)
{
	nlt_wipe(j->nt_cur, sizeof(j->nt_cur));
	nlt_wipe(j->nt_prev, sizeof(j->nt_prev));
}

static void *nl_thread(void *arg)
{
	netlogon_run(arg);
	return NULL;
}

/* Read the account's own object with its fresh TGT. */
static void directory_check(struct trust_evidence *ev, struct nlt_krb *k, const struct dc_cand *dc, uint64_t deadline)
{
	static const char *const attrs[] = { "msDS-KeyVersionNumber", "userAccountControl",
					     "msDS-SupportedEncryptionTypes", "pwdLastSet", "dNSHostName", NULL };
	struct nlt_ldap ld;
	struct nlt_ldap_entry en;
	struct nlt_err le;
	char filter[200], esc[100];
	int r;

	nlt_clearerr(&le);
	ev->dir_state = CHECK_COULD_NOT_RUN;
	snprintf(filter, sizeof(filter), "ldap/%.180s", dc->info.dc_dns_name);
	/* fetched through our pinned transport, so GSSAPI finds it in the ccache and sends nothing to a KDC */
	if (krb_get_service_ticket(k, filter, &le) < 0 ||
	    nlt_ldap_open(&ld, dc->info.dc_dns_name, &dc->addr, dc->info.dns_domain, deadline, &le) < 0) {
		nlt_strlcpy(ev->dir_error, le.msg, sizeof(ev->dir_error));
		ev->dir_err_cat = le.cat;
		return;
	}
	nlt_ldap_filter_escape(ev->machine, esc, sizeof(esc));
	snprintf(filter, sizeof(filter), "(&(objectClass=computer)(sAMAccountName=%s))", esc);
	r = nlt_ldap_search_one(&ld, ld.default_nc, LDAP_SCOPE_SUBTREE, filter, attrs, &en, &le);
	if (r != 0) {
		if (r > 0) {
			snprintf(ev->dir_error, sizeof(ev->dir_error), "%.40s cannot see its own object under %.300s",
				 ev->machine, ld.default_nc);
			ev->dir_err_cat = NLT_EPROBLEM;
		} else {
			nlt_strlcpy(ev->dir_error, le.msg, sizeof(ev->dir_error));
			ev->dir_err_cat = le.cat;
		}
		nlt_ldap_close(&ld);
		return;
	}
	ev->dir_state = CHECK_RAN;
	nlt_strlcpy(ev->dir_dn, en.dn ? en.dn : "", sizeof(ev->dir_dn));
	ev->have_dir_kvno = nlt_ldap_i64(&en, "msDS-KeyVersionNumber", &ev->dir_kvno);
	ev->have_dir_uac = nlt_ldap_i64(&en, "userAccountControl", &ev->dir_uac);
	ev->have_dir_enctypes = nlt_ldap_i64(&en, "msDS-SupportedEncryptionTypes", &ev->dir_enctypes);
	ev->have_dir_pwdlastset = nlt_ldap_i64(&en, "pwdLastSet", &ev->dir_pwdlastset);
	nlt_ldap_str(&en, "dNSHostName", ev->dir_dnshostname, sizeof(ev->dir_dnshostname));
	nlt_ldap_entry_free(&en);
	nlt_ldap_close(&ld);
}

/* One AS exchange as the machine with the newest key (or the password) on k. */
static int as_newest(struct nlt_krb *k, struct trust_evidence *ev, const char *keytab, const struct secret *pw,
		     struct krb_as_result *as, struct nlt_err *e)
{
	krb5_keytab mk = NULL;
	int r;

	if (ev->password_mode)
		return krb_as_password(k, ev->machine, pw->buf, 0, as, e);
	if (keytab_one_kvno(k->kc, keytab, ev->machine, ev->realm, ev->kt.kvno[0], &mk, e) < 0)
		return -1;
	r = krb_as_keytab(k, ev->machine, mk, 0, as, e);
	krb5_kt_close(k->kc, mk);
	return r < 0 ? -1 : 0;
}

/*
 * This DC does not know the account (or has no key for it): ask another DC of the domain (discovery's other candidates,
 * or a discovery of its own when -S named the DC) before anyone advises a rejoin.
 */
static void ask_another_dc(struct nlt_ctx *ctx, struct trust_evidence *ev, struct locate_result *res, const char *keytab,
			   const struct secret *pw)
{
	const struct dc_cand *other = NULL;
	struct locate_result res2;
	struct nlt_krb k2;
	struct krb_as_result as;
	struct nlt_err le;

	memset(&res2, 0, sizeof(res2));
	nlt_clearerr(&le);
	for (size_t i = 0; i < res->n && !other; i++)
		if ((int)i != res->chosen && res->cands[i].status == CAND_OK && res->cands[i].have_addr &&
		    !nlt_name_eq(res->cands[i].info.dc_dns_name, ev->dc))
			other = &res->cands[i];
	if (!other && ctx->domain[0]) {
		struct locate_req lr = {
			.domain = ctx->domain,
			.need_flags = DS_KDC_FLAG,
			.deadline_ms = ctx->deadline_ms,
			.wait_all = 1, /* every DC's answer: the one we want is not the one discovery would choose */
		};
		if (locate_dc(&lr, &ctx->rs, &res2, &le) == 0)
			for (size_t i = 0; i < res2.n && !other; i++)
				if (res2.cands[i].status == CAND_OK && res2.cands[i].have_addr &&
				    !nlt_name_eq(res2.cands[i].info.dc_dns_name, ev->dc))
					other = &res2.cands[i];
	}
	if (!other) {
		nlt_vlog("no other DC to ask about %s%s%s", ev->machine, le.msg[0] ? ": " : "", le.msg);
		locate_result_free(&res2);
		return;
	}
	if (krb_open(&k2, ev->realm, other->info.dc_dns_name, &other->addr, ctx->deadline_ms, &le) == 0) {
		if (as_newest(&k2, ev, keytab, pw, &as, &le) == 0 && as.verdict != KRBV_UNREACHABLE &&
		    as.verdict != KRBV_NOT_RUN) {
			ev->other_state = CHECK_RAN;
			ev->other_verdict = as.verdict;
			nlt_strlcpy(ev->other_dc, other->info.dc_dns_name, sizeof(ev->other_dc));
		}
		krb_close(&k2);
	}
	nlt_vlog("%s on the other DC %s: %s", ev->machine, other->info.dc_dns_name,
		 ev->other_state == CHECK_RAN ? krb_verdict_str(ev->other_verdict) : "could not ask");
	locate_result_free(&res2);
}

/* The facts the DC cache keeps, from a candidate's LDAP ping answer. */
static void dc_facts(const struct dc_cand *dc, struct state_dc_facts *f)
{
	memset(f, 0, sizeof(*f));
	nlt_strlcpy(f->dns_domain, dc->info.dns_domain, sizeof(f->dns_domain));
	nlt_strlcpy(f->netbios_domain, dc->info.netbios_domain, sizeof(f->netbios_domain));
	nlt_strlcpy(f->dc_dns_name, dc->info.dc_dns_name, sizeof(f->dc_dns_name));
	nlt_strlcpy(f->dc_netbios_name, dc->info.dc_netbios_name, sizeof(f->dc_netbios_name));
	nlt_strlcpy(f->dc_site, dc->info.dc_site, sizeof(f->dc_site));
	nlt_strlcpy(f->forest, dc->info.forest, sizeof(f->forest));
	f->flags = dc->info.server_flags;
	f->have_flags = 1;
}

/* One check; *used_dc_cache set (and *facts filled) when the DC's facts came from the DC cache. */
static int local_check(struct nlt_ctx *ctx, struct trust_evidence *ev, int use_dc_cache, int *used_dc_cache,
		       struct state_dc_facts *facts, struct nlt_err *e)
{
	const struct nlt_req *req = ctx->req;
	struct locate_req lr = {
		.domain = ctx->domain[0] ? ctx->domain : NULL,
		.server = req->server,
		.site = req->site,
		.need_flags = req->server ? 0 : DS_KDC_FLAG | DS_WRITABLE_FLAG,
		.deadline_ms = ctx->deadline_ms,
		.use_dc_cache = use_dc_cache && req->server,
		.dc_cache_dir = req->state_dir,
	};
	const char *keytab = req->keytab ? req->keytab : DEFAULT_KEYTAB;
	struct locate_result res;
	struct secret pw;
	struct journal jr;
	struct nlt_krb k;
	const struct dc_cand *dc;
	struct nl_job job;
	pthread_t nl_tid;
	int r = -1, have_krb = 0, nl_started = 0, job_ready = 0;
	char ab[64], ldap_svc[260];

	memset(ev, 0, sizeof(*ev));
	memset(&pw, 0, sizeof(pw));
	memset(&res, 0, sizeof(res));
	memset(&jr, 0, sizeof(jr));
	memset(&job, 0, sizeof(job));
	if (machine_account(req->machine, MACHINE_SAM_MAX, ev->machine, sizeof(ev->machine), NULL, 0, e) < 0)
		goto out;
	ev->password_mode = req->machine_password_file != NULL;
	if (ev->password_mode && secret_from_file(&pw, req->machine_password_file, "machine password", e) < 0)
		goto out;
	if (!ctx->domain[0] && !req->server) {
		nlt_seterr(e, NLT_ECONFIG, "no domain given and none configured (give DOMAIN or -d)");
		goto out;
	}
	*used_dc_cache = 0;
	if (locate_dc(&lr, &ctx->rs, &res, e) < 0)
		goto out;
	*used_dc_cache = res.from_cache;
	dc = &res.cands[res.chosen];
	if (res.from_cache)
		dc_facts(dc, facts);
	nlt_strlcpy(ev->realm, dc->info.dns_domain[0] ? dc->info.dns_domain : ctx->domain, sizeof(ev->realm));
	for (char *c = ev->realm; *c; c++)
		*c = (char)toupper((unsigned char)*c);
	ev->method = req->method ? req->method : 3;
	advice_cmd(req, "reset-password", "--admin", ADVICE_ADMIN, req->domain, ev->repair_admin,
		   sizeof(ev->repair_admin));
	advice_cmd(req, "reset-password", NULL, ADVICE_NO_ADMIN, req->domain, ev->repair_machine,
		   sizeof(ev->repair_machine));
	advice_cmd(req, "join", NULL, ADVICE_ADMIN, req->domain, ev->repair_join, sizeof(ev->repair_join));
	if (!ev->password_mode) {
		krb5_context kc;
		if (krb5_init_context(&kc) != 0) {
			nlt_seterr(e, NLT_EINTERNAL, "Kerberos: cannot initialise a context");
			goto out;
		}
		int kr = keytab_scan(kc, keytab, ev->machine, ev->realm, &ev->kt, e);
		if (kr == 0 && !ev->kt.n_kvnos)
			kr = nlt_seterr(e, NLT_ECONFIG, "the keytab %s has no key for %s@%s (use -m or -K)", keytab,
					ev->machine, ev->realm);
		if (kr == 0) {
			journal_read(req->state_dir, ev->realm, ev->machine, &jr, ev);
			if (jr.have[STATE_CURRENT]) {
				ev->local_match = keytab_vs_password(kc, &ev->kt, ev->machine, ev->realm,
								     jr.rec[STATE_CURRENT].pw, jr.rec[STATE_CURRENT].pw_len);
				ev->local_kvno = ev->kt.kvno[0];
			}
		}
		krb5_free_context(kc);
		if (kr < 0)
			goto out;
	}
	if (ev->method & 2) {
		if (nl_job_init(&job, ev, dc, keytab, &jr, &pw, ctx->deadline_ms) == 0) {
			job.port_hint = nl_port_cache_load(req->state_dir, &job.addr);
			/* beside Kerberos: the Netlogon check runs in its own thread */
			if ((ev->method & 1) && pthread_create(&nl_tid, NULL, nl_thread, &job) == 0)
				nl_started = 1;
			else
				job_ready = 1; /* run it in this thread at the end */
		}
	}
	if (!(ev->method & 1))
		goto netlogon;
again:
	nlt_strlcpy(ev->dc, dc->info.dc_dns_name, sizeof(ev->dc));
	nlt_strlcpy(ev->dc_addr, nlt_addr_str(&dc->addr, ab, sizeof(ab)), sizeof(ev->dc_addr));
	nlt_strlcpy(ev->dc_site, dc->info.dc_site, sizeof(ev->dc_site));
	nlt_ldap_preconnect(&dc->addr); /* the directory check's connection opens during the AS exchange */
	if (krb_open(&k, ev->realm, dc->info.dc_dns_name, &dc->addr, ctx->deadline_ms, e) < 0)
		goto out;
	have_krb = 1;
	if (krb_use_ccache(&k, e) < 0)
		goto out;
	/* the directory check is the only service verify uses: the AS exchange gets its ticket directly */
	snprintf(ldap_svc, sizeof(ldap_svc), "ldap/%.200s", dc->info.dc_dns_name);
	k.as_service = ldap_svc;
	if (ev->password_mode) {
		if (krb_as_password(&k, ev->machine, pw.buf, 1, &ev->as, e) < 0)
			goto out;
		ev->good_kvno = 0;
	} else {
		/* newest first; on a wrong password try the older ones, to say which one the DC has */
		for (int i = 0; i < ev->kt.n_kvnos && i < 3; i++) {
			struct krb_as_result as;
			krb5_keytab mk = NULL;
			if (keytab_one_kvno(k.kc, keytab, ev->machine, ev->realm, ev->kt.kvno[i], &mk, e) < 0)
				goto out;
			r = krb_as_keytab(&k, ev->machine, mk, 1, &as, e);
			krb5_kt_close(k.kc, mk);
			if (r < 0) {
				r = -1;
				goto out;
			}
			r = -1;
			if (i == 0) {
				ev->as = as;
				ev->tried_kvno = ev->kt.kvno[0];
			}
			if (as.verdict == KRBV_OK) {
				ev->good_kvno = ev->kt.kvno[i];
				if (i > 0) {
					/* report the newest key's failure, but keep the skew learnt here */
					ev->as.have_skew = as.have_skew;
					ev->as.skew_s = as.skew_s;
				}
				break;
			}
			if (as.verdict != KRBV_BAD_PASSWORD)
				break;
		}
	}
	if (ev->as.verdict == KRBV_UNREACHABLE) {
		int next;
		ev->krb_state = CHECK_COULD_NOT_RUN;
		ev->krb_err_cat = NLT_ENODC;
		snprintf(ev->krb_error, sizeof(ev->krb_error), "Kerberos AS exchange with %.80s (%.40s:88/tcp) failed: %.200s",
			 dc->info.dc_dns_name, k.dc_addr, k.last_xp_status ? xp_status_str(k.last_xp_status) : ev->as.message);
		/* that DC's KDC is unreachable: the next suitable DC of discovery takes over */
		res.cands[res.chosen].status = CAND_UNREACH;
		next = req->server ? -1 : locate_choose(res.cands, res.n, lr.need_flags);
		if (next < 0)
			goto netlogon;
		nlt_vlog("%s; failing over to %s", ev->krb_error, res.cands[next].info.dc_dns_name);
		snprintf(ev->failover, sizeof(ev->failover), "%.100s was skipped (%.250s); %.100s took over",
			 dc->info.dc_dns_name, ev->krb_error, res.cands[next].info.dc_dns_name);
		krb_close(&k);
		have_krb = 0;
		res.chosen = next;
		dc = &res.cands[next];
		memset(&ev->as, 0, sizeof(ev->as));
		ev->good_kvno = ev->tried_kvno = 0;
		ev->krb_state = CHECK_NOT_RUN;
		ev->krb_error[0] = '\0';
		ev->krb_err_cat = NLT_OK;
		goto again;
	}
	ev->krb_state = CHECK_RAN;
	/* refused: is the journal's pending password (an interrupted change) the one the DC has? */
	if (ev->as.verdict == KRBV_BAD_PASSWORD && !ev->good_kvno && jr.have[STATE_PENDING]) {
		struct krb_as_result pas;
		char pbuf[STATE_PW_MAX + 1];
		memcpy(pbuf, jr.rec[STATE_PENDING].pw, jr.rec[STATE_PENDING].pw_len);
		pbuf[jr.rec[STATE_PENDING].pw_len] = '\0';
		if (krb_as_password(&k, ev->machine, pbuf, 0, &pas, e) < 0) {
			nlt_wipe(pbuf, sizeof(pbuf));
			goto out;
		}
		nlt_wipe(pbuf, sizeof(pbuf));
		if (pas.verdict != KRBV_UNREACHABLE && pas.verdict != KRBV_NOT_RUN) {
			ev->pending_state = CHECK_RAN;
			ev->pending_verdict = pas.verdict;
		} else {
			ev->pending_state = CHECK_COULD_NOT_RUN;
		}
	}
	if (ev->as.verdict == KRBV_UNKNOWN_CLIENT || ev->as.verdict == KRBV_NO_KEY) {
		krb_close(&k);
		have_krb = 0;
		ask_another_dc(ctx, ev, &res, keytab, &pw);
	}
	/* a key worked (the newest or an older one): read our own object with that TGT */
	if (have_krb && (ev->as.verdict == KRBV_OK || ev->good_kvno))
		directory_check(ev, &k, dc, ctx->deadline_ms);
netlogon:
	if (nl_started) {
		pthread_join(nl_tid, NULL);
		nl_started = 0;
	} else if (job_ready) {
		netlogon_run(&job);
		job_ready = 0;
	}
	/* Netlogon could not reach its DC and Kerberos failed over to another one: once more, there */
	if ((ev->method & 1) && (ev->method & 2) && ev->nl_state == CHECK_COULD_NOT_RUN && ev->nl_err_cat == NLT_ENODC &&
	    ev->dc[0] && !nlt_name_eq(ev->nl_dc, ev->dc)) {
		nlt_vlog("Netlogon could not reach %s; running it on %s, where Kerberos went", ev->nl_dc, ev->dc);
		nl_job_wipe(&job);
		if (nl_job_init(&job, ev, dc, keytab, &jr, &pw, ctx->deadline_ms) == 0) {
			job.port_hint = nl_port_cache_load(req->state_dir, &job.addr);
			netlogon_run(&job);
		}
	}
	/* a port the endpoint mapper named and ReqChallenge confirmed: the next check skips the mapper */
	if ((ev->method & 2) && ev->nl.port_validated && ev->nl.port != job.port_hint)
		nl_port_cache_store(req->state_dir, &job.addr, ev->nl.port);
	/* the facts a ping gave, verified by a secure channel built on them: the next -S run needs no ping */
	if ((ev->method & 2) && !res.from_cache && ev->nl_state == CHECK_RAN && ev->nl.verdict == NLV_OK &&
	    nlt_addr_equal(&job.addr, &dc->addr) && nlt_name_eq(ev->nl_dc, dc->info.dc_dns_name)) {
		struct state_dc_facts now, was;
		dc_facts(dc, &now);
		if (!state_dc_load(req->state_dir, &dc->addr, &was) || !state_dc_same(&now, &was) ||
		    strcmp(now.dc_site, was.dc_site) || now.flags != was.flags)
			(void)state_dc_store(req->state_dir, &dc->addr, &now);
	}
	if (!ev->dc[0]) {
		/* Netlogon alone: the DC it used is the DC of the report */
		nlt_strlcpy(ev->dc, dc->info.dc_dns_name, sizeof(ev->dc));
		nlt_strlcpy(ev->dc_addr, nlt_addr_str(&dc->addr, ab, sizeof(ab)), sizeof(ev->dc_addr));
		nlt_strlcpy(ev->dc_site, dc->info.dc_site, sizeof(ev->dc_site));
	}
	r = 0;
out:
	if (nl_started)
		pthread_join(nl_tid, NULL); /* it writes into ev: never return under it */
	nl_job_wipe(&job);
	journal_wipe(&jr);
	nlt_ldap_preconnect_drop();
	if (have_krb)
		krb_close(&k);
	secret_free(&pw);
	locate_result_free(&res);
	return r;
}

int trust_local_check(struct nlt_ctx *ctx, struct trust_evidence *ev, struct nlt_err *e)
{
	const struct nlt_req *req = ctx->req;
	struct locate_req lr = {
		.domain = ctx->domain[0] ? ctx->domain : NULL,
		.server = req->server,
		.site = req->site,
		.deadline_ms = ctx->deadline_ms,
	};
	struct locate_result res;
	struct state_dc_facts used_facts, pinged;
	struct trust_report rep;
	struct nlt_err le;
	int used = 0, r, same;

	r = local_check(ctx, ev, 1, &used, &used_facts, e);
	if (!used)
		return r;
	/*
	 * The DC's facts came from the DC cache (no LDAP ping).  Only a healthy verdict stands on them
	 * alone.  Anything else - a refusal, a bind, alter_context or port that did not answer, an
	 * error - may come from a stale cache or a DC of another domain now at that address: the DC is
	 * pinged first; when it confirms the facts the verdict stands (it was built on the right ones),
	 * otherwise everything is judged again from the ping's facts.
	 */
	memset(&rep, 0, sizeof(rep));
	if (r == 0)
		trust_judge(ev, &rep);
	if (r == 0 && rep.verdict == TRUST_HEALTHY)
		return 0;
	nlt_vlog("DC cache: %s on the cached facts about %s; pinging it to confirm them",
		 r < 0 ? e->msg : trust_verdict_str(rep.verdict), req->server);
	nlt_clearerr(&le);
	if (locate_dc(&lr, &ctx->rs, &res, &le) < 0) {
		locate_result_free(&res);
		/* no confirmation: a claim (broken, pending) or an error that may come from the facts is not
		 * made; the ping's failure is what today's run would have said.  An inconclusive verdict
		 * claims nothing and names what did not answer: it stands. */
		if (r == 0 && rep.verdict == TRUST_INCONCLUSIVE) {
			nlt_vlog("DC cache: the ping to %s failed too (%s); the inconclusive verdict stands", req->server,
				 le.msg);
			return 0;
		}
		*e = le;
		return -1;
	}
	dc_facts(&res.cands[res.chosen], &pinged);
	same = state_dc_same(&pinged, &used_facts);
	locate_result_free(&res);
	if (same) {
		nlt_vlog("DC cache: the ping confirms the cached facts about %s; the verdict stands", req->server);
		return r;
	}
	nlt_vlog("DC cache: the ping gives other facts about %s (%s, %s); judging again from them", req->server,
		 pinged.dc_dns_name, pinged.netbios_domain);
	nlt_clearerr(e);
	return local_check(ctx, ev, 0, &used, &used_facts, e);
}
