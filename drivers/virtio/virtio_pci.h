/* Shared by the virtio PCI transports (pci.c, pci_modern.c, pci_legacy.c). */
#ifndef VIRTIO_PCI_H
#define VIRTIO_PCI_H

#include <flint/pci.h>

#include "virtio.h"

/* Each transport fills d's ops and transport state for p, or prints why
 * not and returns -1. */
int virtio_pci_modern_init(struct virtio_device *d, const struct pci_device *p);
int virtio_pci_legacy_init(struct virtio_device *d, const struct pci_device *p);

/* After a write of 0 to the status: waits (bounded) until it reads 0. */
int virtio_pci_wait_reset(struct virtio_device *d);

/*
 * handler(arg) on the device's interrupts. With an MSI-X capability: one
 * vector, table entry 0, for the configuration and every queue, MSI-X on
 * and *msix set (the transport then points its vector registers at entry
 * 0). Without one: INTx on the line the firmware assigned, through the
 * IOAPIC; read_isr (NULL if the device has no ISR status) reads and so
 * acknowledges the ISR status (Virtio 1.2 §4.1.4.5), and handler runs
 * only when it shows a queue or configuration interrupt. Returns 0, or -1
 * with a console message.
 */
int virtio_pci_request_irq(struct virtio_device *d, const struct pci_device *p,
			   uint8_t (*read_isr)(struct virtio_device *d), void (*handler)(void *),
			   void *arg, bool *msix);

#endif
