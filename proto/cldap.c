/*
 * proto/cldap.c - the LDAP ping (MS-ADTS 6.3.3) and
 * NETLOGON_SAM_LOGON_RESPONSE_EX (MS-ADTS 6.3.1.9).
 */
#include "cldap.h"

#include <string.h>

#include "ber.h"
#include "ldap_msg.h"

const struct ds_flag_name ds_flag_names[] = {
	{ DS_PDC_FLAG, "pdc" },
	{ DS_GC_FLAG, "gc" },
	{ DS_LDAP_FLAG, "ldap" },
	{ DS_DS_FLAG, "ds" },
	{ DS_KDC_FLAG, "kdc" },
	{ DS_TIMESERV_FLAG, "timeserv" },
	{ DS_CLOSEST_FLAG, "closest" },
	{ DS_WRITABLE_FLAG, "writable" },
	{ DS_GOOD_TIMESERV_FLAG, "good_timeserv" },
	{ DS_NDNC_FLAG, "ndnc" },
	{ DS_SELECT_SECRET_DOMAIN_6_FLAG, "select_secret_domain_6" },
	{ DS_FULL_SECRET_DOMAIN_6_FLAG, "full_secret_domain_6" },
	{ DS_WS_FLAG, "ws" },
	{ DS_DS_8_FLAG, "ds_8" },
	{ DS_DS_9_FLAG, "ds_9" },
	{ DS_DS_10_FLAG, "ds_10" },
	{ DS_KEY_LIST_FLAG, "key_list" },
	{ DS_DS_13_FLAG, "ds_13" },
	{ DS_DNS_CONTROLLER_FLAG, "dns_controller" },
	{ DS_DNS_DOMAIN_FLAG, "dns_domain" },
	{ DS_DNS_FOREST_FLAG, "dns_forest" },
};
const size_t ds_flag_names_count = sizeof(ds_flag_names) / sizeof(ds_flag_names[0]);

/* ---- request -------------------------------------------------------- */

#define NL_SID_MIN 8  /* revision, count, authority: MS-DTYP 2.4.2.2 */
#define NL_SID_MAX 68 /* ... plus 15 sub-authorities */

static void add_str(struct ldap_filter_eq *items, size_t *n, const char *attr, const char *v)
{
	if (!v || !*v)
		return;
	items[*n].attr = attr;
	items[*n].val = (const uint8_t *)v;
	items[*n].len = strlen(v);
	(*n)++;
}

static void add_bin(struct ldap_filter_eq *items, size_t *n, const char *attr, const uint8_t *v, size_t len)
{
	items[*n].attr = attr;
	items[*n].val = v;
	items[*n].len = len;
	(*n)++;
}

static void put_le32(uint8_t out[4], uint32_t v)
{
	out[0] = (uint8_t)v;
	out[1] = (uint8_t)(v >> 8);
	out[2] = (uint8_t)(v >> 16);
	out[3] = (uint8_t)(v >> 24);
}

/*
 * MS-ADTS 6.3.3.1 (LDAP ping): a search with base "" and scope base whose
 * filter is an AND of equality items drawn from DnsDomain, Host,
 * DnsHostName, User, AAC, DomainGuid, DomainSid, NtVer (AAC and NtVer are
 * 32-bit little-endian binary values), requesting the single attribute
 * "Netlogon".
 */
int cldap_enc_ping(struct wwr *w, uint32_t msgid, const struct cldap_ping_req *req)
{
	static const char *const attrs[] = { "Netlogon" };
	struct ldap_filter_eq items[8];
	struct ldap_search_req sr;
	uint8_t aac[4], ntver[4];
	size_t n = 0;

	if (!req || (req->domain_sid && req->domain_sid_len &&
		     (req->domain_sid_len < NL_SID_MIN || req->domain_sid_len > NL_SID_MAX))) {
		nber_wfail(w, WIRE_EBAD);
		return wwr_err(w);
	}
	add_str(items, &n, "DnsDomain", req->dns_domain);
	add_str(items, &n, "Host", req->host);
	add_str(items, &n, "DnsHostName", req->dns_host_name);
	add_str(items, &n, "User", req->user);
	if (req->aac) {
		put_le32(aac, req->aac);
		add_bin(items, &n, "AAC", aac, sizeof(aac));
	}
	if (req->domain_guid)
		add_bin(items, &n, "DomainGuid", req->domain_guid, 16);
	if (req->domain_sid && req->domain_sid_len)
		add_bin(items, &n, "DomainSid", req->domain_sid, req->domain_sid_len);
	put_le32(ntver, req->ntver);
	add_bin(items, &n, "NtVer", ntver, sizeof(ntver));

	memset(&sr, 0, sizeof(sr));
	sr.base = "";
	sr.scope = LDAP_SCOPE_BASE;
	sr.and_items = items;
	sr.n_items = n;
	sr.attrs = attrs;
	sr.n_attrs = 1;
	return ldap_enc_search(w, msgid, &sr);
}

/* ---- NETLOGON_SAM_LOGON_RESPONSE_EX --------------------------------- */

