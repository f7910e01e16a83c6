/*
 * The common 64-bit start, reached from every entry in entry.S with Flint's
 * early page tables loaded: clear .bss, switch to the boot stack and call
 * arch_boot(kind, data, tsc), which normalises the boot data into bootinfo.
 */
#include <arch/x86.h>

#define BOOT_STACK_SIZE 16384

	.text
	.globl start64
start64:
	lea	__bss_start(%rip), %rdi
	lea	__bss_end(%rip), %rcx
	sub	%rdi, %rcx
	shr	$3, %rcx
	xor	%eax, %eax
	rep stosq
	lea	boot_stack_top(%rip), %rsp
	xor	%ebp, %ebp
	/* The boot variables are identity-mapped low addresses. */
	mov	boot_entry_kind, %edi
	mov	boot_entry_data, %rsi
	mov	boot_entry_tsc, %rdx
	call	arch_boot
1:	hlt
	jmp	1b

	/* The guard page below the stack is left unmapped by paging.c. */
	.section .stack, "aw", @nobits
	.p2align 12
	.globl boot_stack_guard, boot_stack_bottom, boot_stack_top
boot_stack_guard:
	.skip 4096
boot_stack_bottom:
	.skip BOOT_STACK_SIZE
boot_stack_top:
