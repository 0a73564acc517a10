/*
 * src/cmd_verify.c - nltrust verify: is this host's machine account healthy,
 * as Kerberos sees it, on one DC?
 *
 * Discovery picks a writable KDC (or -S names it); every exchange goes to
 * that DC.  The keytab's newest key for MACHINE$ is tried in an AS exchange
 * (or the password of --machine-password-file); when it fails with a wrong
 * password, older kvnos are tried so the report can say which one the DC
 * still has.  Success alone is not "healthy": the machine's TGT then binds to
 * LDAP (GSSAPI, sealed) and the account's own msDS-KeyVersionNumber,
 * enctypes and flags are compared with the keytab.  NTLM is never used, so
 * the DC's old-password grace period cannot make a broken trust look good.
 */
#include "config.h"

#include <ctype.h>
#include <pthread.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmds.h"
#include "krb.h"
#include "ldapconn.h"
#include "machine.h"
#include "netlogon.h"
#include "nrpc_crypto.h"
#include "locate.h"
#include "output.h"
#include "secret.h"
#include "state.h"
#include "xport.h"

#define MAX_KVNOS 8
#define MAX_FINDINGS 12
#define SKEW_LIMIT_S 300

/* userAccountControl bits (MS-ADTS 2.2.16) */
#define UF_ACCOUNTDISABLE 0x0002u
#define UF_LOCKOUT 0x0010u
#define UF_WORKSTATION_TRUST_ACCOUNT 0x1000u
#define UF_SERVER_TRUST_ACCOUNT 0x2000u
#define UF_USE_DES_KEY_ONLY 0x200000u

struct kt_view {
	char path[512];
	int n_entries;
	int n_kvnos;
	unsigned kvno[MAX_KVNOS];     /* descending */
	uint32_t enctypes[MAX_KVNOS]; /* bit per known enctype, per kvno (1<<etype for etype < 32) */
};

struct finding {
	int problem; /* 1: the trust is broken or will break; 0: a note */
	char text[400];
};

struct verify {
	char machine[128]; /* "WS1$" */
	char realm[256];
	struct kt_view kt;
	int password_mode;
	unsigned tried_kvno, good_kvno;
	struct krb_as_result as;
	int dir_read;      /* the directory was read */
	char dir_error[400];
	int64_t dir_kvno, dir_uac, dir_enctypes, dir_pwdlastset;
	int have_dir_kvno, have_dir_uac, have_dir_enctypes, have_dir_pwdlastset;
	char dir_dn[512], dir_dnshostname[256];
	struct finding f[MAX_FINDINGS];
	size_t nf;
	int healthy;
	int method;        /* 1 kerberos, 2 netlogon, 3 both */
	int nl_ran;        /* the Netlogon check produced a verdict */
	struct nl_result nl;
	char nl_error[400]; /* why it could not run */
	int nl_no_secret;   /* ... because no NT hash was to be had (a note, not a problem) */
	int nl_prev_ok;     /* refused with the current secret, accepted with the previous one */
	char nl_prev_what[64];
	char nl_dc[NL_NAME_MAX]; /* the DC the Netlogon check used */
	enum nlt_cat nl_err_cat;  /* why it could not run, as an exit category */
	enum nlt_cat first_problem_cat; /* set when the first problem has a category of its own */
	enum nlt_cat dir_err_cat;       /* why the directory could not be read */
};

