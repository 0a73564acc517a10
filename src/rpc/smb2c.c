/*
 * src/rpc/smb2c.c - a minimal SMB2/3 client for named pipes on IPC$.  See smb2c.h.
 */
#include "smb2c.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>

#include "xport.h"

#define CREDITS_WANTED 32
#define LAST_MID UINT64_MAX /* oplock break notifications */

static void *(*const volatile wipe_memset)(void *, int, size_t) = memset;

/* ---- framing and transport ---- */

/*
 * Give the connection up after an answer failed its check: a message that does not verify says
 * nothing true, not even which request it answers, and the stream may be out of step.  Every later
 * call fails at once, naming that first cause (MS-SMB2 3.2.5.1.3 lets a client disconnect).
 */
static int give_up(struct smb2c *c, struct nlt_err *e)
{
	const char *why = e ? strstr(e->msg, c->peer) : NULL;

	if (!c->broken[0] && e) {
		why = why ? why + strlen(c->peer) : e->msg;
		if (why[0] == ':' && why[1] == ' ')
			why += 2;
		snprintf(c->broken, sizeof(c->broken), "%.190s", why[0] ? why : "an answer failed its check");
	} else if (!c->broken[0]) {
		snprintf(c->broken, sizeof(c->broken), "an answer failed its check");
	}
	return -1;
}

/* -1 with e when the connection was given up (give_up) */
static int given_up(struct smb2c *c, const char *op, struct nlt_err *e)
{
	if (!c->broken[0])
		return 0;
	return nlt_seterr(e, NLT_EPROTO, "SMB2 %s to %s: refused: an earlier answer on this connection failed its check (%s)",
			  op, c->peer, c->broken);
}


/* *got (optional): how many bytes came before a failure */
static int recv_exact(struct smb2c *c, uint8_t *buf, size_t len, size_t *got_out)
{
	size_t got = 0;

	while (got < len) {
		ssize_t r = xp_recv_some(c->fd, buf + got, len - got, c->deadline_ms);
		if (r < 0) {
			if (got_out)
				*got_out = got;
			return (int)-r;
		}
		got += (size_t)r;
	}
	return XP_OK;
}

/* Send c->buf[4 .. 4 + len): encrypted when the session says so. */
static int send_msgs(struct smb2c *c, size_t len, const char *op, struct nlt_err *e)
{
	uint8_t *frame = c->buf;
	size_t flen = len;
	int st;

	if (given_up(c, op, e))
		return -1;
	if (c->encrypt) {
		uint8_t nonce[16] = { 0 };
		size_t nl = smb2_cipher_nonce_len(c->cipher), n;

		if (nlt_random(nonce, nl) != 0)
			return nlt_seterr(e, NLT_EINTERNAL, "SMB2 %s to %s: no random bytes for the nonce", op, c->peer);
		if (smb2_encrypt(c->cipher, c->keys.encryption, nonce, c->session_id, c->buf + 4, len, c->tmp + 4,
				 SMB2C_BUF + SMB2_TRANSFORM_LEN, &n) != WIRE_OK)
			return nlt_seterr(e, NLT_EINTERNAL, "SMB2 %s to %s: encryption failed", op, c->peer);
		frame = c->tmp;
		flen = n;
	}
	if (smb2_put_direct_tcp(frame, flen) != WIRE_OK)
		return nlt_seterr(e, NLT_EINTERNAL, "SMB2 %s to %s: message too long", op, c->peer);
	st = xp_send_all(c->fd, frame, flen + 4, c->deadline_ms);
	if (st != XP_OK)
		return nlt_seterr(e, st == XP_TIMEOUT ? NLT_ENODC : NLT_EPROTO, "SMB2 %s to %s: send failed: %s", op,
				  c->peer, xp_status_str(st));
	return 0;
}

/*
 * One frame into c->buf[0..*len) with its header in *h: a TRANSFORM message
 * decrypted, the credits it grants accounted.  The deadline is checked
 * before every read: a server that keeps sending interim answers (or oplock
 * breaks) as fast as we read them must not keep us past it (a read only
 * checks it when it has to wait).  pending: the interim answers seen so far,
 * for the error.
 */
static int recv_frame_1(struct smb2c *c, unsigned pending, struct smb2_hdr *h, size_t *len, const char *op,
			struct nlt_err *e);

/* recv_frame_1, and the connection given up unless nothing of a frame had come (a plain timeout) */
static int recv_frame(struct smb2c *c, unsigned pending, struct smb2_hdr *h, size_t *len, const char *op,
		      struct nlt_err *e)
{
	int r = recv_frame_1(c, pending, h, len, op, e);

	if (r == -2)
		return -1;
	if (r < 0)
		return give_up(c, e);
	return 0;
}

static int recv_frame_1(struct smb2c *c, unsigned pending, struct smb2_hdr *h, size_t *len, const char *op,
			struct nlt_err *e)
{
	uint8_t fh[4];
	size_t n, got = 0;
	int st;

	if (nlt_now_ms() >= c->deadline_ms)
		st = XP_TIMEOUT;
	else
		st = recv_exact(c, fh, 4, &got);
	if (st == XP_TIMEOUT && got) /* part of a frame header: the stream is out of step */
		return nlt_seterr(e, NLT_EPROTO, "SMB2 %s to %s: frame cut short: %s", op, c->peer, xp_status_str(st));
	if (st == XP_OK && smb2_dec_direct_tcp(fh, &n) != WIRE_OK)
		return nlt_seterr(e, NLT_EPROTO, "SMB2 %s to %s: not a direct-TCP frame", op, c->peer);
	if (st == XP_TIMEOUT && pending) {
		nlt_seterr(e, NLT_ENODC,
			   "SMB2 %s to %s: no final answer before the deadline (the server answered "
			   "STATUS_PENDING %u time%s)",
			   op, c->peer, pending, pending == 1 ? "" : "s");
		return -2;
	}
	if (st == XP_TIMEOUT) {
		nlt_seterr(e, NLT_ENODC, "SMB2 %s to %s: no answer: %s", op, c->peer, xp_status_str(st));
		return -2; /* between frames: a later deadline may still see the answer */
	}
	if (st != XP_OK)
		return nlt_seterr(e, NLT_EPROTO, "SMB2 %s to %s: no answer: %s", op, c->peer, xp_status_str(st));
	if (n > SMB2C_BUF || n < 4)
		return nlt_seterr(e, NLT_EPROTO, "SMB2 %s to %s: frame of %zu bytes", op, c->peer, n);
	if ((st = recv_exact(c, c->tmp, n, NULL)) != XP_OK) {
		/* the deadline, reached in the middle of a frame, is still the deadline (and the flood's) */
		if (st == XP_TIMEOUT && pending)
			return nlt_seterr(e, NLT_ENODC,
					  "SMB2 %s to %s: no final answer before the deadline (the server answered "
					  "STATUS_PENDING %u time%s)",
					  op, c->peer, pending, pending == 1 ? "" : "s");
		return nlt_seterr(e, NLT_EPROTO, "SMB2 %s to %s: frame cut short: %s", op, c->peer, xp_status_str(st));
	}
	c->last_encrypted = 0;
	if (c->tmp[0] == 0xfd) {
		size_t pn;
		if (!c->have_keys || !c->cipher)
			return nlt_seterr(e, NLT_EPROTO, "SMB2 %s to %s: encrypted answer without encryption keys", op,
					  c->peer);
		if (smb2_decrypt(c->cipher, c->keys.decryption, c->session_id, c->tmp, n, c->buf, SMB2C_BUF, &pn) != WIRE_OK)
			return nlt_seterr(e, NLT_EPROTO, "SMB2 %s to %s: an encrypted answer failed to decrypt", op, c->peer);
		n = pn;
		c->last_encrypted = 1;
		c->n_decrypted++;
	} else {
		memcpy(c->buf, c->tmp, n);
	}
	if (smb2_dec_hdr(c->buf, n, h) != WIRE_OK)
		return nlt_seterr(e, NLT_EPROTO, "SMB2 %s to %s: malformed SMB2 header", op, c->peer);
	if (!(h->flags & SMB2_FLAGS_SERVER_TO_REDIR))
		return nlt_seterr(e, NLT_EPROTO, "SMB2 %s to %s: a request instead of a response", op, c->peer);
	if (c->credits > UINT16_MAX - h->credits)
		c->credits = UINT16_MAX;
	else
		c->credits = (uint16_t)(c->credits + h->credits);
	*len = n;
	return 0;
}

/* an oplock break: we take no oplocks, so it is skipped */
static int is_oplock_break(const struct smb2_hdr *h)
{
	return h->message_id == LAST_MID && h->command == 0x12;
}

/*
 * Receive the response (chain) to message id `mid` into c->buf[0..*len):
 * skip oplock breaks and STATUS_PENDING interim responses (waiting on under
 * the deadline).
 */
static int recv_msgs(struct smb2c *c, uint64_t mid, size_t *len, const char *op, struct nlt_err *e)
{
	unsigned pending = 0;
	struct smb2_hdr h;

	if (given_up(c, op, e))
		return -1;
	for (;;) {
		if (recv_frame(c, pending, &h, len, op, e) < 0)
			return -1;
		if (is_oplock_break(&h))
			continue;
		if (h.message_id != mid) {
			nlt_seterr(e, NLT_EPROTO, "SMB2 %s to %s: answer to message %llu, expected %llu", op, c->peer,
				   (unsigned long long)h.message_id, (unsigned long long)mid);
			return give_up(c, e);
		}
		if (smb2_is_interim(&h)) {
			if (pending < UINT32_MAX)
				pending++;
			continue; /* STATUS_PENDING: the real answer follows */
		}
		return 0;
	}
}

