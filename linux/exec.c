/*
 * Loading programs: an ELF executable (static or static-PIE) into a fresh
 * address space with its first stack, a #! script through its
 * interpreter, and execve, which swaps the calling process's image for
 * the new one once nothing can fail any more.
 */
#include <flint/elf.h>
#include <flint/entropy.h>
#include <flint/heap.h>
#include <flint/printk.h>
#include <flint/string.h>
#include <arch/cpu.h>
#include <arch/x86.h>
#include "linux.h"
#include "mm.h"

/* Linux's ELF_ET_DYN_BASE for x86-64 (2/3 of TASK_SIZE, page-aligned)
 * and up to 2^28 bytes of randomisation above it, in pages. */
#define PIE_BASE 0x555555554000ull
#define PIE_RANDOM_PAGES (1u << 16)
/* The interpreter goes to a random page of the 256 GiB below MM_MMAP_TOP,
 * where Linux's mmap_base puts it (0x7f...); the libraries it maps go
 * below, top-down. */
#define INTERP_BASE (MM_MMAP_TOP - (256ull << 30))
#define INTERP_RANDOM_PAGES (1u << 26)
#define ELF_MAGIC "\177ELF"
#define ELF_MAGIC_LEN 4
#define CPUID_LEAF_FEATURES 1		/* EDX: what AT_HWCAP carries on x86-64 */
#define CLOCK_TICKS 100			/* AT_CLKTCK: USER_HZ */
/* Room on the first stack beyond the strings: the pointer arrays, the
 * auxv, AT_RANDOM, the platform string and alignment. */
#define STACK_OVERHEAD 1024
/* Linux's limits (include/uapi/linux/binfmts.h): one string at most 32
 * pages, and #! lines read from the first 256 bytes; the total is bounded
 * by a quarter of the 8 MiB stack, as Linux's RLIMIT_STACK / 4. */
#define MAX_ARG_STRLEN (32 * 4096)
#define MAX_ARG_TOTAL (2u << 20)
#define MAX_ARG_COUNT 0x7fffffff
#define BINPRM_BUF_SIZE 256
#define SCRIPT_DEPTH 4			/* interpreters of interpreters */
/* The most of a program's start read to find its program headers (the
 * rest is mapped, not read): 1024 of them. */
#define ELF_HEAD_MAX (64 * 1024)
#define EH_PHOFF 32			/* gABI ELF64 header: e_phoff, e_phnum */
#define EH_PHNUM 56
#define PHDR_SIZE 56
/* A program starts with interrupts on (IF) and bit 1, which always reads
 * 1 (SDM vol. 1 §3.4.3). */
#define RFLAGS_START 0x202

static int exec_error(bool report, const char *path, const char *what, int err)
{
	if (report)
		printk("flint: %s: %s\n", path, what);
	return err;
}

static uint64_t pie_base(void)
{
	uint16_t r = 0;

	entropy_random(&r, sizeof(r));
	return PIE_BASE + (uint64_t)(r % PIE_RANDOM_PAGES) * PAGE_SIZE;
}

/* Where an interpreter goes: a random page in the range below the stack
 * where Linux's mmap_base puts it (0x7f...). */
static uint64_t interp_base(void)
{
	uint32_t r = 0;

	entropy_random(&r, sizeof(r));
	return INTERP_BASE + (uint64_t)(r % INTERP_RANDOM_PAGES) * PAGE_SIZE;
}

static const uint8_t zeros[PAGE_SIZE];

/* Maps each PT_LOAD segment of the ELF file n: its file pages as a
 * private mapping of the file (the cache's pages, copied only where
 * written), the rest anonymous; the bytes after the file's part in its
 * last page are zeroed in a private copy when .bss follows, as Linux
 * does. */
static int map_segments(struct mm *mm, const struct elf_image *img, struct vnode *n)
{
	const int fixed = LINUX_MAP_PRIVATE | LINUX_MAP_FIXED;

	for (unsigned i = 0; i < img->nsegments; i++) {
		const struct elf_segment *s = &img->segments[i];
		uint64_t file_end = s->vaddr + s->file_size;
		uint64_t file_map_end = s->file_size ? ALIGN_UP(file_end, PAGE_SIZE) : s->map_start;
		long r = 0;

		if (file_map_end > s->map_start)
			r = mm_mmap(mm, s->map_start, file_map_end - s->map_start, (int)s->prot,
				    fixed, n, s->file_offset - (s->vaddr - s->map_start));
		if (r >= 0 && s->map_end > file_map_end)
			r = mm_mmap(mm, file_map_end, s->map_end - file_map_end, (int)s->prot,
				    fixed | LINUX_MAP_ANONYMOUS, NULL, 0);
		if (r >= 0 && s->bss_end > file_end && file_map_end > file_end)
			r = mm_write(mm, file_end, zeros, file_map_end - file_end);
		if (r < 0)
			return (int)r;
	}
	return 0;
}

