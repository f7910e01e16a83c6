/*
 * Starting the other CPUs: INIT, then SIPI at the trampoline, to all of
 * them at once, and wait for each to check in (SDM vol. 3A §8.4.4).
 *
 * The SDM's 10 ms pause between INIT and SIPI is for real processors; a
 * hypervisor's virtual CPUs are ready at once, so it is skipped when CPUID
 * says a hypervisor is present (Linux makes the same choice). The second
 * SIPI goes out only if the CPUs have not all arrived within 1 ms.
 */
#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/paging.h>
#include <arch/percpu.h>
#include <arch/smp.h>
#include <arch/x86.h>
#include <flint/arch.h>
#include <flint/heap.h>
#include <flint/memory.h>
#include <flint/page_alloc.h>
#include <flint/panic.h>
#include <flint/platform.h>
#include <flint/printk.h>
#include <flint/sched.h>
#include <flint/string.h>

#define AP_STACK_SIZE 16384
#define SIPI_VECTOR (TRAMPOLINE_PHYS >> 12)
#define CPUID_1_ECX_HYPERVISOR (1u << 31)
#define EFER_LMA 0x400			/* read-only: not ours to write */
#define INIT_DELAY_US 10000
#define FIRST_WAIT_US 1000
#define LAST_WAIT_US 1000000		/* generous: under emulation on a busy host vCPUs start late */

static struct percpu *slot_cpu[SMP_MAX_CPUS];
static unsigned online = 1;
static bool identity_gone;
static bool stopping;
static uint32_t boot_apic_id;

bool arch_cpus_stopping(void)
{
	return __atomic_load_n(&stopping, __ATOMIC_ACQUIRE);
}

void arch_stop_other_cpus(void)
{
	unsigned n = __atomic_load_n(&online, __ATOMIC_ACQUIRE), self;

	__atomic_store_n(&stopping, true, __ATOMIC_RELEASE);
	if (n == 1)
		return;		/* also before GS and the APIC are set up */
	self = arch_cpu_index();
	for (unsigned slot = 0; slot < n; slot++) {
		struct percpu *pc = slot ? slot_cpu[slot] : NULL;

		if (slot == self || (slot && !pc))
			continue;
		apic_send_ipi(slot ? pc->apic_id : boot_apic_id, ICR_NMI);
	}
}

static void wait_us(uint64_t us, unsigned want)
{
	uint64_t end = arch_cycles() + arch_cycles_khz() * us / 1000;

	while (__atomic_load_n(&online, __ATOMIC_ACQUIRE) < want && arch_cycles() < end)
		__asm__ volatile("pause");
}

void ap_main(unsigned slot)
{
	struct percpu *pc = slot_cpu[slot];

	cpu_setup(pc);
	apic_enable();
	pc->apic_id = apic_id();
	__atomic_add_fetch(&online, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&identity_gone, __ATOMIC_ACQUIRE))
		__asm__ volatile("pause");
	write_cr3(read_cr3());	/* forget the identity map's translations */
	sched_cpu_entry();
}

void smp_send_ipi(unsigned cpu, unsigned vector)
{
	apic_send_ipi(cpu ? slot_cpu[cpu]->apic_id : boot_apic_id, ICR_FIXED | vector);
}

void arch_cpu_kick(unsigned cpu)
{
	smp_send_ipi(cpu, RESCHED_VECTOR);
}

static struct percpu *new_cpu(unsigned slot)
{
	struct percpu *pc = kzalloc(sizeof(*pc));

	if (!pc)
		panic("smp: no memory for CPU %u", slot);
	pc->index = slot;
	for (int i = 0; i < IST_COUNT; i++) {
		uint64_t stack = page_alloc(IST_STACK_SIZE / PAGE_SIZE);

		if (!stack)
			panic("smp: no memory for CPU %u's interrupt stacks", slot);
		pc->ist_stack[i] = phys_to_virt(stack);
	}
	return pc;
}

/* The trampoline's data, in its copy below 1 MiB. */
#define TRAMPOLINE_FIELD(sym) \
	((__typeof__(&(sym)))((char *)phys_to_virt(TRAMPOLINE_PHYS) + \
			      ((const char *)&(sym) - trampoline_start)))

static void resched_irq(void *arg)
{
	(void)arg;
	sched_ipi();
}

unsigned arch_smp_start(const struct platform *p)
{
	uint32_t self = apic_id();
	uint32_t ap[SMP_MAX_CPUS];
	unsigned n = 0;

	irq_set_fixed(RESCHED_VECTOR, resched_irq, NULL);
	percpu()->apic_id = self;
	boot_apic_id = self;
	for (unsigned i = 0; i < p->ncpus; i++) {
		if (p->cpu[i].apic_id == self)
			continue;
		if (n + 1 == SMP_MAX_CPUS) {
			printk("smp: more than %d CPUs; the rest stay off\n", SMP_MAX_CPUS);
			break;
		}
		ap[n++] = p->cpu[i].apic_id;
	}
	if (!n)
		return 1;

	memcpy(phys_to_virt(TRAMPOLINE_PHYS), trampoline_start,
	       (size_t)(trampoline_end - trampoline_start));
	/* The kernel's own root: with PCIDs, CR3's low bits would name one. */
	*TRAMPOLINE_FIELD(tr_cr3) = (uint32_t)paging_kernel_root();
	*TRAMPOLINE_FIELD(tr_efer) = (uint32_t)(rdmsr(MSR_EFER) & ~(uint64_t)EFER_LMA);
	for (unsigned slot = 1; slot <= n; slot++) {
		slot_cpu[slot] = new_cpu(slot);
		(*TRAMPOLINE_FIELD(tr_stack))[slot] = (uint64_t)arch_alloc_stack(slot, AP_STACK_SIZE);
	}
	arch_identity_low(true);

	for (unsigned i = 0; i < n; i++)
		apic_send_ipi(ap[i], ICR_INIT | ICR_ASSERT);
	if (!(cpuid(1, 0).ecx & CPUID_1_ECX_HYPERVISOR))
		wait_us(INIT_DELAY_US, ~0u);
	for (unsigned i = 0; i < n; i++)
		apic_send_ipi(ap[i], ICR_STARTUP | SIPI_VECTOR);
	wait_us(FIRST_WAIT_US, n + 1);
	if (__atomic_load_n(&online, __ATOMIC_ACQUIRE) < n + 1) {
		for (unsigned i = 0; i < n; i++)
			apic_send_ipi(ap[i], ICR_STARTUP | SIPI_VECTOR);
		wait_us(LAST_WAIT_US, n + 1);
	}

	arch_identity_low(false);
	__atomic_store_n(&identity_gone, true, __ATOMIC_RELEASE);
	if (online < n + 1)
		printk("smp: only %u of %u CPUs answered\n", online, n + 1);
	return online;
}
