/* src/rpc/rpc.c - DCE/RPC over TCP with schannel (see rpc.h). */
#include "config.h"
#include "rpc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nrpc_crypto.h"
#include "xport.h"

#define RPC_FRAG 5840    /* what Windows and Samba offer */
#define RPC_PDU_MAX 65535
#define SCHANNEL_CTX_ID 1

const char *rpc_status_str(uint32_t status)
{
	switch (status) {
	case 0x00000000u: return "success";
	case 0x00000005u: return "access denied";
	case 0x1c010002u: return "operation number out of range (the DC does not implement this call)";
	case 0x1c010003u: return "unknown interface";
	case 0x000006f7u: return "bad stub data";
	case 0x00000721u: return "RPC_S_SEC_PKG_ERROR: the security provider refused the call";
	case 0x1c00001au: return "protocol error";
	case 0xc0000022u: return "STATUS_ACCESS_DENIED";
	case 0xc000006du: return "STATUS_LOGON_FAILURE";
	case 0xc0000064u: return "STATUS_NO_SUCH_USER";
	case 0xc0000072u: return "STATUS_ACCOUNT_DISABLED";
	case 0xc000018bu: return "STATUS_NO_TRUST_SAM_ACCOUNT";
	case 0xc00000ccu: return "STATUS_BAD_NETWORK_NAME";
	case 0xc0000001u: return "STATUS_UNSUCCESSFUL";
	case 0xc0000002u: return "STATUS_NOT_IMPLEMENTED";
	case 0xc000009au: return "STATUS_INSUFFICIENT_RESOURCES";
	}
	return "unknown status";
}

int rpc_connect(struct rpc_conn *c, const char *name, const struct nlt_addr *addr, uint16_t port, uint64_t deadline_ms,
		struct nlt_err *e)
{
	struct nlt_addr a = *addr;
	char ab[64];
	int st;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->deadline_ms = deadline_ms;
	c->max_xmit = c->max_recv = RPC_FRAG;
	nlt_addr_set_port(&a, port);
	snprintf(c->peer, sizeof(c->peer), "%.40s (%s:%u)", name, nlt_addr_str(&a, ab, sizeof(ab)), port);
	{
		/* at most 2 s for the connect itself, so that another DC or a retry still has time */
		uint64_t cd = nlt_now_ms() + 2000;
		c->fd = xp_tcp_connect_race(&a, cd < deadline_ms ? cd : deadline_ms, &st);
	}
	if (c->fd < 0)
		return nlt_seterr(e, NLT_ENODC, "RPC connect to %s failed: %s", c->peer, xp_status_str(st));
	c->n_connects++;
	return 0;
}

void rpc_close(struct rpc_conn *c)
{
	xp_close(&c->fd);
	if (c->xp && c->xp->close)
		c->xp->close(c->xp->ctx);
	c->xp = NULL;
	if (c->pipe) {
		nlt_wipe(c->pipe, sizeof(*c->pipe));
		free(c->pipe);
		c->pipe = NULL;
	}
	nlt_wipe(&c->schannel, sizeof(c->schannel));
}

static int do_bind(struct rpc_conn *c, uint8_t ptype, const struct dcerpc_syntax *iface, const uint8_t *auth,
		   size_t auth_len, struct nlt_err *e);

/* ---- the SMB named-pipe transport ---- */

/* The held bytes go out in one transceive; its answer is the start of the reply. */
static int pipe_send(void *ctx, const uint8_t *buf, size_t len, uint64_t deadline_ms, struct nlt_err *e)
{
	struct rpc_pipe *p = ctx;

	(void)deadline_ms;
	if (len > sizeof(p->out) - p->out_len)
		return nlt_seterr(e, NLT_EINTERNAL, "RPC over a pipe: %zu bytes to send at once, more than %zu",
				  p->out_len + len, sizeof(p->out));
	memcpy(p->out + p->out_len, buf, len);
	p->out_len += len;
	return 0;
}

