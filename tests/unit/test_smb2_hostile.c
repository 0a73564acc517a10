/*
 * tests/unit/test_smb2_hostile.c - the SMB2 client (src/rpc/smb2c.c) against a hostile server
 * (issue 8: "hostile SMB2 replies give a clear error under the deadline, never a crash or a
 * hang").
 *
 * The peer is a thread on a loopback TCP socket (smb2c_connect() connects to it like to any
 * server).  NEGOTIATE is the real exchange (3.1.1, AES-128-GCM, AES-CMAC); the session is
 * synthetic: both sides derive the session's keys from a GSS key the test chooses and the
 * connection's pre-auth hash (SESSION_SETUP needs a KDC or NTLM, which the lab covers in
 * 80-smb2.sh), so the peer signs and encrypts with keys we control.  Then the client opens a
 * pipe (TREE_CONNECT + CREATE compounded) and transceives, and the peer answers one of them in
 * a hostile way.  Every case asserts the error's category and that the call returned within
 * the deadline it was given (400 ms).
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
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
#include "target.h"
#include "util.h"
#include "wire.h"

#define DEADLINE_MS 400
#define SLACK_MS 250 /* ASan, a loaded machine: the deadline plus this is "within the deadline" */
#define SID 0x0000100000000045ull
#define TID 0x00000007u
#define FLOOD_MS 3000 /* a flood or a held connection ends after this, so a broken client fails instead of hanging */

enum mode {
	M_OK,
	M_ENC_OK,
	M_BADSIG,
	M_UNSIGNED,
	M_UNSIGNED_NO_SID,
	M_TRUNC_FRAME_HOLD,
	M_TRUNC_HDR_HOLD,
	M_TRUNC_FRAME_CLOSE,
	M_TRUNC_MSG,
	M_BAD_FRAME_HDR,
	M_HUGE_FRAME,
	M_CREDITS_ZERO,
	M_CREDITS_HUGE,
	M_CHAIN_PAST_END,
	M_CHAIN_INTO_HEADER,
	M_CHAIN_UNALIGNED,
	M_CHAIN_GARBAGE_TAIL,
	M_CHAIN_WRONG_MID,
	M_GARBAGE_FRAME_AFTER,
	M_PENDING_FLOOD,
	M_PENDING_SLOW,
	M_WRONG_MID,
	M_ENC_BADTAG,
	M_ENC_WRONG_SID,
	M_WRONG_SID,
	M_WRONG_TID,
	/* pipelined batches (smb2c_send_* then smb2c_recv_*): */
	M_PIPE_FLOOD,     /* every request in flight answered STATUS_PENDING, over and over */
	M_PIPE_ONE,       /* the same, but the second IOCTL of the batch gets its real answer once */
	M_PIPE_BADSIG,    /* three IOCTLs answered 2nd (a bad signature), 1st, 3rd */
	M_NL_DENIED,      /* show-target: the early netlogon open refused (ACCESS_DENIED), asked again:
			     NL_RETRY_STATUS; every IOCTL refused (INVALID_PARAMETER), other CREATEs fine */
};

struct peer {
	int lfd, fd;
	enum mode mode;
	int encrypt;              /* encrypt replies after the session exists */
	uint8_t preauth[SMB2_PREAUTH_HASH_LEN];
	struct smb2_keys keys;    /* the client's view: .encryption client->server, .decryption server->client */
	int have_keys;
	uint8_t in[70000], out[70000], tmp[70000];
	size_t in_len;
	struct smb2_hdr rh[4];    /* the request chain's headers */
	size_t n_rh;
	int n_tcon;               /* TREE_CONNECT compounds seen (pipelined modes) */
	int nl_early;             /* a CREATE \PIPE\netlogon came while the first TREE_CONNECT was unanswered */
	uint32_t nl_retry_status; /* M_NL_DENIED: the answer to a lone CREATE \PIPE\netlogon */
	int nl_retries;           /* ... how many came */
};

