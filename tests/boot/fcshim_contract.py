#!/usr/bin/env python3
"""Checks what build/fcshim.elf reports against the Firecracker boot contract.

Usage:
    fcshim_contract.py LOGFILE --version head|v1.7 --entry linux64|pvh
                       --mem-mib N --cpus N [--mmio-tokens N] [--pci]
                       [--initrd FILE | --initrd-size N]

LOGFILE is the serial log of a boot through the shim (tools/fcshim). The
expected values are those of shared/docs/firecracker-boot-contract.md; the
section is named in each check. --pci (head only) expects Firecracker's
--enable-pci (§6, §10, §11): no pci=off token, no virtio_mmio tokens, and
the MCFG and the e820 MMCONFIG entry describing the ECAM window the shim
reports (q35's, from its PCIEXBAR) instead of 0xEEC00000 buses 0-0.
--initrd FILE (or --initrd-size N, without the byte sum) expects
Firecracker's initrd_path (§8): placed at the top of the first RAM region,
page-aligned, clear of the kernel, its bytes as in FILE, and named in the
zero page (ramdisk_image/ramdisk_size) or as PVH module 0 at 0x6040 (§7);
without either, those fields must be 0. Prints one line per failed check
and exits 1, or prints "fcshim contract: N checks ok" and exits 0.

The shim's output format
------------------------
Every shim line starts with "fcshim: ", then a record name, then
space-separated key=value fields. Numbers are C literals: hex with 0x,
otherwise decimal. A quoted field runs from its opening quote to the last
quote on the line (command lines may hold quotes themselves). Records, in
the order printed (some only for one entry or version):

    shim addr=0x100000 end=A                 the shim's own bytes [addr, end)
    qemu start_info=A cmdline=A modlist=A    what QEMU's PVH boot handed over
    module addr=A size=N                     the kernel ELF (-initrd)
    qemu_e820[i] addr=A size=N type=T        QEMU's own RAM layout (fw_cfg)
    kernel e_entry=A pvh_entry=A|none segments=N
    load[i] paddr=A filesz=N memsz=N         each PT_LOAD
    version=head|v1.7
    entry=linux64|pvh why=forced|pvh-note|no-pvh-note|v1.7-has-no-pvh
    cpus=N
    mem=A mib=N
    pci=off                                  or: pci=on ecam=A size=N buses=0-N (fcshim.pci=on)
    zeroed addr=A size=N verified=yes        [0,0xA0000), 0xA0000 window, BIOS area
    not_ram addr=A size=N                    a low window QEMU does not back
    host_bridge=VVVV:DDDD pam=R-R value=V    or: host_bridge=none pam=none
    scrubbed addr=A size=N dirty_pages=N     RAM above the shim made zero
    initrd addr=A size=N end=A sum=V         the initrd as read back; sum: its
                                             bytes added up, modulo 2^32
    initrd none                              no -fw_cfg name=opt/fcshim/initrd
    virtio_mmio[i] base=A size=N gsi=N token="virtio_mmio.device=..."
    boot_args "..."                          the user's string, fcshim.* removed
    cmdline addr=0x20000 size=N "..."        Firecracker's command line; size has the NUL
    mptable addr=A length=N config=A base_length=N entries=N cpus=N buses=N
            ioapics=N ioapic_id=N intsrc=N intsrc_identity=ok|bad lintsrc=N checksum=ok
    mp_scan addr=A ... mp_scan count=N       every "_MP_" where guests look
    dsdt devices=NAME,NAME,...               (head) DSDT devices in order
    acpi sig=SIG addr=A length=N revision=N oem_table_id=ID checksum=ok
    fadt flags=F iapc_boot_arch=F minor=N dsdt=A x_dsdt=A firmware_ctrl=A sci=N
    madt lapic_addr=A flags=F ioapic_id=N ioapic_addr=A gsi_base=N lapics=N
    mcfg base=A segment=N bus_start=N bus_end=N
    xsdt entries=SIG,SIG,SIG
    acpi sig=RSDP addr=A length=N revision=N rsdt=A xsdt=A checksum=ok
    acpi none                                (v1.7) no ACPI at all
    rsdp_scan addr=A ... rsdp_scan count=N   every "RSD PTR " in 0xE0000-0xFFFFF
    zeropage off=O name=NAME value=V         (linux64) each boot_params field set
    e820[i] addr=A size=N type=T             (linux64) the zero page's e820 table
    start_info off=O name=NAME value=V       (pvh) each hvm_start_info field
    modlist off=O name=NAME value=V          (pvh, initrd) the hvm_modlist_entry
    memmap[i] addr=A size=N type=T           (pvh) the PVH memory map
    pit channel0=mode0 count=none
    pic master_imr=V slave_imr=V
    ioapic addr=A pins=N masked=N
    lapic addr=A svr=V tpr=V ldr=V dfr=V lint0=V lint1=V timer=V thermal=V perf=V
          error=V init_count=V divide=V
    msr sysenter_cs=V ... apic_base=V tsc=0
    msr mtrr_def_type=V variable_cleared=N fixed_cleared=yes|no
    gdt addr=A limit=L entry0=Q entry1=Q entry2=Q entry3=Q
    idt addr=A limit=L entry0=Q
    pagetables pml4=A pml4e0=Q pdpt=A pdpte0=Q pd=A pde0=Q pde511=Q pdes_ok=N   (linux64)
    regs rip=A rsi=A rsp=A rbp=A rflags=V other_gprs=0 cr0=V cr3=V cr4=V efer=V
         cs=S ds=S tr=S gdtr=A/L idtr=A/L    (linux64)
    regs eip=A ebx=A esp=A eflags=V other_gprs=0 cr0=V cr3=V cr4=V efer=V
         cs=S ds=S tr=S gdtr=A/L idtr=A/L    (pvh)
    jump                                     the last line before the kernel runs

A failure prints "fcshim: error: ..." instead and ends the VM.
"""
import argparse
import re
import sys

