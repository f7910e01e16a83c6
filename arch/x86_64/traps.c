/* Exceptions in user mode go to the program's layer (signals); in the
 * kernel every one is fatal but a copy routine's page fault, so report
 * everything a developer needs (vector, error code, registers, control registers and
 * a symbolised call chain) and end the VM with the panic status. */
#include <arch/cpu.h>
#include <arch/trap.h>
#include <arch/uspace.h>
#include <arch/x86.h>
#include <flint/arch.h>
#include <flint/ksyms.h>
#include <flint/memory.h>
#include <flint/panic.h>
#include <flint/platform.h>
#include <flint/power.h>
#include <arch/smp.h>
#include <flint/printk.h>
#include <flint/sched.h>

#define MAX_FRAMES 32
#define NMI_VECTOR 2
#define PF_VECTOR 14

static const char *const exception_name[NUM_EXCEPTIONS] = {
	[0] = "#DE divide error",	[1] = "#DB debug",
	[2] = "NMI",			[3] = "#BP breakpoint",
	[4] = "#OF overflow",		[5] = "#BR bound range",
	[6] = "#UD invalid opcode",	[7] = "#NM device not available",
	[8] = "#DF double fault",	[10] = "#TS invalid TSS",
	[11] = "#NP segment not present", [12] = "#SS stack fault",
	[13] = "#GP general protection", [14] = "#PF page fault",
	[16] = "#MF x87 error",		[17] = "#AC alignment check",
	[18] = "#MC machine check",	[19] = "#XM SIMD error",
	[20] = "#VE virtualization",	[21] = "#CP control protection",
};

extern const char boot_stack_guard[], boot_stack_bottom[], boot_stack_top[];

static void print_address(uint64_t a)
{
	uint64_t off;
	const char *name = ksym_lookup(a, &off);

	if (name)
		printk("  %016llx %s+%#llx\n", (unsigned long long)a, name,
		       (unsigned long long)off);
	else
		printk("  %016llx ?\n", (unsigned long long)a);
}

/* Frame pointers: [rbp] is the caller's rbp, [rbp + 8] the return address.
 * Only frames inside the boot stack are followed; runs of one return
 * address (deep recursion) are shown once with a count. */
static void print_repeats(uint64_t *repeats)
{
	if (*repeats)
		printk("  (the line above %llu more times)\n", (unsigned long long)*repeats);
	*repeats = 0;
}

static void walk_frames(uint64_t rbp)
{
	uint64_t last = 0, repeats = 0;

	for (int shown = 0; shown < MAX_FRAMES;) {
		const uint64_t *frame = (const uint64_t *)rbp;

		if (!rbp || rbp & 7 || rbp < (uint64_t)boot_stack_bottom ||
		    rbp + 16 > (uint64_t)boot_stack_top)
			break;
		if (frame[1] == last) {
			repeats++;
		} else {
			print_repeats(&repeats);
			print_address(frame[1]);
			last = frame[1];
			shown++;
		}
		if (frame[0] <= rbp)
			break;
		rbp = frame[0];
	}
	print_repeats(&repeats);
}

void arch_dump_stack(void)
{
	printk("stack trace:\n");
	walk_frames((uint64_t)__builtin_frame_address(0));
}

/* Each CPU's interrupt being handled, for arch_irq_pc; interrupts stay
 * masked in handlers, so one per CPU is enough. */
static const struct trap_frame *irq_frame[PLATFORM_MAX_CPUS];

uint64_t arch_irq_pc(bool *user)
{
	const struct trap_frame *f = irq_frame[arch_cpu_index()];

	*user = f && (f->cs & RPL_USER);
	return f ? f->rip : 0;
}

void trap_handler(struct trap_frame *f)
{
	static bool nested;
	const char *name = f->vector < NUM_EXCEPTIONS ? exception_name[f->vector] : NULL;

	if (f->vector >= NUM_EXCEPTIONS) {
		const struct trap_frame **slot = &irq_frame[arch_cpu_index()];

		*slot = f;
		irq_dispatch((unsigned)f->vector);
		*slot = NULL;
		sched_irq_exit();
		if (f->cs & RPL_USER)
			uspace_leave(f);
		return;
	}
	if (f->vector == NMI_VECTOR && arch_cpus_stopping())
		for (;;)		/* another CPU panicked: stop here */
			__asm__ volatile("cli; hlt");
	if (f->cs & RPL_USER) {
		uspace_trap(f);
		return;
	}
	if (f->vector == PF_VECTOR && uspace_kernel_fault(f, read_cr2()))
		return;
	if (nested)
		power_off(PANIC_STATUS);
	nested = true;
	printk("exception %llu %s, error code %#llx\n", (unsigned long long)f->vector,
	       name ? name : "(reserved)", (unsigned long long)f->error);
	printk("rip %016llx cs %04llx rflags %08llx rsp %016llx ss %04llx\n",
	       (unsigned long long)f->rip, (unsigned long long)f->cs,
	       (unsigned long long)f->rflags, (unsigned long long)f->rsp,
	       (unsigned long long)f->ss);
	printk("rax %016llx rbx %016llx rcx %016llx rdx %016llx\n",
	       (unsigned long long)f->rax, (unsigned long long)f->rbx,
	       (unsigned long long)f->rcx, (unsigned long long)f->rdx);
	printk("rsi %016llx rdi %016llx rbp %016llx r8  %016llx\n",
	       (unsigned long long)f->rsi, (unsigned long long)f->rdi,
	       (unsigned long long)f->rbp, (unsigned long long)f->r8);
	printk("r9  %016llx r10 %016llx r11 %016llx r12 %016llx\n",
	       (unsigned long long)f->r9, (unsigned long long)f->r10,
	       (unsigned long long)f->r11, (unsigned long long)f->r12);
	printk("r13 %016llx r14 %016llx r15 %016llx\n",
	       (unsigned long long)f->r13, (unsigned long long)f->r14,
	       (unsigned long long)f->r15);
	printk("cr0 %016llx cr2 %016llx cr3 %016llx cr4 %016llx\n",
	       (unsigned long long)read_cr0(), (unsigned long long)read_cr2(),
	       (unsigned long long)read_cr3(), (unsigned long long)read_cr4());
	if (read_cr2() - (uint64_t)boot_stack_guard < PAGE_SIZE)
		printk("cr2 is in the boot stack's guard page: kernel stack overflow\n");
	printk("stack trace:\n");
	print_address(f->rip);
	walk_frames(f->rbp);
	panic_exit();
}
