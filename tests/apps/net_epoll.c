/* A static epoll TCP server and its clients, for the network tests
 * (tests/boot/net_cases.py) and make bench (tools/bench.py). The same
 * binary serves in the guest and drives it from the host.
 *
 *   net_epoll serve PORT          one epoll loop, every connection at once;
 *                                 a connection's first byte says what it is:
 *                                 'E' echo the rest, 'S'<n>'\n' send n bytes,
 *                                 'R' read to the end, answer the count,
 *                                 'G' an HTTP request (a small page back),
 *                                 'Q' end the server: it stops accepting, gives the
 *                                 open connections QUIT_GRACE_S to end and prints
 *                                 its counts
 *   net_epoll client HOST PORT CONNS BYTES   CONNS connections at once, each
 *                                 echoing BYTES of its own pattern, all held
 *                                 open until every one is verified
 *   net_epoll vanish HOST PORT CONNS BYTES   CONNS clients that reset their
 *                                 connection halfway through BYTES, and CONNS
 *                                 connects reset before the server answers
 *   net_epoll send|recv HOST PORT BYTES   bulk transfer to or from the server
 *   net_epoll rtt HOST PORT ROUNDS        1-byte ping-pong: median round trip
 *   net_epoll quit HOST PORT              ends the server
 *   net_epoll udp PORT                    a UDP echo server ("quit" ends it)
 * Clients print check lines (check.h) and figures as "net_epoll: ..." lines.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "meminfo.h"

#define MAX_FDS 4096
#define IO_CHUNK 65536
#define CLIENT_TIMEOUT_S 120
#define RTT_MAX_ROUNDS 100000
#define HEADER_MAX 4096
#define CONNECT_GAP_US 2000		/* between connects: slirp's forward listens with a backlog of 1 */
#define RECONNECTS 4			/* after resets before any reply, each after a longer pause */
#define QUIT_GRACE_S 5.0
#define MEM_REPORT_STEP 250		/* MemFree is printed at each new max of this many */

static const char PAGE[] = "<html><body>flint epoll server</body></html>\n";

enum kind { UNKNOWN, ECHO, SOURCE, SINK, HTTP };

struct conn {
	enum kind kind;
	uint64_t todo;			/* SOURCE: bytes still to send */
	uint64_t count;			/* SINK: bytes read */
	char buf[HEADER_MAX];		/* ECHO: bytes to write back; else the header */
	size_t len, off;
	int closing;			/* close once buf is written */
	uint32_t events;		/* what epoll waits for on it */
};

static struct conn *conns[MAX_FDS];
static uint64_t served, echoed, open_now, open_max;
/* Why serve_conn gave a connection up other than at its end, for a line
 * that tells a rare failure's cause on the server's side. */
static char drop_why[96];

