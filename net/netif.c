/*
 * lwIP interfaces over Flint's network devices. Frames go out as the
 * pbuf chain's own pieces (the driver copies them); frames come in copied
 * into one pbuf and are handed to lwIP under the core lock on the device's
 * receive thread, which avoids a trip through lwIP's thread.
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
#include <flint/string.h>

#include "lwip/etharp.h"
#include "lwip/ethip6.h"
#include "lwip/pbuf.h"
#include "lwip/tcpip.h"
#include "netif/ethernet.h"
#include "net_priv.h"

/* Ethernet (IEEE 802.3) and the IP headers' fields we read. */
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETH_TYPE_OFF 12
#define IPV4_MIN_HLEN 20		/* RFC 791 §3.1 */
#define IPV4_FRAG_OFF 6			/* flags and fragment offset */
#define IPV4_MF_OFFSET_MASK 0x3fff	/* more fragments, offset */
#define IPV4_PROTO_OFF 9
#define IPV4_SRC_OFF 12
#define IPV4_TOTLEN_OFF 2
#define IPV6_HLEN 40			/* RFC 8200 §3 */
#define IPV6_PAYLEN_OFF 4
#define IPV6_NEXT_OFF 6
#define IPV6_SRC_OFF 8
#define IPV6_FRAGMENT 44		/* RFC 8200 §4.5 */
#define IP_PROTO_TCP 6
#define TCP_CSUM_OFF 16			/* RFC 9293 §3.1 */
#define TCP_MIN_HLEN 20

struct net_link {
	struct netif netif;
	struct netdev *dev;
	bool tx_offload;		/* the device sums TCP */
	bool check_tcp;			/* lwIP's TCP check is off: ours */
};

static struct net_link links[NETDEV_MAX];
static unsigned nlinks;

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* The Internet checksum's (RFC 1071) running sum of n bytes, as if they
 * started at an even offset when *even (updated for what follows). */
