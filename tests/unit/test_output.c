/*
 * tests/unit/test_output.c - out_safe(): server text made safe for a terminal,
 * and the one-line error printer that uses it.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "err.h"
#include "output.h"

/* No byte of s may be a C0 control, DEL or the lead of a C1 control. */
static void assert_terminal_safe(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		assert_false(*p < 0x20 || *p == 0x7f);
		if (p[0] == 0xc2)
			assert_false(p[1] >= 0x80 && p[1] <= 0x9f);
	}
}

static void test_plain_text_unchanged(void **state)
{
	char b[256];

	(void)state;
	assert_string_equal(out_safe("dc1.lab.test", b, sizeof(b)), "dc1.lab.test");
	/* valid UTF-8 stays as is: 2-, 3- and 4-byte forms, U+00A0 (first after C1) */
	assert_string_equal(out_safe("K\xc3\xb6ln \xe2\x82\xac \xf0\x9f\x98\x80 \xc2\xa0", b, sizeof(b)),
			    "K\xc3\xb6ln \xe2\x82\xac \xf0\x9f\x98\x80 \xc2\xa0");
	/* the backslash is not escaped: DOMAIN\user stays readable and escaping is idempotent */
	assert_string_equal(out_safe("LAB\\admin", b, sizeof(b)), "LAB\\admin");
	assert_string_equal(out_safe(NULL, b, sizeof(b)), "");
	assert_string_equal(out_safe("", b, sizeof(b)), "");
}

static void test_c0_and_del(void **state)
{
	char b[256], c[256];

	(void)state;
	/* OSC set-title and clear-screen, the hostile operatingSystem of the lab scenario */
	assert_string_equal(out_safe("Win\x1b]0;pwned\x07 10\x1b[2J", b, sizeof(b)),
			    "Win\\x1b]0;pwned\\x07 10\\x1b[2J");
	assert_string_equal(out_safe("a\tb\r\nc\x7f" "d\x01", b, sizeof(b)), "a\\x09b\\x0d\\x0ac\\x7fd\\x01");
	/* idempotent */
	assert_string_equal(out_safe(b, c, sizeof(c)), b);
	/* NUL inside a counted value */
	assert_string_equal(out_safe_n("a\0b", 3, b, sizeof(b)), "a\\x00b");
}

static void test_c1_in_utf8(void **state)
{
	char b[256];

	(void)state;
	/* U+009B (CSI) and U+0080, U+009F: both bytes escaped */
	assert_string_equal(out_safe("x\xc2\x9b" "2J", b, sizeof(b)), "x\\xc2\\x9b2J");
	assert_string_equal(out_safe("\xc2\x80\xc2\x9f", b, sizeof(b)), "\\xc2\\x80\\xc2\\x9f");
	/* raw 8-bit C1 bytes (Latin-1 style) are not UTF-8: escaped too */
	assert_string_equal(out_safe("\x9b" "31m", b, sizeof(b)), "\\x9b31m");
	assert_terminal_safe(out_safe("\xc2\x9d" "0;t\xc2\x9c", b, sizeof(b)));
}

static void test_invalid_utf8(void **state)
{
	char b[256];

	(void)state;
	/* a lone continuation byte, a truncated 3-byte sequence at the end */
	assert_string_equal(out_safe("a\x80z", b, sizeof(b)), "a\\x80z");
	assert_string_equal(out_safe("a\xe2\x82", b, sizeof(b)), "a\\xe2\\x82");
	/* a lead byte followed by ASCII: the lead is escaped, the ASCII kept */
	assert_string_equal(out_safe("\xe2" "ab", b, sizeof(b)), "\\xe2ab");
	/* overlong ESC (c0 9b, e0 80 9b), a surrogate, above U+10FFFF, f5..ff */
	assert_string_equal(out_safe("\xc0\x9b", b, sizeof(b)), "\\xc0\\x9b");
	assert_string_equal(out_safe("\xe0\x80\x9b", b, sizeof(b)), "\\xe0\\x80\\x9b");
	assert_string_equal(out_safe("\xed\xa0\x80", b, sizeof(b)), "\\xed\\xa0\\x80");
	assert_string_equal(out_safe("\xf4\x90\x80\x80", b, sizeof(b)), "\\xf4\\x90\\x80\\x80");
	assert_string_equal(out_safe("\xff\xfe", b, sizeof(b)), "\\xff\\xfe");
	/* the boundaries that are valid */
	assert_string_equal(out_safe("\xed\x9f\xbf\xf4\x8f\xbf\xbf", b, sizeof(b)), "\xed\x9f\xbf\xf4\x8f\xbf\xbf");
}

