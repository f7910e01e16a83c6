/* kernel/cmdline.c: splitting the command line and virtio_mmio.device=. */
#include <flint/cmdline.h>

#include "check.h"

/* A global, so that ASan's redzones sit right after buf. */
static struct cmdline cl;

/* Parses s into cl with fresh warning state; returns the problem count. */
static int parse(const char *s)
{
	check_warnings_clear();
	return cmdline_parse(&cl, s, check_warn);
}

static void check_option(unsigned i, const char *key, const char *value)
{
	CHECKF(i < cl.noptions, "option %u missing (%u options)", i, cl.noptions);
	CHECK_STR(cl.option[i].key, key);
	CHECK_STR(cl.option[i].value, value);
}

/* argc and argv[] equal want[], and argv is NULL-terminated. */
static void check_argv(const char *const *want, unsigned n)
{
	CHECK_EQ(cl.argc, n);
	for (unsigned i = 0; i < n; i++)
		CHECK_STR(cl.argv[i], want[i]);
	CHECK(cl.argv[n] == NULL);
}

#define ARGV(...) check_argv((const char *const[]){ __VA_ARGS__ }, \
	sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(const char *))

static void check_mmio(unsigned i, uint64_t size, uint64_t base, uint32_t irq,
		       int64_t id)	/* id < 0: none */
{
	CHECKF(i < cl.nmmio, "mmio %u missing (%u devices)", i, cl.nmmio);
	CHECK_EQ(cl.mmio[i].size, size);
	CHECK_EQ(cl.mmio[i].base, base);
	CHECK_EQ(cl.mmio[i].irq, irq);
	CHECK_EQ(cl.mmio[i].has_id, id >= 0);
	CHECK_EQ(cl.mmio[i].id, id >= 0 ? (uint32_t)id : 0);
}

/* Appends fmt to buf (at most cap bytes in all). */
__attribute__((format(printf, 3, 4)))
static void append(char *buf, size_t cap, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	va_start(ap, fmt);
	CHECK((size_t)vsnprintf(buf + used, cap - used, fmt, ap) < cap - used);
	va_end(ap);
}

TEST(empty)
{
	CHECK_EQ(parse(""), 0);
	CHECK_EQ(cl.noptions, 0);
	CHECK_EQ(cl.nmmio, 0);
	check_argv(NULL, 0);
	CHECK_EQ(check_nwarnings, 0);
}

TEST(only_whitespace)
{
	CHECK_EQ(parse(" \t\n\r  \n\t"), 0);
	CHECK_EQ(cl.noptions, 0);
	CHECK_EQ(cl.nmmio, 0);
	check_argv(NULL, 0);
}

TEST(flags_and_values)
{
	CHECK_EQ(parse("\tquiet console=ttyS0\nempty= a=b=c  path=/x\r\n"), 0);
	CHECK_EQ(cl.noptions, 5);
	check_option(0, "quiet", NULL);
	check_option(1, "console", "ttyS0");
	check_option(2, "empty", "");		/* "" is not "no value" */
	check_option(3, "a", "b=c");		/* split at the first '=' */
	check_option(4, "path", "/x");		/* '/' mid-token starts no argv */
	check_argv(NULL, 0);
}

TEST(option_without_name_is_rejected)
{
	CHECK_EQ(parse("=x ok =\"\""), 2);
	CHECK_EQ(check_nwarnings, 2);
	CHECK(strstr(check_warnings, "no name"));
	CHECK_EQ(cl.noptions, 1);
	check_option(0, "ok", NULL);
}

TEST(quotes_group_spaces)
{
	CHECK_EQ(parse("msg=\"hello  world\" x=1 \"key with space\"=v q=\"\""), 0);
	CHECK_EQ(cl.noptions, 4);
	check_option(0, "msg", "hello  world");
	check_option(1, "x", "1");
	check_option(2, "key with space", "v");
	check_option(3, "q", "");
}

TEST(quotes_mid_token)
{
	CHECK_EQ(parse("a\"b c\"d=e\"f\tg\"h tail"), 0);
	CHECK_EQ(cl.noptions, 2);
	check_option(0, "ab cd", "ef\tgh");
	check_option(1, "tail", NULL);
}

