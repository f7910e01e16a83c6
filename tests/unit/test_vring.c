/*
 * drivers/virtio/vring.c against a simulated device on the other side of
 * the rings: it takes available chains (direct or indirect), checks what
 * the driver wrote, and writes used entries, well or badly.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "virtio_fake.h"
#include "../../drivers/virtio/virtio.h"
#include "../../drivers/virtio/vring.h"

/* The device's view of the rings (Virtio 1.2 §2.7). */
struct sim {
	unsigned max, size, notified;
	struct vring_desc *desc;
	uint16_t *avail;	/* flags, idx, ring[size], used_event */
	uint16_t *used;		/* flags, idx, then {u32 id, u32 len}[size], avail_event */
	uint16_t last_avail;
};

static struct sim sim;

static unsigned queue_max(struct virtio_device *d, unsigned index)
{
	(void)d;
	return index == 0 ? sim.max : 0;
}

static int queue_enable(struct virtio_device *d, unsigned index, unsigned size,
			uint64_t desc, uint64_t avail, uint64_t used)
{
	(void)d;
	(void)index;
	CHECK_EQ(desc % 4096, 0);
	CHECK_EQ(avail, desc + 16 * size);
	CHECK_EQ(used % 4096, 0);
	sim.size = size;
	sim.desc = (struct vring_desc *)(uintptr_t)desc;
	sim.avail = (uint16_t *)(uintptr_t)avail;
	sim.used = (uint16_t *)(uintptr_t)used;
	return 0;
}

static void notify(struct virtio_device *d, unsigned index)
{
	(void)d;
	(void)index;
	sim.notified++;
}

static const struct virtio_transport_ops ops = {
	.name = "sim", .queue_max = queue_max, .queue_enable = queue_enable, .notify = notify,
};

static struct virtio_device dev = { .ops = &ops, .id = VIRTIO_ID_RNG, .location = "test" };

static unsigned ndone;
static void *last_token;
static uint32_t last_len;

static void done(struct virtqueue *vq, void *token, uint32_t len)
{
	(void)vq;
	ndone++;
	last_token = token;
	last_len = len;
}

static struct virtqueue *setup(unsigned max, uint64_t features)
{
	struct virtqueue *vq;

	memset(&sim, 0, sizeof(sim));
	sim.max = max;
	dev.features = features;
	ndone = 0;
	fake_printk_lines = 0;
	vq = vq_create(&dev, 0, 64, done);
	CHECK(vq != NULL);
	return vq;
}

static uint16_t *used_idx(void)
{
	return &sim.used[1];
}

static uint16_t *avail_event(void)
{
	return (uint16_t *)((char *)sim.used + 4 + 8 * sim.size);
}

static uint16_t *used_event(void)
{
	return &sim.avail[2 + sim.size];
}

/* Takes the next available chain: its head, descriptor count (after
 * following an indirect table) and device-writable bytes. */
static uint16_t take(unsigned *ndesc, uint32_t *writable, bool *indirect)
{
	uint16_t head, i;
	struct vring_desc *table = sim.desc;
	unsigned limit = sim.size;

	CHECK(sim.avail[1] != sim.last_avail);
	head = sim.avail[2 + (sim.last_avail++ % sim.size)];
	CHECK(head < sim.size);
	*ndesc = 0;
	*writable = 0;
	*indirect = false;
	i = head;
	if (table[i].flags & VRING_DESC_F_INDIRECT) {
		*indirect = true;
		limit = table[i].len / sizeof(struct vring_desc);
		table = (struct vring_desc *)(uintptr_t)table[i].addr;
		i = 0;
	}
	for (;;) {
		CHECK(i < limit && *ndesc < limit);
		(*ndesc)++;
		if (table[i].flags & VRING_DESC_F_WRITE)
			*writable += table[i].len;
		if (!(table[i].flags & VRING_DESC_F_NEXT))
			break;
		i = table[i].next;
	}
	return head;
}

static void put_used(uint32_t id, uint32_t len)
{
	uint32_t *e = (uint32_t *)((char *)sim.used + 4 + 8 * (*used_idx() % sim.size));

	e[0] = id;
	e[1] = len;
	(*used_idx())++;
}

static uint8_t bufs_mem[4][32];

static int add3(struct virtqueue *vq, void *token)
{
	struct vring_buf b[3] = {
		{ bufs_mem[0], 16, false },
		{ bufs_mem[1], 32, true },
		{ bufs_mem[2], 32, true },
	};

	return vq_add(vq, b, 3, token);
}

static int add1(struct virtqueue *vq, void *token)
{
	struct vring_buf b = { bufs_mem[3], 32, true };

	return vq_add(vq, &b, 1, token);
}

