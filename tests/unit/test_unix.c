/* AF_UNIX (net/unix.c, net/unix_io.c) driven through its socket_ops, over
 * the VFS (socket nodes) and the heap on fake RAM as test_vfs runs them,
 * with tests/unit/socket_fake.c for the generic layer and
 * tests/unit/sched_fake.c for the scheduler. A wait never blocks: it ends
 * as a signal would end it, so "would block" shows as -EINTR and,
 * non-blocking, as -EAGAIN. */
#include <flint/errno.h>
#include <flint/memory.h>
#include <flint/page_alloc.h>
#include <flint/socket.h>
#include <flint/timer.h>
#include <flint/vfs.h>

#include "../../net/unix.h"
#include "check.h"

#define RAM_PAGES 2048
#define UNIX_ADDR_LEN(path) (2 + sizeof(path))	/* family, path and its NUL */

static _Alignas(PAGE_SIZE) unsigned char ram[RAM_PAGES * PAGE_SIZE];
static int caller_pid = 42;

static int fake_pid(void)
{
	return caller_pid;
}

static struct vnode *fake_cwd(void)
{
	return NULL;
}

static const struct socket_caller fake_caller = { .pid = fake_pid, .cwd = fake_cwd };

static void setup(void)
{
	static bool registered;
	struct memmap m = { 0 };

	memmap_add(&m, (uint64_t)(uintptr_t)ram, sizeof(ram), MEMMAP_RAM);
	CHECK_EQ(page_alloc_init(&m, NULL, 0), 0);
	CHECK_EQ(vfs_init(), 0);
	CHECK_EQ(vfs_mkdir(NULL, "/tmp", 0777), 0);
	socket_set_caller(&fake_caller);
	if (!registered)
		unix_init();
	registered = true;
}

static struct socket *sk(struct file *f)
{
	struct socket *s = socket_of(f);

	CHECK(s);
	return s;
}

static struct file *mk(int type)
{
	struct file *f;

	CHECK_EQ(socket_create(SOCK_AF_UNIX, type, 0, 0, &f), 0);
	return f;
}

static void pair(int type, struct file *f[2])
{
	CHECK_EQ(socket_pair(SOCK_AF_UNIX, type, 0, 0, f), 0);
}

static struct sock_addr path_addr(const char *path)
{
	struct sock_addr a = { .len = (uint32_t)(2 + strlen(path) + 1) };

	a.family = SOCK_AF_UNIX;
	memcpy(a.bytes + 2, path, strlen(path) + 1);
	return a;
}

/* An abstract name: a NUL, then name's bytes; the length counts no more. */
static struct sock_addr abstract_addr(const char *name)
{
	struct sock_addr a = { .len = (uint32_t)(2 + 1 + strlen(name)) };

	a.family = SOCK_AF_UNIX;
	memcpy(a.bytes + 3, name, strlen(name));
	return a;
}

static long send_rights(struct file *f, const void *buf, size_t n, int flags,
			struct file **rights, unsigned nrights)
{
	struct sock_iov iov = { (void *)buf, n };
	struct sock_msg m = { .iov = &iov, .iovlen = 1, .flags = flags,
			      .rights = rights, .nrights = nrights };

	return sk(f)->ops->sendmsg(sk(f), &m);
}

static long snd(struct file *f, const void *buf, size_t n, int flags)
{
	return send_rights(f, buf, n, flags, NULL, 0);
}

static long sendto(struct file *f, const void *buf, size_t n, const struct sock_addr *to)
{
	struct sock_iov iov = { (void *)buf, n };
	struct sock_addr a = *to;
	struct sock_msg m = { .iov = &iov, .iovlen = 1, .addr = &a };

	return sk(f)->ops->sendmsg(sk(f), &m);
}

/* Receives into buf (NUL-terminated after what came); *flags in and out. */
static long rcv_msg(struct file *f, char *buf, size_t n, struct sock_msg *m)
{
	struct sock_iov iov = { buf, n };
	long r;

	m->iov = &iov;
	m->iovlen = 1;
	memset(buf, 0, n + 1);
	r = sk(f)->ops->recvmsg(sk(f), m);
	return r;
}

static long rcv(struct file *f, char *buf, size_t n, int flags)
{
	struct sock_msg m = { .flags = flags };

	return rcv_msg(f, buf, n, &m);
}

static unsigned poll_of(struct file *f)
{
	return sk(f)->ops->poll(sk(f));
}

