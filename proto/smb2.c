/*
 * proto/smb2.c - SMB2/3 messages (MS-SMB2 2.2).  See smb2.h.
 */
#include "smb2.h"

#include <string.h>

#include "nrpc_crypto.h" /* nrpc_utf8_to_utf16le() */

const struct smb2_file_id smb2_file_id_related = { UINT64_MAX, UINT64_MAX };

static const uint8_t smb2_magic[4] = { 0xfe, 'S', 'M', 'B' };
static const uint8_t transform_magic[4] = { 0xfd, 'S', 'M', 'B' };

const char *smb2_cmd_name(uint16_t cmd)
{
	switch (cmd) {
	case SMB2_NEGOTIATE: return "negotiate";
	case SMB2_SESSION_SETUP: return "session_setup";
	case SMB2_LOGOFF: return "logoff";
	case SMB2_TREE_CONNECT: return "tree_connect";
	case SMB2_TREE_DISCONNECT: return "tree_disconnect";
	case SMB2_CREATE: return "create";
	case SMB2_CLOSE: return "close";
	case SMB2_READ: return "read";
	case SMB2_WRITE: return "write";
	case SMB2_IOCTL: return "ioctl";
	case SMB2_CANCEL: return "cancel";
	case SMB2_ECHO: return "echo";
	default: return "unknown";
	}
}

/* ---- header ---- */

void smb2_put_hdr(struct wwr *w, const struct smb2_hdr *h)
{
	wwr_bytes(w, smb2_magic, 4);
	wwr_u16le(w, SMB2_HDR_LEN);
	wwr_u16le(w, h->credit_charge);
	wwr_u32le(w, h->status);
	wwr_u16le(w, h->command);
	wwr_u16le(w, h->credits);
	wwr_u32le(w, h->flags);
	wwr_u32le(w, h->next_command);
	wwr_u64le(w, h->message_id);
	if (h->flags & SMB2_FLAGS_ASYNC_COMMAND) {
		wwr_u64le(w, h->async_id);
	} else {
		wwr_u32le(w, h->process_id);
		wwr_u32le(w, h->tree_id);
	}
	wwr_u64le(w, h->session_id);
	wwr_bytes(w, h->signature, SMB2_SIG_LEN);
}

int smb2_dec_hdr(const uint8_t *msg, size_t len, struct smb2_hdr *h)
{
	struct wrd r;

	memset(h, 0, sizeof(*h));
	if (len < SMB2_HDR_LEN)
		return WIRE_ETRUNC;
	if (memcmp(msg, smb2_magic, 4) != 0 || ld_u16le(msg + 4) != SMB2_HDR_LEN)
		return WIRE_EBAD;
	wrd_init(&r, msg, SMB2_HDR_LEN);
	wrd_skip(&r, 6);
	h->credit_charge = wrd_u16le(&r);
	h->status = wrd_u32le(&r);
	h->command = wrd_u16le(&r);
	h->credits = wrd_u16le(&r);
	h->flags = wrd_u32le(&r);
	h->next_command = wrd_u32le(&r);
	h->message_id = wrd_u64le(&r);
	if (h->flags & SMB2_FLAGS_ASYNC_COMMAND) {
		h->async_id = wrd_u64le(&r);
	} else {
		h->process_id = wrd_u32le(&r);
		h->tree_id = wrd_u32le(&r);
	}
	h->session_id = wrd_u64le(&r);
	wrd_bytes(&r, h->signature, SMB2_SIG_LEN);
	return wrd_finish(&r);
}

int smb2_is_interim(const struct smb2_hdr *h)
{
	return (h->flags & SMB2_FLAGS_ASYNC_COMMAND) && h->status == SMB2_STATUS_PENDING;
}

void smb2_chain_link(struct wwr *w, size_t msg_start)
{
	if (w->err)
		return;
	if (msg_start + SMB2_HDR_LEN > wwr_len(w)) {
		w->err = WIRE_EBAD;
		return;
	}
	/* alignment counts from the start of the chain's first message: callers
	 * start chains at offset 0 of their buffer (the framing is separate) */
	wwr_align(w, 8);
	if (w->err)
		return;
	if (wwr_len(w) - msg_start > UINT32_MAX) {
		w->err = WIRE_ELIMIT;
		return;
	}
	wwr_put_u32le_at(w, msg_start + 20, (uint32_t)(wwr_len(w) - msg_start));
}

