/*
 * Configuration: the ip= option applied to the interfaces (a static
 * address at once, DHCP in the background), the IP-Config line when an
 * interface gets its address, the host name and DNS servers, and the
 * files programs read: /etc/resolv.conf, /etc/hosts and /etc/hostname,
 * unless the initrd brought its own.
 */
#include <flint/arch.h>
#include <flint/errno.h>
#include <flint/format.h>
#include <flint/netdev.h>
#include <flint/param.h>
#include <flint/printk.h>
#include <flint/sched.h>
#include <flint/string.h>
#include <flint/timer.h>
#include <flint/vfs.h>

#include "ipconfig.h"
#include "lwip/dhcp.h"
#include "lwip/dns.h"
#include "lwip/pbuf.h"
#include "lwip/tcpip.h"
#include "lwip_hooks.h"
#include "net_priv.h"

#define DHCP_OPTION_HOST_NAME 12	/* RFC 2132 §3.14 */
#define CONFIG_WAIT_NS 5000000000ull	/* after DHCP starts, sockets wait no longer */
#define CONFIG_POLL_NS 10000000ull	/* how often a waiter looks again */
#define ETC_DIR_PERM 0755
#define ETC_FILE_PERM 0644
#define ETC_FILE_MAX 512

static struct ipconfig cfg;
static bool cfg_given;
static struct netif *cfg_netif;		/* the interface ip= configures */
static bool pending;			/* DHCP without a lease yet */
static uint64_t wait_until;		/* net_wait_configured's own bound */

static spinlock_t host_lock;
static char hostname[NET_HOSTNAME_MAX + 1] = "flint";
static bool hostname_fixed;		/* from ip= or sethostname: DHCP leaves it */

/* Which files in /etc are ours to rewrite (the initrd's are left alone). */
enum { ETC_RESOLV, ETC_HOSTS, ETC_HOSTNAME, ETC_FILES };
static const char *const etc_path[ETC_FILES] = {
	"/etc/resolv.conf", "/etc/hosts", "/etc/hostname",
};
static bool etc_ours[ETC_FILES];

static int ip_param(const char *value)
{
	const char *why;

	if (ipconfig_parse(value, &cfg, &why)) {
		printk("net: ip=%.64s ignored: %s\n", value ? value : "", why);
		cfg_given = false;
		return 0;
	}
	cfg_given = true;
	return 0;
}
KERNEL_PARAM("ip", ip_param);

bool net_config_pending(void)
{
	return cfg_given && cfg.mode != IPCONFIG_OFF;
}

bool net_configuring(void)
{
	return __atomic_load_n(&pending, __ATOMIC_ACQUIRE);
}

int net_wait_configured(uint64_t deadline)
{
	net_start();
	if (!deadline)
		deadline = wait_until;
	while (net_configuring()) {
		uint64_t now = clock_ns(), until = now + CONFIG_POLL_NS;
		unsigned long flags;
		int r;

		if (now >= deadline)
			return 0;
		flags = arch_irq_save();
		r = sched_sleep(NULL, until < deadline ? until : deadline, true);
		arch_irq_restore(flags);
		if (r == -EINTR)
			return -EINTR;
	}
	return 0;
}

void net_hostname(char *buf, size_t size)
{
	unsigned long flags;
	size_t n;

	if (!size)
		return;
	flags = spin_lock_irqsave(&host_lock);
	n = strnlen(hostname, size - 1);
	memcpy(buf, hostname, n);
	buf[n] = 0;
	spin_unlock_irqrestore(&host_lock, flags);
}

static void set_hostname(const char *name, size_t len)
{
	unsigned long flags = spin_lock_irqsave(&host_lock);

	memcpy(hostname, name, len);
	hostname[len] = 0;
	spin_unlock_irqrestore(&host_lock, flags);
}

int net_set_hostname(const char *name, size_t len)
{
	if (len > NET_HOSTNAME_MAX)
		return -EINVAL;
	set_hostname(name, len);
	__atomic_store_n(&hostname_fixed, true, __ATOMIC_RELEASE);
	return 0;
}

