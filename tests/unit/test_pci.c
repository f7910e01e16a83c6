/* drivers/pci.c's enumeration, BAR sizing and capability walk against a
 * fake configuration space: buses 0-3, each function 256 bytes with the
 * BARs' writable bits given per register. */
#include <flint/pci.h>

#include "check.h"

#define FAKE_BUSES 4
#define CMD_DECODE 0x3

struct fake_fn {
	bool present;
	uint32_t cfg[64];		/* dwords */
	uint32_t bar_writable[6];	/* address bits that take a write */
};

static struct fake_fn fake[FAKE_BUSES][32][8];
static bool sized_while_decoding;
static char warnings[4096];

static struct fake_fn *fn_at(unsigned bus, unsigned dev, unsigned fn)
{
	return bus < FAKE_BUSES && fake[bus][dev][fn].present ? &fake[bus][dev][fn] : NULL;
}

static uint32_t fake_read32(unsigned bus, unsigned dev, unsigned fn, unsigned off)
{
	struct fake_fn *f = fn_at(bus, dev, fn);

	CHECK(off % 4 == 0 && off < 256);
	return f ? f->cfg[off / 4] : 0xffffffff;
}

static void fake_write32(unsigned bus, unsigned dev, unsigned fn, unsigned off, uint32_t v)
{
	struct fake_fn *f = fn_at(bus, dev, fn);
	unsigned bar = (off - 0x10) / 4;

	CHECK(f && off % 4 == 0);
	if (off == 0x04) {
		CHECK_EQ(v >> 16, 0);	/* never clear status bits */
		f->cfg[1] = (f->cfg[1] & 0xffff0000) | v;
	} else if (off >= 0x10 && off < 0x28) {
		if (v == 0xffffffff && f->cfg[1] & CMD_DECODE)
			sized_while_decoding = true;
		/* Address bits that do not take a write read as 0. */
		uint32_t type_bits = f->cfg[off / 4] & 1 ? 0x3 : 0xf;

		f->cfg[off / 4] = (f->cfg[off / 4] & type_bits & ~f->bar_writable[bar]) |
				  (v & f->bar_writable[bar]);
	} else {
		f->cfg[off / 4] = v;
	}
}

static const struct pci_config_ops fake_ops = { fake_read32, fake_write32 };

static void fake_warn(const char *fmt, ...)
{
	size_t n = strlen(warnings);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(warnings + n, sizeof(warnings) - n, fmt, ap);
	va_end(ap);
	strncat(warnings, "\n", sizeof(warnings) - strlen(warnings) - 1);
}

/* drivers/pci.c's kernel side, never reached here. */
void *arch_map_mmio(uint64_t phys, size_t size)
{
	(void)phys;
	(void)size;
	abort();
}

void printk(const char *fmt, ...)
{
	(void)fmt;
}

void printk_line(const char *fmt, ...)
{
	(void)fmt;
}

static struct fake_fn *add(unsigned bus, unsigned dev, unsigned fn, uint32_t id, uint32_t cls,
			   uint8_t header)
{
	struct fake_fn *f = &fake[bus][dev][fn];

	f->present = true;
	f->cfg[0] = id;
	f->cfg[2] = cls << 8 | 0x01;
	f->cfg[3] = (uint32_t)header << 16;
	return f;
}

static void bar(struct fake_fn *f, unsigned i, uint32_t value, uint32_t writable)
{
	f->cfg[4 + i] = value;
	f->bar_writable[i] = writable;
}

static const struct pci_device *find(unsigned bus, unsigned dev, unsigned fn)
{
	for (unsigned i = 0; i < pci_count(); i++)
		if (pci_devices()[i].bus == bus && pci_devices()[i].dev == dev &&
		    pci_devices()[i].fn == fn)
			return &pci_devices()[i];
	return NULL;
}

/* A host bridge, a bridge to bus 1 with a device there, a multi-function
 * device, and a function 1 that a single-function device echoes. */
TEST(topology)
{
	struct fake_fn *br;

	add(0, 0, 0, 0x29c08086, 0x060000, 0);
	br = add(0, 3, 0, 0x000c1b36, 0x060400, 1);
	br->cfg[0x18 / 4] = 0x00010100;		/* primary 0, secondary 1 */
	add(1, 0, 0, 0x10441af4, 0x00ff00, 0);
	add(0, 5, 0, 0x70008086, 0x060100, 0x80);
	add(0, 5, 3, 0x71138086, 0x068000, 0);
	add(0, 6, 0, 0x11111111, 0x020000, 0);
	add(0, 6, 1, 0x11111111, 0x020000, 0);	/* not multi-function: ignored */

	CHECK_EQ(pci_scan(&fake_ops, fake_warn), 2);
	CHECK_EQ(pci_count(), 6);
	CHECK_STR(warnings, "");
	CHECK(find(0, 3, 0) && find(0, 3, 0)->secondary_bus == 1);
	CHECK(find(1, 0, 0) && find(1, 0, 0)->vendor == 0x1af4 && find(1, 0, 0)->device == 0x1044);
	CHECK(find(0, 5, 3) && find(0, 5, 3)->class == 0x068000);
	CHECK(find(0, 5, 3)->revision == 1);
	CHECK(!find(0, 5, 1) && !find(0, 6, 1));
	/* Depth first: the device behind the bridge comes right after it. */
	CHECK(&pci_devices()[2] == find(1, 0, 0));
}

