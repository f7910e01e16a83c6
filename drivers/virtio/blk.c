/*
 * The virtio block device (Virtio 1.2 §5.2), behind the kernel's block
 * device interface (include/flint/blockdev.h). One request queue, or with
 * MQ one per CPU up to BLK_QUEUES_MAX; a bio goes on the queue of the CPU
 * that submits it. Each bio becomes one request, a chain of three buffers
 * (header, data, status) in memory of its own from the heap. Requests go
 * on the ring while it has room and wait in their queue's FIFO otherwise;
 * the interrupt handler polls every queue: it completes requests
 * (vq_poll), moves waiting ones onto the ring, and calls each bio's done
 * once the queue's lock is released, so that done may submit again. The
 * device's id (GET_ID) is read when it starts. test.blk
 * (virtio_blk_selftest) checks every disk.
 */
#include <flint/arch.h>
#include <flint/blockdev.h>
#include <flint/compiler.h>
#include <flint/format.h>
#include <flint/heap.h>
#include <flint/param.h>
#include <flint/power.h>
#include <flint/printk.h>
#include <flint/sched.h>
#include <flint/sync.h>
#include <flint/virtio_boot.h>

#include "virtio.h"
#include "vring.h"

/* §5.2.2: requestq1 .. requestqN are queues 0 .. N-1 (N = 1 without MQ). */
#define BLK_QUEUE_SIZE 128
#define BLK_QUEUES_MAX 8		/* more queues than this are not used */

/* §5.2.3: feature bits (FLUSH is the legacy WCE bit too). */
#define VIRTIO_BLK_F_RO 5
#define VIRTIO_BLK_F_BLK_SIZE 6
#define VIRTIO_BLK_F_FLUSH 9
#define VIRTIO_BLK_F_MQ 12

/* §5.2.4: struct virtio_blk_config offsets. */
#define BLK_CFG_CAPACITY 0		/* le64, in 512-byte sectors */
#define BLK_CFG_BLK_SIZE 20		/* le32 */
#define BLK_CFG_NUM_QUEUES 34		/* le16, with MQ */
#define BLK_SIZE_MAX (64 * 1024)	/* larger block sizes are ignored */

/* §5.2.6: request types and status values. */
#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_T_GET_ID 8
#define VIRTIO_BLK_ID_BYTES 20		/* GET_ID's answer, NUL-padded when shorter */
#define VIRTIO_BLK_S_OK 0
#define VIRTIO_BLK_S_UNSUPP 2
#define BLK_STATUS_UNSET 0xff		/* what a device that wrote nothing leaves */

#define MIB (1024 * 1024)
#define DISK_LETTERS 26			/* vda .. vdz */
#define ID_PRINTABLE_FIRST 0x20		/* ' ': the id keeps printable ASCII only */
#define ID_PRINTABLE_LAST 0x7e		/* '~' */
#define ID_REPLACEMENT '?'

/* §5.2.6: the device-readable header; little-endian (guest-endian for
 * legacy devices: the same on x86). */
struct blk_header {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};

struct blk;
struct blk_queue;

struct blk_request {
	struct blk_header header;
	struct bio *bio;
	struct blk_queue *q;
	struct blk_request *next, *prev;	/* on one of struct blk_queue's lists */
	uint8_t status;				/* device-writable */
};

struct blk_queue {
	struct blk *blk;
	struct virtqueue *vq;
	spinlock_t lock;			/* the virtqueue and the lists */
	struct blk_request *waiting, *waiting_tail;	/* not on the ring yet */
	struct blk_request *in_flight;		/* on the ring (doubly linked) */
	struct blk_request *finished;		/* done to be called */
	bool started;				/* DRIVER_OK: notifications allowed */
	bool dead;				/* its requests failed after the reset */
};

struct blk {
	struct blockdev bdev;
	struct virtio_device *dev;
	unsigned nqueues;
	struct blk_queue queue[BLK_QUEUES_MAX];
	bool dead;				/* a queue broke; the device is reset */
	uint8_t id_raw[VIRTIO_BLK_ID_BYTES];	/* device-writable (GET_ID) */
	char id[VIRTIO_BLK_ID_BYTES + 1];	/* printable; "" when there is none */
};

static unsigned ndisks;

static void push(struct blk_request **list, struct blk_request *r)
{
	r->prev = NULL;
	r->next = *list;
	if (*list)
		(*list)->prev = r;
	*list = r;
}

static void unlink_in_flight(struct blk_queue *q, struct blk_request *r)
{
	if (r->prev)
		r->prev->next = r->next;
	else
		q->in_flight = r->next;
	if (r->next)
		r->next->prev = r->prev;
}

