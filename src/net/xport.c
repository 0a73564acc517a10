/* src/net/xport.c - sockets with deadlines (see xport.h). */
#include "config.h"
#include "xport.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
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
