/*
 * Processes and tasks: the process table (a tree rooted at process 1:
 * orphans are adopted by it), starting the program the command line
 * names, a new image for a process (execve's second half), the ends of
 * tasks and processes (exit, exit_group, fatal signals), zombies until
 * their parent waits, and the hooks the arch code calls on faults and on
 * every return to user mode. Lock order: the table's mutex before any
 * process's lock.
 */
#include <flint/cmdline.h>
#include <flint/heap.h>
#include <flint/linux.h>
#include <flint/param.h>
#include <flint/printk.h>
#include <flint/string.h>
#include <flint/thread.h>
#include <flint/timer.h>
#include <arch/cpu.h>
#include "linux.h"
#include "utimer.h"
#include "mm.h"

#define DEFAULT_INIT "/init"
#define DEFAULT_UMASK 022
#define ENV_MAX 64			/* env.NAME=value options kept */
#define ENV_BUF_SIZE 4096

/* The shell's conventions for a program that could not start. */
#define STATUS_NOT_FOUND 127
#define STATUS_CANNOT_EXEC 126
#define STATUS_SIGNAL_BASE 128
#define SIGCHLD 17
#define SIG_IGN 1
#define INIT_PID 1
/* The wait status (Linux's, as WIFEXITED and friends decode it): the
 * exit code in bits 15:8, or the killing signal in bits 6:0; and the
 * si_code values of SIGCHLD (uapi/asm-generic/siginfo.h). */
#define WAIT_CODE_SHIFT 8
#define WAIT_SIGNAL_MASK 0x7f
#define CLD_EXITED 1
#define CLD_KILLED 2
#define EXEC_KILL_POLL_US 100		/* execve waits for the other tasks to end */

static const char *init_path = DEFAULT_INIT;
static bool init_given;
static const char *env[ENV_MAX + 1];
static unsigned nenv;
static char env_buf[ENV_BUF_SIZE];
static size_t env_used;
static bool show;			/* proc.show: a line per process end */
KERNEL_FLAG("proc.show", show);
static int next_tid = 2;		/* pids and tids, one space; 1 is init's */
static struct mutex table_mutex;
static struct process *init_process;	/* the root of the tree */

void process_table_lock(void)
{
	mutex_lock(&table_mutex);
}

void process_table_unlock(void)
{
	mutex_unlock(&table_mutex);
}

static struct process *find_in(struct process *p, int pid)
{
	for (; p; p = p->sibling) {
		struct process *q = p->pid == pid ? p : find_in(p->children, pid);

		if (q)
			return q;
	}
	return NULL;
}

struct process *process_find(int pid)
{
	return find_in(init_process, pid);
}

static void walk(struct process *p, void (*fn)(struct process *p, void *arg), void *arg)
{
	for (; p; p = p->sibling) {
		walk(p->children, fn, arg);
		fn(p, arg);
	}
}

void process_foreach(void (*fn)(struct process *p, void *arg), void *arg)
{
	process_table_lock();
	walk(init_process, fn, arg);
	process_table_unlock();
}

int process_new_pid(void)
{
	return __atomic_fetch_add(&next_tid, 1, __ATOMIC_RELAXED);
}

int process_last_pid(void)
{
	return __atomic_load_n(&next_tid, __ATOMIC_RELAXED) - 1;
}

static int init_param(const char *value)
{
	if (!value || value[0] != '/')
		return -1;
	init_path = value;
	init_given = true;
	return 0;
}
KERNEL_PARAM("init", init_param);

/* An environment entry: replaces one of the same name. */
static int env_set(const char *name, const char *value)
{
	size_t nlen = strlen(name), vlen = value ? strlen(value) : 0;
	char *s = env_buf + env_used;
	unsigned i;

	if (!nlen || strchr(name, '=') || env_used + nlen + vlen + 2 > ENV_BUF_SIZE)
		return -1;
	memcpy(s, name, nlen);
	s[nlen] = '=';
	memcpy(s + nlen + 1, value ? value : "", vlen + 1);
	env_used += nlen + vlen + 2;
	for (i = 0; i < nenv; i++)
		if (!strncmp(env[i], name, nlen) && env[i][nlen] == '=')
			break;
	if (i == nenv) {
		if (nenv == ENV_MAX)
			return -1;
		nenv++;
	}
	env[i] = s;
	return 0;
}

