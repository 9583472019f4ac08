/* topology.h: the addresses of the test topology, as netns/synfin-netns builds it (CLIENT_ADDR,
 * SERVER_ADDR there). The programs' defaults come from here and nowhere else. */
#ifndef SYNFIN_TOPOLOGY_H
#define SYNFIN_TOPOLOGY_H

/* The client endpoint, 192.168.1.108, and the server, 192.168.1.109: the seed's two hosts. */
#define TOPOLOGY_CLIENT_ADDR "192.168.1.108"
#define TOPOLOGY_SERVER_ADDR "192.168.1.109"
/* The same in host byte order, for code that compares addresses as numbers. */
#define TOPOLOGY_CLIENT_ADDR_U32 0xc0a8016cu
#define TOPOLOGY_SERVER_ADDR_U32 0xc0a8016du
/* Their IPv6 addresses when the topology is dual-stack (synfin-netns up RUN --ipv6): unique
 * local addresses (RFC 4193) in fd00::/64 with the same host parts. */
#define TOPOLOGY_CLIENT_ADDR6 "fd00::108"
#define TOPOLOGY_SERVER_ADDR6 "fd00::109"
/* The same as 16 bytes in network byte order, for code that compares addresses as bytes. */
#define TOPOLOGY_CLIENT_ADDR6_BYTES                                                                \
	{                                                                                          \
		0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x08                            \
	}
#define TOPOLOGY_SERVER_ADDR6_BYTES                                                                \
	{                                                                                          \
		0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x09                            \
	}
/* The server application's port in the demo, the scenarios and the programs' defaults. */
#define TOPOLOGY_SERVER_PORT 80

#endif
