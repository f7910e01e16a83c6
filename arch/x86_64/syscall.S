/* The way into the kernel from user mode by the syscall instruction, and
 * the one way back to user mode for syscalls, traps and interrupts alike
 * (iretq: it restores every register, whatever a signal handler or
 * clone set up). The frame is isr.S's struct trap_frame, with vector
 * SYSCALL_MARK. */
#include <arch/percpu.h>
#include <arch/trap.h>
#include <arch/x86.h>

	.text
	.globl syscall_entry
syscall_entry:
	/* SDM vol. 2B SYSCALL: rcx = user rip, r11 = user rflags; rsp is
	 * still the user's and interrupts are off (SFMASK). */
	swapgs
	movq	%rsp, %gs:PERCPU_USER_RSP
	movq	%gs:PERCPU_KERNEL_RSP, %rsp
	pushq	$USER_DS
	pushq	%gs:PERCPU_USER_RSP
	pushq	%r11
	pushq	$USER_CS
	pushq	%rcx
	pushq	$0
	pushq	$SYSCALL_MARK
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
	movq	%rsp, %rdi
	xorl	%ebp, %ebp		/* stack traces end here */
	sti
	call	uspace_syscall_entry
	cli
	movq	%rsp, %rdi
	jmp	uspace_jump

/* void uspace_jump(const struct trap_frame *f): to user mode with *f,
 * interrupts off. */
	.globl uspace_jump
uspace_jump:
	movq	%rdi, %rsp
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
	addq	$16, %rsp
	swapgs
	iretq
