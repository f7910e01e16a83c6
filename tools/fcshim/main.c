/* fcshim: boots under QEMU as a PVH kernel, takes the kernel ELF from
 * module 0 and enters it in the state Firecracker would (README.md). */
#include "acpi.h"
#include "bootinfo.h"
#include "cmdline.h"
#include "console.h"
#include "cpustate.h"
#include "devices.h"
#include "e820.h"
#include "elf.h"
#include "fcshim.h"
#include "fwcfg.h"
#include "guest.h"
#include "idt.h"
#include "layout.h"
#include "memory.h"
#include "mptable.h"
#include "options.h"
#include "pci.h"
#include "qemu.h"

extern char __shim_start[], __shim_end[];

/* Firecracker's initrd_path, handed over as a QEMU -fw_cfg file. */
#define INITRD_FILE "opt/fcshim/initrd"

static uint32_t page_up(uint32_t a)
{
	return (a + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
}

struct range {
	uint32_t start;
	uint32_t end;
};

static bool overlaps(struct range a, struct range b)
{
	return a.start < b.end && b.start < a.end;
}

/* Firecracker's rule (§2, §16): PVH when the note exists, from v1.12 on. */
static enum fc_entry choose_entry(const struct fc_options *o,
				  const struct kernel_image *k, const char **why)
{
	if (o->entry == FC_ENTRY_PVH && !k->has_pvh_note)
		fail("fcshim.entry=pvh, but the kernel ELF has no Xen PHYS32_ENTRY note");
	if (o->entry != FC_ENTRY_AUTO) {
		*why = "forced";
		return o->entry;
	}
	if (o->version == FC_V1_7) {
		*why = "v1.7-has-no-pvh";
		return FC_ENTRY_LINUX64;
	}
	*why = k->has_pvh_note ? "pvh-note" : "no-pvh-note";
	return k->has_pvh_note ? FC_ENTRY_PVH : FC_ENTRY_LINUX64;
}

/* Segments must land in RAM above 1 MiB without touching the shim or the
 * module they are copied from. */
static void check_placement(const struct kernel_image *k, uint32_t mem,
			    struct range module)
{
	const struct range shim = { (uint32_t)(uintptr_t)__shim_start,
				    (uint32_t)(uintptr_t)__shim_end };

	if (module.start < shim.end || module.end > mem)
		fail("QEMU placed the kernel file at [0x%x, 0x%x), outside RAM above "
		     "the shim", module.start, module.end);
	for (uint32_t i = 0; i < k->nseg; i++) {
		const struct range s = { k->seg[i].paddr, k->seg[i].paddr + k->seg[i].memsz };

		if (s.start < FC_HIMEM_START)
			fail("segment %u at [0x%x, 0x%x) lies below 1 MiB, where "
			     "Firecracker writes its tables", i, s.start, s.end);
		if (overlaps(s, shim))
			fail("segment %u at [0x%x, 0x%x) overlaps the shim at [0x%x, 0x%x): "
			     "load the kernel at 2 MiB or above", i, s.start, s.end,
			     shim.start, shim.end);
		if (s.end > mem)
			fail("segment %u at [0x%x, 0x%x) ends beyond RAM (0x%x): raise -m", i,
			     s.start, s.end, mem);
		if (overlaps(s, module))
			fail("segment %u at [0x%x, 0x%x) overlaps QEMU's copy of the kernel "
			     "file at [0x%x, 0x%x): raise -m", i, s.start, s.end,
			     module.start, module.end);
	}
}

/* §8: the initrd ends where the first RAM region does (below the 32-bit
 * gap), its start rounded down to a page. */
static struct fc_initrd place_initrd(enum fc_version v, uint32_t mem)
{
	const uint32_t bound = v == FC_HEAD ? FC_INITRD_BOUND : FC_INITRD_BOUND_V1_7;
	const uint32_t top = mem < bound ? mem : bound;
	struct fc_initrd initrd = { 0, 0 };

	if (!fwcfg_find_file(INITRD_FILE, &initrd.size))
		return initrd;
	if (initrd.size == 0)
		fail("fw_cfg file %s is empty", INITRD_FILE);
	if (initrd.size > top)
		fail("initrd of 0x%x bytes does not fit below 0x%x", initrd.size, top);
	initrd.addr = (top - initrd.size) & ~(PAGE_SIZE - 1);
	return initrd;
}

/* Firecracker checks nothing (§8) and would copy the initrd over the
 * kernel; the shim refuses that, and anything over itself. */
static void check_initrd(const struct fc_initrd *initrd, const struct kernel_image *k)
{
	const struct range r = { initrd->addr, initrd->addr + initrd->size };
	const uint32_t shim_end = page_up((uint32_t)(uintptr_t)__shim_end);

	if (!initrd->size)
		return;
	if (r.start < shim_end)
		fail("initrd at [0x%x, 0x%x) reaches below the shim's end 0x%x: raise -m",
		     r.start, r.end, shim_end);
	for (uint32_t i = 0; i < k->nseg; i++) {
		const struct range s = { k->seg[i].paddr, k->seg[i].paddr + k->seg[i].memsz };

		if (overlaps(r, s))
			fail("initrd at [0x%x, 0x%x) overlaps segment %u at [0x%x, 0x%x): "
			     "raise -m", r.start, r.end, i, s.start, s.end);
	}
}

/* Copies the initrd into place once the kernel file's copy, which QEMU
 * put near the top of RAM too, is gone. */
static void load_initrd(const struct fc_initrd *initrd)
{
	uint32_t sum = 0;

	if (!initrd->size) {
		report("initrd none");
		return;
	}
	fwcfg_read_file(INITRD_FILE, initrd->addr, initrd->size);
	for (uint32_t a = initrd->addr; a < initrd->addr + initrd->size; a++)
		sum += get8(a);
	report("initrd addr=0x%x size=%u end=0x%x sum=0x%x", initrd->addr, initrd->size,
	       initrd->addr + initrd->size, sum);
}

/* Firecracker's RAM is fresh and zero: wipe what firmware and QEMU left
 * above the shim, load the kernel, then wipe the kernel file's copy. */
static void load_kernel(const struct kernel_image *k, uint32_t mem, struct range module)
{
	const uint32_t shim_end = page_up((uint32_t)(uintptr_t)__shim_end);
	uint32_t dirty;

	memory_clear_low();
	dirty = memory_scrub(shim_end, module.start) + memory_scrub(module.end, mem);
	elf_load(k);
	memory_zero(module.start, module.end);
	report("scrubbed addr=0x%x size=0x%x dirty_pages=%u", shim_end, mem - shim_end,
	       dirty + (module.end - module.start) / PAGE_SIZE);
}

/* Firecracker's fixed MMCONFIG window, or with --enable-pci (§6, §10,
 * §11) the ECAM QEMU really decodes, so that the kernel reaches its
 * devices. */
static void choose_ecam(const struct fc_options *o, struct fc_ecam *e)
{
	if (!o->pci) {
		*e = (struct fc_ecam){ FC_MMCONFIG_START, FC_MMCONFIG_SIZE,
				       FC_MMCONFIG_BUS_END };
		report("pci=off");
		return;
	}
	pci_read_ecam(e);
	report("pci=on ecam=0x%llx size=0x%x buses=0-%u", (unsigned long long)e->base,
	       e->size, e->bus_end);
}

static void write_cmdline(const char *boot_args, const struct fc_options *o,
			  const struct virtio_mmio_dev *devs, uint32_t ndev,
			  uint32_t *size)
{
	static char line[FC_CMDLINE_MAX];

	for (uint32_t i = 0; i < ndev; i++)
		report("virtio_mmio[%u] base=0x%x size=0x%x gsi=%u token=\"%s\"", i,
		       devs[i].base, devs[i].size, devs[i].gsi, devs[i].token);
	report("boot_args \"%s\"", boot_args);
	*size = build_fc_cmdline(line, boot_args, o->version, o->pci, devs, ndev);
	put_bytes(FC_CMDLINE_ADDR, line, *size);
	report("cmdline addr=0x%x size=%u \"%s\"", FC_CMDLINE_ADDR, *size,
	       (const char *)phys(FC_CMDLINE_ADDR));
}

void fcshim_main(uint32_t start_info);

void fcshim_main(uint32_t start_info)
{
	static struct qemu_boot qb;
	static struct virtio_mmio_dev devs[VIRTIO_MAX_DEVICES];
	static struct kernel_image k;
	struct fc_region map[FC_MAX_REGIONS];
	struct fc_options o;
	struct fc_ecam ecam;
	struct range module;
	struct fc_initrd initrd;
	const char *boot_args, *why;
	enum fc_entry entry;
	uint32_t ndev, cpus, mem, nmap, cmdline_size, tables;

	console_init();
	idt_init();
	report("shim addr=0x%x end=0x%x", (uint32_t)(uintptr_t)__shim_start,
	       (uint32_t)(uintptr_t)__shim_end);
	qemu_boot_read(start_info, &qb);
	ndev = take_qemu_mmio_tokens(qb.cmdline, devs, VIRTIO_MAX_DEVICES);
	boot_args = options_parse(qb.cmdline, &o);

	fwcfg_check();
	cpus = fwcfg_cpus();
	if (cpus == 0 || cpus > FC_MAX_VCPUS)
		fail("%u vCPUs: Firecracker allows 1 to %u", cpus, FC_MAX_VCPUS);
	mem = memory_check();
	elf_inspect(qb.module_addr, qb.module_size, &k);
	entry = choose_entry(&o, &k, &why);
	report("version=%s", fc_version_name(o.version));
	report("entry=%s why=%s", fc_entry_name(entry), why);
	report("cpus=%u", cpus);
	report("mem=0x%x mib=%u", mem, mem >> 20);
	choose_ecam(&o, &ecam);

	/* Whole pages: they are wiped after loading. */
	module = (struct range){ qb.module_addr & ~(PAGE_SIZE - 1),
				 page_up(qb.module_addr + qb.module_size) };
	check_placement(&k, mem, module);
	initrd = place_initrd(o.version, mem);
	check_initrd(&initrd, &k);
	load_kernel(&k, mem, module);
	load_initrd(&initrd);

	write_cmdline(boot_args, &o, devs, ndev, &cmdline_size);
	nmap = fc_memory_map(o.version, mem, &ecam, map);
	tables = write_mptable(cpus);
	report_mp_scan();
	if (o.version == FC_HEAD)
		write_acpi(tables, cpus, devs, ndev, &ecam);
	else
		report("acpi none");
	report_rsdp_scan();
	if (entry == FC_ENTRY_LINUX64)
		write_zero_page(o.version, map, nmap, cmdline_size, &initrd);
	else
		write_start_info(map, nmap, &initrd);

	devices_normalise();
	enter_kernel(o.version, entry, entry == FC_ENTRY_LINUX64 ? k.entry : k.pvh_entry);
}
