/* src/base/state.c - the machine-secret journal (see state.h for the layout, format and protocol). */
#include "config.h"
#include "state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"
#include "util.h"
#include "wire.h"

#ifndef NLT_STATE_DIR
#define NLT_STATE_DIR "/var/lib/nltrust"
#endif

#define REC_MAGIC "nltrust-secret"
#define TIME_MIN 0                   /* 1970-01-01T00:00:00Z */
#define TIME_MAX INT64_C(253402300799) /* 9999-12-31T23:59:59Z */

static const char *const slot_names[STATE_NSLOTS] = { "pending", "current", "previous" };

const char *state_slot_name(enum state_slot slot)
{
	return (unsigned)slot < STATE_NSLOTS ? slot_names[slot] : "?";
}

/* ---- records: pure ------------------------------------------------------- */

void state_rec_wipe(struct state_rec *rec)
{
	if (rec)
		nlt_wipe(rec, sizeof(*rec));
}

int state_rec_same_secret(const struct state_rec *a, const struct state_rec *b)
{
	return a->kvno == b->kvno && a->pw_len == b->pw_len && memcmp(a->pw, b->pw, a->pw_len) == 0;
}

/* Proleptic Gregorian days since 1970-01-01 (H. Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static unsigned days_in_month(int64_t y, unsigned m)
{
	static const unsigned char dim[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : dim[m - 1];
}

static int source_ok(const char *s)
{
	size_t n = strnlen(s, STATE_SOURCE_MAX + 1);

	if (n == 0 || n > STATE_SOURCE_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
			return 0;
	return 1;
}

static int rec_check(const struct state_rec *rec, struct nlt_err *err)
{
	if (rec->created < TIME_MIN || rec->created > TIME_MAX)
		return nlt_seterr(err, NLT_EINTERNAL, "secret record: created time %lld out of range",
				  (long long)rec->created);
	if (!source_ok(rec->source))
		return nlt_seterr(err, NLT_EINTERNAL, "secret record: source must be 1..%d printable ASCII "
				  "bytes without spaces", STATE_SOURCE_MAX);
	if (rec->pw_len == 0 || rec->pw_len > STATE_PW_MAX)
		return nlt_seterr(err, NLT_EINTERNAL, "secret record: password of %zu bytes (1..%d allowed)",
				  rec->pw_len, STATE_PW_MAX);
	return 0;
}

int state_rec_init(struct state_rec *rec, uint32_t kvno, int64_t created, const char *source, const void *pw,
		   size_t pw_len, struct nlt_err *err)
{
	struct state_rec t;

	memset(&t, 0, sizeof(t));
	t.kvno = kvno;
	t.created = created;
	if (!source || strnlen(source, STATE_SOURCE_MAX + 1) > STATE_SOURCE_MAX || !source_ok(source))
		return nlt_seterr(err, NLT_EINTERNAL, "secret record: source must be 1..%d printable ASCII "
				  "bytes without spaces", STATE_SOURCE_MAX);
	nlt_strlcpy(t.source, source, sizeof(t.source));
	if (!pw || pw_len == 0 || pw_len > STATE_PW_MAX)
		return nlt_seterr(err, NLT_EINTERNAL, "secret record: password of %zu bytes (1..%d allowed)",
				  pw_len, STATE_PW_MAX);
	memcpy(t.pw, pw, pw_len);
	t.pw_len = pw_len;
	if (rec_check(&t, err) != 0) {
		state_rec_wipe(&t);
		return -1;
	}
	*rec = t;
	state_rec_wipe(&t);
	return 0;
}

static void put_str(struct wwr *w, const char *s)
{
	wwr_bytes(w, s, strlen(s));
}

int state_rec_format(const struct state_rec *rec, char *buf, size_t cap, size_t *len, struct nlt_err *err)
{
	static const char hex[] = "0123456789abcdef";
	char line[64];
	struct wwr w;
	int64_t y;
	unsigned mo, d, secs;

	if (rec_check(rec, err) != 0)
		return -1;
	civil_from_days(rec->created / 86400, &y, &mo, &d);
	secs = (unsigned)(rec->created % 86400);

	wwr_init(&w, buf, cap);
	snprintf(line, sizeof(line), REC_MAGIC " %d\nkvno %lu\n", STATE_REC_VERSION, (unsigned long)rec->kvno);
	put_str(&w, line);
	snprintf(line, sizeof(line), "created %04lld-%02u-%02uT%02u:%02u:%02uZ\n", (long long)y, mo, d,
		 secs / 3600, secs / 60 % 60, secs % 60);
	put_str(&w, line);
	put_str(&w, "source ");
	put_str(&w, rec->source);
	put_str(&w, "\npassword ");
	for (size_t i = 0; i < rec->pw_len; i++) {
		wwr_u8(&w, (uint8_t)hex[rec->pw[i] >> 4]);
		wwr_u8(&w, (uint8_t)hex[rec->pw[i] & 15]);
	}
	put_str(&w, "\nend\n");
	if (wwr_err(&w)) {
		nlt_wipe(buf, cap);
		return nlt_seterr(err, NLT_EINTERNAL, "secret record: %zu-byte buffer too small", cap);
	}
	*len = wwr_len(&w);
	return 0;
}

/*
 * Take the next line, which must be "<key> <value>\n" (or "<key>\n" when
 * val is NULL) and contain only printable ASCII and spaces.
 */
