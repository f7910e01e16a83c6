/* Everything of the entry state that C can set; entry.S does the mode
 * switch, EFER, the TSC and the registers. */
#include "console.h"
#include "cpu.h"
#include "cpustate.h"
#include "guest.h"
#include "layout.h"

/* §4.2 (64-bit protocol) and §7 (PVH) GDT contents. */
static const uint64_t gdt_linux64[4] = {
	0,
	0x00AF9B000000FFFFull,	/* 0x08: 64-bit code */
	0x00CF93000000FFFFull,	/* 0x10: data */
	0x008F8B000000FFFFull,	/* 0x18: TSS, busy, 8 bytes only */
};
static const uint64_t gdt_pvh[4] = {
	0,
	0x00CF9B000000FFFFull,	/* 0x08: 32-bit code */
	0x00CF93000000FFFFull,	/* 0x10: data */
	0x0000890000000067ull,	/* 0x18: TSS, available; ltr marks it busy */
};

#define PTE_PRESENT_RW 0x3u	/* §4.3 */
#define PDE_2M_PAGE 0x83u	/* §4.3: present, writable, 2 MiB page */
#define PD_ENTRIES 512u
#define PAGE_2M_SHIFT 21u

/* §4.4 MSRs and values. */
#define MSR_IA32_SYSENTER_CS 0x174u
#define MSR_IA32_SYSENTER_ESP 0x175u
#define MSR_IA32_SYSENTER_EIP 0x176u
#define MSR_STAR 0xC0000081u
#define MSR_LSTAR 0xC0000082u
#define MSR_CSTAR 0xC0000083u
#define MSR_SFMASK 0xC0000084u
#define MSR_KERNEL_GS_BASE 0xC0000102u
#define MSR_IA32_MISC_ENABLE 0x1A0u
#define MISC_ENABLE_FAST_STRING 0x1u
#define MSR_IA32_APIC_BASE 0x1Bu
#define APIC_BASE_BSP_ENABLED (FC_LAPIC_ADDR | 0x900u)	/* §4.3: vCPU 0 */
#define MSR_MTRR_CAP 0xFEu
#define MSR_MTRR_DEF_TYPE 0x2FFu
#define MTRR_DEF_TYPE_HEAD 0x806u	/* §4.4: since v1.14, enabled, WB */
#define MSR_MTRR_PHYS_BASE0 0x200u	/* base/mask pairs */
#define MTRR_CAP_VCNT 0xFFu
#define MTRR_CAP_FIX 0x100u
#define CPUID_1_EDX_MTRR (1u << 12)

static const uint32_t zeroed_msrs[] = {
	MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
	MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SFMASK, MSR_KERNEL_GS_BASE,
};

/* Fixed-range MTRRs: 64K, 2 x 16K, 8 x 4K. */
static const uint32_t fixed_mtrrs[] = {
	0x250, 0x258, 0x259, 0x268, 0x269, 0x26A, 0x26B, 0x26C, 0x26D, 0x26E, 0x26F,
};

/* KVM starts with every MTRR zero; SeaBIOS programs them. Firecracker
 * v1.14+ then sets only the default type. */
static void reset_mtrrs(enum fc_version v)
{
	uint32_t id[4];
	uint64_t cap;

	cpuid(1, id);
	if (!(id[3] & CPUID_1_EDX_MTRR)) {
		report("msr mtrr=absent");
		return;
	}
	cap = rdmsr(MSR_MTRR_CAP);
	wrmsr(MSR_MTRR_DEF_TYPE, 0);
	for (uint32_t i = 0; i < (cap & MTRR_CAP_VCNT); i++) {
		wrmsr(MSR_MTRR_PHYS_BASE0 + 2 * i, 0);
		wrmsr(MSR_MTRR_PHYS_BASE0 + 2 * i + 1, 0);
	}
	if (cap & MTRR_CAP_FIX)
		for (uint32_t i = 0; i < sizeof(fixed_mtrrs) / sizeof(fixed_mtrrs[0]); i++)
			wrmsr(fixed_mtrrs[i], 0);
	wrmsr(MSR_MTRR_DEF_TYPE, v == FC_HEAD ? MTRR_DEF_TYPE_HEAD : 0);
	report("msr mtrr_def_type=0x%llx variable_cleared=%u fixed_cleared=%s",
	       (unsigned long long)rdmsr(MSR_MTRR_DEF_TYPE), (uint32_t)(cap & MTRR_CAP_VCNT),
	       cap & MTRR_CAP_FIX ? "yes" : "no");
}

