/*
 * Sockets' generic layer: the families' registry, the socket file (read
 * and write as one-buffer messages, poll, ioctl, release), the options
 * every family shares, and the interface ioctls (SIOCGIF*) answered from
 * the stack's view of the interfaces. See <flint/socket.h>.
 */
#include <flint/errno.h>
#include <flint/heap.h>
#include <flint/net.h>
#include <flint/socket.h>
#include <flint/string.h>
#include <flint/timer.h>
#include <flint/vfs.h>

#define FAMILIES_MAX 8
#define SOCKET_MODE 0140777		/* S_IFSOCK, rwx for all, as Linux's sockfs */
#define NSEC_PER_SEC 1000000000ull
#define NSEC_PER_USEC 1000ull
#define USEC_PER_SEC 1000000
#define TIMEOUT_SEC_MAX (1ll << 32)	/* longer timeouts are taken as none */

static const struct socket_family *families[FAMILIES_MAX];
static unsigned nfamilies;

void socket_register_family(const struct socket_family *f)
{
	if (nfamilies < FAMILIES_MAX)
		families[nfamilies++] = f;
}

static const struct socket_family *family_of(int family)
{
	for (unsigned i = 0; i < nfamilies; i++)
		if (families[i]->family == family)
			return families[i];
	return NULL;
}

/* A read as a one-buffer message with flags. */
static long read_msg(struct file *f, void *buf, size_t n, int flags)
{
	struct socket *s = f->priv;
	struct sock_iov iov = { buf, n };
	struct sock_msg m = { .iov = &iov, .iovlen = 1, .flags = flags };

	return s->ops->recvmsg(s, &m);
}

static long socket_read(struct file *f, void *buf, size_t n)
{
	struct socket *s = f->priv;

	return s->ops->recvmsg ? read_msg(f, buf, n, 0) : -EOPNOTSUPP;
}

static long socket_read_user(struct file *f, void *ubuf, size_t n)
{
	struct socket *s = f->priv;

	return s->ops->recvmsg && s->ops->user_iov ? read_msg(f, ubuf, n, SOCK_MSG_USER_IOV)
						   : -EOPNOTSUPP;
}

static long socket_write(struct file *f, const void *buf, size_t n)
{
	struct socket *s = f->priv;
	struct sock_iov iov = { (void *)buf, n };
	struct sock_msg m = { .iov = &iov, .iovlen = 1 };

	if (!s->ops->sendmsg)
		return -EOPNOTSUPP;
	return s->ops->sendmsg(s, &m);
}

static unsigned socket_poll(struct file *f)
{
	struct socket *s = f->priv;

	return s->ops->poll ? s->ops->poll(s) : VFS_POLLIN | VFS_POLLOUT;
}

/* include/uapi/linux/if_arp.h */
#define ARPHRD_ETHER 1
#define ARPHRD_LOOPBACK 772
#define IF_TXQLEN 1000			/* DEFAULT_TX_QUEUE_LEN, and lo's */

/* struct ifreq (include/uapi/linux/if.h): the name, then a 24-byte union
 * whose first member is a struct sockaddr. */
struct if_req {
	char name[NET_IFNAME_MAX];
	union {
		struct {
			uint16_t family;
			uint8_t data[14];
		} addr;
		int16_t flags;
		int32_t ivalue;
		uint8_t pad[24];
	};
};

_Static_assert(sizeof(struct if_req) == SOCK_IFREQ_SIZE, "struct ifreq");

static void if_addr4(struct if_req *r, uint32_t addr)
{
	memset(&r->addr, 0, sizeof(r->addr));
	r->addr.family = SOCK_AF_INET;
	memcpy(r->addr.data + 2, &addr, sizeof(addr));	/* after sin_port */
}

/* The SIOCGIF* queries: arg is a struct ifreq, named by ifr_name (or, for
 * SOCK_SIOCGIFNAME, by ifr_ifindex). */
