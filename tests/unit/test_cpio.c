/* fs/cpio.c on archives made by Debian's cpio (see unit.mk) and on
 * truncated and lying ones. Every archive sits in a buffer of exactly its
 * size, so ASan catches a read past the end. */
#include <flint/cpio.h>
#include <flint/errno.h>

#include "check.h"

#define MAX_ENTRIES 16
#define ERR_MAX 160

struct seen {
	unsigned n;
	struct cpio_entry e[MAX_ENTRIES];
};

static int record(const struct cpio_entry *e, void *arg)
{
	struct seen *s = arg;

	CHECK(s->n < MAX_ENTRIES);
	s->e[s->n++] = *e;
	return 0;
}

static unsigned char *load(const char *format, size_t *len)
{
	char path[512];
	unsigned char *buf;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/tree.%s.cpio", CPIO_FIXTURE_DIR, format);
	f = fopen(path, "rb");
	CHECKF(f, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n);
	CHECK(buf);
	CHECK_EQ(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static const struct cpio_entry *find(const struct seen *s, const char *name)
{
	for (unsigned i = 0; i < s->n; i++)
		if (!strcmp(s->e[i].name, name))
			return &s->e[i];
	CHECKF(0, "no entry %s", name);
	return NULL;
}

static void check_tree(const char *format)
{
	struct seen s = { 0 };
	char err[ERR_MAX] = "";
	size_t len;
	unsigned char *buf = load(format, &len);
	const struct cpio_entry *e;

	CHECKF(cpio_parse(buf, len, record, &s, err, sizeof(err)) == 0, "%s", err);
	CHECK_EQ(s.n, 6u);	/* . big dir dir/hello empty link */
	e = find(&s, "dir/hello");
	CHECK_EQ(e->mode, 0100640u);
	CHECK_EQ(e->size, 6u);
	CHECK(!memcmp(e->data, "hello\n", 6));
	e = find(&s, "big");
	CHECK_EQ(e->mode, 0100755u);
	CHECK_EQ(e->size, 5000u);
	CHECK(((const char *)e->data)[4999] == 'x');
	CHECK_EQ(find(&s, "dir")->mode, 040751u);
	CHECK_EQ(find(&s, "empty")->size, 0u);
	e = find(&s, "link");
	CHECK_EQ(e->mode & 0170000, 0120000u);
	CHECK_EQ(e->size, 9u);
	CHECK(!memcmp(e->data, "dir/hello", 9));
	free(buf);
}

TEST(debian_newc)
{
	check_tree("newc");
}

TEST(debian_crc)
{
	check_tree("crc");
}

/* Every proper prefix of a real archive is an error, never a read past it. */
TEST(every_truncation_fails)
{
	size_t len, end = 0;
	unsigned char *buf = load("newc", &len);

	/* cpio pads the archive to its block size after the trailer. */
	for (size_t i = 0; i + sizeof(CPIO_TRAILER) <= len && !end; i++)
		if (!memcmp(buf + i, CPIO_TRAILER, sizeof(CPIO_TRAILER)))
			end = (i + sizeof(CPIO_TRAILER) + CPIO_ALIGN - 1) / CPIO_ALIGN * CPIO_ALIGN;
	CHECK(end);
	for (size_t n = 0; n < len; n++) {
		unsigned char *cut = malloc(n ? n : 1);
		struct seen s = { 0 };
		char err[ERR_MAX];
		int r;

		memcpy(cut, buf, n);
		r = cpio_parse(cut, n, record, &s, err, sizeof(err));
		CHECKF(n < end ? r == -EINVAL : r == 0, "prefix %zu: %d", n, r);
		free(cut);
	}
	free(buf);
}

/* A header for name with filesize and namesize as given (namesize -1:
 * the name's length with its NUL). */
static size_t header(char *out, const char *magic, const char *name, unsigned filesize,
		     long namesize)
{
	unsigned ns = namesize < 0 ? (unsigned)strlen(name) + 1 : (unsigned)namesize;

	return (size_t)sprintf(out, "%s%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
			       magic, 1u, 0100644u, 0u, 0u, 1u, 0u, filesize, 0u, 0u, 0u, 0u,
			       ns, 0u);
}

/* Parses the len bytes of s in an exact-size buffer; the error text. */
static int parse(const char *s, size_t len, char *err)
{
	char *buf = malloc(len);
	struct seen seen = { 0 };
	int r;

	memcpy(buf, s, len);
	err[0] = '\0';
	r = cpio_parse(buf, len, record, &seen, err, ERR_MAX);
	free(buf);
	return r;
}

/* a + its name + padding, then the trailer. */
static size_t archive(char *out, const char *magic, const char *name, unsigned filesize,
		      long namesize, const char *data)
{
	size_t n = header(out, magic, name, filesize, namesize);

	memcpy(out + n, name, strlen(name) + 1);
	n += strlen(name) + 1;
	while (n % CPIO_ALIGN)
		out[n++] = 0;
	memcpy(out + n, data, strlen(data));
	n += strlen(data);
	while (n % CPIO_ALIGN)
		out[n++] = 0;
	n += header(out + n, "070701", CPIO_TRAILER, 0, -1);
	memcpy(out + n, CPIO_TRAILER, sizeof(CPIO_TRAILER));
	n += sizeof(CPIO_TRAILER);
	while (n % CPIO_ALIGN)
		out[n++] = 0;
	return n;
}

TEST(hand_made_archive_parses)
{
	char a[1024], err[ERR_MAX];
	size_t n = archive(a, "070701", "f", 3, -1, "abc");

	CHECKF(parse(a, n, err) == 0, "%s", err);
}

TEST(bad_magic)
{
	char a[1024], err[ERR_MAX];
	size_t n = archive(a, "070707", "f", 3, -1, "abc");

	CHECK_EQ(parse(a, n, err), -EINVAL);
	CHECK_STR(err, "bad magic at offset 0 (not a newc cpio archive)");
}

TEST(non_hex_digit)
{
	char a[1024], err[ERR_MAX];
	size_t n = archive(a, "070701", "f", 3, -1, "abc");

	a[6 + 8 + 3] = 'g';	/* in the mode field */
	CHECK_EQ(parse(a, n, err), -EINVAL);
	CHECK_STR(err, "non-hex digit in the header at offset 14");
}

TEST(namesize_zero)
{
	char a[1024], err[ERR_MAX];
	size_t n = archive(a, "070701", "f", 3, 0, "abc");

	CHECK_EQ(parse(a, n, err), -EINVAL);
	CHECK_STR(err, "entry at offset 0: name size 0");
}

TEST(namesize_past_end)
{
	char a[1024], err[ERR_MAX];
	size_t n = archive(a, "070701", "f", 3, 0x7fffffff, "abc");

	CHECK_EQ(parse(a, n, err), -EINVAL);
	CHECK_STR(err, "entry at offset 0: name of 2147483647 bytes past the end");
}

TEST(name_without_nul)
{
	char a[1024], err[ERR_MAX];
	size_t n = archive(a, "070701", "file", 3, 3, "abc");

	CHECK_EQ(parse(a, n, err), -EINVAL);
	CHECK_STR(err, "entry at offset 0: name not NUL-terminated at its size 3");
}

/* NULs after the name pad it (tools/flint-initrd puts data on a page
 * boundary so): the name ends at the first; an empty name is refused. */
TEST(name_padded_with_nuls)
{
	static char big[8192];
	char a[1024], err[ERR_MAX];
	struct seen seen = { 0 };
	const struct cpio_entry *e;
	size_t n = header(big, "070701", "file", 3, 4096 - CPIO_HEADER_SIZE);

	memcpy(big + n, "file", 4);		/* then NULs to the page boundary */
	memcpy(big + 4096, "abc", 3);
	n = 4096 + 4;
	n += header(big + n, "070701", CPIO_TRAILER, 0, -1);
	memcpy(big + n, CPIO_TRAILER, sizeof(CPIO_TRAILER));
	n += sizeof(CPIO_TRAILER);
	while (n % CPIO_ALIGN)
		big[n++] = 0;
	CHECKF(cpio_parse(big, n, record, &seen, err, ERR_MAX) == 0, "%s", err);
	e = find(&seen, "file");
	CHECK(e != NULL);
	CHECK_EQ(e->size, 3u);
	CHECK_EQ((const char *)e->data - big, 4096);
	n = archive(a, "070701", "", 3, -1, "abc");
	CHECK_EQ(parse(a, n, err), -EINVAL);
	CHECK_STR(err, "entry at offset 0: name empty at its size 1");
}

TEST(filesize_past_end)
{
	char a[1024], err[ERR_MAX];
	size_t n = archive(a, "070701", "f", 0xffffffff, -1, "abc");

	CHECK_EQ(parse(a, n, err), -EINVAL);
	CHECK_STR(err, "entry at offset 0 (f): data of 4294967295 bytes past the end");
}

TEST(no_trailer)
{
	char a[1024], err[ERR_MAX];
	size_t n = archive(a, "070701", "f", 3, -1, "abc");
	size_t first = CPIO_HEADER_SIZE + 2 + 4;	/* header, "f\0" padded, "abc\0" */

	CHECK(n > first);
	CHECK_EQ(parse(a, first, err), -EINVAL);
	CHECK_STR(err, "no trailer: the archive ends at offset 116");
}

static int stop(const struct cpio_entry *e, void *arg)
{
	(void)e;
	(void)arg;
	return 7;
}

TEST(callback_stops_the_walk)
{
	char a[1024], err[ERR_MAX];
	size_t n = archive(a, "070702", "f", 3, -1, "abc");

	CHECK_EQ(cpio_parse(a, n, stop, NULL, err, sizeof(err)), 7);
}

int main(void)
{
	return check_run();
}
