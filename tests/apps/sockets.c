/* TCP and UDP over the loopback (127.0.0.1 and ::1): echo between
 * threads and across fork, the addresses, MSG_PEEK, shutdown and end of
 * stream, readiness in poll and epoll, a refused non-blocking connect, an
 * IPv6 listener taking an IPv4 client, timeouts, EADDRINUSE, sendfile to a
 * socket, SIGPIPE, and the calls' argument checks. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

#define ECHO_BYTES (256 * 1024)
#define FILE_BYTES (100 * 1000)
#define WAIT_MS 5000
#define TIMEO_MS 100
#define TIMEO_MIN_MS 90
#define TIMEO_MAX_MS 3000
#define BAD_PTR ((void *)16)	/* never mapped: below mmap_min_addr */

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static struct sockaddr_in loop4(uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

/* A TCP listener on 127.0.0.1 at a port the system picks; *port gets it. */
static int listener4(uint16_t *port)
{
	struct sockaddr_in a = loop4(0);
	socklen_t len = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM, 0);

	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s, 16) < 0 ||
	    getsockname(s, (struct sockaddr *)&a, &len) < 0) {
		printf("listener: %s\n", strerror(errno));
		return -1;
	}
	*port = ntohs(a.sin_port);
	return s;
}

static int connect4(uint16_t port)
{
	struct sockaddr_in a = loop4(port);
	int s = socket(AF_INET, SOCK_STREAM, 0);

	if (s >= 0 && connect(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(s);
		return -1;
	}
	return s;
}

static int wait_fd(int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };

	return poll(&p, 1, WAIT_MS) == 1 ? p.revents : 0;
}

/* Reads exactly n bytes (or to the end): how many came. */
static size_t read_all(int fd, unsigned char *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);

		if (r <= 0)
			break;
		got += (size_t)r;
	}
	return got;
}

static void *echo_thread(void *arg)
{
	int s = accept(*(int *)arg, NULL, NULL);
	unsigned char buf[8192];
	ssize_t r;

	while ((r = read(s, buf, sizeof(buf))) > 0)
		if (write(s, buf, (size_t)r) != r)
			break;
	close(s);
	return NULL;
}

static void *writer_thread(void *arg)
{
	const unsigned char *data = arg;
	int s = *(const int *)(data + ECHO_BYTES);
	size_t done = 0;

	while (done < ECHO_BYTES) {
		ssize_t w = write(s, data + done, ECHO_BYTES - done > 10000 ? 10000 : ECHO_BYTES - done);

		if (w <= 0)
			break;
		done += (size_t)w;
	}
	shutdown(s, SHUT_WR);
	return NULL;
}

static void check_echo(void)
{
	uint16_t port;
	int l = listener4(&port), c;
	pthread_t server, writer;
	unsigned char *out = malloc(ECHO_BYTES + sizeof(int)), *in = malloc(ECHO_BYTES);
	size_t got;

	if (!check(l >= 0 && out && in, "tcp listener on 127.0.0.1", "%s", strerror(errno)))
		return;
	pthread_create(&server, NULL, echo_thread, &l);
	c = connect4(port);
	if (!check(c >= 0, "tcp connect to 127.0.0.1", "%s", strerror(errno)))
		return;
	for (size_t i = 0; i < ECHO_BYTES; i++)
		out[i] = (unsigned char)(i * 7 + i / 251);
	memcpy(out + ECHO_BYTES, &c, sizeof(c));
	pthread_create(&writer, NULL, writer_thread, out);
	got = read_all(c, in, ECHO_BYTES);
	check(got == ECHO_BYTES && !memcmp(in, out, ECHO_BYTES), "tcp echo of 256 KiB",
	      "got %zu bytes, %s", got, got == ECHO_BYTES ? "different" : "short");
	check(read(c, in, 1) == 0, "tcp end of stream after the echo", "%s", strerror(errno));
	pthread_join(writer, NULL);
	pthread_join(server, NULL);
	close(c);
	close(l);
	free(out);
	free(in);
}

/* A connected pair over 127.0.0.1: *a the client, *b the server's. */
static int pair4(int *a, int *b)
{
	uint16_t port;
	int l = listener4(&port);

	if (l < 0)
		return -1;
	*a = connect4(port);
	*b = accept(l, NULL, NULL);
	close(l);
	return *a >= 0 && *b >= 0 ? 0 : -1;
}

