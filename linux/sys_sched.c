/*
 * Scheduling calls: nice values (getpriority/setpriority), the policy and
 * its attributes (sched_getattr/sched_setattr, sched_getscheduler,
 * sched_getparam), and CPU affinity, for any thread of any process. Each
 * thread keeps what was set and reads it back as Linux does; the
 * scheduler runs every thread round robin on the CPU it was made on
 * (<flint/thread.h>), so nice values and policies order nothing yet and a
 * mask moves no thread.
 */
#include "linux.h"
#include <flint/errno.h>
#include <flint/memory.h>
#include <flint/sched.h>
#include <flint/string.h>

/* include/uapi/linux/sched.h */
#define LINUX_SCHED_OTHER 0
#define LINUX_SCHED_FIFO 1
#define LINUX_SCHED_RR 2
#define LINUX_SCHED_BATCH 3
#define LINUX_SCHED_IDLE 5
#define LINUX_SCHED_DEADLINE 6
/* include/uapi/linux/resource.h */
#define LINUX_PRIO_PROCESS 0
#define LINUX_PRIO_PGRP 1
#define LINUX_PRIO_USER 2
/* include/linux/sched/prio.h */
#define MIN_NICE (-20)
#define MAX_NICE 19
/* getpriority's raw result is 20 - nice, never negative (kernel/sys.c). */
#define NICE_BASE 20
/* include/uapi/linux/sched/types.h: struct sched_attr's first version,
 * and this kernel's (with util_min and util_max). */
#define SCHED_ATTR_SIZE_VER0 48
#define SCHED_ATTR_SIZE_VER1 56
#define CPUS_PER_WORD 64		/* a cpu_set_t is an array of longs */
#define WORD_BYTES 8

struct linux_sched_attr {
	uint32_t size;
	uint32_t sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime, sched_deadline, sched_period;
	uint32_t sched_util_min, sched_util_max;
};
_Static_assert(sizeof(struct linux_sched_attr) == SCHED_ATTR_SIZE_VER1, "sched_attr");

void task_inherit_sched(struct task *k, const struct task *creator)
{
	k->nice = creator ? creator->nice : 0;
	k->policy = creator ? creator->policy : LINUX_SCHED_OTHER;
	k->affinity = creator ? creator->affinity : 0;
}

static uint64_t online_mask(void)
{
	unsigned cpus = sched_cpus();

	return cpus >= CPUS_PER_WORD ? ~0ull : (1ull << cpus) - 1;
}

/* The threads a call names, and what it does to each under its
 * process's lock (the process table locked too). */
struct sched_op {
	int which;			/* LINUX_PRIO_*; PRIO_PROCESS names one thread */
	int who;			/* 0 already replaced by the caller's */
	void (*fn)(struct task *k, struct sched_op *op);
	int nice;			/* in and out */
	int policy;
	uint64_t mask;
	bool found;
};

static void visit(struct process *p, void *arg)
{
	struct sched_op *op = arg;

	if (op->which == LINUX_PRIO_PGRP && p->pgid != op->who)
		return;
	mutex_lock(&p->lock);
	for (struct task *k = p->tasks; k; k = k->next)
		if (op->which != LINUX_PRIO_PROCESS || k->tid == op->who) {
			op->fn(k, op);
			op->found = true;
		}
	mutex_unlock(&p->lock);
}

/* -ESRCH when the call names no thread. */
static int for_each_named(struct sched_op *op)
{
	process_foreach(visit, op);
	return op->found ? 0 : -ESRCH;
}

/* A thread's tid, 0 being the caller: false for a negative one. */
static bool one_thread(struct sched_op *op, int64_t tid)
{
	if ((int)tid < 0)
		return false;
	op->which = LINUX_PRIO_PROCESS;
	op->who = tid ? (int)tid : task_current()->tid;
	return true;
}

