/* src/ldap/machine.c - the machine account's name, principal and NT hash (see machine.h). */
#include "config.h"
#include "machine.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "nrpc_crypto.h"
#include "util.h"

int machine_account(const char *given, size_t maxlen, char *sam, size_t slen, char *lower, size_t llen,
		    struct nlt_err *e)
{
	char host[256];
	size_t n;

	if (!given) {
		if (gethostname(host, sizeof(host)) != 0)
			return nlt_seterr(e, NLT_ECONFIG, "cannot read this host's name: %s", strerror(errno));
		host[sizeof(host) - 1] = '\0';
		char *dot = strchr(host, '.');
		if (dot)
			*dot = '\0';
		given = host;
	}
	n = strlen(given);
	if (n && given[n - 1] == '$')
		n--;
	if (n == 0 || n > maxlen || n + 2 > slen || (lower && n + 1 > llen))
		return nlt_seterr(e, NLT_EUSAGE, "'%s' is not a usable computer name (1 to %zu letters, digits, '-', '_')",
				  given, maxlen);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)given[i];
		if (!(isalnum(c) || c == '-' || c == '_'))
			return nlt_seterr(e, NLT_EUSAGE, "'%s' is not a usable computer name (1 to %zu letters, digits, '-', '_')",
					  given, maxlen);
		sam[i] = (char)toupper(c);
		if (lower)
			lower[i] = (char)tolower(c);
	}
	sam[n] = '$';
	sam[n + 1] = '\0';
	if (lower)
		lower[n] = '\0';
	return 0;
}

int machine_is_principal(krb5_context kc, krb5_const_principal p, const char *machine, const char *realm)
{
	const krb5_data *c;

	if (krb5_princ_size(kc, p) != 1)
		return 0;
	if (p->realm.length != strlen(realm) || strncasecmp(p->realm.data, realm, p->realm.length) != 0)
		return 0;
	c = krb5_princ_component(kc, p, 0);
	return c->length == strlen(machine) && strncasecmp(c->data, machine, c->length) == 0;
}

int machine_nt_hash_keytab(krb5_context kc, const char *path, const char *machine, const char *realm, uint32_t kvno,
			   uint8_t out[16])
{
	krb5_context own = NULL;
	krb5_keytab kt;
	krb5_kt_cursor cur;
	krb5_keytab_entry ent;
	char name[600];
	int found = -1;

	if (!kc) {
		if (krb5_init_context(&own) != 0)
			return -1;
		kc = own;
	}
	snprintf(name, sizeof(name), "FILE:%s", path);
	if (krb5_kt_resolve(kc, name, &kt) == 0) {
		if (krb5_kt_start_seq_get(kc, kt, &cur) == 0) {
			while (krb5_kt_next_entry(kc, kt, &ent, &cur) == 0) {
				if (found < 0 && ent.vno == kvno && ent.key.enctype == 23 && ent.key.length == 16 &&
				    machine_is_principal(kc, ent.principal, machine, realm)) {
					memcpy(out, ent.key.contents, 16);
					found = 0;
				}
				krb5_free_keytab_entry_contents(kc, &ent);
			}
			krb5_kt_end_seq_get(kc, kt, &cur);
		}
		krb5_kt_close(kc, kt);
	}
	if (own)
		krb5_free_context(own);
	return found;
}

int machine_nt_hash_journal(const char *state_dir, const char *realm, const char *machine, enum state_slot slot,
			    uint8_t out[16])
{
	struct state *st = NULL;
	struct nlt_err ign;
	int r;

	if (state_open(state_dir, realm, machine, STATE_LOOK, &st, &ign) != 0)
		return -1;
	r = machine_nt_hash_state(st, slot, out);
	state_close(st);
	return r;
}

int machine_nt_hash_state(struct state *st, enum state_slot slot, uint8_t out[16])
{
	struct state_rec rec;
	struct nlt_err ign;
	int r = -1;

	if (state_load(st, slot, &rec, &ign) == 1) {
		if (nrpc_nt_hash_utf8((const char *)rec.pw, rec.pw_len, out) == WIRE_OK)
			r = 0;
		state_rec_wipe(&rec);
	}
	return r;
}
