/*
 * Futexes: threads sleeping on a 32-bit word of user memory, named by
 * their process's address space and virtual address. Waiters hang in hashed buckets, each under a
 * spinlock that the waker takes too; the value check and the sleep
 * happen under it, so a wake-up between them cannot be lost.
 */
#include <flint/timer.h>
#include "linux.h"
#include "mm.h"

#define BUCKETS 64

/* futex_op values and flags (uapi/linux/futex.h). */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAKE_OP 5
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_CMD_MASK (~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME))
#define FUTEX_BITSET_MATCH_ANY 0xffffffffu

#define NSEC_PER_SEC 1000000000ull
#define FAULT_RETRIES 8		/* a page unmapped between fault-in and check */

struct futex_key {
	const void *space;		/* the process's mm */
	uint64_t addr;			/* the user address */
};

struct waiter {
	struct thread *thread;
	struct futex_key key;
	uint32_t bitset;
	bool woken;			/* under the bucket lock */
	struct waiter *next;
};

struct bucket {
	spinlock_t lock;
	struct waiter *head;
};

static struct bucket buckets[BUCKETS];

static struct bucket *bucket_of(const struct futex_key *k)
{
	uint64_t h = (k->addr >> 2) ^ ((uint64_t)(uintptr_t)k->space >> 4);

	return &buckets[(h ^ (h >> 16)) % BUCKETS];
}

static bool same_key(const struct futex_key *a, const struct futex_key *b)
{
	return a->space == b->space && a->addr == b->addr;
}

/* Faults the word in (so that the check under the lock can succeed) and
 * names it. A shared futex (no FUTEX_PRIVATE_FLAG) in a MAP_SHARED
 * mapping is keyed by its physical address, which every process mapping
 * the page shares (PTHREAD_PROCESS_SHARED objects, POSIX semaphores in
 * /dev/shm); elsewhere, as in Linux, a "shared" futex in private memory
 * has the same key as a private one: the wake that CLONE_CHILD_CLEARTID
 * does is shared, and pthread_join's wait on it may be either. */
static int get_key(uint64_t uaddr, bool shared, struct futex_key *k)
{
	struct mm *mm = process_current()->mm;
	uint64_t phys;
	uint32_t v;

	if (uaddr % sizeof(uint32_t))
		return -EINVAL;
	if (copy_from_user(&v, (const void *)uaddr, sizeof(v)))
		return -EFAULT;
	phys = shared ? mm_shared_phys(mm, uaddr) : 0;
	*k = phys ? (struct futex_key){ NULL, phys } : (struct futex_key){ mm, uaddr };
	return 0;
}

static void unlink_waiter(struct bucket *b, struct waiter *w)
{
	for (struct waiter **p = &b->head; *p; p = &(*p)->next)
		if (*p == w) {
			*p = w->next;
			return;
		}
}

static long futex_wait(uint64_t uaddr, uint32_t val, uint64_t deadline,
		       uint32_t bitset, bool shared)
{
	struct waiter w = { .thread = thread_current(), .bitset = bitset };
	struct bucket *b;
	unsigned long flags;
	uint32_t cur;
	int r, tries = 0;

	if (!bitset)
		return -EINVAL;
	do {
		r = get_key(uaddr, shared, &w.key);
		if (r < 0)
			return r;
		b = bucket_of(&w.key);
		flags = spin_lock_irqsave(&b->lock);
		r = user_load32((const uint32_t *)uaddr, &cur);
		if (r < 0)
			spin_unlock_irqrestore(&b->lock, flags);
	} while (r < 0 && ++tries < FAULT_RETRIES);
	if (r < 0)
		return r;
	if (cur != val) {
		spin_unlock_irqrestore(&b->lock, flags);
		return -EAGAIN;
	}
	w.next = b->head;
	b->head = &w;
	r = sched_sleep(&b->lock, deadline, true);
	spin_lock(&b->lock);
	if (!w.woken)
		unlink_waiter(b, &w);
	spin_unlock_irqrestore(&b->lock, flags);
	if (w.woken)
		return 0;
	return r == -ETIMEDOUT || r == -EINTR ? r : 0;
}

