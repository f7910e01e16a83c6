/* linux/elf.c: real programs built at build time by unit.mk (in
 * ELF_FIXTURE_DIR, with readelf's account of each), checked against
 * readelf's facts; hand-made hostile headers; truncations and random
 * damage (never a crash: every input is allocated to its exact size, so
 * ASan reports any read outside it); and the initial stack, read back. */
#include <flint/elf.h>

#include "check.h"

#define PIE_BASE 0x555555554000ull	/* where Linux puts a PIE (ELF_ET_DYN_BASE) */
#define STACK_TOP 0x7ffffffde000ull
#define MAX_FILE (4u << 20)

/* ELF gABI constants and field offsets for the hand-made files. */
#define EHDR_SIZE 64
#define PHDR_SIZE 56
#define EH_TYPE 16
#define EH_MACHINE 18
#define EH_ENTRY 24
#define EH_PHOFF 32
#define EH_PHENTSIZE 54
#define EH_PHNUM 56
#define PH_FLAGS 4
#define PH_OFFSET 8
#define PH_VADDR 16
#define PH_FILESZ 32
#define PH_MEMSZ 40
#define PH_ALIGN 48
#define PT_LOAD 1
#define PT_INTERP 3
#define PT_TLS 7
#define PT_GNU_STACK 0x6474e551
#define PF_X 1
#define PF_W 2
#define PF_R 4

struct buf {
	unsigned char *p;
	size_t n;
};

static struct buf buf_copy(const void *p, size_t n)
{
	struct buf b = { malloc(n ? n : 1), n };

	CHECK(b.p);
	memcpy(b.p, p, n);
	return b;
}

static struct buf read_fixture(const char *name)
{
	char path[512];
	struct buf b = { malloc(MAX_FILE), 0 };
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", ELF_FIXTURE_DIR, name);
	f = fopen(path, "rb");
	CHECKF(f, "cannot open %s (make unit-tests builds it)", path);
	b.n = fread(b.p, 1, MAX_FILE, f);
	fclose(f);
	CHECKF(b.n > 0 && b.n < MAX_FILE, "%s: %zu bytes", path, b.n);
	b.p = realloc(b.p, b.n);	/* exact size, for ASan */
	return b;
}

/* readelf -hlW's facts about a program. */
struct seg_fact {
	char type[16];
	uint64_t offset, vaddr, filesz, memsz, align;
	unsigned flags;		/* PF_* */
};

struct facts {
	uint64_t entry;
	unsigned n;
	struct seg_fact seg[32];
};

static struct facts read_facts(const char *name)
{
	char path[512], line[512];
	struct facts fa = { 0 };
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.readelf", ELF_FIXTURE_DIR, name);
	f = fopen(path, "r");
	CHECKF(f, "cannot open %s", path);
	while (fgets(line, sizeof(line), f)) {
		struct seg_fact s = { 0 };
		char fl[3][8] = { "", "", "" };
		unsigned long long paddr;
		int k;

		if (sscanf(line, " Entry point address: %" SCNx64, &fa.entry) == 1)
			continue;
		/* TYPE OFFSET VADDR PADDR FILESZ MEMSZ FLAGS... ALIGN */
		k = sscanf(line, " %15s %" SCNx64 " %" SCNx64 " %llx %" SCNx64 " %" SCNx64
			   " %7s %7s %7s", s.type, &s.offset, &s.vaddr, &paddr, &s.filesz,
			   &s.memsz, fl[0], fl[1], fl[2]);
		if (k < 8 || strncmp(line, "  ", 2) || !strstr(line, "0x"))
			continue;
		/* The flags are one to three words (R, E, W); the last is align. */
		for (int i = 0; i < 3 && fl[i][0]; i++) {
			if (!strncmp(fl[i], "0x", 2)) {
				s.align = strtoull(fl[i], NULL, 16);
				break;
			}
			for (const char *c = fl[i]; *c; c++)
				s.flags |= *c == 'R' ? PF_R : *c == 'W' ? PF_W : *c == 'E' ? PF_X : 0;
		}
		CHECK(fa.n < 32);
		fa.seg[fa.n++] = s;
	}
	fclose(f);
	CHECKF(fa.entry && fa.n, "%s: no entry or segments", path);
	return fa;
}

