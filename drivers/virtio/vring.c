/*
 * Split virtqueues (Virtio 1.2 §2.7). The rings live in one physically
 * contiguous block in the legacy layout, so that every transport can use
 * it (legacy ones take only the descriptor table's page number). The free
 * descriptor list and each request's bookkeeping are kept in memory the
 * device cannot reach: what the device writes (used ring entries and its
 * index) is checked against them before it is believed, and a device that
 * writes nonsense gets its queue marked broken, never a memory write.
 *
 * A queue is not locked here: the driver serialises its calls on a queue
 * (vq_add/vq_kick from threads, vq_poll from the interrupt handler), and
 * done runs inside vq_poll, so it may queue new requests without locking.
 * A polling driver (net) takes entries itself with vq_get instead, and
 * turns the queue's interrupt off and on around its polls.
 */
#include <flint/compiler.h>
#include <flint/heap.h>
#include <flint/memory.h>
#include <flint/page_alloc.h>
#include <flint/printk.h>
#include <flint/string.h>

#include "virtio.h"
#include "vring.h"

/* §2.7.6, §2.7.8: the flags word of each ring. */
#define VRING_AVAIL_F_NO_INTERRUPT 1
#define VRING_USED_F_NO_NOTIFY 1

/* The legacy queue address registers take a 32-bit number of 4 KiB
 * pages (§4.1.5.1.3 and §4.2.4 "Legacy interface"). */
#define VRING_PFN_LIMIT (1ull << 44)

/* §2.7.6: the available ring; used_event follows ring[size]. */
struct vring_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[];
};

/* §2.7.8: the used ring; avail_event follows ring[size]. */
struct vring_used_elem {
	uint32_t id;		/* head of the completed chain */
	uint32_t len;		/* bytes the device wrote */
};

struct vring_used {
	uint16_t flags;
	uint16_t idx;
	struct vring_used_elem ring[];
};

/* One request, indexed by the head of its chain. */
struct vq_request {
	void *token;
	struct vring_desc *indirect;	/* the kmalloc'ed table, or NULL */
	uint64_t writable;		/* device-writable bytes */
	uint16_t ndesc;			/* ring descriptors it holds */
	bool in_flight;
};

struct virtqueue {
	struct virtio_device *dev;
	unsigned index;
	unsigned size;			/* a power of two (§2.7) */
	uint64_t ring_phys;
	unsigned ring_pages;
	struct vring_desc *desc;
	volatile struct vring_avail *avail;
	volatile struct vring_used *used;
	volatile uint16_t *used_event;	/* in the available ring */
	volatile uint16_t *avail_event;	/* in the used ring */
	uint16_t *next;			/* the driver's copy of the chain links */
	struct vq_request *req;
	vq_done_fn done;
	unsigned nfree;
	unsigned in_flight;
	uint16_t free_head;
	uint16_t avail_idx;		/* what the driver has published */
	uint16_t kicked_idx;		/* avail_idx at the last vq_kick */
	uint16_t last_used;		/* used entries consumed */
	bool indirect;
	bool event_idx;
	bool broken;
	bool interrupts_off;		/* vq_interrupts_off, until vq_interrupts_on */
};

static size_t avail_bytes(unsigned size)
{
	return sizeof(struct vring_avail) + sizeof(uint16_t) * (size + 1);
}

static size_t used_offset(unsigned size)
{
	return ALIGN_UP(sizeof(struct vring_desc) * size + avail_bytes(size),
			(size_t)VRING_LEGACY_ALIGN);
}

static size_t used_bytes(unsigned size)
{
	return sizeof(struct vring_used) + sizeof(struct vring_used_elem) * size +
		sizeof(uint16_t);
}

static void report(struct virtqueue *vq, const char *what)
{
	printk_line("virtio: queue %u of device %u (%s %s): %s", vq->index,
		    (unsigned)vq->dev->id, vq->dev->ops->name, vq->dev->location, what);
}

static void mark_broken(struct virtqueue *vq, const char *why)
{
	vq->broken = true;
	report(vq, why);
}

static void vq_destroy(struct virtqueue *vq)
{
	if (vq->ring_phys)
		page_free(vq->ring_phys, vq->ring_pages);
	kfree(vq->next);
	kfree(vq->req);
	kfree(vq);
}

