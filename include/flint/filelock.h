/* File locks: record locks (fcntl F_SETLK, owned by a process), OFD locks
 * (owned by an open file description) and flock, enforced between
 * processes (fs/lock.c). */
#ifndef FLINT_FILELOCK_H
#define FLINT_FILELOCK_H

#include <stdbool.h>
#include <stdint.h>

struct file;
struct fdtable;

enum filelock_kind { FILELOCK_POSIX, FILELOCK_OFD, FILELOCK_FLOCK };

/* A request or, from filelock_test, the lock in the way. type: 0 unlock,
 * 1 read, 2 write (fs/lock_range.h); end inclusive, UINT64_MAX to EOF. */
struct filelock {
	int type;
	uint64_t start, end;
	int pid;
};

/* A POSIX lock's owner is the process, named by its descriptor table;
 * pid is what F_GETLK reports to others. Returns 0, -EAGAIN on a conflict
 * when not waiting, -EDEADLK, -EINTR, -ENOLCK. */
int filelock_set(struct file *f, enum filelock_kind kind, struct fdtable *owner, int pid,
		 const struct filelock *l, bool wait);
/* F_GETLK: fills l with the first lock in its way, or sets l->type 0. */
void filelock_test(struct file *f, enum filelock_kind kind, struct fdtable *owner,
		   struct filelock *l);
/* Closing a descriptor drops the process's POSIX locks on the file; the
 * last reference to a description drops its OFD and flock locks. */
void filelock_close(struct fdtable *owner, struct file *f);
void filelock_release_file(struct file *f);

#endif
