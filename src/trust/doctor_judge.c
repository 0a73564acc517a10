/*
 * src/trust/doctor_judge.c - the doctor's diagnosis (src/trust/doctor.h): evidence in, the root
 * cause and the other causes out.  Pure: no I/O, clock or heap; unit-tested with synthetic
 * evidence (tests/unit/test_doctor.c).
 *
 * Never better than the evidence: HEALTHY only when verify's judge said HEALTHY, every DC of
 * the domain was probed with nothing a trust needs down, every DC was read, the duplicate
 * search ran, and nothing else was found.  Anything not seen is a cause of its own (UNKNOWN,
 * with its reason), which keeps the verdict at INCONCLUSIVE at best.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "doctor.h"
#include "util.h"

const char *doctor_cause_key(enum doctor_cause_kind k)
{
	static const char *const keys[DCAUSE__COUNT] = {
		[DCAUSE_NONE] = "none",
		[DCAUSE_MEMBER_BEHIND] = "member_behind",
		[DCAUSE_REPLICATION] = "replication_lag",
		[DCAUSE_DISABLED] = "account_disabled",
		[DCAUSE_DELETED] = "account_deleted",
		[DCAUSE_MOVED] = "account_moved",
		[DCAUSE_DUPLICATE] = "duplicate_name",
		[DCAUSE_NO_AES] = "no_aes",
		[DCAUSE_CLOCK_SKEW] = "clock_skew",
		[DCAUSE_DC_UNREACHABLE] = "dc_unreachable",
		[DCAUSE_PENDING] = "pending_change",
		[DCAUSE_MEMBER_AHEAD] = "member_ahead",
		[DCAUSE_TRUST_BROKEN] = "trust_broken",
		[DCAUSE_UNKNOWN] = "could_not_check",
		[DCAUSE_SECRET_DIFFERS] = "member_secret_differs",
		[DCAUSE_MEMBER_DC] = "member_dc_unreachable",
	};
	return (unsigned)k < DCAUSE__COUNT && keys[k] ? keys[k] : "none";
}

const char *doctor_behind_key(enum doctor_behind_why w)
{
	switch (w) {
	case DBEHIND_RESTORED: return "restored";
	case DBEHIND_RESET_ELSEWHERE: return "reset_elsewhere";
	case DBEHIND_EITHER: return "restored_or_reset_elsewhere";
	default: return NULL;
	}
}

int64_t doctor_filetime_unix(int64_t ft)
{
	if (ft <= 0 || ft == INT64_MAX)
		return 0;
	return ft / 10000000 - 11644473600LL;
}

/* Which causes lead: the one that explains the others first. */
static int rank(enum doctor_cause_kind k)
{
	switch (k) {
	case DCAUSE_DELETED: return 1;
	case DCAUSE_DISABLED: return 2;
	case DCAUSE_MEMBER_BEHIND: return 3;
	case DCAUSE_SECRET_DIFFERS: return 3;
	case DCAUSE_REPLICATION: return 4;
	case DCAUSE_MEMBER_AHEAD: return 5;
	case DCAUSE_CLOCK_SKEW: return 6;
	case DCAUSE_DUPLICATE: return 7;
	case DCAUSE_PENDING: return 8;
	case DCAUSE_MEMBER_DC: return 9;
	case DCAUSE_DC_UNREACHABLE: return 9;
	case DCAUSE_TRUST_BROKEN: return 10;
	case DCAUSE_NO_AES: return 11;
	case DCAUSE_MOVED: return 12;
	case DCAUSE_UNKNOWN: return 13;
	default: return 20;
	}
}

static int sev_rank(enum finding_kind s)
{
	return s == FINDING_BROKEN ? 0 : s == FINDING_PENDING ? 1 : s == FINDING_UNKNOWN ? 2 : 3;
}

static struct doctor_cause *add(struct doctor_diagnosis *d, enum doctor_cause_kind kind, enum finding_kind sev,
				enum nlt_cat cat, const char *dc, const char *next, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));
static struct doctor_cause *add(struct doctor_diagnosis *d, enum doctor_cause_kind kind, enum finding_kind sev,
				enum nlt_cat cat, const char *dc, const char *next, const char *fmt, ...)
{
	struct doctor_cause *c;
	va_list ap;

	if (d->n >= DOCTOR_MAX_CAUSES) {
		/* never lose a broken cause to the limit: it replaces the last note or unknown */
		size_t i = DOCTOR_MAX_CAUSES;
		while (i > 0 && d->c[i - 1].severity == FINDING_BROKEN)
			i--;
		if (i == 0 || sev_rank(sev) >= sev_rank(d->c[i - 1].severity))
			return NULL;
		c = &d->c[i - 1];
	} else {
		c = &d->c[d->n++];
	}
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	c->severity = sev;
	c->cat = sev == FINDING_NOTE ? NLT_OK : cat;
	if (dc)
		nlt_strlcpy(c->dc, dc, sizeof(c->dc));
	if (next)
		nlt_strlcpy(c->next, next, sizeof(c->next));
	va_start(ap, fmt);
	vsnprintf(c->text, sizeof(c->text), fmt, ap);
	va_end(ap);
	return c;
}

static int has(const struct doctor_diagnosis *d, enum doctor_cause_kind k)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->c[i].kind == k)
			return 1;
	return 0;
}

static char *when(int64_t unix_s, char *buf, size_t len)
{
	if (!unix_s)
		nlt_strlcpy(buf, "never", len);
	else
		nlt_iso8601(unix_s, buf, len);
	return buf;
}