PREFIX = "fcshim: "

# §3, §5.1, §9, §10: addresses and sizes.
MPTABLE = 0x9FC00
SYSTEM_MEM_END = 0xE0000
HIMEM = 0x100000
MMCONFIG = (0xEEC00000, 0x10000000)
MMCONFIG_BUS_END = 0
ECAM_BUS_SIZE = 1 << 20
RSDP = 0xE0000
CMDLINE = 0x20000
CMDLINE_MAX = 2048
PAGE = 4096
# §8: the initrd ends below the 32-bit device gap (3 GiB from v1.13).
INITRD_BOUND = {"head": 0xC0000000, "v1.7": 0xD0000000}
MODLIST = 0x6040
SEPARATOR = " -- "


def parse_fields(text):
    """key=value fields, plus a quoted string (to the last quote) as "quoted"."""
    fields = {}
    if '"' in text:
        first, last = text.index('"'), text.rindex('"')
        quoted = text[first + 1:last]
        head = text[:first]
        if head.endswith("="):          # key="..."
            key = head.split()[-1][:-1]
            fields[key] = quoted
            head = head[:head.rfind(key)]
        else:
            fields["quoted"] = quoted
        text = head + text[last + 1:]
    for tok in text.split():
        key, eq, value = tok.partition("=")
        fields[key] = value if eq else True
    return fields


def number(v):
    return int(v, 0)


class Log:
    def __init__(self, path):
        self.records = []       # (name, fields), in order
        self.errors = []
        with open(path, errors="replace") as f:
            for raw in f:
                line = raw.rstrip("\r\n")
                if not line.startswith(PREFIX):
                    continue
                body = line[len(PREFIX):]
                if body.startswith("error:"):
                    self.errors.append(body)
                    continue
                name, _, rest = body.partition(" ")
                if "=" in name:         # "version=head", "cpus=1": the record is its key
                    rest = body
                    name = name.split("=")[0]
                self.records.append((name, parse_fields(rest)))

    def all(self, name):
        return [f for n, f in self.records if n == name]

    def one(self, name, where=None):
        found = [f for f in self.all(name) if where is None or where(f)]
        return found[0] if len(found) == 1 else None

    def indexed(self, stem):
        """Records "stem[i]" in order, as a list."""
        out = []
        for n, f in self.records:
            m = re.match(re.escape(stem) + r"\[(\d+)\]$", n)
            if m:
                out.append((int(m.group(1)), f))
        return [f for _, f in sorted(out, key=lambda x: x[0])] if out else []


