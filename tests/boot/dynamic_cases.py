"""Boot tests of dynamically linked programs (issue 13's first part): a
program with PT_INTERP starts in its interpreter (glibc's ld-linux,
musl's ld-musl), which maps its libraries through mmap and runs it;
tools/flint-initrd --program packs an installed program with its
interpreter and libraries; --deb downloads a Debian package (apt-get
download, dpkg-deb: nothing installed). The programs' output is compared
with the host's.
"""
import os
import re
import subprocess

import linux_cases as lc
import mount_cases
from cases import boot, check_boot, qemu

HOST_PROGRAMS = ["/usr/bin/sort", "/usr/bin/sha256sum", "/usr/bin/cat", "/usr/bin/ls",
                 "/usr/bin/id"]
INTERP_GLIBC = "/lib64/ld-linux-x86-64.so.2"
MISSING_STATUS = 127     # the loader's status for a library it cannot find
TEXT = b"pear\napple\nfig\nbanana\n"
DEB_CACHE = os.path.join(lc.ROOT, "build", "debs")  # flint-initrd --deb's downloads


def dyn_case(name, programs=HOST_PROGRAMS):
    """A case that needs these programs of this machine's (and glibc's
    loader): skipped, saying why, without them."""
    missing = [p for p in programs + [INTERP_GLIBC] if not os.path.exists(p)]
    if missing:
        print("SKIP boot.%s: %s not on this machine" % (name, ", ".join(missing)), flush=True)
        return lambda fn: fn
    return lc.linux_case(name)


