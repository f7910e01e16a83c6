/*
 * Interrupt routing: the 8259s masked for good, each CPU's local APIC on,
 * every IOAPIC pin masked until a driver asks for it. ISA IRQs follow the
 * firmware's source overrides; vectors are handed out from one pool.
 */
#include <arch/apic.h>
#include <arch/io.h>
#include <arch/trap.h>
#include <flint/arch.h>
#include <flint/irq.h>
#include <flint/param.h>
#include <flint/platform.h>
#include <flint/printk.h>

#define PIC1_DATA 0x21			/* 8259A interrupt mask registers */
#define PIC2_DATA 0xa1

/* IOAPIC registers (Intel 82093AA datasheet §3). */
#define IOREGSEL 0x00
#define IOWIN 0x10
#define IOAPICVER 0x01
#define IOREDTBL(n) (0x10 + 2 * (n))
#define RED_MASKED (1u << 16)
#define RED_LEVEL (1u << 15)
#define RED_ACTIVE_LOW (1u << 13)

/* MSI address and data (SDM vol. 3A §11.11). */
#define MSI_ADDRESS 0xfee00000u
#define MSI_DEST_SHIFT 12

#define VECTOR_FIRST 0x30		/* above the exceptions and any 8259 base */
#define VECTOR_LAST 0xef		/* below the spurious vector */

static struct {
	irq_handler fn;
	void *arg;
} handler[NUM_VECTORS];
static unsigned next_vector = VECTOR_FIRST;
static uint32_t bsp_apic_id;

static struct {
	volatile uint32_t *regs;
	uint32_t gsi_base;
	unsigned pins;
} ioapic[PLATFORM_MAX_IOAPICS];
static unsigned nioapics;
static const struct platform *platform;

static uint32_t ioapic_read(unsigned i, unsigned reg)
{
	ioapic[i].regs[IOREGSEL / 4] = reg;
	return ioapic[i].regs[IOWIN / 4];
}

static void ioapic_write(unsigned i, unsigned reg, uint32_t v)
{
	ioapic[i].regs[IOREGSEL / 4] = reg;
	ioapic[i].regs[IOWIN / 4] = v;
}

static int alloc_vector(irq_handler fn, void *arg)
{
	if (next_vector > VECTOR_LAST) {
		printk("irq: out of vectors\n");
		return -1;
	}
	handler[next_vector].fn = fn;
	handler[next_vector].arg = arg;
	return (int)next_vector++;
}

void irq_dispatch(unsigned vector)
{
	if (vector == SPURIOUS_VECTOR)
		return;		/* no EOI for the spurious vector */
	if (handler[vector].fn)
		handler[vector].fn(handler[vector].arg);
	else
		printk("irq: vector %u has no handler\n", vector);
	apic_eoi();
}

void irq_set_fixed(unsigned vector, void (*fn)(void *), void *arg)
{
	handler[vector].fn = fn;
	handler[vector].arg = arg;
}

int irq_attach_gsi(uint32_t gsi, uint16_t flags, irq_handler fn, void *arg)
{
	for (unsigned i = 0; i < nioapics; i++) {
		uint32_t pin = gsi - ioapic[i].gsi_base;
		uint32_t low;
		int vector;

		if (gsi < ioapic[i].gsi_base || pin >= ioapic[i].pins)
			continue;
		vector = alloc_vector(fn, arg);
		if (vector < 0)
			return -1;
		low = (uint32_t)vector;
		if ((flags & INTI_TRIGGER_MASK) == INTI_TRIGGER_LEVEL)
			low |= RED_LEVEL;
		if ((flags & INTI_POLARITY_MASK) == INTI_POLARITY_LOW)
			low |= RED_ACTIVE_LOW;
		ioapic_write(i, IOREDTBL(pin) + 1, bsp_apic_id << 24);
		ioapic_write(i, IOREDTBL(pin), low);
		return vector;
	}
	printk("irq: no IOAPIC has GSI %u\n", gsi);
	return -1;
}

/* ISA interrupts are edge-triggered, active high, on the GSI of the same
 * number, unless the firmware says otherwise. */
int irq_attach_isa(unsigned irq, irq_handler fn, void *arg)
{
	for (unsigned i = 0; i < platform->noverrides; i++) {
		const struct platform_override *o = &platform->override[i];

		if (o->irq == irq) {
			uint16_t flags = o->flags;

			if (!(flags & INTI_POLARITY_MASK))
				flags |= INTI_POLARITY_HIGH;
			if (!(flags & INTI_TRIGGER_MASK))
				flags |= INTI_TRIGGER_EDGE;
			return irq_attach_gsi(o->gsi, flags, fn, arg);
		}
	}
	return irq_attach_gsi(irq, INTI_POLARITY_HIGH | INTI_TRIGGER_EDGE, fn, arg);
}

