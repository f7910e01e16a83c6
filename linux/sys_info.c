/*
 * Linux calls that describe the machine and the process's limits: uname,
 * sethostname, sysinfo, getrandom, the resource limits, CPU affinity and the scheduler
 * queries, prctl and personality.
 *
 * Syscall numbers: arch/x86/entry/syscalls/syscall_64.tbl.
 */
#include <flint/entropy.h>
#include <flint/memory.h>
#include <flint/net.h>
#include <flint/page_alloc.h>
#include <flint/sched.h>
#include <flint/string.h>
#include <flint/thread.h>
#include <flint/timer.h>

#include "linux.h"
#include "mm.h"

#define NSEC_PER_SEC 1000000000ull

/* struct new_utsname: include/uapi/linux/utsname.h (__NEW_UTS_LEN + 1). */
#define UTS_FIELD 65
struct linux_utsname {
	char sysname[UTS_FIELD];
	char nodename[UTS_FIELD];
	char release[UTS_FIELD];
	char version[UTS_FIELD];
	char machine[UTS_FIELD];
	char domainname[UTS_FIELD];
};

static void uts_set(char *field, const char *s)
{
	memcpy(field, s, strlen(s) + 1);
}

static long sys_uname(const uint64_t a[6])
{
	struct linux_utsname u;

	memset(&u, 0, sizeof(u));
	/* Programs test for "Linux" to pick their code paths. */
	uts_set(u.sysname, "Linux");
	net_hostname(u.nodename, UTS_FIELD);
	/* Static glibc compares this with the oldest kernel it was built for
	 * (--enable-kernel; 3.2 on x86-64) and stops with "FATAL: kernel too
	 * old" below it; musl and others gate features on it. The calls here
	 * follow the 6.1 long-term release. */
	uts_set(u.release, PROC_OSRELEASE);
	uts_set(u.version, PROC_OSVERSION);
	uts_set(u.machine, "x86_64");
	uts_set(u.domainname, "(none)");
	return copy_to_user((void *)a[0], &u, sizeof(u));
}
SYSCALL(63, "uname", "p", sys_uname);

/* Every process has every capability here, so only the length (an int,
 * at most __NEW_UTS_LEN) is checked. */
static long sys_sethostname(const uint64_t a[6])
{
	char name[UTS_FIELD - 1];
	int len = (int)a[1];

	if (len < 0 || len > UTS_FIELD - 1)
		return -EINVAL;
	if (copy_from_user(name, (const void *)a[0], (size_t)len))
		return -EFAULT;
	return net_set_hostname(name, (size_t)len);
}
SYSCALL(170, "sethostname", "pd", sys_sethostname);

/* struct sysinfo: include/uapi/linux/sysinfo.h (64-bit layout, _f empty). */
struct linux_sysinfo {
	int64_t uptime;			/* seconds since boot */
	uint64_t loads[3];
	uint64_t totalram, freeram, sharedram, bufferram, totalswap, freeswap;
	uint16_t procs;
	uint16_t pad;
	uint64_t totalhigh, freehigh;
	uint32_t mem_unit;
};
_Static_assert(sizeof(struct linux_sysinfo) == 112, "struct sysinfo is 112 bytes");

/* The load averages are 0 (not measured). totalram is what the program can
 * have: the free pages and its own; the kernel's are not counted. */
static long sys_sysinfo(const uint64_t a[6])
{
	struct linux_sysinfo si;
	uint64_t now = clock_ns();
	uint64_t free = page_free_count() * PAGE_SIZE;

	memset(&si, 0, sizeof(si));
	/* Linux rounds a started second up. */
	si.uptime = (int64_t)(now / NSEC_PER_SEC + (now % NSEC_PER_SEC != 0));
	si.freeram = free;
	si.totalram = free + mm_pages(process_current()->mm) * PAGE_SIZE;
	si.procs = 1;
	si.mem_unit = 1;
	return copy_to_user((void *)a[0], &si, sizeof(si));
}
SYSCALL(99, "sysinfo", "p", sys_sysinfo);

/* getrandom's flags: include/uapi/linux/random.h. */
#define LINUX_GRND_NONBLOCK 0x1
#define LINUX_GRND_RANDOM 0x2
#define LINUX_GRND_INSECURE 0x4
#define RANDOM_CHUNK 256		/* bytes through the kernel stack at a time */
#define RANDOM_MAX 0x7ffff000ull	/* Linux's MAX_RW_COUNT: one call's most */

/* The kernel's ChaCha20 generator never blocks: it has no notion of being
 * "not yet seeded" (see <flint/entropy.h> for what seeds it), so the
 * flags change nothing. A signal ends a long read with what it has. */
