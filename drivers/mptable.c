/*
 * The MP table (Intel MultiProcessor Specification 1.4, May 1997): CPUs,
 * I/O APICs and ISA interrupt routing for machines without ACPI (qboot's
 * microvm with acpi=off, Firecracker before v1.8). Every byte is reached
 * through the phys_reader and checked against the lengths it was read
 * with, so a lying table is reported and skipped, never followed.
 *
 * Choices (the spec leaves them open, or firmware breaks it):
 * - Entries are walked up to the base table length; the header's entry
 *   count is not used at all. qboot writes 0 and Firecracker one too many,
 *   and warning about that would print on every boot there.
 * - 0x9FC00 is searched even when the BIOS data area says nothing (qboot and
 *   Firecracker leave it zero), between base memory and the ROM.
 * - A default configuration (feature byte 1 non-zero, §5) is not
 *   supported: those are two-CPU ISA/EISA machines nobody emulates. It is
 *   reported and the search goes on.
 * - The table does not give an I/O APIC's pin count: 24 is assumed (the
 *   82093AA's, and every hypervisor's), so the n-th usable I/O APIC starts
 *   at GSI 24 * n.
 * - pic_present is always true: the IMCR bit (feature byte 2 bit 7) only
 *   says how the 8259s are bypassed, not whether they exist, and masking
 *   them is always right.
 * - Entries of an extended type (>= 128) belong to the extended table,
 *   which is not read; one found in the base table carries its length
 *   (§5), so it is reported and stepped over. Any other unknown type ends
 *   the walk, since its length is unknown.
 * - A candidate floating pointer or table that fails a check is reported
 *   and the search continues with the next candidate.
 */
#include <flint/platform.h>
#include <flint/string.h>

/* §4.1 MP floating pointer structure. */
#define MPF_SIGNATURE "_MP_"
#define MPF_SIGNATURE_LEN 4
#define MPF_PARAGRAPH 16		/* its alignment and its length unit */
#define MPF_PHYSPTR 4			/* configuration table address */
#define MPF_LENGTH 8			/* in paragraphs */
#define MPF_SPEC_REV 9
#define MPF_FEATURE1 11			/* non-zero: a default configuration */
#define MP_SPEC_REV_1_1 1
#define MP_SPEC_REV_1_4 4

/* §4: where the floating pointer may be. */
#define MP_SEARCH_KIB 1024		/* first KiB of the EBDA, last of base memory */
#define MP_QBOOT_FC_ADDR 0x9fc00	/* qboot's and Firecracker's, BDA zero */
#define MP_BIOS_ROM 0xf0000
#define MP_BIOS_ROM_SIZE 0x10000
#define MP_SEARCH_AREAS 4

/* §4.2 MP configuration table header. */
#define MPC_SIGNATURE "PCMP"
#define MPC_SIGNATURE_LEN 4
#define MPC_BASE_LENGTH 4		/* 16 bits, header included */
#define MPC_SPEC_REV 6
#define MPC_LAPIC_ADDR 36
#define MPC_HEADER_SIZE 44

/* §4.3 base table entries: type in byte 0. */
#define MPE_PROCESSOR 0
#define MPE_BUS 1
#define MPE_IOAPIC 2
#define MPE_IO_INT 3
#define MPE_LOCAL_INT 4
#define MPE_EXTENDED_MIN 128		/* §5: type, length, ... */
#define MPE_EXT_LENGTH 1
#define MPE_EXT_MIN_SIZE 2
#define MPE_PROCESSOR_SIZE 20		/* §4.3.1 */
#define MPE_SIZE 8			/* §4.3.2-§4.3.5: every other base entry */

/* §4.3.1 processor entry. */
#define MPE_CPU_APIC_ID 1
#define MPE_CPU_FLAGS 3
#define MP_CPU_ENABLED 0x01
#define MP_CPU_BSP 0x02

/* §4.3.2 bus entry: the bus type is 6 blank-padded bytes. */
#define MPE_BUS_ID 1
#define MPE_BUS_TYPE 2
#define MP_BUS_ISA "ISA   "
#define MP_BUS_TYPE_LEN 6
#define MP_BUS_IDS 256

