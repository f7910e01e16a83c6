/* Exception gates for the shim's own run time. Firecracker's IDT (limit 7,
 * no usable gate) is loaded only at the final hand-over. */
#include <stdint.h>

#include "console.h"
#include "idt.h"

#define EXCEPTION_VECTORS 32u
#define SHIM_CS32 0x20u			/* entry.S: the shim's code selector */
#define GATE_INTERRUPT_32 0x8E00u	/* present, DPL 0, 32-bit interrupt gate */

extern const uint32_t shim_exc_stubs[EXCEPTION_VECTORS];

static uint64_t idt[EXCEPTION_VECTORS];

void idt_init(void)
{
	struct __attribute__((packed)) {
		uint16_t limit;
		uint32_t base;
	} idtr = { sizeof(idt) - 1, (uint32_t)(uintptr_t)idt };

	for (uint32_t v = 0; v < EXCEPTION_VECTORS; v++) {
		uint32_t off = shim_exc_stubs[v];

		idt[v] = (uint64_t)(off & 0xFFFF0000u) << 32 |
			 (uint64_t)GATE_INTERRUPT_32 << 32 |
			 (uint64_t)SHIM_CS32 << 16 | (off & 0xFFFFu);
	}
	__asm__ volatile("lidt %0" : : "m"(idtr));
}

/* Called from entry.S with the vector, the error code (0 if the CPU
 * pushes none) and the faulting EIP. */
void shim_exception(uint32_t vector, uint32_t error, uint32_t eip);

void shim_exception(uint32_t vector, uint32_t error, uint32_t eip)
{
	fail("CPU exception %u (error code 0x%x) at eip 0x%x", vector, error, eip);
}
