/*
 * linux/sys_time.c and linux/sys_info.c, included whole so that their
 * handlers run on the host against stand-ins for the kernel: a clock the
 * test moves, a scripted sched_sleep, a fake wall clock and entropy pool,
 * and "user memory" that is host memory (addresses below 4096 fault).
 */
#include <time.h>

#include "../../linux/sys_info.c"
#include "../../linux/sys_time.c"

#include "check.h"

#define FAULT_ADDR 16ull
#define BOOT_WALL 1704164645ull	/* 2024-01-02 03:04:05 UTC (Python's calendar.timegm) */
#define START_NS 1000ull

static uint64_t now_ns = 5 * NSEC_PER_SEC + 123;
static bool wall_present = true;
static unsigned wall_reads;
static bool pending;		/* signal_pending() */
static unsigned clears;		/* sched_clear_interrupt() calls */
static unsigned free_pages = 300, mapped_pages = 20, online_cpus = 3;

/* What each sched_sleep call does, in turn: advance the clock to the
 * deadline, or by half the remaining time and say -EINTR (with or without
 * a signal pending). Past the script: reach the deadline. */
enum sleep_step { REACH, SIGNAL, STALE };
static enum sleep_step script[4];
static unsigned nscript, sleeps;
static uint64_t last_deadline;

/* The caller, tid 1 on CPU 2, and another thread of its, tid 7 on CPU 0. */
static struct process proc = { .pid = 1, .start_ns = START_NS, .exe = "/bin/busybox" };
static struct thread thr = { .cpu = 2 }, other_thr = { .cpu = 0 };
static struct task task = { .thread = &thr, .proc = &proc, .tid = 1 };
static struct task other = { .thread = &other_thr, .proc = &proc, .tid = 7 };

/* The network stack's host name. */
static char test_hostname[NET_HOSTNAME_MAX + 1] = "flint";

void net_hostname(char *buf, size_t size)
{
	snprintf(buf, size, "%s", test_hostname);
}

int net_set_hostname(const char *name, size_t len)
{
	if (len > NET_HOSTNAME_MAX)
		return -EINVAL;
	memcpy(test_hostname, name, len);
	test_hostname[len] = 0;
	return 0;
}

/* prctl's capability options live in creds.c, not tested here. */
long cred_prctl(int option, uint64_t arg)
{
	(void)option;
	(void)arg;
	return -EINVAL;
}

uint64_t clock_ns(void)
{
	return now_ns;
}

/* The boot began when the fake clock read 0: uptime is clock_ns(). */
uint64_t clock_boot_ns(void)
{
	return 0;
}

bool arch_wall_clock(struct date *d)
{
	wall_reads++;
	*d = (struct date){ 2024, 1, 2, 3, 4, 5 };
	return wall_present;
}

void mutex_lock(struct mutex *m)
{
	(void)m;
}

void mutex_unlock(struct mutex *m)
{
	(void)m;
}

struct thread *thread_current(void)
{
	thr.task = &task;
	other_thr.task = &other;
	return &thr;
}

struct task *task_find(struct process *p, int tid)
{
	CHECK(p == &proc);
	return tid == task.tid ? &task : tid == other.tid ? &other : NULL;
}

unsigned arch_cpu_index(void)
{
	return thr.cpu;
}

uint64_t sched_run_ns(struct thread *t)
{
	return t->run_ns;
}

unsigned sched_cpus(void)
{
	return online_cpus;
}

void thread_yield(void)
{
}

uint64_t page_free_count(void)
{
	return free_pages;
}

uint64_t mm_pages(const struct mm *mm)
{
	(void)mm;
	return mapped_pages;
}

bool signal_pending(void)
{
	return pending;
}

void sched_clear_interrupt(void)
{
	clears++;
}

