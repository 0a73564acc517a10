/*
 * tests/unit/test_doctor.c - the doctor's diagnosis (src/trust/doctor_judge.c) with synthetic
 * evidence: healthy only when verify said so and every DC was probed and read; each root cause
 * named, root first, with the evidence that tells (or the two explanations when it cannot).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "doctor.h"

#define T0 1764979200LL /* 2025-12-06T00:00:00Z */
static int64_t ft(int64_t unix_s)
{
	return (unix_s + 11644473600LL) * 10000000LL;
}

static void dc_ok(struct doctor_dc *x, const char *name, int64_t kvno, int64_t pls)
{
	memset(x, 0, sizeof(*x));
	strcpy(x->name, name);
	strcpy(x->addr, "198.18.0.10");
	x->answered = 1;
	x->probe_state = CHECK_RAN;
	x->have_clock = 1;
	x->dir_state = CHECK_RAN;
	strcpy(x->dir_as, "machine");
	x->found = 1;
	x->have_kvno = x->have_pwdlastset = x->have_uac = x->have_enctypes = 1;
	x->kvno = kvno;
	x->pwdlastset = ft(pls);
	x->uac = 0x1000;
	x->enctypes = 0x1c;
	strcpy(x->dn, "CN=WS1,CN=Computers,DC=lab,DC=test");
	snprintf(x->cmd_verify_here, sizeof(x->cmd_verify_here), "nltrust verify -S %s", name);
}

/* Two DCs, everything read, verify healthy at kvno 2. */
static struct doctor_evidence *healthy(void)
{
	struct doctor_evidence *ev = calloc(1, sizeof(*ev));
	assert_non_null(ev);
	strcpy(ev->machine, "WS1$");
	strcpy(ev->realm, "LAB.TEST");
	strcpy(ev->domain, "lab.test");
	strcpy(ev->used_dc, "dc1.lab.test");
	ev->disc_state = ev->probe_state = ev->verify_state = ev->dup_state = CHECK_RAN;
	ev->n_dc = 2;
	dc_ok(&ev->dc[0], "dc1.lab.test", 2, T0);
	dc_ok(&ev->dc[1], "dcb.lab.test", 2, T0);
	strcpy(ev->tv.dc, "dc1.lab.test");
	ev->tv.kt.n_kvnos = 1;
	ev->tv.kt.kvno[0] = 2;
	ev->tv.krb_state = CHECK_RAN;
	ev->tv.as.verdict = KRBV_OK;
	ev->tv.good_kvno = 2;
	ev->tr.verdict = TRUST_HEALTHY;
	ev->tr.decisive = -1;
	ev->journal_state = CHECK_RAN;
	ev->jcurrent.have = 1;
	ev->jcurrent.kvno = 2;
	ev->jcurrent.created = T0;
	strcpy(ev->cmd_admin_reset, "nltrust reset-password --admin -U Administrator");
	strcpy(ev->cmd_machine_reset, "nltrust reset-password");
	strcpy(ev->cmd_join, "nltrust join --reuse -U Administrator");
	strcpy(ev->cmd_enable, "nltrust enable-computer -U Administrator ws1");
	strcpy(ev->cmd_doctor_admin, "nltrust doctor -U Administrator");
	return ev;
}

/* The member's key is refused: verify's judge says broken. */
static void refused(struct doctor_evidence *ev)
{
	ev->tv.as.verdict = KRBV_BAD_PASSWORD;
	ev->tv.good_kvno = 0;
	ev->tr.verdict = TRUST_BROKEN;
	ev->tr.cat = NLT_EPROBLEM;
	ev->tr.nf = 1;
	ev->tr.decisive = 0;
	ev->tr.f[0].kind = FINDING_BROKEN;
	strcpy(ev->tr.f[0].text, "dc1.lab.test holds a different password for WS1$");
}

static int has_kind(const struct doctor_diagnosis *d, enum doctor_cause_kind k)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->c[i].kind == k)
			return 1;
	return 0;
}

static void healthy_is_healthy(void **state)
{
	struct doctor_evidence *ev = healthy();
	struct doctor_diagnosis d;
	(void)state;
	doctor_diagnose(ev, &d);
	assert_int_equal(d.verdict, TRUST_HEALTHY);
	assert_int_equal(d.cat, NLT_OK);
	assert_int_equal(d.root, -1);
	assert_non_null(strstr(d.summary, "no problem found"));
	free(ev);
}

/* a zeroed record is never healthy */
static void zeroed_is_not_healthy(void **state)
{
	struct doctor_evidence *ev = calloc(1, sizeof(*ev));
	struct doctor_diagnosis d;
	(void)state;
	doctor_diagnose(ev, &d);
	assert_int_not_equal(d.verdict, TRUST_HEALTHY);
	assert_int_not_equal(d.cat, NLT_OK);
	free(ev);
}

