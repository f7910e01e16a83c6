/* Users, groups, capabilities and permission checks: started as root, a
 * child does the saved-id dance, another checks access() with the real
 * id, then the process drops privileges as a server does and finds root's
 * files closed to it. Changes its own privileges: never run on the host. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdint.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"

#define NOBODY 65534		/* the conventional unprivileged id */
#define SECRET "/tmp/secret"
#define NOEXEC "/tmp/noexec"
#define ROOTS "/tmp/roots"
#define MINE "/tmp/mine"

/* include/uapi/linux/capability.h (musl has no kernel headers) */
#define CAP_VERSION_3 0x20080522
#define CAP_SETUID 7
struct cap_header {
	uint32_t version;
	int pid;
};
struct cap_data {
	uint32_t effective, permitted, inheritable;
};

static int ids_are(uid_t r, uid_t e, uid_t s)
{
	uid_t a, b, c;

	return getresuid(&a, &b, &c) == 0 && a == r && b == e && c == s;
}

static void caps(uint64_t *eff, uint64_t *perm)
{
	struct cap_header h = { CAP_VERSION_3, 0 };
	struct cap_data d[2];

	memset(d, 0xff, sizeof(d));
	if (syscall(SYS_capget, &h, d) != 0) {
		*eff = *perm = ~0ull;
		return;
	}
	*eff = d[0].effective | (uint64_t)d[1].effective << 32;
	*perm = d[0].permitted | (uint64_t)d[1].permitted << 32;
}

static void make_file(const char *path, mode_t mode, const char *text)
{
	int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, mode);

	if (fd >= 0) {
		if (write(fd, text, strlen(text)) < 0)
			perror("write");
		fchmod(fd, mode);
		close(fd);
	}
}

/* A child's checks count: it exits with its failures. */
static void run_child(void (*fn)(void))
{
	pid_t pid = fork();
	int status = 0;

	if (pid == 0) {
		fn();
		fflush(stdout);
		_exit(checks_failed);
	}
	check(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	      WEXITSTATUS(status) == 0, "child's checks passed", "status %#x", status);
}

/* Unprivileged after setresuid: swapping real and effective is allowed,
 * root is not. */
static void saved_id_dance(void)
{
	uint64_t eff, perm;

	check(setresuid(1000, 1001, 1002) == 0 && ids_are(1000, 1001, 1002),
	      "setresuid to three ids", "errno %d", errno);
	caps(&eff, &perm);
	check(eff == 0 && perm == 0, "no capabilities without a root id",
	      "eff %#llx perm %#llx", (unsigned long long)eff, (unsigned long long)perm);
	check(setreuid(1001, 1000) == 0 && ids_are(1001, 1000, 1000),
	      "setreuid swaps real and effective (saved follows)", "errno %d", errno);
	check(seteuid(1002) == -1 && errno == EPERM, "seteuid to a lost id is EPERM",
	      "errno %d", errno);
	check(setuid(1001) == 0 && ids_are(1001, 1001, 1000), "setuid to the real id",
	      "errno %d", errno);
	check(setuid(0) == -1 && errno == EPERM, "setuid(0) unprivileged is EPERM", "errno %d",
	      errno);
	check(setresuid(-1, 1000, -1) == 0 && ids_are(1001, 1000, 1000),
	      "setresuid back to the saved id", "errno %d", errno);
	check(setfsuid(NOBODY) == 1000 && setfsuid(-1) == 1000, "setfsuid to a stranger ignored",
	      "fsuid %d", setfsuid(-1));
}

/* access() uses the real id, AT_EACCESS the effective one. */
static void real_id_access(void)
{
	uint64_t eff, perm;

	check(setreuid(NOBODY, 0) == 0 && ids_are(NOBODY, 0, 0), "setreuid(nobody, root)",
	      "errno %d", errno);
	caps(&eff, &perm);
	check(eff != 0 && eff == perm, "root's capabilities kept with euid 0",
	      "eff %#llx perm %#llx", (unsigned long long)eff, (unsigned long long)perm);
	check(access(SECRET, R_OK) == -1 && errno == EACCES, "access uses the real id",
	      "errno %d", errno);
	check(faccessat(AT_FDCWD, SECRET, R_OK, AT_EACCESS) == 0, "AT_EACCESS uses the effective id",
	      "errno %d", errno);
	check(setuid(0) == 0 && ids_are(0, 0, 0), "setuid(0) with euid 0 sets all three",
	      "errno %d", errno);
}

