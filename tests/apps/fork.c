/* Processes: fork and the wait calls (waitpid, wait4, waitid, WNOHANG),
 * exit statuses and a child killed by SIGSEGV, 1 MiB through a pipe from
 * a child (hashed on both sides), copy-on-write isolation (stack, data,
 * heap, a big malloc) beside a MAP_SHARED region that both sides see,
 * SIGCHLD, /proc/self/exe and /proc/<child>/cmdline, process groups and
 * sessions, kill to a child and to a group, an orphaned grandchild, and
 * 50 fork/exit/wait rounds that must not leak memory.
 *
 * Two checks need the program to be process 1 (as it is on Flint): the
 * orphan's adoption by process 1 and the MemFree comparison (other
 * processes change MemFree on a host). Elsewhere a "skip" line says why
 * they did not run; the boot tests require their ok lines. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "reap.h"

#define PIPE_BYTES (1 << 20)
#define BIG_BYTES (16 << 20)
#define PAGE 4096
#define LEAK_ROUNDS 50
#define ROUND_STATUS_MASK 0x7f	/* each round's child exits with its number, cut to this */
#define STATUS_SEVEN 7
#define WAITID_STATUS 5
#define POLL_NS 1000000L
#define POLL_TRIES 5000		/* 5 s of 1 ms naps */
#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull
#define LCG_MUL 6364136223846793005ull
#define LCG_ADD 1442695040888963407ull

static char **program_argv;
static int program_argc;

static void nap(void)
{
	struct timespec ts = { 0, POLL_NS };

	nanosleep(&ts, NULL);
}

/* fork, with the child running fn and leaving with its result. */
static pid_t start_child(int (*fn)(void *), void *arg)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(fn(arg));
	return pid;
}

static int exit_with(void *arg)
{
	return (int)(intptr_t)arg;
}

/* Through a variable, so that the compiler does not see the bad address. */
static volatile int *volatile bad_address = (volatile int *)16;

static int segfault(void *arg)
{
	(void)arg;
	*bad_address = 1;
	return 0;
}

/* Only a signal that kills it ends it; pause returning is a failure. */
static int pause_forever(void *arg)
{
	(void)arg;
	pause();
	return 1;
}