int smb2_chain_next(const uint8_t *buf, size_t len, size_t *msg_len, int *more)
{
	uint32_t next;

	*msg_len = 0;
	*more = 0;
	if (len < SMB2_HDR_LEN)
		return WIRE_ETRUNC;
	if (memcmp(buf, smb2_magic, 4) != 0)
		return WIRE_EBAD;
	next = ld_u32le(buf + 20);
	if (next == 0) {
		*msg_len = len;
		return WIRE_OK;
	}
	if (next % 8 != 0 || next < SMB2_HDR_LEN + 2)
		return WIRE_EBAD;
	if (next > len || len - next < SMB2_HDR_LEN)
		return WIRE_ETRUNC;
	*msg_len = next;
	*more = 1;
	return WIRE_OK;
}

/* ---- helpers ---- */

/* The body starts after the header; its StructureSize must be `size`
 * (the fixed part plus one byte when the structure has a variable buffer). */
static int body_start(struct wrd *r, const uint8_t *msg, size_t len, uint16_t size)
{
	struct smb2_hdr h;
	int err = smb2_dec_hdr(msg, len, &h);

	if (err)
		return err;
	wrd_init(r, msg, len);
	wrd_seek(r, SMB2_HDR_LEN);
	if (wrd_u16le(r) != size)
		return wrd_err(r) ? wrd_err(r) : WIRE_EBAD;
	return wrd_err(r);
}

/*
 * A buffer given by (offset from the header, length): empty is NULL/0;
 * otherwise it must begin at or after `min_off` (the end of the fixed
 * part) and lie inside the message.
 */
static int get_buf(const uint8_t *msg, size_t len, uint64_t off, uint64_t blen, size_t min_off,
		   const uint8_t **out, size_t *out_len)
{
	*out = NULL;
	*out_len = 0;
	if (blen == 0)
		return WIRE_OK;
	if (off < min_off)
		return WIRE_EBAD;
	if (off > len || blen > len - off)
		return WIRE_ETRUNC;
	*out = msg + off;
	*out_len = (size_t)blen;
	return WIRE_OK;
}

static size_t hdr_begin(struct wwr *w, const struct smb2_hdr *h)
{
	size_t start = wwr_len(w);

	smb2_put_hdr(w, h);
	return start;
}

/* UTF-8 -> UTF-16LE straight into the writer; returns the byte count. */
static size_t put_utf16(struct wwr *w, const char *s)
{
	size_t n = 0;
	int err;

	if (w->err)
		return 0;
	err = nrpc_utf8_to_utf16le(s, strlen(s), w->buf + w->len, w->cap - w->len, &n);
	if (err) {
		w->err = err;
		return 0;
	}
	w->len += n;
	return n;
}

static void put_file_id(struct wwr *w, const struct smb2_file_id *f)
{
	wwr_u64le(w, f->persistent);
	wwr_u64le(w, f->volatile_);
}

static void get_file_id(struct wrd *r, struct smb2_file_id *f)
{
	f->persistent = wrd_u64le(r);
	f->volatile_ = wrd_u64le(r);
}

/* ---- NEGOTIATE ---- */

static int has_dialect(const struct smb2_negotiate_req *req, uint16_t d)
{
	for (size_t i = 0; i < req->n_dialects; i++)
		if (req->dialects[i] == d)
			return 1;
	return 0;
}

/* one negotiate context: header, data written by the caller, length patched */
static size_t ctx_begin(struct wwr *w, uint16_t type)
{
	size_t off;

	wwr_align(w, 8);
	wwr_u16le(w, type);
	off = wwr_reserve(w, 2);
	wwr_u32le(w, 0);
	return off;
}

static void ctx_end(struct wwr *w, size_t len_off)
{
	if (w->err)
		return;
	wwr_put_u16le_at(w, len_off, (uint16_t)(wwr_len(w) - len_off - 6));
}