static void check_names(void)
{
	uint16_t port;
	int l = listener4(&port), c, s;
	struct sockaddr_in mine, peer, theirs, acc;
	socklen_t len = sizeof(mine), plen = sizeof(peer), tlen = sizeof(theirs),
		  alen = sizeof(acc);

	c = connect4(port);
	s = accept(l, (struct sockaddr *)&acc, &alen);
	if (!check(c >= 0 && s >= 0, "accept with the peer's address", "%s", strerror(errno)))
		return;
	getsockname(c, (struct sockaddr *)&mine, &len);
	getpeername(c, (struct sockaddr *)&peer, &plen);
	getpeername(s, (struct sockaddr *)&theirs, &tlen);
	check(len == sizeof(mine) && mine.sin_family == AF_INET && mine.sin_port != 0 &&
	      mine.sin_addr.s_addr == htonl(INADDR_LOOPBACK), "getsockname of a client",
	      "len %u family %d", len, mine.sin_family);
	check(plen == sizeof(peer) && ntohs(peer.sin_port) == port &&
	      peer.sin_addr.s_addr == htonl(INADDR_LOOPBACK), "getpeername of a client",
	      "port %d", ntohs(peer.sin_port));
	check(tlen == sizeof(theirs) && theirs.sin_port == mine.sin_port &&
	      alen == sizeof(acc) && acc.sin_port == mine.sin_port,
	      "getpeername and accept name the client", "ports %d %d %d",
	      ntohs(theirs.sin_port), ntohs(acc.sin_port), ntohs(mine.sin_port));
	plen = sizeof(peer);
	check(getpeername(l, (struct sockaddr *)&peer, &plen) < 0 && errno == ENOTCONN,
	      "getpeername of a listener: ENOTCONN", "%s", strerror(errno));
	/* A short buffer gets part of the address, the length its whole size. */
	plen = 4;
	memset(&peer, 0, sizeof(peer));
	check(getsockname(c, (struct sockaddr *)&peer, &plen) == 0 && plen == sizeof(peer) &&
	      peer.sin_family == AF_INET && peer.sin_addr.s_addr == 0,
	      "getsockname into a short buffer", "len %u", plen);
	close(c);
	close(s);
	close(l);
}

static void check_peek_shutdown(void)
{
	int c, s, n;
	char buf[16] = { 0 };
	struct pollfd p;

	if (!check(pair4(&c, &s) == 0, "tcp pair", "%s", strerror(errno)))
		return;
	check(send(c, "hello", 5, 0) == 5, "send 5 bytes", "%s", strerror(errno));
	wait_fd(s, POLLIN);
	check(ioctl(s, FIONREAD, &n) == 0 && n == 5, "FIONREAD on a socket", "%d", n);
	check(recv(s, buf, sizeof(buf), MSG_PEEK) == 5 && !memcmp(buf, "hello", 5),
	      "MSG_PEEK", "%s", strerror(errno));
	memset(buf, 0, sizeof(buf));
	check(recv(s, buf, 3, 0) == 3 && !memcmp(buf, "hel", 3) &&
	      recv(s, buf, sizeof(buf), 0) == 2 && !memcmp(buf, "lo", 2),
	      "the peeked data is read again", "%s", strerror(errno));
	check(recv(s, buf, sizeof(buf), MSG_DONTWAIT) < 0 && errno == EAGAIN,
	      "MSG_DONTWAIT with nothing there: EAGAIN", "%s", strerror(errno));
	p = (struct pollfd){ .fd = s, .events = POLLIN | POLLRDHUP };
	check(poll(&p, 1, 0) == 0, "poll: nothing to read yet", "revents %#x", p.revents);
	check(shutdown(c, SHUT_WR) == 0, "shutdown SHUT_WR", "%s", strerror(errno));
	p.revents = 0;
	check(poll(&p, 1, WAIT_MS) == 1 && (p.revents & POLLIN) && (p.revents & POLLRDHUP) &&
	      !(p.revents & POLLHUP), "poll: POLLIN and POLLRDHUP after the peer's shutdown",
	      "revents %#x", p.revents);
	check(recv(s, buf, sizeof(buf), 0) == 0 && recv(s, buf, sizeof(buf), 0) == 0,
	      "end of stream, and again", "%s", strerror(errno));
	check(send(s, "back", 4, 0) == 4 && recv(c, buf, sizeof(buf), 0) == 4,
	      "the other direction still works", "%s", strerror(errno));
	close(c);
	close(s);
}

