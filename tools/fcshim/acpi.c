/* ACPI tables as Firecracker lays them out (§10): allocated byte-aligned
 * right after the MP table in the order DSDT, FADT, MADT, MCFG, XSDT; the
 * RSDP (revision 2, XSDT only) at 0xE0000. */
#include <flint/format.h>
#include <flint/string.h>

#include "acpi.h"
#include "aml.h"
#include "console.h"
#include "guest.h"
#include "layout.h"

/* §10: common header values. */
#define OEM_ID "FIRECK"
#define OEM_REVISION 0u
#define CREATOR_ID "FCAT"
#define CREATOR_REVISION 0x20240119u

/* Byte offsets and sizes from the ACPI specification (§5.2). */
#define SDT_SIGNATURE 0u
#define SDT_LENGTH 4u
#define SDT_REVISION 8u
#define SDT_CHECKSUM 9u
#define SDT_OEM_ID 10u
#define SDT_OEM_TABLE_ID 16u
#define SDT_OEM_REVISION 24u
#define SDT_CREATOR_ID 28u
#define SDT_CREATOR_REVISION 32u
#define SDT_HEADER_SIZE 36u

#define FADT_FIRMWARE_CTRL 36u
#define FADT_DSDT 40u
#define FADT_SCI_INT 46u
#define FADT_IAPC_BOOT_ARCH 109u
#define FADT_FLAGS 112u
#define FADT_MINOR_VERSION 131u
#define FADT_X_DSDT 140u
#define FADT_HYPERVISOR_ID 268u
#define FADT_SIZE 276u

#define MADT_LAPIC_ADDR 36u
#define MADT_FLAGS 40u
#define MADT_HEADER_SIZE 44u
#define MADT_TYPE 0u			/* in each entry */
#define MADT_ENTRY_LEN 1u
#define MADT_IOAPIC 1u
#define MADT_IOAPIC_ID 2u
#define MADT_IOAPIC_ADDR 4u
#define MADT_IOAPIC_GSI_BASE 8u
#define MADT_IOAPIC_LEN 12u
#define MADT_LAPIC 0u
#define MADT_LAPIC_UID 2u
#define MADT_LAPIC_ID 3u
#define MADT_LAPIC_FLAGS 4u
#define MADT_LAPIC_LEN 8u
#define MADT_LAPIC_ENABLED 1u

#define MCFG_BASE 44u			/* after 8 reserved bytes */
#define MCFG_SEGMENT 52u
#define MCFG_BUS_START 54u
#define MCFG_BUS_END 55u
#define MCFG_SIZE 60u

#define RSDP_CHECKSUM 8u
#define RSDP_OEM_ID 9u
#define RSDP_REVISION_AT 15u
#define RSDP_RSDT 16u
#define RSDP_LENGTH 20u
#define RSDP_XSDT 24u
#define RSDP_EXT_CHECKSUM 32u
#define RSDP_V1_SIZE 20u
#define RSDP_SIZE 36u

/* §10: revisions and values. */
#define DSDT_REVISION 2u
#define FADT_REVISION 6u
#define FADT_MINOR 5u
#define IAPC_VGA_NOT_PRESENT 0x0004u
#define FADT_PWR_BUTTON (1u << 4)
#define FADT_SLP_BUTTON (1u << 5)
#define FADT_HW_REDUCED_ACPI (1u << 20)
#define MADT_REVISION 6u
#define MCFG_REVISION 1u
#define XSDT_REVISION 1u
#define RSDP_REVISION 2u

/* §10, §12: devices Firecracker always describes. */
#define COM1_PORT 0x3F8u
#define COM1_PORTS 8u
#define COM1_GSI 4u
#define I8042_DATA_PORT 0x60u
#define I8042_COMMAND_PORT 0x64u
#define I8042_GSI 1u
#define PS2_STA_PRESENT 0x0Fu

#define DSDT_MAX 2048u
#define XSDT_MAX_ENTRIES 3u
#define DEVICE_MAX 128u
#define RES_MAX 32u