int smb2_enc_negotiate_req(struct wwr *w, const struct smb2_hdr *h, const struct smb2_negotiate_req *req)
{
	size_t hs, ctx_off_at, n_ctx = 0;
	int v311;

	if (w->err)
		return w->err;
	if (req->n_dialects < 1 || req->n_dialects > SMB2_MAX_DIALECTS || req->n_ciphers > SMB2_MAX_CIPHERS ||
	    req->n_sign_algs > SMB2_MAX_SIGN_ALGS)
		return w->err = WIRE_ELIMIT;
	if (wwr_len(w) % 8)
		return w->err = WIRE_EBAD; /* contexts are 8-aligned from the header */
	v311 = has_dialect(req, SMB2_DIALECT_311);
	hs = hdr_begin(w, h);
	wwr_u16le(w, 36);
	wwr_u16le(w, (uint16_t)req->n_dialects);
	wwr_u16le(w, req->security_mode);
	wwr_u16le(w, 0);
	wwr_u32le(w, req->capabilities);
	wwr_bytes(w, req->client_guid, SMB2_GUID_LEN);
	ctx_off_at = wwr_reserve(w, 4); /* NegotiateContextOffset, Count, Reserved2 */
	wwr_u16le(w, 0);
	wwr_u16le(w, 0);
	for (size_t i = 0; i < req->n_dialects; i++)
		wwr_u16le(w, req->dialects[i]);
	if (v311) {
		size_t l;

		wwr_align(w, 8);
		if (!w->err)
			wwr_put_u32le_at(w, ctx_off_at, (uint32_t)(wwr_len(w) - hs));
		l = ctx_begin(w, SMB2_PREAUTH_INTEGRITY_CAPABILITIES);
		wwr_u16le(w, 1);
		wwr_u16le(w, SMB2_PREAUTH_SALT_LEN);
		wwr_u16le(w, SMB2_PREAUTH_SHA512);
		wwr_bytes(w, req->salt, SMB2_PREAUTH_SALT_LEN);
		ctx_end(w, l);
		n_ctx++;
		if (req->n_ciphers) {
			l = ctx_begin(w, SMB2_ENCRYPTION_CAPABILITIES);
			wwr_u16le(w, (uint16_t)req->n_ciphers);
			for (size_t i = 0; i < req->n_ciphers; i++)
				wwr_u16le(w, req->ciphers[i]);
			ctx_end(w, l);
			n_ctx++;
		}
		if (req->n_sign_algs) {
			l = ctx_begin(w, SMB2_SIGNING_CAPABILITIES);
			wwr_u16le(w, (uint16_t)req->n_sign_algs);
			for (size_t i = 0; i < req->n_sign_algs; i++)
				wwr_u16le(w, req->sign_algs[i]);
			ctx_end(w, l);
			n_ctx++;
		}
		if (!w->err)
			wwr_put_u16le_at(w, ctx_off_at + 4, (uint16_t)n_ctx);
	}
	return w->err;
}

/* One-id context data (response form): count 1, then the id. */
static int ctx_one_id(const uint8_t *d, size_t dlen, uint16_t *id)
{
	struct wrd r;

	wrd_init(&r, d, dlen);
	if (wrd_u16le(&r) != 1)
		return wrd_err(&r) ? wrd_err(&r) : WIRE_EBAD;
	*id = wrd_u16le(&r);
	return wrd_err(&r); /* trailing bytes tolerated, as the spec allows padding */
}

static int dec_contexts(const uint8_t *msg, size_t len, uint64_t off, uint16_t count, struct smb2_negotiate_rep *rep)
{
	struct wrd r;

	if (count == 0)
		return WIRE_EBAD; /* 3.1.1 requires the preauth context */
	if (count > SMB2_MAX_CONTEXTS)
		return WIRE_ELIMIT;
	if (off % 8 != 0 || off < SMB2_HDR_LEN + 64)
		return WIRE_EBAD;
	if (off > len)
		return WIRE_ETRUNC;
	wrd_init(&r, msg, len);
	wrd_seek(&r, (size_t)off);
	if (!wrd_check_count(&r, count, 8, SMB2_MAX_CONTEXTS))
		return wrd_err(&r);
	for (uint16_t i = 0; i < count; i++) {
		uint16_t type, dlen;
		const uint8_t *d;

		if (i > 0)
			wrd_align(&r, 8);
		type = wrd_u16le(&r);
		dlen = wrd_u16le(&r);
		wrd_skip(&r, 4);
		d = wrd_ptr(&r, dlen);
		if (wrd_err(&r))
			return wrd_err(&r);
		switch (type) {
		case SMB2_PREAUTH_INTEGRITY_CAPABILITIES: {
			struct wrd c;
			uint16_t n, slen;

			if (rep->has_preauth)
				return WIRE_EBAD;
			wrd_init(&c, d, dlen);
			n = wrd_u16le(&c);
			slen = wrd_u16le(&c);
			if (wrd_err(&c))
				return wrd_err(&c);
			if (n != 1)
				return WIRE_EBAD;
			if (slen > SMB2_MAX_SALT)
				return WIRE_ELIMIT;
			rep->preauth_alg = wrd_u16le(&c);
			rep->salt = wrd_ptr(&c, slen);
			if (wrd_err(&c))
				return wrd_err(&c);
			if (!slen)
				rep->salt = NULL;
			rep->salt_len = slen;
			rep->has_preauth = 1;
			break;
		}
		case SMB2_ENCRYPTION_CAPABILITIES:
			if (rep->has_cipher)
				return WIRE_EBAD;
			if (ctx_one_id(d, dlen, &rep->cipher))
				return WIRE_EBAD;
			rep->has_cipher = 1;
			break;
		case SMB2_SIGNING_CAPABILITIES:
			if (rep->has_sign_alg)
				return WIRE_EBAD;
			if (ctx_one_id(d, dlen, &rep->sign_alg))
				return WIRE_EBAD;
			rep->has_sign_alg = 1;
			break;
		default:
			break; /* compression, netname, transport, RDMA: not ours */
		}
	}
	if (!rep->has_preauth)
		return WIRE_EBAD;
	rep->n_contexts = count;
	return WIRE_OK;
}

