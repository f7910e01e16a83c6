/* Pipes: a ring buffer shared by a read end and a write end. Blocking
 * transfers sleep in vfs_poll_wait and every change of state notifies.
 * A named pipe (FIFO) node holds its pipe while any end is open. */
#include <flint/errno.h>
#include <flint/heap.h>
#include <flint/string.h>
#include <flint/sync.h>
#include <flint/vfs.h>

#include "fs.h"

#define PIPE_SIZE 65536		/* Linux's default capacity (16 pages) */
#define PIPE_BUF 4096		/* atomic writes, include/uapi/linux/limits.h */
#define PIPE_PERM 0600		/* what Linux's pipefs inodes show */

struct pipe {
	spinlock_t lock;
	unsigned readers, writers;	/* open ends: 0 or 1 each, any for a FIFO */
	unsigned reader_opens, writer_opens;	/* FIFO opens so far: a waiting
						 * open sees an end that came and went */
	size_t head, count;		/* the oldest byte, and how many */
	unsigned char buf[PIPE_SIZE];
};

/* Takes up to n bytes out of the ring. */
static size_t take(struct pipe *p, unsigned char *dst, size_t n)
{
	size_t done = 0;

	if (n > p->count)
		n = p->count;
	while (done < n) {
		size_t run = PIPE_SIZE - p->head;

		if (run > n - done)
			run = n - done;
		memcpy(dst + done, p->buf + p->head, run);
		p->head = (p->head + run) % PIPE_SIZE;
		done += run;
	}
	p->count -= n;
	return n;
}

/* Puts up to n bytes into the ring. */
static size_t put(struct pipe *p, const unsigned char *src, size_t n)
{
	size_t done = 0;

	if (n > PIPE_SIZE - p->count)
		n = PIPE_SIZE - p->count;
	while (done < n) {
		size_t tail = (p->head + p->count) % PIPE_SIZE, run = PIPE_SIZE - tail;

		if (run > n - done)
			run = n - done;
		memcpy(p->buf + tail, src + done, run);
		p->count += run;
		done += run;
	}
	return n;
}

static long pipe_read(struct file *f, void *buf, size_t n)
{
	struct pipe *p = f->priv;

	if (!n)
		return 0;
	for (;;) {
		uint64_t gen = vfs_poll_generation();
		unsigned long flags = spin_lock_irqsave(&p->lock);
		size_t got = take(p, buf, n);
		bool eof = !got && !p->writers;
		int r;

		spin_unlock_irqrestore(&p->lock, flags);
		if (got) {
			vfs_poll_notify();
			return (long)got;
		}
		if (eof)
			return 0;
		if (f->flags & VFS_O_NONBLOCK)
			return -EAGAIN;
		r = vfs_poll_wait(gen, 0);
		if (r < 0)
			return r;
	}
}

/* Writes of at most PIPE_BUF bytes go in whole or wait; bigger ones go
 * in pieces. Returns what was written once it is all in, or what was
 * written before an error (-EPIPE, -EAGAIN, -EINTR) when that is not
 * nothing. */
static long pipe_write(struct file *f, const void *buf, size_t n)
{
	struct pipe *p = f->priv;
	const unsigned char *src = buf;
	size_t done = 0;
	int r = 0;

	while (done < n) {
		uint64_t gen = vfs_poll_generation();
		unsigned long flags = spin_lock_irqsave(&p->lock);
		size_t put_now = 0;
		bool broken = !p->readers;

		if (!broken && (n > PIPE_BUF || PIPE_SIZE - p->count >= n))
			put_now = put(p, src + done, n - done);
		spin_unlock_irqrestore(&p->lock, flags);
		if (put_now) {
			done += put_now;
			vfs_poll_notify();
			continue;
		}
		if (broken)
			r = -EPIPE;
		else if (f->flags & VFS_O_NONBLOCK)
			r = -EAGAIN;
		else
			r = vfs_poll_wait(gen, 0);
		if (r < 0)
			break;
	}
	return done ? (long)done : r;
}

static unsigned pipe_read_poll(struct file *f)
{
	struct pipe *p = f->priv;
	unsigned long flags = spin_lock_irqsave(&p->lock);
	unsigned bits = (p->count ? VFS_POLLIN : 0) | (p->writers ? 0 : VFS_POLLHUP);

	spin_unlock_irqrestore(&p->lock, flags);
	return bits;
}

static unsigned pipe_write_poll(struct file *f)
{
	struct pipe *p = f->priv;
	unsigned long flags = spin_lock_irqsave(&p->lock);
	unsigned bits = (PIPE_SIZE - p->count >= PIPE_BUF ? VFS_POLLOUT : 0) |
			(p->readers ? 0 : VFS_POLLERR);

	spin_unlock_irqrestore(&p->lock, flags);
	return bits;
}

/* FIONREAD: the bytes waiting, as an int. */
static long pipe_ioctl(struct file *f, unsigned long cmd, void *arg)
{
	struct pipe *p = f->priv;

	if (cmd != VFS_FIONREAD)
		return -ENOTTY;
	*(int *)arg = (int)__atomic_load_n(&p->count, __ATOMIC_RELAXED);
	return 0;
}

static int pipe_stat(struct file *f, struct vfs_stat *st)
{
	(void)f;
	st->mode = VFS_S_IFIFO | PIPE_PERM;
	st->nlink = 1;
	return 0;
}

