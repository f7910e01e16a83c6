/*
 * Terminals (fs/tty.c): one line discipline, instance-based, for the
 * serial console and the pseudo-terminal slaves of fs/pty.c. A terminal's
 * output goes through its out callback (the UART, or a pty master's
 * ring), called with t->lock held.
 */
#ifndef FLINT_TTY_H
#define FLINT_TTY_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <flint/sync.h>
#include <flint/vfs.h>

#define TTY_IN_SIZE 4096	/* input ring, as Linux's N_TTY_BUF_SIZE */

/* Terminal ioctls beyond <flint/vfs.h>'s (uapi/asm-generic/ioctls.h). */
#define TTY_TCSBRK 0x5409
#define TTY_TCFLSH 0x540b
#define TTY_TIOCSCTTY 0x540e
#define TTY_TIOCNOTTY 0x5422
#define TTY_TIOCGPTN 0x80045430		/* _IOR('T', 0x30, unsigned int) */
#define TTY_TIOCSPTLCK 0x40045431	/* _IOW('T', 0x31, int) */
#define TTY_TIOCGPTPEER 0x5441		/* _IO('T', 0x41) */
/* TCFLSH's queue selectors (uapi/asm-generic/termbits-common.h). */
#define TTY_TCIFLUSH 0
#define TTY_TCOFLUSH 1
#define TTY_TCIOFLUSH 2

/* Positions count bytes since the terminal began; the ring holds
 * [rpos, wpos). In canonical mode [rpos, line_start) is readable and the
 * rest is the line being edited; raw mode keeps line_start at wpos. */
struct tty {
	spinlock_t lock;
	struct vfs_termios tio;
	struct vfs_winsize ws;
	int pgrp;			/* the foreground process group */
	int session;			/* the session it controls; 0: none */
	bool hung;			/* the other side is gone: reads end, writes fail */
	uint64_t rpos, wpos, line_start;
	/* Output, under the lock; room: bytes out takes now (NULL: any, and
	 * writes then run out without the lock). */
	void (*out)(struct tty *t, const char *s, size_t n);
	size_t (*room)(struct tty *t);
	/* /dev/tty opened by a process of session: f becomes an open file
	 * of this terminal (0) or an errno. Under the registry's lock. */
	int (*attach)(struct tty *t, struct file *f);
	void (*flush_out)(struct tty *t);	/* TCOFLUSH, under the lock */
	struct tty *next;		/* the registry */
	char in[TTY_IN_SIZE];
	unsigned char kind[TTY_IN_SIZE];
};

/* The process layer's answers for the calling process (linux/tty_caller.c). */
struct tty_caller {
	int (*pid)(void);
	int (*pgid)(void);
	int (*sid)(void);
	/* sig to every live process of group pgrp, from process context. */
	void (*kill_pgrp)(int pgrp, int sig);
};
void tty_set_caller(const struct tty_caller *c);

/* Linux's default termios (cooked, echo), 24x80, no session. */
void tty_setup(struct tty *t);
/* Enters t in (takes it out of) the terminals /dev/tty looks among. */
void tty_register(struct tty *t);
void tty_unregister(struct tty *t);
/* One byte received: the signal it sends (0: none), not yet sent. */
int tty_input(struct tty *t, char c);
/* sig to t's foreground group, from process context. */
void tty_signal(struct tty *t, int sig);
/* The other side is gone: SIGHUP to the foreground group of a
 * controlling terminal, reads see end of file, writes -EIO. */
void tty_hangup(struct tty *t);
/* A session leader opening t without O_NOCTTY takes it as its
 * controlling terminal when neither has one. */
void tty_open_ctty(struct tty *t, int flags);
long tty_ldisc_read(struct tty *t, struct file *f, void *buf, size_t n);
long tty_ldisc_write(struct tty *t, struct file *f, const void *buf, size_t n);
unsigned tty_ldisc_poll(struct tty *t);
long tty_ldisc_ioctl(struct tty *t, unsigned long cmd, void *arg);

/* fs/pty.c: /dev/ptmx and /dev/pts. */
void pty_init(void);
/* TIOCGPTPEER: a new open file (flags: VFS_O_*) of master's slave, as
 * opening its /dev/pts name would give: 0, -ENOTTY (not a master), -EIO
 * (locked), -ENOMEM. */
int pty_open_peer(struct file *master, int flags, struct file **out);

#endif
