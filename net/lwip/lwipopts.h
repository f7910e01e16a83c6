/*
 * Flint's lwIP configuration (lwIP 2.1.3, Debian's 2.1.3+dfsg1-2). The
 * choices that matter for speed and memory are explained in
 * docs/network.md; the rest are lwIP's options named for what Flint
 * needs (see lwip/opt.h for each).
 */
#ifndef FLINT_LWIPOPTS_H
#define FLINT_LWIPOPTS_H

/* Threads: lwIP's tcpip thread, and the core lock for everyone else. */
#define NO_SYS 0
#define SYS_LIGHTWEIGHT_PROT 1
#define LWIP_TCPIP_CORE_LOCKING 1
#define LWIP_TCPIP_CORE_LOCKING_INPUT 1
/* Releasing the core lock first sends the TCP segments the interfaces
 * hold back to merge (net/netif.c): every output runs under the lock
 * (the tcpip thread's timers too: it releases it before it waits), so
 * none waits longer than the critical section that sent it. */
void net_netif_flush(void);
#define LOCK_TCPIP_CORE() sys_mutex_lock(&lock_tcpip_core)
#define UNLOCK_TCPIP_CORE() \
	do { net_netif_flush(); sys_mutex_unlock(&lock_tcpip_core); } while (0)
#define LWIP_MPU_COMPATIBLE 0
#define TCPIP_THREAD_NAME "tcpip"
#define TCPIP_THREAD_STACKSIZE 0	/* Flint's threads have one size */
#define TCPIP_THREAD_PRIO 0
#define TCPIP_MBOX_SIZE 1024
#define DEFAULT_THREAD_STACKSIZE 0
#define DEFAULT_RAW_RECVMBOX_SIZE 128
#define DEFAULT_UDP_RECVMBOX_SIZE 512
#define DEFAULT_TCP_RECVMBOX_SIZE 512
#define DEFAULT_ACCEPTMBOX_SIZE 1024
#define LWIP_NETCONN_SEM_PER_THREAD 0
#define LWIP_NETCONN_FULLDUPLEX 0

/* Memory: all from the kernel heap, so it comes back when freed and an
 * allocation that fails drops a packet instead of running a pool dry. */
#define MEM_LIBC_MALLOC 1
#define MEMP_MEM_MALLOC 1
#define MEM_ALIGNMENT 8
#define MEM_USE_POOLS 0
#define mem_clib_malloc lwip_port_malloc
#define mem_clib_free lwip_port_free
#define mem_clib_calloc lwip_port_calloc
#define PBUF_POOL_SIZE 64		/* unused by Flint's receive path */
#define MEMP_NUM_PBUF 4096
#define MEMP_NUM_RAW_PCB 64
#define MEMP_NUM_UDP_PCB 512
#define MEMP_NUM_TCP_PCB 4096
#define MEMP_NUM_TCP_PCB_LISTEN 256
#define MEMP_NUM_TCP_SEG 16384
#define MEMP_NUM_NETBUF 4096
#define MEMP_NUM_NETCONN 4096		/* also the socket table's size */
#define MEMP_NUM_TCPIP_MSG_API 1024
#define MEMP_NUM_TCPIP_MSG_INPKT 1024
#define MEMP_NUM_SYS_TIMEOUT (LWIP_NUM_SYS_TIMEOUT_INTERNAL + 8)
#define MEMP_NUM_ARP_QUEUE 64
#define MEMP_NUM_REASSDATA 16
#define MEMP_NUM_FRAG_PBUF 64
#define MEMP_NUM_ND6_QUEUE 64
#define MEMP_NUM_NETDB 8
#define MEMP_OVERFLOW_CHECK 0
#define MEMP_SANITY_CHECK 0

