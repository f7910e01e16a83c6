/* The process layer's side of /proc (fs/procfs.c): what /proc/self and
 * /proc/<pid>/ show, read from the process table. Lock order: the table,
 * then the process's lock. */
#include "linux.h"
#include "mm.h"
#include <flint/string.h>
#include <flint/timer.h>

#define NS_PER_TICK 10000000ull		/* USER_HZ: 100 ticks a second */
#define BYTES_PER_KB 1024

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
	st->state = p->state == PROCESS_ZOMBIE ? 'Z' : 'R';
	st->pid = p->pid;
	st->ppid = p->parent ? p->parent->pid : 0;
	st->pgid = p->pgid;
	st->sid = p->sid;
	st->start_ticks = (p->start_ns - clock_boot_ns()) / NS_PER_TICK;
	mutex_lock(&p->lock);
	comm(st->name, p->exe);
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

static const struct proc_provider provider = {
	.self = self_pid,
	.cmdline = cmdline,
	.status = status,
};

void proc_provider_init(void)
{
	proc_set_provider(&provider);
}
