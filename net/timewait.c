/*
 * A new connection's SYN that meets one of lwIP's TIME-WAIT control
 * blocks for the same addresses and ports. lwIP answers it with an ACK
 * (or a reset when its number is within the window) and drops it, so a
 * client that reuses the port of a connection this side closed first
 * (Linux's connect() does once its port range has turned over within
 * the 2 MSL) retries until its connect() times out. As RFC 6191 and
 * Linux, the TIME-WAIT block gives way when the SYN is plainly newer:
 * its sequence number past the old connection's, or its timestamp newer
 * than the last one seen when both sides used timestamps (and never with
 * an older timestamp). The SYN then reaches the listener as any other.
 */
#include <flint/string.h>

#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "csum.h"
#include "net_priv.h"

static bool same_addr(const ip_addr_t *a, unsigned version, const uint8_t *raw)
{
	if (version == 4)
		return IP_IS_V4(a) && !memcmp(&ip_2_ip4(a)->addr, raw, 4);
	return IP_IS_V6(a) && !memcmp(ip_2_ip6(a)->addr, raw, 16);
}

struct tcp_pcb *net_tcp_find(struct tcp_pcb *list, unsigned version, const uint8_t *src,
			     const uint8_t *dst, uint16_t sport, uint16_t dport)
{
	for (struct tcp_pcb *pcb = list; pcb; pcb = pcb->next)
		if (pcb->remote_port == sport && pcb->local_port == dport &&
		    same_addr(&pcb->remote_ip, version, src) && same_addr(&pcb->local_ip, version, dst))
			return pcb;
	return NULL;
}

/* Newer in the sequence space (RFC 1982 style: within half of it). */
static bool after(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

void net_timewait_syn(const uint8_t *f, size_t len)
{
	struct frame_syn s;
	struct tcp_pcb *pcb;
	bool ts;

	if (!tcp_tw_pcbs || !frame_tcp_syn(f, len, &s))
		return;
	pcb = net_tcp_find(tcp_tw_pcbs, s.version, s.src, s.dst, s.sport, s.dport);
	if (!pcb)
		return;
	ts = (pcb->flags & TF_TIMESTAMP) && s.has_ts;
	/* As Linux's tcp_timewait_state_process: an older timestamp is
	 * refused (PAWS); an equal one (the same millisecond) still lets a
	 * newer sequence number through. */
	if (ts && after(pcb->ts_recent, s.tsval))
		return;
	if (after(s.seq, pcb->rcv_nxt) || (ts && after(s.tsval, pcb->ts_recent)))
		tcp_abort(pcb);
}