static void die(const char *what)
{
	printf("net_epoll: %s: %s\n", what, strerror(errno));
	exit(2);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void nonblocking(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/* The pattern byte at offset off of connection c's stream: every
 * connection's differs, so crossed streams do not verify. */
static unsigned char pattern(unsigned c, uint64_t off)
{
	return (unsigned char)((off * 31 + c * 7 + (off >> 8)) ^ (c >> 3));
}

static void drop(int ep, int fd)
{
	epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
	close(fd);
	free(conns[fd]);
	conns[fd] = NULL;
	served++;
	open_now--;
}

/* Writes what c has pending; 0 when all of it is gone, 1 when the socket
 * is full, -1 on an error. */
static int flush(int fd, struct conn *c)
{
	while (c->off < c->len) {
		ssize_t n = write(fd, c->buf + c->off, c->len - c->off);

		if (n < 0)
			return errno == EAGAIN ? 1 : -1;
		c->off += n;
	}
	c->off = c->len = 0;
	return 0;
}

static int source(int fd, struct conn *c)
{
	static char block[IO_CHUNK];

	while (c->todo) {
		size_t want = c->todo < sizeof(block) ? c->todo : sizeof(block);
		ssize_t n = write(fd, block, want);

		if (n < 0)
			return errno == EAGAIN ? 1 : -1;
		c->todo -= n;
	}
	return 0;
}

/* What the first bytes of a connection ask for, once a whole header is
 * there: 1 when it must wait for more. */
static int start(struct conn *c)
{
	char *nl;

	switch (c->buf[0]) {
	case 'E':
		c->kind = ECHO;
		memmove(c->buf, c->buf + 1, --c->len);
		echoed += c->len;
		return 0;
	case 'R':
		c->kind = SINK;
		c->count = c->len - 1;
		c->len = 0;
		return 0;
	case 'S':
		nl = memchr(c->buf, '\n', c->len);
		if (!nl)
			return 1;
		c->kind = SOURCE;
		c->todo = strtoull(c->buf + 1, NULL, 10);
		c->len = 0;
		return 0;
	case 'G':
		if (!memmem(c->buf, c->len, "\r\n\r\n", 4))
			return 1;
		c->kind = HTTP;
		c->len = snprintf(c->buf, sizeof(c->buf), "HTTP/1.0 200 OK\r\nContent-Type: text/html"
				  "\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
				  sizeof(PAGE) - 1, PAGE);
		c->off = 0;
		c->closing = 1;
		return 0;
	}
	return -1;
}

/* Handles readiness on a connection; -1 when it is done with. */
static int serve_conn(int fd, uint32_t events, int *quit)
{
	struct conn *c = conns[fd];
	ssize_t n;

	if (c->kind == SOURCE)
		return source(fd, c) == 1 ? 0 : -1;
	if (c->len && flush(fd, c) != 0)
		return errno == EAGAIN ? 0 : -1;
	if (c->closing)
		return -1;
	if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		return 0;
	for (;;) {
		size_t room = sizeof(c->buf) - c->len;

		if (c->kind == SINK) {
			char sink[IO_CHUNK];

			n = read(fd, sink, sizeof(sink));
			if (n > 0) {
				c->count += n;
				continue;
			}
			if (n == 0) {
				c->len = snprintf(c->buf, sizeof(c->buf), "%llu\n",
						  (unsigned long long)c->count);
				c->closing = 1;
				return flush(fd, c) < 0 ? -1 : (c->len ? 0 : -1);
			}
			return errno == EAGAIN ? 0 : -1;
		}
		if (!room)
			return c->kind == UNKNOWN ? -1 : 0;
		n = read(fd, c->buf + c->len, room);
		if (n == 0)
			return -1;
		if (n < 0) {
			if (errno == EAGAIN)
				return 0;
			snprintf(drop_why, sizeof(drop_why), "read: %s after %zu bytes",
				 strerror(errno), c->len);
			return -1;
		}
		if (c->kind == ECHO) {
			echoed += n;
			c->len += n;
		} else {
			c->len += n;
			if (c->buf[0] == 'Q') {
				*quit = 1;
				return -1;
			}
			int r = start(c);

			if (r < 0) {
				snprintf(drop_why, sizeof(drop_why), "unknown request byte %#x",
					 (unsigned char)c->buf[0]);
				return -1;
			}
			if (r > 0)
				continue;
			if (c->kind == SOURCE)
				return source(fd, c) == 1 ? 0 : -1;
		}
		if (c->len && flush(fd, c) != 0) {
			if (errno == EAGAIN)
				return 0;
			snprintf(drop_why, sizeof(drop_why), "write: %s", strerror(errno));
			return -1;
		}
		if (c->closing)
			return -1;
	}
}

/* Output waits for EPOLLOUT only while some is pending: an idle
 * connection costs no wake-ups. */
static void wait_for(int ep, int fd, struct conn *c)
{
	uint32_t want = EPOLLIN | EPOLLRDHUP | (c->len || c->todo ? EPOLLOUT : 0);
	struct epoll_event ev = { .events = want, .data.fd = fd };

	if (want != c->events) {
		c->events = want;
		epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
	}
}

static int serve(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct epoll_event ev, events[64];
	int one = 1, quit = 0, ep, lfd;
	double quit_by = 0;

	signal(SIGPIPE, SIG_IGN);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0)
		die("socket");
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("bind");
	if (listen(lfd, 1024) < 0)
		die("listen");
	nonblocking(lfd);
	ep = epoll_create1(0);
	if (ep < 0)
		die("epoll_create1");
	ev = (struct epoll_event){ .events = EPOLLIN, .data.fd = lfd };
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	printf("net_epoll: listening on port %d, MemFree %ld kB\n", port, mem_free_kb());
	fflush(stdout);
	/* After 'Q', connections still open get QUIT_GRACE_S to end: a client
	 * that reset its connection may still be on its way through slirp. */
	while (!quit || (open_now && now() < quit_by)) {
		int n = epoll_wait(ep, events, 64, quit ? 100 : -1);

		if (n < 0 && errno != EINTR)
			die("epoll_wait");
		for (int i = 0; i < n; i++) {
			int fd = events[i].data.fd;

			if (fd != lfd) {
				drop_why[0] = 0;
				if (conns[fd] && serve_conn(fd, events[i].events, &quit) < 0) {
					if (quit && !quit_by)
						quit_by = now() + QUIT_GRACE_S;
					if (drop_why[0])
						printf("net_epoll: gave up fd %d: %s\n", fd, drop_why);
					drop(ep, fd);
				} else if (conns[fd]) {
					wait_for(ep, fd, conns[fd]);
				}
				continue;
			}
			for (; !quit;) {
				int cfd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);

				if (cfd < 0)
					break;
				if (cfd >= MAX_FDS || !(conns[cfd] = calloc(1, sizeof(struct conn)))) {
					close(cfd);
					continue;
				}
				setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
				conns[cfd]->events = EPOLLIN | EPOLLRDHUP;
				ev = (struct epoll_event){ .events = conns[cfd]->events,
							   .data.fd = cfd };
				epoll_ctl(ep, EPOLL_CTL_ADD, cfd, &ev);
				if (++open_now > open_max && (open_max = open_now) % MEM_REPORT_STEP == 0)
					printf("net_epoll: %llu open, MemFree %ld kB\n",
					       (unsigned long long)open_now, mem_free_kb());
			}
		}
	}
	printf("net_epoll: served %llu connections, echoed %llu bytes, at most %llu at once, "
	       "%llu open at the end\n", (unsigned long long)served, (unsigned long long)echoed,
	       (unsigned long long)open_max, (unsigned long long)open_now);
	return 0;
}

