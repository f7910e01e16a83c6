/*
 * The ELF loader's pure part: validating a static x86-64 Linux program held
 * in memory, planning where its segments go, and building its first stack.
 * References: the ELF gABI (System V ABI, chapters 4 and 5), the x86-64
 * psABI (§3.4.1 initial stack, §3.4.3 auxiliary vector), and Linux's
 * fs/binfmt_elf.c for behaviour (the order of auxv entries and where the
 * strings lie). Everything read from the file is bounds-checked first.
 */
#include <flint/elf.h>
#include <flint/string.h>

/* ELF gABI, "ELF Header": e_ident and the header's fields (ELF64 layout). */
#define EI_MAG0 0
#define EI_CLASS 4
#define EI_DATA 5
#define EI_VERSION 6
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define EV_CURRENT 1
#define ET_EXEC 2
#define ET_DYN 3
#define EM_X86_64 62
#define EH_TYPE 16
#define EH_MACHINE 18
#define EH_VERSION 20
#define EH_ENTRY 24
#define EH_PHOFF 32
#define EH_PHENTSIZE 54
#define EH_PHNUM 56
#define EHDR_SIZE 64
#define PN_XNUM 0xffff		/* the count lives in section 0: refused */

/* gABI, "Program Header": Elf64_Phdr's fields. */
#define PH_TYPE 0
#define PH_FLAGS 4
#define PH_OFFSET 8
#define PH_VADDR 16
#define PH_FILESZ 32
#define PH_MEMSZ 40
#define PH_ALIGN 48
#define PHDR_SIZE 56
#define PT_LOAD 1
#define PT_INTERP 3
#define PT_PHDR 6
#define PT_TLS 7
#define PT_GNU_STACK 0x6474e551	/* GNU extension: stack permissions */
#define PF_X 1
#define PF_W 2
#define PF_R 4

/* Linux's default vm.mmap_min_addr: nothing is mapped below it. */
#define USER_BOTTOM 0x10000ull

#define PAGE_MASK (ELF_PAGE_SIZE - 1)

static const uint8_t elf_magic[4] = { 0x7f, 'E', 'L', 'F' };

static uint64_t rd(const uint8_t *p, unsigned bytes)
{
	uint64_t v = 0;

	while (bytes--)
		v = v << 8 | p[bytes];	/* little-endian */
	return v;
}

static int fail(struct elf_error *err, const char *msg, int index, uint64_t value)
{
	if (err)
		*err = (struct elf_error){ msg, index, value };
	return -ELF_ENOEXEC;
}

static int pow2(uint64_t x)
{
	return x && !(x & (x - 1));
}

/* A program header, its fields read. */
struct phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, filesz, memsz, align;
};

static struct phdr phdr_read(const uint8_t *p)
{
	return (struct phdr){
		.type = (uint32_t)rd(p + PH_TYPE, 4),
		.flags = (uint32_t)rd(p + PH_FLAGS, 4),
		.offset = rd(p + PH_OFFSET, 8),
		.vaddr = rd(p + PH_VADDR, 8),
		.filesz = rd(p + PH_FILESZ, 8),
		.memsz = rd(p + PH_MEMSZ, 8),
		.align = rd(p + PH_ALIGN, 8),
	};
}

/* Checks what a PT_LOAD and a PT_TLS share: the file range inside the file,
 * memsz >= filesz, the memory range inside user space (so nothing wraps),
 * and the alignment. */
static int range_check(const struct phdr *ph, uint64_t size, int i, struct elf_error *err)
{
	if (ph->filesz > ph->memsz)
		return fail(err, "p_filesz is larger than p_memsz", i, ph->filesz);
	if (ph->offset > size || ph->filesz > size - ph->offset)
		return fail(err, "segment's file range is past the end of the file", i,
			    ph->offset);
	if (ph->vaddr > ELF_USER_TOP || ph->memsz > ELF_USER_TOP - ph->vaddr)
		return fail(err, "segment is beyond user space or wraps", i, ph->vaddr);
	/* gABI: 0 and 1 mean no alignment; otherwise a power of two. */
	if (ph->align > 1 && !pow2(ph->align))
		return fail(err, "p_align is not a power of two", i, ph->align);
	return 0;
}