static size_t strings_size(const char *const *v)
{
	size_t n = 0;

	for (; *v; v++)
		n += strlen(*v) + 1 + sizeof(uint64_t);
	return n;
}

static int build_stack(struct mm *mm, const struct elf_image *img, uint64_t interp_base,
		       const char *path, const char *const *argv, const char *const *envp,
		       const struct linux_cred *cred, bool secure, uint64_t *sp)
{
	size_t size = ALIGN_UP(strings_size(argv) + strings_size(envp) + 2 * strlen(path) +
			       STACK_OVERHEAD, 16);
	struct elf_stack_args a = {
		.size = size,
		.user_top = USER_TOP,
		.argv = argv,
		.envp = envp,
		.execfn = path,
		.platform = "x86_64",
		.hwcap = cpuid(CPUID_LEAF_FEATURES, 0).edx,
		.page_size = PAGE_SIZE,
		.clock_ticks = CLOCK_TICKS,
		.interp_base = interp_base,
		.min_sigstack = signal_frame_max(),
		.uid = cred->uid,
		.euid = cred->euid,
		.gid = cred->gid,
		.egid = cred->egid,
		.secure = secure,
	};
	long r;

	if (size > MM_STACK_SIZE / 4)
		return -E2BIG;
	a.stack = kmalloc(size);
	if (!a.stack)
		return -ENOMEM;
	entropy_random(a.random, sizeof(a.random));
	r = mm_mmap(mm, USER_TOP - MM_STACK_SIZE, MM_STACK_SIZE,
		    LINUX_PROT_READ | LINUX_PROT_WRITE | (img->exec_stack ? LINUX_PROT_EXEC : 0),
		    LINUX_MAP_PRIVATE | LINUX_MAP_ANONYMOUS | LINUX_MAP_FIXED, NULL, 0);
	if (r >= 0)
		r = elf_build_stack(&a, img, sp);
	if (r >= 0)
		r = mm_write(mm, *sp, (char *)a.stack + size - (USER_TOP - *sp), USER_TOP - *sp);
	kfree(a.stack);
	return (int)r;
}

/* The file's first bytes that hold its ELF header and program headers,
 * in a heap block: its length, or a negative errno. */
static long read_head(struct file *f, uint64_t size, uint8_t **out)
{
	size_t want = (size_t)MIN(size, (uint64_t)PAGE_SIZE);
	uint8_t *head = kmalloc(want ? want : 1);
	long got;

	if (!head)
		return -ENOMEM;
	got = vfs_file_pread(f, head, want, 0);
	if (got >= EH_PHNUM + 2) {
		uint64_t phoff = 0, need;

		memcpy(&phoff, head + EH_PHOFF, sizeof(phoff));
		need = phoff + (uint64_t)(head[EH_PHNUM] | head[EH_PHNUM + 1] << 8) * PHDR_SIZE;
		if (phoff < ELF_HEAD_MAX && need > (uint64_t)got && need <= MIN(size, ELF_HEAD_MAX)) {
			kfree(head);
			head = kmalloc((size_t)need);
			if (!head)
				return -ENOMEM;
			got = vfs_file_pread(f, head, (size_t)need, 0);
		}
	}
	if (got < 0)
		kfree(head);
	else
		*out = head;
	return got;
}

/* Reads and checks the ELF headers of the open file f into *img (an
 * ET_DYN one placed at base). */
static int parse_file(struct file *f, uint64_t base, const char *path, bool report,
		      struct elf_image *img)
{
	struct elf_error err;
	uint8_t *head;
	long got = read_head(f, f->node->size, &head);
	int r;