static void header(uint32_t at, const char *sig, uint32_t len, uint8_t rev,
		   const char *table_id)
{
	for (uint32_t i = 0; i < len; i++)
		put8(at + i, 0);
	put_bytes(at + SDT_SIGNATURE, sig, 4);
	put32(at + SDT_LENGTH, len);
	put8(at + SDT_REVISION, rev);
	put_bytes(at + SDT_OEM_ID, OEM_ID, 6);
	put_bytes(at + SDT_OEM_TABLE_ID, table_id, 8);
	put32(at + SDT_OEM_REVISION, OEM_REVISION);
	put_bytes(at + SDT_CREATOR_ID, CREATOR_ID, 4);
	put32(at + SDT_CREATOR_REVISION, CREATOR_REVISION);
}

/* Sets the checksum and reports the table as a guest would read it. */
static uint32_t finish(uint32_t at)
{
	uint32_t len = get32(at + SDT_LENGTH);
	char sig[5] = { 0 }, id[9] = { 0 };

	put8(at + SDT_CHECKSUM, (uint8_t)-byte_sum(at, len));
	for (uint32_t i = 0; i < 4; i++)
		sig[i] = (char)get8(at + SDT_SIGNATURE + i);
	for (uint32_t i = 0; i < 8; i++)
		id[i] = (char)get8(at + SDT_OEM_TABLE_ID + i);
	if (byte_sum(at, len))
		fail("ACPI %s at 0x%x does not read back: no RAM there under this "
		     "QEMU machine (fewer CPUs or devices, or -M microvm)", sig, at);
	report("acpi sig=%s addr=0x%x length=0x%x revision=%u oem_table_id=%s checksum=ok",
	       sig, at, len, get8(at + SDT_REVISION), id);
	return at + len;
}

static void virtio_device(struct aml *dsdt, const struct virtio_mmio_dev *d,
			  char *name)
{
	uint8_t body_buf[DEVICE_MAX], res_buf[RES_MAX];
	struct aml body = aml_buffer(body_buf, sizeof(body_buf));
	struct aml res = aml_buffer(res_buf, sizeof(res_buf));
	uint32_t id = d->gsi - FC_FIRST_DEVICE_GSI;	/* §10: V<nnn>, _UID = GSI - 5 */

	snprintf(name, 5, "V%03u", id);
	aml_name_string(&body, "_HID", "LNRO0005");
	aml_name_dword(&body, "_UID", id);
	aml_name_one(&body, "_CCA");
	res_memory32_fixed(&res, d->base, d->size);
	res_interrupt(&res, d->gsi);
	aml_name_resources(&body, "_CRS", &res);
	aml_device(dsdt, name, &body);
}

static void com1_device(struct aml *dsdt)
{
	uint8_t body_buf[DEVICE_MAX], res_buf[RES_MAX];
	struct aml body = aml_buffer(body_buf, sizeof(body_buf));
	struct aml res = aml_buffer(res_buf, sizeof(res_buf));

	aml_name_eisaid(&body, "_HID", "PNP0501");
	aml_name_byte(&body, "_UID", 0);
	aml_name_string(&body, "_DDN", "COM1");
	res_interrupt(&res, COM1_GSI);
	res_io(&res, COM1_PORT, 1, COM1_PORTS);
	aml_name_resources(&body, "_CRS", &res);
	aml_device(dsdt, "_SB_.COM1", &body);
}

static void ps2_device(struct aml *dsdt)
{
	uint8_t body_buf[DEVICE_MAX], res_buf[RES_MAX];
	struct aml body = aml_buffer(body_buf, sizeof(body_buf));
	struct aml res = aml_buffer(res_buf, sizeof(res_buf));

	aml_name_eisaid(&body, "_HID", "PNP0303");
	aml_method_return_byte(&body, "_STA", PS2_STA_PRESENT);
	res_io(&res, I8042_DATA_PORT, 1, 1);
	res_io(&res, I8042_COMMAND_PORT, 1, 1);
	res_interrupt(&res, I8042_GSI);
	aml_name_resources(&body, "_CRS", &res);
	aml_device(dsdt, "_SB_.PS2_", &body);
}

/* §10 DSDT content, in order: virtio-mmio devices, then COM1 and PS2_.
 * VMGenID, VMClock and the GED are left out (README.md). */