static void test_exit_statuses(void)
{
	pid_t pid = start_child(exit_with, (void *)0);
	int st;

	if (!check(pid > 0, "fork", "fork: %s", strerror(errno)))
		return;
	st = reap(pid);
	check(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "exit status 0",
	      "status %#x (%s)", st, strerror(errno));
	pid = start_child(exit_with, (void *)STATUS_SEVEN);
	st = pid > 0 ? reap(pid) : -1;
	check(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == STATUS_SEVEN, "exit status 7",
	      "status %#x", st);
	pid = start_child(segfault, NULL);
	st = pid > 0 ? reap(pid) : -1;
	check(st >= 0 && WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV,
	      "child killed by SIGSEGV", "status %#x", st);
	check(waitpid(-1, &st, WNOHANG) < 0 && errno == ECHILD, "no child left: ECHILD",
	      "errno %d", errno);
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static uint64_t fnv(uint64_t h, const unsigned char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * FNV_PRIME;
	return h;
}

/* The pipe's data: a byte stream from an LCG, written in uneven pieces. */
static int pipe_writer(void *arg)
{
	int *fds = arg;
	unsigned char buf[8191];
	uint64_t x = 1, h = FNV_OFFSET;
	size_t sent = 0;

	close(fds[0]);
	close(fds[2]);
	while (sent < PIPE_BYTES) {
		size_t n = 1 + (x >> 40) % sizeof(buf);

		if (n > PIPE_BYTES - sent)
			n = PIPE_BYTES - sent;
		for (size_t i = 0; i < n; i++) {
			x = x * LCG_MUL + LCG_ADD;
			buf[i] = (unsigned char)(x >> 56);
		}
		h = fnv(h, buf, n);
		if (write_all(fds[1], buf, n))
			return 1;
		sent += n;
	}
	close(fds[1]);
	return write_all(fds[3], &h, sizeof(h)) ? 2 : 0;
}

static void test_pipe(void)
{
	int data[2], hash[2], fds[4], st;
	unsigned char buf[65536];
	uint64_t h = FNV_OFFSET, theirs = 0;
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	if (pipe(data) || pipe(hash)) {
		check(0, "pipe", "%s", strerror(errno));
		return;
	}
	fds[0] = data[0];
	fds[1] = data[1];
	fds[2] = hash[0];
	fds[3] = hash[1];
	pid = start_child(pipe_writer, fds);
	close(data[1]);
	close(hash[1]);
	if (pid < 0) {
		check(0, "1 MiB through a pipe from a child", "fork: %s", strerror(errno));
		close(data[0]);
		close(hash[0]);
		return;
	}
	while ((n = read(data[0], buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR)) {
		if (n > 0) {
			h = fnv(h, buf, (size_t)n);
			got += (size_t)n;
		}
	}
	n = read(hash[0], &theirs, sizeof(theirs));
	st = reap(pid);
	check(got == PIPE_BYTES, "1 MiB through a pipe from a child", "%zu bytes", got);
	check(n == sizeof(theirs) && theirs == h, "pipe data hash matches the child's",
	      "read %zd, child %#llx, parent %#llx", n, (unsigned long long)theirs,
	      (unsigned long long)h);
	check(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "pipe writer exits 0",
	      "status %#x", st);
	close(data[0]);
	close(hash[0]);
}

/* Copy-on-write: what each side writes after fork stays its own, but
 * for the MAP_SHARED region. Child failures come back as exit bits. */
enum { COW_STACK = 1, COW_DATA = 2, COW_HEAP = 4, COW_BIG = 8, COW_SHARED = 16,
       COW_SYNC = 32 };
enum { PARENT_VALUE = 0x11, CHILD_VALUE = 0x22, PARENT_LATER = 0x33, SHARED_CHILD = 0x44,
       SHARED_PARENT = 0x55 };

static volatile int cow_data = PARENT_VALUE;

struct cow {
	volatile int *stack;
	volatile int *heap;
	volatile unsigned char *big;
	volatile int *shared;
	int to_child[2], to_parent[2];
};

static int big_all(volatile unsigned char *big, unsigned char v)
{
	for (size_t i = 0; i < BIG_BYTES; i += PAGE)
		if (big[i] != v)
			return 0;
	return 1;
}

static void big_fill(volatile unsigned char *big, unsigned char v)
{
	for (size_t i = 0; i < BIG_BYTES; i += PAGE)
		big[i] = v;
}

static int cow_child(void *arg)
{
	struct cow *c = arg;
	int bad = 0;
	char b = 0;

	if (*c->stack != PARENT_VALUE || cow_data != PARENT_VALUE || *c->heap != PARENT_VALUE ||
	    !big_all(c->big, PARENT_VALUE))
		bad |= COW_SYNC;
	*c->stack = CHILD_VALUE;
	cow_data = CHILD_VALUE;
	*c->heap = CHILD_VALUE;
	big_fill(c->big, CHILD_VALUE);
	*c->shared = SHARED_CHILD;
	if (write(c->to_parent[1], "w", 1) != 1 || read(c->to_child[0], &b, 1) != 1)
		return bad | COW_SYNC;
	if (*c->stack != CHILD_VALUE)
		bad |= COW_STACK;
	if (cow_data != CHILD_VALUE)
		bad |= COW_DATA;
	if (*c->heap != CHILD_VALUE)
		bad |= COW_HEAP;
	if (!big_all(c->big, CHILD_VALUE))
		bad |= COW_BIG;
	if (*c->shared != SHARED_PARENT)
		bad |= COW_SHARED;
	return bad;
}

static void test_cow(void)
{
	volatile int stack_value = PARENT_VALUE;
	struct cow c = { .stack = &stack_value };
	int st, bad;
	char b = 0;
	pid_t pid;

	c.heap = malloc(sizeof(int));
	c.big = malloc(BIG_BYTES);
	c.shared = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (!c.heap || !c.big || c.shared == MAP_FAILED || pipe(c.to_child) ||
	    pipe(c.to_parent)) {
		check(0, "copy-on-write setup", "%s", strerror(errno));
		return;
	}
	*c.heap = PARENT_VALUE;
	big_fill(c.big, PARENT_VALUE);
	*c.shared = 0;
	pid = start_child(cow_child, &c);
	if (!check(pid > 0, "fork for copy-on-write", "%s", strerror(errno)))
		return;
	if (read(c.to_parent[0], &b, 1) != 1) {
		check(0, "child wrote its copies", "no word from the child");
		reap(pid);
		return;
	}
	check(stack_value == PARENT_VALUE, "child's stack write not seen by the parent",
	      "%#x", stack_value);
	check(cow_data == PARENT_VALUE, "child's data write not seen by the parent", "%#x",
	      cow_data);
	check(*c.heap == PARENT_VALUE, "child's heap write not seen by the parent", "%#x",
	      *c.heap);
	check(big_all(c.big, PARENT_VALUE), "child's writes to 16 MiB not seen by the parent",
	      "a page changed");
	check(*c.shared == SHARED_CHILD, "child's MAP_SHARED write seen by the parent", "%#x",
	      *c.shared);
	stack_value = PARENT_LATER;
	cow_data = PARENT_LATER;
	*c.heap = PARENT_LATER;
	big_fill(c.big, PARENT_LATER);
	*c.shared = SHARED_PARENT;
	if (write(c.to_child[1], "p", 1) != 1)
		check(0, "parent wrote its copies", "%s", strerror(errno));
	st = reap(pid);
	bad = st >= 0 && WIFEXITED(st) ? WEXITSTATUS(st) : 0xff;
	check(!(bad & COW_SYNC), "child saw the parent's values at fork", "status %#x", st);
	check(!(bad & COW_STACK), "parent's stack write not seen by the child", "status %#x", st);
	check(!(bad & COW_DATA), "parent's data write not seen by the child", "status %#x", st);
	check(!(bad & COW_HEAP), "parent's heap write not seen by the child", "status %#x", st);
	check(!(bad & COW_BIG), "parent's writes to 16 MiB not seen by the child", "status %#x",
	      st);
	check(!(bad & COW_SHARED), "parent's MAP_SHARED write seen by the child", "status %#x",
	      st);
	check(stack_value == PARENT_LATER && cow_data == PARENT_LATER && *c.heap == PARENT_LATER &&
	      big_all(c.big, PARENT_LATER), "parent keeps its own writes", "lost");
	munmap((void *)c.shared, PAGE);
	free((void *)c.big);
	free((void *)c.heap);
	close(c.to_child[0]);
	close(c.to_child[1]);
	close(c.to_parent[0]);
	close(c.to_parent[1]);
}

/* MemFree in kB by hand: stdio would grow the heap and change it. */
static long mem_free_kb(void)
{
	static const char key[] = "MemFree:";
	char buf[4096];
	char *p;
	ssize_t n;
	int fd = open("/proc/meminfo", O_RDONLY);

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	p = strstr(buf, key);
	return p ? strtol(p + sizeof(key) - 1, NULL, 10) : -1;
}

static int fork_rounds(int rounds)
{
	for (int i = 0; i < rounds; i++) {
		pid_t pid = fork();
		int st;

		if (pid == 0)
			_exit(i & ROUND_STATUS_MASK);
		if (pid < 0)
			return 0;
		st = reap(pid);
		if (st < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != (i & ROUND_STATUS_MASK))
			return 0;
	}
	return 1;
}

static void test_rounds(void)
{
	long before, after = -1;
	int ok;

	fflush(stdout);
	if (!fork_rounds(1)) {
		check(0, "50 fork/exit/wait rounds", "warm-up round failed: %s", strerror(errno));
		return;
	}
	before = mem_free_kb();
	ok = fork_rounds(LEAK_ROUNDS);
	check(ok, "50 fork/exit/wait rounds", "%s", strerror(errno));
	if (getpid() != 1) {
		printf("skip no memory leaked over 50 forks: not process 1, so other processes "
		       "change MemFree\n");
		return;
	}
	/* Freeing may trail the last wait a little: look again for up to 5 s. */
	for (int i = 0; i < POLL_TRIES && (after = mem_free_kb()) != before; i++)
		nap();
	check(before > 0 && after == before, "no memory leaked over 50 forks",
	      "MemFree %ld kB before, %ld kB after", before, after);
}

static int wait_for_input(void *arg)
{
	int *fds = arg;
	char b;

	close(fds[1]);
	return read(fds[0], &b, 1) == 0 ? 0 : 1;
}

static void test_wnohang_and_waitid(void)
{
	int fds[2], st = 0;
	struct rusage ru;
	siginfo_t si;
	pid_t pid;

	if (pipe(fds)) {
		check(0, "pipe", "%s", strerror(errno));
		return;
	}
	pid = start_child(wait_for_input, fds);
	close(fds[0]);
	if (!check(pid > 0, "fork for WNOHANG", "%s", strerror(errno))) {
		close(fds[1]);
		return;
	}
	check(waitpid(pid, &st, WNOHANG) == 0, "WNOHANG gives 0 while the child runs",
	      "errno %d", errno);
	close(fds[1]);
	check(wait4(pid, &st, 0, &ru) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "wait4 after the pipe closes", "status %#x errno %d", st, errno);
	pid = start_child(exit_with, (void *)WAITID_STATUS);
	memset(&si, 0, sizeof(si));
	check(pid > 0 && waitid(P_PID, (id_t)pid, &si, WEXITED) == 0 && si.si_pid == pid &&
	      si.si_code == CLD_EXITED && si.si_status == WAITID_STATUS &&
	      si.si_signo == SIGCHLD, "waitid P_PID WEXITED",
	      "pid %d code %d status %d errno %d", si.si_pid, si.si_code, si.si_status, errno);
}

static volatile sig_atomic_t chld_pid, chld_code, chld_count;

static void on_sigchld(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	chld_pid = si->si_pid;
	chld_code = si->si_code;
	chld_count++;
}

static void test_sigchld(void)
{
	struct sigaction sa = { .sa_sigaction = on_sigchld, .sa_flags = SA_SIGINFO | SA_RESTART };
	pid_t pid;
	int st;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);
	pid = start_child(exit_with, (void *)0);
	st = pid > 0 ? reap(pid) : -1;
	for (int i = 0; i < POLL_TRIES && !chld_count; i++)
		nap();
	check(st >= 0 && chld_count == 1 && chld_pid == pid && chld_code == CLD_EXITED,
	      "SIGCHLD reaches the parent", "count %d pid %d (child %d) code %d",
	      (int)chld_count, (int)chld_pid, pid, (int)chld_code);
	sa.sa_handler = SIG_DFL;
	sa.sa_flags = 0;
	sigaction(SIGCHLD, &sa, NULL);
}

static int same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

static void test_proc(void)
{
	char path[64], want[4096], got[4096];
	size_t len = 0;
	ssize_t n = -1, r;
	int fds[2], fd;
	pid_t pid;

	check(same_file("/proc/self/exe", program_argv[0]), "/proc/self/exe is the program",
	      "%s", strerror(errno));
	for (int i = 0; i < program_argc && len + strlen(program_argv[i]) + 1 <= sizeof(want); i++) {
		memcpy(want + len, program_argv[i], strlen(program_argv[i]) + 1);
		len += strlen(program_argv[i]) + 1;
	}
	if (pipe(fds)) {
		check(0, "pipe", "%s", strerror(errno));
		return;
	}
	pid = start_child(wait_for_input, fds);
	close(fds[0]);
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	fd = pid > 0 ? open(path, O_RDONLY) : -1;
	if (fd >= 0) {
		n = 0;
		while ((r = read(fd, got + n, sizeof(got) - (size_t)n)) > 0)
			n += r;
		close(fd);
	}
	check(n == (ssize_t)len && memcmp(got, want, len) == 0, "/proc/<child>/cmdline",
	      "read %zd bytes, expected %zu (%s)", n, len, strerror(errno));
	close(fds[1]);
	if (pid > 0)
		reap(pid);
}

/* The child's report on its group and session, as exit bits. */
enum { PG_OWN_GROUP = 1, PG_SETSID_EPERM = 2, PG_SETSID = 4, PG_SESSION = 8, PG_GROUP = 16 };

static int group_leader_child(void *arg)
{
	int bad = 0;

	(void)arg;
	if (setpgid(0, 0) || getpgid(0) != getpid() || getpgrp() != getpid())
		bad |= PG_OWN_GROUP;
	if (setsid() != -1 || errno != EPERM)
		bad |= PG_SETSID_EPERM;
	return bad;
}

static int session_child(void *arg)
{
	int bad = 0;

	(void)arg;
	if (setsid() != getpid())
		bad |= PG_SETSID;
	if (getsid(0) != getpid())
		bad |= PG_SESSION;
	if (getpgid(0) != getpid())
		bad |= PG_GROUP;
	return bad;
}

static void test_groups(void)
{
	pid_t pid;
	int st;

	check(getpgid(0) == getpgrp() && getpgid(getpid()) == getpgrp(), "getpgid is getpgrp",
	      "getpgid %d getpgrp %d", (int)getpgid(0), (int)getpgrp());
	check(getsid(0) >= 0, "getsid", "%s", strerror(errno));
	pid = start_child(group_leader_child, NULL);
	st = pid > 0 ? reap(pid) : -1;
	check(st >= 0 && WIFEXITED(st) && !(WEXITSTATUS(st) & PG_OWN_GROUP),
	      "setpgid(0, 0) makes a group of its own", "status %#x", st);
	check(st >= 0 && WIFEXITED(st) && !(WEXITSTATUS(st) & PG_SETSID_EPERM),
	      "setsid by a group leader: EPERM", "status %#x", st);
	pid = start_child(session_child, NULL);
	st = pid > 0 ? reap(pid) : -1;
	check(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "setsid in a child: getsid(0) == getpid()", "status %#x", st);
	check(pid > 0 && getpgid(pid) < 0 && errno == ESRCH, "getpgid of a reaped child: ESRCH",
	      "errno %d", errno);
}

static int killed_by_term(int st)
{
	return st >= 0 && WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM;
}

static void test_kill(void)
{
	pid_t a, b, outsider;
	int sa, sb;

	a = start_child(pause_forever, NULL);
	check(a > 0 && kill(a, SIGTERM) == 0 && killed_by_term(reap(a)),
	      "kill(child, SIGTERM)", "%s", strerror(errno));
	a = start_child(pause_forever, NULL);
	if (a > 0)
		setpgid(a, a);
	b = a > 0 ? start_child(pause_forever, NULL) : -1;
	if (b > 0)
		setpgid(b, a);
	outsider = start_child(pause_forever, NULL);
	if (a <= 0 || b <= 0 || outsider <= 0) {
		check(0, "kill(-pgid, SIGTERM)", "fork: %s", strerror(errno));
		return;
	}
	check(getpgid(a) == a && getpgid(b) == a, "setpgid by the parent",
	      "groups %d %d, expected %d", (int)getpgid(a), (int)getpgid(b), (int)a);
	check(kill(-a, SIGTERM) == 0, "kill(-pgid, SIGTERM)", "%s", strerror(errno));
	sa = reap(a);
	sb = reap(b);
	check(killed_by_term(sa) && killed_by_term(sb), "the whole group dies of SIGTERM",
	      "statuses %#x %#x", sa, sb);
	check(waitpid(outsider, &sa, WNOHANG) == 0, "a process outside the group lives on",
	      "errno %d", errno);
	kill(outsider, SIGKILL);
	reap(outsider);
	check(kill(-a, 0) < 0 && errno == ESRCH, "kill to an empty group: ESRCH", "errno %d",
	      errno);
}

/* The grandchild's report: 0 adopted by the expected process, 1 never
 * reparented, 2 reparented elsewhere. */
enum { ORPHAN_ADOPTED = 0, ORPHAN_NOT_REPARENTED = 1, ORPHAN_ELSEWHERE = 2 };

static int orphan_grandchild(pid_t parent, pid_t adopter)
{
	for (int i = 0; i < POLL_TRIES && getppid() == parent; i++)
		nap();
	if (getppid() == parent)
		return ORPHAN_NOT_REPARENTED;
	return getppid() == adopter ? ORPHAN_ADOPTED : ORPHAN_ELSEWHERE;
}

static int orphan_parent(void *arg)
{
	pid_t adopter = (pid_t)(intptr_t)arg, me = getpid();
	pid_t pid = fork();

	if (pid == 0)
		_exit(orphan_grandchild(me, adopter));
	return pid > 0 ? 0 : 1;
}

static void test_orphan(void)
{
	pid_t me = getpid(), child, grandchild;
	int st, gst = -1;

	if (me != 1 && prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
		printf("skip orphan: not process 1 and no child subreaper (%s)\n", strerror(errno));
		return;
	}
	child = start_child(orphan_parent, (void *)(intptr_t)me);
	st = child > 0 ? reap(child) : -1;
	check(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "orphan's parent forks and exits",
	      "status %#x", st);
	do
		grandchild = waitpid(-1, &gst, 0);
	while (grandchild < 0 && errno == EINTR);
	check(grandchild > 0 && grandchild != child, "orphan reaped by waitpid(-1)",
	      "waitpid gave %d (%s)", (int)grandchild, strerror(errno));
	check(gst >= 0 && WIFEXITED(gst) && WEXITSTATUS(gst) != ORPHAN_NOT_REPARENTED,
	      "orphan reparented", "status %#x", gst);
	check(gst >= 0 && WIFEXITED(gst) && WEXITSTATUS(gst) == ORPHAN_ADOPTED,
	      "orphan's getppid() is its adopter", "status %#x", gst);
	if (me == 1)
		check(gst >= 0 && WIFEXITED(gst) && WEXITSTATUS(gst) == ORPHAN_ADOPTED,
		      "orphan adopted by process 1", "status %#x", gst);
	else
		printf("skip orphan adopted by process 1: this is process %d (a child subreaper "
		       "adopted it)\n", (int)me);
	if (me != 1)
		prctl(PR_SET_CHILD_SUBREAPER, 0);
}

int main(int argc, char **argv)
{
	program_argc = argc;
	program_argv = argv;
	test_exit_statuses();
	test_rounds();
	test_pipe();
	test_cow();
	test_wnohang_and_waitid();
	test_sigchld();
	test_proc();
	test_groups();
	test_kill();
	test_orphan();
	return checks_done();
}
