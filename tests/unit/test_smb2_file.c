/*
 * tests/unit/test_smb2_file.c - reading a file on a disk share with the SMB2 client
 * (src/rpc/smb2c.c smb2c_tree_connect_disk, smb2c_read_file: audit reads GptTmpl.inf from SYSVOL)
 * against a scripted peer on loopback TCP, as tests/unit/test_smb2_hostile.c does (the same
 * NEGOTIATE and synthetic session; the plumbing is shared in smb2_peer.h, the cases are the file's):
 * a file read in 64 KiB chunks at the right offsets and equal to what was served, a file larger
 * than the cap refused without a READ (and closed), STATUS_OBJECT_NAME/PATH_NOT_FOUND as "no such
 * file/folder" (1), a share that is not a disk share, a READ answer longer than asked, an early
 * end of file, an unsigned READ answer, an encrypted session.  Each failure is one line naming the
 * peer, within the deadline.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "smb2.h"
#include "smb2_crypto.h"
#include "smb2c.h"
#include "util.h"
#include "wire.h"

#define DEADLINE_MS 1500
#define SID 0x0000100000000045ull
#define TID 0x00000009u
#define FILE_LEN 150000 /* three READs of 64 KiB */

enum mode { FM_OK, FM_ENC, FM_HUGE, FM_NAME_NF, FM_PATH_NF, FM_PIPE_SHARE, FM_READ_TOO_LONG, FM_EARLY_EOF, FM_UNSIGNED_READ,
	    FM_DENIED };

struct peer {
	int lfd, fd;
	enum mode mode;
	int encrypt;
	uint8_t preauth[SMB2_PREAUTH_HASH_LEN];
	struct smb2_keys keys;
	int have_keys;
	uint8_t in[70000], out[70000], tmp[70000];
	size_t in_len;
	struct smb2_hdr rh[4];
	size_t n_rh;
	/* what the client did */
	unsigned n_reads, n_closes;
	uint64_t read_off[8];
	uint32_t read_len[8];
	char create_name[300];
	uint32_t create_access, create_share, create_disp, create_opts;
};

/* the file's byte at offset i */
static uint8_t fbyte(size_t i)
{
	return (uint8_t)(i * 7 + (i >> 9));
}

/* ---- the peer's plumbing ---- */

#include "smb2_peer.h"

static void send_signed(struct peer *p, size_t len, int sign_it)
{
	if (!p->encrypt && sign_it)
		sign(p, p->out, len);
	peer_send(p, p->out, len);
}

static void answer_error(struct peer *p, uint32_t status)
{
	struct wwr w;

	wwr_init(&w, p->out, sizeof(p->out));
	rsp_hdr(&w, &p->rh[0], status, 8, 0);
	wwr_u16le(&w, 9);
	wwr_u16le(&w, 0);
	wwr_u32le(&w, 0);
	wwr_u8(&w, 0);
	send_signed(p, wwr_len(&w), 1);
}

static void answer_tcon(struct peer *p)
{
	struct wwr w;

	wwr_init(&w, p->out, sizeof(p->out));
	rsp_hdr(&w, &p->rh[0], 0, 8, 0);
	wwr_u16le(&w, 16);
	wwr_u8(&w, p->mode == FM_PIPE_SHARE ? SMB2_SHARE_TYPE_PIPE : SMB2_SHARE_TYPE_DISK);
	wwr_u8(&w, 0);
	wwr_u32le(&w, 0);
	wwr_u32le(&w, 0);
	wwr_u32le(&w, 0x1f01ff);
	send_signed(p, wwr_len(&w), 1);
}