TEST(chain)
{
	struct virtqueue *vq = setup(256, 0);
	unsigned n;
	uint32_t w;
	bool ind;
	uint16_t head;

	CHECK_EQ(vq_size(vq), 64);
	CHECK_EQ(add3(vq, (void *)0x1234), 0);
	CHECK_EQ(vq_free(vq), 61);
	vq_kick(vq);
	CHECK_EQ(sim.notified, 1);
	vq_kick(vq);	/* nothing new */
	CHECK_EQ(sim.notified, 1);
	head = take(&n, &w, &ind);
	CHECK_EQ(n, 3);
	CHECK_EQ(w, 64);
	CHECK(!ind);
	CHECK_EQ(sim.desc[head].addr, (uint64_t)(uintptr_t)bufs_mem[0]);
	CHECK_EQ(vq_poll(vq), 0);
	put_used(head, 40);
	CHECK_EQ(vq_poll(vq), 1);
	CHECK_EQ(ndone, 1);
	CHECK(last_token == (void *)0x1234);
	CHECK_EQ(last_len, 40);
	CHECK_EQ(vq_free(vq), 64);
	CHECK(!vq_broken(vq));
}

TEST(full_ring_out_of_order)
{
	struct virtqueue *vq = setup(8, 0);
	uint16_t heads[8];
	unsigned n;
	uint32_t w;
	bool ind;

	for (unsigned i = 0; i < 8; i++)
		CHECK_EQ(add1(vq, (void *)(uintptr_t)(i + 1)), 0);
	CHECK_EQ(add1(vq, NULL), -1);
	CHECK_EQ(vq_free(vq), 0);
	for (unsigned i = 0; i < 8; i++)
		heads[i] = take(&n, &w, &ind);
	for (unsigned i = 0; i < 8; i++)
		put_used(heads[7 - i], 32);
	CHECK_EQ(vq_poll(vq), 8);
	CHECK_EQ(vq_free(vq), 8);
	/* The free list still works after out-of-order completion. */
	for (unsigned round = 0; round < 3; round++) {
		CHECK_EQ(add3(vq, NULL), 0);
		CHECK_EQ(add3(vq, NULL), 0);
		heads[0] = take(&n, &w, &ind);
		heads[1] = take(&n, &w, &ind);
		put_used(heads[1], 0);
		put_used(heads[0], 64);
		CHECK_EQ(vq_poll(vq), 2);
		CHECK_EQ(vq_free(vq), 8);
	}
	CHECK(!vq_broken(vq));
}

/* vq_detach hands back every request never completed, once each, and
 * the ring is whole again afterwards. */
TEST(detach)
{
	struct virtqueue *vq = setup(16, 0);
	unsigned seen = 0, n;
	uint32_t w;
	bool ind;
	void *token;

	CHECK(vq_detach(vq) == NULL);
	for (unsigned i = 0; i < 3; i++)
		CHECK_EQ(add3(vq, (void *)(uintptr_t)(0x10 << i)), 0);
	CHECK_EQ(add1(vq, (void *)0x80), 0);
	put_used(take(&n, &w, &ind), 0);
	CHECK_EQ(vq_poll(vq), 1);	/* 0x10 completed: not detached */
	while ((token = vq_detach(vq))) {
		CHECK_EQ((uintptr_t)token & seen, 0);
		seen |= (unsigned)(uintptr_t)token;
	}
	CHECK_EQ(seen, 0x20 | 0x40 | 0x80);
	CHECK_EQ(vq_free(vq), 16);
	CHECK_EQ(add3(vq, (void *)1), 0);
	CHECK_EQ(add3(vq, (void *)2), 0);
	CHECK(!vq_broken(vq));
}

TEST(indirect)
{
	struct virtqueue *vq = setup(16, VIRTIO_FEATURE(VIRTIO_F_RING_INDIRECT_DESC));
	unsigned n;
	uint32_t w;
	bool ind;
	uint16_t head;

	CHECK_EQ(add3(vq, (void *)1), 0);
	CHECK_EQ(vq_free(vq), 15);
	CHECK_EQ(add1(vq, (void *)2), 0);	/* one buffer: direct */
	CHECK_EQ(vq_free(vq), 14);
	head = take(&n, &w, &ind);
	CHECK(ind);
	CHECK_EQ(n, 3);
	CHECK_EQ(w, 64);
	put_used(head, 64);
	head = take(&n, &w, &ind);
	CHECK(!ind);
	put_used(head, 32);
	CHECK_EQ(vq_poll(vq), 2);
	CHECK_EQ(vq_free(vq), 16);
}

