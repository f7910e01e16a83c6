/* Each CPU's own data, reached through GS (arch/x86_64/cpu.c). */
#ifndef ARCH_PERCPU_H
#define ARCH_PERCPU_H

#define GDT_TSS 0x28
#define GDT_ENTRIES 7	/* null, kernel code, data, user data, code, TSS (two slots) */

/* Offsets the syscall entry (syscall.S) uses, checked in cpu.c. */
#define PERCPU_KERNEL_RSP 16
#define PERCPU_USER_RSP 24

#ifndef __ASSEMBLER__
#include <arch/trap.h>
#include <stdint.h>

#define IST_STACK_SIZE 8192

/* SDM vol. 3A §8.7: the 64-bit task-state segment. */
struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

struct percpu {
	struct percpu *self;		/* at %gs:0, for percpu() */
	unsigned index;			/* 0: the boot CPU; APs in check-in order */
	uint32_t apic_id;
	uint64_t kernel_rsp;		/* the running thread's kernel stack top */
	uint64_t user_rsp;		/* scratch for the syscall entry */
	uint64_t gdt[GDT_ENTRIES];	/* own GDT: the TSS descriptor is per CPU */
	struct tss tss;
	uint8_t *ist_stack[IST_COUNT];	/* IST_STACK_SIZE bytes each */
};

static inline struct percpu *percpu(void)
{
	struct percpu *p;

	__asm__ volatile("mov %%gs:0, %0" : "=r"(p));
	return p;
}

/* Loads pc's GDT, TSS, the shared IDT and GS, and enables SSE/XSAVE. */
void cpu_setup(struct percpu *pc);
#endif

#endif
