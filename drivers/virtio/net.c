/*
 * The virtio network device (Virtio 1.2 §5.1), behind the kernel's
 * network device interface (include/flint/netdev.h). Queue 0 receives
 * (net_rx.c), queue 1 transmits; no control queue, no multiqueue.
 * Receiving is polled by the device's receive thread: the interrupt
 * handler only schedules it, and the ring's interrupt stays off while it
 * polls. Transmitting copies each frame into buffers of its ring entry:
 * one for an ordinary frame (header and frame), a chain of them for a
 * large TCP frame the device segments (HOST_TSO4/6); finished entries are
 * reclaimed on the next transmit, and the queue's interrupt stays off
 * except while a transmitter waits for room.
 * Notifications go through vq_kick, so EVENT_IDX (or the device's
 * NO_NOTIFY) spares one per frame while the device is busy.
 *
 * A broken queue (vring.c reports it) resets the device: it writes no
 * more memory, nothing is received, transmits fail with -EIO.
 */
#include <flint/entropy.h>
#include <flint/errno.h>
#include <flint/format.h>
#include <flint/heap.h>
#include <flint/netdev.h>
#include <flint/printk.h>
#include <flint/sched.h>
#include <flint/string.h>
#include <flint/sync.h>
#include <flint/timer.h>
#include <flint/virtio_boot.h>

#include "net_rx.h"
#include "virtio.h"
#include "vring.h"

/* §5.1.2: the queues without MQ. */
#define NET_RX_QUEUE 0
#define NET_TX_QUEUE 1
#define NET_QUEUE_SIZE 256		/* entries at most, either way */

/* §5.1.3: feature bits. */
#define VIRTIO_NET_F_CSUM 0
#define VIRTIO_NET_F_GUEST_CSUM 1
#define VIRTIO_NET_F_MTU 3
#define VIRTIO_NET_F_MAC 5
#define VIRTIO_NET_F_GUEST_TSO4 7
#define VIRTIO_NET_F_GUEST_TSO6 8
#define VIRTIO_NET_F_HOST_TSO4 11
#define VIRTIO_NET_F_HOST_TSO6 12
#define VIRTIO_NET_F_MRG_RXBUF 15
#define VIRTIO_NET_F_STATUS 16
/* §6.3 (legacy): the header may share a descriptor with the frame. */
#define VIRTIO_F_ANY_LAYOUT 27

/* §5.1.4: struct virtio_net_config offsets. */
#define NET_CFG_MAC 0
#define NET_CFG_STATUS 6		/* le16, with STATUS */
#define NET_CFG_MTU 10			/* le16, with MTU */
#define VIRTIO_NET_S_LINK_UP 1

/* §5.1.4.1: a device's MTU is at least 68 (RFC 791's minimum); larger
 * than a jumbo frame's are used as NET_MTU_MAX, which buffers are sized
 * for. */
#define NET_MTU_MIN 68
#define NET_MTU_MAX 9000

/* How long a transmitter waits for room in a full ring. */
#define NET_TX_WAIT_NS 20000000ull

/* Each transmit buffer holds a header and an ordinary frame, at least of
 * the Ethernet MTU; a frame the device segments (up to 64 KiB) takes a
 * chain of up to NET_TX_CHAIN_MAX of them. */
#define NET_TX_BUF_MIN (NET_HDR_LEN + NETDEV_ETH_HLEN + NET_VLAN_HLEN + NETDEV_MTU_DEFAULT)
#define NET_TX_CHAIN_MAX ((NET_HDR_LEN + NETDEV_ETH_HLEN + NETDEV_GSO_IP_MAX + \
			   NET_TX_BUF_MIN - 1) / NET_TX_BUF_MIN)
#define NET_TX_END 0xffff		/* tx_next: the chain's last buffer */

