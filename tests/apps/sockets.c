/* TCP and UDP over the loopback (127.0.0.1 and ::1): echo between
 * threads and across fork, the addresses, MSG_PEEK, shutdown and end of
 * stream, readiness in poll and epoll, a refused non-blocking connect, an
 * IPv6 listener taking an IPv4 client, vectored and batched messages,
 * 1000 connections at once, timeouts, EADDRINUSE, sendfile to a socket,
 * SIGPIPE, SA_RESTART, and the calls' argument checks. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
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
#define BAD_PTR ((void *)16)
#define MANY_CONNS 1000	/* never mapped: below mmap_min_addr */

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
	long long start;
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
	close(c);
	/* The peer's FIN may come a moment after its close returns. */
	start = now_ms();
	do
		n = epoll_wait(ep, out, 4, WAIT_MS);
	while (n == 1 && !(out[0].events & EPOLLRDHUP) && now_ms() - start < WAIT_MS);
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

/* sendmsg and recvmsg with vectors and names; sendmmsg and recvmmsg. */
static void check_msgs(void)
{
	struct sockaddr_in a = loop4(0), from;
	socklen_t len = sizeof(a);
	int x = socket(AF_INET, SOCK_DGRAM, 0), y = socket(AF_INET, SOCK_DGRAM, 0);
	char p1[] = "head-", p2[] = "tail", r1[3], r2[16] = { 0 };
	struct iovec out[2] = { { p1, 5 }, { p2, 4 } }, in[2] = { { r1, 3 }, { r2, 16 } };
	struct msghdr m = { .msg_name = &a, .msg_namelen = sizeof(a), .msg_iov = out,
			    .msg_iovlen = 2 };
	struct mmsghdr mm[3];
	struct iovec mv[3], rv[3];
	char mbuf[3][8];
	ssize_t n;

	bind(x, (struct sockaddr *)&a, sizeof(a));
	getsockname(x, (struct sockaddr *)&a, &len);
	check(sendmsg(y, &m, 0) == 9, "sendmsg gathers two buffers", "%s", strerror(errno));
	wait_fd(x, POLLIN);
	m = (struct msghdr){ .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = in,
			     .msg_iovlen = 2 };
	n = recvmsg(x, &m, 0);
	check(n == 9 && !memcmp(r1, "hea", 3) && !memcmp(r2, "d-tail", 6) &&
	      m.msg_namelen == sizeof(from) && from.sin_family == AF_INET && !m.msg_flags &&
	      !m.msg_controllen, "recvmsg scatters and names the sender", "n %zd flags %#x", n,
	      m.msg_flags);
	for (int i = 0; i < 3; i++) {
		snprintf(mbuf[i], sizeof(mbuf[i]), "mm%d", i);
		mv[i] = (struct iovec){ mbuf[i], 4 };
		mm[i] = (struct mmsghdr){ .msg_hdr = { .msg_name = &a, .msg_namelen = sizeof(a),
						       .msg_iov = &mv[i], .msg_iovlen = 1 } };
	}
	check(sendmmsg(y, mm, 3, 0) == 3 && mm[0].msg_len == 4 && mm[2].msg_len == 4,
	      "sendmmsg sends three", "%s", strerror(errno));
	for (int i = 0; i < 3; i++) {
		memset(mbuf[i], 0, sizeof(mbuf[i]));
		rv[i] = (struct iovec){ mbuf[i], sizeof(mbuf[i]) };
		mm[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &rv[i], .msg_iovlen = 1 } };
	}
	wait_fd(x, POLLIN);
	n = 0;
	for (long long start = now_ms(); n < 3 && now_ms() - start < WAIT_MS;) {
		int got = recvmmsg(x, mm + n, (unsigned)(3 - n), MSG_WAITFORONE, NULL);

		if (got > 0)
			n += got;
	}
	check(n == 3 && !strcmp(mbuf[0], "mm0") && !strcmp(mbuf[2], "mm2") &&
	      mm[1].msg_len == 4, "recvmmsg receives them in order", "n %zd", n);
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

static int get_int(int s, int level, int name)
{
	int v = -1;
	socklen_t len = sizeof(v);

	return getsockopt(s, level, name, &v, &len) == 0 && len == sizeof(v) ? v : -1;
}