static int fionread(struct file *f)
{
	int v = -1;

	CHECK_EQ(sk(f)->ops->ioctl(sk(f), VFS_FIONREAD, &v), 0);
	return v;
}

static int bind_to(struct file *f, struct sock_addr a)
{
	return sk(f)->ops->bind(sk(f), &a);
}

static int connect_to(struct file *f, struct sock_addr a)
{
	return sk(f)->ops->connect(sk(f), &a);
}

static struct sock_addr name_of(struct file *f, bool peer, int expect)
{
	struct sock_addr a = { 0 };

	CHECK_EQ(sk(f)->ops->getname(sk(f), &a, peer), expect);
	return a;
}

TEST(stream_bytes_partial_peek)
{
	struct file *f[2];
	char buf[64];

	setup();
	pair(SOCK_STREAM, f);
	CHECK_EQ(snd(f[0], "hello", 5, 0), 5);
	CHECK_EQ(snd(f[0], " world", 6, 0), 6);
	CHECK_EQ(fionread(f[1]), 11);
	CHECK(poll_of(f[1]) & VFS_POLLIN);
	CHECK(poll_of(f[1]) & VFS_POLLOUT);
	CHECK_EQ(rcv(f[1], buf, 3, 0), 3);
	CHECK_STR(buf, "hel");
	/* A peek spans writes and takes nothing. */
	CHECK_EQ(rcv(f[1], buf, 5, SOCK_MSG_PEEK), 5);
	CHECK_STR(buf, "lo wo");
	CHECK_EQ(fionread(f[1]), 8);
	CHECK_EQ(rcv(f[1], buf, sizeof(buf) - 1, 0), 8);
	CHECK_STR(buf, "lo world");
	CHECK(!(poll_of(f[1]) & VFS_POLLIN));
	CHECK_EQ(rcv(f[1], buf, 8, SOCK_MSG_DONTWAIT), -EAGAIN);
	CHECK_EQ(rcv(f[1], buf, 8, 0), -EINTR);
	/* The other way too; WAITALL keeps what came before the wait. */
	CHECK_EQ(snd(f[1], "abc", 3, 0), 3);
	CHECK_EQ(rcv(f[0], buf, 10, SOCK_MSG_WAITALL), 3);
	file_put(f[0]);
	file_put(f[1]);
}

TEST(stream_shutdown_eof_epipe)
{
	struct file *f[2];
	char buf[16];

	setup();
	pair(SOCK_STREAM, f);
	CHECK_EQ(snd(f[0], "last", 4, 0), 4);
	CHECK_EQ(sk(f[0])->ops->shutdown(sk(f[0]), SOCK_SHUT_WR), 0);
	CHECK_EQ(snd(f[0], "x", 1, 0), -EPIPE);
	CHECK_EQ(snd(f[0], "", 0, 0), -EPIPE);
	CHECK(poll_of(f[1]) & SOCK_POLLRDHUP);
	CHECK(!(poll_of(f[1]) & VFS_POLLHUP));
	CHECK_EQ(rcv(f[1], buf, sizeof(buf) - 1, 0), 4);
	CHECK_EQ(rcv(f[1], buf, sizeof(buf) - 1, 0), 0);
	CHECK_EQ(rcv(f[1], buf, sizeof(buf) - 1, 0), 0);
	/* The reader may still write back. */
	CHECK_EQ(snd(f[1], "ok", 2, 0), 2);
	CHECK_EQ(rcv(f[0], buf, sizeof(buf) - 1, 0), 2);
	file_put(f[0]);
	CHECK(poll_of(f[1]) & VFS_POLLHUP);
	CHECK_EQ(snd(f[1], "x", 1, 0), -EPIPE);
	file_put(f[1]);
}

TEST(stream_close_with_unread_data_resets)
{
	struct file *f[2];
	char buf[16];

	setup();
	pair(SOCK_STREAM, f);
	CHECK_EQ(snd(f[1], "unread", 6, 0), 6);
	CHECK_EQ(snd(f[0], "mine", 4, 0), 4);
	file_put(f[0]);
	CHECK_EQ(rcv(f[1], buf, sizeof(buf) - 1, 0), 4);
	CHECK(poll_of(f[1]) & VFS_POLLERR);
	CHECK_EQ(rcv(f[1], buf, sizeof(buf) - 1, 0), -ECONNRESET);
	CHECK_EQ(rcv(f[1], buf, sizeof(buf) - 1, 0), 0);
	file_put(f[1]);
}

