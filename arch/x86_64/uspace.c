/*
 * User mode: ring 3 with SMEP and SMAP where the CPU has them. Each
 * address space has its own top-level table; its kernel half (slots
 * 256-511) copies the kernel's, and paging.c reports any slot it adds
 * later. A CPU keeps the last user address space loaded while it runs
 * kernel threads (no CR3 write, no TLB loss on a trip through idle);
 * `loaded` says which one each CPU has in CR3.
 *
 * TLB entries. Without PCIDs a CR3 write drops every non-global entry,
 * so `active` (the CPUs a shootdown must reach) is the CPUs that have
 * the address space loaded. Where the CPU has PCIDs (SDM vol. 3A
 * §4.10.1) each address space gets its own (0 is the kernel's) and a
 * switch keeps the entries of the others, tagged. `active` then means
 * "CPUs whose TLB may hold usable entries for it": a CPU sets its bit
 * when it loads the address space and clears it only once those entries
 * are gone. A shootdown sets the address space's bit in `stale` for each
 * such CPU: a CPU finding its bit set when it next loads that PCID loads
 * it with a flushing CR3 write. Only CPUs that have it loaded get an IPI.
 * A CPU publishes `loaded` before reading its stale bit and a shootdown
 * sets the bit before reading `loaded`, so a CPU that is just loading the
 * address space either sees the bit or gets the IPI. A CPU invalidates a
 * PCID of its own accord with INVPCID where it can. A PCID goes back to
 * the pool at uspace_destroy, after every CPU in `active` has marked it
 * stale, so the next owner never sees the last one's entries. When all
 * 4095 are taken, an address space shares PCID 0, always loaded with a
 * flushing CR3 write: it is handled as without PCIDs. Kernel mappings are
 * global (PTE_G) and outlive every CR3 write.
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
#include <flint/param.h>
#include <flint/printk.h>
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

/* CPUID leaf 1 ECX and leaf 7 EBX (SDM vol. 2A Tables 3-10 and 3-8). */
#define CPUID_1_ECX_PCID (1u << 17)
#define CPUID_7_EBX_SMEP (1u << 7)
#define CPUID_7_EBX_INVPCID (1u << 10)
#define CPUID_7_EBX_SMAP (1u << 20)

#define PCID_COUNT 4096			/* SDM vol. 3A §4.10.1: 12 bits */
#define PCID_WORDS (PCID_COUNT / 64)
#define PCID_SHARED 0			/* the kernel's, and any address space's beyond 4095 */
#define INVPCID_SINGLE 1		/* SDM vol. 2A INVPCID: single-context type */

struct uspace {
	uint64_t *pml4;
	uint64_t active;		/* bit per CPU index whose TLB may hold its entries */
	unsigned pcid;
	struct uspace *next;		/* all address spaces, under all_lock */
};

bool uspace_smap;
static bool pcid_on, invpcid_on;
static uint64_t nx;
static spinlock_t all_lock;
static struct uspace *all;
static uint64_t pcid_used[PCID_WORDS];	/* under all_lock */
static unsigned pcid_next;		/* under all_lock: freed PCIDs wait their turn */
static struct uspace *loaded[SMP_MAX_CPUS];	/* per CPU: NULL = the kernel's */
static unsigned flush_pending[SMP_MAX_CPUS];	/* set by a sender, cleared by the target */
/* Per CPU, a bit per PCID: that CPU's entries for it may be out of date. */
static uint64_t stale[SMP_MAX_CPUS][PCID_WORDS];

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

/* Whether us has a PCID of its own, its entries kept across CR3 writes. */
static bool tagged(const struct uspace *us)
{
	return us->pcid != PCID_SHARED;
}

static void mark_stale(unsigned cpu, unsigned pcid)
{
	__atomic_fetch_or(&stale[cpu][pcid / 64], 1ull << (pcid % 64), __ATOMIC_SEQ_CST);
}

/* Clears the CPU's stale bit for pcid: whether it was set. */
static bool take_stale(unsigned cpu, unsigned pcid)
{
	uint64_t bit = 1ull << (pcid % 64);

	return __atomic_fetch_and(&stale[cpu][pcid / 64], ~bit, __ATOMIC_SEQ_CST) & bit;
}

