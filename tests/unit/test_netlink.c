/* AF_NETLINK: the rtnetlink answers (net/netlink_msg.c) parsed back from
 * Linux's layouts, against a fake <flint/net.h> (lo, eth0 and any number
 * of extra interfaces), and the socket (net/netlink.c) through its
 * socket_ops with tests/unit/socket_fake.c and tests/unit/sched_fake.c. */
#include <flint/errno.h>
#include <flint/memory.h>
#include <flint/net.h>
#include <flint/page_alloc.h>
#include <flint/socket.h>
#include <flint/vfs.h>

#include "../../net/netlink.h"
#include "check.h"

#define RAM_PAGES 1024
#define HDR 16				/* sizeof(struct nlmsghdr) */
#define NLM_F_REQUEST 1
#define NLM_F_MULTI 2
#define NLM_F_ACK 4
#define NLM_F_DUMP 0x300
#define NLM_F_CAPPED 0x100
#define NLMSG_NOOP 1
#define NLMSG_ERROR 2
#define NLMSG_DONE 3
#define RTM_NEWLINK 16
#define RTM_GETLINK 18
#define RTM_NEWADDR 20
#define RTM_GETADDR 22
#define RTM_NEWROUTE 24
#define RTM_GETROUTE 26
#define IFLA_ADDRESS 1
#define IFLA_BROADCAST 2
#define IFLA_IFNAME 3
#define IFLA_MTU 4
#define IFLA_STATS 7
#define IFLA_OPERSTATE 16
#define IFLA_STATS64 23
#define IFA_ADDRESS 1
#define IFA_LOCAL 2
#define IFA_LABEL 3
#define IFA_BROADCAST 4
#define RTA_DST 1
#define RTA_OIF 4
#define RTA_GATEWAY 5
#define RTA_PREFSRC 7
#define RTA_TABLE 15
#define MAX_DGRAMS 64
#define MAX_ATTRS 32
/* Network order on the little-endian host (<arpa/inet.h> would bring the
 * C library's socket names, which clash with <flint/socket.h>'s). */
#define htonl(x) __builtin_bswap32(x)

static _Alignas(PAGE_SIZE) unsigned char ram[RAM_PAGES * PAGE_SIZE];

/* The fake stack: lo and eth0, then extra interfaces. */
static unsigned extra_ifs;

static struct net_ifinfo fake_if(unsigned pos)
{
	struct net_ifinfo i = { .index = pos + 1 };

	if (pos == 0) {
		strcpy(i.name, "lo");
		i.mtu = 65536;
		i.flags = NET_IFF_UP | NET_IFF_LOOPBACK | NET_IFF_RUNNING | NET_IFF_LOWER_UP;
		i.addr4 = htonl(0x7f000001);
		i.mask4 = htonl(0xff000000);
		i.naddr6 = 1;
		i.addr6[0] = (struct net_addr6){ .addr[15] = 1, .prefix_len = 128,
						 .scope = NET_SCOPE_HOST };
		return i;
	}
	snprintf(i.name, sizeof(i.name), "eth%u", pos - 1);
	memcpy(i.mac, "\x52\x54\x00\x12\x34\x56", 6);
	i.mac[5] = (uint8_t)pos;
	i.mtu = 1500;
	i.flags = NET_IFF_UP | NET_IFF_BROADCAST | NET_IFF_RUNNING | NET_IFF_MULTICAST |
		  NET_IFF_LOWER_UP;
	i.rx_packets = 5000000000ull;
	i.tx_bytes = 77;
	if (pos == 1) {
		i.addr4 = htonl(0x0a00020f);		/* 10.0.2.15/24 */
		i.mask4 = htonl(0xffffff00);
		i.bcast4 = htonl(0x0a0002ff);
		i.naddr6 = 1;
		i.addr6[0] = (struct net_addr6){ .addr = { 0xfe, 0x80 }, .prefix_len = 64,
						 .scope = NET_SCOPE_LINK };
	}
	return i;
}

unsigned net_if_count(void)
{
	return 2 + extra_ifs;
}

int net_if_get(unsigned pos, struct net_ifinfo *out)
{
	if (pos >= net_if_count())
		return -ENODEV;
	*out = fake_if(pos);
	return 0;
}

int net_if_by_index(unsigned index, struct net_ifinfo *out)
{
	return index ? net_if_get(index - 1, out) : -ENODEV;
}

