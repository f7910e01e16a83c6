/*
 * The virtio 1.x PCI transport (Virtio 1.2 §4.1.4): the common, notify and
 * device-configuration structures that vendor capabilities place in memory
 * BARs. Interrupts are MSI-X, or INTx acknowledged by reading the ISR
 * structure (pci.c chooses).
 */
#include <flint/arch.h>
#include <flint/heap.h>
#include <flint/pci.h>
#include <flint/printk.h>
#include <flint/string.h>

#include "virtio.h"
#include "virtio_pci.h"


/* §4.1.4: struct virtio_pci_cap, from the capability's offset. */
#define PCI_CAP_VENDOR 0x09
#define CAP_LEN 2			/* u8 */
#define CAP_CFG_TYPE 3			/* u8 */
#define CAP_BAR 4			/* u8 */
#define CAP_OFFSET 8			/* le32 */
#define CAP_LENGTH 12			/* le32 */
#define CAP_SIZE 16
#define CAP_NOTIFY_MULTIPLIER 16	/* le32, §4.1.4.4 */
#define CAP_NOTIFY_SIZE 20

#define CFG_TYPE_COMMON 1
#define CFG_TYPE_NOTIFY 2
#define CFG_TYPE_ISR 3			/* §4.1.4.5: one byte, read to clear */
#define CFG_TYPE_DEVICE 4

/* §4.1.4.3: struct virtio_pci_common_cfg. */
#define COMMON_DFSELECT 0x00		/* le32 */
#define COMMON_DF 0x04			/* le32 */
#define COMMON_GFSELECT 0x08		/* le32 */
#define COMMON_GF 0x0c			/* le32 */
#define COMMON_MSIX 0x10		/* le16 */
#define COMMON_NUMQ 0x12		/* le16 */
#define COMMON_STATUS 0x14		/* u8 */
#define COMMON_CFGGENERATION 0x15	/* u8 */
#define COMMON_Q_SELECT 0x16		/* le16 */
#define COMMON_Q_SIZE 0x18		/* le16 */
#define COMMON_Q_MSIX 0x1a		/* le16 */
#define COMMON_Q_ENABLE 0x1c		/* le16 */
#define COMMON_Q_NOFF 0x1e		/* le16 */
#define COMMON_Q_DESC 0x20		/* le64, written as two le32 (§4.1.3.1) */
#define COMMON_Q_DRIVER 0x28		/* le64 */
#define COMMON_Q_DEVICE 0x30		/* le64 */
#define COMMON_SIZE 0x38		/* the 1.0 structure */

#define MSIX_ENTRY 0			/* pci.c's one vector */

struct modern {
	const struct pci_device *pci;
	volatile uint8_t *common;
	volatile uint8_t *device;
	uint32_t device_len;
	volatile uint8_t *notify;
	uint32_t notify_len, notify_multiplier;
	volatile uint8_t *isr;		/* NULL: none usable */
	unsigned nqueues;
	volatile uint16_t **queue_notify;	/* per queue, once enabled */
	bool irq;			/* request_irq done */
	bool msix;
};

static struct modern *state(struct virtio_device *d)
{
	return d->transport;
}

static uint8_t common_read8(struct modern *m, unsigned off)
{
	return *(volatile uint8_t *)(m->common + off);
}

static uint16_t common_read16(struct modern *m, unsigned off)
{
	return *(volatile uint16_t *)(m->common + off);
}

static uint32_t common_read32(struct modern *m, unsigned off)
{
	return *(volatile uint32_t *)(m->common + off);
}

static void common_write8(struct modern *m, unsigned off, uint8_t v)
{
	*(volatile uint8_t *)(m->common + off) = v;
}

static void common_write16(struct modern *m, unsigned off, uint16_t v)
{
	*(volatile uint16_t *)(m->common + off) = v;
}

static void common_write32(struct modern *m, unsigned off, uint32_t v)
{
	*(volatile uint32_t *)(m->common + off) = v;
}

