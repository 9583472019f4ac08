/* host_port.h: "ADDR:PORT" and "[ADDR6]:PORT" (the brackets as in a URL, RFC 3986 3.2.2), split
 * into the address and the port's text, for every program that takes an endpoint on its command
 * line. Pure: no I/O, and the address is not parsed here. */
#ifndef SYNFIN_HOST_PORT_H
#define SYNFIN_HOST_PORT_H

#include <stdbool.h>
#include <stddef.h>

/* The address of text, without its brackets, into host (size bytes with the NUL); *port: the
 * text after the last colon; *bracketed: whether the address was in brackets. 0, or -EINVAL
 * when there is no colon, a bracket is not closed right before it, or the address does not fit
 * (an empty address is the caller's to refuse). */
int host_port_split(const char *text, char *host, size_t size, const char **port, bool *bracketed);

#endif
