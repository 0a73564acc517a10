/*
 * tests/unit/test_state.c - the machine-secret journal (src/base/state.c) and
 * atomic file I/O with failpoints (src/base/atomicfile.c).
 *
 * Every test works in its own mkdtemp directory.  The crash tests fork a
 * child that runs a password change with NLT_FAILPOINT set, expect it to
 * die with status 99 at that point, and check in the parent that the next
 * run finds the old secret and (once journalled) the new one.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "atomicfile.h"
#include "err.h"
#include "machine.h"
#include "state.h"
#include "sweep.h"

#define REALM "LAB.TEST"
#define ACCT "WS1$"

struct fx {
	char base[128]; /* the mkdtemp directory, used as state_dir */
	char acct[256]; /* base/LAB.TEST/WS1$ */
};

/* ---- helpers --------------------------------------------------------------- */

static int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
	(void)sb;
	(void)flag;
	(void)f;
	return remove(p);
}

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	strcpy(fx->base, "/tmp/nlt-state-XXXXXX");
	if (!mkdtemp(fx->base)) {
		free(fx);
		return -1;
	}
	snprintf(fx->acct, sizeof(fx->acct), "%s/%s/%s", fx->base, REALM, ACCT);
	unsetenv("NLT_FAILPOINT");
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	nftw(fx->base, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	free(fx);
	return 0;
}

/* A record whose password is len bytes derived from seed. */
static struct state_rec mkrec(uint32_t kvno, uint8_t seed, size_t len)
{
	struct state_rec r;
	uint8_t pw[STATE_PW_MAX];
	struct nlt_err e;

	for (size_t i = 0; i < len; i++)
		pw[i] = (uint8_t)(seed * 31u + i * 7u);
	if (state_rec_init(&r, kvno, 1714566896 + kvno, "dc1.lab.test", pw, len, &e) != 0)
		fail_msg("state_rec_init: %s", e.msg);
	return r;
}

static struct state *open_ok(const struct fx *fx)
{
	struct state *st = NULL;
	struct nlt_err e;

	nlt_clearerr(&e);
	if (state_open(fx->base, REALM, ACCT, STATE_CREATE, &st, &e) != 0)
		fail_msg("state_open: %s", e.msg);
	return st;
}

static void put_slot(const struct fx *fx, const char *slot, const struct state_rec *r)
{
	char buf[STATE_REC_TEXT_MAX], path[512];
	size_t len = 0;
	struct nlt_err e;

	/* the directories, as state_open() would make them */
	snprintf(path, sizeof(path), "%s/%s", fx->base, REALM);
	assert_true(mkdir(path, 0700) == 0 || errno == EEXIST);
	assert_true(mkdir(fx->acct, 0700) == 0 || errno == EEXIST);
	assert_int_equal(state_rec_format(r, buf, sizeof(buf), &len, &e), 0);
	snprintf(path, sizeof(path), "%s/%s", fx->acct, slot);
	assert_int_equal(atomicfile_write(path, buf, len, 0600, &e), 0);
}

