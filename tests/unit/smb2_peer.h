/*
 * tests/unit/smb2_peer.h - the plumbing of a scripted SMB2 peer on loopback TCP, shared by
 * test_smb2_hostile.c and test_smb2_file.c: framing, decryption of a transformed request, the
 * request chain's headers, response headers, signing, and a 3.1.1 NEGOTIATE answer.
 *
 * Include it after defining SID, TID and a struct peer with at least these members:
 *   int fd; int encrypt; uint8_t preauth[SMB2_PREAUTH_HASH_LEN]; struct smb2_keys keys;
 *   uint8_t in[N], out[N], tmp[N]; size_t in_len; struct smb2_hdr rh[4]; size_t n_rh;
 */
#ifndef NLT_TEST_SMB2_PEER_H
#define NLT_TEST_SMB2_PEER_H

static const uint8_t gss_key[16] = { 0x5a, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
				     0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0x0f };

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
	while (n) {
		ssize_t r = send(fd, b, n, MSG_NOSIGNAL);
		if (r <= 0)
			return -1;
		b += r;
		n -= (size_t)r;
	}
	return 0;
}

/* One request frame: decrypted when it came transformed; its chain's headers in rh[]. */
static int peer_recv(struct peer *p)
{
	uint8_t fh[4];
	size_t n, off = 0;
	int more = 1;

	if (read_full(p->fd, fh, 4) || smb2_dec_direct_tcp(fh, &n) != WIRE_OK || n > sizeof(p->tmp) ||
	    read_full(p->fd, p->tmp, n))
		return -1;
	if (p->tmp[0] == 0xfd) {
		if (smb2_decrypt(SMB2_CIPHER_AES128_GCM, p->keys.encryption, SID, p->tmp, n, p->in, sizeof(p->in),
				 &p->in_len) != WIRE_OK)
			return -1;
	} else {
		memcpy(p->in, p->tmp, n);
		p->in_len = n;
	}
	p->n_rh = 0;
	while (more && p->n_rh < 4) {
		size_t ml;
		if (smb2_chain_next(p->in + off, p->in_len - off, &ml, &more) != WIRE_OK ||
		    smb2_dec_hdr(p->in + off, ml, &p->rh[p->n_rh]) != WIRE_OK)
			return -1;
		p->n_rh++;
		off += ml;
	}
	return 0;
}

/* Frame (and, on an encrypted session, transform) msg[len] and send it. */
static int peer_send_enc(struct peer *p, const uint8_t *msg, size_t len, int enc)
{
	uint8_t *f = p->tmp;
	size_t n = len;

	if (enc) {
		uint8_t nonce[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
		assert_int_equal(smb2_encrypt(SMB2_CIPHER_AES128_GCM, p->keys.decryption, nonce, SID, msg, len, p->tmp + 4,
					      sizeof(p->tmp) - 4, &n),
				 WIRE_OK);
	} else {
		memcpy(f + 4, msg, len);
	}
	assert_int_equal(smb2_put_direct_tcp(f, n), WIRE_OK);
	return write_full(p->fd, f, n + 4);
}

static int peer_send(struct peer *p, const uint8_t *msg, size_t len)
{
	return peer_send_enc(p, msg, len, p->encrypt);
}

/* The header of a response to req (sync form unless async). */
static void rsp_hdr(struct wwr *w, const struct smb2_hdr *req, uint32_t status, uint16_t credits, int async)
{
	struct smb2_hdr h;

	memset(&h, 0, sizeof(h));
	h.credit_charge = req->credit_charge;
	h.status = status;
	h.command = req->command;
	h.credits = credits;
	h.flags = SMB2_FLAGS_SERVER_TO_REDIR | (async ? SMB2_FLAGS_ASYNC_COMMAND : 0) |
		  (req->flags & SMB2_FLAGS_RELATED_OPERATIONS);
	h.message_id = req->message_id;
	h.async_id = async ? 0x77 : 0;
	h.process_id = 0xfeff;
	h.tree_id = req->command == SMB2_TREE_CONNECT ? TID : req->tree_id == UINT32_MAX ? TID : req->tree_id;
	h.session_id = req->command == SMB2_NEGOTIATE ? 0 : SID;
	smb2_put_hdr(w, &h);
}

static void sign(struct peer *p, uint8_t *msg, size_t len)
{
	msg[16] |= SMB2_FLAGS_SIGNED; /* Flags, low byte */
	assert_int_equal(smb2_sign(SMB2_SIGN_AES_CMAC, p->keys.signing, msg, len), WIRE_OK);
}

static size_t negotiate_rep_credits(struct peer *p, uint8_t *out, uint16_t credits)
{
	struct wwr w;
	static const uint8_t guid[16] = { 0xa5, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };

	wwr_init(&w, out, 1024);
	rsp_hdr(&w, &p->rh[0], 0, credits, 0);
	wwr_u16le(&w, 65);
	wwr_u16le(&w, SMB2_NEGOTIATE_SIGNING_ENABLED);
	wwr_u16le(&w, SMB2_DIALECT_311);
	wwr_u16le(&w, 3); /* contexts */
	wwr_bytes(&w, guid, 16);
	wwr_u32le(&w, SMB2_GLOBAL_CAP_ENCRYPTION);
	wwr_u32le(&w, 65536);
	wwr_u32le(&w, 65536);
	wwr_u32le(&w, 65536);
	wwr_u64le(&w, 0);
	wwr_u64le(&w, 0);
	wwr_u16le(&w, 0); /* no security buffer */
	wwr_u16le(&w, 0);
	wwr_u32le(&w, 128); /* contexts at 128 */
	/* PREAUTH_INTEGRITY: SHA-512, 32-byte salt */
	wwr_u16le(&w, SMB2_PREAUTH_INTEGRITY_CAPABILITIES);
	wwr_u16le(&w, 38);
	wwr_u32le(&w, 0);
	wwr_u16le(&w, 1);
	wwr_u16le(&w, 32);
	wwr_u16le(&w, SMB2_PREAUTH_SHA512);
	for (int i = 0; i < 32; i++)
		wwr_u8(&w, (uint8_t)i);
	wwr_u16le(&w, 0); /* pad 174 -> 176 */
	wwr_u16le(&w, SMB2_ENCRYPTION_CAPABILITIES);
	wwr_u16le(&w, 4);
	wwr_u32le(&w, 0);
	wwr_u16le(&w, 1);
	wwr_u16le(&w, SMB2_CIPHER_AES128_GCM);
	wwr_u32le(&w, 0); /* pad 188 -> 192 */
	wwr_u16le(&w, SMB2_SIGNING_CAPABILITIES);
	wwr_u16le(&w, 4);
	wwr_u32le(&w, 0);
	wwr_u16le(&w, 1);
	wwr_u16le(&w, SMB2_SIGN_AES_CMAC);
	assert_int_equal(w.err, WIRE_OK);
	return wwr_len(&w);
}

#endif
