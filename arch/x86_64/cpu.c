/*
 * A CPU's own tables and state: a GDT with its TSS and interrupt stacks,
 * the IDT all CPUs share, GS pointing at its struct percpu, SSE and,
 * where the CPU has it, XSAVE.
 */
#include <arch/cpu.h>
#include <arch/percpu.h>
#include <arch/trap.h>
#include <arch/uspace.h>
#include <arch/x86.h>
#include <flint/arch.h>
#include <flint/param.h>
#include <flint/printk.h>
#include <flint/string.h>

/* SDM vol. 3A §3.4.5: 64-bit code and data segment descriptors, DPL 0. */
#define DESC_KERNEL_CODE 0x00af9a000000ffffull
#define DESC_KERNEL_DATA 0x00cf92000000ffffull
/* The same with DPL 3, for user mode. */
#define DESC_USER_CODE 0x00affa000000ffffull
#define DESC_USER_DATA 0x00cff2000000ffffull
/* SDM vol. 3A §7.2.3: available 64-bit TSS, present. */
#define DESC_TSS_TYPE 0x89ull

/* SDM vol. 3A §6.14.1: 64-bit interrupt gate, present, DPL 0. */
#define IDT_INTERRUPT_GATE 0x8e

/* CPUID leaf 1 ECX bits (SDM vol. 2A Table 3-10). */
#define CPUID_1_ECX_XSAVE (1u << 26)
/* XCR0 state components (SDM vol. 1 §13.1). */
#define XCR0_X87 0x1
#define XCR0_SSE 0x2
#define XCR0_AVX 0x4
#define XSAVE_LEAF 0xd


/* The legacy area FXSAVE writes and XSAVE begins with (SDM vol. 1
 * §10.5.1): 512 bytes, and the initial FCW and MXCSR (§8.1.5, §10.2.3). */
#define FXSAVE_BYTES 512
#define FXSAVE_FCW 0
#define FXSAVE_MXCSR 24
#define FCW_INIT 0x037f
#define MXCSR_INIT 0x1f80

struct idt_gate {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;
	uint8_t type;
	uint16_t offset_mid;
	uint32_t offset_high;
	uint32_t reserved;
};

