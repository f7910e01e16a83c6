"""Network boot tests (registered into cases.CASES): busybox httpd, nc, wget,
ip, ifconfig and ping, and tests/apps/net_epoll.c, in a guest that QEMU
connects to this machine only.

User networking: -netdev user,restrict=on, with every forward on 127.0.0.1
(pyflint.qemu.nic_args); the host side talks to 127.0.0.1:PORT only. Tap:
a network namespace made by the case (and always deleted), holding the tap
172.16.0.1/30, QEMU and every host-side program, so the Firecracker-style
addresses exist only there; without root or /dev/net/tun those cases are
not registered and one SKIP line says why. Readiness is judged by application data (an HTTP body, a
console line), never by a connect, which slirp accepts before the guest
listens.

Each case runs a shell script (/t.sh) in the guest. With
FLINT_NET_GUEST=linux the same cases boot the Linux baseline guest
(tools/linux-baseline.sh; its /init is tools/linux-net-init.sh, which applies
ip= itself) on the same QEMU lines instead, which shows the checks are right
before Flint networks: `FLINT_NET_GUEST=linux tests/run.py net-`. Linux has
no isa-debug-exit from its userland: its status is the init's
"linux-net: exit N" line, and microvm runs with ACPI (Debian's kernel finds
virtio-mmio only in the DSDT).
"""
import hashlib
import os
import random
import re
import socket
import subprocess
import threading
import time
import urllib.request

import cases
from cases import case, qemu

ROOT = cases.ROOT
IMAGES = os.path.join(ROOT, "build", "images")
APPS = os.path.join(ROOT, "build", "apps")
FLINT_INITRD = os.path.join(ROOT, "tools", "flint-initrd")
LINUX_INIT = os.path.join(ROOT, "tools", "linux-net-init.sh")
GUEST = os.environ.get("FLINT_NET_GUEST", "flint")
LINUX_APPEND = "console=ttyS0 quiet panic=-1"
LINUX_EXIT = re.compile(r"^linux-net: exit (\d+)$")
NET_MEM = "256M"
BOOT_TIMEOUT = 60
CASE_TIMEOUT = 240

SMALL_PAGE = b"<html><body>Flint serves this page.</body></html>\n"
BIG_BYTES = 16 << 20
NC_BYTES = 1 << 20
EPOLL_CONNS, EPOLL_BYTES = 200, 64 << 10
RECONNECT_SHARE = 20  # at most 1 in 20 connections reconnected
HELD_CONNS = 1000
VANISH_CONNS, VANISH_BYTES = 50, 256 << 10
# MemFree after the load may be this much below before it (kB): page
# caches and allocator slack, not a connection's worth per connection.
MEM_TOLERANCE_KB = 1024
VANISH_SETTLE_S = 3

# Slirp's fixed layout (qemu-test-platform.md §6).
SLIRP_GUEST, SLIRP_GW, SLIRP_DNS = "10.0.2.15", "10.0.2.2", "10.0.2.3"
SLIRP_STATIC = "ip=10.0.2.15::10.0.2.2:255.255.255.0:flint-static:eth0:off:10.0.2.3"
# A guestfwd address: the guest's connects there reach a host server.
GUESTFWD_ADDR = "10.0.2.100"
# Firecracker's documented /30 (firecracker-boot-contract.md §13.1).
TAP_HOST, TAP_GUEST = "172.16.0.1", "172.16.0.2"
TAP_IP = "ip=172.16.0.2::172.16.0.1:255.255.255.252::eth0:off"
METADATA = "169.254.169.254"

# transport: (machine, --nic-model); Linux needs microvm's ACPI for MMIO.
TRANSPORTS = {
    "pci": ("q35", "pci"),
    "pci-modern": ("q35", "pci-modern"),
    "pci-legacy": ("q35", "pci-legacy"),
    "mmio-v1": ("microvm-noacpi", "mmio"),
    "mmio-v2": ("microvm-noacpi", "mmio-v2"),
}


class Problem(Exception):
    """The case cannot go on: its message is the problem."""


