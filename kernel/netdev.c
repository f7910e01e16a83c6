/*
 * Network devices: the registry (eth0, eth1, ... in registration order;
 * ifindex 2, 3, ... since lo is 1), one receive thread per device that
 * polls the driver NAPI-style, and the counters.
 *
 * The receive thread sleeps until the driver's interrupt handler calls
 * netdev_rx_schedule, then calls ops->poll with NETDEV_POLL_BUDGET until
 * the driver reports fewer frames than that (its ring is empty and its
 * interrupt is on again), letting the CPU's other threads run between
 * full budgets. A schedule that comes while it polls makes it poll once
 * more, so no frame waits for an interrupt that came early.
 */
#include <flint/errno.h>
#include <flint/format.h>
#include <flint/heap.h>
#include <flint/netdev.h>
#include <flint/printk.h>
#include <flint/sched.h>
#include <flint/string.h>
#include <flint/sync.h>
#include <flint/thread.h>
#include <flint/timer.h>

#define NETDEV_POLL_BUDGET 64		/* frames per ops->poll call */
#define NETDEV_FIRST_INDEX 2		/* Linux's ifindex: lo is 1 */
#define RECEIVER_WAIT_US 100		/* netdev_set_receiver's check interval */

/* kernel/netdev.c's own state of a device (struct netdev.rx_thread). */
struct netdev_rx_state {
	struct netdev *dev;
	struct thread *thread;
	spinlock_t lock;		/* scheduled and sleeping */
	bool scheduled;			/* a poll is due */
	bool sleeping;			/* thread waits for netdev_rx_schedule */
	bool polling;			/* inside ops->poll: the receiver may be called */
};

static struct netdev *devices[NETDEV_MAX];
static unsigned ndevices;

static const char *const drop_names[NETDEV_DROP_REASONS] = {
	[NETDEV_DROP_RX_SHORT] = "rx-short",
	[NETDEV_DROP_RX_LONG] = "rx-long",
	[NETDEV_DROP_RX_MALFORMED] = "rx-malformed",
	[NETDEV_DROP_RX_NOMEM] = "rx-nomem",
	[NETDEV_DROP_RX_NO_STACK] = "rx-no-stack",
	[NETDEV_DROP_RX_CSUM] = "rx-csum",
	[NETDEV_DROP_TX_FULL] = "tx-full",
	[NETDEV_DROP_TX_LONG] = "tx-long",
	[NETDEV_DROP_TX_BROKEN] = "tx-broken",
	[NETDEV_DROP_TX_MALFORMED] = "tx-malformed",
};

const char *netdev_drop_name(enum netdev_drop why)
{
	return (unsigned)why < NETDEV_DROP_REASONS ? drop_names[why] : "unknown";
}

/* Waits until a poll is due (netdev_rx_schedule). */
static void wait_scheduled(struct netdev_rx_state *s)
{
	unsigned long flags = spin_lock_irqsave(&s->lock);

	while (!s->scheduled) {
		s->sleeping = true;
		sched_block(&s->lock);
		spin_lock(&s->lock);
	}
	s->scheduled = false;
	spin_unlock_irqrestore(&s->lock, flags);
}

static void rx_thread(void *arg)
{
	struct netdev_rx_state *s = arg;
	struct netdev *dev = s->dev;

	for (;;) {
		unsigned n;

		wait_scheduled(s);
		do {
			/* Seen by netdev_set_receiver before the receiver is read
			 * (a store then a load on each side: sequentially
			 * consistent). */
			__atomic_store_n(&s->polling, true, __ATOMIC_SEQ_CST);
			n = dev->ops->poll(dev, NETDEV_POLL_BUDGET);
			__atomic_store_n(&s->polling, false, __ATOMIC_RELEASE);
			if (n >= NETDEV_POLL_BUDGET)
				thread_yield();
		} while (n >= NETDEV_POLL_BUDGET);
	}
}

void netdev_rx_schedule(struct netdev *dev)
{
	struct netdev_rx_state *s = __atomic_load_n((struct netdev_rx_state **)&dev->rx_thread,
						    __ATOMIC_ACQUIRE);
	unsigned long flags;
	bool wake;

	if (!s)
		return;		/* not registered yet: its thread polls first */
	flags = spin_lock_irqsave(&s->lock);
	s->scheduled = true;
	wake = s->sleeping;
	s->sleeping = false;
	if (wake)
		sched_wake(s->thread);
	spin_unlock_irqrestore(&s->lock, flags);
}

