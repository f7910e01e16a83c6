/*
 * Linux signals: actions, masks, sending, and delivery on the way back to
 * user mode. A handler is entered through the x86-64 rt_sigframe Linux
 * builds (arch/x86/kernel/signal.c for the layout, the x86-64 psABI for
 * the stack alignment), and rt_sigreturn undoes it. Pending signals are
 * bit sets, so a signal sent twice before delivery arrives once and its
 * siginfo says only who sent it (this process) and how (kill or tkill).
 * The restart of interrupted syscalls (SA_RESTART) is not done: they
 * return -EINTR.
 */
#include "linux.h"
#include "pollwait.h"
#include <flint/arch.h>
#include <flint/heap.h>
#include <flint/printk.h>
#include <flint/string.h>
#include <flint/thread.h>
#include <stddef.h>

/* Signal numbers (arch/x86/include/uapi/asm/signal.h). The kernel's
 * first real-time signal is 32; the C libraries keep a few for
 * themselves. */
#define LINUX_SIGKILL 9
#define LINUX_SIGSEGV 11
#define LINUX_SIGSTOP 19
#define LINUX_SIGCHLD 17
#define LINUX_SIGRTMIN 32

#define UNBLOCKABLE (SIGBIT(LINUX_SIGKILL) | SIGBIT(LINUX_SIGSTOP))

/* Handlers and sa_flags (include/uapi/asm-generic/signal-defs.h,
 * arch/x86/include/uapi/asm/signal.h for SA_RESTORER). */
#define LINUX_SIG_DFL 0
#define LINUX_SIG_IGN 1
#define LINUX_SA_RESTART 0x10000000ull
#define LINUX_SA_RESTORER 0x04000000ull
#define SYSCALL_INSN_LEN 2		/* 0f 05: where a restart goes back to */
#define LINUX_SA_ONSTACK 0x08000000ull
#define LINUX_SA_NODEFER 0x40000000ull
#define LINUX_SA_RESETHAND 0x80000000ull

/* rt_sigprocmask's how (include/uapi/asm-generic/signal-defs.h). */
#define LINUX_SIG_BLOCK 0
#define LINUX_SIG_UNBLOCK 1
#define LINUX_SIG_SETMASK 2

/* sigaltstack (include/uapi/linux/signal.h; MINSIGSTKSZ from
 * arch/x86/include/uapi/asm/signal.h). */
#define LINUX_SS_ONSTACK 1
#define LINUX_SS_DISABLE 2
#define LINUX_SS_AUTODISARM (1u << 31)
#define LINUX_MINSIGSTKSZ 2048

/* si_code of signals sent by kill and by tkill/tgkill
 * (include/uapi/asm-generic/siginfo.h). */
#define LINUX_SI_USER 0
#define LINUX_SI_TKILL (-6)

/* uc_flags: the sigcontext's ss is meaningful
 * (arch/x86/include/uapi/asm/ucontext.h). */
#define LINUX_UC_SIGCONTEXT_SS 0x2

/* The page fault vector (SDM vol. 3A Table 6-1): only it sets cr2. */
#define X86_TRAP_PF 14

/* RFLAGS bits (SDM vol. 1 §3.4.3). A handler starts without DF, TF and
 * RF; rt_sigreturn takes only the flags a program may set itself (Linux's
 * FIX_EFLAGS), never IF or IOPL. */
#define RFLAGS_CF 0x1ull
#define RFLAGS_PF 0x4ull
#define RFLAGS_AF 0x10ull
#define RFLAGS_ZF 0x40ull
#define RFLAGS_SF 0x80ull
#define RFLAGS_TF 0x100ull
#define RFLAGS_DF 0x400ull
#define RFLAGS_OF 0x800ull
#define RFLAGS_RF 0x10000ull
#define RFLAGS_AC 0x40000ull
#define RFLAGS_USER (RFLAGS_CF | RFLAGS_PF | RFLAGS_AF | RFLAGS_ZF | RFLAGS_SF | \
		     RFLAGS_TF | RFLAGS_DF | RFLAGS_OF | RFLAGS_RF | RFLAGS_AC)
#define RFLAGS_HANDLER_CLEAR (RFLAGS_DF | RFLAGS_TF | RFLAGS_RF)

/* The x86-64 psABI §3.2.2: 128 bytes below rsp a leaf function may use. */
#define RED_ZONE 128
/* psABI §3.2.2: rsp + 8 is a multiple of 16 at a function's entry. */
#define STACK_ALIGN 16

/* The legacy FXSAVE area (SDM vol. 1 §10.5.1) the frame carries, and the
 * XSAVE header after it (§13.4.2): XSTATE_BV's x87 and SSE bits make
 * XRSTOR load the legacy area rather than the initial state. MXCSR bits
 * outside MXCSR_MASK fault in FXRSTOR; a zero mask means 0xffbf
 * (§11.6.6). Linux aligns the frame's copy to 64 bytes. */
#define FXSAVE_BYTES 512
#define FXSAVE_MXCSR 24
#define FXSAVE_MXCSR_MASK 28
#define MXCSR_MASK_DEFAULT 0xffbfu
#define XSAVE_XSTATE_BV 512
#define XSTATE_LEGACY 0x3ull
#define FPSTATE_ALIGN 64

/* stack_t (include/uapi/asm-generic/signal.h). */
struct sig_stack {
	uint64_t sp;
	int32_t flags;
	uint32_t pad;
	uint64_t size;
};

/* struct sigcontext_64 (arch/x86/include/uapi/asm/sigcontext.h). */
struct sig_mcontext {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, rflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2;
	uint64_t fpstate;		/* the FXSAVE copy; 0: none */
	uint64_t reserved[8];
};

/* struct ucontext (include/uapi/asm-generic/ucontext.h) with the kernel's
 * 8-byte sigset_t. */
struct sig_ucontext {
	uint64_t flags;
	uint64_t link;
	struct sig_stack stack;
	struct sig_mcontext mcontext;
	uint64_t sigmask;
};

/* siginfo_t (include/uapi/asm-generic/siginfo.h): 128 bytes, the union
 * at 16 (_kill's pid and uid, or _sigfault's addr). */