/* §4.3.3 I/O APIC entry. */
#define MPE_IOAPIC_ID 1
#define MPE_IOAPIC_FLAGS 3
#define MPE_IOAPIC_ADDR 4
#define MP_IOAPIC_USABLE 0x01
#define MP_IOAPIC_PINS 24		/* not in the table: assumed, see above */

/* §4.3.4 I/O and §4.3.5 local interrupt entries share this layout. */
#define MPE_INT_TYPE 1
#define MPE_INT_FLAGS 2			/* 16 bits: polarity 1:0, trigger 3:2 */
#define MPE_INT_SRC_BUS 4
#define MPE_INT_SRC_IRQ 5
#define MPE_INT_DST_ID 6		/* I/O APIC id or local APIC id */
#define MPE_INT_DST_PIN 7		/* INTIN# or LINTIN# */
#define MP_INT_INT 0			/* interrupt types: a vectored interrupt */
#define MP_INT_NMI 1
#define MP_INT_FLAGS_MASK (INTI_POLARITY_MASK | INTI_TRIGGER_MASK)
#define MP_INT_RESERVED_POLARITY 0x2	/* 10b is reserved in both fields */
#define MP_INT_RESERVED_TRIGGER 0x8
#define MP_DST_ALL 0xff			/* every I/O APIC / local APIC */
#define MP_LINT_MAX 1

#define NMI_ALL_CPUS 0xffffffffu

#define WARN(c, ...)						\
	do {							\
		if ((c)->warn)					\
			(c)->warn(__VA_ARGS__);			\
	} while (0)

struct mp_ctx {
	struct platform *p;
	phys_reader read;
	platform_warn_fn warn;
	const uint8_t *t;		/* the base table, header included */
	uint32_t len;			/* its base length */
	uint32_t addr;			/* its physical address, for messages */
	uint8_t isa_bus[MP_BUS_IDS / 8];	/* bitmap of ISA bus ids */
	bool full_cpus, full_ioapics, full_overrides, full_nmis;
};

static uint16_t get16(const uint8_t *b)
{
	return (uint16_t)(b[0] | b[1] << 8);
}

static uint32_t get32(const uint8_t *b)
{
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	       (uint32_t)b[3] << 24;
}

/* §4: structures checksum to zero, byte-wise. */
static uint8_t sum8(const uint8_t *b, size_t n)
{
	uint8_t s = 0;

	for (size_t i = 0; i < n; i++)
		s = (uint8_t)(s + b[i]);
	return s;
}

static bool known_rev(uint8_t rev)
{
	return rev == MP_SPEC_REV_1_1 || rev == MP_SPEC_REV_1_4;
}

/* --- entries, first pass: processors, buses, I/O APICs --- */

static void add_cpu(struct mp_ctx *c, const uint8_t *e)
{
	struct platform *p = c->p;
	uint8_t flags = e[MPE_CPU_FLAGS];

	if (!(flags & MP_CPU_ENABLED))
		return;			/* §4.3.1: the OS must not use it */
	if (p->ncpus == PLATFORM_MAX_CPUS) {
		if (!c->full_cpus)
			WARN(c, "mptable: more than %d processors; extra ones ignored",
			     PLATFORM_MAX_CPUS);
		c->full_cpus = true;
		return;
	}
	p->cpu[p->ncpus++] = (struct platform_cpu){
		.apic_id = e[MPE_CPU_APIC_ID],
		.acpi_uid = e[MPE_CPU_APIC_ID],
		.bsp = flags & MP_CPU_BSP,
	};
}

static void add_bus(struct mp_ctx *c, const uint8_t *e)
{
	uint8_t id = e[MPE_BUS_ID];

	if (!memcmp(e + MPE_BUS_TYPE, MP_BUS_ISA, MP_BUS_TYPE_LEN))
		c->isa_bus[id / 8] |= (uint8_t)(1u << (id % 8));
}

static void add_ioapic(struct mp_ctx *c, const uint8_t *e)
{
	struct platform *p = c->p;

	if (!(e[MPE_IOAPIC_FLAGS] & MP_IOAPIC_USABLE))
		return;			/* §4.3.3: the OS must not touch it */
	if (p->nioapics == PLATFORM_MAX_IOAPICS) {
		if (!c->full_ioapics)
			WARN(c, "mptable: more than %d I/O APICs; extra ones ignored",
			     PLATFORM_MAX_IOAPICS);
		c->full_ioapics = true;
		return;
	}
	p->ioapic[p->nioapics] = (struct platform_ioapic){
		.id = e[MPE_IOAPIC_ID],
		.addr = get32(e + MPE_IOAPIC_ADDR),
		.gsi_base = p->nioapics * MP_IOAPIC_PINS,
	};
	p->nioapics++;
}

