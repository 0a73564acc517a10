/*
 * tests/unit/test_rjoin.c - the pure parts of src/trust/rjoin.c: binary SIDs,
 * the owner of a security descriptor, the KB5020276 account-reuse rule, and
 * the words and exit categories for the members' WERRORs; the DCs' allow list
 * ("Domain controller: Allow computer account re-use during domain join") as
 * the preflight weighs it, and gpolicy's decision of which GPO sets it.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "gpolicy.h"
#include "rjoin.h"
#include "sddl.h"
#include "sweep.h"

/* S-1-5-21-1382756596-3300569706-2107566662-1104 */
static const uint8_t sid_bin[] = { 1, 5, 0, 0, 0, 0, 0, 5, 21, 0, 0, 0, 0xf4, 0x30, 0x6b, 0x52, 0x6a, 0xb2, 0xba, 0xc4,
				   0x46, 0xea, 0x9e, 0x7d, 0x50, 0x04, 0, 0 };
#define DOM "S-1-5-21-1382756596-3300569706-2107566662"

static int dec_sid(const uint8_t *b, size_t n, void *ctx)
{
	char out[192];
	(void)ctx;
	return rjoin_sid_str(b, n, out, sizeof(out));
}

static void test_sid(void **state)
{
	char out[192];

	(void)state;
	assert_int_equal(rjoin_sid_str(sid_bin, sizeof(sid_bin), out, sizeof(out)), 0);
	assert_string_equal(out, DOM "-1104");
	assert_int_equal(sweep_truncations(sid_bin, sizeof(sid_bin), dec_sid, NULL), 0);
	sweep_bitflips(sid_bin, sizeof(sid_bin), dec_sid, NULL);
	/* too small an output buffer: refused, not cut */
	assert_int_equal(rjoin_sid_str(sid_bin, sizeof(sid_bin), out, 20), -1);
	assert_string_equal(out, "");
}

static int dec_sd(const uint8_t *b, size_t n, void *ctx)
{
	char out[192];
	(void)ctx;
	return rjoin_sd_owner(b, n, out, sizeof(out));
}

static void test_sd_owner(void **state)
{
	/* self-relative SD: rev 1, control 0x8004 (SE_SELF_RELATIVE | SE_DACL_PRESENT), owner at 20, no group/SACL/DACL */
	uint8_t sd[20 + sizeof(sid_bin)] = { 1, 0, 0x04, 0x80, 20, 0, 0, 0 };
	char out[192];

	(void)state;
	memcpy(sd + 20, sid_bin, sizeof(sid_bin));
	assert_int_equal(rjoin_sd_owner(sd, sizeof(sd), out, sizeof(out)), 0);
	assert_string_equal(out, DOM "-1104");
	assert_int_equal(sweep_truncations(sd, sizeof(sd), dec_sd, NULL), 0);
	sweep_bitflips(sd, sizeof(sd), dec_sd, NULL);
	sd[4] = 0; /* no owner */
	assert_int_equal(rjoin_sd_owner(sd, sizeof(sd), out, sizeof(out)), -1);
	sd[4] = 20;
	sd[3] = 0; /* not self-relative */
	assert_int_equal(rjoin_sd_owner(sd, sizeof(sd), out, sizeof(out)), -1);
}

static void test_admin_groups(void **state)
{
	(void)state;
	assert_true(rjoin_sid_is_admin_group(DOM "-512"));
	assert_true(rjoin_sid_is_admin_group(DOM "-519"));
	assert_true(rjoin_sid_is_admin_group("S-1-5-32-544"));
	assert_false(rjoin_sid_is_admin_group(DOM "-513"));
	assert_false(rjoin_sid_is_admin_group(DOM "-1512"));
	assert_false(rjoin_sid_is_admin_group(DOM "-5120"));
	assert_false(rjoin_sid_is_admin_group("S-1-5-32-545"));
	assert_false(rjoin_sid_is_admin_group("S-1-5-18"));
	assert_false(rjoin_sid_is_admin_group(""));
}

