#include <flint/ksyms.h>
#include <stddef.h>

/* Emitted by tools/gen-ksyms.sh, sorted by address. */
struct ksym {
	uint64_t addr;
	uint32_t name;		/* offset into ksym_names */
	uint32_t pad;
};
extern const struct ksym ksym_table[];
extern const uint64_t ksym_count;
extern const char ksym_names[];
extern const char __text_start[], __text_end[];

const char *ksym_lookup(uint64_t addr, uint64_t *offset)
{
	size_t lo = 0, hi = ksym_count;

	if (addr < (uint64_t)__text_start || addr >= (uint64_t)__text_end || !hi)
		return NULL;
	/* Find the last symbol at or below addr. */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (ksym_table[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	if (ksym_table[lo].addr > addr)
		return NULL;
	*offset = addr - ksym_table[lo].addr;
	return ksym_names + ksym_table[lo].name;
}
