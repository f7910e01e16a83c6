/* Pseudo-terminals: each open of /dev/ptmx makes a master and a slave,
 * /dev/pts/N, locked until TIOCSPTLCK unlocks it. The slave is a terminal
 * with fs/tty.c's line discipline: what the master writes is its input,
 * and its output (echo included) fills the master's ring. */
#include <flint/errno.h>
#include <flint/format.h>
#include <flint/heap.h>
#include <flint/printk.h>
#include <flint/string.h>
#include <flint/sync.h>
#include <flint/tty.h>
#include <flint/vfs.h>

/* Linux's numbers (Documentation/admin-guide/devices.txt): /dev/ptmx 5:2,
 * the slaves 136:N (UNIX98_PTY_SLAVE_MAJOR). */
#define PTMX_MAJOR 5
#define PTMX_MINOR 2
#define PTS_MAJOR 136
#define PTMX_PERM 0666
#define PTS_DIR_PERM 0755
#define PTS_PERM 0620			/* devpts' default mode= */
#define PTY_MAX 256			/* pairs at once (Linux: kernel.pty.max) */
#define PTY_OUT_SIZE 4096		/* the slave's output waiting for the master */
#define PTS_PATH_MAX 24

/* tty first: out and room get the pty from it. Under tty.lock: the ring,
 * locked, slaves, slave_opened. */
struct pty {
	struct tty tty;
	char out[PTY_OUT_SIZE];
	uint64_t orpos, owpos;
	int index;
	uint64_t ino;			/* the slave's node */
	bool locked;
	unsigned slaves;		/* open slave files */
	bool slave_opened;		/* ever: until then a master read waits */
	unsigned refs;			/* the master and the slave files, under table_lock */
};

static spinlock_t table_lock;
static struct pty *table[PTY_MAX];

static struct pty *pty_of(struct tty *t)
{
	return (struct pty *)t;
}

static size_t out_room(struct tty *t)
{
	struct pty *p = pty_of(t);

	return PTY_OUT_SIZE - (p->owpos - p->orpos);
}

/* Echo past a full ring is dropped, as Linux drops it. */
static void out_push(struct tty *t, const char *s, size_t n)
{
	struct pty *p = pty_of(t);

	for (size_t i = 0; i < n && out_room(t); i++)
		p->out[p->owpos++ % PTY_OUT_SIZE] = s[i];
}

static void out_flush(struct tty *t)
{
	struct pty *p = pty_of(t);

	p->orpos = p->owpos;
}

static void pts_path(int index, char *buf)
{
	snprintf(buf, PTS_PATH_MAX, "/dev/pts/%d", index);
}

static void pty_put(struct pty *p)
{
	unsigned long flags = spin_lock_irqsave(&table_lock);
	bool last = --p->refs == 0;

	if (last)
		table[p->index] = NULL;
	spin_unlock_irqrestore(&table_lock, flags);
	if (last)
		kfree(p);
}

/* Under table_lock (a reference taken then) or the registry's. */
static void slave_get(struct pty *p, struct file *f)
{
	unsigned long flags = spin_lock_irqsave(&p->tty.lock);

	p->slaves++;
	p->slave_opened = true;
	spin_unlock_irqrestore(&p->tty.lock, flags);
	f->priv = p;
}

static long pts_read(struct file *f, void *buf, size_t n)
{
	return tty_ldisc_read(f->priv, f, buf, n);
}

static long pts_write(struct file *f, const void *buf, size_t n)
{
	return tty_ldisc_write(f->priv, f, buf, n);
}

static unsigned pts_poll(struct file *f)
{
	return tty_ldisc_poll(f->priv);
}

static long pts_ioctl(struct file *f, unsigned long cmd, void *arg)
{
	return tty_ldisc_ioctl(f->priv, cmd, arg);
}

static const struct file_ops ptm_ops;

static struct pty *find_ino(uint64_t ino)
{
	for (int i = 0; i < PTY_MAX; i++)
		if (table[i] && table[i]->ino == ino)
			return table[i];
	return NULL;
}

/* A TIOCGPTPEER file has no node: it tells all its node would. */
static int pts_stat(struct file *f, struct vfs_stat *st)
{
	struct pty *p = f->priv;
	unsigned long flags = spin_lock_irqsave(&table_lock);
	int index = -1;

	if (!p)
		p = find_ino(st->ino);
	if (p)
		index = p->index;
	if (p && !f->node) {
		st->mode = VFS_S_IFCHR | PTS_PERM;
		st->nlink = 1;
		st->ino = p->ino;
	}
	spin_unlock_irqrestore(&table_lock, flags);
	if (index >= 0)
		st->rdev = VFS_RDEV(PTS_MAJOR, (unsigned)index);
	return 0;
}

/* A locked slave, or one whose master is going, cannot be opened (EIO). */
static int pts_open(struct file *f)
{
	struct vfs_stat st;
	unsigned long flags;
	struct pty *p;
	int r = vfs_file_stat(f, &st);

	if (r < 0)
		return r;
	flags = spin_lock_irqsave(&table_lock);
	p = find_ino(st.ino);
	if (!p || p->locked || p->tty.hung) {
		spin_unlock_irqrestore(&table_lock, flags);
		return -EIO;
	}
	p->refs++;
	slave_get(p, f);
	spin_unlock_irqrestore(&table_lock, flags);
	tty_open_ctty(&p->tty, f->flags);
	return 0;
}

static void pts_release(struct file *f)
{
	struct pty *p = f->priv;
	unsigned long flags;

	if (!p)
		return;
	flags = spin_lock_irqsave(&p->tty.lock);
	p->slaves--;
	spin_unlock_irqrestore(&p->tty.lock, flags);
	vfs_poll_notify();
	pty_put(p);
}

static const struct file_ops pts_ops = {
	.open = pts_open,
	.read = pts_read,
	.write = pts_write,
	.poll = pts_poll,
	.ioctl = pts_ioctl,
	.stat = pts_stat,
	.release = pts_release,
};

int pty_open_peer(struct file *master, int flags, struct file **out)
{
	struct pty *p = master->priv;
	unsigned long irq;
	struct file *f;

	if (master->ops != &ptm_ops)
		return -ENOTTY;
	f = file_new(&pts_ops, flags & ~VFS_O_CLOEXEC, NULL);
	if (!f)
		return -ENOMEM;
	irq = spin_lock_irqsave(&table_lock);
	if (p->locked) {
		spin_unlock_irqrestore(&table_lock, irq);
		file_put(f);
		return -EIO;
	}
	p->refs++;
	slave_get(p, f);
	spin_unlock_irqrestore(&table_lock, irq);
	tty_open_ctty(&p->tty, f->flags);
	f->flags &= ~VFS_O_NOCTTY;
	*out = f;
	return 0;
}

/* /dev/tty for a session this slave controls. */
static int pts_attach(struct tty *t, struct file *f)
{
	struct pty *p = pty_of(t);
	unsigned long flags = spin_lock_irqsave(&table_lock);

	p->refs++;
	spin_unlock_irqrestore(&table_lock, flags);
	f->ops = &pts_ops;
	slave_get(p, f);
	return 0;
}

/* The slave's output; once every slave file is closed, -EIO (Linux). */
static long ptm_read(struct file *f, void *buf, size_t n)
{
	struct pty *p = f->priv;
	char *dst = buf;

	if (!n)
		return 0;
	for (;;) {
		uint64_t gen = vfs_poll_generation();
		unsigned long flags = spin_lock_irqsave(&p->tty.lock);
		size_t got = 0;
		bool gone = p->slave_opened && !p->slaves;
		int r;

		while (got < n && p->orpos < p->owpos)
			dst[got++] = p->out[p->orpos++ % PTY_OUT_SIZE];
		spin_unlock_irqrestore(&p->tty.lock, flags);
		if (got) {
			vfs_poll_notify();
			return (long)got;
		}
		if (gone)
			return -EIO;
		if (f->flags & VFS_O_NONBLOCK)
			return -EAGAIN;
		r = vfs_poll_wait(gen, 0);
		if (r < 0)
			return r;
	}
}

/* The slave's input, through its line discipline; the signals its
 * ISIG characters make go to the slave's foreground group. */
static long ptm_write(struct file *f, const void *buf, size_t n)
{
	struct pty *p = f->priv;
	const char *s = buf;

	for (size_t i = 0; i < n; i++) {
		int sig = tty_input(&p->tty, s[i]);

		if (sig)
			tty_signal(&p->tty, sig);
	}
	vfs_poll_notify();
	return (long)n;
}

