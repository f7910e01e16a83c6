"""Boot tests of the network stack's configuration (registered into
cases.CASES): ip= in its forms over QEMU's user network (restrict=on:
nothing leaves QEMU), what a busybox program then finds in /etc and
/proc/net, and, over a tap device in a network namespace of the test's
own (root only), the host pinging the guest's static address.

QEMU's DHCP server gives no router and no DNS server under restrict=on,
so the lease alone is 10.0.2.15/24; ip='s gateway and dns0 fields stand
in where the lease has none, as in Linux."""
import os
import re
import subprocess
import threading

from cases import MODERN_MMIO, boot, case, check_boot, qemu
from linux_cases import HOST_BUSYBOX, MUSL_GCC, Problem, app, executable_text, fatal, pack, program_lines
from netdev_cases import TAP_UNAVAILABLE, in_ns

TIMEOUT = 40
USER_NET = ["-netdev", "user,id=n0,restrict=on", "-device", "virtio-net-pci,netdev=n0"]
# A NIC on a hub of its own: frames go nowhere, no lease ever comes.
NO_SERVER_NET = ["-netdev", "hubport,id=n0,hubid=7", "-device", "virtio-net-pci,netdev=n0"]
ROUTE_HEADER = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT"
ROUTE_LINE_LEN = 127        # Linux pads /proc/net/route's lines to 127
DEV_LINE = re.compile(r"^ *(\w+):\s*(\d+)\s+(\d+)(\s+\d+){14}$")
CMDLINE_WARNING = re.compile(r"^cmdline: ")
NET_STAGE = re.compile(r"^bootchart: net (\d+)$")
NET_STAGE_MAX_US = 500000   # without a server a boot that waited for DHCP would take seconds
SHOW_LINE = re.compile(r"^net: (\w+) rx (\d+) packets (\d+) bytes, tx (\d+) packets (\d+) bytes(, .*)?$")

# Waits (at most 10 s) for eth0's route, then shows what programs read.
SHOW_SCRIPT = """#!/bin/sh
i=0
while ! grep -q '^eth0' /proc/net/route && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
echo "== resolv"; cat /etc/resolv.conf
echo "== hosts"; cat /etc/hosts
echo "== hostname $(hostname) $(cat /etc/hostname)"
echo "== route"; cat /proc/net/route
echo "== dev"; cat /proc/net/dev
echo "== udp"; cat /proc/net/udp
i=0
while ! grep -q '^fe80.* eth0$' /proc/net/if_inet6 && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
echo "== inet6"; cat /proc/net/if_inet6
echo "== end"
"""


def show_initrd():
    script = executable_text("net-show.sh", SHOW_SCRIPT)
    return pack("net-show", app("hello", "musl"), script + ":/script.sh",
                options=["--busybox", "/bin"])


def sections(r):
    """The script's output: {"resolv": [lines], "route": [...], ...}."""
    out, cur = {}, None
    for line in program_lines(r):
        if line.startswith("== "):
            words = line[3:].split(" ", 1)
            cur = words[0]
            out[cur] = [words[1]] if len(words) > 1 else []
        elif cur:
            out[cur].append(line)
    return out


def route_line(iface, dst, gw, flags, mask):
    return ("%s\t%s\t%s\t%04X\t0\t0\t0\t%s\t0\t0\t0" % (iface, dst, gw, flags, mask)
            ).ljust(ROUTE_LINE_LEN)


def check_net_show(r, shown):
    """net.show's lines at the end (shown) or none: lo's and eth0's, eth0
    having received and sent something."""
    lines = [m.groups() for m in map(SHOW_LINE.match, r.lines()) if m]
    if not shown:
        return ["net.show lines without the option: %r" % lines] if lines else []
    if [l[0] for l in lines] != ["lo", "eth0"] or int(lines[1][1]) < 1 or int(lines[1][3]) < 1:
        return ["net.show lines %r, expected lo and eth0 with traffic" % lines]
    return []