int smb2_dec_negotiate_rep(const uint8_t *msg, size_t len, struct smb2_negotiate_rep *rep)
{
	struct wrd r;
	uint16_t n_ctx, sec_off, sec_len;
	uint32_t ctx_off;
	int err;

	memset(rep, 0, sizeof(*rep));
	if ((err = body_start(&r, msg, len, 65)))
		return err;
	rep->security_mode = wrd_u16le(&r);
	rep->dialect = wrd_u16le(&r);
	n_ctx = wrd_u16le(&r);
	wrd_bytes(&r, rep->server_guid, SMB2_GUID_LEN);
	rep->capabilities = wrd_u32le(&r);
	rep->max_transact = wrd_u32le(&r);
	rep->max_read = wrd_u32le(&r);
	rep->max_write = wrd_u32le(&r);
	rep->system_time = wrd_u64le(&r);
	rep->server_start_time = wrd_u64le(&r);
	sec_off = wrd_u16le(&r);
	sec_len = wrd_u16le(&r);
	ctx_off = wrd_u32le(&r);
	if (wrd_err(&r))
		return wrd_err(&r);
	switch (rep->dialect) {
	case SMB2_DIALECT_202: case SMB2_DIALECT_210: case SMB2_DIALECT_300: case SMB2_DIALECT_302:
	case SMB2_DIALECT_311:
		break;
	default:
		return WIRE_EBAD; /* includes the 0x02ff wildcard, an SMB1-only answer */
	}
	if ((err = get_buf(msg, len, sec_off, sec_len, SMB2_HDR_LEN + 64, &rep->sec_buf, &rep->sec_len)))
		return err;
	if (rep->dialect == SMB2_DIALECT_311)
		return dec_contexts(msg, len, ctx_off, n_ctx, rep);
	return WIRE_OK;
}

/* ---- SESSION_SETUP, LOGOFF, TREE_DISCONNECT, ECHO ---- */

int smb2_enc_session_setup_req(struct wwr *w, const struct smb2_hdr *h, const struct smb2_session_setup_req *req)
{
	size_t hs;

	if (w->err)
		return w->err;
	if (req->sec_len > 0xffff - (SMB2_HDR_LEN + 24))
		return w->err = WIRE_ELIMIT;
	hs = hdr_begin(w, h);
	wwr_u16le(w, 25);
	wwr_u8(w, req->flags);
	wwr_u8(w, req->security_mode);
	wwr_u32le(w, req->capabilities);
	wwr_u32le(w, 0); /* Channel */
	wwr_u16le(w, req->sec_len ? (uint16_t)(wwr_len(w) + 12 - hs) : 0);
	wwr_u16le(w, (uint16_t)req->sec_len);
	wwr_u64le(w, req->previous_session_id);
	if (req->sec_len)
		wwr_bytes(w, req->sec_buf, req->sec_len);
	else
		wwr_u8(w, 0); /* the variable part is at least one byte */
	return w->err;
}

