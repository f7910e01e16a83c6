#!/usr/bin/env python3
"""Writes the tree that tests/unit/unit.mk turns into ext2 and ext4 images
with mke2fs -d, for test_ext2 (which compares each image with this tree).
Deterministic: the same bytes everywhere (random.Random(seed)). Large
files are sparse (written with seek), so the tree and the images stay
small. Owners and device nodes need root; without it they are left out
(the test reads the tree itself, so it still agrees)."""
import os
import random
import sys

MIB = 1 << 20


def write(path, data, mode=None):
    with open(path, "wb") as f:
        f.write(data)
    if mode is not None:
        os.chmod(path, mode)


def sparse(path, pieces, size):
    """pieces: (offset, bytes); the rest of size is holes."""
    with open(path, "wb") as f:
        for off, data in pieces:
            f.seek(off)
            f.write(data)
        f.truncate(size)


def try_root(fn, *args):
    try:
        fn(*args)
    except (PermissionError, OSError):
        pass


def main(top):
    rnd = random.Random(12)
    os.makedirs(top)
    write(os.path.join(top, "empty"), b"")
    write(os.path.join(top, "hello"), b"hello, ext2\n")
    # sizes around the 1, 2 and 4 KiB block edges, across the 12 direct
    # blocks, and (at 1 KiB) into the double-indirect range (> 268 KiB)
    for size in (1, 1023, 1024, 1025, 2049, 4095, 4096, 4097, 12 * 1024 + 1, 49153, 300 * 1024 + 7):
        write(os.path.join(top, "size-%d" % size), rnd.randbytes(size))
    # holes between pieces, and a hole at the end
    sparse(os.path.join(top, "holes"),
           [(0, b"start"), (100000, rnd.randbytes(5000)), (1 * MIB + 3, b"middle"),
            (3 * MIB, rnd.randbytes(9000))], 5 * MIB)
    # data past the double-indirect range at 1 KiB blocks (12 + 256 + 65536
    # blocks): the triple-indirect chain
    sparse(os.path.join(top, "triple"), [(70 * MIB + 123, rnd.randbytes(3000))],
           70 * MIB + 123 + 3000)
    # 5 GiB, a few bytes at the end: i_size_high and the triple-indirect
    # range at every block size
    sparse(os.path.join(top, "huge"), [(5 * 1024 * MIB - 9, b"the end!\n")], 5 * 1024 * MIB)
    # 400 separate pieces: 400 extents, a tree two levels deep at 1 KiB
    sparse(os.path.join(top, "pieces"),
           [(i * 8192, rnd.randbytes(100) + b"%d" % i) for i in range(400)], 400 * 8192)
    # symlinks: fast (target in the inode, up to 59 bytes) and slow
    os.symlink("hello", os.path.join(top, "link-fast"))
    os.symlink("d" * 59, os.path.join(top, "link-59"))
    os.symlink("e" * 60, os.path.join(top, "link-60"))
    os.symlink("sub/deeper/" + "f" * 200, os.path.join(top, "link-slow"))
    os.symlink("g/" * 500, os.path.join(top, "link-1000"))
    os.symlink("nowhere", os.path.join(top, "link-dangling"))
    os.link(os.path.join(top, "hello"), os.path.join(top, "hardlink"))
    # nested directories
    d = top
    for depth in range(6):
        d = os.path.join(d, "level%d" % depth)
        os.mkdir(d)
        write(os.path.join(d, "file"), b"depth %d\n" % depth)
    # 3000 entries: several blocks of records, an htree on ext4
    many = os.path.join(top, "many")
    os.mkdir(many)
    for i in range(3000):
        write(os.path.join(many, "entry-%04d-%s" % (i, "x" * (i % 37))), b"%d\n" % i)
    # odd modes and owners
    write(os.path.join(top, "mode-0604"), b"odd mode\n", 0o604)
    write(os.path.join(top, "mode-4755"), b"setuid\n", 0o4755)
    write(os.path.join(top, "mode-0000"), b"no access\n", 0o000)
    os.mkdir(os.path.join(top, "dir-0700"), 0o700)
    os.chmod(os.path.join(top, "dir-0700"), 0o700)
    os.mkdir(os.path.join(top, "dir-1777"))
    os.chmod(os.path.join(top, "dir-1777"), 0o1777)
    write(os.path.join(top, "owned"), b"owned\n")
    try_root(os.chown, os.path.join(top, "owned"), 1234, 5678)
    write(os.path.join(top, "owned-big"), b"big ids\n")
    try_root(os.chown, os.path.join(top, "owned-big"), 100000, 200000)
    os.mkfifo(os.path.join(top, "fifo"))
    try_root(os.mknod, os.path.join(top, "null"), 0o20666, os.makedev(1, 3))
    try_root(os.mknod, os.path.join(top, "bigdev"), 0o60600, os.makedev(259, 300))


if __name__ == "__main__":
    main(sys.argv[1])
