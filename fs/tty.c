/* Terminals: a line discipline per struct tty (<flint/tty.h>), used by
 * the serial console (COM1's input arrives in interrupt context) and by
 * the pty slaves of fs/pty.c. Canonical mode keeps the line being edited
 * at the end of the input ring, after the lines ready to read; raw mode
 * hands every byte over as it comes. */
#include <flint/errno.h>
#include <flint/printk.h>
#include <flint/serial.h>
#include <flint/string.h>
#include <flint/sync.h>
#include <flint/timer.h>
#include <flint/tty.h>
#include <flint/vfs.h>

/* termios bits and c_cc indices, uapi/asm-generic/termbits.h and
 * termbits-common.h. */
#define T_ISTRIP 0x020
#define T_INLCR 0x040
#define T_IGNCR 0x080
#define T_ICRNL 0x100
#define T_IXON 0x0400
#define T_OPOST 0x01
#define T_ONLCR 0x04
#define T_OCRNL 0x08
#define T_B38400 0x0f
#define T_CS8 0x30
#define T_CREAD 0x80
#define T_HUPCL 0x400
#define T_ISIG 0x00001
#define T_ICANON 0x00002
#define T_ECHO 0x00008
#define T_ECHOE 0x00010
#define T_ECHOK 0x00020
#define T_ECHONL 0x00040
#define T_NOFLSH 0x00080
#define T_ECHOCTL 0x00200
#define T_ECHOKE 0x00800
#define T_IEXTEN 0x08000
#define T_VINTR 0
#define T_VQUIT 1
#define T_VERASE 2
#define T_VKILL 3
#define T_VEOF 4
#define T_VTIME 5
#define T_VMIN 6
#define T_VSTART 8
#define T_VSTOP 9
#define T_VSUSP 10
#define T_VEOL 11
#define T_VREPRINT 12
#define T_VDISCARD 13
#define T_VWERASE 14
#define T_VLNEXT 15
#define T_VEOL2 16

/* What the ISIG characters send (arch/x86/include/uapi/asm/signal.h). */
#define T_SIGINT 2
#define T_SIGQUIT 3
#define T_SIGTSTP 20
#define T_SIGHUP 1
#define T_SIGCONT 18
#define T_SIGWINCH 28

/* Linux's default control characters (include/linux/tty.h INIT_C_CC). */
#define CTRL(c) ((c) & 0x1f)
#define ASCII_DEL 0x7f
#define CTRL_ECHO_FLIP 0x40	/* ^C is shown as '^' and 'C' = 0x03 ^ 0x40 */

/* Linux's numbers (Documentation/admin-guide/devices.txt): /dev/tty 5:0,
 * /dev/console 5:1. */
#define TTY_MAJOR 5
#define TTY_TTY_MINOR 0
#define TTY_CONSOLE_MINOR 1
#define TTY_CONSOLE_PERM 0600
#define TTY_TTY_PERM 0666

#define TTY_ROWS 24
#define TTY_COLS 80
#define TTY_DEFAULT_PGRP 1
#define TTY_OUT_CHUNK 64
#define NS_PER_DECISECOND 100000000ull	/* VTIME's unit */

/* What an input ring byte is. */
enum tty_kind {
	TTY_DATA,
	TTY_LINE_END,		/* a '\n', VEOL or VEOL2, delivered */
	TTY_EOF,		/* VEOF ended the line: not delivered */
};

static const struct vfs_termios default_termios = {
	.c_iflag = T_ICRNL | T_IXON,
	.c_oflag = T_OPOST | T_ONLCR,
	.c_cflag = T_B38400 | T_CS8 | T_CREAD | T_HUPCL,
	.c_lflag = T_ISIG | T_ICANON | T_ECHO | T_ECHOE | T_ECHOK | T_ECHOCTL | T_ECHOKE |
		   T_IEXTEN,
	.c_cc = {
		[T_VINTR] = CTRL('C'), [T_VQUIT] = CTRL('\\'),
		[T_VERASE] = ASCII_DEL, [T_VKILL] = CTRL('U'),
		[T_VEOF] = CTRL('D'), [T_VTIME] = 0, [T_VMIN] = 1,
		[T_VSTART] = CTRL('Q'), [T_VSTOP] = CTRL('S'),
		[T_VSUSP] = CTRL('Z'), [T_VREPRINT] = CTRL('R'),
		[T_VDISCARD] = CTRL('O'), [T_VWERASE] = CTRL('W'),
		[T_VLNEXT] = CTRL('V'),
	},
};

