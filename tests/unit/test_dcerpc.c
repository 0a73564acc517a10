/*
 * tests/unit/test_dcerpc.c - proto/dcerpc.c: connection-oriented PDUs
 * (C706 ch.12, MS-RPCE 2.2.2), fragmentation and reassembly.
 *
 * Golden bytes (tests/vectors/README.md, "DCE/RPC, NDR, EPM, MS-NRPC"):
 *  - impacket 0.10.0 rpcrt (MSRPCHeader/MSRPCBind/CtxItem,
 *    MSRPCRequestHeader): bind, request;
 *  - Samba's pidl marshalling of ncacn_packet (python3-samba ndr_pack):
 *    bind_ack (TCP and pipe secondary address), alter_context_resp with an
 *    empty address, response, fault;
 *  - by hand from C706 12.6.4 / MS-RPCE 2.2.2 (annotated below): bind_nak,
 *    auth3, a bind with an auth trailer, a request with an object UUID,
 *    and the header/trailer of MS-NRPC 4.3.1's sealed request.
 *  - EPM: the ept_map request stub of impacket's epm.hept_map() for
 *    netlogon over ncacn_ip_tcp (PROTOCOLS.md 2); ept_map responses built
 *    by hand after epmapper.idl / C706 App. L and parsed back by impacket's
 *    epm.ept_mapResponse + EPMTower as an independent decoder.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dcerpc.h"
#include "epm.h"
#include "sweep.h"

#define BUF_MAX 4096

static size_t unhex(const char *hex, uint8_t *out)
{
	return sweep_unhex(hex, out, BUF_MAX);
}

/* impacket: bind netlogon v1.0 / NDR v2.0, max frags 4280, assoc 0, call_id 1 */
static const char bind_netlogon_hex[] =
	"05000b03100000004800000001000000b810b810000000000100000000000100785634123412cdabef0001234567cffb"
	"01000000045d888aeb1cc9119fe808002b10486002000000";
/* impacket: request call_id 2, ctx 0, opnum 4, stub = ReqChallenge(NULL, "WIN1", "12345678") */
static const char request_reqchal_hex[] =
	"05000003100000003a00000002000000220000000000040000000000050000000000000005000000570049004e0031"
	"0000003132333435363738";
/* Samba: bind_ack max 5840/5840, assoc 0x12345, sec addr "49667", NDR accepted */
static const char samba_bind_ack_tcp_hex[] =
	"05000c03100000003c00000001000000d016d0164523010006003439363637000100000000000000045d888aeb1cc9119f"
	"e808002b10486002000000";
/* Samba: the same with "\PIPE\netlogon" (15 bytes with NUL: 26+15 = 41, 3 bytes pad to 44) */
static const char samba_bind_ack_pipe_hex[] =
	"05000c03100000004800000001000000d016d016452301000f005c504950455c6e65746c6f676f6e000000000100000000"
	"000000045d888aeb1cc9119fe808002b10486002000000";
/* Samba: alter_context_resp, empty secondary address (length 0, 2 bytes pad) */
static const char samba_alter_resp_empty_hex[] =
	"05000f03100000003800000001000000d016d01645230100000000000100000000000000045d888aeb1cc9119fe808002b"
	"10486002000000";
/* Samba: response call_id 2, alloc_hint 12, stub = ServerChallenge 5a712fc444fe5249 + NTSTATUS 0 */
static const char samba_response_hex[] =
	"050002031000000024000000020000000c000000000000005a712fc444fe524900000000";
/* Samba: fault call_id 3, flags FIRST|LAST|DID_NOT_EXECUTE, status nca_op_rng_error */
static const char samba_fault_hex[] = "0500032310000000200000000300000020000000000000000200011c00000000";

/*
 * bind_nak (C706 12.6.4.4): header (frag 21, call_id 1) | reject reason 0x0002
 * (local limit exceeded) | n_protocols 1 | version 5.0.
 */
static const char bind_nak_hex[] = "05000d03 10000000 1500 0000 01000000 0200 01 05 00";
/*
 * auth3 (MS-RPCE 2.2.2.10) with an NTLM (10) AUTHENTICATE stand-in of 4 bytes:
 *   050010031000000020000400 01000000  header: frag 32, auth_len 4, call_id 1
 *   00000000                           4-byte pad field
 *   0a 05 00 00 01000000               sec_trailer: NTLMSSP, level 5 (INTEGRITY), pad 0, ctx id 1
 *   deadbeef                           auth_value
 */
static const char auth3_hex[] = "05001003 10000000 2000 0400 01000000 00000000 0a050000 01000000 deadbeef";
/*
 * Schannel bind (MS-NRPC 3.3.4.1.1, PROTOCOLS.md 3.9): the impacket bind above
 * with frag 100, auth_len 20, then (body is 4-aligned, no pad):
 *   44 06 00 00 03000000     NETLOGON auth type 0x44, PRIVACY, pad 0, ctx id 3
 *   00000000 03000000 "DOMAIN\0" "HOST\0"   NL_AUTH_MESSAGE, request, flags 3
 */
