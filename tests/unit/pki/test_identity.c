/*
 * test_identity.c - identity: exactly one value from exactly the configured
 * field, kept byte for byte; missing, repeated, empty, truncated, too long,
 * invalid UTF-8 and control or formatting characters are refused. The
 * subject attributes by OID are read from certificates openssl makes here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "identity.h"
#include "tls.h"

#define N(t) (sizeof(t) / sizeof((t)[0]))

#define SERIAL_OID "2.5.4.5"

static const enum identity_source_kind all_sources[] = {
    IDENTITY_CN, IDENTITY_SAN_EMAIL, IDENTITY_SAN_URI, IDENTITY_SAN_DNS, IDENTITY_OID};

/* The source of each kind, IDENTITY_OID reading serialNumber. */
static const struct identity_source *src(enum identity_source_kind k)
{
	static const char *const names[] = {"cn", "san-email", "san-uri", "san-dns",
					    "oid:" SERIAL_OID};
	static struct identity_source s[N(names)];

	assert_true((size_t)k < N(names));
	assert_true(identity_source_parse(names[k], &s[k]));
	return &s[k];
}

static void add_attr(struct cert_info *ci, const char *oid, const char *value)
{
	struct cert_attr *a = &ci->subject_attrs[ci->n_subject_attrs++];

	snprintf(a->oid, sizeof(a->oid), "%s", oid);
	snprintf(a->value, sizeof(a->value), "%s", value);
}

/* Puts value into the field src reads (one more value each call). */
static void add(struct cert_info *ci, enum identity_source_kind kind, const char *value)
{
	char(*slot)[IDENTITY_MAX + 1];

	switch (kind) {
	case IDENTITY_CN:
		slot = &ci->subject_cn;
		break;
	case IDENTITY_SAN_EMAIL:
		slot = &ci->san_email[ci->n_email++];
		break;
	case IDENTITY_SAN_URI:
		slot = &ci->san_uri[ci->n_uri++];
		break;
	case IDENTITY_OID:
		add_attr(ci, SERIAL_OID, value);
		return;
	case IDENTITY_SAN_DNS:
	default:
		slot = &ci->san_dns[ci->n_dns++];
		break;
	}
	snprintf(*slot, sizeof(*slot), "%s", value);
}

static void test_identity_source_parse_table(void **state)
{
	static const struct {
		const char *s;
		bool ok;
		enum identity_source_kind kind;
	} cases[] = {
	    {"cn", true, IDENTITY_CN},
	    {"san-email", true, IDENTITY_SAN_EMAIL},
	    {"san-uri", true, IDENTITY_SAN_URI},
	    {"san-dns", true, IDENTITY_SAN_DNS},
	    {"oid:2.5.4.5", true, IDENTITY_OID},
	    {"oid:0.9.2342.19200300.100.1.1", true, IDENTITY_OID},
	    {"oid:1.3.6.1.4.1.99999.1", true, IDENTITY_OID},
	    {"oid:2.999", true, IDENTITY_OID},
	    {"CN", false, 0},
	    {"cn ", false, 0},
	    {"", false, 0},
	    {"san", false, 0},
	    {"san-email\n", false, 0},
	    {"email", false, 0},
	    {"ou", false, 0},
	    {"oid", false, 0},
	    {"oid:", false, 0},
	    {"OID:2.5.4.5", false, 0},
	    {"oid:2", false, 0},
	    {"oid:3.1", false, 0},
	    {"oid:2.5.04", false, 0},
	    {"oid:02.5", false, 0},
	    {"oid:2.5.", false, 0},
	    {"oid:.2.5", false, 0},
	    {"oid:2..5", false, 0},
	    {"oid:2.5.4.5 ", false, 0},
	    {"oid:2.5.-4", false, 0},
	    {"oid:serialNumber", false, 0},
	    {"oid:1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16.17.18.19.20.21.22.23.24.2", false, 0},
	};

	(void)state;
	for (size_t i = 0; i < N(cases); i++) {
		struct identity_source out = {.kind = IDENTITY_SAN_DNS};

		assert_int_equal(identity_source_parse(cases[i].s, &out), cases[i].ok);
		if (cases[i].ok) {
			assert_int_equal(out.kind, cases[i].kind);
			/* The name reads back into the same source. */
			assert_string_equal(identity_source_name(&out), cases[i].s);
		}
	}
	assert_false(identity_source_parse(NULL, &(struct identity_source){0}));
	assert_string_equal(identity_source_name(&(struct identity_source){.kind = 99}), "?");
}