static int take_line(struct wrd *r, unsigned lineno, const char *key, const uint8_t **val, size_t *vlen,
		     struct nlt_err *err)
{
	const uint8_t *nl, *line;
	size_t n, klen = strlen(key);

	if (wrd_left(r) == 0)
		return nlt_seterr(err, NLT_ECONFIG, "malformed secret record: truncated before line %u (%s)",
				  lineno, key);
	nl = memchr(r->p, '\n', wrd_left(r));
	if (!nl)
		return nlt_seterr(err, NLT_ECONFIG, "malformed secret record: truncated in line %u (%s)", lineno,
				  key);
	n = (size_t)(nl - r->p);
	if (!(line = wrd_ptr(r, n + 1)))
		return nlt_seterr(err, NLT_EINTERNAL, "malformed secret record: cursor error");
	for (size_t i = 0; i < n; i++)
		if (line[i] < 0x20 || line[i] > 0x7e)
			return nlt_seterr(err, NLT_ECONFIG, "malformed secret record: line %u: control or "
					  "non-ASCII byte 0x%02x", lineno, line[i]);
	if (!val) {
		if (n != klen || memcmp(line, key, klen) != 0)
			return nlt_seterr(err, NLT_ECONFIG, "malformed secret record: line %u: expected '%s'",
					  lineno, key);
		return 0;
	}
	if (n < klen + 1 || memcmp(line, key, klen) != 0 || line[klen] != ' ')
		return nlt_seterr(err, NLT_ECONFIG, "malformed secret record: line %u: expected '%s VALUE'",
				  lineno, key);
	*val = line + klen + 1;
	*vlen = n - klen - 1;
	return 0;
}

/* Canonical unsigned decimal: 1..10 digits, no leading zero, <= UINT32_MAX. */
static int parse_u32(const uint8_t *p, size_t n, uint32_t *out)
{
	uint64_t v = 0;

	if (n == 0 || n > 10 || (p[0] == '0' && n > 1))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(p[i] - '0');
	}
	if (v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int digits(const uint8_t *p, size_t n, unsigned *out)
{
	unsigned v = 0;

	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(p[i] - '0');
	}
	*out = v;
	return 0;
}

/* Exactly YYYY-MM-DDTHH:MM:SSZ, a real calendar date, 1970..9999. */
static int parse_time(const uint8_t *p, size_t n, int64_t *out)
{
	unsigned y, mo, d, h, mi, s;

	if (n != 20 || p[4] != '-' || p[7] != '-' || p[10] != 'T' || p[13] != ':' || p[16] != ':' || p[19] != 'Z')
		return -1;
	if (digits(p, 4, &y) || digits(p + 5, 2, &mo) || digits(p + 8, 2, &d) || digits(p + 11, 2, &h) ||
	    digits(p + 14, 2, &mi) || digits(p + 17, 2, &s))
		return -1;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || s > 59)
		return -1;
	*out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
	return 0;
}