static void test_truncation(void **state)
{
	const char *in = "ab\x1b[2J\xe2\x82\xac!";
	const char *full = "ab\\x1b[2J\xe2\x82\xac!";
	char b[64];

	(void)state;
	/* every buffer size: a prefix of the full output that ends on a unit boundary */
	for (size_t len = 1; len <= strlen(full) + 1; len++) {
		char *guard = b + len;
		memset(b, 'Z', sizeof(b));
		out_safe(in, b, len);
		assert_true(strlen(b) < len);
		assert_int_equal(*guard, 'Z'); /* nothing written past len */
		assert_memory_equal(b, full, strlen(b));
		/* never half an escape or half a character */
		switch (strlen(b)) {
		case 0: case 1: case 2: case 6: case 7: case 8: case 9: case 12: case 13: break;
		default: fail_msg("len %zu: output \"%s\" ends inside a unit", len, b);
		}
	}
	assert_string_equal(out_safe(in, b, sizeof(b)), full);
	/* escapes at the very end: 4 bytes + NUL need 5 */
	assert_string_equal(out_safe("\x07", b, 4), "");
	assert_string_equal(out_safe("\x07", b, 5), "\\x07");
	/* no buffer at all */
	assert_string_equal(out_safe("x", NULL, 0), "");
	assert_string_equal(out_safe("x", b, 0), "");
	/* OUT_SAFE_SIZE never truncates: the worst case, every byte escaped */
	{
		char in2[100], out2[OUT_SAFE_SIZE(sizeof(in2))];
		memset(in2, 0x1b, sizeof(in2) - 1);
		in2[sizeof(in2) - 1] = '\0';
		assert_int_equal(strlen(out_safe(in2, out2, sizeof(out2))), 4 * (sizeof(in2) - 1));
	}
}

/* Every 3-byte input over a small alphabet of awkward bytes: terminal-safe,
 * within bounds, and valid input comes through byte for byte. */
static void test_exhaustive_small(void **state)
{
	static const unsigned char alpha[] = { 'a', 0x00, 0x07, 0x1b, 0x7f, 0x80, 0x9b, 0xbf, 0xc2,
					       0xc3, 0xe0, 0xe2, 0xed, 0xf0, 0xf4, 0xff };
	const size_t na = sizeof(alpha);
	char out[OUT_SAFE_SIZE(3)];

	(void)state;
	for (size_t i = 0; i < na * na * na; i++) {
		unsigned char in[3] = { alpha[i % na], alpha[i / na % na], alpha[i / na / na] };
		out_safe_n(in, 3, out, sizeof(out));
		assert_terminal_safe(out);
		assert_true(strlen(out) < sizeof(out));
	}
}

/* The error printer escapes the whole message: errors embed server text. */
static void test_error_printer(void **state)
{
	struct nlt_err e;
	char path[] = "/tmp/test_output.XXXXXX", got[1024];
	int fd = mkstemp(path), saved = dup(2);
	FILE *f;
	size_t n;

	(void)state;
	assert_true(fd >= 0 && saved >= 0);
	nlt_seterr(&e, NLT_EPROTO, "LDAP modify of CN=x on dc1.lab.test failed: Other: %s",
		   "bad\x1b]0;pwned\x07value\x1b[2J\xc2\x9b" "31m\n");
	fflush(stderr);
	assert_true(dup2(fd, 2) == 2);
	out_error("show-computer", &e);
	fflush(stderr);
	assert_true(dup2(saved, 2) == 2);
	close(saved);
	f = fdopen(fd, "r");
	assert_non_null(f);
	rewind(f);
	n = fread(got, 1, sizeof(got) - 1, f);
	got[n] = '\0';
	fclose(f);
	unlink(path);
	assert_string_equal(got, "nltrust: show-computer: LDAP modify of CN=x on dc1.lab.test failed: Other: "
				 "bad\\x1b]0;pwned\\x07value\\x1b[2J\\xc2\\x9b31m\\x0a\n");
	/* exactly one line, no raw control byte */
	assert_ptr_equal(strchr(got, '\n'), got + n - 1);
	got[n - 1] = '\0';
	assert_terminal_safe(got);
}

/* Run fn with fd (1 or 2) sent to a file; return what it wrote. */
static void capture(int fd, void (*fn)(void *), void *arg, char *got, size_t len)
{
	char path[] = "/tmp/test_output.XXXXXX";
	int tmp = mkstemp(path), saved = dup(fd);
	FILE *f;
	size_t n;

	assert_true(tmp >= 0 && saved >= 0);
	fflush(stdout);
	fflush(stderr);
	assert_true(dup2(tmp, fd) == fd);
	fn(arg);
	fflush(stdout);
	fflush(stderr);
	assert_true(dup2(saved, fd) == fd);
	close(saved);
	f = fdopen(tmp, "r");
	assert_non_null(f);
	rewind(f);
	n = fread(got, 1, len - 1, f);
	got[n] = '\0';
	fclose(f);
	unlink(path);
}

static void print_json(void *o)
{
	out_json_print(o);
}

