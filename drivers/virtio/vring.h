/*
 * Split virtqueues (drivers/virtio/vring.c), Virtio 1.2 §2.7. The ring
 * code owns the memory shared with the device and never touches transport
 * registers: it tells the device about new buffers through the transport's
 * notify, via the core. Everything the device writes (used ids, lengths,
 * indexes) is checked before it is believed.
 */
#ifndef VRING_H
#define VRING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct virtio_device;

/* §2.7.5: descriptor flags. */
#define VRING_DESC_F_NEXT 1
#define VRING_DESC_F_WRITE 2		/* device writes (otherwise reads) */
#define VRING_DESC_F_INDIRECT 4

/* The legacy layout (§2.7.2, "Legacy Interfaces"): descriptors, then the
 * available ring, then, at the next align boundary, the used ring. */
#define VRING_LEGACY_ALIGN 4096

struct vring_desc {
	uint64_t addr;		/* driver writes: a buffer's physical address */
	uint32_t len;		/* driver writes */
	uint16_t flags;		/* driver writes: VRING_DESC_F_* */
	uint16_t next;		/* driver writes: the chain's next index */
};

/* One buffer of a request: memory the device reads, or writes when
 * device_writes. */
struct vring_buf {
	void *addr;		/* kernel virtual address (direct map) */
	uint32_t len;
	bool device_writes;
};

struct virtqueue;

/* Completion of a request: token as given to vq_add, len as the device
 * reported (already checked against the request's writable size). */
typedef void (*vq_done_fn)(struct virtqueue *vq, void *token, uint32_t len);

/*
 * Allocates and enables queue index of d (size: the transport's maximum,
 * capped at max_size), with d's negotiated ring features. done may be
 * NULL for a driver that takes used entries with vq_get only. Returns
 * NULL with a console message on failure.
 */
struct virtqueue *vq_create(struct virtio_device *d, unsigned index, unsigned max_size,
			    vq_done_fn done);

/* Queues one request (a chain, or one indirect descriptor when negotiated
 * and n > 1); returns 0, or -1 when the ring is full. Does not notify. */
int vq_add(struct virtqueue *vq, const struct vring_buf *bufs, unsigned n, void *token);

/* Notifies the device if it wants to be told (event index or flags);
 * returns whether it did. */
bool vq_kick(struct virtqueue *vq);

/* Completes every used buffer (calls done for each); returns how many.
 * A device that writes an impossible used entry is reported, the queue is
 * marked broken and further calls return -1. For the interrupt handler,
 * or for polling. */
int vq_poll(struct virtqueue *vq);

/* For drivers that take used entries one at a time (done unused): the
 * next one's token (tokens must not be NULL) and length, checked as
 * vq_poll checks them; NULL when there is none or the queue is broken. */
void *vq_get(struct virtqueue *vq, uint32_t *len);

/* While the device does not use the queue (before DRIVER_OK, or after a
 * reset): takes back one request the device never completed and returns
 * its token, so that its buffers can be freed; NULL when none is left. */
void *vq_detach(struct virtqueue *vq);

/* Used entries the device has published that are not taken yet (0 when
 * the queue is broken; a count beyond those in flight breaks it). */
unsigned vq_pending(struct virtqueue *vq);

/*
 * Interrupt suppression for polling drivers (§2.7.7, §2.7.10): off sets
 * VRING_AVAIL_F_NO_INTERRUPT, or with EVENT_IDX keeps used_event behind
 * what the device has used, so it is not interrupted per entry. On asks
 * for an interrupt at the next used entry and returns whether entries
 * are already pending, which the device may have written before it saw
 * the request: the caller polls again rather than waiting for them.
 * Serialised with the queue's other calls.
 */
void vq_interrupts_off(struct virtqueue *vq);
bool vq_interrupts_on(struct virtqueue *vq);

unsigned vq_size(const struct virtqueue *vq);
unsigned vq_free(const struct virtqueue *vq);
bool vq_broken(const struct virtqueue *vq);

#endif
