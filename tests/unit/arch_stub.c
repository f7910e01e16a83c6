/* The arch hooks that kernel/heap.c and kernel/page_alloc.c reach through
 * <flint/sync.h>: the host tests run on one thread with no interrupts. */
#include <flint/arch.h>

unsigned long arch_irq_save(void)
{
	return 0;
}

void arch_irq_restore(unsigned long flags)
{
	(void)flags;
}
