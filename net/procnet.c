/*
 * /proc/net: dev, route, if_inet6, tcp, tcp6, udp and udp6 in Linux's
 * formats (net/core/net-procfs.c, net/ipv4/fib_trie.c,
 * net/ipv6/addrconf.c, net/ipv4/tcp_ipv4.c, net/ipv6/tcp_ipv6.c,
 * net/ipv4/udp.c, net/ipv6/datagram.c), made from
 * lwIP's interfaces and protocol control blocks at each open.
 */
#include <flint/format.h>
#include <flint/vfs.h>

#include "lwip/priv/tcp_priv.h"
#include "lwip/tcpip.h"
#include "lwip/udp.h"
#include "net_priv.h"

#define PROC_DIR_PERM 0555
#define PROC_FILE_PERM 0444
#define ROUTE_LINE 127			/* fib_route_seq_show pads to 127 */
#define TCP_LINE 149			/* tcp4_seq_show: TMPSZ - 1 */
#define UDP_LINE 127			/* udp4_seq_show */
#define RTF_UP 0x1			/* include/uapi/linux/route.h */
#define RTF_GATEWAY 0x2
#define ROUTES_MAX 32
/* IPv6 address scopes and flags as if_inet6 shows them (include/net/ipv6.h,
 * include/uapi/linux/if_addr.h). */
#define IPV6_ADDR_LOOPBACK 0x10
#define IPV6_ADDR_LINKLOCAL 0x20
#define IFA_F_PERMANENT 0x80

/* Linux's TCP states (include/net/tcp_states.h) by lwIP's enum tcp_state. */
static const unsigned linux_tcp_state[] = {
	[CLOSED] = 7, [LISTEN] = 0x0a, [SYN_SENT] = 2, [SYN_RCVD] = 3,
	[ESTABLISHED] = 1, [FIN_WAIT_1] = 4, [FIN_WAIT_2] = 5, [CLOSE_WAIT] = 8,
	[CLOSING] = 0x0b, [LAST_ACK] = 9, [TIME_WAIT] = 6,
};
#define LINUX_TCP_ESTABLISHED 1
#define LINUX_TCP_CLOSE 7

struct out {
	char *buf;
	size_t size, len, line;		/* line: where the current line began */
};

static void sink(char c, void *arg)
{
	struct out *o = arg;

	if (o->len < o->size)
		o->buf[o->len] = c;
	o->len++;
}

__printf(2, 3) static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vformat(sink, o, fmt, ap);
	va_end(ap);
}

/* Ends a line, padded with spaces to width as seq_pad does. */
static void end_line(struct out *o, size_t width)
{
	while (o->len - o->line < width)
		sink(' ', o);
	sink('\n', o);
	o->line = o->len;
}

static size_t gen_dev(long arg, char *buf, size_t size)
{
	struct out o = { buf, size, 0, 0 };
	struct net_ifinfo info;

	(void)arg;
	put(&o, "Inter-|   Receive                                                |  Transmit\n"
		" face |bytes    packets errs drop fifo frame compressed multicast|"
		"bytes    packets errs drop fifo colls carrier compressed\n");
	for (unsigned pos = 0; net_if_get(pos, &info) == 0; pos++)
		put(&o, "%6s:%8llu %7llu %4u %4llu %4u %5u %10u %9u %8llu %7llu %4u %4llu %4u %5u %7u %10u\n",
		    info.name, (unsigned long long)info.rx_bytes,
		    (unsigned long long)info.rx_packets, 0, (unsigned long long)info.rx_drops,
		    0, 0, 0, 0, (unsigned long long)info.tx_bytes,
		    (unsigned long long)info.tx_packets, 0, (unsigned long long)info.tx_drops,
		    0, 0, 0, 0);
	return o.len;
}

static size_t gen_route(long arg, char *buf, size_t size)
{
	struct out o = { buf, size, 0, 0 };
	struct net_route4 routes[ROUTES_MAX];
	unsigned n = net_routes4(routes, ROUTES_MAX);
	struct net_ifinfo info;

	(void)arg;
	put(&o, "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT");
	end_line(&o, ROUTE_LINE);
	for (unsigned i = 0; i < n && i < ROUTES_MAX; i++) {
		const struct net_route4 *r = &routes[i];

		if (net_if_by_index(r->ifindex, &info))
			continue;
		put(&o, "%s\t%08X\t%08X\t%04X\t%d\t%u\t%d\t%08X\t%d\t%u\t%u", info.name,
		    r->dst, r->gateway, RTF_UP | (r->gateway ? RTF_GATEWAY : 0), 0, 0u, 0,
		    r->mask, 0, 0u, 0u);
		end_line(&o, ROUTE_LINE);
	}
	return o.len;
}

static size_t gen_if_inet6(long arg, char *buf, size_t size)
{
	struct out o = { buf, size, 0, 0 };
	struct net_ifinfo info;

	(void)arg;
	for (unsigned pos = 0; net_if_get(pos, &info) == 0; pos++)
		for (unsigned i = 0; i < info.naddr6; i++) {
			const struct net_addr6 *a = &info.addr6[i];

			for (unsigned b = 0; b < sizeof(a->addr); b++)
				put(&o, "%02x", a->addr[b]);
			put(&o, " %02x %02x %02x %02x %8s\n", info.index, a->prefix_len,
			    a->scope == NET_SCOPE_LINK ? IPV6_ADDR_LINKLOCAL :
			    a->scope == NET_SCOPE_HOST ? IPV6_ADDR_LOOPBACK : 0,
			    IFA_F_PERMANENT, info.name);
		}
	return o.len;
}

/* An address as Linux prints it: the 32-bit words of the network-order
 * address, each read as a host integer; NULL or an any-family address
 * are zeros. */