static const struct doctor_dc *find_dc(const struct doctor_evidence *ev, const char *name)
{
	if (!name || !*name)
		return NULL;
	for (size_t i = 0; i < ev->n_dc; i++)
		if (nlt_name_eq(ev->dc[i].name, name))
			return &ev->dc[i];
	return NULL;
}

/* The DC the member uses: the one verify's Kerberos went to, else discovery's choice. */
static const char *used_dc(const struct doctor_evidence *ev)
{
	return ev->verify_state == CHECK_RAN && ev->tv.dc[0] ? ev->tv.dc : ev->used_dc;
}

/* The journal record whose change matches the directory's (kvno, pwdLastSet); NULL when none. */
static const struct doctor_journal_rec *journal_match(const struct doctor_evidence *ev, const struct doctor_dc *u,
						      const char **slot)
{
	const struct doctor_journal_rec *r[3] = { &ev->jcurrent, &ev->jprevious, &ev->jpending };
	static const char *const names[3] = { "current", "previous", "pending" };
	int64_t pls = u->have_pwdlastset ? doctor_filetime_unix(u->pwdlastset) : 0;

	/* the kvno names one change; the time counts only where a kvno is unknown (two changes can be minutes apart) */
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < 3; i++) {
			if (!r[i]->have)
				continue;
			/* a journal whose current password is the keytab's newest key is not ahead of the keytab:
			 * only a pending change can be the one AD has */
			if (ev->tv.local_match == LOCAL_MATCH && i != 2)
				continue;
			if ((pass == 0 && u->have_kvno && r[i]->kvno && r[i]->kvno == (uint64_t)u->kvno) ||
			    (pass == 1 && pls && !(u->have_kvno && r[i]->kvno) && llabs(r[i]->created - pls) <= DOCTOR_PWD_MATCH_S)) {
				*slot = names[i];
				return r[i];
			}
		}
	return NULL;
}

static void password_causes(const struct doctor_evidence *ev, const struct doctor_dc *u, struct doctor_diagnosis *d)
{
	const struct trust_evidence *tv = &ev->tv;
	unsigned K = tv->kt.n_kvnos ? tv->kt.kvno[0] : 0;
	char t1[32], t2[32];
	const char *slot = NULL;
	const struct doctor_journal_rec *jm;
	int64_t pls;

	if (!(tv->krb_state == CHECK_RAN && tv->as.verdict == KRBV_BAD_PASSWORD))
		return;
	if (tv->good_kvno && tv->good_kvno < K) {
		if (!has(d, DCAUSE_REPLICATION))
			add(d, DCAUSE_MEMBER_AHEAD, FINDING_BROKEN, NLT_EPROBLEM, u ? u->name : tv->dc, ev->cmd_admin_reset,
			    "%s holds a newer password (kvno %u) than %s, which still accepts the older kvno %u: this host's "
			    "last change never reached %s (lost on the DC side, or not replicated there)%s",
			    ev->machine, K, tv->dc, tv->good_kvno, tv->dc,
			    ev->n_dc > 1 ? "; no other DC was found to hold it either" : "");
		return;
	}
	if (!u || u->dir_state != CHECK_RAN || !u->found || !u->have_kvno) {
		add(d, DCAUSE_TRUST_BROKEN, FINDING_BROKEN, NLT_EPROBLEM, tv->dc, ev->cmd_admin_reset,
		    "%s refuses the password of %s (keytab kvno %u); whether the member is behind or AD was reset "
		    "elsewhere needs the account's kvno on %s, which could not be read%s%s", tv->dc, ev->machine, K, tv->dc,
		    u && u->dir_error[0] ? ": " : "", u ? u->dir_error : "");
		return;
	}
	pls = u->have_pwdlastset ? doctor_filetime_unix(u->pwdlastset) : 0;
	if ((uint64_t)u->kvno > K) {
		struct doctor_cause *c;
		jm = journal_match(ev, u, &slot);
		if (jm && strcmp(slot, "pending") == 0)
			return; /* an interrupted change: verify's PENDING says it, and reset-password finishes it */
		if (jm) {
			c = add(d, DCAUSE_MEMBER_BEHIND, FINDING_BROKEN, NLT_EPROBLEM, u->name, ev->cmd_admin_reset,
				"%s holds an older password than AD: the keytab's newest key is kvno %u, %s has kvno %lld "
				"(pwdLastSet %s). This host's own journal records that change (its %s password, kvno %u, "
				"made %s), so the keytab was restored from an older copy (a snapshot, an image or a backup) "
				"after the change", ev->machine, K, u->name, (long long)u->kvno, when(pls, t1, sizeof(t1)),
				slot, jm->kvno, when(jm->created, t2, sizeof(t2)));
			if (c)
				c->behind = DBEHIND_RESTORED;
			return;
		}
		if (ev->journal_state == CHECK_RAN && ev->jcurrent.have && ev->jcurrent.kvno == K &&
		    pls && pls > ev->jcurrent.created + DOCTOR_PWD_MATCH_S && (uint64_t)u->kvno > (uint64_t)K + 1) {
			/* two or more changes this host never made, the journal consistent with the keytab */
			c = add(d, DCAUSE_MEMBER_BEHIND, FINDING_BROKEN, NLT_EPROBLEM, u->name, ev->cmd_admin_reset,
				"AD holds a password %s never had: %s has kvno %lld (pwdLastSet %s), %lld change(s) past this "
				"host's kvno %u, and the journal (consistent with the keytab: kvno %u, made %s) records none "
				"of them: the account was reset elsewhere (an administrator's Reset Account, another host "
				"joined under this name, a script)", ev->machine, u->name, (long long)u->kvno,
				when(pls, t1, sizeof(t1)), (long long)(u->kvno - K), K, ev->jcurrent.kvno,
				when(ev->jcurrent.created, t2, sizeof(t2)));
			if (c)
				c->behind = DBEHIND_RESET_ELSEWHERE;
			return;
		}
		c = add(d, DCAUSE_MEMBER_BEHIND, FINDING_BROKEN, NLT_EPROBLEM, u->name, ev->cmd_admin_reset,
			"%s holds an older password than AD: the keytab's newest key is kvno %u, %s has kvno %lld "
			"(pwdLastSet %s). The evidence cannot tell which of two causes: this host was restored from a "
			"snapshot or image taken before a change it made at %s (keytab and journal went back together), "
			"or the account was reset elsewhere then (Reset Account, another host joined under this name); "
			"%s%s%s", ev->machine, K, u->name, (long long)u->kvno, when(pls, t1, sizeof(t1)),
			when(pls, t2, sizeof(t2)),
			ev->journal_state != CHECK_RAN ? "there is no journal of this host's changes to compare"
			: ev->jcurrent.have ? "the journal records no change then; its newest is kvno " : "the journal is empty",
			"", "");
		if (c && ev->journal_state == CHECK_RAN && ev->jcurrent.have) {
			size_t l = strlen(c->text);
			snprintf(c->text + l, sizeof(c->text) - l, "%u, made %s", ev->jcurrent.kvno,
				 when(ev->jcurrent.created, t2, sizeof(t2)));
		}
		if (c)
			c->behind = DBEHIND_EITHER;
		return;
	}
	if ((uint64_t)u->kvno == K) {
		add(d, DCAUSE_TRUST_BROKEN, FINDING_BROKEN, NLT_EPROBLEM, u->name, ev->cmd_admin_reset,
		    "%s refuses the keytab's key of %s although both are at kvno %u: the password was set to another "
		    "value without a kvno change (pwdLastSet %s), or the keytab's keys were made from a wrong password or salt",
		    u->name, ev->machine, K, when(pls, t1, sizeof(t1)));
		return;
	}
	add(d, DCAUSE_MEMBER_AHEAD, FINDING_BROKEN, NLT_EPROBLEM, u->name, ev->cmd_admin_reset,
	    "%s holds a newer key (kvno %u) than %s (kvno %lld, pwdLastSet %s), which refuses it and every older key "
	    "tried: a change of this host that never reached the DC", ev->machine, K, u->name, (long long)u->kvno,
	    when(pls, t1, sizeof(t1)));
}

