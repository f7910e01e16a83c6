"""Boot tests of the virtio-net driver (registered into cases.CASES): with
test.net every NIC asks QEMU's user network gateway (10.0.2.2) for its
MAC with a burst of ARP requests and pings it with MTU-sized frames; the
replies never leave QEMU (restrict=on, no forwarding). Over each
transport, two NICs at once, a MAC QEMU gives, the Firecracker shim, and
the device's header and checksum variants, whose features the console
line names. Over a tap device in a network namespace of the test's own
(root only), where a UDP echo server listens at 10.0.2.2:7, the checksum
offloads are seen working too (test.net.udp)."""
import os
import re
import shutil
import subprocess

from cases import MODERN_MMIO, boot, case, check_boot, qemu

GATEWAY_MAC = "52:55:0a:00:02:02"       # QEMU's user network: 52:55 and the IP
QEMU_MAC = "52:54:00:12:34:5%d"         # QEMU's default MACs, one up per NIC
NET_LINE = re.compile(r"^virtio: net (\S+) (.+) (eth\d) mac=([0-9a-f:]{17}) mtu=(\d+)"
                      r"((?: [a-z0-9-]+)*)$")
PCI_LOCATION = re.compile(r"^pci 00:0[0-9a-f]\.0$")
MMIO_LOCATION = "mmio 0xfeb00e00 irq 12"
USER_FEATURES = "mrg-rxbuf event-idx"   # what QEMU offers over user networking
STATS_LINE = re.compile(r"^net-test: (eth\d) rx (\d+) tx (\d+) interrupts (\d+) notifies (\d+) "
                        r"drops (\d+) unclaimed \d+$")


def user_net(i):
    return ["-netdev", "user,id=n%d,restrict=on" % i]


def net_test_lines(name, gateway=GATEWAY_MAC, udp=None):
    return ["net-test: %s arp reply from %s" % (name, gateway),
            "net-test: %s 4 echo replies of 1514 bytes" % name] + (
            ["net-test: %s 4 udp echoes of 1514 bytes, checksums %s" % (name, udp)]
            if udp else [])


def check_net(r, want, entry="pvh", gateway=GATEWAY_MAC, udp=None, cpus=1):
    """want: (transport, location pattern or string, MAC, MTU, features)
    for eth0, eth1, ... in order; each must pass test.net."""
    problems = check_boot(r, entry, cpus=cpus)
    out = r.lines()
    found = [m.groups() for m in map(NET_LINE.match, out) if m]
    tests = [l for l in out if l.startswith("net-test:") and not STATS_LINE.match(l)]
    stats = [m.groups() for m in map(STATS_LINE.match, out) if m]
    want_tests = []
    if len(found) != len(want):
        problems.append("virtio net lines %r, expected %d" % (
            [l for l in out if l.startswith("virtio")], len(want)))
    for i, (w, f) in enumerate(zip(want, found)):
        transport, location, mac, mtu, features = w
        dev = "eth%d" % i
        where = location.match(f[1]) if hasattr(location, "match") else location == f[1]
        if f[0] != transport or not where or f[2] != dev or f[3] != mac or \
                f[4] != str(mtu) or f[5].strip() != features:
            problems.append("%s: console line %r, expected %s %s mac=%s mtu=%s %s" % (
                dev, f, transport, getattr(location, "pattern", location), mac, mtu,
                features))
    for i in range(len(want)):
        want_tests += net_test_lines("eth%d" % i, gateway, udp)
    if tests != want_tests:
        problems.append("net-test lines %r, expected %r" % (tests, want_tests))
    # The counters: every frame sent counted, at least the replies
    # received (a tap's host may send more), nothing dropped. How many
    # interrupts and notifications the frames cost depends on how busy the
    # device was (under TCG it is seldom behind the guest): only bounded.
    sent = 8 + 4 + (4 if udp else 0)
    if [s[0] for s in stats] != ["eth%d" % i for i in range(len(want))]:
        problems.append("counter lines for %r" % [s[0] for s in stats])
    for dev, rx, tx, irqs, notifies, drops in stats:
        if int(tx) != sent or int(rx) < sent or not 0 < int(irqs) <= int(rx) or \
                not 0 < int(notifies) <= sent or int(drops):
            problems.append("%s: rx %s tx %s interrupts %s notifies %s drops %s" % (
                dev, rx, tx, irqs, notifies, drops))
    return problems


def net_case(name, argv, want, entry="pvh", cpus=1):
    @case(name)
    def _():
        return check_net(boot(name, argv), want, entry, cpus=cpus)


