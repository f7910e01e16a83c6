/* drivers/acpi.c and drivers/platform.c: the ACPI tables of QEMU 7.2's q35,
 * pc and microvm and of Firecracker (through tools/fcshim), captured from
 * guest RAM (tests/unit/fixtures/acpi, made by capture.sh there); the
 * same tables damaged; hand-built tables that lie; and seeded random
 * damage. Fake physical memory is a set of regions, each allocated to its
 * exact size, so ASan reports any read past what `read` handed out. */
#include <flint/platform.h>

#include <ctype.h>

#include "check.h"

#define MAX_REGIONS 32
#define MAX_TABLES 16

/* --- fake physical memory -------------------------------------------- */

struct region {
	uint64_t base;
	size_t len;
	uint8_t *b;
	uint8_t *pristine;	/* for restore() */
};

static struct region regions[MAX_REGIONS];
static unsigned nregions;

static const void *fake_read(uint64_t phys, size_t len)
{
	for (unsigned i = 0; i < nregions; i++) {
		const struct region *r = &regions[i];

		if (phys >= r->base && phys - r->base <= r->len && len <= r->len - (phys - r->base))
			return r->b + (phys - r->base);
	}
	return NULL;
}

/* A copy of b at base, in its own exactly sized allocation. */
static uint8_t *place(uint64_t base, const void *b, size_t len)
{
	struct region *r = &regions[nregions];

	CHECK(nregions < MAX_REGIONS && len > 0);
	for (unsigned i = 0; i < nregions; i++)
		CHECKF(base + len <= regions[i].base || base >= regions[i].base + regions[i].len,
		       "region %#" PRIx64 " overlaps %#" PRIx64, base, regions[i].base);
	*r = (struct region){ base, len, malloc(len), malloc(len) };
	CHECK(r->b && r->pristine);
	memcpy(r->b, b, len);
	memcpy(r->pristine, b, len);
	nregions++;
	return r->b;
}

static void restore(void)
{
	for (unsigned i = 0; i < nregions; i++)
		memcpy(regions[i].b, regions[i].pristine, regions[i].len);
}

/* Writable bytes at phys (n of them must be there). */
static uint8_t *mem(uint64_t phys, size_t n)
{
	uint8_t *p = (uint8_t *)fake_read(phys, n);

	CHECKF(p, "nothing at %#" PRIx64 "+%zu", phys, n);
	return p;
}

static uint32_t rd32(const uint8_t *b)
{
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static void wr16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)v;
	b[1] = (uint8_t)(v >> 8);
}

static void wr32(uint8_t *b, uint32_t v)
{
	wr16(b, (uint16_t)v);
	wr16(b + 2, (uint16_t)(v >> 16));
}

static void wr64(uint8_t *b, uint64_t v)
{
	wr32(b, (uint32_t)v);
	wr32(b + 4, (uint32_t)(v >> 32));
}

static uint8_t sum8(const uint8_t *b, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s += *b++;
	return s;
}

/* Makes the table at phys (header length) checksum right again. */
static void fix_checksum(uint64_t phys)
{
	uint8_t *t = mem(phys, 36);
	uint32_t len = rd32(t + 4);

	t = mem(phys, len);
	t[9] = 0;
	t[9] = (uint8_t)-sum8(t, len);
}

/* --- check_warnings ---------------------------------------------------------- */

#define CHECK_WARNED(s)							\
	CHECKF(strstr(check_warnings, (s)), "no warning with '%s' in: %s", (s), check_warnings)
#define CHECK_NO_WARNINGS()						\
	CHECKF(check_nwarnings == 0, "unexpected warnings: %s", check_warnings)

static struct platform P;

static int parse(uint64_t rsdp)
{
	check_warnings_clear();
	memset(&P, 0xa5, sizeof(P));	/* acpi_parse must fill every field */
	return acpi_parse(&P, rsdp, fake_read, check_warn);
}

/* --- captured fixtures --------------------------------------------------- */

struct fixture_table {
	char sig[5];
	uint64_t addr;
	uint32_t len;
};

static struct fixture_table ftables[MAX_TABLES];
static unsigned nftables;
static uint64_t fixture_rsdp;

static void flush_region(uint64_t base, uint8_t *buf, size_t n)
{
	if (n)
		place(base, buf, n);
}

/* Loads ACPI_FIXTURE_DIR/<name>.hex (format: see capture.sh there). */
static void load_fixture(const char *name)
{
	static uint8_t buf[1 << 16];
	char path[512], line[512], *p, *end;
	uint64_t base = 0, addr;
	size_t n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.hex", ACPI_FIXTURE_DIR, name);
	f = fopen(path, "r");
	CHECKF(f, "cannot open %s", path);
	while (fgets(line, sizeof(line), f)) {
		struct fixture_table *t = &ftables[nftables];

		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (sscanf(line, "rsdp %" SCNx64, &fixture_rsdp) == 1)
			continue;
		if (!strncmp(line, "table ", 6)) {
			CHECK(nftables < MAX_TABLES);
			CHECK(sscanf(line, "table %4s %" SCNx64 " %" SCNu32, t->sig, &t->addr,
				     &t->len) == 3);
			nftables++;
			continue;
		}
		addr = strtoull(line, &end, 16);
		CHECKF(*end == ':', "%s: bad line %s", path, line);
		if (addr != base + n) {
			flush_region(base, buf, n);
			base = addr;
			n = 0;
		}
		for (p = end + 1; *p == ' '; p++)
			;
		for (; isxdigit((unsigned char)p[0]) && isxdigit((unsigned char)p[1]); p += 2) {
			char byte[3] = { p[0], p[1], 0 };

			CHECK(n < sizeof(buf));
			buf[n++] = (uint8_t)strtoul(byte, NULL, 16);
		}
	}
	fclose(f);
	flush_region(base, buf, n);
	CHECK(fixture_rsdp && nftables);
}

static uint64_t table_addr(const char *sig)
{
	for (unsigned i = 0; i < nftables; i++)
		if (!strcmp(ftables[i].sig, sig))
			return ftables[i].addr;
	CHECKF(0, "no %s in the fixture", sig);
	return 0;
}

/* --- shared checks ------------------------------------------------------- */

/* CPUs with APIC id = UID = 0..n-1, the first one the BSP. */
static void check_cpus(unsigned n)
{
	CHECK_EQ(P.ncpus, n);
	for (unsigned i = 0; i < n; i++) {
		CHECK_EQ(P.cpu[i].apic_id, i);
		CHECK_EQ(P.cpu[i].acpi_uid, i);
		CHECK_EQ(P.cpu[i].bsp, i == 0);
	}
}

static void check_ioapic(unsigned i, uint32_t id, uint64_t addr, uint32_t gsi_base)
{
	CHECK(i < P.nioapics);
	CHECK_EQ(P.ioapic[i].id, id);
	CHECK_EQ(P.ioapic[i].addr, addr);
	CHECK_EQ(P.ioapic[i].gsi_base, gsi_base);
}

static void check_override(unsigned i, uint8_t irq, uint32_t gsi, uint16_t flags)
{
	CHECK(i < P.noverrides);
	CHECK_EQ(P.override[i].irq, irq);
	CHECK_EQ(P.override[i].gsi, gsi);
	CHECK_EQ(P.override[i].flags, flags);
}

static void check_nmi(unsigned i, uint32_t apic_id, uint8_t lint, uint16_t flags)
{
	CHECK(i < P.nnmis);
	CHECK_EQ(P.nmi[i].apic_id, apic_id);
	CHECK_EQ(P.nmi[i].lint, lint);
	CHECK_EQ(P.nmi[i].flags, flags);
}

static void check_gas(const struct platform_gas *g, uint8_t space, uint8_t bits, uint64_t addr)
{
	CHECK_EQ(g->space, space);
	CHECK_EQ(g->bit_width, bits);
	CHECK_EQ(g->bit_offset, 0);
	CHECK_EQ(g->addr, addr);
}

static void check_no_gas(const struct platform_gas *g)
{
	CHECK_EQ(g->addr, 0);
	CHECK_EQ(g->space, 0);
	CHECK_EQ(g->bit_width, 0);
}

/* SeaBIOS's MADT on q35 and pc (QEMU builds it): IOAPIC 0, IRQ 0 -> GSI
 * 2, the PCI link IRQs 5/9/10/11 level-triggered active-high, and LINT1
 * NMI on every CPU. */
static void check_qemu_pc_interrupts(void)
{
	CHECK_EQ(P.lapic_addr, 0xfee00000);
	CHECK(P.pic_present);
	CHECK_EQ(P.nioapics, 1);
	check_ioapic(0, 0, 0xfec00000, 0);
	CHECK_EQ(P.noverrides, 5);
	check_override(0, 0, 2, 0);
	check_override(1, 5, 5, INTI_POLARITY_HIGH | INTI_TRIGGER_LEVEL);
	check_override(2, 9, 9, INTI_POLARITY_HIGH | INTI_TRIGGER_LEVEL);
	check_override(3, 10, 10, INTI_POLARITY_HIGH | INTI_TRIGGER_LEVEL);
	check_override(4, 11, 11, INTI_POLARITY_HIGH | INTI_TRIGGER_LEVEL);
	CHECK_EQ(P.nnmis, 1);
	check_nmi(0, 0xffffffff, 1, 0);
}

/* --- the captures -------------------------------------------------------- */

TEST(q35)
{
	load_fixture("q35");
	CHECK_EQ(fixture_rsdp, 0xf59e0);
	CHECK_EQ(parse(fixture_rsdp), 0);
	CHECK_NO_WARNINGS();
	CHECK_EQ(P.source, PLATFORM_ACPI);
	check_cpus(4);			/* -smp 4 */
	check_qemu_pc_interrupts();
	CHECK(!P.hw_reduced);
	check_gas(&P.pm1a_cnt, GAS_SPACE_IO, 16, 0x604);	/* from X_PM1a_CNT_BLK */
	check_no_gas(&P.pm1b_cnt);
	check_no_gas(&P.sleep_control);
	check_gas(&P.reset_reg, GAS_SPACE_IO, 8, 0xcf9);
	CHECK_EQ(P.reset_value, 0x0f);
	CHECK(P.s5_valid);
	CHECK_EQ(P.s5_typ_a, 0);
	CHECK_EQ(P.s5_typ_b, 0);
	CHECK_EQ(P.ecam_base, 0xb0000000);
	CHECK_EQ(P.ecam_bus_start, 0);
	CHECK_EQ(P.ecam_bus_end, 255);
	CHECK(!P.pvpanic);
}

/* -smp 2,maxcpus=4: two more processor entries, not enabled; and a
 * pvpanic device moved to port 0x600, so the port must come from _CRS. */
TEST(q35_hotplug_pvpanic)
{
	load_fixture("q35-pvpanic");
	CHECK_EQ(parse(fixture_rsdp), 0);
	CHECK_NO_WARNINGS();
	check_cpus(2);
	check_qemu_pc_interrupts();
	CHECK(P.pvpanic);
	CHECK_EQ(P.pvpanic_port, 0x600);
	CHECK(P.s5_valid);
	CHECK_EQ(P.s5_typ_a, 0);
}

/* FADT revision 1, 116 bytes: no X_ fields, no reset register; no MCFG. */
TEST(pc)
{
	load_fixture("pc");
	CHECK_EQ(fixture_rsdp, 0xf59d0);
	CHECK_EQ(parse(fixture_rsdp), 0);
	CHECK_NO_WARNINGS();
	CHECK_EQ(P.source, PLATFORM_ACPI);
	check_cpus(2);
	check_qemu_pc_interrupts();
	CHECK(!P.hw_reduced);
	check_gas(&P.pm1a_cnt, GAS_SPACE_IO, 16, 0x604);	/* PM1a_CNT_BLK, PM1_CNT_LEN 2 */
	check_no_gas(&P.pm1b_cnt);
	check_no_gas(&P.reset_reg);
	CHECK_EQ(P.reset_value, 0);
	CHECK(P.s5_valid);
	CHECK_EQ(P.s5_typ_a, 0);
	CHECK_EQ(P.s5_typ_b, 0);
	CHECK_EQ(P.ecam_base, 0);
	CHECK(!P.pvpanic);
}

/* qboot: XSDT only, HW-reduced FADT revision 5, two IOAPICs, no override. */
TEST(microvm)
{
	load_fixture("microvm");
	CHECK_EQ(fixture_rsdp, 0xf3490);
	CHECK_EQ(parse(fixture_rsdp), 0);
	CHECK_NO_WARNINGS();
	CHECK_EQ(P.source, PLATFORM_ACPI);
	check_cpus(2);
	CHECK_EQ(P.lapic_addr, 0xfee00000);
	CHECK(P.pic_present);
	CHECK_EQ(P.nioapics, 2);
	check_ioapic(0, 0, 0xfec00000, 0);
	check_ioapic(1, 1, 0xfec10000, 24);
	CHECK_EQ(P.noverrides, 0);
	CHECK_EQ(P.nnmis, 1);
	check_nmi(0, 0xffffffff, 1, 0);
	CHECK(P.hw_reduced);
	check_no_gas(&P.pm1a_cnt);
	check_no_gas(&P.pm1b_cnt);
	check_gas(&P.sleep_control, GAS_SPACE_MEMORY, 8, 0xfea00200);
	check_gas(&P.reset_reg, GAS_SPACE_MEMORY, 8, 0xfea00202);
	CHECK_EQ(P.reset_value, 0x42);
	CHECK(P.s5_valid);
	CHECK_EQ(P.s5_typ_a, 5);
	CHECK_EQ(P.s5_typ_b, 0);
	CHECK_EQ(P.ecam_base, 0);
	CHECK(!P.pvpanic);
	CHECK_EQ(P.nmmio, 0);		/* captured without virtio devices */
}

/* firecracker-boot-contract.md §10, HEAD, -smp 2: the IOAPIC entry first,
 * no PCAT_COMPAT, no overrides or NMIs, no _S5, no reset register. */
TEST(firecracker)
{
	load_fixture("firecracker");
	CHECK_EQ(fixture_rsdp, 0xe0000);
	CHECK_EQ(parse(fixture_rsdp), 0);
	CHECK_NO_WARNINGS();
	CHECK_EQ(P.source, PLATFORM_ACPI);
	check_cpus(2);
	CHECK_EQ(P.lapic_addr, 0xfee00000);
	CHECK(!P.pic_present);
	CHECK_EQ(P.nioapics, 1);
	check_ioapic(0, 0, 0xfec00000, 0);
	CHECK_EQ(P.noverrides, 0);
	CHECK_EQ(P.nnmis, 0);
	CHECK(P.hw_reduced);
	check_no_gas(&P.pm1a_cnt);
	check_no_gas(&P.sleep_control);
	check_no_gas(&P.reset_reg);
	CHECK(!P.s5_valid);
	CHECK_EQ(P.ecam_base, 0xeec00000);
	CHECK_EQ(P.ecam_bus_start, 0);
	CHECK_EQ(P.ecam_bus_end, 0);
	CHECK(!P.pvpanic);
	CHECK_EQ(P.nmmio, 0);		/* captured without virtio devices */
}

static void check_mmio(unsigned i, uint64_t base, uint64_t size, uint32_t gsi)
{
	CHECKF(i < P.nmmio, "mmio %u of %u", i, P.nmmio);
	CHECKF(P.mmio[i].base == base, "mmio %u base %#llx", i,
	       (unsigned long long)P.mmio[i].base);
	CHECKF(P.mmio[i].size == size, "mmio %u size %#llx", i,
	       (unsigned long long)P.mmio[i].size);
	CHECKF(P.mmio[i].gsi == gsi, "mmio %u gsi %u", i, P.mmio[i].gsi);
}

/* qemu-test-platform.md §4.2: microvm with ACPI and two virtio-rng-device
 * (slots 23 and 22): one LNRO0005 device per populated transport, a
 * 0x200-byte Memory32Fixed window and an Extended Interrupt at GSI 24 +
 * slot, in DSDT order (the highest slot first). */
TEST(microvm_virtio)
{
	load_fixture("microvm-virtio");
	CHECK_EQ(parse(fixture_rsdp), 0);
	CHECK_NO_WARNINGS();
	CHECK_EQ(P.nioapics, 2);
	CHECK_EQ(P.nmmio, 2);
	check_mmio(0, 0xfeb02e00, 0x200, 47);
	check_mmio(1, 0xfeb02c00, 0x200, 46);
}

/* The Firecracker shim on microvm (acpi=off) with two virtio-rng-device:
 * its DSDT describes the same windows as QEMU's tokens (V007, V006), as
 * firecracker-boot-contract.md §10 has it. */
TEST(firecracker_virtio)
{
	load_fixture("firecracker-virtio");
	CHECK_EQ(parse(fixture_rsdp), 0);
	CHECK_NO_WARNINGS();
	CHECK(P.hw_reduced);
	CHECK_EQ(P.nmmio, 2);
	check_mmio(0, 0xfeb00e00, 0x200, 12);
	check_mmio(1, 0xfeb00c00, 0x200, 11);
}

/* --- the captures, damaged ----------------------------------------------- */

TEST(rsdp_bad_checksum)
{
	load_fixture("q35");
	mem(fixture_rsdp, 20)[9] ^= 0x20;	/* OEM id */
	CHECK_EQ(parse(fixture_rsdp), -1);
	CHECK_WARNED("RSDP at 0xf59e0: bad checksum");
	CHECK_EQ(P.ncpus, 0);
	CHECK(!P.s5_valid);
}

TEST(rsdp_missing)
{
	load_fixture("q35");
	mem(fixture_rsdp, 20)[0] = 'X';
	CHECK_EQ(parse(fixture_rsdp), -1);
	CHECK_WARNED("no 'RSD PTR ' signature");
	CHECK_EQ(parse(0x12345670), -1);
	CHECK_WARNED("RSDP at 0x12345670: cannot be read");
	CHECK_EQ(parse(0), -1);		/* no RSDP: nothing to say */
	CHECK_NO_WARNINGS();
	/* A v1 RSDP 4 bytes before the end of RAM-like memory. */
	CHECK_EQ(parse(fixture_rsdp + 4), -1);
	CHECK_EQ(check_nwarnings, 1);
}

