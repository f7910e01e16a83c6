/* net/sockaddr.c: Linux's socket addresses, flags and options to lwIP's
 * and back. The addresses are written out byte by byte as each ABI lays
 * them out (Linux: include/uapi/linux/in.h, in6.h; lwIP: lwip/sockets.h). */
#include <flint/errno.h>

#include "check.h"
#include "sockaddr.h"

/* 127.0.0.1 port 8080 (0x1f90), network order. */
static const uint8_t linux_in[16] = { 2, 0, 0x1f, 0x90, 127, 0, 0, 1 };
static const uint8_t lw_in[16] = { 16, 2, 0x1f, 0x90, 127, 0, 0, 1 };
/* [2001:db8::5]:443, flow 0x01020304, scope 7 (host-order 32-bit). */
static const uint8_t linux_in6[28] = {
	10, 0, 0x01, 0xbb, 1, 2, 3, 4,
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5,
	7, 0, 0, 0,
};
static const uint8_t lw_in6[28] = {
	28, 10, 0x01, 0xbb, 1, 2, 3, 4,
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5,
	7, 0, 0, 0,
};
/* [::ffff:10.1.2.3]:80 */
static const uint8_t linux_mapped[28] = {
	10, 0, 0, 80, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 1, 2, 3,
	0, 0, 0, 0,
};

static struct sock_addr addr_of(const uint8_t *bytes, uint32_t len)
{
	struct sock_addr a;

	memset(&a, 0, sizeof(a));
	a.len = len;
	memcpy(a.bytes, bytes, len);
	return a;
}

static struct lw_addr lw_of(const uint8_t *bytes, uint32_t len)
{
	struct lw_addr l;

	memset(&l, 0, sizeof(l));
	l.len = len;
	memcpy(l.bytes, bytes, len);
	return l;
}

TEST(ipv4_both_ways)
{
	struct sock_addr a = addr_of(linux_in, sizeof(linux_in)), back;
	struct lw_addr l;

	CHECK_EQ(sockaddr_to_lw(&a, SOCK_AF_INET, &l), 0);
	CHECK_EQ(l.len, 16u);
	CHECK(!memcmp(l.bytes, lw_in, sizeof(lw_in)));
	sockaddr_from_lw(&l, SOCK_AF_INET, &back);
	CHECK_EQ(back.len, 16u);
	CHECK(!memcmp(back.bytes, linux_in, sizeof(linux_in)));
}

/* sin_zero need not be zero, and a longer buffer is fine (Linux ignores
 * the rest); the lwIP side comes out with zeros there. */
TEST(ipv4_long_and_dirty)
{
	struct sock_addr a = addr_of(linux_in, sizeof(linux_in));
	struct lw_addr l;

	memset(a.bytes + 8, 0xaa, 8);
	a.len = SOCK_ADDR_MAX;
	CHECK_EQ(sockaddr_to_lw(&a, SOCK_AF_INET, &l), 0);
	CHECK(!memcmp(l.bytes, lw_in, sizeof(lw_in)));
}

TEST(ipv6_both_ways)
{
	struct sock_addr a = addr_of(linux_in6, sizeof(linux_in6)), back;
	struct lw_addr l;

	CHECK_EQ(sockaddr_to_lw(&a, SOCK_AF_INET6, &l), 0);
	CHECK_EQ(l.len, 28u);
	CHECK(!memcmp(l.bytes, lw_in6, sizeof(lw_in6)));
	sockaddr_from_lw(&l, SOCK_AF_INET6, &back);
	CHECK_EQ(back.len, 28u);
	CHECK(!memcmp(back.bytes, linux_in6, sizeof(linux_in6)));
}

/* The RFC 2133 sockaddr_in6 (24 bytes, no scope id) is taken, scope 0. */
TEST(ipv6_rfc2133_length)
{
	struct sock_addr a = addr_of(linux_in6, 24);
	struct lw_addr l;

	CHECK_EQ(sockaddr_to_lw(&a, SOCK_AF_INET6, &l), 0);
	CHECK(!memcmp(l.bytes, lw_in6, 24));
	CHECK_EQ(l.bytes[24] | l.bytes[25] | l.bytes[26] | l.bytes[27], 0);
}

TEST(short_lengths)
{
	struct lw_addr l;

	for (uint32_t len = 0; len < 16; len++) {
		struct sock_addr a = addr_of(linux_in, len);

		CHECKF(sockaddr_to_lw(&a, SOCK_AF_INET, &l) == -EINVAL, "length %u", len);
	}
	for (uint32_t len = 0; len < 24; len++) {
		struct sock_addr a = addr_of(linux_in6, len);

		CHECKF(sockaddr_to_lw(&a, SOCK_AF_INET6, &l) == -EINVAL, "length %u", len);
	}
}

