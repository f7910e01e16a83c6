/*
 * The page cache: per file, a radix tree of page-sized nodes, each
 * PAGECACHE_FANOUT slots, its height grown as the largest index needs.
 * A leaf slot holds the page's physical address (page-aligned) with its
 * flags in the low bits; an inner slot the next node's kernel address.
 * Nodes are whole pages from the page allocator; a node emptied by a
 * truncate or a punch goes back at once.
 */
#include <flint/compiler.h>
#include <flint/errno.h>
#include <flint/memory.h>
#include <flint/page_alloc.h>
#include <flint/page_ref.h>
#include <flint/pagecache.h>
#include <flint/string.h>
#include <flint/thread.h>
#include <flint/timer.h>

#define FANOUT_BITS 9
#define PAGECACHE_FANOUT (1u << FANOUT_BITS)
#define SLOT_MASK (PAGECACHE_FANOUT - 1)
#define PC_DIRTY 1ull				/* a leaf slot's flag */
#define PC_PHYS (~(uint64_t)(PAGE_SIZE - 1))
#define MAX_INDEX (PAGECACHE_MAX_SIZE / PAGE_SIZE)

_Static_assert(PAGECACHE_FANOUT * sizeof(uint64_t) == PAGE_SIZE, "a node is a page");

/* The backed caches, for sync, the flusher and shrink. */
static struct mutex list_lock;
static struct pagecache *backed;
static bool flusher_started;
static void (*tick)(void);

/* Totals over every cache, atomic. */
static uint64_t total_pages, total_dirty, total_shmem;

static void count(uint64_t *v, int64_t delta)
{
	__atomic_add_fetch(v, (uint64_t)delta, __ATOMIC_RELAXED);
}

static uint64_t *node_new(void)
{
	uint64_t phys = page_alloc(1);
	uint64_t *n;

	if (!phys)
		return NULL;
	n = phys_to_virt(phys);
	memset(n, 0, PAGE_SIZE);
	return n;
}

static void node_free(uint64_t *n)
{
	page_free(virt_to_phys(n), 1);
}

static uint64_t *child(uint64_t slot)
{
	return (uint64_t *)(uintptr_t)slot;
}

static bool node_empty(const uint64_t *n)
{
	for (unsigned i = 0; i < PAGECACHE_FANOUT; i++)
		if (n[i])
			return false;
	return true;
}

/* Indices below this fit a tree of height h. */
static uint64_t span(unsigned h)
{
	return (uint64_t)1 << (FANOUT_BITS * h);
}

/* The leaf slot for index, or NULL: absent (create false) or out of
 * memory. */
static uint64_t *walk(struct pagecache *c, uint64_t index, bool create)
{
	uint64_t *n;

	if (!c->root) {
		if (!create || !(c->root = node_new()))
			return NULL;
		for (c->height = 1; index >= span(c->height); c->height++)
			;
	}
	while (index >= span(c->height)) {
		uint64_t *top;

		if (!create || !(top = node_new()))
			return NULL;
		top[0] = (uint64_t)(uintptr_t)c->root;
		c->root = top;
		c->height++;
	}
	n = c->root;
	for (unsigned level = c->height; level > 1; level--) {
		uint64_t *s = &n[(index >> (FANOUT_BITS * (level - 1))) & SLOT_MASK];

		if (!*s) {
			uint64_t *k;

			if (!create || !(k = node_new()))
				return NULL;
			*s = (uint64_t)(uintptr_t)k;
		}
		n = child(*s);
	}
	return &n[index & SLOT_MASK];
}

static void mark_dirty(struct pagecache *c, uint64_t *slot)
{
	if (!c->backing || (*slot & PC_DIRTY))
		return;
	*slot |= PC_DIRTY;
	if (!c->dirty++)
		c->dirty_since = clock_ns();
	count(&total_dirty, 1);
}

static void mark_clean(struct pagecache *c, uint64_t *slot)
{
	if (!(*slot & PC_DIRTY))
		return;
	*slot &= ~PC_DIRTY;
	c->dirty--;
	count(&total_dirty, -1);
}

