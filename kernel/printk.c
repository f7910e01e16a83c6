/* Kernel messages: formatted in chunks and written to the console, or kept
 * until the first console registers (the boot entries print before the
 * UART is set up). */
#include <flint/format.h>
#include <flint/printk.h>
#include <flint/string.h>
#include <stdbool.h>

#define EARLY_LOG_SIZE 2048
#define CHUNK 128

static console_write_fn console;
static char early_log[EARLY_LOG_SIZE];
static size_t early_len;
static bool early_overflow;

static void emit(const char *s, size_t n)
{
	if (console) {
		console(s, n);
		return;
	}
	if (n > EARLY_LOG_SIZE - early_len) {
		n = EARLY_LOG_SIZE - early_len;
		early_overflow = true;
	}
	memcpy(early_log + early_len, s, n);
	early_len += n;
}

void console_register(console_write_fn write)
{
	static const char lost[] = "printk: early messages lost\n";

	console = write;
	console(early_log, early_len);
	if (early_overflow)
		console(lost, sizeof(lost) - 1);
	early_len = 0;
}

struct chunk {
	char buf[CHUNK];
	size_t len;
};

static void chunk_sink(char c, void *arg)
{
	struct chunk *ch = arg;

	if (ch->len == CHUNK) {
		emit(ch->buf, ch->len);
		ch->len = 0;
	}
	ch->buf[ch->len++] = c;
}

void vprintk(const char *fmt, va_list ap)
{
	struct chunk ch = { .len = 0 };

	vformat(chunk_sink, &ch, fmt, ap);
	emit(ch.buf, ch.len);
}

void printk(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
}

void printk_line(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
	emit("\n", 1);
}
