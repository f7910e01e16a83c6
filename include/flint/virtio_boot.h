/* Starting virtio at boot (drivers/virtio/): init/main.c registers the
 * drivers, then lets each transport look for devices. */
#ifndef FLINT_VIRTIO_BOOT_H
#define FLINT_VIRTIO_BOOT_H

struct cmdline;

/* Each driver registers itself with the virtio core. */
void virtio_rng_init(void);
void virtio_blk_init(void);
void virtio_net_init(void);

/* Transports: MMIO devices from virtio_mmio.device= tokens; PCI devices
 * from the PCI registry (nothing when pci=off). */
void virtio_mmio_probe(const struct cmdline *c);
void virtio_pci_probe(void);

/* With the test.virtio option: read the first rng device directly and
 * print one `virtio-test:` line. */
void virtio_selftest(void);

/* With the test.blk option (drivers/virtio/blk.c): read and check every
 * block device, write and flush a second pattern on the writable ones,
 * one `blk-test:` line each; the VM exits with status 1 if a check fails. */
void virtio_blk_selftest(void);

/* With the test.net option (drivers/virtio/net_test.c): every network
 * device asks QEMU's user network gateway (10.0.2.2) for its MAC with
 * ARP and pings it with MTU-sized frames, `net-test:` lines; the VM
 * exits with status 1 if a check fails. */
void virtio_net_selftest(void);

/* With the bench.blk option (drivers/virtio/blk_bench.c): time a whole
 * sequential read and random 4 KiB reads of vda, one `blk-bench:` line. */
void virtio_blk_bench(void);

#endif