def free_port():
    """A TCP port on 127.0.0.1 nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sha(data):
    return hashlib.sha256(data).hexdigest()


def data_file(name, size):
    """build/images/<name>: size seeded pseudo-random bytes; its path and hash."""
    os.makedirs(IMAGES, exist_ok=True)
    path = os.path.join(IMAGES, name)
    data = random.Random(name).randbytes(size)
    if not os.path.exists(path) or os.path.getsize(path) != size:
        with open(path, "wb") as f:
            f.write(data)
    return path, sha(data)


def linux_baseline():
    p = subprocess.run([os.path.join(ROOT, "tools", "linux-baseline.sh")],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if p.returncode:
        raise Problem("the Linux baseline guest cannot be built: " + p.stdout.strip()[-300:])
    return p.stdout.split()


def linux_extra_append(machine):
    """Linux on microvm under TCG sometimes hangs calibrating its TSC
    against the PIT when the host is busy (qemu-test-platform.md §11): on
    microvm it is told the host's TSC rate, which TCG's guest TSC runs at."""
    if not machine.startswith("microvm"):
        return ""
    with open("/proc/cpuinfo") as f:
        mhz = [float(l.split(":")[1]) for l in f if l.startswith("cpu MHz")]
    return " tsc_early_khz=%d" % (mhz[0] * 1000) if mhz else ""


def initrd(name, script, files=(), guest=GUEST):
    """The guest's initrd: busybox in /bin, script as /t.sh, files
    [(host path, guest path)]; for Linux, the baseline's initramfs with
    these and tools/linux-net-init.sh as /init packed after it."""
    os.makedirs(IMAGES, exist_ok=True)
    spath = os.path.join(IMAGES, name + ".sh")
    with open(spath, "w") as f:
        f.write(script)
    specs = [spath + ":/t.sh"] + ["%s:%s" % f for f in files]
    path = os.path.join(IMAGES, name + ".cpio")
    first = [LINUX_INIT] if guest == "linux" else [os.path.join(APPS, "hello.musl")]
    p = subprocess.run([FLINT_INITRD, "-o", path, *first, *specs, "--dir", "/tmp",
                        "--dir", "/etc", *(["--busybox", "/bin"] if guest != "linux" else [])],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if p.returncode:
        raise Problem("flint-initrd failed: " + p.stdout.strip())
    if guest != "linux":
        return path, None
    kernel, base = linux_baseline()
    with open(base, "rb") as f:
        data = f.read()
    # The kernel reads a second archive only from a 4-byte boundary.
    data += b"\0" * (-len(data) % 4)
    with open(path, "rb") as f:
        data += f.read()
    with open(path, "wb") as f:
        f.write(data)
    return path, kernel


class Guest:
    """A guest running /t.sh, its console read line by line as it comes."""

    def __init__(self, name, script, files=(), transport="pci", nets=("user",), ip="ip=dhcp",
                 mem=NET_MEM, netns=None, macs=(), unrestricted=False, guest=GUEST,
                 fcshim=False):
        self.name, self.guest = name, guest
        machine, model = TRANSPORTS[transport]
        if guest == "linux" and machine == "microvm-noacpi":
            machine = "microvm"
        path, kernel = initrd(name, script, files, guest)
        nics = qemu.nic_args(list(nets), [model] * len(nets), machine, list(macs))
        if unrestricted:
            # Only inside a namespace of the case's own with no route out.
            nics = [a.replace(",restrict=on", "") for a in nics]
        if kernel:
            append = "%s%s %s -- /bin/sh /t.sh" % (LINUX_APPEND, linux_extra_append(machine),
                                                   ip)
            self.argv = qemu.command(machine=machine, mem=mem, kernel=kernel, initrd=path,
                                     append=append, extra=nics)
        elif fcshim:
            # Firecracker's way in (the shim's 64-bit entry), the initrd as
            # its initrd_path; the NIC is the one QEMU line's.
            self.argv = qemu.fcshim_command("head", "linux64", "net.show %s -- /bin/sh /t.sh" % ip,
                                            machine=machine, mem=mem, initrd=path, extra=nics)
        else:
            self.argv = qemu.command(machine=machine, mem=mem, initrd=path, extra=nics,
                                     append="net.show %s -- /bin/sh /t.sh" % ip)
        if netns:
            self.argv = ["ip", "netns", "exec", netns] + self.argv
        self.lines, self.cond = [], threading.Condition()
        self.start = time.monotonic()
        self.p = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT)
        self.reader = threading.Thread(target=self.read, daemon=True)
        self.reader.start()

    def read(self):
        for raw in iter(self.p.stdout.readline, b""):
            with self.cond:
                self.lines.append(raw.decode("utf-8", "replace").rstrip("\r\n"))
                self.cond.notify_all()
        with self.cond:
            self.lines.append(None)
            self.cond.notify_all()

    def wait_line(self, pattern, timeout=BOOT_TIMEOUT):
        """The first console line matching pattern (a regex), or Problem."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for line in self.lines:
                    if line is not None and rx.search(line):
                        return line
                if None in self.lines:
                    raise Problem("the guest ended without a line matching %r%s" % (
                        pattern, self.tail()))
                left = deadline - time.monotonic()
                if left <= 0:
                    raise Problem("no line matching %r in %d s%s" % (pattern, timeout,
                                                                     self.tail()))
                self.cond.wait(left)

    def output(self):
        with self.cond:
            return [l for l in self.lines if l is not None]

    def tail(self):
        return "; the console ends with %r" % self.output()[-5:]

    def finish(self, timeout=BOOT_TIMEOUT):
        """Waits for the guest to end (kills it after timeout): the
        script's status, or None when it did not end by itself."""
        try:
            self.p.wait(timeout)
            timed_out = False
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            timed_out = True
        self.reader.join(5)
        os.makedirs(cases.LOGS, exist_ok=True)
        with open(os.path.join(cases.LOGS, self.name + ".log"), "w") as f:
            f.write("$ " + " ".join(self.argv) + "\n" + "\n".join(self.output()) + "\n")
        if timed_out:
            return None
        if self.guest == "linux":
            found = [LINUX_EXIT.match(l) for l in self.output() if LINUX_EXIT.match(l)]
            return int(found[-1].group(1)) if found else None
        return qemu.exit_status(self.p.returncode)

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()