static void check_options(void)
{
	int t = socket(AF_INET, SOCK_STREAM, 0), u = socket(AF_INET, SOCK_DGRAM, 0);
	int six = socket(AF_INET6, SOCK_STREAM, 0), on = 1, v = 65536, idle = 30;
	struct linger lg = { 1, 5 }, got = { 0, 0 };
	socklen_t len = sizeof(got);

	check(setsockopt(t, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == 0 &&
	      get_int(t, SOL_SOCKET, SO_REUSEADDR) == 1, "SO_REUSEADDR", "%s", strerror(errno));
	check(setsockopt(t, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) == 0 &&
	      get_int(t, SOL_SOCKET, SO_REUSEPORT) == 1, "SO_REUSEPORT", "%s", strerror(errno));
	check(setsockopt(t, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)) == 0 &&
	      get_int(t, SOL_SOCKET, SO_RCVBUF) == 2 * v, "SO_RCVBUF reads back doubled", "%d",
	      get_int(t, SOL_SOCKET, SO_RCVBUF));
	check(setsockopt(t, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)) == 0 &&
	      get_int(t, SOL_SOCKET, SO_SNDBUF) == 2 * v, "SO_SNDBUF reads back doubled", "%d",
	      get_int(t, SOL_SOCKET, SO_SNDBUF));
	check(setsockopt(t, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) == 0 &&
	      getsockopt(t, SOL_SOCKET, SO_LINGER, &got, &len) == 0 && len == sizeof(got) &&
	      got.l_onoff && got.l_linger == 5, "SO_LINGER", "%s", strerror(errno));
	check(setsockopt(t, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle)) == 0 &&
	      get_int(t, IPPROTO_TCP, TCP_KEEPIDLE) == idle, "TCP_KEEPIDLE", "%s", strerror(errno));
	check(get_int(t, SOL_SOCKET, SO_ERROR) == 0 && get_int(t, SOL_SOCKET, SO_ACCEPTCONN) == 0,
	      "SO_ERROR and SO_ACCEPTCONN of a new socket", "%s", strerror(errno));
	check(setsockopt(u, SOL_SOCKET, SO_BROADCAST, &on, sizeof(on)) == 0 &&
	      get_int(u, SOL_SOCKET, SO_BROADCAST) == 1 && get_int(u, SOL_SOCKET, SO_TYPE) ==
	      SOCK_DGRAM && get_int(u, SOL_SOCKET, SO_PROTOCOL) == IPPROTO_UDP, "SO_BROADCAST",
	      "%s", strerror(errno));
	check(setsockopt(six, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) == 0 &&
	      get_int(six, IPPROTO_IPV6, IPV6_V6ONLY) == 1, "IPV6_V6ONLY set", "%s",
	      strerror(errno));
	check(setsockopt(t, SOL_SOCKET, SO_KEEPALIVE, &on, 2) < 0 && errno == EINVAL,
	      "an int option with 2 bytes: EINVAL", "%s", strerror(errno));
	check(getsockopt(t, SOL_SOCKET, 999, &v, &len) < 0 && errno == ENOPROTOOPT,
	      "an unknown option: ENOPROTOOPT", "%s", strerror(errno));
	close(t);
	close(u);
	close(six);
}

/* listen on an unbound socket takes a port of its own. */
static void check_autobind(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int l = socket(AF_INET, SOCK_STREAM, 0), c, s;

	check(listen(l, 4) == 0 && getsockname(l, (struct sockaddr *)&a, &len) == 0 &&
	      a.sin_port != 0 && a.sin_addr.s_addr == 0, "listen without bind takes a port",
	      "port %d: %s", ntohs(a.sin_port), strerror(errno));
	c = connect4(ntohs(a.sin_port));
	s = accept(l, NULL, NULL);
	check(c >= 0 && s >= 0, "and accepts on it", "%s", strerror(errno));
	close(c);
	close(s);
	close(l);
}

/* A non-blocking connect that succeeds: writable, SO_ERROR 0, a peer. */
static void check_nonblocking_connect(void)
{
	uint16_t port;
	int l = listener4(&port), c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), s, r;
	struct sockaddr_in a = loop4(port), peer;
	socklen_t len = sizeof(peer);
	char buf[4];

	r = connect(c, (struct sockaddr *)&a, sizeof(a));
	check(r == 0 || errno == EINPROGRESS, "non-blocking connect starts", "%s", strerror(errno));
	r = wait_fd(c, POLLOUT);
	check(r & POLLOUT, "it becomes writable", "revents %#x", r);
	check(get_int(c, SOL_SOCKET, SO_ERROR) == 0 &&
	      getpeername(c, (struct sockaddr *)&peer, &len) == 0 && peer.sin_port == a.sin_port,
	      "SO_ERROR 0 and a peer", "%s", strerror(errno));
	s = accept(l, NULL, NULL);
	check(send(c, "nb", 2, 0) == 2 && recv(s, buf, sizeof(buf), 0) == 2,
	      "data over the non-blocking connection", "%s", strerror(errno));
	check(recv(c, buf, sizeof(buf), 0) < 0 && errno == EAGAIN,
	      "a non-blocking socket with nothing to read: EAGAIN", "%s", strerror(errno));
	close(s);
	close(c);
	close(l);
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

static volatile sig_atomic_t sigusr1s;

static void on_sigusr1(int sig)
{
	(void)sig;
	sigusr1s++;
}

struct interrupter {
	pthread_t target;
	int fd;			/* sends a byte here after the signal */
};

