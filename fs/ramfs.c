/* The ramfs: nodes and their names (directory entries, one per hard link)
 * on the kernel heap, a regular file's data in its page cache (memory
 * only: those pages are the data), a symlink's target in a heap block. */
#include <flint/errno.h>
#include <flint/heap.h>
#include <flint/memory.h>
#include <flint/string.h>
#include <flint/vfs.h>

#include "fs.h"

#define INDEX_FIRST 64u			/* names before a directory gets an index */
#define FNV32_OFFSET 0x811c9dc5u	/* FNV-1a 32 (draft-eastlake-fnv) */
#define FNV32_PRIME 0x01000193u

static uint64_t last_ino;

struct vnode *ramfs_new(uint32_t mode)
{
	struct vnode *n = kzalloc(sizeof(*n));

	if (n) {
		n->mode = mode;
		pagecache_init(&n->cache, NULL);
		n->ino = __atomic_add_fetch(&last_ino, 1, __ATOMIC_RELAXED);
	}
	return n;
}

/* <0, 0, >0 as e's name sorts before, with or after name[0..len). */
static int name_cmp(const struct ramfs_entry *e, const char *name, size_t len)
{
	int c = strncmp(e->name, name, len);

	if (c)
		return c;
	return e->name[len] ? 1 : 0;
}

/* FNV-1a 32 (draft-eastlake-fnv) of a name: its bucket in the index. */
static uint32_t name_hash(const char *name, size_t len)
{
	uint32_t h = FNV32_OFFSET;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)name[i]) * FNV32_PRIME;
	return h;
}

static void index_add(struct vnode *dir, struct ramfs_entry *e)
{
	struct ramfs_entry **b = &dir->index[e->hash & (dir->index_size - 1)];

	e->hnext = *b;
	*b = e;
}

/* A large directory's names get an index (a hash table that doubles as
 * they grow), so that a lookup is not a walk of them all. Without memory
 * for it, the walk it is. */
static void index_grow(struct vnode *dir)
{
	uint32_t size = dir->index_size ? 2 * dir->index_size : INDEX_FIRST;
	struct ramfs_entry **index = kzalloc(size * sizeof(*index));

	if (!index)
		return;
	kfree(dir->index);
	dir->index = index;
	dir->index_size = size;
	for (struct ramfs_entry *e = dir->entries; e; e = e->next)
		index_add(dir, e);
}

static void index_remove(struct vnode *dir, struct ramfs_entry *e)
{
	struct ramfs_entry **pp = &dir->index[e->hash & (dir->index_size - 1)];

	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
}

struct ramfs_entry *ramfs_find(const struct vnode *dir, const char *name, size_t len)
{
	if (dir->index) {
		uint32_t h = name_hash(name, len);

		for (struct ramfs_entry *e = dir->index[h & (dir->index_size - 1)]; e; e = e->hnext)
			if (e->hash == h && !name_cmp(e, name, len))
				return e;
		return NULL;
	}
	for (struct ramfs_entry *e = dir->entries; e; e = e->next) {
		int r = name_cmp(e, name, len);

		if (r == 0)
			return e;
		if (r > 0 && !dir->disk_order)
			break;
	}
	return NULL;
}

void ramfs_put(struct vnode *n)
{
	if (n->names || n->opens)
		return;
	if (n->mnt && n->mnt->type->ops)
		n->mnt->type->ops->evict(n);
	else if (n->mnt)
		n->mnt->used_pages -= n->cache.pages;
	pagecache_destroy(&n->cache);
	kfree(n->data);
	kfree(n->index);
	kfree(n);
}

/* e is out of its directory: out of its node's names too, and freed; the
 * node goes once nothing keeps it. */
static void drop(struct ramfs_entry *e)
{
	struct vnode *n = e->node;
	struct ramfs_entry **pp = &n->names;

	while (*pp != e)
		pp = &(*pp)->alias;
	*pp = e->alias;
	n->nlink--;
	kfree(e);
	ramfs_put(n);
}

/* Takes e out of its directory's list and index. */
static void unlist(struct ramfs_entry *e)
{
	struct vnode *dir = e->dir;

	if (e->prev)
		e->prev->next = e->next;
	else
		dir->entries = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		dir->last_entry = e->prev;
	if (dir->index)
		index_remove(dir, e);
	dir->nentries--;
}

/* Puts e in its directory's list after prev (NULL: first). */
static void enlist(struct ramfs_entry *e, struct ramfs_entry *prev)
{
	struct vnode *dir = e->dir;

	e->prev = prev;
	e->next = prev ? prev->next : dir->entries;
	if (prev)
		prev->next = e;
	else
		dir->entries = e;
	if (e->next)
		e->next->prev = e;
	else
		dir->last_entry = e;
	if (++dir->nentries > dir->index_size && dir->nentries >= INDEX_FIRST)
		index_grow(dir);
	else if (dir->index)
		index_add(dir, e);
}

int ramfs_link(struct vnode *dir, struct vnode *n, const char *name, size_t len)
{
	struct ramfs_entry *e = kmalloc(sizeof(*e) + len + 1), *was, *prev, **pp;

	if (!e)
		return -ENOMEM;
	*e = (struct ramfs_entry){ .node = n, .dir = dir, .hash = name_hash(name, len) };
	memcpy(e->name, name, len);
	e->name[len] = '\0';
	was = ramfs_find(dir, name, len);
	if (was) {
		prev = was->prev;
	} else if (dir->disk_order) {
		prev = dir->last_entry;
	} else {
		for (prev = NULL; (prev ? prev->next : dir->entries) &&
				  name_cmp(prev ? prev->next : dir->entries, name, len) < 0;
		     prev = prev ? prev->next : dir->entries)
			;
	}
	if (was)
		unlist(was);
	enlist(e, prev);
	for (pp = &n->names; *pp; pp = &(*pp)->alias)
		;
	*pp = e;
	n->nlink++;
	if (was)
		drop(was);
	return 0;
}

void ramfs_unlink(struct ramfs_entry *e)
{
	unlist(e);
	drop(e);
}

int ramfs_resize(struct vnode *n, uint64_t size)
{
	uint64_t before = n->cache.pages;
	int r = pagecache_resize(&n->cache, size);

	if (r == 0)
		n->size = size;
	ramfs_charged(n, before);
	return r;
}

/* Pages a write of [off, off + len) may add: every page past the end,
 * and those before it when the file has holes. */
static uint64_t new_pages(const struct vnode *n, uint64_t off, uint64_t len)
{
	uint64_t first = off / PAGE_SIZE, end = (off + len + PAGE_SIZE - 1) / PAGE_SIZE;
	uint64_t have = (n->size + PAGE_SIZE - 1) / PAGE_SIZE;

	if (n->cache.pages < have)
		return end - first;
	return end > have ? end - (first > have ? first : have) : 0;
}

int ramfs_charge(struct vnode *n, uint64_t off, uint64_t len)
{
	const struct vfs_mount *m = n->mnt;

	if (!m || !m->size_limit || !len)
		return 0;
	if ((m->used_pages + new_pages(n, off, len)) * PAGE_SIZE > m->size_limit)
		return -ENOSPC;
	return 0;
}

void ramfs_charged(struct vnode *n, uint64_t pages_before)
{
	if (n->mnt)
		n->mnt->used_pages = n->mnt->used_pages + n->cache.pages - pages_before;
}