static unsigned prot_of(unsigned pf)
{
	return (pf & PF_R ? ELF_PROT_R : 0) | (pf & PF_W ? ELF_PROT_W : 0) |
	       (pf & PF_X ? ELF_PROT_X : 0);
}

static uint64_t rd64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

/* Parses a fixture and checks it against readelf, and the plan's shape. */
static void check_program(const char *name, int pie, int has_tls)
{
	struct buf b = read_fixture(name);
	struct facts fa = read_facts(name);
	struct elf_image img;
	struct elf_error err = { 0 };
	uint64_t bias = pie ? PIE_BASE : 0;
	unsigned loads = 0;
	int rc = elf_parse(b.p, b.n, PIE_BASE, &img, &err);

	CHECKF(rc == 0, "%s: %d %s (phdr %d, %#" PRIx64 ")", name, rc, err.msg,
	       err.phdr_index, err.value);
	CHECK_EQ(img.pie, pie);
	CHECK_EQ(img.bias, bias);
	CHECK_EQ(img.entry, fa.entry + bias);
	CHECK_EQ(img.phnum, rd64(b.p + EH_PHNUM) & 0xffff);
	CHECK_EQ(img.phent, PHDR_SIZE);
	CHECK_EQ(img.exec_stack, 0);
	CHECK_EQ(img.has_tls, has_tls);
	for (unsigned i = 0; i < fa.n; i++) {
		const struct seg_fact *f = &fa.seg[i];

		if (!strcmp(f->type, "TLS")) {
			CHECK_EQ(img.tls_addr, f->vaddr + bias);
			CHECK_EQ(img.tls_filesz, f->filesz);
			CHECK_EQ(img.tls_memsz, f->memsz);
			CHECK_EQ(img.tls_align, f->align);
		}
		if (strcmp(f->type, "LOAD"))
			continue;
		CHECK(loads < img.nsegments);
		const struct elf_segment *s = &img.segments[loads++];
		CHECK_EQ(s->vaddr, f->vaddr + bias);
		CHECK_EQ(s->file_offset, f->offset);
		CHECK_EQ(s->file_size, f->filesz);
		CHECK_EQ(s->bss_start, f->vaddr + f->filesz + bias);
		CHECK_EQ(s->bss_end, f->vaddr + f->memsz + bias);
		CHECK_EQ(s->prot, prot_of(f->flags));
		CHECK_EQ(s->map_start, (f->vaddr & ~0xfffull) + bias);
		CHECK_EQ(s->map_end, ((f->vaddr + f->memsz + 0xfff) & ~0xfffull) + bias);
	}
	CHECK_EQ(loads, img.nsegments);
	/* The plan's shape: sorted pages, entry in an executable segment, the
	 * program headers where the file has them, a PIE at the base. */
	int entry_ok = 0, phdr_ok = 0;
	for (unsigned i = 0; i < img.nsegments; i++) {
		const struct elf_segment *s = &img.segments[i];

		CHECK(s->map_start < s->map_end && s->map_end <= ELF_USER_TOP);
		CHECK(!i || s[-1].map_end <= s->map_start);
		if (img.entry >= s->vaddr && img.entry < s->bss_end)
			entry_ok = !!(s->prot & ELF_PROT_X);
		if (img.phdr >= s->vaddr && img.phdr < s->bss_start)
			phdr_ok = s->file_offset + (img.phdr - s->vaddr) == rd64(b.p + EH_PHOFF);
	}
	CHECK(entry_ok);
	CHECK(phdr_ok);
	CHECK_EQ(img.lowest, img.segments[0].map_start);
	CHECK_EQ(img.highest, img.segments[img.nsegments - 1].map_end);
	if (pie)
		CHECK_EQ(img.lowest, PIE_BASE);
	free(b.p);
}

