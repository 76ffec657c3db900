/*
 * main.c - mtlsvpn-client: the command line (one table parses it and
 * prints --help), configuration, signals (TERM, INT, HUP stop; USR1 logs
 * a status line; USR2 reconnects now), and the exit status contract: 0
 * after a stop signal with every network change undone, 1 on a failure no
 * retry can fix, 2 on a configuration error. `status` is a subcommand of
 * its own (status_cmd.c).
 */
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "client.h"
#include "config.h"
#include "ev.h"
#include "log.h"
#include "notify.h"
#include "tls.h"
#include "version.h"

#define PROGNAME "mtlsvpn-client"
#define DEFAULT_CONFIG "/etc/mtlsvpn/client.ini"

enum { EXIT_PERMANENT = 1, EXIT_CONFIG = 2 };

struct opts {
	const char *config;
	bool check_config;
	bool cleanup;
	int verbose;
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

static bool opt_cleanup(const char *v, void *ctx)
{
	(void)v;
	((struct opts *)ctx)->cleanup = true;
	return true;
}

static bool opt_verbose(const char *v, void *ctx)
{
	(void)v;
	((struct opts *)ctx)->verbose = 1;
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
    {"check-config", 0, NULL, "check the configuration and the certificates, then exit", opt_check},
    {"cleanup", 0, NULL, "undo what a client with this configuration left after a crash, then exit",
     opt_cleanup},
    {"verbose", 'v', NULL, "log debug messages", opt_verbose},
    {"version", 0, NULL, "print the version and the crypto library in use", opt_version},
    {"help", 'h', NULL, "show this help", opt_help},
    {NULL, 0, NULL, NULL, NULL},
};

/* systemd's WatchdogSec keepalive, sent from the loop itself. */
static void on_watchdog_due(struct ev_loop *loop, struct ev_timer *t)
{
	notify_watchdog();
	ev_timer_arm(loop, t, notify_watchdog_period_ms());
}

static void on_stop_signal(struct ev_loop *loop, int signo, void *data)
{
	struct client *c = data;

	(void)loop;
	log_info("received %s; disconnecting",
		 sigabbrev_np(signo) ? sigabbrev_np(signo) : "signal");
	client_stop(c);
}

static void on_status_signal(struct ev_loop *loop, int signo, void *data)
{
	(void)loop;
	(void)signo;
	notice_status(data);
}

static void on_reconnect_signal(struct ev_loop *loop, int signo, void *data)
{
	(void)loop;
	(void)signo;
	client_reconnect_now(data, "received SIGUSR2");
}

struct tls_ctx *client_tls_ctx_new(const struct config_client *cfg)
{
	struct tls_ctx_params p = {
	    .server = false,
	    .ca_file = cfg->ca,
	    .cert_file = cfg->cert,
	    .key_file = cfg->key,
	    .server_name = cfg->server_name,
	    .ca_pem = cfg->ca_pem,
	    .cert_pem = cfg->cert_pem,
	    .key_pem = cfg->key_pem,
	    .embedded_in = cfg->path,
	    .key_passphrase_file = cfg->key_passphrase_file,
	    .pkcs11_module = cfg->pkcs11_module,
	};
	char err[512] = "";
	struct tls_ctx *ctx = tls_ctx_new(&p, err, sizeof(err));

