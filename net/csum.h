/*
 * Checksums of Ethernet frames for the network devices' offloads
 * (net/csum.c), pure so that the host unit tests run them: the TCP
 * pseudo-header's sum for a device to complete, and the completion or
 * check of received frames' checksums where lwIP does not check.
 */
#ifndef FLINT_NET_CSUM_H
#define FLINT_NET_CSUM_H

#include <flint/netdev.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A frame of len bytes whose first avail are at f: when it is a TCP
 * segment over IPv4 or IPv6 (not a fragment) with its headers within
 * avail, stores the pseudo-header's sum in its checksum field, sets where
 * the device's sum starts and where it goes, and returns true. */
bool csum_tx_tcp(uint8_t *f, size_t avail, size_t len, uint16_t *start, uint16_t *offset);

/* Where a frame of len bytes, whose first avail are at f, has its TCP
 * segment: its IP version, the TCP header's offset and the segment's
 * length from the IP header, with the IP and the fixed TCP header within
 * avail. False if it is not TCP over IPv4 or IPv6. *frag: an IP
 * fragment (the other results are then unset for IPv6). */
bool frame_find_tcp(const uint8_t *f, size_t avail, size_t len, unsigned *version,
		    size_t *off, size_t *tcp_len, bool *frag);

/* RFC 791 §3.1's header checksum of the option-less IPv4 header at ip,
 * its own checksum field counted as zero. */
uint16_t csum_ipv4_header(const uint8_t *ip);

/* A TCP SYN (no ACK, no RST) in a received frame, as the TIME-WAIT
 * check (net/timewait.c) needs it: addresses point into the frame (4 or
 * 16 bytes by version), ports and numbers in host order. */
struct frame_syn {
	unsigned version;
	const uint8_t *src, *dst;
	uint16_t sport, dport;
	uint32_t seq;
	bool has_ts;			/* the timestamps option (RFC 7323 §3) */
	uint32_t tsval;
};

/* True when the frame (len bytes at f) is such a SYN, not an IP
 * fragment, with its whole TCP header within len; fills *s. */
bool frame_tcp_syn(const uint8_t *f, size_t len, struct frame_syn *s);

/* Any TCP segment's header, for the out-of-window ACK limit
 * (net/oowack.c): addresses point into the frame as in frame_syn. */
struct frame_tcp {
	unsigned version;
	const uint8_t *src, *dst;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;			/* RFC 9293 §3.1's control bits */
	size_t hlen;			/* the TCP header's length, options included */
	size_t data_len;		/* the payload's length */
};

#define FRAME_TCP_FIN 0x01
#define FRAME_TCP_SYN 0x02
#define FRAME_TCP_RST 0x04
#define FRAME_TCP_ACK 0x10

/* True when the frame of len bytes is a TCP segment, not an IP fragment,
 * with its whole header within the avail bytes at f; fills *s. */
bool frame_tcp(const uint8_t *f, size_t avail, size_t len, struct frame_tcp *s);

/* A received frame (len bytes at f) in the device's checksum state:
 * completes a partial checksum (start, offset), except TCP's with
 * check_tcp (lwIP does not check it: the host's own data passes as is);
 * with check_tcp, sums TCP segments the device did not check. False: drop it (a bad checksum, a
 * partial one outside the frame, or TCP in an IP fragment, which cannot
 * be checked alone). */
bool csum_rx(uint8_t *f, size_t len, enum netdev_csum state, uint16_t start,
	     uint16_t offset, bool check_tcp);

/* Whether a received frame's partial checksum (start, offset within its
 * len bytes) is a TCP segment's, not in an IP fragment, with the IP and
 * TCP headers within the avail bytes at f: what csum_rx leaves as it is
 * with check_tcp, so that a frame in pieces needs no flat copy. */
bool csum_rx_tcp_partial(const uint8_t *f, size_t avail, size_t len, uint16_t start,
			 uint16_t offset);

#endif
