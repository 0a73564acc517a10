/* src/krb/krb.c - Kerberos pinned to one DC (see krb.h). */
#include "config.h"
#include "krb.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gssapi/gssapi_krb5.h>
#include <profile.h>

#include "keys.h"
#include "krb_msg.h"
#include "xport.h"

#define KDC_PORT 88
#define CONNECT_BUDGET_MS 2000
#define KDC_REPLY_MAX (1u << 20) /* a PAC-laden reply is a few KB; refuse absurd lengths */

static char conf_to_remove[128];

static void remove_conf(void)
{
	if (conf_to_remove[0])
		(void)unlink(conf_to_remove);
	conf_to_remove[0] = '\0';
}

/* Characters allowed in the values we write into the profile (no quoting in krb5.conf). */
static int profile_safe(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!(isalnum((unsigned char)*s) || *s == '.' || *s == '-' || *s == ':' || *s == '_'))
			return 0;
	return 1;
}

/* Read exactly len bytes before the deadline; XP_OK or a status. */
static int recv_exact(int fd, uint8_t *buf, size_t len, uint64_t deadline_ms)
{
	size_t got = 0;

	while (got < len) {
		ssize_t r = xp_recv_some(fd, buf + got, len - got, deadline_ms);
		if (r <= 0)
			return r == 0 ? XP_CLOSED : (int)-r;
		got += (size_t)r;
	}
	return XP_OK;
}

/* One request/reply on the open connection (RFC 4120 7.2.2 framing); XP_OK or a status. */
static int kdc_exchange(struct nlt_krb *k, const krb5_data *msg, uint8_t **reply, size_t *reply_len)
{
	uint8_t hdr[4];
	uint32_t n;
	int st;

	hdr[0] = (uint8_t)(msg->length >> 24);
	hdr[1] = (uint8_t)(msg->length >> 16);
	hdr[2] = (uint8_t)(msg->length >> 8);
	hdr[3] = (uint8_t)msg->length;
	if ((st = xp_send_all(k->kdc_fd, hdr, 4, k->deadline_ms)) != XP_OK ||
	    (st = xp_send_all(k->kdc_fd, msg->data, msg->length, k->deadline_ms)) != XP_OK)
		return st;
	if ((st = recv_exact(k->kdc_fd, hdr, 4, k->deadline_ms)) != XP_OK)
		return st;
	n = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 | (uint32_t)hdr[2] << 8 | hdr[3];
	if (n == 0 || n > KDC_REPLY_MAX)
		return XP_NETERR;
	*reply = malloc(n);
	if (!*reply)
		return XP_NETERR;
	if ((st = recv_exact(k->kdc_fd, *reply, n, k->deadline_ms)) != XP_OK) {
		free(*reply);
		*reply = NULL;
		return st;
	}
	*reply_len = n;
	return XP_OK;
}

