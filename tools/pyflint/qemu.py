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
