/* Signals: a SIGSEGV caught with its fault address, SIGUSR1 by raise and
 * by kill, blocking and unblocking, and a handler on an alternate stack. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "check.h"

#define BAD_ADDRESS 16
/* Fixed: glibc's SIGSTKSZ is not a constant under _GNU_SOURCE. */
#define ALT_STACK_SIZE (64 * 1024)

/* Through a volatile pointer: the compiler may not see it is a bad one. */
static int *volatile bad_pointer = (int *)BAD_ADDRESS;
static sigjmp_buf escape;
static volatile sig_atomic_t segv_signo, segv_code, usr1_count;
static void *volatile segv_addr;
static volatile uintptr_t handler_sp;
static char alt_stack[ALT_STACK_SIZE];

static void on_segv(int sig, siginfo_t *info, void *ctx)
{
	(void)ctx;
	segv_signo = sig;
	segv_code = info->si_code;
	segv_addr = info->si_addr;
	siglongjmp(escape, 1);
}

static void on_usr1(int sig)
{
	(void)sig;
	usr1_count++;
}

static void on_usr2(int sig)
{
	volatile char here;

	(void)sig;
	handler_sp = (uintptr_t)&here;
}

static void check_segv(void)
{
	struct sigaction sa = { .sa_sigaction = on_segv, .sa_flags = SA_SIGINFO };

	sigemptyset(&sa.sa_mask);
	check(sigaction(SIGSEGV, &sa, NULL) == 0, "sigaction SIGSEGV", "%s", strerror(errno));
	if (sigsetjmp(escape, 1) == 0) {
		*bad_pointer = 1;
		check(0, "SIGSEGV caught", "the write to address %d did not fault", BAD_ADDRESS);
		return;
	}
	check(segv_signo == SIGSEGV, "SIGSEGV caught", "signal %d", (int)segv_signo);
	check(segv_addr == (void *)BAD_ADDRESS, "si_addr is the fault address", "%p",
	      segv_addr);
	check(segv_code == SEGV_MAPERR, "si_code SEGV_MAPERR", "%d", (int)segv_code);

	/* siglongjmp restored the mask: SIGSEGV is not blocked any more. */
	sigset_t now;
	sigprocmask(SIG_BLOCK, NULL, &now);
	check(!sigismember(&now, SIGSEGV), "siglongjmp restores the mask", "SIGSEGV blocked");
}

static void check_usr1(void)
{
	struct sigaction sa = { .sa_handler = on_usr1 };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	check(raise(SIGUSR1) == 0 && usr1_count == 1, "raise SIGUSR1", "handler ran %d times",
	      (int)usr1_count);
	check(kill(getpid(), SIGUSR1) == 0 && usr1_count == 2, "kill(getpid(), SIGUSR1)",
	      "handler ran %d times", (int)usr1_count);

	sigset_t set, pending;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	raise(SIGUSR1);
	sigpending(&pending);
	check(usr1_count == 2 && sigismember(&pending, SIGUSR1), "blocked signal stays pending",
	      "count %d, pending %d", (int)usr1_count, sigismember(&pending, SIGUSR1));
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	check(usr1_count == 3, "unblocking delivers", "handler ran %d times", (int)usr1_count);
}

static void check_altstack(void)
{
	stack_t ss = { .ss_sp = alt_stack, .ss_size = sizeof(alt_stack) };
	struct sigaction sa = { .sa_handler = on_usr2, .sa_flags = SA_ONSTACK };

	check(sigaltstack(&ss, NULL) == 0, "sigaltstack", "%s", strerror(errno));
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR2, &sa, NULL);
	raise(SIGUSR2);
	uintptr_t lo = (uintptr_t)alt_stack, hi = lo + sizeof(alt_stack);
	check(handler_sp >= lo && handler_sp < hi, "handler runs on the alternate stack",
	      "sp %#lx, stack [%#lx, %#lx)", (unsigned long)handler_sp, (unsigned long)lo,
	      (unsigned long)hi);
}

int main(void)
{
	check_segv();
	check_usr1();
	check_altstack();
	return checks_done();
}
