/* AF_UNIX and AF_NETLINK: socketpairs of each type, a descriptor passed
 * with SCM_RIGHTS to a forked child, named and abstract servers, datagram
 * boundaries, shutdown and EOF, EPIPE and SIGPIPE, the errors of bind and
 * connect, non-blocking sockets, poll readiness, the names sockets give,
 * SO_PEERCRED; and getifaddrs()/if_nameindex() over netlink. Names carry
 * the pid, so that runs on one host do not meet. */
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "reap.h"

#define SECRET "passed through SCM_RIGHTS\n"
#define FILL_CHUNK 4096
#define PAUSE_US 20000
#define BULK_BYTES (1 << 20)
#define BULK_CHUNK 30000
#define TIMEOUT_MS 50
/* A timeout may end a little early by clock granularity; not by much. */
#define TIMEOUT_MIN_MS 45
#define TIMEOUT_MAX_MS 2000

static char dir[64];
static volatile sig_atomic_t sigpipes;

static void on_sigpipe(int sig)
{
	(void)sig;
	sigpipes++;
}

/* A path under the test's own directory, as an address. */
static socklen_t path_addr(struct sockaddr_un *a, const char *name)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	snprintf(a->sun_path, sizeof(a->sun_path), "%s/%s", dir, name);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(a->sun_path) + 1);
}

static socklen_t abstract_addr(struct sockaddr_un *a)
{
	int n;

	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	n = snprintf(a->sun_path + 1, sizeof(a->sun_path) - 1, "flint-unix-%d", (int)getpid());
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
}

static void check_pairs(void)
{
	int sv[2];
	char buf[64];
	struct iovec iov = { buf, 3 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	check(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair stream", "%s",
	      strerror(errno));
	check(write(sv[0], "hello", 5) == 5 && write(sv[0], " world", 6) == 6,
	      "stream writes", "%s", strerror(errno));
	check(read(sv[1], buf, 3) == 3 && !memcmp(buf, "hel", 3), "stream partial read", "%s", strerror(errno));
	check(recv(sv[1], buf, sizeof(buf), MSG_PEEK) == 8 && !memcmp(buf, "lo world", 8),
	      "stream peek spans writes", "%s", strerror(errno));
	check(read(sv[1], buf, sizeof(buf)) == 8, "stream rest in one read", "%s", strerror(errno));
	close(sv[0]);
	check(read(sv[1], buf, sizeof(buf)) == 0, "stream EOF after peer close", "%s", strerror(errno));
	close(sv[1]);

	check(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0, "socketpair dgram", "%s",
	      strerror(errno));
	(void)!write(sv[0], "abc", 3);
	(void)!write(sv[0], "defgh", 5);
	check(read(sv[1], buf, sizeof(buf)) == 3, "dgram boundary kept", "%s", strerror(errno));
	check(recvmsg(sv[1], &mh, 0) == 3 && (mh.msg_flags & MSG_TRUNC) && !memcmp(buf, "def", 3),
	      "dgram MSG_TRUNC on a short buffer", "flags %#x", mh.msg_flags);
	(void)!write(sv[0], "0123456789", 10);
	check(recv(sv[1], buf, 4, MSG_TRUNC) == 10, "dgram recv MSG_TRUNC gives the length", "%s", strerror(errno));
	close(sv[0]);
	close(sv[1]);

	check(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0, "socketpair seqpacket", "%s",
	      strerror(errno));
	(void)!write(sv[0], "one", 3);
	(void)!write(sv[0], "three", 5);
	check(read(sv[1], buf, sizeof(buf)) == 3 && read(sv[1], buf, sizeof(buf)) == 5,
	      "seqpacket boundaries kept", "%s", strerror(errno));
	close(sv[0]);
	check(read(sv[1], buf, sizeof(buf)) == 0, "seqpacket EOF after peer close", "%s", strerror(errno));
	close(sv[1]);
}

/* The child gets a file's descriptor, reads the file through it, and
 * sends back what it read. */
static int child_reads_passed_fd(int s)
{
	char buf[128], cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { buf, 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c;
	int fd;
	ssize_t n;

	if (recvmsg(s, &mh, 0) != 1)
		return 1;
	c = CMSG_FIRSTHDR(&mh);
	if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
		return 2;
	memcpy(&fd, CMSG_DATA(c), sizeof(fd));
	n = read(fd, buf, sizeof(buf));
	if (n <= 0 || write(s, buf, (size_t)n) != n)
		return 3;
	return 0;
}

static void check_scm_rights(void)
{
	char path[96], buf[128], cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { "F", 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c;
	int sv[2], fd, status = -1;
	pid_t pid;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/secret", dir);
	fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
	if (!check(fd >= 0 && write(fd, SECRET, strlen(SECRET)) == (ssize_t)strlen(SECRET),
		   "file to pass", "%s", strerror(errno)))
		return;
	lseek(fd, 0, SEEK_SET);
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		_exit(child_reads_passed_fd(sv[1]));
	}
	close(sv[1]);
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(fd));
	check(sendmsg(sv[0], &mh, 0) == 1, "sendmsg SCM_RIGHTS", "%s", strerror(errno));
	close(fd);
	n = read(sv[0], buf, sizeof(buf));
	check(n == (ssize_t)strlen(SECRET) && !memcmp(buf, SECRET, (size_t)n),
	      "child read the file through the passed descriptor", "got %zd bytes", n);
	status = reap(pid);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child with the passed descriptor",
	      "status %#x", status);
	close(sv[0]);
	unlink(path);
}

