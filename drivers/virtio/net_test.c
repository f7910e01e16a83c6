/*
 * test.net: every network device, with a receiver of its own for the
 * while, asks QEMU's user network (10.0.2.0/24, the guest at 10.0.2.15,
 * the gateway at 10.0.2.2) for the gateway's MAC with a burst of ARP
 * requests, then pings the gateway with frames of the full 1500-byte MTU,
 * which the gateway echoes. One `net-test:` line per step and device, and
 * one with its counters; the VM exits with status 1 if a check fails.
 * Nothing leaves QEMU.
 *
 * With test.net.udp (a test's tap device, where a UDP echo server
 * listens at 10.0.2.2:7) MTU-sized UDP datagrams go there too, with the
 * checksum left to the device where it offers that, and the echoes'
 * checksums are completed (partial) or checked as the device marks them.
 */
#include <flint/compiler.h>
#include <flint/format.h>
#include <flint/netdev.h>
#include <flint/param.h>
#include <flint/power.h>
#include <flint/printk.h>
#include <flint/string.h>
#include <flint/timer.h>
#include <flint/virtio_boot.h>

#define TEST_FAILED 1			/* the exit status when a check fails */
#define TEST_WAIT_NS 3000000000ull	/* for all the replies of one step */
#define TEST_POLL_US 10000
#define TEST_ARPS 8			/* requests in one burst */
#define TEST_PINGS 4
#define TEST_FRAME_MAX 1536

/* RFC 826 and RFC 894: the Ethernet and ARP fields used. */
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_ARP 0x0806
#define ARP_HTYPE_ETHERNET 1
#define ARP_REQUEST 1
#define ARP_REPLY 2
#define ARP_LEN 28			/* the ARP packet for IPv4 over Ethernet */
#define ETH_MIN_FRAME 60		/* the shortest frame, FCS not counted */

/* RFC 791 and RFC 792: an IPv4 header without options, ICMP echo. */
#define IP_HLEN 20
#define IP_VERSION_IHL 0x45
#define IP_TTL 64
#define IP_PROTO_ICMP 1
#define ICMP_ECHO_REPLY 0
#define ICMP_ECHO_REQUEST 8
#define ICMP_HLEN 8
#define TEST_ICMP_ID 0x464c		/* "FL" */
#define TEST_IP_MTU 1500
#define IP_PROTO_UDP 17
#define UDP_HLEN 8
#define UDP_ECHO_PORT 7			/* RFC 862 */
#define TEST_UDP_PORT 7777		/* the guest's */
#define TEST_UDPS 4
#define UDP_CSUM_OFFSET 6		/* the checksum within the UDP header */

