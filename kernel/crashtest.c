/* test.crash=<kind>: raise a fault on purpose at the end of boot, so tests
 * can check what the exception handlers report. */
#include <flint/crashtest.h>
#include <flint/param.h>
#include <flint/printk.h>
#include <flint/string.h>
#include <stddef.h>

static const char *kind;

static int crash_param(const char *value)
{
	static const char *const kinds[] = { "pagefault", "invalid-opcode", "divide", "stack" };

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

void crashtest_run(void)
{
	int *volatile null = NULL;
	volatile int zero = 0;

	if (!kind)
		return;
	printk("crashtest: %s\n", kind);
	if (!strcmp(kind, "pagefault"))
		*null = 1;
	else if (!strcmp(kind, "invalid-opcode"))
		__builtin_trap();
	else if (!strcmp(kind, "divide"))
		printk("%d\n", 1 / zero);
	else
		overflow(0);
	printk("crashtest: %s did not fault\n", kind);
}
