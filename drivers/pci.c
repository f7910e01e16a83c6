/* PCI enumeration: configuration space through ECAM or ports 0xCF8/0xCFC,
 * every bus the firmware numbered behind bridges, BARs and capabilities.
 * Section numbers are those of the PCI Local Bus Specification 3.0. */
#include <arch/io.h>
#include <flint/arch.h>
#include <flint/param.h>
#include <flint/pci.h>
#include <flint/printk.h>
#include <flint/string.h>

/* Configuration mechanism #1 (§3.2.2.3.2). */
#define PCI_CONFIG_ADDRESS 0xcf8
#define PCI_CONFIG_DATA 0xcfc
#define CONFIG_ENABLE 0x80000000u

/* ECAM: 4 KiB per function, 1 MiB per bus (PCI Express Base 3.0 §7.2.2). */
#define ECAM_BUS_SHIFT 20
#define ECAM_BUS_SIZE (1u << ECAM_BUS_SHIFT)
#define ECAM_DEV_SHIFT 15
#define ECAM_FN_SHIFT 12

#define PCI_BUSES 256
#define PCI_DEVS 32
#define PCI_FNS 8
#define PCI_MAX_BRIDGE_DEPTH 32	/* deeper is a loop or nonsense */

/* Configuration header (§6.1, §6.2). */
#define PCI_ID 0x00			/* vendor 15:0, device 31:16 */
#define PCI_VENDOR_NONE 0xffff		/* no function answers */
#define PCI_COMMAND 0x04		/* command 15:0, status 31:16 */
#define PCI_COMMAND_IO 0x1
#define PCI_COMMAND_MEMORY 0x2
#define PCI_COMMAND_DECODE (PCI_COMMAND_IO | PCI_COMMAND_MEMORY)
#define PCI_COMMAND_BUS_MASTER 0x4
#define PCI_STATUS_CAP_LIST (0x10u << 16)
#define PCI_CLASS_REV 0x08		/* revision 7:0, class 31:8 */
#define PCI_HEADER_DWORD 0x0c		/* header type 23:16 */
#define PCI_HEADER_SHIFT 16
#define PCI_HEADER_MULTI_FUNCTION 0x80
#define PCI_HEADER_DEVICE 0
#define PCI_HEADER_BRIDGE 1		/* PCI-to-PCI Bridge Architecture 1.2 §3.2 */
#define PCI_BAR0 0x10
#define PCI_DEVICE_BARS 6
#define PCI_BRIDGE_BARS 2
#define PCI_BRIDGE_BUSES 0x18		/* primary 7:0, secondary 15:8 */
#define PCI_SUBSYSTEM 0x2c		/* subsystem vendor 15:0, id 31:16 */
#define PCI_CAP_PTR 0x34
#define PCI_INTERRUPT 0x3c		/* line 7:0, pin 15:8 */
#define PCI_HEADER_SIZE 0x40		/* capabilities lie above (§6.7) */
#define PCI_CAP_PTR_MASK 0xfc

/* Base address registers (§6.2.5.1). */
#define BAR_IO 0x1
#define BAR_IO_ADDR 0xfffffffcu
#define BAR_MEM_ADDR 0xfffffff0u
#define BAR_MEM_TYPE 0x6
#define BAR_MEM_TYPE_32 0x0
#define BAR_MEM_TYPE_1M 0x2		/* below 1 MiB: reserved since 2.2 */
#define BAR_MEM_TYPE_64 0x4
#define BAR_PREFETCHABLE 0x8
#define BAR_IO_16BIT_FILL 0xffffffffffff0000ull	/* upper 16 bits hardwired 0 */
#define BAR_32BIT_FILL 0xffffffff00000000ull

/* MSI-X (§6.8.2): the capability and its table of 16-byte entries. */
#define PCI_CAP_MSIX 0x11
#define MSIX_CONTROL 2			/* 16 bits, from the capability */
#define MSIX_CONTROL_SIZE 0x7ff		/* table size - 1 */
#define MSIX_CONTROL_FUNCTION_MASK 0x4000
#define MSIX_CONTROL_ENABLE 0x8000
#define MSIX_TABLE 4			/* BIR 2:0, offset 31:3 */
#define MSIX_TABLE_BIR 0x7
#define MSIX_ENTRY_SIZE 16
#define MSIX_ENTRY_ADDR_LO 0		/* dword indexes in an entry */
#define MSIX_ENTRY_ADDR_HI 1
#define MSIX_ENTRY_DATA 2
#define MSIX_ENTRY_CONTROL 3
#define MSIX_ENTRY_MASKED 0x1

