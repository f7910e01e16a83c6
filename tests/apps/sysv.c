/* System V IPC against Linux's documented behaviour (shmget(2), shmat(2),
 * shmctl(2)): segments shared between a parent and a forked child,
 * attach counts, read-only attachments, and removal deferred until the
 * last detach. It makes IPC objects, so the boot case checks it against
 * these documented values rather than a host run. */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

#define SEG_SIZE 10000
#define KEY 0x464c4e54		/* any key; the VM has no other user */
#define CHILD_OFF 5000
#define PAGE 4096

static struct shmid_ds stat_of(int id, int *r)
{
	struct shmid_ds ds;

	memset(&ds, 0, sizeof(ds));
	*r = shmctl(id, IPC_STAT, &ds);
	return ds;
}

/* In a child: a store to a read-only attachment must end it with SIGSEGV. */
static int store_faults(volatile char *p)
{
	int st;
	pid_t pid = fork();

	if (pid == 0) {
		p[0] = 'x';
		_exit(0);
	}
	waitpid(pid, &st, 0);
	return WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV;
}

static void test_get(void)
{
	int id, id2, r;
	struct shmid_ds ds;

	errno = 0;
	check(shmget(IPC_PRIVATE, 0, IPC_CREAT | 0600) == -1 && errno == EINVAL,
	      "shmget size 0 EINVAL", "errno %d", errno);
	errno = 0;
	check(shmget(KEY, SEG_SIZE, 0600) == -1 && errno == ENOENT,
	      "shmget missing key ENOENT", "errno %d", errno);
	id = shmget(KEY, SEG_SIZE, IPC_CREAT | 0600);
	check(id >= 0, "shmget IPC_CREAT", "errno %d", errno);
	errno = 0;
	check(shmget(KEY, SEG_SIZE, IPC_CREAT | IPC_EXCL | 0600) == -1 && errno == EEXIST,
	      "shmget IPC_EXCL EEXIST", "errno %d", errno);
	errno = 0;
	check(shmget(KEY, SEG_SIZE + 1, 0600) == -1 && errno == EINVAL,
	      "shmget larger than the segment EINVAL", "errno %d", errno);
	id2 = shmget(KEY, 0, 0);
	check(id2 == id, "shmget existing key same id", "%d vs %d", id2, id);
	ds = stat_of(id, &r);
	check(r == 0 && ds.shm_segsz == SEG_SIZE && (ds.shm_perm.mode & 0777) == 0600 &&
	      ds.shm_nattch == 0 && ds.shm_cpid == getpid() && ds.shm_perm.__key == KEY,
	      "IPC_STAT of a new segment", "r %d size %zu mode %o nattch %lu cpid %d",
	      r, (size_t)ds.shm_segsz, ds.shm_perm.mode, (unsigned long)ds.shm_nattch,
	      (int)ds.shm_cpid);
	check(shmctl(id, IPC_RMID, NULL) == 0, "IPC_RMID unattached", "errno %d", errno);
	errno = 0;
	check(shmctl(id, IPC_STAT, &ds) == -1 && errno == EINVAL,
	      "removed unattached segment is gone", "errno %d", errno);
	errno = 0;
	check(shmctl(12345678, IPC_STAT, &ds) == -1 && errno == EINVAL,
	      "shmctl unknown id EINVAL", "errno %d", errno);
}

