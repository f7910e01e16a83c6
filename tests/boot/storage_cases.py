"""Durability boot tests (registered into cases.CASES): the VM is killed
with SIGKILL while a program writes to an ext2 disk mounted with
`mount=/dev/vda:/data`, and everything it had reported durable must be
on the disk.

tests/apps/fsync_records.c appends numbered, checksummed records to
/data/recs and prints "synced N" once record N is durable (after fsync,
after fdatasync, or after an O_SYNC write). The host kills QEMU at a
random moment after a random number of those lines, then:
- the image's superblock must say "not clean" (the kill met a mounted
  filesystem, not one the program had finished with);
- `e2fsck -fy` must exit 0 (nothing to fix) or 1 (errors fixed): ext2
  has no journal, so a crash may leave counts, bitmaps or an inode e2fsck
  repairs. 2 means the same but "reboot", which e2fsck says only of a
  mounted filesystem, never of an image file; 4 and up mean damage left
  or e2fsck failing;
- `debugfs -R 'dump /recs OUT'` must give records 1 to the last N seen,
  each intact (records after it may be partial or missing).
Each round's random seed is in its problems and its log. Until the kernel
knows `mount=`, the cases skip, saying so.
"""
import os
import queue
import random
import re
import struct
import subprocess
import threading
import time

import cases
import linux_cases
from cases import qemu
from linux_cases import IMAGES, app, disk_args, fnv64, linux_case, pack

SYNCED = re.compile(r"^synced (\d+)$")
FAILED = re.compile(r"^fsync_records: failed ")
UNKNOWN_MOUNT = re.compile(r"^cmdline: unknown options ignored:.* mount(?: |$)")
RECORD_BYTES = 120			# tests/apps/fsync_records.c
PAYLOAD_BYTES = RECORD_BYTES - 4 - 4 - 8
IMAGE_BYTES = 32 << 20
KILL_AFTER = (5, 300)			# synced lines seen before the kill, at random
KILL_DELAY_S = 0.05			# and then up to this long
ROUND_TIMEOUT = 40
E2FSCK_OK = (0, 1)
MACHINE, DEVICE, EXTRA = linux_cases.DISK_TRANSPORTS[0][1:]	# q35, pci-modern


def record(n):
    body = b"REC1" + struct.pack("<I", n) + bytes((n * 31 + i) & 0xff
                                                  for i in range(PAYLOAD_BYTES))
    return body + struct.pack("<Q", fnv64(body))


def make_image(path, block_size):
    os.makedirs(IMAGES, exist_ok=True)
    with open(path, "wb") as f:
        f.truncate(IMAGE_BYTES)
    subprocess.run(["/usr/sbin/mke2fs", "-q", "-F", "-t", "ext2", "-b", str(block_size), path],
                   check=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def run_until_killed(name, argv, rng):
    """Boots argv and SIGKILLs QEMU after a random number of synced lines
    and a random pause: (the last N seen, every line, what went wrong or
    None)."""
    target = rng.randint(*KILL_AFTER)
    lines = queue.Queue()
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)

    def read():
        for raw in p.stdout:
            lines.put(raw.decode("utf-8", "replace").rstrip("\r\n"))
        lines.put(None)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    seen, last, why = [], 0, None
    deadline = time.monotonic() + ROUND_TIMEOUT
    try:
        while last < target:
            try:
                line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                why = "no 'synced %d' within %d s" % (target, ROUND_TIMEOUT)
                break
            if line is None:
                why = "the VM ended before 'synced %d' (rc %s)" % (target, p.wait())
                break
            seen.append(line)
            m = SYNCED.match(line)
            if m:
                last = int(m.group(1))
            elif UNKNOWN_MOUNT.match(line):
                raise cases.Skip("the kernel does not know mount= yet (%r)" % line)
            elif FAILED.match(line):
                why = line
                break
        if not why:
            time.sleep(rng.uniform(0, KILL_DELAY_S))
    finally:
        p.kill()
        p.wait()
        reader.join(10)
        while True:
            try:
                line = lines.get_nowait()
            except queue.Empty:
                break
            if line is not None:
                seen.append(line)
                m = SYNCED.match(line)
                last = int(m.group(1)) if m else last
        os.makedirs(cases.LOGS, exist_ok=True)
        with open(os.path.join(cases.LOGS, name + ".log"), "w") as f:
            f.write("$ %s\n(killed after 'synced %d' was asked for; the last seen %d)\n%s\n" % (
                " ".join(argv), target, last, "\n".join(seen)))
    return last, seen, why


def records_problems(data, last):
    """Records 1..last must be in data, each intact."""
    for n in range(1, last + 1):
        got = data[(n - 1) * RECORD_BYTES:n * RECORD_BYTES]
        if got != record(n):
            return ["record %d of the %d reported synced is %s" % (
                n, last, "missing (the file has %d bytes)" % len(data)
                if len(got) < RECORD_BYTES else "damaged: %r" % got[:16])]
    return []


def kill_round(name, mode, libc, block_size, seed):
    """One round: a fresh image, a boot killed at random, the checks."""
    rng = random.Random(seed)
    image = os.path.join(IMAGES, name + ".img")
    make_image(image, block_size)
    initrd = pack(name, app("fsync_records", libc) + ":/bin/fsync_records",
                  options=["--dir", "/data"])
    argv = qemu.command(machine=MACHINE, initrd=initrd,
                        append="mount=/dev/vda:/data -- /bin/fsync_records /data/recs " + mode,
                        extra=disk_args(image, DEVICE, EXTRA))
    last, seen, why = run_until_killed(name, argv, rng)
    where = " (%s, %s, %d-byte blocks, seed %d)" % (mode, libc, block_size, seed)
    if why:
        return ["%s%s; the output ends with %r" % (why, where, seen[-4:])]
    state = subprocess.run(["/usr/sbin/dumpe2fs", "-h", image], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, text=True).stdout
    problems = []
    if not re.search(r"^Filesystem state:\s+not clean$", state, re.M):
        problems.append("the killed VM left the filesystem marked clean%s" % where)
    fsck = subprocess.run(["/usr/sbin/e2fsck", "-fy", image], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)
    if fsck.returncode not in E2FSCK_OK:
        problems.append("e2fsck -fy exited %d%s: %s" % (fsck.returncode, where,
                                                        fsck.stdout[-400:]))
    out = os.path.join(IMAGES, name + ".recs")
    if os.path.exists(out):
        os.remove(out)
    subprocess.run(["/usr/sbin/debugfs", "-R", "dump /recs " + out, image],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not os.path.exists(out):
        return problems + ["no /recs on the image after 'synced %d'%s" % (last, where)]
    with open(out, "rb") as f:
        return problems + ["%s%s" % (p, where) for p in records_problems(f.read(), last)]


def kill_case(mode, libc, block_sizes):
    name = "storage-kill-" + mode

    @linux_case(name)
    def _():
        problems = []
        for i, block_size in enumerate(block_sizes):
            problems += kill_round("%s-%d" % (name, i), mode, libc, block_size,
                                   random.randrange(1 << 32))
        return problems


kill_case("fsync", "musl", [1024, 4096, 2048])
kill_case("fdatasync", "glibc", [4096])
kill_case("osync", "musl", [1024])
