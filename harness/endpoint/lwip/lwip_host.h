/* lwip_host.h: Debian's lwIP (liblwip, NO_SYS=0: its own tcpip thread, the BSD-like socket API)
 * brought up on a tap device, for synfin-lwip. The stack answers ARP for its address itself. */
#ifndef SYNFIN_LWIP_HOST_H
#define SYNFIN_LWIP_HOST_H

#include <stdint.h>
#include <stdio.h>

/* The netif's MTU: the largest frame Debian's liblwip receives without overflowing (lwip_host.c).
 */
#define LWIP_HOST_MTU 576

/* Starts lwIP's tcpip thread and attaches a netif with address addr (network byte order, a /24)
 * to the existing tap device dev. Returns 0 or a negative errno (the message on stderr). */
int lwip_host_start(const char *dev, uint32_t addr);

/* Waits until lwIP holds no connection but TIME-WAIT ones (a FIN still to be retransmitted,
 * a FIN-WAIT-2 still waiting), at most max_ms: lwIP's connections live in this process, and
 * leaving earlier would end them without a segment on the wire. Returns 0, or -ETIMEDOUT. */
int lwip_host_drain(unsigned max_ms);

/* The TCP settings fixed when Debian built the library, read from its installed headers
 * (lwipopts.h and lwIP's own defaults in opt.h and tcp_priv.h), one line. */
void lwip_host_print_settings(FILE *out);

#endif
