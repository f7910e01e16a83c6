/*
 * Large TCP segments over devices that segment TCP themselves (TSO): a
 * bulk IPv4 connection's lwIP segments grow to several MSS, which the
 * link sends as one frame for the device to cut (net/gso.h's unit).
 * lwIP's work per segment (allocation, headers, output, the ACK's
 * freeing) is most of a bulk sender's time; it is then done once per
 * BIGSEG_UNITS_DEFAULT MSS. See net/bigseg.c for the rules and what they
 * cost. Core lock held for both.
 */
#ifndef FLINT_NET_BIGSEG_H
#define FLINT_NET_BIGSEG_H

#include <stddef.h>
#include <stdint.h>

struct tcp_pcb;

/* Each segment that reaches pcb (lwIP's LWIP_HOOK_TCP_INPACKET_PCB, in
 * net/lwip/lwip_hooks.h; a listening or TIME-WAIT pcb too) enlarges its
 * segments once the connection qualifies: the ACKs that open a bulk
 * sender's window come this way. */
void net_bigseg_grow(struct tcp_pcb *pcb);

/* For an outgoing TCP frame (len bytes, headers within the avail at f)
 * whose IP packet is longer than the link's MTU: the payload of the
 * segments the device is to cut it into, or 0 when it is no connection's
 * large segment. */
size_t net_bigseg_unit(const uint8_t *f, size_t avail, size_t len);

#endif