static const struct pci_config_ops *cfg;
static pci_warn_fn warn;
static struct pci_device devices[PCI_MAX_DEVICES];
static struct pci_device spare;		/* what does not fit the registry */
static unsigned ndevices, nmissed, nbuses;
static uint8_t scanned[PCI_BUSES / 8];

static uint32_t cfg_read(const struct pci_device *d, unsigned off)
{
	return cfg->read32(d->bus, d->dev, d->fn, off);
}

static void cfg_write(const struct pci_device *d, unsigned off, uint32_t v)
{
	cfg->write32(d->bus, d->dev, d->fn, off, v);
}

/* Writes all ones to the register at off and returns what stuck, putting
 * the old value (returned in *orig) back. */
static uint32_t probe(const struct pci_device *d, unsigned off, uint32_t *orig)
{
	uint32_t mask;

	*orig = cfg_read(d, off);
	cfg_write(d, off, 0xffffffff);
	mask = cfg_read(d, off);
	cfg_write(d, off, *orig);
	return mask;
}

/* Sizes BAR i of nbars; returns 1 when it took the next slot too (the
 * upper half of a 64-bit BAR), else 0. */
static unsigned size_bar(struct pci_device *d, unsigned i, unsigned nbars)
{
	struct pci_bar *b = &d->bar[i];
	unsigned off = PCI_BAR0 + 4 * i, upper = 0;
	uint32_t orig, hi_orig, mask = probe(d, off, &orig);
	uint64_t base, size_mask, fill = BAR_32BIT_FILL;

	if (orig & BAR_IO) {
		b->type = PCI_BAR_IO;
		base = orig & BAR_IO_ADDR;
		size_mask = mask & BAR_IO_ADDR;
		if (!(size_mask >> 16))
			fill = BAR_IO_16BIT_FILL;
	} else {
		b->type = PCI_BAR_MEM32;
		b->prefetchable = orig & BAR_PREFETCHABLE;
		base = orig & BAR_MEM_ADDR;
		size_mask = mask & BAR_MEM_ADDR;
		switch (orig & BAR_MEM_TYPE) {
		case BAR_MEM_TYPE_64:
			if (i + 1 == nbars) {
				warn("pci: %02x:%02x.%u bar%u is 64-bit in the last slot; ignored",
				     d->bus, d->dev, d->fn, i);
				b->type = PCI_BAR_NONE;
				return 0;
			}
			b->type = PCI_BAR_MEM64;
			size_mask |= (uint64_t)probe(d, off + 4, &hi_orig) << 32;
			base |= (uint64_t)hi_orig << 32;
			fill = 0;
			upper = 1;
			break;
		case BAR_MEM_TYPE_32:
		case BAR_MEM_TYPE_1M:
			break;
		default:
			warn("pci: %02x:%02x.%u bar%u has the reserved memory type; ignored",
			     d->bus, d->dev, d->fn, i);
			b->type = PCI_BAR_NONE;
			return 0;
		}
	}
	if (!size_mask) {
		/* Unimplemented BARs read 0; one with a value but no size lies. */
		if (orig)
			warn("pci: %02x:%02x.%u bar%u (%#x) sizes to 0; ignored", d->bus, d->dev,
			     d->fn, i, orig);
		*b = (struct pci_bar){ 0 };
		return upper;
	}
	b->base = base;
	b->size = ~(size_mask | fill) + 1;
	return upper;
}

/* Decoding stays off while the BARs hold all ones (§6.2.5.1). */
static void size_bars(struct pci_device *d, unsigned nbars)
{
	uint32_t command = cfg_read(d, PCI_COMMAND) & 0xffff;

	/* The status half is written as 0: its bits are write-one-to-clear. */
	if (command & PCI_COMMAND_DECODE)
		cfg_write(d, PCI_COMMAND, command & ~PCI_COMMAND_DECODE);
	for (unsigned i = 0; i < nbars; i++)
		i += size_bar(d, i, nbars);
	if (command & PCI_COMMAND_DECODE)
		cfg_write(d, PCI_COMMAND, command);
}

/* The capability list (§6.7), at most PCI_MAX_CAPS entries: a longer one
 * loops. */
