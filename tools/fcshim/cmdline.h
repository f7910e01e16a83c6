/* Firecracker's kernel command line (contract §6) and the virtio-mmio
 * tokens QEMU appends on microvm (qemu-test-platform.md §4.3). */
#ifndef FCSHIM_CMDLINE_H
#define FCSHIM_CMDLINE_H

#include <stdbool.h>
#include <stdint.h>

#include "fcshim.h"

/* Cuts the trailing virtio_mmio.device= tokens off cmdline (QEMU appends
 * them after the user's -append) and records them in devs, in order. */
uint32_t take_qemu_mmio_tokens(char *cmdline, struct virtio_mmio_dev *devs,
			       uint32_t max);

/* Writes the command line Firecracker would build from the user's
 * boot_args to out (FC_CMDLINE_MAX bytes), with or without --enable-pci;
 * returns its size with the NUL. */
uint32_t build_fc_cmdline(char *out, const char *boot_args, enum fc_version v,
			  bool pci, const struct virtio_mmio_dev *devs, uint32_t ndev);

#endif