/* The DCs disagree on the account: which DC has what, and which one the member uses. */
static void replication_causes(const struct doctor_evidence *ev, const struct doctor_dc *u, struct doctor_diagnosis *d)
{
	const struct doctor_dc *newest = NULL, *oldest = NULL, *first = NULL;
	size_t n_found = 0, n_read = 0;
	int differ = 0, dn_differ = 0;
	unsigned K = ev->tv.kt.n_kvnos ? ev->tv.kt.kvno[0] : 0;
	char list[600] = "", t1[32];
	size_t l = 0;

	for (size_t i = 0; i < ev->n_dc; i++) {
		const struct doctor_dc *x = &ev->dc[i];
		if (x->dir_state != CHECK_RAN)
			continue;
		n_read++;
		if (x->found) {
			n_found++;
			if (!newest || (x->have_kvno && x->kvno > newest->kvno) ||
			    (x->have_kvno && x->kvno == newest->kvno && x->pwdlastset > newest->pwdlastset))
				newest = x;
			if (!oldest || (x->have_kvno && x->kvno < oldest->kvno) ||
			    (x->have_kvno && x->kvno == oldest->kvno && x->pwdlastset < oldest->pwdlastset))
				oldest = x;
			if (newest != x && (x->kvno != newest->kvno || x->pwdlastset != newest->pwdlastset))
				differ = 1;
			if (oldest != x && (x->kvno != oldest->kvno || x->pwdlastset != oldest->pwdlastset))
				differ = 1;
			if (!first)
				first = x;
			else if (strcasecmp(x->dn, first->dn) != 0)
				dn_differ = 1;
		}
		if (l < sizeof(list) - 1)
			l += (size_t)snprintf(list + l, sizeof(list) - l, "%s%s: %s", l ? "; " : "", x->name,
					      !x->found ? "no such account" : "");
		if (x->found && l < sizeof(list) - 1)
			l += (size_t)snprintf(list + l, sizeof(list) - l, "kvno %lld, pwdLastSet %s", (long long)x->kvno,
					      when(doctor_filetime_unix(x->pwdlastset), t1, sizeof(t1)));
		if (l >= sizeof(list))
			l = sizeof(list) - 1;
	}
	if (n_read && n_found == 0 && n_read == ev->n_dc && !ev->n_unlisted) {
		add(d, DCAUSE_DELETED, FINDING_BROKEN, NLT_EPROBLEM, NULL, ev->cmd_join,
		    "the account %s is deleted: none of the domain's %zu DC(s) has it (%s)", ev->machine, ev->n_dc, list);
		return;
	}
	if (n_found && n_found < n_read) {
		add(d, DCAUSE_REPLICATION, FINDING_BROKEN, NLT_EPROBLEM, u ? u->name : NULL, NULL,
		    "the DCs disagree on whether %s exists (%s)%s%s%s", ev->machine, list,
		    u ? "; this host uses " : "", u ? u->name : "",
		    u ? (u->found ? ", which has it" : ", which does not have it") : "");
		return;
	}
	if (differ && newest && oldest && ev->remote) {
		/* a remote member: what it holds is not known here, only whether its DC accepts it (TC_VERIFY) */
		const char *use = u ? u->name : used_dc(ev);
		int u_newest = u && u->found && u->kvno == newest->kvno && u->pwdlastset == newest->pwdlastset;
		if (u_newest && ev->verify_state == CHECK_RAN && ev->tr.verdict == TRUST_HEALTHY)
			add(d, DCAUSE_REPLICATION, FINDING_NOTE, NLT_OK, use, NULL,
			    "the last change of %s's password has not reached every DC yet (%s); the member uses %s, which "
			    "has it, and TC_VERIFY there is healthy: nothing breaks unless it moves to a lagging DC first",
			    ev->machine, list, use);
		else
			add(d, DCAUSE_REPLICATION, FINDING_BROKEN, NLT_EPROBLEM, use && *use ? use : NULL, NULL,
			    "the DCs disagree on %s's password (%s); the member uses %s%s", ev->machine, list,
			    use && *use ? use : "a DC that could not be asked",
			    !u ? "" : u_newest ? ", which has the newest value" : ", which has an older value than "
			    "another DC: the member's channel breaks when the newer one reaches it, or already has");
	} else if (differ && newest && oldest) {
		const char *use = u ? u->name : used_dc(ev);
		int u_newest = u && u->found && u->kvno == newest->kvno && u->pwdlastset == newest->pwdlastset;
		/* what this host holds: the keytab's newest key, or a pending change the journal keeps */
		int pend_newest = ev->jpending.have && ev->jpending.kvno && ev->jpending.kvno == (uint64_t)newest->kvno;
		int holds_newest = K == (unsigned)newest->kvno || pend_newest;
		char held[120];
		snprintf(held, sizeof(held), "the keytab's newest key is kvno %u%s", K,
			 pend_newest ? " and the journal keeps the newest password pending" : "");
		if (u_newest && holds_newest) {
			/* a recent change on its way: this host and its DC agree on the newest password */
			add(d, DCAUSE_REPLICATION, FINDING_NOTE, NLT_OK, use, NULL,
			    "the last change of %s's password has not reached every DC yet (%s); this host uses %s, "
			    "which has it, and %s: nothing breaks unless this host moves to a lagging DC first",
			    ev->machine, list, use, held);
		} else if (u_newest) {
			/* its DC has a newer password than this host: member_behind says why; the lag is by the way */
			add(d, DCAUSE_REPLICATION, FINDING_NOTE, NLT_OK, use, NULL,
			    "the DCs disagree on %s's password (%s): this host's DC %s already has the newest, which this "
			    "host does not hold (%s); the others have not caught up yet", ev->machine, list, use, held);
		} else if (holds_newest) {
			add(d, DCAUSE_REPLICATION, FINDING_BROKEN, NLT_EPROBLEM, use, u ? newest->cmd_verify_here : NULL,
			    "the DCs disagree on %s's password (%s). This host uses %s, which has the older value; %s, the "
			    "newest: its own DC refuses it until replication brings the change there (or use %s)",
			    ev->machine, list, use && *use ? use : "(unknown)", held, newest->name);
		} else {
			add(d, DCAUSE_REPLICATION, FINDING_BROKEN, NLT_EPROBLEM, use, ev->cmd_machine_reset,
			    "the DCs disagree on %s's password (%s). This host uses %s, which has the older value; %s, %s",
			    ev->machine, list, use && *use ? use : "(unknown)", held,
			    K == (unsigned)oldest->kvno
				    ? "the older one: this host never had the newer password, so its trust breaks when that "
				      "change replicates to its DC (a reset made on another DC); a change made now, as the "
				      "machine, on its own DC is newer and wins"
				    : "neither DC's");
		}
	}
	if (dn_differ && first)
		add(d, DCAUSE_MOVED, FINDING_NOTE, NLT_OK, NULL, NULL,
		    "the account %s was moved (renamed) and the move has not replicated everywhere: its DN differs "
		    "between DCs (%s has %s)", ev->machine, first->name, first->dn);
}

