/*
 * test_p11uri.c - RFC 7512 URIs: the RFC's own examples and the forms
 * mtlsvpn documents parse into the right fields; malformed, ambiguous or
 * oversized ones are refused with a reason; the formatted URI parses back
 * to the same key and never carries the PIN.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "p11uri.h"

static void test_p11uri_parse_token_object_id_pin(void **state)
{
	struct p11uri u;
	char err[256] = "";

	(void)state;
	assert_true(p11uri_parse("pkcs11:token=mtlsvpn;object=alice%20key;id=%01%a2;type=private"
				 "?pin-value=1234",
				 &u, err, sizeof(err)));
	assert_string_equal(u.token, "mtlsvpn");
	assert_string_equal(u.object, "alice key");
	assert_int_equal(u.id_len, 2);
	assert_int_equal(u.id[0], 0x01);
	assert_int_equal(u.id[1], 0xa2);
	assert_int_equal(u.type, P11URI_TYPE_PRIVATE);
	assert_string_equal(u.pin_value, "1234");
	assert_string_equal(u.pin_source, "");
	p11uri_wipe(&u);
	assert_int_equal(u.pin_value[0], 0);
}

static void test_p11uri_parse_rfc7512_examples(void **state)
{
	static const char *const ok[] = {
	    "pkcs11:object=my-pubkey;type=public",
	    "pkcs11:object=my-key;type=private?pin-source=file:/etc/token",
	    "pkcs11:token=The%20Software%20PKCS%2311%20Softtoken;manufacturer=Snake%20Oil,%20Inc.;"
	    "model=1.0;object=my-certificate;type=cert;id=%69%95%3E%5C%F4%BD%EC%91;"
	    "serial=?pin-source=file:/etc/token_pin",
	    "pkcs11:object=my-sign-key;type=private?module-name=mypkcs11",
	    "pkcs11:object=my-sign-key;type=private?module-path=/mnt/libmypkcs11.so.1",
	    "pkcs11:token=Software%20PKCS%2311%20softtoken;manufacturer=Snake%20Oil,%20Inc.?"
	    "pin-value=the-pin&id=x",
	    "pkcs11:slot-description=Sun%20Metaslot;id=%01",
	    "pkcs11:library-manufacturer=Snake%20Oil,%20Inc.;library-description=Soft%20Token;"
	    "library-version=1;object=my-token",
	    "pkcs11:token=A%20name%20with%20a%20substring%20%25%3B;object=my-certificate;type=cert",
	    "pkcs11:token=Name%20with%20a%20small%20A%20with%20acute:%20%C3%A1;object=my-certificate;"
	    "type=cert",
	    "pkcs11:token=my-token;object=my-certificate;type=cert;vendor-aaa=value-a?pin-source="
	    "file:/etc/token_pin&vendor-bbb=value-b",
	};
	struct p11uri u;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		bool r = p11uri_parse(ok[i], &u, err, sizeof(err));
		/* type=cert/public: parsed, then refused as not a private key; the
		 * vendor attributes of the last example are not "x-" ones; the
		 * sixth puts id after '?'; the acute token label is too long. */
		if (strstr(ok[i], "acute") != NULL) /* 34 bytes: over a label's 32 */
			assert_true(!r && strstr(err, "token: the value is too long") != NULL);
		else if (strstr(ok[i], "vendor-aaa") != NULL)
			assert_true(!r && strstr(err, "'vendor-aaa' is unknown") != NULL);
		else if (strstr(ok[i], "type=cert") != NULL || strstr(ok[i], "type=public") != NULL)
			assert_true(!r && strstr(err, "type=private") != NULL);
		else if (strstr(ok[i], "&id=") != NULL)
			assert_true(!r && strstr(err, "'id' belongs before") != NULL);
		else if (strstr(ok[i], "object=") == NULL && strstr(ok[i], "id=") == NULL)
			assert_false(r);
		else if (!r)
			fail_msg("%s: %s", ok[i], err);
	}
	assert_true(p11uri_parse("pkcs11:object=k?pin-source=file:/etc/token", &u, err,
				 sizeof(err)));
	assert_string_equal(u.pin_source, "/etc/token");
	assert_true(p11uri_parse("PKCS11:object=k;x-vendor=1;slot-id=3?module-path=/usr/lib/p.so",
				 &u, err, sizeof(err)));
	assert_true(u.has_slot_id);
	assert_int_equal(u.slot_id, 3);
	assert_string_equal(u.module_path, "/usr/lib/p.so");
}

