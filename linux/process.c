/*
 * Processes and tasks: starting the program the command line names
 * (loading its ELF image into a new address space), its threads (clone),
 * their ends (exit, exit_group), and the hooks the arch code calls on
 * faults and on every return to user mode.
 */
#include <flint/cmdline.h>
#include <flint/elf.h>
#include <flint/entropy.h>
#include <flint/heap.h>
#include <flint/linux.h>
#include <flint/param.h>
#include <flint/printk.h>
#include <flint/string.h>
#include <flint/thread.h>
#include <flint/timer.h>
#include <arch/cpu.h>
#include "linux.h"
#include "mm.h"

#define DEFAULT_INIT "/init"
#define DEFAULT_UMASK 022
#define ENV_MAX 64			/* env.NAME=value options kept */
#define ENV_BUF_SIZE 4096
/* The first stack's strings, pointers and auxv: the command line and the
 * env options are 4 KiB each at most (CMDLINE_BUF_SIZE, ENV_BUF_SIZE). */
#define STACK_BUF_SIZE (16 * 1024)
/* Linux's ELF_ET_DYN_BASE for x86-64 (2/3 of TASK_SIZE, page-aligned)
 * and up to 2^28 bytes of randomisation above it, in pages. */
#define PIE_BASE 0x555555554000ull
#define PIE_RANDOM_PAGES (1u << 16)
#define ELF_MAGIC "\177ELF"
#define ELF_MAGIC_LEN 4

/* The shell's conventions for a program that could not start. */
#define STATUS_NOT_FOUND 127
#define STATUS_CANNOT_EXEC 126
#define STATUS_SIGNAL_BASE 128

/* CPUID leaf 1 EDX: what AT_HWCAP carries on x86-64. */
#define CPUID_LEAF_FEATURES 1

static const char *init_path = DEFAULT_INIT;
static bool init_given;
static const char *env[ENV_MAX + 1];
static unsigned nenv;
static char env_buf[ENV_BUF_SIZE];
static size_t env_used;
static int next_tid = 2;		/* tid 1 is the first process */

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
	mutex_lock(&p->lock);
	k->tid = p->nthreads ? __atomic_fetch_add(&next_tid, 1, __ATOMIC_RELAXED) : p->pid;
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
static bool task_remove(struct task *k)
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
};

static void task_start(void *arg)
{
	struct task_start s = *(struct task_start *)arg;
	struct thread *self = thread_current();

	kfree(arg);
	s.task->thread = self;
	self->task = s.task;
	thread_detach(self);
	uspace_set_thread(self, mm_uspace(s.task->proc->mm));
	uspace_set_fs(s.fs_base);
	uspace_resume(&s.regs);
}

static int task_spawn(struct task *k, const struct trap_frame *regs, uint64_t fs_base)
{
	struct task_start *s = kmalloc(sizeof(*s));
	struct thread *t;

	if (!s)
		return -ENOMEM;
	*s = (struct task_start){ .task = k, .regs = *regs, .fs_base = fs_base };
	t = thread_create(task_start, s, THREAD_ANY_CPU);
	if (!t) {
		kfree(s);
		return -EAGAIN;
	}
	return 0;
}

void process_exit(struct process *p, int status)
{
	if (!__atomic_exchange_n(&p->exiting, true, __ATOMIC_ACQ_REL)) {
		p->exit_status = status;
		sem_post(&p->ended);
	}
	thread_detach(thread_current());
	thread_exit();
}

void task_exit(int status)
{
	struct task *k = task_current();
	uint32_t zero = 0;

	if (k->clear_child_tid &&
	    copy_to_user((void *)k->clear_child_tid, &zero, sizeof(zero)) == 0)
		futex_wake_addr(k->clear_child_tid, 1);
	if (task_remove(k))
		process_exit(k->proc, status);
	thread_current()->task = NULL;
	kfree(k);
	thread_detach(thread_current());
	thread_exit();
}

/*
 * Loading a program
 */
static int exec_error(const char *path, const char *what, int err)
{
	printk("flint: %s: %s\n", path, what);
	return err;
}

static uint64_t pie_base(void)
{
	uint16_t r = 0;

	entropy_random(&r, sizeof(r));
	return PIE_BASE + (uint64_t)(r % PIE_RANDOM_PAGES) * PAGE_SIZE;
}

