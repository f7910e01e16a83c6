/*
 * drivers/virtio/net_rx.c (the virtio-net receive path) on the real
 * rings (vring.c) against a simulated device that writes frames, well or
 * badly: lengths, num_buffers, header flags, ids. And the random MAC.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "virtio_fake.h"
#include "../../drivers/virtio/net_rx.h"
#include "../../drivers/virtio/virtio.h"
#include "../../drivers/virtio/vring.h"

/* What netdev_receive got; with keep_loans it keeps loaned blocks in
 * kept[] (freed by the test, which proves they are whole heap blocks). */
static unsigned received;
static struct netdev_rx last;
static uint8_t last_data[16384];
static bool keep_loans;
static void *kept[NETDEV_MAX_SEGS];
static unsigned nkept;

bool netdev_receive(struct netdev *dev, const struct netdev_rx *rx)
{
	size_t off = 0;

	(void)dev;
	received++;
	last = *rx;
	for (unsigned i = 0; i < rx->nsegs; i++) {
		CHECK(off + rx->segs[i].len <= sizeof(last_data));
		memcpy(last_data + off, rx->segs[i].data, rx->segs[i].len);
		off += rx->segs[i].len;
		if (rx->loan)
			CHECK((const uint8_t *)rx->segs[i].data >=
			      (const uint8_t *)rx->loan[i] + NETDEV_RX_LOAN_ROOM);
	}
	CHECK_EQ(off, rx->len);
	if (!keep_loans || !rx->loan)
		return false;
	for (unsigned i = 0; i < rx->nsegs; i++)
		kept[nkept++] = rx->loan[i];
	return true;
}

/* The device's side of the rings (Virtio 1.2 §2.7). */
struct sim {
	unsigned size, notified;
	struct vring_desc *desc;
	uint16_t *avail;	/* flags, idx, ring[size], used_event */
	uint16_t *used;		/* flags, idx, then {u32 id, u32 len}[size], avail_event */
	uint16_t last_avail, used_idx;
};

static struct sim sim;

static unsigned queue_max(struct virtio_device *d, unsigned index)
{
	(void)d;
	return index == 0 ? 16 : 0;
}

