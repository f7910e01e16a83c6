/* drivers/mptable.c: the MP tables QEMU 7.2's firmware (SeaBIOS on q35 and
 * pc, qboot on microvm) and the Firecracker shim really write, captured by
 * fixtures/mptable/capture.sh and read from MPTABLE_FIXTURE_DIR at run
 * time; then damaged and hand-made tables. Physical memory is a fake
 * 1 MiB; every range the parser reads is handed out as an exactly sized
 * copy, so ASan reports any byte read past what was asked for. */
#include <flint/platform.h>

#include "check.h"

#define MEM_SIZE 0x100000
#define QBOOT_FP 0x9fc00		/* qboot's and Firecracker's floating pointer */
#define QBOOT_TABLE 0x9fc10
#define LAPIC 0xfee00000u
#define IOAPIC 0xfec00000u
#define NMI_ALL 0xffffffffu

/* MP spec 1.4 offsets the tests edit (§4.1, §4.2, §4.3). */
#define FP_PHYSPTR 4
#define FP_LENGTH 8
#define FP_REV 9
#define FP_CHECKSUM 10
#define FP_FEATURE1 11
#define PCMP_LENGTH 4
#define PCMP_CHECKSUM 7
#define PCMP_COUNT 34
#define PCMP_LAPIC 36
#define PCMP_HEADER 44
#define CPU_SIZE 20
#define ENTRY_SIZE 8
#define CPU_FLAGS 3
#define INT_FLAGS 2

static uint8_t mem[MEM_SIZE];
static uint64_t readable_end = MEM_SIZE;	/* reads at or past it fail */
static uint64_t hole_start, hole_end;		/* and reads touching this */
static unsigned nreads;

/* The copies handed out, freed by mem_reset. */
#define MAX_COPIES 16384
static void *copies[MAX_COPIES];
static unsigned ncopies;

static const void *reader(uint64_t phys, size_t len)
{
	void *copy;

	nreads++;
	if (phys > readable_end || len > readable_end - phys)
		return NULL;
	if (phys < hole_end && phys + len > hole_start)
		return NULL;
	CHECK(ncopies < MAX_COPIES);
	copy = malloc(len ? len : 1);
	CHECK(copy);
	memcpy(copy, mem + phys, len);
	copies[ncopies++] = copy;
	return copy;
}

static void mem_reset(void)
{
	memset(mem, 0, sizeof(mem));
	readable_end = MEM_SIZE;
	hole_start = hole_end = 0;
	while (ncopies)
		free(copies[--ncopies]);
	check_warnings_clear();
	nreads = 0;
}

static uint16_t get16(uint64_t a)
{
	return (uint16_t)(mem[a] | mem[a + 1] << 8);
}

static uint32_t get32(uint64_t a)
{
	return get16(a) | (uint32_t)get16(a + 2) << 16;
}

static void put16(uint64_t a, uint16_t v)
{
	mem[a] = (uint8_t)v;
	mem[a + 1] = (uint8_t)(v >> 8);
}

static void put32(uint64_t a, uint32_t v)
{
	put16(a, (uint16_t)v);
	put16(a + 2, (uint16_t)(v >> 16));
}

/* Sets the byte at sum_at so that n bytes from a add up to zero (if they
 * lie in the fake memory: a damaged length may say otherwise). */
static void fix_sum(uint64_t a, size_t n, uint64_t sum_at)
{
	uint8_t s = 0;

	if (a + n > MEM_SIZE)
		return;
	mem[sum_at] = 0;
	for (size_t i = 0; i < n; i++)
		s = (uint8_t)(s + mem[a + i]);
	mem[sum_at] = (uint8_t)-s;
}

static void fix_fp(uint64_t fp)
{
	fix_sum(fp, mem[fp + FP_LENGTH] * 16u, fp + FP_CHECKSUM);
}

static void fix_table(uint64_t t)
{
	fix_sum(t, get16(t + PCMP_LENGTH), t + PCMP_CHECKSUM);
}

/* --- captured fixtures --- */

struct capture {
	uint32_t ebda, base_kib;	/* what the BIOS data area says */
	uint64_t fp, table;		/* where the structures are */
};

/* Loads name.hex ("addr: bytes" lines, '#' comments) into fresh memory. */
static struct capture load(const char *name)
{
	char path[512], line[256];
	struct capture c = { 0 };
	FILE *f;

	mem_reset();
	snprintf(path, sizeof(path), "%s/%s.hex", MPTABLE_FIXTURE_DIR, name);
	f = fopen(path, "r");
	CHECKF(f, "cannot open %s", path);
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *end;
		unsigned long addr;

		if (line[0] == '#' || line[0] == '\n')
			continue;
		addr = strtoul(p, &end, 16);
		CHECKF(end != p && *end == ':', "%s: bad line '%s'", name, line);
		for (p = end + 1;; p = end) {
			unsigned long byte = strtoul(p, &end, 16);

			if (end == p)
				break;
			CHECKF(byte <= 0xff && addr < MEM_SIZE, "%s: bad line '%s'", name, line);
			mem[addr++] = (uint8_t)byte;
		}
	}
	fclose(f);
	c.ebda = (uint32_t)get16(0x40e) << 4;
	c.base_kib = get16(0x413);
	for (uint64_t a = 0; a < MEM_SIZE && !c.fp; a += 16)
		if (!memcmp(mem + a, "_MP_", 4))
			c.fp = a;
	CHECKF(c.fp, "%s: no _MP_", name);
	c.table = get32(c.fp + FP_PHYSPTR);
	return c;
}