/* The extended checksum fails: the XSDT is not trusted, and microvm has
 * no RSDT. */
TEST(rsdp_bad_extended_checksum)
{
	load_fixture("microvm");
	mem(fixture_rsdp, 36)[33] ^= 1;		/* reserved, outside the v1 checksum */
	CHECK_EQ(parse(fixture_rsdp), -1);
	CHECK_WARNED("RSDP at 0xf3490: bad extended checksum");
	CHECK_WARNED("no usable RSDT or XSDT");
}

TEST(xsdt_bad_checksum)
{
	load_fixture("microvm");
	mem(table_addr("XSDT"), 40)[38] ^= 0x80;	/* an entry's address */
	CHECK_EQ(parse(fixture_rsdp), -1);
	CHECK_WARNED("XSDT at 0xeffb6: bad checksum");
	CHECK_EQ(check_nwarnings, 1);
	CHECK_EQ(P.ncpus, 0);
	CHECK(!P.hw_reduced);
}

/* The MADT is skipped, so acpi_parse fails; the FADT and DSDT were fine. */
TEST(madt_bad_checksum)
{
	load_fixture("q35");
	mem(table_addr("APIC"), 48)[47] = 0x7f;		/* an APIC id */
	CHECK_EQ(parse(fixture_rsdp), -1);
	CHECK_WARNED("APIC at 0x7fe225b: bad checksum");
	CHECK_EQ(check_nwarnings, 1);
	CHECK_EQ(P.ncpus, 0);
	CHECK(P.source != PLATFORM_ACPI);
	check_gas(&P.pm1a_cnt, GAS_SPACE_IO, 16, 0x604);
	CHECK(P.s5_valid);
}

/* Length fields that lie, checksums fixed up so only the length is wrong. */
TEST(madt_length_lies)
{
	uint64_t madt;

	load_fixture("firecracker");
	madt = table_addr("APIC");
	wr32(mem(madt, 8) + 4, 0x1000);		/* past the end of what can be read */
	CHECK_EQ(parse(fixture_rsdp), -1);
	CHECK_WARNED("APIC at 0x9ff06: cannot read its 4096 bytes");

	restore();
	wr32(mem(madt, 8) + 4, 8);
	CHECK_EQ(parse(fixture_rsdp), -1);
	CHECK_WARNED("APIC at 0x9ff06: length 8 is not in [36, 1048576]");

	restore();
	wr32(mem(madt, 8) + 4, 0x80000000u);
	CHECK_EQ(parse(fixture_rsdp), -1);
	CHECK_WARNED("length 2147483648 is not in");

	/* Shorter than it is: the last processor entry is cut in half. */
	restore();
	wr32(mem(madt, 8) + 4, 72 - 4);
	fix_checksum(madt);
	CHECK_EQ(parse(fixture_rsdp), 0);
	CHECK_WARNED("APIC at 0x9ff06: entry at offset 64 (type 0, length 8) runs past the end");
	check_cpus(1);
}

TEST(dsdt_length_lies)
{
	uint64_t dsdt;

	load_fixture("microvm");
	dsdt = table_addr("DSDT");
	wr32(mem(dsdt, 8) + 4, 0x400);		/* the region ends 0x2ea bytes on */
	CHECK_EQ(parse(fixture_rsdp), 0);	/* the MADT is fine */
	CHECK_WARNED("DSDT at 0xefd00: cannot read its 1024 bytes");
	CHECK(!P.s5_valid);
	CHECK_EQ(P.nioapics, 2);

	/* Readable, but then the checksum covers other tables' bytes. */
	restore();
	wr32(mem(dsdt, 8) + 4, 0x200);
	CHECK_EQ(parse(fixture_rsdp), 0);
	CHECK_WARNED("DSDT at 0xefd00: bad checksum");
	CHECK(!P.s5_valid);

	/* Shorter, checksum fixed: the _S5 package at its end is cut off. */
	restore();
	wr32(mem(dsdt, 8) + 4, 336 - 3);
	fix_checksum(dsdt);
	CHECK_EQ(parse(fixture_rsdp), 0);
	CHECK_WARNED("DSDT at 0xefd00: \\_S5 package at offset 328 runs past the table");
	CHECK(!P.s5_valid);
}

/* q35's FADT (244 bytes) claiming revision 5 (268 bytes). */
TEST(fadt_shorter_than_revision)
{
	uint64_t fadt;

	load_fixture("q35");
	fadt = table_addr("FACP");
	mem(fadt, 36)[8] = 5;
	fix_checksum(fadt);
	CHECK_EQ(parse(fixture_rsdp), 0);
	CHECK_WARNED("FACP at 0x7fe2167: revision 5 needs 268 bytes, has 244");
	CHECK_EQ(check_nwarnings, 1);
	check_no_gas(&P.sleep_control);
	check_gas(&P.pm1a_cnt, GAS_SPACE_IO, 16, 0x604);
	check_gas(&P.reset_reg, GAS_SPACE_IO, 8, 0xcf9);
	CHECK(P.s5_valid);
}

/* Seeded random damage to every table of every capture: bytes changed
 * (the length field among them), the checksum made right again most of
 * the time so the damage reaches the parsers. Nothing may crash (ASan,
 * UBSan) and the results must stay within bounds. */
TEST(captures_random_damage)
{
	static const char *const names[] = { "q35", "pc", "microvm", "firecracker",
					     "q35-pvpanic", "microvm-virtio",
					     "firecracker-virtio" };
	uint64_t seed = 1;

	for (unsigned f = 0; f < sizeof(names) / sizeof(names[0]); f++) {
		nregions = 0;
		nftables = 0;
		load_fixture(names[f]);
		for (unsigned iter = 0; iter < 400; iter++) {
			const struct fixture_table *t = &ftables[check_below(&seed, nftables)];
			uint8_t *b = mem(t->addr, t->len);
			unsigned n = 1 + (unsigned)check_below(&seed, 6);
			int r;

			restore();
			for (unsigned i = 0; i < n; i++) {
				uint32_t off = (uint32_t)check_below(&seed, t->len);

				if (check_below(&seed, 8) == 0 && t->len > 8)
					off = 4 + (uint32_t)check_below(&seed, 4);	/* length */
				b[off] = (uint8_t)check_rand(&seed);
			}
			if (strcmp(t->sig, "RSDP") && check_below(&seed, 10) && rd32(b + 4) >= 36 &&
			    fake_read(t->addr, rd32(b + 4)))
				fix_checksum(t->addr);
			r = parse(fixture_rsdp);
			CHECKF(r == 0 || r == -1, "%s iteration %u: %d", names[f], iter, r);
			CHECK_EQ(r == 0, P.source == PLATFORM_ACPI);
			CHECK(P.ncpus <= PLATFORM_MAX_CPUS && P.nioapics <= PLATFORM_MAX_IOAPICS);
			CHECK(P.noverrides <= PLATFORM_MAX_OVERRIDES && P.nnmis <= PLATFORM_MAX_NMIS);
			CHECK(!P.s5_valid || (P.s5_typ_a <= 7 && P.s5_typ_b <= 7));
			CHECK(P.nmmio <= PLATFORM_MAX_MMIO);
		}
	}
}

/* --- hand-built tables --------------------------------------------------- */

#define RSDP_ADDR 0xe0000
#define XSDT_ADDR 0x100000
#define RSDT_ADDR 0x100800
#define MADT_ADDR 0x101000
#define FADT_ADDR 0x102000
#define MCFG_ADDR 0x103000
#define DSDT_ADDR 0x104000
#define SSDT_ADDR 0x105000
#define MADT2_ADDR 0x106000

struct blob {
	uint8_t b[4096];
	uint32_t len;
};

static void put(struct blob *t, const void *p, size_t n)
{
	CHECK(t->len + n <= sizeof(t->b));
	memcpy(t->b + t->len, p, n);
	t->len += (uint32_t)n;
}

static void put8(struct blob *t, uint8_t v)
{
	put(t, &v, 1);
}

static void put16(struct blob *t, uint16_t v)
{
	uint8_t b[2];

	wr16(b, v);
	put(t, b, 2);
}

static void put32(struct blob *t, uint32_t v)
{
	uint8_t b[4];

	wr32(b, v);
	put(t, b, 4);
}

static void put64(struct blob *t, uint64_t v)
{
	uint8_t b[8];

	wr64(b, v);
	put(t, b, 8);
}

/* A System Description Table Header (ACPI 6.5 §5.2.6); seal() fills in
 * the length and checksum. */
static void header(struct blob *t, const char *sig, uint8_t rev)
{
	t->len = 0;
	put(t, sig, 4);
	put32(t, 0);
	put8(t, rev);
	put8(t, 0);
	put(t, "FLINT TESTTABL", 14);	/* OEM id, OEM table id */
	put32(t, 1);
	put(t, "FLNT", 4);
	put32(t, 1);
}