static void test_identity_oid_valid_lengths(void **state)
{
	char oid[IDENTITY_OID_MAX + 1];
	const char *why = NULL;

	(void)state;
	/* "1.1.1...": 63 characters is the longest accepted. */
	for (size_t i = 0; i < sizeof(oid) - 1; i++)
		oid[i] = i % 2 == 0 ? '1' : '.';
	oid[IDENTITY_OID_MAX - 1] = '\0';
	assert_true(identity_oid_valid(oid, &why));
	oid[IDENTITY_OID_MAX - 1] = '.';
	oid[IDENTITY_OID_MAX] = '\0';
	assert_false(identity_oid_valid(oid, &why));
	assert_non_null(strstr(why, "63"));
	assert_false(identity_oid_valid(NULL, &why));
}

static void test_identity_from_cert_each_source(void **state)
{
	static const char *const want[] = {"cn-value", "alice@example.com", "spiffe://corp/alice",
					   "alice.corp.example", "EMP-42"};

	(void)state;
	for (size_t i = 0; i < N(all_sources); i++) {
		struct cert_info ci;
		char out[IDENTITY_MAX + 1];
		const char *why = NULL;

		memset(&ci, 0, sizeof(ci));
		add(&ci, IDENTITY_CN, "cn-value");
		add(&ci, IDENTITY_SAN_EMAIL, "alice@example.com");
		add(&ci, IDENTITY_SAN_URI, "spiffe://corp/alice");
		add(&ci, IDENTITY_SAN_DNS, "alice.corp.example");
		add_attr(&ci, "2.5.4.10", "Corp"); /* another OID, not read */
		add(&ci, IDENTITY_OID, "EMP-42");
		assert_true(identity_from_cert(&ci, src(all_sources[i]), out, &why));
		assert_string_equal(out, want[i]);
	}
}

/* The configured field missing is a refusal even when others hold a name:
 * never fall back. */
static void test_identity_from_cert_missing_never_falls_back(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(all_sources); i++) {
		struct cert_info ci;
		char out[IDENTITY_MAX + 1] = "untouched";
		const char *why = NULL;

		memset(&ci, 0, sizeof(ci));
		for (size_t j = 0; j < N(all_sources); j++)
			if (j != i)
				add(&ci, all_sources[j], "someone");
		assert_false(identity_from_cert(&ci, src(all_sources[i]), out, &why));
		assert_non_null(why);
		assert_string_equal(out, "untouched");
	}
}

static void test_identity_from_cert_several_values(void **state)
{
	(void)state;
	for (size_t i = 1; i < N(all_sources); i++) { /* CN holds one value */
		for (unsigned n = 2; n <= CERT_MAX_NAMES; n += CERT_MAX_NAMES - 2) {
			struct cert_info ci;
			char out[IDENTITY_MAX + 1];
			const char *why = NULL;

			memset(&ci, 0, sizeof(ci));
			for (unsigned k = 0; k < n; k++)
				add(&ci, all_sources[i], "same-value"); /* even identical */
			assert_false(identity_from_cert(&ci, src(all_sources[i]), out, &why));
			assert_non_null(strstr(why, "more than one"));
		}
	}
}

static void test_identity_from_cert_empty_value(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(all_sources); i++) {
		struct cert_info ci;
		char out[IDENTITY_MAX + 1];
		const char *why = NULL;

		memset(&ci, 0, sizeof(ci));
		add(&ci, all_sources[i], "");
		assert_false(identity_from_cert(&ci, src(all_sources[i]), out, &why));
		assert_non_null(why);
	}
}

static void test_identity_from_cert_truncated(void **state)
{
	struct cert_info ci;
	char out[IDENTITY_MAX + 1];
	const char *why = NULL;

	(void)state;
	memset(&ci, 0, sizeof(ci));
	add(&ci, IDENTITY_CN, "alice");
	ci.truncated = true;
	assert_false(identity_from_cert(&ci, src(IDENTITY_CN), out, &why));
	assert_non_null(why);
}

static void test_identity_from_cert_lengths(void **state)
{
	struct cert_info ci;
	char out[IDENTITY_MAX + 1], v[IDENTITY_MAX + 1];
	const char *why = NULL;

	(void)state;
	memset(&ci, 0, sizeof(ci));
	memset(v, 'x', IDENTITY_MAX);
	v[IDENTITY_MAX] = '\0';
	add(&ci, IDENTITY_CN, v);
	assert_true(identity_from_cert(&ci, src(IDENTITY_CN), out, &why));
	assert_int_equal(strlen(out), IDENTITY_MAX);
	/* A field filled without a terminator is refused, not overread. */
	memset(ci.subject_cn, 'x', sizeof(ci.subject_cn));
	assert_false(identity_from_cert(&ci, src(IDENTITY_CN), out, &why));
	assert_non_null(why);
}