static int parse(struct platform *p, const struct capture *c)
{
	memset(p, 0xa5, sizeof(*p));	/* the parser must set every field */
	return mptable_parse(p, c->base_kib, c->ebda, reader, check_warn);
}

static void check_common(const struct platform *p)
{
	CHECK_EQ(p->source, PLATFORM_MPTABLE);
	CHECK_EQ(p->lapic_addr, LAPIC);
	CHECK(p->pic_present);
	CHECK(!p->hw_reduced);
	CHECK_EQ(p->ecam_base, 0);
	CHECK(!p->s5_valid);
	CHECK(!p->pvpanic);
}

static void check_cpus(const struct platform *p, unsigned n)
{
	CHECK_EQ(p->ncpus, n);
	for (unsigned i = 0; i < n; i++) {
		CHECKF(p->cpu[i].apic_id == i, "cpu %u: apic id %u", i, p->cpu[i].apic_id);
		CHECK_EQ(p->cpu[i].acpi_uid, i);
		CHECKF(p->cpu[i].bsp == (i == 0), "cpu %u: bsp %d", i, p->cpu[i].bsp);
	}
}

static void check_one_ioapic(const struct platform *p, uint32_t id)
{
	CHECK_EQ(p->nioapics, 1);
	CHECK_EQ(p->ioapic[0].id, id);
	CHECK_EQ(p->ioapic[0].addr, IOAPIC);
	CHECK_EQ(p->ioapic[0].gsi_base, 0);
}

/* SeaBIOS and qboot: ISA IRQ 0 arrives on pin 2, nothing else moves. */
static void check_irq0_override(const struct platform *p)
{
	CHECK_EQ(p->noverrides, 1);
	CHECK_EQ(p->override[0].irq, 0);
	CHECK_EQ(p->override[0].gsi, 2);
	CHECK_EQ(p->override[0].flags, 0);
}

/* Every table here wires NMI to LINT1 of every CPU, bus-default flags. */
static void check_nmi_lint1(const struct platform *p)
{
	CHECK_EQ(p->nnmis, 1);
	CHECK_EQ(p->nmi[0].apic_id, NMI_ALL);
	CHECK_EQ(p->nmi[0].lint, 1);
	CHECK_EQ(p->nmi[0].flags, 0);
}

static void check_no_warnings(void)
{
	CHECKF(check_nwarnings == 0, "warnings: %s", check_warnings);
}

static void check_warned(const char *what)
{
	CHECKF(strstr(check_warnings, what), "no warning with '%s' in: '%s'", what, check_warnings);
}

/* SeaBIOS on q35/pc lists one processor per package: -smp 4 is one socket
 * of four cores, so one entry; the BDA points at the EBDA, but the table
 * is in the F-segment. */
static void check_seabios(const char *name, unsigned ncpus)
{
	struct capture c = load(name);
	struct platform p;

	CHECK_EQ(c.ebda, 0x9fc00);
	CHECK_EQ(c.base_kib, 639);
	CHECK(c.fp >= 0xf0000);
	CHECK_EQ(parse(&p, &c), 0);
	check_no_warnings();
	check_common(&p);
	check_cpus(&p, ncpus);
	check_one_ioapic(&p, 0);
	check_irq0_override(&p);
	check_nmi_lint1(&p);
}

TEST(seabios_q35_smp4_one_package)
{
	check_seabios("q35-smp4", 1);
}

TEST(seabios_q35_four_sockets)
{
	check_seabios("q35-smp4-sockets4", 4);
}

TEST(seabios_pc_smp4_one_package)
{
	check_seabios("pc-smp4", 1);
}

TEST(seabios_pc_four_sockets)
{
	check_seabios("pc-smp4-sockets4", 4);
}

/* qboot: BDA zero, table at 0x9fc00 with entry count 0, every vCPU, the
 * IOAPIC's id ncpus + 1, IRQ 0 on pin 2. */
TEST(qboot_microvm_noacpi_smp4)
{
	struct capture c = load("microvm-noacpi-smp4");
	struct platform p;

	CHECK_EQ(c.ebda, 0);
	CHECK_EQ(c.base_kib, 0);
	CHECK_EQ(c.fp, QBOOT_FP);
	CHECK_EQ(get16(c.table + PCMP_COUNT), 0);
	CHECK_EQ(parse(&p, &c), 0);
	check_no_warnings();
	check_common(&p);
	check_cpus(&p, 4);
	check_one_ioapic(&p, 5);
	check_irq0_override(&p);
	check_nmi_lint1(&p);
}

/* Firecracker: BDA zero, entry count one too high, IOAPIC id ncpu + 1 and
 * named so by its 24 identity interrupt entries: no override at all. */
static void check_firecracker(const char *name)
{
	struct capture c = load(name);
	struct platform p;

	CHECK_EQ(c.ebda, 0);
	CHECK_EQ(c.base_kib, 0);
	CHECK_EQ(c.fp, QBOOT_FP);
	CHECK_EQ(get16(c.table + PCMP_COUNT), 2 + 29);
	CHECK_EQ(parse(&p, &c), 0);
	check_no_warnings();
	check_common(&p);
	check_cpus(&p, 2);
	check_one_ioapic(&p, 3);
	CHECK_EQ(p.noverrides, 0);
	check_nmi_lint1(&p);
}

