/*
 * test_oc_xml.c - the config-auth scanner: the exact documents openconnect
 * 9.01 posts (auth.c xmlpost_initial_req and xmlpost_append_form_opts, as
 * libxml2 writes them), the XML forms a bounded scanner must still take,
 * and a table of documents it must refuse.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "oc_xml.h"

static int parse(const char *doc, struct oc_auth_req *r, const char **why)
{
	size_t n = strlen(doc);
	uint8_t *copy = malloc(n > 0 ? n : 1); /* exactly n bytes, for ASan */
	int rc;

	memcpy(copy, doc, n);
	*why = NULL;
	rc = oc_xml_auth_parse(copy, n, r, why);
	free(copy);
	return rc;
}

static void test_oc_xml_auth_parse_openconnect_init(void **state)
{
	static const char doc[] =
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<config-auth client=\"vpn\" type=\"init\" aggregate-auth-version=\"2\">"
		"<version who=\"vpn\">v9.01</version><device-id>linux-64</device-id>"
		"<capabilities><auth-method>single-sign-on</auth-method>"
		"<auth-method>single-sign-on-v2</auth-method>"
		"<auth-method>single-sign-on-external-browser</auth-method></capabilities>"
		"<group-access>https://vpn.example.com:8443/</group-access>"
		"<group-select>staff</group-select></config-auth>\n";
	struct oc_auth_req r;
	const char *why;

	(void)state;
	assert_int_equal(parse(doc, &r, &why), 0);
	assert_int_equal(r.type, OC_AUTH_INIT);
	assert_string_equal(r.version, "v9.01");
	assert_string_equal(r.device_id, "linux-64");
	assert_string_equal(r.group_access, "https://vpn.example.com:8443/");
	assert_string_equal(r.group_select, "staff");
}

/* The reply to a form, with a mobile device-id's attributes. */
static void test_oc_xml_auth_parse_openconnect_reply(void **state)
{
	static const char doc[] =
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<config-auth client=\"vpn\" type=\"auth-reply\" aggregate-auth-version=\"2\">"
		"<version who=\"vpn\">v9.01</version>"
		"<device-id platform-version=\"14\" device-type=\"phone\" unique-id=\"ab&amp;cd\">"
		"android</device-id>"
		"<capabilities><auth-method>single-sign-on-v2</auth-method></capabilities>"
		"<opaque is-for=\"sg\"><tunnel-group>x</tunnel-group></opaque>"
		"<auth><username>alice</username><password>p&lt;&gt;</password></auth>"
		"</config-auth>\n";
	struct oc_auth_req r;
	const char *why;

	(void)state;
	assert_int_equal(parse(doc, &r, &why), 0);
	assert_int_equal(r.type, OC_AUTH_REPLY);
	assert_string_equal(r.device_id, "android");
	assert_string_equal(r.group_access, "");
	assert_string_equal(r.group_select, "");
}

static const struct good_case {
	const char *doc;
	enum oc_auth_type type;
	const char *version;
} good_cases[] = {
	{"<config-auth client=\"vpn\" type=\"logout\"/>", OC_AUTH_LOGOUT, ""},
	{"<config-auth client='vpn' type='init'></config-auth>", OC_AUTH_INIT, ""},
	{"<config-auth type=\"auth-request\" client=\"vpn\"></config-auth>", OC_AUTH_OTHER, ""},
	{"<config-auth client=\"vpn\"><version>1</version></config-auth>", OC_AUTH_OTHER, "1"},
	{"\xef\xbb\xbf<?xml version='1.0'?><config-auth client=\"vpn\" type=\"init\"/>",
	 OC_AUTH_INIT, ""},
	{"<!-- a -- b? no --><config-auth client=\"vpn\"/>", OC_AUTH_OTHER, NULL}, /* refused */
	{"<!-- c --><config-auth client = \"vpn\" type\n=\n'init' >"
	 "<!-- d --><version who=\"vpn\">a&#65;&#x42;&#xe9;&#x1F600;&quot;&apos;</version>"
	 "</config-auth >\n<!-- e -->\n",
	 OC_AUTH_INIT, "aAB\xc3\xa9\xf0\x9f\x98\x80\"'"},
	{"<config-auth client=\"vpn\"><version>a<b>ignored</b>c</version></config-auth>",
	 OC_AUTH_OTHER, "ac"},
	{"<config-auth client=\"vpn\"><version>old</version><version>new</version></config-auth>",
	 OC_AUTH_OTHER, "new"},
	{"<config-auth client=\"vpn\"><x><version>deep</version></x></config-auth>",
	 OC_AUTH_OTHER, ""},
	{"<config-auth client=\"vpn\"><version>caf\xc3\xa9 \xff</version></config-auth>",
	 OC_AUTH_OTHER, "caf\xc3\xa9 \xff"},
};

