/*
 * proto/ber.c - minimal BER/DER (ITU-T X.690) on the wire.h cursors.
 */
#include "ber.h"

#include <string.h>

/* ---- identifier and length octets ----------------------------------- */

/*
 * X.690 §8.1.2: identifier octets.  Low form: bits 5..1 hold the number
 * (0..30).  High form: bits 5..1 all ones, then base-128 octets with bit 8
 * set on all but the last; the first of them must not be 0x80 (§8.1.2.4.2 c)
 * and the form is used only for numbers >= 31 (§8.1.2.4.1).  We take at most
 * three subsequent octets: tag numbers < 2^21.
 *
 * X.690 §8.1.3: length octets.  Short form 0..127; 0x80 is the indefinite
 * form (rejected: we accept definite lengths only); 0xFF is reserved
 * (§8.1.3.5 c); 0x81..0x84 give 1..4 length octets.  Non-minimal long forms
 * are valid BER and Active Directory sends 0x84 lengths, so they are accepted.
 */
int nber_read_header(struct wrd *r, struct ber_tlv *out)
{
	struct ber_tlv t;
	uint8_t b;

	memset(&t, 0, sizeof(t));
	b = wrd_u8(r);
	t.cls_constructed_tag = b;
	t.cls = b >> 6;
	t.constructed = (b & 0x20) != 0;
	t.tag = b & 0x1f;
	if (!r->err && t.tag == 0x1f) {
		uint32_t v = 0;
		int i;

		for (i = 0; i < 3; i++) {
			uint8_t o = wrd_u8(r);

			if (r->err)
				break;
			if (i == 0 && o == 0x80) {
				wrd_fail(r, WIRE_EBAD);
				break;
			}
			v = (v << 7) | (o & 0x7f);
			if (!(o & 0x80))
				break;
		}
		if (!r->err && i == 3)
			wrd_fail(r, WIRE_ELIMIT); /* a fourth octet: >= 2^21 */
		if (!r->err && v < 31)
			wrd_fail(r, WIRE_EBAD);
		t.tag = v;
	}

	b = wrd_u8(r);
	if (!r->err) {
		if (b < 0x80) {
			t.len = b;
		} else if (b == 0x80 || b == 0xff) {
			wrd_fail(r, WIRE_EBAD);
		} else if (b > 0x84) {
			wrd_fail(r, WIRE_ELIMIT);
		} else {
			uint32_t v = 0;
			int n = b & 0x7f;

			while (n-- > 0)
				v = (v << 8) | wrd_u8(r);
			t.len = v;
		}
	}

	if (r->err) {
		memset(out, 0, sizeof(*out));
		return r->err;
	}
	*out = t;
	return WIRE_OK;
}

int nber_read_tlv(struct wrd *r, struct ber_tlv *out)
{
	struct ber_tlv t;

	if (nber_read_header(r, &t) == WIRE_OK) {
		/* wrd_ptr fails with WIRE_ETRUNC when len > bytes left */
		t.val = wrd_ptr(r, t.len);
	}
	if (r->err) {
		memset(out, 0, sizeof(*out));
		return r->err;
	}
	*out = t;
	return WIRE_OK;
}

int nber_read_expect(struct wrd *r, uint8_t ident, struct ber_tlv *out)
{
	if (nber_read_tlv(r, out) != WIRE_OK)
		return r->err;
	/* a high-form tag has first octet xx11111 and never matches a low ident */
	if (out->cls_constructed_tag != ident || (ident & 0x1f) == 0x1f) {
		memset(out, 0, sizeof(*out));
		return wrd_fail(r, WIRE_EBAD);
	}
	return WIRE_OK;
}

int nber_peek(const struct wrd *r)
{
	struct wrd c = *r;
	uint8_t b = wrd_u8(&c);

	return c.err ? -1 : b;
}

struct wrd nber_tlv_reader(const struct wrd *parent, const struct ber_tlv *t)
{
	struct wrd s;

	s.base = parent->base;
	s.err = parent->err;
	if (s.err || !t->val) {
		s.p = s.end = parent->p;
		return s;
	}
	s.p = t->val;
	s.end = t->val + t->len;
	return s;
}

int nber_sub_done(struct wrd *parent, struct wrd *sub, int finish)
{
	if (finish)
		wrd_finish(sub);
	if (sub->err)
		wrd_fail(parent, sub->err);
	return parent->err;
}

/* ---- primitive contents --------------------------------------------- */

/*
 * X.690 §8.3: two's complement, big-endian, at least one octet; the first
 * nine bits must not be all zeros or all ones (§8.3.2, which binds BER too).
 */