/* Three descriptors with room for two (a CMSG_SPACE of one int holds
 * two): two arrive, MSG_CTRUNC says the third was dropped. SO_PASSCRED brings the sender's credentials. */
static void check_ctrunc_and_creds(void)
{
	char buf[8], cbuf[CMSG_SPACE(3 * sizeof(int))], small[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { "R", 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	int sv[2], fds[3] = { 0, 1, 2 }, got[2] = { -1, -1 }, on = 1;
	struct ucred cred = { 0 };

	socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(fds));
	memcpy(CMSG_DATA(c), fds, sizeof(fds));
	check(sendmsg(sv[0], &mh, 0) == 1, "sendmsg three descriptors", "%s", strerror(errno));
	iov = (struct iovec){ buf, sizeof(buf) };
	mh = (struct msghdr){ .msg_iov = &iov, .msg_iovlen = 1, .msg_control = small,
			      .msg_controllen = sizeof(small) };
	check(recvmsg(sv[1], &mh, 0) == 1 && (mh.msg_flags & MSG_CTRUNC),
	      "room for two descriptors of three: MSG_CTRUNC", "flags %#x", mh.msg_flags);
	c = CMSG_FIRSTHDR(&mh);
	if (c && c->cmsg_type == SCM_RIGHTS && c->cmsg_len == CMSG_LEN(sizeof(got)))
		memcpy(got, CMSG_DATA(c), sizeof(got));
	check(got[0] > 2 && got[1] > 2 && fcntl(got[0], F_GETFD) >= 0 &&
	      fcntl(got[1], F_GETFD) >= 0, "the first two descriptors arrive", "fds %d %d",
	      got[0], got[1]);
	close(got[0]);
	close(got[1]);

	setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof(on));
	(void)!write(sv[0], "C", 1);
	iov = (struct iovec){ buf, sizeof(buf) };
	mh = (struct msghdr){ .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			      .msg_controllen = sizeof(cbuf) };
	check(recvmsg(sv[1], &mh, 0) == 1, "recvmsg with SO_PASSCRED", "%s", strerror(errno));
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS)
			memcpy(&cred, CMSG_DATA(c), sizeof(cred));
	check(cred.pid == getpid() && cred.uid == getuid() && cred.gid == getgid(),
	      "SCM_CREDENTIALS of the sender", "pid %d uid %d gid %d, mine %d %d %d", (int)cred.pid,
	      (int)cred.uid, (int)cred.gid, (int)getpid(), (int)getuid(), (int)getgid());
	close(sv[0]);
	close(sv[1]);
}