static const uint8_t guest_ip[4] = { 10, 0, 2, 15 };
static const uint8_t gateway_ip[4] = { 10, 0, 2, 2 };
static const uint8_t broadcast[NETDEV_ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static bool test_net, test_net_udp;
KERNEL_FLAG("test.net", test_net);
KERNEL_FLAG("test.net.udp", test_net_udp);

struct net_test {
	unsigned arp_replies;		/* written by the receive thread */
	unsigned echo_replies;
	unsigned bad_echoes;
	unsigned udp_replies;
	unsigned bad_udp;
	unsigned udp_csum[NETDEV_CSUM_PARTIAL + 1];	/* replies by checksum state */
	uint8_t gateway_mac[NETDEV_ETH_ALEN];
};

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static unsigned get16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* RFC 1071: the one's complement sum, folded to 16 bits. */
static unsigned inet_sum(const uint8_t *p, size_t len, uint32_t sum)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += get16(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

static unsigned inet_checksum(const uint8_t *p, size_t len)
{
	return ~inet_sum(p, len, 0) & 0xffff;
}

/* RFC 768: the pseudo-header's sum (addresses, protocol, UDP length). */
static unsigned udp_pseudo_sum(const uint8_t *ip, unsigned udp_len)
{
	return inet_sum(ip + 12, 8, IP_PROTO_UDP + udp_len);
}

static uint8_t payload_byte(unsigned seq, size_t i)
{
	return (uint8_t)(i * 7 + seq);
}

static void ethernet(uint8_t *f, const uint8_t *dst, const uint8_t *src, unsigned type)
{
	memcpy(f, dst, NETDEV_ETH_ALEN);
	memcpy(f + NETDEV_ETH_ALEN, src, NETDEV_ETH_ALEN);
	put16(f + 2 * NETDEV_ETH_ALEN, type);
}

static void check_arp(struct net_test *t, const uint8_t *f, size_t len)
{
	const uint8_t *a = f + NETDEV_ETH_HLEN;

	if (len < NETDEV_ETH_HLEN + ARP_LEN || get16(a + 6) != ARP_REPLY ||
	    memcmp(a + 14, gateway_ip, 4) || memcmp(a + 24, guest_ip, 4))
		return;
	memcpy(t->gateway_mac, a + 8, NETDEV_ETH_ALEN);
	__atomic_fetch_add(&t->arp_replies, 1, __ATOMIC_RELEASE);
}

static void check_echo(struct net_test *t, const uint8_t *f, size_t len)
{
	const uint8_t *ip = f + NETDEV_ETH_HLEN, *icmp = ip + IP_HLEN;
	unsigned seq;

	if (len < NETDEV_ETH_HLEN + IP_HLEN + ICMP_HLEN || ip[0] != IP_VERSION_IHL ||
	    ip[9] != IP_PROTO_ICMP || memcmp(ip + 12, gateway_ip, 4) ||
	    icmp[0] != ICMP_ECHO_REPLY || get16(icmp + 4) != TEST_ICMP_ID)
		return;
	seq = get16(icmp + 6);
	for (size_t i = NETDEV_ETH_HLEN + IP_HLEN + ICMP_HLEN; i < len; i++)
		if (f[i] != payload_byte(seq, i)) {
			__atomic_fetch_add(&t->bad_echoes, 1, __ATOMIC_RELEASE);
			return;
		}
	if (len != NETDEV_ETH_HLEN + TEST_IP_MTU || inet_checksum(icmp, len - NETDEV_ETH_HLEN -
								   IP_HLEN)) {
		__atomic_fetch_add(&t->bad_echoes, 1, __ATOMIC_RELEASE);
		return;
	}
	__atomic_fetch_add(&t->echo_replies, 1, __ATOMIC_RELEASE);
}

/* A UDP echo from the gateway: a partial checksum is completed as the
 * device would have, then every checksum must hold. */
static void check_udp(struct net_test *t, const struct netdev_rx *rx, uint8_t *f, size_t len)
{
	const uint8_t *ip = f + NETDEV_ETH_HLEN;
	uint8_t *udp = f + NETDEV_ETH_HLEN + IP_HLEN;
	size_t head = NETDEV_ETH_HLEN + IP_HLEN + UDP_HLEN;
	unsigned udp_len = (unsigned)(len - NETDEV_ETH_HLEN - IP_HLEN);

	if (len < head || get16(udp) != UDP_ECHO_PORT || get16(udp + 2) != TEST_UDP_PORT)
		return;
	if (rx->csum == NETDEV_CSUM_PARTIAL) {
		unsigned at = rx->csum_start + rx->csum_offset;

		put16(f + at, ~inet_sum(f + rx->csum_start, len - rx->csum_start, 0) & 0xffff);
	}
	for (size_t i = head; i < len; i++)
		if (f[i] != payload_byte(0, i)) {
			__atomic_fetch_add(&t->bad_udp, 1, __ATOMIC_RELEASE);
			return;
		}
	if (len != NETDEV_ETH_HLEN + TEST_IP_MTU || get16(udp + 4) != udp_len ||
	    inet_sum(udp, udp_len, udp_pseudo_sum(ip, udp_len)) != 0xffff) {
		__atomic_fetch_add(&t->bad_udp, 1, __ATOMIC_RELEASE);
		return;
	}
	t->udp_csum[rx->csum]++;
	__atomic_fetch_add(&t->udp_replies, 1, __ATOMIC_RELEASE);
}

/* On the receive thread: the frame gathered from its segments. */
/* Copies every frame: it keeps no loaned blocks. */
static bool test_receiver(struct netdev *dev, const struct netdev_rx *rx, void *arg)
{
	static uint8_t frame[TEST_FRAME_MAX];
	size_t len = 0;

	(void)dev;
	for (unsigned i = 0; i < rx->nsegs; i++) {
		if (len + rx->segs[i].len > sizeof(frame))
			return false;
		memcpy(frame + len, rx->segs[i].data, rx->segs[i].len);
		len += rx->segs[i].len;
	}
	if (len < NETDEV_ETH_HLEN || len != rx->len)
		return false;
	if (get16(frame + 2 * NETDEV_ETH_ALEN) == ETHERTYPE_ARP)
		check_arp(arg, frame, len);
	else if (get16(frame + 2 * NETDEV_ETH_ALEN) == ETHERTYPE_IPV4 &&
		 len > NETDEV_ETH_HLEN + IP_HLEN && frame[NETDEV_ETH_HLEN + 9] == IP_PROTO_UDP)
		check_udp(arg, rx, frame, len);
	else if (get16(frame + 2 * NETDEV_ETH_ALEN) == ETHERTYPE_IPV4)
		check_echo(arg, frame, len);
	return false;
}

static int send_frame(struct netdev *dev, const uint8_t *f, size_t len)
{
	struct netdev_seg seg = { f, len };
	struct netdev_tx tx = { .segs = &seg, .nsegs = 1, .len = len };

	return netdev_transmit(dev, &tx);
}

static int send_arp(struct netdev *dev)
{
	uint8_t f[ETH_MIN_FRAME] = { 0 };
	uint8_t *a = f + NETDEV_ETH_HLEN;

	ethernet(f, broadcast, dev->mac, ETHERTYPE_ARP);
	put16(a, ARP_HTYPE_ETHERNET);
	put16(a + 2, ETHERTYPE_IPV4);
	a[4] = NETDEV_ETH_ALEN;
	a[5] = sizeof(guest_ip);
	put16(a + 6, ARP_REQUEST);
	memcpy(a + 8, dev->mac, NETDEV_ETH_ALEN);
	memcpy(a + 14, guest_ip, 4);
	memcpy(a + 24, gateway_ip, 4);
	return send_frame(dev, f, sizeof(f));
}

/* The Ethernet and IPv4 headers of an MTU-sized packet to the gateway. */
static void ipv4(struct netdev *dev, uint8_t *f, const uint8_t *gateway_mac, unsigned proto,
		 unsigned id)
{
	uint8_t *ip = f + NETDEV_ETH_HLEN;

	memset(f, 0, NETDEV_ETH_HLEN + IP_HLEN);
	ethernet(f, gateway_mac, dev->mac, ETHERTYPE_IPV4);
	ip[0] = IP_VERSION_IHL;
	put16(ip + 2, TEST_IP_MTU);
	put16(ip + 4, id);
	ip[8] = IP_TTL;
	ip[9] = (uint8_t)proto;
	memcpy(ip + 12, guest_ip, 4);
	memcpy(ip + 16, gateway_ip, 4);
	put16(ip + 10, inet_checksum(ip, IP_HLEN));
}

/* An echo request filling the MTU, in two segments (headers, payload). */
static int send_echo(struct netdev *dev, const uint8_t *gateway_mac, unsigned seq)
{
	static uint8_t f[NETDEV_ETH_HLEN + TEST_IP_MTU];
	uint8_t *icmp = f + NETDEV_ETH_HLEN + IP_HLEN;
	size_t head = NETDEV_ETH_HLEN + IP_HLEN + ICMP_HLEN;
	struct netdev_seg segs[2] = { { f, head }, { f + head, sizeof(f) - head } };
	struct netdev_tx tx = { .segs = segs, .nsegs = 2, .len = sizeof(f) };

	ipv4(dev, f, gateway_mac, IP_PROTO_ICMP, seq);
	memset(icmp, 0, ICMP_HLEN);
	icmp[0] = ICMP_ECHO_REQUEST;
	put16(icmp + 4, TEST_ICMP_ID);
	put16(icmp + 6, seq);
	for (size_t i = head; i < sizeof(f); i++)
		f[i] = payload_byte(seq, i);
	put16(icmp + 2, inet_checksum(icmp, sizeof(f) - NETDEV_ETH_HLEN - IP_HLEN));
	return netdev_transmit(dev, &tx);
}

/* A UDP datagram filling the MTU; the device sums it where it can (the
 * checksum field then holds the pseudo-header's sum, RFC 768). */
static int send_udp(struct netdev *dev, const uint8_t *gateway_mac, unsigned id)
{
	static uint8_t f[NETDEV_ETH_HLEN + TEST_IP_MTU];
	uint8_t *ip = f + NETDEV_ETH_HLEN, *udp = ip + IP_HLEN;
	size_t head = NETDEV_ETH_HLEN + IP_HLEN + UDP_HLEN;
	unsigned udp_len = TEST_IP_MTU - IP_HLEN;
	struct netdev_seg seg = { f, sizeof(f) };
	struct netdev_tx tx = { .segs = &seg, .nsegs = 1, .len = sizeof(f) };

	ipv4(dev, f, gateway_mac, IP_PROTO_UDP, id);
	put16(udp, TEST_UDP_PORT);
	put16(udp + 2, UDP_ECHO_PORT);
	put16(udp + 4, udp_len);
	put16(udp + 6, 0);
	for (size_t i = head; i < sizeof(f); i++)
		f[i] = payload_byte(0, i);
	if (dev->features & NETDEV_F_TX_CSUM) {
		put16(udp + 6, udp_pseudo_sum(ip, udp_len));
		tx.csum_partial = true;
		tx.csum_start = NETDEV_ETH_HLEN + IP_HLEN;
		tx.csum_offset = UDP_CSUM_OFFSET;
	} else {
		put16(udp + 6, ~inet_sum(udp, udp_len, udp_pseudo_sum(ip, udp_len)) & 0xffff);
	}
	return netdev_transmit(dev, &tx);
}

/* Waits until *count reaches want or the time is up. */
static bool wait_for(const unsigned *count, unsigned want)
{
	uint64_t deadline = clock_ns() + TEST_WAIT_NS;

	while (__atomic_load_n(count, __ATOMIC_ACQUIRE) < want) {
		if (clock_ns() >= deadline)
			return false;
		sleep_us(TEST_POLL_US);
	}
	return true;
}

/* NULL when the checks pass, else why not. */
static const char *test_device(struct netdev *dev, struct net_test *t, char *why, size_t len)
{
	const uint8_t *m = t->gateway_mac;
	int err;

	for (unsigned i = 0; i < TEST_ARPS; i++) {
		err = send_arp(dev);
		if (err) {
			snprintf(why, len, "ARP request %u not sent: %d", i, err);
			return why;
		}
	}
	if (!wait_for(&t->arp_replies, TEST_ARPS)) {
		snprintf(why, len, "%u of %u ARP replies", t->arp_replies, TEST_ARPS);
		return why;
	}
	printk_line("net-test: %s arp reply from %02x:%02x:%02x:%02x:%02x:%02x", dev->name,
		    m[0], m[1], m[2], m[3], m[4], m[5]);
	for (unsigned i = 0; i < TEST_PINGS; i++) {
		err = send_echo(dev, t->gateway_mac, i);
		if (err) {
			snprintf(why, len, "echo request %u not sent: %d", i, err);
			return why;
		}
	}
	if (!wait_for(&t->echo_replies, TEST_PINGS) || t->bad_echoes) {
		snprintf(why, len, "%u of %u echo replies, %u bad", t->echo_replies, TEST_PINGS,
			 t->bad_echoes);
		return why;
	}
	printk_line("net-test: %s %u echo replies of %u bytes", dev->name, TEST_PINGS,
		    NETDEV_ETH_HLEN + TEST_IP_MTU);
	if (!test_net_udp)
		return NULL;
	for (unsigned i = 0; i < TEST_UDPS; i++) {
		err = send_udp(dev, t->gateway_mac, TEST_PINGS + i);
		if (err) {
			snprintf(why, len, "UDP datagram %u not sent: %d", i, err);
			return why;
		}
	}
	if (!wait_for(&t->udp_replies, TEST_UDPS) || t->bad_udp) {
		snprintf(why, len, "%u of %u UDP echoes, %u bad", t->udp_replies, TEST_UDPS,
			 t->bad_udp);
		return why;
	}
	printk_line("net-test: %s %u udp echoes of %u bytes, checksums sent %s, received "
		    "none %u valid %u partial %u", dev->name, TEST_UDPS,
		    NETDEV_ETH_HLEN + TEST_IP_MTU,
		    dev->features & NETDEV_F_TX_CSUM ? "partial" : "whole",
		    t->udp_csum[NETDEV_CSUM_NONE], t->udp_csum[NETDEV_CSUM_VALID],
		    t->udp_csum[NETDEV_CSUM_PARTIAL]);
	return NULL;
}

/* The device's counters: the frames each way against the interrupts
 * and notifications they cost, and the drops. Frames nobody was there to
 * take (a tap's host sends its own, before and after the test listens)
 * are counted apart: they say nothing of the driver. */
static void show_stats(const struct netdev *dev)
{
	const struct netdev_stats *st = &dev->stats;
	uint64_t drops = 0;

	for (unsigned i = 0; i < NETDEV_DROP_REASONS; i++)
		if (i != NETDEV_DROP_RX_NO_STACK)
			drops += st->drops[i];
	printk_line("net-test: %s rx %llu tx %llu interrupts %llu notifies %llu drops %llu "
		    "unclaimed %llu",
		    dev->name, (unsigned long long)st->rx_packets,
		    (unsigned long long)st->tx_packets, (unsigned long long)st->rx_interrupts,
		    (unsigned long long)st->tx_notifies, (unsigned long long)drops,
		    (unsigned long long)st->drops[NETDEV_DROP_RX_NO_STACK]);
}

void virtio_net_selftest(void)
{
	bool ok = true;
	char why[80];

	if (!test_net)
		return;
	if (!netdev_count()) {
		printk_line("net-test: no network devices");
		ok = false;
	}
	for (unsigned i = 0; i < netdev_count(); i++) {
		struct netdev *dev = netdev_get(i);
		bool (*stack)(struct netdev *, const struct netdev_rx *, void *) = dev->receiver;
		void *stack_arg = dev->receiver_arg;
		struct net_test t = { 0 };
		const char *failed;

		netdev_set_receiver(dev, test_receiver, &t);
		failed = test_device(dev, &t, why, sizeof(why));
		netdev_set_receiver(dev, stack, stack_arg);
		show_stats(dev);
		if (failed) {
			printk_line("net-test: %s failed: %s", dev->name, failed);
			ok = false;
		}
	}
	if (!ok)
		power_off(TEST_FAILED);
}