#define SIGINFO_BYTES 128
struct sig_info {
	int32_t signo;
	int32_t errno_;
	int32_t code;
	int32_t pad;
	union {
		struct {
			int32_t pid;
			uint32_t uid;
		} kill;
		uint64_t addr;
	} u;
	uint8_t rest[SIGINFO_BYTES - 24];
};

/* struct rt_sigframe (arch/x86/include/asm/sigframe.h): the handler's
 * return address, then the context and the siginfo. */
struct rt_frame {
	uint64_t restorer;
	struct sig_ucontext uc;
	struct sig_info info;
};

_Static_assert(sizeof(struct sig_stack) == 24, "stack_t");
_Static_assert(sizeof(struct sig_mcontext) == 256, "sigcontext_64");
_Static_assert(offsetof(struct sig_ucontext, mcontext) == 40, "uc_mcontext");
_Static_assert(sizeof(struct sig_ucontext) == 304, "ucontext");
_Static_assert(sizeof(struct sig_info) == SIGINFO_BYTES, "siginfo_t");
_Static_assert(offsetof(struct rt_frame, info) == 312, "rt_sigframe");

/* What a signal does when it is delivered. */
enum sig_act { ACT_TERM, ACT_CORE, ACT_IGNORE, ACT_STOP, ACT_HANDLER };

struct sig_desc {
	const char *name;
	enum sig_act dfl;
};

/* Names and default actions (signal(7)); real-time signals terminate. */
static const struct sig_desc sig_descs[LINUX_SIGRTMIN] = {
	[1] = { "SIGHUP", ACT_TERM },	[2] = { "SIGINT", ACT_TERM },
	[3] = { "SIGQUIT", ACT_CORE },	[4] = { "SIGILL", ACT_CORE },
	[5] = { "SIGTRAP", ACT_CORE },	[6] = { "SIGABRT", ACT_CORE },
	[7] = { "SIGBUS", ACT_CORE },	[8] = { "SIGFPE", ACT_CORE },
	[9] = { "SIGKILL", ACT_TERM },	[10] = { "SIGUSR1", ACT_TERM },
	[11] = { "SIGSEGV", ACT_CORE },	[12] = { "SIGUSR2", ACT_TERM },
	[13] = { "SIGPIPE", ACT_TERM },	[14] = { "SIGALRM", ACT_TERM },
	[15] = { "SIGTERM", ACT_TERM },	[16] = { "SIGSTKFLT", ACT_TERM },
	[17] = { "SIGCHLD", ACT_IGNORE }, [18] = { "SIGCONT", ACT_IGNORE },
	[19] = { "SIGSTOP", ACT_STOP },	[20] = { "SIGTSTP", ACT_STOP },
	[21] = { "SIGTTIN", ACT_STOP },	[22] = { "SIGTTOU", ACT_STOP },
	[23] = { "SIGURG", ACT_IGNORE }, [24] = { "SIGXCPU", ACT_CORE },
	[25] = { "SIGXFSZ", ACT_CORE },	[26] = { "SIGVTALRM", ACT_TERM },
	[27] = { "SIGPROF", ACT_TERM },	[28] = { "SIGWINCH", ACT_IGNORE },
	[29] = { "SIGIO", ACT_TERM },	[30] = { "SIGPWR", ACT_TERM },
	[31] = { "SIGSYS", ACT_CORE },
};

/* How a pending signal was taken: its number and siginfo's si_code. */
struct sig_taken {
	int sig;
	int code;
};

/* One handler entry: the action as it was when the signal was taken,
 * the mask the frame restores, and the siginfo. A fault also fills the
 * sigcontext's trap fields. */
struct sig_entry {
	int sig;
	struct linux_sigaction act;
	uint64_t restore_mask;
	struct sig_info info;
	bool fault;
	uint64_t fault_addr;
};

enum deliver_result { DELIVER_NONE, DELIVER_IGNORED, DELIVER_HANDLER };

static bool sig_valid(long sig)
{
	return sig >= 1 && sig <= LINUX_NSIG;
}

static const char *sig_name(int sig)
{
	return sig < LINUX_SIGRTMIN ? sig_descs[sig].name : "real-time";
}

/* Under sig_lock. */
static enum sig_act sig_act(const struct process *p, int sig)
{
	uint64_t handler = p->sigactions[sig - 1].handler;

	if (sig == LINUX_SIGKILL || handler == LINUX_SIG_DFL)
		return sig < LINUX_SIGRTMIN ? sig_descs[sig].dfl : ACT_TERM;
	return handler == LINUX_SIG_IGN ? ACT_IGNORE : ACT_HANDLER;
}

/* Under sig_lock: signals t could act on now. */
static uint64_t deliverable(const struct task *t)
{
	return (t->sig_pending | t->proc->sig_pending) & ~t->sig_blocked;
}

/* Process 1 is Linux's init (SIGNAL_UNKILLABLE, kernel/signal.c): a
 * signal left to its default action never reaches it, SIGKILL and SIGSTOP
 * from other programs included. Signals the kernel sends for the console
 * (^C, ^\, ^Z) and those process 1 sends itself (raise, abort, a write's
 * SIGPIPE) are let through, so that they still end the program the VM
 * runs, with its status: Linux's init would ignore them too. Those,
 * pending at init, under its sig_lock: */
static uint64_t init_forced;
/* What init's rt_sigtimedwait waits for: blocked there, so kept (Linux's
 * real_blocked). Under its sig_lock. */
static uint64_t init_waited;

/* Under sig_lock: whether p is init and sig, at its default action, is
 * kept from it. */
static bool init_spared(const struct process *p, int sig)
{
	return p->pid == 1 && p->sigactions[sig - 1].handler == LINUX_SIG_DFL &&
	       !((init_forced | init_waited) & SIGBIT(sig));
}

/* Under sig_lock: whether sig, sent where blocked is the receiver's
 * mask, is dropped at once, so that an ignored signal interrupts no
 * sleep (as in Linux). Stopping is not supported: a stop signal is
 * dropped too, and *stop says so. A blocked signal stays pending. */
static bool sig_dropped(const struct process *p, int sig, uint64_t blocked, bool *stop)
{
	enum sig_act act = sig_act(p, sig);
	bool unblocked = !(blocked & SIGBIT(sig));

	if (unblocked && init_spared(p, sig)) {
		*stop = false;
		return true;
	}
	*stop = unblocked && act == ACT_STOP;
	return unblocked && (act == ACT_IGNORE || act == ACT_STOP);
}

