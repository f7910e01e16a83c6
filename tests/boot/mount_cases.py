"""Boot tests of filesystems on disks mounted for programs (fs/mount.c,
fs/ext2_vfs.c): mount= and root= from the command line, busybox mount and
umount, /proc/mounts, statfs, read-only mounts, EXDEV, tmpfs's size=.

The images are made on the host by Debian's mke2fs -d; after the VM the
host's e2fsck -fn must find nothing wrong, and debugfs rdump must give
back exactly what the guest wrote.
"""
import hashlib
import os
import random
import shutil
import subprocess
import tempfile
import threading

import cases
import linux_cases as lc
from cases import boot, check_boot, qemu

MKE2FS = shutil.which("mke2fs") or "/sbin/mke2fs"
E2FSCK = shutil.which("e2fsck") or "/sbin/e2fsck"
DEBUGFS = shutil.which("debugfs") or "/sbin/debugfs"
IMAGE_MIB = 64
TIMEOUT = 60
SPARSE_AT = 5000000	# the one byte of a sparse file
HUGE_AT = 5 << 30	# and of one past 4 GiB (large_file)
DISK = "virtio-blk-pci"

if not os.path.exists(MKE2FS):
    print("SKIP boot.fs-*: mke2fs is not installed (e2fsprogs)", flush=True)


def fs_case(name):
    return lc.linux_case(name) if os.path.exists(MKE2FS) else (lambda fn: fn)


def host_tree(root):
    """The tree the host puts on the image: its files' bytes by path."""
    rnd = random.Random("flint-mount")
    files = {"hello.txt": b"hello from the host\n", "dir/a.txt": b"a file in a directory\n",
             "big": rnd.randbytes(200000)}
    for path, data in files.items():
        os.makedirs(os.path.dirname(os.path.join(root, path)), exist_ok=True)
        with open(os.path.join(root, path), "wb") as f:
            f.write(data)
    os.symlink("hello.txt", os.path.join(root, "link"))
    return files


def make_image(name, tree, kind="ext2", block=4096, extra=()):
    os.makedirs(lc.IMAGES, exist_ok=True)
    image = os.path.join(lc.IMAGES, name + ".img")
    if os.path.exists(image):
        os.unlink(image)
    subprocess.run([MKE2FS, "-q", "-F", "-t", kind, "-b", str(block), "-d", tree, *extra,
                    image, "%dM" % IMAGE_MIB], check=True, stdout=subprocess.PIPE,
                   stderr=subprocess.STDOUT)
    return image


def empty_image(name, tmp):
    """An ext2 image with nothing but its root (and lost+found)."""
    tree = os.path.join(tmp, "tree")
    os.makedirs(tree)
    return make_image(name, tree)


def disk(image, readonly=False):
    return ["-drive", "file=%s,format=raw,if=none,id=d0,cache=unsafe%s" % (
        image, ",readonly=on" if readonly else ""), "-device", DISK + ",drive=d0"]


