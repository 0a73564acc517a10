/*
 * tests/unit/test_rpc.c - the DCE/RPC client (src/rpc/rpc.c) against a scripted peer on a
 * socketpair: what a DC does that the lab cannot be made to do on demand - answer with a
 * fault, drop the connection in the middle of a reply, send a reply in several fragments,
 * send a schannel signature that does not verify.  The peer reads each request, then writes
 * the scripted bytes.
 */
#include "config.h"

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
#include "nrpc.h"
#include "nrpc_crypto.h"
#include "rpc.h"
#include "util.h"

struct peer {
	int fd;
	uint8_t out[8192];
	size_t out_len;
	size_t cut;           /* write only this many bytes, then close (0: all) */
	int read_requests;    /* PDUs to read before answering */
};

static void read_pdu(int fd)
{
	uint8_t hdr[16], body[8192];
	size_t got = 0;

	while (got < 16) {
		ssize_t r = read(fd, hdr + got, 16 - got);
		if (r <= 0)
			return;
		got += (size_t)r;
	}
	size_t fl = (size_t)(hdr[8] | hdr[9] << 8), need = fl - 16;
	got = 0;
	while (got < need && need <= sizeof(body)) {
		ssize_t r = read(fd, body + got, need - got);
		if (r <= 0)
			return;
		got += (size_t)r;
	}
}

static void *peer_main(void *arg)
{
	struct peer *p = arg;

	for (int i = 0; i < p->read_requests; i++)
		read_pdu(p->fd);
	(void)!write(p->fd, p->out, p->cut ? p->cut : p->out_len);
	if (p->cut)
		shutdown(p->fd, SHUT_RDWR);
	return NULL;
}

/* A response or fault PDU for call_id into p->out (appended). */
static void add_pdu(struct peer *p, uint8_t ptype, uint8_t flags, uint32_t call_id, const uint8_t *stub, size_t len,
		    uint32_t status)
{
	struct dcerpc_pdu pdu;
	struct wwr w;

	memset(&pdu, 0, sizeof(pdu));
	pdu.ptype = ptype;
	pdu.pfc_flags = flags;
	pdu.call_id = call_id;
	pdu.alloc_hint = (uint32_t)len;
	pdu.stub = stub;
	pdu.stub_len = len;
	pdu.status = status;
	wwr_init(&w, p->out + p->out_len, sizeof(p->out) - p->out_len);
	assert_int_equal(dcerpc_enc_pdu(&w, &pdu, NULL), WIRE_OK);
	p->out_len += wwr_len(&w);
}

static void conn_pair(struct rpc_conn *c, struct peer *p)
{
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	memset(c, 0, sizeof(*c));
	c->fd = sv[0];
	c->deadline_ms = nlt_now_ms() + 3000;
	c->max_xmit = c->max_recv = 5840;
	snprintf(c->peer, sizeof(c->peer), "scripted DC");
	memset(p, 0, sizeof(*p));
	p->fd = sv[1];
	p->read_requests = 1;
}