static int map_segments(struct mm *mm, const struct elf_image *img, const uint8_t *file)
{
	for (unsigned i = 0; i < img->nsegments; i++) {
		const struct elf_segment *s = &img->segments[i];
		/* The file bytes from the segment's first page, as mmap of the
		 * file would place them. */
		uint64_t lead = s->vaddr - s->map_start;
		long r = mm_mmap(mm, s->map_start, s->map_end - s->map_start, (int)s->prot,
				 LINUX_MAP_PRIVATE | LINUX_MAP_ANONYMOUS | LINUX_MAP_FIXED, NULL, 0, 0);

		if (r < 0)
			return (int)r;
		if (s->file_offset < lead)
			lead = s->file_offset;
		r = mm_write(mm, s->vaddr - lead, file + s->file_offset - lead, s->file_size + lead);
		if (r < 0)
			return (int)r;
	}
	return 0;
}

static int build_stack(struct process *p, const struct elf_image *img, const char *path,
		       const char *const *argv, const char *const *envp, uint64_t *sp)
{
	struct elf_stack_args a = {
		.size = STACK_BUF_SIZE,
		.user_top = USER_TOP,
		.argv = argv,
		.envp = envp,
		.execfn = path,
		.platform = "x86_64",
		.hwcap = cpuid(CPUID_LEAF_FEATURES, 0).edx,
		.page_size = PAGE_SIZE,
		.clock_ticks = 100,
	};
	long r;

	a.stack = kmalloc(STACK_BUF_SIZE);
	if (!a.stack)
		return -ENOMEM;
	entropy_random(a.random, sizeof(a.random));
	r = mm_mmap(p->mm, USER_TOP - MM_STACK_SIZE, MM_STACK_SIZE,
		    LINUX_PROT_READ | LINUX_PROT_WRITE | (img->exec_stack ? LINUX_PROT_EXEC : 0),
		    LINUX_MAP_PRIVATE | LINUX_MAP_ANONYMOUS | LINUX_MAP_FIXED, NULL, 0, 0);
	if (r >= 0)
		r = elf_build_stack(&a, img, sp);
	if (r >= 0)
		r = mm_write(p->mm, *sp, (char *)a.stack + STACK_BUF_SIZE - (USER_TOP - *sp),
			     USER_TOP - *sp);
	kfree(a.stack);
	return (int)r;
}

int exec_load(struct process *p, const char *path, const char *const *argv,
	      const char *const *envp, struct trap_frame *regs)
{
	struct elf_image img;
	struct elf_error err;
	struct file *f;
	struct vnode *n;
	uint64_t sp;
	int r;

	r = vfs_open_file(p->cwd, path, VFS_O_RDONLY, 0, &f);
	if (r < 0)
		return exec_error(path, r == -ENOENT ? "no such file" : "cannot open it", r);
	n = f->node;
	if (!n || (n->mode & VFS_S_IFMT) != VFS_S_IFREG) {
		r = exec_error(path, "not a regular file", -EACCES);
	} else if (!(n->mode & 0111)) {
		r = exec_error(path, "not executable (no x permission)", -EACCES);
	} else if (n->size < ELF_MAGIC_LEN || memcmp(n->data, ELF_MAGIC, ELF_MAGIC_LEN)) {
		r = exec_error(path, n->size >= 2 && n->data[0] == '#' && n->data[1] == '!' ?
			       "a #! script: scripts need the processes work (not an ELF executable)" :
			       "not an ELF executable (exec format error)", -ENOEXEC);
	} else if (elf_parse(n->data, n->size, pie_base(), &img, &err) < 0) {
		printk("flint: %s: %s (program header %d, value %#llx)\n", path, err.msg,
		       err.phdr_index, (unsigned long long)err.value);
		r = -ENOEXEC;
	} else {
		r = map_segments(p->mm, &img, n->data);
		if (r == 0)
			r = build_stack(p, &img, path, argv, envp, &sp);
		if (r < 0)
			exec_error(path, "cannot load it (out of memory or arguments too big)", r);
	}
	if (r == 0) {
		mm_set_brk(p->mm, img.highest);
		memset(regs, 0, sizeof(*regs));
		regs->rip = img.entry;
		regs->rsp = sp;
		if (vfs_path_of(n, p->exe, sizeof(p->exe)) < 0)
			p->exe[0] = '\0';
	}
	file_put(f);
	return r;
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
	p->pid = 1;
	p->umask = DEFAULT_UMASK;
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
	default_env();
	p = process_new();
	if (!p || open_console(p) < 0) {
		printk("flint: cannot start %s: out of memory or no console\n", argv[0]);
		return STATUS_CANNOT_EXEC;
	}
	r = exec_load(p, argv[0], argv, env, &regs);
	if (r < 0)
		return r == -ENOENT ? STATUS_NOT_FOUND : STATUS_CANNOT_EXEC;
	proc_set_exe(p->exe);
	if (signal_console_attach(p) < 0)
		printk("flint: ^C will not reach %s: out of memory\n", argv[0]);
	k = task_new(p, NULL);
	if (!k || task_spawn(k, &regs, 0) < 0) {
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
	if (__atomic_load_n(&k->proc->exiting, __ATOMIC_ACQUIRE))
		task_exit(k->proc->exit_status);
	signal_deliver(regs);
}

/*
 * Syscalls
 */
/* Linux's clone flags (uapi/linux/sched.h). */
#define CLONE_VM 0x00000100
#define CLONE_FS 0x00000200
#define CLONE_FILES 0x00000400
#define CLONE_SIGHAND 0x00000800
#define CLONE_VFORK 0x00004000
#define CLONE_THREAD 0x00010000
#define CLONE_SYSVSEM 0x00040000
#define CLONE_SETTLS 0x00080000
#define CLONE_PARENT_SETTID 0x00100000
#define CLONE_CHILD_CLEARTID 0x00200000
#define CLONE_DETACHED 0x00400000
#define CLONE_CHILD_SETTID 0x01000000
#define CLONE_THREAD_FLAGS (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD)
#define CLONE_KNOWN (CLONE_THREAD_FLAGS | CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID | \
		     CLONE_CHILD_CLEARTID | CLONE_DETACHED | CLONE_CHILD_SETTID)
