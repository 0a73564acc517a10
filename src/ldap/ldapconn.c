/* src/ldap/ldapconn.c - LDAP to the pinned DC with a SASL GSSAPI bind (see ldapconn.h). */
#include "config.h"
#include "ldapconn.h"

#include <errno.h>
#include <fcntl.h>
#include <gssapi/gssapi.h>
#include <nettle/sha2.h>
#include <openldap.h> /* ldap_init_fd */
#include <poll.h>
#include <sasl/sasl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "ber.h"
#include "nrpc_crypto.h"
#include "output.h"
#include "xport.h"

static enum nlt_ldap_sec ldap_sec = NLT_LDAP_SASL;
/* a TCP connect started early (nlt_ldap_preconnect), taken by the next nlt_ldap_open to that address */
static int pre_fd = -1;
static struct nlt_addr pre_addr;

static uint16_t ldap_port(void)
{
	return ldap_sec == NLT_LDAP_LDAPS ? 636 : 389;
}

void nlt_ldap_preconnect(const struct nlt_addr *dc_addr)
{
	nlt_ldap_preconnect_drop();
	pre_addr = *dc_addr;
	nlt_addr_set_port(&pre_addr, ldap_port());
	pre_fd = xp_tcp_start(&pre_addr);
}

void nlt_ldap_preconnect_drop(void)
{
	xp_close(&pre_fd);
}

/* The early connect to a, once it completes; -1 and *st when it failed; -2 when there is none. */
static int take_preconnect(const struct nlt_addr *a, uint64_t deadline_ms, int *st)
{
	int fd = pre_fd;

	if (fd < 0 || !nlt_addr_equal(&pre_addr, a) || nlt_addr_port(&pre_addr) != nlt_addr_port(a))
		return -2;
	pre_fd = -1;
	/* it may have lost its SYN: further attempts race it (closed unless one wins) */
	return xp_tcp_race_finish(fd, a, deadline_ms, st);
}
static const char *ldap_ca_file;

void nlt_ldap_configure(enum nlt_ldap_sec sec, const char *ca_file)
{
	ldap_sec = sec;
	ldap_ca_file = ca_file;
}

/* GSSAPI needs no prompts; answer any the SASL library asks with its default (empty authzid). */
static int sasl_quiet(LDAP *ld, unsigned flags, void *defaults, void *in)
{
	sasl_interact_t *it = in;

	(void)ld;
	(void)flags;
	(void)defaults;
	for (; it && it->id != SASL_CB_LIST_END; it++) {
		it->result = it->defresult ? it->defresult : "";
		it->len = (unsigned)strlen(it->result);
	}
	return LDAP_SUCCESS;
}

/* ---- SASL GSSAPI bound to the TLS channel (RFC 4752 + RFC 5929) ----------------------------
 *
 * Cyrus SASL's GSSAPI plugin sends no channel bindings, and a DC that requires them over TLS
 * (Samba's "ldap server require strong auth = yes", Windows' LdapEnforceChannelBinding = 2)
 * then refuses the bind.  Under TLS we therefore run the GSSAPI exchange ourselves with MIT
 * GSSAPI, binding it to the server's certificate ("tls-server-end-point"), asking for no
 * security layer (TLS protects the connection; AD refuses a GSSAPI layer inside TLS).
 */