static int load_segment(struct elf_image *img, const struct phdr *ph, uint64_t size,
			int i, struct elf_error *err)
{
	int rc = range_check(ph, size, i, err);
	struct elf_segment *s;

	if (rc)
		return rc;
	if (ph->memsz == 0)
		return fail(err, "PT_LOAD segment is empty", i, 0);
	/* gABI: vaddr ≡ offset modulo p_align; mapping file pages needs it
	 * modulo the page size too. */
	if (ph->align > 1 && (ph->vaddr - ph->offset) & (ph->align - 1))
		return fail(err, "p_vaddr and p_offset differ modulo p_align", i, ph->vaddr);
	if ((ph->vaddr - ph->offset) & PAGE_MASK)
		return fail(err, "p_vaddr and p_offset differ modulo the page size", i,
			    ph->vaddr);
	if (img->nsegments == ELF_MAX_SEGMENTS)
		return fail(err, "too many PT_LOAD segments", i, ELF_MAX_SEGMENTS);
	s = &img->segments[img->nsegments];
	*s = (struct elf_segment){
		.map_start = ph->vaddr & ~PAGE_MASK,
		.map_end = (ph->vaddr + ph->memsz + PAGE_MASK) & ~PAGE_MASK,
		.vaddr = ph->vaddr,
		.file_offset = ph->offset,
		.file_size = ph->filesz,
		.bss_start = ph->vaddr + ph->filesz,
		.bss_end = ph->vaddr + ph->memsz,
		.prot = (ph->flags & PF_R ? ELF_PROT_R : 0) |
			(ph->flags & PF_W ? ELF_PROT_W : 0) |
			(ph->flags & PF_X ? ELF_PROT_X : 0),
	};
	/* gABI: PT_LOAD entries are sorted on p_vaddr. Each gets pages of its
	 * own, as its protection is its own. */
	if (img->nsegments && s->map_start < s[-1].map_end)
		return fail(err, "PT_LOAD segment overlaps or precedes the previous one", i,
			    ph->vaddr);
	img->nsegments++;
	return 0;
}

/* The segment holding [addr, addr + len), or NULL. */
static const struct elf_segment *segment_at(const struct elf_image *img, uint64_t addr,
					    uint64_t len)
{
	for (unsigned i = 0; i < img->nsegments; i++) {
		const struct elf_segment *s = &img->segments[i];

		if (addr >= s->vaddr && addr <= s->bss_end && len <= s->bss_end - addr)
			return s;
	}
	return NULL;
}

static int header_check(const uint8_t *p, size_t size, struct elf_error *err)
{
	uint16_t type, phnum;
	uint64_t phoff;

	if (size < EHDR_SIZE)
		return fail(err, "file is shorter than an ELF header", -1, size);
	if (memcmp(p + EI_MAG0, elf_magic, sizeof(elf_magic)))
		return fail(err, "not an ELF file (bad magic)", -1, rd(p, 4));
	if (p[EI_CLASS] != ELFCLASS64)
		return fail(err, "not a 64-bit ELF file (EI_CLASS)", -1, p[EI_CLASS]);
	if (p[EI_DATA] != ELFDATA2LSB)
		return fail(err, "not a little-endian ELF file (EI_DATA)", -1, p[EI_DATA]);
	if (p[EI_VERSION] != EV_CURRENT || rd(p + EH_VERSION, 4) != EV_CURRENT)
		return fail(err, "unknown ELF version", -1, rd(p + EH_VERSION, 4));
	type = (uint16_t)rd(p + EH_TYPE, 2);
	if (type != ET_EXEC && type != ET_DYN)
		return fail(err, "not an executable (e_type is neither ET_EXEC nor ET_DYN)",
			    -1, type);
	if (rd(p + EH_MACHINE, 2) != EM_X86_64)
		return fail(err, "not an x86-64 program (e_machine)", -1,
			    rd(p + EH_MACHINE, 2));
	if (rd(p + EH_PHENTSIZE, 2) != PHDR_SIZE)
		return fail(err, "e_phentsize is not the size of Elf64_Phdr", -1,
			    rd(p + EH_PHENTSIZE, 2));
	phnum = (uint16_t)rd(p + EH_PHNUM, 2);
	phoff = rd(p + EH_PHOFF, 8);
	if (phnum == 0 || phnum == PN_XNUM)
		return fail(err, "bad number of program headers (e_phnum)", -1, phnum);
	if (phoff > size || (uint64_t)phnum * PHDR_SIZE > size - phoff)
		return fail(err, "program headers are past the end of the file", -1, phoff);
	return 0;
}

int elf_parse(const void *image, size_t size, uint64_t base,
	      struct elf_image *out, struct elf_error *err)
{
	return elf_parse_head(image, size, size, base, out, err);
}

int elf_parse_head(const void *image, size_t avail, uint64_t size, uint64_t base,
		   struct elf_image *out, struct elf_error *err)
{
	const uint8_t *p = image;
	struct elf_image img = { 0 };
	uint64_t phoff, entry, phdr_vaddr = 0;
	const struct elf_segment *s;
	int rc, has_phdr = 0;

