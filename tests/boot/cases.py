"""QEMU boot tests: each case boots Flint (directly through PVH, or through
the Firecracker-imitating shim) and checks the serial output and the exit
status. A case returns a list of problems; an empty list is a pass."""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tools"))
from pyflint import qemu  # noqa: E402

ROOT = qemu.ROOT
LOGS = os.path.join(ROOT, "build", "test-logs")
CONTRACT = os.path.join(ROOT, "tests", "boot", "fcshim_contract.py")

BOOT_LINE = re.compile(r"^Flint booted in (\d+) us \(entry=(\w+), cpus=(\d+), mem=(\d+) MiB\)$")
STAGE_LINE = re.compile(r"^bootchart: (\S+) (\d+)$")
STAGES = ["entry", "clock", "console", "cpu", "cmdline", "memory", "platform", "irq", "pci",
          "smp", "sched", "virtio", "fs", "net"]
PANIC_STATUS = 127
# A program that does not exist: the shell's "command not found" status
# (the same number as a panic's; the console tells them apart).
NOT_FOUND_STATUS = 127

CASES = []


class Skip(Exception):
    """Raised by a case that finds, once running, that it cannot test
    anything here: run.py counts it skipped, with the reason."""


def case(name):
    def register(fn):
        CASES.append((name, fn))
        return fn
    return register


def boot(name, argv, timeout=60):
    r = qemu.run(argv, timeout=timeout)
    os.makedirs(LOGS, exist_ok=True)
    with open(os.path.join(LOGS, name + ".log"), "w") as f:
        f.write("$ " + " ".join(argv) + "\n" + r.output)
    return r


def mib(mem):
    return int(mem[:-1]) * (1024 if mem.endswith("G") else 1)


def check_missing_app(r):
    """Cases that name /app to test the command line: no initrd holds it."""
    if "flint: /app: no such file" not in r.lines():
        return ["no line saying /app does not exist"]
    return []


def check_boot(r, entry, mem=None, status=0, cpus=1):
    """The boot line's fields and the exit status."""
    if r.timed_out:
        return ["timed out; output: " + r.output[-300:]]
    problems = []
    found = [BOOT_LINE.match(l) for l in r.lines() if BOOT_LINE.match(l)]
    if len(found) != 1:
        problems.append("expected one boot line, found %d; output: %s" % (len(found), r.output[-300:]))
    else:
        m = found[0]
        if m.group(2) != entry:
            problems.append("entry=%s, expected %s" % (m.group(2), entry))
        if m.group(3) != str(cpus):
            problems.append("cpus=%s, expected %d" % (m.group(3), cpus))
        # RAM the firmware keeps (EBDA, BIOS, ACPI tables) is under 2 MiB.
        if mem and not mib(mem) - 2 <= int(m.group(4)) <= mib(mem):
            problems.append("mem=%s MiB for -m %s" % (m.group(4), mem))
    # isa-debug-exit ends QEMU with (status * 2 + 1) & 0xff: statuses of
    # 128 and above share an rc with one below (134, abort, shows as 6).
    if r.rc != (status * 2 + 1) & 0xff:
        problems.append("exit status %s (rc %d), expected %d (rc %d)" %
                        (r.status, r.rc, status, (status * 2 + 1) & 0xff))
    return problems


def check_bootchart(r):
    stages = [STAGE_LINE.match(l) for l in r.lines() if STAGE_LINE.match(l)]
    names = [m.group(1) for m in stages]
    if names != STAGES:
        return ["bootchart stages %s, expected %s" % (names, STAGES)]
    total = int(BOOT_LINE.match([l for l in r.lines() if BOOT_LINE.match(l)][0]).group(1))
    summed = sum(int(m.group(2)) for m in stages)
    # Each stage is rounded down on its own.
    if not total - len(stages) <= summed <= total:
        return ["stages sum to %d us, boot line says %d" % (summed, total)]
    if not any(l.startswith("clock: tsc ") for l in r.lines()):
        return ["no clock source line"]
    return []


BOOTINFO_LINE = re.compile(r"^bootinfo: (\w+) (.*)$")
MEMMAP_LINE = re.compile(r"^(0|0x[0-9a-f]+) size (0x[0-9a-f]+) type (\d+)$")


def bootinfo(r):
    """bootinfo.show's lines: {"rsdp": "...", "initrd": "...", "memmap": [(base, size, type)]}."""
    info = {"memmap": []}
    for l in r.lines():
        m = BOOTINFO_LINE.match(l)
        if not m:
            continue
        if m.group(1) == "memmap":
            e = MEMMAP_LINE.match(m.group(2))
            info["memmap"].append((int(e.group(1), 16), int(e.group(2), 16), int(e.group(3))))
        else:
            info[m.group(1)] = m.group(2)
    return info


def check_bootinfo(r, rsdp=None, initrd=None, memmap=None):
    """rsdp: "none", an exact value or a (low, high) range; initrd: size or None;
    memmap: the exact normalised map, or None to check only its order."""
    info = bootinfo(r)
    problems = []
    got = info.get("rsdp")
    if isinstance(rsdp, tuple):
        if got in (None, "none") or not rsdp[0] <= int(got, 16) < rsdp[1]:
            problems.append("rsdp %s, expected one in [%#x, %#x)" % (got, *rsdp))
    elif rsdp is not None and got != rsdp:
        problems.append("rsdp %s, expected %s" % (got, rsdp))
    want_initrd = "none" if initrd is None else None
    got = info.get("initrd")
    if want_initrd and got != want_initrd:
        problems.append("initrd %s, expected none" % got)
    if initrd is not None:
        m = re.match(r"^0x([0-9a-f]+) size 0x([0-9a-f]+)$", got or "")
        if not m or int(m.group(2), 16) != initrd or int(m.group(1), 16) % 4096:
            problems.append("initrd %s, expected a page-aligned one of %d bytes" % (got, initrd))
    mm = info["memmap"]
    if memmap is not None and mm != memmap:
        problems.append("memory map %s, expected %s" % (mm, memmap))
    if any(a[0] + a[1] > b[0] for a, b in zip(mm, mm[1:])) or not mm:
        problems.append("memory map not sorted and disjoint: %s" % mm)
    return problems


PVH_RSDP = {"q35": (0xe0000, 0x100000), "pc": (0xe0000, 0x100000),
            "microvm": (0xe0000, 0x100000), "microvm-noacpi": "none"}

for machine in ["q35", "pc", "microvm", "microvm-noacpi"]:
    @case("pvh-" + machine)
    def _(machine=machine):
        r = boot("pvh-" + machine, qemu.command(machine=machine, append="bootchart bootinfo.show"))
        return (check_boot(r, "pvh", "128M") or check_bootchart(r)
                + check_bootinfo(r, rsdp=PVH_RSDP[machine]))


@case("pvh-initrd")
def _():
    # Any file will do as an initrd: the kernel only records where it is.
    size = os.path.getsize(qemu.FCSHIM)
    r = boot("pvh-initrd", qemu.command(append="bootinfo.show", initrd=qemu.FCSHIM))
    return check_boot(r, "pvh", "128M") + check_bootinfo(r, initrd=size)