static int env_param(const char *name, const char *value)
{
	return env_set(name, value);
}
KERNEL_PARAM_PREFIX("env.", env_param);

/*
 * Tasks
 */
struct task *task_new(struct process *p, struct thread *t)
{
	struct task *k = kzalloc(sizeof(*k));

	if (!k)
		return NULL;
	k->proc = p;
	k->thread = t;
	task_inherit_sched(k, task_current());
	mutex_lock(&p->lock);
	k->tid = p->nthreads ? process_new_pid() : p->pid;
	k->next = p->tasks;
	p->tasks = k;
	p->nthreads++;
	mutex_unlock(&p->lock);
	return k;
}

struct task *task_find(struct process *p, int tid)
{
	struct task *k;

	mutex_lock(&p->lock);
	for (k = p->tasks; k && k->tid != tid; k = k->next)
		;
	mutex_unlock(&p->lock);
	return k;
}

/* Takes k out of its process: true when it was the last task. */
bool task_remove(struct task *k)
{
	struct process *p = k->proc;
	bool last;

	mutex_lock(&p->lock);
	for (struct task **pp = &p->tasks; *pp; pp = &(*pp)->next)
		if (*pp == k) {
			*pp = k->next;
			break;
		}
	last = --p->nthreads == 0;
	mutex_unlock(&p->lock);
	return last;
}

/* A clone's or the first task's start, on its own kernel thread. */
struct task_start {
	struct task *task;
	struct trap_frame regs;
	uint64_t fs_base;
	uint64_t set_child_tid;		/* CLONE_CHILD_SETTID, in the new address space */
};

static void task_start(void *arg)
{
	struct task_start s = *(struct task_start *)arg;
	struct thread *self = thread_current();
	uint32_t tid = (uint32_t)s.task->tid;

	kfree(arg);
	s.task->thread = self;
	self->task = s.task;
	thread_detach(self);
	uspace_set_thread(self, mm_uspace(s.task->proc->mm));
	uspace_set_fs(s.fs_base);
	if (s.set_child_tid)
		copy_to_user((void *)s.set_child_tid, &tid, sizeof(tid));
	uspace_return(&s.regs);		/* signals sent before it ran */
	uspace_resume(&s.regs);
}

int task_spawn(struct task *k, const struct trap_frame *regs, uint64_t fs_base,
	       uint64_t set_child_tid)
{
	struct task_start *s = kmalloc(sizeof(*s));
	struct thread *t;

	if (!s)
		return -ENOMEM;
	*s = (struct task_start){ .task = k, .regs = *regs, .fs_base = fs_base,
				  .set_child_tid = set_child_tid };
	t = thread_create(task_start, s, THREAD_ANY_CPU);
	if (!t) {
		kfree(s);
		return -EAGAIN;
	}
	return 0;
}

/* Marks p as ending with status (its exit code, or 128 + a signal) and
 * wait status; the first caller decides. Its other tasks end at their
 * next return to user mode, or now if they sleep interruptibly. */
static void begin_exit(struct process *p, int status, int wait_status)
{
	if (__atomic_exchange_n(&p->exiting, true, __ATOMIC_ACQ_REL))
		return;
	p->exit_status = status;
	p->wait_status = wait_status;
	mutex_lock(&p->lock);
	for (struct task *k = p->tasks; k; k = k->next)
		if (k != task_current() && k->thread)
			sched_interrupt(k->thread);
	mutex_unlock(&p->lock);
}

static void free_process(struct process *p)
{
	kfree(p->cmdline);
	kfree(p->sig_infos);
	kfree(p);
}

static unsigned count_live(struct process *p)
{
	unsigned n = 0;

	for (; p; p = p->sibling)
		n += (p->state == PROCESS_LIVE) + count_live(p->children);
	return n;
}

/* Hands p's children to process 1 (which reaps the zombies among them). */
static void orphan_children(struct process *p)
{
	struct process *c = p->children, *next;

	for (; c; c = next) {
		next = c->sibling;
		c->parent = init_process;
		c->sibling = init_process->children;
		init_process->children = c;
	}
	p->children = NULL;
}

/* The last task is gone: everything but the entry in the table goes, and
 * the parent hears of it. Runs on the last task's kernel thread. */