/*
 * One answer (not interim, not an oplock break) into c->buf[0..*len), whatever its message id (*mid):
 * for pipelined requests, whose answers may come in any order.  Not yet checked (check_chain).
 */
static int recv_any(struct smb2c *c, size_t *len, uint64_t *mid, const char *op, struct nlt_err *e)
{
	unsigned pending = 0;
	struct smb2_hdr h;

	for (;;) {
		if (recv_frame(c, pending, &h, len, op, e) < 0)
			return -1;
		if (is_oplock_break(&h))
			continue;
		if (smb2_is_interim(&h)) {
			if (pending < UINT32_MAX)
				pending++;
			continue; /* STATUS_PENDING: the real answer follows */
		}
		*mid = h.message_id;
		return 0;
	}
}

/*
 * Check every message of a received chain: unless it came encrypted, an
 * established session's messages must carry SMB2_FLAGS_SIGNED and a
 * signature that verifies.  Before the keys exist nothing can be checked.
 */
static int check_chain_1(struct smb2c *c, size_t len, const char *op, struct nlt_err *e);

static int check_chain(struct smb2c *c, size_t len, const char *op, struct nlt_err *e)
{
	return check_chain_1(c, len, op, e) < 0 ? give_up(c, e) : 0;
}

static int check_chain_1(struct smb2c *c, size_t len, const char *op, struct nlt_err *e)
{
	size_t off = 0;
	int more = 1;
	uint64_t mid0 = 0;
	uint32_t tree0 = 0;

	while (more) {
		size_t ml;
		struct smb2_hdr h;
		int related;

		if (smb2_chain_next(c->buf + off, len - off, &ml, &more) != WIRE_OK ||
		    smb2_dec_hdr(c->buf + off, ml, &h) != WIRE_OK)
			return nlt_seterr(e, NLT_EPROTO, "SMB2 %s to %s: malformed compound answer", op, c->peer);
		/* every answer after the session setup: a message with SessionId 0
		 * and no SIGNED flag must not slip through unverified */
		if (c->encrypt && !c->last_encrypted)
			return nlt_seterr(e, NLT_EPROTO, "SMB2 %s to %s: unencrypted answer on an encrypted session refused",
					  op, c->peer);
		if (c->have_keys && !c->last_encrypted) {
			if (!(h.flags & SMB2_FLAGS_SIGNED))
				return nlt_seterr(e, NLT_EPROTO, "SMB2 %s to %s: unsigned answer (status 0x%08x) refused", op,
						  c->peer, h.status);
			if (smb2_verify(c->sign_alg, c->keys.signing, c->buf + off, ml) != WIRE_OK)
				return nlt_seterr(e, NLT_EPROTO, "SMB2 %s to %s: the answer's signature does not verify", op,
						  c->peer);
			c->n_signed_ok++;
		}
		related = off > 0 && (h.flags & SMB2_FLAGS_RELATED_OPERATIONS);
		/* then the ids (after the authenticity, which says more about a tampered answer):
		 * recv_msgs matched the first message's id; each next one answers our next request */
		if (off == 0) {
			mid0 = h.message_id;
			tree0 = h.tree_id;
		} else if (h.message_id != ++mid0) {
			return nlt_seterr(e, NLT_EPROTO, "SMB2 %s to %s: compound answer to message %llu, expected %llu", op,
					  c->peer, (unsigned long long)h.message_id, (unsigned long long)mid0);
		}
		/* an answer of our session, for the tree we asked (a sync answer echoes the request's
		 * TreeId; TREE_CONNECT and LOGOFF are not of a tree; a related answer may carry the
		 * all-ones ids of its request) */
		if (c->have_keys && h.session_id != c->session_id && !(related && h.session_id == UINT64_MAX))
			return nlt_seterr(e, NLT_EPROTO, "SMB2 %s to %s: answer for another session (0x%llx, not 0x%llx)", op,
					  c->peer, (unsigned long long)h.session_id, (unsigned long long)c->session_id);
		if (c->have_keys && !(h.flags & SMB2_FLAGS_ASYNC_COMMAND) && h.command != SMB2_TREE_CONNECT &&
		    h.command != SMB2_LOGOFF &&
		    !(related ? h.tree_id == tree0 || h.tree_id == UINT32_MAX : h.tree_id == c->tree_id))
			return nlt_seterr(e, NLT_EPROTO, "SMB2 %s to %s: answer for another tree (0x%x, not 0x%x)", op, c->peer,
					  h.tree_id, related ? tree0 : c->tree_id);
		off += ml;
	}
	return 0;
}

static struct smb2_hdr new_hdr(struct smb2c *c, uint16_t cmd)
{
	struct smb2_hdr h;

	memset(&h, 0, sizeof(h));
	h.credit_charge = c->dialect > SMB2_DIALECT_202 ? 1 : 0;
	h.command = cmd;
	h.credits = CREDITS_WANTED;
	h.message_id = c->next_mid++;
	h.process_id = 0xfeff;
	h.tree_id = c->tree_id;
	h.session_id = c->session_id;
	if (c->have_keys && !c->encrypt)
		h.flags |= SMB2_FLAGS_SIGNED;
	return h;
}

/* Sign each message of the chain in c->buf + 4 (starts[] are their offsets). */
static int sign_chain(struct smb2c *c, const size_t *starts, size_t n, size_t end)
{
	if (!c->have_keys || c->encrypt)
		return 0;
	for (size_t i = 0; i < n; i++) {
		size_t stop = i + 1 < n ? starts[i + 1] : end;
		if (smb2_sign(c->sign_alg, c->keys.signing, c->buf + 4 + starts[i], stop - starts[i]) != WIRE_OK)
			return -1;
	}
	return 0;
}

static int need_credits(struct smb2c *c, uint16_t n, const char *op, struct nlt_err *e)
{
	if (c->credits < n)
		return nlt_seterr(e, NLT_EPROTO, "SMB2 %s to %s: the server granted no credits", op, c->peer);
	c->credits = (uint16_t)(c->credits - n);
	return 0;
}

static const char *status_text(uint32_t st)
{
	switch (st) {
	case 0xc0000022: return "access denied";
	case 0xc000006d: return "logon failure";
	case 0xc00000cc: return "bad network name";
	case 0xc0000034: return "object name not found (no such pipe)";
	case 0xc000006e: return "account restriction";
	case 0xc0000203: return "user session deleted";
	case 0xc000035c: return "network session expired";
	case 0xc0000016: return "more processing required";
	case 0xc000015b: return "logon type not granted (network logon denied)";
	case 0xc000018d: return "trusted relationship failure";
	case 0xc000018c: return "trusted domain failure";
	case 0xc000005e: return "no logon servers";
	case 0xc0000072: return "account disabled";
	case 0xc0000234: return "account locked out";
	case 0xc0000064: return "no such user";
	default: return "error";
	}
}

static int status_err(struct smb2c *c, const struct smb2_hdr *h, const char *op, struct nlt_err *e)
{
	c->last_status = h->status;
	enum nlt_cat cat = (h->status == 0xc0000022 || h->status == 0xc000006d || h->status == 0xc000006e ||
			    h->status == 0xc000015b || h->status == 0xc000018d || h->status == 0xc000018c ||
			    h->status == 0xc0000072 || h->status == 0xc0000234 || h->status == 0xc0000064 ||
			    h->status == 0xc000005e) ? NLT_EAUTH
														    : NLT_EPROTO;
	return nlt_seterr(e, cat, "SMB2 %s to %s: %s (NTSTATUS 0x%08x)", op, c->peer, status_text(h->status), h->status);
}

/* ---- connect + NEGOTIATE ---- */

static int smb2_offered(const struct smb2_negotiate_req *q, uint16_t d)
{
	for (size_t i = 0; i < q->n_dialects; i++)
		if (q->dialects[i] == d)
			return 1;
	return 0;
}

