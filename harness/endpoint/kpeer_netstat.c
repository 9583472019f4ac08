/* kpeer_netstat.c: the namespace's kernel counters, from its start to its exit
 * (kpeer_netstat.h). */
#include "kpeer_netstat.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One section: "TcpExt: A B C" then "TcpExt: 1 2 3". */
static int add_section(struct netstat *ns, char *names, char *values)
{
	char *colon = strchr(names, ':'), *vcolon = strchr(values, ':');
	if (!colon || !vcolon || colon - names != vcolon - values ||
	    strncmp(names, values, (size_t)(colon - names)))
		return -EINVAL;
	int prefix = (int)(colon - names);
	char *ns_save, *vs_save;
	char *name = strtok_r(colon + 1, " \n", &ns_save);
	char *value = strtok_r(vcolon + 1, " \n", &vs_save);
	for (; name && value && ns->n < NETSTAT_MAX;
	     name = strtok_r(NULL, " \n", &ns_save), value = strtok_r(NULL, " \n", &vs_save)) {
		char *end;
		unsigned long long v = strtoull(value, &end, 10);
		if (*end)
			return -EINVAL;
		snprintf(ns->names[ns->n], sizeof(ns->names[0]), "%.*s%s", prefix, names, name);
		ns->values[ns->n++] = v;
	}
	return 0;
}

int netstat_read(struct netstat *ns, const char *path)
{
	ns->n = 0;
	FILE *f = fopen(path, "r");
	if (!f)
		return -errno;
	char *names = NULL, *values = NULL;
	size_t ncap = 0, vcap = 0;
	int r = 0;
	while (!r && getline(&names, &ncap, f) >= 0)
		r = getline(&values, &vcap, f) < 0 ? -EINVAL : add_section(ns, names, values);
	free(names);
	free(values);
	fclose(f);
	return r;
}

static unsigned long long value_of(const struct netstat *ns, const char *name)
{
	for (size_t i = 0; i < ns->n; i++)
		if (!strcmp(ns->names[i], name))
			return ns->values[i];
	return 0;
}

void netstat_log_delta(const struct peer_log *l, const struct netstat *start,
                       const struct netstat *end)
{
	unsigned long long delta[NETSTAT_MAX];
	const char *names[NETSTAT_MAX];
	for (size_t i = 0; i < end->n; i++) {
		unsigned long long was = value_of(start, end->names[i]);
		names[i] = end->names[i];
		delta[i] = end->values[i] >= was ? end->values[i] - was : 0;
	}
	peer_log_counters(l, names, delta, end->n);
}