TEST(glibc_static)
{
	check_program("hello.static", 0, 1);
}

TEST(glibc_static_pie)
{
	check_program("hello.static-pie", 1, 1);
}

TEST(musl_static)
{
	check_program("hello.musl", 0, 1);
}

/* A dynamic program: its interpreter's path is found, NUL-terminated,
 * where PT_INTERP says. */
TEST(dynamic_interpreter)
{
	struct buf b = read_fixture("hello.dynamic");
	struct elf_image img;
	struct elf_error err = { 0 };

	CHECK_EQ(elf_parse(b.p, b.n, PIE_BASE, &img, &err), 0);
	CHECK(img.interp_size > 1 && img.interp_offset + img.interp_size <= b.n);
	CHECK_EQ(((const char *)b.p)[img.interp_offset + img.interp_size - 1], '\0');
	CHECK_STR((const char *)b.p + img.interp_offset, "/lib64/ld-linux-x86-64.so.2");
	free(b.p);
}

/* Every prefix of a real program: refused while a segment's bytes are
 * missing, never a read outside the prefix. */
TEST(truncated_everywhere)
{
	struct buf b = read_fixture("hello.musl");
	struct elf_image img;
	uint64_t need = 0;

	CHECK_EQ(elf_parse(b.p, b.n, 0, &img, NULL), 0);
	for (unsigned i = 0; i < img.nsegments; i++)
		if (img.segments[i].file_offset + img.segments[i].file_size > need)
			need = img.segments[i].file_offset + img.segments[i].file_size;
	for (size_t n = 0; n < b.n; n++) {
		struct buf t = buf_copy(b.p, n);
		struct elf_error err = { 0 };
		int rc = elf_parse(t.p, t.n, 0, &img, &err);

		CHECKF(n >= need ? rc == 0 : rc == -ELF_ENOEXEC && err.msg,
		       "length %zu: %d", n, rc);
		free(t.p);
	}
	free(b.p);
}

/* Random damage to the headers of real programs: any answer but a crash. */
TEST(random_damage)
{
	static const char *const names[] = { "hello.musl", "hello.static-pie" };
	uint64_t seed = 6;

	for (unsigned f = 0; f < 2; f++) {
		struct buf b = read_fixture(names[f]);
		size_t span = EHDR_SIZE + 16 * PHDR_SIZE;

		for (int it = 0; it < 20000; it++) {
			struct buf t = buf_copy(b.p, b.n);
			struct elf_image img;
			struct elf_error err = { 0 };
			int flips = 1 + (int)(check_rand(&seed) % 4);

			while (flips--)
				t.p[check_rand(&seed) % span] ^= (unsigned char)(1u << (check_rand(&seed) % 8));
			if (elf_parse(t.p, t.n, PIE_BASE, &img, &err))
				CHECK(err.msg);
			free(t.p);
		}
		free(b.p);
	}
}

/* A hand-made program: the header, then PT_LOAD R+X at 0x401000 (file
 * 0x1000..0x2000) and PT_LOAD R+W at 0x402000 (file 0x2000..0x2800, memsz
 * 0x1000), entry 0x401000; 0x3000 bytes. Tests damage one field. */
#define TINY_SIZE 0x3000
#define TINY_PHOFF EHDR_SIZE

static void put(unsigned char *p, size_t off, uint64_t v, unsigned bytes)
{
	memcpy(p + off, &v, bytes);
}

