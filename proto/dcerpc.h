/*
 * proto/dcerpc.h - DCE/RPC connection-oriented PDUs (C706 ch.12;
 * MS-RPCE 2.2.2): the common header, bind / bind_ack / bind_nak /
 * alter_context / alter_context_resp / auth3 / request / response / fault,
 * the sec_trailer, request fragmentation and response reassembly.
 *
 * One encoder and one decoder for every PDU type, over struct dcerpc_pdu.
 * Stub and auth_value are borrowed pointers into the caller's buffers.
 * Only data representation 10 00 00 00 (little-endian, ASCII, IEEE) is
 * accepted; anything else is WIRE_EBAD.  Decoders never trust frag_length
 * beyond the buffer.
 */
#ifndef NLT_PROTO_DCERPC_H
#define NLT_PROTO_DCERPC_H

#include <stddef.h>
#include <stdint.h>

#include "ndr.h"
#include "wire.h"

enum dcerpc_ptype {
	DCERPC_PT_REQUEST = 0,
	DCERPC_PT_RESPONSE = 2,
	DCERPC_PT_FAULT = 3,
	DCERPC_PT_BIND = 11,
	DCERPC_PT_BIND_ACK = 12,
	DCERPC_PT_BIND_NAK = 13,
	DCERPC_PT_ALTER = 14,
	DCERPC_PT_ALTER_RESP = 15,
	DCERPC_PT_AUTH3 = 16,
};

#define DCERPC_PFC_FIRST 0x01
#define DCERPC_PFC_LAST 0x02
#define DCERPC_PFC_SUPPORT_HEADER_SIGN 0x04 /* bind/alter/acks; PENDING_CANCEL elsewhere */
#define DCERPC_PFC_CONC_MPX 0x10
#define DCERPC_PFC_DID_NOT_EXECUTE 0x20
#define DCERPC_PFC_MAYBE 0x40
#define DCERPC_PFC_OBJECT_UUID 0x80

#define DCERPC_HDR_LEN 16
#define DCERPC_REQ_HDR_LEN 24 /* request/response headers */
#define DCERPC_TRAILER_LEN 8
#define DCERPC_AUTH_PAD 16 /* stub padding before a sec_trailer (Samba, MS-RPCE 2.2.2.11) */

/* auth_type / auth_level (MS-RPCE 2.2.1.1.7-8) */
#define DCERPC_AUTH_TYPE_NONE 0
#define DCERPC_AUTH_TYPE_SPNEGO 9
#define DCERPC_AUTH_TYPE_NTLMSSP 10
#define DCERPC_AUTH_TYPE_KRB5 16
#define DCERPC_AUTH_TYPE_NETLOGON 68
#define DCERPC_AUTH_LEVEL_NONE 1
#define DCERPC_AUTH_LEVEL_CONNECT 2
#define DCERPC_AUTH_LEVEL_INTEGRITY 5
#define DCERPC_AUTH_LEVEL_PRIVACY 6

/* p_cont_def_result_t (C706 12.6.3.1) */
#define DCERPC_RESULT_ACCEPT 0
#define DCERPC_RESULT_USER_REJECT 1
#define DCERPC_RESULT_PROVIDER_REJECT 2
#define DCERPC_RESULT_NEGOTIATE_ACK 3

/* fault status values worth naming (C706 App. E, MS-RPCE 2.2.2.11) */
#define DCERPC_FAULT_OP_RNG_ERROR 0x1c010002u
#define DCERPC_FAULT_UNKNOWN_IF 0x1c010003u
#define DCERPC_FAULT_ACCESS_DENIED 0x00000005u
#define DCERPC_FAULT_BAD_STUB_DATA 0x000006f7u

#define DCERPC_MAX_CTX 4      /* presentation contexts per bind we encode/accept */
#define DCERPC_MAX_TS 2       /* transfer syntaxes per context */
#define DCERPC_SEC_ADDR_MAX 256

/* p_syntax_id_t: interface or transfer syntax, 20 bytes on the wire. */
struct dcerpc_syntax {
	struct ndr_guid uuid;
	uint16_t major, minor; /* if_version: u32 = major | minor << 16 */
};
/* NDR 2.0: 8a885d04-1ceb-11c9-9fe8-08002b104860 v2.0 */
extern const struct dcerpc_syntax dcerpc_syntax_ndr20;

struct dcerpc_ctx {
	uint16_t ctx_id;
	struct dcerpc_syntax abstract;
	size_t n_ts;
	struct dcerpc_syntax ts[DCERPC_MAX_TS];
};

struct dcerpc_result {
	uint16_t result, reason;
	struct dcerpc_syntax ts;
};