static void process_finish(struct process *p, int status)
{
	struct thread *self = thread_current();

	if (!__atomic_load_n(&p->exiting, __ATOMIC_ACQUIRE)) {
		p->exit_status = status;
		p->wait_status = (status & 0xff) << WAIT_CODE_SHIFT;
	}
	uspace_set_thread(self, NULL);
	utimers_exit(p);
	fdtable_release(&p->fds);
	vfs_node_release(p->cwd);
	p->cow_copies += mm_cow_copies(p->mm);
	if (show) {
		struct mm_usage u;

		mm_usage(p->mm, &u);
		printk("proc: %d (%s) ended with wait status %#x: %llu pages copied on write, "
		       "%llu of %llu shared\n", p->pid, p->exe, p->wait_status,
		       (unsigned long long)p->cow_copies,
		       (unsigned long long)(u.shared_clean + u.shared_dirty),
		       (unsigned long long)u.rss);
	}
	mutex_lock(&p->lock);
	mm_put(p->mm);
	p->mm = NULL;
	mutex_unlock(&p->lock);
	if (p->vfork_done)
		sem_post(p->vfork_done);
	p->vfork_done = NULL;
	process_table_lock();
	if (p == init_process) {
		unsigned left = count_live(p->children);

		if (left)
			printk("flint: %u process%s still running at the end: stopped\n", left,
			       left == 1 ? "" : "es");
		process_table_unlock();
		sem_post(&p->ended);	/* linux_run powers off */
		return;
	}
	orphan_children(p);
	p->state = PROCESS_ZOMBIE;
	if (p->exit_signal) {
		unsigned long flags = spin_lock_irqsave(&p->parent->sig_lock);
		bool killed = p->wait_status & WAIT_SIGNAL_MASK;

		p->parent->chld_pid = p->pid;
		p->parent->chld_code = killed ? CLD_KILLED : CLD_EXITED;
		p->parent->chld_status = killed ? p->wait_status & WAIT_SIGNAL_MASK :
						  p->wait_status >> WAIT_CODE_SHIFT;
		spin_unlock_irqrestore(&p->parent->sig_lock, flags);
		signal_send_process(p->parent, p->exit_signal);
	}
	process_table_unlock();
	vfs_poll_notify();		/* wait4 sleeps on the poll generation */
}

void process_exit(struct process *p, int status)
{
	begin_exit(p, status, (status & 0xff) << WAIT_CODE_SHIFT);
	task_exit(status);
}

void process_kill(struct process *p, int sig)
{
	begin_exit(p, STATUS_SIGNAL_BASE + sig, sig);
	task_exit(STATUS_SIGNAL_BASE + sig);
}

void task_exit(int status)
{
	struct task *k = task_current();
	struct process *p = k->proc;
	uint32_t zero = 0;

	/* Before anyone can see the process end: a fork that follows waits
	 * for this thread instead of making another. */
	thread_detach(thread_current());
	thread_ending(thread_current());

	futex_exit_robust(k);
	if (k->clear_child_tid &&
	    copy_to_user((void *)k->clear_child_tid, &zero, sizeof(zero)) == 0)
		futex_wake_addr(k->clear_child_tid, 1);
	thread_current()->task = NULL;
	__atomic_add_fetch(&p->cpu_ended_ns, sched_run_ns(thread_current()), __ATOMIC_RELAXED);
	if (task_remove(k))
		process_finish(p, status);
	kfree(k);
	thread_exit();
}

/* execve's point of no return: p's image becomes mm (exe its path). The
 * other tasks end, descriptors marked close-on-exec close, caught signals
 * go back to their defaults, and a vfork parent goes on. */
void process_replace_image(struct process *p, struct mm *mm, const char *exe)
{
	struct task *self = task_current();
	struct thread *t = thread_current();
	struct mm *old = p->mm;
	unsigned long flags;

	mutex_lock(&p->lock);
	for (struct task *k = p->tasks; k; k = k->next)
		if (k != self) {
			k->killed = true;
			if (k->thread)
				sched_interrupt(k->thread);
		}
	mutex_unlock(&p->lock);
	while (__atomic_load_n(&p->nthreads, __ATOMIC_ACQUIRE) > 1)
		sleep_us(EXEC_KILL_POLL_US);
	mutex_lock(&p->lock);
	p->mm = mm;
	mutex_unlock(&p->lock);
	uspace_set_thread(t, mm_uspace(mm));
	p->cow_copies += mm_cow_copies(old);
	mm_put(old);
	uspace_set_fs(0);
	uspace_set_gs(0);
	arch_fpu_init(t->fpu);
	arch_fpu_restore(t->fpu);
	self->clear_child_tid = 0;
	self->robust_list = 0;
	fdtable_close_on_exec(&p->fds);
	flags = spin_lock_irqsave(&p->sig_lock);
	for (unsigned i = 0; i < LINUX_NSIG; i++)
		if (p->sigactions[i].handler != SIG_IGN)
			p->sigactions[i] = (struct linux_sigaction){ 0 };
	self->altstack_sp = self->altstack_size = 0;
	self->altstack_flags = 0;
	spin_unlock_irqrestore(&p->sig_lock, flags);
	mutex_lock(&p->lock);
	memcpy(p->exe, exe, sizeof(p->exe));
	mutex_unlock(&p->lock);
	proc_set_exe(p->pid, exe);
	if (p->vfork_done) {
		sem_post(p->vfork_done);
		p->vfork_done = NULL;
	}
	p->start_ns = clock_ns();
}