static void *interrupt_thread(void *arg)
{
	struct interrupter *in = arg;
	struct timespec pause = { 0, 100 * 1000 * 1000 };

	nanosleep(&pause, NULL);
	pthread_kill(in->target, SIGUSR1);
	nanosleep(&pause, NULL);
	if (in->fd >= 0)
		send(in->fd, "r", 1, 0);
	return NULL;
}

/* A blocking recv a signal interrupts: restarted under SA_RESTART (it
 * then gets the byte sent after the signal), EINTR when the socket has a
 * receive timeout, as Linux's sock_intr_errno. */
static void check_restart(void)
{
	struct sigaction sa = { .sa_handler = on_sigusr1, .sa_flags = SA_RESTART };
	struct timeval tv = { 5, 0 };
	struct interrupter in = { .target = pthread_self() };
	pthread_t t;
	int c, s;
	char buf[4];
	ssize_t n;

	if (!check(pair4(&c, &s) == 0, "tcp pair", "%s", strerror(errno)))
		return;
	sigaction(SIGUSR1, &sa, NULL);
	in.fd = c;
	pthread_create(&t, NULL, interrupt_thread, &in);
	n = recv(s, buf, sizeof(buf), 0);
	pthread_join(t, NULL);
	check(n == 1 && buf[0] == 'r' && sigusr1s == 1, "SA_RESTART restarts a blocking recv",
	      "n %zd, %d signals, %s", n, (int)sigusr1s, strerror(errno));
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	in.fd = -1;
	pthread_create(&t, NULL, interrupt_thread, &in);
	n = recv(s, buf, sizeof(buf), 0);
	pthread_join(t, NULL);
	check(n < 0 && errno == EINTR && sigusr1s == 2,
	      "a recv under SO_RCVTIMEO gives EINTR despite SA_RESTART", "n %zd, %d signals, %s",
	      n, (int)sigusr1s, strerror(errno));
	signal(SIGUSR1, SIG_DFL);
	close(c);
	close(s);
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

/* Many connections held at once: a child opens them all, each sending
 * its number; the parent accepts them all and reads every number. */
static void check_many(void)
{
	uint16_t port;
	int l = listener4(&port), status = -1, seen = 0, bad = 0;
	static int accepted[MANY_CONNS];
	pid_t pid;

	if (!check(l >= 0 && listen(l, MANY_CONNS) == 0, "listener for many connections", "%s",
		   strerror(errno)))
		return;
	pid = fork();
	if (pid == 0) {
		static int conns[MANY_CONNS];
		char go;

		for (int i = 0; i < MANY_CONNS; i++) {
			conns[i] = connect4(port);
			if (conns[i] < 0 || write(conns[i], &i, sizeof(i)) != sizeof(i))
				_exit(1);
		}
		/* Held open until the parent has them all and answers. */
		_exit(read(conns[0], &go, 1) == 1 ? 0 : 2);
	}
	for (int i = 0; i < MANY_CONNS; i++) {
		int n = -1;

		accepted[i] = accept(l, NULL, NULL);
		if (accepted[i] < 0)
			break;
		if (read_all(accepted[i], (unsigned char *)&n, sizeof(n)) != sizeof(n) ||
		    n < 0 || n >= MANY_CONNS)
			bad++;
		seen++;
	}
	/* The child's first connection is told to end. */
	if (seen && write(accepted[0], "g", 1) != 1)
		bad++;
	waitpid(pid, &status, 0);
	check(seen == MANY_CONNS && !bad && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "1000 connections held at once", "%d accepted, %d bad, child %#x: %s", seen, bad,
	      status, strerror(errno));
	for (int i = 0; i < seen; i++)
		close(accepted[i]);
	close(l);
}

/* A read into memory the program does not have fails with EFAULT and
 * leaves the data for the next read. */
static void check_read_fault(void)
{
	uint16_t port;
	int l = listener4(&port), c = connect4(port), a = accept(l, NULL, NULL);
	char buf[8] = { 0 };

	check(write(c, "abcdef", 6) == 6, "write 6 bytes", "%s", strerror(errno));
	wait_fd(a, POLLIN);
	check(syscall(SYS_read, a, BAD_PTR, 6) < 0 && errno == EFAULT,
	      "read into a bad buffer: EFAULT", "%s", strerror(errno));
	check(read(a, buf, sizeof(buf)) == 6 && !memcmp(buf, "abcdef", 6),
	      "the data still there after the fault", "%.6s: %s", buf, strerror(errno));
	close(a);
	close(c);
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
	check_msgs();
	check_refused();
	check_options();
	check_nonblocking_connect();
	check_autobind();
	check_v6();
	check_timeouts_and_errors();
	check_sigpipe();
	check_restart();
	check_sendfile();
	check_fork();
	check_many();
	check_flags();
	check_arguments();
	check_read_fault();
	return checks_done();
}