static void common_write64(struct modern *m, unsigned off, uint64_t v)
{
	common_write32(m, off, (uint32_t)v);
	common_write32(m, off + 4, (uint32_t)(v >> 32));
}

static uint8_t get_status(struct virtio_device *d)
{
	return common_read8(state(d), COMMON_STATUS);
}

static void set_status(struct virtio_device *d, uint8_t status)
{
	common_write8(state(d), COMMON_STATUS, status);
}

/* Points the configuration interrupt at the vector; false if the device
 * refuses it (§4.1.5.1.2). */
static bool set_config_vector(struct modern *m)
{
	common_write16(m, COMMON_MSIX, MSIX_ENTRY);
	return common_read16(m, COMMON_MSIX) == MSIX_ENTRY;
}

/* The same for the selected queue. */
static bool set_queue_vector(struct modern *m)
{
	common_write16(m, COMMON_Q_MSIX, MSIX_ENTRY);
	return common_read16(m, COMMON_Q_MSIX) == MSIX_ENTRY;
}

/* A reset forgets the vectors: the configuration's is set again here, the
 * queues' when they are enabled again. */
static int reset(struct virtio_device *d)
{
	struct modern *m = state(d);

	set_status(d, 0);
	if (virtio_pci_wait_reset(d) < 0)
		return -1;
	for (unsigned i = 0; i < m->nqueues; i++)
		m->queue_notify[i] = NULL;
	if (m->msix && !set_config_vector(m)) {
		printk_line("virtio: pci-modern %s refuses its configuration vector after reset",
			    d->location);
		return -1;
	}
	return 0;
}

static uint64_t get_features(struct virtio_device *d)
{
	struct modern *m = state(d);
	uint64_t features;

	common_write32(m, COMMON_DFSELECT, 0);
	features = common_read32(m, COMMON_DF);
	common_write32(m, COMMON_DFSELECT, 1);
	return features | (uint64_t)common_read32(m, COMMON_DF) << 32;
}

static void set_features(struct virtio_device *d, uint64_t features)
{
	struct modern *m = state(d);

	common_write32(m, COMMON_GFSELECT, 0);
	common_write32(m, COMMON_GF, (uint32_t)features);
	common_write32(m, COMMON_GFSELECT, 1);
	common_write32(m, COMMON_GF, (uint32_t)(features >> 32));
}

static bool config_range(struct virtio_device *d, unsigned off, unsigned len)
{
	if ((len == 1 || len == 2 || len == 4 || len == 8) &&
	    (uint64_t)off + len <= state(d)->device_len)
		return true;
	printk_line("virtio: pci-modern %s: configuration access of %u bytes at %u outside its %u",
		    d->location, len, off, (unsigned)state(d)->device_len);
	return false;
}

/* Each field with its own width; a 64-bit one as two 32-bit halves
 * (§4.1.3.1). Outside the structure reads all ones. */
static void read_config(struct virtio_device *d, unsigned off, void *buf, unsigned len)
{
	volatile uint8_t *p = state(d)->device + off;
	uint8_t v8;
	uint16_t v16;
	uint32_t v32[2];

	if (!config_range(d, off, len)) {
		memset(buf, 0xff, len);
		return;
	}
	switch (len) {
	case 1:
		v8 = *p;
		memcpy(buf, &v8, 1);
		break;
	case 2:
		v16 = *(volatile uint16_t *)p;
		memcpy(buf, &v16, 2);
		break;
	default:
		v32[0] = *(volatile uint32_t *)p;
		if (len == 8)
			v32[1] = *(volatile uint32_t *)(p + 4);
		memcpy(buf, v32, len);
	}
}

