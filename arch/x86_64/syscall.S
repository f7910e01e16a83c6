/* The way into the kernel from user mode by the syscall instruction. The
 * frame is isr.S's struct trap_frame, with vector SYSCALL_MARK, and the way
 * back is isr.S's too (iretq: it restores every register, whatever a
 * signal handler or clone set up). */
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
	push_regs
	movq	%rsp, %rdi
	xorl	%ebp, %ebp		/* stack traces end here */
	sti
	call	uspace_syscall_entry
	cli
	jmp	trap_return

/* void uspace_jump(const struct trap_frame *f): to user mode with *f,
 * interrupts off. */
	.globl uspace_jump
uspace_jump:
	movq	%rdi, %rsp
	jmp	trap_return
