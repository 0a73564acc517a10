/*
 * proto/sddl.h - the security option "Domain controller: Allow computer account re-use during
 * domain join" (KB5020276, March 2023) as a GPO stores it, and the SDDL it holds.
 *
 * Stored in a GPO's MACHINE\Microsoft\Windows NT\SecEdit\GptTmpl.inf, [Registry Values]:
 *   MACHINE\System\CurrentControlSet\Control\SAM\ComputerAccountReuseAllowList=1,"O:BAG:BAD:(A;;RC;;;SID)..."
 * (type 1 is REG_SZ; the value is quoted as for RestrictRemoteSAM, the other SDDL security option).
 * MS-SAMR 3.1.1.12: a setting in SDDL (MS-DTYP 2.5.1) that holds the trusted computer-account
 * owners; 3.1.5.13.8 SamrValidateComputerAccountReuseAttempt: reuse is allowed when the object's
 * ntSecurityDescriptor OWNER is directly specified in it or is a member of a group specified in it.
 *
 * Pure codec: no I/O, clock or heap.
 */
#ifndef NLT_PROTO_SDDL_H
#define NLT_PROTO_SDDL_H

#include <stddef.h>
#include <stdint.h>

#include "wire.h"

#define SDDL_REUSE_KEY "MACHINE\\System\\CurrentControlSet\\Control\\SAM\\ComputerAccountReuseAllowList"

#define SDDL_SID_MAX 192   /* "S-1-<48 bits>" and 15 sub-authorities fit */
#define SDDL_MAX_ACES 64   /* more is refused (WIRE_ELIMIT) */
#define SDDL_TEXT_MAX 4096 /* the value's text; longer is malformed */

enum sddl_ace_kind {
	SDDL_ACE_ALLOW = 1, /* A, OA */
	SDDL_ACE_DENY,      /* D, OD */
	SDDL_ACE_COND,      /* XA, XD, ZA: a condition we do not evaluate */
	SDDL_ACE_OTHER,     /* audit, alarm, label, scoped policy...: grants nothing */
};

struct sddl_ace {
	enum sddl_ace_kind kind;
	char alias[3];          /* the two-letter alias as written ("" for a SID string) */
	char sid[SDDL_SID_MAX]; /* S-1-... in canonical decimal form; "" for a domain-relative alias without a domain SID */
};

struct sddl_sd {
	char owner[SDDL_SID_MAX], group[SDDL_SID_MAX]; /* "" when absent (or an unresolved alias) */
	int have_dacl;
	uint32_t dacl_flags; /* SDDL_DACL_* */
	size_t n_ace;        /* DACL ACEs (SACL ACEs are not kept) */
	struct sddl_ace ace[SDDL_MAX_ACES];
};
#define SDDL_DACL_PROTECTED 0x1u    /* P */
#define SDDL_DACL_AUTO_INHERIT 0x2u /* AI, AR */
#define SDDL_DACL_NO_ACCESS 0x4u    /* NO_ACCESS_CONTROL: a NULL DACL */

/*
 * Decode SDDL text s[len] (MS-DTYP 2.5.1: "O:" owner, "G:" group, "D:" flags and ACEs, "S:" flags
 * and ACEs; each at most once, in that order, each optional).  An ACE is "(" type ";" flags ";"
 * rights ";" object-guid ";" inherit-guid ";" sid [";" condition-or-attribute] ")".  A SID is a
 * two-letter alias (MS-DTYP 2.5.1.1) or "S-1-" decimal numbers (authority < 2^48, 1-15
 * sub-authorities < 2^32).  Domain-relative aliases (DA, DU, CA, ...) become domain_sid + "-RID"
 * when domain_sid is given, else sid "" (the alias kept); forest-root ones (EA, SA, EK) always
 * stay unresolved ("": the forest root's SID is not known here).  Blanks around the text are
 * allowed, nowhere else.  WIRE_EBAD when malformed or an alias is unknown, WIRE_ELIMIT past
 * SDDL_MAX_ACES DACL ACEs.
 */
int sddl_dec(const char *s, size_t len, const char *domain_sid, struct sddl_sd *out);

/* SID text in canonical form ("S-1-5-21-1-2-3-500"): 0 and out, or -1 (pure). */
int sddl_sid_canon(const char *s, size_t len, char *out, size_t outlen);

enum sddl_val_state {
	SDDL_VAL_UNSET = 0, /* the key is not in [Registry Values] */
	SDDL_VAL_SET,       /* text holds the SDDL (unquoted, NUL-terminated) */
	SDDL_VAL_BAD,       /* the key is there, its value is not 1,"TEXT" (or too long) */
};

struct sddl_reuse_val {
	enum sddl_val_state state;
	char text[SDDL_TEXT_MAX];
	size_t len;
	int utf16; /* the file was UTF-16LE (BOM FF FE) */
};

/*
 * The ComputerAccountReuseAllowList value of a GptTmpl.inf buf[len]: UTF-16LE when it starts
 * with FF FE (an odd length is WIRE_EBAD), else bytes (a UTF-8 BOM is skipped); lines end at LF,
 * CR and blanks around are trimmed; sections are "[name]"; ';' starts a comment; keys compare
 * case-insensitively; the last occurrence wins.  The value is "1," then the text, quoted ("...")
 * or bare.  Characters outside ASCII in our line make it SDDL_VAL_BAD.  WIRE_OK otherwise.
 */
int sddl_dec_reuse_value(const uint8_t *buf, size_t len, struct sddl_reuse_val *out);

#endif