static void check_named_server(void)
{
	struct sockaddr_un a, got;
	socklen_t alen = path_addr(&a, "server"), glen;
	int l = socket(AF_UNIX, SOCK_STREAM, 0), c = socket(AF_UNIX, SOCK_STREAM, 0), x, s, n;
	struct stat st;
	char buf[16];
	struct ucred cred;
	socklen_t clen = sizeof(cred);

	check(bind(l, (struct sockaddr *)&a, alen) == 0 && listen(l, 4) == 0,
	      "named server bind and listen", "%s", strerror(errno));
	check(stat(a.sun_path, &st) == 0 && S_ISSOCK(st.st_mode), "bound path is a socket",
	      "mode %#o", st.st_mode);
	glen = sizeof(got);
	check(getsockname(l, (struct sockaddr *)&got, &glen) == 0 && glen == alen &&
	      !strcmp(got.sun_path, a.sun_path), "getsockname of a path", "len %u", glen);
	x = socket(AF_UNIX, SOCK_STREAM, 0);
	check(bind(x, (struct sockaddr *)&a, alen) < 0 && errno == EADDRINUSE,
	      "bind to a used path: EADDRINUSE", "%s", strerror(errno));
	close(x);
	check(connect(c, (struct sockaddr *)&a, alen) == 0, "connect to the named server", "%s",
	      strerror(errno));
	glen = sizeof(got);
	s = accept(l, (struct sockaddr *)&got, &glen);
	check(s >= 0 && glen == sizeof(sa_family_t), "accept: the client is unnamed",
	      "fd %d, len %u", s, glen);
	glen = sizeof(got);
	check(getpeername(c, (struct sockaddr *)&got, &glen) == 0 && glen == alen &&
	      !strcmp(got.sun_path, a.sun_path), "getpeername of the client", "len %u", glen);
	glen = sizeof(got);
	check(getsockname(s, (struct sockaddr *)&got, &glen) == 0 && glen == alen,
	      "getsockname of the accepted socket", "len %u", glen);
	check(write(c, "ping", 4) == 4 && read(s, buf, sizeof(buf)) == 4 &&
	      write(s, "pong", 4) == 4 && read(c, buf, sizeof(buf)) == 4 && !memcmp(buf, "pong", 4),
	      "named server round trip", "%s", strerror(errno));
	memset(&cred, 0xff, sizeof(cred));
	n = getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cred, &clen);
	check(n == 0 && clen == sizeof(cred) && cred.pid == getpid() && cred.uid == getuid() &&
	      cred.gid == getgid(), "SO_PEERCRED", "%d (%s), len %u, pid %d uid %d gid %d", n,
	      strerror(errno), clen, (int)cred.pid, (int)cred.uid, (int)cred.gid);
	x = socket(AF_UNIX, SOCK_STREAM, 0);
	clen = sizeof(cred);
	n = getsockopt(x, SOL_SOCKET, SO_PEERCRED, &cred, &clen);
	check(n == 0 && cred.pid == 0 && cred.uid == (uid_t)-1, "SO_PEERCRED without a peer",
	      "pid %d uid %d", (int)cred.pid, (int)cred.uid);
	clen = sizeof(cred);
	n = getsockopt(l, SOL_SOCKET, SO_PEERCRED, &cred, &clen);
	check(n == 0 && cred.pid == getpid(), "SO_PEERCRED of a listener is its own", "pid %d",
	      (int)cred.pid);
	close(x);
	/* shutdown: the other side reads what was sent, then EOF. */
	(void)!write(c, "bye", 3);
	shutdown(c, SHUT_WR);
	check(read(s, buf, sizeof(buf)) == 3 && read(s, buf, sizeof(buf)) == 0,
	      "EOF after shutdown", "%s", strerror(errno));
	check(write(s, "still", 5) == 5 && read(c, buf, sizeof(buf)) == 5,
	      "the other direction still works", "%s", strerror(errno));
	/* Unlinking the path leaves the server; a new connect finds nothing. */
	unlink(a.sun_path);
	x = socket(AF_UNIX, SOCK_STREAM, 0);
	check(connect(x, (struct sockaddr *)&a, alen) < 0 && errno == ENOENT,
	      "connect to an unlinked path: ENOENT", "%s", strerror(errno));
	close(x);
	close(c);
	close(s);
	close(l);
}

