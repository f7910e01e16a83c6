/* The serial console (drivers/serial.c). */
#ifndef FLINT_SERIAL_H
#define FLINT_SERIAL_H

#include <stddef.h>

/* Sets COM1 up and registers it as the console, if it exists. */
void serial_init(void);

/* Writes the bytes as they are: no "\n" to "\r\n" (the tty's output). */
void serial_write_raw(const char *s, size_t n);

/* Calls rx with every byte COM1 receives, in interrupt context (its
 * receive interrupt, ISA IRQ 4). Without a UART it never does. */
void serial_set_input(void (*rx)(char c));

#endif
