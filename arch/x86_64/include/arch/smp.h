/* AP start-up (arch/x86_64/smp.c, trampoline.S). */
#ifndef ARCH_SMP_H
#define ARCH_SMP_H

/* The SIPI vector is a page number below 1 MiB (SDM vol. 3A §8.4.4.1):
 * a page in the first MiB, which the page allocator never hands out. */
#define TRAMPOLINE_PHYS 0x8000
#define SMP_MAX_CPUS 64

#ifndef __ASSEMBLER__
#include <stdbool.h>
#include <stdint.h>

extern const char trampoline_start[], trampoline_end[];
extern uint32_t tr_cr3, tr_efer, tr_next_slot;
extern uint64_t tr_stack[SMP_MAX_CPUS];

void ap_main(unsigned slot);

/* True once arch_stop_other_cpus has begun: NMIs then mean "stop". */
bool arch_cpus_stopping(void);

/* A fixed-vector IPI to the CPU with that index. */
void smp_send_ipi(unsigned cpu, unsigned vector);
#endif

#endif