struct net {
	struct netdev ndev;
	struct virtio_device *vdev;
	struct net_rx rx;		/* the receive thread's */
	struct virtqueue *txq;
	spinlock_t tx_lock;		/* txq, tx_next, tx_spare, dead */
	uint8_t **tx_buf;		/* every transmit buffer, by number */
	unsigned tx_nbufs, tx_buf_size;
	uint16_t *tx_next;		/* on the ring: the chain's next buffer, or NET_TX_END */
	uint16_t *tx_spare;		/* the numbers of the buffers off the ring */
	unsigned tx_nspare;
	unsigned hdr_len;
	bool dead;			/* reset after a queue broke */
	struct mutex tx_waiting;	/* one transmitter waits for room at a time */
	spinlock_t wait_lock;		/* tx_waiter, tx_woken */
	struct thread *tx_waiter;
	bool tx_woken;
};

/* The device stops writing memory; nothing more goes on its rings.
 * Under tx_lock. */
static void kill_locked(struct net *n)
{
	if (n->dead)
		return;
	n->dead = true;
	n->vdev->ops->reset(n->vdev);
	printk_line("virtio: net %s: queue broken, device reset", n->ndev.name);
}

static void net_interrupt(void *arg)
{
	struct net *n = arg;

	n->ndev.stats.rx_interrupts++;
	netdev_rx_schedule(&n->ndev);
	spin_lock(&n->wait_lock);
	if (n->tx_waiter) {
		n->tx_woken = true;
		sched_wake(n->tx_waiter);
	}
	spin_unlock(&n->wait_lock);
}

static unsigned net_poll(struct netdev *dev, unsigned budget)
{
	struct net *n = dev->priv;
	unsigned done;

	if (__atomic_load_n(&n->dead, __ATOMIC_ACQUIRE))
		return 0;
	done = net_rx_poll(&n->rx, budget);
	if (vq_broken(n->rx.vq)) {
		unsigned long flags = spin_lock_irqsave(&n->tx_lock);

		kill_locked(n);
		spin_unlock_irqrestore(&n->tx_lock, flags);
		return 0;
	}
	return done;
}

/* A chain back to the spare list: every buffer from first on. Under
 * tx_lock. */
static void put_chain(struct net *n, unsigned first)
{
	for (unsigned i = first; i != NET_TX_END; i = n->tx_next[i])
		n->tx_spare[n->tx_nspare++] = (uint16_t)i;
}

/* Finished transmissions back to the spare list; under tx_lock. The
 * token is the chain's first buffer number, plus one (not NULL). */
static void reclaim(struct net *n)
{
	uint32_t len;
	void *token;

	while ((token = vq_get(n->txq, &len)))
		put_chain(n, (unsigned)(uintptr_t)token - 1);
	if (vq_broken(n->txq))
		kill_locked(n);
}

/* The ring has fewer than need spare buffers: waits until deadline at
 * most for the device to use an entry (its transmit interrupt), with
 * the queue's interrupt on only meanwhile. */
static void wait_for_room(struct net *n, unsigned need, uint64_t deadline)
{
	unsigned long flags;
	bool pending;

	mutex_lock(&n->tx_waiting);
	flags = spin_lock_irqsave(&n->wait_lock);
	n->tx_waiter = thread_current();
	n->tx_woken = false;
	spin_unlock_irqrestore(&n->wait_lock, flags);
	flags = spin_lock_irqsave(&n->tx_lock);
	pending = n->dead || vq_interrupts_on(n->txq) || n->tx_nspare >= need;
	spin_unlock_irqrestore(&n->tx_lock, flags);
	flags = spin_lock_irqsave(&n->wait_lock);
	while (!pending && !n->tx_woken) {
		int r = sched_sleep(&n->wait_lock, deadline, false);

		spin_lock(&n->wait_lock);
		if (r == -ETIMEDOUT)
			break;
	}
	n->tx_waiter = NULL;
	spin_unlock_irqrestore(&n->wait_lock, flags);
	flags = spin_lock_irqsave(&n->tx_lock);
	vq_interrupts_off(n->txq);
	spin_unlock_irqrestore(&n->tx_lock, flags);
	mutex_unlock(&n->tx_waiting);
}

