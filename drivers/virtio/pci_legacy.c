/*
 * The legacy (virtio 0.9.5) PCI transport, Virtio 1.2 §4.1.4.8: one
 * register block in I/O BAR 0, rings given as a page number in the legacy
 * layout, guest-endian configuration. Interrupts are MSI-X, or INTx
 * acknowledged by reading the ISR register (pci.c chooses).
 */
#include <arch/io.h>
#include <flint/compiler.h>
#include <flint/heap.h>
#include <flint/pci.h>
#include <flint/printk.h>
#include <flint/string.h>

#include "virtio.h"
#include "virtio_pci.h"
#include "vring.h"


/* §4.1.4.8: the legacy register block. */
#define LEGACY_DEVICE_FEATURES 0x00	/* le32, R */
#define LEGACY_DRIVER_FEATURES 0x04	/* le32, RW */
#define LEGACY_QUEUE_ADDRESS 0x08	/* le32, RW: page number */
#define LEGACY_QUEUE_SIZE 0x0c		/* le16, R */
#define LEGACY_QUEUE_SELECT 0x0e	/* le16, RW */
#define LEGACY_QUEUE_NOTIFY 0x10	/* le16, RW */
#define LEGACY_STATUS 0x12		/* u8, RW */
#define LEGACY_ISR 0x13			/* u8, R: read to clear (§4.1.4.5) */
#define LEGACY_CONFIG_MSIX 0x14		/* le16, only with MSI-X on */
#define LEGACY_QUEUE_MSIX 0x16		/* le16, only with MSI-X on */
#define LEGACY_CONFIG 0x14		/* device configuration, without MSI-X */
#define LEGACY_CONFIG_WITH_MSIX 0x18	/* ... and with it */
#define LEGACY_PAGE_SHIFT 12		/* the queue address's unit */
#define LEGACY_MAX_PFN 0xffffffffull

#define MSIX_ENTRY 0			/* pci.c's one vector */

/* §2.7.2 legacy layout: 16-byte descriptors; the available ring's flags,
 * idx, ring and used_event. */
#define DESC_SIZE 16
#define AVAIL_SIZE(n) (2 * (3 + (uint64_t)(n)))

struct legacy {
	const struct pci_device *pci;
	uint16_t port;			/* BAR 0 */
	uint32_t len;			/* its size */
	bool irq;			/* request_irq done */
	bool msix;
};

static struct legacy *state(struct virtio_device *d)
{
	return d->transport;
}

static uint8_t get_status(struct virtio_device *d)
{
	return inb(state(d)->port + LEGACY_STATUS);
}

static void set_status(struct virtio_device *d, uint8_t status)
{
	outb(state(d)->port + LEGACY_STATUS, status);
}

static bool set_vector(struct legacy *l, unsigned reg)
{
	outw(l->port + reg, MSIX_ENTRY);
	return inw(l->port + reg) == MSIX_ENTRY;
}

/* A reset forgets the vectors: the configuration's is set again here, the
 * queues' when they are enabled again. */
static int reset(struct virtio_device *d)
{
	struct legacy *l = state(d);

	set_status(d, 0);
	if (virtio_pci_wait_reset(d) < 0)
		return -1;
	if (l->msix && !set_vector(l, LEGACY_CONFIG_MSIX)) {
		printk_line("virtio: pci-legacy %s refuses its configuration vector after reset",
			    d->location);
		return -1;
	}
	return 0;
}

/* Only 32 feature bits. */
static uint64_t get_features(struct virtio_device *d)
{
	return inl(state(d)->port + LEGACY_DEVICE_FEATURES);
}

static void set_features(struct virtio_device *d, uint64_t features)
{
	outl(state(d)->port + LEGACY_DRIVER_FEATURES, (uint32_t)features);
}

/* Where the configuration starts: it moves when MSI-X is on. */
static unsigned config_base(struct legacy *l)
{
	return l->msix ? LEGACY_CONFIG_WITH_MSIX : LEGACY_CONFIG;
}

static bool config_range(struct virtio_device *d, unsigned off, unsigned len)
{
	struct legacy *l = state(d);

	if ((len == 1 || len == 2 || len == 4 || len == 8) &&
	    (uint64_t)config_base(l) + off + len <= l->len)
		return true;
	printk_line("virtio: pci-legacy %s: configuration access of %u bytes at %u outside bar0",
		    d->location, len, off);
	return false;
}

/* Guest-endian fields, each read with its own width; a 64-bit one as two
 * 32-bit halves. Outside the block reads all ones. */
static void read_config(struct virtio_device *d, unsigned off, void *buf, unsigned len)
{
	uint16_t port = state(d)->port + config_base(state(d)) + off;
	uint8_t v8;
	uint16_t v16;
	uint32_t v32[2];

	if (!config_range(d, off, len)) {
		memset(buf, 0xff, len);
		return;
	}
	switch (len) {
	case 1:
		v8 = inb(port);
		memcpy(buf, &v8, 1);
		break;
	case 2:
		v16 = inw(port);
		memcpy(buf, &v16, 2);
		break;
	default:
		v32[0] = inl(port);
		if (len == 8)
			v32[1] = inl(port + 4);
		memcpy(buf, v32, len);
	}
}