TEST(wrong_families)
{
	struct sock_addr v6 = addr_of(linux_in6, sizeof(linux_in6));
	struct sock_addr v4 = addr_of(linux_in, sizeof(linux_in));
	static const uint8_t unix_bytes[28] = { 1, 0, '/', 't', 'm', 'p' };
	struct sock_addr unix_addr = addr_of(unix_bytes, sizeof(unix_bytes));
	struct lw_addr l;

	CHECK_EQ(sockaddr_to_lw(&v6, SOCK_AF_INET, &l), -EAFNOSUPPORT);
	v4.len = 28;	/* long enough for an IPv6 socket: the family is what is wrong */
	CHECK_EQ(sockaddr_to_lw(&v4, SOCK_AF_INET6, &l), -EAFNOSUPPORT);
	CHECK_EQ(sockaddr_to_lw(&unix_addr, SOCK_AF_INET, &l), -EAFNOSUPPORT);
	CHECK_EQ(sockaddr_to_lw(&unix_addr, SOCK_AF_INET6, &l), -EAFNOSUPPORT);
	CHECK_EQ(sockaddr_to_lw(&v4, SOCK_AF_UNIX, &l), -EAFNOSUPPORT);
}

/* An IPv4 peer of an IPv6 socket shows as ::ffff:a.b.c.d; a mapped
 * address given to an IPv6 socket goes to lwIP as it is (lwIP's dual
 * stack unmaps it). */
TEST(ipv4_mapped)
{
	static const uint8_t lw_v4[16] = { 16, 2, 0, 80, 10, 1, 2, 3 };
	struct lw_addr l = lw_of(lw_v4, sizeof(lw_v4));
	struct sock_addr a, m = addr_of(linux_mapped, sizeof(linux_mapped));

	sockaddr_from_lw(&l, SOCK_AF_INET6, &a);
	CHECK_EQ(a.len, 28u);
	CHECK(!memcmp(a.bytes, linux_mapped, sizeof(linux_mapped)));
	CHECK(sockaddr_v4mapped(a.bytes + 8));
	CHECK(!sockaddr_v4mapped(linux_in6 + 8));
	CHECK_EQ(sockaddr_to_lw(&m, SOCK_AF_INET6, &l), 0);
	CHECK_EQ(l.bytes[1], LW_AF_INET6);
	CHECK(!memcmp(l.bytes + 2, linux_mapped + 2, 26));
}

TEST(unknown_lwip_family)
{
	static const uint8_t odd[16] = { 16, 7 };
	struct lw_addr l = lw_of(odd, sizeof(odd));
	struct sock_addr a;

	sockaddr_from_lw(&l, SOCK_AF_INET, &a);
	CHECK_EQ(a.len, 2u);
	CHECK_EQ(a.family, SOCK_AF_UNSPEC);
	l = lw_of(lw_in6, 20);	/* too short for what it says it is */
	sockaddr_from_lw(&l, SOCK_AF_INET6, &a);
	CHECK_EQ(a.family, SOCK_AF_UNSPEC);
}

TEST(message_flags)
{
	CHECK_EQ(sockaddr_lw_msg_flags(0), 0);
	CHECK_EQ(sockaddr_lw_msg_flags(SOCK_MSG_PEEK), 0x01);
	CHECK_EQ(sockaddr_lw_msg_flags(SOCK_MSG_DONTWAIT), 0x08);
	CHECK_EQ(sockaddr_lw_msg_flags(SOCK_MSG_OOB | SOCK_MSG_MORE), 0x04 | 0x10);
	/* Flint's own: waiting, signals, the control data's descriptors. */
	CHECK_EQ(sockaddr_lw_msg_flags(SOCK_MSG_WAITALL | SOCK_MSG_NOSIGNAL |
				       SOCK_MSG_CMSG_CLOEXEC), 0);
}

TEST(options)
{
	int level, name;

	CHECK_EQ(sockaddr_lw_option(SOCK_SOL_SOCKET, SOCK_SO_REUSEADDR, &level, &name), 0);
	CHECK_EQ(level, 0xfff);
	CHECK_EQ(name, 0x0004);
	CHECK_EQ(sockaddr_lw_option(SOCK_SOL_SOCKET, SOCK_SO_RCVBUF, &level, &name), 0);
	CHECK_EQ(name, 0x1002);
	CHECK_EQ(sockaddr_lw_option(SOCK_SOL_SOCKET, SOCK_SO_ERROR, &level, &name), 0);
	CHECK_EQ(name, 0x1007);
	CHECK_EQ(sockaddr_lw_option(SOCK_SOL_TCP, SOCK_TCP_KEEPCNT, &level, &name), 0);
	CHECK_EQ(level, 6);
	CHECK_EQ(name, 0x05);
	CHECK_EQ(sockaddr_lw_option(SOCK_SOL_IPV6, SOCK_IPV6_V6ONLY, &level, &name), 0);
	CHECK_EQ(level, 41);
	CHECK_EQ(name, 27);
	CHECK_EQ(sockaddr_lw_option(SOCK_SOL_SOCKET, SOCK_SO_PEERCRED, &level, &name),
		 -ENOPROTOOPT);
	/* The same number at another level is another option. */
	CHECK_EQ(sockaddr_lw_option(SOCK_SOL_TCP, SOCK_TCP_MAXSEG, &level, &name), -ENOPROTOOPT);
	CHECK_EQ(sockaddr_lw_option(SOCK_SOL_IP, SOCK_SO_KEEPALIVE, &level, &name), -ENOPROTOOPT);
}

int main(void)
{
	return check_run();
}
