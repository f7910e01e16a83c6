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
#include <sys/msg.h>
#include <sys/sem.h>
#include <time.h>
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

struct small_msg {
	long mtype;
	char mtext[16];
};

static int send(int q, long type, const char *text)
{
	struct small_msg m = { .mtype = type };

	strncpy(m.mtext, text, sizeof(m.mtext) - 1);
	return msgsnd(q, &m, strlen(text) + 1, 0);
}

static void test_msg(void)
{
	int q = msgget(IPC_PRIVATE, IPC_CREAT | 0600), q2, st;
	struct small_msg m;
	struct msqid_ds ds;
	ssize_t n;
	pid_t pid;

	check(q >= 0, "msgget IPC_PRIVATE", "errno %d", errno);
	check(send(q, 3, "c") == 0 && send(q, 1, "a") == 0 && send(q, 2, "b") == 0,
	      "msgsnd three types", "errno %d", errno);
	check(msgctl(q, IPC_STAT, &ds) == 0 && ds.msg_qnum == 3 && ds.__msg_cbytes == 6 &&
	      ds.msg_qbytes == 16384 && ds.msg_lspid == getpid(), "msg IPC_STAT counts",
	      "qnum %lu qbytes %lu", (unsigned long)ds.msg_qnum, (unsigned long)ds.msg_qbytes);
	n = msgrcv(q, &m, sizeof(m.mtext), 2, 0);
	check(n == 2 && m.mtype == 2 && strcmp(m.mtext, "b") == 0, "msgrcv positive type",
	      "n %zd type %ld", n, m.mtype);
	n = msgrcv(q, &m, sizeof(m.mtext), -3, 0);
	check(n == 2 && m.mtype == 1, "msgrcv negative type takes the lowest", "type %ld",
	      m.mtype);
	n = msgrcv(q, &m, sizeof(m.mtext), 0, 0);
	check(n == 2 && m.mtype == 3, "msgrcv type 0 takes the first", "type %ld", m.mtype);
	errno = 0;
	check(msgrcv(q, &m, sizeof(m.mtext), 0, IPC_NOWAIT) == -1 && errno == ENOMSG,
	      "msgrcv IPC_NOWAIT empty ENOMSG", "errno %d", errno);
	send(q, 5, "0123456789");
	errno = 0;
	check(msgrcv(q, &m, 4, 0, IPC_NOWAIT) == -1 && errno == E2BIG, "msgrcv too small E2BIG",
	      "errno %d", errno);
	n = msgrcv(q, &m, 4, 0, MSG_NOERROR);
	check(n == 4 && memcmp(m.mtext, "0123", 4) == 0, "MSG_NOERROR truncates", "n %zd", n);
	errno = 0;
	check(send(q, 0, "x") == -1 && errno == EINVAL, "msgsnd mtype 0 EINVAL", "errno %d",
	      errno);

	pid = fork();
	if (pid == 0) {
		for (int i = 0; i < 3; i++) {
			if (msgrcv(q, &m, sizeof(m.mtext), 1, 0) < 0)
				_exit(1);
			m.mtype = 2;
			m.mtext[0]++;
			if (msgsnd(q, &m, 2, 0) < 0)
				_exit(2);
		}
		_exit(0);
	}
	n = 0;
	for (int i = 0; i < 3; i++) {
		char text[2] = { (char)('a' + 2 * i), 0 };

		send(q, 1, text);
		if (msgrcv(q, &m, sizeof(m.mtext), 2, 0) == 2 && m.mtext[0] == 'a' + 2 * i + 1)
			n++;
	}
	waitpid(pid, &st, 0);
	check(n == 3 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "message ping-pong with a child",
	      "%zd replies, status %#x", n, st);

	q2 = msgget(IPC_PRIVATE, 0600);
	pid = fork();
	if (pid == 0)
		_exit(msgrcv(q2, &m, sizeof(m.mtext), 0, 0) == -1 && errno == EIDRM ? 0 : 1);
	usleep(100000);
	check(msgctl(q2, IPC_RMID, NULL) == 0, "msgctl IPC_RMID", "errno %d", errno);
	waitpid(pid, &st, 0);
	check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "blocked msgrcv ends with EIDRM",
	      "status %#x", st);
	msgctl(q, IPC_RMID, NULL);
	errno = 0;
	check(msgsnd(q, &m, 1, 0) == -1 && errno == EINVAL, "msgsnd to a removed queue EINVAL",
	      "errno %d", errno);
}

