/*
 * The entropy pool: four 64-bit words that every input byte is stirred
 * into, and a count of the bytes credited. Output is the pool stirred
 * again and mixed with RDRAND (Intel SDM vol. 2, "RDRAND") when the CPU
 * has it. Not a CSPRNG: the mixing is a hash, not a cipher.
 */
#include <arch/cpu.h>
#include <flint/entropy.h>
#include <flint/sync.h>

#define CPUID_FEATURES 1
#define CPUID_ECX_RDRAND (1u << 30)
#define RDRAND_RETRIES 10		/* the SDM's advice for a transient underflow */
#define POOL_WORDS 4
#define CREDIT_MAX (POOL_WORDS * 8)
/* splitmix64's constants (Steele, Lea, Flood 2014). */
#define MIX_GAMMA 0x9e3779b97f4a7c15ull
#define MIX_MUL1 0xbf58476d1ce4e5b9ull
#define MIX_MUL2 0x94d049bb133111ebull

static spinlock_t lock;
static uint64_t pool[POOL_WORDS];
static size_t credit;
static int have_rdrand = -1;		/* unknown until first used */

static uint64_t mix(uint64_t x)
{
	x += MIX_GAMMA;
	x = (x ^ (x >> 30)) * MIX_MUL1;
	x = (x ^ (x >> 27)) * MIX_MUL2;
	return x ^ (x >> 31);
}

static void stir(unsigned i, uint64_t v)
{
	pool[i % POOL_WORDS] = mix(pool[i % POOL_WORDS] ^ v ^ pool[(i + 1) % POOL_WORDS]);
}

static int rdrand(uint64_t *v)
{
	if (have_rdrand < 0)
		have_rdrand = !!(cpuid(CPUID_FEATURES, 0).ecx & CPUID_ECX_RDRAND);
	if (!have_rdrand)
		return -1;
	for (unsigned i = 0; i < RDRAND_RETRIES; i++) {
		unsigned char ok;

		__asm__ volatile("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok) : : "cc");
		if (ok)
			return 0;
	}
	return -1;
}

void entropy_add(const void *buf, size_t n)
{
	const unsigned char *p = buf;
	unsigned long flags = spin_lock_irqsave(&lock);

	for (size_t i = 0; i < n; i++)
		stir((unsigned)i, p[i] | (uint64_t)i << 8);
	credit = credit + n > CREDIT_MAX ? CREDIT_MAX : credit + n;
	spin_unlock_irqrestore(&lock, flags);
}

size_t entropy_get(void *buf, size_t n)
{
	unsigned char *out = buf;
	unsigned long flags = spin_lock_irqsave(&lock);
	size_t given = 0;

	while (given < n) {
		uint64_t hw, word;
		int fresh = rdrand(&hw) == 0;

		if (!fresh && !credit)
			break;
		stir((unsigned)given / 8, fresh ? hw : given);
		word = mix(pool[0] ^ pool[1] ^ pool[2] ^ pool[3]);
		for (unsigned b = 0; b < 8 && given < n && (fresh || credit); b++, given++) {
			out[given] = (unsigned char)(word >> (8 * b));
			if (!fresh)
				credit--;
		}
	}
	spin_unlock_irqrestore(&lock, flags);
	return given;
}
