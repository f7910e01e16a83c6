/*
 * Flint's BIOS disk loader, real-mode part (image layout: docs/boot.md).
 *
 * The MBR (sector 0, loaded by the BIOS at 0x7c00) notes the TSC, checks for
 * the int 13h extensions, reads the image header and stage 2 with LBA
 * packets and jumps there. Stage 2 enables A20 (and checks it), collects
 * the memory map (E820, else E801, else 88h), reads the command line, the
 * compressed kernel and the initrd in 32 KiB chunks through a bounce buffer
 * and copies them above 1 MiB in unreal mode, then enters 32-bit protected
 * mode and calls loader_main (loader32.c), which checks and decompresses
 * the kernel. Any failure prints one "boot error:" line and stops.
 *
 * BIOS services: Phoenix EDD 3.0 (int 13h AH=41h/42h), ACPI 6.5 §15.1
 * (int 15h E820), and the classic int 15h E801/88h/2401h, int 12h, int 10h.
 */
#include "loader.h"

#define SERIAL 0x3f8
#define SERIAL_LSR 5
#define LSR_THRE 0x20
#define EDD_CHECK 0x41
#define EDD_READ 0x42
#define EDD_SIGNATURE 0x55aa		/* in BX */
#define EDD_PRESENT 0xaa55		/* BX on return */
#define EDD_PACKET_ACCESS 0x1		/* CX bit 0: AH=42h-44h supported */
#define SMAP 0x534d4150			/* "SMAP" */
#define E820_ENTRY_SIZE 24
#define E820_ACPI_VALID 1		/* extended attributes: entry valid */
#define PORT_A20 0x92			/* system control port A: fast A20 */
#define A20_FAST 0x02
#define PORT_A_RESET 0x01		/* never write it set: resets the CPU */
#define KBC_STATUS 0x64
#define KBC_DATA 0x60
#define KBC_WRITE_OUTPUT 0xd1
#define KBC_A20_ON 0xdf
#define KBC_INPUT_FULL 0x02
#define CR0_PE 0x1

	.code16
	.section .mbr, "ax"
	.globl mbr
mbr:
	mov	%dx, %bp		/* the BIOS drive number, before rdtsc */
	rdtsc
	ljmp	$0, $1f			/* some BIOSes jump to 07c0:0000 */
1:	xor	%bx, %bx
	mov	%bx, %ds
	mov	%eax, LOADER_BIOS_BOOT + BB_TSC_START
	mov	%edx, LOADER_BIOS_BOOT + BB_TSC_START + 4
	cli
	mov	%bx, %es
	mov	$LOADER_STACK_SEG, %ax
	mov	%ax, %ss
	xor	%sp, %sp		/* the first push lands just below LOADER_STACK_TOP */
	sti
	cld
	mov	%bp, %dx
	mov	%dl, boot_drive

	mov	$EDD_CHECK, %ah
	mov	$EDD_SIGNATURE, %bx
	int	$0x13
	jc	no_edd
	cmp	$EDD_PRESENT, %bx
	jne	no_edd
	test	$EDD_PACKET_ACCESS, %cl
	jz	no_edd

	mov	$BOOTIMG_HEADER_LBA, %eax
	mov	$1, %cx
	xor	%bx, %bx
	mov	$LOADER_HEADER, %di
	call	read_sectors
	cmpl	$BOOTIMG_MAGIC_LO, LOADER_HEADER + HDR_MAGIC_LO
	jne	bad_header
	cmpl	$BOOTIMG_MAGIC_HI, LOADER_HEADER + HDR_MAGIC_HI
	jne	bad_header
	mov	LOADER_HEADER + HDR_LOADER_SECTORS, %cx
	jcxz	bad_header
	cmp	$BOOTIMG_STAGE2_MAX_SECTORS, %cx
	ja	bad_header
	mov	$BOOTIMG_LOADER_LBA, %eax
	mov	$BOOTIMG_STAGE2_ADDR, %di
	call	read_sectors
	jmp	stage2

/* Reads CX sectors at LBA EAX to BX:DI. */
read_sectors:
	mov	%cx, dap_count
	mov	%di, dap_offset
	mov	%bx, dap_segment
	mov	%eax, dap_lba
	mov	$dap, %si
	mov	$EDD_READ, %ah
	mov	boot_drive, %dl
	int	$0x13
	jc	disk_error
	ret

no_edd:
	mov	$msg_no_edd, %si
	jmp	fail
disk_error:
	mov	$msg_disk, %si
	jmp	fail
bad_header:
	mov	$msg_header, %si
/* Prints "boot error: " and the message at SI, then stops. */
fail:
	push	%si
	mov	$msg_prefix, %si
	call	print
	pop	%si
	call	print
	mov	$LOADER_FAIL_STATUS, %al
	out	%al, $QEMU_DEBUG_EXIT_PORT
2:	cli
	hlt
	jmp	2b

/* Writes the NUL-terminated string at SI to COM1 and the screen. */
print:
	lodsb
	test	%al, %al
	jz	3f
	mov	%al, %bl
	mov	$SERIAL + SERIAL_LSR, %dx