	rc = header_check(p, avail, err);
	if (rc)
		return rc;
	img.pie = rd(p + EH_TYPE, 2) == ET_DYN;
	img.phnum = (uint16_t)rd(p + EH_PHNUM, 2);
	img.phent = PHDR_SIZE;
	phoff = rd(p + EH_PHOFF, 8);
	entry = rd(p + EH_ENTRY, 8);

	for (int i = 0; i < img.phnum; i++) {
		struct phdr ph = phdr_read(p + phoff + (uint64_t)i * PHDR_SIZE);

		switch (ph.type) {
		case PT_INTERP:
			if (img.interp_size)
				return fail(err, "more than one PT_INTERP", i, 0);
			if (ph.filesz < 2 || ph.filesz > ELF_INTERP_MAX)
				return fail(err, "PT_INTERP's path is empty or longer than PATH_MAX",
					    i, ph.filesz);
			rc = range_check(&ph, size, i, err);
			img.interp_offset = ph.offset;
			img.interp_size = ph.filesz;
			break;
		case PT_LOAD:
			rc = load_segment(&img, &ph, size, i, err);
			break;
		case PT_TLS:
			if (img.has_tls)
				return fail(err, "more than one PT_TLS", i, 0);
			rc = range_check(&ph, size, i, err);
			img.has_tls = 1;
			img.tls_addr = ph.vaddr;
			img.tls_filesz = ph.filesz;
			img.tls_memsz = ph.memsz;
			img.tls_align = ph.align;
			break;
		case PT_GNU_STACK:
			img.exec_stack = !!(ph.flags & PF_X);
			break;
		case PT_PHDR:
			has_phdr = 1;
			phdr_vaddr = ph.vaddr;
			break;
		}
		if (rc)
			return rc;
	}
	if (!img.nsegments)
		return fail(err, "no PT_LOAD segment", -1, 0);

	s = segment_at(&img, entry, 1);
	if (!s || !(s->prot & ELF_PROT_X))
		return fail(err, "entry point is not in an executable segment", -1, entry);
	/* The template is .tdata; .tbss (up to tls_memsz) takes no room. */
	if (img.has_tls && !segment_at(&img, img.tls_addr, img.tls_filesz))
		return fail(err, "PT_TLS template is not in a PT_LOAD segment", -1,
			    img.tls_addr);
	if (!has_phdr) {
		/* As Linux: the PT_LOAD whose file range holds e_phoff. */
		for (unsigned i = 0; i < img.nsegments && !has_phdr; i++) {
			const struct elf_segment *l = &img.segments[i];

			if (phoff >= l->file_offset && phoff - l->file_offset < l->file_size) {
				phdr_vaddr = l->vaddr + (phoff - l->file_offset);
				has_phdr = 1;
			}
		}
	}
	if (!has_phdr || !segment_at(&img, phdr_vaddr, (uint64_t)img.phnum * PHDR_SIZE))
		return fail(err, "program headers are not in a PT_LOAD segment", -1,
			    phdr_vaddr);

	img.lowest = img.segments[0].map_start;
	img.highest = img.segments[img.nsegments - 1].map_end;
	if (img.pie) {
		if (base & PAGE_MASK)
			return fail(err, "load base is not page-aligned", -1, base);
		if (base > ELF_USER_TOP || img.highest - img.lowest > ELF_USER_TOP - base)
			return fail(err, "program does not fit above the load base", -1, base);
		img.bias = base - img.lowest;	/* modulo 2^64: vaddr + bias lands at base */
	}
	if (img.lowest + img.bias < USER_BOTTOM)
		return fail(err, "program would be mapped below the lowest user address", -1,
			    img.lowest + img.bias);

	for (unsigned i = 0; i < img.nsegments; i++) {
		struct elf_segment *l = &img.segments[i];

		l->map_start += img.bias;
		l->map_end += img.bias;
		l->vaddr += img.bias;
		l->bss_start += img.bias;
		l->bss_end += img.bias;
	}
	img.lowest += img.bias;
	img.highest += img.bias;
	img.entry = entry + img.bias;
	img.phdr = phdr_vaddr + img.bias;
	if (img.has_tls)
		img.tls_addr += img.bias;
	*out = img;
	return 0;
}

/* The stack is filled downwards from the top of the buffer. */
struct stack {
	uint8_t *buf;
	uint64_t top;		/* user address of buf + size */
	size_t size, used;
};

static uint64_t stack_addr(const struct stack *st)
{
	return st->top - st->used;
}

/* Copies n bytes below what is there; returns their user address, or 0
 * when they don't fit. */
static uint64_t stack_push(struct stack *st, const void *src, size_t n)
{
	if (n > st->size - st->used)
		return 0;
	st->used += n;
	memcpy(st->buf + st->size - st->used, src, n);
	return stack_addr(st);
}