static int pipe_recv_some(void *ctx, uint8_t *buf, size_t cap, size_t *n, uint64_t deadline_ms, struct nlt_err *e)
{
	struct rpc_pipe *p = ctx;
	size_t k;

	(void)deadline_ms; /* smb2c waits under its own copy of the command's deadline */
	while (p->in_off >= p->in_len) {
		size_t got = 0;
		p->in_off = p->in_len = 0;
		if (p->out_len) {
			p->n_transceive++;
			if (p->ops.transceive(p->ops.ctx, p->out, p->out_len, p->in, sizeof(p->in), &got, e) < 0)
				return -1;
			p->out_len = 0;
		} else {
			/* the rest of a PDU a short pipe read left behind */
			p->n_read++;
			if (p->ops.read(p->ops.ctx, p->in, sizeof(p->in), &got, e) < 0)
				return -1;
			if (!got)
				return nlt_seterr(e, NLT_EPROTO, "RPC over a pipe: the server's read returned nothing");
		}
		p->in_len = got;
	}
	k = p->in_len - p->in_off;
	if (k > cap)
		k = cap;
	memcpy(buf, p->in + p->in_off, k);
	p->in_off += k;
	*n = k;
	return 0;
}

static void pipe_close(void *ctx)
{
	struct rpc_pipe *p = ctx;

	if (p->ops.close)
		p->ops.close(p->ops.ctx);
}

int rpc_open_pipe_ops(struct rpc_conn *c, const struct rpc_pipe_ops *ops, const char *peer, uint64_t deadline_ms,
		      struct nlt_err *e)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->deadline_ms = deadline_ms;
	c->max_xmit = c->max_recv = RPC_FRAG;
	snprintf(c->peer, sizeof(c->peer), "%s", peer);
	c->pipe = calloc(1, sizeof(*c->pipe));
	if (!c->pipe)
		return nlt_seterr(e, NLT_EINTERNAL, "out of memory");
	c->pipe->ops = *ops;
	c->xp_store.send = pipe_send;
	c->xp_store.recv_some = pipe_recv_some;
	c->xp_store.close = pipe_close;
	c->xp_store.ctx = c->pipe;
	c->xp = &c->xp_store;
	c->n_connects++;
	return 0;
}

static int smb_pipe_transceive(void *ctx, const uint8_t *in, size_t in_len, uint8_t *out, size_t cap, size_t *out_len,
			       struct nlt_err *e)
{
	struct rpc_pipe *p = ctx;

	return smb2c_transceive(p->smb, &p->fid, in, in_len, out, cap, out_len, e);
}

static int smb_pipe_read(void *ctx, uint8_t *out, size_t cap, size_t *out_len, struct nlt_err *e)
{
	struct rpc_pipe *p = ctx;

	return smb2c_read(p->smb, &p->fid, out, cap, out_len, e);
}

static void smb_pipe_close(void *ctx)
{
	struct rpc_pipe *p = ctx;

	if (p->fid_open && p->smb->fd >= 0)
		(void)smb2c_close_file(p->smb, &p->fid, NULL);
	p->fid_open = 0;
}

int rpc_bind_ncacn_np(struct rpc_conn *c, struct smb2c *s, const char *pipe, const struct dcerpc_syntax *iface,
		      struct nlt_err *e)
{
	struct rpc_pipe_ops ops = { smb_pipe_transceive, smb_pipe_read, smb_pipe_close, NULL };
	struct smb2_file_id fid;
	char peer[80];

	if (smb2c_open_pipe(s, pipe, &fid, e) < 0)
		return -1;
	snprintf(peer, sizeof(peer), "%.50s \\PIPE\\%.20s", s->host, pipe);
	if (rpc_open_pipe_ops(c, &ops, peer, s->deadline_ms, e) < 0) {
		(void)smb2c_close_file(s, &fid, NULL);
		return -1;
	}
	c->pipe->smb = s;
	c->pipe->fid = fid;
	c->pipe->fid_open = 1;
	c->pipe->ops.ctx = c->pipe;
	/*
	 * Samba's smbd hands one pipe write to the RPC server as one message and
	 * answers only its first PDU: a bind and a request in one
	 * FSCTL_PIPE_TRANSCEIVE leave the request unanswered (seen in the lab,
	 * Samba 4.17).  So the bind goes alone; NLT_PIPE_DEFER_BIND=1 tries the
	 * combined write (for servers that take it).
	 */
	if (getenv("NLT_PIPE_DEFER_BIND"))
		return rpc_bind_deferred(c, iface, e);
	return do_bind(c, DCERPC_PT_BIND, iface, NULL, 0, e);
}

