/*
 * linux/signal.c on the host: a fake process with two tasks, "user
 * memory" that is a host buffer (copies outside it fault), and stubs for
 * the scheduler, the FPU and process_exit/process_kill (which jump back to
 * the test).
 * Frames are read back through the host's own ucontext_t and siginfo_t,
 * so the layouts are checked against glibc's view of the kernel ABI.
 * A fake process table holds it and, for kill and the process-group
 * calls of linux/sys_misc.c, a small tree of others.
 * The files are included whole: their syscalls are static, reached by the
 * kernel only through the .syscalls table.
 */
#define _GNU_SOURCE
#include "check.h"
#include <setjmp.h>
#include <stdalign.h>
#include <ucontext.h>

#include "../../linux/signal.c"
#include "../../linux/sys_misc.c"

#define HANDLER 0x401000ull
#define RESTORER 0x402000ull
#define FPU_XSAVE_BYTES 576	/* legacy area and XSAVE header */

static alignas(64) uint8_t umem[1 << 16];
static alignas(64) uint8_t fpu_area[FPU_XSAVE_BYTES];
static size_t fpu_size = FXSAVE_BYTES;
static unsigned fpu_inits, fpu_restores;

static struct process proc;
static struct task task, task2;
static struct thread thread1, thread2;
static struct trap_frame regs;

static struct thread *interrupted;
static unsigned interrupts, clears;
static int (*sleep_hook)(void);

static jmp_buf exit_jmp;
static int exit_status = -1;
static char last_line[256];

/* The stubs signal.c links with. */
struct thread *thread_current(void)
{
	return &thread1;
}

static bool user_range(const void *p, size_t n)
{
	const uint8_t *b = p;

	return b >= umem && n <= sizeof(umem) && b <= umem + sizeof(umem) - n;
}

int copy_to_user(void *udst, const void *src, size_t n)
{
	if (!user_range(udst, n))
		return -EFAULT;
	memcpy(udst, src, n);
	return 0;
}

int copy_from_user(void *dst, const void *usrc, size_t n)
{
	if (!user_range(usrc, n))
		return -EFAULT;
	memcpy(dst, usrc, n);
	return 0;
}

size_t arch_fpu_size(void)
{
	return fpu_size;
}

/* The "live" state is the area itself. */
void arch_fpu_save(void *area)
{
	(void)area;
}

void arch_fpu_restore(const void *area)
{
	(void)area;
	fpu_restores++;
}

void arch_fpu_init(void *area)
{
	memset(area, 0, fpu_size);
	fpu_inits++;
}

void sched_interrupt(struct thread *t)
{
	interrupted = t;
	interrupts++;
	t->interrupted = true;
}

void sched_clear_interrupt(void)
{
	thread_current()->interrupted = false;
	clears++;
}

/* Releases the lock and returns what the hook says (a signal sent while
 * asleep), or -ETIMEDOUT. */
int sched_sleep(spinlock_t *release, uint64_t deadline, bool interruptible)
{
	CHECK(interruptible);
	(void)deadline;
	spin_unlock(release);
	return sleep_hook ? sleep_hook() : -ETIMEDOUT;
}

int poll_timespec_deadline(uint64_t uts, uint64_t *deadline)
{
	(void)uts;
	*deadline = 1;
	return 0;
}

/* Sending a signal wakes poll waiters (signalfd). */
static unsigned poll_notifies;

void vfs_poll_notify(void)
{
	poll_notifies++;
}

void *kzalloc(size_t size)
{
	return calloc(1, size);
}

void kfree(void *p)
{
	free(p);
}

void mutex_lock(struct mutex *m)
{
	(void)m;
}

void mutex_unlock(struct mutex *m)
{
	(void)m;
}

struct task *task_find(struct process *p, int tid)
{
	for (struct task *t = p->tasks; t; t = t->next)
		if (t->tid == tid)
			return t;
	return NULL;
}

void printk_line(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_line, sizeof(last_line), fmt, ap);
	va_end(ap);
}

void process_exit(struct process *p, int status)
{
	CHECK(p == &proc);
	exit_status = status;
	longjmp(exit_jmp, 1);
}

/* A death by a signal: its status as the VM would see it. */
void process_kill(struct process *p, int sig)
{
	process_exit(p, 128 + sig);
}

/* The console relay's thread, its semaphore and the tty hook. */
static void (*relay_fn)(void *arg);
static bool relay_detached, relay_fails;
static unsigned sem_posts;
static void (*tty_hook)(int sig);

struct thread *thread_create(void (*fn)(void *arg), void *arg, int cpu)
{
	CHECK_EQ(cpu, THREAD_ANY_CPU);
	if (relay_fails)
		return NULL;
	CHECK(!arg);
	relay_fn = fn;
	return &thread2;
}

void thread_detach(struct thread *t)
{
	CHECK(t == &thread2);
	relay_detached = true;
}

void sem_init(struct semaphore *s, unsigned count)
{
	s->count = count;
	sem_posts = 0;
}

void sem_post(struct semaphore *s)
{
	s->count++;
	sem_posts++;
}

void sem_wait(struct semaphore *s)
{
	CHECK(s->count > 0);
	s->count--;
}

void tty_set_signal_hook(void (*fn)(int sig))
{
	tty_hook = fn;
}

static int foreground = 42;

