/*
 * proto/gpo.h - the two Group Policy formats audit reads: a container's gPLink attribute
 * ("[LDAP://cn={GUID},cn=policies,cn=system,DC=...;N]" repeated) and a GPO's security template
 * MACHINE\Microsoft\Windows NT\SecEdit\GptTmpl.inf (UTF-16LE with a BOM, or ANSI/UTF-8), of
 * which only the two Netlogon values of "[Registry Values]" are taken:
 *   MACHINE\System\CurrentControlSet\Services\Netlogon\Parameters\MaximumPasswordAge=4,N
 *   MACHINE\System\CurrentControlSet\Services\Netlogon\Parameters\DisablePasswordChange=4,N
 * ("Domain member: Maximum machine account password age" / "... Disable machine account
 * password changes"; type 4 is REG_DWORD).
 *
 * Pure codec: no I/O, clock or heap; decoded strings point into the input.
 */
#ifndef NLT_PROTO_GPO_H
#define NLT_PROTO_GPO_H

#include <stddef.h>
#include <stdint.h>

#include "wire.h"

/* gPLink options (per link) and a GPO's flags attribute */
#define GPO_LINK_DISABLED 0x1u
#define GPO_LINK_ENFORCED 0x2u
#define GPO_FLAGS_USER_DISABLED 0x1u
#define GPO_FLAGS_MACHINE_DISABLED 0x2u
/* gPOptions on a domain or OU */
#define GPO_OPTIONS_BLOCK_INHERITANCE 0x1u

#define GPO_MAX_LINKS 64 /* links in one gPLink; more is refused (WIRE_ELIMIT) */

struct gpo_link {
	const char *dn; /* the GPO's DN (after "LDAP://"), not NUL-terminated */
	size_t dn_len;
	uint32_t options;
};

/*
 * Decode a gPLink value s[len] into out[max] in string order (the first link has the lowest
 * precedence on its container, the last link order 1).  An empty value, or one of blanks only,
 * is 0 links.  Each link must be "[LDAP://" (case-insensitive) DN ";" decimal options "]"; the DN
 * is non-empty and holds no '[' ']' ';'.  WIRE_EBAD when malformed, WIRE_ELIMIT past max.
 */
int gpo_dec_gplink(const char *s, size_t len, struct gpo_link *out, size_t max, size_t *n);

/*
 * The GUID of a GPO DN: the value of its first RDN when that is "{8-4-4-4-12 hex}" (38 chars),
 * copied NUL-terminated into out[39].  WIRE_EBAD otherwise.
 */
int gpo_dn_guid(const char *dn, size_t dn_len, char out[39]);

#define GPO_HAVE_MAX_AGE 0x1u
#define GPO_HAVE_DISABLE 0x2u

struct gpo_secedit {
	unsigned have;          /* GPO_HAVE_*: the value is set (type 4, a decimal number) */
	unsigned bad;           /* GPO_HAVE_*: the key is there but its value is not "4,N" */
	uint32_t max_age;       /* MaximumPasswordAge, days */
	uint32_t disable_change;/* DisablePasswordChange */
	int utf16;              /* the file was UTF-16LE (BOM FF FE) */
	size_t lines;           /* lines seen */
};

/*
 * Decode a GptTmpl.inf.  UTF-16LE when it starts with FF FE (an odd length is WIRE_EBAD),
 * else bytes (a UTF-8 BOM is skipped).  Lines end at LF (CR and blanks around are trimmed);
 * sections are "[name]"; ';' starts a comment line; keys compare case-insensitively; the last
 * occurrence of a key wins.  Characters outside ASCII never match a key.  A file without either
 * value is WIRE_OK with have = 0.
 */
int gpo_dec_gpttmpl(const uint8_t *buf, size_t len, struct gpo_secedit *out);

/*
 * A GptTmpl.inf's text one character at a time (shared with proto/sddl.c): gpo_inf_begin skips the
 * byte-order mark (FF FE: UTF-16LE, *utf16 = 1; EF BB BF: UTF-8; none: bytes) and sets *pos after
 * it; WIRE_EBAD for UTF-16 of odd length.  gpo_inf_next returns the character at *pos (a UTF-16
 * code unit or a byte) and advances *pos; call it while *pos < len.
 */
int gpo_inf_begin(const uint8_t *buf, size_t len, size_t *pos, int *utf16);
unsigned gpo_inf_next(const uint8_t *buf, size_t len, size_t *pos, int utf16);

#endif