	if (got < 0)
		return exec_error(report, path, "cannot read it", (int)got);
	r = elf_parse_head(head, (size_t)got, f->node->size, base, img, &err);
	kfree(head);
	if (r < 0) {
		if (report)
			printk("flint: %s: %s (program header %d, value %#llx)\n", path, err.msg,
			       err.phdr_index, (unsigned long long)err.value);
		return -ENOEXEC;
	}
	return 0;
}

/* The dynamic program's interpreter (PT_INTERP: glibc's ld-linux,
 * musl's ld-musl), mapped at a random base below the stack as Linux
 * does: *entry is where the program starts, *base its AT_BASE. It must
 * be an ELF file of its own kind (ET_DYN, no interpreter of its own). */
static int load_interp(struct mm *mm, struct file *prog, const struct elf_image *img,
		       struct vnode *cwd, const char *path, bool report, uint64_t *entry,
		       uint64_t *base)
{
	char *name = kmalloc((size_t)img->interp_size);
	struct elf_image interp;
	struct file *f;
	long r = name ? vfs_file_pread(prog, name, (size_t)img->interp_size, img->interp_offset) :
			-ENOMEM;

	if (r >= 0 && ((uint64_t)r != img->interp_size || name[r - 1] ||
		       strlen(name) + 1 != (size_t)r))
		r = exec_error(report, path, "its PT_INTERP path is not one NUL-terminated string",
			       -ENOEXEC);
	if (r >= 0) {
		r = vfs_open_file(cwd, name, VFS_O_RDONLY, 0, &f);
		if (r < 0 && report)
			printk("flint: %s: its interpreter %s: %s\n", path, name,
			       r == -ENOENT ? "no such file" : "cannot open it");
	}
	if (r >= 0) {
		if ((f->node->mode & VFS_S_IFMT) != VFS_S_IFREG)
			r = exec_error(report, name, "the interpreter is not a regular file", -EACCES);
		else
			r = parse_file(f, interp_base(), name, report, &interp);
		if (r == 0 && (!interp.pie || interp.interp_size))
			r = exec_error(report, name, "the interpreter is not a shared object of its "
				       "own (ET_DYN without PT_INTERP)", -ELIBBAD);
		if (r == 0)
			r = map_segments(mm, &interp, f->node);
		file_put(f);
	}
	kfree(name);
	if (r == 0) {
		*entry = interp.entry;
		*base = interp.lowest;
	}
	return (int)r;
}

static int load_elf(struct mm *mm, struct file *f, struct vnode *cwd, const char *path,
		    const char *const *argv, const char *const *envp, struct trap_frame *regs,
		    struct linux_cred *cred, bool report)
{
	struct elf_image img;
	uint64_t sp, entry, base = 0;
	int r = parse_file(f, pie_base(), path, report, &img);
	bool secure = cred_exec(cred, f->node->mode, f->node->uid, f->node->gid,
				vfs_node_nosuid(f->node));

	if (r < 0)
		return r;
	entry = img.entry;
	r = map_segments(mm, &img, f->node);
	if (r == 0 && img.interp_size) {
		r = load_interp(mm, f, &img, cwd, path, report, &entry, &base);
		if (r < 0)
			return r;
	}
	if (r == 0)
		r = build_stack(mm, &img, base, path, argv, envp, cred, secure, &sp);
	if (r < 0)
		return exec_error(report, path, r == -E2BIG ? "arguments too big" :
				  "cannot load it (out of memory)", r);
	mm_set_brk(mm, img.highest);
	memset(regs, 0, sizeof(*regs));
	regs->rip = entry;
	regs->rsp = sp;
	regs->cs = USER_CS;
	regs->ss = USER_DS;
	regs->rflags = RFLAGS_START;
	return 0;
}

static int load(struct mm *mm, struct vnode *cwd, const char *path, const char *const *argv,
		const char *const *envp, struct trap_frame *regs, char *exe,
		struct linux_cred *cred, bool report, unsigned depth);

/* "#!interpreter [one argument]": the interpreter runs with the script's
 * path in place of argv[0] (Linux's binfmt_script). */
