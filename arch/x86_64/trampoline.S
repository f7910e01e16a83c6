/*
 * Where application processors start (SMP): the SIPI's vector points them
 * at TRAMPOLINE_PHYS in real mode. smp.c copies this code there and fills
 * in the data at its end. Each AP enters long mode on the kernel's page
 * tables (with a temporary identity map of the first 2 MiB), takes a slot
 * number, loads that slot's stack and calls ap_main(slot) in the higher half.
 */
#include <arch/x86.h>
#include <arch/smp.h>

#define AT(label) (TRAMPOLINE_PHYS + (label) - trampoline_start)
#define AP_CR0 (CR0_PG | CR0_WP | CR0_NE | CR0_ET | CR0_MP | CR0_PE)

	.section .rodata
	.globl trampoline_start, trampoline_end
	.code16
trampoline_start:
	cli
	cld
	xor	%ax, %ax
	mov	%ax, %ds
	lgdtl	AT(tr_gdt_ptr)
	mov	$CR4_PAE, %eax
	mov	%eax, %cr4
	mov	AT(tr_cr3), %eax
	mov	%eax, %cr3
	mov	$MSR_EFER, %ecx
	mov	AT(tr_efer), %eax
	xor	%edx, %edx
	wrmsr
	mov	$AP_CR0, %eax
	mov	%eax, %cr0
	ljmpl	$GDT_KERNEL_CS, $AT(tr_long)

	.code64
tr_long:
	mov	$GDT_KERNEL_DS, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	xor	%eax, %eax
	mov	%eax, %fs
	mov	%eax, %gs
	mov	$1, %edi
	lock xadd %edi, AT(tr_next_slot)
	mov	AT(tr_stack)(, %rdi, 8), %rsp
	xor	%ebp, %ebp
	movabs	$ap_main, %rax
	call	*%rax
1:	hlt
	jmp	1b

	.p2align 3
tr_gdt:
	.quad 0
	.quad 0x00af9a000000ffff	/* GDT_KERNEL_CS */
	.quad 0x00cf92000000ffff	/* GDT_KERNEL_DS */
tr_gdt_ptr:
	.word tr_gdt_ptr - tr_gdt - 1
	.long AT(tr_gdt)
	.p2align 3
	.globl tr_cr3, tr_efer, tr_next_slot, tr_stack
tr_cr3:		.long 0		/* smp.c: the kernel's PML4 (below 4 GiB) */
tr_efer:	.long 0		/* smp.c: the boot CPU's EFER */
tr_next_slot:	.long 1		/* APs take slots 1, 2, ... */
	.p2align 3
tr_stack:	.fill SMP_MAX_CPUS, 8, 0	/* smp.c: each slot's stack top */
trampoline_end:
