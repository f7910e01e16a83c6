/*
 * A disk filesystem's buffer cache (fs/bcache.c): the disk's 4 KiB pieces
 * that the filesystem read or wrote lately, in memory, written back: a
 * write lands in its piece and reaches the disk when the piece's slot is
 * wanted for another, at bcache_flush (fsync, sync, unmount) or from the
 * periodic flush. Dirty neighbours go in one request. A large read goes
 * to the disk and sees what the cache holds newer. The caller serialises
 * every call (the filesystem's own lock); no call takes a lock itself.
 */
#ifndef FLINT_FS_BCACHE_H
#define FLINT_FS_BCACHE_H

#include <stddef.h>
#include <stdint.h>

#define BCACHE_PIECE 4096u

struct bcache;
struct blockdev;

/* A cache of up to slots pieces (rounded down to a power of two) of disk
 * d, their memory taken as they are used; NULL when out of memory. */
struct bcache *bcache_new(struct blockdev *d, unsigned slots);
/* Frees it; what is dirty is lost: bcache_flush first. */
void bcache_free(struct bcache *c);
/* 0 or a negative errno, all of [off, off + len) or nothing. */
int bcache_read(struct bcache *c, uint64_t off, void *buf, size_t len);
int bcache_write(struct bcache *c, uint64_t off, const void *buf, size_t len);
/* Every dirty piece to the disk, neighbours together: 0 or the first
 * error (what failed stays dirty). No FLUSH: the caller sends it. */
int bcache_flush(struct bcache *c);
/* Pieces dirty now, and since when (clock_ns(); 0: none). */
unsigned bcache_dirty(const struct bcache *c);
uint64_t bcache_dirty_since(const struct bcache *c);

#endif