4:	in	%dx, %al
	test	$LSR_THRE, %al
	jz	4b
	mov	%bl, %al
	mov	$SERIAL, %dx
	out	%al, %dx
	mov	$0x0e, %ah		/* int 10h teletype output */
	xor	%bh, %bh
	int	$0x10
	jmp	print
3:	ret

msg_prefix:	.asciz "boot error: "
msg_no_edd:	.asciz "no int 13h extensions\r\n"
msg_disk:	.asciz "disk read failed\r\n"
msg_header:	.asciz "bad image header\r\n"

/* Phoenix EDD 3.0 disk address packet. */
	.p2align 2
dap:		.byte 16, 0
dap_count:	.word 0
dap_offset:	.word 0
dap_segment:	.word 0
dap_lba:	.quad 0
boot_drive:	.byte 0

	.org 0x1be
	/* The partition table: tools/flint-img fills it in. */
	.fill 64, 1, 0
	.word 0xaa55

	.section .stage2, "ax"
stage2:
	/* struct bios_boot starts clean, but for the MBR's TSC. */
	xor	%eax, %eax
	mov	%eax, LOADER_BIOS_BOOT
	mov	%eax, LOADER_BIOS_BOOT + BB_E820_COUNT
	mov	$LOADER_BIOS_BOOT + BB_TSC_READ, %di
	mov	$(BB_SIZE - BB_TSC_READ) / 2, %cx
	rep stosw
	call	a20_on
	jz	a20_ok
	in	$PORT_A20, %al
	or	$A20_FAST, %al
	and	$~PORT_A_RESET, %al
	out	%al, $PORT_A20
	call	a20_on
	jz	a20_ok
	mov	$0x2401, %ax		/* int 15h: enable A20 */
	int	$0x15
	call	a20_on
	jz	a20_ok
	call	kbc_wait
	mov	$KBC_WRITE_OUTPUT, %al
	out	%al, $KBC_STATUS
	call	kbc_wait
	mov	$KBC_A20_ON, %al
	out	%al, $KBC_DATA
	call	kbc_wait
	call	a20_on
	jz	a20_ok
	mov	$msg_a20, %si
	jmp	fail

a20_ok:
	call	memory_map
	mov	$BOOTIMG_CMDLINE_LBA, %eax
	mov	$BOOTIMG_CMDLINE_SIZE / BOOTIMG_SECTOR, %cx
	xor	%bx, %bx
	mov	$LOADER_CMDLINE, %di
	call	read_sectors
	movb	$0, LOADER_CMDLINE + BOOTIMG_CMDLINE_SIZE - 1
	movl	$LOADER_CMDLINE, LOADER_BIOS_BOOT + BB_CMDLINE

	mov	LOADER_HEADER + HDR_KERNEL_LBA, %eax
	mov	LOADER_HEADER + HDR_KERNEL_CSIZE, %ecx
	mov	LOADER_HEADER + HDR_KERNEL_CLOAD, %edi
	call	read_high
	mov	LOADER_HEADER + HDR_INITRD_SIZE, %ecx
	jecxz	1f
	mov	%ecx, LOADER_BIOS_BOOT + BB_INITRD_SIZE
	mov	LOADER_HEADER + HDR_INITRD_LOAD, %edi
	mov	%edi, LOADER_BIOS_BOOT + BB_INITRD_BASE
	mov	LOADER_HEADER + HDR_INITRD_LBA, %eax
	call	read_high
1:	rdtsc
	mov	%eax, LOADER_BIOS_BOOT + BB_TSC_READ
	mov	%edx, LOADER_BIOS_BOOT + BB_TSC_READ + 4

	cli
	lgdt	gdt_ptr
	mov	%cr0, %eax
	or	$CR0_PE, %al
	mov	%eax, %cr0
	ljmp	$LOADER_CS32, $protected

/* ZF clear when A20 is off: 0000:7dfe (the MBR's 0xaa55) and ffff:7e0e
 * are the same byte when addresses wrap at 1 MiB. */
a20_on:
	push	%ds
	push	%es
	xor	%ax, %ax
	mov	%ax, %ds
	not	%ax
	mov	%ax, %es
	mov	$0x7dfe, %si
	mov	$0x7e0e, %di
	movb	(%si), %bl
	notb	%es:(%di)
	cmpb	%bl, (%si)
	notb	%es:(%di)
	pop	%es
	pop	%ds
	ret

/* Waits, bounded, for the keyboard controller's input buffer. */
kbc_wait:
	mov	$0xffff, %cx
1:	in	$KBC_STATUS, %al
	test	$KBC_INPUT_FULL, %al
	loopnz	1b
	ret

/* Fills the struct bios_boot memory map: E820, else E801, else 88h. */
memory_map:
	xor	%ebx, %ebx
	mov	$LOADER_BIOS_BOOT + BB_E820, %di
