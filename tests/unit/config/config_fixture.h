/*
 * config_fixture.h - what the config loader's tests share: a private
 * temporary directory with the files the configurations name (made by
 * group_setup, removed by group_teardown), writing a file there, expanding
 * %F and %D in an expected message, and loading a file that must be
 * accepted or refused with one exact message.
 */
#ifndef CONFIG_FIXTURE_H
#define CONFIG_FIXTURE_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "test_config_cases.h"

static char dir[PATH_MAX]; /* realpath of the temporary directory */
static char cwd[PATH_MAX]; /* restored after tests that chdir */

static inline void put_n(const char *name, const char *text, size_t len, mode_t mode)
{
	char path[PATH_MAX + 64];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static inline void put(const char *name, const char *text, mode_t mode)
{
	put_n(name, text, strlen(text), mode);
}

static inline void path_of(const char *name, char out[static PATH_MAX + 64])
{
	snprintf(out, PATH_MAX + 64, "%s/%s", dir, name);
}

/* Replaces %F with cfg and %D with the directory. */
static inline void expand(const char *tmpl, const char *cfg, char *out, size_t cap)
{
	size_t n = 0;

	for (const char *p = tmpl; *p != '\0' && n + 1 < cap; p++) {
		const char *sub = NULL;

		if (p[0] == '%' && p[1] == 'F')
			sub = cfg;
		else if (p[0] == '%' && p[1] == 'D')
			sub = dir;
		if (sub != NULL) {
			n += (size_t)snprintf(out + n, cap - n, "%s", sub);
			if (n >= cap)
				n = cap - 1;
			p++;
		} else {
			out[n++] = *p;
		}
	}
	out[n] = '\0';
}

static inline int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static inline int group_setup(void **state)
{
	char tmpl[] = "/tmp/test_config.XXXXXX";

	(void)state;
	if (getcwd(cwd, sizeof(cwd)) == NULL || mkdtemp(tmpl) == NULL ||
	    realpath(tmpl, dir) == NULL)
		return -1;
	put("ca.crt", "ca\n", 0644);
	put("CA.Crt", "mixed case ca\n", 0644);
	put("server.crt", "cert\n", 0644);
	put("server.key", "key\n", 0600);
	put("ro.key", "key\n", 0400);
	put("alice.crt", "cert\n", 0644);
	put("alice.key", "key\n", 0600);
	put("open.key", "key\n", 0644);
	put("group.key", "key\n", 0640);
	put("server.pass", "pass\n", 0600);
	put("alice.pass", "pass\n", 0600);
	put("my#cert.crt", "cert\n", 0644);
	put("crl.pem", "crl\n", 0644);
	{
		char p[PATH_MAX + 64];

		path_of("adir", p);
		if (mkdir(p, 0700) < 0)
			return -1;
		path_of("pki", p);
		if (mkdir(p, 0700) < 0)
			return -1;
	}
	put("pki/ca.crt", "ca\n", 0644);
	return 0;
}

static inline int group_teardown(void **state)
{
	(void)state;
	if (chdir(cwd) < 0)
		return -1;
	return nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

enum which { SERVER, CLIENT };

static inline int load(enum which w, const char *path, char err[static CONFIG_ERR_MAX])
{
	static struct config_server s;
	static struct config_client c;

	if (w == SERVER)
		return config_server_load(path, &s, err);
	return config_client_load(path, &c, err);
}

static inline void run_bad(enum which w, const struct bad_case *cases, size_t n)
{
	char cfg[PATH_MAX + 64], want[2048], err[CONFIG_ERR_MAX];
	unsigned failures = 0;

	path_of("case.ini", cfg);
	for (size_t i = 0; i < n; i++) {
		int rc;

		put("case.ini", cases[i].text, 0644);
		expand(cases[i].want, cfg, want, sizeof(want));
		memset(err, 'x', sizeof(err));
		err[sizeof(err) - 1] = '\0';
		rc = load(w, cfg, err);
		if (rc != -1 || strcmp(err, want) != 0) {
			print_error("case '%s':\n  rc   %d\n  want %s\n  got  %s\n", cases[i].name,
				    rc, want, rc == 0 ? "(accepted)" : err);
			failures++;
		}
	}
	assert_int_equal(failures, 0);
}

static inline void check_one(enum which w, const char *text, size_t len, const char *want_tmpl)
{
	char cfg[PATH_MAX + 64], want[2048], err[CONFIG_ERR_MAX];

	put_n("one.ini", text, len, 0644);
	path_of("one.ini", cfg);
	expand(want_tmpl, cfg, want, sizeof(want));
	assert_int_equal(load(w, cfg, err), -1);
	assert_string_equal(err, want);
}

static inline uint16_t port_of(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
}

static inline void load_ok_server(const char *text, struct config_server *s)
{
	char cfg[PATH_MAX + 64], err[CONFIG_ERR_MAX];

	put("ok.ini", text, 0644);
	path_of("ok.ini", cfg);
	err[0] = '\0';
	if (config_server_load(cfg, s, err) != 0)
		fail_msg("refused: %s", err);
	assert_string_equal(s->path, cfg);
}

static inline void load_ok_client(const char *text, struct config_client *c)
{
	char cfg[PATH_MAX + 64], err[CONFIG_ERR_MAX];

	put("ok.ini", text, 0644);
	path_of("ok.ini", cfg);
	err[0] = '\0';
	if (config_client_load(cfg, c, err) != 0)
		fail_msg("refused: %s", err);
}

static inline void assert_path(const char *got, const char *name)
{
	char want[PATH_MAX + 64];

	path_of(name, want);
	assert_string_equal(got, want);
}

#endif
