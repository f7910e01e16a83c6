/*
 * bench.blk: block throughput on vda, for make bench's comparison with
 * Linux (tools/bench.py). First the whole disk is read in order, BENCH_SEQ_DEPTH
 * bios of BENCH_SEQ_CHUNK bytes kept in flight (each bio's done submits
 * the next chunk); then BENCH_RAND_READS reads of 4 KiB at sectors from a
 * linear congruential generator, one at a time. Both timed with clock_ns:
 *
 *   blk-bench: vda seq <MiB/s> MiB/s rand4k <IOPS> IOPS
 *
 * tools/bench/randread.c draws the same sectors on Linux.
 */
#include <flint/blockdev.h>
#include <flint/compiler.h>
#include <flint/heap.h>
#include <flint/param.h>
#include <flint/power.h>
#include <flint/printk.h>
#include <flint/sync.h>
#include <flint/timer.h>
#include <flint/virtio_boot.h>

#define BENCH_DISK "vda"
#define BENCH_SEQ_CHUNK (1024 * 1024)
#define BENCH_SEQ_DEPTH 4
#define BENCH_RAND_SIZE 4096
#define BENCH_RAND_READS 2000
#define BENCH_LCG_SEED 1
#define BENCH_LCG_MUL 6364136223846793005ull	/* Knuth's MMIX generator */
#define BENCH_LCG_ADD 1442695040888963407ull
#define BENCH_LCG_SHIFT 33			/* use the high bits */
#define BENCH_FAILED 1				/* the exit status on an error */
#define NSEC_PER_SEC 1000000000ull
#define KIB 1024

static bool bench_blk;
KERNEL_FLAG("bench.blk", bench_blk);

struct seq_run {
	struct blockdev *dev;
	spinlock_t lock;		/* next and error */
	uint64_t next;			/* the first sector not yet asked for */
	int error;			/* the first failure */
	struct semaphore idle;		/* posted as each bio stops */
	struct bio bio[BENCH_SEQ_DEPTH];
};

/* Gives bio the next chunk and submits it; false when the disk is done
 * or something failed. */
static bool seq_next(struct seq_run *s, struct bio *bio)
{
	unsigned long flags = spin_lock_irqsave(&s->lock);
	uint64_t first = s->next;
	uint64_t count = MIN(s->dev->sectors - first, (uint64_t)BENCH_SEQ_CHUNK / BLOCKDEV_SECTOR);
	int err;

	if (s->error || !count) {
		spin_unlock_irqrestore(&s->lock, flags);
		return false;
	}
	s->next += count;
	spin_unlock_irqrestore(&s->lock, flags);
	bio->sector = first;
	bio->len = count * BLOCKDEV_SECTOR;
	err = blockdev_submit(s->dev, bio);
	if (err) {
		flags = spin_lock_irqsave(&s->lock);
		s->error = s->error ? s->error : err;
		spin_unlock_irqrestore(&s->lock, flags);
		return false;
	}
	return true;
}

/* Possibly in an interrupt handler: the bio goes on with the next chunk. */
static void seq_done(struct bio *bio)
{
	struct seq_run *s = bio->arg;

	if (bio->status) {
		unsigned long flags = spin_lock_irqsave(&s->lock);

		s->error = s->error ? s->error : bio->status;
		spin_unlock_irqrestore(&s->lock, flags);
	}
	if (!seq_next(s, bio))
		sem_post(&s->idle);
}

/* Nanoseconds to read all of dev, or 0 after a line saying why. */
static uint64_t bench_seq(struct blockdev *dev)
{
	struct seq_run *s = kzalloc(sizeof(*s));
	uint64_t start, ns = 0;
	unsigned n;

	if (!s) {
		printk_line("blk-bench: out of memory");
		return 0;
	}
	s->dev = dev;
	sem_init(&s->idle, 0);
	for (n = 0; n < BENCH_SEQ_DEPTH; n++) {
		s->bio[n] = (struct bio){ .op = BIO_READ, .buf = kmalloc(BENCH_SEQ_CHUNK),
					  .done = seq_done, .arg = s };
		if (!s->bio[n].buf) {
			printk_line("blk-bench: out of memory");
			goto out;
		}
	}
	start = clock_ns();
	for (unsigned i = 0; i < BENCH_SEQ_DEPTH; i++)
		if (!seq_next(s, &s->bio[i]))
			sem_post(&s->idle);
	for (unsigned i = 0; i < BENCH_SEQ_DEPTH; i++)
		sem_wait(&s->idle);
	ns = clock_ns() - start;
	if (s->error) {
		printk_line("blk-bench: %s sequential read failed: %d", dev->name, s->error);
		ns = 0;
	}
out:
	while (n--)
		kfree(s->bio[n].buf);
	kfree(s);
	return ns;
}

/* Nanoseconds for BENCH_RAND_READS random 4 KiB reads, one at a time,
 * or 0 after a line saying why. */
static uint64_t bench_rand(struct blockdev *dev)
{
	uint64_t blocks = dev->sectors / (BENCH_RAND_SIZE / BLOCKDEV_SECTOR);
	uint64_t x = BENCH_LCG_SEED, start, ns;
	void *buf = kmalloc(BENCH_RAND_SIZE);

	if (!buf) {
		printk_line("blk-bench: out of memory");
		return 0;
	}
	start = clock_ns();
	for (unsigned i = 0; i < BENCH_RAND_READS; i++) {
		uint64_t sector;
		int err;

		x = x * BENCH_LCG_MUL + BENCH_LCG_ADD;
		sector = ((x >> BENCH_LCG_SHIFT) % blocks) * (BENCH_RAND_SIZE / BLOCKDEV_SECTOR);
		err = blockdev_read(dev, sector, buf, BENCH_RAND_SIZE);
		if (err) {
			printk_line("blk-bench: %s read of sector %llu failed: %d", dev->name,
				    (unsigned long long)sector, err);
			kfree(buf);
			return 0;
		}
	}
	ns = clock_ns() - start;
	kfree(buf);
	return ns;
}

void virtio_blk_bench(void)
{
	struct blockdev *dev;
	uint64_t seq_ns, rand_ns;

	if (!bench_blk)
		return;
	dev = blockdev_find(BENCH_DISK);
	if (!dev || dev->sectors < BENCH_RAND_SIZE / BLOCKDEV_SECTOR ||
	    dev->sector_size > BENCH_RAND_SIZE) {
		printk_line("blk-bench: no usable %s", BENCH_DISK);
		power_off(BENCH_FAILED);
	}
	seq_ns = bench_seq(dev);
	rand_ns = seq_ns ? bench_rand(dev) : 0;
	if (!rand_ns)
		power_off(BENCH_FAILED);
	/* In KiB first, so that a large disk cannot overflow. */
	printk_line("blk-bench: %s seq %llu MiB/s rand4k %llu IOPS", dev->name,
		    (unsigned long long)(dev->sectors * BLOCKDEV_SECTOR / KIB * NSEC_PER_SEC /
					 seq_ns / KIB),
		    (unsigned long long)(BENCH_RAND_READS * NSEC_PER_SEC / rand_ns));
}
