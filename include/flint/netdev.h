/*
 * Network devices (kernel/netdev.c): what the network stack (net/) sees
 * of a NIC. A driver fills a struct netdev and registers it; the stack
 * attaches a receiver. Frames are Ethernet frames without the FCS, in
 * kernel memory.
 *
 * Receiving is polled, as Linux's NAPI: the driver's interrupt handler
 * calls netdev_rx_schedule (its interrupt stays off), the device's
 * receive thread then calls ops->poll, which hands frames up through
 * netdev_receive, and the interrupt is enabled again only when the ring
 * is empty. Transmitting copies the frame into the driver's buffers, so
 * the caller's memory is free again when transmit returns.
 */
#ifndef FLINT_NETDEV_H
#define FLINT_NETDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NETDEV_NAME_MAX 16		/* IFNAMSIZ, the NUL included */
#define NETDEV_MAX 8			/* registered devices: eth0 .. eth7 */
#define NETDEV_ETH_ALEN 6		/* IEEE 802.3 MAC address bytes */
#define NETDEV_ETH_HLEN 14		/* destination, source, EtherType */
#define NETDEV_MTU_DEFAULT 1500		/* without a device-given MTU */
#define NETDEV_MAX_SEGS 36		/* segments of one frame, either way: a 64 KiB
					 * GSO frame in 2 KiB buffers */
/* The first bytes of every block a driver lends (struct netdev_rx.loan)
 * are the receiver's, for its bookkeeping: the device writes after them. */
#define NETDEV_RX_LOAN_ROOM 64

/* What the device can do for the stack (struct netdev.features). */
#define NETDEV_F_TX_CSUM 0x1		/* completes TCP/UDP checksums (netdev_tx.csum_*) */
#define NETDEV_F_RX_CSUM 0x2		/* marks received checksums valid or partial */
#define NETDEV_F_TX_TSO4 0x4		/* segments large TCP/IPv4 frames (netdev_tx.gso_*) */
#define NETDEV_F_TX_TSO6 0x8		/* the same for TCP/IPv6 */

/* Why frames were dropped (struct netdev_stats.drops). */
enum netdev_drop {
	NETDEV_DROP_RX_SHORT,		/* shorter than its header and an Ethernet header */
	NETDEV_DROP_RX_LONG,		/* longer than the MTU allows */
	NETDEV_DROP_RX_MALFORMED,	/* a bad buffer count, chain or header */
	NETDEV_DROP_RX_NOMEM,		/* the stack had no buffer for it */
	NETDEV_DROP_RX_NO_STACK,	/* nothing attached to receive it */
	NETDEV_DROP_RX_CSUM,		/* the checksum was wrong */
	NETDEV_DROP_TX_FULL,		/* the transmit ring stayed full */
	NETDEV_DROP_TX_LONG,		/* larger than the device takes */
	NETDEV_DROP_TX_BROKEN,		/* the device's queue broke */
	NETDEV_DROP_TX_MALFORMED,	/* a checksum request outside the frame or unsupported */
	NETDEV_DROP_REASONS
};

/* Counters; each written by one side (the driver, or the receive thread
 * for the stack's drops), read by anyone without locks. */
struct netdev_stats {
	uint64_t rx_packets, rx_bytes;
	uint64_t tx_packets, tx_bytes;
	uint64_t rx_interrupts, tx_notifies;
	uint64_t tx_gso_frames, tx_gso_segs;	/* large TCP frames sent, the segments they make */
	/* Kept by the network stack's link layer (net/netif.c): lwIP's TCP
	 * segments longer than the MTU, and IPv4 fragments it cut. */
	uint64_t tx_big_segs, tx_ip_frags;
	uint64_t drops[NETDEV_DROP_REASONS];
};

/* A piece of a frame. */
struct netdev_seg {
	const void *data;
	size_t len;
};

/* The checksum state of a received frame. */
enum netdev_csum {
	NETDEV_CSUM_NONE,		/* not checked: the stack checks */
	NETDEV_CSUM_VALID,		/* the device checked it */
	NETDEV_CSUM_PARTIAL,		/* csum_start/offset: to be completed */
};

/* How the device is to cut a large frame (netdev_tx.gso_type). */
enum netdev_gso {
	NETDEV_GSO_TCPV4,		/* with NETDEV_F_TX_TSO4 */
	NETDEV_GSO_TCPV6,		/* with NETDEV_F_TX_TSO6 */
};