static void walk_caps(struct pci_device *d)
{
	unsigned ptr;

	if (!(cfg_read(d, PCI_COMMAND) & PCI_STATUS_CAP_LIST))
		return;
	ptr = cfg_read(d, PCI_CAP_PTR) & PCI_CAP_PTR_MASK;
	while (ptr) {
		uint32_t v;

		if (ptr < PCI_HEADER_SIZE) {
			warn("pci: %02x:%02x.%u capability pointer %#x points into the header",
			     d->bus, d->dev, d->fn, ptr);
			return;
		}
		if (d->ncaps == PCI_MAX_CAPS) {
			warn("pci: %02x:%02x.%u more than %u capabilities (a loop?); list cut",
			     d->bus, d->dev, d->fn, PCI_MAX_CAPS);
			return;
		}
		v = cfg_read(d, ptr);
		d->cap[d->ncaps++] = (struct pci_cap){ .id = v & 0xff, .offset = ptr };
		ptr = v >> 8 & PCI_CAP_PTR_MASK;
	}
}

static void scan_bus(unsigned bus, unsigned depth);

/* Records the function and scans behind it if it is a bridge; returns its
 * header type byte (multi-function bit included). */
static unsigned add_function(unsigned bus, unsigned dev, unsigned fn, uint32_t id,
			     unsigned depth)
{
	struct pci_device *d = ndevices < PCI_MAX_DEVICES ? &devices[ndevices++] : &spare;
	uint32_t v;
	unsigned header, secondary;

	if (d == &spare)
		nmissed++;
	*d = (struct pci_device){ .bus = bus, .dev = dev, .fn = fn, .vendor = id & 0xffff,
				  .device = id >> 16 };
	v = cfg_read(d, PCI_CLASS_REV);
	d->revision = v & 0xff;
	d->class = v >> 8;
	header = cfg_read(d, PCI_HEADER_DWORD) >> PCI_HEADER_SHIFT & 0xff;
	d->header_type = header & ~PCI_HEADER_MULTI_FUNCTION;
	if (d->header_type == PCI_HEADER_DEVICE) {
		v = cfg_read(d, PCI_SUBSYSTEM);
		d->subsys_vendor = v & 0xffff;
		d->subsys_id = v >> 16;
		size_bars(d, PCI_DEVICE_BARS);
	} else if (d->header_type == PCI_HEADER_BRIDGE) {
		size_bars(d, PCI_BRIDGE_BARS);
		d->secondary_bus = cfg_read(d, PCI_BRIDGE_BUSES) >> 8 & 0xff;
	} else {
		warn("pci: %02x:%02x.%u header type %#x unsupported; ids only", bus, dev, fn,
		     d->header_type);
		return header;
	}
	v = cfg_read(d, PCI_INTERRUPT);
	d->irq_line = v & 0xff;
	d->irq_pin = v >> 8 & 0xff;
	walk_caps(d);
	if (d->header_type != PCI_HEADER_BRIDGE)
		return header;
	secondary = d->secondary_bus;	/* d may be the spare, reused below */
	if (secondary <= bus || scanned[secondary / 8] & 1u << secondary % 8)
		warn("pci: %02x:%02x.%u bridge to bus %02x, not below bus %02x; skipped", bus,
		     dev, fn, secondary, bus);
	else if (depth == PCI_MAX_BRIDGE_DEPTH)
		warn("pci: %02x:%02x.%u bridges nested deeper than %u; skipped", bus, dev, fn,
		     PCI_MAX_BRIDGE_DEPTH);
	else
		scan_bus(secondary, depth + 1);
	return header;
}

/* Function 0 first: functions 1-7 exist only on a multi-function device. */
static void scan_bus(unsigned bus, unsigned depth)
{
	scanned[bus / 8] |= 1u << bus % 8;
	nbuses++;
	for (unsigned dev = 0; dev < PCI_DEVS; dev++) {
		uint32_t id = cfg->read32(bus, dev, 0, PCI_ID);

		if ((id & 0xffff) == PCI_VENDOR_NONE ||
		    !(add_function(bus, dev, 0, id, depth) & PCI_HEADER_MULTI_FUNCTION))
			continue;
		for (unsigned fn = 1; fn < PCI_FNS; fn++) {
			id = cfg->read32(bus, dev, fn, PCI_ID);
			if ((id & 0xffff) != PCI_VENDOR_NONE)
				add_function(bus, dev, fn, id, depth);
		}
	}
}

unsigned pci_scan(const struct pci_config_ops *ops, pci_warn_fn warn_fn)
{
	cfg = ops;
	warn = warn_fn;
	ndevices = nmissed = nbuses = 0;
	memset(scanned, 0, sizeof(scanned));
	scan_bus(0, 0);
	if (nmissed)
		warn("pci: %u functions beyond the first %u not recorded", nmissed,
		     PCI_MAX_DEVICES);
	return nbuses;
}

