/* The buffer cache: direct-mapped slots of 4 KiB pieces of a disk (the
 * slot by a hash of the piece's number), written back in runs of
 * neighbouring dirty pieces (see bcache.h). */
#include <flint/blockdev.h>
#include <flint/errno.h>
#include <flint/heap.h>
#include <flint/memory.h>
#include <flint/string.h>
#include <flint/sync.h>
#include <flint/timer.h>
#include <flint/vfs.h>

#include "bcache.h"

#define RUN_MAX 64u			/* pieces in one write-back: 256 KiB, fewer than slots */
#define FLIGHTS 16u			/* a flush's runs in flight at once */
#define FIB_MULT 0x9e3779b97f4a7c15ull	/* 2^64 / the golden ratio */

struct slot {
	uint64_t piece;			/* its offset / BCACHE_PIECE */
	bool valid, dirty;
	uint8_t *data;
};

struct bcache {
	struct blockdev *disk;
	uint64_t pieces;		/* whole pieces on the disk: the rest bypasses */
	unsigned nslots, shift, ndirty;	/* nslots = 1 << shift */
	uint64_t dirty_since;		/* when ndirty last left 0 */
	uint8_t *run;			/* RUN_MAX pieces: a write-back's bounce */
	struct slot slot[];
};

/* Whole sectors into or out of heap memory (physically contiguous, as
 * the driver wants) go to the driver as they are; anything else through
 * fs/blkdev.c's bounce. */
static int disk_io(struct bcache *c, void *buf, size_t len, uint64_t off, bool write)
{
	uint32_t sector = c->disk->sector_size;
	long r;

	if (!(off % sector) && !(len % sector) && in_direct_map(buf) &&
	    off + len <= c->disk->sectors * BLOCKDEV_SECTOR) {
		for (size_t done = 0; done < len;) {
			size_t n = len - done < BLOCKDEV_MAX_BYTES ? len - done : BLOCKDEV_MAX_BYTES;
			uint64_t sec = (off + done) / BLOCKDEV_SECTOR;
			int e = write ? blockdev_write(c->disk, sec, (uint8_t *)buf + done, n) :
					blockdev_read(c->disk, sec, (uint8_t *)buf + done, n);

			if (e < 0)
				return e == -BLOCKDEV_EROFS ? -EROFS : -EIO;
			done += n;
		}
		return 0;
	}
	r = blkdev_bytes(c->disk, buf, len, off, write);
	return r < 0 ? (int)r : (size_t)r == len ? 0 : -EIO;
}

struct bcache *bcache_new(struct blockdev *d, unsigned slots)
{
	struct bcache *c = kzalloc(sizeof(*c) + slots * sizeof(struct slot));

	if (!c)
		return NULL;
	c->disk = d;
	while (2u << c->shift <= slots)
		c->shift++;
	c->nslots = 1u << c->shift;
	c->pieces = d->sectors * BLOCKDEV_SECTOR / BCACHE_PIECE;
	c->run = kmalloc(RUN_MAX * BCACHE_PIECE);
	if (!c->run) {
		kfree(c);
		return NULL;
	}
	return c;
}

void bcache_free(struct bcache *c)
{
	if (!c)
		return;
	for (unsigned i = 0; i < c->nslots; i++)
		kfree(c->slot[i].data);
	kfree(c->run);
	kfree(c);
}

unsigned bcache_dirty(const struct bcache *c)
{
	return c->ndirty;
}

uint64_t bcache_dirty_since(const struct bcache *c)
{
	return c->ndirty ? c->dirty_since : 0;
}

/* A piece's slot: its number hashed (Fibonacci hashing, Knuth 6.4), since
 * an ext2 group's metadata lies a multiple of the slot count after the
 * last group's, and plain piece % slots would give them all one slot. */
static unsigned slot_of(const struct bcache *c, uint64_t piece)
{
	return (unsigned)((piece * FIB_MULT) >> (64 - c->shift));
}

static struct slot *holding(struct bcache *c, uint64_t piece)
{
	struct slot *s = &c->slot[slot_of(c, piece)];

	return s->valid && s->piece == piece ? s : NULL;
}

