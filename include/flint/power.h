/* Ending the VM (kernel/power.c). The platform's own ways (ACPI sleep and
 * reset registers, pvpanic) are registered by drivers/power.c; the
 * architecture's (QEMU isa-debug-exit, i8042, triple fault) come after. */
#ifndef FLINT_POWER_H
#define FLINT_POWER_H

#include <flint/compiler.h>

struct power_ops {
	void (*off)(void);		/* returns only if it failed */
	void (*reboot)(void);
	void (*panic_notify)(void);	/* tells the host a panic happened */
};

void power_register(const struct power_ops *ops);

/* status reaches QEMU's isa-debug-exit where it exists. */
__noreturn void power_off(int status);
__noreturn void power_reboot(void);

/* For panics: other CPUs stopped, the host told, status PANIC_STATUS. */
__noreturn void panic_exit(void);

#endif
