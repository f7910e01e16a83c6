/*
 * The ip= option's parser (net/ipconfig.c), pure so that the host unit
 * tests run it: Linux's syntax (Documentation/admin-guide/nfs/nfsroot.rst)
 *   ip=<client>:<server>:<gw>:<netmask>:<hostname>:<device>:<autoconf>:<dns0>:<dns1>:<ntp0>
 * with empty or missing fields, or one word: off, none, on, any, dhcp,
 * bootp, both (rarp is refused: Flint has no RARP client).
 */
#ifndef FLINT_NET_IPCONFIG_H
#define FLINT_NET_IPCONFIG_H

#include <stdint.h>

#define IPCONFIG_HOSTNAME_MAX 64	/* Linux's __NEW_UTS_LEN */
#define IPCONFIG_DEVICE_MAX 15		/* IFNAMSIZ without the NUL */
#define IPCONFIG_DNS_MAX 2

enum ipconfig_mode {
	IPCONFIG_OFF,			/* no address: the interfaces stay unconfigured */
	IPCONFIG_STATIC,		/* the client address and what comes with it */
	IPCONFIG_DHCP,			/* a lease, in the background */
};

/* Addresses in network byte order; 0 where not given. */
struct ipconfig {
	enum ipconfig_mode mode;
	uint32_t client, server, gateway, netmask;
	char hostname[IPCONFIG_HOSTNAME_MAX + 1];
	char device[IPCONFIG_DEVICE_MAX + 1];	/* "": the first interface */
	uint32_t dns[IPCONFIG_DNS_MAX];
	uint32_t ntp;
};

/* Parses ip='s value into *out: 0, or -1 with *why set to a short reason
 * (a string constant) and *out untouched. */
int ipconfig_parse(const char *value, struct ipconfig *out, const char **why);

/* The classful netmask of an address (RFC 791's classes A, B, C; 0 for
 * the others), network byte order, as Linux assumes when none is given. */
uint32_t ipconfig_class_mask(uint32_t addr);

/* Parses a dotted quad "a.b.c.d" of len bytes into *addr (network byte
 * order): 0 or -1. */
int ipconfig_parse_addr(const char *s, unsigned len, uint32_t *addr);

#endif