static void test_reuse_rule(void **state)
{
	struct rjoin_acct a;
	const char *why = NULL;

	(void)state;
	memset(&a, 0, sizeof(a));
	a.creator_admin = -1;
	assert_int_equal(rjoin_reuse_rule(&a, DOM "-500", &why), RJ_REUSE_NEW);
	a.exists = 1;
	/* nothing known about who made it: unknown, refused by the caller */
	assert_int_equal(rjoin_reuse_rule(&a, DOM "-500", &why), RJ_REUSE_UNKNOWN);
	/* no creator SID, owned by Domain Admins: an administrator made it */
	strcpy(a.owner_sid, DOM "-512");
	assert_int_equal(rjoin_reuse_rule(&a, DOM "-1105", &why), RJ_REUSE_ADMIN_CREATED);
	/* created by a plain user through ms-DS-MachineAccountQuota */
	strcpy(a.creator_sid, DOM "-1104");
	strcpy(a.owner_sid, DOM "-1104");
	a.creator_admin = 0;
	assert_int_equal(rjoin_reuse_rule(&a, DOM "-1104", &why), RJ_REUSE_SAME_CREATOR);
	assert_int_equal(rjoin_reuse_rule(&a, DOM "-500", &why), RJ_REUSE_BLOCKED);
	assert_non_null(strstr(why, "0xAAC"));
	/* the joiner's SID unknown: only the admin rule can allow it */
	assert_int_equal(rjoin_reuse_rule(&a, "", &why), RJ_REUSE_BLOCKED);
	/* the creator is in Domain Admins (tokenGroups) */
	a.creator_admin = 1;
	assert_int_equal(rjoin_reuse_rule(&a, DOM "-500", &why), RJ_REUSE_ADMIN_CREATED);
	/* the creator's groups could not be read */
	a.creator_admin = -1;
	assert_int_equal(rjoin_reuse_rule(&a, DOM "-500", &why), RJ_REUSE_UNKNOWN);
	/* the creator SID wins over the owner: owned by admins, created by a plain user */
	strcpy(a.owner_sid, DOM "-512");
	a.creator_admin = 0;
	assert_int_equal(rjoin_reuse_rule(&a, DOM "-500", &why), RJ_REUSE_BLOCKED);
}

static void test_werrors(void **state)
{
	static const struct {
		uint32_t w;
		enum nlt_cat cat;
		const char *word;
	} t[] = {
		{ 0, NLT_OK, "WERR_OK" },
		{ 5, NLT_EAUTH, "ACCESS_DENIED" },
		{ 0xaac, NLT_EPROBLEM, "0xAAC" },
		{ 2691, NLT_EPROBLEM, "NERR_SetupAlreadyJoined" },
		{ 2692, NLT_EPROBLEM, "NERR_SetupNotJoined" },
		{ 2694, NLT_EPROBLEM, "NERR_DefaultJoinRequired" },
		{ 1355, NLT_ENODC, "cannot find a DC" },
		{ 2453, NLT_ENODC, "NERR_DCNotFound" },
		{ 86, NLT_EAUTH, "ERROR_INVALID_PASSWORD" },
		{ 1326, NLT_EAUTH, "ERROR_LOGON_FAILURE" },
		{ 50, NLT_EPROTO, "ERROR_NOT_SUPPORTED" },
		{ 0x12345678, NLT_EPROTO, "" },
	};
	enum nlt_cat cat;

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const char *why = rjoin_werror_why(t[i].w, &cat);
		assert_int_equal(cat, t[i].cat);
		if (t[i].word[0])
			assert_non_null(strstr(why, t[i].word));
		else
			assert_string_equal(why, "");
	}
}