static void test_sem(void)
{
	int s = semget(IPC_PRIVATE, 2, IPC_CREAT | 0600), st;
	unsigned short all[2] = { 0, 0 };
	struct sembuf both[2] = { { 0, 1, 0 }, { 1, -1, IPC_NOWAIT } };
	struct sembuf down = { 0, -1, 0 }, zero = { 1, 0, IPC_NOWAIT };
	struct timespec ts = { 0, 50000000 };
	pid_t pid;

	check(s >= 0, "semget two semaphores", "errno %d", errno);
	check(semctl(s, 0, GETVAL) == 0 && semctl(s, 1, GETVAL) == 0, "new semaphores are 0",
	      "errno %d", errno);
	errno = 0;
	check(semop(s, both, 2) == -1 && errno == EAGAIN && semctl(s, 0, GETVAL) == 0,
	      "semop all or nothing", "errno %d val %d", errno, semctl(s, 0, GETVAL));
	check(semop(s, &zero, 1) == 0, "wait for zero on 0", "errno %d", errno);
	check(semctl(s, 1, SETVAL, 3) == 0 && semctl(s, 1, GETVAL) == 3 &&
	      semctl(s, 1, GETPID) == getpid(), "SETVAL, GETVAL, GETPID", "errno %d", errno);
	errno = 0;
	check(semop(s, &zero, 1) == -1 && errno == EAGAIN, "wait for zero on 3 EAGAIN",
	      "errno %d", errno);
	check(semop(s, both, 2) == 0 && semctl(s, 0, GETVAL) == 1 && semctl(s, 1, GETVAL) == 2,
	      "semop two operations", "errno %d", errno);
	errno = 0;
	check(semtimedop(s, (struct sembuf[]){ { 1, -3, 0 } }, 1, &ts) == -1 && errno == EAGAIN,
	      "semtimedop times out with EAGAIN", "errno %d", errno);
	check(semctl(s, 0, GETALL, all) == 0 && all[0] == 1 && all[1] == 2, "GETALL",
	      "%u %u", all[0], all[1]);
	all[0] = 0;
	check(semctl(s, 0, SETALL, all) == 0 && semctl(s, 0, GETVAL) == 0, "SETALL", "errno %d",
	      errno);

	pid = fork();
	if (pid == 0) {
		struct sembuf up = { 0, 1, 0 };

		usleep(50000);
		_exit(semctl(s, 0, GETNCNT) == 1 && semop(s, &up, 1) == 0 ? 0 : 1);
	}
	check(semop(s, &down, 1) == 0, "blocked semop woken by another process", "errno %d",
	      errno);
	waitpid(pid, &st, 0);
	check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child saw one waiter (GETNCNT)",
	      "status %#x", st);

	pid = fork();
	if (pid == 0)
		_exit(semop(s, &down, 1) == -1 && errno == EIDRM ? 0 : 1);
	usleep(100000);
	check(semctl(s, 0, IPC_RMID) == 0, "semctl IPC_RMID", "errno %d", errno);
	waitpid(pid, &st, 0);
	check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "blocked semop ends with EIDRM",
	      "status %#x", st);
	errno = 0;
	check(semctl(s, 0, GETVAL) == -1 && errno == EINVAL, "removed set EINVAL", "errno %d",
	      errno);
}

int main(void)
{
	test_get();
	test_share();
	test_info();
	test_msg();
	test_sem();
	return checks_done();
}