for machine, mem in [("q35", "16M"), ("q35", "3G"), ("q35", "5G"), ("pc", "5G"),
                     ("microvm-noacpi", "16M"), ("microvm", "5G")]:
    @case("memory-%s-%s" % (machine, mem))
    def _(machine=machine, mem=mem):
        # With more than 4 GiB the first allocation comes from above 4 GiB
        # and the kernel writes it through its direct map at every boot.
        r = boot("memory-%s-%s" % (machine, mem), qemu.command(machine=machine, mem=mem))
        return check_boot(r, "pvh", mem)

CRASHES = {
    "pagefault": [r"^exception 14 #PF page fault, error code 0x2$",
                  r"^cr0 [0-9a-f]{16} cr2 0000000000000000 "],
    "invalid-opcode": [r"^exception 6 #UD invalid opcode"],
    "divide": [r"^exception 0 #DE divide error"],
    "stack": [r"^exception 8 #DF double fault", r"kernel stack overflow$",
              r"^  \(the line above \d+ more times\)$"],
    # Present + write: the text is mapped, read-only.
    "write-text": [r"^exception 14 #PF page fault, error code 0x3$"],
    # Present + instruction fetch: data is not executable.
    "exec-data": [r"^exception 14 #PF page fault, error code 0x11$"],
}

for kind, patterns in CRASHES.items():
    @case("crash-" + kind)
    def _(kind=kind, patterns=patterns):
        r = boot("crash-" + kind, qemu.command(append="test.crash=" + kind))
        problems = []
        if r.status != PANIC_STATUS:
            problems.append("exit status %s (rc %d), expected %d" % (r.status, r.rc, PANIC_STATUS))
        out = r.lines()
        needed = patterns + [r"^rip [0-9a-f]{16} cs 0008 ", r"^rax [0-9a-f]{16} rbx ",
                             r"^r13 [0-9a-f]{16} r14 [0-9a-f]{16} r15 ", r"^stack trace:$",
                             r"^  ffffffff8[0-9a-f]{7} start_kernel\+0x[0-9a-f]+$"]
        if kind != "exec-data":
            # GCC may move the faulting path to crashtest_run.cold.
            needed.append(r"^  ffffffff8[0-9a-f]{7} crashtest_run(\.cold)?\+(0|0x[0-9a-f]+)$")
        for p in needed:
            if not any(re.search(p, l) for l in out):
                problems.append("no line matching %r" % p)
        if any(BOOT_LINE.match(l) for l in out):
            problems.append("the boot finished despite the fault")
        return problems


def long_args(n_chars):
    words, i = [], 0
    while sum(len(w) + 1 for w in words) < n_chars:
        words.append("arg%04d-%s" % (i, "x" * (i % 13)))
        i += 1
    return words


for machine in ["q35", "microvm"]:
    @case("cmdline-long-" + machine)
    def _(machine=machine):
        args = long_args(2500)
        line = "cmdline.echo -- /app " + " ".join(args)
        r = boot("cmdline-long-" + machine, qemu.command(machine=machine, append=line))
        problems = check_boot(r, "pvh", status=NOT_FOUND_STATUS) + check_missing_app(r)
        if "cmdline: " + line not in r.lines():
            problems.append("the %d-character command line did not arrive intact" % len(line))
        argv = [l.split(" ", 2)[2] for l in r.lines() if l.startswith("cmdline: argv[")]
        if argv != ["/app"] + args:
            problems.append("argv has %d entries, expected %d" % (len(argv), len(args) + 1))
        return problems


@case("cmdline-warnings")
def _():
    line = 'foo=1 bar bootchart=yes "unterminated -- /app'
    r = boot("cmdline-warnings", qemu.command(append=line))
    problems = check_boot(r, "pvh")
    out = r.lines()
    for want in ["cmdline: unknown options ignored: foo bar",
                 "cmdline: bad value for bootchart: 'yes'",
                 "cmdline: unterminated quote in 'unterminated -- /app'; token dropped"]:
        if want not in out:
            problems.append("missing line %r" % want)
    return problems


@case("cmdline-virtio-mmio-microvm")
def _():
    # QEMU's microvm appends virtio_mmio.device= for each transport in use,
    # after the application's arguments: they must not reach the application.
    argv = qemu.command(machine="microvm-noacpi", append="cmdline.echo -- /app one",
                        extra=["-device", "virtio-rng-device"])
    r = boot("cmdline-virtio-mmio-microvm", argv)
    problems = check_boot(r, "pvh", status=NOT_FOUND_STATUS) + check_missing_app(r)
    out = r.lines()
    if "cmdline: virtio_mmio 0x200@0xfeb00e00 irq 12" not in out:
        problems.append("virtio_mmio.device token not collected")
    if [l for l in out if l.startswith("cmdline: argv[")] != ["cmdline: argv[0] /app",
                                                               "cmdline: argv[1] one"]:
        problems.append("argv is not exactly /app one")
    if any(l.startswith("cmdline: unknown") for l in out):
        problems.append("a virtio_mmio token was reported as unknown")
    return problems


SHIM = [("q35", "v1.7", "linux64"), ("q35", "v1.7", "pvh"), ("q35", "head", "linux64"),
        ("q35", "head", "pvh"), ("microvm", "head", "linux64"), ("microvm", "head", "pvh"),
        ("microvm", "v1.7", "linux64")]

