/*
 * lwIP interfaces over Flint's network devices. Frames go out as the
 * pbuf chain's own pieces (the driver copies them); frames come in copied
 * into one pbuf, or a large TCP segment as pbufs over the device's own
 * buffers (lent by the driver: no copy), and are handed to lwIP under the
 * core lock on the device's receive thread, which avoids a trip through
 * lwIP's thread.
 *
 * Large segments: with NETDEV_F_TX_TSO4/6, consecutive TCP segments of
 * one flow go as one frame of up to 64 KiB (net/gso.h's rules) that the
 * device cuts up again: one descriptor chain and one host-side write
 * instead of one per segment. The batch goes when a frame that does not
 * join it comes (before that frame), when it is full, and when lwIP's
 * core lock is released (UNLOCK_TCPIP_CORE in lwipopts.h calls
 * net_netif_flush): every output runs under that lock, so a segment
 * waits no longer than the critical section that sent it. The frame is
 * the first segment's headers, copied (the batch's own), and every
 * segment's payload where it lies in lwIP's pbufs, held until the driver
 * has copied it: no copy here.
 *
 * Checksums: with NETDEV_F_TX_CSUM lwIP leaves TCP's checksum to the
 * device (we store the pseudo-header's sum, as the device expects); UDP,
 * which lwIP may fragment, keeps its software checksum. With either
 * feature lwIP's TCP check is off and we check here: frames the device
 * calls valid pass, partial ones are completed, the rest are summed. TCP
 * in IP fragments is then dropped: no TCP sender fragments (the MSS sees
 * to it) and a fragment cannot be checked alone.
 */
#include <flint/errno.h>
#include <flint/heap.h>
#include <flint/netdev.h>
#include <flint/page_alloc.h>
#include <flint/string.h>

#include "lwip/etharp.h"
#include "lwip/ethip6.h"
#include "lwip/pbuf.h"
#include "lwip/tcpip.h"
#include "netif/ethernet.h"
#include "bigseg.h"
#include "csum.h"
#include "gso.h"
#include "ipfrag.h"
#include "net_priv.h"

/* Frames are dropped (counted as out of memory; the sender sends again)
 * while fewer pages than this are free: data received and not yet read
 * may not take the last of the memory, which the programs need to read it
 * (every read bounces through a kernel page) and the kernel to go on. */
#define RX_RESERVE_PAGES 64

struct net_link {
	struct netif netif;
	struct netdev *dev;
	bool tx_offload;		/* the device sums TCP */
	bool check_tcp;			/* lwIP's TCP check is off: ours */
	/* With TSO: segments held back, merged. batch.buf has the first
	 * one's headers; the payload stays in the segments' pbufs, held
	 * (pbuf_ref) until the batch goes. A held segment is one lwIP
	 * does not send again or change meanwhile (tcp_output_segment_busy
	 * sees the reference), and its data is never rewritten. */
	struct gso_batch batch;
	struct netdev_seg segs[NETDEV_MAX_SEGS];	/* batch.buf's headers, then the payload */
	unsigned nsegs;
	struct pbuf *held[NETDEV_MAX_SEGS - 1];
	unsigned nheld;
};

static struct net_link links[NETDEV_MAX];
static unsigned nlinks;

/* The batch to the device; under the core lock. A failure is counted
 * (the device's drops, lwIP's link drops): TCP sends the data again. */
static void flush(struct net_link *l)
{
	struct netdev_tx tx = { .segs = l->segs, .nsegs = l->nsegs };

	if (!l->batch.len)
		return;
	gso_finish(&l->batch, &tx);
	tx.csum_partial = csum_tx_tcp(l->batch.buf, l->segs[0].len, tx.len, &tx.csum_start,
				      &tx.csum_offset);
	if (netdev_transmit(l->dev, &tx))
		LINK_STATS_INC(link.drop);
	else
		LINK_STATS_INC(link.xmit);
	for (unsigned i = 0; i < l->nheld; i++)
		pbuf_free(l->held[i]);
	l->nsegs = l->nheld = 0;
}

