/*
 * tests/unit/test_rjoin_pipe.c - rejoin's member half on the wire: target_rpc_first() (src/rpc/target.c)
 * against a scripted SMB2 peer on loopback TCP (the plumbing of tests/unit/smb2_peer.h; NEGOTIATE is
 * the real exchange, the session synthetic, as in test_smb2_hostile.c).
 *
 * - the wkssvc bind and NetrWkstaGetInfo 100 leave in one flight: the peer holds the bind's answer
 *   until the request has come too (up to HOLD_MS); a client that waits for the bind_ack first is
 *   seen (req_early 0), which is what NLT_RJOIN_PIPE_SERIAL=1 (the old order) shows;
 * - the name comes from the answer, and the pipe is handed over bound: a later rpc_call on it
 *   continues the call ids (3 after bind 1 and request 2) and is answered;
 * - a pipelined bind (and its request) reset at the SMB level, as a Samba RPC helper that was
 *   starting answers them, is sent again on a new pipe, and after a second reset bound alone on a
 *   pipe of its own; either way the name is the member's;
 * - a request refused at the SMB level behind an accepted bind is asked again alone on that pipe;
 * - a fault for the request is the call's error (no fallback, nothing made up).
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

#include "dcerpc.h"
#include "rpc.h"
#include "smb2.h"
#include "smb2_crypto.h"
#include "smb2c.h"
#include "target.h"
#include "util.h"
#include "wire.h"
#include "wkssvc.h"

#define SID 0x0000100000000046ull
#define TID 0x00000009u
#define HOLD_MS 300
#define NT_CONNECTION_RESET 0xc000020du
#define NT_PIPE_BUSY 0xc00000aeu

enum mode {
	M_OK,          /* every answer good */
	M_BIND_RESET,  /* the first pipelined bind and its request: STATUS_CONNECTION_RESET */
	M_BIND_RESET2, /* the first two pipelined binds (and their requests) reset */
	M_REQ_BUSY,    /* the first request behind a bind: STATUS_PIPE_BUSY; the bind accepted */
	M_REQ_FAULT,   /* the first request: a DCE/RPC fault (access denied) */
};

struct peer {
	int lfd, fd;
	enum mode mode;
	int encrypt;
	uint8_t preauth[SMB2_PREAUTH_HASH_LEN];
	struct smb2_keys keys;
	uint8_t in[70000], out[70000], tmp[70000];
	size_t in_len;
	struct smb2_hdr rh[4];
	size_t n_rh;
	/* what the client did */
	int n_tcon, n_create, n_bind, n_req, req_early, refused;
	uint32_t call_ids[8];
	uint16_t opnums[8];
};

#include "smb2_peer.h"

static void body_tcon(struct wwr *w)
{
	wwr_u16le(w, 16);
	wwr_u8(w, SMB2_SHARE_TYPE_PIPE);
	wwr_u8(w, 0);
	wwr_u32le(w, 0);
	wwr_u32le(w, 0);
	wwr_u32le(w, 0x1f01ff);
}

static void body_create(struct wwr *w, uint64_t vol)
{
	wwr_u16le(w, 89);
	wwr_u8(w, 0);
	wwr_u8(w, 0);
	wwr_u32le(w, 1);
	for (int i = 0; i < 6; i++)
		wwr_u64le(w, 0);
	wwr_u32le(w, 0x80);
	wwr_u32le(w, 0);
	wwr_u64le(w, 0x1111);
	wwr_u64le(w, vol);
	wwr_u32le(w, 0);
	wwr_u32le(w, 0);
	wwr_u8(w, 0);
}

static void tcon_create(struct peer *p)
{
	struct wwr w;
	size_t s1, len;

	p->n_tcon++;
	wwr_init(&w, p->out, sizeof(p->out));
	rsp_hdr(&w, &p->rh[0], 0, 16, 0);
	body_tcon(&w);
	smb2_chain_link(&w, 0);
	s1 = wwr_len(&w);
	rsp_hdr(&w, &p->rh[1], 0, 16, 0);
	body_create(&w, 0x2200 + (uint64_t)p->n_tcon);
	len = wwr_len(&w);
	assert_int_equal(w.err, WIRE_OK);
	sign(p, p->out, s1);
	sign(p, p->out + s1, len - s1);
	peer_send(p, p->out, len);
}