TEST(firecracker_v1_7_smp2)
{
	check_firecracker("fc-v1.7-smp2");
}

TEST(firecracker_head_smp2)
{
	check_firecracker("fc-head-smp2");
}

/* --- the search --- */

/* Moves the floating pointer from 0x9fc00 to to (the table stays). */
static void move_fp(uint64_t to)
{
	memcpy(mem + to, mem + QBOOT_FP, 16);
	memset(mem + QBOOT_FP, 0, 16);
}

TEST(search_ebda_first_kib)
{
	struct platform p;

	load("microvm-noacpi-smp4");
	move_fp(0x9e3f0);		/* the last paragraph of the EBDA's first KiB */
	CHECK_EQ(mptable_parse(&p, 0, 0x9e000, reader, check_warn), 0);
	CHECK_EQ(p.ncpus, 4);
	/* Not searched without the EBDA pointer. */
	CHECK_EQ(mptable_parse(&p, 0, 0, reader, check_warn), -1);
	check_no_warnings();
}

TEST(search_ebda_rounded_up_to_a_paragraph)
{
	struct platform p;

	load("microvm-noacpi-smp4");
	move_fp(0x9e010);
	CHECK_EQ(mptable_parse(&p, 0, 0x9e001, reader, check_warn), 0);
	CHECK_EQ(p.ncpus, 4);
}

TEST(search_last_kib_of_base_memory)
{
	struct platform p;

	load("microvm-noacpi-smp4");
	move_fp(0x7fbf0);		/* base memory 511 KiB: its last KiB ends here */
	CHECK_EQ(mptable_parse(&p, 511, 0, reader, check_warn), 0);
	CHECK_EQ(p.ncpus, 4);
	CHECK_EQ(mptable_parse(&p, 0, 0, reader, check_warn), -1);
	check_no_warnings();
}

/* The EBDA comes first: with qboot's table there and SeaBIOS's in the ROM,
 * qboot's (four CPUs) is the one taken. */
TEST(search_ebda_before_rom)
{
	static uint8_t seabios[0x10000];
	struct platform p;

	load("q35-smp4");
	memcpy(seabios, mem + 0xf0000, sizeof(seabios));
	load("microvm-noacpi-smp4");
	memcpy(mem + 0xf0000, seabios, sizeof(seabios));
	CHECK_EQ(mptable_parse(&p, 0, QBOOT_FP, reader, check_warn), 0);
	CHECK_EQ(p.ncpus, 4);
	move_fp(0x80000);		/* not searched: the ROM's is found */
	CHECK_EQ(mptable_parse(&p, 0, 0, reader, check_warn), 0);
	CHECK_EQ(p.ncpus, 1);
	check_no_warnings();
}

/* Each area is scanned once, however many arguments name it. */
TEST(search_each_area_once)
{
	struct platform p;

	load("microvm-noacpi-smp4");
	mem[QBOOT_FP + FP_CHECKSUM] ^= 1;
	CHECK_EQ(mptable_parse(&p, 640, QBOOT_FP, reader, check_warn), -1);
	CHECK_EQ(check_nwarnings, 1);
	check_warned("bad checksum");
}

/* The ROM is read paragraph by paragraph where it cannot be read whole. */
TEST(search_rom_partly_unreadable)
{
	struct capture c = load("pc-smp4");
	struct platform p;

	hole_start = 0xf0000;
	hole_end = 0xf0010;
	CHECK_EQ(parse(&p, &c), 0);
	CHECK_EQ(p.ncpus, 1);
	CHECK(nreads > 0x1000 / 16);
	check_no_warnings();
}

TEST(nothing_found)
{
	struct platform p;

	mem_reset();
	memset(&p, 0xa5, sizeof(p));
	CHECK_EQ(mptable_parse(&p, 639, 0x9fc00, reader, check_warn), -1);
	check_no_warnings();
	CHECK_EQ(p.ncpus, 0);		/* left empty, not half-filled */
	readable_end = 0;
	CHECK_EQ(mptable_parse(&p, 639, 0x9fc00, reader, check_warn), -1);
	check_no_warnings();
}

TEST(huge_bda_values_do_not_overflow)
{
	struct platform p;

	load("fc-head-smp2");
	CHECK_EQ(mptable_parse(&p, 0xffffffff, 0xffffffff, reader, check_warn), 0);
	CHECK_EQ(p.ncpus, 2);
	check_no_warnings();
}

/* --- damaged floating pointers --- */

/* A bad checksum is reported and the search goes on to the ROM. */
TEST(fp_bad_checksum_search_continues)
{
	static uint8_t seabios[0x10000];
	struct capture c = load("q35-smp4");
	struct platform p;

	memcpy(seabios, mem + 0xf0000, sizeof(seabios));
	c = load("microvm-noacpi-smp4");
	memcpy(mem + 0xf0000, seabios, sizeof(seabios));
	mem[QBOOT_FP + FP_CHECKSUM] ^= 0x10;
	CHECK_EQ(parse(&p, &c), 0);
	CHECK_EQ(p.ncpus, 1);		/* SeaBIOS's */
	CHECK_EQ(check_nwarnings, 1);
	check_warned("_MP_ at 0x9fc00: bad checksum");
}

TEST(fp_bad_checksum_alone_fails)
{
	struct capture c = load("fc-v1.7-smp2");
	struct platform p;

	mem[QBOOT_FP + FP_CHECKSUM]++;
	CHECK_EQ(parse(&p, &c), -1);
	CHECK_EQ(check_nwarnings, 1);
	check_warned("bad checksum");
}

