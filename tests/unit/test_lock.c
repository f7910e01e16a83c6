/* fs/lock_range.c: byte-range locks split, merge and conflict as POSIX
 * record locks do (man 2 fcntl, "Advisory record locking"). */
#include <stdlib.h>

#include <flint/errno.h>

#include "../../fs/lock_range.h"

#include "check.h"

static const int node_a, node_b;
static const int owner1, owner2;

static struct lock_range req(const void *owner, int type, uint64_t start, uint64_t end)
{
	struct lock_range r = {
		.node = &node_a, .owner = owner, .pid = owner == &owner1 ? 1 : 2,
		.type = (uint8_t)type, .family = LOCK_FAMILY_RECORD, .start = start, .end = end,
	};
	return r;
}

static unsigned count(const struct lock_table *t, const void *owner)
{
	unsigned n = 0;

	for (unsigned i = 0; i < LOCK_TABLE_MAX; i++)
		n += t->r[i].type != LOCK_UNLOCK && t->r[i].owner == owner;
	return n;
}

/* The owner's lock covering byte b, or NULL. */
static const struct lock_range *at(const struct lock_table *t, const void *owner, uint64_t b)
{
	for (unsigned i = 0; i < LOCK_TABLE_MAX; i++) {
		const struct lock_range *r = &t->r[i];

		if (r->type != LOCK_UNLOCK && r->owner == owner && r->start <= b && b <= r->end)
			return r;
	}
	return NULL;
}

static struct lock_table *fresh(void)
{
	return calloc(1, sizeof(struct lock_table));
}

TEST(conflicts_between_owners_only)
{
	struct lock_table *t = fresh();
	struct lock_range w = req(&owner1, LOCK_WRITE, 10, 19);
	struct lock_range probe;

	CHECK_EQ(lock_apply(t, &w), 0);
	probe = req(&owner1, LOCK_WRITE, 0, LOCK_EOF);
	CHECK(lock_conflict(t, &probe) == NULL);
	probe = req(&owner2, LOCK_READ, 19, 30);
	CHECK(lock_conflict(t, &probe) != NULL);
	CHECK_EQ(lock_conflict(t, &probe)->pid, 1);
	probe = req(&owner2, LOCK_WRITE, 20, 30);
	CHECK(lock_conflict(t, &probe) == NULL);
	probe = req(&owner2, LOCK_WRITE, 0, 9);
	CHECK(lock_conflict(t, &probe) == NULL);
	probe = req(&owner2, LOCK_WRITE, 0, LOCK_EOF);
	probe.node = &node_b;
	CHECK(lock_conflict(t, &probe) == NULL);
	probe = req(&owner2, LOCK_WRITE, 0, LOCK_EOF);
	probe.family = LOCK_FAMILY_FLOCK;
	CHECK(lock_conflict(t, &probe) == NULL);
	free(t);
}

TEST(readers_share)
{
	struct lock_table *t = fresh();
	struct lock_range r1 = req(&owner1, LOCK_READ, 0, LOCK_EOF);
	struct lock_range r2 = req(&owner2, LOCK_READ, 5, 5);

	CHECK_EQ(lock_apply(t, &r1), 0);
	CHECK(lock_conflict(t, &r2) == NULL);
	r2.type = LOCK_WRITE;
	CHECK(lock_conflict(t, &r2) == &t->r[0]);
	free(t);
}

TEST(unlock_in_the_middle_splits)
{
	struct lock_table *t = fresh();
	struct lock_range w = req(&owner1, LOCK_WRITE, 0, 99);
	struct lock_range u = req(&owner1, LOCK_UNLOCK, 40, 59);

	CHECK_EQ(lock_apply(t, &w), 0);
	CHECK_EQ(lock_apply(t, &u), 0);
	CHECK_EQ(count(t, &owner1), 2);
	CHECK(at(t, &owner1, 39) && at(t, &owner1, 39)->start == 0 && at(t, &owner1, 39)->end == 39);
	CHECK(at(t, &owner1, 40) == NULL && at(t, &owner1, 59) == NULL);
	CHECK(at(t, &owner1, 60) && at(t, &owner1, 60)->end == 99);
	free(t);
}

TEST(type_change_inside_a_lock)
{
	struct lock_table *t = fresh();
	struct lock_range w = req(&owner1, LOCK_WRITE, 0, LOCK_EOF);
	struct lock_range r = req(&owner1, LOCK_READ, 10, 19);

	CHECK_EQ(lock_apply(t, &w), 0);
	CHECK_EQ(lock_apply(t, &r), 0);
	CHECK_EQ(count(t, &owner1), 3);
	CHECK_EQ(at(t, &owner1, 9)->type, LOCK_WRITE);
	CHECK_EQ(at(t, &owner1, 15)->type, LOCK_READ);
	CHECK_EQ(at(t, &owner1, 20)->type, LOCK_WRITE);
	CHECK_EQ(at(t, &owner1, 20)->end, LOCK_EOF);
	free(t);
}

TEST(adjacent_same_type_merge)
{
	struct lock_table *t = fresh();
	struct lock_range a = req(&owner1, LOCK_READ, 0, 9);
	struct lock_range b = req(&owner1, LOCK_READ, 10, 19);
	struct lock_range c = req(&owner1, LOCK_READ, 5, 40);

	CHECK_EQ(lock_apply(t, &a), 0);
	CHECK_EQ(lock_apply(t, &b), 0);
	CHECK_EQ(count(t, &owner1), 1);
	CHECK_EQ(at(t, &owner1, 0)->end, 19);
	CHECK_EQ(lock_apply(t, &c), 0);
	CHECK_EQ(count(t, &owner1), 1);
	CHECK_EQ(at(t, &owner1, 0)->end, 40);
	free(t);
}

TEST(unlock_to_eof_and_remove_owner)
{
	struct lock_table *t = fresh();
	struct lock_range a = req(&owner1, LOCK_WRITE, 100, LOCK_EOF);
	struct lock_range b = req(&owner2, LOCK_WRITE, 0, 9);
	struct lock_range u = req(&owner1, LOCK_UNLOCK, 200, LOCK_EOF);

	CHECK_EQ(lock_apply(t, &a), 0);
	CHECK_EQ(lock_apply(t, &b), 0);
	CHECK_EQ(lock_apply(t, &u), 0);
	CHECK_EQ(at(t, &owner1, 100)->end, 199);
	CHECK(at(t, &owner1, 200) == NULL);
	CHECK_EQ(lock_remove_owner(t, &node_b, &owner1, LOCK_FAMILY_RECORD), 0);
	CHECK_EQ(lock_remove_owner(t, &node_a, &owner1, LOCK_FAMILY_RECORD), 1);
	CHECK_EQ(count(t, &owner1), 0);
	CHECK_EQ(count(t, &owner2), 1);
	free(t);
}

TEST(full_table_is_enolck)
{
	struct lock_table *t = fresh();
	unsigned i;
	int r = 0;

	for (i = 0; i < LOCK_TABLE_MAX && r == 0; i++) {
		struct lock_range l = req(&owner1, LOCK_WRITE, 2 * i, 2 * i);

		r = lock_apply(t, &l);
	}
	CHECK_EQ(r, -ENOLCK);
	CHECK_EQ(count(t, &owner1), LOCK_TABLE_MAX - 1);
	free(t);
}

int main(void)
{
	return check_run();
}