/* Hash for tls-server-end-point: the certificate signature's hash, SHA-256 for MD5/SHA-1/unknown. */
static int cert_endpoint_hash(const uint8_t *der, size_t len, uint8_t out[SHA512_DIGEST_SIZE], size_t *olen)
{
	static const uint8_t oid_sha384_rsa[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c };
	static const uint8_t oid_sha512_rsa[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d };
	static const uint8_t oid_ecdsa_sha384[] = { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03 };
	static const uint8_t oid_ecdsa_sha512[] = { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04 };
	struct wrd r, cr, ar;
	struct ber_tlv cert, tbs, alg, oid;
	int bits = 256;

	wrd_init(&r, der, len);
	if (nber_read_expect(&r, BER_SEQUENCE, &cert) != WIRE_OK)
		return -1;
	cr = nber_tlv_reader(&r, &cert);
	if (nber_read_expect(&cr, BER_SEQUENCE, &tbs) != WIRE_OK || nber_read_expect(&cr, BER_SEQUENCE, &alg) != WIRE_OK)
		return -1;
	ar = nber_tlv_reader(&cr, &alg);
	if (nber_read_expect(&ar, 0x06, &oid) == WIRE_OK) {
		if ((oid.len == sizeof(oid_sha384_rsa) && !memcmp(oid.val, oid_sha384_rsa, oid.len)) ||
		    (oid.len == sizeof(oid_ecdsa_sha384) && !memcmp(oid.val, oid_ecdsa_sha384, oid.len)))
			bits = 384;
		else if ((oid.len == sizeof(oid_sha512_rsa) && !memcmp(oid.val, oid_sha512_rsa, oid.len)) ||
			 (oid.len == sizeof(oid_ecdsa_sha512) && !memcmp(oid.val, oid_ecdsa_sha512, oid.len)))
			bits = 512;
	}
	if (bits == 384) {
		struct sha384_ctx h;
		sha384_init(&h);
		sha384_update(&h, len, der);
		sha384_digest(&h, SHA384_DIGEST_SIZE, out);
		*olen = SHA384_DIGEST_SIZE;
	} else if (bits == 512) {
		struct sha512_ctx h;
		sha512_init(&h);
		sha512_update(&h, len, der);
		sha512_digest(&h, SHA512_DIGEST_SIZE, out);
		*olen = SHA512_DIGEST_SIZE;
	} else {
		struct sha256_ctx h;
		sha256_init(&h);
		sha256_update(&h, len, der);
		sha256_digest(&h, SHA256_DIGEST_SIZE, out);
		*olen = SHA256_DIGEST_SIZE;
	}
	return 0;
}

static void gss_msg(OM_uint32 maj, OM_uint32 min, char *buf, size_t len)
{
	OM_uint32 ctx = 0, m;
	gss_buffer_desc t;

	buf[0] = '\0';
	if (gss_display_status(&m, GSS_ERROR(maj) && min ? min : maj, GSS_ERROR(maj) && min ? GSS_C_MECH_CODE : GSS_C_GSS_CODE,
			       GSS_C_NO_OID, &ctx, &t) == GSS_S_COMPLETE) {
		snprintf(buf, len, "%.*s", (int)t.length, (const char *)t.value);
		gss_release_buffer(&m, &t);
	}
}

