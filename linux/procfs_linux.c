/* The process layer's side of /proc (fs/procfs.c): what /proc/self and
 * /proc/<pid>/ show, read from the process table. Lock order: the table,
 * then the process's lock. */
#include "linux.h"
#include "mm.h"
#include <flint/heap.h>
#include <flint/sched.h>
#include <flint/string.h>
#include <flint/uspace.h>
#include <flint/timer.h>

#define NS_PER_TICK 10000000ull		/* USER_HZ: 100 ticks a second */
#define BYTES_PER_KB 1024
#define NS_PER_SEC 1000000000ull

/* The Uid:, Gid: and Groups: lines' figures (under p->cred_lock). */
static void creds_status(const struct linux_cred *c, struct proc_status *st)
{
	const uint32_t uid[4] = { c->uid, c->euid, c->suid, c->fsuid };
	const uint32_t gid[4] = { c->gid, c->egid, c->sgid, c->fsgid };

	memcpy(st->uid, uid, sizeof(uid));
	memcpy(st->gid, gid, sizeof(gid));
	memcpy(st->groups, c->groups, c->ngroups * sizeof(c->groups[0]));
	st->ngroups = c->ngroups;
}

static int self_pid(void)
{
	struct process *p = process_current();

	return p ? p->pid : 0;
}

static size_t cmdline(int pid, char *buf, size_t size)
{
	struct process *p;
	size_t len = 0;

	process_table_lock();
	p = process_find(pid);
	if (p && p->state == PROCESS_LIVE) {
		mutex_lock(&p->lock);
		if (p->cmdline) {
			len = p->cmdline_len;
			memcpy(buf, p->cmdline, len < size ? len : size);
		}
		mutex_unlock(&p->lock);
	}
	process_table_unlock();
	return len;
}

/* Linux's comm: the program's file name, cut to what fits. */
static void comm(char name[PROC_COMM_MAX], const char *exe)
{
	const char *base = exe;
	size_t len;

	for (const char *c = exe; *c; c++)
		if (*c == '/')
			base = c + 1;
	len = strlen(base);
	if (len > PROC_COMM_MAX - 1)
		len = PROC_COMM_MAX - 1;
	memcpy(name, base, len);
	name[len] = '\0';
}

void process_set_comm(struct process *p, const char *path)
{
	mutex_lock(&p->lock);
	comm(p->comm, path);
	mutex_unlock(&p->lock);
}

/* The memory is read under p->lock, which exit and exec hold to change
 * p->mm. */
static void memory(struct mm *mm, struct proc_status *st)
{
	struct mm_usage u;

	mm_usage(mm, &u);
	st->first = u.first;
	st->last = u.last;
	st->vm_pages = u.size;
	st->rss_pages = u.rss;
	st->anon_pages = u.anon;
	st->file_pages = u.file;
	st->shmem_pages = u.shmem;
	st->shared_clean = u.shared_clean;
	st->shared_dirty = u.shared_dirty;
	st->private_clean = u.private_clean;
	st->private_dirty = u.private_dirty;
	st->pss_kb = u.pss_pages * (PAGE_SIZE / BYTES_PER_KB) / MM_PSS_ONE;
}

/* proc(5)'s state letter of one thread: R runnable, S in a sleep a
 * signal ends, D in one it does not. A stopped thread (SIGSTOP, once the
 * signal layer has the notion) reads as T: this is where it goes. */
static char task_state(const struct task *k)
{
	/* Snapshots: a new task sets its thread as it starts (NULL until
	 * then: about to run), the scheduler the state under its own lock. */
	const struct thread *t = __atomic_load_n(&k->thread, __ATOMIC_RELAXED);

	if (!t || __atomic_load_n(&t->state, __ATOMIC_RELAXED) != THREAD_BLOCKED)
		return 'R';
	return __atomic_load_n(&t->interruptible, __ATOMIC_RELAXED) ? 'S' : 'D';
}

/* As Linux, the process's state is its main thread's (the first left
 * when that one has ended); p->lock held. */
static char process_state(const struct process *p)
{
	const struct task *main = p->tasks;

	if (p->state == PROCESS_ZOMBIE || !main)
		return 'Z';
	for (const struct task *k = p->tasks; k; k = k->next)
		if (k->tid == p->pid)
			main = k;
	return task_state(main);
}

