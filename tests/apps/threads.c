/* Threads: a mutex-protected counter, a condition variable ping-pong, a
 * barrier, thread-local storage and join results. Prints how many CPUs
 * the threads ran on (information only: one CPU is fine). */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>

#include "check.h"

#define NTHREADS 8
#define INCREMENTS 100000
#define PINGPONGS 1000
#define MAX_CPUS 256

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;
static pthread_barrier_t barrier;
static int barrier_serial, barrier_arrived, barrier_late;
static __thread int tls_value = -1;
static int tls_wrong;
static unsigned char cpus_seen[MAX_CPUS];

static void note_cpu(void)
{
	int cpu = sched_getcpu();

	if (cpu >= 0 && cpu < MAX_CPUS)
		cpus_seen[cpu] = 1;
}

static void *worker(void *arg)
{
	int id = (int)(long)arg;

	if (tls_value != -1)
		tls_wrong = 1;
	tls_value = id;
	for (int i = 0; i < INCREMENTS; i++) {
		pthread_mutex_lock(&lock);
		counter++;
		pthread_mutex_unlock(&lock);
	}
	note_cpu();
	__atomic_add_fetch(&barrier_arrived, 1, __ATOMIC_SEQ_CST);
	if (pthread_barrier_wait(&barrier) == PTHREAD_BARRIER_SERIAL_THREAD)
		__atomic_add_fetch(&barrier_serial, 1, __ATOMIC_SEQ_CST);
	/* Everyone passed the barrier only after everyone arrived. */
	if (__atomic_load_n(&barrier_arrived, __ATOMIC_SEQ_CST) != NTHREADS)
		barrier_late = 1;
	if (tls_value != id)
		tls_wrong = 1;
	note_cpu();
	return (void *)(long)(id * 10 + 1);
}

static void check_workers(void)
{
	pthread_t t[NTHREADS];
	int created = 0, joined = 0;

	pthread_barrier_init(&barrier, NULL, NTHREADS);
	tls_value = 1000;
	for (int i = 0; i < NTHREADS; i++)
		created += pthread_create(&t[i], NULL, worker, (void *)(long)i) == 0;
	if (!check(created == NTHREADS, "pthread_create 8 threads", "%d created", created))
		return;
	for (int i = 0; i < NTHREADS; i++) {
		void *ret;
		joined += pthread_join(t[i], &ret) == 0 && (long)ret == i * 10 + 1;
	}
	check(joined == NTHREADS, "pthread_join results", "%d of %d right", joined, NTHREADS);
	check(counter == (long)NTHREADS * INCREMENTS, "mutex counter", "%ld, expected %ld",
	      counter, (long)NTHREADS * INCREMENTS);
	check(barrier_serial == 1 && !barrier_late, "pthread_barrier",
	      "%d serial threads, late %d", barrier_serial, barrier_late);
	check(!tls_wrong && tls_value == 1000, "thread-local storage per thread",
	      "a thread saw another's value (main's %d)", tls_value);
	pthread_barrier_destroy(&barrier);
}

static pthread_mutex_t pp_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pp_cond = PTHREAD_COND_INITIALIZER;
static int turn, pp_errors;

/* Two players take turns: player p moves when turn % 2 == p. */
static void *player(void *arg)
{
	int me = (int)(long)arg;

	for (int i = 0; i < PINGPONGS; i++) {
		pthread_mutex_lock(&pp_lock);
		while (turn % 2 != me)
			pthread_cond_wait(&pp_cond, &pp_lock);
		if (turn != 2 * i + me)
			pp_errors++;
		turn++;
		pthread_cond_broadcast(&pp_cond);
		pthread_mutex_unlock(&pp_lock);
	}
	note_cpu();
	return NULL;
}

static void check_pingpong(void)
{
	pthread_t a, b;

	pthread_create(&a, NULL, player, (void *)0L);
	pthread_create(&b, NULL, player, (void *)1L);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	check(turn == 2 * PINGPONGS && !pp_errors, "condition variable ping-pong",
	      "turn %d, %d out of order", turn, pp_errors);
}

int main(void)
{
	int ncpus = 0;

	check_workers();
	check_pingpong();
	note_cpu();
	for (int i = 0; i < MAX_CPUS; i++)
		ncpus += cpus_seen[i];
	if (sched_getcpu() >= 0)
		printf("threads ran on %d distinct CPUs\n", ncpus);
	else
		printf("sched_getcpu does not work: %s\n", strerror(errno));
	return checks_done();
}