void tty_setup(struct tty *t)
{
	t->tio = default_termios;
	t->ws = (struct vfs_winsize){ .ws_row = TTY_ROWS, .ws_col = TTY_COLS };
}

static void console_out(struct tty *t, const char *s, size_t n)
{
	(void)t;
	serial_write_raw(s, n);
}

static int console_attach(struct tty *t, struct file *f)
{
	(void)t;
	(void)f;
	return 0;
}

/* The console is process 1's session's controlling terminal. */
static struct tty console = {
	.pgrp = TTY_DEFAULT_PGRP,
	.session = TTY_DEFAULT_PGRP,
	.out = console_out,
	.attach = console_attach,
};

static bool lflag(const struct tty *t, uint32_t bit)
{
	return t->tio.c_lflag & bit;
}

/* Whether c is control character idx (0 disables one, as in Linux). */
static bool is_cc(const struct tty *t, unsigned idx, char c)
{
	return t->tio.c_cc[idx] && (unsigned char)c == t->tio.c_cc[idx];
}

static bool is_ctrl(char c)
{
	return (unsigned char)c < ' ' || c == ASCII_DEL;
}

/* Output with the oflag translations. */
static void output(struct tty *t, uint32_t oflag, const char *s, size_t n)
{
	char chunk[TTY_OUT_CHUNK];
	size_t len = 0;

	if (!(oflag & T_OPOST)) {
		t->out(t, s, n);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (len + 2 > sizeof(chunk)) {
			t->out(t, chunk, len);
			len = 0;
		}
		if (c == '\n' && (oflag & T_ONLCR))
			chunk[len++] = '\r';
		else if (c == '\r' && (oflag & T_OCRNL))
			c = '\n';
		chunk[len++] = c;
	}
	t->out(t, chunk, len);
}

/* Echoes c as typed: control characters as ^X with ECHOCTL. */
static void echo(struct tty *t, char c)
{
	char caret[2] = { '^', (char)(c ^ CTRL_ECHO_FLIP) };

	if (!lflag(t, T_ECHO))
		return;
	if (lflag(t, T_ECHOCTL) && is_ctrl(c) && c != '\n' && c != '\t')
		output(t, t->tio.c_oflag, caret, sizeof(caret));
	else
		output(t, t->tio.c_oflag, &c, 1);
}

static char at(const struct tty *t, uint64_t pos)
{
	return t->in[pos % TTY_IN_SIZE];
}

static void append(struct tty *t, char c, enum tty_kind kind)
{
	t->in[t->wpos % TTY_IN_SIZE] = c;
	t->kind[t->wpos % TTY_IN_SIZE] = (unsigned char)kind;
	t->wpos++;
}