#define XP_SET_ERR 1000 /* the transport has set e */

static int recv_exact(struct rpc_conn *c, uint8_t *buf, size_t len, size_t *gotp, struct nlt_err *e)
{
	size_t got = 0;

	*gotp = 0;
	while (got < len) {
		if (c->xp) {
			size_t n = 0;
			if (c->xp->recv_some(c->xp->ctx, buf + got, len - got, &n, c->deadline_ms, e) < 0)
				return XP_SET_ERR;
			got += n;
			*gotp = got;
			continue;
		}
		ssize_t r = xp_recv_some(c->fd, buf + got, len - got, c->deadline_ms);
		if (r <= 0)
			return r == 0 ? XP_CLOSED : (int)-r;
		got += (size_t)r;
		*gotp = got;
	}
	return XP_OK;
}

/* One PDU off the stream into buf (RPC_PDU_MAX); its length in *len.  Sets c->last_fail. */
static int recv_pdu(struct rpc_conn *c, uint8_t *buf, size_t *len, const char *what, struct nlt_err *e)
{
	struct dcerpc_hdr h;
	size_t got = 0;
	int st = recv_exact(c, buf, DCERPC_HDR_LEN, &got, e);

	c->last_fail = RPC_FAIL_OTHER;
	if (st == XP_SET_ERR)
		return -1;
	if (st != XP_OK) {
		/* closed or reset between PDUs: nothing of an answer was lost (a DC that closes with our
		 * pipelined requests unread sends a reset) */
		if ((st == XP_CLOSED || st == XP_REFUSED) && got == 0) {
			c->last_fail = RPC_FAIL_CLOSED;
			return nlt_seterr(e, NLT_EPROTO, "%s on %s: the DC %s the connection while waiting for the reply",
					  what, c->peer, st == XP_CLOSED ? "closed" : "reset");
		}
		if (got)
			return nlt_seterr(e, NLT_EPROTO, "%s on %s: the reply was cut short (%s in its header)", what, c->peer,
					  st == XP_CLOSED ? "connection closed" : xp_status_str(st));
		return nlt_seterr(e, st == XP_TIMEOUT ? NLT_ENODC : NLT_EPROTO, "%s on %s: %s while waiting for the reply",
				  what, c->peer, xp_status_str(st));
	}
	if (dcerpc_dec_hdr(buf, DCERPC_HDR_LEN, &h) != WIRE_OK)
		return nlt_seterr(e, NLT_EPROTO, "%s on %s: the reply is not a DCE/RPC PDU", what, c->peer);
	st = recv_exact(c, buf + DCERPC_HDR_LEN, h.frag_length - DCERPC_HDR_LEN, &got, e);
	if (st == XP_SET_ERR)
		return -1;
	if (st != XP_OK)
		return nlt_seterr(e, NLT_EPROTO, "%s on %s: the reply was cut short (%s)", what, c->peer,
				  st == XP_CLOSED ? "connection closed" : xp_status_str(st));
	*len = h.frag_length;
	c->last_fail = RPC_FAIL_NONE;
	return 0;
}

static int send_now(struct rpc_conn *c, const uint8_t *buf, size_t len, const char *what, struct nlt_err *e)
{
	int st;

	if (c->xp)
		return c->xp->send(c->xp->ctx, buf, len, c->deadline_ms, e);
	st = xp_send_all(c->fd, buf, len, c->deadline_ms);
	if (st != XP_OK)
		return nlt_seterr(e, NLT_ENODC, "%s to %s: %s", what, c->peer, xp_status_str(st));
	return 0;
}

void rpc_cork(struct rpc_conn *c)
{
	c->corked = 1;
	c->cork_len = 0;
}

int rpc_flush(struct rpc_conn *c, struct nlt_err *e)
{
	size_t n = c->cork_len;

	c->corked = 0;
	c->cork_len = 0;
	return n ? send_now(c, c->cork, n, "RPC requests", e) : 0;
}