/* A new process as fork makes it (share_mm: vfork's, on the parent's
 * address space): a copy of parent's descriptors, cwd, umask, signal
 * actions, group and session, entered in the table as its child. */
struct process *process_fork(struct process *parent, bool share_mm, int exit_signal)
{
	struct process *p = kzalloc(sizeof(*p));
	unsigned long flags;

	if (!p)
		return NULL;
	if (share_mm) {
		mm_get(parent->mm);
		p->mm = parent->mm;
	} else {
		p->mm = mm_fork(parent->mm);
	}
	if (!p->mm) {
		kfree(p);
		return NULL;
	}
	p->pid = process_new_pid();
	p->exit_signal = exit_signal;
	p->start_ns = clock_ns();
	fdtable_init(&p->fds);
	fdtable_copy(&p->fds, &parent->fds);
	sem_init(&p->ended, 0);
	mutex_lock(&parent->lock);
	p->cwd = parent->cwd;
	vfs_node_hold(p->cwd);
	p->umask = parent->umask;
	cred_of(parent, &p->cred);
	memcpy(p->exe, parent->exe, sizeof(p->exe));
	memcpy(p->comm, parent->comm, sizeof(p->comm));
	if (parent->cmdline_len && (p->cmdline = kmalloc(parent->cmdline_len))) {
		memcpy(p->cmdline, parent->cmdline, parent->cmdline_len);
		p->cmdline_len = parent->cmdline_len;
	}
	mutex_unlock(&parent->lock);
	flags = spin_lock_irqsave(&parent->sig_lock);
	memcpy(p->sigactions, parent->sigactions, sizeof(p->sigactions));
	spin_unlock_irqrestore(&parent->sig_lock, flags);
	process_table_lock();
	p->parent = parent;
	p->pgid = parent->pgid;
	p->sid = parent->sid;
	p->sibling = parent->children;
	parent->children = p;
	process_table_unlock();
	return p;
}

/* A child that could not start: out of the table again, nothing kept. */
void process_unfork(struct process *p)
{
	process_table_lock();
	for (struct process **pp = &p->parent->children; *pp; pp = &(*pp)->sibling)
		if (*pp == p) {
			*pp = p->sibling;
			break;
		}
	process_table_unlock();
	fdtable_release(&p->fds);
	vfs_node_release(p->cwd);
	mm_put(p->mm);
	free_process(p);
}

/* wait4 and waitid: the first child of parent that pid selects (wait4's
 * convention: > 0 that one, -1 any, 0 the caller's group, < -1 that
 * group) and whether any matched. Table locked. */
struct process *process_zombie_child(struct process *parent, int pid, bool *any)
{
	*any = false;
	for (struct process *c = parent->children; c; c = c->sibling) {
		bool match = pid > 0 ? c->pid == pid : pid == -1 ? true :
			     pid == 0 ? c->pgid == parent->pgid : c->pgid == -pid;

		if (!match)
			continue;
		*any = true;
		if (c->state == PROCESS_ZOMBIE)
			return c;
	}
	return NULL;
}

/* Takes a zombie out of the table and frees it. Table locked. */
void process_reap(struct process *c)
{
	__atomic_add_fetch(&c->parent->cpu_children_ns, c->cpu_ended_ns + c->cpu_children_ns,
			   __ATOMIC_RELAXED);
	for (struct process **pp = &c->parent->children; *pp; pp = &(*pp)->sibling)
		if (*pp == c) {
			*pp = c->sibling;
			break;
		}
	free_process(c);
}