int smb2_dec_session_setup_rep(const uint8_t *msg, size_t len, struct smb2_session_setup_rep *rep)
{
	struct wrd r;
	uint16_t off, blen;
	int err;

	memset(rep, 0, sizeof(*rep));
	if ((err = body_start(&r, msg, len, 9)))
		return err;
	rep->session_flags = wrd_u16le(&r);
	off = wrd_u16le(&r);
	blen = wrd_u16le(&r);
	if (wrd_err(&r))
		return wrd_err(&r);
	return get_buf(msg, len, off, blen, SMB2_HDR_LEN + 8, &rep->sec_buf, &rep->sec_len);
}

int smb2_enc_simple_req(struct wwr *w, const struct smb2_hdr *h)
{
	if (w->err)
		return w->err;
	if (h->command != SMB2_LOGOFF && h->command != SMB2_TREE_DISCONNECT && h->command != SMB2_ECHO &&
	    h->command != SMB2_CANCEL)
		return w->err = WIRE_EBAD;
	hdr_begin(w, h);
	wwr_u16le(w, 4);
	wwr_u16le(w, 0);
	return w->err;
}

int smb2_dec_simple_rep(const uint8_t *msg, size_t len)
{
	struct wrd r;
	int err;

	if ((err = body_start(&r, msg, len, 4)))
		return err;
	wrd_skip(&r, 2); /* Reserved */
	return wrd_err(&r);
}

/* ---- TREE_CONNECT ---- */

int smb2_enc_tree_connect_req(struct wwr *w, const struct smb2_hdr *h, const char *path)
{
	size_t hs, at, n;

	if (w->err)
		return w->err;
	hs = hdr_begin(w, h);
	wwr_u16le(w, 9);
	wwr_u16le(w, 0); /* Flags (3.1.1) / Reserved */
	at = wwr_reserve(w, 4);
	n = put_utf16(w, path);
	if (w->err)
		return w->err;
	if (n == 0 || n > 0xffff)
		return w->err = n ? WIRE_ELIMIT : WIRE_EBAD;
	wwr_put_u16le_at(w, at, (uint16_t)(at + 4 - hs));
	wwr_put_u16le_at(w, at + 2, (uint16_t)n);
	return w->err;
}

int smb2_dec_tree_connect_rep(const uint8_t *msg, size_t len, struct smb2_tree_connect_rep *rep)
{
	struct wrd r;
	int err;

	memset(rep, 0, sizeof(*rep));
	if ((err = body_start(&r, msg, len, 16)))
		return err;
	rep->share_type = wrd_u8(&r);
	wrd_skip(&r, 1);
	rep->share_flags = wrd_u32le(&r);
	rep->capabilities = wrd_u32le(&r);
	rep->maximal_access = wrd_u32le(&r);
	if (wrd_err(&r))
		return wrd_err(&r);
	if (rep->share_type < SMB2_SHARE_TYPE_DISK || rep->share_type > SMB2_SHARE_TYPE_PRINT)
		return WIRE_EBAD;
	return WIRE_OK;
}

/* ---- CREATE, CLOSE ---- */

void smb2_create_req_pipe(struct smb2_create_req *req, const char *pipe)
{
	memset(req, 0, sizeof(*req));
	req->impersonation_level = SMB2_IMPERSONATION_IMPERSONATION;
	req->desired_access = SMB2_PIPE_ACCESS;
	req->share_access = SMB2_FILE_SHARE_READ | SMB2_FILE_SHARE_WRITE;
	req->create_disposition = SMB2_FILE_OPEN;
	req->create_options = SMB2_FILE_NON_DIRECTORY_FILE;
	req->name = pipe;
}

int smb2_enc_create_req(struct wwr *w, const struct smb2_hdr *h, const struct smb2_create_req *req)
{
	size_t at, n;

	if (w->err)
		return w->err;
	hdr_begin(w, h);
	wwr_u16le(w, 57);
	wwr_u8(w, 0); /* SecurityFlags */
	wwr_u8(w, req->oplock_level);
	wwr_u32le(w, req->impersonation_level);
	wwr_u64le(w, 0); /* SmbCreateFlags */
	wwr_u64le(w, 0); /* Reserved */
	wwr_u32le(w, req->desired_access);
	wwr_u32le(w, req->file_attributes);
	wwr_u32le(w, req->share_access);
	wwr_u32le(w, req->create_disposition);
	wwr_u32le(w, req->create_options);
	at = wwr_reserve(w, 4);  /* NameOffset, NameLength */
	wwr_u32le(w, 0);         /* CreateContextsOffset */
	wwr_u32le(w, 0);         /* CreateContextsLength */
	n = put_utf16(w, req->name ? req->name : "");
	if (w->err)
		return w->err;
	if (n > 0xffff)
		return w->err = WIRE_ELIMIT;
	if (n == 0)
		wwr_u8(w, 0); /* an empty name still has its one byte of buffer */
	wwr_put_u16le_at(w, at, SMB2_HDR_LEN + 56);
	wwr_put_u16le_at(w, at + 2, (uint16_t)n);
	return w->err;
}