TEST(dgram_and_seqpacket_boundaries_trunc)
{
	static const int types[] = { SOCK_DGRAM, SOCK_SEQPACKET };
	char buf[16];

	setup();
	for (unsigned i = 0; i < 2; i++) {
		struct file *f[2];
		struct sock_msg m = { 0 };

		pair(types[i], f);
		CHECK_EQ(snd(f[0], "abc", 3, 0), 3);
		CHECK_EQ(snd(f[0], "defgh", 5, 0), 5);
		CHECK_EQ(snd(f[0], "", 0, 0), 0);
		CHECK_EQ(fionread(f[1]), types[i] == SOCK_DGRAM ? 3 : 8);
		CHECK_EQ(rcv(f[1], buf, 10, SOCK_MSG_PEEK), 3);
		CHECK_EQ(rcv(f[1], buf, 10, 0), 3);
		CHECK_STR(buf, "abc");
		CHECK_EQ(rcv_msg(f[1], buf, 2, &m), 2);
		CHECK_STR(buf, "de");
		CHECK(m.flags & SOCK_MSG_TRUNC);
		/* An empty datagram is one too. */
		CHECK_EQ(rcv(f[1], buf, 10, SOCK_MSG_DONTWAIT), 0);
		CHECK_EQ(rcv(f[1], buf, 10, SOCK_MSG_DONTWAIT), -EAGAIN);
		/* With MSG_TRUNC asked for, the whole length. */
		CHECK_EQ(snd(f[0], "0123456789", 10, 0), 10);
		CHECK_EQ(rcv(f[1], buf, 4, SOCK_MSG_TRUNC), 10);
		file_put(f[0]);
		if (types[i] == SOCK_SEQPACKET) {
			CHECK_EQ(rcv(f[1], buf, 10, 0), 0);
			CHECK_EQ(snd(f[1], "x", 1, 0), -EPIPE);
		} else {
			/* A dgram peer gone: refused once, then not connected. */
			CHECK_EQ(snd(f[1], "x", 1, 0), -ECONNREFUSED);
			CHECK_EQ(snd(f[1], "x", 1, 0), -ENOTCONN);
		}
		file_put(f[1]);
	}
}

