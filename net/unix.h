/*
 * AF_UNIX sockets, inside net/: the socket state shared by net/unix.c
 * (names, connections, options, readiness) and net/unix_io.c (the
 * messages). One mutex, unix_lock, covers every AF_UNIX socket; waits
 * drop it. Files in flight (SCM_RIGHTS) are never released under it: a
 * socket's release takes it.
 */
#ifndef NET_UNIX_H
#define NET_UNIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <flint/socket.h>

#define UNIX_PATH_MAX 108		/* sun_path's bytes (linux/un.h) */
#define UNIX_FAMILY_LEN 2		/* offsetof(struct sockaddr_un, sun_path) */
#define UNIX_ADDR_MAX (UNIX_FAMILY_LEN + UNIX_PATH_MAX)	/* sizeof(struct sockaddr_un) */
/* A name as kept: a path that fills sun_path gets its NUL past the end,
 * and Linux's getsockname then says 111 bytes. */
#define UNIX_NAME_MAX (UNIX_ADDR_MAX + 1)

/* sk_shutdown's bits (include/net/sock.h). */
#define UNIX_SHUT_RCV 1
#define UNIX_SHUT_SEND 2
#define UNIX_SHUT_BOTH (UNIX_SHUT_RCV | UNIX_SHUT_SEND)

enum unix_state {
	UNIX_UNCONNECTED,		/* Linux's TCP_CLOSE */
	UNIX_LISTENING,
	UNIX_CONNECTED,			/* stays so after the peer is gone */
};

/* One message (a write of a stream, or a datagram) in a receive queue. */
struct unix_msg {
	struct unix_msg *next;
	size_t len, off;		/* bytes, and those a stream read took */
	struct file **rights;		/* SCM_RIGHTS, with references */
	unsigned nrights;
	int pid;			/* the sender's, for SCM_CREDENTIALS */
	uint32_t from_len;		/* the sender's address (0: unnamed) */
	uint8_t from[UNIX_NAME_MAX];
	unsigned char data[];
};

struct unix_sock {
	struct socket *sock;		/* NULL while not yet accepted, and once closed */
	int type;
	enum unix_state state;
	unsigned refs;			/* its socket's, peers', the accept queue's */
	bool dead;			/* closed */
	/* Connection-oriented: the other end, with a reference. Datagram:
	 * the connect(2)ed destination. */
	struct unix_sock *peer;
	/* Its name: Linux's sockaddr_un bytes (0: unnamed); a path's node,
	 * or the next in the abstract names' list. */
	uint32_t addr_len;
	uint8_t addr[UNIX_NAME_MAX];
	struct vnode *node;
	struct unix_sock *abstract_next;
	/* What it receives. */
	struct unix_msg *head, *tail;
	size_t queued;			/* bytes unread */
	size_t mem;			/* what the messages take, their headers too */
	unsigned nqueued;		/* messages */
	/* Listening: connections not yet accepted, through pending_next. */
	struct unix_sock *pending, *pending_tail, *pending_next;
	unsigned npending;
	int backlog;
	unsigned shutdown;		/* UNIX_SHUT_* */
	int err;			/* SO_ERROR: ECONNRESET */
	unsigned sndbuf, rcvbuf;
	bool passcred;
	unsigned flag_opts;		/* SO_REUSEADDR ... set, by option number */
	/* Every AF_UNIX socket is on one list, for the collector of
	 * sockets in flight (net/unix_gc.c). */
	struct unix_sock *all_next, **all_prev;
	unsigned inflight;		/* its file in queued SCM_RIGHTS */
	unsigned gc_internal;		/* of those, in collectable sockets' queues */
	bool gc_candidate, gc_alive, gc_scanned;
	/* SO_PEERCRED: the peer's pid at connect; a listener's is its own,
	 * from listen, which its clients get. */
	bool has_peercred;
	int peer_pid;
};

void unix_lock(void);
void unix_unlock(void);
/* Sleeps until the next readiness change after gen (read under the lock)
 * with the lock dropped: 0, -EAGAIN (non-blocking, or the deadline
 * passed) or -EINTR. */
int unix_wait(bool nonblock, uint64_t gen, uint64_t deadline);
void unix_put(struct unix_sock *u);

/* The socket f is, when it is an AF_UNIX one. */
struct unix_sock *unix_of_file(struct file *f);

/* net/unix_gc.c, lock held: the list of sockets; the count of files in
 * flight (delta for each of n files entering or leaving a queue); and
 * the collector, which takes the messages of sockets that only messages
 * of such sockets refer to (a cycle no program can reach) onto *garbage. */
void unix_list_add(struct unix_sock *u);
void unix_list_del(struct unix_sock *u);
void unix_inflight(struct file **files, unsigned n, int delta);
void unix_gc(struct unix_msg **garbage);

/* net/unix_io.c */
size_t unix_iov_len(const struct sock_msg *m);
/* Takes every queued message off u, onto *garbage. */
void unix_queue_drain(struct unix_sock *u, struct unix_msg **garbage);
/* Frees messages (releasing their files): without the lock. */
void unix_msgs_free(struct unix_msg *list);
long unix_stream_send(struct unix_sock *u, struct socket *s, struct sock_msg *m);
long unix_stream_recv(struct unix_sock *u, struct socket *s, struct sock_msg *m);
long unix_dgram_send(struct unix_sock *u, struct socket *s, struct sock_msg *m);
long unix_dgram_recv(struct unix_sock *u, struct socket *s, struct sock_msg *m);
/* Bytes u has sent that wait in its peer's queue (SIOCOUTQ), and the
 * memory they take, which the send buffer bounds. */
size_t unix_outq(const struct unix_sock *u);
size_t unix_outmem(const struct unix_sock *u);

void unix_init(void);

/* net/unix.c, lock held: the socket bound to an address (a path from
 * cwd, taken before the lock: socket_caller_cwd takes the process's), and
 * an abstract name for a socket without one. */
int unix_find(const struct sock_addr *a, int type, struct vnode *cwd, struct unix_sock **out);
int unix_autobind(struct unix_sock *u);

#endif