static void test_share(void)
{
	int id = shmget(IPC_PRIVATE, SEG_SIZE, IPC_CREAT | 0600), r, st;
	char *p, *ro, *rnd, *hole;
	struct shmid_ds ds;
	pid_t pid;

	check(id >= 0, "shmget IPC_PRIVATE", "errno %d", errno);
	p = shmat(id, NULL, 0);
	check(p != (void *)-1 && ((uintptr_t)p & (PAGE - 1)) == 0, "shmat NULL page-aligned",
	      "%p errno %d", (void *)p, errno);
	if (p == (void *)-1)
		return;
	check(p[0] == 0 && p[SEG_SIZE - 1] == 0, "new segment is zeroed", "%d", p[0]);
	strcpy(p, "from parent");
	ds = stat_of(id, &r);
	check(r == 0 && ds.shm_nattch == 1 && ds.shm_lpid == getpid(), "nattch 1 after shmat",
	      "nattch %lu", (unsigned long)ds.shm_nattch);

	pid = fork();
	if (pid == 0) {
		struct shmid_ds cds = stat_of(id, &r);
		int ok = strcmp(p, "from parent") == 0 && cds.shm_nattch == 2;

		strcpy(p + CHILD_OFF, "from child");
		_exit(ok ? 0 : 1);
	}
	waitpid(pid, &st, 0);
	check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child sees the parent's write, nattch 2",
	      "status %#x", st);
	check(strcmp(p + CHILD_OFF, "from child") == 0, "parent sees the child's write",
	      "%.16s", p + CHILD_OFF);
	ds = stat_of(id, &r);
	check(ds.shm_nattch == 1, "nattch back to 1 after the child's exit", "nattch %lu",
	      (unsigned long)ds.shm_nattch);

	ro = shmat(id, NULL, SHM_RDONLY);
	check(ro != (void *)-1 && strcmp(ro, "from parent") == 0, "SHM_RDONLY attach reads",
	      "errno %d", errno);
	if (ro != (void *)-1) {
		check(store_faults(ro), "store to SHM_RDONLY faults", "no SIGSEGV");
		ds = stat_of(id, &r);
		check(ds.shm_nattch == 2, "nattch 2 with two attachments", "nattch %lu",
		      (unsigned long)ds.shm_nattch);
		check(shmdt(ro) == 0, "shmdt read-only", "errno %d", errno);
	}
	errno = 0;
	check(shmat(id, p + SEG_SIZE + 1, 0) == (void *)-1 && errno == EINVAL,
	      "shmat unaligned address EINVAL", "errno %d", errno);
	errno = 0;
	check(shmat(id, p, 0) == (void *)-1 && errno == EINVAL,
	      "shmat over an attachment EINVAL", "errno %d", errno);
	hole = mmap(NULL, 4 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(hole, 4 * PAGE);
	rnd = shmat(id, hole + 7, SHM_RND);
	check(rnd == hole, "SHM_RND rounds down", "%p for %p", (void *)rnd, (void *)hole);
	if (rnd != (void *)-1) {
		check(strcmp(rnd, "from parent") == 0, "second attachment sees the data", "%.16s", rnd);
		shmdt(rnd);
	}

	memset(&ds, 0, sizeof(ds));
	ds.shm_perm.mode = 0640;
	check(shmctl(id, IPC_SET, &ds) == 0, "IPC_SET", "errno %d", errno);
	ds = stat_of(id, &r);
	check((ds.shm_perm.mode & 0777) == 0640, "IPC_SET changed the mode", "%o",
	      ds.shm_perm.mode);

	check(shmctl(id, IPC_RMID, NULL) == 0, "IPC_RMID attached", "errno %d", errno);
	ds = stat_of(id, &r);
	check(r == 0 && (ds.shm_perm.mode & 01000) && ds.shm_nattch == 1,
	      "removed segment stays while attached (SHM_DEST)", "r %d mode %o", r,
	      ds.shm_perm.mode);
	check(strcmp(p, "from parent") == 0, "data still there after IPC_RMID", "%.16s", p);
	errno = 0;
	check(shmdt(p + PAGE) == -1 && errno == EINVAL, "shmdt not at a segment's start EINVAL",
	      "errno %d", errno);
	check(shmdt(p) == 0, "shmdt", "errno %d", errno);
	errno = 0;
	check(shmctl(id, IPC_STAT, &ds) == -1 && errno == EINVAL,
	      "segment gone after the last detach", "errno %d", errno);
	errno = 0;
	check(shmdt(p) == -1 && errno == EINVAL, "shmdt twice EINVAL", "errno %d", errno);
}

static void test_info(void)
{
	struct shminfo si;

	memset(&si, 0, sizeof(si));
	check(shmctl(0, IPC_INFO, (struct shmid_ds *)&si) >= 0 && si.shmmni == 4096 &&
	      si.shmmin == 1, "IPC_INFO limits", "shmmni %lu", (unsigned long)si.shmmni);
}

int main(void)
{
	test_get();
	test_share();
	test_info();
	return checks_done();
}