def check_show(r, net_line, resolv, routes, hostname="flint", dhcp=False, shown=False):
    """net_line: the one net: line expected (None: none); resolv: the
    nameserver addresses; routes: route_line()s after the header; dhcp:
    whether DHCP runs; shown: whether net.show is on."""
    problems = check_boot(r, "pvh")
    if fatal(problems):
        return problems
    problems += check_net_show(r, shown)
    net = [l for l in r.lines() if l.startswith("net: eth") and not SHOW_LINE.match(l)]
    if net != ([net_line] if net_line else []):
        problems.append("net lines %r, expected %r" % (net, net_line))
    s = sections(r)
    if "end" not in s:
        return problems + ["the program did not finish: %r" % program_lines(r)[-5:]]
    if s["resolv"] != ["nameserver " + a for a in resolv]:
        problems.append("/etc/resolv.conf %r, expected nameservers %r" % (s["resolv"], resolv))
    hosts = ["127.0.0.1\tlocalhost", "::1\tlocalhost ip6-localhost ip6-loopback",
             "127.0.1.1\t" + hostname]
    if s["hosts"] != hosts:
        problems.append("/etc/hosts %r, expected %r" % (s["hosts"], hosts))
    if s["hostname"] != ["%s %s" % (hostname, hostname)]:
        problems.append("hostname and /etc/hostname %r, expected %s" % (s["hostname"], hostname))
    want_route = [ROUTE_HEADER.ljust(ROUTE_LINE_LEN)] + routes
    if s["route"] != want_route:
        problems.append("/proc/net/route %r, expected %r" % (s["route"], want_route))
    devs = [m.group(1) for m in map(DEV_LINE.match, s["dev"][2:]) if m]
    if s["dev"][:1] != ["Inter-|   Receive                                                |  Transmit"] \
            or devs != ["lo", "eth0"]:
        problems.append("/proc/net/dev %r, expected lo and eth0" % s["dev"])
    elif net_line and "(dhcp)" in net_line and not any(int(m.group(3)) > 0 for m in map(DEV_LINE.match, s["dev"][3:]) if m):
        problems.append("eth0 received no packets: %r" % s["dev"])
    # lo's ::1 and eth0's link-local address from its MAC (EUI-64, RFC 4291
    # appendix A), once duplicate address detection is done; and the one
    # from the prefix QEMU's router advertises (SLAAC) if it came by then.
    inet6 = ["00000000000000000000000000000001 01 80 10 80       lo",
             "fe80000000000000505400fffe123456 02 40 20 80     eth0"]
    slaac = "fec0000000000000505400fffe123456 02 40 00 80     eth0"
    if s["inet6"] not in (inet6, inet6 + [slaac]):
        problems.append("/proc/net/if_inet6 %r, expected %r" % (s["inet6"], inet6))
    # DHCP's client socket, 0.0.0.0:68, while a lease is kept or sought.
    dhcp_udp = any(l.split()[1:2] == ["00000000:0044"] for l in s["udp"][1:])
    if dhcp_udp != dhcp:
        problems.append("/proc/net/udp %r: DHCP's socket %s" % (
            s["udp"], "missing" if not dhcp_udp else "unexpected"))
    return problems


def show_case(name, append, extra, net_line, resolv, routes, hostname="flint"):
    @case(name)
    def _():
        try:
            initrd = show_initrd()
        except Problem as e:
            return [str(e)]
        r = boot(name, qemu.command(machine="q35", append=append + " -- /script.sh",
                                    initrd=initrd, extra=extra), timeout=TIMEOUT)
        problems = check_show(r, net_line, resolv, routes, hostname, dhcp="dhcp" in append,
                              shown="net.show" in append)
        if "bootchart" in append:
            stage = [int(m.group(1)) for m in map(NET_STAGE.match, r.lines()) if m]
            if len(stage) != 1 or stage[0] > NET_STAGE_MAX_US:
                problems.append("the net stage took %r us: the boot waited" % stage)
        return problems