/* Returns an LDAP result code; *why says what failed on the GSSAPI side. */
static int gssapi_bind_tls(struct nlt_ldap *c, const char *dc_name, char *why, size_t wlen)
{
	static const char prefix[] = "tls-server-end-point:";
	struct berval cert = { 0, NULL }, tok = { 0, NULL }, *srv = NULL;
	uint8_t app[sizeof(prefix) - 1 + SHA512_DIGEST_SIZE];
	size_t hl = 0;
	struct gss_channel_bindings_struct cb;
	gss_buffer_desc in = GSS_C_EMPTY_BUFFER, out = GSS_C_EMPTY_BUFFER, nb;
	gss_name_t target = GSS_C_NO_NAME;
	gss_ctx_id_t gctx = GSS_C_NO_CONTEXT;
	OM_uint32 maj, min, ign;
	char svc[300];
	int rc = LDAP_LOCAL_ERROR, established = 0;

	why[0] = '\0';
	if (ldap_get_option(c->ld, LDAP_OPT_X_TLS_PEERCERT, &cert) != LDAP_OPT_SUCCESS || !cert.bv_val ||
	    cert_endpoint_hash((const uint8_t *)cert.bv_val, cert.bv_len, app + sizeof(prefix) - 1, &hl) < 0) {
		snprintf(why, wlen, "cannot read the DC's certificate for the channel binding");
		goto out;
	}
	memcpy(app, prefix, sizeof(prefix) - 1);
	memset(&cb, 0, sizeof(cb));
	cb.application_data.value = app;
	cb.application_data.length = sizeof(prefix) - 1 + hl;
	snprintf(svc, sizeof(svc), "ldap@%s", dc_name);
	nb.value = svc;
	nb.length = strlen(svc);
	maj = gss_import_name(&min, &nb, GSS_C_NT_HOSTBASED_SERVICE, &target);
	if (GSS_ERROR(maj)) {
		gss_msg(maj, min, why, wlen);
		goto out;
	}
	for (int turn = 0; turn < 10; turn++) {
		if (!established) {
			maj = gss_init_sec_context(&min, GSS_C_NO_CREDENTIAL, &gctx, target, GSS_C_NO_OID,
						   GSS_C_MUTUAL_FLAG | GSS_C_SEQUENCE_FLAG, 0, &cb, &in, NULL, &out, NULL,
						   NULL);
			if (GSS_ERROR(maj)) {
				gss_msg(maj, min, why, wlen);
				rc = LDAP_LOCAL_ERROR;
				goto out;
			}
			established = maj == GSS_S_COMPLETE;
		} else {
			/* RFC 4752 3.1: the server offers layers; we take "none" (TLS protects) and size 0 */
			gss_buffer_desc plain;
			uint8_t choice[4] = { 0x01, 0, 0, 0 };
			int conf = 0;
			maj = gss_unwrap(&min, gctx, &in, &plain, &conf, NULL);
			if (GSS_ERROR(maj) || plain.length != 4 || !(((const uint8_t *)plain.value)[0] & 0x01)) {
				if (!GSS_ERROR(maj))
					gss_release_buffer(&ign, &plain);
				snprintf(why, wlen, "the DC offers no SASL GSSAPI mode without a security layer");
				rc = LDAP_LOCAL_ERROR;
				goto out;
			}
			gss_release_buffer(&ign, &plain);
			plain.value = choice;
			plain.length = sizeof(choice);
			maj = gss_wrap(&min, gctx, 0, GSS_C_QOP_DEFAULT, &plain, NULL, &out);
			if (GSS_ERROR(maj)) {
				gss_msg(maj, min, why, wlen);
				goto out;
			}
		}
		tok.bv_val = out.value;
		tok.bv_len = out.length;
		if (srv)
			ber_bvfree(srv);
		srv = NULL;
		rc = ldap_sasl_bind_s(c->ld, NULL, "GSSAPI", &tok, NULL, NULL, &srv);
		gss_release_buffer(&ign, &out);
		if (rc != LDAP_SASL_BIND_IN_PROGRESS)
			break;
		in.value = srv ? srv->bv_val : NULL;
		in.length = srv ? srv->bv_len : 0;
	}
out:
	if (srv)
		ber_bvfree(srv);
	if (gctx != GSS_C_NO_CONTEXT)
		gss_delete_sec_context(&ign, &gctx, GSS_C_NO_BUFFER);
	if (target != GSS_C_NO_NAME)
		gss_release_name(&ign, &target);
	if (cert.bv_val)
		ber_memfree(cert.bv_val);
	return rc;
}

static void set_timeouts(LDAP *ld, int fd, uint64_t deadline_ms)
{
	int ms = nlt_ms_left(deadline_ms);
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	if (ms <= 0)
		tv.tv_usec = 1000;
	(void)ldap_set_option(ld, LDAP_OPT_TIMEOUT, &tv);
	(void)ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &tv);
	if (fd >= 0) {
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	}
}

static void rootdse(struct nlt_ldap *c)
{
	static const char *const attrs[] = { "defaultNamingContext", "configurationNamingContext", NULL };
	struct nlt_ldap_entry en;
	struct nlt_err ign;

	if (nlt_ldap_search_one(c, "", LDAP_SCOPE_BASE, "(objectClass=*)", attrs, &en, &ign) == 0) {
		nlt_ldap_str(&en, "defaultNamingContext", c->default_nc, sizeof(c->default_nc));
		nlt_ldap_str(&en, "configurationNamingContext", c->config_nc, sizeof(c->config_nc));
		nlt_ldap_entry_free(&en);
	}
}

/* "lab.test" -> "DC=lab,DC=test": an AD domain's naming context is its DNS name (MS-ADTS 3.1.1.1.5). */
static int domain_dn(const char *domain, char *out, size_t len)
{
	size_t o = 0;
	const char *p = domain;

	if (!domain || !*domain)
		return -1;
	while (*p) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);
		int w;
		if (l == 0)
			return -1;
		w = snprintf(out + o, len - o, "%sDC=%.*s", o ? "," : "", (int)l, p);
		if (w < 0 || (size_t)w >= len - o)
			return -1;
		o += (size_t)w;
		p += l;
		if (*p == '.')
			p++;
	}
	return 0;
}

