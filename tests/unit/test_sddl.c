/*
 * tests/unit/test_sddl.c - proto/sddl.c: the SDDL of "Domain controller: Allow computer account
 * re-use during domain join" (ACE kinds and SIDs, aliases with and without the domain SID,
 * conditions, malformed text), and the value as a GptTmpl.inf holds it (ANSI and UTF-16LE, quoted
 * and bare, the wrong type, outside [Registry Values], the last occurrence, non-ASCII, too long);
 * every prefix and every bit flip of both golden inputs.
 *
 * The golden template is the Group Policy editor's layout (BOM, CRLF, [Unicode], [Version]) with
 * the line written the way secedit writes RestrictRemoteSAM, the other SDDL security option
 * (1,"O:BAG:BAD:(A;;RC;;;BA)"); the allow-list value is SDDL of the same shape (MS-SAMR 3.1.1.12).
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

#include "sddl.h"
#include "sweep.h"

#define DOM "S-1-5-21-1004336348-1177238915-682003330"
#define JOE DOM "-1105"
#define LINE "MACHINE\\System\\CurrentControlSet\\Control\\SAM\\ComputerAccountReuseAllowList="
#define GOLDEN_SDDL "O:BAG:BAD:(A;;RC;;;" JOE ")(A;;RC;;;DA)"

static const char TEMPLATE_TEXT[] =
	"[Unicode]\r\nUnicode=yes\r\n[Version]\r\nsignature=\"$CHICAGO$\"\r\nRevision=1\r\n"
	"[Registry Values]\r\n"
	"MACHINE\\System\\CurrentControlSet\\Control\\Lsa\\RestrictRemoteSAM=1,\"O:BAG:BAD:(A;;RC;;;BA)\"\r\n"
	LINE "1,\"" GOLDEN_SDDL "\"\r\n"
	"MACHINE\\System\\CurrentControlSet\\Services\\Netlogon\\Parameters\\MaximumPasswordAge=4,30\r\n";

static uint8_t *utf16(const char *s, size_t *len)
{
	size_t n = strlen(s);
	uint8_t *o = malloc(2 + 2 * n);

	assert_non_null(o);
	o[0] = 0xff;
	o[1] = 0xfe;
	for (size_t i = 0; i < n; i++) {
		o[2 + 2 * i] = (uint8_t)s[i];
		o[3 + 2 * i] = 0;
	}
	*len = 2 + 2 * n;
	return o;
}

static struct sddl_sd sd;
static struct sddl_reuse_val rv;

static int dec(const char *s, const char *dom)
{
	return sddl_dec(s, strlen(s), dom, &sd);
}

static int val(const char *s)
{
	return sddl_dec_reuse_value((const uint8_t *)s, strlen(s), &rv);
}

static void test_sid_canon(void **state)
{
	char b[SDDL_SID_MAX];

	(void)state;
	assert_int_equal(sddl_sid_canon("S-1-5-32-544", 12, b, sizeof(b)), 0);
	assert_string_equal(b, "S-1-5-32-544");
	assert_int_equal(sddl_sid_canon("s-1-5-21-01-2-3-500", 19, b, sizeof(b)), 0);
	assert_string_equal(b, "S-1-5-21-1-2-3-500"); /* leading zeros and the case made canonical */
	assert_int_equal(sddl_sid_canon("S-1-5-21-4294967295", 19, b, sizeof(b)), 0);
	assert_int_equal(sddl_sid_canon("S-1-5-21-4294967296", 19, b, sizeof(b)), -1);
	assert_int_equal(sddl_sid_canon("S-1-5", 5, b, sizeof(b)), -1);      /* no sub-authority */
	assert_int_equal(sddl_sid_canon("S-1-5-", 6, b, sizeof(b)), -1);
	assert_int_equal(sddl_sid_canon("S-2-5-32", 8, b, sizeof(b)), -1);   /* revision 1 only */
	assert_int_equal(sddl_sid_canon("S-1-281474976710656-1", 21, b, sizeof(b)), -1); /* authority >= 2^48 */
	assert_int_equal(sddl_sid_canon("S-1-5-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15", 41, b, sizeof(b)), 0);
	assert_int_equal(sddl_sid_canon("S-1-5-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15-16", 44, b, sizeof(b)), -1);
	assert_int_equal(sddl_sid_canon("S-1-5-32-544", 12, b, 8), -1); /* does not fit */
	assert_string_equal(b, "");
}

