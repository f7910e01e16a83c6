/*
 * The virtio-mmio transport (Virtio 1.2 §4.2): version 2 (§4.2.2) and the
 * legacy version 1 (§4.2.4), one device per virtio_mmio.device= token of
 * the command line, then one per LNRO0005 device of the ACPI tables that
 * no token named. Every register access is 32 bits wide, the device
 * configuration too: Firecracker ignores any other width.
 */
#include <flint/arch.h>
#include <flint/cmdline.h>
#include <flint/format.h>
#include <flint/heap.h>
#include <flint/irq.h>
#include <flint/platform.h>
#include <flint/printk.h>
#include <flint/virtio_boot.h>
#include <flint/virtio_mmio.h>

#include "virtio.h"
#include "vring.h"

/* §4.2.2 register offsets; (v1) only in the legacy layout of §4.2.4. */
#define MMIO_MAGIC 0x000
#define MMIO_VERSION 0x004
#define MMIO_DEVICE_ID 0x008
#define MMIO_DEVICE_FEATURES 0x010
#define MMIO_DEVICE_FEATURES_SEL 0x014
#define MMIO_DRIVER_FEATURES 0x020
#define MMIO_DRIVER_FEATURES_SEL 0x024
#define MMIO_GUEST_PAGE_SIZE 0x028	/* v1 */
#define MMIO_QUEUE_SEL 0x030
#define MMIO_QUEUE_NUM_MAX 0x034
#define MMIO_QUEUE_NUM 0x038
#define MMIO_QUEUE_ALIGN 0x03c		/* v1 */
#define MMIO_QUEUE_PFN 0x040		/* v1 */
#define MMIO_QUEUE_READY 0x044		/* v2 */
#define MMIO_QUEUE_NOTIFY 0x050
#define MMIO_INTERRUPT_STATUS 0x060
#define MMIO_INTERRUPT_ACK 0x064
#define MMIO_STATUS 0x070
#define MMIO_QUEUE_DESC_LOW 0x080	/* v2, and the _HIGH word 4 bytes on */
#define MMIO_QUEUE_DRIVER_LOW 0x090	/* v2 */
#define MMIO_QUEUE_DEVICE_LOW 0x0a0	/* v2 */
#define MMIO_CONFIG_GENERATION 0x0fc	/* v2 */
#define MMIO_CONFIG 0x100

#define MMIO_MAGIC_VALUE 0x74726976	/* "virt" */
#define MMIO_VERSION_LEGACY 1
#define MMIO_VERSION_MODERN 2
#define MMIO_DEVICE_NONE 0		/* an empty slot */
#define MMIO_REGS_SIZE 0x200		/* registers and configuration */
#define RESET_POLL_LIMIT 100000
#define LEGACY_PAGE_SIZE 4096
#define PFN_SHIFT 12

struct mmio_dev {
	struct virtio_device vdev;
	volatile uint32_t *regs;
	uint32_t irq;
	unsigned version;
	void (*handler)(void *);
	void *arg;
};

static struct mmio_dev *mmio(struct virtio_device *d)
{
	return d->transport;
}

static uint32_t rd(struct mmio_dev *m, unsigned off)
{
	return m->regs[off / 4];
}

static void wr(struct mmio_dev *m, unsigned off, uint32_t v)
{
	m->regs[off / 4] = v;
}

static uint8_t get_status(struct virtio_device *d)
{
	return (uint8_t)rd(mmio(d), MMIO_STATUS);
}

static void set_status(struct virtio_device *d, uint8_t status)
{
	wr(mmio(d), MMIO_STATUS, status);
}

static int reset(struct virtio_device *d)
{
	set_status(d, 0);
	for (unsigned i = 0; i < RESET_POLL_LIMIT; i++)
		if (!get_status(d))
			return 0;
	return -1;
}

static uint64_t get_features(struct virtio_device *d)
{
	struct mmio_dev *m = mmio(d);
	uint64_t f;

	wr(m, MMIO_DEVICE_FEATURES_SEL, 1);
	f = (uint64_t)rd(m, MMIO_DEVICE_FEATURES) << 32;
	wr(m, MMIO_DEVICE_FEATURES_SEL, 0);
	return f | rd(m, MMIO_DEVICE_FEATURES);
}

