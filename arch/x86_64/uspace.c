/*
 * User mode: ring 3 with SMEP and SMAP where the CPU has them. Each
 * address space has its own top-level table; its kernel half (slots
 * 256-511) copies the kernel's, and paging.c reports any slot it adds
 * later. A CPU keeps the last user address space loaded while it runs
 * kernel threads (no CR3 write, no TLB loss on a trip through idle);
 * `active` records where each one is loaded, for TLB shootdowns.
 */
#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/paging.h>
#include <arch/percpu.h>
#include <arch/smp.h>
#include <arch/uspace.h>
#include <arch/x86.h>
#include <flint/errno.h>
#include <flint/heap.h>
#include <flint/irq.h>
#include <flint/memory.h>
#include <flint/page_alloc.h>
#include <flint/panic.h>
#include <flint/sched.h>
#include <flint/string.h>
#include <flint/sync.h>
#include <flint/uspace.h>

#define PTE_NX (1ull << 63)		/* SDM vol. 3A §4.5 */
#define PTE_ADDR 0x000ffffffffff000ull
/* A software bit (SDM vol. 3A §4.5: bits 11:9 are ignored): a PROT_NONE
 * page, kept for its process but not present to the CPU. */
#define PTE_NONE (1ull << 9)
#define PTE_MAPPED (PTE_P | PTE_NONE)
#define ENTRIES 512
#define KERNEL_HALF 256			/* first top-level slot of the kernel half */
#define LEVELS 4

/* SDM vol. 3A §6.15, #PF error code: write access, instruction fetch. */
#define PF_WRITE 0x2
#define PF_INSTR 0x10
#define PF_VECTOR 14

/* SDM vol. 1 §3.4.3: EFLAGS bits. */
#define RFLAGS_TF 0x100
#define RFLAGS_IF 0x200
#define RFLAGS_DF 0x400
#define RFLAGS_IOPL 0x3000
#define RFLAGS_NT 0x4000
#define RFLAGS_AC 0x40000
#define RFLAGS_FIXED 0x2		/* bit 1 always reads 1 */

/* CPUID leaf 7 EBX (SDM vol. 2A Table 3-8). */
#define CPUID_7_EBX_SMEP (1u << 7)
#define CPUID_7_EBX_SMAP (1u << 20)

struct uspace {
	uint64_t *pml4;
	uint64_t active;		/* bit per CPU index that has it loaded */
	struct uspace *next;		/* all address spaces, under all_lock */
};

bool uspace_smap;
static uint64_t nx;
static spinlock_t all_lock;
static struct uspace *all;
static struct uspace *loaded[SMP_MAX_CPUS];	/* per CPU: NULL = the kernel's */
static unsigned flush_pending[SMP_MAX_CPUS];	/* set by a sender, cleared by the target */

extern char syscall_entry[];
__noreturn void uspace_jump(const struct trap_frame *f);

struct fixup {
	uint64_t insn, target;
};
extern const struct fixup usercopy_fixups[], usercopy_fixups_end[];
int __copy_user(void *dst, const void *src, size_t n);
int __clear_user(void *dst, size_t n);
long __strncpy_user(char *dst, const char *src, size_t size);
int __cmpxchg_user32(uint32_t *uaddr, uint32_t expected, uint32_t desired, uint32_t *cur);
int __load_user32(const uint32_t *uaddr, uint32_t *val);

static void tlb_irq(void *arg)
{
	unsigned cpu = arch_cpu_index();
	struct uspace *us = loaded[cpu];

	(void)arg;
	/* Clear first: a request made after this point gets a reload after
	 * its page-table change. */
	__atomic_store_n(&flush_pending[cpu], 0, __ATOMIC_SEQ_CST);
	if (us && thread_current()->uspace != us) {
		/* Loaded only lazily: drop it (uspace_destroy may be waiting). */
		__atomic_fetch_and(&us->active, ~(1ull << cpu), __ATOMIC_SEQ_CST);
		loaded[cpu] = NULL;
		write_cr3(paging_kernel_root());
	} else {
		write_cr3(read_cr3());
	}
}

