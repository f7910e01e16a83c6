/*
 * Sampling profiler: a self-rearming timer on the boot CPU records the
 * program counter its interrupt stopped (arch_irq_pc). Samples go to a
 * buffer taken from the heap only when profiling is on; at the end they
 * are grouped by kernel symbol.
 */
#include <flint/arch.h>
#include <flint/heap.h>
#include <flint/ksyms.h>
#include <flint/param.h>
#include <flint/printk.h>
#include <flint/profile.h>
#include <flint/timer.h>

#define PROFILE_PERIOD_NS 100000ull	/* 10 kHz: fine enough for a 1 s run */
#define MAX_SAMPLES (1u << 18)		/* 26 s at 10 kHz; then counted, not kept */
#define TOP 40
#define HASH_SLOTS 1024			/* distinct functions seen; more share "(other)" */

static bool enabled;
KERNEL_FLAG("profile", enabled);

static uint64_t *samples;
static unsigned nsamples, nuser, nlost;
static struct timer tick;

static void sample(void *arg)
{
	bool user;
	uint64_t pc = arch_irq_pc(&user);

	(void)arg;
	if (user)
		nuser++;
	else if (nsamples < MAX_SAMPLES)
		samples[nsamples++] = pc;
	else
		nlost++;
	timer_add(&tick, clock_ns() + PROFILE_PERIOD_NS);
}

void profile_start(void)
{
	if (!enabled)
		return;
	samples = kmalloc(MAX_SAMPLES * sizeof(*samples));
	if (!samples) {
		printk("profile: no memory for the sample buffer; not profiling\n");
		enabled = false;
		return;
	}
	tick.fn = sample;
	timer_add(&tick, clock_ns() + PROFILE_PERIOD_NS);
}

struct bucket {
	const char *name;		/* ksym_lookup's pointer: one per symbol */
	unsigned count;
};

static unsigned slot_of(struct bucket *b, const char *name)
{
	unsigned h = (unsigned)(((uintptr_t)name >> 3) % HASH_SLOTS);

	for (unsigned probe = 0; probe < HASH_SLOTS; probe++, h = (h + 1) % HASH_SLOTS)
		if (!b[h].name || b[h].name == name)
			return h;
	return HASH_SLOTS;
}

void profile_show(void)
{
	struct bucket *b;
	unsigned total, other = 0;

	if (!enabled)
		return;
	timer_cancel(&tick);
	total = nsamples + nuser + nlost;
	b = kzalloc(HASH_SLOTS * sizeof(*b));
	if (!b || !total) {
		printk("profile: %u samples, none shown\n", total);
		kfree(b);
		return;
	}
	for (unsigned i = 0; i < nsamples; i++) {
		uint64_t off;
		const char *name = ksym_lookup(samples[i], &off);
		unsigned s = slot_of(b, name ? name : "(unknown)");

		if (s == HASH_SLOTS) {
			other++;
			continue;
		}
		b[s].name = name ? name : "(unknown)";
		b[s].count++;
	}
	printk("profile: %u samples every %llu us: %u user, %u kernel, %u not kept\n", total,
	       PROFILE_PERIOD_NS / 1000, nuser, nsamples, nlost);
	for (int shown = 0; shown < TOP; shown++) {
		struct bucket *best = NULL;

		for (unsigned i = 0; i < HASH_SLOTS; i++)
			if (b[i].count && (!best || b[i].count > best->count))
				best = &b[i];
		if (!best)
			break;
		printk("profile: %3u.%u%% %s\n", best->count * 100 / total,
		       best->count * 1000 / total % 10, best->name);
		best->count = 0;
	}
	if (other)
		printk("profile: %u samples in functions past the table\n", other);
	kfree(b);
}