static void seal(struct blob *t)
{
	wr32(t->b + 4, t->len);
	t->b[9] = 0;
	t->b[9] = (uint8_t)-sum8(t->b, t->len);
}

static void gas(struct blob *t, uint8_t space, uint8_t bits, uint64_t addr)
{
	put8(t, space);
	put8(t, bits);
	put8(t, 0);
	put8(t, space == GAS_SPACE_IO ? 2 : 1);
	put64(t, addr);
}

static void madt_lapic(struct blob *t, uint8_t uid, uint8_t id, uint32_t flags)
{
	put8(t, 0);
	put8(t, 8);
	put8(t, uid);
	put8(t, id);
	put32(t, flags);
}

static void madt_x2apic(struct blob *t, uint32_t id, uint32_t uid, uint32_t flags)
{
	put8(t, 9);
	put8(t, 16);
	put16(t, 0);
	put32(t, id);
	put32(t, flags);
	put32(t, uid);
}

static void madt_ioapic(struct blob *t, uint8_t id, uint32_t addr, uint32_t gsi_base)
{
	put8(t, 1);
	put8(t, 12);
	put8(t, id);
	put8(t, 0);
	put32(t, addr);
	put32(t, gsi_base);
}

static void madt_iso(struct blob *t, uint8_t bus, uint8_t irq, uint32_t gsi, uint16_t flags)
{
	put8(t, 2);
	put8(t, 10);
	put8(t, bus);
	put8(t, irq);
	put32(t, gsi);
	put16(t, flags);
}

static void madt_nmi(struct blob *t, uint8_t uid, uint16_t flags, uint8_t lint)
{
	put8(t, 4);
	put8(t, 6);
	put8(t, uid);
	put16(t, flags);
	put8(t, lint);
}

static void madt_x2nmi(struct blob *t, uint32_t uid, uint16_t flags, uint8_t lint)
{
	put8(t, 0xa);
	put8(t, 12);
	put16(t, flags);
	put32(t, uid);
	put8(t, lint);
	put8(t, 0);
	put16(t, 0);
}

static void madt_start(struct blob *t, uint32_t lapic, uint32_t flags)
{
	header(t, "APIC", 5);
	put32(t, lapic);
	put32(t, flags);
}

/* The machine the tests change: two CPUs (APIC ids 0 and 2), one IOAPIC,
 * IRQ0 -> GSI 2, LINT1 NMI; FADT 6 with PM1a 0x604 and reset 0xcf9/6;
 * MCFG; a DSDT with Name (\_S5, Package (2) { 5, 1 }). */
static struct blob madt, fadt, mcfg, dsdt, ssdt, xsdt;

static const uint8_t s5_default[] = { 0x08, '\\', '_', 'S', '5', '_', 0x12, 5, 2, 0x0a, 5, 0x01 };

static void default_madt(void)
{
	madt_start(&madt, 0xfee00000, 1);
	madt_lapic(&madt, 0, 0, 1);
	madt_lapic(&madt, 1, 2, 1);
	madt_ioapic(&madt, 1, 0xfec00000, 0);
	madt_iso(&madt, 0, 0, 2, 0);
	madt_nmi(&madt, 0xff, 0, 1);
}

/* A FADT of len bytes (fields that do not fit are left out), revision rev. */
static void make_fadt(uint8_t rev, uint32_t len, uint32_t flags)
{
	struct blob f = { .len = 0 };

	header(&f, "FACP", rev);
	f.len = 276;
	memset(f.b + 36, 0, 276 - 36);
	wr32(f.b + 40, DSDT_ADDR);
	wr32(f.b + 64, 0x604);
	f.b[89] = 2;
	wr32(f.b + 112, flags);
	f.len = 116;
	gas(&f, GAS_SPACE_IO, 8, 0xcf9);
	put8(&f, 6);				/* RESET_VALUE, offset 128 */
	f.len = 140;
	put64(&f, DSDT_ADDR);			/* X_DSDT */
	f.len = 172;
	gas(&f, GAS_SPACE_IO, 16, 0x604);	/* X_PM1a_CNT_BLK */
	f.len = 244;
	gas(&f, GAS_SPACE_MEMORY, 8, 0xfea00200);	/* SLEEP_CONTROL_REG */
	f.len = len;
	fadt = f;
}

static void default_tables(void)
{
	default_madt();
	make_fadt(6, 276, 1u << 10);
	header(&mcfg, "MCFG", 1);
	put64(&mcfg, 0);
	put64(&mcfg, 0xe0000000);
	put16(&mcfg, 0);
	put8(&mcfg, 0);
	put8(&mcfg, 0x7f);
	put32(&mcfg, 0);
	header(&dsdt, "DSDT", 2);
	put(&dsdt, s5_default, sizeof(s5_default));
	header(&ssdt, "SSDT", 2);
	header(&xsdt, "XSDT", 1);
	put64(&xsdt, MADT_ADDR);
	put64(&xsdt, FADT_ADDR);
	put64(&xsdt, MCFG_ADDR);
}

static void place_rsdp(uint8_t rev, uint32_t rsdt, uint64_t xsdt_addr)
{
	uint8_t r[36] = "RSD PTR ";

	memcpy(r + 9, "FLINT ", 6);
	r[15] = rev;
	wr32(r + 16, rsdt);
	wr32(r + 20, 36);
	wr64(r + 24, xsdt_addr);
	r[8] = (uint8_t)-sum8(r, 20);
	r[32] = (uint8_t)-sum8(r, 36);
	place(RSDP_ADDR, r, rev >= 2 ? 36 : 20);
}

static void place_blob(uint64_t addr, struct blob *t)
{
	seal(t);
	place(addr, t->b, t->len);
}

/* Seals and places the tables (each in its own region), XSDT-rooted. */
static void place_tables(void)
{
	place_rsdp(2, 0, XSDT_ADDR);
	place_blob(XSDT_ADDR, &xsdt);
	place_blob(MADT_ADDR, &madt);
	place_blob(FADT_ADDR, &fadt);
	place_blob(MCFG_ADDR, &mcfg);
	place_blob(DSDT_ADDR, &dsdt);
	if (ssdt.len > 36)
		place_blob(SSDT_ADDR, &ssdt);
}

static void with_dsdt_aml(const void *aml, size_t n)
{
	default_tables();
	header(&dsdt, "DSDT", 2);
	put(&dsdt, aml, n);
	place_tables();
}

TEST(synthetic_machine)
{
	default_tables();
	place_tables();
	CHECK_EQ(parse(RSDP_ADDR), 0);
	CHECK_NO_WARNINGS();
	CHECK_EQ(P.ncpus, 2);
	CHECK_EQ(P.cpu[0].apic_id, 0);
	CHECK(P.cpu[0].bsp);
	CHECK_EQ(P.cpu[1].apic_id, 2);
	CHECK_EQ(P.cpu[1].acpi_uid, 1);
	CHECK(!P.cpu[1].bsp);
	check_ioapic(0, 1, 0xfec00000, 0);
	check_override(0, 0, 2, 0);
	check_nmi(0, 0xffffffff, 1, 0);
	CHECK(!P.hw_reduced);
	check_gas(&P.pm1a_cnt, GAS_SPACE_IO, 16, 0x604);
	check_gas(&P.sleep_control, GAS_SPACE_MEMORY, 8, 0xfea00200);
	check_gas(&P.reset_reg, GAS_SPACE_IO, 8, 0xcf9);
	CHECK_EQ(P.reset_value, 6);
	CHECK(P.s5_valid);
	CHECK_EQ(P.s5_typ_a, 5);
	CHECK_EQ(P.s5_typ_b, 1);
	CHECK_EQ(P.ecam_base, 0xe0000000);
	CHECK_EQ(P.ecam_bus_end, 0x7f);
}

/* Revision 2 with both roots: the XSDT wins; when it is bad, the RSDT. */
TEST(xsdt_preferred_rsdt_fallback)
{
	struct blob rsdt, madt2;

	default_tables();
	madt_start(&madt2, 0xfee00000, 0);
	madt_lapic(&madt2, 7, 7, 1);
	header(&rsdt, "RSDT", 1);
	put32(&rsdt, MADT2_ADDR);
	place_blob(MADT2_ADDR, &madt2);
	place_blob(RSDT_ADDR, &rsdt);
	place_rsdp(2, RSDT_ADDR, XSDT_ADDR);
	place_blob(XSDT_ADDR, &xsdt);
	place_blob(MADT_ADDR, &madt);
	place_blob(FADT_ADDR, &fadt);
	place_blob(MCFG_ADDR, &mcfg);
	place_blob(DSDT_ADDR, &dsdt);

	CHECK_EQ(parse(RSDP_ADDR), 0);
	CHECK_NO_WARNINGS();
	CHECK_EQ(P.ncpus, 2);

	mem(XSDT_ADDR, 40)[37] ^= 1;
	CHECK_EQ(parse(RSDP_ADDR), 0);
	CHECK_WARNED("XSDT at 0x100000: bad checksum");
	CHECK_EQ(P.ncpus, 1);
	CHECK_EQ(P.cpu[0].apic_id, 7);
	CHECK(P.cpu[0].bsp);
}

