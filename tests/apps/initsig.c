/* Process 1 and signals, as Linux's init: a signal left to its default
 * action (SIGUSR1, SIGTERM, even SIGKILL and SIGSTOP) that a child sends
 * does not reach it; with a handler installed the handler runs, for its
 * own signals too. (Its own at the default action end it, as abort's
 * must: the linux-abort cases.)
 * Only meaningful as process 1 (Flint's program; not run on the host). */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

#define FLOOD 2000

static volatile sig_atomic_t caught;

static void on_usr1(int sig)
{
	(void)sig;
	caught++;
}

/* A child that sends sig to process 1 n times and ends with 0 when
 * every kill succeeded. */
static int child_floods(int sig, int n)
{
	pid_t pid = fork();
	int status = -1;

	if (pid == 0) {
		for (int i = 0; i < n; i++)
			if (kill(1, sig))
				_exit(1);
		_exit(0);
	}
	if (pid < 0)
		return -1;
	/* The signals interrupt the wait of a process with a handler. */
	while (waitpid(pid, &status, 0) != pid)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int main(void)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	int i;

	if (!check(getpid() == 1, "running as process 1", "pid %d", (int)getpid()))
		return checks_done();
	check(child_floods(SIGUSR1, FLOOD) == 0, "a SIGUSR1 flood from a child leaves it running",
	      "the child failed");
	check(child_floods(SIGTERM, 1) == 0 && child_floods(SIGINT, 1) == 0 &&
	      child_floods(SIGSTOP, 1) == 0,
	      "SIGTERM, SIGINT and SIGSTOP from a child at default are not delivered", "%s",
	      "a child failed");
	check(child_floods(SIGKILL, 1) == 0, "SIGKILL from a child does not end process 1",
	      "the child failed");
	sigemptyset(&sa.sa_mask);
	check(sigaction(SIGUSR1, &sa, NULL) == 0, "a SIGUSR1 handler", "%s", strerror(errno));
	for (i = 0; i < FLOOD; i++)
		kill(1, SIGUSR1);
	check(caught >= 1, "with a handler the flood reaches it", "caught %d", (int)caught);
	caught = 0;
	check(child_floods(SIGUSR1, FLOOD) == 0, "a flood from a child with a handler",
	      "the child failed");
	for (i = 0; i < 1000 && !caught; i++)
		usleep(1000);
	check(caught >= 1, "the child's signals reach the handler", "caught %d", (int)caught);
	return checks_done();
}
