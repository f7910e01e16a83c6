/*
 * ACKs to unacceptable segments, at most one per connection every
 * OOW_ACK_INTERVAL_MS. lwIP answers every segment whose sequence number
 * is outside its receive window, or that acknowledges data it never sent,
 * with an ACK (RFC 9293 §3.10.7.4). When the peer does the same to lwIP's
 * ACK, the two ping-pong at the speed of the link: slirp, whose hostfwd
 * connection was reset while an older connection of the same ports still
 * sits in its TIME-WAIT, answers lwIP's segments from that old control
 * block for the rest of its 2 MSL, and the storm of empty ACKs starved
 * every other connection. As Linux (tcp_invalid_ratelimit, RFC 5961 §7),
 * such an empty segment (no data, SYN, FIN or RST: a data segment is no
 * part of an ACK loop, and its ACK is what recovers a lost one) reaches
 * lwIP only when the connection's last one did more than the interval
 * ago; the others are dropped and counted as TCP drops.
 */
#include <flint/string.h>

#include "lwip/priv/tcp_priv.h"
#include "lwip/stats.h"
#include "lwip/sys.h"
#include "lwip/tcp.h"
#include "csum.h"
#include "net_priv.h"

#define OOW_ACK_INTERVAL_MS 500		/* Linux's tcp_invalid_ratelimit default */

static bool ext_id_valid;
static uint8_t ext_id;			/* the pcb's ext arg: when one last passed */

static bool synchronized(enum tcp_state st)
{
	return st >= ESTABLISHED && st <= LAST_ACK;
}

/* What lwIP's tcp_receive answers with an ACK and nothing else. */
static bool unacceptable(const struct tcp_pcb *pcb, const struct frame_tcp *s)
{
	if ((s->flags & FRAME_TCP_ACK) && TCP_SEQ_GT(s->ack, pcb->snd_nxt))
		return true;
	return !TCP_SEQ_BETWEEN(s->seq, pcb->rcv_nxt, pcb->rcv_nxt + pcb->rcv_wnd);
}

bool net_oowack_drop(const uint8_t *f, size_t len)
{
	struct frame_tcp s;
	struct tcp_pcb *pcb;
	uintptr_t now, last;

	if (!frame_tcp(f, len, len, &s) || s.data_len ||
	    (s.flags & (FRAME_TCP_SYN | FRAME_TCP_FIN | FRAME_TCP_RST)))
		return false;
	pcb = net_tcp_find(tcp_active_pcbs, s.version, s.src, s.dst, s.sport, s.dport);
	if (!pcb || !synchronized(pcb->state) || !unacceptable(pcb, &s))
		return false;
	if (!ext_id_valid) {
		ext_id = tcp_ext_arg_alloc_id();
		ext_id_valid = true;
	}
	/* 0 stands for never: the time kept is odd. */
	now = (uintptr_t)(sys_now() | 1);
	last = (uintptr_t)tcp_ext_arg_get(pcb, ext_id);
	if (last && (uint32_t)(now - last) < OOW_ACK_INTERVAL_MS) {
		TCP_STATS_INC(tcp.drop);
		return true;
	}
	tcp_ext_arg_set(pcb, ext_id, (void *)now);
	return false;
}