void uspace_cpu_init(void)
{
	uint64_t cr4 = read_cr4();

	if (rdmsr(MSR_EFER) & EFER_NXE)
		nx = PTE_NX;
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	/* SDM vol. 2B SYSCALL/SYSRET: STAR[47:32] the kernel's CS (SS is
	 * +8), STAR[63:48] the base the user's SS (+8) and CS (+16) follow. */
	wrmsr(MSR_STAR, (uint64_t)GDT_KERNEL_CS << 32 | (uint64_t)GDT_KERNEL_DS << 48);
	wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
	/* The kernel starts with interrupts off, DF clear (SysV) and AC
	 * clear (SMAP enforced). */
	wrmsr(MSR_SFMASK, RFLAGS_IF | RFLAGS_DF | RFLAGS_TF | RFLAGS_AC | RFLAGS_NT);
	if (cpuid(0, 0).eax >= 7) {
		uint32_t ebx = cpuid(7, 0).ebx;

		if (ebx & CPUID_7_EBX_SMEP)
			cr4 |= CR4_SMEP;
		if (ebx & CPUID_7_EBX_SMAP) {
			cr4 |= CR4_SMAP;
			uspace_smap = true;
		}
	}
	write_cr4(cr4);
	irq_set_fixed(TLB_VECTOR, tlb_irq, NULL);
}

static uint64_t *table_of(uint64_t entry)
{
	return phys_to_virt(entry & PTE_ADDR);
}

struct uspace *uspace_create(void)
{
	struct uspace *us = kzalloc(sizeof(*us));
	uint64_t page = page_alloc(1);
	unsigned long flags;

	if (!us || !page) {
		if (page)
			page_free(page, 1);
		kfree(us);
		return NULL;
	}
	us->pml4 = phys_to_virt(page);
	memset(us->pml4, 0, PAGE_SIZE / 2);
	flags = spin_lock_irqsave(&all_lock);
	memcpy(us->pml4 + KERNEL_HALF, (uint64_t *)phys_to_virt(paging_kernel_root()) + KERNEL_HALF,
	       PAGE_SIZE / 2);
	us->next = all;
	all = us;
	spin_unlock_irqrestore(&all_lock, flags);
	return us;
}

void uspace_kernel_entry(unsigned index, uint64_t entry)
{
	unsigned long flags;

	if (index < KERNEL_HALF)
		return;		/* the APs' start-up identity map */
	flags = spin_lock_irqsave(&all_lock);
	for (struct uspace *us = all; us; us = us->next)
		us->pml4[index] = entry;
	spin_unlock_irqrestore(&all_lock, flags);
}

static void free_tables(uint64_t *table, int level)
{
	for (unsigned i = 0; i < ENTRIES; i++)
		if (table[i] & PTE_P) {
			if (level > 2)
				free_tables(table_of(table[i]), level - 1);
			page_free(table[i] & PTE_ADDR, 1);
		}
}

void uspace_destroy(struct uspace *us)
{
	unsigned long flags;

	/* CPUs that keep it loaded lazily let go of it. */
	while (__atomic_load_n(&us->active, __ATOMIC_SEQ_CST))
		uspace_flush(us);
	flags = spin_lock_irqsave(&all_lock);
	for (struct uspace **p = &all; *p; p = &(*p)->next)
		if (*p == us) {
			*p = us->next;
			break;
		}
	spin_unlock_irqrestore(&all_lock, flags);
	for (unsigned i = 0; i < KERNEL_HALF; i++)
		if (us->pml4[i] & PTE_P) {
			free_tables(table_of(us->pml4[i]), LEVELS - 1);
			page_free(us->pml4[i] & PTE_ADDR, 1);
		}
	page_free(virt_to_phys(us->pml4), 1);
	kfree(us);
}

/* The last-level entry for va; with create, missing tables are added
 * (NULL when out of memory), else NULL where there is none. */
