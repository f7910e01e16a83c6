/*
 * The ways into Flint. Each entry notes the TSC, what it was handed and how
 * it came in, switches to Flint's own GDT, early page tables, EFER and CR0,
 * and jumps to start64 (start64.S) in the higher half:
 *  - vmlinux64_entry: the ELF's e_entry, Linux 64-bit boot protocol
 *    (Firecracker without a PVH note): long mode, RSI = boot_params.
 *  - pvh_entry: the Xen PVH note's entry (QEMU -kernel, Firecracker >= 1.12):
 *    32-bit protected mode, paging off, EBX = hvm_start_info.
 *  - bios_entry: Flint's disk-image loader, the same state with
 *    EBX = struct bios_boot.
 * Both run identity-mapped at their physical addresses and touch no stack
 * before start64 (Firecracker's PVH entry gives ESP = 0).
 */
#include <arch/x86.h>
#include <flint/memory.h>

/* Xen public/elfnote.h: XEN_ELFNOTE_PHYS32_ENTRY, the 32-bit PVH entry. */
#define XEN_ELFNOTE_PHYS32_ENTRY 18

#define EARLY_CR0 (CR0_PG | CR0_WP | CR0_NE | CR0_ET | CR0_MP | CR0_PE)

	.section .note.pvh, "a", @note
	.p2align 2
	.long 4				/* namesz */
	.long 4				/* descsz */
	.long XEN_ELFNOTE_PHYS32_ENTRY
	.asciz "Xen"
	.p2align 2
	.long pvh_entry

/*
 * Load Flint's paging state: CR4 = PAE only (everything else is set later,
 * on purpose, by C), CR3 = early tables, EFER = LME (+ NXE when the CPU has
 * it, SCE off), CR0 = PG|WP|NE|ET|MP|PE (clears Firecracker's CD/NW).
 * \acc is eax in 32-bit code and rax in 64-bit code. Clobbers a/c/d/si.
 */
.macro load_paging acc
	mov	$CR4_PAE, %\acc
	mov	%\acc, %cr4
	mov	$early_pml4, %\acc
	mov	%\acc, %cr3
	mov	$0x80000001, %eax
	cpuid
	mov	$EFER_LME, %esi
	bt	$CPUID_EXT_NX_BIT, %edx
	jnc	1f
	or	$EFER_NXE, %esi
1:	mov	$MSR_EFER, %ecx
	rdmsr
	and	$~EFER_SCE, %eax
	or	%esi, %eax
	wrmsr
	mov	$EARLY_CR0, %\acc
	mov	%\acc, %cr0
.endm

	.section .boot.text, "ax"
	.code32
	.globl pvh_entry, bios_entry
pvh_entry:
	rdtsc
	mov	$BOOT_KIND_PVH, %ecx
	jmp	entry32
/* Flint's own BIOS loader (arch/x86_64/boot/): 32-bit protected mode,
 * paging off, EBX = struct bios_boot. */
bios_entry:
	rdtsc
	mov	$BOOT_KIND_BIOS, %ecx
entry32:
	cli
	cld
	mov	%eax, boot_entry_tsc
	mov	%edx, boot_entry_tsc + 4
	mov	%ebx, boot_entry_data
	mov	%ecx, boot_entry_kind
	lgdt	boot_gdt_ptr
	load_paging eax
	ljmp	$GDT_KERNEL_CS, $long_entry

	.code64
	.globl vmlinux64_entry
vmlinux64_entry:
	rdtsc
	cli
	cld
	mov	%eax, boot_entry_tsc(%rip)
	mov	%edx, boot_entry_tsc + 4(%rip)
	mov	%rsi, boot_entry_data(%rip)
	movl	$BOOT_KIND_LINUX64, boot_entry_kind(%rip)
	lgdt	boot_gdt_ptr(%rip)
	load_paging rax
	/* Reload CS from our GDT; Firecracker's stack at 0x8ff0 is still valid. */
	pushq	$GDT_KERNEL_CS
	lea	long_entry(%rip), %rax
	pushq	%rax
	lretq

long_entry:
	mov	$GDT_KERNEL_DS, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	xor	%eax, %eax
	mov	%eax, %fs
	mov	%eax, %gs
	movabs	$start64, %rax
	jmp	*%rax

	.section .boot.data, "aw"
	.p2align 3
	.globl boot_entry_tsc, boot_entry_data, boot_entry_kind
boot_entry_tsc:		.quad 0		/* TSC at the entry's first instruction */
boot_entry_data:	.quad 0		/* boot_params or hvm_start_info (phys) */
boot_entry_kind:	.long 0		/* BOOT_KIND_* */

	.p2align 3
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff	/* GDT_KERNEL_CS: 64-bit code, DPL 0 */
	.quad 0x00cf92000000ffff	/* GDT_KERNEL_DS: data, DPL 0 */
boot_gdt_end:
boot_gdt_ptr:
	.word boot_gdt_end - boot_gdt - 1
	.quad boot_gdt

/*
 * Early page tables, built by the assembler so no entry spends time on them:
 * [0, 4 GiB) with 2 MiB pages at 0 (identity, for the entry code and boot
 * data) and at DIRECT_MAP_BASE, and the first GiB again at KERNEL_VMA.
 * paging.c replaces them with the kernel's final map.
 */
#define PML4_INDEX(va) (((va) >> 39) & 511)
#define PDPT_INDEX(va) (((va) >> 30) & 511)
#define TABLE (PTE_P | PTE_W)

	.p2align 12
early_pml4:
	.quad early_pdpt_low + TABLE
	.fill PML4_INDEX(DIRECT_MAP_BASE) - 1, 8, 0
	.quad early_pdpt_low + TABLE
	.fill 511 - PML4_INDEX(DIRECT_MAP_BASE) - 1, 8, 0
	.quad early_pdpt_kernel + TABLE
early_pdpt_low:
	.quad early_pd + TABLE
	.quad early_pd + 0x1000 + TABLE
	.quad early_pd + 0x2000 + TABLE
	.quad early_pd + 0x3000 + TABLE
	.fill 508, 8, 0
early_pdpt_kernel:
	.fill PDPT_INDEX(KERNEL_VMA), 8, 0
	.quad early_pd + TABLE
	.fill 511 - PDPT_INDEX(KERNEL_VMA), 8, 0
early_pd:
	.set page, 0
	.rept 2048
	.quad (page << 21) | PTE_PS | PTE_W | PTE_P
	.set page, page + 1
	.endr
