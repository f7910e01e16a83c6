/* Byte-range lock tables (fs/lock_range.h). */
#include <stddef.h>

#include <flint/errno.h>

#include "lock_range.h"

static bool overlaps(const struct lock_range *a, const struct lock_range *b)
{
	return a->start <= b->end && b->start <= a->end;
}

/* Overlapping, or adjacent with no byte between. */
static bool touches(const struct lock_range *a, const struct lock_range *b)
{
	return (a->end == LOCK_EOF || a->end + 1 >= b->start) &&
	       (b->end == LOCK_EOF || b->end + 1 >= a->start);
}

static bool same_owner(const struct lock_range *a, const struct lock_range *b)
{
	return a->type != LOCK_UNLOCK && a->node == b->node && a->owner == b->owner &&
	       a->family == b->family;
}

const struct lock_range *lock_conflict(const struct lock_table *t, const struct lock_range *want)
{
	for (unsigned i = 0; i < LOCK_TABLE_MAX; i++) {
		const struct lock_range *r = &t->r[i];

		if (r->type == LOCK_UNLOCK || r->node != want->node || r->owner == want->owner ||
		    r->family != want->family || !overlaps(r, want))
			continue;
		if (r->type == LOCK_WRITE || want->type == LOCK_WRITE)
			return r;
	}
	return NULL;
}

static unsigned free_slots(const struct lock_table *t)
{
	unsigned n = 0;

	for (unsigned i = 0; i < LOCK_TABLE_MAX; i++)
		n += t->r[i].type == LOCK_UNLOCK;
	return n;
}

static struct lock_range *slot(struct lock_table *t)
{
	for (unsigned i = 0; i < LOCK_TABLE_MAX; i++)
		if (t->r[i].type == LOCK_UNLOCK)
			return &t->r[i];
	return NULL;
}

int lock_apply(struct lock_table *t, const struct lock_range *req)
{
	struct lock_range want = *req;

	/* At most one lock splits in two, and one more is added. */
	if (free_slots(t) < 2)
		return -ENOLCK;
	if (want.type != LOCK_UNLOCK) {
		for (unsigned i = 0; i < LOCK_TABLE_MAX; i++) {
			struct lock_range *r = &t->r[i];

			if (!same_owner(r, &want) || r->type != want.type || !touches(r, &want))
				continue;
			want.start = r->start < want.start ? r->start : want.start;
			want.end = r->end > want.end ? r->end : want.end;
			r->type = LOCK_UNLOCK;
		}
	}
	for (unsigned i = 0; i < LOCK_TABLE_MAX; i++) {
		struct lock_range *r = &t->r[i];

		if (!same_owner(r, &want) || !overlaps(r, &want))
			continue;
		if (r->start >= want.start && r->end <= want.end) {
			r->type = LOCK_UNLOCK;
		} else if (r->start < want.start && r->end > want.end) {
			struct lock_range *right = slot(t);

			*right = *r;
			right->start = want.end + 1;
			r->end = want.start - 1;
		} else if (r->start < want.start) {
			r->end = want.start - 1;
		} else {
			r->start = want.end + 1;
		}
	}
	if (want.type != LOCK_UNLOCK)
		*slot(t) = want;
	return 0;
}

unsigned lock_remove_owner(struct lock_table *t, const void *node, const void *owner, int family)
{
	unsigned n = 0;

	for (unsigned i = 0; i < LOCK_TABLE_MAX; i++) {
		struct lock_range *r = &t->r[i];

		if (r->type != LOCK_UNLOCK && r->owner == owner && r->family == family &&
		    (!node || r->node == node)) {
			r->type = LOCK_UNLOCK;
			n++;
		}
	}
	return n;
}