/*
 * Cyrus SASL dlopen()s every plugin in its directory at sasl_client_init() (11 on Debian, with
 * their own libraries), although we only ever use GSS-SPNEGO and GSSAPI, both in libgssapiv2.
 * Initialising the client library ourselves, before libldap does (its own sasl_client_init() then
 * only counts a reference), lets a SASL_CB_VERIFYFILE callback skip every other plugin file.
 */
static int sasl_plugin_filter(void *ctx, const char *file, sasl_verify_type_t type)
{
	const char *base;

	(void)ctx;
	if (type != SASL_VRFY_PLUGIN)
		return SASL_OK;
	base = strrchr(file, '/');
	base = base ? base + 1 : file;
	return strncmp(base, "libgssapiv2.", 12) == 0 ? SASL_OK : SASL_CONTINUE;
}

static void sasl_init_once(void)
{
	static int done;
	static sasl_callback_t cbs[] = {
		{ SASL_CB_VERIFYFILE, (int (*)(void))(void (*)(void))sasl_plugin_filter, NULL },
		{ SASL_CB_LIST_END, NULL, NULL },
	};
	int rc;

	if (done++)
		return;
	rc = sasl_client_init(cbs);
	if (rc != SASL_OK)
		nlt_vlog("SASL: sasl_client_init: %s; libldap initialises it with every plugin", sasl_errstring(rc, NULL, NULL));
}

