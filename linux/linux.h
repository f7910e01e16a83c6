/*
 * The Linux ABI layer's internal interface, shared by the files of linux/ only (the
 * rest of the kernel sees <flint/linux.h>). A process is a first-class
 * object: its own address space (struct mm, linux/mm.h), descriptor
 * table, cwd, umask and signal actions; each of its threads is a task
 * bound to one kernel thread. See docs/linux-abi.md.
 */
#ifndef LINUX_LINUX_H
#define LINUX_LINUX_H

#include <arch/trap.h>
#include <flint/errno.h>
#include <flint/memory.h>
#include <flint/sched.h>
#include <flint/sync.h>
#include <flint/uspace.h>
#include <flint/vfs.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LINUX_NSIG 64			/* signals 1..64 */
#define LINUX_EXE_MAX 256		/* bytes of the program's path */

/* Bit of a signal in a 64-bit set (signal 1 is bit 0), as Linux's sigset_t. */
#define SIGBIT(sig) (1ull << ((sig) - 1))

/* The x86-64 kernel's struct sigaction for rt_sigaction
 * (arch/x86/include/uapi/asm/signal.h without SA_RESTORER games). */
struct linux_sigaction {
	uint64_t handler;		/* SIG_DFL 0, SIG_IGN 1, or a function */
	uint64_t flags;			/* SA_* */
	uint64_t restorer;		/* SA_RESTORER: calls rt_sigreturn */
	uint64_t mask;			/* blocked while the handler runs */
};

struct mm;
struct task;

#define LINUX_GROUPS_MAX VFS_CRED_GROUPS	/* groups kept (setgroups: -ENOMEM beyond) */

/* A process's user and group ids and capabilities (creds.c). Linux keeps
 * them per thread, but the C libraries change every thread's together. */
struct linux_cred {
	uint32_t uid, euid, suid, fsuid;
	uint32_t gid, egid, sgid, fsgid;
	uint32_t groups[LINUX_GROUPS_MAX];
	unsigned ngroups;
	uint64_t cap_effective, cap_permitted, cap_inheritable;
	bool keepcaps;			/* PR_SET_KEEPCAPS */
};

enum process_state { PROCESS_LIVE, PROCESS_ZOMBIE };

#define LINUX_CMDLINE_MAX 4096		/* bytes of argv kept for /proc/<pid>/cmdline */

struct process {
	int pid;
	struct mm *mm;			/* address space, VMAs, brk (shared by vfork) */
	struct fdtable fds;		/* has its own lock */
	struct mutex lock;		/* cwd, umask, tasks, exe, cmdline */
	struct vnode *cwd;
	uint32_t umask;
	spinlock_t cred_lock;		/* cred (creds.c): taken after any other */
	struct linux_cred cred;
	char exe[LINUX_EXE_MAX];	/* absolute path of the program */
	char comm[PROC_COMM_MAX];	/* the name execve was given, cut (/proc) */
	char *cmdline;			/* argv, NUL-separated, as /proc shows it */
	size_t cmdline_len;
	struct task *tasks;		/* live threads, through task->next */
	unsigned nthreads;
	spinlock_t sig_lock;		/* sigactions, sig_pending, every task's signal state */
	struct linux_sigaction sigactions[LINUX_NSIG];
	uint64_t sig_pending;		/* sent to the process (kill) */
	void *sig_infos;		/* sigqueue's and timers' siginfo (linux/signal.c) */
	/* The last child's end, for SIGCHLD's siginfo: pid, si_code
	 * (CLD_EXITED or CLD_KILLED) and si_status. Under sig_lock. */
	int chld_pid, chld_code, chld_status;
	uint64_t cow_copies;		/* pages copied on write, over all its images */
	uint64_t start_ns;		/* clock_ns() at exec */
	/* CPU time (ns) of its ended threads, and of its reaped children
	 * with theirs (atomic): */
	uint64_t cpu_ended_ns, cpu_children_ns;
	bool exiting;			/* exit_group ran or a fatal signal came */
	int exit_status;		/* exit code, or 128 + signal: the VM's status for pid 1 */
	/* The tree, under the process-table lock (process_table_lock): */
	struct process *parent;		/* NULL for process 1 */
	struct process *children;	/* through sibling */
	struct process *sibling;
	int pgid, sid;			/* process group and session */
	enum process_state state;
	int wait_status;		/* for wait4: code << 8, or the signal number */
	struct semaphore *vfork_done;	/* CLONE_VFORK: posted at exec or exit */
	int exit_signal;		/* sent to the parent at the end (SIGCHLD) */
	struct semaphore ended;		/* posted when the process ends */
};

struct task {
	struct thread *thread;
	struct process *proc;
	int tid;
	struct task *next;		/* proc->tasks, under proc->lock */
	struct trap_frame *regs;	/* user registers of the current syscall */
	long restart_nr;		/* its number if SA_RESTART may restart it, else -1 */
	uint64_t clear_child_tid;	/* CLONE_CHILD_CLEARTID/set_tid_address */
	uint64_t robust_list, robust_len;
	/* linux/sys_sched.c, under proc->lock: inherited by clone and fork. */
	int nice, policy;
	uint64_t affinity;		/* CPUs it may run on; 0: all */
	bool killed;			/* execve in another thread: end at once */
	/* Under proc->sig_lock: */
	uint64_t sig_blocked;
	uint64_t sig_pending;		/* sent to this thread (tgkill, faults) */
	uint64_t altstack_sp, altstack_size;
	int altstack_flags;		/* SS_DISABLE, SS_ONSTACK */
};

