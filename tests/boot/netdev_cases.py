"""Boot tests of the virtio-net driver (registered into cases.CASES): with
test.net every NIC asks QEMU's user network gateway (10.0.2.2) for its
MAC with a burst of ARP requests and pings it with MTU-sized frames; the
replies never leave QEMU (restrict=on, no forwarding). Over each
transport, two NICs at once, a MAC QEMU gives, the Firecracker shim, and
the device's header and checksum variants, whose features the console
line names."""
import re

from cases import MODERN_MMIO, boot, case, check_boot, qemu

GATEWAY_MAC = "52:55:0a:00:02:02"       # QEMU's user network: 52:55 and the IP
QEMU_MAC = "52:54:00:12:34:5%d"         # QEMU's default MACs, one up per NIC
NET_LINE = re.compile(r"^virtio: net (\S+) (.+) (eth\d) mac=([0-9a-f:]{17}) mtu=(\d+)"
                      r"((?: [a-z-]+)*)$")
PCI_LOCATION = re.compile(r"^pci 00:0[0-9a-f]\.0$")
MMIO_LOCATION = "mmio 0xfeb00e00 irq 12"
USER_FEATURES = "mrg-rxbuf event-idx"   # what QEMU offers over user networking


def user_net(i):
    return ["-netdev", "user,id=n%d,restrict=on" % i]


def net_test_lines(name):
    return ["net-test: %s arp reply from %s" % (name, GATEWAY_MAC),
            "net-test: %s 4 echo replies of 1514 bytes" % name]


def net_case(name, argv, want, entry="pvh"):
    """want: (transport, location pattern or string, MAC, MTU, features)
    for eth0, eth1, ... in order; each must pass test.net."""
    @case(name)
    def _():
        r = boot(name, argv)
        problems = check_boot(r, entry)
        out = r.lines()
        found = [m.groups() for m in map(NET_LINE.match, out) if m]
        tests = [l for l in out if l.startswith("net-test:")]
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
            want_tests += net_test_lines("eth%d" % i)
        if tests != want_tests:
            problems.append("net-test lines %r, expected %r" % (tests, want_tests))
        return problems


def q35(device, nics=1):
    extra = []
    for i in range(nics):
        extra += user_net(i) + ["-device", "%s,netdev=n%d" % (device, i)]
    return qemu.command(machine="q35", append="test.net", extra=extra)


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
