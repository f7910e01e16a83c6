/*
 * The virtio entropy device (Virtio 1.2 §5.4): one queue of buffers the
 * device fills with random bytes. At start the driver asks for one
 * buffer to seed the kernel's entropy pool; virtio_selftest (test.virtio)
 * reads the device directly. The first device found is the one used.
 */
#include <flint/entropy.h>
#include <flint/format.h>
#include <flint/heap.h>
#include <flint/param.h>
#include <flint/printk.h>
#include <flint/sync.h>
#include <flint/timer.h>
#include <flint/virtio_boot.h>

#include "virtio.h"
#include "vring.h"

#define RNG_QUEUE 0			/* §5.4.2: requestq */
#define RNG_QUEUE_SIZE 8
#define RNG_SEED_BYTES 64
#define TEST_BYTES 64
#define TEST_WAIT_US 1000
#define TEST_WAIT_TRIES 1000		/* a second in all */

struct rng_request {
	uint8_t *buf;
	uint32_t len;			/* what the device wrote */
	bool seed;			/* feeds the pool */
	volatile bool done;
};

struct rng {
	struct virtio_device *dev;
	struct virtqueue *vq;
	spinlock_t lock;		/* the queue */
	struct rng_request seed;
};

static struct rng *the_rng;
static bool test_virtio;
KERNEL_FLAG("test.virtio", test_virtio);

static void rng_done(struct virtqueue *vq, void *token, uint32_t len)
{
	struct rng_request *r = token;

	(void)vq;
	r->len = len;
	if (r->seed) {
		entropy_add(r->buf, len);
		kfree(r->buf);
		r->buf = NULL;
	}
	r->done = true;
}

static void rng_interrupt(void *arg)
{
	struct rng *rng = arg;
	unsigned long flags = spin_lock_irqsave(&rng->lock);

	vq_poll(rng->vq);
	spin_unlock_irqrestore(&rng->lock, flags);
}

static int rng_submit(struct rng *rng, struct rng_request *r, uint32_t len, bool kick)
{
	struct vring_buf b = { .addr = r->buf, .len = len, .device_writes = true };
	unsigned long flags = spin_lock_irqsave(&rng->lock);
	int ret = vq_add(rng->vq, &b, 1, r);

	if (!ret && kick)
		vq_kick(rng->vq);
	spin_unlock_irqrestore(&rng->lock, flags);
	return ret;
}

static int rng_probe(struct virtio_device *d)
{
	struct rng *rng = kzalloc(sizeof(*rng));

	if (!rng)
		return -1;
	rng->dev = d;
	rng->vq = vq_create(d, RNG_QUEUE, RNG_QUEUE_SIZE, rng_done);
	if (!rng->vq || d->ops->request_irq(d, rng_interrupt, rng) < 0) {
		kfree(rng);
		return -1;
	}
	rng->seed.seed = true;
	rng->seed.buf = kmalloc(RNG_SEED_BYTES);
	if (rng->seed.buf && rng_submit(rng, &rng->seed, RNG_SEED_BYTES, false) < 0) {
		kfree(rng->seed.buf);
		rng->seed.buf = NULL;
	}
	d->priv = rng;
	if (!the_rng)
		the_rng = rng;
	return 0;
}

static void rng_start(struct virtio_device *d)
{
	struct rng *rng = d->priv;
	unsigned long flags = spin_lock_irqsave(&rng->lock);

	vq_kick(rng->vq);
	spin_unlock_irqrestore(&rng->lock, flags);
}

static void rng_describe(struct virtio_device *d, char *buf, size_t len)
{
	(void)d;
	if (len)
		snprintf(buf, len, "entropy");
}

static const struct virtio_driver rng_driver = {
	.name = "rng",
	.id = VIRTIO_ID_RNG,
	.probe = rng_probe,
	.start = rng_start,
	.describe = rng_describe,
};

void virtio_rng_init(void)
{
	virtio_register_driver(&rng_driver);
}

/* One request of TEST_BYTES straight from the device, by interrupt:
 * NULL with *zero set, or why it failed. */
static const char *rng_test(struct rng *rng, struct rng_request *r, bool *zero)
{
	if (rng_submit(rng, r, TEST_BYTES, true) < 0)
		return vq_broken(rng->vq) ? "queue broken" : "queue full";
	for (unsigned i = 0; i < TEST_WAIT_TRIES && !r->done; i++)
		sleep_us(TEST_WAIT_US);
	if (!r->done)
		return vq_broken(rng->vq) ? "queue broken" : "no answer";
	if (r->len != TEST_BYTES)
		return "short read";
	*zero = true;
	for (unsigned i = 0; i < TEST_BYTES; i++)
		*zero = *zero && !r->buf[i];
	return NULL;
}

void virtio_selftest(void)
{
	struct rng_request *r;
	const char *why = "out of memory";
	bool zero;

	if (!test_virtio)
		return;
	if (!the_rng) {
		printk_line("virtio-test: rng failed: no device");
		return;
	}
	r = kzalloc(sizeof(*r));
	if (r)
		r->buf = kmalloc(TEST_BYTES);
	if (r && r->buf)
		why = rng_test(the_rng, r, &zero);
	if (why)
		printk_line("virtio-test: rng failed: %s", why);
	else
		printk_line("virtio-test: rng %u bytes, %s", TEST_BYTES,
			    zero ? "all zero" : "not all zero");
	/* A request still on the queue keeps its memory: the device may yet
	 * write it. */
	if (r && (r->done || !r->buf)) {
		kfree(r->buf);
		kfree(r);
	}
}