int net_if_by_name(const char *name, struct net_ifinfo *out)
{
	for (unsigned i = 0; i < net_if_count(); i++)
		if (net_if_get(i, out) == 0 && !strcmp(out->name, name))
			return 0;
	return -ENODEV;
}

unsigned net_routes4(struct net_route4 *out, unsigned max)
{
	static const struct net_route4 r[] = {
		{ .dst = 0, .mask = 0, .gateway = 0x0202000a, .ifindex = 2 },	/* via 10.0.2.2 */
		{ .dst = 0x0002000a, .mask = 0x00ffffff, .ifindex = 2 },	/* 10.0.2.0/24 */
	};

	for (unsigned i = 0; i < 2 && i < max; i++)
		out[i] = r[i];
	return 2;
}

/* The answers, as datagrams. */
static struct {
	size_t len;
	uint8_t data[NL_DGRAM_MAX];
} dgrams[MAX_DGRAMS];
static unsigned ndgrams;

static int collect(void *arg, const void *data, size_t len)
{
	(void)arg;
	CHECK(ndgrams < MAX_DGRAMS);
	CHECK(len <= NL_DGRAM_MAX);
	dgrams[ndgrams].len = len;
	memcpy(dgrams[ndgrams].data, data, len);
	ndgrams++;
	return 0;
}

struct hdr {
	uint32_t len;
	uint16_t type, flags;
	uint32_t seq, pid;
};

/* One parsed message: its header, fixed part and attributes. */
struct msg {
	struct hdr h;
	const uint8_t *body;
	size_t body_len;
	struct {
		uint16_t type;
		const uint8_t *val;
		size_t len;
	} attr[MAX_ATTRS];
	unsigned nattr;
};

static struct msg msgs[256];
static unsigned nmsgs;

/* Parses every datagram: lengths within bounds, every message and
 * attribute 4-byte aligned, padding zero. fixed: the fixed part's size
 * by message type. */
static size_t fixed_size(uint16_t type, size_t body_len)
{
	switch (type) {
	case NLMSG_DONE:
		return 4;
	case NLMSG_ERROR:
		return body_len;
	case RTM_NEWLINK:
		return 16;
	case RTM_NEWADDR:
		return 8;
	case RTM_NEWROUTE:
		return 12;
	default:
		return 0;
	}
}

static void parse_all(void)
{
	nmsgs = 0;
	for (unsigned d = 0; d < ndgrams; d++) {
		const uint8_t *p = dgrams[d].data;
		size_t left = dgrams[d].len;

		CHECK(left >= HDR);
		while (left) {
			struct msg *m = &msgs[nmsgs++];
			size_t fixed, off;

			CHECK(nmsgs <= 256);
			memset(m, 0, sizeof(*m));
			memcpy(&m->h, p, sizeof(m->h));
			CHECKF(m->h.len >= HDR && m->h.len <= left, "bad nlmsg_len %u", m->h.len);
			CHECKF(m->h.len % 4 == 0, "nlmsg_len %u not aligned", m->h.len);
			m->body = p + HDR;
			m->body_len = m->h.len - HDR;
			fixed = fixed_size(m->h.type, m->body_len);
			CHECK(m->body_len >= fixed);
			for (off = fixed; off < m->body_len;) {
				uint16_t a[2];

				CHECK(m->body_len - off >= 4);
				memcpy(a, m->body + off, 4);
				CHECKF(a[0] >= 4 && off + a[0] <= m->body_len, "bad rta_len %u", a[0]);
				CHECK(m->nattr < MAX_ATTRS);
				m->attr[m->nattr].type = a[1];
				m->attr[m->nattr].val = m->body + off + 4;
				m->attr[m->nattr].len = a[0] - 4u;
				m->nattr++;
				for (size_t pad = a[0]; pad % 4; pad++)
					CHECK(m->body[off + pad] == 0);
				off += (a[0] + 3u) & ~3u;
			}
			CHECK(off == m->body_len);
			p += m->h.len;
			left -= m->h.len;
		}
	}
}

static const uint8_t *attr_of(const struct msg *m, uint16_t type, size_t *len)
{
	for (unsigned i = 0; i < m->nattr; i++)
		if (m->attr[i].type == type) {
			if (len)
				*len = m->attr[i].len;
			return m->attr[i].val;
		}
	return NULL;
}

static uint32_t attr_u32(const struct msg *m, uint16_t type)
{
	size_t len;
	const uint8_t *v = attr_of(m, type, &len);
	uint32_t x;

	CHECKF(v && len == 4, "attribute %u", type);
	memcpy(&x, v, 4);
	return x;
}

