"""Boot tests of processes on Flint (registered into cases.CASES): fork,
vfork, execve, the wait calls, pipes between processes, process groups,
posix_spawn and /proc/<pid>, through tests/apps/fork.c and spawn.c (each
with musl and glibc) and busybox sh.

The C programs run on this host first; the guest must print every "ok"
line the host run did, no FAIL line, and the summary. fork runs as
process 1 on Flint, so it also makes the checks that need that (the
orphan's adoption by process 1, MemFree unchanged over 50 forks), which a
host run skips: their ok lines are required on top of the host's. The
shell cases compare busybox sh in the guest with the host's busybox
running the same script or command.
"""
import re

from cases import boot, check_boot, qemu
from linux_cases import (ENTRY, LIBCS, app, check_checks, cmdline_words, executable_text,
                         fatal, has_block, host_expected, host_ok_lines, linux_case, pack,
                         program_lines, shell_session, tail)

TIMEOUT = 30
# fork.c's checks that only process 1 makes (a host run prints "skip").
PID1_CHECKS = ["ok orphan adopted by process 1", "ok no memory leaked over 50 forks"]


def check_fork(r, want):
    """check_checks with the process-1 checks added to the host's."""
    return check_checks(r, want + [l for l in PID1_CHECKS if l not in want])


def fork_case(name, libc, smp=1):
    @linux_case(name)
    def _():
        path = app("fork", libc)
        want = host_ok_lines(path)
        initrd = pack(name, path + ":/bin/fork")
        r = boot(name, qemu.command(smp=smp, append="-- /bin/fork", initrd=initrd),
                 timeout=TIMEOUT)
        problems = check_boot(r, ENTRY, cpus=smp)
        if fatal(problems):
            return problems
        return problems + check_fork(r, want)


def spawn_case(name, libc):
    """spawn with its spawnee and busybox (system() and the #! script
    need /bin/sh)."""
    @linux_case(name)
    def _():
        spawn, spawnee = app("spawn", libc), app("spawnee", libc)
        want = host_ok_lines(spawn, [spawnee])
        initrd = pack(name, spawn + ":/bin/spawn", spawnee + ":/bin/spawnee",
                      options=["--busybox", "/bin"])
        r = boot(name, qemu.command(append="-- /bin/spawn /bin/spawnee", initrd=initrd),
                 timeout=TIMEOUT)
        problems = check_boot(r, ENTRY)
        if fatal(problems):
            return problems
        return problems + check_checks(r, want)


# A script with functions, loops, pipelines, command substitution,
# background jobs and wait, and statuses through $?; it ends with status 3.
SCRIPT = r"""square() { echo $(( $1 * $1 )); }
count() { wc -l | tr -d ' '; }
for i in 1 2 3 4; do square $i; done
seq 1 20 | sort -r | head -3
echo "upper: $(echo hi | tr a-z A-Z)"
n=0
while [ $n -lt 5 ]; do n=$((n + 1)); done
echo "n=$n"
echo "lines: $(seq 1 100 | count)"
echo "sum: $(( $(seq 1 10 | tr '\n' + | sed 's/+$//') ))"
f=/tmp/process-bg.$$
(echo background; exit 6) > $f &
p=$!
sleep 0.1 &
q=$!
wait $p
echo "background status $?"
wait $q
echo "sleep status $?"
cat $f
rm -f $f
false
echo "false gives $?"
sh -c 'exit 9'
echo "sh -c gives $?"
if echo abc | grep -q b; then echo "grep found b"; fi
case $(echo yes | cut -c1-2) in ye) echo "case ye";; *) echo "case other";; esac
echo done | cat | cat | cat
exit 3
"""

SH_COMMANDS = {
    "pipeline": "seq 1 20 | sort -r | head -3",
    "subst": "echo $(echo hi | tr a-z A-Z)",
    "background": "(exit 4) & wait $!; echo status $?; echo a & echo b & wait; echo end",
    "status": "false; echo $?; true; echo $?; (exit 7); echo $?",
}


def busybox_process_initrd(name):
    """hello as /init, busybox in /bin, SCRIPT as /script.sh."""
    script = executable_text(name + ".sh", SCRIPT)
    return pack(name, app("hello", "musl"), script + ":/script.sh",
                options=["--busybox", "/bin"])


def shell_case(name, argv, sort_lines=False):
    """argv in the guest and by the host's busybox: the same status and
    output (sorted first with sort_lines, for jobs whose order is free)."""
    @linux_case(name)
    def _():
        initrd = busybox_process_initrd(name)
        status, want = host_expected(initrd, argv)
        r = boot(name, qemu.command(append="-- " + cmdline_words(argv), initrd=initrd),
                 timeout=TIMEOUT)
        problems = check_boot(r, ENTRY, status=status)
        if fatal(problems):
            return problems
        got = program_lines(r)
        if sort_lines:
            if sorted(want) != sorted(l for l in got if l in want):
                problems.append("output differs from the host's busybox (in any order): "
                                "expected %r%s" % (want, tail(r)))
        elif not has_block(got, want):
            problems.append("output differs from the host's busybox: expected %r%s"
                            % (want, tail(r)))
        return problems


@linux_case("process-busybox-sh-interactive")
def _():
    name = "process-busybox-sh-interactive"
    return shell_session(name, busybox_process_initrd(name), b"seq 1 5 | wc -l\nexit 3\n", 3,
                         "5")


@linux_case("process-busybox-ps")
def _():
    # busybox ps reads /proc/<pid>/stat and cmdline: the shell, a
    # background sleep and ps itself, each with its pid and command line.
    name = "process-busybox-ps"
    initrd = busybox_process_initrd(name)
    r = boot(name, qemu.command(append='-- /bin/sh -c "/bin/sleep 1 & /bin/ps; wait"',
                                initrd=initrd), timeout=TIMEOUT)
    problems = check_boot(r, ENTRY)
    if fatal(problems):
        return problems
    rows = [l.split(None, 2) for l in program_lines(r) if re.match(r"^\s*\d+ ", l)]
    commands = {int(row[0]): row[2] for row in rows if len(row) == 3}
    for pid, want in ((1, "/bin/sh -c"), (2, "/bin/sleep 1"), (3, "/bin/ps")):
        if want not in commands.get(pid, ""):
            problems.append("ps shows %r for pid %d, expected %r in it%s" %
                            (commands.get(pid), pid, want, tail(r)))
    return problems


def register():
    for libc in LIBCS:
        fork_case("process-fork-" + libc, libc)
        spawn_case("process-spawn-" + libc, libc)
    fork_case("process-fork-musl-smp2", "musl", smp=2)
    shell_case("process-busybox-script", ["/bin/sh", "/script.sh"])
    for what, command in SH_COMMANDS.items():
        shell_case("process-busybox-sh-" + what, ["/bin/sh", "-c", command],
                   sort_lines=what == "background")


register()
