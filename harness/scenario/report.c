/* report.c: the summary table and the JUnit XML report. */
#include "report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/xml_escape.h"

long jobs_pick_inconclusive(const struct job *jobs, size_t n, size_t max, struct job **again)
{
	size_t k = 0;
	*again = calloc(max ? max : 1, sizeof(**again)); /* NULL on failure: free() takes it */
	if (!*again)
		return -ENOMEM;
	for (size_t i = 0; i < n && k < max; i++) {
		if (jobs[i].res.status != RUN_INCONCLUSIVE)
			continue;
		struct job *j = &(*again)[k++];
		*j = jobs[i];
		j->started = j->finished = false;
		j->pid = 0;
	}
	return (long)k;
}

void jobs_take_again(struct job *jobs, size_t n, const struct job *again, size_t n_again)
{
	for (size_t k = 0; k < n_again; k++)
		for (size_t i = 0; i < n; i++)
			if (!strcmp(jobs[i].id, again[k].id) && jobs[i].scaled == again[k].scaled) {
				jobs[i].res = again[k].res;
				snprintf(jobs[i].run_dir, sizeof(jobs[i].run_dir), "%s",
				         again[k].run_dir);
			}
}

void report_lateness(char *buf, size_t size, const struct lateness *l)
{
	if (!l->n) {
		snprintf(buf, size, "timer lateness not measured");
		return;
	}
	int n = snprintf(buf, size,
	                 "timer lateness p50 %.1f ms, p99 %.1f ms, max %.1f ms over %zu wake-ups "
	                 "every %u ms at %s priority",
	                 (double)l->p50_us / 1e3, (double)l->p99_us / 1e3, (double)l->max_us / 1e3,
	                 l->n, l->period_us / 1000, l->rt ? "real-time" : "normal");
	if (l->daemon_n && n > 0 && (size_t)n < size)
		snprintf(buf + n, size - (size_t)n,
		         "; synfin-faultd released %zu held segment(s) at most %.1f ms late",
		         l->daemon_n, (double)l->daemon_max_us / 1e3);
}

void report_verdict(FILE *out, const struct scn_case *c, const struct run_record *r,
                    const struct judge_verdict *v)
{
	char late[300];
	report_lateness(late, sizeof(late), &r->lateness);
	fprintf(out, "  machine: %s\n", late);
	if (v->limit_hit)
		fprintf(out, "  the client was still running at the limit (%.1f s): stopped\n",
		        (double)c->limit_us / 1e6);
	if (!v->judged)
		return;
	fprintf(out, "\nconversation (%zu segments seen): %s\n", r->trace.n,
	        v->match.ok ? "as expected" : "NOT as expected");
	if (c->scale != 1.0)
		fprintf(out, "  expected times scaled by %g\n", c->scale);
	conversation_print_side_by_side(out, c, &r->trace, &v->match);
	fprintf(out, "\napplications:\n");
	for (int k = 0; k < 2; k++) {
		const struct app_verdict *a = &v->app[k];
		fprintf(out, "  %s: %s at %.3f s after the first segment%s%s%s\n", scn_role_name(k),
		        a->outcome, a->at_s,
		        a->from_runner ? " (time from the runner: no exit record)" : "",
		        a->why[0] ? ": " : "", a->why);
	}
	fflush(out);
}

static const char *cell(const struct job *j, char *buf, size_t size)
{
	if (!j)
		return "-";
	switch (j->res.status) {
	case RUN_PASS:
		snprintf(buf, size, "pass %.1fs", j->res.seconds);
		break;
	case RUN_FAIL:
		snprintf(buf, size, "FAIL %.1fs", j->res.seconds);
		break;
	case RUN_SKIP:
		snprintf(buf, size, "skip");
		break;
	case RUN_INCONCLUSIVE:
		snprintf(buf, size, "incon %.1fs", j->res.seconds);
		break;
	default:
		snprintf(buf, size, "ERROR");
		break;
	}
	return buf;
}

/* The table's columns: the pairings of the implementations every check runs against
 * themselves (linux, stack) always, the others' (lwIP's) when a case ran with them. */
