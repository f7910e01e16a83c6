"""Boot tests of file features on Flint (registered into cases.CASES):
record, OFD and flock locks between processes (tests/apps/locks.c), the
other file calls (tests/apps/fileops.c), and busybox's mkfifo, ln, touch
and dd of=/dev/full against the host's busybox.

The C programs run on this host first; the guest must print every "ok"
line the host run did, no FAIL line, and the summary.
"""
import os
import shutil
import subprocess
import tempfile

from cases import boot, check_boot, qemu
from linux_cases import (ENTRY, HOST_BUSYBOX, LIBCS, app, check_checks, fatal, host_ok_lines,
                         linux_case, pack, program_lines, tail)

TIMEOUT = 30
PROGRAMS = ["locks", "fileops"]


def files_case(name, program, libc):
    @linux_case(name)
    def _():
        path = app(program, libc)
        want = host_ok_lines(path)
        initrd = pack(name, path + ":/bin/" + program)
        r = boot(name, qemu.command(append="-- /bin/" + program, initrd=initrd),
                 timeout=TIMEOUT)
        problems = check_boot(r, ENTRY)
        if fatal(problems):
            return problems
        return problems + check_checks(r, want)


# busybox's mkfifo, ln, touch and dd of=/dev/full in a fresh directory:
# the script's output and status as the host's busybox gives them.
SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "files_busybox.sh")


@linux_case("files-busybox")
def _():
    name = "files-busybox"
    tmp = tempfile.mkdtemp(prefix="flint-files-")
    try:
        host = subprocess.run([HOST_BUSYBOX, "sh", SCRIPT, tmp], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, timeout=TIMEOUT)
    finally:
        shutil.rmtree(tmp)
    want = host.stdout.splitlines()
    initrd = pack(name, app("hello", "musl") + ":/init", SCRIPT + ":/files.sh",
                  options=["--busybox", "/bin"])
    r = boot(name, qemu.command(append="-- /bin/sh /files.sh /tmp", initrd=initrd),
             timeout=TIMEOUT)
    problems = check_boot(r, ENTRY, status=host.returncode)
    if fatal(problems):
        return problems
    got = program_lines(r)[:len(want)]
    if got != want:
        problems.append("output differs from the host's busybox: expected %r%s" % (want, tail(r)))
    return problems


for _libc in LIBCS:
    for _program in PROGRAMS:
        files_case("files-%s-%s" % (_program, _libc), _program, _libc)
