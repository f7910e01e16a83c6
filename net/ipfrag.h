/*
 * IPv4 fragmentation of outgoing frames in the link layer (RFC 791 §2.3,
 * §3.2), pure so that the host unit tests run it (net/ipfrag.c). lwIP
 * does not fragment IPv4 (IP_FRAG 0 in lwipopts.h): the link does, where
 * it can tell a datagram that must be cut from a large TCP segment that
 * the device segments itself (net/bigseg.h). A fragment's data is the
 * original frame's own bytes, not a copy: each fragment is a new header
 * and slices of the frame's pieces.
 */
#ifndef FLINT_NET_IPFRAG_H
#define FLINT_NET_IPFRAG_H

#include <flint/netdev.h>
#include <stddef.h>
#include <stdint.h>

/* Room for one fragment's Ethernet and IPv4 headers (no options). */
#define IPFRAG_HDR_MAX (NETDEV_ETH_HLEN + 20)

/* Called once per fragment, in order: tx's first piece is the headers,
 * the others the data. A non-zero return stops the cutting and is
 * ipfrag_send's result. */
typedef int (*ipfrag_emit)(void *arg, const struct netdev_tx *tx);

/* Sends the IPv4 packet in the frame (tx: Ethernet header, IP header
 * without options, all within its first piece; at most NETDEV_MAX_SEGS
 * pieces) as fragments of at most mtu IP bytes. Returns 0 when every
 * fragment went, -EMSGSIZE for a packet that may not be fragmented (DF)
 * or has IP options, -EINVAL for a frame that is not such a packet or
 * has its checksum left to the device, or the first failure of emit. */
int ipfrag_send(const struct netdev_tx *tx, unsigned mtu, ipfrag_emit emit, void *arg);

#endif