struct dcerpc_pdu {
	uint8_t ptype;
	uint8_t pfc_flags;  /* on encode, OBJECT_UUID is set from has_object */
	uint32_t call_id;
	/* bind, alter_context, bind_ack, alter_context_resp */
	uint16_t max_xmit_frag, max_recv_frag;
	uint32_t assoc_group_id;
	size_t n_ctx; /* bind/alter */
	struct dcerpc_ctx ctx[DCERPC_MAX_CTX];
	char sec_addr[DCERPC_SEC_ADDR_MAX]; /* ack: secondary address, ASCII without NUL */
	size_t n_results; /* ack */
	struct dcerpc_result results[DCERPC_MAX_CTX];
	/* bind_nak */
	uint16_t reject_reason;
	/* request, response, fault */
	uint32_t alloc_hint;
	uint16_t ctx_id;
	uint16_t opnum;       /* request */
	uint8_t cancel_count; /* response, fault */
	uint32_t status;      /* fault */
	int has_object;       /* request: OBJECT_UUID */
	struct ndr_guid object;
	const uint8_t *stub; /* request/response/fault body (without auth padding); borrowed */
	size_t stub_len;
	/* sec_trailer + auth_value (present when auth_len > 0 or has_auth) */
	int has_auth;
	uint8_t auth_type, auth_level, auth_pad_len; /* pad_len: decoded, or written */
	uint32_t auth_context_id;
	const uint8_t *auth_value; /* NULL on encode: zeros, fill in later via the layout */
	size_t auth_len;
};

/* Where things landed in an encoded PDU (offsets from its first byte). */
struct dcerpc_layout {
	size_t pdu_len;
	size_t stub_off, stub_len; /* stub_len includes the auth padding */
	size_t trailer_off;        /* 0 without auth */
	size_t auth_off;
};

/* The common header alone (C706 12.6.3.1): 16 bytes, version 5.0, drep LE/ASCII/IEEE. */
struct dcerpc_hdr {
	uint8_t ptype, pfc_flags;
	uint16_t frag_length, auth_length;
	uint32_t call_id;
};
/*
 * Decode the first 16 bytes of a PDU (enough for a transport to learn
 * frag_length).  Rejects version != 5.0, another data representation and
 * frag_length < 16 or < auth_length + 16 + 8.
 */
int dcerpc_dec_hdr(const uint8_t *buf, size_t len, struct dcerpc_hdr *h);

/*
 * Encode one PDU into w (which must start at the PDU: offsets count from
 * the buffer start).  With has_auth, the stub of a request/response is
 * padded to a multiple of 16 and a sec_trailer follows; other PDUs are
 * padded to 4.  lay (may be NULL) receives the offsets.
 */
int dcerpc_enc_pdu(struct wwr *w, const struct dcerpc_pdu *pdu, struct dcerpc_layout *lay);
/*
 * Decode exactly one PDU: buf must hold at least frag_length bytes; bytes
 * beyond frag_length are WIRE_ETRAILING (use dcerpc_dec_hdr first to split
 * a stream).  Borrowed pointers point into buf.
 */
int dcerpc_dec_pdu(const uint8_t *buf, size_t len, struct dcerpc_pdu *pdu);

/*
 * Request fragmentation (C706 12.6.2, MS-RPCE 3.3.1.5.1): encode the
 * fragment of stub starting at *off into w and advance *off; call until
 * *off == stub_len (a zero-length stub gives one fragment).  tmpl supplies
 * call_id, ctx_id, opnum, object and auth fields (auth_value ignored: zeros
 * of auth_len, fill in through lay).  Each fragment is at most max_frag
 * bytes; with auth its stub part is a multiple of 16.
 */
int dcerpc_enc_request_frag(struct wwr *w, const struct dcerpc_pdu *tmpl, const uint8_t *stub,
			    size_t stub_len, size_t *off, uint16_t max_frag, struct dcerpc_layout *lay);

/*
 * Response reassembly into a caller buffer whose size is the maximum total
 * stub accepted (WIRE_ELIMIT beyond).  Fragments must be responses of
 * call_id, the first with FIRST, none after the one with LAST; a fault
 * stops with WIRE_EBAD (the caller reads the fault itself first).
 */
struct dcerpc_reasm {
	uint8_t *buf;
	size_t cap, len;
	uint32_t call_id;
	int started, done;
};
void dcerpc_reasm_init(struct dcerpc_reasm *ra, void *buf, size_t cap, uint32_t call_id);
/* pdu->stub is taken as the (already unsealed) fragment stub. */
int dcerpc_reasm_add(struct dcerpc_reasm *ra, const struct dcerpc_pdu *pdu);

const char *dcerpc_ptype_name(int ptype);

#endif
