/*
 * The rules for merging TCP segments into one frame for the device to
 * segment (net/gso.h): Ethernet (IEEE 802.3), IPv4 (RFC 791), IPv6 (RFC
 * 8200), TCP (RFC 9293 §3.1). Every field is checked against the frame's
 * length before use.
 */
#include <flint/string.h>

#include "csum.h"
#include "gso.h"

#define IPV4_HLEN 20			/* RFC 791 §3.1: without options */
#define IPV4_TOTLEN_OFF 2
#define IPV4_FRAG_OFF 6			/* flags and fragment offset */
#define IPV4_CSUM_OFF 10
#define IPV6_HLEN 40			/* RFC 8200 §3 */
#define IPV6_PAYLEN_OFF 4
#define IPV6_NEXT_OFF 6
#define TCP_SEQ_OFF 4
#define TCP_DOFF_OFF 12			/* data offset: the header's length in words */
#define TCP_FLAGS_OFF 13
#define TCP_CSUM_OFF 16
#define TCP_MIN_HLEN 20
#define TCP_FLAG_FIN 0x01
#define TCP_FLAG_PSH 0x08
#define TCP_FLAG_ACK 0x10
/* Every control bit but ACK, PSH and FIN (SYN, RST, URG, ECE, CWR). */
#define TCP_FLAGS_OTHER 0xe6

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Where the TCP header starts in a frame of the version. */
static unsigned tcp_off(unsigned version)
{
	return NETDEV_ETH_HLEN + (version == 4 ? IPV4_HLEN : IPV6_HLEN);
}

/* A TCP data segment that may be merged (IPv4 without options, IPv6
 * without extension headers, not a fragment): fills *s. */
static bool mergeable(const uint8_t *f, size_t avail, size_t len, size_t unit,
		      struct gso_seg *s)
{
	size_t off, tcp_len, thlen;
	const uint8_t *tcp;
	bool frag;

	if (len > GSO_FRAME_MAX ||
	    !frame_find_tcp(f, avail, len, &s->version, &off, &tcp_len, &frag) || frag ||
	    off != tcp_off(s->version))
		return false;
	tcp = f + off;
	thlen = (size_t)(tcp[TCP_DOFF_OFF] >> 4) * 4;
	s->hlen = (unsigned)(off + thlen);
	if (thlen < TCP_MIN_HLEN || s->hlen > avail || tcp_len <= thlen)
		return false;
	if ((tcp[TCP_FLAGS_OFF] & TCP_FLAGS_OTHER) || !(tcp[TCP_FLAGS_OFF] & TCP_FLAG_ACK))
		return false;
	s->payload = tcp_len - thlen;
	s->seq = get32(tcp + TCP_SEQ_OFF);
	s->flags = tcp[TCP_FLAGS_OFF] & (TCP_FLAG_PSH | TCP_FLAG_FIN);
	s->unit = unit;
	return true;
}

/* Whether the headers (hlen bytes at f) equal the batch's, but for the
 * fields every segment has its own. */
static bool same_headers(const struct gso_batch *b, const uint8_t *f)
{
	unsigned ip = NETDEV_ETH_HLEN, tcp = tcp_off(b->version);
	unsigned ranges[6][2], n = 0;	/* [from, to) that must match */

	if (b->version == 4) {
		ranges[n][0] = 0;				/* Ethernet, version, TOS */
		ranges[n++][1] = ip + IPV4_TOTLEN_OFF;
		ranges[n][0] = ip + IPV4_FRAG_OFF;		/* flags, TTL, protocol */
		ranges[n++][1] = ip + IPV4_CSUM_OFF;
		ranges[n][0] = ip + IPV4_CSUM_OFF + 2;		/* addresses, ports */
		ranges[n++][1] = tcp + TCP_SEQ_OFF;
	} else {
		ranges[n][0] = 0;				/* Ethernet, class, flow */
		ranges[n++][1] = ip + IPV6_PAYLEN_OFF;
		ranges[n][0] = ip + IPV6_NEXT_OFF;		/* next, hops, addresses, ports */
		ranges[n++][1] = tcp + TCP_SEQ_OFF;
	}
	ranges[n][0] = tcp + TCP_SEQ_OFF + 4;			/* ack, data offset */
	ranges[n++][1] = tcp + TCP_FLAGS_OFF;
	ranges[n][0] = tcp + TCP_FLAGS_OFF + 1;			/* window */
	ranges[n++][1] = tcp + TCP_CSUM_OFF;
	ranges[n][0] = tcp + TCP_CSUM_OFF + 2;			/* urgent pointer, options */
	ranges[n++][1] = b->hlen;
	for (unsigned i = 0; i < n; i++)
		if (memcmp(f + ranges[i][0], b->buf + ranges[i][0], ranges[i][1] - ranges[i][0]))
			return false;
	/* ACK, and perhaps PSH, on both (mergeable saw to it). */
	return true;
}

