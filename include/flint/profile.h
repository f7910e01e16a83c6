/* A sampling profiler for developers (kernel/profile.c): with the option
 * "profile", the boot CPU samples the interrupted instruction every
 * PROFILE_PERIOD_US of the clock, and when the VM ends "profile:" lines
 * name the kernel functions that took the most samples (user code counts
 * as one line). Under TCG it shows where emulated time goes, which no
 * host profiler can see inside translated code. */
#ifndef FLINT_PROFILE_H
#define FLINT_PROFILE_H

/* Boot CPU, once timers run: starts sampling when the option asks. */
void profile_start(void);
/* Prints the samples' top functions; nothing without the option. */
void profile_show(void);

#endif