TEST(event_idx)
{
	struct virtqueue *vq = setup(16, VIRTIO_FEATURE(VIRTIO_F_RING_EVENT_IDX));
	unsigned n;
	uint32_t w;
	bool ind;

	/* The device wants to hear at index 0 -> 1: notified. */
	CHECK_EQ(add1(vq, NULL), 0);
	vq_kick(vq);
	CHECK_EQ(sim.notified, 1);
	/* It asks for index 5 only: adding the second and third is quiet. */
	*avail_event() = 5;
	CHECK_EQ(add1(vq, NULL), 0);
	vq_kick(vq);
	CHECK_EQ(add1(vq, NULL), 0);
	vq_kick(vq);
	CHECK_EQ(sim.notified, 1);
	/* Flags are ignored with event index. */
	*avail_event() = 3;
	sim.used[0] = 1;
	CHECK_EQ(add1(vq, NULL), 0);
	vq_kick(vq);
	CHECK_EQ(sim.notified, 2);
	for (unsigned i = 0; i < 4; i++)
		put_used(take(&n, &w, &ind), 1);
	CHECK_EQ(vq_poll(vq), 4);
	CHECK_EQ(*used_event(), 4);
}

TEST(no_notify_flag)
{
	struct virtqueue *vq = setup(16, 0);

	sim.used[0] = 1;	/* VRING_USED_F_NO_NOTIFY */
	CHECK_EQ(add1(vq, NULL), 0);
	vq_kick(vq);
	CHECK_EQ(sim.notified, 0);
	sim.used[0] = 0;
	CHECK_EQ(add1(vq, NULL), 0);
	vq_kick(vq);
	CHECK_EQ(sim.notified, 1);
}

static void expect_broken(struct virtqueue *vq)
{
	CHECK_EQ(vq_poll(vq), -1);
	CHECK(vq_broken(vq));
	CHECK_EQ(fake_printk_lines, 1);
	CHECK_EQ(vq_poll(vq), -1);
	CHECK_EQ(add1(vq, NULL), -1);
	CHECK_EQ(fake_printk_lines, 1);
}

TEST(hostile_id_out_of_range)
{
	struct virtqueue *vq = setup(16, 0);

	CHECK_EQ(add1(vq, NULL), 0);
	put_used(16, 0);
	expect_broken(vq);
	CHECK_EQ(ndone, 0);
}

TEST(hostile_id_not_head)
{
	struct virtqueue *vq = setup(16, 0);
	unsigned n;
	uint32_t w;
	bool ind;
	uint16_t head;

	CHECK_EQ(add3(vq, NULL), 0);
	head = take(&n, &w, &ind);
	put_used(sim.desc[head].next, 0);
	expect_broken(vq);
}

TEST(hostile_len_too_large)
{
	struct virtqueue *vq = setup(16, VIRTIO_FEATURE(VIRTIO_F_RING_INDIRECT_DESC));
	unsigned n;
	uint32_t w;
	bool ind;
	uint16_t head;

	CHECK_EQ(add3(vq, NULL), 0);
	head = take(&n, &w, &ind);
	put_used(head, 65);	/* 64 writable: the 16 readable bytes don't count */
	expect_broken(vq);
}

TEST(hostile_idx_jump)
{
	struct virtqueue *vq = setup(16, 0);

	CHECK_EQ(add1(vq, NULL), 0);
	*used_idx() = 17;
	expect_broken(vq);
	CHECK_EQ(ndone, 0);
}

TEST(hostile_more_than_in_flight)
{
	struct virtqueue *vq = setup(16, 0);
	unsigned n;
	uint32_t w;
	bool ind;

	CHECK_EQ(add1(vq, NULL), 0);
	put_used(take(&n, &w, &ind), 1);
	(*used_idx())++;	/* a second entry, for nothing */
	expect_broken(vq);
	CHECK_EQ(ndone, 0);
}

TEST(hostile_same_id_twice)
{
	struct virtqueue *vq = setup(16, 0);
	unsigned n;
	uint32_t w;
	bool ind;
	uint16_t head;

	CHECK_EQ(add1(vq, NULL), 0);
	CHECK_EQ(add1(vq, NULL), 0);
	head = take(&n, &w, &ind);
	put_used(head, 1);
	CHECK_EQ(vq_poll(vq), 1);
	put_used(head, 1);
	expect_broken(vq);
	CHECK_EQ(ndone, 1);
}

TEST(readable_after_writable_refused)
{
	struct virtqueue *vq = setup(16, 0);
	struct vring_buf b[2] = { { bufs_mem[0], 8, true }, { bufs_mem[1], 8, false } };

	CHECK_EQ(vq_add(vq, b, 2, NULL), -1);
	CHECK_EQ(vq_free(vq), 16);
}