static krb5_error_code KRB5_CALLCONV kdc_send_hook(krb5_context kc, void *data, const krb5_data *realm,
						   const krb5_data *msg, krb5_data **new_msg, krb5_data **reply_out)
{
	struct nlt_krb *k = data;
	uint8_t *buf = NULL;
	size_t len = 0;
	krb5_data d;
	krb5_error_code rc;
	int st = XP_NETERR;

	(void)realm;
	*new_msg = NULL;
	for (int attempt = 0; attempt < 2; attempt++) {
		int reused = k->kdc_fd >= 0;
		if (!reused) {
			/* a DC that answered the LDAP ping connects at once: give a connect 2 s at most, so a
			 * failover to another DC still has time */
			uint64_t cd = nlt_now_ms() + CONNECT_BUDGET_MS;
			k->kdc_fd = xp_tcp_connect_race(&k->kdc, cd < k->deadline_ms ? cd : k->deadline_ms, &st);
			if (k->kdc_fd < 0)
				break;
			k->n_connects++;
		}
		st = kdc_exchange(k, msg, &buf, &len);
		if (st == XP_OK)
			break;
		xp_close(&k->kdc_fd);
		/* a KDC may close an idle connection: one fresh try, never past the deadline */
		if (!reused || st == XP_TIMEOUT)
			break;
	}
	if (st != XP_OK) {
		k->last_xp_status = st;
		nlt_vlog("Kerberos: KDC %s:%d over TCP: %s", k->dc_addr, KDC_PORT, xp_status_str(st));
		return KRB5_KDC_UNREACH;
	}
	k->n_exchanges++;
	{
		/* the AS-REP's enc-part names the key version the KDC holds for the client */
		struct krb_as_rep_info ai;
		struct krb_error ke;
		int type = krb_msg_type(buf, len);
		if (type == KRB_MSG_AS_REP && krb_dec_as_rep(buf, len, &ai) == WIRE_OK) {
			k->have_as_kvno = ai.have_kvno;
			k->as_kvno = ai.enc_kvno;
			k->as_etype = ai.enc_etype;
#ifndef NLT_DISABLE_FAILPOINTS
			{
				/* test hook: what an on-path rewrite of the (unauthenticated) outer kvno looks like;
				 * "-later" spares the first AS-REP of the process */
				static unsigned n_as_reps;
				const char *fp = getenv("NLT_FAILPOINT");
				n_as_reps++;
				if (fp && k->have_as_kvno &&
				    (strcmp(fp, "as-rep-kvno-skew") == 0 ||
				     (strcmp(fp, "as-rep-kvno-skew-later") == 0 && n_as_reps > 1)))
					k->as_kvno += 5;
			}
#endif
		} else if (type == KRB_MSG_ERROR && krb_dec_error(buf, len, &ke) == WIRE_OK) {
			/* stime/susec: the KDC's clock when it answered (RFC 4120 5.9.1) */
			int64_t now_us = nlt_wall_us();
			k->kdc_skew_s = (ke.stime * 1000000 + ke.susec - now_us) / 1000000;
			k->have_kdc_time = 1;
		}
	}
	d.magic = KV5M_DATA;
	d.length = (unsigned)len;
	d.data = (char *)buf;
	rc = krb5_copy_data(kc, &d, reply_out);
	free(buf);
	return rc;
}

static int open_common(struct nlt_krb *k, const char *realm, const char *dc_name, const struct nlt_addr *dc_addr,
		       uint64_t deadline_ms, int private_ctx, struct nlt_err *e)
{
	const char *tmp = getenv("TMPDIR");
	char lower[256], host[80];
	krb5_error_code rc;
	FILE *f;
	int fd;

	memset(k, 0, sizeof(*k));
	k->kdc_fd = -1;
	k->deadline_ms = deadline_ms;
	k->kdc = *dc_addr;
	nlt_addr_set_port(&k->kdc, KDC_PORT);
	if (nlt_strlcpy(k->realm, realm, sizeof(k->realm)) >= sizeof(k->realm) || !profile_safe(realm))
		return nlt_seterr(e, NLT_EUSAGE, "'%s' is not a usable Kerberos realm name", realm);
	for (char *c = k->realm; *c; c++)
		*c = (char)toupper((unsigned char)*c);
	nlt_strlcpy(lower, k->realm, sizeof(lower));
	for (char *c = lower; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	nlt_strlcpy(k->dc_name, dc_name ? dc_name : "", sizeof(k->dc_name));
	nlt_addr_str(dc_addr, k->dc_addr, sizeof(k->dc_addr));
	/* IPv6 literals need brackets in host[:port] positions */
	snprintf(host, sizeof(host), dc_addr->ss.ss_family == AF_INET6 ? "[%s]" : "%s", k->dc_addr);

	snprintf(k->conf_path, sizeof(k->conf_path), "%s/nltrust-krb5-XXXXXX",
		 tmp && *tmp && strlen(tmp) < 80 ? tmp : "/tmp");
	fd = mkstemp(k->conf_path);
	if (fd < 0)
		return nlt_seterr(e, NLT_ECONFIG, "cannot create a private krb5.conf in %s: %s",
				  tmp && *tmp ? tmp : "/tmp", strerror(errno));
	(void)fchmod(fd, 0600);
	nlt_strlcpy(conf_to_remove, k->conf_path, sizeof(conf_to_remove));
	{
		static int registered;
		if (!registered++)
			atexit(remove_conf);
	}
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return nlt_seterr(e, NLT_EINTERNAL, "fdopen: %s", strerror(errno));
	}
	fprintf(f,
		"# written by nltrust for one command: every Kerberos exchange goes to %s\n"
		"[libdefaults]\n"
		"\tdefault_realm = %s\n"
		"\tdns_lookup_kdc = false\n"
		"\tdns_lookup_realm = false\n"
		"\tdns_canonicalize_hostname = false\n"
		"\trdns = false\n"
		"\tudp_preference_limit = 1\n" /* every message over TCP */
		"\tforwardable = false\n"
		"\tproxiable = false\n"
		"\tnoaddresses = true\n"
		"\tallow_weak_crypto = false\n"
		"[realms]\n"
		"\t%s = {\n"
		"\t\tkdc = %s\n"
		"\t\tmaster_kdc = %s\n"
		"\t\tkpasswd_server = %s\n"
		"\t\tadmin_server = %s\n"
		"\t}\n"
		"[domain_realm]\n"
		"\t.%s = %s\n"
		"\t%s = %s\n",
		k->dc_name[0] ? k->dc_name : k->dc_addr, k->realm, k->realm, host, host, host, host, lower, k->realm,
		lower, k->realm);
	if (fflush(f) != 0 || ferror(f)) {
		fclose(f);
		return nlt_seterr(e, NLT_ECONFIG, "cannot write %s: %s", k->conf_path, strerror(errno));
	}
	fclose(f);
	if (private_ctx) {
		/* the context reads our profile, not the environment: nothing process-wide is touched */
		profile_t prof = NULL;
		const char *files[2] = { k->conf_path, NULL };
		rc = profile_init(files, &prof);
		if (!rc)
			rc = krb5_init_context_profile(prof, 0, &k->kc);
		if (prof)
			profile_release(prof);
		k->private_ctx = 1;
	} else {
		/* GSSAPI (SASL binds) reads the same profile */
		setenv("KRB5_CONFIG", k->conf_path, 1);
		rc = krb5_init_context(&k->kc);
	}
	if (rc)
		return nlt_seterr(e, NLT_ECONFIG, "Kerberos: cannot initialise a context with %s (error %d)",
				  k->conf_path, (int)rc);
	krb5_set_kdc_send_hook(k->kc, kdc_send_hook, k);
	snprintf(k->ccache_name, sizeof(k->ccache_name), "MEMORY:nltrust-%ld", (long)getpid());
	nlt_vlog("Kerberos pinned to %s (%s), realm %s, TCP only", k->dc_name[0] ? k->dc_name : k->dc_addr,
		 k->dc_addr, k->realm);
	return 0;
}

