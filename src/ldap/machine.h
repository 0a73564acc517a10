/*
 * src/ldap/machine.h - the machine account as the commands name and find it:
 * its sAMAccountName from a host name, its principal in a keytab, and its
 * NT hash (the Netlogon secret) from the keytab or the journal.
 */
#ifndef NLT_MACHINE_H
#define NLT_MACHINE_H

#include <krb5.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "state.h"

#define MACHINE_NETBIOS_MAX 15 /* a computer name a member can take (join) */
#define MACHINE_SAM_MAX 20     /* a sAMAccountName already in the directory */

/*
 * "ws1", "WS1$" or NULL (this host's short name) -> sam "WS1$" and, when
 * lower is not NULL, "ws1".  1..maxlen letters, digits, '-' or '_'.
 */
int machine_account(const char *given, size_t maxlen, char *sam, size_t slen, char *lower, size_t llen,
		    struct nlt_err *e);

/* Does p name MACHINE$@REALM (single component, both compared case-insensitively)? */
int machine_is_principal(krb5_context kc, krb5_const_principal p, const char *machine, const char *realm);

/* The rc4-hmac key (= the NT hash) of kvno for the machine in the keytab (kc NULL: a context of its own); 0 or -1. */
int machine_nt_hash_keytab(krb5_context kc, const char *path, const char *machine, const char *realm, uint32_t kvno,
			   uint8_t out[16]);
/*
 * A password of the journal as an NT hash; 0 or -1 (no journal, no such slot, not UTF-8).
 * This opens (and locks) the journal itself: a process that holds it open already
 * must use machine_nt_hash_state() instead, or it locks itself out.
 */
int machine_nt_hash_journal(const char *state_dir, const char *realm, const char *machine, enum state_slot slot,
			    uint8_t out[16]);

/* The same through a journal this process already holds open; 0 or -1 (no such slot, not UTF-8). */
int machine_nt_hash_state(struct state *st, enum state_slot slot, uint8_t out[16]);

#endif
