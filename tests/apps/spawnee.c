/* The program that spawn (tests/apps/spawn.c) starts:
 *
 *   spawnee exit N        exits with status N
 *   spawnee print WORD... prints the words on one line
 *   spawnee fds SHUT OPEN exits 0 if descriptor SHUT is closed (EBADF)
 *                         and OPEN is open without FD_CLOEXEC, 1 otherwise
 *   spawnee ready         prints "ready", then reads stdin to its end
 *   spawnee env NAME      prints NAME's value in the environment
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define USAGE_STATUS 2

static int closed_fds(int shut, int open)
{
	int flags;

	if (fcntl(shut, F_GETFD) != -1 || errno != EBADF)
		return 1;
	flags = fcntl(open, F_GETFD);
	return flags < 0 || (flags & FD_CLOEXEC) ? 1 : 0;
}

static int ready(void)
{
	char buf[256];

	printf("ready\n");
	fflush(stdout);
	while (read(0, buf, sizeof(buf)) > 0)
		;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "exit"))
		return atoi(argv[2]);
	if (argc >= 2 && !strcmp(argv[1], "print")) {
		for (int i = 2; i < argc; i++)
			printf("%s%s", argv[i], i + 1 < argc ? " " : "\n");
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "fds"))
		return closed_fds(atoi(argv[2]), atoi(argv[3]));
	if (argc == 2 && !strcmp(argv[1], "ready"))
		return ready();
	if (argc == 3 && !strcmp(argv[1], "env")) {
		const char *v = getenv(argv[2]);

		printf("%s\n", v ? v : "(unset)");
		return 0;
	}
	fprintf(stderr, "spawnee: unknown request\n");
	return USAGE_STATUS;
}
