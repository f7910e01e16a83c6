"""Boot tests of inotify (tests/apps/inotify.c): the events a watch on a
directory and one on a file report, in Linux's order, for musl and glibc;
the program's lines must be the host's running it in a scratch directory
(creating, writing and removing files there is harmless).
"""
import shutil
import subprocess
import tempfile

import linux_cases as lc
from cases import boot, check_boot, qemu


def interesting(lines):
    """The lines a run prints of its checks and events."""
    return [l for l in lines if l.startswith(("ok ", "FAIL ", "event ", "-- ", "all "))]


for libc in ("musl", "glibc"):
    def inotify_case(libc=libc):
        name = "linux-inotify-" + libc

        @lc.linux_case(name)
        def _():
            program = lc.app("inotify", libc)
            scratch = tempfile.mkdtemp(prefix="flint-inotify-")
            try:
                host = subprocess.run([program, scratch], stdout=subprocess.PIPE,
                                      stderr=subprocess.STDOUT, text=True, timeout=lc.TIMEOUT)
            finally:
                shutil.rmtree(scratch, ignore_errors=True)
            want = interesting(host.stdout.splitlines())
            if host.returncode:
                return ["the program fails on the host: %r" % want[-5:]]
            initrd = lc.pack(name, program + ":/bin/inotify")
            r = boot(name, qemu.command(initrd=initrd, append="-- /bin/inotify /tmp"),
                     timeout=lc.TIMEOUT)
            problems = check_boot(r, lc.ENTRY)
            got = interesting(lc.program_lines(r))
            if got != want:
                first = next((i for i, (g, w) in enumerate(zip(got, want)) if g != w),
                             min(len(got), len(want)))
                problems.append("line %d differs from the host's: got %r, want %r" % (
                    first, got[first:first + 3], want[first:first + 3]))
            return problems
    inotify_case()