TEST(fp_length_zero_or_unreadable)
{
	struct capture c = load("fc-v1.7-smp2");
	struct platform p;

	mem[QBOOT_FP + FP_LENGTH] = 0;
	fix_fp(QBOOT_FP);
	CHECK_EQ(parse(&p, &c), -1);
	check_warned("_MP_ at 0x9fc00: bad length 0");
	/* 255 paragraphs from 0x9fc00 run past 0xa0000, here unreadable. */
	load("fc-v1.7-smp2");
	readable_end = 0xa0000;
	mem[QBOOT_FP + FP_LENGTH] = 255;
	fix_fp(QBOOT_FP);
	CHECK_EQ(parse(&p, &c), -1);
	check_warned("_MP_ at 0x9fc00: bad length 255");
}

TEST(fp_unknown_revision)
{
	struct capture c = load("fc-v1.7-smp2");
	struct platform p;

	mem[QBOOT_FP + FP_REV] = 2;
	fix_fp(QBOOT_FP);
	CHECK_EQ(parse(&p, &c), -1);
	check_warned("spec revision 2 unknown");
	mem[QBOOT_FP + FP_REV] = 1;	/* MP 1.1 */
	fix_fp(QBOOT_FP);
	check_warnings_clear();
	CHECK_EQ(parse(&p, &c), 0);
	check_no_warnings();
}

/* Default configurations (§5) have no table: reported, not supported. */
TEST(fp_default_configuration)
{
	struct capture c = load("fc-v1.7-smp2");
	struct platform p;

	mem[QBOOT_FP + FP_FEATURE1] = 5;
	fix_fp(QBOOT_FP);
	CHECK_EQ(parse(&p, &c), -1);
	CHECK_EQ(check_nwarnings, 1);
	check_warned("default configuration 5");
}

TEST(fp_points_nowhere)
{
	struct capture c = load("fc-v1.7-smp2");
	struct platform p;

	put32(QBOOT_FP + FP_PHYSPTR, 0);
	fix_fp(QBOOT_FP);
	CHECK_EQ(parse(&p, &c), -1);
	check_warned("points to no table");
}

TEST(fp_points_to_unreadable_table)
{
	struct capture c = load("fc-v1.7-smp2");
	struct platform p;

	put32(QBOOT_FP + FP_PHYSPTR, 0x200000);	/* past the fake memory */
	fix_fp(QBOOT_FP);
	CHECK_EQ(parse(&p, &c), -1);
	check_warned("configuration table at 0x200000 unreadable");
	put32(QBOOT_FP + FP_PHYSPTR, 0xfffffff0);	/* the table would cross 4 GiB */
	fix_fp(QBOOT_FP);
	CHECK_EQ(parse(&p, &c), -1);
	check_warned("configuration table at 0xfffffff0 unreadable");
}

TEST(fp_points_to_no_signature)
{
	struct capture c = load("fc-v1.7-smp2");
	struct platform p;

	put32(QBOOT_FP + FP_PHYSPTR, QBOOT_TABLE + 16);
	fix_fp(QBOOT_FP);
	CHECK_EQ(parse(&p, &c), -1);
	check_warned("no PCMP signature at 0x9fc20");
}

/* --- damaged configuration tables --- */

TEST(table_bad_checksum)
{
	struct capture c = load("microvm-noacpi-smp4");
	struct platform p;

	mem[QBOOT_TABLE + 100] ^= 0x40;
	CHECK_EQ(parse(&p, &c), -1);
	CHECK_EQ(check_nwarnings, 1);
	check_warned("configuration table at 0x9fc10: bad checksum");
	CHECK_EQ(p.ncpus, 0);
}

TEST(table_length_past_readable_memory)
{
	struct capture c = load("fc-head-smp2");
	struct platform p;

	readable_end = QBOOT_TABLE + get16(QBOOT_TABLE + PCMP_LENGTH) - 1;
	CHECK_EQ(parse(&p, &c), -1);
	check_warned("base length 308 unreadable");
	/* The largest length, past the end of base memory (here unreadable). */
	readable_end = 0xa0000;
	put16(QBOOT_TABLE + PCMP_LENGTH, 0xffff);
	fix_table(QBOOT_TABLE);
	CHECK_EQ(parse(&p, &c), -1);
	check_warned("base length 65535 unreadable");
}

TEST(table_length_shorter_than_header)
{
	struct capture c = load("fc-head-smp2");
	struct platform p;

	put16(QBOOT_TABLE + PCMP_LENGTH, PCMP_HEADER - 1);
	fix_table(QBOOT_TABLE);		/* the checksum agrees with the 43 bytes */
	CHECK_EQ(parse(&p, &c), -1);
	check_warned("base length 43 too short");
}

/* A header with no entries is a table without processors. */
TEST(table_without_entries)
{
	struct capture c = load("fc-head-smp2");
	struct platform p;

	put16(QBOOT_TABLE + PCMP_LENGTH, PCMP_HEADER);
	fix_table(QBOOT_TABLE);
	CHECK_EQ(parse(&p, &c), -1);
	check_warned("lists no enabled processor");
}

