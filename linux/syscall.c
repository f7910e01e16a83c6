/*
 * The syscall dispatcher: a table by number, built at boot from the
 * SYSCALL declarations of the linux/ files; the strace option; the first call
 * of an unimplemented syscall named on the console; and small helpers
 * for the handlers.
 */
#include <flint/format.h>
#include <flint/heap.h>
#include <flint/panic.h>
#include <flint/param.h>
#include <flint/printk.h>
#include <flint/string.h>
#include "linux.h"

#define SYSCALL_TABLE_SIZE 512		/* above every x86-64 number in use */
#define STRACE_STRING_MAX 48		/* bytes of a string argument shown */
#define STRACE_LINE_MAX 320

extern const struct syscall_desc __syscalls_start[], __syscalls_end[];
extern const char *const linux_syscall_names[];
extern const unsigned linux_syscall_names_count;

/* The calls a signal handler with SA_RESTART (or a signal without a
 * handler) restarts when they were interrupted, as Linux does with
 * -ERESTARTSYS: the blocking transfers, opens, waits, futex waits and
 * socket calls (x86-64 numbers; a socket call under a timeout opts out). poll, select, epoll, nanosleep and sigsuspend are
 * never restarted, as in Linux. */
static const unsigned restartable_calls[] = {
	0, 1, 2, 16, 17, 18, 19, 20, 40, 42, 43, 44, 45, 46, 47, 61, 72, 73, 202, 247,
	257, 288, 295, 296, 299, 307,
};

static const struct syscall_desc *table[SYSCALL_TABLE_SIZE];
static bool restartable[SYSCALL_TABLE_SIZE];	/* restartable_calls, by number */
static bool reported[SYSCALL_TABLE_SIZE];
static bool reported_beyond;		/* numbers past the table: named once, together */
static bool strace;
KERNEL_FLAG("strace", strace);

void syscall_init(void)
{
	for (const struct syscall_desc *d = __syscalls_start; d < __syscalls_end; d++) {
		if (d->nr >= SYSCALL_TABLE_SIZE || table[d->nr])
			panic("syscall: %s: number %u taken or out of range", d->name, d->nr);
		table[d->nr] = d;
	}
	for (size_t i = 0; i < sizeof(restartable_calls) / sizeof(restartable_calls[0]); i++)
		restartable[restartable_calls[i]] = true;
}

static const char *syscall_name(uint64_t nr)
{
	if (nr < linux_syscall_names_count && linux_syscall_names[nr])
		return linux_syscall_names[nr];
	return "unknown";
}

/* A mode as strace shows it: 0644. (lib/format.c has no %o.) */
static size_t format_octal(char *buf, size_t size, uint64_t v)
{
	char digits[24];
	size_t n = 0;

	do {
		digits[n++] = (char)('0' + (v & 7));
		v >>= 3;
	} while (v);
	digits[n++] = '0';
	for (size_t i = 0; i < n && i + 1 < size; i++)
		buf[i] = digits[n - 1 - i];
	if (size)
		buf[n < size ? n : size - 1] = '\0';
	return n;
}

/* One argument as its format letter says. */
static size_t format_arg(char *buf, size_t size, char kind, uint64_t v)
{
	char s[STRACE_STRING_MAX + 1];
	long n;

	switch (kind) {
	case 'd':
	case 'f':
		return (size_t)snprintf(buf, size, "%lld", (long long)v);
	case 'u':
		return (size_t)snprintf(buf, size, "%llu", (unsigned long long)v);
	case 'o':
		return format_octal(buf, size, v);
	case 's':
		n = strncpy_from_user(s, (const char *)v, sizeof(s));
		if (n == -ENAMETOOLONG)
			return (size_t)snprintf(buf, size, "\"%.*s\"...", STRACE_STRING_MAX, s);
		if (n < 0)
			return (size_t)snprintf(buf, size, "%#llx", (unsigned long long)v);
		return (size_t)snprintf(buf, size, "\"%s\"", s);
	default:
		return (size_t)snprintf(buf, size, v ? "%#llx" : "NULL", (unsigned long long)v);
	}
}

