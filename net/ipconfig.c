/*
 * The ip= option's parser: Linux's field syntax, checked strictly (an
 * address is a dotted quad of decimal bytes), so that a mistyped option
 * is reported in one line instead of half applied.
 */
#include <flint/string.h>
#include <stdbool.h>

#include "ipconfig.h"

#define IPCONFIG_FIELDS 10		/* client ... ntp0 */
#define FIELD_HOSTNAME 4
#define FIELD_DEVICE 5
#define FIELD_AUTOCONF 6

/* RFC 791 §2.3's classes by the first byte. */
#define CLASS_B_FIRST 128
#define CLASS_C_FIRST 192
#define CLASS_D_FIRST 224

struct field {
	const char *s;
	unsigned len;
};

static uint32_t to_net(uint32_t host)
{
	return __builtin_bswap32(host);
}

int ipconfig_parse_addr(const char *s, unsigned len, uint32_t *addr)
{
	uint32_t v = 0;
	unsigned part = 0, digits = 0, byte = 0;

	for (unsigned i = 0; i <= len; i++) {
		if (i == len || s[i] == '.') {
			if (!digits || part > 3)
				return -1;
			v = v << 8 | byte;
			part++;
			digits = byte = 0;
		} else if (s[i] >= '0' && s[i] <= '9') {
			byte = byte * 10 + (unsigned)(s[i] - '0');
			if (++digits > 3 || byte > 255)
				return -1;
		} else {
			return -1;
		}
	}
	if (part != 4)
		return -1;
	*addr = to_net(v);
	return 0;
}

uint32_t ipconfig_class_mask(uint32_t addr)
{
	unsigned first = to_net(addr) >> 24;

	if (first < CLASS_B_FIRST)
		return to_net(0xff000000u);
	if (first < CLASS_C_FIRST)
		return to_net(0xffff0000u);
	if (first < CLASS_D_FIRST)
		return to_net(0xffffff00u);
	return 0;
}

static bool field_is(struct field f, const char *word)
{
	return f.len == strlen(word) && !memcmp(f.s, word, f.len);
}

/* An autoconf word: 0 with *mode, -1 when unknown, -2 for rarp. */
static int autoconf_mode(struct field f, enum ipconfig_mode *mode)
{
	static const char *const off[] = { "off", "none" };
	static const char *const on[] = { "on", "any", "dhcp", "bootp", "both" };

	for (unsigned i = 0; i < sizeof(off) / sizeof(off[0]); i++)
		if (field_is(f, off[i])) {
			*mode = IPCONFIG_OFF;
			return 0;
		}
	for (unsigned i = 0; i < sizeof(on) / sizeof(on[0]); i++)
		if (field_is(f, on[i])) {
			*mode = IPCONFIG_DHCP;
			return 0;
		}
	return field_is(f, "rarp") ? -2 : -1;
}

/* An optional address field: 0 (left 0 when empty) or -1. */
static int addr_field(struct field f, uint32_t *addr)
{
	return f.len ? ipconfig_parse_addr(f.s, f.len, addr) : 0;
}

/* A netmask is contiguous ones from the top. */
static bool mask_valid(uint32_t mask)
{
	uint32_t host = to_net(mask);

	return !(~host & (~host + 1));
}

int ipconfig_parse(const char *value, struct ipconfig *out, const char **why)
{
	static const char *const addr_why[IPCONFIG_FIELDS] = {
		"bad client address", "bad server address", "bad gateway address",
		"bad netmask", NULL, NULL, NULL, "bad dns0 address",
		"bad dns1 address", "bad ntp0 address",
	};
	struct field f[IPCONFIG_FIELDS] = { { 0 } };
	struct ipconfig c = { .mode = IPCONFIG_DHCP };
	unsigned n = 0;
	const char *p = value;
	int r;

	if (!value || !*value) {
		*why = "empty value";
		return -1;
	}
	for (;;) {
		const char *end = strchr(p, ':');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (n == IPCONFIG_FIELDS) {
			*why = "more than 10 fields";
			return -1;
		}
		if (len > IPCONFIG_HOSTNAME_MAX) {
			*why = "a field is too long";
			return -1;
		}
		f[n++] = (struct field){ p, (unsigned)len };
		if (!end)
			break;
		p = end + 1;
	}
	if (n == 1 && (r = autoconf_mode(f[0], &c.mode)) != -1) {
		if (r == -2) {
			*why = "rarp is not supported";
			return -1;
		}
		*out = c;
		return 0;
	}
	for (unsigned i = 0; i < IPCONFIG_FIELDS; i++) {
		uint32_t *dst[IPCONFIG_FIELDS] = {
			&c.client, &c.server, &c.gateway, &c.netmask, NULL, NULL,
			NULL, &c.dns[0], &c.dns[1], &c.ntp,
		};

		if (dst[i] && addr_field(f[i], dst[i])) {
			*why = addr_why[i];
			return -1;
		}
	}
	if (f[FIELD_HOSTNAME].len) {
		for (unsigned i = 0; i < f[FIELD_HOSTNAME].len; i++) {
			char ch = f[FIELD_HOSTNAME].s[i];

			if (ch <= ' ' || ch > '~') {
				*why = "bad hostname";
				return -1;
			}
		}
		memcpy(c.hostname, f[FIELD_HOSTNAME].s, f[FIELD_HOSTNAME].len);
	}
	if (f[FIELD_DEVICE].len > IPCONFIG_DEVICE_MAX) {
		*why = "device name too long";
		return -1;
	}
	if (f[FIELD_DEVICE].len)
		memcpy(c.device, f[FIELD_DEVICE].s, f[FIELD_DEVICE].len);
	if (f[FIELD_AUTOCONF].len) {
		r = autoconf_mode(f[FIELD_AUTOCONF], &c.mode);
		if (r) {
			*why = r == -2 ? "rarp is not supported" : "unknown autoconf method";
			return -1;
		}
	}
	if (c.netmask && !mask_valid(c.netmask)) {
		*why = "bad netmask";
		return -1;
	}
	/* As Linux with one interface: a given client address is used as is,
	 * whatever autoconf says; none and autoconf off leave it unset. */
	if (c.client) {
		c.mode = IPCONFIG_STATIC;
		if (!c.netmask)
			c.netmask = ipconfig_class_mask(c.client);
		if (!c.netmask) {
			*why = "no netmask for a class D or E address";
			return -1;
		}
	} else if (c.mode == IPCONFIG_STATIC) {
		c.mode = IPCONFIG_OFF;
	}
	*out = c;
	return 0;
}