static void test_golden(void **state)
{
	(void)state;
	assert_int_equal(dec(GOLDEN_SDDL, DOM), WIRE_OK);
	assert_string_equal(sd.owner, "S-1-5-32-544");
	assert_string_equal(sd.group, "S-1-5-32-544");
	assert_int_equal(sd.have_dacl, 1);
	assert_int_equal(sd.n_ace, 2);
	assert_int_equal(sd.ace[0].kind, SDDL_ACE_ALLOW);
	assert_string_equal(sd.ace[0].sid, JOE);
	assert_string_equal(sd.ace[0].alias, "");
	assert_int_equal(sd.ace[1].kind, SDDL_ACE_ALLOW);
	assert_string_equal(sd.ace[1].alias, "DA");
	assert_string_equal(sd.ace[1].sid, DOM "-512");
	/* without the domain SID a relative alias stays unresolved: it can never match an owner */
	assert_int_equal(dec(GOLDEN_SDDL, NULL), WIRE_OK);
	assert_string_equal(sd.ace[1].alias, "DA");
	assert_string_equal(sd.ace[1].sid, "");
}

static void test_kinds(void **state)
{
	(void)state;
	assert_int_equal(dec("D:P(A;;RC;;;BA)(D;;RC;;;" JOE ")(OA;CI;CR;00299570-246d-11d0-a768-00aa006e0529;;AU)"
			     "(XA;;RC;;;WD;(Member_of {SID(BA)}))(AU;SA;RC;;;WD)S:(AU;FA;RC;;;WD)", DOM), WIRE_OK);
	assert_string_equal(sd.owner, "");
	assert_int_equal(sd.dacl_flags, SDDL_DACL_PROTECTED);
	assert_int_equal(sd.n_ace, 5); /* the SACL's ACE is not kept */
	assert_int_equal(sd.ace[0].kind, SDDL_ACE_ALLOW);
	assert_int_equal(sd.ace[1].kind, SDDL_ACE_DENY);
	assert_string_equal(sd.ace[1].sid, JOE);
	assert_int_equal(sd.ace[2].kind, SDDL_ACE_ALLOW);
	assert_string_equal(sd.ace[2].sid, "S-1-5-11");
	assert_int_equal(sd.ace[3].kind, SDDL_ACE_COND);
	assert_string_equal(sd.ace[3].sid, "S-1-1-0");
	assert_int_equal(sd.ace[4].kind, SDDL_ACE_OTHER);
	/* forest-root aliases are never resolved here */
	assert_int_equal(dec("D:(A;;RC;;;EA)(A;;RC;;;SA)", DOM), WIRE_OK);
	assert_string_equal(sd.ace[0].sid, "");
	assert_string_equal(sd.ace[1].sid, "");
	/* blanks around the text; an empty DACL; a NULL DACL */
	assert_int_equal(dec("  O:SYD:  \r\n", DOM), WIRE_OK);
	assert_string_equal(sd.owner, "S-1-5-18");
	assert_int_equal(sd.n_ace, 0);
	assert_int_equal(dec("D:NO_ACCESS_CONTROL", DOM), WIRE_OK);
	assert_int_equal(sd.dacl_flags, SDDL_DACL_NO_ACCESS);
	assert_int_equal(dec("D:AI(A;;0x1f01ff;;;BA)", DOM), WIRE_OK);
	assert_int_equal(sd.dacl_flags, SDDL_DACL_AUTO_INHERIT);
}

static void test_malformed(void **state)
{
	static const char *const bad[] = {
		"",                              /* nothing */
		"   ",
		"X:BA",                          /* no such part */
		"G:BAO:BA",                      /* out of order */
		"O:BAO:BA",                      /* twice */
		"O:ZZ",                          /* unknown alias */
		"O:ba",                          /* aliases are upper case */
		"O:S-1-5",                       /* no sub-authority */
		"D:(A;;RC;;;BA",                 /* unclosed */
		"D:(A;;RC;;BA)",                 /* five fields */
		"D:(Q;;RC;;;BA)",                /* unknown type */
		"D:(a;;RC;;;BA)",                /* types are upper case */
		"D:(A;;RC;;;)",                  /* no SID */
		"D:(A;;R C;;;BA)",               /* a blank inside */
		"D:(A;;RC;;;BA)x",               /* trailing text */
		"D:(A;;RC;;;BAX)",               /* text after the SID */
		"D:(A;;RC;;;S-1-5-21-1-2-3-x)",
		"O:BA G:BA",                     /* a blank between parts */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = dec(bad[i], DOM);
		if (rc == WIRE_OK)
			fail_msg("accepted: '%s'", bad[i]);
	}
	assert_int_equal(sddl_dec(NULL, 0, DOM, &sd), WIRE_EBAD);
}

