/*
 * Sockets (net/socket.c): a socket is an open file whose priv is a
 * struct socket; each address family (AF_INET and AF_INET6 over lwIP in
 * net/inet.c, AF_UNIX in net/unix.c, AF_NETLINK in net/netlink.c)
 * registers its operations, as Linux's proto_ops. Everything here is in
 * kernel memory with Linux's layouts and values: the syscall layer
 * (linux/sys_socket.c) copies user memory in and out and turns
 * descriptors into files and back (SCM_RIGHTS). Operations return 0, a
 * count, or a negative errno as Linux's calls would.
 *
 * Blocking operations wait in the poll generation (<flint/vfs.h>:
 * vfs_poll_wait) unless the file is non-blocking or MSG_DONTWAIT is
 * given, bounded by SO_RCVTIMEO/SO_SNDTIMEO, and end with -EINTR on a
 * signal. Every change of a socket's readiness calls vfs_poll_notify.
 */
#ifndef FLINT_SOCKET_H
#define FLINT_SOCKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct file;
struct vnode;

/* Address families (include/linux/socket.h). */
#define SOCK_AF_UNSPEC 0
#define SOCK_AF_UNIX 1
#define SOCK_AF_INET 2
#define SOCK_AF_INET6 10
#define SOCK_AF_NETLINK 16
#define SOCK_AF_PACKET 17

/* Types, and the flags socket(2) takes with them (linux/net.h). */
#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define SOCK_RAW 3
#define SOCK_SEQPACKET 5
#define SOCK_TYPE_MASK 0xf
#define SOCK_NONBLOCK 04000
#define SOCK_CLOEXEC 02000000

/* Message flags (include/linux/socket.h). */
#define SOCK_MSG_OOB 0x1
#define SOCK_MSG_PEEK 0x2
#define SOCK_MSG_DONTROUTE 0x4
#define SOCK_MSG_CTRUNC 0x8
#define SOCK_MSG_TRUNC 0x20
#define SOCK_MSG_DONTWAIT 0x40
#define SOCK_MSG_EOR 0x80
#define SOCK_MSG_WAITALL 0x100
#define SOCK_MSG_NOSIGNAL 0x4000
#define SOCK_MSG_MORE 0x8000
#define SOCK_MSG_CMSG_CLOEXEC 0x40000000
/* Kernel-internal, never from a program: the iov is the program's memory
 * (socket_ops.recvmsg of a family with user_iov). */
#define SOCK_MSG_USER_IOV 0x20000000

/* shutdown(2)'s how. */
#define SOCK_SHUT_RD 0
#define SOCK_SHUT_WR 1
#define SOCK_SHUT_RDWR 2

/* Option levels and names (asm-generic/socket.h, netinet/in.h,
 * netinet/tcp.h, linux/in6.h). */
#define SOCK_SOL_SOCKET 1
#define SOCK_SOL_IP 0
#define SOCK_SOL_TCP 6
#define SOCK_SOL_UDP 17
#define SOCK_SOL_IPV6 41
#define SOCK_SO_DEBUG 1
#define SOCK_SO_REUSEADDR 2
#define SOCK_SO_TYPE 3
#define SOCK_SO_ERROR 4
#define SOCK_SO_DONTROUTE 5
#define SOCK_SO_BROADCAST 6
#define SOCK_SO_SNDBUF 7
#define SOCK_SO_RCVBUF 8
#define SOCK_SO_KEEPALIVE 9
#define SOCK_SO_OOBINLINE 10
#define SOCK_SO_LINGER 13
#define SOCK_SO_REUSEPORT 15
#define SOCK_SO_PASSCRED 16
#define SOCK_SO_PEERCRED 17
#define SOCK_SO_RCVLOWAT 18
#define SOCK_SO_SNDLOWAT 19
#define SOCK_SO_RCVTIMEO 20
#define SOCK_SO_SNDTIMEO 21
#define SOCK_SO_ACCEPTCONN 30
#define SOCK_SO_PROTOCOL 38
#define SOCK_SO_DOMAIN 39
#define SOCK_TCP_NODELAY 1
#define SOCK_TCP_MAXSEG 2
#define SOCK_TCP_KEEPIDLE 4
#define SOCK_TCP_KEEPINTVL 5
#define SOCK_TCP_KEEPCNT 6
#define SOCK_IPV6_V6ONLY 26
#define SOCK_IP_TOS 1
#define SOCK_IP_TTL 2

