/* The serial console (drivers/serial.c). */
#ifndef FLINT_SERIAL_H
#define FLINT_SERIAL_H

/* Sets COM1 up and registers it as the console, if it exists. */
void serial_init(void);

#endif
