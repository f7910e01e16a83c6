/* QEMU's fw_cfg interface (I/O ports 0x510/0x511): vCPU count, RAM size
 * and QEMU's own e820 table, none of them touched by the firmware, and
 * the files given with -fw_cfg (the initrd). */
#ifndef FCSHIM_FWCFG_H
#define FCSHIM_FWCFG_H

#include <stdbool.h>
#include <stdint.h>

#include "fcshim.h"

void fwcfg_check(void);
uint32_t fwcfg_cpus(void);
uint64_t fwcfg_ram_size(void);
/* Fills at most max entries of "etc/e820"; returns how many it holds. */
uint32_t fwcfg_e820(struct fc_region *out, uint32_t max);
/* Selects the named file and sets *size to its size; false when QEMU has
 * no such file. */
bool fwcfg_find_file(const char *name, uint32_t *size);
/* Copies the whole named file (size bytes) to guest-physical addr. */
void fwcfg_read_file(const char *name, uint32_t addr, uint32_t size);

#endif