/* creds.c: registers the VFS's cred source (before the first exec);
 * root's credentials (every capability); the caller's (or p's), copied
 * under its cred_lock; replacing the caller's (execve); execve's change to c for a file of mode mode owned by uid:gid
 * (true: set-user/group-ID took effect, AT_SECURE); what the VFS checks
 * for c, under its filesystem ids or (access()) its real ones. */
void cred_init(void);
void cred_root(struct linux_cred *c);
void cred_current(struct linux_cred *c);
void cred_of(struct process *p, struct linux_cred *c);
void cred_set(const struct linux_cred *c);
bool cred_exec(struct linux_cred *c, uint32_t mode, uint32_t uid, uint32_t gid, bool nosuid);
void cred_vfs(const struct linux_cred *c, bool real, struct vfs_cred *v);
long cred_prctl(int option, uint64_t arg);	/* -EINVAL for options not its own */

/* The calling thread's task (NULL in a kernel thread). */
static inline struct task *task_current(void)
{
	return thread_current()->task;
}

static inline struct process *process_current(void)
{
	struct task *t = task_current();

	return t ? t->proc : NULL;
}

/*
 * The syscall table. Each file declares its calls with SYSCALL next to
 * their code; linux/syscall.c dispatches by number and traces them.
 * Handlers get the six raw arguments; the registers of the call are at
 * task_current()->regs (clone and rt_sigreturn need them).
 *
 * fmt gives strace one letter per argument: d signed decimal, u unsigned,
 * x hex, p pointer, s user string, f descriptor, o octal mode, and the
 * result's form after a colon: d (default), x, p, or - (no return).
 */
typedef long (*syscall_fn)(const uint64_t a[6]);

struct syscall_desc {
	unsigned nr;
	const char *name;
	const char *fmt;
	syscall_fn fn;
};

#define SYSCALL(num, sname, sfmt, sfn)                                        \
	static const struct syscall_desc __syscall_##num                       \
		__attribute__((used, section(".syscalls"), aligned(8))) = {     \
			.nr = (num), .name = (sname), .fmt = (sfmt), .fn = (sfn) }

/* Handlers shared by calls with a fixed answer: 0 (root's ids, syncs
 * with nothing to write back), or -ENOSYS without the console line (calls
 * the C libraries probe and do without). */
long syscall_zero(const uint64_t a[6]);
long syscall_enosys(const uint64_t a[6]);

/* Builds the table from the SYSCALL declarations (once, at start). */
void syscall_init(void);

/*
 * Processes and tasks (linux/process.c).
 */
/* Loads the program path (argv, envp NULL-terminated; a #! script runs
 * through its interpreter) into mm, a new address space, looked up from
 * cwd, and fills *regs with the registers that start it and exe (at least
 * LINUX_EXE_MAX bytes) with its absolute path. cred, the caller's ids,
 * becomes the program's (cred_exec) and decides the permission to run it.
 * Returns 0 or a negative errno; with report, a console line says what was
 * wrong with the file. */
int exec_load(struct mm *mm, struct vnode *cwd, const char *path, const char *const *argv,
	      const char *const *envp, struct trap_frame *regs, char *exe,
	      struct linux_cred *cred, bool report);
/* A new task in p running on thread t (not started yet). */
struct task *task_new(struct process *p, struct thread *t);
/* k's nice, policy and affinity: its creator's (none: the defaults). */
void task_inherit_sched(struct task *k, const struct task *creator);
/* Takes a task that never ran, or the calling one, out of its process:
 * true when it was the last. */
bool task_remove(struct task *k);
/* Starts k on a new kernel thread in user mode with regs and FS base
 * fs_base; set_child_tid (0: none) gets the tid, written in k's address
 * space. */
int task_spawn(struct task *k, const struct trap_frame *regs, uint64_t fs_base,
	       uint64_t set_child_tid);
int process_new_pid(void);
int process_last_pid(void);		/* the newest pid or tid given */
/* fork's process (see linux/process.c), and its undoing when the child
 * cannot start. */
struct process *process_fork(struct process *parent, bool share_mm, int exit_signal);
void process_unfork(struct process *p);
/* The argv /proc/<pid>/cmdline shows (NULL-terminated). */
void process_set_cmdline(struct process *p, const char *const *argv);
/* The comm /proc shows: path's last part, as Linux takes execve's name. */
void process_set_comm(struct process *p, const char *path);
/* execve's second half: p's image becomes mm. */
void process_replace_image(struct process *p, struct mm *mm, const char *exe);
/* Waiting: a zombie child of parent that pid selects (wait4's rules;
 * *any: whether any child matched), and reaping it. Table locked. */
