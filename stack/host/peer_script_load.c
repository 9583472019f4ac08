/* peer_script_load.c: synfin-peer's behaviour scripts on top of the shared parser. */
#include "peer_script_load.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *peer_read_file(const char *path, size_t *len, char *why, size_t why_size)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		snprintf(why, why_size, "%s: %s", path, strerror(errno));
		return NULL;
	}
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap + 1);
	while (buf) {
		n += fread(buf + n, 1, cap - n, f);
		if (n < cap)
			break;
		char *nb = realloc(buf, cap * 2 + 1);
		if (nb == NULL) {
			free(buf);
			buf = NULL;
			break;
		}
		buf = nb;
		cap *= 2;
	}
	bool err = ferror(f);
	fclose(f);
	if (buf == NULL || err) {
		free(buf);
		snprintf(why, why_size, "%s: %s", path, err ? "read error" : "out of memory");
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

static int push_step(struct peer_script *s, const struct peer_step *step)
{
	struct peer_step *n = realloc(s->steps, (s->n_steps + 1) * sizeof(*n));
	if (n == NULL)
		return -ENOMEM;
	s->steps = n;
	s->steps[s->n_steps++] = *step;
	return 0;
}

/* One step's text: send-file here, everything else through the shared parser. */
static int parse_piece(struct peer_script *s, char *piece, char *why, size_t why_size)
{
	while (*piece == ' ' || *piece == '\t' || *piece == '\r')
		piece++;
	size_t n = strlen(piece);
	while (n > 0 && (piece[n - 1] == ' ' || piece[n - 1] == '\t' || piece[n - 1] == '\r'))
		piece[--n] = '\0';
	if (n == 0)
		return 0;
	if (!strncmp(piece, "send-file", 9) &&
	    (piece[9] == '\0' || piece[9] == ' ' || piece[9] == '\t')) {
		char *path = piece + 9;
		while (*path == ' ' || *path == '\t')
			path++;
		size_t plen = strlen(path);
		if (plen >= 2 && path[0] == '"' && path[plen - 1] == '"') {
			path[plen - 1] = '\0';
			path++;
		}
		if (*path == '\0') {
			snprintf(why, why_size, "'send-file' needs a file path");
			return -EINVAL;
		}
		struct peer_step step = {.op = PEER_SEND_TEXT};
		size_t len;
		char err[300];
		step.text = peer_read_file(path, &len, err, sizeof(err));
		if (step.text == NULL) {
			snprintf(why, why_size, "send-file %s", err);
			return -EINVAL;
		}
		step.count = len; /* peer_conn.h: a nonzero count is the text's length */
		if (push_step(s, &step) != 0) {
			free(step.text);
			return -ENOMEM;
		}
		return 0;
	}
	struct peer_script one;
	int rc = peer_script_parse(&one, piece, why, why_size);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < one.n_steps && rc == 0; i++) {
		rc = push_step(s, &one.steps[i]);
		if (rc == 0)
			one.steps[i].text = NULL; /* moved */
	}
	peer_script_free(&one);
	return rc;
}

/* The shared language, plus newlines as separators, '#' comments and send-file. */
int peer_script_load(struct peer_script *s, const char *text, char *why, size_t why_size)
{
	memset(s, 0, sizeof(*s));
	char *copy = strdup(text);
	if (copy == NULL)
		return -ENOMEM;
	int rc = 0;
	bool quoted = false, comment = false;
	char *start = copy;
	for (char *p = copy; rc == 0; p++) {
		char c = *p;
		if (c == '\0' || c == '\n' || (c == ';' && !quoted && !comment)) {
			*p = '\0';
			rc = parse_piece(s, start, why, why_size);
			if (c == '\0')
				break;
			start = p + 1;
			quoted = comment = false;
			continue;
		}
		if (comment) {
			*p = ' ';
		} else if (c == '"') {
			quoted = !quoted;
		} else if (c == '#' && !quoted) {
			comment = true;
			*p = ' ';
		}
	}
	free(copy);
	if (rc == 0 && s->n_steps == 0) {
		snprintf(why, why_size, "the script is empty: give steps like \"connect; close\"");
		rc = -EINVAL;
	}
	if (rc < 0)
		peer_script_free(s);
	return rc;
}

static int insert_first(struct peer_script *s, enum peer_op op)
{
	struct peer_step *n = realloc(s->steps, (s->n_steps + 1) * sizeof(*n));
	if (n == NULL)
		return -ENOMEM;
	memmove(n + 1, n, s->n_steps * sizeof(*n));
	memset(&n[0], 0, sizeof(n[0]));
	n[0].op = op;
	s->steps = n;
	s->n_steps++;
	return 0;
}

/* A client connects once, a server accepts once, first; nothing follows close or abort. */
int peer_script_fit_role(struct peer_script *s, bool server, char *why, size_t why_size)
{
	size_t connects = 0, accepts = 0;
	for (size_t i = 0; i < s->n_steps; i++) {
		enum peer_op op = s->steps[i].op;
		connects += op == PEER_CONNECT;
		accepts += op == PEER_ACCEPT;
		if ((op == PEER_CLOSE || op == PEER_ABORT) && i + 1 < s->n_steps) {
			snprintf(why, why_size, "'%s' follows '%s': the socket is gone by then",
			         peer_step_name(s->steps[i + 1].op), peer_step_name(op));
			return -EINVAL;
		}
	}
	if (server) {
		if (connects) {
			snprintf(why, why_size, "a server script cannot connect");
			return -EINVAL;
		}
		if (accepts > 1 || (accepts == 1 && s->steps[0].op != PEER_ACCEPT)) {
			snprintf(why, why_size,
			         "a server script has one accept, first (every "
			         "accepted connection runs the script)");
			return -EINVAL;
		}
		return accepts ? 0 : insert_first(s, PEER_ACCEPT);
	}
	if (accepts) {
		snprintf(why, why_size, "a client script cannot accept");
		return -EINVAL;
	}
	if (connects > 1) {
		snprintf(why, why_size, "a client script connects once");
		return -EINVAL;
	}
	return connects ? 0 : insert_first(s, PEER_CONNECT);
}
