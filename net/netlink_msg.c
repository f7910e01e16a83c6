/*
 * rtnetlink's answers in Linux's layouts (rtnetlink(7), netlink(7)):
 * RTM_GETLINK, RTM_GETADDR (IPv4 and IPv6) and RTM_GETROUTE dumps from
 * <flint/net.h>, RTM_GETLINK of one interface, NLMSG_ERROR for errors
 * and acks. Everything is in host order but the addresses; messages and
 * attributes are padded to 4 bytes (NLMSG_ALIGN, RTA_ALIGN).
 */
#include <flint/errno.h>
#include <flint/net.h>
#include <flint/socket.h>
#include <flint/string.h>

#include "netlink.h"

/* uapi/linux/netlink.h */
#define NLMSG_ALIGNTO 4
#define NLMSG_HDRLEN 16
#define NLMSG_NOOP 1
#define NLMSG_ERROR 2
#define NLMSG_DONE 3
#define NLMSG_MIN_TYPE 16
#define NLM_F_REQUEST 0x1
#define NLM_F_MULTI 0x2
#define NLM_F_ACK 0x4
#define NLM_F_DUMP 0x300		/* NLM_F_ROOT | NLM_F_MATCH */
#define NLM_F_CAPPED 0x100		/* an ack without the request's payload */
/* uapi/linux/rtnetlink.h */
#define RTM_NEWLINK 16
#define RTM_GETLINK 18
#define RTM_NEWADDR 20
#define RTM_GETADDR 22
#define RTM_NEWROUTE 24
#define RTM_GETROUTE 26
#define RTA_HDRLEN 4
#define RTA_DST 1
#define RTA_OIF 4
#define RTA_GATEWAY 5
#define RTA_PREFSRC 7
#define RTA_TABLE 15
#define RT_TABLE_MAIN 254
#define RTPROT_KERNEL 2			/* a subnet's own route */
#define RTPROT_BOOT 3			/* configured at boot (ip=, DHCP) */
#define RTN_UNICAST 1
/* uapi/linux/if_link.h */
#define IFLA_ADDRESS 1
#define IFLA_BROADCAST 2
#define IFLA_IFNAME 3
#define IFLA_MTU 4
#define IFLA_QDISC 6
#define IFLA_STATS 7
#define IFLA_TXQLEN 13
#define IFLA_OPERSTATE 16
#define IFLA_LINKMODE 17
#define IFLA_STATS64 23
#define IF_OPER_UNKNOWN 0		/* what Linux's lo shows */
#define IF_OPER_DOWN 2
#define IF_OPER_UP 6
#define LINK_STATS_FIELDS 24		/* struct rtnl_link_stats{,64}, rx_nohandler the last */
#define LINK_TXQLEN 1000		/* Linux's default queue length */
/* uapi/linux/if_addr.h */
#define IFA_ADDRESS 1
#define IFA_LOCAL 2
#define IFA_LABEL 3
#define IFA_BROADCAST 4
#define IFA_CACHEINFO 6
#define IFA_FLAGS 8
#define IFA_F_PERMANENT 0x80
#define IFA_INFINITY 0xffffffffu	/* INFINITY_LIFE_TIME */
/* uapi/linux/if_arp.h */
#define ARPHRD_ETHER 1
#define ARPHRD_LOOPBACK 772
#define ETH_ALEN 6
#define IPV4_BITS 32
#define IPV6_BYTES 16

#define NL_MSG_MAX 1024			/* one answer message, attributes and all */
#define NL_ROUTES_MAX 64		/* routes one dump shows */

struct nlmsghdr {
	uint32_t len;
	uint16_t type, flags;
	uint32_t seq, pid;
};

struct ifinfomsg {
	uint8_t family, pad;
	uint16_t type;
	int32_t index;
	uint32_t flags, change;
};

struct ifaddrmsg {
	uint8_t family, prefixlen, flags, scope;
	uint32_t index;
};