/* PRIO_USER: every process is the one user's, root. */
static long prio_target(struct sched_op *op, uint64_t which, uint64_t who)
{
	if (which > LINUX_PRIO_USER)
		return -EINVAL;
	op->which = (int)which;
	op->who = (int)who;
	if (which == LINUX_PRIO_PROCESS && !who)
		op->who = task_current()->tid;
	if (which == LINUX_PRIO_PGRP && !who)
		op->who = process_current()->pgid;
	return 0;
}

static void read_nice(struct task *k, struct sched_op *op)
{
	if (!op->found || k->nice < op->nice)
		op->nice = k->nice;	/* the highest priority: the lowest nice */
}

static long sys_getpriority(const uint64_t a[6])
{
	struct sched_op op = { .fn = read_nice };
	long r = prio_target(&op, a[0], a[1]);

	if (r == 0)
		r = for_each_named(&op);
	return r < 0 ? r : NICE_BASE - op.nice;
}
SYSCALL(140, "getpriority", "dd", sys_getpriority);

static int clamp_nice(int64_t nice)
{
	return nice < MIN_NICE ? MIN_NICE : nice > MAX_NICE ? MAX_NICE : (int)nice;
}

static void write_nice(struct task *k, struct sched_op *op)
{
	k->nice = op->nice;
}

static long sys_setpriority(const uint64_t a[6])
{
	struct sched_op op = { .fn = write_nice, .nice = clamp_nice((int)a[2]) };
	long r = prio_target(&op, a[0], a[1]);

	return r < 0 ? r : for_each_named(&op);
}
SYSCALL(141, "setpriority", "ddd", sys_setpriority);

static void read_sched(struct task *k, struct sched_op *op)
{
	op->nice = k->nice;
	op->policy = k->policy;
	op->mask = k->affinity ? k->affinity : online_mask();
}

/* The thread's nice, policy and mask in op: 0, -EINVAL or -ESRCH. */
static int read_one(struct sched_op *op, uint64_t tid)
{
	op->fn = read_sched;
	return one_thread(op, (int64_t)tid) ? for_each_named(op) : -EINVAL;
}

static long sys_sched_getscheduler(const uint64_t a[6])
{
	struct sched_op op = { 0 };
	int r = read_one(&op, a[0]);

	return r < 0 ? r : op.policy;
}
SYSCALL(145, "sched_getscheduler", "d", sys_sched_getscheduler);

/* struct sched_param is one int, the priority: 0 for the normal policies. */
static long sys_sched_getparam(const uint64_t a[6])
{
	struct sched_op op = { 0 };
	int prio = 0, r;

	if (!a[1])
		return -EINVAL;
	r = read_one(&op, a[0]);
	return r < 0 ? r : copy_to_user((void *)a[1], &prio, sizeof(prio));
}
SYSCALL(143, "sched_getparam", "dp", sys_sched_getparam);

static bool normal_policy(uint32_t policy)
{
	return policy == LINUX_SCHED_OTHER || policy == LINUX_SCHED_BATCH ||
	       policy == LINUX_SCHED_IDLE;
}

/* Only the normal policies exist here: the real-time ones are -EINVAL,
 * as for any unknown. */
static long priority_range(int policy)
{
	return normal_policy((uint32_t)policy) ? 0 : -EINVAL;
}

static long sys_sched_get_priority_max(const uint64_t a[6])
{
	return priority_range((int)a[0]);
}
SYSCALL(146, "sched_get_priority_max", "d", sys_sched_get_priority_max);

static long sys_sched_get_priority_min(const uint64_t a[6])
{
	return priority_range((int)a[0]);
}
SYSCALL(147, "sched_get_priority_min", "d", sys_sched_get_priority_min);

/* kernel/sched/syscalls.c, sched_getattr: the caller's size, cut to this
 * kernel's struct, is what is written and what size says. */