/* The cache lets the page in slot go. */
static void drop(struct pagecache *c, uint64_t *slot)
{
	uint64_t phys = *slot & PC_PHYS;

	mark_clean(c, slot);
	*slot = 0;
	c->pages--;
	count(&total_pages, -1);
	if (!c->backing)
		count(&total_shmem, -1);
	if (page_ref_put(phys))
		page_free(phys, 1);
}

static void enter(struct pagecache *c, uint64_t *slot, uint64_t phys)
{
	*slot = phys;
	c->pages++;
	count(&total_pages, 1);
	if (!c->backing)
		count(&total_shmem, 1);
}

/* What visit does to each present page: 0 goes on, else stops with it. */
typedef int (*visit_fn)(struct pagecache *c, uint64_t index, uint64_t *slot, void *arg);

/* Calls fn for each page of [first, last] under node n (level levels
 * high, its first index base) in index order; nodes left empty go. */
static int visit_node(struct pagecache *c, uint64_t *n, unsigned level, uint64_t base,
		      uint64_t first, uint64_t last, visit_fn fn, void *arg)
{
	uint64_t step = span(level - 1);
	unsigned i = first > base ? (unsigned)((first - base) / step) : 0;
	int r = 0;

	for (; i < PAGECACHE_FANOUT && !r; i++) {
		uint64_t lo = base + i * step;

		if (lo > last)
			break;
		if (!n[i])
			continue;
		if (level == 1) {
			r = fn(c, lo, &n[i], arg);
			continue;
		}
		r = visit_node(c, child(n[i]), level - 1, lo, first, last, fn, arg);
		if (node_empty(child(n[i]))) {
			node_free(child(n[i]));
			n[i] = 0;
		}
	}
	return r;
}

static int visit(struct pagecache *c, uint64_t first, uint64_t last, visit_fn fn, void *arg)
{
	int r;

	if (!c->root || first > last)
		return 0;
	r = visit_node(c, c->root, c->height, 0, first, last, fn, arg);
	if (node_empty(c->root)) {
		node_free(c->root);
		c->root = NULL;
		c->height = 0;
	}
	return r;
}

static int drop_fn(struct pagecache *c, uint64_t index, uint64_t *slot, void *arg)
{
	(void)index;
	(void)arg;
	drop(c, slot);
	return 0;
}

static void start_flusher(void);

void pagecache_init(struct pagecache *c, const struct pagecache_backing *backing)
{
	*c = (struct pagecache){ .backing = backing };
	if (!backing)
		return;
	mutex_lock(&list_lock);
	c->next = backed;
	if (backed)
		backed->prev = c;
	backed = c;
	if (!flusher_started) {
		flusher_started = true;
		start_flusher();
	}
	mutex_unlock(&list_lock);
}

void pagecache_destroy(struct pagecache *c)
{
	if (c->backing) {
		mutex_lock(&list_lock);
		if (c->prev)
			c->prev->next = c->next;
		else
			backed = c->next;
		if (c->next)
			c->next->prev = c->prev;
		mutex_unlock(&list_lock);
	}
	mutex_lock(&c->lock);
	visit(c, 0, MAX_INDEX, drop_fn, NULL);
	mutex_unlock(&c->lock);
}

uint64_t pagecache_size(struct pagecache *c)
{
	return __atomic_load_n(&c->size, __ATOMIC_RELAXED);
}

/* A new page for index: the backing store's bytes, or zeros. */
static int fill(struct pagecache *c, uint64_t index, uint64_t *slot)
{
	uint64_t phys = page_alloc(1);
	int r = 0;

	if (!phys)
		return -ENOMEM;
	if (c->backing && index * PAGE_SIZE < c->size)
		r = c->backing->read_page(c->backing->arg, index, phys_to_virt(phys));
	else
		memset(phys_to_virt(phys), 0, PAGE_SIZE);
	if (r < 0) {
		page_free(phys, 1);
		return r;
	}
	enter(c, slot, phys);
	return 0;
}

