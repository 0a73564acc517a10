/*
 * tests/fuzz/fuzz_smb2.c - libFuzzer harness for proto/smb2.c and the
 * receive side of proto/smb2_crypto.c: the input is split as a compound
 * chain (smb2_chain_next) and every message is decoded the way a client
 * would (header, then the body by command and status); it is also read as
 * a TRANSFORM message (smb2_dec_transform, smb2_decrypt with each cipher),
 * as a direct-TCP frame header and as a VALIDATE_NEGOTIATE_INFO output, and
 * its signature is verified with each algorithm.  Every borrowed pointer must lie inside the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "smb2.h"
#include "smb2_crypto.h"

#define INSIDE(p, n) ((n) == 0 || ((p) >= buf && (p) + (n) <= buf + len))
#define CHECK(c) do { if (!(c)) abort(); } while (0)

static void dec_one(const uint8_t *buf, size_t len)
{
	struct smb2_hdr h;

	if (smb2_dec_hdr(buf, len, &h) != WIRE_OK)
		return;
	if (smb2_is_interim(&h) || (h.status != SMB2_STATUS_SUCCESS && h.status != SMB2_STATUS_MORE_PROCESSING_REQUIRED &&
				   h.status != SMB2_STATUS_BUFFER_OVERFLOW)) {
		struct smb2_error_rep e;
		if (smb2_dec_error_rep(buf, len, &e) == WIRE_OK)
			CHECK(INSIDE(e.data, e.len));
	}
	switch (h.command) {
	case SMB2_NEGOTIATE: {
		struct smb2_negotiate_rep r;
		if (smb2_dec_negotiate_rep(buf, len, &r) == WIRE_OK) {
			CHECK(INSIDE(r.sec_buf, r.sec_len) && INSIDE(r.salt, r.salt_len));
			CHECK(r.salt_len <= SMB2_MAX_SALT && r.n_contexts <= SMB2_MAX_CONTEXTS);
			CHECK(r.dialect != SMB2_DIALECT_311 || r.has_preauth);
		}
		break;
	}
	case SMB2_SESSION_SETUP: {
		struct smb2_session_setup_rep r;
		if (smb2_dec_session_setup_rep(buf, len, &r) == WIRE_OK)
			CHECK(INSIDE(r.sec_buf, r.sec_len));
		break;
	}
	case SMB2_TREE_CONNECT: {
		struct smb2_tree_connect_rep r;
		(void)smb2_dec_tree_connect_rep(buf, len, &r);
		break;
	}
	case SMB2_CREATE: {
		struct smb2_create_rep r;
		(void)smb2_dec_create_rep(buf, len, &r);
		break;
	}
	case SMB2_CLOSE:
		(void)smb2_dec_close_rep(buf, len);
		break;
	case SMB2_LOGOFF:
	case SMB2_TREE_DISCONNECT:
		(void)smb2_dec_simple_rep(buf, len);
		break;
	case SMB2_READ: {
		struct smb2_read_rep r;
		if (smb2_dec_read_rep(buf, len, &r) == WIRE_OK)
			CHECK(INSIDE(r.data, r.len));
		break;
	}
	case SMB2_WRITE: {
		struct smb2_write_rep r;
		(void)smb2_dec_write_rep(buf, len, &r);
		break;
	}
	case SMB2_IOCTL: {
		struct smb2_ioctl_rep r;
		if (smb2_dec_ioctl_rep(buf, len, &r) == WIRE_OK)
			CHECK(INSIDE(r.output, r.output_len));
		break;
	}
	default:
		break;
	}
}

static void fuzz_chain(const uint8_t *data, size_t size)
{
	size_t off = 0, n = 0;
	int more = 1;

	while (more && n++ < 64) {
		size_t ml;
		if (smb2_chain_next(data + off, size - off, &ml, &more) != WIRE_OK)
			return;
		CHECK(ml >= 1 && ml <= size - off);
		dec_one(data + off, ml);
		off += ml;
	}
}

static void fuzz_transform(const uint8_t *data, size_t size)
{
	static const uint16_t ciphers[] = { SMB2_CIPHER_AES128_CCM, SMB2_CIPHER_AES128_GCM, SMB2_CIPHER_AES256_CCM,
					    SMB2_CIPHER_AES256_GCM };
	static uint8_t out[1 << 16];
	static const uint8_t key[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
	struct smb2_transform t;
	size_t n;

	if (smb2_dec_transform(data, size, &t) != WIRE_OK)
		return;
	CHECK(t.original_size == size - SMB2_TRANSFORM_LEN);
	for (size_t i = 0; i < 4; i++)
		if (smb2_decrypt(ciphers[i], key, t.session_id, data, size, out, sizeof(out), &n) == WIRE_OK) {
			CHECK(n == t.original_size);
			fuzz_chain(out, n); /* a forged tag would be news; decode what came out anyway */
		}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t key[16] = { 0x42 };
	size_t n;

	fuzz_chain(data, size);
	fuzz_transform(data, size);
	if (size >= 4)
		(void)smb2_dec_direct_tcp(data, &n);
	{
		struct smb2_validate_negotiate v;
		if (smb2_dec_validate_negotiate_out(data, size, &v) == WIRE_OK)
			CHECK(size == SMB2_VALIDATE_NEGOTIATE_OUT_LEN);
	}
	if (size >= SMB2_HDR_LEN && size <= 4096)
		for (uint16_t alg = 0; alg <= 3; alg++)
			(void)smb2_verify(alg, key, data, size);
	return 0;
}
