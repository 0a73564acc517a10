/*
 * src/krb/krb.h - Kerberos pinned to one DC.
 *
 * Every Kerberos exchange of a command goes to the DC that discovery (or -S)
 * chose: a private krb5.conf (0600, removed at exit) names that DC's address
 * as the only KDC and kpasswd server, over TCP from the first packet (an
 * AS-REP with a PAC does not fit UDP), with no DNS look-ups for KDCs or
 * realms.  KRB5_CONFIG points at it so GSSAPI (LDAP SASL binds) uses it too;
 * credentials live in a MEMORY ccache of this process, never on disk.
 */
#ifndef NLT_KRB_H
#define NLT_KRB_H

#include <krb5.h>
#include <stdint.h>

#include "err.h"
#include "util.h"

struct nlt_krb {
	krb5_context kc;
	char realm[256];
	char dc_name[256];    /* the DC's DNS name (for messages and LDAP service principals) */
	char dc_addr[64];     /* numeric address */
	char conf_path[128];  /* the private krb5.conf */
	char ccache_name[64]; /* "MEMORY:nltrust-<pid>" */
	int keep_env_ccache;  /* -C: use the caller's ccache instead */
	int private_ctx;      /* krb_open_private(): the context has its profile; KRB5_CONFIG untouched */
	/* set: AS exchanges ask for this service's ticket ("ldap/dc1.lab.test") instead of a TGT, when
	 * that one service is all the command needs (saves the TGS round trip); NULL: a TGT */
	const char *as_service;
	/* our KDC transport (krb5_set_kdc_send_hook): one TCP connection, reused, under the deadline */
	struct nlt_addr kdc;
	int kdc_fd;
	uint64_t deadline_ms;
	unsigned n_connects, n_exchanges;
	int last_xp_status;   /* enum xp_status of the last failure */
	/* from the last AS-REP seen on our transport: the client key the KDC used */
	int have_as_kvno;
	uint32_t as_kvno;
	int32_t as_etype;
	/* the KDC's clock from the last KRB-ERROR (every AS exchange starts with one) */
	int have_kdc_time;
	int64_t kdc_skew_s;   /* KDC time - our time */
};

/*
 * Write the private profile and open a context pinned to dc; realm in any
 * case.  Every KDC exchange of the context then goes over one TCP connection
 * to dc_addr:88 that we make and read under deadline_ms (MIT's own sendto
 * would retry for up to ~18 s against a filtered port).
 */
int krb_open(struct nlt_krb *k, const char *realm, const char *dc_name, const struct nlt_addr *dc_addr,
	     uint64_t deadline_ms, struct nlt_err *e);
/*
 * The same for a thread that runs beside others: the context is made from the
 * private profile itself (krb5_init_context_profile), and KRB5_CONFIG is not
 * set (setenv is not safe while another thread runs).  GSSAPI, which reads
 * KRB5_CONFIG, gets the profile from krb_export_profile(), called by the
 * main thread while no other thread can read the environment; the ccache
 * from krb_use_ccache_thread().
 */
int krb_open_private(struct nlt_krb *k, const char *realm, const char *dc_name, const struct nlt_addr *dc_addr,
		     uint64_t deadline_ms, struct nlt_err *e);
/* KRB5_CONFIG = k's private profile (setenv: only where no other thread runs or reads the environment). */
int krb_export_profile(struct nlt_krb *k, struct nlt_err *e);
/* Get a service ticket (e.g. "ldap/dc1.lab.test") into the command's ccache, so GSSAPI finds it there. */
int krb_get_service_ticket(struct nlt_krb *k, const char *service, struct nlt_err *e);
/* The same, also returning the ticket (*creds, krb5_free_creds() it) when creds is not NULL. */
int krb_get_ticket(struct nlt_krb *k, const char *service, krb5_creds **creds, struct nlt_err *e);
void krb_close(struct nlt_krb *k);

/* The outcome of an AS exchange, in terms an admin can act on. */
/* 0 is "no exchange ran": a zeroed result never reads as success. */
enum krb_verdict {
	KRBV_NOT_RUN = 0,
	KRBV_OK,
	KRBV_BAD_PASSWORD,   /* preauth failed / integrity: the DC holds another password */
	KRBV_DISABLED,       /* client revoked: disabled, locked or expired */
	KRBV_UNKNOWN_CLIENT, /* principal unknown: account deleted or renamed */
	KRBV_SKEW,           /* clock skew too great */
	KRBV_NO_KEY,         /* no usable key (enctype the DC does not have / the keytab lacks) */
	KRBV_UNREACHABLE,    /* KDC not reachable */
	KRBV_OTHER,
};
const char *krb_verdict_str(enum krb_verdict v);

struct krb_as_result {
	enum krb_verdict verdict;
	krb5_error_code code;
	char message[256];   /* krb5_get_error_message text */
	int64_t skew_s;      /* DC time - our time, when known */
	int have_skew;
	uint64_t elapsed_us;
	krb5_enctype session_enctype;
	int have_kvno;       /* the key version the KDC used for the client (AS-REP enc-part kvno) */
	uint32_t kvno;
};

/*
 * AS exchange as principal (e.g. "WS1$") with a password or a keytab; on
 * success the TGT is stored in the command's MEMORY ccache (when store).
 * Returns 0 when the exchange ran (res->verdict says how it went), -1 on a
 * local failure (bad keytab path: NLT_ECONFIG; out of memory: NLT_EINTERNAL).
 */
int krb_as_password(struct nlt_krb *k, const char *principal, const char *password, int store,
		    struct krb_as_result *res, struct nlt_err *e);
int krb_as_keytab(struct nlt_krb *k, const char *principal, krb5_keytab kt, int store, struct krb_as_result *res,
		  struct nlt_err *e);

/* Map a krb5 error code to a verdict (pure). */
enum krb_verdict krb_classify(krb5_error_code code);

/* Make the command's ccache the one GSSAPI uses (KRB5CCNAME). */
int krb_use_ccache(struct nlt_krb *k, struct nlt_err *e);
/* The same for the calling thread only (gss_krb5_ccache_name: per thread in MIT); no setenv. */
int krb_use_ccache_thread(struct nlt_krb *k, struct nlt_err *e);

#endif
