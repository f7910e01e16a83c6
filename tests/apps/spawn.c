/* Starting programs: vfork + execve, fork + execve with an environment,
 * posix_spawn with a dup2 file action onto a pipe, system() through
 * /bin/sh, a #! script, execve's errors (ENOENT, EACCES, ENOEXEC, E2BIG)
 * coming back to the caller, O_CLOEXEC descriptors closed across exec,
 * and /proc/<pid>/cmdline and /proc/<pid>/exe of an exec'd child.
 *
 *   spawn SPAWNEE    SPAWNEE: the path of tests/apps/spawnee.c's program
 *
 * Needs /bin/sh (system, the script) and a writable /tmp. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "reap.h"

#define EXIT_STATUS 3
#define SCRIPT_STATUS 4
#define SYSTEM_STATUS 5
#define EXEC_FAILED 127
#define SHUT_FD 20
#define OPEN_FD 21
/* Far past Linux's limit for argv and envp together (a quarter of the
 * stack limit, at most 6 MiB: fs/exec.c) in strings under MAX_ARG_STRLEN. */
#define BIG_ARGS 128
#define BIG_ARG_BYTES (64 * 1024)

extern char **environ;
static const char *spawnee;

static int exited(int st, int code)
{
	return st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == code;
}

/* Reads fd to its end into out (NUL-terminated), then closes it. */
static void read_all(int fd, char *out, size_t size)
{
	size_t len = 0;
	ssize_t n;

	while (len + 1 < size && ((n = read(fd, out + len, size - 1 - len)) > 0 ||
				  (n < 0 && errno == EINTR)))
		if (n > 0)
			len += (size_t)n;
	out[len] = 0;
	close(fd);
}

/* fork + execve of path with stdout on a pipe: the status, the output. */
static int run(const char *path, char *const argv[], char *const envp[], char *out,
	       size_t size)
{
	int fds[2];
	pid_t pid;

	out[0] = 0;
	if (pipe(fds))
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execve(path, argv, envp);
		_exit(EXEC_FAILED);
	}
	close(fds[1]);
	if (pid < 0) {
		close(fds[0]);
		return -1;
	}
	read_all(fds[0], out, size);
	return reap(pid);
}

static void test_vfork(void)
{
	char *argv[] = { "spawnee", "exit", "3", NULL };
	pid_t pid;
	int st;

	fflush(stdout);
	pid = vfork();
	if (pid == 0) {
		execve(spawnee, argv, environ);
		_exit(EXEC_FAILED);
	}
	st = pid > 0 ? reap(pid) : -1;
	check(exited(st, EXIT_STATUS), "vfork + execve + wait: status 3", "status %#x (%s)", st,
	      strerror(errno));
}

static void test_execve_env(void)
{
	char *argv[] = { "spawnee", "env", "SPAWN_VAR", NULL };
	char *envp[] = { "SPAWN_VAR=passed through execve", NULL };
	char out[256];
	int st = run(spawnee, argv, envp, out, sizeof(out));

	check(exited(st, 0) && !strcmp(out, "passed through execve\n"),
	      "fork + execve with an environment", "status %#x, output %s", st, out);
}