/* Entries are walked by the length: the count changes nothing. */
TEST(entry_count_ignored)
{
	static const uint16_t counts[] = { 0, 1, 5, 30, 31, 32, 0xffff };
	static const char *const names[] = { "fc-head-smp2", "q35-smp4-sockets4" };

	for (unsigned n = 0; n < 2; n++) {
		for (unsigned i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
			struct capture c = load(names[n]);
			struct platform p;

			put16(c.table + PCMP_COUNT, counts[i]);
			fix_table(c.table);
			CHECKF(parse(&p, &c) == 0, "%s count %u", names[n], counts[i]);
			check_no_warnings();
			check_cpus(&p, n ? 4 : 2);
			CHECK_EQ(p.nioapics, 1);
			CHECK_EQ(p.noverrides, n ? 1 : 0);
			check_nmi_lint1(&p);
		}
	}
}

TEST(table_unknown_revision_still_parsed)
{
	struct capture c = load("fc-head-smp2");
	struct platform p;

	mem[QBOOT_TABLE + 6] = 9;
	fix_table(QBOOT_TABLE);
	CHECK_EQ(parse(&p, &c), 0);
	CHECK_EQ(check_nwarnings, 1);
	check_warned("spec revision 9 unknown");
	check_cpus(&p, 2);
}

TEST(table_lapic_address_zero)
{
	struct capture c = load("fc-head-smp2");
	struct platform p;

	put32(QBOOT_TABLE + PCMP_LAPIC, 0);
	fix_table(QBOOT_TABLE);
	CHECK_EQ(parse(&p, &c), 0);
	CHECK_EQ(p.lapic_addr, PLATFORM_LAPIC_DEFAULT);
	check_warned("local APIC address 0");
}

/* qboot microvm -smp 4: 4 CPUs, bus, IOAPIC, then I/O interrupts from
 * this offset (IRQ 0 → pin 2 first), then the two local ones. */
#define QBOOT_FIRST_INT (QBOOT_TABLE + PCMP_HEADER + 4 * CPU_SIZE + 2 * ENTRY_SIZE)
#define QBOOT_NINTS 15

TEST(unknown_entry_type_ends_walk)
{
	struct capture c = load("microvm-noacpi-smp4");
	struct platform p;

	mem[QBOOT_FIRST_INT + ENTRY_SIZE] = 0x42;	/* the IRQ 1 entry */
	fix_table(QBOOT_TABLE);
	CHECK_EQ(parse(&p, &c), 0);
	CHECK_EQ(check_nwarnings, 1);
	check_warned("entry type 66 at 0x9fca4 unknown");
	check_cpus(&p, 4);		/* everything before it stays */
	check_one_ioapic(&p, 5);
	check_irq0_override(&p);
	CHECK_EQ(p.nnmis, 0);		/* everything after it is gone */
}

/* An extended entry (§5) carries its length: stepped over. */
TEST(extended_entry_in_base_table_skipped)
{
	struct capture c = load("microvm-noacpi-smp4");
	struct platform p;

	mem[QBOOT_FIRST_INT] = 0x80;	/* the IRQ 0 entry; length byte ... */
	mem[QBOOT_FIRST_INT + 1] = ENTRY_SIZE;	/* ... over its interrupt type */
	fix_table(QBOOT_TABLE);
	CHECK_EQ(parse(&p, &c), 0);
	CHECK_EQ(check_nwarnings, 1);
	check_warned("extended entry type 128 at 0x9fc9c");
	CHECK_EQ(p.noverrides, 0);	/* IRQ 0's entry was the one replaced */
	check_nmi_lint1(&p);
}

TEST(extended_entry_bad_length_ends_walk)
{
	static const uint8_t lengths[] = { 0, 1, 0xff };

	for (unsigned i = 0; i < 3; i++) {
		struct capture c = load("microvm-noacpi-smp4");
		struct platform p;

		mem[QBOOT_FIRST_INT] = 0xc0;
		mem[QBOOT_FIRST_INT + 1] = lengths[i];
		fix_table(QBOOT_TABLE);
		CHECK_EQ(parse(&p, &c), 0);
		CHECKF(check_nwarnings == 1, "length %u: %s", lengths[i], check_warnings);
		check_warned(i < 2 ? "unknown" : "runs past the table's end");
		check_cpus(&p, 4);
		CHECK_EQ(p.noverrides, 0);
		CHECK_EQ(p.nnmis, 0);
	}
}

/* An extended entry type as the very last byte of the table. */
TEST(extended_type_in_last_byte)
{
	struct capture c = load("microvm-noacpi-smp4");
	uint32_t len = get16(QBOOT_TABLE + PCMP_LENGTH);
	struct platform p;

	mem[QBOOT_TABLE + len] = 0x80;
	put16(QBOOT_TABLE + PCMP_LENGTH, (uint16_t)(len + 1));
	fix_table(QBOOT_TABLE);
	CHECK_EQ(parse(&p, &c), 0);
	CHECK_EQ(check_nwarnings, 1);
	check_warned("unknown");
	check_nmi_lint1(&p);
}

TEST(truncated_last_entry)
{
	for (unsigned cut = 1; cut < ENTRY_SIZE; cut++) {
		struct capture c = load("microvm-noacpi-smp4");
		uint32_t len = get16(QBOOT_TABLE + PCMP_LENGTH);
		struct platform p;

		put16(QBOOT_TABLE + PCMP_LENGTH, (uint16_t)(len - cut));
		fix_table(QBOOT_TABLE);
		CHECK_EQ(parse(&p, &c), 0);
		CHECKF(check_nwarnings == 1, "cut %u: %s", cut, check_warnings);
		check_warned("entry type 4 at 0x9fd1c runs past the table's end");
		check_cpus(&p, 4);
		check_irq0_override(&p);
		CHECK_EQ(p.nnmis, 0);	/* the NMI entry was the last one */
	}
}