static void check_epoll(void)
{
	int c, s, ep = epoll_create1(0), n;
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP | EPOLLET, .data.u32 = 7 }, out[4];

	if (!check(pair4(&c, &s) == 0 && ep >= 0, "tcp pair and epoll", "%s", strerror(errno)))
		return;
	check(epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev) == 0, "epoll_ctl ADD a socket", "%s",
	      strerror(errno));
	n = epoll_wait(ep, out, 4, 0);
	check(n == 0, "epoll: nothing yet", "n %d", n);
	send(c, "x", 1, 0);
	n = epoll_wait(ep, out, 4, WAIT_MS);
	check(n == 1 && out[0].data.u32 == 7 && (out[0].events & EPOLLIN) &&
	      !(out[0].events & EPOLLRDHUP), "epoll: EPOLLIN on data", "n %d events %#x", n,
	      n > 0 ? out[0].events : 0);
	n = epoll_wait(ep, out, 4, 0);
	check(n == 0, "epoll: EPOLLET reports it once", "n %d", n);
	close(c);
	n = epoll_wait(ep, out, 4, WAIT_MS);
	check(n == 1 && (out[0].events & EPOLLRDHUP) && (out[0].events & EPOLLIN),
	      "epoll: EPOLLRDHUP when the peer closes", "n %d events %#x", n,
	      n > 0 ? out[0].events : 0);
	close(s);
	close(ep);
}

static void check_udp(void)
{
	struct sockaddr_in a = loop4(0), b = loop4(0), from;
	socklen_t len = sizeof(a), flen = sizeof(from);
	int x = socket(AF_INET, SOCK_DGRAM, 0), y = socket(AF_INET, SOCK_DGRAM, 0);
	char buf[64] = { 0 };
	ssize_t n;

	bind(x, (struct sockaddr *)&a, sizeof(a));
	getsockname(x, (struct sockaddr *)&a, &len);
	bind(y, (struct sockaddr *)&b, sizeof(b));
	len = sizeof(b);
	getsockname(y, (struct sockaddr *)&b, &len);
	check(sendto(y, "datagram", 8, 0, (struct sockaddr *)&a, sizeof(a)) == 8, "udp sendto",
	      "%s", strerror(errno));
	wait_fd(x, POLLIN);
	n = recvfrom(x, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);
	check(n == 8 && !memcmp(buf, "datagram", 8) && flen == sizeof(from) &&
	      from.sin_port == b.sin_port && from.sin_addr.s_addr == htonl(INADDR_LOOPBACK),
	      "udp recvfrom names the sender", "n %zd port %d", n, ntohs(from.sin_port));
	check(connect(y, (struct sockaddr *)&a, sizeof(a)) == 0 && send(y, "0123456789", 10, 0) == 10,
	      "udp connect and send", "%s", strerror(errno));
	wait_fd(x, POLLIN);
	n = recv(x, buf, 4, MSG_TRUNC);
	check(n == 10 && !memcmp(buf, "0123", 4), "udp MSG_TRUNC gives the whole length",
	      "n %zd", n);
	check(recv(x, buf, sizeof(buf), MSG_DONTWAIT) < 0 && errno == EAGAIN,
	      "udp: the rest of a datagram is gone", "%s", strerror(errno));
	close(x);
	close(y);
}

static void check_refused(void)
{
	struct sockaddr_in a = loop4(0);
	socklen_t len = sizeof(a);
	int t = socket(AF_INET, SOCK_STREAM, 0), c, r, err = 0;
	struct pollfd p;

	/* A port that was just free: bound, then closed without listening. */
	bind(t, (struct sockaddr *)&a, sizeof(a));
	getsockname(t, (struct sockaddr *)&a, &len);
	close(t);
	c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	r = connect(c, (struct sockaddr *)&a, sizeof(a));
	if (r < 0 && errno == EINPROGRESS) {
		p = (struct pollfd){ .fd = c, .events = POLLOUT };
		poll(&p, 1, WAIT_MS);
		len = sizeof(err);
		getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len);
		check(err == ECONNREFUSED && (p.revents & (POLLERR | POLLHUP)),
		      "non-blocking connect to a closed port: ECONNREFUSED",
		      "SO_ERROR %d revents %#x", err, p.revents);
		len = sizeof(err);
		getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len);
		check(err == 0, "SO_ERROR is cleared once read", "%d", err);
	} else {
		check(r < 0 && errno == ECONNREFUSED,
		      "non-blocking connect to a closed port: ECONNREFUSED", "%s", strerror(errno));
		check(1, "SO_ERROR is cleared once read", "%s", "(refused at once)");
	}
	close(c);
	c = socket(AF_INET, SOCK_STREAM, 0);
	check(connect(c, (struct sockaddr *)&a, sizeof(a)) < 0 && errno == ECONNREFUSED,
	      "blocking connect to a closed port: ECONNREFUSED", "%s", strerror(errno));
	close(c);
}