def run_guest(name, script, host, files=(), status=0, **kw):
    """Boots a Guest, runs host(guest) -> problems, ends the guest; the
    problems, the end status checked (and net.show's counters on Flint)."""
    g = Guest(name, script, files, **kw)
    problems = []
    try:
        problems += host(g)
    except Problem as e:
        problems.append(str(e))
    finally:
        got = g.finish(CASE_TIMEOUT if not problems else 5)
        g.kill()
    if got != status and not problems:
        problems.append("the guest's status is %s, expected %d%s" % (got, status, g.tail()))
    if GUEST != "linux" and not problems and not any(
            re.match(r"^net.*\beth0\b", l) for l in g.output()):
        problems.append("no net.show line about eth0 at the end%s" % g.tail())
    return problems


def http_get(url, timeout=30, netns=None):
    """The body at url, through curl (in netns when given), or None."""
    argv = ["curl", "-s", "-f", "-m", str(timeout), "--noproxy", "*", "-o", "-", url]
    if netns:
        argv = ["ip", "netns", "exec", netns] + argv
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    return p.stdout if p.returncode == 0 else None


def wait_http(g, url, want, timeout=BOOT_TIMEOUT, netns=None):
    """Retries url until it answers with want (slirp accepts connects before
    the guest listens: only the page itself says the server is up)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if g.p.poll() is not None:
            raise Problem("the guest ended before serving %s%s" % (url, g.tail()))
        if http_get(url, 5, netns) == want:
            return
        time.sleep(1)
    raise Problem("%s did not answer with the page in %d s%s" % (url, timeout, g.tail()))


def tell_end(g, port, tries=10):
    """Ends the guest's `nc -l -p PORT` wait (the script's last step)."""
    for _ in range(tries):
        try:
            with socket.create_connection(("127.0.0.1", port), 5) as s:
                s.sendall(b"end\n")
        except OSError:
            pass
        try:
            return g.wait_line(r"^net-test: end$", 3)
        except Problem:
            if g.p.poll() is not None:
                raise
    raise Problem("the guest did not take the end signal on port %d%s" % (port, g.tail()))


END_SCRIPT = "nc -l -p 99 > /dev/null\necho net-test: end\n"


def httpd_files():
    page = os.path.join(IMAGES, "net-page.html")
    os.makedirs(IMAGES, exist_ok=True)
    with open(page, "wb") as f:
        f.write(SMALL_PAGE)
    big, big_sha = data_file("net-big.bin", BIG_BYTES)
    return [(page, "/www/index.html"), (big, "/www/big.bin")], big_sha


HTTPD_SCRIPT = "httpd -f -p 80 -h /www &\nhttpd=$!\n" + END_SCRIPT + "kill $httpd\n"


def httpd_host(web, ctl, big_sha, netns=None, base=None):
    def host(g):
        base_url = base or "http://127.0.0.1:%d" % web
        wait_http(g, base_url + "/index.html", SMALL_PAGE, netns=netns)
        start = time.monotonic()
        body = http_get(base_url + "/big.bin", 120, netns)
        took = time.monotonic() - start
        problems = []
        if body is None or sha(body) != big_sha:
            problems.append("big.bin: %s bytes, sha256 %s, expected %d bytes %s" % (
                None if body is None else len(body), body and sha(body), BIG_BYTES, big_sha))
        else:
            print("  %s: 16 MiB in %.1f s" % (g.name, took), flush=True)
        if ctl:
            tell_end(g, ctl)
        return problems
    return host


def httpd_case(transport, ip):
    name = "net-httpd-%s-%s" % (transport, "dhcp" if ip == "ip=dhcp" else "static")

    @case(name)
    def _():
        files, big_sha = httpd_files()
        web, ctl = free_port(), free_port()
        net = "user:hostfwd=tcp:%d-:80,hostfwd=tcp:%d-:99" % (web, ctl)
        return run_guest(name, HTTPD_SCRIPT, httpd_host(web, ctl, big_sha), files,
                         transport=transport, nets=[net], ip=ip)


# What ip=dhcp and the static form must set, and how busybox prints it.
def ip_config_checks(out, addr, prefix, gw, dns, hostname=None):
    problems = []
    if not any(re.search(r"\binet %s/%d\b.*\beth0\b" % (re.escape(addr), prefix), l)
               for l in out):
        problems.append("ip addr shows no %s/%d on eth0" % (addr, prefix))
    if gw and not any(re.match(r"^default via %s dev eth0\b" % re.escape(gw), l) for l in out):
        problems.append("ip route shows no 'default via %s dev eth0'" % gw)
    if not any(re.search(r"inet addr:%s\s" % re.escape(addr), l) for l in out):
        problems.append("ifconfig shows no 'inet addr:%s'" % addr)
    if dns and "nameserver " + dns not in out:
        problems.append("/etc/resolv.conf names no %s" % dns)
    if hostname and "hostname " + hostname not in out:
        problems.append("the host name is not %s" % hostname)
    return problems


IPCONF_SCRIPT = ("ip addr\nip route\nifconfig eth0\ncat /etc/resolv.conf\n"
                 "echo hostname $(hostname)\necho net-test: end\n")


def netns_name(name):
    return "flint-%d-%s" % (os.getpid(), name[-20:])


def netns_problem():
    """Why a namespace with a tap cannot be made here, or None."""
    if os.geteuid() != 0:
        return "not root"
    if not os.path.exists("/dev/net/tun"):
        return "no /dev/net/tun"
    return None


class Netns:
    """A network namespace for one case: lo up, optionally tap0 with
    TAP_HOST/30; deleted on exit, even after a failure."""

    def __init__(self, name, tap=True):
        self.name = netns_name(name)
        self.tap = tap

    def ip(self, *args):
        p = subprocess.run(["ip", "netns", "exec", self.name, "ip", *args],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if p.returncode:
            raise Problem("ip %s: %s" % (" ".join(args), p.stdout.strip()))

    def __enter__(self):
        subprocess.run(["ip", "netns", "add", self.name], check=True)
        try:
            self.ip("link", "set", "lo", "up")
            if self.tap:
                self.ip("tuntap", "add", "tap0", "mode", "tap")
                self.ip("addr", "add", TAP_HOST + "/30", "dev", "tap0")
                self.ip("link", "set", "tap0", "up")
        except BaseException:
            self.__exit__()
            raise
        return self

    def exec(self, argv):
        return ["ip", "netns", "exec", self.name] + argv

    def __exit__(self, *exc):
        subprocess.run(["ip", "netns", "del", self.name], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)


@case("net-busybox-ip-static")
def _():
    def host(g):
        g.wait_line(r"^net-test: end$")
        return ip_config_checks(g.output(), SLIRP_GUEST, 24, SLIRP_GW, SLIRP_DNS,
                                "flint-static")
    return run_guest("net-busybox-ip-static", IPCONF_SCRIPT, host, ip=SLIRP_STATIC)


@case("net-busybox-ip-dhcp")
def _():
    # restrict=on makes slirp's DHCP leave out the router and DNS options:
    # the full lease is checked in a namespace of its own, which has no
    # route anywhere (so restrict=off lets nothing out); without root only
    # the address is.
    name = "net-busybox-ip-dhcp"

    def host(g):
        g.wait_line(r"^net-test: end$")
        full = netns_problem() is None
        return ip_config_checks(g.output(), SLIRP_GUEST, 24, SLIRP_GW if full else None,
                                SLIRP_DNS if full else None)
    if netns_problem():
        return run_guest(name, IPCONF_SCRIPT, host)
    with Netns(name, tap=False) as ns:
        g_args = dict(nets=["user"], netns=ns.name)
        return run_guest(name, IPCONF_SCRIPT, host, unrestricted=True, **g_args)


NC_SCRIPT = """nc -l -p 5001 > /tmp/in.bin
echo in-sha $(sha256sum /tmp/in.bin)
nc -l -p 5002 < /data/blob
echo net-test: sent to the host client
nc %s 5003 < /data/blob
echo net-test: sent to the host server
ping -c 1 -W 5 %s && echo net-test: ping ok
echo net-test: end
""" % (GUESTFWD_ADDR, SLIRP_GW)


@case("net-nc")
def _():
    name = "net-nc"
    blob, blob_sha = data_file("net-nc.bin", NC_BYTES)
    p_in, p_out = free_port(), free_port()
    # guest client -> host server: QEMU starts `cat` for the guest's connect
    # and the file gets what the guest sent; cat ends at the guest's
    # shutdown, and QEMU then closes the guest's connection, so the guest's
    # nc ends too (a tcp: guestfwd target never passes a close on).
    back = os.path.join(IMAGES, name + ".back")
    if os.path.exists(back):
        os.unlink(back)

    def host(g):
        problems = []
        with open(blob, "rb") as f:
            data = f.read()
        deadline = time.monotonic() + BOOT_TIMEOUT
        # guest server <- host client: sent until the guest's hash says it came.
        while True:
            try:
                with socket.create_connection(("127.0.0.1", p_in), 10) as s:
                    s.sendall(data)
                line = g.wait_line(r"^in-sha ", 10)
                break
            except (OSError, Problem):
                if time.monotonic() > deadline or g.p.poll() is not None:
                    raise Problem("the guest's nc -l never took the data%s" % g.tail())
        if line.split()[1] != blob_sha:
            problems.append("guest server <- host: sha256 %s, expected %s" % (
                line.split()[1], blob_sha))
        # guest server -> host client.
        got = b""
        for _ in range(20):
            try:
                with socket.create_connection(("127.0.0.1", p_out), 10) as s:
                    s.settimeout(60)
                    got = b"".join(iter(lambda: s.recv(1 << 16), b""))
            except OSError:
                got = b""
            if got:
                break
            time.sleep(0.5)
        if sha(got) != blob_sha:
            problems.append("guest server -> host: %d bytes, sha256 %s" % (len(got), sha(got)))
        try:
            g.wait_line(r"^net-test: sent to the host server$")
        except Problem as e:
            return problems + ["guest client -> host server: %s" % e]
        with open(back, "rb") as f:
            got = f.read()
        if sha(got) != blob_sha:
            problems.append("guest client -> host server: %d bytes, sha256 %s" % (
                len(got), sha(got)))
        try:
            g.wait_line(r"^net-test: end$")
        except Problem as e:
            return problems + [str(e)]
        if "net-test: ping ok" not in g.output():
            problems.append("ping %s from the guest failed" % SLIRP_GW)
        return problems

    net = ("user:hostfwd=tcp:%d-:5001,hostfwd=tcp:%d-:5002,"
           "guestfwd=%s:5003-cmd:sh -c 'cat > %s'" % (p_in, p_out, GUESTFWD_ADDR, back))
    return run_guest(name, NC_SCRIPT, host, [(blob, "/data/blob")], nets=[net])


# The load runs twice, each time against a new server process: memory the
# first round leaves behind for good (pools and caches that grow once) is
# not counted; MemFree after the second round must come back to within
# MEM_TOLERANCE_KB of what it was before it, read again for at most
# MEM_SETTLE_S seconds, so that anything a connection, a vanished client or
# a reset connect keeps shows.
MEM_SETTLE_S = 30
EPOLL_SCRIPT = """free() { awk '/^MemFree:/ { print $2 }' /proc/meminfo; }
/bin/net_epoll serve 7000
before=$(free)
echo mem-before MemFree: $before kB
/bin/net_epoll serve 7000
i=0
while [ $i -lt %d ] && [ $(free) -lt $((before - %d)) ]; do sleep 1; i=$((i + 1)); done
echo mem-after MemFree: $(free) kB after $i s
echo net-test: end
""" % (MEM_SETTLE_S, MEM_TOLERANCE_KB)
MEM_LINE = re.compile(r"^mem-(before|after) MemFree: (\d+) kB(?: after (\d+) s)?$")
LISTENING = re.compile(r"^net_epoll: listening on port 7000")


def host_net_epoll(*args, timeout=CASE_TIMEOUT):
    p = subprocess.run([os.path.join(APPS, "net_epoll.glibc"), *map(str, args)],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=timeout)
    return p.returncode, p.stdout


def mem_back(g, line, settle_s, tolerance_kb, after_what):
    """Problems unless the guest's MemFree after the load (the "after"
    group of its line pattern) came back to within tolerance_kb of
    before it."""
    mem = dict((m.group(1), int(m.group(2))) for m in map(line.match, g.output()) if m)
    if len(mem) != 2:
        return ["no MemFree lines before and after%s" % g.tail()]
    if mem["after"] < mem["before"] - tolerance_kb:
        return ["MemFree %d kB %d s %s, %d kB before: more than %d kB did not come back" % (
            mem["after"], settle_s, after_what, mem["before"], tolerance_kb)]
    return []


def epoll_case(libc):
    name = "net-epoll-" + libc

    @case(name)
    def _():
        port = free_port()

        def load(g, rnd):
            """One round against the server: its problems."""
            problems = []
            for conns, size in ((EPOLL_CONNS, EPOLL_BYTES), (HELD_CONNS, 1)):
                rc, out = host_net_epoll("client", "127.0.0.1", port, conns, size)
                if rc:
                    problems.append("round %d, %d connections x %d bytes: %s" % (
                        rnd, conns, size, out.strip().replace("\n", "; ")))
                # Resets before any reply: the host's listen overflow on
                # slirp's forward (net_epoll.c), reconnected a few times at
                # most; a few are the host's, many would be the guest's.
                again = [l for l in out.splitlines() if "reset before any reply, reconnected" in l]
                for l in again:
                    print("  %s: round %d: %s" % (name, rnd, l), flush=True)
                if len(again) > conns // RECONNECT_SHARE:
                    problems.append("round %d: %d of %d connections reset before any reply" % (
                        rnd, len(again), conns))
            rc, out = host_net_epoll("vanish", "127.0.0.1", port, VANISH_CONNS, VANISH_BYTES)
            if rc:
                problems.append("round %d, vanish: %s" % (rnd, out.strip()))
            # Slirp passes the resets on to the guest in its own time.
            time.sleep(VANISH_SETTLE_S)
            host_net_epoll("quit", "127.0.0.1", port)
            return problems

        def host(g):
            g.wait_line(LISTENING.pattern)
            problems = load(g, 1)
            g.wait_line(r"^mem-before ")
            deadline = time.monotonic() + BOOT_TIMEOUT
            while sum(1 for l in g.output() if LISTENING.match(l)) < 2:
                if time.monotonic() > deadline:
                    raise Problem("no second server%s" % g.tail())
                time.sleep(0.2)
            problems += load(g, 2)
            g.wait_line(r"^net-test: end$", BOOT_TIMEOUT + MEM_SETTLE_S)
            served = [l for l in g.output() if l.startswith("net_epoll: served ")]
            want = "at most %d at once, 0 open at the end" % HELD_CONNS
            if len(served) != 2 or not all(l.endswith(want) for l in served):
                problems.append("the server's counts %r, expected ... %r twice" % (served, want))
            return problems + mem_back(g, MEM_LINE, MEM_SETTLE_S, MEM_TOLERANCE_KB,
                                       "after the second round")

        files = [(os.path.join(APPS, "net_epoll." + libc), "/bin/net_epoll")]
        return run_guest(name, EPOLL_SCRIPT, host, files,
                         nets=["user:hostfwd=tcp:%d-:7000" % port])


# A UDP round trip is checked here: with restrict=on slirp drops the
# guest's datagrams back to a hostfwd=udp sender.
TAP_SCRIPT = """/bin/net_epoll udp 5005 &
httpd -f -p 80 -h /www &
httpd=$!
ping -c 1 -W 5 %s && echo net-test: ping ok
ping -c 1 -s 4000 -W 5 %s && echo net-test: big ping ok
wget -q -O - http://%s/latest/meta-data/instance-id && echo
nc -l -p 99 > /dev/null
echo net-test: end
kill $httpd
""" % (TAP_HOST, TAP_HOST, METADATA)
INSTANCE_ID = "i-flint-test"
# The second datagram is longer than the MTU: the guest reassembles it
# and cuts its echo into IPv4 fragments (net/ipfrag.c).
UDP_CLIENT = """import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
for want in (b"udp-round-trip", bytes(range(256)) * 24):
    got = None
    for i in range(15):
        s.sendto(want, ("%s", 5005))
        try:
            got = s.recv(8192)
            break
        except OSError:
            pass
    if got != want:
        print("udp %%d bytes: got %%r" %% (len(want), got if got is None else len(got)))
        break
