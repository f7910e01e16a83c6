/* The ramfs: nodes and their names (directory entries, one per hard link)
 * on the kernel heap, file data in one heap block per node that grows by
 * doubling (large blocks are whole pages). */
#include <flint/errno.h>
#include <flint/heap.h>
#include <flint/string.h>
#include <flint/vfs.h>

#include "fs.h"

#define RAMFS_MIN_CAP 64
#define RAMFS_MAX_SIZE ((uint64_t)1 << 40)	/* far past any RAM */
#define RAMFS_PAGE 4096				/* the unit of a mount's size= */

static uint64_t last_ino;

struct vnode *ramfs_new(uint32_t mode)
{
	struct vnode *n = kzalloc(sizeof(*n));

	if (n) {
		n->mode = mode;
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

/* A file's pages, as a mount's size= counts them. */
static uint64_t pages_of(uint64_t size)
{
	return (size + RAMFS_PAGE - 1) / RAMFS_PAGE;
}

void ramfs_put(struct vnode *n)
{
	if (n->names || n->opens)
		return;
	if (n->mnt && n->mnt->type->ops)
		n->mnt->type->ops->evict(n);
	else if (n->mnt)
		n->mnt->used_pages -= pages_of(n->size);
	if (!n->borrowed)
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
	struct vfs_mount *m = n->mnt;

	if (size > RAMFS_MAX_SIZE)
		return -EFBIG;
	if (m && m->size_limit && pages_of(size) > pages_of(n->size) &&
	    (m->used_pages + pages_of(size) - pages_of(n->size)) * RAMFS_PAGE > m->size_limit)
		return -ENOSPC;
	if (size > n->cap) {
		size_t cap = n->cap ? n->cap : RAMFS_MIN_CAP;
		unsigned char *data;

		while (cap < size)
			cap *= 2;
		data = kmalloc(cap);
		if (!data)
			return -ENOMEM;
		if (n->size)
			memcpy(data, n->data, n->size);
		if (!n->borrowed)
			kfree(n->data);
		n->data = data;
		n->cap = cap;
		n->borrowed = false;
	}
	if (size > n->size)
		memset(n->data + n->size, 0, size - n->size);
	if (m)
		m->used_pages = m->used_pages + pages_of(size) - pages_of(n->size);
	n->size = size;
	return 0;
}