static void put32(uint8_t *b, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		b[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *b, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
}

/* ---- the peer's plumbing ---- */

#include "smb2_peer.h"

static size_t tcon_body(struct wwr *w)
{
	wwr_u16le(w, 16);
	wwr_u8(w, SMB2_SHARE_TYPE_PIPE);
	wwr_u8(w, 0);
	wwr_u32le(w, 0);     /* share flags */
	wwr_u32le(w, 0);     /* capabilities */
	wwr_u32le(w, 0x1f01ff);
	return wwr_len(w);
}

static size_t create_body(struct wwr *w)
{
	wwr_u16le(w, 89);
	wwr_u8(w, 0);
	wwr_u8(w, 0);
	wwr_u32le(w, 1); /* FILE_OPENED */
	for (int i = 0; i < 6; i++)
		wwr_u64le(w, 0);
	wwr_u32le(w, 0x80);
	wwr_u32le(w, 0);
	wwr_u64le(w, 0x1111);
	wwr_u64le(w, 0x2222);
	wwr_u32le(w, 0);
	wwr_u32le(w, 0);
	wwr_u8(w, 0); /* the variable part's one byte */
	return wwr_len(w);
}

/* IOCTL answer with output[len] */
static void ioctl_body(struct wwr *w, const uint8_t *output, size_t len)
{
	wwr_u16le(w, 49);
	wwr_u16le(w, 0);
	wwr_u32le(w, SMB2_FSCTL_PIPE_TRANSCEIVE);
	wwr_u64le(w, 0x1111);
	wwr_u64le(w, 0x2222);
	wwr_u32le(w, 0);   /* input offset */
	wwr_u32le(w, 0);   /* input count */
	wwr_u32le(w, 112); /* output offset */
	wwr_u32le(w, (uint32_t)len);
	wwr_u32le(w, 0);
	wwr_u32le(w, 0);
	wwr_bytes(w, output, len);
}

static size_t interim_rep(struct peer *p, uint8_t *out)
{
	struct wwr w;

	wwr_init(&w, out, 256);
	rsp_hdr(&w, &p->rh[0], SMB2_STATUS_PENDING, 1, 1);
	wwr_u16le(&w, 9);
	wwr_u8(&w, 0);
	wwr_u8(&w, 0);
	wwr_u32le(&w, 0);
	wwr_u8(&w, 0);
	return wwr_len(&w);
}

/* TREE_CONNECT + CREATE answered as one signed compound (the mode may spoil it). */
static void answer_tcon_create(struct peer *p)
{
	struct wwr w;
	size_t s1, len;
	uint16_t credits = p->mode == M_CREDITS_ZERO ? 0 : p->mode == M_CREDITS_HUGE ? 65535 : 8;
	struct smb2_hdr create = p->rh[1];

	wwr_init(&w, p->out, sizeof(p->out));
	rsp_hdr(&w, &p->rh[0], 0, credits, 0);
	tcon_body(&w);
	smb2_chain_link(&w, 0);
	s1 = wwr_len(&w);
	if (p->mode == M_CHAIN_WRONG_MID)
		create.message_id += 5;
	rsp_hdr(&w, &create, 0, credits, 0);
	create_body(&w);
	len = wwr_len(&w);
	assert_int_equal(w.err, WIRE_OK);
	sign(p, p->out, s1);
	sign(p, p->out + s1, len - s1);
	switch (p->mode) {
	case M_CHAIN_PAST_END:
		put32(p->out + 20, 4096); /* NextCommand beyond the frame */
		break;
	case M_CHAIN_INTO_HEADER:
		put32(p->out + 20, 8); /* the "next" message inside this one's header */
		break;
	case M_CHAIN_UNALIGNED:
		put32(p->out + 20, (uint32_t)s1 - 4);
		break;
	case M_CHAIN_GARBAGE_TAIL:
		memset(p->out + len, 0xee, 48); /* after the last message, inside the frame */
		len += 48;
		break;
	default:
		break;
	}
	peer_send(p, p->out, len);
}

static void answer_ioctl(struct peer *p)
{
	static const uint8_t pdu[10] = { 5, 0, 2, 3, 10, 0, 0, 0, 0xab, 0xcd };
	struct smb2_hdr req = p->rh[0];
	struct wwr w;
	size_t len;
	uint64_t t0 = nlt_now_ms();

	switch (p->mode) {
	case M_PENDING_FLOOD:
	case M_PENDING_SLOW:
		/* STATUS_PENDING forever (FLOOD_MS), then the peer gives up */
		len = interim_rep(p, p->out);
		while (nlt_now_ms() - t0 < FLOOD_MS) {
			if (peer_send_enc(p, p->out, len, 0))
				return;
			if (p->mode == M_PENDING_SLOW)
				usleep(50 * 1000);
		}
		return;
	case M_WRONG_MID:
		req.message_id += 7;
		break;
	case M_WRONG_TID:
		req.tree_id += 1;
		break;
	default:
		break;
	}
	wwr_init(&w, p->out, sizeof(p->out));
	rsp_hdr(&w, &req, 0, p->mode == M_CREDITS_HUGE ? 65535 : 8, 0);
	ioctl_body(&w, pdu, sizeof(pdu));
	len = wwr_len(&w);
	assert_int_equal(w.err, WIRE_OK);
	if (p->mode == M_WRONG_SID || p->mode == M_ENC_WRONG_SID)
		put64(p->out + 40, SID + 1); /* SessionId */
	if (p->mode == M_UNSIGNED_NO_SID)
		put64(p->out + 40, 0);
	if (p->mode != M_UNSIGNED && p->mode != M_UNSIGNED_NO_SID && !p->encrypt)
		sign(p, p->out, len);
	switch (p->mode) {
	case M_BADSIG:
		p->out[SMB2_SIG_OFF + 3] ^= 0x40;
		break;
	case M_TRUNC_MSG:
		len = 40; /* a frame holding less than a header */
		break;
	default:
		break;
	}
	if (p->mode == M_ENC_BADTAG) {
		uint8_t nonce[16] = { 9, 9, 9 };
		size_t n;
		assert_int_equal(smb2_encrypt(SMB2_CIPHER_AES128_GCM, p->keys.decryption, nonce, SID, p->out, len,
					      p->tmp + 4, sizeof(p->tmp) - 4, &n),
				 WIRE_OK);
		p->tmp[4 + 5] ^= 1; /* the tag (Signature) */
		smb2_put_direct_tcp(p->tmp, n);
		write_full(p->fd, p->tmp, n + 4);
		return;
	}
	if (p->mode == M_TRUNC_HDR_HOLD) {
		uint8_t f[4];
		struct pollfd pf = { .fd = p->fd, .events = POLLIN };
		smb2_put_direct_tcp(f, len);
		write_full(p->fd, f, 2); /* half of the frame header, then nothing */
		(void)poll(&pf, 1, FLOOD_MS);
		return;
	}
	if (p->mode == M_TRUNC_FRAME_HOLD || p->mode == M_TRUNC_FRAME_CLOSE || p->mode == M_BAD_FRAME_HDR ||
	    p->mode == M_HUGE_FRAME) {
		uint8_t f[4];
		smb2_put_direct_tcp(f, len);
		if (p->mode == M_BAD_FRAME_HDR)
			f[0] = 0x85; /* a NetBIOS keep-alive/session type, not a direct-TCP frame */
		if (p->mode == M_HUGE_FRAME)
			f[1] = 0xff; /* 16 MB */
		write_full(p->fd, f, 4);
		write_full(p->fd, p->out, len / 2);
		if (p->mode == M_TRUNC_FRAME_HOLD) {
			struct pollfd pf = { .fd = p->fd, .events = POLLIN };
			(void)poll(&pf, 1, FLOOD_MS); /* hold the connection open until the client leaves */
		}
		return;
	}
	peer_send(p, p->out, len);
	if (p->mode == M_GARBAGE_FRAME_AFTER) {
		static const uint8_t junk[] = { 0, 0, 0, 8, 'g', 'a', 'r', 'b', 'a', 'g', 'e', '!' };
		write_full(p->fd, junk, sizeof(junk));
	}
}

/* ---- pipelined batches ---- */

/* Whether the request chain in p->in is a TREE_CONNECT + CREATE of the pipe `name` (ASCII). */
static int is_tcon_create_of(const struct peer *p, const char *name)
{
	size_t off2, body, no, nl, n = strlen(name);

	if (p->n_rh < 2 || p->rh[0].command != SMB2_TREE_CONNECT || p->rh[1].command != SMB2_CREATE)
		return 0;
	off2 = (size_t)p->in[20] | (size_t)p->in[21] << 8 | (size_t)p->in[22] << 16 | (size_t)p->in[23] << 24;
	body = off2 + 64;
	if (body + 48 > p->in_len)
		return 0;
	no = (size_t)p->in[body + 44] | (size_t)p->in[body + 45] << 8;
	nl = (size_t)p->in[body + 46] | (size_t)p->in[body + 47] << 8;
	if (nl != 2 * n || off2 + no + nl > p->in_len)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (p->in[off2 + no + 2 * i] != (uint8_t)name[i] || p->in[off2 + no + 2 * i + 1] != 0)
			return 0;
	return 1;
}

/*
 * A TREE_CONNECT compound in a pipelined mode: the first is held up to 100 ms to see whether the
 * client sends more without waiting for it (show-target asks for \PIPE\netlogon beside it); then
 * every compound is answered well.  -1 when the connection ended.
 */
static int pipe_tcon(struct peer *p)
{
	struct pollfd pf = { .fd = p->fd, .events = POLLIN };
	struct smb2_hdr first[4];
	size_t n_first = p->n_rh;

	if (p->n_tcon++ || poll(&pf, 1, 100) != 1) {
		answer_tcon_create(p);
		return 0;
	}
	memcpy(first, p->rh, sizeof(first));
	if (peer_recv(p))
		return -1;
	if (is_tcon_create_of(p, "netlogon"))
		p->nl_early = 1;
	{
		struct smb2_hdr second[4];
		size_t n_second = p->n_rh;
		memcpy(second, p->rh, sizeof(second));
		memcpy(p->rh, first, sizeof(first));
		p->n_rh = n_first;
		answer_tcon_create(p);
		memcpy(p->rh, second, sizeof(second));
		p->n_rh = n_second;
	}
	if (p->rh[0].command == SMB2_TREE_CONNECT) {
		p->n_tcon++;
		answer_tcon_create(p);
		return 0;
	}
	return 1; /* another request: the caller floods it */
}

static int interim_for(struct peer *p, const struct smb2_hdr *req)
{
	uint8_t m[128];
	struct wwr w;

	wwr_init(&w, m, sizeof(m));
	rsp_hdr(&w, req, SMB2_STATUS_PENDING, 1, 1);
	wwr_u16le(&w, 9);
	wwr_u8(&w, 0);
	wwr_u8(&w, 0);
	wwr_u32le(&w, 0);
	wwr_u8(&w, 0);
	assert_int_equal(w.err, WIRE_OK);
	return peer_send_enc(p, m, wwr_len(&w), 0); /* interim answers go unsigned, as servers send them */
}

/* The real (signed) answer to the IOCTL req; its signature spoilt when bad. */
static int ioctl_answer_for(struct peer *p, const struct smb2_hdr *req, int bad)
{
	static const uint8_t pdu[10] = { 5, 0, 2, 3, 10, 0, 0, 0, 0xab, 0xcd };
	struct wwr w;
	size_t len;

	wwr_init(&w, p->out, sizeof(p->out));
	rsp_hdr(&w, req, 0, 8, 0);
	ioctl_body(&w, pdu, sizeof(pdu));
	len = wwr_len(&w);
	assert_int_equal(w.err, WIRE_OK);
	sign(p, p->out, len);
	if (bad)
		p->out[SMB2_SIG_OFF + 7] ^= 0x01;
	return peer_send(p, p->out, len);
}

/*
 * Entered at the first request that is not a TREE_CONNECT compound: M_PIPE_FLOOD / M_PIPE_ONE answer
 * every request in flight (and every one that follows) with STATUS_PENDING, as fast as the client
 * reads, until FLOOD_MS; M_PIPE_ONE gives the second IOCTL its real answer once, after the third has
 * come.  TREE_CONNECT compounds that come meanwhile are answered well.
 */
static void pipe_flood(struct peer *p)
{
	struct smb2_hdr q[16];
	size_t nq = 0, n_ioctl = 0;
	int answered = 0;
	uint64_t t0 = nlt_now_ms();

	q[nq++] = p->rh[0];
	n_ioctl += p->rh[0].command == SMB2_IOCTL;
	while (nlt_now_ms() - t0 < FLOOD_MS) {
		struct pollfd pf = { .fd = p->fd, .events = POLLIN };
		while (poll(&pf, 1, 0) == 1 && (pf.revents & POLLIN)) {
			if (peer_recv(p))
				return;
			if (p->rh[0].command == SMB2_TREE_CONNECT)
				answer_tcon_create(p);
			else if (p->rh[0].command != SMB2_LOGOFF && p->rh[0].command != SMB2_CLOSE && nq < 16) {
				q[nq++] = p->rh[0];
				n_ioctl += p->rh[0].command == SMB2_IOCTL;
			}
			pf.revents = 0;
		}
		if (p->mode == M_PIPE_ONE && !answered && n_ioctl >= 3) {
			for (size_t i = 0, k = 0; i < nq; i++) {
				if (q[i].command != SMB2_IOCTL || ++k != 2)
					continue;
				if (ioctl_answer_for(p, &q[i], 0))
					return;
				q[i] = q[--nq];
				break;
			}
			answered = 1;
		}
		for (size_t i = 0; i < nq; i++)
			if (interim_for(p, &q[i]))
				return;
	}
}

/* Three IOCTLs in flight: answered 2nd (signature spoilt), 1st, 3rd. */
static void pipe_badsig(struct peer *p)
{
	struct smb2_hdr q[3];

	q[0] = p->rh[0];
	for (int i = 1; i < 3; i++) {
		if (peer_recv(p))
			return;
		q[i] = p->rh[0];
	}
	if (ioctl_answer_for(p, &q[1], 1) == 0 && ioctl_answer_for(p, &q[0], 0) == 0 &&
	    ioctl_answer_for(p, &q[2], 0) == 0) {
		struct pollfd pf = { .fd = p->fd, .events = POLLIN };
		(void)poll(&pf, 1, FLOOD_MS); /* held open: a client waiting for a real answer 2 waits in vain */
	}
}

/* ---- show-target's netlogon probe refused, asked again ---- */

/* Whether the CREATE message at p->in + off names the pipe `name` (ASCII). */
static int create_names(const struct peer *p, size_t off, const char *name)
{
	size_t body = off + 64, no, nl, n = strlen(name);

	if (body + 48 > p->in_len)
		return 0;
	no = (size_t)p->in[body + 44] | (size_t)p->in[body + 45] << 8;
	nl = (size_t)p->in[body + 46] | (size_t)p->in[body + 47] << 8;
	if (nl != 2 * n || off + no + nl > p->in_len)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (p->in[off + no + 2 * i] != (uint8_t)name[i] || p->in[off + no + 2 * i + 1] != 0)
			return 0;
	return 1;
}

/* A signed ERROR answer to req with status st, appended to w (the caller signs). */
static void error_body(struct wwr *w, const struct smb2_hdr *req, uint32_t st)
{
	rsp_hdr(w, req, st, 8, 0);
	wwr_u16le(w, 9);
	wwr_u8(w, 0);
	wwr_u8(w, 0);
	wwr_u32le(w, 0);
	wwr_u8(w, 0);
}

/* M_NL_DENIED: one request chain in p->in answered (signed). */
static void nl_denied_answer(struct peer *p)
{
	struct wwr w;
	size_t len, s1;

	wwr_init(&w, p->out, sizeof(p->out));
	if (p->rh[0].command == SMB2_TREE_CONNECT && p->n_rh == 2) {
		size_t off2 = (size_t)p->in[20] | (size_t)p->in[21] << 8 | (size_t)p->in[22] << 16 |
			      (size_t)p->in[23] << 24;
		rsp_hdr(&w, &p->rh[0], 0, 8, 0);
		tcon_body(&w);
		smb2_chain_link(&w, 0);
		s1 = wwr_len(&w);
		if (create_names(p, off2, "netlogon")) {
			error_body(&w, &p->rh[1], 0xc0000022); /* access denied: not "no such pipe" */
		} else {
			rsp_hdr(&w, &p->rh[1], 0, 8, 0);
			create_body(&w);
		}
		len = wwr_len(&w);
		assert_int_equal(w.err, WIRE_OK);
		sign(p, p->out, s1);
		sign(p, p->out + s1, len - s1);
		peer_send(p, p->out, len);
		return;
	}
	if (p->rh[0].command == SMB2_CREATE && create_names(p, 0, "netlogon")) {
		p->nl_retries++;
		if (p->nl_retry_status)
			error_body(&w, &p->rh[0], p->nl_retry_status);
		else {
			rsp_hdr(&w, &p->rh[0], 0, 8, 0);
			create_body(&w);
		}
	} else if (p->rh[0].command == SMB2_CREATE) {
		rsp_hdr(&w, &p->rh[0], 0, 8, 0);
		create_body(&w);
	} else if (p->rh[0].command == SMB2_IOCTL) {
		error_body(&w, &p->rh[0], 0xc000000d); /* invalid parameter: the RPC call fails, plainly */
	} else {
		return; /* CLOSE, LOGOFF: not answered */
	}
	len = wwr_len(&w);
	assert_int_equal(w.err, WIRE_OK);
	sign(p, p->out, len);
	peer_send(p, p->out, len);
}

static void *peer_main(void *arg)
{
	struct peer *p = arg;
	size_t len;

	p->fd = accept(p->lfd, NULL, NULL);
	if (p->fd < 0)
		return NULL;
	/* NEGOTIATE: the real exchange, hashed as the client hashes it */
	if (peer_recv(p))
		goto out;
	smb2_preauth_update(p->preauth, p->in, p->in_len);
	len = negotiate_rep_credits(p, p->out, p->mode == M_CREDITS_ZERO ? 2 : 8);
	smb2_preauth_update(p->preauth, p->out, len);
	peer_send_enc(p, p->out, len, 0);
	assert_int_equal(smb2_derive_keys(SMB2_DIALECT_311, SMB2_CIPHER_AES128_GCM, gss_key, sizeof(gss_key),
					  p->preauth, &p->keys),
			 WIRE_OK);
	p->have_keys = 1;
	/* then whatever the client sends */
	while (peer_recv(p) == 0) {
		if (p->mode == M_NL_DENIED) {
			nl_denied_answer(p);
			continue;
		}
		if (p->mode == M_PIPE_FLOOD || p->mode == M_PIPE_ONE || p->mode == M_PIPE_BADSIG) {
			if (p->rh[0].command == SMB2_TREE_CONNECT) {
				int r = pipe_tcon(p);
				if (r < 0)
					goto out;
				if (r == 0)
					continue;
			}
			if (p->mode == M_PIPE_BADSIG && p->rh[0].command == SMB2_IOCTL)
				pipe_badsig(p);
			else if (p->mode != M_PIPE_BADSIG && p->rh[0].command != SMB2_LOGOFF)
				pipe_flood(p);
			else
				continue;
			goto out;
		}
		switch (p->rh[0].command) {
		case SMB2_TREE_CONNECT:
			answer_tcon_create(p);
			break;
		case SMB2_IOCTL:
			answer_ioctl(p);
			if (p->mode == M_PENDING_FLOOD || p->mode == M_PENDING_SLOW || p->mode == M_TRUNC_FRAME_HOLD ||
			    p->mode == M_TRUNC_HDR_HOLD)
				goto out;
			if (p->mode == M_TRUNC_FRAME_CLOSE)
				goto out;
			break;
		default:
			break; /* CLOSE, LOGOFF: not answered */
		}
	}
out:
	close(p->fd);
	p->fd = -1;
	return NULL;
}

/* ---- the client's side ---- */

struct fx {
	struct peer *p;
	pthread_t t;
	struct smb2c c;
	struct smb2_file_id fid;
	struct nlt_err e;
	uint64_t elapsed;
};

static void start(struct fx *f, enum mode mode)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	struct nlt_addr a;

	memset(f, 0, sizeof(*f));
	f->p = calloc(1, sizeof(*f->p));
	assert_non_null(f->p);
	f->p->mode = mode;
	f->p->encrypt = mode == M_ENC_OK || mode == M_ENC_BADTAG || mode == M_ENC_WRONG_SID;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	f->p->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(f->p->lfd >= 0);
	assert_int_equal(bind(f->p->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(f->p->lfd, 1), 0);
	assert_int_equal(getsockname(f->p->lfd, (struct sockaddr *)&sa, &sl), 0);
	assert_int_equal(pthread_create(&f->t, NULL, peer_main, f->p), 0);
	assert_int_equal(nlt_addr_parse(&a, "127.0.0.1", ntohs(sa.sin_port)), 0);
	if (smb2c_connect(&f->c, &a, "srv.hostile.test", NULL, nlt_now_ms() + 5000, &f->e) != 0)
		fail_msg("negotiate with the scripted peer failed: %s", f->e.msg);
	assert_int_equal(f->c.dialect, SMB2_DIALECT_311);
	/* the synthetic session: what SESSION_SETUP would have left */
	f->c.session_id = SID;
	assert_int_equal(smb2_derive_keys(f->c.dialect, f->c.cipher, gss_key, sizeof(gss_key), f->c.preauth, &f->c.keys),
			 WIRE_OK);
	f->c.have_keys = 1;
	f->c.encrypt = f->p->encrypt;
}

static void finish(struct fx *f)
{
	smb2c_free(&f->c);
	pthread_join(f->t, NULL);
	close(f->p->lfd);
	free(f->p);
}

static int open_pipe(struct fx *f)
{
	uint64_t t0 = nlt_now_ms();
	int rc;

	f->c.deadline_ms = t0 + DEADLINE_MS;
	rc = smb2c_open_pipe(&f->c, "srvsvc", &f->fid, &f->e);
	f->elapsed = nlt_now_ms() - t0;
	return rc;
}

static int transceive(struct fx *f)
{
	static const uint8_t req[8] = { 5, 0, 0, 3, 0x10, 0, 0, 0 };
	uint8_t out[256];
	size_t n = 0;
	uint64_t t0 = nlt_now_ms();
	int rc;

	f->c.deadline_ms = t0 + DEADLINE_MS;
	rc = smb2c_transceive(&f->c, &f->fid, req, sizeof(req), out, sizeof(out), &n, &f->e);
	f->elapsed = nlt_now_ms() - t0;
	if (rc == 0) {
		assert_int_equal(n, 10);
		assert_int_equal(out[9], 0xcd);
	}
	return rc;
}

/* The call failed with category cat, a message containing `what`, within the deadline. */
static void assert_refused(struct fx *f, int rc, enum nlt_cat cat, const char *what)
{
	print_message("    -> %s [cat %d, %llu ms]\n", f->e.msg, (int)f->e.cat, (unsigned long long)f->elapsed);
	assert_int_equal(rc, -1);
	assert_int_equal(f->e.cat, cat);
	if (!strstr(f->e.msg, what))
		fail_msg("error \"%s\" does not say \"%s\"", f->e.msg, what);
	assert_non_null(strstr(f->e.msg, "srv.hostile.test (127.0.0.1)")); /* names the peer */
	assert_null(strchr(f->e.msg, '\n'));                           /* one line */
	if (f->elapsed > DEADLINE_MS + SLACK_MS)
		fail_msg("returned after %llu ms, past the %d ms deadline", (unsigned long long)f->elapsed, DEADLINE_MS);
}

/* Refused at once: not a wait for the deadline. */
static void assert_refused_fast(struct fx *f, int rc, enum nlt_cat cat, const char *what)
{
	assert_refused(f, rc, cat, what);
	if (f->elapsed >= DEADLINE_MS)
		fail_msg("took %llu ms: a malformed answer must be refused when it arrives, not at the deadline",
			 (unsigned long long)f->elapsed);
}

/* ---- the cases ---- */

static void test_baseline_signed(void **state)
{
	struct fx f;
	(void)state;
	start(&f, M_OK);
	assert_int_equal(open_pipe(&f), 0);
	assert_int_equal(f.c.tree_id, TID);
	assert_int_equal(transceive(&f), 0);
	assert_int_equal(transceive(&f), 0);
	assert_true(f.c.n_signed_ok >= 4);
	finish(&f);
}

static void test_baseline_encrypted(void **state)
{
	struct fx f;
	(void)state;
	start(&f, M_ENC_OK);
	assert_int_equal(open_pipe(&f), 0);
	assert_int_equal(transceive(&f), 0);
	assert_true(f.c.n_decrypted >= 2);
	finish(&f);
}

static void test_wrong_signature(void **state)
{
	struct fx f;
	(void)state;
	start(&f, M_BADSIG);
	assert_int_equal(open_pipe(&f), 0);
	assert_refused_fast(&f, transceive(&f), NLT_EPROTO, "signature does not verify");
	finish(&f);
}

static void test_unsigned(void **state)
{
	struct fx f;
	(void)state;
	start(&f, M_UNSIGNED);
	assert_int_equal(open_pipe(&f), 0);
	assert_refused_fast(&f, transceive(&f), NLT_EPROTO, "unsigned answer");
	finish(&f);
}

static void test_unsigned_without_session(void **state)
{
	struct fx f;
	(void)state;
	/* what an on-path attacker strips (80-smb2.sh's tamper relay too): named as unsigned */
	start(&f, M_UNSIGNED_NO_SID);
	assert_int_equal(open_pipe(&f), 0);
	assert_refused_fast(&f, transceive(&f), NLT_EPROTO, "unsigned answer");
	finish(&f);
}

static void test_truncated_frame_held_open(void **state)
{
	struct fx f;
	(void)state;
	start(&f, M_TRUNC_FRAME_HOLD);
	assert_int_equal(open_pipe(&f), 0);
	assert_refused(&f, transceive(&f), NLT_EPROTO, "cut short");
	finish(&f);
}

static void test_truncated_header_held_open(void **state)
{
	struct fx f;
	(void)state;
	start(&f, M_TRUNC_HDR_HOLD);
	assert_int_equal(open_pipe(&f), 0);
	/* two bytes of a frame header, then silence: at the deadline the stream is out of step, so the
	 * connection is given up (not read on at a later deadline from the middle of a header) */
	assert_refused(&f, transceive(&f), NLT_EPROTO, "cut short");
	f.c.deadline_ms = nlt_now_ms() + DEADLINE_MS;
	assert_refused_fast(&f, transceive(&f), NLT_EPROTO, "earlier answer on this connection failed");
	finish(&f);
}

static void test_truncated_frame_then_close(void **state)
{
	struct fx f;
	(void)state;
	start(&f, M_TRUNC_FRAME_CLOSE);
	assert_int_equal(open_pipe(&f), 0);
	assert_refused_fast(&f, transceive(&f), NLT_EPROTO, "cut short");
	finish(&f);
}

static void test_truncated_message(void **state)
{
	struct fx f;
	(void)state;
	start(&f, M_TRUNC_MSG);
	assert_int_equal(open_pipe(&f), 0);
	assert_refused_fast(&f, transceive(&f), NLT_EPROTO, "malformed");
	finish(&f);
}

static void test_not_a_frame(void **state)
{
	struct fx f;
	(void)state;
	start(&f, M_BAD_FRAME_HDR);
	assert_int_equal(open_pipe(&f), 0);
	assert_refused_fast(&f, transceive(&f), NLT_EPROTO, "not a direct-TCP frame");
	finish(&f);
}

static void test_huge_frame(void **state)
{
	struct fx f;
	(void)state;
	start(&f, M_HUGE_FRAME);
	assert_int_equal(open_pipe(&f), 0);
	assert_refused_fast(&f, transceive(&f), NLT_EPROTO, "frame of");
	finish(&f);
}

static void test_no_credits_granted(void **state)
{
	struct fx f;
	(void)state;
	start(&f, M_CREDITS_ZERO);
	/* NEGOTIATE granted 2, the compound spends them, and its answer grants none */
	assert_int_equal(open_pipe(&f), 0);
	assert_int_equal(f.c.credits, 0);
	assert_refused_fast(&f, transceive(&f), NLT_EPROTO, "granted no credits");
	finish(&f);
}

static void test_huge_credit_grants(void **state)
{
	struct fx f;
	(void)state;
	start(&f, M_CREDITS_HUGE);
	assert_int_equal(open_pipe(&f), 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(transceive(&f), 0);
	assert_int_equal(f.c.credits, UINT16_MAX); /* saturated, never wrapped */
	finish(&f);
}

static void test_chain_next_past_end(void **state)
{
	struct fx f;
	(void)state;
	start(&f, M_CHAIN_PAST_END);
	assert_refused_fast(&f, open_pipe(&f), NLT_EPROTO, "malformed compound");
	finish(&f);
}

static void test_chain_next_into_header(void **state)
{
	struct fx f;
	(void)state;
	start(&f, M_CHAIN_INTO_HEADER);
	assert_refused_fast(&f, open_pipe(&f), NLT_EPROTO, "malformed compound");
	finish(&f);
}

static void test_chain_next_unaligned(void **state)
{
	struct fx f;
	(void)state;
	start(&f, M_CHAIN_UNALIGNED);
	assert_refused_fast(&f, open_pipe(&f), NLT_EPROTO, "malformed compound");
	finish(&f);
}

static void test_chain_garbage_tail(void **state)
{
	struct fx f;
	(void)state;
	start(&f, M_CHAIN_GARBAGE_TAIL);
	/* the last message of a chain runs to the end of the frame: garbage breaks its signature */
	assert_refused_fast(&f, open_pipe(&f), NLT_EPROTO, "signature does not verify");
	finish(&f);
}

static void test_chain_wrong_mid(void **state)
{
	struct fx f;
	(void)state;
	start(&f, M_CHAIN_WRONG_MID);
	assert_refused_fast(&f, open_pipe(&f), NLT_EPROTO, "message");
	finish(&f);
}

static void test_garbage_frame_after_answer(void **state)
{
	struct fx f;
	(void)state;
	start(&f, M_GARBAGE_FRAME_AFTER);
	assert_int_equal(open_pipe(&f), 0);
	assert_int_equal(transceive(&f), 0);
	/* the next call reads the junk frame first */
	assert_refused_fast(&f, transceive(&f), NLT_EPROTO, "malformed SMB2 header");
	finish(&f);
}

static void test_pending_flood(void **state)
{
	struct fx f;
	(void)state;
	start(&f, M_PENDING_FLOOD);
	assert_int_equal(open_pipe(&f), 0);
	assert_refused(&f, transceive(&f), NLT_ENODC, "STATUS_PENDING");
	finish(&f);
}

static void test_pending_slow(void **state)
{
	struct fx f;
	(void)state;
	start(&f, M_PENDING_SLOW);
	assert_int_equal(open_pipe(&f), 0);
	assert_refused(&f, transceive(&f), NLT_ENODC, "STATUS_PENDING");
	finish(&f);
}

static void test_unknown_message_id(void **state)
{
	struct fx f;
	(void)state;
	start(&f, M_WRONG_MID);
	assert_int_equal(open_pipe(&f), 0);
	assert_refused_fast(&f, transceive(&f), NLT_EPROTO, "expected");
	finish(&f);
}

static void test_encrypted_bad_tag(void **state)
{
	struct fx f;
	(void)state;
	start(&f, M_ENC_BADTAG);
	assert_int_equal(open_pipe(&f), 0);
	assert_refused_fast(&f, transceive(&f), NLT_EPROTO, "failed to decrypt");
	finish(&f);
}

static void test_encrypted_wrong_session(void **state)
{
	struct fx f;
	(void)state;
	start(&f, M_ENC_WRONG_SID);
	assert_int_equal(open_pipe(&f), 0);
	assert_refused_fast(&f, transceive(&f), NLT_EPROTO, "another session");
	finish(&f);
}

static void test_signed_wrong_session(void **state)
{
	struct fx f;
	(void)state;
	start(&f, M_WRONG_SID);
	assert_int_equal(open_pipe(&f), 0);
	assert_refused_fast(&f, transceive(&f), NLT_EPROTO, "another session");
	finish(&f);
}

static void test_signed_wrong_tree(void **state)
{
	struct fx f;
	(void)state;
	start(&f, M_WRONG_TID);
	assert_int_equal(open_pipe(&f), 0);
	assert_refused_fast(&f, transceive(&f), NLT_EPROTO, "another tree");
	finish(&f);
}

/* ---- pipelined batches ---- */

#define NPIPE 3

struct batch {
	int rc[NPIPE];
	struct nlt_err e[NPIPE];
	size_t n[NPIPE];
	uint8_t out[NPIPE][256];
	uint64_t done[NPIPE]; /* ms after the batch left when each answer (or error) was taken */
};

/* NPIPE transceives on the pipe in flight at once, then their answers taken in the order sent. */
static void batch(struct fx *f, struct batch *b)
{
	static const uint8_t req[8] = { 5, 0, 0, 3, 0x10, 0, 0, 0 };
	uint64_t mid[NPIPE], t0 = nlt_now_ms();

	memset(b, 0, sizeof(*b));
	f->c.deadline_ms = t0 + DEADLINE_MS;
	smb2c_hold(&f->c);
	for (int i = 0; i < NPIPE; i++)
		if (smb2c_send_transceive(&f->c, &f->fid, req, sizeof(req), &mid[i], &f->e) != 0)
			fail_msg("pipelined send %d: %s", i, f->e.msg);
	smb2c_flush(&f->c);
	for (int i = 0; i < NPIPE; i++) {
		b->rc[i] = smb2c_recv_transceive(&f->c, mid[i], &f->fid, b->out[i], sizeof(b->out[i]), &b->n[i], &b->e[i]);
		b->done[i] = nlt_now_ms() - t0;
		print_message("    [%d] rc %d after %llu ms: %s\n", i, b->rc[i], (unsigned long long)b->done[i],
			      b->rc[i] ? b->e[i].msg : "answered");
	}
	f->elapsed = nlt_now_ms() - t0;
}

/* Answer i is the peer's real one, or answer i was refused with cat and a one-line error naming the peer and what. */
static void assert_answered(const struct batch *b, int i)
{
	assert_int_equal(b->rc[i], 0);
	assert_int_equal(b->n[i], 10);
	assert_int_equal(b->out[i][9], 0xcd);
}

static void assert_batch_refused(const struct batch *b, int i, enum nlt_cat cat, const char *what)
{
	if (b->rc[i] != -1)
		fail_msg("request %d of the batch was taken as answered (%zu bytes)", i, b->n[i]);
	assert_int_equal(b->e[i].cat, cat);
	if (what && !strstr(b->e[i].msg, what))
		fail_msg("error %d \"%s\" does not say \"%s\"", i, b->e[i].msg, what);
	assert_non_null(strstr(b->e[i].msg, "srv.hostile.test (127.0.0.1)"));
	assert_null(strchr(b->e[i].msg, '\n'));
	assert_true(strncmp(b->e[i].msg, "SMB2 ", 5) == 0); /* names the operation */
}

static void test_pipelined_pending_flood(void **state)
{
	struct fx f;
	struct batch b;
	(void)state;
	start(&f, M_PIPE_FLOOD);
	assert_int_equal(open_pipe(&f), 0);
	batch(&f, &b);
	/* the first ends at the deadline, naming the flood; the others have no time left: no hang, no answer */
	assert_batch_refused(&b, 0, NLT_ENODC, "STATUS_PENDING");
	assert_batch_refused(&b, 1, NLT_ENODC, NULL);
	assert_batch_refused(&b, 2, NLT_ENODC, NULL);
	if (f.elapsed > DEADLINE_MS + SLACK_MS)
		fail_msg("the batch took %llu ms, past the %d ms deadline", (unsigned long long)f.elapsed, DEADLINE_MS);
	assert_true(b.done[0] >= DEADLINE_MS - 5); /* not given up early either */
	finish(&f);
}

static void test_pipelined_one_answered_rest_flooded(void **state)
{
	struct fx f;
	struct batch b;
	(void)state;
	start(&f, M_PIPE_ONE);
	assert_int_equal(open_pipe(&f), 0);
	batch(&f, &b);
	/* the answer that came while waiting for the first is kept (checked) and handed over */
	assert_batch_refused(&b, 0, NLT_ENODC, "STATUS_PENDING");
	assert_answered(&b, 1);
	assert_batch_refused(&b, 2, NLT_ENODC, NULL);
	if (f.elapsed > DEADLINE_MS + SLACK_MS)
		fail_msg("the batch took %llu ms, past the %d ms deadline", (unsigned long long)f.elapsed, DEADLINE_MS);
	finish(&f);
}

static void test_pipelined_bad_signature(void **state)
{
	struct fx f;
	struct batch b;
	(void)state;
	start(&f, M_PIPE_BADSIG);
	assert_int_equal(open_pipe(&f), 0);
	batch(&f, &b);
	/*
	 * The second answer's signature is bad: it is refused, and nothing that follows on this
	 * connection is believed (a forged message's MessageId says nothing): every request of the batch
	 * is refused at once, naming the signature, instead of the one whose answer was forged waiting
	 * for the deadline.
	 */
	for (int i = 0; i < NPIPE; i++) {
		assert_batch_refused(&b, i, NLT_EPROTO, "signature does not verify");
		if (b.done[i] >= DEADLINE_MS)
			fail_msg("request %d was refused after %llu ms: not at once", i, (unsigned long long)b.done[i]);
	}
	/* and the connection stays refused */
	assert_refused_fast(&f, transceive(&f), NLT_EPROTO, "signature does not verify");
	finish(&f);
}

/*
 * show-target's own batches (target_show: two TREE_CONNECT + CREATE compounds, then the lsarpc and
 * srvsvc calls pipelined) against a peer that answers every pipelined request STATUS_PENDING: the
 * command ends at the deadline with exit 4 (no answer), one line naming the peer, and no verdict.
 */
static void test_show_target_pending_flood(void **state)
{
	struct fx f;
	struct target t;
	struct target_info ti;
	struct nlt_err e;
	uint64_t t0;
	int rc;
	(void)state;

	start(&f, M_PIPE_FLOOD);
	memset(&t, 0, sizeof(t));
	t.smb = f.c; /* the session; handed back before finish() frees it */
	snprintf(t.host, sizeof(t.host), "srv.hostile.test");
	t.user.kind = TACCT_LOCAL;
	t.mech = 2;
	nlt_clearerr(&e);
	t0 = nlt_now_ms();
	t.smb.deadline_ms = t0 + DEADLINE_MS;
	rc = target_show(&t, &ti, &e);
	f.elapsed = nlt_now_ms() - t0;
	f.c = t.smb;
	print_message("    -> rc %d: %s [cat %d, %llu ms]\n", rc, e.msg, (int)e.cat, (unsigned long long)f.elapsed);
	assert_int_equal(rc, -1);
	assert_false(ti.have_lsa || ti.have_srv || ti.have_wks);
	assert_int_equal(e.cat, NLT_ENODC);
	assert_non_null(strstr(e.msg, "srv.hostile.test"));
	assert_non_null(strstr(e.msg, "STATUS_PENDING"));
	assert_null(strchr(e.msg, '\n'));
	if (f.elapsed > DEADLINE_MS + 100 + SLACK_MS) /* + the peer's 100 ms look at the first compound */
		fail_msg("target_show took %llu ms, past the %d ms deadline", (unsigned long long)f.elapsed, DEADLINE_MS);
	smb2c_free(&f.c);
	pthread_join(f.t, NULL);
	/* the \PIPE\netlogon probe left beside the first TREE_CONNECT, not after it was answered (a Samba
	 * member's slow "no such pipe" then overlaps the next round trip) */
	assert_int_equal(f.p->nl_early, 1);
	close(f.p->lfd);
	free(f.p);
}

/* The same with the probe sent last (NLT_NETLOGON_LAST=1, as on 3.0/3.0.2): it is not early. */
static void test_show_target_netlogon_last(void **state)
{
	struct fx f;
	struct target t;
	struct target_info ti;
	struct nlt_err e;
	(void)state;

	start(&f, M_PIPE_FLOOD);
	memset(&t, 0, sizeof(t));
	t.smb = f.c;
	snprintf(t.host, sizeof(t.host), "srv.hostile.test");
	t.user.kind = TACCT_LOCAL;
	t.mech = 2;
	nlt_clearerr(&e);
	t.smb.deadline_ms = nlt_now_ms() + DEADLINE_MS;
	setenv("NLT_NETLOGON_LAST", "1", 1);
	assert_int_equal(target_show(&t, &ti, &e), -1);
	unsetenv("NLT_NETLOGON_LAST");
	assert_int_equal(e.cat, NLT_ENODC);
	f.c = t.smb;
	smb2c_free(&f.c);
	pthread_join(f.t, NULL);
	assert_int_equal(f.p->nl_early, 0);
	close(f.p->lfd);
	free(f.p);
}

/*
 * The early \PIPE\netlogon open refused otherwise than "no such pipe" (ACCESS_DENIED): target_show
 * asks again, alone, on the lsarpc tree, and reports what that answer says; never "served" or "not
 * served" from the refusal itself.
 */
static void nl_retry_case(uint32_t retry_status, int want_netlogon)
{
	struct fx f;
	struct target t;
	struct target_info ti;
	struct nlt_err e;
	int rc;

	start(&f, M_NL_DENIED);
	f.p->nl_retry_status = retry_status;
	memset(&t, 0, sizeof(t));
	t.smb = f.c;
	snprintf(t.host, sizeof(t.host), "srv.hostile.test");
	t.user.kind = TACCT_LOCAL;
	t.mech = 2;
	nlt_clearerr(&e);
	t.smb.deadline_ms = nlt_now_ms() + 2000;
	rc = target_show(&t, &ti, &e);
	f.c = t.smb;
	print_message("    -> rc %d netlogon %d (%s) [%s]\n", rc, ti.netlogon, ti.netlogon_err, e.msg);
	assert_int_equal(rc, -1); /* every RPC call was refused: nothing could be read */
	assert_int_equal(e.cat, NLT_EPROTO);
	assert_int_equal(ti.netlogon, want_netlogon);
	if (want_netlogon == 1)
		assert_int_equal(t.nl_tree, 0); /* the open of the retry is on the session's tree */
	if (want_netlogon < 0)
		assert_non_null(strstr(ti.netlogon_err, "srv.hostile.test"));
	smb2c_free(&f.c);
	pthread_join(f.t, NULL);
	assert_int_equal(f.p->nl_retries, 1);
	close(f.p->lfd);
	free(f.p);
}

static void test_show_target_netlogon_retry_not_found(void **state)
{
	(void)state;
	nl_retry_case(0xc0000034, 0);
}

static void test_show_target_netlogon_retry_served(void **state)
{
	(void)state;
	nl_retry_case(0, 1);
}

static void test_show_target_netlogon_retry_denied(void **state)
{
	(void)state;
	nl_retry_case(0xc0000022, -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_baseline_signed),
		cmocka_unit_test(test_baseline_encrypted),
		cmocka_unit_test(test_wrong_signature),
		cmocka_unit_test(test_unsigned),
		cmocka_unit_test(test_unsigned_without_session),
		cmocka_unit_test(test_truncated_frame_held_open),
		cmocka_unit_test(test_truncated_header_held_open),
		cmocka_unit_test(test_truncated_frame_then_close),
		cmocka_unit_test(test_truncated_message),
		cmocka_unit_test(test_not_a_frame),
		cmocka_unit_test(test_huge_frame),
		cmocka_unit_test(test_no_credits_granted),
		cmocka_unit_test(test_huge_credit_grants),
		cmocka_unit_test(test_chain_next_past_end),
		cmocka_unit_test(test_chain_next_into_header),
		cmocka_unit_test(test_chain_next_unaligned),
		cmocka_unit_test(test_chain_garbage_tail),
		cmocka_unit_test(test_chain_wrong_mid),
		cmocka_unit_test(test_garbage_frame_after_answer),
		cmocka_unit_test(test_pending_flood),
		cmocka_unit_test(test_pending_slow),
		cmocka_unit_test(test_unknown_message_id),
		cmocka_unit_test(test_encrypted_bad_tag),
		cmocka_unit_test(test_encrypted_wrong_session),
		cmocka_unit_test(test_signed_wrong_session),
		cmocka_unit_test(test_signed_wrong_tree),
		cmocka_unit_test(test_pipelined_pending_flood),
		cmocka_unit_test(test_pipelined_one_answered_rest_flooded),
		cmocka_unit_test(test_pipelined_bad_signature),
		cmocka_unit_test(test_show_target_pending_flood),
		cmocka_unit_test(test_show_target_netlogon_last),
		cmocka_unit_test(test_show_target_netlogon_retry_not_found),
		cmocka_unit_test(test_show_target_netlogon_retry_served),
		cmocka_unit_test(test_show_target_netlogon_retry_denied),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
