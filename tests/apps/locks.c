/* File locks between processes (man 2 fcntl, man 2 flock): record locks
 * conflict, F_GETLK names the holder, F_SETLKW waits for the release and
 * is interrupted by a signal, a close or an exit drops a process's locks,
 * the simple deadlock is EDEADLK; OFD locks belong to the description;
 * flock locks conflict between descriptions. Parent and child step each
 * other through pipes. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "reap.h"

#define WAIT_MS 200	/* how long the holder keeps a waiter waiting */

static char path[64];
static int to_child[2], to_parent[2];

static int setlk(int fd, int cmd, short type, off_t start, off_t len)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len };

	return fcntl(fd, cmd, &fl);
}

static void send_byte(int fd, char c)
{
	if (write(fd, &c, 1) != 1)
		_exit(99);
}

static char recv_byte(int fd)
{
	char c = 0;

	while (read(fd, &c, 1) < 0 && errno == EINTR)
		;
	return c;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The child's side of record_locks: reports its findings as bytes. */
static void record_child(void)
{
	int fd = open(path, O_RDWR);
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 50, .l_len = 1 };
	long t0;

	recv_byte(to_child[0]);
	send_byte(to_parent[1], setlk(fd, F_SETLK, F_WRLCK, 50, 10) < 0 &&
		  (errno == EAGAIN || errno == EACCES));
	send_byte(to_parent[1], setlk(fd, F_SETLK, F_RDLCK, 100, 10) == 0);
	fcntl(fd, F_GETLK, &fl);
	send_byte(to_parent[1], fl.l_type == F_WRLCK && fl.l_pid == getppid() &&
		  fl.l_start == 0 && fl.l_len == 100);
	t0 = now_ms();
	send_byte(to_parent[1], 'w');
	send_byte(to_parent[1], setlk(fd, F_SETLKW, F_WRLCK, 0, 10) == 0 &&
		  now_ms() - t0 >= WAIT_MS / 2);
	_exit(0);
}

static void record_locks(void)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 100, .l_len = 1 };
	pid_t pid;
	char c;

	check(setlk(fd, F_SETLK, F_WRLCK, 0, 100) == 0, "F_SETLK write lock", "%s", strerror(errno));
	check(setlk(fd, F_SETLK, F_WRLCK, 10, 10) == 0, "own locks never conflict", "%s",
	      strerror(errno));
	pid = fork();
	if (pid == 0)
		record_child();
	send_byte(to_child[1], 'g');
	check(recv_byte(to_parent[0]) == 1, "F_SETLK conflict is EAGAIN", "no");
	check(recv_byte(to_parent[0]) == 1, "a range beside the lock is free", "no");
	check(recv_byte(to_parent[0]) == 1, "F_GETLK names the holder's pid and range", "no");
	fcntl(fd, F_GETLK, &fl);
	check(fl.l_type == F_RDLCK && fl.l_pid == pid, "F_GETLK sees the child's read lock",
	      "type %d pid %d", fl.l_type, (int)fl.l_pid);
	recv_byte(to_parent[0]);
	sleep_ms(WAIT_MS);
	c = 0;
	fcntl(to_parent[0], F_SETFL, O_NONBLOCK);
	check(read(to_parent[0], &c, 1) < 0 && errno == EAGAIN, "F_SETLKW waits while held",
	      "got %d", c);
	fcntl(to_parent[0], F_SETFL, 0);
	setlk(fd, F_SETLK, F_UNLCK, 0, 0);
	check(recv_byte(to_parent[0]) == 1, "F_SETLKW gets the lock once released", "no");
	check(reap(pid) == 0, "record-lock child exits", "status");
	fl = (struct flock){ .l_type = F_WRLCK, .l_whence = SEEK_SET };
	fcntl(fd, F_GETLK, &fl);
	check(fl.l_type == F_UNLCK, "exit drops the child's locks", "type %d", fl.l_type);
	close(fd);
}

static void on_usr1(int sig)
{
	(void)sig;
}

/* A second descriptor's close drops the process's locks on the file; a
 * waiter is interrupted by a signal; two processes waiting on each other
 * make EDEADLK. */