static const char bind_schannel_hex[] =
	"05000b03100000006400140001000000b810b810000000000100000000000100785634123412cdabef0001234567cffb"
	"01000000045d888aeb1cc9119fe808002b10486002000000"
	"44060000 03000000 00000000 03000000 444f4d41494e00 484f535400";
/*
 * Request with an object UUID (C706 12.6.4.9: pfc 0x80, object after opnum):
 * FIRST|LAST|OBJECT 0x83, frag 44, call_id 5, alloc 4, ctx 1, opnum 3,
 * object 12345678-1234-abcd-ef00-01234567cffb, stub 01020304.
 */
static const char request_object_hex[] =
	"05000083 10000000 2c00 0000 05000000 04000000 0100 0300 785634123412cdabef0001234567cffb 01020304";

static int dec_ok(const uint8_t *buf, size_t len, void *ctx)
{
	struct dcerpc_pdu pdu;
	int rc = dcerpc_dec_pdu(buf, len, &pdu);

	(void)ctx;
	if (rc == WIRE_OK) {
		/* borrowed pointers stay inside the input */
		if (pdu.stub_len && (pdu.stub < buf || pdu.stub + pdu.stub_len > buf + len))
			abort();
		if (pdu.auth_len && (pdu.auth_value < buf || pdu.auth_value + pdu.auth_len > buf + len))
			abort();
		if (!memchr(pdu.sec_addr, 0, sizeof(pdu.sec_addr)))
			abort();
	}
	return rc;
}

/* decode, re-encode, compare; then every prefix is rejected and bit flips are survived */
static void check_golden(const char *hex, struct dcerpc_pdu *out)
{
	uint8_t in[BUF_MAX] = { 0 }, buf[BUF_MAX];
	size_t n = unhex(hex, in);
	struct dcerpc_pdu pdu;
	struct dcerpc_layout lay;
	struct wwr w;

	assert_int_equal(dcerpc_dec_pdu(in, n, &pdu), WIRE_OK);
	wwr_init(&w, buf, sizeof(buf));
	assert_int_equal(dcerpc_enc_pdu(&w, &pdu, &lay), WIRE_OK);
	assert_int_equal(wwr_len(&w), n);
	assert_memory_equal(buf, in, n);
	assert_int_equal(lay.pdu_len, n);
	assert_int_equal(sweep_truncations(in, n, dec_ok, NULL), 0);
	(void)sweep_bitflips(in, n, dec_ok, NULL);
	/* one byte too many */
	in[n] = 0;
	assert_int_equal(dcerpc_dec_pdu(in, n + 1, &pdu), WIRE_ETRAILING);
	if (out) {
		assert_int_equal(dcerpc_dec_pdu(in, n, out), WIRE_OK);
	}
}

static void test_bind_matches_impacket(void **state)
{
	struct dcerpc_pdu p;
	uint8_t buf[256];
	struct wwr w;
	struct ndr_guid nl;

	(void)state;
	memset(&p, 0, sizeof(p));
	assert_int_equal(ndr_guid_parse("12345678-1234-abcd-ef00-01234567cffb", &nl), 0);
	p.ptype = DCERPC_PT_BIND;
	p.pfc_flags = DCERPC_PFC_FIRST | DCERPC_PFC_LAST;
	p.call_id = 1;
	p.max_xmit_frag = p.max_recv_frag = 4280;
	p.n_ctx = 1;
	p.ctx[0].abstract.uuid = nl;
	p.ctx[0].abstract.major = 1;
	p.ctx[0].n_ts = 1;
	p.ctx[0].ts[0] = dcerpc_syntax_ndr20;
	wwr_init(&w, buf, sizeof(buf));
	assert_int_equal(dcerpc_enc_pdu(&w, &p, NULL), WIRE_OK);
	{
		uint8_t want[256];
		size_t n = unhex(bind_netlogon_hex, want);
		assert_int_equal(wwr_len(&w), n);
		assert_memory_equal(buf, want, n);
	}
	check_golden(bind_netlogon_hex, &p);
	assert_int_equal(p.n_ctx, 1);
	assert_true(ndr_guid_equal(&p.ctx[0].abstract.uuid, &nl));
	assert_true(ndr_guid_equal(&p.ctx[0].ts[0].uuid, &dcerpc_syntax_ndr20.uuid));
	assert_int_equal(p.ctx[0].ts[0].major, 2);
}

static void test_request_matches_impacket(void **state)
{
	struct dcerpc_pdu p;

	(void)state;
	check_golden(request_reqchal_hex, &p);
	assert_int_equal(p.ptype, DCERPC_PT_REQUEST);
	assert_int_equal(p.call_id, 2);
	assert_int_equal(p.opnum, 4);
	assert_int_equal(p.alloc_hint, 34);
	assert_int_equal(p.stub_len, 34);
	assert_int_equal(p.has_object, 0);
	assert_int_equal(p.has_auth, 0);
}

