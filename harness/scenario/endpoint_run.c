/* endpoint_run.c: one end of a case, as its implementation's declaration says (endpoint_run.h).
 * Every endpoint program takes the same common arguments (the role, --local, --connect or
 * --listen, --sport, --jsonl); the declaration adds the program, its settings and options. */
#include "endpoint_run.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/topology.h"
#include "proc.h"
#include "run_record.h"

const struct impl *endpoint_impl(const struct run_env *env, unsigned p, int role)
{
	return impl_find(env->impls, env->n_impls, scn_pair_impl_name(p, (enum scn_role)role));
}

/* role, --local, and --connect/--listen/--sport: the topology's addresses */
static size_t common_args(struct endpoint_cmd *cmd, size_t n, const struct scn_case *c, int role)
{
	const struct scenario *s = c->scn;
	const char *client_addr = c->ipv6 ? TOPOLOGY_CLIENT_ADDR6 : TOPOLOGY_CLIENT_ADDR;
	const char *server_addr = c->ipv6 ? TOPOLOGY_SERVER_ADDR6 : TOPOLOGY_SERVER_ADDR;
	/* ADDR:PORT, the IPv6 address in brackets (RFC 3986 3.2.2) */
	const char *peer_fmt = c->ipv6 ? "[%s]:%u" : "%s:%u";
	snprintf(cmd->local, sizeof(cmd->local), "%s",
	         role == SCN_CLIENT ? client_addr : server_addr);
	if (s->simopen_cport) {
		/* simultaneous open: both ends are clients, connecting to each other */
		snprintf(cmd->port, sizeof(cmd->port), "%u",
		         role == SCN_CLIENT ? s->simopen_cport : s->simopen_sport);
		snprintf(cmd->peer, sizeof(cmd->peer), peer_fmt,
		         role == SCN_CLIENT ? server_addr : client_addr,
		         role == SCN_CLIENT ? s->simopen_sport : s->simopen_cport);
		char *args[] = {"client",  "--local",   cmd->local, "--sport",
		                cmd->port, "--connect", cmd->peer};
		for (size_t i = 0; i < sizeof(args) / sizeof(args[0]); i++)
			cmd->argv[n++] = args[i];
		return n;
	}
	snprintf(cmd->port, sizeof(cmd->port), "%u", s->port);
	snprintf(cmd->peer, sizeof(cmd->peer), peer_fmt, server_addr, s->port);
	cmd->argv[n++] = role == SCN_CLIENT ? "client" : "server";
	cmd->argv[n++] = "--local";
	cmd->argv[n++] = cmd->local;
	cmd->argv[n++] = role == SCN_CLIENT ? "--connect" : "--listen";
	cmd->argv[n++] = role == SCN_CLIENT ? cmd->peer : cmd->port;
	return n;
}

/* What the declaration says the program takes: the time scale, linger, settings. */
static size_t declared_args(struct endpoint_cmd *cmd, size_t n, const struct impl *im,
                            const struct scn_case *c, int role)
{
	size_t max = sizeof(cmd->argv) / sizeof(cmd->argv[0]);
	if (im->time_scale_option[0] && c->scale < 1.0) {
		/* the scaled variant: this end's clock runs 1/scale times faster */
		snprintf(cmd->scale, sizeof(cmd->scale), "%g", 1.0 / c->scale);
		cmd->argv[n++] = (char *)im->time_scale_option;
		cmd->argv[n++] = cmd->scale;
	}
	if (im->linger_option[0] && c->linger_us[role] >= 0) {
		snprintf(cmd->linger, sizeof(cmd->linger), "%" PRId64 "us", c->linger_us[role]);
		cmd->argv[n++] = (char *)im->linger_option;
		cmd->argv[n++] = cmd->linger;
	}
	for (size_t i = 0;
	     im->settings == IMPL_SETTINGS_OPTION && i < c->n_tunables[role] && n + 4 < max; i++) {
		cmd->argv[n++] = (char *)im->settings_option;
		cmd->argv[n++] = (char *)c->tunables[role][i];
	}
	return n;
}

void endpoint_cmd_build(struct endpoint_cmd *cmd, const struct run_env *env, const struct impl *im,
                        const struct scn_case *c, int role, const char *run_id, const char *dir)
{
	size_t n = 0;
	impl_program_path(im, env->build, cmd->program, sizeof(cmd->program));
	snprintf(cmd->jsonl, sizeof(cmd->jsonl), "%s/%s.jsonl", dir,
	         role == SCN_CLIENT ? "client" : "server");
	cmd->argv[n++] = (char *)env->netns;
	cmd->argv[n++] = "exec";
	cmd->argv[n++] = (char *)run_id;
	cmd->argv[n++] = role == SCN_CLIENT ? "client" : "server";
	if (env->rt) {
		/* real-time priority: an application that must close within Linux's 4 ms
		 * delayed-ACK tick still does when several cases share two cores */
		cmd->argv[n++] = "/usr/bin/chrt";
		cmd->argv[n++] = "-f";
		cmd->argv[n++] = "1";
	}
	cmd->argv[n++] = cmd->program;
	n = common_args(cmd, n, c, role);
	cmd->argv[n++] = "--jsonl";
	cmd->argv[n++] = cmd->jsonl;
	n = declared_args(cmd, n, im, c, role);
	/* script argument: the behaviour script comes last */
	cmd->argv[n++] = (char *)c->script[role];
	cmd->argv[n] = NULL;
}

static bool app_saw(const char *jsonl, const char *what)
{
	struct app_record a = {0};
	bool saw = app_events_read_jsonl(&a, jsonl) == 0 && app_record_saw(&a, what);
	free(a.events);
	return saw;
}

static bool stopped(const struct run_env *env)
{
	return env->stop && *env->stop;
}

void endpoint_wait_ready(const struct run_env *env, const struct impl *im, const struct scn_case *c,
                         const char *run_id, const char *dir)
{
	if (im->device != IMPL_DEVICE_KERNEL) {
		/* a userspace stack answers from the moment it runs: its log says when it listens
		 */
		char jsonl[700];
		snprintf(jsonl, sizeof(jsonl), "%s/server.jsonl", dir);
		for (int i = 0; i < 300 && !stopped(env); i++) {
			if (app_saw(jsonl, "listening"))
				return;
			proc_sleep_us(10000);
		}
		return;
	}
	char filter[64];
	snprintf(filter, sizeof(filter), "ss -Hltn 'sport = :%u' | grep -q .", c->scn->port);
	char *argv[] = {(char *)env->netns, "exec", (char *)run_id, "server",
	                "/bin/sh",          "-c",   filter,         NULL};
	for (int i = 0; i < 150 && !stopped(env); i++) {
		if (proc_run_wait(argv, "/dev/null") == 0)
			return;
		proc_sleep_us(20000);
	}
}
