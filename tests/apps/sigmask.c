/* Masked waits: ppoll, pselect and epoll_pwait with a mask that lets in
 * a SIGUSR1 the thread blocks. The signal, sent by another thread during
 * the wait or pending before it, ends the wait with EINTR, its handler
 * runs once (under the wait's mask), and the old mask is back after. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

#define SEND_DELAY_NS (20 * 1000 * 1000)
/* A wait the signal does not end fails rather than hangs. */
#define WAIT_LIMIT_S 5

static volatile sig_atomic_t usr1_count, usr2_blocked_in_handler;
static pthread_t main_thread;
static int pipe_fds[2];

static void on_usr1(int sig)
{
	sigset_t now;

	(void)sig;
	usr1_count++;
	pthread_sigmask(SIG_BLOCK, NULL, &now);
	usr2_blocked_in_handler = sigismember(&now, SIGUSR2);
}

static void *send_usr1(void *arg)
{
	struct timespec delay = { 0, SEND_DELAY_NS };

	(void)arg;
	nanosleep(&delay, NULL);
	pthread_kill(main_thread, SIGUSR1);
	return NULL;
}

static int do_ppoll(const sigset_t *mask)
{
	struct pollfd p = { .fd = pipe_fds[0], .events = POLLIN };
	struct timespec limit = { WAIT_LIMIT_S, 0 };

	return ppoll(&p, 1, &limit, mask);
}

static int do_pselect(const sigset_t *mask)
{
	struct timespec limit = { WAIT_LIMIT_S, 0 };
	fd_set rd;

	FD_ZERO(&rd);
	FD_SET(pipe_fds[0], &rd);
	return pselect(pipe_fds[0] + 1, &rd, NULL, NULL, &limit, mask);
}

static int do_epoll_pwait(const sigset_t *mask)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int ep = epoll_create1(0), r;

	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, pipe_fds[0], &ev) < 0)
		return -2;
	r = epoll_pwait(ep, &ev, 1, WAIT_LIMIT_S * 1000, mask);
	close(ep);
	return r;
}

/* The mask as it is now has SIGUSR1 and SIGUSR2, and nothing pending. */
static int mask_is_back(void)
{
	sigset_t now, pending;

	return pthread_sigmask(SIG_BLOCK, NULL, &now) == 0 && sigismember(&now, SIGUSR1) &&
	       sigismember(&now, SIGUSR2) && sigpending(&pending) == 0 &&
	       !sigismember(&pending, SIGUSR1);
}

/* One wait, the signal sent during it (by a thread) or before it. */
static void check_wait(const char *name, int (*wait)(const sigset_t *), int during)
{
	char what[96];
	pthread_t sender;
	sigset_t mask;
	int r, err;

	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR2);
	usr1_count = 0;
	usr2_blocked_in_handler = 0;
	if (during) {
		if (pthread_create(&sender, NULL, send_usr1, NULL)) {
			check(0, name, "pthread_create failed");
			return;
		}
	} else {
		raise(SIGUSR1);
	}
	errno = 0;
	r = wait(&mask);
	err = errno;
	if (during)
		pthread_join(sender, NULL);
	snprintf(what, sizeof(what), "%s: EINTR with the signal %s", name,
		 during ? "sent during the wait" : "pending before it");
	check(r == -1 && err == EINTR, what, "returned %d, errno %s", r, strerror(err));
	snprintf(what, sizeof(what), "%s: the handler ran once, under the wait's mask", name);
	check(usr1_count == 1 && usr2_blocked_in_handler, what, "%d times, SIGUSR2 %s",
	      (int)usr1_count, usr2_blocked_in_handler ? "blocked" : "not blocked");
	snprintf(what, sizeof(what), "%s: the old mask is back", name);
	check(mask_is_back(), what, "SIGUSR1 or SIGUSR2 unblocked, or SIGUSR1 pending");
}

/* No signal: the wait times out and leaves the mask alone. */
static void check_quiet_wait(void)
{
	struct pollfd p = { .fd = pipe_fds[0], .events = POLLIN };
	struct timespec none = { 0, 0 };
	sigset_t mask;
	int r;

	sigemptyset(&mask);
	usr1_count = 0;
	r = ppoll(&p, 1, &none, &mask);
	check(r == 0 && usr1_count == 0 && mask_is_back(), "ppoll without a signal",
	      "returned %d, handler ran %d times", r, (int)usr1_count);
}

int main(void)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	sigset_t block;

	main_thread = pthread_self();
	sigemptyset(&sa.sa_mask);
	check(sigaction(SIGUSR1, &sa, NULL) == 0, "sigaction SIGUSR1", "%s", strerror(errno));
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGUSR2);
	check(pthread_sigmask(SIG_BLOCK, &block, NULL) == 0, "block SIGUSR1 and SIGUSR2",
	      "failed");
	check(pipe(pipe_fds) == 0, "pipe", "%s", strerror(errno));
	for (int during = 1; during >= 0; during--) {
		check_wait("ppoll", do_ppoll, during);
		check_wait("pselect", do_pselect, during);
		check_wait("epoll_pwait", do_epoll_pwait, during);
	}
	check_quiet_wait();
	return checks_done();
}
