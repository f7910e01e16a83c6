/* Ending the VM: QEMU's isa-debug-exit carries the status out; where it is
 * absent the write is ignored and the i8042 reset line ends the VM
 * (Firecracker exits with status 0 on it, contract §12; QEMU does so with
 * -no-reboot). Machines without an i8042 (QEMU microvm) end with a triple
 * fault. */
#include <arch/io.h>
#include <flint/arch.h>

#define ISA_DEBUG_EXIT_PORT 0xf4	/* QEMU: -device isa-debug-exit,iobase=0xf4 */
#define I8042_COMMAND 0x64
#define I8042_PULSE_RESET 0xfe		/* 8042 command: pulse output line 0 */

void arch_exit(int status)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) no_idt = { 0, 0 };

	outb(ISA_DEBUG_EXIT_PORT, (uint8_t)status);
	outb(I8042_COMMAND, I8042_PULSE_RESET);
	/* With no IDT, the breakpoint escalates to a triple fault. */
	__asm__ volatile("lidt %0\n\tint3" : : "m"(no_idt));
	for (;;)
		__asm__ volatile("cli; hlt");
}
