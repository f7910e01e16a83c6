/* The architecture's ways to end the VM. QEMU's isa-debug-exit carries a
 * status out (the write is ignored where the device is absent); the i8042
 * reset line ends the VM on Firecracker (status 0, contract §12) and on
 * QEMU pc/q35 with -no-reboot; machines without an i8042 (QEMU microvm)
 * end with a triple fault. ACPI's ways are drivers/power.c's. */
#include <arch/io.h>
#include <flint/arch.h>

#define ISA_DEBUG_EXIT_PORT 0xf4	/* QEMU: -device isa-debug-exit,iobase=0xf4 */
#define I8042_COMMAND 0x64
#define I8042_PULSE_RESET 0xfe		/* 8042 command: pulse output line 0 */

void arch_debug_exit(int status)
{
	outb(ISA_DEBUG_EXIT_PORT, (uint8_t)status);
}

void arch_reset(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) no_idt = { 0, 0 };

	outb(I8042_COMMAND, I8042_PULSE_RESET);
	/* With no IDT, the breakpoint escalates to a triple fault. */
	__asm__ volatile("lidt %0\n\tint3" : : "m"(no_idt));
	for (;;)
		__asm__ volatile("cli; hlt");
}
