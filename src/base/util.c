/* src/base/util.c - clock, randomness, addresses, logging (see util.h). */
#include "config.h"
#include "util.h"
#include "output.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#ifdef HAVE_SYS_RANDOM_H
#include <sys/random.h>
#endif

int nlt_verbose;

uint64_t nlt_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t nlt_now_ms(void)
{
	return nlt_now_us() / 1000u;
}

int nlt_ms_left(uint64_t deadline_ms)
{
	uint64_t now = nlt_now_ms();

	if (now >= deadline_ms)
		return 0;
	if (deadline_ms - now > 0x7fffffff)
		return 0x7fffffff;
	return (int)(deadline_ms - now);
}

int nlt_random(void *buf, size_t n)
{
	uint8_t *p = buf;

	while (n > 0) {
#ifdef HAVE_GETRANDOM
		ssize_t r = getrandom(p, n, 0);
#else
		ssize_t r = -1;
		errno = ENOSYS;
#endif
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

uint32_t nlt_random_u32(void)
{
	uint8_t b[4] = { 0 };

	if (nlt_random(b, sizeof(b)) != 0) {
		/* getrandom cannot fail on Linux >= 3.17 with a seeded pool; be safe anyway */
		uint64_t t = nlt_now_us() ^ (uint64_t)getpid() << 16;
		memcpy(b, &t, sizeof(b));
	}
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

void nlt_wipe(void *p, size_t n)
{
	if (!p)
		return;
#ifdef HAVE_EXPLICIT_BZERO
	explicit_bzero(p, n);
#else
	volatile uint8_t *v = p;
	while (n--)
		*v++ = 0;
#endif
}

int nlt_addr_parse(struct nlt_addr *a, const char *literal, uint16_t port)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)&a->ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&a->ss;
	char tmp[INET6_ADDRSTRLEN + 2];
	size_t n;

	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, literal, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons(port);
		a->len = sizeof(*in4);
		return 0;
	}
	/* accept [v6] as well as bare v6 */
	n = strlen(literal);
	if (n >= 2 && literal[0] == '[' && literal[n - 1] == ']' && n - 2 < sizeof(tmp)) {
		memcpy(tmp, literal + 1, n - 2);
		tmp[n - 2] = '\0';
		literal = tmp;
	}
	if (inet_pton(AF_INET6, literal, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		a->len = sizeof(*in6);
		return 0;
	}
	return -1;
}

void nlt_addr_from_raw(struct nlt_addr *a, int family, const uint8_t *raw, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	if (family == AF_INET) {
		struct sockaddr_in *in4 = (struct sockaddr_in *)&a->ss;
		in4->sin_family = AF_INET;
		memcpy(&in4->sin_addr, raw, 4);
		in4->sin_port = htons(port);
		a->len = sizeof(*in4);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&a->ss;
		in6->sin6_family = AF_INET6;
		memcpy(&in6->sin6_addr, raw, 16);
		in6->sin6_port = htons(port);
		a->len = sizeof(*in6);
	}
}

void nlt_addr_set_port(struct nlt_addr *a, uint16_t port)
{
	if (a->ss.ss_family == AF_INET)
		((struct sockaddr_in *)&a->ss)->sin_port = htons(port);
	else if (a->ss.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&a->ss)->sin6_port = htons(port);
}

uint16_t nlt_addr_port(const struct nlt_addr *a)
{
	if (a->ss.ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)&a->ss)->sin_port);
	if (a->ss.ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)&a->ss)->sin6_port);
	return 0;
}

int nlt_addr_equal(const struct nlt_addr *a, const struct nlt_addr *b)
{
	if (a->ss.ss_family != b->ss.ss_family)
		return 0;
	if (a->ss.ss_family == AF_INET)
		return memcmp(&((const struct sockaddr_in *)&a->ss)->sin_addr,
			      &((const struct sockaddr_in *)&b->ss)->sin_addr, 4) == 0;
	if (a->ss.ss_family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)&a->ss)->sin6_addr,
			      &((const struct sockaddr_in6 *)&b->ss)->sin6_addr, 16) == 0;
	return 0;
}

const char *nlt_addr_str(const struct nlt_addr *a, char *buf, size_t len)
{
	const void *src = NULL;

	if (a->ss.ss_family == AF_INET)
		src = &((const struct sockaddr_in *)&a->ss)->sin_addr;
	else if (a->ss.ss_family == AF_INET6)
		src = &((const struct sockaddr_in6 *)&a->ss)->sin6_addr;
	if (!src || !inet_ntop(a->ss.ss_family, src, buf, (socklen_t)len))
		nlt_strlcpy(buf, "?", len);
	return buf;
}

void nlt_vlog(const char *fmt, ...)
{
	va_list ap;

	if (!nlt_verbose)
		return;
	char line[1024], safe[OUT_SAFE_SIZE(1024)];

	/* -v lines carry server text (names, error messages): through out_safe() like every print */
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "nltrust: %s\n", out_safe(line, safe, sizeof(safe)));
}

int nlt_name_eq(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la && a[la - 1] == '.')
		la--;
	if (lb && b[lb - 1] == '.')
		lb--;
	return la == lb && strncasecmp(a, b, la) == 0;
}

size_t nlt_strlcpy(char *dst, const char *src, size_t dstlen)
{
	size_t n = strlen(src);

	if (dstlen) {
		size_t c = n < dstlen - 1 ? n : dstlen - 1;
		memcpy(dst, src, c);
		dst[c] = '\0';
	}
	return n;
}

int64_t nlt_wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

const char *nlt_iso8601(int64_t unix_secs, char *buf, size_t len)
{
	time_t t = (time_t)unix_secs;
	struct tm tm;

	if (!gmtime_r(&t, &tm) || strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		nlt_strlcpy(buf, "?", len);
	return buf;
}