class Checker:
    def __init__(self):
        self.ok = 0
        self.failures = []

    def check(self, cond, what):
        if cond:
            self.ok += 1
        else:
            self.failures.append(what)
        return cond

    def equal(self, got, want, what):
        return self.check(got == want, "%s: got %s, want %s" % (what, show(got), show(want)))

    def field(self, rec, key, want, what):
        """rec[key] as a number (or string if want is a string) equals want."""
        if rec is None:
            return self.check(False, "%s: record missing" % what)
        if key not in rec:
            return self.check(False, "%s: no %s= field" % (what, key))
        got = rec[key]
        if not isinstance(want, str):
            try:
                got = number(got)
            except ValueError:
                pass
        return self.equal(got, want, "%s %s" % (what, key))


def show(v):
    return "0x%x" % v if isinstance(v, int) and not isinstance(v, bool) and v > 9 else repr(v)


def expected_map(version, mem, ecam):
    """§5.1: Firecracker's order, not sorted; ecam is (base, size, bus_end)."""
    if version == "head":
        return [(0, MPTABLE, 1), (MPTABLE, SYSTEM_MEM_END - MPTABLE, 2),
                (ecam[0], ecam[1], 2), (HIMEM, mem - HIMEM, 1)]
    return [(0, MPTABLE, 1), (MPTABLE, 0x400, 2), (HIMEM, mem - HIMEM, 1)]


def split_boot_args(boot_args):
    """§6: the user string splits at the first " -- " outside double quotes;
    both halves are trimmed."""
    quoted = False
    for i, c in enumerate(boot_args):
        if not quoted and boot_args.startswith(SEPARATOR, i):
            return boot_args[:i].strip(), boot_args[i + len(SEPARATOR):].strip()
        if c == '"':
            quoted = not quoted
    return boot_args.strip(), ""


def pci_off(a):
    """§6: HEAD appends pci=off unless --enable-pci."""
    return a.version == "head" and not a.pci


def firecracker_cmdline(boot_args, a, tokens):
    """§6: pci=off (HEAD without PCI) and the virtio-mmio tokens go to the
    end of the first half; the second half follows after " -- " if not empty."""
    boot, init = split_boot_args(boot_args)
    words = ([boot] if boot else []) + (["pci=off"] if pci_off(a) else []) + tokens
    return " ".join(words) + (SEPARATOR + init if init else "")


def check_identity(c, log, a):
    c.field(log.one("version"), "version", a.version, "§17.2.3 imitated")
    c.field(log.one("entry"), "entry", a.entry, "§2 boot protocol")
    c.field(log.one("cpus"), "cpus", a.cpus, "§4.5 vCPU count")
    c.field(log.one("mem"), "mib", a.mem_mib, "§3 RAM size")
    c.field(log.one("mem"), "mem", a.mem_mib << 20, "§3 RAM size")
    c.field(log.one("pci"), "pci", "on" if a.pci else "off", "§11 --enable-pci")
    kernel = log.one("kernel")
    entry = log.one("entry")
    if c.check(kernel is not None and entry is not None, "kernel/entry records missing"):
        why = entry.get("why")
        has_note = kernel.get("pvh_entry") != "none"
        # §2, §16: PVH iff the note exists, from v1.12; v1.7 never.
        if why == "pvh-note":
            c.check(has_note and a.version == "head" and a.entry == "pvh",
                    "§2 entry chosen by note without a note, or on v1.7")
        elif why == "no-pvh-note":
            c.check(not has_note and a.entry == "linux64", "§2 linux64 chosen despite a note")
        elif why == "v1.7-has-no-pvh":
            c.check(a.version == "v1.7" and a.entry == "linux64", "§16 v1.7 must use linux64")
        else:
            c.equal(why, "forced", "entry reason")
        if a.entry == "pvh":
            c.check(has_note, "§7 PVH entry needs a Xen PHYS32_ENTRY note")


