/* System V shared memory: shmget, shmat, shmdt, shmctl, as Linux's
 * ipc/shm.c. A segment is an unnamed ramfs file (memfd's kind) that
 * shmat maps MAP_SHARED, so fork, exit and exec treat attachments like
 * any shared file mapping. Each mapping holds the file's node; the
 * segment's own description is one more hold, so shm_nattch is the
 * node's holds less one. A removed segment goes when nothing maps it. */
#include "ipc.h"
#include "linux.h"
#include "mm.h"
#include <flint/heap.h>
#include <flint/string.h>

/* include/uapi/linux/shm.h */
#define SHM_RDONLY 010000
#define SHM_RND 020000
#define SHM_REMAP 040000
#define SHM_EXEC 0100000
#define SHM_LOCK 11
#define SHM_UNLOCK 12
#define SHM_STAT 13
#define SHM_INFO 14
#define SHM_STAT_ANY 15
#define SHM_DEST 01000		/* the mode's bit: removed, waiting for the last detach */
#define SHM_LOCKED 02000
#define SHMMIN 1
#define SHMMAX (UINT64_MAX - (1ull << 24))
#define SHMALL (UINT64_MAX - (1ull << 24))
#define SHMSEG IPC_TABLE_MAX
/* arch/x86/include/asm/shmparam.h */
#define SHMLBA PAGE_SIZE

/* include/uapi/asm-generic/shmbuf.h (x86-64's layout) */
struct linux_shmid64_ds {
	struct linux_ipc64_perm shm_perm;
	uint64_t shm_segsz;
	int64_t shm_atime, shm_dtime, shm_ctime;
	int32_t shm_cpid, shm_lpid;
	uint64_t shm_nattch;
	uint64_t unused4, unused5;
};

struct linux_shminfo64 {
	uint64_t shmmax, shmmin, shmmni, shmseg, shmall;
	uint64_t unused1, unused2, unused3, unused4;
};

struct linux_shm_info {
	int32_t used_ids;
	uint64_t shm_tot, shm_rss, shm_swp, swap_attempts, swap_successes;
};

struct shm_seg {
	struct ipc_obj obj;		/* first: the table holds &obj */
	struct file *file;
	uint64_t size;
	int64_t atime, dtime, ctime;
	int cpid, lpid;
};

static struct mutex shm_lock;
static struct ipc_table shm_table;

static uint64_t nattch(const struct shm_seg *s)
{
	return s->file->node->opens - 1;
}

/* Removed segments that nothing maps any more go now. */
static void prune(void)
{
	for (int i = 0; i < IPC_TABLE_MAX; i++) {
		struct shm_seg *s = (struct shm_seg *)shm_table.slot[i];

		if (s && (s->obj.mode & SHM_DEST) && nattch(s) == 0) {
			ipc_remove(&shm_table, &s->obj);
			file_put(s->file);
			kfree(s);
		}
	}
}

static uint64_t total_pages(void)
{
	uint64_t n = 0;

	for (int i = 0; i < IPC_TABLE_MAX; i++) {
		struct shm_seg *s = (struct shm_seg *)shm_table.slot[i];

		if (s)
			n += (s->size + PAGE_SIZE - 1) / PAGE_SIZE;
	}
	return n;
}

static long create(int32_t key, uint64_t size, int flags)
{
	struct shm_seg *s;
	long r;

	if (size < SHMMIN || size > SHMMAX)
		return -EINVAL;
	if (total_pages() + (size + PAGE_SIZE - 1) / PAGE_SIZE > SHMALL)
		return -ENOSPC;
	s = kzalloc(sizeof(*s));
	if (!s)
		return -ENOMEM;
	r = vfs_open_unnamed(flags & IPC_MODE_MASK, VFS_O_RDWR, &s->file);
	if (r < 0) {
		kfree(s);
		return r;
	}
	r = vfs_file_truncate(s->file, size);
	if (r >= 0)
		r = ipc_add(&shm_table, &s->obj, key, flags);
	if (r < 0) {
		file_put(s->file);
		kfree(s);
		return r;
	}
	s->size = size;
	s->ctime = wall_seconds();
	s->cpid = process_current()->pid;
	return r;
}

static long sys_shmget(const uint64_t a[6])
{
	int32_t key = (int32_t)a[0];
	uint64_t size = a[1];
	int flags = (int)a[2];
	struct shm_seg *s;
	long r;

	mutex_lock(&shm_lock);
	prune();
	s = key == IPC_PRIVATE ? NULL : (struct shm_seg *)ipc_find_key(&shm_table, key);
	if (!s)
		r = key != IPC_PRIVATE && !(flags & IPC_CREAT) ? -ENOENT : create(key, size, flags);
	else if ((flags & IPC_CREAT) && (flags & IPC_EXCL))
		r = -EEXIST;
	else if (size > s->size)
		r = -EINVAL;
	else if (!ipc_allowed(&s->obj, (flags >> 6) & 7))
		r = -EACCES;
	else
		r = s->obj.id;
	mutex_unlock(&shm_lock);
	return r;
}
SYSCALL(29, "shmget", "dxo", sys_shmget);