int nber_get_int(const struct ber_tlv *t, int64_t *out)
{
	struct wrd r;
	uint64_t v;
	uint8_t first, second;

	if (t->constructed || t->len == 0)
		return WIRE_EBAD;
	if (t->len > 8)
		return WIRE_ELIMIT;
	wrd_init(&r, t->val, t->len);
	first = wrd_u8(&r);
	if (t->len > 1) {
		struct wrd peek = r;

		second = wrd_u8(&peek);
		if ((first == 0x00 && !(second & 0x80)) || (first == 0xff && (second & 0x80)))
			return WIRE_EBAD;
	}
	v = (first & 0x80) ? UINT64_MAX : 0; /* sign extension */
	v = (v << 8) | first;
	while (wrd_left(&r))
		v = (v << 8) | wrd_u8(&r);
	if (r.err)
		return r.err;
	*out = (int64_t)v;
	return WIRE_OK;
}

int nber_get_bool(const struct ber_tlv *t, int *out)
{
	struct wrd r;
	uint8_t b;

	if (t->constructed || t->len != 1)
		return WIRE_EBAD;
	wrd_init(&r, t->val, t->len);
	b = wrd_u8(&r);
	if (r.err)
		return r.err;
	*out = b != 0;
	return WIRE_OK;
}

/* ---- GeneralizedTime ------------------------------------------------ */

static int is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int64_t y, int m)
{
	static const uint8_t days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return days[m - 1] + (m == 2 && is_leap(y));
}

/* Leap years in [1, y) of the proleptic Gregorian calendar, for y >= 1. */
static int64_t leaps_before(int64_t y)
{
	y -= 1;
	return y / 4 - y / 100 + y / 400;
}

/* Days from 1970-01-01 to 1 January of year y (y >= 1; negative before 1970). */
static int64_t days_to_year(int64_t y)
{
	return (y - 1970) * 365 + leaps_before(y) - leaps_before(1970);
}

static int64_t days_to_date(int64_t y, int m, int d)
{
	int64_t n = days_to_year(y);

	for (int i = 1; i < m; i++)
		n += month_days(y, i);
	return n + d - 1;
}

/* Read n ASCII digits as a number; WIRE_EBAD on a non-digit. */
static int get_digits(struct wrd *r, int n, int *out)
{
	int v = 0;

	while (n-- > 0) {
		uint8_t c = wrd_u8(r);

		if (r->err)
			return r->err;
		if (c < '0' || c > '9')
			return wrd_fail(r, WIRE_EBAD);
		v = v * 10 + (c - '0');
	}
	*out = v;
	return WIRE_OK;
}

int nber_gentime_parse(const uint8_t *s, size_t n, int64_t *unix_out)
{
	struct wrd r;
	int year = 0, mon = 0, day = 0, hour = 0, min = 0, sec = 0;
	uint8_t c;

	wrd_init(&r, s, n);
	if (get_digits(&r, 4, &year) || get_digits(&r, 2, &mon) || get_digits(&r, 2, &day) ||
	    get_digits(&r, 2, &hour) || get_digits(&r, 2, &min) || get_digits(&r, 2, &sec))
		return WIRE_EBAD;
	c = wrd_u8(&r);
	if (c == '.' || c == ',') {
		int digits = 0;

		for (;;) {
			c = wrd_u8(&r);
			if (r.err || c < '0' || c > '9')
				break;
			digits++;
		}
		if (!digits)
			return WIRE_EBAD;
	}
	if (r.err || c != 'Z' || wrd_finish(&r))
		return WIRE_EBAD;
	if (year < 1 || mon < 1 || mon > 12 || day < 1 || day > month_days(year, mon) ||
	    hour > 23 || min > 59 || sec > 59)
		return WIRE_EBAD;
	*unix_out = days_to_date(year, mon, day) * 86400 + hour * 3600 + min * 60 + sec;
	return WIRE_OK;
}