static int hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int state_rec_parse(const uint8_t *buf, size_t len, struct state_rec *rec, struct nlt_err *err)
{
	struct state_rec t;
	struct wrd r;
	const uint8_t *v = NULL;
	size_t vn = 0;
	uint32_t version = 0;
	int ret = -1;

	memset(&t, 0, sizeof(t));
	if (len > STATE_REC_TEXT_MAX)
		return nlt_seterr(err, NLT_ECONFIG, "malformed secret record: %zu bytes, more than the %d allowed",
				  len, STATE_REC_TEXT_MAX);
	wrd_init(&r, buf, len);

	if (len == 0)
		return nlt_seterr(err, NLT_ECONFIG, "malformed secret record: empty");
	/* line 1: magic and version; name the format problem before anything else */
	if (len < sizeof(REC_MAGIC) || memcmp(buf, REC_MAGIC " ", sizeof(REC_MAGIC)) != 0) {
		if (len < sizeof(REC_MAGIC) && memcmp(buf, REC_MAGIC " ", len) == 0)
			return nlt_seterr(err, NLT_ECONFIG, "malformed secret record: truncated in line 1");
		return nlt_seterr(err, NLT_ECONFIG, "malformed secret record: not an nltrust secret record "
				  "(no '" REC_MAGIC "' line)");
	}
	if (take_line(&r, 1, REC_MAGIC, &v, &vn, err) != 0)
		goto out;
	if (parse_u32(v, vn, &version) != 0) {
		nlt_seterr(err, NLT_ECONFIG, "malformed secret record: line 1: bad version number");
		goto out;
	}
	if (version != STATE_REC_VERSION) {
		nlt_seterr(err, NLT_ECONFIG, "unsupported secret record version %lu (this nltrust reads version %d)",
			   (unsigned long)version, STATE_REC_VERSION);
		goto out;
	}

	if (take_line(&r, 2, "kvno", &v, &vn, err) != 0)
		goto out;
	if (parse_u32(v, vn, &t.kvno) != 0) {
		nlt_seterr(err, NLT_ECONFIG, "malformed secret record: line 2: kvno is not a decimal 0..4294967295");
		goto out;
	}

	if (take_line(&r, 3, "created", &v, &vn, err) != 0)
		goto out;
	if (parse_time(v, vn, &t.created) != 0) {
		nlt_seterr(err, NLT_ECONFIG, "malformed secret record: line 3: created is not a "
			   "YYYY-MM-DDTHH:MM:SSZ time");
		goto out;
	}

	if (take_line(&r, 4, "source", &v, &vn, err) != 0)
		goto out;
	if (vn == 0 || vn > STATE_SOURCE_MAX || memchr(v, ' ', vn)) {
		nlt_seterr(err, NLT_ECONFIG, "malformed secret record: line 4: source must be 1..%d bytes "
			   "without spaces", STATE_SOURCE_MAX);
		goto out;
	}
	memcpy(t.source, v, vn);
	t.source[vn] = '\0';

	if (take_line(&r, 5, "password", &v, &vn, err) != 0)
		goto out;
	if (vn == 0 || vn % 2 != 0 || vn / 2 > STATE_PW_MAX) {
		nlt_seterr(err, NLT_ECONFIG, "malformed secret record: line 5: password needs an even number "
			   "of hex digits, 2..%d (has %zu)", 2 * STATE_PW_MAX, vn);
		goto out;
	}
	for (size_t i = 0; i < vn; i += 2) {
		int hi = hexval(v[i]), lo = hexval(v[i + 1]);
		if (hi < 0 || lo < 0) {
			/* the column, not the byte: never echo any part of a secret */
			nlt_seterr(err, NLT_ECONFIG, "malformed secret record: line 5: password: column %zu "
				   "is not a lowercase hex digit", sizeof("password ") + i + (hi < 0 ? 0 : 1));
			goto out;
		}
		t.pw[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	t.pw_len = vn / 2;

	if (take_line(&r, 6, "end", NULL, NULL, err) != 0)
		goto out;
	if (wrd_finish(&r) != 0) {
		nlt_seterr(err, NLT_ECONFIG, "malformed secret record: %zu bytes of trailing data after 'end'",
			   len - wrd_pos(&r));
		goto out;
	}
	*rec = t;
	ret = 0;
out:
	state_rec_wipe(&t);
	return ret;
}

/* ---- path components ------------------------------------------------------ */

int state_component_ok(const char *s)
{
	size_t n;

	if (!s)
		return 0;
	n = strnlen(s, STATE_COMPONENT_MAX + 1);
	if (n == 0 || n > STATE_COMPONENT_MAX || s[0] == '.')
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x21 || c > 0x7e || c == '/' || c == '\\')
			return 0;
	}
	return 1;
}

