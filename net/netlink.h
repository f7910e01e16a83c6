/*
 * AF_NETLINK inside net/: the rtnetlink answers (net/netlink_msg.c, pure:
 * it reads <flint/net.h> and writes Linux's message layouts) for the
 * socket (net/netlink.c). See docs/network.md.
 */
#ifndef NET_NETLINK_H
#define NET_NETLINK_H

#include <stddef.h>
#include <stdint.h>

/* The most one datagram of an answer holds: whole messages up to a page,
 * as Linux's dumps fill theirs (NLMSG_GOODSIZE). */
#define NL_DGRAM_MAX 4096

/* Where answers go: emit takes one datagram (0, or a negative errno that
 * stops the answer). buf is the datagram being filled. */
struct nl_sink {
	int (*emit)(void *arg, const void *data, size_t len);
	void *arg;
	int err;			/* the first emit error */
	size_t len;
	uint8_t buf[NL_DGRAM_MAX];
};

void netlink_init(void);

/* Answers the requests in req (len bytes, a sendmsg's worth) from the
 * socket with port id portid into sink: dumps end with NLMSG_DONE,
 * errors (and acks with NLM_F_ACK) are NLMSG_ERROR. A malformed message
 * ends the processing, as Linux's does. */
void nl_answer(struct nl_sink *sink, const uint8_t *req, size_t len, uint32_t portid);

#endif