/* An error answer to req (signed, as a server signs them on a signed session). */
static void error_rep(struct peer *p, const struct smb2_hdr *req, uint32_t st)
{
	struct wwr w;

	wwr_init(&w, p->out, sizeof(p->out));
	rsp_hdr(&w, req, st, 16, 0);
	wwr_u16le(&w, 9);
	wwr_u8(&w, 0);
	wwr_u8(&w, 0);
	wwr_u32le(&w, 0);
	wwr_u8(&w, 0);
	assert_int_equal(w.err, WIRE_OK);
	sign(p, p->out, wwr_len(&w));
	peer_send(p, p->out, wwr_len(&w));
}

/* The IOCTL answer to req carrying the PDU pdu[len]. */
static void ioctl_rep(struct peer *p, const struct smb2_hdr *req, const uint8_t *pdu, size_t len)
{
	struct wwr w;

	wwr_init(&w, p->out, sizeof(p->out));
	rsp_hdr(&w, req, 0, 16, 0);
	wwr_u16le(&w, 49);
	wwr_u16le(&w, 0);
	wwr_u32le(&w, SMB2_FSCTL_PIPE_TRANSCEIVE);
	wwr_u64le(&w, 0x1111);
	wwr_u64le(&w, 0x2201);
	wwr_u32le(&w, 0);
	wwr_u32le(&w, 0);
	wwr_u32le(&w, 112);
	wwr_u32le(&w, (uint32_t)len);
	wwr_u32le(&w, 0);
	wwr_u32le(&w, 0);
	wwr_bytes(&w, pdu, len);
	assert_int_equal(w.err, WIRE_OK);
	sign(p, p->out, wwr_len(&w));
	peer_send(p, p->out, wwr_len(&w));
}

/* The DCE/RPC PDU an IOCTL request (the one message in p->in) carries. */
static int ioctl_pdu(const struct peer *p, struct dcerpc_pdu *pdu)
{
	size_t off, n;

	if (p->n_rh != 1 || p->rh[0].command != SMB2_IOCTL || p->in_len < 64 + 32)
		return -1;
	off = (size_t)p->in[64 + 24] | (size_t)p->in[64 + 25] << 8 | (size_t)p->in[64 + 26] << 16 |
	      (size_t)p->in[64 + 27] << 24;
	n = (size_t)p->in[64 + 28] | (size_t)p->in[64 + 29] << 8 | (size_t)p->in[64 + 30] << 16 |
	    (size_t)p->in[64 + 31] << 24;
	if (off > p->in_len || n > p->in_len - off)
		return -1;
	return dcerpc_dec_pdu(p->in + off, n, pdu) == WIRE_OK ? 0 : -1;
}

static void answer_bind(struct peer *p, const struct smb2_hdr *req, uint32_t call_id)
{
	struct dcerpc_pdu a;
	uint8_t b[256];
	struct wwr w;

	memset(&a, 0, sizeof(a));
	a.ptype = DCERPC_PT_BIND_ACK;
	a.pfc_flags = DCERPC_PFC_FIRST | DCERPC_PFC_LAST;
	a.call_id = call_id;
	a.max_xmit_frag = a.max_recv_frag = 4280;
	a.assoc_group_id = 0x1234;
	snprintf(a.sec_addr, sizeof(a.sec_addr), "\\PIPE\\wkssvc");
	a.n_results = 1;
	a.results[0].ts = dcerpc_syntax_ndr20;
	wwr_init(&w, b, sizeof(b));
	assert_int_equal(dcerpc_enc_pdu(&w, &a, NULL), WIRE_OK);
	ioctl_rep(p, req, b, wwr_len(&w));
}