static long if_ioctl(unsigned long cmd, struct if_req *r)
{
	struct net_ifinfo ifi;
	int e;

	if (cmd == SOCK_SIOCGIFNAME)
		e = net_if_by_index((unsigned)r->ivalue, &ifi);
	else {
		r->name[NET_IFNAME_MAX - 1] = '\0';
		e = net_if_by_name(r->name, &ifi);
	}
	if (e < 0)
		return -ENODEV;
	switch (cmd) {
	case SOCK_SIOCGIFNAME:
		memcpy(r->name, ifi.name, NET_IFNAME_MAX);
		return 0;
	case SOCK_SIOCGIFFLAGS:
		r->flags = (int16_t)ifi.flags;
		return 0;
	case SOCK_SIOCGIFADDR:
	case SOCK_SIOCGIFDSTADDR:
	case SOCK_SIOCGIFBRDADDR:
	case SOCK_SIOCGIFNETMASK:
		if (!ifi.addr4)
			return -EADDRNOTAVAIL;
		if_addr4(r, cmd == SOCK_SIOCGIFNETMASK ? ifi.mask4
			  : cmd == SOCK_SIOCGIFBRDADDR ? ifi.bcast4 : ifi.addr4);
		return 0;
	case SOCK_SIOCGIFMETRIC:
		r->ivalue = 0;
		return 0;
	case SOCK_SIOCGIFMTU:
		r->ivalue = (int32_t)ifi.mtu;
		return 0;
	case SOCK_SIOCGIFHWADDR:
		memset(&r->addr, 0, sizeof(r->addr));
		r->addr.family = ifi.flags & NET_IFF_LOOPBACK ? ARPHRD_LOOPBACK : ARPHRD_ETHER;
		memcpy(r->addr.data, ifi.mac, sizeof(ifi.mac));
		return 0;
	case SOCK_SIOCGIFINDEX:
		r->ivalue = (int32_t)ifi.index;
		return 0;
	default:
		r->ivalue = IF_TXQLEN;	/* SOCK_SIOCGIFTXQLEN */
		return 0;
	}
}

static long socket_ioctl(struct file *f, unsigned long cmd, void *arg)
{
	struct socket *s = f->priv;

	switch (cmd) {
	case SOCK_SIOCGIFNAME:
	case SOCK_SIOCGIFFLAGS:
	case SOCK_SIOCGIFADDR:
	case SOCK_SIOCGIFDSTADDR:
	case SOCK_SIOCGIFBRDADDR:
	case SOCK_SIOCGIFNETMASK:
	case SOCK_SIOCGIFMETRIC:
	case SOCK_SIOCGIFMTU:
	case SOCK_SIOCGIFHWADDR:
	case SOCK_SIOCGIFINDEX:
	case SOCK_SIOCGIFTXQLEN:
		return if_ioctl(cmd, arg);
	default:
		return s->ops->ioctl ? s->ops->ioctl(s, cmd, arg) : -ENOTTY;
	}
}

static int socket_stat(struct file *f, struct vfs_stat *st)
{
	st->mode = SOCKET_MODE;
	st->nlink = 1;
	st->ino = (uint64_t)(uintptr_t)f->priv;
	return 0;
}

static void socket_release(struct file *f)
{
	struct socket *s = f->priv;

	if (s->ops->release)
		s->ops->release(s);
	kfree(s);
	vfs_poll_notify();
}

static const struct file_ops socket_file_ops = {
	.read = socket_read,
	.read_user = socket_read_user,
	.write = socket_write,
	.poll = socket_poll,
	.ioctl = socket_ioctl,
	.stat = socket_stat,
	.release = socket_release,
};

struct socket *socket_of(struct file *f)
{
	return f->ops == &socket_file_ops ? f->priv : NULL;
}

int socket_file(struct socket *s, int flags, struct file **out)
{
	struct file *f = file_new(&socket_file_ops, VFS_O_RDWR | (flags & VFS_O_NONBLOCK), s);

	if (!f)
		return -ENOMEM;
	s->file = f;
	*out = f;
	return 0;
}

static struct socket *socket_alloc(int family, int type, int protocol)
{
	struct socket *s = kzalloc(sizeof(*s));

	if (s) {
		s->family = family;
		s->type = type & SOCK_TYPE_MASK;
		s->protocol = protocol;
	}
	return s;
}

/* The socket's file, or its undoing when none can be made. */
static int socket_wrap(struct socket *s, int flags, struct file **out)
{
	int r = socket_file(s, flags, out);

	if (r < 0) {
		if (s->ops->release)
			s->ops->release(s);
		kfree(s);
	}
	return r;
}

int socket_create(int family, int type, int protocol, int flags, struct file **out)
{
	const struct socket_family *fam = family_of(family);
	struct socket *s;
	int r;

	if (!fam)
		return -EAFNOSUPPORT;
	s = socket_alloc(family, type, protocol);
	if (!s)
		return -ENOMEM;
	r = fam->create(s, type & SOCK_TYPE_MASK, protocol);
	if (r < 0) {
		kfree(s);
		return r;
	}
	return socket_wrap(s, flags, out);
}

