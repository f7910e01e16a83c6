/*
 * The network stack (net/): lwIP 2.1.3 over the registered network
 * devices, configured from the command line's ip= (net/ipconfig.c), and
 * what the rest of the kernel may ask of it: the interfaces, addresses
 * and routes (for ioctls, netlink and /proc/net), and readiness of the
 * configuration. The sockets built on it are in <flint/socket.h>. See
 * docs/network.md.
 */
#ifndef FLINT_NET_H
#define FLINT_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NET_IFNAME_MAX 16		/* IFNAMSIZ, the NUL included */
#define NET_ADDR6_MAX 3			/* IPv6 addresses shown per interface */
#define NET_DNS_MAX 2			/* DNS servers kept */
#define NET_HOSTNAME_MAX 64		/* HOST_NAME_MAX */

/* Interface flags, Linux's IFF_* values (include/uapi/linux/if.h). */
#define NET_IFF_UP 0x1
#define NET_IFF_BROADCAST 0x2
#define NET_IFF_LOOPBACK 0x8
#define NET_IFF_RUNNING 0x40
#define NET_IFF_MULTICAST 0x1000
#define NET_IFF_LOWER_UP 0x10000

/* IPv6 address scopes, as Linux's RT_SCOPE_* (rtnetlink.h). */
#define NET_SCOPE_UNIVERSE 0
#define NET_SCOPE_LINK 253
#define NET_SCOPE_HOST 254

struct net_addr6 {
	uint8_t addr[16];
	uint8_t prefix_len;
	uint8_t scope;			/* NET_SCOPE_* */
};

/* One interface as programs see it; addresses in network byte order. */
struct net_ifinfo {
	unsigned index;			/* Linux's ifindex: lo 1, eth0 2, ... */
	char name[NET_IFNAME_MAX];
	uint8_t mac[6];			/* zero for lo */
	unsigned mtu;
	unsigned flags;			/* NET_IFF_* */
	uint32_t addr4, mask4, bcast4;	/* 0: no IPv4 address */
	unsigned naddr6;
	struct net_addr6 addr6[NET_ADDR6_MAX];
	uint64_t rx_packets, rx_bytes, rx_drops;
	uint64_t tx_packets, tx_bytes, tx_drops;
};

/* An IPv4 route, as /proc/net/route and RTM_GETROUTE show it. */
struct net_route4 {
	uint32_t dst, mask, gateway;	/* network byte order; gateway 0: on-link */
	unsigned ifindex;
};

/* The boot's "net" stage, after the filesystem is up: starts lwIP,
 * attaches every registered netdev (eth0, ...) and the loopback, applies
 * ip= (a static address at once; DHCP in the background, never delaying
 * the boot), writes /etc/resolv.conf, /etc/hosts and /etc/hostname unless
 * the initrd brought them, and adds /proc/net. */
void net_init(void);

/* Whether interfaces are still being configured (DHCP without a lease). */
bool net_configuring(void);
/* Sockets call this first: waits while net_configuring() until deadline
 * (clock_ns(); 0: the stack's own bound), or a signal (-EINTR). 0 or
 * -EINTR; a timeout is not an error (the socket goes on unconfigured). */
int net_wait_configured(uint64_t deadline);

/* The interfaces in ifindex order: 0 or -ENODEV past the end. */
unsigned net_if_count(void);
int net_if_get(unsigned pos, struct net_ifinfo *out);
int net_if_by_index(unsigned index, struct net_ifinfo *out);
int net_if_by_name(const char *name, struct net_ifinfo *out);

/* Copies up to max routes into out; returns how many there are. */
unsigned net_routes4(struct net_route4 *out, unsigned max);

/* The DNS servers in use (IPv4, network order): how many. */
unsigned net_dns_servers(uint32_t *out, unsigned max);

/* The host name (uname's nodename): from ip= or DHCP, "flint" until then. */
void net_hostname(char *buf, size_t size);
/* sethostname(2): 0 or -EINVAL (too long). */
int net_set_hostname(const char *name, size_t len);

/* With the net.show option: each interface's counters, drops and why,
 * printed when the VM ends. */
void net_show(void);

#endif