static long sys_getrandom(const uint64_t a[6])
{
	unsigned char buf[RANDOM_CHUNK];
	uint64_t len = a[1] < RANDOM_MAX ? a[1] : RANDOM_MAX, done = 0;
	size_t want;

	if (a[2] & ~(uint64_t)(LINUX_GRND_NONBLOCK | LINUX_GRND_RANDOM | LINUX_GRND_INSECURE) ||
	    (a[2] & LINUX_GRND_RANDOM && a[2] & LINUX_GRND_INSECURE))
		return -EINVAL;
	while (done < len && !(done && signal_pending())) {
		want = len - done < RANDOM_CHUNK ? (size_t)(len - done) : RANDOM_CHUNK;
		entropy_random(buf, want);
		if (copy_to_user((void *)(a[0] + done), buf, want))
			return done ? (long)done : -EFAULT;
		done += want;
	}
	memset(buf, 0, sizeof(buf));
	return (long)done;
}
SYSCALL(318, "getrandom", "pux", sys_getrandom);

/*
 * Resource limits. They are reported, not enforced (except RLIMIT_NOFILE,
 * which is the descriptor table's fixed size). There is one process, so
 * the table is a static one; it moves into struct process with fork.
 */
/* include/uapi/asm-generic/resource.h */
#define LINUX_RLIMIT_STACK 3
#define LINUX_RLIMIT_NOFILE 7
#define LINUX_RLIM_NLIMITS 16
#define LINUX_RLIM_INFINITY (~0ull)

struct linux_rlimit {
	uint64_t cur, max;
};

static spinlock_t rlimit_lock;
static bool rlimit_ready;
static struct linux_rlimit rlimits[LINUX_RLIM_NLIMITS];

static void rlimit_defaults(void)
{
	unsigned i;

	for (i = 0; i < LINUX_RLIM_NLIMITS; i++)
		rlimits[i] = (struct linux_rlimit){ LINUX_RLIM_INFINITY, LINUX_RLIM_INFINITY };
	rlimits[LINUX_RLIMIT_STACK].cur = MM_STACK_SIZE;
	rlimits[LINUX_RLIMIT_NOFILE] = (struct linux_rlimit){ FDTABLE_MAX, FDTABLE_MAX };
}

/* Whether lim may replace old: -EINVAL when soft exceeds hard, -EPERM when
 * it raises the hard limit (nothing here can grow past what it is, the
 * descriptor table least of all). */
static int rlimit_check(const struct linux_rlimit *old, const struct linux_rlimit *lim)
{
	if (lim->cur > lim->max)
		return -EINVAL;
	if (lim->max > old->max)
		return -EPERM;
	return 0;
}

/* Copies resource r's limit to *old (when not NULL), then sets it to *lim
 * (when not NULL): 0 or -EPERM/-EINVAL, changing nothing then. */
static int rlimit_swap(unsigned r, struct linux_rlimit *old, const struct linux_rlimit *lim)
{
	unsigned long flags = spin_lock_irqsave(&rlimit_lock);
	int err = 0;

	if (!rlimit_ready) {
		rlimit_defaults();
		rlimit_ready = true;
	}
	if (old)
		*old = rlimits[r];
	if (lim) {
		err = rlimit_check(&rlimits[r], lim);
		if (!err)
			rlimits[r] = *lim;
	}
	spin_unlock_irqrestore(&rlimit_lock, flags);
	return err;
}