static void test_limit(void **state)
{
	char s[SDDL_MAX_ACES * 16 + 64];
	size_t p = 0;

	(void)state;
	p += (size_t)snprintf(s + p, sizeof(s) - p, "D:");
	for (int i = 0; i < SDDL_MAX_ACES; i++)
		p += (size_t)snprintf(s + p, sizeof(s) - p, "(A;;RC;;;BA)");
	assert_int_equal(dec(s, DOM), WIRE_OK);
	assert_int_equal(sd.n_ace, SDDL_MAX_ACES);
	snprintf(s + p, sizeof(s) - p, "(A;;RC;;;BU)");
	assert_int_equal(dec(s, DOM), WIRE_ELIMIT);
}

static void test_value(void **state)
{
	uint8_t *u;
	size_t ul;

	(void)state;
	assert_int_equal(val(TEMPLATE_TEXT), WIRE_OK);
	assert_int_equal(rv.state, SDDL_VAL_SET);
	assert_string_equal(rv.text, GOLDEN_SDDL);
	assert_int_equal(rv.len, strlen(GOLDEN_SDDL));
	assert_int_equal(rv.utf16, 0);
	u = utf16(TEMPLATE_TEXT, &ul);
	assert_int_equal(sddl_dec_reuse_value(u, ul, &rv), WIRE_OK);
	assert_int_equal(rv.state, SDDL_VAL_SET);
	assert_int_equal(rv.utf16, 1);
	assert_string_equal(rv.text, GOLDEN_SDDL);
	assert_int_equal(sddl_dec_reuse_value(u, ul - 1, &rv), WIRE_EBAD); /* odd UTF-16 */
	free(u);

	/* bare, blanks, the key's case */
	assert_int_equal(val("[Registry Values]\n machine\\system\\currentcontrolset\\control\\sam\\computeraccountreuseallowlist = 1 , O:BAD:(A;;RC;;;DU) \n"), WIRE_OK);
	assert_int_equal(rv.state, SDDL_VAL_SET);
	assert_string_equal(rv.text, "O:BAD:(A;;RC;;;DU)");
	/* not in [Registry Values], or commented out: unset */
	assert_int_equal(val("[System Access]\n" LINE "1,\"O:BAD:(A;;RC;;;DU)\"\n"), WIRE_OK);
	assert_int_equal(rv.state, SDDL_VAL_UNSET);
	assert_int_equal(val("[Registry Values]\n;" LINE "1,\"O:BAD:(A;;RC;;;DU)\"\n"), WIRE_OK);
	assert_int_equal(rv.state, SDDL_VAL_UNSET);
	assert_int_equal(val("[Registry Values]\n" LINE "1,\"O:BAD:(A;;RC;;;DU)\"\n[Version]\n" LINE "1,\"x\"\n"), WIRE_OK);
	assert_int_equal(rv.state, SDDL_VAL_SET);
	assert_string_equal(rv.text, "O:BAD:(A;;RC;;;DU)");
	/* the wrong type, empty, an unclosed quote, a quote inside: bad */
	assert_int_equal(val("[Registry Values]\n" LINE "4,1\n"), WIRE_OK);
	assert_int_equal(rv.state, SDDL_VAL_BAD);
	assert_string_equal(rv.text, "");
	assert_int_equal(val("[Registry Values]\n" LINE "1,\"\"\n"), WIRE_OK);
	assert_int_equal(rv.state, SDDL_VAL_BAD);
	assert_int_equal(val("[Registry Values]\n" LINE "1,\"O:BA\n"), WIRE_OK);
	assert_int_equal(rv.state, SDDL_VAL_BAD);
	assert_int_equal(val("[Registry Values]\n" LINE "1,\"O:\"BA\"\n"), WIRE_OK);
	assert_int_equal(rv.state, SDDL_VAL_BAD);
	/* the last occurrence wins, a bad one too */
	assert_int_equal(val("[Registry Values]\n" LINE "1,\"D:(A;;RC;;;BA)\"\n" LINE "1,\"D:(A;;RC;;;BU)\"\n"), WIRE_OK);
	assert_string_equal(rv.text, "D:(A;;RC;;;BU)");
	assert_int_equal(val("[Registry Values]\n" LINE "1,\"D:(A;;RC;;;BA)\"\n" LINE "7,x\n"), WIRE_OK);
	assert_int_equal(rv.state, SDDL_VAL_BAD);
	/* outside ASCII in our line: bad; elsewhere: ignored */
	assert_int_equal(val("[Registry Values]\n" LINE "1,\"D:(A;;RC;;;B\xc3\xa4)\"\n"), WIRE_OK);
	assert_int_equal(rv.state, SDDL_VAL_BAD);
	assert_int_equal(val("[Registry Values]\nMACHINE\\x\xc3\xa4=1,\"y\"\n" LINE "1,\"D:\"\n"), WIRE_OK);
	assert_int_equal(rv.state, SDDL_VAL_SET);
	assert_string_equal(rv.text, "D:");
	/* no newline at the end; a UTF-8 BOM */
	assert_int_equal(val("\xef\xbb\xbf[Registry Values]\r\n" LINE "1,\"D:\""), WIRE_OK);
	assert_int_equal(rv.state, SDDL_VAL_SET);
	assert_int_equal(sddl_dec_reuse_value(NULL, 0, &rv), WIRE_OK);
	assert_int_equal(rv.state, SDDL_VAL_UNSET);
	assert_int_equal(sddl_dec_reuse_value(NULL, 1, &rv), WIRE_EBAD);
}

