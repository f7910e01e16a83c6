/* /proc: cpuinfo and meminfo generated at each open, a directory per
 * process (exe, cmdline, status) kept by the process layer's hooks, and
 * self, a symlink to the caller's made at each lookup. */
#include <flint/arch.h>
#include <flint/errno.h>
#include <flint/format.h>
#include <flint/heap.h>
#include <flint/memory.h>
#include <flint/net.h>
#include <flint/page_alloc.h>
#include <flint/pagecache.h>
#include <flint/sched.h>
#include <flint/string.h>
#include <flint/timer.h>
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
#define MAPS_WIDTH 73
#define PRIO_NICE_0 20		/* stat's priority of nice 0 (fs/proc/array.c) */
#define NS_PER_SEC 1000000000ull
#define NS_PER_CENTI 10000000ull
/* include/uapi/linux/utsname.h, __NEW_UTS_LEN + 1 */
#define HOSTNAME_MAX 65
#define MAPS_HEAD_MAX 128	/* the fields before the name: at most 95 bytes */
/* include/uapi/asm-generic/mman-common.h */
#define PROC_PROT_READ 0x1
#define PROC_PROT_WRITE 0x2
#define PROC_PROT_EXEC 0x4
/* A VFS_RDEV value's major and minor (its inverse). */
#define RDEV_MAJOR(d) (((d) >> 8) & 0xfffu)
#define RDEV_MINOR(d) (((d) & 0xffu) | (((d) >> 12) & ~0xffu))

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

/* "seconds.hundredths" of a nanosecond count. */
static void centi_seconds(struct gen_out *o, uint64_t ns)
{
	gen_printf(o, "%llu.%02llu", (unsigned long long)(ns / NS_PER_SEC),
		   (unsigned long long)(ns % NS_PER_SEC / NS_PER_CENTI));
}

/* proc(5): the time since boot and the CPUs' idle time; Flint does not
 * count idle time, which reads as 0. */
static size_t gen_uptime(long arg, char *buf, size_t size)
{
	struct gen_out o = { buf, size, 0 };

	(void)arg;
	centi_seconds(&o, clock_ns() - clock_boot_ns());
	gen_printf(&o, " 0.00\n");
	return o.len;
}

static void get_counts(struct proc_counts *c)
{
	const struct proc_provider *p = get_provider();

	if (p)
		p->counts(c);
	else
		*c = (struct proc_counts){ 0 };
}

/* proc(5): no load average is kept (0.00); the runnable and live threads
 * and the newest pid are real. */
static size_t gen_loadavg(long arg, char *buf, size_t size)
{
	struct gen_out o = { buf, size, 0 };
	struct proc_counts c;

	(void)arg;
	get_counts(&c);
	gen_printf(&o, "0.00 0.00 0.00 %u/%u %d\n", c.running, c.threads, c.last_pid);
	return o.len;
}

/* proc(5)'s /proc/stat: no CPU time is counted (the cpu lines read 0);
 * btime, the threads made (processes, as Linux's total_forks counts
 * clones) and those runnable are real. */
static size_t gen_stat_global(long arg, char *buf, size_t size)
{
	struct gen_out o = { buf, size, 0 };
	struct proc_counts c;

	(void)arg;
	get_counts(&c);
	gen_printf(&o, "cpu  0 0 0 0 0 0 0 0 0 0\n");
	for (unsigned cpu = 0; cpu < sched_cpus(); cpu++)
		gen_printf(&o, "cpu%u 0 0 0 0 0 0 0 0 0 0\n", cpu);
	gen_printf(&o, "intr 0\nctxt 0\nbtime %llu\nprocesses %d\nprocs_running %u\n"
		   "procs_blocked 0\n", (unsigned long long)c.boot_time, c.last_pid,
		   c.running);
	return o.len;
}

static size_t gen_text(long text, char *buf, size_t size)
{
	size_t len = strlen((const char *)text);

	memcpy(buf, (const char *)text, len < size ? len : size);
	return len;
}