int krb_open(struct nlt_krb *k, const char *realm, const char *dc_name, const struct nlt_addr *dc_addr,
	     uint64_t deadline_ms, struct nlt_err *e)
{
	return open_common(k, realm, dc_name, dc_addr, deadline_ms, 0, e);
}

int krb_open_private(struct nlt_krb *k, const char *realm, const char *dc_name, const struct nlt_addr *dc_addr,
		     uint64_t deadline_ms, struct nlt_err *e)
{
	return open_common(k, realm, dc_name, dc_addr, deadline_ms, 1, e);
}

void krb_close(struct nlt_krb *k)
{
	if (k->n_exchanges)
		nlt_vlog("Kerberos: %u KDC exchange(s) over %u TCP connection(s) to %s", k->n_exchanges, k->n_connects,
			 k->dc_addr);
	if (k->kc) {
		krb5_ccache cc;
		if (!k->keep_env_ccache && k->ccache_name[0] && krb5_cc_resolve(k->kc, k->ccache_name, &cc) == 0)
			krb5_cc_destroy(k->kc, cc);
		krb5_free_context(k->kc);
	}
	k->kc = NULL;
	xp_close(&k->kdc_fd);
	remove_conf();
}

const char *krb_verdict_str(enum krb_verdict v)
{
	switch (v) {
	case KRBV_NOT_RUN: return "not_run";
	case KRBV_OK: return "ok";
	case KRBV_BAD_PASSWORD: return "password_mismatch";
	case KRBV_DISABLED: return "account_disabled";
	case KRBV_UNKNOWN_CLIENT: return "account_unknown";
	case KRBV_SKEW: return "clock_skew";
	case KRBV_NO_KEY: return "no_usable_key";
	case KRBV_UNREACHABLE: return "kdc_unreachable";
	case KRBV_OTHER: break;
	}
	return "error";
}

enum krb_verdict krb_classify(krb5_error_code code)
{
	switch (code) {
	case 0: return KRBV_OK;
	case KRB5KDC_ERR_PREAUTH_FAILED:
	case KRB5KRB_AP_ERR_BAD_INTEGRITY:
	case KRB5KRB_AP_ERR_MODIFIED:
		return KRBV_BAD_PASSWORD;
	case KRB5KDC_ERR_CLIENT_REVOKED:
	case KRB5KDC_ERR_NAME_EXP:
	case KRB5KDC_ERR_KEY_EXP:
		return KRBV_DISABLED;
	case KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN:
		return KRBV_UNKNOWN_CLIENT;
	case KRB5KRB_AP_ERR_SKEW:
		return KRBV_SKEW;
	case KRB5KDC_ERR_ETYPE_NOSUPP:
	case KRB5_KT_NOTFOUND:
	case KRB5_KT_KVNONOTFOUND:
		return KRBV_NO_KEY;
	case KRB5_KDC_UNREACH:
	case KRB5_REALM_CANT_RESOLVE:
		return KRBV_UNREACHABLE;
	}
	return KRBV_OTHER;
}