int tty_foreground_pgrp(void)
{
	return foreground;
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

/* The process table: proc alone unless a test adds others. */
#define TABLE_MAX 8
static struct process *table[TABLE_MAX];
static unsigned table_len;
static bool table_locked;

void process_table_lock(void)
{
	CHECK(!table_locked);
	table_locked = true;
}

void process_table_unlock(void)
{
	CHECK(table_locked);
	table_locked = false;
}

struct process *process_find(int pid)
{
	CHECK(table_locked);
	for (unsigned i = 0; i < table_len; i++)
		if (table[i]->pid == pid)
			return table[i];
	return NULL;
}

void process_foreach(void (*fn)(struct process *p, void *arg), void *arg)
{
	process_table_lock();
	for (unsigned i = 0; i < table_len; i++)
		fn(table[i], arg);
	process_table_unlock();
}

/* Runs expr, which must end the process: its status (-1: it did not). */
#define EXIT_STATUS(expr)						\
	({								\
		exit_status = -1;					\
		if (!setjmp(exit_jmp))					\
			(void)(expr);					\
		exit_status;						\
	})

static void setup(void)
{
	strcpy(proc.exe, "/bin/test");
	proc.pid = proc.pgid = proc.sid = 42;
	table[0] = &proc;
	table_len = 1;
	proc.tasks = &task;
	task = (struct task){ .thread = &thread1, .proc = &proc, .tid = 42, .next = &task2,
			      .regs = &regs };
	task2 = (struct task){ .thread = &thread2, .proc = &proc, .tid = 43 };
	thread1.task = &task;
	thread1.fpu = fpu_area;
	thread2.task = &task2;
	for (size_t i = 0; i < FXSAVE_BYTES; i++)
		fpu_area[i] = (uint8_t)i;
	memset(fpu_area + FXSAVE_MXCSR_MASK, 0, 4);
	regs = (struct trap_frame){
		.r15 = 15, .r14 = 14, .r13 = 13, .r12 = 12, .r11 = 11, .r10 = 10,
		.r9 = 9, .r8 = 8, .rbp = 0xb9, .rdi = 0xd1, .rsi = 0x51, .rdx = 0xd8,
		.rcx = 0xc8, .rbx = 0xb8, .rax = 0xa8, .rip = 0x401234, .cs = 0x33,
		.rflags = 0x202 | RFLAGS_DF, .rsp = (uint64_t)&umem[sizeof(umem) - 1000],
		.ss = 0x2b,
	};
}

static long call(syscall_fn fn, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	const uint64_t a[6] = { a0, a1, a2, a3, 0, 0 };

	return fn(a);
}

static void set_handler(int sig, uint64_t flags, uint64_t mask)
{
	struct linux_sigaction *act = (struct linux_sigaction *)umem;

	*act = (struct linux_sigaction){ HANDLER + (uint64_t)sig,
					 flags | LINUX_SA_RESTORER, RESTORER, mask };
	CHECK_EQ(call(sys_rt_sigaction, (uint64_t)sig, (uint64_t)act, 0, 8), 0);
}

static ucontext_t *frame_uc(void)
{
	return (ucontext_t *)regs.rdx;
}

/* The handler returns into the restorer, which calls rt_sigreturn. */
static long handler_return(void)
{
	regs.rsp += 8;
	return call(sys_rt_sigreturn, 0, 0, 0, 0);
}

TEST(layouts_match_the_host_abi)
{
	CHECK_EQ(sizeof(struct sig_mcontext), sizeof(struct sigcontext));
	CHECK_EQ(offsetof(struct sig_mcontext, rip), offsetof(struct sigcontext, rip));
	CHECK_EQ(offsetof(struct sig_mcontext, cs), offsetof(struct sigcontext, cs));
	CHECK_EQ(offsetof(struct sig_mcontext, cr2), offsetof(struct sigcontext, cr2));
	CHECK_EQ(offsetof(struct sig_mcontext, fpstate), offsetof(struct sigcontext, fpstate));
	CHECK_EQ(offsetof(struct sig_ucontext, mcontext), offsetof(ucontext_t, uc_mcontext));
	CHECK_EQ(offsetof(struct sig_ucontext, stack), offsetof(ucontext_t, uc_stack));
	CHECK_EQ(offsetof(struct sig_ucontext, sigmask), offsetof(ucontext_t, uc_sigmask));
	CHECK_EQ(offsetof(struct sig_stack, size), offsetof(stack_t, ss_size));
	CHECK_EQ(sizeof(struct sig_info), sizeof(siginfo_t));
	CHECK_EQ(offsetof(struct sig_info, code), offsetof(siginfo_t, si_code));
	CHECK_EQ(offsetof(struct sig_info, u.addr), offsetof(siginfo_t, si_addr));
	CHECK_EQ(offsetof(struct sig_info, u.kill.pid), offsetof(siginfo_t, si_pid));
	CHECK_EQ(offsetof(struct sig_info, u.kill.uid), offsetof(siginfo_t, si_uid));
	CHECK_EQ(LINUX_SIGKILL, SIGKILL);
	CHECK_EQ(LINUX_SIGSEGV, SIGSEGV);
	CHECK_EQ(LINUX_SIGSTOP, SIGSTOP);
	CHECK_EQ(LINUX_SA_ONSTACK, (uint64_t)SA_ONSTACK);
	CHECK_EQ(LINUX_SA_NODEFER, (uint64_t)SA_NODEFER);
	CHECK_EQ(LINUX_SA_RESETHAND, (uint64_t)(unsigned)SA_RESETHAND);
	CHECK_EQ(LINUX_SS_ONSTACK, SS_ONSTACK);
	CHECK_EQ(LINUX_SS_DISABLE, SS_DISABLE);
	CHECK_EQ(LINUX_SI_TKILL, SI_TKILL);
	CHECK_EQ(LINUX_SIG_UNBLOCK, SIG_UNBLOCK);
	CHECK_EQ(LINUX_SIG_SETMASK, SIG_SETMASK);
	for (int sig = 1; sig < LINUX_SIGRTMIN; sig++)
		CHECK_STR(sig_descs[sig].name + 3, sig == 29 ? "IO" : sigabbrev_np(sig));
}

TEST(handler_frame_and_sigreturn)
{
	struct trap_frame before;
	ucontext_t *uc;
	siginfo_t *si;
	uint64_t restorer;

	setup();
	set_handler(10, 0, SIGBIT(12) | SIGBIT(LINUX_SIGKILL));
	task.sig_blocked = SIGBIT(3);
	before = regs;
	CHECK_EQ(signal_send_task(&task, 10), 0);
	CHECK(interrupted == &thread1);
	signal_deliver(&regs);

	CHECK_EQ(regs.rip, HANDLER + 10);
	CHECK_EQ(regs.rdi, 10u);
	CHECK_EQ(regs.rax, 0u);
	CHECK_EQ((regs.rsp + 8) % 16, 0u);
	CHECK(regs.rsp + 440 <= before.rsp - RED_ZONE);
	CHECK(!(regs.rflags & RFLAGS_DF));
	memcpy(&restorer, (void *)regs.rsp, 8);
	CHECK_EQ(restorer, RESTORER);

	uc = frame_uc();
	CHECK_EQ(regs.rdx, regs.rsp + 8);
	CHECK_EQ((uint64_t)uc->uc_mcontext.gregs[REG_RIP], before.rip);
	CHECK_EQ((uint64_t)uc->uc_mcontext.gregs[REG_RSP], before.rsp);
	CHECK_EQ((uint64_t)uc->uc_mcontext.gregs[REG_RAX], before.rax);
	CHECK_EQ((uint64_t)uc->uc_mcontext.gregs[REG_RCX], before.rcx);
	CHECK_EQ((uint64_t)uc->uc_mcontext.gregs[REG_R8], before.r8);
	CHECK_EQ((uint64_t)uc->uc_mcontext.gregs[REG_R15], before.r15);
	CHECK_EQ((uint64_t)uc->uc_mcontext.gregs[REG_EFL], before.rflags);
	CHECK_EQ(uc->uc_sigmask.__val[0], SIGBIT(3));
	CHECK_EQ(uc->uc_stack.ss_flags, SS_DISABLE);
	CHECK_EQ((uintptr_t)uc->uc_mcontext.fpregs % 64, 0u);
	CHECK((uint64_t)uc->uc_mcontext.fpregs > regs.rsp + 440);
	CHECK_EQ(((uint8_t *)uc->uc_mcontext.fpregs)[100], 100);

	si = (siginfo_t *)regs.rsi;
	CHECK_EQ(si->si_signo, 10);
	CHECK_EQ(si->si_code, SI_TKILL);
	CHECK_EQ(si->si_pid, 42);
	/* The handler runs with SIGKILL never blocked and the FPU reset. */
	CHECK_EQ(task.sig_blocked, SIGBIT(3) | SIGBIT(10) | SIGBIT(12));
	CHECK_EQ(fpu_inits, 1u);
	CHECK_EQ(fpu_area[100], 0);

	/* What the handler changed comes back sanitised. */
	uc->uc_mcontext.gregs[REG_EFL] |= 0x3000 | RFLAGS_AC;	/* IOPL 3 */
	((uint8_t *)uc->uc_mcontext.fpregs)[FXSAVE_MXCSR + 2] = 0xff;
	uc->uc_sigmask.__val[0] = SIGBIT(5) | SIGBIT(LINUX_SIGSTOP);
	regs.rflags = 0x202;
	CHECK_EQ((uint64_t)handler_return(), before.rax);
	CHECK_EQ(regs.rip, before.rip);
	CHECK_EQ(regs.rsp, before.rsp);
	CHECK_EQ(regs.rdi, before.rdi);
	CHECK_EQ(regs.rdx, before.rdx);
	CHECK_EQ(regs.r11, before.r11);
	CHECK_EQ(regs.cs, before.cs);
	CHECK_EQ(regs.rflags, 0x202 | RFLAGS_DF | RFLAGS_AC);
	CHECK_EQ(task.sig_blocked, SIGBIT(5));
	CHECK_EQ(fpu_area[100], 100);
	CHECK_EQ(fpu_area[FXSAVE_MXCSR + 2], 0xff & (MXCSR_MASK_DEFAULT >> 16));
	CHECK_EQ(fpu_area[FXSAVE_MXCSR + 1], FXSAVE_MXCSR + 1);
}

TEST(sigreturn_sets_the_xsave_legacy_bits)
{
	setup();
	fpu_size = FPU_XSAVE_BYTES;
	memset(fpu_area + XSAVE_XSTATE_BV, 0, 8);
	set_handler(10, 0, 0);
	signal_send_task(&task, 10);
	signal_deliver(&regs);
	handler_return();
	CHECK_EQ(fpu_area[XSAVE_XSTATE_BV], XSTATE_LEGACY);
}

TEST(frames_stack_lowest_signal_innermost)
{
	uint64_t first_rsp;

	setup();
	set_handler(10, 0, 0);
	set_handler(12, 0, 0);
	signal_send_process(&proc, 12);
	signal_send_task(&task, 10);
	signal_deliver(&regs);
	/* 10 (the thread's) went first; 12's frame is on top of it. */
	CHECK_EQ(regs.rip, HANDLER + 12);
	CHECK_EQ((uint64_t)frame_uc()->uc_mcontext.gregs[REG_RIP], HANDLER + 10);
	CHECK_EQ(((siginfo_t *)regs.rsi)->si_code, SI_USER);
	CHECK_EQ(task.sig_blocked, SIGBIT(10) | SIGBIT(12));
	CHECK_EQ(clears, 1u);
	first_rsp = (uint64_t)frame_uc()->uc_mcontext.gregs[REG_RSP];
	handler_return();
	CHECK_EQ(regs.rsp, first_rsp);
	CHECK_EQ(regs.rip, HANDLER + 10);
	CHECK_EQ(task.sig_blocked, SIGBIT(10));
}

TEST(nothing_pending_takes_no_lock)
{
	setup();
	proc.sig_lock.locked = 1;	/* the slow path would spin */
	signal_deliver(&regs);
	CHECK_EQ(clears, 0u);
	proc.sig_lock.locked = 0;
	thread1.interrupted = true;
	signal_deliver(&regs);
	CHECK_EQ(clears, 1u);
	CHECK(!thread1.interrupted);
}

TEST(nodefer_and_resethand)
{
	setup();
	set_handler(10, LINUX_SA_NODEFER | LINUX_SA_RESETHAND, 0);
	signal_send_task(&task, 10);
	signal_deliver(&regs);
	CHECK_EQ(regs.rip, HANDLER + 10);
	CHECK_EQ(task.sig_blocked, 0u);
	CHECK_EQ(proc.sigactions[9].handler, (uint64_t)LINUX_SIG_DFL);
	signal_send_task(&task, 10);
	CHECK_EQ(EXIT_STATUS(signal_deliver(&regs)), 128 + 10);
}

TEST(altstack_frame_and_state)
{
	struct sig_stack *ss = (struct sig_stack *)&umem[256], *old = ss + 1;
	uint64_t alt = (uint64_t)&umem[4096];

	setup();
	*ss = (struct sig_stack){ .sp = alt, .size = 1024 };
	CHECK_EQ(call(sys_sigaltstack, (uint64_t)ss, 0, 0, 0), -ENOMEM);
	ss->size = 8192;
	CHECK_EQ(call(sys_sigaltstack, (uint64_t)ss, (uint64_t)old, 0, 0), 0);
	CHECK_EQ(old->flags, SS_DISABLE);
	set_handler(11, LINUX_SA_ONSTACK, 0);
	signal_send_task(&task, 11);
	signal_deliver(&regs);
	CHECK(regs.rsp > alt && regs.rsp < alt + 8192);
	CHECK_EQ(frame_uc()->uc_stack.ss_flags, 0);
	CHECK_EQ((uint64_t)frame_uc()->uc_stack.ss_sp, alt);
	/* In the handler: on the stack, which cannot change now. */
	CHECK_EQ(call(sys_sigaltstack, 0, (uint64_t)old, 0, 0), 0);
	CHECK_EQ(old->flags, SS_ONSTACK);
	CHECK_EQ(call(sys_sigaltstack, (uint64_t)ss, 0, 0, 0), -EPERM);
	ss->flags = 5;
	handler_return();
	CHECK_EQ(call(sys_sigaltstack, (uint64_t)ss, 0, 0, 0), -EINVAL);
	ss->flags = SS_DISABLE;
	CHECK_EQ(call(sys_sigaltstack, (uint64_t)ss, 0, 0, 0), 0);
	CHECK_EQ(call(sys_sigaltstack, 0, (uint64_t)old, 0, 0), 0);
	CHECK_EQ(old->flags, SS_DISABLE);
}

TEST(default_actions)
{
	setup();
	CHECK_EQ(EXIT_STATUS((signal_send_task(&task, 15), signal_deliver(&regs))), 143);
	CHECK_STR(last_line, "flint: /bin/test killed by signal 15 (SIGTERM)");
	setup();
	signal_send_process(&proc, 6);
	CHECK_EQ(EXIT_STATUS(signal_deliver(&regs)), 134);
	setup();
	signal_send_task(&task, 40);
	CHECK_EQ(EXIT_STATUS(signal_deliver(&regs)), 168);
}

TEST(ignored_signals_are_dropped_unless_blocked)
{
	setup();
	interrupts = 0;
	signal_send_task(&task, 17);		/* SIGCHLD: ignored by default */
	set_handler(10, 0, 0);
	proc.sigactions[9].handler = LINUX_SIG_IGN;
	signal_send_process(&proc, 10);
	CHECK_EQ(task.sig_pending | proc.sig_pending, 0u);
	CHECK_EQ(interrupts, 0u);
	signal_send_task(&task, 19);		/* SIGSTOP */
	CHECK_EQ(task.sig_pending, 0u);
	CHECK(strstr(last_line, "SIGSTOP") != NULL);

	task.sig_blocked = SIGBIT(10);
	signal_send_task(&task, 10);
	CHECK_EQ(task.sig_pending, SIGBIT(10));
	CHECK_EQ(interrupts, 0u);
	task.sig_blocked = 0;
	signal_deliver(&regs);
	CHECK_EQ(task.sig_pending, 0u);
	CHECK_EQ(regs.rip, 0x401234u);
}

TEST(kill_beats_handlers)
{
	setup();
	set_handler(2, 0, 0);
	signal_send_task(&task, 2);
	signal_send_process(&proc, LINUX_SIGKILL);
	CHECK_EQ(EXIT_STATUS(signal_deliver(&regs)), 137);
}

TEST(process_signal_goes_to_a_task_that_takes_it)
{
	setup();
	task.sig_blocked = SIGBIT(10);
	thread1.task = &task2;		/* the sender is the other thread */
	interrupted = NULL;
	signal_send_process(&proc, 10);
	CHECK(interrupted == &thread2);
	task2.sig_blocked = SIGBIT(10);
	interrupted = NULL;
	signal_send_process(&proc, 10);
	CHECK(interrupted == NULL);
	CHECK_EQ(proc.sig_pending, SIGBIT(10));
}

TEST(faults)
{
	siginfo_t *si;

	setup();
	set_handler(11, 0, 0);
	regs.vector = X86_TRAP_PF;
	regs.error = 6;
	signal_fault(&regs, 11, 1, 0xdead0);
	si = (siginfo_t *)regs.rsi;
	CHECK_EQ(si->si_signo, 11);
	CHECK_EQ(si->si_code, 1);
	CHECK_EQ((uint64_t)si->si_addr, 0xdead0u);
	CHECK_EQ((uint64_t)frame_uc()->uc_mcontext.gregs[REG_CR2], 0xdead0u);
	CHECK_EQ((uint64_t)frame_uc()->uc_mcontext.gregs[REG_TRAPNO], (uint64_t)X86_TRAP_PF);
	CHECK_EQ((uint64_t)frame_uc()->uc_mcontext.gregs[REG_ERR], 6u);
	/* A second fault while the handler blocks SIGSEGV kills. */
	CHECK_EQ(EXIT_STATUS(signal_fault(&regs, 11, 1, 0)), 139);
	CHECK(strstr(last_line, "killed by signal 11 (SIGSEGV) at rip 0x401") != NULL);
	setup();
	CHECK_EQ(EXIT_STATUS(signal_fault(&regs, 8, 1, 0x401234)), 136);
}

TEST(bad_stack_or_no_restorer_kills)
{
	setup();
	set_handler(10, 0, 0);
	regs.rsp = 0x1000;
	signal_send_task(&task, 10);
	CHECK_EQ(EXIT_STATUS(signal_deliver(&regs)), 139);
	CHECK(strstr(last_line, "cannot write the signal frame") != NULL);
	setup();
	set_handler(10, 0, 0);
	proc.sigactions[9].flags = 0;
	signal_send_task(&task, 10);
	CHECK_EQ(EXIT_STATUS(signal_deliver(&regs)), 139);
	setup();
	regs.rsp = 0x1000;
	CHECK_EQ(EXIT_STATUS(handler_return()), 139);
}

TEST(sigaction_checks)
{
	struct linux_sigaction *act = (struct linux_sigaction *)umem, *old = act + 1;

	setup();
	*act = (struct linux_sigaction){ HANDLER, LINUX_SA_RESTORER, RESTORER, ~0ull };
	CHECK_EQ(call(sys_rt_sigaction, 9, (uint64_t)act, 0, 8), -EINVAL);
	CHECK_EQ(call(sys_rt_sigaction, 19, (uint64_t)act, 0, 8), -EINVAL);
	CHECK_EQ(call(sys_rt_sigaction, 9, 0, (uint64_t)old, 8), 0);
	CHECK_EQ(call(sys_rt_sigaction, 0, (uint64_t)act, 0, 8), -EINVAL);
	CHECK_EQ(call(sys_rt_sigaction, 65, (uint64_t)act, 0, 8), -EINVAL);
	CHECK_EQ(call(sys_rt_sigaction, 10, (uint64_t)act, 0, 4), -EINVAL);
	CHECK_EQ(call(sys_rt_sigaction, 10, 16, 0, 8), -EFAULT);
	CHECK_EQ(call(sys_rt_sigaction, 10, (uint64_t)act, (uint64_t)old, 8), 0);
	CHECK_EQ(old->handler, 0u);
	CHECK_EQ(call(sys_rt_sigaction, 10, 0, (uint64_t)old, 8), 0);
	CHECK_EQ(old->handler, HANDLER);
	CHECK_EQ(old->mask, ~UNBLOCKABLE);
}

TEST(sigprocmask_and_sigpending)
{
	uint64_t *set = (uint64_t *)umem, *old = set + 1;

	setup();
	*set = SIGBIT(2) | SIGBIT(LINUX_SIGKILL);
	CHECK_EQ(call(sys_rt_sigprocmask, LINUX_SIG_BLOCK, (uint64_t)set, 0, 8), 0);
	CHECK_EQ(task.sig_blocked, SIGBIT(2));
	*set = SIGBIT(3);
	CHECK_EQ(call(sys_rt_sigprocmask, LINUX_SIG_BLOCK, (uint64_t)set, (uint64_t)old, 8), 0);
	CHECK_EQ(*old, SIGBIT(2));
	*set = SIGBIT(2);
	CHECK_EQ(call(sys_rt_sigprocmask, LINUX_SIG_UNBLOCK, (uint64_t)set, 0, 8), 0);
	CHECK_EQ(task.sig_blocked, SIGBIT(3));
	*set = SIGBIT(7);
	CHECK_EQ(call(sys_rt_sigprocmask, LINUX_SIG_SETMASK, (uint64_t)set, 0, 8), 0);
	CHECK_EQ(task.sig_blocked, SIGBIT(7));
	CHECK_EQ(call(sys_rt_sigprocmask, 3, (uint64_t)set, 0, 8), -EINVAL);
	CHECK_EQ(call(sys_rt_sigprocmask, 3, 0, (uint64_t)old, 8), 0);
	CHECK_EQ(*old, SIGBIT(7));
	CHECK_EQ(call(sys_rt_sigprocmask, 0, (uint64_t)set, 0, 16), -EINVAL);

	signal_send_process(&proc, 7);
	signal_send_task(&task, 10);
	CHECK_EQ(call(sys_rt_sigpending, (uint64_t)set, 8, 0, 0), 0);
	CHECK_EQ(*set, SIGBIT(7));
	CHECK(signal_pending());
	CHECK_EQ(call(sys_rt_sigpending, (uint64_t)set, 9, 0, 0), -EINVAL);
}

TEST(kill_tkill_tgkill)
{
	setup();
	CHECK_EQ(call(sys_kill, 42, 0, 0, 0), 0);
	CHECK_EQ(call(sys_kill, 7, 10, 0, 0), -ESRCH);
	CHECK_EQ(call(sys_kill, (uint64_t)-1, 10, 0, 0), -ESRCH);
	CHECK_EQ(call(sys_kill, 42, 65, 0, 0), -EINVAL);
	task.sig_blocked = SIGBIT(10);
	CHECK_EQ(call(sys_kill, 0, 10, 0, 0), 0);
	CHECK_EQ(proc.sig_pending, SIGBIT(10));
	CHECK_EQ(call(sys_tkill, 99, 10, 0, 0), -ESRCH);
	CHECK_EQ(call(sys_tkill, 0, 10, 0, 0), -EINVAL);
	CHECK_EQ(call(sys_tgkill, 41, 43, 10, 0), -ESRCH);
	CHECK_EQ(call(sys_tgkill, 42, 43, 0, 0), 0);
	interrupted = NULL;
	CHECK_EQ(call(sys_tgkill, 42, 43, 12, 0), 0);
	CHECK_EQ(task2.sig_pending, SIGBIT(12));
	CHECK(interrupted == &thread2);
}

static int send_usr1(void)
{
	signal_send_task(&task, 10);
	return -EINTR;
}

TEST(sigsuspend_runs_the_handler_with_the_old_mask_saved)
{
	uint64_t *mask = (uint64_t *)umem;

	setup();
	set_handler(10, 0, 0);
	task.sig_blocked = SIGBIT(10) | SIGBIT(3);
	*mask = SIGBIT(3);
	sleep_hook = send_usr1;
	CHECK_EQ(call(sys_rt_sigsuspend, (uint64_t)mask, 8, 0, 0), 0);
	CHECK_EQ(regs.rip, HANDLER + 10);
	CHECK_EQ(frame_uc()->uc_sigmask.__val[0], SIGBIT(10) | SIGBIT(3));
	CHECK_EQ((int64_t)frame_uc()->uc_mcontext.gregs[REG_RAX], -EINTR);
	CHECK_EQ(task.sig_blocked, SIGBIT(10) | SIGBIT(3));
	CHECK_EQ(handler_return(), -EINTR);
	CHECK_EQ(task.sig_blocked, SIGBIT(10) | SIGBIT(3));
}

/* ppoll's shape: the caller blocks SIGUSR1, the wait's mask lets it in,
 * and it arrives during the wait. */
TEST(masked_wait_delivers_under_the_wait_mask)
{
	setup();
	set_handler(10, 0, SIGBIT(12));
	task.sig_blocked = SIGBIT(3);
	signal_send_task(&task, 10);
	regs.rax = 271;
	CHECK_EQ(signal_end_masked_wait(SIGBIT(10) | SIGBIT(3)), 0);
	CHECK_EQ(regs.rip, HANDLER + 10);
	CHECK_EQ(task.sig_pending, 0u);
	CHECK_EQ(frame_uc()->uc_sigmask.__val[0], SIGBIT(10) | SIGBIT(3));
	CHECK_EQ((int64_t)frame_uc()->uc_mcontext.gregs[REG_RAX], -EINTR);
	/* The handler runs with the wait's mask and its own added. */
	CHECK_EQ(task.sig_blocked, SIGBIT(3) | SIGBIT(10) | SIGBIT(12));
	CHECK_EQ(handler_return(), -EINTR);
	CHECK_EQ(task.sig_blocked, SIGBIT(10) | SIGBIT(3));
}

TEST(masked_wait_without_a_handler_restores_the_mask)
{
	setup();
	task.sig_blocked = 0;
	CHECK_EQ(signal_end_masked_wait(SIGBIT(10)), -EINTR);
	CHECK_EQ(task.sig_blocked, SIGBIT(10));
	CHECK_EQ(regs.rip, 0x401234u);
	/* A default action that kills still kills. */
	task.sig_blocked = 0;
	signal_send_task(&task, 10);
	CHECK_EQ(EXIT_STATUS(signal_end_masked_wait(SIGBIT(10))), 128 + 10);
}

TEST(console_signals_go_to_the_process)
{
	setup();
	relay_fails = true;
	tty_hook = NULL;
	CHECK_EQ(signal_console_attach(), -ENOMEM);
	CHECK(!tty_hook);
	relay_fails = false;
	CHECK_EQ(signal_console_attach(), 0);
	CHECK(relay_detached && relay_fn && tty_hook);
	task.sig_blocked = SIGBIT(2) | SIGBIT(3);
	task2.sig_blocked = SIGBIT(3);
	interrupted = NULL;
	tty_hook(3);
	tty_hook(2);
	tty_hook(LINUX_NSIG + 1);
	CHECK_EQ(sem_posts, 2u);
	/* Typed, not sent: only the relay takes the locks. */
	CHECK_EQ(proc.sig_pending, 0u);
	CHECK(!interrupted);
	console_send();
	CHECK_EQ(proc.sig_pending, SIGBIT(2) | SIGBIT(3));
	CHECK(interrupted == &thread2);
	/* Sent once: the next round has nothing. */
	proc.sig_pending = 0;
	console_send();
	CHECK_EQ(proc.sig_pending, 0u);
	task.sig_blocked = 0;
	tty_hook(2);
	console_send();
	CHECK_EQ(EXIT_STATUS(signal_deliver(&regs)), 130);
	CHECK(strstr(last_line, "killed by signal 2 (SIGINT)"));
}

/* The tree: init (1) leads session 1; proc (42) leads group 42 in it,
 * with children 50 (in group 42), 51 (a zombie in group 42) and 70
 * (leading its own session); 60 leads session 60 under init. */
static struct process init, child, zombie, leader, other;
static struct task child_task;
static struct thread child_thread;

static void set_process(struct process *p, int pid, struct process *parent, int pgid,
			int sid)
{
	*p = (struct process){ .pid = pid, .parent = parent, .pgid = pgid, .sid = sid };
	strcpy(p->exe, "/bin/other");
	table[table_len++] = p;
}

static void tree_setup(void)
{
	setup();
	proc.sid = 1;
	proc.parent = &init;
	set_process(&init, 1, NULL, 1, 1);
	set_process(&child, 50, &proc, 42, 1);
	set_process(&zombie, 51, &proc, 42, 1);
	zombie.state = PROCESS_ZOMBIE;
	set_process(&leader, 70, &proc, 70, 70);
	set_process(&other, 60, &init, 60, 60);
	child_task = (struct task){ .thread = &child_thread, .proc = &child, .tid = 50 };
	child.tasks = &child_task;
}

static uint64_t pending_mask(void)
{
	return (proc.sig_pending ? 1u : 0) | (init.sig_pending ? 2u : 0) |
	       (child.sig_pending ? 4u : 0) | (zombie.sig_pending ? 8u : 0) |
	       (leader.sig_pending ? 16u : 0) | (other.sig_pending ? 32u : 0);
}

static void clear_pending(void)
{
	proc.sig_pending = init.sig_pending = child.sig_pending = 0;
	leader.sig_pending = other.sig_pending = 0;
}

TEST(kill_reaches_processes_and_groups)
{
	tree_setup();
	CHECK_EQ(call(sys_kill, 50, 10, 0, 0), 0);
	CHECK_EQ(child.sig_pending, SIGBIT(10));
	CHECK(interrupted == &child_thread);
	/* A zombie can be signalled: nothing happens. */
	CHECK_EQ(call(sys_kill, 51, 10, 0, 0), 0);
	CHECK_EQ(call(sys_kill, 99, 10, 0, 0), -ESRCH);
	CHECK_EQ(call(sys_kill, 60, 0, 0, 0), 0);
	CHECK_EQ(pending_mask(), 4u);
	clear_pending();
	/* 0: the caller's group; -pgid: that group. */
	CHECK_EQ(call(sys_kill, 0, 12, 0, 0), 0);
	CHECK_EQ(pending_mask(), 1u | 4u);
	clear_pending();
	CHECK_EQ(call(sys_kill, (uint64_t)-60, 15, 0, 0), 0);
	CHECK_EQ(pending_mask(), 32u);
	clear_pending();
	CHECK_EQ(call(sys_kill, (uint64_t)-77, 15, 0, 0), -ESRCH);
	CHECK_EQ(call(sys_kill, (uint64_t)-70, 0, 0, 0), 0);
	CHECK_EQ(call(sys_kill, (uint64_t)INT32_MIN, 15, 0, 0), -ESRCH);
	CHECK_EQ(pending_mask(), 0u);
	/* -1: everyone but init and the caller. */
	CHECK_EQ(call(sys_kill, (uint64_t)-1, 1, 0, 0), 0);
	CHECK_EQ(pending_mask(), 4u | 16u | 32u);
	CHECK(!table_locked);
}

TEST(sigkill_ignores_masks_and_actions)
{
	tree_setup();
	child_task.sig_blocked = ~UNBLOCKABLE;
	for (int sig = 1; sig <= LINUX_NSIG; sig++)
		child.sigactions[sig - 1].handler = LINUX_SIG_IGN;
	CHECK_EQ(call(sys_kill, 50, 15, 0, 0), 0);
	CHECK(!interrupted);
	CHECK_EQ(call(sys_kill, 50, 9, 0, 0), 0);
	CHECK_EQ(child.sig_pending, SIGBIT(15) | SIGBIT(9));
	CHECK(interrupted == &child_thread);
	CHECK_EQ(deliverable(&child_task), SIGBIT(9));
}

TEST(console_signals_go_to_the_foreground_group)
{
	tree_setup();
	CHECK_EQ(signal_console_attach(), 0);
	foreground = 60;
	tty_hook(2);
	console_send();
	CHECK_EQ(pending_mask(), 32u);
	clear_pending();
	foreground = 42;
	tty_hook(3);
	console_send();
	CHECK_EQ(pending_mask(), 1u | 4u);
	CHECK_EQ(child.sig_pending, SIGBIT(3));
	clear_pending();
	/* An empty group takes nothing, and the signal is not kept. */
	foreground = 77;
	tty_hook(2);
	console_send();
	foreground = 42;
	console_send();
	CHECK_EQ(pending_mask(), 0u);
}

TEST(process_group_ids)
{
	tree_setup();
	CHECK_EQ(call(sys_getpgrp, 0, 0, 0, 0), 42);
	CHECK_EQ(call(sys_getpgid, 0, 0, 0, 0), 42);
	CHECK_EQ(call(sys_getpgid, 43, 0, 0, 0), 42);	/* a tid names its process */
	CHECK_EQ(call(sys_getpgid, 60, 0, 0, 0), 60);
	CHECK_EQ(call(sys_getpgid, 99, 0, 0, 0), -ESRCH);
	CHECK_EQ(call(sys_getpgid, (uint64_t)-5, 0, 0, 0), -ESRCH);
	CHECK_EQ(call(sys_getsid, 0, 0, 0, 0), 1);
	CHECK_EQ(call(sys_getsid, 70, 0, 0, 0), 70);
	CHECK_EQ(call(sys_getsid, 51, 0, 0, 0), 1);
	CHECK_EQ(call(sys_getppid, 0, 0, 0, 0), 1);
	task.proc = &init;
	CHECK_EQ(call(sys_getppid, 0, 0, 0, 0), 0);
	CHECK(!table_locked);
}

TEST(setpgid_follows_linux_rules)
{
	tree_setup();
	/* A child gets its own group, then goes back. */
	CHECK_EQ(call(sys_setpgid, 50, 0, 0, 0), 0);
	CHECK_EQ(child.pgid, 50);
	CHECK_EQ(call(sys_setpgid, 50, 42, 0, 0), 0);
	CHECK_EQ(child.pgid, 42);
	CHECK_EQ(call(sys_setpgid, 0, (uint64_t)-1, 0, 0), -EINVAL);
	/* Neither the caller nor its child. */
	CHECK_EQ(call(sys_setpgid, 60, 60, 0, 0), -ESRCH);
	CHECK_EQ(call(sys_setpgid, 1, 1, 0, 0), -ESRCH);
	CHECK_EQ(call(sys_setpgid, 99, 0, 0, 0), -ESRCH);
	/* A group of another session, or none. */
	CHECK_EQ(call(sys_setpgid, 50, 60, 0, 0), -EPERM);
	CHECK_EQ(call(sys_setpgid, 50, 77, 0, 0), -EPERM);
	/* A child leading its own session cannot move. */
	CHECK_EQ(call(sys_setpgid, 70, 70, 0, 0), -EPERM);
	CHECK_EQ(child.pgid, 42);
	/* The caller (by pid, 0 or a tid) moves itself into group 1... */
	CHECK_EQ(call(sys_setpgid, 43, 1, 0, 0), 0);
	CHECK_EQ(proc.pgid, 1);
	/* ...and back into the group its child keeps alive. */
	CHECK_EQ(call(sys_setpgid, 0, 42, 0, 0), 0);
	CHECK_EQ(proc.pgid, 42);
	/* A session leader cannot. */
	task.proc = &init;
	CHECK_EQ(call(sys_setpgid, 0, 42, 0, 0), -EPERM);
	CHECK(!table_locked);
}

TEST(setsid_makes_a_session)
{
	tree_setup();
	/* The caller leads group 42. */
	CHECK_EQ(call(sys_setsid, 0, 0, 0, 0), -EPERM);
	CHECK_EQ(proc.sid, 1);
	task.proc = &child;
	CHECK_EQ(call(sys_setsid, 0, 0, 0, 0), 50);
	CHECK_EQ(child.sid, 50);
	CHECK_EQ(child.pgid, 50);
	CHECK_EQ(call(sys_getsid, 0, 0, 0, 0), 50);
	CHECK_EQ(call(sys_setsid, 0, 0, 0, 0), -EPERM);
	/* In another session now: its parent cannot move it. */
	task.proc = &proc;
	CHECK_EQ(call(sys_setpgid, 50, 42, 0, 0), -EPERM);
	CHECK(!table_locked);
}

TEST(pause_returns_eintr)
{
	setup();
	sleep_hook = send_usr1;
	set_handler(10, 0, 0);
	CHECK_EQ(call(sys_pause, 0, 0, 0, 0), -EINTR);
	CHECK_EQ(task.sig_pending, SIGBIT(10));
}

TEST(sigtimedwait)
{
	uint64_t *set = (uint64_t *)umem;
	siginfo_t *si = (siginfo_t *)(umem + 64);

	setup();
	task.sig_blocked = SIGBIT(10) | SIGBIT(12);
	*set = SIGBIT(12);
	signal_send_process(&proc, 12);
	CHECK_EQ(call(sys_rt_sigtimedwait, (uint64_t)set, (uint64_t)si, 0, 8), 12);
	CHECK_EQ(si->si_signo, 12);
	CHECK_EQ(si->si_code, SI_USER);
	CHECK_EQ(proc.sig_pending, 0u);
	CHECK_EQ(call(sys_rt_sigtimedwait, (uint64_t)set, 0, 1, 8), -EAGAIN);
	*set = SIGBIT(10);
	sleep_hook = send_usr1;
	CHECK_EQ(call(sys_rt_sigtimedwait, (uint64_t)set, 0, 0, 8), 10);
	CHECK_EQ(task.sig_blocked, SIGBIT(10) | SIGBIT(12));
	CHECK_EQ(task.sig_pending, 0u);
}

int main(void)
{
	return check_run();
}
