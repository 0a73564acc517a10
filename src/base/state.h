/*
 * src/base/state.h - the machine-secret journal that makes password changes
 * two-phase and crash-safe (DESIGN.md, "Security rules").
 *
 * Layout: one directory per machine account,
 *
 *     <state_dir>/<REALM>/<ACCOUNT>/      0700, owned by the effective uid
 *         pending     the secret being set (journalled before the DC is contacted)
 *         current     the secret the DC is believed to hold
 *         previous    the one before it (the DC's and the keytab's previous kvno)
 *
 * state_dir defaults to NLT_STATE_DIR (configure --with-state-dir, normally
 * /var/lib/nltrust).  Each file holds one secret record (below), mode 0600,
 * replaced only with atomicfile_write_at() (temp, fsync, rename, fsync dir).
 *
 * A password change (reset-password, join):
 *     state_open(..., STATE_CREATE)      locks the directory, sweeps stray temps
 *     state_put_pending(new)             refused while a pending record exists
 *     ... change the password on the DC, confirm it (AS-REQ), rewrite the keytab ...
 *     state_commit()                     previous := current; current := pending; unlink pending
 *  or state_abort_pending()              the DC refused the change
 *     state_close()
 *
 * Recovery: when state_load(PENDING) finds a record, an earlier run stopped
 * somewhere in that sequence.  state_recovery_candidates() returns pending,
 * current and previous (each distinct secret once, in that order); the
 * caller probes them against the DC, then calls state_commit() when the DC
 * holds the pending secret or state_abort_pending() when it holds the
 * current one.  state_commit() is idempotent: re-running it after a crash
 * inside it never overwrites previous with the new secret.
 *
 * At every instant of state_commit() the directory holds the new secret and
 * the old one:
 *     start                     pending=N  current=O  previous=P
 *     commit-after-previous     pending=N  current=O  previous=O
 *     commit-after-current      pending=N  current=N  previous=O
 *     commit-after-unlink       (none)     current=N  previous=O
 *
 * Failpoints (NLT_FAILPOINT, see atomicfile.h): commit-begin,
 * commit-after-previous, commit-after-current, commit-after-unlink,
 * abort-before-unlink, and the atomic-* points with :pending, :previous and
 * :current.
 *
 * Concurrency: state_open() takes an exclusive, non-blocking flock(2) on
 * the account directory, held until state_close(); a second nltrust working
 * on the same account gets an error instead of interleaving with the first.
 * The lock dies with the process, so a crash never leaves it held.
 *
 * ---- Secret record, version 1 -------------------------------------------
 *
 * Exactly these six lines, in this order, each ending in a single LF, and
 * nothing after the last one (no CR, no tabs, no blank lines, no comments):
 *
 *     nltrust-secret 1
 *     kvno 7
 *     created 2024-05-01T12:34:56Z
 *     source dc1.lab.test
 *     password 4a2f00ff...
 *     end
 *
 *   nltrust-secret  format name and version; any other version is refused.
 *   kvno      decimal 0..4294967295, no sign, no leading zeros; the key
 *             version the secret has (or is expected to get) on the DC;
 *             0 means unknown.
 *   created   when the secret was generated: ISO 8601 UTC, exactly
 *             YYYY-MM-DDTHH:MM:SSZ, 1970-01-01T00:00:00Z..9999-12-31T23:59:59Z.
 *   source    the DC (host name or address) the secret was set on or learnt
 *             from: 1..255 bytes of printable ASCII without spaces (0x21..0x7e).
 *   password  the secret's raw bytes as lowercase hex, 1..STATE_PW_MAX bytes
 *             (so any byte value is safe; for AD machine accounts this is the
 *             UTF-16LE password, as the DC stores it).
 *   end       marks a complete record: any truncation is detected.
 *
 * The format is canonical: parsing then formatting gives the same bytes.
 * A record file is at most STATE_REC_TEXT_MAX bytes.
 */
#ifndef NLT_STATE_H
#define NLT_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "util.h"

#define STATE_REC_VERSION 1
#define STATE_PW_MAX 512        /* bytes of secret (AD: 240 bytes of UTF-16LE) */
#define STATE_SOURCE_MAX 255    /* bytes of source host name */
#define STATE_REC_TEXT_MAX 2048 /* bytes of a record file; the longest valid one is 1363 */
#define STATE_COMPONENT_MAX 255 /* bytes of a realm or account name */

/*
 * One secret.  No pointers: a record lives wherever the caller puts it, is
 * copied by assignment, and state_rec_wipe() clears all of it.  Wipe every
 * record that held a password once done with it.
 */
struct state_rec {
	uint32_t kvno;
	int64_t created; /* unix seconds, UTC */
	char source[STATE_SOURCE_MAX + 1];
	size_t pw_len;
	uint8_t pw[STATE_PW_MAX];
};

enum state_slot {
	STATE_PENDING = 0,
	STATE_CURRENT = 1,
	STATE_PREVIOUS = 2,
};
#define STATE_NSLOTS 3