static int load_script(struct mm *mm, struct vnode *cwd, const char *start, size_t len,
		       const char *path, const char *const *argv, const char *const *envp,
		       struct trap_frame *regs, char *exe, struct linux_cred *cred, bool report,
		       unsigned depth)
{
	char line[BINPRM_BUF_SIZE];
	size_t argc = 0;
	char *interp, *arg = NULL, *end;
	const char **nargv;
	int r;

	memcpy(line, start + 2, len - 2);
	line[len - 2] = '\0';
	end = strchr(line, '\n');
	if (!end)
		return exec_error(report, path, "#! line too long", -ENOEXEC);
	*end = '\0';
	for (interp = line; *interp == ' ' || *interp == '\t'; interp++)
		;
	for (end = interp; *end && *end != ' ' && *end != '\t'; end++)
		;
	if (*end) {
		*end++ = '\0';
		while (*end == ' ' || *end == '\t')
			end++;
		if (*end)
			arg = end;
	}
	if (!*interp)
		return exec_error(report, path, "#! without an interpreter", -ENOEXEC);
	while (argv[argc])
		argc++;
	nargv = kmalloc((argc + 3) * sizeof(*nargv));
	if (!nargv)
		return -ENOMEM;
	argc = 0;
	nargv[argc++] = interp;
	if (arg)
		nargv[argc++] = arg;
	nargv[argc++] = path;
	for (size_t i = 1; argv[0] && argv[i]; i++)
		nargv[argc++] = argv[i];
	nargv[argc] = NULL;
	r = load(mm, cwd, interp, nargv, envp, regs, exe, cred, report, depth + 1);
	kfree(nargv);
	return r;
}

static int exec_permission(const struct linux_cred *cred, const struct vnode *n)
{
	struct vfs_cred v;

	cred_vfs(cred, false, &v);
	return vfs_permission(&v, n->mode, n->uid, n->gid, VFS_MAY_EXEC);
}

static int load(struct mm *mm, struct vnode *cwd, const char *path, const char *const *argv,
		const char *const *envp, struct trap_frame *regs, char *exe,
		struct linux_cred *cred, bool report, unsigned depth)
{
	char start[BINPRM_BUF_SIZE - 1];
	struct file *f;
	struct vnode *n;
	long len = 0;
	int r;

	if (depth > SCRIPT_DEPTH)
		return exec_error(report, path, "too many #! interpreters", -ELOOP);
	r = vfs_open_file(cwd, path, VFS_O_RDONLY, 0, &f);
	if (r < 0)
		return exec_error(report, path, r == -ENOENT ? "no such file" : "cannot open it", r);
	n = f->node;
	if (!n || (n->mode & VFS_S_IFMT) != VFS_S_IFREG)
		r = exec_error(report, path, "not a regular file", -EACCES);
	else if (exec_permission(cred, n) < 0)
		r = exec_error(report, path, "not executable (no x permission)", -EACCES);
	else if (vfs_node_noexec(n))
		r = exec_error(report, path, "on a noexec mount", -EACCES);
	else if ((len = vfs_file_pread(f, start, sizeof(start), 0)) < 0)
		r = exec_error(report, path, "cannot read it", (int)len);
	else if (len >= 2 && start[0] == '#' && start[1] == '!')
		r = load_script(mm, cwd, start, (size_t)len, path, argv, envp, regs, exe, cred, report,
				depth);
	else if (len < ELF_MAGIC_LEN || memcmp(start, ELF_MAGIC, ELF_MAGIC_LEN))
		r = exec_error(report, path, "not an ELF executable (exec format error)", -ENOEXEC);
	else if ((r = load_elf(mm, f, cwd, path, argv, envp, regs, cred, report)) == 0 &&
		 vfs_path_of(n, exe, LINUX_EXE_MAX) < 0)
		exe[0] = '\0';
	file_put(f);
	return r;
}

int exec_load(struct mm *mm, struct vnode *cwd, const char *path, const char *const *argv,
	      const char *const *envp, struct trap_frame *regs, char *exe,
	      struct linux_cred *cred, bool report)
{
	return load(mm, cwd, path, argv, envp, regs, exe, cred, report, 0);
}

/* argv or envp from user memory: the strings packed in one growing buffer,
 * then pointers into it. */
struct strvec {
	char *buf;
	size_t len, cap;
	size_t *offs;
	unsigned n, offs_cap;
	const char **v;
};