/* verify healthy, but one DC not read (no -U): inconclusive, with the command that reads it */
static void dc_not_read_is_inconclusive(void **state)
{
	struct doctor_evidence *ev = healthy();
	struct doctor_diagnosis d;
	(void)state;
	ev->dc[1].dir_state = CHECK_COULD_NOT_RUN;
	strcpy(ev->dc[1].dir_error, "the machine's key did not work; give -U");
	ev->dc[1].dir_err_cat = NLT_EAUTH;
	doctor_diagnose(ev, &d);
	assert_int_equal(d.verdict, TRUST_INCONCLUSIVE);
	assert_int_not_equal(d.cat, NLT_OK);
	assert_int_equal(d.c[0].kind, DCAUSE_UNKNOWN);
	assert_string_equal(d.c[0].next, "nltrust doctor -U Administrator");
	/* a DC never probed, or a step never run, is the same */
	free(ev);
	ev = healthy();
	ev->dc[1].probe_state = CHECK_NOT_RUN;
	doctor_diagnose(ev, &d);
	assert_int_equal(d.verdict, TRUST_INCONCLUSIVE);
	ev->dc[1].probe_state = CHECK_RAN;
	ev->dup_state = CHECK_NOT_RUN;
	doctor_diagnose(ev, &d);
	assert_int_equal(d.verdict, TRUST_INCONCLUSIVE);
	ev->dup_state = CHECK_RAN;
	ev->n_unlisted = 1;
	doctor_diagnose(ev, &d);
	assert_int_equal(d.verdict, TRUST_INCONCLUSIVE);
	ev->n_unlisted = 0;
	ev->tr.verdict = TRUST_INCONCLUSIVE;
	ev->tr.cat = NLT_ENODC;
	doctor_diagnose(ev, &d);
	assert_int_equal(d.verdict, TRUST_INCONCLUSIVE);
	assert_int_equal(d.cat, NLT_ENODC);
	ev->verify_state = CHECK_COULD_NOT_RUN;
	doctor_diagnose(ev, &d);
	assert_int_equal(d.verdict, TRUST_INCONCLUSIVE);
	/* verify that could not run leads the unknowns, with its category (a keytab without the key: 3) */
	ev->verify_err_cat = NLT_ECONFIG;
	strcpy(ev->verify_error, "the keytab has no key for WS1$@LAB.TEST");
	ev->dc[1].dir_state = CHECK_COULD_NOT_RUN;
	ev->dc[1].dir_err_cat = NLT_EAUTH;
	doctor_diagnose(ev, &d);
	assert_int_equal(d.cat, NLT_ECONFIG);
	assert_non_null(strstr(d.c[0].text, "not checked: the keytab has no key"));
	free(ev);
}

/* snapshot rollback: keytab and journal back at kvno 2, AD at 3 after a change at T0+3600 */
static void snapshot_rollback_is_member_behind_either(void **state)
{
	struct doctor_evidence *ev = healthy();
	struct doctor_diagnosis d;
	(void)state;
	refused(ev);
	ev->tv.local_match = LOCAL_MATCH;
	ev->dc[0].kvno = ev->dc[1].kvno = 3;
	ev->dc[0].pwdlastset = ev->dc[1].pwdlastset = ft(T0 + 3600);
	doctor_diagnose(ev, &d);
	assert_int_equal(d.verdict, TRUST_BROKEN);
	assert_int_equal(d.cat, NLT_EPROBLEM);
	assert_int_equal(d.c[0].kind, DCAUSE_MEMBER_BEHIND);
	assert_int_equal(d.c[0].behind, DBEHIND_EITHER);
	assert_non_null(strstr(d.c[0].text, "snapshot"));
	assert_non_null(strstr(d.c[0].text, "reset elsewhere"));
	assert_string_equal(d.c[0].next, "nltrust reset-password --admin -U Administrator");
	/* the verify finding is explained, not repeated as a second root */
	assert_false(has_kind(&d, DCAUSE_TRUST_BROKEN));
	free(ev);
}

/* only the keytab went back: the journal knows the change AD has */
static void keytab_restored_is_restored(void **state)
{
	struct doctor_evidence *ev = healthy();
	struct doctor_diagnosis d;
	(void)state;
	refused(ev);
	ev->dc[0].kvno = ev->dc[1].kvno = 3;
	ev->dc[0].pwdlastset = ev->dc[1].pwdlastset = ft(T0 + 3600);
	ev->jprevious = ev->jcurrent;
	ev->jcurrent.kvno = 3;
	ev->jcurrent.created = T0 + 3590;
	ev->tv.local_match = LOCAL_DIFFER; /* verify: the journal's current password is not the keytab's */
	doctor_diagnose(ev, &d);
	assert_int_equal(d.c[0].kind, DCAUSE_MEMBER_BEHIND);
	assert_int_equal(d.c[0].behind, DBEHIND_RESTORED);
	assert_string_equal(doctor_behind_key(d.c[0].behind), "restored");
	/* a journal record of unknown kvno made minutes before pwdLastSet, but consistent with the keytab: no
	 * evidence of a restore (join, then a change seconds later, then both rolled back) */
	ev->jcurrent.kvno = 0;
	ev->jcurrent.created = T0 + 3595;
	ev->jprevious.have = 0;
	ev->tv.local_match = LOCAL_MATCH;
	doctor_diagnose(ev, &d);
	assert_int_equal(d.c[0].behind, DBEHIND_EITHER);
	free(ev);
}