/* Wakes up to n waiters on k whose bitset meets bitset. */
static int wake_key(const struct futex_key *k, int n, uint32_t bitset)
{
	struct bucket *b = bucket_of(k);
	unsigned long flags = spin_lock_irqsave(&b->lock);
	int woken = 0;

	for (struct waiter **p = &b->head; *p && woken < n;) {
		struct waiter *w = *p;

		if (same_key(&w->key, k) && (w->bitset & bitset)) {
			*p = w->next;
			w->woken = true;
			sched_wake(w->thread);
			woken++;
		} else {
			p = &w->next;
		}
	}
	spin_unlock_irqrestore(&b->lock, flags);
	return woken;
}

int futex_wake_addr(uint64_t uaddr, int n)
{
	struct futex_key k = { process_current()->mm, uaddr };

	return wake_key(&k, n, FUTEX_BITSET_MATCH_ANY);
}

static void lock_pair(struct bucket *a, struct bucket *b)
{
	if (a == b) {
		spin_lock(&a->lock);
	} else if (a < b) {
		spin_lock(&a->lock);
		spin_lock(&b->lock);
	} else {
		spin_lock(&b->lock);
		spin_lock(&a->lock);
	}
}

static void unlock_pair(struct bucket *a, struct bucket *b)
{
	spin_unlock(&a->lock);
	if (a != b)
		spin_unlock(&b->lock);
}

/* Wakes n waiters on uaddr and moves up to nmove of the rest to uaddr2;
 * with check, only if *uaddr still holds val. */
static long futex_requeue(uint64_t uaddr, uint64_t uaddr2, int n, int nmove,
			  bool check, uint32_t val, bool shared)
{
	struct futex_key k1, k2;
	struct bucket *b1, *b2;
	unsigned long flags;
	uint32_t cur;
	long done = 0;
	int r = get_key(uaddr, shared, &k1);

	if (r == 0)
		r = get_key(uaddr2, shared, &k2);
	if (r < 0)
		return r;
	if (n < 0 || nmove < 0)
		return -EINVAL;
	b1 = bucket_of(&k1);
	b2 = bucket_of(&k2);
	flags = arch_irq_save();
	lock_pair(b1, b2);
	if (check && (user_load32((const uint32_t *)uaddr, &cur) < 0 || cur != val)) {
		unlock_pair(b1, b2);
		arch_irq_restore(flags);
		return -EAGAIN;
	}
	for (struct waiter **p = &b1->head; *p;) {
		struct waiter *w = *p;

		if (!same_key(&w->key, &k1) || done >= (long)n + nmove) {
			p = &w->next;
			continue;
		}
		*p = w->next;
		if (done < n) {
			w->woken = true;
			sched_wake(w->thread);
		} else {
			w->key = k2;
			w->next = b2->head;
			b2->head = w;
			if (b1 == b2 && p == &b1->head)
				p = &w->next;	/* skip it: it now heads this same list */
		}
		done++;
	}
	unlock_pair(b1, b2);
	arch_irq_restore(flags);
	return done;
}

/* A futex timeout: relative for FUTEX_WAIT, absolute for the BITSET
 * form (CLOCK_MONOTONIC, or CLOCK_REALTIME with the flag). 0: none. */
static int deadline_of(uint64_t utime, bool absolute, bool realtime, uint64_t *deadline)
{
	struct { int64_t sec, nsec; } ts;
	uint64_t t;

	*deadline = 0;
	if (!utime)
		return 0;
	if (copy_from_user(&ts, (const void *)utime, sizeof(ts)))
		return -EFAULT;
	if (ts.sec < 0 || ts.nsec < 0 || (uint64_t)ts.nsec >= NSEC_PER_SEC)
		return -EINVAL;
	t = (uint64_t)ts.sec * NSEC_PER_SEC + (uint64_t)ts.nsec;
	if (!absolute)
		t += clock_ns();
	else if (realtime)
		t = t > realtime_offset_ns() ? t - realtime_offset_ns() : 1;
	else
		t += clock_boot_ns();
	*deadline = t ? t : 1;
	return 0;
}

