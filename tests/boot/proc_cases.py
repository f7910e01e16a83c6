"""Boot tests of /proc as programs read it and the process queries
(tests/apps/procfs.c): registered into cases.CASES like linux_cases'.

Each program runs on this host first; the guest must print every "ok"
line the host run did and no FAIL line."""
from linux_cases import LIBCS, checks_case

PROGRAMS = ["procfs", "sched"]

for libc in LIBCS:
    for program in PROGRAMS:
        checks_case("proc-%s-%s" % (program, libc), program, libc)


# busybox's ps state column and taskset -p, run by the same script here
# and in the guest: the forms must agree (pids and masks differ).
import re  # noqa: E402
import subprocess  # noqa: E402

from cases import boot, check_boot, qemu  # noqa: E402
import os  # noqa: E402

from linux_cases import (HOST_BUSYBOX, IMAGES, TIMEOUT, app, cmdline_words, fatal,  # noqa: E402
                         linux_case, pack, program_lines, tail)

PS_SCRIPT = ("sleep 30 & "
             "for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do "
             "out=$(busybox ps -o stat,comm); "
             "echo \"$out\" | busybox grep -qE '^S +(sleep|exe)$' && break; busybox sleep 0.5; done; "
             "echo \"$out\"; busybox taskset -p $$; busybox taskset -p 1 $$; kill $!")
# A shell that runs its applets through /proc/self/exe names them "exe",
# as Linux takes the name execve was given.
PS_FORMS = [r"STAT +COMMAND", r"S +(sleep|exe)", r"R +(ps|busybox|exe)", r"pid \d+'s current affinity mask: [0-9a-f]+",
            r"pid \d+'s new affinity mask: 1"]


def forms_missing(lines):
    return [f for f in PS_FORMS if not any(re.fullmatch(f, l.strip()) for l in lines)]


@linux_case("proc-busybox-ps-taskset")
def _():
    host = subprocess.run([HOST_BUSYBOX, "sh", "-c", PS_SCRIPT], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=TIMEOUT * 3)
    missing = forms_missing(host.stdout.splitlines())
    if missing:
        return ["the host's busybox does not print %r: %s" % (missing, host.stdout[-300:])]
    # The script is a file: the kernel command line takes no quotes.
    os.makedirs(IMAGES, exist_ok=True)
    script = os.path.join(IMAGES, "proc-busybox-ps-taskset.sh")
    with open(script, "w") as f:
        f.write(PS_SCRIPT + "\n")
    initrd = pack("proc-busybox-ps-taskset", app("hello", "musl"), script + ":/ps.sh",
                  options=["--busybox", "/bin"])
    argv = ["/bin/sh", "/ps.sh"]
    r = boot("proc-busybox-ps-taskset",
             qemu.command(append="-- " + cmdline_words(argv), initrd=initrd),
             timeout=TIMEOUT * 3)
    problems = check_boot(r, "pvh")
    if fatal(problems):
        return problems
    missing = forms_missing(program_lines(r))
    if missing:
        problems.append("no line of the forms %r%s" % (missing, tail(r)))
    return problems
