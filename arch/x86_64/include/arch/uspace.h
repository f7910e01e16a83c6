/* User-mode plumbing between arch files (arch/x86_64/uspace.c). */
#ifndef ARCH_USPACE_H
#define ARCH_USPACE_H

#include <arch/trap.h>
#include <stdbool.h>
#include <stdint.h>

/* Per CPU: the syscall MSRs, SMEP and SMAP where the CPU has them. */
void uspace_cpu_init(void);

/* paging.c made a new top-level entry in the kernel half: every address
 * space gets it too. */
void uspace_kernel_entry(unsigned index, uint64_t entry);

/* A page fault in kernel mode at a user address (a copy routine's
 * access): true when the trap was handled (resolved, or sent to the
 * copy routine's -EFAULT exit). */
bool uspace_kernel_fault(struct trap_frame *f, uint64_t addr);

/* A trap from user mode (any vector below 32) and the way back. */
void uspace_trap(struct trap_frame *f);
void uspace_leave(struct trap_frame *f);

/* Whether SMAP is on: the copy routines bracket their accesses with
 * STAC/CLAC only then (usercopy.S reads it). */
extern bool uspace_smap;

#endif