static void answer_create(struct peer *p)
{
	const uint8_t *m = p->in;
	uint16_t noff = ld_u16le(m + 64 + 44), nlen = ld_u16le(m + 64 + 46);
	struct wwr w;
	size_t i;

	p->create_access = ld_u32le(m + 64 + 24);
	p->create_share = ld_u32le(m + 64 + 32);
	p->create_disp = ld_u32le(m + 64 + 36);
	p->create_opts = ld_u32le(m + 64 + 40);
	for (i = 0; i < nlen / 2 && i < sizeof(p->create_name) - 1 && noff + 2 * i < p->in_len; i++)
		p->create_name[i] = (char)m[noff + 2 * i];
	p->create_name[i] = '\0';
	if (p->mode == FM_NAME_NF || p->mode == FM_PATH_NF || p->mode == FM_DENIED) {
		answer_error(p, p->mode == FM_NAME_NF   ? SMB2_STATUS_OBJECT_NAME_NOT_FOUND
				: p->mode == FM_PATH_NF ? SMB2_STATUS_OBJECT_PATH_NOT_FOUND
						       : 0xc0000022u);
		return;
	}
	wwr_init(&w, p->out, sizeof(p->out));
	rsp_hdr(&w, &p->rh[0], 0, 8, 0);
	wwr_u16le(&w, 89);
	wwr_u8(&w, 0);
	wwr_u8(&w, 0);
	wwr_u32le(&w, 1); /* FILE_OPENED */
	for (int k = 0; k < 4; k++)
		wwr_u64le(&w, 0); /* times */
	wwr_u64le(&w, FILE_LEN);                                          /* AllocationSize */
	wwr_u64le(&w, p->mode == FM_HUGE ? 2u * 1024 * 1024 : FILE_LEN); /* EndofFile */
	wwr_u32le(&w, 0x20);
	wwr_u32le(&w, 0);
	wwr_u64le(&w, 0x3333);
	wwr_u64le(&w, 0x4444);
	wwr_u32le(&w, 0);
	wwr_u32le(&w, 0);
	wwr_u8(&w, 0);
	send_signed(p, wwr_len(&w), 1);
}

static void answer_read(struct peer *p)
{
	const uint8_t *m = p->in;
	uint32_t len = ld_u32le(m + 64 + 4);
	uint64_t off = (uint64_t)ld_u32le(m + 64 + 8) | (uint64_t)ld_u32le(m + 64 + 12) << 32;
	size_t n;
	struct wwr w;

	if (p->n_reads < 8) {
		p->read_off[p->n_reads] = off;
		p->read_len[p->n_reads] = len;
	}
	p->n_reads++;
	if (p->mode == FM_EARLY_EOF && off >= 65536) {
		answer_error(p, SMB2_STATUS_END_OF_FILE);
		return;
	}
	n = off >= FILE_LEN ? 0 : FILE_LEN - off < len ? FILE_LEN - off : len;
	if (p->mode == FM_READ_TOO_LONG)
		n = len + 16 > 65536 ? 65536 : len + 16;
	wwr_init(&w, p->out, sizeof(p->out));
	rsp_hdr(&w, &p->rh[0], 0, 8, 0);
	wwr_u16le(&w, 17);
	wwr_u8(&w, 80); /* DataOffset */
	wwr_u8(&w, 0);
	wwr_u32le(&w, (uint32_t)n);
	wwr_u32le(&w, 0);
	wwr_u32le(&w, 0);
	for (size_t i = 0; i < n; i++)
		wwr_u8(&w, fbyte(off + i));
	assert_int_equal(w.err, WIRE_OK);
	send_signed(p, wwr_len(&w), p->mode != FM_UNSIGNED_READ);
}

static void answer_close(struct peer *p)
{
	struct wwr w;

	p->n_closes++;
	wwr_init(&w, p->out, sizeof(p->out));
	rsp_hdr(&w, &p->rh[0], 0, 8, 0);
	wwr_u16le(&w, 60);
	wwr_u16le(&w, 0);
	wwr_u32le(&w, 0);
	wwr_zero(&w, 52);
	send_signed(p, wwr_len(&w), 1);
}

static void *peer_main(void *arg)
{
	struct peer *p = arg;
	size_t len;

	p->fd = accept(p->lfd, NULL, NULL);
	if (p->fd < 0)
		return NULL;
	if (peer_recv(p))
		goto out;
	smb2_preauth_update(p->preauth, p->in, p->in_len);
	len = negotiate_rep_credits(p, p->out, 8);
	smb2_preauth_update(p->preauth, p->out, len);
	peer_send_enc(p, p->out, len, 0);
	assert_int_equal(smb2_derive_keys(SMB2_DIALECT_311, SMB2_CIPHER_AES128_GCM, gss_key, sizeof(gss_key),
					  p->preauth, &p->keys),
			 WIRE_OK);
	p->have_keys = 1;
	while (peer_recv(p) == 0) {
		switch (p->rh[0].command) {
		case SMB2_TREE_CONNECT: answer_tcon(p); break;
		case SMB2_CREATE: answer_create(p); break;
		case SMB2_READ: answer_read(p); break;
		case SMB2_CLOSE: answer_close(p); break;
		default: break;
		}
	}
out:
	close(p->fd);
	p->fd = -1;
	return NULL;
}

