/*
 * tests/unit/test_audit.c - the audit's findings (src/ldap/audit.c) on synthetic entries: each
 * finding fires on exactly the account that has it, a clean account has none, and a DC that
 * was not read is never "consistent".  SID and security-descriptor bytes are the lab's
 * (objectSid of WS1$ and the OWNER-only nTSecurityDescriptor dc1 returned with the SD flags
 * control, read with ldapsearch on 2026-12-06).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "audit.h"

#define DOM "S-1-5-21-549065280-2504534390-1857248309"

static const uint8_t ws1_sid[] = { 0x01, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x15, 0x00, 0x00, 0x00, 0x40, 0x12,
				   0xba, 0x20, 0x76, 0x29, 0x48, 0x95, 0x35, 0x5c, 0xb3, 0x6e, 0x50, 0x04, 0x00, 0x00 };
static const uint8_t owner_sd[] = { 0x01, 0x00, 0x01, 0x80, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
				    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x05, 0x00, 0x00,
				    0x00, 0x00, 0x00, 0x05, 0x15, 0x00, 0x00, 0x00, 0x40, 0x12, 0xba, 0x20,
				    0x76, 0x29, 0x48, 0x95, 0x35, 0x5c, 0xb3, 0x6e, 0x00, 0x02, 0x00, 0x00 };

#define NOW 1796000000 /* 2026-11-29 */
static int64_t ft(int64_t unix_s)
{
	return (unix_s + 11644473600LL) * 10000000LL;
}

static void test_sid(void **state)
{
	char b[200];

	(void)state;
	assert_int_equal(audit_sid_str(ws1_sid, sizeof(ws1_sid), b, sizeof(b)), 0);
	assert_string_equal(b, DOM "-1104");
	for (size_t n = 0; n < sizeof(ws1_sid); n++)
		assert_int_equal(audit_sid_str(ws1_sid, n, b, sizeof(b)), -1);
	{
		uint8_t bad[sizeof(ws1_sid)];
		memcpy(bad, ws1_sid, sizeof(bad));
		bad[0] = 2; /* revision */
		assert_int_equal(audit_sid_str(bad, sizeof(bad), b, sizeof(b)), -1);
	}
	assert_int_equal(audit_sid_str(ws1_sid, sizeof(ws1_sid), b, 20), -1); /* does not fit: refused, not cut */
}

static void test_sd_owner(void **state)
{
	char b[200];

	(void)state;
	assert_int_equal(audit_sd_owner(owner_sd, sizeof(owner_sd), b, sizeof(b)), 0);
	assert_string_equal(b, DOM "-512");
	for (size_t n = 0; n < sizeof(owner_sd); n++)
		assert_int_equal(audit_sd_owner(owner_sd, n, b, sizeof(b)), -1);
	for (size_t i = 0; i < sizeof(owner_sd) * 8; i++) { /* every bit flip: decoded or refused, in bounds */
		uint8_t x[sizeof(owner_sd)];
		memcpy(x, owner_sd, sizeof(x));
		x[i / 8] ^= (uint8_t)(1u << (i % 8));
		(void)audit_sd_owner(x, sizeof(x), b, sizeof(b));
	}
	{
		uint8_t x[sizeof(owner_sd)];
		memcpy(x, owner_sd, sizeof(x));
		x[4] = 0; /* no owner */
		assert_int_equal(audit_sd_owner(x, sizeof(x), b, sizeof(b)), -1);
	}
}

