/*
 * tests/unit/test_smb2_lab.c - src/rpc/smb2c.c against a real SMB server: connect,
 * NEGOTIATE, SESSION_SETUP (Kerberos from KRB5CCNAME), TREE_CONNECT IPC$ +
 * CREATE of a pipe (compounded), one DCE/RPC bind through
 * FSCTL_PIPE_TRANSCEIVE, CLOSE, LOGOFF.  Prints what was negotiated and
 * verified as key=value lines for tests/integration/scenarios/80-smb2.sh.
 *
 * Without NLT_SMB2_HOST and NLT_SMB2_ADDR (as under plain 'make check') it
 * is skipped (exit 77).  NLT_SMB2_PIPE (default srvsvc), NLT_SMB2_ENCRYPT=1
 * forces encryption after the session setup, NLT_SMB2_MAX_DIALECT=0302 (hex)
 * offers no dialect above that one, NLT_SMB2_MAX_IO=N asks for at most N bytes
 * per IOCTL/READ answer (small values force STATUS_BUFFER_OVERFLOW + READ).
 * NLT_SMB2_DUMP=DIR (with a relay, NLT_SMB2_TAMPER=0:0:ADDR to change nothing)
 * writes each server frame to DIR/frame-N (captures for golden tests).
 *
 * NLT_SMB2_TAMPER=FRAME:OFFSET:LISTEN_ADDR puts a relay between client and
 * server (a child process listening on LISTEN_ADDR, an ephemeral port) that
 * flips the low bit of byte OFFSET (counted from the SMB2 message, after
 * the 4-byte frame header) of the FRAME-th frame the server sends: a
 * man in the middle, to show that the client notices.  OFFSET "strip"
 * instead clears SMB2_FLAGS_SIGNED and zeroes the SessionId and Signature
 * of that frame's first message (an attacker's way around verification).
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dcerpc.h"
#include "err.h"
#include "smb2c.h"
#include "util.h"

/* srvsvc 4b324fc8-1670-01d3-1278-5a47bf6ee188 v3.0; lsarpc 12345778-1234-abcd-ef00-0123456789ab v0.0 */
static int iface_for(const char *pipe, struct dcerpc_syntax *s)
{
	memset(s, 0, sizeof(*s));
	if (strcmp(pipe, "srvsvc") == 0) {
		s->major = 3;
		return ndr_guid_parse("4b324fc8-1670-01d3-1278-5a47bf6ee188", &s->uuid);
	}
	if (strcmp(pipe, "lsarpc") == 0)
		return ndr_guid_parse("12345778-1234-abcd-ef00-0123456789ab", &s->uuid);
	return -1;
}

static int read_full(int fd, uint8_t *b, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, b + got, n - got);
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

static int write_full(int fd, const uint8_t *b, size_t n)
{
	size_t put = 0;
	while (put < n) {
		ssize_t r = write(fd, b + put, n - put);
		if (r <= 0)
			return -1;
		put += (size_t)r;
	}
	return 0;
}

/* The relay (child): client -> server as is; server -> client frame by frame, one bit flipped. */
static void relay(int lfd, const struct nlt_addr *server, unsigned frame, size_t offset)
{
	const char *dump = getenv("NLT_SMB2_DUMP");
	static uint8_t b[1 << 18];
	int cfd = accept(lfd, NULL, NULL), sfd = socket(server->ss.ss_family, SOCK_STREAM, 0);
	unsigned nframe = 0;

	if (cfd < 0 || sfd < 0 || connect(sfd, (const struct sockaddr *)&server->ss, server->len) != 0)
		_exit(3);
	for (;;) {
		struct pollfd p[2] = { { cfd, POLLIN, 0 }, { sfd, POLLIN, 0 } };
		if (poll(p, 2, 10000) <= 0)
			_exit(0);
		if (p[0].revents) {
			ssize_t r = read(cfd, b, sizeof(b));
			if (r <= 0 || write_full(sfd, b, (size_t)r))
				_exit(0);
		}
		if (p[1].revents) {
			size_t n;
			if (read_full(sfd, b, 4))
				_exit(0);
			n = ((size_t)b[1] << 16) | ((size_t)b[2] << 8) | b[3];
			if (n > sizeof(b) - 4 || read_full(sfd, b + 4, n))
				_exit(0);
			++nframe;
			if (dump) {
				char path[512];
				FILE *f;
				snprintf(path, sizeof(path), "%s/frame-%u", dump, nframe);
				if ((f = fopen(path, "wb"))) {
					fwrite(b + 4, 1, n, f);
					fclose(f);
				}
			}
			if (nframe == frame && offset == SIZE_MAX && n >= 64) {
				b[4 + 16] &= (uint8_t)~0x08;
				memset(b + 4 + 40, 0, 24);
			} else if (nframe == frame && offset < n) {
				b[4 + offset] ^= 1;
			}
			if (write_full(cfd, b, n + 4))
				_exit(0);
		}
	}
}

/* Start the relay; returns the address the client should use (port filled), or -1. */
static int start_relay(const char *spec, const struct nlt_addr *server, struct nlt_addr *via, pid_t *pid)
{
	unsigned frame;
	size_t offset;
	char listen_ip[64];
	int lfd;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (sscanf(spec, "%u:strip:%63s", &frame, listen_ip) == 2)
		offset = SIZE_MAX;
	else if (sscanf(spec, "%u:%zu:%63s", &frame, &offset, listen_ip) != 3)
		return -1;
	if (nlt_addr_parse(via, listen_ip, 0) != 0)
		return -1;
	lfd = socket(via->ss.ss_family, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, (const struct sockaddr *)&via->ss, via->len) != 0 || listen(lfd, 1) != 0 ||
	    getsockname(lfd, (struct sockaddr *)&ss, &sl) != 0)
		return -1;
	memcpy(&via->ss, &ss, sl);
	via->len = sl;
	*pid = fork();
	if (*pid < 0)
		return -1;
	if (*pid == 0)
		relay(lfd, server, frame, offset);
	close(lfd);
	return 0;
}

