/*
 * Addresses, flags and option names between Linux's ABI and lwIP's. The
 * two sockaddr_in (and sockaddr_in6) layouts agree past their first two
 * bytes: Linux has a 16-bit family, lwIP a length byte and an 8-bit
 * family. See net/sockaddr.h.
 */
#include <flint/errno.h>
#include <flint/string.h>
#include "sockaddr.h"

/* Offsets shared by both ABIs (include/uapi/linux/in.h, in6.h). */
#define SIN_PORT 2
#define SIN_ADDR 4
#define SIN6_FLOWINFO 4
#define SIN6_ADDR 8
#define SIN6_SCOPE_ID 24
#define IN6_ADDR_LEN 16
#define IN_ADDR_LEN 4
/* RFC 4291 2.5.5.2: ::ffff:a.b.c.d, the IPv4 address in the last 4 bytes. */
#define V4MAPPED_PREFIX_LEN 12
static const uint8_t v4mapped_prefix[V4MAPPED_PREFIX_LEN] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

bool sockaddr_v4mapped(const uint8_t *addr6)
{
	return !memcmp(addr6, v4mapped_prefix, V4MAPPED_PREFIX_LEN);
}

int sockaddr_to_lw(const struct sock_addr *a, int fam, struct lw_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (fam == SOCK_AF_INET) {
		if (a->len < LINUX_SOCKADDR_IN_LEN)
			return -EINVAL;
		if (a->family != SOCK_AF_INET)
			return -EAFNOSUPPORT;
		out->len = LW_SOCKADDR_IN_LEN;
		out->bytes[0] = LW_SOCKADDR_IN_LEN;
		out->bytes[1] = LW_AF_INET;
		memcpy(out->bytes + SIN_PORT, a->bytes + SIN_PORT, SIN_ADDR + IN_ADDR_LEN - SIN_PORT);
		return 0;
	}
	if (fam != SOCK_AF_INET6)
		return -EAFNOSUPPORT;
	if (a->len < LINUX_SOCKADDR_IN6_OLD_LEN)
		return -EINVAL;
	if (a->family != SOCK_AF_INET6)
		return -EAFNOSUPPORT;
	out->len = LW_SOCKADDR_IN6_LEN;
	out->bytes[0] = LW_SOCKADDR_IN6_LEN;
	out->bytes[1] = LW_AF_INET6;
	memcpy(out->bytes + SIN_PORT, a->bytes + SIN_PORT, SIN6_SCOPE_ID - SIN_PORT);
	if (a->len >= LINUX_SOCKADDR_IN6_LEN)
		memcpy(out->bytes + SIN6_SCOPE_ID, a->bytes + SIN6_SCOPE_ID, sizeof(uint32_t));
	return 0;
}

void sockaddr_from_lw(const struct lw_addr *in, int fam, struct sock_addr *a)
{
	uint16_t family;

	memset(a, 0, sizeof(*a));
	if (in->len >= LW_SOCKADDR_IN_LEN && in->bytes[1] == LW_AF_INET && fam == SOCK_AF_INET) {
		family = SOCK_AF_INET;
		a->len = LINUX_SOCKADDR_IN_LEN;
		memcpy(a->bytes + SIN_PORT, in->bytes + SIN_PORT, SIN_ADDR + IN_ADDR_LEN - SIN_PORT);
	} else if (in->len >= LW_SOCKADDR_IN_LEN && in->bytes[1] == LW_AF_INET) {
		family = SOCK_AF_INET6;
		a->len = LINUX_SOCKADDR_IN6_LEN;
		memcpy(a->bytes + SIN_PORT, in->bytes + SIN_PORT, sizeof(uint16_t));
		memcpy(a->bytes + SIN6_ADDR, v4mapped_prefix, V4MAPPED_PREFIX_LEN);
		memcpy(a->bytes + SIN6_ADDR + V4MAPPED_PREFIX_LEN, in->bytes + SIN_ADDR,
		       IN_ADDR_LEN);
	} else if (in->len >= LW_SOCKADDR_IN6_LEN && in->bytes[1] == LW_AF_INET6) {
		family = SOCK_AF_INET6;
		a->len = LINUX_SOCKADDR_IN6_LEN;
		memcpy(a->bytes + SIN_PORT, in->bytes + SIN_PORT,
		       LINUX_SOCKADDR_IN6_LEN - SIN_PORT);
	} else {
		family = SOCK_AF_UNSPEC;
		a->len = sizeof(family);
	}
	memcpy(a->bytes, &family, sizeof(family));
}

int sockaddr_lw_msg_flags(int flags)
{
	return (flags & SOCK_MSG_PEEK ? LW_MSG_PEEK : 0) |
	       (flags & SOCK_MSG_DONTWAIT ? LW_MSG_DONTWAIT : 0) |
	       (flags & SOCK_MSG_OOB ? LW_MSG_OOB : 0) |
	       (flags & SOCK_MSG_MORE ? LW_MSG_MORE : 0);
}

static const struct option_map {
	int level, name, lw_level, lw_name;
} options[] = {
	{ SOCK_SOL_SOCKET, SOCK_SO_REUSEADDR, LW_SOL_SOCKET, LW_SO_REUSEADDR },
	{ SOCK_SOL_SOCKET, SOCK_SO_KEEPALIVE, LW_SOL_SOCKET, LW_SO_KEEPALIVE },
	{ SOCK_SOL_SOCKET, SOCK_SO_BROADCAST, LW_SOL_SOCKET, LW_SO_BROADCAST },
	{ SOCK_SOL_SOCKET, SOCK_SO_ACCEPTCONN, LW_SOL_SOCKET, LW_SO_ACCEPTCONN },
	{ SOCK_SOL_SOCKET, SOCK_SO_LINGER, LW_SOL_SOCKET, LW_SO_LINGER },
	{ SOCK_SOL_SOCKET, SOCK_SO_SNDBUF, LW_SOL_SOCKET, LW_SO_SNDBUF },
	{ SOCK_SOL_SOCKET, SOCK_SO_RCVBUF, LW_SOL_SOCKET, LW_SO_RCVBUF },
	{ SOCK_SOL_SOCKET, SOCK_SO_ERROR, LW_SOL_SOCKET, LW_SO_ERROR },
	{ SOCK_SOL_TCP, SOCK_TCP_NODELAY, LW_IPPROTO_TCP, LW_TCP_NODELAY },
	{ SOCK_SOL_TCP, SOCK_TCP_KEEPIDLE, LW_IPPROTO_TCP, LW_TCP_KEEPIDLE },
	{ SOCK_SOL_TCP, SOCK_TCP_KEEPINTVL, LW_IPPROTO_TCP, LW_TCP_KEEPINTVL },
	{ SOCK_SOL_TCP, SOCK_TCP_KEEPCNT, LW_IPPROTO_TCP, LW_TCP_KEEPCNT },
	{ SOCK_SOL_IP, SOCK_IP_TOS, LW_IPPROTO_IP, LW_IP_TOS },
	{ SOCK_SOL_IP, SOCK_IP_TTL, LW_IPPROTO_IP, LW_IP_TTL },
	{ SOCK_SOL_IPV6, SOCK_IPV6_V6ONLY, LW_IPPROTO_IPV6, LW_IPV6_V6ONLY },
};

int sockaddr_lw_option(int level, int name, int *lw_level, int *lw_name)
{
	for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++) {
		if (options[i].level == level && options[i].name == name) {
			*lw_level = options[i].lw_level;
			*lw_name = options[i].lw_name;
			return 0;
		}
	}
	return -ENOPROTOOPT;
}