/* File name of a slot: "pending", "current", "previous". */
const char *state_slot_name(enum state_slot slot);

/* Fill a record, validating every field as the format does.  0 or -1 (err set, rec untouched). */
int state_rec_init(struct state_rec *rec, uint32_t kvno, int64_t created, const char *source, const void *pw,
		   size_t pw_len, struct nlt_err *err);
/* explicit_bzero() the whole record; NULL-safe. */
void state_rec_wipe(struct state_rec *rec);
/* 1 when both hold the same kvno and password bytes. */
int state_rec_same_secret(const struct state_rec *a, const struct state_rec *b);

/*
 * Pure codec: no I/O, clock or allocation.  state_rec_parse() accepts
 * exactly the format above and fills *rec only on success; on failure err
 * says what is wrong ("line 5: password: column 13 is not a lowercase
 * hex digit").
 * state_rec_format() writes the canonical text into buf (cap bytes; a
 * STATE_REC_TEXT_MAX buffer always suffices) and sets *len; the buffer
 * holds the password: wipe it.  Both return 0 or -1, category NLT_ECONFIG
 * for a malformed record.
 */
int state_rec_parse(const uint8_t *buf, size_t len, struct state_rec *rec, struct nlt_err *err);
int state_rec_format(const struct state_rec *rec, char *buf, size_t cap, size_t *len, struct nlt_err *err);

/*
 * Realm and account names become path components; they must be 1..255
 * bytes of printable ASCII (0x21..0x7e) other than '/' and '\', not start
 * with '.' (so never "." or "..", and never a hidden or temporary name).
 * Returns 1 when acceptable.  state_open() upper-cases both (AD compares
 * them case-insensitively; WS1$ and ws1$ must share one journal).
 */
int state_component_ok(const char *s);

struct state; /* opaque: an open, locked account directory */

/* state_open() flags */
#define STATE_CREATE 0x1u /* create missing directories (0700); otherwise a missing one returns 1 */
#define STATE_LOOK 0x2u   /* only look (a dry run): leave temporary files of a crashed write where they are */

/*
 * Open <state_dir>/<REALM>/<ACCOUNT> (state_dir NULL: NLT_STATE_DIR).
 * Every level must be a directory owned by the effective uid and not
 * writable by group or others; realm and account must not be symbolic
 * links.  Takes the lock, then removes temporary files left by a crashed
 * atomic write.  Returns 0 and sets *out; 1 when the directory does not
 * exist and STATE_CREATE is not given (*out untouched); -1 on error.
 */
int state_open(const char *state_dir, const char *realm, const char *account, unsigned flags,
	       struct state **out, struct nlt_err *err);
/* Unlock and free; NULL-safe. */
void state_close(struct state *st);
/* "<state_dir>/<REALM>/<ACCOUNT>", for messages. */
const char *state_path(const struct state *st);

/*
 * Read a slot.  Returns 1 and fills *rec when the file exists and is a
 * valid record (mode 0600 or stricter, regular file, not a symlink, owned by
 * root or us), 0 when the slot is empty (*rec untouched), -1 on error; the
 * message names the file.
 */
int state_load(struct state *st, enum state_slot slot, struct state_rec *rec, struct nlt_err *err);

/* Journal the secret about to be set.  Fails if a pending record exists. 0 or -1. */
int state_put_pending(struct state *st, const struct state_rec *rec, struct nlt_err *err);
/* The DC holds the pending secret: rotate (see above).  Fails without a pending record. 0 or -1. */
int state_commit(struct state *st, struct nlt_err *err);
/* The DC does not hold the pending secret: drop it.  No pending record is not an error. 0 or -1. */
int state_abort_pending(struct state *st, struct nlt_err *err);

/* Distinct secrets to probe against the DC, in probing order. */
struct state_cands {
	size_t n;
	enum state_slot slot[STATE_NSLOTS];
	struct state_rec rec[STATE_NSLOTS];
};
/*
 * Fill *out with pending, current, previous (the slots that exist; a secret
 * equal to an earlier slot's is listed once, under the earlier slot).
 * 0 or -1: a malformed slot is an error, never skipped, since it may be the
 * secret the DC holds.  Wipe with state_cands_wipe().
 */
int state_recovery_candidates(struct state *st, struct state_cands *out, struct nlt_err *err);
void state_cands_wipe(struct state_cands *c);

/*
 * For leave: delete every slot and temporary file and the account
 * directory itself (the realm directory stays).  The handle must then only
 * be closed.  0 or -1.
 */
int state_remove(struct state *st, struct nlt_err *err);

/*
 * ---- Decisions after a change request (pure; unit-tested) ----------------
 *
 * What the DC answered to the change request itself:
 */