/* need spare buffers, reclaiming (and waiting up to NET_TX_WAIT_NS)
 * while there are fewer: 0, or the error. Returns with tx_lock held. */
static int take_buffers(struct net *n, unsigned need, unsigned long *flags)
{
	uint64_t deadline = 0;

	*flags = spin_lock_irqsave(&n->tx_lock);
	for (;;) {
		if (!n->dead)
			reclaim(n);
		if (n->dead)
			return -EIO;
		if (n->tx_nspare >= need)
			return 0;
		if (!deadline)
			deadline = clock_ns() + NET_TX_WAIT_NS;
		else if (clock_ns() >= deadline)
			return -ENOBUFS;
		spin_unlock_irqrestore(&n->tx_lock, *flags);
		wait_for_room(n, need, deadline);
		*flags = spin_lock_irqsave(&n->tx_lock);
	}
}

/* §5.1.6.2: the header of a frame for the device to segment. */
static int gso_header(struct net *n, const struct netdev_tx *tx, struct virtio_net_hdr *h)
{
	unsigned feature = tx->gso_type == NETDEV_GSO_TCPV4 ? NETDEV_F_TX_TSO4 : NETDEV_F_TX_TSO6;

	if (tx->gso_type != NETDEV_GSO_TCPV4 && tx->gso_type != NETDEV_GSO_TCPV6)
		return -EINVAL;
	if (!(n->ndev.features & feature) || !tx->csum_partial || !tx->gso_hdr_len ||
	    tx->gso_hdr_len >= tx->len)
		return -EINVAL;
	h->gso_type = tx->gso_type == NETDEV_GSO_TCPV4 ? VIRTIO_NET_HDR_GSO_TCPV4 :
			  VIRTIO_NET_HDR_GSO_TCPV6;
	h->gso_size = tx->gso_size;
	h->hdr_len = tx->gso_hdr_len;
	return 0;
}

/* Takes count spare buffers as a chain (linked in tx_next), described
 * in b: the first one's number. Under tx_lock, with count spare. */
static unsigned take_chain(struct net *n, struct vring_buf *b, unsigned count)
{
	unsigned first = NET_TX_END;

	for (unsigned i = count; i-- > 0;) {
		unsigned num = n->tx_spare[--n->tx_nspare];

		n->tx_next[num] = (uint16_t)first;
		first = num;
		b[i] = (struct vring_buf){ .addr = n->tx_buf[num] };
	}
	return first;
}

/* Copies the header, then each segment, into the buffers b[0 .. count),
 * across buffer ends, and sets their lengths. */
static void fill_chain(struct net *n, const struct virtio_net_hdr *h,
		       const struct netdev_tx *tx, struct vring_buf *b, unsigned count)
{
	const uint8_t *src = (const uint8_t *)h;
	size_t left = n->hdr_len;
	unsigned seg = 0;

	for (unsigned i = 0; i < count; i++) {
		uint8_t *dst = b[i].addr;
		size_t room = n->tx_buf_size;

		for (;;) {
			size_t c;

			while (!left && seg < tx->nsegs) {
				src = tx->segs[seg].data;
				left = tx->segs[seg++].len;
			}
			if (!left || !room)
				break;
			c = MIN(room, left);
			memcpy(dst, src, c);
			dst += c;
			src += c;
			left -= c;
			room -= c;
		}
		b[i].len = (uint32_t)(n->tx_buf_size - room);
	}
}