def pack(name, *args):
    os.makedirs(lc.IMAGES, exist_ok=True)
    path = os.path.join(lc.IMAGES, name + ".cpio")
    p = subprocess.run([lc.FLINT_INITRD, "-o", path, *args], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    if p.returncode:
        raise lc.Problem("flint-initrd failed: " + p.stdout.strip())
    return path


def archive_paths(path, dirs=True):
    """The archive's paths (with dirs False: only files and links)."""
    with open(path, "rb") as f:
        out = subprocess.run(["cpio", "-itv", "--quiet"], stdin=f, stdout=subprocess.PIPE,
                             check=True, text=True).stdout
    paths = set()
    for line in out.splitlines():
        fields = line.split()
        name = fields[8] if len(fields) > 8 else ""
        if name not in ("", ".") and (dirs or not line.startswith("d")):
            paths.add("/" + name)
    return paths


def host_libraries(program):
    """What the host's ldd says program loads: the paths it names."""
    out = subprocess.run(["ldd", program], stdout=subprocess.PIPE, text=True,
                         check=True).stdout
    return {m.group(1) for m in map(re.compile(r"(/\S+) \(0x").search, out.splitlines())
            if m}


def run(name, initrd, argv, status=0, extra=""):
    r = boot(name, qemu.command(initrd=initrd, append="%s-- %s" % (
        extra, lc.cmdline_words(argv))), timeout=lc.TIMEOUT * 2)
    return r, check_boot(r, lc.ENTRY, status=status)


# Programs built here, linked dynamically against glibc and musl, and the
# glibc one with an LD_PRELOAD library in front of libc.
for libc in ("glibc", "musl"):
    def dyn_hello(libc=libc):
        name = "linux-dynamic-hello-" + libc

        @lc.linux_case(name)
        def _():
            program = lc.app("hello", libc + "-dyn")
            initrd = pack(name, program + ":/bin/hello")
            r, problems = run(name, initrd, ["/bin/hello"])
            want = ["hello from " + libc, "argv[0] /bin/hello"]
            if not lc.has_block(lc.program_lines(r), want):
                problems.append("expected lines %r%s" % (want, lc.tail(r)))
            return problems
    dyn_hello()


@lc.linux_case("linux-dynamic-preload")
def _():
    name = "linux-dynamic-preload"
    initrd = pack(name, lc.app("hello", "glibc-dyn") + ":/bin/hello",
                  lc.app("wrap", "so") + ":/lib/wrap.so")
    r, problems = run(name, initrd, ["/bin/hello"], extra="env.LD_PRELOAD=/lib/wrap.so ")
    if "wrapped: hello from glibc" not in lc.program_lines(r):
        problems.append("LD_PRELOAD's printf did not run first%s" % lc.tail(r))
    return problems


# Debian's coreutils, findutils, tar and gzip, downloaded (--deb), run on
# a small tree by a dash script (listing, stat, find, an archive and its
# listing, compression, dates, id with this machine's /etc/passwd and
# /etc/group from --from-host); the same script run here, by this
# machine's programs on the same tree unpacked, must print the same.
TOOLS_DEBS = ["dash", "coreutils", "findutils", "tar", "gzip"]
TOOLS_SCRIPT = """cd "$1"
ls -l --time-style=+%Y-%m-%d fruit.txt link secret sub/notes
ls -1 .
stat -c '%n %s %a %F %h %u %g %Y' fruit.txt secret sub/notes link
stat -c '%n %a %F' sub
find . | sort
find . -type f -printf '%p %m %s\\n' | sort
sort fruit.txt
cat fruit.txt sub/notes
sha256sum fruit.txt sub/notes
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf - . | sha256sum
tar -cf - sub | tar -tvf -
gzip -n -9 -c fruit.txt | sha256sum
gzip -c fruit.txt | gzip -dc | sha256sum
date -u -d @1700000000
date -u -d '2024-02-29 12:00' +%s
id
echo done"""


@lc.linux_case("linux-dynamic-coreutils")
def _():
    name = "linux-dynamic-coreutils"
    tree = os.path.join(lc.IMAGES, name + "-tree")
    subprocess.run(["rm", "-rf", tree], check=True)
    os.makedirs(os.path.join(tree, "sub"))
    for path, data, mode in (("fruit.txt", TEXT, 0o644), ("secret", b"s\n", 0o600),
                             ("sub/notes", b"one\ntwo\n", 0o640)):
        with open(os.path.join(tree, path), "wb") as f:
            f.write(data)
        os.chmod(os.path.join(tree, path), mode)
    script = os.path.join(lc.IMAGES, name + ".sh")
    with open(script, "w") as f:
        f.write(TOOLS_SCRIPT + "\n")
    debs = [a for d in TOOLS_DEBS for a in ("--deb", d)]
    initrd = pack(name, *debs, "--deb-cache", DEB_CACHE, "--from-host", "--dir", "/tmp",
                  "--tree", tree + ":/data", "--symlink", "/data/link=fruit.txt",
                  script + ":/tools.sh")
    root = lc.unpacked(initrd)
    try:
        # cpio gives links and directories the time of unpacking: back to 0.
        subprocess.run(["find", "data", "-exec", "touch", "-h", "-d", "@0", "{}", "+"],
                       cwd=root, check=True)
        host = subprocess.run(["/bin/dash", script, os.path.join(root, "data")],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              env={"PATH": "/usr/bin:/bin", "LC_ALL": "C", "TZ": "UTC"})
    finally:
        subprocess.run(["rm", "-rf", root], check=True)
    want = host.stdout.splitlines()
    if host.returncode or want[-1:] != ["done"]:
        return ["the script failed here: %r" % want]
    r, problems = run(name, initrd, ["/bin/dash", "/tools.sh", "/data"],
                      extra="env.PATH=/usr/bin:/bin ")
    if not lc.has_block(lc.program_lines(r), want):
        problems.append("expected this machine's lines %r%s" % (want, lc.tail(r)))
    if any("not implemented" in l for l in r.lines()):
        problems.append("a system call the programs made is missing: %r" % [
            l for l in r.lines() if "not implemented" in l])
    return problems


def repack(initrd, root):
    with open(initrd, "wb") as out:
        subprocess.run("find . | LC_ALL=C sort | cpio --quiet -o -H newc", shell=True,
                       cwd=root, stdout=out, check=True)


# A library the loader cannot find: its own message, status 127; moved to
# a directory of LD_LIBRARY_PATH, it is found again.
@dyn_case("linux-dynamic-missing-library")
def _():
    name = "linux-dynamic-missing-library"
    initrd = pack(name, "/usr/bin/ls:/bin/ls", "--no-align", "--dir", "/opt/lib")
    # flint-initrd packs what ls needs; take one library out again.
    root = lc.unpacked(initrd)
    try:
        libs = [p for p in archive_paths(initrd) if "libselinux" in p]
        if not libs:
            return ["ls was packed without libselinux: %r" % sorted(archive_paths(initrd))]
        for lib in libs:
            os.rename(os.path.join(root, lib.lstrip("/")),
                      os.path.join(root, "opt", "lib", os.path.basename(lib)))
        repack(initrd, root)
    finally:
        subprocess.run(["rm", "-rf", root], check=True)
    r, problems = run(name, initrd, ["/bin/ls"], status=MISSING_STATUS)
    want = "error while loading shared libraries: libselinux.so.1: cannot open shared " \
           "object file: No such file or directory"
    if not any(want in l for l in r.lines()):
        problems.append("no line with %r%s" % (want, lc.tail(r)))
    r, more = run(name, initrd, ["/bin/ls", "/opt/lib"], extra="env.LD_LIBRARY_PATH=/opt/lib ")
    problems += ["with LD_LIBRARY_PATH: " + p for p in more]
    if "libselinux.so.1" not in lc.program_lines(r):
        problems.append("with LD_LIBRARY_PATH=/opt/lib, ls did not list it%s" % lc.tail(r))
    return problems


# flint-initrd --program: the archive holds the program, its interpreter
# and exactly the libraries the host's ldd names (with the links on the
# way), nothing else.
@dyn_case("flint-initrd-program")
def _():
    name = "flint-initrd-program"
    problems = []
    for program in HOST_PROGRAMS:
        initrd = pack(name, "--program", program)
        got = archive_paths(initrd, dirs=False)
        want = {program} | host_libraries(program)
        missing = want - got
        extra = {p for p in got - want
                 if not any(os.path.realpath(w) == os.path.realpath(p) for w in want)}
        if missing or extra:
            problems.append("%s: missing %s, extra %s" % (program, sorted(missing),
                                                          sorted(extra)))
    return problems


# Debian's python3 with its standard library, downloaded (--deb: the
# interpreter, its minimal and full standard library), started by the
# kernel from a #! script: extension modules loading libraries through
# dlopen (hashlib's OpenSSL, sqlite3), a thread and a subprocess that is
# another dynamic program; the output must be the host's python3's.
PYTHON = "/usr/bin/python3"
PYTHON_CHECKS = os.path.join(lc.ROOT, "tests", "apps", "python_checks.py")
PYTHON_DEBS = ["python3.11-minimal", "libpython3.11-minimal", "libpython3.11-stdlib",
               "python3-minimal"]


@lc.linux_case("linux-dynamic-python")
def _():
    name = "linux-dynamic-python"
    want = subprocess.run([PYTHON, PYTHON_CHECKS], stdout=subprocess.PIPE, text=True,
                          check=True).stdout.splitlines()
    debs = [a for d in PYTHON_DEBS for a in ("--deb", d)]
    initrd = pack(name, *debs, "--deb-cache", DEB_CACHE, "--dir", "/tmp",
                  PYTHON_CHECKS + ":/checks.py")
    r = boot(name, qemu.command(initrd=initrd, mem="512M", append="-- /checks.py"),
             timeout=lc.TIMEOUT * 3)
    problems = check_boot(r, lc.ENTRY)
    if not lc.has_block(lc.program_lines(r), want):
        problems.append("expected the host's lines %r%s" % (want, lc.tail(r)))
    return problems


# Debian's perl, downloaded (--deb perl-base: no module needed), running a
# script, with the host's perl's output.
PERL = "/usr/bin/perl"
PERL_CHECKS = os.path.join(lc.ROOT, "tests", "apps", "perl_checks.pl")


@dyn_case("linux-dynamic-perl", [PERL])
def _():
    name = "linux-dynamic-perl"
    want = subprocess.run([PERL, PERL_CHECKS], stdout=subprocess.PIPE, text=True,
                          check=True).stdout.splitlines()
    initrd = pack(name, "--deb", "perl-base", "--deb-cache", DEB_CACHE,
                  PERL_CHECKS + ":/checks.pl")
    r, problems = run(name, initrd, [PERL, "/checks.pl"])
    if not lc.has_block(lc.program_lines(r), want):
        problems.append("expected the host's lines %r%s" % (want, lc.tail(r)))
    return problems


# Debian's sqlite3 shell, downloaded (flint-initrd --deb: apt-get download
# and dpkg-deb, nothing installed here), running a script on a database
# in /tmp.
SQLITE_CHECKS = os.path.join(lc.ROOT, "tests", "apps", "sqlite_checks.sql")
SQLITE_WANT = ["apple|10", "fig|2", "pear|6", "3|9"]


@lc.linux_case("linux-dynamic-sqlite3-deb")
def _():
    name = "linux-dynamic-sqlite3-deb"
    initrd = pack(name, "--deb", "sqlite3", "--deb-cache", DEB_CACHE, "--busybox", "/bin",
                  "--dir", "/tmp", lc.app("hello", "musl"), SQLITE_CHECKS + ":/checks.sql")
    r, problems = run(name, initrd, ["/bin/sh", "-c",
                                     "/usr/bin/sqlite3 /tmp/db.sqlite < /checks.sql"])
    if not lc.has_block(lc.program_lines(r), SQLITE_WANT):
        problems.append("expected lines %r%s" % (SQLITE_WANT, lc.tail(r)))
    return problems


# Firecracker's way: an ext4 root filesystem (root=/dev/vda ro, no
# initrd) holding Debian's ls with its loader and libraries, made by
# flint-initrd --image ext4; the program runs from the disk through the
# page cache.
@dyn_case("linux-dynamic-ext4-root", ["/usr/bin/ls", mount_cases.MKE2FS])
def _():
    name = "linux-dynamic-ext4-root"
    os.makedirs(lc.IMAGES, exist_ok=True)
    image = os.path.join(lc.IMAGES, name + ".img")
    p = subprocess.run([lc.FLINT_INITRD, "-o", image, "--image", "ext4", "--program",
                        "/usr/bin/ls", "--from-host"], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    if p.returncode:
        return ["flint-initrd --image ext4 failed: " + p.stdout.strip()]
    problems = mount_cases.fsck_problems(image)
    r = boot(name, qemu.command(machine="q35", extra=mount_cases.disk(image),
                                append="root=/dev/vda ro -- /usr/bin/ls -ln /usr/bin /tmp"),
             timeout=lc.TIMEOUT * 2)
    problems += check_boot(r, lc.ENTRY)
    out = lc.program_lines(r)
    if "root: /dev/vda (ext4, ro)" not in r.lines():
        problems.append("no line 'root: /dev/vda (ext4, ro)'%s" % lc.tail(r))
    if not any(l.endswith(" ls") and l.startswith("-rwxr-xr-x 1 0 0 ") for l in out):
        problems.append("no line for ls in ls -ln /usr/bin%s" % lc.tail(r))
    return problems
