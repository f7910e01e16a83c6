/* net.show: when the VM ends, each interface's counters (the large TCP
 * frames the device segmented among them) and drops by reason, and
 * lwIP's own drops, one line each. */
#include <flint/netdev.h>
#include <flint/param.h>
#include <flint/printk.h>

#include "lwip/stats.h"
#include "net_priv.h"

static bool show;
KERNEL_FLAG("net.show", show);

static void show_lwip(const char *what, const struct stats_proto *s)
{
	if (s->drop || s->chkerr || s->lenerr || s->memerr || s->proterr || s->err)
		printk("net: lwip %s: drop %u chkerr %u lenerr %u memerr %u proterr %u err %u\n",
		       what, s->drop, s->chkerr, s->lenerr, s->memerr, s->proterr, s->err);
}

void net_show(void)
{
	struct net_ifinfo info;

	if (!show || !net_started())
		return;
	for (unsigned pos = 0; net_if_get(pos, &info) == 0; pos++) {
		struct netdev *dev = netdev_find(info.name);

		printk("net: %s rx %llu packets %llu bytes, tx %llu packets %llu bytes",
		       info.name, (unsigned long long)info.rx_packets,
		       (unsigned long long)info.rx_bytes, (unsigned long long)info.tx_packets,
		       (unsigned long long)info.tx_bytes);
		if (dev && dev->stats.tx_gso_frames)
			printk(", tx gso %llu frames %llu segments",
			       (unsigned long long)dev->stats.tx_gso_frames,
			       (unsigned long long)dev->stats.tx_gso_segs);
		if (dev && dev->stats.tx_big_segs)
			printk(", tx big %llu segments",
			       (unsigned long long)dev->stats.tx_big_segs);
		if (dev && dev->stats.tx_ip_frags)
			printk(", tx ip %llu fragments",
			       (unsigned long long)dev->stats.tx_ip_frags);
		for (unsigned i = 0; dev && i < NETDEV_DROP_REASONS; i++)
			if (dev->stats.drops[i])
				printk(", %s %llu", netdev_drop_name(i),
				       (unsigned long long)dev->stats.drops[i]);
		printk("\n");
	}
	show_lwip("link", &lwip_stats.link);
	show_lwip("etharp", &lwip_stats.etharp);
	show_lwip("ip", &lwip_stats.ip);
	show_lwip("ipfrag", &lwip_stats.ip_frag);
	show_lwip("icmp", &lwip_stats.icmp);
	show_lwip("udp", &lwip_stats.udp);
	show_lwip("tcp", &lwip_stats.tcp);
	show_lwip("ip6", &lwip_stats.ip6);
	show_lwip("ip6frag", &lwip_stats.ip6_frag);
	show_lwip("icmp6", &lwip_stats.icmp6);
	show_lwip("nd6", &lwip_stats.nd6);
}
