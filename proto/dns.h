/*
 * proto/dns.h - DNS message codec: queries out, replies in.
 *
 * RFC 1035 (messages, names, compression), RFC 2782 (SRV), RFC 3596 (AAAA),
 * RFC 6891 (EDNS0 OPT).  Pure: no sockets, clock, randomness or allocation;
 * the id of a query and the random source of dns_srv_sort() are parameters.
 *
 * Names are in presentation form without the trailing dot ("dc1.lab.test";
 * the root is "").  A decoded label byte outside '!'..'~', or a '.' or '\'
 * inside a label, is written as \DDD (RFC 1035 §5.1), so a decoded name is
 * printable ASCII and never holds a dot that is not a label boundary.
 * dns_enc_query() reads the same escapes (\DDD and \X) and raw bytes above
 * '~' (UTF-8), so every decoded name can be queried as it is.
 */
#ifndef NLT_PROTO_DNS_H
#define NLT_PROTO_DNS_H

#include <stddef.h>
#include <stdint.h>

#include "wire.h"

#define DNS_NAME_MAX 256 /* 255 + NUL, presentation form without trailing dot */

/* RR types (RFC 1035 §3.2.2, RFC 3596 §2.1, RFC 2782, RFC 6891 §6.1.1) */
#define DNS_T_A 1
#define DNS_T_NS 2
#define DNS_T_CNAME 5
#define DNS_T_SOA 6
#define DNS_T_AAAA 28
#define DNS_T_SRV 33
#define DNS_T_OPT 41
#define DNS_C_IN 1

/* Header flags (RFC 1035 §4.1.1) */
#define DNS_F_QR 0x8000
#define DNS_F_OPCODE 0x7800
#define DNS_F_AA 0x0400
#define DNS_F_TC 0x0200
#define DNS_F_RD 0x0100
#define DNS_F_RA 0x0080

/* RCODEs (RFC 1035 §4.1.1); struct dns_reply.rcode includes the EDNS extension bits */
#define DNS_R_NOERROR 0
#define DNS_R_FORMERR 1
#define DNS_R_SERVFAIL 2
#define DNS_R_NXDOMAIN 3
#define DNS_R_NOTIMP 4
#define DNS_R_REFUSED 5

#define DNS_MAX_SRV 64
#define DNS_MAX_ADDR 128
#define DNS_MAX_CNAME 4
#define DNS_UDP_PAYLOAD 4096 /* what our OPT RR advertises */
/* Longest query we build: 12 header + 255 name + 4 question + 11 OPT */
#define DNS_QUERY_MAX 282

/*
 * Check a name for dns_enc_query(): non-empty labels of at most 63 octets,
 * at most 255 octets on the wire (253 characters without escapes and without
 * the optional trailing dot), valid escapes, no raw byte below '!' or DEL.
 * Returns WIRE_OK or WIRE_EBAD.
 */
int dns_name_check(const char *name);

/*
 * Build a standard query (RFC 1035 §4.1): ID id, RD=1, one question
 * name/qtype/IN, and an EDNS0 OPT RR (RFC 6891 §6.1.2) advertising a
 * 4096-byte UDP payload.  Returns WIRE_OK, WIRE_EBAD for a bad name (nothing
 * written; the writer's sticky error is set) or WIRE_ESPACE.
 */
int dns_enc_query(struct wwr *w, uint16_t id, const char *name, uint16_t qtype);
/* The same with a chosen OPT payload size; 0 = no OPT RR (the RFC 6891 §7 fallback after FORMERR). */
int dns_enc_query_opt(struct wwr *w, uint16_t id, const char *name, uint16_t qtype, uint16_t udp_payload);

struct dns_srv {
	uint16_t priority, weight, port;
	char target[DNS_NAME_MAX]; /* "" = the root: "service decidedly not available" (RFC 2782) */
};

struct dns_rr_addr {
	char name[DNS_NAME_MAX]; /* owner name */
	int family;              /* AF_INET or AF_INET6 */
	uint8_t addr[16];        /* 4 or 16 bytes, network order */
	uint32_t ttl;
};

struct dns_reply {
	uint16_t id;
	uint16_t flags; /* the header's second 16 bits: QR, opcode, AA, TC, RD, RA, Z, RCODE */
	int rcode;      /* header RCODE, plus the OPT extended bits (RFC 6891 §6.1.3) */
	int truncated;  /* TC set */
	char qname[DNS_NAME_MAX]; /* first question ("" and qtype 0 when QDCOUNT is 0) */
	uint16_t qtype;
	uint16_t qdcount, ancount, nscount, arcount; /* the header counts, as sent */
	size_t n_srv;   /* SRV records of class IN from the answer section */
	struct dns_srv srv[DNS_MAX_SRV];
	size_t n_addr;  /* A/AAAA of class IN from the answer AND additional sections */
	struct dns_rr_addr addr[DNS_MAX_ADDR];
	size_t n_cname; /* CNAME targets of class IN from the answer section, in order */
	char cname[DNS_MAX_CNAME][DNS_NAME_MAX];
};

/*
 * Parse a whole DNS message (RFC 1035 §4.1).  Returns WIRE_OK or a WIRE_*
 * error; on error *out is zeroed.
 *  - compression pointers (§4.1.4) must point strictly before themselves,
 *    with at most DNS_MAX_HOPS pointers per name; names are limited to 255
 *    octets and labels to 63 (§2.3.4); label types 01/10 are rejected.
 *  - every count is bounded by the bytes left before it drives a loop.
 *  - records past the caps above, records of other types or classes and
 *    records whose names need more than 255 characters in presentation form
 *    are skipped, not errors.  A, AAAA, SRV and CNAME RDATA must have their
 *    exact size.  Bytes after the last record are an error.
 *  - QR is not checked (a query parses as a reply with no answers): the
 *    resolver checks QR and the opcode.
 *  - a message with TC set may end early: once the header and question are
 *    whole, running out of bytes in the record sections is not an error
 *    (the records seen whole are kept), since the caller will retry over TCP.
 */
int dns_dec_reply(const uint8_t *buf, size_t len, struct dns_reply *out);
#define DNS_MAX_HOPS 64

/*
 * RFC 2782 order: ascending priority (stable); within a priority, weighted
 * random selection: a record of weight w comes next with probability
 * w / (sum + 1) and the weight-0 records share 1 / (sum + 1) (all of it
 * when every weight is 0, in the given order).  rnd returns uniform 32-bit
 * values (NULL = always 0: deterministic).  Pure and testable.
 */
void dns_srv_sort(struct dns_srv *srv, size_t n, uint32_t (*rnd)(void *ctx), void *ctx);

#endif