TEST(unterminated_quote_drops_token)
{
	/* The open quote swallows the rest of the line; what came before stays. */
	CHECK_EQ(parse("a=1 b=\"x y -- /init"), 1);
	CHECK_EQ(check_nwarnings, 1);
	CHECK(strstr(check_warnings, "unterminated quote"));
	CHECK_EQ(cl.noptions, 1);
	check_option(0, "a", "1");
	check_argv(NULL, 0);

	CHECK_EQ(parse("k=v -- arg \"oops"), 1);
	CHECK_EQ(check_nwarnings, 1);
	check_option(0, "k", "v");
	ARGV("arg");

	CHECK_EQ(parse("\""), 1);
	CHECK_EQ(cl.noptions, 0);
	check_argv(NULL, 0);
}

TEST(dashes_split_options_from_argv)
{
	CHECK_EQ(parse("a=1 -- b -c d=e /f \"g h\""), 0);
	CHECK_EQ(cl.noptions, 1);
	check_option(0, "a", "1");
	ARGV("b", "-c", "d=e", "/f", "g h");
}

TEST(dashes_at_end_give_empty_argv)
{
	CHECK_EQ(parse("a --"), 0);
	CHECK_EQ(cl.noptions, 1);
	check_argv(NULL, 0);
}

TEST(second_dashes_are_an_argument)
{
	CHECK_EQ(parse("-- x -- y"), 0);
	CHECK_EQ(cl.noptions, 0);
	ARGV("x", "--", "y");
}

TEST(quoted_dashes_are_not_a_separator)
{
	CHECK_EQ(parse("a \"--\" --\"\" b"), 0);
	CHECK_EQ(cl.noptions, 4);
	check_option(0, "a", NULL);
	check_option(1, "--", NULL);
	check_option(2, "--", NULL);
	check_option(3, "b", NULL);
	check_argv(NULL, 0);
}

TEST(argv_starts_at_first_slash_word)
{
	CHECK_EQ(parse("console=ttyS0 /bin/app --flag x=1 -- y"), 0);
	CHECK_EQ(cl.noptions, 1);
	check_option(0, "console", "ttyS0");
	ARGV("/bin/app", "--flag", "x=1", "--", "y");

	CHECK_EQ(parse("\"/quoted path\" a"), 0);
	CHECK_EQ(cl.noptions, 0);
	ARGV("/quoted path", "a");
}

TEST(mmio_tokens_anywhere)
{
	CHECK_EQ(parse("virtio_mmio.device=4K@0x1000:5 a=1 "
		       "virtio_mmio.device=512@4096:6:3 b "
		       "-- x virtio_mmio.device=1M@0x100000:7 y"), 0);
	CHECK_EQ(cl.nmmio, 3);
	check_mmio(0, 4096, 0x1000, 5, -1);
	check_mmio(1, 512, 4096, 6, 3);
	check_mmio(2, 1 << 20, 0x100000, 7, -1);
	CHECK_EQ(cl.noptions, 2);
	check_option(0, "a", "1");
	check_option(1, "b", NULL);
	ARGV("x", "y");

	/* After an argv started by a path, and quoted. */
	CHECK_EQ(parse("/app virtio_mmio.device=0x1000@0xd0000000:9 "
		       "\"virtio_mmio.device=1G@0x100000000:10:0\" z"), 0);
	CHECK_EQ(cl.nmmio, 2);
	check_mmio(0, 0x1000, 0xd0000000, 9, -1);
	check_mmio(1, 1ull << 30, 0x100000000, 10, 0);
	CHECK_EQ(cl.noptions, 0);
	ARGV("/app", "z");
}

TEST(mmio_prefix_lookalikes_are_options)
{
	CHECK_EQ(parse("virtio_mmio.device virtio_mmio.devicex=4K@0:1 "
		       "Virtio_mmio.device=4K@0:1"), 0);
	CHECK_EQ(cl.nmmio, 0);
	CHECK_EQ(cl.noptions, 3);
	check_option(0, "virtio_mmio.device", NULL);
	check_option(1, "virtio_mmio.devicex", "4K@0:1");
}