/* A refused name, made safe for a one-line message: printable ASCII, '?' for the rest. */
static const char *printable(const char *s, char *buf, size_t len)
{
	size_t i;

	if (!s)
		s = "";
	for (i = 0; s[i] && i + 1 < len; i++)
		buf[i] = (unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x7f ? s[i] : '?';
	buf[i] = '\0';
	return buf;
}

static void upcase(char *dst, const char *src)
{
	size_t i;

	for (i = 0; src[i]; i++)
		dst[i] = (char)(src[i] >= 'a' && src[i] <= 'z' ? src[i] - 'a' + 'A' : src[i]);
	dst[i] = '\0';
}

/* ---- the directory -------------------------------------------------------- */

struct state {
	int dirfd;   /* the account directory; carries the flock */
	int realmfd; /* its parent, for state_remove() */
	char account[STATE_COMPONENT_MAX + 1];
	char path[PATH_MAX];
};

const char *state_path(const struct state *st)
{
	return st->path;
}

/* fsync the directory that contains path (for a newly created state_dir). */
static int fsync_parent_of(const char *path, struct nlt_err *err)
{
	char dir[PATH_MAX];
	size_t n = nlt_strlcpy(dir, path, sizeof(dir));
	char *slash;
	int fd, ret;

	if (n >= sizeof(dir))
		return nlt_seterr(err, NLT_ECONFIG, "state directory %s: path too long", path);
	while (n > 1 && dir[n - 1] == '/')
		dir[--n] = '\0';
	slash = strrchr(dir, '/');
	if (!slash)
		nlt_strlcpy(dir, ".", sizeof(dir));
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return nlt_seterr(err, NLT_ECONFIG, "cannot open directory %s: %s", dir, strerror(errno));
	ret = atomicfile_fsync_dir(fd, dir, err);
	close(fd);
	return ret;
}

/*
 * Open (creating if asked) one level of the state tree and check it: a
 * directory, owned by us, not writable by group or others.  name is
 * relative to pfd; disp is its full path for messages.  Returns the fd,
 * -1 on error, -2 when missing and not creating.
 */
static int open_level(int pfd, const char *name, const char *disp, int nofollow, int create, struct nlt_err *err)
{
	struct stat sb;
	int fd, made = 0, tried = 0;

	for (;;) {
		fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0));
		if (fd >= 0)
			break;
		if (errno == ENOENT && create && !tried) {
			tried = 1;
			if (mkdirat(pfd, name, 0700) == 0)
				made = 1;
			else if (errno != EEXIST) /* EEXIST: another creator won; open its directory */
				return nlt_seterr(err, NLT_ECONFIG, "cannot create state directory %s: %s", disp,
						  strerror(errno));
			continue;
		}
		if (errno == ENOENT && !create)
			return -2;
		if (errno == ELOOP || errno == ENOTDIR)
			return nlt_seterr(err, NLT_ECONFIG, "refusing state directory %s: not a directory "
					  "(symbolic links are refused)", disp);
		return nlt_seterr(err, NLT_ECONFIG, "cannot open state directory %s: %s", disp, strerror(errno));
	}
	if (made) {
		/* exactly 0700, whatever the umask, and a durable directory entry */
		if (fchmod(fd, 0700) != 0) {
			nlt_seterr(err, NLT_ECONFIG, "cannot chmod state directory %s: %s", disp, strerror(errno));
			goto fail;
		}
		if ((pfd == AT_FDCWD ? fsync_parent_of(disp, err) : atomicfile_fsync_dir(pfd, disp, err)) != 0)
			goto fail;
	}
	if (fstat(fd, &sb) != 0) {
		nlt_seterr(err, NLT_ECONFIG, "cannot stat state directory %s: %s", disp, strerror(errno));
		goto fail;
	}
	if (!S_ISDIR(sb.st_mode)) {
		nlt_seterr(err, NLT_ECONFIG, "refusing state directory %s: not a directory", disp);
		goto fail;
	}
	if (sb.st_uid != geteuid()) {
		nlt_seterr(err, NLT_ECONFIG, "refusing state directory %s: owned by uid %lu, not by uid %lu "
			   "running nltrust", disp, (unsigned long)sb.st_uid, (unsigned long)geteuid());
		goto fail;
	}
	if (sb.st_mode & 022) {
		nlt_seterr(err, NLT_ECONFIG, "refusing state directory %s: mode %04o lets group or others write "
			   "(expected 0700)", disp, (unsigned)(sb.st_mode & 07777));
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

/* Remove temporary files a crashed atomic write left behind (we hold the lock). */
static int sweep_temps(struct state *st, struct nlt_err *err)
{
	DIR *d;
	struct dirent *de;
	int fd, removed = 0, ret = 0;

	if ((fd = dup(st->dirfd)) < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return nlt_seterr(err, NLT_ECONFIG, "cannot list state directory %s: %s", st->path,
				  strerror(errno));
	}
	rewinddir(d);
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (!atomicfile_is_temp_name(de->d_name))
			continue;
		if (unlinkat(st->dirfd, de->d_name, 0) != 0 && errno != ENOENT) {
			ret = nlt_seterr(err, NLT_ECONFIG, "cannot remove stray temporary file %s/%s: %s",
					 st->path, de->d_name, strerror(errno));
			break;
		}
		nlt_vlog("removed stray temporary file %s/%s (an interrupted write)", st->path, de->d_name);
		removed++;
	}
	if (ret == 0 && errno != 0 && !de)
		ret = nlt_seterr(err, NLT_ECONFIG, "cannot list state directory %s: %s", st->path, strerror(errno));
	closedir(d);
	if (ret == 0 && removed)
		ret = atomicfile_fsync_dir(st->dirfd, st->path, err);
	return ret;
}

int state_open(const char *state_dir, const char *realm, const char *account, unsigned flags,
	       struct state **out, struct nlt_err *err)
{
	char urealm[STATE_COMPONENT_MAX + 1], disp[PATH_MAX], shown[81];
	struct state *st = NULL;
	int basefd = -1, create = (flags & STATE_CREATE) != 0, ret = -1, n;

