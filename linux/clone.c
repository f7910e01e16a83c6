/*
 * New tasks and processes: clone and clone3 with the thread flags make a
 * thread of the caller's process; without CLONE_VM they fork (a new
 * process with a copy-on-write copy of the address space); with CLONE_VM
 * but not CLONE_THREAD, the child process shares the parent's address
 * space until it calls execve (vfork, posix_spawn), and CLONE_VFORK
 * makes the parent wait until then.
 */
#include <flint/heap.h>
#include <flint/string.h>
#include "linux.h"
#include "mm.h"

/* Linux's clone flags (uapi/linux/sched.h). */
#define CLONE_VM 0x00000100
#define CLONE_FS 0x00000200
#define CLONE_FILES 0x00000400
#define CLONE_SIGHAND 0x00000800
#define CLONE_VFORK 0x00004000
#define CLONE_PARENT 0x00008000
#define CLONE_THREAD 0x00010000
#define CLONE_SYSVSEM 0x00040000
#define CLONE_SETTLS 0x00080000
#define CLONE_PARENT_SETTID 0x00100000
#define CLONE_CHILD_CLEARTID 0x00200000
#define CLONE_DETACHED 0x00400000
#define CLONE_CHILD_SETTID 0x01000000
#define CLONE_THREAD_FLAGS (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD)
#define CLONE_KNOWN (CLONE_THREAD_FLAGS | CLONE_VFORK | CLONE_SYSVSEM | CLONE_SETTLS | \
		     CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | CLONE_DETACHED | \
		     CLONE_CHILD_SETTID)
/* A new process shares no table with its parent: these need CLONE_THREAD
 * here (one process, several threads). */
#define CLONE_SHARED_TABLES (CLONE_FS | CLONE_FILES | CLONE_SIGHAND)
#define CSIGNAL 0xff			/* the exit signal in clone's flags */
#define SIGCHLD 17

struct clone_request {
	uint64_t flags, stack, parent_tid, child_tid, tls;
};

static int set_parent_tid(const struct clone_request *c, int tid)
{
	uint32_t v = (uint32_t)tid;

	if ((c->flags & CLONE_PARENT_SETTID) && copy_to_user((void *)c->parent_tid, &v, sizeof(v)))
		return -EFAULT;
	return 0;
}

static void child_regs(const struct clone_request *c, struct trap_frame *regs)
{
	*regs = *task_current()->regs;
	regs->rax = 0;
	if (c->stack)
		regs->rsp = c->stack;
}

static uint64_t child_fs(const struct clone_request *c)
{
	return c->flags & CLONE_SETTLS ? c->tls : thread_current()->fs_base;
}

/* Sets the new task k up as c asks and starts it: 0, or an error with k
 * taken out and freed again. */
static int start_task(const struct clone_request *c, struct task *k)
{
	struct trap_frame regs;
	int r;

	if (c->flags & CLONE_CHILD_CLEARTID)
		k->clear_child_tid = c->child_tid;
	k->sig_blocked = task_current()->sig_blocked;
	r = set_parent_tid(c, k->tid);
	child_regs(c, &regs);
	if (r == 0)
		r = task_spawn(k, &regs, child_fs(c),
			       c->flags & CLONE_CHILD_SETTID ? c->child_tid : 0);
	if (r < 0) {
		task_remove(k);
		kfree(k);
	}
	return r;
}

static long clone_thread(const struct clone_request *c)
{
	struct task *k = task_new(task_current()->proc, NULL);
	int tid, r;

	if (!k)
		return -ENOMEM;
	tid = k->tid;		/* k may be gone once it runs */
	r = start_task(c, k);
	return r < 0 ? r : tid;
}

static long clone_process(const struct clone_request *c)
{
	struct semaphore vfork_done;
	struct process *p;
	struct task *k;
	int r, pid;

	if (c->flags & (CLONE_SHARED_TABLES | CLONE_PARENT))
		return -EINVAL;
	p = process_fork(task_current()->proc, c->flags & CLONE_VM, (int)(c->flags & CSIGNAL));
	if (!p)
		return -ENOMEM;
	pid = p->pid;
	k = task_new(p, NULL);
	if (!k) {
		process_unfork(p);
		return -ENOMEM;
	}
	if (c->flags & CLONE_VFORK) {
		sem_init(&vfork_done, 0);
		p->vfork_done = &vfork_done;
	}
	r = start_task(c, k);
	if (r < 0) {
		process_unfork(p);
		return r;
	}
	proc_process_added(pid, p->exe);
	if (c->flags & CLONE_VFORK)
		sem_wait(&vfork_done);	/* p may be gone by now: only pid is used */
	return pid;
}

static long do_clone(const struct clone_request *c)
{
	if (c->flags & ~(uint64_t)(CLONE_KNOWN | CSIGNAL))
		return -EINVAL;
	if ((c->flags & CLONE_SETTLS) && c->tls >= USER_TOP)
		return -EPERM;
	if (c->flags & CLONE_THREAD) {
		if ((c->flags & CLONE_THREAD_FLAGS) != CLONE_THREAD_FLAGS)
			return -EINVAL;
		return clone_thread(c);
	}
	return clone_process(c);
}

static long sys_clone(const uint64_t a[6])
{
	/* x86-64 order: flags, stack, parent_tid, child_tid, tls. */
	struct clone_request c = { a[0], a[1], a[2], a[3], a[4] };

	return do_clone(&c);
}
SYSCALL(56, "clone", "xppppx", sys_clone);

/* struct clone_args (uapi/linux/sched.h), the fields clone3 may use. */
struct clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	uint64_t set_tid, set_tid_size, cgroup;
};
#define CLONE_ARGS_SIZE_VER0 64

static long sys_clone3(const uint64_t a[6])
{
	struct clone_args args = { 0 };
	struct clone_request c;

	if (a[1] < CLONE_ARGS_SIZE_VER0 || a[1] > sizeof(args))
		return -EINVAL;
	if (copy_from_user(&args, (const void *)a[0], a[1]))
		return -EFAULT;
	/* pidfd is read only with CLONE_PIDFD (glibc fills it in anyway),
	 * which is not supported: the flag check refuses it. */
	if (args.set_tid || args.set_tid_size || args.cgroup || args.exit_signal > CSIGNAL)
		return -EINVAL;
	c = (struct clone_request){ args.flags | args.exit_signal,
				    args.stack ? args.stack + args.stack_size : 0,
				    args.parent_tid, args.child_tid, args.tls };
	return do_clone(&c);
}
SYSCALL(435, "clone3", "pu", sys_clone3);

static long sys_fork(const uint64_t a[6])
{
	struct clone_request c = { .flags = SIGCHLD };

	(void)a;
	return do_clone(&c);
}
SYSCALL(57, "fork", ":d", sys_fork);

static long sys_vfork(const uint64_t a[6])
{
	struct clone_request c = { .flags = CLONE_VM | CLONE_VFORK | SIGCHLD };

	(void)a;
	return do_clone(&c);
}
SYSCALL(58, "vfork", ":d", sys_vfork);