/* index's page, read in for a backed file: its slot, NULL for a hole of
 * a memory-only file, or an error in *err. */
static uint64_t *find(struct pagecache *c, uint64_t index, int *err)
{
	uint64_t *slot = walk(c, index, c->backing != NULL);

	*err = 0;
	if (!c->backing)
		return slot && *slot ? slot : NULL;
	if (!slot) {
		*err = -ENOMEM;
		return NULL;
	}
	if (!*slot)
		*err = fill(c, index, slot);
	return *err ? NULL : slot;
}

long pagecache_read(struct pagecache *c, void *buf, size_t n, uint64_t off)
{
	uint8_t *to = buf;
	size_t done = 0;
	int err = 0;

	mutex_lock(&c->lock);
	if (off >= c->size)
		n = 0;
	else if (n > c->size - off)
		n = (size_t)(c->size - off);
	while (done < n) {
		uint64_t pos = off + done, skip = pos % PAGE_SIZE;
		size_t chunk = (size_t)MIN(PAGE_SIZE - skip, n - done);
		uint64_t *slot = find(c, pos / PAGE_SIZE, &err);

		if (err)
			break;
		if (slot)
			memcpy(to + done, (uint8_t *)phys_to_virt(*slot & PC_PHYS) + skip, chunk);
		else
			memset(to + done, 0, chunk);
		done += chunk;
	}
	mutex_unlock(&c->lock);
	return done || !err ? (long)done : err;
}

/* index's page for writing bytes [skip, skip + len) of it: read in first
 * (backed, partly written, inside the file) or zeroed. */
static uint64_t *for_write(struct pagecache *c, uint64_t index, uint64_t skip, uint64_t len,
			   int *err)
{
	uint64_t *slot = walk(c, index, true);

	*err = 0;
	if (!slot) {
		*err = -ENOMEM;
		return NULL;
	}
	if (!*slot) {
		uint64_t phys;

		if (c->backing && !(skip == 0 && len == PAGE_SIZE)) {
			*err = fill(c, index, slot);
			return *err ? NULL : slot;
		}
		phys = page_alloc(1);
		if (!phys) {
			*err = -ENOMEM;
			return NULL;
		}
		memset(phys_to_virt(phys), 0, PAGE_SIZE);
		enter(c, slot, phys);
	}
	return slot;
}

long pagecache_write(struct pagecache *c, const void *buf, size_t n, uint64_t off)
{
	const uint8_t *from = buf;
	size_t done = 0;
	int err = 0;

	if (off > PAGECACHE_MAX_SIZE || n > PAGECACHE_MAX_SIZE - off)
		return -EFBIG;
	mutex_lock(&c->lock);
	while (done < n) {
		uint64_t pos = off + done, skip = pos % PAGE_SIZE;
		size_t chunk = (size_t)MIN(PAGE_SIZE - skip, n - done);
		uint64_t *slot = for_write(c, pos / PAGE_SIZE, skip, chunk, &err);

		if (!slot)
			break;
		memcpy((uint8_t *)phys_to_virt(*slot & PC_PHYS) + skip, from + done, chunk);
		mark_dirty(c, slot);
		done += chunk;
		if (pos + chunk > c->size)
			c->size = pos + chunk;
	}
	mutex_unlock(&c->lock);
	return done || !err ? (long)done : err;
}

/* Zeroes [from, to) of index's page if it is there (within one page). */
static void zero_part(struct pagecache *c, uint64_t index, uint64_t from, uint64_t to)
{
	uint64_t *slot = walk(c, index, false);

	if (!slot || !*slot || from >= to)
		return;
	memset((uint8_t *)phys_to_virt(*slot & PC_PHYS) + from, 0, to - from);
	mark_dirty(c, slot);
}

