#include <flint/arch.h>
#include <flint/panic.h>
#include <flint/power.h>
#include <stddef.h>

static const struct power_ops *ops;

void power_register(const struct power_ops *o)
{
	ops = o;
}

void power_off(int status)
{
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
