/*
 * proto/dns.c - DNS message codec (see dns.h).  Pure: no I/O, clock,
 * randomness or allocation.
 */
#include "dns.h"

#include <string.h>
#include <sys/socket.h> /* AF_INET, AF_INET6: constants only */

/* ---- names (RFC 1035 §2.3.1 syntax, §2.3.4 size limits, §3.1 wire form, §5.1 escapes) ---- */

/* Characters written as themselves in presentation form; the rest become \DDD. */
static int name_char_plain(unsigned char c)
{
	return c > ' ' && c < 0x7f && c != '.' && c != '\\';
}

/*
 * Presentation form -> wire form (length-prefixed labels and the root octet).
 * Accepts \DDD (decimal octet) and \X (X literally) escapes, raw bytes
 * above '~' (UTF-8), and one trailing dot; refuses empty labels, labels over
 * 63 octets, names over 255 octets on the wire, and raw bytes below '!' or DEL.
 */
static int name_to_wire(const char *name, uint8_t wire[255], size_t *wlen)
{
	const unsigned char *p = (const unsigned char *)name;
	size_t o = 0, lab = 0; /* lab: offset of the current label's length octet */

	if (!name || !*p || (p[0] == '.' && !p[1]))
		return WIRE_EBAD;
	wire[0] = 0;
	o = 1;
	while (*p) {
		unsigned c = *p++;

		if (c == '.') {
			if (wire[lab] == 0)
				return WIRE_EBAD; /* empty label */
			if (!*p)
				break; /* the trailing dot */
			if (o >= 254)
				return WIRE_EBAD;
			lab = o;
			wire[o++] = 0;
			continue;
		}
		if (c == '\\') {
			if (p[0] >= '0' && p[0] <= '9') {
				if (!(p[1] >= '0' && p[1] <= '9' && p[2] >= '0' && p[2] <= '9'))
					return WIRE_EBAD;
				c = (unsigned)(p[0] - '0') * 100 + (unsigned)(p[1] - '0') * 10 + (unsigned)(p[2] - '0');
				if (c > 255)
					return WIRE_EBAD;
				p += 3;
			} else if (*p > ' ' && *p != 0x7f) {
				c = *p++;
			} else {
				return WIRE_EBAD;
			}
		} else if (c <= ' ' || c == 0x7f) {
			return WIRE_EBAD;
		}
		/* one more octet in this label; 254 leaves room for the root octet */
		if (wire[lab] == 63 || o >= 254)
			return WIRE_EBAD;
		wire[lab]++;
		wire[o++] = (uint8_t)c;
	}
	if (wire[lab] == 0)
		return WIRE_EBAD;
	wire[o++] = 0;
	*wlen = o;
	return WIRE_OK;
}

int dns_name_check(const char *name)
{
	uint8_t wire[255];
	size_t n;

	return name_to_wire(name, wire, &n);
}

/*
 * Query, RFC 1035 §4.1.1 header + §4.1.2 question:
 *   ID u16 | QR=0 OPCODE=0 AA=0 TC=0 RD=1 RA=0 Z=0 RCODE=0 (0x0100)
 *   QDCOUNT=1 | ANCOUNT=0 | NSCOUNT=0 | ARCOUNT=1 (OPT) or 0
 *   QNAME | QTYPE u16 | QCLASS u16 = IN
 * EDNS0 OPT pseudo-RR, RFC 6891 §6.1.2-6.1.3:
 *   NAME=root (0) | TYPE=41 | CLASS=UDP payload size | TTL=ext-RCODE 0,
 *   VERSION 0, DO 0, Z 0 | RDLEN=0
 */
int dns_enc_query_opt(struct wwr *w, uint16_t id, const char *name, uint16_t qtype, uint16_t udp_payload)
{
	uint8_t wire[255];
	size_t wlen = 0;

	if (wwr_err(w))
		return wwr_err(w);
	if (name_to_wire(name, wire, &wlen) != WIRE_OK) {
		w->err = WIRE_EBAD;
		return WIRE_EBAD;
	}
	wwr_u16be(w, id);
	wwr_u16be(w, DNS_F_RD);
	wwr_u16be(w, 1);
	wwr_u16be(w, 0);
	wwr_u16be(w, 0);
	wwr_u16be(w, udp_payload ? 1 : 0);
	wwr_bytes(w, wire, wlen);
	wwr_u16be(w, qtype);
	wwr_u16be(w, DNS_C_IN);
	if (udp_payload) {
		wwr_u8(w, 0);
		wwr_u16be(w, DNS_T_OPT);
		wwr_u16be(w, udp_payload);
		wwr_u32be(w, 0);
		wwr_u16be(w, 0);
	}
	return wwr_err(w);
}

int dns_enc_query(struct wwr *w, uint16_t id, const char *name, uint16_t qtype)
{
	return dns_enc_query_opt(w, id, name, qtype, DNS_UDP_PAYLOAD);
}

/* Append n characters if they fit before the NUL of a DNS_NAME_MAX buffer. */
static int put(char *out, size_t *o, const char *s, size_t n)
{
	if (*o + n > DNS_NAME_MAX - 1)
		return 0;
	memcpy(out + *o, s, n);
	*o += n;
	return 1;
}

/*
 * Read a possibly compressed name (RFC 1035 §4.1.4) from r into out.
 * r's base must be the start of the message (sub-readers keep it), because
 * pointers are offsets from there.  The inline part is read from r; after
 * the first pointer, r stands past it and the rest is read through a
 * message-wide reader.  A pointer must point strictly before its own first
 * octet, and at most DNS_MAX_HOPS are followed, so a name ends.
 * Errors go to r's sticky error.  Returns 1 when the name is valid but its
 * presentation form would exceed 255 characters (out = ""), else 0.
 */
static int name_read(struct wrd *r, const uint8_t *msg, size_t msglen, char out[DNS_NAME_MAX])
{
	struct wrd m, *cur = r;
	size_t wire = 1, o = 0; /* wire octets including the root; presentation characters */
	int hops = 0, toolong = 0;

	memset(out, 0, DNS_NAME_MAX); /* no stale bytes after the NUL: replies compare with memcmp */
	for (;;) {
		size_t at = wrd_pos(cur);
		uint8_t c = wrd_u8(cur);
		const uint8_t *lab;

		if (wrd_err(cur))
			break;
		if ((c & 0xc0) == 0xc0) {
			size_t target = (size_t)(c & 0x3f) << 8 | wrd_u8(cur);
			if (wrd_err(cur))
				break;
			if (target >= at || ++hops > DNS_MAX_HOPS) {
				wrd_fail(cur, WIRE_EBAD);
				break;
			}
			if (cur == r) {
				wrd_init(&m, msg, msglen);
				cur = &m;
			}
			wrd_seek(cur, target);
			continue;
		}
		if (c & 0xc0) { /* 01 and 10: extended label types, RFC 6891 §5 */
			wrd_fail(cur, WIRE_EBAD);
			break;
		}
		if (c == 0)
			break;
		wire += (size_t)c + 1;
		if (wire > 255) {
			wrd_fail(cur, WIRE_EBAD);
			break;
		}
		lab = wrd_ptr(cur, c);
		if (!lab)
			break;
		if (toolong)
			continue;
		if (o && !put(out, &o, ".", 1)) {
			toolong = 1;
			continue;
		}
		for (size_t i = 0; i < c && !toolong; i++) {
			unsigned char b = lab[i];
			char esc[4] = { '\\', (char)('0' + b / 100), (char)('0' + b / 10 % 10), (char)('0' + b % 10) };

			if (name_char_plain(b))
				toolong = !put(out, &o, (const char *)&lab[i], 1);
			else
				toolong = !put(out, &o, esc, sizeof(esc));
		}
	}
	if (cur != r && wrd_err(cur))
		wrd_fail(r, wrd_err(cur));
	if (wrd_err(r) || toolong) {
		memset(out, 0, DNS_NAME_MAX);
		return !wrd_err(r) && toolong;
	}
	return 0;
}

/* ---- resource records (RFC 1035 §3.2.1, §4.1.3) ---------------------- */

enum { SEC_AN, SEC_NS, SEC_AR };

/*
 * RR: NAME | TYPE u16 | CLASS u16 | TTL u32 | RDLENGTH u16 | RDATA
 *   A     (§3.4.1):     4-octet address
 *   AAAA  (RFC 3596 §2.2): 16-octet address
 *   CNAME (§3.3.1):     domain-name
 *   SRV   (RFC 2782):   Priority u16 | Weight u16 | Port u16 | Target name
 *                       (RFC 2782 forbids compressing Target; RFC 3597 §4
 *                       says to decompress it anyway, and Samba does compress)
 *   OPT   (RFC 6891 §6.1.3): TTL = EXTENDED-RCODE u8 | VERSION u8 | DO/Z u16
 */