int pagecache_resize(struct pagecache *c, uint64_t size)
{
	if (size > PAGECACHE_MAX_SIZE)
		return -EFBIG;
	mutex_lock(&c->lock);
	if (size < c->size) {
		if (size % PAGE_SIZE)
			zero_part(c, size / PAGE_SIZE, size % PAGE_SIZE, PAGE_SIZE);
		visit(c, (size + PAGE_SIZE - 1) / PAGE_SIZE, MAX_INDEX, drop_fn, NULL);
	}
	c->size = size;
	mutex_unlock(&c->lock);
	return 0;
}

void pagecache_punch(struct pagecache *c, uint64_t off, uint64_t len)
{
	uint64_t end = off + len < off || off + len > PAGECACHE_MAX_SIZE ? PAGECACHE_MAX_SIZE :
		       off + len;
	uint64_t first = (off + PAGE_SIZE - 1) / PAGE_SIZE, last = end / PAGE_SIZE;

	if (off >= end)
		return;
	mutex_lock(&c->lock);
	if (first > last) {
		zero_part(c, off / PAGE_SIZE, off % PAGE_SIZE, end % PAGE_SIZE);
	} else {
		if (off % PAGE_SIZE)
			zero_part(c, off / PAGE_SIZE, off % PAGE_SIZE, PAGE_SIZE);
		if (end % PAGE_SIZE)
			zero_part(c, last, 0, end % PAGE_SIZE);
		if (first < last)
			visit(c, first, last - 1, drop_fn, NULL);
	}
	mutex_unlock(&c->lock);
}

int pagecache_allocate(struct pagecache *c, uint64_t off, uint64_t len, bool keep_size)
{
	uint64_t end = off + len;
	int err = 0;

	if (end < off || end > PAGECACHE_MAX_SIZE)
		return -EFBIG;
	mutex_lock(&c->lock);
	for (uint64_t index = off / PAGE_SIZE; index * PAGE_SIZE < end && !err; index++) {
		uint64_t *slot = walk(c, index, true);

		if (!slot)
			err = -ENOMEM;
		else if (!*slot)
			err = fill(c, index, slot);
	}
	if (!err && !keep_size && end > c->size)
		c->size = end;
	mutex_unlock(&c->lock);
	return err;
}

int pagecache_map_page(struct pagecache *c, uint64_t index, uint64_t *phys)
{
	uint64_t *slot;
	int r = 0;

	mutex_lock(&c->lock);
	if (index >= (c->size + PAGE_SIZE - 1) / PAGE_SIZE) {
		r = -ENXIO;
	} else {
		slot = walk(c, index, true);
		if (!slot)
			r = -ENOMEM;
		else if (!*slot)
			r = fill(c, index, slot);
		if (r == 0) {
			*phys = *slot & PC_PHYS;
			r = page_ref_get(*phys);
		}
	}
	mutex_unlock(&c->lock);
	return r;
}

bool pagecache_holds(struct pagecache *c, uint64_t index, uint64_t phys)
{
	const uint64_t *slot;
	bool r;

	mutex_lock(&c->lock);
	slot = walk(c, index, false);
	r = slot && *slot && (*slot & PC_PHYS) == phys;
	mutex_unlock(&c->lock);
	return r;
}

void pagecache_set_dirty(struct pagecache *c, uint64_t index)
{
	uint64_t *slot;

	mutex_lock(&c->lock);
	slot = walk(c, index, false);
	if (slot && *slot)
		mark_dirty(c, slot);
	mutex_unlock(&c->lock);
}

int pagecache_adopt(struct pagecache *c, uint64_t index, uint64_t phys, uint64_t npages)
{
	int r = 0;

	mutex_lock(&c->lock);
	while (npages && !r) {
		/* One walk a leaf: its slots lie side by side. */
		uint64_t *slot = walk(c, index, true);
		uint64_t n = MIN(npages, PAGECACHE_FANOUT - (index & SLOT_MASK));

		if (!slot) {
			r = -ENOMEM;
			break;
		}
		for (uint64_t i = 0; i < n; i++) {
			if (slot[i])
				drop(c, &slot[i]);
			slot[i] = phys + i * PAGE_SIZE;
		}
		c->pages += n;
		count(&total_pages, (int64_t)n);
		if (!c->backing)
			count(&total_shmem, (int64_t)n);
		index += n;
		phys += n * PAGE_SIZE;
		npages -= n;
	}
	mutex_unlock(&c->lock);
	return r;
}

