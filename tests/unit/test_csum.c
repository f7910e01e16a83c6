/* net/csum.c: the TCP pseudo-header's sum for transmit offload, partial
 * checksums completed, TCP checked on receive, over IPv4 and IPv6 frames,
 * and frames whose headers lie about their lengths. */
#include <stdlib.h>
#include <string.h>

#include "../../net/csum.h"
#include "check.h"

#define ETH 14
#define FRAME_MAX 1600

static uint8_t frame[FRAME_MAX];

/* A plain RFC 1071 sum of a buffer, for reference. */
static uint32_t ref_sum(const uint8_t *p, size_t n, uint32_t sum)
{
	for (size_t i = 0; i < n; i += 2)
		sum += (uint32_t)p[i] << 8 | (i + 1 < n ? p[i + 1] : 0);
	return sum;
}

static uint16_t ref_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* Builds an Ethernet frame with a TCP segment of payload bytes over IPv4
 * or IPv6; returns its length and where the TCP header starts. */
static size_t build(int version, size_t payload, size_t *tcp_off, uint64_t *seed)
{
	size_t ip_len = version == 4 ? 20 : 40, tcp_len = 20 + payload;

	memset(frame, 0, sizeof(frame));
	frame[12] = version == 4 ? 0x08 : 0x86;
	frame[13] = version == 4 ? 0x00 : 0xdd;
	uint8_t *ip = frame + ETH;
	if (version == 4) {
		ip[0] = 0x45;
		ip[2] = (uint8_t)((ip_len + tcp_len) >> 8);
		ip[3] = (uint8_t)(ip_len + tcp_len);
		ip[8] = 64;
		ip[9] = 6;
		for (int i = 12; i < 20; i++)
			ip[i] = (uint8_t)check_rand(seed);
	} else {
		ip[0] = 0x60;
		ip[4] = (uint8_t)(tcp_len >> 8);
		ip[5] = (uint8_t)tcp_len;
		ip[6] = 6;
		ip[7] = 64;
		for (int i = 8; i < 40; i++)
			ip[i] = (uint8_t)check_rand(seed);
	}
	*tcp_off = ETH + ip_len;
	uint8_t *tcp = frame + *tcp_off;
	for (size_t i = 0; i < tcp_len; i++)
		tcp[i] = (uint8_t)check_rand(seed);
	tcp[12] = 0x50;
	tcp[16] = tcp[17] = 0;
	return *tcp_off + tcp_len;
}

/* The segment's correct checksum, from scratch. */
static uint16_t ref_tcp_csum(int version, size_t tcp_off, size_t len)
{
	const uint8_t *ip = frame + ETH;
	uint32_t sum = version == 4 ? ref_sum(ip + 12, 8, 0) : ref_sum(ip + 8, 32, 0);
	uint8_t saved[2] = { frame[tcp_off + 16], frame[tcp_off + 17] };
	uint16_t c;

	sum += 6 + (uint32_t)(len - tcp_off);
	frame[tcp_off + 16] = frame[tcp_off + 17] = 0;
	c = (uint16_t)~ref_fold(ref_sum(frame + tcp_off, len - tcp_off, sum));
	frame[tcp_off + 16] = saved[0];
	frame[tcp_off + 17] = saved[1];
	return c;
}

static void set_csum(size_t tcp_off, uint16_t c)
{
	frame[tcp_off + 16] = (uint8_t)(c >> 8);
	frame[tcp_off + 17] = (uint8_t)c;
}

static uint16_t get_csum(size_t tcp_off)
{
	return (uint16_t)(frame[tcp_off + 16] << 8 | frame[tcp_off + 17]);
}

/* What a device does with a partial checksum. */
static void device_complete(uint16_t start, uint16_t offset, size_t len)
{
	uint16_t c = (uint16_t)~ref_fold(ref_sum(frame + start, len - start, 0));

	frame[start + offset] = (uint8_t)(c >> 8);
	frame[start + offset + 1] = (uint8_t)c;
}

TEST(tx_partial_completed_by_device_is_right)
{
	uint64_t seed = 1;

	for (int version = 4; version <= 6; version += 2)
		for (size_t payload = 0; payload < 1461; payload += 97) {
			size_t off, len = build(version, payload, &off, &seed);
			uint16_t start, offset, want = ref_tcp_csum(version, off, len);

			CHECK(csum_tx_tcp(frame, len, len, &start, &offset));
			CHECK_EQ(start, off);
			CHECK_EQ(offset, 16);
			device_complete(start, offset, len);
			CHECKF(get_csum(off) == want, "IPv%d payload %zu: %#x, expected %#x",
			       version, payload, get_csum(off), want);
		}
}