static long sys_sched_getattr(const uint64_t a[6])
{
	struct linux_sched_attr attr;
	struct sched_op op = { 0 };
	uint32_t size = (uint32_t)a[2];
	int r;

	if (!a[1] || (int)a[0] < 0 || size > PAGE_SIZE || size < SCHED_ATTR_SIZE_VER0 || a[3])
		return -EINVAL;
	r = read_one(&op, a[0]);
	if (r < 0)
		return r;
	if (size > sizeof(attr))
		size = sizeof(attr);
	memset(&attr, 0, sizeof(attr));
	attr.size = size;
	attr.sched_policy = (uint32_t)op.policy;
	attr.sched_nice = op.nice;
	return copy_to_user((void *)a[1], &attr, size);
}
SYSCALL(315, "sched_getattr", "dpux", sys_sched_getattr);

static void write_sched(struct task *k, struct sched_op *op)
{
	k->nice = op->nice;
	k->policy = op->policy;
}

/* A size of 0 means the first version; one too small or too large is
 * -E2BIG, with this kernel's size written back (sched_copy_attr). Bytes
 * past this kernel's struct must be zero. */
static long sys_sched_setattr(const uint64_t a[6])
{
	struct linux_sched_attr attr;
	struct sched_op op = { .fn = write_sched };
	uint32_t size, big = sizeof(attr);
	uint8_t extra;

	if (!a[1] || (int)a[0] < 0 || a[2])
		return -EINVAL;
	if (copy_from_user(&size, (const void *)a[1], sizeof(size)))
		return -EFAULT;
	if (!size)
		size = SCHED_ATTR_SIZE_VER0;
	if (size < SCHED_ATTR_SIZE_VER0 || size > PAGE_SIZE)
		return copy_to_user((void *)a[1], &big, sizeof(big)) ? -EFAULT : -E2BIG;
	for (uint32_t i = big; i < size; i++) {
		if (copy_from_user(&extra, (const uint8_t *)a[1] + i, 1))
			return -EFAULT;
		if (extra)
			return copy_to_user((void *)a[1], &big, sizeof(big)) ? -EFAULT : -E2BIG;
	}
	memset(&attr, 0, sizeof(attr));
	if (copy_from_user(&attr, (const void *)a[1], size < big ? size : big))
		return -EFAULT;
	if (!normal_policy(attr.sched_policy) || attr.sched_priority)
		return -EINVAL;
	op.nice = clamp_nice(attr.sched_nice);
	op.policy = (int)attr.sched_policy;
	if (!one_thread(&op, (int64_t)a[0]))
		return -EINVAL;
	return for_each_named(&op);
}
SYSCALL(314, "sched_setattr", "dpx", sys_sched_setattr);

/* Linux writes whole longs enough for its CPUs and returns how many bytes
 * that was. */
static long sys_sched_getaffinity(const uint64_t a[6])
{
	unsigned words = (sched_cpus() + CPUS_PER_WORD - 1) / CPUS_PER_WORD;
	struct sched_op op = { 0 };
	int r;

	if (a[1] < (uint64_t)words * WORD_BYTES || a[1] % WORD_BYTES)
		return -EINVAL;
	r = read_one(&op, a[0]);
	if (r < 0)
		return r == -EINVAL ? -ESRCH : r;
	if (copy_to_user((void *)a[2], &op.mask, sizeof(op.mask)))
		return -EFAULT;
	return (long)words * WORD_BYTES;
}
SYSCALL(204, "sched_getaffinity", "dup", sys_sched_getaffinity);

static void write_mask(struct task *k, struct sched_op *op)
{
	k->affinity = op->mask == online_mask() ? 0 : op->mask;
}

/* A mask shorter than the kernel's reads as zeros past its end; one with
 * no online CPU is -EINVAL. */
static long sys_sched_setaffinity(const uint64_t a[6])
{
	struct sched_op op = { .fn = write_mask };
	uint64_t mask = 0;
	size_t len = a[1] < sizeof(mask) ? (size_t)a[1] : sizeof(mask);

	if (len && copy_from_user(&mask, (const void *)a[2], len))
		return -EFAULT;
	if (!one_thread(&op, (int64_t)a[0]))
		return -ESRCH;
	op.mask = mask & online_mask();
	if (!op.mask)
		return -EINVAL;
	return for_each_named(&op);
}
SYSCALL(203, "sched_setaffinity", "dup", sys_sched_setaffinity);
