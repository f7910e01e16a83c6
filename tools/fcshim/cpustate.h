/* The final hand-over: descriptor tables, page tables and MSRs, then the
 * jump in Firecracker's register state (contract §4, §7, §17.2.6-7). */
#ifndef FCSHIM_CPUSTATE_H
#define FCSHIM_CPUSTATE_H

#include <stdint.h>

#include "fcshim.h"

_Noreturn void enter_kernel(enum fc_version v, enum fc_entry e, uint32_t entry);

#endif