/* A revision 0 RSDP is 20 bytes: nothing past them may be read. */
TEST(rsdp_v1_rsdt)
{
	struct blob rsdt;

	default_tables();
	header(&rsdt, "RSDT", 1);
	put32(&rsdt, MADT_ADDR);
	put32(&rsdt, FADT_ADDR);
	place_rsdp(0, RSDT_ADDR, 0);
	place_blob(RSDT_ADDR, &rsdt);
	place_blob(MADT_ADDR, &madt);
	place_blob(FADT_ADDR, &fadt);
	place_blob(DSDT_ADDR, &dsdt);
	CHECK_EQ(parse(RSDP_ADDR), 0);
	CHECK_NO_WARNINGS();
	CHECK_EQ(P.ncpus, 2);
	CHECK(P.s5_valid);
}

/* Root entries that are 0, unreadable, or a partial last entry; a second
 * MADT is ignored. */
TEST(root_entries_damaged)
{
	default_tables();
	header(&xsdt, "XSDT", 1);
	put64(&xsdt, 0);
	put64(&xsdt, 0xdead0000);
	put64(&xsdt, MADT_ADDR);
	put64(&xsdt, MADT2_ADDR);
	put32(&xsdt, FADT_ADDR);	/* half an entry */
	place_tables();
	{
		struct blob m2;

		madt_start(&m2, 0xfee00000, 0);
		madt_lapic(&m2, 9, 9, 1);
		place_blob(MADT2_ADDR, &m2);
	}
	CHECK_EQ(parse(RSDP_ADDR), 0);
	CHECK_WARNED("XSDT at 0x100000: length 72 leaves a partial entry");
	CHECK_WARNED("XSDT at 0x100000: entry 0 is 0");
	CHECK_WARNED("XSDT at 0x100000: entry 1 (0xdead0000) cannot be read");
	CHECK_EQ(check_nwarnings, 3);
	CHECK_EQ(P.ncpus, 2);		/* the first MADT */
	CHECK(!P.s5_valid);		/* no FADT, so no DSDT */
}

TEST(madt_too_short)
{
	default_tables();
	header(&madt, "APIC", 5);
	put32(&madt, 0xfee00000);	/* no flags */
	place_tables();
	CHECK_EQ(parse(RSDP_ADDR), -1);
	CHECK_WARNED("APIC at 0x101000: 40 bytes, shorter than its 44-byte header");
}

TEST(madt_without_enabled_cpus)
{
	default_tables();
	madt_start(&madt, 0xfee00000, 1);
	madt_lapic(&madt, 0, 0, 2);	/* online capable only */
	madt_x2apic(&madt, 1, 1, 0);
	madt_ioapic(&madt, 0, 0xfec00000, 0);
	place_tables();
	CHECK_EQ(parse(RSDP_ADDR), -1);
	CHECK_WARNED("APIC at 0x101000: no enabled processor; not used");
	CHECK_EQ(check_nwarnings, 1);
	CHECK(P.source != PLATFORM_ACPI);
}

TEST(madt_entry_length_zero)
{
	default_tables();
	madt_start(&madt, 0xfee00000, 1);
	madt_lapic(&madt, 0, 0, 1);
	put8(&madt, 1);
	put8(&madt, 0);			/* length 0: the walk cannot go on */
	madt_lapic(&madt, 1, 1, 1);
	place_tables();
	CHECK_EQ(parse(RSDP_ADDR), 0);
	CHECK_WARNED("APIC at 0x101000: entry at offset 52 (type 1, length 0) runs past the end");
	CHECK_EQ(P.ncpus, 1);
	CHECK_EQ(P.nioapics, 0);
}

TEST(madt_entry_past_end)
{
	default_tables();
	madt_start(&madt, 0xfee00000, 1);
	madt_lapic(&madt, 0, 0, 1);
	madt_ioapic(&madt, 0, 0xfec00000, 0);
	madt.len -= 6;			/* the IOAPIC entry still says 12 */
	place_tables();
	CHECK_EQ(parse(RSDP_ADDR), 0);
	CHECK_WARNED("entry at offset 52 (type 1, length 12) runs past the end (58 bytes)");
	CHECK_EQ(P.nioapics, 0);

	/* One byte left: not even an entry header. */
	nregions = 0;
	default_tables();
	madt_start(&madt, 0xfee00000, 1);
	madt_lapic(&madt, 0, 0, 1);
	put8(&madt, 0);
	place_tables();
	CHECK_EQ(parse(RSDP_ADDR), 0);
	CHECK_WARNED("entry at offset 52 (type 0, length 0) runs past the end (53 bytes)");
	CHECK_EQ(P.ncpus, 1);
}

/* An entry shorter than its type's layout is skipped; the walk goes on. */
TEST(madt_entry_too_short_for_type)
{
	default_tables();
	madt_start(&madt, 0xfee00000, 1);
	put8(&madt, 1);
	put8(&madt, 8);
	put32(&madt, 0);
	put16(&madt, 0xfec0);
	madt_lapic(&madt, 0, 0, 1);
	put8(&madt, 0x42);		/* unknown type: skipped by its length */
	put8(&madt, 3);
	put8(&madt, 0);
	madt_ioapic(&madt, 0, 0xfec00000, 0);
	place_tables();
	CHECK_EQ(parse(RSDP_ADDR), 0);
	CHECK_WARNED("type 1 entry at offset 44 has length 8 < 12; ignored");
	CHECK_EQ(check_nwarnings, 1);
	CHECK_EQ(P.ncpus, 1);
	CHECK_EQ(P.nioapics, 1);
}

/* More entries than the arrays hold: capped, one warning each. */
TEST(madt_counts_lie)
{
	default_tables();
	madt_start(&madt, 0xfee00000, 1);
	for (unsigned i = 0; i < 70; i++)
		madt_lapic(&madt, (uint8_t)i, (uint8_t)i, 1);
	madt_x2apic(&madt, 0x1000, 0x1000, 1);
	for (unsigned i = 0; i < 10; i++)
		madt_ioapic(&madt, (uint8_t)i, 0xfec00000 + 0x1000 * i, 24 * i);
	for (unsigned i = 0; i < 30; i++)
		madt_iso(&madt, 0, (uint8_t)(i & 15), i, 0);
	for (unsigned i = 0; i < 10; i++)
		madt_nmi(&madt, (uint8_t)i, 0, 1);
	place_tables();
	CHECK_EQ(parse(RSDP_ADDR), 0);
	CHECK_EQ(P.ncpus, PLATFORM_MAX_CPUS);
	CHECK_EQ(P.cpu[63].apic_id, 63);
	CHECK_EQ(P.nioapics, PLATFORM_MAX_IOAPICS);
	CHECK_EQ(P.noverrides, PLATFORM_MAX_OVERRIDES);
	CHECK_EQ(P.nnmis, PLATFORM_MAX_NMIS);
	CHECK_WARNED("APIC at 0x101000: 7 enabled processors beyond 64 ignored");
	CHECK_WARNED("2 IOAPICs beyond 8 ignored");
	CHECK_WARNED("6 interrupt overrides beyond 24 ignored");
	CHECK_WARNED("2 NMI entries beyond 8 ignored");
	CHECK_EQ(check_nwarnings, 4);
}

/* x2APIC processors, hot-plug slots, NMIs before the processors they
 * name, the 64-bit LAPIC address, and entries that are wrong. */
TEST(madt_x2apic_nmi_and_oddities)
{
	default_tables();
	madt_start(&madt, 0xfee00000, 1);
	madt_nmi(&madt, 0, INTI_POLARITY_HIGH | INTI_TRIGGER_EDGE, 1);
	madt_x2nmi(&madt, 0x100, 0, 0);
	madt_x2nmi(&madt, 0xffffffff, 0, 1);
	madt_nmi(&madt, 2, 0, 1);	/* an online-capable slot: dropped quietly */
	madt_nmi(&madt, 9, 0, 1);	/* no such processor */
	madt_nmi(&madt, 0xff, 0, 3);	/* no LINT3 */
	madt_lapic(&madt, 0, 0, 1);
	madt_x2apic(&madt, 0x100, 0x100, 1);
	madt_lapic(&madt, 2, 2, 2);	/* online capable, not enabled */
	madt_lapic(&madt, 3, 3, 0);	/* absent */
	madt_x2apic(&madt, 0x200, 0x200, 2);
	madt_lapic(&madt, 4, 0xff, 1);	/* the broadcast id */
	madt_lapic(&madt, 5, 0, 1);	/* APIC id 0 again */
	madt_iso(&madt, 1, 3, 3, 0);	/* not ISA */
	put8(&madt, 5);
	put8(&madt, 12);
	put16(&madt, 0);
	put64(&madt, 0x1fee00000ull);
	put8(&madt, 3);			/* NMI source: read, not kept */
	put8(&madt, 8);
	put16(&madt, 0);
	put32(&madt, 7);
	place_tables();
	CHECK_EQ(parse(RSDP_ADDR), 0);
	CHECK_EQ(P.lapic_addr, 0x1fee00000ull);
	CHECK_EQ(P.ncpus, 2);
	CHECK_EQ(P.cpu[0].apic_id, 0);
	CHECK(P.cpu[0].bsp);
	CHECK_EQ(P.cpu[1].apic_id, 0x100);
	CHECK_EQ(P.cpu[1].acpi_uid, 0x100);
	CHECK(!P.cpu[1].bsp);
	CHECK_EQ(P.nnmis, 3);
	check_nmi(0, 0, 1, INTI_POLARITY_HIGH | INTI_TRIGGER_EDGE);
	check_nmi(1, 0x100, 0, 0);
	check_nmi(2, 0xffffffff, 1, 0);
	CHECK_EQ(P.noverrides, 0);
	CHECK_WARNED("NMI for unknown processor UID 9 ignored");
	CHECK_WARNED("NMI on LINT3 ignored");
	CHECK_WARNED("processor UID 4 has APIC id 0xff; ignored");
	CHECK_WARNED("APIC id 0 listed twice; second ignored");
	CHECK_WARNED("interrupt override for bus 1 (not ISA) ignored");
	CHECK_EQ(check_nwarnings, 5);
}