void net_netif_flush(void)
{
	for (unsigned i = 0; i < nlinks; i++)
		flush(&links[i]);
}

/* The len bytes of p from off on as the batch's next pieces, p held.
 * False, with nothing added, when they do not fit. */
static bool hold_payload(struct net_link *l, struct pbuf *p, size_t off, size_t len)
{
	unsigned n = l->nsegs;

	for (struct pbuf *q = p; q && len; q = q->next) {
		size_t take;

		if (off >= q->len) {
			off -= q->len;
			continue;
		}
		if (n == NETDEV_MAX_SEGS)
			return false;
		take = q->len - off < len ? q->len - off : len;
		l->segs[n++] = (struct netdev_seg){ (uint8_t *)q->payload + off, take };
		len -= take;
		off = 0;
	}
	if (len)
		return false;
	l->nsegs = n;
	pbuf_ref(p);
	l->held[l->nheld++] = p;
	return true;
}

/* A frame into the batch, or sent after it; lwIP's TCP builds its
 * headers in the first piece. unit: a large segment's (net/bigseg.h).
 * False: the caller sends it as it is (the batch has gone). */
static bool batched(struct net_link *l, struct pbuf *p, size_t unit)
{
	struct gso_seg s;

	switch (gso_classify(&l->batch, p->payload, p->len, p->tot_len, unit, &s)) {
	case GSO_JOIN:
		if (hold_payload(l, p, s.hlen, s.payload)) {
			gso_add(&l->batch, &s);
			break;
		}
		/* Out of pieces: it starts the next batch. */
		/* fall through */
	case GSO_START:
		flush(l);
		l->segs[0] = (struct netdev_seg){ l->batch.buf, s.hlen };
		l->nsegs = 1;
		if (!hold_payload(l, p, s.hlen, s.payload)) {
			l->nsegs = 0;
			return false;
		}
		memcpy(l->batch.buf, p->payload, s.hlen);
		gso_start(&l->batch, &s);
		break;
	case GSO_ALONE:
		flush(l);
		return false;
	}
	if (gso_full(&l->batch))
		flush(l);
	return true;
}

static int send_fragment(void *arg, const struct netdev_tx *tx)
{
	struct net_link *l = arg;
	int r = netdev_transmit(l->dev, tx);

	if (!r)
		l->dev->stats.tx_ip_frags++;
	return r;
}

/*
 * A frame longer than the MTU is a large TCP segment (net/bigseg.h),
 * which the device cuts, or an IPv4 datagram, which is cut here (lwIP
 * fragments IPv6 itself). Large segments always merge (they are data
 * segments of a synchronized IPv4 connection, and lwIP sets no other
 * flag): the frame that is not merged is cut as a datagram.
 */
static err_t link_output(struct netif *n, struct pbuf *p)
{
	struct net_link *l = n->state;
	struct netdev_seg segs[NETDEV_MAX_SEGS];
	struct netdev_tx tx = { .segs = segs, .len = p->tot_len };
	bool over = n->mtu && p->tot_len > NETDEV_ETH_HLEN + n->mtu;
	size_t unit = over && l->batch.tso4 ? net_bigseg_unit(p->payload, p->len, p->tot_len) : 0;
	uint8_t *flat = NULL;
	int r;

	if (l->batch.buf && (!over || unit) && batched(l, p, unit)) {
		if (unit)
			l->dev->stats.tx_big_segs++;
		return ERR_OK;
	}
	/* lwIP's TCP builds its headers in the first piece. */
	if (!over && l->tx_offload &&
	    csum_tx_tcp(p->payload, p->len, p->tot_len, &tx.csum_start, &tx.csum_offset))
		tx.csum_partial = true;
	for (struct pbuf *q = p; q; q = q->next) {
		if (!q->len)
			continue;
		if (tx.nsegs == NETDEV_MAX_SEGS) {
			/* Too many pieces: one flat copy instead. */
			flat = kmalloc(p->tot_len);
			if (!flat) {
				LINK_STATS_INC(link.memerr);
				return ERR_MEM;
			}
			pbuf_copy_partial(p, flat, p->tot_len, 0);
			segs[0] = (struct netdev_seg){ flat, p->tot_len };
			tx.nsegs = 1;
			break;
		}
		segs[tx.nsegs++] = (struct netdev_seg){ q->payload, q->len };
	}
	r = over ? ipfrag_send(&tx, n->mtu, send_fragment, l) : netdev_transmit(l->dev, &tx);
	kfree(flat);
	if (r) {
		LINK_STATS_INC(link.drop);
		return r == -ENOBUFS ? ERR_MEM : ERR_IF;
	}
	LINK_STATS_INC(link.xmit);
	return ERR_OK;
}