static void test_p11uri_parse_refusals(void **state)
{
	static const struct {
		const char *uri, *why;
	} bad[] = {
	    {"file:/etc/key", "not a PKCS#11 URI"},
	    {"pkcs11:", "name the key"},
	    {"pkcs11:token=t", "name the key"},
	    {"pkcs11:object=k;object=j", "'object' is given twice"},
	    {"pkcs11:objekt=k", "'objekt' is unknown"},
	    {"pkcs11:object=k;pin-value=1", "'pin-value' belongs after"},
	    {"pkcs11:object=a%2", "object: bad character"},
	    {"pkcs11:object=a%zz", "object: bad character"},
	    {"pkcs11:object=a b", "object: bad character"},
	    {"pkcs11:object=a%00b", "object: bad character"},
	    {"pkcs11:object", "not an attribute=value pair"},
	    {"pkcs11:=x;object=k", "not an attribute=value pair"},
	    {"pkcs11:object=k?pin-value=1&pin-source=/p", "not both"},
	    {"pkcs11:object=k?pin-source=relative", "absolute file path"},
	    {"pkcs11:object=k?module-path=lib.so", "module-path: give an absolute path"},
	    {"pkcs11:object=k;type=secret-key", "type=private"},
	    {"pkcs11:object=k;type=other", "type: 'other' is not"},
	    {"pkcs11:object=k;slot-id=-1", "slot-id: '-1' is not"},
	    {"pkcs11:token=123456789012345678901234567890123;object=k", "token: the value is too"},
	};
	struct p11uri u;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (p11uri_parse(bad[i].uri, &u, err, sizeof(err)))
			fail_msg("%s: accepted", bad[i].uri);
		if (strstr(err, bad[i].why) == NULL)
			fail_msg("%s: '%s', want '%s'", bad[i].uri, err, bad[i].why);
	}
}

static void test_p11uri_parse_id_and_length_bounds(void **state)
{
	char uri[P11URI_MAX + 64], err[256];
	struct p11uri u;
	size_t n;

	(void)state;
	/* 64 id bytes fit, 65 do not. */
	n = (size_t)snprintf(uri, sizeof(uri), "pkcs11:id=");
	for (int i = 0; i < P11URI_ID_MAX; i++)
		n += (size_t)snprintf(uri + n, sizeof(uri) - n, "%%%02x", i);
	assert_true(p11uri_parse(uri, &u, err, sizeof(err)));
	assert_int_equal(u.id_len, P11URI_ID_MAX);
	assert_int_equal(u.id[63], 63);
	snprintf(uri + n, sizeof(uri) - n, "%%40");
	assert_false(p11uri_parse(uri, &u, err, sizeof(err)));
	assert_non_null(strstr(err, "id: the value is too long"));
	/* A URI over P11URI_MAX bytes. */
	memset(uri, 'a', sizeof(uri));
	memcpy(uri, "pkcs11:object=", 14);
	uri[P11URI_MAX + 1] = '\0';
	assert_false(p11uri_parse(uri, &u, err, sizeof(err)));
	assert_non_null(strstr(err, "longer than"));
}

static void test_p11uri_format_round_trip_without_pin(void **state)
{
	struct p11uri u, v;
	char out[P11URI_MAX + 1], err[256];
	size_t n;

	(void)state;
	assert_true(p11uri_parse("pkcs11:token=My%20Token;object=a;b;id=%00%ff;slot-id=7"
				 "?pin-value=secret&module-path=/usr/lib/softhsm/libsofthsm2.so",
				 &u, err, sizeof(err)) == false);
	assert_true(p11uri_parse("pkcs11:token=My%20Token;object=a%3Bb;id=%00%ff;slot-id=7"
				 "?pin-value=secret&module-path=/usr/lib/softhsm/libsofthsm2.so",
				 &u, err, sizeof(err)));
	n = p11uri_format(&u, out, sizeof(out));
	assert_true(n > 0);
	assert_string_equal(out, "pkcs11:token=My%20Token;object=a%3Bb;id=%00%FF;slot-id=7"
				 "?module-path=/usr/lib/softhsm/libsofthsm2.so");
	assert_null(strstr(out, "secret"));
	assert_true(p11uri_parse(out, &v, err, sizeof(err)));
	assert_memory_equal(v.id, u.id, u.id_len);
	assert_string_equal(v.object, u.object);
	assert_string_equal(v.token, u.token);
	/* Too small a buffer: 0, never a cut URI. */
	assert_int_equal(p11uri_format(&u, out, 20), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_p11uri_parse_token_object_id_pin),
	    cmocka_unit_test(test_p11uri_parse_rfc7512_examples),
	    cmocka_unit_test(test_p11uri_parse_refusals),
	    cmocka_unit_test(test_p11uri_parse_id_and_length_bounds),
	    cmocka_unit_test(test_p11uri_format_round_trip_without_pin),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
