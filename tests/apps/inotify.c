/*
 * inotify (man 7 inotify): a watch on a directory and one on a file, the
 * events that creating, writing, reading, changing, renaming and removing
 * files report, in order, printed one a line so that the boot test can
 * compare them with the same program's lines on the host; then the
 * rules: IN_ONESHOT, inotify_rm_watch's IN_IGNORED, a read too small
 * (EINVAL), poll and FIONREAD, bad arguments.
 *
 *   inotify DIR    works in a new directory under DIR
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"

#define BUF_SIZE 4096

static int wds[3];		/* the watches, printed as their index */

static const struct {
	unsigned bit;
	const char *name;
} names[] = {
	{ IN_ACCESS, "ACCESS" }, { IN_MODIFY, "MODIFY" }, { IN_ATTRIB, "ATTRIB" },
	{ IN_CLOSE_WRITE, "CLOSE_WRITE" }, { IN_CLOSE_NOWRITE, "CLOSE_NOWRITE" },
	{ IN_OPEN, "OPEN" }, { IN_MOVED_FROM, "MOVED_FROM" }, { IN_MOVED_TO, "MOVED_TO" },
	{ IN_CREATE, "CREATE" }, { IN_DELETE, "DELETE" }, { IN_DELETE_SELF, "DELETE_SELF" },
	{ IN_MOVE_SELF, "MOVE_SELF" }, { IN_IGNORED, "IGNORED" }, { IN_ISDIR, "ISDIR" },
	{ IN_Q_OVERFLOW, "Q_OVERFLOW" },
};

static int wd_index(int wd)
{
	for (int i = 0; i < 3; i++)
		if (wds[i] == wd)
			return i;
	return -1;
}

/* Prints every event queued now; the cookie of a move's two halves is
 * shown as whether it matches the one before (their value differs). */
static void drain(int fd)
{
	static uint32_t last_cookie;
	char buf[BUF_SIZE] __attribute__((aligned(8)));
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *e = (const struct inotify_event *)p;

			printf("event w%d", wd_index(e->wd));
			for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
				if (e->mask & names[i].bit)
					printf(" %s", names[i].name);
			if (e->cookie)
				printf(" cookie %s", e->cookie == last_cookie ? "same" : "new");
			last_cookie = e->cookie;
			printf(" %s\n", e->len ? e->name : "-");
			p += sizeof(*e) + e->len;
		}
	}
	check(n < 0 && errno == EAGAIN, "drain ends in EAGAIN", "%zd %s", n, strerror(errno));
}

static void touch_file(const char *path, const char *data)
{
	int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);

	if (data)
		check(write(fd, data, strlen(data)) == (ssize_t)strlen(data), "write", "%s", path);
	close(fd);
}

int main(int argc, char **argv)
{
	char dir[PATH_MAX], a[PATH_MAX + 8], b[PATH_MAX + 8], sub[PATH_MAX + 8], buf[64];
	struct pollfd pfd;
	int fd, avail = -1;

	if (argc != 2) {
		fprintf(stderr, "usage: inotify DIR\n");
		return 2;
	}
	snprintf(dir, sizeof(dir), "%s/inotify-XXXXXX", argv[1]);
	if (!mkdtemp(dir)) {
		perror(dir);
		return 1;
	}
	snprintf(a, sizeof(a), "%s/a", dir);
	snprintf(b, sizeof(b), "%s/b", dir);
	snprintf(sub, sizeof(sub), "%s/sub", dir);

	fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	check(fd >= 0, "inotify_init1", "%s", strerror(errno));
	check(read(fd, buf, sizeof(buf)) < 0 && errno == EAGAIN, "empty read EAGAIN", "%s",
	      strerror(errno));
	wds[0] = inotify_add_watch(fd, dir, IN_ALL_EVENTS);
	check(wds[0] > 0, "add_watch dir", "%s", strerror(errno));
	check(inotify_add_watch(fd, dir, IN_ALL_EVENTS) == wds[0], "same watch, same wd", "%s", "no");

	puts("-- create, write, close");
	touch_file(a, "hello");
	drain(fd);
	puts("-- read");
	int r = open(a, O_RDONLY);
	check(read(r, buf, sizeof(buf)) == 5, "read back", "%s", "no");
	close(r);
	drain(fd);
	puts("-- chmod, rename, mkdir, rmdir");
	chmod(a, 0600);
	rename(a, b);
	mkdir(sub, 0755);
	rmdir(sub);
	drain(fd);

	puts("-- a watch on the file, then unlink");
	wds[1] = inotify_add_watch(fd, b, IN_ATTRIB | IN_DELETE_SELF | IN_MODIFY);
	check(wds[1] > 0 && wds[1] != wds[0], "add_watch file", "%s", strerror(errno));
	touch_file(b, "more");
	drain(fd);
	unlink(b);
	drain(fd);

	puts("-- oneshot");
	touch_file(a, NULL);
	drain(fd);
	wds[2] = inotify_add_watch(fd, a, IN_MODIFY | IN_ONESHOT);
	touch_file(a, "1");
	touch_file(a, "2");
	drain(fd);

	puts("-- rm_watch");
	check(inotify_rm_watch(fd, wds[0]) == 0, "rm_watch", "%s", strerror(errno));
	check(inotify_rm_watch(fd, wds[0]) < 0 && errno == EINVAL, "rm_watch twice EINVAL", "%s", "no");
	unlink(a);
	drain(fd);

	/* Readiness, FIONREAD, a read too small for the first record. */
	wds[0] = inotify_add_watch(fd, dir, IN_CREATE);
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	check(poll(&pfd, 1, 0) == 0, "poll: nothing yet", "%s", "no");
	touch_file(a, NULL);
	check(poll(&pfd, 1, 1000) == 1 && (pfd.revents & POLLIN), "poll: readable", "%s", "no");
	check(ioctl(fd, FIONREAD, &avail) == 0 && avail == (int)(sizeof(struct inotify_event) + 16),
	      "FIONREAD", "%d", avail);
	check(read(fd, buf, 4) < 0 && errno == EINVAL, "small read EINVAL", "%s", strerror(errno));
	drain(fd);

	check(inotify_add_watch(fd, dir, 0) < 0 && errno == EINVAL, "empty mask EINVAL", "%s", "no");
	check(inotify_add_watch(fd, "/no/such", IN_CREATE) < 0 && errno == ENOENT,
	      "missing path ENOENT", "%s", "no");
	check(inotify_add_watch(fd, a, IN_CREATE | IN_ONLYDIR) < 0 && errno == ENOTDIR,
	      "IN_ONLYDIR ENOTDIR", "%s", "no");
	check(inotify_add_watch(STDOUT_FILENO, dir, IN_CREATE) < 0 && errno == EINVAL,
	      "not an inotify fd EINVAL", "%s", "no");
	check(inotify_init1(0x1234) < 0 && errno == EINVAL, "init1 bad flags EINVAL", "%s", "no");
	close(fd);
	unlink(a);
	rmdir(dir);
	return checks_done();
}