def check_memory(c, log, a):
    mem = a.mem_mib << 20
    low = log.one("zeroed", lambda f: f.get("addr") == "0x0")
    c.field(low, "size", 0xA0000, "§17.2.2 zeroed [0, 0xA0000)")
    bios = log.one("zeroed", lambda f: f.get("addr") == "0xc0000")
    c.field(bios, "size", 0x40000, "§17.2.4 zeroed [0xC0000, 0x100000)")
    c.field(bios, "verified", "yes", "§17.2.4 BIOS area writable")
    c.check(log.one("scrubbed") is not None, "§3 RAM above the shim not scrubbed")
    for i, seg in enumerate(log.indexed("load")):
        start = number(seg["paddr"])
        end = start + max(number(seg["memsz"]), number(seg["filesz"]))
        c.check(start >= HIMEM and end <= mem, "§2 load[%d] outside [1 MiB, RAM end)" % i)


def check_map(c, records, want, what):
    c.equal(len(records), len(want), "%s entry count" % what)
    for i, (rec, (addr, size, typ)) in enumerate(zip(records, want)):
        got = (number(rec["addr"]), number(rec["size"]), number(rec["type"]))
        c.equal(got, (addr, size, typ), "%s[%d] (addr, size, type)" % (what, i))


def check_cmdline(c, log, a):
    rec = log.one("cmdline")
    if not c.check(rec is not None and "quoted" in rec, "§6 cmdline record missing"):
        return None
    line = rec["quoted"]
    c.field(rec, "addr", CMDLINE, "§6 cmdline address")
    c.field(rec, "size", len(line) + 1, "§6 cmdline size (with NUL)")
    c.check(len(line) + 1 <= CMDLINE_MAX, "§6 cmdline longer than 2048 bytes")
    devs = log.indexed("virtio_mmio")
    tokens = [d["token"] for d in devs]
    if a.mmio_tokens is not None:
        c.equal(len(tokens), a.mmio_tokens, "§17.3 virtio_mmio.device= tokens passed on")
    if a.pci:
        c.equal(tokens, [], "§11 --enable-pci adds no virtio_mmio.device= tokens")
    args = log.one("boot_args")
    if not c.check(args is not None and "quoted" in args, "boot_args record missing"):
        return line
    c.equal(line, firecracker_cmdline(args["quoted"], a, tokens), "§6 command line")
    # What Firecracker appended: the line minus the user's two halves.
    boot, init = split_boot_args(args["quoted"])
    tail = SEPARATOR + init if init else ""
    if not c.check(line.startswith(boot) and line.endswith(tail),
                   "§6 the user's boot args and init args are not kept verbatim"):
        return line
    appended = line[len(boot):len(line) - len(tail)].split()
    if pci_off(a):
        c.check(appended[:1] == ["pci=off"],
                "§6 HEAD appends pci=off first, before ' -- ': appended %r" % appended)
    else:
        c.check("pci=off" not in appended,
                "§6/§16 pci=off appended with --enable-pci or on v1.7")
    c.equal(appended[1 if pci_off(a) else 0:], tokens,
            "§6 virtio_mmio tokens after pci=off, before ' -- '")
    return line


def initrd_expected(a):
    """(addr, size) Firecracker gives the initrd (§8), or (0, 0) without one."""
    if not a.initrd_size:
        return 0, 0
    top = min(a.mem_mib << 20, INITRD_BOUND[a.version])
    return (top - a.initrd_size) // PAGE * PAGE, a.initrd_size