static int run(struct rpc_conn *c, struct peer *p, uint8_t **out, size_t *len, struct nlt_err *e)
{
	static const uint8_t stub[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	pthread_t t;
	int r;

	assert_int_equal(pthread_create(&t, NULL, peer_main, p), 0);
	nlt_clearerr(e);
	r = rpc_call(c, 4, stub, sizeof(stub), out, len, "TestCall", e);
	pthread_join(t, NULL);
	close(p->fd);
	rpc_close(c);
	return r;
}

static void test_fault_is_a_readable_error(void **state)
{
	struct rpc_conn c;
	struct peer p;
	struct nlt_err e;
	uint8_t *out = NULL;
	size_t len;

	(void)state;
	conn_pair(&c, &p);
	add_pdu(&p, DCERPC_PT_FAULT, DCERPC_PFC_FIRST | DCERPC_PFC_LAST, 1, NULL, 0, DCERPC_FAULT_OP_RNG_ERROR);
	assert_int_equal(run(&c, &p, &out, &len, &e), -1);
	assert_null(out);
	assert_int_equal(e.cat, NLT_EPROTO);
	assert_non_null(strstr(e.msg, "TestCall on scripted DC"));
	assert_non_null(strstr(e.msg, "0x1c010002"));
	assert_non_null(strstr(e.msg, "operation number out of range"));

	conn_pair(&c, &p);
	add_pdu(&p, DCERPC_PT_FAULT, DCERPC_PFC_FIRST | DCERPC_PFC_LAST, 1, NULL, 0, DCERPC_FAULT_ACCESS_DENIED);
	assert_int_equal(run(&c, &p, &out, &len, &e), -1);
	assert_int_equal(e.cat, NLT_EAUTH);
}

static void test_connection_dropped_mid_reply(void **state)
{
	static const uint8_t stub[100] = { 0 };
	struct rpc_conn c;
	struct peer p;
	struct nlt_err e;
	uint8_t *out = NULL;
	size_t len;

	(void)state;
	/* every cut point: inside the header, inside the body */
	for (size_t cut = 1; cut < 24 + sizeof(stub); cut += 7) {
		conn_pair(&c, &p);
		add_pdu(&p, DCERPC_PT_RESPONSE, DCERPC_PFC_FIRST | DCERPC_PFC_LAST, 1, stub, sizeof(stub), 0);
		p.cut = cut;
		assert_int_equal(run(&c, &p, &out, &len, &e), -1);
		assert_null(out);
		assert_true(strstr(e.msg, "closed") || strstr(e.msg, "cut short"));
	}
}

static void test_fragmented_reply_is_reassembled_and_order_is_checked(void **state)
{
	uint8_t a[64], b[40];
	struct rpc_conn c;
	struct peer p;
	struct nlt_err e;
	uint8_t *out = NULL;
	size_t len = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(a); i++)
		a[i] = (uint8_t)i;
	for (size_t i = 0; i < sizeof(b); i++)
		b[i] = (uint8_t)(200 + i);
	conn_pair(&c, &p);
	add_pdu(&p, DCERPC_PT_RESPONSE, DCERPC_PFC_FIRST, 1, a, sizeof(a), 0);
	add_pdu(&p, DCERPC_PT_RESPONSE, DCERPC_PFC_LAST, 1, b, sizeof(b), 0);
	assert_int_equal(run(&c, &p, &out, &len, &e), 0);
	assert_int_equal(len, sizeof(a) + sizeof(b));
	assert_memory_equal(out, a, sizeof(a));
	assert_memory_equal(out + sizeof(a), b, sizeof(b));
	free(out);
	/* a reply to another call, or a middle fragment first: refused */
	conn_pair(&c, &p);
	add_pdu(&p, DCERPC_PT_RESPONSE, DCERPC_PFC_FIRST | DCERPC_PFC_LAST, 7, a, sizeof(a), 0);
	assert_int_equal(run(&c, &p, &out, &len, &e), -1);
	conn_pair(&c, &p);
	add_pdu(&p, DCERPC_PT_RESPONSE, DCERPC_PFC_LAST, 1, a, sizeof(a), 0);
	assert_int_equal(run(&c, &p, &out, &len, &e), -1);
	assert_non_null(strstr(e.msg, "out of order"));
}

