#include <flint/arch.h>
#include <flint/panic.h>
#include <flint/printk.h>

void panic(const char *fmt, ...)
{
	va_list ap;

	printk("panic: ");
	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
	printk("\n");
	arch_dump_stack();
	arch_exit(PANIC_STATUS);
}
