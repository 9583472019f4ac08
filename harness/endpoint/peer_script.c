/* peer_script.c: parse an endpoint's behaviour script ("connect; sleep 500ms; close"). */
#include "peer_script.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common/byte_count.h"
#include "common/duration.h"

static const struct {
	const char *name;
	enum peer_op op;
	enum { ARG_NONE, ARG_BYTES, ARG_DURATION, ARG_TEXT, ARG_KEEPALIVE } arg;
	const char *help;
} ops[] = {
    {"connect", PEER_CONNECT, ARG_NONE, "active open"},
    {"accept", PEER_ACCEPT, ARG_NONE, "wait for a connection (server)"},
    {"send", PEER_SEND, ARG_BYTES, "send N bytes of a pattern (K, M suffixes: 1K = 1024)"},
    {"send-text", PEER_SEND_TEXT, ARG_TEXT, "send the quoted text, e.g. send-text \"GET /\""},
    {"shutdown-write", PEER_SHUTDOWN_WRITE, ARG_NONE, "half-close: send FIN, keep reading"},
    {"read-eof", PEER_READ_EOF, ARG_NONE, "read until the peer's FIN; logs bytes and hash"},
    {"read", PEER_READ, ARG_BYTES, "read exactly N bytes"},
    {"sleep", PEER_SLEEP, ARG_DURATION, "pause, e.g. sleep 300ms, sleep 2s"},
    {"close", PEER_CLOSE, ARG_NONE, "close at once (RST if unread data is left)"},
    {"abort", PEER_ABORT, ARG_NONE, "close with RST"},
    {"echo", PEER_ECHO, ARG_NONE, "write back everything read, until EOF"},
    {"discard", PEER_DISCARD, ARG_NONE, "read and drop until EOF"},
    {"keepalive", PEER_KEEPALIVE, ARG_KEEPALIVE,
     "keepalive IDLE INTVL COUNT (e.g. 1s 1s 3): keep-alive on, a probe\n"
     "                   IDLE after the peer's last segment, then every\n"
     "                   INTVL; COUNT unanswered end the connection (ETIMEDOUT);\n"
     "                   whole seconds on Linux"},
};

const char *peer_step_name(enum peer_op op)
{
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (ops[i].op == op)
			return ops[i].name;
	return "?";
}

void peer_script_usage(FILE *out)
{
	fputs("SCRIPT: steps separated by ';'\n", out);
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		fprintf(out, "  %-16s %s\n", ops[i].name, ops[i].help);
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* Splits the next space-separated word off *rest; NULL when none is left. */
static char *next_word(char **rest)
{
	char *w = *rest;
	while (isspace((unsigned char)*w))
		w++;
	if (!*w)
		return NULL;
	char *e = w;
	while (*e && !isspace((unsigned char)*e))
		e++;
	if (*e)
		*e++ = '\0';
	*rest = e;
	return w;
}

/* keepalive IDLE INTVL COUNT: each argument checked in turn, the first bad one named by its
 * position, so the message points at what to change. */
static int parse_keepalive(struct peer_step *st, char *arg, char *err, size_t err_size)
{
	static const char *const names[] = {"IDLE", "INTVL", "COUNT"};
	uint64_t *durations[] = {&st->duration_us, &st->interval_us};
	char *rest = arg;
	for (int i = 0; i < 3; i++) {
		char *w = next_word(&rest);
		if (!w) {
			snprintf(err, err_size,
			         "'keepalive' needs IDLE INTVL COUNT, e.g. keepalive 1s 1s 3 "
			         "(argument %d, %s, is missing)",
			         i + 1, names[i]);
			return -EINVAL;
		}
		uint64_t max_us = (uint64_t)PEER_KEEPALIVE_MAX_SECONDS * 1000000;
		if (i < 2 && (duration_parse_us(w, strlen(w), max_us, durations[i]) < 0 ||
		              *durations[i] == 0)) {
			snprintf(err, err_size,
			         "'keepalive' argument %d, %s, needs a duration from 1us to %ds "
			         "like 1s or 75s (got '%s')",
			         i + 1, names[i], PEER_KEEPALIVE_MAX_SECONDS, w);
			return -EINVAL;
		}
		if (i == 2 && (count_parse(w, strlen(w), &st->count) < 0 || st->count == 0 ||
		               st->count > PEER_KEEPALIVE_MAX_COUNT)) {
			snprintf(
			    err, err_size,
			    "'keepalive' argument 3, COUNT, needs a number of probes from 1 to "
			    "%d like 9 (got '%s')",
			    PEER_KEEPALIVE_MAX_COUNT, w);
			return -EINVAL;
		}
	}
	if (next_word(&rest)) {
		snprintf(err, err_size,
		         "'keepalive' takes three arguments, IDLE INTVL COUNT (got more: '%s')",
		         arg);
		return -EINVAL;
	}
	return 0;
}

/* Parse one step in place; word is trimmed and non-empty. */
static int parse_step(struct peer_step *st, char *word, char *err, size_t err_size)
{
	char *arg = word;
	while (*arg && !isspace((unsigned char)*arg))
		arg++;
	if (*arg)
		*arg++ = '\0';
	arg = trim(arg);
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		if (strcmp(ops[i].name, word) != 0)
			continue;
		st->op = ops[i].op;
		switch (ops[i].arg) {
		case ARG_NONE:
			if (*arg) {
				snprintf(err, err_size, "'%s' takes no argument (got '%s')", word,
				         arg);
				return -EINVAL;
			}
			return 0;
		case ARG_BYTES:
			if (count_parse(arg, strlen(arg), &st->count) < 0) {
				snprintf(err, err_size,
				         "'%s' needs a byte count like 1000, 64K or 10M "
				         "(got '%s')",
				         word, arg);
				return -EINVAL;
			}
			return 0;
		case ARG_DURATION:
			if (duration_parse_us(arg, strlen(arg), UINT64_MAX, &st->duration_us) < 0) {
				snprintf(err, err_size,
				         "'%s' needs a duration like 300ms, 2s or 250us "
				         "(got '%s')",
				         word, arg);
				return -EINVAL;
			}
			return 0;
		case ARG_TEXT: {
			size_t n = strlen(arg);
			if (n < 2 || arg[0] != '"' || arg[n - 1] != '"') {
				snprintf(err, err_size,
				         "'%s' needs quoted text, e.g. %s \"GET / HTTP/1.0\"", word,
				         word);
				return -EINVAL;
			}
			st->text = strndup(arg + 1, n - 2);
			return st->text ? 0 : -ENOMEM;
		}
		case ARG_KEEPALIVE:
			return parse_keepalive(st, arg, err, err_size);
		}
	}
	snprintf(err, err_size,
	         "unknown step '%s': expected connect, accept, send, send-text, "
	         "shutdown-write, read-eof, read, sleep, close, abort, echo, discard or "
	         "keepalive",
	         word);
	return -EINVAL;
}

