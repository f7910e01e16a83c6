/*
 * ACPI tables (ACPI 6.5, chapter 5): RSDP -> RSDT or XSDT -> MADT, FADT,
 * MCFG, and a bounded scan of the DSDT and SSDTs for \_S5, QEMU's
 * pvpanic device and virtio-mmio transports.
 *
 * Nothing is trusted: every table is read through `read` header first, its
 * length checked against the header size and ACPI_TABLE_MAX, then read
 * whole and checksummed before any field is used. A table that fails is
 * reported through `warn` (one line: signature, address, what is wrong)
 * and skipped. Inside a table, every offset and count is checked against
 * the table's length: a lying entry ends that walk with a warning. Fields
 * are read byte by byte (little-endian), so no alignment is assumed.
 */
#include <flint/platform.h>
#include <flint/string.h>

/* Largest table read: a sanity cap on the length field (real DSDTs are
 * tens of KiB), not an ACPI limit. */
#define ACPI_TABLE_MAX (1u << 20)
#define ACPI_MAX_SSDTS 16
#define ACPI_RSDP_MAX 4096	/* cap on the v2 RSDP's length field */

/* Root System Description Pointer, ACPI 6.5 §5.2.5.3. */
#define RSDP_SIG "RSD PTR "
#define RSDP_V1_LEN 20		/* checksum covers these bytes */
#define RSDP_V2_LEN 36		/* extended checksum covers `length` bytes */
#define RSDP_REVISION 15
#define RSDP_RSDT 16
#define RSDP_LENGTH 20
#define RSDP_XSDT 24
#define RSDP_REV_XSDT 2		/* revision 2 and later have the XSDT fields */

/* System Description Table Header, §5.2.6. */
#define HDR_SIG 0
#define HDR_LENGTH 4
#define HDR_REVISION 8
#define HDR_LEN 36

/* RSDT §5.2.7 (32-bit entries), XSDT §5.2.8 (64-bit entries). */
#define RSDT_ENTRY 4
#define XSDT_ENTRY 8

/* Multiple APIC Description Table, §5.2.12. */
#define MADT_LAPIC_ADDR 36
#define MADT_FLAGS 40
#define MADT_ENTRIES 44
#define MADT_PCAT_COMPAT 0x1	/* flags bit 0: dual 8259s present */
#define MADT_ENTRY_HDR 2	/* type, length */
/* Interrupt Controller Structure types, §5.2.12 Table 5.21. */
#define MADT_LAPIC 0x0		/* §5.2.12.2 */
#define MADT_IOAPIC 0x1		/* §5.2.12.3 */
#define MADT_ISO 0x2		/* §5.2.12.5 Interrupt Source Override */
#define MADT_NMI_SOURCE 0x3	/* §5.2.12.6 */
#define MADT_LAPIC_NMI 0x4	/* §5.2.12.7 */
#define MADT_LAPIC_OVERRIDE 0x5	/* §5.2.12.8 */
#define MADT_X2APIC 0x9		/* §5.2.12.12 */
#define MADT_X2APIC_NMI 0xa	/* §5.2.12.13 */
/* Local APIC Flags, §5.2.12.2 Table 5.23 (also x2APIC entries). */
#define MADT_CPU_ENABLED 0x1
#define MADT_CPU_ONLINE_CAPABLE 0x2	/* hot-plug slot: not running now */
#define MADT_UID_ALL_8 0xff		/* §5.2.12.7: NMI for every processor */
#define MADT_UID_ALL_32 0xffffffffu	/* §5.2.12.13 */
#define MADT_XAPIC_ID_MAX 0xfe	/* 0xff is broadcast: x2APIC entries beyond */
/* Entry layouts: offsets from the entry's first byte, and minimum lengths. */
#define LAPIC_LEN 8
#define LAPIC_UID 2
#define LAPIC_ID 3
#define LAPIC_FLAGS 4
#define IOAPIC_LEN 12
#define IOAPIC_ID 2
#define IOAPIC_ADDR 4
#define IOAPIC_GSI_BASE 8
#define ISO_LEN 10
#define ISO_BUS 2
#define ISO_SOURCE 3
#define ISO_GSI 4
#define ISO_FLAGS 8
#define ISO_BUS_ISA 0
#define NMI_SOURCE_LEN 8
#define LAPIC_NMI_LEN 6
#define LAPIC_NMI_UID 2
#define LAPIC_NMI_FLAGS 3
#define LAPIC_NMI_LINT 5
#define LAPIC_OVR_LEN 12
#define LAPIC_OVR_ADDR 4
#define X2APIC_LEN 16
#define X2APIC_ID 4
#define X2APIC_FLAGS 8
#define X2APIC_UID 12
#define X2APIC_NMI_LEN 12
#define X2APIC_NMI_FLAGS 2
#define X2APIC_NMI_UID 4
#define X2APIC_NMI_LINT 8
#define LINT_MAX 1

/* Fixed ACPI Description Table, §5.2.9 Table 5.9 (offsets, field sizes). */
#define FADT_DSDT 40		/* 4 */
#define FADT_PM1A_CNT_BLK 64	/* 4, I/O port */
#define FADT_PM1B_CNT_BLK 68	/* 4 */
#define FADT_PM1_CNT_LEN 89	/* 1, bytes */
#define FADT_FLAGS 112		/* 4 */
#define FADT_RESET_REG 116	/* GAS */
#define FADT_RESET_VALUE 128	/* 1 */
#define FADT_X_DSDT 140		/* 8 */
#define FADT_X_PM1A_CNT_BLK 172	/* GAS */
#define FADT_X_PM1B_CNT_BLK 184	/* GAS */
#define FADT_SLEEP_CONTROL_REG 244	/* GAS, revision 5 and later */
#define FADT_FLAG_RESET_REG_SUP (1u << 10)	/* Table 5.10 */
#define FADT_FLAG_HW_REDUCED (1u << 20)
/* Length each revision defines: 1 (ACPI 1.0), 3 (2.0), 5 (5.0), 6 (6.0). */
#define FADT_LEN_V1 116
#define FADT_LEN_V3 244
#define FADT_LEN_V5 268
#define FADT_LEN_V6 276
#define FADT_REV_SLEEP_REGS 5

/* Generic Address Structure, §5.2.3.2. */
#define GAS_LEN 12
#define GAS_SPACE 0
#define GAS_BIT_WIDTH 1
#define GAS_BIT_OFFSET 2
#define GAS_ACCESS_SIZE 3
#define GAS_ADDR 4

/* MCFG, PCI Firmware Specification 3.x §4.1.2: header, 8 reserved bytes,
 * then 16-byte allocation structures. */
#define MCFG_ALLOCS 44
#define MCFG_ALLOC_LEN 16
#define MCFG_BASE 0
#define MCFG_SEGMENT 8
#define MCFG_BUS_START 10
#define MCFG_BUS_END 11