static void report_stop(int sig)
{
	printk_line("flint: %s ignored: stopping a process is not supported", sig_name(sig));
}

__noreturn static void die(struct process *p, int sig, const char *why)
{
	printk_line("flint: %s killed by signal %d (%s)%s", p->exe, sig, sig_name(sig), why);
	process_kill(p, sig);
}

int signal_send_task(struct task *t, int sig)
{
	struct process *p = t->proc;
	unsigned long flags;
	bool stop;

	if (!sig_valid(sig))
		return -EINVAL;
	flags = spin_lock_irqsave(&p->sig_lock);
	if (p->pid == 1 && process_current() == p)
		init_forced |= SIGBIT(sig);
	if (!sig_dropped(p, sig, t->sig_blocked, &stop)) {
		t->sig_pending |= SIGBIT(sig);
		/* Under the lock, so signal_deliver cannot clear it unseen. */
		if (!(t->sig_blocked & SIGBIT(sig)) && t->thread)
			sched_interrupt(t->thread);	/* else it looks before it first runs */
	}
	spin_unlock_irqrestore(&p->sig_lock, flags);
	if (stop)
		report_stop(sig);
	vfs_poll_notify();		/* a signalfd may wait for it */
	return 0;
}

/* Under p->lock and sig_lock: the task to take a process signal, the
 * caller's own first (it will see it on its way out); NULL when every
 * task blocks it. */
static struct task *process_target(struct process *p, int sig)
{
	struct task *self = task_current();

	if (self && self->proc == p && !(self->sig_blocked & SIGBIT(sig)))
		return self;
	for (struct task *t = p->tasks; t; t = t->next)
		if (!(t->sig_blocked & SIGBIT(sig)))
			return t;
	return NULL;
}

/* Takes p->lock (to walk the tasks): not with it held, and not from an
 * interrupt. forced: the kernel's own (init_forced). */
static int send_process(struct process *p, int sig, bool forced)
{
	unsigned long flags;
	struct task *t;
	bool stop = false;

	if (!sig_valid(sig))
		return -EINVAL;
	mutex_lock(&p->lock);
	flags = spin_lock_irqsave(&p->sig_lock);
	if ((forced || process_current() == p) && p->pid == 1)
		init_forced |= SIGBIT(sig);
	t = process_target(p, sig);
	if (!t || !sig_dropped(p, sig, t->sig_blocked, &stop)) {
		p->sig_pending |= SIGBIT(sig);
		if (t && t->thread)
			sched_interrupt(t->thread);
	}
	spin_unlock_irqrestore(&p->sig_lock, flags);
	mutex_unlock(&p->lock);
	if (stop)
		report_stop(sig);
	vfs_poll_notify();		/* a signalfd may wait for it */
	return 0;
}

int signal_send_process(struct process *p, int sig)
{
	return send_process(p, sig, false);
}

bool signal_pending(void)
{
	struct task *t = task_current();
	unsigned long flags;
	bool pending;

	if (!t)
		return false;
	flags = spin_lock_irqsave(&t->proc->sig_lock);
	pending = deliverable(t) != 0;
	spin_unlock_irqrestore(&t->proc->sig_lock, flags);
	return pending;
}

/* Under sig_lock: removes the next signal of mask to act on, SIGKILL
 * first, then the lowest, the thread's own before the process's.
 * sig 0: none. */
static struct sig_taken dequeue(struct task *t, uint64_t mask)
{
	uint64_t *from, ready;
	int sig;

	if ((t->sig_pending | t->proc->sig_pending) & mask & SIGBIT(LINUX_SIGKILL))
		mask = SIGBIT(LINUX_SIGKILL);
	from = (t->sig_pending & mask) ? &t->sig_pending : &t->proc->sig_pending;
	ready = *from & mask;
	if (!ready)
		return (struct sig_taken){ 0, 0 };
	sig = __builtin_ctzll(ready) + 1;
	*from &= ~SIGBIT(sig);
	return (struct sig_taken){ sig, from == &t->sig_pending ? LINUX_SI_TKILL : LINUX_SI_USER };
}

static struct sig_info sent_info(struct process *p, struct sig_taken s);

uint64_t signal_pending_in(uint64_t set)
{
	struct task *t = task_current();
	unsigned long flags = spin_lock_irqsave(&t->proc->sig_lock);
	uint64_t pending = (t->sig_pending | t->proc->sig_pending) & set;

	spin_unlock_irqrestore(&t->proc->sig_lock, flags);
	return pending;
}

int signal_take(uint64_t set, void *siginfo)
{
	struct task *t = task_current();
	unsigned long flags = spin_lock_irqsave(&t->proc->sig_lock);
	struct sig_taken s = dequeue(t, set & ~UNBLOCKABLE);
	struct sig_info info;

	spin_unlock_irqrestore(&t->proc->sig_lock, flags);
	if (!s.sig)
		return 0;
	info = sent_info(t->proc, s);
	memcpy(siginfo, &info, sizeof(info));
	return s.sig;
}

/* The siginfo sent with the pending instance of each signal, where one
 * was (p->sig_infos, under sig_lock). */
struct sig_infos {
	uint64_t valid;
	struct sig_info info[LINUX_NSIG];
};

int signal_send_info(struct process *p, struct task *t, int sig, const void *info)
{
	struct sig_infos *si = NULL, *spare = NULL;
	unsigned long flags;

	if (!sig_valid(sig))
		return -EINVAL;
	if (!__atomic_load_n(&p->sig_infos, __ATOMIC_ACQUIRE)) {
		spare = kzalloc(sizeof(*spare));
		if (!spare)
			return -ENOMEM;
	}
	flags = spin_lock_irqsave(&p->sig_lock);
	if (!p->sig_infos) {
		p->sig_infos = spare;
		spare = NULL;
	}
	si = p->sig_infos;
	memcpy(&si->info[sig - 1], info, sizeof(si->info[0]));
	si->info[sig - 1].signo = sig;
	si->valid |= SIGBIT(sig);
	spin_unlock_irqrestore(&p->sig_lock, flags);
	kfree(spare);
	return t ? signal_send_task(t, sig) : send_process(p, sig, false);
}

