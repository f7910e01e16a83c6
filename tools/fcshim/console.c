/* Polled 16550 output on COM1 and the two ways out of the VM. */
#include <arch/io.h>
#include <flint/format.h>
#include <stdarg.h>

#include "console.h"

#define COM1_PORT 0x3F8u	/* contract §12: COM1 0x3F8-0x3FF */
#define UART_DATA 0u		/* THR, or DLL with DLAB */
#define UART_IER 1u		/* IER, or DLM with DLAB */
#define UART_LCR 3u
#define UART_MCR 4u
#define UART_LSR 5u
#define LCR_DLAB 0x80u
#define LCR_8N1 0x03u
#define MCR_DTR_RTS 0x03u
#define LSR_THR_EMPTY 0x20u
#define DIVISOR_115200 1u

/* The tests' -device isa-debug-exit,iobase=0xf4; QEMU exits with
 * (v << 1) | 1, so 0x7e gives 253 (qemu-test-platform.md §7). */
#define ISA_DEBUG_EXIT_PORT 0xF4u
#define FCSHIM_FAIL_CODE 0x7Eu

void shim_triple_fault(void) __attribute__((noreturn));

void console_init(void)
{
	outb(COM1_PORT + UART_IER, 0);
	outb(COM1_PORT + UART_LCR, LCR_DLAB);
	outb(COM1_PORT + UART_DATA, DIVISOR_115200);
	outb(COM1_PORT + UART_IER, 0);
	outb(COM1_PORT + UART_LCR, LCR_8N1);
	outb(COM1_PORT + UART_MCR, MCR_DTR_RTS);
}

static void serial_sink(char c, void *arg)
{
	(void)arg;
	while (!(inb(COM1_PORT + UART_LSR) & LSR_THR_EMPTY))
		;
	outb(COM1_PORT + UART_DATA, (uint8_t)c);
}

static void print(const char *prefix, const char *fmt, va_list ap)
{
	for (const char *p = prefix; *p; p++)
		serial_sink(*p, 0);
	vformat(serial_sink, 0, fmt, ap);
	serial_sink('\n', 0);
}

void report(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	print("fcshim: ", fmt, ap);
	va_end(ap);
}

void fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	print("fcshim: error: ", fmt, ap);
	va_end(ap);
	outb(ISA_DEBUG_EXIT_PORT, FCSHIM_FAIL_CODE);
	/* No isa-debug-exit device: reset instead (exits under -no-reboot). */
	shim_triple_fault();
}
