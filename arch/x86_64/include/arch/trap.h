/* The register frame isr.S builds for every exception. */
#ifndef ARCH_TRAP_H
#define ARCH_TRAP_H

#define NUM_EXCEPTIONS 32
#define NUM_VECTORS 256
#define SYSCALL_MARK NUM_VECTORS	/* trap_frame.vector of a syscall */

#ifdef __ASSEMBLER__
/* The general registers of struct trap_frame, rax pushed first, so that
 * r15 ends up at the lowest address. */
.macro push_regs
	pushq	%rax
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%rbp
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
.endm
#else
#include <stdint.h>

/* Interrupt stack table slots (SDM vol. 3A §6.14.5) for exceptions that
 * must not run on a possibly broken stack. */
#define IST_DOUBLE_FAULT 1
#define IST_NMI 2
#define IST_MACHINE_CHECK 3
#define IST_COUNT 3

struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;		/* pushed by the stub */
	uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

extern const uint64_t isr_stubs[NUM_VECTORS];

void trap_handler(struct trap_frame *f);

/* Vectors 32-255 (arch/x86_64/irq.c). */
void irq_dispatch(unsigned vector);
#endif

#endif