/*
 * The first process
 */
static struct process *process_new(void)
{
	struct process *p = kzalloc(sizeof(*p));

	if (!p)
		return NULL;
	p->mm = mm_create();
	if (!p->mm) {
		kfree(p);
		return NULL;
	}
	p->pid = INIT_PID;
	p->pgid = p->sid = INIT_PID;
	p->umask = DEFAULT_UMASK;
	cred_root(&p->cred);
	p->cwd = vfs_root();
	vfs_node_hold(p->cwd);
	p->start_ns = clock_ns();
	fdtable_init(&p->fds);
	sem_init(&p->ended, 0);
	return p;
}

/* stdin, stdout and stderr: the console, one description as Linux's init
 * gets it. */
static int open_console(struct process *p)
{
	struct file *f;
	int r = vfs_open_file(NULL, "/dev/console", VFS_O_RDWR, 0, &f);

	if (r < 0)
		return r;
	file_get(f);
	file_get(f);
	for (int fd = 0; fd < 3; fd++)
		if ((r = fdtable_install(&p->fds, f, fd, false)) < 0)
			return r;
	return 0;
}

static void default_env(void)
{
	static const char *const defaults[][2] = {
		{ "PATH", "/bin:/sbin:/usr/bin:/usr/sbin" },
		{ "HOME", "/" },
		{ "TERM", "linux" },
	};

	for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++) {
		bool set = false;

		for (unsigned j = 0; j < nenv; j++)
			set |= !strncmp(env[j], defaults[i][0], strlen(defaults[i][0])) &&
			       env[j][strlen(defaults[i][0])] == '=';
		if (!set)
			env_set(defaults[i][0], defaults[i][1]);
	}
}

static bool exists(const char *path)
{
	struct vnode *n;

	return vfs_lookup(NULL, path, true, &n) == 0;
}

int linux_run(const struct cmdline *c)
{
	const char *const *argv = c->argv;
	const char *fallback[] = { init_path, NULL };
	struct trap_frame regs;
	struct process *p;
	struct task *k;
	int r;

	if (!c->argc) {
		if (!init_given && !exists(DEFAULT_INIT)) {
			printk("flint: nothing to run: no /init and no program after --\n");
			return 0;
		}
		argv = fallback;
	}
	syscall_init();
	cred_init();
	vfs_set_clock(wall_seconds);
	default_env();
	p = process_new();
	if (!p || open_console(p) < 0) {
		printk("flint: cannot start %s: out of memory or no console\n", argv[0]);
		return STATUS_CANNOT_EXEC;
	}
	r = exec_load(p->mm, p->cwd, argv[0], argv, env, &regs, p->exe, &p->cred, true);
	if (r < 0)
		return r == -ENOENT ? STATUS_NOT_FOUND : STATUS_CANNOT_EXEC;
	init_process = p;
	process_set_cmdline(p, argv);
	process_set_comm(p, argv[0]);
	proc_provider_init();
	socket_caller_init();
	tty_caller_init();
	proc_process_added(p->pid, p->exe);
	if (signal_console_attach() < 0)
		printk("flint: ^C will not reach %s: out of memory\n", argv[0]);
	k = task_new(p, NULL);
	if (!k || task_spawn(k, &regs, 0, 0) < 0) {
		printk("flint: cannot start %s: out of memory\n", argv[0]);
		return STATUS_CANNOT_EXEC;
	}
	sem_wait(&p->ended);
	if (p->exit_status)
		printk("flint: %s exited with status %d\n", argv[0], p->exit_status);
	return p->exit_status;
}

/*
 * The arch hooks
 */
bool uspace_fault(uint64_t addr, bool write, bool exec)
{
	struct process *p = process_current();

	return p && mm_fault(p->mm, addr, write, exec);
}

/* SDM vol. 3A Table 6-1 vectors, and the #PF error code's present bit. */
#define VEC_DE 0
#define VEC_DB 1
#define VEC_BP 3
#define VEC_OF 4
#define VEC_BR 5
#define VEC_UD 6
#define VEC_NM 7
#define VEC_GP 13
#define VEC_PF 14
#define VEC_MF 16
#define VEC_AC 17
#define VEC_XM 19
#define PF_PRESENT 0x1

/* Linux's signal numbers and si_code values (uapi/asm-generic/signal.h,
 * siginfo.h). */