if MUSL_GCC:
    show_case("net-ip-dhcp", "ip=dhcp", USER_NET, "net: eth0 10.0.2.15/24 (dhcp)", [],
              [route_line("eth0", "0002000A", "00000000", 1, "00FFFFFF")])
    show_case("net-ip-dhcp-gw-dns", "ip=::10.0.2.2:::eth0:dhcp:10.0.2.3 net.show", USER_NET,
              "net: eth0 10.0.2.15/24 gw 10.0.2.2 dns 10.0.2.3 (dhcp)", ["10.0.2.3"],
              [route_line("eth0", "00000000", "0202000A", 3, "00000000"),
               route_line("eth0", "0002000A", "00000000", 1, "00FFFFFF")])
    # QEMU's DHCP server names the host (option 12) when told to; ip='s
    # host name wins.
    named_net = ["-netdev", "user,id=n0,restrict=on,hostname=dhcphost",
                 "-device", "virtio-net-pci,netdev=n0"]
    show_case("net-ip-dhcp-hostname", "ip=dhcp", named_net, "net: eth0 10.0.2.15/24 (dhcp)", [],
              [route_line("eth0", "0002000A", "00000000", 1, "00FFFFFF")], hostname="dhcphost")
    show_case("net-ip-dhcp-own-hostname", "ip=::::mine::dhcp", named_net,
              "net: eth0 10.0.2.15/24 (dhcp)", [],
              [route_line("eth0", "0002000A", "00000000", 1, "00FFFFFF")], hostname="mine")
    # Firecracker's form with a host name and two DNS servers.
    show_case("net-ip-static", "ip=172.16.0.2::172.16.0.1:255.255.255.252:vm7:eth0:off:"
              "10.1.1.1:10.1.1.2", USER_NET,
              "net: eth0 172.16.0.2/30 gw 172.16.0.1 dns 10.1.1.1,10.1.1.2 (static)",
              ["10.1.1.1", "10.1.1.2"],
              [route_line("eth0", "00000000", "010010AC", 3, "00000000"),
               route_line("eth0", "000010AC", "00000000", 1, "FCFFFFFF")], hostname="vm7")
    # Unconfigured: the script's wait runs out, nothing is configured.
    show_case("net-ip-off", "ip=off", USER_NET, None, [], [])
    show_case("net-no-ip", "", USER_NET, None, [], [])
    # No DHCP server: the boot and the program go on without a lease.
    show_case("net-ip-dhcp-no-server", "ip=dhcp bootchart", NO_SERVER_NET, None, [], [])


# The initrd's own /etc/resolv.conf stays as it is, lease or not; the
# files it lacks are written.
@case("net-initrd-resolv-conf")
def _():
    try:
        conf = executable_text("net-resolv.conf", "nameserver 192.0.2.53\n")
        script = executable_text("net-show.sh", SHOW_SCRIPT)
        initrd = pack("net-own-resolv", app("hello", "musl"), script + ":/script.sh",
                      conf + ":/etc/resolv.conf", options=["--busybox", "/bin"])
    except Problem as e:
        return [str(e)]
    r = boot("net-initrd-resolv-conf", qemu.command(
        machine="q35", append="ip=::10.0.2.2:::eth0:dhcp:10.0.2.3 -- /script.sh", initrd=initrd,
        extra=USER_NET), timeout=TIMEOUT)
    return check_show(r, "net: eth0 10.0.2.15/24 gw 10.0.2.2 dns 10.0.2.3 (dhcp)", ["192.0.2.53"],
                      [route_line("eth0", "00000000", "0202000A", 3, "00000000"),
                       route_line("eth0", "0002000A", "00000000", 1, "00FFFFFF")], dhcp=True)


# sethostname(2) through busybox's hostname, seen by uname(2).
@case("net-sethostname")
def _():
    try:
        script = executable_text("net-hostname.sh", "#!/bin/sh\nhostname; hostname box-2; "
                                 "hostname; uname -n; hostname " + "x" * 65 + " || echo refused\n")
        initrd = pack("net-hostname", app("hello", "musl"), script + ":/script.sh",
                      options=["--busybox", "/bin"])
    except Problem as e:
        return [str(e)]
    r = boot("net-sethostname", qemu.command(machine="q35", append="-- /script.sh",
                                             initrd=initrd), timeout=TIMEOUT)
    problems = check_boot(r, "pvh")
    out = [l for l in program_lines(r) if not l.startswith("hostname:")]
    if out != ["flint", "box-2", "box-2", "refused"]:
        problems.append("output %r, expected flint, box-2 twice, refused" % out)
    return problems


def garbage_case(name, value, why):
    @case(name)
    def _():
        r = boot(name, qemu.command(machine="q35", append="ip=" + value, extra=USER_NET))
        problems = check_boot(r, "pvh")
        warn = [l for l in r.lines() if l.startswith("net: ") or CMDLINE_WARNING.match(l)]
        # The line shows at most 64 bytes of the value.
        if warn != ["net: ip=%s ignored: %s" % (value[:64], why)]:
            problems.append("warnings %r, expected one for ip=%s (%s)" % (warn, value, why))
        return problems


