/*
 * tests/unit/test_ktfile.c - keytab rewrite for a new machine password and
 * removal on leave (src/krb/ktfile.c), on real files in a scratch directory.
 * Input keytabs are built with the keytab encoder from fixed key bytes, so
 * which principals "share the machine's key" is under the test's control.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "atomicfile.h"
#include "keys.h"
#include "keytab.h"
#include "ktfile.h"

static char dir[64], path[128];
static krb5_context kc;

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/nlt-ktfile-XXXXXX");
	if (!mkdtemp(dir) || krb5_init_context(&kc) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/krb5.keytab", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	rmdir(dir);
	krb5_free_context(kc);
	return 0;
}

struct spec {
	const char *princ;
	uint32_t kvno;
	int32_t enctype;
	uint8_t keybyte; /* the key is 32 copies of this byte */
};

static uint8_t keys_store[64][32];

static void write_keytab(const struct spec *sp, size_t n)
{
	struct kt_entry e[64];
	uint8_t buf[16384];
	struct wwr w;
	struct nlt_err err;

	assert_true(n <= 64);
	memset(e, 0, sizeof(e));
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(kt_entry_set_principal(&e[i], sp[i].princ), WIRE_OK);
		memset(keys_store[i], sp[i].keybyte, 32);
		e[i].kvno = sp[i].kvno;
		e[i].enctype = sp[i].enctype;
		e[i].key.ptr = keys_store[i];
		e[i].key.len = sp[i].enctype == KEYS_ET_AES128 || sp[i].enctype == KEYS_ET_RC4 ? 16 : 32;
		e[i].timestamp = 1700000000;
	}
	wwr_init(&w, buf, sizeof(buf));
	assert_int_equal(kt_enc(&w, e, n), WIRE_OK);
	assert_int_equal(atomicfile_write(path, buf, wwr_len(&w), 0600, &err), 0);
}

/* Read back: entries and a buffer that owns them. */
static size_t read_keytab(struct kt_entry *e, size_t cap, uint8_t **owner, size_t *olen)
{
	struct nlt_err err;
	struct kt_dec_info info;

	assert_int_equal(atomicfile_read(path, 1 << 20, 0, owner, olen, &err), 0);
	assert_int_equal(kt_dec(*owner, *olen, e, cap, &info), WIRE_OK);
	return info.n_entries;
}

static size_t count(const struct kt_entry *e, size_t n, const char *princ, uint32_t kvno)
{
	size_t c = 0;
	char b[300];

	for (size_t i = 0; i < n; i++) {
		kt_entry_principal_str(&e[i], b, sizeof(b));
		c += strcmp(b, princ) == 0 && (kvno == 0 || e[i].kvno == kvno);
	}
	return c;
}

static const int32_t aes[] = { KEYS_ET_AES256, KEYS_ET_AES128 };

static void test_fresh_keytab(void **state)
{
	struct ktfile_req rq = { path, "LAB.TEST", "WS9$", "ws9.lab.test", "Secret-pw-123", 1, aes, 2 };
	struct ktfile_summary sum;
	struct nlt_err err;
	struct kt_entry e[32];
	uint8_t *own;
	size_t olen, n;
	struct stat st;
	struct nlt_key want;
	char salt[128];

	(void)state;
	unlink(path);
	assert_int_equal(ktfile_rewrite(kc, &rq, &sum, &err), 0);
	assert_int_equal(sum.n_principals, 3);
	assert_int_equal(sum.prev_kvno, 0);
	n = read_keytab(e, 32, &own, &olen);
	assert_int_equal(n, 6);
	assert_int_equal(count(e, n, "WS9$@LAB.TEST", 1), 2);
	assert_int_equal(count(e, n, "host/ws9@LAB.TEST", 1), 2);
	assert_int_equal(count(e, n, "host/ws9.lab.test@LAB.TEST", 1), 2);
	/* the key is the AD-salted string-to-key of the password */
	assert_int_equal(keys_salt_computer("LAB.TEST", "WS9$", salt, sizeof(salt), &err), 0);
	assert_string_equal(salt, "LAB.TESThostws9.lab.test");
	assert_int_equal(keys_string_to_key(kc, KEYS_ET_AES256, "Secret-pw-123", 13, salt, strlen(salt), 0, &want, &err), 0);
	assert_int_equal(e[0].enctype, KEYS_ET_AES256);
	assert_memory_equal(e[0].key.ptr, want.bytes, 32);
	atomicfile_free(own, olen);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
}