	if (ctx == NULL)
		log_errx("%s: %s", cfg->path, err);
	return ctx;
}

/* Set up (TUN open, key read): keep only what the network changes and
 * their undo need (client/platform.h). */
static void drop_privileges(void)
{
	char why[256];

	if (platform_confine(why, sizeof(why)) < 0)
		fatalx("cannot drop privileges: %s", why);
}

int main(int argc, char **argv)
{
	static struct config_client cfg;
	static struct client client;
	static struct ev_timer watchdog;
	struct opts o = {.config = DEFAULT_CONFIG};
	char err[CONFIG_ERR_MAX];
	struct ev_loop *loop;
	int idx;

	log_init(PROGNAME, 0, false);
	/* The one subcommand: asks a running client, needs no root. */
	if (argc >= 2 && strcmp(argv[1], "status") == 0)
		return status_cmd_main(argc - 1, argv + 1, DEFAULT_CONFIG);
	if (argc >= 2 && strcmp(argv[1], "enroll") == 0)
		return enroll_main(argc - 1, argv + 1);
	idx = cli_parse(options, argc, argv, 1, &o, PROGNAME);
	if (idx < 0)
		return EXIT_CONFIG;
	if (idx < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'; see --help\n", PROGNAME, argv[idx]);
		return EXIT_CONFIG;
	}
	if (o.help) {
		cli_usage(stdout, PROGNAME, "[options]", options);
		printf("\n       %s status [-c FILE|NAME] [--json]   the running client's state "
		       "(see status --help)\n",
		       PROGNAME);
		printf("       %s enroll --gateway HOST --identity ID --token T ...   a first "
		       "certificate (see enroll --help)\n",
		       PROGNAME);
		return 0;
	}
	if (o.version) {
		version_print(stdout, PROGNAME);
		return 0;
	}
	if (config_client_load(o.config, &cfg, err) < 0) {
		log_errx("%s", err);
		return EXIT_CONFIG;
	}
	log_init(PROGNAME, o.verbose || cfg.log_level > 0, false);
	if (o.cleanup) {
		int rc = undo_cleanup(&cfg) < 0 ? EXIT_PERMANENT : 0;
		config_client_free(&cfg);
		return rc;
	}
	if (tls_global_init() < 0) {
		log_errx("cannot initialise the TLS library");
		return EXIT_PERMANENT;
	}
	renew_repair(&cfg);
	client.tls_ctx = client_tls_ctx_new(&cfg);
	/* wolfSSL holds its own copy now: the embedded key is wiped. */
	config_client_free(&cfg);
	if (client.tls_ctx == NULL) {
		tls_global_deinit();
		return EXIT_CONFIG;
	}
	if (o.check_config) {
		printf("%s: configuration OK\n", cfg.path);
		tls_ctx_free(client.tls_ctx);
		tls_global_deinit();
		return 0;
	}

	/* A peer closing mid-send must be an error code, not a signal. */
	signal(SIGPIPE, SIG_IGN);
	loop = ev_loop_new();
	if (loop == NULL)
		fatal("cannot create the event loop");
	ev_loop_set_busy_poll(loop, cfg.busy_poll_us);
	if (client_init(&client, &cfg, loop) < 0) {
		client_deinit(&client);
		tls_ctx_free(client.tls_ctx);
		ev_loop_free(loop);
		return EXIT_PERMANENT;
	}
	renew_init(&client);
	drop_privileges();
	if (ev_signal_add(loop, SIGTERM, on_stop_signal, &client) < 0 ||
	    ev_signal_add(loop, SIGINT, on_stop_signal, &client) < 0 ||
	    ev_signal_add(loop, SIGHUP, on_stop_signal, &client) < 0 ||
	    ev_signal_add(loop, SIGUSR1, on_status_signal, &client) < 0 ||
	    ev_signal_add(loop, SIGUSR2, on_reconnect_signal, &client) < 0)
		fatal("cannot set up signal handling");
	ev_timer_init(&watchdog, on_watchdog_due, NULL);
	if (notify_watchdog_period_ms() > 0)
		ev_timer_arm(loop, &watchdog, notify_watchdog_period_ms());
	client_start(&client);
	if (ev_run(loop) < 0)
		log_warn("event loop");
	ev_timer_stop(loop, &watchdog);
	renew_deinit(&client);
	client_deinit(&client);
	tls_ctx_free(client.tls_ctx);
	ev_loop_free(loop);
	tls_global_deinit();
	return client.exit_code;
}