/* two changes past the journal's (consistent) record: reset elsewhere */
static void two_foreign_changes_is_reset_elsewhere(void **state)
{
	struct doctor_evidence *ev = healthy();
	struct doctor_diagnosis d;
	(void)state;
	refused(ev);
	ev->dc[0].kvno = ev->dc[1].kvno = 4;
	ev->dc[0].pwdlastset = ev->dc[1].pwdlastset = ft(T0 + 86400);
	doctor_diagnose(ev, &d);
	assert_int_equal(d.c[0].kind, DCAUSE_MEMBER_BEHIND);
	assert_int_equal(d.c[0].behind, DBEHIND_RESET_ELSEWHERE);
	free(ev);
}

/* the password refused and the directory unreadable: broken, but no made-up cause */
static void refused_without_directory(void **state)
{
	struct doctor_evidence *ev = healthy();
	struct doctor_diagnosis d;
	(void)state;
	refused(ev);
	for (int i = 0; i < 2; i++) {
		ev->dc[i].dir_state = CHECK_COULD_NOT_RUN;
		strcpy(ev->dc[i].dir_error, "give -U");
	}
	doctor_diagnose(ev, &d);
	assert_int_equal(d.verdict, TRUST_BROKEN);
	assert_int_equal(d.c[0].kind, DCAUSE_TRUST_BROKEN);
	assert_false(has_kind(&d, DCAUSE_MEMBER_BEHIND));
	assert_true(has_kind(&d, DCAUSE_UNKNOWN));
	free(ev);
}

/* a reset on dcb, replication paused: dc1 (used) and the member still at 2, dcb at 3 */
static void replication_lag_member_old(void **state)
{
	struct doctor_evidence *ev = healthy();
	struct doctor_diagnosis d;
	(void)state;
	ev->dc[1].kvno = 3;
	ev->dc[1].pwdlastset = ft(T0 + 600);
	doctor_diagnose(ev, &d);
	assert_int_equal(d.verdict, TRUST_BROKEN);
	assert_int_equal(d.c[0].kind, DCAUSE_REPLICATION);
	assert_string_equal(d.c[0].dc, "dc1.lab.test");
	assert_non_null(strstr(d.c[0].text, "This host uses dc1.lab.test, which has the older value"));
	assert_non_null(strstr(d.c[0].text, "never had the newer password"));
	assert_string_equal(d.c[0].next, "nltrust reset-password");
	free(ev);
}

/* the member's own change reached dcb only: its DC lags; prefer dcb */
static void replication_lag_member_new(void **state)
{
	struct doctor_evidence *ev = healthy();
	struct doctor_diagnosis d;
	(void)state;
	ev->tv.kt.kvno[0] = 3;
	ev->dc[1].kvno = 3;
	ev->dc[1].pwdlastset = ft(T0 + 600);
	refused(ev);
	ev->tv.good_kvno = 2; /* dc1 takes the older key */
	ev->tv.kt.n_kvnos = 2;
	ev->tv.kt.kvno[1] = 2;
	doctor_diagnose(ev, &d);
	assert_int_equal(d.c[0].kind, DCAUSE_REPLICATION);
	assert_non_null(strstr(d.c[0].text, "which has the older value"));
	assert_string_equal(d.c[0].next, "nltrust verify -S dcb.lab.test");
	assert_false(has_kind(&d, DCAUSE_MEMBER_AHEAD));
	free(ev);
}

/* a recent change of this host, not on dcb yet: its DC and it agree, so a note, not a problem */
static void replication_lag_converging(void **state)
{
	struct doctor_evidence *ev = healthy();
	struct doctor_diagnosis d;
	(void)state;
	ev->tv.kt.kvno[0] = 3;
	ev->tv.good_kvno = 3;
	ev->dc[0].kvno = 3;
	ev->dc[0].pwdlastset = ft(T0 + 600);
	doctor_diagnose(ev, &d);
	assert_int_equal(d.verdict, TRUST_HEALTHY);
	assert_true(has_kind(&d, DCAUSE_REPLICATION));
	assert_int_equal(d.c[0].severity, FINDING_NOTE);
	/* the same with the newest password still pending in the journal: the pending change decides */
	ev->tv.kt.kvno[0] = 2;
	ev->jpending.have = 1;
	ev->jpending.kvno = 3;
	ev->tr.verdict = TRUST_PENDING;
	ev->tr.nf = 1;
	ev->tr.decisive = 0;
	ev->tr.f[0].kind = FINDING_PENDING;
	strcpy(ev->tr.f[0].text, "dc1 holds the pending password");
	doctor_diagnose(ev, &d);
	assert_int_equal(d.verdict, TRUST_PENDING);
	assert_int_equal(d.c[0].kind, DCAUSE_PENDING);
	free(ev);
}