/* The answer to a request: NetrWkstaGetInfo 100 -> WS1/LAB, anything else -> WERR_OK; or a fault. */
static void answer_req(struct peer *p, const struct smb2_hdr *req, const struct dcerpc_pdu *q, int fault)
{
	struct dcerpc_pdu a;
	uint8_t stub[512], b[700];
	struct wwr w;

	wwr_init(&w, stub, sizeof(stub));
	if (q->opnum == WKSSVC_OP_WKSTA_GET_INFO) {
		struct wkssvc_info100 i;
		memset(&i, 0, sizeof(i));
		i.present = 1;
		i.platform_id = 500;
		snprintf(i.computer, sizeof(i.computer), "WS1");
		snprintf(i.langroup, sizeof(i.langroup), "LAB");
		i.version_major = 10;
		assert_int_equal(wkssvc_enc_get_info100_rep(&w, &i), WIRE_OK);
	} else {
		assert_int_equal(wkssvc_enc_werror_rep(&w, 0), WIRE_OK);
	}
	memset(&a, 0, sizeof(a));
	a.ptype = fault ? DCERPC_PT_FAULT : DCERPC_PT_RESPONSE;
	a.pfc_flags = DCERPC_PFC_FIRST | DCERPC_PFC_LAST;
	a.call_id = q->call_id;
	a.ctx_id = 0;
	if (fault) {
		a.status = DCERPC_FAULT_ACCESS_DENIED;
	} else {
		a.alloc_hint = (uint32_t)wwr_len(&w);
		a.stub = stub;
		a.stub_len = wwr_len(&w);
	}
	wwr_init(&w, b, sizeof(b));
	assert_int_equal(dcerpc_enc_pdu(&w, &a, NULL), WIRE_OK);
	ioctl_rep(p, req, b, wwr_len(&w));
}

static void note_req(struct peer *p, const struct dcerpc_pdu *q)
{
	if (p->n_req < 8) {
		p->call_ids[p->n_req] = q->call_id;
		p->opnums[p->n_req] = q->opnum;
	}
	p->n_req++;
}

/* A bind came: hold its answer until the request behind it has come (or HOLD_MS passed). */
static int on_bind(struct peer *p, const struct dcerpc_pdu *bind)
{
	struct smb2_hdr breq = p->rh[0], qreq;
	struct pollfd pf = { .fd = p->fd, .events = POLLIN };
	struct dcerpc_pdu q;
	uint32_t b_call = bind->call_id;
	int have_q = 0;

	p->n_bind++;
	if (poll(&pf, 1, HOLD_MS) == 1) {
		if (peer_recv(p))
			return -1;
		if (ioctl_pdu(p, &q) == 0 && q.ptype == DCERPC_PT_REQUEST) {
			have_q = 1;
			qreq = p->rh[0];
			if (p->n_bind == 1)
				p->req_early = 1;
			note_req(p, &q);
		}
	}
	if ((p->mode == M_BIND_RESET && p->n_bind == 1) || (p->mode == M_BIND_RESET2 && p->n_bind <= 2)) {
		p->refused++;
		error_rep(p, &breq, NT_CONNECTION_RESET);
		if (have_q)
			error_rep(p, &qreq, NT_CONNECTION_RESET);
		return 0;
	}
	answer_bind(p, &breq, b_call);
	if (!have_q)
		return 0;
	if (p->mode == M_REQ_BUSY && p->refused == 0) {
		p->refused++;
		error_rep(p, &qreq, NT_PIPE_BUSY);
		return 0;
	}
	answer_req(p, &qreq, &q, p->mode == M_REQ_FAULT);
	return 0;
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
	len = negotiate_rep_credits(p, p->out, 16);
	smb2_preauth_update(p->preauth, p->out, len);
	peer_send_enc(p, p->out, len, 0);
	assert_int_equal(smb2_derive_keys(SMB2_DIALECT_311, SMB2_CIPHER_AES128_GCM, gss_key, sizeof(gss_key),
					  p->preauth, &p->keys),
			 WIRE_OK);
	while (peer_recv(p) == 0) {
		struct dcerpc_pdu q;
		if (p->rh[0].command == SMB2_TREE_CONNECT && p->n_rh == 2) {
			tcon_create(p);
			continue;
		}
		if (p->rh[0].command == SMB2_CREATE && p->n_rh == 1) {
			/* a CREATE on the session's tree */
			struct wwr w;
			p->n_create++;
			wwr_init(&w, p->out, sizeof(p->out));
			rsp_hdr(&w, &p->rh[0], 0, 16, 0);
			body_create(&w, 0x3300 + (uint64_t)p->n_create);
			assert_int_equal(w.err, WIRE_OK);
			sign(p, p->out, wwr_len(&w));
			peer_send(p, p->out, wwr_len(&w));
			continue;
		}
		if (ioctl_pdu(p, &q) < 0)
			continue; /* CLOSE, LOGOFF: not answered */
		if (q.ptype == DCERPC_PT_BIND) {
			if (on_bind(p, &q) < 0)
				goto out;
		} else if (q.ptype == DCERPC_PT_REQUEST) {
			note_req(p, &q);
			answer_req(p, &p->rh[0], &q, 0);
		}
	}
out:
	close(p->fd);
	p->fd = -1;
	return NULL;
}