int main(void)
{
	const char *host = getenv("NLT_SMB2_HOST"), *ip = getenv("NLT_SMB2_ADDR"), *pipe = getenv("NLT_SMB2_PIPE");
	struct nlt_addr addr;
	struct nlt_err e;
	struct smb2c c;
	struct smb2c_opts opts;
	struct smb2_file_id fid;
	struct dcerpc_pdu bind, ack;
	static uint8_t pdu[1024], rsp[SMB2C_MAX_IO];
	size_t n;
	struct wwr w;

	if (!host || !ip) {
		printf("1..0 # SKIP NLT_SMB2_HOST/NLT_SMB2_ADDR unset (80-smb2.sh runs this against the lab)\n");
		return 77;
	}
	if (!pipe)
		pipe = "srvsvc";
	nlt_clearerr(&e);
	if (nlt_addr_parse(&addr, ip, 445) != 0) {
		fprintf(stderr, "bad address %s\n", ip);
		return 2;
	}
	memset(&bind, 0, sizeof(bind));
	bind.ptype = DCERPC_PT_BIND;
	bind.pfc_flags = DCERPC_PFC_FIRST | DCERPC_PFC_LAST;
	bind.call_id = 1;
	bind.max_xmit_frag = bind.max_recv_frag = 4280;
	bind.n_ctx = 1;
	bind.ctx[0].n_ts = 1;
	bind.ctx[0].ts[0] = dcerpc_syntax_ndr20;
	if (iface_for(pipe, &bind.ctx[0].abstract) != 0) {
		fprintf(stderr, "no interface known for pipe %s\n", pipe);
		return 2;
	}
	wwr_init(&w, pdu, sizeof(pdu));
	if (dcerpc_enc_pdu(&w, &bind, NULL) != WIRE_OK)
		return 2;

	if (getenv("NLT_SMB2_TAMPER")) {
		struct nlt_addr via;
		pid_t pid;
		if (start_relay(getenv("NLT_SMB2_TAMPER"), &addr, &via, &pid) != 0) {
			fprintf(stderr, "cannot start the relay for NLT_SMB2_TAMPER=%s\n", getenv("NLT_SMB2_TAMPER"));
			return 2;
		}
		addr = via;
	}
	memset(&opts, 0, sizeof(opts));
	opts.force_encrypt = getenv("NLT_SMB2_ENCRYPT") && strcmp(getenv("NLT_SMB2_ENCRYPT"), "1") == 0;
	if (getenv("NLT_SMB2_MAX_IO"))
		opts.max_io = (uint32_t)strtoul(getenv("NLT_SMB2_MAX_IO"), NULL, 10);
	if (getenv("NLT_SMB2_MAX_DIALECT"))
		opts.max_dialect = (uint16_t)strtoul(getenv("NLT_SMB2_MAX_DIALECT"), NULL, 16);
	if (smb2c_connect(&c, &addr, host, &opts, nlt_now_ms() + 10000, &e) != 0)
		goto fail;
	printf("dialect=0x%04x\ncipher=%u\nsign_alg=%u\n", c.dialect, c.cipher, c.sign_alg);
	if (smb2c_session_setup(&c, &e) != 0)
		goto fail;
	printf("session_flags=0x%x\nencrypt=%d\nsetup_signed_ok=%u\n", c.session_flags, c.encrypt, c.n_signed_ok);
	if (smb2c_open_pipe(&c, pipe, &fid, &e) != 0)
		goto fail;
	printf("share_flags=0x%x\nvalidated=%d\n", c.share_flags, c.validated);
	if (smb2c_transceive(&c, &fid, pdu, wwr_len(&w), rsp, sizeof(rsp), &n, &e) != 0)
		goto fail;
	/* the DCE/RPC layer's part: read on until the fragment is complete */
	while (n >= DCERPC_HDR_LEN && n < ld_u16le(rsp + 8)) {
		size_t more;
		if (smb2c_read(&c, &fid, rsp + n, ld_u16le(rsp + 8) - n, &more, &e) != 0)
			goto fail;
		if (!more)
			break;
		n += more;
	}
	if (dcerpc_dec_pdu(rsp, n, &ack) != WIRE_OK || ack.ptype != DCERPC_PT_BIND_ACK || ack.n_results < 1) {
		fprintf(stderr, "the pipe's answer to the bind (%zu bytes, %u READs) is not a bind_ack\n", n, c.n_reads);
		smb2c_free(&c);
		return 1;
	}
	printf("bind_ack_result=%u\nbind_ack_sec_addr=%s\n", ack.results[0].result, ack.sec_addr);
	if (smb2c_close_file(&c, &fid, &e) != 0)
		goto fail;
	printf("responses_signed_ok=%u\nresponses_decrypted=%u\nreads=%u\nbind_ack_len=%zu\n", c.n_signed_ok,
	       c.n_decrypted, c.n_reads, n);
	if (smb2c_logoff(&c, &e) != 0)
		goto fail_freed;
	printf("ok\n");
	return 0;
fail:
	smb2c_free(&c);
fail_freed:
	fprintf(stderr, "%s\n", e.msg);
	return nlt_exit_code(&e);
}