static int strvec_add(struct strvec *s, uint64_t ustr)
{
	for (;;) {
		size_t room = s->cap - s->len;
		long n = room ? strncpy_from_user(s->buf + s->len, (const char *)ustr,
						  room < MAX_ARG_STRLEN ? room : MAX_ARG_STRLEN) :
				-ENAMETOOLONG;

		if (n >= 0) {
			if (s->n == s->offs_cap) {
				size_t *o = kmalloc(2 * (s->offs_cap + 8) * sizeof(*o));

				if (!o)
					return -ENOMEM;
				if (s->n)
					memcpy(o, s->offs, s->n * sizeof(*o));
				kfree(s->offs);
				s->offs = o;
				s->offs_cap = 2 * (s->offs_cap + 8);
			}
			s->offs[s->n++] = s->len;
			s->len += (size_t)n + 1;
			return 0;
		}
		if (n != -ENAMETOOLONG)
			return (int)n;
		if (room >= MAX_ARG_STRLEN || s->cap >= MAX_ARG_TOTAL)
			return -E2BIG;
		{
			size_t cap = s->cap ? 2 * s->cap : PAGE_SIZE;
			char *b = kmalloc(cap);

			if (!b)
				return -ENOMEM;
			if (s->len)
				memcpy(b, s->buf, s->len);
			kfree(s->buf);
			s->buf = b;
			s->cap = cap;
		}
	}
}

static void strvec_free(struct strvec *s)
{
	kfree(s->buf);
	kfree(s->offs);
	kfree(s->v);
}

/* Reads the NULL-terminated array of string pointers at uvec (NULL: an
 * empty one, as Linux allows). */
static int strvec_copy(struct strvec *s, uint64_t uvec)
{
	memset(s, 0, sizeof(*s));
	for (uint64_t i = 0; uvec; i++) {
		uint64_t p;
		int r;

		if (copy_from_user(&p, (const void *)(uvec + i * sizeof(p)), sizeof(p)))
			return -EFAULT;
		if (!p)
			break;
		if (i >= MAX_ARG_COUNT)
			return -E2BIG;
		r = strvec_add(s, p);
		if (r < 0)
			return r;
	}
	s->v = kmalloc((s->n + 1) * sizeof(*s->v));
	if (!s->v)
		return -ENOMEM;
	for (unsigned i = 0; i < s->n; i++)
		s->v[i] = s->buf + s->offs[i];
	s->v[s->n] = NULL;
	return 0;
}

void process_set_cmdline(struct process *p, const char *const *argv)
{
	size_t len = 0;
	char *c;

	for (const char *const *a = argv; *a && len < LINUX_CMDLINE_MAX; a++)
		len += strlen(*a) + 1;
	if (len > LINUX_CMDLINE_MAX)
		len = LINUX_CMDLINE_MAX;
	c = len ? kmalloc(len) : NULL;
	if (c) {
		size_t at = 0;

		for (const char *const *a = argv; *a && at < len; a++) {
			size_t n = strlen(*a) + 1;

			memcpy(c + at, *a, n < len - at ? n : len - at);
			at += n;
		}
	}
	mutex_lock(&p->lock);
	kfree(p->cmdline);
	p->cmdline = c;
	p->cmdline_len = c ? len : 0;
	mutex_unlock(&p->lock);
}

static long sys_execve(const uint64_t a[6])
{
	struct process *p = process_current();
	struct strvec argv, envp;
	struct trap_frame regs;
	char *path = kmalloc(VFS_PATH_MAX), *exe = kmalloc(LINUX_EXE_MAX);
	struct mm *mm = NULL;
	struct linux_cred cred;
	long r;

	cred_current(&cred);
	memset(&argv, 0, sizeof(argv));
	memset(&envp, 0, sizeof(envp));
	r = path && exe ? user_path(path, a[0]) : -ENOMEM;
	if (r >= 0)
		r = strvec_copy(&argv, a[1]);
	if (r >= 0)
		r = strvec_copy(&envp, a[2]);
	if (r >= 0 && argv.len + envp.len > MAX_ARG_TOTAL)
		r = -E2BIG;
	if (r >= 0)
		r = (mm = mm_create()) ? 0 : -ENOMEM;
	if (r >= 0)
		r = exec_load(mm, p->cwd, path, argv.v, envp.v, &regs, exe, &cred, false);
	if (r >= 0) {
		cred_set(&cred);
		process_replace_image(p, mm, exe);
		process_set_cmdline(p, argv.v);
		process_set_comm(p, path);
		*task_current()->regs = regs;
	} else if (mm) {
		mm_put(mm);
	}
	strvec_free(&argv);
	strvec_free(&envp);
	kfree(path);
	kfree(exe);
	return r;
}
SYSCALL(59, "execve", "spp", sys_execve);