int nlt_ldap_open(struct nlt_ldap *c, const char *dc_name, const struct nlt_addr *dc_addr, const char *domain,
		  uint64_t deadline_ms, struct nlt_err *e)
{
	struct nlt_addr a = *dc_addr;
	char url[300];
	int fd, st, rc, fl, on = 1, v3 = LDAP_VERSION3;
	ber_len_t ssf = 0;

	memset(c, 0, sizeof(*c));
	sasl_init_once();
	c->deadline_ms = deadline_ms;
	nlt_strlcpy(c->dc_name, dc_name, sizeof(c->dc_name));
	nlt_addr_set_port(&a, ldap_port());
	nlt_addr_str(&a, c->dc_addr, sizeof(c->dc_addr));
	{
		/* at most 2 s for the connect itself, so a failover to another DC still has time */
		uint64_t cd = nlt_now_ms() + 2000;
		if (cd > deadline_ms)
			cd = deadline_ms;
		fd = take_preconnect(&a, cd, &st);
		if (fd >= 0)
			nlt_vlog("LDAP: using the connection to %s opened during the Kerberos exchange", c->dc_addr);
		else if (fd == -2 || st != XP_TIMEOUT) /* none, or it failed early: a fresh one */
			fd = xp_tcp_connect_race(&a, cd, &st);
	}
	if (fd < 0)
		return nlt_seterr(e, NLT_ENODC, "LDAP%s connect to %s (%s:%u) failed: %s", ldap_sec == NLT_LDAP_LDAPS ? "S" : "",
				  dc_name, c->dc_addr, nlt_addr_port(&a), xp_status_str(st));
	/* libldap drives the socket itself; give it a blocking one with kernel timeouts as a backstop */
	fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		(void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	snprintf(url, sizeof(url), "ldap://%s", dc_name);
	rc = ldap_init_fd(fd, LDAP_PROTO_TCP, url, &c->ld);
	if (rc != LDAP_SUCCESS) {
		close(fd);
		return nlt_seterr(e, NLT_EINTERNAL, "LDAP: cannot set up a session for %s: %s", dc_name,
				  ldap_err2string(rc));
	}
	(void)ldap_set_option(c->ld, LDAP_OPT_PROTOCOL_VERSION, &v3);
	(void)ldap_set_option(c->ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
	(void)ldap_set_option(c->ld, LDAP_OPT_X_SASL_NOCANON, &on);
	set_timeouts(c->ld, fd, deadline_ms);
	if (ldap_sec != NLT_LDAP_SASL) {
		int demand = LDAP_OPT_X_TLS_DEMAND, zero = 0, cb = LDAP_OPT_X_SASL_CBINDING_TLS_ENDPOINT;
		const char *how = ldap_sec == NLT_LDAP_LDAPS ? "LDAPS" : "StartTLS";
		(void)ldap_set_option(c->ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand);
		if (ldap_ca_file)
			(void)ldap_set_option(c->ld, LDAP_OPT_X_TLS_CACERTFILE, ldap_ca_file);
		(void)ldap_set_option(c->ld, LDAP_OPT_X_TLS_NEWCTX, &zero);
		(void)ldap_set_option(c->ld, LDAP_OPT_X_SASL_CBINDING, &cb);
		rc = ldap_sec == NLT_LDAP_LDAPS ? ldap_install_tls(c->ld) : ldap_start_tls_s(c->ld, NULL, NULL);
		if (rc != LDAP_SUCCESS) {
			char *diag = NULL, sd[201];
			(void)ldap_get_option(c->ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag);
			/* the diagnostic is the server's (or its certificate's) text: escaped where it enters */
			if (rc == LDAP_CONNECT_ERROR)
				/* libldap says "Connect error" for a refused certificate: name the cause and the cure
				 * (a local configuration problem, exit 3) rather than an authentication failure */
				nlt_seterr(e, NLT_ECONFIG,
					   "%s to %s (%s) failed: the TLS handshake did not complete, most likely because the DC's "
					   "certificate is not trusted %s%s%s or not valid for %s%s%s", how, dc_name, c->dc_addr,
					   ldap_ca_file ? "(not signed by a CA in " : "(give the CA that signed it with --ca-file FILE)",
					   ldap_ca_file ? ldap_ca_file : "", ldap_ca_file ? ")" : "", dc_name,
					   diag && *diag && strcmp(diag, "(unknown error code)") != 0 ? ": " : "",
					   diag && strcmp(diag, "(unknown error code)") != 0 ? out_safe(diag, sd, sizeof(sd)) : "");
			else
				nlt_seterr(e, NLT_EPROTO,
					   "%s to %s (%s) failed: %s%s%s (the DC's certificate must be valid for %s%s%s)", how,
					   dc_name, c->dc_addr, ldap_err2string(rc), diag && *diag ? ": " : "",
					   out_safe(diag, sd, sizeof(sd)), dc_name,
					   ldap_ca_file ? " and signed by " : "", ldap_ca_file ? ldap_ca_file : "");
			ldap_memfree(diag);
			nlt_ldap_close(c);
			return -1;
		}
		c->tls = 1;
		(void)ldap_set_option(c->ld, LDAP_OPT_X_SASL_CBINDING, &cb);
		/* no GSSAPI layer inside TLS: AD refuses one ("Sign or Seal are not allowed if TLS is used") */
		rc = ldap_set_option(c->ld, LDAP_OPT_X_SASL_SECPROPS, "minssf=0,maxssf=0");
	} else {
		rc = ldap_set_option(c->ld, LDAP_OPT_X_SASL_SECPROPS, "minssf=56");
	}
	if (rc != LDAP_OPT_SUCCESS) {
		nlt_ldap_close(c);
		return nlt_seterr(e, NLT_EINTERNAL, "LDAP: this libldap has no SASL support (security properties refused)");
	}
	{
		char why[200] = "";
		if (c->tls)
			rc = gssapi_bind_tls(c, dc_name, why, sizeof(why));
		else
		{
			/*
			 * GSS-SPNEGO first: one round trip for the Kerberos exchange and the sealing comes from
			 * the GSS flags, where GSSAPI (RFC 4752) spends two more negotiating its layer (3 vs 1
			 * round trips, measured in the lab).  AD and Samba offer both; GSSAPI when SPNEGO fails.
			 */
			rc = ldap_sasl_interactive_bind_s(c->ld, NULL, "GSS-SPNEGO", NULL, NULL, LDAP_SASL_QUIET, sasl_quiet, NULL);
			c->mech = "GSS-SPNEGO";
			if (rc != LDAP_SUCCESS && rc != LDAP_INVALID_CREDENTIALS && rc != LDAP_TIMEOUT && rc != LDAP_SERVER_DOWN) {
				nlt_vlog("LDAP: GSS-SPNEGO bind to %s: %s; trying GSSAPI", dc_name, ldap_err2string(rc));
				rc = ldap_sasl_interactive_bind_s(c->ld, NULL, "GSSAPI", NULL, NULL, LDAP_SASL_QUIET, sasl_quiet,
								  NULL);
				c->mech = "GSSAPI";
			}
		}
		if (rc != LDAP_SUCCESS && why[0]) {
			nlt_seterr(e, NLT_EAUTH, "LDAP GSSAPI bind to %s (%s) over TLS failed: %s", dc_name, c->dc_addr, why);
			nlt_ldap_close(c);
			return -1;
		}
	}
	if (rc != LDAP_SUCCESS) {
		char *diag = NULL, sd[201];
		enum nlt_cat cat = rc == LDAP_INVALID_CREDENTIALS || rc == LDAP_INAPPROPRIATE_AUTH ||
						   rc == LDAP_STRONG_AUTH_REQUIRED || rc == LDAP_LOCAL_ERROR
					   ? NLT_EAUTH
				   : rc == LDAP_TIMEOUT || rc == LDAP_SERVER_DOWN ? NLT_ENODC
										 : NLT_EPROTO;
		(void)ldap_get_option(c->ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag);
		nlt_seterr(e, cat, "LDAP SASL GSSAPI bind to %s (%s) failed: %s%s%s", dc_name, c->dc_addr,
			   ldap_err2string(rc), diag && *diag ? ": " : "", out_safe(diag, sd, sizeof(sd)));
		ldap_memfree(diag);
		nlt_ldap_close(c);
		return -1;
	}
	/* under TLS the protection is TLS's (libldap does not report its strength; GnuTLS's default
	 * priorities offer nothing under 128 bits); without it, SASL's own layer must be >= 56 */
	if (c->tls && !ldap_tls_inplace(c->ld)) {
		nlt_ldap_close(c);
		return nlt_seterr(e, NLT_EPROTO, "LDAP to %s: TLS is not in place after the bind", dc_name);
	}
	if (!c->tls)
		(void)ldap_get_option(c->ld, LDAP_OPT_X_SASL_SSF, &ssf);
	c->ssf = (unsigned)ssf;
	if (!c->tls && c->ssf < 56) {
		nlt_ldap_close(c);
		return nlt_seterr(e, NLT_EPROTO, "LDAP bind to %s gave security strength %u; 56 or more is required",
				  dc_name, (unsigned)ssf);
	}
	nlt_vlog("LDAP bound to %s (%s) with SASL %s%s", dc_name, c->dc_addr, c->tls ? "GSSAPI" : c->mech,
		 c->tls ? (ldap_sec == NLT_LDAP_LDAPS ? " over LDAPS" : " over StartTLS") : ", sealed");
	/* the domain's DN from its name saves a rootDSE round trip; the rootDSE only when that fails */
	if (domain_dn(domain, c->default_nc, sizeof(c->default_nc)) < 0)
		rootdse(c);
	return 0;
}

void nlt_ldap_close(struct nlt_ldap *c)
{
	if (c->ld)
		ldap_unbind_ext_s(c->ld, NULL, NULL);
	c->ld = NULL;
}

int nlt_ldap_search_one(struct nlt_ldap *c, const char *base, int scope, const char *filter, const char *const *attrs,
			struct nlt_ldap_entry *out, struct nlt_err *e)
{
	LDAPMessage *res = NULL, *en;
	struct timeval tv;
	int ms = nlt_ms_left(c->deadline_ms), rc;

	memset(out, 0, sizeof(*out));
	if (ms <= 0)
		return nlt_seterr(e, NLT_ENODC, "LDAP search on %s: out of time", c->dc_name);
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	rc = ldap_search_ext_s(c->ld, base, scope, filter, (char **)(uintptr_t)attrs, 0, NULL, NULL, &tv, 2, &res);
	if (rc != LDAP_SUCCESS && rc != LDAP_SIZELIMIT_EXCEEDED) {
		if (res)
			ldap_msgfree(res);
		if (rc == LDAP_NO_SUCH_OBJECT)
			return 1;
		return nlt_seterr(e, rc == LDAP_INSUFFICIENT_ACCESS ? NLT_EAUTH : rc == LDAP_TIMEOUT ? NLT_ENODC : NLT_EPROTO,
				  "LDAP search %s under '%s' on %s failed: %s", filter, base, c->dc_name,
				  ldap_err2string(rc));
	}
	en = ldap_first_entry(c->ld, res);
	if (!en) {
		ldap_msgfree(res);
		return 1;
	}
	out->msg = res;
	out->entry = en;
	out->ld = c->ld;
	out->dn = ldap_get_dn(c->ld, en);
	return 0;
}

void nlt_ldap_entry_free(struct nlt_ldap_entry *en)
{
	if (en->dn)
		ldap_memfree(en->dn);
	if (en->msg)
		ldap_msgfree(en->msg);
	memset(en, 0, sizeof(*en));
}

struct berval **nlt_ldap_values(const struct nlt_ldap_entry *en, const char *attr)
{
	return ldap_get_values_len(en->ld, en->entry, attr);
}

int nlt_ldap_str(const struct nlt_ldap_entry *en, const char *attr, char *buf, size_t len)
{
	struct berval **v = ldap_get_values_len(en->ld, en->entry, attr);
	size_t n;

	buf[0] = '\0';
	if (!v || !v[0]) {
		if (v)
			ldap_value_free_len(v);
		return 0;
	}
	n = v[0]->bv_len < len - 1 ? v[0]->bv_len : len - 1;
	memcpy(buf, v[0]->bv_val, n);
	buf[n] = '\0';
	ldap_value_free_len(v);
	return 1;
}

int nlt_ldap_i64(const struct nlt_ldap_entry *en, const char *attr, int64_t *out)
{
	char buf[32], *end;
	long long v;

	if (!nlt_ldap_str(en, attr, buf, sizeof(buf)) || !buf[0])
		return 0;
	errno = 0;
	v = strtoll(buf, &end, 10);
	if (errno || *end)
		return 0;
	*out = v;
	return 1;
}

int nlt_ldap_filter_escape(const char *in, char *out, size_t len)
{
	size_t o = 0;

	for (; *in; in++) {
		unsigned char ch = (unsigned char)*in;
		if (ch == '*' || ch == '(' || ch == ')' || ch == '\\' || ch < 0x20 || ch == 0x7f) {
			if (o + 3 >= len)
				return -1;
			snprintf(out + o, 4, "\\%02x", ch);
			o += 3;
		} else {
			if (o + 1 >= len)
				return -1;
			out[o++] = (char)ch;
		}
	}
	out[o] = '\0';
	return 0;
}

struct berval *nlt_ldap_unicodepwd(const char *pw)
{
	size_t n = strlen(pw), ulen = 0, cap = 2 * (n + 2);
	struct berval *bv = calloc(1, sizeof(*bv));
	uint8_t *u = calloc(cap, 1);

	/* UTF-16 never needs more code units than UTF-8 has bytes */
	if (!bv || !u || nrpc_utf8_to_utf16le(pw, n, u + 2, cap - 4, &ulen) != WIRE_OK) {
		if (u)
			nlt_wipe(u, cap);
		free(u);
		free(bv);
		return NULL;
	}
	u[0] = '"';
	u[2 + ulen] = '"';
	bv->bv_val = (char *)u;
	bv->bv_len = ulen + 4;
	return bv;
}

void nlt_ldap_unicodepwd_free(struct berval *bv)
{
	if (!bv)
		return;
	nlt_wipe(bv->bv_val, bv->bv_len);
	free(bv->bv_val);
	free(bv);
}

int nlt_ldap_refused(int rc)
{
	switch (rc) {
	case LDAP_INSUFFICIENT_ACCESS:
	case LDAP_CONSTRAINT_VIOLATION:
	case LDAP_UNWILLING_TO_PERFORM:
	case LDAP_ALREADY_EXISTS:
	case LDAP_NO_SUCH_OBJECT:
	case LDAP_OBJECT_CLASS_VIOLATION:
	case LDAP_STRONG_AUTH_REQUIRED:
	case LDAP_CONFIDENTIALITY_REQUIRED:
	case LDAP_INVALID_SYNTAX:
		return 1;
	}
	return 0;
}