struct virtqueue *vq_create(struct virtio_device *d, unsigned index, unsigned max_size,
			    vq_done_fn done)
{
	struct virtqueue *vq;
	unsigned max = d->ops->queue_max(d, index);
	unsigned size = 1;
	uint64_t desc, avail, used;

	if (!max) {
		printk_line("virtio: device %u (%s %s) has no queue %u", (unsigned)d->id,
			    d->ops->name, d->location, index);
		return NULL;
	}
	/* Legacy devices fix the size (legacy PCI cannot change it). */
	if (!d->legacy)
		max = MIN(max, max_size);
	while (size * 2 <= max && size * 2 <= 0x8000)
		size *= 2;
	vq = kzalloc(sizeof(*vq));
	if (!vq)
		goto nomem;
	vq->dev = d;
	vq->index = index;
	vq->size = size;
	vq->done = done;
	vq->indirect = virtio_has_feature(d, VIRTIO_F_RING_INDIRECT_DESC);
	vq->event_idx = virtio_has_feature(d, VIRTIO_F_RING_EVENT_IDX);
	vq->ring_pages = (unsigned)(ALIGN_UP(used_offset(size) + used_bytes(size),
					     (size_t)PAGE_SIZE) / PAGE_SIZE);
	vq->ring_phys = page_alloc_below(vq->ring_pages, VRING_PFN_LIMIT);
	vq->next = kmalloc(sizeof(uint16_t) * size);
	vq->req = kzalloc(sizeof(struct vq_request) * size);
	if (!vq->ring_phys || !vq->next || !vq->req) {
		vq_destroy(vq);
		goto nomem;
	}
	memset(phys_to_virt(vq->ring_phys), 0, (size_t)vq->ring_pages * PAGE_SIZE);
	desc = vq->ring_phys;
	avail = desc + sizeof(struct vring_desc) * size;
	used = desc + used_offset(size);
	vq->desc = phys_to_virt(desc);
	vq->avail = phys_to_virt(avail);
	vq->used = phys_to_virt(used);
	vq->used_event = &vq->avail->ring[size];
	vq->avail_event = (volatile uint16_t *)&vq->used->ring[size];
	for (unsigned i = 0; i < size; i++)
		vq->next[i] = (uint16_t)(i + 1);
	vq->nfree = size;
	if (d->ops->queue_enable(d, index, size, desc, avail, used) < 0) {
		report(vq, "the device refused the queue");
		vq_destroy(vq);
		return NULL;
	}
	return vq;
nomem:
	printk_line("virtio: device %u (%s %s): no memory for queue %u", (unsigned)d->id,
		    d->ops->name, d->location, index);
	return NULL;
}

static void fill(struct vring_desc *dst, const struct vring_buf *b, uint16_t next,
		 bool last)
{
	dst->addr = virt_to_phys(b->addr);
	dst->len = b->len;
	dst->flags = (uint16_t)((b->device_writes ? VRING_DESC_F_WRITE : 0) |
				(last ? 0 : VRING_DESC_F_NEXT));
	dst->next = last ? 0 : next;
}

int vq_add(struct virtqueue *vq, const struct vring_buf *bufs, unsigned n, void *token)
{
	struct vring_desc *table = NULL;
	uint64_t writable = 0;
	unsigned ndesc = n;
	uint16_t head = vq->free_head, idx = head;

	if (vq->broken || !n || n > vq->size)
		return -1;
	/* §2.7.4.2: the device-writable buffers come after the readable ones. */
	for (unsigned i = 0; i < n; i++) {
		if (!bufs[i].device_writes && writable)
			return -1;
		if (bufs[i].device_writes)
			writable += bufs[i].len;
	}
	if (vq->indirect && n > 1 && vq->nfree) {
		table = kmalloc(sizeof(struct vring_desc) * n);
		if (table)
			ndesc = 1;
	}
	if (vq->nfree < ndesc) {
		kfree(table);
		return -1;
	}
	if (table) {
		/* §2.7.5.3: one ring descriptor pointing at a table of n. */
		for (unsigned i = 0; i < n; i++)
			fill(&table[i], &bufs[i], (uint16_t)(i + 1), i == n - 1);
		vq->desc[head].addr = virt_to_phys(table);
		vq->desc[head].len = (uint32_t)(sizeof(struct vring_desc) * n);
		vq->desc[head].flags = VRING_DESC_F_INDIRECT;
		vq->desc[head].next = 0;
		idx = vq->next[head];
	} else {
		for (unsigned i = 0; i < n; i++) {
			fill(&vq->desc[idx], &bufs[i], vq->next[idx], i == n - 1);
			idx = vq->next[idx];
		}
	}
	vq->free_head = idx;
	vq->nfree -= ndesc;
	vq->in_flight++;
	vq->req[head] = (struct vq_request){ .token = token, .indirect = table,
		.writable = writable, .ndesc = (uint16_t)ndesc, .in_flight = true };
	vq->avail->ring[vq->avail_idx & (vq->size - 1)] = head;
	/* §2.7.13.3: the entry and its descriptors before the index. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	vq->avail->idx = ++vq->avail_idx;
	return 0;
}

bool vq_kick(struct virtqueue *vq)
{
	uint16_t old = vq->kicked_idx, new = vq->avail_idx;
	bool notify;

	if (vq->broken || old == new)
		return false;
	/* The index store must be visible before the device's suppression
	 * word is read (a store then a load: a full fence even on x86). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	vq->kicked_idx = new;
	if (vq->event_idx) {
		/* §2.7.10: notify when avail_event lies in (old, new]. */
		uint16_t event = *vq->avail_event;

		notify = (uint16_t)(new - event - 1) < (uint16_t)(new - old);
	} else {
		notify = !(vq->used->flags & VRING_USED_F_NO_NOTIFY);
	}
	if (notify)
		vq->dev->ops->notify(vq->dev, vq->index);
	return notify;
}

