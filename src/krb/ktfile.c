/* src/krb/ktfile.c - rewrite a machine keytab for a new password (see ktfile.h). */
#include "config.h"
#include "ktfile.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "atomicfile.h"
#include "keys.h"
#include "keytab.h"
#include "util.h"

#define KTF_MAX_ENTRIES 4096
#define KTF_MAX_BYTES (4u << 20)
#define KTF_MAX_PRINC 64
#define KTF_MAX_ET 8

static int str_eq(const struct kt_str *s, const char *z)
{
	return s->len == strlen(z) && memcmp(s->ptr, z, s->len) == 0;
}

static int str_caseeq(const struct kt_str *s, const char *z)
{
	return s->len == strlen(z) && strncasecmp((const char *)s->ptr, z, s->len) == 0;
}

static int is_machine_entry(const struct kt_entry *en, const char *realm, const char *machine)
{
	return en->n_comp == 1 && str_eq(&en->realm, realm) && str_caseeq(&en->comp[0], machine);
}

static int key_eq(const struct kt_entry *a, const struct kt_entry *b)
{
	return a->enctype == b->enctype && a->key.len == b->key.len && memcmp(a->key.ptr, b->key.ptr, a->key.len) == 0;
}

/*
 * Read and decode the keytab at path: 0 with *old (wipe with atomicfile_free) and *ents (n of
 * them, pointing into *old), 1 when there is no keytab yet, -1 with e.
 */
static int kt_load(const char *path, uint8_t **old, size_t *oldlen, struct kt_entry **ents, size_t *n,
		   struct nlt_err *e)
{
	struct kt_dec_info info;
	int rd = atomicfile_read(path, KTF_MAX_BYTES, ATOMICFILE_RD_MISSING_OK, old, oldlen, e);

	*ents = NULL;
	*n = 0;
	if (rd != 0)
		return rd;
	if ((rd = kt_dec(*old, *oldlen, NULL, 0, &info)) != WIRE_OK || info.n_entries > KTF_MAX_ENTRIES) {
		nlt_seterr(e, NLT_ECONFIG, "the keytab %s cannot be read: %s; it is left as it is", path,
			   rd != WIRE_OK ? kt_strerror(rd) : "more entries than a machine keytab has");
		return -1;
	}
	*ents = calloc(info.n_entries + 1, sizeof(**ents));
	if (!*ents || kt_dec(*old, *oldlen, *ents, info.n_entries, &info) != WIRE_OK)
		return nlt_seterr(e, NLT_EINTERNAL, "keytab: out of memory");
	*n = info.n_entries;
	return 0;
}

/* Encode entries and replace the keytab at path atomically (0600); the buffer is wiped. */
static int kt_store(const char *path, const struct kt_entry *ents, size_t n, struct nlt_err *e)
{
	size_t len = n ? kt_enc_len(ents, n) : 2; /* no entries: the version alone */
	uint8_t *buf = malloc(len ? len : 1);
	struct wwr w;
	int r = -1;

	if (!buf)
		return nlt_seterr(e, NLT_EINTERNAL, "keytab: out of memory");
	wwr_init(&w, buf, len);
	if (kt_enc(&w, ents, n) != WIRE_OK)
		nlt_seterr(e, NLT_EINTERNAL, "keytab: cannot encode %zu entries", n);
	else
		r = atomicfile_write(path, buf, wwr_len(&w), 0600, e);
	nlt_wipe(buf, len);
	free(buf);
	return r;
}

