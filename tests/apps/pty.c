/* Pseudo-terminals: /dev/ptmx pairs (posix_openpt, grantpt, unlockpt,
 * ptsname, openpty), the slave's line discipline (canonical with echo,
 * raw), ISIG and SIGWINCH to a child whose controlling terminal the slave
 * is, /dev/tty, and the ends' hang-ups. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "check.h"

#define PTS_MAJOR 136		/* Documentation/admin-guide/devices.txt */
#define WAIT_MS 2000		/* for what Linux's ldisc passes on asynchronously */
#define QUIET_MS 200		/* to see that nothing comes */
#define CHILD_SLEEP_S 10

static int ready_in(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) == 1 && (p.revents & POLLIN);
}

/* Reads until want bytes came or nothing more comes for WAIT_MS. */
static size_t read_some(int fd, char *buf, size_t want)
{
	size_t got = 0;

	while (got < want && ready_in(fd, WAIT_MS)) {
		ssize_t n = read(fd, buf + got, want - got);

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	return got;
}

static int open_pair(int *master, int *slave)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	char *name;

	if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0)
		return -1;
	name = ptsname(m);
	*slave = name ? open(name, O_RDWR | O_NOCTTY) : -1;
	*master = m;
	return *slave < 0 ? -1 : 0;
}

static void check_names(void)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY), s, n = -1;
	char *name = m >= 0 ? ptsname(m) : NULL;
	char want[32];
	struct stat st;

	check(m >= 0 && isatty(m), "posix_openpt", "fd %d errno %d", m, errno);
	check(ioctl(m, TIOCGPTN, &n) == 0 && n >= 0, "TIOCGPTN", "n %d errno %d", n, errno);
	snprintf(want, sizeof(want), "/dev/pts/%d", n);
	check(name && !strcmp(name, want), "ptsname", "%s, TIOCGPTN %d", name ? name : "-", n);
	s = open(want, O_RDWR | O_NOCTTY);
	check(s < 0 && errno == EIO, "locked slave EIO", "fd %d errno %d", s, errno);
	check(grantpt(m) == 0 && unlockpt(m) == 0, "grantpt unlockpt", "errno %d", errno);
	s = open(want, O_RDWR | O_NOCTTY);
	check(s >= 0 && isatty(s), "slave opens", "fd %d errno %d", s, errno);
	check(fstat(s, &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == PTS_MAJOR &&
	      (int)minor(st.st_rdev) == n, "slave rdev", "mode %o rdev %lx",
	      st.st_mode, (unsigned long)st.st_rdev);
	close(s);
	s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY);
	check(s >= 0 && fstat(s, &st) == 0 && S_ISCHR(st.st_mode) && (int)minor(st.st_rdev) == n,
	      "TIOCGPTPEER", "fd %d errno %d", s, errno);
	close(s);
	close(m);
}

/* Each end is ready in epoll when the other writes. */
static void check_epoll(int m, int s)
{
	struct epoll_event e = { .events = EPOLLIN }, got[2];
	int ep = epoll_create1(0), n;
	char buf[16];

	e.data.fd = m;
	epoll_ctl(ep, EPOLL_CTL_ADD, m, &e);
	e.data.fd = s;
	epoll_ctl(ep, EPOLL_CTL_ADD, s, &e);
	check(epoll_wait(ep, got, 2, 0) == 0, "epoll nothing ready", "errno %d", errno);
	n = write(s, "e\n", 2) == 2 ? epoll_wait(ep, got, 2, WAIT_MS) : -1;
	check(n == 1 && got[0].data.fd == m, "epoll master readable", "%d", n);
	read_some(m, buf, 3);
	n = write(m, "f\n", 2) == 2 ? epoll_wait(ep, got, 2, WAIT_MS) : -1;
	/* The echo makes the master readable too. */
	check(n >= 1 && (got[0].data.fd == s || (n == 2 && got[1].data.fd == s)),
	      "epoll slave readable", "%d", n);
	read_some(m, buf, 3);
	check(read(s, buf, sizeof(buf)) == 2, "epoll slave line", "errno %d", errno);
	close(ep);
}