TEST(tx_only_tcp_with_headers_at_hand)
{
	uint64_t seed = 2;
	size_t off, len = build(4, 100, &off, &seed);
	uint16_t start, offset;

	CHECK(!csum_tx_tcp(frame, off + 10, len, &start, &offset));	/* header split */
	frame[ETH + 9] = 17;						/* UDP */
	CHECK(!csum_tx_tcp(frame, len, len, &start, &offset));
	frame[ETH + 9] = 6;
	frame[ETH + 6] = 0x20;						/* more fragments */
	CHECK(!csum_tx_tcp(frame, len, len, &start, &offset));
	frame[ETH + 6] = 0;
	frame[12] = 0x08;
	frame[13] = 0x06;						/* ARP */
	CHECK(!csum_tx_tcp(frame, len, len, &start, &offset));
}

TEST(rx_checks_tcp)
{
	uint64_t seed = 3;

	for (int version = 4; version <= 6; version += 2) {
		size_t off, len = build(version, 333, &off, &seed);

		set_csum(off, ref_tcp_csum(version, off, len));
		CHECK(csum_rx(frame, len, NETDEV_CSUM_NONE, 0, 0, true));
		frame[len - 1] ^= 0x40;
		CHECK(!csum_rx(frame, len, NETDEV_CSUM_NONE, 0, 0, true));
		/* What the device vouches for, or lwIP checks, passes here. */
		CHECK(csum_rx(frame, len, NETDEV_CSUM_VALID, 0, 0, true));
		CHECK(csum_rx(frame, len, NETDEV_CSUM_NONE, 0, 0, false));
	}
}

TEST(rx_completes_partial)
{
	uint64_t seed = 4;
	size_t off, len = build(6, 777, &off, &seed);
	uint16_t start, offset, want = ref_tcp_csum(6, off, len);

	CHECK(csum_tx_tcp(frame, len, len, &start, &offset));	/* the pseudo sum in place */
	/* Where lwIP does not check TCP, TCP's partial sum is left alone. */
	CHECK(csum_rx(frame, len, NETDEV_CSUM_PARTIAL, start, offset, true));
	CHECK(get_csum(off) != want);
	CHECK(csum_rx(frame, len, NETDEV_CSUM_PARTIAL, start, offset, false));
	CHECK_EQ(get_csum(off), want);
	/* Offsets outside the frame are refused, the frame left alone. */
	CHECK(!csum_rx(frame, len, NETDEV_CSUM_PARTIAL, (uint16_t)len, 0, true));
	CHECK(!csum_rx(frame, len, NETDEV_CSUM_PARTIAL, (uint16_t)(len - 1), 0, true));
	CHECK(!csum_rx(frame, len, NETDEV_CSUM_PARTIAL, 0xffff, 0xffff, true));
	CHECK_EQ(get_csum(off), want);
}

TEST(rx_drops_tcp_fragments_it_cannot_check)
{
	uint64_t seed = 5;
	size_t off, len = build(4, 50, &off, &seed);

	set_csum(off, ref_tcp_csum(4, off, len));
	frame[ETH + 7] = 1;					/* fragment offset 8 */
	CHECK(!csum_rx(frame, len, NETDEV_CSUM_NONE, 0, 0, true));
	len = build(6, 50, &off, &seed);
	frame[ETH + 6] = 44;					/* a fragment header */
	frame[ETH + 40] = 6;					/* carrying TCP */
	CHECK(!csum_rx(frame, len, NETDEV_CSUM_NONE, 0, 0, true));
	frame[ETH + 40] = 17;					/* UDP: lwIP checks */
	CHECK(csum_rx(frame, len, NETDEV_CSUM_NONE, 0, 0, true));
}

/* The header fields both segment tests read back: ports 40000 -> 8000,
 * sequence number 0x80000001, 32 bytes of header (12 of options). */
static void set_ports_seq(uint8_t *tcp)
{
	tcp[0] = 0x9c;
	tcp[1] = 0x40;
	tcp[2] = 0x1f;
	tcp[3] = 0x40;
	memcpy(tcp + 4, "\x80\x00\x00\x01", 4);
	tcp[12] = 0x80;
}

/* A SYN's fields for the TIME-WAIT check: ports, sequence number, the
 * timestamp option among others, and what is not a plain SYN. */