static void write_raw(const char *path, const void *buf, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	assert_true(fd >= 0);
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

static mode_t mode_of(const char *path)
{
	struct stat sb;

	assert_int_equal(lstat(path, &sb), 0);
	return sb.st_mode & 07777;
}

/* Number of atomicfile temporaries in dir; *others counts unexpected names. */
static int count_temps(const char *dir, int *others)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	if (others)
		*others = 0;
	while ((de = readdir(d)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (atomicfile_is_temp_name(de->d_name))
			n++;
		else if (others && strcmp(de->d_name, "pending") && strcmp(de->d_name, "current") &&
			 strcmp(de->d_name, "previous"))
			(*others)++;
	}
	closedir(d);
	return n;
}

static void assert_msg_has(const struct nlt_err *e, const char *needle)
{
	if (!strstr(e->msg, needle))
		fail_msg("error '%s' does not mention '%s'", e->msg, needle);
}

/* Load a slot and require it to hold exactly want (or nothing when want is NULL). */
static void assert_slot(struct state *st, enum state_slot slot, const struct state_rec *want)
{
	struct state_rec got;
	struct nlt_err e;
	int r = state_load(st, slot, &got, &e);

	if (r < 0)
		fail_msg("state_load(%s): %s", state_slot_name(slot), e.msg);
	if (!want) {
		if (r != 0)
			fail_msg("slot %s holds kvno %u, expected empty", state_slot_name(slot), (unsigned)got.kvno);
		return;
	}
	if (r != 1)
		fail_msg("slot %s is empty, expected kvno %u", state_slot_name(slot), (unsigned)want->kvno);
	assert_true(state_rec_same_secret(&got, want));
	assert_int_equal(got.created, want->created);
	assert_string_equal(got.source, want->source);
	state_rec_wipe(&got);
}

static int cands_have(const struct state_cands *c, const struct state_rec *r)
{
	for (size_t i = 0; i < c->n; i++)
		if (state_rec_same_secret(&c->rec[i], r))
			return 1;
	return 0;
}

/* ---- the record codec ----------------------------------------------------------- */

static const char golden[] =
	"nltrust-secret 1\n"
	"kvno 7\n"
	"created 2024-05-01T12:34:56Z\n"
	"source dc1.lab.test\n"
	"password 4a2f00ff\n"
	"end\n";

static void record_format_is_the_documented_text(void **state)
{
	static const uint8_t pw[] = { 0x4a, 0x2f, 0x00, 0xff };
	struct state_rec r, back;
	struct nlt_err e;
	char buf[STATE_REC_TEXT_MAX];
	size_t len = 0;
	(void)state;

	assert_int_equal(state_rec_init(&r, 7, 1714566896, "dc1.lab.test", pw, sizeof(pw), &e), 0);
	assert_int_equal(state_rec_format(&r, buf, sizeof(buf), &len, &e), 0);
	assert_int_equal(len, strlen(golden));
	assert_memory_equal(buf, golden, len);

	assert_int_equal(state_rec_parse((const uint8_t *)golden, strlen(golden), &back, &e), 0);
	assert_int_equal(back.kvno, 7);
	assert_int_equal(back.created, 1714566896);
	assert_string_equal(back.source, "dc1.lab.test");
	assert_int_equal(back.pw_len, 4);
	assert_memory_equal(back.pw, pw, 4);
	state_rec_wipe(&back);
	assert_int_equal(back.pw_len, 0);
	assert_int_equal(back.pw[0], 0);

	/* too small a buffer is an error, never an overflow */
	assert_int_equal(state_rec_format(&r, buf, len - 1, &len, &e), -1);
	state_rec_wipe(&r);
}

static void record_round_trips_every_byte_value_and_the_limits(void **state)
{
	struct state_rec r, back;
	struct nlt_err e;
	uint8_t pw[STATE_PW_MAX];
	char src[STATE_SOURCE_MAX + 1], buf[STATE_REC_TEXT_MAX], buf2[STATE_REC_TEXT_MAX];
	size_t len = 0, len2 = 0;
	(void)state;

	for (size_t i = 0; i < sizeof(pw); i++)
		pw[i] = (uint8_t)(i * 167u + 3u); /* every value 0..255, twice */
	for (size_t i = 0; i < STATE_SOURCE_MAX; i++)
		src[i] = (char)(0x21 + i % (0x7f - 0x21));
	src[STATE_SOURCE_MAX] = '\0';

	/* the longest record the format allows, with the largest values */
	assert_int_equal(state_rec_init(&r, UINT32_MAX, INT64_C(253402300799), src, pw, sizeof(pw), &e), 0);
	assert_int_equal(state_rec_format(&r, buf, sizeof(buf), &len, &e), 0);
	assert_int_equal(len, 1363);
	assert_true(len <= STATE_REC_TEXT_MAX);
	assert_non_null(strstr(buf, "created 9999-12-31T23:59:59Z\n"));
	assert_int_equal(state_rec_parse((const uint8_t *)buf, len, &back, &e), 0);
	assert_true(state_rec_same_secret(&r, &back));
	assert_int_equal(back.created, r.created);
	assert_string_equal(back.source, src);
	/* canonical: format(parse(x)) == x */
	assert_int_equal(state_rec_format(&back, buf2, sizeof(buf2), &len2, &e), 0);
	assert_int_equal(len2, len);
	assert_memory_equal(buf, buf2, len);

	/* the smallest: epoch, kvno 0, one NUL byte of password */
	assert_int_equal(state_rec_init(&r, 0, 0, "x", "", 1, &e), 0);
	assert_int_equal(state_rec_format(&r, buf, sizeof(buf), &len, &e), 0);
	assert_non_null(strstr(buf, "kvno 0\ncreated 1970-01-01T00:00:00Z\nsource x\npassword 00\n"));
	assert_int_equal(state_rec_parse((const uint8_t *)buf, len, &back, &e), 0);
	assert_true(state_rec_same_secret(&r, &back));

	/* a leap day */
	assert_int_equal(state_rec_init(&r, 1, 951868799, "dc", "a", 1, &e), 0);
	assert_int_equal(state_rec_format(&r, buf, sizeof(buf), &len, &e), 0);
	assert_non_null(strstr(buf, "created 2000-02-29T23:59:59Z\n"));
	assert_int_equal(state_rec_parse((const uint8_t *)buf, len, &back, &e), 0);
	assert_int_equal(back.created, 951868799);

	/* state_rec_init refuses what the format cannot hold */
	assert_int_equal(state_rec_init(&r, 1, 0, "", pw, 4, &e), -1);
	assert_int_equal(state_rec_init(&r, 1, 0, "dc one", pw, 4, &e), -1);
	assert_int_equal(state_rec_init(&r, 1, 0, "dc\n", pw, 4, &e), -1);
	assert_int_equal(state_rec_init(&r, 1, 0, "dc", pw, 0, &e), -1);
	assert_int_equal(state_rec_init(&r, 1, 0, "dc", pw, STATE_PW_MAX + 1, &e), -1);
	assert_int_equal(state_rec_init(&r, 1, -1, "dc", pw, 4, &e), -1);
	assert_int_equal(state_rec_init(&r, 1, INT64_C(253402300800), "dc", pw, 4, &e), -1);
	state_rec_wipe(&r);
	state_rec_wipe(&back);
}

static int parse_cb(const uint8_t *buf, size_t len, void *ctx)
{
	struct state_rec r;
	struct nlt_err e;
	int ret;

	nlt_clearerr(&e);
	ret = state_rec_parse(buf, len, &r, &e);
	if (ret == 0) {
		/* anything accepted must be canonical: it formats back to the same bytes */
		char out[STATE_REC_TEXT_MAX];
		size_t n = 0;
		assert_int_equal(state_rec_format(&r, out, sizeof(out), &n, &e), 0);
		assert_int_equal(n, len);
		assert_memory_equal(out, buf, len);
		state_rec_wipe(&r);
	} else {
		/* every rejection says why */
		assert_int_equal(e.cat, NLT_ECONFIG);
		assert_true(strlen(e.msg) > 20);
	}
	(void)ctx;
	return ret;
}

static void record_parser_rejects_every_prefix_and_survives_bit_flips(void **state)
{
	struct state_rec r = mkrec(42, 9, 240);
	char buf[STATE_REC_TEXT_MAX];
	size_t len = 0, flipped;
	struct nlt_err e;
	(void)state;

	assert_int_equal(state_rec_format(&r, buf, sizeof(buf), &len, &e), 0);
	assert_int_equal(sweep_truncations((const uint8_t *)buf, len, parse_cb, NULL), 0);
	assert_int_equal(sweep_truncations((const uint8_t *)golden, strlen(golden), parse_cb, NULL), 0);
	/* flips inside the hex password or the source can yield another valid record; none may crash */
	flipped = sweep_bitflips((const uint8_t *)golden, strlen(golden), parse_cb, NULL);
	assert_true(flipped < 8 * strlen(golden));
	sweep_bitflips((const uint8_t *)buf, len, parse_cb, NULL);
	state_rec_wipe(&r);
}

static void record_parser_names_each_malformation(void **state)
{
	static const struct {
		const char *text;
		const char *why;
	} bad[] = {
		{ "", "empty" },
		{ "nltrust-secret 1\nkvno 7\n", "truncated before line 3" },
		{ "nltrust-secret 1\nkvno 7\ncreated 2024-05-01T12:34:56Z\nsource dc1\npassword 4a2f00ff\nend",
		  "truncated in line 6" },
		{ "nltrust-secret 2\nkvno 7\ncreated 2024-05-01T12:34:56Z\nsource dc1\npassword 4a2f\nend\n",
		  "unsupported secret record version 2" },
		{ "nltrust-secret 01\nkvno 7\ncreated 2024-05-01T12:34:56Z\nsource dc1\npassword 4a2f\nend\n",
		  "bad version" },
		{ "[Unit]\nDescription=x\n", "not an nltrust secret record" },
		{ "nltrust-secret 1\nkvno 7\ncreated 2024-05-01T12:34:56Z\nsource dc1\npassword 4a2f0\nend\n",
		  "even number of hex digits" },
		{ "nltrust-secret 1\nkvno 7\ncreated 2024-05-01T12:34:56Z\nsource dc1\npassword 4a2g\nend\n",
		  "password: column 13 is not a lowercase hex digit" },
		{ "nltrust-secret 1\nkvno 7\ncreated 2024-05-01T12:34:56Z\nsource dc1\npassword 4A2F\nend\n",
		  "column 11 is not" },
		{ "nltrust-secret 1\nkvno 7\ncreated 2024-05-01T12:34:56Z\nsource dc1\npassword \nend\n",
		  "even number of hex digits" },
		{ "nltrust-secret 1\nkvno 4294967296\ncreated 2024-05-01T12:34:56Z\nsource dc1\npassword 4a\nend\n",
		  "kvno is not" },
		{ "nltrust-secret 1\nkvno 07\ncreated 2024-05-01T12:34:56Z\nsource dc1\npassword 4a\nend\n",
		  "kvno is not" },
		{ "nltrust-secret 1\nkvno -1\ncreated 2024-05-01T12:34:56Z\nsource dc1\npassword 4a\nend\n",
		  "kvno is not" },
		{ "nltrust-secret 1\nkvno 7\ncreated 2023-02-29T12:34:56Z\nsource dc1\npassword 4a\nend\n",
		  "created is not" },
		{ "nltrust-secret 1\nkvno 7\ncreated 2024-05-01 12:34:56Z\nsource dc1\npassword 4a\nend\n",
		  "created is not" },
		{ "nltrust-secret 1\nkvno 7\ncreated 1969-12-31T23:59:59Z\nsource dc1\npassword 4a\nend\n",
		  "created is not" },
		{ "nltrust-secret 1\nkvno 7\ncreated 2024-05-01T24:00:00Z\nsource dc1\npassword 4a\nend\n",
		  "created is not" },
		{ "nltrust-secret 1\nkvno 7\ncreated 2024-05-01T12:34:56Z\nsource \npassword 4a\nend\n",
		  "source must be" },
		{ "nltrust-secret 1\nkvno 7\ncreated 2024-05-01T12:34:56Z\nsource dc 1\npassword 4a\nend\n",
		  "source must be" },
		{ "nltrust-secret 1\nkvno 7\ncreated 2024-05-01T12:34:56Z\nsource dc1\npassword 4a\nend\nx",
		  "1 bytes of trailing data" },
		{ "nltrust-secret 1\r\nkvno 7\n", "control or non-ASCII byte 0x0d" },
		{ "nltrust-secret 1\nkvno 7\ncreated 2024-05-01T12:34:56Z\nsource dc\t1\npassword 4a\nend\n",
		  "line 4: control" },
		{ "nltrust-secret 1\nkvno 7\ncreated 2024-05-01T12:34:56Z\nsource d\xc3\xa9\npassword 4a\nend\n",
		  "non-ASCII byte 0xc3" },
		{ "nltrust-secret 1\nkvno 7\nsource dc1\ncreated 2024-05-01T12:34:56Z\npassword 4a\nend\n",
		  "line 3: expected 'created VALUE'" },
		{ "nltrust-secret 1\nkvno 7\ncreated 2024-05-01T12:34:56Z\nsource dc1\npassword 4a\nend \n",
		  "line 6: expected 'end'" },
		{ "nltrust-secret 1\nkvno 7\n\ncreated 2024-05-01T12:34:56Z\n", "line 3" },
	};
	struct state_rec r;
	struct nlt_err e;
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t n = strlen(bad[i].text);
		uint8_t *copy = malloc(n ? n : 1); /* exact size: ASan sees any over-read */

		assert_non_null(copy);
		memcpy(copy, bad[i].text, n);
		nlt_clearerr(&e);
		if (state_rec_parse(copy, n, &r, &e) != -1)
			fail_msg("case %zu accepted", i);
		assert_int_equal(e.cat, NLT_ECONFIG);
		assert_msg_has(&e, bad[i].why);
		free(copy);
	}

	/* an embedded NUL is just another bad byte */
	{
		static const uint8_t nul[] = "nltrust-secret 1\nkvno 7\0\n";
		assert_int_equal(state_rec_parse(nul, sizeof(nul) - 1, &r, &e), -1);
		assert_msg_has(&e, "byte 0x00");
	}
	/* a password longer than STATE_PW_MAX, and an oversized buffer */
	{
		char big[STATE_REC_TEXT_MAX + 64];
		int n = snprintf(big, sizeof(big), "nltrust-secret 1\nkvno 7\ncreated 2024-05-01T12:34:56Z\n"
			      "source dc1\npassword ");
		memset(big + n, 'a', 2 * STATE_PW_MAX + 2);
		n += 2 * STATE_PW_MAX + 2;
		memcpy(big + n, "\nend\n", 5);
		n += 5;
		assert_int_equal(state_rec_parse((const uint8_t *)big, (size_t)n, &r, &e), -1);
		assert_msg_has(&e, "even number of hex digits, 2..1024 (has 1026)");
		memset(big, 'x', sizeof(big));
		assert_int_equal(state_rec_parse((const uint8_t *)big, sizeof(big), &r, &e), -1);
		assert_msg_has(&e, "more than the 2048 allowed");
	}
}