TEST(named_stream_server)
{
	struct file *l, *c, *c2, *a, *x;
	struct sock_addr peer, name;
	struct vfs_stat st;
	char buf[16];
	int cred[3];
	unsigned len = sizeof(cred);

	setup();
	l = mk(SOCK_STREAM);
	c = mk(SOCK_STREAM);
	c2 = mk(SOCK_STREAM);
	CHECK_EQ(connect_to(c, path_addr("/tmp/none")), -ENOENT);
	CHECK_EQ(connect_to(c, path_addr("/tmp")), -ECONNREFUSED);
	CHECK_EQ(sk(l)->ops->listen(sk(l), 5), -EINVAL);	/* not bound */
	CHECK_EQ(bind_to(l, path_addr("/tmp/srv")), 0);
	CHECK_EQ(bind_to(l, path_addr("/tmp/other")), -EINVAL);
	CHECK_EQ(bind_to(l, path_addr("/tmp/srv")), -EADDRINUSE);
	CHECK_EQ(bind_to(l, (struct sock_addr){ .len = 2, .family = SOCK_AF_UNIX }), 0);
	CHECK_EQ(vfs_stat(NULL, "/tmp/srv", false, &st), 0);
	CHECK_EQ(st.mode & VFS_S_IFMT, (uint32_t)VFS_S_IFSOCK);
	CHECK_EQ(vfs_open_file(NULL, "/tmp/srv", VFS_O_RDONLY, 0, &x), -ENXIO);
	CHECK_EQ(bind_to(c2, path_addr("/tmp/srv")), -EADDRINUSE);
	CHECK_EQ(connect_to(c, path_addr("/tmp/srv")), -ECONNREFUSED);	/* not listening */
	CHECK_EQ(sk(l)->ops->accept(sk(l), &a, NULL, 0), -EINVAL);
	CHECK_EQ(sk(l)->ops->listen(sk(l), 5), 0);
	CHECK(!(poll_of(l) & VFS_POLLIN));
	CHECK_EQ(sk(l)->ops->accept(sk(l), &a, NULL, VFS_O_NONBLOCK), -EINTR);
	caller_pid = 7;
	CHECK_EQ(connect_to(c, path_addr("/tmp/srv")), 0);
	caller_pid = 42;
	CHECK_EQ(connect_to(c, path_addr("/tmp/srv")), -EISCONN);
	CHECK(poll_of(l) & VFS_POLLIN);
	/* Written before the accept, read after it. */
	CHECK_EQ(snd(c, "early", 5, 0), 5);
	CHECK_EQ(sk(l)->ops->accept(sk(l), &a, &peer, 0), 0);
	CHECK_EQ(peer.len, 2u);			/* the client is unnamed */
	CHECK_EQ(peer.family, SOCK_AF_UNIX);
	CHECK_EQ(rcv(a, buf, sizeof(buf) - 1, 0), 5);
	CHECK_STR(buf, "early");
	/* Names: the path with its NUL counted; unnamed is the family alone. */
	name = name_of(a, false, 0);
	CHECK_EQ(name.len, UNIX_ADDR_LEN("/tmp/srv"));
	CHECK_STR((char *)name.bytes + 2, "/tmp/srv");
	name = name_of(c, true, 0);
	CHECK_EQ(name.len, UNIX_ADDR_LEN("/tmp/srv"));
	CHECK_EQ(name_of(c, false, 0).len, 2u);
	CHECK_EQ(name_of(a, true, 0).len, 2u);
	name_of(l, true, -ENOTCONN);
	/* SO_PEERCRED: the client's pid at connect, the listener's at listen. */
	CHECK_EQ(sk(a)->ops->getsockopt(sk(a), SOCK_SOL_SOCKET, SOCK_SO_PEERCRED, cred, &len), 0);
	CHECK_EQ(len, 12u);
	CHECK_EQ(cred[0], 7);
	CHECK_EQ(cred[1], 0);
	CHECK_EQ(sk(c)->ops->getsockopt(sk(c), SOCK_SOL_SOCKET, SOCK_SO_PEERCRED, cred, &len), 0);
	CHECK_EQ(cred[0], 42);
	CHECK_EQ(sk(l)->ops->getsockopt(sk(l), SOCK_SOL_SOCKET, SOCK_SO_PEERCRED, cred, &len), 0);
	CHECK_EQ(cred[0], 42);			/* a listener's is its own */
	CHECK_EQ(sk(c2)->ops->getsockopt(sk(c2), SOCK_SOL_SOCKET, SOCK_SO_PEERCRED, cred, &len),
		 0);
	CHECK_EQ(cred[0], 0);			/* no peer */
	CHECK_EQ(cred[1], -1);
	/* Unlinking the node leaves the socket; a new connect finds nothing. */
	CHECK_EQ(vfs_unlink(NULL, "/tmp/srv"), 0);
	CHECK_EQ(snd(a, "still", 5, 0), 5);
	CHECK_EQ(rcv(c, buf, sizeof(buf) - 1, 0), 5);
	CHECK_EQ(connect_to(c2, path_addr("/tmp/srv")), -ENOENT);
	/* Closing the listener leaves its connection alone, and frees the
	 * path for a new bind. */
	file_put(l);
	CHECK_EQ(snd(c, "after", 5, 0), 5);
	CHECK_EQ(rcv(a, buf, sizeof(buf) - 1, 0), 5);
	CHECK_EQ(bind_to(c2, path_addr("/tmp/srv")), 0);
	file_put(a);
	file_put(c);
	file_put(c2);
}