/* A request: header and a payload. */
static size_t put_req(uint8_t *buf, uint16_t type, uint16_t flags, uint32_t seq,
		      const void *payload, size_t n)
{
	struct hdr h = { .len = (uint32_t)(HDR + n), .type = type, .flags = flags, .seq = seq };

	memcpy(buf, &h, HDR);
	if (n)
		memcpy(buf + HDR, payload, n);
	return (HDR + n + 3) & ~(size_t)3;
}

static void answer(const uint8_t *req, size_t len)
{
	static struct nl_sink sink;

	sink.emit = collect;
	ndgrams = 0;
	nl_answer(&sink, req, len, 1234);
	parse_all();
}

static void dump(uint16_t type, uint8_t family)
{
	uint8_t req[64], payload[16] = { family };

	answer(req, put_req(req, type, NLM_F_REQUEST | NLM_F_DUMP, 77, payload,
			    type == RTM_GETLINK ? 16 : type == RTM_GETADDR ? 8 : 12));
}

static void check_done_last(void)
{
	CHECK(nmsgs >= 1);
	CHECK_EQ(msgs[nmsgs - 1].h.type, NLMSG_DONE);
	CHECK_EQ(msgs[nmsgs - 1].h.len, 20u);
	for (unsigned i = 0; i < nmsgs; i++) {
		CHECK_EQ(msgs[i].h.seq, 77u);
		CHECK_EQ(msgs[i].h.pid, 1234u);
		CHECK(msgs[i].h.flags & NLM_F_MULTI);
	}
}

TEST(link_dump)
{
	size_t len;
	const uint8_t *v;
	uint64_t stats64[24];
	int32_t index;

	extra_ifs = 0;
	dump(RTM_GETLINK, 0);
	check_done_last();
	CHECK_EQ(nmsgs, 3u);
	CHECK_EQ(msgs[0].h.type, RTM_NEWLINK);
	CHECK_STR((const char *)attr_of(&msgs[0], IFLA_IFNAME, NULL), "lo");
	CHECK_STR((const char *)attr_of(&msgs[1], IFLA_IFNAME, NULL), "eth0");
	memcpy(&index, msgs[1].body + 4, 4);
	CHECK_EQ(index, 2);
	CHECK_EQ(*(const uint16_t *)(msgs[0].body + 2), 772);	/* ARPHRD_LOOPBACK */
	CHECK_EQ(*(const uint16_t *)(msgs[1].body + 2), 1);	/* ARPHRD_ETHER */
	CHECK_EQ(attr_u32(&msgs[0], IFLA_MTU), 65536u);
	CHECK_EQ(attr_u32(&msgs[1], IFLA_MTU), 1500u);
	v = attr_of(&msgs[1], IFLA_ADDRESS, &len);
	CHECK(v && len == 6 && !memcmp(v, "\x52\x54\x00\x12\x34\x01", 6));
	v = attr_of(&msgs[1], IFLA_BROADCAST, &len);
	CHECK(v && len == 6 && !memcmp(v, "\xff\xff\xff\xff\xff\xff", 6));
	v = attr_of(&msgs[1], IFLA_OPERSTATE, &len);
	CHECK(v && len == 1 && *v == 6);			/* IF_OPER_UP */
	v = attr_of(&msgs[1], IFLA_STATS64, &len);
	CHECK(v && len == sizeof(stats64));
	memcpy(stats64, v, sizeof(stats64));
	CHECK_EQ(stats64[0], 5000000000ull);
	CHECK_EQ(stats64[3], 77ull);
	CHECK(attr_of(&msgs[1], IFLA_STATS, &len) && len == 96);
}

TEST(link_dump_spans_datagrams)
{
	extra_ifs = 40;
	dump(RTM_GETLINK, 0);
	check_done_last();
	CHECK_EQ(nmsgs, 43u);
	CHECK(ndgrams > 2);
	for (unsigned d = 0; d + 1 < ndgrams; d++)
		CHECK(dgrams[d].len > NL_DGRAM_MAX / 2);
	CHECK_STR((const char *)attr_of(&msgs[41], IFLA_IFNAME, NULL), "eth40");
}