static void trace_call(const struct syscall_desc *d, const uint64_t a[6], char *line, size_t *len)
{
	const char *f = d->fmt;

	*len = (size_t)snprintf(line, STRACE_LINE_MAX, "[%d] %s(", task_current()->tid, d->name);
	for (unsigned i = 0; *f && *f != ':' && i < 6; f++, i++) {
		if (i)
			*len += (size_t)snprintf(line + *len, STRACE_LINE_MAX - *len, ", ");
		if (*len < STRACE_LINE_MAX)
			*len += format_arg(line + *len, STRACE_LINE_MAX - *len, *f, a[i]);
	}
	if (*len < STRACE_LINE_MAX)
		*len += (size_t)snprintf(line + *len, STRACE_LINE_MAX - *len, ")");
	if (*len > STRACE_LINE_MAX - 1)
		*len = STRACE_LINE_MAX - 1;
}

static void trace_result(const struct syscall_desc *d, const char *line, long r)
{
	const char *colon = strchr(d->fmt, ':');
	char kind = colon ? colon[1] : 'd';

	if (r < 0 && r >= -4095)
		printk("%s = -1 (errno %ld)\n", line, -r);
	else if (kind == 'x' || kind == 'p')
		printk("%s = %#lx\n", line, r);
	else
		printk("%s = %ld\n", line, r);
}

void uspace_syscall(struct trap_frame *regs)
{
	struct task *t = task_current();
	uint64_t nr = regs->rax;
	const uint64_t a[6] = { regs->rdi, regs->rsi, regs->rdx, regs->r10, regs->r8, regs->r9 };
	const struct syscall_desc *d = nr < SYSCALL_TABLE_SIZE ? table[nr] : NULL;
	char line[STRACE_LINE_MAX];
	size_t len = 0;
	long r;

	t->regs = regs;
	t->restart_nr = d && restartable[nr] ? (long)nr : -1;
	if (!d) {
		bool *seen = nr < SYSCALL_TABLE_SIZE ? &reported[nr] : &reported_beyond;

		if (!*seen) {
			printk("flint: syscall %llu (%s) is not implemented: ENOSYS\n",
			       (unsigned long long)nr, syscall_name(nr));
			*seen = true;
		}
		regs->rax = (uint64_t)-ENOSYS;
		return;
	}
	if (strace) {
		trace_call(d, a, line, &len);
		if (d->fmt[0] && strchr(d->fmt, ':') && strchr(d->fmt, ':')[1] == '-')
			printk("%s\n", line);	/* it does not return */
	}
	r = d->fn(a);
	if (strace)
		trace_result(d, line, r);
	regs->rax = (uint64_t)r;
}

long syscall_zero(const uint64_t a[6])
{
	(void)a;
	return 0;
}

long syscall_enosys(const uint64_t a[6])
{
	(void)a;
	return -ENOSYS;
}

long user_path(char *dst, uint64_t upath)
{
	long n = strncpy_from_user(dst, (const char *)upath, VFS_PATH_MAX);

	if (n == 0)
		return -ENOENT;
	return n;
}

void *bounce_get(void)
{
	return kmalloc(BOUNCE_SIZE);
}

void *bounce_get_for(uint64_t want, size_t *size)
{
	void *buf = NULL;

	if (want > BOUNCE_SIZE) {
		*size = want < BOUNCE_MAX ? (size_t)(want + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1)
					  : BOUNCE_MAX;
		buf = kmalloc(*size);
	}
	if (!buf) {
		*size = BOUNCE_SIZE;
		buf = bounce_get();
	}
	return buf;
}

void bounce_put(void *buf)
{
	kfree(buf);
}