static int skewed(int64_t ms)
{
	return llabs(ms) > (int64_t)TRUST_SKEW_LIMIT_S * 1000;
}

/* "1200 s ahead of" / "300 s behind" for a difference a - b in ms */
static const char *ahead_behind(int64_t ms, char *buf, size_t len)
{
	snprintf(buf, len, "%.0f s %s", llabs(ms) / 1000.0, ms >= 0 ? "ahead of" : "behind");
	return buf;
}

/*
 * The clocks of this host (where nltrust runs) and of each DC, as ping's probes measured them
 * (skew_ms = the DC's clock minus this host's).  When every DC whose clock is known is off this
 * host's by more than Kerberos allows and the DCs (at least two) agree with each other, this host's
 * clock is the wrong one: one cause, on the DC this host uses.  Otherwise each DC that is off is
 * named (with one DC's clock known, without saying which side is wrong).
 */
static int host_clock_causes(const struct doctor_evidence *ev, const char *use, struct doctor_diagnosis *d)
{
	const struct doctor_dc *ref = NULL;
	size_t n_clock = 0, n_off = 0;
	int64_t lo = 0, hi = 0;
	char list[400] = "", ab[64];
	size_t l = 0;

	for (size_t i = 0; i < ev->n_dc; i++) {
		const struct doctor_dc *x = &ev->dc[i];
		if (x->probe_state != CHECK_RAN || !x->have_clock)
			continue;
		if (!n_clock || x->skew_ms < lo)
			lo = x->skew_ms;
		if (!n_clock || x->skew_ms > hi)
			hi = x->skew_ms;
		n_clock++;
		n_off += skewed(x->skew_ms);
		if (!ref || (use && nlt_name_eq(use, x->name)))
			ref = x;
		if (l < sizeof(list) - 1)
			l += (size_t)snprintf(list + l, sizeof(list) - l, "%s%s %+.0f s", l ? ", " : "", x->name, x->skew_ms / 1000.0);
		if (l >= sizeof(list))
			l = sizeof(list) - 1;
	}
	if (!n_off)
		return 0;
	/* one clock known cannot say which side is wrong: named neutrally below */
	if (n_clock >= 2 && n_off == n_clock && !skewed(hi - lo)) {
		const struct trust_evidence *tv = &ev->tv;
		int nl_ok = !ev->remote && tv->nl_state == CHECK_RAN && tv->nl.verdict == NLV_OK;
		/* --target: this host's clock is not the member's; it only keeps the directory from being read here */
		add(d, DCAUSE_CLOCK_SKEW, ev->remote ? FINDING_NOTE : FINDING_BROKEN, NLT_EPROBLEM, ref->name, NULL,
		    "clock skew: this host's clock is %s the domain's (%zu DC(s) agree with each other: %s, each against "
		    "this host's; Kerberos allows %d s): Kerberos %s fails whatever the password%s; set this host's "
		    "clock (NTP)", ahead_behind(-ref->skew_ms, ab, sizeof(ab)), n_clock, list, TRUST_SKEW_LIMIT_S,
		    ev->remote ? "from this host (reading the directory as the administrator)" : "from this host",
		    nl_ok ? ". The password itself is fine: Netlogon, which does not depend on the clock, accepted it"
			  : ev->remote ? " (the member's own clock is judged apart, against the DCs')" : "");
		return 1;
	}
	for (size_t i = 0; i < ev->n_dc; i++) {
		const struct doctor_dc *x = &ev->dc[i];
		if (x->probe_state != CHECK_RAN || !x->have_clock || !skewed(x->skew_ms))
			continue;
		add(d, DCAUSE_CLOCK_SKEW, FINDING_BROKEN, NLT_EPROBLEM, x->name, NULL,
		    "clock skew: %s's clock is %s this host's%s (%s; Kerberos allows %d s): Kerberos with %s fails "
		    "whatever the password; set %s's clock (NTP)", x->name, ahead_behind(x->skew_ms, ab, sizeof(ab)),
		    n_off < n_clock ? ", while another DC agrees with this host"
		    : n_clock == 1  ? " (the only DC whose clock is known: either clock may be the wrong one)"
				    : " and the DCs disagree with each other",
		    list, TRUST_SKEW_LIMIT_S, x->name, n_off < n_clock ? x->name : "whichever is wrong");
	}
	return 1;
}