int socket_pair(int family, int type, int protocol, int flags, struct file *out[2])
{
	const struct socket_family *fam = family_of(family);
	struct socket *a, *b;
	int r;

	if (!fam)
		return -EAFNOSUPPORT;
	if (!fam->pair)
		return -EOPNOTSUPP;
	a = socket_alloc(family, type, protocol);
	b = socket_alloc(family, type, protocol);
	if (!a || !b) {
		kfree(a);
		kfree(b);
		return -ENOMEM;
	}
	r = fam->pair(a, b, type & SOCK_TYPE_MASK, protocol);
	if (r < 0) {
		kfree(a);
		kfree(b);
		return r;
	}
	r = socket_wrap(a, flags, &out[0]);
	if (r < 0) {
		if (b->ops->release)
			b->ops->release(b);
		kfree(b);
		return r;
	}
	r = socket_wrap(b, flags, &out[1]);
	if (r < 0)
		file_put(out[0]);
	return r;
}

/* struct timeval, x86-64 (include/uapi/linux/time_types.h). */
struct sock_timeval {
	int64_t sec, usec;
};

/* SO_RCVTIMEO/SO_SNDTIMEO as Linux's sock_set_timeout: a negative time is
 * "no wait at all" (taken as the shortest), zero "forever". */
static int set_timeout(uint64_t *ns, const void *val, unsigned len)
{
	struct sock_timeval tv;

	if (len < sizeof(tv))
		return -EINVAL;
	memcpy(&tv, val, sizeof(tv));
	if (tv.usec < 0 || tv.usec >= USEC_PER_SEC)
		return -EDOM;
	if (tv.sec < 0)
		*ns = 1;
	else if (tv.sec >= TIMEOUT_SEC_MAX)
		*ns = 0;
	else
		*ns = (uint64_t)tv.sec * NSEC_PER_SEC + (uint64_t)tv.usec * NSEC_PER_USEC;
	return 0;
}

/* An option's value into val: at most *len bytes of it, *len its size
 * when shorter, as Linux's getsockopt. */
static int put_opt(void *val, unsigned *len, const void *v, unsigned size)
{
	if (*len > size)
		*len = size;
	memcpy(val, v, *len);
	return 0;
}

int socket_setsockopt(struct socket *s, int level, int name, const void *val, unsigned len)
{
	if (level == SOCK_SOL_SOCKET) {
		switch (name) {
		case SOCK_SO_RCVTIMEO:
			return set_timeout(&s->rcvtimeo_ns, val, len);
		case SOCK_SO_SNDTIMEO:
			return set_timeout(&s->sndtimeo_ns, val, len);
		case SOCK_SO_TYPE:
		case SOCK_SO_DOMAIN:
		case SOCK_SO_PROTOCOL:
		case SOCK_SO_ACCEPTCONN:
			return -ENOPROTOOPT;
		default:
			break;
		}
	}
	if (!s->ops->setsockopt)
		return -ENOPROTOOPT;
	return s->ops->setsockopt(s, level, name, val, len);
}

int socket_getsockopt(struct socket *s, int level, int name, void *val, unsigned *len)
{
	struct sock_timeval tv;
	int v;

	if (level == SOCK_SOL_SOCKET) {
		switch (name) {
		case SOCK_SO_TYPE:
			v = s->type;
			return put_opt(val, len, &v, sizeof(v));
		case SOCK_SO_DOMAIN:
			v = s->family;
			return put_opt(val, len, &v, sizeof(v));
		case SOCK_SO_PROTOCOL:
			v = s->protocol;
			return put_opt(val, len, &v, sizeof(v));
		case SOCK_SO_RCVTIMEO:
		case SOCK_SO_SNDTIMEO: {
			uint64_t ns = name == SOCK_SO_RCVTIMEO ? s->rcvtimeo_ns : s->sndtimeo_ns;

			tv.sec = (int64_t)(ns / NSEC_PER_SEC);
			tv.usec = (int64_t)(ns % NSEC_PER_SEC / NSEC_PER_USEC);
			return put_opt(val, len, &tv, sizeof(tv));
		}
		default:
			break;
		}
	}
	if (!s->ops->getsockopt)
		return -ENOPROTOOPT;
	return s->ops->getsockopt(s, level, name, val, len);
}

bool socket_nonblocking(const struct socket *s, int msg_flags)
{
	return (msg_flags & SOCK_MSG_DONTWAIT) ||
	       (__atomic_load_n(&s->file->flags, __ATOMIC_RELAXED) & VFS_O_NONBLOCK);
}

uint64_t socket_deadline(uint64_t timeout_ns)
{
	return timeout_ns ? clock_ns() + timeout_ns : 0;
}