static void test_posix_spawn(void)
{
	char *argv[] = { "spawnee", "print", "from", "posix_spawn", NULL };
	posix_spawn_file_actions_t fa;
	char out[256];
	int fds[2], err, st = -1;
	pid_t pid = -1;

	if (pipe(fds)) {
		check(0, "posix_spawn", "pipe: %s", strerror(errno));
		return;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
	posix_spawn_file_actions_addclose(&fa, fds[0]);
	posix_spawn_file_actions_addclose(&fa, fds[1]);
	fflush(stdout);
	err = posix_spawn(&pid, spawnee, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	read_all(fds[0], out, sizeof(out));
	if (!err)
		st = reap(pid);
	check(!err && exited(st, 0), "posix_spawn + wait", "error %s, status %#x", strerror(err),
	      st);
	check(!strcmp(out, "from posix_spawn\n"), "posix_spawn's dup2 file action onto a pipe",
	      "read %s", out);
	err = posix_spawn(&pid, "/nonexistent/program", NULL, NULL, argv, environ);
	if (!err)
		st = reap(pid);
	check(err == ENOENT || (!err && exited(st, EXEC_FAILED)),
	      "posix_spawn of a missing program fails", "error %d, status %#x", err, st);
}

/* system(command) with stdout on a pipe: its status and output. */
static int system_output(const char *command, char *out, size_t size)
{
	int fds[2], saved, st;

	out[0] = 0;
	fflush(stdout);
	if (pipe(fds) || (saved = dup(1)) < 0)
		return -1;
	dup2(fds[1], 1);
	close(fds[1]);
	st = system(command);
	dup2(saved, 1);
	close(saved);
	read_all(fds[0], out, size);
	return st;
}

static void test_system(void)
{
	char out[256];
	int st = system_output("echo from system", out, sizeof(out));

	check(exited(st, 0) && !strcmp(out, "from system\n"), "system(\"echo from system\")",
	      "status %#x, output %s", st, out);
	st = system_output("exit 5", out, sizeof(out));
	check(exited(st, SYSTEM_STATUS), "system(\"exit 5\"): status 5", "status %#x", st);
}

/* A file in /tmp with mode and content; its path goes into path. */
static int make_file(char *path, size_t size, const char *name, const char *content,
		     mode_t mode)
{
	int fd;

	snprintf(path, size, "/tmp/spawn-%s.%d", name, (int)getpid());
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (fd < 0)
		return -1;
	if (write(fd, content, strlen(content)) != (ssize_t)strlen(content) || close(fd) ||
	    chmod(path, mode))
		return -1;
	return 0;
}

static void test_script(void)
{
	char path[64], out[256];
	char *argv[] = { path, "arg", NULL };
	int st;

	if (make_file(path, sizeof(path), "script", "#!/bin/sh\necho script \"$1\"\nexit 4\n",
		      0755)) {
		check(0, "#! script", "%s: %s", path, strerror(errno));
		return;
	}
	st = run(path, argv, environ, out, sizeof(out));
	check(exited(st, SCRIPT_STATUS) && !strcmp(out, "script arg\n"),
	      "#!/bin/sh script runs through its interpreter", "status %#x, output %s", st, out);
	unlink(path);
}

static int execve_errno(const char *path, char *const argv[])
{
	errno = 0;
	return execve(path, argv, environ) == -1 ? errno : 0;
}

static void test_exec_errors(void)
{
	char *argv[] = { "x", NULL };
	char text[64], plain[64];
	char **big;
	int err;

	err = execve_errno("/nonexistent/program", argv);
	check(err == ENOENT, "execve of a missing file: ENOENT", "errno %d", err);
	if (make_file(text, sizeof(text), "text", "just some text\n", 0755) ||
	    make_file(plain, sizeof(plain), "plain", "#!/bin/sh\nexit 0\n", 0644)) {
		check(0, "execve error files", "%s", strerror(errno));
		return;
	}
	err = execve_errno(text, argv);
	check(err == ENOEXEC, "execve of a text file without #!: ENOEXEC", "errno %d", err);
	err = execve_errno(plain, argv);
	check(err == EACCES, "execve of a file without x: EACCES", "errno %d", err);
	unlink(text);
	unlink(plain);
	big = calloc(BIG_ARGS + 2, sizeof(*big));
	if (!big)
		return;
	big[0] = "spawnee";
	for (int i = 1; i <= BIG_ARGS; i++) {
		big[i] = malloc(BIG_ARG_BYTES);
		if (!big[i])
			return;
		memset(big[i], 'a', BIG_ARG_BYTES - 1);
		big[i][BIG_ARG_BYTES - 1] = 0;
	}
	err = execve_errno(spawnee, big);
	check(err == E2BIG, "execve with 8 MiB of argv: E2BIG", "errno %d", err);
	for (int i = 1; i <= BIG_ARGS; i++)
		free(big[i]);
	free(big);
}

static void test_cloexec(void)
{
	char shut[16], open_[16], out[64];
	char *argv[] = { "spawnee", "fds", shut, open_, NULL };
	int a = open("/dev/null", O_RDONLY | O_CLOEXEC), b = open("/dev/null", O_RDONLY);
	int st;
	pid_t pid;

	if (a < 0 || b < 0 || dup3(a, SHUT_FD, O_CLOEXEC) != SHUT_FD || dup2(b, OPEN_FD) != OPEN_FD) {
		check(0, "O_CLOEXEC setup", "%s", strerror(errno));
		return;
	}
	close(a);
	close(b);
	check(fcntl(SHUT_FD, F_GETFD) == FD_CLOEXEC && fcntl(OPEN_FD, F_GETFD) == 0,
	      "FD_CLOEXEC as opened", "flags %d %d", fcntl(SHUT_FD, F_GETFD),
	      fcntl(OPEN_FD, F_GETFD));
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(fcntl(SHUT_FD, F_GETFD) == FD_CLOEXEC ? 0 : 1);
	st = pid > 0 ? reap(pid) : -1;
	check(exited(st, 0), "fork keeps O_CLOEXEC descriptors open", "status %#x", st);
	snprintf(shut, sizeof(shut), "%d", SHUT_FD);
	snprintf(open_, sizeof(open_), "%d", OPEN_FD);
	st = run(spawnee, argv, environ, out, sizeof(out));
	check(exited(st, 0), "O_CLOEXEC closed across exec, the other kept", "status %#x", st);
	close(SHUT_FD);
	close(OPEN_FD);
}

static int same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

static void test_proc_of_child(void)
{
	static const char want[] = "spawnee\0ready";
	char *argv[] = { "spawnee", "ready", NULL };
	char path[64], got[256];
	int in[2], out[2], fd;
	ssize_t n = -1;
	pid_t pid;

	if (pipe(in) || pipe(out)) {
		check(0, "pipe", "%s", strerror(errno));
		return;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		execve(spawnee, argv, environ);
		_exit(EXEC_FAILED);
	}
	close(in[0]);
	close(out[1]);
	if (pid < 0 || read(out[0], got, sizeof("ready")) != sizeof("ready")) {
		check(0, "the exec'd child is ready", "%s", strerror(errno));
	} else {
		snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
		fd = open(path, O_RDONLY);
		if (fd >= 0) {
			n = read(fd, got, sizeof(got));
			close(fd);
		}
		check(n == sizeof(want) && !memcmp(got, want, sizeof(want)),
		      "/proc/<pid>/cmdline after exec", "read %zd bytes (%s)", n, strerror(errno));
		snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
		check(same_file(path, spawnee), "/proc/<pid>/exe after exec", "%s",
		      strerror(errno));
	}
	close(in[1]);
	close(out[0]);
	if (pid > 0)
		check(exited(reap(pid), 0), "the exec'd child ends at EOF", "%s", strerror(errno));
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: spawn SPAWNEE\n");
		return 2;
	}
	spawnee = argv[1];
	test_vfork();
	test_execve_env();
	test_posix_spawn();
	test_system();
	test_script();
	test_exec_errors();
	test_cloexec();
	test_proc_of_child();
	return checks_done();
}
