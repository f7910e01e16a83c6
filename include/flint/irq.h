/* Interrupts for drivers (arch/x86_64/irq.c): a handler on an ISA IRQ or a
 * global system interrupt (through the IOAPIC), or on an MSI vector. */
#ifndef FLINT_IRQ_H
#define FLINT_IRQ_H

#include <stdint.h>

typedef void (*irq_handler)(void *arg);

/* Returns the vector the handler got, or -1 (none left, no such pin). */
int irq_attach_isa(unsigned irq, irq_handler fn, void *arg);
int irq_attach_gsi(uint32_t gsi, uint16_t flags, irq_handler fn, void *arg);

/* An MSI vector on the boot CPU: the address and data a device must write. */
int irq_alloc_msi(irq_handler fn, void *arg, uint64_t *addr, uint32_t *data);

void irq_enable(void);
void irq_disable(void);

#endif
