/*
 * cli.h - table-driven command-line options: the same table parses argv and
 * prints --help, so usage can never drift from what is accepted.
 */
#ifndef MTLSVPN_CLI_H
#define MTLSVPN_CLI_H

#include <stdbool.h>
#include <stdio.h>

struct cli_opt {
	const char *long_name;   /* "config" for --config */
	char short_name;         /* 'c', or 0 */
	const char *arg;         /* "FILE" if it takes a value, NULL for a flag */
	const char *help;
	/* Called with the value (NULL for a flag); returns false to reject it
	 * (it prints its own message). */
	bool (*apply)(const char *value, void *ctx);
};

/* Parses argv[first..]: options only; returns the index of the first
 * non-option argument, or -1 after printing an error naming the option. */
int cli_parse(const struct cli_opt *opts, int argc, char **argv, int first, void *ctx,
	      const char *progname);
void cli_usage(FILE *out, const char *progname, const char *synopsis,
	       const struct cli_opt *opts);

#endif
