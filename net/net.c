/* The network stack's start: lwIP's thread with the loopback interface
 * (being written: the interfaces, ip= and /proc/net come next). */
#include <flint/errno.h>
#include <flint/net.h>

#include "lwip/tcpip.h"
#include "lwip_hooks.h"

void net_init(void)
{
	tcpip_init(NULL, NULL);
}

bool net_configuring(void)
{
	return false;
}

int net_wait_configured(uint64_t deadline)
{
	(void)deadline;
	return 0;
}

unsigned net_if_count(void)
{
	return 0;
}

int net_if_get(unsigned pos, struct net_ifinfo *out)
{
	(void)pos;
	(void)out;
	return -ENODEV;
}

int net_if_by_index(unsigned index, struct net_ifinfo *out)
{
	(void)index;
	(void)out;
	return -ENODEV;
}

int net_if_by_name(const char *name, struct net_ifinfo *out)
{
	(void)name;
	(void)out;
	return -ENODEV;
}

unsigned net_routes4(struct net_route4 *out, unsigned max)
{
	(void)out;
	(void)max;
	return 0;
}

unsigned net_dns_servers(uint32_t *out, unsigned max)
{
	(void)out;
	(void)max;
	return 0;
}

void net_hostname(char *buf, size_t size)
{
	if (size)
		buf[0] = 0;
}

int net_set_hostname(const char *name, size_t len)
{
	(void)name;
	(void)len;
	return -EINVAL;
}

void net_show(void)
{
}

void net_dhcp_option(struct netif *netif, unsigned option, unsigned len,
		     struct pbuf *p, unsigned offset)
{
	(void)netif;
	(void)option;
	(void)len;
	(void)p;
	(void)offset;
}
