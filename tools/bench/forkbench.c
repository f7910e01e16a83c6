/*
 * Guest side of the process benchmark (tools/bench.py processes), run on
 * Flint and in the Linux baseline guest (tools/linux-baseline.sh):
 *
 *   forkbench          prints "bench: fork_us N" (fork + _exit + waitpid)
 *                      and "bench: spawn_us N" (vfork + execve of this
 *                      program with "exit" + waitpid), each the median of
 *                      ROUNDS rounds in microseconds, or "bench: failed
 *                      WHAT: ERROR" and exits 1
 *   forkbench exit     exits at once (the spawned program)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "timing.h"

#define ROUNDS 200
#define EXEC_FAILED 127

extern char **environ;

/* One round: the child exits 0 (fork) or runs self "exit" (spawn). */
static int round_ns(const char *self, int spawn, long long *ns)
{
	char *argv[] = { (char *)self, "exit", NULL };
	long long t0 = now_ns();
	int status;
	pid_t pid = spawn ? vfork() : fork();

	if (pid == 0) {
		if (spawn)
			execve(self, argv, environ);
		_exit(spawn ? EXEC_FAILED : 0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	*ns = now_ns() - t0;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		errno = ENOEXEC;
		return -1;
	}
	return 0;
}

static int median_us(const char *self, int spawn, const char *what)
{
	static long long ns[ROUNDS];

	for (int i = 0; i < ROUNDS; i++) {
		if (round_ns(self, spawn, &ns[i])) {
			printf("bench: failed %s: %s\n", what, strerror(errno));
			return -1;
		}
	}
	qsort(ns, ROUNDS, sizeof(ns[0]), compare_ns);
	printf("bench: %s_us %lld\n", what, ns[ROUNDS / 2] / NSEC_PER_USEC);
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "exit"))
		return 0;
	setvbuf(stdout, NULL, _IONBF, 0);
	if (median_us(argv[0], 0, "fork") || median_us(argv[0], 1, "spawn"))
		return 1;
	return 0;
}
