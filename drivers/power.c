/*
 * ACPI's ways to end or restart the machine, and QEMU's pvpanic device,
 * registered with kernel/power.c when the firmware tables offer them.
 * ACPI 6.5 §4.8.3.2.1 (PM1 control: SLP_TYP bits 10-12, SLP_EN bit 13) and
 * §4.8.3.7 (hardware-reduced sleep control: SLP_TYP bits 2-4, SLP_EN bit 5).
 */
#include <arch/io.h>
#include <flint/arch.h>
#include <flint/platform.h>
#include <flint/power.h>
#include <flint/printk.h>

#define PM1_SLP_TYP_SHIFT 10
#define PM1_SLP_TYP_MASK (7u << PM1_SLP_TYP_SHIFT)
#define PM1_SLP_EN (1u << 13)
#define SLEEP_CONTROL_TYP_SHIFT 2
#define SLEEP_CONTROL_EN (1u << 5)
/* QEMU docs/specs/pvpanic.rst: bit 0 "guest panicked", readable when present. */
#define PVPANIC_PANICKED 0x1

static const struct platform *plat;
static struct power_ops ops;

static uint64_t gas_read(const struct platform_gas *g)
{
	if (g->space == GAS_SPACE_IO) {
		uint16_t port = (uint16_t)g->addr;

		return g->bit_width <= 8 ? inb(port) : g->bit_width <= 16 ? inw(port) : inl(port);
	}
	if (g->bit_width <= 8)
		return *(volatile uint8_t *)arch_map_mmio(g->addr, 1);
	if (g->bit_width <= 16)
		return *(volatile uint16_t *)arch_map_mmio(g->addr, 2);
	return *(volatile uint32_t *)arch_map_mmio(g->addr, 4);
}

static void gas_write(const struct platform_gas *g, uint32_t v)
{
	if (g->space == GAS_SPACE_IO) {
		uint16_t port = (uint16_t)g->addr;

		if (g->bit_width <= 8)
			outb(port, (uint8_t)v);
		else if (g->bit_width <= 16)
			outw(port, (uint16_t)v);
		else
			outl(port, v);
	} else if (g->bit_width <= 8) {
		*(volatile uint8_t *)arch_map_mmio(g->addr, 1) = (uint8_t)v;
	} else if (g->bit_width <= 16) {
		*(volatile uint16_t *)arch_map_mmio(g->addr, 2) = (uint16_t)v;
	} else {
		*(volatile uint32_t *)arch_map_mmio(g->addr, 4) = v;
	}
}

static bool usable(const struct platform_gas *g)
{
	return g->addr && (g->space == GAS_SPACE_IO || g->space == GAS_SPACE_MEMORY);
}

static void pm1_sleep(const struct platform_gas *g, uint8_t typ)
{
	uint32_t v = (uint32_t)gas_read(g) & ~PM1_SLP_TYP_MASK;

	gas_write(g, v | (uint32_t)typ << PM1_SLP_TYP_SHIFT | PM1_SLP_EN);
}

static void acpi_off(void)
{
	if (plat->hw_reduced) {
		gas_write(&plat->sleep_control,
			  (uint32_t)plat->s5_typ_a << SLEEP_CONTROL_TYP_SHIFT | SLEEP_CONTROL_EN);
		return;
	}
	if (usable(&plat->pm1b_cnt))
		pm1_sleep(&plat->pm1b_cnt, plat->s5_typ_b);
	pm1_sleep(&plat->pm1a_cnt, plat->s5_typ_a);
}

static void acpi_reboot(void)
{
	gas_write(&plat->reset_reg, plat->reset_value);
}

static void pvpanic_notify(void)
{
	outb(plat->pvpanic_port, PVPANIC_PANICKED);
}

void power_init(const struct platform *p)
{
	plat = p;
	if (p->s5_valid && (p->hw_reduced ? usable(&p->sleep_control) : usable(&p->pm1a_cnt)))
		ops.off = acpi_off;
	if (usable(&p->reset_reg))
		ops.reboot = acpi_reboot;
	/* Only where ACPI describes one, and only if it answers. */
	if (p->pvpanic && inb(p->pvpanic_port) & PVPANIC_PANICKED)
		ops.panic_notify = pvpanic_notify;
	power_register(&ops);
}