int smb2c_connect(struct smb2c *c, const struct nlt_addr *addr, const char *host, const struct smb2c_opts *opts,
		  uint64_t deadline_ms, struct nlt_err *e)
{
	struct smb2_negotiate_req q;
	struct smb2_negotiate_rep r;
	struct smb2_hdr h;
	struct wwr w;
	char ab[64];
	size_t n;
	int st;
	static const uint16_t dialects[] = { SMB2_DIALECT_202, SMB2_DIALECT_210, SMB2_DIALECT_300, SMB2_DIALECT_302,
					     SMB2_DIALECT_311 };

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->deadline_ms = deadline_ms;
	c->max_io = SMB2C_MAX_IO;
	if (opts) {
		c->force_encrypt = opts->force_encrypt;
		if (opts->max_io && opts->max_io < SMB2C_MAX_IO)
			c->max_io = opts->max_io;
	}
	snprintf(c->host, sizeof(c->host), "%s", host);
	snprintf(c->peer, sizeof(c->peer), "%s (%s)", host, nlt_addr_str(addr, ab, sizeof(ab)));
	c->buf = malloc(SMB2C_BUF + 4);
	c->tmp = malloc(SMB2C_BUF + SMB2_TRANSFORM_LEN + 4);
	if (!c->buf || !c->tmp)
		return nlt_seterr(e, NLT_EINTERNAL, "SMB2 connect to %s: out of memory", c->peer);
	c->fd = xp_tcp_connect_race(addr, deadline_ms, &st); /* a lost SYN costs a race gap, not 1 s */
	if (c->fd < 0)
		return nlt_seterr(e, NLT_ENODC, "SMB2 connect to %s port 445 failed: %s", c->peer, xp_status_str(st));

	memset(&q, 0, sizeof(q));
	q.security_mode = SMB2_NEGOTIATE_SIGNING_ENABLED | SMB2_NEGOTIATE_SIGNING_REQUIRED;
	q.capabilities = SMB2_GLOBAL_CAP_ENCRYPTION;
	if (nlt_random(q.client_guid, sizeof(q.client_guid)) || nlt_random(q.salt, sizeof(q.salt)))
		return nlt_seterr(e, NLT_EINTERNAL, "SMB2 negotiate with %s: no random bytes", c->peer);
	for (size_t i = 0; i < sizeof(dialects) / sizeof(dialects[0]); i++)
		if (!opts || !opts->max_dialect || dialects[i] <= opts->max_dialect)
			q.dialects[q.n_dialects++] = dialects[i];
	if (!q.n_dialects)
		return nlt_seterr(e, NLT_EINTERNAL, "SMB2 negotiate with %s: no dialect to offer", c->peer);
	q.n_ciphers = 4;
	q.ciphers[0] = SMB2_CIPHER_AES128_GCM;
	q.ciphers[1] = SMB2_CIPHER_AES128_CCM;
	q.ciphers[2] = SMB2_CIPHER_AES256_GCM;
	q.ciphers[3] = SMB2_CIPHER_AES256_CCM;
	q.n_sign_algs = 2;
	q.sign_algs[0] = SMB2_SIGN_AES_GMAC;
	q.sign_algs[1] = SMB2_SIGN_AES_CMAC;
	c->credits = 1;
	h = new_hdr(c, SMB2_NEGOTIATE);
	h.credit_charge = 0;
	wwr_init(&w, c->buf + 4, SMB2C_BUF);
	if (smb2_enc_negotiate_req(&w, &h, &q) != WIRE_OK)
		return nlt_seterr(e, NLT_EINTERNAL, "SMB2 negotiate with %s: cannot encode", c->peer);
	smb2_preauth_update(c->preauth, c->buf + 4, wwr_len(&w));
	if (need_credits(c, 1, "negotiate", e) || send_msgs(c, wwr_len(&w), "negotiate", e))
		return -1;
	if (opts && opts->while_negotiating)
		opts->while_negotiating(opts->while_negotiating_arg);
	if (recv_msgs(c, h.message_id, &n, "negotiate", e))
		return -1;
	if (smb2_dec_hdr(c->buf, n, &h) != WIRE_OK || h.command != SMB2_NEGOTIATE)
		return nlt_seterr(e, NLT_EPROTO, "SMB2 negotiate with %s: not a NEGOTIATE answer", c->peer);
	if (h.status != SMB2_STATUS_SUCCESS)
		return status_err(c, &h, "negotiate", e);
	if ((st = smb2_dec_negotiate_rep(c->buf, n, &r)) != WIRE_OK)
		return nlt_seterr(e, NLT_EPROTO, "SMB2 negotiate with %s: malformed answer: %s", c->peer, wire_strerror(st));
	if (!smb2_offered(&q, r.dialect))
		return nlt_seterr(e, NLT_EPROTO, "SMB2 negotiate with %s: dialect 0x%04x was not offered", c->peer,
				  r.dialect);
	c->neg = q;
	memcpy(c->server_guid, r.server_guid, SMB2_GUID_LEN);
	c->dialect = r.dialect;
	c->server_security_mode = r.security_mode;
	c->server_caps = r.capabilities;
	c->max_read = r.max_read;
	c->max_transact = r.max_transact;
	if (c->dialect == SMB2_DIALECT_311) {
		if (r.preauth_alg != SMB2_PREAUTH_SHA512)
			return nlt_seterr(e, NLT_EPROTO, "SMB2 negotiate with %s: pre-auth hash %u is not SHA-512", c->peer,
					  r.preauth_alg);
		c->cipher = r.has_cipher ? r.cipher : SMB2_CIPHER_NONE;
		if (c->cipher != SMB2_CIPHER_NONE && !smb2_cipher_key_len(c->cipher))
			return nlt_seterr(e, NLT_EPROTO, "SMB2 negotiate with %s: cipher %u was not offered", c->peer,
					  c->cipher);
		if (r.has_sign_alg && r.sign_alg != SMB2_SIGN_AES_CMAC && r.sign_alg != SMB2_SIGN_AES_GMAC)
			return nlt_seterr(e, NLT_EPROTO, "SMB2 negotiate with %s: signing algorithm %u was not offered",
					  c->peer, r.sign_alg);
		smb2_preauth_update(c->preauth, c->buf, n);
	} else if (c->dialect >= SMB2_DIALECT_300 && (r.capabilities & SMB2_GLOBAL_CAP_ENCRYPTION)) {
		c->cipher = SMB2_CIPHER_AES128_CCM;
	}
	c->sign_alg = smb2_sign_alg_for(c->dialect, r.has_sign_alg, r.sign_alg);
	nlt_vlog("SMB2 %s: dialect 0x%04x, cipher %u, signing %u\n", c->peer, c->dialect, c->cipher, c->sign_alg);
	return 0;
}

/* ---- SESSION_SETUP (SPNEGO/Kerberos through GSSAPI) ---- */

static void gss_err(struct smb2c *c, OM_uint32 maj, OM_uint32 min, struct nlt_err *e)
{
	OM_uint32 m2, ctx = 0;
	gss_buffer_desc t = GSS_C_EMPTY_BUFFER;
	char msg[200] = "";

	if (gss_display_status(&m2, GSS_ERROR(maj) && min ? min : maj, GSS_ERROR(maj) && min ? GSS_C_MECH_CODE : GSS_C_GSS_CODE,
			       GSS_C_NO_OID, &ctx, &t) == GSS_S_COMPLETE) {
		snprintf(msg, sizeof(msg), "%.*s", (int)t.length, (const char *)t.value);
		gss_release_buffer(&m2, &t);
	}
	c->last_gss_minor = min;
	if (c->use_ntlm)
		nlt_seterr(e, NLT_EAUTH, "SMB2 session setup with %s: NTLM: %s", c->peer, msg[0] ? msg : "GSSAPI failure");
	else
		nlt_seterr(e, NLT_EAUTH, "SMB2 session setup with %s: Kerberos (cifs/%s): %s", c->peer, c->host,
			   msg[0] ? msg : "GSSAPI failure");
}

int smb2c_session_setup(struct smb2c *c, struct nlt_err *e)
{
	return smb2c_session_setup_cred(c, NULL, 0, e);
}

