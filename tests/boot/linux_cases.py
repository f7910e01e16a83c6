"""Boot tests of Linux programs on Flint (registered into cases.CASES).

Each case packs an initrd with tools/flint-initrd into build/images/ and
boots it with the program named after "--". The guest test programs
(tests/apps/, built into build/apps/ by `make apps`) print "ok WHAT" and
"FAIL WHAT: ..." lines: the same binary is first run on this host, and
the guest must print every "ok" line the host run did, no FAIL line, and
end with the host's status. Busybox applets are compared with the host's
busybox running the same command on the same files.

Flint's exit status is the program's: 0, 3, or 128 + signal for a fatal
signal (abort: 134). The Firecracker shim takes the kernel as its module
and has no way to pass an initrd, so no case boots a program through it.
"""
import os
import re
import shutil
import subprocess
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


def run_program(name, path, machine="q35", smp=1, args=(), env=(), status=0):
    """Boots path as /bin/<program> with args and env.NAME=value options."""
    dest = "/bin/" + os.path.basename(path).split(".")[0]
    initrd = pack(name, path + ":" + dest)
    line = " ".join(["env.%s=%s" % kv for kv in env] + ["--", cmdline_words([dest, *args])])
    r = boot(name, qemu.command(machine=machine, smp=smp, append=line, initrd=initrd),
             timeout=TIMEOUT * (2 if smp > 1 else 1))
    return r, dest, check_boot(r, ENTRY, cpus=smp, status=status)


LIBCS = ["musl", "glibc"]
CHECK_PROGRAMS = ["args", "files", "mem", "time", "random", "threads", "poll", "signal"]


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


def register_programs():
    for libc in LIBCS:
        for variant in [libc, libc + "-pie"]:
            hello_case("linux-hello-" + variant, variant)
        hello_case("linux-hello-%s-microvm" % libc, libc, machine="microvm")
        for program in CHECK_PROGRAMS:
            checks_case("linux-%s-%s" % (program, libc), program, libc)
        checks_case("linux-threads-%s-smp4" % libc, "threads", libc, smp=4)
        status_case("linux-exit3-" + libc, "exit3", libc, 3, "exit3: exiting with status 3")
        status_case("linux-abort-" + libc, "abort", libc, ABORT_STATUS,
                    "abort: calling abort()")


def boot_failing(name, initrd, append, patterns):
    """A boot whose program cannot run: a nonzero status and a line
    matching one of patterns (case-insensitive)."""
    r = boot(name, qemu.command(append=append, initrd=initrd), timeout=TIMEOUT)
    problems = check_boot(r, ENTRY, status=r.status)
    if fatal(problems):
        return problems
    if r.status in (None, 0):
        problems.append("exit status %s (rc %d), expected a nonzero one" % (r.status, r.rc))
    if not any(re.search(p, l, re.I) for l in program_lines(r) for p in patterns):
        problems.append("no line matching any of %r%s" % (patterns, tail(r)))
    return problems


@linux_case("linux-missing-program")
def _():
    initrd = pack("linux-missing-program", app("hello", "musl"))
    return boot_failing("linux-missing-program", initrd, "-- /nonexistent",
                        [re.escape("/nonexistent")])


@linux_case("linux-not-elf")
def _():
    os.makedirs(IMAGES, exist_ok=True)
    script = os.path.join(IMAGES, "not-elf.txt")
    with open(script, "w") as f:
        f.write("echo this is text, not a program\n")
    os.chmod(script, 0o755)
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


def busybox_case(name, argv):
    @linux_case(name)
    def _():
        initrd = busybox_initrd(name)
        root = unpacked(initrd)
        try:
            status, want = host_busybox(argv, root)
        finally:
            shutil.rmtree(root)
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
    # depend on the file systems).
    name = "linux-busybox-ls"
    initrd = busybox_initrd(name)
    root = unpacked(initrd)
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


def run_interactive(name, argv, text, timeout):
    """Boots argv and writes text to the serial console once the kernel
    has booted (input sent before could meet a UART nobody reads yet)."""
    start = time.monotonic()
    p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    output, booted = [], threading.Event()

    def read():
        for line in iter(p.stdout.readline, b""):
            output.append(line)
            if cases.BOOT_LINE.match(line.decode("utf-8", "replace").rstrip("\r\n")):
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


@linux_case("linux-busybox-sh-interactive")
def _():
    name = "linux-busybox-sh-interactive"
    initrd = busybox_initrd(name)
    r = run_interactive(name, qemu.command(append="-- /bin/sh", initrd=initrd),
                        b"echo hi\nexit 5\n", TIMEOUT)
    problems = check_boot(r, ENTRY, status=5)
    if not fatal(problems) and "hi" not in [l.strip() for l in program_lines(r)]:
        problems.append("no line 'hi' from the shell" + tail(r))
    return problems


def register_busybox():
    for applet, argv in BUSYBOX_COMMANDS.items():
        busybox_case("linux-busybox-" + applet, argv)


register_programs()
register_busybox()
