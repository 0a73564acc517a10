/*
 * proto/krb_msg.h - just enough Kerberos V5 (RFC 4120) DER to probe a KDC
 * and read its clock without credentials: an AS-REQ without pre-auth, and
 * the KRB-ERROR the KDC answers with (its stime is the KDC's clock).
 */
#ifndef NLT_PROTO_KRB_MSG_H
#define NLT_PROTO_KRB_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "wire.h"

/* Message types (RFC 4120 §5.10 [APPLICATION n] and msg-type) */
#define KRB_MSG_AS_REQ 10
#define KRB_MSG_AS_REP 11
#define KRB_MSG_ERROR  30

/* Name types (RFC 4120 §6.2) */
#define KRB_NT_PRINCIPAL 1
#define KRB_NT_SRV_INST  2

/* Error codes a probe typically sees (RFC 4120 §7.5.9) */
#define KDC_ERR_C_PRINCIPAL_UNKNOWN 6
#define KDC_ERR_S_PRINCIPAL_UNKNOWN 7
#define KDC_ERR_ETYPE_NOSUPP        14
#define KDC_ERR_CLIENT_REVOKED      18
#define KDC_ERR_KEY_EXPIRED         23
#define KDC_ERR_PREAUTH_FAILED      24
#define KDC_ERR_PREAUTH_REQUIRED    25
#define KRB_AP_ERR_SKEW             37
#define KRB_ERR_RESPONSE_TOO_BIG    52
#define KRB_ERR_GENERIC             60
#define KDC_ERR_WRONG_REALM         68

/* KDCOptions sent by krb_enc_as_req(): forwardable (bit 1), renewable-ok (bit 27) */
#define KRB_PROBE_KDC_OPTIONS 0x40000010u

struct krb_as_req_probe {
	const char *realm;     /* e.g. "LAB.EXAMPLE.COM" */
	const char *cname;     /* NT-PRINCIPAL; '/' separates components */
	uint32_t nonce;
	int64_t till;          /* unix seconds, years 1..9999 */
	const int32_t *etypes; /* preference order, at least one */
	size_t n_etypes;
};

/*
 * AS-REQ ::= [APPLICATION 10] KDC-REQ{pvno 5, msg-type 10, req-body{
 * kdc-options KRB_PROBE_KDC_OPTIONS, cname NT-PRINCIPAL, realm,
 * sname krbtgt/REALM NT-SRV-INST, till, nonce, etype}}; no padata.
 * Returns wwr_err(w) (WIRE_EBAD for an empty realm/cname/component or no
 * etypes).
 */
int krb_enc_as_req(struct wwr *w, const struct krb_as_req_probe *req);

/*
 * The [APPLICATION n] tag number of the message filling buf exactly
 * (definite length, constructed), or -1.
 */
int krb_msg_type(const uint8_t *buf, size_t len);

struct krb_error {
	int32_t error_code;
	int64_t stime;     /* unix seconds */
	int32_t susec;
	char realm[256];   /* service realm; longer is WIRE_ELIMIT */
	char e_text[256];  /* truncated; non-printable bytes shown as '?'; "" if absent */
};

/*
 * KRB-ERROR [APPLICATION 30] filling buf exactly.  Returns WIRE_*; *out is
 * written only on success.
 */
int krb_dec_error(const uint8_t *buf, size_t len, struct krb_error *out);

/* What an AS-REP says about the client key the KDC used (RFC 4120 5.4.2). */
struct krb_as_rep_info {
	char crealm[256];
	int32_t enc_etype;  /* enc-part etype: the client key's enctype */
	int have_kvno;
	uint32_t enc_kvno;  /* enc-part kvno: the key version the KDC holds */
};

/*
 * AS-REP [APPLICATION 11] filling buf exactly: pvno 5, msg-type 11,
 * optional padata (skipped), crealm, cname and ticket (validated as
 * elements, not decoded), and enc-part's etype and optional kvno (its
 * cipher is not touched).  Returns WIRE_*; *out is written only on success.
 */
int krb_dec_as_rep(const uint8_t *buf, size_t len, struct krb_as_rep_info *out);

#endif