/* A UDP echo server: every datagram goes back to its sender; one that
 * says "quit" ends it. */
static int udp_echo(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	char buf[IO_CHUNK];

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("udp socket");
	printf("net_epoll: udp echo on port %d\n", port);
	for (;;) {
		struct sockaddr_in from;
		socklen_t len = sizeof(from);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len);

		if (n < 0)
			die("recvfrom");
		if (n == 4 && !memcmp(buf, "quit", 4))
			return 0;
		sendto(fd, buf, n, 0, (struct sockaddr *)&from, len);
	}
}

static int connect_to(const char *host, int port, int blocking)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		die("socket");
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		printf("net_epoll: %s is no IPv4 address\n", host);
		exit(2);
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (!blocking)
		nonblocking(fd);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS)
		die("connect");
	return fd;
}

struct client {
	int fd;
	uint64_t sent, got;
	int bad;			/* the first mismatch seen, or a reset */
	int retried;			/* reconnects after a reset before any reply */
};

/* Says why connection I failed, so that a rare failure can be told apart:
 * a mismatch is corruption, an end or a reset is a lost connection. */
static void report_bad(int i, const struct client *c, uint64_t at, const char *why)
{
	printf("net_epoll: connection %d (fd %d): %s at byte %llu, %llu sent\n", i, c->fd, why,
	       (unsigned long long)at, (unsigned long long)c->sent);
}

/* Connection i of an echo run, non-blocking, in the epoll set ep. */
static int client_connect(int ep, const char *host, int port, unsigned i)
{
	int fd = connect_to(host, port, 0);
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT, .data.u32 = i };

	epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	return fd;
}

/* CONNS connections at once through one epoll set; returns how many
 * echoed every byte back unchanged. */
