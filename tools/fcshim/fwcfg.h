/* QEMU's fw_cfg interface (I/O ports 0x510/0x511): vCPU count, RAM size
 * and QEMU's own e820 table, none of them touched by the firmware. */
#ifndef FCSHIM_FWCFG_H
#define FCSHIM_FWCFG_H

#include <stdint.h>

#include "fcshim.h"

void fwcfg_check(void);
uint32_t fwcfg_cpus(void);
uint64_t fwcfg_ram_size(void);
/* Fills at most max entries of "etc/e820"; returns how many it holds. */
uint32_t fwcfg_e820(struct fc_region *out, uint32_t max);

#endif
