/*
 * proto/kpasswd.h - the kpasswd framing (RFC 3244; the change-password
 * message of draft-ietf-cat-kerb-chg-password, version 1): the 6-byte
 * header around an AP-REQ/AP-REP and a KRB-PRIV (or a KRB-ERROR), the
 * set-password ChangePasswdData, and the result in the reply's KRB-PRIV
 * user data.  The AP and KRB-PRIV messages themselves are MIT's
 * (src/krb/kpasswd.c); this codec only frames and unframes them.
 *
 *   message length   2 bytes, big-endian, the whole message including this header
 *   version          2 bytes: 0x0001 change-password, 0xff80 set-password (RFC 3244)
 *   AP-REQ/AP-REP    length 2 bytes, then the message (0 in a reply: a KRB-ERROR follows)
 *   KRB-PRIV         the rest (or KRB-ERROR)
 *
 * Over TCP the whole message carries a 4-byte big-endian length prefix
 * (RFC 3244 section 2, as RFC 4120 7.2.2); that prefix is the transport's.
 */
#ifndef NLT_PROTO_KPASSWD_H
#define NLT_PROTO_KPASSWD_H

#include <stddef.h>
#include <stdint.h>

#include "wire.h"

#define KPW_VERS_CHANGE 0x0001u
#define KPW_VERS_SET    0xff80u
#define KPW_HDR_LEN     6
#define KPW_MSG_MAX     0xffffu /* the length field is 16 bits */

/* result codes (RFC 3244 section 2, plus the AD/Samba values) */
#define KPW_SUCCESS         0
#define KPW_MALFORMED       1
#define KPW_HARDERROR       2
#define KPW_AUTHERROR       3
#define KPW_SOFTERROR       4 /* password policy */
#define KPW_ACCESSDENIED    5
#define KPW_BAD_VERSION     6
#define KPW_INITIAL_FLAG_NEEDED 7
const char *kpw_result_str(unsigned code);

/*
 * Request: header + ap_req + priv (version KPW_VERS_CHANGE or KPW_VERS_SET).
 * WIRE_EBAD for an empty AP-REQ or KRB-PRIV, an unknown version or a
 * message longer than KPW_MSG_MAX.  Returns wwr_err(w).
 */
int kpw_enc_request(struct wwr *w, uint16_t version, const uint8_t *ap_req, size_t ap_req_len, const uint8_t *priv,
		    size_t priv_len);

/*
 * ChangePasswdData ::= SEQUENCE { newpasswd [0] OCTET STRING,
 *   targname [1] PrincipalName OPTIONAL, targrealm [2] Realm OPTIONAL }
 * (RFC 3244), the user data of a set-password KRB-PRIV.  targname is
 * NT-PRINCIPAL with '/'-separated components; targname and targrealm are
 * both given or both NULL (then the ticket's client is the target).
 */
int kpw_enc_setpw_data(struct wwr *w, const uint8_t *pw, size_t pw_len, const char *targname, const char *targrealm);

struct kpw_reply {
	uint16_t version;
	int is_error;            /* 1: body is a KRB-ERROR (ap_rep empty) */
	const uint8_t *ap_rep;   /* into the caller's buffer */
	size_t ap_rep_len;
	const uint8_t *body;     /* KRB-PRIV, or KRB-ERROR when is_error */
	size_t body_len;
};

/*
 * A reply filling buf exactly: header (length equal to len, version 0x0001
 * or 0xff80), AP-REP + KRB-PRIV, or an empty AP-REP + KRB-ERROR.  A bare
 * KRB-ERROR without the header (some servers send one for a request they
 * cannot parse) is accepted as is_error with version 0.  The AP-REP must be
 * [APPLICATION 15], the KRB-PRIV [APPLICATION 21], a KRB-ERROR
 * [APPLICATION 30], each filling its part (DER length checked).  Returns
 * WIRE_*; *out is written only on success.
 */
int kpw_dec_reply(const uint8_t *buf, size_t len, struct kpw_reply *out);

/*
 * The result in the reply's KRB-PRIV user data: 2-byte big-endian code,
 * then a result string (UTF-8 text, or AD's 30-byte binary policy blob).
 * Codes above 0xffff do not exist; fewer than 2 bytes is WIRE_ETRUNC.
 */
int kpw_dec_result(const uint8_t *data, size_t len, uint16_t *code, const uint8_t **str, size_t *str_len);

#endif