TEST(link_get_one)
{
	uint8_t req[64], payload[24] = { 0 };
	int32_t idx = 2;

	extra_ifs = 0;
	memcpy(payload + 4, &idx, 4);
	answer(req, put_req(req, RTM_GETLINK, NLM_F_REQUEST, 5, payload, 16));
	CHECK_EQ(nmsgs, 1u);
	CHECK_EQ(msgs[0].h.type, RTM_NEWLINK);
	CHECK_EQ(msgs[0].h.flags, 0);
	CHECK_STR((const char *)attr_of(&msgs[0], IFLA_IFNAME, NULL), "eth0");
	/* By name: IFLA_IFNAME after an index of 0. */
	idx = 0;
	memcpy(payload + 4, &idx, 4);
	memcpy(payload + 16, "\x07\x00\x03\x00lo\x00\x00", 8);
	answer(req, put_req(req, RTM_GETLINK, NLM_F_REQUEST, 5, payload, 24));
	CHECK_EQ(nmsgs, 1u);
	CHECK_STR((const char *)attr_of(&msgs[0], IFLA_IFNAME, NULL), "lo");
	idx = 9;
	memcpy(payload + 4, &idx, 4);
	answer(req, put_req(req, RTM_GETLINK, NLM_F_REQUEST, 5, payload, 16));
	CHECK_EQ(nmsgs, 1u);
	CHECK_EQ(msgs[0].h.type, NLMSG_ERROR);
	CHECK_EQ(*(const int32_t *)msgs[0].body, -ENODEV);
}

TEST(addr_dump_families)
{
	size_t len;
	const uint8_t *v;

	extra_ifs = 0;
	dump(RTM_GETADDR, SOCK_AF_INET);
	check_done_last();
	CHECK_EQ(nmsgs, 3u);
	/* lo: 127.0.0.1/8, host scope, no broadcast. */
	CHECK_EQ(msgs[0].body[0], SOCK_AF_INET);
	CHECK_EQ(msgs[0].body[1], 8);
	CHECK_EQ(msgs[0].body[3], NET_SCOPE_HOST);
	CHECK_EQ(attr_u32(&msgs[0], IFA_LOCAL), htonl(0x7f000001));
	CHECK_EQ(attr_u32(&msgs[0], IFA_ADDRESS), htonl(0x7f000001));
	CHECK(!attr_of(&msgs[0], IFA_BROADCAST, NULL));
	CHECK_STR((const char *)attr_of(&msgs[0], IFA_LABEL, NULL), "lo");
	/* eth0: 10.0.2.15/24 with its broadcast, index 2. */
	CHECK_EQ(msgs[1].body[1], 24);
	CHECK_EQ(*(const uint32_t *)(msgs[1].body + 4), 2u);
	CHECK_EQ(attr_u32(&msgs[1], IFA_BROADCAST), htonl(0x0a0002ff));
	dump(RTM_GETADDR, SOCK_AF_INET6);
	check_done_last();
	CHECK_EQ(nmsgs, 3u);
	CHECK_EQ(msgs[0].body[0], SOCK_AF_INET6);
	CHECK_EQ(msgs[0].body[1], 128);
	v = attr_of(&msgs[0], IFA_ADDRESS, &len);
	CHECK(v && len == 16 && v[15] == 1);
	CHECK_EQ(msgs[1].body[3], NET_SCOPE_LINK);
	dump(RTM_GETADDR, SOCK_AF_UNSPEC);
	check_done_last();
	CHECK_EQ(nmsgs, 5u);
	/* A request without a payload is a dump of every family. */
	{
		uint8_t req[32];

		answer(req, put_req(req, RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, 77, NULL, 0));
		CHECK_EQ(nmsgs, 5u);
	}
}

TEST(route_dump)
{
	extra_ifs = 0;
	dump(RTM_GETROUTE, SOCK_AF_INET);
	check_done_last();
	CHECK_EQ(nmsgs, 3u);
	/* The default route: no RTA_DST, a gateway, universe scope. */
	CHECK_EQ(msgs[0].h.type, RTM_NEWROUTE);
	CHECK_EQ(msgs[0].body[1], 0);			/* rtm_dst_len */
	CHECK_EQ(msgs[0].body[4], 254);			/* RT_TABLE_MAIN */
	CHECK_EQ(msgs[0].body[6], 0);			/* RT_SCOPE_UNIVERSE */
	CHECK_EQ(msgs[0].body[7], 1);			/* RTN_UNICAST */
	CHECK(!attr_of(&msgs[0], RTA_DST, NULL));
	CHECK_EQ(attr_u32(&msgs[0], RTA_GATEWAY), 0x0202000au);
	CHECK_EQ(attr_u32(&msgs[0], RTA_OIF), 2u);
	CHECK_EQ(attr_u32(&msgs[0], RTA_TABLE), 254u);
	/* The subnet: its destination, link scope, the source address. */
	CHECK_EQ(msgs[1].body[1], 24);
	CHECK_EQ(msgs[1].body[5], 2);			/* RTPROT_KERNEL */
	CHECK_EQ(msgs[1].body[6], 253);			/* RT_SCOPE_LINK */
	CHECK_EQ(attr_u32(&msgs[1], RTA_DST), 0x0002000au);
	CHECK_EQ(attr_u32(&msgs[1], RTA_PREFSRC), htonl(0x0a00020f));
	CHECK(!attr_of(&msgs[1], RTA_GATEWAY, NULL));
	dump(RTM_GETROUTE, SOCK_AF_INET6);
	CHECK_EQ(nmsgs, 1u);
	check_done_last();
}