static void put_digits(char *out, int v, int n)
{
	while (n-- > 0) {
		out[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

int nber_gentime_format(int64_t t, char out[BER_GENTIME_LEN + 1])
{
	int64_t days, secs, y;
	int m = 1;

	/* 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59Z */
	if (t < -62135596800LL || t > 253402300799LL)
		return WIRE_EBAD;
	days = t / 86400;
	secs = t % 86400;
	if (secs < 0) {
		secs += 86400;
		days -= 1;
	}
	/* estimate the year from the mean Gregorian year, then correct */
	y = 1970 + (days >= 0 ? days * 400 / 146097 : -((-days * 400 + 146096) / 146097));
	if (y < 1)
		y = 1;
	while (y > 1 && days_to_year(y) > days)
		y--;
	while (days_to_year(y + 1) <= days)
		y++;
	days -= days_to_year(y);
	while (days >= month_days(y, m)) {
		days -= month_days(y, m);
		m++;
	}
	put_digits(out, (int)y, 4);
	put_digits(out + 4, m, 2);
	put_digits(out + 6, (int)days + 1, 2);
	put_digits(out + 8, (int)(secs / 3600), 2);
	put_digits(out + 10, (int)(secs / 60 % 60), 2);
	put_digits(out + 12, (int)(secs % 60), 2);
	out[14] = 'Z';
	out[15] = '\0';
	return WIRE_OK;
}

/* ---- writer --------------------------------------------------------- */

void nber_wfail(struct wwr *w, int err)
{
	if (!w->err)
		w->err = err;
}

/* Octets needed for a long-form length; more than 4 is refused. */
static int len_octets(size_t n)
{
	int k = 0;

	while (n) {
		k++;
		n >>= 8;
	}
	return k;
}

/* X.690 §8.1.3 / DER §10.1: the shortest length encoding. */
static void put_len(struct wwr *w, size_t n)
{
	int k;

	if (n < 0x80) {
		wwr_u8(w, (uint8_t)n);
		return;
	}
	k = len_octets(n);
	if (k > 4) {
		nber_wfail(w, WIRE_ELIMIT);
		return;
	}
	wwr_u8(w, (uint8_t)(0x80 | k));
	while (k-- > 0)
		wwr_u8(w, (uint8_t)(n >> (8 * k)));
}

/* Store one octet at an offset already written (wire.h has only u16/u32). */
static void patch_u8(struct wwr *w, size_t off, uint8_t v)
{
	if (w->err)
		return;
	if (off >= w->len) {
		nber_wfail(w, WIRE_ESPACE);
		return;
	}
	w->buf[off] = v;
}

size_t nber_begin(struct wwr *w, uint8_t ident)
{
	wwr_u8(w, ident);
	return wwr_reserve(w, 1);
}

void nber_end(struct wwr *w, size_t mark)
{
	size_t n;
	int k;

	if (w->err)
		return;
	if (mark == (size_t)-1 || mark >= w->len) {
		nber_wfail(w, WIRE_ESPACE);
		return;
	}
	n = w->len - mark - 1;
	if (n < 0x80) {
		patch_u8(w, mark, (uint8_t)n);
		return;
	}
	k = len_octets(n);
	if (k > 4) {
		nber_wfail(w, WIRE_ELIMIT);
		return;
	}
	wwr_insert_gap(w, mark + 1, (size_t)k);
	patch_u8(w, mark, (uint8_t)(0x80 | k));
	for (int i = 0; i < k; i++)
		patch_u8(w, mark + 1 + (size_t)i, (uint8_t)(n >> (8 * (k - 1 - i))));
}

/* X.690 §8.3: minimal two's complement. */
void nber_put_int(struct wwr *w, uint8_t ident, int64_t v)
{
	uint8_t b[8];
	uint64_t u = (uint64_t)v;
	size_t i = 0;

	for (int k = 0; k < 8; k++)
		b[k] = (uint8_t)(u >> (56 - 8 * k));
	while (i < 7 && ((b[i] == 0x00 && !(b[i + 1] & 0x80)) || (b[i] == 0xff && (b[i + 1] & 0x80))))
		i++;
	wwr_u8(w, ident);
	put_len(w, 8 - i);
	wwr_bytes(w, b + i, 8 - i);
}

void nber_put_octets(struct wwr *w, uint8_t ident, const void *p, size_t n)
{
	if (n && !p) {
		nber_wfail(w, WIRE_EBAD);
		return;
	}
	wwr_u8(w, ident);
	put_len(w, n);
	if (n)
		wwr_bytes(w, p, n);
}

/* X.690 §11.1 (DER): TRUE is 0xFF. */
void nber_put_bool(struct wwr *w, uint8_t ident, int v)
{
	wwr_u8(w, ident);
	wwr_u8(w, 1);
	wwr_u8(w, v ? 0xff : 0x00);
}

void nber_put_gentime(struct wwr *w, uint8_t ident, int64_t t)
{
	char s[BER_GENTIME_LEN + 1];

	if (nber_gentime_format(t, s) != WIRE_OK) {
		nber_wfail(w, WIRE_EBAD);
		return;
	}
	nber_put_octets(w, ident, s, BER_GENTIME_LEN);
}