static void write_msrs(enum fc_version v)
{
	for (uint32_t i = 0; i < sizeof(zeroed_msrs) / sizeof(zeroed_msrs[0]); i++)
		wrmsr(zeroed_msrs[i], 0);
	wrmsr(MSR_IA32_MISC_ENABLE, MISC_ENABLE_FAST_STRING);
	wrmsr(MSR_IA32_APIC_BASE, APIC_BASE_BSP_ENABLED);
	report("msr sysenter_cs=0x%llx sysenter_esp=0x%llx sysenter_eip=0x%llx star=0x%llx "
	       "lstar=0x%llx cstar=0x%llx sfmask=0x%llx kernel_gs_base=0x%llx "
	       "misc_enable=0x%llx apic_base=0x%llx tsc=0",
	       (unsigned long long)rdmsr(MSR_IA32_SYSENTER_CS),
	       (unsigned long long)rdmsr(MSR_IA32_SYSENTER_ESP),
	       (unsigned long long)rdmsr(MSR_IA32_SYSENTER_EIP),
	       (unsigned long long)rdmsr(MSR_STAR), (unsigned long long)rdmsr(MSR_LSTAR),
	       (unsigned long long)rdmsr(MSR_CSTAR), (unsigned long long)rdmsr(MSR_SFMASK),
	       (unsigned long long)rdmsr(MSR_KERNEL_GS_BASE),
	       (unsigned long long)rdmsr(MSR_IA32_MISC_ENABLE),
	       (unsigned long long)rdmsr(MSR_IA32_APIC_BASE));
	reset_mtrrs(v);
}

static void write_tables(const uint64_t gdt[4])
{
	for (uint32_t i = 0; i < 4; i++)
		put64(FC_GDT_ADDR + 8 * i, gdt[i]);
	put64(FC_IDT_ADDR, 0);
	report("gdt addr=0x%x limit=0x%x entry0=0x%016llx entry1=0x%016llx "
	       "entry2=0x%016llx entry3=0x%016llx", FC_GDT_ADDR, FC_GDT_LIMIT,
	       (unsigned long long)get64(FC_GDT_ADDR), (unsigned long long)get64(FC_GDT_ADDR + 8),
	       (unsigned long long)get64(FC_GDT_ADDR + 16),
	       (unsigned long long)get64(FC_GDT_ADDR + 24));
	report("idt addr=0x%x limit=0x%x entry0=0x%llx", FC_IDT_ADDR, FC_IDT_LIMIT,
	       (unsigned long long)get64(FC_IDT_ADDR));
}

/* §4.3: identity map of [0, 1 GiB) with 2 MiB pages. */
static void write_page_tables(void)
{
	uint32_t ok = 0;

	put64(FC_PML4_ADDR, FC_PDPT_ADDR | PTE_PRESENT_RW);
	put64(FC_PDPT_ADDR, FC_PD_ADDR | PTE_PRESENT_RW);
	for (uint32_t i = 0; i < PD_ENTRIES; i++) {
		uint64_t pde = (uint64_t)i << PAGE_2M_SHIFT | PDE_2M_PAGE;

		put64(FC_PD_ADDR + 8 * i, pde);
		ok += get64(FC_PD_ADDR + 8 * i) == pde;
	}
	report("pagetables pml4=0x%x pml4e0=0x%llx pdpt=0x%x pdpte0=0x%llx pd=0x%x "
	       "pde0=0x%llx pde511=0x%llx pdes_ok=%u", FC_PML4_ADDR,
	       (unsigned long long)get64(FC_PML4_ADDR), FC_PDPT_ADDR,
	       (unsigned long long)get64(FC_PDPT_ADDR), FC_PD_ADDR,
	       (unsigned long long)get64(FC_PD_ADDR),
	       (unsigned long long)get64(FC_PD_ADDR + 8 * (PD_ENTRIES - 1)), ok);
}

extern uint64_t fc_entry64;
_Noreturn void enter_linux64(void);
_Noreturn void enter_pvh(void);

void enter_kernel(enum fc_version v, enum fc_entry e, uint32_t entry)
{
	write_msrs(v);
	fc_entry64 = entry;
	if (e == FC_ENTRY_LINUX64) {
		write_tables(gdt_linux64);
		write_page_tables();
		report("regs rip=0x%x rsi=0x%x rsp=0x%x rbp=0x%x rflags=0x2 other_gprs=0 "
		       "cr0=0xe0000011 cr3=0x%x cr4=0x20 efer=0x500 cs=0x8 ds=0x10 tr=0x18 "
		       "gdtr=0x%x/0x%x idtr=0x%x/0x%x", entry, FC_ZERO_PAGE_ADDR,
		       FC_BOOT_STACK, FC_BOOT_STACK, FC_PML4_ADDR, FC_GDT_ADDR, FC_GDT_LIMIT,
		       FC_IDT_ADDR, FC_IDT_LIMIT);
		report("jump");
		enter_linux64();
	}
	write_tables(gdt_pvh);
	report("regs eip=0x%x ebx=0x%x esp=0x0 eflags=0x2 other_gprs=0 cr0=0x11 cr3=0x0 "
	       "cr4=0x0 efer=0x0 cs=0x8 ds=0x10 tr=0x18 gdtr=0x%x/0x%x idtr=0x%x/0x%x",
	       entry, FC_START_INFO_ADDR, FC_GDT_ADDR, FC_GDT_LIMIT, FC_IDT_ADDR,
	       FC_IDT_LIMIT);
	report("jump");
	enter_pvh();
}