static void tiny_phdr(unsigned char *p, int i, uint32_t type, uint32_t flags, uint64_t off,
		      uint64_t vaddr, uint64_t filesz, uint64_t memsz, uint64_t align)
{
	size_t h = TINY_PHOFF + (size_t)i * PHDR_SIZE;

	put(p, h, type, 4);
	put(p, h + PH_FLAGS, flags, 4);
	put(p, h + PH_OFFSET, off, 8);
	put(p, h + PH_VADDR, vaddr, 8);
	put(p, h + PH_VADDR + 8, vaddr, 8);	/* p_paddr */
	put(p, h + PH_FILESZ, filesz, 8);
	put(p, h + PH_MEMSZ, memsz, 8);
	put(p, h + PH_ALIGN, align, 8);
}

static unsigned char *tiny(void)
{
	unsigned char *p = calloc(1, TINY_SIZE);
	static const unsigned char ident[] = { 0x7f, 'E', 'L', 'F', 2, 1, 1 };

	CHECK(p);
	memcpy(p, ident, sizeof(ident));
	put(p, EH_TYPE, 2, 2);		/* ET_EXEC */
	put(p, EH_MACHINE, 62, 2);	/* EM_X86_64 */
	put(p, EH_MACHINE + 2, 1, 4);	/* e_version */
	put(p, EH_ENTRY, 0x401000, 8);
	put(p, EH_PHOFF, TINY_PHOFF, 8);
	put(p, EH_PHENTSIZE, PHDR_SIZE, 2);
	put(p, EH_PHNUM, 2, 2);
	tiny_phdr(p, 0, PT_LOAD, PF_R | PF_X, 0, 0x400000, 0x2000, 0x2000, 0x1000);
	tiny_phdr(p, 1, PT_LOAD, PF_R | PF_W, 0x2000, 0x402000, 0x800, 0x1000, 0x1000);
	return p;
}

static void expect_refused(unsigned char *p, uint64_t base, const char *msg, int index)
{
	struct elf_image img;
	struct elf_error err = { 0 };
	int rc = elf_parse(p, TINY_SIZE, base, &img, &err);

	CHECKF(rc < 0, "accepted; expected \"%s\"", msg);
	CHECK_STR(err.msg, msg);
	CHECK_EQ(err.phdr_index, index);
	free(p);
}

TEST(tiny_is_valid)
{
	unsigned char *p = tiny();
	struct elf_image img;

	CHECK_EQ(elf_parse(p, TINY_SIZE, 0, &img, NULL), 0);
	CHECK_EQ(img.nsegments, 2);
	CHECK_EQ(img.entry, 0x401000);
	CHECK_EQ(img.phdr, 0x400000 + TINY_PHOFF);	/* computed: no PT_PHDR */
	CHECK_EQ(img.segments[1].bss_start, 0x402800);
	CHECK_EQ(img.segments[1].bss_end, 0x403000);
	CHECK_EQ(img.segments[1].prot, ELF_PROT_R | ELF_PROT_W);
	CHECK_EQ(img.has_tls, 0);
	free(p);
}

TEST(tiny_exec_stack_and_tls)
{
	unsigned char *p = tiny();
	struct elf_image img;

	put(p, EH_PHNUM, 4, 2);
	tiny_phdr(p, 2, PT_GNU_STACK, PF_R | PF_W | PF_X, 0, 0, 0, 0, 16);
	tiny_phdr(p, 3, PT_TLS, PF_R, 0x2000, 0x402000, 0x10, 0x40, 8);
	CHECK_EQ(elf_parse(p, TINY_SIZE, 0, &img, NULL), 0);
	CHECK_EQ(img.exec_stack, 1);
	CHECK_EQ(img.has_tls, 1);
	CHECK_EQ(img.tls_addr, 0x402000);
	CHECK_EQ(img.tls_filesz, 0x10);
	CHECK_EQ(img.tls_memsz, 0x40);
	CHECK_EQ(img.tls_align, 8);
	free(p);
}

