/* The 16550 UART at COM1 as the kernel console: polled output, and input
 * by the receive interrupt for the console tty. Every port access is a VM
 * exit on a hypervisor, so the transmit FIFO is filled a burst at a time
 * rather than polling the line status per character. */
#include <arch/io.h>
#include <flint/irq.h>
#include <flint/param.h>
#include <flint/printk.h>
#include <flint/serial.h>
#include <flint/string.h>
#include <flint/sync.h>

#define COM1 0x3f8
/* 16550 registers (TI PC16550D datasheet, table 2), offsets from the base. */
#define UART_THR 0			/* transmit holding (write) */
#define UART_RBR 0			/* receive buffer (read) */
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
#define MCR_OUT2 0x08			/* gates the interrupt line on PCs */
#define IER_RX 0x01			/* received data available */
#define LSR_DR 0x01			/* data ready */
#define LSR_THRE 0x20			/* transmit holding register/FIFO empty */
#define COM1_IRQ 4			/* ISA IRQ */
#define LSR_ABSENT 0xff			/* what a missing UART reads as */
#define FIFO_SIZE 16
#define DIVISOR_115200 1
#define THRE_POLL_LIMIT 100000		/* a stuck UART must not hang the kernel */

static bool present;
static unsigned burst;			/* characters per THRE: 1 or FIFO_SIZE */
static unsigned room;			/* may be written before polling again */
/* Output: the kernel's messages and the tty's echo (in interrupt context). */
static spinlock_t tx_lock;
static void (*receive)(char c);

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
	unsigned long flags = spin_lock_irqsave(&tx_lock);

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			put('\r');
		put(s[i]);
	}
	spin_unlock_irqrestore(&tx_lock, flags);
}

void serial_write_raw(const char *s, size_t n)
{
	unsigned long flags;

	if (!present)
		return;
	flags = spin_lock_irqsave(&tx_lock);
	for (size_t i = 0; i < n; i++)
		put(s[i]);
	spin_unlock_irqrestore(&tx_lock, flags);
}

/* The interrupt is edge-triggered: empty the FIFO so that the next byte
 * raises it again. */
static void serial_interrupt(void *arg)
{
	(void)arg;
	while (inb(COM1 + UART_LSR) & LSR_DR)
		receive((char)inb(COM1 + UART_RBR));
}

void serial_set_input(void (*rx)(char c))
{
	if (!present)
		return;
	receive = rx;
	if (irq_attach_isa(COM1_IRQ, serial_interrupt, NULL) < 0) {
		printk_line("serial: no interrupt vector for COM1 input");
		return;
	}
	outb(COM1 + UART_MCR, MCR_DTR_RTS | MCR_OUT2);
	outb(COM1 + UART_IER, IER_RX);
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
	present = true;
	console_register(serial_write);
}
