/* tcp_flags.h: the TCP header's flag bits, one set of names for the harness and the stack. */
#ifndef SYNFIN_TCP_FLAGS_H
#define SYNFIN_TCP_FLAGS_H

/* In the order of the header's 14th byte (RFC 9293 3.1; ECE and CWR from RFC 3168 23.2). */
enum {
	TCPF_FIN = 0x01,
	TCPF_SYN = 0x02,
	TCPF_RST = 0x04,
	TCPF_PSH = 0x08,
	TCPF_ACK = 0x10,
	TCPF_URG = 0x20,
	TCPF_ECE = 0x40,
	TCPF_CWR = 0x80,
};

#endif