static int status_error(uint8_t status)
{
	if (status == VIRTIO_BLK_S_OK)
		return 0;
	return status == VIRTIO_BLK_S_UNSUPP ? -BLOCKDEV_EOPNOTSUPP : -BLOCKDEV_EIO;
}

static bool device_dead(struct blk *blk)
{
	return __atomic_load_n(&blk->dead, __ATOMIC_ACQUIRE);
}

/* vq_poll's callback, under q->lock. The used length is not needed:
 * the status byte starts as BLK_STATUS_UNSET, an error. */
static void blk_done(struct virtqueue *vq, void *token, uint32_t len)
{
	struct blk_request *r = token;

	(void)vq;
	(void)len;
	unlink_in_flight(r->q, r);
	r->bio->status = status_error(r->status);
	push(&r->q->finished, r);
}

/* Moves waiting requests onto the ring while it has room; under q->lock. */
static void dispatch(struct blk_queue *q)
{
	bool added = false;

	while (q->waiting) {
		struct blk_request *r = q->waiting;
		struct bio *bio = r->bio;
		struct vring_buf bufs[3];
		unsigned n = 0;

		bufs[n++] = (struct vring_buf){ .addr = &r->header, .len = sizeof(r->header) };
		if (bio->op != BIO_FLUSH)
			bufs[n++] = (struct vring_buf){ .addr = bio->buf, .len = (uint32_t)bio->len,
							.device_writes = bio->op == BIO_READ };
		bufs[n++] = (struct vring_buf){ .addr = &r->status, .len = sizeof(r->status),
						.device_writes = true };
		if (vq_add(q->vq, bufs, n, r) < 0)
			break;
		q->waiting = r->next;
		if (!q->waiting)
			q->waiting_tail = NULL;
		push(&q->in_flight, r);
		added = true;
	}
	if (added && q->started)
		vq_kick(q->vq);
}

/* A broken queue (vring.c reported it) is the device's end: the first
 * queue to see it resets the device, so that it writes no more memory;
 * every queue then fails its requests and takes no more. Under q->lock. */
static void fail_queue(struct blk_queue *q)
{
	struct blk *blk = q->blk;
	struct blk_request *lists[2] = { q->in_flight, q->waiting };

	if (!__atomic_exchange_n(&blk->dead, true, __ATOMIC_ACQ_REL)) {
		blk->dev->ops->reset(blk->dev);
		printk_line("virtio: blk %s: queue broken, device reset", blk->bdev.name);
	}
	q->dead = true;
	q->in_flight = q->waiting = q->waiting_tail = NULL;
	for (unsigned i = 0; i < 2; i++)
		while (lists[i]) {
			struct blk_request *r = lists[i];

			lists[i] = r->next;
			r->bio->status = -BLOCKDEV_EIO;
			push(&q->finished, r);
		}
}

/* Under q->lock: the requests whose done is due, taken off the list. */
static struct blk_request *take_finished(struct blk_queue *q)
{
	struct blk_request *list;

	if (!q->dead && (vq_broken(q->vq) || device_dead(q->blk)))
		fail_queue(q);
	list = q->finished;
	q->finished = NULL;
	return list;
}

/* Outside the lock. */
static void finish(struct blk_request *list)
{
	while (list) {
		struct blk_request *r = list;
		struct bio *bio = r->bio;

		list = r->next;
		kfree(r);
		bio->done(bio);
	}
}

static void service(struct blk_queue *q)
{
	unsigned long flags = spin_lock_irqsave(&q->lock);
	struct blk_request *done;

	vq_poll(q->vq);
	dispatch(q);
	done = take_finished(q);
	spin_unlock_irqrestore(&q->lock, flags);
	finish(done);
}

/* One interrupt for every queue (the transport gives one MSI-X vector or
 * one line): each queue is polled. When one broke, a second round fails
 * the queues polled before it. */
static void blk_interrupt(void *arg)
{
	struct blk *blk = arg;

	for (unsigned i = 0; i < blk->nqueues; i++)
		service(&blk->queue[i]);
	if (device_dead(blk))
		for (unsigned i = 0; i < blk->nqueues; i++)
			service(&blk->queue[i]);
}

static struct blk_request *new_request(struct blk_queue *q, struct bio *bio, uint32_t type,
				       uint64_t sector)
{
	struct blk_request *r = kzalloc(sizeof(*r));

	if (!r)
		return NULL;
	r->bio = bio;
	r->q = q;
	r->status = BLK_STATUS_UNSET;
	r->header.type = type;
	r->header.sector = sector;
	return r;
}