/* The siginfo sent with sig, taken (false: none). */
static bool take_info(struct process *p, int sig, struct sig_info *info)
{
	unsigned long flags = spin_lock_irqsave(&p->sig_lock);
	struct sig_infos *si = p->sig_infos;
	bool found = si && (si->valid & SIGBIT(sig));

	if (found) {
		*info = si->info[sig - 1];
		si->valid &= ~SIGBIT(sig);
	}
	spin_unlock_irqrestore(&p->sig_lock, flags);
	return found;
}

static struct sig_info sent_info(struct process *p, struct sig_taken s)
{
	struct sig_info info;

	if (take_info(p, s.sig, &info))
		return info;
	memset(&info, 0, sizeof(info));
	info.signo = s.sig;
	info.code = s.code;
	info.u.kill.pid = p->pid;
	if (s.sig == LINUX_SIGCHLD && p->chld_pid) {
		info.code = p->chld_code;
		info.u.kill.pid = p->chld_pid;
		memcpy(info.rest, &p->chld_status, sizeof(p->chld_status));	/* si_status */
	}
	return info;
}

/*
 * The alternate stack. Only its own task changes it, so the task reads it
 * without the lock.
 */
static bool altstack_enabled(const struct task *t)
{
	return t->altstack_size && !(t->altstack_flags & LINUX_SS_DISABLE);
}

static bool on_altstack(const struct task *t, uint64_t sp)
{
	return altstack_enabled(t) && sp > t->altstack_sp &&
	       sp - t->altstack_sp <= t->altstack_size;
}

/* As sigaltstack reports it for a thread whose stack pointer is sp. */
static struct sig_stack altstack_get(const struct task *t, uint64_t sp)
{
	struct sig_stack ss = { .sp = t->altstack_sp, .size = t->altstack_size };

	if (!altstack_enabled(t))
		ss.flags = LINUX_SS_DISABLE;
	else
		ss.flags = (on_altstack(t, sp) ? LINUX_SS_ONSTACK : 0) |
			   (int32_t)(t->altstack_flags & LINUX_SS_AUTODISARM);
	return ss;
}

static void altstack_store(struct task *t, uint64_t sp, uint64_t size, int flags)
{
	unsigned long irq = spin_lock_irqsave(&t->proc->sig_lock);

	t->altstack_sp = sp;
	t->altstack_size = size;
	t->altstack_flags = flags;
	spin_unlock_irqrestore(&t->proc->sig_lock, irq);
}

/* sigaltstack's checks, in Linux's order; sp is the thread's. */
static int altstack_set(struct task *t, const struct sig_stack *ss, uint64_t sp)
{
	uint32_t mode = (uint32_t)ss->flags & ~LINUX_SS_AUTODISARM;

	if (on_altstack(t, sp))
		return -EPERM;
	if (mode != 0 && mode != LINUX_SS_ONSTACK && mode != LINUX_SS_DISABLE)
		return -EINVAL;
	if (mode == LINUX_SS_DISABLE) {
		altstack_store(t, 0, 0, LINUX_SS_DISABLE);
		return 0;
	}
	if (ss->size < LINUX_MINSIGSTKSZ)
		return -ENOMEM;
	altstack_store(t, ss->sp, ss->size, (int)((uint32_t)ss->flags & LINUX_SS_AUTODISARM));
	return 0;
}

/*
 * FPU state. The kernel never touches it, so during a syscall the
 * registers hold the program's; the thread's area is written only on a
 * switch, which interrupts are masked against here.
 */
static void fpu_take(uint8_t legacy[FXSAVE_BYTES])
{
	void *area = thread_current()->fpu;
	unsigned long flags = arch_irq_save();

	arch_fpu_save(area);
	memcpy(legacy, area, FXSAVE_BYTES);
	arch_irq_restore(flags);
}

/* The frame on an alternate stack (no red zone): the FPU state at its
 * alignment, then the frame at its own, and the return address's word. */
uint64_t signal_frame_max(void)
{
	return FXSAVE_BYTES + FPSTATE_ALIGN + sizeof(struct rt_frame) + STACK_ALIGN +
	       sizeof(uint64_t);
}

/* Loads the legacy state (NULL: the initial state, as a handler starts). */
static void fpu_load(const uint8_t *legacy)
{
	uint8_t *area = thread_current()->fpu;
	unsigned long flags = arch_irq_save();
	uint32_t mxcsr, mask;
	uint64_t bv;

	if (!legacy) {
		arch_fpu_init(area);
	} else {
		/* XSAVE fills the header XRSTOR checks; the legacy part is replaced. */
		arch_fpu_save(area);
		memcpy(&mask, area + FXSAVE_MXCSR_MASK, sizeof(mask));
		memcpy(area, legacy, FXSAVE_BYTES);
		memcpy(&mxcsr, area + FXSAVE_MXCSR, sizeof(mxcsr));
		mxcsr &= mask ? mask : MXCSR_MASK_DEFAULT;
		memcpy(area + FXSAVE_MXCSR, &mxcsr, sizeof(mxcsr));
		if (arch_fpu_size() > FXSAVE_BYTES) {
			memcpy(&bv, area + XSAVE_XSTATE_BV, sizeof(bv));
			bv |= XSTATE_LEGACY;
			memcpy(area + XSAVE_XSTATE_BV, &bv, sizeof(bv));
		}
	}
	arch_fpu_restore(area);
	arch_irq_restore(flags);
}

/*
 * Frames.
 */
static void regs_save(struct sig_mcontext *mc, const struct trap_frame *regs)
{
	mc->r8 = regs->r8;
	mc->r9 = regs->r9;
	mc->r10 = regs->r10;
	mc->r11 = regs->r11;
	mc->r12 = regs->r12;
	mc->r13 = regs->r13;
	mc->r14 = regs->r14;
	mc->r15 = regs->r15;
	mc->rdi = regs->rdi;
	mc->rsi = regs->rsi;
	mc->rbp = regs->rbp;
	mc->rbx = regs->rbx;
	mc->rdx = regs->rdx;
	mc->rax = regs->rax;
	mc->rcx = regs->rcx;
	mc->rsp = regs->rsp;
	mc->rip = regs->rip;
	mc->rflags = regs->rflags;
	mc->cs = (uint16_t)regs->cs;
	mc->ss = (uint16_t)regs->ss;
}

/* The selectors stay the user ones the frame came in with; rflags takes
 * only RFLAGS_USER from the context. */
