#!/usr/bin/env python3
"""make bench: boots each configuration RUNS times under QEMU and prints the
medians of the guest boot time (the kernel's own figure, TSC from its first
instruction) and of the wall time from starting QEMU to the boot line; then
the bootchart stages on q35, and one boot per machine under
-icount shift=0,sleep=off, where guest time is deterministic (1 ns per
instruction) and so counts what the kernel executes, not how fast TCG is."""
import os
import re
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pyflint import qemu  # noqa: E402

RUNS = int(os.environ.get("RUNS", "10"))
BOOT_LINE = re.compile(r"^Flint booted in (\d+) us \(entry=(\w+)")
STAGE = re.compile(r"^bootchart: (\S+) (\d+)$")
ICOUNT = ["-icount", "shift=0,sleep=off"]

# The disk image with the bootchart on, so the loader's stages show.
BENCH_IMAGE = os.path.join(qemu.ROOT, "build", "bench.img")

CONFIGS = [
    ("q35 pvh", qemu.command(machine="q35", append="bootchart")),
    ("pc pvh", qemu.command(machine="pc", append="bootchart")),
    ("microvm pvh", qemu.command(machine="microvm", append="bootchart")),
    ("microvm acpi=off pvh", qemu.command(machine="microvm-noacpi", append="bootchart")),
    ("fcshim head linux64 (q35)", qemu.fcshim_command("head", "linux64", "bootchart")),
    ("fcshim head pvh (q35)", qemu.fcshim_command("head", "pvh", "bootchart")),
    ("fcshim v1.7 linux64 (microvm)",
     qemu.fcshim_command("v1.7", "linux64", "bootchart", machine="microvm")),
    ("bios disk pc ide", qemu.disk_command("pc", image=BENCH_IMAGE)),
    ("bios disk q35 virtio", qemu.disk_command("q35", image=BENCH_IMAGE, interface="virtio")),
]


def boot_once(argv):
    """Guest us, wall seconds to the boot line, and the bootchart stages."""
    start = time.monotonic()
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         stdin=subprocess.DEVNULL, text=True)
    guest = wall = None
    stages = {}
    for line in p.stdout:
        line = line.rstrip("\r\n")
        m = STAGE.match(line)
        if m:
            stages[m.group(1)] = int(m.group(2))
        m = BOOT_LINE.match(line)
        if m:
            wall = time.monotonic() - start
            guest = int(m.group(1))
    p.wait(timeout=60)
    if guest is None:
        sys.exit("bench: no boot line from: " + " ".join(argv))
    return guest, wall, stages


def main():
    with open(qemu.IMAGE, "rb") as src, open(BENCH_IMAGE, "wb") as dst:
        dst.write(src.read())
    subprocess.run([os.path.join(qemu.ROOT, "tools", "flint-img"), "set-cmdline", BENCH_IMAGE,
                    "bootchart"], check=True)
    print("Flint boot benchmark: %d boots per configuration, medians (%s)" % (
        RUNS, subprocess.run([qemu.QEMU, "--version"], stdout=subprocess.PIPE,
                             text=True).stdout.splitlines()[0]))
    print("%-32s %12s %12s" % ("configuration", "guest us", "wall ms"))
    q35_stages, bios_stages = {}, {}
    for name, argv in CONFIGS:
        runs = [boot_once(argv) for _ in range(RUNS)]
        print("%-32s %12d %12.1f" % (name, statistics.median(r[0] for r in runs),
                                      1000 * statistics.median(r[1] for r in runs)))
        if name == "q35 pvh":
            for r in runs:
                for stage, us in r[2].items():
                    q35_stages.setdefault(stage, []).append(us)
        if name == "bios disk pc ide":
            for r in runs:
                for stage, us in r[2].items():
                    bios_stages.setdefault(stage, []).append(us)
    print("\nq35 bootchart, median us per stage:")
    for stage, values in q35_stages.items():
        print("  %-18s %6d" % (stage, statistics.median(values)))
    print("\nBIOS disk boot on pc (from the MBR's first instruction), median us per stage:")
    for stage, values in bios_stages.items():
        print("  %-18s %6d" % (stage, statistics.median(values)))
    st = os.stat(qemu.IMAGE)
    print("\nbuild/flint.img: %d KiB on disk (%d KiB long with its sparse tail); "
          "kernel ELF %d KiB" % (st.st_blocks * 512 // 1024, st.st_size // 1024,
                                 os.path.getsize(qemu.KERNEL) // 1024))
    print("\n-icount shift=0,sleep=off (deterministic; guest us = thousands of instructions):")
    for machine in ["q35", "microvm-noacpi"]:
        guest, _, _ = boot_once(qemu.command(machine=machine, append="bootchart", extra=ICOUNT))
        print("  %-30s %6d us" % (machine, guest))


if __name__ == "__main__":
    main()