/* its DC already has a password this host lacks, dcb not yet: member_behind leads, the lag is a note */
static void member_behind_with_lag(void **state)
{
	struct doctor_evidence *ev = healthy();
	struct doctor_diagnosis d;
	(void)state;
	refused(ev);
	ev->tv.local_match = LOCAL_MATCH;
	ev->dc[0].kvno = 3;
	ev->dc[0].pwdlastset = ft(T0 + 3600);
	doctor_diagnose(ev, &d);
	assert_int_equal(d.verdict, TRUST_BROKEN);
	assert_int_equal(d.c[0].kind, DCAUSE_MEMBER_BEHIND);
	for (size_t i = 0; i < d.n; i++)
		if (d.c[i].kind == DCAUSE_REPLICATION) {
			assert_int_equal(d.c[i].severity, FINDING_NOTE);
			assert_null(strstr(d.c[i].text, "breaks when that change replicates"));
		}
	assert_true(has_kind(&d, DCAUSE_REPLICATION));
	free(ev);
}

static void deleted_everywhere(void **state)
{
	struct doctor_evidence *ev = healthy();
	struct doctor_diagnosis d;
	(void)state;
	refused(ev);
	ev->tv.as.verdict = KRBV_UNKNOWN_CLIENT;
	ev->dc[0].found = ev->dc[1].found = 0;
	doctor_diagnose(ev, &d);
	assert_int_equal(d.c[0].kind, DCAUSE_DELETED);
	assert_string_equal(d.c[0].next, "nltrust join --reuse -U Administrator");
	/* on one DC only: replication, not deleted */
	ev->dc[1].found = 1;
	doctor_diagnose(ev, &d);
	assert_int_equal(d.c[0].kind, DCAUSE_REPLICATION);
	assert_false(has_kind(&d, DCAUSE_DELETED));
	/* not every DC read: not "deleted" */
	ev->dc[1].found = 0;
	ev->dc[1].dir_state = CHECK_COULD_NOT_RUN;
	doctor_diagnose(ev, &d);
	assert_false(has_kind(&d, DCAUSE_DELETED));
	free(ev);
}

static void disabled(void **state)
{
	struct doctor_evidence *ev = healthy();
	struct doctor_diagnosis d;
	(void)state;
	refused(ev);
	ev->tv.as.verdict = KRBV_DISABLED;
	ev->dc[0].uac = ev->dc[1].uac = 0x1002;
	doctor_diagnose(ev, &d);
	assert_int_equal(d.c[0].kind, DCAUSE_DISABLED);
	assert_string_equal(d.c[0].next, "nltrust enable-computer -U Administrator ws1");
	assert_false(has_kind(&d, DCAUSE_TRUST_BROKEN));
	free(ev);
}

static void dc_filtered(void **state)
{
	struct doctor_evidence *ev = healthy();
	struct doctor_diagnosis d;
	(void)state;
	ev->dc[1].n_required_down = 1;
	strcpy(ev->dc[1].ports_down, "Kerberos 88/tcp filtered");
	doctor_diagnose(ev, &d);
	assert_int_equal(d.verdict, TRUST_BROKEN);
	assert_int_equal(d.c[0].kind, DCAUSE_DC_UNREACHABLE);
	assert_string_equal(d.c[0].dc, "dcb.lab.test");
	assert_string_equal(d.c[0].next, "nltrust verify -S dc1.lab.test");
	assert_string_equal(d.prefer_dc, "dc1.lab.test");
	/* ports not probed long enough: unknown, not down */
	ev->dc[1].n_required_down = 0;
	ev->dc[1].n_required_unknown = 2;
	doctor_diagnose(ev, &d);
	assert_int_equal(d.verdict, TRUST_INCONCLUSIVE);
	free(ev);
}

static void clock_skew(void **state)
{
	struct doctor_evidence *ev = healthy();
	struct doctor_diagnosis d;
	(void)state;
	ev->dc[0].skew_ms = 600000;
	doctor_diagnose(ev, &d);
	assert_int_equal(d.c[0].kind, DCAUSE_CLOCK_SKEW);
	assert_int_equal(d.verdict, TRUST_BROKEN);
	ev->dc[0].skew_ms = 0;
	ev->tv.as.verdict = KRBV_SKEW;
	ev->tr.verdict = TRUST_BROKEN;
	doctor_diagnose(ev, &d);
	assert_int_equal(d.c[0].kind, DCAUSE_CLOCK_SKEW);
	free(ev);
}

/* this host 20 minutes ahead of both DCs (faketime +20m in the lab): one cause, this host's clock,
 * on the DC it uses; no "give -U" (the administrator's Kerberos fails the same way) */
