"""Boot tests of file features on Flint (registered into cases.CASES):
record, OFD and flock locks between processes (tests/apps/locks.c), the
other file calls (tests/apps/fileops.c), and busybox's mkfifo, ln, touch
and dd of=/dev/full against the host's busybox.

The C programs run on this host first; the guest must print every "ok"
line the host run did, no FAIL line, and the summary.
"""
from cases import boot, check_boot, qemu
from linux_cases import (ENTRY, LIBCS, app, check_checks, cmdline_words, fatal, has_block,
                         host_ok_lines, linux_case, pack, program_lines, tail)

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


for _libc in LIBCS:
    for _program in PROGRAMS:
        files_case("files-%s-%s" % (_program, _libc), _program, _libc)
