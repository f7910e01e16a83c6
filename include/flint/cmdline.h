/* The kernel command line (kernel/cmdline.c), Linux style:
 *   kernel options ("key=value" or "flag", double quotes group spaces),
 *   then the application's argv after "--" (or from the first word that
 *   begins with '/', a program path), and virtio_mmio.device= tokens
 *   anywhere, which are consumed and never reach the application. */
#ifndef FLINT_CMDLINE_H
#define FLINT_CMDLINE_H

#include <stdbool.h>
#include <stdint.h>

#define CMDLINE_MAX_OPTIONS 128
#define CMDLINE_MAX_ARGS 256
#define CMDLINE_MAX_MMIO 32
#define CMDLINE_BUF_SIZE 4096

struct cmdline_option {
	const char *key;
	const char *value;	/* NULL for a flag */
};

/* virtio_mmio.device=<size>@<base>:<irq>[:<id>] (Linux's syntax). */
struct virtio_mmio_desc {
	uint64_t base;
	uint64_t size;
	uint32_t irq;
	uint32_t id;		/* platform device id, when has_id */
	bool has_id;
};

struct cmdline {
	unsigned noptions;
	struct cmdline_option option[CMDLINE_MAX_OPTIONS];
	unsigned argc;
	const char *argv[CMDLINE_MAX_ARGS + 1];	/* NULL-terminated */
	unsigned nmmio;
	struct virtio_mmio_desc mmio[CMDLINE_MAX_MMIO];
	char buf[CMDLINE_BUF_SIZE];	/* the unquoted tokens */
};

typedef void (*cmdline_warn_fn)(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* Splits s into c. Problems (unterminated quote, too many tokens, a bad
 * virtio_mmio.device token, overlong input) are reported through warn and
 * the offending part is dropped; the rest is still parsed. Returns the
 * number of problems. */
int cmdline_parse(struct cmdline *c, const char *s, cmdline_warn_fn warn);

/* Parses "<size>@<base>:<irq>[:<id>]"; 0 on success. */
int virtio_mmio_parse(const char *s, struct virtio_mmio_desc *d);

/* The parsed command line of this boot (set by kernel_cmdline_init). */
extern struct cmdline kernel_cmdline;

#endif
