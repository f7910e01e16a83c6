/* POSIX shared memory and named semaphores between processes: shm_open
 * and sem_open live in /dev/shm (a tmpfs), their mappings are MAP_SHARED,
 * and a semaphore's wait in one process is woken by a post in another
 * (a process-shared futex).
 *   shm          the checks above
 *   shm map DIR  DIR/mapped: 3 pages written through a MAP_SHARED mapping,
 *                msync'ed, for the host to find on the disk */
#include <errno.h>
#include <fcntl.h>
#include <semaphore.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

#define SHM_NAME "/flint-shm-test"
#define SEM_PING "/flint-sem-ping"
#define SEM_PONG "/flint-sem-pong"
#define SHM_SIZE 8192
#define ROUNDS 200
#define WAIT_S 10
#define MAP_PAGES 3
#define PG 4096

struct shared {
	int counter;
	char text[64];
};

/* sem_timedwait, so that a lost wake fails the check instead of hanging. */
static int wait_sem(sem_t *s)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += WAIT_S;
	while (sem_timedwait(s, &ts) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

static int child(struct shared *sh, sem_t *ping, sem_t *pong)
{
	snprintf(sh->text, sizeof(sh->text), "written by the child");
	for (int i = 0; i < ROUNDS; i++) {
		if (wait_sem(ping) < 0)
			return 1;
		sh->counter++;
		sem_post(pong);
	}
	return 0;
}

static void shm_checks(void)
{
	int fd = shm_open(SHM_NAME, O_CREAT | O_EXCL | O_RDWR, 0600), status = -1, lost = 0;
	sem_t *ping = sem_open(SEM_PING, O_CREAT | O_EXCL, 0600, 0);
	sem_t *pong = sem_open(SEM_PONG, O_CREAT | O_EXCL, 0600, 0);
	struct shared *sh;
	struct stat st;
	pid_t pid;

	check(fd >= 0, "shm_open", "errno %d", errno);
	check(ping != SEM_FAILED && pong != SEM_FAILED, "sem_open", "errno %d", errno);
	if (fd < 0 || ping == SEM_FAILED || pong == SEM_FAILED)
		return;
	check(stat("/dev/shm/flint-shm-test", &st) == 0 && S_ISREG(st.st_mode),
	      "shm object in /dev/shm", "errno %d", errno);
	check(ftruncate(fd, SHM_SIZE) == 0, "ftruncate shm", "errno %d", errno);
	sh = mmap(NULL, SHM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	check(sh != MAP_FAILED, "mmap shm", "errno %d", errno);
	if (sh == MAP_FAILED)
		return;
	pid = fork();
	if (pid == 0)
		_exit(child(sh, ping, pong));
	for (int i = 0; i < ROUNDS && !lost; i++) {
		sem_post(ping);
		lost = wait_sem(pong) < 0;
	}
	check(!lost, "semaphore ping-pong between processes", "a wake was lost");
	waitpid(pid, &status, 0);
	check(status == 0, "child exit", "status %#x", status);
	check(sh->counter == ROUNDS, "counter in shared memory", "%d", sh->counter);
	check(!strcmp(sh->text, "written by the child"), "child's text in shared memory",
	      "'%.20s'", sh->text);
	munmap(sh, SHM_SIZE);
	close(fd);
	check(sem_close(ping) == 0 && sem_close(pong) == 0, "sem_close", "errno %d", errno);
	check(sem_unlink(SEM_PING) == 0 && sem_unlink(SEM_PONG) == 0, "sem_unlink", "errno %d",
	      errno);
	check(shm_unlink(SHM_NAME) == 0, "shm_unlink", "errno %d", errno);
	check(shm_open(SHM_NAME, O_RDWR, 0) < 0 && errno == ENOENT, "shm gone", "errno %d",
	      errno);
}

static int map_to_disk(const char *dir)
{
	char path[256];
	char *p;
	int fd;

	snprintf(path, sizeof(path), "%s/mapped", dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	check(fd >= 0, "open on the disk", "errno %d", errno);
	check(ftruncate(fd, MAP_PAGES * PG) == 0, "ftruncate on the disk", "errno %d", errno);
	p = mmap(NULL, MAP_PAGES * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	check(p != MAP_FAILED, "mmap on the disk", "errno %d", errno);
	if (p == MAP_FAILED)
		return checks_done();
	for (int i = 0; i < MAP_PAGES; i++)
		snprintf(p + i * PG, PG, "page %d written through a shared mapping\n", i);
	check(msync(p, MAP_PAGES * PG, MS_SYNC) == 0, "msync on the disk", "errno %d", errno);
	check(munmap(p, MAP_PAGES * PG) == 0, "munmap on the disk", "errno %d", errno);
	close(fd);
	return checks_done();
}

int main(int argc, char **argv)
{
	if (argc > 2 && !strcmp(argv[1], "map"))
		return map_to_disk(argv[2]);
	shm_checks();
	return checks_done();
}
