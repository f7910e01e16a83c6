/*
 * A host stand-in for the page-table half of <flint/uspace.h> and for the
 * sleeping mutex, for code such as linux/mm.c: each address space is a
 * sorted array of (va, phys, prot). It checks its callers' side of the
 * contract and aborts on a breach (the harness reports the case):
 * unaligned or out-of-range addresses, bad prot bits, a mutex taken twice,
 * pages still mapped at uspace_destroy, and a page mapped again before the
 * flush that follows its unmapping (it was freed too early). It also
 * tells the tests whether an address space has translations removed or
 * reduced since its last flush (fake_stale).
 */
#include <flint/errno.h>
#include <flint/memory.h>
#include <flint/sync.h>
#include <flint/uspace.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pte {
	uint64_t va, phys;
	unsigned prot;
};

struct uspace {
	struct pte *pte;	/* sorted by va */
	size_t n, cap;
	uint64_t *unflushed;	/* unmapped since the last flush */
	size_t nunflushed, capunflushed;
	bool reduced;		/* a translation replaced or lost rights since */
};

/* For the tests: uspace_flush calls, address spaces alive, and how many
 * more uspace_map calls succeed before one fails (-1: all). */
unsigned fake_flushes;
unsigned fake_uspaces;
long fake_map_budget = -1;

__attribute__((noreturn, format(printf, 1, 2)))
static void bug(const char *fmt, ...)
{
	va_list ap;

	fputs("uspace_fake: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

static void *grow(void *p, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return p;
	*cap = *cap ? *cap * 2 : 64;
	p = realloc(p, *cap * size);
	if (!p)
		bug("out of host memory");
	return p;
}

/* The index of va's entry, or where it would go. */
static size_t slot(const struct uspace *us, uint64_t va)
{
	size_t lo = 0, hi = us->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (us->pte[mid].va < va)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct pte *find(const struct uspace *us, uint64_t va)
{
	size_t i = slot(us, va);

	return i < us->n && us->pte[i].va == va ? &us->pte[i] : NULL;
}

static void check_va(uint64_t va)
{
	if (va % PAGE_SIZE || va >= USER_TOP)
		bug("bad user address %#llx", (unsigned long long)va);
}

struct uspace *uspace_create(void)
{
	struct uspace *us = calloc(1, sizeof(*us));

	if (!us)
		bug("out of host memory");
	fake_uspaces++;
	return us;
}

void uspace_destroy(struct uspace *us)
{
	if (us->n)
		bug("uspace_destroy with %zu pages still mapped (first %#llx)", us->n,
		    (unsigned long long)us->pte[0].va);
	fake_uspaces--;
	free(us->pte);
	free(us->unflushed);
	free(us);
}

int uspace_map(struct uspace *us, uint64_t va, uint64_t phys, unsigned prot)
{
	struct pte *e;
	size_t i;

	check_va(va);
	if (!phys || phys % PAGE_SIZE || prot & ~(UPROT_R | UPROT_W | UPROT_X))
		bug("uspace_map(%#llx, %#llx, %#x)", (unsigned long long)va,
		    (unsigned long long)phys, prot);
	for (i = 0; i < us->nunflushed; i++)
		if (us->unflushed[i] == phys)
			bug("page %#llx mapped again before the TLB flush", (unsigned long long)phys);
	if (fake_map_budget == 0)
		return -ENOMEM;
	if (fake_map_budget > 0)
		fake_map_budget--;
	e = find(us, va);
	if (e && (e->phys != phys || e->prot & ~prot))
		us->reduced = true;
	if (!e) {
		us->pte = grow(us->pte, &us->cap, us->n, sizeof(*us->pte));
		i = slot(us, va);
		memmove(&us->pte[i + 1], &us->pte[i], (us->n - i) * sizeof(*us->pte));
		us->n++;
		e = &us->pte[i];
	}
	*e = (struct pte){ va, phys, prot };
	return 0;
}

uint64_t uspace_unmap(struct uspace *us, uint64_t va)
{
	struct pte *e;
	uint64_t phys;
	size_t i;

	check_va(va);
	e = find(us, va);
	if (!e)
		return 0;
	phys = e->phys;
	i = (size_t)(e - us->pte);
	memmove(&us->pte[i], &us->pte[i + 1], (us->n - i - 1) * sizeof(*us->pte));
	us->n--;
	us->unflushed = grow(us->unflushed, &us->capunflushed, us->nunflushed,
			     sizeof(*us->unflushed));
	us->unflushed[us->nunflushed++] = phys;
	return phys;
}

uint64_t uspace_protect(struct uspace *us, uint64_t va, unsigned prot)
{
	struct pte *e;

	check_va(va);
	if (prot & ~(UPROT_R | UPROT_W | UPROT_X))
		bug("uspace_protect(%#llx, %#x)", (unsigned long long)va, prot);
	e = find(us, va);
	if (!e)
		return 0;
	if (e->prot & ~prot)
		us->reduced = true;
	e->prot = prot;
	return e->phys;
}

uint64_t uspace_lookup(struct uspace *us, uint64_t va, unsigned *prot)
{
	struct pte *e;

	check_va(va);
	e = find(us, va);
	if (!e)
		return 0;
	if (prot)
		*prot = e->prot;
	return e->phys;
}

uint64_t uspace_next_mapped(struct uspace *us, uint64_t va, uint64_t end)
{
	size_t i = slot(us, va);

	return i < us->n && us->pte[i].va < end ? us->pte[i].va : end;
}

void uspace_flush(struct uspace *us)
{
	us->nunflushed = 0;
	us->reduced = false;
	fake_flushes++;
}

/* Whether a CPU could still hold a translation us no longer allows. */
bool fake_stale(const struct uspace *us)
{
	return us->nunflushed || us->reduced;
}

/* One thread: a mutex can only be taken when free. */
void mutex_lock(struct mutex *m)
{
	if (m->owner)
		bug("mutex %p taken twice", (void *)m);
	m->owner = (struct thread *)m;
}

void mutex_unlock(struct mutex *m)
{
	if (!m->owner)
		bug("mutex %p released while free", (void *)m);
	m->owner = NULL;
}