/* A frame to send: segments in order. With csum_partial (only when the
 * device has NETDEV_F_TX_CSUM) the device sums the bytes from
 * csum_start to the end and stores the result at csum_start +
 * csum_offset, where the stack left the pseudo-header's sum.
 *
 * With gso_size (0: an ordinary frame, the fields after it unused) the
 * frame is one TCP segment of up to NETDEV_GSO_IP_MAX IP bytes that the
 * device cuts into segments of gso_size payload bytes, each behind a copy
 * of the first gso_hdr_len bytes (Ethernet, IP and TCP headers, the TCP
 * options included) with its sequence number, IP length and id, and
 * checksums fixed; the last may be shorter. PSH and FIN go on the last
 * only. IP and TCP headers are those of one segment of the whole length:
 * the IP length counts the whole frame and the TCP checksum field holds
 * the pseudo-header's sum over it, so csum_partial is required. */
struct netdev_tx {
	const struct netdev_seg *segs;
	unsigned nsegs;
	size_t len;			/* the segments' total */
	bool csum_partial;
	uint16_t csum_start, csum_offset;
	uint16_t gso_size;		/* TCP payload bytes per segment */
	uint16_t gso_hdr_len;
	enum netdev_gso gso_type;
};

/* The IP bytes of a large TCP frame at most: RFC 791's total length
 * (IPv6 without jumbograms, RFC 8200 §3). */
#define NETDEV_GSO_IP_MAX 65535

/* A received frame, valid only during the receiver's call, unless the
 * receiver keeps it: a frame of more than one segment comes with loan,
 * where the driver had replacements ready, and loan[i] is the kernel heap
 * block that segs[i] lies in, NETDEV_RX_LOAN_ROOM bytes or more past its
 * start. A receiver that keeps the blocks (no copy) returns true and
 * kfree()s each when done with it, from any thread. */
struct netdev_rx {
	const struct netdev_seg *segs;
	unsigned nsegs;
	size_t len;
	enum netdev_csum csum;
	uint16_t csum_start, csum_offset;	/* NETDEV_CSUM_PARTIAL */
	void *const *loan;			/* NULL: copy what you keep */
};

struct netdev;

struct netdev_ops {
	/* Copies the frame into the device's ring and notifies it (unless
	 * it asked not to be told). Reclaims finished transmissions first,
	 * without waiting for an interrupt. 0, or -ENOBUFS (ring full),
	 * -EMSGSIZE (too long), -EINVAL (csum_partial without
	 * NETDEV_F_TX_CSUM, or outside the frame; gso_size without the
	 * type's feature or csum_partial, or gso_hdr_len not within the
	 * frame) or -EIO (device broken);
	 * the frame is then dropped and counted. Thread context; the driver locks itself. */
	int (*transmit)(struct netdev *dev, const struct netdev_tx *tx);
	/* From the receive thread only: hands up to budget received frames
	 * to netdev_receive, refills the ring, and returns how many. Fewer
	 * than budget: the ring was empty and the device's receive
	 * interrupt is on again (the driver checks once more after turning
	 * it on, so no frame waits for an interrupt that never comes). */
	unsigned (*poll)(struct netdev *dev, unsigned budget);
};

struct netdev {
	char name[NETDEV_NAME_MAX];	/* set by netdev_register: "eth0", ... */
	unsigned index;			/* set by netdev_register: Linux's ifindex (lo is 1) */
	uint8_t mac[NETDEV_ETH_ALEN];
	unsigned mtu;			/* IP bytes per frame, without the Ethernet header */
	unsigned features;		/* NETDEV_F_* */
	bool link_up;
	const struct netdev_ops *ops;
	void *priv;			/* the driver's */
	struct netdev_stats stats;
	/* kernel/netdev.c's own: */
	bool (*receiver)(struct netdev *dev, const struct netdev_rx *rx, void *arg);
	void *receiver_arg;
	void *rx_thread;
};

/* Adds dev (named eth<N> in registration order) and starts its receive
 * thread: 0, or -1 with a console line. */
int netdev_register(struct netdev *dev);
unsigned netdev_count(void);
struct netdev *netdev_get(unsigned i);		/* NULL past the end */
struct netdev *netdev_find(const char *name);

/* The stack's receiver, called on the receive thread for every frame
 * (NULL: frames are dropped as NETDEV_DROP_RX_NO_STACK); it returns
 * whether it kept the frame's loaned blocks (struct netdev_rx). */
void netdev_set_receiver(struct netdev *dev,
			 bool (*fn)(struct netdev *dev, const struct netdev_rx *rx, void *arg),
			 void *arg);

/* The driver's interrupt handler: wake dev's receive thread. */
void netdev_rx_schedule(struct netdev *dev);
/* From ops->poll: one frame up to the receiver; true when it kept the
 * loaned blocks. */
bool netdev_receive(struct netdev *dev, const struct netdev_rx *rx);

/* Sends a frame through dev's transmit (counts it or its drop). */
int netdev_transmit(struct netdev *dev, const struct netdev_tx *tx);

/* The name of a drop reason, for net.show: "rx-short", ... */
const char *netdev_drop_name(enum netdev_drop why);

#endif
