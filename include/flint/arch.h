/* What the kernel may ask of the CPU and the platform's fixed devices.
 * Implemented in arch/x86_64/. */
#ifndef FLINT_ARCH_H
#define FLINT_ARCH_H

#include <flint/compiler.h>
#include <flint/memmap.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* CPU tables, exception handlers, SSE/XSAVE state. */
void arch_cpu_init(void);

/* This CPU's index: 0 for the boot CPU, then 1, 2, ... */
unsigned arch_cpu_index(void);

struct platform;

/* Interrupt controllers: 8259s masked, local APIC on, IOAPIC pins masked,
 * routed through p's overrides. */
void arch_irq_init(const struct platform *p);

/* Starts every other CPU p lists; returns how many CPUs are online. */
unsigned arch_smp_start(const struct platform *p);

/* Replace the early page tables with the kernel's own: the kernel image
 * with per-section permissions and all of the map's RAM at DIRECT_MAP_BASE. */
void arch_paging_init(const struct memmap *m);

/* Device registers at phys, mapped uncached; returns their address. */
void *arch_map_mmio(uint64_t phys, size_t size);

/* Physical range of the loaded kernel image (without the boot stack guard). */
void arch_kernel_range(uint64_t *start, uint64_t *end);

/* The cycle counter and its frequency. arch_clock_init picks the source;
 * arch_clock_sample refines a calibration that spans boot work (call it
 * at least every 50 ms while calibrating). */
uint64_t arch_cycles(void);
void arch_clock_init(void);
void arch_clock_sample(void);
uint64_t arch_cycles_khz(void);
const char *arch_clock_source(void);

/* Print the call chain starting at the caller of this function. */
void arch_dump_stack(void);

/* QEMU's isa-debug-exit: the VM ends with status where the device exists. */
void arch_debug_exit(int status);

/* The last resort: the i8042 reset line, then a triple fault. */
__noreturn void arch_reset(void);

/* Stops every other CPU (an NMI each); for panics. */
void arch_stop_other_cpus(void);

#endif
