/*
 * The block device registry, the checks every request passes before it
 * reaches a driver, and the sleeping helpers (a bio whose done posts a
 * semaphore the caller waits on).
 */
#include <flint/blockdev.h>
#include <flint/printk.h>
#include <flint/string.h>
#include <flint/sync.h>

static struct blockdev *devices[BLOCKDEV_MAX];
static unsigned ndevices;
static spinlock_t lock;			/* devices, ndevices */

int blockdev_register(struct blockdev *dev)
{
	unsigned long flags = spin_lock_irqsave(&lock);
	const char *why = NULL;

	if (ndevices == BLOCKDEV_MAX)
		why = "too many block devices";
	for (unsigned i = 0; i < ndevices && !why; i++)
		if (!strcmp(devices[i]->name, dev->name))
			why = "name taken";
	if (!why)
		devices[ndevices++] = dev;
	spin_unlock_irqrestore(&lock, flags);
	if (why) {
		printk_line("blockdev: %s not registered: %s", dev->name, why);
		return -1;
	}
	return 0;
}

struct blockdev *blockdev_find(const char *name)
{
	unsigned long flags = spin_lock_irqsave(&lock);
	struct blockdev *found = NULL;

	for (unsigned i = 0; i < ndevices && !found; i++)
		if (!strcmp(devices[i]->name, name))
			found = devices[i];
	spin_unlock_irqrestore(&lock, flags);
	return found;
}

unsigned blockdev_count(void)
{
	return __atomic_load_n(&ndevices, __ATOMIC_ACQUIRE);
}

struct blockdev *blockdev_get(unsigned i)
{
	unsigned long flags = spin_lock_irqsave(&lock);
	struct blockdev *dev = i < ndevices ? devices[i] : NULL;

	spin_unlock_irqrestore(&lock, flags);
	return dev;
}

static int check(const struct blockdev *dev, const struct bio *bio)
{
	uint64_t per_block = dev->sector_size / BLOCKDEV_SECTOR;

	if (bio->op == BIO_FLUSH)
		return 0;
	if (bio->op != BIO_READ && bio->op != BIO_WRITE)
		return -BLOCKDEV_EINVAL;
	if (bio->op == BIO_WRITE && dev->read_only)
		return -BLOCKDEV_EROFS;
	if (!bio->len || bio->len > BLOCKDEV_MAX_BYTES || bio->len % dev->sector_size ||
	    bio->sector % per_block)
		return -BLOCKDEV_EINVAL;
	if (bio->sector > dev->sectors || bio->len / BLOCKDEV_SECTOR > dev->sectors - bio->sector)
		return -BLOCKDEV_EINVAL;
	return 0;
}

/* A request the driver took, by what it was (the bio may be reused by
 * then: its done can run before submit returns). */
static void count(struct blockdev *dev, enum bio_op op, uint64_t sectors)
{
	struct blockdev_stats *s = &dev->stats;

	switch (op) {
	case BIO_READ:
		__atomic_fetch_add(&s->reads, 1, __ATOMIC_RELAXED);
		__atomic_fetch_add(&s->read_sectors, sectors, __ATOMIC_RELAXED);
		break;
	case BIO_WRITE:
		__atomic_fetch_add(&s->writes, 1, __ATOMIC_RELAXED);
		__atomic_fetch_add(&s->write_sectors, sectors, __ATOMIC_RELAXED);
		break;
	case BIO_FLUSH:
		__atomic_fetch_add(&s->flushes, 1, __ATOMIC_RELAXED);
		break;
	}
}

int blockdev_submit(struct blockdev *dev, struct bio *bio)
{
	enum bio_op op = bio->op;
	uint64_t sectors = bio->len / BLOCKDEV_SECTOR;
	int err = check(dev, bio);

	if (!err)
		err = dev->ops->submit(dev, bio);
	if (!err)
		count(dev, op, op == BIO_FLUSH ? 0 : sectors);
	return err;
}

static void wake(struct bio *bio)
{
	sem_post(bio->arg);
}

/* One bio, submitted and waited for. */
static int run(struct blockdev *dev, enum bio_op op, uint64_t sector, void *buf, size_t len)
{
	struct semaphore done;
	struct bio bio = { .op = op, .sector = sector, .buf = buf, .len = len,
			   .done = wake, .arg = &done };
	int err;

	sem_init(&done, 0);
	err = blockdev_submit(dev, &bio);
	if (err)
		return err;
	sem_wait(&done);
	return bio.status;
}

static int transfer(struct blockdev *dev, enum bio_op op, uint64_t sector, void *buf,
		    size_t len)
{
	uint8_t *p = buf;

	do {
		size_t n = len < BLOCKDEV_MAX_BYTES ? len : BLOCKDEV_MAX_BYTES;
		int err = run(dev, op, sector, p, n);

		if (err)
			return err;
		p += n;
		len -= n;
		sector += n / BLOCKDEV_SECTOR;
	} while (len);
	return 0;
}

int blockdev_read(struct blockdev *dev, uint64_t sector, void *buf, size_t len)
{
	return transfer(dev, BIO_READ, sector, buf, len);
}

int blockdev_write(struct blockdev *dev, uint64_t sector, const void *buf, size_t len)
{
	return transfer(dev, BIO_WRITE, sector, (void *)buf, len);
}

int blockdev_flush(struct blockdev *dev)
{
	return run(dev, BIO_FLUSH, 0, NULL, 0);
}