/* Cut inside the first processor entry: no processor, no table. */
TEST(truncated_processor_entry)
{
	struct capture c = load("fc-head-smp2");
	struct platform p;

	put16(QBOOT_TABLE + PCMP_LENGTH, PCMP_HEADER + CPU_SIZE - 1);
	fix_table(QBOOT_TABLE);
	CHECK_EQ(parse(&p, &c), -1);
	check_warned("entry type 0 at 0x9fc3c runs past");
	check_warned("no enabled processor");
}

TEST(disabled_processors_skipped)
{
	struct capture c = load("microvm-noacpi-smp4");
	uint64_t cpu2 = QBOOT_TABLE + PCMP_HEADER + 2 * CPU_SIZE;
	struct platform p;

	mem[cpu2 + CPU_FLAGS] = 0x02;	/* BSP bit alone: still disabled */
	fix_table(QBOOT_TABLE);
	CHECK_EQ(parse(&p, &c), 0);
	check_no_warnings();
	CHECK_EQ(p.ncpus, 3);
	CHECK_EQ(p.cpu[0].apic_id, 0);
	CHECK(p.cpu[0].bsp);
	CHECK_EQ(p.cpu[1].apic_id, 1);
	CHECK_EQ(p.cpu[2].apic_id, 3);
	CHECK(!p.cpu[2].bsp);
}

TEST(all_processors_disabled)
{
	struct capture c = load("fc-head-smp2");
	struct platform p;

	mem[QBOOT_TABLE + PCMP_HEADER + CPU_FLAGS] = 0;
	mem[QBOOT_TABLE + PCMP_HEADER + CPU_SIZE + CPU_FLAGS] = 0;
	fix_table(QBOOT_TABLE);
	CHECK_EQ(parse(&p, &c), -1);
	CHECK_EQ(check_nwarnings, 1);
	check_warned("no enabled processor");
}

/* --- hand-made tables --- */

struct builder {
	uint64_t table;
	uint32_t len;
};

static struct builder build_start(void)
{
	struct builder b = { QBOOT_TABLE, PCMP_HEADER };

	mem_reset();
	memcpy(mem + QBOOT_FP, "_MP_", 4);
	put32(QBOOT_FP + FP_PHYSPTR, QBOOT_TABLE);
	mem[QBOOT_FP + FP_LENGTH] = 1;
	mem[QBOOT_FP + FP_REV] = 4;
	fix_fp(QBOOT_FP);
	memcpy(mem + QBOOT_TABLE, "PCMP", 4);
	mem[QBOOT_TABLE + 6] = 4;
	put32(QBOOT_TABLE + PCMP_LAPIC, LAPIC);
	return b;
}

static void emit(struct builder *b, const uint8_t *e, unsigned n)
{
	memcpy(mem + b->table + b->len, e, n);
	b->len += n;
}

static void cpu(struct builder *b, uint8_t apic_id, uint8_t flags)
{
	uint8_t e[CPU_SIZE] = { 0, apic_id, 0x14, flags };

	emit(b, e, sizeof(e));
}

static void bus(struct builder *b, uint8_t id, const char type[7])
{
	uint8_t e[ENTRY_SIZE] = { 1, id };

	memcpy(e + 2, type, 6);
	emit(b, e, sizeof(e));
}

static void ioapic(struct builder *b, uint8_t id, uint8_t flags, uint32_t addr)
{
	uint8_t e[ENTRY_SIZE] = { 2, id, 0x11, flags, (uint8_t)addr, (uint8_t)(addr >> 8),
				  (uint8_t)(addr >> 16), (uint8_t)(addr >> 24) };

	emit(b, e, sizeof(e));
}

static void io_int(struct builder *b, uint8_t type, uint16_t flags, uint8_t bus_id,
		   uint8_t irq, uint8_t ioapic_id, uint8_t pin)
{
	uint8_t e[ENTRY_SIZE] = { 3, type, (uint8_t)flags, (uint8_t)(flags >> 8), bus_id, irq,
				  ioapic_id, pin };

	emit(b, e, sizeof(e));
}

static void local_int(struct builder *b, uint8_t type, uint16_t flags, uint8_t apic_id,
		      uint8_t lint)
{
	uint8_t e[ENTRY_SIZE] = { 4, type, (uint8_t)flags, (uint8_t)(flags >> 8), 0, 0,
				  apic_id, lint };

	emit(b, e, sizeof(e));
}

static int build_parse(struct builder *b, struct platform *p)
{
	put16(b->table + PCMP_LENGTH, (uint16_t)b->len);
	fix_table(b->table);
	memset(p, 0xa5, sizeof(*p));
	return mptable_parse(p, 0, 0, reader, check_warn);
}

TEST(more_processors_than_platform_max)
{
	struct builder b = build_start();
	struct platform p;

	for (unsigned i = 0; i < PLATFORM_MAX_CPUS + 6; i++)
		cpu(&b, (uint8_t)i, i ? 1 : 3);
	CHECK_EQ(build_parse(&b, &p), 0);
	CHECK_EQ(check_nwarnings, 1);
	check_warned("more than 64 processors");
	check_cpus(&p, PLATFORM_MAX_CPUS);
	CHECK_EQ(p.nioapics, 0);
	CHECK_EQ(p.noverrides, 0);
	CHECK_EQ(p.nnmis, 0);
}

