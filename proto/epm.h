/*
 * proto/epm.h - endpoint mapper ept_map (opnum 3) for ncacn_ip_tcp
 * (C706 App. L "protocol towers", MS-RPCE 2.2.1.2 / 3.1.1.5.6; Samba
 * epmapper.idl; impacket epm.hept_map).
 *
 *   error_status_t ept_map([in] handle_t h, [in, ptr] uuid_p_t object,
 *       [in, ptr] twr_p_t map_tower, [in, out] ept_lookup_handle_t *entry_handle,
 *       [in, range(0,500)] unsigned32 max_towers, [out] unsigned32 *num_towers,
 *       [out, ptr, size_is(max_towers), length_is(*num_towers)] twr_p_t *towers);
 *   typedef struct { unsigned32 tower_length; [size_is(tower_length)] byte tower_octet_string[]; } twr_t;
 *
 * A tower is u16 floor_count, then per floor u16 lhs_len, lhs, u16 rhs_len,
 * rhs (all little-endian except the TCP port and IPv4 address, which are
 * big-endian).  For ncacn_ip_tcp: interface (0x0d + uuid + major | minor),
 * transfer syntax (same form), 0x0b (RPC connection-oriented, rhs minor
 * version 0), 0x07 (TCP port), 0x09 (IPv4).
 */
#ifndef NLT_PROTO_EPM_H
#define NLT_PROTO_EPM_H

#include <stddef.h>
#include <stdint.h>

#include "dcerpc.h"
#include "wire.h"

#define EPM_OPNUM_MAP 3
#define EPM_TCP_PORT 135
#define EPM_MAX_TOWERS 32       /* towers we accept in one answer */
#define EPM_MAX_TOWER_LEN 1024  /* octets of one tower */
#define EPM_MAX_FLOORS 16
#define EPM_S_NOT_REGISTERED 0x16c9a0d6u

/* epmapper e1af8308-5d1f-11c9-91a4-08002b14a0fa v3.0 */
extern const struct dcerpc_syntax epm_syntax;

/* A decoded ncacn_ip_tcp tower. */
struct epm_tower {
	struct dcerpc_syntax iface;
	struct dcerpc_syntax transfer;
	uint16_t port;  /* host order */
	uint8_t ip[4];  /* network order */
};

/* Tower octets for iface over NDR 2.0 / ncacn_ip_tcp (port/ip may be 0). */
int epm_enc_tower(struct wwr *w, const struct epm_tower *t);
/*
 * Decode tower octets (exactly len bytes).  Floors beyond the five of
 * ncacn_ip_tcp are WIRE_EBAD, as is any other protocol sequence: the caller
 * asked the mapper for TCP.
 */
int epm_dec_tower(const uint8_t *buf, size_t len, struct epm_tower *t);

/*
 * ept_map request stub: NULL-equivalent object (referent id 1, nil UUID),
 * the map tower (referent id 2: Windows 2003 rejects other ids, per
 * impacket), a zero entry handle, max_towers.
 */
int epm_enc_map_req(struct wwr *w, const struct dcerpc_syntax *iface, uint32_t max_towers);

struct epm_map_rep {
	uint8_t entry_handle[20];
	uint32_t status;    /* error_status_t; EPM_S_NOT_REGISTERED when nothing matches */
	size_t n_towers;    /* towers decoded into towers[] */
	struct epm_tower towers[EPM_MAX_TOWERS];
};
/*
 * Decode the ept_map response stub (exactly len bytes).  Each tower must
 * be an ncacn_ip_tcp tower (WIRE_EBAD otherwise); more than EPM_MAX_TOWERS
 * is WIRE_ELIMIT.  num_towers must equal the array's actual_count.
 */
int epm_dec_map_rep(const uint8_t *stub, size_t len, struct epm_map_rep *rep);
/* The response stub (what a mapper sends; for tests): referent ids 3, 4, ... */
int epm_enc_map_rep(struct wwr *w, const struct epm_map_rep *rep, uint32_t max_towers);
/*
 * The first TCP port offered for iface over NDR 2.0: WIRE_OK and *port,
 * or WIRE_EBAD when status != 0 or no tower matches.
 */
int epm_rep_tcp_port(const struct epm_map_rep *rep, const struct dcerpc_syntax *iface, uint16_t *port);

#endif
