/* ^C on the console: prints "ready" and waits in pause() for the SIGINT
 * the terminal sends. With no argument a handler catches it; with
 * "default" none is installed and the signal ends the program (status
 * 130). Typing ^C is up to the boot test, after "ready". */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "check.h"

static volatile sig_atomic_t caught;

static void on_int(int sig)
{
	caught = sig;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_int };
	int r, err;

	if (argc > 1 && !strcmp(argv[1], "default")) {
		puts("ready");
		fflush(stdout);
		for (;;)
			pause();
	}
	sigemptyset(&sa.sa_mask);
	check(sigaction(SIGINT, &sa, NULL) == 0, "sigaction SIGINT", "%s", strerror(errno));
	puts("ready");
	fflush(stdout);
	r = pause();
	err = errno;
	check(r == -1 && err == EINTR && caught == SIGINT, "SIGINT caught",
	      "pause returned %d (%s), signal %d", r, strerror(err), (int)caught);
	return checks_done();
}