static void test_oc_xml_auth_parse_good_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(good_cases) / sizeof(good_cases[0]); i++) {
		const struct good_case *g = &good_cases[i];
		struct oc_auth_req r;
		const char *why;
		int rc = parse(g->doc, &r, &why);

		if (g->version == NULL) {
			if (rc != -1)
				fail_msg("case %zu: accepted", i);
			continue;
		}
		if (rc != 0)
			fail_msg("case %zu: refused: %s", i, why);
		assert_int_equal(r.type, g->type);
		assert_string_equal(r.version, g->version);
	}
}

static const char *const bad_docs[] = {
	"",
	"   ",
	"<config-auth client=\"vpn\">",
	"<config-auth client=\"vpn\"></config-aut>",
	"<config-auth client=\"vpn\"><a></b></config-auth>",
	"<config-auth client=\"vpn\"></config-auth></x>",
	"<config-auth client=\"vpn\"/><config-auth client=\"vpn\"/>",
	"<config-auth client=\"vpn\"/>trailing",
	"text<config-auth client=\"vpn\"/>",
	"<config-auth/>",
	"<config-auth client=\"web\"/>",
	"<auth client=\"vpn\"/>",
	"<!DOCTYPE x [<!ENTITY e \"y\">]><config-auth client=\"vpn\"/>",
	"<config-auth client=\"vpn\"><![CDATA[x]]></config-auth>",
	"<config-auth client=\"vpn\"><!ENTITY e \"y\"></config-auth>",
	"<config-auth client=\"vpn\"><?php x?></config-auth>",
	"<config-auth client=\"vpn\"/><?xml version=\"1.0\"?>",
	" <?xml version=\"1.0\"?><config-auth client=\"vpn\"/>",
	"<?xml-stylesheet href=\"a\"?><config-auth client=\"vpn\"/>",
	"<config-auth client=\"vpn\">&e;</config-auth>",
	"<config-auth client=\"vpn\">&amp</config-auth>",
	"<config-auth client=\"vpn\">&#0;</config-auth>",
	"<config-auth client=\"vpn\">&#xD800;</config-auth>",
	"<config-auth client=\"vpn\">&#x110000;</config-auth>",
	"<config-auth client=\"vpn\">&#12345678;</config-auth>",
	"<config-auth client=\"vpn\">&#;</config-auth>",
	"<config-auth client=\"vpn\">&#xg;</config-auth>",
	"<config-auth client=\"vpn\">\x01</config-auth>",
	"<config-auth client=\"vpn\" client=\"vpn\"/>",
	"<config-auth client=vpn/>",
	"<config-auth client/>",
	"<config-auth client=\"vpn\"type=\"init\"/>",
	"<config-auth client=\"v<n\"/>",
	"<config-auth client=\"vpn",
	"<config-auth client=\"vpn\" <a/>",
	"<1config-auth client=\"vpn\"/>",
	"<config-auth client=\"vpn\"><!-- x --></config-auth><!-- y",
	"<config-auth client=\"vpn\"><!-- a--b --></config-auth>",
	"<config-auth client=\"vpn\"></ config-auth>",
};

