/* Timers: alarm, setitimer/getitimer, POSIX timers (SIGEV_SIGNAL,
 * SIGEV_NONE, SIGEV_THREAD_ID, TIMER_ABSTIME) and timerfd in epoll.
 * Times are checked with lower bounds and generous upper ones: under
 * emulation a timer may be late, never early. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

#define MS 1000000ll
#define LATE (30000 * MS)	/* the most a timer may be late under emulation */

static volatile sig_atomic_t alarms, vtalarms;

static void on_alrm(int sig)
{
	(void)sig;
	alarms++;
}

static void on_vtalrm(int sig)
{
	(void)sig;
	vtalarms++;
}

static long long now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static void handle(int sig, void (*fn)(int))
{
	struct sigaction sa = { .sa_handler = fn };

	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

static void check_alarm(void)
{
	long long t0 = now_ns(CLOCK_MONOTONIC), dt;
	unsigned r;

	handle(SIGALRM, on_alrm);
	alarms = 0;
	check(alarm(1) == 0, "alarm with none set returns 0", "returned nonzero");
	while (!alarms && now_ns(CLOCK_MONOTONIC) - t0 < LATE)
		pause();
	dt = now_ns(CLOCK_MONOTONIC) - t0;
	check(alarms == 1 && dt >= 990 * MS, "alarm(1) delivers SIGALRM after a second",
	      "%d alarms after %lld ms", (int)alarms, dt / MS);
	alarm(10);
	r = alarm(0);
	check(r >= 9 && r <= 10, "alarm returns the seconds left", "%u", r);
	r = alarm(0);
	check(r == 0, "alarm(0) cancelled it", "%u", r);
}

static void check_itimer(void)
{
	struct itimerval it = { { 0, 50000 }, { 0, 50000 } }, got, bad = { { 0, 1000000 }, { 0, 1 } };
	long long t0 = now_ns(CLOCK_MONOTONIC), dt;
	int r, err;

	alarms = 0;
	check(setitimer(ITIMER_REAL, &it, NULL) == 0, "setitimer ITIMER_REAL", "%s", strerror(errno));
	check(getitimer(ITIMER_REAL, &got) == 0 && got.it_interval.tv_usec == 50000 &&
	      got.it_interval.tv_sec == 0 && (got.it_value.tv_sec || got.it_value.tv_usec),
	      "getitimer shows the interval", "interval %ld.%06ld", (long)got.it_interval.tv_sec,
	      (long)got.it_interval.tv_usec);
	while (alarms < 3 && now_ns(CLOCK_MONOTONIC) - t0 < LATE)
		pause();
	dt = now_ns(CLOCK_MONOTONIC) - t0;
	check(alarms >= 3 && dt >= 145 * MS, "a periodic itimer fires again and again",
	      "%d alarms after %lld ms", (int)alarms, dt / MS);
	memset(&it, 0, sizeof(it));
	check(setitimer(ITIMER_REAL, &it, &got) == 0 && got.it_interval.tv_usec == 50000,
	      "setitimer disarms and returns the old setting", "%s", strerror(errno));
	check(getitimer(ITIMER_REAL, &got) == 0 && !got.it_value.tv_sec && !got.it_value.tv_usec,
	      "getitimer after disarming is zero", "%ld.%06ld", (long)got.it_value.tv_sec,
	      (long)got.it_value.tv_usec);
	r = setitimer(ITIMER_REAL, &bad, NULL);
	err = errno;
	check(r == -1 && err == EINVAL, "setitimer with tv_usec 1000000 is EINVAL", "%d %s", r,
	      strerror(err));
	r = getitimer(99, &got);
	err = errno;
	check(r == -1 && err == EINVAL, "getitimer of an unknown timer is EINVAL", "%d %s", r,
	      strerror(err));

	/* ITIMER_VIRTUAL runs while the process runs: a busy loop gets it. */
	handle(SIGVTALRM, on_vtalrm);
	it = (struct itimerval){ { 0, 0 }, { 0, 20000 } };
	t0 = now_ns(CLOCK_MONOTONIC);
	check(setitimer(ITIMER_VIRTUAL, &it, NULL) == 0, "setitimer ITIMER_VIRTUAL", "%s",
	      strerror(errno));
	while (!vtalarms && now_ns(CLOCK_MONOTONIC) - t0 < LATE)
		;
	check(vtalarms == 1, "ITIMER_VIRTUAL delivers SIGVTALRM to a busy process", "%d",
	      (int)vtalarms);

	/* ITIMER_PROF counts CPU time: not while the process sleeps. */
	handle(SIGPROF, on_vtalrm);
	vtalarms = 0;
	it = (struct itimerval){ { 0, 0 }, { 0, 50000 } };
	check(setitimer(ITIMER_PROF, &it, NULL) == 0, "setitimer ITIMER_PROF", "%s",
	      strerror(errno));
	usleep(300000);
	check(vtalarms == 0 && getitimer(ITIMER_PROF, &got) == 0 &&
	      (got.it_value.tv_sec || got.it_value.tv_usec),
	      "ITIMER_PROF does not run while the process sleeps", "%d signals", (int)vtalarms);
	t0 = now_ns(CLOCK_MONOTONIC);
	while (!vtalarms && now_ns(CLOCK_MONOTONIC) - t0 < LATE)
		;
	check(vtalarms == 1, "ITIMER_PROF delivers SIGPROF once the time is used", "%d",
	      (int)vtalarms);
}

static siginfo_t last_info;

static int wait_sig(int sig, long long timeout_ms)
{
	sigset_t set;
	struct timespec ts = { timeout_ms / 1000, timeout_ms % 1000 * MS };

	sigemptyset(&set);
	sigaddset(&set, sig);
	return sigtimedwait(&set, &last_info, &ts);
}

static volatile int notified;

static void on_notify(union sigval v)
{
	notified = v.sival_int;
}

static volatile pid_t helper_tid;
static volatile int helper_got;

static void *helper(void *arg)
{
	(void)arg;
	helper_tid = (pid_t)syscall(SYS_gettid);
	helper_got = wait_sig(SIGUSR1, LATE / MS);
	return NULL;
}

static void check_posix_timers(void)
{
	struct sigevent ev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR2,
			       .sigev_value.sival_int = 4242 };
	struct itimerspec its = { { 0, 0 }, { 0, 20 * MS } }, got;
	struct timespec now;
	long long t0 = now_ns(CLOCK_MONOTONIC), dt;
	sigset_t set;
	pthread_t th;
	timer_t id, id2;
	pid_t tid;
	int r, err;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL);
	check(timer_create(CLOCK_MONOTONIC, &ev, &id) == 0, "timer_create SIGEV_SIGNAL", "%s",
	      strerror(errno));
	check(timer_settime(id, 0, &its, NULL) == 0, "timer_settime relative", "%s",
	      strerror(errno));
	r = wait_sig(SIGUSR2, LATE / MS);
	dt = now_ns(CLOCK_MONOTONIC) - t0;
	check(r == SIGUSR2 && dt >= 19 * MS, "a POSIX timer sends its signal", "%d after %lld ms", r,
	      dt / MS);
	check(last_info.si_code == SI_TIMER && last_info.si_value.sival_int == 4242,
	      "its siginfo has SI_TIMER and sigev_value", "code %d value %d", last_info.si_code,
	      last_info.si_value.sival_int);
	check(timer_gettime(id, &got) == 0 && !got.it_value.tv_sec && !got.it_value.tv_nsec,
	      "a fired one-shot timer is disarmed", "%ld.%09ld", (long)got.it_value.tv_sec,
	      got.it_value.tv_nsec);
	check(timer_getoverrun(id) == 0, "no overrun", "%d", timer_getoverrun(id));

	/* Absolute, on the wall clock. */
	clock_gettime(CLOCK_REALTIME, &now);
	its.it_value.tv_sec = now.tv_sec + (now.tv_nsec + 30 * MS) / 1000000000;
	its.it_value.tv_nsec = (now.tv_nsec + 30 * MS) % 1000000000;
	t0 = now_ns(CLOCK_REALTIME);
	check(timer_delete(id) == 0, "timer_delete", "%s", strerror(errno));
	check(timer_create(CLOCK_REALTIME, &ev, &id) == 0, "timer_create CLOCK_REALTIME", "%s",
	      strerror(errno));
	check(timer_settime(id, TIMER_ABSTIME, &its, NULL) == 0, "timer_settime TIMER_ABSTIME",
	      "%s", strerror(errno));
	r = wait_sig(SIGUSR2, LATE / MS);
	dt = now_ns(CLOCK_REALTIME) - t0;
	check(r == SIGUSR2 && dt >= 25 * MS, "an absolute timer fires at its time",
	      "%d after %lld ms", r, dt / MS);
	timer_delete(id);
	r = timer_delete(id);
	err = errno;
	/* musl returns the raw -EINVAL here without setting errno. */
	check((r == -1 && err == EINVAL) || r == -EINVAL, "timer_delete twice is EINVAL", "%d %s",
	      r, strerror(err));

	/* SIGEV_NONE: nothing is sent, the time still runs. */
	ev.sigev_notify = SIGEV_NONE;
	its = (struct itimerspec){ { 0, 0 }, { 100, 0 } };
	check(timer_create(CLOCK_MONOTONIC, &ev, &id) == 0 &&
	      timer_settime(id, 0, &its, NULL) == 0 && timer_gettime(id, &got) == 0 &&
	      got.it_value.tv_sec <= 100 && got.it_value.tv_sec >= 90,
	      "SIGEV_NONE timer counts down", "%ld", (long)got.it_value.tv_sec);
	timer_delete(id);

	/* SIGEV_THREAD_ID: to one thread, which takes it with sigwaitinfo. */
	pthread_create(&th, NULL, helper, NULL);
	while (!helper_tid)
		sched_yield();
	tid = helper_tid;
	memset(&ev, 0, sizeof(ev));
	ev.sigev_notify = SIGEV_THREAD_ID;
	ev.sigev_signo = SIGUSR1;
	/* sigev_notify_thread_id, which older C libraries do not name: the
	 * union's first int (include/uapi/asm-generic/siginfo.h). */
	memcpy((char *)&ev + offsetof(struct sigevent, sigev_notify) + sizeof(int), &tid,
	       sizeof(tid));
	its = (struct itimerspec){ { 0, 0 }, { 0, 20 * MS } };
	check(timer_create(CLOCK_MONOTONIC, &ev, &id2) == 0, "timer_create SIGEV_THREAD_ID", "%s",
	      strerror(errno));
	timer_settime(id2, 0, &its, NULL);
	pthread_join(th, NULL);
	check(helper_got == SIGUSR1, "SIGEV_THREAD_ID reaches its thread", "%d", helper_got);
	timer_delete(id2);
	/* SIGEV_THREAD: the C library's helper thread, over SIGEV_THREAD_ID. */
	memset(&ev, 0, sizeof(ev));
	ev.sigev_notify = SIGEV_THREAD;
	ev.sigev_notify_function = on_notify;
	ev.sigev_value.sival_int = 77;
	its = (struct itimerspec){ { 0, 0 }, { 0, 20 * MS } };
	t0 = now_ns(CLOCK_MONOTONIC);
	check(timer_create(CLOCK_MONOTONIC, &ev, &id2) == 0 && timer_settime(id2, 0, &its, NULL) == 0,
	      "timer_create SIGEV_THREAD", "%s", strerror(errno));
	while (!notified && now_ns(CLOCK_MONOTONIC) - t0 < LATE)
		usleep(10000);
	check(notified == 77, "SIGEV_THREAD calls its function with sigev_value", "%d",
	      (int)notified);
	timer_delete(id2);
	ev.sigev_notify = 99;
	r = timer_create(CLOCK_MONOTONIC, &ev, &id2);
	err = errno;
	check(r == -1 && err == EINVAL, "timer_create with a bad sigev_notify is EINVAL", "%d %s",
	      r, strerror(err));
	sigprocmask(SIG_UNBLOCK, &set, NULL);
}