static int net_transmit(struct netdev *dev, const struct netdev_tx *tx)
{
	struct net *n = dev->priv;
	struct virtio_net_hdr h = { 0 };
	struct vring_buf b[NET_TX_CHAIN_MAX];
	unsigned long flags;
	unsigned count, first;
	int err;

	if (tx->len > (tx->gso_size ? NETDEV_ETH_HLEN + NETDEV_GSO_IP_MAX : n->rx.frame_max))
		return -EMSGSIZE;
	if (tx->csum_partial) {
		if (!(dev->features & NETDEV_F_TX_CSUM) ||
		    (size_t)tx->csum_start + tx->csum_offset + NET_CSUM_FIELD > tx->len)
			return -EINVAL;
		h.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		h.csum_start = tx->csum_start;
		h.csum_offset = tx->csum_offset;
	}
	if (tx->gso_size && (err = gso_header(n, tx, &h)))
		return err;
	count = (unsigned)((n->hdr_len + tx->len + n->tx_buf_size - 1) / n->tx_buf_size);
	err = take_buffers(n, count, &flags);
	if (err) {
		spin_unlock_irqrestore(&n->tx_lock, flags);
		return err;
	}
	first = take_chain(n, b, count);
	/* The buffers are ours: copied into with interrupts on. */
	spin_unlock_irqrestore(&n->tx_lock, flags);
	fill_chain(n, &h, tx, b, count);
	flags = spin_lock_irqsave(&n->tx_lock);
	if (n->dead) {
		put_chain(n, first);
		err = -EIO;
	} else if (vq_add(n->txq, b, count, (void *)(uintptr_t)(first + 1)) < 0) {
		/* Not while the queue works: a descriptor per buffer at most. */
		put_chain(n, first);
		err = vq_broken(n->txq) ? -EIO : -ENOBUFS;
	} else if (vq_kick(n->txq)) {
		__atomic_fetch_add(&dev->stats.tx_notifies, 1, __ATOMIC_RELAXED);
	}
	spin_unlock_irqrestore(&n->tx_lock, flags);
	return err;
}

static const struct netdev_ops net_ops = {
	.transmit = net_transmit,
	.poll = net_poll,
};

static unsigned device_mtu(struct virtio_device *d)
{
	uint16_t mtu;

	if (!virtio_has_feature(d, VIRTIO_NET_F_MTU))
		return NETDEV_MTU_DEFAULT;
	virtio_read_config(d, NET_CFG_MTU, &mtu, sizeof(mtu));
	return MIN(MAX((unsigned)mtu, (unsigned)NET_MTU_MIN), (unsigned)NET_MTU_MAX);
}

/* The device's MAC, or without MAC (Firecracker without guest_mac) a
 * random locally administered one. */
static void device_mac(struct virtio_device *d, uint8_t mac[NETDEV_ETH_ALEN])
{
	uint8_t random[NETDEV_ETH_ALEN];

	if (virtio_has_feature(d, VIRTIO_NET_F_MAC)) {
		for (unsigned i = 0; i < NETDEV_ETH_ALEN; i++)
			virtio_read_config(d, NET_CFG_MAC + i, &mac[i], 1);
		return;
	}
	entropy_random(random, sizeof(random));
	net_mac_random(mac, random);
}

/* Without STATUS the link is up (§5.1.4). */
static bool device_link_up(struct virtio_device *d)
{
	uint16_t status;

	if (!virtio_has_feature(d, VIRTIO_NET_F_STATUS))
		return true;
	virtio_read_config(d, NET_CFG_STATUS, &status, sizeof(status));
	return status & VIRTIO_NET_S_LINK_UP;
}

/* A buffer per ring entry, as many buffers as descriptors: a chain
 * with enough spare buffers always finds its descriptors. */
