/*
 * The virtio network device's receive ring (Virtio 1.2 §5.1.6.3-4).
 * Buffers are allocated at start, one per ring entry, and go back on the
 * ring as soon as their frame has been handed up, so that receiving
 * allocates nothing, with one exception: a frame of several buffers (a
 * GSO segment) is offered to the stack on loan when a replacement for
 * each buffer can be had, and the stack keeps the buffers rather than
 * copying 64 KiB (under TCG a copy is most of what a byte costs).
 * Without MRG_RXBUF each buffer holds a whole frame and its header; with
 * it buffers are NET_MRG_BUF_SIZE bytes and a frame spans the header's
 * num_buffers of them, handed up as segments.
 *
 * Nothing the device writes is believed unchecked: vring.c checks ids
 * and lengths against the buffers, and here each frame's header and
 * length are checked against the MTU and the entries in the ring; a bad
 * one is dropped and counted, its buffers reused.
 */
#include <flint/compiler.h>
#include <flint/heap.h>
#include <flint/string.h>

#include "net_rx.h"
#include "vring.h"

static void drop(struct net_rx *rx, enum netdev_drop why)
{
	rx->dev->stats.drops[why]++;
}

/* Buffers are heap blocks whose first NETDEV_RX_LOAN_ROOM bytes are
 * kept for the stack, should it keep the block (struct netdev_rx.loan);
 * the device sees the rest. The ring's tokens and the spare list hold the
 * blocks. */
static uint8_t *data_of(uint8_t *block)
{
	return block + NETDEV_RX_LOAN_ROOM;
}

static uint8_t *new_block(const struct net_rx *rx)
{
	return kmalloc(NETDEV_RX_LOAN_ROOM + rx->buf_size);
}

/* Adds the spare buffers to the ring; returns whether it added any. */
static bool refill(struct net_rx *rx)
{
	bool added = false;

	while (rx->nspare) {
		uint8_t *buf = rx->spare[rx->nspare - 1];
		struct vring_buf b = { .addr = data_of(buf), .len = rx->buf_size,
				       .device_writes = true };

		if (vq_add(rx->vq, &b, 1, buf) < 0)
			break;
		rx->nspare--;
		added = true;
	}
	return added;
}

void net_rx_free(struct net_rx *rx)
{
	void *buf;

	while (rx->nspare)
		kfree(rx->spare[--rx->nspare]);
	while (rx->vq && (buf = vq_detach(rx->vq)))
		kfree(buf);
	kfree(rx->spare);
	rx->spare = NULL;
	rx->nbufs = 0;
}

int net_rx_init(struct net_rx *rx)
{
	rx->frame_max = rx->dev->mtu + NETDEV_ETH_HLEN + NET_VLAN_HLEN;
	if (rx->mergeable) {
		rx->buf_size = NET_MRG_BUF_SIZE;
		rx->max_buffers = (rx->hdr_len + rx->frame_max + NET_MRG_BUF_SIZE - 1) /
				  NET_MRG_BUF_SIZE;
	} else {
		rx->buf_size = rx->hdr_len + rx->frame_max;
		rx->max_buffers = 1;
	}
	rx->gso_frame_max = NETDEV_ETH_HLEN + NET_VLAN_HLEN + NETDEV_GSO_IP_MAX;
	rx->gso_max_buffers = (rx->hdr_len + rx->gso_frame_max + NET_MRG_BUF_SIZE - 1) /
			      NET_MRG_BUF_SIZE;
	if (!rx->mergeable || !rx->guest_csum)
		rx->gso_tcp4 = rx->gso_tcp6 = false;
	if (!rx->gso_tcp4 && !rx->gso_tcp6)
		rx->gso_max_buffers = 0;
	rx->nbufs = vq_size(rx->vq);
	rx->spare = kmalloc(sizeof(*rx->spare) * rx->nbufs);
	if (!rx->spare || rx->max_buffers > NETDEV_MAX_SEGS ||
	    rx->gso_max_buffers > NETDEV_MAX_SEGS) {
		net_rx_free(rx);
		return -1;
	}
	for (unsigned i = 0; i < rx->nbufs; i++) {
		uint8_t *buf = new_block(rx);

		if (!buf) {
			net_rx_free(rx);
			return -1;
		}
		rx->spare[rx->nspare++] = buf;
	}
	refill(rx);
	return 0;
}

/* Reads the header at the start of a frame's first buffer. */
static struct virtio_net_hdr read_header(const struct net_rx *rx, const uint8_t *buf)
{
	struct virtio_net_hdr h = { .num_buffers = 1 };

	memcpy(&h, buf, rx->hdr_len);
	if (!rx->mergeable)
		h.num_buffers = 1;	/* only MRG_RXBUF gives it a meaning */
	return h;
}

/* The checksum state the header reports, or false when its partial
 * checksum lies outside the frame. */
static bool checksum(const struct net_rx *rx, const struct virtio_net_hdr *h, size_t len,
		     struct netdev_rx *frame)
{
	frame->csum = NETDEV_CSUM_NONE;
	if (!rx->guest_csum)
		return true;
	if (h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
		if ((size_t)h->csum_start + h->csum_offset + NET_CSUM_FIELD > len)
			return false;
		frame->csum = NETDEV_CSUM_PARTIAL;
		frame->csum_start = h->csum_start;
		frame->csum_offset = h->csum_offset;
	} else if (h->flags & VIRTIO_NET_HDR_F_DATA_VALID) {
		frame->csum = NETDEV_CSUM_VALID;
	}
	return true;
}