static void check_timerfd(void)
{
	struct itimerspec its = { { 0, 20 * MS }, { 0, 20 * MS } }, got;
	struct epoll_event ev = { .events = EPOLLIN }, out;
	long long t0;
	uint64_t n = 0;
	int fd, ep, r, err;

	fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	check(fd >= 0, "timerfd_create", "%s", strerror(errno));
	r = (int)read(fd, &n, sizeof(n));
	err = errno;
	check(r == -1 && err == EAGAIN, "an unarmed timerfd reads EAGAIN", "%d %s", r, strerror(err));
	ep = epoll_create1(0);
	ev.data.fd = fd;
	epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	check(epoll_wait(ep, &out, 1, 0) == 0, "an unarmed timerfd is not readable", "readable");
	t0 = now_ns(CLOCK_MONOTONIC);
	check(timerfd_settime(fd, 0, &its, NULL) == 0, "timerfd_settime", "%s", strerror(errno));
	r = epoll_wait(ep, &out, 1, (int)(LATE / MS));
	check(r == 1 && out.data.fd == fd && (out.events & EPOLLIN) &&
	      now_ns(CLOCK_MONOTONIC) - t0 >= 19 * MS, "epoll sees the timerfd expire",
	      "%d events", r);
	usleep(100000);
	r = (int)read(fd, &n, sizeof(n));
	check(r == 8 && n >= 2, "read returns the expirations since", "%d bytes, %llu", r,
	      (unsigned long long)n);
	check(timerfd_gettime(fd, &got) == 0 && got.it_interval.tv_nsec == 20 * MS,
	      "timerfd_gettime shows the interval", "%ld", got.it_interval.tv_nsec);
	memset(&its, 0, sizeof(its));
	timerfd_settime(fd, 0, &its, NULL);
	check(timerfd_gettime(fd, &got) == 0 && !got.it_value.tv_sec && !got.it_value.tv_nsec,
	      "a disarmed timerfd shows zero", "%ld", got.it_value.tv_nsec);
	r = timerfd_settime(fd, 0x80, &its, NULL);
	err = errno;
	check(r == -1 && err == EINVAL, "timerfd_settime with bad flags is EINVAL", "%d %s", r,
	      strerror(err));
	r = timerfd_settime(ep, 0, &its, NULL);
	err = errno;
	check(r == -1 && err == EINVAL, "timerfd_settime on another file is EINVAL", "%d %s", r,
	      strerror(err));
	r = timerfd_gettime(999, &got);
	err = errno;
	check(r == -1 && err == EBADF, "timerfd_gettime on a closed fd is EBADF", "%d %s", r,
	      strerror(err));
	r = timerfd_create(12345, 0);
	err = errno;
	check(r == -1 && err == EINVAL, "timerfd_create of an unknown clock is EINVAL", "%d %s", r,
	      strerror(err));
	close(ep);
	close(fd);
}

int main(void)
{
	check_alarm();
	check_itimer();
	check_posix_timers();
	check_timerfd();
	return checks_done();
}