int sched_sleep(spinlock_t *release, uint64_t deadline, bool interruptible)
{
	enum sleep_step s = sleeps < nscript ? script[sleeps] : REACH;

	CHECK(!release && interruptible);
	CHECKF(sleeps++ < 10, "sleeping in a loop");
	last_deadline = deadline;
	if (s == REACH) {
		CHECK(deadline);
		now_ns = deadline;
		return -ETIMEDOUT;
	}
	if (deadline)
		now_ns += (deadline - now_ns) / 2;
	pending = s == SIGNAL;
	return -EINTR;
}

/* Fills with 0, 1, 2, ... */
void entropy_random(void *buf, size_t n)
{
	for (size_t i = 0; i < n; i++)
		((unsigned char *)buf)[i] = (unsigned char)i;
}

static bool user_ok(const void *p)
{
	return (uintptr_t)p >= 4096;
}

int copy_to_user(void *udst, const void *src, size_t n)
{
	if (!user_ok(udst))
		return -EFAULT;
	memcpy(udst, src, n);
	return 0;
}

int copy_from_user(void *dst, const void *usrc, size_t n)
{
	if (!user_ok(usrc))
		return -EFAULT;
	memcpy(dst, usrc, n);
	return 0;
}

long strncpy_from_user(char *dst, const char *usrc, size_t size)
{
	size_t n;

	if (!user_ok(usrc))
		return -EFAULT;
	n = strnlen(usrc, size);
	if (n == size)
		return -ENAMETOOLONG;
	memcpy(dst, usrc, n + 1);
	return (long)n;
}

#define U(p) ((uint64_t)(uintptr_t)(p))
#define CALL(fn, ...) fn((const uint64_t[6]){ __VA_ARGS__ })

static uint64_t ts_ns(const struct linux_timespec *ts)
{
	return (uint64_t)ts->tv_sec * NSEC_PER_SEC + (uint64_t)ts->tv_nsec;
}

TEST(date_to_epoch_known_dates)
{
	static const struct {
		struct date d;
		uint64_t secs;
	} cases[] = {
		{ { 1970, 1, 1, 0, 0, 0 }, 0 },
		{ { 2000, 3, 1, 0, 0, 0 }, 951868800 },		/* after a 400-year leap day */
		{ { 2024, 2, 29, 12, 34, 56 }, 1709210096 },
		{ { 2100, 3, 1, 0, 0, 0 }, 4107542400 },	/* 2100 is not leap */
		{ { 2038, 1, 19, 3, 14, 8 }, 0x80000000ull },	/* past 32-bit time_t */
	};
	uint64_t secs;
	unsigned i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECKF(date_to_epoch(&cases[i].d, &secs), "case %u refused", i);
		CHECKF(secs == cases[i].secs, "case %u: %ju", i, (uintmax_t)secs);
	}
}

/* Every 1000003rd second from 1970 to 2400, through the C library's
 * gmtime_r and back. */
TEST(date_to_epoch_matches_gmtime)
{
	struct tm tm;
	struct date d;
	uint64_t secs;
	time_t t;

	for (t = 0; t < 13569465600; t += 1000003) {
		CHECK(gmtime_r(&t, &tm));
		d = (struct date){ (unsigned)tm.tm_year + 1900, (unsigned)tm.tm_mon + 1,
				   (unsigned)tm.tm_mday, (unsigned)tm.tm_hour,
				   (unsigned)tm.tm_min, (unsigned)tm.tm_sec };
		CHECKF(date_to_epoch(&d, &secs) && secs == (uint64_t)t, "t=%jd", (intmax_t)t);
	}
}

TEST(date_to_epoch_refuses_impossible_dates)
{
	static const struct date bad[] = {
		{ 1969, 12, 31, 23, 59, 59 }, { 2023, 2, 29, 0, 0, 0 }, { 2100, 2, 29, 0, 0, 0 },
		{ 2024, 13, 1, 0, 0, 0 }, { 2024, 0, 1, 0, 0, 0 }, { 2024, 4, 31, 0, 0, 0 },
		{ 2024, 1, 0, 0, 0, 0 }, { 2024, 1, 1, 24, 0, 0 }, { 2024, 1, 1, 0, 60, 0 },
		{ 2024, 1, 1, 0, 0, 60 }, { 10000, 1, 1, 0, 0, 0 },
	};
	uint64_t secs;
	unsigned i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECKF(!date_to_epoch(&bad[i], &secs), "case %u accepted", i);
}