	if (!state_dir)
		state_dir = NLT_STATE_DIR;
	if (!*state_dir)
		return nlt_seterr(err, NLT_ECONFIG, "empty state directory name");
	if (!state_component_ok(realm))
		return nlt_seterr(err, NLT_ECONFIG, "realm '%s' cannot name a state directory (1..%d printable "
				  "ASCII bytes, no '/', '\\' or leading '.')", printable(realm, shown, sizeof(shown)),
				  STATE_COMPONENT_MAX);
	if (!state_component_ok(account))
		return nlt_seterr(err, NLT_ECONFIG, "account '%s' cannot name a state directory (1..%d "
				  "printable ASCII bytes, no '/', '\\' or leading '.')",
				  printable(account, shown, sizeof(shown)), STATE_COMPONENT_MAX);
	if (!(st = calloc(1, sizeof(*st))))
		return nlt_seterr(err, NLT_EINTERNAL, "state: out of memory");
	st->dirfd = st->realmfd = -1;
	upcase(urealm, realm);
	upcase(st->account, account);
	n = snprintf(st->path, sizeof(st->path), "%s/%s/%s", state_dir, urealm, st->account);
	if (n < 0 || (size_t)n >= sizeof(st->path)) {
		nlt_seterr(err, NLT_ECONFIG, "state directory %s: path too long", state_dir);
		goto out;
	}

	if ((basefd = open_level(AT_FDCWD, state_dir, state_dir, 0, create, err)) < 0)
		goto missing;
	snprintf(disp, sizeof(disp), "%s/%s", state_dir, urealm);
	if ((st->realmfd = open_level(basefd, urealm, disp, 1, create, err)) < 0)
		goto missing;
	if ((st->dirfd = open_level(st->realmfd, st->account, st->path, 1, create, err)) < 0)
		goto missing;

	if (flock(st->dirfd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EWOULDBLOCK)
			nlt_seterr(err, NLT_ECONFIG, "state directory %s is locked: another nltrust is changing "
				   "this machine account's password", st->path);
		else
			nlt_seterr(err, NLT_ECONFIG, "cannot lock state directory %s: %s", st->path,
				   strerror(errno));
		goto out;
	}
	if (!(flags & STATE_LOOK) && sweep_temps(st, err) != 0)
		goto out;
	*out = st; /* transferred */
	st = NULL;
	ret = 0;
	goto out;
missing:
	/* open_level returned -2: not there and not asked to create it */
	if (basefd == -2 || st->realmfd == -2 || st->dirfd == -2) {
		nlt_clearerr(err);
		ret = 1;
	}
out:
	if (basefd >= 0)
		close(basefd);
	state_close(st);
	return ret;
}

void state_close(struct state *st)
{
	if (!st)
		return;
	if (st->dirfd >= 0)
		close(st->dirfd); /* releases the flock */
	if (st->realmfd >= 0)
		close(st->realmfd);
	free(st);
}

int state_load(struct state *st, enum state_slot slot, struct state_rec *rec, struct nlt_err *err)
{
	struct nlt_err perr;
	uint8_t *buf = NULL;
	size_t len = 0;
	int r;

	if ((unsigned)slot >= STATE_NSLOTS)
		return nlt_seterr(err, NLT_EINTERNAL, "state_load: bad slot %d", (int)slot);
	r = atomicfile_read_at(st->dirfd, st->path, slot_names[slot], STATE_REC_TEXT_MAX,
			       ATOMICFILE_RD_OWNED | ATOMICFILE_RD_PRIVATE | ATOMICFILE_RD_MISSING_OK, &buf, &len, err);
	if (r == 1)
		return 0;
	if (r != 0)
		return -1;
	nlt_clearerr(&perr);
	r = state_rec_parse(buf, len, rec, &perr);
	atomicfile_free(buf, len);
	if (r != 0)
		return nlt_seterr(err, perr.cat, "state file %s/%s: %s", st->path, slot_names[slot], perr.msg);
	return 1;
}

static int write_slot(struct state *st, enum state_slot slot, const struct state_rec *rec, struct nlt_err *err)
{
	char buf[STATE_REC_TEXT_MAX];
	size_t len = 0;
	int ret = -1;

	if (state_rec_format(rec, buf, sizeof(buf), &len, err) == 0)
		ret = atomicfile_write_at(st->dirfd, st->path, slot_names[slot], buf, len, 0600, err);
	nlt_wipe(buf, sizeof(buf));
	return ret;
}

