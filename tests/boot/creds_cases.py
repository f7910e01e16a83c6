"""Boot tests of users, groups, capabilities and permission checks on
Flint (registered into cases.CASES), through tests/apps/creds.c with musl
and glibc.

creds changes its own privileges (setuid, setgroups), so it never runs on
this host: its expected "ok" lines are read from its source, and the guest
must print each of them, no FAIL line, and the summary.
"""
import os
import re

from cases import ROOT, boot, check_boot, qemu
from linux_cases import ENTRY, LIBCS, app, fatal, linux_case, pack, program_lines, tail

TIMEOUT = 30
# check(cond, "WHAT", "fmt", ...): WHAT is a string followed by another.
CHECK_WHAT = re.compile(r'check\((?:[^;]*?),\s*"([^"]+)",\s*"', re.S)
SUMMARY = re.compile(r"all \d+ checks passed$")


def expected_ok_lines(source):
    with open(source) as f:
        text = f.read()
    return ["ok " + what for what in CHECK_WHAT.findall(text)]


def source_checks_case(name, program, libc, timeout=TIMEOUT):
    """A case for tests/apps/PROGRAM.c that the host does not run: the
    guest must print an ok line for every check in its source, no FAIL
    line, and the summary."""
    @linux_case(name)
    def _():
        want = expected_ok_lines(os.path.join(ROOT, "tests", "apps", program + ".c"))
        initrd = pack(name, app(program, libc) + ":/bin/" + program)
        r = boot(name, qemu.command(append="-- /bin/" + program, initrd=initrd),
                 timeout=timeout)
        problems = check_boot(r, ENTRY)
        if fatal(problems):
            return problems
        out = program_lines(r)
        problems += [l for l in out if l.startswith("FAIL ")]
        missing = [l[3:] for l in want if l not in out]
        if missing:
            problems.append("no ok line for: " + ", ".join(missing) + tail(r))
        if not any(SUMMARY.match(l) for l in out):
            problems.append("no summary line" + tail(r))
        return problems


for libc in LIBCS:
    source_checks_case("creds-" + libc, "creds", libc)
