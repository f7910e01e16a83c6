/*
 * drivers/virtio/net.c whole, through the virtio core's handshake, on a
 * simulated device with both queues: the console line, the MAC without
 * MAC, transmit (header, checksum requests, reclaiming, a full ring
 * with and without the device making room), large TCP frames for the
 * device to segment (HOST_TSO4/6: the header, a chain of buffers, every
 * buffer back), and a broken queue's reset.
 * The scheduler, clock, entropy pool and network-device core are
 * stood in for here.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "virtio_fake.h"
#include <flint/netdev.h>
#include <flint/sync.h>
#include <flint/virtio_boot.h>
#include "../../drivers/virtio/net_rx.h"
#include "../../drivers/virtio/virtio.h"
#include "../../drivers/virtio/vring.h"

/* §5.1.3 feature bits, as the device offers them. */
#define F_CSUM 0
#define F_GUEST_CSUM 1
#define F_MTU 3
#define F_MAC 5
#define F_HOST_TSO4 11
#define F_HOST_TSO6 12
#define F_MRG_RXBUF 15
#define F_STATUS 16

/* The kernel services beyond virtio_fake.c's. */
void entropy_random(void *buf, size_t n)
{
	memset(buf, 0xff, n);
}

static uint64_t now;

uint64_t clock_ns(void)
{
	return now;
}

void mutex_lock(struct mutex *m)
{
	(void)m;
}

void mutex_unlock(struct mutex *m)
{
	(void)m;
}

static struct thread *self = (struct thread *)&now;

struct thread *thread_current(void)
{
	return self;
}

static unsigned wakes;

void sched_wake(struct thread *t)
{
	CHECK(t == self);
	wakes++;
}

/* What happens while a transmitter sleeps for room: set by each test. */
static void (*while_asleep)(void);
static unsigned sleeps;

int sched_sleep(spinlock_t *release, uint64_t deadline, bool interruptible)
{
	(void)interruptible;
	sleeps++;
	spin_unlock(release);
	if (while_asleep) {
		while_asleep();
		return 0;
	}
	now = deadline;
	return -ETIMEDOUT;
}

static struct netdev *registered;
static unsigned received, schedules;

int netdev_register(struct netdev *dev)
{
	snprintf(dev->name, sizeof(dev->name), "eth0");
	registered = dev;
	return 0;
}

void netdev_rx_schedule(struct netdev *dev)
{
	(void)dev;
	schedules++;
}

bool netdev_receive(struct netdev *dev, const struct netdev_rx *rx)
{
	(void)dev;
	(void)rx;
	received++;
	return false;
}

/* The device: two queues, each seen as the device sees it (§2.7). */
struct simq {
	unsigned size;
	struct vring_desc *desc;
	uint16_t *avail;	/* flags, idx, ring[size], used_event */
	uint16_t *used;		/* flags, idx, then {u32 id, u32 len}[size], avail_event */
	uint16_t last_avail, notified;
};

static struct {
	struct simq q[2];
	uint64_t offered;
	uint8_t status;
	uint8_t config[12];
	unsigned resets;
	void (*irq)(void *);
	void *irq_arg;
} sim;

static uint8_t get_status(struct virtio_device *d)
{
	(void)d;
	return sim.status;
}

static void set_status(struct virtio_device *d, uint8_t status)
{
	(void)d;
	sim.status = status;
}

static int reset(struct virtio_device *d)
{
	(void)d;
	sim.status = 0;
	sim.resets++;
	return 0;
}

static uint64_t get_features(struct virtio_device *d)
{
	(void)d;
	return sim.offered;
}

static void set_features(struct virtio_device *d, uint64_t features)
{
	(void)d;
	CHECK_EQ(features & ~sim.offered, 0);
}

static void read_config(struct virtio_device *d, unsigned off, void *buf, unsigned len)
{
	(void)d;
	CHECK(off + len <= sizeof(sim.config));
	memcpy(buf, sim.config + off, len);
}

static uint32_t config_generation(struct virtio_device *d)
{
	(void)d;
	return 0;
}