struct rtmsg {
	uint8_t family, dst_len, src_len, tos, table, protocol, scope, type;
	uint32_t flags;
};

struct ifa_cacheinfo {
	uint32_t prefered, valid, cstamp, tstamp;
};

/* One message being built. */
struct nl_msg {
	size_t len;
	_Alignas(NLMSG_ALIGNTO) uint8_t b[NL_MSG_MAX];
};

/* What one request asked, for its answer's headers. */
struct nl_req {
	uint32_t seq, portid;
	uint16_t flags;
};

static size_t align(size_t n)
{
	return (n + NLMSG_ALIGNTO - 1) & ~(size_t)(NLMSG_ALIGNTO - 1);
}

/* Starts a message with its fixed part (zeroed), which it returns. */
static void *msg_start(struct nl_msg *m, uint16_t type, uint16_t flags, const struct nl_req *rq,
		       size_t fixed)
{
	struct nlmsghdr h = { .type = type, .flags = flags, .seq = rq->seq, .pid = rq->portid };

	memcpy(m->b, &h, sizeof(h));
	memset(m->b + NLMSG_HDRLEN, 0, align(fixed));
	m->len = NLMSG_HDRLEN + align(fixed);
	return m->b + NLMSG_HDRLEN;
}

static void attr(struct nl_msg *m, uint16_t type, const void *data, size_t n)
{
	uint16_t h[2] = { (uint16_t)(RTA_HDRLEN + n), type };

	if (m->len + align(RTA_HDRLEN + n) > sizeof(m->b))
		return;
	memcpy(m->b + m->len, h, sizeof(h));
	memcpy(m->b + m->len + RTA_HDRLEN, data, n);
	memset(m->b + m->len + RTA_HDRLEN + n, 0, align(RTA_HDRLEN + n) - (RTA_HDRLEN + n));
	m->len += align(RTA_HDRLEN + n);
}

static void attr_u32(struct nl_msg *m, uint16_t type, uint32_t v)
{
	attr(m, type, &v, sizeof(v));
}

static void attr_u8(struct nl_msg *m, uint16_t type, uint8_t v)
{
	attr(m, type, &v, sizeof(v));
}

static void attr_str(struct nl_msg *m, uint16_t type, const char *s)
{
	attr(m, type, s, strlen(s) + 1);
}

static void flush(struct nl_sink *s)
{
	if (s->len && !s->err)
		s->err = s->emit(s->arg, s->buf, s->len);
	s->len = 0;
}

/* Ends m (its length in its header) and adds it to the sink's datagram,
 * which goes when the message does not fit. */
static void msg_put(struct nl_sink *s, struct nl_msg *m)
{
	uint32_t len = (uint32_t)m->len;

	memcpy(m->b, &len, sizeof(len));
	if (s->len + m->len > sizeof(s->buf))
		flush(s);
	memcpy(s->buf + s->len, m->b, m->len);
	s->len += m->len;
}

static void put_done(struct nl_sink *s, const struct nl_req *rq)
{
	struct nl_msg m;
	int32_t zero = 0;

	memcpy(msg_start(&m, NLMSG_DONE, NLM_F_MULTI, rq, sizeof(zero)), &zero, sizeof(zero));
	msg_put(s, &m);
	flush(s);
}

/* NLMSG_ERROR: the error (0: an ack) and the request's header, with its
 * payload too for an error (Linux's default, without NETLINK_CAP_ACK). */
static void put_error(struct nl_sink *s, const struct nl_req *rq, int err,
		      const uint8_t *req, size_t req_len)
{
	struct nl_msg m;
	size_t echo = err ? req_len : NLMSG_HDRLEN;
	uint8_t *p;

	if (sizeof(int32_t) + echo > sizeof(m.b) - NLMSG_HDRLEN)
		echo = NLMSG_HDRLEN;
	p = msg_start(&m, NLMSG_ERROR, err ? 0 : NLM_F_CAPPED, rq, sizeof(int32_t) + echo);
	memcpy(p, &err, sizeof(int32_t));
	memcpy(p + sizeof(int32_t), req, echo);
	msg_put(s, &m);
	flush(s);
}