static int make_principal(struct nlt_krb *k, const char *name, krb5_principal *p, struct nlt_err *e)
{
	char full[512];
	krb5_error_code rc;

	if (strchr(name, '@'))
		nlt_strlcpy(full, name, sizeof(full));
	else
		snprintf(full, sizeof(full), "%s@%s", name, k->realm);
	rc = krb5_parse_name(k->kc, full, p);
	if (rc)
		return nlt_seterr(e, NLT_EUSAGE, "'%s' is not a valid Kerberos principal", full);
	return 0;
}

static int as_common(struct nlt_krb *k, const char *principal, const char *password, krb5_keytab kt, int store,
		     struct krb_as_result *res, struct nlt_err *e)
{
	krb5_get_init_creds_opt *opt = NULL;
	krb5_principal p = NULL;
	krb5_ccache cc = NULL;
	krb5_creds creds;
	krb5_error_code rc;
	uint64_t t0;
	char salt[600];
	krb5_data sd;

	memset(res, 0, sizeof(*res));
	memset(&creds, 0, sizeof(creds));
	k->have_as_kvno = 0;
	k->have_kdc_time = 0;
	if (make_principal(k, principal, &p, e) < 0)
		return -1;
	rc = krb5_get_init_creds_opt_alloc(k->kc, &opt);
	if (rc) {
		krb5_free_principal(k->kc, p);
		return nlt_seterr(e, NLT_EINTERNAL, "Kerberos: out of memory");
	}
	krb5_get_init_creds_opt_set_tkt_life(opt, 3600);
	krb5_get_init_creds_opt_set_forwardable(opt, 0);
	krb5_get_init_creds_opt_set_proxiable(opt, 0);
	krb5_get_init_creds_opt_set_canonicalize(opt, 0);
	/*
	 * Optimistic pre-authentication: PA-ENC-TIMESTAMP in the first AS-REQ (MIT sends it when the
	 * application gives a preauth list), saving the PREAUTH_REQUIRED round trip.  A machine
	 * account's AD salt is not the principal's default one, so a password gets it explicitly;
	 * a keytab key needs none.  A KDC that wants something else answers PREAUTH_REQUIRED and
	 * MIT carries on as without it.
	 */
	{
		/* the option keeps a pointer to the salt: salt and sd live as long as opt (function scope) */
		static krb5_preauthtype pa[] = { KRB5_PADATA_ENC_TIMESTAMP };
		size_t n = strlen(principal);
		struct nlt_err ign;
		krb5_get_init_creds_opt_set_preauth_list(opt, pa, 1);
		if (password && n > 1 && principal[n - 1] == '$' && !strchr(principal, '@') &&
		    keys_salt_computer(k->realm, principal, salt, sizeof(salt), &ign) == 0) {
			sd.magic = KV5M_DATA;
			sd.length = (unsigned)strlen(salt);
			sd.data = salt;
			krb5_get_init_creds_opt_set_salt(opt, &sd);
		}
	}
	if (store) {
		rc = krb5_cc_resolve(k->kc, k->ccache_name, &cc);
		if (!rc)
			rc = krb5_get_init_creds_opt_set_out_ccache(k->kc, opt, cc);
		if (rc) {
			krb5_get_init_creds_opt_free(k->kc, opt);
			krb5_free_principal(k->kc, p);
			if (cc)
				krb5_cc_close(k->kc, cc);
			return nlt_seterr(e, NLT_EINTERNAL, "Kerberos: cannot set up the memory ccache");
		}
	}
	t0 = nlt_now_us();
	if (password)
		rc = krb5_get_init_creds_password(k->kc, &creds, p, password, NULL, NULL, 0, k->as_service, opt);
	else
		rc = krb5_get_init_creds_keytab(k->kc, &creds, p, kt, 0, k->as_service, opt);
	res->elapsed_us = nlt_now_us() - t0;
	res->code = rc;
	res->verdict = krb_classify(rc);
	if (rc) {
		const char *m = krb5_get_error_message(k->kc, rc);
		nlt_strlcpy(res->message, m ? m : "unknown Kerberos error", sizeof(res->message));
		krb5_free_error_message(k->kc, m);
		if (k->have_kdc_time) {
			res->skew_s = k->kdc_skew_s;
			res->have_skew = 1;
		}
	} else {
		/* the KDC's authtime is its clock at the exchange */
		res->skew_s = (int64_t)creds.times.authtime - (int64_t)time(NULL);
		res->have_skew = 1;
		res->session_enctype = creds.keyblock.enctype;
		res->have_kvno = k->have_as_kvno;
		res->kvno = k->as_kvno;
		krb5_free_cred_contents(k->kc, &creds);
	}
	nlt_vlog("Kerberos AS exchange as %s at %s: %s in %.1f ms%s%s", principal, k->dc_addr,
		 krb_verdict_str(res->verdict), res->elapsed_us / 1000.0, rc ? ": " : "", rc ? res->message : "");
	krb5_get_init_creds_opt_free(k->kc, opt);
	krb5_free_principal(k->kc, p);
	if (cc)
		krb5_cc_close(k->kc, cc);
	return 0;
}