int smb2c_session_setup_cred(struct smb2c *c, void *gss_cred, int ntlm, struct nlt_err *e)
{
	gss_cred_id_t cred = gss_cred ? (gss_cred_id_t)gss_cred : GSS_C_NO_CREDENTIAL;
	static char spnego_oid[] = "\x2b\x06\x01\x05\x05\x02";
	gss_OID_desc spnego = { 6, spnego_oid };
	OM_uint32 maj, min;
	gss_ctx_id_t gctx = GSS_C_NO_CONTEXT;
	gss_name_t name = GSS_C_NO_NAME;
	gss_buffer_desc nb, in = GSS_C_EMPTY_BUFFER, out = GSS_C_EMPTY_BUFFER;
	gss_buffer_set_t keyset = GSS_C_NO_BUFFER_SET;
	uint8_t token[16384];
	size_t token_len = 0;
	char svc[300];
	int rc = -1, complete = 0;
	uint32_t status = 0;
	struct smb2_hdr h;

	c->use_ntlm = ntlm;
	c->last_status = 0;
	c->last_gss_minor = 0;
	snprintf(svc, sizeof(svc), "cifs@%s", c->host);
	nb.value = svc;
	nb.length = strlen(svc);
	maj = gss_import_name(&min, &nb, GSS_C_NT_HOSTBASED_SERVICE, &name);
	if (GSS_ERROR(maj)) {
		gss_err(c, maj, min, e);
		goto out;
	}
	for (int round = 0; round < 8; round++) {
		struct smb2_session_setup_req q;
		struct smb2_session_setup_rep r;
		struct wwr w;
		size_t n;

		in.value = token;
		in.length = token_len;
		if (!complete) {
			maj = gss_init_sec_context(&min, cred, &gctx, name, &spnego,
						   GSS_C_MUTUAL_FLAG | GSS_C_INTEG_FLAG, 0, GSS_C_NO_CHANNEL_BINDINGS,
						   round ? &in : GSS_C_NO_BUFFER, NULL, &out, NULL, NULL);
			if (GSS_ERROR(maj)) {
				gss_err(c, maj, min, e);
				goto out;
			}
			complete = maj == GSS_S_COMPLETE;
		}
		if (!out.length) {
			nlt_seterr(e, NLT_EAUTH, "SMB2 session setup with %s: GSSAPI produced no token", c->peer);
			goto out;
		}
		memset(&q, 0, sizeof(q));
		q.security_mode = SMB2_NEGOTIATE_SIGNING_ENABLED | SMB2_NEGOTIATE_SIGNING_REQUIRED;
		q.sec_buf = out.value;
		q.sec_len = out.length;
		h = new_hdr(c, SMB2_SESSION_SETUP);
		wwr_init(&w, c->buf + 4, SMB2C_BUF);
		if (smb2_enc_session_setup_req(&w, &h, &q) != WIRE_OK) {
			nlt_seterr(e, NLT_EINTERNAL, "SMB2 session setup with %s: cannot encode", c->peer);
			goto out;
		}
		gss_release_buffer(&min, &out);
		if (c->dialect == SMB2_DIALECT_311)
			smb2_preauth_update(c->preauth, c->buf + 4, wwr_len(&w));
		if (need_credits(c, 1, "session setup", e) || send_msgs(c, wwr_len(&w), "session setup", e) ||
		    recv_msgs(c, h.message_id, &n, "session setup", e))
			goto out;
		if (smb2_dec_hdr(c->buf, n, &h) != WIRE_OK || h.command != SMB2_SESSION_SETUP) {
			nlt_seterr(e, NLT_EPROTO, "SMB2 session setup with %s: not a SESSION_SETUP answer", c->peer);
			goto out;
		}
		status = h.status;
		if (status != SMB2_STATUS_SUCCESS && status != SMB2_STATUS_MORE_PROCESSING_REQUIRED) {
			status_err(c, &h, "session setup", e);
			goto out;
		}
		if (smb2_dec_session_setup_rep(c->buf, n, &r) != WIRE_OK) {
			nlt_seterr(e, NLT_EPROTO, "SMB2 session setup with %s: malformed answer", c->peer);
			goto out;
		}
		if (c->session_id == 0)
			c->session_id = h.session_id;
		else if (h.session_id != c->session_id) {
			nlt_seterr(e, NLT_EPROTO, "SMB2 session setup with %s: the session id changed", c->peer);
			goto out;
		}
		if (status == SMB2_STATUS_MORE_PROCESSING_REQUIRED && c->dialect == SMB2_DIALECT_311)
			smb2_preauth_update(c->preauth, c->buf, n);
		if (r.sec_len > sizeof(token)) {
			nlt_seterr(e, NLT_EPROTO, "SMB2 session setup with %s: security blob of %zu bytes", c->peer,
				   r.sec_len);
			goto out;
		}
		token_len = r.sec_len;
		if (token_len)
			memcpy(token, r.sec_buf, token_len);
		if (status == SMB2_STATUS_SUCCESS) {
			c->session_flags = r.session_flags;
			/* keep the final answer in tmp for the signature check below */
			memcpy(c->tmp, c->buf, n);
			in.length = token_len;
			if (!complete) {
				in.value = token;
				maj = gss_init_sec_context(&min, cred, &gctx, name, &spnego,
							   GSS_C_MUTUAL_FLAG | GSS_C_INTEG_FLAG, 0,
							   GSS_C_NO_CHANNEL_BINDINGS, &in, NULL, &out, NULL, NULL);
				if (GSS_ERROR(maj)) {
					gss_err(c, maj, min, e);
					goto out;
				}
				if (maj != GSS_S_COMPLETE || out.length) {
					nlt_seterr(e, NLT_EAUTH,
						   "SMB2 session setup with %s: the server accepted but SPNEGO is not complete",
						   c->peer);
					goto out;
				}
				complete = 1;
			}
			/* the answer is final: derive keys and check its signature */
			if (c->session_flags & (SMB2_SESSION_FLAG_IS_GUEST | SMB2_SESSION_FLAG_IS_NULL)) {
				nlt_seterr(e, NLT_EAUTH, "SMB2 session setup with %s: the server gave a %s session; refused",
					   c->peer, c->session_flags & SMB2_SESSION_FLAG_IS_NULL ? "anonymous" : "guest");
				goto out;
			}
			maj = gss_inquire_sec_context_by_oid(&min, gctx, GSS_C_INQ_SSPI_SESSION_KEY, &keyset);
			if (GSS_ERROR(maj) || !keyset || keyset->count < 1 || !keyset->elements[0].length) {
				nlt_seterr(e, NLT_EAUTH, "SMB2 session setup with %s: no GSSAPI session key", c->peer);
				goto out;
			}
			if (smb2_derive_keys(c->dialect, c->cipher, keyset->elements[0].value, keyset->elements[0].length,
					     c->preauth, &c->keys) != WIRE_OK) {
				nlt_seterr(e, NLT_EINTERNAL, "SMB2 session setup with %s: key derivation failed", c->peer);
				goto out;
			}
			c->have_keys = 1;
			if (!(h.flags & SMB2_FLAGS_SIGNED)) {
				if (c->dialect >= SMB2_DIALECT_300) {
					nlt_seterr(e, NLT_EPROTO,
						   "SMB2 session setup with %s: the final answer is not signed; refused", c->peer);
					goto out;
				}
			} else if (smb2_verify(c->sign_alg, c->keys.signing, c->tmp, n) != WIRE_OK) {
				nlt_seterr(e, NLT_EPROTO,
					   "SMB2 session setup with %s: the final answer's signature does not verify "
					   "(tampered negotiation or a wrong session key)",
					   c->peer);
				goto out;
			} else {
				c->n_signed_ok++;
			}
			if (c->session_flags & SMB2_SESSION_FLAG_ENCRYPT_DATA)
				c->encrypt = 1;
			if (c->force_encrypt)
				c->encrypt = 1;
			if (c->encrypt && (c->dialect < SMB2_DIALECT_300 || !c->keys.cipher_key_len)) {
				nlt_seterr(e, NLT_EPROTO,
					   "SMB2 session setup with %s: encryption is required but no cipher was negotiated",
					   c->peer);
				goto out;
			}
			rc = 0;
			goto out;
		}
	}
	nlt_seterr(e, NLT_EPROTO, "SMB2 session setup with %s: too many rounds", c->peer);
out:
	gss_release_buffer(&min, &out);
	if (keyset)
		gss_release_buffer_set(&min, &keyset);
	if (gctx != GSS_C_NO_CONTEXT)
		gss_delete_sec_context(&min, &gctx, GSS_C_NO_BUFFER);
	if (name != GSS_C_NO_NAME)
		gss_release_name(&min, &name);
	wipe_memset(token, 0, sizeof(token));
	return rc;
}

/* ---- TREE_CONNECT + CREATE (compounded), VALIDATE_NEGOTIATE ---- */

/*
 * One request, already encoded in c->buf + 4 (len bytes, message id mid), signed when the session
 * signs, sent, and its answer received and checked into c->buf (*n bytes).  -1 with e.
 */
static int exchange1(struct smb2c *c, size_t len, uint64_t mid, const char *what, size_t *n, struct nlt_err *e)
{
	size_t starts[1] = { 0 };

	if (sign_chain(c, starts, 1, len))
		return nlt_seterr(e, NLT_EINTERNAL, "SMB2 %s to %s: cannot sign", what, c->peer);
	if (need_credits(c, 1, what, e) || send_msgs(c, len, what, e) || recv_msgs(c, mid, n, what, e) ||
	    check_chain(c, *n, what, e))
		return -1;
	return 0;
}

static int validate_negotiate(struct smb2c *c, struct nlt_err *e)
{
	static const char op[] = "validate negotiate";
	struct smb2_ioctl_req q;
	struct smb2_ioctl_rep r;
	struct smb2_validate_negotiate v;
	struct smb2_hdr h;
	struct wwr w, iw;
	uint8_t in[64];
	size_t n;

	wwr_init(&iw, in, sizeof(in));
	if (smb2_enc_validate_negotiate_in(&iw, &c->neg) != WIRE_OK)
		return nlt_seterr(e, NLT_EINTERNAL, "SMB2 %s with %s: cannot encode", op, c->peer);
	memset(&q, 0, sizeof(q));
	q.ctl_code = SMB2_FSCTL_VALIDATE_NEGOTIATE_INFO;
	q.file_id = smb2_file_id_related; /* all-ones: no file */
	q.input = in;
	q.input_len = wwr_len(&iw);
	q.max_output_response = SMB2_VALIDATE_NEGOTIATE_OUT_LEN;
	q.flags = SMB2_0_IOCTL_IS_FSCTL;
	h = new_hdr(c, SMB2_IOCTL);
	wwr_init(&w, c->buf + 4, SMB2C_BUF);
	if (smb2_enc_ioctl_req(&w, &h, &q) != WIRE_OK)
		return nlt_seterr(e, NLT_EINTERNAL, "SMB2 %s with %s: cannot encode", op, c->peer);
	if (exchange1(c, wwr_len(&w), h.message_id, op, &n, e) < 0)
		return -1;
	if (smb2_dec_hdr(c->buf, n, &h) != WIRE_OK)
		return nlt_seterr(e, NLT_EPROTO, "SMB2 %s with %s: malformed answer", op, c->peer);
	if (h.status != SMB2_STATUS_SUCCESS)
		return status_err(c, &h, op, e);
	if (smb2_dec_ioctl_rep(c->buf, n, &r) != WIRE_OK ||
	    smb2_dec_validate_negotiate_out(r.output, r.output_len, &v) != WIRE_OK)
		return nlt_seterr(e, NLT_EPROTO, "SMB2 %s with %s: malformed answer", op, c->peer);
	if (v.dialect != c->dialect || v.security_mode != c->server_security_mode ||
	    v.capabilities != c->server_caps || memcmp(v.guid, c->server_guid, SMB2_GUID_LEN) != 0)
		return nlt_seterr(e, NLT_EPROTO,
				  "SMB2 %s with %s: the server's signed account (dialect 0x%04x, security mode 0x%x, "
				  "capabilities 0x%x) differs from the NEGOTIATE answer (0x%04x, 0x%x, 0x%x): tampered",
				  op, c->peer, v.dialect, v.security_mode, v.capabilities, c->dialect,
				  c->server_security_mode, c->server_caps);
	c->validated = 1;
	return 0;
}