enum gso_verdict gso_classify(const struct gso_batch *b, const uint8_t *f, size_t avail,
			      size_t len, size_t unit, struct gso_seg *s)
{
	if (!mergeable(f, avail, len, unit, s) || !(s->version == 4 ? b->tso4 : b->tso6))
		return GSO_ALONE;
	if (b->len && !b->ended && s->version == b->version && s->hlen == b->hlen &&
	    s->seq == b->next_seq && (unit ? unit == b->gso_size : s->payload <= b->gso_size) &&
	    b->len - NETDEV_ETH_HLEN + s->payload <= NETDEV_GSO_IP_MAX && same_headers(b, f))
		return GSO_JOIN;
	return GSO_START;
}

/* A segment whose payload is not whole device segments, or that carries
 * FIN, is the last of its batch: what follows would be cut elsewhere
 * than the sender's segments, or come after the end. */
static bool ends(const struct gso_batch *b, const struct gso_seg *s)
{
	return (s->flags & TCP_FLAG_FIN) || s->payload % b->gso_size;
}

void gso_start(struct gso_batch *b, const struct gso_seg *s)
{
	b->len = s->hlen + s->payload;
	b->segs = 1;
	b->version = s->version;
	b->hlen = s->hlen;
	b->gso_size = (uint16_t)(s->unit ? s->unit : s->payload);
	b->next_seq = s->seq + (uint32_t)s->payload;
	b->ended = ends(b, s);
}

void gso_add(struct gso_batch *b, const struct gso_seg *s)
{
	b->len += s->payload;
	b->segs++;
	b->next_seq += (uint32_t)s->payload;
	b->ended = ends(b, s);
	/* PSH and FIN go on the frame: the device leaves them on the last
	 * segment. */
	b->buf[tcp_off(b->version) + TCP_FLAGS_OFF] |= s->flags;
}

bool gso_full(const struct gso_batch *b)
{
	return b->ended || b->len - NETDEV_ETH_HLEN + b->gso_size > NETDEV_GSO_IP_MAX;
}

void gso_finish(struct gso_batch *b, struct netdev_tx *tx)
{
	uint8_t *ip = b->buf + NETDEV_ETH_HLEN;

	tx->len = b->len;
	tx->gso_size = 0;
	if (b->len - b->hlen > b->gso_size) {
		if (b->version == 4) {
			put16(ip + IPV4_TOTLEN_OFF, (unsigned)(b->len - NETDEV_ETH_HLEN));
			put16(ip + IPV4_CSUM_OFF, csum_ipv4_header(ip));
			tx->gso_type = NETDEV_GSO_TCPV4;
		} else {
			put16(ip + IPV6_PAYLEN_OFF, (unsigned)(b->len - NETDEV_ETH_HLEN - IPV6_HLEN));
			tx->gso_type = NETDEV_GSO_TCPV6;
		}
		tx->gso_size = b->gso_size;
		tx->gso_hdr_len = (uint16_t)b->hlen;
	}
	b->len = 0;
}