int state_put_pending(struct state *st, const struct state_rec *rec, struct nlt_err *err)
{
	struct stat sb;

	if (fstatat(st->dirfd, slot_names[STATE_PENDING], &sb, AT_SYMLINK_NOFOLLOW) == 0)
		return nlt_seterr(err, NLT_ECONFIG, "%s/pending exists: an earlier password change was "
				  "interrupted; recover it before starting another", st->path);
	if (errno != ENOENT)
		return nlt_seterr(err, NLT_ECONFIG, "cannot stat %s/pending: %s", st->path, strerror(errno));
	return write_slot(st, STATE_PENDING, rec, err);
}

static int unlink_slot(struct state *st, enum state_slot slot, struct nlt_err *err)
{
	if (unlinkat(st->dirfd, slot_names[slot], 0) != 0 && errno != ENOENT)
		return nlt_seterr(err, NLT_ECONFIG, "cannot remove %s/%s: %s", st->path, slot_names[slot],
				  strerror(errno));
	return 0;
}

int state_commit(struct state *st, struct nlt_err *err)
{
	struct state_rec pend, cur;
	int r, have_cur = 0, ret = -1;

	memset(&pend, 0, sizeof(pend));
	memset(&cur, 0, sizeof(cur));
	nlt_failpoint("commit-begin");
	if ((r = state_load(st, STATE_PENDING, &pend, err)) < 0)
		goto out;
	if (r == 0) {
		nlt_seterr(err, NLT_EINTERNAL, "nothing to commit: no pending secret in %s", st->path);
		goto out;
	}
	if ((have_cur = state_load(st, STATE_CURRENT, &cur, err)) < 0)
		goto out;
	/*
	 * current == pending: an earlier commit stopped after writing current;
	 * previous already holds the old secret and must not be overwritten.
	 */
	if (!(have_cur && state_rec_same_secret(&cur, &pend))) {
		if (have_cur && write_slot(st, STATE_PREVIOUS, &cur, err) != 0)
			goto out;
		nlt_failpoint("commit-after-previous");
		if (write_slot(st, STATE_CURRENT, &pend, err) != 0)
			goto out;
	}
	nlt_failpoint("commit-after-current");
	if (unlink_slot(st, STATE_PENDING, err) != 0)
		goto out;
	nlt_failpoint("commit-after-unlink");
	if (atomicfile_fsync_dir(st->dirfd, st->path, err) != 0)
		goto out;
	ret = 0;
out:
	state_rec_wipe(&pend);
	state_rec_wipe(&cur);
	return ret;
}

int state_abort_pending(struct state *st, struct nlt_err *err)
{
	nlt_failpoint("abort-before-unlink");
	if (unlink_slot(st, STATE_PENDING, err) != 0)
		return -1;
	return atomicfile_fsync_dir(st->dirfd, st->path, err);
}

void state_cands_wipe(struct state_cands *c)
{
	if (c)
		nlt_wipe(c, sizeof(*c));
}

int state_recovery_candidates(struct state *st, struct state_cands *out, struct nlt_err *err)
{
	struct state_cands c;
	int ret = -1;

	memset(&c, 0, sizeof(c));
	for (int s = STATE_PENDING; s < STATE_NSLOTS; s++) {
		int r = state_load(st, (enum state_slot)s, &c.rec[c.n], err), dup = 0;

		if (r < 0)
			goto out;
		if (r == 0)
			continue;
		for (size_t i = 0; i < c.n; i++)
			dup |= c.rec[i].pw_len == c.rec[c.n].pw_len &&
			       memcmp(c.rec[i].pw, c.rec[c.n].pw, c.rec[i].pw_len) == 0;
		if (dup) {
			state_rec_wipe(&c.rec[c.n]);
			continue;
		}
		c.slot[c.n++] = (enum state_slot)s;
	}
	*out = c;
	ret = 0;
out:
	state_cands_wipe(&c);
	return ret;
}

int state_remove(struct state *st, struct nlt_err *err)
{
	for (int s = 0; s < STATE_NSLOTS; s++)
		if (unlink_slot(st, (enum state_slot)s, err) != 0)
			return -1;
	if (sweep_temps(st, err) != 0)
		return -1;
	if (unlinkat(st->realmfd, st->account, AT_REMOVEDIR) != 0)
		return nlt_seterr(err, NLT_ECONFIG, "cannot remove state directory %s: %s", st->path,
				  errno == ENOTEMPTY || errno == EEXIST ? "it holds files nltrust did not write"
									: strerror(errno));
	return atomicfile_fsync_dir(st->realmfd, st->path, err);
}

/* ---- decisions after a change request (state.h) ---------------------- */

enum state_action state_after_confirm(enum state_dc_answer answer, int as_accepts)
{
	if (as_accepts > 0)
		return STATE_ACT_COMMIT;
	if (as_accepts == 0 && answer == STATE_DC_NO)
		return STATE_ACT_DROP;
	return STATE_ACT_KEEP;
}

