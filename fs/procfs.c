/* /proc: cpuinfo and meminfo generated at each open, a directory per
 * process (exe, cmdline, status) kept by the process layer's hooks, and
 * self, a symlink to the caller's made at each lookup. */
#include <flint/arch.h>
#include <flint/errno.h>
#include <flint/format.h>
#include <flint/memory.h>
#include <flint/page_alloc.h>
#include <flint/pagecache.h>
#include <flint/sched.h>
#include <flint/vfs.h>

#define PROC_DIR_PERM 0555
#define PROC_FILE_PERM 0444
#define KHZ_PER_MHZ 1000
#define BYTES_PER_KB 1024
#define PROC_PID_PATH_MAX 32	/* "<pid>/smaps_rollup" */
#define OCTAL_BITS 3
#define OCTAL_MASK 07
/* smaps' first line pads its name to column 73 (fs/proc/task_mmu.c,
 * seq_setwidth): 25 spaces after 12-digit addresses. */
#define ROLLUP_PAD 25

static const struct proc_provider *provider;

/* The most pages the allocator has had free since /proc was made:
 * MemTotal (the RAM left once the kernel image, the initrd and the boot's
 * allocations are out). */
static uint64_t total_pages;
static struct vnode *proc_dir;		/* the proc mount's root */

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