/* AML encoding, ACPI 6.5 §20.2. */
#define AML_ZERO_OP 0x00	/* §20.2.3 */
#define AML_ONE_OP 0x01
#define AML_NAME_OP 0x08	/* §20.2.5.1 DefName */
#define AML_BYTE_PREFIX 0x0a	/* §20.2.3 ComputationalData */
#define AML_WORD_PREFIX 0x0b
#define AML_DWORD_PREFIX 0x0c
#define AML_STRING_PREFIX 0x0d
#define AML_QWORD_PREFIX 0x0e
#define AML_BUFFER_OP 0x11	/* §20.2.5.4 DefBuffer */
#define AML_PACKAGE_OP 0x12	/* §20.2.5.4 DefPackage */
#define AML_ONES_OP 0xff
#define AML_EXT_PREFIX 0x5b	/* §20.2.5.2: ExtOpPrefix DeviceOp = 5B 82 */
#define AML_DEVICE_OP 0x82
#define AML_ROOT_CHAR '\\'	/* §20.2.2 Name Objects Encoding */
#define AML_PARENT_CHAR '^'
#define AML_NAMESEG_LEN 4
/* PkgLength, §20.2.4: lead byte bits 7-6 count the bytes that follow; with
 * none, bits 5-0 are the length; else bits 3-0 are its low nibble and
 * bits 5-4 must be zero. The length counts the PkgLength bytes too. */
#define AML_PKGLEN_FOLLOW_SHIFT 6
#define AML_PKGLEN_SHORT_MASK 0x3f
#define AML_PKGLEN_NIBBLE_MASK 0x0f
#define AML_PKGLEN_RESERVED 0x30
#define SLP_TYP_MAX 7		/* §4.8.3.2.1: SLP_TYPx is a 3-bit field */

/* Resource descriptors, ACPI 6.5 §6.4. */
#define RES_LARGE 0x80		/* §6.4.3: bit 7 set, 16-bit length follows */
#define RES_LARGE_HDR 3
#define RES_SMALL_TYPE(tag) (((tag) >> 3) & 0xf)	/* §6.4.2 */
#define RES_SMALL_LEN(tag) ((tag) & 0x7)
#define RES_TYPE_IO 0x08	/* §6.4.2.5 I/O Port Descriptor */
#define RES_IO_LEN 7
#define RES_IO_MIN 2		/* offset from the tag: _MIN, 16 bits */
#define RES_TYPE_FIXED_IO 0x09	/* §6.4.2.6 Fixed Location I/O Port */
#define RES_FIXED_IO_LEN 3
#define RES_FIXED_IO_BASE 1
#define RES_FIXED_IO_MASK 0x3ff	/* 10-bit ISA decode */
#define RES_TYPE_END 0x0f	/* §6.4.2.9 End Tag */
#define RES_TYPE_IRQ 0x04	/* §6.4.2.1 IRQ Descriptor */
#define RES_IRQ_LEN 2		/* a 16-bit mask of IRQs 0-15 (a 3rd byte: flags) */
#define RES_IRQ_MASK 1
#define RES_MEM32_FIXED 0x86	/* §6.4.3.4 32-Bit Fixed Memory Range Descriptor */
#define RES_MEM32_FIXED_LEN 9	/* its length field: info, base, length */
#define RES_MEM32_FIXED_BASE 4	/* offsets from the tag */
#define RES_MEM32_FIXED_SIZE 8
#define RES_EXT_IRQ 0x89	/* §6.4.3.6 Extended Interrupt Descriptor */
#define RES_EXT_IRQ_MIN_LEN 6	/* flags, table length, one 32-bit interrupt */
#define RES_EXT_IRQ_COUNT 4	/* offsets from the tag */
#define RES_EXT_IRQ_FIRST 5
#define RES_EXT_IRQ_FIXED_LEN 2	/* the length field's bytes before the table */
#define RES_EXT_IRQ_ENTRY 4

/* The ACPI id of a virtio-mmio transport (Virtio 1.2 §4.2): Linaro's,
 * which Linux's virtio_mmio driver matches and QEMU microvm and
 * Firecracker use. */
#define VIRTIO_MMIO_HID "LNRO0005"

#define PVPANIC_PORT_DEFAULT 0x505	/* QEMU's pvpanic-isa "ioport" default */
/* How far before a _HID the enclosing DeviceOp may start: 5B 82, a
 * PkgLength (4 at most), a NameString (a few segments). */
#define AML_DEVICE_LOOKBACK 64

/* A table that passed its checks. */
struct table {
	const uint8_t *b;
	uint32_t len;
	uint64_t addr;
	char sig[AML_NAMESEG_LEN + 1];	/* printable, for warnings */
};