static uint32_t write_dsdt(uint32_t at, const struct virtio_mmio_dev *devs,
			   uint32_t ndev)
{
	static uint8_t buf[DSDT_MAX];
	struct aml dsdt = aml_buffer(buf, sizeof(buf));
	char names[DSDT_MAX / 4] = "";
	size_t used = 0;

	for (uint32_t i = 0; i < ndev; i++) {
		char name[5];

		virtio_device(&dsdt, &devs[i], name);
		used += (size_t)snprintf(names + used, sizeof(names) - used, "%s,", name);
	}
	com1_device(&dsdt);
	ps2_device(&dsdt);
	snprintf(names + used, sizeof(names) - used, "_SB_.COM1,_SB_.PS2_");

	header(at, "DSDT", SDT_HEADER_SIZE + dsdt.len, DSDT_REVISION, "FCVMDSDT");
	put_bytes(at + SDT_HEADER_SIZE, buf, dsdt.len);
	report("dsdt devices=%s", names);
	return finish(at);
}

static uint32_t write_fadt(uint32_t at, uint32_t dsdt)
{
	const uint32_t flags = FADT_HW_REDUCED_ACPI | FADT_PWR_BUTTON | FADT_SLP_BUTTON;

	/* Everything not set here stays 0: no FACS, SCI, PM blocks or reset. */
	header(at, "FACP", FADT_SIZE, FADT_REVISION, "FCVMFADT");
	put16(at + FADT_IAPC_BOOT_ARCH, IAPC_VGA_NOT_PRESENT);
	put32(at + FADT_FLAGS, flags);
	put8(at + FADT_MINOR_VERSION, FADT_MINOR);
	put64(at + FADT_X_DSDT, dsdt);
	put_bytes(at + FADT_HYPERVISOR_ID, "FIRECKVM", 8);
	report("fadt flags=0x%x iapc_boot_arch=0x%x minor=%u dsdt=0x%x x_dsdt=0x%llx "
	       "firmware_ctrl=0x%x sci=%u", get32(at + FADT_FLAGS),
	       get16(at + FADT_IAPC_BOOT_ARCH), get8(at + FADT_MINOR_VERSION),
	       get32(at + FADT_DSDT), (unsigned long long)get64(at + FADT_X_DSDT),
	       get32(at + FADT_FIRMWARE_CTRL), get16(at + FADT_SCI_INT));
	return finish(at);
}

/* §10: one IOAPIC (id 0) first, then one enabled LAPIC per vCPU; no
 * interrupt source overrides, no NMI entries, flags 0. */
static uint32_t write_madt(uint32_t at, uint32_t cpus)
{
	const uint32_t ioapic = at + MADT_HEADER_SIZE;
	uint32_t p = ioapic + MADT_IOAPIC_LEN;

	header(at, "APIC", MADT_HEADER_SIZE + MADT_IOAPIC_LEN + cpus * MADT_LAPIC_LEN,
	       MADT_REVISION, "FCVMMADT");
	put32(at + MADT_LAPIC_ADDR, FC_LAPIC_ADDR);
	put8(ioapic + MADT_TYPE, MADT_IOAPIC);
	put8(ioapic + MADT_ENTRY_LEN, MADT_IOAPIC_LEN);
	put32(ioapic + MADT_IOAPIC_ADDR, FC_IOAPIC_ADDR);
	for (uint32_t i = 0; i < cpus; i++, p += MADT_LAPIC_LEN) {
		put8(p + MADT_TYPE, MADT_LAPIC);
		put8(p + MADT_ENTRY_LEN, MADT_LAPIC_LEN);
		put8(p + MADT_LAPIC_UID, (uint8_t)i);
		put8(p + MADT_LAPIC_ID, (uint8_t)i);
		put32(p + MADT_LAPIC_FLAGS, MADT_LAPIC_ENABLED);
	}
	report("madt lapic_addr=0x%x flags=0x%x ioapic_id=%u ioapic_addr=0x%x gsi_base=%u "
	       "lapics=%u", get32(at + MADT_LAPIC_ADDR), get32(at + MADT_FLAGS),
	       get8(ioapic + MADT_IOAPIC_ID), get32(ioapic + MADT_IOAPIC_ADDR),
	       get32(ioapic + MADT_IOAPIC_GSI_BASE), cpus);
	return finish(at);
}

/* §10 (v1.13+): the MMCONFIG window, segment 0, written even with PCI off
 * (buses 0-0 then). */
