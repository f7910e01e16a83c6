/*
 * lwIP's operating-system layer on Flint's threads (net/lwip/sys_arch.c):
 * semaphores and mailboxes with timeouts, mutexes, the lightweight
 * protection, threads.
 */
#ifndef FLINT_LWIP_SYS_ARCH_H
#define FLINT_LWIP_SYS_ARCH_H

#include <flint/sync.h>
#include <stdbool.h>

struct lwip_port_waiter;

/* Threads waiting for something under a spinlock, each until woken or
 * its deadline. */
struct lwip_port_waitq {
	struct lwip_port_waiter *head;
};

struct sys_sem {
	spinlock_t lock;
	unsigned count;
	struct lwip_port_waitq waiters;
	bool valid;
};
typedef struct sys_sem sys_sem_t;

struct sys_mutex {
	struct mutex m;
	bool valid;
};
typedef struct sys_mutex sys_mutex_t;

/* A ring of size pointers. */
struct sys_mbox {
	spinlock_t lock;
	void **slots;
	unsigned size, cap, head, count;	/* cap: slots allocated, up to size */
	struct lwip_port_waitq readers, writers;
	bool valid;
};
typedef struct sys_mbox sys_mbox_t;

typedef struct thread *sys_thread_t;
typedef unsigned long sys_prot_t;

#define sys_sem_valid(s) ((s)->valid)
#define sys_sem_set_invalid(s) ((s)->valid = false)
#define sys_mutex_valid(m) ((m)->valid)
#define sys_mutex_set_invalid(m) ((m)->valid = false)
#define sys_mbox_valid(b) ((b)->valid)
#define sys_mbox_set_invalid(b) ((b)->valid = false)

#endif