static void set_features(struct virtio_device *d, uint64_t features)
{
	struct mmio_dev *m = mmio(d);

	wr(m, MMIO_DRIVER_FEATURES_SEL, 1);
	wr(m, MMIO_DRIVER_FEATURES, (uint32_t)(features >> 32));
	wr(m, MMIO_DRIVER_FEATURES_SEL, 0);
	wr(m, MMIO_DRIVER_FEATURES, (uint32_t)features);
}

/* The configuration is little-endian (and guest-endian for v1, the same
 * on x86): byte i of the area is byte i % 4 of word i / 4. */
static void read_config(struct virtio_device *d, unsigned off, void *buf, unsigned len)
{
	uint8_t *out = buf;

	for (unsigned i = 0; i < len; i++) {
		unsigned at = off + i;
		uint32_t w = rd(mmio(d), MMIO_CONFIG + (at & ~3u));

		out[i] = (uint8_t)(w >> (8 * (at & 3)));
	}
}

static void write_config(struct virtio_device *d, unsigned off, const void *buf, unsigned len)
{
	const uint8_t *in = buf;

	for (unsigned i = 0; i < len; i++) {
		unsigned at = off + i, reg = MMIO_CONFIG + (at & ~3u), shift = 8 * (at & 3);
		uint32_t w = rd(mmio(d), reg);

		w = (w & ~(0xffu << shift)) | (uint32_t)in[i] << shift;
		wr(mmio(d), reg, w);
	}
}

static uint32_t config_generation(struct virtio_device *d)
{
	struct mmio_dev *m = mmio(d);

	return m->version == MMIO_VERSION_MODERN ? rd(m, MMIO_CONFIG_GENERATION) : 0;
}

static unsigned queue_max(struct virtio_device *d, unsigned index)
{
	struct mmio_dev *m = mmio(d);

	wr(m, MMIO_QUEUE_SEL, index);
	if (m->version == MMIO_VERSION_MODERN ? rd(m, MMIO_QUEUE_READY)
					      : rd(m, MMIO_QUEUE_PFN))
		return 0;	/* already in use */
	return rd(m, MMIO_QUEUE_NUM_MAX);
}

static void wr64(struct mmio_dev *m, unsigned low, uint64_t v)
{
	wr(m, low, (uint32_t)v);
	wr(m, low + 4, (uint32_t)(v >> 32));
}

static int queue_enable(struct virtio_device *d, unsigned index, unsigned size,
			uint64_t desc, uint64_t avail, uint64_t used)
{
	struct mmio_dev *m = mmio(d);

	wr(m, MMIO_QUEUE_SEL, index);
	wr(m, MMIO_QUEUE_NUM, size);
	if (m->version == MMIO_VERSION_LEGACY) {
		/* §4.2.4: the rings in the legacy layout, by page number. */
		if ((desc >> PFN_SHIFT) > UINT32_MAX)
			return -1;
		wr(m, MMIO_GUEST_PAGE_SIZE, LEGACY_PAGE_SIZE);
		wr(m, MMIO_QUEUE_ALIGN, VRING_LEGACY_ALIGN);
		wr(m, MMIO_QUEUE_PFN, (uint32_t)(desc >> PFN_SHIFT));
		return 0;
	}
	wr64(m, MMIO_QUEUE_DESC_LOW, desc);
	wr64(m, MMIO_QUEUE_DRIVER_LOW, avail);
	wr64(m, MMIO_QUEUE_DEVICE_LOW, used);
	wr(m, MMIO_QUEUE_READY, 1);
	return rd(m, MMIO_QUEUE_READY) ? 0 : -1;
}

static void notify(struct virtio_device *d, unsigned index)
{
	wr(mmio(d), MMIO_QUEUE_NOTIFY, index);
}

/* QEMU holds a level line until the status is acknowledged, Firecracker
 * sends edges: acknowledging every time before the driver looks at its
 * rings serves both. */