static size_t gen_hostname(long arg, char *buf, size_t size)
{
	char name[HOSTNAME_MAX];
	size_t len;

	(void)arg;
	net_hostname(name, sizeof(name));
	len = strlen(name);
	name[len] = '\n';
	memcpy(buf, name, len + 1 < size ? len + 1 : size);
	return len + 1;
}

/* The fixed files of /proc and /proc/sys, as Linux's defaults read. */
static const struct {
	const char *path;
	const char *text;
} text_files[] = {
	{ "version", "Linux version " PROC_OSRELEASE " (flint) " PROC_OSVERSION "\n" },
	/* fs/mount.c's types, nodev where no device backs them */
	{ "filesystems", "nodev\tramfs\nnodev\ttmpfs\nnodev\tdevtmpfs\nnodev\tproc\n"
			 "\text2\n\text3\n\text4\n" },
	{ "sys/kernel/osrelease", PROC_OSRELEASE "\n" },
	{ "sys/kernel/ostype", "Linux\n" },
	{ "sys/kernel/version", PROC_OSVERSION "\n" },
	/* PID_MAX_LIMIT on 64-bit (include/linux/threads.h): pids only grow */
	{ "sys/kernel/pid_max", "4194304\n" },
	/* fs/pipe.c, pipe_max_size */
	{ "sys/fs/pipe-max-size", "1048576\n" },
	/* OVERCOMMIT_GUESS: pages come at the first touch */
	{ "sys/vm/overcommit_memory", "0\n" },
};

static const char *const proc_dirs[] = { "sys", "sys/kernel", "sys/fs", "sys/vm" };

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

