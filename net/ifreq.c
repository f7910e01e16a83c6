/* The interface queries every socket answers whatever its family, as
 * Linux's dev_ioctl (net/core/dev_ioctl.c): by name, or by index for
 * SIOCGIFNAME, in a struct ifreq (include/uapi/linux/if.h). The address
 * queries (SIOCGIFADDR ...) are AF_INET's own. */
#include <flint/errno.h>
#include <flint/net.h>
#include <flint/socket.h>
#include <flint/string.h>

#define IFR_NAME 0			/* ifr_name[IFNAMSIZ] */
#define IFR_DATA 16			/* the union after it */
#define IFR_SA_DATA (IFR_DATA + 2)	/* sa_data of ifr_hwaddr */
#define ARPHRD_ETHER 1			/* include/uapi/linux/if_arp.h */
#define ARPHRD_LOOPBACK 772
#define ETH_ALEN 6
#define IF_TXQLEN 1000			/* Linux's default tx_queue_len */

static void put_int(uint8_t *ifr, int v)
{
	memcpy(ifr + IFR_DATA, &v, sizeof(v));
}

long socket_dev_ioctl(unsigned long cmd, void *arg)
{
	uint8_t *ifr = arg;
	struct net_ifinfo ifi;
	char name[NET_IFNAME_MAX];
	int index;
	int16_t flags;
	uint16_t type;

	switch (cmd) {
	case SOCK_SIOCGIFNAME:
		memcpy(&index, ifr + IFR_DATA, sizeof(index));
		if (index <= 0 || net_if_by_index((unsigned)index, &ifi) < 0)
			return -ENODEV;
		memcpy(ifr + IFR_NAME, ifi.name, NET_IFNAME_MAX);
		return 0;
	case SOCK_SIOCGIFFLAGS:
	case SOCK_SIOCGIFMETRIC:
	case SOCK_SIOCGIFMTU:
	case SOCK_SIOCGIFHWADDR:
	case SOCK_SIOCGIFINDEX:
	case SOCK_SIOCGIFTXQLEN:
		break;
	default:
		return -ENOTTY;
	}
	memcpy(name, ifr + IFR_NAME, sizeof(name));
	name[NET_IFNAME_MAX - 1] = '\0';
	if (net_if_by_name(name, &ifi) < 0)
		return -ENODEV;
	switch (cmd) {
	case SOCK_SIOCGIFFLAGS:
		flags = (int16_t)ifi.flags;	/* ifr_flags is a short */
		memcpy(ifr + IFR_DATA, &flags, sizeof(flags));
		break;
	case SOCK_SIOCGIFMETRIC:
		put_int(ifr, 0);
		break;
	case SOCK_SIOCGIFMTU:
		put_int(ifr, (int)ifi.mtu);
		break;
	case SOCK_SIOCGIFHWADDR:
		type = ifi.flags & NET_IFF_LOOPBACK ? ARPHRD_LOOPBACK : ARPHRD_ETHER;
		memset(ifr + IFR_DATA, 0, SOCK_IFREQ_SIZE - IFR_DATA);
		memcpy(ifr + IFR_DATA, &type, sizeof(type));
		memcpy(ifr + IFR_SA_DATA, ifi.mac, ETH_ALEN);
		break;
	case SOCK_SIOCGIFINDEX:
		put_int(ifr, (int)ifi.index);
		break;
	default:
		put_int(ifr, IF_TXQLEN);
		break;
	}
	return 0;
}