static void rr_read(struct wrd *r, const uint8_t *msg, size_t msglen, int sec, int *seen_opt,
		    struct dns_reply *out)
{
	char owner[DNS_NAME_MAX];
	char target[DNS_NAME_MAX];
	uint16_t type, class, rdlen, pri, wt, port;
	uint32_t ttl;
	int skip;
	struct wrd rd;

	skip = name_read(r, msg, msglen, owner);
	type = wrd_u16be(r);
	class = wrd_u16be(r);
	ttl = wrd_u32be(r);
	rdlen = wrd_u16be(r);
	rd = wrd_sub(r, rdlen);
	if (wrd_err(r))
		return;

	if (type == DNS_T_OPT && sec == SEC_AR) {
		if (!*seen_opt) /* more than one OPT is a FORMERR (§6.1.1): use the first */
			out->rcode |= (int)(ttl >> 24) << 4;
		*seen_opt = 1;
		return;
	}
	if (class != DNS_C_IN)
		return;
	switch (type) {
	case DNS_T_A:
	case DNS_T_AAAA: {
		size_t alen = type == DNS_T_A ? 4 : 16;
		struct dns_rr_addr *a;

		if (rdlen != alen) {
			wrd_fail(r, WIRE_EBAD);
			return;
		}
		if (sec == SEC_NS || skip || out->n_addr >= DNS_MAX_ADDR)
			return;
		a = &out->addr[out->n_addr++];
		memcpy(a->name, owner, sizeof(a->name));
		a->family = type == DNS_T_A ? AF_INET : AF_INET6;
		memset(a->addr, 0, sizeof(a->addr));
		wrd_bytes(&rd, a->addr, alen);
		a->ttl = ttl;
		break;
	}
	case DNS_T_CNAME:
		skip = name_read(&rd, msg, msglen, target); /* the owner name is not kept */
		if (wrd_finish(&rd)) {
			wrd_fail(r, WIRE_EBAD); /* RDATA too short or too long for what it holds */
			return;
		}
		if (sec != SEC_AN || skip || out->n_cname >= DNS_MAX_CNAME)
			return;
		memcpy(out->cname[out->n_cname++], target, DNS_NAME_MAX);
		break;
	case DNS_T_SRV:
		pri = wrd_u16be(&rd);
		wt = wrd_u16be(&rd);
		port = wrd_u16be(&rd);
		skip = name_read(&rd, msg, msglen, target); /* the owner name is not kept */
		if (wrd_finish(&rd)) {
			wrd_fail(r, WIRE_EBAD); /* RDATA too short or too long for what it holds */
			return;
		}
		if (sec != SEC_AN || skip || out->n_srv >= DNS_MAX_SRV)
			return;
		out->srv[out->n_srv].priority = pri;
		out->srv[out->n_srv].weight = wt;
		out->srv[out->n_srv].port = port;
		memcpy(out->srv[out->n_srv].target, target, DNS_NAME_MAX);
		out->n_srv++;
		break;
	default:
		break;
	}
}

/*
 * Message, RFC 1035 §4.1:
 *   Header (§4.1.1): ID | flags | QDCOUNT | ANCOUNT | NSCOUNT | ARCOUNT (u16 each)
 *   Question (§4.1.2) x QDCOUNT: QNAME | QTYPE u16 | QCLASS u16
 *   Answer, Authority, Additional (§4.1.3) x AN/NS/ARCOUNT: RRs
 */
#define DNS_MIN_QUESTION 5 /* root name + QTYPE + QCLASS */
#define DNS_MIN_RR 11      /* root name + TYPE CLASS TTL RDLENGTH */