def check_initrd(c, log, a):
    addr, size = initrd_expected(a)
    records = log.all("initrd")
    if not size:
        c.check(len(records) == 1 and "none" in records[0],
                "§8 no initrd given, but the shim reports %r" % records)
        return
    rec = log.one("initrd")
    if not c.check(rec is not None and "addr" in rec, "§8 initrd record missing: %r" % records):
        return
    c.field(rec, "size", size, "§8 initrd")
    c.field(rec, "addr", addr, "§8 initrd at the end of the first RAM region, page-aligned")
    c.check(addr % PAGE == 0 and addr + size <= a.mem_mib << 20,
            "§8 initrd [0x%x, +0x%x) not page-aligned in RAM" % (addr, size))
    c.field(rec, "end", addr + size, "§8 initrd")
    if a.initrd_sum is not None:
        c.field(rec, "sum", a.initrd_sum, "initrd bytes in guest memory (sum)")
    shim = log.one("shim") or {}
    c.check(addr >= number(shim.get("end", "-1")), "initrd overlaps the shim")
    for i, seg in enumerate(log.indexed("load")):
        start = number(seg["paddr"])
        end = start + max(number(seg["memsz"]), number(seg["filesz"]))
        c.check(addr + size <= start or end <= addr,
                "§8 initrd overlaps load[%d] [0x%x, 0x%x)" % (i, start, end))


def check_modlist(c, log, a):
    addr, size = initrd_expected(a)
    fields = {f["name"]: f for f in log.all("modlist")}
    if not size:
        c.equal(sorted(fields), [], "§7 module entry without an initrd")
        return
    want = [(0x00, "paddr", addr), (0x08, "size", size), (0x10, "cmdline_paddr", 0),
            (0x18, "reserved", 0)]
    for off, name, value in want:
        rec = fields.get(name)
        c.field(rec, "off", off, "§7 hvm_modlist_entry %s offset" % name)
        c.field(rec, "value", value, "§7 hvm_modlist_entry %s" % name)
    c.equal(sorted(fields), sorted(n for _, n, _ in want), "§7 hvm_modlist_entry fields")


def check_zero_page(c, log, a, line, nmap):
    fields = {f["name"]: f for f in log.all("zeropage")}
    rsdp = RSDP if a.version == "head" else 0
    initrd = initrd_expected(a)
    want = [(0x070, "acpi_rsdp_addr", rsdp), (0x1E8, "e820_entries", nmap),
            (0x1FE, "boot_flag", 0xAA55), (0x202, "header", 0x53726448),
            (0x206, "version", 0), (0x210, "type_of_loader", 0xFF), (0x211, "loadflags", 0),
            (0x218, "ramdisk_image", initrd[0]), (0x21C, "ramdisk_size", initrd[1]),
            (0x228, "cmd_line_ptr", CMDLINE), (0x230, "kernel_alignment", 0x01000000),
            (0x238, "cmdline_size", len(line) + 1 if line is not None else -1)]
    for off, name, value in want:
        rec = fields.get(name)
        c.field(rec, "off", off, "§5 zero page %s offset" % name)
        c.field(rec, "value", value, "§5 zero page %s" % name)
    c.equal(sorted(fields), sorted(n for _, n, _ in want), "§5 zero page fields set")


def check_start_info(c, log, a, nmap):
    fields = {f["name"]: f for f in log.all("start_info")}
    modules = 1 if a.initrd_size else 0
    want = [(0x00, "magic", 0x336EC578), (0x04, "version", 1), (0x08, "flags", 0),
            (0x0C, "nr_modules", modules), (0x10, "modlist_paddr", MODLIST * modules),
            (0x18, "cmdline_paddr", CMDLINE), (0x20, "rsdp_paddr", 0),
            (0x28, "memmap_paddr", 0x7000), (0x30, "memmap_entries", nmap),
            (0x34, "reserved", 0)]
    for off, name, value in want:
        rec = fields.get(name)
        c.field(rec, "off", off, "§7 start_info %s offset" % name)
        c.field(rec, "value", value, "§7 start_info %s" % name)