static void regs_restore(struct trap_frame *regs, const struct sig_mcontext *mc)
{
	regs->r8 = mc->r8;
	regs->r9 = mc->r9;
	regs->r10 = mc->r10;
	regs->r11 = mc->r11;
	regs->r12 = mc->r12;
	regs->r13 = mc->r13;
	regs->r14 = mc->r14;
	regs->r15 = mc->r15;
	regs->rdi = mc->rdi;
	regs->rsi = mc->rsi;
	regs->rbp = mc->rbp;
	regs->rbx = mc->rbx;
	regs->rdx = mc->rdx;
	regs->rax = mc->rax;
	regs->rcx = mc->rcx;
	regs->rsp = mc->rsp;
	regs->rip = mc->rip;
	regs->rflags = (regs->rflags & ~RFLAGS_USER) | (mc->rflags & RFLAGS_USER);
}

/* Writes the frame and points *regs at the handler. NULL, or why not. */
static const char *frame_push(struct task *t, struct trap_frame *regs, const struct sig_entry *e)
{
	uint8_t legacy[FXSAVE_BYTES];
	struct rt_frame f;
	uint64_t sp = regs->rsp - RED_ZONE, fp, frame;
	bool alt = (e->act.flags & LINUX_SA_ONSTACK) && altstack_enabled(t) &&
		   !on_altstack(t, sp);

	if (!(e->act.flags & LINUX_SA_RESTORER))
		return ": handler without SA_RESTORER";
	if (alt)
		sp = t->altstack_sp + t->altstack_size;
	fp = (sp - FXSAVE_BYTES) & ~(uint64_t)(FPSTATE_ALIGN - 1);
	frame = ((fp - sizeof(f)) & ~(uint64_t)(STACK_ALIGN - 1)) - sizeof(uint64_t);
	if (alt && frame < t->altstack_sp)
		return ": signal frame overflows the alternate stack";

	memset(&f, 0, sizeof(f));
	f.restorer = e->act.restorer;
	f.uc.flags = LINUX_UC_SIGCONTEXT_SS;
	f.uc.stack = altstack_get(t, regs->rsp);
	regs_save(&f.uc.mcontext, regs);
	if (e->fault) {
		f.uc.mcontext.trapno = regs->vector;
		f.uc.mcontext.err = regs->error;
		if (regs->vector == X86_TRAP_PF)
			f.uc.mcontext.cr2 = e->fault_addr;
	}
	f.uc.mcontext.oldmask = e->restore_mask;
	f.uc.mcontext.fpstate = fp;
	f.uc.sigmask = e->restore_mask;
	f.info = e->info;
	fpu_take(legacy);
	if (copy_to_user((void *)(uintptr_t)fp, legacy, sizeof(legacy)) ||
	    copy_to_user((void *)(uintptr_t)frame, &f, sizeof(f)))
		return ": cannot write the signal frame";

	if (t->altstack_flags & LINUX_SS_AUTODISARM)
		altstack_store(t, 0, 0, LINUX_SS_DISABLE);
	regs->rip = e->act.handler;
	regs->rsp = frame;
	regs->rdi = (uint64_t)e->sig;
	regs->rsi = frame + offsetof(struct rt_frame, info);
	regs->rdx = frame + offsetof(struct rt_frame, uc);
	regs->rax = 0;
	regs->rflags &= ~RFLAGS_HANDLER_CLEAR;
	fpu_load(NULL);
	return NULL;
}

/* Enters the handler, with its mask added; a frame that cannot be
 * written kills the process. */
static void handler_enter(struct task *t, struct trap_frame *regs, const struct sig_entry *e)
{
	const char *why = frame_push(t, regs, e);
	uint64_t add = e->act.mask;
	unsigned long flags;

	if (why)
		die(t->proc, LINUX_SIGSEGV, why);
	if (!(e->act.flags & LINUX_SA_NODEFER))
		add |= SIGBIT(e->sig);
	flags = spin_lock_irqsave(&t->proc->sig_lock);
	t->sig_blocked |= add & ~UNBLOCKABLE;
	spin_unlock_irqrestore(&t->proc->sig_lock, flags);
}

/* Acts on the next deliverable signal. With none, the thread's interrupt
 * is cleared under the lock, so a signal sent since is not missed.
 * restore_mask, when not NULL, is the mask the handler's frame restores
 * (rt_sigsuspend's caller's). */
/* A syscall that a signal interrupted (it returned -EINTR) and that may
 * restart goes back to its syscall instruction with its number, when no
 * handler runs or the handler has SA_RESTART. */
static void restart_syscall(struct task *t, struct trap_frame *regs, bool handler,
			    uint64_t flags)
{
	if (regs->vector != SYSCALL_MARK || (int64_t)regs->rax != -EINTR || t->restart_nr < 0)
		return;
	if (handler && !(flags & LINUX_SA_RESTART))
		return;
	regs->rax = (uint64_t)t->restart_nr;
	regs->rip -= SYSCALL_INSN_LEN;
	t->restart_nr = -1;
}

static enum deliver_result deliver_next(struct task *t, struct trap_frame *regs,
					const uint64_t *restore_mask)
{
	struct process *p = t->proc;
	struct sig_entry e = { 0 };
	struct sig_taken s;
	enum sig_act act;
	unsigned long flags;

	flags = spin_lock_irqsave(&p->sig_lock);
	s = dequeue(t, ~t->sig_blocked);
	if (!s.sig) {
		sched_clear_interrupt();
		spin_unlock_irqrestore(&p->sig_lock, flags);
		restart_syscall(t, regs, false, 0);
		return DELIVER_NONE;
	}
	e.sig = s.sig;
	e.act = p->sigactions[s.sig - 1];
	act = init_spared(p, s.sig) ? ACT_IGNORE : sig_act(p, s.sig);
	if (p->pid == 1)
		init_forced &= ~SIGBIT(s.sig);
	if (act == ACT_HANDLER && (e.act.flags & LINUX_SA_RESETHAND))
		p->sigactions[s.sig - 1].handler = LINUX_SIG_DFL;
	e.restore_mask = restore_mask ? *restore_mask : t->sig_blocked;
	spin_unlock_irqrestore(&p->sig_lock, flags);

	switch (act) {
	case ACT_TERM:
	case ACT_CORE:
		die(p, s.sig, "");
	case ACT_STOP:
		report_stop(s.sig);
		return DELIVER_IGNORED;
	case ACT_IGNORE:
		return DELIVER_IGNORED;
	case ACT_HANDLER:
		break;
	}
	restart_syscall(t, regs, true, e.act.flags);
	e.info = sent_info(p, s);
	handler_enter(t, regs, &e);
	return DELIVER_HANDLER;
}