static int send_all(struct rpc_conn *c, const uint8_t *buf, size_t len, const char *what, struct nlt_err *e)
{
	if (c->corked) {
		if (len <= sizeof(c->cork) - c->cork_len) {
			memcpy(c->cork + c->cork_len, buf, len);
			c->cork_len += len;
			return 0;
		}
		/* more than the batch holds: what is held goes first, in order */
		if (c->cork_len && send_now(c, c->cork, c->cork_len, what, e) < 0)
			return -1;
		c->cork_len = 0;
	}
	return send_now(c, buf, len, what, e);
}

/* Encode a bind / alter_context for iface (with a schannel token when auth) into buf. */
static int enc_bind(struct rpc_conn *c, uint8_t ptype, const struct dcerpc_syntax *iface, const uint8_t *auth,
		    size_t auth_len, uint8_t *buf, size_t cap, size_t *len, uint32_t *call_id, struct nlt_err *e)
{
	struct dcerpc_pdu p;
	struct wwr w;

	memset(&p, 0, sizeof(p));
	p.ptype = ptype;
	p.pfc_flags = DCERPC_PFC_FIRST | DCERPC_PFC_LAST;
	p.call_id = ++c->call_id;
	p.max_xmit_frag = c->max_xmit;
	p.max_recv_frag = c->max_recv;
	p.n_ctx = 1;
	p.ctx[0].ctx_id = c->ctx_id;
	p.ctx[0].abstract = *iface;
	p.ctx[0].n_ts = 1;
	p.ctx[0].ts[0] = dcerpc_syntax_ndr20;
	if (auth) {
		p.has_auth = 1;
		p.auth_type = DCERPC_AUTH_TYPE_NETLOGON;
		p.auth_level = DCERPC_AUTH_LEVEL_PRIVACY;
		p.auth_context_id = SCHANNEL_CTX_ID;
		p.auth_value = auth;
		p.auth_len = auth_len;
	}
	wwr_init(&w, buf, cap);
	if (dcerpc_enc_pdu(&w, &p, NULL) != WIRE_OK)
		return nlt_seterr(e, NLT_EINTERNAL, "RPC: cannot encode a bind");
	*len = wwr_len(&w);
	*call_id = p.call_id;
	return 0;
}

/* Read and check the bind_ack / alter_context_resp of call_id.  Sets c->last_fail. */
static int check_bind_ack(struct rpc_conn *c, uint8_t ptype, uint32_t call_id, int auth, struct nlt_err *e)
{
	static uint8_t buf[RPC_PDU_MAX];
	uint8_t want = ptype == DCERPC_PT_ALTER ? DCERPC_PT_ALTER_RESP : DCERPC_PT_BIND_ACK;
	const char *what = ptype == DCERPC_PT_ALTER ? "alter_context" : "bind";
	struct dcerpc_pdu r;
	size_t len = 0;

	if (recv_pdu(c, buf, &len, ptype == DCERPC_PT_ALTER ? "RPC alter_context" : "RPC bind", e) < 0)
		return -1;
	c->last_fail = RPC_FAIL_OTHER;
	if (dcerpc_dec_pdu(buf, len, &r) != WIRE_OK)
		return nlt_seterr(e, NLT_EPROTO, "RPC %s on %s: malformed reply", what, c->peer);
	if ((r.ptype == DCERPC_PT_BIND_NAK || r.ptype == DCERPC_PT_FAULT) && r.call_id != call_id && r.call_id != 0)
		return nlt_seterr(e, NLT_EPROTO, "RPC %s on %s: a %s for call %u while waiting for call %u", what, c->peer,
				  dcerpc_ptype_name(r.ptype), r.call_id, call_id);
	if (r.ptype == DCERPC_PT_BIND_NAK) {
		c->last_fail = RPC_FAIL_REFUSED;
		return nlt_seterr(e, NLT_EPROTO, "RPC %s on %s refused (bind_nak, reason %u)", what, c->peer, r.reject_reason);
	}
	if (r.ptype == DCERPC_PT_FAULT) {
		c->last_fail = RPC_FAIL_REFUSED;
		return nlt_seterr(e, NLT_EPROTO, "RPC %s on %s: fault 0x%08x (%s)", what, c->peer, r.status,
				  rpc_status_str(r.status));
	}
	if (r.ptype != want || r.call_id != call_id || r.n_results < 1)
		return nlt_seterr(e, NLT_EPROTO, "RPC %s on %s: unexpected %s (call %u, waiting for call %u)", what, c->peer,
				  dcerpc_ptype_name(r.ptype), r.call_id, call_id);
	if (r.results[0].result != DCERPC_RESULT_ACCEPT) {
		c->last_fail = RPC_FAIL_REFUSED;
		return nlt_seterr(e, NLT_EPROTO, "RPC %s on %s: the interface was rejected (result %u, reason %u)", what,
				  c->peer, r.results[0].result, r.results[0].reason);
	}
	if (auth && (!r.has_auth || !r.auth_value || nl_auth_dec_response(r.auth_value, r.auth_len) != WIRE_OK)) {
		c->last_fail = RPC_FAIL_REFUSED;
		return nlt_seterr(e, NLT_EAUTH, "RPC schannel %s on %s: the DC did not accept the secure channel", what,
				  c->peer);
	}
	if (r.max_recv_frag && r.max_recv_frag < c->max_xmit)
		c->max_xmit = r.max_recv_frag;
	c->last_fail = RPC_FAIL_NONE;
	return 0;
}