struct fx {
	struct peer *p;
	pthread_t t;
	struct smb2c c;
	struct nlt_err e;
	uint8_t *buf;
	size_t got;
	int rc;
	uint64_t elapsed;
};

static void start(struct fx *f, enum mode mode)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	struct nlt_addr a;

	memset(f, 0, sizeof(*f));
	f->p = calloc(1, sizeof(*f->p));
	f->buf = malloc(SMB2C_FILE_MAX);
	assert_non_null(f->p);
	assert_non_null(f->buf);
	f->p->mode = mode;
	f->p->encrypt = mode == FM_ENC;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	f->p->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(f->p->lfd >= 0);
	assert_int_equal(bind(f->p->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(f->p->lfd, 1), 0);
	assert_int_equal(getsockname(f->p->lfd, (struct sockaddr *)&sa, &sl), 0);
	assert_int_equal(pthread_create(&f->t, NULL, peer_main, f->p), 0);
	assert_int_equal(nlt_addr_parse(&a, "127.0.0.1", ntohs(sa.sin_port)), 0);
	if (smb2c_connect(&f->c, &a, "dc.file.test", NULL, nlt_now_ms() + 5000, &f->e) != 0)
		fail_msg("negotiate with the scripted peer failed: %s", f->e.msg);
	f->c.session_id = SID;
	assert_int_equal(smb2_derive_keys(f->c.dialect, f->c.cipher, gss_key, sizeof(gss_key), f->c.preauth, &f->c.keys),
			 WIRE_OK);
	f->c.have_keys = 1;
	f->c.encrypt = f->p->encrypt;
}

/* tree connect SYSVOL, read the template; rc, bytes and time into f */
static int run(struct fx *f)
{
	uint64_t t0 = nlt_now_ms();

	f->c.deadline_ms = t0 + DEADLINE_MS;
	f->rc = smb2c_tree_connect_disk(&f->c, "SYSVOL", &f->e);
	if (f->rc == 0)
		f->rc = smb2c_read_file(&f->c, "lab.test\\Policies\\{X}\\GptTmpl.inf", f->buf, SMB2C_FILE_MAX, &f->got,
					&f->e);
	f->elapsed = nlt_now_ms() - t0;
	if (f->rc)
		print_message("    -> rc %d: %s [cat %d, %llu ms]\n", f->rc, f->e.msg, (int)f->e.cat,
			      (unsigned long long)f->elapsed);
	return f->rc;
}

static void finish(struct fx *f)
{
	smb2c_free(&f->c);
	pthread_join(f->t, NULL);
	close(f->p->lfd);
	free(f->p);
	free(f->buf);
}

static void assert_one_line_naming_peer(const struct fx *f, const char *what)
{
	if (!strstr(f->e.msg, what))
		fail_msg("error \"%s\" does not say \"%s\"", f->e.msg, what);
	assert_non_null(strstr(f->e.msg, "dc.file.test (127.0.0.1)"));
	assert_null(strchr(f->e.msg, '\n'));
	assert_true(f->elapsed < DEADLINE_MS);
}

static void check_whole_file(struct fx *f)
{
	assert_int_equal(f->rc, 0);
	assert_int_equal(f->got, FILE_LEN);
	for (size_t i = 0; i < FILE_LEN; i++)
		if (f->buf[i] != fbyte(i))
			fail_msg("byte %zu differs", i);
}

static void test_read_chunks_detail(void **state)
{
	struct fx f;
	struct peer p;
	(void)state;
	start(&f, FM_OK);
	run(&f);
	check_whole_file(&f);
	smb2c_free(&f.c);
	pthread_join(f.t, NULL);
	p = *f.p;
	close(f.p->lfd);
	free(f.p);
	free(f.buf);
	assert_string_equal(p.create_name, "lab.test\\Policies\\{X}\\GptTmpl.inf");
	assert_int_equal(p.create_access, SMB2_FILE_READ_DATA | SMB2_FILE_READ_ATTRIBUTES);
	assert_int_equal(p.create_share, SMB2_FILE_SHARE_READ);
	assert_int_equal(p.create_disp, SMB2_FILE_OPEN);
	assert_int_equal(p.create_opts, SMB2_FILE_NON_DIRECTORY_FILE);
	assert_int_equal(p.n_reads, 3);
	assert_int_equal(p.read_off[0], 0);
	assert_int_equal(p.read_off[1], 65536);
	assert_int_equal(p.read_off[2], 131072);
	assert_int_equal(p.read_len[2], FILE_LEN - 131072);
	assert_int_equal(p.n_closes, 1);
}

