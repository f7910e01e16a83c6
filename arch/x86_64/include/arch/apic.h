/* The local APIC (arch/x86_64/apic.c), xAPIC through MMIO or x2APIC
 * through MSRs, whichever the CPU has. */
#ifndef ARCH_APIC_H
#define ARCH_APIC_H

#include <stdbool.h>
#include <stdint.h>

#define SPURIOUS_VECTOR 0xff
/* Fixed vectors above irq.c's pool: the local timer, the scheduler's
 * wake-up IPI and the TLB shootdown IPI. */
#define TIMER_VECTOR 0xf0
#define RESCHED_VECTOR 0xf1
#define TLB_VECTOR 0xf2		/* drop stale user translations */

/* Timer registers (SDM vol. 3A §11.5.4, Table 11-1). */
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_TIMER_INITIAL 0x380
#define LAPIC_TIMER_CURRENT 0x390
#define LAPIC_TIMER_DIVIDE 0x3e0
#define LVT_MASKED 0x10000
#define LVT_TIMER_TSC_DEADLINE 0x40000	/* SDM §11.5.4.1 */
#define TIMER_DIVIDE_BY_1 0xb		/* SDM Figure 11-10 */

/* ICR delivery modes and levels (SDM vol. 3A §11.6.1). */
#define ICR_FIXED 0x000
#define ICR_NMI 0x400
#define ICR_INIT 0x500
#define ICR_STARTUP 0x600
#define ICR_ASSERT 0x4000
#define ICR_LEVEL 0x8000

/* Maps the BSP's LAPIC (xAPIC mode) and picks x2APIC when available. */
void apic_init_bsp(uint64_t lapic_phys);
/* Enables this CPU's LAPIC: spurious vector, TPR 0, LVTs masked. */
void apic_enable(void);
uint32_t apic_id(void);
void apic_eoi(void);
/* Sends an IPI (ICR_* | vector) to the CPU with APIC id dest. */
void apic_send_ipi(uint32_t dest, uint32_t icr);
bool apic_x2apic(void);
uint32_t apic_read(unsigned reg);
void apic_write(unsigned reg, uint32_t v);

/* Installs fn on one of the fixed vectors above (irq.c). */
void irq_set_fixed(unsigned vector, void (*fn)(void *), void *arg);

#endif