/* Link layer. */
#define LWIP_ARP 1
#define ARP_TABLE_SIZE 64
#define ARP_QUEUEING 1
#define ETHARP_SUPPORT_STATIC_ENTRIES 0
#define ETH_PAD_SIZE 0
#define LWIP_ETHERNET 1
#define LWIP_NETIF_HOSTNAME 1
#define LWIP_NETIF_STATUS_CALLBACK 1
#define LWIP_NETIF_LINK_CALLBACK 1
#define LWIP_NETIF_EXT_STATUS_CALLBACK 1
#define LWIP_NETIF_LOOPBACK 1
#define LWIP_HAVE_LOOPIF 1
#define LWIP_LOOPBACK_MAX_PBUFS 0
#define LWIP_SINGLE_NETIF 0
#define LWIP_CHECKSUM_CTRL_PER_NETIF 1

/* IPv4 and IPv6. */
#define LWIP_IPV4 1
#define LWIP_IPV6 1
#define IP_FORWARD 0
#define IP_REASSEMBLY 1
/* IPv4 datagrams longer than the MTU are cut by the link (net/ipfrag.h),
 * which lets large TCP segments through to the device (net/bigseg.h). */
#define IP_FRAG 0
#define IP_DEFAULT_TTL 64
#define LWIP_ICMP 1
#define LWIP_BROADCAST_PING 0
#define LWIP_MULTICAST_PING 0
#define LWIP_RAW 1
#define LWIP_IGMP 1
#define LWIP_IPV6_AUTOCONFIG 1
#define LWIP_IPV6_SEND_ROUTER_SOLICIT 1
#define LWIP_IPV6_DUP_DETECT_ATTEMPTS 1
#define LWIP_IPV6_MLD 1
#define LWIP_IPV6_FRAG 1
#define LWIP_IPV6_REASS 1
#define IPV6_FRAG_COPYHEADER 1		/* 64-bit pointers do not fit the fragment header */
#define LWIP_IPV6_NUM_ADDRESSES 3
#define LWIP_ND6_QUEUEING 1
#define LWIP_ND6_NUM_NEIGHBORS 32
#define LWIP_ND6_NUM_DESTINATIONS 32
#define LWIP_IPV6_DHCP6 0
#define LWIP_IPV6_SCOPES 1

/* DHCP and DNS (servers from DHCP or ip=). */
#define LWIP_DHCP 1
#define DHCP_DOES_ARP_CHECK 0		/* no second of probing before the address */
#define LWIP_DHCP_GET_NTP_SRV 0
#define LWIP_DHCP_MAX_DNS_SERVERS 2
#define LWIP_AUTOIP 0
#define LWIP_DNS 1
#define DNS_MAX_SERVERS 2
#define LWIP_DNS_SUPPORT_MDNS_QUERIES 0
#define DNS_LOCAL_HOSTLIST 0

/* Transport. */
#define LWIP_UDP 1
#define LWIP_UDPLITE 0
#define LWIP_TCP 1
#define TCP_MSS 1460
#define LWIP_WND_SCALE 1
#define TCP_RCV_SCALE 5
#define TCP_WND (1024 * 1024)
#define TCP_SND_BUF (1024 * 1024)
#define TCP_SND_QUEUELEN (4 * TCP_SND_BUF / TCP_MSS)
/* A window update on its own only when a quarter of the window has
 * opened: lwIP's default (4 MSS) sent one for every few kB a program
 * read, more ACKs than data segments with 64 KiB GSO segments arriving. */
#define TCP_WND_UPDATE_THRESHOLD (TCP_WND / 4)
#define TCP_SNDLOWAT (32 * TCP_MSS)
#define TCP_SNDQUEUELOWAT (TCP_SND_QUEUELEN / 2)
#define TCP_QUEUE_OOSEQ 1
#define TCP_OOSEQ_MAX_BYTES (1024 * 1024)
#define TCP_OOSEQ_MAX_PBUFS 256
#define LWIP_TCP_SACK_OUT 1
#define LWIP_TCP_MAX_SACK_NUM 4
#define TCP_OVERSIZE TCP_MSS
#define LWIP_TCP_TIMESTAMPS 1
#define TCP_LISTEN_BACKLOG 1
#define TCP_DEFAULT_LISTEN_BACKLOG 0xff
#define LWIP_TCP_KEEPALIVE 1
/* net/oowack.c's last ACK time, net/bigseg.c's MSS. */
#define LWIP_TCP_PCB_NUM_EXT_ARGS 2
#define TCP_MAXRTX 12
#define TCP_SYNMAXRTX 6
#define LWIP_EVENT_API 0
#define LWIP_CALLBACK_API 1
#define LWIP_ALTCP 0