const char *state_kvno_source_str(enum state_kvno_source s)
{
	switch (s) {
	case STATE_KVNO_DIRECTORY: return "directory";
	case STATE_KVNO_AS_CONSISTENT: return "as-rep, consistent with old kvno";
	case STATE_KVNO_UNCONFIRMED: break;
	}
	return "unconfirmed";
}

enum state_kvno_source state_pick_kvno(const struct state_kvno_in *in, uint32_t *kvno, char *why, size_t len)
{
	if (in->have_dir && in->dir_kvno > 0) {
		*kvno = in->dir_kvno;
		if (in->have_as && in->as_kvno != in->dir_kvno)
			snprintf(why, len, "msDS-KeyVersionNumber %u over sealed LDAP (the AS-REP said %u)", in->dir_kvno,
				 in->as_kvno);
		else
			snprintf(why, len, "msDS-KeyVersionNumber %u over sealed LDAP", in->dir_kvno);
		return STATE_KVNO_DIRECTORY;
	}
	if (in->have_as && in->expected > 0 && in->as_kvno == in->expected) {
		*kvno = in->as_kvno;
		snprintf(why, len, "the AS-REP's kvno %u is the old kvno + 1", in->as_kvno);
		return STATE_KVNO_AS_CONSISTENT;
	}
	*kvno = 0;
	if (!in->have_as)
		snprintf(why, len, "the AS-REP carried no kvno and the directory was not read");
	else if (in->expected == 0)
		snprintf(why, len, "the AS-REP says kvno %u, the keytab had no old kvno to check it against, and the "
			 "directory was not read", in->as_kvno);
	else
		snprintf(why, len, "the AS-REP says kvno %u where %u was expected (old kvno + 1), and the directory was "
			 "not read", in->as_kvno, in->expected);
	return STATE_KVNO_UNCONFIRMED;
}

/* ---- the DC facts cache (issue 11) ---- */

static const char dc_magic[] = "nltrust-dc 1";

/* printable ASCII without spaces, 1..cap-1 bytes */
static int dc_value_ok(const char *v, size_t n, size_t cap)
{
	if (n == 0 || n >= cap)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v[i] <= 0x20 || (unsigned char)v[i] >= 0x7f)
			return 0;
	return 1;
}

int state_dc_parse(const uint8_t *buf, size_t len, struct state_dc_facts *out)
{
	static const char *const keys[] = { "dns_domain", "netbios_domain", "dc_dns_name", "dc_netbios_name",
					    "dc_site", "forest", "flags" };
	struct state_dc_facts f;
	unsigned seen = 0;
	size_t off = 0, line = 0;

	memset(&f, 0, sizeof(f));
	if (!len || buf[len - 1] != '\n')
		return -1;
	while (off < len) {
		const char *s = (const char *)buf + off, *nl = memchr(s, '\n', len - off), *sp;
		size_t n = (size_t)(nl - s), k, vlen;
		char *dst = NULL;
		size_t cap = 0;
		off += n + 1;
		if (line++ == 0) {
			if (n != sizeof(dc_magic) - 1 || memcmp(s, dc_magic, n) != 0)
				return -1;
			continue;
		}
		sp = memchr(s, ' ', n);
		if (!sp)
			return -1;
		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if ((size_t)(sp - s) == strlen(keys[k]) && !memcmp(s, keys[k], (size_t)(sp - s)))
				break;
		if (k == sizeof(keys) / sizeof(keys[0]) || (seen & (1u << k)))
			return -1;
		seen |= 1u << k;
		vlen = n - (size_t)(sp - s) - 1;
		switch (k) {
		case 0: dst = f.dns_domain, cap = sizeof(f.dns_domain); break;
		case 1: dst = f.netbios_domain, cap = sizeof(f.netbios_domain); break;
		case 2: dst = f.dc_dns_name, cap = sizeof(f.dc_dns_name); break;
		case 3: dst = f.dc_netbios_name, cap = sizeof(f.dc_netbios_name); break;
		case 4: dst = f.dc_site, cap = sizeof(f.dc_site); break;
		case 5: dst = f.forest, cap = sizeof(f.forest); break;
		default: {
			/* flags 0x%08x */
			unsigned long v = 0;
			if (vlen != 10 || sp[1] != '0' || sp[2] != 'x')
				return -1;
			for (size_t i = 3; i < 11; i++) {
				int c = sp[i], d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
				if (d < 0)
					return -1;
				v = v << 4 | (unsigned long)d;
			}
			f.flags = (uint32_t)v;
			f.have_flags = 1;
			continue;
		}
		}
		if (!dc_value_ok(sp + 1, vlen, cap))
			return -1;
		memcpy(dst, sp + 1, vlen);
		dst[vlen] = '\0';
	}
	if ((seen & 0xf) != 0xf) /* the four names are required */
		return -1;
	*out = f;
	return 0;
}

