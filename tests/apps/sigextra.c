/* signalfd: the caller's blocked signals read as struct signalfd_siginfo,
 * readable in epoll, a blocking read woken by a signal sent later, a
 * child's end through SIGCHLD, and the errno of bad arguments. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

#define EXIT_CODE 7

static int blocking_fd;
static struct signalfd_siginfo blocking_got;
static long blocking_r;

static void *blocking_reader(void *arg)
{
	(void)arg;
	blocking_r = read(blocking_fd, &blocking_got, sizeof(blocking_got));
	return NULL;
}

int main(void)
{
	struct signalfd_siginfo ssi[2];
	struct epoll_event ev = { .events = EPOLLIN }, out;
	struct timespec pause_ts = { 0, 50000000 };
	sigset_t set;
	pthread_t th;
	int fd, ep, r, err, status;
	pid_t pid;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	check(fd >= 0, "signalfd", "%s", strerror(errno));
	r = (int)read(fd, ssi, sizeof(ssi));
	err = errno;
	check(r == -1 && err == EAGAIN, "nothing pending reads EAGAIN", "%d %s", r, strerror(err));
	ep = epoll_create1(0);
	ev.data.fd = fd;
	epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	check(epoll_wait(ep, &out, 1, 0) == 0, "not readable with nothing pending", "readable");
	kill(getpid(), SIGUSR1);
	kill(getpid(), SIGUSR2);
	r = epoll_wait(ep, &out, 1, 30000);
	check(r == 1 && (out.events & EPOLLIN), "epoll sees a pending signal", "%d", r);
	r = (int)read(fd, ssi, sizeof(ssi));
	check(r == 2 * (int)sizeof(ssi[0]) && ssi[0].ssi_signo == SIGUSR1 &&
	      ssi[1].ssi_signo == SIGUSR2, "one read takes both signals, lowest first",
	      "%d bytes, %u %u", r, ssi[0].ssi_signo, ssi[1].ssi_signo);
	check(ssi[0].ssi_pid == (uint32_t)getpid() && ssi[0].ssi_code == SI_USER,
	      "the siginfo names the sender and SI_USER", "pid %u code %d", ssi[0].ssi_pid,
	      ssi[0].ssi_code);
	check(epoll_wait(ep, &out, 1, 0) == 0, "taken signals are no longer pending", "readable");
	r = (int)read(fd, ssi, sizeof(ssi[0]) - 1);
	err = errno;
	check(r == -1 && err == EINVAL, "a read under 128 bytes is EINVAL", "%d %s", r,
	      strerror(err));

	/* A blocking signalfd, woken by a signal sent while it waits. */
	blocking_fd = signalfd(-1, &set, 0);
	pthread_create(&th, NULL, blocking_reader, NULL);
	nanosleep(&pause_ts, NULL);
	kill(getpid(), SIGUSR2);
	pthread_join(th, NULL);
	check(blocking_r == (long)sizeof(blocking_got) && blocking_got.ssi_signo == SIGUSR2,
	      "a blocking read wakes for a signal sent later", "%ld, signal %u", blocking_r,
	      blocking_got.ssi_signo);

	pid = fork();
	if (pid == 0)
		_exit(EXIT_CODE);
	r = epoll_wait(ep, &out, 1, 30000);
	r = r == 1 ? (int)read(fd, ssi, sizeof(ssi[0])) : -1;
	check(r == (int)sizeof(ssi[0]) && ssi[0].ssi_signo == SIGCHLD &&
	      ssi[0].ssi_pid == (uint32_t)pid && ssi[0].ssi_status == EXIT_CODE &&
	      ssi[0].ssi_code == CLD_EXITED, "SIGCHLD tells the child's pid and status",
	      "%d bytes, signal %u pid %u status %d code %d", r, ssi[0].ssi_signo, ssi[0].ssi_pid,
	      ssi[0].ssi_status, ssi[0].ssi_code);
	waitpid(pid, &status, 0);

	/* sigqueue's data travels with the signal. */
	{
		union sigval v = { .sival_int = 31337 };
		siginfo_t si;
		sigset_t one;
		struct timespec ts = { 30, 0 };

		sigemptyset(&one);
		sigaddset(&one, SIGRTMIN + 2);
		sigprocmask(SIG_BLOCK, &one, NULL);
		check(sigqueue(getpid(), SIGRTMIN + 2, v) == 0, "sigqueue", "%s", strerror(errno));
		r = sigtimedwait(&one, &si, &ts);
		check(r == SIGRTMIN + 2 && si.si_code == SI_QUEUE && si.si_value.sival_int == 31337 &&
		      si.si_pid == getpid(), "sigqueue's value and SI_QUEUE arrive",
		      "%d code %d value %d pid %d", r, si.si_code, si.si_value.sival_int,
		      (int)si.si_pid);
		r = sigqueue(getpid(), 0x7fff, v);
		err = errno;
		check(r == -1 && err == EINVAL, "sigqueue of an unknown signal is EINVAL", "%d %s", r,
		      strerror(err));
	}

	/* Changing the mask of an existing signalfd. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	check(signalfd(fd, &set, 0) == fd, "signalfd on its own fd changes the mask", "%s",
	      strerror(errno));
	kill(getpid(), SIGUSR1);
	check(epoll_wait(ep, &out, 1, 0) == 0, "a signal outside the new mask is not seen",
	      "readable");
	r = signalfd(ep, &set, 0);
	err = errno;
	check(r == -1 && err == EINVAL, "signalfd on another file is EINVAL", "%d %s", r,
	      strerror(err));
	r = signalfd(-1, &set, 0x1234);
	err = errno;
	check(r == -1 && err == EINVAL, "signalfd with bad flags is EINVAL", "%d %s", r,
	      strerror(err));
	return checks_done();
}
