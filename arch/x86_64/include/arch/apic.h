/* The local APIC (arch/x86_64/apic.c), xAPIC through MMIO or x2APIC
 * through MSRs, whichever the CPU has. */
#ifndef ARCH_APIC_H
#define ARCH_APIC_H

#include <stdbool.h>
#include <stdint.h>

#define SPURIOUS_VECTOR 0xff

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

#endif