static void check_canonical(int m, int s)
{
	char buf[64] = { 0 };
	ssize_t n;

	check(write(m, "ab", 2) == 2 && !ready_in(s, QUIET_MS), "partial line not readable",
	      "errno %d", errno);
	check(write(m, "c\r", 2) == 2, "master write", "errno %d", errno);
	n = read(s, buf, sizeof(buf));
	check(n == 4 && !memcmp(buf, "abc\n", 4), "canonical line, ICRNL", "%zd '%.*s'",
	      n, (int)(n > 0 ? n : 0), buf);
	n = (ssize_t)read_some(m, buf, 5);
	check(n == 5 && !memcmp(buf, "abc\r\n", 5), "echo on master", "%zd", n);
	check(write(m, "xy\x7fz\n", 5) == 5, "erase written", "errno %d", errno);
	n = read(s, buf, sizeof(buf));
	check(n == 3 && !memcmp(buf, "xz\n", 3), "VERASE", "%zd '%.*s'", n,
	      (int)(n > 0 ? n : 0), buf);
	read_some(m, buf, sizeof(buf));
	check(write(s, "out\n", 4) == 4, "slave write", "errno %d", errno);
	n = (ssize_t)read_some(m, buf, 5);
	check(n == 5 && !memcmp(buf, "out\r\n", 5), "ONLCR", "%zd", n);
	check(write(m, "\x04", 1) == 1 && read(s, buf, sizeof(buf)) == 0, "VEOF", "errno %d",
	      errno);
}

static void check_raw(int m, int s)
{
	struct termios t;
	char buf[16];
	int avail = -1;
	ssize_t n;

	tcgetattr(s, &t);
	cfmakeraw(&t);
	check(tcsetattr(s, TCSANOW, &t) == 0, "raw mode", "errno %d", errno);
	read_some(m, buf, sizeof(buf));
	check(write(m, "q", 1) == 1 && ready_in(s, WAIT_MS), "raw byte readable", "errno %d",
	      errno);
	n = read(s, buf, sizeof(buf));
	check(n == 1 && buf[0] == 'q', "raw read one byte", "%zd", n);
	check(!ready_in(m, QUIET_MS), "raw no echo", "echo came");
	check(write(m, "\r\x03z", 3) == 3 && ready_in(s, WAIT_MS), "raw control bytes",
	      "errno %d", errno);
	n = (ssize_t)read_some(s, buf, 3);
	check(n == 3 && !memcmp(buf, "\r\x03z", 3), "raw bytes as sent", "%zd", n);
	check(write(m, "abc", 3) == 3 && ready_in(s, WAIT_MS) && ioctl(s, FIONREAD, &avail) == 0 &&
	      avail == 3, "FIONREAD", "%d", avail);
	check(tcdrain(s) == 0 && tcdrain(m) == 0, "tcdrain", "errno %d", errno);
	check(tcflush(s, TCIFLUSH) == 0 && ioctl(s, FIONREAD, &avail) == 0 && avail == 0,
	      "TCFLSH", "%d", avail);
	t.c_lflag |= ICANON | ECHO | ISIG;
	t.c_iflag |= ICRNL;
	t.c_oflag |= OPOST;
	tcsetattr(s, TCSANOW, &t);
}

static void check_winsize(int m, int s)
{
	struct winsize w = { .ws_row = 33, .ws_col = 101 }, got = { 0 };

	check(ioctl(m, TIOCSWINSZ, &w) == 0 && ioctl(s, TIOCGWINSZ, &got) == 0 &&
	      got.ws_row == 33 && got.ws_col == 101, "TIOCSWINSZ TIOCGWINSZ", "%d x %d",
	      got.ws_row, got.ws_col);
}

static int note_fd = -1;

static void on_winch(int sig)
{
	(void)sig;
	if (write(note_fd, "W", 1) < 0)
		_exit(5);
}

/* The child: a session whose controlling terminal is the slave, as
 * login_tty makes it; it says "R" when ready, "W" at SIGWINCH, and ^C
 * ends it. Exit codes name what went wrong. */