static unsigned ptm_poll(struct file *f)
{
	struct pty *p = f->priv;
	unsigned long flags = spin_lock_irqsave(&p->tty.lock);
	unsigned mask = VFS_POLLOUT;

	if (p->orpos < p->owpos)
		mask |= VFS_POLLIN;
	if (p->slave_opened && !p->slaves)
		mask |= VFS_POLLHUP;
	spin_unlock_irqrestore(&p->tty.lock, flags);
	return mask;
}

static long ptm_ioctl(struct file *f, unsigned long cmd, void *arg)
{
	struct pty *p = f->priv;
	unsigned long flags;

	switch (cmd) {
	case TTY_TIOCGPTN:
		*(int *)arg = p->index;
		return 0;
	case TTY_TIOCSPTLCK:
		flags = spin_lock_irqsave(&p->tty.lock);
		p->locked = *(const int *)arg != 0;
		spin_unlock_irqrestore(&p->tty.lock, flags);
		return 0;
	case VFS_FIONREAD:
		flags = spin_lock_irqsave(&p->tty.lock);
		*(int *)arg = (int)(p->owpos - p->orpos);
		spin_unlock_irqrestore(&p->tty.lock, flags);
		return 0;
	default:
		return tty_ldisc_ioctl(&p->tty, cmd, arg);
	}
}

static int ptm_stat(struct file *f, struct vfs_stat *st)
{
	(void)f;
	st->rdev = VFS_RDEV(PTMX_MAJOR, PTMX_MINOR);
	return 0;
}

/* The slave is hung up and its name goes; open slave files keep the pair. */
static void ptm_release(struct file *f)
{
	struct pty *p = f->priv;
	char path[PTS_PATH_MAX];

	if (!p)
		return;
	tty_unregister(&p->tty);
	tty_hangup(&p->tty);
	pts_path(p->index, path);
	vfs_unlink(NULL, path);
	pty_put(p);
}

static int ptm_open(struct file *f);

static const struct file_ops ptm_ops = {
	.open = ptm_open,
	.read = ptm_read,
	.write = ptm_write,
	.poll = ptm_poll,
	.ioctl = ptm_ioctl,
	.stat = ptm_stat,
	.release = ptm_release,
};

static struct pty *pty_new(void)
{
	struct pty *p = kzalloc(sizeof(*p));
	unsigned long flags;

	if (!p)
		return NULL;
	tty_setup(&p->tty);
	p->tty.out = out_push;
	p->tty.room = out_room;
	p->tty.attach = pts_attach;
	p->tty.flush_out = out_flush;
	p->locked = true;
	p->refs = 1;
	p->index = -1;
	flags = spin_lock_irqsave(&table_lock);
	for (int i = 0; i < PTY_MAX; i++) {
		if (!table[i]) {
			table[i] = p;
			p->index = i;
			break;
		}
	}
	spin_unlock_irqrestore(&table_lock, flags);
	if (p->index < 0) {
		kfree(p);
		return NULL;
	}
	return p;
}

/* A new pair; out of slots: -ENOSPC, as Linux past kernel.pty.max. */
static int ptm_open(struct file *f)
{
	char path[PTS_PATH_MAX];
	struct vfs_stat st;
	struct pty *p = pty_new();
	int r;

	if (!p)
		return -ENOSPC;
	pts_path(p->index, path);
	r = vfs_mkdev(NULL, path, PTS_PERM, &pts_ops);
	if (r == 0)
		r = vfs_stat(NULL, path, false, &st);
	if (r < 0) {
		vfs_unlink(NULL, path);
		pty_put(p);
		return r;
	}
	p->ino = st.ino;
	f->priv = p;
	tty_register(&p->tty);
	return 0;
}

void pty_init(void)
{
	int r = vfs_mkdir(NULL, "/dev/pts", PTS_DIR_PERM);

	if (r == 0 || r == -EEXIST)
		r = vfs_mkdev(NULL, "/dev/ptmx", PTMX_PERM, &ptm_ops);
	if (r < 0 && r != -EEXIST)
		printk_line("fs: cannot create /dev/ptmx and /dev/pts (error %d)", -r);
}
