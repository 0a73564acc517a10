/*
 * src/net/xport.h - sockets with deadlines.
 *
 * Every network wait in nltrust goes through here with an absolute
 * deadline (nlt_now_ms() based); nothing blocks past it.
 */
#ifndef NLT_XPORT_H
#define NLT_XPORT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"
#include "util.h"

/* Outcome of a connect or exchange, as shown to users. */
enum xp_status {
	XP_OK = 0,
	XP_TIMEOUT,  /* no answer before the deadline ("filtered" for a port) */
	XP_REFUSED,  /* RST or ICMP port unreachable */
	XP_UNREACH,  /* no route / host unreachable */
	XP_NETERR,   /* any other socket error */
	XP_CLOSED,   /* the peer closed the connection early */
	XP_NOTIME,   /* not tried: the deadline had passed before the connect (earlier steps spent it) */
};
const char *xp_status_str(int st);
/* Map an errno from connect/recv to an xp_status. */
int xp_status_from_errno(int err);

/* A nonblocking UDP socket connected to peer (so ICMP errors surface as ECONNREFUSED); -1 on error with errno. */
int xp_udp_open(const struct nlt_addr *peer);
/* Start a nonblocking TCP connect; returns fd (connect may still be in progress) or -1 with errno. */
int xp_tcp_start(const struct nlt_addr *peer);
/* After POLLOUT on a connecting socket: XP_OK or the failure status. */
int xp_tcp_result(int fd);
/* Connect with a deadline; returns fd or -1 and *st (XP_NOTIME, nothing sent, when the deadline has passed). */
int xp_tcp_connect(const struct nlt_addr *peer, uint64_t deadline_ms, int *st);
/*
 * Connect with a deadline, racing further attempts when the first is slow (Happy Eyeballs
 * style, to one address): a SYN or SYN-ACK lost on the way costs xp_race_delay_ms(), not the
 * kernel's 1 s SYN retransmission (and the 3 s RTO Linux gives a connection whose SYN was
 * retransmitted).  Another attempt starts every xp_race_delay_ms() while none has completed,
 * XP_RACE_MAX at most; the first to complete wins and the others are closed unused.  A winner
 * whose handshake was retransmitted (no RTT sample: a 1-3 s RTO) is held in reserve for one
 * more gap while a fresh attempt races it.  A refusal or an unreachable answer ends it at once.
 * Same contract as xp_tcp_connect().
 */
#define XP_RACE_MAX 6
int xp_tcp_connect_race(const struct nlt_addr *peer, uint64_t deadline_ms, int *st);
/* The same for a connect already started with xp_tcp_start() (fd is taken over: returned or closed). */
int xp_tcp_race_finish(int fd, const struct nlt_addr *peer, uint64_t deadline_ms, int *st);
/* The gap between attempts: 3 x the smoothed connect RTT, 150 ms to 1 s; 200 ms before any sample. */
unsigned xp_race_delay_ms(void);
/* Write everything before the deadline; XP_OK or a status. */
int xp_send_all(int fd, const void *buf, size_t len, uint64_t deadline_ms);
/* Read at least 1 byte (at most len) before the deadline; returns bytes read, or -status (XP_CLOSED on EOF). */
ssize_t xp_recv_some(int fd, void *buf, size_t len, uint64_t deadline_ms);
/* Wait for events on one fd; 1 ready, 0 timeout, -1 error. */
int xp_wait(int fd, short events, uint64_t deadline_ms);
void xp_close(int *fd);

#endif