TEST(realtime_is_wall_clock_plus_monotonic)
{
	struct linux_timespec ts;
	struct linux_timeval tv;
	struct linux_timezone tz = { 5, 5 };
	int64_t t = 0;

	CHECK_EQ(CALL(sys_clock_gettime, LINUX_CLOCK_REALTIME, U(&ts)), 0);
	CHECK_EQ(ts_ns(&ts), BOOT_WALL * NSEC_PER_SEC);
	now_ns += 1500 * NSEC_PER_USEC;
	CHECK_EQ(CALL(sys_clock_gettime, LINUX_CLOCK_REALTIME_COARSE, U(&ts)), 0);
	CHECK_EQ(ts_ns(&ts), BOOT_WALL * NSEC_PER_SEC + 1500 * NSEC_PER_USEC);
	CHECK_EQ(CALL(sys_gettimeofday, U(&tv), U(&tz)), 0);
	CHECK_EQ(tv.tv_sec, BOOT_WALL);
	CHECK_EQ(tv.tv_usec, 1500);
	CHECK(tz.tz_minuteswest == 0 && tz.tz_dsttime == 0);
	CHECK_EQ(CALL(sys_gettimeofday, 0, 0), 0);
	CHECK_EQ(CALL(sys_time, U(&t)), BOOT_WALL);
	CHECK_EQ(t, BOOT_WALL);
	CHECK_EQ(CALL(sys_time, 0), BOOT_WALL);
	CHECK_EQ(wall_reads, 1);
}

TEST(realtime_without_wall_clock_starts_at_epoch)
{
	struct linux_timespec ts;

	wall_present = false;
	CHECK_EQ(CALL(sys_clock_gettime, LINUX_CLOCK_REALTIME, U(&ts)), 0);
	CHECK_EQ(ts_ns(&ts), now_ns);
}

TEST(monotonic_and_cpu_clocks)
{
	static const int mono[] = { LINUX_CLOCK_MONOTONIC, LINUX_CLOCK_MONOTONIC_RAW,
				    LINUX_CLOCK_MONOTONIC_COARSE, LINUX_CLOCK_BOOTTIME };
	struct linux_timespec ts;
	unsigned i;

	for (i = 0; i < 4; i++) {
		CHECK_EQ(CALL(sys_clock_gettime, (uint64_t)mono[i], U(&ts)), 0);
		CHECK_EQ(ts_ns(&ts), now_ns);
	}
	/* CPU time: the ended threads' and each live one's, or the caller's. */
	proc.cpu_ended_ns = 5000;
	proc.tasks = &task;
	task.next = &other;
	thr.run_ns = 3000;
	other_thr.run_ns = 1000;
	CHECK_EQ(CALL(sys_clock_gettime, LINUX_CLOCK_PROCESS_CPUTIME_ID, U(&ts)), 0);
	CHECK_EQ(ts_ns(&ts), 9000);
	CHECK_EQ(CALL(sys_clock_gettime, LINUX_CLOCK_THREAD_CPUTIME_ID, U(&ts)), 0);
	CHECK_EQ(ts_ns(&ts), 3000);
	proc.tasks = NULL;
	task.next = NULL;
	proc.cpu_ended_ns = 0;
	thr.run_ns = other_thr.run_ns = 0;
	CHECK_EQ(CALL(sys_clock_gettime, LINUX_CLOCK_MONOTONIC, FAULT_ADDR), -EFAULT);
}

TEST(unknown_clocks_are_invalid)
{
	static const int64_t bad[] = { 8, 11, 100, -1, -6 };
	struct linux_timespec ts;
	unsigned i;

	for (i = 0; i < 5; i++) {
		CHECK_EQ(CALL(sys_clock_gettime, (uint64_t)bad[i], U(&ts)), -EINVAL);
		CHECK_EQ(CALL(sys_clock_getres, (uint64_t)bad[i], U(&ts)), -EINVAL);
	}
	CHECK_EQ(CALL(sys_clock_settime, LINUX_CLOCK_REALTIME, U(&ts)), -EPERM);
}