/* Queues r (freed on failure) and sends what fits: 0, or -EIO once the
 * device is dead. */
static int queue_request(struct blk_queue *q, struct blk_request *r)
{
	unsigned long flags = spin_lock_irqsave(&q->lock);
	struct blk_request *done;

	if (q->dead || device_dead(q->blk)) {
		spin_unlock_irqrestore(&q->lock, flags);
		kfree(r);
		return -BLOCKDEV_EIO;
	}
	if (q->waiting_tail)
		q->waiting_tail->next = r;
	else
		q->waiting = r;
	q->waiting_tail = r;
	dispatch(q);
	done = take_finished(q);
	spin_unlock_irqrestore(&q->lock, flags);
	finish(done);
	return 0;
}

static int blk_submit(struct blockdev *bdev, struct bio *bio)
{
	struct blk *blk = bdev->priv;
	struct blk_queue *q = &blk->queue[arch_cpu_index() % blk->nqueues];
	struct blk_request *r;

	/* §5.2.6.2: without FLUSH the device writes through. */
	if (bio->op == BIO_FLUSH && !virtio_has_feature(blk->dev, VIRTIO_BLK_F_FLUSH)) {
		bio->status = 0;
		bio->done(bio);
		return 0;
	}
	r = new_request(q, bio, bio->op == BIO_READ ? VIRTIO_BLK_T_IN :
			bio->op == BIO_WRITE ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_FLUSH,
			bio->op == BIO_FLUSH ? 0 : bio->sector);
	if (!r)
		return -BLOCKDEV_ENOMEM;
	return queue_request(q, r);
}

static const struct blockdev_ops blk_ops = {
	.submit = blk_submit,
};

static bool valid_block_size(uint32_t size)
{
	return size >= BLOCKDEV_SECTOR && size <= BLK_SIZE_MAX && !(size & (size - 1));
}

/* §5.2.2: with MQ, one queue per online CPU, as many as the device has
 * (num_queues) and BLK_QUEUES_MAX allow. */
static unsigned queue_count(struct virtio_device *d)
{
	uint16_t num_queues;

	if (!virtio_has_feature(d, VIRTIO_BLK_F_MQ))
		return 1;
	virtio_read_config(d, BLK_CFG_NUM_QUEUES, &num_queues, sizeof(num_queues));
	return MAX(1u, MIN(MIN((unsigned)num_queues, sched_cpus()), (unsigned)BLK_QUEUES_MAX));
}

static int blk_probe(struct virtio_device *d)
{
	struct blk *blk;
	uint32_t block_size = BLOCKDEV_SECTOR;

	if (ndisks == DISK_LETTERS) {
		printk_line("virtio: blk: more than %u disks", DISK_LETTERS);
		return -1;
	}
	blk = kzalloc(sizeof(*blk));
	if (!blk)
		return -1;
	blk->dev = d;
	virtio_read_config(d, BLK_CFG_CAPACITY, &blk->bdev.sectors, sizeof(blk->bdev.sectors));
	if (virtio_has_feature(d, VIRTIO_BLK_F_BLK_SIZE))
		virtio_read_config(d, BLK_CFG_BLK_SIZE, &block_size, sizeof(block_size));
	blk->bdev.sector_size = valid_block_size(block_size) ? block_size : BLOCKDEV_SECTOR;
	blk->bdev.read_only = virtio_has_feature(d, VIRTIO_BLK_F_RO);
	blk->bdev.ops = &blk_ops;
	blk->bdev.priv = blk;
	blk->nqueues = queue_count(d);
	for (unsigned i = 0; i < blk->nqueues; i++) {
		blk->queue[i].blk = blk;
		blk->queue[i].vq = vq_create(d, i, BLK_QUEUE_SIZE, blk_done);
		if (!blk->queue[i].vq) {
			kfree(blk);
			return -1;
		}
	}
	if (d->ops->request_irq(d, blk_interrupt, blk) < 0) {
		kfree(blk);
		return -1;
	}
	snprintf(blk->bdev.name, sizeof(blk->bdev.name), "vd%c", 'a' + ndisks++);
	d->priv = blk;
	return 0;
}

static void id_answered(struct bio *bio)
{
	sem_post(bio->arg);
}

/* §5.2.6: GET_ID on the first queue. The thread sleeps (it does not spin)
 * for the one round trip, so that the console line can show the id. Any
 * error (UNSUPP from a device without ids) leaves none. */