static void test_oc_xml_auth_parse_bad_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_docs) / sizeof(bad_docs[0]); i++) {
		struct oc_auth_req r;
		const char *why;

		if (parse(bad_docs[i], &r, &why) != -1)
			fail_msg("case %zu accepted: %s", i, bad_docs[i]);
		assert_non_null(why);
		assert_string_equal(r.version, "");
	}
}

/* 16 levels are taken, 17 are not. */
static void test_oc_xml_auth_parse_depth(void **state)
{
	char doc[1024];

	(void)state;
	for (unsigned depth = 16; depth <= 17; depth++) {
		size_t n = (size_t)sprintf(doc, "<config-auth client=\"vpn\">");
		struct oc_auth_req r;
		const char *why;

		for (unsigned i = 1; i < depth; i++)
			n += (size_t)sprintf(doc + n, "<a>");
		for (unsigned i = 1; i < depth; i++)
			n += (size_t)sprintf(doc + n, "</a>");
		sprintf(doc + n, "</config-auth>");
		assert_int_equal(parse(doc, &r, &why), depth == 16 ? 0 : -1);
	}
}

/* A field fills to one byte short of its size; one more is refused. */
static void test_oc_xml_auth_parse_field_bounds(void **state)
{
	char doc[1024], val[300];
	struct oc_auth_req r;
	const char *why;

	(void)state;
	memset(val, 'v', sizeof(val));
	val[255] = 0;
	sprintf(doc, "<config-auth client=\"vpn\"><group-access>%s</group-access></config-auth>",
		val);
	assert_int_equal(parse(doc, &r, &why), 0);
	assert_int_equal(strlen(r.group_access), 255);
	val[255] = 'v';
	val[256] = 0;
	sprintf(doc, "<config-auth client=\"vpn\"><group-access>%s</group-access></config-auth>",
		val);
	assert_int_equal(parse(doc, &r, &why), -1);
	/* An entity expanding past the end counts too. */
	val[62] = 0;
	sprintf(doc, "<config-auth client=\"vpn\"><device-id>%s&#xe9;</device-id></config-auth>",
		val);
	assert_int_equal(parse(doc, &r, &why), -1);
	val[61] = 0;
	sprintf(doc, "<config-auth client=\"vpn\"><device-id>%s&#xe9;</device-id></config-auth>",
		val);
	assert_int_equal(parse(doc, &r, &why), 0);
}

/* Every prefix of a good document is refused, never read past. */
static void test_oc_xml_auth_parse_truncated(void **state)
{
	static const char doc[] = "<?xml version=\"1.0\"?>\n<config-auth client=\"vpn\" "
				  "type=\"init\"><version who=\"vpn\">v&amp;9</version>"
				  "<!-- c --></config-auth>";
	char part[sizeof(doc)];

	(void)state;
	for (size_t n = 0; n < sizeof(doc) - 1; n++) {
		struct oc_auth_req r;
		const char *why;

		memcpy(part, doc, n);
		part[n] = 0;
		if (parse(part, &r, &why) != -1)
			fail_msg("prefix of %zu bytes accepted", n);
	}
}

static void test_oc_auth_type_name(void **state)
{
	(void)state;
	assert_string_equal(oc_auth_type_name(OC_AUTH_INIT), "init");
	assert_string_equal(oc_auth_type_name(OC_AUTH_REPLY), "auth-reply");
	assert_string_equal(oc_auth_type_name(OC_AUTH_LOGOUT), "logout");
	assert_string_equal(oc_auth_type_name(OC_AUTH_OTHER), "other");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_oc_xml_auth_parse_openconnect_init),
	    cmocka_unit_test(test_oc_xml_auth_parse_openconnect_reply),
	    cmocka_unit_test(test_oc_xml_auth_parse_good_table),
	    cmocka_unit_test(test_oc_xml_auth_parse_bad_table),
	    cmocka_unit_test(test_oc_xml_auth_parse_depth),
	    cmocka_unit_test(test_oc_xml_auth_parse_field_bounds),
	    cmocka_unit_test(test_oc_xml_auth_parse_truncated),
	    cmocka_unit_test(test_oc_auth_type_name),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