/* Every deliverable signal gets a frame, the last one on top: its
 * handler runs first, as in Linux. */
void signal_deliver(struct trap_frame *regs)
{
	struct task *t = task_current();

	/* Most returns (every interrupt's) have nothing to do, which a racy
	 * look tells without the locks: a signal sent meanwhile is seen at
	 * the next return. */
	if (!__atomic_load_n(&t->sig_pending, __ATOMIC_RELAXED) &&
	    !__atomic_load_n(&t->proc->sig_pending, __ATOMIC_RELAXED) &&
	    !__atomic_load_n(&t->thread->interrupted, __ATOMIC_RELAXED))
		return;
	while (deliver_next(t, regs, NULL) != DELIVER_NONE)
		;
}

/*
 * Signals to processes other than the caller's.
 */
/* Sends sig (0: none, only counted) to one process; a zombie counts but
 * takes nothing. Table locked, so that p stays. */
static void kill_one(struct process *p, int sig, bool forced)
{
	if (sig && p->state == PROCESS_LIVE)
		send_process(p, sig, forced);
}

/* Who a kill of many processes reaches: group pgid, or (pgid 0) every
 * process but init and the caller. */
struct kill_many {
	int sig, pgid;
	const struct process *self;
	unsigned reached;
	bool forced;
};

static void kill_member(struct process *p, void *arg)
{
	struct kill_many *k = arg;
	bool member = k->pgid ? p->pgid == k->pgid : p->pid != 1 && p != k->self;

	if (member) {
		kill_one(p, k->sig, k->forced);
		k->reached++;
	}
}

static long kill_many(int pgid, int sig, bool forced)
{
	struct kill_many k = { sig, pgid, process_current(), 0, forced };

	process_foreach(kill_member, &k);
	return k.reached ? 0 : -ESRCH;
}

/*
 * Console signals. The tty reports ^C, ^\ and ^Z in interrupt context,
 * where p->lock cannot be taken: the hook records them and a kernel
 * thread sends them, as process signals, to every live process of the
 * terminal's foreground group (tty_foreground_pgrp).
 */
static uint64_t console_sigs;		/* atomic: typed, not sent yet */
static struct semaphore console_typed;

static void console_signal(int sig)
{
	if (!sig_valid(sig))
		return;
	__atomic_or_fetch(&console_sigs, SIGBIT(sig), __ATOMIC_RELEASE);
	sem_post(&console_typed);
}

/* Sends what was typed since the last call, lowest signal first; nobody
 * takes them when the group is empty. */
static void console_send(void)
{
	uint64_t sigs = __atomic_exchange_n(&console_sigs, 0, __ATOMIC_ACQUIRE);
	int pgid = tty_foreground_pgrp();

	while (sigs) {
		kill_many(pgid, __builtin_ctzll(sigs) + 1, true);
		sigs &= sigs - 1;
	}
}

static void console_relay(void *arg)
{
	(void)arg;
	for (;;) {
		sem_wait(&console_typed);
		console_send();
	}
}

int signal_console_attach(void)
{
	struct thread *relay;

	sem_init(&console_typed, 0);
	relay = thread_create(console_relay, NULL, THREAD_ANY_CPU);
	if (!relay)
		return -ENOMEM;
	/* It never ends: the VM does, with the program. */
	thread_detach(relay);
	tty_set_signal_hook(console_signal);
	return 0;
}

void signal_fault(struct trap_frame *regs, int sig, int code, uint64_t addr)
{
	struct task *t = task_current();
	struct process *p = t->proc;
	struct sig_entry e = { .sig = sig, .fault = true, .fault_addr = addr };
	unsigned long flags;
	bool blocked;

	flags = spin_lock_irqsave(&p->sig_lock);
	e.act = p->sigactions[sig - 1];
	blocked = t->sig_blocked & SIGBIT(sig);
	if (blocked || sig_act(p, sig) != ACT_HANDLER) {
		spin_unlock_irqrestore(&p->sig_lock, flags);
		printk_line("flint: %s killed by signal %d (%s) at rip %#llx, address %#llx",
			    p->exe, sig, sig_name(sig), (unsigned long long)regs->rip,
			    (unsigned long long)addr);
		process_kill(p, sig);
	}
	if (e.act.flags & LINUX_SA_RESETHAND)
		p->sigactions[sig - 1].handler = LINUX_SIG_DFL;
	e.restore_mask = t->sig_blocked;
	spin_unlock_irqrestore(&p->sig_lock, flags);

	e.info.signo = sig;
	e.info.code = code;
	e.info.u.addr = addr;
	handler_enter(t, regs, &e);
}

/*
 * The syscalls (numbers: arch/x86/entry/syscalls/syscall_64.tbl). Signal
 * sets are the kernel's 8 bytes.
 */
#define SIGSET_BYTES sizeof(uint64_t)

static long sys_rt_sigaction(const uint64_t a[6])
{
	struct process *p = process_current();
	int sig = (int)a[0];
	struct linux_sigaction act, old;
	unsigned long flags;

	if (a[3] != SIGSET_BYTES || !sig_valid(sig) ||
	    (a[1] && (sig == LINUX_SIGKILL || sig == LINUX_SIGSTOP)))
		return -EINVAL;
	if (a[1] && copy_from_user(&act, (const void *)(uintptr_t)a[1], sizeof(act)))
		return -EFAULT;
	flags = spin_lock_irqsave(&p->sig_lock);
	old = p->sigactions[sig - 1];
	if (a[1]) {
		act.mask &= ~UNBLOCKABLE;
		p->sigactions[sig - 1] = act;
	}
	spin_unlock_irqrestore(&p->sig_lock, flags);
	if (a[2] && copy_to_user((void *)(uintptr_t)a[2], &old, sizeof(old)))
		return -EFAULT;
	return 0;
}
SYSCALL(13, "rt_sigaction", "dppu", sys_rt_sigaction);