def fsck_problems(image):
    p = subprocess.run([E2FSCK, "-fn", image], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    if p.returncode:
        return ["e2fsck -fn: status %d: %s" % (p.returncode, p.stdout.strip()[-600:])]
    return []


def rdump(image, out):
    os.makedirs(out)
    subprocess.run([DEBUGFS, "-R", "rdump / %s" % out, image], check=True,
                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return out


def tree_of(root):
    """Every file's bytes and every symlink's target, by path."""
    got = {}
    for d, dirs, files in os.walk(root):
        for n in dirs + files:
            p = os.path.join(d, n)
            rel = os.path.relpath(p, root)
            if os.path.islink(p):
                got[rel] = "-> " + os.readlink(p)
            elif os.path.isfile(p):
                with open(p, "rb") as f:
                    got[rel] = hashlib.sha256(f.read()).hexdigest()
    return got


def digest(data):
    return hashlib.sha256(data).hexdigest()


# What the guest does on a disk mounted at /data, and what the disk must
# then hold.
WRITE_SCRIPT = " && ".join([
    "dd if=/dev/zero of=/data/huge bs=1 count=1 seek=%d 2>/dev/null" % HUGE_AT,
    "cat /data/hello.txt",
    "echo written-by-flint > /data/new.txt",
    "mkdir /data/newdir",
    "echo inner > /data/newdir/inner.txt",
    "ln -s new.txt /data/newlink",
    "ln /data/new.txt /data/newdir/hard.txt",
    "mv /data/dir/a.txt /data/newdir/moved.txt",
    "rm /data/big",
    "dd if=/dev/zero of=/data/sparse bs=1 count=1 seek=%d 2>/dev/null" % SPARSE_AT,
    "i=0; while [ $i -lt MANY ]; do echo $i > /data/newdir/f$i; i=$((i+1)); done",
    "rm /data/newdir/f7",
    "stat -c 'links %h' /data/new.txt",
    "stat -c 'huge %s' /data/huge",
    "grep ' /data ' /proc/mounts",
    "stat -f -c 'type %t' /data",
    "echo script-done",
])


def written_tree(many):
    want = {"hello.txt": digest(b"hello from the host\n"), "link": "-> hello.txt",
            "new.txt": digest(b"written-by-flint\n"), "newdir/inner.txt": digest(b"inner\n"),
            "newlink": "-> new.txt", "newdir/hard.txt": digest(b"written-by-flint\n"),
            "newdir/moved.txt": digest(b"a file in a directory\n"),
            "sparse": digest(bytes(SPARSE_AT + 1))}
    for i in range(many):
        if i != 7:
            want["newdir/f%d" % i] = digest(b"%d\n" % i)
    return want


def huge_problems(image):
    """The file past 4 GiB, checked on the disk and then removed, so that
    rdump does not write 5 GiB."""
    p = subprocess.run([DEBUGFS, "-R", "stat /huge", image], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    if "Size: %d" % (HUGE_AT + 1) not in p.stdout:
        return ["/huge on the disk is not %d bytes: %r" % (HUGE_AT + 1, p.stdout[:300])]
    subprocess.run([DEBUGFS, "-w", "-R", "rm /huge", image], check=True,
                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return []


# A directory of 10,000 entries on 4 KiB blocks (a few hundred on 1 KiB,
# to keep the time down: the code is the same).
def write_case(block, many):
    name = "fs-ext2-mount-rw-%dk" % (block // 1024)

    @fs_case(name)
    def _():
        with tempfile.TemporaryDirectory() as tmp:
            tree = os.path.join(tmp, "tree")
            host_tree(tree)
            image = make_image(name, tree, block=block)
            initrd = lc.pack(name, lc.app("hello", "musl"), options=[
                "--busybox", "/bin", "--dir", "/data"])
            r = boot(name, qemu.command(machine="q35", initrd=initrd,
                                        append='mount=/dev/vda:/data -- /bin/sh -c "%s"' %
                                        WRITE_SCRIPT.replace("MANY", str(many)),
                                        extra=disk(image)), timeout=TIMEOUT * 2)
            problems = check_boot(r, lc.ENTRY)
            out = lc.program_lines(r)
            for want in ("hello from the host", "links 2", "/dev/vda /data ext2 rw 0 0",
                         "type ef53", "huge %d" % (HUGE_AT + 1), "script-done"):
                if want not in out:
                    problems.append("no line %r%s" % (want, lc.tail(r)))
            problems += fsck_problems(image) + huge_problems(image)
            got = tree_of(rdump(image, os.path.join(tmp, "out")))
            want = written_tree(many)
            for path in sorted(set(got) | set(want)):
                if got.get(path) != want.get(path):
                    problems.append("%s: on the disk %r, expected %r" % (
                        path, got.get(path), want.get(path)))
                    break
            return problems


for block, many in ((1024, 300), (4096, 10000)):
    write_case(block, many)


# An image the host's mke2fs -d made is read whole (every file hashed as
# the host sees it) for ext2 with 1, 2 and 4 KiB blocks and for ext4; a
# read-write mount of ext4 is refused with one line (busybox then mounts
# it read-only, as it does a write-protected disk), and the read-only
# mount refuses writes with EROFS.
READ_SCRIPT = " && ".join([
    "mount -t KIND /dev/vda /data",
    "cd /data && find . -type f | sort | xargs sha256sum",
    "cd / && (echo x > /data/new 2>&1; echo write-status $?)",
    "grep ' /data ' /proc/mounts",
    "umount /data && echo unmounted",
    "ls /data | wc -l",
])


def read_case(kind, block):
    name = "fs-%s-%dk-read" % (kind, block // 1024)

    @fs_case(name)
    def _():
        return read_problems(name, kind, block)


def read_problems(name, kind, block):
    with tempfile.TemporaryDirectory() as tmp:
        tree = os.path.join(tmp, "tree")
        files = host_tree(tree)
        image = make_image(name, tree, kind=kind, block=block)
        initrd = lc.pack(name, lc.app("hello", "musl"), options=[
            "--busybox", "/bin", "--dir", "/data"])
        script = READ_SCRIPT.replace("KIND", kind)
        r = boot(name, qemu.command(machine="q35", initrd=initrd,
                                    append='-- /bin/sh -c "%s"' % script, extra=disk(image)),
                 timeout=TIMEOUT)
        problems = check_boot(r, lc.ENTRY)
        out = lc.program_lines(r)
        refusals = [l for l in r.lines() if l.startswith("mount: /dev/vda: ")]
        if len(refusals) != (kind == "ext4"):
            problems.append("%d lines refusing the read-write mount: %r" % (len(refusals),
                                                                           refusals))
        wants = ["%s  ./%s" % (digest(data), path) for path, data in sorted(files.items())]
        wants += ["write-status %d" % (kind == "ext4"), "unmounted", "0",
                  "/dev/vda /data %s %s 0 0" % (kind, "ro" if kind == "ext4" else "rw")]
        for want in wants:
            if want not in out:
                problems.append("no line %r%s" % (want, lc.tail(r)))
        return problems + fsck_problems(image)


for kind, block in (("ext2", 1024), ("ext2", 2048), ("ext2", 4096), ("ext4", 4096)):
    read_case(kind, block)


# root=/dev/vda: the disk is /, the program comes from it, /dev, /proc
# and /tmp move onto it and the initrd is at /initrd; with ro, writes
# fail with EROFS (busybox says "Read-only file system").
ROOT_SCRIPT = " && ".join([
    "cat /etc/flint-root",
    "ls /initrd/data-in-initrd",
    "grep -c . /proc/mounts",
    "echo x > /tmp/ok && echo tmp-ok",
    "(echo x > /written 2>&1 || true)",
    "echo root-done",
])


def root_case(mode):
    name = "fs-ext2-root-" + mode

    @fs_case(name)
    def _():
        with tempfile.TemporaryDirectory() as tmp:
            tree = os.path.join(tmp, "tree")
            for d in ("bin", "dev", "proc", "tmp", "initrd", "etc"):
                os.makedirs(os.path.join(tree, d))
            shutil.copy(lc.HOST_BUSYBOX, os.path.join(tree, "bin", "busybox"))
            for applet in ("sh", "cat", "ls", "grep", "echo"):
                os.symlink("busybox", os.path.join(tree, "bin", applet))
            with open(os.path.join(tree, "etc", "flint-root"), "w") as f:
                f.write("this is the disk's root\n")
            image = make_image(name, tree)
            initrd = lc.pack(name, lc.app("hello", "musl"), options=[
                "--dir", "/data-in-initrd/inside"])
            r = boot(name, qemu.command(machine="q35", initrd=initrd,
                                        append='root=/dev/vda %s -- /bin/sh -c "%s"' %
                                        (mode, ROOT_SCRIPT), extra=disk(image)),
                     timeout=TIMEOUT)
            problems = check_boot(r, lc.ENTRY)
            out = lc.program_lines(r)
            for want in ("this is the disk's root", "inside", "tmp-ok", "root-done"):
                if want not in out:
                    problems.append("no line %r%s" % (want, lc.tail(r)))
            erofs = any("Read-only file system" in l for l in out)
            if (mode == "ro") != erofs:
                problems.append("writing / %s: %r" % ("was not refused with EROFS" if
                                                      mode == "ro" else "failed", out[-6:]))
            problems += fsck_problems(image)
            if mode == "rw":
                got = tree_of(rdump(image, os.path.join(tmp, "out")))
                if got.get("written") != digest(b"x\n"):
                    problems.append("/written is not on the disk: %r" % got.get("written"))
            return problems


for mode in ("ro", "rw"):
    root_case(mode)


# tmpfs: /tmp and /dev/shm are tmpfs mounts; size= is enforced with
# ENOSPC; rename and link across mounts are EXDEV; umount of a busy
# mount is EBUSY.
TMPFS_SCRIPT = " && ".join([
    "grep -E ' /(tmp|dev/shm) ' /proc/mounts",
    "mkdir /small && mount -t tmpfs -o size=64k tmpfs /small",
    "(dd if=/dev/zero of=/small/f bs=4k count=64 2>&1 | grep -o 'No space left on device'"
    " || echo no-enospc)",
    "(ln /small/f /tmp/g 2>&1 | grep -o 'cross-device link' || echo no-exdev)",
    "mv /small/f /tmp/f",
    "ls -l /tmp/f | wc -l",
    "cd /small && (umount /small 2>&1 | grep -o 'busy' || echo no-ebusy) && cd /",
    "umount /small && echo umounted",
    "stat -f -c 'type %t' /tmp",
])


@lc.linux_case("fs-tmpfs-mounts")
def _():
    name = "fs-tmpfs-mounts"
    initrd = lc.pack(name, lc.app("hello", "musl"), options=["--busybox", "/bin"])
    r = boot(name, qemu.command(initrd=initrd, append='-- /bin/sh -c "%s"' % TMPFS_SCRIPT),
             timeout=lc.TIMEOUT)
    problems = check_boot(r, lc.ENTRY)
    out = lc.program_lines(r)
    for want in ("tmpfs /tmp tmpfs rw,nosuid,nodev 0 0",
                 "tmpfs /dev/shm tmpfs rw,nosuid,nodev 0 0", "No space left on device",
                 "cross-device link", "1", "busy", "umounted", "type 1021994"):
        if want not in out:
            problems.append("no line %r%s" % (want, lc.tail(r)))
    return problems




# A MAP_SHARED store reaches the disk at msync: the guest maps a file on
# an ext2 disk, writes it, msyncs, says so and sleeps; the host kills QEMU
# at that line (nothing else could have written the pages: the flusher
# waits 5 s) and finds the pages on the disk.
MAP_PAGES = 3


def run_until(argv, pattern, timeout):
    """Runs argv until a line containing pattern, then SIGKILLs it: the
    lines and whether the pattern came."""
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True, errors="replace")
    lines, seen = [], False
    timer = threading.Timer(timeout, p.kill)
    timer.start()
    try:
        for line in p.stdout:
            lines.append(line.rstrip("\r\n"))
            if pattern in line:
                seen = True
                break
    finally:
        p.kill()
        p.wait()
        timer.cancel()
    return lines, seen


@fs_case("fs-ext2-msync")
def _():
    name = "fs-ext2-msync"
    with tempfile.TemporaryDirectory() as tmp:
        image = empty_image(name, tmp)
        initrd = lc.pack(name, lc.app("shm", "musl") + ":/bin/shm", options=[
            "--busybox", "/bin", "--dir", "/data"])
        argv = qemu.command(machine="q35", initrd=initrd, extra=disk(image),
                            append='mount=/dev/vda:/data -- /bin/sh -c '
                            '"/bin/shm map /data && echo synced-now && sleep 60"')
        lines, seen = run_until(argv, "synced-now", TIMEOUT)
        if not seen:
            return ["no line 'synced-now': %r" % lines[-6:]]
        out = os.path.join(tmp, "mapped")
        subprocess.run([DEBUGFS, "-R", "dump /mapped %s" % out, image], check=True,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        with open(out, "rb") as f:
            data = f.read()
        problems = []
        if len(data) != MAP_PAGES * 4096:
            problems.append("/mapped is %d bytes on the disk, expected %d" % (
                len(data), MAP_PAGES * 4096))
        for i in range(MAP_PAGES):
            want = b"page %d written through a shared mapping\n" % i
            if data[i * 4096:i * 4096 + len(want)] != want:
                problems.append("page %d of /mapped is not on the disk: %r" % (
                    i, data[i * 4096:i * 4096 + 48]))
        return problems


# A disk that root= or mount= names and that cannot be mounted ends the VM
# before the program starts (status 1, one line each), instead of letting
# it write to the initrd's directory as if it were the disk: here an
# image left "not clean" by a VM that was killed, and a disk that is not
# there.
@fs_case("fs-mount-fails")
def _():
    name = "fs-mount-fails"
    with tempfile.TemporaryDirectory() as tmp:
        image = empty_image(name, tmp)
        subprocess.run([DEBUGFS, "-w", "-R", "ssv state 0", image], check=True,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        initrd = lc.pack(name, lc.app("hello", "musl"), options=["--dir", "/data"])
        r = boot(name, qemu.command(machine="q35", initrd=initrd, extra=disk(image),
                                    append="mount=/dev/vda:/data mount=/dev/vdb:/more"),
                 timeout=TIMEOUT)
        problems = check_boot(r, lc.ENTRY, status=1)
        lines = r.lines()
        for want in ("mount: /dev/vda: ext2: read-only: the filesystem was not cleanly "
                     "unmounted", "mount: cannot mount /dev/vda on /data (error 30)",
                     "mount: cannot mount /dev/vdb on /more (error 2)",
                     "flint: not starting the program: root= or mount= failed"):
            if want not in lines:
                problems.append("no line %r: %r" % (want, lines[-6:]))
        if any("hello from" in l for l in lines):
            problems.append("the program ran")
        return problems