/* ---- path components -------------------------------------------------------- */

static void components_are_sanitised(void **state)
{
	static const char *const good[] = { "LAB.TEST", "WS1$", "lab-test_2.example", "A" };
	static const char *const bad[] = { "", ".", "..", "../etc", "a/b", "/", "a\\b", ".hidden", "WS1 $",
					   "WS1\n", "a\tb", "\x7f", "caf\xc3\xa9", "x\x01" };
	const struct fx *fx = *state;
	char longname[STATE_COMPONENT_MAX + 2];
	struct state *st = NULL;
	struct nlt_err e;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(state_component_ok(good[i]));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (state_component_ok(bad[i]))
			fail_msg("component '%s' accepted", bad[i]);
		assert_int_equal(state_open(fx->base, bad[i], ACCT, STATE_CREATE, &st, &e), -1);
		assert_int_equal(e.cat, NLT_ECONFIG);
		assert_msg_has(&e, "realm");
		assert_int_equal(state_open(fx->base, REALM, bad[i], STATE_CREATE, &st, &e), -1);
		assert_msg_has(&e, "account");
		/* the message stays one printable line whatever the name held */
		for (const char *c = e.msg; *c; c++)
			assert_true((unsigned char)*c >= 0x20 && (unsigned char)*c < 0x7f);
	}
	assert_false(state_component_ok(NULL));
	memset(longname, 'A', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_false(state_component_ok(longname));
	longname[STATE_COMPONENT_MAX] = '\0';
	assert_true(state_component_ok(longname));
	/* nothing was created by the refused calls */
	assert_int_equal(count_temps(fx->base, NULL), 0);
	{
		DIR *d = opendir(fx->base);
		struct dirent *de;
		int n = 0;
		while ((de = readdir(d)) != NULL)
			n += de->d_name[0] != '.';
		closedir(d);
		assert_int_equal(n, 0);
	}
	assert_null(st);
}

/* ---- directories and permissions ------------------------------------------------ */

static void open_creates_0700_dirs_and_0600_files_whatever_the_umask(void **state)
{
	const struct fx *fx = *state;
	char base[256], path[512];
	struct state *st = NULL;
	struct state_rec r = mkrec(3, 1, 240);
	struct nlt_err e;
	mode_t old = umask(0);

	snprintf(base, sizeof(base), "%s/var-lib-nltrust", fx->base);
	/* lower case in, upper case on disk: WS1$ and ws1$ share a journal */
	assert_int_equal(state_open(base, "lab.test", "ws1$", STATE_CREATE, &st, &e), 0);
	snprintf(path, sizeof(path), "%s/LAB.TEST/WS1$", base);
	assert_string_equal(state_path(st), path);
	assert_int_equal(mode_of(base), 0700);
	snprintf(path, sizeof(path), "%s/LAB.TEST", base);
	assert_int_equal(mode_of(path), 0700);
	snprintf(path, sizeof(path), "%s/LAB.TEST/WS1$", base);
	assert_int_equal(mode_of(path), 0700);
	assert_int_equal(state_put_pending(st, &r, &e), 0);
	snprintf(path, sizeof(path), "%s/LAB.TEST/WS1$/pending", base);
	assert_int_equal(mode_of(path), 0600);
	assert_int_equal(state_commit(st, &e), 0);
	snprintf(path, sizeof(path), "%s/LAB.TEST/WS1$/current", base);
	assert_int_equal(mode_of(path), 0600);
	state_close(st);

	umask(0277); /* would make mkdir's 0700 a useless 0500 */
	assert_int_equal(state_open(base, "LAB.TEST", "WS2$", STATE_CREATE, &st, &e), 0);
	snprintf(path, sizeof(path), "%s/LAB.TEST/WS2$", base);
	assert_int_equal(mode_of(path), 0700);
	assert_int_equal(state_put_pending(st, &r, &e), 0);
	snprintf(path, sizeof(path), "%s/LAB.TEST/WS2$/pending", base);
	assert_int_equal(mode_of(path), 0600);
	state_close(st);
	umask(old);
	state_rec_wipe(&r);
}

static void open_without_create_reports_a_missing_directory(void **state)
{
	const struct fx *fx = *state;
	char base[256];
	struct state *st = NULL;
	struct nlt_err e;

	nlt_clearerr(&e);
	assert_int_equal(state_open(fx->base, REALM, ACCT, 0, &st, &e), 1);
	assert_null(st);
	snprintf(base, sizeof(base), "%s/nonexistent", fx->base);
	assert_int_equal(state_open(base, REALM, ACCT, 0, &st, &e), 1);
	assert_null(st);
	state_close(open_ok(fx));
	assert_int_equal(state_open(fx->base, REALM, ACCT, 0, &st, &e), 0);
	assert_non_null(st);
	state_close(st);
	/* the default directory is the configured one */
	assert_true(NLT_STATE_DIR[0] == '/');
}

static void open_refuses_group_or_world_writable_directories(void **state)
{
	const struct fx *fx = *state;
	char realm[256];
	const char *levels[3];
	static const mode_t modes[] = { 0770, 0702, 0777, 01777 };
	struct state *st = NULL;
	struct nlt_err e;

	state_close(open_ok(fx));
	snprintf(realm, sizeof(realm), "%s/%s", fx->base, REALM);
	levels[0] = fx->base;
	levels[1] = realm;
	levels[2] = fx->acct;
	for (size_t l = 0; l < 3; l++) {
		for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
			assert_int_equal(chmod(levels[l], modes[m]), 0);
			assert_int_equal(state_open(fx->base, REALM, ACCT, STATE_CREATE, &st, &e), -1);
			assert_int_equal(e.cat, NLT_ECONFIG);
			assert_msg_has(&e, levels[l]);
			assert_msg_has(&e, "lets group or others write");
			assert_int_equal(chmod(levels[l], 0700), 0);
		}
		/* readable by others is not a leak: the files are 0600 */
		assert_int_equal(chmod(levels[l], 0755), 0);
		st = open_ok(fx);
		state_close(st);
		assert_int_equal(chmod(levels[l], 0700), 0);
	}
}

static void open_refuses_a_directory_owned_by_someone_else(void **state)
{
	const struct fx *fx = *state;
	struct state *st = NULL;
	struct nlt_err e;

	if (geteuid() != 0)
		skip(); /* chown needs root */
	state_close(open_ok(fx));
	assert_int_equal(chown(fx->acct, 65534, 65534), 0);
	assert_int_equal(state_open(fx->base, REALM, ACCT, STATE_CREATE, &st, &e), -1);
	assert_msg_has(&e, "owned by uid 65534");
	assert_int_equal(chown(fx->acct, 0, 0), 0);
	assert_int_equal(chown(fx->base, 65534, 65534), 0);
	assert_int_equal(state_open(fx->base, REALM, ACCT, STATE_CREATE, &st, &e), -1);
	assert_msg_has(&e, fx->base);
	assert_int_equal(chown(fx->base, 0, 0), 0);
}

static void open_refuses_symlinked_realm_or_account(void **state)
{
	const struct fx *fx = *state;
	char realm[256], elsewhere[256];
	struct state *st = NULL;
	struct nlt_err e;

	snprintf(elsewhere, sizeof(elsewhere), "%s/elsewhere", fx->base);
	assert_int_equal(mkdir(elsewhere, 0700), 0);
	snprintf(realm, sizeof(realm), "%s/%s", fx->base, REALM);
	assert_int_equal(symlink("elsewhere", realm), 0);
	assert_int_equal(state_open(fx->base, REALM, ACCT, STATE_CREATE, &st, &e), -1);
	assert_msg_has(&e, "symbolic links are refused");
	assert_int_equal(unlink(realm), 0);
	assert_int_equal(mkdir(realm, 0700), 0);
	assert_int_equal(symlink("../elsewhere", fx->acct), 0);
	assert_int_equal(state_open(fx->base, REALM, ACCT, STATE_CREATE, &st, &e), -1);
	assert_msg_has(&e, fx->acct);
	/* a plain file where a directory belongs */
	assert_int_equal(unlink(fx->acct), 0);
	write_raw(fx->acct, "x", 1, 0600);
	assert_int_equal(state_open(fx->base, REALM, ACCT, STATE_CREATE, &st, &e), -1);
	assert_msg_has(&e, "not a directory");
}