/* Core lock held. */
static unsigned dns_list(uint32_t *out, unsigned max)
{
	unsigned n = 0;

	for (u8_t i = 0; i < DNS_MAX_SERVERS; i++) {
		const ip_addr_t *a = dns_getserver(i);

		if (IP_IS_V4(a) && !ip4_addr_isany(ip_2_ip4(a)) && n < max)
			out[n++] = ip4_addr_get_u32(ip_2_ip4(a));
	}
	return n;
}

unsigned net_dns_servers(uint32_t *out, unsigned max)
{
	unsigned n;

	net_start();
	LOCK_TCPIP_CORE();
	n = dns_list(out, max);
	UNLOCK_TCPIP_CORE();
	return n;
}

/* DHCP's host name (option 12), unless ip= or sethostname gave one. */
void net_dhcp_option(struct netif *netif, unsigned option, unsigned len,
		     struct pbuf *p, unsigned offset)
{
	char name[NET_HOSTNAME_MAX + 1];

	(void)netif;
	if (option != DHCP_OPTION_HOST_NAME || !len || len > NET_HOSTNAME_MAX ||
	    __atomic_load_n(&hostname_fixed, __ATOMIC_ACQUIRE))
		return;
	if (pbuf_copy_partial(p, name, (u16_t)len, (u16_t)offset) != len)
		return;
	for (unsigned i = 0; i < len; i++)
		if (name[i] <= ' ' || name[i] > '~')
			return;
	set_hostname(name, len);
}

/* Writes a whole file in /etc (replacing it). */
static void write_etc(unsigned which, const char *text, size_t n)
{
	struct file *f;

	if (vfs_open_file(NULL, etc_path[which], VFS_O_WRONLY | VFS_O_CREAT | VFS_O_TRUNC,
			  ETC_FILE_PERM, &f))
		return;
	vfs_file_write(f, text, n);
	file_put(f);
}

