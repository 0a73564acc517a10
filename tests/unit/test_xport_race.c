/*
 * tests/unit/test_xport_race.c - xp_tcp_connect_race() (src/net/xport.c) on loopback.
 *
 * A lost SYN is made without privileges: a listener with backlog 0 whose one queue slot is
 * taken drops every SYN (Linux: the accept queue is full) until the test accepts that
 * connection.  The plain connect then waits for the kernel's SYN retransmission (1 s); the
 * race's second attempt (200 ms later) gets through.
 */
#include "config.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "util.h"
#include "xport.h"

struct lsn {
	int lfd, filler;
	struct nlt_addr addr;
	unsigned accept_after_ms; /* 0: never */
	int accepted;             /* accept_all's count (atomic) */
	pthread_t t;
};

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* A listener whose accept queue is full: the next SYN is dropped. */
static void full_listener(struct lsn *l)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);

	memset(l, 0, sizeof(*l));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(l->lfd >= 0);
	assert_int_equal(bind(l->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(l->lfd, 0), 0);
	assert_int_equal(getsockname(l->lfd, (struct sockaddr *)&sa, &sl), 0);
	assert_int_equal(nlt_addr_parse(&l->addr, "127.0.0.1", ntohs(sa.sin_port)), 0);
	l->filler = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(connect(l->filler, (struct sockaddr *)&sa, sizeof(sa)), 0);
}

static void *acceptor(void *arg)
{
	struct lsn *l = arg;
	int fd;

	usleep(l->accept_after_ms * 1000);
	fd = accept(l->lfd, NULL, NULL); /* frees the queue slot */
	if (fd >= 0)
		close(fd);
	return NULL;
}

static void test_lost_syn_costs_the_race_delay_not_a_second(void **state)
{
	struct lsn l;
	uint64_t t0, el;
	int st, fd;
	struct sockaddr_in peer;
	socklen_t pl = sizeof(peer);

	(void)state;
	full_listener(&l);
	l.accept_after_ms = 80;
	assert_int_equal(pthread_create(&l.t, NULL, acceptor, &l), 0);
	t0 = nlt_now_ms();
	fd = xp_tcp_connect_race(&l.addr, t0 + 3000, &st);
	el = nlt_now_ms() - t0;
	pthread_join(l.t, NULL);
	print_message("    connect with the first SYN dropped: %llu ms (race delay %u ms)\n", (unsigned long long)el,
		      xp_race_delay_ms());
	assert_int_equal(st, XP_OK);
	assert_true(fd >= 0);
	assert_int_equal(getpeername(fd, (struct sockaddr *)&peer, &pl), 0);
	assert_int_equal(ntohs(peer.sin_port), nlt_addr_port(&l.addr));
	/* the kernel's own retransmission comes at 1 s: well under it */
	if (el >= 700)
		fail_msg("the connect took %llu ms: the lost SYN was waited for", (unsigned long long)el);
	assert_true(el >= 150); /* and it really was lost: the first attempt did not get through */
	close(fd);
	close(l.filler);
	close(l.lfd);
}

static void *accept_all(void *arg)
{
	struct lsn *l = arg;

	usleep(l->accept_after_ms * 1000);
	for (;;) {
		int fd = accept(l->lfd, NULL, NULL); /* until the test shuts lfd down */
		if (fd < 0)
			return NULL;
		close(fd);
		__atomic_add_fetch(&l->accepted, 1, __ATOMIC_SEQ_CST);
	}
}

static unsigned total_retrans(int fd)
{
	struct tcp_info ti;
	socklen_t sl = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	assert_int_equal(getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &sl), 0);
	return ti.tcpi_total_retrans;
}

/*
 * A connect that got through only with the kernel's resent SYN has no RTT sample (a 1-3 s RTO
 * for its first lost segment): the race keeps it in reserve and takes a fresh attempt that
 * completes cleanly within one gap.
 */
