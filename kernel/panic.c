#include <flint/arch.h>
#include <flint/panic.h>
#include <flint/power.h>
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
	panic_exit();
}