static uint64_t push_string(struct stack *st, const char *s)
{
	return stack_push(st, s, strlen(s) + 1);
}

static size_t count(const char *const *v)
{
	size_t n = 0;

	while (v[n])
		n++;
	return n;
}

/* Pushes the strings of v, last first, so that they lie in order upwards.
 * Returns 0, or -ELF_E2BIG. */
static int push_strings(struct stack *st, const char *const *v, size_t n)
{
	while (n--)
		if (!push_string(st, v[n]))
			return -ELF_E2BIG;
	return 0;
}

/* Stores a word at user address addr inside the stack. */
static void put_word(struct stack *st, uint64_t addr, uint64_t v)
{
	memcpy(st->buf + st->size - (st->top - addr), &v, sizeof(v));
}

int elf_build_stack(const struct elf_stack_args *a, const struct elf_image *img,
		    uint64_t *sp)
{
	struct stack st = { a->stack, a->user_top, a->size, 0 };
	size_t argc = count(a->argv), envc = count(a->envp);
	uint64_t execfn, env_strings, arg_strings, platform, random, start, at;
	const uint64_t zero = 0;

	if (a->user_top & 15 || a->user_top < a->size)
		return -ELF_EINVAL;
	/* Linux leaves the top word zero, then: the exec'd path, the
	 * environment strings, the argument strings. */
	if (!stack_push(&st, &zero, sizeof(zero)) || !(execfn = push_string(&st, a->execfn)))
		return -ELF_E2BIG;
	if (push_strings(&st, a->envp, envc))
		return -ELF_E2BIG;
	env_strings = stack_addr(&st);
	if (push_strings(&st, a->argv, argc))
		return -ELF_E2BIG;
	arg_strings = stack_addr(&st);
	/* Then, from 16-byte alignment (binfmt_elf's create_elf_tables without
	 * its random offset): the platform string and the AT_RANDOM bytes. */
	st.used += (size_t)(stack_addr(&st) & 15);
	if (st.used > st.size || !(platform = push_string(&st, a->platform)) ||
	    !(random = stack_push(&st, a->random, ELF_RANDOM_BYTES)))
		return -ELF_E2BIG;

	/* Linux's order: x86's ARCH_DLINFO first, then create_elf_tables'. */
	const uint64_t auxv[][2] = {
		{ AT_MINSIGSTKSZ, a->min_sigstack },
		{ AT_HWCAP, a->hwcap },
		{ AT_PAGESZ, a->page_size },
		{ AT_CLKTCK, a->clock_ticks },
		{ AT_PHDR, img->phdr },
		{ AT_PHENT, img->phent },
		{ AT_PHNUM, img->phnum },
		{ AT_BASE, a->interp_base },
		{ AT_FLAGS, 0 },
		{ AT_ENTRY, img->entry },
		{ AT_UID, a->uid },
		{ AT_EUID, a->euid },
		{ AT_GID, a->gid },
		{ AT_EGID, a->egid },
		{ AT_SECURE, a->secure },
		{ AT_RANDOM, random },
		{ AT_HWCAP2, a->hwcap2 },
		{ AT_EXECFN, execfn },
		{ AT_PLATFORM, platform },
		{ AT_NULL, 0 },
	};
	/* argc, argv[] and NULL, envp[] and NULL, auxv: start is where argc
	 * goes, rounded down so that it is 16-byte aligned (psABI §3.4.1). */
	size_t words = 1 + argc + 1 + envc + 1 + 2 * (sizeof(auxv) / sizeof(auxv[0]));

	if (words > (st.size - st.used) / 8)
		return -ELF_E2BIG;
	start = (stack_addr(&st) - words * 8) & ~15ull;
	if (a->user_top - start > st.size)
		return -ELF_E2BIG;
	st.used = (size_t)(a->user_top - start);

	at = start;
	put_word(&st, at, argc);
	at += 8;
	for (size_t i = 0; i < argc; i++, at += 8) {
		put_word(&st, at, arg_strings);
		arg_strings += strlen(a->argv[i]) + 1;
	}
	put_word(&st, at, 0);
	at += 8;
	for (size_t i = 0; i < envc; i++, at += 8) {
		put_word(&st, at, env_strings);
		env_strings += strlen(a->envp[i]) + 1;
	}
	put_word(&st, at, 0);
	at += 8;
	for (size_t i = 0; i < sizeof(auxv) / sizeof(auxv[0]); i++, at += 16) {
		put_word(&st, at, auxv[i][0]);
		put_word(&st, at + 8, auxv[i][1]);
	}
	*sp = start;
	return 0;
}