static void check_v6(void)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_ANY_INIT }, peer;
	socklen_t len = sizeof(a), plen = sizeof(peer);
	int l = socket(AF_INET6, SOCK_STREAM, 0), c, s, off = 0, v = -1;
	char text[INET6_ADDRSTRLEN] = "";
	struct sockaddr_in6 lo = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	char buf[8];

	len = sizeof(v);
	check(getsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &v, &len) == 0 && v == 0,
	      "IPV6_V6ONLY is off by default", "%d", v);
	setsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
	len = sizeof(a);
	if (!check(bind(l, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(l, 4) == 0 &&
		   getsockname(l, (struct sockaddr *)&a, &len) == 0, "tcp listener on [::]",
		   "%s", strerror(errno)))
		return;
	c = connect4(ntohs(a.sin6_port));
	s = accept(l, (struct sockaddr *)&peer, &plen);
	if (s >= 0)
		inet_ntop(AF_INET6, &peer.sin6_addr, text, sizeof(text));
	check(c >= 0 && s >= 0 && plen == sizeof(peer) && peer.sin6_family == AF_INET6 &&
	      !strcmp(text, "::ffff:127.0.0.1"), "an IPv6 listener accepts an IPv4 client",
	      "%s, peer %s", strerror(errno), text);
	check(send(c, "v4", 2, 0) == 2 && recv(s, buf, sizeof(buf), 0) == 2,
	      "data from the IPv4 client", "%s", strerror(errno));
	close(c);
	close(s);
	lo.sin6_port = a.sin6_port;
	c = socket(AF_INET6, SOCK_STREAM, 0);
	check(connect(c, (struct sockaddr *)&lo, sizeof(lo)) == 0, "tcp connect to [::1]", "%s",
	      strerror(errno));
	s = accept(l, NULL, NULL);
	check(send(s, "v6", 2, 0) == 2 && recv(c, buf, sizeof(buf), 0) == 2 && !memcmp(buf, "v6", 2),
	      "data over ::1", "%s", strerror(errno));
	close(c);
	close(s);
	close(l);
}

static void check_timeouts_and_errors(void)
{
	struct timeval tv = { 0, TIMEO_MS * 1000 }, got;
	socklen_t len = sizeof(got);
	int c, s, t, v;
	char buf[4];
	long long start, waited;
	uint16_t port;

	if (!check(pair4(&c, &s) == 0, "tcp pair", "%s", strerror(errno)))
		return;
	check(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0 &&
	      getsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &got, &len) == 0 && len == sizeof(got) &&
	      got.tv_sec == 0 && got.tv_usec == TIMEO_MS * 1000, "SO_RCVTIMEO set and read back",
	      "%s", strerror(errno));
	start = now_ms();
	t = (int)recv(s, buf, sizeof(buf), 0);
	waited = now_ms() - start;
	check(t < 0 && errno == EAGAIN && waited >= TIMEO_MIN_MS && waited < TIMEO_MAX_MS,
	      "SO_RCVTIMEO: EAGAIN after 100 ms", "%s after %lld ms", strerror(errno), waited);
	check(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, 8) < 0 && errno == EINVAL,
	      "SO_RCVTIMEO with a short length: EINVAL", "%s", strerror(errno));
	len = sizeof(v);
	check(getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &len) == 0 && v == SOCK_STREAM &&
	      getsockopt(s, SOL_SOCKET, SO_DOMAIN, &v, &len) == 0 && v == AF_INET &&
	      getsockopt(s, SOL_SOCKET, SO_PROTOCOL, &v, &len) == 0 && v == IPPROTO_TCP,
	      "SO_TYPE, SO_DOMAIN, SO_PROTOCOL", "%d", v);
	v = 1;
	check(setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &v, sizeof(v)) == 0 &&
	      setsockopt(c, SOL_SOCKET, SO_KEEPALIVE, &v, sizeof(v)) == 0 &&
	      getsockopt(c, SOL_SOCKET, SO_KEEPALIVE, &v, &len) == 0 && v == 1,
	      "TCP_NODELAY and SO_KEEPALIVE", "%s", strerror(errno));
	close(c);
	close(s);

	t = listener4(&port);
	{
		struct sockaddr_in a = loop4(port);
		int o = socket(AF_INET, SOCK_STREAM, 0);

		check(bind(o, (struct sockaddr *)&a, sizeof(a)) < 0 && errno == EADDRINUSE,
		      "bind to a port in use: EADDRINUSE", "%s", strerror(errno));
		close(o);
		len = sizeof(v);
		check(getsockopt(t, SOL_SOCKET, SO_ACCEPTCONN, &v, &len) == 0 && v == 1,
		      "SO_ACCEPTCONN of a listener", "%d", v);
	}
	close(t);
}

