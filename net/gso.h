/*
 * Merging consecutive TCP segments of one flow into one large frame for
 * a device that segments it again (NETDEV_F_TX_TSO4/6): the rules, pure
 * so that the host unit tests run them (net/gso.c). The batch keeps the
 * frame's headers; where the payload lies is the caller's (net/netif.c
 * holds the segments' pbufs, the unit test copies).
 *
 * A segment may join a batch when it is IPv4 without options or IPv6
 * without extension headers, TCP with data, ACK and perhaps PSH or FIN
 * set and no other flag; when its Ethernet, IP and TCP headers (options
 * included) are the batch's first's but for the IP length, id and
 * checksum and the TCP sequence number, checksum, PSH and FIN; when its
 * sequence number follows the batch's last; and when its payload is no
 * longer than the first's (gso_size) and the whole stays within
 * NETDEV_GSO_IP_MAX IP bytes. A segment shorter than the first ends the
 * batch, and so does FIN. PSH does not: lwIP sets it at the end of every
 * write, and a program that writes a segment or less at a time (busybox
 * nc) would merge nothing; the frame carries PSH when one of its
 * segments did, and the device puts it on the last (Linux's TSO too
 * sends PSH per push, not per write; RFC 9293 §3.9.1 leaves its use to
 * the receiver).
 *
 * A large segment (net/bigseg.h: longer than the MTU, built so by lwIP
 * for a connection over a TSO device) comes with its unit, the payload of
 * the segments it is to be cut into: it is a batch of its own or joins
 * one of the same unit, and ends it unless its payload is whole units.
 */
#ifndef FLINT_NET_GSO_H
#define FLINT_NET_GSO_H

#include <flint/netdev.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The largest frame a batch builds: Ethernet header and IP packet. */
#define GSO_FRAME_MAX (NETDEV_ETH_HLEN + NETDEV_GSO_IP_MAX)
/* The most header bytes a mergeable segment has: Ethernet, IPv6 (IPv4
 * has less), TCP with options (RFC 9293 §3.1: 15 words). */
#define GSO_HDR_MAX (NETDEV_ETH_HLEN + 40 + 60)

/* A segment's place in its frame, as gso_classify reads it. */
struct gso_seg {
	unsigned version;		/* 4 or 6 */
	unsigned hlen;			/* Ethernet, IP and TCP headers */
	size_t payload;			/* TCP data bytes */
	size_t unit;			/* a large segment's device segments, or 0 */
	uint32_t seq;
	uint8_t flags;			/* PSH and FIN, as in the TCP header */
};

/* The frame being built: its headers in buf (GSO_HDR_MAX bytes, the
 * caller's), its payload the segments' own, in order. */
struct gso_batch {
	uint8_t *buf;
	bool tso4, tso6;		/* which versions the device segments */
	size_t len;			/* the frame's bytes: 0 when there is no batch */
	unsigned segs;			/* segments in it */
	unsigned version, hlen;
	uint16_t gso_size;		/* the first segment's payload, or unit */
	uint32_t next_seq;
	bool ended;			/* no segment may join any more */
};

enum gso_verdict {
	GSO_JOIN,			/* its payload comes next: gso_add */
	GSO_START,			/* send the batch, then the frame starts one: gso_start */
	GSO_ALONE,			/* send the batch, then the frame as it is */
};

/* What to do with a frame of len bytes whose first avail are at f; with
 * GSO_JOIN or GSO_START, *s says where its payload is. unit: for a TCP
 * segment larger than the link's MTU (net/bigseg.h), the payload of each
 * segment the device is to cut it into; 0 for any other frame. */
enum gso_verdict gso_classify(const struct gso_batch *b, const uint8_t *f, size_t avail,
			      size_t len, size_t unit, struct gso_seg *s);

/* Its headers (s->hlen bytes) are in buf: a batch of one. */
void gso_start(struct gso_batch *b, const struct gso_seg *s);

/* Its payload follows the batch's: the batch takes it. */
void gso_add(struct gso_batch *b, const struct gso_seg *s);

/* Whether the batch should go now: it is ended, or no segment of
 * gso_size fits any more. */
bool gso_full(const struct gso_batch *b);

/* Ends the batch (len is 0 again): its frame's IP length (and IPv4
 * header checksum) set for the whole, and how the device cuts it in tx
 * (gso_size 0 for a batch of one, which goes as it is). The caller fills
 * in the TCP pseudo-header sum (csum_tx_tcp) and sends the headers and
 * the payload. */
void gso_finish(struct gso_batch *b, struct netdev_tx *tx);

#endif