TEST(backlog_full_and_listener_close)
{
	struct file *l, *c[3], *a;
	char buf[8];

	setup();
	l = mk(SOCK_SEQPACKET);
	for (int i = 0; i < 3; i++)
		c[i] = mk(SOCK_SEQPACKET);
	CHECK_EQ(bind_to(l, path_addr("/tmp/q")), 0);
	CHECK_EQ(sk(l)->ops->listen(sk(l), 0), 0);
	CHECK_EQ(connect_to(c[0], path_addr("/tmp/q")), 0);
	/* Past the backlog: a blocking connect waits, a non-blocking one
	 * answers EAGAIN. */
	c[1]->flags |= VFS_O_NONBLOCK;
	CHECK_EQ(connect_to(c[1], path_addr("/tmp/q")), -EAGAIN);
	CHECK_EQ(connect_to(c[2], path_addr("/tmp/q")), -EINTR);
	CHECK_EQ(sk(l)->ops->accept(sk(l), &a, NULL, 0), 0);
	CHECK_EQ(connect_to(c[1], path_addr("/tmp/q")), 0);
	/* A type that does not match the listener's. */
	{
		struct file *s = mk(SOCK_STREAM);

		CHECK_EQ(connect_to(s, path_addr("/tmp/q")), -EPROTOTYPE);
		file_put(s);
	}
	/* The listener closes with c[1] not accepted: reset, then EOF. */
	file_put(l);
	CHECK_EQ(rcv(c[1], buf, sizeof(buf) - 1, 0), -ECONNRESET);
	CHECK_EQ(rcv(c[1], buf, sizeof(buf) - 1, 0), 0);
	CHECK_EQ(snd(c[1], "x", 1, 0), -EPIPE);
	CHECK(poll_of(c[1]) & VFS_POLLHUP);
	CHECK(poll_of(c[2]) & VFS_POLLHUP);	/* never connected */
	file_put(a);
	for (int i = 0; i < 3; i++)
		file_put(c[i]);
}

TEST(abstract_names_and_autobind)
{
	struct file *l, *l2, *c, *a;
	struct sock_addr name, bare = { .len = 2 };
	struct vnode *n;

	setup();
	l = mk(SOCK_STREAM);
	l2 = mk(SOCK_STREAM);
	c = mk(SOCK_STREAM);
	CHECK_EQ(bind_to(l, abstract_addr("flint-test")), 0);
	CHECK_EQ(vfs_lookup(NULL, "/flint-test", false, &n), -ENOENT);
	CHECK_EQ(bind_to(l2, abstract_addr("flint-test")), -EADDRINUSE);
	name = name_of(l, false, 0);
	CHECK_EQ(name.len, 2u + 1 + 10);
	CHECK_EQ(name.bytes[2], 0);
	CHECK(!memcmp(name.bytes + 3, "flint-test", 10));
	CHECK_EQ(connect_to(c, abstract_addr("flint-test")), -ECONNREFUSED);
	CHECK_EQ(sk(l)->ops->listen(sk(l), 1), 0);
	CHECK_EQ(connect_to(c, abstract_addr("flint-tes")), -ECONNREFUSED);
	CHECK_EQ(connect_to(c, abstract_addr("flint-test")), 0);
	CHECK_EQ(sk(l)->ops->accept(sk(l), &a, NULL, 0), 0);
	CHECK_EQ(name_of(c, true, 0).len, 2u + 1 + 10);
	/* bind with the family alone: a name of a NUL and five hex digits. */
	bare.family = SOCK_AF_UNIX;
	CHECK_EQ(bind_to(l2, bare), 0);
	name = name_of(l2, false, 0);
	CHECK_EQ(name.len, 8u);
	CHECK_EQ(name.bytes[2], 0);
	for (int i = 3; i < 8; i++)
		CHECK(strchr("0123456789abcdef", name.bytes[i]));
	/* The name is free again once its socket is closed. */
	file_put(l);
	file_put(a);
	file_put(c);
	c = mk(SOCK_STREAM);
	CHECK_EQ(bind_to(c, abstract_addr("flint-test")), 0);
	file_put(c);
	file_put(l2);
}

