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
SOURCE = os.path.join(ROOT, "tests", "apps", "creds.c")
# check(cond, "WHAT", "fmt", ...): WHAT is a string followed by another.
CHECK_WHAT = re.compile(r'check\((?:[^;]*?),\s*"([^"]+)",\s*"', re.S)
SUMMARY = re.compile(r"all \d+ checks passed$")


def expected_ok_lines():
    with open(SOURCE) as f:
        text = f.read()
    return ["ok " + what for what in CHECK_WHAT.findall(text)]


def creds_case(name, libc):
    @linux_case(name)
    def _():
        want = expected_ok_lines()
        initrd = pack(name, app("creds", libc) + ":/bin/creds")
        r = boot(name, qemu.command(append="-- /bin/creds", initrd=initrd), timeout=TIMEOUT)
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
    creds_case("creds-" + libc, libc)