static void test_value_too_long(void **state)
{
	size_t n = SDDL_TEXT_MAX + 200, p = 0;
	char *s = malloc(n + 100);

	(void)state;
	assert_non_null(s);
	p += (size_t)snprintf(s, n + 100, "[Registry Values]\n%s1,\"D:", LINE);
	while (p < n)
		s[p++] = 'P';
	memcpy(s + p, "\"\n", 3);
	assert_int_equal(val(s), WIRE_OK);
	assert_int_equal(rv.state, SDDL_VAL_BAD);
	assert_int_equal(rv.len, 0);
	free(s);
}

/* sweeps: no crash, no read out of bounds; whatever is accepted keeps the invariants */
static int sweep_sddl(const uint8_t *b, size_t n, void *ctx)
{
	int rc = sddl_dec((const char *)b, n, ctx ? DOM : NULL, &sd);

	if (rc == WIRE_OK)
		for (size_t i = 0; i < sd.n_ace; i++)
			if (!sd.ace[i].sid[0] && !sd.ace[i].alias[0])
				abort();
	return rc;
}

static int sweep_value(const uint8_t *b, size_t n, void *ctx)
{
	int rc = sddl_dec_reuse_value(b, n, &rv);

	(void)ctx;
	if (rc == WIRE_OK && rv.state == SDDL_VAL_SET && strlen(rv.text) != rv.len)
		abort();
	return rc == WIRE_OK && rv.state == SDDL_VAL_SET ? 0 : -1;
}

static void test_sweeps(void **state)
{
	uint8_t *u;
	size_t ul, acc;

	(void)state;
	/* a prefix of SDDL can be SDDL ("O:BA"); what matters is that every ACE of a cut ACE list is refused */
	acc = sweep_truncations((const uint8_t *)GOLDEN_SDDL, strlen(GOLDEN_SDDL), sweep_sddl, &sd);
	assert_true(acc < strlen(GOLDEN_SDDL) / 2);
	(void)sweep_bitflips((const uint8_t *)GOLDEN_SDDL, strlen(GOLDEN_SDDL), sweep_sddl, &sd);
	/* a template cut inside the value's line is never SET with the whole SDDL */
	(void)sweep_truncations((const uint8_t *)TEMPLATE_TEXT, strlen(TEMPLATE_TEXT), sweep_value, NULL);
	(void)sweep_bitflips((const uint8_t *)TEMPLATE_TEXT, strlen(TEMPLATE_TEXT), sweep_value, NULL);
	u = utf16(TEMPLATE_TEXT, &ul);
	(void)sweep_truncations(u, ul, sweep_value, NULL);
	(void)sweep_bitflips(u, ul, sweep_value, NULL);
	free(u);
}

/* a cut that ends inside the quoted SDDL is BAD (the closing quote is missing), never a shorter list */
static void test_cut_value_never_shorter(void **state)
{
	const char *at = strstr(TEMPLATE_TEXT, GOLDEN_SDDL);
	size_t from = (size_t)(at - TEMPLATE_TEXT);

	(void)state;
	for (size_t n = from; n < from + strlen(GOLDEN_SDDL); n++) {
		assert_int_equal(sddl_dec_reuse_value((const uint8_t *)TEMPLATE_TEXT, n, &rv), WIRE_OK);
		assert_int_not_equal(rv.state, SDDL_VAL_SET);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sid_canon),
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_value),
		cmocka_unit_test(test_value_too_long),
		cmocka_unit_test(test_sweeps),
		cmocka_unit_test(test_cut_value_never_shorter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