static uint64_t sum_bytes(const uint8_t *p, size_t n, uint64_t sum, bool *even)
{
	size_t i = 0;

	if (!*even && n) {
		sum += p[i++];
		*even = true;
	}
	for (; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (i < n) {
		sum += (uint32_t)p[i] << 8;
		*even = false;
	}
	return sum;
}

static uint16_t fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* The pseudo-header's sum (RFC 9293 §3.1, RFC 8200 §8.1) of an IP packet
 * at ip whose transport part has len bytes; 0 if not IPv4 or IPv6. */
static uint64_t pseudo_sum(const uint8_t *ip, unsigned version, unsigned proto, unsigned len)
{
	bool even = true;
	uint64_t sum;

	if (version == 4)
		sum = sum_bytes(ip + IPV4_SRC_OFF, 8, 0, &even);
	else
		sum = sum_bytes(ip + IPV6_SRC_OFF, 32, 0, &even);
	return sum + proto + (len & 0xffff) + (len >> 16);
}

/* Where a frame of len bytes, whose first avail are at f, has its TCP
 * segment and how long that is: false if it is not TCP over IP, or its
 * headers are not within avail. *frag: an IP fragment. */
static bool find_tcp(const uint8_t *f, size_t avail, size_t len, unsigned *version,
		     size_t *off, size_t *tcp_len, bool *frag)
{
	const uint8_t *ip = f + NETDEV_ETH_HLEN;
	unsigned type;

	*frag = false;
	if (avail < NETDEV_ETH_HLEN + IPV4_MIN_HLEN)
		return false;
	type = get16(f + ETH_TYPE_OFF);
	if (type == ETHERTYPE_IPV4) {
		size_t hlen = (size_t)(ip[0] & 0xf) * 4, total = get16(ip + IPV4_TOTLEN_OFF);

		if (ip[0] >> 4 != 4 || hlen < IPV4_MIN_HLEN || total < hlen ||
		    NETDEV_ETH_HLEN + total > len || ip[IPV4_PROTO_OFF] != IP_PROTO_TCP)
			return false;
		*frag = get16(ip + IPV4_FRAG_OFF) & IPV4_MF_OFFSET_MASK;
		*version = 4;
		*off = NETDEV_ETH_HLEN + hlen;
		*tcp_len = total - hlen;
	} else if (type == ETHERTYPE_IPV6) {
		size_t payload;

		if (avail < NETDEV_ETH_HLEN + IPV6_HLEN || ip[0] >> 4 != 6)
			return false;
		payload = get16(ip + IPV6_PAYLEN_OFF);
		if (NETDEV_ETH_HLEN + IPV6_HLEN + payload > len)
			return false;
		if (ip[IPV6_NEXT_OFF] == IPV6_FRAGMENT) {
			*frag = true;
			return avail >= NETDEV_ETH_HLEN + IPV6_HLEN + 1 &&
			       ip[IPV6_HLEN] == IP_PROTO_TCP;
		}
		if (ip[IPV6_NEXT_OFF] != IP_PROTO_TCP)
			return false;
		*version = 6;
		*off = NETDEV_ETH_HLEN + IPV6_HLEN;
		*tcp_len = payload;
	} else {
		return false;
	}
	return *frag || (*tcp_len >= TCP_MIN_HLEN && *off + TCP_MIN_HLEN <= avail);
}

/* A TCP segment lwIP sent without its checksum: the pseudo-header's sum
 * for the device to complete. */
static void tx_checksum(struct pbuf *p, struct netdev_tx *tx)
{
	uint8_t *f = p->payload;
	unsigned version;
	size_t off, tcp_len;
	bool frag;
	uint64_t sum;

	/* lwIP's TCP builds its headers in the first piece. */
	if (!find_tcp(f, p->len, p->tot_len, &version, &off, &tcp_len, &frag) || frag)
		return;
	sum = pseudo_sum(f + NETDEV_ETH_HLEN, version, IP_PROTO_TCP, (unsigned)tcp_len);
	f[off + TCP_CSUM_OFF] = (uint8_t)(fold(sum) >> 8);
	f[off + TCP_CSUM_OFF + 1] = (uint8_t)fold(sum);
	tx->csum_partial = true;
	tx->csum_start = (uint16_t)off;
	tx->csum_offset = TCP_CSUM_OFF;
}

static err_t link_output(struct netif *n, struct pbuf *p)
{
	struct net_link *l = n->state;
	struct netdev_seg segs[NETDEV_MAX_SEGS];
	struct netdev_tx tx = { .segs = segs, .len = p->tot_len };
	uint8_t *flat = NULL;
	int r;

	if (l->tx_offload)
		tx_checksum(p, &tx);
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
	r = netdev_transmit(l->dev, &tx);
	kfree(flat);
	if (r) {
		LINK_STATS_INC(link.drop);
		return r == -ENOBUFS ? ERR_MEM : ERR_IF;
	}
	LINK_STATS_INC(link.xmit);
	return ERR_OK;
}

/* Completes or checks a received frame's TCP checksum where lwIP does
 * not: false when the frame is to be dropped. */
static bool rx_checksum(struct net_link *l, const struct netdev_rx *rx, uint8_t *f)
{
	unsigned version;
	size_t off, tcp_len;
	bool frag, even = true;
	uint64_t sum;

	if (rx->csum == NETDEV_CSUM_PARTIAL) {
		size_t at = (size_t)rx->csum_start + rx->csum_offset;
		uint16_t c;

		if (rx->csum_start >= rx->len || at + 2 > rx->len)
			return false;
		c = (uint16_t)~fold(sum_bytes(f + rx->csum_start, rx->len - rx->csum_start, 0, &even));
		f[at] = (uint8_t)(c >> 8);
		f[at + 1] = (uint8_t)c;
		return true;
	}
	if (!l->check_tcp || rx->csum == NETDEV_CSUM_VALID ||
	    !find_tcp(f, rx->len, rx->len, &version, &off, &tcp_len, &frag))
		return true;
	if (frag)
		return false;
	sum = pseudo_sum(f + NETDEV_ETH_HLEN, version, IP_PROTO_TCP, (unsigned)tcp_len);
	return fold(sum_bytes(f + off, tcp_len, sum, &even)) == 0xffff;
}

/* The device's receive thread: one frame into lwIP. */
static void link_receive(struct netdev *dev, const struct netdev_rx *rx, void *arg)
{
	struct net_link *l = arg;
	struct pbuf *p;
	uint8_t *f;
	size_t at = 0;

	if (rx->len < NETDEV_ETH_HLEN || rx->len > 0xffff) {
		dev->stats.drops[NETDEV_DROP_RX_MALFORMED]++;
		return;
	}
	p = pbuf_alloc(PBUF_RAW, (u16_t)rx->len, PBUF_RAM);
	if (!p) {
		dev->stats.drops[NETDEV_DROP_RX_NOMEM]++;
		return;
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
		return;
	}
	if (!rx_checksum(l, rx, f)) {
		pbuf_free(p);
		dev->stats.drops[NETDEV_DROP_RX_CSUM]++;
		return;
	}
	LOCK_TCPIP_CORE();
	if (l->netif.input(p, &l->netif) != ERR_OK)
		pbuf_free(p);
	UNLOCK_TCPIP_CORE();
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
	return ERR_OK;
}

struct netif *net_netif_attach(struct netdev *dev)
{
	struct net_link *l;

	if (nlinks == NETDEV_MAX)
		return NULL;
	l = &links[nlinks];
	l->dev = dev;
	if (!netif_add(&l->netif, NULL, NULL, NULL, l, link_init, ethernet_input))
		return NULL;
	nlinks++;
	netif_create_ip6_linklocal_address(&l->netif, 1);
	netif_set_ip6_autoconfig_enabled(&l->netif, 1);
	netif_set_up(&l->netif);
	if (dev->link_up)
		netif_set_link_up(&l->netif);
	netdev_set_receiver(dev, link_receive, l);
	return &l->netif;
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