#define SIGILL 4
#define SIGTRAP 5
#define SIGBUS 7
#define SIGFPE 8
#define SIGSEGV 11
#define SI_KERNEL 0x80
#define ILL_ILLOPN 2
#define FPE_INTDIV 1
#define FPE_FLTINV 7
#define SEGV_MAPERR 1
#define SEGV_ACCERR 2
#define BUS_ADRALN 1
#define TRAP_BRKPT 1

void uspace_exception(struct trap_frame *regs, uint64_t fault_addr)
{
	switch (regs->vector) {
	case VEC_PF:
		signal_fault(regs, SIGSEGV, regs->error & PF_PRESENT ? SEGV_ACCERR : SEGV_MAPERR,
			     fault_addr);
		break;
	case VEC_DE:
		signal_fault(regs, SIGFPE, FPE_INTDIV, regs->rip);
		break;
	case VEC_MF:
	case VEC_XM:
		signal_fault(regs, SIGFPE, FPE_FLTINV, regs->rip);
		break;
	case VEC_UD:
	case VEC_NM:
		signal_fault(regs, SIGILL, ILL_ILLOPN, regs->rip);
		break;
	case VEC_DB:
	case VEC_BP:
		signal_fault(regs, SIGTRAP, TRAP_BRKPT, regs->rip);
		break;
	case VEC_AC:
		signal_fault(regs, SIGBUS, BUS_ADRALN, regs->rip);
		break;
	default:		/* #GP, #OF, #BR, #SS and the rest */
		signal_fault(regs, SIGSEGV, SI_KERNEL, 0);
		break;
	}
}

void uspace_return(struct trap_frame *regs)
{
	struct task *k = task_current();

	if (!k)
		return;
	if (k->killed || __atomic_load_n(&k->proc->exiting, __ATOMIC_ACQUIRE))
		task_exit(k->proc->exit_status);
	signal_deliver(regs);
}

/*
 * Syscalls
 */
static long sys_exit(const uint64_t a[6])
{
	task_exit((int)(a[0] & 0xff));
}
SYSCALL(60, "exit", "d:-", sys_exit);

static long sys_exit_group(const uint64_t a[6])
{
	process_exit(process_current(), (int)(a[0] & 0xff));
}
SYSCALL(231, "exit_group", "d:-", sys_exit_group);

static long sys_set_tid_address(const uint64_t a[6])
{
	task_current()->clear_child_tid = a[0];
	return task_current()->tid;
}
SYSCALL(218, "set_tid_address", "p", sys_set_tid_address);

#define ROBUST_LIST_HEAD_SIZE 24	/* struct robust_list_head on x86-64 */

static long sys_set_robust_list(const uint64_t a[6])
{
	if (a[1] != ROBUST_LIST_HEAD_SIZE)
		return -EINVAL;
	task_current()->robust_list = a[0];
	task_current()->robust_len = a[1];
	return 0;
}
SYSCALL(273, "set_robust_list", "pu", sys_set_robust_list);

static long sys_get_robust_list(const uint64_t a[6])
{
	struct task *k = a[0] ? task_find(process_current(), (int)a[0]) : task_current();
	uint64_t len = ROBUST_LIST_HEAD_SIZE;

	if (!k)
		return -ESRCH;
	if (copy_to_user((void *)a[1], &k->robust_list, sizeof(k->robust_list)) ||
	    copy_to_user((void *)a[2], &len, sizeof(len)))
		return -EFAULT;
	return 0;
}
SYSCALL(274, "get_robust_list", "dpp", sys_get_robust_list);

/* arch_prctl codes (arch/x86/include/uapi/asm/prctl.h). */
#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004

static long sys_arch_prctl(const uint64_t a[6])
{
	struct thread *t = thread_current();

	switch (a[0]) {
	case ARCH_SET_FS:
	case ARCH_SET_GS:
		if (a[1] >= USER_TOP)
			return -EPERM;
		if (a[0] == ARCH_SET_FS)
			uspace_set_fs(a[1]);
		else
			uspace_set_gs(a[1]);
		return 0;
	case ARCH_GET_FS:
		return copy_to_user((void *)a[1], &t->fs_base, sizeof(t->fs_base));
	case ARCH_GET_GS:
		return copy_to_user((void *)a[1], &t->gs_base, sizeof(t->gs_base));
	}
	return -EINVAL;
}
SYSCALL(158, "arch_prctl", "xp", sys_arch_prctl);