static int status(int pid, struct proc_status *st)
{
	struct process *p;
	struct mm *mm = NULL;
	unsigned long cred_flags;

	memset(st, 0, sizeof(*st));
	process_table_lock();
	p = process_find(pid);
	if (!p) {
		process_table_unlock();
		return -ESRCH;
	}
	st->pid = p->pid;
	st->ppid = p->parent ? p->parent->pid : 0;
	st->pgid = p->pgid;
	st->sid = p->sid;
	st->start_ticks = (p->start_ns - clock_boot_ns()) / NS_PER_TICK;
	mutex_lock(&p->lock);
	if (p->comm[0])
		memcpy(st->name, p->comm, sizeof(st->name));
	else
		comm(st->name, p->exe);
	st->state = process_state(p);
	st->nice = p->tasks ? p->tasks->nice : 0;
	st->umask = p->umask;
	cred_flags = spin_lock_irqsave(&p->cred_lock);
	creds_status(&p->cred, st);
	spin_unlock_irqrestore(&p->cred_lock, cred_flags);
	st->threads = p->nthreads;
	st->has_mm = p->state == PROCESS_LIVE && p->mm;
	if (st->has_mm) {
		mm = p->mm;
		mm_get(mm);
	}
	mutex_unlock(&p->lock);
	process_table_unlock();
	/* The walk takes the mm's lock: with no other lock held, and a
	 * reference that keeps the mm while exec or exit let it go. */
	if (mm) {
		memory(mm, st);
		mm_put(mm);
	}
	return 0;
}

/* The process's mm, referenced, or NULL (a zombie). */
static struct mm *process_mm(int pid, int *err)
{
	struct process *p;
	struct mm *mm = NULL;

	*err = 0;
	process_table_lock();
	p = process_find(pid);
	if (!p) {
		*err = -ESRCH;
	} else {
		mutex_lock(&p->lock);
		if (p->state == PROCESS_LIVE && p->mm) {
			mm = p->mm;
			mm_get(mm);
		}
		mutex_unlock(&p->lock);
	}
	process_table_unlock();
	return mm;
}

static int areas(int pid, struct proc_area **out)
{
	struct mm_area_info *info;
	struct proc_area *pa;
	int err, n;
	struct mm *mm = process_mm(pid, &err);

	*out = NULL;
	if (!mm)
		return err;
	n = mm_areas(mm, &info);
	mm_put(mm);
	if (n < 0)
		return n;
	pa = kmalloc((n ? (size_t)n : 1) * sizeof(*pa));
	if (!pa) {
		mm_areas_free(info, n);
		return -ENOMEM;
	}
	for (int i = 0; i < n; i++) {
		const struct mm_area_info *a = &info[i];

		pa[i] = (struct proc_area){
			.start = a->start, .end = a->end, .prot = a->prot, .shared = a->shared,
			.node = a->node, .offset = a->offset,
			.rss_pages = a->use.rss, .anon_pages = a->use.anon,
			.pss_kb = a->use.pss_pages * (PAGE_SIZE / BYTES_PER_KB) / MM_PSS_ONE,
			.shared_clean = a->use.shared_clean, .shared_dirty = a->use.shared_dirty,
			.private_clean = a->use.private_clean,
			.private_dirty = a->use.private_dirty,
		};
		if (a->heap)
			pa[i].name = "[heap]";
		else if (!a->node && a->end == USER_TOP)
			pa[i].name = "[stack]";
		/* The holds move to pa: the copy goes without letting them go. */
		info[i].node = NULL;
	}
	mm_areas_free(info, n);
	*out = pa;
	return n;
}

static void areas_free(struct proc_area *pa, int n)
{
	for (int i = 0; i < n; i++)
		if (pa[i].node)
			vfs_node_release(pa[i].node);
	kfree(pa);
}

static void count_process(struct process *p, void *arg)
{
	struct proc_counts *c = arg;

	mutex_lock(&p->lock);
	for (const struct task *k = p->tasks; k; k = k->next) {
		c->threads++;
		if (task_state(k) == 'R')
			c->running++;
	}
	mutex_unlock(&p->lock);
}

static void counts(struct proc_counts *c)
{
	memset(c, 0, sizeof(*c));
	process_foreach(count_process, c);
	c->last_pid = process_last_pid();
	c->boot_time = (clock_boot_ns() + realtime_offset_ns()) / NS_PER_SEC;
}

static const struct proc_provider provider = {
	.self = self_pid,
	.cmdline = cmdline,
	.status = status,
	.areas = areas,
	.areas_free = areas_free,
	.counts = counts,
};

void proc_provider_init(void)
{
	proc_set_provider(&provider);
}