static unsigned table_columns(const struct job *jobs, size_t n)
{
	unsigned cols = scn_core_pairs();
	for (size_t i = 0; i < n; i++)
		cols |= 1u << jobs[i].pair;
	return cols;
}

static bool same_row(const struct job *a, const struct job *b)
{
	return !strcmp(a->name, b->name) && a->scaled == b->scaled && a->ipv6 == b->ipv6;
}

void report_table(FILE *out, const struct job *jobs, size_t n)
{
	unsigned cols = table_columns(jobs, n);
	fprintf(out, "\n%-34s", "scenario");
	for (unsigned p = 0; p < scn_pair_count(); p++)
		if (cols & (1u << p))
			fprintf(out, " %-13s", scn_pair_name(p));
	fprintf(out, "\n");
	for (size_t i = 0; i < n; i++) {
		/* one row per scenario (and one per scaled variant, one per family) in order of
		 * first appearance */
		bool seen = false;
		for (size_t k = 0; k < i; k++)
			if (same_row(&jobs[k], &jobs[i]))
				seen = true;
		if (seen)
			continue;
		char row[160];
		static const char *const kinds[2][2] = {{"", " (ipv6)"},
		                                        {" (scaled)", " (scaled, ipv6)"}};
		snprintf(row, sizeof(row), "%s%s", jobs[i].name,
		         kinds[jobs[i].scaled][jobs[i].ipv6]);
		fprintf(out, "%-34s", row);
		for (unsigned p = 0; p < scn_pair_count(); p++) {
			if (!(cols & (1u << p)))
				continue;
			const struct job *found = NULL;
			for (size_t k = 0; k < n; k++)
				if (same_row(&jobs[k], &jobs[i]) && jobs[k].pair == p)
					found = &jobs[k];
			char buf[32];
			fprintf(out, " %-13s", cell(found, buf, sizeof(buf)));
		}
		fprintf(out, "\n");
	}
	/* skip reasons, each distinct one once with the cases it covers */
	bool header = false;
	for (size_t i = 0; i < n; i++) {
		if (jobs[i].res.status != RUN_SKIP)
			continue;
		bool dup = false;
		for (size_t k = 0; k < i; k++)
			if (jobs[k].res.status == RUN_SKIP &&
			    !strcmp(jobs[k].res.reason, jobs[i].res.reason))
				dup = true;
		if (dup)
			continue;
		if (!header)
			fprintf(out, "\nskipped:\n");
		header = true;
		size_t count = 0;
		for (size_t k = i; k < n; k++)
			if (jobs[k].res.status == RUN_SKIP &&
			    !strcmp(jobs[k].res.reason, jobs[i].res.reason))
				count++;
		if (count == 1)
			fprintf(out, "  %s %s: %s\n", jobs[i].name, jobs[i].variant,
			        jobs[i].res.reason);
		else
			fprintf(out, "  %zu cases (%s %s, ...): %s\n", count, jobs[i].name,
			        jobs[i].variant, jobs[i].res.reason);
	}
	header = false;
	for (size_t i = 0; i < n; i++) {
		if (jobs[i].res.status != RUN_FAIL && jobs[i].res.status != RUN_ERROR)
			continue;
		if (!header)
			fprintf(out, "\nfailed:\n");
		header = true;
		fprintf(out, "  %s %s: %s\n    %s\n", jobs[i].name, jobs[i].variant,
		        jobs[i].res.reason, jobs[i].run_dir[0] ? jobs[i].run_dir : jobs[i].path);
	}
	header = false;
	for (size_t i = 0; i < n; i++) {
		if (jobs[i].res.status != RUN_INCONCLUSIVE)
			continue;
		if (!header)
			fprintf(
			    out,
			    "\ninconclusive (failed on times alone on an overloaded machine):\n");
		header = true;
		char late[300];
		report_lateness(late, sizeof(late), &jobs[i].res.lateness);
		fprintf(out, "  %s %s: %s\n    %s\n    %s\n", jobs[i].name, jobs[i].variant,
		        jobs[i].res.reason, late, jobs[i].run_dir);
	}
}