static void test_password_new(void **state)
{
	struct rjoin_acct b, a;

	(void)state;
	memset(&b, 0, sizeof(b));
	memset(&a, 0, sizeof(a));
	b.exists = a.exists = 1;
	b.have_kvno = a.have_kvno = b.have_pls = a.have_pls = 1;
	b.kvno = a.kvno = 4;
	b.pwd_last_set = a.pwd_last_set = 134000000000000000LL;
	assert_int_equal(rjoin_password_new(&b, &a), 0); /* nothing moved: not confirmed */
	a.kvno = 5;
	assert_int_equal(rjoin_password_new(&b, &a), 1);
	a.kvno = 4;
	a.pwd_last_set++;
	assert_int_equal(rjoin_password_new(&b, &a), 1);
	/* an older value or an unread one is no proof */
	a.pwd_last_set = b.pwd_last_set - 1;
	a.have_kvno = 0;
	a.kvno = 9;
	assert_int_equal(rjoin_password_new(&b, &a), 0);
	/* gone after the join: never new */
	a.exists = 0;
	a.pwd_last_set = b.pwd_last_set + 10;
	assert_int_equal(rjoin_password_new(&b, &a), 0);
	/* created by the join: a password set at all */
	b.exists = 0;
	a.exists = 1;
	assert_int_equal(rjoin_password_new(&b, &a), 1);
	a.pwd_last_set = 0;
	assert_int_equal(rjoin_password_new(&b, &a), 0);
}

static void test_guess_sam(void **state)
{
	char sam[32];

	(void)state;
	rjoin_guess_sam("ws1.lab.test", sam, sizeof(sam));
	assert_string_equal(sam, "WS1$");
	rjoin_guess_sam("WS1", sam, sizeof(sam));
	assert_string_equal(sam, "WS1$");
	/* an address names no account: the member's own answer decides */
	rjoin_guess_sam("198.18.0.20", sam, sizeof(sam));
	assert_string_equal(sam, "");
	rjoin_guess_sam("fe80::1", sam, sizeof(sam));
	assert_string_equal(sam, "");
	/* longer than a NetBIOS name, empty, odd: no guess */
	rjoin_guess_sam("averyveryverylonghostname.lab.test", sam, sizeof(sam));
	assert_string_equal(sam, "");
	rjoin_guess_sam(".lab.test", sam, sizeof(sam));
	assert_string_equal(sam, "");
	rjoin_guess_sam("a b.lab.test", sam, sizeof(sam));
	assert_string_equal(sam, "");
}

/* ---- KB5020276's allow list: "Domain controller: Allow computer account re-use during domain join" ---- */

#define JOE DOM "-1104"

/* an account a plain user (JOE) created and owns, joined by the domain Administrator: the rule blocks */
static void blocked_acct(struct rjoin_acct *a)
{
	memset(a, 0, sizeof(*a));
	a->read = a->exists = 1;
	strcpy(a->creator_sid, JOE);
	strcpy(a->owner_sid, JOE);
	a->creator_admin = 0;
}

static struct sddl_sd pol_sd;

static void set_pol(struct rjoin_reuse_pol *p, const char *sddl)
{
	memset(p, 0, sizeof(*p));
	assert_int_equal(sddl_dec(sddl, strlen(sddl), DOM, &pol_sd), WIRE_OK);
	p->state = RJ_POL_SET;
	p->gpo = "Default Domain Controllers Policy";
	p->sd = &pol_sd;
}

