/* test.crash=<kind>: raise a fault on purpose at the end of boot, so tests
 * can check what the exception handlers report and that the kernel's
 * page permissions hold (text is read-only, data is not executable). */
#include <flint/crashtest.h>
#include <flint/param.h>
#include <flint/printk.h>
#include <flint/string.h>
#include <stddef.h>
#include <stdint.h>

static const char *kind;

static int crash_param(const char *value)
{
	static const char *const kinds[] = {
		"pagefault", "invalid-opcode", "divide", "stack", "write-text", "exec-data",
	};

	for (size_t i = 0; value && i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(value, kinds[i])) {
			kind = kinds[i];
			return 0;
		}
	return -1;
}
KERNEL_PARAM("test.crash", crash_param);

/* Recurses until the stack runs into its unmapped guard page, long before
 * the depth limit (which only tells the compiler the recursion ends). */
static unsigned overflow(volatile unsigned depth)
{
	volatile char frame[256];

	frame[0] = (char)depth;
	if (depth > (1u << 30))
		return 0;
	return overflow(depth + 1) + frame[0];
}

/* One "ret" instruction, in writable data. */
static unsigned char data_code[] = { 0xc3 };

void crashtest_run(void)
{
	int *volatile null = NULL;
	volatile int zero = 0, dividend = 1000;

	if (!kind)
		return;
	printk("crashtest: %s\n", kind);
	if (!strcmp(kind, "pagefault"))
		*null = 1;
	else if (!strcmp(kind, "invalid-opcode"))
		__builtin_trap();
	else if (!strcmp(kind, "divide"))
		printk("%d\n", dividend / zero);
	else if (!strcmp(kind, "write-text"))
		*(volatile unsigned char *)(uintptr_t)crashtest_run = 0xcc;
	else if (!strcmp(kind, "exec-data"))
		((void (*)(void))(uintptr_t)data_code)();
	else
		overflow(0);
	printk("crashtest: %s did not fault\n", kind);
}