def q35(device, nics=1, smp=1):
    extra = []
    for i in range(nics):
        extra += user_net(i) + ["-device", "%s,netdev=n%d" % (device, i)]
    return qemu.command(machine="q35", smp=smp, append="test.net", extra=extra)


def microvm(device, modern):
    return qemu.command(machine="microvm-noacpi", append="test.net",
                        extra=user_net(0) + ["-device", device + ",netdev=n0"]
                        + (MODERN_MMIO if modern else []))


for name, device, transport in [
        ("net-q35-transitional", "virtio-net-pci", "pci-modern"),
        ("net-q35-legacy", "virtio-net-pci,disable-modern=on", "pci-legacy"),
        ("net-q35-modern", "virtio-net-pci,disable-legacy=on", "pci-modern")]:
    net_case(name, q35(device), [(transport, PCI_LOCATION, QEMU_MAC % 6, 1500, USER_FEATURES)])

net_case("net-mmio-v1", microvm("virtio-net-device", False),
         [("mmio-v1", MMIO_LOCATION, QEMU_MAC % 6, 1500, USER_FEATURES)])
net_case("net-mmio-v2", microvm("virtio-net-device", True),
         [("mmio-v2", MMIO_LOCATION, QEMU_MAC % 6, 1500, USER_FEATURES)])

# Two NICs, each on a user network of its own: eth0 and eth1 both answer.
net_case("net-two-nics", q35("virtio-net-pci", nics=2),
         [("pci-modern", PCI_LOCATION, QEMU_MAC % 6, 1500, USER_FEATURES),
          ("pci-modern", PCI_LOCATION, QEMU_MAC % 7, 1500, USER_FEATURES)])

# Four CPUs: the receive threads run on other CPUs than the interrupts
# (MSI-X on the boot CPU), woken by IPI.
net_case("net-two-nics-smp4", q35("virtio-net-pci", nics=2, smp=4),
         [("pci-modern", PCI_LOCATION, QEMU_MAC % 6, 1500, USER_FEATURES),
          ("pci-modern", PCI_LOCATION, QEMU_MAC % 7, 1500, USER_FEATURES)], cpus=4)
# INTx instead of MSI-X (vectors=0): the line SeaBIOS assigned, the ISR
# status read on each interrupt.
net_case("net-q35-intx", q35("virtio-net-pci,vectors=0"),
         [("pci-modern", PCI_LOCATION, QEMU_MAC % 6, 1500, USER_FEATURES)])
net_case("net-q35-intx-legacy", q35("virtio-net-pci,disable-modern=on,vectors=0"),
         [("pci-legacy", PCI_LOCATION, QEMU_MAC % 6, 1500, USER_FEATURES)])

# The MAC (Firecracker's guest_mac form) and an MTU the device gives.
net_case("net-mac-given", q35("virtio-net-pci,mac=06:00:ac:10:00:02"),
         [("pci-modern", PCI_LOCATION, "06:00:ac:10:00:02", 1500, USER_FEATURES)])
net_case("net-mtu-9000", q35("virtio-net-pci,host_mtu=9000"),
         [("pci-modern", PCI_LOCATION, QEMU_MAC % 6, 9000, USER_FEATURES)])

# Header forms: without MRG_RXBUF a legacy device's header is 10 bytes
# (a modern one's stays 12), and every frame fills one buffer.
net_case("net-mrg-rxbuf-off-legacy", q35("virtio-net-pci,disable-modern=on,mrg_rxbuf=off"),
         [("pci-legacy", PCI_LOCATION, QEMU_MAC % 6, 1500, "event-idx")])
net_case("net-mrg-rxbuf-off", q35("virtio-net-pci,mrg_rxbuf=off"),
         [("pci-modern", PCI_LOCATION, QEMU_MAC % 6, 1500, "event-idx")])
# Without EVENT_IDX: suppression through the rings' flags words.
net_case("net-event-idx-off", q35("virtio-net-pci,event_idx=off"),
         [("pci-modern", PCI_LOCATION, QEMU_MAC % 6, 1500, "mrg-rxbuf")])
# Checksums in software on both sides. (User networking has no virtio
# header on its side, so QEMU never offers CSUM or GUEST_CSUM over it:
# the offload's flags are covered by test_virtio_net.)
net_case("net-csum-off", q35("virtio-net-pci,csum=off,guest_csum=off"),
         [("pci-modern", PCI_LOCATION, QEMU_MAC % 6, 1500, USER_FEATURES)])

# Firecracker's way: an MMIO v2 device announced by a virtio_mmio.device=
# token (and the DSDT), entered the 64-bit way.
net_case("net-fcshim-microvm-mmio",
         qemu.fcshim_command("head", "linux64", "test.net", machine="microvm-noacpi",
                             extra=MODERN_MMIO + user_net(0)
                             + ["-device", "virtio-net-device,netdev=n0"]),
         [("mmio-v2", MMIO_LOCATION, QEMU_MAC % 6, 1500, USER_FEATURES)], entry="linux64")