def check_mptable(c, log, a):
    n = a.cpus
    mp = log.one("mptable")
    for key, want in [("addr", MPTABLE), ("length", 284 + 20 * n), ("config", MPTABLE + 16),
                      ("base_length", 268 + 20 * n), ("entries", n + 29), ("cpus", n),
                      ("buses", 1), ("ioapics", 1), ("ioapic_id", n + 1), ("intsrc", 24),
                      ("intsrc_identity", "ok"), ("lintsrc", 2), ("checksum", "ok")]:
        c.field(mp, key, want, "§9 MP table")
    scan = log.all("mp_scan")
    c.equal([f.get("addr") for f in scan if "addr" in f], ["0x9fc00"],
            "§17.2.4 '_MP_' signatures found")
    return MPTABLE + 284 + 20 * n


def expected_ecam(c, log, a):
    """(base, size, bus_end) of the MMCONFIG window: Firecracker's fixed one,
    or with --pci the ECAM the shim read from QEMU (§10, §11)."""
    if not a.pci:
        return MMCONFIG + (MMCONFIG_BUS_END,)
    rec = log.one("pci") or {}
    try:
        base, size = number(rec["ecam"]), number(rec["size"])
        first, last = (int(b) for b in rec["buses"].split("-"))
    except (KeyError, ValueError):
        c.check(False, "§11 pci=on record without ecam=, size=, buses=0-N: %r" % rec)
        return (-1, -1, -1)
    c.equal(first, 0, "§10 MCFG first bus")
    c.equal(size, (last + 1) * ECAM_BUS_SIZE, "ECAM size for buses 0-%d" % last)
    c.check(base % size == 0 and base + size <= 1 << 32,
            "ECAM 0x%x+0x%x is not an aligned window below 4 GiB" % (base, size))
    return (base, size, last)


def check_acpi(c, log, a, tables_start, ecam):
    tables = [f for f in log.all("acpi") if "sig" in f]
    rsdp_scan = [f.get("addr") for f in log.all("rsdp_scan") if "addr" in f]
    if a.version == "v1.7":
        c.equal([t["sig"] for t in tables], [], "§16 v1.7 has no ACPI tables")
        c.check(any("none" in f for f in log.all("acpi")), "§16 'acpi none' missing")
        c.equal(rsdp_scan, [], "§16 v1.7: no 'RSD PTR ' in 0xE0000-0xFFFFF")
        return
    n = a.cpus
    c.equal([t["sig"] for t in tables], ["DSDT", "FACP", "APIC", "MCFG", "XSDT", "RSDP"],
            "§10 ACPI tables in allocation order")
    c.equal(rsdp_scan, ["0xe0000"], "§17.2.4 'RSD PTR ' signatures found")
    want = {"DSDT": (2, "FCVMDSDT", None), "FACP": (6, "FCVMFADT", 276),
            "APIC": (6, "FCVMMADT", 56 + 8 * n), "MCFG": (1, "FCMVMCFG", 60),
            "XSDT": (1, "FCMVXSDT", 60)}
    addr = tables_start
    where = {}
    for t in tables:
        sig = t["sig"]
        if sig == "RSDP":
            continue
        rev, table_id, length = want[sig]
        c.field(t, "addr", addr, "§10 %s packed after the previous table" % sig)
        c.field(t, "revision", rev, "§10 %s" % sig)
        c.field(t, "oem_table_id", table_id, "§10 %s" % sig)
        c.field(t, "checksum", "ok", "§10 %s" % sig)
        if length is not None:
            c.field(t, "length", length, "§10 %s" % sig)
        where[sig] = number(t["addr"])
        addr = number(t["addr"]) + number(t["length"])
    c.check(addr <= SYSTEM_MEM_END, "§10 tables run past 0xE0000")

    fadt = log.one("fadt")
    for key, value in [("flags", 0x00100030), ("iapc_boot_arch", 0x4), ("minor", 5),
                       ("dsdt", 0), ("x_dsdt", where.get("DSDT")), ("firmware_ctrl", 0),
                       ("sci", 0)]:
        c.field(fadt, key, value, "§10 FADT")
    madt = log.one("madt")
    for key, value in [("lapic_addr", 0xFEE00000), ("flags", 0), ("ioapic_id", 0),
                       ("ioapic_addr", 0xFEC00000), ("gsi_base", 0), ("lapics", n)]:
        c.field(madt, key, value, "§10 MADT")
    mcfg = log.one("mcfg")
    for key, value in [("base", ecam[0]), ("segment", 0), ("bus_start", 0),
                       ("bus_end", ecam[2])]:
        c.field(mcfg, key, value, "§10 MCFG")
    c.field(log.one("xsdt"), "entries", "FACP,APIC,MCFG", "§10 XSDT")
    rsdp = tables[-1] if tables and tables[-1]["sig"] == "RSDP" else None
    for key, value in [("addr", RSDP), ("length", 36), ("revision", 2), ("rsdt", 0),
                       ("xsdt", where.get("XSDT")), ("checksum", "ok")]:
        c.field(rsdp, key, value, "§10 RSDP")
    devs = log.indexed("virtio_mmio")
    names = ["V%03d" % (number(d["gsi"]) - 5) for d in devs] + ["_SB_.COM1", "_SB_.PS2_"]
    c.field(log.one("dsdt"), "devices", ",".join(names), "§10 DSDT devices")