/* A server that waits: accept blocks until a child connects, and
 * MSG_WAITALL gathers what the child writes in two goes; SO_RCVTIMEO
 * bounds a read that gets nothing. */
static void check_blocking(void)
{
	struct sockaddr_un a;
	socklen_t alen = path_addr(&a, "waiting");
	struct timeval tv = { 0, TIMEOUT_MS * 1000 };
	struct timespec t0, t1;
	int l = socket(AF_UNIX, SOCK_STREAM, 0), s, status;
	long waited;
	char buf[8];
	pid_t pid;

	bind(l, (struct sockaddr *)&a, alen);
	listen(l, 1);
	pid = fork();
	if (pid == 0) {
		int c = socket(AF_UNIX, SOCK_STREAM, 0);

		usleep(PAUSE_US);
		if (connect(c, (struct sockaddr *)&a, alen) < 0 || write(c, "ab", 2) != 2)
			_exit(1);
		usleep(PAUSE_US);
		if (write(c, "cd", 2) != 2 || read(c, buf, 1) != 0)
			_exit(2);
		_exit(0);
	}
	s = accept(l, NULL, NULL);
	check(s >= 0, "blocking accept", "%s", strerror(errno));
	check(recv(s, buf, 4, MSG_WAITALL) == 4 && !memcmp(buf, "abcd", 4),
	      "MSG_WAITALL gathers two writes", "%s", strerror(errno));
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	check(read(s, buf, 1) < 0 && errno == EAGAIN, "SO_RCVTIMEO: EAGAIN", "%s",
	      strerror(errno));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	waited = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	check(waited >= TIMEOUT_MIN_MS && waited < TIMEOUT_MAX_MS, "SO_RCVTIMEO waits its time",
	      "%ld ms", waited);
	close(s);
	status = reap(pid);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the client saw EOF", "status %#x",
	      status);
	close(l);
	unlink(a.sun_path);
}

/* A child sends BULK_BYTES through a stream pair, far more than the
 * buffers hold, in odd sizes; the parent reads in other sizes and checks
 * every byte. Both sides block on each other many times. */
static void check_bulk(void)
{
	static unsigned char buf[BULK_CHUNK];
	int sv[2], status, bad = 0;
	size_t got = 0;
	pid_t pid;
	ssize_t n;

	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	pid = fork();
	if (pid == 0) {
		size_t sent = 0;

		close(sv[0]);
		while (sent < BULK_BYTES) {
			size_t len = BULK_BYTES - sent < BULK_CHUNK - 1 ? BULK_BYTES - sent : BULK_CHUNK - 1;

			for (size_t i = 0; i < len; i++)
				buf[i] = (unsigned char)((sent + i) * 7);
			n = write(sv[1], buf, len);
			if (n <= 0)
				_exit(1);
			sent += (size_t)n;
		}
		_exit(0);
	}
	close(sv[1]);
	while ((n = read(sv[0], buf, BULK_CHUNK / 3)) > 0) {
		for (ssize_t i = 0; i < n; i++)
			bad |= buf[i] != (unsigned char)((got + (size_t)i) * 7);
		got += (size_t)n;
	}
	status = reap(pid);
	check(got == BULK_BYTES && !bad && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "1 MiB between processes, every byte", "%zu bytes, bad %d, status %#x", got, bad,
	      status);
	close(sv[0]);
}

/* A backlog of 0 holds one connection: the next non-blocking connect is
 * EAGAIN until the first is accepted. */
static void check_backlog(void)
{
	struct sockaddr_un a;
	socklen_t alen = path_addr(&a, "backlog");
	int l = socket(AF_UNIX, SOCK_STREAM, 0), c1 = socket(AF_UNIX, SOCK_STREAM, 0);
	int c2 = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0), s;

	bind(l, (struct sockaddr *)&a, alen);
	listen(l, 0);
	check(connect(c1, (struct sockaddr *)&a, alen) == 0, "connect within the backlog", "%s",
	      strerror(errno));
	check(connect(c2, (struct sockaddr *)&a, alen) < 0 && errno == EAGAIN,
	      "non-blocking connect past the backlog: EAGAIN", "%s", strerror(errno));
	s = accept(l, NULL, NULL);
	check(s >= 0 && connect(c2, (struct sockaddr *)&a, alen) == 0,
	      "connect once the backlog has room", "%s", strerror(errno));
	close(s);
	close(c1);
	close(c2);
	close(l);
	unlink(a.sun_path);
}