static void test_acks_match_samba(void **state)
{
	struct dcerpc_pdu p;

	(void)state;
	check_golden(samba_bind_ack_tcp_hex, &p);
	assert_int_equal(p.ptype, DCERPC_PT_BIND_ACK);
	assert_string_equal(p.sec_addr, "49667");
	assert_int_equal(p.max_xmit_frag, 5840);
	assert_int_equal(p.assoc_group_id, 0x12345);
	assert_int_equal(p.n_results, 1);
	assert_int_equal(p.results[0].result, DCERPC_RESULT_ACCEPT);
	assert_true(ndr_guid_equal(&p.results[0].ts.uuid, &dcerpc_syntax_ndr20.uuid));
	check_golden(samba_bind_ack_pipe_hex, &p);
	assert_string_equal(p.sec_addr, "\\PIPE\\netlogon");
	check_golden(samba_alter_resp_empty_hex, &p);
	assert_int_equal(p.ptype, DCERPC_PT_ALTER_RESP);
	assert_string_equal(p.sec_addr, "");
}

static void test_response_and_fault_match_samba(void **state)
{
	struct dcerpc_pdu p;
	static const uint8_t chal[] = { 0x5a, 0x71, 0x2f, 0xc4, 0x44, 0xfe, 0x52, 0x49 };

	(void)state;
	check_golden(samba_response_hex, &p);
	assert_int_equal(p.ptype, DCERPC_PT_RESPONSE);
	assert_int_equal(p.stub_len, 12);
	assert_memory_equal(p.stub, chal, 8);
	check_golden(samba_fault_hex, &p);
	assert_int_equal(p.ptype, DCERPC_PT_FAULT);
	assert_int_equal(p.status, DCERPC_FAULT_OP_RNG_ERROR);
	assert_int_equal(p.pfc_flags & DCERPC_PFC_DID_NOT_EXECUTE, DCERPC_PFC_DID_NOT_EXECUTE);
	assert_int_equal(p.stub_len, 0);
}

static void test_hand_derived_pdus(void **state)
{
	struct dcerpc_pdu p;
	uint8_t in[256] = { 0 };

	(void)state;
	/* bind_nak: encoder writes exactly this (one version 5.0) */
	check_golden(bind_nak_hex, &p);
	assert_int_equal(p.ptype, DCERPC_PT_BIND_NAK);
	assert_int_equal(p.reject_reason, 2);
	/* a bind_nak with trailing padding still decodes */
	{
		size_t n = unhex("05000d03 10000000 1800 0000 01000000 0400 01 05 00 000000", in);
		assert_int_equal(dcerpc_dec_pdu(in, n, &p), WIRE_OK);
		assert_int_equal(p.reject_reason, 4);
	}
	check_golden(auth3_hex, &p);
	assert_int_equal(p.ptype, DCERPC_PT_AUTH3);
	assert_int_equal(p.auth_type, DCERPC_AUTH_TYPE_NTLMSSP);
	assert_int_equal(p.auth_level, DCERPC_AUTH_LEVEL_INTEGRITY);
	assert_int_equal(p.auth_len, 4);
	assert_int_equal(p.auth_context_id, 1);
	check_golden(bind_schannel_hex, &p);
	assert_int_equal(p.auth_type, DCERPC_AUTH_TYPE_NETLOGON);
	assert_int_equal(p.auth_level, DCERPC_AUTH_LEVEL_PRIVACY);
	assert_int_equal(p.auth_len, 20);
	assert_memory_equal(p.auth_value + 8, "DOMAIN\0HOST\0", 12);
	check_golden(request_object_hex, &p);
	assert_int_equal(p.has_object, 1);
	assert_int_equal(p.ctx_id, 1);
	assert_int_equal(p.opnum, 3);
	assert_int_equal(p.object.d1, 0x12345678);
	assert_int_equal(p.stub_len, 4);
}

/*
 * MS-NRPC 4.3.1 (PROTOCOLS.md V2b): the sealed LogonGetCapabilities request
 * has header 05000003 10000000 3801 3800 0c000000 | d4000000 0100 1500 and
 * sec_trailer 44 06 0c 00 03000000: a 212-byte stub, padded by 12 to 224, a
 * 56-byte signature, frag 312.
 */