struct fx {
	struct peer *p;
	pthread_t th;
	struct target t;
};

static void start(struct fx *f, enum mode mode)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	struct nlt_addr a;
	struct nlt_err e;

	memset(f, 0, sizeof(*f));
	f->p = calloc(1, sizeof(*f->p));
	assert_non_null(f->p);
	f->p->mode = mode;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	f->p->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(f->p->lfd >= 0);
	assert_int_equal(bind(f->p->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(f->p->lfd, 1), 0);
	assert_int_equal(getsockname(f->p->lfd, (struct sockaddr *)&sa, &sl), 0);
	assert_int_equal(pthread_create(&f->th, NULL, peer_main, f->p), 0);
	assert_int_equal(nlt_addr_parse(&a, "127.0.0.1", ntohs(sa.sin_port)), 0);
	nlt_clearerr(&e);
	if (smb2c_connect(&f->t.smb, &a, "ws1.pipe.test", NULL, nlt_now_ms() + 5000, &e) != 0)
		fail_msg("negotiate with the scripted peer failed: %s", e.msg);
	f->t.smb.session_id = SID;
	assert_int_equal(smb2_derive_keys(f->t.smb.dialect, f->t.smb.cipher, gss_key, sizeof(gss_key), f->t.smb.preauth,
					  &f->t.smb.keys),
			 WIRE_OK);
	f->t.smb.have_keys = 1;
	f->t.smb.deadline_ms = nlt_now_ms() + 5000;
	snprintf(f->t.host, sizeof(f->t.host), "ws1.pipe.test");
	f->t.user.kind = TACCT_LOCAL;
	f->t.mech = 2;
}

static void finish(struct fx *f)
{
	smb2c_free(&f->t.smb);
	pthread_join(f->th, NULL);
	close(f->p->lfd); /* f->p is kept for the checks; the test frees it */
}

/* rejoin's member_pipe(): wkssvc, NetrWkstaGetInfo 100 as the first call; the name in *wi. */
static int get_name(struct fx *f, struct rpc_conn *c, struct wkssvc_info100 *wi, struct nlt_err *e)
{
	uint8_t buf[128];
	struct wwr w;
	struct target_call q;
	int r;

	wwr_init(&w, buf, sizeof(buf));
	assert_int_equal(wkssvc_enc_get_info(&w, NULL, 100), WIRE_OK);
	memset(&q, 0, sizeof(q));
	q.opnum = WKSSVC_OP_WKSTA_GET_INFO;
	q.stub = buf;
	q.stub_len = wwr_len(&w);
	q.what = "NetrWkstaGetInfo";
	nlt_clearerr(e);
	memset(wi, 0, sizeof(*wi));
	r = target_rpc_first(&f->t, "wkssvc", &wkssvc_syntax, c, &q, e);
	if (r == 0) {
		assert_int_equal(q.ok, 1);
		assert_int_equal(wkssvc_dec_get_info100_rep(q.out, q.out_len, wi), WIRE_OK);
	} else {
		assert_null(q.out);
		assert_int_equal(q.ok, 0);
	}
	free(q.out);
	return r;
}