/*
 * --target: the member's clock (srvsvc NetrRemoteTOD, against this host's) compared with the
 * domain's (the member's DC, else the first DC whose clock is known, against this host's): the
 * difference does not depend on this host's own clock.
 */
static void member_clock_causes(const struct doctor_evidence *ev, const char *use, struct doctor_diagnosis *d)
{
	const struct doctor_dc *ref = NULL;
	int64_t diff;
	char ab[64];

	if (ev->tod_state != CHECK_RAN) {
		add(d, DCAUSE_UNKNOWN, FINDING_UNKNOWN, ev->tod_err_cat ? ev->tod_err_cat : NLT_EPROTO, NULL, NULL,
		    "%s's clock is unknown (whether it can use Kerberos with the domain): %s", ev->target,
		    ev->tod_error[0] ? ev->tod_error : "not asked");
		return;
	}
	for (size_t i = 0; i < ev->n_dc; i++) {
		const struct doctor_dc *x = &ev->dc[i];
		if (x->probe_state == CHECK_RAN && x->have_clock && (!ref || (use && *use && nlt_name_eq(use, x->name))))
			ref = x;
	}
	if (!ref) {
		add(d, DCAUSE_UNKNOWN, FINDING_UNKNOWN, NLT_ENODC, NULL, NULL,
		    "%s's clock (%+.0f s from this host's) could not be compared with the domain's: no DC's clock is known",
		    ev->target, ev->member_offset_ms / 1000.0);
		return;
	}
	diff = ev->member_offset_ms - ref->skew_ms;
	if (!skewed(diff))
		return;
	add(d, DCAUSE_CLOCK_SKEW, FINDING_BROKEN, NLT_EPROBLEM, ref->name, NULL,
	    "clock skew: the member's clock differs from the domain's by %+.0f s: %s is %s %s's clock (+-%.1f s; "
	    "Kerberos allows %d s). The member cannot use Kerberos with the domain (its logons, service tickets and "
	    "a machine password change over Kerberos fail whatever the password); its Netlogon secure channel does "
	    "not depend on the clock (NTLM-based)%s; set the member's clock (NTP; on Windows w32tm /resync)",
	    diff / 1000.0, ev->target, ahead_behind(diff, ab, sizeof(ab)), ref->name, ev->member_offset_unc_ms / 1000.0,
	    TRUST_SKEW_LIMIT_S,
	    ev->verify_state == CHECK_RAN && ev->tr.verdict == TRUST_HEALTHY
		    ? " and TC_VERIFY found it healthy: verify --target says healthy while Kerberos fails"
		    : ", so it may still work");
}

/* The Win32 status TC_VERIFY (else TC_QUERY) reports for a remote member's channel; 0 none. */
static uint32_t remote_status(const struct trust_remote_evidence *rv)
{
	const struct trust_remote_call *v = &rv->verify, *q = &rv->query;

	if (v->state == RCALL_ANSWERED && v->werror == 0 && v->present) {
		if ((v->flags & 0x80) && v->pdc_status)
			return v->pdc_status;
		if (v->tc_status)
			return v->tc_status;
	}
	if (q->state == RCALL_ANSWERED && q->werror == 0 && q->present && q->tc_status)
		return q->tc_status;
	return 0;
}