static int setup_tx(struct net *n)
{
	unsigned count = vq_size(n->txq);

	n->tx_buf_size = MAX(n->hdr_len + n->rx.frame_max, (unsigned)NET_TX_BUF_MIN);
	n->tx_buf = kzalloc(sizeof(*n->tx_buf) * count);
	n->tx_next = kmalloc(sizeof(*n->tx_next) * count);
	n->tx_spare = kmalloc(sizeof(*n->tx_spare) * count);
	if (!n->tx_buf || !n->tx_next || !n->tx_spare)
		return -1;
	for (unsigned i = 0; i < count; i++) {
		n->tx_buf[i] = kmalloc(n->tx_buf_size);
		if (!n->tx_buf[i])
			return -1;
		n->tx_nbufs++;
		n->tx_spare[n->tx_nspare++] = (uint16_t)i;
	}
	/* A ring too small for a whole chain: no segmentation. */
	if (count < NET_TX_CHAIN_MAX)
		n->ndev.features &= ~(unsigned)(NETDEV_F_TX_TSO4 | NETDEV_F_TX_TSO6);
	/* Finished transmissions are reclaimed by the next transmit. */
	vq_interrupts_off(n->txq);
	return 0;
}

static void free_net(struct net *n)
{
	for (unsigned i = 0; i < n->tx_nbufs; i++)
		kfree(n->tx_buf[i]);
	kfree(n->tx_buf);
	kfree(n->tx_next);
	kfree(n->tx_spare);
	net_rx_free(&n->rx);
	kfree(n);
}

static int net_probe(struct virtio_device *d)
{
	struct net *n;

	/* §5.1.6.6 (legacy): without ANY_LAYOUT the header would need a
	 * descriptor of its own. */
	if (d->legacy && !virtio_has_feature(d, VIRTIO_F_ANY_LAYOUT)) {
		printk_line("virtio: net (%s %s): legacy device without ANY_LAYOUT",
			    d->ops->name, d->location);
		return -1;
	}
	n = kzalloc(sizeof(*n));
	if (!n)
		return -1;
	n->vdev = d;
	n->hdr_len = virtio_has_feature(d, VIRTIO_F_VERSION_1) ||
		     virtio_has_feature(d, VIRTIO_NET_F_MRG_RXBUF) ? NET_HDR_LEN :
		     NET_HDR_LEN_LEGACY;
	n->ndev.mtu = device_mtu(d);
	device_mac(d, n->ndev.mac);
	n->ndev.link_up = device_link_up(d);
	n->ndev.features = (virtio_has_feature(d, VIRTIO_NET_F_CSUM) ? NETDEV_F_TX_CSUM : 0) |
			   (virtio_has_feature(d, VIRTIO_NET_F_GUEST_CSUM) ? NETDEV_F_RX_CSUM : 0) |
			   (virtio_has_feature(d, VIRTIO_NET_F_HOST_TSO4) ? NETDEV_F_TX_TSO4 : 0) |
			   (virtio_has_feature(d, VIRTIO_NET_F_HOST_TSO6) ? NETDEV_F_TX_TSO6 : 0);
	n->ndev.ops = &net_ops;
	n->ndev.priv = n;
	n->rx = (struct net_rx){ .dev = &n->ndev, .hdr_len = n->hdr_len,
				 .mergeable = virtio_has_feature(d, VIRTIO_NET_F_MRG_RXBUF),
				 .guest_csum = virtio_has_feature(d, VIRTIO_NET_F_GUEST_CSUM),
				 .gso_tcp4 = virtio_has_feature(d, VIRTIO_NET_F_GUEST_TSO4),
				 .gso_tcp6 = virtio_has_feature(d, VIRTIO_NET_F_GUEST_TSO6) };
	n->rx.vq = vq_create(d, NET_RX_QUEUE, NET_QUEUE_SIZE, NULL);
	n->txq = vq_create(d, NET_TX_QUEUE, NET_QUEUE_SIZE, NULL);
	if (!n->rx.vq || !n->txq || net_rx_init(&n->rx) < 0 || setup_tx(n) < 0 ||
	    d->ops->request_irq(d, net_interrupt, n) < 0) {
		free_net(n);
		return -1;
	}
	d->priv = n;
	return 0;
}

/* After DRIVER_OK: the receive ring's first notification, and the
 * device goes to the stack. */
static void net_start(struct virtio_device *d)
{
	struct net *n = d->priv;

	vq_kick(n->rx.vq);
	netdev_register(&n->ndev);
}

