/*
 * Large TCP segments (net/bigseg.h). lwIP sizes the segments it queues by
 * pcb->mss; raising it for a connection makes tcp_write build segments of
 * that size and tcp_output send them whole. The link layer then finds
 * the connection's real MSS here and has the device cut the segment
 * (net/netif.c, net/gso.c); no other route could carry such a segment,
 * and lwIP does not fragment IPv4 (IP_FRAG 0): the link does, for
 * datagrams only (net/ipfrag.h).
 *
 * A connection qualifies when it is IPv4 (lwIP still fragments IPv6
 * itself), synchronized, routed over a device with TCP segmentation for
 * IPv4, and its congestion window has already opened to
 * BIGSEG_CWND_SEGS segments: short exchanges and slow paths never
 * change. The look is taken as each segment reaches the connection
 * (lwIP's input hook, under its core lock), which costs the send path
 * nothing. Raising happens once and only upwards: lwIP asserts that a
 * queued segment is never longer than the MSS, and a congestion window
 * below one segment would stall its sender.
 *
 * What it costs: lwIP's congestion control counts in units of pcb->mss,
 * so once raised the connection behaves as on a network whose MTU is
 * that many times larger (jumbo frames): congestion avoidance opens the
 * window by one large segment a round trip, a retransmission timeout
 * leaves one large segment in flight, and a lost packet is sent again
 * with the rest of its segment. Nagle's rule holds back a write shorter
 * than a large segment while data is unacknowledged. `net.tso_segs=1`
 * keeps every connection at its MSS.
 */
#include <flint/netdev.h>
#include <flint/param.h>

#include "lwip/ip.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "bigseg.h"
#include "csum.h"
#include "net_priv.h"

#define BIGSEG_UNITS_DEFAULT 8
#define BIGSEG_UNITS_MAX 16
#define BIGSEG_CWND_SEGS 32		/* the window that qualifies, in MSS */
#define TCP_HLEN 20			/* RFC 9293 §3.1: without options */
#define TCP_HLEN_MAX 60
#define IPV4_HLEN 20			/* RFC 791 §3.1: lwIP's TCP sends no options */
/* A large segment's data and options: its IPv4 packet within what a
 * device segments. */
#define BIGSEG_DATA_MAX (NETDEV_GSO_IP_MAX - IPV4_HLEN - TCP_HLEN_MAX)

static unsigned units = BIGSEG_UNITS_DEFAULT;
static bool ext_id_valid;
static uint8_t ext_id;			/* the pcb's ext arg: its own MSS, once raised */

static int units_param(const char *value)
{
	unsigned n = 0;

	if (!value || !*value)
		return -1;
	for (; *value; value++) {
		if (*value < '0' || *value > '9' || n > BIGSEG_UNITS_MAX)
			return -1;
		n = n * 10 + (unsigned)(*value - '0');
	}
	if (n < 1 || n > BIGSEG_UNITS_MAX)
		return -1;
	units = n;
	return 0;
}
KERNEL_PARAM("net.tso_segs", units_param);

void net_bigseg_grow(struct tcp_pcb *pcb)
{
	struct netif *n;
	unsigned mss, opts, k;

	if (units < 2 || (pcb->state != ESTABLISHED && pcb->state != CLOSE_WAIT) ||
	    !IP_IS_V4_VAL(pcb->remote_ip) || pcb->cwnd < (tcpwnd_size_t)BIGSEG_CWND_SEGS * pcb->mss)
		return;
	if (!ext_id_valid) {
		ext_id = tcp_ext_arg_alloc_id();
		ext_id_valid = true;
	}
	if (tcp_ext_arg_get(pcb, ext_id))
		return;
	n = ip_route(&pcb->local_ip, &pcb->remote_ip);
	if (!n || !net_netif_tso4(n))
		return;
	mss = pcb->mss;
	/* Whole device segments of data in each: lwIP's segments carry the
	 * timestamps option, when on, within the MSS (tcp_write's optlen). */
	opts = (pcb->flags & TF_TIMESTAMP) ? LWIP_TCP_OPT_LENGTH(TF_SEG_OPTS_TS) : 0;
	if (mss <= opts)
		return;
	/* Within what a device segments, whatever the MSS. */
	k = units;
	if (k > (BIGSEG_DATA_MAX - opts) / (mss - opts))
		k = (BIGSEG_DATA_MAX - opts) / (mss - opts);
	if (k < 2)
		return;
	tcp_ext_arg_set(pcb, ext_id, (void *)(uintptr_t)mss);
	pcb->mss = (u16_t)(k * (mss - opts) + opts);
}

size_t net_bigseg_unit(const uint8_t *f, size_t avail, size_t len)
{
	struct frame_tcp s;
	struct tcp_pcb *pcb;
	size_t mss, opts;

	if (!ext_id_valid || !frame_tcp(f, avail, len, &s) || s.version != 4)
		return 0;
	/* Outgoing: the frame's source is the connection's local end. */
	pcb = net_tcp_find(tcp_active_pcbs, s.version, s.dst, s.src, s.dport, s.sport);
	if (!pcb)
		return 0;
	mss = (uintptr_t)tcp_ext_arg_get(pcb, ext_id);
	opts = s.hlen > TCP_HLEN ? s.hlen - TCP_HLEN : 0;
	return mss > opts ? mss - opts : 0;
}