TEST(bad_mmio_token_is_dropped_and_warned)
{
	CHECK_EQ(parse("virtio_mmio.device=4K@0x1000 a -- virtio_mmio.device= b"), 2);
	CHECK_EQ(check_nwarnings, 2);
	CHECK(strstr(check_warnings, "virtio_mmio.device"));
	CHECK_EQ(cl.nmmio, 0);
	CHECK_EQ(cl.noptions, 1);
	check_option(0, "a", NULL);
	ARGV("b");
}

TEST(mmio_parse_accepts)
{
	static const struct {
		const char *s;
		uint64_t size, base;
		uint32_t irq;
		int64_t id;	/* < 0: none */
	} ok[] = {
		{ "4K@0x1000:5", 4096, 0x1000, 5, -1 },
		{ "4k@0x1000:5", 4096, 0x1000, 5, -1 },
		{ "512@4096:0", 512, 4096, 0, -1 },
		{ "1M@0xFEB00000:12:3", 1 << 20, 0xfeb00000, 12, 3 },
		{ "2m@0xfeb00000:12", 2 << 20, 0xfeb00000, 12, -1 },
		{ "0x1000@0xd0000000:5:0", 0x1000, 0xd0000000, 5, 0 },
		{ "1G@0x100000000:4294967295:4294967295", 1ull << 30, 0x100000000,
		  UINT32_MAX, UINT32_MAX },
		{ "1g@0:1", 1ull << 30, 0, 1, -1 },
		/* The last byte may be the last byte of the address space. */
		{ "4K@0xfffffffffffff000:5", 4096, 0xfffffffffffff000, 5, -1 },
		{ "1@0xffffffffffffffff:1", 1, UINT64_MAX, 1, -1 },
		{ "18446744073709551615@0:1", UINT64_MAX, 0, 1, -1 },
		{ "18446744073709551615@1:1", UINT64_MAX, 1, 1, -1 },
		{ "17179869183G@0:1", UINT64_MAX - (1ull << 30) + 1, 0, 1, -1 },
	};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct virtio_mmio_desc d;

		memset(&d, 0xa5, sizeof(d));
		CHECKF(virtio_mmio_parse(ok[i].s, &d) == 0, "'%s' rejected", ok[i].s);
		CHECKF(d.size == ok[i].size && d.base == ok[i].base && d.irq == ok[i].irq,
		       "'%s': size %#" PRIx64 " base %#" PRIx64 " irq %" PRIu32,
		       ok[i].s, d.size, d.base, d.irq);
		CHECKF(d.has_id == (ok[i].id >= 0), "'%s': has_id", ok[i].s);
		CHECKF(d.id == (ok[i].id >= 0 ? (uint32_t)ok[i].id : 0), "'%s': id %" PRIu32,
		       ok[i].s, d.id);
	}
}

TEST(mmio_parse_rejects)
{
	static const char *const bad[] = {
		"",
		"4K",
		"4K0x1000:5",			/* no @ */
		"4K@0x1000",			/* no : */
		"4K@0x1000:",			/* no irq */
		"4K@:5",			/* no base */
		"@0x1000:5",			/* no size */
		"0@0x1000:5",			/* size 0 */
		"0K@0x1000:5",
		"4K@0x1000:5x",			/* trailing garbage */
		"4K@0x1000:5 ",
		"4K@0x1000:5:",
		"4K@0x1000:5:1:2",
		"4KB@0x1000:5",
		"4T@0x1000:5",
		"0x@0x1000:5",
		"-1@0x1000:5",
		"4K@-1:5",
		"4K@0x1000:-5",
		"4K@0x1000:0x",
		"17179869184G@0:5",		/* 2^34 G = 2^64 */
		"0x40000000000000K@0:5",	/* 2^54 K = 2^64 */
		"17592186044416M@0:5",		/* 2^44 M = 2^64 */
		"18446744073709551616@0:5",	/* 2^64 */
		"0x10000000000000000@0:5",
		"4K@18446744073709551616:5",
		"8K@0xfffffffffffff000:5",	/* base + size wraps */
		"2@0xffffffffffffffff:1",
		"18446744073709551615@2:1",
		"4K@0x1000:4294967296",		/* irq > u32 */
		"4K@0x1000:18446744073709551616",
		"4K@0x1000:5:4294967296",	/* id > u32 */
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct virtio_mmio_desc d;

		CHECKF(virtio_mmio_parse(bad[i], &d) != 0, "'%s' accepted", bad[i]);
	}
}