static void test_sealed_request_layout_matches_ms_nrpc(void **state)
{
	uint8_t stub[212], buf[512], want[64];
	struct dcerpc_pdu p, d;
	struct dcerpc_layout lay;
	struct wwr w;
	size_t n;

	(void)state;
	memset(stub, 0x5a, sizeof(stub));
	memset(&p, 0, sizeof(p));
	p.ptype = DCERPC_PT_REQUEST;
	p.pfc_flags = DCERPC_PFC_FIRST | DCERPC_PFC_LAST;
	p.call_id = 12;
	p.alloc_hint = 212;
	p.ctx_id = 1;
	p.opnum = 21;
	p.stub = stub;
	p.stub_len = sizeof(stub);
	p.has_auth = 1;
	p.auth_type = DCERPC_AUTH_TYPE_NETLOGON;
	p.auth_level = DCERPC_AUTH_LEVEL_PRIVACY;
	p.auth_context_id = 3;
	p.auth_len = 56;
	wwr_init(&w, buf, sizeof(buf));
	assert_int_equal(dcerpc_enc_pdu(&w, &p, &lay), WIRE_OK);
	n = unhex("0500000310000000380138000c000000d400000001001500", want);
	assert_memory_equal(buf, want, n);
	assert_int_equal(lay.pdu_len, 312);
	assert_int_equal(lay.stub_off, 24);
	assert_int_equal(lay.stub_len, 224);
	assert_int_equal(lay.trailer_off, 248);
	assert_int_equal(lay.auth_off, 256);
	n = unhex("44060c0003000000", want);
	assert_memory_equal(buf + lay.trailer_off, want, n);

	assert_int_equal(dcerpc_dec_pdu(buf, lay.pdu_len, &d), WIRE_OK);
	assert_int_equal(d.stub_len, 212);
	assert_int_equal(d.auth_pad_len, 12);
	assert_int_equal(d.auth_len, 56);
	assert_ptr_equal(d.auth_value, buf + 256);
	assert_int_equal(sweep_truncations(buf, lay.pdu_len, dec_ok, NULL), 0);
}

static void test_header_checks(void **state)
{
	uint8_t in[256] = { 0 };
	size_t n;
	struct dcerpc_pdu p;
	struct dcerpc_hdr h;

	(void)state;
	n = unhex(samba_response_hex, in);
	assert_int_equal(dcerpc_dec_hdr(in, 15, &h), WIRE_ETRUNC);
	assert_int_equal(dcerpc_dec_hdr(in, 16, &h), WIRE_OK);
	assert_int_equal(h.frag_length, n);
	in[0] = 4; /* version 4 */
	assert_int_equal(dcerpc_dec_pdu(in, n, &p), WIRE_EBAD);
	in[0] = 5;
	in[1] = 2; /* minor 2 */
	assert_int_equal(dcerpc_dec_pdu(in, n, &p), WIRE_EBAD);
	in[1] = 0;
	in[4] = 0x00; /* big-endian drep */
	assert_int_equal(dcerpc_dec_pdu(in, n, &p), WIRE_EBAD);
	in[4] = 0x11; /* EBCDIC */
	assert_int_equal(dcerpc_dec_pdu(in, n, &p), WIRE_EBAD);
	in[4] = 0x10;
	in[5] = 1; /* VAX floats */
	assert_int_equal(dcerpc_dec_pdu(in, n, &p), WIRE_EBAD);
	in[5] = 0;
	in[2] = 17; /* shutdown: not ours */
	assert_int_equal(dcerpc_dec_pdu(in, n, &p), WIRE_EBAD);
	in[2] = 2;
	in[8] = 15; /* frag_length < 16 */
	assert_int_equal(dcerpc_dec_hdr(in, n, &h), WIRE_EBAD);
	in[8] = (uint8_t)(n + 1); /* frag_length beyond the buffer */
	assert_int_equal(dcerpc_dec_pdu(in, n, &p), WIRE_ETRUNC);
	in[8] = (uint8_t)n;
	in[10] = 13; /* auth_length: 16 + 8 + 13 > 36 */
	assert_int_equal(dcerpc_dec_pdu(in, n, &p), WIRE_EBAD);
	in[10] = 8; /* trailer at 20, inside the 24-byte response header */
	assert_int_equal(dcerpc_dec_pdu(in, n, &p), WIRE_ETRUNC);
	in[10] = 4; /* trailer at 24: stub empty, auth_pad_length 0x2f > 0 */
	assert_int_equal(dcerpc_dec_pdu(in, n, &p), WIRE_EBAD);
	in[10] = 0;
	assert_int_equal(dcerpc_dec_pdu(in, n, &p), WIRE_OK);

	/* auth_pad_length larger than the stub */
	n = unhex(auth3_hex, in);
	in[22] = 1; /* auth3: nothing but its 4-byte pad field precedes the trailer */
	assert_int_equal(dcerpc_dec_pdu(in, n, &p), WIRE_EBAD);
	/* bind_ack secondary address without NUL / with interior NUL */
	n = unhex(samba_bind_ack_tcp_hex, in);
	in[31] = '7';
	assert_int_equal(dcerpc_dec_pdu(in, n, &p), WIRE_EBAD);
	in[31] = 0;
	in[28] = 0;
	assert_int_equal(dcerpc_dec_pdu(in, n, &p), WIRE_EBAD);
	/* bind with 0 transfer syntaxes, and with 5 contexts */
	n = unhex(bind_netlogon_hex, in);
	in[30] = 0;
	assert_int_equal(dcerpc_dec_pdu(in, n, &p), WIRE_EBAD);
	n = unhex(bind_netlogon_hex, in);
	in[24] = 5;
	assert_int_equal(dcerpc_dec_pdu(in, n, &p), WIRE_ELIMIT);
	in[24] = 2; /* two contexts announced, one present */
	assert_int_equal(dcerpc_dec_pdu(in, n, &p), WIRE_ETRUNC);
}