static void write_config(struct virtio_device *d, unsigned off, const void *buf, unsigned len)
{
	volatile uint8_t *p = state(d)->device + off;
	uint8_t v8;
	uint16_t v16;
	uint32_t v32[2];

	if (!config_range(d, off, len))
		return;
	switch (len) {
	case 1:
		memcpy(&v8, buf, 1);
		*p = v8;
		break;
	case 2:
		memcpy(&v16, buf, 2);
		*(volatile uint16_t *)p = v16;
		break;
	default:
		memcpy(v32, buf, len);
		*(volatile uint32_t *)p = v32[0];
		if (len == 8)
			*(volatile uint32_t *)(p + 4) = v32[1];
	}
}

static uint32_t config_generation(struct virtio_device *d)
{
	return common_read8(state(d), COMMON_CFGGENERATION);
}

static unsigned queue_max(struct virtio_device *d, unsigned index)
{
	struct modern *m = state(d);

	if (index >= m->nqueues)
		return 0;
	common_write16(m, COMMON_Q_SELECT, index);
	return common_read16(m, COMMON_Q_SIZE);
}

/* §4.1.5.1.3: size, ring addresses, vector, then queue_enable. */
static int queue_enable(struct virtio_device *d, unsigned index, unsigned size, uint64_t desc,
			uint64_t avail, uint64_t used)
{
	struct modern *m = state(d);
	unsigned max = queue_max(d, index);
	uint64_t notify_off;

	if (!size || size > max) {
		printk_line("virtio: pci-modern %s: queue %u of size %u (maximum %u)", d->location,
			    index, size, max);
		return -1;
	}
	notify_off = (uint64_t)common_read16(m, COMMON_Q_NOFF) * m->notify_multiplier;
	if (notify_off + sizeof(uint16_t) > m->notify_len) {
		printk_line("virtio: pci-modern %s: queue %u notifies at %#llx, outside its %#x",
			    d->location, index, (unsigned long long)notify_off,
			    (unsigned)m->notify_len);
		return -1;
	}
	common_write16(m, COMMON_Q_SIZE, size);
	common_write64(m, COMMON_Q_DESC, desc);
	common_write64(m, COMMON_Q_DRIVER, avail);
	common_write64(m, COMMON_Q_DEVICE, used);
	if (m->msix && !set_queue_vector(m)) {
		printk_line("virtio: pci-modern %s refuses a vector for queue %u", d->location,
			    index);
		return -1;
	}
	m->queue_notify[index] = (volatile uint16_t *)(m->notify + notify_off);
	common_write16(m, COMMON_Q_ENABLE, 1);
	return 0;
}

/* §4.1.4.4.1: the queue's index, 16 bits, at its notification address. */
static void notify(struct virtio_device *d, unsigned index)
{
	struct modern *m = state(d);

	if (index < m->nqueues && m->queue_notify[index])
		*m->queue_notify[index] = index;
}

static uint8_t read_isr(struct virtio_device *d)
{
	return *state(d)->isr;
}

/* With MSI-X, queues enabled before this call get the vector too. */
static int request_irq(struct virtio_device *d, void (*handler)(void *), void *arg)
{
	struct modern *m = state(d);

	if (m->irq) {
		printk_line("virtio: pci-modern %s: a second interrupt handler", d->location);
		return -1;
	}
	if (virtio_pci_request_irq(d, m->pci, m->isr ? read_isr : NULL, handler, arg,
				   &m->msix) < 0)
		return -1;
	m->irq = true;
	if (!m->msix)
		return 0;
	if (!set_config_vector(m)) {
		printk_line("virtio: pci-modern %s refuses its configuration vector", d->location);
		return -1;
	}
	for (unsigned i = 0; i < m->nqueues; i++) {
		if (!m->queue_notify[i])
			continue;
		common_write16(m, COMMON_Q_SELECT, i);
		if (!set_queue_vector(m)) {
			printk_line("virtio: pci-modern %s refuses a vector for queue %u",
				    d->location, i);
			return -1;
		}
	}
	return 0;
}