static int do_bind(struct rpc_conn *c, uint8_t ptype, const struct dcerpc_syntax *iface, const uint8_t *auth,
		   size_t auth_len, struct nlt_err *e)
{
	uint8_t buf[512];
	uint32_t call_id;
	size_t len = 0;

	if (enc_bind(c, ptype, iface, auth, auth_len, buf, sizeof(buf), &len, &call_id, e) < 0 ||
	    send_all(c, buf, len, "RPC bind", e) < 0)
		return -1;
	return check_bind_ack(c, ptype, call_id, auth != NULL, e);
}

int rpc_bind_deferred(struct rpc_conn *c, const struct dcerpc_syntax *iface, struct nlt_err *e)
{
	if (enc_bind(c, DCERPC_PT_BIND, iface, NULL, 0, c->pending_bind, sizeof(c->pending_bind), &c->pending_len,
		     &c->pending_call_id, e) < 0)
		return -1;
	c->pending_ptype = DCERPC_PT_BIND;
	return 0;
}

/* The NL_AUTH_MESSAGE negotiate token of a schannel bind or alter_context. */
static int schannel_token(uint8_t tok[64], size_t *len, const char *netbios_domain, const char *computer,
			  struct nlt_err *e)
{
	struct wwr w;

	wwr_init(&w, tok, 64);
	if (nl_auth_enc_negotiate(&w, netbios_domain, computer) != WIRE_OK)
		return nlt_seterr(e, NLT_EUSAGE, "schannel: '%s' / '%s' are not usable NetBIOS names", netbios_domain,
				  computer);
	*len = wwr_len(&w);
	return 0;
}

/* schannel as a provider: requests sealed as the initiator, responses checked as the acceptor's */
static int schannel_wrap_cb(void *ctx, uint8_t *data, size_t len, uint8_t *sig)
{
	struct rpc_schannel *sc = ctx;
	struct schannel_msg m = { data, len, 0, len };
	uint8_t conf[8];

	if (nlt_random(conf, sizeof(conf)) < 0 || schannel_wrap(sc->session_key, sc->seq, 1, 1, conf, &m, sig) != WIRE_OK)
		return -1;
	sc->seq++;
	return 0;
}

static int schannel_unwrap_cb(void *ctx, uint8_t *data, size_t len, const uint8_t *sig, size_t sig_len)
{
	struct rpc_schannel *sc = ctx;
	struct schannel_msg m = { data, len, 0, len };

	if (schannel_unwrap(sc->session_key, sc->seq, 0, 1, &m, sig, sig_len) != WIRE_OK)
		return -1;
	sc->seq++;
	return 0;
}