#define NL_FIXED_LEN   24 /* Opcode, Sbz, Flags, DomainGuid */
#define NL_TRAILER_LEN 8  /* NtVersion, LmNtToken, Lm20Token */
#define NL_MIN_LEN     (NL_FIXED_LEN + 8 + NL_TRAILER_LEN) /* eight empty names */
#define NL_MAX_HOPS    16 /* compression pointers followed per name */
#define NL_SOCKADDR_LEN 16
#define NL_AF_INET     2

/*
 * One label's bytes must be UTF-8 (MS-ADTS 6.3.1.9 says the names are
 * UTF-8) without C0/C1 controls or DEL, so they are safe to print and to
 * put in JSON.  Overlong forms and surrogates are refused.
 */
static int label_ok(const uint8_t *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint8_t c = p[i];
		size_t k;
		uint8_t lo = 0x80, hi = 0xbf;

		if (c < 0x80) {
			if (c < 0x20 || c == 0x7f)
				return 0;
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			k = 1;
		else if (c >= 0xe0 && c <= 0xef)
			k = 2;
		else if (c >= 0xf0 && c <= 0xf4)
			k = 3;
		else
			return 0;
		if (c == 0xc2)
			lo = 0xa0; /* U+0080..U+009F are C1 controls */
		else if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
		else if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
		if (n - i - 1 < k)
			return 0;
		for (size_t j = 1; j <= k; j++) {
			uint8_t cc = p[i + j];

			if (j == 1 ? (cc < lo || cc > hi) : (cc < 0x80 || cc > 0xbf))
				return 0;
		}
		i += k + 1;
	}
	return 1;
}

/*
 * RFC 1035 §3.1 / §4.1.4 as MS-ADTS 6.3.7 applies it: a sequence of labels
 * (length 0..63, then bytes) ended by a zero byte or by a pointer 0xC0|hi,lo
 * to an offset from the start of the blob.  Every pointer must go strictly
 * below the start of the labels read so far (so targets strictly decrease
 * and no loop is possible), and at most NL_MAX_HOPS are followed.  The
 * reader r advances past the name as it appears in place.
 */
static int nl_get_name(struct wrd *r, char out[NL_NAME_MAX])
{
	struct wrd c = *r;      /* where labels are read from */
	size_t lowest = wrd_pos(r);
	size_t n = 0;
	int hops = 0, jumped = 0;

	for (;;) {
		uint8_t b = wrd_u8(&c);

		if (c.err)
			break;
		if (b == 0)
			break;
		if ((b & 0xc0) == 0xc0) {
			size_t off = (size_t)(b & 0x3f) << 8;

			off |= wrd_u8(&c);
			if (c.err)
				break;
			if (!jumped) {
				wrd_skip(r, wrd_pos(&c) - wrd_pos(r));
				jumped = 1;
			}
			if (off >= lowest) {
				wrd_fail(&c, WIRE_EBAD);
				break;
			}
			if (++hops > NL_MAX_HOPS) {
				wrd_fail(&c, WIRE_ELIMIT);
				break;
			}
			lowest = off;
			wrd_seek(&c, off);
			continue;
		}
		if (b & 0xc0) { /* 0x40 and 0x80: reserved label types */
			wrd_fail(&c, WIRE_EBAD);
			break;
		}
		{
			const uint8_t *label = wrd_ptr(&c, b);

			if (c.err)
				break;
			if (n + (n ? 1u : 0u) + b > NL_NAME_MAX - 1) {
				wrd_fail(&c, WIRE_ELIMIT);
				break;
			}
			if (!label_ok(label, b)) {
				wrd_fail(&c, WIRE_EBAD);
				break;
			}
			if (n)
				out[n++] = '.';
			memcpy(out + n, label, b);
			n += b;
		}
	}
	if (c.err) {
		out[0] = '\0';
		return wrd_fail(r, c.err);
	}
	if (!jumped)
		wrd_skip(r, wrd_pos(&c) - wrd_pos(r));
	out[n] = '\0';
	return r->err;
}

/*
 * Samba copes with servers that send DcSockAddr without setting
 * NETLOGON_NT_VERSION_5EX_WITH_IP in NtVersion; so do we, when the next
 * bytes are unmistakably a sockaddr_in: size 16 then AF_INET little-endian.
 * A name cannot start that way (0x02 is not a valid label byte).
 */
static int looks_like_sockaddr(const struct wrd *r)
{
	struct wrd p = *r;
	uint8_t size, fam_lo, fam_hi;

	if (wrd_left(&p) < 1 + NL_SOCKADDR_LEN)
		return 0;
	size = wrd_u8(&p);
	fam_lo = wrd_u8(&p);
	fam_hi = wrd_u8(&p);
	return size == NL_SOCKADDR_LEN && fam_lo == NL_AF_INET && fam_hi == 0;
}

