/*
 * The guest side of the durability kill test (tests/boot/storage_cases.py):
 *
 *   fsync_records FILE fsync|fdatasync|osync [COUNT]
 *
 * creates FILE (and makes its name durable with an fsync of its
 * directory), then appends COUNT (default 1000000) numbered records, one
 * write each, and after each one is durable prints "synced N" (N from 1):
 * after fsync, after fdatasync, or, with osync, after the write itself
 * returns (FILE opened with O_SYNC). The host kills the VM at a moment of
 * its choosing and checks that records 1 to the last N it saw are in the
 * file, intact. A record is RECORD_BYTES long (not a divisor of a block,
 * so that records straddle blocks): "REC1", N (32 bits, little-endian as
 * the machine), bytes (N * 31 + i) & 0xff for its payload, and the FNV-1a
 * 64 of all that. Prints "fsync_records: failed WHAT: ERROR" and exits 1
 * on an error.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RECORD_BYTES 120
#define PAYLOAD_BYTES (RECORD_BYTES - 4 - 4 - 8)
#define DEFAULT_COUNT 1000000
#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

static int failed(const char *what)
{
	printf("fsync_records: failed %s: %s\n", what, strerror(errno));
	fflush(stdout);
	return 1;
}

static void record(unsigned char *r, uint32_t n)
{
	uint64_t h = FNV_OFFSET;

	memcpy(r, "REC1", 4);
	memcpy(r + 4, &n, 4);
	for (int i = 0; i < PAYLOAD_BYTES; i++)
		r[8 + i] = (unsigned char)(n * 31 + i);
	for (int i = 0; i < RECORD_BYTES - 8; i++)
		h = (h ^ r[i]) * FNV_PRIME;
	memcpy(r + RECORD_BYTES - 8, &h, 8);
}

int main(int argc, char **argv)
{
	unsigned char r[RECORD_BYTES];
	char line[32], dir[4096];
	long count = argc > 3 ? atol(argv[3]) : DEFAULT_COUNT;
	int osync, fd, dfd;

	if (argc < 3 || count <= 0 || (strcmp(argv[2], "fsync") && strcmp(argv[2], "fdatasync") &&
				       strcmp(argv[2], "osync"))) {
		fprintf(stderr, "usage: fsync_records FILE fsync|fdatasync|osync [COUNT]\n");
		return 2;
	}
	osync = !strcmp(argv[2], "osync");
	fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | (osync ? O_SYNC : 0), 0644);
	if (fd < 0)
		return failed("open");
	snprintf(dir, sizeof(dir), "%s", argv[1]);
	dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY);
	if (dfd < 0 || fsync(dfd) || close(dfd))
		return failed("fsync of the directory");
	for (uint32_t n = 1; n <= count; n++) {
		int len;

		record(r, n);
		if (write(fd, r, RECORD_BYTES) != RECORD_BYTES)
			return failed("write");
		if (!osync && (!strcmp(argv[2], "fsync") ? fsync(fd) : fdatasync(fd)))
			return failed(argv[2]);
		len = snprintf(line, sizeof(line), "synced %u\n", n);
		if (write(STDOUT_FILENO, line, len) != len)
			return failed("write to stdout");
	}
	return close(fd) ? failed("close") : 0;
}