/* Case and multi-byte characters are kept exactly as the cert has them. */
static void test_identity_from_cert_kept_byte_for_byte(void **state)
{
	static const char *const values[] = {
	    "Alice.Smith@Example.COM",
	    "J\xc3\xbcrgen M\xc3\xbcller", /* Jürgen Müller */
	    "\xe7\x94\xb0\xe4\xb8\xad",	   /* 田中 */
	    "\xf0\x9f\x94\x91-key",	   /* U+1F511 */
	    "\xf4\x8f\xbf\xbf",		   /* U+10FFFF, the last */
	    "\xc2\xa0nbsp",		   /* U+00A0, first after C1 */
	    "a b",			   /* space is printable */
	    "\xef\xbb\xbf"
	    "bom", /* U+FEFF is not refused */
	};

	(void)state;
	for (size_t i = 0; i < N(values); i++) {
		struct cert_info ci;
		char out[IDENTITY_MAX + 1];
		const char *why = NULL;

		memset(&ci, 0, sizeof(ci));
		add(&ci, IDENTITY_SAN_EMAIL, values[i]);
		if (!identity_from_cert(&ci, src(IDENTITY_SAN_EMAIL), out, &why))
			fail_msg("refused value %zu: %s", i, why);
		assert_memory_equal(out, values[i], strlen(values[i]) + 1);
	}
}

static const struct {
	const char *name;
	const char *s;
} refused[] = {
    {"C0 newline", "alice\nbob"},
    {"C0 carriage return", "alice\r"},
    {"C0 tab", "al\tice"},
    {"C0 escape", "\x1b[31malice"},
    {"C0 first", "\x01"},
    {"C0 unit separator", "\x1f"},
    {"DEL", "alice\x7f"},
    {"C1 U+0085 NEL", "alice\xc2\x85"},
    {"C1 U+009B CSI", "\xc2\x9b"
		      "31m"},
    {"C1 U+0080", "\xc2\x80"},
    {"line separator U+2028", "a\xe2\x80\xa8"},
    {"paragraph separator U+2029", "a\xe2\x80\xa9"},
    {"bidi override U+202E", "\xe2\x80\xae"
			     "ecila"},
    {"bidi isolate U+2066", "\xe2\x81\xa6"
			    "a"},
    {"stray continuation", "\x80"},
    {"continuation after ASCII", "a\xbf"},
    {"lead C0 (overlong)", "\xc0\xaf"},
    {"lead C1 (overlong)", "\xc1\xbf"},
    {"overlong 3-byte slash", "\xe0\x80\xaf"},
    {"overlong 3-byte max", "\xe0\x9f\xbf"},
    {"overlong 4-byte", "\xf0\x8f\xbf\xbf"},
    {"overlong NUL", "\xc0\x80"},
    {"surrogate high", "\xed\xa0\x80"},
    {"surrogate low", "\xed\xbf\xbf"},
    {"above U+10FFFF", "\xf4\x90\x80\x80"},
    {"lead F5", "\xf5\x80\x80\x80"},
    {"lead FF", "\xff"},
    {"lead FE", "\xfe"},
    {"5-byte form", "\xf8\x88\x80\x80\x80"},
    {"truncated 2-byte", "a\xc3"},
    {"truncated 3-byte", "\xe7\x94"},
    {"truncated 4-byte", "\xf0\x9f\x94"},
    {"lead then ASCII", "\xc3"
			"a"},
    {"missing continuation mid", "\xe7"
				 "a"
				 "\x94"},
};

static void test_identity_valid_refuses_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(refused); i++) {
		struct cert_info ci;
		char out[IDENTITY_MAX + 1];
		const char *why = NULL;

		if (identity_valid(refused[i].s, strlen(refused[i].s), &why))
			fail_msg("identity_valid accepted %s", refused[i].name);
		assert_non_null(why);
		/* The same through a certificate, in every field. */
		for (size_t j = 0; j < N(all_sources); j++) {
			memset(&ci, 0, sizeof(ci));
			add(&ci, all_sources[j], refused[i].s);
			if (identity_from_cert(&ci, src(all_sources[j]), out, &why))
				fail_msg("identity_from_cert accepted %s", refused[i].name);
		}
	}
}