/* --target: the causes only the member's own answer shows */
static void remote_causes(const struct doctor_evidence *ev, struct doctor_diagnosis *d)
{
	uint32_t code = remote_status(&ev->rv);
	const char *nm = w32_name(code), *tdc = ev->rv.verify.trusted_dc;
	char cs[80];

	if (ev->verify_state != CHECK_RAN || ev->tr.verdict != TRUST_BROKEN || !code)
		return;
	snprintf(cs, sizeof(cs), "%u %s", code, nm ? nm : "");
	while (*tdc == '\\')
		tdc++;
	if (code == W32_WRONG_PASSWORD || code == W32_NO_TRUST_SAM_ACCOUNT || code == W32_NO_TRUST_LSA_SECRET ||
	    code == W32_DOMAIN_TRUST_INCONSISTENT) {
		if (ev->trust_channel)
			add(d, DCAUSE_SECRET_DIFFERS, FINDING_BROKEN, NLT_EPROBLEM, tdc, NULL,
			    "%s's secret for its trust to %s differs from the one %s holds: TC_VERIFY answered %s%s. A "
			    "trust between domains is recreated (or its password reset) on both sides, not rejoined; "
			    "REDISCOVER and CHANGE_PASSWORD cannot fix a secret the other side does not share",
			    ev->target, ev->domain, ev->domain, cs,
			    code == W32_WRONG_PASSWORD ? " (the wrong password)" : "");
		else
			add(d, DCAUSE_SECRET_DIFFERS, FINDING_BROKEN, NLT_EPROBLEM, tdc,
			    ev->cmd_fix_rejoin[0] ? ev->cmd_fix_rejoin : NULL,
			    "%s's machine secret differs from the directory's password for %s: TC_VERIFY answered %s%s "
			    "(a restored snapshot or image, or a reset made elsewhere); REDISCOVER and CHANGE_PASSWORD "
			    "cannot fix a secret the DC does not share: the member must be rejoined", ev->target, ev->machine,
			    cs, code == W32_WRONG_PASSWORD ? " (the wrong password)" : "");
		return;
	}
	if (code == W32_NO_LOGON_SERVERS || code == 1722u /* RPC_S_SERVER_UNAVAILABLE */ || code == 53u /* BAD_NETPATH */)
		add(d, DCAUSE_MEMBER_DC, FINDING_BROKEN, NLT_EPROBLEM, ev->used_dc[0] ? ev->used_dc : NULL,
		    ev->cmd_repair[0] ? ev->cmd_repair : NULL,
		    "%s talks to a dead or wrong DC%s%s: TC_VERIFY answered %s; a REDISCOVER to a DC that answers "
		    "(nltrust repair --target) repairs it", ev->target, ev->used_dc[0] ? " (" : "", ev->used_dc[0] ? ev->used_dc : "", cs);
}

/* a remote member whose DC is unknown: a DC that has the account disabled (the change replicates
 * to every DC), else the first that has it */
static const struct doctor_dc *first_found(const struct doctor_evidence *ev)
{
	for (size_t i = 0; i < ev->n_dc; i++)
		if (ev->dc[i].dir_state == CHECK_RAN && ev->dc[i].found && ev->dc[i].have_uac && (ev->dc[i].uac & 0x2))
			return &ev->dc[i];
	for (size_t i = 0; i < ev->n_dc; i++)
		if (ev->dc[i].dir_state == CHECK_RAN && ev->dc[i].found)
			return &ev->dc[i];
	return NULL;
}