static void host_clock_ahead_of_every_dc(void **state)
{
	struct doctor_evidence *ev = healthy();
	struct doctor_diagnosis d;
	size_t n_skew = 0;
	(void)state;
	ev->dc[0].skew_ms = -1200000;
	ev->dc[1].skew_ms = -1199990;
	ev->tv.as.verdict = KRBV_SKEW;
	ev->tv.nl_state = CHECK_RAN;
	ev->tv.nl.verdict = NLV_OK;
	ev->tr.verdict = TRUST_BROKEN;
	for (int i = 0; i < 2; i++) {
		ev->dc[i].dir_state = CHECK_COULD_NOT_RUN;
		strcpy(ev->dc[i].dir_error, "the machine's own key did not get a ticket: Clock skew too great");
	}
	ev->dup_state = CHECK_COULD_NOT_RUN;
	doctor_diagnose(ev, &d);
	assert_int_equal(d.verdict, TRUST_BROKEN);
	assert_int_equal(d.cat, NLT_EPROBLEM);
	assert_int_equal(d.root, 0);
	assert_int_equal(d.c[0].kind, DCAUSE_CLOCK_SKEW);
	assert_string_equal(d.c[0].dc, "dc1.lab.test");
	assert_non_null(strstr(d.c[0].text, "this host's clock is 1200 s ahead of the domain's"));
	assert_non_null(strstr(d.c[0].text, "Netlogon, which does not depend on the clock, accepted it"));
	assert_null(strstr(d.c[0].text, "wrong password"));
	for (size_t i = 0; i < d.n; i++) {
		n_skew += d.c[i].kind == DCAUSE_CLOCK_SKEW;
		assert_string_not_equal(d.c[i].next, ev->cmd_doctor_admin);
		assert_int_not_equal(d.c[i].kind, DCAUSE_MEMBER_BEHIND);
		assert_int_not_equal(d.c[i].kind, DCAUSE_TRUST_BROKEN);
	}
	assert_int_equal(n_skew, 1);
	/* behind: the sign is the other way */
	ev->dc[0].skew_ms = ev->dc[1].skew_ms = 1200000;
	doctor_diagnose(ev, &d);
	assert_non_null(strstr(d.c[0].text, "this host's clock is 1200 s behind the domain's"));
	free(ev);
}

/* one DC off while the other agrees with this host: that DC's clock is named */
static void one_dc_clock_off(void **state)
{
	struct doctor_evidence *ev = healthy();
	struct doctor_diagnosis d;
	(void)state;
	ev->dc[1].skew_ms = 600000;
	doctor_diagnose(ev, &d);
	assert_int_equal(d.verdict, TRUST_BROKEN);
	assert_int_equal(d.c[0].kind, DCAUSE_CLOCK_SKEW);
	assert_string_equal(d.c[0].dc, "dcb.lab.test");
	assert_non_null(strstr(d.c[0].text, "dcb.lab.test's clock is 600 s ahead of this host's, while another DC agrees"));
	free(ev);
}

/* only one DC's clock known and off: it cannot say which side is wrong, so this host is not blamed */
static void single_dc_clock_off_blames_neither(void **state)
{
	struct doctor_evidence *ev = healthy();
	struct doctor_diagnosis d;
	(void)state;
	ev->dc[0].skew_ms = 600000;
	ev->dc[1].have_clock = 0;
	doctor_diagnose(ev, &d);
	assert_int_equal(d.verdict, TRUST_BROKEN);
	assert_int_equal(d.c[0].kind, DCAUSE_CLOCK_SKEW);
	assert_string_equal(d.c[0].dc, "dc1.lab.test");
	assert_null(strstr(d.c[0].text, "this host's clock is"));
	assert_non_null(strstr(d.c[0].text, "dc1.lab.test's clock is 600 s ahead of this host's"));
	assert_non_null(strstr(d.c[0].text, "either clock may be the wrong one"));
	free(ev);
}

/* +2 minutes (faketime +2m): under Kerberos' 5, not a cause */
static void clock_under_limit_is_healthy(void **state)
{
	struct doctor_evidence *ev = healthy();
	struct doctor_diagnosis d;
	(void)state;
	ev->dc[0].skew_ms = ev->dc[1].skew_ms = -120000;
	doctor_diagnose(ev, &d);
	assert_int_equal(d.verdict, TRUST_HEALTHY);
	assert_false(has_kind(&d, DCAUSE_CLOCK_SKEW));
	ev->dc[0].skew_ms = ev->dc[1].skew_ms = -300000; /* the limit itself is allowed */
	doctor_diagnose(ev, &d);
	assert_int_equal(d.verdict, TRUST_HEALTHY);
	free(ev);
}

static void duplicate_and_no_aes(void **state)
{
	struct doctor_evidence *ev = healthy();
	struct doctor_diagnosis d;
	(void)state;
	ev->n_dup = 1;
	strcpy(ev->dup_dn[0], "CN=WS1-OLD,CN=Computers,DC=lab,DC=test");
	strcpy(ev->dup_what[0], "dNSHostName ws1.lab.test");
	doctor_diagnose(ev, &d);
	assert_int_equal(d.c[0].kind, DCAUSE_DUPLICATE);
	ev->n_dup = 0;
	ev->dc[0].enctypes = 0x4;
	doctor_diagnose(ev, &d);
	/* no AES alone is a note: the trust works today */
	assert_int_equal(d.verdict, TRUST_HEALTHY);
	assert_true(has_kind(&d, DCAUSE_NO_AES));
	free(ev);
}