static void schannel_provider(struct rpc_conn *c, const uint8_t session_key[16])
{
	memcpy(c->schannel.session_key, session_key, 16);
	c->schannel.seq = 0;
	c->sec_store.auth_type = DCERPC_AUTH_TYPE_NETLOGON;
	c->sec_store.auth_level = DCERPC_AUTH_LEVEL_PRIVACY;
	c->sec_store.auth_context_id = SCHANNEL_CTX_ID;
	c->sec_store.sig_len = SCHANNEL_SIG_LEN;
	c->sec_store.wrap = schannel_wrap_cb;
	c->sec_store.unwrap = schannel_unwrap_cb;
	c->sec_store.ctx = &c->schannel;
	c->sec = &c->sec_store;
}

int rpc_bind_schannel(struct rpc_conn *c, const struct dcerpc_syntax *iface, const uint8_t session_key[16],
		      const char *netbios_domain, const char *computer, struct nlt_err *e)
{
	uint8_t tok[64];
	size_t len = 0;

	if (schannel_token(tok, &len, netbios_domain, computer, e) < 0 ||
	    do_bind(c, DCERPC_PT_BIND, iface, tok, len, e) < 0)
		return -1;
	schannel_provider(c, session_key);
	return 0;
}

int rpc_alter_schannel_deferred(struct rpc_conn *c, const struct dcerpc_syntax *iface, const uint8_t session_key[16],
				const char *netbios_domain, const char *computer, struct nlt_err *e)
{
	uint8_t tok[64];
	size_t len = 0;

	if (schannel_token(tok, &len, netbios_domain, computer, e) < 0 ||
	    enc_bind(c, DCERPC_PT_ALTER, iface, tok, len, c->pending_bind, sizeof(c->pending_bind), &c->pending_len,
		     &c->pending_call_id, e) < 0)
		return -1;
	c->pending_ptype = DCERPC_PT_ALTER;
	c->pending_failed = 0;
	schannel_provider(c, session_key);
	return 0;
}

/* Encode, seal and send one request (every fragment); its call_id into *call_id. */
static int send_request(struct rpc_conn *c, uint16_t opnum, const uint8_t *stub, size_t stub_len, const char *what,
			uint32_t *call_id, struct nlt_err *e)
{
	static uint8_t buf[RPC_PDU_MAX];
	struct dcerpc_pdu tmpl;
	size_t off = 0;

	memset(&tmpl, 0, sizeof(tmpl));
	tmpl.ptype = DCERPC_PT_REQUEST;
	tmpl.call_id = ++c->call_id;
	tmpl.ctx_id = c->ctx_id;
	tmpl.opnum = opnum;
	tmpl.alloc_hint = (uint32_t)stub_len;
	if (c->sec) {
		tmpl.has_auth = 1;
		tmpl.auth_type = c->sec->auth_type;
		tmpl.auth_level = c->sec->auth_level;
		tmpl.auth_context_id = c->sec->auth_context_id;
		tmpl.auth_len = c->sec->sig_len;
	}
	*call_id = tmpl.call_id;
	c->n_calls++;
	do {
		struct dcerpc_layout lay;
		struct wwr w;
		wwr_init(&w, buf, sizeof(buf));
		if (dcerpc_enc_request_frag(&w, &tmpl, stub, stub_len, &off, c->max_xmit, &lay) != WIRE_OK)
			return nlt_seterr(e, NLT_EINTERNAL, "RPC: cannot encode %s", what);
		/* sign and seal the stub (with its padding); the signature goes where the auth value is */
		if (c->sec && c->sec->wrap(c->sec->ctx, buf + lay.stub_off, lay.stub_len, buf + lay.auth_off) < 0)
			return nlt_seterr(e, NLT_EINTERNAL, "RPC: cannot seal %s", what);
		if (c->pending_len) {
			/* the bind goes in the same write: one round trip for bind and call (two writes let a fast
			 * DC answer the bind before the request left: the capture showed two turns at RTT 0) */
			rpc_cork(c);
			if (send_all(c, c->pending_bind, c->pending_len, "RPC bind", e) < 0 ||
			    send_all(c, buf, wwr_len(&w), what, e) < 0 || rpc_flush(c, e) < 0) {
				c->corked = 0;
				return -1;
			}
		} else if (send_all(c, buf, wwr_len(&w), what, e) < 0) {
			return -1;
		}
		if (c->pending_len) {
			c->pending_len = 0;
			if (check_bind_ack(c, c->pending_ptype, c->pending_call_id, c->pending_ptype == DCERPC_PT_ALTER, e) < 0) {
				c->pending_failed = 1;
				return -1;
			}
		}
	} while (off < stub_len);
	return 0;
}

