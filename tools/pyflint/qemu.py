"""Building QEMU command lines for Flint and running them.

Every machine here is one of the verified configurations of
shared/docs/qemu-test-platform.md: TCG unless asked otherwise, no default
devices, one serial port, -no-reboot, and isa-debug-exit at 0xf4 so the
kernel's exit status reaches the host as (status << 1) | 1.
"""
import os
import subprocess
import time

QEMU = os.environ.get("QEMU", "qemu-system-x86_64")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
KERNEL = os.path.join(ROOT, "build", "flint.elf")
FCSHIM = os.path.join(ROOT, "build", "fcshim.elf")
IMAGE = os.path.join(ROOT, "build", "flint.img")

# -M arguments by the names the tools use.
MACHINES = {
    "q35": "q35",
    "pc": "pc",
    "microvm": "microvm",
    "microvm-noacpi": "microvm,acpi=off",
}

EXIT_DEVICE = ["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]


def hardware_virtualization():
    """Whether the CPU shows VT-x or AMD-V. Some hosts offer a /dev/kvm that
    runs guests only through KVM's instruction emulator, which cannot
    execute SSE state saves (every thread switch): without these flags,
    TCG is the better choice."""
    try:
        with open("/proc/cpuinfo") as f:
            flags = {w for line in f if line.startswith("flags") for w in line.split()}
    except OSError:
        return False
    return bool(flags & {"vmx", "svm"})


def kvm_usable():
    """True when /dev/kvm can be opened (QEMU would accept -accel kvm) on a
    CPU with hardware virtualization."""
    try:
        fd = os.open("/dev/kvm", os.O_RDWR)
    except OSError:
        return False
    os.close(fd)
    return hardware_virtualization()


def machine_args(machine, mem, smp, accel, serial):
    return [QEMU, "-accel", accel, "-M", MACHINES.get(machine, machine),
            "-m", str(mem), "-smp", str(smp), "-nodefaults", "-no-user-config",
            "-display", "none", "-serial", serial, "-no-reboot", *EXIT_DEVICE]


def command(machine="q35", mem="128M", smp=1, append="", kernel=KERNEL,
            initrd=None, accel="tcg", serial="stdio", extra=()):
    """The QEMU argv that boots kernel (PVH) on machine."""
    argv = machine_args(machine, mem, smp, accel, serial) + ["-kernel", kernel,
                                                             "-append", append]
    if initrd:
        argv += ["-initrd", initrd]
    return argv + list(extra)


def disk_command(machine="pc", mem="128M", smp=1, image=IMAGE, interface="ide",
                 accel="tcg", serial="stdio", extra=()):
    """The QEMU argv that boots a Flint disk image through SeaBIOS."""
    return machine_args(machine, mem, smp, accel, serial) + [
        "-drive", "file=%s,format=raw,if=%s" % (image, interface)] + list(extra)


# The fw_cfg file the shim reads as Firecracker's initrd_path.
FCSHIM_INITRD = "opt/fcshim/initrd"


def fcshim_command(version="head", entry=None, append="", machine="q35", pci=False,
                   initrd=None, **kw):
    """QEMU booting the Firecracker-imitating shim with Flint as its module;
    pci: Firecracker's --enable-pci (fcshim.pci=on, head on q35 only);
    initrd: a file the shim places as Firecracker's initrd_path."""
    opts = ["fcshim.version=" + version]
    if entry:
        opts.append("fcshim.entry=" + entry)
    if pci:
        opts.append("fcshim.pci=on")
    line = " ".join(opts + ([append] if append else []))
    extra = list(kw.pop("extra", ()))
    if initrd:
        # QEMU's option syntax doubles a comma inside a value.
        extra += ["-fw_cfg", "name=%s,file=%s" % (FCSHIM_INITRD, initrd.replace(",", ",,"))]
    return command(machine=machine, append=line, kernel=FCSHIM, initrd=KERNEL, extra=extra,
                   **kw)


# Network devices: -device for each virtio transport by the name tools use.
# mmio-v2 is virtio-net-device with every MMIO device made modern (QEMU's
# force-legacy is global: one MMIO version per machine).
NIC_MODELS = {
    "pci": "virtio-net-pci",                            # transitional
    "pci-modern": "virtio-net-pci,disable-legacy=on",
    "pci-legacy": "virtio-net-pci,disable-modern=on",
    "mmio": "virtio-net-device",                        # virtio-mmio v1 (legacy)
    "mmio-v2": "virtio-net-device",
}
MODERN_MMIO = ["-global", "virtio-mmio.force-legacy=false"]
# Forwards listen here only: test and user traffic never leaves the machine.
LOCALHOST = "127.0.0.1"
LOCAL_NAMES = ("", LOCALHOST, "localhost")


class NetError(ValueError):
    """A --net or --nic-model argument that cannot be used as given."""


def default_nic_model(machine):
    """microvm has no PCI: its NICs are virtio-mmio devices."""
    return "mmio" if machine.startswith("microvm") else "pci"


def port(text, what):
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise NetError("%s %r is not a port number (1-65535)" % (what, text))
    return int(text)


def hostfwd(value):
    """QEMU's hostfwd=[tcp|udp]:[hostaddr]:hostport-[guestaddr]:guestport,
    also written PORT-:GUESTPORT or tcp:PORT-:GUESTPORT, with the host
    address made 127.0.0.1: any other host address is refused."""
    host, sep, guest = value.partition("-")
    if not sep:
        raise NetError("hostfwd=%s: expected HOSTPORT-:GUESTPORT" % value)
    parts = host.split(":")
    proto = parts.pop(0) if parts[0] in ("tcp", "udp") else "tcp"
    if len(parts) == 1:
        addr, hport = "", parts[0]
    elif len(parts) == 2:
        addr, hport = parts
    else:
        raise NetError("hostfwd=%s: expected [tcp|udp:][ADDR:]PORT before '-'" % value)
    if addr not in LOCAL_NAMES:
        raise NetError("hostfwd=%s: forwards listen on %s only, not %s" % (value, LOCALHOST,
                                                                          addr))
    gaddr, _, gport = guest.rpartition(":")
    return "hostfwd=%s:%s:%d-%s:%d" % (proto, LOCALHOST, port(hport, "host port"), gaddr,
                                       port(gport, "guest port"))


def guestfwd(value):
    """guestfwd=[tcp:]GUESTADDR:GUESTPORT-TARGET: the guest's connections to
    GUESTADDR:GUESTPORT reach TARGET on this machine: tcp:127.0.0.1:PORT (a
    server QEMU connects to once, when it starts, for one connection) or
    cmd:COMMAND (a program QEMU starts for each connection, its standard
    input and output the connection; no commas)."""
    guest, sep, target = value.partition("-")
    if guest.startswith("tcp:"):
        guest = guest[len("tcp:"):]
    gaddr, _, gport = guest.rpartition(":")
    if sep and target.startswith("cmd:") and len(target) > len("cmd:"):
        return "guestfwd=tcp:%s:%d-%s" % (gaddr, port(gport, "guest port"), target)
    m = target.split(":")
    if not sep or len(m) != 3 or m[0] != "tcp" or m[1] not in LOCAL_NAMES[1:]:
        raise NetError("guestfwd=%s: the target must be tcp:%s:PORT or cmd:COMMAND" % (
            value, LOCALHOST))
    return "guestfwd=tcp:%s:%d-tcp:%s:%d" % (gaddr, port(gport, "guest port"), LOCALHOST,
                                             port(m[2], "host port"))


def netdev(spec, ident):
    """The -netdev value for --net SPEC: user[:hostfwd=...,guestfwd=...]
    (QEMU's user networking with restrict=on: the guest reaches only
    what is forwarded to it) or tap:NAME (an existing tap, no scripts)."""
    kind, _, rest = spec.partition(":")
    if kind == "user":
        opts = ["user", "id=" + ident, "restrict=on"]
        for item in filter(None, rest.split(",")):
            key, _, value = item.partition("=")
            if key == "hostfwd":
                opts.append(hostfwd(value))
            elif key == "guestfwd":
                opts.append(guestfwd(value))
            else:
                raise NetError("--net user: %r is not hostfwd=... or guestfwd=..." % item)
        return ",".join(opts)
    if kind == "tap":
        if not rest or not all(c.isalnum() or c in "-_." for c in rest) or len(rest) > 15:
            raise NetError("--net tap:NAME needs the name of an existing tap device")
        return "tap,id=%s,ifname=%s,script=no,downscript=no" % (ident, rest)
    raise NetError("--net %s: expected user[:hostfwd=...] or tap:NAME" % spec)


def mac(text):
    """A MAC address as aa:bb:cc:dd:ee:ff (lower case), or NetError."""
    parts = text.split(":")
    if len(parts) != 6 or not all(len(b) == 2 and all(c in "0123456789abcdefABCDEF"
                                                      for c in b) for b in parts):
        raise NetError("%r is not a MAC address (six hex bytes joined by ':')" % text)
    return text.lower()


def nic_args(nets, models, machine, macs=()):
    """-netdev/-device arguments for each --net (models[i] or the machine's
    default; macs[i] when given): NICs n0, n1, ... in order."""
    argv, modern_mmio, legacy_mmio = [], False, False
    for i, spec in enumerate(nets):
        model = models[i] if i < len(models) else default_nic_model(machine)
        if model not in NIC_MODELS:
            raise NetError("--nic-model %s: expected one of %s" % (model,
                                                                   ", ".join(NIC_MODELS)))
        mmio = model.startswith("mmio")
        if mmio != machine.startswith("microvm"):
            raise NetError("--nic-model %s does not fit --machine %s (%s)" % (
                model, machine, "microvm has no PCI" if not mmio else "no virtio-mmio here"))
        modern_mmio |= model == "mmio-v2"
        legacy_mmio |= model == "mmio"
        device = "%s,netdev=n%d" % (NIC_MODELS[model], i)
        if i < len(macs) and macs[i]:
            device += ",mac=" + mac(macs[i])
        argv += ["-netdev", netdev(spec, "n%d" % i), "-device", device]
    if modern_mmio and legacy_mmio:
        raise NetError("mmio and mmio-v2 NICs cannot share a machine (one MMIO version each)")
    return argv + (MODERN_MMIO if modern_mmio else [])


class DiskError(Exception):
    """A --disk-image (or --rootfs, --drive) that cannot be attached."""


def disk_spec(spec):
    """FILE[,ro] -> (absolute path, read-only)."""
    path, ro = (spec[:-3], True) if spec.endswith(",ro") else (spec, False)
    if not path:
        raise DiskError("%r: no file" % spec)
    if not os.path.isfile(path):
        raise DiskError("%s: no such file" % path)
    return os.path.abspath(path), ro


def disk_image_args(specs, machine):
    """-drive/-device arguments for each FILE[,ro]: virtio-blk disks vda,
    vdb, ... in order, over MMIO on microvm and PCI elsewhere."""
    device = "virtio-blk-device" if machine.startswith("microvm") else "virtio-blk-pci"
    argv = []
    for i, spec in enumerate(specs):
        path, ro = disk_spec(spec)
        # QEMU's option syntax: a comma in a value is written twice.
        argv += ["-drive", "file=%s,format=raw,if=none,id=vd%d%s" % (
                     path.replace(",", ",,"), i, ",readonly=on" if ro else ""),
                 "-device", "%s,drive=vd%d" % (device, i)]
    return argv


def exit_status(rc):
    """The kernel's status from QEMU's rc, or None if QEMU did not exit
    through isa-debug-exit (an odd rc)."""
    return (rc - 1) >> 1 if rc > 0 and rc & 1 else None


class Result:
    def __init__(self, rc, output, wall, timed_out):
        self.rc = rc
        self.output = output
        self.wall = wall
        self.timed_out = timed_out
        self.status = None if timed_out else exit_status(rc)

    def lines(self):
        return [l.rstrip("\r") for l in self.output.splitlines()]


def run(argv, timeout=30, stdin=subprocess.DEVNULL):
    """Runs QEMU, returning its rc, serial output and wall time."""
    start = time.monotonic()
    try:
        p = subprocess.run(argv, stdin=stdin, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=timeout)
        out, rc, timed_out = p.stdout, p.returncode, False
    except subprocess.TimeoutExpired as e:
        out, rc, timed_out = e.stdout or b"", -1, True
    return Result(rc, out.decode("utf-8", "replace"), time.monotonic() - start, timed_out)
