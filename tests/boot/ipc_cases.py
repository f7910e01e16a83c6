"""Boot tests of System V IPC on Flint (registered into cases.CASES),
through tests/apps/sysv.c with musl and glibc.

The program makes IPC objects, which on this host would be real ones, so
it does not run here: its checks assert Linux's documented values
(shmget(2), shmat(2), shmctl(2)), and the guest must print an "ok" line
for every check the source makes, no FAIL line, and the summary.
"""
import os
import re

from cases import boot, check_boot, qemu
from linux_cases import (ENTRY, LIBCS, ROOT, app, check_checks, fatal, linux_case, pack)

TIMEOUT = 30


def source_checks(program):
    """The "ok WHAT" lines a program's check() calls print."""
    with open(os.path.join(ROOT, "tests", "apps", program + ".c")) as f:
        text = f.read()
    # A check's name is the string its format string follows.
    return ["ok " + m for m in re.findall(r'"([^"%]+)",\s*"[^"]*"', text)]


def ipc_case(name, program, libc):
    @linux_case(name)
    def _():
        path = app(program, libc)
        dest = "/bin/" + program
        initrd = pack(name, path + ":" + dest)
        r = boot(name, qemu.command(append="-- " + dest, initrd=initrd), timeout=TIMEOUT)
        problems = check_boot(r, ENTRY)
        if fatal(problems):
            return problems
        return problems + check_checks(r, source_checks(program))


for _libc in LIBCS:
    ipc_case("ipc-sysv-" + _libc, "sysv", _libc)
