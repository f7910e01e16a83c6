#!/usr/bin/env python3
"""make bench: boots each configuration RUNS times under QEMU and prints the
medians of the guest boot time (the kernel's own figure, TSC from its first
instruction) and of the wall time from starting QEMU to the boot line; then
the bootchart stages on q35, and one boot per machine under
-icount shift=0,sleep=off, where guest time is deterministic (1 ns per
instruction) and so counts what the kernel executes, not how fast TCG is;
last, block throughput on each virtio-blk transport, Flint's bench.blk beside
the Linux baseline guest (tools/linux-baseline.sh); and the Linux-program
figures: time from the kernel's first instruction to a static program's
main, the cost of a null syscall, the smallest memory a static hello runs
in on microvm, and the stripped kernel's size; and the process figures:
fork + exit + wait and vfork + execve + exit + wait of a small static
program, on Flint and in the Linux baseline guest; and the network table
(requests/s, MB/s, round trips, memory per connection, the smallest -m for
busybox httpd), Flint beside the Linux baseline guest on the same
virtio-net device; and the storage table (sequential write and read,
cached re-read, small files, fsync latency on ext2), Flint beside the Linux
baseline guest on the same image and virtio-blk device. `tools/bench.py
block`, `tools/bench.py linux`, `tools/bench.py processes`, `tools/bench.py
network` and `tools/bench.py storage` run only their section;
`tools/bench.py netprof [send|recv|rtt]...` boots Flint alone with the
sampling profiler and prints where those transfers' time went."""
import os
import re
import shutil
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

# The block section: one 256 MiB raw image full of data (reads of holes
# would not touch the host file), read by each kernel over each transport.
BLK_IMAGE = os.path.join(qemu.ROOT, "build", "bench-blk.img")
BLK_MIB = 256
BLK_MEM = "256M"
BLK_TIMEOUT = 60
BLK_TRIES = 2          # Linux on microvm sometimes hangs calibrating the TSC
FLINT_BLK = re.compile(r"^blk-bench: vda seq (\d+) MiB/s rand4k (\d+) IOPS")
LINUX_BLK = re.compile(r"^linux-bench: seq (\d+) MiB/s rand4k (\d+) IOPS")
LINUX_APPEND = "console=ttyS0 quiet panic=-1"
MODERN_MMIO = ["-global", "virtio-mmio.force-legacy=false"]
BLK_TRANSPORTS = [
    ("q35 pci modern", "q35", "virtio-blk-pci", []),
    ("q35 pci legacy", "q35", "virtio-blk-pci,disable-modern=on", []),
    # With ACPI: Debian's kernel finds MMIO devices only through the DSDT.
    ("microvm mmio v2", "microvm", "virtio-blk-device", MODERN_MMIO),
]

# The Linux-program section: tools/bench/nullsys.c, static with musl,
# reports its main's CLOCK_MONOTONIC (uptime from the kernel's first
# instruction on Flint) and a null syscall's cost.
BENCH_DIR = os.path.join(qemu.ROOT, "build", "bench")
NULLSYS_SRC = os.path.join(qemu.ROOT, "tools", "bench", "nullsys.c")
MAIN_NS = re.compile(r"^bench: main_ns (\d+)$")
NULLSYS_NS = re.compile(r"^bench: null_syscall_ns (\d+)$")
HELLO = os.path.join(qemu.ROOT, "build", "apps", "hello.musl")
HELLO_LINE = "hello from musl"
MIN_MEM_START_KIB = 4096
MIN_MEM_STEP_KIB = 128

# The process section: tools/bench/forkbench.c, static with musl, prints
# the median microseconds of fork + _exit + waitpid and of vfork + execve
# (of itself, told to exit at once) + waitpid, or the step that failed.
FORKBENCH_SRC = os.path.join(qemu.ROOT, "tools", "bench", "forkbench.c")
FORK_US = re.compile(r"^bench: (fork|spawn)_us (\d+)$")
FORK_FAILED = re.compile(r"^bench: failed .*$")
PROC_MEM = "256M"
PROC_TIMEOUT = 120

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


def blk_image():
    """build/bench-blk.img, made once: every 4 KiB block a byte ramp."""
    if os.path.exists(BLK_IMAGE) and os.path.getsize(BLK_IMAGE) == BLK_MIB << 20:
        return
    chunk = bytes(range(256)) * 4096
    with open(BLK_IMAGE + ".tmp", "wb") as f:
        for _ in range(BLK_MIB):
            f.write(chunk)
    os.replace(BLK_IMAGE + ".tmp", BLK_IMAGE)


def blk_run(argv, pattern):
    """(MiB/s, IOPS) from the first boot of argv that prints pattern, or None."""
    for _ in range(BLK_TRIES):
        r = qemu.run(argv, timeout=BLK_TIMEOUT)
        for line in r.lines():
            m = pattern.match(line)
            if m:
                return int(m.group(1)), int(m.group(2))
    return None


def ratio(a, b):
    return "%.2f" % (a / b) if a and b else "-"


