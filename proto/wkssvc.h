/*
 * proto/wkssvc.h - MS-WKST NetrWkstaGetInfo (opnum 0) at level 100
 * (MS-WKST 3.2.4.1, 2.2.5.1 WKSTA_INFO_100), NetrJoinDomain2 (opnum 22,
 * 3.2.4.13) and NetrUnjoinDomain2 (opnum 23, 3.2.4.14) with the
 * JOINPR_ENCRYPTED_USER_PASSWORD buffer (2.2.5.18); Samba
 * librpc/idl/wkssvc.idl.  Pure codecs: the obfuscator and the random fill
 * of the password buffer are parameters (nettle's MD5 and ARCFOUR, as
 * nrpc_crypto.c and smb2_crypto.c use nettle).
 */
#ifndef NLT_PROTO_WKSSVC_H
#define NLT_PROTO_WKSSVC_H

#include <stddef.h>
#include <stdint.h>

#include "dcerpc.h"
#include "ndr.h"
#include "wire.h"

extern const struct dcerpc_syntax wkssvc_syntax; /* 6bffd098-a112-3610-9833-46c3f87e345a v1.0 */
#define WKSSVC_OP_WKSTA_GET_INFO 0
#define WKSSVC_NAME_MAX 256

int wkssvc_enc_get_info(struct wwr *w, const char *server, uint32_t level);

struct wkssvc_info100 {
	int present;
	uint32_t platform_id;
	char computer[WKSSVC_NAME_MAX];
	char langroup[WKSSVC_NAME_MAX]; /* the NetBIOS domain or workgroup */
	uint32_t version_major, version_minor;
	uint32_t werror;
};
int wkssvc_dec_get_info100_rep(const uint8_t *stub, size_t len, struct wkssvc_info100 *rep);
int wkssvc_enc_get_info100_rep(struct wwr *w, const struct wkssvc_info100 *rep); /* tests */


/* ---- NetrJoinDomain2 / NetrUnjoinDomain2 ---- */
#define WKSSVC_OP_JOIN_DOMAIN2 22
#define WKSSVC_OP_UNJOIN_DOMAIN2 23

/* Options (MS-WKST 3.2.4.13; wkssvc.idl wkssvc_joinflags) */
#define WKSSVC_JOIN_DOMAIN 0x00000001u
#define WKSSVC_ACCT_CREATE 0x00000002u
#define WKSSVC_ACCT_DELETE 0x00000004u           /* unjoin: disable the account */
#define WKSSVC_DOMAIN_JOIN_IF_JOINED 0x00000020u
#define WKSSVC_JOIN_UNSECURE 0x00000040u
#define WKSSVC_MACHINE_PWD_PASSED 0x00000080u
#define WKSSVC_DEFER_SPN_SET 0x00000100u

/*
 * JOINPR_ENCRYPTED_USER_PASSWORD (MS-WKST 2.2.5.18): Obfuscator[8] in clear,
 * then RC4 under MD5(key[16] || Obfuscator) over JOINPR_USER_PASSWORD
 * {Buffer[512] with the UTF-16LE password at its end, u32 Length in bytes}.
 */
#define WKSSVC_PWBUF_LEN 524
#define WKSSVC_PW_PLAIN_LEN 516
#define WKSSVC_PW_MAX_BYTES 512

/*
 * The 516 plaintext bytes for pw (UTF-8): fill[0 .. 512 - len) (random bytes
 * from the caller), the password in UTF-16LE, u32 LE length.  This is also
 * SAMPR_USER_PASSWORD (MS-SAMR 2.2.6.21).  WIRE_EBAD for invalid UTF-8,
 * WIRE_ELIMIT for a password above 256 UTF-16 units.
 */
int wkssvc_pw_plain(const char *pw, const uint8_t fill[WKSSVC_PW_MAX_BYTES], uint8_t out[WKSSVC_PW_PLAIN_LEN]);
/* RC4 in place over data[len] under MD5(a || b) (the key of both the WKST and the SAMR-Ex buffer). */
void wkssvc_rc4_md5(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len, uint8_t *data, size_t len);
/*
 * The whole 524-byte buffer for the join/unjoin calls.  key: the SMB
 * session's application key (3.x) or session key (2.x); the plaintext is
 * wiped before return.  Errors as wkssvc_pw_plain.
 */
int wkssvc_join_password(const char *pw, const uint8_t key[16], const uint8_t obfuscator[8],
			 const uint8_t fill[WKSSVC_PW_MAX_BYTES], uint8_t out[WKSSVC_PWBUF_LEN]);
/* The reverse (tests; a server's side): the password as UTF-8 into pw[cap]. */
int wkssvc_join_password_open(const uint8_t in[WKSSVC_PWBUF_LEN], const uint8_t key[16], char *pw, size_t cap);

/*
 * NetrJoinDomain2 request: [unique,string] ServerName (NULL here),
 * [ref,string] DomainNameParam ("dom" or "dom\\dc"), [unique,string]
 * MachineAccountOU, [unique,string] AccountName, [unique] Password (NULL
 * when pwbuf is NULL), u32 Options.
 */
int wkssvc_enc_join_domain2(struct wwr *w, const char *server, const char *domain, const char *ou,
			    const char *account, const uint8_t *pwbuf, uint32_t options);
/* NetrUnjoinDomain2 request: ServerName, AccountName, Password, Options. */
int wkssvc_enc_unjoin_domain2(struct wwr *w, const char *server, const char *account, const uint8_t *pwbuf,
			      uint32_t options);
/* Both replies are the WERROR alone (exactly 4 bytes). */
int wkssvc_dec_werror_rep(const uint8_t *stub, size_t len, uint32_t *werror);
int wkssvc_enc_werror_rep(struct wwr *w, uint32_t werror); /* tests */

#endif