static long sys_futex(const uint64_t a[6])
{
	int op = (int)a[1], cmd = op & FUTEX_CMD_MASK;
	bool shared = !(op & FUTEX_PRIVATE_FLAG);
	uint64_t deadline;
	int r;

	switch (cmd) {
	case FUTEX_WAIT:
	case FUTEX_WAIT_BITSET:
		r = deadline_of(a[3], cmd == FUTEX_WAIT_BITSET, op & FUTEX_CLOCK_REALTIME, &deadline);
		if (r < 0)
			return r;
		return futex_wait(a[0], (uint32_t)a[2], deadline,
				  cmd == FUTEX_WAIT ? FUTEX_BITSET_MATCH_ANY : (uint32_t)a[5], shared);
	case FUTEX_WAKE:
	case FUTEX_WAKE_BITSET: {
		struct futex_key k;

		r = get_key(a[0], shared, &k);
		if (r < 0)
			return r;
		return wake_key(&k, (int)a[2],
				cmd == FUTEX_WAKE ? FUTEX_BITSET_MATCH_ANY : (uint32_t)a[5]);
	}
	case FUTEX_REQUEUE:
	case FUTEX_CMP_REQUEUE:
		/* a[3] is the count to move, passed in the timeout's place. */
		return futex_requeue(a[0], a[4], (int)a[2], (int)a[3],
				     cmd == FUTEX_CMP_REQUEUE, (uint32_t)a[5], shared);
	}
	return -ENOSYS;
}
SYSCALL(202, "futex", "pxdpxx", sys_futex);

/*
 * Robust futex lists (Documentation/locking/robust-futex-ABI.rst): a
 * thread names, with set_robust_list, a list of the locks it holds; when
 * it ends, each lock word still holding its tid gets FUTEX_OWNER_DIED and
 * one waiter is woken, so that the next locker sees EOWNERDEAD.
 */
/* include/uapi/linux/futex.h */
#define FUTEX_WAITERS 0x80000000u
#define FUTEX_OWNER_DIED 0x40000000u
#define FUTEX_TID_MASK 0x3fffffffu
#define ROBUST_LIST_LIMIT 2048		/* entries walked at most: a loop ends */
#define ROBUST_PI_BIT 1ull		/* an entry's low bit: a PI futex */

/* struct robust_list_head, x86-64 */
struct robust_head {
	uint64_t next;			/* the first entry (struct robust_list) */
	int64_t futex_offset;		/* from an entry to its lock word */
	uint64_t op_pending;		/* the entry being taken or released */
};

/* Kernel's handle_futex_death: only a word the dying thread owns. */
static void owner_died(uint64_t uaddr, int tid)
{
	struct futex_key k;
	uint32_t cur, old;

	/* Faulted in first: the atomic accesses do not fault pages in. */
	if (uaddr % sizeof(uint32_t) || copy_from_user(&cur, (const void *)uaddr, sizeof(cur)))
		return;
	for (;;) {
		if ((cur & FUTEX_TID_MASK) != (uint32_t)tid)
			return;
		if (user_cmpxchg32((uint32_t *)uaddr, cur,
				   (cur & FUTEX_WAITERS) | FUTEX_OWNER_DIED, &old) < 0)
			return;
		if (old == cur)
			break;
		cur = old;
	}
	/* Linux wakes as a shared futex: keyed by the page when shared. */
	if ((cur & FUTEX_WAITERS) && get_key(uaddr, true, &k) == 0)
		wake_key(&k, 1, FUTEX_BITSET_MATCH_ANY);
}

void futex_exit_robust(struct task *t)
{
	struct robust_head head;
	uint64_t entry, next, pending;

	if (!t->robust_list || copy_from_user(&head, (const void *)t->robust_list, sizeof(head)))
		return;
	pending = head.op_pending & ~ROBUST_PI_BIT;
	entry = head.next & ~ROBUST_PI_BIT;
	for (int n = 0; entry != t->robust_list && n < ROBUST_LIST_LIMIT; n++) {
		/* The next entry is read first: the lock's release may reuse it. */
		if (copy_from_user(&next, (const void *)entry, sizeof(next)))
			return;
		if (entry != pending)
			owner_died(entry + (uint64_t)head.futex_offset, t->tid);
		entry = next & ~ROBUST_PI_BIT;
	}
	if (pending)
		owner_died(pending + (uint64_t)head.futex_offset, t->tid);
}