struct acpi {
	struct platform *p;
	phys_reader read;
	platform_warn_fn warn;
	bool have_madt, have_fadt, have_mcfg;
	uint64_t dsdt;
	unsigned nssdts;
	uint64_t ssdt[ACPI_MAX_SSDTS];
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

static uint64_t get64(const uint8_t *b)
{
	return get32(b) | (uint64_t)get32(b + 4) << 32;
}

static uint8_t checksum(const uint8_t *b, uint32_t len)
{
	uint8_t sum = 0;

	while (len--)
		sum += *b++;
	return sum;
}

static unsigned long long ull(uint64_t v)
{
	return v;
}

/* The signature as printable text: table bytes may be anything. */
static void sig_text(const uint8_t *b, char out[AML_NAMESEG_LEN + 1])
{
	for (int i = 0; i < AML_NAMESEG_LEN; i++)
		out[i] = b[i] >= ' ' && b[i] < 0x7f ? (char)b[i] : '?';
	out[AML_NAMESEG_LEN] = '\0';
}

/* read(), refusing ranges that wrap around the address space. */
static const uint8_t *phys(struct acpi *a, uint64_t addr, uint32_t len)
{
	if (addr + len < addr)
		return NULL;
	return a->read(addr, len);
}

/*
 * Reads the table at addr: header, sane length, the whole table, checksum,
 * and the signature when want is not NULL. Fills t and returns true, or
 * warns and returns false.
 */
static bool table_get(struct acpi *a, uint64_t addr, const char *want, struct table *t)
{
	const uint8_t *h = phys(a, addr, HDR_LEN);
	uint8_t sum;

	t->addr = addr;
	if (!h) {
		a->warn("acpi: %s at %#llx: cannot read the header", want ? want : "table",
			ull(addr));
		return false;
	}
	sig_text(h + HDR_SIG, t->sig);
	if (want && memcmp(h + HDR_SIG, want, AML_NAMESEG_LEN) != 0) {
		a->warn("acpi: %s at %#llx: signature is '%s'", want, ull(addr), t->sig);
		return false;
	}
	t->len = get32(h + HDR_LENGTH);
	if (t->len < HDR_LEN || t->len > ACPI_TABLE_MAX) {
		a->warn("acpi: %s at %#llx: length %u is not in [%u, %u]", t->sig, ull(addr),
			t->len, HDR_LEN, ACPI_TABLE_MAX);
		return false;
	}
	t->b = phys(a, addr, t->len);
	if (!t->b) {
		a->warn("acpi: %s at %#llx: cannot read its %u bytes", t->sig, ull(addr), t->len);
		return false;
	}
	sum = checksum(t->b, t->len);
	if (sum) {
		a->warn("acpi: %s at %#llx: bad checksum (sum %#x)", t->sig, ull(addr), sum);
		return false;
	}
	return true;
}

/* --- MADT ------------------------------------------------------------ */

/* Minimum length of each entry type the parser reads; 0: not read. */
static uint8_t madt_min_len(uint8_t type)
{
	switch (type) {
	case MADT_LAPIC: return LAPIC_LEN;
	case MADT_IOAPIC: return IOAPIC_LEN;
	case MADT_ISO: return ISO_LEN;
	case MADT_NMI_SOURCE: return NMI_SOURCE_LEN;
	case MADT_LAPIC_NMI: return LAPIC_NMI_LEN;
	case MADT_LAPIC_OVERRIDE: return LAPIC_OVR_LEN;
	case MADT_X2APIC: return X2APIC_LEN;
	case MADT_X2APIC_NMI: return X2APIC_NMI_LEN;
	default: return 0;
	}
}

/*
 * The entry at *off, advancing *off past it; NULL at the end of the table
 * or at an entry whose length is below 2 or runs past the end (which ends
 * the walk, with a warning when report is set).
 */
static const uint8_t *madt_next(struct acpi *a, const struct table *t, uint32_t *off,
				bool report)
{
	const uint8_t *e;
	uint32_t left;

	if (*off >= t->len)
		return NULL;
	left = t->len - *off;
	e = t->b + *off;
	if (left < MADT_ENTRY_HDR || e[1] < MADT_ENTRY_HDR || e[1] > left) {
		if (report)
			a->warn("acpi: APIC at %#llx: entry at offset %u (type %u, length %u) "
				"runs past the end (%u bytes); rest ignored", ull(t->addr),
				*off, e[0], left < MADT_ENTRY_HDR ? 0 : e[1], t->len);
		*off = t->len;
		return NULL;
	}
	*off += e[1];
	return e;
}

static bool madt_cpu_known(const struct platform *p, uint32_t apic_id)
{
	for (unsigned i = 0; i < p->ncpus; i++)
		if (p->cpu[i].apic_id == apic_id)
			return true;
	return false;
}

struct madt_counts {
	unsigned cpus, ioapics, overrides, nmis;	/* dropped at the caps */
};

/* A processor entry (local APIC or x2APIC). The first enabled one is the
 * boot CPU: ACPI 6.5 §5.2.12.2 asks firmware to list the boot processor
 * first, and the parser cannot know the running CPU's APIC id. */
static void madt_cpu(struct acpi *a, const struct table *t, struct madt_counts *drop,
		     uint32_t apic_id, uint32_t uid, uint32_t flags)
{
	struct platform *p = a->p;

	/* Not enabled: absent, or an online-capable hot-plug slot. */
	if (!(flags & MADT_CPU_ENABLED))
		return;
	if (madt_cpu_known(p, apic_id)) {
		a->warn("acpi: APIC at %#llx: APIC id %#x listed twice; second ignored",
			ull(t->addr), apic_id);
		return;
	}
	if (p->ncpus == PLATFORM_MAX_CPUS) {
		drop->cpus++;
		return;
	}
	p->cpu[p->ncpus] = (struct platform_cpu){
		.apic_id = apic_id, .acpi_uid = uid, .bsp = p->ncpus == 0,
	};
	p->ncpus++;
}

static void madt_ioapic(struct acpi *a, struct madt_counts *drop, const uint8_t *e)
{
	struct platform *p = a->p;

	if (p->nioapics == PLATFORM_MAX_IOAPICS) {
		drop->ioapics++;
		return;
	}
	p->ioapic[p->nioapics++] = (struct platform_ioapic){
		.id = e[IOAPIC_ID],
		.addr = get32(e + IOAPIC_ADDR),
		.gsi_base = get32(e + IOAPIC_GSI_BASE),
	};
}

static void madt_override(struct acpi *a, const struct table *t, struct madt_counts *drop,
			  const uint8_t *e)
{
	struct platform *p = a->p;

	if (e[ISO_BUS] != ISO_BUS_ISA) {
		a->warn("acpi: APIC at %#llx: interrupt override for bus %u (not ISA) ignored",
			ull(t->addr), e[ISO_BUS]);
		return;
	}
	if (p->noverrides == PLATFORM_MAX_OVERRIDES) {
		drop->overrides++;
		return;
	}
	p->override[p->noverrides++] = (struct platform_override){
		.irq = e[ISO_SOURCE],
		.gsi = get32(e + ISO_GSI),
		.flags = get16(e + ISO_FLAGS),
	};
}

/* First pass: processors, IOAPICs, overrides, the 64-bit LAPIC address. */
static void madt_entry(struct acpi *a, const struct table *t, struct madt_counts *drop,
		       const uint8_t *e)
{
	uint64_t addr;

	switch (e[0]) {
	case MADT_LAPIC:
		/* 0xff is the xAPIC broadcast id, never a processor's. */
		if (e[LAPIC_ID] > MADT_XAPIC_ID_MAX && (get32(e + LAPIC_FLAGS) & MADT_CPU_ENABLED)) {
			a->warn("acpi: APIC at %#llx: processor UID %u has APIC id 0xff; ignored",
				ull(t->addr), e[LAPIC_UID]);
			break;
		}
		madt_cpu(a, t, drop, e[LAPIC_ID], e[LAPIC_UID], get32(e + LAPIC_FLAGS));
		break;
	case MADT_X2APIC:
		madt_cpu(a, t, drop, get32(e + X2APIC_ID), get32(e + X2APIC_UID),
			 get32(e + X2APIC_FLAGS));
		break;
	case MADT_IOAPIC:
		madt_ioapic(a, drop, e);
		break;
	case MADT_ISO:
		madt_override(a, t, drop, e);
		break;
	case MADT_LAPIC_OVERRIDE:
		addr = get64(e + LAPIC_OVR_ADDR);
		if (addr)
			a->p->lapic_addr = addr;
		break;
	default:
		/* NMI sources (type 3) name a GSI wired to NMI: nothing to
		 * route while the IOAPIC pins stay masked. */
		break;
	}
}

/*
 * The APIC id of the processor with this ACPI UID: 0 with *id set, 1 when
 * that processor is not enabled (a hot-plug slot), -1 when no processor
 * entry has the UID.
 */
static int madt_uid_to_id(struct acpi *a, const struct table *t, uint32_t uid, uint32_t *id)
{
	uint32_t off = MADT_ENTRIES, flags;
	const uint8_t *e;

	while ((e = madt_next(a, t, &off, false))) {
		if (e[1] < madt_min_len(e[0]))
			continue;
		if (e[0] == MADT_LAPIC && e[LAPIC_UID] == uid) {
			*id = e[LAPIC_ID];
			flags = get32(e + LAPIC_FLAGS);
		} else if (e[0] == MADT_X2APIC && get32(e + X2APIC_UID) == uid) {
			*id = get32(e + X2APIC_ID);
			flags = get32(e + X2APIC_FLAGS);
		} else {
			continue;
		}
		return flags & MADT_CPU_ENABLED ? 0 : 1;
	}
	return -1;
}

/* Second pass: local APIC NMI entries, whose UIDs name processors listed
 * anywhere in the table. */
static void madt_nmi(struct acpi *a, const struct table *t, struct madt_counts *drop,
		     const uint8_t *e)
{
	struct platform *p = a->p;
	uint32_t uid, all, id = MADT_UID_ALL_32;
	uint16_t flags;
	uint8_t lint;
	int found;

	if (e[0] == MADT_LAPIC_NMI) {
		uid = e[LAPIC_NMI_UID];
		all = MADT_UID_ALL_8;
		flags = get16(e + LAPIC_NMI_FLAGS);
		lint = e[LAPIC_NMI_LINT];
	} else if (e[0] == MADT_X2APIC_NMI) {
		uid = get32(e + X2APIC_NMI_UID);
		all = MADT_UID_ALL_32;
		flags = get16(e + X2APIC_NMI_FLAGS);
		lint = e[X2APIC_NMI_LINT];
	} else {
		return;
	}
	if (lint > LINT_MAX) {
		a->warn("acpi: APIC at %#llx: NMI on LINT%u ignored", ull(t->addr), lint);
		return;
	}
	if (uid != all) {
		found = madt_uid_to_id(a, t, uid, &id);
		if (found < 0)
			a->warn("acpi: APIC at %#llx: NMI for unknown processor UID %u ignored",
				ull(t->addr), uid);
		if (found)
			return;
	}
	if (p->nnmis == PLATFORM_MAX_NMIS) {
		drop->nmis++;
		return;
	}
	p->nmi[p->nnmis++] = (struct platform_nmi){ .apic_id = id, .lint = lint, .flags = flags };
}

static void madt_report_drops(struct acpi *a, const struct table *t,
			      const struct madt_counts *d)
{
	if (d->cpus)
		a->warn("acpi: APIC at %#llx: %u enabled processors beyond %d ignored",
			ull(t->addr), d->cpus, PLATFORM_MAX_CPUS);
	if (d->ioapics)
		a->warn("acpi: APIC at %#llx: %u IOAPICs beyond %d ignored", ull(t->addr),
			d->ioapics, PLATFORM_MAX_IOAPICS);
	if (d->overrides)
		a->warn("acpi: APIC at %#llx: %u interrupt overrides beyond %d ignored",
			ull(t->addr), d->overrides, PLATFORM_MAX_OVERRIDES);
	if (d->nmis)
		a->warn("acpi: APIC at %#llx: %u NMI entries beyond %d ignored", ull(t->addr),
			d->nmis, PLATFORM_MAX_NMIS);
}

static void madt_parse(struct acpi *a, uint64_t addr)
{
	struct madt_counts drop = { 0 };
	struct table t;
	const uint8_t *e;
	uint32_t off;

	if (!table_get(a, addr, "APIC", &t))
		return;
	if (t.len < MADT_ENTRIES) {
		a->warn("acpi: APIC at %#llx: %u bytes, shorter than its %u-byte header",
			ull(addr), t.len, MADT_ENTRIES);
		return;
	}
	a->p->lapic_addr = get32(t.b + MADT_LAPIC_ADDR);
	a->p->pic_present = get32(t.b + MADT_FLAGS) & MADT_PCAT_COMPAT;

	for (off = MADT_ENTRIES; (e = madt_next(a, &t, &off, true));) {
		if (e[1] < madt_min_len(e[0])) {
			a->warn("acpi: APIC at %#llx: type %u entry at offset %u has length %u "
				"< %u; ignored", ull(addr), e[0], (unsigned)(e - t.b), e[1],
				madt_min_len(e[0]));
			continue;
		}
		madt_entry(a, &t, &drop, e);
	}
	for (off = MADT_ENTRIES; (e = madt_next(a, &t, &off, false));)
		if (e[1] >= madt_min_len(e[0]))
			madt_nmi(a, &t, &drop, e);
	madt_report_drops(a, &t, &drop);
	/* Without a running processor the table describes nothing usable:
	 * let the caller try the MP table. */
	if (!a->p->ncpus) {
		a->warn("acpi: APIC at %#llx: no enabled processor; not used", ull(addr));
		return;
	}
	a->have_madt = true;
}

/* --- FADT ------------------------------------------------------------ */

static bool fits(const struct table *t, uint32_t off, uint32_t size)
{
	return off <= t->len && size <= t->len - off;
}

/* The GAS at off; false (g zeroed) when absent or in a space other than
 * memory or I/O, which Flint cannot use (warned). */
static bool gas_get(struct acpi *a, const struct table *t, uint32_t off, const char *what,
		    struct platform_gas *g)
{
	const uint8_t *b = t->b + off;

