/*
 * Waiting for readiness, shared by poll/select (linux/sys_poll.c, which
 * defines these) and epoll (linux/epoll.c). Every wait has one shape: read
 * the poll generation, check the files, return if any is ready or the
 * deadline passed, else sleep in vfs_poll_wait until the generation moves.
 */
#ifndef LINUX_POLLWAIT_H
#define LINUX_POLLWAIT_H

#include <stdbool.h>
#include <stdint.h>

struct file;

/* Bits beyond <flint/vfs.h>'s, with Linux's values
 * (include/uapi/asm-generic/poll.h; EPOLL* share them). */
#define LINUX_POLLRDNORM 0x040
#define LINUX_POLLRDBAND 0x080
#define LINUX_POLLWRNORM 0x100
#define LINUX_POLLWRBAND 0x200

#define POLL_FOREVER 0		/* a deadline that never comes */

/* The x86-64 struct timespec (include/uapi/linux/time_types.h). */
struct poll_timespec {
	int64_t tv_sec;
	int64_t tv_nsec;
};

/* f's readiness with POLLRDNORM/POLLWRNORM added, as Linux's files give
 * them along with POLLIN/POLLOUT. */
unsigned poll_ready(struct file *f);

/* clock_ns() deadline ns from now (POLL_FOREVER when it would overflow). */
uint64_t poll_deadline(uint64_t ns);
/* The deadline of a timeout in milliseconds, negative for none. */
uint64_t poll_ms_deadline(int ms);
/* The deadline of a user struct timespec timeout (0: none, forever):
 * 0, -EFAULT, or -EINVAL when it is negative or not normalised. */
int poll_timespec_deadline(uint64_t uts, uint64_t *deadline);

/* Checks the caller's files: how many are ready (> 0), 0, or an error.
 * gen is the generation read before this check. */
typedef long (*poll_scan_fn)(void *arg, uint64_t gen);

/* Scans until something is ready (returns scan's count or error), the
 * deadline passes (0), or a signal comes (-EINTR). */
long poll_wait_loop(poll_scan_fn scan, void *arg, uint64_t deadline);

/* The signal mask of ppoll, pselect6 and epoll_pwait, in force during the
 * wait and, when a signal interrupts it, while the signal is delivered. */
struct poll_sigmask {
	uint64_t saved;
	bool active;
};

/* Installs the user mask at umask (0: none) of size bytes: 0, -EINVAL
 * (size is not 8), or -EFAULT. */
int poll_sigmask_begin(uint64_t umask, uint64_t size, struct poll_sigmask *sm);
/* Ends the wait that returned r, and returns what the syscall returns:
 * r, or for -EINTR signal_end_masked_wait's result (linux/linux.h). */
long poll_sigmask_end(struct poll_sigmask *sm, long r);

#endif