/* Whether the header's segmentation offload is one negotiated: none, or
 * TCP over the IP version taken, with a segment size, its checksum left
 * partial (§5.1.6.4.1: the device sets NEEDS_CSUM with GSO). */
static bool gso_ok(const struct net_rx *rx, const struct virtio_net_hdr *h)
{
	if (h->gso_type == VIRTIO_NET_HDR_GSO_NONE)
		return true;
	if ((h->gso_type == VIRTIO_NET_HDR_GSO_TCPV4 && !rx->gso_tcp4) ||
	    (h->gso_type == VIRTIO_NET_HDR_GSO_TCPV6 && !rx->gso_tcp6) ||
	    (h->gso_type != VIRTIO_NET_HDR_GSO_TCPV4 && h->gso_type != VIRTIO_NET_HDR_GSO_TCPV6))
		return false;
	return h->gso_size && (h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM);
}

/* Hands a checked frame up, on loan when it spans several buffers and
 * each has a replacement in fresh (which then takes its place); returns
 * whether the stack kept the loaned buffers. */
static bool hand_up(struct net_rx *rx, struct netdev_rx *frame, uint8_t *const *taken,
		    uint8_t **fresh)
{
	unsigned got = 0;
	bool kept;

	if (frame->nsegs > 1)
		for (; got < frame->nsegs; got++) {
			fresh[got] = new_block(rx);
			if (!fresh[got])
				break;
		}
	if (got == frame->nsegs)
		frame->loan = (void *const *)taken;
	kept = netdev_receive(rx->dev, frame) && frame->loan;
	if (kept)
		rx->loaned += frame->nsegs;
	else
		while (got)
			kfree(fresh[--got]);
	return kept;
}

/*
 * One frame whose first buffer (len bytes used) came off the ring: its
 * other buffers are taken, the whole is checked and handed up, and all go
 * back to the spare list. Returns false when the queue broke meanwhile.
 */
static bool receive(struct net_rx *rx, uint8_t *head, uint32_t len)
{
	uint8_t *taken[NETDEV_MAX_SEGS] = { head }, *fresh[NETDEV_MAX_SEGS];
	struct netdev_seg segs[NETDEV_MAX_SEGS];
	struct netdev_rx frame = { .segs = segs };
	struct virtio_net_hdr h;
	unsigned n = 1, want, max_buffers, frame_max;
	bool ok = true, gso, kept = false;

	if (len < rx->hdr_len + NETDEV_ETH_HLEN) {
		/* Too short to hold a count of buffers worth believing. */
		drop(rx, NETDEV_DROP_RX_SHORT);
		rx->spare[rx->nspare++] = head;
		return true;
	}
	h = read_header(rx, data_of(head));
	want = h.num_buffers;
	/* §5.1.6.4.2: a frame's buffers are all used before the index moves. */
	if (!want || want - 1 > vq_pending(rx->vq)) {
		drop(rx, NETDEV_DROP_RX_MALFORMED);
		rx->spare[rx->nspare++] = head;
		return !vq_broken(rx->vq);
	}
	segs[0] = (struct netdev_seg){ data_of(head) + rx->hdr_len, len - rx->hdr_len };
	frame.len = segs[0].len;
	for (; n < want; n++) {
		uint32_t more;
		uint8_t *buf = vq_get(rx->vq, &more);

		if (!buf)
			break;		/* broken: vring.c said why */
		if (n < NETDEV_MAX_SEGS) {
			taken[n] = buf;
			segs[n] = (struct netdev_seg){ data_of(buf), more };
		} else {
			rx->spare[rx->nspare++] = buf;
		}
		frame.len += more;
	}
	frame.nsegs = MIN(n, (unsigned)NETDEV_MAX_SEGS);
	gso = h.gso_type != VIRTIO_NET_HDR_GSO_NONE;
	max_buffers = gso ? rx->gso_max_buffers : rx->max_buffers;
	frame_max = gso ? rx->gso_frame_max : rx->frame_max;
	if (n < want)
		ok = false;
	else if (!gso_ok(rx, &h))
		drop(rx, NETDEV_DROP_RX_MALFORMED);
	else if (want > max_buffers || frame.len > frame_max)
		drop(rx, NETDEV_DROP_RX_LONG);
	else if (!checksum(rx, &h, frame.len, &frame))
		drop(rx, NETDEV_DROP_RX_MALFORMED);
	else
		kept = hand_up(rx, &frame, taken, fresh);
	for (unsigned i = 0; i < frame.nsegs; i++)
		rx->spare[rx->nspare++] = kept ? fresh[i] : taken[i];
	return ok;
}

unsigned net_rx_poll(struct net_rx *rx, unsigned budget)
{
	unsigned done = 0;

	vq_interrupts_off(rx->vq);
	while (done < budget) {
		uint32_t len;
		uint8_t *head = vq_get(rx->vq, &len);

		if (!head) {
			if (vq_broken(rx->vq))
				return done;
			if (refill(rx))
				vq_kick(rx->vq);
			if (!vq_interrupts_on(rx->vq))
				return done;
			/* Came before the device saw the interrupt wanted. */
			vq_interrupts_off(rx->vq);
			continue;
		}
		done++;
		if (!receive(rx, head, len))
			return done;
	}
	if (refill(rx))
		vq_kick(rx->vq);
	return done;
}

void net_mac_random(uint8_t mac[NETDEV_ETH_ALEN], const uint8_t random[NETDEV_ETH_ALEN])
{
	memcpy(mac, random, NETDEV_ETH_ALEN);
	mac[0] = (uint8_t)((mac[0] & ~NET_MAC_MULTICAST) | NET_MAC_LOCAL);
}
