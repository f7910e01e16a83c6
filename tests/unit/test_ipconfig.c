/* net/ipconfig.c: the ip= option's parser, on Linux's forms, on
 * Firecracker's, and on garbage. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "../../net/ipconfig.h"
#include "check.h"

static struct ipconfig cfg;
static const char *why;

static uint32_t A(const char *s)
{
	return inet_addr(s);
}

static int parse(const char *s)
{
	memset(&cfg, 0xa5, sizeof(cfg));
	why = NULL;
	return ipconfig_parse(s, &cfg, &why);
}

/* Parsing s fails with a reason and leaves cfg as it was. */
static void check_bad(const char *s)
{
	struct ipconfig before;

	memset(&before, 0xa5, sizeof(before));
	CHECKF(parse(s) == -1, "accepted \"%s\"", s);
	CHECKF(why && *why && !strchr(why, '\n'), "no one-line reason for \"%s\"", s);
	CHECK(!memcmp(&cfg, &before, sizeof(cfg)));
}

TEST(words)
{
	static const char *const on[] = { "on", "any", "dhcp", "bootp", "both" };

	CHECK_EQ(parse("off"), 0);
	CHECK_EQ(cfg.mode, IPCONFIG_OFF);
	CHECK_EQ(parse("none"), 0);
	CHECK_EQ(cfg.mode, IPCONFIG_OFF);
	for (unsigned i = 0; i < sizeof(on) / sizeof(on[0]); i++) {
		CHECK_EQ(parse(on[i]), 0);
		CHECK_EQ(cfg.mode, IPCONFIG_DHCP);
		CHECK_EQ(cfg.client, 0);
		CHECK_STR(cfg.device, "");
	}
	check_bad("rarp");
	check_bad("DHCP");
	check_bad("dhcpx");
}

TEST(firecracker_form)
{
	CHECK_EQ(parse("172.16.0.2::172.16.0.1:255.255.255.252::eth0:off"), 0);
	CHECK_EQ(cfg.mode, IPCONFIG_STATIC);
	CHECK_EQ(cfg.client, A("172.16.0.2"));
	CHECK_EQ(cfg.server, 0);
	CHECK_EQ(cfg.gateway, A("172.16.0.1"));
	CHECK_EQ(cfg.netmask, A("255.255.255.252"));
	CHECK_STR(cfg.hostname, "");
	CHECK_STR(cfg.device, "eth0");
	CHECK_EQ(cfg.dns[0], 0);
	CHECK_EQ(cfg.dns[1], 0);
}

TEST(all_fields)
{
	CHECK_EQ(parse("10.1.2.3:10.1.2.1:10.1.2.254:255.255.0.0:vm1:eth1:none:"
		       "8.8.8.8:1.1.1.1:10.1.2.9"), 0);
	CHECK_EQ(cfg.mode, IPCONFIG_STATIC);
	CHECK_EQ(cfg.client, A("10.1.2.3"));
	CHECK_EQ(cfg.server, A("10.1.2.1"));
	CHECK_EQ(cfg.gateway, A("10.1.2.254"));
	CHECK_EQ(cfg.netmask, A("255.255.0.0"));
	CHECK_STR(cfg.hostname, "vm1");
	CHECK_STR(cfg.device, "eth1");
	CHECK_EQ(cfg.dns[0], A("8.8.8.8"));
	CHECK_EQ(cfg.dns[1], A("1.1.1.1"));
	CHECK_EQ(cfg.ntp, A("10.1.2.9"));
}

TEST(netmask_from_class)
{
	CHECK_EQ(parse("10.0.0.5"), 0);
	CHECK_EQ(cfg.mode, IPCONFIG_STATIC);
	CHECK_EQ(cfg.netmask, A("255.0.0.0"));
	CHECK_EQ(parse("172.20.1.1::"), 0);
	CHECK_EQ(cfg.netmask, A("255.255.0.0"));
	CHECK_EQ(parse("192.168.7.7:::"), 0);
	CHECK_EQ(cfg.netmask, A("255.255.255.0"));
	check_bad("224.0.0.1");
}

TEST(autoconf_without_client)
{
	CHECK_EQ(parse(":::::eth0:dhcp"), 0);
	CHECK_EQ(cfg.mode, IPCONFIG_DHCP);
	CHECK_STR(cfg.device, "eth0");
	CHECK_EQ(parse("::::myhost::"), 0);
	CHECK_EQ(cfg.mode, IPCONFIG_DHCP);
	CHECK_STR(cfg.hostname, "myhost");
	CHECK_EQ(parse("::::::off"), 0);
	CHECK_EQ(cfg.mode, IPCONFIG_OFF);
	/* A client address wins over autoconf, as in Linux. */
	CHECK_EQ(parse("10.0.2.20::10.0.2.2:255.255.255.0:::dhcp"), 0);
	CHECK_EQ(cfg.mode, IPCONFIG_STATIC);
}

TEST(garbage)
{
	static const char *const bad[] = {
		"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1..2.3", "01234.1.1.1",
		"1.2.3.4x", "-1.2.3.4", "1.2.3.4:::255.0.255.0", "1.2.3.4:::x",
		"1.2.3.4:::::eth0:sometimes", ":::::eth0:rarp",
		"1.2.3.4:::::averyveryverylongdevicename",
		"1:2:3:4:5:6:7:8:9:10:11", "1.2.3.4::::bad host",
		"::::::::1.2.3", ":::::::::x", "\x01\x02", "1.2.3.4:::::::\xff",
	};

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		check_bad(bad[i]);
	CHECK(ipconfig_parse(NULL, &cfg, &why) == -1);
}

TEST(overlong_and_random)
{
	uint64_t seed = 11;
	size_t n = 1 << 16;
	char *big = malloc(n + 1);

	memset(big, '1', n);
	big[n] = 0;
	check_bad(big);
	memset(big, ':', n);
	check_bad(big);
	/* Random text from the characters that matter never crashes; what
	 * it accepts is self-consistent. */
	for (unsigned round = 0; round < 20000; round++) {
		static const char alphabet[] = "0123456789.:abdfhnoptx \xff";
		size_t len = check_below(&seed, 40);

		for (size_t i = 0; i < len; i++)
			big[i] = alphabet[check_below(&seed, sizeof(alphabet) - 1)];
		big[len] = 0;
		if (parse(big) == 0) {
			CHECK(cfg.mode <= IPCONFIG_DHCP);
			CHECK(cfg.mode != IPCONFIG_STATIC || (cfg.client && cfg.netmask));
			CHECK(strlen(cfg.hostname) <= IPCONFIG_HOSTNAME_MAX);
			CHECK(strlen(cfg.device) <= IPCONFIG_DEVICE_MAX);
		} else {
			CHECK(why != NULL);
		}
	}
	free(big);
}

int main(void)
{
	return check_run();
}