static void test_reuse_policy_allows_owner(void **state)
{
	struct rjoin_acct a;
	struct rjoin_reuse_pol p;
	char why[1200];

	(void)state;
	blocked_acct(&a);
	set_pol(&p, "O:BAG:BAD:(A;;RC;;;" JOE ")");
	assert_int_equal(rjoin_reuse_with_policy(&a, DOM "-500", &p, why, sizeof(why)), RJ_REUSE_POLICY_ALLOWED);
	assert_non_null(strstr(why, "allowed by the DC policy \"Domain controller: Allow computer account re-use during "
				    "domain join\" in GPO 'Default Domain Controllers Policy'"));
	assert_non_null(strstr(why, "owner " JOE));
	/* through a group of the owner, as read from its tokenGroups; DU resolved with the domain SID */
	{
		static const char groups[2][192] = { DOM "-513", DOM "-1300" };
		set_pol(&p, "O:BAG:BAD:(A;;RC;;;" DOM "-1300)");
		p.owner_groups_read = 1;
		p.owner_groups = groups;
		p.n_owner_groups = 2;
		assert_int_equal(rjoin_reuse_with_policy(&a, DOM "-500", &p, why, sizeof(why)), RJ_REUSE_POLICY_ALLOWED);
		assert_non_null(strstr(why, "through " DOM "-1300"));
		set_pol(&p, "O:BAG:BAD:(A;;RC;;;DU)");
		p.owner_groups_read = 1;
		p.owner_groups = groups;
		p.n_owner_groups = 2;
		assert_int_equal(rjoin_reuse_with_policy(&a, DOM "-500", &p, why, sizeof(why)), RJ_REUSE_POLICY_ALLOWED);
	}
	/* Everyone names every owner */
	set_pol(&p, "D:(A;;RC;;;WD)");
	assert_int_equal(rjoin_reuse_with_policy(&a, DOM "-500", &p, why, sizeof(why)), RJ_REUSE_POLICY_ALLOWED);
}

static void test_reuse_policy_owner_not_listed(void **state)
{
	static const char groups[1][192] = { DOM "-513" };
	struct rjoin_acct a;
	struct rjoin_reuse_pol p;
	char why[1200];

	(void)state;
	blocked_acct(&a);
	/* another SID, the owner's groups read: still refused, and why says so */
	set_pol(&p, "O:BAG:BAD:(A;;RC;;;" DOM "-1106)");
	p.owner_groups_read = 1;
	p.owner_groups = groups;
	p.n_owner_groups = 1;
	assert_int_equal(rjoin_reuse_with_policy(&a, DOM "-500", &p, why, sizeof(why)), RJ_REUSE_BLOCKED);
	assert_non_null(strstr(why, "0xAAC"));
	assert_non_null(strstr(why, "names neither the account's owner " JOE));
	/* the owner's groups not read: it might be in DOM-1106, so unknown (refused), never allowed */
	p.owner_groups_read = 0;
	assert_int_equal(rjoin_reuse_with_policy(&a, DOM "-500", &p, why, sizeof(why)), RJ_REUSE_UNKNOWN);
	assert_non_null(strstr(why, "the owner's groups were not read"));
	/* the list is about the OWNER: naming the creator does not help when someone else owns the account */
	strcpy(a.owner_sid, DOM "-1107");
	set_pol(&p, "O:BAG:BAD:(A;;RC;;;" JOE ")");
	p.owner_groups_read = 1;
	p.owner_groups = groups;
	p.n_owner_groups = 1;
	assert_int_equal(rjoin_reuse_with_policy(&a, DOM "-500", &p, why, sizeof(why)), RJ_REUSE_BLOCKED);
	/* a deny for the owner wins over an allow for everyone */
	blocked_acct(&a);
	set_pol(&p, "D:(A;;RC;;;WD)(D;;RC;;;" JOE ")");
	assert_int_equal(rjoin_reuse_with_policy(&a, DOM "-500", &p, why, sizeof(why)), RJ_REUSE_BLOCKED);
	assert_non_null(strstr(why, "denies the account's owner"));
	/* a condition we do not evaluate: unknown */
	set_pol(&p, "D:(A;;RC;;;" JOE ")(XD;;RC;;;WD;(Member_of {SID(BA)}))");
	assert_int_equal(rjoin_reuse_with_policy(&a, DOM "-500", &p, why, sizeof(why)), RJ_REUSE_UNKNOWN);
	/* a relative alias without the domain SID cannot be matched: unknown, not allowed */
	memset(&p, 0, sizeof(p));
	assert_int_equal(sddl_dec("D:(A;;RC;;;DU)", 14, NULL, &pol_sd), WIRE_OK);
	p.state = RJ_POL_SET;
	p.gpo = "G";
	p.sd = &pol_sd;
	p.owner_groups_read = 1;
	p.owner_groups = groups;
	p.n_owner_groups = 1;
	assert_int_equal(rjoin_reuse_with_policy(&a, DOM "-500", &p, why, sizeof(why)), RJ_REUSE_UNKNOWN);
	/* the owner unreadable: the list cannot be applied */
	a.owner_sid[0] = '\0';
	set_pol(&p, "D:(A;;RC;;;WD)");
	assert_int_equal(rjoin_reuse_with_policy(&a, DOM "-500", &p, why, sizeof(why)), RJ_REUSE_UNKNOWN);
}