static void cdata_file(FILE *out, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	fputs("<![CDATA[", out);
	int ch, prev1 = 0, prev2 = 0;
	while ((ch = fgetc(f)) != EOF) {
		/* "]]>" cannot appear in CDATA: split it */
		if (ch == '>' && prev1 == ']' && prev2 == ']')
			fputs("]]><![CDATA[", out);
		if ((ch < 0x20 && ch != '\n' && ch != '\t') || ch == 0x7f)
			ch = ' ';
		fputc(ch, out);
		prev2 = prev1;
		prev1 = ch;
	}
	fputs("]]>", out);
	fclose(f);
}

/* The lateness as testcase properties, in milliseconds. */
static void junit_lateness(FILE *out, const struct lateness *l)
{
	if (!l->n)
		return;
	fprintf(out,
	        "      <properties>\n"
	        "        <property name=\"timer_lateness_p50_ms\" value=\"%.3f\"/>\n"
	        "        <property name=\"timer_lateness_p99_ms\" value=\"%.3f\"/>\n"
	        "        <property name=\"timer_lateness_max_ms\" value=\"%.3f\"/>\n"
	        "        <property name=\"timer_wakeups\" value=\"%zu\"/>\n",
	        (double)l->p50_us / 1e3, (double)l->p99_us / 1e3, (double)l->max_us / 1e3, l->n);
	if (l->daemon_n)
		fprintf(out,
		        "        <property name=\"faultd_release_lateness_max_ms\" "
		        "value=\"%.3f\"/>\n",
		        (double)l->daemon_max_us / 1e3);
	fprintf(out, "      </properties>\n");
}

int report_junit(const char *path, const struct job *jobs, size_t n, double wall_s)
{
	FILE *out = fopen(path, "w");
	if (!out)
		return -errno;
	size_t fail = 0, err = 0, skip = 0;
	for (size_t i = 0; i < n; i++) {
		fail += jobs[i].res.status == RUN_FAIL || jobs[i].res.status == RUN_INCONCLUSIVE;
		err += jobs[i].res.status == RUN_ERROR;
		skip += jobs[i].res.status == RUN_SKIP;
	}
	fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	fprintf(out,
	        "<testsuites name=\"synfin scenarios\" tests=\"%zu\" failures=\"%zu\" "
	        "errors=\"%zu\" skipped=\"%zu\" time=\"%.3f\">\n",
	        n, fail, err, skip, wall_s);
	fprintf(out,
	        "  <testsuite name=\"scenarios\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" "
	        "skipped=\"%zu\" time=\"%.3f\">\n",
	        n, fail, err, skip, wall_s);
	for (size_t i = 0; i < n; i++) {
		const struct job *j = &jobs[i];
		fprintf(out, "    <testcase classname=\"scenarios.");
		xml_escape(out, j->name);
		fprintf(out, "\" name=\"");
		xml_escape(out, j->variant);
		fprintf(out, "\" file=\"");
		xml_escape(out, j->path);
		fprintf(out, "\" time=\"%.3f\">\n", j->res.seconds);
		const char *tag = j->res.status == RUN_FAIL           ? "failure"
		                  : j->res.status == RUN_INCONCLUSIVE ? "failure"
		                  : j->res.status == RUN_ERROR        ? "error"
		                  : j->res.status == RUN_SKIP         ? "skipped"
		                                                      : NULL;
		junit_lateness(out, &j->res.lateness);
		if (tag) {
			fprintf(out, "      <%s%s message=\"", tag,
			        j->res.status == RUN_INCONCLUSIVE ? " type=\"inconclusive\"" : "");
			xml_escape(out, j->res.reason);
			fprintf(out, "\">");
			if (j->res.status != RUN_SKIP && j->run_dir[0]) {
				char rep[800];
				snprintf(rep, sizeof(rep), "%s/report.txt", j->run_dir);
				cdata_file(out, rep);
			}
			fprintf(out, "</%s>\n", tag);
		}
		if (j->run_dir[0]) {
			fprintf(out, "      <system-out>run folder: ");
			xml_escape(out, j->run_dir);
			fprintf(out, "</system-out>\n");
		}
		fprintf(out, "    </testcase>\n");
	}
	fprintf(out, "  </testsuite>\n</testsuites>\n");
	return fclose(out) ? -errno : 0;
}
