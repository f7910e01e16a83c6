/* net/gso.c: which TCP segments merge into one frame for the device to
 * segment, and the frame that results: runs of full segments over IPv4
 * and IPv6, PSH carried to the end, and what breaks a run (a gap in the
 * sequence, other options, SYN/FIN/RST/URG, a short segment, the 64 KiB
 * limit, IP options,
 * extension headers, fragments, a version the device does not segment). */
#include <stdlib.h>
#include <string.h>

#include "../../net/gso.h"
#include "check.h"

#define ETH 14
#define MSS 1448			/* with the timestamps option, as lwIP sends */
#define TCP_HLEN 32			/* 20 and the option (12, padded) */
#define ACK 0x10
#define PSH 0x08
#define FIN 0x01

static uint8_t batch_buf[GSO_FRAME_MAX];
static uint8_t frame[GSO_FRAME_MAX];

struct seg {
	int version;
	uint32_t seq, ack;
	uint8_t flags;
	size_t payload;
	uint32_t tsval;
	uint16_t window;
	size_t unit;			/* a large segment's device segments */
};

/* Builds the segment in frame, its payload bytes numbered by sequence
 * number: the frame's length. */
static size_t build(const struct seg *s)
{
	size_t ip_len = s->version == 4 ? 20 : 40, off = ETH + ip_len;
	size_t total = ip_len + TCP_HLEN + s->payload;
	uint8_t *ip = frame + ETH, *tcp = frame + off;

	memset(frame, 0, sizeof(frame));
	memcpy(frame, "\x52\x54\x00\x12\x34\x56\x06\x00\xac\x10\x00\x02", 12);
	frame[12] = s->version == 4 ? 0x08 : 0x86;
	frame[13] = s->version == 4 ? 0x00 : 0xdd;
	if (s->version == 4) {
		ip[0] = 0x45;
		ip[2] = (uint8_t)(total >> 8);
		ip[3] = (uint8_t)total;
		ip[4] = (uint8_t)(s->seq >> 8);		/* an id of its own */
		ip[5] = (uint8_t)s->seq;
		ip[6] = 0x40;				/* DF */
		ip[8] = 64;
		ip[9] = 6;
		ip[10] = 0xab;				/* a checksum of its own */
		memcpy(ip + 12, "\xac\x10\x00\x02\xac\x10\x00\x01", 8);
	} else {
		ip[0] = 0x60;
		ip[4] = (uint8_t)((total - 40) >> 8);
		ip[5] = (uint8_t)(total - 40);
		ip[6] = 6;
		ip[7] = 64;
		ip[8] = 0xfd;
		ip[23] = 2;
		ip[24] = 0xfd;
		ip[39] = 1;
	}
	tcp[0] = 0x1f;
	tcp[1] = 0x40;
	tcp[2] = 0x9c;
	tcp[3] = 0x40;
	for (int i = 0; i < 4; i++) {
		tcp[4 + i] = (uint8_t)(s->seq >> (24 - 8 * i));
		tcp[8 + i] = (uint8_t)(s->ack >> (24 - 8 * i));
		tcp[28 + i] = (uint8_t)(s->tsval >> (24 - 8 * i));
	}
	tcp[12] = (TCP_HLEN / 4) << 4;
	tcp[13] = s->flags;
	tcp[14] = (uint8_t)(s->window >> 8);
	tcp[15] = (uint8_t)s->window;
	tcp[16] = (uint8_t)s->seq;			/* a checksum of its own */
	tcp[20] = tcp[21] = 1;				/* NOP NOP TS */
	tcp[22] = 8;
	tcp[23] = 10;
	for (size_t i = 0; i < s->payload; i++)
		tcp[TCP_HLEN + i] = (uint8_t)((s->seq + i) * 7);
	return ETH + total;
}

static struct gso_batch batch;

static void reset(bool tso4, bool tso6)
{
	batch = (struct gso_batch){ .buf = batch_buf, .tso4 = tso4, .tso6 = tso6 };
}

/* Offers the segment, its payload copied after the headers (net/netif.c
 * holds the pbufs instead): the verdict. */
static enum gso_verdict offer(const struct seg *s)
{
	size_t len = build(s);
	struct gso_seg g;
	enum gso_verdict v = gso_classify(&batch, frame, len, len, s->unit, &g);

	if (v == GSO_JOIN) {
		CHECK_EQ(g.payload, s->payload);
		memcpy(batch.buf + batch.len, frame + g.hlen, g.payload);
		gso_add(&batch, &g);
	} else if (v == GSO_START) {
		memcpy(batch.buf, frame, len);
		gso_start(&batch, &g);
	}
	return v;
}

