/* waitpid for pid: its status, or -1 (errno kept) if waitpid failed; an
 * interrupted wait (SIGCHLD handlers) is waited again. For the process
 * test programs (fork.c, spawn.c). */
#ifndef APPS_REAP_H
#define APPS_REAP_H

#include <errno.h>
#include <sys/types.h>
#include <sys/wait.h>

static int reap(pid_t pid)
{
	int status;
	pid_t got;

	do
		got = waitpid(pid, &status, 0);
	while (got < 0 && errno == EINTR);
	return got == pid ? status : -1;
}

#endif