static void test_identity_valid_lengths_and_nul(void **state)
{
	char v[IDENTITY_MAX + 2];
	const char *why = NULL;

	(void)state;
	memset(v, 'a', sizeof(v));
	assert_true(identity_valid(v, IDENTITY_MAX, &why));
	assert_false(identity_valid(v, IDENTITY_MAX + 1, &why));
	assert_non_null(strstr(why, "longer"));
	assert_false(identity_valid(v, 0, &why));
	assert_false(identity_valid(NULL, 3, &why));
	/* An embedded NUL is a control character, not an end. */
	assert_false(identity_valid("ali\0ce", 6, &why));
	assert_true(identity_valid("ali\0ce", 3, NULL));
	/* A multi-byte character cut by len is invalid. */
	assert_false(identity_valid("\xc3\xbc", 1, &why));
}

/* identity = oid: reads exactly the attribute with that OID: not a
 * prefix of it, not another one, never a fallback to the CN. */
static void test_identity_from_cert_oid(void **state)
{
	struct identity_source custom;
	struct cert_info ci;
	char out[IDENTITY_MAX + 1];
	const char *why = NULL;

	(void)state;
	assert_true(identity_source_parse("oid:1.3.6.1.4.1.99999.1", &custom));
	memset(&ci, 0, sizeof(ci));
	add(&ci, IDENTITY_CN, "alice");
	add_attr(&ci, "1.3.6.1.4.1.99999.10", "not-me");
	add_attr(&ci, "1.3.6.1.4.1.99999", "nor-me");
	assert_false(identity_from_cert(&ci, &custom, out, &why));
	assert_non_null(strstr(why, "no attribute"));
	add_attr(&ci, "1.3.6.1.4.1.99999.1", "Alice.Smith");
	assert_true(identity_from_cert(&ci, &custom, out, &why));
	assert_string_equal(out, "Alice.Smith"); /* case kept */
	add_attr(&ci, "1.3.6.1.4.1.99999.1", "Alice.Smith");
	assert_false(identity_from_cert(&ci, &custom, out, &why));
	assert_non_null(strstr(why, "ambiguous"));

	/* Unicode kept byte for byte; an unreadable string type refused. */
	memset(&ci, 0, sizeof(ci));
	add(&ci, IDENTITY_OID, "J\xc3\xbcrgen-\xe7\x94\xb0\xe4\xb8\xad");
	assert_true(identity_from_cert(&ci, src(IDENTITY_OID), out, &why));
	assert_string_equal(out, "J\xc3\xbcrgen-\xe7\x94\xb0\xe4\xb8\xad");
	ci.subject_attrs[0].unreadable = true;
	assert_false(identity_from_cert(&ci, src(IDENTITY_OID), out, &why));
	assert_non_null(strstr(why, "UTF8String"));
}

/* Makes dir/name.crt with openssl for subject, its strings chosen by
 * string_mask (utf8only: UTF8String; pkix: BMPString for non-ASCII;
 * default: T61String for Latin-1), and reads it into *ci. */
static void openssl_cert_mask(const char *dir, const char *name, const char *subject,
			      const char *mask, struct cert_info *ci)
{
	char cmd[1024], path[512], err[256];

	/* The system openssl.cnf makes req skip attribute types it has no
	 * name for; a file naming the custom OID keeps them. */
	snprintf(path, sizeof(path), "%s/req.cnf", dir);
	snprintf(cmd, sizeof(cmd),
		 "printf 'oid_section = oids\\n[oids]\\nemployeeId = 1.3.6.1.4.1.99999.1\\n"
		 "[req]\\ndistinguished_name = dn\\nstring_mask = %s\\n[dn]\\n' > %s",
		 mask, path);
	assert_int_equal(system(cmd), 0);
	snprintf(path, sizeof(path), "%s/%s.crt", dir, name);
	snprintf(cmd, sizeof(cmd),
		 "openssl req -config %s/req.cnf -x509 -newkey ec -pkeyopt "
		 "ec_paramgen_curve:P-256 -nodes -keyout %s/%s.key -out %s -days 2 -utf8 "
		 "-subj '%s' >/dev/null 2>&1",
		 dir, dir, name, path, subject);
	assert_int_equal(system(cmd), 0);
	if (!tls_cert_info_from_file(path, ci, err, sizeof(err)))
		fail_msg("%s: %s", path, err);
}

static void openssl_cert(const char *dir, const char *name, const char *subject,
			 struct cert_info *ci)
{
	openssl_cert_mask(dir, name, subject, "utf8only", ci);
}

