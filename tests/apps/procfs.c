/* /proc as programs read it: /proc/self/maps against the program's own
 * mappings, glibc's and musl's pthread_getattr_np on the main thread, and
 * the state letters of a sleeping and a zombie child in stat and status. */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

#define LINE_MAX_BYTES 512
#define MAP_PAGES 3
#define POLL_NS 10000000L		/* 10 ms between looks */
#define POLL_TRIES 1000			/* 10 s: slow emulators included */

/* The maps line whose range holds addr: 1 with its perms and name. */
static int maps_line(uintptr_t addr, uintptr_t *start, uintptr_t *end, char perms[5],
		     char name[LINE_MAX_BYTES])
{
	char line[LINE_MAX_BYTES];
	FILE *f = fopen("/proc/self/maps", "r");
	int found = 0;

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		unsigned long s, e;
		int off = 0;

		name[0] = '\0';
		if (sscanf(line, "%lx-%lx %4s %*x %*x:%*x %*u %n", &s, &e, perms, &off) < 3)
			continue;
		if (addr >= s && addr < e) {
			*start = s;
			*end = e;
			if (off)
				sscanf(line + off, "%511s", name);
			found = 1;
		}
	}
	fclose(f);
	return found;
}

static void check_maps(void)
{
	long page = sysconf(_SC_PAGESIZE);
	char *m = mmap(NULL, MAP_PAGES * page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char perms[5] = "", name[LINE_MAX_BYTES];
	uintptr_t s = 0, e = 0;
	int local = 0;

	if (m == MAP_FAILED) {
		check(0, "maps mmap", "mmap failed");
		return;
	}
	mprotect(m + page, page, PROT_READ | PROT_WRITE);
	check(maps_line((uintptr_t)m, &s, &e, perms, name) && s == (uintptr_t)m &&
	      e == (uintptr_t)m + page && !strcmp(perms, "r--p"),
	      "maps shows an mmap'd page read-only", "%lx-%lx %s", (unsigned long)s,
	      (unsigned long)e, perms);
	check(maps_line((uintptr_t)m + page, &s, &e, perms, name) &&
	      s == (uintptr_t)m + page && e == (uintptr_t)m + 2 * page &&
	      !strcmp(perms, "rw-p"), "maps shows mprotect's split", "%lx-%lx %s",
	      (unsigned long)s, (unsigned long)e, perms);
	munmap(m, MAP_PAGES * page);
	check(!maps_line((uintptr_t)m, &s, &e, perms, name), "maps drops an unmapped page",
	      "still %lx-%lx", (unsigned long)s, (unsigned long)e);
	check(maps_line((uintptr_t)&local, &s, &e, perms, name) && !strcmp(name, "[stack]") &&
	      !strcmp(perms, "rw-p"), "maps names the stack", "%s %s", perms, name);
	check(maps_line((uintptr_t)check_maps, &s, &e, perms, name) && perms[2] == 'x' &&
	      name[0] == '/', "maps shows the program's code from its file", "%s '%s'", perms,
	      name);
}

static void check_main_stack(void)
{
	pthread_attr_t attr;
	void *addr = NULL;
	size_t size = 0;
	int local = 0, r = pthread_getattr_np(pthread_self(), &attr);

	if (r == 0) {
		r = pthread_attr_getstack(&attr, &addr, &size);
		pthread_attr_destroy(&attr);
	}
	check(r == 0 && (char *)&local >= (char *)addr && (char *)&local < (char *)addr + size,
	      "pthread_getattr_np finds the main thread's stack", "r %d, %p + %zu", r, addr,
	      size);
}

/* The state letter of pid in its stat, and the State line of status. */
static char stat_state(pid_t pid)
{
	char path[64], buf[LINE_MAX_BYTES], *paren;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return '?';
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	paren = strrchr(buf, ')');
	return paren && paren[1] == ' ' ? paren[2] : '?';
}

static int status_says(pid_t pid, const char *want)
{
	char path[64], line[LINE_MAX_BYTES];
	FILE *f;
	int found = 0;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f))
		found = !strcmp(line, want);
	fclose(f);
	return found;
}

static char wait_state(pid_t pid, char want)
{
	struct timespec ts = { 0, POLL_NS };
	char got = '?';

	for (int i = 0; i < POLL_TRIES && (got = stat_state(pid)) != want; i++)
		nanosleep(&ts, NULL);
	return got;
}

