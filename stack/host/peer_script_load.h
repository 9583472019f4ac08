/* peer_script_load.h: synfin-peer's scripts. The language is harness/endpoint/peer_script.h's
 * (shared with synfin-kpeer); on top of it: newlines separate steps like ';', '#' starts a comment,
 * and `send-file PATH` sends a file, loaded here into a PEER_SEND_TEXT step whose count is its
 * length (see peer_conn.h). */
#ifndef SYNFIN_PEER_SCRIPT_LOAD_H
#define SYNFIN_PEER_SCRIPT_LOAD_H

#include <stdbool.h>
#include <stddef.h>

#include "endpoint/peer_script.h"

/* Parse text (reading the files of send-file steps). 0, or a negative errno with a sentence in
 * why. */
int peer_script_load(struct peer_script *s, const char *text, char *why, size_t why_size);

/* Make a script fit its role: a client connects once (connect is prepended when missing) and
 * never accepts; a server's one accept comes first (prepended when missing) and it never
 * connects; nothing follows close or abort. 0 or -EINVAL with a sentence in why. */
int peer_script_fit_role(struct peer_script *s, bool server, char *why, size_t why_size);

/* A whole file, NUL-terminated, *len bytes (it may hold NULs); NULL with a sentence in why. */
char *peer_read_file(const char *path, size_t *len, char *why, size_t why_size);

#endif