static void write_config(struct virtio_device *d, unsigned off, const void *buf, unsigned len)
{
	uint16_t port = state(d)->port + config_base(state(d)) + off;
	uint8_t v8;
	uint16_t v16;
	uint32_t v32[2];

	if (!config_range(d, off, len))
		return;
	switch (len) {
	case 1:
		memcpy(&v8, buf, 1);
		outb(port, v8);
		break;
	case 2:
		memcpy(&v16, buf, 2);
		outw(port, v16);
		break;
	default:
		memcpy(v32, buf, len);
		outl(port, v32[0]);
		if (len == 8)
			outl(port + 4, v32[1]);
	}
}

/* The legacy interface has no generation counter. */
static uint32_t config_generation(struct virtio_device *d)
{
	(void)d;
	return 0;
}

/* The size is the device's, read-only: 0 means no such queue. */
static unsigned queue_max(struct virtio_device *d, unsigned index)
{
	struct legacy *l = state(d);

	if (index > UINT16_MAX)
		return 0;
	outw(l->port + LEGACY_QUEUE_SELECT, index);
	return inw(l->port + LEGACY_QUEUE_SIZE);
}

/* §4.1.5.1.3.1 (legacy): the block's page number, which the device takes
 * to be laid out with VRING_LEGACY_ALIGN; checked against the addresses. */
static int queue_enable(struct virtio_device *d, unsigned index, unsigned size, uint64_t desc,
			uint64_t avail, uint64_t used)
{
	struct legacy *l = state(d);
	unsigned max = queue_max(d, index);

	if (!size || size != max) {
		printk_line("virtio: pci-legacy %s: queue %u of size %u (the device's: %u)",
			    d->location, index, size, max);
		return -1;
	}
	if (desc % VRING_LEGACY_ALIGN || desc >> LEGACY_PAGE_SHIFT > LEGACY_MAX_PFN ||
	    avail != desc + (uint64_t)DESC_SIZE * size ||
	    used != ALIGN_UP(avail + AVAIL_SIZE(size), (uint64_t)VRING_LEGACY_ALIGN)) {
		printk_line("virtio: pci-legacy %s: queue %u rings %#llx/%#llx/%#llx are not one "
			    "legacy block below 16 TiB", d->location, index,
			    (unsigned long long)desc, (unsigned long long)avail,
			    (unsigned long long)used);
		return -1;
	}
	if (l->msix && !set_vector(l, LEGACY_QUEUE_MSIX)) {
		printk_line("virtio: pci-legacy %s refuses a vector for queue %u", d->location,
			    index);
		return -1;
	}
	outl(l->port + LEGACY_QUEUE_ADDRESS, (uint32_t)(desc >> LEGACY_PAGE_SHIFT));
	return 0;
}

static void notify(struct virtio_device *d, unsigned index)
{
	outw(state(d)->port + LEGACY_QUEUE_NOTIFY, index);
}

static uint8_t read_isr(struct virtio_device *d)
{
	return inb(state(d)->port + LEGACY_ISR);
}

/* Turning MSI-X on moves the configuration to 0x18 and brings the vector
 * registers in; queues enabled before this call get the vector too. With
 * INTx everything stays where it is. */
static int request_irq(struct virtio_device *d, void (*handler)(void *), void *arg)
{
	struct legacy *l = state(d);

	if (l->irq) {
		printk_line("virtio: pci-legacy %s: a second interrupt handler", d->location);
		return -1;
	}
	if (virtio_pci_request_irq(d, l->pci, read_isr, handler, arg, &l->msix) < 0)
		return -1;
	l->irq = true;
	if (!l->msix)
		return 0;
	if (!set_vector(l, LEGACY_CONFIG_MSIX)) {
		printk_line("virtio: pci-legacy %s refuses its configuration vector", d->location);
		return -1;
	}
	for (unsigned i = 0; queue_max(d, i); i++) {
		if (!inl(l->port + LEGACY_QUEUE_ADDRESS))
			continue;
		if (!set_vector(l, LEGACY_QUEUE_MSIX)) {
			printk_line("virtio: pci-legacy %s refuses a vector for queue %u",
				    d->location, i);
			return -1;
		}
	}
	return 0;
}

static const struct virtio_transport_ops legacy_ops = {
	.name = "pci-legacy",
	.get_status = get_status,
	.set_status = set_status,
	.reset = reset,
	.get_features = get_features,
	.set_features = set_features,
	.read_config = read_config,
	.write_config = write_config,
	.config_generation = config_generation,
	.queue_max = queue_max,
	.queue_enable = queue_enable,
	.notify = notify,
	.request_irq = request_irq,
};

int virtio_pci_legacy_init(struct virtio_device *d, const struct pci_device *p)
{
	struct legacy *l;

	if (p->bar[0].type != PCI_BAR_IO || !p->bar[0].base ||
	    p->bar[0].base + p->bar[0].size > UINT16_MAX + 1ull ||
	    p->bar[0].size < LEGACY_CONFIG_WITH_MSIX) {
		printk_line("virtio: pci-legacy %s: bar0 is no I/O register block", d->location);
		return -1;
	}
	l = kzalloc(sizeof(*l));
	if (!l) {
		printk_line("virtio: pci-legacy %s: out of memory", d->location);
		return -1;
	}
	l->pci = p;
	l->port = p->bar[0].base;
	l->len = p->bar[0].size;
	d->ops = &legacy_ops;
	d->transport = l;
	d->legacy = true;
	return 0;
}