/* FADTs shorter than their revision: fields past the end are not read. */
TEST(fadt_short)
{
	default_tables();
	make_fadt(5, 244, 1u << 10);
	place_tables();
	CHECK_EQ(parse(RSDP_ADDR), 0);
	CHECK_WARNED("FACP at 0x102000: revision 5 needs 268 bytes, has 244");
	check_no_gas(&P.sleep_control);
	check_gas(&P.pm1a_cnt, GAS_SPACE_IO, 16, 0x604);
	check_gas(&P.reset_reg, GAS_SPACE_IO, 8, 0xcf9);
	CHECK(P.s5_valid);

	/* Revision 1 cut before its flags: PM1a and the DSDT still fit. */
	nregions = 0;
	default_tables();
	make_fadt(1, 100, 1u << 20);
	place_tables();
	CHECK_EQ(parse(RSDP_ADDR), 0);
	CHECK_WARNED("FACP at 0x102000: revision 1 needs 116 bytes, has 100");
	CHECK(!P.hw_reduced);
	check_gas(&P.pm1a_cnt, GAS_SPACE_IO, 16, 0x604);
	check_no_gas(&P.reset_reg);
	CHECK(P.s5_valid);

	/* Just a header. */
	nregions = 0;
	default_tables();
	make_fadt(3, 36, 0);
	place_tables();
	CHECK_EQ(parse(RSDP_ADDR), 0);
	CHECK_WARNED("revision 3 needs 244 bytes, has 36");
	check_no_gas(&P.pm1a_cnt);
	CHECK(!P.s5_valid);
}

TEST(fadt_fields)
{
	/* HW-reduced: PM1 blocks ignored even when filled in. */
	default_tables();
	make_fadt(6, 276, 1u << 20);
	place_tables();
	CHECK_EQ(parse(RSDP_ADDR), 0);
	CHECK_NO_WARNINGS();
	CHECK(P.hw_reduced);
	check_no_gas(&P.pm1a_cnt);
	check_no_gas(&P.reset_reg);	/* RESET_REG_SUP clear */
	CHECK_EQ(P.reset_value, 0);
	check_gas(&P.sleep_control, GAS_SPACE_MEMORY, 8, 0xfea00200);

	/* X_DSDT 0: the 32-bit DSDT; X_PM1a 0: the I/O port; reset in PCI
	 * configuration space: not usable. */
	nregions = 0;
	default_tables();
	make_fadt(6, 276, 1u << 10);
	memset(fadt.b + 140, 0, 8);
	memset(fadt.b + 172, 0, 12);
	fadt.b[89] = 4;
	fadt.b[116] = 2;
	place_tables();
	CHECK_EQ(parse(RSDP_ADDR), 0);
	CHECK_WARNED("FACP at 0x102000: RESET_REG in address space 2 ignored");
	CHECK_EQ(check_nwarnings, 1);
	check_gas(&P.pm1a_cnt, GAS_SPACE_IO, 32, 0x604);
	check_no_gas(&P.reset_reg);
	CHECK(P.s5_valid);
}

TEST(mcfg)
{
	default_tables();
	header(&mcfg, "MCFG", 1);
	put64(&mcfg, 0);
	put64(&mcfg, 0xc0000000);	/* segment 1 */
	put16(&mcfg, 1);
	put16(&mcfg, 0xff00);
	put32(&mcfg, 0);
	put64(&mcfg, 0xd0000000);	/* buses 9-8 */
	put16(&mcfg, 0);
	put8(&mcfg, 9);
	put8(&mcfg, 8);
	put32(&mcfg, 0);
	put64(&mcfg, 0xe0000000);
	put16(&mcfg, 0);
	put8(&mcfg, 0x10);
	put8(&mcfg, 0x1f);
	put32(&mcfg, 0);
	put(&mcfg, "junk", 4);
	place_tables();
	CHECK_EQ(parse(RSDP_ADDR), 0);
	CHECK_WARNED("MCFG at 0x103000: length 96 is not 44 + 16 * n");
	CHECK_WARNED("segment 0 entry with base 0xd0000000, buses 9-8 ignored");
	CHECK_EQ(P.ecam_base, 0xe0000000);
	CHECK_EQ(P.ecam_bus_start, 0x10);
	CHECK_EQ(P.ecam_bus_end, 0x1f);
}

/* --- the AML scan --------------------------------------------------------- */

#define S5 '_', 'S', '5', '_'

static void check_s5(uint8_t a, uint8_t b)
{
	CHECK(P.s5_valid);
	CHECK_EQ(P.s5_typ_a, a);
	CHECK_EQ(P.s5_typ_b, b);
}

TEST(s5_forms)
{
	/* \_S5 with one element: SLP_TYPb = SLP_TYPa. */
	static const uint8_t one[] = { 0x08, '\\', S5, 0x12, 4, 1, 0x0a, 7 };
	/* ^_S5, Word and DWord constants. */
	static const uint8_t parent[] = { 0x08, '^', S5, 0x12, 10, 2, 0x0b, 3, 0, 0x0c, 4, 0, 0, 0 };
	/* QWord, One. */
	static const uint8_t qword[] = { 0x08, S5, 0x12, 12, 2, 0x0e, 6, 0, 0, 0, 0, 0, 0, 0,
					 0x01 };
	/* A reference first (Store (_S5_, Local0)), then Name (_S5, 5), then
	 * the package. */
	static const uint8_t refs[] = { 0x70, S5, 0x60, 0x08, S5, 0x0a, 5,
					0x08, S5, 0x12, 4, 2, 0x00, 0x01 };
	uint8_t big[80] = { 0x08, S5, 0x12, 0x40 | 6, 4, 64, 0x0b, 2, 0, 0x0a, 3 };

	with_dsdt_aml(one, sizeof(one));
	CHECK_EQ(parse(RSDP_ADDR), 0);
	CHECK_NO_WARNINGS();
	check_s5(7, 7);

	nregions = 0;
	with_dsdt_aml(parent, sizeof(parent));
	CHECK_EQ(parse(RSDP_ADDR), 0);
	CHECK_NO_WARNINGS();
	check_s5(3, 4);

	nregions = 0;
	with_dsdt_aml(qword, sizeof(qword));
	CHECK_EQ(parse(RSDP_ADDR), 0);
	CHECK_NO_WARNINGS();
	check_s5(6, 1);

	nregions = 0;
	with_dsdt_aml(refs, sizeof(refs));
	CHECK_EQ(parse(RSDP_ADDR), 0);
	CHECK_NO_WARNINGS();
	check_s5(0, 1);

	/* A two-byte PkgLength (70 bytes: 64 elements, all but two Zero). */
	nregions = 0;
	with_dsdt_aml(big, 6 + 70);
	CHECK_EQ(parse(RSDP_ADDR), 0);
	CHECK_NO_WARNINGS();
	check_s5(2, 3);
}

