/*
 * What the firmware tables say about the machine (drivers/acpi.c,
 * drivers/mptable.c): CPUs, interrupt controllers and routing, power
 * control, the PCI configuration window. Filled once at boot from ACPI
 * when an RSDP exists, else from the MP table, else with defaults; read by
 * the interrupt, SMP, power and PCI code.
 */
#ifndef FLINT_PLATFORM_H
#define FLINT_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PLATFORM_MAX_CPUS 64
#define PLATFORM_MAX_IOAPICS 8
#define PLATFORM_MAX_OVERRIDES 24
#define PLATFORM_MAX_NMIS 8
#define PLATFORM_MAX_MMIO 32

#define PLATFORM_LAPIC_DEFAULT 0xfee00000
#define PLATFORM_IOAPIC_DEFAULT 0xfec00000

enum platform_source { PLATFORM_DEFAULTS, PLATFORM_ACPI, PLATFORM_MPTABLE };

/* Interrupt polarity and trigger, as MPS 1.4 §4.3.4 and ACPI's MADT
 * (ACPI 6.5 §5.2.12.5, "MPS INTI flags") both encode them. */
#define INTI_POLARITY_MASK 0x3
#define INTI_POLARITY_HIGH 0x1
#define INTI_POLARITY_LOW 0x3
#define INTI_TRIGGER_MASK 0xc
#define INTI_TRIGGER_EDGE 0x4
#define INTI_TRIGGER_LEVEL 0xc

struct platform_cpu {
	uint32_t apic_id;
	uint32_t acpi_uid;	/* ACPI processor UID; MP table: = apic_id */
	bool bsp;		/* MP table says so; ACPI: the first entry */
};

struct platform_ioapic {
	uint32_t id;
	uint64_t addr;
	uint32_t gsi_base;
};

/* ISA IRQ irq arrives at global system interrupt gsi. */
struct platform_override {
	uint8_t irq;
	uint32_t gsi;
	uint16_t flags;		/* INTI_* */
};

/* A local APIC LINT pin wired to NMI. */
struct platform_nmi {
	uint32_t apic_id;	/* 0xffffffff: every CPU */
	uint8_t lint;		/* 0 or 1 */
	uint16_t flags;		/* INTI_* */
};

/* ACPI Generic Address Structure (ACPI 6.5 §5.2.3.2). */
struct platform_gas {
	uint8_t space;		/* 0 memory, 1 I/O port; others unsupported */
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size;
	uint64_t addr;		/* 0: absent */
};
#define GAS_SPACE_MEMORY 0
#define GAS_SPACE_IO 1

/* A virtio-mmio transport the DSDT describes (_HID "LNRO0005"). */
struct platform_mmio {
	uint64_t base, size;	/* the _CRS Memory32Fixed window */
	uint32_t gsi;		/* its first interrupt */
};

struct platform {
	enum platform_source source;
	uint64_t lapic_addr;
	bool pic_present;	/* dual 8259s to mask (MADT PCAT_COMPAT, MP IMCR) */

	unsigned ncpus;
	struct platform_cpu cpu[PLATFORM_MAX_CPUS];
	unsigned nioapics;
	struct platform_ioapic ioapic[PLATFORM_MAX_IOAPICS];
	unsigned noverrides;
	struct platform_override override[PLATFORM_MAX_OVERRIDES];
	unsigned nnmis;
	struct platform_nmi nmi[PLATFORM_MAX_NMIS];

	/* FADT (ACPI only) */
	bool hw_reduced;		/* no PM1 blocks: sleep control register */
	struct platform_gas pm1a_cnt, pm1b_cnt;
	struct platform_gas sleep_control;
	struct platform_gas reset_reg;
	uint8_t reset_value;
	bool s5_valid;			/* \_S5 found in the DSDT */
	uint8_t s5_typ_a, s5_typ_b;	/* SLP_TYPa / SLP_TYPb */

	/* MCFG: PCI ECAM for segment 0 */
	uint64_t ecam_base;		/* 0: none */
	uint8_t ecam_bus_start, ecam_bus_end;

	/* DSDT devices of interest */
	bool pvpanic;			/* QEMU0001 */
	uint16_t pvpanic_port;
	unsigned nmmio;			/* LNRO0005: virtio-mmio */
	struct platform_mmio mmio[PLATFORM_MAX_MMIO];
};

/*
 * How the parsers reach physical memory: a pointer to len readable bytes
 * at phys, or NULL when that range cannot be read. The kernel maps through
 * the direct map; host tests hand out fake physical memory.
 */
typedef const void *(*phys_reader)(uint64_t phys, size_t len);

/* Problems found in the tables go through this (printk in the kernel). */
typedef void (*platform_warn_fn)(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/*
 * Fills p from the ACPI tables under the RSDP at rsdp. Returns 0 when a
 * usable MADT was found (p->source = PLATFORM_ACPI), -1 otherwise; tables
 * that fail their length or checksum are reported and skipped.
 */
int acpi_parse(struct platform *p, uint64_t rsdp, phys_reader read, platform_warn_fn warn);

/*
 * Fills p from the MP table (Intel MP spec 1.4), searching the EBDA, the
 * last KiB of base memory and 0xF0000-0xFFFFF (base_kib and ebda as the
 * BIOS data area says, 0 when unknown; 0x9FC00 is always tried). Returns 0 when
 * a table with processors was found (p->source = PLATFORM_MPTABLE).
 */
int mptable_parse(struct platform *p, uint32_t base_kib, uint32_t ebda, phys_reader read,
		  platform_warn_fn warn);

/* One CPU (the boot CPU, APIC id apic_id) and the default IOAPIC. */
void platform_defaults(struct platform *p, uint32_t apic_id);

#endif