TEST(too_many_options_warned_once)
{
	char s[CMDLINE_BUF_SIZE];
	int n = 300;

	_Static_assert(300 > CMDLINE_MAX_OPTIONS, "300 options must be too many");
	s[0] = '\0';
	for (int i = 0; i < n; i++)
		append(s, sizeof(s), "o%03d=v%d ", i, i);
	append(s, sizeof(s), "-- x y");
	CHECK(strlen(s) > 2000);
	CHECK_EQ(parse(s), n - CMDLINE_MAX_OPTIONS);
	CHECK_EQ(check_nwarnings, 1);
	CHECK(strstr(check_warnings, "options"));
	CHECK_EQ(cl.noptions, CMDLINE_MAX_OPTIONS);
	for (unsigned i = 0; i < CMDLINE_MAX_OPTIONS; i++) {
		char key[8], value[8];

		snprintf(key, sizeof(key), "o%03u", i);
		snprintf(value, sizeof(value), "v%u", i);
		check_option(i, key, value);
	}
	ARGV("x", "y");
}

TEST(too_many_args_warned_once)
{
	char s[CMDLINE_BUF_SIZE] = "opt --";

	for (int i = 0; i < CMDLINE_MAX_ARGS + 6; i++)
		append(s, sizeof(s), " a%d", i);
	CHECK_EQ(parse(s), 6);
	CHECK_EQ(check_nwarnings, 1);
	CHECK(strstr(check_warnings, "arguments"));
	CHECK_EQ(cl.argc, CMDLINE_MAX_ARGS);
	for (unsigned i = 0; i < CMDLINE_MAX_ARGS; i++) {
		char want[8];

		snprintf(want, sizeof(want), "a%u", i);
		CHECK_STR(cl.argv[i], want);
	}
	CHECK(cl.argv[CMDLINE_MAX_ARGS] == NULL);
	check_option(0, "opt", NULL);
}

TEST(too_many_mmio_warned_once)
{
	char s[CMDLINE_BUF_SIZE] = "";

	for (int i = 0; i < CMDLINE_MAX_MMIO + 8; i++)
		append(s, sizeof(s), "virtio_mmio.device=4K@%#x:%d ", 0xd0000000 + i * 0x1000, 5 + i);
	append(s, sizeof(s), "after");
	CHECK_EQ(parse(s), 8);
	CHECK_EQ(check_nwarnings, 1);
	CHECK(strstr(check_warnings, "virtio_mmio"));
	CHECK_EQ(cl.nmmio, CMDLINE_MAX_MMIO);
	check_mmio(CMDLINE_MAX_MMIO - 1, 4096, 0xd0000000 + (CMDLINE_MAX_MMIO - 1) * 0x1000,
		   5 + CMDLINE_MAX_MMIO - 1, -1);
	CHECK_EQ(cl.noptions, 1);
	check_option(0, "after", NULL);
}

TEST(every_limit_at_once)
{
	char s[CMDLINE_BUF_SIZE] = "";

	for (int i = 0; i < CMDLINE_MAX_OPTIONS + 1; i++)
		append(s, sizeof(s), "o%d ", i);
	for (int i = 0; i < CMDLINE_MAX_MMIO + 1; i++)
		append(s, sizeof(s), "virtio_mmio.device=1K@%d:1 ", i * 1024);
	append(s, sizeof(s), "--");
	for (int i = 0; i < CMDLINE_MAX_ARGS + 1; i++)
		append(s, sizeof(s), " a%d", i);
	CHECK_EQ(parse(s), 3);
	CHECK_EQ(check_nwarnings, 3);
	CHECK_EQ(cl.noptions, CMDLINE_MAX_OPTIONS);
	CHECK_EQ(cl.nmmio, CMDLINE_MAX_MMIO);
	CHECK_EQ(cl.argc, CMDLINE_MAX_ARGS);
	CHECK(cl.argv[CMDLINE_MAX_ARGS] == NULL);
}