TEST(dgram_named_sendto_and_connect)
{
	struct file *srv, *cli, *other;
	struct sock_addr from = { 0 };
	struct sock_msg m = { .addr = &from };
	char buf[16];

	setup();
	srv = mk(SOCK_DGRAM);
	cli = mk(SOCK_DGRAM);
	other = mk(SOCK_DGRAM);
	CHECK_EQ(sendto(cli, "x", 1, &(struct sock_addr){ .len = 2 }), -EINVAL);
	CHECK_EQ(snd(cli, "x", 1, 0), -ENOTCONN);
	CHECK_EQ(sendto(cli, "x", 1, &(struct sock_addr){ 0 }), -EINVAL);
	CHECK_EQ(bind_to(srv, path_addr("/tmp/d")), 0);
	CHECK_EQ(bind_to(cli, path_addr("/tmp/c")), 0);
	{
		struct sock_addr to = path_addr("/tmp/d");

		CHECK_EQ(sendto(cli, "one", 3, &to), 3);
		CHECK_EQ(sendto(other, "two", 3, &to), 3);
	}
	CHECK_EQ(rcv_msg(srv, buf, sizeof(buf) - 1, &m), 3);
	CHECK_STR(buf, "one");
	CHECK_EQ(from.len, UNIX_ADDR_LEN("/tmp/c"));
	CHECK_STR((char *)from.bytes + 2, "/tmp/c");
	CHECK_EQ(rcv_msg(srv, buf, sizeof(buf) - 1, &m), 3);
	CHECK_EQ(from.len, 0u);			/* an unnamed sender */
	/* A connected datagram socket takes only its peer's datagrams. */
	CHECK_EQ(connect_to(srv, path_addr("/tmp/c")), 0);
	{
		struct sock_addr to = path_addr("/tmp/d");

		CHECK_EQ(sendto(other, "no", 2, &to), -EPERM);
		CHECK_EQ(sendto(cli, "yes", 3, &to), 3);
	}
	CHECK_EQ(snd(srv, "back", 4, 0), 4);
	CHECK_EQ(rcv(cli, buf, sizeof(buf) - 1, 0), 4);
	CHECK_EQ(name_of(srv, true, 0).len, UNIX_ADDR_LEN("/tmp/c"));
	/* A destination closed. */
	file_put(cli);
	CHECK_EQ(snd(srv, "x", 1, 0), -ECONNREFUSED);
	{
		struct sock_addr to = path_addr("/tmp/c");

		CHECK_EQ(sendto(other, "x", 1, &to), -ECONNREFUSED);
	}
	file_put(srv);
	file_put(other);
}

static unsigned refs(struct file *f)
{
	return __atomic_load_n(&f->refs, __ATOMIC_RELAXED);
}

TEST(scm_rights_in_flight)
{
	struct file *f[2], *file, *got[2] = { NULL, NULL };
	struct sock_msg m = { .rights = got, .max_rights = 2 };
	char buf[16];

	setup();
	CHECK_EQ(vfs_create_file(NULL, "/tmp/data", 0644, "secret", 6), 0);
	CHECK_EQ(vfs_open_file(NULL, "/tmp/data", VFS_O_RDONLY, 0, &file), 0);
	pair(SOCK_STREAM, f);
	CHECK_EQ(send_rights(f[0], "a", 1, 0, &file, 1), 1);
	CHECK_EQ(refs(file), 2u);
	CHECK_EQ(snd(f[0], "bc", 2, 0), 2);
	/* A peek gives new references and leaves the message's. */
	m.flags = SOCK_MSG_PEEK;
	CHECK_EQ(rcv_msg(f[1], buf, 8, &m), 1);
	CHECK_EQ(m.nrights, 1u);
	CHECK(got[0] == file);
	CHECK_EQ(refs(file), 3u);
	file_put(got[0]);
	/* The read stops after the data that carried the file. */
	m = (struct sock_msg){ .rights = got, .max_rights = 2 };
	CHECK_EQ(rcv_msg(f[1], buf, 8, &m), 1);
	CHECK_EQ(m.nrights, 1u);
	CHECK(!(m.flags & SOCK_MSG_CTRUNC));
	CHECK_EQ(vfs_file_read(got[0], buf, 6), 6);
	CHECK(!memcmp(buf, "secret", 6));
	file_put(got[0]);
	CHECK_EQ(rcv(f[1], buf, 8, 0), 2);
	/* No room for the file: released, MSG_CTRUNC. */
	CHECK_EQ(send_rights(f[0], "d", 1, 0, &file, 1), 1);
	m = (struct sock_msg){ .rights = got, .max_rights = 0 };
	CHECK_EQ(rcv_msg(f[1], buf, 8, &m), 1);
	CHECK(m.flags & SOCK_MSG_CTRUNC);
	CHECK_EQ(refs(file), 1u);
	/* Unread when the receiver closes: released. */
	CHECK_EQ(send_rights(f[0], "e", 1, 0, &file, 1), 1);
	CHECK_EQ(refs(file), 2u);
	file_put(f[1]);
	CHECK_EQ(refs(file), 1u);
	file_put(f[0]);
	/* Over a datagram pair, and a socket passing itself's peer. */
	pair(SOCK_DGRAM, f);
	CHECK_EQ(send_rights(f[0], "s", 1, 0, &f[0], 1), 1);
	m = (struct sock_msg){ .rights = got, .max_rights = 1 };
	CHECK_EQ(rcv_msg(f[1], buf, 8, &m), 1);
	CHECK(got[0] == f[0]);
	file_put(got[0]);
	file_put(f[0]);
	file_put(f[1]);
	file_put(file);
}