int irq_alloc_msi(irq_handler fn, void *arg, uint64_t *addr, uint32_t *data)
{
	int vector = alloc_vector(fn, arg);

	if (vector < 0)
		return -1;
	*addr = MSI_ADDRESS | bsp_apic_id << MSI_DEST_SHIFT;
	*data = (uint32_t)vector;	/* fixed delivery, edge */
	return vector;
}

void irq_enable(void)
{
	__asm__ volatile("sti" ::: "memory");
}

void irq_disable(void)
{
	__asm__ volatile("cli" ::: "memory");
}

#define RFLAGS_IF 0x200			/* SDM vol. 1 §3.4.3.3 */

unsigned long arch_irq_save(void)
{
	unsigned long flags;

	__asm__ volatile("pushfq; popq %0; cli" : "=r"(flags) : : "memory");
	return flags;
}

void arch_irq_restore(unsigned long flags)
{
	if (flags & RFLAGS_IF)
		__asm__ volatile("sti" ::: "memory");
}

/* sti delays interrupts by one instruction (SDM vol. 2B, STI): the hlt. */
void arch_idle(void)
{
	__asm__ volatile("sti; hlt" ::: "memory");
}

static bool test_irq;
KERNEL_FLAG("test.irq", test_irq);

static volatile unsigned test_count;

static void count_interrupt(void *arg)
{
	(void)arg;
	test_count++;
}

/* 8254 channel 0 (the timer on ISA IRQ 0), mode 2 at ~1 kHz. */
#define PIT_CONTROL 0x43
#define PIT_CH0_DATA 0x40
#define PIT_CH0_RATE_LOHI 0x34
#define PIT_CH0_ONE_SHOT 0x30		/* mode 0: leaves the line quiet */
#define PIT_1KHZ 1193
#define TEST_TICKS 3
#define TEST_TIMEOUT_MS 2000

/* test.irq: a self-IPI and the PIT's timer interrupt through the IOAPIC
 * and the firmware's routing of ISA IRQ 0. */
static void irq_self_test(void)
{
	int v = alloc_vector(count_interrupt, NULL);
	int timer;
	uint64_t deadline;

	apic_send_ipi(apic_id(), ICR_FIXED | (uint32_t)v);
	/* sti holds interrupts off for one more instruction: take them there. */
	__asm__ volatile("sti; nop; cli" ::: "memory");
	printk("irq: self-IPI on vector %d %s\n", v, test_count == 1 ? "arrived" : "lost");

	test_count = 0;
	timer = irq_attach_isa(0, count_interrupt, NULL);
	outb(PIT_CONTROL, PIT_CH0_RATE_LOHI);
	outb(PIT_CH0_DATA, PIT_1KHZ & 0xff);
	outb(PIT_CH0_DATA, PIT_1KHZ >> 8);
	deadline = arch_cycles() + arch_cycles_khz() * TEST_TIMEOUT_MS;
	while (test_count < TEST_TICKS && arch_cycles() < deadline) {
		irq_enable();
		__asm__ volatile("hlt");
		irq_disable();
	}
	outb(PIT_CONTROL, PIT_CH0_ONE_SHOT);
	printk("irq: %u timer interrupts on vector %d\n", test_count, timer);
}

void arch_irq_init(const struct platform *p)
{
	platform = p;
	outb(PIC1_DATA, 0xff);
	outb(PIC2_DATA, 0xff);
	apic_init_bsp(p->lapic_addr);
	apic_enable();
	bsp_apic_id = apic_id();
	for (unsigned i = 0; i < p->nioapics && nioapics < PLATFORM_MAX_IOAPICS; i++) {
		unsigned n = nioapics;

		ioapic[n].regs = arch_map_mmio(p->ioapic[i].addr, 4096);
		ioapic[n].gsi_base = p->ioapic[i].gsi_base;
		ioapic[n].pins = ((ioapic_read(n, IOAPICVER) >> 16) & 0xff) + 1;
		for (unsigned pin = 0; pin < ioapic[n].pins; pin++)
			ioapic_write(n, IOREDTBL(pin), RED_MASKED);
		nioapics++;
	}
	if (test_irq)
		irq_self_test();
}