TEST(header_damage)
{
	unsigned char *p;

	p = tiny(); p[4] = 1;			/* ELFCLASS32 */
	expect_refused(p, 0, "not a 64-bit ELF file (EI_CLASS)", -1);
	p = tiny(); p[5] = 2;			/* ELFDATA2MSB */
	expect_refused(p, 0, "not a little-endian ELF file (EI_DATA)", -1);
	p = tiny(); p[1] = 'e';
	expect_refused(p, 0, "not an ELF file (bad magic)", -1);
	p = tiny(); put(p, EH_MACHINE + 2, 2, 4);
	expect_refused(p, 0, "unknown ELF version", -1);
	p = tiny(); put(p, EH_MACHINE, 3, 2);	/* EM_386 */
	expect_refused(p, 0, "not an x86-64 program (e_machine)", -1);
	p = tiny(); put(p, EH_TYPE, 1, 2);	/* ET_REL */
	expect_refused(p, 0, "not an executable (e_type is neither ET_EXEC nor ET_DYN)", -1);
	p = tiny(); put(p, EH_PHENTSIZE, 32, 2);
	expect_refused(p, 0, "e_phentsize is not the size of Elf64_Phdr", -1);
	p = tiny(); put(p, EH_PHNUM, 0, 2);
	expect_refused(p, 0, "bad number of program headers (e_phnum)", -1);
	p = tiny(); put(p, EH_PHNUM, 0xffff, 2);
	expect_refused(p, 0, "bad number of program headers (e_phnum)", -1);
	p = tiny(); put(p, EH_PHNUM, 1000, 2);
	expect_refused(p, 0, "program headers are past the end of the file", -1);
	p = tiny(); put(p, EH_PHOFF, TINY_SIZE - PHDR_SIZE, 8);
	expect_refused(p, 0, "program headers are past the end of the file", -1);
	p = tiny(); put(p, EH_PHOFF, UINT64_MAX - 8, 8);
	expect_refused(p, 0, "program headers are past the end of the file", -1);
	p = tiny(); put(p, EH_ENTRY, 0x402100, 8);	/* in the R+W segment */
	expect_refused(p, 0, "entry point is not in an executable segment", -1);
	p = tiny(); put(p, EH_ENTRY, 0x900000, 8);
	expect_refused(p, 0, "entry point is not in an executable segment", -1);
	p = tiny(); put(p, EH_PHNUM, 0x2000 / PHDR_SIZE, 2);	/* headers read as zeros */
	memset(p + TINY_PHOFF, 0, 2 * PHDR_SIZE);
	expect_refused(p, 0, "no PT_LOAD segment", -1);
	p = tiny(); put(p, EH_PHNUM, 3, 2);
	tiny_phdr(p, 2, PT_INTERP, PF_R, 0x100, 0x400100, 0x1, 0x1, 1);
	expect_refused(p, 0, "PT_INTERP's path is empty or longer than PATH_MAX", 2);
	p = tiny(); put(p, EH_PHNUM, 3, 2);
	tiny_phdr(p, 2, PT_INTERP, PF_R, 0xfff0, 0x400100, 0x1c, 0x1c, 1);
	expect_refused(p, 0, "segment's file range is past the end of the file", 2);
}