/* Linux's comm: the program's name, a line. */
static size_t gen_comm(long pid, char *buf, size_t size)
{
	const struct proc_provider *p = get_provider();
	struct gen_out o = { buf, size, 0 };
	struct proc_status st;

	if (!p || p->status((int)pid, &st) < 0)
		return 0;
	gen_printf(&o, "%s\n", st.name);
	return o.len;
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

/* fs/proc/array.c, task_state_array. */
static const char *state_name(char state)
{
	switch (state) {
	case 'R':
		return "running";
	case 'S':
		return "sleeping";
	case 'D':
		return "disk sleep";
	case 'T':
		return "stopped";
	default:
		return "zombie";
	}
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
	gen_printf(&o, "State:\t%c (%s)\n", st.state, state_name(st.state));
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
	gen_printf(&o, "%d (%s) %c %d %d %d 0 -1 0 0 0 0 0 0 0 0 0 %d %d %u 0 %llu %llu %llu",
		   st.pid, st.name, st.state, st.ppid, st.pgid, st.sid, PRIO_NICE_0 + st.nice,
		   st.nice, st.threads,
		   (unsigned long long)st.start_ticks, (unsigned long long)st.vm_pages * PAGE_SIZE,
		   (unsigned long long)st.rss_pages);
	gen_printf(&o, " 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n");
	return o.len;
}

/* Linux's maps line (fs/proc/task_mmu.c, show_map_vma): a name (the
 * path, or [heap], [stack]) after the fields padded to MAPS_WIDTH, and
 * one space after the fields when there is none. */
static void map_line(struct gen_out *o, const struct proc_area *a, char *path)
{
	char head[MAPS_HEAD_MAX];
	uint32_t dev = 0;
	uint64_t ino = 0;
	const char *name = a->name;
	int len;

	if (a->node) {
		dev = a->node->mnt ? a->node->mnt->dev : 0;
		ino = a->node->ino;
		name = vfs_path_of(a->node, path, VFS_PATH_MAX) >= 0 ? path : NULL;
	}
	len = snprintf(head, sizeof(head), "%08llx-%08llx %c%c%c%c %08llx %02x:%02x %llu",
		       (unsigned long long)a->start, (unsigned long long)a->end,
		       a->prot & PROC_PROT_READ ? 'r' : '-', a->prot & PROC_PROT_WRITE ? 'w' : '-',
		       a->prot & PROC_PROT_EXEC ? 'x' : '-', a->shared ? 's' : 'p',
		       (unsigned long long)a->offset, RDEV_MAJOR(dev), RDEV_MINOR(dev),
		       (unsigned long long)ino);
	if (name)
		gen_printf(o, "%s%*s %s\n", head, len < MAPS_WIDTH ? MAPS_WIDTH - len : 0, "", name);
	else
		gen_printf(o, "%s \n", head);
}

/* /proc/<pid>/maps, and smaps with each area's usage. */
static size_t maps(int pid, bool smaps, char *buf, size_t size)
{
	const struct proc_provider *p = get_provider();
	struct gen_out o = { buf, size, 0 };
	struct proc_area *areas;
	char *path;
	int n;

	if (!p)
		return 0;
	path = kmalloc(VFS_PATH_MAX);
	if (!path)
		return 0;
	n = p->areas(pid, &areas);
	for (int i = 0; i < n; i++) {
		const struct proc_area *a = &areas[i];

		map_line(&o, a, path);
		if (!smaps)
			continue;
		kb_line(&o, "Size:           ", (a->end - a->start) / PAGE_SIZE);
		gen_printf(&o, "KernelPageSize:        4 kB\nMMUPageSize:           4 kB\n");
		kb_line(&o, "Rss:            ", a->rss_pages);
		gen_printf(&o, "Pss:            %8llu kB\n", (unsigned long long)a->pss_kb);
		kb_line(&o, "Shared_Clean:   ", a->shared_clean);
		kb_line(&o, "Shared_Dirty:   ", a->shared_dirty);
		kb_line(&o, "Private_Clean:  ", a->private_clean);
		kb_line(&o, "Private_Dirty:  ", a->private_dirty);
		kb_line(&o, "Referenced:     ", a->rss_pages);
		kb_line(&o, "Anonymous:      ", a->anon_pages);
		kb_line(&o, "Swap:           ", 0);
		gen_printf(&o, "VmFlags: %s%s%s%s\n", a->prot & PROC_PROT_READ ? "rd " : "",
			   a->prot & PROC_PROT_WRITE ? "wr " : "",
			   a->prot & PROC_PROT_EXEC ? "ex " : "", a->shared ? "sh " : "");
	}
	if (n > 0)
		p->areas_free(areas, n);
	kfree(path);
	return o.len;
}

static size_t gen_maps(long pid, char *buf, size_t size)
{
	return maps((int)pid, false, buf, size);
}

static size_t gen_smaps(long pid, char *buf, size_t size)
{
	return maps((int)pid, true, buf, size);
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
		r = vfs_mkgen(proc_dir, "uptime", PROC_FILE_PERM, gen_uptime, 0);
	if (r == 0)
		r = vfs_mkgen(proc_dir, "loadavg", PROC_FILE_PERM, gen_loadavg, 0);
	if (r == 0)
		r = vfs_mkgen(proc_dir, "stat", PROC_FILE_PERM, gen_stat_global, 0);
	for (size_t i = 0; r == 0 && i < ARRAY_SIZE(proc_dirs); i++)
		r = vfs_mkdir(proc_dir, proc_dirs[i], PROC_DIR_PERM);
	if (r == 0)
		r = vfs_mkgen(proc_dir, "sys/kernel/hostname", PROC_FILE_PERM, gen_hostname, 0);
	for (size_t i = 0; r == 0 && i < ARRAY_SIZE(text_files); i++)
		r = vfs_mkgen(proc_dir, text_files[i].path, PROC_FILE_PERM, gen_text,
			      (long)text_files[i].text);
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
	{ "comm", gen_comm, true, 0 },
	{ "stat", gen_stat, true, 0 },
	{ "smaps_rollup", gen_smaps_rollup, true, 0 },
	{ "maps", gen_maps, true, 0 },
	{ "smaps", gen_smaps, true, 0 },
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
