/*
 * tests/unit/test_rpc_lab.c - DCE/RPC PDUs captured from the lab: what Samba 4.17.12's dc1 sent
 * to `nltrust verify --method netlogon` (strace -e read, 2026-11-28): the endpoint mapper's
 * bind_ack and ept_map answer, the netlogon bind_ack, the ReqChallenge and Authenticate3
 * answers, the alter_context_resp carrying schannel's NL_AUTH_MESSAGE, and a sealed
 * LogonGetCapabilities answer (its plaintext needs that run's session key, so only its framing
 * is checked here; the live lab scenarios check the unsealing).  Expected values: what the same
 * run logged (port 49152, flags 0x612fffff, RID 1104 of WS1$).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dcerpc.h"
#include "epm.h"
#include "nrpc.h"
#include "nrpc_crypto.h"
#include "sweep.h"

static const char lab_epm_bind_ack_hex[] =
	"05000c03100000003c00000001000000d016d016979f000004003133350000000100000000000000045d888aeb1cc911"
	"9fe808002b10486002000000";
static const char lab_epm_map_resp_hex[] =
	"050002031000000098000000020000008000000000000000000000000000000000000000000000000000000001000000"
	"040000000000000001000000030000004b0000004b000000050013000d785634123412cdabef0001234567cffb010002"
	"00000013000d045d888aeb1cc9119fe808002b10486002000200000001000b020000000100070200c000010009040000"
	"0000000000000000";
static const char lab_nrpc_bind_ack_hex[] =
	"05000c03100000003c00000001000000d016d0165a1a000006003439313532000100000000000000045d888aeb1cc911"
	"9fe808002b10486002000000";
static const char lab_reqchal_resp_hex[] =
	"050002031000000024000000020000000c00000000000000a20514eb617b9cb900000000";
static const char lab_auth3_resp_hex[] =
	"05000203100000002c0000000300000014000000000000006df55b2c0bc2e389ffff2f615004000000000000";
static const char lab_schannel_alter_resp_hex[] =
	"05000f03100000004c000c0004000000d016d0165a1a0000000000000100000000000000045d888aeb1cc9119fe80800"
	"2b104860020000004406000001000000010000000000000000006c00";
static const char lab_sealed_caps_resp_hex[] =
	"050002031000000078003800050000001800000000000000d88db89cd87920610ea795bb940fcda31d3f1701b04ec858"
	"512d41832944a72c440608000100000013001a00ffff0000ab91ae4225edfe8420a6e2ff65f423bf22aff58613a6dfb6"
	"000000000000000000000000000000000000000000000000";

static size_t pdu(const char *hex, uint8_t *buf, size_t cap, struct dcerpc_pdu *p)
{
	size_t n = sweep_unhex(hex, buf, cap);

	assert_int_equal(dcerpc_dec_pdu(buf, n, p), WIRE_OK);
	return n;
}

static void test_endpoint_mapper_answers(void **state)
{
	static uint8_t buf[512];
	struct dcerpc_pdu p;
	struct epm_map_rep rep;
	uint16_t port = 0;

	(void)state;
	pdu(lab_epm_bind_ack_hex, buf, sizeof(buf), &p);
	assert_int_equal(p.ptype, DCERPC_PT_BIND_ACK);
	assert_int_equal(p.n_results, 1);
	assert_int_equal(p.results[0].result, DCERPC_RESULT_ACCEPT);
	assert_string_equal(p.sec_addr, "135");
	pdu(lab_epm_map_resp_hex, buf, sizeof(buf), &p);
	assert_int_equal(p.ptype, DCERPC_PT_RESPONSE);
	assert_int_equal(epm_dec_map_rep(p.stub, p.stub_len, &rep), WIRE_OK);
	assert_int_equal(rep.status, 0);
	assert_true(rep.n_towers >= 1);
	assert_int_equal(epm_rep_tcp_port(&rep, &nrpc_syntax, &port), WIRE_OK);
	assert_int_equal(port, 49152);
}

static void test_netlogon_answers(void **state)
{
	static uint8_t buf[512];
	struct dcerpc_pdu p;
	struct nrpc_auth3_rep ar;
	uint8_t sc[8];
	uint32_t status = 1;

	(void)state;
	pdu(lab_nrpc_bind_ack_hex, buf, sizeof(buf), &p);
	assert_int_equal(p.results[0].result, DCERPC_RESULT_ACCEPT);
	assert_string_equal(p.sec_addr, "49152");
	pdu(lab_reqchal_resp_hex, buf, sizeof(buf), &p);
	assert_int_equal(nrpc_dec_req_challenge_rep(p.stub, p.stub_len, sc, &status), WIRE_OK);
	assert_int_equal(status, 0);
	{
		static const uint8_t zero[8];
		assert_memory_not_equal(sc, zero, 8); /* a real, random server challenge */
	}
	pdu(lab_auth3_resp_hex, buf, sizeof(buf), &p);
	assert_int_equal(nrpc_dec_authenticate3_rep(p.stub, p.stub_len, &ar), WIRE_OK);
	assert_int_equal(ar.status, 0);
	assert_int_equal(ar.flags, 0x612fffffu);
	assert_int_equal(ar.rid, 1104);
}