static void mmio_interrupt(void *arg)
{
	struct mmio_dev *m = arg;
	uint32_t status = rd(m, MMIO_INTERRUPT_STATUS);

	if (!status)
		return;
	wr(m, MMIO_INTERRUPT_ACK, status);
	if (m->handler)
		m->handler(m->arg);
}

static int request_irq(struct virtio_device *d, void (*handler)(void *), void *arg)
{
	struct mmio_dev *m = mmio(d);

	m->handler = handler;
	m->arg = arg;
	return irq_attach_gsi(m->irq, INTI_POLARITY_HIGH | INTI_TRIGGER_EDGE, mmio_interrupt,
			      m) < 0 ? -1 : 0;
}

#define MMIO_OPS(ops_name)                                                    \
	{ .name = (ops_name), .get_status = get_status, .set_status = set_status, \
	  .reset = reset, .get_features = get_features, .set_features = set_features, \
	  .read_config = read_config, .write_config = write_config,            \
	  .config_generation = config_generation, .queue_max = queue_max,      \
	  .queue_enable = queue_enable, .notify = notify, .request_irq = request_irq }

static const struct virtio_transport_ops mmio_v1_ops = MMIO_OPS("mmio-v1");
static const struct virtio_transport_ops mmio_v2_ops = MMIO_OPS("mmio-v2");

static void probe_one(const struct virtio_mmio_desc *t)
{
	volatile uint32_t *regs;
	uint32_t version, id;
	struct mmio_dev *m;

	if (t->size < MMIO_REGS_SIZE) {
		printk_line("virtio: mmio 0x%llx: window of %llu bytes is too small",
			    (unsigned long long)t->base, (unsigned long long)t->size);
		return;
	}
	regs = arch_map_mmio(t->base, MMIO_REGS_SIZE);
	if (regs[MMIO_MAGIC / 4] != MMIO_MAGIC_VALUE) {
		printk_line("virtio: mmio 0x%llx: no virtio-mmio magic",
			    (unsigned long long)t->base);
		return;
	}
	version = regs[MMIO_VERSION / 4];
	id = regs[MMIO_DEVICE_ID / 4];
	if (version != MMIO_VERSION_LEGACY && version != MMIO_VERSION_MODERN) {
		printk_line("virtio: mmio 0x%llx: unknown version %u",
			    (unsigned long long)t->base, (unsigned)version);
		return;
	}
	if (id == MMIO_DEVICE_NONE)
		return;
	m = kzalloc(sizeof(*m));
	if (!m) {
		printk_line("virtio: mmio 0x%llx: out of memory", (unsigned long long)t->base);
		return;
	}
	m->regs = regs;
	m->irq = t->irq;
	m->version = version;
	m->vdev.ops = version == MMIO_VERSION_LEGACY ? &mmio_v1_ops : &mmio_v2_ops;
	m->vdev.transport = m;
	m->vdev.id = id;
	m->vdev.legacy = version == MMIO_VERSION_LEGACY;
	snprintf(m->vdev.location, sizeof(m->vdev.location), "mmio 0x%llx irq %u",
		 (unsigned long long)t->base, (unsigned)t->irq);
	virtio_add_device(&m->vdev);
}

void virtio_mmio_probe(const struct cmdline *c)
{
	for (unsigned i = 0; i < c->nmmio; i++)
		probe_one(&c->mmio[i]);
}

/* Whether a token, or an earlier table entry, already named base. */
static bool mmio_known(const struct platform *p, unsigned n, uint64_t base)
{
	for (unsigned i = 0; i < kernel_cmdline.nmmio; i++)
		if (kernel_cmdline.mmio[i].base == base)
			return true;
	for (unsigned i = 0; i < n; i++)
		if (p->mmio[i].base == base)
			return true;
	return false;
}

/* Firecracker describes its devices both ways: each is added once. */
void virtio_mmio_probe_platform(const struct platform *p)
{
	struct virtio_mmio_desc d = { 0 };

	for (unsigned i = 0; i < p->nmmio; i++) {
		if (mmio_known(p, i, p->mmio[i].base))
			continue;
		d.base = p->mmio[i].base;
		d.size = p->mmio[i].size;
		d.irq = p->mmio[i].gsi;
		probe_one(&d);
	}
}
