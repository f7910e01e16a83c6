/*
 * Virtio over PCI (Virtio 1.2 §4.1): finds the virtio functions in the PCI
 * registry and hands each to the modern (pci_modern.c) or the legacy
 * (pci_legacy.c) transport; the pieces both transports share.
 */
#include <flint/arch.h>
#include <flint/format.h>
#include <flint/heap.h>
#include <flint/irq.h>
#include <flint/pci.h>
#include <flint/printk.h>
#include <flint/virtio_boot.h>

#include "virtio.h"
#include "virtio_pci.h"

/* §4.1.2: PCI device discovery. */
#define VIRTIO_PCI_VENDOR 0x1af4
#define VIRTIO_PCI_TRANSITIONAL_FIRST 0x1000	/* virtio id: the subsystem id */
#define VIRTIO_PCI_TRANSITIONAL_LAST 0x103f
#define VIRTIO_PCI_MODERN_FIRST 0x1040		/* virtio id: device id - 0x1040 */
#define VIRTIO_PCI_MODERN_LAST 0x107f
#define PCI_CAP_VENDOR 0x09			/* §4.1.4: virtio structures */
#define PCI_CAP_MSIX 0x11			/* PCI 3.0 §6.8.2 */
#define PCI_LINE_UNKNOWN 0xff			/* PCI 3.0 §6.2.4: no line assigned */

/* §4.1.4.5: ISR status bits; reading the register clears it and
 * de-asserts the INTx line. */
#define ISR_QUEUE 0x1
#define ISR_CONFIG 0x2

#define RESET_TIMEOUT_MS 100

/* The device has reset once its status reads 0 (§4.1.4.3.2). */
int virtio_pci_wait_reset(struct virtio_device *d)
{
	uint64_t start = arch_cycles(), limit = arch_cycles_khz() * RESET_TIMEOUT_MS;

	while (d->ops->get_status(d)) {
		if (arch_cycles() - start > limit) {
			printk_line("virtio: %s %s did not reset within %u ms", d->ops->name,
				    d->location, RESET_TIMEOUT_MS);
			return -1;
		}
	}
	return 0;
}

/* One device on an INTx line; every device on the line is asked. */
struct intx {
	struct virtio_device *d;
	uint8_t (*read_isr)(struct virtio_device *d);
	void (*handler)(void *);
	void *arg;
	uint8_t line;
	struct intx *next;
};

static struct intx *intx_devices;

/* The line is level-triggered and may be shared: each device's ISR read
 * acknowledges it, and only a device that raised it gets its handler.
 * irq_dispatch's EOI reaches the IOAPIC after all of them are quiet. */
static void intx_interrupt(void *arg)
{
	uint8_t line = (uint8_t)(uintptr_t)arg;

	for (struct intx *x = intx_devices; x; x = x->next)
		if (x->line == line && (x->read_isr(x->d) & (ISR_QUEUE | ISR_CONFIG)))
			x->handler(x->arg);
}

/* The firmware's interrupt line (no _PRT evaluation), through the IOAPIC
 * with the firmware's override flags for that ISA IRQ; attached once per
 * line, later devices on it join the list. */
static int attach_intx(struct virtio_device *d, const struct pci_device *p,
		       uint8_t (*read_isr)(struct virtio_device *d), void (*handler)(void *),
		       void *arg)
{
	struct intx *x;
	bool attached = false;

	if (!p->irq_pin || p->irq_line == PCI_LINE_UNKNOWN) {
		printk_line("virtio: %s %s: no MSI-X and no INTx line (pin %u line %u)",
			    d->ops->name, d->location, p->irq_pin, p->irq_line);
		return -1;
	}
	if (!read_isr) {
		printk_line("virtio: %s %s: no MSI-X and no ISR status to acknowledge INTx",
			    d->ops->name, d->location);
		return -1;
	}
	x = kzalloc(sizeof(*x));
	if (!x) {
		printk_line("virtio: %s %s: out of memory", d->ops->name, d->location);
		return -1;
	}
	x->d = d;
	x->read_isr = read_isr;
	x->handler = handler;
	x->arg = arg;
	x->line = p->irq_line;
	for (struct intx *o = intx_devices; o; o = o->next)
		attached |= o->line == x->line;
	x->next = intx_devices;
	/* Complete before an interrupt on the line can find it. */
	__atomic_store_n(&intx_devices, x, __ATOMIC_RELEASE);
	if (!attached &&
	    irq_attach_isa(x->line, intx_interrupt, (void *)(uintptr_t)x->line) < 0) {
		printk_line("virtio: %s %s: cannot attach INTx line %u", d->ops->name,
			    d->location, x->line);
		/* Nothing calls intx_interrupt for this line. */
		intx_devices = x->next;
		kfree(x);
		return -1;
	}
	return 0;
}

/* One MSI-X vector, table entry 0, turned on. */
static int attach_msix(struct virtio_device *d, const struct pci_device *p,
		       void (*handler)(void *), void *arg)
{
	uint64_t addr;
	uint32_t data;

	if (irq_alloc_msi(handler, arg, &addr, &data) < 0) {
		printk_line("virtio: %s %s: no interrupt vector left", d->ops->name, d->location);
		return -1;
	}
	if (pci_msix_vector(p, 0, addr, data) < 0 || pci_msix_enable(p) < 0)
		return -1;
	return 0;
}

int virtio_pci_request_irq(struct virtio_device *d, const struct pci_device *p,
			   uint8_t (*read_isr)(struct virtio_device *d), void (*handler)(void *),
			   void *arg, bool *msix_on)
{
	*msix_on = pci_find_cap(p, PCI_CAP_MSIX) != 0;
	return *msix_on ? attach_msix(d, p, handler, arg)
			: attach_intx(d, p, read_isr, handler, arg);
}

void virtio_pci_probe(void)
{
	const struct pci_device *all = pci_devices();

	for (unsigned i = 0; i < pci_count(); i++) {
		const struct pci_device *p = &all[i];
		struct virtio_device *d;
		bool modern;
		int rc;

		if (p->vendor != VIRTIO_PCI_VENDOR || p->header_type != 0)
			continue;
		if (p->device >= VIRTIO_PCI_MODERN_FIRST && p->device <= VIRTIO_PCI_MODERN_LAST)
			modern = true;
		else if (p->device >= VIRTIO_PCI_TRANSITIONAL_FIRST &&
			 p->device <= VIRTIO_PCI_TRANSITIONAL_LAST)
			/* A transitional device is driven through its modern
			 * interface when it has one. */
			modern = pci_find_cap(p, PCI_CAP_VENDOR) != 0;
		else
			continue;
		d = kzalloc(sizeof(*d));
		if (!d) {
			printk_line("virtio: pci %02x:%02x.%u: out of memory", p->bus, p->dev,
				    p->fn);
			return;
		}
		snprintf(d->location, sizeof(d->location), "pci %02x:%02x.%u", p->bus, p->dev,
			 p->fn);
		d->id = p->device >= VIRTIO_PCI_MODERN_FIRST ? p->device - VIRTIO_PCI_MODERN_FIRST
							      : p->subsys_id;
		/* I/O for the legacy registers, memory for the modern ones
		 * and the MSI-X table, bus mastering for the rings. */
		pci_enable(p, true, true, true);
		rc = modern ? virtio_pci_modern_init(d, p) : virtio_pci_legacy_init(d, p);
		if (rc < 0) {
			kfree(d);
			continue;
		}
		virtio_add_device(d);
	}
}