/* A pair whose ends are both in one end's queue: no program can reach
 * them once closed. The next release of any AF_UNIX socket collects
 * them (their abstract name comes free); a socket some program still
 * holds is never collected. */
TEST(sockets_in_flight_collected)
{
	struct file *f[2], *c, *g[2], *got[2];
	struct sock_msg m = { .rights = got, .max_rights = 2 };
	char buf[4];

	setup();
	pair(SOCK_STREAM, f);
	CHECK_EQ(bind_to(f[0], abstract_addr("cycle")), 0);
	CHECK_EQ(send_rights(f[0], "x", 1, 0, f, 2), 1);
	file_put(f[0]);
	file_put(f[1]);
	c = mk(SOCK_STREAM);
	CHECK_EQ(bind_to(c, abstract_addr("cycle")), -EADDRINUSE);
	/* Held by a program: in flight but reachable, so kept. */
	pair(SOCK_DGRAM, g);
	CHECK_EQ(send_rights(g[0], "y", 1, 0, &g[0], 1), 1);
	file_put(c);
	c = mk(SOCK_STREAM);
	CHECK_EQ(bind_to(c, abstract_addr("cycle")), 0);
	CHECK_EQ(rcv_msg(g[1], buf, 2, &m), 1);
	CHECK_EQ(m.nrights, 1u);
	CHECK(got[0] == g[0]);
	file_put(got[0]);
	file_put(g[0]);
	file_put(g[1]);
	file_put(c);
}

TEST(passcred)
{
	struct file *f[2];
	struct sock_msg m = { 0 };
	int on = 1, v = 0;
	unsigned len = sizeof(v);
	char buf[4];

	setup();
	pair(SOCK_DGRAM, f);
	CHECK_EQ(sk(f[1])->ops->setsockopt(sk(f[1]), SOCK_SOL_SOCKET, SOCK_SO_PASSCRED, &on,
					   sizeof(on)), 0);
	CHECK_EQ(sk(f[1])->ops->getsockopt(sk(f[1]), SOCK_SOL_SOCKET, SOCK_SO_PASSCRED, &v,
					   &len), 0);
	CHECK_EQ(v, 1);
	/* Options that change nothing here are kept. */
	CHECK_EQ(sk(f[1])->ops->setsockopt(sk(f[1]), SOCK_SOL_SOCKET, SOCK_SO_REUSEADDR, &on,
					   sizeof(on)), 0);
	CHECK_EQ(sk(f[1])->ops->getsockopt(sk(f[1]), SOCK_SOL_SOCKET, SOCK_SO_REUSEADDR, &v,
					   &len), 0);
	CHECK_EQ(v, 1);
	CHECK_EQ(sk(f[1])->ops->getsockopt(sk(f[1]), SOCK_SOL_SOCKET, SOCK_SO_KEEPALIVE, &v,
					   &len), 0);
	CHECK_EQ(v, 0);
	CHECK_EQ(sk(f[1])->ops->setsockopt(sk(f[1]), SOCK_SOL_TCP, SOCK_TCP_NODELAY, &on,
					   sizeof(on)), -EOPNOTSUPP);
	caller_pid = 99;
	CHECK_EQ(snd(f[0], "c", 1, 0), 1);
	caller_pid = 42;
	CHECK_EQ(rcv_msg(f[1], buf, 2, &m), 1);
	CHECK(m.has_cred);
	CHECK_EQ(m.cred_pid, 99);
	file_put(f[0]);
	file_put(f[1]);
}

