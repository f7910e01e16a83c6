/*
 * The ELF loader's pure part (linux/elf.c): validating an x86-64 Linux
 * executable held in memory and planning its mapping, and building the
 * initial process stack as Linux does. Nothing here maps memory or runs a
 * program; see docs/linux-abi.md, "ELF loading".
 */
#ifndef FLINT_ELF_H
#define FLINT_ELF_H

#include <stddef.h>
#include <stdint.h>

/* Linux errno values, returned negated. */
#define ELF_E2BIG 7		/* the strings don't fit the stack */
#define ELF_ENOEXEC 8		/* not a loadable program */
#define ELF_EINVAL 22		/* a bad argument from the caller */

#define ELF_PAGE_SIZE 4096ull
/* The first address above user space. Linux's TASK_SIZE_MAX on x86-64 with
 * 4-level paging is 2^47 minus a guard page (arch/x86/include/asm/
 * page_64_types.h); every mapping ends at or below it. */
#define ELF_USER_TOP 0x7ffffffff000ull

#define ELF_MAX_SEGMENTS 16	/* PT_LOAD entries; linkers emit 2 to 5 */
#define ELF_INTERP_MAX 4096	/* PT_INTERP's path, NUL included: PATH_MAX */

/* struct elf_segment.prot */
#define ELF_PROT_R 1u
#define ELF_PROT_W 2u
#define ELF_PROT_X 4u

/* One PT_LOAD segment, load bias applied. The pages [map_start, map_end)
 * are mapped with prot; the file bytes [file_offset, file_offset +
 * file_size) go to vaddr; [bss_start, bss_end) is zeroed (bss_start ==
 * vaddr + file_size; empty when memsz == filesz). */
struct elf_segment {
	uint64_t map_start, map_end;	/* page-aligned */
	uint64_t vaddr;
	uint64_t file_offset, file_size;
	uint64_t bss_start, bss_end;
	unsigned prot;
};

/* A validated program, load bias applied to every address. */
struct elf_image {
	int pie;			/* ET_DYN (static-PIE) rather than ET_EXEC */
	uint64_t bias;			/* added to every p_vaddr; 0 for ET_EXEC */
	uint64_t entry;
	uint64_t phdr;			/* user address of the program headers */
	uint16_t phnum;
	uint16_t phent;
	uint64_t lowest, highest;	/* page-aligned span of all segments */
	unsigned nsegments;
	struct elf_segment segments[ELF_MAX_SEGMENTS];	/* by address */
	int has_tls;
	uint64_t tls_addr, tls_filesz, tls_memsz, tls_align;	/* PT_TLS */
	int exec_stack;			/* PT_GNU_STACK has PF_X (none: 0) */
	/* PT_INTERP: where the interpreter's path lies in the file
	 * (interp_size bytes, its NUL included; 0: a static program). */
	uint64_t interp_offset, interp_size;
};

/* What was wrong: a fixed message, and where (a program header's index,
 * or -1 for the file header), with the offending value. */
struct elf_error {
	const char *msg;
	int phdr_index;
	uint64_t value;
};

/* Validates the ELF file image[0..size) and fills *out. base is where an
 * ET_DYN program's lowest page goes (page-aligned; the caller picks it);
 * an ET_EXEC program ignores it. Returns 0, or -ELF_ENOEXEC with *err
 * filled (err may be NULL). Reads nothing outside image. */
int elf_parse(const void *image, size_t size, uint64_t base,
	      struct elf_image *out, struct elf_error *err);
/* The same from the file's first avail bytes (the header and program
 * headers must lie in them; -ELF_ENOEXEC otherwise), its segments checked
 * against the whole file's size: a loader that maps the file reads no
 * more of it. */
int elf_parse_head(const void *image, size_t avail, uint64_t size, uint64_t base,
		   struct elf_image *out, struct elf_error *err);

/* The auxiliary vector types (include/uapi/linux/auxvec.h; x86-64 psABI
 * §3.4.3), in the order elf_build_stack writes them. */
#define AT_NULL 0
#define AT_PHDR 3
#define AT_PHENT 4
#define AT_PHNUM 5
#define AT_PAGESZ 6
#define AT_BASE 7
#define AT_FLAGS 8
#define AT_ENTRY 9
#define AT_UID 11
#define AT_EUID 12
#define AT_GID 13
#define AT_EGID 14
#define AT_PLATFORM 15
#define AT_HWCAP 16
#define AT_CLKTCK 17
#define AT_SECURE 23
#define AT_RANDOM 25
#define AT_HWCAP2 26
#define AT_EXECFN 31
#define AT_MINSIGSTKSZ 51

#define ELF_RANDOM_BYTES 16	/* AT_RANDOM */

/* The process's first stack. stack is a host buffer of size bytes that
 * will be the user addresses [user_top - size, user_top). */
struct elf_stack_args {
	void *stack;
	size_t size;
	uint64_t user_top;		/* 16-byte aligned */
	const char *const *argv;	/* NULL-terminated */
	const char *const *envp;	/* NULL-terminated */
	const char *execfn;		/* AT_EXECFN: the path given to exec */
	const char *platform;		/* AT_PLATFORM: "x86_64" */
	uint8_t random[ELF_RANDOM_BYTES];
	uint64_t hwcap, hwcap2;
	uint64_t uid, euid, gid, egid;
	uint64_t secure;		/* AT_SECURE: 1 after a set-user/group-ID change */
	uint64_t page_size;
	uint64_t clock_ticks;		/* AT_CLKTCK: 100, as USER_HZ */
	uint64_t interp_base;		/* AT_BASE: where the interpreter is (0: none) */
	uint64_t min_sigstack;		/* AT_MINSIGSTKSZ: the largest signal frame */
};

/* Writes the stack and stores the user stack pointer for process entry
 * (16-byte aligned, pointing at argc) in *sp. Returns 0, -ELF_E2BIG when
 * it does not fit in size, or -ELF_EINVAL for a misaligned user_top. */
int elf_build_stack(const struct elf_stack_args *args, const struct elf_image *img,
		    uint64_t *sp);

#endif