/*
 * TREE_CONNECT \\host\IPC$ + CREATE \PIPE\pipe as one related compound in c->buf (framed at +4,
 * signed when the session signs): *len bytes, the two headers (their message ids) in h1 and h2.
 */
static int enc_tree_create(struct smb2c *c, const char *pipe, struct smb2_hdr *h1, struct smb2_hdr *h2, size_t *len,
			   struct nlt_err *e)
{
	struct smb2_create_req cr;
	struct wwr w;
	char path[300];
	size_t starts[2];

	if (!c->have_keys)
		return nlt_seterr(e, NLT_EINTERNAL, "SMB2 tree connect to %s: no session", c->peer);
	snprintf(path, sizeof(path), "\\\\%s\\IPC$", c->host);
	wwr_init(&w, c->buf + 4, SMB2C_BUF);
	*h1 = new_hdr(c, SMB2_TREE_CONNECT);
	h1->tree_id = 0;
	starts[0] = 0;
	smb2_enc_tree_connect_req(&w, h1, path);
	smb2_chain_link(&w, starts[0]);
	starts[1] = wwr_len(&w);
	*h2 = new_hdr(c, SMB2_CREATE);
	h2->flags |= SMB2_FLAGS_RELATED_OPERATIONS;
	h2->tree_id = UINT32_MAX;
	h2->session_id = UINT64_MAX;
	smb2_create_req_pipe(&cr, pipe);
	if (smb2_enc_create_req(&w, h2, &cr) != WIRE_OK || sign_chain(c, starts, 2, wwr_len(&w)))
		return nlt_seterr(e, NLT_EINTERNAL, "SMB2 tree connect to %s: cannot encode", c->peer);
	*len = wwr_len(&w);
	return 0;
}

/* The CREATE answer of the compound at m[len] (the first message there): the pipe's file id. */
static int dec_create_in(struct smb2c *c, const uint8_t *m, size_t len, const char *pipe, struct smb2_file_id *fid,
			 struct nlt_err *e)
{
	struct smb2_create_rep crr;
	struct smb2_hdr h;
	size_t ml;
	int more;

	if (smb2_chain_next(m, len, &ml, &more) != WIRE_OK || smb2_dec_hdr(m, ml, &h) != WIRE_OK ||
	    h.command != SMB2_CREATE)
		return nlt_seterr(e, NLT_EPROTO, "SMB2 create %s on %s: malformed answer", pipe, c->peer);
	if (h.status != SMB2_STATUS_SUCCESS)
		return status_err(c, &h, "create pipe", e);
	if (smb2_dec_create_rep(m, ml, &crr) != WIRE_OK)
		return nlt_seterr(e, NLT_EPROTO, "SMB2 create %s on %s: malformed answer", pipe, c->peer);
	*fid = crr.file_id;
	return 0;
}

int smb2c_open_pipe(struct smb2c *c, const char *pipe, struct smb2_file_id *fid, struct nlt_err *e)
{
	struct smb2_tree_connect_rep tr;
	struct smb2_hdr h1, h2, h;
	size_t len, n, ml;
	int more;

	if (enc_tree_create(c, pipe, &h1, &h2, &len, e) < 0)
		return -1;
	if (need_credits(c, 2, "tree connect", e) || send_msgs(c, len, "tree connect + create", e) ||
	    recv_msgs(c, h1.message_id, &n, "tree connect", e) || check_chain(c, n, "tree connect + create", e))
		return -1;
	/* first: TREE_CONNECT */
	if (smb2_chain_next(c->buf, n, &ml, &more) != WIRE_OK || smb2_dec_hdr(c->buf, ml, &h) != WIRE_OK ||
	    h.command != SMB2_TREE_CONNECT)
		return nlt_seterr(e, NLT_EPROTO, "SMB2 tree connect to %s: malformed answer", c->peer);
	if (h.status != SMB2_STATUS_SUCCESS)
		return status_err(c, &h, "tree connect IPC$", e);
	if (smb2_dec_tree_connect_rep(c->buf, ml, &tr) != WIRE_OK)
		return nlt_seterr(e, NLT_EPROTO, "SMB2 tree connect to %s: malformed answer", c->peer);
	if (tr.share_type != SMB2_SHARE_TYPE_PIPE)
		return nlt_seterr(e, NLT_EPROTO, "SMB2 tree connect to %s: IPC$ is not a pipe share", c->peer);
	c->tree_id = h.tree_id;
	c->share_flags = tr.share_flags;
	if (!more) {
		/* the server may answer the CREATE in a frame of its own */
		if (recv_msgs(c, h2.message_id, &n, "create", e) || check_chain(c, n, "create", e))
			return -1;
		ml = 0;
	}
	if (dec_create_in(c, c->buf + ml, n - ml, pipe, fid, e) < 0)
		return -1;
	return smb2c_use_tree(c, c->tree_id, c->share_flags, e);
}

/* ---- IOCTL transceive + READ ---- */

/* FSCTL_PIPE_TRANSCEIVE of in[in_len] on fid, encoded (unsigned) in c->buf + 4: *len bytes, header in *h. */
static int enc_transceive(struct smb2c *c, const struct smb2_file_id *fid, const uint8_t *in, size_t in_len,
			  struct smb2_hdr *h, size_t *len, struct nlt_err *e)
{
	struct smb2_ioctl_req q;
	struct wwr w;

	if (in_len > SMB2C_MAX_IO)
		return nlt_seterr(e, NLT_EINTERNAL, "SMB2 ioctl to %s: request of %zu bytes", c->peer, in_len);
	memset(&q, 0, sizeof(q));
	q.ctl_code = SMB2_FSCTL_PIPE_TRANSCEIVE;
	q.file_id = *fid;
	q.input = in;
	q.input_len = in_len;
	q.max_output_response = c->max_io;
	q.flags = SMB2_0_IOCTL_IS_FSCTL;
	*h = new_hdr(c, SMB2_IOCTL);
	wwr_init(&w, c->buf + 4, SMB2C_BUF);
	if (smb2_enc_ioctl_req(&w, h, &q) != WIRE_OK)
		return nlt_seterr(e, NLT_EINTERNAL, "SMB2 ioctl to %s: cannot encode", c->peer);
	*len = wwr_len(&w);
	return 0;
}

/* The transceive's answer in c->buf (n bytes): its output into out[cap], *status SUCCESS or BUFFER_OVERFLOW. */
static int dec_transceive(struct smb2c *c, size_t n, uint8_t *out, size_t cap, size_t *out_len, uint32_t *status,
			  struct nlt_err *e)
{
	struct smb2_ioctl_rep r;
	struct smb2_hdr h;

	if (smb2_dec_hdr(c->buf, n, &h) != WIRE_OK || h.command != SMB2_IOCTL)
		return nlt_seterr(e, NLT_EPROTO, "SMB2 ioctl to %s: malformed answer", c->peer);
	*status = h.status;
	if (h.status != SMB2_STATUS_SUCCESS && h.status != SMB2_STATUS_BUFFER_OVERFLOW)
		return status_err(c, &h, "pipe transceive", e);
	if (smb2_dec_ioctl_rep(c->buf, n, &r) != WIRE_OK)
		return nlt_seterr(e, NLT_EPROTO, "SMB2 ioctl to %s: malformed answer", c->peer);
	if (r.output_len > cap)
		return nlt_seterr(e, NLT_EPROTO, "SMB2 ioctl to %s: answer of %zu bytes is too long", c->peer, r.output_len);
	memcpy(out, r.output, r.output_len);
	*out_len = r.output_len;
	return 0;
}

/* A pipe READ of at most c->max_io bytes on fid, encoded (unsigned) in c->buf + 4: *len bytes, header in *h. */
static int enc_pipe_read(struct smb2c *c, const struct smb2_file_id *fid, struct smb2_hdr *h, size_t *len,
			 struct nlt_err *e)
{
	struct smb2_read_req rq = { c->max_io, 0, *fid, 0 };
	struct wwr w;

	*h = new_hdr(c, SMB2_READ);
	wwr_init(&w, c->buf + 4, SMB2C_BUF);
	if (smb2_enc_read_req(&w, h, &rq) != WIRE_OK)
		return nlt_seterr(e, NLT_EINTERNAL, "SMB2 read from %s: cannot encode", c->peer);
	*len = wwr_len(&w);
	return 0;
}

/* The pipe READ's answer in c->buf (n bytes) into out[cap]: *got bytes, *status SUCCESS or BUFFER_OVERFLOW. */
static int dec_pipe_read(struct smb2c *c, size_t n, uint8_t *out, size_t cap, size_t *got, uint32_t *status,
			 struct nlt_err *e)
{
	struct smb2_read_rep rr;
	struct smb2_hdr h;

	if (smb2_dec_hdr(c->buf, n, &h) != WIRE_OK || h.command != SMB2_READ)
		return nlt_seterr(e, NLT_EPROTO, "SMB2 read from %s: malformed answer", c->peer);
	*status = h.status;
	if (h.status != SMB2_STATUS_SUCCESS && h.status != SMB2_STATUS_BUFFER_OVERFLOW)
		return status_err(c, &h, "pipe read", e);
	if (smb2_dec_read_rep(c->buf, n, &rr) != WIRE_OK)
		return nlt_seterr(e, NLT_EPROTO, "SMB2 read from %s: malformed answer", c->peer);
	if (rr.len > cap)
		return nlt_seterr(e, NLT_EPROTO, "SMB2 read from %s: the pipe answer is too long", c->peer);
	if (rr.len)
		memcpy(out, rr.data, rr.len);
	*got = rr.len;
	c->n_reads++;
	return 0;
}

