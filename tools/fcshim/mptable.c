/* MP spec 1.4 structures with Firecracker's values and quirks (§9): the
 * entry count is one too high, the IOAPIC id is ncpu + 1, and all 24 ISA
 * IRQs map 1:1 to IOAPIC pins, IRQ 0 included. */
#include <flint/string.h>
#include <stdbool.h>

#include "console.h"
#include "guest.h"
#include "layout.h"
#include "mptable.h"

/* MP spec 1.4 §4 structure offsets and sizes. */
#define MPF_PHYSPTR 4u
#define MPF_CHECKSUM 10u
#define MPF_SIZE 16u
#define MPC_LENGTH 4u
#define MPC_CHECKSUM 7u
#define MPC_ENTRY_COUNT 34u
#define MPC_HEADER_SIZE 44u
#define MP_IOAPIC_ID 1u			/* in the I/O APIC entry */
#define MP_INT_SRC_IRQ 5u		/* in an I/O interrupt entry */
#define MP_INT_DST_IOAPIC 6u
#define MP_INT_DST_PIN 7u
#define MP_CPU_SIZE 20u
#define MP_ENTRY_SIZE 8u		/* bus, IOAPIC, interrupt entries */
#define MP_SPEC_REV 4u
#define MP_PROCESSOR 0u
#define MP_BUS 1u
#define MP_IOAPIC 2u
#define MP_INTSRC 3u
#define MP_LINTSRC 4u
#define MP_APIC_VERSION 0x14u
#define MP_CPU_ENABLED 1u
#define MP_CPU_BSP 2u
#define MP_CPU_SIGNATURE 0x600u
#define MP_CPU_FEATURES 0x201u		/* FPU | APIC */
#define MP_IOAPIC_USABLE 1u
#define MP_INT 0u
#define MP_NMI 1u
#define MP_EXTINT 3u
#define MP_ALL_LAPICS 0xFFu
/* §9: the count includes the floating pointer, so ncpu + 29 for ncpu + 28
 * entries (ncpu CPUs, bus, IOAPIC, 24 IRQs, 2 local interrupts). */
#define MP_COUNT_EXTRA 29u

static uint32_t cursor;

static void emit8(uint8_t v)
{
	put8(cursor++, v);
}

static void emit16(uint16_t v)
{
	put16(cursor, v);
	cursor += 2;
}

static void emit32(uint32_t v)
{
	put32(cursor, v);
	cursor += 4;
}

static void emit_str(const char *s, uint32_t len)
{
	put_bytes(cursor, s, len);
	cursor += len;
}

static void emit_int(uint8_t type, uint8_t kind, uint8_t irq, uint8_t dst, uint8_t pin)
{
	emit8(type);
	emit8(kind);
	emit16(0);	/* flags: bus default (edge, active high) */
	emit8(0);	/* source bus */
	emit8(irq);
	emit8(dst);
	emit8(pin);
}

/* Walks the written table as a guest would and reports what it finds. */
static void verify(uint32_t cpus, uint32_t end)
{
	uint32_t mpc = get32(FC_MPTABLE_ADDR + MPF_PHYSPTR);
	uint32_t len = get16(mpc + MPC_LENGTH);
	uint32_t a = mpc + MPC_HEADER_SIZE, ioapic_id = 0;
	uint32_t n_cpu = 0, n_bus = 0, n_ioapic = 0, n_int = 0, n_lint = 0;
	bool identity = true, fp_ok = !byte_sum(FC_MPTABLE_ADDR, MPF_SIZE);
	bool cfg_ok = !byte_sum(mpc, len);

	while (a < mpc + len) {
		uint8_t type = get8(a);

		if (type == MP_PROCESSOR) {
			n_cpu++;
			a += MP_CPU_SIZE;
			continue;
		}
		if (type == MP_BUS) {
			n_bus++;
		} else if (type == MP_IOAPIC) {
			n_ioapic++;
			ioapic_id = get8(a + MP_IOAPIC_ID);
		} else if (type == MP_INTSRC) {
			identity = identity && get8(a + MP_INT_SRC_IRQ) == n_int &&
				   get8(a + MP_INT_DST_PIN) == n_int &&
				   get8(a + MP_INT_DST_IOAPIC) == ioapic_id;
			n_int++;
		} else if (type == MP_LINTSRC) {
			n_lint++;
		} else {
			fail("MP table: unknown entry type %u at 0x%x", type, a);
		}
		a += MP_ENTRY_SIZE;
	}
	if (!fp_ok || !cfg_ok || n_cpu != cpus || a != end)
		fail("MP table at 0x%x does not read back as written", FC_MPTABLE_ADDR);
	report("mptable addr=0x%x length=0x%x config=0x%x base_length=0x%x entries=%u "
	       "cpus=%u buses=%u ioapics=%u ioapic_id=%u intsrc=%u intsrc_identity=%s "
	       "lintsrc=%u checksum=ok", FC_MPTABLE_ADDR, end - FC_MPTABLE_ADDR, mpc, len,
	       get16(mpc + MPC_ENTRY_COUNT), n_cpu, n_bus, n_ioapic, ioapic_id, n_int,
	       identity ? "ok" : "bad", n_lint);
}