static void test_a_winner_with_a_resent_syn_is_replaced(void **state)
{
	struct lsn l;
	struct pollfd pf;
	uint64_t t0;
	int st, old, fd;

	(void)state;
	full_listener(&l);
	old = xp_tcp_start(&l.addr); /* its SYN is dropped: the queue is full */
	assert_true(old >= 0);
	l.accept_after_ms = 500;     /* then every connection is taken at once */
	assert_int_equal(pthread_create(&l.t, NULL, accept_all, &l), 0);
	pf.fd = old;
	pf.events = POLLOUT;
	assert_int_equal(poll(&pf, 1, 3000), 1); /* the kernel's resent SYN, at ~1 s, gets through */
	assert_true(total_retrans(old) > 0);
	/* the queue's one slot is free again (filler and old taken), so a fresh SYN gets through */
	for (int i = 0; i < 300 && __atomic_load_n(&l.accepted, __ATOMIC_SEQ_CST) < 2; i++)
		usleep(10 * 1000);
	assert_int_equal(__atomic_load_n(&l.accepted, __ATOMIC_SEQ_CST), 2);
	t0 = nlt_now_ms();
	fd = xp_tcp_race_finish(old, &l.addr, t0 + 3000, &st);
	print_message("    resent-SYN winner replaced in %llu ms\n", (unsigned long long)(nlt_now_ms() - t0));
	assert_int_equal(st, XP_OK);
	assert_true(fd >= 0);
	assert_true(fd != old); /* old is still open until the race closes it, so the numbers differ */
	assert_int_equal(total_retrans(fd), 0);
	assert_true(nlt_now_ms() - t0 < 500);
	close(fd);
	shutdown(l.lfd, SHUT_RDWR);
	close(l.filler);
	pthread_join(l.t, NULL);
	close(l.lfd);
}

static void test_silence_ends_at_the_deadline_without_leaking(void **state)
{
	struct lsn l;
	uint64_t t0, el;
	int st, fd, before;

	(void)state;
	full_listener(&l); /* never accepted: every SYN is dropped */
	before = count_fds();
	t0 = nlt_now_ms();
	fd = xp_tcp_connect_race(&l.addr, t0 + 900, &st);
	el = nlt_now_ms() - t0;
	assert_int_equal(fd, -1);
	assert_int_equal(st, XP_TIMEOUT);
	assert_true(el >= 880 && el < 1400); /* ends at the deadline (slack for a loaded machine) */
	assert_int_equal(count_fds(), before); /* every attempt closed */
	close(l.filler);
	close(l.lfd);
}

static void test_refused_at_once(void **state)
{
	struct nlt_addr a;
	int st, fd, s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	uint64_t t0;

	(void)state;
	/* a port bound but not listening refuses */
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&sa, &sl), 0);
	assert_int_equal(nlt_addr_parse(&a, "127.0.0.1", ntohs(sa.sin_port)), 0);
	t0 = nlt_now_ms();
	fd = xp_tcp_connect_race(&a, t0 + 2000, &st);
	assert_int_equal(fd, -1);
	assert_int_equal(st, XP_REFUSED);
	assert_true(nlt_now_ms() - t0 < 100);
	close(s);
}

static void test_no_time_is_not_tried(void **state)
{
	struct nlt_addr a;
	int st;

	(void)state;
	assert_int_equal(nlt_addr_parse(&a, "127.0.0.1", 9), 0);
	assert_int_equal(xp_tcp_connect_race(&a, nlt_now_ms() - 1, &st), -1);
	assert_int_equal(st, XP_NOTIME);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		/* first: before any RTT sample, so the gap is the 200 ms default */
		cmocka_unit_test(test_lost_syn_costs_the_race_delay_not_a_second),
		cmocka_unit_test(test_a_winner_with_a_resent_syn_is_replaced),
		cmocka_unit_test(test_silence_ends_at_the_deadline_without_leaking),
		cmocka_unit_test(test_refused_at_once),
		cmocka_unit_test(test_no_time_is_not_tried),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