/* A loaned receive buffer as an lwIP pbuf, kept in the block's first
 * NETDEV_RX_LOAN_ROOM bytes: freeing the pbuf frees the block. */
_Static_assert(sizeof(struct pbuf_custom) <= NETDEV_RX_LOAN_ROOM, "loan room");

static void loan_free(struct pbuf *p)
{
	kfree(p);
}

/* The frame's pieces as a chain of pbufs over the loaned blocks, linked
 * from the last, each with the length of the rest. */
static struct pbuf *loan_chain(const struct netdev_rx *rx)
{
	struct pbuf *head = NULL;

	for (unsigned i = rx->nsegs; i-- > 0;) {
		struct pbuf_custom *pc = rx->loan[i];
		struct pbuf *p;

		pc->custom_free_function = loan_free;
		p = pbuf_alloced_custom(PBUF_RAW, (u16_t)rx->segs[i].len, PBUF_REF, pc,
					(void *)rx->segs[i].data, (u16_t)rx->segs[i].len);
		if (head) {
			p->next = head;
			p->tot_len = (u16_t)(p->len + head->tot_len);
		}
		head = p;
	}
	return head;
}

/* The frame copied into one pbuf that has passed the checksum checks,
 * or NULL (counted). */
static struct pbuf *copy_frame(struct netdev *dev, const struct netdev_rx *rx,
			       const struct net_link *l)
{
	struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)rx->len, PBUF_RAM);
	uint8_t *f;
	size_t at = 0;

	if (!p) {
		dev->stats.drops[NETDEV_DROP_RX_NOMEM]++;
		return NULL;
	}
	f = p->payload;
	for (unsigned i = 0; i < rx->nsegs && at < rx->len; i++) {
		size_t n = rx->segs[i].len < rx->len - at ? rx->segs[i].len : rx->len - at;

		memcpy(f + at, rx->segs[i].data, n);
		at += n;
	}
	if (at != rx->len) {
		pbuf_free(p);
		dev->stats.drops[NETDEV_DROP_RX_MALFORMED]++;
		return NULL;
	}
	if (!csum_rx(f, rx->len, rx->csum, rx->csum_start, rx->csum_offset, l->check_tcp)) {
		pbuf_free(p);
		dev->stats.drops[NETDEV_DROP_RX_CSUM]++;
		return NULL;
	}
	return p;
}

/*
 * The device's receive thread: one frame into lwIP. A TCP segment in
 * several loaned pieces whose checksum needs nothing from us (partial,
 * where lwIP does not check TCP) goes up as the pieces themselves; any
 * other frame is copied into one pbuf. Returns whether the loan was kept.
 */
