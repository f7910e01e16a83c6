/* The kernel's entropy pool (kernel/entropy.c): devices (virtio-rng) feed
 * it, RDRAND is mixed in where the CPU has it; a ChaCha20 generator keyed
 * from it serves programs. */
#ifndef FLINT_ENTROPY_H
#define FLINT_ENTROPY_H

#include <stddef.h>

/* Mixes n bytes into the pool and credits them as entropy. */
void entropy_add(const void *buf, size_t n);

/* Fills up to n bytes; returns how many it could give: all of them with
 * RDRAND, else no more than the bytes credited since the last call. */
size_t entropy_get(void *buf, size_t n);

/* n bytes from a ChaCha20 generator keyed from the pool; never blocks.
 * As strong as what seeded it: without RDRAND or a virtio-rng device that
 * is the cycle counter's timing jitter only. */
void entropy_random(void *buf, size_t n);

#endif