static void read_id(struct blk *blk)
{
	struct semaphore answered;
	struct bio bio = { .op = BIO_READ, .buf = blk->id_raw, .len = sizeof(blk->id_raw),
			   .done = id_answered, .arg = &answered };
	struct blk_request *r = new_request(&blk->queue[0], &bio, VIRTIO_BLK_T_GET_ID, 0);

	sem_init(&answered, 0);
	if (!r || queue_request(&blk->queue[0], r) < 0)
		return;
	sem_wait(&answered);
	if (bio.status)
		return;
	for (unsigned i = 0; i < VIRTIO_BLK_ID_BYTES && blk->id_raw[i]; i++)
		blk->id[i] = blk->id_raw[i] >= ID_PRINTABLE_FIRST &&
			     blk->id_raw[i] <= ID_PRINTABLE_LAST ? (char)blk->id_raw[i] :
			     ID_REPLACEMENT;
}

static void blk_start(struct virtio_device *d)
{
	struct blk *blk = d->priv;

	for (unsigned i = 0; i < blk->nqueues; i++) {
		struct blk_queue *q = &blk->queue[i];
		unsigned long flags = spin_lock_irqsave(&q->lock);

		q->started = true;
		spin_unlock_irqrestore(&q->lock, flags);
	}
	read_id(blk);
	blockdev_register(&blk->bdev);
}

static void blk_describe(struct virtio_device *d, char *buf, size_t len)
{
	struct blk *blk = d->priv;
	uint64_t bytes = blk->bdev.sectors * BLOCKDEV_SECTOR;
	const char *ro = blk->bdev.read_only ? " ro" : "";
	size_t n;

	if (bytes % MIB)
		n = (size_t)snprintf(buf, len, "%s %llu sectors%s", blk->bdev.name,
				     (unsigned long long)blk->bdev.sectors, ro);
	else
		n = (size_t)snprintf(buf, len, "%s %llu MiB%s", blk->bdev.name,
				     (unsigned long long)(bytes / MIB), ro);
	if (blk->nqueues > 1 && n < len)
		n += (size_t)snprintf(buf + n, len - n, " %u queues", blk->nqueues);
	if (blk->id[0] && n < len)
		snprintf(buf + n, len - n, " id \"%s\"", blk->id);
}

static const struct virtio_driver blk_driver = {
	.name = "blk",
	.id = VIRTIO_ID_BLOCK,
	.features = VIRTIO_FEATURE(VIRTIO_BLK_F_RO) | VIRTIO_FEATURE(VIRTIO_BLK_F_BLK_SIZE) |
		    VIRTIO_FEATURE(VIRTIO_BLK_F_FLUSH) | VIRTIO_FEATURE(VIRTIO_BLK_F_MQ),
	.probe = blk_probe,
	.start = blk_start,
	.describe = blk_describe,
};

void virtio_blk_init(void)
{
	virtio_register_driver(&blk_driver);
}

/*
 * test.blk: every block device is read whole and checked against the
 * host's pattern, sector s holding the little-endian 64-bit value s
 * 64 times. A writable disk then gets a second pattern from sector
 * sectors/2 to the end (~s 64 times in sector s) and a flush; the host
 * checks it after exit. A read-only disk must refuse a write. A read past
 * the end, sent to the driver without blockdev_submit's checks, must come
 * back as the device's error. TEST_DEPTH bios are in flight at once.
 */
#define TEST_CHUNK (64 * 1024)
#define TEST_DEPTH 8
#define TEST_WORDS (BLOCKDEV_SECTOR / sizeof(uint64_t))
#define TEST_FAILED 1			/* the exit status when a check fails */

static bool test_blk;
KERNEL_FLAG("test.blk", test_blk);

struct blk_test {
	struct semaphore done;
	struct bio bio[TEST_DEPTH];
	uint64_t *buf[TEST_DEPTH];
};

static uint64_t pattern(uint64_t sector, bool second)
{
	return second ? ~sector : sector;
}

static void fill(uint64_t *buf, uint64_t sector, size_t len, bool second)
{
	for (size_t i = 0; i < len / sizeof(uint64_t); i++)
		buf[i] = pattern(sector + i / TEST_WORDS, second);
}

/* The first sector of buf that differs from the first pattern, or -1. */
static int64_t mismatch(const uint64_t *buf, uint64_t sector, size_t len)
{
	for (size_t i = 0; i < len / sizeof(uint64_t); i++)
		if (buf[i] != pattern(sector + i / TEST_WORDS, false))
			return (int64_t)(sector + i / TEST_WORDS);
	return -1;
}

static void test_done(struct bio *bio)
{
	sem_post(bio->arg);
}

/* Reads and checks, or writes, sectors [first, end) in TEST_CHUNK bios,
 * TEST_DEPTH at a time. false after one line saying why. */