/* --- entries, second pass: interrupt assignments --- */

/* The I/O APIC an interrupt entry names, matched by id within the table
 * only (Firecracker's id, ncpu + 1, is nobody else's); NULL if none. */
static const struct platform_ioapic *find_ioapic(const struct platform *p, uint8_t id)
{
	if (id == MP_DST_ALL)
		return p->nioapics ? &p->ioapic[0] : NULL;
	for (unsigned i = 0; i < p->nioapics; i++)
		if (p->ioapic[i].id == id)
			return &p->ioapic[i];
	return NULL;
}

static bool reserved_flags(uint16_t flags)
{
	return (flags & INTI_POLARITY_MASK) == MP_INT_RESERVED_POLARITY ||
	       (flags & INTI_TRIGGER_MASK) == MP_INT_RESERVED_TRIGGER;
}

static bool has_override(const struct platform *p, uint8_t irq)
{
	for (unsigned i = 0; i < p->noverrides; i++)
		if (p->override[i].irq == irq)
			return true;
	return false;
}

/* An ISA IRQ that does not arrive at GSI irq with the bus's own polarity
 * and trigger becomes an override, as an ACPI MADT would list it. */
static void add_io_int(struct mp_ctx *c, const uint8_t *e)
{
	struct platform *p = c->p;
	uint8_t bus = e[MPE_INT_SRC_BUS], irq = e[MPE_INT_SRC_IRQ];
	uint8_t pin = e[MPE_INT_DST_PIN];
	uint16_t flags = get16(e + MPE_INT_FLAGS) & MP_INT_FLAGS_MASK;
	const struct platform_ioapic *io;
	uint32_t gsi;

	if (e[MPE_INT_TYPE] != MP_INT_INT || !(c->isa_bus[bus / 8] & (1u << (bus % 8))))
		return;			/* ExtINT/NMI/SMI, or a PCI interrupt */
	io = find_ioapic(p, e[MPE_INT_DST_ID]);
	if (!io || pin >= MP_IOAPIC_PINS || reserved_flags(flags)) {
		WARN(c, "mptable: ISA IRQ %u to I/O APIC %u pin %u flags %#x: unusable, ignored",
		     irq, e[MPE_INT_DST_ID], pin, flags);
		return;
	}
	gsi = io->gsi_base + pin;
	if (gsi == irq && !flags)
		return;			/* the identity default */
	if (has_override(p, irq)) {
		WARN(c, "mptable: ISA IRQ %u routed twice; GSI %u ignored", irq, gsi);
		return;
	}
	if (p->noverrides == PLATFORM_MAX_OVERRIDES) {
		if (!c->full_overrides)
			WARN(c, "mptable: more than %d ISA IRQ overrides; extra ones ignored",
			     PLATFORM_MAX_OVERRIDES);
		c->full_overrides = true;
		return;
	}
	p->override[p->noverrides++] = (struct platform_override){
		.irq = irq, .gsi = gsi, .flags = flags,
	};
}

static void add_local_int(struct mp_ctx *c, const uint8_t *e)
{
	struct platform *p = c->p;
	uint8_t apic = e[MPE_INT_DST_ID], lint = e[MPE_INT_DST_PIN];
	uint16_t flags = get16(e + MPE_INT_FLAGS) & MP_INT_FLAGS_MASK;

	if (e[MPE_INT_TYPE] != MP_INT_NMI)
		return;			/* ExtINT on LINT0 is the 8259's, masked */
	if (lint > MP_LINT_MAX || reserved_flags(flags)) {
		WARN(c, "mptable: NMI on LINT%u flags %#x: unusable, ignored", lint, flags);
		return;
	}
	if (p->nnmis == PLATFORM_MAX_NMIS) {
		if (!c->full_nmis)
			WARN(c, "mptable: more than %d NMI entries; extra ones ignored",
			     PLATFORM_MAX_NMIS);
		c->full_nmis = true;
		return;
	}
	p->nmi[p->nnmis++] = (struct platform_nmi){
		.apic_id = apic == MP_DST_ALL ? NMI_ALL_CPUS : apic,
		.lint = lint,
		.flags = flags,
	};
}

