/* Command-line parsing. Pure code: also built into the host unit tests. */
#include <flint/cmdline.h>
#include <flint/string.h>

#define MMIO_PREFIX "virtio_mmio.device="

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Decimal, or hex with 0x. Returns 0 and advances *p on success. */
static int parse_u64(const char **p, uint64_t *out)
{
	const char *s = *p;
	unsigned base = 10;
	uint64_t v = 0;
	int digits = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (;; s++, digits++) {
		unsigned d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			break;
		if (v > (UINT64_MAX - d) / base)
			return -1;
		v = v * base + d;
	}
	if (!digits)
		return -1;
	*out = v;
	*p = s;
	return 0;
}

/* A size with an optional K, M or G suffix (either case). */
static int parse_size(const char **p, uint64_t *out)
{
	uint64_t v;
	unsigned shift = 0;

	if (parse_u64(p, &v))
		return -1;
	switch (**p) {
	case 'k': case 'K': shift = 10; break;
	case 'm': case 'M': shift = 20; break;
	case 'g': case 'G': shift = 30; break;
	}
	if (shift) {
		if (v > (UINT64_MAX >> shift))
			return -1;
		v <<= shift;
		(*p)++;
	}
	*out = v;
	return 0;
}

int virtio_mmio_parse(const char *s, struct virtio_mmio_desc *d)
{
	uint64_t size, base, irq, id;

	if (parse_size(&s, &size) || size == 0 || *s++ != '@')
		return -1;
	if (parse_u64(&s, &base) || *s++ != ':')
		return -1;
	if (base + size - 1 < base)
		return -1;
	if (parse_u64(&s, &irq) || irq > UINT32_MAX)
		return -1;
	d->has_id = false;
	d->id = 0;
	if (*s == ':') {
		s++;
		if (parse_u64(&s, &id) || id > UINT32_MAX)
			return -1;
		d->has_id = true;
		d->id = (uint32_t)id;
	}
	if (*s)
		return -1;
	d->base = base;
	d->size = size;
	d->irq = (uint32_t)irq;
	return 0;
}

struct parser {
	struct cmdline *c;
	cmdline_warn_fn warn;
	int problems;
	bool in_args;
	bool warned_options, warned_args, warned_mmio;
};

static void add_mmio(struct parser *ps, const char *tok)
{
	struct cmdline *c = ps->c;
	struct virtio_mmio_desc d;

	if (virtio_mmio_parse(tok + sizeof(MMIO_PREFIX) - 1, &d)) {
		ps->warn("cmdline: bad %.*s token '%.64s' (want <size>@<base>:<irq>[:<id>])",
			 (int)sizeof(MMIO_PREFIX) - 2, MMIO_PREFIX, tok);
		ps->problems++;
	} else if (c->nmmio == CMDLINE_MAX_MMIO) {
		if (!ps->warned_mmio)
			ps->warn("cmdline: more than %d virtio_mmio.device tokens; extra ones ignored",
				 CMDLINE_MAX_MMIO);
		ps->warned_mmio = true;
		ps->problems++;
	} else {
		c->mmio[c->nmmio++] = d;
	}
}

static void add_arg(struct parser *ps, const char *tok)
{
	struct cmdline *c = ps->c;

	if (c->argc == CMDLINE_MAX_ARGS) {
		if (!ps->warned_args)
			ps->warn("cmdline: more than %d program arguments; extra ones ignored",
				 CMDLINE_MAX_ARGS);
		ps->warned_args = true;
		ps->problems++;
		return;
	}
	c->argv[c->argc++] = tok;
}

static void add_option(struct parser *ps, char *tok)
{
	struct cmdline *c = ps->c;
	char *eq = strchr(tok, '=');

	if (eq == tok) {
		ps->warn("cmdline: option '%.64s' has no name", tok);
		ps->problems++;
		return;
	}
	if (c->noptions == CMDLINE_MAX_OPTIONS) {
		if (!ps->warned_options)
			ps->warn("cmdline: more than %d options; extra ones ignored",
				 CMDLINE_MAX_OPTIONS);
		ps->warned_options = true;
		ps->problems++;
		return;
	}
	if (eq)
		*eq = '\0';
	c->option[c->noptions].key = tok;
	c->option[c->noptions].value = eq ? eq + 1 : NULL;
	c->noptions++;
}

static void classify(struct parser *ps, char *tok, bool bare_dashes)
{
	if (!strncmp(tok, MMIO_PREFIX, sizeof(MMIO_PREFIX) - 1))
		add_mmio(ps, tok);
	else if (ps->in_args)
		add_arg(ps, tok);
	else if (bare_dashes)
		ps->in_args = true;
	else if (tok[0] == '/') {
		ps->in_args = true;
		add_arg(ps, tok);
	} else
		add_option(ps, tok);
}

int cmdline_parse(struct cmdline *c, const char *s, cmdline_warn_fn warn)
{
	struct parser ps = { .c = c, .warn = warn };
	size_t len = strnlen(s, CMDLINE_BUF_SIZE);
	char *out = c->buf;
	size_t i = 0;

	c->noptions = c->argc = c->nmmio = 0;
	if (len == CMDLINE_BUF_SIZE) {
		warn("cmdline: longer than %d bytes; the rest is ignored", CMDLINE_BUF_SIZE - 1);
		ps.problems++;
		len = CMDLINE_BUF_SIZE - 1;
	}

	while (i < len) {
		char *tok;
		bool quoted = false, had_quote = false;

		while (i < len && is_space(s[i]))
			i++;
		if (i == len)
			break;
		tok = out;
		for (; i < len && (quoted || !is_space(s[i])); i++) {
			if (s[i] == '"') {
				quoted = !quoted;
				had_quote = true;
			} else {
				*out++ = s[i];
			}
		}
		*out++ = '\0';
		if (quoted) {
			warn("cmdline: unterminated quote in '%.64s'; token dropped", tok);
			ps.problems++;
			continue;
		}
		classify(&ps, tok, !had_quote && !strcmp(tok, "--"));
	}
	c->argv[c->argc] = NULL;
	return ps.problems;
}