static void test_schannel_framing(void **state)
{
	static uint8_t buf[512];
	struct dcerpc_pdu p;

	(void)state;
	pdu(lab_schannel_alter_resp_hex, buf, sizeof(buf), &p);
	assert_int_equal(p.ptype, DCERPC_PT_ALTER_RESP);
	assert_int_equal(p.has_auth, 1);
	assert_int_equal(p.auth_type, DCERPC_AUTH_TYPE_NETLOGON);
	assert_int_equal(p.auth_level, DCERPC_AUTH_LEVEL_PRIVACY);
	assert_int_equal(nl_auth_dec_response(p.auth_value, p.auth_len), WIRE_OK);
	pdu(lab_sealed_caps_resp_hex, buf, sizeof(buf), &p);
	assert_int_equal(p.ptype, DCERPC_PT_RESPONSE);
	assert_int_equal(p.auth_type, DCERPC_AUTH_TYPE_NETLOGON);
	assert_int_equal(p.auth_len, SCHANNEL_SIG_LEN);
	assert_int_equal((p.stub_len + p.auth_pad_len) % 16, 0);
	/* the signature header: HMAC-SHA256 signing, AES sealing, pad 0xffff */
	assert_int_equal(p.auth_value[0] | p.auth_value[1] << 8, SCHANNEL_ALG_HMAC_SHA256);
	assert_int_equal(p.auth_value[2] | p.auth_value[3] << 8, SCHANNEL_ALG_AES128);
}

static int sweep_pdu(const uint8_t *b, size_t n, void *ctx)
{
	struct dcerpc_pdu p;

	(void)ctx;
	return dcerpc_dec_pdu(b, n, &p);
}

static void test_every_prefix_of_each_capture_is_rejected(void **state)
{
	static const char *const all[] = { lab_epm_bind_ack_hex, lab_epm_map_resp_hex, lab_nrpc_bind_ack_hex,
					   lab_reqchal_resp_hex, lab_auth3_resp_hex, lab_schannel_alter_resp_hex,
					   lab_sealed_caps_resp_hex };
	static uint8_t buf[512];

	(void)state;
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		size_t n = sweep_unhex(all[i], buf, sizeof(buf));
		assert_int_equal(sweep_truncations(buf, n, sweep_pdu, NULL), 0);
		(void)sweep_bitflips(buf, n, sweep_pdu, NULL);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_endpoint_mapper_answers),
		cmocka_unit_test(test_netlogon_answers),
		cmocka_unit_test(test_schannel_framing),
		cmocka_unit_test(test_every_prefix_of_each_capture_is_rejected),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