static const struct virtio_transport_ops modern_ops = {
	.name = "pci-modern",
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

/* Maps the structure capability cap describes; NULL with a message when it
 * is not inside a memory BAR. */
static volatile uint8_t *map_structure(struct virtio_device *d, const struct pci_device *p,
				       unsigned cap, uint32_t *len)
{
	unsigned bar = pci_config_read8(p, cap + CAP_BAR);
	uint32_t offset = pci_config_read32(p, cap + CAP_OFFSET);
	const struct pci_bar *b = bar < PCI_MAX_BARS ? &p->bar[bar] : NULL;

	*len = pci_config_read32(p, cap + CAP_LENGTH);
	if (!b || (b->type != PCI_BAR_MEM32 && b->type != PCI_BAR_MEM64) || !b->base) {
		printk_line("virtio: pci-modern %s: structure type %u in bar%u, not a memory BAR",
			    d->location, pci_config_read8(p, cap + CAP_CFG_TYPE), bar);
		return NULL;
	}
	if ((uint64_t)offset + *len > b->size) {
		printk_line("virtio: pci-modern %s: structure type %u at bar%u+%#x+%#x, outside it",
			    d->location, pci_config_read8(p, cap + CAP_CFG_TYPE), bar,
			    (unsigned)offset, (unsigned)*len);
		return NULL;
	}
	return arch_map_mmio(b->base + offset, *len);
}

/* §4.1.4: the first usable capability of each structure type. */
static void find_structures(struct virtio_device *d, const struct pci_device *p,
			    struct modern *m)
{
	uint32_t common_len = 0, isr_len;

	for (unsigned i = 0; i < p->ncaps; i++) {
		unsigned cap = p->cap[i].offset, len;
		volatile uint8_t *at;

		if (p->cap[i].id != PCI_CAP_VENDOR)
			continue;
		len = pci_config_read8(p, cap + CAP_LEN);
		switch (pci_config_read8(p, cap + CAP_CFG_TYPE)) {
		case CFG_TYPE_COMMON:
			if (!m->common && len >= CAP_SIZE &&
			    (at = map_structure(d, p, cap, &common_len)) &&
			    common_len >= COMMON_SIZE)
				m->common = at;
			break;
		case CFG_TYPE_NOTIFY:
			if (!m->notify && len >= CAP_NOTIFY_SIZE &&
			    (at = map_structure(d, p, cap, &m->notify_len))) {
				m->notify = at;
				m->notify_multiplier =
					pci_config_read32(p, cap + CAP_NOTIFY_MULTIPLIER);
			}
			break;
		case CFG_TYPE_ISR:
			if (!m->isr && len >= CAP_SIZE &&
			    (at = map_structure(d, p, cap, &isr_len)) && isr_len)
				m->isr = at;
			break;
		case CFG_TYPE_DEVICE:
			if (!m->device && len >= CAP_SIZE)
				m->device = map_structure(d, p, cap, &m->device_len);
			break;
		}
	}
	if (!m->device)
		m->device_len = 0;
}

int virtio_pci_modern_init(struct virtio_device *d, const struct pci_device *p)
{
	struct modern *m = kzalloc(sizeof(*m));

	if (!m) {
		printk_line("virtio: pci-modern %s: out of memory", d->location);
		return -1;
	}
	m->pci = p;
	find_structures(d, p, m);
	if (!m->common || !m->notify) {
		printk_line("virtio: pci-modern %s: no usable %s structure", d->location,
			    m->common ? "notify" : "common configuration");
		kfree(m);
		return -1;
	}
	m->nqueues = common_read16(m, COMMON_NUMQ);
	m->queue_notify = kzalloc(m->nqueues * sizeof(*m->queue_notify));
	if (!m->queue_notify) {
		printk_line("virtio: pci-modern %s: out of memory", d->location);
		kfree(m);
		return -1;
	}
	d->ops = &modern_ops;
	d->transport = m;
	d->legacy = false;
	return 0;
}