	*g = (struct platform_gas){ 0 };
	if (!fits(t, off, GAS_LEN) || !get64(b + GAS_ADDR))
		return false;
	if (b[GAS_SPACE] != GAS_SPACE_MEMORY && b[GAS_SPACE] != GAS_SPACE_IO) {
		a->warn("acpi: FACP at %#llx: %s in address space %u ignored", ull(t->addr),
			what, b[GAS_SPACE]);
		return false;
	}
	*g = (struct platform_gas){
		.space = b[GAS_SPACE],
		.bit_width = b[GAS_BIT_WIDTH],
		.bit_offset = b[GAS_BIT_OFFSET],
		.access_size = b[GAS_ACCESS_SIZE],
		.addr = get64(b + GAS_ADDR),
	};
	return true;
}

/* A PM1 control block: the X_ GAS when the table has it and it is set,
 * else the ACPI 1.0 I/O port of PM1_CNT_LEN bytes. */
static void fadt_pm1(struct acpi *a, const struct table *t, uint32_t x_off, uint32_t port_off,
		     const char *what, struct platform_gas *g)
{
	uint32_t port;

	if (gas_get(a, t, x_off, what, g))
		return;
	if (!fits(t, port_off, 4) || !fits(t, FADT_PM1_CNT_LEN, 1))
		return;
	port = get32(t->b + port_off);
	if (port)
		*g = (struct platform_gas){
			.space = GAS_SPACE_IO,
			.bit_width = (uint8_t)(t->b[FADT_PM1_CNT_LEN] * 8),
			.addr = port,
		};
}

/* The length the FADT's revision defines. */
static uint32_t fadt_rev_len(uint8_t rev)
{
	if (rev >= 6)
		return FADT_LEN_V6;
	if (rev >= FADT_REV_SLEEP_REGS)
		return FADT_LEN_V5;
	if (rev >= 3)
		return FADT_LEN_V3;
	return FADT_LEN_V1;
}

static void fadt_parse(struct acpi *a, uint64_t addr)
{
	struct platform *p = a->p;
	struct table t;
	uint32_t flags = 0;
	uint64_t dsdt = 0;
	uint8_t rev;

	if (!table_get(a, addr, "FACP", &t))
		return;
	a->have_fadt = true;
	rev = t.b[HDR_REVISION];
	if (t.len < fadt_rev_len(rev))
		a->warn("acpi: FACP at %#llx: revision %u needs %u bytes, has %u; "
			"fields past the end are ignored", ull(addr), rev, fadt_rev_len(rev), t.len);

	if (fits(&t, FADT_FLAGS, 4))
		flags = get32(t.b + FADT_FLAGS);
	p->hw_reduced = flags & FADT_FLAG_HW_REDUCED;
	/* HW-reduced ACPI has no PM1 blocks: OSPM ignores those fields. */
	if (!p->hw_reduced) {
		fadt_pm1(a, &t, FADT_X_PM1A_CNT_BLK, FADT_PM1A_CNT_BLK, "X_PM1a_CNT_BLK",
			 &p->pm1a_cnt);
		fadt_pm1(a, &t, FADT_X_PM1B_CNT_BLK, FADT_PM1B_CNT_BLK, "X_PM1b_CNT_BLK",
			 &p->pm1b_cnt);
	}
	if ((flags & FADT_FLAG_RESET_REG_SUP) && fits(&t, FADT_RESET_VALUE, 1) &&
	    gas_get(a, &t, FADT_RESET_REG, "RESET_REG", &p->reset_reg))
		p->reset_value = t.b[FADT_RESET_VALUE];
	if (rev >= FADT_REV_SLEEP_REGS)
		gas_get(a, &t, FADT_SLEEP_CONTROL_REG, "SLEEP_CONTROL_REG", &p->sleep_control);

	if (fits(&t, FADT_X_DSDT, 8))
		dsdt = get64(t.b + FADT_X_DSDT);
	if (!dsdt && fits(&t, FADT_DSDT, 4))
		dsdt = get32(t.b + FADT_DSDT);
	a->dsdt = dsdt;
}

/* --- MCFG ------------------------------------------------------------ */

static void mcfg_parse(struct acpi *a, uint64_t addr)
{
	struct platform *p = a->p;
	struct table t;
	const uint8_t *e;

	if (!table_get(a, addr, "MCFG", &t))
		return;
	a->have_mcfg = true;
	if (t.len < MCFG_ALLOCS || (t.len - MCFG_ALLOCS) % MCFG_ALLOC_LEN)
		a->warn("acpi: MCFG at %#llx: length %u is not %u + %u * n; partial entry "
			"ignored", ull(addr), t.len, MCFG_ALLOCS, MCFG_ALLOC_LEN);
	for (uint32_t off = MCFG_ALLOCS; fits(&t, off, MCFG_ALLOC_LEN); off += MCFG_ALLOC_LEN) {
		e = t.b + off;
		if (get16(e + MCFG_SEGMENT) != 0)
			continue;
		if (e[MCFG_BUS_START] > e[MCFG_BUS_END] || !get64(e + MCFG_BASE)) {
			a->warn("acpi: MCFG at %#llx: segment 0 entry with base %#llx, buses "
				"%u-%u ignored", ull(addr), ull(get64(e + MCFG_BASE)),
				e[MCFG_BUS_START], e[MCFG_BUS_END]);
			continue;
		}
		p->ecam_base = get64(e + MCFG_BASE);
		p->ecam_bus_start = e[MCFG_BUS_START];
		p->ecam_bus_end = e[MCFG_BUS_END];
		return;
	}
}

/* --- AML scan ---------------------------------------------------------
 *
 * Not an interpreter: a search of the definition block's bytes for two
 * fixed shapes, every step bounded by the table's length.
 *
 * Understood:
 *  - \_S5 as `Name (_S5, Package (n) { a, b, ... })` (DefName, ACPI 6.5
 *    §20.2.5.1) with the name written _S5_, \_S5_ or ^..._S5_, a
 *    PkgLength of 1-4 bytes, and a and b each ZeroOp, OneOp, OnesOp or a
 *    Byte/Word/DWord/QWordPrefix constant. One element: SLP_TYPb = a.
 *  - QEMU's pvpanic as `Name (_HID, "QEMU0001")` (a string: "QEMU0001" is
 *    an ACPI id, 4 letters + 4 hex digits, so it has no EISA-id integer
 *    form); its port from the first IO or FixedIO descriptor of a
 *    `Name (_CRS, Buffer/ResourceTemplate)` inside the same Device, when
 *    the Device (5B 82) starts within AML_DEVICE_LOOKBACK bytes before the
 *    _HID; else PVPANIC_PORT_DEFAULT.
 *  - Virtio-mmio transports as `Name (_HID, "LNRO0005")`, each with the
 *    first Memory32Fixed descriptor (the window) and the first Extended
 *    Interrupt or IRQ descriptor (the GSI) of its _CRS buffer, found as for
 *    pvpanic. A device whose _CRS is missing, truncated or lacks either is
 *    reported and skipped. Every table is scanned for them, up to
 *    PLATFORM_MAX_MMIO.
 *
 * Not understood: anything that needs evaluation. No method is run, so an
 * _S5 that is a Method, a package built from named objects or expressions,
 * or a table loaded at run time (Load, LoadTable) is not found, nor is a
 * _HID or _CRS computed by a method; _STA is not checked (a disabled
 * pvpanic still counts). Control flow is not followed either: a Name (_S5)
 * inside If/Else or a method body is taken as if it were unconditional.
 * Scopes are not tracked: a Name (_S5, ...) inside any Scope or Device
 * matches too, while a multi-segment path (Name (\_SB.XYZ._S5, ...)) does
 * not.
 * The byte search can in principle match inside a buffer or string that
 * happens to hold the same bytes; the PackageOp/StringPrefix that must
 * follow makes that unlikely. The first match wins (DSDT, then SSDTs in
 * RSDT/XSDT order).
 */

/* The PkgLength at *pos: its value (which counts its own bytes), with *pos
 * moved past it. False when it does not fit before end or is malformed. */
static bool aml_pkglen(const uint8_t *b, uint32_t end, uint32_t *pos, uint32_t *value)
{
	uint32_t at = *pos, follow, v;

	if (at >= end)
		return false;
	follow = b[at] >> AML_PKGLEN_FOLLOW_SHIFT;
	if (!follow) {
		v = b[at] & AML_PKGLEN_SHORT_MASK;
	} else {
		if ((b[at] & AML_PKGLEN_RESERVED) || follow >= end - at)
			return false;
		v = b[at] & AML_PKGLEN_NIBBLE_MASK;
		for (uint32_t i = 0; i < follow; i++)
			v |= (uint32_t)b[at + 1 + i] << (4 + 8 * i);
	}
	*pos = at + 1 + follow;
	*value = v;
	return true;
}

/* The end of the package whose PkgLength is at *pos (moved past it); 0
 * when it does not fit before end. */
static uint32_t aml_pkg_end(const uint8_t *b, uint32_t end, uint32_t *pos)
{
	uint32_t start = *pos, v;

	if (!aml_pkglen(b, end, pos, &v) || v < *pos - start || v > end - start)
		return 0;
	return start + v;
}

/* A constant integer at *pos (moved past it); false if it is anything
 * else or does not fit before end. */
static bool aml_int(const uint8_t *b, uint32_t end, uint32_t *pos, uint64_t *v)
{
	uint32_t at = *pos, size;

	if (at >= end)
		return false;
	switch (b[at]) {
	case AML_ZERO_OP: *v = 0; size = 0; break;
	case AML_ONE_OP: *v = 1; size = 0; break;
	case AML_ONES_OP: *v = ~(uint64_t)0; size = 0; break;
	case AML_BYTE_PREFIX: size = 1; break;
	case AML_WORD_PREFIX: size = 2; break;
	case AML_DWORD_PREFIX: size = 4; break;
	case AML_QWORD_PREFIX: size = 8; break;
	default: return false;
	}
	if (size >= end - at)
		return false;
	if (size) {
		*v = 0;
		for (uint32_t i = 0; i < size; i++)
			*v |= (uint64_t)b[at + 1 + i] << (8 * i);
	}
	*pos = at + 1 + size;
	return true;
}

/* Where the NameSeg at seg starts its NameString: before a '\' or '^'
 * prefix if there is one (never inside the table header). */
static uint32_t aml_name_start(const uint8_t *b, uint32_t seg)
{
	if (seg > HDR_LEN && b[seg - 1] == AML_ROOT_CHAR)
		return seg - 1;
	while (seg > HDR_LEN && b[seg - 1] == AML_PARENT_CHAR)
		seg--;
	return seg;
}

/* The offset of the next `NameOp <prefix>name` with a NameSeg of name,
 * searching [from, end) for the NameSeg; returns the offset just past the
 * NameSeg, or 0 when there is none. */
static uint32_t aml_find_name(const uint8_t *b, uint32_t from, uint32_t end, const char *name)
{
	uint32_t start;

	uint32_t want = get32((const uint8_t *)name);

	/* One 4-byte compare a step: this walks the whole DSDT (a few KiB on
	 * q35), and at boot every instruction counts. */
	for (uint32_t i = from; i < end && end - i >= AML_NAMESEG_LEN; i++) {
		if (get32(b + i) != want)
			continue;
		start = aml_name_start(b, i);
		if (start > HDR_LEN && b[start - 1] == AML_NAME_OP)
			return i + AML_NAMESEG_LEN;
	}
	return 0;
}

static bool s5_value(struct acpi *a, const struct table *t, uint32_t end, uint32_t *pos,
		     const char *which, uint8_t *out)
{
	uint64_t v;

	if (!aml_int(t->b, end, pos, &v)) {
		a->warn("acpi: %s at %#llx: \\_S5 %s at offset %u is not an integer constant "
			"inside the package", t->sig, ull(t->addr), which, *pos);
		return false;
	}
	if (v > SLP_TYP_MAX) {
		a->warn("acpi: %s at %#llx: \\_S5 %s is %#llx, more than SLP_TYP's 3 bits",
			t->sig, ull(t->addr), which, ull(v));
		return false;
	}
	*out = (uint8_t)v;
	return true;
}

/* `Package (n) { a, b, ... }` at pos, the value of \_S5. */
static void s5_package(struct acpi *a, const struct table *t, uint32_t pos)
{
	struct platform *p = a->p;
	uint32_t op = pos, end;
	uint8_t n, typ_a, typ_b;

	pos++;	/* PackageOp */
	end = aml_pkg_end(t->b, t->len, &pos);
	if (!end || pos >= end) {
		a->warn("acpi: %s at %#llx: \\_S5 package at offset %u runs past the table",
			t->sig, ull(t->addr), op);
		return;
	}
	n = t->b[pos++];
	if (!n) {
		a->warn("acpi: %s at %#llx: \\_S5 package is empty", t->sig, ull(t->addr));
		return;
	}
	if (!s5_value(a, t, end, &pos, "SLP_TYPa", &typ_a))
		return;
	typ_b = typ_a;
	if (n > 1 && !s5_value(a, t, end, &pos, "SLP_TYPb", &typ_b))
		return;
	p->s5_valid = true;
	p->s5_typ_a = typ_a;
	p->s5_typ_b = typ_b;
}

/* The first `Name (_S5_, Package ...)`. */
static bool s5_scan(struct acpi *a, const struct table *t)
{
	uint32_t pos = HDR_LEN;

	while ((pos = aml_find_name(t->b, pos, t->len, "_S5_"))) {
		if (pos < t->len && t->b[pos] == AML_PACKAGE_OP) {
			s5_package(a, t, pos);
			return true;
		}
	}
	return false;
}

/* The length, header included, of the resource descriptor at pos in a
 * template ending at end; 0 when it runs past end. */
static uint32_t res_len(const uint8_t *b, uint32_t pos, uint32_t end)
{
	uint32_t len;

	if (pos >= end)
		return 0;
	if (b[pos] & RES_LARGE) {
		if (end - pos < RES_LARGE_HDR)
			return 0;
		len = RES_LARGE_HDR + get16(b + pos + 1);
	} else {
		len = 1 + RES_SMALL_LEN(b[pos]);
	}
	return len <= end - pos ? len : 0;
}

/* The first I/O port of a resource template in [pos, end). */
static bool crs_io_port(const uint8_t *b, uint32_t pos, uint32_t end, uint16_t *port)
{
	uint32_t len;
	uint8_t tag;

	while (pos < end) {
		tag = b[pos];
		len = res_len(b, pos, end);
		if (!len)
			return false;
		if (tag & RES_LARGE) {
			/* No port in large descriptors we care about. */
		} else if (RES_SMALL_TYPE(tag) == RES_TYPE_END) {
			return false;
		} else if (RES_SMALL_TYPE(tag) == RES_TYPE_IO && RES_SMALL_LEN(tag) >= RES_IO_LEN) {
			*port = get16(b + pos + RES_IO_MIN);
			return true;
		} else if (RES_SMALL_TYPE(tag) == RES_TYPE_FIXED_IO &&
			   RES_SMALL_LEN(tag) >= RES_FIXED_IO_LEN) {
			*port = get16(b + pos + RES_FIXED_IO_BASE) & RES_FIXED_IO_MASK;
			return true;
		}
		pos += len;
	}
	return false;
}

/* The end of the Device whose body holds offset at, or 0. */
static uint32_t aml_device_end(const uint8_t *b, uint32_t lo, uint32_t at, uint32_t end)
{
	uint32_t k = at - lo > AML_DEVICE_LOOKBACK ? at - AML_DEVICE_LOOKBACK : lo;
	uint32_t pos, dev_end;

	for (uint32_t i = at; i-- > k;) {
		if (b[i] != AML_EXT_PREFIX || i + 1 >= at || b[i + 1] != AML_DEVICE_OP)
			continue;
		pos = i + 2;
		dev_end = aml_pkg_end(b, end, &pos);
		if (dev_end > at)
			return dev_end;
	}
	return 0;
}

/* The resource template of `Name (_CRS, Buffer (size) { ... })` in the
 * Device that holds the _HID at hid: [*start, *end). False when there is
 * none or its buffer does not fit. */
static bool crs_buffer(const struct table *t, uint32_t hid, uint32_t *start, uint32_t *end)
{
	uint32_t dev_end = aml_device_end(t->b, HDR_LEN, hid, t->len);
	uint32_t pos = hid, buf_end;
	uint64_t size;

	if (!dev_end)
		return false;
	while ((pos = aml_find_name(t->b, pos, dev_end, "_CRS"))) {
		if (pos >= dev_end || t->b[pos] != AML_BUFFER_OP)
			continue;
		pos++;
		buf_end = aml_pkg_end(t->b, dev_end, &pos);
		if (!buf_end || !aml_int(t->b, buf_end, &pos, &size))
			return false;
		if (size < buf_end - pos)
			buf_end = pos + (uint32_t)size;
		*start = pos;
		*end = buf_end;
		return true;
	}
	return false;
}

/* The pvpanic port from the _CRS of the Device that holds the _HID at hid. */
static bool pvpanic_crs(const struct table *t, uint32_t hid, uint16_t *port)
{
	uint32_t pos, end;

	return crs_buffer(t, hid, &pos, &end) && crs_io_port(t->b, pos, end, port);
}

/* `Name (_HID, "QEMU0001")`: QEMU's ISA pvpanic device. */
static bool pvpanic_scan(struct acpi *a, const struct table *t)
{
	static const char hid[] = "QEMU0001";	/* with its NUL */
	uint32_t pos = HDR_LEN;
	uint16_t port = PVPANIC_PORT_DEFAULT;

	while ((pos = aml_find_name(t->b, pos, t->len, "_HID"))) {
		if (t->len - pos < 1 + sizeof(hid) || t->b[pos] != AML_STRING_PREFIX ||
		    memcmp(t->b + pos + 1, hid, sizeof(hid)) != 0)
			continue;
		pvpanic_crs(t, pos, &port);
		a->p->pvpanic = true;
		a->p->pvpanic_port = port;
		return true;
	}
	return false;
}

/*
 * The window and GSI of the virtio-mmio Device that holds the _HID at hid,
 * from its _CRS: the first Memory32Fixed and the first Extended Interrupt
 * or IRQ descriptor. False (warned) when the _CRS cannot give both.
 */
static bool mmio_crs(struct acpi *a, const struct table *t, uint32_t hid,
		     struct platform_mmio *out)
{
	const uint8_t *b = t->b;
	bool mem = false, irq = false;
	uint32_t pos, end, len, count;
	uint16_t mask;
	uint8_t tag;