TEST(clock_getres_is_one_nanosecond)
{
	struct linux_timespec ts = { 7, 7 };

	CHECK_EQ(CALL(sys_clock_getres, LINUX_CLOCK_REALTIME_COARSE, U(&ts)), 0);
	CHECK(ts.tv_sec == 0 && ts.tv_nsec == 1);
	CHECK_EQ(CALL(sys_clock_getres, LINUX_CLOCK_MONOTONIC, 0), 0);
}

TEST(nanosleep_sleeps_until_the_deadline)
{
	struct linux_timespec req = { 2, 500 }, rem = { 9, 9 };
	uint64_t start = now_ns;

	CHECK_EQ(CALL(sys_nanosleep, U(&req), U(&rem)), 0);
	CHECK_EQ(now_ns, start + 2 * NSEC_PER_SEC + 500);
	CHECK_EQ(sleeps, 1);
	CHECK(rem.tv_sec == 9 && rem.tv_nsec == 9);	/* untouched */
}

TEST(nanosleep_validates_its_argument)
{
	struct linux_timespec bad[] = { { 0, 1000000000 }, { 0, -1 }, { -1, 0 } };
	unsigned i;

	for (i = 0; i < 3; i++)
		CHECK_EQ(CALL(sys_nanosleep, U(&bad[i]), 0), -EINVAL);
	CHECK_EQ(CALL(sys_nanosleep, FAULT_ADDR, 0), -EFAULT);
	CHECK_EQ(sleeps, 0);
}

TEST(nanosleep_interrupted_writes_the_time_left)
{
	struct linux_timespec req = { 4, 0 }, rem;

	script[nscript++] = SIGNAL;
	CHECK_EQ(CALL(sys_nanosleep, U(&req), U(&rem)), -EINTR);
	CHECK_EQ(ts_ns(&rem), 2 * NSEC_PER_SEC);
	CHECK_EQ(CALL(sys_nanosleep, U(&req), 0), -EINTR);	/* still pending: at once */
	CHECK_EQ(sleeps, 1);
}

/* An interrupted mark with no signal behind it is cleared, and the sleep
 * goes on to its deadline. */
TEST(nanosleep_ignores_a_stale_interrupt)
{
	struct linux_timespec req = { 1, 0 };
	uint64_t start = now_ns;

	script[nscript++] = STALE;
	script[nscript++] = STALE;
	CHECK_EQ(CALL(sys_nanosleep, U(&req), 0), 0);
	CHECK_EQ(now_ns, start + NSEC_PER_SEC);
	CHECK_EQ(sleeps, 3);
	CHECK_EQ(clears, 2);
}

TEST(nanosleep_forever_has_no_deadline)
{
	struct linux_timespec req = { INT64_MAX, 999999999 }, rem;

	script[nscript++] = SIGNAL;
	CHECK_EQ(CALL(sys_nanosleep, U(&req), U(&rem)), -EINTR);
	CHECK_EQ(last_deadline, 0);
	CHECK(rem.tv_sec > 0);
}