static void child(int s, int note)
{
	int t;

	note_fd = note;
	signal(SIGWINCH, on_winch);
	if (setsid() < 0)
		_exit(2);
	t = open("/dev/tty", O_RDWR);
	if (t >= 0 || errno != ENXIO)
		_exit(3);
	if (ioctl(s, TIOCSCTTY, 0) < 0)
		_exit(4);
	t = open("/dev/tty", O_RDWR);
	if (t < 0 || tcgetpgrp(t) != getpid() || write(t, "", 0) != 0)
		_exit(6);
	if (write(note, "R", 1) != 1)
		_exit(7);
	/* SIGWINCH cuts a sleep short: seconds, one at a time. */
	for (int i = 0; i < CHILD_SLEEP_S; i++)
		sleep(1);
	_exit(0);
}

static void check_signals(int m, int s)
{
	int note[2], status = 0;
	char c = 0;
	struct winsize w = { .ws_row = 40, .ws_col = 120 };
	pid_t pid;

	if (pipe(note) < 0)
		return;
	pid = fork();
	if (pid == 0)
		child(s, note[1]);
	check(read(note[0], &c, 1) == 1 && c == 'R', "child took the slave", "%c", c);
	check(ioctl(m, TIOCSWINSZ, &w) == 0 && ready_in(note[0], WAIT_MS) &&
	      read(note[0], &c, 1) == 1 && c == 'W', "SIGWINCH", "%c", c);
	check(write(m, "\x03", 1) == 1, "^C written", "errno %d", errno);
	check(waitpid(pid, &status, 0) == pid && WIFSIGNALED(status) &&
	      WTERMSIG(status) == SIGINT, "^C SIGINT to the foreground group", "status %#x",
	      status);
	close(note[0]);
	close(note[1]);
}

/* A session whose controlling terminal the slave is gets SIGHUP when
 * the master closes. */
static void check_master_hangup(void)
{
	int m, s, note[2], status = 0;
	pid_t pid;
	char c = 0;

	if (open_pair(&m, &s) < 0 || pipe(note) < 0)
		return;
	pid = fork();
	if (pid == 0) {
		close(m);
		if (setsid() < 0 || ioctl(s, TIOCSCTTY, 0) < 0 || write(note[1], "R", 1) != 1)
			_exit(2);
		for (int i = 0; i < CHILD_SLEEP_S; i++)
			sleep(1);
		_exit(0);
	}
	close(s);
	check(read(note[0], &c, 1) == 1 && c == 'R', "hang-up child ready", "%c", c);
	close(m);
	check(waitpid(pid, &status, 0) == pid && WIFSIGNALED(status) &&
	      WTERMSIG(status) == SIGHUP, "master close SIGHUP", "status %#x", status);
	close(note[0]);
	close(note[1]);
}

static void check_hangups(void)
{
	int m, s, r;
	char c;
	struct pollfd p;

	if (open_pair(&m, &s) == 0) {
		close(s);
		p = (struct pollfd){ .fd = m, .events = POLLIN };
		check(poll(&p, 1, 0) == 1 && (p.revents & POLLHUP), "master POLLHUP",
		      "revents %#x", p.revents);
		r = (int)read(m, &c, 1);
		check(r < 0 && errno == EIO, "master read EIO after slave close", "%d errno %d",
		      r, errno);
		close(m);
	}
	if (open_pair(&m, &s) == 0) {
		close(m);
		check(read(s, &c, 1) == 0, "slave read EOF after master close", "errno %d", errno);
		r = (int)write(s, "x", 1);
		check(r < 0 && errno == EIO, "slave write EIO after master close", "%d errno %d",
		      r, errno);
		close(s);
	}
}

int main(void)
{
	int m, s;
	char name[64];

	check_names();
	if (!check(openpty(&m, &s, name, NULL, NULL) == 0 && !strncmp(name, "/dev/pts/", 9),
		   "openpty", "errno %d", errno))
		return checks_done();
	check_canonical(m, s);
	check_epoll(m, s);
	check_raw(m, s);
	check_winsize(m, s);
	check_signals(m, s);
	close(s);
	close(m);
	check_hangups();
	check_master_hangup();
	return checks_done();
}