static void add_finding(struct verify *v, int problem, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void add_finding(struct verify *v, int problem, const char *fmt, ...)
{
	va_list ap;

	if (v->nf >= MAX_FINDINGS)
		return;
	v->f[v->nf].problem = problem;
	va_start(ap, fmt);
	vsnprintf(v->f[v->nf].text, sizeof(v->f[v->nf].text), fmt, ap);
	va_end(ap);
	v->nf++;
}

static const char *etype_name(int et)
{
	switch (et) {
	case 1: return "des-cbc-crc";
	case 3: return "des-cbc-md5";
	case 17: return "aes128-cts-hmac-sha1-96";
	case 18: return "aes256-cts-hmac-sha1-96";
	case 23: return "rc4-hmac";
	case 19: return "aes128-cts-hmac-sha256-128";
	case 20: return "aes256-cts-hmac-sha384-192";
	}
	return "other";
}

/* Read the keytab: which kvnos and enctypes it holds for the machine. */
static int keytab_scan(krb5_context kc, const char *path, const char *machine, const char *realm, struct kt_view *kv,
		       struct nlt_err *e)
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
				if (kv->n_kvnos < MAX_KVNOS) {
					kv->kvno[kv->n_kvnos++] = ent.vno;
				} else {
					/* full: keep the newest MAX_KVNOS kvnos (tools such as msktutil append, so
					 * the newest is last in the file) - replace the lowest if this one is higher */
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

static const char *verdict_text(const struct verify *v, const char *dc, char *buf, size_t len)
{
	switch (v->as.verdict) {
	case KRBV_OK:
		snprintf(buf, len, "%.100s accepted %.40s's %s", dc, v->machine, v->password_mode ? "password" : "keytab key");
		break;
	case KRBV_BAD_PASSWORD:
		snprintf(buf, len, "%.100s holds a different password for %.40s than this host%s: the trust is broken "
				   "(repair: nltrust reset-password --admin)", dc, v->machine,
			 v->password_mode ? "'s password file" : "'s keytab");
		break;
	case KRBV_DISABLED:
		snprintf(buf, len, "%.40s is disabled, locked out or expired in the directory (%.100s)", v->machine, dc);
		break;
	case KRBV_UNKNOWN_CLIENT:
		snprintf(buf, len, "%.40s does not exist in %.100s: the computer account was deleted or renamed (rejoin)",
			 v->machine, v->realm);
		break;
	case KRBV_SKEW:
		if (v->as.have_skew)
			snprintf(buf, len, "this host's clock is %lld s off %.100s's (more than the 5 minutes Kerberos allows): "
					   "fix the time", (long long)v->as.skew_s, dc);
		else
			snprintf(buf, len, "this host's clock is more than 5 minutes off %.100s's: Kerberos refuses it (fix the time)",
				 dc);
		break;
	case KRBV_NO_KEY:
		snprintf(buf, len, "no key of the keytab is of an encryption type %.100s accepts for %.40s", dc, v->machine);
		break;
	case KRBV_UNREACHABLE:
		snprintf(buf, len, "the KDC on %.100s did not answer", dc);
		break;
	default:
		snprintf(buf, len, "Kerberos AS exchange with %.100s failed: %.200s", dc, v->as.message);
		break;
	}
	return buf;
}

/* Read the account's own object with its fresh TGT and compare. */
static void directory_check(struct verify *v, struct nlt_krb *k, const struct dc_cand *dc, uint64_t deadline)
{
	static const char *const attrs[] = { "msDS-KeyVersionNumber", "userAccountControl",
					     "msDS-SupportedEncryptionTypes", "pwdLastSet", "dNSHostName", NULL };
	struct nlt_ldap ld;
	struct nlt_ldap_entry en;
	struct nlt_err le;
	char filter[200], esc[100];
	int r;

	nlt_clearerr(&le);
	snprintf(filter, sizeof(filter), "ldap/%.180s", dc->info.dc_dns_name);
	/* fetched through our pinned transport, so GSSAPI finds it in the ccache and sends nothing to a KDC */
	if (krb_get_service_ticket(k, filter, &le) < 0 ||
	    nlt_ldap_open(&ld, dc->info.dc_dns_name, &dc->addr, dc->info.dns_domain, deadline, &le) < 0) {
		nlt_strlcpy(v->dir_error, le.msg, sizeof(v->dir_error));
		v->dir_err_cat = le.cat;
		return;
	}
	nlt_ldap_filter_escape(v->machine, esc, sizeof(esc));
	snprintf(filter, sizeof(filter), "(&(objectClass=computer)(sAMAccountName=%s))", esc);
	r = nlt_ldap_search_one(&ld, ld.default_nc, LDAP_SCOPE_SUBTREE, filter, attrs, &en, &le);
	if (r != 0) {
		if (r > 0)
			snprintf(v->dir_error, sizeof(v->dir_error), "%.40s cannot see its own object under %.300s", v->machine,
				 ld.default_nc);
		else {
			nlt_strlcpy(v->dir_error, le.msg, sizeof(v->dir_error));
			v->dir_err_cat = le.cat;
		}
		nlt_ldap_close(&ld);
		return;
	}
	v->dir_read = 1;
	nlt_strlcpy(v->dir_dn, en.dn ? en.dn : "", sizeof(v->dir_dn));
	v->have_dir_kvno = nlt_ldap_i64(&en, "msDS-KeyVersionNumber", &v->dir_kvno);
	v->have_dir_uac = nlt_ldap_i64(&en, "userAccountControl", &v->dir_uac);
	v->have_dir_enctypes = nlt_ldap_i64(&en, "msDS-SupportedEncryptionTypes", &v->dir_enctypes);
	v->have_dir_pwdlastset = nlt_ldap_i64(&en, "pwdLastSet", &v->dir_pwdlastset);
	nlt_ldap_str(&en, "dNSHostName", v->dir_dnshostname, sizeof(v->dir_dnshostname));
	nlt_ldap_entry_free(&en);
	nlt_ldap_close(&ld);
}

static void judge_netlogon(struct verify *v, const char *dcn)
{
	if (!(v->method & 2))
		return;
	if (v->nl_dc[0])
		dcn = v->nl_dc; /* the DC the check ran against (Kerberos may have failed over since) */
	if (!v->nl_ran) {
		/* without a secret Netlogon is skipped - a note beside Kerberos, a failure when it is all we do */
		int problem = !v->nl_no_secret || !(v->method & 1), earlier = 0;
		for (size_t i = 0; i < v->nf; i++)
			earlier |= v->f[i].problem;
		add_finding(v, problem, "Netlogon check on %.100s %s: %.250s", dcn,
			    problem ? "could not run" : "skipped", v->nl_error);
		/* a check that could not run is an unreachable DC or a local problem, not a broken trust */
		if (problem && !earlier && v->nl_err_cat)
			v->first_problem_cat = v->nl_err_cat;
		return;
	}
	switch (v->nl.verdict) {
	case NLV_OK:
		break;
	case NLV_BAD_PASSWORD:
		add_finding(v, 1, "Netlogon: %.100s refuses %.40s's secret (NetrServerAuthenticate3 0x%08x): the secure channel "
				  "is broken (repair: nltrust reset-password --admin)", dcn, v->machine, v->nl.status);
		if (v->nl_prev_ok)
			add_finding(v, 1, "Netlogon: %.100s still holds the previous password (%s works): a change reached this "
					  "host but not that DC", dcn, v->nl_prev_what);
		break;
	case NLV_NO_ACCOUNT:
		add_finding(v, 1, "Netlogon: %.100s has no trust account %.40s (0x%08x)", dcn, v->machine, v->nl.status);
		break;
	case NLV_DISABLED:
		add_finding(v, 1, "Netlogon: %.40s is disabled on %.100s (0x%08x)", v->machine, dcn, v->nl.status);
		break;
	case NLV_NO_AES:
		add_finding(v, 1, "Netlogon: %.100s would not negotiate AES and secure RPC (flags 0x%08x)", dcn, v->nl.flags);
		break;
	case NLV_DOWNGRADE:
		add_finding(v, 1, "Netlogon: the sealed capabilities (0x%08x) differ from the negotiated flags (0x%08x): "
				  "a downgrade", v->nl.caps, v->nl.flags);
		break;
	default:
		add_finding(v, 1, "Netlogon: NetrServerAuthenticate3 on %.100s failed with 0x%08x", dcn, v->nl.status);
		break;
	}
}

static void judge_kerberos(struct verify *v, const struct dc_cand *dc)
{
	char buf[400];
	const char *dcn = dc->info.dc_dns_name;

	if (v->as.verdict != KRBV_OK) {
		add_finding(v, 1, "%s", verdict_text(v, dcn, buf, sizeof(buf)));
		if (v->as.verdict == KRBV_BAD_PASSWORD && v->good_kvno)
			add_finding(v, 1, "the keytab's older key (kvno %u) still works: a password change reached this host "
					  "but not %s (or the account was restored)", v->good_kvno, dcn);
		return;
	}
	if (v->as.have_skew && (v->as.skew_s > SKEW_LIMIT_S || v->as.skew_s < -SKEW_LIMIT_S))
		add_finding(v, 1, "clock skew of %lld s against %s", (long long)v->as.skew_s, dcn);
	if (!v->password_mode && v->good_kvno != v->kt.kvno[0])
		add_finding(v, 1, "the keytab's newest key (kvno %u) is not the one %s accepts (kvno %u): rewrite the keytab",
			    v->kt.kvno[0], dcn, v->good_kvno);
	if (!v->dir_read) {
		/* Kerberos success alone is not "healthy": without the directory's view the keytab's kvno and
		 * enctypes are unchecked.  An unreachable or unreadable directory gets its own exit code. */
		int earlier = 0;
		for (size_t i = 0; i < v->nf; i++)
			earlier |= v->f[i].problem;
		add_finding(v, 1, "the directory could not be compared with the keytab: %.300s", v->dir_error);
		if (!earlier && v->dir_err_cat)
			v->first_problem_cat = v->dir_err_cat;
		return;
	}
	if (v->have_dir_uac) {
		uint32_t uac = (uint32_t)v->dir_uac;
		if (uac & UF_ACCOUNTDISABLE)
			add_finding(v, 1, "%s is disabled in the directory", v->machine);
		if (!(uac & (UF_WORKSTATION_TRUST_ACCOUNT | UF_SERVER_TRUST_ACCOUNT)))
			add_finding(v, 1, "%s is not a workstation or server trust account (userAccountControl 0x%x)",
				    v->machine, uac);
		if (uac & UF_USE_DES_KEY_ONLY)
			add_finding(v, 1, "%s is marked DES-only (USE_DES_KEY_ONLY)", v->machine);
	}
	if (!v->password_mode && v->have_dir_kvno && (int64_t)v->good_kvno != v->dir_kvno)
		add_finding(v, 1, "the keytab key that worked has kvno %u but the directory says msDS-KeyVersionNumber %lld: "
				  "another DC may hold a newer password (replication) or the keytab is stale",
			    v->good_kvno, (long long)v->dir_kvno);
	if (!v->password_mode && v->have_dir_enctypes) {
		uint32_t want = (uint32_t)v->dir_enctypes, have = v->kt.enctypes[0];
		int aes_dir = (want & 0x18) != 0, aes_kt = (have & ((1u << 17) | (1u << 18))) != 0;
		if (aes_dir && !aes_kt)
			add_finding(v, 1, "the account supports AES but the keytab has no AES key for kvno %u",
				    v->good_kvno);
	}
	if (!v->have_dir_enctypes || !((uint32_t)v->dir_enctypes & 0x18))
		add_finding(v, 0, "msDS-SupportedEncryptionTypes does not include AES: service tickets for this host "
				  "use RC4");
}

static void print_text(const struct verify *v, const struct dc_cand *dc)
{
	char ab[64], tb[40];

	printf("Machine:    %s@%s\n", v->machine, v->realm);
	printf("DC:         %s (%s)\n", dc->info.dc_dns_name, nlt_addr_str(&dc->addr, ab, sizeof(ab)));
	if (v->password_mode) {
		printf("Secret:     password file\n");
	} else {
		printf("Keytab:     %s, kvno", v->kt.path);
		for (int i = 0; i < v->kt.n_kvnos; i++)
			printf("%s%u", i ? "," : " ", v->kt.kvno[i]);
		printf(" (");
		for (int et = 1, first = 1; et < 32; et++)
			if (v->kt.enctypes[0] & (1u << et)) {
				printf("%s%s", first ? "" : " ", etype_name(et));
				first = 0;
			}
		printf(")\n");
	}
	if (v->method & 1)
		printf("Kerberos:   %s in %.1f ms%s%s\n", krb_verdict_str(v->as.verdict), v->as.elapsed_us / 1000.0,
		       v->as.verdict ? " - " : "", v->as.verdict ? v->as.message : "");
	if ((v->method & 2) && v->nl_ran)
		printf("Netlogon:   %s in %.1f ms (TCP %u, flags 0x%08x%s, RID %u%s)\n", nl_verdict_str(v->nl.verdict),
		       v->nl.elapsed_us / 1000.0, v->nl.port, v->nl.flags,
		       (v->nl.flags & NL_NEG_AES) ? " AES" : "", v->nl.rid,
		       v->nl.caps_checked ? ", sealed capabilities match" : "");
	else if (v->method & 2)
		printf("Netlogon:   not run - %s\n", v->nl_error);
	if (v->as.have_skew)
		printf("Clock:      %+lld s against the DC\n", (long long)v->as.skew_s);
	if (v->dir_read) {
		printf("Directory:  %s\n", v->dir_dn);
		if (v->have_dir_kvno)
			printf("            msDS-KeyVersionNumber %lld", (long long)v->dir_kvno);
		if (v->have_dir_pwdlastset && v->dir_pwdlastset > 0) {
			int64_t unix_s = v->dir_pwdlastset / 10000000 - 11644473600LL;
			printf(", pwdLastSet %s", nlt_iso8601(unix_s, tb, sizeof(tb)));
		}
		printf("\n");
	}
	if (v->nf) {
		printf("\nFindings:\n");
		for (size_t i = 0; i < v->nf; i++)
			printf("  %s%s\n", v->f[i].problem ? "" : "note: ", v->f[i].text);
	}
	printf("\n%s\n", v->healthy ? "Healthy: the DC accepts this host's machine credentials."
				    : "BROKEN: see the findings above.");
}

static void print_json(const struct verify *v, const struct dc_cand *dc)
{
	struct json_object *o = json_object_new_object(), *k = json_object_new_object(), *d, *fa, *pa;
	char ab[64], tb[40];

	json_object_object_add(o, "machine", json_object_new_string(v->machine));
	json_object_object_add(o, "realm", json_object_new_string(v->realm));
	d = json_object_new_object();
	json_object_object_add(d, "name", json_object_new_string(dc->info.dc_dns_name));
	json_object_object_add(d, "address", json_object_new_string(nlt_addr_str(&dc->addr, ab, sizeof(ab))));
	json_object_object_add(d, "site", json_object_new_string(dc->info.dc_site));
	json_object_object_add(o, "dc", d);
	if (v->password_mode) {
		json_object_object_add(o, "keytab", NULL);
	} else {
		struct json_object *kt = json_object_new_object(), *kv = json_object_new_array(),
				   *et = json_object_new_array();
		json_object_object_add(kt, "path", json_object_new_string(v->kt.path));
		for (int i = 0; i < v->kt.n_kvnos; i++)
			json_object_array_add(kv, json_object_new_int((int)v->kt.kvno[i]));
		for (int e = 1; e < 32; e++)
			if (v->kt.enctypes[0] & (1u << e))
				json_object_array_add(et, json_object_new_string(etype_name(e)));
		json_object_object_add(kt, "kvnos", kv);
		json_object_object_add(kt, "newest_enctypes", et);
		json_object_object_add(o, "keytab", kt);
	}
	json_object_object_add(k, "result", json_object_new_string(krb_verdict_str(v->as.verdict)));
	json_object_object_add(k, "code", json_object_new_int64((int64_t)v->as.code));
	json_object_object_add(k, "message", v->as.message[0] ? json_object_new_string(v->as.message) : NULL);
	json_object_object_add(k, "kvno_tried", v->password_mode ? NULL : json_object_new_int((int)v->tried_kvno));
	json_object_object_add(k, "kvno_accepted", v->good_kvno ? json_object_new_int((int)v->good_kvno) : NULL);
	json_object_object_add(k, "elapsed_ms", out_ms_json(v->as.elapsed_us));
	json_object_object_add(k, "skew_s", v->as.have_skew ? json_object_new_int64(v->as.skew_s) : NULL);
	json_object_object_add(o, "kerberos", (v->method & 1) ? k : NULL);
	if (!(v->method & 1))
		json_object_put(k);
	if (v->method & 2) {
		struct json_object *n = json_object_new_object();
		json_object_object_add(n, "result", json_object_new_string(v->nl_ran ? nl_verdict_str(v->nl.verdict) : "error"));
		json_object_object_add(n, "error", v->nl_ran ? NULL : json_object_new_string(v->nl_error));
		json_object_object_add(n, "status", json_object_new_int64(v->nl.status));
		json_object_object_add(n, "negotiated_flags", json_object_new_int64(v->nl.flags));
		json_object_object_add(n, "aes", json_object_new_boolean((v->nl.flags & NL_NEG_AES) != 0));
		json_object_object_add(n, "account_rid", v->nl.rid ? json_object_new_int64(v->nl.rid) : NULL);
		json_object_object_add(n, "sealed_capabilities_match",
				       json_object_new_boolean(v->nl.caps_checked && v->nl.caps == v->nl.flags));
		json_object_object_add(n, "port", v->nl.port ? json_object_new_int(v->nl.port) : NULL);
		json_object_object_add(n, "dc", v->nl_dc[0] ? json_object_new_string(v->nl_dc) : NULL);
		json_object_object_add(n, "elapsed_ms", out_ms_json(v->nl.elapsed_us));
		json_object_object_add(o, "netlogon", n);
	} else {
		json_object_object_add(o, "netlogon", NULL);
	}
	if (v->dir_read) {
		d = json_object_new_object();
		json_object_object_add(d, "dn", json_object_new_string(v->dir_dn));
		json_object_object_add(d, "key_version_number", v->have_dir_kvno ? json_object_new_int64(v->dir_kvno) : NULL);
		json_object_object_add(d, "user_account_control", v->have_dir_uac ? json_object_new_int64(v->dir_uac) : NULL);
		json_object_object_add(d, "supported_encryption_types",
				       v->have_dir_enctypes ? json_object_new_int64(v->dir_enctypes) : NULL);
		json_object_object_add(d, "pwd_last_set",
				       v->have_dir_pwdlastset && v->dir_pwdlastset > 0
					       ? json_object_new_string(nlt_iso8601(v->dir_pwdlastset / 10000000 - 11644473600LL,
										    tb, sizeof(tb)))
					       : NULL);
		json_object_object_add(d, "dns_host_name",
				       v->dir_dnshostname[0] ? json_object_new_string(v->dir_dnshostname) : NULL);
		json_object_object_add(o, "directory", d);
	} else {
		json_object_object_add(o, "directory", NULL);
		json_object_object_add(o, "directory_error", v->dir_error[0] ? json_object_new_string(v->dir_error) : NULL);
	}
	fa = json_object_new_array();
	pa = json_object_new_array();
	for (size_t i = 0; i < v->nf; i++)
		json_object_array_add(v->f[i].problem ? pa : fa, json_object_new_string(v->f[i].text));
	json_object_object_add(o, "problems", pa);
	json_object_object_add(o, "notes", fa);
	json_object_object_add(o, "healthy", json_object_new_boolean(v->healthy));
	out_json_print(o);
	json_object_put(o);
}

/*
 * What the Netlogon check needs, prepared in the main thread (keytab and journal reads go
 * through libkrb5 and getenv, which must not race the main thread's setenv), so that the check
 * itself - RPC only - can run in its own thread beside Kerberos.
 */
struct nl_job {
	struct verify *v;      /* only its nl_* fields are written */
	char dc_name[NL_NAME_MAX], netbios_domain[NL_NAME_MAX];
	struct nlt_addr addr;
	uint64_t deadline;
	uint8_t nt_cur[16], nt_prev[16];
	int have_prev;
};

/* 0 when the current secret's NT hash is in j->nt_cur (and the previous one, if any, in nt_prev). */
static int nl_job_init(struct nl_job *j, struct verify *v, const struct dc_cand *dc, const char *keytab,
		       const char *state_dir, const struct secret *pw, uint64_t deadline)
{
	unsigned kvno_cur = v->kt.n_kvnos ? v->kt.kvno[0] : 0, kvno_prev = v->kt.n_kvnos > 1 ? v->kt.kvno[1] : 0;

	memset(j, 0, sizeof(*j));
	j->v = v;
	nlt_strlcpy(j->dc_name, dc->info.dc_dns_name, sizeof(j->dc_name));
	nlt_strlcpy(j->netbios_domain, dc->info.netbios_domain, sizeof(j->netbios_domain));
	j->addr = dc->addr;
	j->deadline = deadline;
	nlt_strlcpy(v->nl_dc, j->dc_name, sizeof(v->nl_dc));
	if (v->password_mode) {
		if (nrpc_nt_hash_utf8(pw->buf, pw->len, j->nt_cur) != WIRE_OK) {
			snprintf(v->nl_error, sizeof(v->nl_error), "the machine password is not valid UTF-8");
			v->nl_err_cat = NLT_EUSAGE;
			return -1;
		}
		return 0;
	}
	if ((!kvno_cur || machine_nt_hash_keytab(NULL, keytab, v->machine, v->realm, kvno_cur, j->nt_cur) < 0) &&
	    machine_nt_hash_journal(state_dir, v->realm, v->machine, STATE_CURRENT, j->nt_cur) < 0) {
		v->nl_no_secret = 1;
		v->nl_err_cat = NLT_ECONFIG;
		snprintf(v->nl_error, sizeof(v->nl_error), "neither the keytab (no rc4-hmac key) nor the journal holds "
							  "%.40s's NT hash; give --machine-password-file", v->machine);
		return -1;
	}
	/* the previous secret, for "the DC still holds the previous password" */
	if (kvno_prev && machine_nt_hash_keytab(NULL, keytab, v->machine, v->realm, kvno_prev, j->nt_prev) == 0) {
		j->have_prev = 1;
		snprintf(v->nl_prev_what, sizeof(v->nl_prev_what), "the keytab's kvno %u", kvno_prev);
	} else if (machine_nt_hash_journal(state_dir, v->realm, v->machine, STATE_PREVIOUS, j->nt_prev) == 0) {
		j->have_prev = 1;
		snprintf(v->nl_prev_what, sizeof(v->nl_prev_what), "the journal's previous password");
	}
	return 0;
}

static void netlogon_run(struct nl_job *j)
{
	struct verify *v = j->v;
	struct nlt_err ne;

	nlt_clearerr(&ne);
	if (nl_secure_channel(j->dc_name, &j->addr, j->netbios_domain, v->machine, j->nt_cur, j->deadline, &v->nl, &ne) < 0) {
		nlt_strlcpy(v->nl_error, ne.msg, sizeof(v->nl_error));
		v->nl_err_cat = ne.cat;
	} else {
		v->nl_ran = 1;
	}
	/* refused: does the DC still hold the previous secret? */
	if (v->nl_ran && v->nl.verdict == NLV_BAD_PASSWORD && j->have_prev) {
		struct nl_result prev;
		if (nl_secure_channel(j->dc_name, &j->addr, j->netbios_domain, v->machine, j->nt_prev, j->deadline, &prev,
				      &ne) == 0 && prev.verdict == NLV_OK)
			v->nl_prev_ok = 1;
	}
	nlt_wipe(j->nt_cur, sizeof(j->nt_cur));
	nlt_wipe(j->nt_prev, sizeof(j->nt_prev));
	nlt_vlog("Netlogon secure channel with %s: %s in %.1f ms (%u connections, %u calls)", j->dc_name,
		 v->nl_ran ? nl_verdict_str(v->nl.verdict) : v->nl_error, v->nl.elapsed_us / 1000.0, v->nl.n_connects,
		 v->nl.n_calls);
}

static void *nl_thread(void *arg)
{
	netlogon_run(arg);
	return NULL;
}

int cmd_verify(struct nlt_ctx *ctx, struct nlt_err *e)
{
	const struct nlt_req *req = ctx->req;
	struct locate_req lr = {
		.domain = ctx->domain[0] ? ctx->domain : NULL,
		.server = req->server,
		.site = req->site,
		.need_flags = req->server ? 0 : DS_KDC_FLAG | DS_WRITABLE_FLAG,
		.deadline_ms = ctx->deadline_ms,
	};
	struct locate_result res;
	struct verify *v = calloc(1, sizeof(*v));
	struct secret pw;
	struct nlt_krb k;
	const struct dc_cand *dc;
	struct nl_job job;
	pthread_t nl_tid;
	int r = -1, have_krb = 0, nl_started = 0, job_ready = 0;

	memset(&pw, 0, sizeof(pw));
	memset(&res, 0, sizeof(res));
	if (!v)
		return nlt_seterr(e, NLT_EINTERNAL, "out of memory");
	if (machine_account(req->machine, MACHINE_SAM_MAX, v->machine, sizeof(v->machine), NULL, 0, e) < 0)
		goto out;
	v->password_mode = req->machine_password_file != NULL;
	if (v->password_mode && secret_from_file(&pw, req->machine_password_file, "machine password", e) < 0)
		goto out;
	if (!ctx->domain[0] && !req->server) {
		nlt_seterr(e, NLT_ECONFIG, "no domain given and none configured (give DOMAIN or -d)");
		goto out;
	}
	if (locate_dc(&lr, &ctx->rs, &res, e) < 0)
		goto out;
	dc = &res.cands[res.chosen];
	nlt_strlcpy(v->realm, dc->info.dns_domain[0] ? dc->info.dns_domain : ctx->domain, sizeof(v->realm));
	for (char *c = v->realm; *c; c++)
		*c = (char)toupper((unsigned char)*c);
	v->method = req->method ? req->method : 3;
	if (!v->password_mode && (v->method & 2)) {
		/* the keytab's kvnos, for the Netlogon secret; the Kerberos path reads it again itself */
		krb5_context kc;
		const char *path = req->keytab ? req->keytab : "/etc/krb5.keytab";
		if (krb5_init_context(&kc) != 0) {
			nlt_seterr(e, NLT_EINTERNAL, "Kerberos: cannot initialise a context");
			goto out;
		}
		r = keytab_scan(kc, path, v->machine, v->realm, &v->kt, e);
		krb5_free_context(kc);
		if (r < 0)
			goto out;
		r = -1;
	}
	if (v->method == 3) {
		/* both: the Netlogon check runs in its own thread while Kerberos and LDAP run here */
		if (nl_job_init(&job, v, dc, req->keytab ? req->keytab : "/etc/krb5.keytab", req->state_dir, &pw,
				ctx->deadline_ms) == 0) {
			if (pthread_create(&nl_tid, NULL, nl_thread, &job) == 0)
				nl_started = 1;
			else
				job_ready = 1; /* run it in this thread at the end */
		}
	}
	if (!(v->method & 1))
		goto netlogon;
again:
	nlt_ldap_preconnect(&dc->addr); /* the directory check's connection opens during the AS exchange */
	if (krb_open(&k, v->realm, dc->info.dc_dns_name, &dc->addr, ctx->deadline_ms, e) < 0)
		goto out;
	have_krb = 1;
	if (krb_use_ccache(&k, e) < 0)
		goto out;

	if (v->password_mode) {
		if (krb_as_password(&k, v->machine, pw.buf, 1, &v->as, e) < 0)
			goto out;
		if (v->as.verdict == KRBV_OK)
			v->good_kvno = 0;
	} else {
		const char *path = req->keytab ? req->keytab : "/etc/krb5.keytab";
		if (keytab_scan(k.kc, path, v->machine, v->realm, &v->kt, e) < 0)
			goto out;
		if (!v->kt.n_kvnos) {
			nlt_seterr(e, NLT_ECONFIG, "the keytab %s has no key for %s@%s (use -m or -K)", path, v->machine,
				   v->realm);
			goto out;
		}
		/* newest first; on a wrong password try the older ones, to say which one the DC has */
		for (int i = 0; i < v->kt.n_kvnos && i < 3; i++) {
			struct krb_as_result as;
			krb5_keytab mk = NULL;
			if (keytab_one_kvno(k.kc, path, v->machine, v->realm, v->kt.kvno[i], &mk, e) < 0)
				goto out;
			r = krb_as_keytab(&k, v->machine, mk, 1, &as, e);
			krb5_kt_close(k.kc, mk);
			r = r < 0 ? -1 : 0;
			if (r < 0)
				goto out;
			if (i == 0) {
				v->as = as;
				v->tried_kvno = v->kt.kvno[0];
			}
			if (as.verdict == KRBV_OK) {
				v->good_kvno = v->kt.kvno[i];
				if (i > 0) {
					/* report the newest key's failure, but keep the skew learnt here */
					v->as.have_skew = as.have_skew;
					v->as.skew_s = as.skew_s;
				}
				break;
			}
			if (as.verdict != KRBV_BAD_PASSWORD)
				break;
		}
		r = -1;
	}
	if (v->as.verdict == KRBV_UNREACHABLE) {
		int next;
		nlt_seterr(e, NLT_ENODC, "Kerberos AS exchange with %s (%s:88/tcp) failed: %s", dc->info.dc_dns_name,
			   k.dc_addr, k.last_xp_status ? xp_status_str(k.last_xp_status) : v->as.message);
		/* that DC's KDC is unreachable: the next suitable DC of discovery takes over */
		res.cands[res.chosen].status = CAND_UNREACH;
		next = req->server ? -1 : locate_choose(res.cands, res.n, lr.need_flags);
		if (next < 0)
			goto out;
		nlt_vlog("%s; failing over to %s", e->msg, res.cands[next].info.dc_dns_name);
		krb_close(&k);
		have_krb = 0;
		res.chosen = next;
		dc = &res.cands[next];
		memset(&v->as, 0, sizeof(v->as));
		v->good_kvno = v->tried_kvno = 0;
		nlt_clearerr(e);
		goto again;
	}
	/* a key worked (the newest or an older one): read our own object with that TGT */
	if (v->as.verdict == KRBV_OK || v->good_kvno)
		directory_check(v, &k, dc, ctx->deadline_ms);
netlogon:
	if (nl_started) {
		pthread_join(nl_tid, NULL);
		nl_started = 0;
	} else if (job_ready) {
		netlogon_run(&job);
	}
	/* Kerberos failed over to another DC and the Netlogon check could not reach the first one:
	 * run it again on the DC everything else used */
	if ((v->method & 2) && !v->nl_ran && !v->nl_no_secret && v->nl_dc[0] &&
	    !nlt_name_eq(v->nl_dc, dc->info.dc_dns_name)) {
		memset(&v->nl, 0, sizeof(v->nl));
		v->nl_error[0] = '\0';
		v->nl_err_cat = NLT_OK;
		if (nl_job_init(&job, v, dc, req->keytab ? req->keytab : "/etc/krb5.keytab", req->state_dir, &pw,
				ctx->deadline_ms) == 0)
			netlogon_run(&job);
	} else if ((v->method & 2) && !v->nl_error[0]) {
		if (nl_job_init(&job, v, dc, req->keytab ? req->keytab : "/etc/krb5.keytab", req->state_dir, &pw,
				ctx->deadline_ms) == 0)
			netlogon_run(&job);
	}
	/* Kerberos findings first (they name the cause best), then Netlogon's */
	if (v->method & 1)
		judge_kerberos(v, dc);
	judge_netlogon(v, dc->info.dc_dns_name);
	v->healthy = 1;
	for (size_t i = 0; i < v->nf; i++)
		if (v->f[i].problem)
			v->healthy = 0;
	if (req->json)
		print_json(v, dc);
	else if (!req->quiet)
		print_text(v, dc);
	if (!v->healthy) {
		for (size_t i = 0; i < v->nf; i++)
			if (v->f[i].problem) {
				nlt_seterr(e, v->first_problem_cat ? v->first_problem_cat : NLT_EPROBLEM, "%s", v->f[i].text);
				break;
			}
		goto out;
	}
	r = 0;
out:
	if (nl_started)
		pthread_join(nl_tid, NULL); /* it writes into v: never free v under it */
	nlt_ldap_preconnect_drop();
	if (have_krb)
		krb_close(&k);
	secret_free(&pw);
	locate_result_free(&res);
	free(v);
	return r;
}
