/* No kernel threads in the unit tests: the page cache's flusher (started
 * by the first backed cache) is never made, and never sleeps. */
#include <stddef.h>
#include <stdint.h>

struct thread;

struct thread *thread_create(void (*fn)(void *arg), void *arg, int cpu)
{
	(void)fn;
	(void)arg;
	(void)cpu;
	return NULL;
}

void thread_detach(struct thread *t)
{
	(void)t;
}

void sleep_ns(uint64_t ns)
{
	(void)ns;
}