def block_bench():
    blk_image()
    print("\nblock: %d MiB image, Flint vs Linux (TCG; seq = whole disk, 1 MiB reads: "
          "Flint 4 in flight, Linux dd O_DIRECT; rand4k = 2000 reads, one at a time)"
          % BLK_MIB)
    p = subprocess.run([os.path.join(qemu.ROOT, "tools", "linux-baseline.sh")],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    linux = p.stdout.split() if p.returncode == 0 else None
    if not linux:
        print("  Linux baseline unavailable, its columns skipped: %s" % (
            p.stdout.strip().splitlines() or ["no output"])[-1])
    print("  %-16s %11s %11s %6s %10s %10s %6s" % (
        "transport", "Flint MiB/s", "Linux MiB/s", "ratio", "Flint IOPS", "Linux IOPS",
        "ratio"))
    for name, machine, device, extra in BLK_TRANSPORTS:
        disk = ["-drive", "id=d0,file=%s,format=raw,if=none" % BLK_IMAGE,
                "-device", device + ",drive=d0"] + extra
        flint = blk_run(qemu.command(machine=machine, mem=BLK_MEM, append="bench.blk",
                                     extra=disk), FLINT_BLK) or (0, 0)
        lx = (0, 0)
        if linux:
            lx = blk_run(qemu.command(machine=machine, mem=BLK_MEM, kernel=linux[0],
                                      initrd=linux[1], append=LINUX_APPEND, extra=disk),
                         LINUX_BLK) or (0, 0)
        print("  %-16s %11s %11s %6s %10s %10s %6s" % (
            name, flint[0] or "-", lx[0] or "-", ratio(flint[0], lx[0]),
            flint[1] or "-", lx[1] or "-", ratio(flint[1], lx[1])))


def static_program(src, name):
    """build/bench/<name>, src built with musl-gcc -static: its path."""
    os.makedirs(BENCH_DIR, exist_ok=True)
    path = os.path.join(BENCH_DIR, name)
    subprocess.run(["musl-gcc", "-static", "-O2", "-o", path, src], check=True)
    return path


def initrd_of(program, name):
    path = os.path.join(BENCH_DIR, name + ".cpio")
    subprocess.run([os.path.join(qemu.ROOT, "tools", "flint-initrd"), "-o", path, program],
                   check=True)
    return path


def nullsys_run(argv):
    """(main ns, null-syscall ns) from one boot."""
    r = qemu.run(argv, timeout=60)
    found = {}
    for line in r.lines():
        for key, pattern in (("main", MAIN_NS), ("sys", NULLSYS_NS)):
            m = pattern.match(line)
            if m:
                found[key] = int(m.group(1))
    if len(found) != 2:
        sys.exit("bench: no figures from: " + " ".join(argv) + "\n" + r.output[-500:])
    return found["main"], found["sys"]


def smallest_memory(initrd):
    """The least -m (KiB, in MIN_MEM_STEP_KIB steps) at which hello still
    prints its line on microvm without ACPI."""
    best = None
    for kib in range(MIN_MEM_START_KIB, 0, -MIN_MEM_STEP_KIB):
        r = qemu.run(qemu.command(machine="microvm-noacpi", mem="%dK" % kib, initrd=initrd,
                                  append="-- /init"), timeout=30)
        if HELLO_LINE not in r.lines() or r.status != 0:
            break
        best = kib
    return best


def linux_bench():
    initrd = initrd_of(static_program(NULLSYS_SRC, "nullsys"), "nullsys")
    print("\nLinux programs (static musl; main = CLOCK_MONOTONIC at main, from the kernel's "
          "first instruction; null syscall = getpid, best of 5 x 20000):")
    print("  %-30s %12s %16s" % ("configuration", "main us", "null syscall ns"))
    for name, machine, extra in (("q35", "q35", []), ("microvm acpi=off", "microvm-noacpi", []),
                                 ("q35 -icount", "q35", ICOUNT),
                                 ("microvm acpi=off -icount", "microvm-noacpi", ICOUNT)):
        runs = [nullsys_run(qemu.command(machine=machine, initrd=initrd, append="-- /init",
                                         extra=extra)) for _ in range(RUNS)]
        print("  %-30s %12d %16d" % (name, statistics.median(r[0] for r in runs) // 1000,
                                     statistics.median(r[1] for r in runs)))
    kib = smallest_memory(initrd_of(HELLO, "hello"))
    print("  smallest -m for a static hello on microvm acpi=off: %s" %
          ("%d KiB" % kib if kib else "none found"))
    stripped = os.path.join(BENCH_DIR, "flint.stripped")
    subprocess.run(["strip", "-o", stripped, qemu.KERNEL], check=True)
    print("  stripped kernel: %d KiB" % (os.path.getsize(stripped) // 1024))


def process_run(argv):
    """{"fork": us, "spawn": us} from one boot (what it printed), or the
    reason there is none."""
    r = qemu.run(argv, timeout=PROC_TIMEOUT)
    found = {}
    for line in r.lines():
        m = FORK_US.match(line)
        if m:
            found[m.group(1)] = int(m.group(2))
        elif FORK_FAILED.match(line):
            return line
    if len(found) != 2:
        return "no figures (%s); the output ends with %r" % (
            "timed out" if r.timed_out else "status %s" % r.status, r.output[-300:])
    return found


def process_bench():
    forkbench = static_program(FORKBENCH_SRC, "forkbench")
    initrd = initrd_of(forkbench, "forkbench")
    print("\nprocesses (q35, TCG, %s; static musl; median of 200 rounds, us): fork = fork + "
          "_exit + waitpid, spawn = vfork + execve of a %d KiB static program + exit + "
          "waitpid" % (PROC_MEM, os.path.getsize(forkbench) // 1024))
    flint = process_run(qemu.command(mem=PROC_MEM, initrd=initrd, append="-- /init"))
    p = subprocess.run([os.path.join(qemu.ROOT, "tools", "linux-baseline.sh")],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    baseline = p.stdout.split() if p.returncode == 0 else None
    if baseline:
        linux = process_run(qemu.command(mem=PROC_MEM, kernel=baseline[0], initrd=baseline[1],
                                         append=LINUX_APPEND + " bench=processes"))
    else:
        linux = "Linux baseline unavailable: %s" % (p.stdout.strip().splitlines() or
                                                    ["no output"])[-1]
    for who, result in (("Flint", flint), ("Linux", linux)):
        if isinstance(result, str):
            print("  %s: cannot run: %s" % (who, result))
    flint = flint if isinstance(flint, dict) else {}
    linux = linux if isinstance(linux, dict) else {}
    print("  %-8s %10s %10s %12s" % ("", "Flint us", "Linux us", "Flint/Linux"))
    for what in ("fork", "spawn"):
        print("  %-8s %10s %10s %12s" % (what, flint.get(what, "-"), linux.get(what, "-"),
                                         ratio(flint.get(what), linux.get(what))))


# The network section: each guest (q35, virtio-net-pci modern) runs busybox
# httpd on port 80 and tests/apps/net_epoll.c's server on 8000; the host
# drives them with ab (apache2-utils) and net_epoll's clients, over a tap in
# a namespace the bench makes (when root with /dev/net/tun), else over user
# networking (slirp, forwards on 127.0.0.1).
NET_MEM = "256M"
NET_BYTES = 64 << 20
NET_REQUESTS = {1: 300, 50: 2000}
NET_RTT_ROUNDS = 2000
NET_IDLE_CONNS = 1000
NET_IDLE_FROM = 250		# memory per connection: MemFree at 250 open minus at 1000
NET_ROUNDS = 3			# boots of each guest, alternating; medians are reported
NET_SCRIPT = "httpd -f -p 80 -h /www &\n/bin/net_epoll serve 8000\n"
NET_MIN_MEM_SCRIPT = "httpd -f -p 80 -h /www &\nnc -l -p 99 > /dev/null\n"
NET_MIN_MEM_START_MIB = 256
AB_RPS = re.compile(r"^Requests per second:\s+([\d.]+)")
AB_FAILED = re.compile(r"^(?:Failed requests|Non-2xx responses):\s+(\d+)")
EPOLL_FIGURE = {"send": re.compile(r"^net_epoll: sent \d+ bytes in [\d.]+ s: ([\d.]+) MB/s"),
                "recv": re.compile(r"^net_epoll: received \d+ bytes in [\d.]+ s: ([\d.]+) MB/s"),
                "rtt": re.compile(r"^net_epoll: rtt median ([\d.]+) us")}
OPEN_MEM = re.compile(r"^net_epoll: (?:listening on port \d+|(\d+) open), MemFree (\d+) kB$")


def net_cases():
    sys.path.insert(0, os.path.join(qemu.ROOT, "tests", "boot"))
    # cases first: it imports every case file in its order, net_cases
    # before the files that take names from it.
    import cases  # noqa: E402,F401
    import net_cases  # noqa: E402  (the tests' guest and namespace helpers)
    return net_cases


class NetPath:
    """How the host reaches the guest: (host, port) for a guest port, and a
    command prefix for host programs."""

    def __init__(self, nc, ns):
        self.nc, self.ns = nc, ns
        self.ports = {} if ns else {80: nc.free_port(), 8000: nc.free_port(),
                                     99: nc.free_port()}

    def nets(self):
        if self.ns:
            return ["tap:tap0"]
        return ["user:" + ",".join("hostfwd=tcp:%d-:%d" % (h, g) for g, h in self.ports.items())]

    def addr(self, port):
        if self.ns:
            return self.nc.TAP_GUEST, port
        return "127.0.0.1", self.ports[port]

    def run(self, argv, timeout=300):
        argv = (["ip", "netns", "exec", self.ns.name] if self.ns else []) + argv
        try:
            return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True, timeout=timeout).stdout
        except subprocess.TimeoutExpired as e:
            return (e.stdout or b"").decode() if isinstance(e.stdout, bytes) else (e.stdout or "")


def net_figures(nc, path, guest):
    """{figure: value} for one guest, or a string saying why there are none."""
    files, _ = nc.httpd_files()
    files.append((os.path.join(qemu.ROOT, "build", "apps", "net_epoll.musl"), "/bin/net_epoll"))
    ip = nc.TAP_IP if path.ns else "ip=dhcp"
    g = nc.Guest("bench-net-" + guest, NET_SCRIPT, files, transport="pci-modern",
                 nets=path.nets(), ip=ip, mem=NET_MEM, guest=guest,
                 netns=path.ns.name if path.ns else None)
    out = {}
    try:
        web, epoll = path.addr(80), path.addr(8000)
        url = "http://%s:%d" % web
        if path.ns:
            nc.wait_http(g, url + "/index.html", nc.SMALL_PAGE, netns=path.ns.name)
        else:
            nc.wait_http(g, url + "/index.html", nc.SMALL_PAGE)
        g.wait_line(r"^net_epoll: listening on port 8000")
        for server, (host, port) in (("httpd", web), ("epoll", epoll)):
            for conc, n in NET_REQUESTS.items() if shutil.which("ab") else ():
                text = path.run(["ab", "-q", "-n", str(n), "-c", str(conc),
                                 "http://%s:%d/index.html" % (host, port)])
                rps = [float(m.group(1)) for m in map(AB_RPS.match, text.splitlines()) if m]
                bad = sum(int(m.group(1)) for m in map(AB_FAILED.match, text.splitlines()) if m)
                out["%s c%d" % (server, conc)] = rps[0] if rps and not bad else None
                if not rps or bad:
                    print("  %s %s c%d: no figure: %s" % (guest, server, conc, " | ".join(
                        l.strip() for l in text.splitlines() if re.match(
                            r"^(Failed|Non-2xx|Complete|apr_|ab:)", l))[-300:]))
        epoll_bin = os.path.join(qemu.ROOT, "build", "apps", "net_epoll.glibc")
        for what, args in (("send", ["send", NET_BYTES]), ("recv", ["recv", NET_BYTES]),
                           ("rtt", ["rtt", NET_RTT_ROUNDS])):
            text = path.run([epoll_bin, args[0], epoll[0], str(epoll[1]), str(args[1])])
            found = [float(m.group(1)) for m in map(EPOLL_FIGURE[what].match,
                                                    text.splitlines()) if m]
            out[what] = found[0] if found else None
            if not found:
                print("  %s %s: no figure: %s" % (guest, what, " | ".join(
                    text.strip().splitlines()[-3:])[-300:]))
        path.run([epoll_bin, "client", epoll[0], str(epoll[1]), str(NET_IDLE_CONNS), "1"])
        mem = {}
        for m in map(OPEN_MEM.match, g.output()):
            if m:
                mem[int(m.group(1) or 0)] = int(m.group(2))
        # From NET_IDLE_FROM open on, not from the start: what each more
        # connection costs, not what the earlier load left in the heap.
        if NET_IDLE_FROM in mem and NET_IDLE_CONNS in mem:
            out["conn kB"] = ((mem[NET_IDLE_FROM] - mem[NET_IDLE_CONNS]) /
                              (NET_IDLE_CONNS - NET_IDLE_FROM))
        else:
            print("  %s: never %d connections open at once: %s" % (
                guest, NET_IDLE_CONNS, sorted(mem)))
        path.run([epoll_bin, "quit", epoll[0], str(epoll[1])])
    except nc.Problem as e:
        return str(e)
    finally:
        g.finish(10)
        g.kill()
    return out


def net_min_mem(nc, path, guest):
    """The least -m (MiB) at which busybox httpd still serves the small page
    (a bisection between 1 MiB and NET_MIN_MEM_START_MIB)."""
    files, _ = nc.httpd_files()
    files = files[:1]
    ip = nc.TAP_IP if path.ns else "ip=dhcp"

    def serves(mib):
        g = nc.Guest("bench-net-mem-%s-%d" % (guest, mib), NET_MIN_MEM_SCRIPT, files,
                     transport="pci-modern", nets=path.nets(), ip=ip, mem="%dM" % mib,
                     guest=guest, netns=path.ns.name if path.ns else None)
        try:
            host, port = path.addr(80)
            nc.wait_http(g, "http://%s:%d/index.html" % (host, port), nc.SMALL_PAGE, 30,
                         netns=path.ns.name if path.ns else None)
            return True
        except nc.Problem:
            return False
        finally:
            g.kill()
            g.finish(5)

    low, high = 0, NET_MIN_MEM_START_MIB
    if not serves(high):
        return None
    while high - low > 1:
        mid = (low + high) // 2
        if serves(mid):
            high = mid
        else:
            low = mid
    return high


def median_figures(runs):
    """{figure: median over the runs that have it}."""
    keys = {k for r in runs for k, v in r.items() if v is not None}
    return {k: statistics.median(r[k] for r in runs if r.get(k) is not None) for k in keys}


def network_bench():
    nc = net_cases()
    why = nc.netns_problem()
    ns = None if why else nc.Netns("bench-net")
    print("\nnetwork (q35, TCG, %s, virtio-net-pci modern; %s): Flint vs the Linux baseline "
          "guest, same QEMU line, same programs (busybox httpd, tests/apps/net_epoll.c)" % (
              NET_MEM, "tap in a namespace of the bench's own" if ns else
              "user networking (slirp), because %s" % why))
    if not shutil.which("ab"):
        print("  no ab (tools/install-deps.sh bench installs apache2-utils): no requests/s")
    try:
        if ns:
            ns.__enter__()
        path = NetPath(nc, ns)
        runs = {"flint": [], "linux": []}
        for _ in range(NET_ROUNDS):
            for guest in ("flint", "linux"):
                try:
                    got = net_figures(nc, path, guest)
                except nc.Problem as e:
                    got = str(e)
                if isinstance(got, str):
                    print("  %s: cannot run: %s" % (guest, got[-300:]))
                    got = {}
                runs[guest].append(got)
        flint, linux = median_figures(runs["flint"]), median_figures(runs["linux"])
        rows = [("httpd c1", "requests/s, small page, concurrency 1"),
                ("httpd c50", "requests/s, concurrency 50"),
                ("epoll c1", "epoll server requests/s, concurrency 1"),
                ("epoll c50", "epoll server requests/s, concurrency 50"),
                ("send", "MB/s, 64 MiB host -> guest"),
                ("recv", "MB/s, 64 MiB guest -> host"),
                ("rtt", "us, 1-byte round trip (median)"),
                ("conn kB", "kB per idle TCP connection (%d-%d held)" % (NET_IDLE_FROM,
                                                                           NET_IDLE_CONNS))]
        print("  %-46s %10s %10s %12s" % ("", "Flint", "Linux", "Flint/Linux"))
        for key, label in rows:
            f, l = flint.get(key), linux.get(key)
            # Lower is better for the round trip and the memory: their ratio
            # is inverted so that >= 1.0 means Flint does as well or better.
            good = ratio(l, f) if key in ("rtt", "conn kB") else ratio(f, l)
            print("  %-46s %10s %10s %12s" % (label, "%.1f" % f if f is not None else "-",
                                              "%.1f" % l if l is not None else "-", good))
        print("  (medians of %d boots of each guest, alternating; rtt and memory: Linux/Flint,"
              " so that >= 1.0 favours Flint as elsewhere; memory: MemFree at %d open minus"
              " at %d)" % (NET_ROUNDS, NET_IDLE_FROM, NET_IDLE_CONNS))
        for guest in ("flint", "linux"):
            mib = net_min_mem(nc, path, guest)
            print("  smallest -m at which busybox httpd serves the page, %s: %s" % (
                guest, "%d MiB" % mib if mib else "none up to %d MiB" % NET_MIN_MEM_START_MIB))
    finally:
        if ns:
            ns.__exit__()


NETPROF_ARGS = {"send": NET_BYTES, "recv": NET_BYTES, "rtt": NET_RTT_ROUNDS}
NETPROF_LINE = re.compile(r"^(profile|net): ")


def network_profile(what):
    """Flint alone, booted with the sampling profiler (kernel option
    `profile`), runs the network table's net_epoll transfers named in what
    (send, recv, rtt): prints their figures, then net.show's counters and
    where the guest's time went."""
    nc = net_cases()
    why = nc.netns_problem()
    ns = None if why else nc.Netns("bench-netprof")
    print("network profile (q35, TCG, %s): %s" % (
        "tap in a namespace" if ns else "user networking, because %s" % why, " ".join(what)))
    try:
        if ns:
            ns.__enter__()
        path = NetPath(nc, ns)
        files = [(os.path.join(qemu.ROOT, "build", "apps", "net_epoll.musl"), "/bin/net_epoll")]
        g = nc.Guest("bench-netprof", "/bin/net_epoll serve 8000\n", files,
                     transport="pci-modern", nets=path.nets(),
                     ip="profile " + (nc.TAP_IP if ns else "ip=dhcp"), mem=NET_MEM,
                     netns=ns.name if ns else None)
        try:
            g.wait_line(r"^net_epoll: listening on port 8000")
            host, port = path.addr(8000)
            epoll_bin = os.path.join(qemu.ROOT, "build", "apps", "net_epoll.glibc")
            for w in what:
                text = path.run([epoll_bin, w, host, str(port), str(NETPROF_ARGS[w])])
                print("  " + " | ".join(l for l in text.strip().splitlines()
                                        if l.startswith("net_epoll: ")))
            path.run([epoll_bin, "quit", host, str(port)])
            g.finish(30)
        finally:
            g.kill()
        for line in g.output():
            if NETPROF_LINE.match(line):
                print("  " + line)
    finally:
        if ns:
            ns.__exit__()


# The storage section: tests/apps/fsbench.c on a fresh ext2 image (1 GiB
# sparse, 4 KiB blocks) over modern virtio-blk-pci on q35, on Flint
# (mount=/dev/vda:/data) and in the Linux baseline guest (mount -t ext2,
# from the /init below, packed after the baseline's initramfs). Each round
# boots each guest twice on its own image: the write phase, then the read
# phase, whose first read is cold. cache=unsafe for both: QEMU takes the
# flushes and does not pass them to the host's disk, so the figures are
# the guests' work, not the host disk's (nor the other loads on it).
# STORAGE_MIB and STORAGE_FILES make a quick run smaller.
STORAGE_MIB = int(os.environ.get("STORAGE_MIB", "256"))
STORAGE_FILES = int(os.environ.get("STORAGE_FILES", "10000"))
STORAGE_ROUNDS = int(os.environ.get("STORAGE_ROUNDS", "3"))
STORAGE_MEM = "1G"
STORAGE_IMAGE_BYTES = 1 << 30
STORAGE_CACHE = "unsafe"
STORAGE_TIMEOUT = 600
STORAGE_FIGURE = re.compile(r"^fsbench: (\w+) ([\d.]+) ")
STORAGE_FAILED = re.compile(r"^fsbench: failed .*$")
STORAGE_NO_MOUNT = re.compile(r"^cmdline: unknown options ignored:.* mount(?: |$)")
STORAGE_LINUX_INIT = """#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_blk; do
\tinsmod /lib/modules/$m.ko
done
i=0
while [ ! -b /dev/vda ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
mount -t ext2 /dev/vda /data && "$@"
umount /data
poweroff -f
"""
STORAGE_ROWS = [("write", "sequential write + fsync, MB/s"),
                ("read", "sequential read, cold, MB/s"),
                ("reread", "re-read, cached, MB/s"),
                ("create", "create + syncfs, files/s"),
                ("delete", "delete + syncfs, files/s"),
                ("fsync_median", "4 KiB write + fsync, median us"),
                ("fsync_p99", "4 KiB write + fsync, p99 us")]


def linux_guest(name, init, pack_args):
    """The Linux baseline guest with its /init replaced by the script init
    and more files (tools/flint-initrd's pack_args) in a second archive:
    (kernel, initrd), or a string saying why there is none."""
    p = subprocess.run([os.path.join(qemu.ROOT, "tools", "linux-baseline.sh")],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if p.returncode:
        return "Linux baseline unavailable: %s" % (p.stdout.strip().splitlines() or
                                                   ["no output"])[-1]
    kernel, base = p.stdout.split()
    script = os.path.join(BENCH_DIR, name + "-init.sh")
    with open(script, "w") as f:
        f.write(init)
    os.chmod(script, 0o755)
    ours = os.path.join(BENCH_DIR, name + "-linux-ours.cpio")
    subprocess.run([os.path.join(qemu.ROOT, "tools", "flint-initrd"), "-o", ours, script,
                    *pack_args], check=True)
    linux = os.path.join(BENCH_DIR, name + "-linux.cpio")
    with open(base, "rb") as f:
        data = f.read()
    # The kernel reads a second archive only from a 4-byte boundary; its
    # /init replaces the baseline's.
    data += b"\0" * (-len(data) % 4)
    with open(ours, "rb") as f:
        data += f.read()
    with open(linux, "wb") as f:
        f.write(data)
    return kernel, linux


def storage_initrds():
    """{guest: (kernel, initrd)} for "flint" and, when it can be built,
    "linux"; and why there is no Linux guest, or None."""
    fsbench = os.path.join(qemu.ROOT, "build", "apps", "fsbench.musl")
    os.makedirs(BENCH_DIR, exist_ok=True)
    files = [fsbench + ":/bin/fsbench", "--dir", "/data"]
    flint = os.path.join(BENCH_DIR, "storage-flint.cpio")
    subprocess.run([os.path.join(qemu.ROOT, "tools", "flint-initrd"), "-o", flint, *files],
                   check=True)
    guests = {"flint": (qemu.KERNEL, flint)}
    linux = linux_guest("storage", STORAGE_LINUX_INIT, files)
    if isinstance(linux, str):
        return guests, linux
    guests["linux"] = linux
    return guests, None


def storage_boot(guest, kernel, initrd, image, args):
    """{figure: value} from one boot running fsbench with args, or a
    string saying why there are none."""
    disk = ["-drive", "id=d0,file=%s,format=raw,if=none,cache=%s" % (image, STORAGE_CACHE),
            "-device", "virtio-blk-pci,disable-legacy=on,drive=d0"]
    words = "/bin/fsbench /data " + " ".join(args)
    append = ("mount=/dev/vda:/data -- " if guest == "flint" else LINUX_APPEND + " -- ") + words
    r = qemu.run(qemu.command(mem=STORAGE_MEM, kernel=kernel, initrd=initrd, append=append,
                              extra=disk), timeout=STORAGE_TIMEOUT)
    found = {}
    for line in r.lines():
        m = STORAGE_FIGURE.match(line)
        if m:
            found[m.group(1)] = float(m.group(2))
        elif STORAGE_FAILED.match(line) or STORAGE_NO_MOUNT.match(line):
            # Without the mount, fsbench would measure the initrd's /data.
            return line
    if not found:
        return "no figures (%s); the output ends with %r" % (
            "timed out" if r.timed_out else "status %s" % r.status, r.output[-300:])
    return found


def storage_round(guest, kernel, initrd):
    """The write boot then the read boot on a fresh image: {figure: value},
    or a string saying what went wrong."""
    image = os.path.join(BENCH_DIR, "storage-%s.img" % guest)
    with open(image, "wb") as f:
        f.truncate(STORAGE_IMAGE_BYTES)
    subprocess.run(["/usr/sbin/mke2fs", "-q", "-F", "-t", "ext2", "-b", "4096", image],
                   check=True)
    figures = {}
    for args in (["write", str(STORAGE_MIB), str(STORAGE_FILES)], ["read", str(STORAGE_MIB)]):
        got = storage_boot(guest, kernel, initrd, image, args)
        if isinstance(got, str):
            return "%s phase: %s" % (args[0], got)
        figures.update(got)
    fsck = subprocess.run(["/usr/sbin/e2fsck", "-fn", image], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)
    os.remove(image)
    if fsck.returncode:
        return "e2fsck -fn finds the image damaged afterwards: %s" % fsck.stdout[-300:]
    return figures


def alternate(guests, rounds, one):
    """Runs one(guest, kernel, initrd) rounds times for each guest, the
    guests alternating: the medians of Flint's figures and of Linux's
    (empty without that guest); a run that fails says why and counts as
    none."""
    runs = {g: [] for g in guests}
    for _ in range(rounds):
        for guest, (kernel, initrd) in guests.items():
            got = one(guest, kernel, initrd)
            if isinstance(got, str):
                print("  %s: cannot run: %s" % (guest, got[-300:]))
                got = {}
            runs[guest].append(got)
    return median_figures(runs["flint"]), median_figures(runs.get("linux", []))


def storage_bench():
    print("\nstorage (q35, TCG, %s, virtio-blk-pci modern, cache=%s; ext2, 1 GiB image, 4 KiB "
          "blocks; tests/apps/fsbench.c: a %d MiB file in 1 MiB writes, %d small files; MB = "
          "10^6 bytes): Flint (mount=) vs the Linux baseline guest (mount -t ext2)" % (
              STORAGE_MEM, STORAGE_CACHE, STORAGE_MIB, STORAGE_FILES))
    guests, why = storage_initrds()
    if why:
        print("  %s; its column skipped" % why)
    flint, linux = alternate(guests, STORAGE_ROUNDS, storage_round)
    print("  %-36s %10s %10s %12s" % ("", "Flint", "Linux", "Flint/Linux"))
    for key, label in STORAGE_ROWS:
        f, l = flint.get(key), linux.get(key)
        # Lower is better for the latencies: Linux/Flint, so that >= 1.0
        # favours Flint as in the other rows.
        good = ratio(l, f) if key.startswith("fsync") else ratio(f, l)
        print("  %-36s %10s %10s %12s" % (label, "%.1f" % f if f is not None else "-",
                                          "%.1f" % l if l is not None else "-", good))
    print("  (medians of %d rounds, the guests alternating; each round: a fresh image, a boot "
          "that writes, a boot that reads; create and delete end with syncfs; latencies: "
          "Linux/Flint; the fs stage against the initrd's size is the initrd table above)"
          % STORAGE_ROUNDS)


# The dynamic programs' section: tools/bench/startbench.c (static musl)
# times Debian's python3 (python3 -c pass) and ls (ls /), both dynamically
# linked against glibc, from the boot line: each started DYN_ROUNDS times
# (the first run cold, then the median), and two pythons at once, their
# pages from /proc/PID/smaps_rollup; Flint's proc.show adds the pages each
# copied on write. The same archive's files in both guests.
DYN_MEM = "512M"
DYN_ROUNDS = 10
DYN_BOOTS = 3			# boots of each guest, alternating; medians are reported
DYN_TIMEOUT = 300
DYN_DEBS = ["python3.11-minimal", "libpython3.11-minimal", "libpython3.11-stdlib",
            "python3-minimal"]
DYN_SPECS = ["python=/usr/bin/python3,-c,pass", "ls=/usr/bin/ls,/", "share=/usr/bin/python3"]
DYN_LINUX_INIT = """#!/bin/sh
mount -t proc proc /proc
mount -t devtmpfs dev /dev
"$@"
poweroff -f
"""
DYN_START = re.compile(r"^bench: (\w+) first_us (\d+) median_us (\d+)$")
DYN_SHARE = re.compile(r"^bench: share (\d) rss_kb (\d+) shared_kb (\d+) private_kb (\d+) "
                       r"pss_kb (\d+)$")
DYN_COPIED = re.compile(r"^proc: \d+ \(/usr/bin/python3[.\d]*\) ended with wait status "
                        r"0x?0?: (\d+) pages copied on write")


def dynamic_boot(guest, kernel, initrd):
    """{figure: value} from one boot, or a string saying why there are none."""
    words = "/bin/startbench %d %s" % (DYN_ROUNDS, " ".join(DYN_SPECS))
    append = ("proc.show -- " if guest == "flint" else LINUX_APPEND + " -- ") + words
    r = qemu.run(qemu.command(mem=DYN_MEM, kernel=kernel, initrd=initrd, append=append),
                 timeout=DYN_TIMEOUT)
    found, copied = {}, []
    for line in r.lines():
        m, share, cow = DYN_START.match(line), DYN_SHARE.match(line), DYN_COPIED.match(line)
        if m:
            found[m.group(1) + " first"] = int(m.group(2))
            found[m.group(1) + " median"] = int(m.group(3))
        elif share:
            for key, value in zip(("rss", "shared", "private", "pss"), share.groups()[1:]):
                found["share %s %s" % (share.group(1), key)] = int(value)
        elif cow:
            copied.append(int(cow.group(1)))
        elif FORK_FAILED.match(line):
            return line
    if not found:
        return "no figures (%s); the output ends with %r" % (
            "timed out" if r.timed_out else "status %s" % r.status, r.output[-300:])
    # The two sharing pythons end last.
    for i, pages in enumerate(copied[-2:], 1):
        found["share %d copied" % i] = pages * 4
    return found


def dynamic_bench():
    startbench = static_program(os.path.join(qemu.ROOT, "tools", "bench", "startbench.c"),
                                "startbench")
    files = [startbench + ":/bin/startbench", "--program", "/usr/bin/ls", "--dir", "/tmp",
             "--deb-cache", os.path.join(qemu.ROOT, "build", "debs")]
    files += [a for d in DYN_DEBS for a in ("--deb", d)]
    flint = os.path.join(BENCH_DIR, "dynamic-flint.cpio")
    subprocess.run([os.path.join(qemu.ROOT, "tools", "flint-initrd"), "-o", flint, *files],
                   check=True)
    guests = {"flint": (qemu.KERNEL, flint)}
    print("\ndynamic programs (q35, TCG, %s; Debian's python3 and ls through glibc's loader, "
          "started by a static program after the boot line; us, kB): Flint vs the Linux "
          "baseline guest, the same files in both" % DYN_MEM)
    linux = linux_guest("dynamic", DYN_LINUX_INIT, files)
    if isinstance(linux, str):
        print("  %s; its column skipped" % linux)
    else:
        guests["linux"] = linux
    flint, linux = alternate(guests, DYN_BOOTS, dynamic_boot)
    print("  %-44s %10s %10s %12s" % ("", "Flint", "Linux", "Flint/Linux"))
    rows = [("python first", "python3 -c pass, first run, us"),
            ("python median", "python3 -c pass, median of the rest, us"),
            ("ls first", "ls /, first run, us"),
            ("ls median", "ls /, median of the rest, us")]
    for i in (1, 2):
        rows += [("share %d %s" % (i, k), "two python3 at once: #%d %s kB" % (i, what))
                 for k, what in (("rss", "resident"), ("shared", "shared with others"),
                                 ("private", "its own"), ("pss", "proportional"),
                                 ("copied", "copied on write"))]
    for key, label in rows:
        f, l = flint.get(key), linux.get(key)
        print("  %-44s %10s %10s %12s" % (label, "%d" % f if f is not None else "-",
                                          "%d" % l if l is not None else "-",
                                          ratio(f, l) if l else "-"))
    print("  (medians of %d boots each, the guests alternating; Flint/Linux below 1.0 favours "
          "Flint for times)" % DYN_BOOTS)


def main():
    if sys.argv[1:] == ["dynamic"]:
        dynamic_bench()
        return
    if sys.argv[1:] == ["storage"]:
        storage_bench()
        return
    if sys.argv[1:] == ["network"]:
        network_bench()
        return
    if sys.argv[1:2] == ["netprof"]:
        what = sys.argv[2:] or ["send", "recv"]
        if any(w not in NETPROF_ARGS for w in what):
            sys.exit("usage: tools/bench.py netprof [send|recv|rtt]...")
        network_profile(what)
        return
    if sys.argv[1:] == ["processes"]:
        process_bench()
        return
    if sys.argv[1:] == ["block"]:
        block_bench()
        return
    if sys.argv[1:] == ["linux"]:
        linux_bench()
        return
    if sys.argv[1:] == ["initrd"]:
        initrd_bench()
        return
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
    initrd_bench()
    linux_bench()
    block_bench()
    process_bench()
    network_bench()
    storage_bench()
    dynamic_bench()


# The fs stage against the initrd's size: hello as /init and one file of
# random bytes (tools/flint-initrd, its data page-aligned), booted on
# microvm without ACPI under -icount (deterministic: us = thousands of
# instructions), and the same with the archive GNU cpio makes (unaligned).
INITRD_MIB = [0, 1, 16, 64]


def initrd_bench():
    print("\nthe fs stage against the initrd's size (microvm acpi=off, -icount shift=0, "
          "us = thousands of instructions):")
    print("  %-10s %14s %14s" % ("initrd", "flint-initrd", "GNU cpio"))
    hello = os.path.join(qemu.ROOT, "build", "apps", "hello.musl")
    tmp = os.path.join(qemu.ROOT, "build", "bench-initrd")
    os.makedirs(tmp, exist_ok=True)
    for mib in INITRD_MIB:
        tree = os.path.join(tmp, "tree")
        subprocess.run(["rm", "-rf", tree], check=True)
        os.makedirs(tree)
        shutil.copy(hello, os.path.join(tree, "init"))
        files = [hello + ":/init"]
        if mib:
            data = os.path.join(tree, "data")
            with open(data, "wb") as f:
                f.write(os.urandom(mib << 20))
            files.append(data + ":/data")
        figures = []
        aligned = os.path.join(tmp, "aligned.cpio")
        subprocess.run([os.path.join(qemu.ROOT, "tools", "flint-initrd"), "-o", aligned,
                        *files], check=True)
        plain = os.path.join(tmp, "plain.cpio")
        with open(plain, "wb") as out:
            subprocess.run("find . | LC_ALL=C sort | cpio --quiet -o -H newc", shell=True,
                           cwd=tree, stdout=out, check=True)
        for archive in (aligned, plain):
            _, _, stages = boot_once(qemu.command(machine="microvm-noacpi", initrd=archive,
                                                  mem="256M", append="bootchart -- /init",
                                                  extra=ICOUNT))
            figures.append(stages.get("fs"))
        print("  %-10s %14s %14s" % ("%d MiB" % mib, *("%d us" % f if f is not None
                                                         else "-" for f in figures)))
    subprocess.run(["rm", "-rf", tmp], check=True)


if __name__ == "__main__":
    main()
