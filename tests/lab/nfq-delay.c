/* nfq-delay: hold every packet of an NFQUEUE for a fixed time, then accept it.
 *
 * Part of the nltrust integration lab (tests/lab/lab.sh latency MS). The kernel
 * here has no netem; the lab instead sends the bridge's forward path through
 *   iptables -A FORWARD -j NFQUEUE --queue-num N --queue-bypass
 * and this program drains that queue. A packet crossing the bridge once is
 * delayed by MS, so a round trip between two lab hosts takes 2*MS.
 *
 * Usage: nfq-delay QUEUE_NUM DELAY_MS PIDFILE
 * The pid file is written once the queue is bound (so the caller may add the
 * iptables rule afterwards). SIGTERM/SIGINT: accept everything still held, exit.
 *
 * The delay is constant, so packets leave in arrival order: a ring buffer of
 * (packet id, due time) is all the scheduling needed. If the ring is full, the
 * oldest packet is released early rather than dropped.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <linux/netfilter.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

#define RING 65536u

struct held { uint32_t id; struct timespec due; };

static struct held ring[RING];
static unsigned head, count;
static struct timespec delay;
static volatile sig_atomic_t stop;

static void on_signal(int sig) { (void)sig; stop = 1; }

static int ts_before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

static void release_head(struct nfq_q_handle *qh)
{
	nfq_set_verdict(qh, ring[head].id, NF_ACCEPT, 0, NULL);
	head = (head + 1) % RING;
	count--;
}

static int on_packet(struct nfq_q_handle *qh, struct nfgenmsg *msg,
		     struct nfq_data *nfa, void *data)
{
	(void)msg; (void)data;
	struct nfqnl_msg_packet_hdr *ph = nfq_get_msg_packet_hdr(nfa);
	if (ph == NULL)
		return 0;
	if (count == RING)
		release_head(qh);
	struct held *h = &ring[(head + count) % RING];
	h->id = ntohl(ph->packet_id);
	clock_gettime(CLOCK_MONOTONIC, &h->due);
	h->due.tv_sec += delay.tv_sec;
	h->due.tv_nsec += delay.tv_nsec;
	if (h->due.tv_nsec >= 1000000000L) {
		h->due.tv_sec++;
		h->due.tv_nsec -= 1000000000L;
	}
	count++;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: %s QUEUE_NUM DELAY_MS PIDFILE\n", argv[0]);
		return 2;
	}
	int qnum = atoi(argv[1]);
	long ms = atol(argv[2]);
	if (qnum < 0 || qnum > 65535 || ms < 0 || ms > 60000) {
		fprintf(stderr, "nfq-delay: bad queue number or delay\n");
		return 2;
	}
	delay.tv_sec = ms / 1000;
	delay.tv_nsec = (ms % 1000) * 1000000L;

	struct nfq_handle *h = nfq_open();
	if (h == NULL) {
		perror("nfq-delay: nfq_open");
		return 1;
	}
	struct nfq_q_handle *qh = nfq_create_queue(h, (uint16_t)qnum, on_packet, NULL);
	if (qh == NULL) {
		perror("nfq-delay: nfq_create_queue");
		return 1;
	}
	if (nfq_set_mode(qh, NFQNL_COPY_META, 0) < 0) {
		perror("nfq-delay: nfq_set_mode");
		return 1;
	}
	nfq_set_queue_maxlen(qh, RING);
	/* never drop: if our socket or queue overflows, the kernel accepts */
	nfq_set_queue_flags(qh, NFQA_CFG_F_FAIL_OPEN, NFQA_CFG_F_FAIL_OPEN);
	int fd = nfq_fd(h);
	nfnl_rcvbufsiz(nfq_nfnlh(h), 8u << 20);

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	FILE *pf = fopen(argv[3], "w");
	if (pf == NULL) {
		perror("nfq-delay: pid file");
		return 1;
	}
	fprintf(pf, "%ld\n", (long)getpid());
	fclose(pf);

	static char buf[65536] __attribute__((aligned));
	while (!stop) {
		struct timespec now, wait, *waitp = NULL;
		clock_gettime(CLOCK_MONOTONIC, &now);
		while (count > 0 && !ts_before(&now, &ring[head].due))
			release_head(qh);
		if (count > 0) {
			wait.tv_sec = ring[head].due.tv_sec - now.tv_sec;
			wait.tv_nsec = ring[head].due.tv_nsec - now.tv_nsec;
			if (wait.tv_nsec < 0) {
				wait.tv_sec--;
				wait.tv_nsec += 1000000000L;
			}
			waitp = &wait;
		}
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int r = ppoll(&p, 1, waitp, NULL);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			perror("nfq-delay: ppoll");
			break;
		}
		if (r > 0) {
			for (;;) {
				ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
				if (n < 0) {
					if (errno == ENOBUFS) /* lost some: fail-open covers them */
						continue;
					break;
				}
				nfq_handle_packet(h, buf, (int)n);
			}
		}
	}
	while (count > 0)
		release_head(qh);
	nfq_destroy_queue(qh);
	nfq_close(h);
	unlink(argv[3]);
	return 0;
}
