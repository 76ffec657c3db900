/*
 * main.c - mtlsvpn-server: the command line (one table parses it and prints
 * --help), configuration loading, --check-config and --version, then the
 * gateway in the foreground. Exit status: 0 after SIGTERM/SIGINT, 1 if the
 * gateway cannot start or fails, 2 on a configuration or usage error.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "log.h"
#include "server.h"
#include "tls.h"
#include "version.h"

#define PROGNAME "mtlsvpn-server"
#define DEFAULT_CONFIG "/etc/mtlsvpn/server.ini"

enum { EXIT_FAILURE_RUN = 1, EXIT_CONFIG = 2 };

struct opts {
	const char *config;
	bool check_config;
	bool verbose;
	bool version;
	bool help;
};

static bool opt_config(const char *v, void *ctx)
{
	((struct opts *)ctx)->config = v;
	return true;
}

static bool opt_check(const char *v, void *ctx)
{
	(void)v;
	((struct opts *)ctx)->check_config = true;
	return true;
}

static bool opt_verbose(const char *v, void *ctx)
{
	(void)v;
	((struct opts *)ctx)->verbose = true;
	return true;
}

static bool opt_version(const char *v, void *ctx)
{
	(void)v;
	((struct opts *)ctx)->version = true;
	return true;
}

static bool opt_help(const char *v, void *ctx)
{
	(void)v;
	((struct opts *)ctx)->help = true;
	return true;
}

static const struct cli_opt options[] = {
    {"config", 'c', "FILE", "configuration file (default " DEFAULT_CONFIG ")", opt_config},
    {"check-config", 0, NULL, "check the configuration, certificates and key, then exit",
     opt_check},
    {"verbose", 'v', NULL, "log debug messages", opt_verbose},
    {"version", 0, NULL, "print the version and the crypto library in use", opt_version},
    {"help", 'h', NULL, "show this help", opt_help},
    {NULL, 0, NULL, NULL, NULL},
};

int main(int argc, char **argv)
{
	struct opts o = {.config = DEFAULT_CONFIG};
	struct config_server *cfg;
	struct gateway *gw;
	char err[CONFIG_ERR_MAX];
	int idx, status = 0;

	log_init(PROGNAME, 0, false);
	idx = cli_parse(options, argc, argv, 1, &o, PROGNAME);
	if (idx < 0)
		return EXIT_CONFIG;
	if (idx < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'; see --help\n", PROGNAME, argv[idx]);
		return EXIT_CONFIG;
	}
	if (o.help) {
		cli_usage(stdout, PROGNAME, "[options]", options);
		return 0;
	}
	if (o.version) {
		version_print(stdout, PROGNAME);
		return 0;
	}

	cfg = calloc(1, sizeof(*cfg));
	gw = calloc(1, sizeof(*gw));
	if (cfg == NULL || gw == NULL) {
		fprintf(stderr, "%s: out of memory\n", PROGNAME);
		status = EXIT_FAILURE_RUN;
		goto out;
	}
	if (config_server_load(o.config, cfg, err) < 0) {
		log_errx("%s", err);
		status = EXIT_CONFIG;
		goto out;
	}
	log_init(PROGNAME, o.verbose || cfg->log_level > 0 ? 1 : 0, false);
	if (tls_global_init() < 0) {
		log_errx("cannot initialise the TLS library");
		status = EXIT_FAILURE_RUN;
		goto out;
	}
	/* The pool, certificates and key are checked by loading them. */
	if (gateway_init(gw, cfg) < 0) {
		tls_global_deinit();
		status = EXIT_CONFIG;
		goto out;
	}
	if (o.check_config) {
		gateway_deinit(gw);
		tls_global_deinit();
		printf("%s: configuration OK\n", o.config);
		goto out;
	}

	/* A client vanishing mid-send must be an EPIPE, not a signal. */
	signal(SIGPIPE, SIG_IGN);
	if (gateway_start(gw) < 0 || gateway_run(gw) < 0)
		status = EXIT_FAILURE_RUN;
	gateway_deinit(gw);
	tls_global_deinit();
	log_info("gateway stopped");
out:
	/* Every way out frees the same (a leak checker runs the tests). */
	if (gw != NULL)
		explicit_bzero(gw, sizeof(*gw));
	free(gw);
	free(cfg);
	return status;
}