static void put_addr(struct out *o, const ip_addr_t *a, bool v6)
{
	if (!v6) {
		put(o, "%08X", a && IP_IS_V4(a) ? ip4_addr_get_u32(ip_2_ip4(a)) : 0);
	} else if (a && IP_IS_V6(a)) {
		const u32_t *w = ip_2_ip6(a)->addr;

		put(o, "%08X%08X%08X%08X", w[0], w[1], w[2], w[3]);
	} else if (a && IP_IS_V4(a) && !ip4_addr_isany(ip_2_ip4(a))) {
		/* A v4 address on a v6 socket is v4-mapped (RFC 4291 §2.5.5.2). */
		put(o, "0000000000000000FFFF0000%08X", ip4_addr_get_u32(ip_2_ip4(a)));
	} else {
		put(o, "%032X", 0);
	}
}

/* Which list a PCB goes in: tcp/udp show IPv4-only ones, tcp6/udp6 the
 * IPv6 and dual-stack ones, as Linux's AF_INET6 sockets. */
static bool pcb_is_v6(const ip_addr_t *local)
{
	return !IP_IS_V4(local);
}

static void put_tcp(struct out *o, unsigned *sl, const struct tcp_pcb *p, bool v6, bool listen)
{
	unsigned txq = 0, rxq = 0;

	if (pcb_is_v6(&p->local_ip) != v6)
		return;
	/* What is unacknowledged and unread, while there can be any. */
	if (p->state >= SYN_SENT && p->state < TIME_WAIT) {
		txq = p->snd_lbb - p->lastack;
		rxq = TCP_WND_MAX(p) - p->rcv_wnd;
	}
	put(o, "%4u: ", (*sl)++);
	put_addr(o, &p->local_ip, v6);
	put(o, ":%04X ", p->local_port);
	put_addr(o, listen ? NULL : &p->remote_ip, v6);
	put(o, ":%04X %02X %08X:%08X 00:00000000 00000000 %5u %8u 0 1 0000000000000000",
	    listen ? 0 : p->remote_port, linux_tcp_state[p->state], txq, rxq, 0, 0);
	if (v6)
		sink('\n', o), o->line = o->len;
	else
		end_line(o, TCP_LINE);
}

static size_t gen_tcp(long v6, char *buf, size_t size)
{
	struct out o = { buf, size, 0, 0 };
	unsigned sl = 0;

	if (v6)
		put(&o, "  sl  local_address                         remote_address"
			"                        st tx_queue rx_queue tr tm->when retrnsmt"
			"   uid  timeout inode\n");
	else {
		put(&o, "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when"
			" retrnsmt   uid  timeout inode");
		end_line(&o, TCP_LINE);
	}
	o.line = o.len;
	net_start();
	LOCK_TCPIP_CORE();
	for (struct tcp_pcb_listen *p = tcp_listen_pcbs.listen_pcbs; p; p = p->next)
		put_tcp(&o, &sl, (const struct tcp_pcb *)p, v6, true);
	for (struct tcp_pcb *p = tcp_active_pcbs; p; p = p->next)
		put_tcp(&o, &sl, p, v6, false);
	for (struct tcp_pcb *p = tcp_tw_pcbs; p; p = p->next)
		put_tcp(&o, &sl, p, v6, false);
	UNLOCK_TCPIP_CORE();
	return o.len;
}

static size_t gen_udp(long v6, char *buf, size_t size)
{
	struct out o = { buf, size, 0, 0 };
	unsigned sl = 0;

	if (v6)
		put(&o, "  sl  local_address                         remote_address"
			"                        st tx_queue rx_queue tr tm->when retrnsmt"
			"   uid  timeout inode ref pointer drops\n");
	else {
		put(&o, "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when"
			" retrnsmt   uid  timeout inode ref pointer drops");
		end_line(&o, UDP_LINE);
	}
	o.line = o.len;
	net_start();
	LOCK_TCPIP_CORE();
	for (struct udp_pcb *p = udp_pcbs; p; p = p->next) {
		bool connected = p->flags & UDP_FLAGS_CONNECTED;

		if (pcb_is_v6(&p->local_ip) != v6)
			continue;
		put(&o, "%5u: ", sl++);
		put_addr(&o, &p->local_ip, v6);
		put(&o, ":%04X ", p->local_port);
		put_addr(&o, &p->remote_ip, v6);
		put(&o, ":%04X %02X 00000000:00000000 00:00000000 00000000 %5u %8u 0 2 "
			"0000000000000000 0", connected ? p->remote_port : 0,
		    connected ? LINUX_TCP_ESTABLISHED : LINUX_TCP_CLOSE, 0, 0);
		if (v6)
			sink('\n', &o), o.line = o.len;
		else
			end_line(&o, UDP_LINE);
	}
	UNLOCK_TCPIP_CORE();
	return o.len;
}

void net_proc_init(void)
{
	static const struct {
		const char *path;
		size_t (*gen)(long arg, char *buf, size_t size);
		long arg;
	} files[] = {
		{ "/proc/net/dev", gen_dev, 0 },
		{ "/proc/net/route", gen_route, 0 },
		{ "/proc/net/if_inet6", gen_if_inet6, 0 },
		{ "/proc/net/tcp", gen_tcp, 0 },
		{ "/proc/net/tcp6", gen_tcp, 1 },
		{ "/proc/net/udp", gen_udp, 0 },
		{ "/proc/net/udp6", gen_udp, 1 },
	};

	if (vfs_mkdir(NULL, "/proc/net", PROC_DIR_PERM))
		return;
	for (unsigned i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		vfs_mkgen(NULL, files[i].path, PROC_FILE_PERM, files[i].gen, files[i].arg);
}
