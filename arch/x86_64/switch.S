/* void arch_switch(uint64_t *save, uint64_t rsp): the SysV callee-saved
 * registers go on the old stack, whose pointer goes to *save; the new
 * stack holds the same frame (arch_new_context builds a first one). The
 * caller-saved registers are the compiler's business at the call. */
	.text
	.globl arch_switch
arch_switch:
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, (%rdi)
	movq	%rsi, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret
