/*
 * Process 1 and the signals other processes send it (Linux's init, which
 * ignores every signal it has no handler for): run as process 1 only (on
 * a host it would be killed). A child sends it a flood of SIGUSR1, then
 * SIGTERM, SIGHUP, SIGKILL and SIGSTOP, all ignored; with a handler
 * installed, the child's SIGUSR1s are caught.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

#define FLOOD 1000

static volatile sig_atomic_t caught;

static void on_usr1(int sig)
{
	(void)sig;
	caught++;
}

/* A child that sends sigs to process 1, count times each: its status. */
static int child_sends(const int *sigs, int nsigs, int count)
{
	int status = -1;
	pid_t pid = fork();

	if (pid == 0) {
		for (int i = 0; i < nsigs; i++)
			for (int n = 0; n < count; n++)
				if (kill(1, sigs[i]))
					_exit(1);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

int main(void)
{
	static const int fatal[] = { SIGUSR1, SIGTERM, SIGHUP, SIGINT, SIGKILL, SIGSTOP };
	static const int usr1[] = { SIGUSR1 };

	if (getpid() != 1) {
		fprintf(stderr, "initsig: runs as process 1 only\n");
		return 2;
	}
	check(child_sends(usr1, 1, FLOOD) == 0, "a flood of SIGUSR1 sent", "%s", strerror(errno));
	check(child_sends(fatal, sizeof(fatal) / sizeof(fatal[0]), 1) == 0,
	      "SIGTERM, SIGHUP, SIGINT, SIGKILL, SIGSTOP sent", "%s", strerror(errno));
	check(1, "process 1 is still here", "%s", "no");
	signal(SIGUSR1, on_usr1);
	check(child_sends(usr1, 1, 3) == 0, "SIGUSR1 sent to a handler", "%s", strerror(errno));
	check(caught >= 1, "the handler caught them", "%d", (int)caught);
	return checks_done();
}