int ktfile_rewrite(krb5_context kc, const struct ktfile_req *rq, struct ktfile_summary *sum, struct nlt_err *e)
{
	uint8_t *old = NULL;
	size_t oldlen = 0, n_old = 0, n_out = 0, n_princ = 0;
	struct kt_entry *ents = NULL, *out = NULL;
	struct kt_entry princ[KTF_MAX_PRINC];
	struct nlt_key keys[KTF_MAX_ET];
	char salt[512], defnames[3][300];
	uint32_t newest = 0, prev = 0, now = (uint32_t)time(NULL);
	int rd, r = -1;

	memset(sum, 0, sizeof(*sum));
	memset(keys, 0, sizeof(keys));
	if (rq->n_enctypes == 0 || rq->n_enctypes > KTF_MAX_ET)
		return nlt_seterr(e, NLT_EINTERNAL, "keytab: %zu enctypes asked for", rq->n_enctypes);
	rd = kt_load(rq->path, &old, &oldlen, &ents, &n_old, e);
	if (rd < 0)
		goto out;
	/* the machine's newest kvno, and the principals sharing its keys */
	for (size_t i = 0; i < n_old; i++)
		if (is_machine_entry(&ents[i], rq->realm, rq->machine) && ents[i].kvno > newest)
			newest = ents[i].kvno;
	/* the kvno to keep: the newest one that is not being (re)written */
	for (size_t i = 0; i < n_old; i++)
		if (is_machine_entry(&ents[i], rq->realm, rq->machine) && ents[i].kvno != rq->new_kvno && ents[i].kvno > prev)
			prev = ents[i].kvno;
	sum->prev_kvno = prev;
	for (size_t i = 0; i < n_old && newest; i++) {
		int shares = 0, known = 0;
		for (size_t j = 0; j < n_old && !shares; j++)
			shares = is_machine_entry(&ents[j], rq->realm, rq->machine) && ents[j].kvno == newest &&
				 ents[i].kvno == newest && key_eq(&ents[i], &ents[j]);
		if (!shares)
			continue;
		for (size_t p = 0; p < n_princ && !known; p++)
			known = kt_principal_eq(&princ[p], &ents[i]);
		if (!known && n_princ == KTF_MAX_PRINC) {
			nlt_seterr(e, NLT_ECONFIG, "the keytab %s has more than %d principals sharing %s's key; not rewriting it",
				   rq->path, KTF_MAX_PRINC, rq->machine);
			goto out;
		}
		if (!known) {
			princ[n_princ] = ents[i];
			n_princ++;
		}
	}
	if (n_princ == 0) {
		/* a fresh keytab: the account, host/NAME and host/FQDN */
		char shortname[64];
		size_t l = strlen(rq->machine);
		nlt_strlcpy(shortname, rq->machine, sizeof(shortname));
		if (l && l <= sizeof(shortname) && shortname[l - 1] == '$')
			shortname[l - 1] = '\0';
		for (char *c = shortname; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		snprintf(defnames[0], sizeof(defnames[0]), "%s@%s", rq->machine, rq->realm);
		snprintf(defnames[1], sizeof(defnames[1]), "host/%s@%s", shortname, rq->realm);
		snprintf(defnames[2], sizeof(defnames[2]), "host/%s@%s", rq->fqdn, rq->realm);
		for (int k = 0; k < 3; k++) {
			memset(&princ[n_princ], 0, sizeof(princ[n_princ]));
			if (k == 2 && !rq->fqdn[0])
				continue;
			if (kt_entry_set_principal(&princ[n_princ], defnames[k]) != WIRE_OK) {
				nlt_seterr(e, NLT_EUSAGE, "keytab: '%s' is not a principal name", defnames[k]);
				goto out;
			}
			princ[n_princ].name_type = k == 0 ? KT_NT_PRINCIPAL : KT_NT_SRV_HST;
			n_princ++;
		}
	}
	if (keys_salt_computer(rq->realm, rq->machine, salt, sizeof(salt), e) < 0 ||
	    keys_derive(kc, rq->password, salt, rq->enctypes, rq->n_enctypes, keys, e) < 0)
		goto out;
	out = calloc(n_old + n_princ * rq->n_enctypes + 1, sizeof(*out));
	if (!out) {
		nlt_seterr(e, NLT_EINTERNAL, "keytab: out of memory");
		goto out;
	}
	/* other principals unchanged; the machine's previous kvno kept; its older ones dropped */
	for (size_t i = 0; i < n_old; i++) {
		int mine = 0;
		for (size_t p = 0; p < n_princ && !mine; p++)
			mine = kt_principal_eq(&princ[p], &ents[i]);
		if (!mine) {
			out[n_out++] = ents[i];
			sum->n_kept_other++;
		} else if (prev && ents[i].kvno == prev) {
			out[n_out++] = ents[i];
		} else {
			sum->n_dropped++;
		}
	}
	for (size_t p = 0; p < n_princ; p++) {
		for (size_t k = 0; k < rq->n_enctypes; k++) {
			struct kt_entry *ne = &out[n_out++];
			*ne = princ[p];
			ne->timestamp = now;
			ne->kvno = rq->new_kvno;
			ne->enctype = keys[k].enctype;
			ne->key.ptr = keys[k].bytes;
			ne->key.len = keys[k].len;
		}
		if (p < sizeof(sum->principals) / sizeof(sum->principals[0]))
			kt_entry_principal_str(&princ[p], sum->principals[p], sizeof(sum->principals[p]));
	}
	sum->n_principals = n_princ;
	sum->n_written = n_out;
	if (kt_store(rq->path, out, n_out, e) < 0)
		goto out;
	r = 0;
out:
	for (size_t k = 0; k < KTF_MAX_ET; k++)
		keys_key_wipe(&keys[k]);
	free(out);
	free(ents);
	if (old)
		atomicfile_free(old, oldlen);
	return r;
}

int ktfile_remove_machine(const char *path, const char *realm, const char *machine, size_t *removed,
			  struct nlt_err *e)
{
	uint8_t *old = NULL;
	size_t oldlen = 0, n_old = 0, n_out = 0;
	struct kt_entry *ents = NULL, *out = NULL;
	int rd, r = -1;

	*removed = 0;
	rd = kt_load(path, &old, &oldlen, &ents, &n_old, e);
	if (rd != 0) {
		r = rd > 0 ? 0 : -1; /* no keytab: nothing to remove */
		goto out;
	}
	out = calloc(n_old + 1, sizeof(*out));
	if (!out) {
		nlt_seterr(e, NLT_EINTERNAL, "keytab: out of memory");
		goto out;
	}
	for (size_t i = 0; i < n_old; i++) {
		int mine = is_machine_entry(&ents[i], realm, machine);
		for (size_t j = 0; j < n_old && !mine; j++)
			mine = is_machine_entry(&ents[j], realm, machine) && ents[j].kvno == ents[i].kvno &&
			       key_eq(&ents[i], &ents[j]);
		if (mine)
			(*removed)++;
		else
			out[n_out++] = ents[i];
	}
	r = *removed ? kt_store(path, out, n_out, e) : 0;
out:
	free(out);
	free(ents);
	if (old)
		atomicfile_free(old, oldlen);
	return r;
}