static int pipe_read(struct smb2c *c, const struct smb2_file_id *fid, uint8_t *out, size_t cap, size_t *got,
		     uint32_t *status, struct nlt_err *e);

int smb2c_transceive(struct smb2c *c, const struct smb2_file_id *fid, const uint8_t *in, size_t in_len,
		     uint8_t *out, size_t cap, size_t *out_len, struct nlt_err *e)
{
	struct smb2_hdr h;
	size_t n, len;
	uint32_t status;

	*out_len = 0;
	if (enc_transceive(c, fid, in, in_len, &h, &len, e) < 0 || exchange1(c, len, h.message_id, "ioctl", &n, e) < 0 ||
	    dec_transceive(c, n, out, cap, out_len, &status, e) < 0)
		return -1;
	while (status == SMB2_STATUS_BUFFER_OVERFLOW) {
		size_t got;
		if (pipe_read(c, fid, out + *out_len, cap - *out_len, &got, &status, e))
			return -1;
		*out_len += got;
	}
	return 0;
}

/* One READ on the pipe: at most c->max_io bytes into out[cap]; *status tells whether more is pending. */
static int pipe_read(struct smb2c *c, const struct smb2_file_id *fid, uint8_t *out, size_t cap, size_t *got,
		     uint32_t *status, struct nlt_err *e)
{
	struct smb2_hdr h;
	size_t n, len;

	*got = 0;
	if (enc_pipe_read(c, fid, &h, &len, e) < 0 || exchange1(c, len, h.message_id, "read", &n, e) < 0)
		return -1;
	return dec_pipe_read(c, n, out, cap, got, status, e);
}

int smb2c_read(struct smb2c *c, const struct smb2_file_id *fid, uint8_t *out, size_t cap, size_t *out_len,
	       struct nlt_err *e)
{
	uint32_t status;

	return pipe_read(c, fid, out, cap, out_len, &status, e);
}

/* ---- CLOSE, LOGOFF ---- */

int smb2c_close_file(struct smb2c *c, const struct smb2_file_id *fid, struct nlt_err *e)
{
	struct smb2_hdr h;
	struct wwr w;
	size_t n;

	h = new_hdr(c, SMB2_CLOSE);
	wwr_init(&w, c->buf + 4, SMB2C_BUF);
	if (smb2_enc_close_req(&w, &h, fid) != WIRE_OK)
		return nlt_seterr(e, NLT_EINTERNAL, "SMB2 close on %s: cannot encode", c->peer);
	if (exchange1(c, wwr_len(&w), h.message_id, "close", &n, e) < 0)
		return -1;
	if (smb2_dec_hdr(c->buf, n, &h) != WIRE_OK)
		return nlt_seterr(e, NLT_EPROTO, "SMB2 close on %s: malformed answer", c->peer);
	if (h.status != SMB2_STATUS_SUCCESS)
		return status_err(c, &h, "close", e);
	return smb2_dec_close_rep(c->buf, n) == WIRE_OK
		       ? 0
		       : nlt_seterr(e, NLT_EPROTO, "SMB2 close on %s: malformed answer", c->peer);
}

int smb2c_logoff(struct smb2c *c, struct nlt_err *e)
{
	struct nlt_err dummy;
	struct smb2_hdr h;
	struct wwr w;
	size_t n, starts[1] = { 0 };
	int rc = 0;

	if (!e)
		e = &dummy;
	if (c->fd >= 0 && c->have_keys) {
		h = new_hdr(c, SMB2_LOGOFF);
		h.tree_id = 0;
		wwr_init(&w, c->buf + 4, SMB2C_BUF);
		if (smb2_enc_simple_req(&w, &h) != WIRE_OK || sign_chain(c, starts, 1, wwr_len(&w)))
			rc = nlt_seterr(e, NLT_EINTERNAL, "SMB2 logoff from %s: cannot encode", c->peer);
		else if (need_credits(c, 1, "logoff", e) || send_msgs(c, wwr_len(&w), "logoff", e) ||
			 recv_msgs(c, h.message_id, &n, "logoff", e) || check_chain(c, n, "logoff", e))
			rc = -1;
		else if (smb2_dec_hdr(c->buf, n, &h) != WIRE_OK || h.status != SMB2_STATUS_SUCCESS ||
			 smb2_dec_simple_rep(c->buf, n) != WIRE_OK)
			rc = nlt_seterr(e, NLT_EPROTO, "SMB2 logoff from %s: refused (NTSTATUS 0x%08x)", c->peer, h.status);
	}
	smb2c_free(c);
	return rc;
}

void smb2c_logoff_quick(struct smb2c *c)
{
	struct nlt_err dummy;
	struct smb2_hdr h;
	struct wwr w;
	size_t starts[1] = { 0 };

	if (c->fd >= 0 && c->have_keys) {
		h = new_hdr(c, SMB2_LOGOFF);
		h.tree_id = 0;
		wwr_init(&w, c->buf + 4, SMB2C_BUF);
		if (smb2_enc_simple_req(&w, &h) == WIRE_OK && !sign_chain(c, starts, 1, wwr_len(&w)) &&
		    !need_credits(c, 1, "logoff", &dummy))
			(void)send_msgs(c, wwr_len(&w), "logoff", &dummy);
	}
	smb2c_free(c);
}

/* ---- pipelined requests ---- */

static int pending_take(struct smb2c *c, uint64_t mid)
{
	for (size_t i = 0; i < c->n_pending; i++)
		if (c->pending[i] == mid) {
			c->pending[i] = c->pending[--c->n_pending];
			return 1;
		}
	return 0;
}

static int pending_has(const struct smb2c *c, uint64_t mid)
{
	for (size_t i = 0; i < c->n_pending; i++)
		if (c->pending[i] == mid)
			return 1;
	return 0;
}

static int pending_add(struct smb2c *c, uint64_t mid, const char *op, struct nlt_err *e)
{
	if (c->n_pending >= SMB2C_MAX_PENDING)
		return nlt_seterr(e, NLT_EINTERNAL, "SMB2 %s to %s: more than %d requests in flight", op, c->peer,
				  SMB2C_MAX_PENDING);
	c->pending[c->n_pending++] = mid;
	return 0;
}

/*
 * The answer to the pipelined request mid into c->buf[0..*len), checked: from the stash, or off the wire
 * (answers to other requests in flight are checked and stashed; interim answers and oplock breaks skipped).
 */
static int recv_mid(struct smb2c *c, uint64_t mid, size_t *len, const char *op, struct nlt_err *e)
{
	if (given_up(c, op, e))
		return -1;
	for (size_t i = 0; i < c->n_stash; i++) {
		struct smb2c_stash *st = &c->stash[i];
		if (st->mid != mid)
			continue;
		memcpy(c->buf, st->msg, st->len);
		*len = st->len;
		c->last_encrypted = st->encrypted;
		wipe_memset(st->msg, 0, st->len);
		free(st->msg);
		*st = c->stash[--c->n_stash];
		pending_take(c, mid);
		return 0;
	}
	if (!pending_has(c, mid))
		return nlt_seterr(e, NLT_EINTERNAL, "SMB2 %s to %s: message %llu is not in flight", op, c->peer,
				  (unsigned long long)mid);
	for (;;) {
		struct smb2_hdr h;
		size_t n = 0;
		uint64_t got = 0;
		struct smb2c_stash *st;

		/* whatever comes next, checked before it is looked at */
		if (recv_any(c, &n, &got, op, e) < 0 || check_chain(c, n, op, e) < 0)
			return -1;
		if (smb2_dec_hdr(c->buf, n, &h) != WIRE_OK)
			return nlt_seterr(e, NLT_EPROTO, "SMB2 %s to %s: malformed SMB2 header", op, c->peer);
		if (got == mid) {
			pending_take(c, mid);
			*len = n;
			return 0;
		}
		if (!pending_has(c, got)) {
			nlt_seterr(e, NLT_EPROTO, "SMB2 %s to %s: answer to message %llu, which was not asked", op, c->peer,
				   (unsigned long long)got);
			return give_up(c, e);
		}
		for (size_t i = 0; i < c->n_stash; i++)
			if (c->stash[i].mid == got) {
				nlt_seterr(e, NLT_EPROTO, "SMB2 %s to %s: two answers to message %llu", op, c->peer,
					   (unsigned long long)got);
				return give_up(c, e);
			}
		if (c->n_stash >= SMB2C_MAX_PENDING)
			return nlt_seterr(e, NLT_EINTERNAL, "SMB2 %s to %s: too many answers kept", op, c->peer);
		st = &c->stash[c->n_stash];
		if (!(st->msg = malloc(n)))
			return nlt_seterr(e, NLT_EINTERNAL, "out of memory");
		memcpy(st->msg, c->buf, n);
		st->len = n;
		st->mid = got;
		st->encrypted = c->last_encrypted;
		c->n_stash++;
	}
}

void smb2c_hold(struct smb2c *c)
{
	int one = 1;

	if (c->fd >= 0)
		(void)setsockopt(c->fd, IPPROTO_TCP, TCP_CORK, &one, sizeof(one));
}