TEST(segment_damage)
{
	unsigned char *p;

	p = tiny(); tiny_phdr(p, 1, PT_LOAD, PF_R | PF_W, 0x2000, 0x402000, 0x1001, 0x1000, 0x1000);
	expect_refused(p, 0, "p_filesz is larger than p_memsz", 1);
	p = tiny(); tiny_phdr(p, 1, PT_LOAD, PF_R | PF_W, 0x2000, 0x402000, 0x1001, 0x2000, 0x1000);
	expect_refused(p, 0, "segment's file range is past the end of the file", 1);
	p = tiny(); tiny_phdr(p, 1, PT_LOAD, PF_R | PF_W, UINT64_MAX - 0xfff, 0x402000, 0x1000, 0x1000, 0x1000);
	expect_refused(p, 0, "segment's file range is past the end of the file", 1);
	p = tiny(); tiny_phdr(p, 1, PT_LOAD, PF_R | PF_W, 0x2000, 0x402000, 0x800, 0x1000, 0x1800);
	expect_refused(p, 0, "p_align is not a power of two", 1);
	p = tiny(); tiny_phdr(p, 1, PT_LOAD, PF_R | PF_W, 0x2000, 0x402000, 0x800, UINT64_MAX - 0x401fff, 0x1000);
	expect_refused(p, 0, "segment is beyond user space or wraps", 1);
	p = tiny(); tiny_phdr(p, 1, PT_LOAD, PF_R | PF_W, 0x2000, 0xfffffffffffff000ull, 0x800, 0x1000, 0x1000);
	expect_refused(p, 0, "segment is beyond user space or wraps", 1);
	p = tiny(); tiny_phdr(p, 1, PT_LOAD, PF_R | PF_W, 0x2000, ELF_USER_TOP - 0x800, 0x800, 0x1000, 0x1000);
	expect_refused(p, 0, "segment is beyond user space or wraps", 1);
	p = tiny(); tiny_phdr(p, 1, PT_LOAD, PF_R | PF_W, 0x2000, 0x402100, 0x800, 0x1000, 0x1000);
	expect_refused(p, 0, "p_vaddr and p_offset differ modulo p_align", 1);
	p = tiny(); tiny_phdr(p, 1, PT_LOAD, PF_R | PF_W, 0x2000, 0x402100, 0x800, 0x1000, 0);
	expect_refused(p, 0, "p_vaddr and p_offset differ modulo the page size", 1);
	p = tiny(); tiny_phdr(p, 1, PT_LOAD, PF_R | PF_W, 0x1000, 0x401000, 0x800, 0x1000, 0x1000);
	expect_refused(p, 0, "PT_LOAD segment overlaps or precedes the previous one", 1);
	p = tiny(); tiny_phdr(p, 1, PT_LOAD, PF_R | PF_W, 0x2000, 0x300000, 0x800, 0x1000, 0x1000);
	expect_refused(p, 0, "PT_LOAD segment overlaps or precedes the previous one", 1);
	p = tiny(); tiny_phdr(p, 1, PT_LOAD, PF_R | PF_W, 0x2000, 0x402000, 0, 0, 0x1000);
	expect_refused(p, 0, "PT_LOAD segment is empty", 1);
	p = tiny(); put(p, EH_PHNUM, 3, 2);
	tiny_phdr(p, 2, PT_TLS, PF_R, 0x2000, 0x402000, 0x10, 0x8, 8);
	expect_refused(p, 0, "p_filesz is larger than p_memsz", 2);
	p = tiny(); put(p, EH_PHNUM, 3, 2);
	tiny_phdr(p, 2, PT_TLS, PF_R, 0x2000, 0x500000, 0x10, 0x10, 8);
	expect_refused(p, 0, "PT_TLS template is not in a PT_LOAD segment", -1);
	p = tiny(); tiny_phdr(p, 0, PT_LOAD, PF_R | PF_X, 0, 0x1000, 0x2000, 0x2000, 0x1000);
	put(p, EH_ENTRY, 0x1000, 8);
	expect_refused(p, 0, "program would be mapped below the lowest user address", -1);
	p = tiny(); tiny_phdr(p, 0, PT_LOAD, PF_R | PF_X, 0x40, 0x400040, 0x40, 0x40, 0);
	put(p, EH_ENTRY, 0x400040, 8);
	expect_refused(p, 0, "program headers are not in a PT_LOAD segment", -1);
}

