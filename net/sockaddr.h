/*
 * Between Linux's socket ABI and lwIP's (net/sockaddr.c): addresses
 * (lwIP's struct sockaddr has a length byte and a one-byte family) and the
 * values of flags and options, which differ. Pure: no lwIP header is
 * needed; net/inet.c checks these values against lwIP's at compile time.
 */
#ifndef NET_SOCKADDR_H
#define NET_SOCKADDR_H

#include <flint/socket.h>
#include <stdbool.h>
#include <stdint.h>

/* lwIP's values (src/include/lwip/sockets.h, 2.1.3). */
#define LW_AF_UNSPEC 0
#define LW_AF_INET 2
#define LW_AF_INET6 10
#define LW_SOCKADDR_IN_LEN 16		/* sizeof(struct sockaddr_in) */
#define LW_SOCKADDR_IN6_LEN 28		/* sizeof(struct sockaddr_in6) */
#define LW_SOL_SOCKET 0xfff
#define LW_SO_REUSEADDR 0x0004
#define LW_SO_KEEPALIVE 0x0008
#define LW_SO_BROADCAST 0x0020
#define LW_SO_ACCEPTCONN 0x0002
#define LW_SO_LINGER 0x0080
#define LW_SO_SNDBUF 0x1001
#define LW_SO_RCVBUF 0x1002
#define LW_SO_ERROR 0x1007
#define LW_IPPROTO_IP 0
#define LW_IPPROTO_TCP 6
#define LW_IPPROTO_IPV6 41
#define LW_IP_TOS 1
#define LW_IP_TTL 2
#define LW_TCP_NODELAY 0x01
#define LW_TCP_KEEPIDLE 0x03
#define LW_TCP_KEEPINTVL 0x04
#define LW_TCP_KEEPCNT 0x05
#define LW_IPV6_V6ONLY 27
#define LW_MSG_PEEK 0x01
#define LW_MSG_OOB 0x04
#define LW_MSG_DONTWAIT 0x08
#define LW_MSG_MORE 0x10

/* Linux's sizes: sockaddr_in, the RFC 2133 sockaddr_in6 (no scope id:
 * the shortest Linux takes) and today's. */
#define LINUX_SOCKADDR_IN_LEN 16
#define LINUX_SOCKADDR_IN6_OLD_LEN 24
#define LINUX_SOCKADDR_IN6_LEN 28

/* An lwIP address, as the bytes of its struct sockaddr_in or _in6. */
struct lw_addr {
	uint32_t len;
	union {
		uint8_t bytes[LW_SOCKADDR_IN6_LEN];
		uint32_t align;
	};
};

/* Linux's address a for a socket of family fam (SOCK_AF_INET or
 * SOCK_AF_INET6) as lwIP's of that family: an IPv4 address on an IPv6
 * socket becomes IPv4-mapped (::ffff:a.b.c.d). 0; -EINVAL when a is too
 * short; -EAFNOSUPPORT for another family (AF_UNSPEC included: callers
 * that take it look first). */
int sockaddr_to_lw(const struct sock_addr *a, int fam, struct lw_addr *out);
/* lwIP's address (either family) as Linux's for a socket of family fam:
 * IPv4 on an IPv6 socket comes out IPv4-mapped. */
void sockaddr_from_lw(const struct lw_addr *in, int fam, struct sock_addr *a);
/* Whether an IPv6 address (16 bytes) is IPv4-mapped. */
bool sockaddr_v4mapped(const uint8_t *addr6);

/* MSG_PEEK, MSG_DONTWAIT, MSG_OOB and MSG_MORE in lwIP's values; the
 * other flags are Flint's to act on. */
int sockaddr_lw_msg_flags(int flags);
/* A Linux option's lwIP level and name: 0, or -ENOPROTOOPT when lwIP
 * has none. */
int sockaddr_lw_option(int level, int name, int *lw_level, int *lw_name);

#endif