static unsigned queue_max(struct virtio_device *d, unsigned index)
{
	(void)d;
	return index < 2 ? 256 : 0;
}

static int queue_enable(struct virtio_device *d, unsigned index, unsigned size,
			uint64_t desc, uint64_t avail, uint64_t used)
{
	(void)d;
	sim.q[index] = (struct simq){ .size = size, .desc = (struct vring_desc *)(uintptr_t)desc,
				      .avail = (uint16_t *)(uintptr_t)avail,
				      .used = (uint16_t *)(uintptr_t)used };
	return 0;
}

static void notify(struct virtio_device *d, unsigned index)
{
	(void)d;
	CHECK(sim.status & VIRTIO_STATUS_DRIVER_OK);
	sim.q[index].notified++;
}

static int request_irq(struct virtio_device *d, void (*handler)(void *), void *arg)
{
	(void)d;
	sim.irq = handler;
	sim.irq_arg = arg;
	return 0;
}

static const struct virtio_transport_ops ops = {
	.name = "sim", .get_status = get_status, .set_status = set_status, .reset = reset,
	.get_features = get_features, .set_features = set_features, .read_config = read_config,
	.config_generation = config_generation, .queue_max = queue_max,
	.queue_enable = queue_enable, .notify = notify, .request_irq = request_irq,
};

static struct virtio_device vdev;

/* The device offers offered (and VERSION_1), with mtu and status in its
 * configuration. */
static void start_with(uint64_t offered, uint16_t mtu, uint16_t status)
{
	static bool drivers;
	static const uint8_t mac[6] = { 0x06, 0x00, 0xac, 0x10, 0x00, 0x02 };

	if (!drivers) {
		virtio_net_init();
		drivers = true;
	}
	memset(&sim, 0, sizeof(sim));
	memcpy(sim.config, mac, sizeof(mac));
	memcpy(sim.config + 6, &status, sizeof(status));
	memcpy(sim.config + 10, &mtu, sizeof(mtu));
	sim.offered = offered | VIRTIO_FEATURE(VIRTIO_F_VERSION_1);
	registered = NULL;
	received = schedules = sleeps = wakes = 0;
	while_asleep = NULL;
	vdev = (struct virtio_device){ .ops = &ops, .id = VIRTIO_ID_NET, .location = "test" };
	virtio_add_device(&vdev);
}

static void start(uint64_t offered)
{
	start_with(offered, 1500, 1);
}

static uint16_t *used_event(struct simq *q)
{
	return &q->avail[2 + q->size];
}

/* The device takes the next available transmit buffer: its bytes. */
static uint8_t *take_tx(uint16_t *head, uint32_t *len)
{
	struct simq *q = &sim.q[1];

	CHECK(q->avail[1] != q->last_avail);
	*head = q->avail[2 + (q->last_avail++ % q->size)];
	CHECK(*head < q->size);
	CHECK_EQ(q->desc[*head].flags, 0);	/* one device-readable descriptor */
	*len = q->desc[*head].len;
	return (uint8_t *)(uintptr_t)q->desc[*head].addr;
}

/* The device takes the next available transmit entry, a chain of
 * device-readable descriptors: its bytes gathered in out (up to max),
 * their count, and its length. */
static size_t take_tx_chain(uint16_t *head, uint8_t *out, size_t max, unsigned *ndesc)
{
	struct simq *q = &sim.q[1];
	size_t len = 0;
	uint16_t d;

	CHECK(q->avail[1] != q->last_avail);
	*head = d = q->avail[2 + (q->last_avail++ % q->size)];
	*ndesc = 0;
	for (;;) {
		CHECK(d < q->size);
		CHECK(!(q->desc[d].flags & ~VRING_DESC_F_NEXT));
		CHECK(len + q->desc[d].len <= max);
		memcpy(out + len, (void *)(uintptr_t)q->desc[d].addr, q->desc[d].len);
		len += q->desc[d].len;
		++*ndesc;
		if (!(q->desc[d].flags & VRING_DESC_F_NEXT))
			return len;
		d = q->desc[d].next;
	}
}