static int write_fn(struct pagecache *c, uint64_t index, uint64_t *slot, void *arg)
{
	int *first_err = arg, r;
	uint64_t pos = index * PAGE_SIZE;

	if (!(*slot & PC_DIRTY))
		return 0;
	if (pos < c->size) {
		r = c->backing->write_page(c->backing->arg, index,
					   phys_to_virt(*slot & PC_PHYS),
					   (size_t)MIN((uint64_t)PAGE_SIZE, c->size - pos));
		if (r < 0) {
			if (!*first_err)
				*first_err = r;
			return 0;
		}
	}
	mark_clean(c, slot);
	return 0;
}

int pagecache_writeback(struct pagecache *c, uint64_t from, uint64_t to)
{
	int err = 0;

	if (!c->backing || to <= from)
		return 0;
	mutex_lock(&c->lock);
	if (c->dirty)
		visit(c, from / PAGE_SIZE, (to - 1) / PAGE_SIZE, write_fn, &err);
	if (c->dirty)
		c->dirty_since = clock_ns();
	mutex_unlock(&c->lock);
	return err;
}

int pagecache_sync_all(void)
{
	int err = 0;

	mutex_lock(&list_lock);
	for (struct pagecache *c = backed; c; c = c->next) {
		int r = pagecache_writeback(c, 0, PAGECACHE_MAX_SIZE);

		if (r && !err)
			err = r;
	}
	mutex_unlock(&list_lock);
	return err;
}

struct shrink {
	uint64_t want, freed;
};

static int shrink_fn(struct pagecache *c, uint64_t index, uint64_t *slot, void *arg)
{
	struct shrink *s = arg;

	(void)index;
	if (!(*slot & PC_DIRTY) && page_ref_count(*slot & PC_PHYS) == 1) {
		drop(c, slot);
		s->freed++;
	}
	return s->freed >= s->want;
}

uint64_t pagecache_shrink(uint64_t npages)
{
	struct shrink s = { .want = npages };

	mutex_lock(&list_lock);
	for (struct pagecache *c = backed; c && s.freed < npages; c = c->next) {
		mutex_lock(&c->lock);
		visit(c, 0, MAX_INDEX, shrink_fn, &s);
		mutex_unlock(&c->lock);
	}
	mutex_unlock(&list_lock);
	return s.freed;
}

void pagecache_stats(struct pagecache_stats *st)
{
	st->cached = __atomic_load_n(&total_pages, __ATOMIC_RELAXED);
	st->dirty = __atomic_load_n(&total_dirty, __ATOMIC_RELAXED);
	st->shmem = __atomic_load_n(&total_shmem, __ATOMIC_RELAXED);
}

/* Every period, the backed files dirty for longer than the age. */
static void flusher(void *arg)
{
	(void)arg;
	for (;;) {
		uint64_t now;

		sleep_ns(PAGECACHE_FLUSH_PERIOD_NS);
		now = clock_ns();
		mutex_lock(&list_lock);
		for (struct pagecache *c = backed; c; c = c->next)
			if (c->dirty && now - c->dirty_since >= PAGECACHE_FLUSH_AGE_NS)
				pagecache_writeback(c, 0, PAGECACHE_MAX_SIZE);
		mutex_unlock(&list_lock);
		if (tick)
			tick();
	}
}

void pagecache_set_tick(void (*fn)(void))
{
	tick = fn;
}

static void start_flusher(void)
{
	struct thread *t = thread_create(flusher, NULL, THREAD_ANY_CPU);

	if (t)
		thread_detach(t);
}
