/* net/ipfrag.c: IPv4 fragments of an outgoing frame (RFC 791 §3.2): the
 * data reassembles to the packet's, every fragment but the last carries a
 * multiple of 8 bytes and More Fragments, offsets and checksums are right,
 * the pieces are the frame's own bytes across its pieces; DF, options,
 * device checksums and damaged frames are refused. */
#include <stdlib.h>
#include <string.h>

#include <flint/errno.h>

#include "../../net/csum.h"
#include "../../net/ipfrag.h"
#include "check.h"

#define ETH 14
#define IP 20

static uint8_t frame[9000];

/* A UDP-like IPv4 packet of data bytes (numbered) in frame: its length. */
static size_t build(size_t data, unsigned frag_field)
{
	size_t total = IP + data;
	uint8_t *ip = frame + ETH;

	memset(frame, 0, ETH + IP);
	memcpy(frame, "\x52\x54\x00\x12\x34\x56\x06\x00\xac\x10\x00\x02\x08\x00", ETH);
	ip[0] = 0x45;
	ip[2] = (uint8_t)(total >> 8);
	ip[3] = (uint8_t)total;
	ip[4] = 0x12;
	ip[5] = 0x34;
	ip[6] = (uint8_t)(frag_field >> 8);
	ip[7] = (uint8_t)frag_field;
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, "\xac\x10\x00\x02\xac\x10\x00\x01", 8);
	for (size_t i = 0; i < data; i++)
		frame[ETH + IP + i] = (uint8_t)(i * 7 + i / 251);
	return ETH + total;
}

struct got {
	unsigned n;
	uint8_t data[9000];
	size_t offs[16], lens[16];
	unsigned frag[16];
	int fail_at;			/* emit fails on this fragment (1-based) */
};

static unsigned get16(const uint8_t *p)
{
	return (unsigned)(p[0] << 8 | p[1]);
}

static int emit(void *arg, const struct netdev_tx *tx)
{
	struct got *g = arg;
	uint8_t flat[2000];
	size_t at = 0, len;
	unsigned frag;

	CHECK(g->n < 16);
	CHECK(tx->len <= sizeof(flat));
	for (unsigned i = 0; i < tx->nsegs; i++) {
		/* Data pieces point into the frame itself: no copies. */
		if (i)
			CHECK((const uint8_t *)tx->segs[i].data >= frame &&
			      (const uint8_t *)tx->segs[i].data < frame + sizeof(frame));
		memcpy(flat + at, tx->segs[i].data, tx->segs[i].len);
		at += tx->segs[i].len;
	}
	CHECK_EQ(at, tx->len);
	CHECK(!memcmp(flat, frame, ETH));
	CHECK_EQ(flat[ETH], 0x45);
	len = get16(flat + ETH + 2);
	CHECK_EQ(len + ETH, tx->len);
	CHECK_EQ(get16(flat + ETH + 10), csum_ipv4_header(flat + ETH));
	CHECK(!memcmp(flat + ETH + 12, frame + ETH + 12, 8));
	CHECK_EQ(get16(flat + ETH + 4), 0x1234);
	frag = get16(flat + ETH + 6);
	g->frag[g->n] = frag;
	g->offs[g->n] = (size_t)(frag & 0x1fff) * 8;
	g->lens[g->n] = len - IP;
	memcpy(g->data + g->offs[g->n], flat + ETH + IP, len - IP);
	g->n++;
	return (int)g->n == g->fail_at ? -5 : 0;
}

/* The frame as pieces cut at the given lengths (the rest in the last). */
static struct netdev_tx pieces(size_t len, const size_t *cuts, unsigned ncuts,
			       struct netdev_seg *segs)
{
	size_t at = 0;
	unsigned n = 0;

	for (unsigned i = 0; i < ncuts && at < len; i++) {
		segs[n++] = (struct netdev_seg){ frame + at, cuts[i] };
		at += cuts[i];
	}
	if (at < len)
		segs[n++] = (struct netdev_seg){ frame + at, len - at };
	return (struct netdev_tx){ .segs = segs, .nsegs = n, .len = len };
}

static void cut_and_check(size_t data, unsigned mtu, const size_t *cuts, unsigned ncuts)
{
	static struct got g;
	struct netdev_seg segs[NETDEV_MAX_SEGS];
	size_t len = build(data, 0);
	struct netdev_tx tx = pieces(len, cuts, ncuts, segs);
	size_t chunk = (mtu - IP) / 8 * 8;

	memset(&g, 0, sizeof(g));
	CHECK_EQ(ipfrag_send(&tx, mtu, emit, &g), 0);
	CHECK_EQ(g.n, (data + chunk - 1) / chunk);
	for (unsigned i = 0; i < g.n; i++) {
		CHECK_EQ(g.offs[i], i * chunk);
		CHECK_EQ(g.lens[i], i + 1 < g.n ? chunk : data - i * chunk);
		CHECK_EQ(!!(g.frag[i] & 0x2000), i + 1 < g.n);
		CHECK(IP + g.lens[i] <= mtu);
	}
	CHECK(!memcmp(g.data, frame + ETH + IP, data));
}