static bool test_pass(struct blockdev *dev, struct blk_test *t, enum bio_op op,
		      uint64_t first, uint64_t end)
{
	const char *what = op == BIO_READ ? "read" : "write";

	while (first < end) {
		unsigned n = 0;
		int err = 0;

		while (n < TEST_DEPTH && first < end && !err) {
			uint64_t count = MIN(end - first, (uint64_t)TEST_CHUNK / BLOCKDEV_SECTOR);
			struct bio *bio = &t->bio[n];

			*bio = (struct bio){ .op = op, .sector = first, .buf = t->buf[n],
					     .len = count * BLOCKDEV_SECTOR, .done = test_done,
					     .arg = &t->done };
			if (op == BIO_WRITE)
				fill(t->buf[n], first, bio->len, true);
			err = blockdev_submit(dev, bio);
			if (!err) {
				n++;
				first += count;
			}
		}
		for (unsigned i = 0; i < n; i++)
			sem_wait(&t->done);
		if (err) {
			printk_line("blk-test: %s %s of sector %llu refused: %d", dev->name, what,
				    (unsigned long long)first, err);
			return false;
		}
		for (unsigned i = 0; i < n; i++) {
			struct bio *bio = &t->bio[i];
			int64_t bad;

			if (bio->status) {
				printk_line("blk-test: %s %s of sector %llu failed: %d", dev->name,
					    what, (unsigned long long)bio->sector, bio->status);
				return false;
			}
			bad = op == BIO_READ ? mismatch(bio->buf, bio->sector, bio->len) : -1;
			if (bad >= 0) {
				printk_line("blk-test: %s mismatch at sector %lld", dev->name,
					    (long long)bad);
				return false;
			}
		}
	}
	return true;
}

/* One sector read from past the end, straight to the driver. */
static bool test_device_error(struct blockdev *dev, struct blk_test *t)
{
	struct bio *bio = &t->bio[0];

	*bio = (struct bio){ .op = BIO_READ, .sector = dev->sectors, .buf = t->buf[0],
			     .len = dev->sector_size, .done = test_done, .arg = &t->done };
	if (dev->ops->submit(dev, bio) < 0) {
		printk_line("blk-test: %s read past the end refused by the driver", dev->name);
		return false;
	}
	sem_wait(&t->done);
	if (bio->status != -BLOCKDEV_EIO) {
		printk_line("blk-test: %s read past the end: status %d, expected %d", dev->name,
			    bio->status, -BLOCKDEV_EIO);
		return false;
	}
	return true;
}

static bool test_disk(struct blockdev *dev, struct blk_test *t)
{
	uint64_t half = ALIGN_UP(dev->sectors / 2, (uint64_t)dev->sector_size / BLOCKDEV_SECTOR);
	int err;

	if (!test_pass(dev, t, BIO_READ, 0, dev->sectors) || !test_device_error(dev, t))
		return false;
	if (dev->read_only) {
		err = blockdev_write(dev, 0, t->buf[0], dev->sector_size);
		if (err != -BLOCKDEV_EROFS) {
			printk_line("blk-test: %s write to a read-only disk returned %d",
				    dev->name, err);
			return false;
		}
		printk_line("blk-test: %s %llu sectors verified, read-only, write refused",
			    dev->name, (unsigned long long)dev->sectors);
		return true;
	}
	if (!test_pass(dev, t, BIO_WRITE, half, dev->sectors))
		return false;
	err = blockdev_flush(dev);
	if (err) {
		printk_line("blk-test: %s flush failed: %d", dev->name, err);
		return false;
	}
	printk_line("blk-test: %s %llu sectors verified, %llu written", dev->name,
		    (unsigned long long)dev->sectors, (unsigned long long)(dev->sectors - half));
	return true;
}

void virtio_blk_selftest(void)
{
	struct blk_test *t;
	bool ok = true;

	if (!test_blk)
		return;
	t = kzalloc(sizeof(*t));
	for (unsigned i = 0; t && i < TEST_DEPTH; i++) {
		t->buf[i] = kmalloc(TEST_CHUNK);
		ok = ok && t->buf[i];
	}
	if (!t || !ok) {
		printk_line("blk-test: out of memory");
		power_off(TEST_FAILED);
	}
	sem_init(&t->done, 0);
	if (!blockdev_count()) {
		printk_line("blk-test: no block devices");
		ok = false;
	}
	for (unsigned i = 0; i < blockdev_count(); i++)
		ok = test_disk(blockdev_get(i), t) && ok;
	for (unsigned i = 0; i < TEST_DEPTH; i++)
		kfree(t->buf[i]);
	kfree(t);
	if (!ok)
		power_off(TEST_FAILED);
}