int smb2_dec_create_rep(const uint8_t *msg, size_t len, struct smb2_create_rep *rep)
{
	struct wrd r;
	uint32_t cc_off, cc_len;
	const uint8_t *cc;
	size_t cc_n;
	int err;

	memset(rep, 0, sizeof(*rep));
	if ((err = body_start(&r, msg, len, 89)))
		return err;
	rep->oplock_level = wrd_u8(&r);
	rep->flags = wrd_u8(&r);
	rep->create_action = wrd_u32le(&r);
	wrd_skip(&r, 32); /* four times */
	wrd_skip(&r, 8);  /* AllocationSize */
	rep->end_of_file = wrd_u64le(&r);
	rep->file_attributes = wrd_u32le(&r);
	wrd_skip(&r, 4);
	get_file_id(&r, &rep->file_id);
	cc_off = wrd_u32le(&r);
	cc_len = wrd_u32le(&r);
	if (wrd_err(&r))
		return wrd_err(&r);
	/* create contexts are not used; only their bounds are checked */
	return get_buf(msg, len, cc_off, cc_len, SMB2_HDR_LEN + 88, &cc, &cc_n);
}

int smb2_enc_close_req(struct wwr *w, const struct smb2_hdr *h, const struct smb2_file_id *fid)
{
	if (w->err)
		return w->err;
	hdr_begin(w, h);
	wwr_u16le(w, 24);
	wwr_u16le(w, 0); /* Flags: no POSTQUERY_ATTRIB */
	wwr_u32le(w, 0);
	put_file_id(w, fid);
	return w->err;
}

int smb2_dec_close_rep(const uint8_t *msg, size_t len)
{
	struct wrd r;
	int err;

	if ((err = body_start(&r, msg, len, 60)))
		return err;
	wrd_skip(&r, 58);
	return wrd_err(&r);
}

/* ---- READ, WRITE ---- */

int smb2_enc_read_req(struct wwr *w, const struct smb2_hdr *h, const struct smb2_read_req *req)
{
	if (w->err)
		return w->err;
	hdr_begin(w, h);
	wwr_u16le(w, 49);
	wwr_u8(w, 0x50); /* Padding: where we would like the data (header + 16) */
	wwr_u8(w, 0);    /* Flags */
	wwr_u32le(w, req->length);
	wwr_u64le(w, req->offset);
	put_file_id(w, &req->file_id);
	wwr_u32le(w, req->minimum_count);
	wwr_u32le(w, 0); /* Channel */
	wwr_u32le(w, 0); /* RemainingBytes */
	wwr_u16le(w, 0); /* ReadChannelInfoOffset */
	wwr_u16le(w, 0); /* ReadChannelInfoLength */
	wwr_u8(w, 0);    /* Buffer: one byte */
	return w->err;
}

int smb2_dec_read_rep(const uint8_t *msg, size_t len, struct smb2_read_rep *rep)
{
	struct wrd r;
	uint8_t off;
	uint32_t dlen;
	int err;

	memset(rep, 0, sizeof(*rep));
	if ((err = body_start(&r, msg, len, 17)))
		return err;
	off = wrd_u8(&r);
	wrd_skip(&r, 1);
	dlen = wrd_u32le(&r);
	rep->remaining = wrd_u32le(&r);
	wrd_skip(&r, 4);
	if (wrd_err(&r))
		return wrd_err(&r);
	return get_buf(msg, len, off, dlen, SMB2_HDR_LEN + 16, &rep->data, &rep->len);
}

