/*
 * Guest side of the dynamic programs' start-up benchmark (tools/bench.py
 * dynamic), run on Flint and in the Linux baseline guest:
 *
 *   startbench ROUNDS SPEC...
 *
 * in the order given, each SPEC one of
 *   NAME=PATH[,ARG]...  runs the program ROUNDS times (vfork + execve +
 *       waitpid, its output to /dev/null) and prints "bench: NAME first_us
 *       N median_us M": the first run (nothing of it touched yet since
 *       boot) and the median of the rest, in microseconds
 *   share=PYTHON  starts two PYTHONs that wait on their standard input and
 *       prints, for each, "bench: share N rss_kb R shared_kb S private_kb P
 *       pss_kb Q" from its /proc/PID/smaps_rollup
 *
 * Errors print "bench: failed WHAT: ERROR" and exit 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "timing.h"

#define MAX_ROUNDS 1000
#define MAX_ARGS 16
#define EXEC_FAILED 127
#define SHARERS 2
#define SHARE "share="
/* What each waiting python runs: "ready" once it is up, then it waits. */
#define WAIT_CODE "import sys; print('ready', flush=True); sys.stdin.read()"

extern char **environ;

static int failed(const char *what)
{
	printf("bench: failed %s: %s\n", what, strerror(errno));
	return 1;
}

/* One run of argv with its output to /dev/null: its time, or -1. */
static long long run_ns(char **argv)
{
	long long t0 = now_ns();
	int status;
	pid_t pid = vfork();

	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		if (null >= 0) {
			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
		}
		execve(argv[0], argv, environ);
		_exit(EXEC_FAILED);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		errno = ENOEXEC;
		return -1;
	}
	return now_ns() - t0;
}

/* NAME=PATH[,ARG]...: runs it rounds times and prints its line. */
static int bench_one(char *spec, int rounds)
{
	static long long ns[MAX_ROUNDS];
	char *argv[MAX_ARGS + 1] = { 0 }, *name = spec, *eq = strchr(spec, '=');
	int argc = 0;

	if (!eq) {
		errno = EINVAL;
		return failed(spec);
	}
	*eq = '\0';
	for (char *arg = strtok(eq + 1, ","); arg && argc < MAX_ARGS; arg = strtok(NULL, ","))
		argv[argc++] = arg;
	for (int i = 0; i < rounds; i++)
		if ((ns[i] = run_ns(argv)) < 0)
			return failed(name);
	qsort(ns + 1, (size_t)rounds - 1, sizeof(ns[0]), compare_ns);
	printf("bench: %s first_us %lld median_us %lld\n", name, ns[0] / NSEC_PER_USEC,
	       ns[1 + (rounds - 1) / 2] / NSEC_PER_USEC);
	fflush(stdout);
	return 0;
}

/* A python that waits on a pipe: its pid, with *in the pipe's write end,
 * once it said it is ready. */
static pid_t start_waiter(char *python, int *in)
{
	char *argv[] = { python, "-c", WAIT_CODE, NULL };
	int to[2], from[2];
	char ready[8];
	pid_t pid;

	/* Close-on-exec: the other python must not hold this one's input. */
	if (pipe2(to, O_CLOEXEC) || pipe2(from, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(to[0], STDIN_FILENO);
		dup2(from[1], STDOUT_FILENO);
		execve(python, argv, environ);
		_exit(EXEC_FAILED);
	}
	close(to[0]);
	close(from[1]);
	if (pid < 0 || read(from[0], ready, sizeof(ready)) <= 0)
		return -1;
	close(from[0]);
	*in = to[1];
	return pid;
}

/* A figure of /proc/PID/smaps_rollup, in kB (0 when it has none). */
static long rollup_kb(const char *text, const char *field)
{
	const char *at = strstr(text, field);

	return at ? strtol(at + strlen(field), NULL, 10) : 0;
}

static int share(char *python)
{
	pid_t pids[SHARERS];
	int ins[SHARERS];
	char path[64], text[4096];

	for (int i = 0; i < SHARERS; i++)
		if ((pids[i] = start_waiter(python, &ins[i])) < 0)
			return failed("start python");
	for (int i = 0; i < SHARERS; i++) {
		int fd;
		ssize_t n;

		snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pids[i]);
		fd = open(path, O_RDONLY);
		if (fd < 0 || (n = read(fd, text, sizeof(text) - 1)) <= 0)
			return failed(path);
		close(fd);
		text[n] = '\0';
		printf("bench: share %d rss_kb %ld shared_kb %ld private_kb %ld pss_kb %ld\n", i + 1,
		       rollup_kb(text, "Rss:"),
		       rollup_kb(text, "Shared_Clean:") + rollup_kb(text, "Shared_Dirty:"),
		       rollup_kb(text, "Private_Clean:") + rollup_kb(text, "Private_Dirty:"),
		       rollup_kb(text, "Pss:"));
	}
	for (int i = 0; i < SHARERS; i++) {
		close(ins[i]);
		waitpid(pids[i], NULL, 0);
	}
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	int rounds;

	rounds = argc > 2 ? atoi(argv[1]) : 0;
	if (rounds < 2 || rounds > MAX_ROUNDS) {
		fprintf(stderr, "usage: startbench ROUNDS NAME=PATH[,ARG]... | share=PYTHON ...\n");
		return 2;
	}
	for (int i = 2; i < argc; i++)
		if (!strncmp(argv[i], SHARE, strlen(SHARE)) ? share(argv[i] + strlen(SHARE)) :
		    bench_one(argv[i], rounds))
			return 1;
	return 0;
}