static void ip4_text(uint32_t a, char *buf, size_t size)
{
	const uint8_t *b = (const uint8_t *)&a;

	snprintf(buf, size, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
}

/* Core lock held. */
static void write_resolv(void)
{
	char text[ETC_FILE_MAX], addr[16];
	uint32_t dns[NET_DNS_MAX];
	unsigned n = dns_list(dns, NET_DNS_MAX);
	size_t len = 0;

	text[0] = 0;
	for (unsigned i = 0; i < n; i++) {
		ip4_text(dns[i], addr, sizeof(addr));
		len += (size_t)snprintf(text + len, sizeof(text) - len, "nameserver %s\n", addr);
	}
	write_etc(ETC_RESOLV, text, len);
}

/* /etc/hostname's and /etc/hosts's text: its length. */
static int names_text(unsigned which, char *text, size_t size)
{
	char name[NET_HOSTNAME_MAX + 1];

	net_hostname(name, sizeof(name));
	if (which == ETC_HOSTNAME)
		return snprintf(text, size, "%s\n", name);
	return snprintf(text, size, "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
			"127.0.1.1\t%s\n", name);
}

static void write_names(void)
{
	char text[ETC_FILE_MAX];

	for (unsigned i = ETC_HOSTS; i <= ETC_HOSTNAME; i++)
		if (etc_ours[i])
			write_etc(i, text, (size_t)names_text(i, text, sizeof(text)));
}

/* At the boot: the files the initrd did not bring (no server is known
 * before ip= is applied). */
void net_config_files(void)
{
	char text[ETC_FILE_MAX];

	vfs_mkdir(NULL, "/etc", ETC_DIR_PERM);
	etc_ours[ETC_RESOLV] = !vfs_create_file(NULL, etc_path[ETC_RESOLV], ETC_FILE_PERM, "", 0);
	for (unsigned i = ETC_HOSTS; i <= ETC_HOSTNAME; i++)
		etc_ours[i] = !vfs_create_file(NULL, etc_path[i], ETC_FILE_PERM, text,
					       (size_t)names_text(i, text, sizeof(text)));
}

/* Core lock held: the files again, for what ip= or a lease brought. */
static void rewrite_files(void)
{
	if (etc_ours[ETC_RESOLV])
		write_resolv();
	write_names();
}

/* Linux's IP-Config line, one per configured interface. */
static void report(struct netif *n, const char *how)
{
	char addr[16], gw[16], dns[NET_DNS_MAX][16];
	uint32_t servers[NET_DNS_MAX];
	unsigned ndns, prefix = 0;

	/* Netmasks are contiguous: the prefix is their count of ones. */
	for (uint32_t m = ip4_addr_get_u32(netif_ip4_netmask(n)); m; m &= m - 1)
		prefix++;
	ip4_text(ip4_addr_get_u32(netif_ip4_addr(n)), addr, sizeof(addr));
	ip4_text(ip4_addr_get_u32(netif_ip4_gw(n)), gw, sizeof(gw));
	ndns = dns_list(servers, NET_DNS_MAX);
	for (unsigned i = 0; i < ndns; i++)
		ip4_text(servers[i], dns[i], sizeof(dns[i]));
	printk("net: %s %s/%u%s%s%s%s%s%s (%s)\n", net_netif_name(n), addr, prefix,
	       ip4_addr_isany(netif_ip4_gw(n)) ? "" : " gw ",
	       ip4_addr_isany(netif_ip4_gw(n)) ? "" : gw,
	       ndns ? " dns " : "", ndns ? dns[0] : "", ndns > 1 ? "," : "",
	       ndns > 1 ? dns[1] : "", how);
}

/* lwIP's thread, core lock held: a lease came (or went). */
static void address_changed(struct netif *n, netif_nsc_reason_t reason,
			    const netif_ext_callback_args_t *args)
{
	(void)args;
	if (n != cfg_netif ||
	    !(reason & (LWIP_NSC_IPV4_SETTINGS_CHANGED | LWIP_NSC_IPV4_GATEWAY_CHANGED)) ||
	    !dhcp_supplied_address(n))
		return;
	/* As Linux, ip='s gateway stands where the lease names none; setting
	 * it calls back here, and that call reports. */
	if (ip4_addr_isany(netif_ip4_gw(n)) && cfg.gateway) {
		ip4_addr_t gw;

		ip4_addr_set_u32(&gw, cfg.gateway);
		netif_set_gw(n, &gw);
		return;
	}
	report(n, "dhcp");
	rewrite_files();
	__atomic_store_n(&pending, false, __ATOMIC_RELEASE);
}

void net_config_apply(void)
{
	static netif_ext_callback_t callback;
	ip4_addr_t addr, mask, gw;

	if (!net_config_pending())
		return;
	/* netif_list is newest first: find the lowest index that matches. */
	cfg_netif = NULL;
	for (u8_t i = 1; netif_get_by_index(i); i++) {
		struct netif *n = netif_get_by_index(i);
		struct netdev *dev = net_netif_dev(n);

		if (dev && (!cfg.device[0] || !strcmp(dev->name, cfg.device))) {
			cfg_netif = n;
			break;
		}
	}
	if (!cfg_netif) {
		printk("net: ip=: no interface %s\n", cfg.device[0] ? cfg.device : "to configure");
		return;
	}
	if (cfg.hostname[0]) {
		set_hostname(cfg.hostname, strlen(cfg.hostname));
		__atomic_store_n(&hostname_fixed, true, __ATOMIC_RELEASE);
	}
	netif_set_hostname(cfg_netif, hostname);
	for (u8_t i = 0; i < IPCONFIG_DNS_MAX; i++)
		if (cfg.dns[i]) {
			ip_addr_t a = IPADDR4_INIT(cfg.dns[i]);

			dns_setserver(i, &a);
		}
	rewrite_files();
	if (cfg.mode == IPCONFIG_STATIC) {
		ip4_addr_set_u32(&addr, cfg.client);
		ip4_addr_set_u32(&mask, cfg.netmask);
		ip4_addr_set_u32(&gw, cfg.gateway);
		netif_set_addr(cfg_netif, &addr, &mask, &gw);
		netif_set_default(cfg_netif);
		report(cfg_netif, "static");
		return;
	}
	netif_set_default(cfg_netif);
	netif_add_ext_callback(&callback, address_changed);
	wait_until = clock_ns() + CONFIG_WAIT_NS;
	__atomic_store_n(&pending, true, __ATOMIC_RELEASE);
	if (dhcp_start(cfg_netif) != ERR_OK) {
		__atomic_store_n(&pending, false, __ATOMIC_RELEASE);
		printk("net: %s: cannot start DHCP\n", net_netif_name(cfg_netif));
	}
}