int peer_script_parse(struct peer_script *ps, const char *text, char *err, size_t err_size)
{
	memset(ps, 0, sizeof(*ps));
	char *copy = strdup(text);
	if (!copy)
		return -ENOMEM;
	int rc = 0;
	/* Split on ';' outside quotes, so send-text may carry one. */
	char *start = copy;
	for (char *p = copy, quoted = 0;; p++) {
		if (*p == '"')
			quoted = !quoted;
		if (*p && (*p != ';' || quoted))
			continue;
		int last = *p == '\0';
		*p = '\0';
		char *word = trim(start);
		if (*word) {
			struct peer_step *grown =
			    realloc(ps->steps, (ps->n_steps + 1) * sizeof(*ps->steps));
			if (!grown) {
				rc = -ENOMEM;
				break;
			}
			ps->steps = grown;
			memset(&ps->steps[ps->n_steps], 0, sizeof(*ps->steps));
			rc = parse_step(&ps->steps[ps->n_steps], word, err, err_size);
			if (rc < 0)
				break;
			ps->n_steps++;
		}
		if (last)
			break;
		start = p + 1;
	}
	free(copy);
	if (rc == 0 && ps->n_steps == 0) {
		snprintf(err, err_size, "the script is empty: give steps like \"connect; close\"");
		rc = -EINVAL;
	}
	if (rc < 0)
		peer_script_free(ps);
	return rc;
}

void peer_script_free(struct peer_script *ps)
{
	for (size_t i = 0; i < ps->n_steps; i++)
		free(ps->steps[i].text);
	free(ps->steps);
	ps->steps = NULL;
	ps->n_steps = 0;
}

int peer_script_check_whole_seconds(const struct peer_script *ps, const char *who, char *err,
                                    size_t err_size)
{
	for (size_t i = 0; i < ps->n_steps; i++) {
		const struct peer_step *st = &ps->steps[i];
		if (st->op != PEER_KEEPALIVE)
			continue;
		const uint64_t values[] = {st->duration_us, st->interval_us};
		for (int v = 0; v < 2; v++) {
			if (values[v] % 1000000 == 0)
				continue;
			uint64_t nearest = (values[v] + 500000) / 1000000;
			snprintf(err, err_size,
			         "step %zu, 'keepalive' %s: %s counts keep-alive times in whole "
			         "seconds (TCP_KEEPIDLE, TCP_KEEPINTVL): give e.g. %" PRIu64
			         "s, not %" PRIu64 "us",
			         i + 1, v == 0 ? "IDLE" : "INTVL", who, nearest ? nearest : 1,
			         values[v]);
			return -EINVAL;
		}
	}
	return 0;
}
