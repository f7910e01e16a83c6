/* The kernel ELF, read the way Firecracker's loader reads it (contract §2). */
#ifndef FCSHIM_ELF_H
#define FCSHIM_ELF_H

#include <stdbool.h>
#include <stdint.h>

#define KERNEL_MAX_SEGMENTS 16u

struct kernel_segment {
	uint32_t offset;	/* in the file */
	uint32_t paddr;
	uint32_t filesz;
	uint32_t memsz;
};

struct kernel_image {
	uint32_t file;		/* where the ELF file lies (QEMU's module) */
	uint32_t file_size;
	uint32_t entry;		/* e_entry */
	bool has_pvh_note;
	uint32_t pvh_entry;	/* XEN_ELFNOTE_PHYS32_ENTRY descriptor */
	uint32_t nseg;
	struct kernel_segment seg[KERNEL_MAX_SEGMENTS];
};

/* Validates the headers and notes; ends the VM on anything Firecracker
 * would refuse or the shim cannot place. */
void elf_inspect(uint32_t file, uint32_t size, struct kernel_image *k);
/* Copies p_filesz to p_paddr and zeroes the rest of p_memsz. */
void elf_load(const struct kernel_image *k);

#endif
