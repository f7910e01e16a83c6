/* What CPUID says about this CPU, in the words of Linux's /proc/cpuinfo. */
#include <arch/cpu.h>
#include <flint/arch.h>
#include <flint/string.h>

/* Leaves, Intel SDM vol. 2A "CPUID". */
#define LEAF_VENDOR 0
#define LEAF_FEATURES 1
#define LEAF_EXT_FEATURES 7
#define LEAF_EXT_MAX 0x80000000u
#define LEAF_EXT_BITS 0x80000001u
#define LEAF_BRAND 0x80000002u	/* and the two after it */
#define BRAND_LEAVES 3

/* Leaf 1 EAX: the signature's fields. */
#define SIG_STEPPING(a) ((a) & 0xf)
#define SIG_MODEL(a) (((a) >> 4) & 0xf)
#define SIG_FAMILY(a) (((a) >> 8) & 0xf)
#define SIG_EXT_MODEL(a) (((a) >> 16) & 0xf)
#define SIG_EXT_FAMILY(a) (((a) >> 20) & 0xff)
#define FAMILY_P6 6
#define FAMILY_EXTENDED 0xf

enum reg { EBX, ECX, EDX };

struct feature {
	uint32_t leaf;
	enum reg reg;
	unsigned bit;
	const char *name;
};

/* Bits from the SDM's feature tables, named and ordered as Linux's
 * arch/x86/include/asm/cpufeatures.h words are (SSE3 is "pni" there). */
static const struct feature features[] = {
	{ LEAF_FEATURES, EDX, 0, "fpu" },
	{ LEAF_FEATURES, EDX, 1, "vme" },
	{ LEAF_FEATURES, EDX, 2, "de" },
	{ LEAF_FEATURES, EDX, 3, "pse" },
	{ LEAF_FEATURES, EDX, 4, "tsc" },
	{ LEAF_FEATURES, EDX, 5, "msr" },
	{ LEAF_FEATURES, EDX, 6, "pae" },
	{ LEAF_FEATURES, EDX, 7, "mce" },
	{ LEAF_FEATURES, EDX, 8, "cx8" },
	{ LEAF_FEATURES, EDX, 9, "apic" },
	{ LEAF_FEATURES, EDX, 11, "sep" },
	{ LEAF_FEATURES, EDX, 12, "mtrr" },
	{ LEAF_FEATURES, EDX, 13, "pge" },
	{ LEAF_FEATURES, EDX, 14, "mca" },
	{ LEAF_FEATURES, EDX, 15, "cmov" },
	{ LEAF_FEATURES, EDX, 16, "pat" },
	{ LEAF_FEATURES, EDX, 17, "pse36" },
	{ LEAF_FEATURES, EDX, 19, "clflush" },
	{ LEAF_FEATURES, EDX, 23, "mmx" },
	{ LEAF_FEATURES, EDX, 24, "fxsr" },
	{ LEAF_FEATURES, EDX, 25, "sse" },
	{ LEAF_FEATURES, EDX, 26, "sse2" },
	{ LEAF_FEATURES, EDX, 28, "ht" },
	{ LEAF_EXT_BITS, EDX, 11, "syscall" },
	{ LEAF_EXT_BITS, EDX, 20, "nx" },
	{ LEAF_EXT_BITS, EDX, 26, "pdpe1gb" },
	{ LEAF_EXT_BITS, EDX, 27, "rdtscp" },
	{ LEAF_EXT_BITS, EDX, 29, "lm" },
	{ LEAF_FEATURES, ECX, 0, "pni" },
	{ LEAF_FEATURES, ECX, 1, "pclmulqdq" },
	{ LEAF_FEATURES, ECX, 9, "ssse3" },
	{ LEAF_FEATURES, ECX, 12, "fma" },
	{ LEAF_FEATURES, ECX, 13, "cx16" },
	{ LEAF_FEATURES, ECX, 19, "sse4_1" },
	{ LEAF_FEATURES, ECX, 20, "sse4_2" },
	{ LEAF_FEATURES, ECX, 21, "x2apic" },
	{ LEAF_FEATURES, ECX, 22, "movbe" },
	{ LEAF_FEATURES, ECX, 23, "popcnt" },
	{ LEAF_FEATURES, ECX, 24, "tsc_deadline_timer" },
	{ LEAF_FEATURES, ECX, 25, "aes" },
	{ LEAF_FEATURES, ECX, 26, "xsave" },
	{ LEAF_FEATURES, ECX, 28, "avx" },
	{ LEAF_FEATURES, ECX, 29, "f16c" },
	{ LEAF_FEATURES, ECX, 30, "rdrand" },
	{ LEAF_FEATURES, ECX, 31, "hypervisor" },
	{ LEAF_EXT_BITS, ECX, 0, "lahf_lm" },
	{ LEAF_EXT_BITS, ECX, 5, "abm" },
	{ LEAF_EXT_FEATURES, EBX, 0, "fsgsbase" },
	{ LEAF_EXT_FEATURES, EBX, 3, "bmi1" },
	{ LEAF_EXT_FEATURES, EBX, 5, "avx2" },
	{ LEAF_EXT_FEATURES, EBX, 7, "smep" },
	{ LEAF_EXT_FEATURES, EBX, 8, "bmi2" },
	{ LEAF_EXT_FEATURES, EBX, 9, "erms" },
	{ LEAF_EXT_FEATURES, EBX, 16, "avx512f" },
	{ LEAF_EXT_FEATURES, EBX, 18, "rdseed" },
	{ LEAF_EXT_FEATURES, EBX, 19, "adx" },
	{ LEAF_EXT_FEATURES, EBX, 20, "smap" },
	{ LEAF_EXT_FEATURES, EBX, 29, "sha_ni" },
};

