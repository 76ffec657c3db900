/*
 * config_profile.c - writes the client profile (format in
 * config_profile.h). Every value is checked to survive the INI round trip
 * unchanged (no control bytes, quotes, ';' or '#'), so what the client
 * reads back is exactly what was embedded. Pure: errors go to a buffer.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "certgen.h"
#include "errbuf.h"
#include "config_profile.h"

struct out {
	char *b;
	size_t len, cap;
	bool fail;
};

__attribute__((format(printf, 2, 3))) static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->fail)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(o->b + o->len, o->cap - o->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			o->fail = true;
			return;
		}
		if ((size_t)n < o->cap - o->len) {
			o->len += (size_t)n;
			return;
		}
		/* Grow by copying, so nothing old is left unwiped in freed
		 * memory (the buffer will hold a private key). */
		size_t cap = (o->cap + (size_t)n + 1) * 2;
		char *nb = malloc(cap);

		if (nb == NULL) {
			o->fail = true;
			return;
		}
		memcpy(nb, o->b, o->len);
		explicit_bzero(o->b, o->cap);
		free(o->b);
		o->b = nb;
		o->cap = cap;
	}
}

/* A value iniparser returns unchanged: printable ASCII without quotes,
 * ';' or '#', no leading or trailing space. */
static bool ini_safe(const char *s, size_t n)
{
	if (n == 0 || s[0] == ' ' || s[n - 1] == ' ')
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c >= 0x7f || c == '"' || c == '\'' || c == ';' || c == '#')
			return false;
	}
	return true;
}

static bool put_pem(struct out *o, const char *section, const char *pem, char *err, size_t errlen)
{
	unsigned n = 0;

	put(o, "\n[%s]\n", section);
	for (const char *p = pem; *p != 0;) {
		size_t ll = strcspn(p, "\r\n");

		if (ll > 0) {
			if (ll > CONFIG_PROFILE_PEM_LINE_MAX || !ini_safe(p, ll)) {
				errbuf_set(err, errlen,
				       "the %s PEM has a line that cannot be embedded (longer than "
				       "%d characters or holding unusual characters)",
				       section, CONFIG_PROFILE_PEM_LINE_MAX);
				return false;
			}
			put(o, "pem%u = %.*s\n", ++n, (int)ll, p);
		}
		p += ll;
		p += strspn(p, "\r\n");
	}
	if (n == 0) {
		errbuf_set(err, errlen, "the %s PEM is empty", section);
		return false;
	}
	return true;
}

char *config_profile_format(const struct config_profile *p, size_t *len, char *err, size_t errlen)
{
	struct out o = {0};
	char date[32];
	time_t now = time(NULL);
	struct tm tm;

	if (p->gateway == NULL || !ini_safe(p->gateway, strlen(p->gateway)) ||
	    (p->server_name != NULL && !ini_safe(p->server_name, strlen(p->server_name)))) {
		errbuf_set(err, errlen,
		       "the gateway or server name holds characters an INI value "
		       "cannot carry");
		return NULL;
	}
	if (p->ca_pem == NULL || p->cert_pem == NULL || p->key_pem == NULL) {
		errbuf_set(err, errlen, "a profile needs the CA, the certificate and the key");
		return NULL;
	}
	if (gmtime_r(&now, &tm) == NULL || strftime(date, sizeof(date), "%Y-%m-%d", &tm) == 0)
		snprintf(date, sizeof(date), "?");
	o.cap = 4096;
	o.b = malloc(o.cap);
	if (o.b == NULL) {
		errbuf_set(err, errlen, "out of memory");
		return NULL;
	}
	o.b[0] = 0;
	/* The identity goes into a comment only: control bytes are dropped
	 * so it cannot start a new line. */
	put(&o, "# mtlsvpn client profile for \"");
	for (const char *s = p->identity != NULL ? p->identity : "?"; *s != 0; s++)
		put(&o, "%c", (unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
	put(&o,
	    "\", made by mtlsvpnctl on %s.\n"
	    "# It holds a private key: keep it mode 0600 and private to its owner.\n"
	    "# Use it as is: mtlsvpn-client -c THIS-FILE\n"
	    "[client]\ngateway = %s\n",
	    date, p->gateway);
	if (p->server_name != NULL)
		put(&o, "server_name = %s\n", p->server_name);
	if (!put_pem(&o, "ca", p->ca_pem, err, errlen) ||
	    !put_pem(&o, "cert", p->cert_pem, err, errlen) ||
	    !put_pem(&o, "key", p->key_pem, err, errlen) || o.fail) {
		if (o.fail)
			errbuf_set(err, errlen, "out of memory");
		explicit_bzero(o.b, o.cap);
		free(o.b);
		return NULL;
	}
	*len = o.len;
	return o.b;
}

int config_profile_write(const char *path, const struct config_profile *p, char *err, size_t errlen)
{
	size_t len = 0;
	char *text = config_profile_format(p, &len, err, errlen);
	int rc;

	if (text == NULL)
		return -1;
	rc = certgen_file_write(path, text, len, 0600, true, err, errlen);
	explicit_bzero(text, len);
	free(text);
	return rc;
}
