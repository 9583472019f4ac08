/* peer_script.c: parse an endpoint's behaviour script ("connect; sleep 500ms; close"). */
#include "peer_script.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/byte_count.h"
#include "common/duration.h"

static const struct {
	const char *name;
	enum peer_op op;
	enum { ARG_NONE, ARG_BYTES, ARG_DURATION, ARG_TEXT } arg;
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
		}
	}
	snprintf(err, err_size,
	         "unknown step '%s': expected connect, accept, send, send-text, "
	         "shutdown-write, read-eof, read, sleep, close, abort, echo or discard",
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