#define CSIGNAL 0xff			/* the exit signal in clone's flags */

struct clone_request {
	uint64_t flags, stack, parent_tid, child_tid, tls;
};

static long do_clone(const struct clone_request *c)
{
	struct task *self = task_current(), *k;
	struct trap_frame regs = *self->regs;
	uint32_t tid;
	int r;

	if ((c->flags & CLONE_THREAD_FLAGS) != CLONE_THREAD_FLAGS)
		return -ENOSYS;	/* new processes (fork, vfork) come with the processes work */
	if (c->flags & ~(uint64_t)(CLONE_KNOWN | CSIGNAL))
		return -EINVAL;
	if ((c->flags & CLONE_SETTLS) && c->tls >= USER_TOP)
		return -EPERM;
	k = task_new(self->proc, NULL);
	if (!k)
		return -ENOMEM;
	tid = (uint32_t)k->tid;
	if (c->flags & CLONE_CHILD_CLEARTID)
		k->clear_child_tid = c->child_tid;
	k->sig_blocked = self->sig_blocked;
	if (((c->flags & CLONE_PARENT_SETTID) &&
	     copy_to_user((void *)c->parent_tid, &tid, sizeof(tid))) ||
	    ((c->flags & CLONE_CHILD_SETTID) &&
	     copy_to_user((void *)c->child_tid, &tid, sizeof(tid)))) {
		task_remove(k);
		kfree(k);
		return -EFAULT;
	}
	regs.rax = 0;
	if (c->stack)
		regs.rsp = c->stack;
	r = task_spawn(k, &regs, c->flags & CLONE_SETTLS ? c->tls : thread_current()->fs_base);
	if (r < 0) {
		task_remove(k);
		kfree(k);
		return r;
	}
	return (long)tid;
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
	if (args.set_tid || args.set_tid_size || args.cgroup)
		return -EINVAL;
	c = (struct clone_request){ args.flags | (args.exit_signal & CSIGNAL),
				    args.stack ? args.stack + args.stack_size : 0,
				    args.parent_tid, args.child_tid, args.tls };
	return do_clone(&c);
}
SYSCALL(435, "clone3", "pu", sys_clone3);

/* New processes, and waiting for them, come with the processes work. */
SYSCALL(57, "fork", ":d", syscall_enosys);
SYSCALL(58, "vfork", ":d", syscall_enosys);
SYSCALL(59, "execve", "spp", syscall_enosys);
SYSCALL(61, "wait4", "dppp", syscall_enosys);

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
