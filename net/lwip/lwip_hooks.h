/* lwIP's hooks (LWIP_HOOK_FILENAME): TCP initial sequence numbers from
 * the kernel's generator (net/lwip/sys_arch.c), DHCP options lwIP does
 * not read itself (the host name, net/ipconfig.c), and a look at every
 * connection a segment reaches (large segments, net/bigseg.h). */
#ifndef FLINT_LWIP_HOOKS_H
#define FLINT_LWIP_HOOKS_H

struct netif;
struct pbuf;
struct tcp_pcb;

unsigned lwip_port_tcp_isn(void);
void net_bigseg_grow(struct tcp_pcb *pcb);
void net_dhcp_option(struct netif *netif, unsigned option, unsigned len,
		     struct pbuf *p, unsigned offset);

#define LWIP_HOOK_TCP_ISN(local_ip, local_port, remote_ip, remote_port) \
	lwip_port_tcp_isn()
#define LWIP_HOOK_TCP_INPACKET_PCB(pcb, hdr, optlen, opt1len, opt2, p) \
	(net_bigseg_grow(pcb), ERR_OK)
#define LWIP_HOOK_DHCP_PARSE_OPTION(netif, dhcp, state, msg, msg_type, option, len, pbuf, offset) \
	do { LWIP_UNUSED_ARG(msg); net_dhcp_option((netif), (option), (len), (pbuf), (offset)); } while (0)

#endif
