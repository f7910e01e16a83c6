/* fw_cfg over the legacy I/O interface: write a key to the selector port,
 * then read the item from the data port, one byte per access. */
#include <arch/io.h>
#include <flint/string.h>

#include "console.h"
#include "fwcfg.h"

#define FW_CFG_PORT_SEL 0x510u
#define FW_CFG_PORT_DATA 0x511u
#define FW_CFG_SIGNATURE 0x00u	/* "QEMU" */
#define FW_CFG_RAM_SIZE 0x03u	/* u64, little-endian */
#define FW_CFG_NB_CPUS 0x05u	/* u16, little-endian */
#define FW_CFG_FILE_DIR 0x19u	/* big-endian count, then 64-byte entries */
#define FW_CFG_FILE_NAME_MAX 56u
#define E820_FILE "etc/e820"
#define E820_ENTRY_SIZE 20u	/* u64 addr, u64 size, u32 type */

static void select_item(uint16_t key)
{
	outw(FW_CFG_PORT_SEL, key);
}

static void read_bytes(void *buf, uint32_t len)
{
	uint8_t *b = buf;

	for (uint32_t i = 0; i < len; i++)
		b[i] = inb(FW_CFG_PORT_DATA);
}

static uint64_t read_le(uint32_t len)
{
	uint8_t b[8];
	uint64_t v = 0;

	read_bytes(b, len);
	for (uint32_t i = len; i-- > 0;)
		v = v << 8 | b[i];
	return v;
}

static uint32_t read_be(uint32_t len)
{
	uint8_t b[4];
	uint32_t v = 0;

	read_bytes(b, len);
	for (uint32_t i = 0; i < len; i++)
		v = v << 8 | b[i];
	return v;
}

void fwcfg_check(void)
{
	char sig[4];

	select_item(FW_CFG_SIGNATURE);
	read_bytes(sig, sizeof(sig));
	if (memcmp(sig, "QEMU", sizeof(sig)))
		fail("no QEMU fw_cfg at I/O port 0x%x", FW_CFG_PORT_SEL);
}

uint32_t fwcfg_cpus(void)
{
	select_item(FW_CFG_NB_CPUS);
	return (uint32_t)read_le(2);
}

uint64_t fwcfg_ram_size(void)
{
	select_item(FW_CFG_RAM_SIZE);
	return read_le(8);
}

bool fwcfg_find_file(const char *name, uint32_t *size)
{
	uint32_t count;

	select_item(FW_CFG_FILE_DIR);
	count = read_be(4);
	for (uint32_t i = 0; i < count; i++) {
		uint32_t fsize = read_be(4);
		uint16_t key = (uint16_t)read_be(2);
		char fname[FW_CFG_FILE_NAME_MAX];

		read_be(2);	/* reserved */
		read_bytes(fname, sizeof(fname));
		if (!strncmp(fname, name, sizeof(fname))) {
			select_item(key);
			*size = fsize;
			return true;
		}
	}
	return false;
}

/* Selects the named file; returns its size. */
static uint32_t select_file(const char *name)
{
	uint32_t size;

	if (!fwcfg_find_file(name, &size))
		fail("fw_cfg has no file %s", name);
	return size;
}

/* One string instruction for the whole file: under TCG a C loop of inb
 * and stores costs several times as much per byte. */
void fwcfg_read_file(const char *name, uint32_t addr, uint32_t size)
{
	uint32_t dst = addr, count = size;

	if (select_file(name) != size)
		fail("fw_cfg file %s changed size", name);
	__asm__ volatile("cld; rep insb"
			 : "+D"(dst), "+c"(count)
			 : "d"((uint16_t)FW_CFG_PORT_DATA)
			 : "memory");
}

uint32_t fwcfg_e820(struct fc_region *out, uint32_t max)
{
	uint32_t n = select_file(E820_FILE) / E820_ENTRY_SIZE;

	if (n > max)
		fail("QEMU's %s has %u entries, more than the %u expected",
		     E820_FILE, n, max);
	for (uint32_t i = 0; i < n; i++) {
		out[i].addr = read_le(8);
		out[i].size = read_le(8);
		out[i].type = (uint32_t)read_le(4);
	}
	return n;
}