struct process *process_zombie_child(struct process *parent, int pid, bool *any);
void process_reap(struct process *c);
/* Ends the calling task (exit); the process ends with its last task. */
__noreturn void task_exit(int status);
/* Ends the whole process with status (exit_group), or killed by sig
 * (its status 128 + sig, its parent sees the signal). */
__noreturn void process_exit(struct process *p, int status);
__noreturn void process_kill(struct process *p, int sig);
/* Looks up a task of p by tid (NULL: none). */
struct task *task_find(struct process *p, int tid);

/* The process table: every live and zombie process. Lookups and walks
 * hold the table's mutex; fn must not take it again. */
void process_table_lock(void);
void process_table_unlock(void);
struct process *process_find(int pid);		/* table locked */
void process_foreach(void (*fn)(struct process *p, void *arg), void *arg);	/* locks it */

/*
 * Futexes (linux/futex.c).
 */
/* Wakes up to n waiters on the private futex at uaddr; returns how many. */
int futex_wake_addr(uint64_t uaddr, int n);
/* A thread's end: its robust list's locks get FUTEX_OWNER_DIED. */
void futex_exit_robust(struct task *t);

/*
 * Signals (linux/signal.c).
 */
/* Queues sig for one task or for the process (any thread that does not
 * block it), and interrupts an interruptible sleep. 0 or -EINVAL. */
int signal_send_task(struct task *t, int sig);
int signal_send_process(struct process *p, int sig);
/* A synchronous fault in user mode (SIGSEGV, SIGBUS, SIGFPE, SIGILL,
 * SIGTRAP): delivered at once; blocked or ignored, it kills the process. */
void signal_fault(struct trap_frame *regs, int sig, int code, uint64_t addr);
/* Whether the calling task has a signal it does not block pending. */
bool signal_pending(void);
/* Sends sig with the 128-byte siginfo_t info (sigqueue, timers) to task
 * t, or to process p when t is NULL: the one pending instance carries it
 * (queued real-time signals are not kept apart). 0, -EINVAL or -ENOMEM.
 * Not from an interrupt. */
int signal_send_info(struct process *p, struct task *t, int sig, const void *info);
/* For signalfd: the calling task's pending signals of set, and taking
 * one of them (0: none) with its 128-byte siginfo_t. */
uint64_t signal_pending_in(uint64_t set);
int signal_take(uint64_t set, void *siginfo);
/* The most stack a signal's frame takes (AT_MINSIGSTKSZ). */
uint64_t signal_frame_max(void);
/* At every return to user mode: runs the default action of pending
 * signals or sets *regs up to enter their handlers. */
void signal_deliver(struct trap_frame *regs);
/* Ends a wait done with a temporary mask (ppoll, pselect6, epoll_pwait,
 * rt_sigsuspend) that a signal interrupted: delivers it while that mask
 * is in force, the handler's frame restoring old, and returns what the
 * syscall returns (0, the handler's entry rax, with -EINTR in the frame;
 * -EINTR with old back when no handler ran). */
long signal_end_masked_wait(uint64_t old);
/* Makes ^C, ^\ and ^Z on the console send SIGINT, SIGQUIT and SIGTSTP
 * to the terminal's foreground process group (tty_foreground_pgrp), once
 * at start. 0 or -ENOMEM. */
int signal_console_attach(void);

/* /proc's view of the processes (linux/procfs_linux.c): registered once,
 * before the first process. */
void proc_provider_init(void);
/* The socket families' view of the caller (linux/socket_caller.c), the
 * same. */
void socket_caller_init(void);
/* linux/tty_caller.c: the terminals' view of the calling process. */
void tty_caller_init(void);

/* CLOCK_REALTIME less CLOCK_MONOTONIC (clock_ns()), in ns: the wall
 * clock at boot (linux/sys_misc.c). */
uint64_t realtime_offset_ns(void);
/* The CPU time of p's threads, ended ones included, in ns
 * (linux/sys_time.c). Takes p->lock. */
uint64_t process_cpu_ns(struct process *p);
/* The wall clock in seconds since 1970 (the filesystems' times). */
uint32_t wall_seconds(void);

/* SIOCGIFCONF on a socket (linux/sys_socket.c): -ENOTTY on other files. */
long socket_ifconf(struct file *f, uint64_t uarg);

/*
 * Helpers for syscall handlers (linux/syscall.c).
 */
/* Copies a user path into a kernel buffer of VFS_PATH_MAX bytes. */
long user_path(char *dst, uint64_t upath);
/* A kernel buffer for bounce copies: at least BOUNCE_SIZE bytes. Freed
 * with bounce_put. NULL when out of memory. */
#define BOUNCE_SIZE 4096
void *bounce_get(void);
/* For a transfer of want bytes: a buffer of up to BOUNCE_MAX bytes in one
 * piece when the heap has one (*size says how large), else BOUNCE_SIZE.
 * Each pass through a file's read or write costs far more than the copy
 * (a socket's takes its locks and tells TCP of the window), so large
 * transfers take few large passes. */
#define BOUNCE_MAX (64 * 1024)
void *bounce_get_for(uint64_t want, size_t *size);
void bounce_put(void *buf);

#endif