static int status_uid_line(const char *want)
{
	char buf[4096];
	int fd = open("/proc/self/status", O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return strstr(buf, want) != NULL;
}

int main(void)
{
	const gid_t groups[] = { 100 };
	uint64_t eff, perm;
	struct stat st;
	int fd;

	printf("creds (%s)\n", LIBC_NAME);
	check(ids_are(0, 0, 0) && getgid() == 0 && getegid() == 0, "root at start", "uid %d", getuid());
	caps(&eff, &perm);
	check(eff == perm && (eff & (1ull << CAP_SETUID)), "root has every capability",
	      "eff %#llx", (unsigned long long)eff);
	check(prctl(PR_CAPBSET_READ, CAP_SETUID, 0, 0, 0) == 1, "CAP_SETUID in the bounding set",
	      "errno %d", errno);
	check(prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0) == 0, "keepcaps off", "errno %d", errno);
	check(status_uid_line("Uid:\t0\t0\t0\t0\n"), "/proc/self/status Uid: root", "no line");

	make_file(SECRET, 0600, "secret\n");
	make_file(NOEXEC, 0744, "#!/bin/sh\n");
	make_file(ROOTS, 0666, "root's\n");
	check(stat(SECRET, &st) == 0 && st.st_uid == 0 && st.st_gid == 0, "root owns its files",
	      "uid %d", (int)st.st_uid);

	run_child(saved_id_dance);
	run_child(real_id_access);

	/* The server's privilege drop. */
	check(setgroups(1, groups) == 0 && getgroups(0, NULL) == 1, "setgroups as root",
	      "errno %d", errno);
	check(setgid(NOBODY) == 0 && getgid() == NOBODY && getegid() == NOBODY, "setgid(nobody)",
	      "errno %d", errno);
	check(setuid(NOBODY) == 0 && ids_are(NOBODY, NOBODY, NOBODY), "setuid(nobody)",
	      "errno %d", errno);
	caps(&eff, &perm);
	check(eff == 0 && perm == 0, "capget: empty after the drop", "eff %#llx perm %#llx",
	      (unsigned long long)eff, (unsigned long long)perm);
	check(status_uid_line("Uid:\t65534\t65534\t65534\t65534\n") &&
	      status_uid_line("Gid:\t65534\t65534\t65534\t65534\n") &&
	      status_uid_line("Groups:\t100 \n"), "/proc/self/status Uid:, Gid:, Groups:", "no line");
	check(setuid(0) == -1 && errno == EPERM, "setuid(0) after the drop is EPERM", "errno %d",
	      errno);
	check(setgroups(0, NULL) == -1 && errno == EPERM, "setgroups unprivileged is EPERM",
	      "errno %d", errno);
	errno = 0;
	check(open(SECRET, O_RDONLY) == -1 && errno == EACCES, "open of a 0600 root file is EACCES",
	      "errno %d", errno);
	check(access(SECRET, R_OK) == -1 && errno == EACCES, "access R_OK on it is EACCES",
	      "errno %d", errno);
	fd = open(ROOTS, O_RDWR);
	check(fd >= 0, "open of a 0666 root file", "errno %d", errno);
	if (fd >= 0)
		close(fd);
	execl(NOEXEC, NOEXEC, (char *)NULL);
	check(errno == EACCES, "exec without x permission is EACCES", "errno %d", errno);
	check(unlink(ROOTS) == -1 && errno == EPERM, "sticky /tmp: another's file stays",
	      "errno %d", errno);
	check(chmod(ROOTS, 0777) == -1 && errno == EPERM, "chmod of another's file is EPERM",
	      "errno %d", errno);
	check(mkdir("/nobodys", 0755) == -1 && errno == EACCES, "mkdir in root's / is EACCES",
	      "errno %d", errno);
	fd = open(MINE, O_CREAT | O_WRONLY, 0600);
	check(fd >= 0 && fstat(fd, &st) == 0 && st.st_uid == NOBODY && st.st_gid == NOBODY,
	      "a new file is the caller's", "uid %d gid %d", (int)st.st_uid, (int)st.st_gid);
	if (fd >= 0)
		close(fd);
	check(chmod(MINE, 0644) == 0, "chmod of its own file", "errno %d", errno);
	check(chown(MINE, 0, -1) == -1 && errno == EPERM, "chown to root is EPERM", "errno %d",
	      errno);
	check(chown(MINE, -1, 100) == 0 && stat(MINE, &st) == 0 && st.st_gid == 100,
	      "chown to one of its groups", "errno %d", errno);
	check(unlink(MINE) == 0, "unlink of its own file in /tmp", "errno %d", errno);
	return checks_done();
}
