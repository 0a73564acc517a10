/* src/net/xport.c - sockets with deadlines (see xport.h). */
#include "config.h"
#include "xport.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

const char *xp_status_str(int st)
{
	switch (st) {
	case XP_OK: return "ok";
	case XP_TIMEOUT: return "timeout";
	case XP_REFUSED: return "refused";
	case XP_UNREACH: return "unreachable";
	case XP_NETERR: return "network error";
	case XP_CLOSED: return "connection closed";
	case XP_NOTIME: return "not tried: the deadline had run out before this step (spent by the steps before it)";
	}
	return "error";
}

int xp_status_from_errno(int err)
{
	switch (err) {
	case ECONNREFUSED:
	case ECONNRESET:
		return XP_REFUSED;
	case EHOSTUNREACH:
	case ENETUNREACH:
	case EHOSTDOWN:
	case ENETDOWN:
		return XP_UNREACH;
	case ETIMEDOUT:
		return XP_TIMEOUT;
	default:
		return XP_NETERR;
	}
}

int xp_udp_open(const struct nlt_addr *peer)
{
	int fd = socket(peer->ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)&peer->ss, peer->len) < 0) {
		int saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

int xp_tcp_start(const struct nlt_addr *peer)
{
	int one = 1;
	int fd = socket(peer->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return -1;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	/* our streams are thin (one request, one answer): a segment lost twice is resent after one
	 * RTO each time instead of an exponentially longer one (Linux; per socket, no privilege) */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_THIN_LINEAR_TIMEOUTS, &one, sizeof(one));
	if (connect(fd, (const struct sockaddr *)&peer->ss, peer->len) < 0 && errno != EINPROGRESS) {
		int saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

int xp_tcp_result(int fd)
{
	int soerr = 0;
	socklen_t sl = sizeof(soerr);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
		return xp_status_from_errno(errno);
	return soerr ? xp_status_from_errno(soerr) : XP_OK;
}

int xp_wait(int fd, short events, uint64_t deadline_ms)
{
	struct pollfd p = { .fd = fd, .events = events };

	for (;;) {
		int r = poll(&p, 1, nlt_ms_left(deadline_ms));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		return r > 0 ? 1 : 0;
	}
}

int xp_tcp_connect(const struct nlt_addr *peer, uint64_t deadline_ms, int *st)
{
	int fd, r;

	if (nlt_now_ms() >= deadline_ms) {
		/* a port never tried is not a port that timed out: say which it is */
		*st = XP_NOTIME;
		return -1;
	}
	fd = xp_tcp_start(peer);
	if (fd < 0) {
		*st = xp_status_from_errno(errno);
		return -1;
	}
	r = xp_wait(fd, POLLOUT, deadline_ms);
	if (r <= 0) {
		*st = r == 0 ? XP_TIMEOUT : XP_NETERR;
		close(fd);
		return -1;
	}
	*st = xp_tcp_result(fd);
	if (*st != XP_OK) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * The connect RTT: an EWMA (1/8) of the handshakes that completed without a SYN retransmission,
 * process-wide (verify's Netlogon thread connects beside the Kerberos one), 0 before any.
 */
static unsigned conn_rtt_ms;

static void rtt_note(uint64_t ms)
{
	unsigned old = __atomic_load_n(&conn_rtt_ms, __ATOMIC_RELAXED), v;

	if (ms >= 1000) /* the kernel retransmits a SYN after 1 s: not one round trip */
		return;
	v = old ? (unsigned)((7 * (uint64_t)old + ms + 7) / 8) : (unsigned)ms + 1;
	__atomic_store_n(&conn_rtt_ms, v, __ATOMIC_RELAXED);
}

unsigned xp_race_delay_ms(void)
{
	unsigned rtt = __atomic_load_n(&conn_rtt_ms, __ATOMIC_RELAXED), d;

	if (!rtt)
		return 200;
	d = 3 * rtt;
	return d < 150 ? 150 : d > 1000 ? 1000 : d;
}

/*
 * A connection whose handshake needed a retransmission (our SYN resent by the kernel, or a
 * SYN-ACK that came twice) has no RTT sample: Linux gives it a 1-3 s RTO, so its first lost
 * segment costs seconds (seen at 30 % loss: a request resent after 1.76 s).  Such a winner is
 * kept in reserve while a fresh attempt gets one more gap to do better.
 */
static int no_rtt_sample(int fd)
{
	struct tcp_info ti;
	socklen_t l = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &l) != 0)
		return 0;
	return ti.tcpi_total_retrans > 0 || ti.tcpi_rto >= 1000000;
}

/* fresh: fd was started just now, so its handshake time is an RTT sample */
static int race(int fd, int fresh, const struct nlt_addr *peer, uint64_t deadline_ms, int *st)
{
	struct pollfd p[XP_RACE_MAX];
	int fds[XP_RACE_MAX];
	uint64_t started[XP_RACE_MAX], now = nlt_now_ms(), next, keep_until = 0;
	unsigned gap = xp_race_delay_ms();
	int n = 1, win = -1, keep = -1;

	fds[0] = fd;
	started[0] = now; /* a connect started earlier (a pre-connect) may be older: no RTT sample from it */
	next = now + gap;
	*st = XP_TIMEOUT;
	while (win < 0) {
		uint64_t until = deadline_ms;
		int r;

		if (keep >= 0 && (now >= keep_until || now >= deadline_ms)) {
			win = keep; /* nothing better came: the reserve */
			break;
		}
		if (now >= deadline_ms)
			break;
		if (n < XP_RACE_MAX && next < until)
			until = next;
		if (keep >= 0 && keep_until < until)
			until = keep_until;
		for (int i = 0; i < n; i++) {
			p[i].fd = i == keep ? -1 : fds[i]; /* poll skips negative fds */
			p[i].events = POLLOUT;
			p[i].revents = 0;
		}
		r = poll(p, (nfds_t)n, nlt_ms_left(until));
		if (r < 0 && errno != EINTR) {
			*st = XP_NETERR;
			break;
		}
		now = nlt_now_ms();
		for (int i = 0; r > 0 && i < n && win < 0; i++) {
			if (!p[i].revents || fds[i] < 0)
				continue;
			*st = xp_tcp_result(fds[i]);
			if (*st != XP_OK) {
				if (keep >= 0) { /* the port is open: this attempt's failure says nothing more */
					close(fds[i]);
					fds[i] = -1;
					continue;
				}
				goto out; /* a refusal or an unreachable network: the other attempts would hear the same */
			}
			if (keep < 0 && n < XP_RACE_MAX && no_rtt_sample(fds[i]) && now + gap < deadline_ms) {
				keep = i;
				keep_until = now + gap;
				next = now; /* a fresh attempt at once, if there is room for one */
				continue;
			}
			if (keep >= 0 && no_rtt_sample(fds[i])) {
				win = keep; /* no better than the reserve */
				break;
			}
			win = i;
			if (i > 0 || fresh)
				rtt_note(now - started[i]);
		}
		if (win < 0 && n < XP_RACE_MAX && now >= next && now < deadline_ms) {
			int nfd = xp_tcp_start(peer);
			if (nfd >= 0) {
				fds[n] = nfd;
				started[n++] = now;
			}
			next = now + gap;
		}
	}
out:
	for (int i = 0; i < n; i++)
		if (i != win && fds[i] >= 0)
			close(fds[i]);
	if (win < 0) {
		if (*st == XP_OK)
			*st = XP_TIMEOUT;
		return -1;
	}
	*st = XP_OK;
	return fds[win];
}

int xp_tcp_connect_race(const struct nlt_addr *peer, uint64_t deadline_ms, int *st)
{
	int fd;

	if (nlt_now_ms() >= deadline_ms) {
		*st = XP_NOTIME;
		return -1;
	}
	fd = xp_tcp_start(peer);
	if (fd < 0) {
		*st = xp_status_from_errno(errno);
		return -1;
	}
	return race(fd, 1, peer, deadline_ms, st);
}

int xp_tcp_race_finish(int fd, const struct nlt_addr *peer, uint64_t deadline_ms, int *st)
{
	if (fd < 0) {
		*st = XP_NETERR;
		return -1;
	}
	return race(fd, 0, peer, deadline_ms, st);
}

int xp_send_all(int fd, const void *buf, size_t len, uint64_t deadline_ms)
{
	const uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			int r = xp_wait(fd, POLLOUT, deadline_ms);
			if (r == 0)
				return XP_TIMEOUT;
			if (r < 0)
				return XP_NETERR;
			continue;
		}
		return xp_status_from_errno(errno);
	}
	return XP_OK;
}

ssize_t xp_recv_some(int fd, void *buf, size_t len, uint64_t deadline_ms)
{
	for (;;) {
		ssize_t n = recv(fd, buf, len, 0);
		if (n > 0)
			return n;
		if (n == 0)
			return -XP_CLOSED;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			int r = xp_wait(fd, POLLIN, deadline_ms);
			if (r == 0)
				return -XP_TIMEOUT;
			if (r < 0)
				return -XP_NETERR;
			continue;
		}
		return -xp_status_from_errno(errno);
	}
}

void xp_close(int *fd)
{
	if (fd && *fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}