static void free_chain(struct virtqueue *vq, uint16_t head)
{
	struct vq_request *r = &vq->req[head];
	uint16_t last = head;

	for (unsigned i = 1; i < r->ndesc; i++)
		last = vq->next[last];
	vq->next[last] = vq->free_head;
	vq->free_head = head;
	vq->nfree += r->ndesc;
	vq->in_flight--;
	kfree(r->indirect);
	r->indirect = NULL;
	r->in_flight = false;
}

/* §2.7.10: the used index at which the device is to interrupt next: the
 * next entry, or, with interrupts off, one it has already passed (it
 * interrupts only on crossing used_event). */
static void set_used_event(struct virtqueue *vq)
{
	*vq->used_event = (uint16_t)(vq->last_used - (vq->interrupts_off ? 1 : 0));
}

/* Used entries published and not yet taken; 0, with the queue marked
 * broken, when the device claims more than are in flight. */
static unsigned pending(struct virtqueue *vq)
{
	uint16_t n;

	if (vq->broken)
		return 0;
	n = (uint16_t)(vq->used->idx - vq->last_used);
	/* §2.7.13: the entries are read only after the index. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (n > vq->in_flight) {
		mark_broken(vq, "used index ahead of the requests in flight");
		return 0;
	}
	return n;
}

/* Takes the used entry at last_used (pending() said there is one): 0
 * with its token and length, or -1 when it is impossible. */
static int take(struct virtqueue *vq, void **token, uint32_t *len)
{
	volatile struct vring_used_elem *e = &vq->used->ring[vq->last_used & (vq->size - 1)];
	uint32_t id = e->id;
	struct vq_request *r;

	*len = e->len;
	if (id >= vq->size || !vq->req[id].in_flight) {
		mark_broken(vq, "used id is not a request in flight");
		return -1;
	}
	r = &vq->req[id];
	if (*len > r->writable) {
		mark_broken(vq, "used length larger than the request's buffers");
		return -1;
	}
	*token = r->token;
	free_chain(vq, (uint16_t)id);
	vq->last_used++;
	return 0;
}

int vq_poll(struct virtqueue *vq)
{
	int total = 0;

	for (;;) {
		unsigned n = pending(vq);

		if (vq->broken)
			return -1;
		if (!n)
			return total;
		for (unsigned i = 0; i < n; i++) {
			void *token;
			uint32_t len;

			if (take(vq, &token, &len) < 0)
				return -1;
			vq->done(vq, token, len);
			total++;
		}
		if (vq->event_idx) {
			/* Interrupt us at the next used entry, then look again
			 * for one that came before the device saw this. */
			set_used_event(vq);
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
		}
	}
}

void *vq_get(struct virtqueue *vq, uint32_t *len)
{
	void *token;

	if (!pending(vq) || take(vq, &token, len) < 0)
		return NULL;
	if (vq->event_idx)
		set_used_event(vq);
	return token;
}

void *vq_detach(struct virtqueue *vq)
{
	for (unsigned i = 0; i < vq->size; i++)
		if (vq->req[i].in_flight) {
			void *token = vq->req[i].token;

			free_chain(vq, (uint16_t)i);
			return token;
		}
	return NULL;
}

unsigned vq_pending(struct virtqueue *vq)
{
	return pending(vq);
}

void vq_interrupts_off(struct virtqueue *vq)
{
	vq->interrupts_off = true;
	if (vq->event_idx)
		set_used_event(vq);
	else
		vq->avail->flags = VRING_AVAIL_F_NO_INTERRUPT;
}

bool vq_interrupts_on(struct virtqueue *vq)
{
	vq->interrupts_off = false;
	/* §2.7.7.2: with EVENT_IDX the flags stay 0 and used_event rules. */
	if (vq->event_idx)
		set_used_event(vq);
	else
		vq->avail->flags = 0;
	/* The store before the used index is read again: an entry the device
	 * wrote before it saw the store gets no interrupt, so it is reported. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return !vq->broken && vq->used->idx != vq->last_used;
}

unsigned vq_size(const struct virtqueue *vq)
{
	return vq->size;
}

unsigned vq_free(const struct virtqueue *vq)
{
	return vq->nfree;
}

bool vq_broken(const struct virtqueue *vq)
{
	return vq->broken;
}