/* One end is gone; the pipe goes with the second. */
static void pipe_close_end(struct file *f, bool reader)
{
	struct pipe *p = f->priv;
	unsigned long flags = spin_lock_irqsave(&p->lock);
	bool last;

	if (reader)
		p->readers--;
	else
		p->writers--;
	last = !p->readers && !p->writers;
	spin_unlock_irqrestore(&p->lock, flags);
	if (last)
		kfree(p);
	else
		vfs_poll_notify();
}

static void pipe_read_release(struct file *f)
{
	pipe_close_end(f, true);
}

static void pipe_write_release(struct file *f)
{
	pipe_close_end(f, false);
}

static const struct file_ops pipe_read_ops = {
	.read = pipe_read,
	.poll = pipe_read_poll,
	.ioctl = pipe_ioctl,
	.stat = pipe_stat,
	.release = pipe_read_release,
};

static const struct file_ops pipe_write_ops = {
	.write = pipe_write,
	.poll = pipe_write_poll,
	.ioctl = pipe_ioctl,
	.stat = pipe_stat,
	.release = pipe_write_release,
};

/* A FIFO opened for reading and writing: both ends in one description. */
static unsigned fifo_poll(struct file *f)
{
	return pipe_read_poll(f) | pipe_write_poll(f);
}

static void fifo_release(struct file *f);

static const struct file_ops fifo_ops = {
	.read = pipe_read,
	.write = pipe_write,
	.poll = fifo_poll,
	.ioctl = pipe_ioctl,
	.release = fifo_release,
};

/* Guards FIFO nodes' dev_priv, their pipe while any end is open. */
static spinlock_t fifo_lock;

static void fifo_release(struct file *f)
{
	int acc = f->flags & VFS_O_ACCMODE;
	struct pipe *p = f->priv;
	unsigned long flags = spin_lock_irqsave(&fifo_lock);
	bool last;

	spin_lock(&p->lock);
	if (acc != VFS_O_WRONLY)
		p->readers--;
	if (acc != VFS_O_RDONLY)
		p->writers--;
	last = !p->readers && !p->writers;
	spin_unlock(&p->lock);
	if (last)
		f->node->dev_priv = NULL;
	spin_unlock_irqrestore(&fifo_lock, flags);
	if (last)
		kfree(p);
	else
		vfs_poll_notify();
}

/* fifo(7): an open for reading waits for a writer and one for writing
 * for a reader, unless nonblocking (then a writer without a reader is
 * ENXIO); an open for both never waits. */
int pipe_fifo_open(struct file *f)
{
	int acc = f->flags & VFS_O_ACCMODE;
	bool nonblock = f->flags & VFS_O_NONBLOCK;
	unsigned long flags = spin_lock_irqsave(&fifo_lock);
	struct pipe *p = f->node->dev_priv;
	unsigned seen;

	if (!p) {
		p = kzalloc(sizeof(*p));
		if (!p) {
			spin_unlock_irqrestore(&fifo_lock, flags);
			return -ENOMEM;
		}
		f->node->dev_priv = p;
	}
	spin_lock(&p->lock);
	if (acc == VFS_O_WRONLY && nonblock && !p->readers) {
		bool unused = !p->writers;

		spin_unlock(&p->lock);
		if (unused)
			f->node->dev_priv = NULL;
		spin_unlock_irqrestore(&fifo_lock, flags);
		if (unused)
			kfree(p);
		return -ENXIO;
	}
	if (acc != VFS_O_WRONLY) {
		p->readers++;
		p->reader_opens++;
	}
	if (acc != VFS_O_RDONLY) {
		p->writers++;
		p->writer_opens++;
	}
	seen = acc == VFS_O_RDONLY ? p->writer_opens : p->reader_opens;
	spin_unlock(&p->lock);
	spin_unlock_irqrestore(&fifo_lock, flags);
	f->ops = &fifo_ops;
	f->priv = p;
	vfs_poll_notify();
	if (acc == VFS_O_RDWR || nonblock)
		return 0;
	for (;;) {
		uint64_t gen = vfs_poll_generation();
		unsigned now, there;
		int r;

		flags = spin_lock_irqsave(&p->lock);
		if (acc == VFS_O_RDONLY) {
			now = p->writer_opens;
			there = p->writers;
		} else {
			now = p->reader_opens;
			there = p->readers;
		}
		spin_unlock_irqrestore(&p->lock, flags);
		if (there || now != seen)
			return 0;
		r = vfs_poll_wait(gen, 0);
		if (r < 0)
			return r;	/* the caller's file_put drops this end */
	}
}

long vfs_pipe_size(const struct file *f)
{
	if (f->ops != &pipe_read_ops && f->ops != &pipe_write_ops && f->ops != &fifo_ops)
		return -EBADF;
	return PIPE_SIZE;
}

/* flags: VFS_O_NONBLOCK for both ends (O_CLOEXEC is the caller's, for
 * its descriptors). */
int vfs_pipe(struct file *ends[2], int flags)
{
	int nonblock = flags & VFS_O_NONBLOCK;
	struct pipe *p = kzalloc(sizeof(*p));

	if (!p)
		return -ENOMEM;
	p->readers = 1;
	p->writers = 1;
	ends[0] = file_new(&pipe_read_ops, VFS_O_RDONLY | nonblock, p);
	ends[1] = file_new(&pipe_write_ops, VFS_O_WRONLY | nonblock, p);
	if (ends[0] && ends[1])
		return 0;
	kfree(ends[0]);
	kfree(ends[1]);
	kfree(p);
	return -ENOMEM;
}