/* Control messages (SOL_SOCKET level). */
#define SOCK_SCM_RIGHTS 1
#define SOCK_SCM_CREDENTIALS 2

/* The interface ioctls on any socket (include/uapi/linux/sockios.h);
 * each carries a struct ifreq of SOCK_IFREQ_SIZE bytes, SIOCGIFCONF a
 * struct ifconf. */
#define SOCK_SIOCGIFNAME 0x8910
#define SOCK_SIOCGIFCONF 0x8912
#define SOCK_SIOCGIFFLAGS 0x8913
#define SOCK_SIOCGIFADDR 0x8915
#define SOCK_SIOCGIFDSTADDR 0x8917
#define SOCK_SIOCGIFBRDADDR 0x8919
#define SOCK_SIOCGIFNETMASK 0x891b
#define SOCK_SIOCGIFMETRIC 0x891d
#define SOCK_SIOCGIFMTU 0x8921
#define SOCK_SIOCGIFHWADDR 0x8927
#define SOCK_SIOCGIFINDEX 0x8933
#define SOCK_SIOCGIFTXQLEN 0x8942
#define SOCK_IFREQ_SIZE 40

#define SOCK_ADDR_MAX 128		/* sizeof(struct sockaddr_storage) */
#define SOCK_RIGHTS_MAX 253		/* SCM_MAX_FD: files in one message */

/* A socket address in Linux's layout (struct sockaddr_*), len bytes. */
struct sock_addr {
	uint32_t len;
	union {
		uint16_t family;
		uint8_t bytes[SOCK_ADDR_MAX];
	};
};

/* One buffer of a message, in kernel memory. */
struct sock_iov {
	void *base;
	size_t len;
};

/* One sendmsg or recvmsg. */
struct sock_msg {
	/* send: the destination (NULL: the connected peer); recv: filled
	 * with the sender when not NULL (len 0 when there is none). */
	struct sock_addr *addr;
	struct sock_iov *iov;
	unsigned iovlen;
	/* SCM_RIGHTS. send: nrights files the family takes its own
	 * references to. recv: up to max_rights files whose references pass
	 * to the caller, nrights of them; those past max_rights are dropped
	 * (closed) and MSG_CTRUNC is set. */
	struct file **rights;
	unsigned nrights, max_rights;
	/* SCM_CREDENTIALS on receive, for SO_PASSCRED: filled when has_cred. */
	bool has_cred;
	int cred_pid, cred_uid, cred_gid;
	int flags;			/* in: SOCK_MSG_*; recv out: TRUNC, CTRUNC, EOR */
};

struct socket;

struct socket_ops {
	int (*bind)(struct socket *s, const struct sock_addr *a);
	/* Blocks (unless non-blocking: -EINPROGRESS) until connected. */
	int (*connect)(struct socket *s, const struct sock_addr *a);
	int (*listen)(struct socket *s, int backlog);
	/* A new connection's socket file (flags: VFS_O_NONBLOCK for it), and
	 * the peer's address when peer is not NULL. */
	int (*accept)(struct socket *s, struct file **out, struct sock_addr *peer, int flags);
	/* Bytes sent or received (0 at the end of a stream), or an errno;
	 * -EPIPE on a closed peer (the syscall layer raises SIGPIPE). */
	long (*sendmsg)(struct socket *s, struct sock_msg *m);
	/* With SOCK_MSG_USER_IOV (only where user_iov is set) it copies to the
	 * program's memory itself, or returns -EOPNOTSUPP for a socket that
	 * cannot. */
	long (*recvmsg)(struct socket *s, struct sock_msg *m);
	bool user_iov;
	int (*shutdown)(struct socket *s, int how);
	/* The socket's own address, or with peer its peer's (-ENOTCONN). */
	int (*getname)(struct socket *s, struct sock_addr *a, bool peer);
	/* Options the generic layer does not answer itself. */
	int (*setsockopt)(struct socket *s, int level, int name, const void *val, unsigned len);
	int (*getsockopt)(struct socket *s, int level, int name, void *val, unsigned *len);
	/* VFS_POLL* bits, and SOCK_POLLRDHUP when the peer shut its side. */
	unsigned (*poll)(struct socket *s);
	/* FIONREAD and the family's own; -ENOTTY for the rest. */
	long (*ioctl)(struct socket *s, unsigned long cmd, void *arg);
	/* The last reference to the file is gone. */
	void (*release)(struct socket *s);
};

