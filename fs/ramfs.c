/* The ramfs: nodes on the kernel heap, file data in one heap block per
 * node that grows by doubling (large blocks are whole pages). */
#include <flint/errno.h>
#include <flint/heap.h>
#include <flint/string.h>
#include <flint/vfs.h>

#define RAMFS_MIN_CAP 64
#define RAMFS_MAX_SIZE ((uint64_t)1 << 40)	/* far past any RAM */

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

/* <0, 0, >0 as a's name sorts before, with or after name[0..len). */
static int name_cmp(const struct vnode *a, const char *name, size_t len)
{
	int c = strncmp(a->name, name, len);

	if (c)
		return c;
	return a->name[len] ? 1 : 0;
}

struct vnode *ramfs_find(const struct vnode *dir, const char *name, size_t len)
{
	for (struct vnode *c = dir->children; c; c = c->next) {
		int r = name_cmp(c, name, len);

		if (r == 0)
			return c;
		if (r > 0)
			break;
	}
	return NULL;
}

void ramfs_link(struct vnode *dir, struct vnode *n, const char *name, size_t len)
{
	struct vnode **pp = &dir->children;

	memcpy(n->name, name, len);
	n->name[len] = '\0';
	while (*pp && name_cmp(*pp, name, len) < 0)
		pp = &(*pp)->next;
	n->next = *pp;
	*pp = n;
	n->parent = dir;
}

void ramfs_put(struct vnode *n)
{
	if (n->parent || n->opens)
		return;
	kfree(n->data);
	kfree(n);
}

void ramfs_unlink(struct vnode *n)
{
	struct vnode **pp = &n->parent->children;

	while (*pp != n)
		pp = &(*pp)->next;
	*pp = n->next;
	n->next = NULL;
	n->parent = NULL;
	ramfs_put(n);
}

int ramfs_resize(struct vnode *n, uint64_t size)
{
	if (size > RAMFS_MAX_SIZE)
		return -EFBIG;
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
		kfree(n->data);
		n->data = data;
		n->cap = cap;
	}
	if (size > n->size)
		memset(n->data + n->size, 0, size - n->size);
	n->size = size;
	return 0;
}
