/* shrink.h: `synfin-scenario shrink CASE`: a case that fails under random faults, reduced by
 * delta debugging over its run's drops and delays (shrink_plan.h) to a few that still fail it
 * the same way, each trial a real run replaying a journal (shrink_trial.h), written as a rule
 * file of exact rules (shrink_rules.h) that a last run proves enough alone. */
#ifndef SYNFIN_SCENARIO_SHRINK_H
#define SYNFIN_SCENARIO_SHRINK_H

#include <stdio.h>

/* Exit statuses beside 0 (shrunk, and the rules alone fail the case the same way), 1 (could
 * not run, or a journal that does not read), EXIT_USAGE and 130 (interrupted): */
#define SHRINK_EXIT_NOTHING 3    /* the case passed, or failed with no drop or delay */
#define SHRINK_EXIT_NOT_PROVED 4 /* shrunk, but the rules alone did not fail it that way */

void shrink_usage(FILE *out);
/* argv[0] is "shrink"; full_argv is the program's, to run again in a user namespace. */
int shrink_main(int argc, char **argv, char **full_argv);

#endif
