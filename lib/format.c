/* printf-style formatting for the kernel and the 32-bit test shim. */
#include <flint/format.h>
#include <stdbool.h>
#include <stdint.h>

/* Divide by 10 with shifts and adds only: 32-bit builds have no libgcc
 * to do 64-bit division for us. */
static uint64_t div10(uint64_t n, unsigned *rem)
{
	uint64_t q = (n >> 1) + (n >> 2);
	uint64_t r;

	q += q >> 4;
	q += q >> 8;
	q += q >> 16;
	q += q >> 32;
	q >>= 3;
	r = n - ((q << 3) + (q << 1));
	while (r >= 10) {
		q++;
		r -= 10;
	}
	*rem = (unsigned)r;
	return q;
}

struct spec {
	bool left;
	bool alt;		/* '#': 0x (0X) before non-zero hex */
	char pad;
	int width;
	int precision;
};

static int emit_padded(format_sink sink, void *arg, const struct spec *sp,
		       const char *s, int len)
{
	int n = 0;
	int fill = sp->width > len ? sp->width - len : 0;

	if (!sp->left)
		for (; fill > 0; fill--, n++)
			sink(sp->pad, arg);
	for (int i = 0; i < len; i++, n++)
		sink(s[i], arg);
	for (; fill > 0; fill--, n++)
		sink(' ', arg);
	return n;
}

/* prefix: "0x" (or "0X" when upper) before the digits, inside the width. */
static int emit_number(format_sink sink, void *arg, struct spec *sp, uint64_t v,
		       bool negative, unsigned base, bool upper, bool prefix)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char x = upper ? 'X' : 'x';
	char tmp[24];
	int len = 0;

	do {
		unsigned d;

		if (base == 16 || base == 8) {
			d = (unsigned)(v & (base - 1));
			v >>= base == 16 ? 4 : 3;
		} else {
			v = div10(v, &d);
		}
		tmp[sizeof(tmp) - 1 - len++] = digits[d];
	} while (v);

	if (negative) {
		if (sp->pad == '0' && sp->width > 0) {
			sink('-', arg);
			sp->width--;
			return 1 + emit_padded(sink, arg, sp, tmp + sizeof(tmp) - len, len);
		}
		tmp[sizeof(tmp) - 1 - len++] = '-';
	}
	if (prefix) {
		if (sp->pad == '0') {
			sink('0', arg);
			sink(x, arg);
			sp->width -= 2;
			return 2 + emit_padded(sink, arg, sp, tmp + sizeof(tmp) - len, len);
		}
		tmp[sizeof(tmp) - 1 - len++] = x;
		tmp[sizeof(tmp) - 1 - len++] = '0';
	}
	return emit_padded(sink, arg, sp, tmp + sizeof(tmp) - len, len);
}

/* Appends a decimal digit, saturating: a hostile width must not overflow. */
static int digit_into(int v, char digit)
{
	return v > (INT32_MAX - 9) / 10 ? INT32_MAX : v * 10 + (digit - '0');
}

int vformat(format_sink sink, void *arg, const char *fmt, va_list ap)
{
	int n = 0;

	for (; *fmt; fmt++) {
		struct spec sp = { false, false, ' ', 0, -1 };
		int lng = 0;
		bool size_t_arg = false;

		if (*fmt != '%') {
			sink(*fmt, arg);
			n++;
			continue;
		}
		fmt++;
		for (;; fmt++) {
			if (*fmt == '-')
				sp.left = true;
			else if (*fmt == '#')
				sp.alt = true;
			else if (*fmt == '0')
				sp.pad = '0';
			else
				break;
		}
		if (sp.left)
			sp.pad = ' ';
		if (*fmt == '*') {
			sp.width = va_arg(ap, int);
			if (sp.width < 0) {	/* C: a '-' flag and the magnitude */
				sp.left = true;
				sp.pad = ' ';
				sp.width = -sp.width;
			}
			fmt++;
		} else {
			while (*fmt >= '0' && *fmt <= '9')
				sp.width = digit_into(sp.width, *fmt++);
		}
		if (*fmt == '.') {
			fmt++;
			sp.precision = 0;
			if (*fmt == '*') {
				sp.precision = va_arg(ap, int);
				fmt++;
			} else {
				while (*fmt >= '0' && *fmt <= '9')
					sp.precision = digit_into(sp.precision, *fmt++);
			}
		}
		for (; *fmt == 'l'; fmt++)
			lng++;
		if (*fmt == 'z') {
			size_t_arg = true;
			fmt++;
		}

		switch (*fmt) {
		case 'd':
		case 'i': {
			int64_t v = size_t_arg ? (int64_t)va_arg(ap, long) :
				    lng >= 2   ? va_arg(ap, long long) :
				    lng == 1   ? va_arg(ap, long) :
						 va_arg(ap, int);
			uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

			n += emit_number(sink, arg, &sp, mag, v < 0, 10, false, false);
			break;
		}
		case 'u':
		case 'o':
		case 'x':
		case 'X': {
			uint64_t v = size_t_arg ? va_arg(ap, size_t) :
				     lng >= 2   ? va_arg(ap, unsigned long long) :
				     lng == 1   ? va_arg(ap, unsigned long) :
						  va_arg(ap, unsigned int);

			n += emit_number(sink, arg, &sp, v, false,
					 *fmt == 'u' ? 10 : *fmt == 'o' ? 8 : 16, *fmt == 'X',
					 sp.alt && (*fmt == 'x' || *fmt == 'X') && v != 0);
			break;
		}
		case 'p':
			n += emit_number(sink, arg, &sp, (uintptr_t)va_arg(ap, void *),
					 false, 16, false, true);
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);
			int len = 0;

			if (!s)
				s = "(null)";
			/* With a precision, nothing past it may be read. */
			while ((sp.precision < 0 || len < sp.precision) && s[len])
				len++;
			sp.pad = ' ';
			n += emit_padded(sink, arg, &sp, s, len);
			break;
		}
		case 'c': {
			char c = (char)va_arg(ap, int);

			n += emit_padded(sink, arg, &sp, &c, 1);
			break;
		}
		case '%':
			sink('%', arg);
			n++;
			break;
		default:
			/* Unknown conversion: show it rather than guess at arguments. */
			sink('%', arg);
			n++;
			if (!*fmt)
				return n;
			sink(*fmt, arg);
			n++;
			break;
		}
	}
	return n;
}

struct buffer {
	char *buf;
	size_t size;
	size_t pos;
};

static void buffer_sink(char c, void *arg)
{
	struct buffer *b = arg;

	if (b->pos + 1 < b->size)
		b->buf[b->pos] = c;
	b->pos++;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct buffer b = { buf, size, 0 };
	int n = vformat(buffer_sink, &b, fmt, ap);

	if (size)
		buf[b.pos < size ? b.pos : size - 1] = '\0';
	return n;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