static void load_refuses_symlinked_shared_or_odd_files(void **state)
{
	const struct fx *fx = *state;
	struct state_rec r = mkrec(5, 2, 16), got;
	char path[512], target[512];
	struct state *st;
	struct nlt_err e;

	put_slot(fx, "current", &r);
	st = open_ok(fx);
	snprintf(path, sizeof(path), "%s/current", fx->acct);
	snprintf(target, sizeof(target), "%s/elsewhere", fx->base);
	assert_int_equal(rename(path, target), 0);
	assert_int_equal(symlink(target, path), 0);
	assert_int_equal(state_load(st, STATE_CURRENT, &got, &e), -1);
	assert_msg_has(&e, path);
	assert_msg_has(&e, "symbolic link");
	/* put_pending must not follow a planted symlink either */
	snprintf(path, sizeof(path), "%s/pending", fx->acct);
	assert_int_equal(symlink(target, path), 0);
	assert_int_equal(state_put_pending(st, &r, &e), -1);
	assert_int_equal(unlink(path), 0);

	snprintf(path, sizeof(path), "%s/current", fx->acct);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rename(target, path), 0);
	assert_slot(st, STATE_CURRENT, &r);
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(state_load(st, STATE_CURRENT, &got, &e), -1);
	assert_msg_has(&e, "mode 0640 gives access to group or others");
	assert_int_equal(chmod(path, 0604), 0);
	assert_int_equal(state_load(st, STATE_CURRENT, &got, &e), -1);
	assert_int_equal(chmod(path, 0400), 0);
	assert_slot(st, STATE_CURRENT, &r);
	if (geteuid() == 0) {
		assert_int_equal(chown(path, 65534, 65534), 0);
		assert_int_equal(state_load(st, STATE_CURRENT, &got, &e), -1);
		assert_msg_has(&e, "owned by uid 65534");
	}
	/* a FIFO must neither be read nor block us */
	snprintf(path, sizeof(path), "%s/previous", fx->acct);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(state_load(st, STATE_PREVIOUS, &got, &e), -1);
	assert_msg_has(&e, "not a regular file");
	state_close(st);
	state_rec_wipe(&r);
}

static void load_reports_malformed_files_by_name(void **state)
{
	static const struct {
		const char *text;
		const char *why;
	} bad[] = {
		{ "nltrust-secret 1\nkvno 7\ncreated 2024-05-01T12:34:56Z\nsou", "truncated in line 4" },
		{ "nltrust-secret 1\nkvno 7\ncreated 2024-05-01T12:34:56Z\nsource dc1\npassword 4a2z\nend\n",
		  "not a lowercase hex digit" },
		{ "nltrust-secret 9\nkvno 7\n", "unsupported secret record version 9" },
		{ "", "empty" },
	};
	const struct fx *fx = *state;
	char path[512], big[STATE_REC_TEXT_MAX + 1];
	struct state_rec got;
	struct state_cands c;
	struct state *st = open_ok(fx);
	struct nlt_err e;

	snprintf(path, sizeof(path), "%s/current", fx->acct);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_raw(path, bad[i].text, strlen(bad[i].text), 0600);
		nlt_clearerr(&e);
		assert_int_equal(state_load(st, STATE_CURRENT, &got, &e), -1);
		assert_int_equal(e.cat, NLT_ECONFIG);
		assert_msg_has(&e, path);
		assert_msg_has(&e, bad[i].why);
		/* a malformed slot stops recovery rather than being skipped */
		assert_int_equal(state_recovery_candidates(st, &c, &e), -1);
		assert_msg_has(&e, path);
	}
	memset(big, 'a', sizeof(big));
	write_raw(path, big, sizeof(big), 0600);
	assert_int_equal(state_load(st, STATE_CURRENT, &got, &e), -1);
	assert_msg_has(&e, "2049 bytes, more than the 2048 allowed");
	state_close(st);
}

/* ---- the journal ---------------------------------------------------------------- */

static void put_pending_refuses_to_overwrite_an_interrupted_change(void **state)
{
	const struct fx *fx = *state;
	struct state_rec a = mkrec(6, 3, 240), b = mkrec(7, 4, 240);
	struct state *st = open_ok(fx);
	struct nlt_err e;

	assert_int_equal(state_put_pending(st, &a, &e), 0);
	assert_int_equal(state_put_pending(st, &b, &e), -1);
	assert_int_equal(e.cat, NLT_ECONFIG);
	assert_msg_has(&e, "interrupted");
	assert_slot(st, STATE_PENDING, &a);
	state_close(st);
	state_rec_wipe(&a);
	state_rec_wipe(&b);
}

static void commit_rotates_and_is_idempotent(void **state)
{
	const struct fx *fx = *state;
	struct state_rec a = mkrec(5, 10, 240), b = mkrec(6, 11, 240), c = mkrec(7, 12, 240);
	struct state *st = open_ok(fx);
	struct nlt_err e;

	nlt_clearerr(&e);
	assert_int_equal(state_commit(st, &e), -1);
	assert_int_equal(e.cat, NLT_EINTERNAL);
	assert_msg_has(&e, "no pending secret");

	/* first secret (join): no current yet, so no previous either */
	assert_int_equal(state_put_pending(st, &a, &e), 0);
	assert_int_equal(state_commit(st, &e), 0);
	assert_slot(st, STATE_PENDING, NULL);
	assert_slot(st, STATE_CURRENT, &a);
	assert_slot(st, STATE_PREVIOUS, NULL);

	assert_int_equal(state_put_pending(st, &b, &e), 0);
	assert_int_equal(state_commit(st, &e), 0);
	assert_slot(st, STATE_PENDING, NULL);
	assert_slot(st, STATE_CURRENT, &b);
	assert_slot(st, STATE_PREVIOUS, &a);

	assert_int_equal(state_put_pending(st, &c, &e), 0);
	assert_int_equal(state_commit(st, &e), 0);
	assert_slot(st, STATE_CURRENT, &c);
	assert_slot(st, STATE_PREVIOUS, &b);
	state_close(st);

	/* a commit that stopped after writing current (pending == current) must keep previous */
	put_slot(fx, "pending", &c);
	st = open_ok(fx);
	assert_int_equal(state_commit(st, &e), 0);
	assert_slot(st, STATE_PENDING, NULL);
	assert_slot(st, STATE_CURRENT, &c);
	assert_slot(st, STATE_PREVIOUS, &b);
	state_close(st);
	assert_int_equal(count_temps(fx->acct, NULL), 0);
	state_rec_wipe(&a);
	state_rec_wipe(&b);
	state_rec_wipe(&c);
}

static void abort_pending_drops_only_pending(void **state)
{
	const struct fx *fx = *state;
	struct state_rec a = mkrec(5, 20, 240), b = mkrec(6, 21, 240), n = mkrec(7, 22, 240);
	struct state *st;
	struct nlt_err e;

	put_slot(fx, "current", &b);
	put_slot(fx, "previous", &a);
	st = open_ok(fx);
	assert_int_equal(state_abort_pending(st, &e), 0); /* nothing pending: fine */
	assert_int_equal(state_put_pending(st, &n, &e), 0);
	assert_int_equal(state_abort_pending(st, &e), 0);
	assert_slot(st, STATE_PENDING, NULL);
	assert_slot(st, STATE_CURRENT, &b);
	assert_slot(st, STATE_PREVIOUS, &a);
	/* and a new change can start */
	assert_int_equal(state_put_pending(st, &n, &e), 0);
	state_close(st);
	state_rec_wipe(&a);
	state_rec_wipe(&b);
	state_rec_wipe(&n);
}

static void candidates_come_in_probe_order_without_duplicates(void **state)
{
	const struct fx *fx = *state;
	struct state_rec p = mkrec(5, 30, 240), c = mkrec(6, 31, 240), n = mkrec(7, 32, 240);
	struct state_cands cs;
	struct state *st = open_ok(fx);
	struct nlt_err e;

	assert_int_equal(state_recovery_candidates(st, &cs, &e), 0);
	assert_int_equal(cs.n, 0);
	state_close(st);

	put_slot(fx, "previous", &p);
	put_slot(fx, "current", &c);
	put_slot(fx, "pending", &n);
	st = open_ok(fx);
	assert_int_equal(state_recovery_candidates(st, &cs, &e), 0);
	assert_int_equal(cs.n, 3);
	assert_int_equal(cs.slot[0], STATE_PENDING);
	assert_int_equal(cs.slot[1], STATE_CURRENT);
	assert_int_equal(cs.slot[2], STATE_PREVIOUS);
	assert_true(state_rec_same_secret(&cs.rec[0], &n));
	assert_true(state_rec_same_secret(&cs.rec[1], &c));
	assert_true(state_rec_same_secret(&cs.rec[2], &p));
	state_cands_wipe(&cs);
	assert_int_equal(cs.n, 0);
	state_close(st);

	/* pending == current (a commit stopped after current): listed once, as pending */
	put_slot(fx, "current", &n);
	st = open_ok(fx);
	assert_int_equal(state_recovery_candidates(st, &cs, &e), 0);
	assert_int_equal(cs.n, 2);
	assert_int_equal(cs.slot[0], STATE_PENDING);
	assert_int_equal(cs.slot[1], STATE_PREVIOUS);
	state_cands_wipe(&cs);
	state_close(st);
	state_rec_wipe(&p);
	state_rec_wipe(&c);
	state_rec_wipe(&n);
}

