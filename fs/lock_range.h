/* Byte-range lock tables: the pure logic behind fs/lock.c (record locks,
 * OFD locks and flock), also run by the host's unit tests. */
#ifndef FS_LOCK_RANGE_H
#define FS_LOCK_RANGE_H

#include <stdbool.h>
#include <stdint.h>

#define LOCK_TABLE_MAX 256
/* The end of a lock that runs to the end of the file (l_len 0). */
#define LOCK_EOF UINT64_MAX

enum lock_type { LOCK_UNLOCK, LOCK_READ, LOCK_WRITE };
/* flock locks and record locks never conflict with each other (Linux
 * keeps them on separate lists; man 2 flock). */
enum lock_family { LOCK_FAMILY_RECORD, LOCK_FAMILY_FLOCK };

struct lock_range {
	const void *node;		/* the file locked */
	const void *owner;		/* a process, or an open file description */
	int pid;			/* reported by F_GETLK (-1: an OFD lock) */
	uint8_t type;			/* enum lock_type; LOCK_UNLOCK: a free slot */
	uint8_t family;			/* enum lock_family */
	uint64_t start, end;		/* inclusive */
};

struct lock_table {
	struct lock_range r[LOCK_TABLE_MAX];
};

/* The first lock of another owner that keeps want from being granted. */
const struct lock_range *lock_conflict(const struct lock_table *t, const struct lock_range *want);
/* Sets (or, with type LOCK_UNLOCK, removes) req's owner's lock over its
 * range, splitting and merging that owner's locks as POSIX says: 0, or
 * -ENOLCK when the table is full. Conflicts are the caller's to check. */
int lock_apply(struct lock_table *t, const struct lock_range *req);
/* Removes owner's locks of one family on node (NULL: on every file);
 * returns how many there were. */
unsigned lock_remove_owner(struct lock_table *t, const void *node, const void *owner, int family);

#endif