void doctor_diagnose(const struct doctor_evidence *ev, struct doctor_diagnosis *d)
{
	const struct trust_evidence *tv = &ev->tv;
	const struct doctor_dc *u, *ud;
	const char *use = used_dc(ev);
	int host_skew;

	memset(d, 0, sizeof(*d));
	d->root = -1;
	u = find_dc(ev, use);
	/* the account's flags: on the member's DC, else (a remote member that could not be asked) on any DC */
	ud = u ? u : ev->remote ? first_found(ev) : NULL;

	/* steps that did not run: each one is unknown, with its reason */
	if (ev->disc_state != CHECK_RAN)
		add(d, DCAUSE_UNKNOWN, FINDING_UNKNOWN, ev->disc_err_cat ? ev->disc_err_cat : NLT_ENODC, NULL, NULL,
		    "the domain's DCs are unknown: discovery did not finish%s%s", ev->disc_error[0] ? ": " : "",
		    ev->disc_error);
	if (ev->n_unlisted)
		add(d, DCAUSE_UNKNOWN, FINDING_UNKNOWN, NLT_ENODC, NULL, NULL,
		    "%zu DC(s) listed in DNS were not checked (no address, or more than %d DCs)", ev->n_unlisted,
		    DOCTOR_MAX_DCS);
	if (ev->disc_state == CHECK_RAN && ev->probe_state != CHECK_RAN)
		add(d, DCAUSE_UNKNOWN, FINDING_UNKNOWN, NLT_ENODC, NULL, NULL, "the DCs' ports and clocks were not probed%s%s",
		    ev->probe_error[0] ? ": " : "", ev->probe_error);

	/* the secure channel not checked, or not decided: first among the unknowns (it is what the rest explains) */
	if (ev->verify_state != CHECK_RAN)
		add(d, DCAUSE_UNKNOWN, FINDING_UNKNOWN, ev->verify_err_cat ? ev->verify_err_cat : NLT_EPROBLEM, use, NULL,
		    "the secure channel was not checked: %s", ev->verify_error[0] ? ev->verify_error : "not run");
	else if (ev->tr.verdict != TRUST_HEALTHY && ev->tr.verdict != TRUST_BROKEN && ev->tr.verdict != TRUST_PENDING)
		add(d, DCAUSE_UNKNOWN, FINDING_UNKNOWN, trust_unknown_cat(ev->tr.cat), tv->dc, ev->cmd_verify,
		    "verify could not decide: %s", ev->tr.decisive >= 0 ? ev->tr.f[ev->tr.decisive].text : ev->tr.summary);
	if (ev->remote && ev->dsget_state != CHECK_RAN)
		add(d, DCAUSE_UNKNOWN, FINDING_UNKNOWN, ev->dsget_err_cat ? ev->dsget_err_cat : NLT_EPROTO, NULL, NULL,
		    "the DC %s uses is unknown: %s", ev->target, ev->dsget_error[0] ? ev->dsget_error : "not asked");

	/* connectivity and clocks, per DC */
	for (size_t i = 0; i < ev->n_dc; i++) {
		const struct doctor_dc *x = &ev->dc[i];
		if (x->probe_state != CHECK_RAN) {
			if (ev->probe_state == CHECK_RAN)
				add(d, DCAUSE_UNKNOWN, FINDING_UNKNOWN, NLT_ENODC, x->name, NULL, "%s's ports were not probed",
				    x->name);
			continue;
		}
		if (x->n_required_down) {
			const char *next = NULL;
			for (size_t k = 0; k < ev->n_dc && !next; k++)
				if (k != i && ev->dc[k].probe_state == CHECK_RAN && !ev->dc[k].n_required_down &&
				    !ev->dc[k].n_required_unknown)
					next = ev->dc[k].cmd_verify_here;
			add(d, DCAUSE_DC_UNREACHABLE, FINDING_BROKEN, NLT_EPROBLEM, x->name, next,
			    "%s is %s for what a trust needs: %s%s", x->name,
			    x->answered ? "filtered or down" : "down or unreachable", x->ports_down,
			    use && nlt_name_eq(use, x->name) ? "; this is the DC this host uses" : "");
		} else if (x->n_required_unknown) {
			add(d, DCAUSE_UNKNOWN, FINDING_UNKNOWN, NLT_ENODC, x->name, NULL,
			    "%s: %d required port(s) were not probed long enough to tell (the deadline ran out)", x->name,
			    x->n_required_unknown);
		}
	}
	/* a clock Kerberos refuses: giving -U does not help read the directory either */
	host_skew = host_clock_causes(ev, use, d);
	if (ev->remote)
		member_clock_causes(ev, use, d);
	if (tv->krb_state == CHECK_RAN && tv->as.verdict == KRBV_SKEW && !has(d, DCAUSE_CLOCK_SKEW))
		add(d, DCAUSE_CLOCK_SKEW, FINDING_BROKEN, NLT_EPROBLEM, tv->dc, NULL,
		    "clock skew: %s refused the AS exchange for clock skew (%s)", tv->dc, tv->as.message);

	/* the directory on every DC */
	for (size_t i = 0; i < ev->n_dc; i++) {
		const struct doctor_dc *x = &ev->dc[i];
		if (x->dir_state != CHECK_RAN && !ev->dir_not_applicable)
			add(d, DCAUSE_UNKNOWN, FINDING_UNKNOWN, x->dir_err_cat ? x->dir_err_cat : NLT_EPROBLEM, x->name,
			    ev->admin_given || host_skew ? NULL : ev->cmd_doctor_admin, "%s on %s could not be read: %s", ev->machine,
			    x->name, x->dir_error[0] ? x->dir_error : "not tried");
	}
	replication_causes(ev, u, d);
	if (ud && ud->dir_state == CHECK_RAN && ud->found && ud->have_uac && (ud->uac & 0x2))
		add(d, DCAUSE_DISABLED, FINDING_BROKEN, NLT_EPROBLEM, ud->name, ev->cmd_enable,
		    "the account %s is disabled on %s (userAccountControl 0x%llx has ACCOUNTDISABLE)", ev->machine, ud->name,
		    (unsigned long long)ud->uac);
	else if (tv->krb_state == CHECK_RAN && tv->as.verdict == KRBV_DISABLED)
		add(d, DCAUSE_DISABLED, FINDING_BROKEN, NLT_EPROBLEM, tv->dc, ev->cmd_enable,
		    "the account %s is disabled (or locked or expired): %s refused it as revoked", ev->machine, tv->dc);
	if (ev->dup_state == CHECK_RAN) {
		for (int i = 0; i < ev->n_dup && i < 4; i++)
			add(d, DCAUSE_DUPLICATE, FINDING_BROKEN, NLT_EPROBLEM, NULL, NULL,
			    "another object holds this host's %s: %s (Kerberos tickets for that name go to whichever "
			    "account the KDC finds; remove the name from the other object or delete it)",
			    ev->dup_what[i], ev->dup_dn[i]);
	} else if (!ev->dir_not_applicable) {
		add(d, DCAUSE_UNKNOWN, FINDING_UNKNOWN, NLT_EPROBLEM, NULL, ev->admin_given || host_skew ? NULL : ev->cmd_doctor_admin,
		    "whether another object holds this host's dNSHostName or SPNs is unknown: %s",
		    ev->dup_error[0] ? ev->dup_error : "not searched");
	}
	u = ud;
	if (u && u->dir_state == CHECK_RAN && u->found && (!u->have_enctypes || !((uint64_t)u->enctypes & 0x18)))
		add(d, DCAUSE_NO_AES, (tv->krb_state == CHECK_RAN && tv->as.verdict == KRBV_NO_KEY) ? FINDING_BROKEN
												     : FINDING_NOTE,
		    NLT_EPROBLEM, u->name, NULL,
		    "no AES: %s's msDS-SupportedEncryptionTypes on %s is %s: service tickets for it use RC4, which "
		    "breaks once RC4 is disabled in the domain", ev->machine, u->name,
		    u->have_enctypes ? "without AES" : "not set");

	/* the secure channel itself */
	if (ev->remote && !has(d, DCAUSE_DELETED) && !has(d, DCAUSE_DISABLED))
		remote_causes(ev, d);
	if (ev->verify_state == CHECK_RAN) {
		if (!has(d, DCAUSE_DELETED) && !has(d, DCAUSE_DISABLED))
			password_causes(ev, u, d);
		if (ev->tr.verdict == TRUST_PENDING) {
			const char *t = ev->tr.decisive >= 0 ? ev->tr.f[ev->tr.decisive].text : ev->tr.summary;
			add(d, DCAUSE_PENDING, FINDING_PENDING, ev->tr.cat, tv->dc, ev->remote ? ev->cmd_repair : ev->cmd_machine_reset,
			    "an interrupted password change is pending: %s", t);
		} else if (ev->tr.verdict == TRUST_BROKEN) {
			int broken = 0;
			for (size_t i = 0; i < d->n; i++)
				broken |= d->c[i].severity == FINDING_BROKEN &&
					  d->c[i].kind != DCAUSE_DC_UNREACHABLE && d->c[i].kind != DCAUSE_DUPLICATE &&
					  d->c[i].kind != DCAUSE_NO_AES;
			if (!broken) {
				const char *t = ev->tr.decisive >= 0 ? ev->tr.f[ev->tr.decisive].text : ev->tr.summary;
				add(d, DCAUSE_TRUST_BROKEN, FINDING_BROKEN, ev->tr.cat ? ev->tr.cat : NLT_EPROBLEM,
				    ev->remote ? ev->used_dc : tv->dc, ev->remote ? ev->cmd_repair : ev->cmd_admin_reset,
				    "verify found the trust broken: %s", t);
			}
		}
	}

	/* the root cause: broken first, then pending, unknown, notes; within each, by rank */
	for (size_t i = 0; i < d->n; i++) {
		const struct doctor_cause *c = &d->c[i];
		if (c->severity == FINDING_NOTE)
			continue;
		if (d->root < 0 || sev_rank(c->severity) < sev_rank(d->c[d->root].severity) ||
		    (sev_rank(c->severity) == sev_rank(d->c[d->root].severity) && rank(c->kind) < rank(d->c[d->root].kind)))
			d->root = (int)i;
	}
	if (d->root > 0) {
		/* the root cause first */
		struct doctor_cause t = d->c[d->root];
		memmove(&d->c[1], &d->c[0], (size_t)d->root * sizeof(d->c[0]));
		d->c[0] = t;
		d->root = 0;
	}
	for (size_t i = 0; i < ev->n_dc && !d->prefer_dc[0]; i++)
		if (ev->dc[i].probe_state == CHECK_RAN && !ev->dc[i].n_required_down && !ev->dc[i].n_required_unknown &&
		    !(ev->dc[i].have_clock && skewed(ev->dc[i].skew_ms)))
			nlt_strlcpy(d->prefer_dc, ev->dc[i].name, sizeof(d->prefer_dc));
	if (d->root < 0) {
		/* nothing broken, pending or unknown: healthy only when verify said so (the belt to the braces above) */
		if (ev->verify_state == CHECK_RAN && ev->tr.verdict == TRUST_HEALTHY && ev->n_dc && ev->disc_state == CHECK_RAN &&
		    ev->probe_state == CHECK_RAN && (ev->dup_state == CHECK_RAN || ev->dir_not_applicable) &&
		    (!ev->remote || (ev->dsget_state == CHECK_RAN && ev->tod_state == CHECK_RAN))) {
			d->verdict = TRUST_HEALTHY;
			d->cat = NLT_OK;
			if (ev->dir_not_applicable)
				snprintf(d->summary, sizeof(d->summary), "no problem found: %.120s's trust to %.120s is healthy (TC_VERIFY "
					 "on %.120s), and %zu DC(s) of %.120s were probed", ev->target, ev->domain, use, ev->n_dc, ev->domain);
			else
				snprintf(d->summary, sizeof(d->summary), "no problem found: %s's trust is healthy on %s, and %zu DC(s) "
					 "were probed and read", ev->machine, use, ev->n_dc);
			return;
		}
		add(d, DCAUSE_UNKNOWN, FINDING_UNKNOWN, NLT_EPROBLEM, NULL, NULL, "the evidence is incomplete");
		d->root = (int)d->n - 1;
	}
	{
		const struct doctor_cause *r = &d->c[d->root];
		d->verdict = r->severity == FINDING_BROKEN ? TRUST_BROKEN : r->severity == FINDING_PENDING ? TRUST_PENDING
											 : TRUST_INCONCLUSIVE;
		d->cat = r->severity == FINDING_UNKNOWN ? trust_unknown_cat(r->cat) : r->cat ? r->cat : NLT_EPROBLEM;
		/* one line for the error: the root cause's kind, where, and the start of its evidence */
		snprintf(d->summary, sizeof(d->summary), "%s%s%.120s%s: %.300s%s", doctor_cause_key(r->kind),
			 r->dc[0] ? " on " : "", r->dc, r->severity == FINDING_UNKNOWN ? " (inconclusive)" : "", r->text,
			 strlen(r->text) > 300 ? "..." : "");
	}
}