TEST(bars)
{
	struct fake_fn *f = add(0, 2, 0, 0x10051af4, 0x00ff00, 0);
	const struct pci_device *d;

	f->cfg[1] = 0x00100007;			/* decoding on, capability list */
	f->cfg[0x2c / 4] = 0x00041af4;
	f->cfg[0x3c / 4] = 0x0000010b;
	bar(f, 0, 0xc041, 0xffe0);		/* I/O, 16-bit decoder, 32 bytes */
	bar(f, 1, 0xfebd1000, 0xfffff000);	/* 32-bit memory, 4 KiB */
	bar(f, 2, 0xfe00000c, 0xffffc000);	/* 64-bit prefetchable, 16 KiB... */
	bar(f, 3, 0x00000001, 0xffffffff);	/* ...above 4 GiB */
	bar(f, 4, 0, 0);			/* unimplemented */
	bar(f, 5, 0xfe100000, 0);		/* claims an address, sizes to 0 */

	pci_scan(&fake_ops, fake_warn);
	CHECK_EQ(pci_count(), 1);
	d = &pci_devices()[0];
	CHECK_EQ(d->subsys_vendor, 0x1af4);
	CHECK_EQ(d->subsys_id, 4);
	CHECK_EQ(d->irq_line, 11);
	CHECK_EQ(d->irq_pin, 1);
	CHECK(d->bar[0].type == PCI_BAR_IO && d->bar[0].base == 0xc040 && d->bar[0].size == 0x20);
	CHECK(d->bar[1].type == PCI_BAR_MEM32 && d->bar[1].base == 0xfebd1000 &&
	      d->bar[1].size == 0x1000 && !d->bar[1].prefetchable);
	CHECK(d->bar[2].type == PCI_BAR_MEM64 && d->bar[2].base == 0x1fe000000ull &&
	      d->bar[2].size == 0x4000 && d->bar[2].prefetchable);
	CHECK(d->bar[3].type == PCI_BAR_NONE);	/* the upper half */
	CHECK(d->bar[4].type == PCI_BAR_NONE && d->bar[5].type == PCI_BAR_NONE);
	CHECK(strstr(warnings, "00:02.0 bar5 (0xfe100000) sizes to 0"));
	CHECK(!strstr(warnings, "bar4"));
	/* Decoding was off while sizing, and everything is as it was. */
	CHECK(!sized_while_decoding);
	CHECK_EQ(f->cfg[1], 0x00100007);
	CHECK_EQ(f->cfg[4], 0xc041);
	CHECK_EQ(f->cfg[6], 0xfe00000c);
	CHECK_EQ(f->cfg[7], 1);
}

TEST(bar_64bit_in_last_slot)
{
	struct fake_fn *f = add(0, 1, 0, 0x12345678, 0, 0);

	bar(f, 5, 0xfe000004, 0xffffc000);
	pci_scan(&fake_ops, fake_warn);
	CHECK(pci_devices()[0].bar[5].type == PCI_BAR_NONE);
	CHECK(strstr(warnings, "bar5 is 64-bit in the last slot"));
}

static struct fake_fn *with_caps(unsigned dev, uint8_t first)
{
	struct fake_fn *f = add(0, dev, 0, 0x10001af4, 0x020000, 0);

	f->cfg[1] = 0x00100000;
	f->cfg[0x34 / 4] = first;
	return f;
}

TEST(capabilities)
{
	struct fake_fn *f = with_caps(4, 0x98);

	f->cfg[0x98 / 4] = 0x00008411;		/* MSI-X, next 0x84 */
	f->cfg[0x84 / 4] = 0x00007009;		/* vendor, next 0x70 */
	f->cfg[0x70 / 4] = 0x00000009;		/* vendor, end */
	pci_scan(&fake_ops, fake_warn);
	CHECK_EQ(pci_devices()[0].ncaps, 3);
	CHECK_EQ(pci_find_cap(&pci_devices()[0], 0x11), 0x98);
	CHECK_EQ(pci_find_cap(&pci_devices()[0], 0x09), 0x84);
	CHECK_EQ(pci_find_cap(&pci_devices()[0], 0x05), 0);
	CHECK_STR(warnings, "");
}

TEST(capability_loop)
{
	struct fake_fn *f = with_caps(4, 0x40);

	f->cfg[0x40 / 4] = 0x00005005;
	f->cfg[0x50 / 4] = 0x00004011;		/* back to 0x40 */
	pci_scan(&fake_ops, fake_warn);
	CHECK_EQ(pci_devices()[0].ncaps, PCI_MAX_CAPS);
	CHECK(strstr(warnings, "00:04.0 more than 48 capabilities"));
}

