/* peer_log.c: the endpoint programs' events and error outcomes (peer_log.h). */
#include "peer_log.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>

#include "peer_script.h"

double peer_log_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void peer_log_event(const struct peer_log *l, const char *what, const char *text,
                    const char *members_fmt, ...)
{
	double t = peer_log_now();
	if (!l->quiet)
		fprintf(stderr, "%10.6f %s %s%s%s\n", t - l->t0, l->role, what, text ? " " : "",
		        text ? text : "");
	if (!l->jsonl)
		return;
	fprintf(l->jsonl, "{\"t\":%.6f,\"event\":\"app\",\"role\":\"%s\",\"what\":\"%s\"", t,
	        l->role, what);
	if (members_fmt) {
		va_list ap;
		va_start(ap, members_fmt);
		fputc(',', l->jsonl);
		vfprintf(l->jsonl, members_fmt, ap);
		va_end(ap);
	}
	fputs("}\n", l->jsonl);
	fflush(l->jsonl);
}

void peer_log_counters(const struct peer_log *l, const char *const *names,
                       const unsigned long long *values, size_t n)
{
	double t = peer_log_now();
	if (!l->quiet) {
		fprintf(stderr, "%10.6f %s counters:", t - l->t0, l->role);
		size_t shown = 0;
		for (size_t i = 0; i < n; i++)
			if (values[i])
				fprintf(stderr, "%s %s %llu", shown++ ? "," : "", names[i],
				        values[i]);
		fprintf(stderr, "%s\n", shown ? "" : " none");
	}
	if (!l->jsonl)
		return;
	fprintf(l->jsonl, "{\"t\":%.6f,\"event\":\"counters\",\"role\":\"%s\"", t, l->role);
	for (size_t i = 0; i < n; i++)
		fprintf(l->jsonl, ",\"%s\":%llu", names[i], values[i]);
	fputs("}\n", l->jsonl);
	fflush(l->jsonl);
}

/* ECONNABORTED is lwIP's word for a connection its timers gave up (Linux says ETIMEDOUT): an
 * outcome of its own. EPIPE is a send after the peer's RST. */
static const struct {
	int err;
	const char *name;
	int status;
} outcomes[] = {
    {ETIMEDOUT, "ETIMEDOUT", PEER_EXIT_TIMEDOUT},
    {ECONNREFUSED, "ECONNREFUSED", PEER_EXIT_REFUSED},
    {ECONNRESET, "ECONNRESET", PEER_EXIT_RESET},
    {EPIPE, "EPIPE", PEER_EXIT_RESET},
    {ECONNABORTED, "ECONNABORTED", PEER_EXIT_ABORTED},
    {EHOSTUNREACH, "EHOSTUNREACH", PEER_EXIT_OTHER},
    {ENETUNREACH, "ENETUNREACH", PEER_EXIT_OTHER},
};

const char *peer_errno_name(int err)
{
	for (size_t i = 0; i < sizeof(outcomes) / sizeof(outcomes[0]); i++)
		if (outcomes[i].err == err)
			return outcomes[i].name;
	return "EOTHER";
}

int peer_exit_for(int err)
{
	for (size_t i = 0; i < sizeof(outcomes) / sizeof(outcomes[0]); i++)
		if (outcomes[i].err == err)
			return outcomes[i].status;
	return PEER_EXIT_OTHER;
}

int peer_log_failed(const struct peer_log *l, const char *step, int err)
{
	char text[128];
	const char *name = peer_errno_name(err);
	snprintf(text, sizeof(text), "%s: %s (%s)", step, name, strerror(err));
	peer_log_event(l, "error", text, "\"step\":\"%s\",\"error\":\"%s\"", step, name);
	return peer_exit_for(err);
}

void peer_log_connecting(const struct peer_log *l, const char *to)
{
	peer_log_event(l, "connecting", to, "\"to\":\"%s\"", to);
}

int peer_log_connected(const struct peer_log *l, int rc)
{
	if (rc < 0)
		return peer_log_failed(l, "connect", errno);
	peer_log_event(l, "connected", NULL, NULL);
	return PEER_EXIT_OK;
}

int peer_log_accepted(const struct peer_log *l, int fd, const char *from)
{
	if (fd < 0)
		return peer_log_failed(l, "accept", errno);
	peer_log_event(l, "accepted", from, "\"from\":\"%s\"", from);
	return PEER_EXIT_OK;
}

int peer_log_sent(const struct peer_log *l, uint64_t n)
{
	char text[64];
	snprintf(text, sizeof(text), "%llu bytes", (unsigned long long)n);
	peer_log_event(l, "sent", text, "\"bytes\":%llu", (unsigned long long)n);
	return PEER_EXIT_OK;
}

int peer_log_read(const struct peer_log *l, bool eof, uint64_t bytes, uint64_t hash)
{
	char text[96];
	snprintf(text, sizeof(text), "%llu bytes, hash %016llx", (unsigned long long)bytes,
	         (unsigned long long)hash);
	peer_log_event(l, eof ? "eof" : "read", text, "\"bytes\":%llu,\"hash\":\"%016llx\"",
	               (unsigned long long)bytes, (unsigned long long)hash);
	return PEER_EXIT_OK;
}

int peer_log_keepalive(const struct peer_log *l, uint64_t idle_us, uint64_t intvl_us,
                       uint64_t count)
{
	char text[96];
	snprintf(text, sizeof(text), "idle %llums, intvl %llums, count %llu",
	         (unsigned long long)(idle_us / 1000), (unsigned long long)(intvl_us / 1000),
	         (unsigned long long)count);
	peer_log_event(l, "keepalive", text, "\"idle_us\":%llu,\"intvl_us\":%llu,\"count\":%llu",
	               (unsigned long long)idle_us, (unsigned long long)intvl_us,
	               (unsigned long long)count);
	return PEER_EXIT_OK;
}
