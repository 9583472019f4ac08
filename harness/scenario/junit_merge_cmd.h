/* junit_merge_cmd.h: `synfin-scenario junit-merge OUT IN...`, the files read and written
 * around the pure merge of junit_merge.h. */
#ifndef SYNFIN_SCENARIO_JUNIT_MERGE_CMD_H
#define SYNFIN_SCENARIO_JUNIT_MERGE_CMD_H

/* argv[0] is "junit-merge". Returns the exit status: 0 written, 64 usage, 65 an input that is
 * not a well-formed JUnit report (said on stderr), 1 a file that cannot be read or written. */
int junit_merge_main(int argc, char **argv);

#endif
