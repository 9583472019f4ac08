/* faultd_journal.c: writing the verdict journal and replaying one (faultd_journal.h). */
#include "faultd_journal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define PROG FAULTD_PROG

int faultd_journal_open(struct faultd_journal *fj, const struct faultd_options *opt,
                        struct matcher *m, uint64_t seed, struct ruleset *rs)
{
	memset(fj, 0, sizeof(*fj));
	if (!opt->journal_path && !opt->replay_path)
		return 0;
	if (matcher_follow_identities(m) != 0) {
		fprintf(stderr, PROG ": out of memory\n");
		return 1;
	}
	if (opt->replay_path) {
		char why[700];
		if (journal_read(opt->replay_path, &fj->replay, why, sizeof(why)) != 0 ||
		    journal_check_rules(&fj->replay, opt->replay_path, rs, why, sizeof(why)) != 0) {
			fprintf(stderr, PROG ": --replay %s\n", why);
			return FAULTD_EXIT_RULES;
		}
		fj->replaying = true;
		/* corrupt flips the bits the journal's run drew; a journal written now says so */
		seed = fj->replay.seed;
		matcher_set_seed(m, seed);
		fj->drop_unknown = opt->replay_unknown_drop;
		fprintf(stderr,
		        PROG ": replaying %zu decisions of %s (seed %" PRIu64 ", rules %s); "
		             "segments it does not know %s\n",
		        fj->replay.n, opt->replay_path, fj->replay.seed, fj->replay.rules,
		        fj->drop_unknown ? "are dropped" : "pass");
	}
	if (opt->journal_path) {
		fj->out = fopen(opt->journal_path, "w");
		if (!fj->out) {
			fprintf(stderr, PROG ": cannot open journal %s: %s\n", opt->journal_path,
			        strerror(errno));
			return 1;
		}
		fj->buffer = malloc(FAULTD_OUTPUT_BUFFER);
		if (fj->buffer)
			setvbuf(fj->out, fj->buffer, _IOFBF, FAULTD_OUTPUT_BUFFER);
		journal_write_head(fj->out, seed, rs->name);
	}
	return 0;
}

static void say_unknown(struct faultd_journal *fj, struct faultd_output *out,
                        const struct packet_id *id, uint64_t time_us)
{
	char flags[12], note[300];
	trace_flags_str(flags, sizeof(flags), id->flags);
	snprintf(note, sizeof(note),
	         "replay: conn %u %s [%s] seq %u ack %u len %u attempt %u copy %u is not in "
	         "the journal: %s",
	         id->conn, journal_dir_name(id->dir), flags, id->seq, id->ack, id->len, id->attempt,
	         id->copy, fj->drop_unknown ? "dropped" : "passed");
	fprintf(stderr, PROG ": %s\n", note);
	faultd_output_note(out, time_us, note);
}

void faultd_journal_replay(struct faultd_journal *fj, struct matcher *m, struct ruleset *rs,
                           struct faultd_output *out, const struct segment *seg, uint64_t now_us,
                           uint64_t time_us, struct verdict *v)
{
	memset(v, 0, sizeof(*v));
	v->has_id = true;
	matcher_identify(m, seg, now_us, &v->id);
	const struct journal_entry *e = journal_take(&fj->replay, &v->id);
	if (!e) {
		fj->unknown++;
		v->action = fj->drop_unknown ? RULE_DROP : RULE_PASS;
		say_unknown(fj, out, &v->id, time_us);
		return;
	}
	fj->replayed++;
	v->action = e->action;
	v->delay_us = e->action == RULE_DELAY ? e->delay_us : 0;
	struct rule *r = journal_rule(e, rs);
	if (r) {
		r->hits++;
		v->rule = r;
		matcher_replay_effects(m, seg, r, v);
	} else if (journal_action_needs_rule(e->action)) {
		/* checked at the start: only rules reloaded since (SIGHUP) can lack it */
		v->action = RULE_PASS;
	}
}

void faultd_journal_record(struct faultd_journal *fj, const struct verdict *v,
                           const char *rule_file)
{
	if (!fj->out || !v->has_id)
		return;
	struct journal_entry e;
	journal_entry_of(&e, v, rule_file);
	journal_write_entry(fj->out, &e);
}

void faultd_journal_flush(struct faultd_journal *fj)
{
	if (fj->out && fflush(fj->out) != 0)
		fprintf(stderr, PROG ": writing the journal: %s\n", strerror(errno));
}

void faultd_journal_summary(const struct faultd_journal *fj)
{
	if (!fj->replaying)
		return;
	size_t unused = 0;
	for (size_t i = 0; i < fj->replay.n; i++)
		unused += !fj->replay.taken[i];
	fprintf(stderr,
	        "replay: %" PRIu64 " decisions replayed, %" PRIu64
	        " segments not in the journal (%s), %zu decisions of the journal never met\n",
	        fj->replayed, fj->unknown, fj->drop_unknown ? "dropped" : "passed", unused);
}

void faultd_journal_close(struct faultd_journal *fj)
{
	if (fj->out && fclose(fj->out) != 0)
		fprintf(stderr, PROG ": writing the journal: %s\n", strerror(errno));
	free(fj->buffer);
	journal_free(&fj->replay);
	memset(fj, 0, sizeof(*fj));
}