static long sys_shmat(const uint64_t a[6])
{
	uint64_t addr = a[1];
	int flags = (int)a[2];
	int prot = LINUX_PROT_READ, mflags = LINUX_MAP_SHARED;
	struct shm_seg *s;
	long r;

	if (addr & (SHMLBA - 1)) {
		if (!(flags & SHM_RND))
			return -EINVAL;
		addr &= ~(uint64_t)(SHMLBA - 1);
	}
	if (addr)
		mflags |= flags & SHM_REMAP ? LINUX_MAP_FIXED : LINUX_MAP_FIXED_NOREPLACE;
	else if (flags & SHM_REMAP)
		return -EINVAL;
	if (!(flags & SHM_RDONLY))
		prot |= LINUX_PROT_WRITE;
	if (flags & SHM_EXEC)
		prot |= LINUX_PROT_EXEC;
	mutex_lock(&shm_lock);
	s = (struct shm_seg *)ipc_find_id(&shm_table, (int)a[0]);
	if (!s)
		r = -EINVAL;
	else if (!ipc_allowed(&s->obj, prot & LINUX_PROT_WRITE ? 6 : 4))
		r = -EACCES;
	else
		r = mm_mmap(process_current()->mm, addr, s->size, prot, mflags, s->file->node, 0);
	if (r == -EEXIST)
		r = -EINVAL;	/* an overlap without SHM_REMAP (do_shmat) */
	if (r >= 0) {
		s->atime = wall_seconds();
		s->lpid = process_current()->pid;
	}
	mutex_unlock(&shm_lock);
	return r;
}
SYSCALL(30, "shmat", "dpx:p", sys_shmat);

static long sys_shmdt(const uint64_t a[6])
{
	struct mm *mm = process_current()->mm;
	struct vnode *n;
	long r = -EINVAL;

	mutex_lock(&shm_lock);
	n = mm_file_start_at(mm, a[0]);
	for (int i = 0; n && i < IPC_TABLE_MAX; i++) {
		struct shm_seg *s = (struct shm_seg *)shm_table.slot[i];

		if (s && s->file->node == n) {
			r = mm_munmap(mm, a[0], s->size);
			s->dtime = wall_seconds();
			s->lpid = process_current()->pid;
			break;
		}
	}
	prune();
	mutex_unlock(&shm_lock);
	return r;
}
SYSCALL(67, "shmdt", "p", sys_shmdt);

static void fill_ds(const struct shm_seg *s, struct linux_shmid64_ds *ds)
{
	memset(ds, 0, sizeof(*ds));
	ipc_fill_perm(&s->obj, &ds->shm_perm);
	ds->shm_segsz = s->size;
	ds->shm_atime = s->atime;
	ds->shm_dtime = s->dtime;
	ds->shm_ctime = s->ctime;
	ds->shm_cpid = s->cpid;
	ds->shm_lpid = s->lpid;
	ds->shm_nattch = nattch(s);
}

static long info(int cmd, uint64_t ubuf)
{
	if (cmd == IPC_INFO) {
		struct linux_shminfo64 si = {
			.shmmax = SHMMAX, .shmmin = SHMMIN, .shmmni = IPC_TABLE_MAX,
			.shmseg = SHMSEG, .shmall = SHMALL,
		};

		if (copy_to_user((void *)ubuf, &si, sizeof(si)))
			return -EFAULT;
	} else {
		struct linux_shm_info si = { .shm_tot = total_pages() };

		for (int i = 0; i < IPC_TABLE_MAX; i++)
			si.used_ids += shm_table.slot[i] != NULL;
		si.shm_rss = si.shm_tot;
		if (copy_to_user((void *)ubuf, &si, sizeof(si)))
			return -EFAULT;
	}
	return ipc_max_index(&shm_table) < 0 ? 0 : ipc_max_index(&shm_table);
}

static long ctl(int id, int cmd, uint64_t ubuf)
{
	struct linux_shmid64_ds ds;
	struct shm_seg *s;

	if (cmd == IPC_INFO || cmd == SHM_INFO)
		return info(cmd, ubuf);
	if (cmd == SHM_STAT || cmd == SHM_STAT_ANY) {
		s = id >= 0 && id < IPC_TABLE_MAX ? (struct shm_seg *)shm_table.slot[id] : NULL;
		if (!s)
			return -EINVAL;
		fill_ds(s, &ds);
		return copy_to_user((void *)ubuf, &ds, sizeof(ds)) ? -EFAULT : s->obj.id;
	}
	s = (struct shm_seg *)ipc_find_id(&shm_table, id);
	if (!s)
		return -EINVAL;
	switch (cmd) {
	case IPC_STAT:
		if (!ipc_allowed(&s->obj, 4))
			return -EACCES;
		fill_ds(s, &ds);
		return copy_to_user((void *)ubuf, &ds, sizeof(ds)) ? -EFAULT : 0;
	case IPC_SET:
		if (copy_from_user(&ds, (const void *)ubuf, sizeof(ds)))
			return -EFAULT;
		ipc_set_perm(&s->obj, &ds.shm_perm);
		s->ctime = wall_seconds();
		return 0;
	case IPC_RMID:
		s->obj.mode |= SHM_DEST;
		s->obj.key = IPC_PRIVATE;
		s->ctime = wall_seconds();
		return 0;
	case SHM_LOCK:
		s->obj.mode |= SHM_LOCKED;
		return 0;
	case SHM_UNLOCK:
		s->obj.mode &= (uint16_t)~SHM_LOCKED;
		return 0;
	default:
		return -EINVAL;
	}
}

static long sys_shmctl(const uint64_t a[6])
{
	int cmd = (int)a[1];
	long r;

	if (cmd < 0)
		return -EINVAL;
	mutex_lock(&shm_lock);
	prune();
	r = ctl((int)a[0], cmd & ~IPC_64, a[2]);
	prune();
	mutex_unlock(&shm_lock);
	return r;
}
SYSCALL(31, "shmctl", "ddp", sys_shmctl);