static volatile sig_atomic_t sigpipes;

static void on_sigpipe(int sig)
{
	(void)sig;
	sigpipes++;
}

static void check_sigpipe(void)
{
	int c, s;

	signal(SIGPIPE, on_sigpipe);
	if (!check(pair4(&c, &s) == 0, "tcp pair", "%s", strerror(errno)))
		return;
	shutdown(c, SHUT_WR);
	check(send(c, "x", 1, MSG_NOSIGNAL) < 0 && errno == EPIPE && sigpipes == 0,
	      "send after SHUT_WR with MSG_NOSIGNAL: EPIPE, no signal", "%s, %d signals",
	      strerror(errno), (int)sigpipes);
	check(write(c, "x", 1) < 0 && errno == EPIPE && sigpipes == 1,
	      "write after SHUT_WR: EPIPE and SIGPIPE", "%s, %d signals", strerror(errno),
	      (int)sigpipes);
	close(c);
	close(s);
	signal(SIGPIPE, SIG_DFL);
}

static void check_sendfile(void)
{
	char path[] = "/tmp/sockets-sendfile-XXXXXX";
	unsigned char *data = malloc(FILE_BYTES), *in = malloc(FILE_BYTES);
	int fd = mkstemp(path), c, s;
	off_t off = 0;
	ssize_t n;
	size_t got;

	if (!check(fd >= 0 && data && in && pair4(&c, &s) == 0, "a file and a tcp pair", "%s",
		   strerror(errno)))
		return;
	for (size_t i = 0; i < FILE_BYTES; i++)
		data[i] = (unsigned char)(i % 253);
	check(write(fd, data, FILE_BYTES) == FILE_BYTES, "write the file", "%s", strerror(errno));
	n = sendfile(c, fd, &off, FILE_BYTES);
	check(n == FILE_BYTES && off == FILE_BYTES, "sendfile from a file to a socket",
	      "%zd, offset %lld", n, (long long)off);
	shutdown(c, SHUT_WR);
	got = read_all(s, in, FILE_BYTES);
	check(got == FILE_BYTES && !memcmp(in, data, FILE_BYTES), "the socket carries the file",
	      "got %zu", got);
	close(c);
	close(s);
	close(fd);
	unlink(path);
	free(data);
	free(in);
}

static void check_fork(void)
{
	uint16_t port;
	int l = listener4(&port), s, status = -1;
	char buf[8] = { 0 };
	pid_t pid;

	pid = fork();
	if (pid == 0) {
		/* The child connects through the listener's port. */
		int c = connect4(port);

		_exit(c >= 0 && write(c, "child", 5) == 5 ? 0 : 1);
	}
	s = accept(l, NULL, NULL);
	check(s >= 0 && read_all(s, (unsigned char *)buf, 5) == 5 && !memcmp(buf, "child", 5),
	      "a forked child's connection", "%s", strerror(errno));
	waitpid(pid, &status, 0);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the child ended well", "%#x", status);
	close(s);
	close(l);
}