/* This CPU, not using pcid now, leaves none of its entries usable. */
static void forget(unsigned cpu, unsigned pcid)
{
	struct {
		uint64_t pcid, addr;
	} desc = { pcid, 0 };

	if (invpcid_on)
		__asm__ volatile("invpcid %0, %1" : : "m"(desc), "r"((uint64_t)INVPCID_SINGLE)
				 : "memory");
	else
		mark_stale(cpu, pcid);
}

/* The CPU lets go of us, which it had loaded only lazily. */
static void drop(unsigned cpu, struct uspace *us)
{
	write_cr3(paging_kernel_root());
	if (tagged(us))
		forget(cpu, us->pcid);
	__atomic_store_n(&loaded[cpu], NULL, __ATOMIC_SEQ_CST);
	/* Last: uspace_destroy may be waiting for it. */
	__atomic_fetch_and(&us->active, ~(1ull << cpu), __ATOMIC_SEQ_CST);
}

static void tlb_irq(void *arg)
{
	unsigned cpu = arch_cpu_index();
	struct uspace *us = __atomic_load_n(&loaded[cpu], __ATOMIC_SEQ_CST);

	(void)arg;
	/* Clear first: a request made after this point gets a reload after
	 * its page-table change. */
	__atomic_store_n(&flush_pending[cpu], 0, __ATOMIC_SEQ_CST);
	/* A sender marks a tagged address space stale before its IPI: with
	 * no mark, the request was for another one (its mark waits for that
	 * one's next load) or a load here has served it already. */
	if (us && tagged(us) && !take_stale(cpu, us->pcid))
		return;
	if (us && thread_current()->uspace != us)
		drop(cpu, us);
	else
		write_cr3(read_cr3());
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
	/* Setting PCIDE needs CR3 bits 11:0 clear (SDM vol. 3A §4.10.1):
	 * every CPU gets here on the kernel's root. */
	if (cpuid(1, 0).ecx & CPUID_1_ECX_PCID) {
		cr4 |= CR4_PCIDE;
		pcid_on = true;
	}
	if (cpuid(0, 0).eax >= 7) {
		uint32_t ebx = cpuid(7, 0).ebx;

		if (ebx & CPUID_7_EBX_SMEP)
			cr4 |= CR4_SMEP;
		if (ebx & CPUID_7_EBX_SMAP) {
			cr4 |= CR4_SMAP;
			uspace_smap = true;
		}
		if (ebx & CPUID_7_EBX_INVPCID)
			invpcid_on = true;
	}
	write_cr4(cr4);
	irq_set_fixed(TLB_VECTOR, tlb_irq, NULL);
}

/* uspace.show: whether address spaces keep their TLB entries apart. */
static int show(const char *value)
{
	if (value)
		return -1;
	printk("uspace: PCIDs %s, INVPCID %s\n", pcid_on ? "on" : "off",
	       invpcid_on ? "on" : "off");
	return 0;
}
KERNEL_PARAM("uspace.show", show);

static uint64_t *table_of(uint64_t entry)
{
	return phys_to_virt(entry & PTE_ADDR);
}