static void pending_change(void **state)
{
	struct doctor_evidence *ev = healthy();
	struct doctor_diagnosis d;
	(void)state;
	refused(ev);
	ev->tr.verdict = TRUST_PENDING;
	ev->tr.f[0].kind = FINDING_PENDING;
	ev->dc[0].kvno = ev->dc[1].kvno = 3;
	ev->dc[0].pwdlastset = ev->dc[1].pwdlastset = ft(T0 + 10);
	ev->jpending.have = 1;
	ev->jpending.kvno = 3;
	ev->jpending.created = T0 + 10;
	doctor_diagnose(ev, &d);
	assert_int_equal(d.verdict, TRUST_PENDING);
	assert_int_equal(d.c[0].kind, DCAUSE_PENDING);
	assert_false(has_kind(&d, DCAUSE_MEMBER_BEHIND));
	free(ev);
}


/* ---- --target (remote mode): the member's own answers, no keytab or journal here ---- */

/* A Windows member, healthy: TC_VERIFY healthy, its DsrGetDcName answered, every DC read as the admin. */
static struct doctor_evidence *remote_healthy(void)
{
	struct doctor_evidence *ev = healthy();
	memset(&ev->tv, 0, sizeof(ev->tv));
	ev->remote = 1;
	strcpy(ev->target, "win1.lab.test");
	strcpy(ev->target_domain, "lab.test");
	ev->target_is_dc = 0;
	ev->dsget_state = CHECK_RAN;
	ev->tod_state = CHECK_RAN; /* the member's clock, read, equal to this host's and the DCs' */
	ev->journal_state = CHECK_SKIPPED;
	memset(&ev->jcurrent, 0, sizeof(ev->jcurrent));
	ev->rv.verify.state = ev->rv.query.state = RCALL_ANSWERED;
	ev->rv.verify.present = ev->rv.query.present = 1;
	ev->rv.verify.flags = 0xb0;
	strcpy(ev->rv.verify.trusted_dc, "\\\\dc1.lab.test");
	strcpy(ev->cmd_repair, "nltrust repair --target win1.lab.test");
	strcpy(ev->cmd_fix_rejoin, "nltrust doctor --target win1.lab.test --fix --allow-rejoin -U Administrator");
	for (int i = 0; i < 2; i++)
		strcpy(ev->dc[i].dir_as, "admin");
	return ev;
}

static void remote_broken(struct doctor_evidence *ev, uint32_t pdc_status)
{
	ev->rv.verify.pdc_status = pdc_status;
	ev->tr.verdict = TRUST_BROKEN;
	ev->tr.cat = NLT_EPROBLEM;
	ev->tr.nf = 1;
	ev->tr.decisive = 0;
	ev->tr.f[0].kind = FINDING_BROKEN;
	strcpy(ev->tr.f[0].text, "TC_VERIFY: the channel fails");
}

static void remote_healthy_is_healthy(void **state)
{
	struct doctor_evidence *ev = remote_healthy();
	struct doctor_diagnosis d;
	(void)state;
	doctor_diagnose(ev, &d);
	assert_int_equal(d.verdict, TRUST_HEALTHY);
	assert_int_equal(d.cat, NLT_OK);
	/* the member's DC could not be asked: never healthy */
	ev->dsget_state = CHECK_COULD_NOT_RUN;
	strcpy(ev->dsget_error, "cannot ask remotely");
	doctor_diagnose(ev, &d);
	assert_int_equal(d.verdict, TRUST_INCONCLUSIVE);
	assert_int_not_equal(d.cat, NLT_OK);
	free(ev);
}

/* a Samba member: no \PIPE\netlogon, so no channel verdict and no DC of its own: inconclusive, the rest reported */
static void remote_samba_member_is_unknown(void **state)
{
	struct doctor_evidence *ev = remote_healthy();
	struct doctor_diagnosis d;
	(void)state;
	ev->rv.no_netlogon = 1;
	ev->rv.verify.state = ev->rv.query.state = RCALL_NOT_RUN;
	ev->tr.verdict = TRUST_INCONCLUSIVE;
	ev->tr.cat = NLT_EPROTO;
	ev->dsget_state = CHECK_COULD_NOT_RUN;
	ev->used_dc[0] = '\0';
	strcpy(ev->dsget_error, "cannot ask remotely: no \\PIPE\\netlogon");
	doctor_diagnose(ev, &d);
	assert_int_equal(d.verdict, TRUST_INCONCLUSIVE);
	assert_int_not_equal(d.cat, NLT_OK);
	assert_int_equal(d.c[d.root].kind, DCAUSE_UNKNOWN);
	/* disabled on a DC, the member's own DC unknown: the directory still names it */
	ev->dc[1].uac = 0x1002;
	doctor_diagnose(ev, &d);
	assert_int_equal(d.verdict, TRUST_BROKEN);
	assert_int_equal(d.c[d.root].kind, DCAUSE_DISABLED);
	assert_non_null(strstr(d.c[d.root].text, "disabled"));
	free(ev);
}