const struct pci_device *pci_devices(void)
{
	return devices;
}

unsigned pci_count(void)
{
	return ndevices;
}

unsigned pci_find_cap(const struct pci_device *d, uint8_t id)
{
	for (unsigned i = 0; i < d->ncaps; i++)
		if (d->cap[i].id == id)
			return d->cap[i].offset;
	return 0;
}

uint32_t pci_config_read32(const struct pci_device *d, unsigned off)
{
	return cfg_read(d, off);
}

uint16_t pci_config_read16(const struct pci_device *d, unsigned off)
{
	return cfg_read(d, off & ~3u) >> (off & 2) * 8;
}

uint8_t pci_config_read8(const struct pci_device *d, unsigned off)
{
	return cfg_read(d, off & ~3u) >> (off & 3) * 8;
}

void pci_config_write32(const struct pci_device *d, unsigned off, uint32_t v)
{
	cfg_write(d, off, v);
}

void pci_config_write16(const struct pci_device *d, unsigned off, uint16_t v)
{
	unsigned shift = (off & 2) * 8;
	uint32_t dword = cfg_read(d, off & ~3u) & ~(0xffffu << shift);

	cfg_write(d, off & ~3u, dword | (uint32_t)v << shift);
}

void pci_enable(const struct pci_device *d, bool io, bool mem, bool bus_master)
{
	uint32_t command = cfg_read(d, PCI_COMMAND) & 0xffff;

	if (io)
		command |= PCI_COMMAND_IO;
	if (mem)
		command |= PCI_COMMAND_MEMORY;
	if (bus_master)
		command |= PCI_COMMAND_BUS_MASTER;
	/* The status half is written as 0: its bits are write-one-to-clear. */
	cfg_write(d, PCI_COMMAND, command);
}

int pci_msix_vector(const struct pci_device *d, unsigned entry, uint64_t addr, uint32_t data)
{
	unsigned cap = pci_find_cap(d, PCI_CAP_MSIX);
	unsigned entries, bir;
	uint32_t table;
	const struct pci_bar *bar;
	volatile uint32_t *e;

	if (!cap) {
		warn("pci: %02x:%02x.%u has no MSI-X capability", d->bus, d->dev, d->fn);
		return -1;
	}
	entries = (pci_config_read16(d, cap + MSIX_CONTROL) & MSIX_CONTROL_SIZE) + 1;
	table = cfg_read(d, cap + MSIX_TABLE);
	bir = table & MSIX_TABLE_BIR;
	table &= ~MSIX_TABLE_BIR;
	if (entry >= entries) {
		warn("pci: %02x:%02x.%u MSI-X entry %u of %u", d->bus, d->dev, d->fn, entry,
		     entries);
		return -1;
	}
	bar = bir < PCI_MAX_BARS ? &d->bar[bir] : NULL;	/* BIR 6 and 7 are reserved */
	if (!bar || (bar->type != PCI_BAR_MEM32 && bar->type != PCI_BAR_MEM64) || !bar->base ||
	    table + (uint64_t)entries * MSIX_ENTRY_SIZE > bar->size) {
		warn("pci: %02x:%02x.%u MSI-X table %#x in bar%u is not inside a memory BAR",
		     d->bus, d->dev, d->fn, table, bir);
		return -1;
	}
	e = (volatile uint32_t *)arch_map_mmio(bar->base + table + entry * MSIX_ENTRY_SIZE,
					       MSIX_ENTRY_SIZE);
	/* Masked while the address and data change (§6.8.2.9). */
	e[MSIX_ENTRY_CONTROL] |= MSIX_ENTRY_MASKED;
	e[MSIX_ENTRY_ADDR_LO] = (uint32_t)addr;
	e[MSIX_ENTRY_ADDR_HI] = (uint32_t)(addr >> 32);
	e[MSIX_ENTRY_DATA] = data;
	e[MSIX_ENTRY_CONTROL] &= ~MSIX_ENTRY_MASKED;
	return 0;
}

int pci_msix_enable(const struct pci_device *d)
{
	unsigned cap = pci_find_cap(d, PCI_CAP_MSIX);
	uint16_t control;

	if (!cap) {
		warn("pci: %02x:%02x.%u has no MSI-X capability", d->bus, d->dev, d->fn);
		return -1;
	}
	control = pci_config_read16(d, cap + MSIX_CONTROL);
	control = (control | MSIX_CONTROL_ENABLE) & ~MSIX_CONTROL_FUNCTION_MASK;
	pci_config_write16(d, cap + MSIX_CONTROL, control);
	return 0;
}

