/*
 * src/ldap/adattr.h - pure decoders for computer-object attributes:
 * userAccountControl (MS-ADTS 2.2.16), msDS-SupportedEncryptionTypes
 * (MS-KILE 2.2.7), FILETIME integers (pwdLastSet, lastLogonTimestamp) and
 * GeneralizedTime strings (whenCreated, whenChanged).
 */
#ifndef NLT_ADATTR_H
#define NLT_ADATTR_H

#include <stddef.h>
#include <stdint.h>

#define UAC_SCRIPT 0x00000001u
#define UAC_ACCOUNTDISABLE 0x00000002u
#define UAC_LOCKOUT 0x00000010u
#define UAC_PASSWD_NOTREQD 0x00000020u
#define UAC_NORMAL_ACCOUNT 0x00000200u
#define UAC_WORKSTATION_TRUST_ACCOUNT 0x00001000u
#define UAC_SERVER_TRUST_ACCOUNT 0x00002000u
#define UAC_DONT_EXPIRE_PASSWORD 0x00010000u
#define UAC_TRUSTED_FOR_DELEGATION 0x00080000u
#define UAC_USE_DES_KEY_ONLY 0x00200000u
#define UAC_DONT_REQ_PREAUTH 0x00400000u
#define UAC_PARTIAL_SECRETS_ACCOUNT 0x04000000u

#define ENC_DES_CBC_CRC 0x01u
#define ENC_DES_CBC_MD5 0x02u
#define ENC_RC4_HMAC 0x04u
#define ENC_AES128 0x08u
#define ENC_AES256 0x10u

/* Names of the set bits, space separated ("workstation_trust_account dont_expire_password");
 * unknown bits as 0x...; returns buf. */
const char *ad_uac_str(uint32_t uac, char *buf, size_t len);
const char *ad_enctypes_str(uint32_t et, char *buf, size_t len);
/* Name of bit i (0..31) or NULL; for JSON arrays. */
const char *ad_uac_bit_name(unsigned bit);
const char *ad_enctype_bit_name(unsigned bit);

/* FILETIME (100 ns since 1601) to Unix seconds; 0 and "never" (0x7fff...) give -1. */
int64_t ad_filetime_to_unix(int64_t ft);
/* "YYYYMMDDHHMMSS[.f]Z" to Unix seconds; -1 when malformed. */
int64_t ad_gentime_to_unix(const char *s);

#endif
