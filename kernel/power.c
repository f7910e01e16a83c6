#include <flint/arch.h>
#include <flint/panic.h>
#include <flint/param.h>
#include <flint/power.h>
#include <flint/printk.h>
#include <stddef.h>

static const struct power_ops *ops;

void power_register(const struct power_ops *o)
{
	ops = o;
}

/* test.reboot: end the boot with a reboot instead, to test the reset
 * register (QEMU with -no-reboot exits on it). */
static bool test_reboot;
KERNEL_FLAG("test.reboot", test_reboot);

void power_off(int status)
{
	if (test_reboot) {
		printk("power: reboot through %s\n", ops && ops->reboot ?
		       "the ACPI reset register" : "the i8042 or a triple fault");
		power_reboot();
	}
	arch_debug_exit(status);
	if (ops && ops->off)
		ops->off();
	arch_reset();
}

void power_reboot(void)
{
	if (ops && ops->reboot)
		ops->reboot();
	arch_reset();
}

void panic_exit(void)
{
	static bool once;

	if (!__atomic_exchange_n(&once, true, __ATOMIC_ACQ_REL))
		arch_stop_other_cpus();
	if (ops && ops->panic_notify)
		ops->panic_notify();
	power_off(PANIC_STATUS);
}
