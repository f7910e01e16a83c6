/*
 * Frame checksums for the devices' offloads: the Internet checksum
 * (RFC 1071) over Ethernet frames carrying IPv4 (RFC 791) or IPv6
 * (RFC 8200), with TCP's pseudo-header (RFC 9293 §3.1, RFC 8200 §8.1).
 * Every header field is checked against the frame's length before use.
 */
#include "csum.h"

/* Ethernet (IEEE 802.3) and the IP headers' fields read here. */
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETH_TYPE_OFF 12
#define IPV4_MIN_HLEN 20		/* RFC 791 §3.1 */
#define IPV4_FRAG_OFF 6			/* flags and fragment offset */
#define IPV4_MF_OFFSET_MASK 0x3fff	/* more fragments, offset */
#define IPV4_PROTO_OFF 9
#define IPV4_CSUM_OFF 10
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
#define TCP_SEQ_OFF 4
#define TCP_ACK_OFF 8
#define TCP_DOFF_OFF 12			/* data offset: the header's length in words */
#define TCP_FLAGS_OFF 13
#define TCP_FLAG_RST 0x04
#define TCP_FLAG_SYN 0x02
#define TCP_FLAG_ACK 0x10
#define TCPOPT_END 0			/* RFC 9293 §3.2 */
#define TCPOPT_NOP 1
#define TCPOPT_TS 8			/* RFC 7323 §3.2 */
#define TCPOPT_TS_LEN 10

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
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

bool frame_find_tcp(const uint8_t *f, size_t avail, size_t len, unsigned *version,
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

bool csum_tx_tcp(uint8_t *f, size_t avail, size_t len, uint16_t *start, uint16_t *offset)
{
	unsigned version;
	size_t off, tcp_len;
	bool frag;
	uint16_t sum;

	if (!frame_find_tcp(f, avail, len, &version, &off, &tcp_len, &frag) || frag)
		return false;
	sum = fold(pseudo_sum(f + NETDEV_ETH_HLEN, version, IP_PROTO_TCP, (unsigned)tcp_len));
	f[off + TCP_CSUM_OFF] = (uint8_t)(sum >> 8);
	f[off + TCP_CSUM_OFF + 1] = (uint8_t)sum;
	*start = (uint16_t)off;
	*offset = TCP_CSUM_OFF;
	return true;
}

uint16_t csum_ipv4_header(const uint8_t *ip)
{
	bool even = true;
	uint64_t sum = sum_bytes(ip, IPV4_CSUM_OFF, 0, &even);

	sum = sum_bytes(ip + IPV4_CSUM_OFF + 2, IPV4_MIN_HLEN - IPV4_CSUM_OFF - 2, sum, &even);
	return (uint16_t)~fold(sum);
}

bool csum_rx_tcp_partial(const uint8_t *f, size_t avail, size_t len, uint16_t start,
			 uint16_t offset)
{
	unsigned version;
	size_t off, tcp_len;
	bool frag;

	return (size_t)start + offset + 2 <= len && offset == TCP_CSUM_OFF &&
	       frame_find_tcp(f, avail, len, &version, &off, &tcp_len, &frag) && !frag &&
	       off == start;
}

bool csum_rx(uint8_t *f, size_t len, enum netdev_csum state, uint16_t start,
	     uint16_t offset, bool check_tcp)
{
	unsigned version;
	size_t off, tcp_len;
	bool frag, even = true;
	uint64_t sum;

	if (state == NETDEV_CSUM_PARTIAL) {
		size_t at = (size_t)start + offset;
		uint16_t c;

		if (start >= len || at + 2 > len)
			return false;
		/* TCP's partial checksum, where lwIP does not check TCP, stays:
		 * the sender is the host itself (a tap's or a GSO frame's), whose
		 * data no wire corrupted, and summing 64 KiB costs as much as
		 * copying it. */
		if (check_tcp && csum_rx_tcp_partial(f, len, len, start, offset))
			return true;
		c = (uint16_t)~fold(sum_bytes(f + start, len - start, 0, &even));
		f[at] = (uint8_t)(c >> 8);
		f[at + 1] = (uint8_t)c;
		return true;
	}
	if (!check_tcp || state == NETDEV_CSUM_VALID ||
	    !frame_find_tcp(f, len, len, &version, &off, &tcp_len, &frag))
		return true;
	if (frag)
		return false;
	sum = pseudo_sum(f + NETDEV_ETH_HLEN, version, IP_PROTO_TCP, (unsigned)tcp_len);
	return fold(sum_bytes(f + off, tcp_len, sum, &even)) == 0xffff;
}

/* A TCP segment's header in a frame of len bytes, not a fragment, the
 * whole header within the avail at f: fills *s and returns where the
 * header is and how long, or NULL. */
static const uint8_t *tcp_header(const uint8_t *f, size_t avail, size_t len,
				 struct frame_tcp *s, size_t *hlen)
{
	size_t off, tcp_len;
	const uint8_t *tcp;
	bool frag;

	if (!frame_find_tcp(f, avail, len, &s->version, &off, &tcp_len, &frag) || frag)
		return NULL;
	tcp = f + off;
	*hlen = (size_t)(tcp[TCP_DOFF_OFF] >> 4) * 4;
	if (*hlen < TCP_MIN_HLEN || *hlen > tcp_len || off + *hlen > avail)
		return NULL;
	s->src = f + NETDEV_ETH_HLEN + (s->version == 4 ? IPV4_SRC_OFF : IPV6_SRC_OFF);
	s->dst = s->src + (s->version == 4 ? 4 : 16);
	s->sport = get16(tcp);
	s->dport = get16(tcp + 2);
	s->seq = get32(tcp + TCP_SEQ_OFF);
	s->ack = get32(tcp + TCP_ACK_OFF);
	s->flags = tcp[TCP_FLAGS_OFF];
	s->data_len = tcp_len - *hlen;
	s->hlen = *hlen;
	return tcp;
}

bool frame_tcp_syn(const uint8_t *f, size_t len, struct frame_syn *s)
{
	struct frame_tcp t;
	size_t hlen;
	const uint8_t *tcp = tcp_header(f, len, len, &t, &hlen);

	if (!tcp || (t.flags & (TCP_FLAG_SYN | TCP_FLAG_ACK | TCP_FLAG_RST)) != TCP_FLAG_SYN)
		return false;
	*s = (struct frame_syn){ .version = t.version, .src = t.src, .dst = t.dst,
				 .sport = t.sport, .dport = t.dport, .seq = t.seq };
	for (size_t i = TCP_MIN_HLEN; i < hlen && tcp[i] != TCPOPT_END;) {
		if (tcp[i] == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= hlen || tcp[i + 1] < 2 || i + tcp[i + 1] > hlen)
			break;
		if (tcp[i] == TCPOPT_TS && tcp[i + 1] == TCPOPT_TS_LEN) {
			s->has_ts = true;
			s->tsval = get32(tcp + i + 2);
		}
		i += tcp[i + 1];
	}
	return true;
}

bool frame_tcp(const uint8_t *f, size_t avail, size_t len, struct frame_tcp *s)
{
	size_t hlen;

	return tcp_header(f, avail, len, s, &hlen) != NULL;
}