enum state_dc_answer {
	STATE_DC_UNKNOWN = 0, /* no answer we can trust: timeout, dropped connection, unreadable reply
			       * (0: an answer never recorded is never an acknowledgement) */
	STATE_DC_ACKED,   /* a clear yes: kpasswd result 0, NetrServerPasswordSet2 status 0 with a
			   * verified return authenticator, LDAP modify success */
	STATE_DC_NO,      /* an answer that says no but that the AS check may overrule (kpasswd
			   * "error" on success, as Windows Server 2025 sends) */
};
/* What to do with the pending password once the confirming AS exchange has run. */
enum state_action {
	STATE_ACT_KEEP = 0, /* keep it pending; the next run's recovery decides (0: the safe default) */
	STATE_ACT_COMMIT,   /* the DC accepts the new password: rewrite the keytab, commit */
	STATE_ACT_DROP,     /* a clear refusal and the DC does not take it: drop the pending password */
};
/*
 * as_accepts: 1 the AS exchange with the new password succeeded, 0 it was
 * refused as a wrong password (an unauthenticated KRB-ERROR: forgeable, or
 * replication lag), -1 it could not tell.  Only STATE_DC_NO with 0 drops:
 * a password the DC acknowledged is never dropped on the word of a
 * KRB-ERROR.
 */
enum state_action state_after_confirm(enum state_dc_answer answer, int as_accepts);

/* Where the kvno written to the keytab comes from. */
enum state_kvno_source {
	STATE_KVNO_UNCONFIRMED = 0, /* neither source below: do not write it (0: never a confirmed kvno) */
	STATE_KVNO_DIRECTORY,     /* msDS-KeyVersionNumber read over a sealed LDAP connection */
	STATE_KVNO_AS_CONSISTENT, /* the AS-REP's (unauthenticated) kvno, equal to the one expected locally */
};
struct state_kvno_in {
	uint32_t expected;  /* expected from trusted sources: the keytab's newest kvno + 1, or the directory's
			     * msDS-KeyVersionNumber read before the change + 1 (0: unknown) */
	int have_as;        /* the AS-REP of the new password carried a kvno */
	uint32_t as_kvno;
	int have_dir;       /* msDS-KeyVersionNumber read over sealed LDAP after the change */
	uint32_t dir_kvno;
};
/*
 * Choose the new kvno: the directory's when read (sealed, authenticated),
 * else the AS-REP's only when it equals the expected one (old + 1: AD and
 * Samba add one per password set, and the AS-REP's outer kvno is not
 * integrity-protected, so any other value is taken from nobody).  Sets
 * *kvno (0 when unconfirmed) and writes a one-line reason into why.
 */
enum state_kvno_source state_pick_kvno(const struct state_kvno_in *in, uint32_t *kvno, char *why, size_t len);
/* "directory", "as-rep, consistent with old kvno", "unconfirmed" (the JSON kvno_source values). */
const char *state_kvno_source_str(enum state_kvno_source s);

/*
 * The DC facts cache (issue 11): what an LDAP ping told about the DC at one address, so that
 * `verify -S DC` needs no ping on the happy path.  <state_dir>/dc-<address> (0600, owned by root
 * or us, no group/other bits; IPv6 ':' as '_'), text:
 *
 *     nltrust-dc 1
 *     dns_domain lab.test
 *     netbios_domain LAB
 *     dc_dns_name dc1.lab.test
 *     dc_netbios_name DC1
 *     dc_site Default-First-Site-Name      (optional)
 *     forest lab.test                      (optional)
 *     flags 0x0003f1fd                     (optional)
 *
 * Every key once, values printable ASCII without spaces.  Written only after a Netlogon
 * secure channel with facts from a real ping succeeded (src/trust/trust_local.c); a hint only:
 * any verdict but healthy from cached facts is judged again after a ping.  state_dir NULL:
 * NLT_STATE_DIR.
 */
#define STATE_DC_NAME 256
struct state_dc_facts {
	char dns_domain[STATE_DC_NAME], netbios_domain[16], dc_dns_name[STATE_DC_NAME], dc_netbios_name[16],
	     dc_site[STATE_DC_NAME], forest[STATE_DC_NAME];
	uint32_t flags;
	int have_flags;
};
/* 0 and *f, or -1 (not the format above); pure. */
int state_dc_parse(const uint8_t *buf, size_t len, struct state_dc_facts *f);
/* The file's text into buf: its length, or -1 when a value cannot be written (empty, space, not ASCII). */
int state_dc_format(const struct state_dc_facts *f, char *buf, size_t cap);
/* 1 and *f when a usable entry exists, else 0 (missing, not ours, bad mode, malformed: -v says which). */
int state_dc_load(const char *state_dir, const struct nlt_addr *dc, struct state_dc_facts *f);
/* Best effort: 0 written, -1 not (-v says why). */
int state_dc_store(const char *state_dir, const struct nlt_addr *dc, const struct state_dc_facts *f);
/* Same DC facts (names compared without case; site, forest and flags ignored). */
int state_dc_same(const struct state_dc_facts *a, const struct state_dc_facts *b);

#endif