int netdev_register(struct netdev *dev)
{
	struct netdev_rx_state *s;
	unsigned i = ndevices;

	if (i == NETDEV_MAX) {
		printk_line("netdev: more than %u devices", NETDEV_MAX);
		return -1;
	}
	s = kzalloc(sizeof(*s));
	if (!s) {
		printk_line("netdev: no memory for a device");
		return -1;
	}
	snprintf(dev->name, sizeof(dev->name), "eth%u", i);
	dev->index = NETDEV_FIRST_INDEX + i;
	s->dev = dev;
	s->scheduled = true;	/* the first poll finds what came before */
	s->thread = thread_create(rx_thread, s, THREAD_ANY_CPU);
	if (!s->thread) {
		printk_line("netdev: no receive thread for %s", dev->name);
		kfree(s);
		return -1;
	}
	/* The thread lives as long as the kernel: nobody joins it. */
	thread_detach(s->thread);
	__atomic_store_n((struct netdev_rx_state **)&dev->rx_thread, s, __ATOMIC_RELEASE);
	devices[i] = dev;
	__atomic_store_n(&ndevices, i + 1, __ATOMIC_RELEASE);
	return 0;
}

unsigned netdev_count(void)
{
	return __atomic_load_n(&ndevices, __ATOMIC_ACQUIRE);
}

struct netdev *netdev_get(unsigned i)
{
	return i < netdev_count() ? devices[i] : NULL;
}

struct netdev *netdev_find(const char *name)
{
	for (unsigned i = 0; i < netdev_count(); i++)
		if (!strcmp(devices[i]->name, name))
			return devices[i];
	return NULL;
}

/*
 * The receiver is cleared first, then the caller waits until the
 * receive thread is outside ops->poll, so that the old receiver is never
 * called again (and never with the new argument) once this returns. Not
 * from the receiver itself.
 */
void netdev_set_receiver(struct netdev *dev,
			 bool (*fn)(struct netdev *dev, const struct netdev_rx *rx, void *arg),
			 void *arg)
{
	struct netdev_rx_state *s = dev->rx_thread;

	__atomic_store_n(&dev->receiver, NULL, __ATOMIC_SEQ_CST);
	while (s && __atomic_load_n(&s->polling, __ATOMIC_SEQ_CST) &&
	       thread_current() != s->thread)
		sleep_us(RECEIVER_WAIT_US);
	dev->receiver_arg = arg;
	__atomic_store_n(&dev->receiver, fn, __ATOMIC_RELEASE);
}

bool netdev_receive(struct netdev *dev, const struct netdev_rx *rx)
{
	bool (*fn)(struct netdev *, const struct netdev_rx *, void *) =
		__atomic_load_n(&dev->receiver, __ATOMIC_SEQ_CST);

	if (!fn) {
		dev->stats.drops[NETDEV_DROP_RX_NO_STACK]++;
		return false;
	}
	dev->stats.rx_packets++;
	dev->stats.rx_bytes += rx->len;
	return fn(dev, rx, dev->receiver_arg);
}

static enum netdev_drop tx_drop_reason(int err)
{
	switch (err) {
	case -EMSGSIZE:
		return NETDEV_DROP_TX_LONG;
	case -ENOBUFS:
		return NETDEV_DROP_TX_FULL;
	case -EINVAL:
		return NETDEV_DROP_TX_MALFORMED;
	default:
		return NETDEV_DROP_TX_BROKEN;
	}
}

/* Several threads transmit at once: the counters are added atomically. */
int netdev_transmit(struct netdev *dev, const struct netdev_tx *tx)
{
	int err = dev->ops->transmit(dev, tx);

	if (err) {
		__atomic_fetch_add(&dev->stats.drops[tx_drop_reason(err)], 1, __ATOMIC_RELAXED);
		return err;
	}
	__atomic_fetch_add(&dev->stats.tx_packets, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&dev->stats.tx_bytes, tx->len, __ATOMIC_RELAXED);
	if (tx->gso_size) {
		__atomic_fetch_add(&dev->stats.tx_gso_frames, 1, __ATOMIC_RELAXED);
		__atomic_fetch_add(&dev->stats.tx_gso_segs,
				   (tx->len - tx->gso_hdr_len + tx->gso_size - 1) / tx->gso_size,
				   __ATOMIC_RELAXED);
	}
	return 0;
}
