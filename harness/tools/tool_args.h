/* tool_args.h: the command line the small trace tools share: their own options, -h/--help, and
 * one file. */
#ifndef SYNFIN_TOOL_ARGS_H
#define SYNFIN_TOOL_ARGS_H

#include <stdio.h>
#include <string.h>

/* An argument that is none of the tool's own options: --help, the file (once), or a mistake.
 * Returns -1 to read on, or the exit status once usage has been printed. */
static inline int tool_take_arg(const char *arg, const char **path, void (*usage)(FILE *))
{
	if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
		usage(stdout);
		return 0;
	}
	if (arg[0] == '-' || *path) {
		usage(stderr);
		return 2;
	}
	*path = arg;
	return -1;
}

/* After the arguments: 0 when the file was given, else 2 once usage has been printed. */
static inline int tool_need_path(const char *path, void (*usage)(FILE *))
{
	if (path)
		return 0;
	usage(stderr);
	return 2;
}

#endif
