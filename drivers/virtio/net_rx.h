/*
 * The virtio network device's receive path and header (Virtio 1.2
 * §5.1.6), apart from drivers/virtio/net.c so that the host unit test
 * can drive it with a simulated device: it sees only vring.h and
 * <flint/netdev.h>.
 */
#ifndef VIRTIO_NET_RX_H
#define VIRTIO_NET_RX_H

#include <flint/heap.h>
#include <flint/netdev.h>
#include <stdbool.h>
#include <stdint.h>

struct virtqueue;

/* §5.1.6: struct virtio_net_hdr; little-endian (guest-endian for legacy
 * devices: the same on x86). num_buffers exists with VERSION_1 or
 * MRG_RXBUF only: the header is then NET_HDR_LEN bytes, else
 * NET_HDR_LEN_LEGACY. */
struct virtio_net_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
	uint16_t num_buffers;
};

#define NET_HDR_LEN 12
#define NET_HDR_LEN_LEGACY 10
#define VIRTIO_NET_HDR_F_NEEDS_CSUM 1
#define VIRTIO_NET_HDR_F_DATA_VALID 2
#define VIRTIO_NET_HDR_GSO_NONE 0
#define VIRTIO_NET_HDR_GSO_TCPV4 1
#define VIRTIO_NET_HDR_GSO_TCPV6 4

#define NET_VLAN_HLEN 4			/* IEEE 802.1Q tag, allowed on top of the MTU */
/* Each receive buffer with MRG_RXBUF: the largest heap block short of a
 * page, less the room kept for the stack should it keep the buffer
 * (§5.1.6.3.1 asks for at least 1526 bytes). */
#define NET_MRG_BUF_SIZE (KMALLOC_CLASS_MAX - NETDEV_RX_LOAN_ROOM)
#define NET_CSUM_FIELD 2		/* bytes of the checksum csum_offset names */

/* IEEE 802: the first octet's I/G (multicast) and U/L (local) bits. */
#define NET_MAC_MULTICAST 0x01
#define NET_MAC_LOCAL 0x02

struct net_rx {
	struct netdev *dev;		/* frames go to netdev_receive, drops to its stats */
	struct virtqueue *vq;
	unsigned hdr_len;		/* NET_HDR_LEN or NET_HDR_LEN_LEGACY */
	bool mergeable;			/* MRG_RXBUF: a frame spans num_buffers buffers */
	bool guest_csum;		/* GUEST_CSUM: the header's checksum flags count */
	bool gso_tcp4, gso_tcp6;	/* GUEST_TSO4/6 (with MRG_RXBUF): TCP segments up to 64 KiB */
	/* Set by net_rx_init: */
	unsigned buf_size;		/* bytes of each buffer the device sees */
	unsigned frame_max;		/* the longest frame taken: MTU, Ethernet header, VLAN tag */
	unsigned max_buffers;		/* a frame's buffers at most */
	unsigned gso_frame_max;		/* the same for GSO frames */
	unsigned gso_max_buffers;
	unsigned nbufs;			/* buffers on the ring or spare: one per entry */
	uint8_t **spare;		/* buffers off the ring */
	unsigned nspare;
	uint64_t loaned;		/* buffers the stack kept (struct netdev_rx.loan) */
};

/* Sizes and allocates the buffers for dev->mtu (one per ring entry) and
 * puts them all on the ring, without notifying: 0, or -1 (no memory). */
int net_rx_init(struct net_rx *rx);
/* Frees the spare buffers and those still on the ring, which the device
 * must no longer use (not started, or reset). */
void net_rx_free(struct net_rx *rx);

/*
 * ops->poll's work: with the queue's interrupt off, hands up to budget
 * used frames (drops included) to netdev_receive, refills the ring and
 * kicks it. Fewer than budget: the ring was empty and the interrupt is on
 * again (checked once more after turning it on). A broken queue (vring
 * said so) returns at once; the caller resets the device.
 */
unsigned net_rx_poll(struct net_rx *rx, unsigned budget);

/* A locally administered unicast MAC from random bytes. */
void net_mac_random(uint8_t mac[NETDEV_ETH_ALEN], const uint8_t random[NETDEV_ETH_ALEN]);

#endif