static void test_encoder_rejects(void **state)
{
	struct dcerpc_pdu p;
	uint8_t buf[256];
	struct wwr w;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.ptype = DCERPC_PT_BIND;
	p.n_ctx = 1; /* n_ts 0 */
	wwr_init(&w, buf, sizeof(buf));
	assert_int_equal(dcerpc_enc_pdu(&w, &p, NULL), WIRE_EBAD);
	p.n_ctx = DCERPC_MAX_CTX + 1;
	wwr_init(&w, buf, sizeof(buf));
	assert_int_equal(dcerpc_enc_pdu(&w, &p, NULL), WIRE_ELIMIT);
	p.ptype = 17;
	wwr_init(&w, buf, sizeof(buf));
	assert_int_equal(dcerpc_enc_pdu(&w, &p, NULL), WIRE_EBAD);
	/* must start at the buffer start */
	p.ptype = DCERPC_PT_RESPONSE;
	wwr_init(&w, buf, sizeof(buf));
	wwr_u8(&w, 0);
	assert_int_equal(dcerpc_enc_pdu(&w, &p, NULL), WIRE_EBAD);
	for (size_t cap = 0; cap < 24; cap++) {
		wwr_init(&w, buf, cap);
		assert_int_equal(dcerpc_enc_pdu(&w, &p, NULL), WIRE_ESPACE);
	}
}

/* Fragment a 100-byte stub; decode every fragment; turn them into response fragments and reassemble. */
static void fragment_and_reassemble(int with_auth, uint16_t max_frag, size_t nfrags_want)
{
	uint8_t stub[100], frag[8][256], out[128], rbuf[256];
	size_t flen[8], off = 0, nf = 0;
	struct dcerpc_pdu t, d;
	struct dcerpc_reasm ra;

	for (size_t i = 0; i < sizeof(stub); i++)
		stub[i] = (uint8_t)i;
	memset(&t, 0, sizeof(t));
	t.call_id = 7;
	t.opnum = 30;
	t.ctx_id = 0;
	if (with_auth) {
		t.has_auth = 1;
		t.auth_type = DCERPC_AUTH_TYPE_NETLOGON;
		t.auth_level = DCERPC_AUTH_LEVEL_PRIVACY;
		t.auth_len = 56;
	}
	do {
		struct wwr w;
		struct dcerpc_layout lay;
		assert_true(nf < 8);
		wwr_init(&w, frag[nf], sizeof(frag[nf]));
		assert_int_equal(dcerpc_enc_request_frag(&w, &t, stub, sizeof(stub), &off, max_frag, &lay),
				 WIRE_OK);
		assert_true(wwr_len(&w) <= max_frag);
		if (with_auth)
			assert_int_equal(lay.stub_len % 16, 0);
		flen[nf++] = wwr_len(&w);
	} while (off < sizeof(stub));
	assert_int_equal(nf, nfrags_want);

	dcerpc_reasm_init(&ra, out, sizeof(out), 7);
	for (size_t i = 0; i < nf; i++) {
		struct dcerpc_pdu r;
		struct wwr w;
		assert_int_equal(dcerpc_dec_pdu(frag[i], flen[i], &d), WIRE_OK);
		assert_int_equal(d.ptype, DCERPC_PT_REQUEST);
		assert_int_equal(d.opnum, 30);
		assert_int_equal(!!(d.pfc_flags & DCERPC_PFC_FIRST), i == 0);
		assert_int_equal(!!(d.pfc_flags & DCERPC_PFC_LAST), i == nf - 1);
		/* the server's answer, fragmented the same way */
		r = d;
		r.ptype = DCERPC_PT_RESPONSE;
		r.auth_value = NULL;
		wwr_init(&w, rbuf, sizeof(rbuf));
		assert_int_equal(dcerpc_enc_pdu(&w, &r, NULL), WIRE_OK);
		assert_int_equal(dcerpc_dec_pdu(rbuf, wwr_len(&w), &r), WIRE_OK);
		assert_int_equal(dcerpc_reasm_add(&ra, &r), WIRE_OK);
		assert_int_equal(ra.done, i == nf - 1);
	}
	assert_int_equal(ra.len, sizeof(stub));
	assert_memory_equal(out, stub, sizeof(stub));
}

static void test_fragmentation_round_trip(void **state)
{
	(void)state;
	/* 64 - 24 = 40 per fragment: 40 + 40 + 20 */
	fragment_and_reassemble(0, 64, 3);
	/* one fragment when it fits */
	fragment_and_reassemble(0, 124, 1);
	/* with a 56-byte verifier: 24 + 8 + 56 = 88 overhead; 150 - 88 = 62 -> 48 per fragment */
	fragment_and_reassemble(1, 150, 3);
}

