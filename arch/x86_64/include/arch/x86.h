/* Architectural constants shared by the entry code (assembly) and C. */
#ifndef ARCH_X86_H
#define ARCH_X86_H

#define KERNEL_VMA	0xffffffff80000000	/* kernel image: KERNEL_VMA + phys */
#define EARLY_MAP_LIMIT	0x100000000		/* entry.S maps [0, 4 GiB) */

/* Intel SDM vol. 3A §2.5 "Control Registers". */
#define CR0_PE		0x1
#define CR0_MP		0x2
#define CR0_EM		0x4
#define CR0_TS		0x8
#define CR0_ET		0x10
#define CR0_NE		0x20
#define CR0_WP		0x10000
#define CR0_PG		0x80000000
#define CR4_PAE		0x20
#define CR4_PGE		0x80
#define CR4_OSFXSR	0x200
#define CR4_OSXMMEXCPT	0x400
#define CR4_PCIDE	0x20000
#define CR4_OSXSAVE	0x40000
#define CR4_SMEP	0x100000
#define CR4_SMAP	0x200000

/* SDM vol. 3A §4.10.1 and §4.10.4.1: with CR4.PCIDE, CR3 bits 11:0 are the
 * PCID, and bit 63 set in a MOV to CR3 keeps that PCID's TLB entries. */
#define CR3_PCID_MASK	0xfff
#define CR3_NOFLUSH	0x8000000000000000

/* SDM vol. 3A §2.2.1 "Extended Feature Enable Register". */
#define MSR_EFER	0xc0000080
#define EFER_SCE	0x1
#define EFER_LME	0x100
#define EFER_NXE	0x800

/* SDM vol. 4 Table 2-2: the syscall MSRs and the segment bases. */
#define MSR_STAR	0xc0000081
#define MSR_LSTAR	0xc0000082
#define MSR_SFMASK	0xc0000084
#define MSR_FS_BASE	0xc0000100
#define MSR_GS_BASE	0xc0000101
#define MSR_KERNEL_GS_BASE 0xc0000102

/* SDM vol. 2A CPUID leaf 0x80000001 EDX bit 20: execute-disable available. */
#define CPUID_EXT_NX_BIT 20

/* Paging entry bits, SDM vol. 3A §4.5 (4-level paging). */
#define PTE_P		0x1
#define PTE_W		0x2
#define PTE_U		0x4
#define PTE_PS		0x80
#define PTE_G		0x100

/* Boot GDT selectors (arch/x86_64/entry.S); cpu.c keeps the same numbers
 * and adds the user segments in the order SYSRET needs (SDM vol. 2B
 * SYSRET: SS = STAR[63:48] + 8, CS = STAR[63:48] + 16, both with RPL 3). */
#define GDT_KERNEL_CS	0x08
#define GDT_KERNEL_DS	0x10
#define GDT_USER_DS	0x18
#define GDT_USER_CS	0x20
#define RPL_USER	3
#define USER_CS		(GDT_USER_CS | RPL_USER)
#define USER_DS		(GDT_USER_DS | RPL_USER)

/* Values entry.S stores in boot_entry_kind, mirrored by enum boot_entry. */
#define BOOT_KIND_LINUX64 0
#define BOOT_KIND_PVH	1
#define BOOT_KIND_BIOS	2

#endif
