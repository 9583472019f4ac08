/* pcapng.h: the pcapng capture format (draft-ietf-opsawg-pcapng) as synfin-faultd writes it:
 * what the classic pcap holds, plus what the daemon did to each packet, so Wireshark shows it
 * and `tshark -r F -T fields -e frame.comment` prints it.
 *
 *   Section Header Block   shb_userappl "synfin-faultd"; one shb_comment "seed N", one
 *                          "rules FILE:" and the rule file's text (or "no rules: ...");
 *                          after a reload of the rules, a new section begins with "rules
 *                          reloaded at T: they judged every packet of this section" too
 *   Interface 0            "client side": the packets the client sent (direction c2s)
 *   Interface 1            "server side": every other packet (s2c, and those neither way)
 *   Interfaces 2 and 3     the same two sides for IPv6 (LINKTYPE_IPV6), declared by the
 *                          writer before a section's first IPv6 packet
 *                          (pcapng_write_ipv6_interfaces), so an IPv4 capture is unchanged
 *   Enhanced Packet Blocks one per event, LINKTYPE_IPV4 (or IPV6), microseconds (if_tsresol 6),
 * with the text trace's verdict as opt_comment: "pass", "DROP rule 2 (FILE:LINE)", "HOLD 300 ms
 * rule 2 (FILE:LINE)", and for a held packet a second record at its release, "RELEASED after 300.2
 * ms, held by rule 2 (FILE:LINE)" (or "DROPPED at exit ..."); a packet the rules cannot judge:
 * "pass (not TCP)" (one that is not IPv4 is left out: the classic pcap has it)
 *
 * Blocks are written in the host's byte order (the section header's byte-order magic tells
 * readers which). Pure: callers own the FILE*. */
#ifndef SYNFIN_PCAPNG_H
#define SYNFIN_PCAPNG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "trace.h"

enum {
	PCAPNG_IF_CLIENT = 0,  /* the client's side of the wire: what the client sent */
	PCAPNG_IF_SERVER = 1,  /* the server's side: everything else */
	PCAPNG_IF_CLIENT6 = 2, /* the same two for IPv6 packets */
	PCAPNG_IF_SERVER6 = 3,
};

/* What the section header says about the run. */
struct pcapng_section {
	const char *userappl;   /* shb_userappl */
	uint64_t seed;          /* the seed of jitter and chance */
	const char *rules_name; /* the rule file as named; NULL: none (every packet passes) */
	const char *rules_text; /* its text; NULL when it could not be read */
	uint32_t client_addr;   /* host byte order, named in interface 0's description */
	/* 0: the run's first section; otherwise when the daemon reloaded its rules (SIGHUP,
	 * microseconds since the epoch): a section of its own begins, whose packets these rules
	 * judged, said in one more shb_comment */
	uint64_t reloaded_us;
};

/* The section header and the two interfaces: at the start of the file, and again after each
 * reload of the rules (pcapng allows any number of sections; each declares its interfaces
 * again, so a packet's interface is 0 or 1 in every one). 0, -EIO or -ENOMEM. */
int pcapng_write_header(FILE *out, const struct pcapng_section *s);

/* Interfaces 2 and 3, for IPv6: once in each section, before its first IPv6 packet (the
 * caller keeps track); client6 is named in interface 2's description. 0, -EIO or -ENOMEM. */
int pcapng_write_ipv6_interfaces(FILE *out, const uint8_t client6[16]);
/* Whether pkt goes on the IPv6 interfaces. */
bool pcapng_is_ipv6(const uint8_t *pkt, size_t len);

/* One Enhanced Packet Block on interface iface; comment NULL for none. 0, -EIO or -ENOMEM. */
int pcapng_write_packet(FILE *out, uint32_t iface, uint64_t time_us, const uint8_t *pkt, size_t len,
                        const char *comment);

/* The record of one trace event (arrival, release, drop at exit): ev->pkt on the side ev->dir
 * names (of its family: interfaces 2 and 3 for IPv6), commented with the text trace's
 * verdict. */
int pcapng_write_event(FILE *out, const struct trace_event *ev);

/* A packet the rules cannot judge, passed: "pass (REASON)", as the text trace says it, on the
 * side its IPv4 source address names. Nothing for a packet that is not IPv4. */
int pcapng_write_unjudged(FILE *out, uint64_t time_us, const uint8_t *pkt, size_t len,
                          uint32_t client_addr, const char *reason);

#endif
