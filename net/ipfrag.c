/*
 * IPv4 fragmentation in the link layer (net/ipfrag.h): RFC 791 §2.3 and
 * §3.2's rules. Every fragment but the last carries a multiple of 8 data
 * bytes and More Fragments; each has the packet's header with its own
 * length, offset and checksum. A packet that is itself a fragment keeps
 * its offset and its More Fragments bit on the last piece.
 */
#include <flint/errno.h>
#include <flint/string.h>

#include "csum.h"
#include "ipfrag.h"

#define ETH_TYPE_OFF 12
#define ETH_TYPE_IPV4 0x0800
#define IPV4_HLEN 20			/* RFC 791 §3.1: without options */
#define IPV4_TOTLEN_OFF 2
#define IPV4_FRAG_OFF 6			/* flags and fragment offset */
#define IPV4_CSUM_OFF 10
#define IPV4_DF 0x4000
#define IPV4_MF 0x2000
#define IPV4_OFFSET_MASK 0x1fff
#define FRAG_UNIT 8			/* offsets count 8-byte units */

static unsigned get16(const uint8_t *p)
{
	return (unsigned)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* The next n data bytes of the frame as pieces at out (room for max),
 * from piece *at, byte *off on: how many pieces, 0 if they do not fit. */
static unsigned slices(const struct netdev_tx *tx, unsigned *at, size_t *off, size_t n,
		       struct netdev_seg *out, unsigned max)
{
	unsigned k = 0;

	while (n) {
		size_t avail, take;

		if (*at == tx->nsegs)
			return 0;
		avail = tx->segs[*at].len - *off;
		if (!avail) {
			(*at)++;
			*off = 0;
			continue;
		}
		if (k == max)
			return 0;
		take = avail < n ? avail : n;
		out[k++] = (struct netdev_seg){ (const uint8_t *)tx->segs[*at].data + *off, take };
		*off += take;
		n -= take;
	}
	return k;
}

int ipfrag_send(const struct netdev_tx *tx, unsigned mtu, ipfrag_emit emit, void *arg)
{
	struct netdev_seg out[NETDEV_MAX_SEGS];
	uint8_t hdr[IPFRAG_HDR_MAX], *ip = hdr + NETDEV_ETH_HLEN;
	const uint8_t *f;
	size_t total, data, chunk, off, piece_off = IPFRAG_HDR_MAX, have = 0;
	unsigned frag, base, piece = 0;

	if (tx->csum_partial || tx->gso_size || !tx->nsegs || tx->nsegs > NETDEV_MAX_SEGS ||
	    tx->segs[0].len < IPFRAG_HDR_MAX || mtu < IPV4_HLEN + FRAG_UNIT)
		return -EINVAL;
	for (unsigned i = 0; i < tx->nsegs; i++)
		have += tx->segs[i].len;
	if (have < tx->len)
		return -EINVAL;
	f = tx->segs[0].data;
	memcpy(hdr, f, IPFRAG_HDR_MAX);
	if (get16(hdr + ETH_TYPE_OFF) != ETH_TYPE_IPV4 || ip[0] >> 4 != 4 || (ip[0] & 0xf) < 5)
		return -EINVAL;
	if ((ip[0] & 0xf) != 5)
		return -EMSGSIZE;
	total = get16(ip + IPV4_TOTLEN_OFF);
	if (total < IPV4_HLEN || NETDEV_ETH_HLEN + total > tx->len)
		return -EINVAL;
	frag = get16(ip + IPV4_FRAG_OFF);
	if (frag & IPV4_DF)
		return -EMSGSIZE;
	base = frag & IPV4_OFFSET_MASK;
	data = total - IPV4_HLEN;
	chunk = (mtu - IPV4_HLEN) / FRAG_UNIT * FRAG_UNIT;
	for (off = 0; off < data;) {
		size_t n = data - off < chunk ? data - off : chunk;
		bool more = off + n < data || (frag & IPV4_MF);
		struct netdev_tx ftx = { .segs = out, .len = IPFRAG_HDR_MAX + n };
		int r;

		if (base + (off + n) / FRAG_UNIT > IPV4_OFFSET_MASK + 1)
			return -EMSGSIZE;
		ftx.nsegs = 1 + slices(tx, &piece, &piece_off, n, out + 1, NETDEV_MAX_SEGS - 1);
		if (ftx.nsegs == 1)
			return -EINVAL;
		put16(ip + IPV4_TOTLEN_OFF, (unsigned)(IPV4_HLEN + n));
		put16(ip + IPV4_FRAG_OFF, (unsigned)(base + off / FRAG_UNIT) | (more ? IPV4_MF : 0));
		put16(ip + IPV4_CSUM_OFF, csum_ipv4_header(ip));
		out[0] = (struct netdev_seg){ hdr, IPFRAG_HDR_MAX };
		r = emit(arg, &ftx);
		if (r)
			return r;
		off += n;
	}
	return 0;
}