static void test_admin_sids(void **state)
{
	(void)state;
	assert_true(audit_sid_is_admin(DOM "-512", DOM));
	assert_true(audit_sid_is_admin(DOM "-519", DOM));
	assert_true(audit_sid_is_admin(DOM "-500", DOM));
	assert_true(audit_sid_is_admin("S-1-5-32-544", DOM));
	assert_false(audit_sid_is_admin(DOM "-1105", DOM));
	assert_false(audit_sid_is_admin(DOM "-5120", DOM));
	assert_false(audit_sid_is_admin("S-1-5-21-1-2-3-512", DOM)); /* another domain's admins */
	assert_false(audit_sid_is_admin(NULL, DOM));
	assert_true(audit_os_pre_aes("Windows XP Professional"));
	assert_true(audit_os_pre_aes("Windows Server 2003"));
	assert_false(audit_os_pre_aes("Windows Server 2008 R2 Standard"));
	assert_false(audit_os_pre_aes("Windows 10 Pro"));
	assert_false(audit_os_pre_aes(NULL));
}

/* A healthy account: AES, logged on, a fresh password, created by an admin. */
static struct audit_acct *clean(struct audit_run *r, const char *name, unsigned rid)
{
	struct audit_acct *a = audit_add(r);
	char b[100];

	assert_non_null(a);
	snprintf(b, sizeof(b), "%s$", name);
	a->sam = strdup(b);
	snprintf(b, sizeof(b), "CN=%s,CN=Computers,DC=lab,DC=test", name);
	a->dn = strdup(b);
	snprintf(b, sizeof(b), "%s.lab.test", name);
	a->dns = strdup(b);
	snprintf(b, sizeof(b), DOM "-%u", rid);
	a->sid = strdup(b);
	a->owner_sid = strdup(DOM "-512");
	a->spn = calloc(2, sizeof(char *));
	snprintf(b, sizeof(b), "HOST/%s", name);
	a->spn[0] = strdup(b);
	snprintf(b, sizeof(b), "HOST/%s.lab.test", name);
	a->spn[1] = strdup(b);
	a->n_spn = 2;
	a->uac = 0x1000;
	a->pwdlastset = ft(NOW - 3 * 86400);
	a->lastlogon = ft(NOW - 5 * 86400);
	a->enctypes = 0x1c;
	a->kvno = 2;
	a->have = AH_UAC | AH_PWDLASTSET | AH_LASTLOGON | AH_ENCTYPES | AH_KVNO;
	return a;
}

static struct audit_run *new_run(void)
{
	struct audit_run *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	r->now = NOW;
	r->stale_days = 30;
	r->n_dc = 1;
	r->dc[0].primary = 1;
	r->dc[0].state = AUDIT_DC_READ;
	strcpy(r->dc[0].name, "dcb.lab.test");
	return r;
}

static void done(struct audit_run *r)
{
	audit_free(r);
	free(r);
}

static int has(const struct audit_acct *a, enum audit_kind k)
{
	return (a->kinds & (1u << k)) != 0;
}

static const char *msg(const struct audit_acct *a, enum audit_kind k)
{
	for (size_t i = 0; i < a->n_f; i++)
		if (a->f[i].kind == k)
			return a->f[i].message;
	return "";
}

static void test_clean(void **state)
{
	struct audit_run *r = new_run();

	(void)state;
	clean(r, "ok1", 1200);
	clean(r, "ok2", 1201);
	audit_judge(r);
	assert_int_equal(r->a[0].n_f, 0);
	assert_int_equal(r->a[1].n_f, 0);
	assert_int_equal(r->n_flagged, 0);
	for (unsigned k = 0; k < AK__COUNT; k++)
		assert_int_equal(r->count[k], 0);
	/* one DC: nothing compared, nothing "not compared" */
	assert_int_equal(r->n_compared, 0);
	assert_int_equal(r->n_not_compared, 0);
	done(r);
}

static void test_each_finding(void **state)
{
	struct audit_run *r = new_run();
	struct audit_acct *a;

	(void)state;
	r->stale_src = AUDIT_STALE_DEFAULT; /* the GPOs were read and none sets it */
	clean(r, "ok", 1100);
	a = clean(r, "stale", 1101);
	a->pwdlastset = ft(NOW - 31 * 86400);
	a = clean(r, "fresh30", 1102); /* 29 days: under the limit */
	a->pwdlastset = ft(NOW - 29 * 86400);
	a = clean(r, "neverset", 1103);
	a->pwdlastset = 0;
	a = clean(r, "disabled", 1104);
	a->uac |= 0x2;
	a = clean(r, "nologon", 1105);
	a->have &= ~AH_LASTLOGON;
	a = clean(r, "rc4only", 1106);
	a->enctypes = 0x4;
	a = clean(r, "xp", 1107);
	a->have &= ~AH_ENCTYPES;
	a->os = strdup("Windows XP Professional");
	a = clean(r, "unset", 1108);
	a->have &= ~AH_ENCTYPES;
	a->os = strdup("Windows 10 Pro");
	a = clean(r, "quota", 1109);
	a->creator_sid = strdup(DOM "-1150");
	free(a->owner_sid);
	a->owner_sid = strdup(DOM "-1150");
	a = clean(r, "owned", 1110);
	free(a->owner_sid);
	a->owner_sid = strdup(DOM "-1151");
	audit_judge(r);

	assert_int_equal(r->a[0].n_f, 0);
	assert_true(has(&r->a[1], AK_PASSWORD_STALE));
	assert_int_equal(r->a[1].n_f, 1);
	assert_non_null(strstr(msg(&r->a[1], AK_PASSWORD_STALE), "31 days old (limit 30 days, Windows' default; no domain GPO sets it)"));
	assert_int_equal(r->a[2].n_f, 0);
	assert_true(has(&r->a[3], AK_PASSWORD_STALE));
	assert_non_null(strstr(msg(&r->a[3], AK_PASSWORD_STALE), "never set"));
	assert_true(has(&r->a[4], AK_DISABLED));
	assert_int_equal(r->a[4].n_f, 1);
	assert_true(has(&r->a[5], AK_NEVER_LOGGED_ON));
	assert_int_equal(r->a[5].n_f, 1);
	assert_true(has(&r->a[6], AK_NO_AES));
	assert_int_equal(r->a[6].n_f, 1);
	assert_true(has(&r->a[7], AK_NO_AES));
	/* unset on a modern OS: a note, not a problem, and the account is not counted as flagged */
	assert_true(has(&r->a[8], AK_ENCTYPES_UNSET));
	assert_false(has(&r->a[8], AK_NO_AES));
	assert_true(has(&r->a[9], AK_NONADMIN_CREATOR));
	assert_non_null(strstr(msg(&r->a[9], AK_NONADMIN_CREATOR), DOM "-1150"));
	assert_int_equal(r->a[9].n_f, 1);
	assert_true(has(&r->a[10], AK_NONADMIN_CREATOR));
	assert_non_null(strstr(msg(&r->a[10], AK_NONADMIN_CREATOR), "owned by " DOM "-1151"));

	assert_int_equal(r->count[AK_PASSWORD_STALE], 2);
	assert_int_equal(r->count[AK_DISABLED], 1);
	assert_int_equal(r->count[AK_NEVER_LOGGED_ON], 1);
	assert_int_equal(r->count[AK_NO_AES], 2);
	assert_int_equal(r->count[AK_NONADMIN_CREATOR], 2);
	assert_int_equal(r->count[AK_ENCTYPES_UNSET], 1);
	assert_int_equal(r->count[AK_DUPLICATE_DNS], 0);
	assert_int_equal(r->n_flagged, 8);
	done(r);
}

/* The policy was not read (30 days assumed): a 45-day-old password is a lead, not a finding, and
 * the run is inconclusive; one older than any policy allows (999 days) is stale whatever it says. */
static void test_stale_assumed_is_not_a_finding(void **state)
{
	struct audit_run *r = new_run();
	struct audit_acct *a;
	char why[600];

	(void)state;
	r->stale_src = AUDIT_STALE_ASSUMED;
	strcpy(r->pol.reason, "SMB2 connect to dcb.lab.test: timed out");
	a = clean(r, "old45", 1100);
	a->pwdlastset = ft(NOW - 45 * 86400);
	audit_judge(r);
	assert_true(has(&r->a[0], AK_PASSWORD_STALE));
	assert_int_equal(r->n_flagged, 0);
	assert_int_equal(audit_verdict(r, why, sizeof(why)), AUDIT_INCONCLUSIVE);
	assert_non_null(strstr(why, "assumed"));
	done(r);

	r = new_run();
	r->stale_src = AUDIT_STALE_ASSUMED;
	a = clean(r, "old1200", 1101);
	a->pwdlastset = ft(NOW - 1200 * 86400);
	audit_judge(r);
	assert_int_equal(r->n_flagged, 1);
	assert_int_equal(audit_verdict(r, why, sizeof(why)), AUDIT_FINDINGS);
	done(r);
}

static void test_stale_option(void **state)
{
	struct audit_run *r = new_run();

	(void)state;
	r->stale_days = 0;
	r->stale_src = AUDIT_STALE_OPTION;
	clean(r, "a", 1100);
	audit_judge(r);
	assert_true(has(&r->a[0], AK_PASSWORD_STALE));
	assert_non_null(strstr(msg(&r->a[0], AK_PASSWORD_STALE), "limit 0 days, --stale-days"));
	done(r);
}

static void test_duplicates(void **state)
{
	struct audit_run *r = new_run();
	struct audit_acct *a;

	(void)state;
	clean(r, "one", 1100);
	a = clean(r, "two", 1101);
	free(a->dns);
	a->dns = strdup("ONE.lab.test"); /* case does not make it another name */
	a = clean(r, "three", 1102);
	free(a->spn[1]);
	a->spn[1] = strdup("host/one.LAB.test");
	clean(r, "four", 1103);
	a = clean(r, "five", 1104); /* the same SPN twice on one account is no duplicate */
	free(a->spn[1]);
	a->spn[1] = strdup("HOST/five");
	audit_judge(r);
	assert_true(has(&r->a[0], AK_DUPLICATE_DNS));
	assert_non_null(strstr(msg(&r->a[0], AK_DUPLICATE_DNS), "also on two$"));
	assert_true(has(&r->a[1], AK_DUPLICATE_DNS));
	assert_non_null(strstr(msg(&r->a[1], AK_DUPLICATE_DNS), "also on one$"));
	assert_false(has(&r->a[2], AK_DUPLICATE_DNS));
	assert_true(has(&r->a[0], AK_DUPLICATE_SPN));
	assert_true(has(&r->a[2], AK_DUPLICATE_SPN));
	assert_non_null(strstr(msg(&r->a[2], AK_DUPLICATE_SPN), "also on one$"));
	assert_false(has(&r->a[1], AK_DUPLICATE_SPN));
	assert_int_equal(r->a[3].n_f, 0);
	assert_int_equal(r->a[4].n_f, 0);
	assert_int_equal(r->count[AK_DUPLICATE_DNS], 2);
	assert_int_equal(r->count[AK_DUPLICATE_SPN], 2);
	done(r);
}

static void dcval(struct audit_dc *dc, const char *sid, int64_t kvno, int64_t pls)
{
	if (dc->n_v == dc->cap_v) {
		dc->cap_v = dc->cap_v ? dc->cap_v * 2 : 4;
		dc->v = realloc(dc->v, dc->cap_v * sizeof(*dc->v));
		assert_non_null(dc->v);
	}
	dc->v[dc->n_v].sid = strdup(sid);
	dc->v[dc->n_v].kvno = kvno;
	dc->v[dc->n_v].pwdlastset = pls;
	dc->v[dc->n_v].have = AH_KVNO | AH_PWDLASTSET;
	dc->n_v++;
}