int state_dc_format(const struct state_dc_facts *f, char *buf, size_t cap)
{
	const char *v[] = { f->dns_domain, f->netbios_domain, f->dc_dns_name, f->dc_netbios_name, f->dc_site, f->forest };
	const size_t vcap[] = { sizeof(f->dns_domain), sizeof(f->netbios_domain), sizeof(f->dc_dns_name),
				sizeof(f->dc_netbios_name), sizeof(f->dc_site), sizeof(f->forest) };
	static const char *const keys[] = { "dns_domain", "netbios_domain", "dc_dns_name", "dc_netbios_name", "dc_site",
					    "forest" };
	size_t off = 0;
	int n;

	n = snprintf(buf, cap, "%s\n", dc_magic);
	if (n < 0 || (size_t)n >= cap)
		return -1;
	off = (size_t)n;
	for (size_t k = 0; k < 6; k++) {
		size_t len = strnlen(v[k], vcap[k]);
		if (k >= 4 && len == 0)
			continue; /* optional */
		if (!dc_value_ok(v[k], len, vcap[k]))
			return -1;
		n = snprintf(buf + off, cap - off, "%s %s\n", keys[k], v[k]);
		if (n < 0 || (size_t)n >= cap - off)
			return -1;
		off += (size_t)n;
	}
	if (f->have_flags) {
		n = snprintf(buf + off, cap - off, "flags 0x%08x\n", f->flags);
		if (n < 0 || (size_t)n >= cap - off)
			return -1;
		off += (size_t)n;
	}
	return (int)off;
}

int state_dc_same(const struct state_dc_facts *a, const struct state_dc_facts *b)
{
	return nlt_name_eq(a->dns_domain, b->dns_domain) && nlt_name_eq(a->netbios_domain, b->netbios_domain) &&
	       nlt_name_eq(a->dc_dns_name, b->dc_dns_name) && nlt_name_eq(a->dc_netbios_name, b->dc_netbios_name);
}

static int dc_cache_name(const struct nlt_addr *dc, char *name, size_t len)
{
	char ab[64];

	nlt_addr_str(dc, ab, sizeof(ab));
	for (char *c = ab; *c; c++)
		if (*c == ':')
			*c = '_'; /* IPv6 */
	return (size_t)snprintf(name, len, "dc-%s", ab) < len ? 0 : -1;
}

int state_dc_load(const char *state_dir, const struct nlt_addr *dc, struct state_dc_facts *f)
{
	char name[100], path[PATH_MAX];
	uint8_t *buf = NULL;
	size_t len = 0;
	struct nlt_err e;
	int rr, ok;

	if (!state_dir)
		state_dir = NLT_STATE_DIR;
	if (dc_cache_name(dc, name, sizeof(name)) < 0 ||
	    (size_t)snprintf(path, sizeof(path), "%s/%s", state_dir, name) >= sizeof(path))
		return 0;
	nlt_clearerr(&e);
	rr = atomicfile_read(path, 4096, ATOMICFILE_RD_OWNED | ATOMICFILE_RD_PRIVATE | ATOMICFILE_RD_MISSING_OK, &buf, &len,
			     &e);
	if (rr != 0) {
		if (rr < 0)
			nlt_vlog("DC cache: %s; ignored", e.msg);
		return 0;
	}
	ok = state_dc_parse(buf, len, f) == 0;
	if (!ok)
		nlt_vlog("DC cache %s: malformed; ignored", path);
	atomicfile_free(buf, len);
	return ok;
}

int state_dc_store(const char *state_dir, const struct nlt_addr *dc, const struct state_dc_facts *f)
{
	char name[100], text[2048];
	struct nlt_err e;
	int dfd, n, r = -1;

	if (!state_dir)
		state_dir = NLT_STATE_DIR;
	if (dc_cache_name(dc, name, sizeof(name)) < 0)
		return -1;
	n = state_dc_format(f, text, sizeof(text));
	if (n < 0) {
		nlt_vlog("DC cache: the facts about %s cannot be written (a name with spaces or not ASCII); not cached",
			 f->dc_dns_name);
		return -1;
	}
	(void)mkdir(state_dir, 0700);
	dfd = open(state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		nlt_vlog("DC cache: cannot open %s: %s; not cached", state_dir, strerror(errno));
		return -1;
	}
	nlt_clearerr(&e);
	if (atomicfile_write_at(dfd, state_dir, name, text, (size_t)n, 0600, &e) < 0) {
		nlt_vlog("DC cache: %s; not cached", e.msg);
	} else {
		nlt_vlog("DC cache: %s/%s = %s, %s (%s)", state_dir, name, f->dc_dns_name, f->netbios_domain, f->dns_domain);
		r = 0;
	}
	close(dfd);
	return r;
}
