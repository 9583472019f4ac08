/* tcpdump_print.h: the parts of tcpdump's TCP line after the header's numbers, for
 * trace_text.c. */
#ifndef SYNFIN_TCPDUMP_PRINT_H
#define SYNFIN_TCPDUMP_PRINT_H

#include <stdbool.h>
#include <stdint.h>

#include "common/sbuf.h"
#include "wire/segment.h"

/* Prints ", options [...]". Returns false after printing tcpdump's "[bad opt]" or " [|tcp]"
 * (tcpdump then stops the line: no ", length"). hlen counts option bytes. SACK blocks speak
 * of the other direction's sequence space: sack_base is what they are shown relative to. */
bool tcpdump_print_options(struct sbuf *b, const uint8_t *cp, unsigned hlen, bool more_data,
                           uint32_t sack_base);

/* ": " and the first line of a text protocol's payload (HTTP, RTSP, FTP, SMTP, WHOIS), or
 * SSH's version string, by port as tcpdump decides; nothing for other ports. */
void tcpdump_print_payload(struct sbuf *b, const struct segment *seg);

#endif