/* The tiny program as a PIE: ET_DYN at vaddr 0, placed at the base. */
TEST(pie_base)
{
	unsigned char *p = tiny();
	struct elf_image img;

	put(p, EH_TYPE, 3, 2);
	put(p, EH_ENTRY, 0x1000, 8);
	tiny_phdr(p, 0, PT_LOAD, PF_R | PF_X, 0, 0, 0x2000, 0x2000, 0x1000);
	tiny_phdr(p, 1, PT_LOAD, PF_R | PF_W, 0x2000, 0x2000, 0x800, 0x1000, 0x1000);
	CHECK_EQ(elf_parse(p, TINY_SIZE, PIE_BASE, &img, NULL), 0);
	CHECK_EQ(img.bias, PIE_BASE);
	CHECK_EQ(img.entry, PIE_BASE + 0x1000);
	CHECK_EQ(img.phdr, PIE_BASE + TINY_PHOFF);
	CHECK_EQ(img.segments[1].map_start, PIE_BASE + 0x2000);
	CHECK_EQ(elf_parse(p, TINY_SIZE, ELF_USER_TOP - 0x3000, &img, NULL), 0);
	struct buf b = buf_copy(p, TINY_SIZE);
	expect_refused(b.p, PIE_BASE + 1, "load base is not page-aligned", -1);
	b = buf_copy(p, TINY_SIZE);
	expect_refused(b.p, ELF_USER_TOP - 0x2000, "program does not fit above the load base", -1);
	b = buf_copy(p, TINY_SIZE);
	expect_refused(b.p, UINT64_MAX & ~0xfffull, "program does not fit above the load base", -1);
	b = buf_copy(p, TINY_SIZE);
	expect_refused(b.p, 0, "program would be mapped below the lowest user address", -1);
	free(p);
}

/* The stack: built, then read back as a C library's start code would. */
static const char *const test_argv[] = { "/init", "-v", "", "last argument", NULL };
static const char *const test_envp[] = { "PATH=/bin", "HOME=/", "TERM=linux", NULL };

static struct elf_stack_args stack_args(void *mem, size_t size)
{
	struct elf_stack_args a = {
		.stack = mem, .size = size, .user_top = STACK_TOP,
		.argv = test_argv, .envp = test_envp, .execfn = "/init",
		.platform = "x86_64", .hwcap = 0x178bfbff, .hwcap2 = 2,
		.uid = 1, .euid = 2, .gid = 3, .egid = 4,
		.page_size = 4096, .clock_ticks = 100, .min_sigstack = 1100,
	};

	for (int i = 0; i < ELF_RANDOM_BYTES; i++)
		a.random[i] = (uint8_t)(0xa0 + i);
	return a;
}

static const struct elf_image stack_image = {
	.entry = 0x401020, .phdr = 0x400040, .phnum = 9, .phent = PHDR_SIZE,
};

/* The host pointer for a user address in the stack buffer. */
static unsigned char *at(unsigned char *mem, size_t size, uint64_t addr)
{
	CHECKF(addr >= STACK_TOP - size && addr < STACK_TOP, "%#" PRIx64 " off the stack", addr);
	return mem + size - (STACK_TOP - addr);
}

static const char *user_str(unsigned char *mem, size_t size, uint64_t addr)
{
	const char *s = (const char *)at(mem, size, addr);

	CHECK(memchr(s, 0, STACK_TOP - addr));
	return s;
}