static struct seg full(int version, uint32_t seq)
{
	return (struct seg){ .version = version, .seq = seq, .ack = 777, .flags = ACK,
			     .payload = MSS, .tsval = 5, .window = 1000 };
}

static enum gso_verdict offer_full(int version, uint32_t seq)
{
	struct seg s = full(version, seq);

	return offer(&s);
}

static size_t build_full(int version, uint32_t seq)
{
	struct seg s = full(version, seq);

	return build(&s);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* The batch's frame: payload bytes from seq, checked whole; a merged
 * IPv4 header's checksum is right. */
static void check_frame(const struct netdev_tx *tx, int version, uint32_t seq, size_t payload)
{
	size_t ip_len = version == 4 ? 20 : 40, hlen = ETH + ip_len + TCP_HLEN;
	const uint8_t *ip = batch_buf + ETH;

	CHECK_EQ(tx->len, hlen + payload);
	if (version == 4 && tx->gso_size) {
		uint32_t sum = 0;

		CHECK_EQ(get16(ip + 2), ip_len + TCP_HLEN + payload);
		for (int i = 0; i < 20; i += 2)
			sum += get16(ip + i);
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		CHECK_EQ(sum, 0xffff);		/* the header checksum is right */
		CHECK_EQ(get16(ip + 4), (uint16_t)seq);	/* the first's id */
	} else if (version == 4) {
		CHECK_EQ(get16(ip + 2), ip_len + TCP_HLEN + payload);
	} else {
		CHECK_EQ(get16(ip + 4), TCP_HLEN + payload);
	}
	for (size_t i = 0; i < payload; i++)
		if (batch_buf[hlen + i] != (uint8_t)((seq + i) * 7))
			CHECKF(0, "payload byte %zu", i);
}

TEST(run_of_full_segments_ipv4)
{
	struct netdev_tx tx = { 0 };

	reset(true, false);
	CHECK_EQ(offer_full(4, 1000), GSO_START);
	for (unsigned i = 1; i < 10; i++)
		CHECK_EQ(offer_full(4, 1000 + i * MSS), GSO_JOIN);
	CHECK(!gso_full(&batch));
	CHECK_EQ(batch.segs, 10);
	gso_finish(&batch, &tx);
	CHECK_EQ(batch.len, 0);
	CHECK_EQ(tx.gso_size, MSS);
	CHECK_EQ(tx.gso_type, NETDEV_GSO_TCPV4);
	CHECK_EQ(tx.gso_hdr_len, ETH + 20 + TCP_HLEN);
	check_frame(&tx, 4, 1000, 10 * MSS);
	CHECK_EQ(batch_buf[ETH + 20 + 13], ACK);
}

/* lwIP sets PSH at the end of each write: such segments merge, and the
 * frame carries PSH for the device to put on its last segment. */
TEST(run_ipv6_with_psh)
{
	struct netdev_tx tx = { 0 };
	struct seg s = full(6, 5000 + MSS);

	reset(false, true);
	CHECK_EQ(offer_full(6, 5000), GSO_START);
	s.flags |= PSH;
	CHECK_EQ(offer(&s), GSO_JOIN);
	CHECK(!gso_full(&batch));
	CHECK_EQ(offer_full(6, 5000 + 2 * MSS), GSO_JOIN);
	s = full(6, 5000 + 3 * MSS);
	s.flags |= PSH;
	s.payload = 100;
	CHECK_EQ(offer(&s), GSO_JOIN);
	CHECK(gso_full(&batch));		/* the short one ended it */
	gso_finish(&batch, &tx);
	CHECK_EQ(tx.gso_type, NETDEV_GSO_TCPV6);
	CHECK_EQ(tx.gso_size, MSS);
	CHECK_EQ(tx.gso_hdr_len, ETH + 40 + TCP_HLEN);
	check_frame(&tx, 6, 5000, 3 * MSS + 100);
	CHECK_EQ(batch_buf[ETH + 40 + 13], ACK | PSH);	/* for the last segment */
}

/* FIN joins and ends the run; the frame carries it for the device to
 * put on its last segment. */
TEST(fin_ends_the_run)
{
	struct netdev_tx tx = { 0 };
	struct seg s = full(4, 1000 + MSS);

	reset(true, true);
	CHECK_EQ(offer_full(4, 1000), GSO_START);
	s.flags |= FIN | PSH;
	CHECK_EQ(offer(&s), GSO_JOIN);
	CHECK(gso_full(&batch));
	gso_finish(&batch, &tx);
	CHECK_EQ(tx.gso_size, MSS);
	check_frame(&tx, 4, 1000, 2 * MSS);
	CHECK_EQ(batch_buf[ETH + 20 + 13], ACK | PSH | FIN);
	/* A FIN segment alone is a batch of one, ended. */
	reset(true, true);
	s = full(4, 1000);
	s.flags |= FIN;
	CHECK_EQ(offer(&s), GSO_START);
	CHECK(gso_full(&batch));
}

/* Large segments (net/bigseg.h) come with their unit: alone, one makes a
 * GSO frame of that size; of whole units, they merge up to 64 KiB; one
 * that is not whole units ends the run; another unit starts again. */
TEST(large_segments)
{
	struct netdev_tx tx = { 0 };
	struct seg s = full(4, 1000);
	size_t big = 8 * MSS;

	reset(true, true);
	s.payload = big;
	s.unit = MSS;
	CHECK_EQ(offer(&s), GSO_START);
	CHECK(!gso_full(&batch));
	gso_finish(&batch, &tx);
	CHECK_EQ(tx.gso_type, NETDEV_GSO_TCPV4);
	CHECK_EQ(tx.gso_size, MSS);
	CHECK_EQ(tx.gso_hdr_len, ETH + 20 + TCP_HLEN);
	check_frame(&tx, 4, 1000, big);

	reset(true, true);
	for (unsigned i = 0; i < 5; i++) {
		s = full(4, 1000 + (uint32_t)(i * big));
		s.payload = big;
		s.unit = MSS;
		CHECK_EQ(offer(&s), i ? GSO_JOIN : GSO_START);
	}
	CHECK(!gso_full(&batch));
	s = full(4, 1000 + (uint32_t)(5 * big));
	s.payload = big;
	s.unit = MSS;
	CHECK_EQ(offer(&s), GSO_START);		/* 6 would pass 64 KiB */

	reset(true, true);
	s = full(4, 1000);
	s.payload = big;
	s.unit = MSS;
	CHECK_EQ(offer(&s), GSO_START);
	s = full(4, 1000 + (uint32_t)big);
	s.payload = big - 100;
	s.unit = MSS;
	CHECK_EQ(offer(&s), GSO_JOIN);
	CHECK(gso_full(&batch));		/* its tail is a short segment */
	gso_finish(&batch, &tx);
	check_frame(&tx, 4, 1000, 2 * big - 100);

	reset(true, true);
	s = full(4, 1000);
	s.payload = big;
	s.unit = MSS;
	CHECK_EQ(offer(&s), GSO_START);
	s = full(4, 1000 + (uint32_t)big);
	s.payload = big;
	s.unit = MSS - 8;			/* another connection's size */
	CHECK_EQ(offer(&s), GSO_START);
	/* A regular segment of the unit's size joins a run of large ones. */
	s = full(4, 1000 + (uint32_t)(2 * big));
	CHECK_EQ(offer(&s), GSO_START);
	s = full(4, 1000 + (uint32_t)(2 * big + MSS));
	s.payload = big;
	s.unit = MSS;
	CHECK_EQ(offer(&s), GSO_JOIN);
}

TEST(gap_in_sequence_starts_again)
{
	reset(true, true);
	CHECK_EQ(offer_full(4, 1000), GSO_START);
	CHECK_EQ(offer_full(4, 1000 + MSS + 1), GSO_START);
	CHECK_EQ(batch.segs, 1);
	CHECK_EQ(offer_full(4, 1000), GSO_START);	/* a retransmission */
	CHECK_EQ(offer_full(4, 1000 + MSS), GSO_JOIN);
}

TEST(other_options_ack_or_window_start_again)
{
	struct seg s = full(4, 1000);

	reset(true, true);
	CHECK_EQ(offer(&s), GSO_START);
	s = full(4, 1000 + MSS);
	s.tsval = 6;
	CHECK_EQ(offer(&s), GSO_START);		/* a new burst's timestamp */
	s = full(4, 1000 + 2 * MSS);
	s.tsval = 6;
	CHECK_EQ(offer(&s), GSO_JOIN);
	s = full(4, 1000 + 3 * MSS);
	s.tsval = 6;
	s.ack = 778;
	CHECK_EQ(offer(&s), GSO_START);
	s = full(4, 1000 + 4 * MSS);
	s.tsval = 6;
	s.ack = 778;
	s.window = 999;
	CHECK_EQ(offer(&s), GSO_START);
}

TEST(syn_rst_urg_ecn_alone)
{
	static const uint8_t flags[] = { ACK | 0x02, ACK | 0x04, ACK | 0x20, ACK | 0x40,
					 ACK | 0x80, 0x02, 0x04, PSH, 0x01, 0 };

	reset(true, true);
	for (unsigned i = 0; i < sizeof(flags); i++) {
		struct seg s = full(4, 1000);

		CHECK_EQ(offer(&s), GSO_START);
		s = full(4, 1000 + MSS);
		s.flags = flags[i];
		CHECKF(offer(&s) == GSO_ALONE, "flags %#x", flags[i]);
	}
	/* An empty ACK neither joins nor starts. */
	{
		struct seg s = full(4, 1000);

		s.payload = 0;
		CHECK_EQ(offer(&s), GSO_ALONE);
	}
	/* PSH starts one. */
	{
		struct seg s = full(4, 1000);

		s.flags |= PSH;
		CHECK_EQ(offer(&s), GSO_START);
		CHECK_EQ(offer_full(4, 1000 + MSS), GSO_JOIN);
	}
}

TEST(short_segment_ends_the_run)
{
	struct seg s = full(4, 1000 + MSS);
	struct netdev_tx tx = { 0 };

	reset(true, true);
	CHECK_EQ(offer_full(4, 1000), GSO_START);
	s.payload = 500;
	CHECK_EQ(offer(&s), GSO_JOIN);
	CHECK(gso_full(&batch));
	/* Were it not sent now, nothing more would join. */
	CHECK_EQ(offer_full(4, 1000 + MSS + 500), GSO_START);
	/* A short first makes the size: longer ones do not join. */
	s = full(4, 9000);
	s.payload = 600;
	CHECK_EQ(offer(&s), GSO_START);
	CHECK_EQ(offer_full(4, 9600), GSO_START);
	gso_finish(&batch, &tx);
	CHECK_EQ(tx.gso_size, 0);		/* a batch of one goes as it is */
	check_frame(&tx, 4, 9600, MSS);
}

TEST(limit_of_64k)
{
	struct netdev_tx tx = { 0 };
	unsigned n = (NETDEV_GSO_IP_MAX - 20 - TCP_HLEN) / MSS;	/* 45 */

	reset(true, true);
	CHECK_EQ(offer_full(4, 0), GSO_START);
	for (unsigned i = 1; i < n; i++) {
		CHECK(!gso_full(&batch));
		CHECK_EQ(offer_full(4, i * MSS), GSO_JOIN);
	}
	CHECK(gso_full(&batch));
	CHECK_EQ(offer_full(4, n * MSS), GSO_START);
	/* Back to the full batch, sent whole. */
	reset(true, true);
	CHECK_EQ(offer_full(4, 0), GSO_START);
	for (unsigned i = 1; i < n; i++)
		offer_full(4, i * MSS);
	gso_finish(&batch, &tx);
	CHECK(tx.len - ETH <= NETDEV_GSO_IP_MAX);
	check_frame(&tx, 4, 0, n * MSS);
}

TEST(ip_options_extension_headers_fragments_alone)
{
	size_t len;
	struct gso_seg g;

	reset(true, true);
	len = build_full(4, 1000);
	frame[ETH] = 0x46;			/* an option word */
	CHECK_EQ(gso_classify(&batch, frame, len, len, 0, &g), GSO_ALONE);
	len = build_full(4, 1000);
	frame[ETH + 6] = 0x20;			/* more fragments */
	CHECK_EQ(gso_classify(&batch, frame, len, len, 0, &g), GSO_ALONE);
	len = build_full(6, 1000);
	frame[ETH + 6] = 0;			/* hop-by-hop options */
	CHECK_EQ(gso_classify(&batch, frame, len, len, 0, &g), GSO_ALONE);
	len = build_full(4, 1000);
	frame[ETH + 9] = 17;			/* UDP */
	CHECK_EQ(gso_classify(&batch, frame, len, len, 0, &g), GSO_ALONE);
	/* Headers beyond what is contiguous, or an IP length beyond the frame. */
	len = build_full(4, 1000);
	CHECK_EQ(gso_classify(&batch, frame, ETH + 20 + TCP_HLEN - 1, len, 0, &g), GSO_ALONE);
	CHECK_EQ(gso_classify(&batch, frame, len, len - 1, 0, &g), GSO_ALONE);
	CHECK_EQ(gso_classify(&batch, frame, ETH + 20 + TCP_HLEN, len, 0, &g), GSO_START);
}

TEST(versions_the_device_segments)
{
	reset(false, true);
	CHECK_EQ(offer_full(4, 1000), GSO_ALONE);
	CHECK_EQ(offer_full(6, 1000), GSO_START);
	/* Another version's segment does not join. */
	reset(true, true);
	CHECK_EQ(offer_full(4, 1000), GSO_START);
	CHECK_EQ(offer_full(6, 1000 + MSS), GSO_START);
}

int main(void)
{
	return check_run();
}
