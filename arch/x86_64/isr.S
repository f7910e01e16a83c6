/* Entry stubs for all 256 vectors: give each the same frame (a dummy error
 * code where the CPU pushes none), save all registers and call
 * trap_handler(struct trap_frame *). Traps from user mode switch GS to
 * the kernel's on the way in and back on the way out. */

#include <arch/trap.h>

/* SDM vol. 3A Table 6-1: the exceptions that push an error code. */
#define HAS_ERROR(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

	.altmacro
	.text
.macro stub v
isr_\v:
	.if HAS_ERROR(\v) == 0
	pushq	$0
	.endif
	pushq	$\v
	jmp	isr_common
.endm

.set v, 0
.rept NUM_VECTORS
	stub %v
	.set v, v + 1
.endr

isr_common:
	/* From user mode, GS holds the user's base: take the kernel's. */
	testb	$3, 24(%rsp)
	jz	1f
	swapgs
1:	push_regs
	mov	%rsp, %rdi
	cld
	call	trap_handler
/* The way back from any trap frame at rsp, to the kernel or (swapping GS
 * back) to user mode; syscall.S returns through it too. */
	.globl trap_return
trap_return:
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rbp
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rbx
	popq	%rax
	add	$16, %rsp
	testb	$3, 8(%rsp)
	jz	2f
	swapgs
2:	iretq

	.section .rodata
	.p2align 3
	.globl isr_stubs
isr_stubs:
.macro stub_address v
	.quad isr_\v
.endm
.set v, 0
.rept NUM_VECTORS
	stub_address %v
	.set v, v + 1
.endr