TEST(clock_nanosleep_absolute)
{
	struct linux_timespec req = { 9, 0 }, rem = { 5, 5 };
	uint64_t realtime;

	CHECK_EQ(CALL(sys_clock_nanosleep, LINUX_CLOCK_MONOTONIC, LINUX_TIMER_ABSTIME, U(&req), 0), 0);
	CHECK_EQ(now_ns, 9 * NSEC_PER_SEC);
	/* In the past: no sleep at all. */
	CHECK_EQ(CALL(sys_clock_nanosleep, LINUX_CLOCK_MONOTONIC, LINUX_TIMER_ABSTIME, U(&req), 0), 0);
	CHECK_EQ(sleeps, 1);
	CHECK_EQ(CALL(sys_clock_gettime, LINUX_CLOCK_REALTIME, U(&req)), 0);
	req.tv_sec += 3;
	realtime = ts_ns(&req);
	script[2] = SIGNAL;	/* the sleep after the next one */
	nscript = 3;
	CHECK_EQ(CALL(sys_clock_nanosleep, LINUX_CLOCK_REALTIME, LINUX_TIMER_ABSTIME, U(&req), 0), 0);
	CHECK_EQ(now_ns + wall_offset, realtime);
	req.tv_sec++;
	CHECK_EQ(CALL(sys_clock_nanosleep, LINUX_CLOCK_REALTIME, LINUX_TIMER_ABSTIME, U(&req),
		      U(&rem)), -EINTR);
	CHECK(rem.tv_sec == 5 && rem.tv_nsec == 5);	/* absolute: rem untouched */
}

TEST(clock_nanosleep_clocks)
{
	struct linux_timespec req = { 0, 10 };

	CHECK_EQ(CALL(sys_clock_nanosleep, LINUX_CLOCK_BOOTTIME, 0, U(&req), 0), 0);
	CHECK_EQ(CALL(sys_clock_nanosleep, LINUX_CLOCK_MONOTONIC_RAW, 0, U(&req), 0), -EOPNOTSUPP);
	CHECK_EQ(CALL(sys_clock_nanosleep, LINUX_CLOCK_THREAD_CPUTIME_ID, 0, U(&req), 0), -EINVAL);
	CHECK_EQ(CALL(sys_clock_nanosleep, 12, 0, U(&req), 0), -EINVAL);
}

TEST(times_and_getrusage_count_cpu_time)
{
	struct linux_tms t;
	struct linux_rusage ru;

	now_ns = START_NS + 9 * NSEC_PER_SEC;
	proc.cpu_ended_ns = 2 * NSEC_PER_SEC + 345 * NSEC_PER_USEC;
	proc.cpu_children_ns = 3 * NSEC_PER_SEC / 2;
	thr.run_ns = 7 * NSEC_PER_USEC;
	CHECK_EQ(CALL(sys_times, U(&t)), now_ns / (NSEC_PER_SEC / USER_HZ));
	CHECK_EQ(t.tms_utime, 200);
	CHECK_EQ(t.tms_cutime, 150);
	CHECK(t.tms_stime == 0 && t.tms_cstime == 0);
	CHECK_EQ(CALL(sys_getrusage, (uint64_t)LINUX_RUSAGE_SELF, U(&ru)), 0);
	CHECK(ru.ru_utime.tv_sec == 2 && ru.ru_utime.tv_usec == 345);
	CHECK_EQ(ru.ru_maxrss, mapped_pages * 4);
	CHECK_EQ(CALL(sys_getrusage, (uint64_t)LINUX_RUSAGE_THREAD, U(&ru)), 0);
	CHECK(ru.ru_utime.tv_sec == 0 && ru.ru_utime.tv_usec == 7);
	CHECK_EQ(CALL(sys_getrusage, (uint64_t)LINUX_RUSAGE_CHILDREN, U(&ru)), 0);
	CHECK(ru.ru_utime.tv_sec == 1 && ru.ru_utime.tv_usec == 500000 && ru.ru_maxrss == 0);
	CHECK_EQ(CALL(sys_getrusage, 2, U(&ru)), -EINVAL);
	proc.cpu_ended_ns = proc.cpu_children_ns = 0;
	thr.run_ns = 0;
}

TEST(rlimit_defaults)
{
	struct linux_rlimit r;

	CHECK_EQ(CALL(sys_getrlimit, LINUX_RLIMIT_STACK, U(&r)), 0);
	CHECK(r.cur == 8 << 20 && r.max == LINUX_RLIM_INFINITY);
	CHECK_EQ(CALL(sys_getrlimit, LINUX_RLIMIT_NOFILE, U(&r)), 0);
	CHECK(r.cur == 1024 && r.max == 1024);	/* FDTABLE_MAX */
	CHECK_EQ(CALL(sys_prlimit64, 0, 9, 0, U(&r)), 0);	/* RLIMIT_AS */
	CHECK(r.cur == LINUX_RLIM_INFINITY && r.max == LINUX_RLIM_INFINITY);
	CHECK_EQ(CALL(sys_getrlimit, LINUX_RLIM_NLIMITS, U(&r)), -EINVAL);
	CHECK_EQ(CALL(sys_getrlimit, LINUX_RLIMIT_STACK, FAULT_ADDR), -EFAULT);
}