int smb2_enc_write_req(struct wwr *w, const struct smb2_hdr *h, const struct smb2_write_req *req)
{
	if (w->err)
		return w->err;
	if (req->len > UINT32_MAX)
		return w->err = WIRE_ELIMIT;
	hdr_begin(w, h);
	wwr_u16le(w, 49);
	wwr_u16le(w, SMB2_HDR_LEN + 48); /* DataOffset: right after the fixed part */
	wwr_u32le(w, (uint32_t)req->len);
	wwr_u64le(w, req->offset);
	put_file_id(w, &req->file_id);
	wwr_u32le(w, 0); /* Channel */
	wwr_u32le(w, 0); /* RemainingBytes */
	wwr_u16le(w, req->channel_info_offset);
	wwr_u16le(w, 0); /* WriteChannelInfoLength */
	wwr_u32le(w, req->flags);
	if (req->len)
		wwr_bytes(w, req->data, req->len);
	else
		wwr_u8(w, 0);
	return w->err;
}

int smb2_dec_write_rep(const uint8_t *msg, size_t len, struct smb2_write_rep *rep)
{
	struct wrd r;
	int err;

	memset(rep, 0, sizeof(*rep));
	if ((err = body_start(&r, msg, len, 17)))
		return err;
	wrd_skip(&r, 2);
	rep->count = wrd_u32le(&r);
	rep->remaining = wrd_u32le(&r);
	wrd_skip(&r, 4); /* WriteChannelInfoOffset/Length */
	return wrd_err(&r);
}

/* ---- IOCTL ---- */

int smb2_enc_ioctl_req(struct wwr *w, const struct smb2_hdr *h, const struct smb2_ioctl_req *req)
{
	if (w->err)
		return w->err;
	if (req->input_len > UINT32_MAX - (SMB2_HDR_LEN + 56))
		return w->err = WIRE_ELIMIT;
	hdr_begin(w, h);
	wwr_u16le(w, 57);
	wwr_u16le(w, 0);
	wwr_u32le(w, req->ctl_code);
	put_file_id(w, &req->file_id);
	/* InputOffset: right after the fixed part (MS-SMB2 allows 0 when empty;
	 * Windows and Samba send the offset anyway) */
	wwr_u32le(w, SMB2_HDR_LEN + 56);
	wwr_u32le(w, (uint32_t)req->input_len);
	wwr_u32le(w, req->max_input_response);
	wwr_u32le(w, 0); /* OutputOffset */
	wwr_u32le(w, 0); /* OutputCount */
	wwr_u32le(w, req->max_output_response);
	wwr_u32le(w, req->flags);
	wwr_u32le(w, 0);
	if (req->input_len)
		wwr_bytes(w, req->input, req->input_len);
	return w->err;
}

int smb2_dec_ioctl_rep(const uint8_t *msg, size_t len, struct smb2_ioctl_rep *rep)
{
	struct wrd r;
	uint32_t in_off, in_n, out_off, out_n;
	const uint8_t *in;
	size_t in_len;
	int err;

	memset(rep, 0, sizeof(*rep));
	if ((err = body_start(&r, msg, len, 49)))
		return err;
	wrd_skip(&r, 2);
	rep->ctl_code = wrd_u32le(&r);
	get_file_id(&r, &rep->file_id);
	in_off = wrd_u32le(&r);
	in_n = wrd_u32le(&r);
	out_off = wrd_u32le(&r);
	out_n = wrd_u32le(&r);
	rep->flags = wrd_u32le(&r);
	wrd_skip(&r, 4);
	if (wrd_err(&r))
		return wrd_err(&r);
	if ((err = get_buf(msg, len, in_off, in_n, SMB2_HDR_LEN + 48, &in, &in_len)))
		return err;
	return get_buf(msg, len, out_off, out_n, SMB2_HDR_LEN + 48, &rep->output, &rep->output_len);
}

/* ---- FSCTL_VALIDATE_NEGOTIATE_INFO ---- */

int smb2_enc_validate_negotiate_in(struct wwr *w, const struct smb2_negotiate_req *req)
{
	if (w->err)
		return w->err;
	if (req->n_dialects < 1 || req->n_dialects > SMB2_MAX_DIALECTS)
		return w->err = WIRE_ELIMIT;
	wwr_u32le(w, req->capabilities);
	wwr_bytes(w, req->client_guid, SMB2_GUID_LEN);
	wwr_u16le(w, req->security_mode);
	wwr_u16le(w, (uint16_t)req->n_dialects);
	for (size_t i = 0; i < req->n_dialects; i++)
		wwr_u16le(w, req->dialects[i]);
	return w->err;
}