static void test_rotation_keeps_previous_drops_older_and_others_untouched(void **state)
{
	const struct spec in[] = {
		{ "WS9$@LAB.TEST", 1, KEYS_ET_AES256, 0x11 },
		{ "host/ws9@LAB.TEST", 1, KEYS_ET_AES256, 0x11 },
		{ "WS9$@LAB.TEST", 2, KEYS_ET_AES256, 0x22 },
		{ "WS9$@LAB.TEST", 2, KEYS_ET_RC4, 0x23 },
		{ "host/ws9@LAB.TEST", 2, KEYS_ET_AES256, 0x22 },
		{ "host/ws9@LAB.TEST", 2, KEYS_ET_RC4, 0x23 },
		{ "RestrictedKrbHost/ws9@LAB.TEST", 2, KEYS_ET_AES256, 0x22 },
		{ "HTTP/web.lab.test@LAB.TEST", 7, KEYS_ET_AES256, 0x77 }, /* another account's key */
	};
	const int32_t et3[] = { KEYS_ET_AES256, KEYS_ET_AES128, KEYS_ET_RC4 };
	struct ktfile_req rq = { path, "LAB.TEST", "WS9$", "ws9.lab.test", "New-pw-456", 3, et3, 3 };
	struct ktfile_summary sum;
	struct nlt_err err;
	struct kt_entry e[64];
	uint8_t *own;
	size_t olen, n;

	(void)state;
	write_keytab(in, sizeof(in) / sizeof(in[0]));
	assert_int_equal(ktfile_rewrite(kc, &rq, &sum, &err), 0);
	assert_int_equal(sum.prev_kvno, 2);
	assert_int_equal(sum.n_principals, 3); /* WS9$, host/ws9, RestrictedKrbHost/ws9: they share kvno 2's key */
	assert_int_equal(sum.n_kept_other, 1);
	n = read_keytab(e, 64, &own, &olen);
	assert_int_equal(count(e, n, "WS9$@LAB.TEST", 1), 0);      /* older than previous: dropped */
	assert_int_equal(count(e, n, "host/ws9@LAB.TEST", 1), 0);
	assert_int_equal(count(e, n, "WS9$@LAB.TEST", 2), 2);      /* previous kept as it was */
	assert_int_equal(count(e, n, "host/ws9@LAB.TEST", 2), 2);
	assert_int_equal(count(e, n, "WS9$@LAB.TEST", 3), 3);      /* new: one per enctype */
	assert_int_equal(count(e, n, "RestrictedKrbHost/ws9@LAB.TEST", 3), 3);
	assert_int_equal(count(e, n, "HTTP/web.lab.test@LAB.TEST", 7), 1);
	assert_int_equal(n, 2 + 2 + 1 + 9 + 1);
	atomicfile_free(own, olen);

	/* a recovery rewrite of the same kvno (the keytab already has kvno 3) keeps kvno 2, not 3 twice */
	assert_int_equal(ktfile_rewrite(kc, &rq, &sum, &err), 0);
	assert_int_equal(sum.prev_kvno, 2);
	n = read_keytab(e, 64, &own, &olen);
	assert_int_equal(count(e, n, "WS9$@LAB.TEST", 3), 3);
	assert_int_equal(count(e, n, "WS9$@LAB.TEST", 2), 2);
	assert_int_equal(count(e, n, "HTTP/web.lab.test@LAB.TEST", 0), 1);
	atomicfile_free(own, olen);
}

static void test_damaged_keytab_is_left_alone(void **state)
{
	struct ktfile_req rq = { path, "LAB.TEST", "WS9$", "ws9.lab.test", "pw", 2, aes, 2 };
	struct ktfile_summary sum;
	struct nlt_err err;
	static const uint8_t junk[] = { 0x05, 0x02, 0x00, 0x00, 0x00, 0x40, 0x00 };
	uint8_t *own;
	size_t olen;
	size_t removed;

	(void)state;
	assert_int_equal(atomicfile_write(path, junk, sizeof(junk), 0600, &err), 0);
	assert_int_equal(ktfile_rewrite(kc, &rq, &sum, &err), -1);
	assert_int_equal(err.cat, NLT_ECONFIG);
	assert_non_null(strstr(err.msg, path));
	assert_int_equal(ktfile_remove_machine(path, "LAB.TEST", "WS9$", &removed, &err), -1);
	assert_int_equal(atomicfile_read(path, 1024, 0, &own, &olen, &err), 0);
	assert_int_equal(olen, sizeof(junk));
	assert_memory_equal(own, junk, sizeof(junk));
	atomicfile_free(own, olen);
}

static void test_remove_machine(void **state)
{
	const struct spec in[] = {
		{ "WS9$@LAB.TEST", 2, KEYS_ET_AES256, 0x22 },
		{ "host/ws9@LAB.TEST", 2, KEYS_ET_AES256, 0x22 },
		{ "WS9$@LAB.TEST", 3, KEYS_ET_AES256, 0x33 },
		{ "host/ws9.lab.test@LAB.TEST", 3, KEYS_ET_AES256, 0x33 },
		{ "HTTP/web.lab.test@LAB.TEST", 7, KEYS_ET_AES256, 0x77 },
		{ "WS10$@LAB.TEST", 1, KEYS_ET_AES256, 0x99 },
	};
	struct nlt_err err;
	struct kt_entry e[16];
	uint8_t *own;
	size_t olen, n, removed;

	(void)state;
	write_keytab(in, sizeof(in) / sizeof(in[0]));
	assert_int_equal(ktfile_remove_machine(path, "LAB.TEST", "ws9$", &removed, &err), 0);
	assert_int_equal(removed, 4);
	n = read_keytab(e, 16, &own, &olen);
	assert_int_equal(n, 2);
	assert_int_equal(count(e, n, "HTTP/web.lab.test@LAB.TEST", 7), 1);
	assert_int_equal(count(e, n, "WS10$@LAB.TEST", 1), 1);
	atomicfile_free(own, olen);
	/* nothing left of it: a second leave changes nothing; a missing keytab is no error */
	assert_int_equal(ktfile_remove_machine(path, "LAB.TEST", "WS9$", &removed, &err), 0);
	assert_int_equal(removed, 0);
	unlink(path);
	assert_int_equal(ktfile_remove_machine(path, "LAB.TEST", "WS9$", &removed, &err), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fresh_keytab),
		cmocka_unit_test(test_rotation_keeps_previous_drops_older_and_others_untouched),
		cmocka_unit_test(test_damaged_keytab_is_left_alone),
		cmocka_unit_test(test_remove_machine),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