static void put_used(struct simq *q, uint32_t id)
{
	uint32_t *e = (uint32_t *)((char *)q->used + 4 + 8 * (q->used[1] % q->size));

	e[0] = id;
	e[1] = 0;
	q->used[1]++;
}

static int send(const void *frame, size_t len)
{
	struct netdev_seg seg = { frame, len };
	struct netdev_tx tx = { .segs = &seg, .nsegs = 1, .len = len };

	return registered->ops->transmit(registered, &tx);
}

TEST(console_line)
{
	start(VIRTIO_FEATURE(F_MAC) | VIRTIO_FEATURE(F_CSUM) | VIRTIO_FEATURE(F_MRG_RXBUF) |
	      VIRTIO_FEATURE(VIRTIO_F_RING_EVENT_IDX));
	CHECK(registered != NULL);
	CHECK_STR(fake_printk_last, "virtio: net sim test eth0 mac=06:00:ac:10:00:02 mtu=1500 csum mrg-rxbuf "
		  "event-idx");
	CHECK_EQ(registered->features, NETDEV_F_TX_CSUM);
	CHECK(registered->link_up);
	/* The receive ring went to the device after DRIVER_OK, in one kick. */
	CHECK_EQ(sim.q[0].avail[1], 256);
	CHECK_EQ(sim.q[0].notified, 1);
}

/* Firecracker without guest_mac: no MAC (a random local one), no
 * STATUS (the link is up); the MTU when offered, the link when STATUS. */
TEST(no_mac_mtu_and_link)
{
	start_with(VIRTIO_FEATURE(F_GUEST_CSUM), 9000, 0);
	CHECK_STR(fake_printk_last, "virtio: net sim test eth0 mac=fe:ff:ff:ff:ff:ff mtu=1500 guest-csum");
	CHECK_EQ(registered->features, NETDEV_F_RX_CSUM);
	CHECK(registered->link_up);
	start_with(VIRTIO_FEATURE(F_MTU) | VIRTIO_FEATURE(F_STATUS), 9000, 0);
	CHECK_STR(fake_printk_last, "virtio: net sim test eth0 mac=fe:ff:ff:ff:ff:ff mtu=9000 link-down");
	CHECK(!registered->link_up);
	CHECK_EQ(registered->mtu, 9000);
	/* Out of range: kept within 68 .. 9000. */
	start_with(VIRTIO_FEATURE(F_MTU), 65535, 0);
	CHECK_EQ(registered->mtu, 9000);
	start_with(VIRTIO_FEATURE(F_MTU), 10, 0);
	CHECK_EQ(registered->mtu, 68);
}