@case("net-none")
def _():
    # The check fails before the boot line: the VM ends with status 1.
    r = boot("net-none", qemu.command(machine="q35", append="test.net"))
    if r.timed_out:
        return ["timed out"]
    problems = []
    if qemu.exit_status(r.rc) != 1:
        problems.append("exit status %r, expected 1" % qemu.exit_status(r.rc))
    if "net-test: no network devices" not in r.lines():
        problems.append("no 'net-test: no network devices' line")
    return problems


# Over a tap device in a namespace made for the case and always deleted:
# the namespace's kernel (10.0.2.2 on the tap) answers ARP and ping, and
# a UDP echo server there answers test.net.udp's datagrams. With a virtio
# header on QEMU's side the device offers CSUM and GUEST_CSUM: the guest's
# datagrams go out with partial checksums and the host's come back with
# partial ones, which the test completes and checks.
UDP_ECHO_SERVER = """
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.0.2.2", 7))
print("ready", flush=True)
while True:
    d, a = s.recvfrom(65536)
    s.sendto(d, a)
"""


def tap_unavailable():
    """Why a namespace with a tap cannot be made here, or None."""
    if os.geteuid() != 0:
        return "not root"
    if not os.path.exists("/dev/net/tun"):
        return "no /dev/net/tun"
    if not shutil.which("ip"):
        return "no ip command"
    return None


def in_ns(ns, argv, **kw):
    return subprocess.run(["ip", "netns", "exec", ns] + argv, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, **kw)


def tap_case(name, device, features, udp):
    @case(name)
    def _():
        ns = "flint-%s-%d" % (name, os.getpid())
        server = None
        if subprocess.run(["ip", "netns", "add", ns], stderr=subprocess.PIPE).returncode:
            return ["could not make network namespace " + ns]
        try:
            for argv in (["ip", "link", "set", "lo", "up"],
                         ["ip", "tuntap", "add", "tap0", "mode", "tap"],
                         ["ip", "addr", "add", "10.0.2.2/24", "dev", "tap0"],
                         ["ip", "link", "set", "tap0", "up"]):
                p = in_ns(ns, argv)
                if p.returncode:
                    return ["%s: %s" % (" ".join(argv), p.stdout.strip())]
            gateway = in_ns(ns, ["cat", "/sys/class/net/tap0/address"]).stdout.strip()
            server = subprocess.Popen(["ip", "netns", "exec", ns, "python3", "-c",
                                       UDP_ECHO_SERVER], stdout=subprocess.PIPE, text=True)
            if server.stdout.readline().strip() != "ready":
                return ["the UDP echo server did not start"]
            argv = ["ip", "netns", "exec", ns] + qemu.command(
                machine="q35", append="test.net test.net.udp",
                extra=["-netdev", "tap,id=n0,ifname=tap0,script=no,downscript=no",
                       "-device", device + ",netdev=n0"])
            return check_net(boot(name, argv),
                             [(device_transport(device), PCI_LOCATION, QEMU_MAC % 6, 1500,
                               features)], gateway=gateway, udp=udp)
        finally:
            if server:
                server.kill()
                server.wait()
            subprocess.run(["ip", "netns", "del", ns])


def device_transport(device):
    return "pci-legacy" if "disable-modern=on" in device else "pci-modern"


TAP_UNAVAILABLE = tap_unavailable()
if TAP_UNAVAILABLE:
    print("SKIP boot.net-tap-*: " + TAP_UNAVAILABLE)
else:
    # QEMU's tap offers GUEST_TSO4/6 too; taken only with MRG_RXBUF (not
    # on the legacy header's device below, which has none). HOST_TSO4/6
    # come with CSUM (QEMU offers neither with csum=off).
    tap_case("net-tap-csum", "virtio-net-pci",
             "csum guest-csum mrg-rxbuf guest-tso4 guest-tso6 host-tso4 host-tso6 event-idx",
             "sent partial, received none 0 valid 0 partial 4")
    tap_case("net-tap-csum-off", "virtio-net-pci,csum=off,guest_csum=off",
             "mrg-rxbuf event-idx", "sent whole, received none 4 valid 0 partial 0")
    tap_case("net-tap-legacy-header", "virtio-net-pci,disable-modern=on,mrg_rxbuf=off",
             "csum guest-csum host-tso4 host-tso6 event-idx",
             "sent partial, received none 0 valid 0 partial 4")
