/*
 * PCI enumeration (drivers/pci.c): every function on bus 0 and on the
 * buses behind PCI-PCI bridges, as the firmware numbered and programmed
 * them, kept in a small registry for the drivers that come later.
 */
#ifndef FLINT_PCI_H
#define FLINT_PCI_H

#include <flint/platform.h>
#include <stdbool.h>
#include <stdint.h>

#define PCI_MAX_DEVICES 64
#define PCI_MAX_BARS 6
#define PCI_MAX_CAPS 48		/* also the bound on the capability walk */

enum pci_bar_type { PCI_BAR_NONE, PCI_BAR_IO, PCI_BAR_MEM32, PCI_BAR_MEM64 };

struct pci_bar {
	uint64_t base;
	uint64_t size;
	enum pci_bar_type type;	/* a 64-bit BAR's upper half stays NONE */
	bool prefetchable;
};

struct pci_cap {
	uint8_t id;
	uint8_t offset;		/* in configuration space */
};

struct pci_device {
	uint8_t bus, dev, fn;
	uint8_t header_type;	/* without the multi-function bit */
	uint16_t vendor, device;
	uint32_t class;		/* base class << 16 | subclass << 8 | prog-if */
	uint8_t revision;
	uint16_t subsys_vendor, subsys_id;	/* header type 0 only */
	uint8_t irq_line, irq_pin;		/* pin 0: none, 1-4: INTA-INTD */
	uint8_t secondary_bus;			/* bridges only */
	struct pci_bar bar[PCI_MAX_BARS];
	unsigned ncaps;
	struct pci_cap cap[PCI_MAX_CAPS];	/* in list order */
};

/*
 * Configuration space access, 32 bits at a time (off a multiple of 4).
 * A function that does not exist reads all ones.
 */
struct pci_config_ops {
	uint32_t (*read32)(unsigned bus, unsigned dev, unsigned fn, unsigned off);
	void (*write32)(unsigned bus, unsigned dev, unsigned fn, unsigned off, uint32_t v);
};

typedef void (*pci_warn_fn)(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Fills the registry from bus 0 down through every bridge, sizing BARs and
 * walking capability lists; nonsense is reported through warn and skipped.
 * Returns how many buses were scanned.
 */
unsigned pci_scan(const struct pci_config_ops *ops, pci_warn_fn warn);

/* The boot's enumeration through ECAM when p has one, else ports
 * 0xCF8/0xCFC; nothing with pci=off. */
void pci_init(const struct platform *p);

const struct pci_device *pci_devices(void);
unsigned pci_count(void);

/* The configuration-space offset of d's first capability id, or 0. */
unsigned pci_find_cap(const struct pci_device *d, uint8_t id);

/*
 * d's configuration space through the access method the enumeration used
 * (off naturally aligned for the width). The 16- and 8-bit reads and the
 * 16-bit write go through the enclosing dword; the write is a
 * read-modify-write, so it must not target a dword that holds
 * write-one-to-clear bits (the command register has pci_enable).
 */
uint32_t pci_config_read32(const struct pci_device *d, unsigned off);
uint16_t pci_config_read16(const struct pci_device *d, unsigned off);
uint8_t pci_config_read8(const struct pci_device *d, unsigned off);
void pci_config_write32(const struct pci_device *d, unsigned off, uint32_t v);
void pci_config_write16(const struct pci_device *d, unsigned off, uint16_t v);

/* Sets the command register's I/O space, memory space and bus master
 * bits where asked (never clears any). */
void pci_enable(const struct pci_device *d, bool io, bool mem, bool bus_master);

/*
 * MSI-X (PCI 3.0 §6.8.2): entry of d's table, which lies in the memory BAR
 * its capability names, is set to write data at addr, unmasked; then
 * pci_msix_enable turns MSI-X on with the function mask clear. Both return
 * 0, or -1 with a console message (no MSI-X capability, no such entry, a
 * table outside its BAR).
 */
int pci_msix_vector(const struct pci_device *d, unsigned entry, uint64_t addr, uint32_t data);
int pci_msix_enable(const struct pci_device *d);

#endif