1:	mov	$0xe820, %eax
	mov	$SMAP, %edx
	mov	$E820_ENTRY_SIZE, %ecx
	movl	$E820_ACPI_VALID, 20(%di)
	int	$0x15
	jc	2f			/* past the last entry, or no E820 */
	cmp	$SMAP, %eax
	jne	2f
	incl	LOADER_BIOS_BOOT + BB_E820_COUNT
	add	$E820_ENTRY_SIZE, %di
	cmpl	$BIOS_BOOT_MAX_E820, LOADER_BIOS_BOOT + BB_E820_COUNT
	jae	3f
	test	%ebx, %ebx
	jnz	1b
2:	cmpl	$0, LOADER_BIOS_BOOT + BB_E820_COUNT
	jne	3f
	/* No E820: base memory from int 12h, then E801's two ranges. */
	int	$0x12
	movzwl	%ax, %edx
	shl	$10, %edx
	xor	%eax, %eax
	call	add_ram
	mov	$0xe801, %ax
	xor	%cx, %cx
	xor	%dx, %dx
	int	$0x15
	jc	4f
	jcxz	5f			/* some BIOSes answer in AX/BX only */
	mov	%cx, %ax
	mov	%dx, %bx
5:	push	%bx
	movzwl	%ax, %edx
	shl	$10, %edx		/* KiB from 1 MiB */
	mov	$LOADER_HIGH, %eax
	call	add_ram
	pop	%dx
	movzwl	%dx, %edx
	shl	$16, %edx		/* 64 KiB blocks from 16 MiB */
	mov	$0x1000000, %eax
	call	add_ram
3:	ret
4:	mov	$0x88, %ah		/* KiB from 1 MiB */
	int	$0x15
	jc	3b
	movzwl	%ax, %edx
	shl	$10, %edx
	mov	$LOADER_HIGH, %eax
	/* fall through */
/* Appends RAM [EAX, EAX + EDX) at DI, unless it is empty. */
add_ram:
	test	%edx, %edx
	jz	1f
	mov	%eax, (%di)
	movl	$0, 4(%di)
	mov	%edx, 8(%di)
	movl	$0, 12(%di)
	movl	$1, 16(%di)		/* E820 type 1: RAM */
	add	$E820_ENTRY_SIZE, %di
	incl	LOADER_BIOS_BOOT + BB_E820_COUNT
1:	ret

/* Reads ECX bytes from LBA EAX to EDI (>= 1 MiB), 32 KiB at a time
 * through the bounce buffer. The header is not yet checked (its CRC is
 * the 32-bit part's job), so a lying one must not make this write below
 * 1 MiB or wrap around 4 GiB. */
read_high:
	cmp	$LOADER_HIGH, %edi
	jb	bad_header
	cmp	$LOADER_READ_MAX, %ecx
	ja	bad_header
	mov	%edi, %edx
	add	%ecx, %edx
	jc	bad_header
	add	$BOOTIMG_SECTOR - 1, %ecx
	shr	$9, %ecx		/* sectors */
1:	jecxz	3f
	push	%ecx
	cmp	$LOADER_CHUNK_SECTORS, %ecx
	jbe	2f
	mov	$LOADER_CHUNK_SECTORS, %ecx
2:	push	%eax
	push	%ecx
	push	%edi
	mov	$LOADER_BOUNCE_SEG, %bx
	xor	%di, %di
	call	read_sectors
	call	unreal			/* BIOS calls may reset the limits */
	pop	%edi
	pop	%ecx
	push	%ecx
	mov	$LOADER_BOUNCE, %esi
	shl	$7, %ecx		/* dwords */
	cld
	addr32 rep movsl
	pop	%ecx
	pop	%eax
	add	%ecx, %eax		/* next LBA */
	mov	%ecx, %edx
	pop	%ecx
	sub	%edx, %ecx
	jmp	1b
3:	ret

/* Unreal mode: DS and ES keep base 0 and get a 4 GiB limit. */
unreal:
	cli
	push	%ds
	push	%es
	lgdt	gdt_ptr
	mov	%cr0, %eax
	or	$CR0_PE, %al
	mov	%eax, %cr0
	mov	$LOADER_DS32, %bx
	mov	%bx, %ds
	mov	%bx, %es
	and	$~CR0_PE, %al
	mov	%eax, %cr0
	pop	%es
	pop	%ds
	sti
	ret

msg_a20:	.asciz "A20 line stuck\r\n"

	.p2align 3
gdt:
	.quad 0
	.quad 0x00cf9a000000ffff	/* LOADER_CS32: 32-bit code, 4 GiB */
	.quad 0x00cf92000000ffff	/* LOADER_DS32: data, 4 GiB */
gdt_ptr:
	.word gdt_ptr - gdt - 1
	.long gdt

	.code32
protected:
	mov	$LOADER_DS32, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %fs
	mov	%eax, %gs
	mov	%eax, %ss
	mov	$LOADER_STACK_TOP, %esp
	mov	$__bss_start, %edi
	mov	$__bss_end, %ecx
	sub	%edi, %ecx
	xor	%eax, %eax
	rep stosb
	push	$LOADER_HEADER
	push	$LOADER_BIOS_BOOT
	call	loader_main