static void test_reuse_policy_unread(void **state)
{
	struct rjoin_acct a;
	struct rjoin_reuse_pol p;
	char why[1200];

	(void)state;
	blocked_acct(&a);
	/* the policy could not be read: still refused, and why says it was not read and why */
	memset(&p, 0, sizeof(p));
	p.state = RJ_POL_UNREADABLE;
	p.why = "SMB2 dc1.lab.test (198.18.0.10:445): connection refused";
	assert_int_equal(rjoin_reuse_with_policy(&a, DOM "-500", &p, why, sizeof(why)), RJ_REUSE_BLOCKED);
	assert_non_null(strstr(why, "0xAAC"));
	assert_non_null(strstr(why, "was not read, so it cannot allow the reuse: SMB2 dc1.lab.test (198.18.0.10:445): "
				    "connection refused"));
	/* read, set by no GPO */
	p.state = RJ_POL_UNSET;
	p.why = "no GPO linked on the domain or on OU=Domain Controllers,DC=lab,DC=test sets it";
	assert_int_equal(rjoin_reuse_with_policy(&a, DOM "-500", &p, why, sizeof(why)), RJ_REUSE_BLOCKED);
	assert_non_null(strstr(why, "is not set (no GPO linked"));
	/* not looked at (NULL or NOT_READ): the rule's answer and reason alone */
	assert_int_equal(rjoin_reuse_with_policy(&a, DOM "-500", NULL, why, sizeof(why)), RJ_REUSE_BLOCKED);
	assert_null(strstr(why, "policy"));
	/* the rule allows: the policy does not matter, even one that denies */
	a.creator_admin = 1;
	set_pol(&p, "D:(D;;RC;;;WD)");
	assert_int_equal(rjoin_reuse_with_policy(&a, DOM "-500", &p, why, sizeof(why)), RJ_REUSE_ADMIN_CREATED);
	a.creator_admin = -1;
	assert_int_equal(rjoin_reuse_with_policy(&a, DOM "-500", &p, why, sizeof(why)), RJ_REUSE_UNKNOWN);
	assert_int_equal(rjoin_reuse_with_policy(&a, JOE, &p, why, sizeof(why)), RJ_REUSE_SAME_CREATOR);
}

/* gpolicy's decision for the allow list (pure): the first GPO in precedence order that sets it */
static struct gpo_reuse_policy rp;

static void rp_gpo(size_t i, int gstate, enum sddl_val_state v, const char *text)
{
	memset(&rp.gpo[i], 0, sizeof(rp.gpo[i]));
	snprintf(rp.gpo[i].g.name, sizeof(rp.gpo[i].g.name), "GPO%zu", i);
	rp.gpo[i].g.state = gstate;
	rp.gpo[i].val = v;
	snprintf(rp.gpo[i].text, sizeof(rp.gpo[i].text), "%s", text ? text : "");
	strcpy(rp.gpo[i].g.note, "STATUS_ACCESS_DENIED");
	if (rp.n_gpo < i + 1)
		rp.n_gpo = i + 1;
}

static void test_reuse_policy_decide(void **state)
{
	(void)state;
	memset(&rp, 0, sizeof(rp));
	strcpy(rp.domain_sid, DOM);
	strcpy(rp.dc_ou, "OU=Domain Controllers,DC=lab,DC=test");
	rp_gpo(0, AUDIT_GPO_NO_TEMPLATE, SDDL_VAL_UNSET, NULL);
	rp_gpo(1, AUDIT_GPO_READ, SDDL_VAL_UNSET, NULL);
	rp_gpo(2, AUDIT_GPO_READ, SDDL_VAL_SET, "O:BAG:BAD:(A;;RC;;;DU)");
	rp_gpo(3, AUDIT_GPO_FAILED, SDDL_VAL_UNSET, NULL); /* below the decider: does not matter */
	gpo_reuse_decide(&rp);
	assert_int_equal(rp.state, GPO_REUSE_SET);
	assert_int_equal(rp.decider, 2);
	assert_int_equal(rp.sd.n_ace, 1);
	assert_string_equal(rp.sd.ace[0].sid, DOM "-513");
	/* a GPO that could not be read, ahead of the one that sets it: undecided, named */
	rp.state = GPO_REUSE_NOT_READ;
	rp_gpo(1, AUDIT_GPO_FAILED, SDDL_VAL_UNSET, NULL);
	gpo_reuse_decide(&rp);
	assert_int_equal(rp.state, GPO_REUSE_FAILED);
	assert_int_equal(rp.decider, -1);
	assert_non_null(strstr(rp.reason, "GPO 'GPO1'"));
	assert_non_null(strstr(rp.reason, "STATUS_ACCESS_DENIED"));
	/* a bad value, or SDDL that does not decode: undecided */
	rp.state = GPO_REUSE_NOT_READ;
	rp_gpo(1, AUDIT_GPO_READ, SDDL_VAL_BAD, NULL);
	gpo_reuse_decide(&rp);
	assert_int_equal(rp.state, GPO_REUSE_FAILED);
	assert_non_null(strstr(rp.reason, "not 1,\"SDDL\""));
	rp.state = GPO_REUSE_NOT_READ;
	rp_gpo(1, AUDIT_GPO_READ, SDDL_VAL_SET, "O:BAG:BAD:(A;;RC;;;ZZ)");
	gpo_reuse_decide(&rp);
	assert_int_equal(rp.state, GPO_REUSE_FAILED);
	assert_non_null(strstr(rp.reason, "cannot be read"));
	/* none sets it */
	memset(&rp, 0, sizeof(rp));
	strcpy(rp.dc_ou, "OU=Domain Controllers,DC=lab,DC=test");
	rp_gpo(0, AUDIT_GPO_READ, SDDL_VAL_UNSET, NULL);
	rp_gpo(1, AUDIT_GPO_SKIPPED, SDDL_VAL_UNSET, NULL);
	gpo_reuse_decide(&rp);
	assert_int_equal(rp.state, GPO_REUSE_UNSET);
	assert_non_null(strstr(rp.reason, "OU=Domain Controllers,DC=lab,DC=test"));
	/* failed before any GPO (LDAP, SMB): stays failed */
	rp.state = GPO_REUSE_FAILED;
	strcpy(rp.reason, "LDAP down");
	gpo_reuse_decide(&rp);
	assert_int_equal(rp.state, GPO_REUSE_FAILED);
	assert_string_equal(rp.reason, "LDAP down");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sid),
		cmocka_unit_test(test_sd_owner),
		cmocka_unit_test(test_admin_groups),
		cmocka_unit_test(test_reuse_rule),
		cmocka_unit_test(test_werrors),
		cmocka_unit_test(test_password_new),
		cmocka_unit_test(test_guess_sam),
		cmocka_unit_test(test_reuse_policy_allows_owner),
		cmocka_unit_test(test_reuse_policy_owner_not_listed),
		cmocka_unit_test(test_reuse_policy_unread),
		cmocka_unit_test(test_reuse_policy_decide),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