#define SOCK_POLLRDHUP 0x2000		/* EPOLLRDHUP */

struct socket {
	const struct socket_ops *ops;
	struct file *file;		/* the file this socket is (no reference) */
	int family, type, protocol;
	/* SO_RCVTIMEO, SO_SNDTIMEO in ns (0: none), answered by the generic
	 * layer and obeyed by the families' waits. */
	uint64_t rcvtimeo_ns, sndtimeo_ns;
	void *priv;			/* the family's */
};

struct socket_family {
	int family;			/* SOCK_AF_* */
	/* Fills s->ops and s->priv for type (SOCK_TYPE_MASK bits only) and
	 * protocol: 0, -ESOCKTNOSUPPORT, -EPROTONOSUPPORT, ... */
	int (*create)(struct socket *s, int type, int protocol);
	/* socketpair(2): both created and connected; NULL: -EOPNOTSUPP. */
	int (*pair)(struct socket *a, struct socket *b, int type, int protocol);
};

/* What the families ask of the process layer, which registers it once
 * before any program runs (linux/): the calling thread's pid (SO_PEERCRED,
 * SCM_CREDENTIALS, netlink's port ids) and working directory (AF_UNIX's
 * relative paths; NULL: the root). Without one: pid 0 and the root.
 * Programs run as root, so uid and gid are 0. */
struct socket_caller {
	int (*pid)(void);
	struct vnode *(*cwd)(void);
};

void socket_set_caller(const struct socket_caller *c);
int socket_caller_pid(void);
struct vnode *socket_caller_cwd(void);

/* Families register once, at start (before any program runs). */
void socket_register_family(const struct socket_family *f);
/* net/inet.c: registers AF_INET and AF_INET6 (net_init calls it once
 * lwIP runs). */
void socket_inet_init(void);

/* Registers the families that need no network device, AF_UNIX
 * (net/unix.c) and AF_NETLINK (net/netlink.c): once at start, before any
 * program runs (net/local.c). */
void socket_local_init(void);

/* A new socket file (flags: VFS_O_NONBLOCK): 0, -EAFNOSUPPORT for a
 * family not built, or the family's error. */
int socket_create(int family, int type, int protocol, int flags, struct file **out);
int socket_pair(int family, int type, int protocol, int flags, struct file *out[2]);
/* For accept: a socket file around s (already set up by its family). */
int socket_file(struct socket *s, int flags, struct file **out);
/* f's socket, or NULL when f is not one (ENOTSOCK). */
struct socket *socket_of(struct file *f);

/* Generic socket-level options (SO_TYPE, SO_DOMAIN, SO_PROTOCOL,
 * SO_RCVTIMEO, SO_SNDTIMEO ...) then the family's. */
int socket_setsockopt(struct socket *s, int level, int name, const void *val, unsigned len);
int socket_getsockopt(struct socket *s, int level, int name, void *val, unsigned *len);

/* Whether a wait on s may block (the file's O_NONBLOCK and the call's
 * MSG_DONTWAIT), and the deadline of its timeout (0: none). */
bool socket_nonblocking(const struct socket *s, int msg_flags);
uint64_t socket_deadline(uint64_t timeout_ns);

#endif
