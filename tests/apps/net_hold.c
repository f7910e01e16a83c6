/* net_hold PORT CONNS SECONDS: accepts CONNS TCP connections and reads
 * none of them for SECONDS, so that their senders fill the guest's memory
 * (the stack must push back, not panic); then reads every one to its end,
 * closes it and prints the bytes read. For net-oom in
 * tests/boot/load_cases.py. It allocates nothing while it holds. A read that
 * fails ends its connection and is counted: none may.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "meminfo.h"

#define MAX_CONNS 256
#define READ_TIMEOUT_S 120		/* reading everything back takes less */
#define POLL_MS 1000

static struct pollfd fds[MAX_CONNS];
static char buf[65536];

static int die(const char *what)
{
	printf("net_hold: %s: %s\n", what, strerror(errno));
	return 2;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	unsigned long long total = 0;
	int one = 1, lfd, n, open, errors = 0, last_errno = 0;
	time_t end;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 4 || (n = atoi(argv[2])) < 1 || n > MAX_CONNS) {
		printf("usage: net_hold PORT CONNS SECONDS (CONNS at most %d)\n", MAX_CONNS);
		return 2;
	}
	sa.sin_port = htons(atoi(argv[1]));
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0)
		return die("socket");
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return die("bind");
	if (listen(lfd, n) < 0)
		return die("listen");
	printf("net_hold: listening on port %s, MemFree %ld kB\n", argv[1], mem_free_kb());
	for (int i = 0; i < n; i++) {
		fds[i].fd = accept(lfd, NULL, NULL);
		if (fds[i].fd < 0)
			return die("accept");
		fds[i].events = POLLIN;
	}
	close(lfd);
	printf("net_hold: holding %d connections, MemFree %ld kB\n", n, mem_free_kb());
	sleep(atoi(argv[3]));
	printf("net_hold: reading, MemFree %ld kB\n", mem_free_kb());
	end = time(NULL) + READ_TIMEOUT_S;
	for (open = n; open > 0 && time(NULL) < end;) {
		if (poll(fds, n, POLL_MS) < 0 && errno != EINTR)
			return die("poll");
		for (int i = 0; i < n; i++) {
			ssize_t got;

			if (fds[i].fd < 0 || !fds[i].revents)
				continue;
			got = read(fds[i].fd, buf, sizeof(buf));
			if (got > 0) {
				total += got;
				continue;
			}
			if (got < 0 && errno == EINTR)
				continue;
			if (got < 0) {
				errors++;
				last_errno = errno;
			}
			close(fds[i].fd);
			fds[i].fd = -1;
			open--;
		}
	}
	printf("net_hold: read %llu bytes from %d connections, %d still open, MemFree %ld kB, "
	       "%d ended by an error (%s)\n", total, n, open, mem_free_kb(), errors,
	       errors ? strerror(last_errno) : "none");
	return open || errors ? 1 : 0;
}