for machine, version, entry in SHIM:
    name = "fcshim-%s-%s-%s" % (machine, version, entry)

    @case(name)
    def _(name=name, machine=machine, version=version, entry=entry):
        argv = qemu.fcshim_command(version=version, entry=entry, machine=machine,
                                   append="bootchart bootinfo.show -- /app x")
        r = boot(name, argv)
        problems = (check_boot(r, entry, "128M", status=NOT_FOUND_STATUS) or
                    check_bootchart(r)) + check_missing_app(r)
        # Firecracker's e820 comes unsorted; the kernel's map is sorted. With
        # ACPI (head) the RSDP is at 0xe0000: from the zero page, or found
        # by scanning when PVH's start_info says 0.
        head = version == "head"
        problems += check_bootinfo(r, rsdp="0xe0000" if head else "none", memmap=[
            (0, 0x9fc00, 1), (0x9fc00, 0x40400 if head else 0x400, 2),
            (0x100000, 0x7f00000, 1)] + ([(0xeec00000, 0x10000000, 2)] if head else []))
        check = subprocess.run([sys.executable, CONTRACT, os.path.join(LOGS, name + ".log"),
                                "--version", version, "--entry", entry, "--mem-mib", "128",
                                "--cpus", "1"], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
        if check.returncode:
            problems.append("contract check failed: " + check.stdout.strip().replace("\n", "; "))
        return problems


for cpu in ["qemu64", "max"]:
    @case("fpu-" + cpu)
    def _(cpu=cpu):
        # qemu64 has SSE only; "max" adds XSAVE, so XCR0 must enable x87|SSE.
        r = boot("fpu-" + cpu, qemu.command(append="test.fpu", extra=["-cpu", cpu]))
        problems = check_boot(r, "pvh")
        m = [re.match(r"^fpu: sse ok, xcr0 (0|0x[0-9a-f]+)$", l) for l in r.lines()]
        m = [x for x in m if x]
        if not m:
            problems.append("no 'fpu: sse ok' line")
        elif cpu == "max" and int(m[0].group(1), 16) & 3 != 3:
            problems.append("XCR0 %s lacks x87|SSE" % m[0].group(1))
        return problems


# The BIOS disk image: SeaBIOS loads the MBR, which loads and unpacks the
# kernel. Each case boots its own copy, edited with tools/flint-img.
FLINT_IMG = os.path.join(ROOT, "tools", "flint-img")
IMAGES = os.path.join(ROOT, "build", "test-images")
LOADER_FAIL_STATUS = 0x7d
BIOS_STAGES = ["loader-read", "loader-decompress"] + STAGES


def image_copy(name, cmdline=None):
    os.makedirs(IMAGES, exist_ok=True)
    path = os.path.join(IMAGES, name + ".img")
    with open(qemu.IMAGE, "rb") as src, open(path, "wb") as dst:
        dst.write(src.read())
    if cmdline is not None:
        subprocess.run([FLINT_IMG, "set-cmdline", path, cmdline], check=True)
    return path


def flip_byte(path, offset):
    with open(path, "r+b") as f:
        f.seek(offset)
        b = f.read(1)
        f.seek(offset)
        f.write(bytes([b[0] ^ 0xff]))


for machine in ["pc", "q35"]:
    for interface in ["ide", "virtio"]:
        for mem in ["16M", "128M", "3G"]:
            name = "bios-%s-%s-%s" % (machine, interface, mem)

            @case(name)
            def _(name=name, machine=machine, interface=interface, mem=mem):
                line = 'bootchart cmdline.echo x="set by flint-img" -- /app'
                image = image_copy(name, line)
                r = boot(name, qemu.disk_command(machine, mem, image=image, interface=interface))
                problems = check_boot(r, "bios", mem, status=NOT_FOUND_STATUS)
                problems += check_missing_app(r)
                if "cmdline: " + line not in r.lines():
                    problems.append("the command line set by flint-img did not arrive")
                stages = [STAGE_LINE.match(l).group(1) for l in r.lines() if STAGE_LINE.match(l)]
                if stages != BIOS_STAGES:
                    problems.append("bootchart stages %s, expected %s" % (stages, BIOS_STAGES))
                return problems


def check_loader_error(r, message):
    problems = []
    errors = [l for l in r.lines() if l.startswith("boot error: ")]
    if errors != [message]:
        problems.append("expected exactly %r, got %r" % (message, errors))
    if r.status != LOADER_FAIL_STATUS:
        problems.append("exit status %s (rc %d), expected %d" % (r.status, r.rc,
                                                                LOADER_FAIL_STATUS))
    if any(BOOT_LINE.match(l) for l in r.lines()):
        problems.append("the damaged image booted")
    return problems


for what, message in [("checksum", "boot error: kernel checksum mismatch (damaged image)"),
                      ("stream", None)]:
    @case("bios-corrupt-" + what)
    def _(what=what, message=message):
        image = image_copy("corrupt-" + what)
        subprocess.run([FLINT_IMG, "corrupt", image, "--what", what], check=True,
                       stdout=subprocess.DEVNULL)
        r = boot("bios-corrupt-" + what, qemu.disk_command("pc", image=image), timeout=20)
        if message is None:
            errors = [l for l in r.lines() if l.startswith("boot error: ")]
            if len(errors) != 1 or not errors[0].startswith(
                    "boot error: kernel decompression failed: "):
                return ["expected one 'kernel decompression failed' line, got %r" % errors]
            message = errors[0]
        return check_loader_error(r, message)


@case("bios-initrd")
def _():
    # An image with an initrd; SeaBIOS's RSDP is found by the scan.
    image = os.path.join(IMAGES, "initrd.img")
    os.makedirs(IMAGES, exist_ok=True)
    subprocess.run([FLINT_IMG, "build", "--kernel", qemu.KERNEL,
                    "--stage1", os.path.join(ROOT, "build", "boot", "mbr.bin"),
                    "--stage2", os.path.join(ROOT, "build", "boot", "stage2.bin"),
                    "--initrd", qemu.FCSHIM, "--cmdline", "bootinfo.show", "-o", image],
                   check=True)
    r = boot("bios-initrd", qemu.disk_command("pc", image=image))
    return check_boot(r, "bios", "128M") + check_bootinfo(
        r, rsdp=(0xe0000, 0x100000), initrd=os.path.getsize(qemu.FCSHIM))


@case("bios-corrupt-header")
def _():
    image = image_copy("corrupt-header")
    flip_byte(image, 512)             # the header magic: the MBR itself refuses
    r = boot("bios-corrupt-header", qemu.disk_command("q35", image=image), timeout=20)
    return check_loader_error(r, "boot error: bad image header")


@case("bios-corrupt-header-checksum")
def _():
    image = image_copy("corrupt-header-checksum")
    flip_byte(image, 512 + 16)        # kernel_lba: only the header's CRC tells
    r = boot("bios-corrupt-header-checksum", qemu.disk_command("pc", image=image), timeout=20)
    return check_loader_error(r, "boot error: bad image header checksum")


@case("bios-not-enough-memory")
def _():
    r = boot("bios-not-enough-memory", qemu.disk_command("pc", mem="2M"), timeout=20)
    errors = [l for l in r.lines() if l.startswith("boot error: ")]
    if len(errors) != 1 or not errors[0].startswith("boot error: not enough memory"):
        return ["expected one 'not enough memory' line, got %r" % errors]
    return check_loader_error(r, errors[0])


@case("flint-img-cmdline")
def _():
    image = image_copy("cmdline-tool", "first")
    problems = []
    def get():
        return subprocess.run([FLINT_IMG, "get-cmdline", image], stdout=subprocess.PIPE,
                              text=True, check=True).stdout
    if get() != "first\n":
        problems.append("get-cmdline after set-cmdline 'first' gave %r" % get())
    longest = "y" * 4095
    subprocess.run([FLINT_IMG, "set-cmdline", image, longest], check=True)
    if get() != longest + "\n":
        problems.append("a 4095-byte command line did not round-trip")
    r = subprocess.run([FLINT_IMG, "set-cmdline", image, "z" * 4096], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    if r.returncode == 0 or not r.stdout.strip():
        problems.append("a 4096-byte command line was not refused with a message")
    if get() != longest + "\n":
        problems.append("a refused command line changed the image")
    return problems


# SMP: the boot line counts the CPUs that checked in, found through ACPI's
# MADT (q35), the MP table (microvm without ACPI) or Firecracker's tables.
for machine, smp in [("q35", 2), ("q35", 4), ("q35", 8), ("microvm-noacpi", 4),
                     ("microvm", 2)]:
    name = "smp-%s-%d" % (machine, smp)

    @case(name)
    def _(name=name, machine=machine, smp=smp):
        r = boot(name, qemu.command(machine=machine, smp=smp, append="platform.show"))
        problems = check_boot(r, "pvh", cpus=smp)
        want = "ACPI" if machine != "microvm-noacpi" else "MP table"
        if not any(l.startswith("platform: %s, %d CPUs" % (want, smp)) for l in r.lines()):
            problems.append("no 'platform: %s, %d CPUs' line" % (want, smp))
        return problems

for version in ["v1.7", "head"]:
    name = "smp-fcshim-%s" % version

    @case(name)
    def _(name=name, version=version):
        r = boot(name, qemu.fcshim_command(version=version, entry="linux64", smp=2,
                                           append="platform.show"))
        problems = check_boot(r, "linux64", cpus=2)
        want = "ACPI" if version == "head" else "MP table"
        if not any(l.startswith("platform: %s, 2 CPUs" % want) for l in r.lines()):
            problems.append("no 'platform: %s, 2 CPUs' line" % want)
        return problems


for machine in ["q35", "microvm-noacpi"]:
    @case("irq-" + machine)
    def _(machine=machine):
        r = boot("irq-" + machine, qemu.command(machine=machine, append="test.irq"))
        problems = check_boot(r, "pvh")
        out = r.lines()
        if not any(re.match(r"^irq: self-IPI on vector \d+ arrived$", l) for l in out):
            problems.append("the self-IPI did not arrive")
        if not any(re.match(r"^irq: 3 timer interrupts on vector \d+$", l) for l in out):
            problems.append("the PIT's interrupts did not arrive through the IOAPIC")
        return problems


def no_exit_device(argv):
    """The same QEMU command without isa-debug-exit: the kernel must power
    the VM off the platform's way, and QEMU exit with 0."""
    i = argv.index("isa-debug-exit,iobase=0xf4,iosize=0x04")
    return argv[:i - 1] + argv[i + 1:]


for name, argv in [("poweroff-acpi-q35", qemu.command(machine="q35")),
                   ("poweroff-acpi-microvm", qemu.command(machine="microvm")),
                   ("poweroff-i8042-fcshim-q35", qemu.fcshim_command("head", "linux64")),
                   ("poweroff-triplefault-microvm-noacpi", qemu.command(machine="microvm-noacpi"))]:
    @case(name)
    def _(name=name, argv=argv):
        # ACPI power-off ends QEMU even when it would reboot on a reset, so
        # those cases run without -no-reboot: a reset there would boot the
        # kernel a second time. The i8042 and triple-fault ways are resets
        # and need -no-reboot to end QEMU.
        argv = no_exit_device(argv)
        if name.startswith("poweroff-acpi"):
            argv = [a for a in argv if a != "-no-reboot"]
        r = boot(name, argv, timeout=20)
        problems = []
        if r.timed_out or r.rc != 0:
            problems.append("QEMU rc %s, expected 0" % ("timeout" if r.timed_out else r.rc))
        boots = sum(1 for l in r.lines() if BOOT_LINE.match(l))
        if boots != 1:
            problems.append("%d boot lines, expected 1" % boots)
        return problems


for name, machine, device, status in [("pvpanic-q35", "q35", True, 1),
                                      ("pvpanic-absent-q35", "q35", False, None),
                                      ("pvpanic-noacpi-microvm", "microvm-noacpi", True, None)]:
    @case(name)
    def _(name=name, machine=machine, device=device, status=status):
        # With pvpanic (found through ACPI only) QEMU reports the panic
        # itself: -action panic=exit-failure exits with 1.
        extra = ["-device", "pvpanic", "-action", "panic=exit-failure"] if device else []
        r = boot(name, qemu.command(machine=machine, append="test.crash=invalid-opcode",
                                    extra=extra))
        if status == 1:
            return [] if r.rc == 1 else ["QEMU rc %d, expected 1 from pvpanic" % r.rc]
        return [] if r.status == PANIC_STATUS else ["exit status %s, expected %d" % (
            r.status, PANIC_STATUS)]


# Threads and the scheduler (test.threads): the sleeping locks across CPUs,
# the timers, each CPU running a thread, the wall clock.
THREAD_CHECKS = [r"^selftest: mutex counter 80000 of 80000$",
                 r"^selftest: condvar 1000 items$",
                 r"^selftest: wall clock (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d|unknown)$"]
SLEEP_LINE = re.compile(r"^selftest: sleep 10000us slept (\d+)us \((tsc-deadline|one-shot) timer\)$")

for name, smp, argv, entry in [
        ("threads-q35-1", 1, qemu.command(machine="q35", append="test.threads"), "pvh"),
        ("threads-q35-4", 4, qemu.command(machine="q35", smp=4, append="test.threads"), "pvh"),
        ("threads-microvm-noacpi-4", 4,
         qemu.command(machine="microvm-noacpi", smp=4, append="test.threads"), "pvh"),
        ("threads-fcshim-head-2", 2,
         qemu.fcshim_command("head", "linux64", "test.threads", smp=2), "linux64")]:
    @case(name)
    def _(name=name, smp=smp, argv=argv, entry=entry):
        r = boot(name, argv)
        problems = check_boot(r, entry, cpus=smp)
        out = r.lines()
        for p in THREAD_CHECKS + [r"^selftest: cpu %d thread ran on cpu %d$" % (i, i)
                                  for i in range(smp)]:
            if not any(re.match(p, l) for l in out):
                problems.append("no line matching %r" % p)
        slept = [int(m.group(1)) for m in map(SLEEP_LINE.match, out) if m]
        # TCG is slow, but a sleep must never end early.
        if len(slept) != 1 or not 10000 <= slept[0] <= 30000:
            problems.append("sleep line(s) %r, expected one within [10000, 30000] us" % slept)
        return problems


for machine, way in [("q35", "the ACPI reset register"), ("microvm", "the ACPI reset register"),
                     ("microvm-noacpi", "the i8042 or a triple fault")]:
    @case("reboot-" + machine)
    def _(machine=machine, way=way):
        # With -no-reboot QEMU exits (rc 0) on the reset the kernel asks for.
        r = boot("reboot-" + machine, no_exit_device(qemu.command(machine=machine,
                                                                 append="test.reboot")),
                 timeout=20)
        problems = [] if not r.timed_out and r.rc == 0 else ["QEMU rc %s, expected 0" % r.rc]
        if "power: reboot through " + way not in r.lines():
            problems.append("no 'power: reboot through %s' line" % way)
        return problems


@case("crash-smp4")
def _():
    # A panic with other CPUs running: they are stopped, the VM still ends
    # with the panic status.
    r = boot("crash-smp4", qemu.command(smp=4, append="test.crash=pagefault"))
    return [] if r.status == PANIC_STATUS else ["exit status %s (rc %d), expected %d" % (
        r.status, r.rc, PANIC_STATUS)]


# PCI enumeration (pci.show): virtio-rng-pci as QEMU places it, transitional
# on the root bus (I/O BAR0, 64-bit BAR4), modern-only with disable-legacy=on
# or behind a PCIe root port (found on bus 1). q35 has an MCFG, pc does not.
PCI_LINE = re.compile(r"^pci: ([0-9a-f]{2}):([0-9a-f]{2})\.(\d) ([0-9a-f]{4}):([0-9a-f]{4}) "
                      r"class ([0-9a-f]{6})(.*)$")
PCI_SUMMARY = re.compile(r"^pci: (\d+) devices on (\d+) buses via (ECAM|ports 0xcf8)$")

for name, machine, device, want in [
        ("pci-q35-transitional", "q35", ["-device", "virtio-rng-pci"], ("00", "1af4:1005")),
        ("pci-pc-transitional", "pc", ["-device", "virtio-rng-pci"], ("00", "1af4:1005")),
        ("pci-q35-modern", "q35", ["-device", "virtio-rng-pci,disable-legacy=on"],
         ("00", "1af4:1044")),
        ("pci-q35-bridge", "q35", ["-device", "pcie-root-port,id=rp1,bus=pcie.0,chassis=1",
                                   "-device", "virtio-rng-pci,bus=rp1"], ("01", "1af4:1044"))]:
    @case(name)
    def _(name=name, machine=machine, device=device, want=want):
        r = boot(name, qemu.command(machine=machine, append="pci.show", extra=device))
        problems = check_boot(r, "pvh")
        out = r.lines()
        found = [m for m in map(PCI_LINE.match, out) if m]
        rng = [m for m in found if "%s:%s" % (m.group(4), m.group(5)) == want[1]]
        if len(rng) != 1 or rng[0].group(1) != want[0]:
            return problems + ["no %s on bus %s in %r" % (want[1], want[0], out)]
        rest = rng[0].group(7)
        if want[1] == "1af4:1005" and not re.search(r" bar0 io 0x[0-9a-f]+\+0x20 ", rest):
            problems.append("the transitional device has no I/O BAR0: %r" % rest)
        if want[1] == "1af4:1044" and " bar0 " in rest:
            problems.append("the modern-only device has a BAR0: %r" % rest)
        if not re.search(r" bar4 mem64 pref 0x[0-9a-f]+\+0x4000 ", rest):
            problems.append("no 16 KiB 64-bit BAR4: %r" % rest)
        if not re.search(r" caps (\w\w,)*11(,|$)", rest):
            problems.append("no MSI-X capability: %r" % rest)
        if machine == "q35" and not any(m.group(1, 2, 3, 4, 5) == ("00", "00", "0", "8086",
                                                                   "29c0") for m in found):
            problems.append("no q35 host bridge 8086:29c0 at 00:00.0")
        if want[0] == "01" and not any(" bridge 01" in m.group(7) for m in found):
            problems.append("no bridge to bus 01")
        summary = [m for m in map(PCI_SUMMARY.match, out) if m]
        via = "ECAM" if machine == "q35" else "ports 0xcf8"
        buses = "2" if want[0] == "01" else "1"
        if len(summary) != 1 or summary[0].group(1, 2, 3) != (str(len(found)), buses, via):
            problems.append("summary %r, expected %d devices on %s buses via %s" % (
                [m.group(0) for m in summary], len(found), buses, via))
        return problems

for name, argv in [("pci-off-q35", qemu.command(machine="q35", append="pci=off pci.show")),
                   ("pci-off-fcshim-head", qemu.fcshim_command("head", "linux64", "pci.show"))]:
    @case(name)
    def _(name=name, argv=argv):
        # The shim appends pci=off as Firecracker does.
        r = boot(name, argv)
        problems = check_boot(r, "linux64" if "fcshim" in name else "pvh")
        out = r.lines()
        if any(l.startswith("pci: ") for l in out):
            problems.append("PCI was enumerated despite pci=off")
        if any(l.startswith("cmdline: ") for l in out):
            problems.append("pci=off drew a warning: %r" % [l for l in out
                                                            if l.startswith("cmdline: ")])
        return problems


@case("pci-bad-value")
def _():
    r = boot("pci-bad-value", qemu.command(append="pci=on pci.show"))
    problems = check_boot(r, "pvh")
    if "cmdline: bad value for pci: 'on'" not in r.lines():
        problems.append("pci=on was not rejected")
    if not any(PCI_SUMMARY.match(l) for l in r.lines()):
        problems.append("no enumeration after a rejected pci= value")
    return problems


@case("bios-corrupt-header-size")
def _():
    # A header claiming a 4 GiB kernel: refused before any read, so nothing
    # is written below 1 MiB or around the top of memory.
    image = image_copy("corrupt-header-size")
    with open(image, "r+b") as f:
        f.seek(512 + 20)                  # kernel_csize
        f.write((0xfffffff0).to_bytes(4, "little"))
    r = boot("bios-corrupt-header-size", qemu.disk_command("pc", image=image), timeout=20)
    return check_loader_error(r, "boot error: bad image header")


# virtio over MMIO: the rng on microvm's legacy (v1) and modern (v2)
# transports, through the Firecracker shim's token placement, and none.
MODERN_MMIO = ["-global", "virtio-mmio.force-legacy=false"]
VIRTIO_RNG_LINE = "virtio: rng %s mmio 0xfeb00e00 irq 12 entropy"
VIRTIO_TEST_LINE = "virtio-test: rng 64 bytes, not all zero"
for name, argv, entry, transport in [
        ("virtio-rng-mmio-v1", qemu.command(machine="microvm-noacpi", append="test.virtio",
                                            extra=["-device", "virtio-rng-device"]),
         "pvh", "mmio-v1"),
        ("virtio-rng-mmio-v2", qemu.command(machine="microvm-noacpi", append="test.virtio",
                                            extra=["-device", "virtio-rng-device"] + MODERN_MMIO),
         "pvh", "mmio-v2"),
        ("virtio-rng-fcshim", qemu.fcshim_command("head", "linux64", "test.virtio",
                                                  machine="microvm-noacpi",
                                                  extra=["-device", "virtio-rng-device"]
                                                  + MODERN_MMIO),
         "linux64", "mmio-v2")]:
    @case(name)
    def _(name=name, argv=argv, entry=entry, transport=transport):
        r = boot(name, argv)
        problems = check_boot(r, entry)
        virtio = [l for l in r.lines() if l.startswith("virtio")]
        if virtio != [VIRTIO_RNG_LINE % transport, VIRTIO_TEST_LINE]:
            problems.append("virtio lines %s" % virtio)
        return problems


@case("virtio-none-microvm")
def _():
    r = boot("virtio-none-microvm", qemu.command(machine="microvm-noacpi", append="bootchart"))
    problems = check_boot(r, "pvh") + check_bootchart(r)
    if any(l.startswith("virtio") for l in r.lines()):
        problems.append("virtio lines without a device")
    return problems


# Virtio over PCI (test.virtio reads 64 bytes from the rng): a transitional
# device goes through its modern interface, a legacy-only one through I/O
# BAR 0; MSI-X in every case.
VIRTIO_PCI_LINE = re.compile(r"^virtio: rng (pci-modern|pci-legacy) pci 00:0[0-9a-f]\.0 \S")

for name, machine, device, transport in [
        ("virtio-pci-q35-transitional", "q35", "virtio-rng-pci", "pci-modern"),
        ("virtio-pci-q35-legacy", "q35", "virtio-rng-pci,disable-modern=on", "pci-legacy"),
        ("virtio-pci-q35-modern", "q35", "virtio-rng-pci,disable-legacy=on", "pci-modern"),
        ("virtio-pci-pc-transitional", "pc", "virtio-rng-pci", "pci-modern")]:
    @case(name)
    def _(name=name, machine=machine, device=device, transport=transport):
        r = boot(name, qemu.command(machine=machine, append="test.virtio",
                                    extra=["-device", device]))
        problems = check_boot(r, "pvh")
        out = r.lines()
        found = [m for m in map(VIRTIO_PCI_LINE.match, out) if m]
        if len(found) != 1 or found[0].group(1) != transport:
            problems.append("expected one 'virtio: rng %s pci 00:0X.0' line: %r" % (
                transport, [l for l in out if l.startswith("virtio")]))
        if "virtio-test: rng 64 bytes, not all zero" not in out:
            problems.append("no entropy from the rng: %r" % [l for l in out
                                                              if l.startswith("virtio")])
        return problems


@case("virtio-pci-off-q35")
def _():
    r = boot("virtio-pci-off-q35", qemu.command(machine="q35", append="pci=off",
                                                extra=["-device", "virtio-rng-pci"]))
    problems = check_boot(r, "pvh")
    found = [l for l in r.lines() if l.startswith("virtio:")]
    if found:
        problems.append("a virtio device was found despite pci=off: %r" % found)
    return problems


# Virtio-mmio from the DSDT's LNRO0005 devices: microvm with ACPI appends
# no tokens; slot 23 is GSI 47, on the second IOAPIC. Under the Firecracker
# shim the DSDT and the tokens describe the same two devices: each once.
@case("virtio-rng-mmio-acpi")
def _():
    r = boot("virtio-rng-mmio-acpi", qemu.command(machine="microvm", append="test.virtio",
                                                  extra=["-device", "virtio-rng-device"]))
    problems = check_boot(r, "pvh")
    virtio = [l for l in r.lines() if l.startswith("virtio")]
    if virtio != ["virtio: rng mmio-v1 mmio 0xfeb02e00 irq 47 entropy", VIRTIO_TEST_LINE]:
        problems.append("virtio lines %s" % virtio)
    return problems


@case("virtio-rng-mmio-fcshim-acpi")
def _():
    r = boot("virtio-rng-mmio-fcshim-acpi",
             qemu.fcshim_command("head", "linux64", "test.virtio", machine="microvm-noacpi",
                                 extra=["-device", "virtio-rng-device"] * 2 + MODERN_MMIO))
    problems = check_boot(r, "linux64")
    virtio = [l for l in r.lines() if l.startswith("virtio")]
    if virtio != ["virtio: rng mmio-v2 mmio 0xfeb00e00 irq 12 entropy",
                  "virtio: rng mmio-v2 mmio 0xfeb00c00 irq 11 entropy", VIRTIO_TEST_LINE]:
        problems.append("virtio lines %s" % virtio)
    return problems


# Virtio-blk (test.blk). The host fills each raw image with the first
# pattern (sector s: the little-endian 64-bit value s, 64 times); Flint
# reads and checks every sector with 8 bios in flight, then, on a writable
# disk, writes the second pattern (~s, 64 times) into sectors n/2..n-1 and
# flushes. After exit the host checks both halves byte for byte; a
# read-only disk must refuse the write and stay as it was.
import struct  # noqa: E402

BLK_IMAGES = os.path.join(ROOT, "build", "test-images")
BLK_SECTOR = 512
BLK_LINE = re.compile(r"^virtio: blk (\S+) .* (vd[a-z]) (\d+) MiB( ro)?$")


def blk_sector(s, second=False):
    return struct.pack("<Q", ~s & (2 ** 64 - 1) if second else s) * (BLK_SECTOR // 8)


def blk_image(name, mib):
    os.makedirs(BLK_IMAGES, exist_ok=True)
    path = os.path.join(BLK_IMAGES, name + ".img")
    with open(path, "wb") as f:
        f.write(b"".join(blk_sector(s) for s in range(mib * 1024 * 1024 // BLK_SECTOR)))
    return path


def blk_check_image(disk, path, written):
    """The first pattern throughout, or in the first half and the second
    pattern in the second half."""
    with open(path, "rb") as f:
        data = f.read()
    n = len(data) // BLK_SECTOR
    half = n // 2 if written else n
    for s in range(n):
        if data[s * BLK_SECTOR:(s + 1) * BLK_SECTOR] != blk_sector(s, s >= half):
            return ["%s: sector %d on the host holds the wrong pattern" % (disk, s)]
    return []


def blk_case(name, machine, device, transport, disks, extra=()):
    """disks: (MiB, read-only) each, becoming vda, vdb, ... in order."""
    @case(name)
    def _():
        argv = list(extra)
        paths = []
        for i, (size, ro) in enumerate(disks):
            paths.append(blk_image("%s-%d" % (name, i), size))
            argv += ["-drive", "id=d%d,file=%s,format=raw,if=none%s"
                     % (i, paths[i], ",readonly=on" if ro else ""),
                     "-device", "%s,drive=d%d" % (device, i)]
        r = boot(name, qemu.command(machine=machine, append="test.blk", extra=argv))
        problems = check_boot(r, "pvh")
        out = r.lines()
        found = [m.groups() for m in map(BLK_LINE.match, out) if m]
        tests = [l for l in out if l.startswith("blk-test:")]
        want_found, want_tests = [], []
        for i, (size, ro) in enumerate(disks):
            disk, sectors = "vd" + chr(ord("a") + i), size * 1024 * 1024 // BLK_SECTOR
            want_found.append((transport, disk, str(size), " ro" if ro else None))
            want_tests.append("blk-test: %s %d sectors verified, %s" % (
                disk, sectors, "read-only, write refused" if ro else
                "%d written" % (sectors - sectors // 2)))
            problems += blk_check_image(disk, paths[i], not ro)
        if found != want_found:
            problems.append("virtio blk lines %r, expected %r" % (found, want_found))
        if tests != want_tests:
            problems.append("blk-test lines %r, expected %r" % (tests, want_tests))
        return problems


for name, machine, device, transport, extra in [
        ("virtio-blk-q35-transitional", "q35", "virtio-blk-pci", "pci-modern", []),
        ("virtio-blk-q35-legacy", "q35", "virtio-blk-pci,disable-modern=on", "pci-legacy", []),
        ("virtio-blk-q35-modern", "q35", "virtio-blk-pci,disable-legacy=on", "pci-modern", []),
        ("virtio-blk-mmio-v1", "microvm-noacpi", "virtio-blk-device", "mmio-v1", []),
        ("virtio-blk-mmio-v2", "microvm-noacpi", "virtio-blk-device", "mmio-v2", MODERN_MMIO)]:
    blk_case(name, machine, device, transport, [(4, False)], extra)
blk_case("virtio-blk-two-disks", "q35", "virtio-blk-pci", "pci-modern", [(4, False), (2, False)])
blk_case("virtio-blk-read-only", "q35", "virtio-blk-pci", "pci-modern", [(2, True)])
blk_case("virtio-blk-4k-blocks", "q35",
         "virtio-blk-pci,logical_block_size=4096,physical_block_size=4096", "pci-modern",
         [(4, False)])


# Virtio-blk details on the console line: the id GET_ID reads (the
# drive's serial) and, with MQ, the queue count (one per CPU: bios go on
# the submitting CPU's queue). The disk is checked as in blk_case.
def blk_details_case(name, smp, device, details):
    @case(name)
    def _():
        path = blk_image(name, 4)
        argv = ["-drive", "id=d0,file=%s,format=raw,if=none" % path, "-device", device]
        r = boot(name, qemu.command(machine="q35", smp=smp, append="test.blk", extra=argv))
        problems = check_boot(r, "pvh", cpus=smp)
        out = r.lines()
        lines = [l for l in out if l.startswith("virtio: blk")]
        want = re.compile(r"^virtio: blk pci-modern pci \S+ vda 4 MiB%s$" % re.escape(details))
        if len(lines) != 1 or not want.match(lines[0]):
            problems.append("virtio blk lines %r, expected 'vda 4 MiB%s'" % (lines, details))
        tests = [l for l in out if l.startswith("blk-test:")]
        if tests != ["blk-test: vda 8192 sectors verified, 4096 written"]:
            problems.append("blk-test lines %r" % tests)
        return problems + blk_check_image("vda", path, True)


blk_details_case("virtio-blk-serial", 1, "virtio-blk-pci,drive=d0,serial=FLINT123",
                 ' id "FLINT123"')
blk_details_case("virtio-blk-mq", 4, "virtio-blk-pci,drive=d0,num-queues=4", " 4 queues")


@case("pci-off-no-config-access")
def _():
    # With pci=off the kernel must not touch PCI configuration space at all:
    # QEMU's pci_cfg_* trace events after the kernel's first line (the
    # firmware's come before) must be none. The same boot without pci=off
    # shows that the check sees the kernel's accesses.
    def kernel_accesses(append):
        argv = qemu.command(append=append, extra=["-trace", "pci_cfg_*",
                                                  "-device", "virtio-rng-pci"])
        r = boot("pci-off-no-config-access", argv)
        lines = r.lines()
        first = next((i for i, l in enumerate(lines) if l.startswith("cmdline: ")), None)
        if first is None:
            return None
        return sum(1 for l in lines[first:] if "pci_cfg_" in l)
    off, on = kernel_accesses("cmdline.echo pci=off"), kernel_accesses("cmdline.echo")
    if on is None or off is None:
        return ["no 'cmdline:' line to tell firmware from kernel"]
    if not on:
        return ["the check saw no accesses even with PCI enumeration on"]
    return [] if off == 0 else ["%d configuration accesses with pci=off" % off]


# INTx for a virtio-pci device without MSI-X (vectors=0): the interrupt
# line SeaBIOS assigned, level-triggered by the MADT's overrides, each
# interrupt acknowledged by reading the ISR status. The rng through both
# transports, and a disk's many completions.
for name, device, transport in [
        ("virtio-pci-q35-intx-modern", "virtio-rng-pci,vectors=0", "pci-modern"),
        ("virtio-pci-q35-intx-legacy", "virtio-rng-pci,disable-modern=on,vectors=0",
         "pci-legacy")]:
    @case(name)
    def _(name=name, device=device, transport=transport):
        r = boot(name, qemu.command(machine="q35", append="test.virtio",
                                    extra=["-device", device]))
        problems = check_boot(r, "pvh")
        virtio = [l for l in r.lines() if l.startswith("virtio")]
        found = [m for m in map(VIRTIO_PCI_LINE.match, virtio) if m]
        if len(found) != 1 or found[0].group(1) != transport or \
                VIRTIO_TEST_LINE not in virtio:
            problems.append("virtio lines %r" % virtio)
        return problems


blk_case("virtio-blk-q35-intx", "q35", "virtio-blk-pci,vectors=0", "pci-modern", [(4, False)])
blk_case("virtio-blk-q35-intx-legacy", "q35", "virtio-blk-pci,disable-modern=on,vectors=0",
         "pci-legacy", [(4, False)])
# SeaBIOS gives slots 2 and 3 the same line (11): vdb and vdc share it.
blk_case("virtio-blk-q35-intx-shared", "q35", "virtio-blk-pci,vectors=0", "pci-modern",
         [(2, False), (2, False), (2, False)])


# Firecracker >= 1.13 with --enable-pci (fcshim.pci=on): no pci=off, modern
# virtio-pci devices with MSI-X behind the ECAM the MCFG describes (q35's
# real one). A modern rng and a modern disk, checked as in blk_case.
for entry in ["linux64", "pvh"]:
    name = "fcshim-q35-head-pci" + ("" if entry == "linux64" else "-pvh")

    @case(name)
    def _(name=name, entry=entry):
        path = blk_image(name, 4)
        argv = qemu.fcshim_command("head", entry, "pci.show test.virtio test.blk", pci=True,
                                   extra=["-device", "virtio-rng-pci,disable-legacy=on",
                                          "-drive", "id=d0,file=%s,format=raw,if=none" % path,
                                          "-device", "virtio-blk-pci,disable-legacy=on,drive=d0"])
        r = boot(name, argv)
        problems = check_boot(r, entry)
        out = r.lines()
        summary = [m for m in map(PCI_SUMMARY.match, out) if m]
        if len(summary) != 1 or summary[0].group(3) != "ECAM":
            problems.append("PCI summary %r, expected one 'via ECAM'" % [m.group(0)
                                                                         for m in summary])
        virtio = [l for l in out if l.startswith("virtio")]
        rng = [m for m in map(VIRTIO_PCI_LINE.match, virtio) if m]
        if len(rng) != 1 or rng[0].group(1) != "pci-modern" or VIRTIO_TEST_LINE not in virtio:
            problems.append("virtio rng lines %r" % virtio)
        blk = [m.groups() for m in map(BLK_LINE.match, out) if m]
        if blk != [("pci-modern", "vda", "4", None)]:
            problems.append("virtio blk lines %r" % blk)
        tests = [l for l in out if l.startswith("blk-test:")]
        if tests != ["blk-test: vda 8192 sectors verified, 4096 written"]:
            problems.append("blk-test lines %r" % tests)
        problems += blk_check_image("vda", path, True)
        check = subprocess.run([sys.executable, CONTRACT, os.path.join(LOGS, name + ".log"),
                                "--version", "head", "--entry", entry, "--mem-mib", "128",
                                "--cpus", "1", "--pci"], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
        if check.returncode:
            problems.append("contract check failed: " + check.stdout.strip().replace("\n", "; "))
        return problems


@case("fcshim-microvm-head-mmio-blk")
def _():
    # Firecracker's own way for disks: MMIO v2 devices announced by
    # virtio_mmio.device= tokens (and its DSDT), entered the 64-bit way.
    name = "fcshim-microvm-head-mmio-blk"
    path = blk_image(name, 4)
    argv = qemu.fcshim_command("head", "linux64", "test.blk", machine="microvm-noacpi",
                               extra=["-global", "virtio-mmio.force-legacy=false",
                                      "-drive", "id=d0,file=%s,format=raw,if=none" % path,
                                      "-device", "virtio-blk-device,drive=d0"])
    r = boot(name, argv)
    problems = check_boot(r, "linux64")
    blk = [m.groups() for m in map(BLK_LINE.match, r.lines()) if m]
    if blk != [("mmio-v2", "vda", "4", None)]:
        problems.append("virtio blk lines %r" % blk)
    tests = [l for l in r.lines() if l.startswith("blk-test:")]
    if tests != ["blk-test: vda 8192 sectors verified, 4096 written"]:
        problems.append("blk-test lines %r" % tests)
    return problems + blk_check_image("vda", path, True)


def fs_cpio(entries):
    """A newc cpio archive of (name, mode, data) entries, then the trailer."""
    out = b""
    for ino, (name, mode, data) in enumerate(entries + [("TRAILER!!!", 0, b"")], 1):
        raw = name.encode() + b"\0"
        out += b"070701" + b"".join(b"%08X" % v for v in (
            ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(raw), 0)) + raw
        out += b"\0" * (-len(out) % 4) + data
        out += b"\0" * (-len(out) % 4)
    return out


FS_ENTRIES = [(".", 0o40755, b""), ("bin", 0o40755, b""), ("bin/sh", 0o100755, b"x" * 12345),
              ("bin/ash", 0o120777, b"sh"), ("etc", 0o40700, b""),
              ("etc/motd", 0o100600, b"hello\n"), ("empty", 0o100444, b"")]
FS_LISTING = ["initrd: 3 pages: 0 hold file data, 3 freed", "fs: /bin/ 0755", "fs: /bin/ash 0777 -> sh",
              "fs: /bin/sh 0755 12345", "fs: /dev/ 0755", "fs: /dev/console 0600 chr",
              "fs: /dev/full 0666 chr", "fs: /dev/null 0666 chr", "fs: /dev/ptmx 0666 chr",
              "fs: /dev/pts/ 0755", "fs: /dev/random 0666 chr", "fs: /dev/shm/ 1777",
              "fs: /dev/tty 0666 chr", "fs: /dev/urandom 0666 chr", "fs: /dev/zero 0666 chr",
              "fs: /empty 0444 0", "fs: /etc/ 0700", "fs: /etc/motd 0600 6", "fs: /proc/ 0555",
              "fs: /proc/cpuinfo 0444 0", "fs: /proc/diskstats 0444 0",
              "fs: /proc/filesystems 0444 0", "fs: /proc/loadavg 0444 0",
              "fs: /proc/meminfo 0444 0", "fs: /proc/mounts 0444 0",
              "fs: /proc/self 0777 -> (the caller's)", "fs: /proc/stat 0444 0",
              "fs: /proc/sys/ 0555", "fs: /proc/sys/fs/ 0555",
              "fs: /proc/sys/fs/pipe-max-size 0444 0", "fs: /proc/sys/kernel/ 0555",
              "fs: /proc/sys/kernel/hostname 0444 0", "fs: /proc/sys/kernel/osrelease 0444 0",
              "fs: /proc/sys/kernel/ostype 0444 0", "fs: /proc/sys/kernel/pid_max 0444 0",
              "fs: /proc/sys/kernel/version 0444 0", "fs: /proc/sys/vm/ 0555",
              "fs: /proc/sys/vm/overcommit_memory 0444 0", "fs: /proc/uptime 0444 0",
              "fs: /proc/version 0444 0", "fs: /tmp/ 1777"]


@case("fs-initrd")
def _():
    # Programs through the Firecracker shim's initrd: linux_cases.py.
    path = os.path.join(IMAGES, "fs.cpio")
    os.makedirs(IMAGES, exist_ok=True)
    with open(path, "wb") as f:
        f.write(fs_cpio(FS_ENTRIES))
    r = boot("fs-initrd", qemu.command(append="fs.show", initrd=path))
    listing = [l for l in r.lines() if l.startswith(("fs:", "initrd:"))]
    problems = check_boot(r, "pvh", "128M")
    if listing != FS_LISTING:
        problems.append("listing %r, expected %r" % (listing, FS_LISTING))
    return problems


@case("fs-initrd-truncated")
def _():
    path = os.path.join(IMAGES, "fs-truncated.cpio")
    os.makedirs(IMAGES, exist_ok=True)
    with open(path, "wb") as f:
        f.write(fs_cpio(FS_ENTRIES)[:1000])
    r = boot("fs-initrd-truncated", qemu.command(append="fs.show", initrd=path))
    problems = check_boot(r, "pvh", "128M")
    errors = [l for l in r.lines() if l.startswith("initrd:")]
    if len(errors) != 1 or "past the end" not in errors[0]:
        problems.append("initrd lines %r, expected one about data past the end" % errors)
    if [l for l in r.lines() if l.startswith("fs: /bin")]:
        problems.append("a malformed initrd was unpacked")
    return problems


import linux_cases  # noqa: E402,F401  (registers the Linux-program cases)
import process_cases  # noqa: E402,F401  (registers the process cases)
import netdev_cases  # noqa: E402,F401  (registers the network device cases)
import stack_cases  # noqa: E402,F401  (registers the network stack cases)
import socket_cases  # noqa: E402,F401  (registers the socket cases)
import unix_cases  # noqa: E402,F401  (registers the AF_UNIX and netlink cases)
import net_cases  # noqa: E402,F401  (registers the network cases)
import perf_cases  # noqa: E402,F401  (registers the network cases about bulk traffic)
import load_cases  # noqa: E402,F401  (registers the network load cases)
import mount_cases  # noqa: E402,F401  (registers the cases of mounted filesystems)
import dynamic_cases  # noqa: E402,F401  (registers the cases of dynamically linked programs)
import storage_cases  # noqa: E402,F401  (registers the durability cases)
import inotify_cases  # noqa: E402,F401  (registers the inotify cases)
import files_cases  # noqa: E402,F401  (registers the cases of named pipes, locks and file calls)
import pty_cases  # noqa: E402,F401  (registers the pseudo-terminal cases)
import proc_cases  # noqa: E402,F401  (registers the /proc and process query cases)
import timer_cases  # noqa: E402,F401  (registers the timer and signal cases)
import ipc_cases  # noqa: E402,F401  (registers the System V and POSIX IPC cases)
import creds_cases  # noqa: E402,F401  (registers the users, groups and permissions cases)
