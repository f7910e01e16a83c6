/* /proc: cpuinfo and meminfo generated at each open, and /proc/self/exe.
 * There is one "self" for the whole system: the program run last. */
#include <flint/arch.h>
#include <flint/errno.h>
#include <flint/format.h>
#include <flint/memory.h>
#include <flint/page_alloc.h>
#include <flint/sched.h>
#include <flint/vfs.h>

#define PROC_DIR_PERM 0555
#define PROC_FILE_PERM 0444
#define KHZ_PER_MHZ 1000
#define BYTES_PER_KB 1024

/* The most pages the allocator has had free since /proc was made:
 * MemTotal (the RAM left once the kernel image, the initrd and the boot's
 * allocations are out). */
static uint64_t total_pages;

/* Formats into a generated file's buffer, counting what does not fit. */
struct gen_out {
	char *buf;
	size_t size, len;
};

static void gen_sink(char c, void *arg)
{
	struct gen_out *o = arg;

	if (o->len < o->size)
		o->buf[o->len] = c;
	o->len++;
}

__printf(2, 3) static void gen_printf(struct gen_out *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vformat(gen_sink, o, fmt, ap);
	va_end(ap);
}

static size_t gen_cpuinfo(char *buf, size_t size)
{
	struct gen_out o = { buf, size, 0 };
	struct arch_cpuinfo ci;
	uint64_t khz = arch_cycles_khz();

	arch_cpuinfo(&ci);
	for (unsigned cpu = 0; cpu < sched_cpus(); cpu++) {
		gen_printf(&o, "processor\t: %u\n", cpu);
		gen_printf(&o, "vendor_id\t: %s\n", ci.vendor);
		gen_printf(&o, "cpu family\t: %u\n", ci.family);
		gen_printf(&o, "model\t\t: %u\n", ci.model);
		gen_printf(&o, "model name\t: %s\n", ci.model_name);
		gen_printf(&o, "stepping\t: %u\n", ci.stepping);
		gen_printf(&o, "cpu MHz\t\t: %llu.%03llu\n",
			   (unsigned long long)(khz / KHZ_PER_MHZ),
			   (unsigned long long)(khz % KHZ_PER_MHZ));
		gen_printf(&o, "flags\t\t:");
		for (unsigned i = 0; i < ci.nflags; i++)
			gen_printf(&o, " %s", ci.flags[i]);
		gen_printf(&o, "\n\n");
	}
	return o.len;
}

static void meminfo_line(struct gen_out *o, const char *name, uint64_t pages)
{
	gen_printf(o, "%-16s%8llu kB\n", name,
		   (unsigned long long)(pages * (PAGE_SIZE / BYTES_PER_KB)));
}

/* No page cache, no swap: what is free is available. */
static size_t gen_meminfo(char *buf, size_t size)
{
	struct gen_out o = { buf, size, 0 };
	uint64_t free = page_free_count();
	uint64_t total = __atomic_load_n(&total_pages, __ATOMIC_RELAXED);

	while (free > total &&
	       !__atomic_compare_exchange_n(&total_pages, &total, free, false, __ATOMIC_RELAXED,
					    __ATOMIC_RELAXED))
		;
	if (free > total)
		total = free;
	meminfo_line(&o, "MemTotal:", total);
	meminfo_line(&o, "MemFree:", free);
	meminfo_line(&o, "MemAvailable:", free);
	meminfo_line(&o, "Buffers:", 0);
	meminfo_line(&o, "Cached:", 0);
	meminfo_line(&o, "SwapTotal:", 0);
	meminfo_line(&o, "SwapFree:", 0);
	return o.len;
}

int proc_populate(void)
{
	int r;

	total_pages = page_free_count();
	r = vfs_mkdir(NULL, "/proc", PROC_DIR_PERM);
	if (r == 0)
		r = vfs_mkgen(NULL, "/proc/cpuinfo", PROC_FILE_PERM, gen_cpuinfo);
	if (r == 0)
		r = vfs_mkgen(NULL, "/proc/meminfo", PROC_FILE_PERM, gen_meminfo);
	if (r == 0)
		r = vfs_mkdir(NULL, "/proc/self", PROC_DIR_PERM);
	return r;
}

int proc_set_exe(const char *path)
{
	int r = vfs_unlink(NULL, "/proc/self/exe");

	if (r < 0 && r != -ENOENT)
		return r;
	return vfs_symlink(NULL, path, "/proc/self/exe");
}