/* --- the walk --- */

/* The size of the entry at off, or 0 where the walk must end. Problems are
 * reported when report is set (the first pass), so each is said once. */
static uint32_t entry_size(const struct mp_ctx *c, uint32_t off, bool report)
{
	uint8_t type = c->t[off];
	uint32_t left = c->len - off, size;

	if (type == MPE_PROCESSOR) {
		size = MPE_PROCESSOR_SIZE;
	} else if (type <= MPE_LOCAL_INT) {
		size = MPE_SIZE;
	} else if (type >= MPE_EXTENDED_MIN && left >= MPE_EXT_MIN_SIZE &&
		   c->t[off + MPE_EXT_LENGTH] >= MPE_EXT_MIN_SIZE) {
		size = c->t[off + MPE_EXT_LENGTH];
		if (report && size <= left)
			WARN(c, "mptable: extended entry type %u at %#x in the base table; skipped",
			     type, c->addr + off);
	} else {
		if (report)
			WARN(c, "mptable: entry type %u at %#x unknown; rest of the table ignored",
			     type, c->addr + off);
		return 0;
	}
	if (size > left) {
		if (report)
			WARN(c, "mptable: entry type %u at %#x runs past the table's end; ignored",
			     type, c->addr + off);
		return 0;
	}
	return size;
}

/* The first pass takes the processors, buses and I/O APICs, the second
 * the interrupt entries, so that routing never depends on entry order. */
static void first_pass(struct mp_ctx *c, const uint8_t *e)
{
	if (e[0] == MPE_PROCESSOR)
		add_cpu(c, e);
	else if (e[0] == MPE_BUS)
		add_bus(c, e);
	else if (e[0] == MPE_IOAPIC)
		add_ioapic(c, e);
}

static void second_pass(struct mp_ctx *c, const uint8_t *e)
{
	if (e[0] == MPE_IO_INT)
		add_io_int(c, e);
	else if (e[0] == MPE_LOCAL_INT)
		add_local_int(c, e);
}

static void walk(struct mp_ctx *c, void (*entry)(struct mp_ctx *, const uint8_t *), bool report)
{
	uint32_t size;

	for (uint32_t off = MPC_HEADER_SIZE; off < c->len && (size = entry_size(c, off, report));
	     off += size)
		entry(c, c->t + off);
}

/* --- the search --- */

/* Reads and checks the configuration table header at addr; on success
 * c->t and c->len describe the whole base table. */
static int read_table(struct mp_ctx *c, uint32_t addr)
{
	const uint8_t *h = c->read(addr, MPC_HEADER_SIZE);
	uint16_t len;

	if (!h) {
		WARN(c, "mptable: configuration table at %#x unreadable", addr);
		return -1;
	}
	if (memcmp(h, MPC_SIGNATURE, MPC_SIGNATURE_LEN)) {
		WARN(c, "mptable: no PCMP signature at %#x", addr);
		return -1;
	}
	len = get16(h + MPC_BASE_LENGTH);
	if (len < MPC_HEADER_SIZE) {
		WARN(c, "mptable: configuration table at %#x: base length %u too short", addr, len);
		return -1;
	}
	c->t = c->read(addr, len);
	if (!c->t) {
		WARN(c, "mptable: configuration table at %#x: base length %u unreadable", addr, len);
		return -1;
	}
	if (sum8(c->t, len)) {
		WARN(c, "mptable: configuration table at %#x: bad checksum", addr);
		return -1;
	}
	if (!known_rev(c->t[MPC_SPEC_REV]))	/* same layout: go on */
		WARN(c, "mptable: configuration table spec revision %u unknown", c->t[MPC_SPEC_REV]);
	c->len = len;
	c->addr = addr;
	return 0;
}