/* prlimit64 and the two older calls (the same struct on x86-64). */
static long do_prlimit(int pid, uint64_t r, uint64_t unew, uint64_t uold)
{
	struct linux_rlimit lim, old;
	int err;

	if (pid && pid != process_current()->pid)
		return -ESRCH;
	if (r >= LINUX_RLIM_NLIMITS)
		return -EINVAL;
	if (unew && copy_from_user(&lim, (const void *)unew, sizeof(lim)))
		return -EFAULT;
	err = rlimit_swap((unsigned)r, &old, unew ? &lim : NULL);
	if (err)
		return err;
	if (uold && copy_to_user((void *)uold, &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

static long sys_getrlimit(const uint64_t a[6])
{
	return do_prlimit(0, a[0], 0, a[1]);
}
SYSCALL(97, "getrlimit", "dp", sys_getrlimit);

static long sys_setrlimit(const uint64_t a[6])
{
	return do_prlimit(0, a[0], a[1], 0);
}
SYSCALL(160, "setrlimit", "dp", sys_setrlimit);

static long sys_prlimit64(const uint64_t a[6])
{
	return do_prlimit((int)a[0], a[1], a[2], a[3]);
}
SYSCALL(302, "prlimit64", "ddpp", sys_prlimit64);

/* Scheduling's other calls are in linux/sys_sched.c. */

static long sys_sched_yield(const uint64_t a[6])
{
	(void)a;
	thread_yield();
	return 0;
}
SYSCALL(24, "sched_yield", "", sys_sched_yield);

/* There is one NUMA node; the cache argument is unused since Linux 2.6.24. */
static long sys_getcpu(const uint64_t a[6])
{
	unsigned cpu = arch_cpu_index(), node = 0;

	if (a[0] && copy_to_user((void *)a[0], &cpu, sizeof(cpu)))
		return -EFAULT;
	if (a[1] && copy_to_user((void *)a[1], &node, sizeof(node)))
		return -EFAULT;
	return 0;
}
SYSCALL(309, "getcpu", "ppp", sys_getcpu);

/*
 * prctl: thread names and the few process flags programs read; creds.c
 * answers the capability options.
 */
/* include/uapi/linux/prctl.h */
#define LINUX_PR_SET_PDEATHSIG 1
#define LINUX_PR_GET_PDEATHSIG 2
#define LINUX_PR_GET_DUMPABLE 3
#define LINUX_PR_SET_DUMPABLE 4
#define LINUX_PR_SET_NAME 15
#define LINUX_PR_GET_NAME 16
#define TASK_COMM_LEN 16		/* include/linux/sched.h: name with its NUL */
#define NAME_SLOTS 32

/* Names set with PR_SET_NAME, by tid; a thread that set none is named
 * after the program, as Linux names it at exec. Names are only shown
 * (ps, debuggers), so a full table forgets its oldest entry, and an entry
 * outlives its thread (a new thread given the same tid inherits it). */
struct thread_name {
	int tid;			/* 0: free */
	char name[TASK_COMM_LEN];
};

static spinlock_t names_lock;
static struct thread_name names[NAME_SLOTS];
static unsigned names_next;		/* the slot to reuse when full */

static struct thread_name *name_slot(int tid)
{
	unsigned i;

	for (i = 0; i < NAME_SLOTS; i++)
		if (names[i].tid == tid)
			return &names[i];
	return NULL;
}

static void name_set(int tid, const char *name)
{
	unsigned long flags = spin_lock_irqsave(&names_lock);
	struct thread_name *s = name_slot(tid);

	if (!s)
		s = name_slot(0);
	if (!s) {
		s = &names[names_next];
		names_next = (names_next + 1) % NAME_SLOTS;
	}
	s->tid = tid;
	memcpy(s->name, name, TASK_COMM_LEN);
	spin_unlock_irqrestore(&names_lock, flags);
}

static void name_get(int tid, char *name)
{
	unsigned long flags = spin_lock_irqsave(&names_lock);
	struct thread_name *s = name_slot(tid);
	const char *exe, *slash;

	if (s) {
		memcpy(name, s->name, TASK_COMM_LEN);
	} else {
		exe = process_current()->exe;
		for (slash = exe; *exe; exe++)
			if (*exe == '/')
				slash = exe + 1;
		memset(name, 0, TASK_COMM_LEN);
		memcpy(name, slash, strnlen(slash, TASK_COMM_LEN - 1));
	}
	spin_unlock_irqrestore(&names_lock, flags);
}

/* A name longer than 15 bytes is cut, as Linux does. */
static long set_name(uint64_t uname)
{
	char name[TASK_COMM_LEN];
	long n = strncpy_from_user(name, (const char *)uname, sizeof(name));

	if (n == -ENAMETOOLONG) {
		if (copy_from_user(name, (const void *)uname, TASK_COMM_LEN - 1))
			return -EFAULT;
		n = TASK_COMM_LEN - 1;
	}
	if (n < 0)
		return n;
	memset(name + n, 0, TASK_COMM_LEN - (size_t)n);
	name_set(task_current()->tid, name);
	return 0;
}

static long get_name(uint64_t uname)
{
	char name[TASK_COMM_LEN];

	name_get(task_current()->tid, name);
	return copy_to_user((void *)uname, name, sizeof(name));
}

/* Core dumps are not written, but the flag is kept so that programs that
 * clear it (to protect secrets) read back what they set. There is one
 * process: a static flag. */
static int dumpable = 1;

static long sys_prctl(const uint64_t a[6])
{
	int zero = 0;

	switch ((int)a[0]) {
	case LINUX_PR_SET_NAME:
		return set_name(a[1]);
	case LINUX_PR_GET_NAME:
		return get_name(a[1]);
	case LINUX_PR_GET_DUMPABLE:
		return __atomic_load_n(&dumpable, __ATOMIC_RELAXED);
	case LINUX_PR_SET_DUMPABLE:
		if (a[1] > 1)
			return -EINVAL;
		__atomic_store_n(&dumpable, (int)a[1], __ATOMIC_RELAXED);
		return 0;
	case LINUX_PR_SET_PDEATHSIG:
		/* The first process has no parent to outlive it. */
		return a[1] <= LINUX_NSIG ? 0 : -EINVAL;
	case LINUX_PR_GET_PDEATHSIG:
		return copy_to_user((void *)a[1], &zero, sizeof(zero));
	}
	return cred_prctl((int)a[0], a[1]);
}
SYSCALL(157, "prctl", "dxxxx", sys_prctl);

/* include/uapi/linux/personality.h: PER_LINUX, and the query value. */
#define LINUX_PER_LINUX 0
#define LINUX_PER_QUERY 0xffffffffu

/* Only the Linux personality exists. */
static long sys_personality(const uint64_t a[6])
{
	uint32_t persona = (uint32_t)a[0];

	return persona == LINUX_PER_LINUX || persona == LINUX_PER_QUERY ? LINUX_PER_LINUX : -EINVAL;
}
SYSCALL(135, "personality", "x", sys_personality);
