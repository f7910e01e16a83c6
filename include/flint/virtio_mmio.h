/* Virtio-mmio devices the firmware tables describe (drivers/virtio/mmio.c). */
#ifndef FLINT_VIRTIO_MMIO_H
#define FLINT_VIRTIO_MMIO_H

struct platform;

/* Adds each of p's virtio-mmio transports (the DSDT's LNRO0005 devices)
 * whose base no virtio_mmio.device= token already named. Run after
 * virtio_mmio_probe. */
void virtio_mmio_probe_platform(const struct platform *p);

#endif