static const char *attr(const struct cert_info *ci, unsigned i, const char *oid)
{
	assert_true(i < ci->n_subject_attrs);
	assert_string_equal(ci->subject_attrs[i].oid, oid);
	assert_false(ci->subject_attrs[i].unreadable);
	return ci->subject_attrs[i].value;
}

/* The subject Name read from the DER, attribute types wolfSSL does not
 * know included, in the certificate's order. */
static void test_tls_cert_info_subject_attrs(void **state)
{
	char dir[] = "/tmp/test_identity.XXXXXX", cmd[600];
	struct cert_info ci;
	char out[IDENTITY_MAX + 1];
	const char *why = NULL;
	struct identity_source custom;

	(void)state;
	assert_non_null(mkdtemp(dir));

	openssl_cert(dir, "serial", "/CN=x/serialNumber=EMP-42/OU=a/OU=b", &ci);
	assert_int_equal(ci.n_subject_attrs, 4);
	assert_string_equal(attr(&ci, 0, "2.5.4.3"), "x");
	assert_string_equal(attr(&ci, 1, SERIAL_OID), "EMP-42");
	assert_string_equal(attr(&ci, 2, "2.5.4.11"), "a");
	assert_string_equal(attr(&ci, 3, "2.5.4.11"), "b");
	assert_false(ci.truncated);
	assert_true(identity_from_cert(&ci, src(IDENTITY_OID), out, &why));
	assert_string_equal(out, "EMP-42");

	openssl_cert(dir, "custom", "/1.3.6.1.4.1.99999.1=alice/CN=y", &ci);
	assert_int_equal(ci.n_subject_attrs, 2);
	assert_string_equal(attr(&ci, 0, "1.3.6.1.4.1.99999.1"), "alice");
	assert_string_equal(attr(&ci, 1, "2.5.4.3"), "y");
	assert_true(identity_source_parse("oid:1.3.6.1.4.1.99999.1", &custom));
	assert_true(identity_from_cert(&ci, &custom, out, &why));
	assert_string_equal(out, "alice");
	/* No serialNumber: refused, never the CN. */
	assert_false(identity_from_cert(&ci, src(IDENTITY_OID), out, &why));
	assert_non_null(strstr(why, "no attribute"));

	openssl_cert(dir, "twice", "/CN=z/serialNumber=A/serialNumber=B", &ci);
	assert_false(identity_from_cert(&ci, src(IDENTITY_OID), out, &why));
	assert_non_null(strstr(why, "ambiguous"));

	/* A UTF8String kept as it is; a BMPString converted to the same. */
	openssl_cert(dir, "utf8", "/1.3.6.1.4.1.99999.1=J\xc3\xbcrgen-\xe7\x94\xb0/CN=u", &ci);
	assert_true(identity_from_cert(&ci, &custom, out, &why));
	assert_string_equal(out, "J\xc3\xbcrgen-\xe7\x94\xb0");
	openssl_cert_mask(dir, "bmp", "/1.3.6.1.4.1.99999.1=J\xc3\xbcrgen-\xe7\x94\xb0/CN=u",
			  "pkix", &ci);
	assert_true(identity_from_cert(&ci, &custom, out, &why));
	assert_string_equal(out, "J\xc3\xbcrgen-\xe7\x94\xb0");
	/* A T61String is refused, never guessed at. */
	openssl_cert_mask(dir, "t61", "/1.3.6.1.4.1.99999.1=J\xc3\xbcrgen/CN=u", "default", &ci);
	assert_int_equal(ci.n_subject_attrs, 2);
	assert_true(ci.subject_attrs[0].unreadable);
	assert_false(identity_from_cert(&ci, &custom, out, &why));
	assert_non_null(strstr(why, "UTF8String"));

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_identity_source_parse_table),
	    cmocka_unit_test(test_identity_oid_valid_lengths),
	    cmocka_unit_test(test_identity_from_cert_each_source),
	    cmocka_unit_test(test_identity_from_cert_missing_never_falls_back),
	    cmocka_unit_test(test_identity_from_cert_several_values),
	    cmocka_unit_test(test_identity_from_cert_empty_value),
	    cmocka_unit_test(test_identity_from_cert_truncated),
	    cmocka_unit_test(test_identity_from_cert_lengths),
	    cmocka_unit_test(test_identity_from_cert_kept_byte_for_byte),
	    cmocka_unit_test(test_identity_valid_refuses_table),
	    cmocka_unit_test(test_identity_valid_lengths_and_nul),
	    cmocka_unit_test(test_identity_from_cert_oid),
	    cmocka_unit_test(test_tls_cert_info_subject_attrs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