uint32_t write_mptable(uint32_t cpus)
{
	const uint32_t mpc = FC_MPTABLE_ADDR + MPF_SIZE;
	const uint8_t ioapic_id = (uint8_t)(cpus + 1);
	uint32_t end;

	cursor = FC_MPTABLE_ADDR;
	emit_str("_MP_", 4);
	emit32(mpc);
	emit8(1);		/* length in 16-byte units */
	emit8(MP_SPEC_REV);
	emit8(0);		/* checksum, below */
	emit_str("\0\0\0\0\0", 5);	/* feature bytes: config table present, no IMCR */
	put8(FC_MPTABLE_ADDR + MPF_CHECKSUM, (uint8_t)-byte_sum(FC_MPTABLE_ADDR, MPF_SIZE));

	cursor = mpc + MPC_HEADER_SIZE;
	for (uint32_t i = 0; i < cpus; i++) {
		emit8(MP_PROCESSOR);
		emit8((uint8_t)i);
		emit8(MP_APIC_VERSION);
		emit8(MP_CPU_ENABLED | (i == 0 ? MP_CPU_BSP : 0));
		emit32(MP_CPU_SIGNATURE);
		emit32(MP_CPU_FEATURES);
		emit32(0);
		emit32(0);
	}
	emit8(MP_BUS);
	emit8(0);
	emit_str("ISA   ", 6);
	emit8(MP_IOAPIC);
	emit8(ioapic_id);
	emit8(MP_APIC_VERSION);
	emit8(MP_IOAPIC_USABLE);
	emit32(FC_IOAPIC_ADDR);
	for (uint32_t irq = 0; irq < FC_IRQ_PINS; irq++)
		emit_int(MP_INTSRC, MP_INT, (uint8_t)irq, ioapic_id, (uint8_t)irq);
	emit_int(MP_LINTSRC, MP_EXTINT, 0, 0, 0);
	emit_int(MP_LINTSRC, MP_NMI, 0, MP_ALL_LAPICS, 1);
	end = cursor;

	cursor = mpc;
	emit_str("PCMP", 4);
	emit16((uint16_t)(end - mpc));
	emit8(MP_SPEC_REV);
	emit8(0);		/* checksum, below */
	emit_str("FC      ", 8);
	emit_str("000000000000", 12);
	emit32(0);		/* no OEM table */
	emit16(0);
	emit16((uint16_t)(cpus + MP_COUNT_EXTRA));
	emit32(FC_LAPIC_ADDR);
	emit16(0);		/* no extended table */
	emit8(0);
	emit8(0);
	put8(mpc + MPC_CHECKSUM, (uint8_t)-byte_sum(mpc, end - mpc));

	verify(cpus, end);
	return end;
}

/* Where a guest looks for "_MP_" (MP spec 1.4 §4): the first KiB, the
 * last KiB of base memory and the BIOS area (widened to 0xE0000, where
 * firmware leftovers could also sit). */
#define MP_SCAN_LOW_END 0x400u
#define MP_SCAN_BIOS_START 0xE0000u
static const uint32_t mp_scan_ranges[][2] = {
	{ 0, MP_SCAN_LOW_END },
	{ FC_MPTABLE_ADDR, LEGACY_VGA_START },
	{ MP_SCAN_BIOS_START, FC_HIMEM_START },
};

#define MP_SCAN_STEP 16u

void report_mp_scan(void)
{
	uint32_t found = 0;

	for (uint32_t r = 0; r < sizeof(mp_scan_ranges) / sizeof(mp_scan_ranges[0]); r++)
		for (uint32_t a = mp_scan_ranges[r][0]; a < mp_scan_ranges[r][1];
		     a += MP_SCAN_STEP) {
			if (memcmp((const void *)phys(a), "_MP_", 4))
				continue;
			report("mp_scan addr=0x%x", a);
			found++;
		}
	report("mp_scan count=%u", found);
}
