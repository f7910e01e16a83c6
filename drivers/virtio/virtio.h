/*
 * The virtio core's whole interface (drivers/virtio/virtio.c): a device
 * found by a transport, the transport's operations, and the drivers that
 * bind to devices. Drivers see only this header and vring.h; they never
 * know their transport. Numbers: Virtual I/O Device (VIRTIO) 1.2.
 */
#ifndef VIRTIO_H
#define VIRTIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Device status bits (§2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE 0x01
#define VIRTIO_STATUS_DRIVER 0x02
#define VIRTIO_STATUS_DRIVER_OK 0x04
#define VIRTIO_STATUS_FEATURES_OK 0x08
#define VIRTIO_STATUS_NEEDS_RESET 0x40
#define VIRTIO_STATUS_FAILED 0x80

/* Reserved feature bits (§6). */
#define VIRTIO_F_RING_INDIRECT_DESC 28
#define VIRTIO_F_RING_EVENT_IDX 29
#define VIRTIO_F_VERSION_1 32
#define VIRTIO_F_ACCESS_PLATFORM 33
#define VIRTIO_FEATURE(bit) (1ull << (bit))

/* Device ids (§5). */
#define VIRTIO_ID_NET 1
#define VIRTIO_ID_BLOCK 2
#define VIRTIO_ID_RNG 4

struct virtio_device;
struct virtqueue;

/*
 * What a transport does for the core. Every call is for one device; the
 * core serialises them (device setup runs on one CPU, at boot).
 */
struct virtio_transport_ops {
	const char *name;	/* "pci-legacy", "pci-modern", "mmio-v1", "mmio-v2" */
	uint8_t (*get_status)(struct virtio_device *d);
	void (*set_status)(struct virtio_device *d, uint8_t status);
	/* Writes 0 to the status and waits (bounded) until the device agrees. */
	int (*reset)(struct virtio_device *d);
	uint64_t (*get_features)(struct virtio_device *d);
	void (*set_features)(struct virtio_device *d, uint64_t features);
	/* Device-specific configuration: len bytes at off (len 1, 2, 4 or 8). */
	void (*read_config)(struct virtio_device *d, unsigned off, void *buf, unsigned len);
	void (*write_config)(struct virtio_device *d, unsigned off, const void *buf, unsigned len);
	/* Bumped by the device when the configuration changes; 0 where the
	 * transport has none (legacy). */
	uint32_t (*config_generation)(struct virtio_device *d);
	/* The largest size queue index can have; 0 when there is no such queue. */
	unsigned (*queue_max)(struct virtio_device *d, unsigned index);
	/* Tells the device where queue index's rings are (physical addresses,
	 * inside one block laid out as vring.h's legacy layout, so that
	 * transports that take only a page number can use desc) and enables
	 * it. Returns 0 or -1. */
	int (*queue_enable)(struct virtio_device *d, unsigned index, unsigned size,
			    uint64_t desc, uint64_t avail, uint64_t used);
	/* Tells the device queue index has new buffers. */
	void (*notify)(struct virtio_device *d, unsigned index);
	/* Calls handler(arg) on the device's interrupts, after acknowledging
	 * them at the transport (ISR or InterruptACK). Returns 0 or -1. */
	int (*request_irq)(struct virtio_device *d, void (*handler)(void *), void *arg);
};

struct virtio_device {
	const struct virtio_transport_ops *ops;
	void *transport;	/* the transport's own state */
	uint32_t id;		/* VIRTIO_ID_* */
	bool legacy;		/* pre-1.0 interface: guest-endian, no VERSION_1 */
	uint64_t features;	/* negotiated */
	char location[40];	/* "pci 00:02.0" or "0xfeb00e00 irq 12" */
	void *priv;		/* the driver's */
};

struct virtio_driver {
	const char *name;	/* "blk", "rng", ... */
	uint32_t id;		/* VIRTIO_ID_* it drives */
	uint64_t features;	/* device-specific features it can use */
	/* Optional: the features to take of those offered and wanted, less
	 * any whose prerequisites are missing (§6.3's dependencies). */
	uint64_t (*settle)(uint64_t features);
	/* Called with features negotiated and FEATURES_OK accepted; sets up
	 * queues and returns 0, after which the core sets DRIVER_OK. On -1
	 * the core marks the device FAILED. */
	int (*probe)(struct virtio_device *d);
	/* Optional, right after DRIVER_OK: the first notifications (§3.1.1:
	 * none may come before DRIVER_OK). */
	void (*start)(struct virtio_device *d);
	/* After DRIVER_OK: the driver's one console line's details. */
	void (*describe)(struct virtio_device *d, char *buf, size_t len);
};

/* Drivers register themselves (before transports find devices). */
void virtio_register_driver(const struct virtio_driver *drv);

/*
 * Transports hand each device they find here: reset, ACKNOWLEDGE,
 * DRIVER, feature negotiation (VERSION_1 required of non-legacy devices,
 * ACCESS_PLATFORM refused, INDIRECT_DESC and EVENT_IDX taken when
 * offered), FEATURES_OK checked, the driver's probe, DRIVER_OK, and one
 * console line `virtio: <driver> <transport> <location> <details>`. Any
 * failure sets FAILED and prints one line naming device and transport.
 */
void virtio_add_device(struct virtio_device *d);

bool virtio_has_feature(const struct virtio_device *d, unsigned bit);

/* Configuration reads that retry while the generation changes (§2.5.1). */
void virtio_read_config(struct virtio_device *d, unsigned off, void *buf, unsigned len);

#endif