/* Read the answer to call_id (every fragment), checked with sec; *out malloc'ed.  Sets c->last_fail. */
static int recv_response(struct rpc_conn *c, uint32_t call_id, const struct rpc_sec *sec, const char *what,
			 uint8_t **out, size_t *out_len, struct nlt_err *e)
{
	static uint8_t buf[RPC_PDU_MAX];
	struct dcerpc_pdu r;
	struct dcerpc_reasm ra;
	uint8_t *res = NULL;
	size_t len;

	*out = NULL;
	*out_len = 0;
	res = malloc(RPC_MAX_STUB);
	if (!res)
		return nlt_seterr(e, NLT_EINTERNAL, "out of memory");
	dcerpc_reasm_init(&ra, res, RPC_MAX_STUB, call_id);
	while (!ra.done) {
		if (recv_pdu(c, buf, &len, what, e) < 0)
			goto fail;
		c->last_fail = RPC_FAIL_OTHER;
		if (dcerpc_dec_pdu(buf, len, &r) != WIRE_OK) {
			nlt_seterr(e, NLT_EPROTO, "%s on %s: malformed reply", what, c->peer);
			goto fail;
		}
		if (r.ptype == DCERPC_PT_FAULT) {
			/* a fault for another call is not this call's answer (call_id 0: the association's) */
			if (r.call_id != call_id && r.call_id != 0) {
				nlt_seterr(e, NLT_EPROTO, "%s on %s: a fault for call %u while waiting for call %u", what,
					   c->peer, r.call_id, call_id);
				goto fail;
			}
			c->last_fail = RPC_FAIL_REFUSED;
			nlt_seterr(e, r.status == DCERPC_FAULT_ACCESS_DENIED ? NLT_EAUTH : NLT_EPROTO,
				   "%s on %s: the DC answered with a fault: 0x%08x (%s)", what, c->peer, r.status,
				   rpc_status_str(r.status));
			goto fail;
		}
		if (r.ptype != DCERPC_PT_RESPONSE || r.call_id != call_id) {
			nlt_seterr(e, NLT_EPROTO, "%s on %s: unexpected %s for call %u while waiting for call %u", what, c->peer,
				   dcerpc_ptype_name(r.ptype), r.call_id, call_id);
			goto fail;
		}
		if (sec) {
			/* the response is protected by the same provider, the DC's direction */
			size_t stub_off = (size_t)(r.stub - buf);
			size_t padded = r.stub_len + r.auth_pad_len;
			if (!r.has_auth || r.auth_type != sec->auth_type || !r.auth_value) {
				nlt_seterr(e, NLT_EPROTO, "%s on %s: the reply is not sealed", what, c->peer);
				goto fail;
			}
			if (sec->unwrap(sec->ctx, buf + stub_off, padded, r.auth_value, r.auth_len) < 0) {
				nlt_seterr(e, NLT_EPROTO, "%s on %s: the reply's signature does not verify", what, c->peer);
				goto fail;
			}
		}
		if (dcerpc_reasm_add(&ra, &r) != WIRE_OK) {
			nlt_seterr(e, NLT_EPROTO, "%s on %s: reply fragments out of order or too large", what, c->peer);
			goto fail;
		}
	}
	c->last_fail = RPC_FAIL_NONE;
	*out = res;
	*out_len = ra.len;
	return 0;
fail:
	free(res);
	return -1;
}

int rpc_call(struct rpc_conn *c, uint16_t opnum, const uint8_t *stub, size_t stub_len, uint8_t **out, size_t *out_len,
	     const char *what, struct nlt_err *e)
{
	uint32_t call_id = 0;

	*out = NULL;
	*out_len = 0;
	if (send_request(c, opnum, stub, stub_len, what, &call_id, e) < 0)
		return -1;
	return recv_response(c, call_id, c->sec, what, out, out_len, e);
}

/* ---- pipelining ---- */

