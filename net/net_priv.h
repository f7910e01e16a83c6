/* Between the network stack's files (net/): what each offers the others.
 * Only net/ includes lwIP's headers. */
#ifndef FLINT_NET_PRIV_H
#define FLINT_NET_PRIV_H

#include <flint/net.h>
#include <stdbool.h>
#include <stdint.h>

#include "lwip/netif.h"

struct netdev;

/* net.c: lwIP is started at the boot's net stage when there is a device
 * or an ip= option, else by the first call that needs it. */
void net_start(void);
bool net_started(void);

/* netif.c: an lwIP interface over dev, up, with an IPv6 link-local
 * address; core lock held. NULL when lwIP has no room. */
struct netif *net_netif_attach(struct netdev *dev);
/* The device under an interface; NULL for the loopback. */
struct netdev *net_netif_dev(const struct netif *n);
/* The Linux name of an interface ("lo", "eth0"). */
const char *net_netif_name(const struct netif *n);
/* Whether the interface's device segments large TCP/IPv4 frames. */
bool net_netif_tso4(const struct netif *n);

/* The connection on list (one of lwIP's TCP lists) that a frame from src
 * to dst (4 or 16 bytes, as version says) with these ports belongs to, or
 * NULL; core lock held (timewait.c). */
struct tcp_pcb;
struct tcp_pcb *net_tcp_find(struct tcp_pcb *list, unsigned version, const uint8_t *src,
			     const uint8_t *dst, uint16_t sport, uint16_t dport);

/* timewait.c: a received frame (len bytes at f, core lock held) that is
 * a SYN newer than the TIME-WAIT block of the same connection ends that
 * block, so that the SYN opens a new connection. */
void net_timewait_syn(const uint8_t *f, size_t len);

/* oowack.c: whether a received frame (core lock held) is an empty TCP
 * segment outside its connection's window that lwIP would answer with
 * an ACK within OOW_ACK_INTERVAL_MS of the last such answer: dropped, so
 * that no ACK war with the peer starves the link. */
bool net_oowack_drop(const uint8_t *f, size_t len);

/* config.c: writes the files programs read in /etc (at the boot), and
 * applies ip= to the attached interfaces (core lock held). */
void net_config_apply(void);
void net_config_files(void);
bool net_config_pending(void);

/* procnet.c: /proc/net. */
void net_proc_init(void);

#endif
