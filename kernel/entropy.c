/*
 * The entropy pool: four 64-bit words that every input byte is stirred
 * into, and a count of the bytes credited. Output is the pool stirred
 * again and mixed with RDRAND (Intel SDM vol. 2, "RDRAND") when the CPU
 * has it. The mixing is a hash, not a cipher; random bytes for programs
 * come from entropy_random, a ChaCha20 generator (RFC 8439) keyed from
 * the pool, the cycle counter and RDRAND, that rekeys itself after every
 * request (its old key cannot be recovered from its new state).
 */
#include <arch/cpu.h>
#include <flint/entropy.h>
#include <flint/string.h>
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
/* RFC 8439 §2.3: the constant words "expand 32-byte k", 20 rounds. */
#define CHACHA_C0 0x61707865u
#define CHACHA_C1 0x3320646eu
#define CHACHA_C2 0x79622d32u
#define CHACHA_C3 0x6b206574u
#define CHACHA_DOUBLE_ROUNDS 10
#define CHACHA_WORDS 16
#define CHACHA_KEY_WORDS 8
#define CHACHA_BLOCK (CHACHA_WORDS * 4)

static spinlock_t lock;
static uint64_t pool[POOL_WORDS];
static size_t credit;
static int have_rdrand = -1;		/* unknown until first used */
static uint32_t chacha_key[CHACHA_KEY_WORDS];	/* under lock */
static uint64_t chacha_calls;

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

static uint32_t rotl(uint32_t v, unsigned n)
{
	return v << n | v >> (32 - n);
}

static void quarter(uint32_t *x, unsigned a, unsigned b, unsigned c, unsigned d)
{
	x[a] += x[b]; x[d] = rotl(x[d] ^ x[a], 16);
	x[c] += x[d]; x[b] = rotl(x[b] ^ x[c], 12);
	x[a] += x[b]; x[d] = rotl(x[d] ^ x[a], 8);
	x[c] += x[d]; x[b] = rotl(x[b] ^ x[c], 7);
}

/* RFC 8439 §2.3: one 64-byte block for the key, counter and nonce. */
static void chacha_block(const uint32_t key[CHACHA_KEY_WORDS], uint32_t counter,
			 uint64_t nonce, uint32_t out[CHACHA_WORDS])
{
	uint32_t in[CHACHA_WORDS] = { CHACHA_C0, CHACHA_C1, CHACHA_C2, CHACHA_C3 };

	for (unsigned i = 0; i < CHACHA_KEY_WORDS; i++)
		in[4 + i] = key[i];
	in[12] = counter;
	in[13] = 0;
	in[14] = (uint32_t)nonce;
	in[15] = (uint32_t)(nonce >> 32);
	for (unsigned i = 0; i < CHACHA_WORDS; i++)
		out[i] = in[i];
	for (unsigned r = 0; r < CHACHA_DOUBLE_ROUNDS; r++) {
		quarter(out, 0, 4, 8, 12);
		quarter(out, 1, 5, 9, 13);
		quarter(out, 2, 6, 10, 14);
		quarter(out, 3, 7, 11, 15);
		quarter(out, 0, 5, 10, 15);
		quarter(out, 1, 6, 11, 12);
		quarter(out, 2, 7, 8, 13);
		quarter(out, 3, 4, 9, 14);
	}
	for (unsigned i = 0; i < CHACHA_WORDS; i++)
		out[i] += in[i];
}

/* The key takes in what is fresh now: the pool, the cycle counter (its
 * low bits vary with every interrupt and exit the boot took) and RDRAND. */
static void reseed(void)
{
	for (unsigned i = 0; i < CHACHA_KEY_WORDS; i++) {
		uint64_t hw = 0, v;

		rdrand(&hw);
		v = mix(pool[i % POOL_WORDS] ^ hw ^ rdtsc() ^ (uint64_t)i << 56);
		chacha_key[i] ^= (uint32_t)v ^ (uint32_t)(v >> 32);
	}
}

void entropy_random(void *buf, size_t n)
{
	unsigned char *out = buf;
	unsigned long flags = spin_lock_irqsave(&lock);
	uint32_t block[CHACHA_WORDS];
	uint32_t counter = 0;
	uint64_t nonce;

	reseed();
	nonce = ++chacha_calls;
	/* Block 0 becomes the next key (fast key erasure), the rest output. */
	chacha_block(chacha_key, counter++, nonce, block);
	for (unsigned i = 0; i < CHACHA_KEY_WORDS; i++)
		chacha_key[i] = block[i];
	while (n) {
		size_t take = n < CHACHA_BLOCK ? n : CHACHA_BLOCK;

		chacha_block(chacha_key, counter++, nonce, block);
		memcpy(out, block, take);
		out += take;
		n -= take;
	}
	memset(block, 0, sizeof(block));
	spin_unlock_irqrestore(&lock, flags);
}