static int echo_all(const char *host, int port, int nconn, uint64_t bytes)
{
	struct client *cl = calloc(nconn, sizeof(*cl));
	struct epoll_event ev, events[64];
	int ep = epoll_create1(0), done = 0, good = 0;
	double deadline = now() + CLIENT_TIMEOUT_S;
	unsigned char buf[IO_CHUNK];

	if (!cl || ep < 0)
		die("setup");
	for (int i = 0; i < nconn; i++) {
		usleep(CONNECT_GAP_US);
		cl[i].fd = client_connect(ep, host, port, i);
	}
	while (done < nconn && now() < deadline) {
		int n = epoll_wait(ep, events, 64, 1000);

		for (int k = 0; k < n; k++) {
			struct client *c = &cl[events[k].data.u32];
			uint64_t total = bytes + 1;	/* the 'E' first */
			ssize_t r;

			if (c->bad || c->got == bytes)
				continue;
			if ((events[k].events & EPOLLOUT) && c->sent < total) {
				size_t len = 0;

				for (; len < sizeof(buf) && c->sent + len < total; len++)
					buf[len] = c->sent + len ? pattern(events[k].data.u32,
									   c->sent + len - 1) : 'E';
				r = write(c->fd, buf, len);
				if (r > 0)
					c->sent += r;
				if (c->sent == total) {
					ev = (struct epoll_event){ .events = EPOLLIN,
								   .data.u32 = events[k].data.u32 };
					epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
				}
			}
			r = read(c->fd, buf, sizeof(buf));
			if (r > 0) {
				for (ssize_t j = 0; j < r && !c->bad; j++)
					if (buf[j] != pattern(events[k].data.u32, c->got + j)) {
						c->bad = 1;
						report_bad(events[k].data.u32, c, c->got + j,
							   "wrong byte");
					}
				c->got += r;
			} else if (r < 0 && errno == ECONNRESET && !c->got && c->retried < RECONNECTS) {
				/* Reset before any reply: over slirp, the host's own
				 * listen queue overflowed (slirp's forward listens with a
				 * backlog of 1 and the kernel falls back to SYN cookies;
				 * a cookie that fails to validate resets the connection,
				 * see TcpExtSyncookiesFailed): the guest never saw it.
				 * Again, said, once the queue has had time to drain:
				 * several resets come in a burst. */
				int retried = c->retried + 1;

				report_bad(events[k].data.u32, c, 0, "reset before any reply, reconnected");
				epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
				close(c->fd);
				usleep(CONNECT_GAP_US << retried);
				*c = (struct client){ .retried = retried };
				c->fd = client_connect(ep, host, port, events[k].data.u32);
				continue;
			} else if (r == 0 || errno != EAGAIN) {
				c->bad = 1;
				report_bad(events[k].data.u32, c, c->got,
					   r == 0 ? "end of stream" : strerror(errno));
			}
			if (c->bad || c->got == bytes) {
				done++;
				good += !c->bad;
				epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
			}
		}
	}
	for (int i = 0; i < nconn; i++)
		close(cl[i].fd);
	free(cl);
	close(ep);
	return good;
}

static void more_fds(int n)
{
	struct rlimit rl;

	getrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur < (rlim_t)n + 64) {
		rl.rlim_cur = rl.rlim_max < (rlim_t)n + 64 ? rl.rlim_max : (rlim_t)n + 64;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int client(const char *host, int port, int nconn, uint64_t bytes)
{
	double t0 = now();
	int good;

	more_fds(nconn);
	good = echo_all(host, port, nconn, bytes);
	check(good == nconn, "every connection echoed its bytes unchanged",
	      "%d of %d connections verified", good, nconn);
	printf("net_epoll: %d connections x %llu bytes in %.2f s\n", nconn,
	       (unsigned long long)bytes, now() - t0);
	return checks_done();
}

static int vanish(const char *host, int port, int nconn, uint64_t bytes)
{
	struct linger reset = { .l_onoff = 1, .l_linger = 0 };
	static unsigned char buf[IO_CHUNK];

	more_fds(nconn);
	buf[0] = 'E';
	for (int i = 0; i < nconn; i++) {
		int fd = connect_to(host, port, 1);
		uint64_t sent = 0;

		while (sent < bytes / 2) {
			ssize_t n = write(fd, buf, bytes / 2 - sent < sizeof(buf) ?
					  bytes / 2 - sent : sizeof(buf));
			if (n <= 0)
				break;
			sent += n;
		}
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
		close(fd);
	}
	for (int i = 0; i < nconn; i++) {
		int fd = connect_to(host, port, 0);

		setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
		close(fd);
	}
	printf("net_epoll: %d clients vanished halfway, %d connects reset\n", nconn, nconn);
	return 0;
}

static int send_all(int fd, const void *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n <= 0)
			return -1;
		p = (const char *)p + n;
		len -= n;
	}
	return 0;
}