static void test_cross_dc(void **state)
{
	struct audit_run *r = new_run();
	struct audit_dc *d1 = &r->dc[1], *d2 = &r->dc[2];

	(void)state;
	r->n_dc = 3;
	strcpy(d1->name, "dc1.lab.test");
	d1->state = AUDIT_DC_READ;
	strcpy(d2->name, "dc9.lab.test");
	d2->state = AUDIT_DC_FAILED;
	strcpy(d2->reason, "LDAP connect refused");
	clean(r, "same", 1100);
	clean(r, "kvno", 1101);
	clean(r, "pls", 1102);
	clean(r, "gone", 1103);
	dcval(d1, DOM "-1102", 2, ft(NOW - 4 * 86400));
	dcval(d1, DOM "-1100", 2, ft(NOW - 3 * 86400));
	dcval(d1, DOM "-1101", 1, ft(NOW - 3 * 86400));
	dcval(d1, DOM "-1999", 1, ft(NOW)); /* only on dc1 */
	/* a failed DC's partial values are never compared */
	dcval(d2, DOM "-1100", 7, 0);
	audit_judge(r);
	assert_int_equal(r->a[0].n_f, 0);
	assert_true(has(&r->a[1], AK_DC_DIFFERS));
	assert_string_equal(msg(&r->a[1], AK_DC_DIFFERS),
			    "msDS-KeyVersionNumber is 2 on dcb.lab.test but 1 on dc1.lab.test");
	assert_true(has(&r->a[2], AK_DC_DIFFERS));
	assert_non_null(strstr(msg(&r->a[2], AK_DC_DIFFERS), "pwdLastSet is "));
	assert_non_null(strstr(msg(&r->a[2], AK_DC_DIFFERS), "on dc1.lab.test"));
	assert_true(has(&r->a[3], AK_DC_DIFFERS));
	assert_non_null(strstr(msg(&r->a[3], AK_DC_DIFFERS), "not on dc1.lab.test"));
	assert_int_equal(r->count[AK_DC_DIFFERS], 3);
	assert_int_equal(r->n_compared, 1);
	assert_int_equal(r->n_not_compared, 1);
	assert_int_equal(d1->n_only_here, 1);
	done(r);
}

/* A DC that was read and has none of the accounts (and an empty run): every account "not on" it. */
static void test_empty_dc(void **state)
{
	struct audit_run *r = new_run();

	(void)state;
	r->n_dc = 2;
	strcpy(r->dc[1].name, "dc1.lab.test");
	r->dc[1].state = AUDIT_DC_READ;
	audit_judge(r); /* no accounts, no values: nothing to sort, nothing found */
	assert_int_equal(r->n_flagged, 0);
	assert_int_equal(r->n_compared, 1);
	clean(r, "a", 1100);
	audit_judge(r);
	assert_true(has(&r->a[0], AK_DC_DIFFERS));
	assert_non_null(strstr(msg(&r->a[0], AK_DC_DIFFERS), "not on dc1.lab.test"));
	done(r);
}

/* A DC slot nobody filled in (state 0) is "not compared", never "agrees". */
static void test_zeroed_dc_is_not_compared(void **state)
{
	struct audit_run *r = new_run();

	(void)state;
	r->n_dc = 2;
	strcpy(r->dc[1].name, "dc1.lab.test");
	clean(r, "a", 1100);
	audit_judge(r);
	assert_int_equal(r->n_compared, 0);
	assert_int_equal(r->n_not_compared, 1);
	assert_int_equal(r->a[0].n_f, 0);
	done(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sid),
		cmocka_unit_test(test_sd_owner),
		cmocka_unit_test(test_admin_sids),
		cmocka_unit_test(test_clean),
		cmocka_unit_test(test_each_finding),
		cmocka_unit_test(test_stale_option),
		cmocka_unit_test(test_stale_assumed_is_not_a_finding),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_cross_dc),
		cmocka_unit_test(test_zeroed_dc_is_not_compared),
		cmocka_unit_test(test_empty_dc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