TEST(one_piece)
{
	cut_and_check(4000, 1500, NULL, 0);
}

TEST(odd_mtu_rounds_down_to_8)
{
	cut_and_check(3001, 1003, NULL, 0);	/* 976 data bytes a fragment */
}

TEST(pieces_cross_fragments)
{
	static const size_t cuts[] = { ETH + IP + 8, 1, 700, 3000, 13, 1200 };

	cut_and_check(8000, 1500, cuts, 6);
}

TEST(header_and_data_in_one_piece_then_many)
{
	static const size_t cuts[] = { ETH + IP, 100, 100, 100, 100, 100, 100, 100 };

	cut_and_check(2500, 576, cuts, 8);
}

TEST(a_fragment_keeps_its_place)
{
	static struct got g;
	struct netdev_seg seg;
	size_t len = build(3000, 0x2000 | 100);	/* MF, 800 bytes in */
	struct netdev_tx tx = { .segs = &seg, .nsegs = 1, .len = len };

	seg = (struct netdev_seg){ frame, len };
	CHECK_EQ(ipfrag_send(&tx, 1500, emit, &g), 0);
	CHECK_EQ(g.n, 3);
	CHECK_EQ(g.frag[0], 0x2000 | 100);
	CHECK_EQ(g.frag[2] & 0x1fff, 100 + 2 * 1480 / 8);
	CHECK(g.frag[2] & 0x2000);		/* more follow the original */
}

TEST(refused)
{
	static struct got g;
	struct netdev_seg seg;
	size_t len = build(3000, 0x4000);	/* DF */
	struct netdev_tx tx = { .segs = &seg, .nsegs = 1, .len = len };

	seg = (struct netdev_seg){ frame, len };
	CHECK_EQ(ipfrag_send(&tx, 1500, emit, &g), -EMSGSIZE);
	build(3000, 0);
	frame[ETH] = 0x46;			/* options */
	CHECK_EQ(ipfrag_send(&tx, 1500, emit, &g), -EMSGSIZE);
	frame[ETH] = 0x44;			/* a header shorter than 20 */
	CHECK_EQ(ipfrag_send(&tx, 1500, emit, &g), -EINVAL);
	frame[ETH] = 0x65;			/* not version 4 */
	CHECK_EQ(ipfrag_send(&tx, 1500, emit, &g), -EINVAL);
	build(3000, 0);
	frame[12] = 0x86;			/* not IPv4 */
	frame[13] = 0xdd;
	CHECK_EQ(ipfrag_send(&tx, 1500, emit, &g), -EINVAL);
	build(3000, 0);
	tx.len = len - 1;			/* the IP length runs past the frame */
	seg.len = len - 1;
	CHECK_EQ(ipfrag_send(&tx, 1500, emit, &g), -EINVAL);
	tx.len = len;
	seg.len = len;
	tx.csum_partial = true;			/* the device cannot sum fragments */
	CHECK_EQ(ipfrag_send(&tx, 1500, emit, &g), -EINVAL);
	tx.csum_partial = false;
	CHECK_EQ(ipfrag_send(&tx, 20, emit, &g), -EINVAL);	/* no room for data */
	seg.len = ETH + 10;			/* the header split across pieces */
	CHECK_EQ(ipfrag_send(&tx, 1500, emit, &g), -EINVAL);
	CHECK_EQ(g.n, 0);
}

TEST(pieces_shorter_than_the_frame)
{
	static struct got g;
	struct netdev_seg seg;
	size_t len = build(3000, 0);
	struct netdev_tx tx = { .segs = &seg, .nsegs = 1, .len = len };

	seg = (struct netdev_seg){ frame, len - 100 };	/* tx.len lies */
	CHECK_EQ(ipfrag_send(&tx, 1500, emit, &g), -EINVAL);
	CHECK_EQ(g.n, 0);			/* found before any went */
}

TEST(emit_failure_stops)
{
	static struct got g;
	struct netdev_seg seg;
	size_t len = build(6000, 0);
	struct netdev_tx tx = { .segs = &seg, .nsegs = 1, .len = len };

	seg = (struct netdev_seg){ frame, len };
	g.fail_at = 2;
	CHECK_EQ(ipfrag_send(&tx, 1500, emit, &g), -5);
	CHECK_EQ(g.n, 2);
}

int main(void)
{
	return check_run();
}