TEST(longest_token_fills_buffer_exactly)
{
	static char s[CMDLINE_BUF_SIZE];

	memset(s, 'k', CMDLINE_BUF_SIZE - 1);	/* 4095 bytes + NUL: just fits */
	CHECK_EQ(parse(s), 0);
	CHECK_EQ(cl.noptions, 1);
	CHECK_EQ(strlen(cl.option[0].key), CMDLINE_BUF_SIZE - 1);
	CHECK(cl.option[0].value == NULL);
}

TEST(most_tokens_fill_buffer_exactly)
{
	/* "a a ... a", 4095 bytes: 2048 tokens of two buffer bytes each. */
	static char s[CMDLINE_BUF_SIZE];
	unsigned ntok = CMDLINE_BUF_SIZE / 2;

	for (unsigned i = 0; i < CMDLINE_BUF_SIZE - 1; i++)
		s[i] = i % 2 ? ' ' : 'a';
	CHECK_EQ(parse(s), ntok - CMDLINE_MAX_OPTIONS);
	CHECK_EQ(check_nwarnings, 1);
	CHECK_EQ(cl.noptions, CMDLINE_MAX_OPTIONS);
	check_option(CMDLINE_MAX_OPTIONS - 1, "a", NULL);
}

TEST(overlong_input_is_truncated)
{
	/* No NUL within reach: the parser must stop at CMDLINE_BUF_SIZE. */
	char *s = malloc(CMDLINE_BUF_SIZE);

	CHECK(s);
	memset(s, 'x', CMDLINE_BUF_SIZE);
	memcpy(s, "first=1 ", 8);
	CHECK_EQ(cmdline_parse(&cl, s, check_warn), 1);
	CHECK(strstr(check_warnings, "longer than"));
	CHECK_EQ(cl.noptions, 2);
	check_option(0, "first", "1");
	CHECK_EQ(strlen(cl.option[1].key), CMDLINE_BUF_SIZE - 1 - 8);
	free(s);
}

TEST(long_input_boundary)
{
	static char s[CMDLINE_BUF_SIZE + 1];

	memset(s, 'y', CMDLINE_BUF_SIZE);	/* 4096 characters: one too many */
	CHECK_EQ(parse(s), 1);
	CHECK_EQ(check_nwarnings, 1);
	CHECK_EQ(strlen(cl.option[0].key), CMDLINE_BUF_SIZE - 1);

	s[CMDLINE_BUF_SIZE - 1] = '\0';		/* 4095: accepted whole */
	CHECK_EQ(parse(s), 0);
	CHECK_EQ(check_nwarnings, 0);
}

TEST(overlong_input_with_many_tokens)
{
	static char s[5001];

	for (int i = 0; i < 5000; i++)
		s[i] = "a=1 "[i % 4];
	/* 4095 bytes keep 1024 tokens, CMDLINE_MAX_OPTIONS of which fit. */
	CHECK_EQ(parse(s), 1 + 1024 - CMDLINE_MAX_OPTIONS);
	CHECK_EQ(check_nwarnings, 2);
	CHECK_EQ(cl.noptions, CMDLINE_MAX_OPTIONS);
	check_option(CMDLINE_MAX_OPTIONS - 1, "a", "1");
}

TEST(problems_are_counted)
{
	CHECK_EQ(parse("=a virtio_mmio.device=bad ok -- x b=\"open"), 3);
	CHECK_EQ(check_nwarnings, 3);
	check_option(0, "ok", NULL);
	ARGV("x");
}

TEST(reparse_starts_afresh)
{
	CHECK_EQ(parse("a b c virtio_mmio.device=4K@0:1 -- d e"), 0);
	CHECK_EQ(parse("z"), 0);
	CHECK_EQ(cl.noptions, 1);
	check_option(0, "z", NULL);
	CHECK_EQ(cl.nmmio, 0);
	check_argv(NULL, 0);
}

int main(void)
{
	return check_run();
}