static void test_read_encrypted(void **state)
{
	struct fx f;
	(void)state;
	start(&f, FM_ENC);
	run(&f);
	check_whole_file(&f);
	assert_true(f.c.n_decrypted >= 5);
	finish(&f);
}

static void test_too_large(void **state)
{
	struct fx f;
	struct peer *p;
	(void)state;
	start(&f, FM_HUGE);
	assert_int_equal(run(&f), -1);
	assert_int_equal(f.e.cat, NLT_EPROTO);
	assert_one_line_naming_peer(&f, "more than the 1048576-byte limit");
	p = f.p;
	smb2c_free(&f.c);
	pthread_join(f.t, NULL);
	assert_int_equal(p->n_reads, 0);  /* not a byte read */
	assert_int_equal(p->n_closes, 1); /* and the open closed */
	close(p->lfd);
	free(p);
	free(f.buf);
}

static void test_not_found(void **state)
{
	struct fx f;
	(void)state;
	start(&f, FM_NAME_NF);
	assert_int_equal(run(&f), 1);
	assert_int_equal(f.c.last_status, SMB2_STATUS_OBJECT_NAME_NOT_FOUND);
	assert_one_line_naming_peer(&f, "no such file (NTSTATUS 0xc0000034, STATUS_OBJECT_NAME_NOT_FOUND)");
	finish(&f);
	start(&f, FM_PATH_NF);
	assert_int_equal(run(&f), 1);
	assert_one_line_naming_peer(&f, "no such folder (NTSTATUS 0xc000003a, STATUS_OBJECT_PATH_NOT_FOUND)");
	finish(&f);
}

static void test_denied(void **state)
{
	struct fx f;
	(void)state;
	start(&f, FM_DENIED);
	assert_int_equal(run(&f), -1);
	assert_int_equal(f.e.cat, NLT_EAUTH);
	assert_one_line_naming_peer(&f, "open lab.test\\Policies\\{X}\\GptTmpl.inf to dc.file.test (127.0.0.1): access denied");
	finish(&f);
}

static void test_pipe_share(void **state)
{
	struct fx f;
	(void)state;
	start(&f, FM_PIPE_SHARE);
	assert_int_equal(run(&f), -1);
	assert_int_equal(f.e.cat, NLT_EPROTO);
	assert_one_line_naming_peer(&f, "not a disk share");
	finish(&f);
}

static void test_read_too_long(void **state)
{
	struct fx f;
	(void)state;
	start(&f, FM_READ_TOO_LONG);
	assert_int_equal(run(&f), -1);
	assert_int_equal(f.e.cat, NLT_EPROTO);
	assert_int_equal(f.got, 0);
	assert_one_line_naming_peer(&f, "bytes for a read of");
	finish(&f);
}

static void test_early_eof(void **state)
{
	struct fx f;
	struct peer *p;
	(void)state;
	start(&f, FM_EARLY_EOF);
	/* the file shrank while read: an error (a GPO's settings sit near its end), never a shorter file */
	assert_int_equal(run(&f), -1);
	assert_int_equal(f.e.cat, NLT_EPROTO);
	assert_int_equal(f.got, 0);
	assert_one_line_naming_peer(&f, "changed while read");
	p = f.p;
	smb2c_free(&f.c);
	pthread_join(f.t, NULL);
	assert_int_equal(p->n_closes, 1); /* and the file closed */
	close(p->lfd);
	free(p);
	free(f.buf);
}

static void test_unsigned_read(void **state)
{
	struct fx f;
	(void)state;
	start(&f, FM_UNSIGNED_READ);
	assert_int_equal(run(&f), -1);
	assert_int_equal(f.e.cat, NLT_EPROTO);
	assert_int_equal(f.got, 0);
	assert_one_line_naming_peer(&f, "unsigned answer");
	finish(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_chunks_detail),
		cmocka_unit_test(test_read_encrypted),
		cmocka_unit_test(test_too_large),
		cmocka_unit_test(test_not_found),
		cmocka_unit_test(test_denied),
		cmocka_unit_test(test_pipe_share),
		cmocka_unit_test(test_read_too_long),
		cmocka_unit_test(test_early_eof),
		cmocka_unit_test(test_unsigned_read),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