GDT = {"linux64": [0, 0x00AF9B000000FFFF, 0x00CF93000000FFFF, 0x008F8B000000FFFF],
       "pvh": [0, 0x00CF9B000000FFFF, 0x00CF93000000FFFF, 0x0000890000000067]}


def check_cpu(c, log, a):
    kernel = log.one("kernel") or {}
    gdt = log.one("gdt")
    c.field(gdt, "addr", 0x500, "§4.2 GDT")
    c.field(gdt, "limit", 0x1F, "§4.2 GDT")
    for i, value in enumerate(GDT[a.entry]):
        c.field(gdt, "entry%d" % i, value, "§4.2/§7 GDT")
    idt = log.one("idt")
    for key, value in [("addr", 0x520), ("limit", 7), ("entry0", 0)]:
        c.field(idt, key, value, "§4.2 IDT")
    regs = log.one("regs")
    common = [("other_gprs", 0), ("cs", 8), ("ds", 0x10), ("tr", 0x18),
              ("gdtr", "0x500/0x1f"), ("idtr", "0x520/0x7")]
    if a.entry == "linux64":
        want = [("rip", number(kernel.get("e_entry", "-1"))), ("rsi", 0x7000),
                ("rsp", 0x8FF0), ("rbp", 0x8FF0), ("rflags", 2), ("cr0", 0xE0000011),
                ("cr3", 0x9000), ("cr4", 0x20), ("efer", 0x500)]
        pt = log.one("pagetables")
        for key, value in [("pml4", 0x9000), ("pml4e0", 0xA003), ("pdpt", 0xA000),
                           ("pdpte0", 0xB003), ("pd", 0xB000), ("pde0", 0x83),
                           ("pde511", (511 << 21) | 0x83), ("pdes_ok", 512)]:
            c.field(pt, key, value, "§4.3 page tables")
        c.check(not log.all("start_info"), "§5 linux64 boot wrote a PVH start_info")
    else:
        pvh = kernel.get("pvh_entry", "none")
        want = [("eip", number(pvh) if pvh != "none" else -1), ("ebx", 0x6000), ("esp", 0),
                ("eflags", 2), ("cr0", 0x11), ("cr3", 0), ("cr4", 0), ("efer", 0)]
        c.check(not log.all("pagetables"), "§7 PVH boot wrote page tables")
        c.check(not log.all("zeropage"), "§7 PVH boot wrote a zero page")
    if a.entry == "linux64":
        c.check(not log.all("modlist"), "§5 linux64 boot wrote a PVH module entry")
    for key, value in want + common:
        c.field(regs, key, value, "§4/§7 register plan")

    msr = log.one("msr", lambda f: "misc_enable" in f)
    for key in ["sysenter_cs", "sysenter_esp", "sysenter_eip", "star", "lstar", "cstar",
                "sfmask", "kernel_gs_base"]:
        c.field(msr, key, 0, "§4.4 MSR")
    c.field(msr, "misc_enable", 1, "§4.4 MSR")
    c.field(msr, "apic_base", 0xFEE00900, "§4.3 IA32_APIC_BASE")
    mtrr = log.one("msr", lambda f: "mtrr_def_type" in f)
    c.field(mtrr, "mtrr_def_type", 0x806 if a.version == "head" else 0,
            "§4.4/§16 MTRRdefType")