_Static_assert(sizeof(features) / sizeof(features[0]) <= ARCH_CPU_FLAGS_MAX,
	       "struct arch_cpuinfo has a place for every flag");

static uint32_t reg_of(const struct cpuid_regs *r, enum reg reg)
{
	return reg == EBX ? r->ebx : reg == ECX ? r->ecx : r->edx;
}

static void read_brand(char *name, size_t size)
{
	uint32_t words[BRAND_LEAVES * 4 + 1] = { 0 };
	const char *s = (const char *)words;

	for (unsigned i = 0; i < BRAND_LEAVES; i++) {
		struct cpuid_regs r = cpuid(LEAF_BRAND + i, 0);

		words[i * 4] = r.eax;
		words[i * 4 + 1] = r.ebx;
		words[i * 4 + 2] = r.ecx;
		words[i * 4 + 3] = r.edx;
	}
	while (*s == ' ')
		s++;
	memcpy(name, s, strnlen(s, size - 1) + 1);
}

void arch_cpuinfo(struct arch_cpuinfo *ci)
{
	struct cpuid_regs vendor = cpuid(LEAF_VENDOR, 0), sig = cpuid(LEAF_FEATURES, 0);
	uint32_t max = vendor.eax, ext_max = cpuid(LEAF_EXT_MAX, 0).eax;
	struct cpuid_regs leaf7 = { 0 }, ext = { 0 };

	*ci = (struct arch_cpuinfo){ 0 };
	memcpy(ci->vendor, &vendor.ebx, 4);
	memcpy(ci->vendor + 4, &vendor.edx, 4);
	memcpy(ci->vendor + 8, &vendor.ecx, 4);
	ci->family = SIG_FAMILY(sig.eax);
	ci->model = SIG_MODEL(sig.eax);
	ci->stepping = SIG_STEPPING(sig.eax);
	if (ci->family == FAMILY_P6 || ci->family == FAMILY_EXTENDED)
		ci->model |= SIG_EXT_MODEL(sig.eax) << 4;
	if (ci->family == FAMILY_EXTENDED)
		ci->family += SIG_EXT_FAMILY(sig.eax);
	if (ext_max >= LEAF_BRAND + BRAND_LEAVES - 1)
		read_brand(ci->model_name, sizeof(ci->model_name));
	if (max >= LEAF_EXT_FEATURES)
		leaf7 = cpuid(LEAF_EXT_FEATURES, 0);
	if (ext_max >= LEAF_EXT_BITS)
		ext = cpuid(LEAF_EXT_BITS, 0);
	for (size_t i = 0; i < sizeof(features) / sizeof(features[0]); i++) {
		const struct feature *f = &features[i];
		const struct cpuid_regs *r = f->leaf == LEAF_FEATURES ? &sig
					     : f->leaf == LEAF_EXT_FEATURES ? &leaf7 : &ext;

		if (reg_of(r, f->reg) & (1u << f->bit))
			ci->flags[ci->nflags++] = f->name;
	}
}