@case("net-ip-dhcp-no-nic")
def _():
    r = boot("net-ip-dhcp-no-nic", qemu.command(machine="q35", append="ip=dhcp"))
    problems = check_boot(r, "pvh")
    net = [l for l in r.lines() if l.startswith("net: ")]
    if net != ["net: ip=: no interface to configure"]:
        problems.append("net lines %r, expected one saying there is no interface" % net)
    return problems


# Firecracker's way: its kernel command line's ip= and a virtio-mmio NIC.
@case("net-ip-fcshim")
def _():
    r = boot("net-ip-fcshim", qemu.fcshim_command(
        "head", "linux64", "ip=172.16.0.2::172.16.0.1:255.255.255.252::eth0:off",
        machine="microvm-noacpi", extra=MODERN_MMIO + [
            "-netdev", "user,id=n0,restrict=on", "-device", "virtio-net-device,netdev=n0"]))
    problems = check_boot(r, "linux64")
    net = [l for l in r.lines() if l.startswith("net: ")]
    if net != ["net: eth0 172.16.0.2/30 gw 172.16.0.1 (static)"]:
        problems.append("net lines %r, expected eth0's static address" % net)
    return problems


garbage_case("net-ip-garbage", "1.2.3.4.5", "bad client address")
garbage_case("net-ip-garbage-autoconf", "10.0.0.2:::::eth0:rarp", "rarp is not supported")
garbage_case("net-ip-garbage-long", "x" * 300, "a field is too long")


# The guest's static address in a namespace the test makes and always
# deletes; the namespace's side pings it while the guest sleeps.
GUEST, HOST_SIDE = "172.16.0.2", "172.16.0.1"


def pinger(ns, result, stop):
    """Once the guest answers at all, three pings that must all come back."""
    while not stop.is_set():
        if in_ns(ns, [HOST_BUSYBOX, "ping", "-c", "1", "-W", "1", GUEST]).returncode == 0:
            p = in_ns(ns, [HOST_BUSYBOX, "ping", "-c", "3", "-i", "0.2", "-W", "2", GUEST])
            result.append(p.stdout)
            return
        stop.wait(0.2)


def tap_ping():
    try:
        initrd = pack("net-sleep", app("hello", "musl"), options=["--busybox", "/bin"])
    except Problem as e:
        return [str(e)]
    ns = "flint-net-tap-ping-%d" % os.getpid()
    if subprocess.run(["ip", "netns", "add", ns], stderr=subprocess.PIPE).returncode:
        return ["could not make network namespace " + ns]
    stop, result = threading.Event(), []
    t = None
    try:
        for argv in (["ip", "link", "set", "lo", "up"],
                     ["ip", "tuntap", "add", "tap0", "mode", "tap"],
                     ["ip", "addr", "add", HOST_SIDE + "/30", "dev", "tap0"],
                     ["ip", "link", "set", "tap0", "up"]):
            p = in_ns(ns, argv)
            if p.returncode:
                return ["%s: %s" % (" ".join(argv), p.stdout.strip())]
        t = threading.Thread(target=pinger, args=(ns, result, stop))
        t.start()
        argv = ["ip", "netns", "exec", ns] + qemu.command(
            machine="q35", initrd=initrd,
            append="ip=%s::%s:255.255.255.252::eth0:off -- /bin/sleep 15" % (GUEST, HOST_SIDE),
            extra=["-netdev", "tap,id=n0,ifname=tap0,script=no,downscript=no",
                   "-device", "virtio-net-pci,netdev=n0"])
        r = boot("net-tap-ping", argv, timeout=TIMEOUT)
        stop.set()
        t.join()
        problems = check_boot(r, "pvh")
        line = "net: eth0 %s/30 gw %s (static)" % (GUEST, HOST_SIDE)
        if line not in r.lines():
            problems.append("no line %r" % line)
        if not result or " 0% packet loss" not in result[0]:
            problems.append("the guest did not answer ping: %r" % result)
        return problems
    finally:
        stop.set()
        if t:
            t.join()
        subprocess.run(["ip", "netns", "del", ns])


if TAP_UNAVAILABLE:
    print("SKIP boot.net-tap-ping: " + TAP_UNAVAILABLE)
else:
    case("net-tap-ping")(tap_ping)