static long sys_rt_sigprocmask(const uint64_t a[6])
{
	struct task *t = task_current();
	int how = (int)a[0];
	uint64_t set = 0, old;
	unsigned long flags;

	if (a[3] != SIGSET_BYTES)
		return -EINVAL;
	if (a[1]) {
		if (how != LINUX_SIG_BLOCK && how != LINUX_SIG_UNBLOCK && how != LINUX_SIG_SETMASK)
			return -EINVAL;
		if (copy_from_user(&set, (const void *)(uintptr_t)a[1], sizeof(set)))
			return -EFAULT;
	}
	flags = spin_lock_irqsave(&t->proc->sig_lock);
	old = t->sig_blocked;
	if (a[1] && how == LINUX_SIG_BLOCK)
		t->sig_blocked |= set;
	else if (a[1] && how == LINUX_SIG_UNBLOCK)
		t->sig_blocked &= ~set;
	else if (a[1])
		t->sig_blocked = set;
	t->sig_blocked &= ~UNBLOCKABLE;
	spin_unlock_irqrestore(&t->proc->sig_lock, flags);
	if (a[2] && copy_to_user((void *)(uintptr_t)a[2], &old, sizeof(old)))
		return -EFAULT;
	return 0;
}
SYSCALL(14, "rt_sigprocmask", "dppu", sys_rt_sigprocmask);

static long sys_rt_sigpending(const uint64_t a[6])
{
	struct task *t = task_current();
	uint64_t set;
	unsigned long flags;

	if (a[1] > SIGSET_BYTES)
		return -EINVAL;
	flags = spin_lock_irqsave(&t->proc->sig_lock);
	set = (t->sig_pending | t->proc->sig_pending) & t->sig_blocked;
	spin_unlock_irqrestore(&t->proc->sig_lock, flags);
	/* A shorter set takes the low bytes (little-endian). */
	return copy_to_user((void *)(uintptr_t)a[0], &set, a[1]) ? -EFAULT : 0;
}
SYSCALL(127, "rt_sigpending", "pu", sys_rt_sigpending);

/* The handler returned into its restorer, popping the return address:
 * the frame is 8 bytes below rsp. A bad frame kills the process. Returns
 * the restored rax, which the dispatcher stores back. */
static long sys_rt_sigreturn(const uint64_t a[6])
{
	struct task *t = task_current();
	struct trap_frame *regs = t->regs;
	uint64_t uc = regs->rsp - sizeof(uint64_t) + offsetof(struct rt_frame, uc);
	uint8_t legacy[FXSAVE_BYTES];
	struct sig_ucontext ctx;
	unsigned long flags;

	(void)a;
	if (copy_from_user(&ctx, (const void *)(uintptr_t)uc, sizeof(ctx)) ||
	    (ctx.mcontext.fpstate &&
	     copy_from_user(legacy, (const void *)(uintptr_t)ctx.mcontext.fpstate, sizeof(legacy))))
		die(t->proc, LINUX_SIGSEGV, ": bad frame in rt_sigreturn");
	regs_restore(regs, &ctx.mcontext);
	fpu_load(ctx.mcontext.fpstate ? legacy : NULL);
	flags = spin_lock_irqsave(&t->proc->sig_lock);
	t->sig_blocked = ctx.sigmask & ~UNBLOCKABLE;
	spin_unlock_irqrestore(&t->proc->sig_lock, flags);
	/* As Linux, a stack that cannot be set back is not an error. */
	altstack_set(t, &ctx.stack, regs->rsp);
	return (long)regs->rax;
}
SYSCALL(15, "rt_sigreturn", ":-", sys_rt_sigreturn);

static long sys_sigaltstack(const uint64_t a[6])
{
	struct task *t = task_current();
	uint64_t sp = t->regs->rsp;
	struct sig_stack ss, old = altstack_get(t, sp);
	int err;

	if (a[0]) {
		if (copy_from_user(&ss, (const void *)(uintptr_t)a[0], sizeof(ss)))
			return -EFAULT;
		err = altstack_set(t, &ss, sp);
		if (err)
			return err;
	}
	if (a[1] && copy_to_user((void *)(uintptr_t)a[1], &old, sizeof(old)))
		return -EFAULT;
	return 0;
}
SYSCALL(131, "sigaltstack", "pp", sys_sigaltstack);

/* pid > 0: that process; 0: the caller's group; -1: every process but
 * init and the caller; < -1: group -pid. Everyone is root, so every
 * process may be signalled. */
/* Under the lock: a parent's setpgid may be moving the caller. */
static int own_pgid(void)
{
	int pgid;

	process_table_lock();
	pgid = process_current()->pgid;
	process_table_unlock();
	return pgid;
}

static long sys_kill(const uint64_t a[6])
{
	int pid = (int)a[0], sig = (int)a[1], pgid = -pid;
	struct process *p;
	long r = 0;

	if (sig < 0 || sig > LINUX_NSIG)
		return -EINVAL;
	/* Its group would be -pid, which overflows: Linux refuses it too. */
	if (pid == INT32_MIN)
		return -ESRCH;
	if (pid == -1)
		return kill_many(0, sig, false);
	if (pid == 0)
		pgid = own_pgid();
	if (pid <= 0)
		return kill_many(pgid, sig, false);
	process_table_lock();
	p = process_find(pid);
	if (p)
		kill_one(p, sig, false);
	else
		r = -ESRCH;
	process_table_unlock();
	return r;
}
SYSCALL(62, "kill", "dd", sys_kill);

static long thread_kill(int tid, int sig)
{
	struct task *t;

	if (tid <= 0 || sig < 0 || sig > LINUX_NSIG)
		return -EINVAL;
	t = task_find(process_current(), tid);
	if (!t)
		return -ESRCH;
	return sig ? signal_send_task(t, sig) : 0;
}

static long sys_tkill(const uint64_t a[6])
{
	return thread_kill((int)a[0], (int)a[1]);
}
SYSCALL(200, "tkill", "dd", sys_tkill);

static long sys_tgkill(const uint64_t a[6])
{
	int tgid = (int)a[0];

	if (tgid <= 0)
		return -EINVAL;
	if (tgid != process_current()->pid)
		return -ESRCH;
	return thread_kill((int)a[1], (int)a[2]);
}
SYSCALL(234, "tgkill", "ddd", sys_tgkill);

/* sigqueue's siginfo from the user: a program may not pose as the kernel
 * or kill (si_code >= 0) or tkill to another process (kernel/signal.c). */