static void close_signal_deadlock(void)
{
	int fd = open(path, O_RDWR), fd2;
	struct sigaction sa = { .sa_handler = on_usr1 };
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	pid_t pid;
	int r;

	sigaction(SIGUSR1, &sa, NULL);
	setlk(fd, F_SETLK, F_WRLCK, 0, 1);
	pid = fork();
	if (pid == 0) {
		int cfd = open(path, O_RDWR), ok;

		send_byte(to_parent[1], 'w');
		r = setlk(cfd, F_SETLKW, F_WRLCK, 0, 1);
		ok = r < 0 && errno == EINTR;
		send_byte(to_parent[1], ok);
		/* Take byte 1, then wait for byte 0 that the parent holds. */
		setlk(cfd, F_SETLK, F_WRLCK, 1, 1);
		send_byte(to_parent[1], 'h');
		r = setlk(cfd, F_SETLKW, F_WRLCK, 0, 1);
		send_byte(to_parent[1], r == 0);
		recv_byte(to_child[0]);
		_exit(0);
	}
	recv_byte(to_parent[0]);
	sleep_ms(WAIT_MS);
	kill(pid, SIGUSR1);
	check(recv_byte(to_parent[0]) == 1, "a signal interrupts F_SETLKW with EINTR", "no");
	recv_byte(to_parent[0]);
	sleep_ms(WAIT_MS);
	r = setlk(fd, F_SETLKW, F_WRLCK, 1, 1);
	check(r < 0 && errno == EDEADLK, "waiting on a waiter is EDEADLK", "r %d %s", r,
	      strerror(errno));
	fd2 = open(path, O_RDONLY);
	close(fd2);
	check(recv_byte(to_parent[0]) == 1, "closing another descriptor drops the locks", "no");
	fcntl(fd, F_GETLK, &fl);
	check(fl.l_type == F_WRLCK && fl.l_pid == pid && fl.l_start == 0 && fl.l_len == 2,
	      "the waiter's lock merged with its own", "type %d pid %d start %ld len %ld",
	      fl.l_type, (int)fl.l_pid, (long)fl.l_start, (long)fl.l_len);
	send_byte(to_child[1], 'x');
	reap(pid);
	close(fd);
}

static void ofd_and_errors(void)
{
	int a = open(path, O_RDWR), b = open(path, O_RDWR), ro = open(path, O_RDONLY);
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	int r;

	check(fcntl(a, F_OFD_SETLK, &fl) == 0, "F_OFD_SETLK", "%s", strerror(errno));
	r = fcntl(b, F_OFD_SETLK, &fl);
	check(r < 0 && errno == EAGAIN, "OFD locks of two descriptions conflict", "r %d", r);
	fl.l_type = F_WRLCK;
	fcntl(b, F_OFD_GETLK, &fl);
	check(fl.l_type == F_WRLCK && fl.l_pid == -1, "F_OFD_GETLK reports pid -1", "type %d pid %d",
	      fl.l_type, (int)fl.l_pid);
	fl = (struct flock){ .l_type = F_WRLCK, .l_whence = SEEK_SET };
	r = fcntl(a, F_SETLK, &fl);
	check(r < 0 && errno == EAGAIN, "a POSIX lock conflicts with an OFD lock", "r %d", r);
	close(a);
	fl = (struct flock){ .l_type = F_WRLCK, .l_whence = SEEK_SET };
	check(fcntl(b, F_OFD_SETLK, &fl) == 0, "closing the description drops its OFD lock", "%s",
	      strerror(errno));
	fl = (struct flock){ .l_type = F_RDLCK, .l_whence = SEEK_SET, .l_pid = 1 };
	r = fcntl(b, F_OFD_SETLK, &fl);
	check(r < 0 && errno == EINVAL, "an OFD lock with l_pid is EINVAL", "r %d", r);
	r = setlk(ro, F_SETLK, F_WRLCK, 0, 1);
	check(r < 0 && errno == EBADF, "a write lock on a read-only descriptor is EBADF", "r %d", r);
	fl = (struct flock){ .l_type = F_WRLCK, .l_whence = 7 };
	r = fcntl(ro, F_SETLK, &fl);
	check(r < 0 && errno == EINVAL, "a bad l_whence is EINVAL", "r %d", r);
	fl = (struct flock){ .l_type = F_UNLCK, .l_whence = SEEK_SET };
	r = fcntl(ro, F_GETLK, &fl);
	check(r < 0 && errno == EINVAL, "F_GETLK of F_UNLCK is EINVAL", "r %d", r);
	close(b);
	close(ro);
}

static void flocks(void)
{
	int fd = open(path, O_RDWR);
	pid_t pid;
	int r;

	check(flock(fd, LOCK_EX) == 0, "flock LOCK_EX", "%s", strerror(errno));
	pid = fork();
	if (pid == 0) {
		int own = open(path, O_RDONLY);
		long t0;

		send_byte(to_parent[1], flock(fd, LOCK_EX | LOCK_NB) == 0);
		send_byte(to_parent[1], flock(own, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK);
		recv_byte(to_child[0]);
		t0 = now_ms();
		send_byte(to_parent[1], flock(own, LOCK_SH) == 0 && now_ms() - t0 >= WAIT_MS / 2);
		_exit(0);
	}
	check(recv_byte(to_parent[0]) == 1, "the inherited description shares the flock", "no");
	check(recv_byte(to_parent[0]) == 1, "another description gets EWOULDBLOCK", "no");
	send_byte(to_child[1], 'g');
	sleep_ms(WAIT_MS);
	r = flock(fd, LOCK_UN);
	check(r == 0, "flock LOCK_UN", "%s", strerror(errno));
	check(recv_byte(to_parent[0]) == 1, "a waiting flock gets the lock once released", "no");
	reap(pid);
	r = flock(fd, 0);
	check(r < 0 && errno == EINVAL, "a bad flock operation is EINVAL", "r %d", r);
	close(fd);
}

int main(void)
{
	char dir[] = "/tmp/locksXXXXXX";

	if (!mkdtemp(dir) || pipe(to_child) || pipe(to_parent)) {
		perror("locks: setup");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/file", dir);
	record_locks();
	close_signal_deadlock();
	ofd_and_errors();
	flocks();
	unlink(path);
	rmdir(dir);
	return checks_done();
}