TEST(capability_into_header)
{
	with_caps(4, 0x20);
	with_caps(5, 0x40)->cfg[0x40 / 4] = 0x00000c05;	/* next 0x0c */
	pci_scan(&fake_ops, fake_warn);
	CHECK_EQ(pci_devices()[0].ncaps, 0);
	CHECK_EQ(pci_devices()[1].ncaps, 1);
	CHECK(strstr(warnings, "00:04.0 capability pointer 0x20 points into the header"));
	CHECK(strstr(warnings, "00:05.0 capability pointer 0xc points into the header"));
}

/* Without the status bit the pointer is not read. */
TEST(no_capability_list)
{
	with_caps(4, 0x40)->cfg[1] = 0;
	pci_scan(&fake_ops, fake_warn);
	CHECK_EQ(pci_devices()[0].ncaps, 0);
}

/* Bridges that point back up, at themselves or at a bus seen already. */
TEST(bridge_loops)
{
	add(0, 1, 0, 0x000c1b36, 0x060400, 1)->cfg[0x18 / 4] = 0x00020200;
	add(2, 0, 0, 0x000c1b36, 0x060400, 1)->cfg[0x18 / 4] = 0x00000002;	/* to bus 0 */
	add(2, 1, 0, 0x000c1b36, 0x060400, 1)->cfg[0x18 / 4] = 0x00020202;	/* to itself */
	add(0, 2, 0, 0x000c1b36, 0x060400, 1)->cfg[0x18 / 4] = 0x00020200;	/* bus 2 again */
	CHECK_EQ(pci_scan(&fake_ops, fake_warn), 2);
	CHECK_EQ(pci_count(), 4);
	CHECK(strstr(warnings, "02:00.0 bridge to bus 00, not below bus 02; skipped"));
	CHECK(strstr(warnings, "02:01.0 bridge to bus 02, not below bus 02; skipped"));
	CHECK(strstr(warnings, "00:02.0 bridge to bus 02, not below bus 00; skipped"));
}

TEST(empty_and_unsupported)
{
	CHECK_EQ(pci_scan(&fake_ops, fake_warn), 1);
	CHECK_EQ(pci_count(), 0);
	add(0, 7, 0, 0x11111111, 0x060700, 2);	/* CardBus */
	pci_scan(&fake_ops, fake_warn);
	CHECK_EQ(pci_count(), 1);
	CHECK(strstr(warnings, "00:07.0 header type 0x2 unsupported"));
}

TEST(registry_full)
{
	for (unsigned dev = 0; dev < 32; dev++)
		for (unsigned fn = 0; fn < 3; fn++)
			add(0, dev, fn, 0x11111111, 0, fn ? 0 : 0x80);
	pci_scan(&fake_ops, fake_warn);
	CHECK_EQ(pci_count(), PCI_MAX_DEVICES);
	CHECK(strstr(warnings, "32 functions beyond the first 64 not recorded"));
}

/* The drivers' accessors: narrow reads and writes within a dword, the
 * command bits, MSI-X control and the checks before a table is touched
 * (the fake has no BAR memory: arch_map_mmio aborts). */
TEST(config_access_and_msix)
{
	struct fake_fn *f = with_caps(4, 0x98);
	const struct pci_device *d;

	f->cfg[1] |= 0x0100;			/* status: capability list; SERR# on */
	f->cfg[0x98 / 4] = 0x40010011;		/* MSI-X, 2 entries, function masked */
	f->cfg[0x9c / 4] = 0x00002001;		/* table in bar1 at 0x2000 */
	pci_scan(&fake_ops, fake_warn);
	d = &pci_devices()[0];
	CHECK_EQ(pci_config_read16(d, 0x02), 0x1000);
	CHECK_EQ(pci_config_read8(d, 0x99), 0x00);
	CHECK_EQ(pci_config_read8(d, 0x9b), 0x40);
	CHECK_EQ(pci_config_read32(d, 0x9c), 0x2001);
	pci_config_write16(d, 0x9a, 0x1234);
	CHECK_EQ(f->cfg[0x98 / 4], 0x12340011);
	pci_config_write32(d, 0x9c, 0x2001);

	pci_enable(d, false, true, true);
	CHECK_EQ(f->cfg[1], 0x00100106);
	f->cfg[0x98 / 4] = 0x40010011;
	CHECK_EQ(pci_msix_enable(d), 0);
	CHECK_EQ(f->cfg[0x98 / 4], 0x80010011);

	CHECK_EQ(pci_msix_vector(d, 2, 0xfee00000, 0x30), -1);
	CHECK(strstr(warnings, "00:04.0 MSI-X entry 2 of 2"));
	CHECK_EQ(pci_msix_vector(d, 0, 0xfee00000, 0x30), -1);
	CHECK(strstr(warnings, "00:04.0 MSI-X table 0x2000 in bar1 is not inside a memory BAR"));

	f->cfg[0x98 / 4] = 0x00000005;		/* MSI only */
	pci_scan(&fake_ops, fake_warn);
	CHECK_EQ(pci_msix_enable(&pci_devices()[0]), -1);
	CHECK(strstr(warnings, "00:04.0 has no MSI-X capability"));
}

int main(void)
{
	return check_run();
}
