/*
 * The network stack's start and what the kernel may ask of it: lwIP's
 * thread with the loopback interface (lo, ifindex 1) and one interface
 * per network device (eth0 ...), configured from ip=. With no device and
 * no ip= the boot does not start lwIP at all: the first call that needs
 * it (a socket, a query, /proc/net) does. The files in /etc are written
 * at the boot either way.
 */
#include <flint/errno.h>
#include <flint/netdev.h>
#include <flint/printk.h>
#include <flint/string.h>
#include <flint/sync.h>

#include "lwip/tcpip.h"
#include "net_priv.h"

/* What Linux gives lo (drivers/net/loopback.c); lwIP's netif keeps 0,
 * and its field (16 bits) could not hold it. */
#define LOOPBACK_MTU 65536

static struct mutex start_lock;
static bool started;

static void start_locked(void)
{
	tcpip_init(NULL, NULL);
	LOCK_TCPIP_CORE();
	for (unsigned i = 0; i < netdev_count(); i++)
		if (!net_netif_attach(netdev_get(i)))
			printk("net: %s: lwIP has no room for it\n", netdev_get(i)->name);
	net_config_apply();
	UNLOCK_TCPIP_CORE();
	__atomic_store_n(&started, true, __ATOMIC_RELEASE);
}

void net_start(void)
{
	if (__atomic_load_n(&started, __ATOMIC_ACQUIRE))
		return;
	mutex_lock(&start_lock);
	if (!started)
		start_locked();
	mutex_unlock(&start_lock);
}

bool net_started(void)
{
	return __atomic_load_n(&started, __ATOMIC_ACQUIRE);
}

void net_init(void)
{
	net_proc_init();
	net_config_files();
	if (netdev_count() || net_config_pending())
		net_start();
}

/* Linux's flags for an lwIP interface. */
static unsigned if_flags(const struct netif *n, const struct netdev *dev)
{
	unsigned f = 0;

	if (netif_is_up(n))
		f |= NET_IFF_UP;
	if (netif_is_link_up(n))
		f |= NET_IFF_RUNNING | NET_IFF_LOWER_UP;
	if (!dev)
		f |= NET_IFF_LOOPBACK;
	if (n->flags & NETIF_FLAG_BROADCAST)
		f |= NET_IFF_BROADCAST;
	if (n->flags & (NETIF_FLAG_IGMP | NETIF_FLAG_MLD6))
		f |= NET_IFF_MULTICAST;
	return f;
}

static void if_addr6(const struct netif *n, struct net_ifinfo *out)
{
	for (int i = 0; i < LWIP_IPV6_NUM_ADDRESSES && out->naddr6 < NET_ADDR6_MAX; i++) {
		const ip6_addr_t *a = netif_ip6_addr(n, i);
		struct net_addr6 *o = &out->addr6[out->naddr6];

		if (!ip6_addr_isvalid(netif_ip6_addr_state(n, i)))
			continue;
		memcpy(o->addr, a->addr, sizeof(o->addr));
		if (ip6_addr_isloopback(a)) {
			o->prefix_len = 128;
			o->scope = NET_SCOPE_HOST;
		} else {
			o->prefix_len = 64;	/* SLAAC's prefixes (RFC 4862 §5.5.3) */
			o->scope = ip6_addr_islinklocal(a) ? NET_SCOPE_LINK : NET_SCOPE_UNIVERSE;
		}
		out->naddr6++;
	}
}

/* Core lock held. */
static void if_info(const struct netif *n, struct net_ifinfo *out)
{
	struct netdev *dev = net_netif_dev(n);

	memset(out, 0, sizeof(*out));
	out->index = netif_get_index(n);
	memcpy(out->name, net_netif_name(n), strnlen(net_netif_name(n), NET_IFNAME_MAX - 1));
	if (dev)
		memcpy(out->mac, n->hwaddr, sizeof(out->mac));
	out->mtu = dev ? n->mtu : LOOPBACK_MTU;
	out->flags = if_flags(n, dev);
	out->addr4 = ip4_addr_get_u32(netif_ip4_addr(n));
	out->mask4 = ip4_addr_get_u32(netif_ip4_netmask(n));
	if (out->addr4 && (n->flags & NETIF_FLAG_BROADCAST))
		out->bcast4 = out->addr4 | ~out->mask4;
	if_addr6(n, out);
	if (dev) {
		const struct netdev_stats *s = &dev->stats;

		out->rx_packets = s->rx_packets;
		out->rx_bytes = s->rx_bytes;
		out->tx_packets = s->tx_packets;
		out->tx_bytes = s->tx_bytes;
		for (unsigned i = 0; i < NETDEV_DROP_REASONS; i++) {
			if (i < NETDEV_DROP_TX_FULL)
				out->rx_drops += s->drops[i];
			else
				out->tx_drops += s->drops[i];
		}
	} else {
		/* Everything the loopback sends it receives. */
		out->tx_packets = out->rx_packets = n->mib2_counters.ifoutucastpkts;
		out->tx_bytes = out->rx_bytes = n->mib2_counters.ifoutoctets;
		out->tx_drops = n->mib2_counters.ifoutdiscards;
	}
}

unsigned net_if_count(void)
{
	unsigned n = 0;
	struct netif *i;

	net_start();
	LOCK_TCPIP_CORE();
	NETIF_FOREACH(i)
		n++;
	UNLOCK_TCPIP_CORE();
	return n;
}

int net_if_by_index(unsigned index, struct net_ifinfo *out)
{
	struct netif *n;

	if (!index || index > UINT8_MAX)
		return -ENODEV;
	net_start();
	LOCK_TCPIP_CORE();
	n = netif_get_by_index((u8_t)index);
	if (n)
		if_info(n, out);
	UNLOCK_TCPIP_CORE();
	return n ? 0 : -ENODEV;
}

int net_if_get(unsigned pos, struct net_ifinfo *out)
{
	/* Interfaces are never removed: indexes run from 1 without gaps. */
	return net_if_by_index(pos + 1, out);
}

int net_if_by_name(const char *name, struct net_ifinfo *out)
{
	struct netif *i, *found = NULL;

	net_start();
	LOCK_TCPIP_CORE();
	NETIF_FOREACH(i)
		if (!strcmp(net_netif_name(i), name))
			found = i;
	if (found)
		if_info(found, out);
	UNLOCK_TCPIP_CORE();
	return found ? 0 : -ENODEV;
}

unsigned net_routes4(struct net_route4 *out, unsigned max)
{
	unsigned n = 0;
	struct netif *i;

	net_start();
	LOCK_TCPIP_CORE();
	/* The default route first, as Linux's table lists them. */
	i = netif_default;
	if (i && net_netif_dev(i) && !ip4_addr_isany(netif_ip4_gw(i))) {
		if (n < max)
			out[n] = (struct net_route4){ 0, 0, ip4_addr_get_u32(netif_ip4_gw(i)),
						      netif_get_index(i) };
		n++;
	}
	for (u8_t index = 1; (i = netif_get_by_index(index)); index++) {
		uint32_t addr = ip4_addr_get_u32(netif_ip4_addr(i));
		uint32_t mask = ip4_addr_get_u32(netif_ip4_netmask(i));

		if (!net_netif_dev(i) || !addr)
			continue;
		if (n < max)
			out[n] = (struct net_route4){ addr & mask, mask, 0, index };
		n++;
	}
	UNLOCK_TCPIP_CORE();
	return n;
}
