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

static int restore(const char *script)
{
	char *const argv[] = {"iptables-restore", "--noflush", "-w", NULL};
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

/* The chain's rules for rs as an iptables-restore script (declaring an existing chain there
 * flushes it in the same commit); the matches alone go to fw. */
static int chain_script(struct faultd_firewall *fw, const struct ruleset *rs, bool add_jump,
                        char **out)
{
	struct kernel_match *km = calloc(rs->n_rules + 1, sizeof(*km));
	if (!km) {
		fprintf(stderr, PROG ": out of memory\n");
		return -ENOMEM;
	}
	size_t n = rule_kernel_matches(rs, km);
	char script_stack[4096], matches_stack[1024];
	struct sbuf script, matches;
	sb_init_growing(&script, script_stack, sizeof(script_stack));
	sb_init_growing(&matches, matches_stack, sizeof(matches_stack));
	sb_printf(&script, "*filter\n:%s - [0:0]\n", fw->chain);
	for (size_t i = 0; i < n; i++) {
		char spec[256];
		kernel_match_format(&km[i], fw->client_addr, spec, sizeof(spec));
		sb_printf(&script, "-A %s %s -j NFQUEUE --queue-num %u\n", fw->chain, spec,
		          fw->queue);
		sb_printf(&matches, "%s\n", spec);
	}
	sb_printf(&script, "-A %s -j ACCEPT\n", fw->chain);
	if (add_jump)
		sb_printf(&script, "-I FORWARD 1 -p tcp -j %s\n", fw->chain);
	sb_puts(&script, "COMMIT\n");
	free(km);
	char *s = sb_take(&script, script_stack), *m = sb_take(&matches, matches_stack);
	if (!s || !m) {
		free(s);
		free(m);
		fprintf(stderr, PROG ": out of memory\n");
		return -ENOMEM;
	}
	free(fw->matches);
	fw->matches = m;
	fw->n_matches = n;
	*out = s;
	return 0;
}

/* Jumps to our chain left by a daemon that was killed before it could remove them. */
static void remove_stale_jumps(const struct faultd_firewall *fw)
{
	char chain[24];
	snprintf(chain, sizeof(chain), "%s", fw->chain);
	char *const argv[] = {"iptables", "-w", "-D", "FORWARD", "-p", "tcp", "-j", chain, NULL};
	for (int i = 0; i < 16 && run(argv, NULL, true) == 0; i++)
		;
}

int faultd_firewall_install(struct faultd_firewall *fw, uint16_t queue, uint32_t client_addr,
                            const struct ruleset *rs)
{
	memset(fw, 0, sizeof(*fw));
	fw->queue = queue;
	fw->client_addr = client_addr;
	snprintf(fw->chain, sizeof(fw->chain), "SYNFIN-Q%u", queue);
	char num[8];
	snprintf(num, sizeof(num), "%u", queue);
	char *const check[] = {"iptables", "-w",      "-C",          "FORWARD", "-p", "tcp",
	                       "-j",       "NFQUEUE", "--queue-num", num,       NULL};
	int rc = run(check, NULL, true);
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
	remove_stale_jumps(fw);
	char *script;
	int err = chain_script(fw, rs, true, &script);
	if (err)
		return err;
	rc = restore(script);
	free(script);
	if (rc != 0) {
		fprintf(stderr, PROG ": --queue-only-matching: iptables-restore %s %d\n",
		        rc < 0 ? "could not run:" : "failed with status", rc < 0 ? -rc : rc);
		faultd_firewall_remove(fw);
		return rc < 0 ? rc : -EIO;
	}
	fw->installed = true;
	return 0;
}

int faultd_firewall_update(struct faultd_firewall *fw, const struct ruleset *rs)
{
	char *old = fw->matches ? strdup(fw->matches) : NULL;
	size_t old_n = fw->n_matches;
	char *script;
	int err = chain_script(fw, rs, false, &script);
	if (err) {
		free(old);
		return err;
	}
	int rc = restore(script);
	free(script);
	if (rc != 0) {
		fprintf(stderr,
		        PROG ": --queue-only-matching: iptables-restore failed (%d): the "
		             "firewall keeps the previous matches\n",
		        rc);
		free(fw->matches);
		fw->matches = old;
		fw->n_matches = old_n;
		return rc < 0 ? rc : -EIO;
	}
	free(old);
	return 0;
}

void faultd_firewall_remove(struct faultd_firewall *fw)
{
	if (fw->chain[0]) {
		remove_stale_jumps(fw);
		char *const flush[] = {"iptables", "-w", "-F", fw->chain, NULL};
		char *const del[] = {"iptables", "-w", "-X", fw->chain, NULL};
		run(flush, NULL, true);
		run(del, NULL, true);
	}
	free(fw->matches);
	fw->matches = NULL;
	fw->installed = false;
}
