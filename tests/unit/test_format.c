/* lib/format.c against the host C library's printf family. This file and
 * format.c are built with vsnprintf/snprintf/vformat renamed to flint_*;
 * the C library's own names come back after the #undefs. */
#include <flint/format.h>

#undef vsnprintf
#undef snprintf
#undef vformat

#include <limits.h>
#include <sys/types.h>

#include "check.h"

#define BUF 512

/* Formats fmt with Flint and with the C library (into buffers of size
 * bytes, canaries after them) and fails unless the return values, the
 * output and the untouched tails agree. */
static void same_sized(const char *file, int line, size_t size, const char *fmt, va_list ap)
{
	char want[BUF], got[BUF];
	va_list aq;
	int nw, ng;

	memset(want, '#', sizeof(want));
	memset(got, '#', sizeof(got));
	va_copy(aq, ap);
	nw = vsnprintf(want, size, fmt, ap);
	ng = flint_vsnprintf(got, size, fmt, aq);
	va_end(aq);
	if (nw < 0 || (size_t)nw >= BUF)
		check_fail(file, line, "bad test: \"%s\" gives %d characters", fmt, nw);
	if (ng != nw || memcmp(got, want, sizeof(got)))
		check_fail(file, line, "\"%s\" (size %zu): got \"%.*s\" (%d), want \"%.*s\" (%d)",
			   fmt, size, (int)(size ? strnlen(got, size) : 0), got, ng,
			   (int)(size ? strnlen(want, size) : 0), want, nw);
}

static void same_at(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	same_sized(file, line, BUF - 1, fmt, ap);
	va_end(ap);
}

/* No format attribute on purpose: the tables pass formats as variables
 * and some cases are formats GCC would (rightly) warn about. */
#define SAME(...) same_at(__FILE__, __LINE__, __VA_ARGS__)

/* Flint's output for what the C library has no fixed answer to. */
static void expect_at(const char *file, int line, const char *want, const char *fmt, ...)
{
	char got[BUF];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = flint_vsnprintf(got, sizeof(got), fmt, ap);
	va_end(ap);
	if (n != (int)strlen(want) || strcmp(got, want))
		check_fail(file, line, "\"%s\": got \"%s\" (%d), want \"%s\"", fmt, got, n, want);
}

#define EXPECT(want, ...) expect_at(__FILE__, __LINE__, want, __VA_ARGS__)

#define N(a) (sizeof(a) / sizeof((a)[0]))

TEST(int_conversions)
{
	static const char *const fmts[] = {
		"%d", "%i", "%5d", "%-5d|", "%05d", "%-05d|", "%1d", "%12d", "%-12d|",
		"%012d", "%0d", "<%3i>", "%*d",
	};
	static const int vals[] = { 0, 1, -1, 7, -42, 99999, -99999, 123456, INT_MAX, INT_MIN };

	for (size_t f = 0; f < N(fmts); f++)
		for (size_t v = 0; v < N(vals); v++) {
			if (strchr(fmts[f], '*'))
				SAME(fmts[f], 8, vals[v]);
			else
				SAME(fmts[f], vals[v]);
		}
}

TEST(unsigned_and_hex_conversions)
{
	static const char *const fmts[] = {
		"%u", "%x", "%X", "%#x", "%8x", "%-8x|", "%08x", "%08X", "%#10x", "%#-10x|",
		"%#010x", "%12u", "%012u", "%-12u|", "%#x %#x", "%o", "%7o", "%07o", "%-7o|",
	};
	static const unsigned vals[] = { 0, 1, 9, 10, 15, 16, 0xff, 0xdeadbeef, 0x7fffffff, UINT_MAX };

	for (size_t f = 0; f < N(fmts); f++)
		for (size_t v = 0; v < N(vals); v++)
			SAME(fmts[f], vals[v], vals[v]);
}