static uint32_t write_mcfg(uint32_t at, const struct fc_ecam *ecam)
{
	header(at, "MCFG", MCFG_SIZE, MCFG_REVISION, "FCMVMCFG");
	put64(at + MCFG_BASE, ecam->base);
	put8(at + MCFG_BUS_END, (uint8_t)ecam->bus_end);
	report("mcfg base=0x%llx segment=%u bus_start=%u bus_end=%u",
	       (unsigned long long)get64(at + MCFG_BASE), get16(at + MCFG_SEGMENT),
	       get8(at + MCFG_BUS_START), get8(at + MCFG_BUS_END));
	return finish(at);
}

static uint32_t write_xsdt(uint32_t at, const uint32_t *tables, uint32_t n)
{
	char sigs[XSDT_MAX_ENTRIES * 5] = "";

	header(at, "XSDT", SDT_HEADER_SIZE + 8 * n, XSDT_REVISION, "FCMVXSDT");
	for (uint32_t i = 0; i < n; i++) {
		uint32_t t;

		put64(at + SDT_HEADER_SIZE + 8 * i, tables[i]);
		t = (uint32_t)get64(at + SDT_HEADER_SIZE + 8 * i);
		for (uint32_t c = 0; c < 4; c++)
			sigs[5 * i + c] = (char)get8(t + c);
		sigs[5 * i + 4] = i + 1 < n ? ',' : '\0';
	}
	report("xsdt entries=%s", sigs);
	return finish(at);
}

static void write_rsdp(uint32_t xsdt)
{
	const uint32_t at = FC_RSDP_ADDR;

	for (uint32_t i = 0; i < RSDP_SIZE; i++)
		put8(at + i, 0);
	put_bytes(at, "RSD PTR ", 8);
	put_bytes(at + RSDP_OEM_ID, OEM_ID, 6);
	put8(at + RSDP_REVISION_AT, RSDP_REVISION);
	put32(at + RSDP_RSDT, 0);	/* §10: XSDT only */
	put32(at + RSDP_LENGTH, RSDP_SIZE);
	put64(at + RSDP_XSDT, xsdt);
	put8(at + RSDP_CHECKSUM, (uint8_t)-byte_sum(at, RSDP_V1_SIZE));
	put8(at + RSDP_EXT_CHECKSUM, (uint8_t)-byte_sum(at, RSDP_SIZE));
	if (byte_sum(at, RSDP_V1_SIZE) || byte_sum(at, RSDP_SIZE))
		fail("RSDP at 0x%x does not read back", at);
	report("acpi sig=RSDP addr=0x%x length=0x%x revision=%u rsdt=0x%x xsdt=0x%llx "
	       "checksum=ok", at, get32(at + RSDP_LENGTH), get8(at + RSDP_REVISION_AT),
	       get32(at + RSDP_RSDT), (unsigned long long)get64(at + RSDP_XSDT));
}

void write_acpi(uint32_t start, uint32_t cpus, const struct virtio_mmio_dev *devs,
		uint32_t ndev, const struct fc_ecam *ecam)
{
	const uint32_t fadt = write_dsdt(start, devs, ndev);
	const uint32_t madt = write_fadt(fadt, start);
	const uint32_t mcfg = write_madt(madt, cpus);
	const uint32_t xsdt = write_mcfg(mcfg, ecam);
	const uint32_t tables[] = { fadt, madt, mcfg };

	if (write_xsdt(xsdt, tables, sizeof(tables) / sizeof(tables[0])) > FC_SYSTEM_MEM_END)
		fail("ACPI tables run past 0x%x", FC_SYSTEM_MEM_END);
	write_rsdp(xsdt);
}

/* ACPI §5.2.5.1: the RSDP sits on a 16-byte boundary in 0xE0000-0xFFFFF. */
#define RSDP_SCAN_START 0xE0000u
#define RSDP_SCAN_END 0x100000u
#define RSDP_SCAN_STEP 16u

void report_rsdp_scan(void)
{
	uint32_t found = 0;

	for (uint32_t a = RSDP_SCAN_START; a < RSDP_SCAN_END; a += RSDP_SCAN_STEP) {
		if (memcmp((const void *)phys(a), "RSD PTR ", 8))
			continue;
		report("rsdp_scan addr=0x%x", a);
		found++;
	}
	report("rsdp_scan count=%u", found);
}