TEST(transmit_header_and_segments)
{
	static const uint8_t a[20] = { 1, 2, 3 }, b[44] = { 4, 5, 6 };
	struct netdev_seg segs[2] = { { a, sizeof(a) }, { b, sizeof(b) } };
	struct netdev_tx tx = { .segs = segs, .nsegs = 2, .len = 64, .csum_partial = true,
				.csum_start = 34, .csum_offset = 16 };
	struct virtio_net_hdr h;
	uint16_t head;
	uint32_t len;
	uint8_t *buf;

	start(VIRTIO_FEATURE(F_CSUM));
	CHECK_EQ(registered->ops->transmit(registered, &tx), 0);
	CHECK_EQ(sim.q[1].notified, 1);
	CHECK_EQ(registered->stats.tx_notifies, 1);
	buf = take_tx(&head, &len);
	CHECK_EQ(len, NET_HDR_LEN + 64);
	memcpy(&h, buf, sizeof(h));
	CHECK_EQ(h.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	CHECK_EQ(h.gso_type, VIRTIO_NET_HDR_GSO_NONE);
	CHECK_EQ(h.csum_start, 34);
	CHECK_EQ(h.csum_offset, 16);
	CHECK(!memcmp(buf + NET_HDR_LEN, a, sizeof(a)));
	CHECK(!memcmp(buf + NET_HDR_LEN + sizeof(a), b, sizeof(b)));
	/* The checksum field must lie inside the frame. */
	tx.csum_offset = 29;
	CHECK_EQ(registered->ops->transmit(registered, &tx), -EINVAL);
	tx.csum_offset = 28;
	CHECK_EQ(registered->ops->transmit(registered, &tx), 0);
	/* Longer than MTU, Ethernet header and VLAN tag. */
	{
		static uint8_t big[1519];

		CHECK_EQ(send(big, 1518), 0);
		CHECK_EQ(send(big, 1519), -EMSGSIZE);
	}
}

/* HOST_TSO only with CSUM (§5.1.3.1), shown on the console line. */
TEST(host_tso_needs_csum)
{
	start(VIRTIO_FEATURE(F_CSUM) | VIRTIO_FEATURE(F_HOST_TSO4) | VIRTIO_FEATURE(F_HOST_TSO6));
	CHECK_STR(fake_printk_last, "virtio: net sim test eth0 mac=fe:ff:ff:ff:ff:ff mtu=1500 csum "
		  "host-tso4 host-tso6");
	CHECK_EQ(registered->features, NETDEV_F_TX_CSUM | NETDEV_F_TX_TSO4 | NETDEV_F_TX_TSO6);
	start(VIRTIO_FEATURE(F_HOST_TSO4) | VIRTIO_FEATURE(F_HOST_TSO6));
	CHECK_STR(fake_printk_last, "virtio: net sim test eth0 mac=fe:ff:ff:ff:ff:ff mtu=1500");
	CHECK_EQ(registered->features, 0);
}

#define GSO_HDR (14 + 20 + 32)
#define GSO_FRAME (14 + 65535)
#define TX_BUF (NET_HDR_LEN + 1518)	/* header, MTU, Ethernet header, tag */

static uint8_t gso_frame[GSO_FRAME + 1], gso_out[NET_HDR_LEN + GSO_FRAME];

static int send_gso(size_t len, enum netdev_gso type, bool csum)
{
	struct netdev_seg segs[3] = { { gso_frame, GSO_HDR }, { gso_frame + GSO_HDR, 1000 },
				      { gso_frame + GSO_HDR + 1000, len - GSO_HDR - 1000 } };
	struct netdev_tx tx = { .segs = segs, .nsegs = 3, .len = len, .csum_partial = csum,
				.csum_start = 34, .csum_offset = 16, .gso_size = 1448,
				.gso_hdr_len = GSO_HDR, .gso_type = type };

	return registered->ops->transmit(registered, &tx);
}

/* §5.1.6.2: the header says how to segment; the frame spans a chain of
 * buffers, each full but the last. */
TEST(transmit_gso_header_and_chain)
{
	struct virtio_net_hdr h;
	uint16_t head;
	unsigned ndesc;
	size_t len;

	for (size_t i = 0; i < sizeof(gso_frame); i++)
		gso_frame[i] = (uint8_t)(i * 13 + (i >> 8));
	start(VIRTIO_FEATURE(F_CSUM) | VIRTIO_FEATURE(F_HOST_TSO4) | VIRTIO_FEATURE(F_HOST_TSO6));
	CHECK_EQ(send_gso(GSO_FRAME, NETDEV_GSO_TCPV4, true), 0);
	len = take_tx_chain(&head, gso_out, sizeof(gso_out), &ndesc);
	CHECK_EQ(len, NET_HDR_LEN + GSO_FRAME);
	CHECK_EQ(ndesc, (NET_HDR_LEN + GSO_FRAME + TX_BUF - 1) / TX_BUF);
	CHECK_EQ(sim.q[1].desc[head].len, TX_BUF);
	memcpy(&h, gso_out, sizeof(h));
	CHECK_EQ(h.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	CHECK_EQ(h.gso_type, VIRTIO_NET_HDR_GSO_TCPV4);
	CHECK_EQ(h.gso_size, 1448);
	CHECK_EQ(h.hdr_len, GSO_HDR);
	CHECK_EQ(h.csum_start, 34);
	CHECK_EQ(h.csum_offset, 16);
	CHECK(!memcmp(gso_out + NET_HDR_LEN, gso_frame, GSO_FRAME));
	/* A short one over IPv6: a chain of two. */
	CHECK_EQ(send_gso(3000, NETDEV_GSO_TCPV6, true), 0);
	len = take_tx_chain(&head, gso_out, sizeof(gso_out), &ndesc);
	CHECK_EQ(len, NET_HDR_LEN + 3000);
	CHECK_EQ(ndesc, 2);
	memcpy(&h, gso_out, sizeof(h));
	CHECK_EQ(h.gso_type, VIRTIO_NET_HDR_GSO_TCPV6);
	CHECK(!memcmp(gso_out + NET_HDR_LEN, gso_frame, 3000));
	/* Past 64 KiB of IP, without the checksum request, without room for
	 * the headers: refused, nothing queued. */
	CHECK_EQ(send_gso(GSO_FRAME + 1, NETDEV_GSO_TCPV4, true), -EMSGSIZE);
	CHECK_EQ(send_gso(GSO_FRAME, NETDEV_GSO_TCPV4, false), -EINVAL);
	{
		struct netdev_seg seg = { gso_frame, GSO_HDR };
		struct netdev_tx tx = { .segs = &seg, .nsegs = 1, .len = GSO_HDR,
					.csum_partial = true, .csum_start = 34, .csum_offset = 16,
					.gso_size = 1448, .gso_hdr_len = GSO_HDR };

		CHECK_EQ(registered->ops->transmit(registered, &tx), -EINVAL);
	}
	CHECK_EQ(sim.q[1].avail[1], 2);
	/* A device without TSO6 takes no IPv6 frame to segment. */
	start(VIRTIO_FEATURE(F_CSUM) | VIRTIO_FEATURE(F_HOST_TSO4));
	CHECK_EQ(send_gso(3000, NETDEV_GSO_TCPV6, true), -EINVAL);
	CHECK_EQ(send_gso(3000, NETDEV_GSO_TCPV4, true), 0);
}

/* Chains fill the ring; each used entry gives back every buffer of its
 * chain: afterwards a whole ring of ordinary frames fits again. */
TEST(transmit_gso_reclaims_whole_chains)
{
	static const uint8_t f[60];
	unsigned per = (NET_HDR_LEN + GSO_FRAME + TX_BUF - 1) / TX_BUF, fit = 256 / per;
	uint16_t head;
	unsigned ndesc;

	start(VIRTIO_FEATURE(F_CSUM) | VIRTIO_FEATURE(F_HOST_TSO4));
	for (unsigned i = 0; i < fit; i++)
		CHECK_EQ(send_gso(GSO_FRAME, NETDEV_GSO_TCPV4, true), 0);
	CHECK_EQ(sleeps, 0);
	CHECK_EQ(send_gso(GSO_FRAME, NETDEV_GSO_TCPV4, true), -ENOBUFS);
	CHECK_EQ(sleeps, 1);
	/* Ordinary frames take what is left. */
	for (unsigned i = 0; i < 256 - fit * per; i++)
		CHECK_EQ(send(f, sizeof(f)), 0);
	CHECK_EQ(send(f, sizeof(f)), -ENOBUFS);
	/* The device sends one chain: one large frame fits again. */
	take_tx_chain(&head, gso_out, sizeof(gso_out), &ndesc);
	CHECK_EQ(ndesc, per);
	put_used(&sim.q[1], head);
	CHECK_EQ(send_gso(GSO_FRAME, NETDEV_GSO_TCPV4, true), 0);
	/* It sends everything: a ring of ordinary frames without a wait. */
	while (sim.q[1].avail[1] != sim.q[1].last_avail) {
		take_tx_chain(&head, gso_out, sizeof(gso_out), &ndesc);
		put_used(&sim.q[1], head);
	}
	sleeps = 0;
	for (unsigned i = 0; i < 256; i++)
		CHECK_EQ(send(f, sizeof(f)), 0);
	CHECK_EQ(sleeps, 0);
	CHECK_EQ(send(f, sizeof(f)), -ENOBUFS);
}

TEST(transmit_csum_without_feature)
{
	static const uint8_t f[60];
	struct netdev_seg seg = { f, sizeof(f) };
	struct netdev_tx tx = { .segs = &seg, .nsegs = 1, .len = sizeof(f), .csum_partial = true,
				.csum_start = 34, .csum_offset = 6 };

	start(0);
	CHECK_EQ(registered->ops->transmit(registered, &tx), -EINVAL);
	CHECK_EQ(sim.q[1].avail[1], 0);
}

/* Finished entries are reclaimed by transmit itself; a full ring waits a
 * bounded time (the transmit interrupt on meanwhile, off again after),
 * then gives up. */
TEST(full_ring_times_out)
{
	static const uint8_t f[60];
	uint16_t heads[3];
	uint32_t len;

	start(VIRTIO_FEATURE(VIRTIO_F_RING_EVENT_IDX));
	for (unsigned i = 0; i < 256; i++)
		CHECK_EQ(send(f, sizeof(f)), 0);
	CHECK_EQ(sleeps, 0);
	CHECK_EQ(send(f, sizeof(f)), -ENOBUFS);
	CHECK_EQ(sleeps, 1);
	/* Off again: used_event one behind what was taken. */
	CHECK_EQ(*used_event(&sim.q[1]), (uint16_t)0xffff);
	for (unsigned i = 0; i < 3; i++) {
		take_tx(&heads[i], &len);
		put_used(&sim.q[1], heads[i]);
	}
	for (unsigned i = 0; i < 3; i++)
		CHECK_EQ(send(f, sizeof(f)), 0);
	CHECK_EQ(sleeps, 1);
	CHECK_EQ(send(f, sizeof(f)), -ENOBUFS);
	CHECK_EQ(sleeps, 2);
}

/* While the transmitter sleeps the device uses an entry and interrupts. */
static void device_makes_room(void)
{
	uint16_t head;
	uint32_t len;

	/* The interrupt was asked for at the next used entry. */
	CHECK_EQ(*used_event(&sim.q[1]), 0);
	take_tx(&head, &len);
	put_used(&sim.q[1], head);
	sim.irq(sim.irq_arg);
}

TEST(full_ring_woken)
{
	static const uint8_t f[60];

	start(VIRTIO_FEATURE(VIRTIO_F_RING_EVENT_IDX));
	for (unsigned i = 0; i < 256; i++)
		CHECK_EQ(send(f, sizeof(f)), 0);
	while_asleep = device_makes_room;
	CHECK_EQ(send(f, sizeof(f)), 0);
	CHECK_EQ(sleeps, 1);
	CHECK_EQ(wakes, 1);
	CHECK_EQ(schedules, 1);		/* the receive thread is told too */
	CHECK_EQ(registered->stats.rx_interrupts, 1);
}

/* A transmit used entry that was never given: the device is reset and
 * transmits fail from then on; receiving stops too. */
TEST(broken_transmit_queue)
{
	static const uint8_t f[60];

	start(0);
	CHECK_EQ(send(f, sizeof(f)), 0);
	put_used(&sim.q[1], 200);
	CHECK_EQ(send(f, sizeof(f)), -EIO);
	CHECK_EQ(sim.resets, 2);		/* the core's at start, and this one */
	CHECK_EQ(send(f, sizeof(f)), -EIO);
	CHECK_EQ(sim.resets, 2);
	CHECK_EQ(registered->ops->poll(registered, 64), 0);
}

TEST(broken_receive_queue)
{
	static const uint8_t f[60];

	start(0);
	put_used(&sim.q[0], 999);
	CHECK_EQ(registered->ops->poll(registered, 64), 0);
	CHECK_EQ(sim.resets, 2);
	CHECK_EQ(send(f, sizeof(f)), -EIO);
	CHECK_EQ(received, 0);
}

int main(void)
{
	return check_run();
}