static void test_fragment_alloc_hints_and_limits(void **state)
{
	uint8_t stub[100], buf[256];
	struct dcerpc_pdu t, d;
	size_t off = 0;
	struct wwr w;
	uint32_t hints[3];
	int i = 0;

	(void)state;
	memset(stub, 1, sizeof(stub));
	memset(&t, 0, sizeof(t));
	do {
		wwr_init(&w, buf, sizeof(buf));
		assert_int_equal(dcerpc_enc_request_frag(&w, &t, stub, sizeof(stub), &off, 64, NULL), WIRE_OK);
		assert_int_equal(dcerpc_dec_pdu(buf, wwr_len(&w), &d), WIRE_OK);
		hints[i++] = d.alloc_hint;
	} while (off < sizeof(stub));
	assert_int_equal(hints[0], 100);
	assert_int_equal(hints[1], 60);
	assert_int_equal(hints[2], 20);
	/* past the end */
	wwr_init(&w, buf, sizeof(buf));
	assert_int_equal(dcerpc_enc_request_frag(&w, &t, stub, sizeof(stub), &off, 64, NULL), WIRE_EBAD);
	/* max_frag too small for a header */
	off = 0;
	wwr_init(&w, buf, sizeof(buf));
	assert_int_equal(dcerpc_enc_request_frag(&w, &t, stub, sizeof(stub), &off, 24, NULL), WIRE_EBAD);
	/* with auth, less than 16 bytes of room */
	t.has_auth = 1;
	t.auth_len = 16;
	wwr_init(&w, buf, sizeof(buf));
	assert_int_equal(dcerpc_enc_request_frag(&w, &t, stub, sizeof(stub), &off, 24 + 8 + 16 + 15, NULL),
			 WIRE_EBAD);
	/* an empty stub is one FIRST|LAST fragment */
	t.has_auth = 0;
	off = 0;
	wwr_init(&w, buf, sizeof(buf));
	assert_int_equal(dcerpc_enc_request_frag(&w, &t, NULL, 0, &off, 64, NULL), WIRE_OK);
	assert_int_equal(dcerpc_dec_pdu(buf, wwr_len(&w), &d), WIRE_OK);
	assert_int_equal(d.pfc_flags & 3, 3);
}

static void test_reassembly_rejects(void **state)
{
	uint8_t out[8], data[8] = { 0 };
	struct dcerpc_reasm ra;
	struct dcerpc_pdu p;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.ptype = DCERPC_PT_RESPONSE;
	p.call_id = 9;
	p.stub = data;
	p.stub_len = 4;
	/* missing FIRST */
	dcerpc_reasm_init(&ra, out, sizeof(out), 9);
	assert_int_equal(dcerpc_reasm_add(&ra, &p), WIRE_EBAD);
	/* wrong call id */
	p.pfc_flags = DCERPC_PFC_FIRST;
	p.call_id = 8;
	assert_int_equal(dcerpc_reasm_add(&ra, &p), WIRE_EBAD);
	p.call_id = 9;
	assert_int_equal(dcerpc_reasm_add(&ra, &p), WIRE_OK);
	/* FIRST twice */
	assert_int_equal(dcerpc_reasm_add(&ra, &p), WIRE_EBAD);
	/* a fault in the middle */
	p.pfc_flags = 0;
	p.ptype = DCERPC_PT_FAULT;
	assert_int_equal(dcerpc_reasm_add(&ra, &p), WIRE_EBAD);
	p.ptype = DCERPC_PT_RESPONSE;
	/* over the cap: 4 + 4 fits, then 1 more does not */
	assert_int_equal(dcerpc_reasm_add(&ra, &p), WIRE_OK);
	p.stub_len = 1;
	assert_int_equal(dcerpc_reasm_add(&ra, &p), WIRE_ELIMIT);
	p.stub_len = 0;
	p.pfc_flags = DCERPC_PFC_LAST;
	assert_int_equal(dcerpc_reasm_add(&ra, &p), WIRE_OK);
	assert_int_equal(ra.done, 1);
	assert_int_equal(ra.len, 8);
	/* nothing after LAST */
	assert_int_equal(dcerpc_reasm_add(&ra, &p), WIRE_EBAD);
}


/* ---- EPM ---- */

/*
 * impacket hept_map(ncacn_ip_tcp) request stub for netlogon v1.0:
 *   01000000 + 16 zero bytes      [ptr] object: referent 1, nil UUID
 *   02000000 4b000000 4b000000    [ptr] map_tower: referent 2, max_count 75, tower_length 75
 *   0500                          5 floors
 *   1300 0d <netlogon uuid> 0100 0200 0000   floor 1: interface v1.0
 *   1300 0d <NDR uuid> 0200 0200 0000        floor 2: NDR v2.0
 *   0100 0b 0200 0000             floor 3: RPC CO
 *   0100 07 0200 0000             floor 4: TCP port 0 (big-endian)
 *   0100 09 0400 00000000         floor 5: IPv4 0.0.0.0
 *   00                            align to 4 (impacket writes 0xab; receivers ignore it)
 *   20 zero bytes                 entry_handle
 *   01000000                      max_towers
 */