	if (!crs_buffer(t, hid, &pos, &end)) {
		a->warn("acpi: %s at %#llx: %s at offset %u: no readable _CRS buffer; skipped",
			t->sig, ull(t->addr), VIRTIO_MMIO_HID, hid);
		return false;
	}
	while (pos < end && !(mem && irq)) {
		tag = b[pos];
		len = res_len(b, pos, end);
		if (!len) {
			a->warn("acpi: %s at %#llx: %s at offset %u: _CRS descriptor %#x at "
				"offset %u runs past its buffer; skipped", t->sig, ull(t->addr),
				VIRTIO_MMIO_HID, hid, tag, pos);
			return false;
		}
		if (tag == RES_MEM32_FIXED && !mem) {
			if (len != RES_LARGE_HDR + RES_MEM32_FIXED_LEN) {
				a->warn("acpi: %s at %#llx: %s at offset %u: Memory32Fixed length %u "
					"is not %u; skipped", t->sig, ull(t->addr), VIRTIO_MMIO_HID,
					hid, len - RES_LARGE_HDR, RES_MEM32_FIXED_LEN);
				return false;
			}
			out->base = get32(b + pos + RES_MEM32_FIXED_BASE);
			out->size = get32(b + pos + RES_MEM32_FIXED_SIZE);
			mem = true;
		} else if (tag == RES_EXT_IRQ && !irq) {
			count = len >= RES_EXT_IRQ_MIN_LEN + RES_LARGE_HDR ?
				b[pos + RES_EXT_IRQ_COUNT] : 0;
			if (!count || RES_EXT_IRQ_FIXED_LEN + count * RES_EXT_IRQ_ENTRY >
					      len - RES_LARGE_HDR) {
				a->warn("acpi: %s at %#llx: %s at offset %u: Extended Interrupt "
					"length %u holds no %u interrupts; skipped", t->sig,
					ull(t->addr), VIRTIO_MMIO_HID, hid, len - RES_LARGE_HDR,
					count ? count : 1);
				return false;
			}
			out->gsi = get32(b + pos + RES_EXT_IRQ_FIRST);
			irq = true;
		} else if (!(tag & RES_LARGE) && RES_SMALL_TYPE(tag) == RES_TYPE_END) {
			break;
		} else if (!(tag & RES_LARGE) && RES_SMALL_TYPE(tag) == RES_TYPE_IRQ && !irq) {
			mask = RES_SMALL_LEN(tag) >= RES_IRQ_LEN ? get16(b + pos + RES_IRQ_MASK) : 0;
			if (!mask) {
				a->warn("acpi: %s at %#llx: %s at offset %u: IRQ descriptor names no "
					"IRQ; skipped", t->sig, ull(t->addr), VIRTIO_MMIO_HID, hid);
				return false;
			}
			out->gsi = (uint32_t)__builtin_ctz(mask);
			irq = true;
		}
		pos += len;
	}
	if (!mem || !irq || !out->size) {
		a->warn("acpi: %s at %#llx: %s at offset %u: _CRS has %s; skipped", t->sig,
			ull(t->addr), VIRTIO_MMIO_HID, hid,
			!mem ? "no Memory32Fixed" : !irq ? "no interrupt" : "an empty window");
		return false;
	}
	return true;
}

/* Every `Name (_HID, "LNRO0005")`: virtio-mmio transports. */
static void mmio_scan(struct acpi *a, const struct table *t)
{
	static const char hid[] = VIRTIO_MMIO_HID;	/* with its NUL */
	struct platform *p = a->p;
	uint32_t pos = HDR_LEN;

	while ((pos = aml_find_name(t->b, pos, t->len, "_HID"))) {
		if (t->len - pos < 1 + sizeof(hid) || t->b[pos] != AML_STRING_PREFIX ||
		    memcmp(t->b + pos + 1, hid, sizeof(hid)) != 0)
			continue;
		if (p->nmmio == PLATFORM_MAX_MMIO) {
			a->warn("acpi: %s at %#llx: more than %d %s devices; rest ignored",
				t->sig, ull(t->addr), PLATFORM_MAX_MMIO, VIRTIO_MMIO_HID);
			return;
		}
		if (mmio_crs(a, t, pos, &p->mmio[p->nmmio]))
			p->nmmio++;
	}
}

/* What one definition block holds; \_S5 and pvpanic: the first found. */
static void aml_table(struct acpi *a, const struct table *t, bool *s5, bool *pvpanic)
{
	if (!*s5)
		*s5 = s5_scan(a, t);
	if (!*pvpanic)
		*pvpanic = pvpanic_scan(a, t);
	mmio_scan(a, t);
}

/* Scans the DSDT, then the SSDTs. */
static void aml_scan(struct acpi *a)
{
	bool s5 = false, pvpanic = false;
	struct table t;

	if (a->dsdt && table_get(a, a->dsdt, "DSDT", &t))
		aml_table(a, &t, &s5, &pvpanic);
	for (unsigned i = 0; i < a->nssdts; i++)
		if (table_get(a, a->ssdt[i], "SSDT", &t))
			aml_table(a, &t, &s5, &pvpanic);
}

/* --- RSDP, RSDT/XSDT ---------------------------------------------------- */

/* One root-table entry: dispatch by the signature in its header. */
static void root_entry(struct acpi *a, const struct table *root, uint32_t i, uint64_t addr)
{
	const uint8_t *h;

	if (!addr) {
		a->warn("acpi: %s at %#llx: entry %u is 0", root->sig, ull(root->addr), i);
		return;
	}
	h = phys(a, addr, HDR_LEN);
	if (!h) {
		a->warn("acpi: %s at %#llx: entry %u (%#llx) cannot be read", root->sig,
			ull(root->addr), i, ull(addr));
		return;
	}
	if (!memcmp(h, "APIC", AML_NAMESEG_LEN) && !a->have_madt)
		madt_parse(a, addr);
	else if (!memcmp(h, "FACP", AML_NAMESEG_LEN) && !a->have_fadt)
		fadt_parse(a, addr);
	else if (!memcmp(h, "MCFG", AML_NAMESEG_LEN) && !a->have_mcfg)
		mcfg_parse(a, addr);
	else if (!memcmp(h, "SSDT", AML_NAMESEG_LEN)) {
		if (a->nssdts < ACPI_MAX_SSDTS)
			a->ssdt[a->nssdts++] = addr;
		else
			a->warn("acpi: SSDT at %#llx: more than %d SSDTs; not scanned", ull(addr),
				ACPI_MAX_SSDTS);
	}
}

/* Walks the RSDT (entry 4) or XSDT (entry 8); false if the table is bad. */
static bool root_parse(struct acpi *a, uint64_t addr, const char *sig, uint32_t entry)
{
	struct table t;
	uint32_t i = 0;

	if (!table_get(a, addr, sig, &t))
		return false;
	if ((t.len - HDR_LEN) % entry)
		a->warn("acpi: %s at %#llx: length %u leaves a partial entry; ignored", sig,
			ull(addr), t.len);
	for (uint32_t off = HDR_LEN; fits(&t, off, entry); off += entry, i++)
		root_entry(a, &t, i, entry == XSDT_ENTRY ? get64(t.b + off) : get32(t.b + off));
	return true;
}

/* The XSDT address of a valid v2 RSDP, or 0 (warned when it is broken). */
static uint64_t rsdp_xsdt(struct acpi *a, uint64_t rsdp)
{
	const uint8_t *r = phys(a, rsdp, RSDP_V2_LEN);
	uint32_t len;

	if (!r) {
		a->warn("acpi: RSDP at %#llx: revision 2 but cannot read %u bytes", ull(rsdp),
			RSDP_V2_LEN);
		return 0;
	}
	len = get32(r + RSDP_LENGTH);
	if (len < RSDP_V2_LEN || len > ACPI_RSDP_MAX || !(r = phys(a, rsdp, len))) {
		a->warn("acpi: RSDP at %#llx: length %u is not a readable v2 RSDP", ull(rsdp),
			len);
		return 0;
	}
	if (checksum(r, len)) {
		a->warn("acpi: RSDP at %#llx: bad extended checksum", ull(rsdp));
		return 0;
	}
	return get64(r + RSDP_XSDT);
}

int acpi_parse(struct platform *p, uint64_t rsdp, phys_reader read, platform_warn_fn warn)
{
	struct acpi a = { .p = p, .read = read, .warn = warn };
	const uint8_t *r;
	uint64_t xsdt = 0;
	uint32_t rsdt;

	memset(p, 0, sizeof(*p));
	if (!rsdp)
		return -1;
	r = phys(&a, rsdp, RSDP_V1_LEN);
	if (!r || memcmp(r, RSDP_SIG, sizeof(RSDP_SIG) - 1) != 0) {
		warn("acpi: RSDP at %#llx: %s", ull(rsdp), r ? "no 'RSD PTR ' signature" :
		     "cannot be read");
		return -1;
	}
	if (checksum(r, RSDP_V1_LEN)) {
		warn("acpi: RSDP at %#llx: bad checksum", ull(rsdp));
		return -1;
	}
	rsdt = get32(r + RSDP_RSDT);
	if (r[RSDP_REVISION] >= RSDP_REV_XSDT)
		xsdt = rsdp_xsdt(&a, rsdp);

	/* The XSDT when there is one; the RSDT if it is missing or bad. */
	if (!(xsdt && root_parse(&a, xsdt, "XSDT", XSDT_ENTRY))) {
		if (rsdt)
			root_parse(&a, rsdt, "RSDT", RSDT_ENTRY);
		else if (!xsdt)
			warn("acpi: RSDP at %#llx: no usable RSDT or XSDT", ull(rsdp));
	}
	aml_scan(&a);
	if (!a.have_madt)
		return -1;
	p->source = PLATFORM_ACPI;
	return 0;
}