/* TC_VERIFY 1323: the member's secret is not AD's; the rejoin through doctor --allow-rejoin */
static void remote_wrong_password(void **state)
{
	struct doctor_evidence *ev = remote_healthy();
	struct doctor_diagnosis d;
	(void)state;
	remote_broken(ev, 1323);
	doctor_diagnose(ev, &d);
	assert_int_equal(d.verdict, TRUST_BROKEN);
	assert_int_equal(d.c[d.root].kind, DCAUSE_SECRET_DIFFERS);
	assert_string_equal(doctor_cause_key(d.c[d.root].kind), "member_secret_differs");
	assert_non_null(strstr(d.c[d.root].text, "wrong password"));
	assert_non_null(strstr(d.c[d.root].next, "--allow-rejoin"));
	assert_string_equal(d.c[d.root].dc, "dc1.lab.test");
	assert_false(has_kind(&d, DCAUSE_TRUST_BROKEN));
	/* 1787 too */
	remote_broken(ev, 1787);
	doctor_diagnose(ev, &d);
	assert_int_equal(d.c[d.root].kind, DCAUSE_SECRET_DIFFERS);
	/* disabled explains it better */
	ev->dc[0].uac = 0x1002;
	doctor_diagnose(ev, &d);
	assert_int_equal(d.c[d.root].kind, DCAUSE_DISABLED);
	free(ev);
}

/* a DC's channel to another domain: the directory part does not apply; a wrong secret is recreated, not rejoined */
static void remote_trust(void **state)
{
	struct doctor_evidence *ev = remote_healthy();
	struct doctor_diagnosis d;
	(void)state;
	ev->trust_channel = 1;
	ev->target_is_dc = 1;
	ev->dir_not_applicable = 1;
	ev->dup_state = CHECK_SKIPPED;
	for (int i = 0; i < 2; i++) {
		ev->dc[i].dir_state = CHECK_SKIPPED;
		ev->dc[i].found = 0;
	}
	doctor_diagnose(ev, &d);
	assert_int_equal(d.verdict, TRUST_HEALTHY);
	remote_broken(ev, 1323);
	doctor_diagnose(ev, &d);
	assert_int_equal(d.verdict, TRUST_BROKEN);
	assert_int_equal(d.c[d.root].kind, DCAUSE_SECRET_DIFFERS);
	assert_non_null(strstr(d.c[d.root].text, "recreated"));
	assert_string_equal(d.c[d.root].next, "");
	/* without the directory part being "not applicable", skipped DCs keep it from healthy */
	ev->dir_not_applicable = 0;
	ev->tr.verdict = TRUST_HEALTHY;
	ev->rv.verify.pdc_status = 0;
	doctor_diagnose(ev, &d);
	assert_int_not_equal(d.verdict, TRUST_HEALTHY);
	free(ev);
}

/* TC_VERIFY: no logon servers: the member talks to a dead DC; repair --target (REDISCOVER) */
static void remote_dead_dc(void **state)
{
	struct doctor_evidence *ev = remote_healthy();
	struct doctor_diagnosis d;
	(void)state;
	remote_broken(ev, 1311);
	doctor_diagnose(ev, &d);
	assert_int_equal(d.verdict, TRUST_BROKEN);
	assert_int_equal(d.c[d.root].kind, DCAUSE_MEMBER_DC);
	assert_string_equal(d.c[d.root].next, "nltrust repair --target win1.lab.test");
	/* another code: trust_broken with repair --target, never a local reset-password */
	remote_broken(ev, 1331);
	doctor_diagnose(ev, &d);
	assert_int_equal(d.c[d.root].kind, DCAUSE_TRUST_BROKEN);
	assert_string_equal(d.c[d.root].next, "nltrust repair --target win1.lab.test");
	free(ev);
}

/* --target: the member's clock (NetrRemoteTOD) 20 minutes ahead of the domain's: skew is the root
 * cause even though TC_VERIFY (NTLM-based) is healthy; it says so */
static void remote_member_clock_skew(void **state)
{
	struct doctor_evidence *ev = remote_healthy();
	struct doctor_diagnosis d;
	(void)state;
	ev->member_offset_ms = 1200400;
	ev->member_offset_unc_ms = 500;
	doctor_diagnose(ev, &d);
	assert_int_equal(d.verdict, TRUST_BROKEN);
	assert_int_equal(d.cat, NLT_EPROBLEM);
	assert_int_equal(d.c[0].kind, DCAUSE_CLOCK_SKEW);
	assert_string_equal(d.c[0].dc, "dc1.lab.test");
	assert_non_null(strstr(d.c[0].text, "the member's clock differs from the domain's by +1200 s"));
	assert_non_null(strstr(d.c[0].text, "win1.lab.test is 1200 s ahead of dc1.lab.test's clock"));
	assert_non_null(strstr(d.c[0].text, "TC_VERIFY found it healthy"));
	/* this host's own clock does not matter: the DCs and the member measured against the same ruler */
	ev->dc[0].skew_ms = ev->dc[1].skew_ms = 1200000;
	ev->member_offset_ms = 1200000 - 1200000;
	doctor_diagnose(ev, &d);
	assert_int_equal(d.c[0].kind, DCAUSE_CLOCK_SKEW);
	assert_non_null(strstr(d.c[0].text, "behind dc1.lab.test's"));
	/* the member agrees with the DCs, this host does not: a note about this host, the member healthy */
	ev->member_offset_ms = 1200000;
	doctor_diagnose(ev, &d);
	assert_int_equal(d.verdict, TRUST_HEALTHY);
	assert_true(has_kind(&d, DCAUSE_CLOCK_SKEW));
	assert_int_equal(d.c[0].severity, FINDING_NOTE);
	/* within the limit: nothing */
	ev->dc[0].skew_ms = ev->dc[1].skew_ms = 0;
	ev->member_offset_ms = -120000;
	doctor_diagnose(ev, &d);
	assert_int_equal(d.verdict, TRUST_HEALTHY);
	assert_false(has_kind(&d, DCAUSE_CLOCK_SKEW));
	/* the member's DC (its DsrGetDcName) is the ruler when it has a clock */
	ev->dc[0].skew_ms = 900000;
	ev->member_offset_ms = 0;
	strcpy(ev->used_dc, "dcb.lab.test");
	doctor_diagnose(ev, &d);
	for (size_t i = 0; i < d.n; i++)
		assert_null(strstr(d.c[i].text, "the member's clock")); /* dc1's own clock is named instead */
	assert_true(has_kind(&d, DCAUSE_CLOCK_SKEW));
	free(ev);
}