/* vq_get takes used entries one at a time, checked like vq_poll's. */
TEST(get_one_at_a_time)
{
	struct virtqueue *vq = setup(8, 0);
	unsigned n;
	uint32_t w, len = 0;
	bool ind;
	uint16_t h1, h2;

	CHECK_EQ(add1(vq, (void *)1), 0);
	CHECK_EQ(add1(vq, (void *)2), 0);
	CHECK(vq_get(vq, &len) == NULL);
	h1 = take(&n, &w, &ind);
	h2 = take(&n, &w, &ind);
	put_used(h2, 7);
	put_used(h1, 9);
	CHECK_EQ(vq_pending(vq), 2);
	CHECK(vq_get(vq, &len) == (void *)2);
	CHECK_EQ(len, 7);
	CHECK_EQ(vq_pending(vq), 1);
	CHECK(vq_get(vq, &len) == (void *)1);
	CHECK_EQ(len, 9);
	CHECK(vq_get(vq, &len) == NULL);
	CHECK_EQ(vq_free(vq), 8);
	CHECK_EQ(ndone, 0);
	CHECK(!vq_broken(vq));
}

TEST(get_hostile)
{
	struct virtqueue *vq = setup(8, 0);
	uint32_t len;

	CHECK_EQ(add1(vq, (void *)1), 0);
	put_used(5, 1);		/* never handed out */
	CHECK(vq_get(vq, &len) == NULL);
	CHECK(vq_broken(vq));
	CHECK_EQ(vq_pending(vq), 0);
	CHECK_EQ(fake_printk_lines, 1);
}

/* Without EVENT_IDX: off sets VRING_AVAIL_F_NO_INTERRUPT, on clears it
 * and reports entries that came while it was set. */
TEST(interrupts_flag)
{
	struct virtqueue *vq = setup(8, 0);
	unsigned n;
	uint32_t w, len;
	bool ind;

	CHECK_EQ(sim.avail[0], 0);
	vq_interrupts_off(vq);
	CHECK_EQ(sim.avail[0], 1);
	CHECK(!vq_interrupts_on(vq));
	CHECK_EQ(sim.avail[0], 0);
	vq_interrupts_off(vq);
	CHECK_EQ(add1(vq, (void *)1), 0);
	put_used(take(&n, &w, &ind), 3);
	CHECK(vq_interrupts_on(vq));	/* pending: the caller polls again */
	CHECK(vq_get(vq, &len) == (void *)1);
	CHECK(!vq_interrupts_on(vq));
}

/* The device's rule (§2.7.10): interrupt when used_event lies in
 * [old, new) as the used index moves from old to new. */
static bool device_interrupts(uint16_t old, uint16_t new)
{
	return (uint16_t)(new - *used_event() - 1) < (uint16_t)(new - old);
}

/* With EVENT_IDX: the flags stay 0; off keeps used_event behind the
 * used index so no entry interrupts, even across many polled entries;
 * on asks for the next one. */
TEST(interrupts_event_idx)
{
	struct virtqueue *vq = setup(8, VIRTIO_FEATURE(VIRTIO_F_RING_EVENT_IDX));
	unsigned n;
	uint32_t w, len;
	bool ind;

	vq_interrupts_off(vq);
	CHECK_EQ(sim.avail[0], 0);
	for (unsigned round = 0; round < 3000; round++) {
		uint16_t old = *used_idx();

		CHECK_EQ(add1(vq, (void *)1), 0);
		CHECK_EQ(add1(vq, (void *)2), 0);
		put_used(take(&n, &w, &ind), 1);
		put_used(take(&n, &w, &ind), 1);
		CHECK(!device_interrupts(old, *used_idx()));
		CHECK(vq_get(vq, &len) != NULL);
		CHECK(vq_get(vq, &len) != NULL);
	}
	CHECK(!vq_interrupts_on(vq));
	CHECK_EQ(sim.avail[0], 0);
	CHECK_EQ(add1(vq, (void *)1), 0);
	put_used(take(&n, &w, &ind), 1);
	CHECK(device_interrupts((uint16_t)(*used_idx() - 1), *used_idx()));
	/* Written before the device saw the request: reported by on. */
	vq_interrupts_off(vq);
	CHECK(vq_interrupts_on(vq));
	CHECK(vq_get(vq, &len) != NULL);
	CHECK(!vq_broken(vq));
}

/* vq_kick says whether it notified. */
TEST(kick_result)
{
	struct virtqueue *vq = setup(8, 0);

	CHECK(!vq_kick(vq));
	CHECK_EQ(add1(vq, (void *)1), 0);
	CHECK(vq_kick(vq));
	sim.used[0] = 1;
	CHECK_EQ(add1(vq, (void *)1), 0);
	CHECK(!vq_kick(vq));
}

int main(void)
{
	return check_run();
}