/* How many pieces from first on are cached and dirty, RUN_MAX at most
 * (first itself is). */
static uint64_t dirty_run(struct bcache *c, uint64_t first)
{
	uint64_t count = 1;
	struct slot *o;

	while (count < RUN_MAX && (o = holding(c, first + count)) && o->dirty)
		count++;
	return count;
}

/* Copies count pieces from first on (all cached) into buf, one after the
 * other, and marks them clean: a write-back of them is under way. */
static void take_run(struct bcache *c, uint64_t first, uint64_t count, uint8_t *buf)
{
	for (uint64_t p = first; p < first + count; p++) {
		memcpy(buf + (p - first) * BCACHE_PIECE, holding(c, p)->data, BCACHE_PIECE);
		holding(c, p)->dirty = false;
	}
	c->ndirty -= (unsigned)count;
}

/* A write-back of count pieces from first on failed: dirty again. */
static void redirty(struct bcache *c, uint64_t first, uint64_t count)
{
	for (uint64_t p = first; p < first + count; p++)
		holding(c, p)->dirty = true;
	c->ndirty += (unsigned)count;
}

/* Writes the dirty run around s (its dirty neighbours that are cached) in
 * one request. */
static int write_run(struct bcache *c, struct slot *s)
{
	uint64_t first = s->piece, count;
	struct slot *o;
	int r;

	while (first > 0 && s->piece - first + 1 < RUN_MAX && (o = holding(c, first - 1)) &&
	       o->dirty)
		first--;
	count = dirty_run(c, first);
	take_run(c, first, count, c->run);
	r = disk_io(c, c->run, (size_t)count * BCACHE_PIECE, first * BCACHE_PIECE, true);
	if (r < 0)
		redirty(c, first, count);
	return r;
}

/* The slot for piece, holding it: read from the disk unless whole (the
 * caller overwrites all of it), its previous piece written back first. */
static int get(struct bcache *c, uint64_t piece, bool whole, struct slot **out)
{
	struct slot *s = &c->slot[slot_of(c, piece)];
	int r;

	if (s->valid && s->piece == piece) {
		*out = s;
		return 0;
	}
	if (s->valid && s->dirty) {
		r = write_run(c, s);
		if (r < 0)
			return r;
	}
	if (!s->data)
		s->data = kmalloc(BCACHE_PIECE);
	if (!s->data)
		return -ENOMEM;
	s->valid = false;
	if (!whole) {
		r = disk_io(c, s->data, BCACHE_PIECE, piece * BCACHE_PIECE, false);
		if (r < 0)
			return r;
	}
	s->piece = piece;
	s->valid = true;
	*out = s;
	return 0;
}

/* A read larger than a piece goes to the disk in one request; what the
 * cache holds of it is newer. */
static int read_through(struct bcache *c, uint64_t off, uint8_t *buf, size_t len)
{
	int r = disk_io(c, buf, len, off, false);

	for (uint64_t p = off / BCACHE_PIECE; r == 0 && p <= (off + len - 1) / BCACHE_PIECE; p++) {
		const struct slot *s = holding(c, p);
		uint64_t from = p * BCACHE_PIECE > off ? p * BCACHE_PIECE : off;
		uint64_t to = (p + 1) * BCACHE_PIECE < off + len ? (p + 1) * BCACHE_PIECE : off + len;

		if (s)
			memcpy(buf + (from - off), s->data + from % BCACHE_PIECE, (size_t)(to - from));
	}
	return r;
}

/* A range that reaches into the disk's last, partial piece is not
 * cached: what the cache holds of it goes first. */
static int drop_range(struct bcache *c, uint64_t off, size_t len)
{
	for (uint64_t p = off / BCACHE_PIECE; p <= (off + len - 1) / BCACHE_PIECE; p++) {
		struct slot *s = holding(c, p);
		int r = s && s->dirty ? write_run(c, s) : 0;

		if (r < 0)
			return r;
		if (s)
			s->valid = false;
	}
	return 0;
}

static bool cacheable(const struct bcache *c, uint64_t off, size_t len)
{
	return (off + len + BCACHE_PIECE - 1) / BCACHE_PIECE <= c->pieces;
}