static void check_states(void)
{
	pid_t pid = fork();
	char got;
	int st;

	if (pid == 0) {
		pause();
		_exit(0);
	}
	check(stat_state(getpid()) == 'R', "stat shows the caller running", "%c",
	      stat_state(getpid()));
	got = wait_state(pid, 'S');
	check(got == 'S', "stat shows a child in pause sleeping", "%c", got);
	check(status_says(pid, "State:\tS (sleeping)\n"), "status shows it sleeping", "no line");
	kill(pid, SIGKILL);
	got = wait_state(pid, 'Z');
	check(got == 'Z', "stat shows a killed child not waited for as a zombie", "%c", got);
	check(status_says(pid, "State:\tZ (zombie)\n"), "status shows it a zombie", "no line");
	check(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st), "the zombie is reaped", "st %#x",
	      st);
}

static int read_text(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return 0;
	n = fread(buf, 1, size - 1, f);
	fclose(f);
	buf[n] = '\0';
	return n > 0;
}

static double uptime(void)
{
	char buf[LINE_MAX_BYTES];
	double up = -1, idle = -1;

	if (!read_text("/proc/uptime", buf, sizeof(buf)) || sscanf(buf, "%lf %lf", &up, &idle) != 2)
		return -1;
	return up;
}

static void check_system_files(void)
{
	struct timespec ts = { 0, 3 * POLL_NS };
	char buf[4096], word[LINE_MAX_BYTES];
	double a, b, c, first = uptime(), second;
	unsigned running = 0, threads = 0;
	unsigned long long btime = 0;
	long value;
	char *line;

	nanosleep(&ts, NULL);
	second = uptime();
	check(first > 0 && second > first, "uptime grows", "%f then %f", first, second);
	check(read_text("/proc/loadavg", buf, sizeof(buf)) &&
	      sscanf(buf, "%lf %lf %lf %u/%u %ld", &a, &b, &c, &running, &threads, &value) == 6 &&
	      running >= 1 && threads >= running, "loadavg's form", "%s", buf);
	line = read_text("/proc/stat", buf, sizeof(buf)) ? strstr(buf, "\nbtime ") : NULL;
	check(!strncmp(buf, "cpu ", 4) && line && sscanf(line, " btime %llu", &btime) == 1 &&
	      btime > 0 && btime <= (unsigned long long)time(NULL) &&
	      strstr(buf, "\nprocesses ") && strstr(buf, "\nprocs_running "),
	      "/proc/stat has cpu, btime, processes, procs_running", "%.200s", buf);
	check(read_text("/proc/sys/kernel/ostype", buf, sizeof(buf)) && !strcmp(buf, "Linux\n"),
	      "/proc/sys/kernel/ostype", "%s", buf);
	check(read_text("/proc/sys/kernel/osrelease", buf, sizeof(buf)) && buf[0] >= '1' &&
	      buf[0] <= '9', "/proc/sys/kernel/osrelease", "%s", buf);
	check(read_text("/proc/sys/kernel/pid_max", buf, sizeof(buf)) &&
	      sscanf(buf, "%ld", &value) == 1 && value > getpid(), "/proc/sys/kernel/pid_max",
	      "%s", buf);
	gethostname(word, sizeof(word));
	strcat(word, "\n");
	check(read_text("/proc/sys/kernel/hostname", buf, sizeof(buf)) && !strcmp(buf, word),
	      "/proc/sys/kernel/hostname is gethostname's", "%s", buf);
	check(read_text("/proc/sys/fs/pipe-max-size", buf, sizeof(buf)) &&
	      sscanf(buf, "%ld", &value) == 1 && value >= 4096, "/proc/sys/fs/pipe-max-size",
	      "%s", buf);
	check(read_text("/proc/sys/vm/overcommit_memory", buf, sizeof(buf)) &&
	      sscanf(buf, "%ld", &value) == 1 && value >= 0 && value <= 2,
	      "/proc/sys/vm/overcommit_memory", "%s", buf);
	check(read_text("/proc/version", buf, sizeof(buf)) && !strncmp(buf, "Linux version ", 14),
	      "/proc/version", "%s", buf);
	check(read_text("/proc/filesystems", buf, sizeof(buf)) && strstr(buf, "\tproc\n"),
	      "/proc/filesystems lists proc", "%s", buf);
}

int main(void)
{
	check_system_files();
	check_maps();
	check_main_stack();
	check_states();
	return checks_done();
}