TEST(s5_damaged)
{
	static const struct {
		const char *what;
		uint8_t aml[16];
		size_t n;
		const char *warning;
	} cases[] = {
		{ "cut mid-package", { 0x08, S5, 0x12, 10, 4, 0x0a, 5 }, 10,
		  "\\_S5 package at offset 41 runs past the table" },
		{ "one element inside", { 0x08, S5, 0x12, 4, 2, 0x0a, 5, 0x0a, 3 }, 12,
		  "\\_S5 SLP_TYPb at offset 46 is not an integer constant inside the package" },
		{ "word cut by the package", { 0x08, S5, 0x12, 4, 1, 0x0b, 5, 0 }, 11,
		  "\\_S5 SLP_TYPa at offset 44 is not an integer" },
		{ "word cut by the table", { 0x08, S5, 0x12, 5, 1, 0x0b, 5 }, 10,
		  "\\_S5 package at offset 41 runs past the table" },
		{ "too big", { 0x08, S5, 0x12, 5, 1, 0x0b, 0x34, 0x12 }, 11,
		  "\\_S5 SLP_TYPa is 0x1234, more than SLP_TYP's 3 bits" },
		{ "Ones", { 0x08, S5, 0x12, 3, 1, 0xff }, 9, "is 0xffffffffffffffff" },
		{ "empty", { 0x08, S5, 0x12, 2, 0 }, 8, "\\_S5 package is empty" },
		{ "no NumElements", { 0x08, S5, 0x12, 1 }, 7, "runs past the table" },
		{ "PkgLength reserved bits", { 0x08, S5, 0x12, 0x70, 0, 1, 0x0a, 5 }, 11,
		  "runs past the table" },
		{ "PkgLength shorter than itself", { 0x08, S5, 0x12, 0x80, 0, 0, 1, 0x0a, 5 }, 12,
		  "runs past the table" },
		{ "PkgLength cut", { 0x08, S5, 0x12, 0xc0, 0 }, 8, "runs past the table" },
		{ "a name, not a number", { 0x08, S5, 0x12, 6, 1, 'A', 'B', 'C', 'D' }, 12,
		  "SLP_TYPa at offset 44 is not an integer constant" },
	};

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		nregions = 0;
		with_dsdt_aml(cases[i].aml, cases[i].n);
		CHECKF(parse(RSDP_ADDR) == 0, "%s", cases[i].what);
		CHECKF(!P.s5_valid, "%s", cases[i].what);
		CHECKF(strstr(check_warnings, cases[i].warning), "%s: no '%s' in: %s", cases[i].what,
		       cases[i].warning, check_warnings);
		CHECKF(check_nwarnings == 1, "%s: %s", cases[i].what, check_warnings);
	}

	/* Names with nothing after them, at the very end: not found, quietly. */
	static const uint8_t tail[][6] = { { 0x08, S5 }, { 0x08, '\\', S5 } };
	for (unsigned i = 0; i < 2; i++) {
		nregions = 0;
		with_dsdt_aml(tail[i], 5 + i);
		CHECK_EQ(parse(RSDP_ADDR), 0);
		CHECK_NO_WARNINGS();
		CHECK(!P.s5_valid);
	}
}

/* The DSDT has none; an SSDT does. */
TEST(s5_in_ssdt)
{
	default_tables();
	header(&dsdt, "DSDT", 2);
	put(&ssdt, s5_default, sizeof(s5_default));
	put64(&xsdt, SSDT_ADDR);
	place_tables();
	CHECK_EQ(parse(RSDP_ADDR), 0);
	CHECK_NO_WARNINGS();
	check_s5(5, 1);
}

/* Device (<name>) { Name (_HID, "<hid>") Name (_CRS, ...) } with the
 * resource template given (no _CRS unless crs); the PkgLengths are
 * computed. hid is an 8-character id. */
static void place_device(struct blob *t, const char *name, const char *hid,
			 const uint8_t *res, size_t nres, bool crs)
{
	size_t body = 4 + 15 + (crs ? 5 + 1 + 1 + 2 + nres : 0);

	CHECK(body + 1 < 64 && nres < 60);
	put8(t, 0x5b);
	put8(t, 0x82);
	put8(t, (uint8_t)(body + 1));
	put(t, name, 4);
	put(t, "\x08_HID\x0d", 6);
	put(t, hid, 9);			/* the string and its NUL */
	if (!crs)
		return;
	put(t, "\x08_CRS", 5);
	put8(t, 0x11);
	put8(t, (uint8_t)(1 + 2 + nres));
	put8(t, 0x0a);
	put8(t, (uint8_t)nres);
	put(t, res, nres);
}

/* QEMU's pvpanic device. */
static void place_pvpanic(struct blob *t, const uint8_t *res, size_t nres, bool crs)
{
	place_device(t, "PEVT", "QEMU0001", res, nres, crs);
}

TEST(pvpanic)
{
	static const uint8_t io[] = { 0x47, 1, 0x34, 0x05, 0x34, 0x05, 1, 1, 0x79, 0 };
	static const uint8_t fixed_io[] = { 0x4b, 0x21, 0xfd, 1, 0x79, 0 };	/* 10-bit decode */
	/* Memory32Fixed (large, 9 bytes) before the IO descriptor. */
	static const uint8_t large_first[] = { 0x86, 9, 0, 1, 0, 0, 0, 0xfe, 0, 0x10, 0, 0,
					       0x47, 1, 0x10, 0x06, 0x10, 0x06, 1, 1, 0x79, 0 };
	static const uint8_t no_io[] = { 0x22, 0x10, 0x00, 0x79, 0 };	/* IRQ 4 only */
	static const uint8_t cut[] = { 0x86, 40, 0, 1 };	/* a large item running off */

	default_tables();
	place_pvpanic(&dsdt, io, sizeof(io), true);
	place_tables();
	CHECK_EQ(parse(RSDP_ADDR), 0);
	CHECK_NO_WARNINGS();
	CHECK(P.pvpanic);
	CHECK_EQ(P.pvpanic_port, 0x534);
	check_s5(5, 1);

	struct {
		const uint8_t *res;
		size_t n;
		bool crs;
		uint16_t port;
	} cases[] = {
		{ fixed_io, sizeof(fixed_io), true, 0x121 },
		{ large_first, sizeof(large_first), true, 0x610 },
		{ no_io, sizeof(no_io), true, 0x505 },
		{ cut, sizeof(cut), true, 0x505 },
		{ NULL, 0, false, 0x505 },
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		nregions = 0;
		default_tables();
		place_pvpanic(&dsdt, cases[i].res, cases[i].n, cases[i].crs);
		place_tables();
		CHECK_EQ(parse(RSDP_ADDR), 0);
		CHECK_NO_WARNINGS();
		CHECKF(P.pvpanic, "case %u", i);
		CHECKF(P.pvpanic_port == cases[i].port, "case %u: port %#x", i, P.pvpanic_port);
	}
}

TEST(pvpanic_edges)
{
	static const uint8_t io[] = { 0x47, 1, 0x34, 0x05, 0x34, 0x05, 1, 1, 0x79, 0 };
	/* A _HID outside any Device: the default port. */
	static const uint8_t bare[] = { 0x08, '_', 'H', 'I', 'D', 0x0d, 'Q', 'E', 'M', 'U',
					'0', '0', '0', '1', 0 };
	/* Another id, and the string cut by the end of the table. */
	static const uint8_t other[] = { 0x08, '_', 'H', 'I', 'D', 0x0d, 'Q', 'E', 'M', 'U',
					 '0', '0', '0', '2', 0 };
	static const uint8_t cut[] = { 0x08, '_', 'H', 'I', 'D', 0x0d, 'Q', 'E', 'M', 'U',
				       '0', '0', '0', '1' };
	struct blob t;
	uint32_t dev;

	with_dsdt_aml(bare, sizeof(bare));
	CHECK_EQ(parse(RSDP_ADDR), 0);
	CHECK(P.pvpanic);
	CHECK_EQ(P.pvpanic_port, 0x505);

	nregions = 0;
	with_dsdt_aml(other, sizeof(other));
	CHECK_EQ(parse(RSDP_ADDR), 0);
	CHECK(!P.pvpanic);

	nregions = 0;
	with_dsdt_aml(cut, sizeof(cut));
	CHECK_EQ(parse(RSDP_ADDR), 0);
	CHECK(!P.pvpanic);
	CHECK_NO_WARNINGS();

	/* In an SSDT; the _CRS's BufferSize says more than the buffer holds. */
	nregions = 0;
	default_tables();
	place_pvpanic(&ssdt, io, sizeof(io), true);
	ssdt.b[ssdt.len - sizeof(io) - 1] = 200;
	put64(&xsdt, SSDT_ADDR);
	place_tables();
	CHECK_EQ(parse(RSDP_ADDR), 0);
	CHECK_NO_WARNINGS();
	CHECK(P.pvpanic);
	CHECK_EQ(P.pvpanic_port, 0x534);

	/* BufferSize 4 cuts the IO descriptor: nothing past it is read. */
	nregions = 0;
	default_tables();
	place_pvpanic(&dsdt, io, sizeof(io), true);
	dsdt.b[dsdt.len - sizeof(io) - 1] = 4;
	place_tables();
	CHECK_EQ(parse(RSDP_ADDR), 0);
	CHECK(P.pvpanic);
	CHECK_EQ(P.pvpanic_port, 0x505);

	/* An empty Device just before the _HID is not the one holding it. */
	nregions = 0;
	default_tables();
	t.len = 0;
	place_pvpanic(&t, io, sizeof(io), true);
	dev = dsdt.len;
	put(&dsdt, t.b, 7);			/* 5B 82 PkgLength "PEVT" */
	put(&dsdt, "\x5b\x82\x05" "ABCD", 7);	/* Device (ABCD) {} */
	put(&dsdt, t.b + 7, t.len - 7);
	dsdt.b[dev + 2] += 7;
	place_tables();
	CHECK_EQ(parse(RSDP_ADDR), 0);
	CHECK_NO_WARNINGS();
	CHECK(P.pvpanic);
	CHECK_EQ(P.pvpanic_port, 0x534);

	/* The Device's PkgLength runs past the table: the default port. */
	nregions = 0;
	default_tables();
	t.len = 0;
	place_pvpanic(&t, io, sizeof(io), true);
	t.b[2] = 0x3f;
	put(&dsdt, t.b, t.len);
	place_tables();
	CHECK_EQ(parse(RSDP_ADDR), 0);
	CHECK(P.pvpanic);
	CHECK_EQ(P.pvpanic_port, 0x505);
}

