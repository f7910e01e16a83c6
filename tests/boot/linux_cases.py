"""Boot tests of Linux programs on Flint (registered into cases.CASES).

Each case packs an initrd with tools/flint-initrd into build/images/ and
boots it with the program named after "--". The guest test programs
(tests/apps/, built into build/apps/ by `make apps`) print "ok WHAT" and
"FAIL WHAT: ..." lines: the same binary is first run on this host, and
the guest must print every "ok" line the host run did, no FAIL line, and
end with the host's status. Busybox applets are compared with the host's
busybox running the same command on the same files.

Flint's exit status is the program's: 0, 3, or 128 + signal for a fatal
signal (abort: 134). The Firecracker shim takes the kernel as its
module and the initrd as a fw_cfg file (Firecracker's initrd_path); the
linux-fcshim-* cases boot programs through it.
"""
import hashlib
import json
import os
import random
import re
import shlex
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
import time

import cases
from cases import boot, case, check_boot, qemu

ROOT = cases.ROOT
APPS = os.path.join(ROOT, "build", "apps")
IMAGES = os.path.join(ROOT, "build", "images")
FLINT_INITRD = os.path.join(ROOT, "tools", "flint-initrd")
HOST_BUSYBOX = "/bin/busybox"
ENTRY = "pvh"
TIMEOUT = 20
SIGABRT = 6
ABORT_STATUS = 128 + SIGABRT

# The args program's expectations (tests/apps/args.c).
ARGS_ARGV = ["alpha", "beta", "gamma=delta"]
ARGS_ENV = ("FLINT_APP", "args-env")

# Without musl-gcc the programs cannot be built: the cases are left out.
MUSL_GCC = shutil.which("musl-gcc")
if not MUSL_GCC:
    print("SKIP boot.linux-*: musl-gcc is not installed (tools/install-deps.sh installs "
          "musl-tools); the Linux-program cases are not registered", flush=True)


def linux_case(name):
    return case(name) if MUSL_GCC else (lambda fn: fn)


class Problem(Exception):
    """A case cannot go on (a file to pack is missing, the host run fails)."""


def app(name, variant):
    path = os.path.join(APPS, "%s.%s" % (name, variant))
    if not os.path.exists(path):
        raise Problem("%s is missing (make apps)" % os.path.relpath(path, ROOT))
    return path