static long queued_info(uint64_t uinfo, int sig, int pid, struct sig_info *info)
{
	if (!sig_valid(sig))
		return -EINVAL;
	if (copy_from_user(info, (const void *)uinfo, sizeof(*info)))
		return -EFAULT;
	if ((info->code >= 0 || info->code == LINUX_SI_TKILL) && pid != process_current()->pid)
		return -EPERM;
	return 0;
}

static long sys_rt_sigqueueinfo(const uint64_t a[6])
{
	int pid = (int)a[0], sig = (int)a[1];
	struct sig_info info;
	struct process *p;
	long r = queued_info(a[2], sig, pid, &info);

	if (r)
		return r;
	process_table_lock();
	p = pid > 0 ? process_find(pid) : NULL;
	if (!p || p->state != PROCESS_LIVE)
		r = -ESRCH;
	else
		r = signal_send_info(p, NULL, sig, &info);
	process_table_unlock();
	return r;
}
SYSCALL(129, "rt_sigqueueinfo", "ddp", sys_rt_sigqueueinfo);

static long sys_rt_tgsigqueueinfo(const uint64_t a[6])
{
	int tgid = (int)a[0], tid = (int)a[1], sig = (int)a[2];
	struct sig_info info;
	struct task *t;
	long r;

	if (tgid <= 0 || tid <= 0)
		return -EINVAL;
	r = queued_info(a[3], sig, tgid, &info);
	if (r)
		return r;
	if (tgid != process_current()->pid)
		return -ESRCH;
	t = task_find(process_current(), tid);
	if (!t)
		return -ESRCH;
	return signal_send_info(t->proc, t, sig, &info);
}
SYSCALL(297, "rt_tgsigqueueinfo", "dddp", sys_rt_tgsigqueueinfo);

/* Under sig_lock (released while asleep, held again on return):
 * sleeps until a deliverable signal or an interrupt, which may also
 * mean that the process is ending. */
static void wait_for_signal(struct task *t)
{
	while (!deliverable(t)) {
		int r = sched_sleep(&t->proc->sig_lock, 0, true);

		spin_lock(&t->proc->sig_lock);
		if (r == -EINTR)
			return;
	}
}

static long sys_pause(const uint64_t a[6])
{
	struct task *t = task_current();
	unsigned long flags = spin_lock_irqsave(&t->proc->sig_lock);

	(void)a;
	wait_for_signal(t);
	spin_unlock_irqrestore(&t->proc->sig_lock, flags);
	return -EINTR;
}
SYSCALL(34, "pause", ":d", sys_pause);

/* The handler runs here, while the wait's mask is in force, with the
 * frame restoring the caller's mask old; the return value (0) is the
 * handler's entry rax, and the frame holds -EINTR. When no handler ran
 * the mask goes back and the call returns -EINTR. */
long signal_end_masked_wait(uint64_t old)
{
	struct task *t = task_current();
	enum deliver_result r;
	unsigned long flags;

	t->regs->rax = (uint64_t)-EINTR;
	do
		r = deliver_next(t, t->regs, &old);
	while (r == DELIVER_IGNORED);
	if (r == DELIVER_HANDLER)
		return 0;
	flags = spin_lock_irqsave(&t->proc->sig_lock);
	t->sig_blocked = old;
	spin_unlock_irqrestore(&t->proc->sig_lock, flags);
	return -EINTR;
}

static long sys_rt_sigsuspend(const uint64_t a[6])
{
	struct task *t = task_current();
	uint64_t mask, old;
	unsigned long flags;

	if (a[1] != SIGSET_BYTES)
		return -EINVAL;
	if (copy_from_user(&mask, (const void *)(uintptr_t)a[0], sizeof(mask)))
		return -EFAULT;
	flags = spin_lock_irqsave(&t->proc->sig_lock);
	old = t->sig_blocked;
	t->sig_blocked = mask & ~UNBLOCKABLE;
	wait_for_signal(t);
	spin_unlock_irqrestore(&t->proc->sig_lock, flags);

	return signal_end_masked_wait(old);
}
SYSCALL(130, "rt_sigsuspend", "pu", sys_rt_sigsuspend);

/* Under sig_lock: takes a pending signal of set, or sleeps with set
 * unblocked (so that sending one wakes the thread) until the deadline or
 * an interrupt. sig 0: none came; *slept the sleep's result. */
static struct sig_taken wait_in_set(struct task *t, uint64_t set, uint64_t deadline, int *slept)
{
	struct sig_taken s = dequeue(t, set);
	uint64_t blocked = t->sig_blocked;

	*slept = 0;
	if (s.sig || deliverable(t))
		return s;
	t->sig_blocked &= ~set;
	if (t->proc->pid == 1)
		init_waited = set;
	*slept = sched_sleep(&t->proc->sig_lock, deadline, true);
	spin_lock(&t->proc->sig_lock);
	if (t->proc->pid == 1)
		init_waited = 0;
	t->sig_blocked = blocked;
	return dequeue(t, set);
}

static long sys_rt_sigtimedwait(const uint64_t a[6])
{
	struct task *t = task_current();
	uint64_t set, deadline = POLL_FOREVER;
	struct sig_taken s;
	struct sig_info info;
	unsigned long flags;
	int slept, err;

	if (a[3] != SIGSET_BYTES)
		return -EINVAL;
	if (copy_from_user(&set, (const void *)(uintptr_t)a[0], sizeof(set)))
		return -EFAULT;
	set &= ~UNBLOCKABLE;
	if (a[2]) {
		err = poll_timespec_deadline(a[2], &deadline);
		if (err)
			return err;
	}
	flags = spin_lock_irqsave(&t->proc->sig_lock);
	do
		s = wait_in_set(t, set, deadline, &slept);
	while (!s.sig && slept == 0 && !deliverable(t));
	spin_unlock_irqrestore(&t->proc->sig_lock, flags);
	if (!s.sig)
		return slept == -ETIMEDOUT ? -EAGAIN : -EINTR;
	info = sent_info(t->proc, s);
	if (a[1] && copy_to_user((void *)(uintptr_t)a[1], &info, sizeof(info)))
		return -EFAULT;
	return s.sig;
}
SYSCALL(128, "rt_sigtimedwait", "pppu", sys_rt_sigtimedwait);
