/*
 * oc_xml.h - the XML body of an OpenConnect client's auth POST, the
 * <config-auth client="vpn" type="..."> document of auth.c. Not a general
 * XML parser: a bounded scanner that keeps the few fields the gateway logs
 * and checks. Pure, sans-I/O, never allocates, never logs.
 */
#ifndef MTLSVPN_OC_XML_H
#define MTLSVPN_OC_XML_H

#include <stddef.h>
#include <stdint.h>

#define OC_XML_MAX_DEPTH 16

enum oc_auth_type { OC_AUTH_INIT, OC_AUTH_REPLY, OC_AUTH_LOGOUT, OC_AUTH_OTHER };

struct oc_auth_req {
	enum oc_auth_type type;  /* "init", "auth-reply", "logout"; anything else OTHER */
	char version[64];        /* <version who="vpn">, "" if absent */
	char device_id[64];      /* <device-id>, "" if absent */
	char group_access[256];  /* <group-access>, "" if absent */
	char group_select[64];   /* <group-select>, "" if absent */
};

/* 0 ok, -1 malformed (*why, a static string). Accepts the XML declaration
 * (and a UTF-8 BOM before it), comments, elements, attributes in either
 * quote, the five predefined entities and numeric character references
 * (written out as UTF-8). Refuses DOCTYPE, ENTITY, CDATA, processing
 * instructions other than the declaration, unbalanced tags, a duplicate
 * attribute, control bytes, nesting deeper than OC_XML_MAX_DEPTH, text
 * outside the root, a kept value longer than its field, and a root that is
 * not config-auth with client="vpn". Other bytes pass through as they are
 * (no UTF-8 check). Only the root's direct children are kept; the last
 * one of a name wins. */
int oc_xml_auth_parse(const uint8_t *p, size_t n, struct oc_auth_req *out, const char **why);

const char *oc_auth_type_name(enum oc_auth_type t);

#endif