/* A schannel connection whose reply is sealed with the wrong key (or not at all): refused. */
static void test_schannel_reply_must_verify(void **state)
{
	static const uint8_t key[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
	static const uint8_t other[16] = { 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1 };
	uint8_t stub[16] = { 0 }, conf[8] = { 0 }, sig[SCHANNEL_SIG_LEN];
	struct rpc_conn c;
	struct peer p;
	struct nlt_err e;
	uint8_t *out = NULL;
	size_t len;

	(void)state;
	for (int variant = 0; variant < 3; variant++) {
		struct dcerpc_pdu pdu;
		struct dcerpc_layout lay;
		struct wwr w;
		conn_pair(&c, &p);
		/* the provider as rpc_bind_schannel leaves it, without a bind on the wire */
		memcpy(c.schannel.session_key, key, 16);
		c.sec_store.auth_type = DCERPC_AUTH_TYPE_NETLOGON;
		c.sec_store.auth_level = DCERPC_AUTH_LEVEL_PRIVACY;
		c.sec_store.auth_context_id = 1;
		c.sec_store.sig_len = SCHANNEL_SIG_LEN;
		assert_int_equal(rpc_alter_schannel_deferred(&c, &nrpc_syntax, key, "LAB", "WS1", &e), 0);
		c.pending_len = 0; /* no alter_context on this scripted wire */
		memset(&pdu, 0, sizeof(pdu));
		pdu.ptype = DCERPC_PT_RESPONSE;
		pdu.pfc_flags = DCERPC_PFC_FIRST | DCERPC_PFC_LAST;
		pdu.call_id = c.call_id + 1;
		pdu.stub = stub;
		pdu.stub_len = sizeof(stub);
		if (variant < 2) {
			pdu.has_auth = 1;
			pdu.auth_type = DCERPC_AUTH_TYPE_NETLOGON;
			pdu.auth_level = DCERPC_AUTH_LEVEL_PRIVACY;
			pdu.auth_context_id = 1;
			pdu.auth_len = SCHANNEL_SIG_LEN;
		}
		wwr_init(&w, p.out, sizeof(p.out));
		assert_int_equal(dcerpc_enc_pdu(&w, &pdu, &lay), WIRE_OK);
		p.out_len = wwr_len(&w);
		if (variant < 2) {
			/* the DC's direction, sequence 1 (after our request); variant 1 uses another key */
			struct schannel_msg m = { p.out + lay.stub_off, lay.stub_len, 0, lay.stub_len };
			assert_int_equal(schannel_wrap(variant == 0 ? key : other, 1, 0, 1, conf, &m, sig), WIRE_OK);
			memcpy(p.out + lay.auth_off, sig, SCHANNEL_SIG_LEN);
		}
		if (variant == 0) {
			assert_int_equal(run(&c, &p, &out, &len, &e), 0);
			assert_int_equal(len, sizeof(stub));
			assert_memory_equal(out, stub, sizeof(stub));
			free(out);
		} else {
			assert_int_equal(run(&c, &p, &out, &len, &e), -1);
			assert_null(out);
			assert_non_null(strstr(e.msg, variant == 1 ? "does not verify" : "not sealed"));
		}
	}
}


/* ---- the SMB named-pipe transport with a scripted pipe ---- */

struct spipe {
	uint8_t reply[8192];
	size_t reply_len, reply_off;
	size_t first;          /* bytes the transceive returns (a short pipe read) */
	size_t chunk;          /* bytes per later read */
	uint8_t sent[8192];
	size_t sent_len;
	unsigned n_trans, n_read, n_close;
	int fail_read;         /* the read fails */
	int empty_read;        /* the read returns nothing */
};

static int sp_trans(void *ctx, const uint8_t *in, size_t in_len, uint8_t *out, size_t cap, size_t *out_len,
		    struct nlt_err *e)
{
	struct spipe *s = ctx;
	size_t k = s->first < s->reply_len ? s->first : s->reply_len;

	(void)e;
	s->n_trans++;
	memcpy(s->sent, in, in_len);
	s->sent_len = in_len;
	assert_true(k <= cap);
	memcpy(out, s->reply, k);
	s->reply_off = k;
	*out_len = k;
	return 0;
}

static int sp_read(void *ctx, uint8_t *out, size_t cap, size_t *out_len, struct nlt_err *e)
{
	struct spipe *s = ctx;
	size_t k = s->reply_len - s->reply_off;

	s->n_read++;
	if (s->fail_read)
		return nlt_seterr(e, NLT_EPROTO, "SMB2 read on scripted: STATUS_PIPE_BROKEN");
	if (s->empty_read) {
		*out_len = 0;
		return 0;
	}
	if (k > s->chunk)
		k = s->chunk;
	if (k > cap)
		k = cap;
	memcpy(out, s->reply + s->reply_off, k);
	s->reply_off += k;
	*out_len = k;
	return 0;
}

static void sp_close(void *ctx)
{
	((struct spipe *)ctx)->n_close++;
}

static const struct dcerpc_syntax test_iface = { { 0x12345778, 0x1234, 0xabcd, { 0xef, 0, 1, 2, 3, 4, 5, 6 } }, 1, 0 };

static void sp_script(struct spipe *s, const uint8_t *stub, size_t stub_len)
{
	struct dcerpc_pdu pdu;
	struct wwr w;

	memset(&pdu, 0, sizeof(pdu));
	pdu.ptype = DCERPC_PT_BIND_ACK;
	pdu.pfc_flags = DCERPC_PFC_FIRST | DCERPC_PFC_LAST;
	pdu.call_id = 1;
	pdu.max_xmit_frag = pdu.max_recv_frag = 4280;
	pdu.n_results = 1;
	pdu.results[0].result = DCERPC_RESULT_ACCEPT;
	pdu.results[0].ts = dcerpc_syntax_ndr20;
	snprintf(pdu.sec_addr, sizeof(pdu.sec_addr), "\\PIPE\\lsass");
	wwr_init(&w, s->reply, sizeof(s->reply));
	assert_int_equal(dcerpc_enc_pdu(&w, &pdu, NULL), WIRE_OK);
	memset(&pdu, 0, sizeof(pdu));
	pdu.ptype = DCERPC_PT_RESPONSE;
	pdu.pfc_flags = DCERPC_PFC_FIRST | DCERPC_PFC_LAST;
	pdu.call_id = 2;
	pdu.alloc_hint = (uint32_t)stub_len;
	pdu.stub = stub;
	pdu.stub_len = stub_len;
	s->reply_len = wwr_len(&w);
	wwr_init(&w, s->reply + s->reply_len, sizeof(s->reply) - s->reply_len);
	assert_int_equal(dcerpc_enc_pdu(&w, &pdu, NULL), WIRE_OK);
	s->reply_len += wwr_len(&w);
}

/*
 * The bind and the first request leave in ONE transceive; a reply the pipe
 * hands over in short pieces (Samba ends short reads with STATUS_SUCCESS)
 * is read on until frag_length; no RPC auth on the pipe.
 */
static void test_pipe_bind_and_call_in_one_write(void **state)
{
	static const uint8_t req[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	uint8_t stub[300];
	struct spipe s;
	struct rpc_conn c;
	struct nlt_err e;
	uint8_t *out = NULL;
	size_t len = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(stub); i++)
		stub[i] = (uint8_t)(i * 7);
	/* every split of the reply: inside the bind_ack, between the PDUs, inside the response */
	for (size_t first = 1; first < 400; first += 13) {
		memset(&s, 0, sizeof(s));
		sp_script(&s, stub, sizeof(stub));
		s.first = first;
		s.chunk = 1 + first % 17;
		struct rpc_pipe_ops ops = { sp_trans, sp_read, sp_close, &s };
		assert_int_equal(rpc_open_pipe_ops(&c, &ops, "scripted \\PIPE\\lsarpc", nlt_now_ms() + 3000, &e), 0);
		assert_int_equal(rpc_bind_deferred(&c, &test_iface, &e), 0);
		nlt_clearerr(&e);
		assert_int_equal(rpc_call(&c, 44, req, sizeof(req), &out, &len, "TestCall", &e), 0);
		assert_int_equal(len, sizeof(stub));
		assert_memory_equal(out, stub, sizeof(stub));
		free(out);
		/* one write: bind + request */
		assert_int_equal(s.n_trans, 1);
		struct dcerpc_hdr h1, h2;
		assert_int_equal(dcerpc_dec_hdr(s.sent, s.sent_len, &h1), WIRE_OK);
		assert_int_equal(h1.ptype, DCERPC_PT_BIND);
		assert_true(h1.frag_length < s.sent_len);
		assert_int_equal(dcerpc_dec_hdr(s.sent + h1.frag_length, s.sent_len - h1.frag_length, &h2), WIRE_OK);
		assert_int_equal(h2.ptype, DCERPC_PT_REQUEST);
		assert_int_equal(h2.auth_length, 0); /* no RPC auth over the pipe */
		assert_int_equal(h1.frag_length + h2.frag_length, s.sent_len);
		rpc_close(&c);
		assert_int_equal(s.n_close, 1);
	}
}

/* A read that fails or returns nothing mid-PDU: the transport's own error line, no hang. */
static void test_pipe_read_errors(void **state)
{
	static const uint8_t req[4] = { 1, 2, 3, 4 };
	uint8_t stub[64] = { 0 };
	struct spipe s;
	struct rpc_conn c;
	struct nlt_err e;
	uint8_t *out = NULL;
	size_t len = 0;

	(void)state;
	for (int mode = 0; mode < 2; mode++) {
		memset(&s, 0, sizeof(s));
		sp_script(&s, stub, sizeof(stub));
		s.first = 80; /* the bind_ack and part of the response */
		s.chunk = 5;
		s.fail_read = mode == 0;
		s.empty_read = mode == 1;
		struct rpc_pipe_ops ops = { sp_trans, sp_read, NULL, &s };
		assert_int_equal(rpc_open_pipe_ops(&c, &ops, "scripted \\PIPE\\lsarpc", nlt_now_ms() + 3000, &e), 0);
		assert_int_equal(rpc_bind_deferred(&c, &test_iface, &e), 0);
		assert_int_equal(rpc_call(&c, 44, req, sizeof(req), &out, &len, "TestCall", &e), -1);
		assert_null(out);
		assert_int_equal(e.cat, NLT_EPROTO);
		assert_non_null(strstr(e.msg, mode == 0 ? "STATUS_PIPE_BROKEN" : "returned nothing"));
		rpc_close(&c);
	}
}

/* ---- what leaves in one write (issue 11): a counting transport ---- */

struct cxp {
	unsigned sends;
	uint8_t sent[4096];
	size_t sent_len;
	const uint8_t *in;
	size_t in_len, in_off;
};

static int cxp_send(void *ctx, const uint8_t *buf, size_t len, uint64_t deadline_ms, struct nlt_err *e)
{
	struct cxp *x = ctx;

	(void)deadline_ms;
	(void)e;
	x->sends++;
	assert_true(len <= sizeof(x->sent) - x->sent_len);
	memcpy(x->sent + x->sent_len, buf, len);
	x->sent_len += len;
	return 0;
}

static int cxp_recv(void *ctx, uint8_t *buf, size_t cap, size_t *n, uint64_t deadline_ms, struct nlt_err *e)
{
	struct cxp *x = ctx;
	size_t k = x->in_len - x->in_off;

	(void)deadline_ms;
	if (!k)
		return nlt_seterr(e, NLT_ENODC, "scripted: nothing more to read");
	if (k > cap)
		k = cap;
	memcpy(buf, x->in + x->in_off, k);
	x->in_off += k;
	*n = k;
	return 0;
}

static void cxp_conn(struct rpc_conn *c, struct cxp *x, const struct peer *script)
{
	memset(c, 0, sizeof(*c));
	memset(x, 0, sizeof(*x));
	c->fd = -1;
	c->deadline_ms = nlt_now_ms() + 3000;
	c->max_xmit = c->max_recv = 5840;
	snprintf(c->peer, sizeof(c->peer), "scripted DC");
	c->xp_store.send = cxp_send;
	c->xp_store.recv_some = cxp_recv;
	c->xp_store.ctx = x;
	c->xp = &c->xp_store;
	x->in = script->out;
	x->in_len = script->out_len;
}

/* The PDUs in buf (ptype, call_id), at most max. */
static size_t split_pdus(const uint8_t *buf, size_t len, uint8_t *ptype, uint32_t *call_id, size_t max)
{
	size_t n = 0, off = 0;

	while (off + 16 <= len && n < max) {
		size_t fl = (size_t)(buf[off + 8] | buf[off + 9] << 8);
		assert_true(fl >= 16 && off + fl <= len);
		ptype[n] = buf[off + 2];
		call_id[n] = (uint32_t)(buf[off + 12] | buf[off + 13] << 8 | buf[off + 14] << 16 | (uint32_t)buf[off + 15] << 24);
		n++;
		off += fl;
	}
	assert_int_equal(off, len);
	return n;
}

static void test_deferred_bind_and_call_in_one_write(void **state)
{
	static const uint8_t stub[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct peer script;
	struct rpc_conn c;
	struct cxp x;
	struct nlt_err e;
	uint8_t *out = NULL, ptype[4];
	uint32_t cid[4];
	size_t len = 0;

	(void)state;
	memset(&script, 0, sizeof(script));
	{
		struct dcerpc_pdu pdu;
		struct wwr w;
		memset(&pdu, 0, sizeof(pdu));
		pdu.ptype = DCERPC_PT_BIND_ACK;
		pdu.pfc_flags = DCERPC_PFC_FIRST | DCERPC_PFC_LAST;
		pdu.call_id = 1;
		pdu.max_xmit_frag = pdu.max_recv_frag = 5840;
		pdu.n_results = 1;
		pdu.results[0].result = DCERPC_RESULT_ACCEPT;
		pdu.results[0].ts = dcerpc_syntax_ndr20;
		wwr_init(&w, script.out, sizeof(script.out));
		assert_int_equal(dcerpc_enc_pdu(&w, &pdu, NULL), WIRE_OK);
		script.out_len = wwr_len(&w);
	}
	add_pdu(&script, DCERPC_PT_RESPONSE, DCERPC_PFC_FIRST | DCERPC_PFC_LAST, 2, stub, sizeof(stub), 0);
	cxp_conn(&c, &x, &script);
	nlt_clearerr(&e);
	assert_int_equal(rpc_bind_deferred(&c, &nrpc_syntax, &e), 0);
	assert_int_equal(rpc_call(&c, 4, stub, sizeof(stub), &out, &len, "TestCall", &e), 0);
	free(out);
	/* before issue 11 the bind and the request were two sends: a fast DC answered the bind in between */
	assert_int_equal(x.sends, 1);
	assert_int_equal(split_pdus(x.sent, x.sent_len, ptype, cid, 4), 2);
	assert_int_equal(ptype[0], DCERPC_PT_BIND);
	assert_int_equal(ptype[1], DCERPC_PT_REQUEST);
	rpc_close(&c);
}

/* Corked requests leave in one write; their answers are read in order, each call id checked. */
static void test_pipelined_requests(void **state)
{
	static const uint8_t a[4] = { 0xa, 0xa, 0xa, 0xa }, b[4] = { 0xb, 0xb, 0xb, 0xb };
	(void)state;

	for (int variant = 0; variant < 3; variant++) {
		struct peer script;
		struct rpc_conn c;
		struct rpc_inflight f[2];
		struct cxp x;
		struct nlt_err e;
		uint8_t *out = NULL, ptype[4];
		uint32_t cid[4];
		size_t len = 0;

		memset(&script, 0, sizeof(script));
		if (variant == 0) {
			add_pdu(&script, DCERPC_PT_RESPONSE, DCERPC_PFC_FIRST | DCERPC_PFC_LAST, 1, a, sizeof(a), 0);
			add_pdu(&script, DCERPC_PT_RESPONSE, DCERPC_PFC_FIRST | DCERPC_PFC_LAST, 2, b, sizeof(b), 0);
		} else if (variant == 1) {
			/* the second call's answer first */
			add_pdu(&script, DCERPC_PT_RESPONSE, DCERPC_PFC_FIRST | DCERPC_PFC_LAST, 2, b, sizeof(b), 0);
		} else {
			/* a fault for the other call */
			add_pdu(&script, DCERPC_PT_FAULT, DCERPC_PFC_FIRST | DCERPC_PFC_LAST, 2, NULL, 0, 0x1c010002u);
		}
		cxp_conn(&c, &x, &script);
		nlt_clearerr(&e);
		rpc_cork(&c);
		assert_int_equal(rpc_send_request(&c, 4, a, sizeof(a), "CallA", &f[0], &e), 0);
		assert_int_equal(rpc_send_request(&c, 5, b, sizeof(b), "CallB", &f[1], &e), 0);
		assert_int_equal(x.sends, 0);
		assert_int_equal(rpc_flush(&c, &e), 0);
		assert_int_equal(x.sends, 1);
		assert_int_equal(split_pdus(x.sent, x.sent_len, ptype, cid, 4), 2);
		assert_int_equal(cid[0], f[0].call_id);
		assert_int_equal(cid[1], f[1].call_id);
		if (variant == 0) {
			assert_int_equal(rpc_recv_response(&c, &f[0], &out, &len, &e), 0);
			assert_memory_equal(out, a, 4);
			free(out);
			assert_int_equal(rpc_recv_response(&c, &f[1], &out, &len, &e), 0);
			assert_memory_equal(out, b, 4);
			free(out);
		} else {
			assert_int_equal(rpc_recv_response(&c, &f[0], &out, &len, &e), -1);
			assert_null(out);
			assert_int_equal(e.cat, NLT_EPROTO);
			assert_int_equal(c.last_fail, RPC_FAIL_OTHER); /* not a refusal of this call: no retry */
			assert_non_null(strstr(e.msg, "while waiting for call 1"));
		}
		rpc_close(&c);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fault_is_a_readable_error),
		cmocka_unit_test(test_connection_dropped_mid_reply),
		cmocka_unit_test(test_fragmented_reply_is_reassembled_and_order_is_checked),
		cmocka_unit_test(test_schannel_reply_must_verify),
		cmocka_unit_test(test_pipe_bind_and_call_in_one_write),
		cmocka_unit_test(test_pipe_read_errors),
		cmocka_unit_test(test_deferred_bind_and_call_in_one_write),
		cmocka_unit_test(test_pipelined_requests),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
