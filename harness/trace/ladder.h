/* ladder.h: a trace drawn as a ladder diagram (the seed's figure 3-6), client on the left,
 * server on the right, time going down. Pure: records in, text out.
 *
 * 192.168.1.108:59712 (client)                 192.168.1.109:80 (server)
 *   0.000000  |------ [S] seq 4231775027 ----------------->|
 *   0.000034  |<----- [S.] seq 3403866833 ack 4231775028 --|
 *   0.000051  |------ [.] ack 1 -------------------------->|
 *   0.500380  |------ [F.] seq 1 ack 1 ------------------->|
 *   0.704582  |<----- [.] ack 2 (held 200.1 ms) -----------|  held: rule 2 (delay-ack.rules:4)
 *   0.800662  |<----- [F.] seq 1 ack 2 --------------------|
 *   0.800714  |------ [.] ack 2 -------------------------->|
 * and drops, either way:
 *   0.000000  |------ [S] seq 1908103801 -------X          |  dropped: rule 1 (syn-timeout.rules:2)
 *   0.500575  |          X----- [F.] seq 1 ack 2 ----------|  dropped: rule 1 (drop-fin.rules:1)
 *
 * - Time: seconds since the first record (any record, drawn or not), six decimals.
 * - Labels: tcpdump's flags and numbers as the trace recorded them (rseq/rack: relative after
 *   the handshake, absolute on SYNs), `seq A:B` with payload.
 * - A dropped segment stops short of the far side with an X (ten columns before it), and the
 *   note on the right names the rule.
 * - A held (delayed) segment is drawn once, when it was released, with "(held D ms)" (the
 *   time it was actually held) and a note naming the rule; its arrival is not drawn, since
 *   the other side only sees it at release. A segment held and never released (the trace
 *   ended first) is drawn at its arrival with "(held, not released)". One the daemon dropped
 *   when it exited (--drop-held-on-exit) is drawn as a drop at that time, with "(held D ms)"
 *   and the note "dropped at exit, held: rule N (FILE:LINE)".
 * - Columns line up within one diagram: the arrow width fits the longest label (44 minimum).
 * - With more than one connection between the two hosts, each label starts with the client
 *   port (":59712 [S] ..."); with one, the header shows the ports instead.
 * - Records between other hosts are left out and counted in a last line.
 */
#ifndef SYNFIN_LADDER_H
#define SYNFIN_LADDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "trace_read.h"

/* The two hosts, of either family (IPv4 mapped, ip_addr_from_ipv4). server_addr NULL: the
 * first address the client exchanges a segment with. Returns 0, or -ENOENT (after a line
 * saying so) when no record is to or from the client. */
int ladder_write(FILE *out, const struct trace_record *recs, size_t n,
                 const struct ip_addr *client_addr, const struct ip_addr *server_addr);

/* ---- what the text ladder and the SVG one (ladder_svg.h) share ---- */

/* Two records of one segment (the arrival and the end of its hold). */
bool ladder_same_segment(const struct trace_record *a, const struct trace_record *b);
/* A duration as the labels write it: "300 ms", "300.2 ms". */
void ladder_ms_str(char *buf, size_t size, uint64_t us);
/* An arrow's label: ":PORT " when port_prefix, the flags, seq and ack, then suffix. */
void ladder_label(char *buf, size_t size, const struct trace_record *r, bool port_prefix,
                  uint16_t client_port, const char *suffix);
/* "WHAT: rule N (FILE:LINE)", or WHAT alone when no rule decided. */
void ladder_rule_note(char *buf, size_t size, const char *what, const struct trace_record *r);
/* The first address the client exchanges a segment with, into *server; false when none. */
bool ladder_find_server(const struct trace_record *recs, size_t n, const struct ip_addr *client,
                        struct ip_addr *server);
/* A host's name over its lifeline: "192.168.1.108 (client)", with the port when there is one
 * connection, "192.168.1.108:59712 (client)", an IPv6 address bracketed before its port
 * (RFC 3986 3.2.2), "[fd00::108]:59712 (client)". port 0: without. */
void ladder_host_name(char *buf, size_t size, const struct ip_addr *addr, uint16_t port,
                      const char *role);
/* Whether r goes between the two hosts; *c2s: from the client. */
bool ladder_between(const struct trace_record *r, const struct ip_addr *client,
                    const struct ip_addr *server, bool *c2s);
/* More than one connection between the two hosts? *cport and *sport: the last one's ports. */
bool ladder_many_connections(const struct trace_record *recs, size_t n,
                             const struct ip_addr *client_addr, const struct ip_addr *server_addr,
                             uint16_t *cport, uint16_t *sport);

#endif
