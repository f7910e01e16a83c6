/*
 * The Linux baseline's helper for make bench (tools/linux-baseline.sh
 * builds it static into the initramfs).
 *
 *   randread now            prints CLOCK_MONOTONIC in nanoseconds
 *   randread DEVICE COUNT   COUNT 4 KiB O_DIRECT reads at the sectors that
 *                           Flint's bench.blk draws (drivers/virtio/blk_bench.c),
 *                           one at a time; prints the reads per second
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <linux/fs.h>
#include <time.h>
#include <unistd.h>

#define READ_SIZE 4096
#define SECTOR 512
#define LCG_SEED 1
#define LCG_MUL 6364136223846793005ull
#define LCG_ADD 1442695040888963407ull
#define LCG_SHIFT 33
#define NSEC_PER_SEC 1000000000ull

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	uint64_t bytes, blocks, x = LCG_SEED, start, ns;
	unsigned long count;
	void *buf;
	int fd;

	if (argc == 2) {
		printf("%llu\n", (unsigned long long)now_ns());
		return 0;
	}
	if (argc != 3) {
		fprintf(stderr, "usage: randread now | randread DEVICE COUNT\n");
		return 2;
	}
	count = strtoul(argv[2], NULL, 0);
	fd = open(argv[1], O_RDONLY | O_DIRECT);
	if (fd < 0 || ioctl(fd, BLKGETSIZE64, &bytes) < 0) {
		perror(argv[1]);
		return 1;
	}
	blocks = bytes / READ_SIZE;
	if (!blocks || !count || posix_memalign(&buf, READ_SIZE, READ_SIZE)) {
		fprintf(stderr, "randread: nothing to read\n");
		return 1;
	}
	start = now_ns();
	for (unsigned long i = 0; i < count; i++) {
		uint64_t sector;

		x = x * LCG_MUL + LCG_ADD;
		sector = ((x >> LCG_SHIFT) % blocks) * (READ_SIZE / SECTOR);
		if (pread(fd, buf, READ_SIZE, (off_t)(sector * SECTOR)) != READ_SIZE) {
			perror("pread");
			return 1;
		}
	}
	ns = now_ns() - start;
	printf("%llu\n", (unsigned long long)(count * NSEC_PER_SEC / ns));
	return 0;
}
