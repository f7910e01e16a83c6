/*
 * User mode (arch/x86_64/uspace.c, usercopy.S, syscall.S): page tables for
 * a user address space, entering and resuming ring 3, copying to and from
 * user memory, and the hooks the arch code calls into the layer that owns
 * user programs (linux/). See docs/linux-abi.md, "Privilege".
 */
#ifndef FLINT_USPACE_H
#define FLINT_USPACE_H

#include <arch/trap.h>
#include <flint/compiler.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The first address above user space: Linux's TASK_SIZE_MAX with 4-level
 * paging (2^47 less a guard page). Every user address is below it. */
#define USER_TOP 0x7ffffffff000ull

/* Page protections, as PROT_READ/WRITE/EXEC. */
#define UPROT_R 1u
#define UPROT_W 2u
#define UPROT_X 4u

/* One address space's user half. The kernel half is shared by all. */
struct uspace;

/* NULL when out of memory. */
struct uspace *uspace_create(void);
/* Frees the page tables; the pages still mapped are the caller's to free
 * first (uspace_unmap gives each back). It must be active nowhere. */
void uspace_destroy(struct uspace *us);

/* Maps the 4 KiB page at va (page-aligned, below USER_TOP) to phys with
 * prot, replacing what was there: 0 or -ENOMEM (page tables). prot 0
 * keeps the page for its owner but makes it inaccessible. */
int uspace_map(struct uspace *us, uint64_t va, uint64_t phys, unsigned prot);
/* Removes va's page: its physical address, or 0 when none was mapped. */
uint64_t uspace_unmap(struct uspace *us, uint64_t va);
/* Changes a mapped page's protection: its physical address, or 0. */
uint64_t uspace_protect(struct uspace *us, uint64_t va, unsigned prot);
/* The physical page at va and its prot, or 0 when none is mapped. */
uint64_t uspace_lookup(struct uspace *us, uint64_t va, unsigned *prot);
/* The first page in [va, end) that uspace_lookup would find, or end:
 * whole missing tables are skipped, so sparse areas cost little. */
uint64_t uspace_next_mapped(struct uspace *us, uint64_t va, uint64_t end);
/* After unmapping or reducing protection: every CPU where us is active
 * drops its stale translations (an IPI each; returns when all have). */
void uspace_flush(struct uspace *us);

/* Starts user mode with the registers in *regs (rip, rsp, rflags are
 * sanitised: IF set, IOPL 0; cs and ss are the user selectors). Runs on
 * the calling thread's own kernel stack, which it resets to the top. */
__noreturn void uspace_resume(const struct trap_frame *regs);

/* The thread's user state the scheduler loads when it runs it: its
 * address space (NULL: a kernel thread), FS and GS bases. */
struct thread;
void uspace_set_thread(struct thread *t, struct uspace *us);
void uspace_set_fs(uint64_t base);	/* the calling thread's */
void uspace_set_gs(uint64_t base);
/* The scheduler, before switching to next: its address space, kernel
 * stack for entries from user mode, FS and GS bases. */
void uspace_switch(struct thread *next);

/* Copies between kernel and user memory. The user range must lie below
 * USER_TOP; a page that is not mapped is faulted in (uspace_fault) when
 * interrupts are on, and anything else gives -EFAULT instead of a crash.
 * Returns 0 or -EFAULT. */
int copy_from_user(void *dst, const void *usrc, size_t n);
int copy_to_user(void *udst, const void *src, size_t n);
int clear_user(void *udst, size_t n);
/* A NUL-terminated string of at most size bytes with its NUL: its length,
 * -EFAULT, or -ENAMETOOLONG when there is no NUL in size bytes. */
long strncpy_from_user(char *dst, const char *usrc, size_t size);
/* Futex words: an atomic compare-exchange (*cur gets the old value) and
 * a load. These never fault pages in: with interrupts off (a spinlock
 * held) an absent page gives -EFAULT; fault it in and retry. */
int user_cmpxchg32(uint32_t *uaddr, uint32_t expected, uint32_t desired, uint32_t *cur);
int user_load32(const uint32_t *uaddr, uint32_t *val);

/*
 * Implemented by the layer that runs user programs (linux/), called by
 * the arch code.
 */
/* The syscall instruction: number in regs->rax, arguments in rdi, rsi,
 * rdx, r10, r8, r9; the result goes in regs->rax. */
void uspace_syscall(struct trap_frame *regs);
/* A page fault at a user address, from user mode or from a copy routine:
 * true when it was resolved (demand paging) and the access may retry. */
bool uspace_fault(uint64_t addr, bool write, bool exec);
/* Any other exception in user mode (or an unresolved page fault):
 * typically a signal. fault_addr is CR2 for page faults. */
void uspace_exception(struct trap_frame *regs, uint64_t fault_addr);
/* Every return to user mode (after a syscall, exception or interrupt):
 * pending signals are delivered by rewriting *regs. */
void uspace_return(struct trap_frame *regs);

#endif