int smb2_dec_validate_negotiate_out(const uint8_t *buf, size_t len, struct smb2_validate_negotiate *v)
{
	struct wrd r;

	memset(v, 0, sizeof(*v));
	wrd_init(&r, buf, len);
	v->capabilities = wrd_u32le(&r);
	wrd_bytes(&r, v->guid, SMB2_GUID_LEN);
	v->security_mode = wrd_u16le(&r);
	v->dialect = wrd_u16le(&r);
	return wrd_finish(&r);
}

/* ---- ERROR ---- */

int smb2_dec_error_rep(const uint8_t *msg, size_t len, struct smb2_error_rep *rep)
{
	struct wrd r;
	uint32_t n;
	int err;

	memset(rep, 0, sizeof(*rep));
	if ((err = body_start(&r, msg, len, 9)))
		return err;
	rep->context_count = wrd_u8(&r);
	wrd_skip(&r, 1);
	n = wrd_u32le(&r);
	if (wrd_err(&r))
		return wrd_err(&r);
	/* ErrorData: ByteCount bytes (at least one byte is sent when 0; we
	 * tolerate its absence, as Samba's and Windows' clients do) */
	if (n) {
		rep->data = wrd_ptr(&r, n);
		rep->len = n;
		if (wrd_err(&r)) {
			rep->data = NULL;
			rep->len = 0;
			return wrd_err(&r);
		}
	}
	return WIRE_OK;
}

/* ---- TRANSFORM ---- */

void smb2_put_transform(struct wwr *w, const struct smb2_transform *t)
{
	wwr_bytes(w, transform_magic, 4);
	wwr_bytes(w, t->signature, 16);
	wwr_bytes(w, t->nonce, 16);
	wwr_u32le(w, t->original_size);
	wwr_u16le(w, 0);
	wwr_u16le(w, t->flags);
	wwr_u64le(w, t->session_id);
}

int smb2_dec_transform(const uint8_t *buf, size_t len, struct smb2_transform *t)
{
	struct wrd r;

	memset(t, 0, sizeof(*t));
	if (len < SMB2_TRANSFORM_LEN)
		return WIRE_ETRUNC;
	if (memcmp(buf, transform_magic, 4) != 0)
		return WIRE_EBAD;
	wrd_init(&r, buf, SMB2_TRANSFORM_LEN);
	wrd_skip(&r, 4);
	wrd_bytes(&r, t->signature, 16);
	wrd_bytes(&r, t->nonce, 16);
	t->original_size = wrd_u32le(&r);
	wrd_skip(&r, 2);
	t->flags = wrd_u16le(&r);
	t->session_id = wrd_u64le(&r);
	if (wrd_finish(&r))
		return WIRE_ETRUNC;
	if (t->flags != SMB2_TRANSFORM_FLAG_ENCRYPTED)
		return WIRE_EBAD;
	if (t->original_size != len - SMB2_TRANSFORM_LEN)
		return t->original_size > len - SMB2_TRANSFORM_LEN ? WIRE_ETRUNC : WIRE_ETRAILING;
	if (t->original_size < SMB2_HDR_LEN)
		return WIRE_EBAD;
	return WIRE_OK;
}

/* ---- direct TCP ---- */

int smb2_put_direct_tcp(uint8_t out[4], size_t len)
{
	if (len > SMB2_DIRECT_TCP_MAX)
		return WIRE_ELIMIT;
	out[0] = 0;
	out[1] = (uint8_t)(len >> 16);
	out[2] = (uint8_t)(len >> 8);
	out[3] = (uint8_t)len;
	return WIRE_OK;
}

int smb2_dec_direct_tcp(const uint8_t in[4], size_t *len)
{
	*len = 0;
	if (in[0] != 0)
		return WIRE_EBAD;
	*len = ((size_t)in[1] << 16) | ((size_t)in[2] << 8) | in[3];
	return WIRE_OK;
}

void smb2_create_req_file_read(struct smb2_create_req *req, const char *path)
{
	memset(req, 0, sizeof(*req));
	req->impersonation_level = SMB2_IMPERSONATION_IMPERSONATION;
	req->desired_access = SMB2_FILE_READ_DATA | SMB2_FILE_READ_ATTRIBUTES;
	req->share_access = SMB2_FILE_SHARE_READ;
	req->create_disposition = SMB2_FILE_OPEN;
	req->create_options = SMB2_FILE_NON_DIRECTORY_FILE;
	req->name = path;
}