static int bulk(const char *host, int port, uint64_t bytes, int to_server)
{
	static char buf[IO_CHUNK];
	char head[32], reply[32] = "";
	int fd = connect_to(host, port, 1);
	uint64_t moved = 0;
	double t0 = now(), t;
	ssize_t n;

	if (to_server) {
		send_all(fd, "R", 1);
		while (moved < bytes) {
			n = write(fd, buf, bytes - moved < sizeof(buf) ? bytes - moved : sizeof(buf));
			if (n <= 0)
				break;
			moved += n;
		}
		shutdown(fd, SHUT_WR);
		n = read(fd, reply, sizeof(reply) - 1);
		moved = n > 0 ? strtoull(reply, NULL, 10) : 0;
	} else {
		snprintf(head, sizeof(head), "S%llu\n", (unsigned long long)bytes);
		send_all(fd, head, strlen(head));
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			moved += n;
	}
	t = now() - t0;
	close(fd);
	check(moved == bytes, to_server ? "send" : "recv", "%llu of %llu bytes",
	      (unsigned long long)moved, (unsigned long long)bytes);
	printf("net_epoll: %s %llu bytes in %.3f s: %.1f MB/s\n", to_server ? "sent" : "received",
	       (unsigned long long)moved, t, moved / t / 1e6);
	return checks_done();
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int rtt(const char *host, int port, int rounds)
{
	static double us[RTT_MAX_ROUNDS];
	int fd = connect_to(host, port, 1), i;
	char c = 'E';

	if (rounds < 1 || rounds > RTT_MAX_ROUNDS)
		rounds = RTT_MAX_ROUNDS;
	send_all(fd, &c, 1);
	for (i = 0; i < rounds; i++) {
		double t0 = now();

		c = 'x';
		if (send_all(fd, &c, 1) < 0 || read(fd, &c, 1) != 1 || c != 'x')
			break;
		us[i] = (now() - t0) * 1e6;
	}
	close(fd);
	check(i == rounds, "rtt", "%d of %d rounds", i, rounds);
	if (i) {
		qsort(us, i, sizeof(us[0]), cmp_double);
		printf("net_epoll: rtt median %.1f us over %d rounds\n", us[i / 2], i);
	}
	return checks_done();
}

static int quit(const char *host, int port)
{
	int fd = connect_to(host, port, 1);

	send_all(fd, "Q", 1);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	if (!strcmp(mode, "serve") && argc == 3)
		return serve(atoi(argv[2]));
	if (!strcmp(mode, "udp") && argc == 3)
		return udp_echo(atoi(argv[2]));
	if (!strcmp(mode, "client") && argc == 6)
		return client(argv[2], atoi(argv[3]), atoi(argv[4]), strtoull(argv[5], NULL, 10));
	if (!strcmp(mode, "vanish") && argc == 6)
		return vanish(argv[2], atoi(argv[3]), atoi(argv[4]), strtoull(argv[5], NULL, 10));
	if ((!strcmp(mode, "send") || !strcmp(mode, "recv")) && argc == 5)
		return bulk(argv[2], atoi(argv[3]), strtoull(argv[4], NULL, 10), mode[0] == 's');
	if (!strcmp(mode, "rtt") && argc == 5)
		return rtt(argv[2], atoi(argv[3]), atoi(argv[4]));
	if (!strcmp(mode, "quit") && argc == 4)
		return quit(argv[2], atoi(argv[3]));
	printf("usage: net_epoll serve PORT | client HOST PORT CONNS BYTES | vanish HOST PORT "
	       "CONNS BYTES | send|recv HOST PORT BYTES | rtt HOST PORT ROUNDS | quit HOST PORT | "
	       "udp PORT\n");
	return 2;
}