else:
    print("udp ok")
"""


def tap_checks(g, ns, big_sha):
    """The tap case's host side, in the namespace ns: its problems."""
    problems = httpd_host(None, None, big_sha, ns.name, "http://%s" % TAP_GUEST)(g)
    for size in ("56", "4000"):
        p = subprocess.run(ns.exec(["busybox", "ping", "-c", "2", "-s", size, "-W", "5",
                                    TAP_GUEST]),
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if p.returncode:
            problems.append("ping -s %s of the guest from the namespace failed: %s" % (
                size, p.stdout.strip()[-200:]))
    p = subprocess.run(ns.exec(["python3", "-c", UDP_CLIENT % TAP_GUEST]),
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if p.stdout.strip() != "udp ok":
        problems.append("UDP round trip: %r" % p.stdout.strip()[-200:])
    try:
        # The guest's ping and wget run before its nc waits for the end.
        g.wait_line(r"^%s$" % INSTANCE_ID, 30)
    except Problem as e:
        problems.append("the guest's wget of the metadata address: %s" % e)
    if "net-test: ping ok" not in g.output():
        problems.append("ping %s from the guest failed" % TAP_HOST)
    if "net-test: big ping ok" not in g.output():
        problems.append("ping -s 4000 %s from the guest failed" % TAP_HOST)
    subprocess.run(ns.exec(["python3", "-c", "import socket; socket.create_connection("
                            "('%s', 99), 5).sendall(b'end')" % TAP_GUEST]),
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        g.wait_line(r"^net-test: end$", 30)
    except Problem as e:
        problems.append(str(e))
    return problems


def tap_case(name, transport, fcshim=False):
    @case(name)
    def _():
        files, big_sha = httpd_files()
        files.append((os.path.join(APPS, "net_epoll.musl"), "/bin/net_epoll"))
        with Netns(name) as ns:
            # The metadata service's stand-in: 169.254.169.254 on the tap.
            ns.ip("addr", "add", METADATA + "/32", "dev", "tap0")
            md = os.path.join(IMAGES, name + ".md")
            os.makedirs(os.path.join(md, "latest", "meta-data"), exist_ok=True)
            with open(os.path.join(md, "latest", "meta-data", "instance-id"), "w") as f:
                f.write(INSTANCE_ID)
            server = subprocess.Popen(ns.exec(["python3", "-m", "http.server", "--bind",
                                               METADATA, "--directory", md, "80"]),
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                return run_guest(name, TAP_SCRIPT, lambda g: tap_checks(g, ns, big_sha), files,
                                 transport=transport, nets=["tap:tap0"], ip=TAP_IP,
                                 netns=ns.name, macs=["06:00:ac:10:00:02"], fcshim=fcshim)
            finally:
                server.kill()
                server.wait()


@case("net-flint-args")
def _():
    """tools/flint's network options, through --dry-run and firecracker-config."""
    flint = os.path.join(ROOT, "tools", "flint")

    def run(*args):
        p = subprocess.run([flint, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True)
        return p.returncode, p.stdout + p.stderr

    problems = []
    good = {
        ("run", "--dry-run", "--net", "user:hostfwd=tcp:8080-:80"):
            ["-netdev user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:8080-:80",
             "-device virtio-net-pci,netdev=n0"],
        ("run", "--dry-run", "--net", "user:hostfwd=udp:localhost:53-10.0.2.15:53"):
            ["hostfwd=udp:127.0.0.1:53-10.0.2.15:53"],
        ("run", "--dry-run", "--machine", "microvm", "--net", "user"):
            ["-device virtio-net-device,netdev=n0"],
        ("run", "--dry-run", "--machine", "microvm", "--net", "user", "--nic-model", "mmio-v2"):
            ["-device virtio-net-device,netdev=n0", "-global virtio-mmio.force-legacy=false"],
        ("run", "--dry-run", "--net", "tap:tap7", "--nic-model", "pci-legacy", "--mac",
         "06:00:AC:10:00:02"):
            ["-netdev tap,id=n0,ifname=tap7,script=no,downscript=no",
             "-device virtio-net-pci,disable-modern=on,netdev=n0,mac=06:00:ac:10:00:02"],
        ("run", "--dry-run", "--net", "user", "--net", "tap:t1", "--nic-model", "pci",
         "--nic-model", "pci-modern"):
            ["-netdev user,id=n0,restrict=on -device virtio-net-pci,netdev=n0",
             "-device virtio-net-pci,disable-legacy=on,netdev=n1"],
        ("run", "--dry-run", "--net", "user:guestfwd=10.0.2.100:80-tcp:127.0.0.1:8000"):
            ["guestfwd=tcp:10.0.2.100:80-tcp:127.0.0.1:8000"],
        ("run", "--dry-run", "--net", "user:guestfwd=10.0.2.100:80-cmd:cat"):
            ["guestfwd=tcp:10.0.2.100:80-cmd:cat"],
    }
    for args, wants in good.items():
        rc, out = run(*args)
        for want in wants:
            if rc or want not in out:
                problems.append("flint %s: rc %d, no %r in %r" % (" ".join(args), rc, want,
                                                                  out.strip()))
    bad = [("run", "--dry-run", "--net", "user:hostfwd=tcp:0.0.0.0:8080-:80"),
           ("run", "--dry-run", "--net", "user:hostfwd=tcp:10.1.2.3:8080-:80"),
           ("run", "--dry-run", "--net", "user:hostfwd=tcp:99999-:80"),
           ("run", "--dry-run", "--net", "user:restrict=off"),
           ("run", "--dry-run", "--net", "user:guestfwd=10.0.2.100:80-tcp:10.0.0.1:80"),
           ("run", "--dry-run", "--net", "bridge:br0"),
           ("run", "--dry-run", "--net", "user", "--nic-model", "mmio"),
           ("run", "--dry-run", "--machine", "microvm", "--net", "user", "--nic-model", "pci"),
           ("run", "--dry-run", "--machine", "microvm", "--net", "user", "--net", "user",
            "--nic-model", "mmio", "--nic-model", "mmio-v2"),
           ("run", "--dry-run", "--nic-model", "pci"),
           ("run", "--dry-run", "--net", "user", "--mac", "06:00:zz:10:00:02"),
           ("firecracker-config", "--tap", "tap0", "--mac", "06:00:ac:10:00:03")]
    for args in bad:
        rc, out = run(*args)
        if rc != 2 or "error:" not in out:
            problems.append("flint %s: rc %d, expected a usage error: %r" % (
                " ".join(args), rc, out.strip()[-200:]))
    import json
    for args, ip, mac in [
            (["--tap", "fc0", "--", "/bin/httpd", "-f"],
             "ip=172.16.0.2::172.16.0.1:255.255.255.252::eth0:off /bin/httpd -f",
             "06:00:AC:10:00:02"),
            (["--tap", "fc1", "--mac", "06:00:c0:a8:00:05", "--", "bootchart", "--", "/init"],
             "ip=192.168.0.5::192.168.0.6:255.255.255.252::eth0:off bootchart -- /init",
             "06:00:C0:A8:00:05"),
            (["--tap", "fc2", "--", "ip=dhcp", "--", "/init"], "ip=dhcp -- /init",
             "06:00:AC:10:00:02")]:
        rc, out = run("firecracker-config", *args)
        try:
            cfg = json.loads(out)
        except ValueError:
            problems.append("firecracker-config %s: no JSON: %r" % (" ".join(args), out[-200:]))
            continue
        want_if = [{"iface_id": "eth0", "host_dev_name": args[1], "guest_mac": mac}]
        if cfg["boot-source"]["boot_args"] != ip or cfg.get("network-interfaces") != want_if:
            problems.append("firecracker-config %s: boot_args %r, interfaces %r" % (
                " ".join(args), cfg["boot-source"]["boot_args"], cfg.get("network-interfaces")))
    return problems


def register():
    for transport in TRANSPORTS:
        httpd_case(transport, "ip=dhcp" if transport in ("pci", "mmio-v1") else SLIRP_STATIC)
    for libc in ("musl", "glibc"):
        epoll_case(libc)
    # As netdev_cases.py does: cases that cannot run here are not
    # registered, and one SKIP line says why.
    why = netns_problem()
    if why:
        print("SKIP boot.net-tap-httpd-*: %s (the tap cases need a namespace and a tap)" % why,
              flush=True)
        return
    tap_case("net-tap-httpd-pci", "pci")
    tap_case("net-tap-httpd-mmio-v2", "mmio-v2")
    # Firecracker's shape: the shim's entry, virtio-mmio v2, a tap, its ip=.
    if GUEST == "linux":
        print("SKIP boot.net-tap-httpd-fcshim-microvm: the shim boots Flint only", flush=True)
    else:
        tap_case("net-tap-httpd-fcshim-microvm", "mmio-v2", fcshim=True)


register()
