"""Boot tests of timers and signals on Flint (registered into cases.CASES):
alarm, the interval timers, POSIX timers and timerfd (tests/apps/timers.c),
the CPU-time clocks, getrusage and times (tests/apps/cputime.c) and
signalfd (tests/apps/sigextra.c), each compared with a run on this host
(the guest must print every "ok" line the host did, no FAIL, and the
summary), and process 1's immunity to signals
left at their default action (tests/apps/initsig.c, which only makes sense
as process 1: not run on the host).
"""
from cases import boot, check_boot, qemu
from linux_cases import (ENTRY, LIBCS, app, check_checks, fatal, host_ok_lines, linux_case,
                         pack)

# Boot plus a few seconds of timers, with room for slow emulation.
TIMEOUT = 90
# initsig.c's checks (tests/apps/initsig.c).
INITSIG_OKS = ["ok running as process 1",
               "ok a SIGUSR1 flood from a child leaves it running",
               "ok SIGTERM, SIGINT and SIGSTOP from a child at default are not delivered",
               "ok SIGKILL from a child does not end process 1",
               "ok a SIGUSR1 handler",
               "ok with a handler the flood reaches it",
               "ok a flood from a child with a handler",
               "ok the child's signals reach the handler"]


def run(name, path, dest):
    initrd = pack(name, path + ":" + dest)
    r = boot(name, qemu.command(append="-- " + dest, initrd=initrd), timeout=TIMEOUT)
    return r, check_boot(r, ENTRY)


def host_compared_case(name, program, libc):
    @linux_case(name)
    def _():
        path = app(program, libc)
        want = host_ok_lines(path)
        r, problems = run(name, path, "/bin/" + program)
        if fatal(problems):
            return problems
        return problems + check_checks(r, want)


def initsig_case(name, libc):
    @linux_case(name)
    def _():
        r, problems = run(name, app("initsig", libc), "/bin/initsig")
        if fatal(problems):
            return problems
        return problems + check_checks(r, INITSIG_OKS)


for libc in LIBCS:
    host_compared_case("timers-" + libc, "timers", libc)
    host_compared_case("timers-cputime-" + libc, "cputime", libc)
    host_compared_case("timers-signalfd-" + libc, "sigextra", libc)
    initsig_case("timers-init-signals-" + libc, libc)
