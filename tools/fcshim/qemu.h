/* What QEMU's PVH boot hands the shim, copied out of low memory before the
 * shim wipes it (qemu-test-platform.md §3). */
#ifndef FCSHIM_QEMU_H
#define FCSHIM_QEMU_H

#include <stdint.h>

#define QEMU_CMDLINE_MAX 4096u

struct qemu_boot {
	char cmdline[QEMU_CMDLINE_MAX];
	uint32_t module_addr;	/* module 0: the kernel ELF (-initrd) */
	uint32_t module_size;
};

void qemu_boot_read(uint32_t start_info, struct qemu_boot *qb);

#endif