TEST(long_long_conversions)
{
	static const char *const fmts[] = {
		"%lld", "%lli", "%25lld", "%-25lld|", "%025lld", "%ld", "%li", "%22ld",
	};
	static const long long vals[] = {
		0, -1, 1, 9, 10, 1000000007, -1000000007, 4294967296LL, -4294967296LL,
		999999999999999999LL, 1000000000000000000LL, INT64_MAX, INT64_MIN, INT64_MIN + 1,
	};

	for (size_t f = 0; f < N(fmts); f++)
		for (size_t v = 0; v < N(vals); v++)
			SAME(fmts[f], vals[v]);
}

TEST(unsigned_long_long_conversions)
{
	static const char *const fmts[] = {
		"%llu", "%llx", "%llX", "%#llx", "%022llu", "%-22llu|", "%20llx", "%#020llx",
		"%lu", "%lx", "%#lx",
	};
	static const unsigned long long vals[] = {
		0, 1, 10, 0xfffffffful, 0x100000000ull, 0x8000000000000000ull, 9999999999999999999ull,
		10000000000000000000ull, 18446744073709551614ull, UINT64_MAX,
	};

	for (size_t f = 0; f < N(fmts); f++)
		for (size_t v = 0; v < N(vals); v++)
			SAME(fmts[f], vals[v]);
}

TEST(size_t_conversions)
{
	static const size_t vals[] = { 0, 1, 4096, (size_t)UINT32_MAX + 1, SIZE_MAX };

	for (size_t v = 0; v < N(vals); v++) {
		SAME("%zu", vals[v]);
		SAME("%zx", vals[v]);
		SAME("%#zx", vals[v]);
		SAME("%zX", vals[v]);
		SAME("%25zu|%-8zx|", vals[v], vals[v]);
		SAME("%zd", (ssize_t)vals[v]);
	}
}

TEST(strings)
{
	static const char *const fmts[] = {
		"%s", "%10s", "%-10s|", "%.3s", "%.0s", "%10.3s", "%-10.3s|", "%.10s", "%1s",
		"[%s]",
	};
	static const char *const vals[] = { "", "a", "hello", "hello, world of text", "tab\there" };

	for (size_t f = 0; f < N(fmts); f++)
		for (size_t v = 0; v < N(vals); v++)
			SAME(fmts[f], vals[v]);
	EXPECT("(null)", "%s", (char *)NULL);
	EXPECT("  (null)|", "%8s|", (char *)NULL);
}

TEST(star_precision_and_width)
{
	static const int precs[] = { -1, 0, 1, 2, 5, 100 };

	for (size_t p = 0; p < N(precs); p++) {
		SAME("%.*s|", precs[p], "abcde");
		SAME("%8.*s|", precs[p], "abcde");
		SAME("%*s|", precs[p], "xy");
		SAME("%-*d|", precs[p], -3);
	}
}

TEST(precision_bounds_the_read)
{
	/* C: with a precision, the array need not hold a NUL; not a byte
	 * past the precision may be read (ASan watches). */
	const char unterminated[3] = { 'a', 'b', 'c' };

	SAME("%.2s", unterminated);
	SAME("%.*s", 3, unterminated);
}

TEST(star_negative_width_left_justifies)
{
	/* C: a negative '*' width is a '-' flag with a positive width. */
	SAME("%*d|", -6, 42);
	SAME("%*s|", -6, "ab");
}

TEST(chars_and_percent)
{
	SAME("%c", 'A');
	SAME("%3c|%-3c|", 'x', 'y');
	SAME("%c%c%c", 'a', 255, ' ');
	SAME("a%cb", 0);			/* a NUL in the middle counts */
	SAME("100%%");
	SAME("%%d %d %%", 5);
	SAME("");
	SAME("no conversions at all");
}

TEST(pointers)
{
	static int x;
	void *vals[] = { &x, (void *)1, (void *)0xdeadbeef, (void *)UINTPTR_MAX };

	for (size_t v = 0; v < N(vals); v++)
		SAME("%p", vals[v]);
	EXPECT("0x0", "%p", (void *)NULL);	/* glibc says "(nil)" */
}

