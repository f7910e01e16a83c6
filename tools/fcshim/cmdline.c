/* Command-line rules of Firecracker v1.2+ (contract §6): the user string is
 * split at the first " -- " outside double quotes, both halves are trimmed,
 * and every token Firecracker adds goes to the end of the first half. */
#include <flint/string.h>
#include <stdbool.h>
#include <stddef.h>

#include "cmdline.h"
#include "console.h"
#include "layout.h"

#define INIT_ARGS_SEPARATOR " -- "
#define MMIO_TOKEN_PREFIX "virtio_mmio.device="
#define PCI_OFF_TOKEN "pci=off"	/* §6: appended first, HEAD (v1.13+) without PCI */

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Parses a decimal or 0x-hex number; returns the first byte after it. */
static const char *parse_number(const char *s, uint32_t *v)
{
	const char *start;
	uint32_t n = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		for (start = s;; s++) {
			char c = *s;
			uint32_t d;

			if (c >= '0' && c <= '9')
				d = (uint32_t)(c - '0');
			else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
				d = (uint32_t)((c | 0x20) - 'a' + 10);
			else
				break;
			n = n << 4 | d;
		}
	} else {
		for (start = s; *s >= '0' && *s <= '9'; s++)
			n = n * 10 + (uint32_t)(*s - '0');
	}
	*v = n;
	return s == start ? NULL : s;
}

/* "<size>[K|M|G]@<base>:<gsi>[:<id>]", the form Linux's virtio_mmio
 * driver reads; QEMU writes e.g. "512@0xfeb00e00:12". */
static void parse_mmio_token(struct virtio_mmio_dev *d)
{
	const char *p = parse_number(d->token + strlen(MMIO_TOKEN_PREFIX), &d->size);

	if (p && (*p == 'K' || *p == 'k'))
		d->size <<= 10, p++;
	else if (p && (*p == 'M' || *p == 'm'))
		d->size <<= 20, p++;
	else if (p && (*p == 'G' || *p == 'g'))
		d->size <<= 30, p++;
	if (p && *p == '@')
		p = parse_number(p + 1, &d->base);
	else
		p = NULL;
	if (p && *p == ':')
		p = parse_number(p + 1, &d->gsi);
	else
		p = NULL;
	if (!p || (*p && *p != ':') || !d->size)
		fail("cannot parse \"%s\"", d->token);
	if (d->gsi < FC_FIRST_DEVICE_GSI || d->gsi >= FC_IRQ_PINS)
		fail("\"%s\": GSI %u is outside Firecracker's device GSIs %u-%u",
		     d->token, d->gsi, FC_FIRST_DEVICE_GSI, FC_IRQ_PINS - 1);
}

uint32_t take_qemu_mmio_tokens(char *cmdline, struct virtio_mmio_dev *devs,
			       uint32_t max)
{
	size_t len = strlen(cmdline);
	uint32_t n = 0;

	for (;;) {
		size_t start, end = len;

		while (end && is_space(cmdline[end - 1]))
			end--;
		start = end;
		while (start && !is_space(cmdline[start - 1]))
			start--;
		if (start == end ||
		    strncmp(cmdline + start, MMIO_TOKEN_PREFIX, strlen(MMIO_TOKEN_PREFIX)))
			return n;
		if (n == max)
			fail("more than %u virtio_mmio.device= tokens", max);
		if (end - start >= VIRTIO_TOKEN_MAX)
			fail("virtio_mmio.device= token longer than %u bytes",
			     VIRTIO_TOKEN_MAX - 1);
		/* Found last to first: shift the earlier ones up. */
		memmove(&devs[1], &devs[0], n * sizeof(devs[0]));
		memcpy(devs[0].token, cmdline + start, end - start);
		devs[0].token[end - start] = '\0';
		parse_mmio_token(&devs[0]);
		n++;
		/* QEMU wrote " <token>": drop that one space with the token. */
		len = start && cmdline[start - 1] == ' ' ? start - 1 : start;
		cmdline[len] = '\0';
	}
}

/* The first " -- " preceded by an even number of double quotes. */
static const char *find_separator(const char *s)
{
	bool quoted = false;
	size_t seplen = strlen(INIT_ARGS_SEPARATOR);

	for (const char *p = s; *p; p++) {
		if (!quoted && !strncmp(p, INIT_ARGS_SEPARATOR, seplen))
			return p;
		if (*p == '"')
			quoted = !quoted;
	}
	return NULL;
}

struct buf {
	char *p;
	size_t len;
};

static void append(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > FC_CMDLINE_MAX)
		fail("command line longer than Firecracker's %u bytes", FC_CMDLINE_MAX);
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/* Appends s[0..n) with surrounding whitespace removed. */
static void append_trimmed(struct buf *b, const char *s, size_t n)
{
	while (n && is_space(*s))
		s++, n--;
	while (n && is_space(s[n - 1]))
		n--;
	append(b, s, n);
}

/* Firecracker's insert_str: a space unless the boot args are empty. */
static void insert_token(struct buf *b, const char *tok)
{
	for (const char *c = tok; *c; c++)
		if (*c < ' ' || *c > '~')
			fail("token \"%s\" has a non-printable character", tok);
	if (b->len)
		append(b, " ", 1);
	append(b, tok, strlen(tok));
}

uint32_t build_fc_cmdline(char *out, const char *boot_args, enum fc_version v,
			  bool pci, const struct virtio_mmio_dev *devs, uint32_t ndev)
{
	static char init_buf[FC_CMDLINE_MAX];
	const char *sep = find_separator(boot_args);
	const char *init_args = sep ? sep + strlen(INIT_ARGS_SEPARATOR) : "";
	struct buf line = { out, 0 }, init = { init_buf, 0 };

	out[0] = init_buf[0] = '\0';
	append_trimmed(&line, boot_args, sep ? (size_t)(sep - boot_args) : strlen(boot_args));
	append_trimmed(&init, init_args, strlen(init_args));

	if (v == FC_HEAD && !pci)
		insert_token(&line, PCI_OFF_TOKEN);
	for (uint32_t i = 0; i < ndev; i++)
		insert_token(&line, devs[i].token);
	if (init.len) {
		append(&line, INIT_ARGS_SEPARATOR, strlen(INIT_ARGS_SEPARATOR));
		append(&line, init_buf, init.len);
	}
	return (uint32_t)line.len + 1;
}
