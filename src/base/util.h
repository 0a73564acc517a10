/*
 * src/base/util.h - clock, randomness, addresses and logging for src/ (never for proto/).
 */
#ifndef NLT_UTIL_H
#define NLT_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Monotonic milliseconds (deadlines) and wall-clock UTC seconds. */
uint64_t nlt_now_ms(void);
/* Monotonic microseconds, for round-trip times. */
uint64_t nlt_now_us(void);
/* Milliseconds left until deadline (0 when passed). */
int nlt_ms_left(uint64_t deadline_ms);

/* Cryptographic randomness (getrandom); returns 0 or -1. */
int nlt_random(void *buf, size_t n);
uint32_t nlt_random_u32(void);

/* Wipe memory the compiler may not elide. */
void nlt_wipe(void *p, size_t n);

/* A resolved network address. */
struct nlt_addr {
	struct sockaddr_storage ss;
	socklen_t len;
};
/* Fill from a numeric IPv4/IPv6 literal and port; 0 or -1. */
int nlt_addr_parse(struct nlt_addr *a, const char *literal, uint16_t port);
/* Set family/bytes from raw IPv4 (4 bytes) or IPv6 (16 bytes). */
void nlt_addr_from_raw(struct nlt_addr *a, int family, const uint8_t *raw, uint16_t port);
void nlt_addr_set_port(struct nlt_addr *a, uint16_t port);
uint16_t nlt_addr_port(const struct nlt_addr *a);
int nlt_addr_equal(const struct nlt_addr *a, const struct nlt_addr *b); /* ignores port */
/* Numeric host (no port) into buf; returns buf. */
const char *nlt_addr_str(const struct nlt_addr *a, char *buf, size_t len);

/* Logging: progress under -v to stderr; results go to stdout elsewhere. */
extern int nlt_verbose;
void nlt_vlog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Case-insensitive ASCII compare of DNS names, ignoring one trailing dot. */
int nlt_name_eq(const char *a, const char *b);
/* Copy at most dstlen-1 bytes, always NUL-terminate; returns strlen(src) like strlcpy. */
size_t nlt_strlcpy(char *dst, const char *src, size_t dstlen);



/* Wall-clock microseconds since the epoch (clock skew). */
int64_t nlt_wall_us(void);
/* Format unix seconds as ISO 8601 UTC "YYYY-MM-DDTHH:MM:SSZ". */
const char *nlt_iso8601(int64_t unix_secs, char *buf, size_t len);
#endif