static void check_refused_and_abstract(void)
{
	struct sockaddr_un a, got;
	socklen_t alen = path_addr(&a, "quiet"), glen = sizeof(got);
	int q = socket(AF_UNIX, SOCK_STREAM, 0), c = socket(AF_UNIX, SOCK_STREAM, 0);
	int l = socket(AF_UNIX, SOCK_STREAM, 0), s;
	char buf[8];

	bind(q, (struct sockaddr *)&a, alen);
	check(connect(c, (struct sockaddr *)&a, alen) < 0 && errno == ECONNREFUSED,
	      "connect to a socket not listening: ECONNREFUSED", "%s", strerror(errno));
	close(q);
	unlink(a.sun_path);
	alen = abstract_addr(&a);
	check(bind(l, (struct sockaddr *)&a, alen) == 0 && listen(l, 1) == 0,
	      "abstract name bind", "%s", strerror(errno));
	check(getsockname(l, (struct sockaddr *)&got, &glen) == 0 && glen == alen &&
	      got.sun_path[0] == '\0' && !memcmp(got.sun_path, a.sun_path, alen - 2),
	      "getsockname of an abstract name", "len %u", glen);
	check(connect(c, (struct sockaddr *)&a, alen) == 0, "connect to an abstract name", "%s",
	      strerror(errno));
	s = accept(l, NULL, NULL);
	check(s >= 0 && write(c, "abs", 3) == 3 && read(s, buf, sizeof(buf)) == 3,
	      "abstract connection carries data", "%s", strerror(errno));
	close(s);
	close(l);
	close(c);
}

static void check_named_dgram(void)
{
	struct sockaddr_un sa, ca, from;
	socklen_t slen = path_addr(&sa, "dgram-server"), clen = path_addr(&ca, "dgram-client");
	socklen_t flen = sizeof(from);
	int s = socket(AF_UNIX, SOCK_DGRAM, 0), c = socket(AF_UNIX, SOCK_DGRAM, 0);
	char buf[16];

	bind(s, (struct sockaddr *)&sa, slen);
	bind(c, (struct sockaddr *)&ca, clen);
	check(sendto(c, "one", 3, 0, (struct sockaddr *)&sa, slen) == 3, "dgram sendto a path",
	      "%s", strerror(errno));
	check(recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen) == 3 &&
	      flen == clen && !strcmp(from.sun_path, ca.sun_path), "dgram recvfrom the sender",
	      "len %u", flen);
	close(c);
	check(sendto(s, "x", 1, 0, (struct sockaddr *)&ca, clen) < 0 && errno == ECONNREFUSED,
	      "dgram to a closed socket: ECONNREFUSED", "%s", strerror(errno));
	close(s);
	unlink(sa.sun_path);
	unlink(ca.sun_path);
}