static int parse_table(struct mp_ctx *c, uint32_t addr)
{
	struct platform *p = c->p;

	if (read_table(c, addr))
		return -1;
	memset(p, 0, sizeof(*p));
	memset(c->isa_bus, 0, sizeof(c->isa_bus));
	c->full_cpus = c->full_ioapics = c->full_overrides = c->full_nmis = false;
	p->source = PLATFORM_MPTABLE;
	p->pic_present = true;
	p->lapic_addr = get32(c->t + MPC_LAPIC_ADDR);
	if (!p->lapic_addr) {
		WARN(c, "mptable: local APIC address 0; using %#x", PLATFORM_LAPIC_DEFAULT);
		p->lapic_addr = PLATFORM_LAPIC_DEFAULT;
	}
	walk(c, first_pass, true);
	walk(c, second_pass, false);
	if (!p->ncpus) {
		WARN(c, "mptable: table at %#x lists no enabled processor", addr);
		return -1;
	}
	return 0;
}

/* Checks the floating pointer at addr (its signature already matched)
 * and parses the table it points to. */
static int try_pointer(struct mp_ctx *c, uint64_t addr, const uint8_t *para)
{
	uint32_t size = para[MPF_LENGTH] * MPF_PARAGRAPH;
	const uint8_t *fp = size ? c->read(addr, size) : NULL;

	if (!fp) {
		WARN(c, "mptable: _MP_ at %#llx: bad length %u", (unsigned long long)addr,
		     para[MPF_LENGTH]);
		return -1;
	}
	if (sum8(fp, size)) {
		WARN(c, "mptable: _MP_ at %#llx: bad checksum", (unsigned long long)addr);
		return -1;
	}
	if (!known_rev(fp[MPF_SPEC_REV])) {
		WARN(c, "mptable: _MP_ at %#llx: spec revision %u unknown", (unsigned long long)addr,
		     fp[MPF_SPEC_REV]);
		return -1;
	}
	if (fp[MPF_FEATURE1]) {
		WARN(c, "mptable: default configuration %u (no table) not supported",
		     fp[MPF_FEATURE1]);
		return -1;
	}
	if (!get32(fp + MPF_PHYSPTR)) {
		WARN(c, "mptable: _MP_ at %#llx points to no table", (unsigned long long)addr);
		return -1;
	}
	return parse_table(c, get32(fp + MPF_PHYSPTR));
}

/* Scans size bytes at base, paragraph by paragraph. The area is read in
 * one piece where possible, else each paragraph on its own. */
static int scan(struct mp_ctx *c, uint64_t base, uint32_t size)
{
	const uint8_t *area = c->read(base, size);

	for (uint32_t off = 0; off + MPF_PARAGRAPH <= size; off += MPF_PARAGRAPH) {
		const uint8_t *para = area ? area + off : c->read(base + off, MPF_PARAGRAPH);

		if (para && !memcmp(para, MPF_SIGNATURE, MPF_SIGNATURE_LEN) &&
		    !try_pointer(c, base + off, para))
			return 0;
	}
	return -1;
}

int mptable_parse(struct platform *p, uint32_t base_kib, uint32_t ebda, phys_reader read,
		  platform_warn_fn warn)
{
	struct mp_ctx c = { .p = p, .read = read, .warn = warn };
	uint64_t start[MP_SEARCH_AREAS];
	uint32_t size[MP_SEARCH_AREAS];
	unsigned n = 0;

	/* §4's order, with 0x9fc00 before the ROM; each area once. */
	if (ebda) {
		start[n] = ((uint64_t)ebda + MPF_PARAGRAPH - 1) & ~(uint64_t)(MPF_PARAGRAPH - 1);
		size[n++] = MP_SEARCH_KIB;
	}
	if (base_kib) {
		start[n] = (uint64_t)base_kib * 1024 - MP_SEARCH_KIB;
		size[n++] = MP_SEARCH_KIB;
	}
	start[n] = MP_QBOOT_FC_ADDR;
	size[n++] = MP_SEARCH_KIB;
	start[n] = MP_BIOS_ROM;
	size[n++] = MP_BIOS_ROM_SIZE;

	for (unsigned i = 0; i < n; i++) {
		bool seen = false;

		for (unsigned j = 0; j < i; j++)
			seen |= start[j] == start[i];
		if (!seen && !scan(&c, start[i], size[i]))
			return 0;
	}
	memset(p, 0, sizeof(*p));
	return -1;
}