/* A later call on the handed-over pipe (rejoin's NetrJoinDomain2 after the preflight): answered, WERR_OK. */
static void later_call(struct rpc_conn *c)
{
	static const uint8_t stub[8] = { 0 };
	uint8_t *out = NULL;
	size_t n = 0;
	uint32_t werr = 1;
	struct nlt_err e;

	nlt_clearerr(&e);
	if (rpc_call(c, WKSSVC_OP_JOIN_DOMAIN2, stub, sizeof(stub), &out, &n, "NetrJoinDomain2", &e) != 0)
		fail_msg("the call on the handed-over pipe failed: %s", e.msg);
	assert_int_equal(wkssvc_dec_werror_rep(out, n, &werr), WIRE_OK);
	assert_int_equal(werr, 0);
	free(out);
}

static void test_bind_and_getinfo_one_flight(void **state)
{
	struct fx f;
	struct rpc_conn c;
	struct wkssvc_info100 wi;
	struct nlt_err e;

	(void)state;
	start(&f, M_OK);
	assert_int_equal(get_name(&f, &c, &wi, &e), 0);
	assert_string_equal(wi.computer, "WS1");
	assert_string_equal(wi.langroup, "LAB");
	later_call(&c);
	rpc_close(&c);
	finish(&f);
	/* the request came before the bind was answered: one flight, not bind-then-call */
	assert_int_equal(f.p->req_early, 1);
	assert_int_equal(f.p->n_tcon, 1);
	assert_int_equal(f.p->n_bind, 1);
	assert_int_equal(f.p->n_req, 2);
	assert_int_equal(f.p->call_ids[0], 2); /* bind 1, NetrWkstaGetInfo 2 */
	assert_int_equal(f.p->opnums[0], WKSSVC_OP_WKSTA_GET_INFO);
	assert_int_equal(f.p->call_ids[1], 3); /* the later call continues the association's ids */
	assert_int_equal(f.p->opnums[1], WKSSVC_OP_JOIN_DOMAIN2);
	free(f.p);
}

/* The old order (NLT_RJOIN_PIPE_SERIAL=1): the bind waits for its answer; the peer sees it (the check can fail). */
static void test_serial_hook_waits_for_the_bind(void **state)
{
	struct fx f;
	struct rpc_conn c;
	struct wkssvc_info100 wi;
	struct nlt_err e;

	(void)state;
	start(&f, M_OK);
	setenv("NLT_RJOIN_PIPE_SERIAL", "1", 1);
	assert_int_equal(get_name(&f, &c, &wi, &e), 0);
	unsetenv("NLT_RJOIN_PIPE_SERIAL");
	assert_string_equal(wi.computer, "WS1");
	later_call(&c);
	rpc_close(&c);
	finish(&f);
	assert_int_equal(f.p->req_early, 0);
	assert_int_equal(f.p->n_req, 2);
	assert_int_equal(f.p->call_ids[1], 3);
	free(f.p);
}

/* A pipelined bind reset (a Samba RPC helper starting): a new pipe on the same tree, pipelined again; the right name. */
static void test_bind_reset_asked_again(void **state)
{
	struct fx f;
	struct rpc_conn c;
	struct wkssvc_info100 wi;
	struct nlt_err e;

	(void)state;
	start(&f, M_BIND_RESET);
	if (get_name(&f, &c, &wi, &e) != 0)
		fail_msg("not asked again: %s", e.msg);
	assert_string_equal(wi.computer, "WS1");
	assert_string_equal(wi.langroup, "LAB");
	later_call(&c);
	rpc_close(&c);
	finish(&f);
	assert_int_equal(f.p->refused, 1);
	assert_int_equal(f.p->req_early, 1);
	assert_int_equal(f.p->n_tcon, 1);   /* the new pipe on the tree we have */
	assert_int_equal(f.p->n_create, 1);
	assert_int_equal(f.p->n_bind, 2);
	assert_int_equal(f.p->n_req, 3);    /* the reset request, the request again, then the later call */
	assert_int_equal(f.p->call_ids[1], 2); /* a fresh association: bind 1, call 2 */
	assert_int_equal(f.p->call_ids[2], 3);
	free(f.p);
}