static void net_describe(struct virtio_device *d, char *buf, size_t len)
{
	static const struct {
		unsigned bit;
		const char *name;
	} shown[] = {
		{ VIRTIO_NET_F_CSUM, "csum" },
		{ VIRTIO_NET_F_GUEST_CSUM, "guest-csum" },
		{ VIRTIO_NET_F_MRG_RXBUF, "mrg-rxbuf" },
		{ VIRTIO_NET_F_GUEST_TSO4, "guest-tso4" },
		{ VIRTIO_NET_F_GUEST_TSO6, "guest-tso6" },
		{ VIRTIO_NET_F_HOST_TSO4, "host-tso4" },
		{ VIRTIO_NET_F_HOST_TSO6, "host-tso6" },
		{ VIRTIO_F_RING_EVENT_IDX, "event-idx" },
	};
	struct net *n = d->priv;
	const uint8_t *m = n->ndev.mac;
	size_t used;

	used = (size_t)snprintf(buf, len, "%s mac=%02x:%02x:%02x:%02x:%02x:%02x mtu=%u",
				n->ndev.name[0] ? n->ndev.name : "unregistered",
				m[0], m[1], m[2], m[3], m[4], m[5], n->ndev.mtu);
	for (unsigned i = 0; i < ARRAY_SIZE(shown) && used < len; i++)
		if (virtio_has_feature(d, shown[i].bit))
			used += (size_t)snprintf(buf + used, len - used, " %s", shown[i].name);
	if (!n->ndev.link_up && used < len)
		snprintf(buf + used, len - used, " link-down");
}

/* §5.1.3.1: the GUEST_TSO features need GUEST_CSUM; without MRG_RXBUF
 * every buffer would have to hold 64 KiB, so they are taken only with it.
 * The HOST_TSO features need CSUM. */
static uint64_t net_settle(uint64_t features)
{
	uint64_t needed = VIRTIO_FEATURE(VIRTIO_NET_F_GUEST_CSUM) |
			  VIRTIO_FEATURE(VIRTIO_NET_F_MRG_RXBUF);

	if ((features & needed) != needed)
		features &= ~(VIRTIO_FEATURE(VIRTIO_NET_F_GUEST_TSO4) |
			      VIRTIO_FEATURE(VIRTIO_NET_F_GUEST_TSO6));
	if (!(features & VIRTIO_FEATURE(VIRTIO_NET_F_CSUM)))
		features &= ~(VIRTIO_FEATURE(VIRTIO_NET_F_HOST_TSO4) |
			      VIRTIO_FEATURE(VIRTIO_NET_F_HOST_TSO6));
	return features;
}

static const struct virtio_driver net_driver = {
	.name = "net",
	.id = VIRTIO_ID_NET,
	.features = VIRTIO_FEATURE(VIRTIO_NET_F_CSUM) | VIRTIO_FEATURE(VIRTIO_NET_F_GUEST_CSUM) |
		    VIRTIO_FEATURE(VIRTIO_NET_F_MTU) | VIRTIO_FEATURE(VIRTIO_NET_F_MAC) |
		    VIRTIO_FEATURE(VIRTIO_NET_F_MRG_RXBUF) | VIRTIO_FEATURE(VIRTIO_NET_F_STATUS) |
		    VIRTIO_FEATURE(VIRTIO_NET_F_GUEST_TSO4) | VIRTIO_FEATURE(VIRTIO_NET_F_GUEST_TSO6) |
		    VIRTIO_FEATURE(VIRTIO_NET_F_HOST_TSO4) | VIRTIO_FEATURE(VIRTIO_NET_F_HOST_TSO6) |
		    VIRTIO_FEATURE(VIRTIO_F_ANY_LAYOUT),
	.settle = net_settle,
	.probe = net_probe,
	.start = net_start,
	.describe = net_describe,
};

void virtio_net_init(void)
{
	virtio_register_driver(&net_driver);
}