/* Routing: two IOAPICs (24 pins assumed each), the second one's pins start
 * at GSI 24; 0xff names the first; flags that are not "conforms" make an
 * override even for an identity pin; PCI and non-INT entries make none. */
TEST(routing_two_ioapics)
{
	struct builder b = build_start();
	struct platform p;

	cpu(&b, 0, 3);
	bus(&b, 0, "PCI   ");
	bus(&b, 3, "ISA   ");
	bus(&b, 4, "EISA  ");
	ioapic(&b, 8, 1, IOAPIC);
	ioapic(&b, 9, 0, 0xfec08000);	/* unusable: not counted */
	ioapic(&b, 2, 1, 0xfec10000);
	io_int(&b, 0, 0, 3, 0, 8, 2);		/* IRQ 0 → GSI 2 */
	io_int(&b, 3, 0, 3, 0, 8, 0);		/* ExtINT: ignored */
	io_int(&b, 0, 0, 3, 1, 8, 1);		/* identity */
	io_int(&b, 0, 0xd, 3, 5, 8, 5);		/* identity, level high */
	io_int(&b, 0, 0, 3, 6, 2, 3);		/* GSI 27 */
	io_int(&b, 0, 0xf, 3, 7, 0xff, 7);	/* any IOAPIC: the first */
	io_int(&b, 0, 0xf, 0, 9, 8, 16);	/* PCI: no override */
	io_int(&b, 0, 0xf, 4, 10, 8, 10);	/* EISA: not ISA */
	io_int(&b, 0, 0x5, 3, 11, 2, 11);	/* GSI 35, edge high */
	local_int(&b, 3, 0, 0xff, 0);		/* ExtINT: not an NMI */
	local_int(&b, 1, 0x5, 0, 1);
	local_int(&b, 1, 0xf, 0xff, 0);
	CHECK_EQ(build_parse(&b, &p), 0);
	check_no_warnings();
	CHECK_EQ(p.nioapics, 2);
	CHECK_EQ(p.ioapic[0].id, 8);
	CHECK_EQ(p.ioapic[0].gsi_base, 0);
	CHECK_EQ(p.ioapic[1].id, 2);
	CHECK_EQ(p.ioapic[1].addr, 0xfec10000);
	CHECK_EQ(p.ioapic[1].gsi_base, 24);
	CHECK_EQ(p.noverrides, 5);
	CHECK_EQ(p.override[0].irq, 0);
	CHECK_EQ(p.override[0].gsi, 2);
	CHECK_EQ(p.override[0].flags, 0);
	CHECK_EQ(p.override[1].irq, 5);
	CHECK_EQ(p.override[1].gsi, 5);
	CHECK_EQ(p.override[1].flags, INTI_TRIGGER_LEVEL | INTI_POLARITY_HIGH);
	CHECK_EQ(p.override[2].irq, 6);
	CHECK_EQ(p.override[2].gsi, 27);
	CHECK_EQ(p.override[3].irq, 7);
	CHECK_EQ(p.override[3].gsi, 7);
	CHECK_EQ(p.override[3].flags, INTI_TRIGGER_LEVEL | INTI_POLARITY_LOW);
	CHECK_EQ(p.override[4].irq, 11);
	CHECK_EQ(p.override[4].gsi, 35);
	CHECK_EQ(p.override[4].flags, INTI_TRIGGER_EDGE | INTI_POLARITY_HIGH);
	CHECK_EQ(p.nnmis, 2);
	CHECK_EQ(p.nmi[0].apic_id, 0);
	CHECK_EQ(p.nmi[0].lint, 1);
	CHECK_EQ(p.nmi[0].flags, INTI_TRIGGER_EDGE | INTI_POLARITY_HIGH);
	CHECK_EQ(p.nmi[1].apic_id, NMI_ALL);
	CHECK_EQ(p.nmi[1].lint, 0);
	CHECK_EQ(p.nmi[1].flags, INTI_TRIGGER_LEVEL | INTI_POLARITY_LOW);
}

/* Entries out of the spec's order: buses and IOAPICs after the interrupt
 * entries that name them still count. */
TEST(routing_independent_of_entry_order)
{
	struct builder b = build_start();
	struct platform p;

	io_int(&b, 0, 0, 1, 0, 7, 2);
	local_int(&b, 1, 0, 0xff, 1);
	ioapic(&b, 7, 1, IOAPIC);
	bus(&b, 1, "ISA   ");
	cpu(&b, 0, 3);
	CHECK_EQ(build_parse(&b, &p), 0);
	check_no_warnings();
	check_cpus(&p, 1);
	check_one_ioapic(&p, 7);
	check_irq0_override(&p);
	check_nmi_lint1(&p);
}