static bool link_receive(struct netdev *dev, const struct netdev_rx *rx, void *arg)
{
	struct net_link *l = arg;
	const uint8_t *f = rx->segs[0].data;
	size_t flat = rx->segs[0].len;	/* bytes of the frame in one piece at f */
	struct pbuf *p = NULL;
	bool kept;

	if (rx->len < NETDEV_ETH_HLEN || rx->len > 0xffff || flat > rx->len) {
		dev->stats.drops[NETDEV_DROP_RX_MALFORMED]++;
		return false;
	}
	if (page_free_count() < RX_RESERVE_PAGES) {
		dev->stats.drops[NETDEV_DROP_RX_NOMEM]++;
		return false;
	}
	if (rx->loan && rx->csum == NETDEV_CSUM_PARTIAL && l->check_tcp &&
	    csum_rx_tcp_partial(f, flat, rx->len, rx->csum_start, rx->csum_offset))
		p = loan_chain(rx);
	kept = p != NULL;
	if (!p) {
		p = copy_frame(dev, rx, l);
		if (!p)
			return false;
		f = p->payload;
		flat = rx->len;
	}
	LOCK_TCPIP_CORE();
	/* Both look at headers only: SYNs and empty ACKs, never loaned. */
	net_timewait_syn(f, flat);
	if (net_oowack_drop(f, flat))
		pbuf_free(p);
	else if (l->netif.input(p, &l->netif) != ERR_OK)
		pbuf_free(p);
	UNLOCK_TCPIP_CORE();
	return kept;
}

static err_t link_init(struct netif *n)
{
	struct net_link *l = n->state;
	struct netdev *dev = l->dev;

	n->name[0] = 'e';
	n->name[1] = 't';
	n->output = etharp_output;
	n->output_ip6 = ethip6_output;
	n->linkoutput = link_output;
	n->mtu = dev->mtu ? dev->mtu : NETDEV_MTU_DEFAULT;
	n->mtu6 = n->mtu;
	n->hwaddr_len = ETH_HWADDR_LEN;
	memcpy(n->hwaddr, dev->mac, ETH_HWADDR_LEN);
	n->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET |
		   NETIF_FLAG_IGMP | NETIF_FLAG_MLD6;
	l->tx_offload = dev->features & NETDEV_F_TX_CSUM;
	l->check_tcp = dev->features & (NETDEV_F_TX_CSUM | NETDEV_F_RX_CSUM);
	if (l->tx_offload)
		NETIF_SET_CHECKSUM_CTRL(n, NETIF_CHECKSUM_ENABLE_ALL & ~NETIF_CHECKSUM_GEN_TCP);
	if (l->check_tcp)
		NETIF_SET_CHECKSUM_CTRL(n, n->chksum_flags & ~NETIF_CHECKSUM_CHECK_TCP);
	/* TSO comes with the device's TCP checksum (driver's settle). */
	l->batch.tso4 = l->tx_offload && (dev->features & NETDEV_F_TX_TSO4);
	l->batch.tso6 = l->tx_offload && (dev->features & NETDEV_F_TX_TSO6);
	if (l->batch.tso4 || l->batch.tso6) {
		l->batch.buf = kmalloc(GSO_HDR_MAX);
		if (!l->batch.buf)
			return ERR_MEM;
	}
	return ERR_OK;
}

struct netif *net_netif_attach(struct netdev *dev)
{
	struct net_link *l;

	if (nlinks == NETDEV_MAX)
		return NULL;
	l = &links[nlinks];
	l->dev = dev;
	if (!netif_add(&l->netif, NULL, NULL, NULL, l, link_init, ethernet_input)) {
		kfree(l->batch.buf);
		l->batch.buf = NULL;
		return NULL;
	}
	nlinks++;
	netif_create_ip6_linklocal_address(&l->netif, 1);
	netif_set_ip6_autoconfig_enabled(&l->netif, 1);
	netif_set_up(&l->netif);
	if (dev->link_up)
		netif_set_link_up(&l->netif);
	netdev_set_receiver(dev, link_receive, l);
	return &l->netif;
}

bool net_netif_tso4(const struct netif *n)
{
	return n->linkoutput == link_output && ((struct net_link *)n->state)->batch.tso4;
}

struct netdev *net_netif_dev(const struct netif *n)
{
	return n->linkoutput == link_output ? ((struct net_link *)n->state)->dev : NULL;
}

const char *net_netif_name(const struct netif *n)
{
	struct netdev *dev = net_netif_dev(n);

	return dev ? dev->name : "lo";
}
