/*
 * A minimal harness for the host unit tests (tests/unit/).
 *
 *   TEST(name) { CHECK(x); CHECK_EQ(a, b); CHECK_STR(s, t); CHECKF(x, fmt, ...); }
 *   int main(void) { return check_run(); }
 *
 * Each case runs in a forked child, so a sanitizer abort, a crash or a hang
 * in one case is reported as that case's failure (with the sanitizer's
 * line as the message; its full report still goes to stderr) and the
 * others still run. The first failed check ends the case, and checks work
 * in helpers too.
 * Output, parsed by the project's test runner: one stdout line per case,
 *   ok <binary>.<case>
 *   not ok <binary>.<case>: <file>:<line>: <what failed>
 * where <binary> is the test file's name without ".c". The exit status is 1
 * if any case failed, 0 otherwise.
 */
#ifndef FLINT_TESTS_CHECK_H
#define FLINT_TESTS_CHECK_H

#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK_MAX_CASES 64
#define CHECK_TIMEOUT_S 120	/* a hung case is killed by SIGALRM */
#define CHECK_MSG_MAX 1024
#define CHECK_MIN(a, b) ((a) < (b) ? (a) : (b))

struct check_case {
	const char *name;
	const char *file;
	int line;
	void (*fn)(void);
};

static struct check_case check_cases[CHECK_MAX_CASES];
static unsigned check_ncases;
static int check_report_fd = -1;	/* the child's end of the report pipe */

static inline void check_register(const char *name, const char *file, int line,
				  void (*fn)(void))
{
	if (check_ncases == CHECK_MAX_CASES) {
		fprintf(stderr, "check.h: more than %d cases\n", CHECK_MAX_CASES);
		abort();
	}
	check_cases[check_ncases++] = (struct check_case){ name, file, line, fn };
}

#define TEST(name)							\
	static void test_##name(void);					\
	__attribute__((constructor)) static void check_register_##name(void) \
	{								\
		check_register(#name, __FILE__, __LINE__, test_##name);	\
	}								\
	static void test_##name(void)

/* Reports a failure at file:line and ends the running case. */
__attribute__((noreturn, format(printf, 3, 4)))
static inline void check_fail(const char *file, int line, const char *fmt, ...)
{
	char msg[CHECK_MSG_MAX];
	int n = snprintf(msg, sizeof(msg), "%s:%d: ", file, line);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - n, fmt, ap);
	va_end(ap);
	(void)!write(check_report_fd, msg, strlen(msg));
	_exit(1);
}