static int queue_enable(struct virtio_device *d, unsigned index, unsigned size,
			uint64_t desc, uint64_t avail, uint64_t used)
{
	(void)d;
	(void)index;
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

static struct virtio_device vdev = { .ops = &ops, .id = VIRTIO_ID_NET, .location = "test" };
static struct netdev ndev;
static struct net_rx rx;
static bool setup_gso4;		/* setup negotiates GUEST_TSO4 */

static void setup(unsigned mtu, bool mergeable, bool guest_csum, unsigned hdr_len)
{
	memset(&sim, 0, sizeof(sim));
	memset(&ndev, 0, sizeof(ndev));
	received = 0;
	keep_loans = false;
	nkept = 0;
	fake_kmalloc_fail_after = ~0u;
	fake_printk_lines = 0;
	ndev.mtu = mtu;
	vdev.features = 0;
	rx = (struct net_rx){ .dev = &ndev, .hdr_len = hdr_len, .mergeable = mergeable,
			      .guest_csum = guest_csum, .gso_tcp4 = setup_gso4 };
	rx.vq = vq_create(&vdev, 0, 256, NULL);
	CHECK(rx.vq != NULL);
	CHECK_EQ(net_rx_init(&rx), 0);
	/* Every buffer on the ring, none announced yet (before DRIVER_OK). */
	CHECK_EQ(vq_free(rx.vq), 0);
	CHECK_EQ(sim.avail[1], 16);
	CHECK_EQ(sim.notified, 0);
}

/* The next available buffer: its descriptor. */
static struct vring_desc *take(uint16_t *head)
{
	CHECK(sim.avail[1] != sim.last_avail);
	*head = sim.avail[2 + (sim.last_avail++ % sim.size)];
	CHECK(*head < sim.size);
	CHECK(sim.desc[*head].flags & VRING_DESC_F_WRITE);
	CHECK(!(sim.desc[*head].flags & VRING_DESC_F_NEXT));
	return &sim.desc[*head];
}

static void put_used(uint32_t id, uint32_t len)
{
	uint32_t *e = (uint32_t *)((char *)sim.used + 4 + 8 * (sim.used_idx % sim.size));

	e[0] = id;
	e[1] = len;
	sim.used_idx++;
}

static void publish(void)
{
	sim.used[1] = sim.used_idx;
}

static uint8_t frame_byte(size_t i)
{
	return (uint8_t)(i * 13 + 5);
}

/*
 * Writes a frame of len bytes after header h into as many buffers as it
 * takes (or exactly nbuf when nbuf is not 0, the rest of them empty);
 * extra is added to the first buffer's used length (a lying device).
 */
static void deliver(struct virtio_net_hdr h, size_t len, unsigned nbuf, int extra)
{
	size_t off = 0;
	unsigned used = 0;

	for (;;) {
		uint16_t head;
		struct vring_desc *d = take(&head);
		uint8_t *buf = (uint8_t *)(uintptr_t)d->addr;
		size_t room = d->len, at = 0, n;

		if (!used) {
			memcpy(buf, &h, rx.hdr_len);
			at = rx.hdr_len;
		}
		n = len - off < room - at ? len - off : room - at;
		for (size_t i = 0; i < n; i++)
			buf[at + i] = frame_byte(off + i);
		off += n;
		put_used(head, (uint32_t)((int)(at + n) + (used ? 0 : extra)));
		used++;
		if (nbuf ? used == nbuf : off == len)
			break;
	}
	publish();
}

static struct virtio_net_hdr hdr(unsigned num_buffers)
{
	return (struct virtio_net_hdr){ .num_buffers = (uint16_t)num_buffers };
}

static void check_frame(size_t len)
{
	CHECK_EQ(last.len, len);
	for (size_t i = 0; i < len; i++)
		CHECK_EQ(last_data[i], frame_byte(i));
}

static void check_ring_full(void)
{
	CHECK_EQ(vq_free(rx.vq), 0);
	CHECK(!vq_broken(rx.vq));
}

TEST(frame_whole_buffer)
{
	setup(1500, false, false, NET_HDR_LEN);
	deliver(hdr(1), 60, 0, 0);
	CHECK_EQ(net_rx_poll(&rx, 64), 1);
	CHECK_EQ(received, 1);
	CHECK_EQ(last.nsegs, 1);
	CHECK_EQ(last.csum, NETDEV_CSUM_NONE);
	check_frame(60);
	check_ring_full();
	CHECK_EQ(sim.notified, 1);	/* the refill */
	CHECK_EQ(rx.buf_size, NET_HDR_LEN + 1500 + 14 + 4);
}

/* A legacy device without MRG_RXBUF: the 10-byte header, no num_buffers
 * (what lies there is frame data, never a count). */
TEST(legacy_header)
{
	struct virtio_net_hdr h = hdr(0);

	setup(1500, false, false, NET_HDR_LEN_LEGACY);
	deliver(h, 1518, 0, 0);
	CHECK_EQ(net_rx_poll(&rx, 64), 1);
	CHECK_EQ(received, 1);
	check_frame(1518);
	check_ring_full();
}

TEST(too_short)
{
	setup(1500, false, false, NET_HDR_LEN);
	deliver(hdr(1), 13, 0, 0);
	deliver(hdr(1), 0, 0, -(int)NET_HDR_LEN);	/* not even a header */
	deliver(hdr(1), 14, 0, 0);
	CHECK_EQ(net_rx_poll(&rx, 64), 3);
	CHECK_EQ(ndev.stats.drops[NETDEV_DROP_RX_SHORT], 2);
	CHECK_EQ(received, 1);
	check_frame(14);
	check_ring_full();
}

/* A frame over the MTU (with a VLAN tag allowed) in mergeable buffers;
 * the buffers all come back. */
TEST(too_long_mergeable)
{
	setup(1500, true, false, NET_HDR_LEN);
	CHECK_EQ(rx.buf_size, NET_MRG_BUF_SIZE);
	deliver(hdr(1), 1518, 0, 0);
	CHECK_EQ(net_rx_poll(&rx, 64), 1);
	CHECK_EQ(received, 1);
	deliver(hdr(2), 1519, 2, 0);
	CHECK_EQ(net_rx_poll(&rx, 64), 1);
	CHECK_EQ(ndev.stats.drops[NETDEV_DROP_RX_LONG], 1);
	CHECK_EQ(received, 1);
	check_ring_full();
}

/* A long frame spans num_buffers buffers, handed up as segments. */
TEST(mergeable_spanning)
{
	setup(9000, true, false, NET_HDR_LEN);
	CHECK_EQ(rx.max_buffers, 5);
	deliver(hdr(3), 5000, 0, 0);
	deliver(hdr(1), 100, 0, 0);
	CHECK_EQ(net_rx_poll(&rx, 64), 2);
	CHECK_EQ(received, 2);
	check_frame(100);
	CHECK_EQ(last.nsegs, 1);
	setup(9000, true, false, NET_HDR_LEN);
	deliver(hdr(3), 5000, 0, 0);
	CHECK_EQ(net_rx_poll(&rx, 64), 1);
	CHECK_EQ(last.nsegs, 3);
	CHECK_EQ(last.segs[0].len, NET_MRG_BUF_SIZE - NET_HDR_LEN);
	check_frame(5000);
	check_ring_full();
}

/* A frame of several buffers goes up on loan: kept, its blocks are the
 * stack's (they free as heap blocks) and fresh buffers fill the ring;
 * not kept, the same buffers go back. One buffer, or no memory for the
 * replacements: no loan. */
TEST(loan)
{
	uint64_t descs_before[64];

	setup(9000, true, false, NET_HDR_LEN);
	deliver(hdr(1), 100, 0, 0);
	CHECK_EQ(net_rx_poll(&rx, 64), 1);
	CHECK(last.loan == NULL);
	deliver(hdr(3), 5000, 0, 0);
	CHECK_EQ(net_rx_poll(&rx, 64), 1);
	CHECK(last.loan != NULL);	/* offered, not kept */
	CHECK_EQ(rx.loaned, 0);
	check_frame(5000);
	check_ring_full();
	keep_loans = true;
	for (unsigned i = 0; i < sim.size; i++)
		descs_before[i] = sim.desc[i].addr;
	deliver(hdr(3), 5000, 0, 0);
	CHECK_EQ(net_rx_poll(&rx, 64), 1);
	CHECK_EQ(nkept, 3);
	CHECK_EQ(rx.loaned, 3);
	check_frame(5000);
	check_ring_full();
	/* The ring's buffers now: none inside a kept block. */
	for (unsigned i = 0; i < sim.size; i++)
		for (unsigned k = 0; k < nkept; k++)
			CHECK(sim.desc[i].addr != (uint64_t)(uintptr_t)kept[k] + NETDEV_RX_LOAN_ROOM ||
			      descs_before[i] == sim.desc[i].addr);
	for (unsigned k = 0; k < nkept; k++)
		free(kept[k]);
	nkept = 0;
	/* Two replacements only: no loan, nothing lost. */
	fake_kmalloc_fail_after = 2;
	deliver(hdr(3), 5000, 0, 0);
	CHECK_EQ(net_rx_poll(&rx, 64), 1);
	CHECK(last.loan == NULL);
	CHECK_EQ(nkept, 0);
	CHECK_EQ(rx.loaned, 3);
	check_frame(5000);
	check_ring_full();
	fake_kmalloc_fail_after = ~0u;
	net_rx_free(&rx);
}

TEST(num_buffers_bad)
{
	setup(1500, true, false, NET_HDR_LEN);
	deliver(hdr(0), 60, 0, 0);
	CHECK_EQ(net_rx_poll(&rx, 64), 1);
	CHECK_EQ(ndev.stats.drops[NETDEV_DROP_RX_MALFORMED], 1);
	/* More buffers than the device has used: only the head is taken. */
	deliver(hdr(5), 60, 0, 0);
	deliver(hdr(1), 70, 0, 0);
	CHECK_EQ(net_rx_poll(&rx, 64), 2);
	CHECK_EQ(ndev.stats.drops[NETDEV_DROP_RX_MALFORMED], 2);
	CHECK_EQ(received, 1);
	check_frame(70);
	/* Far more than in flight. */
	deliver(hdr(60000), 60, 0, 0);
	CHECK_EQ(net_rx_poll(&rx, 64), 1);
	CHECK_EQ(ndev.stats.drops[NETDEV_DROP_RX_MALFORMED], 3);
	/* More than a frame within the MTU can take, all used: all dropped
	 * together, the next frame intact. */
	deliver(hdr(3), 60, 3, 0);
	deliver(hdr(1), 80, 0, 0);
	CHECK_EQ(net_rx_poll(&rx, 64), 2);
	CHECK_EQ(ndev.stats.drops[NETDEV_DROP_RX_LONG], 1);
	CHECK_EQ(received, 2);
	check_frame(80);
	check_ring_full();
}

TEST(checksum_flags)
{
	struct virtio_net_hdr h = hdr(1);

	setup(1500, false, true, NET_HDR_LEN);
	h.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	h.csum_start = 34;
	h.csum_offset = 6;
	deliver(h, 60, 0, 0);
	CHECK_EQ(net_rx_poll(&rx, 64), 1);
	CHECK_EQ(last.csum, NETDEV_CSUM_PARTIAL);
	CHECK_EQ(last.csum_start, 34);
	CHECK_EQ(last.csum_offset, 6);
	h.csum_start = 56;
	h.csum_offset = 3;	/* the field's 2 bytes would end at 61 */
	deliver(h, 60, 0, 0);
	CHECK_EQ(net_rx_poll(&rx, 64), 1);
	CHECK_EQ(ndev.stats.drops[NETDEV_DROP_RX_MALFORMED], 1);
	h.csum_offset = 0xffff;
	h.csum_start = 0xffff;
	deliver(h, 60, 0, 0);
	CHECK_EQ(net_rx_poll(&rx, 64), 1);
	CHECK_EQ(ndev.stats.drops[NETDEV_DROP_RX_MALFORMED], 2);
	h.flags = VIRTIO_NET_HDR_F_DATA_VALID;
	deliver(h, 60, 0, 0);
	CHECK_EQ(net_rx_poll(&rx, 64), 1);
	CHECK_EQ(last.csum, NETDEV_CSUM_VALID);
	CHECK_EQ(received, 2);
	/* A segmented frame: never asked for. */
	h = hdr(1);
	h.gso_type = 1;
	deliver(h, 60, 0, 0);
	CHECK_EQ(net_rx_poll(&rx, 64), 1);
	CHECK_EQ(ndev.stats.drops[NETDEV_DROP_RX_MALFORMED], 3);
	check_ring_full();
}

/* GUEST_TSO4 (with MRG_RXBUF and GUEST_CSUM): a TCP/IPv4 segment larger
 * than the MTU spans buffers and passes with its partial checksum; GSO
 * not negotiated, without a segment size or a partial checksum, or with
 * the ECN bit (not negotiated) is dropped; so is a plain frame that long. */
TEST(gso_tcp)
{
	struct virtio_net_hdr h = hdr(5);

	setup(1500, true, true, NET_HDR_LEN);
	CHECK_EQ(rx.gso_max_buffers, 0);
	setup_gso4 = true;
	setup(1500, true, true, NET_HDR_LEN);
	setup_gso4 = false;
	CHECK_EQ(rx.gso_max_buffers, 34);	/* 12 + 14 + 4 + 65535 bytes in 1968 */
	h.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	h.csum_start = 34;
	h.csum_offset = 16;
	h.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	h.gso_size = 1448;
	deliver(h, 9000, 0, 0);
	CHECK_EQ(net_rx_poll(&rx, 64), 1);
	CHECK_EQ(received, 1);
	CHECK_EQ(last.csum, NETDEV_CSUM_PARTIAL);
	CHECK_EQ(last.nsegs, 5);
	check_frame(9000);
	h.gso_type = VIRTIO_NET_HDR_GSO_TCPV6;
	deliver(h, 9000, 0, 0);
	CHECK_EQ(net_rx_poll(&rx, 64), 1);
	h.gso_type = VIRTIO_NET_HDR_GSO_TCPV4 | 0x80;	/* VIRTIO_NET_HDR_GSO_ECN */
	deliver(h, 9000, 0, 0);
	CHECK_EQ(net_rx_poll(&rx, 64), 1);
	h.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	h.gso_size = 0;
	deliver(h, 9000, 0, 0);
	CHECK_EQ(net_rx_poll(&rx, 64), 1);
	h.gso_size = 1448;
	h.flags = VIRTIO_NET_HDR_F_DATA_VALID;
	deliver(h, 9000, 0, 0);
	CHECK_EQ(net_rx_poll(&rx, 64), 1);
	h.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	h.gso_type = VIRTIO_NET_HDR_GSO_NONE;
	deliver(h, 9000, 0, 0);
	CHECK_EQ(net_rx_poll(&rx, 64), 1);
	CHECK_EQ(ndev.stats.drops[NETDEV_DROP_RX_MALFORMED], 4);
	CHECK_EQ(ndev.stats.drops[NETDEV_DROP_RX_LONG], 1);	/* no GSO: too long */
	CHECK_EQ(received, 1);
	check_ring_full();
}

/* Without GUEST_CSUM the flags mean nothing: the stack checks. */
TEST(checksum_not_negotiated)
{
	struct virtio_net_hdr h = hdr(1);

	setup(1500, false, false, NET_HDR_LEN);
	h.flags = VIRTIO_NET_HDR_F_DATA_VALID;
	deliver(h, 60, 0, 0);
	CHECK_EQ(net_rx_poll(&rx, 64), 1);
	CHECK_EQ(last.csum, NETDEV_CSUM_NONE);
}

/* An id the driver never gave, or a length beyond the buffer: the queue
 * breaks (the driver then resets the device), nothing is handed up. */
TEST(hostile_ids_and_lengths)
{
	setup(1500, false, false, NET_HDR_LEN);
	put_used(40, 60);
	publish();
	CHECK_EQ(net_rx_poll(&rx, 64), 0);
	CHECK(vq_broken(rx.vq));
	CHECK_EQ(received, 0);
	CHECK_EQ(net_rx_poll(&rx, 64), 0);

	setup(1500, false, false, NET_HDR_LEN);
	deliver(hdr(1), 60, 0, (int)rx.buf_size);
	CHECK_EQ(net_rx_poll(&rx, 64), 0);
	CHECK(vq_broken(rx.vq));
	CHECK_EQ(received, 0);

	/* A frame's second buffer is an id already used. */
	setup(1500, true, false, NET_HDR_LEN);
	{
		uint16_t head;
		struct vring_desc *d = take(&head);
		struct virtio_net_hdr h = hdr(2);

		memcpy((void *)(uintptr_t)d->addr, &h, sizeof(h));
		put_used(head, 100);
		put_used(head, 100);
		publish();
	}
	net_rx_poll(&rx, 64);
	CHECK(vq_broken(rx.vq));
	CHECK_EQ(received, 0);
}

/* A budget smaller than what waits: the interrupt stays off (the thread
 * polls again); once the ring is empty it is on. */
TEST(budget_and_interrupts)
{
	setup(1500, false, false, NET_HDR_LEN);
	for (unsigned i = 0; i < 10; i++)
		deliver(hdr(1), 60 + i, 0, 0);
	CHECK_EQ(net_rx_poll(&rx, 4), 4);
	CHECK_EQ(sim.avail[0], 1);	/* VRING_AVAIL_F_NO_INTERRUPT */
	CHECK_EQ(net_rx_poll(&rx, 64), 6);
	CHECK_EQ(sim.avail[0], 0);
	CHECK_EQ(received, 10);
	check_frame(69);
	check_ring_full();
}

TEST(random_mac)
{
	static const uint8_t inputs[][NETDEV_ETH_ALEN] = {
		{ 0, 0, 0, 0, 0, 0 },
		{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
		{ 0x01, 0x23, 0x45, 0x67, 0x89, 0xab },
		{ 0xfe, 1, 2, 3, 4, 5 },
	};

	for (unsigned i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		uint8_t mac[NETDEV_ETH_ALEN];

		net_mac_random(mac, inputs[i]);
		CHECK(mac[0] & NET_MAC_LOCAL);
		CHECK(!(mac[0] & NET_MAC_MULTICAST));
		CHECK_EQ(mac[0] & 0xfc, inputs[i][0] & 0xfc);
		CHECK(!memcmp(mac + 1, inputs[i] + 1, NETDEV_ETH_ALEN - 1));
	}
}

int main(void)
{
	return check_run();
}