TEST(pointer_width_pads_whole_field)
{
	SAME("%18p|", (void *)0x1234);
	SAME("%-18p|", (void *)0x1234);
}

TEST(alt_hex_uppercase_prefix)
{
	/* C: '#' with X gives 0X. */
	SAME("%#X", 0xabcu);
	SAME("%#10llX", 0xabcull);
}

TEST(mixed_arguments)
{
	int x;

	SAME("%d %s %x %c %lld %zu %p %u %llx%%", -5, "str", 0xbeefu, 'q', INT64_MIN,
	     (size_t)77, (void *)&x, 3000000000u, UINT64_MAX);
	SAME("%-4d|%04d|%4s|%-4s|%#06x|%6lld", 1, -2, "ab", "cd", 0xau, -12345678LL);
}

TEST(unknown_and_trailing_percent)
{
	/* '%' and the conversion character are shown and no argument is
	 * consumed; a conversion cut off by the end of the format ends it. */
	EXPECT("%q 5", "%q %d", 5);
	EXPECT("%y", "%y");
	EXPECT("abc%", "abc%");
	EXPECT("%", "%");
	EXPECT("ab%", "ab%-08");
	EXPECT("ab%", "ab%.*", 3);
}

TEST(random_decimal_and_hex)
{
	/* Every bit length, to exercise the shift-and-add division by 10. */
	uint64_t seed = 0xf0f0;

	for (int i = 0; i < 200000; i++) {
		uint64_t v = check_rand(&seed) >> check_below(&seed, 64);

		SAME("%llu", (unsigned long long)v);
		SAME("%lld", (long long)v);
		SAME("%llx", (unsigned long long)v);
		SAME("%u", (unsigned)v);
		SAME("%d", (int)v);
	}
	for (uint64_t p = 1; p; p *= 10) {	/* powers of ten and their neighbours */
		SAME("%llu %llu %llu", (unsigned long long)p - 1, (unsigned long long)p,
		     (unsigned long long)p + 1);
		if (p > UINT64_MAX / 10)
			break;
	}
}

/* Formats fmt for every buffer size from 0 to past its length. */
static void truncations_at(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = flint_vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	for (size_t size = 0; size <= (size_t)len + 2; size++) {
		va_start(ap, fmt);
		same_sized(file, line, size, fmt, ap);
		va_end(ap);
	}
}

#define TRUNCATIONS(...) truncations_at(__FILE__, __LINE__, __VA_ARGS__)

TEST(truncation_and_return_value)
{
	TRUNCATIONS("hello");
	TRUNCATIONS("%s=%d", "key", -12345);
	TRUNCATIONS("%-10s|%08x", "ab", 0xbeefu);
	TRUNCATIONS("%lld", INT64_MIN);
	TRUNCATIONS("%c", 'z');
	TRUNCATIONS("%20llu", UINT64_MAX);
	TRUNCATIONS("");
	CHECK_EQ(flint_snprintf(NULL, 0, "%d%s", 123, "four"), 7);
}

static void count_sink(char c, void *arg)
{
	(void)c;
	++*(int *)arg;
}

static int count(const char *fmt, ...)
{
	va_list ap;
	int calls = 0, n;

	va_start(ap, fmt);
	n = flint_vformat(count_sink, &calls, fmt, ap);
	va_end(ap);
	CHECK_EQ(n, calls);
	return n;
}

TEST(vformat_counts_what_it_sinks)
{
	CHECK_EQ(count("abc%5d", 1), 8);
	CHECK_EQ(count("%-20s|", "x"), 21);
	CHECK_EQ(count("%#018llx", 1ull), 18);
	CHECK_EQ(count("%p", (void *)0x10), 4);
	CHECK_EQ(count("%q%"), 3);
	CHECK_EQ(count(""), 0);
}

int main(void)
{
	return check_run();
}