#define CHECK(cond)							\
	do {								\
		if (!(cond))						\
			check_fail(__FILE__, __LINE__, "CHECK(%s)", #cond); \
	} while (0)

/* CHECK with a printf-style explanation (loop indices, seeds...). */
#define CHECKF(cond, ...)						\
	do {								\
		if (!(cond))						\
			check_fail(__FILE__, __LINE__, __VA_ARGS__);	\
	} while (0)

/* Integers of any type, compared as uintmax_t (so -1 == -1 works). */
#define CHECK_EQ(a, b)							\
	do {								\
		uintmax_t check_a_ = (uintmax_t)(a), check_b_ = (uintmax_t)(b); \
		if (check_a_ != check_b_)				\
			check_fail(__FILE__, __LINE__,			\
				   "%s == %s: %#jx (%jd) != %#jx (%jd)", #a, #b, \
				   check_a_, (intmax_t)check_a_,	\
				   check_b_, (intmax_t)check_b_);	\
	} while (0)

/* Strings; NULL equals only NULL. */
#define CHECK_STR(a, b)							\
	do {								\
		const char *check_a_ = (a), *check_b_ = (b);		\
		if (!check_a_ || !check_b_ ? check_a_ != check_b_ :	\
		    strcmp(check_a_, check_b_) != 0)			\
			check_fail(__FILE__, __LINE__,			\
				   "%s == %s: \"%s\" != \"%s\"", #a, #b, \
				   check_a_ ? check_a_ : "(null)",	\
				   check_b_ ? check_b_ : "(null)");	\
	} while (0)

/* splitmix64: a seeded, reproducible generator for the property tests. */
static inline uint64_t check_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform-enough value in [0, n), n > 0. */
static inline uint64_t check_below(uint64_t *state, uint64_t n)
{
	return check_rand(state) % n;
}

static inline int check_by_line(const void *a, const void *b)
{
	return ((const struct check_case *)a)->line - ((const struct check_case *)b)->line;
}

/* The sanitizer's own line for a failure, from the child's stderr. */
static inline const char *check_sanitizer_line(const char *err, size_t *len)
{
	static const char *const marks[] = { "runtime error:", "SUMMARY:" };

	for (unsigned i = 0; i < 2; i++) {
		const char *m = strstr(err, marks[i]), *start = m;

		if (!m)
			continue;
		while (start > err && start[-1] != '\n')
			start--;
		*len = strcspn(start, "\n");
		return start;
	}
	return NULL;
}

/* Runs c in a child; fills msg with the failure, or leaves it empty. The
 * child's output is passed on to stderr, and a sanitizer report in it
 * becomes the failure message. */
static inline void check_run_one(const struct check_case *c, char *msg)
{
	static char err[1 << 16];
	int rep[2], errp[2], status;
	size_t len = 0, errlen = 0, slen;
	struct pollfd fds[2];
	const char *sline;
	pid_t pid;

	msg[0] = '\0';
	fflush(NULL);
	if (pipe(rep) || pipe(errp) || (pid = fork()) < 0) {
		snprintf(msg, CHECK_MSG_MAX, "%s:%d: cannot start the case", c->file, c->line);
		return;
	}
	if (pid == 0) {
		close(rep[0]);
		close(errp[0]);
		/* stdout carries the protocol only: the case's output is stderr. */
		dup2(errp[1], STDERR_FILENO);
		dup2(errp[1], STDOUT_FILENO);
		check_report_fd = rep[1];
		alarm(CHECK_TIMEOUT_S);
		c->fn();
		_exit(0);
	}
	close(rep[1]);
	close(errp[1]);
	fds[0] = (struct pollfd){ .fd = rep[0], .events = POLLIN };
	fds[1] = (struct pollfd){ .fd = errp[0], .events = POLLIN };
	while (fds[0].fd >= 0 || fds[1].fd >= 0) {
		char chunk[4096];
		ssize_t got;

		if (poll(fds, 2, -1) < 0)
			continue;
		for (int i = 0; i < 2; i++) {
			if (fds[i].fd < 0 || !fds[i].revents)
				continue;
			got = read(fds[i].fd, chunk, sizeof(chunk));
			if (got <= 0) {
				close(fds[i].fd);
				fds[i].fd = -1;
			} else if (i == 0) {
				slen = CHECK_MIN(CHECK_MSG_MAX - 1 - len, (size_t)got);
				memcpy(msg + len, chunk, slen);
				len += slen;
			} else {
				(void)!write(STDERR_FILENO, chunk, (size_t)got);
				slen = CHECK_MIN(sizeof(err) - 1 - errlen, (size_t)got);
				memcpy(err + errlen, chunk, slen);
				errlen += slen;
			}
		}
	}
	msg[len] = '\0';
	err[errlen] = '\0';
	while (waitpid(pid, &status, 0) < 0)
		;
	if (len)
		return;
	if (WIFEXITED(status) && !WEXITSTATUS(status))
		return;
	if ((sline = check_sanitizer_line(err, &slen)))
		snprintf(msg, CHECK_MSG_MAX, "%s:%d: %.*s", c->file, c->line, (int)slen, sline);
	else if (WIFSIGNALED(status))
		snprintf(msg, CHECK_MSG_MAX, "%s:%d: killed by signal %d (%s)",
			 c->file, c->line, WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(msg, CHECK_MSG_MAX, "%s:%d: exited with status %d",
			 c->file, c->line, WEXITSTATUS(status));
}

static inline int check_run(void)
{
	int failed = 0;

	qsort(check_cases, check_ncases, sizeof(check_cases[0]), check_by_line);
	for (unsigned i = 0; i < check_ncases; i++) {
		const struct check_case *c = &check_cases[i];
		const char *slash = strrchr(c->file, '/');
		const char *base = slash ? slash + 1 : c->file, *dot = strrchr(base, '.');
		int namelen = dot ? (int)(dot - base) : (int)strlen(base);
		char msg[CHECK_MSG_MAX];

		check_run_one(c, msg);
		/* One line per case, whatever the message holds. */
		for (char *p = msg; *p; p++)
			if ((unsigned char)*p < ' ' || *p == 0x7f)
				*p = '?';
		if (msg[0]) {
			printf("not ok %.*s.%s: %s\n", namelen, base, c->name, msg);
			failed = 1;
		} else {
			printf("ok %.*s.%s\n", namelen, base, c->name);
		}
	}
	fflush(stdout);
	return failed;
}

/*
 * A warning sink to hand the code under test as its warn callback: each
 * message on its own line in check_warnings (while there is room), every
 * one counted in check_nwarnings. check_warnings_clear() starts afresh.
 */
static char check_warnings[1 << 15];
static size_t check_warnings_len;
static unsigned check_nwarnings;

__attribute__((format(printf, 1, 2), unused))
static void check_warn(const char *fmt, ...)
{
	size_t room = sizeof(check_warnings) - check_warnings_len;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(check_warnings + check_warnings_len, room, fmt, ap);
	va_end(ap);
	if (n > 0 && (size_t)n + 2 < room) {
		check_warnings_len += (size_t)n;
		check_warnings[check_warnings_len++] = '\n';
		check_warnings[check_warnings_len] = '\0';
	} else {
		check_warnings[check_warnings_len] = '\0';
	}
	check_nwarnings++;
}

__attribute__((unused)) static void check_warnings_clear(void)
{
	check_warnings[0] = '\0';
	check_warnings_len = 0;
	check_nwarnings = 0;
}

#endif
