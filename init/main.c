/*
 * The composition root: the only file that knows the boot order. Every
 * boot entry (arch/x86_64/boot.c) ends here with a normalised bootinfo,
 * and every stage below is stamped by the bootchart.
 */
#include <flint/arch.h>
#include <flint/bootchart.h>
#include <flint/bootinfo.h>
#include <flint/cmdline.h>
#include <flint/crashtest.h>
#include <flint/firmware.h>
#include <flint/init.h>
#include <flint/linux.h>
#include <flint/net.h>
#include <flint/page_alloc.h>
#include <flint/param.h>
#include <flint/pci.h>
#include <flint/power.h>
#include <flint/printk.h>
#include <flint/profile.h>
#include <flint/sched.h>
#include <flint/serial.h>
#include <flint/socket.h>
#include <flint/thread.h>
#include <flint/vfs.h>
#include <flint/virtio_boot.h>
#include <flint/virtio_mmio.h>

#define STATUS_NO_DISK 1	/* the exit status when root= or mount= failed */

static struct platform platform;

void start_kernel(struct bootinfo *bi)
{
	unsigned cpus;
	int status;

	bootchart_begin(bi->tsc_start);
	for (unsigned i = 0; i < bi->nloader_stages; i++)
		bootchart_mark(bi->loader_stage[i].name, bi->loader_stage[i].tsc);
	bootchart_stage("entry");
	arch_clock_init();
	bootchart_stage("clock");
	serial_init();
	bootchart_stage("console");
	arch_cpu_init();
	bootchart_stage("cpu");
	cmdline_init(bi->cmdline);
	bootchart_stage("cmdline");
	bootinfo_show(bi);
	memory_init(bi);
	bootchart_stage("memory");
	platform_discover(&platform, bi);
	power_init(&platform);
	bootchart_stage("platform");
	arch_irq_init(&platform);
	bootchart_stage("irq");
	pci_init(&platform);
	bootchart_stage("pci");
	cpus = arch_smp_start(&platform);
	bootchart_stage("smp");
	sched_start(cpus);
	bootchart_stage("sched");
	profile_start();
	virtio_rng_init();
	virtio_blk_init();
	virtio_net_init();
	virtio_mmio_probe(&kernel_cmdline);
	virtio_mmio_probe_platform(&platform);
	virtio_pci_probe();
	bootchart_stage("virtio");
	fs_init(bi);
	bootchart_stage("fs");
	net_init();
	socket_inet_init();
	socket_local_init();
	bootchart_stage("net");
	thread_selftest();
	virtio_selftest();
	virtio_blk_selftest();
	ext2_selftest();
	virtio_net_selftest();
	virtio_blk_bench();

	crashtest_run();
	bootchart_report();
	printk("Flint booted in %llu us (entry=%s, cpus=%u, mem=%llu MiB)\n",
	       (unsigned long long)bootchart_total_us(), boot_entry_name(bi->entry), cpus,
	       (unsigned long long)(memmap_total(&bi->memmap, MEMMAP_RAM) >> 20));
	/* A program whose disks are not where the command line put them
	 * would write to the initrd's memory instead, as if it were them. */
	if (mount_boot_failures()) {
		printk("flint: not starting the program: root= or mount= failed\n");
		status = STATUS_NO_DISK;
	} else {
		status = linux_run(&kernel_cmdline);
	}
	/* The filesystems are left clean, and what the disks hold in their
	 * write caches reaches them, before the VM goes. */
	vfs_shutdown();
	blkdev_sync_all();
	net_show();
	profile_show();
	power_off(status);
}