static size_t gen_cpuinfo(long arg, char *buf, size_t size)
{
	struct gen_out o = { buf, size, 0 };
	struct arch_cpuinfo ci;
	uint64_t khz = arch_cycles_khz();

	(void)arg;
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

/* No swap. The page cache's pages are Cached, memory-only files' among
 * them (Shmem, as Linux counts tmpfs); what is free and the clean pages
 * of disk files (which shrink may drop) are available. */
static size_t gen_meminfo(long arg, char *buf, size_t size)
{
	struct gen_out o = { buf, size, 0 };
	uint64_t free = page_free_count();
	uint64_t total = __atomic_load_n(&total_pages, __ATOMIC_RELAXED);
	struct pagecache_stats pc;

	(void)arg;
	while (free > total &&
	       !__atomic_compare_exchange_n(&total_pages, &total, free, false, __ATOMIC_RELAXED,
					    __ATOMIC_RELAXED))
		;
	if (free > total)
		total = free;
	pagecache_stats(&pc);
	meminfo_line(&o, "MemTotal:", total);
	meminfo_line(&o, "MemFree:", free);
	meminfo_line(&o, "MemAvailable:", free + pc.cached - pc.shmem - pc.dirty);
	meminfo_line(&o, "Buffers:", 0);
	meminfo_line(&o, "Cached:", pc.cached);
	meminfo_line(&o, "SwapTotal:", 0);
	meminfo_line(&o, "SwapFree:", 0);
	meminfo_line(&o, "Dirty:", pc.dirty);
	meminfo_line(&o, "Shmem:", pc.shmem);
	return o.len;
}

static const struct proc_provider *get_provider(void)
{
	return __atomic_load_n(&provider, __ATOMIC_ACQUIRE);
}

void proc_set_provider(const struct proc_provider *p)
{
	__atomic_store_n(&provider, p, __ATOMIC_RELEASE);
}

/* The target of /proc/self: the caller's pid, relative to /proc. */
static size_t link_self(char *buf, size_t size)
{
	const struct proc_provider *p = get_provider();
	int pid = p ? p->self() : 0;

	return pid > 0 ? (size_t)snprintf(buf, size, "%d", pid) : 0;
}

static size_t gen_cmdline(long pid, char *buf, size_t size)
{
	const struct proc_provider *p = get_provider();

	return p ? p->cmdline((int)pid, buf, size) : 0;
}

static void kb_line(struct gen_out *o, const char *name, uint64_t pages)
{
	gen_printf(o, "%s%8llu kB\n", name, (unsigned long long)(pages * (PAGE_SIZE / BYTES_PER_KB)));
}

/* Linux's fields (fs/proc/array.c), those Flint knows; a process that is
 * gone reads as empty. */
static size_t gen_status(long pid, char *buf, size_t size)
{
	const struct proc_provider *p = get_provider();
	struct gen_out o = { buf, size, 0 };
	struct proc_status st;

	if (!p || p->status((int)pid, &st) < 0)
		return 0;
	gen_printf(&o, "Name:\t%s\n", st.name);
	/* Linux's %#04o; the formatter has no %o, and a umask is 3 digits. */
	gen_printf(&o, "Umask:\t0%u%u%u\n", (st.umask >> 2 * OCTAL_BITS) & OCTAL_MASK,
		   (st.umask >> OCTAL_BITS) & OCTAL_MASK, st.umask & OCTAL_MASK);
	gen_printf(&o, "State:\t%s\n", st.state == 'Z' ? "Z (zombie)" : "R (running)");
	gen_printf(&o, "Tgid:\t%d\n", st.pid);
	gen_printf(&o, "Pid:\t%d\n", st.pid);
	gen_printf(&o, "PPid:\t%d\n", st.ppid);
	gen_printf(&o, "TracerPid:\t0\n");
	gen_printf(&o, "Uid:\t%u\t%u\t%u\t%u\n", st.uid[0], st.uid[1], st.uid[2], st.uid[3]);
	gen_printf(&o, "Gid:\t%u\t%u\t%u\t%u\n", st.gid[0], st.gid[1], st.gid[2], st.gid[3]);
	/* Each group followed by a space, as Linux's proc_pid_status. */
	gen_printf(&o, "Groups:\t");
	for (unsigned i = 0; i < st.ngroups; i++)
		gen_printf(&o, "%u ", st.groups[i]);
	gen_printf(&o, "\n");
	if (st.has_mm) {
		kb_line(&o, "VmSize:\t", st.vm_pages);
		kb_line(&o, "VmRSS:\t", st.rss_pages);
		kb_line(&o, "RssAnon:\t", st.anon_pages);
		kb_line(&o, "RssFile:\t", st.file_pages);
		kb_line(&o, "RssShmem:\t", st.shmem_pages);
	}
	gen_printf(&o, "Threads:\t%u\n", st.threads);
	return o.len;
}

/* Linux's sums over the process's mappings (fs/proc/task_mmu.c,
 * show_smaps_rollup): what it maps and how much of it other processes
 * map too. Flint has no swap, huge pages or locked memory. */
static size_t gen_smaps_rollup(long pid, char *buf, size_t size)
{
	const struct proc_provider *p = get_provider();
	struct gen_out o = { buf, size, 0 };
	struct proc_status st;

	if (!p || p->status((int)pid, &st) < 0 || !st.has_mm)
		return 0;
	gen_printf(&o, "%08llx-%08llx ---p 00000000 00:00 0%*s[rollup]\n",
		   (unsigned long long)st.first, (unsigned long long)st.last, ROLLUP_PAD, "");
	kb_line(&o, "Rss:            ", st.rss_pages);
	gen_printf(&o, "Pss:            %8llu kB\n", (unsigned long long)st.pss_kb);
	kb_line(&o, "Shared_Clean:   ", st.shared_clean);
	kb_line(&o, "Shared_Dirty:   ", st.shared_dirty);
	kb_line(&o, "Private_Clean:  ", st.private_clean);
	kb_line(&o, "Private_Dirty:  ", st.private_dirty);
	kb_line(&o, "Referenced:     ", st.rss_pages);
	kb_line(&o, "Anonymous:      ", st.anon_pages);
	kb_line(&o, "Swap:           ", 0);
	return o.len;
}

/* Linux's one-line form (proc(5), /proc/pid/stat), which ps reads: the
 * fields Flint knows, 0 for the rest (times, faults, addresses). */
static size_t gen_stat(long pid, char *buf, size_t size)
{
	const struct proc_provider *p = get_provider();
	struct gen_out o = { buf, size, 0 };
	struct proc_status st;

	if (!p || p->status((int)pid, &st) < 0)
		return 0;
	gen_printf(&o, "%d (%s) %c %d %d %d 0 -1 0 0 0 0 0 0 0 0 0 20 0 %u 0 %llu 0 %llu",
		   st.pid, st.name, st.state, st.ppid, st.pgid, st.sid, st.threads,
		   (unsigned long long)st.start_ticks, (unsigned long long)st.rss_pages);
	gen_printf(&o, " 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n");
	return o.len;
}

/* /proc/mounts and /proc/<pid>/mounts (arg 0), /proc/<pid>/mountinfo (1):
 * one mount table for every process. */
static size_t gen_mounts(long mountinfo, char *buf, size_t size)
{
	return vfs_mounts_text(buf, size, mountinfo != 0);
}

/* "<pid>" followed by "/" and name when name is not NULL: from proc_dir,
 * which stays /proc's root wherever root= moves its mount. */
static void pid_path(char *buf, int pid, const char *name)
{
	if (name)
		snprintf(buf, PROC_PID_PATH_MAX, "%d/%s", pid, name);
	else
		snprintf(buf, PROC_PID_PATH_MAX, "%d", pid);
}

int proc_populate(void)
{
	int r;

	total_pages = page_free_count();
	r = vfs_mkdir(NULL, "/proc", PROC_DIR_PERM);
	if (r == -EEXIST)
		r = 0;		/* the proc mount's */
	if (r == 0)
		r = vfs_lookup(NULL, "/proc", true, &proc_dir);
	if (r == 0)
		r = vfs_mkgen(proc_dir, "cpuinfo", PROC_FILE_PERM, gen_cpuinfo, 0);
	if (r == 0)
		r = vfs_mkgen(proc_dir, "meminfo", PROC_FILE_PERM, gen_meminfo, 0);
	if (r == 0)
		r = vfs_mkgen(proc_dir, "mounts", PROC_FILE_PERM, gen_mounts, 0);

	if (r == 0)
		r = vfs_symlink_dynamic(NULL, "/proc/self", link_self);
	return r;
}

/* The generated files of /proc/<pid>/ (exe is a link, made apart). */
struct pid_file {
	const char *name;
	size_t (*gen)(long arg, char *buf, size_t size);
	bool by_pid;		/* the generator's argument: the pid, else arg */
	long arg;
};

static const struct pid_file pid_files[] = {
	{ "cmdline", gen_cmdline, true, 0 },
	{ "status", gen_status, true, 0 },
	{ "stat", gen_stat, true, 0 },
	{ "smaps_rollup", gen_smaps_rollup, true, 0 },
	{ "mounts", gen_mounts, false, 0 },
	{ "mountinfo", gen_mounts, false, 1 },
};

int proc_process_added(int pid, const char *exe)
{
	char path[PROC_PID_PATH_MAX];
	int r;

	pid_path(path, pid, NULL);
	if (!proc_dir)
		return 0;	/* no /proc: processes go on without it */
	r = vfs_mkdir(proc_dir, path, PROC_DIR_PERM);
	if (r < 0)
		return r;
	for (size_t i = 0; r == 0 && i < ARRAY_SIZE(pid_files); i++) {
		const struct pid_file *f = &pid_files[i];

		pid_path(path, pid, f->name);
		r = vfs_mkgen(proc_dir, path, PROC_FILE_PERM, f->gen, f->by_pid ? pid : f->arg);
	}
	if (r == 0 && exe[0])
		r = proc_set_exe(pid, exe);
	if (r < 0)
		proc_process_removed(pid);
	return r;
}

int proc_set_exe(int pid, const char *exe)
{
	char path[PROC_PID_PATH_MAX];
	int r;

	pid_path(path, pid, "exe");
	r = vfs_unlink(proc_dir, path);
	if (r < 0 && r != -ENOENT)
		return r;
	return vfs_symlink(proc_dir, exe, path);
}

void proc_process_removed(int pid)
{
	char path[PROC_PID_PATH_MAX];

	for (size_t i = 0; i < ARRAY_SIZE(pid_files); i++) {
		pid_path(path, pid, pid_files[i].name);
		vfs_unlink(proc_dir, path);
	}
	pid_path(path, pid, "exe");
	vfs_unlink(proc_dir, path);
	pid_path(path, pid, NULL);
	vfs_rmdir(proc_dir, path);
}