static uint64_t *pte_for(struct uspace *us, uint64_t va, bool create)
{
	uint64_t *table = us->pml4;

	for (int l = LEVELS; l > 1; l--) {
		uint64_t *e = &table[(va >> (PAGE_SHIFT + 9 * (l - 1))) & (ENTRIES - 1)];

		if (!(*e & PTE_P)) {
			uint64_t page;

			if (!create || !(page = page_alloc(1)))
				return NULL;
			memset(phys_to_virt(page), 0, PAGE_SIZE);
			*e = page | PTE_P | PTE_W | PTE_U;
		}
		table = table_of(*e);
	}
	return &table[(va >> PAGE_SHIFT) & (ENTRIES - 1)];
}

static uint64_t pte_flags(unsigned prot)
{
	uint64_t f = PTE_P | PTE_U;

	if (!(prot & (UPROT_R | UPROT_W | UPROT_X)))
		return PTE_NONE;
	if (prot & UPROT_W)
		f |= PTE_W;
	if (!(prot & UPROT_X))
		f |= nx;
	return f;
}

int uspace_map(struct uspace *us, uint64_t va, uint64_t phys, unsigned prot)
{
	uint64_t *pte = pte_for(us, va, true);

	if (!pte)
		return -ENOMEM;
	*pte = phys | pte_flags(prot);
	return 0;
}

uint64_t uspace_unmap(struct uspace *us, uint64_t va)
{
	uint64_t *pte = pte_for(us, va, false);
	uint64_t old = pte ? *pte : 0;

	if (!(old & PTE_MAPPED))
		return 0;
	*pte = 0;
	return old & PTE_ADDR;
}

uint64_t uspace_protect(struct uspace *us, uint64_t va, unsigned prot)
{
	uint64_t *pte = pte_for(us, va, false);

	if (!pte || !(*pte & PTE_MAPPED))
		return 0;
	*pte = (*pte & PTE_ADDR) | pte_flags(prot);
	return *pte & PTE_ADDR;
}

uint64_t uspace_lookup(struct uspace *us, uint64_t va, unsigned *prot)
{
	uint64_t *pte = pte_for(us, va, false);

	if (!pte || !(*pte & PTE_MAPPED))
		return 0;
	if (prot && (*pte & PTE_NONE))
		*prot = 0;
	else if (prot)
		*prot = UPROT_R | (*pte & PTE_W ? UPROT_W : 0) | (*pte & PTE_NX ? 0 : UPROT_X);
	return *pte & PTE_ADDR;
}

void uspace_flush(struct uspace *us)
{
	unsigned self = arch_cpu_index();
	uint64_t mask;

	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	mask = __atomic_load_n(&us->active, __ATOMIC_SEQ_CST);
	if (mask & (1ull << self)) {
		write_cr3(read_cr3());
		mask &= ~(1ull << self);
	}
	for (unsigned cpu = 0; mask; cpu++, mask >>= 1)
		if (mask & 1) {
			__atomic_store_n(&flush_pending[cpu], 1, __ATOMIC_SEQ_CST);
			smp_send_ipi(cpu, TLB_VECTOR);
			while (__atomic_load_n(&flush_pending[cpu], __ATOMIC_SEQ_CST))
				__builtin_ia32_pause();
		}
}

void uspace_switch(struct thread *next)
{
	struct percpu *pc = percpu();
	struct uspace *us = next->uspace, *old = loaded[pc->index];

	if (next->stack_top)
		pc->kernel_rsp = pc->tss.rsp[0] = (uint64_t)next->stack_top;
	if (!us)
		return;
	if (us != old) {
		__atomic_fetch_or(&us->active, 1ull << pc->index, __ATOMIC_SEQ_CST);
		write_cr3(virt_to_phys(us->pml4));
		if (old)
			__atomic_fetch_and(&old->active, ~(1ull << pc->index), __ATOMIC_SEQ_CST);
		loaded[pc->index] = us;
	}
	wrmsr(MSR_FS_BASE, next->fs_base);
	wrmsr(MSR_KERNEL_GS_BASE, next->gs_base);
}