/* Reset twice: then a pipe of its own, bound alone, the call after the bind_ack; still the right name. */
static void test_bind_reset_twice_one_at_a_time(void **state)
{
	struct fx f;
	struct rpc_conn c;
	struct wkssvc_info100 wi;
	struct nlt_err e;

	(void)state;
	start(&f, M_BIND_RESET2);
	if (get_name(&f, &c, &wi, &e) != 0)
		fail_msg("no fallback: %s", e.msg);
	assert_string_equal(wi.computer, "WS1");
	later_call(&c);
	rpc_close(&c);
	finish(&f);
	assert_int_equal(f.p->refused, 2);
	assert_int_equal(f.p->n_tcon, 2);   /* target_rpc: TREE_CONNECT + CREATE again */
	assert_int_equal(f.p->n_create, 1);
	assert_int_equal(f.p->n_bind, 3);
	assert_int_equal(f.p->n_req, 4);
	assert_int_equal(f.p->call_ids[2], 2);
	assert_int_equal(f.p->call_ids[3], 3);
	free(f.p);
}

/* The request refused behind an accepted bind (STATUS_PIPE_BUSY): asked again alone on that pipe. */
static void test_request_refused_asked_again(void **state)
{
	struct fx f;
	struct rpc_conn c;
	struct wkssvc_info100 wi;
	struct nlt_err e;

	(void)state;
	start(&f, M_REQ_BUSY);
	if (get_name(&f, &c, &wi, &e) != 0)
		fail_msg("no retry: %s", e.msg);
	assert_string_equal(wi.computer, "WS1");
	later_call(&c);
	rpc_close(&c);
	finish(&f);
	assert_int_equal(f.p->refused, 1);
	assert_int_equal(f.p->n_tcon, 1);
	assert_int_equal(f.p->n_bind, 1);
	assert_int_equal(f.p->n_req, 3);
	assert_int_equal(f.p->call_ids[1], 3); /* the retry is a new call on the same association */
	assert_int_equal(f.p->call_ids[2], 4);
	free(f.p);
}

/* A fault for the request is that call's error, one line naming the pipe: no retry, no name made up. */
static void test_request_fault_is_the_error(void **state)
{
	struct fx f;
	struct rpc_conn c;
	struct wkssvc_info100 wi;
	struct nlt_err e;

	(void)state;
	start(&f, M_REQ_FAULT);
	assert_int_equal(get_name(&f, &c, &wi, &e), -1);
	print_message("    -> %s [cat %d]\n", e.msg, (int)e.cat);
	assert_int_equal(e.cat, NLT_EAUTH);
	assert_non_null(strstr(e.msg, "NetrWkstaGetInfo"));
	assert_non_null(strstr(e.msg, "ws1.pipe.test \\PIPE\\wkssvc"));
	assert_non_null(strstr(e.msg, "fault"));
	assert_null(strchr(e.msg, '\n'));
	assert_string_equal(wi.computer, "");
	if (c.pipe || c.xp)
		rpc_close(&c);
	finish(&f);
	assert_int_equal(f.p->n_bind, 1);
	assert_int_equal(f.p->n_req, 1);
	free(f.p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bind_and_getinfo_one_flight),
		cmocka_unit_test(test_serial_hook_waits_for_the_bind),
		cmocka_unit_test(test_bind_reset_asked_again),
		cmocka_unit_test(test_bind_reset_twice_one_at_a_time),
		cmocka_unit_test(test_request_refused_asked_again),
		cmocka_unit_test(test_request_fault_is_the_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