def check_devices(c, log):
    c.field(log.one("pit"), "channel0", "mode0", "§17.2.5 PIT stopped")
    pic = log.one("pic")
    c.field(pic, "master_imr", 0xFF, "§17.2.5 8259")
    c.field(pic, "slave_imr", 0xFF, "§17.2.5 8259")
    ioapic = log.one("ioapic")
    c.field(ioapic, "pins", 24, "§11 IOAPIC")
    c.field(ioapic, "masked", 24, "§17.2.5 IOAPIC")
    lapic = log.one("lapic")
    for key, value in [("svr", 0xFF), ("tpr", 0), ("lint0", 0x700), ("lint1", 0x10400),
                       ("timer", 0x10000), ("thermal", 0x10000), ("perf", 0x10000),
                       ("error", 0x10000), ("init_count", 0), ("divide", 0)]:
        c.field(lapic, key, value, "§4.4 LAPIC")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("log")
    p.add_argument("--version", choices=["head", "v1.7"], required=True)
    p.add_argument("--entry", choices=["linux64", "pvh"], required=True)
    p.add_argument("--mem-mib", type=int, required=True)
    p.add_argument("--cpus", type=int, required=True)
    p.add_argument("--mmio-tokens", type=int)
    p.add_argument("--pci", action="store_true",
                   help="Firecracker's --enable-pci (fcshim.pci=on, head only)")
    initrd = p.add_mutually_exclusive_group()
    initrd.add_argument("--initrd", help="the file given as initrd_path (§8)")
    initrd.add_argument("--initrd-size", type=int,
                        help="its size, when the file is not at hand")
    a = p.parse_args()
    if a.pci and a.version != "head":
        p.error("--pci needs --version head (v1.13+)")
    a.initrd_sum = None
    if a.initrd:
        with open(a.initrd, "rb") as f:
            data = f.read()
        a.initrd_size, a.initrd_sum = len(data), sum(data) & 0xFFFFFFFF
    if a.initrd_size is not None and a.initrd_size <= 0:
        p.error("an initrd has at least one byte")

    log = Log(a.log)
    c = Checker()
    for e in log.errors:
        c.check(False, "shim failed: " + e)
    c.check(log.all("jump"), "the shim never reached its jump")

    check_identity(c, log, a)
    check_memory(c, log, a)
    check_initrd(c, log, a)
    line = check_cmdline(c, log, a)
    ecam = expected_ecam(c, log, a)
    want_map = expected_map(a.version, a.mem_mib << 20, ecam)
    if a.entry == "linux64":
        check_map(c, log.indexed("e820"), want_map, "§5.1 e820")
        check_zero_page(c, log, a, line, len(want_map))
    else:
        check_map(c, log.indexed("memmap"), want_map, "§7 memmap")
        check_start_info(c, log, a, len(want_map))
        check_modlist(c, log, a)
    tables_start = check_mptable(c, log, a)
    check_acpi(c, log, a, tables_start, ecam)
    check_cpu(c, log, a)
    check_devices(c, log)

    for f in c.failures:
        print("fcshim contract: FAIL " + f)
    if c.failures:
        print("fcshim contract: %d of %d checks failed" % (len(c.failures),
                                                           len(c.failures) + c.ok))
        return 1
    print("fcshim contract: %d checks ok" % c.ok)
    return 0


if __name__ == "__main__":
    sys.exit(main())