TEST(sndbuf_bounds_writers)
{
	struct file *f[2];
	static char big[20000], buf[20000];
	int small = 1000, v = 0;
	unsigned len = sizeof(v);
	long sent;

	setup();
	pair(SOCK_STREAM, f);
	CHECK_EQ(sk(f[0])->ops->setsockopt(sk(f[0]), SOCK_SOL_SOCKET, SOCK_SO_SNDBUF, &small,
					   sizeof(small)), 0);
	CHECK_EQ(sk(f[0])->ops->getsockopt(sk(f[0]), SOCK_SOL_SOCKET, SOCK_SO_SNDBUF, &v, &len),
		 0);
	CHECK_EQ(v, 4608);			/* Linux's least */
	/* Some of it: the buffer less what a message costs. */
	sent = snd(f[0], big, sizeof(big), SOCK_MSG_DONTWAIT);
	CHECK(sent > 4000 && sent < 4608);
	CHECK_EQ(snd(f[0], big, 1, SOCK_MSG_DONTWAIT), -EAGAIN);
	CHECK_EQ(snd(f[0], big, 1, 0), -EINTR);
	CHECK(!(poll_of(f[0]) & VFS_POLLOUT));
	CHECK_EQ(sk(f[0])->ops->ioctl(sk(f[0]), 0x5411, &v), 0);	/* SIOCOUTQ */
	CHECK_EQ(v, sent);
	CHECK_EQ(rcv(f[1], buf, sizeof(buf) - 1, 0), sent);
	CHECK(poll_of(f[0]) & VFS_POLLOUT);
	/* A datagram larger than the send buffer can never go. */
	file_put(f[0]);
	file_put(f[1]);
	pair(SOCK_DGRAM, f);
	CHECK_EQ(sk(f[0])->ops->setsockopt(sk(f[0]), SOCK_SOL_SOCKET, SOCK_SO_SNDBUF, &small,
					   sizeof(small)), 0);
	CHECK_EQ(snd(f[0], big, 5000, 0), -EMSGSIZE);
	CHECK_EQ(snd(f[0], big, 3000, 0), 3000);
	CHECK_EQ(snd(f[0], big, 3000, SOCK_MSG_DONTWAIT), -EAGAIN);
	file_put(f[0]);
	file_put(f[1]);
	/* One-byte writes are bounded too: their headers count. */
	pair(SOCK_STREAM, f);
	CHECK_EQ(sk(f[0])->ops->setsockopt(sk(f[0]), SOCK_SOL_SOCKET, SOCK_SO_SNDBUF, &small,
					   sizeof(small)), 0);
	for (sent = 0; snd(f[0], big, 1, SOCK_MSG_DONTWAIT) == 1; sent++)
		CHECK(sent < 4608 / 64);
	file_put(f[0]);
	file_put(f[1]);
}

TEST(bad_arguments)
{
	struct file *f, *d;
	char buf[4];

	setup();
	CHECK_EQ(socket_create(SOCK_AF_UNIX, 7, 0, 0, &f), -ESOCKTNOSUPPORT);
	CHECK_EQ(socket_create(SOCK_AF_UNIX, SOCK_STREAM, 6, 0, &f), -EPROTONOSUPPORT);
	f = mk(SOCK_STREAM);
	d = mk(SOCK_DGRAM);
	CHECK_EQ(rcv(f, buf, sizeof(buf) - 1, 0), -EINVAL);		/* not connected */
	CHECK_EQ(snd(f, "x", 1, 0), -ENOTCONN);
	CHECK_EQ(snd(f, "", 0, 0), -ENOTCONN);
	CHECK_EQ(sk(f)->ops->shutdown(sk(f), 3), -EINVAL);
	CHECK_EQ(sk(d)->ops->listen(sk(d), 1), -EOPNOTSUPP);
	CHECK_EQ(bind_to(f, (struct sock_addr){ .len = 1 }), -EINVAL);
	CHECK_EQ(bind_to(f, path_addr("/nodir/s")), -ENOENT);
	{
		struct sock_addr a = path_addr("/tmp/s");

		a.family = SOCK_AF_INET;
		CHECK_EQ(bind_to(f, a), -EINVAL);
		a.family = SOCK_AF_UNIX;
		a.len = 111;
		CHECK_EQ(bind_to(f, a), -EINVAL);
	}
	CHECK(poll_of(f) & VFS_POLLHUP);	/* unconnected stream */
	{
		/* A path filling sun_path: its NUL past the end, 111 bytes. */
		struct sock_addr a = { .len = 110 };

		a.family = SOCK_AF_UNIX;
		memset(a.bytes + 2, 'x', 108);
		memcpy(a.bytes + 2, "/tmp/", 5);
		CHECK_EQ(bind_to(f, a), 0);
		CHECK_EQ(name_of(f, false, 0).len, 111u);
		CHECK_EQ(name_of(f, false, 0).bytes[110], 0);
	}
	{
		int v;

		CHECK_EQ(sk(f)->ops->ioctl(sk(f), 0x1234, &v), -ENOTTY);
	}
	file_put(f);
	file_put(d);
}

int main(void)
{
	return check_run();
}