TEST(rlimit_check_rules)
{
	struct linux_rlimit old = { 10, 20 };

	CHECK_EQ(rlimit_check(&old, &(struct linux_rlimit){ 20, 20 }), 0);
	CHECK_EQ(rlimit_check(&old, &(struct linux_rlimit){ 1, 5 }), 0);
	CHECK_EQ(rlimit_check(&old, &(struct linux_rlimit){ 6, 5 }), -EINVAL);
	CHECK_EQ(rlimit_check(&old, &(struct linux_rlimit){ 10, 21 }), -EPERM);
}

TEST(setrlimit_lowers_and_cannot_raise_again)
{
	struct linux_rlimit r = { 64, 128 }, old;

	CHECK_EQ(CALL(sys_setrlimit, LINUX_RLIMIT_NOFILE, U(&r)), 0);
	r = (struct linux_rlimit){ 100, 200 };
	CHECK_EQ(CALL(sys_setrlimit, LINUX_RLIMIT_NOFILE, U(&r)), -EPERM);
	r = (struct linux_rlimit){ 129, 128 };
	CHECK_EQ(CALL(sys_setrlimit, LINUX_RLIMIT_NOFILE, U(&r)), -EINVAL);
	/* prlimit64 gives the old value and sets the new one in one call. */
	r = (struct linux_rlimit){ 32, 128 };
	CHECK_EQ(CALL(sys_prlimit64, 1, LINUX_RLIMIT_NOFILE, U(&r), U(&old)), 0);
	CHECK(old.cur == 64 && old.max == 128);
	CHECK_EQ(CALL(sys_getrlimit, LINUX_RLIMIT_NOFILE, U(&r)), 0);
	CHECK(r.cur == 32 && r.max == 128);
	CHECK_EQ(CALL(sys_prlimit64, 2, LINUX_RLIMIT_NOFILE, 0, U(&old)), -ESRCH);
}

TEST(getrandom_fills_from_the_generator)
{
	unsigned char buf[1000];
	unsigned i;

	memset(buf, 0xee, sizeof(buf));
	CHECK_EQ(CALL(sys_getrandom, U(buf), sizeof(buf), 0), sizeof(buf));
	for (i = 0; i < sizeof(buf); i++)
		CHECKF(buf[i] == i % RANDOM_CHUNK, "byte %u", i);
	CHECK_EQ(CALL(sys_getrandom, U(buf), 0, LINUX_GRND_NONBLOCK), 0);
	CHECK_EQ(CALL(sys_getrandom, U(buf), 16, 8), -EINVAL);
	CHECK_EQ(CALL(sys_getrandom, U(buf), 16, LINUX_GRND_RANDOM | LINUX_GRND_INSECURE), -EINVAL);
	CHECK_EQ(CALL(sys_getrandom, FAULT_ADDR, 16, 0), -EFAULT);
}

/* The scheduling queries moved to linux/sys_sched.c (boot cases
 * proc-sched-*). */
TEST(getcpu_answers)
{
	unsigned cpu = 9, node = 9;

	CHECK_EQ(CALL(sys_getcpu, U(&cpu), U(&node), 0), 0);
	CHECK(cpu == 2 && node == 0);
}

TEST(uname_says_linux)
{
	struct linux_utsname u;

	memset(&u, 'x', sizeof(u));
	CHECK_EQ(CALL(sys_uname, U(&u)), 0);
	CHECK_STR(u.sysname, "Linux");
	CHECK_STR(u.release, "6.1.0-flint");
	CHECK_STR(u.machine, "x86_64");
	CHECK_STR(u.domainname, "(none)");
	CHECK_EQ(u.nodename[UTS_FIELD - 1], 0);
	CHECK_STR(u.nodename, "flint");
	CHECK_EQ(CALL(sys_uname, FAULT_ADDR), -EFAULT);
}