static void check_epipe_nonblock_poll(void)
{
	int sv[2], fill = 0, n, ep;
	char chunk[FILL_CHUNK] = { 0 }, buf[8];
	struct epoll_event ev;
	struct pollfd p;
	struct sockaddr_un got;
	socklen_t glen = sizeof(got);
	struct sigaction sa = { .sa_handler = on_sigpipe };

	socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv);
	check(getpeername(sv[0], (struct sockaddr *)&got, &glen) == 0 &&
	      glen == sizeof(sa_family_t) && got.sun_family == AF_UNIX,
	      "getpeername of a socketpair: the family alone", "len %u", glen);
	check(read(sv[1], buf, sizeof(buf)) < 0 && errno == EAGAIN, "non-blocking read: EAGAIN",
	      "%s", strerror(errno));
	p = (struct pollfd){ .fd = sv[1], .events = POLLIN | POLLOUT };
	check(poll(&p, 1, 0) == 1 && p.revents == POLLOUT, "poll: writable, not readable",
	      "revents %#x", p.revents);
	(void)!write(sv[0], "x", 1);
	check(poll(&p, 1, 0) == 1 && p.revents == (POLLIN | POLLOUT), "poll: readable after a write",
	      "revents %#x", p.revents);
	check(ioctl(sv[1], FIONREAD, &n) == 0 && n == 1, "FIONREAD", "%d", n);
	while ((n = (int)write(sv[0], chunk, sizeof(chunk))) > 0)
		fill += n;
	check(n < 0 && errno == EAGAIN && fill > 0, "non-blocking write fills up: EAGAIN",
	      "%s after %d bytes", strerror(errno), fill);
	p = (struct pollfd){ .fd = sv[0], .events = POLLOUT };
	check(poll(&p, 1, 0) == 0, "poll: a full socket is not writable", "revents %#x",
	      p.revents);
	ep = epoll_create1(EPOLL_CLOEXEC);
	ev = (struct epoll_event){ .events = EPOLLIN | EPOLLRDHUP, .data.u32 = 7 };
	epoll_ctl(ep, EPOLL_CTL_ADD, sv[1], &ev);
	n = epoll_wait(ep, &ev, 1, 0);
	check(n == 1 && ev.events == EPOLLIN, "epoll: readable, no RDHUP yet", "%d, events %#x", n,
	      ev.events);
	shutdown(sv[0], SHUT_WR);
	n = epoll_wait(ep, &ev, 1, 0);
	check(n == 1 && ev.events == (EPOLLIN | EPOLLRDHUP) && ev.data.u32 == 7,
	      "epoll: EPOLLRDHUP after shutdown", "%d, events %#x", n, ev.events);
	close(ep);
	p = (struct pollfd){ .fd = sv[1], .events = POLLIN | POLLRDHUP };
	check(poll(&p, 1, 0) == 1 && (p.revents & POLLRDHUP) && (p.revents & POLLIN) &&
	      !(p.revents & POLLHUP), "poll: POLLRDHUP after shutdown", "revents %#x", p.revents);
	close(sv[1]);
	p = (struct pollfd){ .fd = sv[0], .events = POLLIN };
	check(poll(&p, 1, 0) == 1 && (p.revents & POLLHUP), "poll: POLLHUP after peer close",
	      "revents %#x", p.revents);
	sigaction(SIGPIPE, &sa, NULL);
	check(send(sv[0], "x", 1, MSG_NOSIGNAL) < 0 && errno == EPIPE && sigpipes == 0,
	      "EPIPE without SIGPIPE (MSG_NOSIGNAL)", "%s, %d signals", strerror(errno),
	      (int)sigpipes);
	close(sv[0]);
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	close(sv[1]);
	check(write(sv[0], "x", 1) < 0 && errno == EPIPE && sigpipes == 1,
	      "EPIPE and SIGPIPE on a closed peer", "%s, %d signals", strerror(errno),
	      (int)sigpipes);
	close(sv[0]);
}

