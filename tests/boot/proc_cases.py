"""Boot tests of /proc as programs read it and the process queries
(tests/apps/procfs.c): registered into cases.CASES like linux_cases'.

Each program runs on this host first; the guest must print every "ok"
line the host run did and no FAIL line."""
from linux_cases import LIBCS, checks_case

PROGRAMS = ["procfs", "sched"]

for libc in LIBCS:
    for program in PROGRAMS:
        checks_case("proc-%s-%s" % (program, libc), program, libc)