/* Under all_lock: a free PCID, or PCID_SHARED when there is none. */
static unsigned pcid_alloc(void)
{
	for (unsigned n = 0; pcid_on && n < PCID_COUNT; n++) {
		unsigned p = (pcid_next + n) % PCID_COUNT;
		uint64_t bit = 1ull << (p % 64);

		if (p != PCID_SHARED && !(pcid_used[p / 64] & bit)) {
			pcid_used[p / 64] |= bit;
			pcid_next = p + 1;
			return p;
		}
	}
	return PCID_SHARED;
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
	us->pcid = pcid_alloc();
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

static void send_flush(unsigned cpu)
{
	__atomic_store_n(&flush_pending[cpu], 1, __ATOMIC_SEQ_CST);
	smp_send_ipi(cpu, TLB_VECTOR);
	while (__atomic_load_n(&flush_pending[cpu], __ATOMIC_SEQ_CST))
		__builtin_ia32_pause();
}

/* A shootdown of a tagged address space: an IPI to the CPUs that have it
 * loaded, or with all to every CPU in its mask. */
static void shoot(struct uspace *us, bool all)
{
	unsigned long flags;
	unsigned self;
	uint64_t mask;

	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	mask = __atomic_load_n(&us->active, __ATOMIC_SEQ_CST);
	flags = arch_irq_save();
	self = arch_cpu_index();
	if (mask & (1ull << self)) {
		if (loaded[self] == us)
			write_cr3(read_cr3());
		else
			forget(self, us->pcid);
		mask &= ~(1ull << self);
	}
	arch_irq_restore(flags);
	for (unsigned cpu = 0; mask; cpu++, mask >>= 1) {
		if (!(mask & 1))
			continue;
		mark_stale(cpu, us->pcid);
		if (all || __atomic_load_n(&loaded[cpu], __ATOMIC_SEQ_CST) == us)
			send_flush(cpu);
	}
}

void uspace_destroy(struct uspace *us)
{
	unsigned long flags = arch_irq_save();
	unsigned self = arch_cpu_index();

	if (__atomic_load_n(&loaded[self], __ATOMIC_SEQ_CST) == us)
		drop(self, us);
	arch_irq_restore(flags);
	/* CPUs that keep it loaded lazily let go of it. With a PCID of its
	 * own, every CPU in `active` marks it stale and answers an IPI, so
	 * none is still switching away from it. */
	if (tagged(us))
		shoot(us, true);
	else
		while (__atomic_load_n(&us->active, __ATOMIC_SEQ_CST))
			uspace_flush(us);
	flags = spin_lock_irqsave(&all_lock);
	for (struct uspace **p = &all; *p; p = &(*p)->next)
		if (*p == us) {
			*p = us->next;
			break;
		}
	pcid_used[us->pcid / 64] &= ~(1ull << (us->pcid % 64));
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

uint64_t uspace_next_mapped(struct uspace *us, uint64_t va, uint64_t end)
{
	while (va < end) {
		uint64_t *table = us->pml4;
		int l = LEVELS;

		for (; l > 1; l--) {
			uint64_t e = table[(va >> (PAGE_SHIFT + 9 * (l - 1))) & (ENTRIES - 1)];

			if (!(e & PTE_P))
				break;
			table = table_of(e);
		}
		if (l == 1) {
			for (unsigned i = (va >> PAGE_SHIFT) & (ENTRIES - 1); i < ENTRIES && va < end;
			     i++, va += PAGE_SIZE)
				if (table[i] & PTE_MAPPED)
					return va;
		} else {
			/* No table under this entry: skip all it would map. */
			uint64_t span = 1ull << (PAGE_SHIFT + 9 * (l - 1));

			va = (va & ~(span - 1)) + span;
		}
	}
	return end;
}

void uspace_flush(struct uspace *us)
{
	unsigned self = arch_cpu_index();
	uint64_t mask;

	if (tagged(us)) {
		shoot(us, false);
		return;
	}
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	mask = __atomic_load_n(&us->active, __ATOMIC_SEQ_CST);
	if (mask & (1ull << self)) {
		write_cr3(read_cr3());
		mask &= ~(1ull << self);
	}
	for (unsigned cpu = 0; mask; cpu++, mask >>= 1)
		if (mask & 1)
			send_flush(cpu);
}

/* This CPU loads us in place of old (NULL: the kernel's root). */
static void load(unsigned cpu, struct uspace *us, struct uspace *old)
{
	uint64_t cr3 = virt_to_phys(us->pml4);

	__atomic_fetch_or(&us->active, 1ull << cpu, __ATOMIC_SEQ_CST);
	/* Before the stale bit is read: see shoot. */
	__atomic_store_n(&loaded[cpu], us, __ATOMIC_SEQ_CST);
	if (tagged(us)) {
		cr3 |= us->pcid;
		if (!take_stale(cpu, us->pcid))
			cr3 |= CR3_NOFLUSH;
	}
	write_cr3(cr3);
	if (old && !tagged(old))
		__atomic_fetch_and(&old->active, ~(1ull << cpu), __ATOMIC_SEQ_CST);
}

void uspace_switch(struct thread *next)
{
	struct percpu *pc = percpu();
	struct uspace *us = next->uspace, *old = loaded[pc->index];

	if (next->stack_top)
		pc->kernel_rsp = pc->tss.rsp[0] = (uint64_t)next->stack_top;
	if (!us)
		return;
	if (us != old)
		load(pc->index, us, old);
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
