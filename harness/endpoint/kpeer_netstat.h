/* kpeer_netstat.h: the kernel's TCP event counters as nstat names them (TcpExtPAWSEstab...),
 * from /proc/net/netstat. That file is per network namespace, and each synfin-kpeer has a
 * namespace of its own: read at its start and at its exit, the difference is what its run
 * counted, which it writes as its "counters" record for a scenario's `counts` lines. */
#ifndef SYNFIN_KPEER_NETSTAT_H
#define SYNFIN_KPEER_NETSTAT_H

#include <stddef.h>

#include "peer_log.h"

#define NETSTAT_MAX 512

struct netstat {
	size_t n;
	char names[NETSTAT_MAX][48]; /* section and field, as nstat: "TcpExt" "PAWSEstab" */
	unsigned long long values[NETSTAT_MAX];
};

/* Read the counters of path (/proc/net/netstat: a line of names, then a line of values, per
 * section) into ns. Returns 0 or a negative errno (-EINVAL: not that format). */
int netstat_read(struct netstat *ns, const char *path);

/* Write end - start for every counter of end (start's by name; 0 when start lacks it) as the
 * "counters" record. */
void netstat_log_delta(const struct peer_log *l, const struct netstat *start,
                       const struct netstat *end);

#endif