static const char epm_map_req_hex[] =
	"0100000000000000000000000000000000000000020000004b0000004b000000050013000d785634123412cdabef000123"
	"4567cffb01000200000013000d045d888aeb1cc9119fe808002b10486002000200000001000b0200000001000702000000"
	"010009040000000000 00 000000000000000000000000000000000000000001000000";
/*
 * ept_map responses (see the header comment): entry handle 00000000 0102..10,
 * num_towers, cv header (max, 0, actual), referent ids 3, 4, then each tower
 * as max_count, tower_length, octets, pad to 4, and the status.
 * One tower: port c20c = 49676, 10.0.0.1.
 */
static const char epm_map_rep_one_hex[] =
	"000000000102030405060708090a0b0c0d0e0f1001000000010000000000000001000000030000004b0000004b00000005"
	"0013000d785634123412cdabef0001234567cffb01000200000013000d045d888aeb1cc9119fe808002b10486002000200"
	"000001000b020000000100070200c20c01000904000a0000010000000000";
/* Two towers (49676 at 10.0.0.1, 49677 at 10.0.0.2), max_towers 4 */
static const char epm_map_rep_two_hex[] =
	"000000000102030405060708090a0b0c0d0e0f100200000004000000000000000200000003000000040000004b0000004b"
	"000000050013000d785634123412cdabef0001234567cffb01000200000013000d045d888aeb1cc9119fe808002b104860"
	"02000200000001000b020000000100070200c20c01000904000a000001004b0000004b000000050013000d785634123412"
	"cdabef0001234567cffb01000200000013000d045d888aeb1cc9119fe808002b10486002000200000001000b0200000001"
	"00070200c20d01000904000a0000020000000000";
/* No tower, status EPT_S_NOT_REGISTERED */
static const char epm_map_rep_none_hex[] =
	"000000000102030405060708090a0b0c0d0e0f1000000000010000000000000000000000d6a0c916";

static struct dcerpc_syntax netlogon_syntax(void)
{
	struct dcerpc_syntax s = { { 0 }, 1, 0 };

	assert_int_equal(ndr_guid_parse("12345678-1234-abcd-ef00-01234567cffb", &s.uuid), 0);
	return s;
}

static void test_epm_map_request_matches_impacket(void **state)
{
	struct dcerpc_syntax nl = netlogon_syntax();
	uint8_t buf[256], want[256];
	size_t n = unhex(epm_map_req_hex, want);
	struct wwr w;

	(void)state;
	wwr_init(&w, buf, sizeof(buf));
	assert_int_equal(epm_enc_map_req(&w, &nl, 1), WIRE_OK);
	assert_int_equal(wwr_len(&w), n);
	assert_memory_equal(buf, want, n);
	wwr_init(&w, buf, sizeof(buf));
	assert_int_equal(epm_enc_map_req(&w, &nl, 501), WIRE_EBAD); /* [range(0,500)] */
	for (size_t cap = 0; cap < n; cap++) {
		wwr_init(&w, buf, cap);
		assert_int_equal(epm_enc_map_req(&w, &nl, 1), WIRE_ESPACE);
	}
}

static int dec_epm(const uint8_t *buf, size_t len, void *ctx)
{
	struct epm_map_rep rep;
	int rc = epm_dec_map_rep(buf, len, &rep);

	(void)ctx;
	if (rc == WIRE_OK && rep.n_towers > EPM_MAX_TOWERS)
		abort();
	return rc;
}

static void check_epm_rep(const char *hex, uint32_t max_towers, struct epm_map_rep *rep)
{
	uint8_t in[512] = { 0 }, buf[512];
	size_t n = unhex(hex, in);
	struct wwr w;

	assert_int_equal(epm_dec_map_rep(in, n, rep), WIRE_OK);
	wwr_init(&w, buf, sizeof(buf));
	assert_int_equal(epm_enc_map_rep(&w, rep, max_towers), WIRE_OK);
	assert_int_equal(wwr_len(&w), n);
	assert_memory_equal(buf, in, n);
	assert_int_equal(sweep_truncations(in, n, dec_epm, NULL), 0);
	(void)sweep_bitflips(in, n, dec_epm, NULL);
	in[n] = 0;
	assert_int_equal(epm_dec_map_rep(in, n + 1, rep), WIRE_ETRAILING);
	assert_int_equal(epm_dec_map_rep(in, n, rep), WIRE_OK);
}

