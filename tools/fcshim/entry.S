/* fcshim entry and exits: the PVH note QEMU boots us through, the switch
 * onto the shim's own GDT and stack, exception stubs, and the two final
 * hand-overs that put the CPU into Firecracker's entry state
 * (firecracker-boot-contract.md §17.2.6 and §17.2.7). */

/* Xen ELF note that makes QEMU's -kernel boot us (qemu-test-platform.md §2). */
.set XEN_ELFNOTE_PHYS32_ENTRY, 18

/* Shim GDT selectors. 0x08-0x18 are Firecracker's own descriptors (§4.2),
 * 0x20 is a flat 32-bit code descriptor for the shim (§17.2.6 a). */
.set FC_CS64, 0x08
.set FC_DS, 0x10
.set FC_TSS, 0x18
.set SHIM_CS32, 0x20

.set FC_GDT_LIMIT, 0x1f		/* §4.2: GDTR {0x500, 0x1F} */
.set FC_GDT_ADDR, 0x500
.set FC_IDT_LIMIT, 0x7		/* §4.2: IDTR {0x520, 7} */
.set FC_IDT_ADDR, 0x520

.set CR0_LINUX64, 0xe0000011	/* §4.3: PG|CD|NW|ET|PE */
.set CR0_PVH, 0x11		/* §7: PE|ET */
.set CR4_PAE, 0x20		/* §4.3 */
.set CR4_OSFXSR, 0x200		/* only while loading MXCSR */
.set CR3_LINUX64, 0x9000	/* §4.3: PML4 */
.set EFER_LME, 0x100		/* §17.2.6 d: LMA follows when paging turns on */
.set MSR_EFER, 0xc0000080
.set MSR_TSC, 0x10		/* §4.4: written last, with 0 */
.set FC_BOOT_STACK, 0x8ff0	/* §4.1: RSP = RBP */
.set FC_ZERO_PAGE, 0x7000	/* §4.1: RSI */
.set FC_START_INFO, 0x6000	/* §7: EBX */
.set FC_RFLAGS, 0x2		/* §4.1, §7 */

.set SHIM_STACK_SIZE, 16384

	.section .note.pvh, "a", @note
	.p2align 2
	.long 4, 4, XEN_ELFNOTE_PHYS32_ENTRY
	.asciz "Xen"
	.p2align 2
	.long fcshim_start

	.section .text.entry, "ax"
	.code32
	.globl fcshim_start
fcshim_start:
	/* QEMU enters with paging off, EBX = hvm_start_info, the
	 * firmware's GDT and stack: replace both before anything else. */
	cli
	cld
	movl %ebx, %esi
	lgdt shim_gdtr
	ljmp $SHIM_CS32, $1f
1:	movl $FC_DS, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %fs
	movl %eax, %gs
	movl %eax, %ss
	movl $__bss_start, %edi
	movl $__bss_end, %ecx
	subl %edi, %ecx
	xorl %eax, %eax
	rep stosb
	movl $shim_stack + SHIM_STACK_SIZE, %esp
	pushl %esi
	call fcshim_main
	/* fcshim_main never returns; fail safe if it ever did. */
	jmp shim_triple_fault

/* Exception stubs for the shim's own IDT: report instead of resetting. */
.macro EXC_STUB vec
exc_stub_\vec:
	.if (\vec == 8) || ((\vec >= 10) && (\vec <= 14)) || (\vec == 17) || (\vec == 21) || (\vec == 29) || (\vec == 30)
	.else
	pushl $0
	.endif
	pushl $\vec
	jmp exc_common
.endm

	.text
	.altmacro
	.set vec, 0
	.rept 32
	EXC_STUB %vec
	.set vec, vec + 1
	.endr

exc_common:
	/* Stack: vector, error code, EIP, CS, EFLAGS: the C handler's
	 * three arguments in order. It does not return. */
	call shim_exception
	jmp shim_triple_fault

.macro EXC_ADDR vec
	.long exc_stub_\vec
.endm

	.section .rodata
	.globl shim_exc_stubs
	.p2align 2
shim_exc_stubs:
	.set vec, 0
	.rept 32
	EXC_ADDR %vec
	.set vec, vec + 1
	.endr
	.noaltmacro

	.text
/* Reset the machine through a triple fault: the last resort on machines
 * without isa-debug-exit (QEMU exits when run with -no-reboot). */
	.globl shim_triple_fault
shim_triple_fault:
	cli
	lidt null_idtr
	int3
	jmp shim_triple_fault

/* Linux 64-bit entry (§17.2.6). The shim already runs on a GDT holding
 * Firecracker's descriptors plus its own 32-bit code; the C side has
 * written the final GDT at 0x500, the IDT quadword at 0x520, the page
 * tables and every MSR except EFER and the TSC. */
	.globl enter_linux64
