/* ELF64 parsing with Firecracker's checks only (contract §2): magic,
 * little-endian data, e_phentsize 56, e_phoff >= 64, e_entry >= 1 MiB.
 * Class, machine and type are not checked: the header is read as ELF64. */
#include <flint/string.h>
#include <stddef.h>

#include "console.h"
#include "elf.h"
#include "guest.h"
#include "layout.h"

#define EI_DATA 5
#define ELFDATA2LSB 1
#define PT_LOAD 1u
#define PT_NOTE 4u
#define XEN_ELFNOTE_PHYS32_ENTRY 18u	/* §2 */
#define NOTE_ALIGN 4u			/* §2: notes are walked 4-byte aligned */

struct elf64_ehdr {
	uint8_t e_ident[16];
	uint16_t e_type, e_machine;
	uint32_t e_version;
	uint64_t e_entry, e_phoff, e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
};

struct elf64_phdr {
	uint32_t p_type, p_flags;
	uint64_t p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align;
};

struct elf_note {
	uint32_t namesz, descsz, type;
};

_Static_assert(sizeof(struct elf64_ehdr) == 64, "ELF64 header layout");
_Static_assert(sizeof(struct elf64_phdr) == 56, "ELF64 program header layout");
_Static_assert(offsetof(struct elf64_phdr, p_offset) == 8, "p_offset");

/* Copies len bytes at offset off of the file, refusing reads past its end
 * (where Firecracker's loader fails with a read error). */
static void read_file(const struct kernel_image *k, uint64_t off, void *dst,
		      uint32_t len, const char *what)
{
	if (off > k->file_size || len > k->file_size - off)
		fail("kernel ELF: %s at file offset 0x%llx+0x%x is past the end "
		     "of the 0x%x-byte file", what, (unsigned long long)off, len,
		     k->file_size);
	memcpy(dst, (const void *)phys(k->file + (uint32_t)off), len);
}

static uint32_t align_up(uint32_t v)
{
	return (v + NOTE_ALIGN - 1) & ~(NOTE_ALIGN - 1);
}

/* Walks one PT_NOTE segment as linux-loader does; the last note segment
 * decides whether a PVH entry exists. */
static void scan_notes(struct kernel_image *k, const struct elf64_phdr *ph)
{
	uint64_t pos = 0;

	k->has_pvh_note = false;
	while (pos < ph->p_filesz) {
		struct elf_note n;
		char name[4];
		uint64_t at = ph->p_offset + pos;

		read_file(k, at, &n, sizeof(n), "note header");
		if (n.type == XEN_ELFNOTE_PHYS32_ENTRY && n.namesz == sizeof(name)) {
			read_file(k, at + sizeof(n), name, sizeof(name), "note name");
			if (!memcmp(name, "Xen", sizeof(name))) {
				if (n.descsz < sizeof(k->pvh_entry))
					fail("kernel ELF: Xen PHYS32_ENTRY note with a "
					     "%u-byte descriptor (Firecracker needs 4)",
					     n.descsz);
				read_file(k, at + sizeof(n) + align_up(n.namesz),
					  &k->pvh_entry, sizeof(k->pvh_entry),
					  "note descriptor");
				k->has_pvh_note = true;
				return;
			}
		}
		pos += sizeof(n) + (uint64_t)align_up(n.namesz) + align_up(n.descsz);
	}
}

static void add_segment(struct kernel_image *k, uint32_t index,
			const struct elf64_phdr *ph)
{
	struct kernel_segment *s = &k->seg[k->nseg];
	uint64_t extent = ph->p_memsz > ph->p_filesz ? ph->p_memsz : ph->p_filesz;

	if (k->nseg == KERNEL_MAX_SEGMENTS)
		fail("kernel ELF: more than %u PT_LOAD segments", KERNEL_MAX_SEGMENTS);
	if (ph->p_paddr + extent > FC_IDENTITY_MAP_END || ph->p_paddr + extent < ph->p_paddr)
		fail("kernel ELF: segment %u at 0x%llx+0x%llx ends above 1 GiB", index,
		     (unsigned long long)ph->p_paddr, (unsigned long long)extent);
	if (ph->p_offset > k->file_size || ph->p_filesz > k->file_size - ph->p_offset)
		fail("kernel ELF: segment %u's file bytes 0x%llx+0x%llx run past the "
		     "end of the 0x%x-byte file", index, (unsigned long long)ph->p_offset,
		     (unsigned long long)ph->p_filesz, k->file_size);
	s->offset = (uint32_t)ph->p_offset;
	s->paddr = (uint32_t)ph->p_paddr;
	s->filesz = (uint32_t)ph->p_filesz;
	s->memsz = (uint32_t)extent;
	k->nseg++;
}

void elf_inspect(uint32_t file, uint32_t size, struct kernel_image *k)
{
	struct elf64_ehdr eh;

	k->file = file;
	k->file_size = size;
	k->nseg = 0;
	k->has_pvh_note = false;
	read_file(k, 0, &eh, sizeof(eh), "ELF header");
	if (memcmp(eh.e_ident, "\177ELF", 4))
		fail("module 0 is not an ELF file (no \\177ELF magic)");
	if (eh.e_ident[EI_DATA] != ELFDATA2LSB)
		fail("kernel ELF is not little-endian");
	if (eh.e_phentsize != sizeof(struct elf64_phdr))
		fail("kernel ELF: e_phentsize %u, Firecracker needs 56 (an ELF64 file)",
		     eh.e_phentsize);
	if (eh.e_phoff < sizeof(eh))
		fail("kernel ELF: e_phoff 0x%llx is inside the ELF header",
		     (unsigned long long)eh.e_phoff);
	if (eh.e_entry < FC_HIMEM_START)
		fail("kernel ELF: e_entry 0x%llx is below 0x%x", (unsigned long long)eh.e_entry,
		     FC_HIMEM_START);
	if (eh.e_entry >= FC_IDENTITY_MAP_END)
		fail("kernel ELF: e_entry 0x%llx is outside the 1 GiB identity map",
		     (unsigned long long)eh.e_entry);
	k->entry = (uint32_t)eh.e_entry;

	for (uint32_t i = 0; i < eh.e_phnum; i++) {
		struct elf64_phdr ph;

		read_file(k, eh.e_phoff + (uint64_t)i * sizeof(ph), &ph, sizeof(ph),
			  "program header");
		if (ph.p_type == PT_NOTE)
			scan_notes(k, &ph);
		else if (ph.p_type == PT_LOAD)
			add_segment(k, i, &ph);
	}
	if (k->has_pvh_note)
		report("kernel e_entry=0x%x pvh_entry=0x%x segments=%u", k->entry,
		       k->pvh_entry, k->nseg);
	else
		report("kernel e_entry=0x%x pvh_entry=none segments=%u", k->entry, k->nseg);
	for (uint32_t i = 0; i < k->nseg; i++)
		report("load[%u] paddr=0x%x filesz=0x%x memsz=0x%x", i, k->seg[i].paddr,
		       k->seg[i].filesz, k->seg[i].memsz);
}

void elf_load(const struct kernel_image *k)
{
	for (uint32_t i = 0; i < k->nseg; i++) {
		const struct kernel_segment *s = &k->seg[i];

		memcpy((void *)phys(s->paddr), (const void *)phys(k->file + s->offset),
		       s->filesz);
		memset((void *)phys(s->paddr + s->filesz), 0, s->memsz - s->filesz);
	}
}