int rpc_send_request(struct rpc_conn *c, uint16_t opnum, const uint8_t *stub, size_t stub_len, const char *what,
		     struct rpc_inflight *f, struct nlt_err *e)
{
	memset(f, 0, sizeof(*f));
	if (c->pending_len)
		return nlt_seterr(e, NLT_EINTERNAL, "RPC: %s pipelined behind a deferred bind", what);
	f->ptype = DCERPC_PT_REQUEST;
	f->sec = c->sec;
	nlt_strlcpy(f->what, what, sizeof(f->what));
	return send_request(c, opnum, stub, stub_len, what, &f->call_id, e);
}

int rpc_send_alter_schannel(struct rpc_conn *c, const struct dcerpc_syntax *iface, const uint8_t session_key[16],
			    const char *netbios_domain, const char *computer, struct rpc_inflight *f, struct nlt_err *e)
{
	uint8_t tok[64], buf[512];
	size_t tlen = 0, len = 0;

	memset(f, 0, sizeof(*f));
	if (c->pending_len)
		return nlt_seterr(e, NLT_EINTERNAL, "RPC: alter_context pipelined behind a deferred bind");
	f->ptype = DCERPC_PT_ALTER;
	nlt_strlcpy(f->what, "RPC schannel alter_context", sizeof(f->what));
	if (schannel_token(tok, &tlen, netbios_domain, computer, e) < 0 ||
	    enc_bind(c, DCERPC_PT_ALTER, iface, tok, tlen, buf, sizeof(buf), &len, &f->call_id, e) < 0 ||
	    send_all(c, buf, len, "RPC alter_context", e) < 0)
		return -1;
	schannel_provider(c, session_key);
	return 0;
}

int rpc_recv_response(struct rpc_conn *c, const struct rpc_inflight *f, uint8_t **out, size_t *out_len,
		      struct nlt_err *e)
{
	*out = NULL;
	*out_len = 0;
	if (f->ptype != DCERPC_PT_REQUEST)
		return nlt_seterr(e, NLT_EINTERNAL, "RPC: %s is not a request", f->what);
	return recv_response(c, f->call_id, f->sec, f->what, out, out_len, e);
}

int rpc_recv_alter(struct rpc_conn *c, const struct rpc_inflight *f, struct nlt_err *e)
{
	if (f->ptype != DCERPC_PT_ALTER)
		return nlt_seterr(e, NLT_EINTERNAL, "RPC: %s is not an alter_context", f->what);
	return check_bind_ack(c, DCERPC_PT_ALTER, f->call_id, 1, e);
}

unsigned rpc_drain(struct rpc_conn *c, const struct rpc_inflight *f, unsigned n, unsigned ms)
{
	uint64_t saved = c->deadline_ms, d = nlt_now_ms() + ms;
	unsigned got = 0;

	if (d < c->deadline_ms)
		c->deadline_ms = d;
	for (unsigned i = 0; i < n; i++) {
		struct nlt_err e;
		uint8_t *out = NULL;
		size_t out_len = 0;
		int r;
		nlt_clearerr(&e);
		r = f[i].ptype == DCERPC_PT_ALTER ? rpc_recv_alter(c, &f[i], &e)
						  : rpc_recv_response(c, &f[i], &out, &out_len, &e);
		free(out);
		/* a refusal or a fault is an answer too: it was collected */
		if (r < 0 && c->last_fail != RPC_FAIL_REFUSED) {
			nlt_vlog("RPC on %s: no answer to %s drained (%s)", c->peer, f[i].what, e.msg);
			break;
		}
		nlt_vlog("RPC on %s: drained the answer to %s (call %u)%s%s", c->peer, f[i].what, f[i].call_id,
			 r < 0 ? ": " : "", r < 0 ? e.msg : "");
		got++;
	}
	c->deadline_ms = saved;
	return got;
}

int rpc_alter_schannel(struct rpc_conn *c, const struct dcerpc_syntax *iface, const uint8_t session_key[16],
		       const char *netbios_domain, const char *computer, struct nlt_err *e)
{
	uint8_t tok[64];
	size_t len = 0;

	if (schannel_token(tok, &len, netbios_domain, computer, e) < 0 ||
	    do_bind(c, DCERPC_PT_ALTER, iface, tok, len, e) < 0)
		return -1;
	schannel_provider(c, session_key);
	return 0;
}
