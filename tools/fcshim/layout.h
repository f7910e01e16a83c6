/* Firecracker's guest-physical layout and limits, as the boot contract
 * (docs: firecracker-boot-contract.md) states them; section in each comment. */
#ifndef FCSHIM_LAYOUT_H
#define FCSHIM_LAYOUT_H

#define FC_GDT_ADDR 0x500u		/* §4.2: four descriptors */
#define FC_GDT_LIMIT 0x1Fu
#define FC_IDT_ADDR 0x520u		/* §4.2: one zero quadword */
#define FC_IDT_LIMIT 0x7u
#define FC_START_INFO_ADDR 0x6000u	/* §7: hvm_start_info */
#define FC_MODLIST_ADDR 0x6040u		/* §3, §7: hvm_modlist_entry of the initrd */
#define FC_ZERO_PAGE_ADDR 0x7000u	/* §5: boot_params */
#define FC_MEMMAP_ADDR 0x7000u		/* §7: PVH memory map */
#define FC_BOOT_STACK 0x8FF0u		/* §4.1: RSP = RBP */
#define FC_PML4_ADDR 0x9000u		/* §4.3 */
#define FC_PDPT_ADDR 0xA000u		/* §4.3 */
#define FC_PD_ADDR 0xB000u		/* §4.3 */
#define FC_CMDLINE_ADDR 0x20000u	/* §6 */
#define FC_CMDLINE_MAX 2048u		/* §6: capacity, NUL included */
#define FC_MPTABLE_ADDR 0x9FC00u	/* §9 */
#define FC_SYSTEM_MEM_END 0xE0000u	/* §5.1: reserved [0x9FC00, 0xE0000) */
#define FC_RSDP_ADDR 0xE0000u		/* §10 */
#define FC_HIMEM_START 0x100000u	/* §2: lowest e_entry; §5.1: RAM from 1 MiB */
#define FC_IDENTITY_MAP_END 0x40000000u	/* §4.3: [0, 1 GiB) mapped */
#define FC_MMCONFIG_START 0xEEC00000u	/* §5.1 entry 3 */
#define FC_MMCONFIG_SIZE 0x10000000u
#define FC_MMCONFIG_BUS_END 0u		/* §10: MCFG buses 0-0 */
#define FC_IOAPIC_ADDR 0xFEC00000u	/* §1, §9, §10 */
#define FC_LAPIC_ADDR 0xFEE00000u	/* §1, §9, §10 */
#define FC_INITRD_BOUND 0xC0000000u	/* §8: initrd below 3 GiB (HEAD, v1.13+) */
#define FC_INITRD_BOUND_V1_7 0xD0000000u	/* §8: before v1.13 */
#define FC_MAX_VCPUS 32u		/* §4.5 */
#define FC_IRQ_PINS 24u			/* §9, §11: IOAPIC pins */
#define FC_FIRST_DEVICE_GSI 5u		/* §10, §11: V<nnn> = GSI - 5 */

/* Low memory that QEMU's pc/q35 do not back with RAM (VGA window); the
 * BIOS area above it is RAM once the PAM registers re-open it (§17.2.4). */
#define LEGACY_VGA_START 0xA0000u
#define LEGACY_BIOS_START 0xC0000u

#endif
