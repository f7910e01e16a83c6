/* The 16550 UART at COM1 as the kernel console: polled output only. Every
 * port access is a VM exit on a hypervisor, so the transmit FIFO is filled
 * a burst at a time rather than polling the line status per character. */
#include <arch/io.h>
#include <flint/param.h>
#include <flint/printk.h>
#include <flint/serial.h>
#include <flint/string.h>

#define COM1 0x3f8
/* 16550 registers (TI PC16550D datasheet, table 2), offsets from the base. */
#define UART_THR 0			/* transmit holding (write) */
#define UART_IER 1			/* interrupt enable */
#define UART_DLL 0			/* divisor latch, with LCR_DLAB */
#define UART_DLM 1
#define UART_FCR 2			/* FIFO control (write) */
#define UART_IIR 2			/* interrupt identification (read) */
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define LCR_8N1 0x03
#define LCR_DLAB 0x80
#define FCR_ENABLE_CLEAR 0x07		/* enable, clear receive and transmit */
#define IIR_FIFO_ENABLED 0xc0
#define MCR_DTR_RTS 0x03
#define LSR_THRE 0x20			/* transmit holding register/FIFO empty */
#define LSR_ABSENT 0xff			/* what a missing UART reads as */
#define FIFO_SIZE 16
#define DIVISOR_115200 1
#define THRE_POLL_LIMIT 100000		/* a stuck UART must not hang the kernel */

static unsigned burst;			/* characters per THRE: 1 or FIFO_SIZE */
static unsigned room;			/* may be written before polling again */

static void put(char c)
{
	if (!room) {
		for (int i = 0; i < THRE_POLL_LIMIT; i++)
			if (inb(COM1 + UART_LSR) & LSR_THRE)
				break;
		room = burst;
	}
	outb(COM1 + UART_THR, (uint8_t)c);
	room--;
}

static void serial_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			put('\r');
		put(s[i]);
	}
}

static int console_param(const char *value)
{
	return value && !strcmp(value, "ttyS0") ? 0 : -1;
}
KERNEL_PARAM("console", console_param);

void serial_init(void)
{
	if (inb(COM1 + UART_LSR) == LSR_ABSENT)
		return;		/* no UART: the console stays silent */
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, LCR_DLAB);
	outb(COM1 + UART_DLL, DIVISOR_115200);
	outb(COM1 + UART_DLM, 0);
	outb(COM1 + UART_LCR, LCR_8N1);
	outb(COM1 + UART_FCR, FCR_ENABLE_CLEAR);
	outb(COM1 + UART_MCR, MCR_DTR_RTS);
	burst = (inb(COM1 + UART_IIR) & IIR_FIFO_ENABLED) == IIR_FIFO_ENABLED ? FIFO_SIZE : 1;
	console_register(serial_write);
}