TEST(errors_and_acks)
{
	uint8_t req[256], payload[12] = { SOCK_AF_INET, 24 };
	size_t n = 0;
	int32_t err;
	struct hdr echoed;

	extra_ifs = 0;
	/* Not done: an error with the whole request echoed. */
	n += put_req(req, RTM_NEWADDR, NLM_F_REQUEST | NLM_F_ACK, 1, payload, 8);
	/* A no-op asking for an ack: error 0, the header only. */
	n += put_req(req + n, NLMSG_NOOP, NLM_F_REQUEST | NLM_F_ACK, 2, NULL, 0);
	/* Not a request: ignored. */
	n += put_req(req + n, RTM_GETLINK, NLM_F_DUMP, 3, NULL, 0);
	/* A dump with NLM_F_ACK: NLMSG_DONE, no ack. */
	n += put_req(req + n, RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP | NLM_F_ACK, 4, payload, 12);
	answer(req, n);
	CHECK_EQ(nmsgs, 5u);
	CHECK_EQ(msgs[0].h.type, NLMSG_ERROR);
	CHECK_EQ(msgs[0].h.seq, 1u);
	CHECK_EQ(msgs[0].h.flags, 0);
	CHECK_EQ(msgs[0].h.len, (uint32_t)(HDR + 4 + HDR + 8));
	memcpy(&err, msgs[0].body, 4);
	CHECK_EQ(err, -EOPNOTSUPP);
	memcpy(&echoed, msgs[0].body + 4, HDR);
	CHECK_EQ(echoed.type, RTM_NEWADDR);
	CHECK_EQ(echoed.seq, 1u);
	CHECK(!memcmp(msgs[0].body + 4 + HDR, payload, 8));
	CHECK_EQ(msgs[1].h.type, NLMSG_ERROR);
	CHECK_EQ(msgs[1].h.flags, NLM_F_CAPPED);
	CHECK_EQ(msgs[1].h.len, (uint32_t)(HDR + 4 + HDR));
	memcpy(&err, msgs[1].body, 4);
	CHECK_EQ(err, 0);
	CHECK_EQ(msgs[2].h.type, RTM_NEWROUTE);
	CHECK_EQ(msgs[4].h.type, NLMSG_DONE);
	/* Malformed: a length below the header's, or past the buffer. */
	{
		struct hdr h = { .len = 8, .type = RTM_GETLINK, .flags = NLM_F_REQUEST | NLM_F_DUMP };

		memcpy(req, &h, HDR);
		answer(req, HDR);
		CHECK_EQ(ndgrams, 0u);
		h.len = 200;
		memcpy(req, &h, HDR);
		answer(req, HDR);
		CHECK_EQ(ndgrams, 0u);
		answer(req, 7);
		CHECK_EQ(ndgrams, 0u);
	}
}

/* The socket. */
static int pid = 42;

static int fake_pid(void)
{
	return pid;
}

static struct vnode *fake_cwd(void)
{
	return NULL;
}

static const struct socket_caller fake_caller = { .pid = fake_pid, .cwd = fake_cwd };

static void setup(void)
{
	struct memmap m = { 0 };

	memmap_add(&m, (uint64_t)(uintptr_t)ram, sizeof(ram), MEMMAP_RAM);
	CHECK_EQ(page_alloc_init(&m, NULL, 0), 0);
	CHECK_EQ(vfs_init(), 0);
	socket_set_caller(&fake_caller);
	netlink_init();
	extra_ifs = 0;
}

static struct socket *nl_socket(struct file **f)
{
	CHECK_EQ(socket_create(SOCK_AF_NETLINK, SOCK_RAW, 0, 0, f), 0);
	return socket_of(*f);
}

