/*
 * secret.c - reading a passphrase or PIN: a file's first line, the
 * terminal with echo off (restored on every path), or systemd-ask-password
 * run without a shell and read through a pipe. Every copy that held the
 * secret is wiped before it is released.
 */
#include "secret.h"
#include "errbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

extern char **environ;

void secret_wipe(void *p, size_t len)
{
	if (p != NULL && len > 0)
		explicit_bzero(p, len);
}

/* Reads up to the first line end or EOF of fd into buf; the rest of a long
 * first line makes it fail. 0, 1 (too long) or -1 (errno). */
static int read_line_fd(int fd, char *buf, size_t cap)
{
	size_t n = 0;
	char c;

	for (;;) {
		ssize_t r = read(fd, &c, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0 || c == '\n')
			break;
		if (n + 1 >= cap) {
			secret_wipe(&c, 1);
			return 1;
		}
		buf[n++] = c;
	}
	secret_wipe(&c, 1);
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	return 0;
}

int secret_read_file(const char *path, char *buf, size_t cap, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), r;

	if (fd < 0) {
		errbuf_set(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	r = read_line_fd(fd, buf, cap);
	if (r < 0)
		errbuf_set(err, errlen, "%s: %s", path, strerror(errno));
	close(fd);
	if (r == 1)
		errbuf_set(err, errlen, "%s: the first line is longer than %zu bytes", path,
			   cap - 1);
	else if (r == 0 && buf[0] == '\0')
		errbuf_set(err, errlen, "%s: the first line is empty", path);
	if (r != 0 || buf[0] == '\0') {
		secret_wipe(buf, cap);
		return -1;
	}
	return 0;
}

enum secret_source secret_source_now(void)
{
	const char *inv = getenv("INVOCATION_ID");

	if (isatty(STDIN_FILENO))
		return SECRET_TTY;
	if (inv != NULL && inv[0] != '\0')
		return SECRET_SYSTEMD;
	return SECRET_NONE;
}

static int ask_tty(const char *prompt, char *buf, size_t cap, char *err, size_t errlen)
{
	struct termios old, quiet;
	int r;

	if (tcgetattr(STDIN_FILENO, &old) < 0) {
		errbuf_set(err, errlen, "cannot read the terminal: %s", strerror(errno));
		return -1;
	}
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	quiet.c_lflag |= ICANON;
	/* Echo off before the prompt shows, so nothing typed after it is
	 * echoed; TCSANOW keeps a line typed ahead. */
	if (tcsetattr(STDIN_FILENO, TCSANOW, &quiet) < 0) {
		errbuf_set(err, errlen, "cannot turn off echo: %s", strerror(errno));
		return -1;
	}
	fprintf(stderr, "%s", prompt);
	fflush(stderr);
	r = read_line_fd(STDIN_FILENO, buf, cap);
	(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	fputc('\n', stderr);
	if (r < 0)
		errbuf_set(err, errlen, "cannot read the terminal: %s", strerror(errno));
	else if (r == 1)
		errbuf_set(err, errlen, "the answer is longer than %zu bytes", cap - 1);
	return r == 0 ? 0 : -1;
}

/* systemd-ask-password PROMPT, its answer on a pipe; no shell. */
static int ask_systemd(const char *prompt, char *buf, size_t cap, char *err, size_t errlen)
{
	char name[] = "systemd-ask-password", timeout[] = "--timeout=90", text[256];
	char *argv[] = {name, timeout, text, NULL};
	posix_spawn_file_actions_t fa;
	int pfd[2], st = 0, r;
	pid_t pid;

	snprintf(text, sizeof(text), "%s", prompt);
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		errbuf_set(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], STDOUT_FILENO);
	r = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pfd[1]);
	if (r != 0) {
		close(pfd[0]);
		errbuf_set(err, errlen, "cannot run systemd-ask-password: %s", strerror(r));
		return -1;
	}
	r = read_line_fd(pfd[0], buf, cap);
	close(pfd[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (r != 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		errbuf_set(err, errlen, "systemd-ask-password gave no answer");
		secret_wipe(buf, cap);
		return -1;
	}
	return 0;
}

int secret_ask(const char *prompt, char *buf, size_t cap, char *err, size_t errlen)
{
	int r;

	switch (secret_source_now()) {
	case SECRET_TTY:
		r = ask_tty(prompt, buf, cap, err, errlen);
		break;
	case SECRET_SYSTEMD:
		r = ask_systemd(prompt, buf, cap, err, errlen);
		break;
	default:
		errbuf_set(err, errlen, "no terminal to ask on and not run by systemd");
		return -1;
	}
	if (r == 0 && buf[0] == '\0') {
		errbuf_set(err, errlen, "the answer is empty");
		r = -1;
	}
	if (r != 0)
		secret_wipe(buf, cap);
	return r;
}
