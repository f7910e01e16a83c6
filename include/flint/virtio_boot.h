/* Starting virtio at boot (drivers/virtio/): init/main.c registers the
 * drivers, then lets each transport look for devices. */
#ifndef FLINT_VIRTIO_BOOT_H
#define FLINT_VIRTIO_BOOT_H

struct cmdline;

/* Each driver registers itself with the virtio core. */
void virtio_rng_init(void);

/* Transports: MMIO devices from virtio_mmio.device= tokens; PCI devices
 * from the PCI registry (nothing when pci=off). */
void virtio_mmio_probe(const struct cmdline *c);
void virtio_pci_probe(void);

/* With the test.virtio option: read the first rng device directly and
 * print one `virtio-test:` line. */
void virtio_selftest(void);

#endif