TEST(routing_bad_entries_reported)
{
	struct builder b = build_start();
	struct platform p;

	cpu(&b, 0, 3);
	bus(&b, 0, "ISA   ");
	ioapic(&b, 1, 1, IOAPIC);
	ioapic(&b, 9, 0, 0xfec08000);
	io_int(&b, 0, 0, 0, 3, 9, 3);		/* an unusable IOAPIC */
	io_int(&b, 0, 0, 0, 4, 6, 4);		/* no such IOAPIC */
	io_int(&b, 0, 0, 0, 5, 1, 24);		/* past the 24 pins */
	io_int(&b, 0, 0x2, 0, 6, 1, 6);		/* reserved polarity */
	io_int(&b, 0, 0x8, 0, 7, 1, 7);		/* reserved trigger */
	io_int(&b, 0, 0, 0, 0, 1, 2);
	io_int(&b, 0, 0, 0, 0, 1, 9);		/* IRQ 0 again */
	local_int(&b, 1, 0, 0xff, 2);		/* no LINT2 */
	local_int(&b, 1, 0x2, 0xff, 1);		/* reserved polarity */
	CHECK_EQ(build_parse(&b, &p), 0);
	CHECK_EQ(check_nwarnings, 8);
	check_warned("ISA IRQ 3 to I/O APIC 9 pin 3 flags 0: unusable");
	check_warned("ISA IRQ 4 to I/O APIC 6");
	check_warned("ISA IRQ 5 to I/O APIC 1 pin 24");
	check_warned("ISA IRQ 6 to I/O APIC 1 pin 6 flags 0x2");
	check_warned("ISA IRQ 7 to I/O APIC 1 pin 7 flags 0x8");
	check_warned("ISA IRQ 0 routed twice; GSI 9 ignored");
	check_warned("NMI on LINT2");
	check_warned("NMI on LINT1 flags 0x2");
	check_irq0_override(&p);
	CHECK_EQ(p.nnmis, 0);
}

/* No IOAPIC at all: "any IOAPIC" names none. */
TEST(routing_without_ioapic)
{
	struct builder b = build_start();
	struct platform p;

	cpu(&b, 0, 3);
	bus(&b, 0, "ISA   ");
	io_int(&b, 0, 0, 0, 0, 0xff, 2);
	CHECK_EQ(build_parse(&b, &p), 0);
	CHECK_EQ(check_nwarnings, 1);
	CHECK_EQ(p.nioapics, 0);
	CHECK_EQ(p.noverrides, 0);
}

TEST(caps_on_ioapics_overrides_nmis)
{
	struct builder b = build_start();
	struct platform p;

	cpu(&b, 0, 3);
	bus(&b, 0, "ISA   ");
	for (unsigned i = 0; i < PLATFORM_MAX_IOAPICS + 2; i++)
		ioapic(&b, (uint8_t)i, 1, IOAPIC + 0x1000 * i);
	/* Every IRQ to pin 23 of the first: an override each. */
	for (unsigned i = 0; i < PLATFORM_MAX_OVERRIDES + 3; i++)
		io_int(&b, 0, 0, 0, (uint8_t)i, 0, 23 - (i == 23));
	for (unsigned i = 0; i < PLATFORM_MAX_NMIS + 4; i++)
		local_int(&b, 1, 0, (uint8_t)i, 1);
	CHECK_EQ(build_parse(&b, &p), 0);
	CHECK_EQ(check_nwarnings, 3);
	check_warned("more than 8 I/O APICs");
	check_warned("more than 24 ISA IRQ overrides");
	check_warned("more than 8 NMI entries");
	CHECK_EQ(p.nioapics, PLATFORM_MAX_IOAPICS);
	CHECK_EQ(p.ioapic[7].gsi_base, 7 * 24);
	CHECK_EQ(p.noverrides, PLATFORM_MAX_OVERRIDES);
	CHECK_EQ(p.override[23].irq, 23);
	CHECK_EQ(p.override[23].gsi, 22);
	CHECK_EQ(p.nnmis, PLATFORM_MAX_NMIS);
	CHECK_EQ(p.nmi[7].apic_id, 7);
}

/* Random damage to every capture: bytes of the pointer and the table
 * changed, checksums sometimes repaired so the walk sees the damage. Must
 * never crash or read outside what it asked for (ASan), and what it
 * returns stays within the caps. */
TEST(random_damage)
{
	static const char *const names[] = {
		"q35-smp4", "q35-smp4-sockets4", "pc-smp4", "pc-smp4-sockets4",
		"microvm-noacpi-smp4", "fc-v1.7-smp2", "fc-head-smp2",
	};
	uint64_t seed = 1;

	for (unsigned round = 0; round < 3000; round++) {
		const char *name = names[round % 7];
		struct capture c = load(name);
		uint32_t len = get16(c.table + PCMP_LENGTH);
		unsigned flips = 1 + (unsigned)check_below(&seed, 8);
		struct platform p;
		int r;

		for (unsigned i = 0; i < flips; i++) {
			uint64_t at = check_below(&seed, 4) ? c.table + check_below(&seed, len)
							    : c.fp + check_below(&seed, 16);

			mem[at] = (uint8_t)check_rand(&seed);
		}
		if (check_below(&seed, 4))
			fix_table(c.table);
		if (check_below(&seed, 4))
			fix_fp(c.fp);
		readable_end = check_below(&seed, 8) ? MEM_SIZE
						     : c.table + check_below(&seed, len + 64);
		r = parse(&p, &c);
		CHECKF(r == 0 || r == -1, "round %u (%s): %d", round, name, r);
		CHECK(p.ncpus <= PLATFORM_MAX_CPUS && p.nioapics <= PLATFORM_MAX_IOAPICS &&
		      p.noverrides <= PLATFORM_MAX_OVERRIDES && p.nnmis <= PLATFORM_MAX_NMIS);
		CHECKF(r || p.ncpus, "round %u (%s): 0 without processors", round, name);
		CHECKF(!r || !p.ncpus, "round %u (%s): -1 left %u CPUs", round, name, p.ncpus);
		mem_reset();
	}
}

int main(void)
{
	return check_run();
}