static void open_sweeps_stray_temporary_files(void **state)
{
	const struct fx *fx = *state;
	struct state_rec a = mkrec(5, 40, 240);
	char path[512], keep[512];
	struct state *st;
	int others = 0;

	put_slot(fx, "current", &a);
	snprintf(path, sizeof(path), "%s/.current.nlttmp.0123456789ab", fx->acct);
	write_raw(path, "half", 4, 0600);
	snprintf(path, sizeof(path), "%s/.pending.nlttmp.ba9876543210", fx->acct);
	write_raw(path, "", 0, 0600);
	snprintf(keep, sizeof(keep), "%s/.current.nlttmp.notours", fx->acct);
	write_raw(keep, "x", 1, 0600);
	assert_int_equal(count_temps(fx->acct, NULL), 2);
	st = open_ok(fx);
	assert_int_equal(count_temps(fx->acct, &others), 0);
	assert_int_equal(others, 1); /* names that are not ours stay */
	assert_int_equal(access(keep, F_OK), 0);
	assert_slot(st, STATE_CURRENT, &a);
	state_close(st);
	state_rec_wipe(&a);
}

static void a_second_open_is_refused_while_the_first_holds_the_lock(void **state)
{
	const struct fx *fx = *state;
	struct state *st = open_ok(fx), *st2 = NULL;
	struct nlt_err e;
	pid_t pid;
	int status = 0;

	assert_int_equal(state_open(fx->base, REALM, ACCT, STATE_CREATE, &st2, &e), -1);
	assert_msg_has(&e, "is locked");
	assert_null(st2);
	/* another process too */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(state_open(fx->base, REALM, ACCT, STATE_CREATE, &st2, &e) == -1 &&
		      strstr(e.msg, "is locked") ? 0 : 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	state_close(st);
	st2 = open_ok(fx);
	state_close(st2);
}

/* ---- a dry run only looks; the NT hash through a journal already held open ---- */

static void look_leaves_temporary_files_and_creates_nothing(void **state)
{
	const struct fx *fx = *state;
	struct state_rec a = mkrec(5, 40, 240);
	char path[512];
	struct state *st = NULL;
	struct nlt_err e;

	assert_int_equal(state_open(fx->base, REALM, ACCT, STATE_LOOK, &st, &e), 1); /* missing: not created */
	assert_null(st);
	assert_int_equal(access(fx->acct, F_OK), -1);
	put_slot(fx, "current", &a);
	snprintf(path, sizeof(path), "%s/.pending.nlttmp.0123456789ab", fx->acct);
	write_raw(path, "half", 4, 0600);
	assert_int_equal(state_open(fx->base, REALM, ACCT, STATE_LOOK, &st, &e), 0);
	assert_int_equal(count_temps(fx->acct, NULL), 1); /* a dry run writes nothing, sweeps nothing */
	assert_slot(st, STATE_CURRENT, &a);
	state_close(st);
	st = open_ok(fx);
	assert_int_equal(count_temps(fx->acct, NULL), 0);
	state_close(st);
	state_rec_wipe(&a);
}

static void nt_hash_comes_through_the_open_journal(void **state)
{
	const struct fx *fx = *state;
	/* MD4(UTF-16LE("password")), the well-known NT hash */
	static const uint8_t want[16] = { 0x88, 0x46, 0xf7, 0xea, 0xee, 0x8f, 0xb1, 0x17,
					  0xad, 0x06, 0xbd, 0xd8, 0x30, 0xb7, 0x58, 0x6c };
	struct state_rec r;
	struct state *st;
	struct nlt_err e;
	uint8_t h[16];

	assert_int_equal(state_rec_init(&r, 3, 1714566896, "dc1.lab.test", "password", 8, &e), 0);
	put_slot(fx, "current", &r);
	st = open_ok(fx);
	/* reset-password --method netlogon after a recovery holds the journal: reading it through a
	 * second open would lock the process out of its own journal */
	assert_int_equal(machine_nt_hash_journal(fx->base, REALM, ACCT, STATE_CURRENT, h), -1);
	memset(h, 0, sizeof(h));
	assert_int_equal(machine_nt_hash_state(st, STATE_CURRENT, h), 0);
	assert_memory_equal(h, want, 16);
	assert_int_equal(machine_nt_hash_state(st, STATE_PENDING, h), -1); /* no such slot */
	state_close(st);
	memset(h, 0, sizeof(h));
	assert_int_equal(machine_nt_hash_journal(fx->base, REALM, ACCT, STATE_CURRENT, h), 0);
	assert_memory_equal(h, want, 16);
	state_rec_wipe(&r);
}

/* ---- decisions after a change request ---------------------------------------- */

static void an_acknowledged_password_is_never_dropped(void **state)
{
	(void)state;
	/* the AS exchange accepts it: commit, whatever the DC said */
	assert_int_equal(state_after_confirm(STATE_DC_ACKED, 1), STATE_ACT_COMMIT);
	assert_int_equal(state_after_confirm(STATE_DC_UNKNOWN, 1), STATE_ACT_COMMIT);
	assert_int_equal(state_after_confirm(STATE_DC_NO, 1), STATE_ACT_COMMIT); /* kpasswd "error" on success */
	/* a KRB-ERROR (forgeable, or replication lag) after a clear yes: keep it pending */
	assert_int_equal(state_after_confirm(STATE_DC_ACKED, 0), STATE_ACT_KEEP);
	assert_int_equal(state_after_confirm(STATE_DC_UNKNOWN, 0), STATE_ACT_KEEP);
	/* only a clear no, confirmed by the AS exchange, drops it */
	assert_int_equal(state_after_confirm(STATE_DC_NO, 0), STATE_ACT_DROP);
	/* the AS exchange could not tell: keep it */
	assert_int_equal(state_after_confirm(STATE_DC_ACKED, -1), STATE_ACT_KEEP);
	assert_int_equal(state_after_confirm(STATE_DC_UNKNOWN, -1), STATE_ACT_KEEP);
	assert_int_equal(state_after_confirm(STATE_DC_NO, -1), STATE_ACT_KEEP);
}

static enum state_kvno_source pick(uint32_t expected, int have_as, uint32_t as, int have_dir, uint32_t dir, uint32_t *kv,
				   char *why, size_t wlen)
{
	struct state_kvno_in in = { expected, have_as, as, have_dir, dir };
	*kv = 12345;
	return state_pick_kvno(&in, kv, why, wlen);
}

static void the_new_kvno_is_confirmed_or_not_written(void **state)
{
	char why[300];
	uint32_t kv;

	(void)state;
	/* the AS-REP's kvno only when it is old + 1 */
	assert_int_equal(pick(4, 1, 4, 0, 0, &kv, why, sizeof(why)), STATE_KVNO_AS_CONSISTENT);
	assert_int_equal(kv, 4);
	assert_string_equal(state_kvno_source_str(STATE_KVNO_AS_CONSISTENT), "as-rep, consistent with old kvno");
	/* any other value comes from nobody: not written */
	assert_int_equal(pick(4, 1, 5, 0, 0, &kv, why, sizeof(why)), STATE_KVNO_UNCONFIRMED);
	assert_int_equal(kv, 0);
	assert_non_null(strstr(why, "says kvno 5 where 4 was expected"));
	assert_int_equal(pick(4, 1, 3, 0, 0, &kv, why, sizeof(why)), STATE_KVNO_UNCONFIRMED);
	assert_int_equal(pick(4, 1, 9, 0, 0, &kv, why, sizeof(why)), STATE_KVNO_UNCONFIRMED);
	assert_int_equal(pick(4, 1, 0xffffffffu, 0, 0, &kv, why, sizeof(why)), STATE_KVNO_UNCONFIRMED);
	/* no old kvno to check against, or no kvno in the AS-REP */
	assert_int_equal(pick(0, 1, 1, 0, 0, &kv, why, sizeof(why)), STATE_KVNO_UNCONFIRMED);
	assert_non_null(strstr(why, "no old kvno"));
	assert_int_equal(pick(4, 0, 0, 0, 0, &kv, why, sizeof(why)), STATE_KVNO_UNCONFIRMED);
	assert_non_null(strstr(why, "carried no kvno"));
	assert_string_equal(state_kvno_source_str(STATE_KVNO_UNCONFIRMED), "unconfirmed");
	/* the directory (sealed LDAP) wins, and a disagreeing AS-REP is named */
	assert_int_equal(pick(4, 1, 9, 1, 7, &kv, why, sizeof(why)), STATE_KVNO_DIRECTORY);
	assert_int_equal(kv, 7);
	assert_non_null(strstr(why, "msDS-KeyVersionNumber 7"));
	assert_non_null(strstr(why, "AS-REP said 9"));
	assert_int_equal(pick(0, 0, 0, 1, 3, &kv, why, sizeof(why)), STATE_KVNO_DIRECTORY);
	assert_int_equal(kv, 3);
	assert_null(strstr(why, "AS-REP said"));
	assert_string_equal(state_kvno_source_str(STATE_KVNO_DIRECTORY), "directory");
	/* a directory kvno of 0 is no kvno */
	assert_int_equal(pick(4, 1, 4, 1, 0, &kv, why, sizeof(why)), STATE_KVNO_AS_CONSISTENT);
	/* a short reason buffer truncates, never overflows */
	assert_int_equal(pick(4, 1, 5, 0, 0, &kv, why, 8), STATE_KVNO_UNCONFIRMED);
	assert_int_equal(strlen(why), 7);
}

static void remove_deletes_the_account_directory(void **state)
{
	const struct fx *fx = *state;
	struct state_rec a = mkrec(5, 50, 240), b = mkrec(6, 51, 240), c = mkrec(7, 52, 240);
	char realm[256], stray[512];
	struct state *st;
	struct nlt_err e;

	put_slot(fx, "previous", &a);
	put_slot(fx, "current", &b);
	put_slot(fx, "pending", &c);
	st = open_ok(fx);
	snprintf(stray, sizeof(stray), "%s/.current.nlttmp.00000000000a", fx->acct);
	write_raw(stray, "x", 1, 0600); /* appears while we hold the lock: swept too */
	assert_int_equal(state_remove(st, &e), 0);
	state_close(st);
	assert_int_equal(access(fx->acct, F_OK), -1);
	snprintf(realm, sizeof(realm), "%s/%s", fx->base, REALM);
	assert_int_equal(access(realm, F_OK), 0);

	/* files we did not write are not deleted blindly */
	st = open_ok(fx);
	snprintf(stray, sizeof(stray), "%s/notes.txt", fx->acct);
	write_raw(stray, "x", 1, 0600);
	assert_int_equal(state_remove(st, &e), -1);
	assert_msg_has(&e, "files nltrust did not write");
	state_close(st);
	state_rec_wipe(&a);
	state_rec_wipe(&b);
	state_rec_wipe(&c);
}

/* ---- crash at every step ---------------------------------------------------------- */

static const struct {
	const char *fp;
	int journalled; /* the new secret reached pending before the crash */
	int leaves_temp; /* the crash leaves an atomicfile temporary behind */
} crash_points[] = {
	{ "atomic-after-write:pending", 0, 1 },
	{ "atomic-before-rename:pending", 0, 1 },
	{ "atomic-before-rename", 0, 1 }, /* bare name: the first atomic write, i.e. pending */
	{ "atomic-after-rename:pending", 1, 0 },
	{ "reset-after-dc-accepted", 1, 0 }, /* a caller's own point between the two phases */
	{ "commit-begin", 1, 0 },
	{ "atomic-after-write:previous", 1, 1 },
	{ "atomic-before-rename:previous", 1, 1 },
	{ "atomic-after-rename:previous", 1, 0 },
	{ "commit-after-previous", 1, 0 },
	{ "atomic-after-write:current", 1, 1 },
	{ "atomic-before-rename:current", 1, 1 },
	{ "atomic-after-rename:current", 1, 0 },
	{ "commit-after-current", 1, 0 },
	{ "commit-after-unlink", 1, 0 },
};

/* The child: the whole reset-password sequence, as cmd_reset would run it. */
static void child_change(const char *base, const char *fp, const struct state_rec *n)
{
	struct state *st = NULL;
	struct nlt_err e;

	if (setenv("NLT_FAILPOINT", fp, 1) != 0)
		_exit(2);
	if (state_open(base, REALM, ACCT, STATE_CREATE, &st, &e) != 0)
		_exit(3);
	if (state_put_pending(st, n, &e) != 0)
		_exit(4);
	/* ... kpasswd / NetrServerPasswordSet2 accepted; AS-REQ confirms; keytab rewritten ... */
	nlt_failpoint("reset-after-dc-accepted");
	if (state_commit(st, &e) != 0)
		_exit(5);
	state_close(st);
	_exit(0);
}

static void a_crash_at_every_failpoint_leaves_a_recoverable_set(void **state)
{
	const struct fx *fx = *state;
	struct state_rec older = mkrec(4, 60, 240), old = mkrec(5, 61, 240), n = mkrec(6, 62, 240);

	for (size_t i = 0; i < sizeof(crash_points) / sizeof(crash_points[0]); i++) {
		const char *fp = crash_points[i].fp;
		struct state_cands cs;
		struct state *st;
		struct nlt_err e;
		int status = 0, others = 0;
		pid_t pid;

		/* a clean journal: current=old, previous=older */
		nftw(fx->base, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
		assert_int_equal(mkdir(fx->base, 0700), 0);
		state_close(open_ok(fx));
		put_slot(fx, "current", &old);
		put_slot(fx, "previous", &older);

		fflush(NULL);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0)
			child_change(fx->base, fp, &n);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != NLT_FAILPOINT_EXIT)
			fail_msg("failpoint %s: child status 0x%x, expected exit %d", fp, status, NLT_FAILPOINT_EXIT);

		/* the crash leaves what it leaves ... */
		assert_int_equal(count_temps(fx->acct, NULL) > 0, crash_points[i].leaves_temp);
		/* ... and the next run cleans it up and finds both secrets */
		st = open_ok(fx);
		assert_int_equal(count_temps(fx->acct, &others), 0);
		assert_int_equal(others, 0);
		nlt_clearerr(&e);
		if (state_recovery_candidates(st, &cs, &e) != 0)
			fail_msg("failpoint %s: %s", fp, e.msg);
		if (!cands_have(&cs, &old))
			fail_msg("failpoint %s: the old secret is lost", fp);
		if (cands_have(&cs, &n) != crash_points[i].journalled)
			fail_msg("failpoint %s: new secret %s", fp, crash_points[i].journalled ? "lost" : "appeared");
		/* the probe order puts the newest first */
		if (crash_points[i].journalled)
			assert_true(state_rec_same_secret(&cs.rec[0], &n));
		state_cands_wipe(&cs);

		/* recover as the next run would: the DC took the new secret iff it was journalled */
		if (crash_points[i].journalled) {
			struct state_rec p;
			if (state_load(st, STATE_PENDING, &p, &e) == 1) {
				state_rec_wipe(&p);
				assert_int_equal(state_commit(st, &e), 0);
			}
			assert_slot(st, STATE_PENDING, NULL);
			assert_slot(st, STATE_CURRENT, &n);
			assert_slot(st, STATE_PREVIOUS, &old);
		} else {
			assert_slot(st, STATE_PENDING, NULL);
			assert_slot(st, STATE_CURRENT, &old);
			assert_slot(st, STATE_PREVIOUS, &older);
		}
		state_close(st);
	}

	/* the DC refused instead: abort keeps the old set, from any pre-commit crash */
	{
		struct state *st;
		struct nlt_err e;
		int status = 0;
		pid_t pid;

		nftw(fx->base, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
		assert_int_equal(mkdir(fx->base, 0700), 0);
		state_close(open_ok(fx));
		put_slot(fx, "current", &old);
		put_slot(fx, "previous", &older);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0)
			child_change(fx->base, "reset-after-dc-accepted", &n);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == NLT_FAILPOINT_EXIT);
		st = open_ok(fx);
		assert_int_equal(state_abort_pending(st, &e), 0);
		assert_slot(st, STATE_PENDING, NULL);
		assert_slot(st, STATE_CURRENT, &old);
		assert_slot(st, STATE_PREVIOUS, &older);
		state_close(st);
	}
	state_rec_wipe(&older);
	state_rec_wipe(&old);
	state_rec_wipe(&n);
}

