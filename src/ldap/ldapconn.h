/*
 * src/ldap/ldapconn.h - LDAP to the pinned DC with a SASL GSSAPI bind.
 *
 * The TCP connection is made by us (to the address discovery chose, with a
 * deadline) and handed to libldap; the bind is SASL GSSAPI through Cyrus
 * SASL with minssf=56, so every later message is sealed.  The service
 * principal is ldap/<DC DNS name>: no reverse look-ups (SASL_NOCANON).
 */
#ifndef NLT_LDAPCONN_H
#define NLT_LDAPCONN_H

#include <ldap.h>
#include <stdint.h>

#include "err.h"
#include "util.h"

struct nlt_ldap {
	LDAP *ld;
	char dc_name[256];
	char dc_addr[64];
	char default_nc[512];   /* defaultNamingContext from the rootDSE */
	char config_nc[512];
	unsigned ssf;           /* negotiated security strength factor (SASL or TLS) */
	int tls;                /* TLS underneath */
	const char *mech;       /* the SASL mechanism that bound */
	uint64_t deadline_ms;
};

/*
 * Transport security for every later nlt_ldap_open() of the process:
 * NLT_LDAP_SASL (default) seals with SASL GSSAPI; NLT_LDAP_STARTTLS and
 * NLT_LDAP_LDAPS put TLS underneath (certificate verified against ca_file,
 * or the system's trust store when NULL, and the name of the DC checked),
 * bind with GSSAPI bound to the TLS channel (tls-endpoint channel binding)
 * and leave the protection to TLS (SASL maxssf=0, as AD requires).
 */
enum nlt_ldap_sec { NLT_LDAP_SASL = 0, NLT_LDAP_STARTTLS, NLT_LDAP_LDAPS };
void nlt_ldap_configure(enum nlt_ldap_sec sec, const char *ca_file);

/*
 * Start the TCP connect to dc_addr's LDAP port now (non-blocking), so it
 * completes while Kerberos runs; the next nlt_ldap_open() to that address
 * takes it.  _drop() closes one nobody took.
 */
void nlt_ldap_preconnect(const struct nlt_addr *dc_addr);
void nlt_ldap_preconnect_drop(void);

/* Connect to dc_addr:389 (636 for LDAPS) and bind with GSSAPI using the process's ccache (KRB5CCNAME). */
int nlt_ldap_open(struct nlt_ldap *c, const char *dc_name, const struct nlt_addr *dc_addr, const char *domain,
		  uint64_t deadline_ms, struct nlt_err *e);
void nlt_ldap_close(struct nlt_ldap *c);

/* One entry's attributes (values as strings: the ones we read are text, or decoded by us). */
struct nlt_ldap_entry {
	char *dn;
	LDAPMessage *msg; /* owns the values below */
	LDAPMessage *entry;
	LDAP *ld;
};

/* Search base/scope/filter for at most one entry; 0 found, 1 none, -1 error. */
int nlt_ldap_search_one(struct nlt_ldap *c, const char *base, int scope, const char *filter, const char *const *attrs,
			struct nlt_ldap_entry *out, struct nlt_err *e);
void nlt_ldap_entry_free(struct nlt_ldap_entry *en);
/* The first value of attr, or NULL; valid until nlt_ldap_entry_free. */
struct berval **nlt_ldap_values(const struct nlt_ldap_entry *en, const char *attr);
/* Copy the first value as a NUL-terminated string ("" when absent); returns 1 if present. */
int nlt_ldap_str(const struct nlt_ldap_entry *en, const char *attr, char *buf, size_t len);
/* Parse the first value as a signed 64-bit integer; returns 1 if present and valid. */
int nlt_ldap_i64(const struct nlt_ldap_entry *en, const char *attr, int64_t *out);

/*
 * The unicodePwd value for pw (UTF-8): the password in double quotes, UTF-16LE (MS-ADTS
 * 3.1.1.3.1.5).  NULL when pw is not valid UTF-8 or out of memory; release with
 * nlt_ldap_unicodepwd_free, which wipes it.
 */
struct berval *nlt_ldap_unicodepwd(const char *pw);
void nlt_ldap_unicodepwd_free(struct berval *bv);
/*
 * Did the DC answer a change with a clear refusal (access, constraint, schema, name)?  Any other
 * failure (timeout, lost connection, an unreadable reply) may mean it was applied.
 */
int nlt_ldap_refused(int rc);

/* Escape a value for use inside an RFC 4515 filter. */
int nlt_ldap_filter_escape(const char *in, char *out, size_t len);

#endif
