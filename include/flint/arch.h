/* What the kernel may ask of the CPU and the platform's fixed devices.
 * Implemented in arch/x86_64/. */
#ifndef FLINT_ARCH_H
#define FLINT_ARCH_H

#include <flint/compiler.h>
#include <flint/memmap.h>
#include <stdbool.h>
#include <stdint.h>

/* CPU tables, exception handlers, SSE/XSAVE state. */
void arch_cpu_init(void);

/* Replace the early page tables with the kernel's own: the kernel image
 * with per-section permissions and all of the map's RAM at DIRECT_MAP_BASE. */
void arch_paging_init(const struct memmap *m);

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

/* End the VM with status (QEMU isa-debug-exit), else power it off. */
__noreturn void arch_exit(int status);

#endif
