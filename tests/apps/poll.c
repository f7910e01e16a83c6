/* Readiness: poll, epoll and select on a pipe and an eventfd, and their
 * timeouts. */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

#define TIMEOUT_MS 50
/* A timeout may end a little early by clock granularity; not by much. */
#define TIMEOUT_MIN_MS 45
#define TIMEOUT_MAX_MS 2000

static int pipe_fds[2], efd;

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void check_poll(void)
{
	struct pollfd p[2] = { { .fd = pipe_fds[0], .events = POLLIN },
			       { .fd = efd, .events = POLLIN } };
	long long start = now_ms();
	int n = poll(p, 2, TIMEOUT_MS);
	long long waited = now_ms() - start;

	check(n == 0 && waited >= TIMEOUT_MIN_MS && waited < TIMEOUT_MAX_MS,
	      "poll times out after 50 ms", "returned %d after %lld ms", n, waited);
	struct pollfd w = { .fd = pipe_fds[1], .events = POLLOUT };
	check(poll(&w, 1, 0) == 1 && (w.revents & POLLOUT), "poll pipe writable",
	      "revents %#x", w.revents);
	check(write(pipe_fds[1], "x", 1) == 1, "pipe write", "%s", strerror(errno));
	n = poll(p, 2, TIMEOUT_MS);
	check(n == 1 && (p[0].revents & POLLIN) && !p[1].revents, "poll pipe readable",
	      "returned %d, revents %#x %#x", n, p[0].revents, p[1].revents);
	uint64_t one = 1;
	check(write(efd, &one, sizeof(one)) == sizeof(one), "eventfd write", "%s",
	      strerror(errno));
	n = poll(p, 2, TIMEOUT_MS);
	check(n == 2 && (p[1].revents & POLLIN), "poll eventfd readable",
	      "returned %d, revents %#x", n, p[1].revents);
}

static void check_epoll(void)
{
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev[4], add = { .events = EPOLLIN };

	if (!check(ep >= 0, "epoll_create1", "%s", strerror(errno)))
		return;
	add.data.u32 = 1;
	int ok = epoll_ctl(ep, EPOLL_CTL_ADD, pipe_fds[0], &add) == 0;
	add.data.u32 = 2;
	ok = ok && epoll_ctl(ep, EPOLL_CTL_ADD, efd, &add) == 0;
	check(ok, "epoll_ctl add", "%s", strerror(errno));

	int n = epoll_wait(ep, ev, 4, TIMEOUT_MS);
	unsigned seen = 0;
	for (int i = 0; i < n; i++)
		seen |= ev[i].data.u32;
	check(n == 2 && seen == 3, "epoll_wait sees both fds", "%d events, mask %#x", n, seen);

	char c;
	uint64_t count;
	check(read(pipe_fds[0], &c, 1) == 1 && read(efd, &count, sizeof(count)) == sizeof(count) &&
	      count == 1, "drain pipe and eventfd", "%s", strerror(errno));
	long long start = now_ms();
	n = epoll_wait(ep, ev, 4, TIMEOUT_MS);
	long long waited = now_ms() - start;
	check(n == 0 && waited >= TIMEOUT_MIN_MS && waited < TIMEOUT_MAX_MS,
	      "epoll_wait times out", "returned %d after %lld ms", n, waited);
	(void)!write(efd, &count, sizeof(count));
	n = epoll_wait(ep, ev, 4, TIMEOUT_MS);
	check(n == 1 && ev[0].data.u32 == 2, "epoll_wait sees the eventfd only",
	      "%d events, first %u", n, n > 0 ? ev[0].data.u32 : 0);
	(void)!read(efd, &count, sizeof(count));
	close(ep);
}

static void check_select(void)
{
	fd_set r;
	struct timeval tv = { 0, TIMEOUT_MS * 1000 };

	FD_ZERO(&r);
	FD_SET(pipe_fds[0], &r);
	check(select(pipe_fds[0] + 1, &r, NULL, NULL, &tv) == 0 && !FD_ISSET(pipe_fds[0], &r),
	      "select times out", "%s", strerror(errno));
	(void)!write(pipe_fds[1], "y", 1);
	FD_ZERO(&r);
	FD_SET(pipe_fds[0], &r);
	tv = (struct timeval){ 0, TIMEOUT_MS * 1000 };
	check(select(pipe_fds[0] + 1, &r, NULL, NULL, &tv) == 1 && FD_ISSET(pipe_fds[0], &r),
	      "select pipe readable", "%s", strerror(errno));
}

int main(void)
{
	efd = eventfd(0, EFD_CLOEXEC);
	if (pipe(pipe_fds) || efd < 0) {
		perror("pipe/eventfd");
		return 1;
	}
	check_poll();
	check_epoll();
	check_select();
	return checks_done();
}