int krb_as_password(struct nlt_krb *k, const char *principal, const char *password, int store,
		    struct krb_as_result *res, struct nlt_err *e)
{
	return as_common(k, principal, password, NULL, store, res, e);
}

int krb_as_keytab(struct nlt_krb *k, const char *principal, krb5_keytab kt, int store, struct krb_as_result *res,
		  struct nlt_err *e)
{
	return as_common(k, principal, NULL, kt, store, res, e);
}

int krb_get_ticket(struct nlt_krb *k, const char *service, krb5_creds **creds, struct nlt_err *e)
{
	krb5_creds in, *out = NULL;
	krb5_ccache cc = NULL;
	krb5_principal sp = NULL;
	krb5_error_code rc;
	char full[600];

	snprintf(full, sizeof(full), "%s@%s", service, k->realm);
	memset(&in, 0, sizeof(in));
	rc = krb5_cc_resolve(k->kc, k->ccache_name, &cc);
	if (!rc)
		rc = krb5_cc_get_principal(k->kc, cc, &in.client);
	if (!rc)
		rc = krb5_parse_name(k->kc, full, &sp);
	if (!rc) {
		in.server = sp;
		rc = krb5_get_credentials(k->kc, 0, cc, &in, &out);
	}
	if (rc) {
		const char *m = krb5_get_error_message(k->kc, rc);
		nlt_seterr(e, rc == KRB5_KDC_UNREACH ? NLT_ENODC : NLT_EAUTH,
			   "Kerberos: service ticket for %s from %s failed: %s", full, k->dc_addr, m);
		krb5_free_error_message(k->kc, m);
	}
	if (creds && !rc)
		*creds = out;
	else
		krb5_free_creds(k->kc, out);
	krb5_free_principal(k->kc, in.client);
	krb5_free_principal(k->kc, sp);
	if (cc)
		krb5_cc_close(k->kc, cc);
	return rc ? -1 : 0;
}

int krb_get_service_ticket(struct nlt_krb *k, const char *service, struct nlt_err *e)
{
	return krb_get_ticket(k, service, NULL, e);
}

int krb_use_ccache_thread(struct nlt_krb *k, struct nlt_err *e)
{
	OM_uint32 maj, min = 0;

	/* MIT keeps this name per thread (thread-specific data): GSSAPI calls of this thread only */
	maj = gss_krb5_ccache_name(&min, k->ccache_name, NULL);
	if (GSS_ERROR(maj))
		return nlt_seterr(e, NLT_EINTERNAL, "GSSAPI: cannot select the credential cache %s for this thread (%u)",
				  k->ccache_name, (unsigned)min);
	return 0;
}

int krb_export_profile(struct nlt_krb *k, struct nlt_err *e)
{
	if (setenv("KRB5_CONFIG", k->conf_path, 1) != 0)
		return nlt_seterr(e, NLT_EINTERNAL, "setenv: %s", strerror(errno));
	return 0;
}

int krb_use_ccache(struct nlt_krb *k, struct nlt_err *e)
{
	if (k->keep_env_ccache)
		return 0;
	if (setenv("KRB5CCNAME", k->ccache_name, 1) != 0)
		return nlt_seterr(e, NLT_EINTERNAL, "setenv: %s", strerror(errno));
	return 0;
}
