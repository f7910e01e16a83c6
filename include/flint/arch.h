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
/* Ends the calibration: arch_cycles_khz is constant from here on, which
 * the timers need. */
void arch_clock_freeze(void);

/* Interrupts on this CPU: save masks them and returns the old state. */
unsigned long arch_irq_save(void);
void arch_irq_restore(unsigned long flags);
/* In an interrupt handler: the instruction the interrupt stopped, and
 * whether it was a program's (user mode). */
uint64_t arch_irq_pc(bool *user);
/* Enables interrupts and halts until one arrives, with no window between
 * the two for a wake-up to slip through. */
void arch_idle(void);

/* Each CPU's one-shot timer (arch/x86_64/lapic_timer.c): timer_interrupt()
 * runs on that CPU once arch_cycles() reaches the deadline. arch_timer_init
 * picks the mode once (boot CPU), arch_timer_cpu_init sets up the caller's. */
void arch_timer_init(void);
void arch_timer_cpu_init(void);
void arch_timer_arm(uint64_t deadline_cycles);
const char *arch_timer_mode(void);	/* "tsc-deadline" or "one-shot" */
void arch_timer_stop(void);

/* Interrupts CPU cpu (an arch_cpu_index): sched_ipi() runs there. */
void arch_cpu_kick(unsigned cpu);

/* A thread's FPU/SSE state: an area of arch_fpu_size() bytes, 64-byte
 * aligned, set to the initial state by arch_fpu_init. */
size_t arch_fpu_size(void);
void arch_fpu_init(void *area);
void arch_fpu_save(void *area);
void arch_fpu_restore(const void *area);

/* Saves the callee-saved registers on this stack and the stack pointer in
 * *save, then resumes the context whose stack pointer is rsp. */
void arch_switch(uint64_t *save, uint64_t rsp);
/* The stack pointer that makes arch_switch start entry on a new stack. */
uint64_t arch_new_context(void *stack_top, void (*entry)(void));

/* The wall clock: CMOS RTC, else KVM's wall clock; false when neither. */
struct date {
	unsigned year, month, day, hour, min, sec;
};
bool arch_wall_clock(struct date *d);

/* The CPU as /proc/cpuinfo describes it (arch/x86_64/cpuinfo.c), from
 * CPUID on the calling CPU. */
#define ARCH_CPU_FLAGS_MAX 64
struct arch_cpuinfo {
	char vendor[13];		/* "GenuineIntel", "AuthenticAMD", ... */
	char model_name[49];		/* the brand string; "" without one */
	unsigned family, model, stepping;
	const char *flags[ARCH_CPU_FLAGS_MAX];	/* Linux's names for them */
	unsigned nflags;
};
void arch_cpuinfo(struct arch_cpuinfo *ci);

/* Print the call chain starting at the caller of this function. */
void arch_dump_stack(void);

/* QEMU's isa-debug-exit: the VM ends with status where the device exists. */
void arch_debug_exit(int status);

/* The last resort: the i8042 reset line, then a triple fault. */
__noreturn void arch_reset(void);

/* Stops every other CPU (an NMI each); for panics. */
void arch_stop_other_cpus(void);

#endif