/* The sequential and socket APIs, used by net/inet.c (lwip_* names). */
#define LWIP_NETCONN 1
#define LWIP_SOCKET 1
#define LWIP_COMPAT_SOCKETS 0
#define LWIP_POSIX_SOCKETS_IO_NAMES 0
#define LWIP_SOCKET_OFFSET 0
#define LWIP_SOCKET_SELECT 1
#define LWIP_SOCKET_POLL 1
#define LWIP_SOCKET_OPEN_COUNT 0
#define LWIP_SOCKET_MAX_MEMBERSHIPS 64	/* multicast groups joined, all sockets together */
#define LWIP_SO_SNDTIMEO 1
#define LWIP_SO_RCVTIMEO 1
#define LWIP_SO_SNDRCVTIMEO_NONSTANDARD 0
#define LWIP_SO_RCVBUF 1
#define RECV_BUFSIZE_DEFAULT (4 * 1024 * 1024)
#define LWIP_SO_LINGER 1
#define SO_REUSE 1
#define SO_REUSE_RXTOALL 1
#define LWIP_NETBUF_RECVINFO 0
#define LWIP_FIONREAD_LINUXMODE 1
/* Debian's port patch has sockets.c take these from the port: lwIP's own
 * addresses carry a length byte, BSD style. */
#define IP4ADDR_SOCKADDR_SET_LEN(sin) ((sin)->sin_len = sizeof(struct sockaddr_in))
#define IP6ADDR_SOCKADDR_SET_LEN(sin6) ((sin6)->sin6_len = sizeof(struct sockaddr_in6))
#define IPADDR_SOCKADDR_GET_LEN(addr) ((addr)->sa.sa_len)
#define LWIP_TIMEVAL_PRIVATE 1

/* Checksums in software unless a netif's device offloads them (net/netif.c
 * switches lwIP's own per netif). */
#define CHECKSUM_GEN_IP 1
#define CHECKSUM_GEN_UDP 1
#define CHECKSUM_GEN_TCP 1
#define CHECKSUM_GEN_ICMP 1
#define CHECKSUM_GEN_ICMP6 1
#define CHECKSUM_CHECK_IP 1
#define CHECKSUM_CHECK_UDP 1
#define CHECKSUM_CHECK_TCP 1
#define CHECKSUM_CHECK_ICMP 1
#define CHECKSUM_CHECK_ICMP6 1
#define LWIP_CHECKSUM_ON_COPY 0

/* Statistics for /proc/net and net.show. */
#define LWIP_STATS 1
#define LWIP_STATS_DISPLAY 0
#define LINK_STATS 1
#define ETHARP_STATS 1
#define IP_STATS 1
#define IPFRAG_STATS 1
#define ICMP_STATS 1
#define UDP_STATS 1
#define TCP_STATS 1
#define MEM_STATS 1
#define MEMP_STATS 0
#define SYS_STATS 0
#define IP6_STATS 1
#define ICMP6_STATS 1
#define IP6_FRAG_STATS 1
#define ND6_STATS 1
#define MIB2_STATS 1

/* Random numbers, the hooks (TCP initial sequence numbers, DHCP's host
 * name) and the platform's pieces are in net/lwip/. */
#define LWIP_RAND() lwip_port_rand()
#define LWIP_HOOK_FILENAME "lwip_hooks.h"

#define LWIP_PERF 0

#endif