int bcache_read(struct bcache *c, uint64_t off, void *buf, size_t len)
{
	uint8_t *out = buf;
	int r;

	if (!len)
		return 0;
	if (!cacheable(c, off, len)) {
		r = drop_range(c, off, len);
		return r < 0 ? r : disk_io(c, buf, len, off, false);
	}
	if (len > BCACHE_PIECE)
		return read_through(c, off, out, len);
	while (len) {
		size_t in = BCACHE_PIECE - off % BCACHE_PIECE, n = len < in ? len : in;
		struct slot *s;

		r = get(c, off / BCACHE_PIECE, false, &s);
		if (r < 0)
			return r;
		memcpy(out, s->data + off % BCACHE_PIECE, n);
		out += n;
		off += n;
		len -= n;
	}
	return 0;
}

int bcache_write(struct bcache *c, uint64_t off, const void *buf, size_t len)
{
	const uint8_t *in = buf;
	int r;

	if (!len)
		return 0;
	if (!cacheable(c, off, len)) {
		r = drop_range(c, off, len);
		return r < 0 ? r : disk_io(c, (void *)buf, len, off, true);
	}
	while (len) {
		size_t room = BCACHE_PIECE - off % BCACHE_PIECE, n = len < room ? len : room;
		struct slot *s;

		r = get(c, off / BCACHE_PIECE, n == BCACHE_PIECE, &s);
		if (r < 0)
			return r;
		memcpy(s->data + off % BCACHE_PIECE, in, n);
		if (!c->ndirty)
			c->dirty_since = clock_ns();
		if (!s->dirty)
			c->ndirty++;
		s->dirty = true;
		in += n;
		off += n;
		len -= n;
	}
	return 0;
}

/* One run of a flush, in flight. */
struct flight {
	struct bio bio;
	uint64_t first, count;		/* its pieces */
};

static void landed(struct bio *bio)
{
	sem_post(bio->arg);
}

/* Waits for n runs in flight; those that failed are dirty again. */
static int land(struct bcache *c, struct flight *f, unsigned n, struct semaphore *done)
{
	int err = 0;

	for (unsigned i = 0; i < n; i++)
		sem_wait(done);
	for (unsigned i = 0; i < n; i++) {
		if (f[i].bio.status) {
			redirty(c, f[i].first, f[i].count);
			err = -EIO;
		}
		kfree(f[i].bio.buf);
	}
	return err;
}

/* Every dirty run at once, FLIGHTS at a time, so that a flush costs about
 * one request's wait, not one per run (a fsync's data, inode and bitmap
 * lie apart). Runs the device would not take go one by one. */
int bcache_flush(struct bcache *c)
{
	struct flight f[FLIGHTS];
	struct semaphore done;
	unsigned n = 0;
	int err = 0;

	sem_init(&done, 0);
	for (unsigned i = 0; i < c->nslots; i++) {
		struct slot *s = &c->slot[i];
		uint64_t first = s->piece, count;
		uint8_t *buf;
		int r = 0;

		if (!s->valid || !s->dirty)
			continue;
		count = dirty_run(c, first);
		buf = kmalloc(count * BCACHE_PIECE);
		if (buf) {
			take_run(c, first, count, buf);
			f[n] = (struct flight){
				.bio = { .op = BIO_WRITE, .sector = first * BCACHE_PIECE / BLOCKDEV_SECTOR,
					 .buf = buf, .len = count * BCACHE_PIECE, .done = landed,
					 .arg = &done },
				.first = first, .count = count,
			};
			if (blockdev_submit(c->disk, &f[n].bio)) {
				redirty(c, first, count);
				kfree(buf);
				buf = NULL;
			}
		}
		if (!buf) {
			r = write_run(c, s);
		} else if (++n == FLIGHTS) {
			r = land(c, f, n, &done);
			n = 0;
		}
		if (r < 0 && !err)
			err = r;
	}
	if (n) {
		int r = land(c, f, n, &done);

		if (r < 0 && !err)
			err = r;
	}
	return err;
}