def pack(name, program, *files, options=()):
    """build/images/<name>.cpio, made by tools/flint-initrd with /tmp."""
    os.makedirs(IMAGES, exist_ok=True)
    path = os.path.join(IMAGES, name + ".cpio")
    p = subprocess.run([FLINT_INITRD, "-o", path, program, *files, "--dir", "/tmp", *options],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if p.returncode:
        raise Problem("flint-initrd failed: " + p.stdout.strip())
    return path


def cmdline_words(argv):
    """argv as words of Flint's command line, where only double quotes quote."""
    for a in argv:
        if '"' in a:
            raise Problem("%r cannot go on the kernel command line" % a)
    return " ".join('"%s"' % a if not a or re.search(r"\s", a) else a for a in argv)


def program_lines(r):
    """The lines after the kernel's boot line: the program's, and whatever
    the kernel says when it ends."""
    lines = r.lines()
    for i, line in enumerate(lines):
        if cases.BOOT_LINE.match(line):
            return lines[i + 1:]
    return []


def tail(r):
    """The end of the program's output, for a problem's message."""
    return "; the output after the boot line ends with %r" % program_lines(r)[-4:]


def has_block(lines, block):
    n = len(block)
    return any(lines[i:i + n] == block for i in range(len(lines) - n + 1))


def fatal(problems):
    """check_boot's problems that make the rest meaningless."""
    return [p for p in problems if p.startswith(("timed out", "expected one boot line"))]


# Host runs of the test programs, by (path, argv): their "ok" lines.
host_runs = {}
host_lock = threading.Lock()


def host_ok_lines(path, args=(), env=None):
    key = (path, tuple(args))
    with host_lock:
        if key not in host_runs:
            p = subprocess.run([path, *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, timeout=TIMEOUT, env=env)
            host_runs[key] = (p.returncode, [l for l in p.stdout.splitlines()
                                             if l.startswith("ok ")], p.stdout)
    rc, ok, out = host_runs[key]
    if rc:
        raise Problem("%s fails on the host too (rc %d): %s" % (
            os.path.relpath(path, ROOT), rc, out.strip()[-300:]))
    return ok


def check_checks(r, want_ok):
    """The guest printed every expected ok line, no FAIL, and the summary."""
    out = program_lines(r)
    problems = [l for l in out if l.startswith("FAIL ")]
    got = set(l for l in out if l.startswith("ok "))
    missing = [l[3:] for l in want_ok if l not in got]
    if not got:
        problems.append("no ok line at all" + tail(r))
    elif missing:
        problems.append("no ok line for: " + ", ".join(missing))
    summary = "all %d checks passed" % len(want_ok)
    if summary not in out:
        problems.append("no line %r" % summary)
    return problems


def run_program(name, path, machine="q35", smp=1, args=(), env=(), status=0, options=()):
    """Boots path as /bin/<program> with args, env.NAME=value and other
    kernel options."""
    dest = "/bin/" + os.path.basename(path).split(".")[0]
    initrd = pack(name, path + ":" + dest)
    line = " ".join(list(options) + ["env.%s=%s" % kv for kv in env] +
                    ["--", cmdline_words([dest, *args])])
    r = boot(name, qemu.command(machine=machine, smp=smp, append=line, initrd=initrd),
             timeout=TIMEOUT * (2 if smp > 1 else 1))
    return r, dest, check_boot(r, ENTRY, cpus=smp, status=status)


LIBCS = ["musl", "glibc"]
CHECK_PROGRAMS = ["args", "files", "mem", "time", "random", "threads", "poll", "signal",
                  "efault", "sigmask", "restart", "mapfile", "shm"]
# Also run as static-PIE (APPS_PIE in tests/apps/apps.mk).
PIE_CHECK_PROGRAMS = ["args", "files"]


def hello_case(name, variant, machine="q35"):
    @linux_case(name)
    def _():
        r, dest, problems = run_program(name, app("hello", variant), machine=machine)
        if fatal(problems):
            return problems
        libc = variant.split("-")[0]
        want = ["hello from " + libc, "argv[0] " + dest]
        if not has_block(program_lines(r), want):
            problems.append("expected lines %r%s" % (want, tail(r)))
        return problems


def checks_case(name, program, variant, smp=1):
    @linux_case(name)
    def _():
        path = app(program, variant)
        args, env = (ARGS_ARGV, [ARGS_ENV]) if program == "args" else ([], [])
        host_env = dict(os.environ, **dict(env))
        want = host_ok_lines(path, [*args], host_env)
        r, _, problems = run_program(name, path, smp=smp, args=args, env=env)
        if fatal(problems):
            return problems
        return problems + check_checks(r, want)


def status_case(name, program, variant, status, line):
    @linux_case(name)
    def _():
        r, _, problems = run_program(name, app(program, variant), status=status)
        if fatal(problems):
            return problems
        if line not in program_lines(r):
            problems.append("no line %r%s" % (line, tail(r)))
        return problems


# The console line for an unimplemented syscall (linux/syscall.c), the
# first call of each number only.
ENOSYS_LINE = "flint: syscall %d (%s) is not implemented: ENOSYS"
ENOSYS_CALLS = [(999, "unknown"), (180, "nfsservctl")]


def enosys_case(name, libc):
    @linux_case(name)
    def _():
        path = app("enosys", libc)
        want = host_ok_lines(path)
        r, _, problems = run_program(name, path)
        if fatal(problems):
            return problems
        problems += check_checks(r, want)
        lines = program_lines(r)
        for nr, sname in ENOSYS_CALLS:
            line = ENOSYS_LINE % (nr, sname)
            n = sum(1 for l in lines if l == line)
            if n != 1:
                problems.append("%d lines %r, expected one" % (n, line))
        others = [l for l in lines if "is not implemented" in l and
                  l not in [ENOSYS_LINE % c for c in ENOSYS_CALLS]]
        if others:
            problems.append("other syscalls not implemented: %r" % others)
        return problems


# strace's lines (linux/syscall.c): "[TID] name(args) = result", and
# "[TID] exit_group(0)" for a call that does not return.
STRACE_WRITE = re.compile(r"^\[1\] writev?\(1, .*\) = (-?\d+)$")


def strace_case(name, libc):
    @linux_case(name)
    def _():
        dest = "/bin/hello"
        initrd = pack(name, app("hello", libc) + ":" + dest)
        r = boot(name, qemu.command(append="strace -- " + dest, initrd=initrd),
                 timeout=TIMEOUT)
        problems = check_boot(r, ENTRY)
        if fatal(problems):
            return problems
        lines = program_lines(r)
        want = ["hello from " + libc, "argv[0] " + dest]
        for line in want:
            if line not in lines:
                problems.append("no line %r" % line + tail(r))
        written = [int(m.group(1)) for m in map(STRACE_WRITE.match, lines) if m]
        if sum(written) != sum(len(l) + 1 for l in want):
            problems.append("write/writev lines to fd 1 returned %r, expected %d bytes in all"
                            % (written, sum(len(l) + 1 for l in want)))
        if "[1] exit_group(0)" not in lines:
            problems.append("no line '[1] exit_group(0)'" + tail(r))
        if not any(re.match(r"^\[1\] \w+\(.*\) = ", l) for l in lines[:3]):
            problems.append("the first lines are no traced calls: %r" % lines[:3])
        return problems


# The kernel's environment for the first program (linux/process.c).
DEFAULT_ENV = ["PATH=/bin:/sbin:/usr/bin:/usr/sbin", "HOME=/", "TERM=linux"]


def environ_lines(r):
    """The environ program's report: argv and the environment, as lists."""
    lines = program_lines(r)
    argv = [l.split(" ", 1)[1] for l in lines if re.match(r"^argv\[\d+\] ", l)]
    env = [l[len("env "):] for l in lines if l.startswith("env ")]
    return argv, env


def init_env_case(name, libc):
    """init= picks the program (not /init, which is hello here); env.NAME=value
    adds to the defaults or replaces one."""
    @linux_case(name)
    def _():
        dest = "/bin/environ"
        initrd = pack(name, app("hello", libc), app("environ", libc) + ":" + dest)
        r = boot(name, qemu.command(append="env.FOO=bar env.HOME=/tmp init=" + dest,
                                    initrd=initrd), timeout=TIMEOUT)
        problems = check_boot(r, ENTRY)
        if fatal(problems):
            return problems
        argv, env = environ_lines(r)
        if argv != [dest]:
            problems.append("argv %r, expected %r%s" % (argv, [dest], tail(r)))
        want = ["FOO=bar", "HOME=/tmp", DEFAULT_ENV[0], DEFAULT_ENV[2]]
        if sorted(env) != sorted(want):
            problems.append("environment %r, expected %r" % (env, want))
        return problems


def default_init_case(name, libc):
    """No program after --: /init runs, with the default environment."""
    @linux_case(name)
    def _():
        initrd = pack(name, app("environ", libc))
        r = boot(name, qemu.command(append="", initrd=initrd), timeout=TIMEOUT)
        problems = check_boot(r, ENTRY)
        if fatal(problems):
            return problems
        argv, env = environ_lines(r)
        if argv != ["/init"]:
            problems.append("argv %r, expected ['/init']%s" % (argv, tail(r)))
        if sorted(env) != sorted(DEFAULT_ENV):
            problems.append("environment %r, expected %r" % (env, DEFAULT_ENV))
        return problems


def register_programs():
    for libc in LIBCS:
        for variant in [libc, libc + "-pie"]:
            hello_case("linux-hello-" + variant, variant)
        hello_case("linux-hello-%s-microvm" % libc, libc, machine="microvm")
        for program in CHECK_PROGRAMS:
            checks_case("linux-%s-%s" % (program, libc), program, libc)
        for program in PIE_CHECK_PROGRAMS:
            checks_case("linux-%s-%s-pie" % (program, libc), program, libc + "-pie")
        checks_case("linux-threads-%s-smp4" % libc, "threads", libc, smp=4)
        enosys_case("linux-enosys-" + libc, libc)
        strace_case("linux-strace-hello-" + libc, libc)
        init_env_case("linux-init-env-" + libc, libc)
        default_init_case("linux-default-init-" + libc, libc)
        status_case("linux-exit3-" + libc, "exit3", libc, 3, "exit3: exiting with status 3")
        status_case("linux-abort-" + libc, "abort", libc, ABORT_STATUS,
                    "abort: calling abort()")


# The shell's statuses for a program that cannot start (linux/process.c).
STATUS_NOT_FOUND = 127
STATUS_CANNOT_EXEC = 126


def boot_failing(name, initrd, append, patterns, status=None, about=None):
    """A boot whose program cannot run: a nonzero status (status, if given),
    a line matching one of patterns (case-insensitive), no exception or
    panic; with about, only one line names it."""
    r = boot(name, qemu.command(append=append, initrd=initrd), timeout=TIMEOUT)
    problems = check_boot(r, ENTRY, status=r.status if status is None else status)
    if fatal(problems):
        return problems
    if r.status in (None, 0):
        problems.append("exit status %s (rc %d), expected a nonzero one" % (r.status, r.rc))
    if not any(re.search(p, l, re.I) for l in program_lines(r) for p in patterns):
        problems.append("no line matching any of %r%s" % (patterns, tail(r)))
    named = [l for l in program_lines(r) if about and about in l]
    if len(named) > 1:
        problems.append("%d lines name %s, expected one: %r" % (len(named), about, named))
    crashed = [l for l in r.lines() if re.search(r"exception|panic", l, re.I)]
    if crashed:
        problems.append("the kernel crashed: %r" % crashed[:3])
    return problems


@linux_case("linux-missing-program")
def _():
    initrd = pack("linux-missing-program", app("hello", "musl"))
    return boot_failing("linux-missing-program", initrd, "-- /nonexistent",
                        [re.escape("/nonexistent")], status=STATUS_NOT_FOUND)


# Damaged ELF programs: made from hello (musl, static, ET_EXEC) by the
# functions below, each boot must end with status 126 and one line
# "flint: /bin/bad: WHAT" (linux/process.c exec_load, linux/elf.c).
EHDR = struct.Struct("<16sHHIQQQIHHHHHH")	# Elf64_Ehdr, include/uapi/linux/elf.h
PHDR = struct.Struct("<IIQQQQQQ")		# Elf64_Phdr
EH_MACHINE, EH_PHOFF, EH_PHNUM = 2, 5, 10	# their places in EHDR's fields
P_TYPE, P_OFFSET, P_FILESZ, P_MEMSZ = 0, 2, 5, 6	# and in PHDR's
PT_LOAD = 1
EM_ARM = 40


def elf_header(data):
    """(e_phoff, e_phnum) and the Elf64_Ehdr fields as a list."""
    fields = list(EHDR.unpack_from(data))
    return fields[EH_PHOFF], fields[EH_PHNUM], fields


def load_segments(data):
    """The PT_LOAD program headers: (offset of the header, its fields)."""
    phoff, phnum, _ = elf_header(data)
    out = []
    for i in range(phnum):
        at = phoff + i * PHDR.size
        ph = list(PHDR.unpack_from(data, at))
        if ph[P_TYPE] == PT_LOAD:
            out.append((at, ph))
    return out


def truncated_in_segment(data):
    """Cut in the middle of the last PT_LOAD's file bytes."""
    _, ph = [seg for seg in load_segments(data) if seg[1][P_FILESZ]][-1]
    return data[:ph[P_OFFSET] + ph[P_FILESZ] // 2]


def phoff_past_end(data):
    _, _, fields = elf_header(data)
    fields[EH_PHOFF] = len(data) + 4096
    return EHDR.pack(*fields) + data[EHDR.size:]


def filesz_over_memsz(data):
    at, ph = load_segments(data)[0]
    ph[P_FILESZ] = ph[P_MEMSZ] + 1
    return data[:at] + PHDR.pack(*ph) + data[at + PHDR.size:]


def machine_arm(data):
    _, _, fields = elf_header(data)
    fields[EH_MACHINE] = EM_ARM
    return EHDR.pack(*fields) + data[EHDR.size:]


def host_true(data):
    """The host's /bin/true: dynamically linked (it has a PT_INTERP)."""
    with open("/bin/true", "rb") as f:
        return f.read()


# name: (make the file from hello's bytes, its mode, the kernel's words).
BAD_PROGRAMS = {
    "truncated-100": (lambda d: d[:100], 0o755, "program headers are past the end"),
    "truncated-segment": (truncated_in_segment, 0o755,
                          "segment's file range is past the end of the file"),
    "phoff-past-end": (phoff_past_end, 0o755, "program headers are past the end"),
    "filesz-over-memsz": (filesz_over_memsz, 0o755, "p_filesz is larger than p_memsz"),
    "machine-arm": (machine_arm, 0o755, "not an x86-64 program"),
    "not-executable": (lambda d: d, 0o644, "not executable"),
}


def bad_program_case(name, make, mode, words):
    @linux_case(name)
    def _():
        os.makedirs(IMAGES, exist_ok=True)
        with open(app("hello", "musl"), "rb") as f:
            data = make(f.read())
        path = os.path.join(IMAGES, name + ".bin")
        with open(path, "wb") as f:
            f.write(data)
        os.chmod(path, mode)
        initrd = pack(name, app("hello", "musl"), path + ":/bin/bad")
        return boot_failing(name, initrd, "-- /bin/bad",
                            ["^flint: /bin/bad: " + re.escape(words)],
                            status=STATUS_CANNOT_EXEC, about="/bin/bad")


# A dynamically linked program packed without its interpreter: execve's
# ENOENT, as on Linux, with the interpreter named.
@linux_case("linux-bad-dynamic")
def _():
    name = "linux-bad-dynamic"
    os.makedirs(IMAGES, exist_ok=True)
    path = os.path.join(IMAGES, name + ".bin")
    with open(path, "wb") as f:
        f.write(host_true(b""))
    os.chmod(path, 0o755)
    initrd = pack(name, app("hello", "musl"), path + ":/bin/bad")
    return boot_failing(name, initrd, "-- /bin/bad",
                        ["^flint: /bin/bad: its interpreter /lib64/ld-linux-x86-64.so.2: "
                         "no such file"], status=STATUS_NOT_FOUND, about="/bin/bad")


def executable_text(name, text):
    """build/images/<name>: text in a file with mode 0755."""
    os.makedirs(IMAGES, exist_ok=True)
    path = os.path.join(IMAGES, name)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o755)
    return path


# A #! script runs through its interpreter (busybox sh here); one whose
# interpreter is missing fails as the interpreter would: 127 and a line
# naming it.
@linux_case("linux-script")
def _():
    script = executable_text("script.sh", "#!/bin/sh\necho a script with $# arguments: $1\n")
    initrd = pack("linux-script", app("hello", "musl"), script + ":/bin/script",
                  options=["--busybox", "/bin"])
    r = boot("linux-script", qemu.command(append="-- /bin/script one", initrd=initrd),
             timeout=TIMEOUT)
    problems = check_boot(r, ENTRY)
    if not fatal(problems) and "a script with 1 arguments: one" not in program_lines(r):
        problems.append("no line from the script%s" % tail(r))
    return problems


@linux_case("linux-script-no-interpreter")
def _():
    script = executable_text("script-no-interpreter.sh", "#!/bin/nosuchshell\necho never\n")
    initrd = pack("linux-script-no-interpreter", app("hello", "musl"),
                  script + ":/bin/script")
    return boot_failing("linux-script-no-interpreter", initrd, "-- /bin/script",
                        ["^flint: /bin/nosuchshell: no such file"], status=STATUS_NOT_FOUND)


@linux_case("linux-not-elf")
def _():
    script = executable_text("not-elf.txt", "echo this is text, not a program\n")
    initrd = pack("linux-not-elf", app("hello", "musl"), script + ":/bin/script")
    return boot_failing("linux-not-elf", initrd, "-- /bin/script",
                        [r"not an ELF", r"exec format"])


@linux_case("linux-demo-initrd")
def _():
    # `make initrd`'s archive, as `make run` boots it.
    initrd = os.path.join(ROOT, "build", "initrd.cpio")
    if not os.path.exists(initrd):
        return ["build/initrd.cpio is missing (make initrd)"]
    r = boot("linux-demo-initrd", qemu.command(append="-- /init", initrd=initrd),
             timeout=TIMEOUT)
    problems = check_boot(r, ENTRY)
    if not fatal(problems) and not has_block(program_lines(r), ["hello from musl",
                                                                "argv[0] /init"]):
        problems.append("no hello lines" + tail(r))
    return problems


# Busybox: files packed for the applets to read, the same on both sides.
BUSYBOX_FILES = {
    "/etc/motd": b"Welcome to Flint.\nThis file was packed by flint-initrd.\n",
    "/data/known": bytes(range(256)) * 33 + b"tail",
    "/data/lines": b"".join(b"line %d: %s\n" % (i * 37 % 101, b"x" * (i % 7))
                            for i in range(40)),
}

BUSYBOX_COMMANDS = {
    "echo": ["/bin/echo", "hello", "world"],
    "cat": ["/bin/cat", "/etc/motd"],
    "wc": ["/bin/wc", "/data/lines"],
    "sha256sum": ["/bin/sha256sum", "/data/known"],
    "sort": ["/bin/sort", "/data/lines"],
    "seq": ["/bin/seq", "1", "10"],
    "expr": ["/bin/expr", "6", "*", "7"],
    "sh": ["/bin/sh", "-c", "for i in 1 2 3; do echo $i; done; x=5; echo $((x*2))"],
}


def busybox_initrd(name):
    """An initrd with hello as /init, busybox in /bin and BUSYBOX_FILES."""
    data = os.path.join(IMAGES, name + ".files")
    shutil.rmtree(data, ignore_errors=True)
    specs = []
    for dest, content in BUSYBOX_FILES.items():
        path = os.path.join(data, dest.lstrip("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(content)
        os.chmod(path, 0o644)
        specs.append(path + ":" + dest)
    return pack(name, app("hello", "musl"), *specs, options=["--busybox", "/bin"])


def unpacked(initrd):
    """A temporary directory holding initrd's tree, unpacked by cpio."""
    tmp = tempfile.mkdtemp(prefix="flint-initrd-")
    with open(initrd, "rb") as f:
        subprocess.run(["cpio", "-idm", "--quiet"], stdin=f, cwd=tmp, check=True)
    return tmp


def host_busybox(argv, root):
    """argv run by the host's busybox in root, with paths under root: its
    status and output lines (root's path taken out again)."""
    args = [os.path.join(root, a.lstrip("/")) if a.startswith("/") and
            os.path.exists(os.path.join(root, a.lstrip("/"))) else a for a in argv[1:]]
    p = subprocess.run([HOST_BUSYBOX, os.path.basename(argv[0]), *args], cwd=root,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=TIMEOUT)
    return p.returncode, p.stdout.replace(root + "/", "/").splitlines()


def host_expected(initrd, argv):
    """What the host's busybox says for argv over initrd's files: its
    status and output lines."""
    root = unpacked(initrd)
    try:
        return host_busybox(argv, root)
    finally:
        shutil.rmtree(root)


def busybox_case(name, argv):
    @linux_case(name)
    def _():
        initrd = busybox_initrd(name)
        status, want = host_expected(initrd, argv)
        r = boot(name, qemu.command(append="-- " + cmdline_words(argv), initrd=initrd),
                 timeout=TIMEOUT)
        problems = check_boot(r, ENTRY, status=status)
        if not fatal(problems) and not has_block(program_lines(r), want):
            problems.append("output differs from the host's busybox: expected %r%s"
                            % (want, tail(r)))
        return problems


# One line of `ls -l`: the mode and the name (with " -> target" for links).
LS_LINE = re.compile(r"^([-dlcbps][-rwxsStT]{9})\s.*\s[A-Z][a-z]{2}\s+\d+\s+"
                     r"(?:\d\d:\d\d|\d{4})\s(.+)$")


def ls_entries(lines):
    return set(m.groups() for m in map(LS_LINE.match, lines) if m)


@linux_case("linux-busybox-ls")
def _():
    # The guest's / has what the initrd holds plus what the kernel adds
    # (/dev, /proc): the host's `ls -l` of the unpacked initrd must be
    # part of the guest's, by mode and name (sizes, link counts and dates
    # depend on the file systems). /tmp is a tmpfs mount there, everyone's
    # with the sticky bit, as on Linux.
    name = "linux-busybox-ls"
    initrd = busybox_initrd(name)
    root = unpacked(initrd)
    os.chmod(os.path.join(root, "tmp"), 0o1777)
    try:
        status, host = host_busybox(["/bin/ls", "-l", root], root)
    finally:
        shutil.rmtree(root)
    want = ls_entries(host)
    if status or not want:
        return ["the host's busybox ls -l failed: %r" % host]
    r = boot(name, qemu.command(append="-- /bin/ls -l /", initrd=initrd), timeout=TIMEOUT)
    problems = check_boot(r, ENTRY)
    if fatal(problems):
        return problems
    missing = want - ls_entries(program_lines(r))
    if missing:
        problems.append("entries missing from the guest's ls -l /: %s" % sorted(missing))
    return problems


def run_interactive(name, argv, text, timeout, ready=cases.BOOT_LINE):
    """Boots argv and writes text to the serial console once a line
    matches ready, by default the kernel's boot line (input sent before
    could meet a UART nobody reads yet)."""
    start = time.monotonic()
    p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    output, booted = [], threading.Event()

    def read():
        for line in iter(p.stdout.readline, b""):
            output.append(line)
            if ready.match(line.decode("utf-8", "replace").rstrip("\r\n")):
                booted.set()
        booted.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    booted.wait(timeout)
    try:
        p.stdin.write(text)
        p.stdin.close()
    except BrokenPipeError:
        pass
    timed_out = False
    try:
        p.wait(max(1, timeout - (time.monotonic() - start)))
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        timed_out = True
    reader.join(5)
    r = qemu.Result(p.returncode, b"".join(output).decode("utf-8", "replace"),
                    time.monotonic() - start, timed_out)
    os.makedirs(cases.LOGS, exist_ok=True)
    with open(os.path.join(cases.LOGS, name + ".log"), "w") as f:
        f.write("$ " + " ".join(argv) + "\n< " + text.decode() + r.output)
    return r


def shell_session(name, initrd, text, status, want):
    """busybox sh on the console, fed text: its status and a line want."""
    r = run_interactive(name, qemu.command(append="-- /bin/sh", initrd=initrd), text, TIMEOUT)
    problems = check_boot(r, ENTRY, status=status)
    if not fatal(problems) and want not in [l.strip() for l in program_lines(r)]:
        problems.append("no line %r from the shell%s" % (want, tail(r)))
    return problems


@linux_case("linux-busybox-sh-interactive")
def _():
    name = "linux-busybox-sh-interactive"
    return shell_session(name, busybox_initrd(name), b"echo hi\nexit 5\n", 5, "hi")


def register_bad_programs():
    for bad, (make, mode, words) in BAD_PROGRAMS.items():
        bad_program_case("linux-bad-" + bad, make, mode, words)


# Disks as files: /dev/vda over each virtio transport, read whole by
# busybox sha256sum (compared with the host's hash of the image), written
# at an odd offset by busybox dd (checked in the image afterwards, and the
# disk flushed when the VM ends), and a read-only disk that refuses the
# write.
DISK_BYTES = 1 << 20
DISK_WRITE_AT = 1000
DISK_WRITE = b"HELLO-FLINT"
DISK_TRANSPORTS = [("pci-modern", "q35", "virtio-blk-pci", []),
                   ("pci-legacy", "q35", "virtio-blk-pci,disable-modern=on", []),
                   ("mmio", "microvm", "virtio-blk-device",
                    ["-global", "virtio-mmio.force-legacy=false"])]


def random_file(name, suffix, size):
    """build/images/<name><suffix>: size pseudo-random bytes seeded by name."""
    os.makedirs(IMAGES, exist_ok=True)
    path = os.path.join(IMAGES, name + suffix)
    with open(path, "wb") as f:
        f.write(random.Random(name).randbytes(size))
    return path


def disk_image(name):
    """build/images/<name>.disk: DISK_BYTES of seeded pseudo-random data."""
    return random_file(name, ".disk", DISK_BYTES)


def disk_args(image, device, extra, readonly=False):
    return ["-drive", "file=%s,format=raw,if=none,id=d0%s" % (image, ",readonly=on" if readonly
                                                            else ""),
            "-device", device + ",drive=d0", *extra]


def disk_read_case(transport, machine, device, extra):
    name = "linux-disk-sha256-" + transport

    @linux_case(name)
    def _():
        image = disk_image(name)
        with open(image, "rb") as f:
            want = hashlib.sha256(f.read()).hexdigest() + "  /dev/vda"
        r = boot(name, qemu.command(machine=machine, initrd=busybox_initrd(name),
                                    append="-- /bin/sha256sum /dev/vda",
                                    extra=disk_args(image, device, extra)), timeout=TIMEOUT)
        problems = check_boot(r, ENTRY)
        if not fatal(problems) and want not in program_lines(r):
            problems.append("no line %r%s" % (want, tail(r)))
        return problems


# QEMU's trace of the disk's requests (virtio_blk_*): after the last
# write completes, one more request completes, the flush every VM's
# normal end sends (init/main.c). Neither read nor write, it is counted
# by its completion.
BLK_TRACE = ["-trace", "virtio_blk_handle_read", "-trace", "virtio_blk_handle_write",
             "-trace", "virtio_blk_req_complete"]
BLK_EVENT = re.compile(r"\bvirtio_blk_(handle_read|handle_write|req_complete)\b")


def flushed_at_exit(r):
    events = [m.group(1) for m in map(BLK_EVENT.search, r.lines()) if m]
    return events[-3:] == ["handle_write", "req_complete", "req_complete"]


def disk_write_case(transport, machine, device, extra, readonly=False):
    name = "linux-disk-dd-%s%s" % (transport, "-readonly" if readonly else "")

    @linux_case(name)
    def _():
        image = disk_image(name)
        with open(image, "rb") as f:
            before = f.read()
        data = os.path.join(IMAGES, name + ".data")
        with open(data, "wb") as f:
            f.write(DISK_WRITE)
        initrd = pack(name, app("hello", "musl"), data + ":/data/block",
                      options=["--busybox", "/bin"])
        argv = ["/bin/dd", "if=/data/block", "of=/dev/vda", "bs=1",
                "seek=%d" % DISK_WRITE_AT, "conv=notrunc"]
        r = boot(name, qemu.command(machine=machine, initrd=initrd,
                                    append="-- " + cmdline_words(argv),
                                    extra=disk_args(image, device, extra, readonly) +
                                    BLK_TRACE), timeout=TIMEOUT)
        with open(image, "rb") as f:
            after = f.read()
        if readonly:
            problems = check_boot(r, ENTRY, status=1)
            if after != before:
                problems.append("a read-only disk changed")
            return problems
        problems = check_boot(r, ENTRY)
        if not flushed_at_exit(r):
            problems.append("no request completed after the last write: the disk was not "
                            "flushed when the VM ended")
        expected = (before[:DISK_WRITE_AT] + DISK_WRITE +
                    before[DISK_WRITE_AT + len(DISK_WRITE):])
        if after != expected:
            problems.append("the image does not hold exactly %r at %d" % (DISK_WRITE,
                                                                        DISK_WRITE_AT))
        return problems


# fsync, fdatasync, sync and O_SYNC/O_DSYNC writes reach the disk as
# flushes, counted in /proc/diskstats (tests/apps/sync.c); the sector it
# wrote must be in the image afterwards. Without a write cache
# (cache=writethrough) the device offers no FLUSH and the driver answers
# itself: the calls still succeed and count.
SYNC_AT = 4096
SYNC_DATA = b"sync-test"


def sync_case(transport, machine, device, extra, libc, cache=None):
    name = "linux-disk-sync-%s-%s%s" % (transport, libc, "-" + cache if cache else "")

    @linux_case(name)
    def _():
        image = disk_image(name)
        initrd = pack(name, app("sync", libc) + ":/bin/sync")
        args = disk_args(image, device, extra)
        if cache:
            args[1] += ",cache=" + cache
        r = boot(name, qemu.command(machine=machine, initrd=initrd, append="-- /bin/sync /dev/vda",
                                    extra=args), timeout=TIMEOUT)
        problems = check_boot(r, ENTRY)
        if not fatal(problems) and not any(l.startswith("all ") and l.endswith(" checks passed")
                                           for l in program_lines(r)):
            problems.append("not every check passed: %r" % [
                l for l in program_lines(r) if l.startswith("FAIL") or "checks" in l])
        with open(image, "rb") as f:
            f.seek(SYNC_AT)
            if f.read(len(SYNC_DATA)) != SYNC_DATA:
                problems.append("the image does not hold %r at %d" % (SYNC_DATA, SYNC_AT))
        return problems


# The tools for disks: flint-img mkfs makes ext2/ext4 images that the
# host's e2fsck finds clean and debugfs reads back; flint run
# --disk-image attaches them (a real boot reads one back whole), and
# firecracker-config --rootfs/--drive writes Firecracker's drives.
MKFS_TREE = {"sub/file": b"hello from the host\n", "top": b"x" * 5000}


def tool(name, *args):
    p = subprocess.run([os.path.join(ROOT, "tools", name), *args], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    return p.returncode, p.stdout


def mkfs_problems(tmp):
    problems = []
    tree = os.path.join(tmp, "tree")
    for rel, content in MKFS_TREE.items():
        os.makedirs(os.path.dirname(os.path.join(tree, rel)), exist_ok=True)
        with open(os.path.join(tree, rel), "wb") as f:
            f.write(content)
    os.symlink("sub/file", os.path.join(tree, "link"))
    for fstype, bs, feature in (("ext2", "1024", None), ("ext4", "4096", "extent")):
        image = os.path.join(tmp, fstype + ".img")
        rc, out = tool("flint-img", "mkfs", "--type", fstype, "--block-size", bs, tree,
                       "-o", image)
        if rc:
            problems.append("flint-img mkfs %s: rc %d: %s" % (fstype, rc, out.strip()))
            continue
        fsck = subprocess.run(["/usr/sbin/e2fsck", "-fn", image], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
        if fsck.returncode:
            problems.append("e2fsck -fn on the %s image: %s" % (fstype, fsck.stdout[-300:]))
        for rel, content in MKFS_TREE.items():
            got = subprocess.run(["/usr/sbin/debugfs", "-R", "cat /" + rel, image],
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout
            if got != content:
                problems.append("%s image: /%s reads back %d bytes, not %d" % (
                    fstype, rel, len(got), len(content)))
        info = subprocess.run(["/usr/sbin/dumpe2fs", "-h", image], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True).stdout
        if "Block size:               %s" % bs not in info or (feature and feature not in info):
            problems.append("%s image: not %s-byte blocks%s" % (
                fstype, bs, " with " + feature if feature else ""))
    for bad in (["--size", "0", tree], [os.path.join(tmp, "none")]):
        rc, out = tool("flint-img", "mkfs", *bad, "-o", os.path.join(tmp, "bad.img"))
        if rc != 1 or "flint-img:" not in out:
            problems.append("flint-img mkfs %s: rc %d, expected 1 and a message: %r" % (
                " ".join(bad), rc, out.strip()[-200:]))
    return problems


def drive_arg_problems(tmp):
    problems = []
    image = os.path.join(tmp, "a,b.img")
    with open(image, "wb") as f:
        f.truncate(1 << 20)
    want = {("--machine", "q35", "--disk-image", image, "--disk-image", image + ",ro"):
            ["-drive file=%s,format=raw,if=none,id=vd0 -device virtio-blk-pci,drive=vd0" %
             image.replace(",", ",,"),
             "-drive file=%s,format=raw,if=none,id=vd1,readonly=on -device "
             "virtio-blk-pci,drive=vd1" % image.replace(",", ",,")],
            ("--machine", "microvm", "--disk-image", image):
            ["-device virtio-blk-device,drive=vd0"]}
    for args, wants in want.items():
        rc, out = tool("flint", "run", "--dry-run", *args)
        words = " ".join(out.replace("'", "").split())
        for w in wants:
            if rc or w not in words:
                problems.append("flint run %s: rc %d, no %r in %r" % (" ".join(args), rc, w,
                                                                      out.strip()))
    for bad in ([os.path.join(tmp, "none.img")], [",ro"]):
        rc, out = tool("flint", "run", "--dry-run", "--disk-image", *bad)
        if rc != 2 or "error:" not in out:
            problems.append("flint run --disk-image %s: rc %d, expected a usage error" % (
                bad[0], rc))
    rc, out = tool("flint", "firecracker-config", "--rootfs", image + ",ro", "--drive", image)
    try:
        drives = json.loads(out)["drives"]
    except (ValueError, KeyError):
        return problems + ["firecracker-config --rootfs: no JSON drives: %r" % out[-200:]]
    want_drives = [{"drive_id": "rootfs", "path_on_host": image, "is_root_device": True,
                    "is_read_only": True},
                   {"drive_id": "drive1", "path_on_host": image, "is_root_device": False,
                    "is_read_only": False}]
    if drives != want_drives:
        problems.append("firecracker-config drives %r, expected %r" % (drives, want_drives))
    return problems


# tools/flint-initrd puts each regular file's data on a page boundary
# (NULs pad the name); GNU cpio must unpack the same tree as from the
# unpadded archive, and the kernel boots it (every case's initrd is one).
def newc_data_offsets(archive):
    """{name: data offset} of the archive's regular files with data."""
    out, off = {}, 0
    while True:
        fields = [int(archive[off + 6 + 8 * i:off + 14 + 8 * i], 16) for i in range(13)]
        mode, size, namesize = fields[1], fields[6], fields[11]
        name = archive[off + 110:off + 110 + namesize].split(b"\0")[0].decode()
        data = (off + 110 + namesize + 3) & ~3
        if name == "TRAILER!!!":
            return out
        if mode & 0o170000 == 0o100000 and size:
            out[name] = data
        off = (data + size + 3) & ~3


@case("flint-initrd-aligned")
def _():
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        big = os.path.join(tmp, "big")
        with open(big, "wb") as f:
            f.write(random.Random(1).randbytes(3 * 4096 + 17))
        trees = {}
        for variant, extra in (("aligned", []), ("plain", ["--no-align"])):
            archive = os.path.join(tmp, variant + ".cpio")
            p = subprocess.run([FLINT_INITRD, "-o", archive, os.path.join(ROOT, "README.md"),
                                big + ":/data/big", "--busybox", "/bin", *extra],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            if p.returncode:
                return ["flint-initrd %s: %s" % (variant, p.stdout.strip())]
            out = os.path.join(tmp, variant)
            os.makedirs(out)
            with open(archive, "rb") as f:
                data = f.read()
            c = subprocess.run(["cpio", "-idm", "--quiet"], cwd=out, input=data,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            if c.returncode:
                problems.append("cpio -i of the %s archive: %r" % (variant, c.stdout[-200:]))
            offsets = newc_data_offsets(data)
            if variant == "aligned" and (not offsets or any(o % 4096 for o in offsets.values())):
                problems.append("file data not on page boundaries: %r" % offsets)
            trees[variant] = {os.path.relpath(os.path.join(d, n), out):
                              (open(os.path.join(d, n), "rb").read()
                               if not os.path.islink(os.path.join(d, n)) else
                               "-> " + os.readlink(os.path.join(d, n)))
                              for d, _, names in os.walk(out) for n in names}
        if trees["aligned"] != trees["plain"]:
            problems.append("cpio -i unpacks different trees: %r" % sorted(
                set(trees["aligned"].items()) ^ set(trees["plain"].items()))[:5])
    return problems


# The initrd's pages without file data go back to the allocator (busybox's
# hundreds of links are such pages); a 96 MiB file in /tmp then takes
# memory, freed pages among it, and the files still read back whole.
INITRD_PAGES_LINE = re.compile(r"^initrd: (\d+) pages: (\d+) hold file data, (\d+) freed$")


@linux_case("linux-initrd-pages")
def _():
    name = "linux-initrd-pages"
    data = random_file(name, ".data", 300 * 1024 + 5)
    initrd = pack(name, app("hello", "musl"), data + ":/data/file",
                  options=["--busybox", "/bin"])
    script = ("dd if=/dev/zero of=/tmp/fill bs=1M count=96 2>/dev/null; "
              "sha256sum /data/file /bin/busybox")
    r = boot(name, qemu.command(initrd=initrd, mem="128M",
                                append='fs.show -- /bin/sh -c "%s"' % script), timeout=TIMEOUT)
    problems = check_boot(r, ENTRY)
    lines = [m for m in map(INITRD_PAGES_LINE.match, r.lines()) if m]
    if not lines or int(lines[0].group(3)) == 0:
        problems.append("no initrd pages freed: %r" % [l for l in r.lines()
                                                      if l.startswith("initrd:")])
    for path, dest in ((data, "/data/file"), (HOST_BUSYBOX, "/bin/busybox")):
        with open(path, "rb") as f:
            want = hashlib.sha256(f.read()).hexdigest() + "  " + dest
        if want not in program_lines(r):
            problems.append("no line %r%s" % (want, tail(r)))
    return problems


# A 1 GiB ramfs file in a 2 GiB VM: its data lies in pages of the page
# cache, no contiguous memory (tests/apps/mapfile.c, "big").
@linux_case("linux-mapfile-big")
def _():
    name = "linux-mapfile-big"
    initrd = pack(name, app("mapfile", "musl") + ":/bin/mapfile")
    r = boot(name, qemu.command(initrd=initrd, mem="2048M", append="-- /bin/mapfile big"),
             timeout=TIMEOUT * 6)
    problems = check_boot(r, ENTRY)
    if not fatal(problems) and "all 2 checks passed" not in program_lines(r):
        problems.append("the 1 GiB file did not read back%s" % tail(r))
    return problems


# MAP_PRIVATE of a 64 MiB initrd file maps the initrd's own pages (in
# place, through the page cache): reading it all copies nothing, writing
# K pages copies K (MemFree, in tests/apps/mapfile.c "cow"), and
# proc.show counts them among the process's copies on write.
COW_PAGES = 10
COW_LINE = re.compile(r"proc: \d+ \(/bin/mapfile\) ended with wait status 0: (\d+) pages "
                      r"copied on write")


@linux_case("linux-mapfile-cow")
def _():
    name = "linux-mapfile-cow"
    data = random_file(name, ".data", 64 << 20)
    initrd = pack(name, app("mapfile", "musl") + ":/bin/mapfile", data + ":/data/big")
    r = boot(name, qemu.command(initrd=initrd, mem="256M",
                                append="proc.show -- /bin/mapfile cow /data/big %d" % COW_PAGES),
             timeout=TIMEOUT * 3)
    problems = check_boot(r, ENTRY)
    if fatal(problems):
        return problems
    if "all 4 checks passed" not in program_lines(r):
        problems.append("not every check passed: %r" % [
            l for l in program_lines(r) if l.startswith(("FAIL", "cow:")) or "checks" in l])
    copies = [int(m.group(1)) for m in map(COW_LINE.match, r.lines()) if m]
    # The program's own data pages are copied on their first write too.
    if not copies or not COW_PAGES <= copies[0] < COW_PAGES + 32:
        problems.append("proc.show's copies on write: %r, want %d and a few" % (copies,
                                                                              COW_PAGES))
    return problems


# Hard links in an archive GNU cpio made (newc: one inode number, the
# data on the last entry) become one file with three names.
@linux_case("linux-initrd-hardlinks")
def _():
    name = "linux-initrd-hardlinks"
    with tempfile.TemporaryDirectory() as tmp:
        os.makedirs(os.path.join(tmp, "bin"))
        os.makedirs(os.path.join(tmp, "a"))
        os.makedirs(os.path.join(tmp, "b"))
        shutil.copy(HOST_BUSYBOX, os.path.join(tmp, "bin", "busybox"))
        with open(os.path.join(tmp, "a", "one"), "wb") as f:
            f.write(b"linked data\n")
        os.link(os.path.join(tmp, "a", "one"), os.path.join(tmp, "a", "two"))
        os.link(os.path.join(tmp, "a", "one"), os.path.join(tmp, "b", "three"))
        archive = os.path.join(IMAGES, name + ".cpio")
        os.makedirs(IMAGES, exist_ok=True)
        with open(archive, "wb") as out:
            subprocess.run("find . | LC_ALL=C sort | cpio --quiet -o -H newc", shell=True,
                           cwd=tmp, stdout=out, check=True)
    argv = ["/bin/busybox", "stat", "-c", "%h %i %s %n", "/a/one", "/a/two", "/b/three"]
    r = boot(name, qemu.command(initrd=archive, append="-- " + cmdline_words(argv)),
             timeout=TIMEOUT)
    problems = check_boot(r, ENTRY)
    got = [l.split() for l in program_lines(r) if l.endswith(("/a/one", "/a/two", "/b/three"))]
    if len(got) != 3 or any(g[0] != "3" or g[2] != "12" for g in got) or \
            len({g[1] for g in got}) != 1:
        problems.append("not one 12-byte file with three names: %r%s" % (got, tail(r)))
    return problems


@linux_case("linux-disk-tools")
def _():
    name = "linux-disk-tools"
    with tempfile.TemporaryDirectory() as tmp:
        problems = mkfs_problems(tmp) + drive_arg_problems(tmp)
        image = os.path.join(tmp, "ext2.img")
        if not os.path.exists(image):
            return problems
        with open(image, "rb") as f:
            want = hashlib.sha256(f.read()).hexdigest() + "  /dev/vda"
        # flint run's own QEMU line, booted by the harness (which reads
        # QEMU's exit code, where flint run returns the kernel's status).
        rc, out = tool("flint", "run", "--dry-run", "--accel", "tcg", "--initrd",
                       busybox_initrd(name), "--disk-image", image + ",ro", "--",
                       "/bin/sha256sum", "/dev/vda")
        if rc:
            return problems + ["flint run --dry-run: rc %d: %s" % (rc, out.strip()[-200:])]
        r = boot(name, shlex.split(out), timeout=TIMEOUT)
        problems += check_boot(r, ENTRY)
        if not fatal(problems) and want not in program_lines(r):
            problems.append("no line %r%s" % (want, tail(r)))
        return problems


# test.ext2 (fs/ext2_check.c): the guest reads an image made by
# flint-img mkfs (mke2fs -d) through fs/ext2/ over a virtio disk and
# prints a line per entry, compared with the host's tree: ext2 with 1 KiB
# blocks over modern PCI, ext4 (Debian's defaults) over MMIO, ext2 with
# 4 KiB blocks over legacy PCI. With test.ext2.write it then changes the
# ext2 images (a directory, a 200000-byte file, a symlink, a rename, an
# unlink), which the host's e2fsck must find clean and debugfs must read
# back; ext4 must be refused read-write.
FNV_OFFSET, FNV_PRIME = 0xcbf29ce484222325, 0x100000001b3
EXT2_LINE = re.compile(r"^ext2-test: ([DFLO]) (.*)$")


def fnv64(data):
    h = FNV_OFFSET
    for b in data:
        h = ((h ^ b) * FNV_PRIME) & 0xffffffffffffffff
    return h


def ext2_tree(top):
    """A tree of files, holes, links and a 300-entry directory; the lines
    the guest should print for it."""
    rnd = random.Random(7)
    files = {"empty": b"", "small": b"hello ext2\n", "dir/sub/deep": b"d" * 5000,
             "dir/random": rnd.randbytes(100 * 1024)}
    for i in range(300):
        files["many/entry-%03d" % i] = b"%d\n" % i
    for rel, data in files.items():
        path = os.path.join(top, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
    with open(os.path.join(top, "holes"), "wb") as f:
        f.seek(3 << 20)
        f.write(b"after a hole")
    os.chmod(os.path.join(top, "small"), 0o600)
    os.symlink("small", os.path.join(top, "fast-link"))
    os.symlink("dir/sub/" + "x" * 80, os.path.join(top, "slow-link"))
    want = {"D /lost+found 40700"}		# mke2fs's own
    for base, dirs, names in os.walk(top):
        for n in dirs + names:
            path = os.path.join(base, n)
            rel = "/" + os.path.relpath(path, top)
            st = os.lstat(path)
            if os.path.islink(path):
                want.add("L %s %s" % (rel, os.readlink(path)))
            elif os.path.isdir(path):
                want.add("D %s %o" % (rel, st.st_mode))
            else:
                with open(path, "rb") as f:
                    want.add("F %s %o %d %016x" % (rel, st.st_mode, st.st_size,
                                                   fnv64(f.read())))
    return want


def debugfs(image, request):
    return subprocess.run(["/usr/sbin/debugfs", "-R", request, image], stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL).stdout


def ext2_write_problems(r, image, fstype):
    """test.ext2.write's changes (fs/ext2_check.c), seen by e2fsck and
    debugfs; ext4 is refused read-write, and left as it was."""
    problems = []
    fsck = subprocess.run(["/usr/sbin/e2fsck", "-fn", image], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)
    if fsck.returncode:
        problems.append("e2fsck -fn after the guest's writes: %s" % fsck.stdout[-400:])
    if fstype == "ext4":
        if not any(l.startswith("ext2-test: read-write mount refused: ") for l in r.lines()):
            problems.append("no line refusing a read-write mount of ext4")
        return problems
    if "ext2-test: wrote /flint" not in r.lines():
        return problems + ["no line 'ext2-test: wrote /flint'%s" % tail(r)]
    want = bytes((i * 7 + i // 251) & 0xff for i in range(200000))
    if debugfs(image, "cat /flint/data") != want:
        problems.append("/flint/data does not hold the guest's 200000 bytes")
    if debugfs(image, "cat /flint/small-moved") != b"hello ext2\n":
        problems.append("/small was not moved to /flint/small-moved")
    root = debugfs(image, "ls /").decode(errors="replace").split()
    if "empty" in root or "small" in root:
        problems.append("the root still lists what the guest removed or moved: %r" % root)
    if b'Fast link dest: "data"' not in debugfs(image, "stat /flint/link"):
        problems.append("/flint/link is not a fast symlink to data")
    return problems


def ext2_case(name, fstype, block_size, machine, device, extra):
    @linux_case(name)
    def _():
        with tempfile.TemporaryDirectory() as tmp:
            tree = os.path.join(tmp, "tree")
            want = ext2_tree(tree)
            image = os.path.join(IMAGES, name + ".img")
            os.makedirs(IMAGES, exist_ok=True)
            args = ["mkfs", "--type", fstype, "--size", "16M", tree, "-o", image]
            rc, out = tool("flint-img", *args + (["--block-size", block_size]
                                                  if block_size else []))
            if rc:
                return ["flint-img mkfs: %s" % out.strip()]
        initrd = pack(name, app("hello", "musl"))
        r = boot(name, qemu.command(machine=machine, initrd=initrd,
                                    append="test.ext2 test.ext2.write",
                                    extra=disk_args(image, device, extra)), timeout=TIMEOUT)
        problems = check_boot(r, ENTRY)
        got = {m.group(1) + " " + m.group(2) for m in map(EXT2_LINE.match, r.lines()) if m}
        if got != want:
            problems.append("the guest's tree differs: missing %r, extra %r" % (
                sorted(want - got)[:3], sorted(got - want)[:3]))
        if not any(l.startswith("ext2-test: vda: %d entries read" % len(want))
                   for l in r.lines()):
            problems.append("no line 'ext2-test: vda: %d entries read'%s" % (len(want),
                                                                              tail(r)))
        return problems + ext2_write_problems(r, image, fstype)


def register_disks():
    for transport, machine, device, extra in DISK_TRANSPORTS:
        disk_read_case(transport, machine, device, extra)
        disk_write_case(transport, machine, device, extra)
    disk_write_case(*DISK_TRANSPORTS[0], readonly=True)
    sync_case(*DISK_TRANSPORTS[0], "glibc")
    sync_case(*DISK_TRANSPORTS[2], "musl")
    sync_case(*DISK_TRANSPORTS[1], "musl", cache="writethrough")
    ext2_case("linux-ext2-1k-pci-modern", "ext2", "1024", *DISK_TRANSPORTS[0][1:])
    ext2_case("linux-ext4-mmio", "ext4", None, *DISK_TRANSPORTS[2][1:])
    ext2_case("linux-ext2-4k-pci-legacy", "ext2", "4096", *DISK_TRANSPORTS[1][1:])


# ^C on the console (tests/apps/sigint.c): typed once the program says
# "ready", it sends SIGINT, which a handler catches or, without one, ends
# the program with 128 + SIGINT.
SIGINT = 2
SIGINT_STATUS = 128 + SIGINT
READY_LINE = re.compile(r"^ready$")


def sigint_case(name, variant, args, status, want):
    @linux_case(name)
    def _():
        initrd = pack(name, app("sigint", variant) + ":/bin/sigint")
        append = "-- " + cmdline_words(["/bin/sigint", *args])
        r = run_interactive(name, qemu.command(append=append, initrd=initrd), b"\x03",
                            TIMEOUT, ready=READY_LINE)
        problems = check_boot(r, ENTRY, status=status)
        if fatal(problems):
            return problems
        out = program_lines(r)
        for w in want:
            if not any(w in l for l in out):
                problems.append("no line with %r%s" % (w, tail(r)))
        return problems


def register_sigint():
    for libc in LIBCS:
        sigint_case("linux-sigint-" + libc, libc, [], 0,
                    ["ok SIGINT caught", "all 2 checks passed"])
        sigint_case("linux-sigint-default-" + libc, libc, ["default"], SIGINT_STATUS,
                    ["flint: /bin/sigint killed by signal 2 (SIGINT)"])


def register_busybox():
    for applet, argv in BUSYBOX_COMMANDS.items():
        busybox_case("linux-busybox-" + applet, argv)


register_programs()
register_bad_programs()
register_busybox()
register_sigint()
register_disks()


# Programs started through the Firecracker-imitating shim (tools/fcshim),
# which hands the initrd over as Firecracker's initrd_path: at the top of
# RAM, named in the zero page (linux64) or as PVH module 0. Each boot's
# shim log is also checked against the boot contract, initrd included.
import sys  # noqa: E402  (this block's own; the imports above are another's)

FCSHIM_MEM_MIB = 128
# (version, entry, machine): the entry paths Firecracker really has.
FCSHIM_PATHS = [("v1.7", "linux64", "microvm"), ("head", "linux64", "q35"),
                ("head", "pvh", "q35"), ("head", "pvh", "microvm")]


def fcshim_boot(name, path, initrd, append, smp=1, status=0):
    """Boots initrd through the shim on path (version, entry, machine):
    the result and check_boot's and the contract checker's problems."""
    version, entry, machine = path
    r = boot(name, qemu.fcshim_command(version, entry, append, machine=machine,
                                       initrd=initrd, smp=smp),
             timeout=TIMEOUT * (2 if smp > 1 else 1))
    problems = check_boot(r, entry, mem="%dM" % FCSHIM_MEM_MIB, cpus=smp, status=status)
    check = subprocess.run([sys.executable, cases.CONTRACT,
                            os.path.join(cases.LOGS, name + ".log"), "--version", version,
                            "--entry", entry, "--mem-mib", str(FCSHIM_MEM_MIB),
                            "--cpus", str(smp), "--initrd", initrd],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if check.returncode:
        problems.append("contract check failed: " + check.stdout.strip().replace("\n", "; "))
    return r, problems


def fcshim_name(path, what):
    return "linux-fcshim-%s-%s-%s-%s" % (*path, what)


def fcshim_hello_case(path, libc):
    name = fcshim_name(path, "hello-" + libc)

    @linux_case(name)
    def _():
        dest = "/bin/hello"
        initrd = pack(name, app("hello", libc) + ":" + dest)
        r, problems = fcshim_boot(name, path, initrd, "-- " + dest)
        want = ["hello from " + libc, "argv[0] " + dest]
        if not fatal(problems) and not has_block(program_lines(r), want):
            problems.append("expected lines %r%s" % (want, tail(r)))
        return problems


def fcshim_busybox_case(path):
    name = fcshim_name(path, "busybox-sh")
    argv = BUSYBOX_COMMANDS["sh"]

    @linux_case(name)
    def _():
        initrd = busybox_initrd(name)
        status, want = host_expected(initrd, argv)
        r, problems = fcshim_boot(name, path, initrd, "-- " + cmdline_words(argv),
                                  status=status)
        if not fatal(problems) and not has_block(program_lines(r), want):
            problems.append("output differs from the host's busybox: expected %r%s"
                            % (want, tail(r)))
        return problems


def fcshim_checks_case(path, program, variant, smp=1):
    name = fcshim_name(path, "%s-%s%s" % (program, variant, "-smp%d" % smp if smp > 1 else ""))

    @linux_case(name)
    def _():
        exe = app(program, variant)
        want = host_ok_lines(exe)
        dest = "/bin/" + program
        initrd = pack(name, exe + ":" + dest)
        r, problems = fcshim_boot(name, path, initrd, "-- " + dest, smp=smp)
        if fatal(problems):
            return problems
        return problems + check_checks(r, want)


def register_fcshim():
    for path in FCSHIM_PATHS:
        for libc in LIBCS:
            fcshim_hello_case(path, libc)
        fcshim_busybox_case(path)
    head_linux64 = FCSHIM_PATHS[1]
    fcshim_checks_case(head_linux64, "threads", "musl", smp=2)
    fcshim_checks_case(head_linux64, "files", "glibc")


register_fcshim()


PROFILE_HEAD = re.compile(r"^profile: (\d+) samples every 100 us: (\d+) user, (\d+) kernel, "
                          r"(\d+) not kept$")
PROFILE_SHARE = re.compile(r"^profile: +(\d+)\.(\d)% (\S+)$")


@linux_case("profile")
def _():
    """The sampling profiler: a busy program's run is sampled, and the
    shares come out as kernel function names, largest first."""
    r, _, problems = run_program("profile", app("fork", "musl"), options=["profile"])
    heads = [m for m in map(PROFILE_HEAD.match, r.lines()) if m]
    shares = [m for m in map(PROFILE_SHARE.match, r.lines()) if m]
    if len(heads) != 1:
        return problems + ["no single profile summary line%s" % tail(r)]
    total, user, kernel, lost = map(int, heads[0].groups())
    if not total or total != user + kernel + lost:
        problems.append("sample counts do not add up: %s" % heads[0].group(0))
    permille = [int(m.group(1)) * 10 + int(m.group(2)) for m in shares]
    if not shares or permille != sorted(permille, reverse=True) or sum(permille) > 1000:
        problems.append("shares missing, unsorted or over 100%%: %s" % permille)
    nm = subprocess.run(["nm", qemu.KERNEL], stdout=subprocess.PIPE, text=True).stdout
    functions = {l.split()[2] for l in nm.splitlines() if len(l.split()) == 3 and
                 l.split()[1] in "Tt"}
    strangers = [m.group(3) for m in shares if m.group(3) not in functions]
    if strangers:
        problems.append("shares name no kernel function: %s" % strangers)
    return problems
