/* test.threads: the scheduler, the sleeping locks and the clocks, each
 * with one line for the boot tests to check. */
#include <flint/arch.h>
#include <flint/param.h>
#include <flint/printk.h>
#include <flint/sched.h>
#include <flint/sync.h>
#include <flint/thread.h>
#include <flint/timer.h>

#define COUNTER_THREADS 8
#define COUNTER_ROUNDS 10000
#define YIELD_EVERY 100
#define ITEMS 1000
#define BUFFER_SLOTS 16
#define SLEEP_US 10000

static bool test_threads;
KERNEL_FLAG("test.threads", test_threads);

static struct mutex counter_lock;
static unsigned counter;

static void count(void *arg)
{
	(void)arg;
	for (unsigned i = 0; i < COUNTER_ROUNDS; i++) {
		mutex_lock(&counter_lock);
		counter++;		/* not atomic: only the mutex makes it exact */
		mutex_unlock(&counter_lock);
		if (i % YIELD_EVERY == 0)
			thread_yield();
	}
}

static void mutex_test(void)
{
	struct thread *t[COUNTER_THREADS];

	for (unsigned i = 0; i < COUNTER_THREADS; i++)
		t[i] = thread_create(count, NULL, THREAD_ANY_CPU);
	for (unsigned i = 0; i < COUNTER_THREADS; i++)
		if (t[i])
			thread_join(t[i]);
	printk("selftest: mutex counter %u of %u\n", counter, COUNTER_THREADS * COUNTER_ROUNDS);
}

static struct {
	struct mutex lock;
	struct condvar not_empty, not_full;
	unsigned item[BUFFER_SLOTS];
	unsigned head, count;
	unsigned received;		/* in order */
} buf;

static void produce(void *arg)
{
	(void)arg;
	for (unsigned i = 0; i < ITEMS; i++) {
		mutex_lock(&buf.lock);
		while (buf.count == BUFFER_SLOTS)
			cond_wait(&buf.not_full, &buf.lock);
		buf.item[(buf.head + buf.count++) % BUFFER_SLOTS] = i;
		cond_signal(&buf.not_empty);
		mutex_unlock(&buf.lock);
	}
}

static void consume(void *arg)
{
	(void)arg;
	for (unsigned i = 0; i < ITEMS; i++) {
		unsigned v;

		mutex_lock(&buf.lock);
		while (!buf.count)
			cond_wait(&buf.not_empty, &buf.lock);
		v = buf.item[buf.head];
		buf.head = (buf.head + 1) % BUFFER_SLOTS;
		buf.count--;
		cond_broadcast(&buf.not_full);
		mutex_unlock(&buf.lock);
		if (v == i)
			buf.received++;
	}
}

static void condvar_test(void)
{
	struct thread *c = thread_create(consume, NULL, (int)(1 % sched_cpus()));
	struct thread *p = thread_create(produce, NULL, 0);

	if (c)
		thread_join(c);
	if (p)
		thread_join(p);
	printk("selftest: condvar %u items\n", buf.received);
}

static void sleep_test(void)
{
	uint64_t start = clock_ns();

	sleep_us(SLEEP_US);
	printk("selftest: sleep %uus slept %lluus (%s timer)\n", SLEEP_US,
	       (unsigned long long)((clock_ns() - start) / 1000), arch_timer_mode());
}

static void where(void *arg)
{
	*(unsigned *)arg = arch_cpu_index();
}

static void cpu_test(void)
{
	for (unsigned i = 0; i < sched_cpus(); i++) {
		unsigned ran = ~0u;
		struct thread *t = thread_create(where, &ran, (int)i);

		if (t)
			thread_join(t);
		printk("selftest: cpu %u thread ran on cpu %d\n", i, (int)ran);
	}
}

static void wall_clock_test(void)
{
	struct date d;

	if (!arch_wall_clock(&d)) {
		printk("selftest: wall clock unknown\n");
		return;
	}
	printk("selftest: wall clock %04u-%02u-%02u %02u:%02u:%02u\n",
	       d.year, d.month, d.day, d.hour, d.min, d.sec);
}

void thread_selftest(void)
{
	if (!test_threads)
		return;
	mutex_test();
	condvar_test();
	sleep_test();
	cpu_test();
	wall_clock_test();
}