static unsigned prefix_len(uint32_t mask_be)
{
	uint32_t m = __builtin_bswap32(mask_be);

	return m ? (unsigned)(IPV4_BITS - __builtin_ctz(m)) : 0;
}

static void link_stats(struct nl_msg *m, const struct net_ifinfo *ifi)
{
	/* rx_packets, tx_packets, rx_bytes, tx_bytes, rx_errors,
	 * tx_errors, rx_dropped, tx_dropped; the rest 0. */
	uint64_t v[LINK_STATS_FIELDS] = { ifi->rx_packets, ifi->tx_packets, ifi->rx_bytes,
					  ifi->tx_bytes, 0, 0, ifi->rx_drops, ifi->tx_drops };
	uint32_t v32[LINK_STATS_FIELDS];

	for (unsigned i = 0; i < LINK_STATS_FIELDS; i++)
		v32[i] = (uint32_t)v[i];
	attr(m, IFLA_STATS, v32, sizeof(v32));
	attr(m, IFLA_STATS64, v, sizeof(v));
}

static void put_link(struct nl_sink *s, const struct nl_req *rq, uint16_t flags,
		     const struct net_ifinfo *ifi)
{
	static const uint8_t bcast[ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t none[ETH_ALEN];
	bool lo = ifi->flags & NET_IFF_LOOPBACK;
	struct nl_msg m;
	struct ifinfomsg *ifm = msg_start(&m, RTM_NEWLINK, flags, rq, sizeof(*ifm));

	ifm->family = SOCK_AF_UNSPEC;
	ifm->type = lo ? ARPHRD_LOOPBACK : ARPHRD_ETHER;
	ifm->index = (int32_t)ifi->index;
	ifm->flags = ifi->flags;
	attr_str(&m, IFLA_IFNAME, ifi->name);
	attr_u32(&m, IFLA_TXQLEN, LINK_TXQLEN);
	attr_u8(&m, IFLA_OPERSTATE, lo ? IF_OPER_UNKNOWN :
		(ifi->flags & NET_IFF_RUNNING) ? IF_OPER_UP : IF_OPER_DOWN);
	attr_u8(&m, IFLA_LINKMODE, 0);
	attr_u32(&m, IFLA_MTU, ifi->mtu);
	attr_str(&m, IFLA_QDISC, "noqueue");
	attr(&m, IFLA_ADDRESS, ifi->mac, ETH_ALEN);
	attr(&m, IFLA_BROADCAST, lo ? none : bcast, ETH_ALEN);
	link_stats(&m, ifi);
	msg_put(s, &m);
}

static void put_cacheinfo(struct nl_msg *m)
{
	struct ifa_cacheinfo ci = { .prefered = IFA_INFINITY, .valid = IFA_INFINITY };

	attr(m, IFA_CACHEINFO, &ci, sizeof(ci));
}

static void put_addr4(struct nl_sink *s, const struct nl_req *rq, const struct net_ifinfo *ifi)
{
	bool lo = ifi->flags & NET_IFF_LOOPBACK;
	struct nl_msg m;
	struct ifaddrmsg *ifa = msg_start(&m, RTM_NEWADDR, NLM_F_MULTI, rq, sizeof(*ifa));

	ifa->family = SOCK_AF_INET;
	ifa->prefixlen = (uint8_t)prefix_len(ifi->mask4);
	ifa->flags = IFA_F_PERMANENT;
	ifa->scope = lo ? NET_SCOPE_HOST : NET_SCOPE_UNIVERSE;
	ifa->index = ifi->index;
	attr(&m, IFA_ADDRESS, &ifi->addr4, sizeof(ifi->addr4));
	attr(&m, IFA_LOCAL, &ifi->addr4, sizeof(ifi->addr4));
	if (ifi->bcast4 && !lo)
		attr(&m, IFA_BROADCAST, &ifi->bcast4, sizeof(ifi->bcast4));
	attr_str(&m, IFA_LABEL, ifi->name);
	attr_u32(&m, IFA_FLAGS, IFA_F_PERMANENT);
	put_cacheinfo(&m);
	msg_put(s, &m);
}

static void put_addr6(struct nl_sink *s, const struct nl_req *rq, const struct net_ifinfo *ifi,
		      const struct net_addr6 *a)
{
	struct nl_msg m;
	struct ifaddrmsg *ifa = msg_start(&m, RTM_NEWADDR, NLM_F_MULTI, rq, sizeof(*ifa));

	ifa->family = SOCK_AF_INET6;
	ifa->prefixlen = a->prefix_len;
	ifa->flags = IFA_F_PERMANENT;
	ifa->scope = a->scope;
	ifa->index = ifi->index;
	attr(&m, IFA_ADDRESS, a->addr, IPV6_BYTES);
	attr_u32(&m, IFA_FLAGS, IFA_F_PERMANENT);
	put_cacheinfo(&m);
	msg_put(s, &m);
}

/* An on-link route is the kernel's route of a subnet (its source the
 * interface's address); one through a gateway was configured. */
static void put_route(struct nl_sink *s, const struct nl_req *rq, const struct net_route4 *r)
{
	struct net_ifinfo ifi;
	struct nl_msg m;
	struct rtmsg *rt = msg_start(&m, RTM_NEWROUTE, NLM_F_MULTI, rq, sizeof(*rt));

	rt->family = SOCK_AF_INET;
	rt->dst_len = (uint8_t)prefix_len(r->mask);
	rt->table = RT_TABLE_MAIN;
	rt->protocol = r->gateway ? RTPROT_BOOT : RTPROT_KERNEL;
	rt->scope = r->gateway ? NET_SCOPE_UNIVERSE : NET_SCOPE_LINK;
	rt->type = RTN_UNICAST;
	attr_u32(&m, RTA_TABLE, RT_TABLE_MAIN);
	if (rt->dst_len)
		attr(&m, RTA_DST, &r->dst, sizeof(r->dst));
	if (r->gateway)
		attr(&m, RTA_GATEWAY, &r->gateway, sizeof(r->gateway));
	else if (net_if_by_index(r->ifindex, &ifi) == 0 && ifi.addr4)
		attr(&m, RTA_PREFSRC, &ifi.addr4, sizeof(ifi.addr4));
	attr_u32(&m, RTA_OIF, r->ifindex);
	msg_put(s, &m);
}

static void dump_links(struct nl_sink *s, const struct nl_req *rq)
{
	struct net_ifinfo ifi;

	for (unsigned i = 0; net_if_get(i, &ifi) == 0; i++)
		put_link(s, rq, NLM_F_MULTI, &ifi);
}

static void dump_addrs(struct nl_sink *s, const struct nl_req *rq, uint8_t family)
{
	struct net_ifinfo ifi;

	for (unsigned i = 0; net_if_get(i, &ifi) == 0; i++) {
		if (ifi.addr4 && (family == SOCK_AF_UNSPEC || family == SOCK_AF_INET))
			put_addr4(s, rq, &ifi);
		if (family != SOCK_AF_UNSPEC && family != SOCK_AF_INET6)
			continue;
		for (unsigned j = 0; j < ifi.naddr6 && j < NET_ADDR6_MAX; j++)
			put_addr6(s, rq, &ifi, &ifi.addr6[j]);
	}
}

static void dump_routes(struct nl_sink *s, const struct nl_req *rq, uint8_t family)
{
	struct net_route4 r[NL_ROUTES_MAX];
	unsigned n;

	if (family != SOCK_AF_UNSPEC && family != SOCK_AF_INET)
		return;
	n = net_routes4(r, NL_ROUTES_MAX);
	for (unsigned i = 0; i < n && i < NL_ROUTES_MAX; i++)
		put_route(s, rq, &r[i]);
}

/* The value of attribute type in the attributes at a (n bytes), or NULL. */
static const uint8_t *find_attr(const uint8_t *a, size_t n, uint16_t type, size_t *len)
{
	while (n >= RTA_HDRLEN) {
		uint16_t h[2];

		memcpy(h, a, sizeof(h));
		if (h[0] < RTA_HDRLEN || h[0] > n)
			return NULL;
		if (h[1] == type) {
			*len = h[0] - RTA_HDRLEN;
			return a + RTA_HDRLEN;
		}
		if (align(h[0]) >= n)
			return NULL;
		a += align(h[0]);
		n -= align(h[0]);
	}
	return NULL;
}

/* RTM_GETLINK of one interface: by index, else by IFLA_IFNAME. */
static int get_link(struct nl_sink *s, const struct nl_req *rq, const uint8_t *p, size_t n)
{
	char name[NET_IFNAME_MAX];
	struct net_ifinfo ifi;
	struct ifinfomsg ifm;
	const uint8_t *v;
	size_t len;

	if (n < sizeof(ifm))
		return -EINVAL;
	memcpy(&ifm, p, sizeof(ifm));
	if (ifm.index > 0) {
		if (net_if_by_index((unsigned)ifm.index, &ifi) < 0)
			return -ENODEV;
	} else {
		v = find_attr(p + sizeof(ifm), n - sizeof(ifm), IFLA_IFNAME, &len);
		if (!v)
			return -EINVAL;
		if (len >= sizeof(name))
			return -ENODEV;
		memcpy(name, v, len);
		name[len] = '\0';
		if (net_if_by_name(name, &ifi) < 0)
			return -ENODEV;
	}
	put_link(s, rq, 0, &ifi);
	flush(s);
	return 0;
}

/* One request: 0 (answered) or the error to report; *dumped when it was
 * a dump, which NLMSG_DONE ends instead of an ack. A dump's family is the
 * first byte of its payload when there is one; either bit of NLM_F_DUMP
 * asks for one, as in Linux. */
static int request(struct nl_sink *s, const struct nl_req *rq, uint16_t type,
		   const uint8_t *p, size_t n, bool *dumped)
{
	uint8_t family = n ? p[0] : SOCK_AF_UNSPEC;
	bool dump = rq->flags & NLM_F_DUMP;

	if (type == RTM_GETLINK && !dump)
		return get_link(s, rq, p, n);
	if ((type != RTM_GETLINK && type != RTM_GETADDR && type != RTM_GETROUTE) || !dump)
		return -EOPNOTSUPP;
	*dumped = true;
	if (type == RTM_GETLINK)
		dump_links(s, rq);
	else if (type == RTM_GETADDR)
		dump_addrs(s, rq, family);
	else
		dump_routes(s, rq, family);
	put_done(s, rq);
	return 0;
}

void nl_answer(struct nl_sink *s, const uint8_t *req, size_t len, uint32_t portid)
{
	s->len = 0;
	s->err = 0;
	while (len >= NLMSG_HDRLEN && !s->err) {
		struct nlmsghdr h;
		struct nl_req rq;
		bool dumped = false;
		int err = 0;

		memcpy(&h, req, sizeof(h));
		if (h.len < NLMSG_HDRLEN || h.len > len)
			break;
		rq = (struct nl_req){ .seq = h.seq, .portid = portid, .flags = h.flags };
		if ((h.flags & NLM_F_REQUEST) && h.type >= NLMSG_MIN_TYPE)
			err = request(s, &rq, h.type, req + NLMSG_HDRLEN, h.len - NLMSG_HDRLEN,
				      &dumped);
		if ((h.flags & NLM_F_REQUEST) && (err || ((h.flags & NLM_F_ACK) && !dumped)))
			put_error(s, &rq, err, req, h.len);
		if (align(h.len) >= len)
			break;
		req += align(h.len);
		len -= align(h.len);
	}
	flush(s);
}