enter_linux64:
	cli
	movl $FC_TSS, %eax
	ltr %ax			/* hidden TR: base 0, limit 4 GiB, busy */
	xorl %eax, %eax
	lldt %ax
	lidt fc_idtr
	call load_fpu_state
	movl $CR4_PAE, %eax
	movl %eax, %cr4
	movl $CR3_LINUX64, %eax
	movl %eax, %cr3
	movl $MSR_EFER, %ecx
	movl $EFER_LME, %eax
	xorl %edx, %edx
	wrmsr
	xorl %eax, %eax
	movl %eax, %cr2
	movl $CR0_LINUX64, %eax
	movl %eax, %cr0		/* compatibility mode from here */
	lgdt fc_gdtr
	ljmp $FC_CS64, $long_mode

	.code64
long_mode:
	movl $FC_DS, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %fs
	movl %eax, %gs
	movl %eax, %ss
	movl $MSR_TSC, %ecx
	xorl %eax, %eax
	xorl %edx, %edx
	wrmsr
	xorl %eax, %eax
	xorl %ebx, %ebx
	xorl %ecx, %ecx
	xorl %edx, %edx
	xorl %edi, %edi
	xorl %r8d, %r8d
	xorl %r9d, %r9d
	xorl %r10d, %r10d
	xorl %r11d, %r11d
	xorl %r12d, %r12d
	xorl %r13d, %r13d
	xorl %r14d, %r14d
	xorl %r15d, %r15d
	/* After the last xor, which sets ZF and PF; movs leave flags alone. */
	pushq $FC_RFLAGS
	popfq
	movl $FC_ZERO_PAGE, %esi
	movl $FC_BOOT_STACK, %esp
	movl %esp, %ebp
	/* No register may carry the target, so jump through memory. */
	jmp *fc_entry64(%rip)
	.code32

/* PVH entry (§17.2.7): the C side has written the PVH GDT at 0x500 with
 * an available TSS, the IDT quadword and every MSR except EFER and TSC. */
	.globl enter_pvh
enter_pvh:
	cli
	lgdt fc_gdtr
	ljmp $0x08, $1f		/* Firecracker's PVH 0x08 is 32-bit code */
1:	movl $FC_DS, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %fs
	movl %eax, %gs
	movl %eax, %ss
	movl $FC_TSS, %eax
	ltr %ax			/* the CPU marks it busy: 0x00008B0000000067 */
	xorl %eax, %eax
	lldt %ax
	lidt fc_idtr
	call load_fpu_state
	xorl %eax, %eax
	movl %eax, %cr4
	movl %eax, %cr3
	movl %eax, %cr2
	movl $CR0_PVH, %eax
	movl %eax, %cr0
	movl $MSR_EFER, %ecx
	xorl %eax, %eax
	xorl %edx, %edx
	wrmsr
	movl $MSR_TSC, %ecx
	wrmsr
	xorl %eax, %eax
	xorl %ecx, %ecx
	xorl %edx, %edx
	xorl %esi, %esi
	xorl %edi, %edi
	xorl %ebp, %ebp
	pushl $FC_RFLAGS
	popfl
	movl $FC_START_INFO, %ebx
	movl $0, %esp		/* mov, not xor: flags stay 0x2 */
	jmp *fc_entry64

/* FCW 0x37F and MXCSR 0x1F80 (§4.4). MXCSR can only be loaded with
 * CR4.OSFXSR set; the caller sets CR4 to its final value afterwards. */
load_fpu_state:
	movl $CR4_OSFXSR, %eax
	movl %eax, %cr4
	ldmxcsr fc_mxcsr
	fninit
	ret

	.section .rodata
	.p2align 3
/* Shim GDT: Firecracker's descriptors (§4.2) with the TSS available so
 * that ltr can load it (§17.2.6 a), plus the shim's 32-bit code. */
shim_gdt:
	.quad 0
	.quad 0x00af9b000000ffff	/* 0x08: 64-bit code */
	.quad 0x00cf93000000ffff	/* 0x10: data */
	.quad 0x008f89000000ffff	/* 0x18: TSS, available */
	.quad 0x00cf9b000000ffff	/* 0x20: shim 32-bit code */
shim_gdt_end:

	.p2align 2
	.word 0
shim_gdtr:
	.word shim_gdt_end - shim_gdt - 1
	.long shim_gdt
	.word 0
fc_gdtr:
	.word FC_GDT_LIMIT
	.long FC_GDT_ADDR
	.word 0
fc_idtr:
	.word FC_IDT_LIMIT
	.long FC_IDT_ADDR
	.word 0
null_idtr:
	.word 0
	.long 0
	.p2align 2
fc_mxcsr:
	.long 0x1f80

	.data
	.p2align 3
/* Set by the C side before enter_*: the kernel's entry (below 1 GiB). */
	.globl fc_entry64
fc_entry64:
	.quad 0

	.bss
	.p2align 4
shim_stack:
	.skip SHIM_STACK_SIZE