static void abort_failpoint_leaves_pending_in_place(void **state)
{
	const struct fx *fx = *state;
	struct state_rec old = mkrec(5, 70, 240), n = mkrec(6, 71, 240);
	struct state *st;
	struct nlt_err e;
	int status = 0;
	pid_t pid;

	put_slot(fx, "current", &old);
	put_slot(fx, "pending", &n);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		setenv("NLT_FAILPOINT", "abort-before-unlink", 1);
		if (state_open(fx->base, REALM, ACCT, 0, &st, &e) != 0)
			_exit(3);
		state_abort_pending(st, &e);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == NLT_FAILPOINT_EXIT);
	st = open_ok(fx);
	assert_slot(st, STATE_PENDING, &n);
	assert_slot(st, STATE_CURRENT, &old);
	state_close(st);
	state_rec_wipe(&old);
	state_rec_wipe(&n);
}

/* ---- atomicfile ------------------------------------------------------------------- */

static void atomic_write_replaces_with_the_exact_mode(void **state)
{
	const struct fx *fx = *state;
	char path[512];
	uint8_t *buf = NULL;
	size_t len = 0;
	struct nlt_err e;
	mode_t old = umask(077);

	snprintf(path, sizeof(path), "%s/krb5.keytab", fx->base);
	assert_int_equal(atomicfile_write(path, "first", 5, 0, &e), 0);
	assert_int_equal(mode_of(path), 0600);
	assert_int_equal(atomicfile_write(path, "second\0x", 8, 0640, &e), 0);
	assert_int_equal(mode_of(path), 0640); /* the umask did not narrow it */
	assert_int_equal(atomicfile_read(path, 100, ATOMICFILE_RD_OWNED, &buf, &len, &e), 0);
	assert_int_equal(len, 8);
	assert_memory_equal(buf, "second\0x", 8);
	assert_int_equal(buf[8], 0); /* NUL-terminated beyond len */
	atomicfile_free(buf, len);
	assert_int_equal(atomicfile_write(path, "", 0, 0, &e), 0); /* empty is fine */
	assert_int_equal(atomicfile_read(path, 100, 0, &buf, &len, &e), 0);
	assert_int_equal(len, 0);
	atomicfile_free(buf, len);
	assert_int_equal(count_temps(fx->base, NULL), 0);
	umask(old);

	/* a symlink at the target is replaced, not followed */
	{
		char link[512], victim[512];
		snprintf(victim, sizeof(victim), "%s/victim", fx->base);
		snprintf(link, sizeof(link), "%s/link", fx->base);
		write_raw(victim, "keep", 4, 0644);
		assert_int_equal(symlink("victim", link), 0);
		assert_int_equal(atomicfile_write(link, "new", 3, 0, &e), 0);
		assert_int_equal(atomicfile_read(victim, 100, 0, &buf, &len, &e), 0);
		assert_int_equal(len, 4);
		assert_memory_equal(buf, "keep", 4);
		atomicfile_free(buf, len);
		assert_int_equal(atomicfile_read(link, 100, 0, &buf, &len, &e), 0);
		assert_memory_equal(buf, "new", 3);
		atomicfile_free(buf, len);
	}
	atomicfile_free(NULL, 0);
}

static void atomic_write_failure_leaves_the_target_and_no_temp(void **state)
{
	const struct fx *fx = *state;
	char path[512], inner[600];
	struct nlt_err e;

	/* rename(2) cannot replace a non-empty directory, even for root */
	snprintf(path, sizeof(path), "%s/target", fx->base);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(inner, sizeof(inner), "%s/inner", path);
	write_raw(inner, "x", 1, 0600);
	nlt_clearerr(&e);
	assert_int_equal(atomicfile_write(path, "new", 3, 0, &e), -1);
	assert_int_equal(e.cat, NLT_ECONFIG);
	assert_msg_has(&e, path);
	assert_msg_has(&e, "rename");
	assert_int_equal(access(inner, F_OK), 0);
	assert_int_equal(count_temps(fx->base, NULL), 0);

	/* a missing directory names the directory */
	snprintf(path, sizeof(path), "%s/missing/file", fx->base);
	assert_int_equal(atomicfile_write(path, "new", 3, 0, &e), -1);
	assert_msg_has(&e, "missing");
	assert_msg_has(&e, strerror(ENOENT));
	/* not a file name */
	snprintf(path, sizeof(path), "%s/", fx->base);
	assert_int_equal(atomicfile_write(path, "new", 3, 0, &e), -1);
}

static void secure_read_enforces_its_limits(void **state)
{
	const struct fx *fx = *state;
	char path[512], link[512], fifo[512];
	uint8_t *buf = NULL;
	size_t len = 12345;
	struct nlt_err e;

	snprintf(path, sizeof(path), "%s/f", fx->base);
	write_raw(path, "0123456789", 10, 0600);
	assert_int_equal(atomicfile_read(path, 10, ATOMICFILE_RD_OWNED | ATOMICFILE_RD_PRIVATE, &buf, &len, &e), 0);
	assert_int_equal(len, 10);
	atomicfile_free(buf, len);
	assert_int_equal(atomicfile_read(path, 9, 0, &buf, &len, &e), -1);
	assert_msg_has(&e, "10 bytes, more than the 9 allowed");

	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(atomicfile_read(path, 10, ATOMICFILE_RD_PRIVATE, &buf, &len, &e), -1);
	assert_msg_has(&e, "mode 0644");
	assert_int_equal(atomicfile_read(path, 10, 0, &buf, &len, &e), 0);
	atomicfile_free(buf, len);
	if (geteuid() == 0) {
		assert_int_equal(chown(path, 65534, 65534), 0);
		assert_int_equal(atomicfile_read(path, 10, ATOMICFILE_RD_OWNED, &buf, &len, &e), -1);
		assert_msg_has(&e, "owned by uid 65534");
	}

	snprintf(link, sizeof(link), "%s/l", fx->base);
	assert_int_equal(symlink("f", link), 0);
	assert_int_equal(atomicfile_read(link, 10, 0, &buf, &len, &e), -1);
	assert_msg_has(&e, "symbolic link");

	snprintf(fifo, sizeof(fifo), "%s/p", fx->base);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(atomicfile_read(fifo, 10, 0, &buf, &len, &e), -1);
	assert_msg_has(&e, "not a regular file");
	assert_int_equal(atomicfile_read(fx->base, 10, 0, &buf, &len, &e), -1);

	snprintf(path, sizeof(path), "%s/absent", fx->base);
	buf = NULL;
	len = 7;
	assert_int_equal(atomicfile_read(path, 10, ATOMICFILE_RD_MISSING_OK, &buf, &len, &e), 1);
	assert_null(buf);
	assert_int_equal(len, 7);
	assert_int_equal(atomicfile_read(path, 10, 0, &buf, &len, &e), -1);
	assert_msg_has(&e, strerror(ENOENT));
	snprintf(path, sizeof(path), "%s/absent-dir/absent", fx->base);
	assert_int_equal(atomicfile_read(path, 10, ATOMICFILE_RD_MISSING_OK, &buf, &len, &e), 1);
}

static void temp_names_are_recognised_exactly(void **state)
{
	(void)state;
	assert_true(atomicfile_is_temp_name(".current.nlttmp.0123456789ab"));
	assert_true(atomicfile_is_temp_name(".krb5.keytab.nlttmp.ffffffffffff"));
	assert_false(atomicfile_is_temp_name("current"));
	assert_false(atomicfile_is_temp_name(".current.nlttmp.0123456789AB"));
	assert_false(atomicfile_is_temp_name(".current.nlttmp.0123456789a"));
	assert_false(atomicfile_is_temp_name("current.nlttmp.0123456789ab"));
	assert_false(atomicfile_is_temp_name("..nlttmp.0123456789ab"));
	assert_false(atomicfile_is_temp_name(".x.tmp.0123456789ab"));
	assert_false(atomicfile_is_temp_name(""));
	assert_false(atomicfile_is_temp_name(NULL));
}

static int fp_child(const char *env, const char *name, const char *detail)
{
	int status = 0;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		if (env)
			setenv("NLT_FAILPOINT", env, 1);
		else
			unsetenv("NLT_FAILPOINT");
		nlt_failpoint_at(name, detail);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static void failpoints_fire_only_on_their_name(void **state)
{
	(void)state;
	assert_int_equal(fp_child(NULL, "commit-begin", NULL), 0);
	assert_int_equal(fp_child("", "commit-begin", NULL), 0);
	assert_int_equal(fp_child("commit-begin", "commit-begin", NULL), 99);
	assert_int_equal(fp_child("commit-begi", "commit-begin", NULL), 0);
	assert_int_equal(fp_child("commit-begin-x", "commit-begin", NULL), 0);
	assert_int_equal(fp_child("atomic-before-rename", "atomic-before-rename", "current"), 99);
	assert_int_equal(fp_child("atomic-before-rename:current", "atomic-before-rename", "current"), 99);
	assert_int_equal(fp_child("atomic-before-rename:previous", "atomic-before-rename", "current"), 0);
	assert_int_equal(fp_child("atomic-before-rename:current", "atomic-before-rename", NULL), 0);
	assert_int_equal(fp_child("atomic-before-rename:", "atomic-before-rename", "current"), 0);
	/* and in this process, with the variable unset, nothing happens */
	unsetenv("NLT_FAILPOINT");
	nlt_failpoint("commit-begin");
}

/* The DC facts cache (issue 11): only the exact format is a hint; a round trip keeps every fact. */
static void dc_cache_parse_and_format(void **state)
{
	static const char good[] = "nltrust-dc 1\ndns_domain lab.test\nnetbios_domain LAB\ndc_dns_name dc1.lab.test\n"
				   "dc_netbios_name DC1\ndc_site Default-First-Site-Name\nforest lab.test\nflags 0x000013fd\n";
	static const char *const bad[] = {
		"",
		"nltrust-dc 1\n",
		"nltrust-dc 2\ndns_domain lab.test\nnetbios_domain LAB\ndc_dns_name dc1.lab.test\ndc_netbios_name DC1\n",
		/* a required name missing */
		"nltrust-dc 1\ndns_domain lab.test\nnetbios_domain LAB\ndc_dns_name dc1.lab.test\n",
		/* a key twice */
		"nltrust-dc 1\ndns_domain lab.test\ndns_domain x.test\nnetbios_domain LAB\ndc_dns_name d\ndc_netbios_name D\n",
		/* unknown key, no newline at the end, empty value, space in a value, NetBIOS name too long */
		"nltrust-dc 1\ndns_domain lab.test\nnetbios_domain LAB\ndc_dns_name d\ndc_netbios_name D\nport 1\n",
		"nltrust-dc 1\ndns_domain lab.test\nnetbios_domain LAB\ndc_dns_name d\ndc_netbios_name D",
		"nltrust-dc 1\ndns_domain \nnetbios_domain LAB\ndc_dns_name d\ndc_netbios_name D\n",
		"nltrust-dc 1\ndns_domain lab test\nnetbios_domain LAB\ndc_dns_name d\ndc_netbios_name D\n",
		"nltrust-dc 1\ndns_domain lab.test\nnetbios_domain ABCDEFGHIJKLMNOP\ndc_dns_name d\ndc_netbios_name D\n",
		/* flags not 0x + 8 lower-case hex digits; a control character */
		"nltrust-dc 1\ndns_domain l\nnetbios_domain L\ndc_dns_name d\ndc_netbios_name D\nflags 0x13fd\n",
		"nltrust-dc 1\ndns_domain l\nnetbios_domain L\ndc_dns_name d\ndc_netbios_name D\nflags 0x000013FD\n",
		"nltrust-dc 1\ndns_domain l\x01\nnetbios_domain L\ndc_dns_name d\ndc_netbios_name D\n",
	};
	struct state_dc_facts f, g;
	char text[2048];
	int n;
	(void)state;

	assert_int_equal(state_dc_parse((const uint8_t *)good, strlen(good), &f), 0);
	assert_string_equal(f.dns_domain, "lab.test");
	assert_string_equal(f.netbios_domain, "LAB");
	assert_string_equal(f.dc_dns_name, "dc1.lab.test");
	assert_string_equal(f.dc_netbios_name, "DC1");
	assert_string_equal(f.dc_site, "Default-First-Site-Name");
	assert_int_equal(f.flags, 0x13fd);
	assert_true(f.have_flags);
	n = state_dc_format(&f, text, sizeof(text));
	assert_int_equal(n, (int)strlen(good));
	assert_memory_equal(text, good, strlen(good));
	/* every prefix is refused, but those that end a line after the four names (the rest is optional) */
	for (size_t i = 0, req_end = (size_t)(strstr(good, "dc_site") - good); i < strlen(good); i++)
		assert_int_equal(state_dc_parse((const uint8_t *)good, i, &g), i >= req_end && good[i - 1] == '\n' ? 0 : -1);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&g, 0x5a, sizeof(g));
		assert_int_equal(state_dc_parse((const uint8_t *)bad[i], strlen(bad[i]), &g), -1);
		assert_int_equal((unsigned char)g.dns_domain[0], 0x5a); /* untouched */
	}
	/* a value that cannot be written is not cached */
	g = f;
	strcpy(g.dc_site, "Site With Spaces");
	assert_int_equal(state_dc_format(&g, text, sizeof(text)), -1);
	/* the same DC: names without case; the site does not make it another */
	g = f;
	strcpy(g.netbios_domain, "lab");
	strcpy(g.dc_site, "Branch");
	assert_true(state_dc_same(&f, &g));
	strcpy(g.dns_domain, "other.test");
	assert_false(state_dc_same(&f, &g));
}

/* store + load in a private directory; a file with group/other bits is not trusted */
static void dc_cache_store_and_load(void **state)
{
	char dir[] = "/tmp/nlt-dccache-XXXXXX", path[200];
	struct state_dc_facts f, g;
	struct nlt_addr a;
	(void)state;

	assert_non_null(mkdtemp(dir));
	assert_int_equal(nlt_addr_parse(&a, "198.18.0.10", 0), 0);
	memset(&f, 0, sizeof(f));
	strcpy(f.dns_domain, "lab.test");
	strcpy(f.netbios_domain, "LAB");
	strcpy(f.dc_dns_name, "dc1.lab.test");
	strcpy(f.dc_netbios_name, "DC1");
	assert_int_equal(state_dc_load(dir, &a, &g), 0);
	assert_int_equal(state_dc_store(dir, &a, &f), 0);
	memset(&g, 0, sizeof(g));
	assert_int_equal(state_dc_load(dir, &a, &g), 1);
	assert_true(state_dc_same(&f, &g));
	assert_false(g.have_flags);
	snprintf(path, sizeof(path), "%s/dc-198.18.0.10", dir);
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(state_dc_load(dir, &a, &g), 0);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(record_format_is_the_documented_text),
		cmocka_unit_test(record_round_trips_every_byte_value_and_the_limits),
		cmocka_unit_test(record_parser_rejects_every_prefix_and_survives_bit_flips),
		cmocka_unit_test(record_parser_names_each_malformation),
		cmocka_unit_test_setup_teardown(components_are_sanitised, setup, teardown),
		cmocka_unit_test_setup_teardown(open_creates_0700_dirs_and_0600_files_whatever_the_umask, setup,
						teardown),
		cmocka_unit_test_setup_teardown(open_without_create_reports_a_missing_directory, setup, teardown),
		cmocka_unit_test_setup_teardown(open_refuses_group_or_world_writable_directories, setup, teardown),
		cmocka_unit_test_setup_teardown(open_refuses_a_directory_owned_by_someone_else, setup, teardown),
		cmocka_unit_test_setup_teardown(open_refuses_symlinked_realm_or_account, setup, teardown),
		cmocka_unit_test_setup_teardown(load_refuses_symlinked_shared_or_odd_files, setup, teardown),
		cmocka_unit_test_setup_teardown(load_reports_malformed_files_by_name, setup, teardown),
		cmocka_unit_test_setup_teardown(put_pending_refuses_to_overwrite_an_interrupted_change, setup,
						teardown),
		cmocka_unit_test_setup_teardown(commit_rotates_and_is_idempotent, setup, teardown),
		cmocka_unit_test_setup_teardown(abort_pending_drops_only_pending, setup, teardown),
		cmocka_unit_test_setup_teardown(candidates_come_in_probe_order_without_duplicates, setup, teardown),
		cmocka_unit_test_setup_teardown(open_sweeps_stray_temporary_files, setup, teardown),
		cmocka_unit_test_setup_teardown(a_second_open_is_refused_while_the_first_holds_the_lock, setup,
						teardown),
		cmocka_unit_test_setup_teardown(remove_deletes_the_account_directory, setup, teardown),
		cmocka_unit_test_setup_teardown(look_leaves_temporary_files_and_creates_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(nt_hash_comes_through_the_open_journal, setup, teardown),
		cmocka_unit_test(an_acknowledged_password_is_never_dropped),
		cmocka_unit_test(the_new_kvno_is_confirmed_or_not_written),
		cmocka_unit_test_setup_teardown(a_crash_at_every_failpoint_leaves_a_recoverable_set, setup, teardown),
		cmocka_unit_test_setup_teardown(abort_failpoint_leaves_pending_in_place, setup, teardown),
		cmocka_unit_test_setup_teardown(atomic_write_replaces_with_the_exact_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(atomic_write_failure_leaves_the_target_and_no_temp, setup, teardown),
		cmocka_unit_test_setup_teardown(secure_read_enforces_its_limits, setup, teardown),
		cmocka_unit_test(temp_names_are_recognised_exactly),
		cmocka_unit_test(failpoints_fire_only_on_their_name),
		cmocka_unit_test(dc_cache_parse_and_format),
		cmocka_unit_test(dc_cache_store_and_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