/* What Linux answers for calls out of place. */
static void check_errors(void)
{
	struct sockaddr_un a, got;
	socklen_t alen = path_addr(&a, "errors"), glen = sizeof(got);
	int s = socket(AF_UNIX, SOCK_STREAM, 0), q = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	int d = socket(AF_UNIX, SOCK_DGRAM, 0), n;
	struct pollfd p = { .fd = s, .events = POLLIN | POLLOUT };
	char buf[4];

	check(poll(&p, 1, 0) == 1 && p.revents == (POLLOUT | POLLHUP),
	      "poll of a new stream socket: POLLOUT|POLLHUP", "revents %#x", p.revents);
	check(shutdown(s, SHUT_RDWR) == 0, "shutdown of an unconnected socket", "%s",
	      strerror(errno));
	close(s);
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	check(read(s, buf, 1) < 0 && errno == EINVAL, "read of an unconnected stream: EINVAL",
	      "%s", strerror(errno));
	check(write(s, "x", 1) < 0 && errno == ENOTCONN, "write of an unconnected stream: ENOTCONN",
	      "%s", strerror(errno));
	check(sendto(s, "x", 1, 0, (struct sockaddr *)&a, alen) < 0 && errno == EOPNOTSUPP,
	      "sendto on a stream: EOPNOTSUPP", "%s", strerror(errno));
	check(read(q, buf, 1) < 0 && errno == ENOTCONN, "read of an unconnected seqpacket: ENOTCONN",
	      "%s", strerror(errno));
	check(getpeername(s, (struct sockaddr *)&got, &glen) < 0 && errno == ENOTCONN,
	      "getpeername unconnected: ENOTCONN", "%s", strerror(errno));
	check(listen(s, 1) < 0 && errno == EINVAL, "listen unbound: EINVAL", "%s", strerror(errno));
	check(accept(s, NULL, NULL) < 0 && errno == EINVAL, "accept not listening: EINVAL", "%s",
	      strerror(errno));
	check(listen(d, 1) < 0 && errno == EOPNOTSUPP, "listen on a datagram socket: EOPNOTSUPP",
	      "%s", strerror(errno));
	check(bind(s, (struct sockaddr *)&a, alen) == 0 && bind(s, (struct sockaddr *)&a, alen) < 0 &&
	      errno == EADDRINUSE, "bind twice to a path: EADDRINUSE", "%s", strerror(errno));
	path_addr(&got, "errors-other");
	check(bind(s, (struct sockaddr *)&got, alen + 6) < 0 && errno == EINVAL,
	      "a bound socket's bind elsewhere: EINVAL", "%s", strerror(errno));
	listen(s, 1);
	check(connect(s, (struct sockaddr *)&a, alen) < 0 && errno == EINVAL,
	      "connect of a listener: EINVAL", "%s", strerror(errno));
	check(ioctl(s, FIONREAD, &n) < 0 && errno == EINVAL, "FIONREAD of a listener: EINVAL", "%s",
	      strerror(errno));
	check(write(d, "x", 1) < 0 && errno == ENOTCONN, "unconnected datagram write: ENOTCONN",
	      "%s", strerror(errno));
	a.sun_family = AF_INET;
	check(bind(d, (struct sockaddr *)&a, alen) < 0 && errno == EINVAL,
	      "bind with another family: EINVAL", "%s", strerror(errno));
	check(socket(AF_UNIX, SOCK_STREAM, 6) < 0 && errno == EPROTONOSUPPORT,
	      "a protocol AF_UNIX lacks: EPROTONOSUPPORT", "%s", strerror(errno));
	close(s);
	close(q);
	close(d);
	unlink(a.sun_path);
}

static void check_netlink(void)
{
	struct ifaddrs *ifa, *i;
	struct if_nameindex *ni;
	int lo_v4 = 0, lo_index = 0;

	if (!check(getifaddrs(&ifa) == 0, "getifaddrs", "%s", strerror(errno)))
		return;
	for (i = ifa; i; i = i->ifa_next)
		if (!strcmp(i->ifa_name, "lo") && i->ifa_addr && i->ifa_addr->sa_family == AF_INET &&
		    ((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr == htonl(INADDR_LOOPBACK))
			lo_v4 = 1;
	freeifaddrs(ifa);
	check(lo_v4, "getifaddrs lists lo with 127.0.0.1", "not found");
	ni = if_nameindex();
	if (!check(ni != NULL, "if_nameindex", "%s", strerror(errno)))
		return;
	for (struct if_nameindex *p = ni; p->if_index; p++)
		if (!strcmp(p->if_name, "lo"))
			lo_index = (int)p->if_index;
	if_freenameindex(ni);
	check(lo_index > 0, "if_nameindex lists lo", "not found");
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/flint-unix-%d", (int)getpid());
	if (mkdir(dir, 0700) < 0) {
		perror(dir);
		return 1;
	}
	check_pairs();
	check_scm_rights();
	check_ctrunc_and_creds();
	check_named_server();
	check_blocking();
	check_bulk();
	check_backlog();
	check_refused_and_abstract();
	check_named_dgram();
	check_epipe_nonblock_poll();
	check_errors();
	check_netlink();
	rmdir(dir);
	return checks_done();
}