static void check_flags(void)
{
	int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), c, a;
	uint16_t port;
	int l = listener4(&port);

	check((fcntl(s, F_GETFL) & O_NONBLOCK) && (fcntl(s, F_GETFD) & FD_CLOEXEC),
	      "SOCK_NONBLOCK and SOCK_CLOEXEC", "%s", strerror(errno));
	close(s);
	fcntl(l, F_SETFL, O_NONBLOCK);
	check(accept(l, NULL, NULL) < 0 && errno == EAGAIN, "accept with none pending: EAGAIN",
	      "%s", strerror(errno));
	c = connect4(port);
	wait_fd(l, POLLIN);
	a = accept4(l, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	check(a >= 0 && (fcntl(a, F_GETFL) & O_NONBLOCK) && (fcntl(a, F_GETFD) & FD_CLOEXEC),
	      "accept4 with SOCK_NONBLOCK and SOCK_CLOEXEC", "%s", strerror(errno));
	check(syscall(SYS_accept4, l, NULL, NULL, 0x1234) < 0 && errno == EINVAL,
	      "accept4 bad flags: EINVAL",
	      "%s", strerror(errno));
	close(a);
	close(c);
	close(l);
}

/* The calls' own checks (the C libraries pass these through). */
static void check_arguments(void)
{
	struct sockaddr_in a = loop4(0);
	socklen_t len = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM, 0), p[2], v;

	check(socket(AF_INET, 99, 0) < 0 && errno == EINVAL, "socket with a bad type: EINVAL",
	      "%s", strerror(errno));
	check(socket(AF_INET, SOCK_STREAM, IPPROTO_UDP) < 0 && errno == EPROTONOSUPPORT,
	      "tcp with protocol udp: EPROTONOSUPPORT", "%s", strerror(errno));
	check(socket(AF_PACKET + 20, SOCK_STREAM, 0) < 0 && errno == EAFNOSUPPORT,
	      "socket of an unknown family: EAFNOSUPPORT", "%s", strerror(errno));
	check(bind(s, BAD_PTR, sizeof(a)) < 0 && errno == EFAULT, "bind with a bad address: EFAULT",
	      "%s", strerror(errno));
	check(bind(s, (struct sockaddr *)&a, 5) < 0 && errno == EINVAL,
	      "bind with a short address: EINVAL", "%s", strerror(errno));
	check(bind(s, (struct sockaddr *)&a, 4096) < 0 && errno == EINVAL,
	      "bind with a huge length: EINVAL", "%s", strerror(errno));
	check(getsockname(s, (struct sockaddr *)&a, BAD_PTR) < 0 && errno == EFAULT,
	      "getsockname with a bad length pointer: EFAULT", "%s", strerror(errno));
	len = (socklen_t)-1;
	check(getsockname(s, (struct sockaddr *)&a, &len) < 0 && errno == EINVAL,
	      "getsockname with a negative length: EINVAL", "%s", strerror(errno));
	len = (socklen_t)-1;
	check(getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &len) < 0 && errno == EINVAL,
	      "getsockopt with a negative length: EINVAL", "%s", strerror(errno));
	check(setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, BAD_PTR, sizeof(int)) < 0 && errno == EFAULT,
	      "setsockopt with a bad value: EFAULT", "%s", strerror(errno));
	check(listen(s, 1) == 0 && send(s, "x", 1, MSG_NOSIGNAL) < 0 && (errno == ENOTCONN ||
	      errno == EPIPE), "send on a listener fails", "%s", strerror(errno));
	check(shutdown(s, 7) < 0 && errno == EINVAL, "shutdown with a bad how: EINVAL", "%s",
	      strerror(errno));
	pipe(p);
	len = sizeof(a);
	check(getsockname(p[0], (struct sockaddr *)&a, &len) < 0 && errno == ENOTSOCK,
	      "getsockname of a pipe: ENOTSOCK", "%s", strerror(errno));
	check(connect(p[0], (struct sockaddr *)&a, sizeof(a)) < 0 && errno == ENOTSOCK,
	      "connect on a pipe: ENOTSOCK", "%s", strerror(errno));
	close(p[0]);
	close(p[1]);
	check(listen(p[0], 1) < 0 && errno == EBADF, "listen on a closed descriptor: EBADF", "%s",
	      strerror(errno));
	close(s);
}

int main(void)
{
	check_echo();
	check_names();
	check_peek_shutdown();
	check_epoll();
	check_udp();
	check_refused();
	check_v6();
	check_timeouts_and_errors();
	check_sigpipe();
	check_sendfile();
	check_fork();
	check_flags();
	check_arguments();
	return checks_done();
}
