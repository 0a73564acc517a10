/*
 * tests/fuzz/fuzz_schannel.c - libFuzzer harness for the schannel receive
 * path, schannel_unwrap() (MS-NRPC 3.3.4.2.2), the password buffer
 * decoder nrpc_pwbuf_decrypt(), and the schannel bind answer decoder
 * nl_auth_dec_response() (MS-NRPC 2.2.1.3.1), which every input also goes
 * to whole.
 *
 * Input layout (tests/vectors/README.md, "Netlogon crypto", generates the
 * seeds):
 *   u8   mode      bit 0 seal, bit 1 sender is the initiator (client)
 *   u8   data_off  where the sealed range starts in the message (clamped)
 *   u64  seq       little-endian
 *   u8   sig_len   bytes of signature that follow (clamped to what is left)
 *   sig[sig_len]
 *   message        the rest; data_len = message length - data_off
 * The session key is fixed (MS-NRPC 4.3's), so seeds made with it reach the
 * checksum comparison and the decrypted plaintext.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "nrpc_crypto.h"

static const uint8_t key[16] = { 0x0c, 0xb6, 0x94, 0x88, 0x05, 0xf7, 0x97, 0xbf,
				 0x2a, 0x82, 0x80, 0x79, 0x73, 0xb8, 0x95, 0x37 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *sig, *msg, *again;
	size_t sig_len, msg_len, off;
	uint64_t seq = 0;
	int seal, init, rc;

	{
		/* accepted exactly when the first LE u32 is NL_AUTH_NEGOTIATE_RESPONSE and Flags are there */
		uint32_t type = size >= 4 ? (uint32_t)data[0] | (uint32_t)data[1] << 8 | (uint32_t)data[2] << 16 |
						    (uint32_t)data[3] << 24
					  : 0;
		if ((nl_auth_dec_response(data, size) == WIRE_OK) != (size >= 8 && type == NL_AUTH_NEGOTIATE_RESPONSE))
			abort();
	}
	if (size >= NRPC_PWBUF_LEN) {
		uint8_t pw[NRPC_PWBUF_MAX_PW];
		size_t n = 0;
		if (nrpc_pwbuf_decrypt(key, data, pw, &n) == WIRE_OK && (n > NRPC_PWBUF_MAX_PW || n % 2))
			abort();
	}
	if (size < 11)
		return 0;
	seal = data[0] & 1;
	init = (data[0] >> 1) & 1;
	for (int i = 0; i < 8; i++)
		seq |= (uint64_t)data[2 + i] << (8 * i);
	sig_len = data[10];
	if (sig_len > size - 11)
		sig_len = size - 11;
	msg_len = size - 11 - sig_len;
	off = data[1] <= msg_len ? data[1] : msg_len;

	/* exact-size heap copies so ASan sees any overread */
	sig = malloc(sig_len ? sig_len : 1);
	msg = malloc(msg_len ? msg_len : 1);
	again = malloc(msg_len ? msg_len : 1);
	if (!sig || !msg || !again)
		abort();
	memcpy(sig, data + 11, sig_len);
	memcpy(msg, data + 11 + sig_len, msg_len);
	{
		struct schannel_msg m = { msg, msg_len, off, msg_len - off };
		rc = schannel_unwrap(key, seq, init, seal, &m, sig, sig_len);
		if (rc != WIRE_OK && rc != WIRE_EBAD && rc != WIRE_ETRUNC)
			abort();
		if (rc == WIRE_OK) {
			/* an accepted message re-wraps and unwraps to the same plaintext */
			uint8_t sig2[SCHANNEL_SIG_LEN];
			struct schannel_msg m2 = { again, msg_len, off, msg_len - off };
			memcpy(again, msg, msg_len);
			if (schannel_wrap(key, seq, init, seal, sig + 24 /* in bounds: sig_len >= 48 */, &m2, sig2) != WIRE_OK ||
			    schannel_unwrap(key, seq, init, seal, &m2, sig2, sizeof(sig2)) != WIRE_OK ||
			    memcmp(again, msg, msg_len) != 0)
				abort();
		}
	}
	free(sig);
	free(msg);
	free(again);
	return 0;
}