void uspace_set_thread(struct thread *t, struct uspace *us)
{
	unsigned long flags = arch_irq_save();

	t->uspace = us;
	if (t == thread_current())
		uspace_switch(t);
	arch_irq_restore(flags);
}

void uspace_set_fs(uint64_t base)
{
	thread_current()->fs_base = base;
	wrmsr(MSR_FS_BASE, base);
}

void uspace_set_gs(uint64_t base)
{
	thread_current()->gs_base = base;
	wrmsr(MSR_KERNEL_GS_BASE, base);	/* swapped in on the way out */
}

void uspace_resume(const struct trap_frame *regs)
{
	struct trap_frame f = *regs;

	f.cs = USER_CS;
	f.ss = USER_DS;
	f.rflags = (f.rflags & ~(uint64_t)(RFLAGS_IOPL | RFLAGS_NT)) | RFLAGS_IF | RFLAGS_FIXED;
	arch_irq_save();
	uspace_jump(&f);
}

/* From syscall.S, with interrupts on. */
void uspace_syscall_entry(struct trap_frame *f)
{
	uspace_syscall(f);
	uspace_return(f);
}

void uspace_leave(struct trap_frame *f)
{
	irq_enable();
	uspace_return(f);
	arch_irq_save();
}

void uspace_trap(struct trap_frame *f)
{
	uint64_t addr = f->vector == PF_VECTOR ? read_cr2() : 0;
	bool resolved = false;

	irq_enable();
	if (f->vector == PF_VECTOR)
		resolved = uspace_fault(addr, f->error & PF_WRITE, f->error & PF_INSTR);
	if (!resolved)
		uspace_exception(f, addr);
	uspace_return(f);
	arch_irq_save();
}

bool uspace_kernel_fault(struct trap_frame *f, uint64_t addr)
{
	const struct fixup *fx = usercopy_fixups;

	if (addr >= USER_TOP)
		return false;
	while (fx < usercopy_fixups_end && fx->insn != f->rip)
		fx++;
	if (fx == usercopy_fixups_end)
		return false;
	/* Only where the copy could sleep: not under a spinlock. */
	if (f->rflags & RFLAGS_IF) {
		bool ok;

		irq_enable();
		ok = uspace_fault(addr, f->error & PF_WRITE, false);
		arch_irq_save();
		if (ok)
			return true;
	}
	f->rip = fx->target;
	return true;
}

static bool user_range(const void *p, size_t n)
{
	uint64_t a = (uint64_t)p;

	return a < USER_TOP && n <= USER_TOP - a;
}

int copy_from_user(void *dst, const void *usrc, size_t n)
{
	return user_range(usrc, n) ? __copy_user(dst, usrc, n) : -EFAULT;
}

int copy_to_user(void *udst, const void *src, size_t n)
{
	return user_range(udst, n) ? __copy_user(udst, src, n) : -EFAULT;
}

int clear_user(void *udst, size_t n)
{
	return user_range(udst, n) ? __clear_user(udst, n) : -EFAULT;
}

long strncpy_from_user(char *dst, const char *usrc, size_t size)
{
	long n;

	if ((uint64_t)usrc >= USER_TOP || !size)
		return -EFAULT;
	if (size > USER_TOP - (uint64_t)usrc)
		size = USER_TOP - (uint64_t)usrc;
	n = __strncpy_user(dst, usrc, size);
	if (n == (long)size)
		return -ENAMETOOLONG;
	return n;
}

int user_cmpxchg32(uint32_t *uaddr, uint32_t expected, uint32_t desired, uint32_t *cur)
{
	if (!user_range(uaddr, sizeof(*uaddr)) || (uint64_t)uaddr % sizeof(*uaddr))
		return -EFAULT;
	return __cmpxchg_user32(uaddr, expected, desired, cur);
}

int user_load32(const uint32_t *uaddr, uint32_t *val)
{
	if (!user_range(uaddr, sizeof(*uaddr)) || (uint64_t)uaddr % sizeof(*uaddr))
		return -EFAULT;
	return __load_user32(uaddr, val);
}
