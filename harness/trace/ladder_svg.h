/* ladder_svg.h: a trace drawn as an SVG sequence diagram, the seed's figures 3-6 and 3-7: the
 * client's lifeline on the left, the server's on the right, time going down, each segment an
 * arrow from the side that sent it. Pure: records in, SVG text out.
 *
 * - Time runs down to scale (SVG_LADDER_PX_PER_S pixels a second) from the first record, with
 *   two exceptions, both said in the legend under the diagram: arrows closer than
 *   SVG_LADDER_MIN_STEP pixels are pushed apart, so that labels never overlap; and a quiet gap
 *   that would be taller than SVG_LADDER_MAX_STEP is cut to a fixed height, marked by a break
 *   (two slashes across each lifeline) and labelled with the time it stands for.
 * - Each arrow starts on its sender's lifeline at the time the daemon saw it and slants down
 *   toward the receiver: a segment that passed reaches the far lifeline SVG_LADDER_SLANT pixels
 *   lower; a held one reaches it at the time it was released, so its slant is its hold, and
 *   its label says "(held D ms)"; a dropped one ends half-way in a cross; one held and dropped
 *   at the daemon's exit ends in a cross at that time; one held past the end of the trace ends
 *   half-way, dashed, "(held, not released)".
 * - Labels: tcpdump's flags and numbers as ladder.h writes them (":PORT " first with more than
 *   one connection), along the arrow; the time since the first record (seconds, six decimals)
 *   left of the client; the rule that dropped or held a segment right of the server.
 * - What the endpoints report (ladder_side_note: a TCP state, bold, or an application event)
 *   is written beside its lifeline, at its time on the same scale; notes closer than a line
 *   are moved down until they do not overlap.
 * - Each arrow is a <g class="segment pass|drop|held|held-drop|stuck">, each break a
 *   <g class="break">, each side note a <text class="state|app">, for tests and style
 *   sheets. */
#ifndef SYNFIN_LADDER_SVG_H
#define SYNFIN_LADDER_SVG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "trace_read.h"

#define SVG_LADDER_PX_PER_S 400 /* 100 px: 250 ms */
#define SVG_LADDER_MIN_STEP 30
#define SVG_LADDER_MAX_STEP 140 /* 350 ms of quiet: longer is cut */
#define SVG_LADDER_BREAK_STEP 56
#define SVG_LADDER_SLANT 14

/* Something an endpoint reported, written beside its lifeline. */
struct ladder_side_note {
	uint64_t time_us; /* the clock of the trace (CLOCK_REALTIME) */
	bool client;      /* beside the client's lifeline, else the server's */
	bool state;       /* a TCP state ("ESTABLISHED"), else an application event */
	char text[32];
};

/* As ladder_write (ladder.h): addresses of either family, server_addr NULL for the client's
 * first peer. Returns 0, -ENOENT when no record is to or from the client (an SVG saying so is
 * written all the same), or -ENOMEM. */
int ladder_svg_write(FILE *out, const struct trace_record *recs, size_t n,
                     const struct ip_addr *client_addr, const struct ip_addr *server_addr);
/* The same with the endpoints' notes (any order). */
int ladder_svg_write_notes(FILE *out, const struct trace_record *recs, size_t n,
                           const struct ip_addr *client_addr, const struct ip_addr *server_addr,
                           const struct ladder_side_note *notes, size_t n_notes);

#endif