static void test_epm_map_responses(void **state)
{
	struct dcerpc_syntax nl = netlogon_syntax(), other = nl;
	struct epm_map_rep rep;
	uint16_t port = 0;

	(void)state;
	check_epm_rep(epm_map_rep_one_hex, 1, &rep);
	assert_int_equal(rep.status, 0);
	assert_int_equal(rep.n_towers, 1);
	assert_int_equal(rep.towers[0].port, 49676);
	assert_memory_equal(rep.towers[0].ip, "\x0a\x00\x00\x01", 4);
	assert_int_equal(rep.entry_handle[4], 1);
	assert_int_equal(epm_rep_tcp_port(&rep, &nl, &port), WIRE_OK);
	assert_int_equal(port, 49676);
	other.major = 2;
	assert_int_equal(epm_rep_tcp_port(&rep, &other, &port), WIRE_EBAD);

	check_epm_rep(epm_map_rep_two_hex, 4, &rep);
	assert_int_equal(rep.n_towers, 2);
	assert_int_equal(rep.towers[1].port, 49677);
	assert_memory_equal(rep.towers[1].ip, "\x0a\x00\x00\x02", 4);

	check_epm_rep(epm_map_rep_none_hex, 1, &rep);
	assert_int_equal(rep.n_towers, 0);
	assert_int_equal(rep.status, EPM_S_NOT_REGISTERED);
	assert_int_equal(epm_rep_tcp_port(&rep, &nl, &port), WIRE_EBAD);
}

static void test_epm_rejects(void **state)
{
	uint8_t in[512] = { 0 };
	size_t n;
	struct epm_map_rep rep;
	struct epm_tower t;

	(void)state;
	/* num_towers != actual_count */
	n = unhex(epm_map_rep_one_hex, in);
	in[20] = 2;
	assert_int_equal(epm_dec_map_rep(in, n, &rep), WIRE_EBAD);
	/* max_count != tower_length */
	n = unhex(epm_map_rep_one_hex, in);
	in[40] = 0x4c;
	assert_int_equal(epm_dec_map_rep(in, n, &rep), WIRE_EBAD);
	/* 4 floors */
	n = unhex(epm_map_rep_one_hex, in);
	in[48] = 4;
	assert_int_equal(epm_dec_map_rep(in, n, &rep), WIRE_EBAD);
	/* a named-pipe floor (0x0f) instead of TCP */
	n = unhex(epm_map_rep_one_hex, in);
	assert_int_equal(in[48 + 2 + 25 * 2 + 7 + 2], 0x07);
	in[48 + 2 + 25 * 2 + 7 + 2] = 0x0f;
	assert_int_equal(epm_dec_map_rep(in, n, &rep), WIRE_EBAD);
	/* towers above our cap: actual 33 */
	n = unhex("000000000102030405060708090a0b0c0d0e0f10 21000000 f4010000 00000000 21000000", in);
	memset(in + n, 0, 33 * 4 + 4);
	assert_int_equal(epm_dec_map_rep(in, n + 33 * 4 + 4, &rep), WIRE_ELIMIT);
	/* a NULL tower pointer is skipped */
	n = unhex("000000000102030405060708090a0b0c0d0e0f10 01000000 01000000 00000000 01000000 00000000 00000000",
		  in);
	assert_int_equal(epm_dec_map_rep(in, n, &rep), WIRE_OK);
	assert_int_equal(rep.n_towers, 0);
	/* tower round trip */
	memset(&t, 0, sizeof(t));
	t.iface = netlogon_syntax();
	t.transfer = dcerpc_syntax_ndr20;
	t.port = 0x1234;
	memcpy(t.ip, "\xc0\xa8\x01\x02", 4);
	{
		struct wwr w;
		struct epm_tower t2;
		wwr_init(&w, in, sizeof(in));
		assert_int_equal(epm_enc_tower(&w, &t), WIRE_OK);
		assert_int_equal(wwr_len(&w), 75);
		assert_int_equal(epm_dec_tower(in, 75, &t2), WIRE_OK);
		assert_int_equal(t2.port, 0x1234);
		assert_memory_equal(t2.ip, t.ip, 4);
		assert_true(ndr_guid_equal(&t2.iface.uuid, &t.iface.uuid));
		assert_int_equal(epm_dec_tower(in, 76, &t2), WIRE_ETRAILING);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bind_matches_impacket),
		cmocka_unit_test(test_request_matches_impacket),
		cmocka_unit_test(test_acks_match_samba),
		cmocka_unit_test(test_response_and_fault_match_samba),
		cmocka_unit_test(test_hand_derived_pdus),
		cmocka_unit_test(test_sealed_request_layout_matches_ms_nrpc),
		cmocka_unit_test(test_header_checks),
		cmocka_unit_test(test_encoder_rejects),
		cmocka_unit_test(test_fragmentation_round_trip),
		cmocka_unit_test(test_fragment_alloc_hints_and_limits),
		cmocka_unit_test(test_reassembly_rejects),
		cmocka_unit_test(test_epm_map_request_matches_impacket),
		cmocka_unit_test(test_epm_map_responses),
		cmocka_unit_test(test_epm_rejects),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