/* The boot's accessors. Only the boot CPU uses them, before SMP: no lock. */
static uint32_t port_address(unsigned bus, unsigned dev, unsigned fn, unsigned off)
{
	return CONFIG_ENABLE | bus << 16 | dev << 11 | fn << 8 | off;
}

static uint32_t port_read32(unsigned bus, unsigned dev, unsigned fn, unsigned off)
{
	outl(PCI_CONFIG_ADDRESS, port_address(bus, dev, fn, off));
	return inl(PCI_CONFIG_DATA);
}

static void port_write32(unsigned bus, unsigned dev, unsigned fn, unsigned off, uint32_t v)
{
	outl(PCI_CONFIG_ADDRESS, port_address(bus, dev, fn, off));
	outl(PCI_CONFIG_DATA, v);
}

static const struct pci_config_ops port_ops = { port_read32, port_write32 };

static uint64_t ecam_base;
static unsigned ecam_bus_start, ecam_bus_end;
static volatile uint32_t *ecam_bus[PCI_BUSES];	/* mapped when first used */

/* NULL for a bus outside the MCFG's range: it reads as absent. */
static volatile uint32_t *ecam_reg(unsigned bus, unsigned dev, unsigned fn, unsigned off)
{
	if (bus < ecam_bus_start || bus > ecam_bus_end)
		return NULL;
	if (!ecam_bus[bus])
		ecam_bus[bus] = arch_map_mmio(
			ecam_base + ((uint64_t)(bus - ecam_bus_start) << ECAM_BUS_SHIFT),
			ECAM_BUS_SIZE);
	return ecam_bus[bus] + ((dev << ECAM_DEV_SHIFT | fn << ECAM_FN_SHIFT | off) >> 2);
}

static uint32_t ecam_read32(unsigned bus, unsigned dev, unsigned fn, unsigned off)
{
	volatile uint32_t *r = ecam_reg(bus, dev, fn, off);

	return r ? *r : 0xffffffff;
}

static void ecam_write32(unsigned bus, unsigned dev, unsigned fn, unsigned off, uint32_t v)
{
	volatile uint32_t *r = ecam_reg(bus, dev, fn, off);

	if (r)
		*r = v;
}

static const struct pci_config_ops ecam_ops = { ecam_read32, ecam_write32 };

static bool off, show;
KERNEL_FLAG("pci.show", show);

/* pci=off: Firecracker appends it; no other value means anything. */
static int set_pci(const char *value)
{
	if (!value || strcmp(value, "off"))
		return -1;
	off = true;
	return 0;
}
KERNEL_PARAM("pci", set_pci);

static const char *const bar_type_name[] = {
	[PCI_BAR_IO] = "io",
	[PCI_BAR_MEM32] = "mem32",
	[PCI_BAR_MEM64] = "mem64",
};

static void show_device(const struct pci_device *d)
{
	printk("pci: %02x:%02x.%u %04x:%04x class %06x", d->bus, d->dev, d->fn, d->vendor,
	       d->device, d->class);
	if (d->header_type == PCI_HEADER_BRIDGE)
		printk(" bridge %02x", d->secondary_bus);
	for (unsigned i = 0; i < PCI_MAX_BARS; i++)
		if (d->bar[i].type != PCI_BAR_NONE)
			printk(" bar%u %s%s %#llx+%#llx", i, bar_type_name[d->bar[i].type],
			       d->bar[i].prefetchable ? " pref" : "",
			       (unsigned long long)d->bar[i].base,
			       (unsigned long long)d->bar[i].size);
	if (d->irq_pin)
		printk(" irq %u pin %u", d->irq_line, d->irq_pin);
	for (unsigned i = 0; i < d->ncaps; i++)
		printk("%s%02x", i ? "," : " caps ", d->cap[i].id);
	printk("\n");
}

void pci_init(const struct platform *p)
{
	const struct pci_config_ops *ops = &port_ops;
	unsigned buses;

	if (off)
		return;
	if (p->ecam_base) {
		ecam_base = p->ecam_base;
		ecam_bus_start = p->ecam_bus_start;
		ecam_bus_end = p->ecam_bus_end;
		ops = &ecam_ops;
	}
	buses = pci_scan(ops, printk_line);
	if (!show)
		return;
	for (unsigned i = 0; i < ndevices; i++)
		show_device(&devices[i]);
	printk("pci: %u devices on %u buses via %s\n", ndevices, buses,
	       ops == &ecam_ops ? "ECAM" : "ports 0xcf8");
}
