/* What test_ext2 and test_ext2w share: the heap the library takes
 * (malloc), and an image file held in memory as the library's device,
 * whose callbacks fail the case on a transfer outside it and count the
 * transfers. Included once by each test, after check.h. */
#ifndef UNIT_EXT2_IMAGE_H
#define UNIT_EXT2_IMAGE_H

#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <flint/heap.h>

void *kmalloc(size_t size)
{
	return malloc(size ? size : 1);
}

void *kzalloc(size_t size)
{
	return calloc(1, size ? size : 1);
}

void kfree(void *p)
{
	free(p);
}

struct image {
	unsigned char *data;
	size_t size;
	uint64_t reads, writes;
};

static inline int mem_read(void *arg, uint64_t off, void *buf, size_t len)
{
	struct image *im = arg;

	CHECKF(off <= im->size && len <= im->size - off,
	       "read outside the device: %" PRIu64 " + %zu > %zu", off, len, im->size);
	memcpy(buf, im->data + off, len);
	im->reads++;
	return 0;
}

static inline int mem_write(void *arg, uint64_t off, const void *buf, size_t len)
{
	struct image *im = arg;

	CHECKF(off <= im->size && len <= im->size - off,
	       "write outside the device: %" PRIu64 " + %zu > %zu", off, len, im->size);
	memcpy(im->data + off, buf, len);
	im->writes++;
	return 0;
}

/* dir/kind.img, read whole into memory. */
static inline struct image image_load(const char *dir, const char *kind)
{
	char path[512];
	struct image im = { 0 };
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "%s/%s.img", dir, kind);
	fd = open(path, O_RDONLY);
	CHECKF(fd >= 0, "cannot open %s", path);
	CHECK(!fstat(fd, &st));
	im.size = (size_t)st.st_size;
	im.data = malloc(im.size);
	CHECK(im.data);
	CHECK_EQ(pread(fd, im.data, im.size, 0), (ssize_t)im.size);
	close(fd);
	return im;
}

#endif