int dns_dec_reply(const uint8_t *buf, size_t len, struct dns_reply *out)
{
	struct wrd r;
	uint16_t counts[3];
	int rc, seen_opt = 0;
	char name[DNS_NAME_MAX];

	memset(out, 0, sizeof(*out));
	wrd_init(&r, buf, len);
	out->id = wrd_u16be(&r);
	out->flags = wrd_u16be(&r);
	out->qdcount = wrd_u16be(&r);
	out->ancount = wrd_u16be(&r);
	out->nscount = wrd_u16be(&r);
	out->arcount = wrd_u16be(&r);
	out->rcode = out->flags & 0x000f;
	out->truncated = (out->flags & DNS_F_TC) != 0;
	counts[SEC_AN] = out->ancount;
	counts[SEC_NS] = out->nscount;
	counts[SEC_AR] = out->arcount;

	if (wrd_check_count(&r, out->qdcount, DNS_MIN_QUESTION, 65535)) {
		for (size_t i = 0; i < out->qdcount && !wrd_err(&r); i++) {
			int toolong = name_read(&r, buf, len, name);
			uint16_t qt = wrd_u16be(&r);
			(void)wrd_u16be(&r); /* QCLASS */
			if (i == 0 && !wrd_err(&r)) {
				if (toolong)
					wrd_fail(&r, WIRE_ELIMIT); /* it cannot be a name we asked for */
				memcpy(out->qname, name, sizeof(out->qname));
				out->qtype = qt;
			}
		}
	}
	if (wrd_err(&r))
		goto out;

	for (int sec = SEC_AN; sec <= SEC_AR && !wrd_err(&r); sec++) {
		size_t n = counts[sec];
		if (out->truncated) {
			/* TC: the sender may have cut the message anywhere; take what is whole */
			if (n > wrd_left(&r) / DNS_MIN_RR)
				n = wrd_left(&r) / DNS_MIN_RR;
		} else if (!wrd_check_count(&r, n, DNS_MIN_RR, 65535)) {
			break;
		}
		for (size_t i = 0; i < n && !wrd_err(&r); i++)
			rr_read(&r, buf, len, sec, &seen_opt, out);
	}
	if (out->truncated) {
		if (wrd_err(&r) == WIRE_ETRUNC) {
			rc = WIRE_OK;
			goto done;
		}
		if (wrd_err(&r))
			goto out;
		/* a cut message may also stop before its counts say: no trailing-data check either way */
		rc = WIRE_OK;
		goto done;
	}
	wrd_finish(&r);
out:
	rc = wrd_err(&r);
done:
	if (rc != WIRE_OK)
		memset(out, 0, sizeof(*out));
	return rc;
}

/* ---- SRV ordering (RFC 2782, "Usage rules") ---------------------------- */

/* Uniform value in [0, bound] without a rejection loop (Lemire's multiply-shift). */
static uint32_t pick(uint32_t (*rnd)(void *), void *ctx, uint32_t bound)
{
	uint64_t x = rnd ? rnd(ctx) : 0;

	return (uint32_t)((x * ((uint64_t)bound + 1)) >> 32);
}

void dns_srv_sort(struct dns_srv *srv, size_t n, uint32_t (*rnd)(void *ctx), void *ctx)
{
	struct dns_srv tmp;
	size_t i, j, g, end;

	if (!srv || n < 2)
		return;
	/* stable insertion sort by priority (n is at most DNS_MAX_SRV in practice) */
	for (i = 1; i < n; i++) {
		tmp = srv[i];
		for (j = i; j > 0 && srv[j - 1].priority > tmp.priority; j--)
			srv[j] = srv[j - 1];
		srv[j] = tmp;
	}
	for (g = 0; g < n; g = end) {
		for (end = g + 1; end < n && srv[end].priority == srv[g].priority; end++)
			;
		/* weight-0 records first, otherwise keeping the order (stable) */
		for (i = g + 1; i < end; i++) {
			if (srv[i].weight != 0)
				continue;
			tmp = srv[i];
			for (j = i; j > g && srv[j - 1].weight != 0; j--)
				srv[j] = srv[j - 1];
			srv[j] = tmp;
		}
		/*
		 * Repeatedly: sum the weights of the unordered records, pick a
		 * number in [0, sum], and move the first record whose running
		 * sum is >= that number to the front of what is left.  RFC 2782
		 * picks uniformly in [0, sum] so that the weight-0 records in
		 * front get the 0; when none is left, we pick in [1, sum]
		 * instead, or the first record would win 1/(sum+1) too often.
		 */
		for (i = g; i + 1 < end; i++) {
			uint32_t sum = 0, run = 0, x;
			size_t k;

			for (k = i; k < end; k++)
				sum += srv[k].weight;
			if (srv[i].weight == 0 || sum == 0)
				x = pick(rnd, ctx, sum);
			else
				x = 1 + pick(rnd, ctx, sum - 1);
			for (k = i; k < end; k++) {
				run += srv[k].weight;
				if (run >= x)
					break;
			}
			if (k == end) /* cannot happen: run reaches sum >= x */
				k = end - 1;
			tmp = srv[k];
			/* keep the rest in order (weight-0 records stay in front) */
			for (j = k; j > i; j--)
				srv[j] = srv[j - 1];
			srv[i] = tmp;
		}
	}
}
