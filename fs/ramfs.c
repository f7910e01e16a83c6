/* The ramfs: nodes and their names (directory entries, one per hard link)
 * on the kernel heap, a regular file's data in its page cache (memory
 * only: those pages are the data), a symlink's target in a heap block. */
#include <flint/errno.h>
#include <flint/heap.h>
#include <flint/memory.h>
#include <flint/string.h>
#include <flint/vfs.h>

#include "fs.h"

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

struct ramfs_entry *ramfs_find(const struct vnode *dir, const char *name, size_t len)
{
	for (struct ramfs_entry *e = dir->entries; e; e = e->next) {
		int r = name_cmp(e, name, len);

		if (r == 0)
			return e;
		if (r > 0)
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

int ramfs_link(struct vnode *dir, struct vnode *n, const char *name, size_t len)
{
	struct ramfs_entry *e = kmalloc(sizeof(*e) + len + 1), *was, **pp;

	if (!e)
		return -ENOMEM;
	*e = (struct ramfs_entry){ .node = n, .dir = dir };
	memcpy(e->name, name, len);
	e->name[len] = '\0';
	pp = &dir->entries;
	while (*pp && name_cmp(*pp, name, len) < 0)
		pp = &(*pp)->next;
	was = *pp && name_cmp(*pp, name, len) == 0 ? *pp : NULL;
	e->next = was ? was->next : *pp;
	*pp = e;
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
	struct ramfs_entry **pp = &e->dir->entries;

	while (*pp != e)
		pp = &(*pp)->next;
	*pp = e->next;
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
