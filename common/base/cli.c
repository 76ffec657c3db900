/*
 * cli.c - table-driven options. cli_parse and cli_usage walk the same table
 * (ended by an entry with no long name and no short name), so --help lists
 * exactly what is accepted. Syntax follows getopt_long: --name, --name=value,
 * --name value, -s value, -svalue, bundled flags -vh, and "--" ends options.
 */
#include <string.h>

#include "cli.h"

static bool opt_end(const struct cli_opt *o)
{
	return o->long_name == NULL && o->short_name == 0;
}

static const struct cli_opt *find_long(const struct cli_opt *opts, const char *name, size_t n)
{
	for (const struct cli_opt *o = opts; !opt_end(o); o++)
		if (o->long_name != NULL && strlen(o->long_name) == n &&
		    strncmp(o->long_name, name, n) == 0)
			return o;
	return NULL;
}

static const struct cli_opt *find_short(const struct cli_opt *opts, char c)
{
	for (const struct cli_opt *o = opts; !opt_end(o); o++)
		if (o->short_name != 0 && o->short_name == c)
			return o;
	return NULL;
}

static bool apply(const struct cli_opt *o, const char *value, void *ctx)
{
	return o->apply == NULL || o->apply(value, ctx);
}

/* "--name", "--name=value" or "--name value"; returns how many argv
 * entries it used, or -1 after printing why. */
static int parse_long(const struct cli_opt *opts, int argc, char **argv, int i, void *ctx,
		      const char *progname)
{
	const char *name = argv[i] + 2, *eq = strchr(name, '=');
	size_t n = eq != NULL ? (size_t)(eq - name) : strlen(name);
	const struct cli_opt *o = find_long(opts, name, n);

	if (o == NULL) {
		fprintf(stderr, "%s: unknown option '--%.*s'; see --help\n", progname, (int)n,
			name);
		return -1;
	}
	if (o->arg == NULL) {
		if (eq != NULL) {
			fprintf(stderr, "%s: option '--%s' takes no value\n", progname,
				o->long_name);
			return -1;
		}
		return apply(o, NULL, ctx) ? 1 : -1;
	}
	if (eq != NULL)
		return apply(o, eq + 1, ctx) ? 1 : -1;
	if (i + 1 >= argc) {
		fprintf(stderr, "%s: option '--%s' needs a value (%s)\n", progname, o->long_name,
			o->arg);
		return -1;
	}
	return apply(o, argv[i + 1], ctx) ? 2 : -1;
}

/* "-v", "-vh", "-c FILE" or "-cFILE"; same return as parse_long. */
static int parse_short(const struct cli_opt *opts, int argc, char **argv, int i, void *ctx,
		       const char *progname)
{
	for (const char *p = argv[i] + 1; *p != '\0'; p++) {
		const struct cli_opt *o = find_short(opts, *p);

		if (o == NULL) {
			fprintf(stderr, "%s: unknown option '-%c'; see --help\n", progname, *p);
			return -1;
		}
		if (o->arg == NULL) {
			if (!apply(o, NULL, ctx))
				return -1;
			continue;
		}
		if (p[1] != '\0')
			return apply(o, p + 1, ctx) ? 1 : -1;
		if (i + 1 >= argc) {
			fprintf(stderr, "%s: option '-%c' needs a value (%s)\n", progname, *p,
				o->arg);
			return -1;
		}
		return apply(o, argv[i + 1], ctx) ? 2 : -1;
	}
	return 1;
}

int cli_parse(const struct cli_opt *opts, int argc, char **argv, int first, void *ctx,
	      const char *progname)
{
	int i = first;

	while (i < argc && argv[i] != NULL) {
		const char *a = argv[i];
		int used;

		if (strcmp(a, "--") == 0)
			return i + 1;
		/* "-" alone conventionally means stdin: an operand. */
		if (a[0] != '-' || a[1] == '\0')
			return i;
		if (a[1] == '-')
			used = parse_long(opts, argc, argv, i, ctx, progname);
		else
			used = parse_short(opts, argc, argv, i, ctx, progname);
		if (used < 0)
			return -1;
		i += used;
	}
	return i;
}

/* "-c, --config FILE" or "    --check-config" into buf; returns its length. */
static size_t opt_left(const struct cli_opt *o, char *buf, size_t cap)
{
	int n;

	if (o->short_name != 0 && o->long_name != NULL)
		n = snprintf(buf, cap, "-%c, --%s", o->short_name, o->long_name);
	else if (o->long_name != NULL)
		n = snprintf(buf, cap, "    --%s", o->long_name);
	else
		n = snprintf(buf, cap, "-%c", o->short_name);
	if (n >= 0 && (size_t)n < cap && o->arg != NULL)
		n += snprintf(buf + n, cap - (size_t)n, " %s", o->arg);
	return n < 0 ? 0 : (size_t)n >= cap ? cap - 1 : (size_t)n;
}

void cli_usage(FILE *out, const char *progname, const char *synopsis, const struct cli_opt *opts)
{
	char left[128];
	size_t width = 0;

	fprintf(out, "usage: %s %s\n", progname, synopsis != NULL ? synopsis : "");
	for (const struct cli_opt *o = opts; !opt_end(o); o++) {
		size_t n = opt_left(o, left, sizeof(left));

		if (n > width)
			width = n;
	}
	if (opt_end(opts))
		return;
	fprintf(out, "\noptions:\n");
	for (const struct cli_opt *o = opts; !opt_end(o); o++) {
		opt_left(o, left, sizeof(left));
		fprintf(out, "  %-*s  %s\n", (int)width, left, o->help != NULL ? o->help : "");
	}
}