TEST(stack_layout)
{
	size_t size = 4096;
	unsigned char *mem = malloc(size);
	struct elf_stack_args a = stack_args(mem, size);
	uint64_t sp, w, auxv[64] = { 0 };
	unsigned char *p;

	memset(mem, 0xcc, size);
	CHECK_EQ(elf_build_stack(&a, &stack_image, &sp), 0);
	CHECK_EQ(sp % 16, 0);
	CHECK_EQ(rd64(mem + size - 8), 0);	/* the top word */
	p = at(mem, size, sp);
	CHECK_EQ(rd64(p), 4);			/* argc */
	for (int i = 0; i < 4; i++)
		CHECK_STR(user_str(mem, size, rd64(p + 8 + 8 * i)), test_argv[i]);
	CHECK_EQ(rd64(p + 8 + 8 * 4), 0);
	p += 8 * 6;
	for (int i = 0; i < 3; i++, p += 8)
		CHECK_STR(user_str(mem, size, rd64(p)), test_envp[i]);
	CHECK_EQ(rd64(p), 0);
	p += 8;
	/* auxv: each type once, in Linux's order, ending with AT_NULL. */
	static const uint64_t order[] = { AT_MINSIGSTKSZ, AT_HWCAP, AT_PAGESZ, AT_CLKTCK, AT_PHDR,
		AT_PHENT, AT_PHNUM, AT_BASE, AT_FLAGS, AT_ENTRY, AT_UID, AT_EUID, AT_GID, AT_EGID,
		AT_SECURE, AT_RANDOM, AT_HWCAP2, AT_EXECFN, AT_PLATFORM, AT_NULL };
	for (unsigned i = 0; i < sizeof(order) / sizeof(order[0]); i++, p += 16) {
		CHECK_EQ(rd64(p), order[i]);
		auxv[order[i]] = rd64(p + 8);
	}
	CHECK_EQ(auxv[AT_PHDR], 0x400040);
	CHECK_EQ(auxv[AT_PHENT], PHDR_SIZE);
	CHECK_EQ(auxv[AT_PHNUM], 9);
	CHECK_EQ(auxv[AT_PAGESZ], 4096);
	CHECK_EQ(auxv[AT_BASE], 0);
	CHECK_EQ(auxv[AT_FLAGS], 0);
	CHECK_EQ(auxv[AT_ENTRY], 0x401020);
	CHECK_EQ(auxv[AT_UID], 1);
	CHECK_EQ(auxv[AT_EUID], 2);
	CHECK_EQ(auxv[AT_GID], 3);
	CHECK_EQ(auxv[AT_EGID], 4);
	CHECK_EQ(auxv[AT_SECURE], 0);
	CHECK_EQ(auxv[AT_HWCAP], 0x178bfbff);
	CHECK_EQ(auxv[AT_HWCAP2], 2);
	CHECK_EQ(auxv[AT_CLKTCK], 100);
	CHECK_EQ(auxv[AT_MINSIGSTKSZ], 1100);
	CHECK_STR(user_str(mem, size, auxv[AT_EXECFN]), "/init");
	CHECK_STR(user_str(mem, size, auxv[AT_PLATFORM]), "x86_64");
	w = auxv[AT_RANDOM];
	CHECK(w + ELF_RANDOM_BYTES <= STACK_TOP);
	CHECK(!memcmp(at(mem, size, w), a.random, ELF_RANDOM_BYTES));
	/* Everything above the vectors: the random bytes lie above auxv. */
	CHECK(w >= STACK_TOP - size + (uint64_t)(p - mem));
	free(mem);
}

/* Too small by any amount: refused, nothing written outside the buffer;
 * the smallest size that works gives the same stack pointer. */
TEST(stack_too_small)
{
	unsigned char *big = malloc(4096);
	struct elf_stack_args a = stack_args(big, 4096);
	uint64_t sp, need;

	CHECK_EQ(elf_build_stack(&a, &stack_image, &sp), 0);
	need = STACK_TOP - sp;
	free(big);
	for (size_t n = 0; n <= need; n++) {
		unsigned char *mem = malloc(n ? n : 1);
		uint64_t sp2 = 0;

		a = stack_args(mem, n);
		int rc = elf_build_stack(&a, &stack_image, &sp2);

		if (n < need)
			CHECKF(rc == -ELF_E2BIG, "size %zu: %d", n, rc);
		else
			CHECK(rc == 0 && sp2 == sp);
		free(mem);
	}
}

TEST(stack_bad_top)
{
	unsigned char mem[64];
	struct elf_stack_args a = stack_args(mem, sizeof(mem));
	uint64_t sp;

	a.user_top = STACK_TOP + 8;
	CHECK_EQ(elf_build_stack(&a, &stack_image, &sp), -ELF_EINVAL);
}

int main(void)
{
	return check_run();
}