/* Takes the edited line's last byte off the ring and the screen. */
static void erase_one(struct tty *t)
{
	static const char rubout[] = "\b \b";
	char c = at(t, --t->wpos);
	int columns = lflag(t, T_ECHOCTL) && is_ctrl(c) ? 2 : 1;

	if (!lflag(t, T_ECHO))
		return;
	if (!lflag(t, T_ECHOE)) {
		echo(t, (char)t->tio.c_cc[T_VERASE]);
		return;
	}
	while (columns--)
		output(t, t->tio.c_oflag, rubout, sizeof(rubout) - 1);
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

static void erase_word(struct tty *t)
{
	while (t->wpos > t->line_start && is_space(at(t, t->wpos - 1)))
		erase_one(t);
	while (t->wpos > t->line_start && !is_space(at(t, t->wpos - 1)))
		erase_one(t);
}

static void kill_line(struct tty *t)
{
	if (lflag(t, T_ECHOE) && lflag(t, T_ECHOK) && lflag(t, T_ECHOKE)) {
		while (t->wpos > t->line_start)
			erase_one(t);
		return;
	}
	t->wpos = t->line_start;
	echo(t, (char)t->tio.c_cc[T_VKILL]);
	if (lflag(t, T_ECHO) && lflag(t, T_ECHOK))
		output(t, t->tio.c_oflag, "\n", 1);
}

static void (*signal_hook)(int sig);

void tty_set_signal_hook(void (*fn)(int sig))
{
	__atomic_store_n(&signal_hook, fn, __ATOMIC_RELEASE);
}

/* The signal an ISIG character sends; 0 for other bytes. */
static int isig_signal(const struct tty *t, char c)
{
	if (!lflag(t, T_ISIG))
		return 0;
	if (is_cc(t, T_VINTR, c))
		return T_SIGINT;
	if (is_cc(t, T_VQUIT, c))
		return T_SIGQUIT;
	return is_cc(t, T_VSUSP, c) ? T_SIGTSTP : 0;
}

/* VINTR, VQUIT, VSUSP: echoed and the input dropped. */
static void interrupt(struct tty *t, char c)
{
	echo(t, c);
	if (!lflag(t, T_NOFLSH))
		t->rpos = t->line_start = t->wpos;
}

static bool is_line_end(const struct tty *t, char c)
{
	return c == '\n' || is_cc(t, T_VEOL, c) || is_cc(t, T_VEOL2, c) || is_cc(t, T_VEOF, c);
}

/* Canonical mode's editing and line ends; false for an ordinary byte. */
static bool canonical_special(struct tty *t, char c)
{
	if (is_cc(t, T_VERASE, c)) {
		if (t->wpos > t->line_start)
			erase_one(t);
	} else if (is_cc(t, T_VKILL, c)) {
		kill_line(t);
	} else if (lflag(t, T_IEXTEN) && is_cc(t, T_VWERASE, c)) {
		erase_word(t);
	} else if (is_cc(t, T_VEOF, c)) {
		append(t, 0, TTY_EOF);
		t->line_start = t->wpos;
	} else if (c == '\n' || is_cc(t, T_VEOL, c) || is_cc(t, T_VEOL2, c)) {
		append(t, c, TTY_LINE_END);
		t->line_start = t->wpos;
		if (lflag(t, T_ECHO))
			echo(t, c);
		else if (c == '\n' && lflag(t, T_ECHONL))
			output(t, t->tio.c_oflag, &c, 1);
	} else {
		return false;
	}
	return true;
}

/* One received byte, with the lock held. A full ring drops the byte; in
 * canonical mode the last place is kept for a line end. Returns the
 * signal the byte sends (0: none). */
static int input(struct tty *t, char c)
{
	uint32_t iflag = t->tio.c_iflag;
	bool canon = lflag(t, T_ICANON);
	uint64_t room = TTY_IN_SIZE - (t->wpos - t->rpos);
	int sig;

	if (iflag & T_ISTRIP)
		c &= 0x7f;
	if (c == '\r') {
		if (iflag & T_IGNCR)
			return 0;
		if (iflag & T_ICRNL)
			c = '\n';
	} else if (c == '\n' && (iflag & T_INLCR)) {
		c = '\r';
	}
	if ((iflag & T_IXON) && (is_cc(t, T_VSTART, c) || is_cc(t, T_VSTOP, c)))
		return 0;
	sig = isig_signal(t, c);
	if (sig) {
		interrupt(t, c);
		return sig;
	}
	if (!room || (room == 1 && canon && !is_line_end(t, c)))
		return 0;
	if (canon && canonical_special(t, c))
		return 0;
	append(t, c, TTY_DATA);
	if (!canon)
		t->line_start = t->wpos;
	echo(t, c);
	return 0;
}

int tty_input(struct tty *t, char c)
{
	unsigned long flags = spin_lock_irqsave(&t->lock);
	int sig = input(t, c);

	spin_unlock_irqrestore(&t->lock, flags);
	return sig;
}

/* The hook runs without the lock, which it has no need of. */
static void tty_receive(char c)
{
	int sig = tty_input(&console, c);
	void (*hook)(int sig) = __atomic_load_n(&signal_hook, __ATOMIC_ACQUIRE);

	if (sig && hook)
		hook(sig);
	vfs_poll_notify();
}

static const struct tty_caller *caller;

void tty_set_caller(const struct tty_caller *c)
{
	__atomic_store_n(&caller, c, __ATOMIC_RELEASE);
}

static const struct tty_caller *get_caller(void)
{
	return __atomic_load_n(&caller, __ATOMIC_ACQUIRE);
}

void tty_signal(struct tty *t, int sig)
{
	const struct tty_caller *c = get_caller();
	unsigned long flags = spin_lock_irqsave(&t->lock);
	int pgrp = t->pgrp;

	spin_unlock_irqrestore(&t->lock, flags);
	if (c && pgrp > 0)
		c->kill_pgrp(pgrp, sig);
}

/* Readable bytes now (EOF marks included: they end a read). */
static uint64_t readable(const struct tty *t)
{
	return (lflag(t, T_ICANON) ? t->line_start : t->wpos) - t->rpos;
}

/* Copies what a read gets now: in canonical mode up to a line's end. */
static size_t take(struct tty *t, char *buf, size_t n)
{
	uint64_t end = t->rpos + readable(t);
	bool canon = lflag(t, T_ICANON);
	size_t got = 0;

	while (t->rpos < end && got < n) {
		enum tty_kind k = t->kind[t->rpos % TTY_IN_SIZE];
		char c = at(t, t->rpos++);

		if (k == TTY_EOF) {
			if (canon)
				return got;
			continue;
		}
		buf[got++] = c;
		if (canon && k == TTY_LINE_END)
			return got;
	}
	/* A line that filled the buffer exactly takes its EOF mark along. */
	if (canon && t->rpos < end && t->kind[t->rpos % TTY_IN_SIZE] == TTY_EOF)
		t->rpos++;
	return got;
}

/* Whether a raw read may return now; sets *deadline for VTIME. */
static bool raw_done(const struct tty *t, size_t n, uint64_t avail, uint64_t *deadline,
		     uint64_t *seen)
{
	unsigned vmin = t->tio.c_cc[T_VMIN], vtime = t->tio.c_cc[T_VTIME];
	uint64_t want = vmin < n ? vmin : n;

	if (avail >= want && (avail || !vtime))
		return true;
	/* VTIME counts from the call with VMIN 0, else from each byte. */
	if (vtime && (vmin ? avail && avail != *seen : !*deadline))
		*deadline = clock_ns() + vtime * NS_PER_DECISECOND;
	*seen = avail;
	return false;
}

long tty_ldisc_read(struct tty *t, struct file *f, void *buf, size_t n)
{
	uint64_t deadline = 0, seen = 0;

	if (!n)
		return 0;
	for (;;) {
		uint64_t gen = vfs_poll_generation();
		unsigned long flags = spin_lock_irqsave(&t->lock);
		uint64_t avail = readable(t);
		bool ready = lflag(t, T_ICANON) ? avail > 0
						: raw_done(t, n, avail, &deadline, &seen);
		size_t got = ready ? take(t, buf, n) : 0;
		bool hung = t->hung;
		int r;

		spin_unlock_irqrestore(&t->lock, flags);
		if (ready || hung)
			return (long)got;
		if (f->flags & VFS_O_NONBLOCK)
			return -EAGAIN;
		r = vfs_poll_wait(gen, deadline);
		if (r == -ETIMEDOUT) {
			flags = spin_lock_irqsave(&t->lock);
			got = take(t, buf, n);
			spin_unlock_irqrestore(&t->lock, flags);
			return (long)got;
		}
		if (r < 0)
			return r;
	}
}

/* Each byte may become two on the way out (ONLCR). */
#define TTY_OUT_GROWTH 2

/* A terminal whose output has room (a pty) writes what fits and waits
 * for the rest; the console's goes to the UART whole. */
long tty_ldisc_write(struct tty *t, struct file *f, const void *buf, size_t n)
{
	const char *s = buf;
	size_t done = 0;

	if (!t->room) {
		unsigned long flags = spin_lock_irqsave(&t->lock);
		uint32_t oflag = t->tio.c_oflag;

		spin_unlock_irqrestore(&t->lock, flags);
		output(t, oflag, s, n);
		return (long)n;
	}
	while (done < n) {
		uint64_t gen = vfs_poll_generation();
		unsigned long flags = spin_lock_irqsave(&t->lock);
		size_t fits = t->hung ? 0 : t->room(t) / TTY_OUT_GROWTH;
		bool hung = t->hung;
		int r;

		if (fits > n - done)
			fits = n - done;
		if (fits)
			output(t, t->tio.c_oflag, s + done, fits);
		spin_unlock_irqrestore(&t->lock, flags);
		if (hung)
			return done ? (long)done : -EIO;
		if (fits) {
			done += fits;
			vfs_poll_notify();
			continue;
		}
		if (f->flags & VFS_O_NONBLOCK)
			return done ? (long)done : -EAGAIN;
		r = vfs_poll_wait(gen, 0);
		if (r < 0)
			return done ? (long)done : r;
	}
	return (long)done;
}

unsigned tty_ldisc_poll(struct tty *t)
{
	unsigned long flags = spin_lock_irqsave(&t->lock);
	unsigned mask = readable(t) > 0 ? VFS_POLLIN : 0;

	if (t->hung)
		mask |= VFS_POLLIN | VFS_POLLHUP;
	else if (!t->room || t->room(t) >= TTY_OUT_GROWTH)
		mask |= VFS_POLLOUT;
	spin_unlock_irqrestore(&t->lock, flags);
	return mask;
}

static long tty_read(struct file *f, void *buf, size_t n)
{
	return tty_ldisc_read(&console, f, buf, n);
}

static long tty_write(struct file *f, const void *buf, size_t n)
{
	return tty_ldisc_write(&console, f, buf, n);
}

static unsigned tty_poll(struct file *f)
{
	(void)f;
	return tty_ldisc_poll(&console);
}

/* TCSETSF drops the input; a new mode may make a waiting read ready. */
static void set_termios(struct tty *t, const struct vfs_termios *tio, bool flush)
{
	unsigned long flags = spin_lock_irqsave(&t->lock);

	t->tio = *tio;
	if (flush)
		t->rpos = t->line_start = t->wpos;
	else if (!lflag(t, T_ICANON))
		t->line_start = t->wpos;
	spin_unlock_irqrestore(&t->lock, flags);
	vfs_poll_notify();
}

/* Under t->lock. Any positive group is taken, existing or not (a shell
 * names a group it has just made); Linux's errors for the others. There
 * is no pid 0 to lead a group 0. */
static long set_pgrp(struct tty *t, int pgrp)
{
	if (pgrp < 0)
		return -EINVAL;
	if (pgrp == 0)
		return -ESRCH;
	t->pgrp = pgrp;
	return 0;
}

int tty_foreground_pgrp(void)
{
	unsigned long flags = spin_lock_irqsave(&console.lock);
	int pgrp = console.pgrp;

	spin_unlock_irqrestore(&console.lock, flags);
	return pgrp;
}

/*
 * Controlling terminals: a terminal records the session it controls, and
 * /dev/tty looks for the caller's among the registered terminals.
 */
static spinlock_t registry_lock;
static struct tty *registry;

void tty_register(struct tty *t)
{
	unsigned long flags = spin_lock_irqsave(&registry_lock);

	t->next = registry;
	registry = t;
	spin_unlock_irqrestore(&registry_lock, flags);
}

void tty_unregister(struct tty *t)
{
	unsigned long flags = spin_lock_irqsave(&registry_lock);

	for (struct tty **p = &registry; *p; p = &(*p)->next) {
		if (*p == t) {
			*p = t->next;
			break;
		}
	}
	spin_unlock_irqrestore(&registry_lock, flags);
}

/* Under the registry's lock: the terminal session controls, or NULL. */
static struct tty *ctty_of(int sid)
{
	for (struct tty *t = registry; t; t = t->next)
		if (sid && __atomic_load_n(&t->session, __ATOMIC_ACQUIRE) == sid)
			return t;
	return NULL;
}

/* Takes t for session sid with foreground group pgrp, when sid has none
 * and t is free (or steal): 0 or -EPERM. */
static long take_ctty(struct tty *t, int sid, int pgrp, bool steal)
{
	unsigned long rflags = spin_lock_irqsave(&registry_lock);
	struct tty *held = ctty_of(sid);
	long r = 0;

	if (held == t)
		r = 0;
	else if (held || (t->session && !steal))
		r = -EPERM;
	else {
		unsigned long flags = spin_lock_irqsave(&t->lock);

		t->session = sid;
		t->pgrp = pgrp;
		spin_unlock_irqrestore(&t->lock, flags);
	}
	spin_unlock_irqrestore(&registry_lock, rflags);
	return r;
}

void tty_open_ctty(struct tty *t, int flags)
{
	const struct tty_caller *c = get_caller();
	int sid;

	if (!c || (flags & VFS_O_NOCTTY))
		return;
	sid = c->sid();
	if (sid && sid == c->pid())
		take_ctty(t, sid, c->pgid(), false);
}

/* TIOCSCTTY: a session leader without one takes t (arg 1: even from
 * another session, which Linux allows CAP_SYS_ADMIN; all are root here). */
static long set_ctty(struct tty *t, int arg)
{
	const struct tty_caller *c = get_caller();
	int sid;

	if (!c)
		return -EPERM;
	sid = c->sid();
	if (sid != c->pid())
		return -EPERM;
	return take_ctty(t, sid, c->pgid(), arg == 1);
}

/* TIOCNOTTY: a session leader gives up its terminal, its foreground
 * group hung up (SIGHUP, SIGCONT) as Linux's disassociate_ctty does. */
static long drop_ctty(struct tty *t)
{
	const struct tty_caller *c = get_caller();
	unsigned long flags;
	int sid = c ? c->sid() : 0;

	if (!sid || __atomic_load_n(&t->session, __ATOMIC_ACQUIRE) != sid)
		return -ENOTTY;
	if (sid != c->pid())
		return 0;
	tty_signal(t, T_SIGHUP);
	tty_signal(t, T_SIGCONT);
	flags = spin_lock_irqsave(&t->lock);
	t->session = 0;
	spin_unlock_irqrestore(&t->lock, flags);
	return 0;
}

void tty_hangup(struct tty *t)
{
	unsigned long flags = spin_lock_irqsave(&t->lock);
	bool ctty = t->session != 0;

	t->hung = true;
	t->session = 0;
	spin_unlock_irqrestore(&t->lock, flags);
	if (ctty)
		tty_signal(t, T_SIGHUP);
	vfs_poll_notify();
}

/* /dev/tty: the caller's controlling terminal, else -ENXIO. */
static int tty_tty_open(struct file *f)
{
	const struct tty_caller *c = get_caller();
	unsigned long flags;
	struct tty *t;
	int r = -ENXIO;

	if (!c)
		return 0;
	flags = spin_lock_irqsave(&registry_lock);
	t = ctty_of(c->sid());
	if (t)
		r = t->attach(t, f);
	spin_unlock_irqrestore(&registry_lock, flags);
	return r;
}

static long flush(struct tty *t, int queue)
{
	if (queue != TTY_TCIFLUSH && queue != TTY_TCOFLUSH && queue != TTY_TCIOFLUSH)
		return -EINVAL;
	if (queue != TTY_TCOFLUSH)
		t->rpos = t->line_start = t->wpos;
	if (queue != TTY_TCIFLUSH && t->flush_out)
		t->flush_out(t);
	return 0;
}

/* The commands that need more than t->lock. */
static long ioctl_unlocked(struct tty *t, unsigned long cmd, void *arg)
{
	unsigned long flags;
	bool changed;

	switch (cmd) {
	case VFS_TCSETS:
	case VFS_TCSETSW:
	case VFS_TCSETSF:
		set_termios(t, arg, cmd == VFS_TCSETSF);
		return 0;
	case TTY_TIOCSCTTY:
		return set_ctty(t, *(const int *)arg);
	case TTY_TIOCNOTTY:
		return drop_ctty(t);
	case VFS_TIOCSWINSZ:
		flags = spin_lock_irqsave(&t->lock);
		changed = memcmp(&t->ws, arg, sizeof(t->ws)) != 0;
		t->ws = *(const struct vfs_winsize *)arg;
		spin_unlock_irqrestore(&t->lock, flags);
		if (changed)
			tty_signal(t, T_SIGWINCH);
		return 0;
	default:
		return 1;
	}
}

long tty_ldisc_ioctl(struct tty *t, unsigned long cmd, void *arg)
{
	unsigned long flags;
	long r = ioctl_unlocked(t, cmd, arg);

	if (r <= 0)
		return r;
	r = 0;
	flags = spin_lock_irqsave(&t->lock);
	switch (cmd) {
	case VFS_TCGETS:
		*(struct vfs_termios *)arg = t->tio;
		break;
	case VFS_TIOCGWINSZ:
		*(struct vfs_winsize *)arg = t->ws;
		break;
	case VFS_TIOCGPGRP:
		*(int *)arg = t->pgrp;
		break;
	case VFS_TIOCSPGRP:
		r = set_pgrp(t, *(const int *)arg);
		break;
	case VFS_FIONREAD:
		*(int *)arg = (int)readable(t);
		break;
	case TTY_TCFLSH:
		r = flush(t, *(const int *)arg);
		break;
	case TTY_TCSBRK:
		/* tcdrain: output is passed on as it is written; there is no
		 * line to send a break on. */
		break;
	default:
		r = -ENOTTY;
	}
	spin_unlock_irqrestore(&t->lock, flags);
	return r;
}

static long tty_ioctl(struct file *f, unsigned long cmd, void *arg)
{
	(void)f;
	return tty_ldisc_ioctl(&console, cmd, arg);
}

static int stat_console(struct file *f, struct vfs_stat *st)
{
	(void)f;
	st->rdev = VFS_RDEV(TTY_MAJOR, TTY_CONSOLE_MINOR);
	return 0;
}

static int stat_tty(struct file *f, struct vfs_stat *st)
{
	(void)f;
	st->rdev = VFS_RDEV(TTY_MAJOR, TTY_TTY_MINOR);
	return 0;
}

const struct file_ops tty_console_ops = {
	.read = tty_read,
	.write = tty_write,
	.poll = tty_poll,
	.ioctl = tty_ioctl,
	.stat = stat_console,
};

/* /dev/tty: the console under its own device number, or what its open
 * turns it into (a pty slave). */
static const struct file_ops tty_tty_ops = {
	.open = tty_tty_open,
	.read = tty_read,
	.write = tty_write,
	.poll = tty_poll,
	.ioctl = tty_ioctl,
	.stat = stat_tty,
};

void tty_init(void)
{
	int r = vfs_mkdev(NULL, "/dev/console", TTY_CONSOLE_PERM, &tty_console_ops);

	if (r == 0 || r == -EEXIST)
		r = vfs_mkdev(NULL, "/dev/tty", TTY_TTY_PERM, &tty_tty_ops);
	if (r < 0 && r != -EEXIST)
		printk_line("fs: cannot create /dev/console and /dev/tty (error %d)", -r);
	tty_setup(&console);
	tty_register(&console);
	serial_set_input(tty_receive);
	pty_init();
}
