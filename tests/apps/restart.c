/*
 * Interrupted system calls: a handler installed with SA_RESTART lets a
 * blocking read go on (it returns the data that came later); without it
 * the read fails with EINTR; nanosleep fails with EINTR either way, as
 * Linux documents (signal(7)). Another thread sends the signal while the
 * main thread blocks, then writes the data.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

#define DELAY_NS 100000000L		/* 100 ms: the main thread is blocked by then */

static int fds[2];
static volatile sig_atomic_t handled;
static pthread_t main_thread;

static void on_usr1(int sig)
{
	(void)sig;
	handled++;
}

static void pause_briefly(void)
{
	struct timespec ts = { 0, DELAY_NS };

	nanosleep(&ts, NULL);
}

/* Signals the main thread, then (when write_after) feeds the pipe. */
static void *interrupter(void *arg)
{
	pause_briefly();
	pthread_kill(main_thread, SIGUSR1);
	if (arg) {
		pause_briefly();
		(void)!write(fds[1], "x", 1);
	}
	return NULL;
}

static void set_handler(int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sa.sa_flags = flags;
	sigaction(SIGUSR1, &sa, NULL);
	handled = 0;
}

static void read_case(int flags, const char *what)
{
	pthread_t t;
	char c;
	ssize_t n;
	int err;

	set_handler(flags);
	pthread_create(&t, NULL, interrupter, (void *)1);
	n = read(fds[0], &c, 1);
	err = errno;
	pthread_join(t, NULL);
	if (flags & SA_RESTART) {
		check(n == 1 && c == 'x' && handled == 1, what, "read %zd (%s), handler ran %d times",
		      n, strerror(err), (int)handled);
	} else {
		check(n == -1 && err == EINTR && handled == 1, what,
		      "read %zd (%s), handler ran %d times", n, strerror(err), (int)handled);
		(void)!read(fds[0], &c, 1);	/* the byte written after the signal */
	}
}

int main(void)
{
	struct timespec long_sleep = { 5, 0 };
	pthread_t t;
	int r;

	main_thread = pthread_self();
	if (pipe(fds))
		return 1;
	read_case(SA_RESTART, "SA_RESTART: the read goes on and gets the data");
	read_case(0, "without SA_RESTART: the read fails with EINTR");
	set_handler(SA_RESTART);
	pthread_create(&t, NULL, interrupter, NULL);
	r = nanosleep(&long_sleep, NULL);
	check(r == -1 && errno == EINTR && handled == 1, "nanosleep is never restarted",
	      "nanosleep %d (%s)", r, strerror(errno));
	pthread_join(t, NULL);
	return checks_done();
}