void smb2c_flush(struct smb2c *c)
{
	int zero = 0;

	if (c->fd >= 0)
		(void)setsockopt(c->fd, IPPROTO_TCP, TCP_CORK, &zero, sizeof(zero));
}

int smb2c_send_create(struct smb2c *c, const char *pipe, uint64_t *mid, struct nlt_err *e)
{
	struct smb2_create_req cr;
	struct smb2_hdr h;
	struct wwr w;
	size_t starts[1] = { 0 };

	if (!c->have_keys || !c->tree_id)
		return nlt_seterr(e, NLT_EINTERNAL, "SMB2 create %s on %s: no tree", pipe, c->peer);
	h = new_hdr(c, SMB2_CREATE);
	wwr_init(&w, c->buf + 4, SMB2C_BUF);
	smb2_create_req_pipe(&cr, pipe);
	if (smb2_enc_create_req(&w, &h, &cr) != WIRE_OK || sign_chain(c, starts, 1, wwr_len(&w)))
		return nlt_seterr(e, NLT_EINTERNAL, "SMB2 create %s on %s: cannot encode", pipe, c->peer);
	if (need_credits(c, 1, "create", e) || pending_add(c, h.message_id, "create", e) ||
	    send_msgs(c, wwr_len(&w), "create", e))
		return -1;
	*mid = h.message_id;
	return 0;
}

int smb2c_recv_create(struct smb2c *c, uint64_t mid, const char *pipe, struct smb2_file_id *fid, struct nlt_err *e)
{
	struct smb2_create_rep crr;
	struct smb2_hdr h;
	size_t n;

	if (recv_mid(c, mid, &n, "create", e) < 0)
		return -1;
	if (smb2_dec_hdr(c->buf, n, &h) != WIRE_OK || h.command != SMB2_CREATE)
		return nlt_seterr(e, NLT_EPROTO, "SMB2 create %s on %s: malformed answer", pipe, c->peer);
	if (h.status != SMB2_STATUS_SUCCESS)
		return status_err(c, &h, "create pipe", e);
	if (smb2_dec_create_rep(c->buf, n, &crr) != WIRE_OK)
		return nlt_seterr(e, NLT_EPROTO, "SMB2 create %s on %s: malformed answer", pipe, c->peer);
	*fid = crr.file_id;
	return 0;
}

int smb2c_send_transceive(struct smb2c *c, const struct smb2_file_id *fid, const uint8_t *in, size_t in_len,
			  uint64_t *mid, struct nlt_err *e)
{
	struct smb2_hdr h;
	size_t len, starts[1] = { 0 };

	if (enc_transceive(c, fid, in, in_len, &h, &len, e) < 0)
		return -1;
	if (sign_chain(c, starts, 1, len))
		return nlt_seterr(e, NLT_EINTERNAL, "SMB2 ioctl to %s: cannot sign", c->peer);
	if (need_credits(c, 1, "ioctl", e) || pending_add(c, h.message_id, "ioctl", e) || send_msgs(c, len, "ioctl", e))
		return -1;
	*mid = h.message_id;
	return 0;
}

int smb2c_recv_transceive(struct smb2c *c, uint64_t mid, const struct smb2_file_id *fid, uint8_t *out, size_t cap,
			  size_t *out_len, struct nlt_err *e)
{
	struct smb2_hdr h;
	size_t n, len, starts[1] = { 0 };
	uint32_t status;

	*out_len = 0;
	if (recv_mid(c, mid, &n, "ioctl", e) < 0 || dec_transceive(c, n, out, cap, out_len, &status, e) < 0)
		return -1;
	while (status == SMB2_STATUS_BUFFER_OVERFLOW) {
		/* the rest of a long answer: a READ of our own, in flight beside the others */
		size_t got;
		if (enc_pipe_read(c, fid, &h, &len, e) < 0)
			return -1;
		if (sign_chain(c, starts, 1, len))
			return nlt_seterr(e, NLT_EINTERNAL, "SMB2 read from %s: cannot sign", c->peer);
		mid = h.message_id;
		if (need_credits(c, 1, "read", e) || pending_add(c, mid, "read", e) || send_msgs(c, len, "read", e) ||
		    recv_mid(c, mid, &n, "read", e) ||
		    dec_pipe_read(c, n, out + *out_len, cap - *out_len, &got, &status, e) < 0)
			return -1;
		*out_len += got;
	}
	return 0;
}

/*
 * TREE_CONNECT IPC$ + CREATE pipe as one compound, pipelined (see smb2c.h): both message ids are in
 * flight, the server may answer the CREATE in the compound or (asynchronously) in a frame of its own.
 */
int smb2c_send_open_pipe(struct smb2c *c, const char *pipe, uint64_t *mid, struct nlt_err *e)
{
	struct smb2_hdr h1, h2;
	size_t len;

	if (c->n_pending + 2 > SMB2C_MAX_PENDING)
		return nlt_seterr(e, NLT_EINTERNAL, "SMB2 tree connect to %s: more than %d requests in flight", c->peer,
				  SMB2C_MAX_PENDING);
	if (enc_tree_create(c, pipe, &h1, &h2, &len, e) < 0)
		return -1;
	if (need_credits(c, 2, "tree connect", e) || pending_add(c, h1.message_id, "tree connect", e) ||
	    pending_add(c, h2.message_id, "create", e) || send_msgs(c, len, "tree connect + create", e))
		return -1;
	*mid = h1.message_id;
	return 0;
}

int smb2c_recv_open_pipe(struct smb2c *c, uint64_t mid, const char *pipe, uint32_t *tree_id, uint32_t *share_flags,
			 struct smb2_file_id *fid, struct nlt_err *e)
{
	struct smb2_tree_connect_rep tr;
	struct smb2_hdr h;
	size_t n, ml;
	int more;

	if (recv_mid(c, mid, &n, "tree connect", e) < 0)
		return -1; /* the CREATE stays in flight: an answer that comes late is kept, not taken for a stray */
	if (smb2_chain_next(c->buf, n, &ml, &more) != WIRE_OK || smb2_dec_hdr(c->buf, ml, &h) != WIRE_OK ||
	    h.command != SMB2_TREE_CONNECT) {
		pending_take(c, mid + 1);
		return nlt_seterr(e, NLT_EPROTO, "SMB2 tree connect to %s: malformed answer", c->peer);
	}
	if (more)
		pending_take(c, mid + 1); /* the CREATE's answer is in this compound */
	if (h.status != SMB2_STATUS_SUCCESS)
		return status_err(c, &h, "tree connect IPC$", e); /* a CREATE answered apart stays in flight */
	if (smb2_dec_tree_connect_rep(c->buf, ml, &tr) != WIRE_OK)
		return nlt_seterr(e, NLT_EPROTO, "SMB2 tree connect to %s: malformed answer", c->peer);
	if (tr.share_type != SMB2_SHARE_TYPE_PIPE)
		return nlt_seterr(e, NLT_EPROTO, "SMB2 tree connect to %s: IPC$ is not a pipe share", c->peer);
	*tree_id = h.tree_id;
	*share_flags = tr.share_flags;
	if (!more) {
		/* the CREATE answered in a frame of its own (asynchronously) */
		if (recv_mid(c, mid + 1, &n, "create", e) < 0)
			return -1;
		ml = 0;
	}
	return dec_create_in(c, c->buf + ml, n - ml, pipe, fid, e);
}

int smb2c_use_tree(struct smb2c *c, uint32_t tree_id, uint32_t share_flags, struct nlt_err *e)
{
	c->tree_id = tree_id;
	c->share_flags = share_flags;
	if ((c->share_flags & SMB2_SHAREFLAG_ENCRYPT_DATA) && !c->encrypt) {
		if (c->dialect < SMB2_DIALECT_300 || !c->keys.cipher_key_len)
			return nlt_seterr(e, NLT_EPROTO, "SMB2 tree connect to %s: the share requires encryption we cannot do",
					  c->peer);
		c->encrypt = 1;
	}
	if ((c->dialect == SMB2_DIALECT_300 || c->dialect == SMB2_DIALECT_302) && !c->validated) {
		if (c->n_pending)
			return nlt_seterr(e, NLT_EINTERNAL, "SMB2 validate negotiate with %s: requests in flight", c->peer);
		return validate_negotiate(c, e);
	}
	return 0;
}

/*
 * Wipe the pages of p[len] that are in memory: a page never touched holds nothing to wipe, and
 * touching all of both 256 KB buffers put half a megabyte on the command's peak RSS (issue 8's
 * <= 10 MB).  mincore() failing: wipe it all.
 */
static void wipe_resident(uint8_t *p, size_t len)
{
	long ps = sysconf(_SC_PAGESIZE);
	uintptr_t a, b;
	unsigned char vec[(SMB2C_BUF + SMB2_TRANSFORM_LEN + 4) / 4096 + 4];

	if (ps <= 0 || (size_t)ps > 65536) {
		wipe_memset(p, 0, len);
		return;
	}
	a = (uintptr_t)p & ~((uintptr_t)ps - 1);
	b = ((uintptr_t)p + len + (uintptr_t)ps - 1) & ~((uintptr_t)ps - 1);
	if ((b - a) / (uintptr_t)ps > sizeof(vec) || mincore((void *)a, b - a, vec) != 0) {
		wipe_memset(p, 0, len);
		return;
	}
	for (uintptr_t pg = a, i = 0; pg < b; pg += (uintptr_t)ps, i++) {
		uintptr_t lo = pg < (uintptr_t)p ? (uintptr_t)p : pg, hi = pg + (uintptr_t)ps;
		if (hi > (uintptr_t)p + len)
			hi = (uintptr_t)p + len;
		if (vec[i] & 1)
			wipe_memset((void *)lo, 0, hi - lo);
	}
}

