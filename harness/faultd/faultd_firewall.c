/* faultd_firewall.c: the wire's firewall under --queue-only-matching (faultd_firewall.h). The
 * daemon's only use of other programs: iptables and iptables-restore, found on PATH, so the
 * same backend (nf_tables or legacy) and lock as synfin-netns's are used. */
#include "faultd_firewall.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/sbuf.h"
#include "faultd_options.h"
#include "rules/rule_kernel_match.h"

#define PROG FAULTD_PROG

extern char **environ;

/* Run argv with input on its standard input (NULL: none); quiet sends its standard error to
 * /dev/null. Returns its exit status, or a negative errno when it could not be run. Spawned,
 * not forked: a fork would copy the trace's unflushed buffers into the child. */
static int run(char *const argv[], const char *input, bool quiet)
{
	int fds[2] = {-1, -1};
	if (input && pipe2(fds, O_CLOEXEC) != 0)
		return -errno;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&at);
	if (input)
		posix_spawn_file_actions_adddup2(&fa, fds[0], 0);
	else
		posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (quiet)
		posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	/* the daemon blocks the signals its loop reads and ignores SIGPIPE: the child must not */
	sigset_t none, dfl;
	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &dfl);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	pid_t pid;
	int err = posix_spawnp(&pid, argv[0], &fa, &at, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	if (input) {
		close(fds[0]);
		size_t len = strlen(input), done = 0;
		while (!err && done < len) {
			ssize_t n = write(fds[1], input + done, len - done);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break; /* the child is gone: its status says why */
			done += (size_t)n;
		}
		close(fds[1]);
	}
	if (err)
		return -err;
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* iptables or ip6tables: the firewall of IP version 4 or 6. */
static char *table_tool(unsigned version)
{
	return version == 6 ? "ip6tables" : "iptables";
}

static int restore(unsigned version, const char *script)
{
	char *const argv[] = {version == 6 ? "ip6tables-restore" : "iptables-restore", "--noflush",
	                      "-w", NULL};
	return run(argv, script, false);
}

/* The builder's text in a string of its own (NULL when out of memory or cut short). */
static char *sb_take(struct sbuf *b, const char *stack)
{
	char *s = b->len < b->size ? strdup(b->buf) : NULL;
	if (b->buf != stack)
		free(b->buf);
	return s;
}

/* The chain's rules for rs in the firewall of one IP version as an iptables-restore script
 * (declaring an existing chain there flushes it in the same commit; the jump to it is
 * add_jumps's); the matches alone are added to matches, IPv6's marked, and counted in *n. */
static char *chain_script(const struct faultd_firewall *fw, const struct kernel_match *km,
                          size_t n_km, unsigned version, struct sbuf *matches, size_t *n)
{
	char script_stack[4096];
	struct sbuf script;
	sb_init_growing(&script, script_stack, sizeof(script_stack));
	sb_printf(&script, "*filter\n:%s - [0:0]\n", fw->chain);
	struct kernel_match bypass;
	if (kernel_match_bypass(km, n_km, version, &bypass)) {
		/* one test for the bulk of the traffic instead of one per match: at line rate
		 * every rule a segment passes through costs goodput */
		char spec[256];
		kernel_match_format(&bypass, version, &fw->client, spec, sizeof(spec));
		sb_printf(&script, "-A %s %s -j ACCEPT\n", fw->chain, spec);
	}
	for (size_t i = 0; i < n_km; i++) {
		if (!kernel_match_in_family(&km[i], version))
			continue;
		char spec[256];
		kernel_match_format(&km[i], version, &fw->client, spec, sizeof(spec));
		sb_printf(&script, "-A %s %s -j NFQUEUE --queue-num %u\n", fw->chain, spec,
		          fw->queue);
		sb_printf(matches, "%s%s\n", version == 6 ? "(IPv6) " : "", spec);
		++*n;
	}
	sb_printf(&script, "-A %s -j ACCEPT\n", fw->chain);
	sb_puts(&script, "COMMIT\n");
	return sb_take(&script, script_stack);
}

/* The scripts of both firewalls (IPv6's only where the topology queues IPv6) for rs, and
 * their matches into fw; 0 or -ENOMEM (said). */
static int chain_scripts(struct faultd_firewall *fw, const struct ruleset *rs, char *script[2])
{
	struct kernel_match *km = calloc(rs->n_rules + 1, sizeof(*km));
	size_t n_km = km ? rule_kernel_matches(rs, km) : 0, n = 0;
	char matches_stack[1024];
	struct sbuf matches;
	sb_init_growing(&matches, matches_stack, sizeof(matches_stack));
	script[0] = km ? chain_script(fw, km, n_km, 4, &matches, &n) : NULL;
	script[1] = km && fw->ipv6 ? chain_script(fw, km, n_km, 6, &matches, &n) : NULL;
	free(km);
	char *m = sb_take(&matches, matches_stack);
	if (!script[0] || (fw->ipv6 && !script[1]) || !m) {
		free(script[0]);
		free(script[1]);
		free(m);
		fprintf(stderr, PROG ": out of memory\n");
		return -ENOMEM;
	}
	free(fw->matches);
	fw->matches = m;
	fw->n_matches = n;
	return 0;
}

/* Jumps to our chain left by a daemon that was killed before it could remove them. */
static void remove_stale_jumps(const struct faultd_firewall *fw, unsigned version)
{
	char chain[24];
	snprintf(chain, sizeof(chain), "%s", fw->chain);
	char *const argv[] = {
	    table_tool(version), "-w", "-D", "FORWARD", "-p", "tcp", "-j", chain, NULL};
	for (int i = 0; i < 16 && run(argv, NULL, true) == 0; i++)
		;
}

/* Whether the topology's rule queues every TCP segment of that version to our queue: 0, or
 * the tool's status (-ENOENT when it is not on PATH). */
static int topology_queues(const struct faultd_firewall *fw, unsigned version)
{
	char num[8];
	snprintf(num, sizeof(num), "%u", fw->queue);
	char *const check[] = {
	    table_tool(version), "-w",          "-C", "FORWARD", "-p", "tcp", "-j",
	    "NFQUEUE",           "--queue-num", num,  NULL};
	return run(check, NULL, true);
}

/* restore's status as 0 or a negative errno, a failure said on standard error. */
static int restore_status(int rc)
{
	if (rc != 0)
		fprintf(stderr, PROG ": --queue-only-matching: iptables-restore %s %d\n",
		        rc < 0 ? "could not run:" : "failed with status", rc < 0 ? -rc : rc);
	return rc < 0 ? rc : rc ? -EIO : 0;
}

/* Apply the scripts, IPv6's first: a failure there leaves both firewalls as they were; one of
 * IPv4's after it puts IPv6's previous script back (old, when there is one). */
static int apply(char *script[2], const char *old6)
{
	int rc = script[1] ? restore(6, script[1]) : 0;
	if (rc == 0) {
		rc = restore(4, script[0]);
		if (rc != 0 && script[1] && old6)
			restore(6, old6);
	}
	return restore_status(rc);
}

/* The jump to our chain ahead of the topology's rule, in each firewall: 0 or a negative errno
 * (said). */
static int add_jumps(const struct faultd_firewall *fw)
{
	char script[128];
	snprintf(script, sizeof(script), "*filter\n-I FORWARD 1 -p tcp -j %s\nCOMMIT\n", fw->chain);
	int rc = restore(4, script);
	if (rc == 0 && fw->ipv6)
		rc = restore(6, script);
	return restore_status(rc);
}

int faultd_firewall_install(struct faultd_firewall *fw, uint16_t queue,
                            const struct kernel_match_client *client, const struct ruleset *rs)
{
	memset(fw, 0, sizeof(*fw));
	fw->queue = queue;
	fw->client = *client;
	snprintf(fw->chain, sizeof(fw->chain), "SYNFIN-Q%u", queue);
	int rc = topology_queues(fw, 4);
	if (rc != 0) {
		fprintf(stderr,
		        PROG ": --queue-only-matching: %s (iptables -C FORWARD -p tcp -j NFQUEUE "
		             "--queue-num %u); run the daemon in the wire namespace of a topology "
		             "from synfin-netns up, as root of it\n",
		        rc == -ENOENT ? "iptables is not on PATH"
		        : rc < 0      ? strerror(-rc)
		                      : "no rule queues every TCP segment to this queue",
		        queue);
		return rc < 0 ? rc : -ENOENT;
	}
	/* IPv6 is narrowed where the topology queues it; where it does not, no IPv6 segment
	 * reaches any queue and there is nothing to narrow */
	fw->ipv6 = topology_queues(fw, 6) == 0;
	remove_stale_jumps(fw, 4);
	if (fw->ipv6)
		remove_stale_jumps(fw, 6);
	char *script[2];
	int err = chain_scripts(fw, rs, script);
	if (err)
		return err;
	err = apply(script, NULL);
	free(script[0]);
	fw->script6 = script[1];
	if (!err)
		err = add_jumps(fw);
	if (err) {
		faultd_firewall_remove(fw);
		return err;
	}
	fw->installed = true;
	return 0;
}

int faultd_firewall_update(struct faultd_firewall *fw, const struct ruleset *rs)
{
	char *old = fw->matches ? strdup(fw->matches) : NULL;
	size_t old_n = fw->n_matches;
	char *script[2];
	int err = chain_scripts(fw, rs, script);
	if (err) {
		free(old);
		return err;
	}
	err = apply(script, fw->script6);
	free(script[0]);
	if (err) {
		fprintf(stderr, PROG ": --queue-only-matching: the firewall keeps the previous "
		                     "matches\n");
		free(fw->matches);
		fw->matches = old;
		fw->n_matches = old_n;
		free(script[1]);
		return err;
	}
	free(old);
	free(fw->script6);
	fw->script6 = script[1];
	return 0;
}

void faultd_firewall_remove(struct faultd_firewall *fw)
{
	for (unsigned version = 4; fw->chain[0] && version <= 6; version += 2) {
		if (version == 6 && !fw->ipv6)
			break;
		remove_stale_jumps(fw, version);
		char *const flush[] = {table_tool(version), "-w", "-F", fw->chain, NULL};
		char *const del[] = {table_tool(version), "-w", "-X", fw->chain, NULL};
		run(flush, NULL, true);
		run(del, NULL, true);
	}
	free(fw->matches);
	free(fw->script6);
	fw->matches = NULL;
	fw->script6 = NULL;
	fw->installed = false;
}