TEST(sethostname_sets_nodename)
{
	static const char name[] = "node-7.example";
	char longest[UTS_FIELD];
	struct linux_utsname u;

	CHECK_EQ(CALL(sys_sethostname, U(name), sizeof(name) - 1), 0);
	CHECK_EQ(CALL(sys_uname, U(&u)), 0);
	CHECK_STR(u.nodename, name);
	memset(longest, 'h', sizeof(longest));
	CHECK_EQ(CALL(sys_sethostname, U(longest), UTS_FIELD), -EINVAL);
	CHECK_EQ(CALL(sys_sethostname, U(longest), (uint64_t)-1), -EINVAL);
	CHECK_EQ(CALL(sys_sethostname, FAULT_ADDR, 4), -EFAULT);
	CHECK_EQ(CALL(sys_uname, U(&u)), 0);
	CHECK_STR(u.nodename, name);
	CHECK_EQ(CALL(sys_sethostname, U(longest), UTS_FIELD - 1), 0);
	CHECK_EQ(CALL(sys_uname, U(&u)), 0);
	CHECK_EQ(strlen(u.nodename), UTS_FIELD - 1);
	CHECK_EQ(CALL(sys_sethostname, U("flint"), 5), 0);
}

TEST(sysinfo_reports_memory_and_uptime)
{
	struct linux_sysinfo si;

	now_ns = 3 * NSEC_PER_SEC + 1;
	CHECK_EQ(CALL(sys_sysinfo, U(&si)), 0);
	CHECK_EQ(si.uptime, 4);
	CHECK_EQ(si.freeram, free_pages * 4096ull);
	CHECK_EQ(si.totalram, (free_pages + mapped_pages) * 4096ull);
	CHECK(si.mem_unit == 1 && si.procs == 1);
}

TEST(prctl_thread_names)
{
	char name[TASK_COMM_LEN];

	CHECK_EQ(CALL(sys_prctl, LINUX_PR_GET_NAME, U(name)), 0);
	CHECK_STR(name, "busybox");
	CHECK_EQ(CALL(sys_prctl, LINUX_PR_SET_NAME, U("worker")), 0);
	CHECK_EQ(CALL(sys_prctl, LINUX_PR_GET_NAME, U(name)), 0);
	CHECK_STR(name, "worker");
	CHECK_EQ(CALL(sys_prctl, LINUX_PR_SET_NAME, U("a-name-of-twenty-six-bytes")), 0);
	CHECK_EQ(CALL(sys_prctl, LINUX_PR_GET_NAME, U(name)), 0);
	CHECK_STR(name, "a-name-of-twent");
	CHECK_EQ(CALL(sys_prctl, LINUX_PR_SET_NAME, FAULT_ADDR), -EFAULT);
	task.tid = other.tid;
	CHECK_EQ(CALL(sys_prctl, LINUX_PR_GET_NAME, U(name)), 0);
	CHECK_STR(name, "busybox");
}

TEST(prctl_flags)
{
	CHECK_EQ(CALL(sys_prctl, LINUX_PR_GET_DUMPABLE), 1);
	CHECK_EQ(CALL(sys_prctl, LINUX_PR_SET_DUMPABLE, 0), 0);
	CHECK_EQ(CALL(sys_prctl, LINUX_PR_GET_DUMPABLE), 0);
	CHECK_EQ(CALL(sys_prctl, LINUX_PR_SET_DUMPABLE, 2), -EINVAL);
	CHECK_EQ(CALL(sys_prctl, 9999), -EINVAL);
	CHECK_EQ(CALL(sys_personality, 0xffffffff), 0);
	CHECK_EQ(CALL(sys_personality, 0x0040000), -EINVAL);
}

int main(void)
{
	return check_run();
}