TEST(syn_fields)
{
	uint64_t seed = 7;
	struct frame_syn s;

	for (int version = 4; version <= 6; version += 2) {
		size_t off, len = build(version, 12, &off, &seed);
		uint8_t *tcp = frame + off;
		static const uint8_t opts[12] = { 1, 1, 8, 10, 0x11, 0x22, 0x33, 0x44, 0, 0, 0, 0 };

		set_ports_seq(tcp);
		memcpy(tcp + 20, opts, sizeof(opts));
		tcp[13] = 0x02;
		CHECK(frame_tcp_syn(frame, len, &s));
		CHECK_EQ(s.version, (unsigned)version);
		CHECK_EQ(s.sport, 40000);
		CHECK_EQ(s.dport, 8000);
		CHECK_EQ(s.seq, 0x80000001u);
		CHECK(s.has_ts);
		CHECK_EQ(s.tsval, 0x11223344u);
		CHECK(s.src == frame + ETH + (version == 4 ? 12 : 8));
		CHECK(s.dst == s.src + (version == 4 ? 4 : 16));
		tcp[22] = 0;					/* the end of the options */
		CHECK(frame_tcp_syn(frame, len, &s) && !s.has_ts);
		tcp[22] = 8;
		tcp[23] = 40;					/* runs past the header */
		CHECK(frame_tcp_syn(frame, len, &s) && !s.has_ts);
		tcp[23] = 10;
		tcp[13] = 0x12;					/* SYN+ACK */
		CHECK(!frame_tcp_syn(frame, len, &s));
		tcp[13] = 0x06;					/* SYN+RST */
		CHECK(!frame_tcp_syn(frame, len, &s));
		tcp[13] = 0x02;
		tcp[12] = 0xf0;					/* a header longer than the segment */
		CHECK(!frame_tcp_syn(frame, len, &s));
		tcp[12] = 0x80;
		CHECK(!frame_tcp_syn(frame, off + 20, &s));	/* cut short */
	}
}

/* Any segment's fields for the out-of-window ACK limit: numbers, flags
 * and the payload's length after the options. */
TEST(segment_fields)
{
	uint64_t seed = 8;
	struct frame_tcp s;

	for (int version = 4; version <= 6; version += 2) {
		size_t off, len = build(version, 100, &off, &seed);
		uint8_t *tcp = frame + off;

		set_ports_seq(tcp);
		memcpy(tcp + 8, "\x12\x34\x56\x78", 4);
		tcp[13] = 0x11;					/* FIN+ACK */
		CHECK(frame_tcp(frame, len, len, &s));
		CHECK_EQ(s.version, (unsigned)version);
		CHECK_EQ(s.sport, 40000);
		CHECK_EQ(s.dport, 8000);
		CHECK_EQ(s.seq, 0x80000001u);
		CHECK_EQ(s.ack, 0x12345678u);
		CHECK_EQ(s.flags, FRAME_TCP_FIN | FRAME_TCP_ACK);
		CHECK_EQ(s.data_len, (size_t)88);
		CHECK_EQ(s.hlen, (size_t)32);
		/* Only the headers in the first piece, the rest elsewhere. */
		CHECK(frame_tcp(frame, off + 32, len, &s) && s.data_len == 88);
		CHECK(!frame_tcp(frame, off + 31, len, &s));
		CHECK(s.src == frame + ETH + (version == 4 ? 12 : 8));
		CHECK(s.dst == s.src + (version == 4 ? 4 : 16));
		tcp[12] = 0xf0;					/* 60 bytes of header */
		CHECK(frame_tcp(frame, len, len, &s) && s.data_len == 60);
		len = build(version, 0, &off, &seed);
		tcp = frame + off;
		tcp[12] = 0x50;
		CHECK(frame_tcp(frame, len, len, &s) && s.data_len == 0);
		tcp[12] = 0x60;					/* 24 bytes, the segment 20 */
		CHECK(!frame_tcp(frame, len, len, &s));
		tcp[12] = 0x40;					/* shorter than any header */
		CHECK(!frame_tcp(frame, len, len, &s));
		tcp[12] = 0x50;
		CHECK(!frame_tcp(frame, off + 19, off + 19, &s));		/* cut short */
	}
}

/* Lengths in the headers that lie, random bytes, short frames: no read
 * outside the frame (ASan sees the exact size) and no crash. */
TEST(hostile_frames)
{
	uint64_t seed = 6;

	for (unsigned round = 0; round < 20000; round++) {
		size_t off, len = build(check_below(&seed, 2) ? 4 : 6, check_below(&seed, 200), &off,
					&seed);
		size_t cut = check_below(&seed, len + 1);
		unsigned pokes = (unsigned)check_below(&seed, 4);
		uint8_t *copy;
		uint16_t start, offset;
		struct frame_syn syn;
		struct frame_tcp seg;

		for (unsigned i = 0; i < pokes; i++)
			frame[check_below(&seed, 80)] = (uint8_t)check_rand(&seed);
		copy = malloc(cut ? cut : 1);
		memcpy(copy, frame, cut);
		csum_rx(copy, cut, (enum netdev_csum)check_below(&seed, 3),
			(uint16_t)check_rand(&seed), (uint16_t)check_below(&seed, 64), true);
		csum_tx_tcp(copy, check_below(&seed, cut + 1), cut, &start, &offset);
		frame_tcp_syn(copy, cut, &syn);
		frame_tcp(copy, cut, cut, &seg);
		free(copy);
	}
}

int main(void)
{
	return check_run();
}