static struct sock_addr nl_addr(uint32_t pid)
{
	struct sock_addr a = { .len = 12 };

	a.family = SOCK_AF_NETLINK;
	memcpy(a.bytes + 4, &pid, 4);
	return a;
}

static uint32_t port_of(struct socket *s)
{
	struct sock_addr a;
	uint32_t p;

	CHECK_EQ(s->ops->getname(s, &a, false), 0);
	CHECK_EQ(a.len, 12u);
	memcpy(&p, a.bytes + 4, 4);
	return p;
}

TEST(socket_bind_send_recv)
{
	struct file *f1, *f2;
	struct socket *s1, *s2;
	struct sock_addr a = nl_addr(0), from;
	uint8_t req[64], buf[8192], payload[16] = { 0 };
	struct sock_iov iov = { req, 0 };
	struct sock_msg m = { .iov = &iov, .iovlen = 1 };
	long n, whole;
	struct hdr h;

	setup();
	CHECK_EQ(socket_create(SOCK_AF_NETLINK, SOCK_STREAM, 0, 0, &f1), -ESOCKTNOSUPPORT);
	CHECK_EQ(socket_create(SOCK_AF_NETLINK, SOCK_RAW, 9, 0, &f1), -EPROTONOSUPPORT);
	s1 = nl_socket(&f1);
	s2 = nl_socket(&f2);
	CHECK_EQ(port_of(s1), 0u);
	CHECK_EQ(s1->ops->bind(s1, &a), 0);
	CHECK_EQ(port_of(s1), 42u);			/* the process's pid */
	a = nl_addr(42);
	CHECK_EQ(s2->ops->bind(s2, &a), -EADDRINUSE);
	a.len = 8;
	CHECK_EQ(s2->ops->bind(s2, &a), -EINVAL);
	/* Sending binds a second socket of the process elsewhere. */
	iov.len = put_req(req, RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, 9, payload, 16);
	CHECK_EQ(s2->ops->sendmsg(s2, &m), (long)iov.len);
	CHECK_EQ(port_of(s2), (uint32_t)-4096);
	/* A small buffer: MSG_TRUNC; with MSG_TRUNC asked, the whole size. */
	iov = (struct sock_iov){ buf, 20 };
	m = (struct sock_msg){ .iov = &iov, .iovlen = 1, .flags = SOCK_MSG_PEEK | SOCK_MSG_TRUNC };
	whole = s2->ops->recvmsg(s2, &m);
	CHECK(whole > 20);
	CHECK(m.flags & SOCK_MSG_TRUNC);
	m = (struct sock_msg){ .iov = &iov, .iovlen = 1, .addr = &from };
	iov.len = sizeof(buf);
	n = s2->ops->recvmsg(s2, &m);
	CHECK_EQ(n, whole);
	CHECK(!(m.flags & SOCK_MSG_TRUNC));
	CHECK_EQ(from.len, 12u);
	CHECK_EQ(from.family, SOCK_AF_NETLINK);
	CHECK_EQ(*(uint32_t *)(from.bytes + 4), 0u);	/* from the kernel */
	memcpy(&h, buf, HDR);
	CHECK_EQ(h.type, RTM_NEWLINK);
	CHECK_EQ(h.seq, 9u);
	CHECK_EQ(h.pid, (uint32_t)-4096);
	CHECK(s2->ops->poll(s2) & VFS_POLLOUT);
	m = (struct sock_msg){ .iov = &iov, .iovlen = 1, .flags = SOCK_MSG_DONTWAIT };
	CHECK_EQ(s2->ops->recvmsg(s2, &m), -EAGAIN);
	CHECK(!(s2->ops->poll(s2) & VFS_POLLIN));
	/* Other programs' sockets are not served. */
	{
		struct sock_addr to = nl_addr(42);

		iov = (struct sock_iov){ req, 16 };
		m = (struct sock_msg){ .iov = &iov, .iovlen = 1, .addr = &to };
		CHECK_EQ(s2->ops->sendmsg(s2, &m), -ECONNREFUSED);
	}
	CHECK_EQ(s1->ops->listen(s1, 1), -EOPNOTSUPP);
	file_put(f1);
	file_put(f2);
	/* The port is free again. */
	s1 = nl_socket(&f1);
	a = nl_addr(42);
	CHECK_EQ(s1->ops->bind(s1, &a), 0);
	file_put(f1);
}

int main(void)
{
	return check_run();
}