/* json-c escapes C0 only; out_json_print must not let DEL, C1 or non-UTF-8 through raw. */
static void test_json_print(void **state)
{
	struct json_object *o = json_object_new_object(), *back;
	char got[1024];

	(void)state;
	json_object_object_add(o, "os", json_object_new_string("W\x1b]0;x\x07" "a\x7f" "b\xc2\x9b" "c\xff" "d\xc3\xa9"));
	capture(1, print_json, o, got, sizeof(got));
	json_object_put(o);
	assert_non_null(strstr(got, "\"W\\u001b]0;x\\u0007a\\u007fb\\u009bc\\ufffdd\xc3\xa9\""));
	/* no raw DEL/C1/invalid byte; only the layout's newlines below 0x20 */
	for (const unsigned char *p = (const unsigned char *)got; *p; p++)
		assert_true(*p == '\n' || (*p >= 0x20 && *p != 0x7f));
	assert_null(strstr(got, "\xc2\x9b"));
	/* and it is still JSON with the same characters (the invalid byte as U+FFFD) */
	back = json_tokener_parse(got);
	assert_non_null(back);
	assert_string_equal(json_object_get_string(json_object_object_get(back, "os")),
			    "W\x1b]0;x\x07" "a\x7f" "b\xc2\x9b" "c\xef\xbf\xbd" "d\xc3\xa9");
	json_object_put(back);
}

/* --json: one document, command first, the final error (or null) last; a command's own
 * "error" key is replaced by the final one, and the message has no repeated prefix. */
static const struct nlt_err *finish_err;
static void finish(void *cmd)
{
	out_json_finish(cmd, finish_err);
}

/* out_wrap: no line passes the width, continuation lines carry the indent, no word is lost */
static void test_wrap(void **state)
{
	(void)state;
	const char *t = "DC dc1.lab.test (10.0.0.1): Kerberos 88/tcp is filtered; verify, reset-password and join "
			"need it: open 88/tcp from this host to the DC, or pass -S another-dc";
	char buf[1024], joined[1024] = "";
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	assert_non_null(f);
	fputs("  ", f);
	out_wrap(f, t, 2, 4, 60);
	fclose(f);
	int lines = 0;
	for (char *l = strtok(buf, "\n"); l; l = strtok(NULL, "\n"), lines++) {
		assert_true(strlen(l) <= 60);
		assert_true(strncmp(l, lines ? "    " : "  ", lines ? 4 : 2) == 0);
		if (lines)
			assert_true(l[4] != ' ');
		if (*joined)
			strcat(joined, " ");
		strcat(joined, l + (lines ? 4 : 2));
	}
	assert_true(lines >= 3);
	assert_string_equal(joined, t);
}

static void test_json_document(void **state)
{
	struct nlt_err e;
	struct json_object *o, *back, *er;
	char got[2048], cmd_sc[] = "show-computer", cmd_ping[] = "ping";

	(void)state;
	/* a failure with no document of its own */
	nlt_seterr(&e, NLT_EAUTH, "show-computer: Kerberos login failed");
	finish_err = &e;
	capture(1, finish, cmd_sc, got, sizeof(got));
	back = json_tokener_parse(got);
	assert_non_null(back);
	assert_int_equal(json_object_object_length(back), 2);
	assert_string_equal(json_object_get_string(json_object_object_get(back, "command")), "show-computer");
	er = json_object_object_get(back, "error");
	assert_int_equal(json_object_get_int(json_object_object_get(er, "exit_code")), 5);
	assert_string_equal(json_object_get_string(json_object_object_get(er, "category")), "auth");
	assert_string_equal(json_object_get_string(json_object_object_get(er, "message")), "Kerberos login failed");
	json_object_put(back);
	/* a document: its keys kept in order between command and error; a stale error replaced */
	o = json_object_new_object();
	json_object_object_add(o, "error", json_object_new_string("stale"));
	json_object_object_add(o, "dc", out_dc_json("dc1.lab.test", "198.18.0.10", NULL));
	json_object_object_add(o, "problems", json_object_new_array());
	json_object_array_add(json_object_object_get(o, "problems"), out_finding_json("problem", "x", "dc1.lab.test"));
	out_json_doc(o);
	finish_err = NULL;
	capture(1, finish, cmd_ping, got, sizeof(got));
	back = json_tokener_parse(got);
	assert_non_null(back);
	{
		const char *keys[] = { "command", "dc", "problems", "error" };
		size_t i = 0;
		json_object_object_foreach(back, k, v) {
			(void)v;
			assert_true(i < 4);
			assert_string_equal(k, keys[i++]);
		}
		assert_int_equal(i, 4);
	}
	assert_true(json_object_is_type(json_object_object_get(back, "error"), json_type_null));
	er = json_object_object_get(back, "dc");
	assert_true(json_object_is_type(json_object_object_get(er, "site"), json_type_null));
	assert_string_equal(json_object_get_string(json_object_object_get(er, "address")), "198.18.0.10");
	er = json_object_array_get_idx(json_object_object_get(back, "problems"), 0);
	assert_string_equal(json_object_get_string(json_object_object_get(er, "kind")), "problem");
	assert_string_equal(json_object_get_string(json_object_object_get(er, "dc")), "dc1.lab.test");
	json_object_put(back);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_text_unchanged),
		cmocka_unit_test(test_c0_and_del),
		cmocka_unit_test(test_c1_in_utf8),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_exhaustive_small),
		cmocka_unit_test(test_error_printer),
		cmocka_unit_test(test_json_print),
		cmocka_unit_test(test_json_document),
		cmocka_unit_test(test_wrap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