struct table_pointer {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

_Static_assert(offsetof(struct percpu, kernel_rsp) == PERCPU_KERNEL_RSP, "syscall.S");
_Static_assert(offsetof(struct percpu, user_rsp) == PERCPU_USER_RSP, "syscall.S");

static struct idt_gate idt[NUM_VECTORS];
static size_t fpu_bytes = FXSAVE_BYTES;
static bool xsave;
static struct percpu boot_cpu;
static uint8_t boot_ist_stack[IST_COUNT][IST_STACK_SIZE]
	__attribute__((section(".stack"), aligned(16)));

static void load_gdt(struct percpu *pc)
{
	uint64_t base = (uint64_t)&pc->tss;
	uint64_t limit = sizeof(pc->tss) - 1;
	struct table_pointer p = { sizeof(pc->gdt) - 1, (uint64_t)pc->gdt };

	pc->gdt[0] = 0;
	pc->gdt[GDT_KERNEL_CS / 8] = DESC_KERNEL_CODE;
	pc->gdt[GDT_KERNEL_DS / 8] = DESC_KERNEL_DATA;
	pc->gdt[GDT_USER_DS / 8] = DESC_USER_DATA;
	pc->gdt[GDT_USER_CS / 8] = DESC_USER_CODE;
	pc->gdt[GDT_TSS / 8] = (limit & 0xffff) | (base & 0xffffff) << 16 |
			       DESC_TSS_TYPE << 40 | ((base >> 24) & 0xff) << 56;
	pc->gdt[GDT_TSS / 8 + 1] = base >> 32;
	for (int i = 0; i < IST_COUNT; i++)
		pc->tss.ist[i] = (uint64_t)&pc->ist_stack[i][IST_STACK_SIZE];
	pc->tss.iomap_base = sizeof(pc->tss);	/* no I/O permission bitmap */

	__asm__ volatile("lgdt %0\n\t"
			 "pushq %1\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\tmovl %2, %%eax\n\t"
			 "movl %%eax, %%ds\n\t"
			 "movl %%eax, %%es\n\t"
			 "movl %%eax, %%ss\n\t"
			 "ltr %w3"
			 : : "m"(p), "i"(GDT_KERNEL_CS), "i"(GDT_KERNEL_DS), "r"(GDT_TSS)
			 : "rax", "memory");
}

static uint8_t ist_for(unsigned vector)
{
	switch (vector) {
	case 2: return IST_NMI;
	case 8: return IST_DOUBLE_FAULT;
	case 18: return IST_MACHINE_CHECK;
	}
	return 0;
}

static void fill_idt(void)
{
	for (unsigned v = 0; v < NUM_VECTORS; v++) {
		uint64_t a = isr_stubs[v];

		idt[v] = (struct idt_gate){
			.offset_low = (uint16_t)a,
			.selector = GDT_KERNEL_CS,
			.ist = ist_for(v),
			.type = IDT_INTERRUPT_GATE,
			.offset_mid = (uint16_t)(a >> 16),
			.offset_high = (uint32_t)(a >> 32),
		};
	}
}

static void load_idt(void)
{
	struct table_pointer p = { sizeof(idt) - 1, (uint64_t)idt };

	__asm__ volatile("lidt %0" : : "m"(p));
}

/* test.fpu (options are applied after arch_cpu_init): run SSE
 * instructions, a #UD if SSE is off, and show the XSAVE components. Only
 * on request: KVM's instruction emulator, which some test hosts use,
 * cannot emulate SSE. The kernel keeps nothing in xmm0. */
static int test_fpu_param(const char *value)
{
	uint32_t lo = 0, hi = 0;

	if (value)
		return -1;
	__asm__ volatile("xorps %xmm0, %xmm0\n\taddps %xmm0, %xmm0");
	if (read_cr4() & CR4_OSXSAVE)
		__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	printk("fpu: sse ok, xcr0 %#llx\n", (unsigned long long)hi << 32 | lo);
	return 0;
}
KERNEL_PARAM("test.fpu", test_fpu_param);

/* SSE for applications (the kernel itself is built without it), and the
 * XSAVE components the CPU supports among x87, SSE and AVX. */
static void enable_fpu(void)
{
	uint64_t cr4 = read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT;

	write_cr0((read_cr0() & ~(uint64_t)(CR0_EM | CR0_TS)) | CR0_MP | CR0_NE);
	if (cpuid(1, 0).ecx & CPUID_1_ECX_XSAVE) {
		uint64_t supported = cpuid(XSAVE_LEAF, 0).eax;

		write_cr4(cr4 | CR4_OSXSAVE);
		xsetbv(0, supported & (XCR0_X87 | XCR0_SSE | XCR0_AVX));
		/* EBX: the area size for the components XCR0 now enables. */
		fpu_bytes = cpuid(XSAVE_LEAF, 0).ebx;
		xsave = true;
	} else {
		write_cr4(cr4);
	}
	/* MXCSR keeps its reset value. */
	__asm__ volatile("fninit");
}

void cpu_setup(struct percpu *pc)
{
	pc->self = pc;
	load_gdt(pc);
	load_idt();
	wrmsr(MSR_GS_BASE, (uint64_t)pc);
	enable_fpu();
	uspace_cpu_init();
}

void arch_cpu_init(void)
{
	for (int i = 0; i < IST_COUNT; i++)
		boot_cpu.ist_stack[i] = boot_ist_stack[i];
	fill_idt();
	cpu_setup(&boot_cpu);
}

unsigned arch_cpu_index(void)
{
	return percpu()->index;
}

size_t arch_fpu_size(void)
{
	return fpu_bytes;
}

/* All zero but the control words: for XSAVE a zero XSTATE_BV in the
 * header means "initial state" for every component. */
void arch_fpu_init(void *area)
{
	memset(area, 0, fpu_bytes);
	*(uint16_t *)((char *)area + FXSAVE_FCW) = FCW_INIT;
	*(uint32_t *)((char *)area + FXSAVE_MXCSR) = MXCSR_INIT;
}

/* Eager: every switch saves and restores, as the kernel never touches
 * the state itself and threads are few. EDX:EAX = all components. */
void arch_fpu_save(void *area)
{
	if (xsave)
		__asm__ volatile("xsave64 (%0)" : : "r"(area), "a"(-1), "d"(-1) : "memory");
	else
		__asm__ volatile("fxsave64 (%0)" : : "r"(area) : "memory");
}

void arch_fpu_restore(const void *area)
{
	if (xsave)
		__asm__ volatile("xrstor64 (%0)" : : "r"(area), "a"(-1), "d"(-1) : "memory");
	else
		__asm__ volatile("fxrstor64 (%0)" : : "r"(area) : "memory");
}

/* The frame arch_switch pops (switch.S): six callee-saved registers, then
 * the return address entry; above it a zero return address for entry
 * itself, which leaves the stack as a call would (SysV: rsp + 8 aligned). */
#define SWITCH_SAVED_REGS 6

uint64_t arch_new_context(void *stack_top, void (*entry)(void))
{
	uint64_t *sp = (uint64_t *)stack_top;

	*--sp = 0;
	*--sp = (uint64_t)entry;
	for (int i = 0; i < SWITCH_SAVED_REGS; i++)
		*--sp = 0;
	return (uint64_t)sp;
}
