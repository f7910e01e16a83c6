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

/* One MSI-X vector, table entry 0, for the configuration and every queue:
 * handler(arg) runs on it. MSI-X is on when this returns 0. */
int virtio_pci_msix(struct virtio_device *d, const struct pci_device *p,
		    void (*handler)(void *), void *arg);

#endif