/*
 * MS-ADTS 6.3.1.9 NETLOGON_SAM_LOGON_RESPONSE_EX, packed, little-endian:
 *   u16 Opcode; u16 Sbz; u32 Flags; GUID DomainGuid;
 *   DnsForestName, DnsDomainName, DnsHostName, NetbiosDomainName,
 *   NetbiosComputerName, UserName, DcSiteName, ClientSiteName (compressed names);
 *   [NtVersion & V5EP] u8 DcSockAddrSize (16); SOCKADDR_IN DcSockAddr
 *       {u16 sin_family = AF_INET (LE); u16 sin_port; u8 sin_addr[4]; u8 sin_zero[8]};
 *   [NtVersion & VCS] NextClosestSiteName;
 *   u32 NtVersion; u16 LmNtToken = 0xFFFF; u16 Lm20Token = 0xFFFF
 * The trailer is read first because NtVersion says which optional fields
 * precede it; the bytes before the trailer must be used up exactly.
 */
int nl_dec_samlogon_ex(const uint8_t *blob, size_t len, struct nl_samlogon_ex *out)
{
	struct nl_samlogon_ex s;
	struct wrd t, r;
	uint16_t lmnt, lm20;
	char *names[8];

	if (!blob || len < NL_MIN_LEN)
		return WIRE_ETRUNC;
	memset(&s, 0, sizeof(s));

	wrd_init(&t, blob, len);
	wrd_seek(&t, len - NL_TRAILER_LEN);
	s.nt_version = wrd_u32le(&t);
	lmnt = wrd_u16le(&t);
	lm20 = wrd_u16le(&t);
	if (t.err)
		return t.err;
	if (lmnt != 0xffff || lm20 != 0xffff)
		return WIRE_EBAD;

	wrd_init(&r, blob, len - NL_TRAILER_LEN);
	s.opcode = wrd_u16le(&r);
	(void)wrd_u16le(&r); /* Sbz: MUST be 0, ignored */
	s.server_flags = wrd_u32le(&r);
	wrd_bytes(&r, s.domain_guid, sizeof(s.domain_guid));
	if (r.err)
		return r.err;
	if (s.opcode != LOGON_SAM_LOGON_RESPONSE_EX && s.opcode != LOGON_SAM_PAUSE_RESPONSE_EX &&
	    s.opcode != LOGON_SAM_USER_UNKNOWN_EX)
		return WIRE_EBAD;

	names[0] = s.forest;
	names[1] = s.dns_domain;
	names[2] = s.dc_dns_name;
	names[3] = s.netbios_domain;
	names[4] = s.dc_netbios_name;
	names[5] = s.user_name;
	names[6] = s.dc_site;
	names[7] = s.client_site;
	for (size_t i = 0; i < 8; i++)
		if (nl_get_name(&r, names[i]))
			return r.err;

	if ((s.nt_version & NETLOGON_NT_VERSION_5EX_WITH_IP) || looks_like_sockaddr(&r)) {
		uint8_t size = wrd_u8(&r);
		uint16_t family;

		if (!r.err && size != NL_SOCKADDR_LEN)
			return WIRE_EBAD;
		family = wrd_u16le(&r);
		(void)wrd_u16be(&r); /* sin_port */
		wrd_bytes(&r, s.dc_ipv4, sizeof(s.dc_ipv4));
		wrd_skip(&r, 8); /* sin_zero */
		if (r.err)
			return r.err;
		if (family != NL_AF_INET)
			return WIRE_EBAD;
		s.has_sockaddr = 1;
	}
	if (s.nt_version & NETLOGON_NT_VERSION_WITH_CLOSEST_SITE) {
		if (nl_get_name(&r, s.next_closest_site))
			return r.err;
	}
	if (wrd_finish(&r))
		return r.err;
	*out = s;
	return WIRE_OK;
}

/* ---- the reply ------------------------------------------------------ */

/*
 * MS-ADTS 6.3.3.2: the DC answers the ping with a SearchResultEntry
 * (objectName "", one attribute "Netlogon" holding one binary value)
 * followed by SearchResultDone (RFC 4511 §4.5.2); on UDP both sit in one
 * datagram.
 */
int cldap_dec_ping_reply(const uint8_t *buf, size_t len, uint32_t msgid, struct nl_samlogon_ex *out)
{
	struct ldap_msg m;
	struct ldap_bval nl = { NULL, 0 };
	struct wrd r;
	int have_entry = 0;

	wrd_init(&r, buf, len);
	for (;;) {
		if (wrd_left(&r) == 0)
			return r.err ? r.err : WIRE_ETRUNC; /* no SearchResultDone */
		if (ldap_dec_msg(&r, &m))
			return r.err;
		if (m.msgid != msgid)
			return WIRE_EBAD;
		if (m.op == LDAP_OP_SEARCH_DONE)
			break;
		if (m.op != LDAP_OP_SEARCH_ENTRY || have_entry)
			return WIRE_EBAD;
		have_entry = 1;
		{
			const struct ldap_attr *a = ldap_msg_find(&m, "Netlogon");

			if (!a || a->n_vals != 1)
				return WIRE_EBAD;
			nl = a->vals[0];
		}
	}
	if (wrd_finish(&r))
		return r.err;
	if (m.result_code != 0 || !have_entry)
		return WIRE_EBAD;
	return nl_dec_samlogon_ex(nl.p, nl.len, out);
}