/* --target: the member's clock could not be read, or no DC's clock is known: never healthy */
static void remote_member_clock_unknown(void **state)
{
	struct doctor_evidence *ev = remote_healthy();
	struct doctor_diagnosis d;
	(void)state;
	ev->tod_state = CHECK_COULD_NOT_RUN;
	strcpy(ev->tod_error, "NetrRemoteTOD to win1.lab.test \\PIPE\\srvsvc: refused (NET_API_STATUS 5)");
	doctor_diagnose(ev, &d);
	assert_int_equal(d.verdict, TRUST_INCONCLUSIVE);
	assert_int_not_equal(d.cat, NLT_OK);
	assert_non_null(strstr(d.c[0].text, "win1.lab.test's clock is unknown"));
	ev->tod_state = CHECK_NOT_RUN;
	ev->tod_error[0] = '\0';
	doctor_diagnose(ev, &d);
	assert_int_equal(d.verdict, TRUST_INCONCLUSIVE);
	ev->tod_state = CHECK_RAN;
	ev->dc[0].have_clock = ev->dc[1].have_clock = 0;
	doctor_diagnose(ev, &d);
	assert_int_equal(d.verdict, TRUST_INCONCLUSIVE);
	assert_non_null(strstr(d.c[0].text, "could not be compared with the domain's"));
	free(ev);
}

static void keys_are_stable(void **state)
{
	(void)state;
	assert_string_equal(doctor_cause_key(DCAUSE_MEMBER_BEHIND), "member_behind");
	assert_string_equal(doctor_cause_key(DCAUSE_REPLICATION), "replication_lag");
	assert_string_equal(doctor_cause_key(DCAUSE_DC_UNREACHABLE), "dc_unreachable");
	assert_string_equal(doctor_cause_key(DCAUSE_MEMBER_DC), "member_dc_unreachable");
	assert_string_equal(doctor_fix_outcome_key(DFIX_REJOINED), "rejoined");
	assert_string_equal(doctor_cause_key((enum doctor_cause_kind)99), "none");
	assert_int_equal(doctor_filetime_unix(ft(T0)), T0);
	assert_int_equal(doctor_filetime_unix(0), 0);
	assert_int_equal(doctor_filetime_unix(INT64_MAX), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(healthy_is_healthy),
		cmocka_unit_test(zeroed_is_not_healthy),
		cmocka_unit_test(dc_not_read_is_inconclusive),
		cmocka_unit_test(snapshot_rollback_is_member_behind_either),
		cmocka_unit_test(keytab_restored_is_restored),
		cmocka_unit_test(two_foreign_changes_is_reset_elsewhere),
		cmocka_unit_test(refused_without_directory),
		cmocka_unit_test(replication_lag_member_old),
		cmocka_unit_test(replication_lag_member_new),
		cmocka_unit_test(replication_lag_converging),
		cmocka_unit_test(member_behind_with_lag),
		cmocka_unit_test(deleted_everywhere),
		cmocka_unit_test(disabled),
		cmocka_unit_test(dc_filtered),
		cmocka_unit_test(clock_skew),
		cmocka_unit_test(host_clock_ahead_of_every_dc),
		cmocka_unit_test(one_dc_clock_off),
		cmocka_unit_test(single_dc_clock_off_blames_neither),
		cmocka_unit_test(clock_under_limit_is_healthy),
		cmocka_unit_test(duplicate_and_no_aes),
		cmocka_unit_test(pending_change),
		cmocka_unit_test(remote_healthy_is_healthy),
		cmocka_unit_test(remote_samba_member_is_unknown),
		cmocka_unit_test(remote_wrong_password),
		cmocka_unit_test(remote_trust),
		cmocka_unit_test(remote_dead_dc),
		cmocka_unit_test(remote_member_clock_skew),
		cmocka_unit_test(remote_member_clock_unknown),
		cmocka_unit_test(keys_are_stable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