/* Random damage to the hand-built machine, the pvpanic device included. */
TEST(synthetic_random_damage)
{
	static const uint8_t io[] = { 0x47, 1, 0x34, 0x05, 0x34, 0x05, 1, 1, 0x79, 0 };
	static const uint64_t addrs[] = { XSDT_ADDR, MADT_ADDR, FADT_ADDR, MCFG_ADDR,
					  DSDT_ADDR, SSDT_ADDR };
	uint64_t seed = 7;

	default_tables();
	madt_x2apic(&madt, 0x100, 0x100, 1);
	madt_x2nmi(&madt, 0x100, 0, 0);
	madt_nmi(&madt, 1, 0, 1);
	put(&dsdt, s5_default, sizeof(s5_default));
	place_pvpanic(&dsdt, io, sizeof(io), true);
	place_pvpanic(&ssdt, io, sizeof(io), true);
	put64(&xsdt, SSDT_ADDR);
	place_tables();
	for (unsigned iter = 0; iter < 3000; iter++) {
		uint64_t addr = addrs[check_below(&seed, 6)];
		uint32_t len;
		uint8_t *b;
		unsigned n = 1 + (unsigned)check_below(&seed, 4);
		int r;

		restore();
		len = rd32(mem(addr, 36) + 4);
		b = mem(addr, len);
		for (unsigned i = 0; i < n; i++)
			b[36 + check_below(&seed, len - 36)] = (uint8_t)check_rand(&seed);
		if (check_below(&seed, 10) == 0)
			wr32(b + 4, (uint32_t)check_below(&seed, len + 16));
		if (rd32(b + 4) >= 36 && fake_read(addr, rd32(b + 4)))
			fix_checksum(addr);
		r = parse(RSDP_ADDR);
		CHECK_EQ(r == 0, P.source == PLATFORM_ACPI);
		CHECK(P.ncpus <= PLATFORM_MAX_CPUS && P.nnmis <= PLATFORM_MAX_NMIS);
	}
}

/* --- platform_defaults ---------------------------------------------------- */

TEST(defaults)
{
	memset(&P, 0xa5, sizeof(P));
	platform_defaults(&P, 3);
	CHECK_EQ(P.source, PLATFORM_DEFAULTS);
	CHECK_EQ(P.ncpus, 1);
	CHECK_EQ(P.cpu[0].apic_id, 3);
	CHECK(P.cpu[0].bsp);
	CHECK_EQ(P.lapic_addr, PLATFORM_LAPIC_DEFAULT);
	CHECK(P.pic_present);
	CHECK_EQ(P.nioapics, 1);
	check_ioapic(0, 0, PLATFORM_IOAPIC_DEFAULT, 0);
	CHECK_EQ(P.noverrides, 1);
	check_override(0, 0, 2, INTI_POLARITY_HIGH | INTI_TRIGGER_EDGE);
	CHECK_EQ(P.nnmis, 0);
	CHECK(!P.hw_reduced && !P.s5_valid && !P.pvpanic);
	CHECK_EQ(P.ecam_base, 0);
	check_no_gas(&P.pm1a_cnt);
	check_no_gas(&P.reset_reg);
}

/* A virtio-mmio device (no _CRS when res is NULL). */
static void place_mmio(struct blob *t, const uint8_t *res, size_t nres)
{
	place_device(t, "VIRT", "LNRO0005", res, nres, res != NULL);
}

/* Memory32Fixed 0xd0000000 + 0x1000, then the interrupt descriptor. */
#define MEM32(...) 0x86, 9, 0, 1, 0, 0, 0, 0xd0, 0, 0x10, 0, 0, __VA_ARGS__, 0x79, 0

TEST(virtio_mmio_devices)
{
	static const uint8_t ext_irq[] = { MEM32(0x89, 6, 0, 1, 1, 40, 0, 0, 0) };
	static const uint8_t small_irq[] = { MEM32(0x22, 0x20, 0x00) };	/* IRQ 5 */
	/* The interrupt first, and a second one (IRQ 5) that is ignored. */
	static const uint8_t irq_first[] = { 0x89, 6, 0, 1, 1, 9, 0, 0, 0,
					     MEM32(0x22, 0x20, 0x00) };

	default_tables();
	place_mmio(&dsdt, ext_irq, sizeof(ext_irq));
	place_mmio(&dsdt, small_irq, sizeof(small_irq));
	place_mmio(&ssdt, irq_first, sizeof(irq_first));
	put64(&xsdt, SSDT_ADDR);
	place_tables();
	CHECK_EQ(parse(RSDP_ADDR), 0);
	CHECK_NO_WARNINGS();
	CHECK_EQ(P.nmmio, 3);
	check_mmio(0, 0xd0000000, 0x1000, 40);
	check_mmio(1, 0xd0000000, 0x1000, 5);
	check_mmio(2, 0xd0000000, 0x1000, 9);
	check_s5(5, 1);
}

/* Damaged _CRS: each device is reported and skipped, the next still read. */
TEST(virtio_mmio_damaged)
{
	static const uint8_t good[] = { MEM32(0x89, 6, 0, 1, 1, 40, 0, 0, 0) };
	static const uint8_t cut[] = { 0x86, 9, 0, 1, 0, 0 };	/* runs off the buffer */
	static const uint8_t mem_len[] = { 0x86, 8, 0, 1, 0, 0, 0, 0xd0, 0, 0x10, 0, 0x79, 0 };
	static const uint8_t ext_empty[] = { MEM32(0x89, 6, 0, 1, 0, 40, 0, 0, 0) };
	static const uint8_t ext_short[] = { MEM32(0x89, 6, 0, 1, 2, 40, 0, 0, 0) };
	static const uint8_t ext_tiny[] = { MEM32(0x89, 2, 0, 1, 1) };
	static const uint8_t irq_none[] = { MEM32(0x22, 0, 0) };
	static const uint8_t no_irq[] = { MEM32(0x47, 1, 0x34, 0x05, 0x34, 0x05, 1, 1) };
	static const uint8_t no_mem[] = { 0x89, 6, 0, 1, 1, 40, 0, 0, 0, 0x79, 0 };
	static const uint8_t empty[] = { 0x86, 9, 0, 1, 0, 0, 0, 0xd0, 0, 0, 0, 0,
					 0x22, 0x20, 0x00, 0x79, 0 };
	struct {
		const uint8_t *res;
		size_t n;
		const char *warning;
	} cases[] = {
		{ cut, sizeof(cut), "_CRS descriptor 0x86 at offset" },
		{ mem_len, sizeof(mem_len), "Memory32Fixed length 8 is not 9" },
		{ ext_empty, sizeof(ext_empty), "Extended Interrupt length 6 holds no 1 " },
		{ ext_short, sizeof(ext_short), "Extended Interrupt length 6 holds no 2 " },
		{ ext_tiny, sizeof(ext_tiny), "Extended Interrupt length 2 holds no 1 " },
		{ irq_none, sizeof(irq_none), "IRQ descriptor names no IRQ" },
		{ no_irq, sizeof(no_irq), "_CRS has no interrupt" },
		{ no_mem, sizeof(no_mem), "_CRS has no Memory32Fixed" },
		{ empty, sizeof(empty), "_CRS has an empty window" },
		{ NULL, 0, "no readable _CRS buffer" },
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		nregions = 0;
		default_tables();
		place_mmio(&dsdt, cases[i].res, cases[i].n);
		place_mmio(&dsdt, good, sizeof(good));
		place_tables();
		CHECK_EQ(parse(RSDP_ADDR), 0);
		CHECKF(check_nwarnings == 1, "case %u: %s", i, check_warnings);
		CHECK_WARNED(cases[i].warning);
		CHECK_WARNED("LNRO0005 at offset");
		CHECKF(P.nmmio == 1, "case %u: %u devices", i, P.nmmio);
		check_mmio(0, 0xd0000000, 0x1000, 40);
	}
}

/* More than PLATFORM_MAX_MMIO: the first ones kept, one warning. */
TEST(virtio_mmio_too_many)
{
	static const uint8_t res[] = { MEM32(0x22, 0x20, 0x00) };

	default_tables();
	for (unsigned i = 0; i < PLATFORM_MAX_MMIO + 2; i++)
		place_mmio(i < PLATFORM_MAX_MMIO / 2 ? &dsdt : &ssdt, res, sizeof(res));
	put64(&xsdt, SSDT_ADDR);
	place_tables();
	CHECK_EQ(parse(RSDP_ADDR), 0);
	CHECKF(check_nwarnings == 1, "%s", check_warnings);
	CHECK_WARNED("more than 32 LNRO0005 devices; rest ignored");
	CHECK_EQ(P.nmmio, PLATFORM_MAX_MMIO);
}

int main(void)
{
	return check_run();
}