void smb2c_free(struct smb2c *c)
{
	for (size_t i = 0; i < c->n_stash; i++) {
		wipe_memset(c->stash[i].msg, 0, c->stash[i].len);
		free(c->stash[i].msg);
	}
	c->n_stash = c->n_pending = 0;
	xp_close(&c->fd);
	smb2_keys_wipe(&c->keys);
	c->have_keys = 0;
	if (c->buf)
		wipe_resident(c->buf, SMB2C_BUF + 4);
	if (c->tmp)
		wipe_resident(c->tmp, SMB2C_BUF + SMB2_TRANSFORM_LEN + 4);
	free(c->buf);
	free(c->tmp);
	c->buf = c->tmp = NULL;
}

int smb2c_app_key(const struct smb2c *c, uint8_t out[16])
{
	if (!c->have_keys)
		return -1;
	/* smb2_derive_keys() puts the session key there for 2.0.2/2.1 */
	memcpy(out, c->keys.application, 16);
	return 0;
}

/* ---- files on a disk share (audit reads SYSVOL) ---- */

int smb2c_tree_connect_disk(struct smb2c *c, const char *share, struct nlt_err *e)
{
	struct smb2_tree_connect_rep tr;
	struct smb2_hdr h;
	struct wwr w;
	char path[300];
	size_t n;
	int len;

	if (!c->have_keys)
		return nlt_seterr(e, NLT_EINTERNAL, "SMB2 tree connect to %s: no session", c->peer);
	len = snprintf(path, sizeof(path), "\\\\%s\\%s", c->host, share);
	if (len < 0 || (size_t)len >= sizeof(path))
		return nlt_seterr(e, NLT_EINTERNAL, "SMB2 tree connect to %s: share name too long", c->peer);
	h = new_hdr(c, SMB2_TREE_CONNECT);
	h.tree_id = 0;
	wwr_init(&w, c->buf + 4, SMB2C_BUF);
	if (smb2_enc_tree_connect_req(&w, &h, path) != WIRE_OK)
		return nlt_seterr(e, NLT_EINTERNAL, "SMB2 tree connect %s to %s: cannot encode", share, c->peer);
	if (exchange1(c, wwr_len(&w), h.message_id, "tree connect", &n, e) < 0)
		return -1;
	if (smb2_dec_hdr(c->buf, n, &h) != WIRE_OK || h.command != SMB2_TREE_CONNECT)
		return nlt_seterr(e, NLT_EPROTO, "SMB2 tree connect %s to %s: malformed answer", share, c->peer);
	if (h.status != SMB2_STATUS_SUCCESS) {
		char op[80];
		snprintf(op, sizeof(op), "tree connect %.60s", share);
		return status_err(c, &h, op, e);
	}
	if (smb2_dec_tree_connect_rep(c->buf, n, &tr) != WIRE_OK)
		return nlt_seterr(e, NLT_EPROTO, "SMB2 tree connect %s to %s: malformed answer", share, c->peer);
	if (tr.share_type != SMB2_SHARE_TYPE_DISK)
		return nlt_seterr(e, NLT_EPROTO, "SMB2 tree connect %s to %s: not a disk share (type %u)", share, c->peer,
				  tr.share_type);
	/* the share's encryption and 3.0's negotiate validation, as for IPC$ */
	return smb2c_use_tree(c, h.tree_id, tr.share_flags, e);
}

/* One READ of at most want bytes at off into out; *got bytes came, *eof when the server said end of file. */
static int file_read_at(struct smb2c *c, const struct smb2_file_id *fid, const char *path, uint64_t off, uint32_t want,
			uint8_t *out, size_t *got, int *eof, struct nlt_err *e)
{
	struct smb2_read_req rq = { want, off, *fid, 0 };
	struct smb2_read_rep rr;
	struct smb2_hdr h;
	struct wwr w;
	size_t n;

	*got = 0;
	*eof = 0;
	h = new_hdr(c, SMB2_READ);
	wwr_init(&w, c->buf + 4, SMB2C_BUF);
	if (smb2_enc_read_req(&w, &h, &rq) != WIRE_OK)
		return nlt_seterr(e, NLT_EINTERNAL, "SMB2 read %s from %s: cannot encode", path, c->peer);
	if (exchange1(c, wwr_len(&w), h.message_id, "read", &n, e) < 0)
		return -1;
	if (smb2_dec_hdr(c->buf, n, &h) != WIRE_OK)
		return nlt_seterr(e, NLT_EPROTO, "SMB2 read %s from %s: malformed answer", path, c->peer);
	if (h.status == SMB2_STATUS_END_OF_FILE) {
		*eof = 1;
		return 0;
	}
	if (h.status != SMB2_STATUS_SUCCESS) {
		char op[300];
		snprintf(op, sizeof(op), "read %.250s", path);
		return status_err(c, &h, op, e);
	}
	if (smb2_dec_read_rep(c->buf, n, &rr) != WIRE_OK)
		return nlt_seterr(e, NLT_EPROTO, "SMB2 read %s from %s: malformed answer", path, c->peer);
	if (rr.len > want)
		return nlt_seterr(e, NLT_EPROTO, "SMB2 read %s from %s: %zu bytes for a read of %u", path, c->peer, rr.len,
				  want);
	if (rr.len)
		memcpy(out, rr.data, rr.len);
	*got = rr.len;
	c->n_reads++;
	return 0;
}

int smb2c_read_file(struct smb2c *c, const char *path, uint8_t *out, size_t cap, size_t *out_len, struct nlt_err *e)
{
	struct smb2_create_req cr;
	struct smb2_create_rep crr;
	struct smb2_hdr h;
	struct wwr w;
	size_t n, off = 0;
	int rc = 0;

	*out_len = 0;
	if (!c->have_keys || !c->tree_id)
		return nlt_seterr(e, NLT_EINTERNAL, "SMB2 open %s on %s: no tree connected", path, c->peer);
	if (cap > SMB2C_FILE_MAX)
		cap = SMB2C_FILE_MAX;
	smb2_create_req_file_read(&cr, path);
	h = new_hdr(c, SMB2_CREATE);
	wwr_init(&w, c->buf + 4, SMB2C_BUF);
	if (smb2_enc_create_req(&w, &h, &cr) != WIRE_OK)
		return nlt_seterr(e, NLT_EINTERNAL, "SMB2 open %s on %s: cannot encode", path, c->peer);
	if (exchange1(c, wwr_len(&w), h.message_id, "create", &n, e) < 0)
		return -1;
	if (smb2_dec_hdr(c->buf, n, &h) != WIRE_OK || h.command != SMB2_CREATE)
		return nlt_seterr(e, NLT_EPROTO, "SMB2 open %s on %s: malformed answer", path, c->peer);
	if (h.status == SMB2_STATUS_OBJECT_NAME_NOT_FOUND || h.status == SMB2_STATUS_OBJECT_PATH_NOT_FOUND) {
		c->last_status = h.status;
		nlt_seterr(e, NLT_EPROTO, "SMB2 open %s on %s: no such %s (NTSTATUS 0x%08x, %s)", path, c->peer,
			   h.status == SMB2_STATUS_OBJECT_NAME_NOT_FOUND ? "file" : "folder", h.status,
			   h.status == SMB2_STATUS_OBJECT_NAME_NOT_FOUND ? "STATUS_OBJECT_NAME_NOT_FOUND"
									   : "STATUS_OBJECT_PATH_NOT_FOUND");
		return 1;
	}
	if (h.status != SMB2_STATUS_SUCCESS) {
		char op[300];
		snprintf(op, sizeof(op), "open %.250s", path);
		return status_err(c, &h, op, e);
	}
	if (smb2_dec_create_rep(c->buf, n, &crr) != WIRE_OK)
		return nlt_seterr(e, NLT_EPROTO, "SMB2 open %s on %s: malformed answer", path, c->peer);
	if (crr.end_of_file > cap) {
		rc = nlt_seterr(e, NLT_EPROTO, "SMB2 read %s on %s: the file is %llu bytes, more than the %zu-byte limit", path,
				c->peer, (unsigned long long)crr.end_of_file, cap);
	} else {
		/* read up to the size the open reported; a file that grows meanwhile is read to that size */
		while (off < crr.end_of_file) {
			size_t got, left = (size_t)crr.end_of_file - off;
			uint32_t want = (uint32_t)(left < c->max_io ? left : c->max_io);
			int eof;
			if (file_read_at(c, &crr.file_id, path, off, want, out + off, &got, &eof, e) < 0) {
				rc = -1;
				break;
			}
			if (eof || got == 0) {
				/* it shrank while we read: a part is not the file (a GPO's settings sit near its end) */
				rc = nlt_seterr(e, NLT_EPROTO, "SMB2 read %s on %s: the file ended at %zu of the %llu bytes its "
						"open reported (it changed while read)", path, c->peer, off,
						(unsigned long long)crr.end_of_file);
				break;
			}
			off += got;
		}
	}
	*out_len = rc == 0 ? off : 0;
	{
		struct nlt_err ce;
		nlt_clearerr(&ce);
		if (smb2c_close_file(c, &crr.file_id, rc == 0 ? e : &ce) < 0 && rc == 0)
			rc = -1, *out_len = 0;
	}
	return rc;
}
