/*
 * test_config_cases.h - the bad configuration files of test_config.c, one
 * row each: the file's text and the exact message it must be refused with.
 * %F in a message stands for the file's path, %D for its directory.
 */
#ifndef TEST_CONFIG_CASES_H
#define TEST_CONFIG_CASES_H

struct bad_case {
	const char *name;
	const char *text;
	const char *want;
};

/* Lines 1-4 and 1-5: a valid head so a key added after it is on line 5 (6). */
#define GW "[gateway]\nca = ca.crt\ncert = server.crt\nkey = server.key\n"
#define POOL "[pool]\nipv4 = 10.8.0.0/24\n"
#define CL                                                                                         \
	"[client]\ngateway = vpn.example.com:8443\nca = ca.crt\ncert = alice.crt\nkey = "          \
	"alice.key\n"
#define GW_KEYS                                                                                    \
	"listen, ca, cert, key, tun, mtu, keepalive, dead_peer_timeout, handshake_timeout, "       \
	"max_clients, max_handshakes, max_handshakes_per_source, identity, log_level, cert_warn_days, crl, crl_expired, deny_serials, "       \
	"deny_identities, max_session_lifetime, ocsp, ocsp_responder, ocsp_timeout, ocsp_fail, "     \
	"ocsp_cache, default_group, group_from, log_drops, lease_file, max_sessions_per_identity, control, user, "  \
	"control_group, metrics, key_passphrase_file, pkcs11_module, tls_resumption, tls_ticket_lifetime, "    \
	"proxy_protocol, proxy_from, pool_slice, audit_log, openconnect, openconnect_tls12, offload, workers, udp, udp_port, udp_rekey_interval, udp_detach_grace, mss_clamp, "  \
	"enroll, enroll_ca_dir, cert_lifetime, enroll_revoke_old, enroll_ca_key, busy_poll_us and tun_queue"
#define CL_KEYS                                                                                    \
	"gateway, server_name, ca, cert, key, tun, full_tunnel, dns, reconnect_min, "              \
	"reconnect_max, connect_timeout, log_level, state_dir, kill_switch, status_group, key_passphrase_file, pkcs11_module, offload, udp, continue, mss_clamp, renew, renew_at, busy_poll_us and tun_queue"
#define RANGE(v, lo, hi) "'" v "' is out of range; use a number from " #lo " to " #hi
#define NOT_LINE(t)                                                                                \
	"'" t "' is not a 'key = value' line, a [section] header or a comment; write key = "       \
	"value, or start the line with ';' or '#' to make it a comment"
#define CA_WHAT "the CA bundle client certificates must chain to"
#define POOL_LEN4                                                                                  \
	"use a length from 8 to 30 (the gateway takes the first address, clients the others)"
#define ID_SOURCES "use cn, san-email, san-uri, san-dns or oid:DOTTED (e.g. oid:2.5.4.5)"
#define OID_EXAMPLE "write a dotted OID such as oid:2.5.4.5 (serialNumber)"
#define ENG "[group eng]\nipv4 = 10.8.1.0/24\n"
#define GRP_KEYS                                                                                   \
	"ipv4, ipv6, routes, dns, search, dns_routing_domains, cert_lifetime, members, static, "  \
	"ruleN and inbound_ruleN (N from 1 to 9999)"
#define LIFETIME(v)                                                                                \
	"'" v "' is not a lifetime from 60s to 3650d; use a number with s, m, h or d, e.g. 30d or "   \
	"12h"
#define NOT_CA_DIR "give the CA directory 'mtlsvpnctl ca init' made"
#define NOT_LEASABLE(a, p)                                                                         \
	a " is not an address of the pool " p " a client can hold; give one inside it, not its "   \
	  "network, first (the gateway's) or broadcast address"
#define PCAP_HINT "; write a pcap-filter expression as tcpdump takes it, e.g. tcp dst port 443"
#define EMPTY_GW                                                                                   \
	"%F: the file has no settings; a gateway needs [gateway] with ca, cert and key, and "      \
	"[pool] with ipv4 or ipv6 (see server.ini.example)"

static const struct bad_case server_bad[] = {
    /* structure */
    {"unknown section", GW POOL "[extra]\nfoo = 1\n",
     "%F:7 [extra]: unknown section; the sections of this file are [gateway], [pool] and [group "
     "NAME]"},
    {"unknown key", GW "mtuu = 1400\n" POOL,
     "%F:5 [gateway] mtuu: unknown key; the keys of [gateway] are " GW_KEYS},
    /* revocation */
    {"crl missing file", GW "crl = server.crt, nope.pem\n" POOL,
     "%F:5 [gateway] crl: %D/nope.pem does not exist; give the path of a file or directory of "
     "CRLs in PEM or DER (a relative path starts from %D)"},
    {"crl empty", GW "crl =\n" POOL,
     "%F:5 [gateway] crl: the value is empty; give one or more CRL files, e.g. crl.pem"},
    {"crl_expired unknown", GW "crl_expired = ignore\n" POOL,
     "%F:5 [gateway] crl_expired: 'ignore' is not a choice; use warn or refuse"},
    {"deny_serials not hex", GW "deny_serials = 1A2B, 12G4\n" POOL,
     "%F:5 [gateway] deny_serials: '12G4' is not a certificate serial; write serials in hex as "
     "openssl x509 -serial prints them, e.g. 1A2B3C or 1a:2b:3c (at most 32 bytes)"},
    {"deny_serials too long",
     GW "deny_serials = "
	"0102030405060708091011121314151617181920212223242526272829303132FF\n" POOL,
     "%F:5 [gateway] deny_serials: '0102030405060708091011121314151617181920212223242526272829"
     "303132FF' is not a certificate serial; write serials in hex as openssl x509 -serial prints "
     "them, e.g. 1A2B3C or 1a:2b:3c (at most 32 bytes)"},
    {"deny_serials double colon", GW "deny_serials = 1a::2b\n" POOL,
     "%F:5 [gateway] deny_serials: '1a::2b' is not a certificate serial; write serials in hex "
     "as openssl x509 -serial prints them, e.g. 1A2B3C or 1a:2b:3c (at most 32 bytes)"},
    {"deny_identities empty item", GW "deny_identities = alice, , bob\n" POOL,
     "%F:5 [gateway] deny_identities: item 2 of the list is empty; separate items with single "
     "commas"},
    {"max_session_lifetime too long", GW "max_session_lifetime = 31536001\n" POOL,
     "%F:5 [gateway] max_session_lifetime: " RANGE("31536001", 0, 31536000)},
    {"pool key in gateway", GW "dns = 10.20.0.53\n" POOL,
     "%F:5 [gateway] dns: unknown key; the keys of [gateway] are " GW_KEYS},
    {"gateway key in pool", GW POOL "mtu = 1400\n",
     "%F:7 [pool] mtu: unknown key; the keys of [pool] are ipv4, ipv6, routes, dns, search and "
     "dns_routing_domains"},
    {"missing ca", "[gateway]\ncert = server.crt\nkey = server.key\n" POOL,
     "%F:1 [gateway] ca: required key is missing, and nothing starts without it; add a line "
     "such as 'ca = ca.crt' to [gateway]"},
    {"missing key", "[gateway]\nca = ca.crt\ncert = server.crt\n" POOL,
     "%F:1 [gateway] key: required key is missing, and nothing starts without it; add a line "
     "such as 'key = server.key' to [gateway]"},
    {"missing gateway section", POOL,
     "%F [gateway] ca: required key is missing, and so is the [gateway] section; add [gateway] "
     "with a line such as 'ca = ca.crt'"},
    {"missing pool section", GW,
     "%F [pool]: the section is missing; add [pool] with ipv4 = 10.8.0.0/24, ipv6 = "
     "fd00:8::/64 or both"},
    {"pool without addresses", GW "[pool]\ndns = 10.20.0.53\n",
     "%F:5 [pool]: neither ipv4 nor ipv6 is set; add ipv4 = 10.8.0.0/24, ipv6 = fd00:8::/64 or "
     "both"},
    /* numbers */
    {"mtu too big", GW "mtu = 90000\n" POOL, "%F:5 [gateway] mtu: " RANGE("90000", 576, 9000)},
    {"mtu one below", GW "mtu = 575\n" POOL, "%F:5 [gateway] mtu: " RANGE("575", 576, 9000)},
    {"mtu one above", GW "mtu = 9001\n" POOL, "%F:5 [gateway] mtu: " RANGE("9001", 576, 9000)},
    {"tun_queue one below", GW "tun_queue = 1\n" POOL,
     "%F:5 [gateway] tun_queue: " RANGE("1", 2, 10000)},
    {"tun_queue one above", GW "tun_queue = 10001\n" POOL,
     "%F:5 [gateway] tun_queue: " RANGE("10001", 2, 10000)},
    {"mtu overflows", GW "mtu = 99999999999999999999\n" POOL,
     "%F:5 [gateway] mtu: " RANGE("99999999999999999999", 576, 9000)},
    {"mtu with unit", GW "mtu = 1400 bytes\n" POOL,
     "%F:5 [gateway] mtu: '1400 bytes' is not a whole number; use a number from 576 to 9000"},
    {"mtu negative", GW "mtu = -1\n" POOL,
     "%F:5 [gateway] mtu: '-1' is not a whole number; use a number from 576 to 9000"},
    {"mtu hex", GW "mtu = 0x578\n" POOL,
     "%F:5 [gateway] mtu: '0x578' is not a whole number; use a number from 576 to 9000"},
    {"mtu empty", GW "mtu =\n" POOL,
     "%F:5 [gateway] mtu: the value is empty; use a number from 576 to 9000"},
    {"mtu only a comment", GW "mtu = ; later\n" POOL,
     "%F:5 [gateway] mtu: the value is empty; use a number from 576 to 9000"},
    {"keepalive zero", GW "keepalive = 0\n" POOL, "%F:5 [gateway] keepalive: " RANGE("0", 1, 3600)},
    {"keepalive too long", GW "keepalive = 3601\n" POOL,
     "%F:5 [gateway] keepalive: " RANGE("3601", 1, 3600)},
    {"handshake_timeout too long", GW "handshake_timeout = 121\n" POOL,
     "%F:5 [gateway] handshake_timeout: " RANGE("121", 1, 120)},
    {"max_clients zero", GW "max_clients = 0\n" POOL,
     "%F:5 [gateway] max_clients: " RANGE("0", 1, 65536)},
    {"max_clients too many", GW "max_clients = 65537\n" POOL,
     "%F:5 [gateway] max_clients: " RANGE("65537", 1, 65536)},
    {"dead_peer_timeout equal to keepalive", GW "keepalive = 10\ndead_peer_timeout = 10\n" POOL,
     "%F:6 [gateway] dead_peer_timeout: 10 is not greater than keepalive (10, line 5); use "
     "more than 10, e.g. 30"},
    {"dead_peer_timeout below default keepalive", GW "dead_peer_timeout = 5\n" POOL,
     "%F:5 [gateway] dead_peer_timeout: 5 is not greater than keepalive (10, the default); use "
     "more than 10, e.g. 30"},
    {"dead_peer_timeout below a later keepalive",
     GW "dead_peer_timeout = 20\nkeepalive = 60\n" POOL,
     "%F:5 [gateway] dead_peer_timeout: 20 is not greater than keepalive (60, line 6); use "
     "more than 60, e.g. 180"},
    /* keywords */
    {"identity uppercase", GW "identity = CN\n" POOL,
     "%F:5 [gateway] identity: 'CN' is not an identity source; " ID_SOURCES},
    {"identity unknown", GW "identity = serial\n" POOL,
     "%F:5 [gateway] identity: 'serial' is not an identity source; " ID_SOURCES},
    {"identity oid uppercase prefix", GW "identity = OID:2.5.4.5\n" POOL,
     "%F:5 [gateway] identity: 'OID:2.5.4.5' is not an identity source; " ID_SOURCES},
    {"identity oid empty", GW "identity = oid:\n" POOL,
     "%F:5 [gateway] identity: 'oid:': the OID is empty; " OID_EXAMPLE},
    {"identity oid one arc", GW "identity = oid:2\n" POOL,
     "%F:5 [gateway] identity: 'oid:2': an OID has at least two arcs; " OID_EXAMPLE},
    {"identity oid first arc 3", GW "identity = oid:3.5.4\n" POOL,
     "%F:5 [gateway] identity: 'oid:3.5.4': the first arc of an OID is 0, 1 or 2; " OID_EXAMPLE},
    {"identity oid leading zero", GW "identity = oid:2.5.04.5\n" POOL,
     "%F:5 [gateway] identity: 'oid:2.5.04.5': an OID arc has no leading zeros; " OID_EXAMPLE},
    {"identity oid double dot", GW "identity = oid:2.5..5\n" POOL,
     "%F:5 [gateway] identity: 'oid:2.5..5': an OID is decimal numbers separated by single "
     "dots; " OID_EXAMPLE},
    {"identity oid trailing dot", GW "identity = oid:2.5.4.\n" POOL,
     "%F:5 [gateway] identity: 'oid:2.5.4.': an OID does not end with a dot; " OID_EXAMPLE},
    {"identity oid name", GW "identity = oid:serialNumber\n" POOL,
     "%F:5 [gateway] identity: 'oid:serialNumber': the first arc of an OID is 0, 1 or "
     "2; " OID_EXAMPLE},
    {"identity oid too long",
     GW "identity = oid:1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16.17.18.19.20.21.22.23.24.25\n" POOL,
     "%F:5 [gateway] identity: "
     "'oid:1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16.17.18.19.20.21.22.23.24...': "
     "the OID is longer than 63 characters; " OID_EXAMPLE},
    {"log_level unknown", GW "log_level = verbose\n" POOL,
     "%F:5 [gateway] log_level: 'verbose' is not a log level; use info or debug"},
    {"listen name", GW "listen = localhost:8443\n" POOL,
     "%F:5 [gateway] listen: 'localhost:8443' is not a numeric address and port; use e.g. "
     "0.0.0.0:8443 or [::]:8443 (names are not looked up here)"},
    {"listen port too big", GW "listen = 0.0.0.0:65536\n" POOL,
     "%F:5 [gateway] listen: '0.0.0.0:65536' is not a numeric address and port; use e.g. "
     "0.0.0.0:8443 or [::]:8443 (names are not looked up here)"},
    {"tun with slash", GW "tun = a/b\n" POOL,
     "%F:5 [gateway] tun: 'a/b' is not an interface name; use 1 to 15 characters without '/', "
     "':' or spaces, e.g. mtlsvpn0"},
    {"tun too long", GW "tun = abcdefghijklmnop\n" POOL,
     "%F:5 [gateway] tun: 'abcdefghijklmnop' is not an interface name; use 1 to 15 characters "
     "without '/', ':' or spaces, e.g. mtlsvpn0"},
    {"tun with space", GW "tun = \"mt 0\"\n" POOL,
     "%F:5 [gateway] tun: 'mt 0' is not an interface name; use 1 to 15 characters without "
     "'/', ':' or spaces, e.g. mtlsvpn0"},
    /* prefixes and lists */
    {"pool v4 host bits", GW "[pool]\nipv4 = 10.8.0.1/24\n",
     "%F:6 [pool] ipv4: '10.8.0.1/24' has host bits set; use 10.8.0.0/24"},
    {"pool v6 host bits", GW "[pool]\nipv6 = fd00:8::1/64\n",
     "%F:6 [pool] ipv6: 'fd00:8::1/64' has host bits set; use fd00:8::/64"},
    {"pool v6 prefix as ipv4", GW "[pool]\nipv4 = fd00:8::/64\n",
     "%F:6 [pool] ipv4: 'fd00:8::/64' is not an IPv4 prefix; use e.g. 10.8.0.0/24"},
    {"pool v4 prefix as ipv6", GW "[pool]\nipv6 = 10.8.0.0/24\n",
     "%F:6 [pool] ipv6: '10.8.0.0/24' is not an IPv6 prefix; use e.g. fd00:8::/64"},
    {"pool v4 /31", GW "[pool]\nipv4 = 10.8.0.0/31\n",
     "%F:6 [pool] ipv4: the prefix length /31 is out of range; " POOL_LEN4},
    {"pool v4 bare address", GW "[pool]\nipv4 = 10.8.0.0\n",
     "%F:6 [pool] ipv4: the prefix length /32 is out of range; " POOL_LEN4},
    {"pool v4 /7", GW "[pool]\nipv4 = 10.0.0.0/7\n",
     "%F:6 [pool] ipv4: the prefix length /7 is out of range; " POOL_LEN4},
    {"pool v6 /127", GW "[pool]\nipv6 = fd00:8::/127\n",
     "%F:6 [pool] ipv6: the prefix length /127 is out of range; use a length from 16 to 126 "
     "(the gateway takes the first address, clients the others)"},
    {"pool length 33", GW "[pool]\nipv4 = 10.8.0.0/33\n",
     "%F:6 [pool] ipv4: '10.8.0.0/33' is not a prefix; write a network as address/length, e.g. "
     "10.8.0.0/24 or fd00:8::/64"},
    {"pool garbage", GW "[pool]\nipv4 = ten.eight/24\n",
     "%F:6 [pool] ipv4: 'ten.eight/24' is not a prefix; write a network as address/length, e.g. "
     "10.8.0.0/24 or fd00:8::/64"},
    {"routes host bits", GW POOL "routes = 10.20.0.0/24, 10.30.0.1/16\n",
     "%F:7 [pool] routes: '10.30.0.1/16' has host bits set; use 10.30.0.0/16"},
    {"routes empty item", GW POOL "routes = 10.20.0.0/24,,10.30.0.0/16\n",
     "%F:7 [pool] routes: item 2 of the list is empty; separate items with single commas"},
    {"routes trailing comma", GW POOL "routes = 10.20.0.0/24,\n",
     "%F:7 [pool] routes: item 2 of the list is empty; separate items with single commas"},
    {"dns not an address", GW POOL "dns = 10.20.0.300\n",
     "%F:7 [pool] dns: '10.20.0.300' is not an IP address; list DNS servers by address, e.g. "
     "10.20.0.53, fd00:20::53"},
    {"dns too many",
     GW POOL "dns = 10.0.0.1, 10.0.0.2, 10.0.0.3, 10.0.0.4, 10.0.0.5, 10.0.0.6, "
	     "10.0.0.7, 10.0.0.8, 10.0.0.9\n",
     "%F:7 [pool] dns: the list has more than 8 items; keep at most 8"},
    {"search with space", GW POOL "search = corp example\n",
     "%F:7 [pool] search: 'corp example' is not a domain name; list domains such as "
     "corp.example"},
    {"search empty label", GW POOL "search = corp..example\n",
     "%F:7 [pool] search: 'corp..example' is not a domain name; list domains such as "
     "corp.example"},
    /* files */
    {"key readable by others", "[gateway]\nca = ca.crt\ncert = server.crt\nkey = open.key\n" POOL,
     "%F:4 [gateway] key: %D/open.key is accessible by group or others (mode 0644); run chmod "
     "600 %D/open.key"},
    {"key readable by group", "[gateway]\nca = ca.crt\ncert = server.crt\nkey = group.key\n" POOL,
     "%F:4 [gateway] key: %D/group.key is accessible by group or others (mode 0640); run chmod "
     "600 %D/group.key"},
    {"missing ca file", "[gateway]\nca = nope.crt\ncert = server.crt\nkey = server.key\n" POOL,
     "%F:2 [gateway] ca: %D/nope.crt does not exist; give the path of " CA_WHAT
     " (a relative path starts from %D)"},
    {"missing absolute cert",
     "[gateway]\nca = ca.crt\ncert = /nonexistent/x.crt\nkey = server.key\n" POOL,
     "%F:3 [gateway] cert: /nonexistent/x.crt does not exist; give the path of the gateway "
     "certificate with its chain (a relative path starts from %D)"},
    {"missing key file", "[gateway]\nca = ca.crt\ncert = server.crt\nkey = nope.key\n" POOL,
     "%F:4 [gateway] key: %D/nope.key does not exist; give the path of the gateway "
     "certificate's private key (a relative path starts from %D)"},
    {"cert is a directory", "[gateway]\nca = ca.crt\ncert = adir\nkey = server.key\n" POOL,
     "%F:3 [gateway] cert: %D/adir is not a regular file; give the path of the gateway "
     "certificate with its chain"},
    {"ca empty", "[gateway]\nca =\ncert = server.crt\nkey = server.key\n" POOL,
     "%F:2 [gateway] ca: the value is empty; give the path of " CA_WHAT},
    {"ca name case differs", "[gateway]\nca = ca.CRT\ncert = server.crt\nkey = server.key\n" POOL,
     "%F:2 [gateway] ca: %D/ca.CRT does not exist; give the path of " CA_WHAT
     " (a relative path starts from %D)"},
    /* repeats */
    {"duplicate key", GW "mtu = 1400\nmtu = 1500\n" POOL,
     "%F:6 [gateway] mtu: set twice, on lines 5 and 6; keep only one of them"},
    {"duplicate key differing in case", GW "mtu = 1400\nMTU = 1500\n" POOL,
     "%F:6 [gateway] mtu: set twice, on lines 5 and 6; keep only one of them"},
    {"section repeated in another case", GW POOL "[Gateway]\nca = ca.crt\n",
     "%F:7 [gateway]: the section appears twice, on lines 1 and 7; merge them into one"},
    {"duplicate section", GW POOL "[pool]\n",
     "%F:7 [pool]: the section appears twice, on lines 5 and 7; merge them into one"},
    /* lines iniparser would refuse or misread */
    {"garbage line", GW "this is not ini\n" POOL, "%F:5 [gateway]: " NOT_LINE("this is not ini")},
    {"garbage first line", "garbage\n" GW POOL, "%F:1: " NOT_LINE("garbage")},
    {"garbage last line without newline", GW POOL "x", "%F:7 [pool]: " NOT_LINE("x")},
    {"control bytes echoed safely", GW "\x1b[31mred\n" POOL,
     "%F:5 [gateway]: " NOT_LINE("?[31mred")},
    {"no key name", GW "= 1400\n" POOL,
     "%F:5 [gateway]: the line has no key name before '='; write key = value"},
    {"key above every section", "mtu = 1400\n" GW POOL,
     "%F:1 mtu: the key is above every section header; move it below [gateway]"},
    {"unclosed double quote",
     "[gateway]\nca = \"ca.crt\ncert = server.crt\nkey = server.key\n" POOL,
     "%F:2 [gateway] ca: the value opens a quote (\") that is never closed; close it at the end "
     "of the value"},
    {"unclosed single quote", "[gateway]\nca = 'ca.crt\ncert = server.crt\nkey = server.key\n" POOL,
     "%F:2 [gateway] ca: the value opens a quote (') that is never closed; close it at the end "
     "of the value"},
    {"text after closing quote",
     "[gateway]\nca = \"ca.crt\" extra\ncert = server.crt\nkey = server.key\n" POOL,
     "%F:2 [gateway] ca: 'extra' after the closing quote would be ignored; put the whole value "
     "inside the quotes, or start a comment with ';'"},
    {"empty quotes then text", GW "tun = \"\"x\n" POOL,
     "%F:5 [gateway] tun: 'x' after the closing quote would be ignored; put the whole value "
     "inside the quotes, or start a comment with ';'"},
    {"comment ending in backslash", GW "; see below \\\nmtu = 1400\n" POOL,
     "%F:5 [gateway]: the line ends with '\\', which would join it to the next line; remove the "
     "backslash"},
    {"value ending in backslash", GW "mtu = 1400 \\  \n" POOL,
     "%F:5 [gateway]: the line ends with '\\', which would join it to the next line; remove the "
     "backslash"},
    {"section not closed", GW "[pool\nipv4 = 10.8.0.0/24\n",
     "%F:5: '[pool' is not a section header; write the section name alone on its line, as "
     "[name]"},
    {"section with comment", GW "[pool] ; addresses\nipv4 = 10.8.0.0/24\n",
     "%F:5: '[pool] ; addresses' is not a section header; write the section name alone on its "
     "line, as [name]"},
    {"section with inner bracket", GW "[po]ol]\nipv4 = 10.8.0.0/24\n",
     "%F:5: '[po]ol]' is not a section header; write the section name alone on its line, as "
     "[name]"},
    {"section with colon", GW POOL "[gateway:x]\nfoo = 1\n",
     "%F:7: the section name 'gateway:x' contains ':'; section names are short words such as "
     "[gateway]"},
    {"section empty", GW "[]\nipv4 = 10.8.0.0/24\n",
     "%F:5: the section name is empty; write it as [name]"},
    {"section blank", GW "[  ]\nipv4 = 10.8.0.0/24\n",
     "%F:5: the section name is empty; write it as [name]"},
    /* groups */
    {"group pools overlap [pool]", GW POOL "[group eng]\nipv4 = 10.8.0.128/25\n",
     "%F:8 [group eng] ipv4: 10.8.0.128/25 overlaps 10.8.0.0/24 of [pool] (line 6); give each "
     "group its own range"},
    {"group pools overlap v6", GW "[group eng]\nipv6 = fd00:8:1::/64\n[group sales]\nipv6 = "
				 "fd00:8::/32\n",
     "%F:8 [group sales] ipv6: fd00:8::/32 overlaps fd00:8:1::/64 of [group eng] (line 6); give "
     "each group its own range"},
    {"group without pool", GW "[group eng]\nroutes = 10.20.0.0/16\n",
     "%F:5 [group eng]: neither ipv4 nor ipv6 is set; add ipv4 = 10.8.1.0/24, ipv6 = "
     "fd00:8:1::/64 or both"},
    {"group unknown key", GW ENG "mtu = 1400\n",
     "%F:7 [group eng] mtu: unknown key; the keys of [group eng] are " GRP_KEYS},
    {"group bad pool", GW "[group eng]\nipv4 = 10.8.1.0/31\n",
     "%F:6 [group eng] ipv4: the prefix length /31 is out of range; " POOL_LEN4},
    {"group name bad", GW "[group e.g]\nipv4 = 10.8.1.0/24\n",
     "%F:5 [group e.g]: not a group header; write [group NAME] with one space and a NAME of "
     "lowercase letters, digits, '-' and '_' (at most 31)"},
    {"group name missing", GW "[group]\nipv4 = 10.8.1.0/24\n",
     "%F:5 [group]: not a group header; write [group NAME] with one space and a NAME of "
     "lowercase letters, digits, '-' and '_' (at most 31)"},
    {"group named deny", GW "[group deny]\nipv4 = 10.8.1.0/24\n",
     "%F:5 [group deny]: deny is what default_group uses to refuse; give the group another "
     "name"},
    {"group named default beside [pool]", GW POOL "[group default]\nipv4 = 10.8.1.0/24\n",
     "%F:7 [group default]: the name default is taken by [pool] (line 5), the implicit group of "
     "that name; rename this group, or move [pool]'s keys into it"},
    {"static outside pool", GW ENG "static = alice 10.8.2.5\n",
     "%F:7 [group eng] static: " NOT_LEASABLE("10.8.2.5", "10.8.1.0/24")},
    {"static gateway address", GW ENG "static = alice 10.8.1.1\n",
     "%F:7 [group eng] static: " NOT_LEASABLE("10.8.1.1", "10.8.1.0/24")},
    {"static broadcast", GW ENG "static = alice 10.8.1.255\n",
     "%F:7 [group eng] static: " NOT_LEASABLE("10.8.1.255", "10.8.1.0/24")},
    {"static duplicate address", GW ENG "static = alice 10.8.1.5, bob 10.8.1.5\n",
     "%F:7 [group eng] static: 10.8.1.5 is already the static address of 'alice' (line 7); give "
     "each identity its own"},
    {"static twice for one identity", GW ENG "static = alice 10.8.1.5, alice 10.8.1.6\n",
     "%F:7 [group eng] static: 'alice' already has a static IPv4 address (line 7); give one "
     "address per family"},
    {"static family without pool", GW ENG "static = alice fd00:8:1::5\n",
     "%F:7 [group eng] static: fd00:8:1::5: the group has no ipv6 pool; give an address from its "
     "pool"},
    {"static without address", GW ENG "static = alice\n",
     "%F:7 [group eng] static: 'alice' is not 'IDENTITY ADDRESS'; write e.g. alice@corp.example "
     "10.8.1.5"},
    {"rule syntax", GW ENG "rule1 = allow icmp\nrule2 = allow tcp and (port 80\n",
     "%F:8 [group eng] rule2: 'tcp and (port 80' does not compile: libpcap says \"can't parse "
     "filter expression: syntax error\"" PCAP_HINT},
    {"rule bad port", GW ENG "inbound_rule3 = allow udp port 70000\n",
     "%F:7 [group eng] inbound_rule3: 'udp port 70000' does not compile: libpcap says \"illegal "
     "port number 70000 > 65535\"" PCAP_HINT},
    {"rule without verb", GW ENG "rule1 = permit tcp\n",
     "%F:7 [group eng] rule1: 'permit tcp' does not start with allow or deny; write e.g. allow tcp "
     "dst port 443 (a pcap-filter expression after the verb)"},
    {"rule number leading zero", GW ENG "rule01 = allow\n",
     "%F:7 [group eng] rule01: a rule's number runs from 1 to 9999 without leading zeros; name "
     "rules rule1, rule2, ... (or rule10, rule20, ... to leave room)"},
    {"rule number too big", GW ENG "rule10000 = allow\n",
     "%F:7 [group eng] rule10000: a rule's number runs from 1 to 9999 without leading zeros; name "
     "rules rule1, rule2, ... (or rule10, rule20, ... to leave room)"},
    {"member of two groups", GW ENG "members = alice, Bob\n[group sales]\nipv4 = "
				   "10.8.2.0/24\nmembers = Bob\n",
     "%F:10 [group sales] members: 'Bob' is already a member of [group eng] (line 5); an identity "
     "belongs to one group"},
    {"unknown default_group", GW "default_group = eng2\n" POOL ENG,
     "%F:5 [gateway] default_group: 'eng2' is not a group; use deny or one of: default, eng"},
    {"group_from unknown", GW "group_from = o\n" POOL,
     "%F:5 [gateway] group_from: 'o' is not a choice; use ou (the certificate's OU values name "
     "groups), oid:DOTTED (the values of that subject attribute do) or none (only members "
     "lists do)"},
    {"group_from bad oid", GW "group_from = oid:1.3.6.1.4.1.099999.1\n" POOL,
     "%F:5 [gateway] group_from: 'oid:1.3.6.1.4.1.099999.1': an OID arc has no leading zeros; "
     "write a dotted OID such as oid:1.3.6.1.4.1.99999.1"},
    {"lease_file in a missing directory", GW "lease_file = nodir/leases\n" POOL,
     "%F:5 [gateway] lease_file: the directory %D/nodir does not exist; create it (mkdir -p "
     "%D/nodir) or set lease_file = none"},
    {"max_sessions_per_identity zero", GW "max_sessions_per_identity = 0\n" POOL,
     "%F:5 [gateway] max_sessions_per_identity: " RANGE("0", 1, 64)},
    {"lease_file is a directory name", GW "lease_file = state/\n" POOL,
     "%F:5 [gateway] lease_file: give a file name, e.g. /var/lib/mtlsvpn/leases, or none"},
    {"empty [pool] beside a group", GW "[pool]\n" ENG,
     "%F:5 [pool]: neither ipv4 nor ipv6 is set; add ipv4 = 10.8.0.0/24, ipv6 = fd00:8::/64 or "
     "both"},
    /* nothing in it */
    {"empty file", "", EMPTY_GW},
    {"only comments", "; nothing\n# here\n\n", EMPTY_GW},
    {"only blanks", "\n   \n\t\n", EMPTY_GW},
    {"routing domain root", GW POOL "dns_routing_domains = ~.\n",
     "%F:7 [pool] dns_routing_domains: '~.' is not a domain name; list domains such as "
     "corp.example"},
    {"routing domain too many in group", GW POOL ENG "dns_routing_domains = a,b,c,d,e,f,g,h,i\n",
     "%F:9 [group eng] dns_routing_domains: the list has more than 8 items; keep at most 8"},
    /* monitoring */
    {"metrics not an address", GW "metrics = localhost:9560\n" POOL,
     "%F:5 [gateway] metrics: 'localhost:9560' is not a numeric address and port; use e.g. "
     "127.0.0.1:9560 or [::1]:9560, or none"},
    {"metrics port 0", GW "metrics = 127.0.0.1:0\n" POOL,
     "%F:5 [gateway] metrics: '127.0.0.1:0' is not a numeric address and port; use e.g. "
     "127.0.0.1:9560 or [::1]:9560, or none"},
    {"control_group not a name", GW "control_group = adm in\n" POOL,
     "%F:5 [gateway] control_group: 'adm in' is not a group name; name the system group whose "
     "members may run the read-only mtlsvpnctl commands, e.g. mtlsvpn-admin"},
    {"tls_ticket_lifetime zero", GW "tls_ticket_lifetime = 0\n" POOL,
     "%F:5 [gateway] tls_ticket_lifetime: " RANGE("0", 1, 604800)},
    {"tls_ticket_lifetime over 7 days", GW "tls_ticket_lifetime = 604801\n" POOL,
     "%F:5 [gateway] tls_ticket_lifetime: " RANGE("604801", 1, 604800)},
    {"proxy_protocol without proxy_from", GW "proxy_protocol = on\n" POOL,
     "%F:5 [gateway] proxy_protocol: is on but proxy_from is not set; list the load balancers' "
     "addresses, e.g. proxy_from = 10.0.0.5"},
    {"proxy_from not an address", GW "proxy_from = 10.0.0.5, haproxy\n" POOL,
     "%F:5 [gateway] proxy_from: 'haproxy' is not an address or prefix; list the load "
     "balancers' addresses, e.g. 10.0.0.5, 10.0.1.0/28, fd00::5"},
    {"pool_slice K over N", GW "pool_slice = 3/2\n" POOL,
     "%F:5 [gateway] pool_slice: '3/2' is not a slice K/N with N a power of two up to 256 and K "
     "from 1 to N; e.g. 1/2 on the first of two gateways, 2/2 on the second"},
    {"pool_slice N not a power of two", GW "pool_slice = 1/3\n" POOL,
     "%F:5 [gateway] pool_slice: '1/3' is not a slice K/N with N a power of two up to 256 and K "
     "from 1 to N; e.g. 1/2 on the first of two gateways, 2/2 on the second"},
    {"pool_slice K zero", GW "pool_slice = 0/2\n" POOL,
     "%F:5 [gateway] pool_slice: '0/2' is not a slice K/N with N a power of two up to 256 and K "
     "from 1 to N; e.g. 1/2 on the first of two gateways, 2/2 on the second"},
    {"udp a word", GW "udp = maybe\n" POOL,
     "%F:5 [gateway] udp: 'maybe' is not yes or no; use yes or no"},
    {"udp_port zero", GW "udp_port = 0\n" POOL,
     "%F:5 [gateway] udp_port: " RANGE("0", 1, 65535)},
    {"udp_port over 65535", GW "udp_port = 65536\n" POOL,
     "%F:5 [gateway] udp_port: " RANGE("65536", 1, 65535)},
    {"udp_rekey_interval under 10", GW "udp_rekey_interval = 9\n" POOL,
     "%F:5 [gateway] udp_rekey_interval: " RANGE("9", 10, 120)},
    {"udp_rekey_interval over 120", GW "udp_rekey_interval = 121\n" POOL,
     "%F:5 [gateway] udp_rekey_interval: " RANGE("121", 10, 120)},
    {"udp_detach_grace over 300", GW "udp_detach_grace = 301\n" POOL,
     "%F:5 [gateway] udp_detach_grace: " RANGE("301", 0, 300)},
    {"mss_clamp a word", GW "mss_clamp = on\n" POOL,
     "%F:5 [gateway] mss_clamp: 'on' is not an MSS setting; use auto (the UDP data channel's "
     "size), off, or a number from 536 to 65495"},
    {"mss_clamp below 536", GW "mss_clamp = 500\n" POOL,
     "%F:5 [gateway] mss_clamp: " RANGE("500", 536, 65495)},
    {"mss_clamp over 65495", GW "mss_clamp = 65496\n" POOL,
     "%F:5 [gateway] mss_clamp: " RANGE("65496", 536, 65495)},
    {"mss_clamp negative", GW "mss_clamp = -1\n" POOL,
     "%F:5 [gateway] mss_clamp: '-1' is not an MSS setting; use auto (the UDP data channel's "
     "size), off, or a number from 536 to 65495"},
    {"busy_poll_us over 500", GW "busy_poll_us = 501\n" POOL,
     "%F:5 [gateway] busy_poll_us: " RANGE("501", 0, 500) " microseconds, or 0 to sleep at once"},
    {"busy_poll_us negative", GW "busy_poll_us = -5\n" POOL,
     "%F:5 [gateway] busy_poll_us: '-5' is not a whole number; use a number from 0 to 500 "
     "microseconds, or 0 to sleep at once"},
    {"workers zero", GW "workers = 0\n" POOL,
     "%F:5 [gateway] workers: " RANGE("0", 1, 64) ", or auto"},
    {"workers over 64", GW "workers = 65\n" POOL,
     "%F:5 [gateway] workers: " RANGE("65", 1, 64) ", or auto"},
    {"workers a word", GW "workers = many\n" POOL,
     "%F:5 [gateway] workers: 'many' is not a whole number; use a number from 1 to 64, or auto"},
    /* EST enrollment */
    {"enroll without a CA directory", GW "enroll = on\n" POOL,
     "%F:5 [gateway] enroll: is on without enroll_ca_dir; add enroll_ca_dir = the CA directory "
     "the gateway signs from (made by 'mtlsvpnctl ca init --intermediate')"},
    {"enroll_revoke_old without enroll", GW "enroll_ca_dir = pki\nenroll_revoke_old = on\n" POOL,
     "%F:6 [gateway] enroll_revoke_old: is on but enroll is not; add enroll = on, or remove "
     "enroll_revoke_old"},
    {"enroll_ca_dir missing", GW "enroll = on\nenroll_ca_dir = nope\n" POOL,
     "%F:6 [gateway] enroll_ca_dir: %D/nope cannot be used (No such file or directory); " NOT_CA_DIR},
    {"enroll_ca_dir a file", GW "enroll = on\nenroll_ca_dir = ca.crt\n" POOL,
     "%F:6 [gateway] enroll_ca_dir: %D/ca.crt cannot be used (not a directory); " NOT_CA_DIR},
    {"enroll_ca_dir not a CA", GW "enroll = on\nenroll_ca_dir = pki\n" POOL,
     "%F:6 [gateway] enroll_ca_dir: %D/pki holds no ca.crt and index; " NOT_CA_DIR},
    {"cert_lifetime no unit under 60", GW "cert_lifetime = 30\n" POOL,
     "%F:5 [gateway] cert_lifetime: " LIFETIME("30")},
    {"cert_lifetime 59s", GW "cert_lifetime = 59s\n" POOL,
     "%F:5 [gateway] cert_lifetime: " LIFETIME("59s")},
    {"cert_lifetime over 3650d", GW "cert_lifetime = 3651d\n" POOL,
     "%F:5 [gateway] cert_lifetime: " LIFETIME("3651d")},
    {"enroll_ca_key a file", GW "enroll_ca_key = ca.key\n" POOL,
     "%F:5 [gateway] enroll_ca_key: is not a pkcs11: URI; the issuing key in a file is the CA "
     "directory's own (remove enroll_ca_key to use it), a key in a token is "
     "\"pkcs11:token=LABEL;object=LABEL?pin-source=file:PATH\""},
    {"enroll_ca_key without a PIN", GW "enroll_ca_key = \"pkcs11:token=ca;object=k\"\n" POOL,
     "%F:5 [gateway] enroll_ca_key: names no PIN; the gateway cannot ask for one. Add "
     "?pin-source=file:PATH (a file readable by root only, holding the token's user PIN)"},
    {"enroll_ca_key malformed",
     GW "enroll_ca_key = \"pkcs11:token=ca?pin-source=file:/p\"\n" POOL,
     "%F:5 [gateway] enroll_ca_key: not a usable PKCS#11 URI (name the key with object=LABEL "
     "or id=%HEX); write it in double quotes, "
     "since ';' starts a comment: \"pkcs11:token=LABEL;object=LABEL?pin-source=file:PATH\""},
    {"cert_lifetime weeks", GW "cert_lifetime = 2w\n" POOL,
     "%F:5 [gateway] cert_lifetime: " LIFETIME("2w")},
    {"cert_lifetime negative", GW "cert_lifetime = -1d\n" POOL,
     "%F:5 [gateway] cert_lifetime: " LIFETIME("-1d")},
    {"cert_lifetime huge", GW "cert_lifetime = 99999999999999999999d\n" POOL,
     "%F:5 [gateway] cert_lifetime: " LIFETIME("99999999999999999999d")},
    {"group cert_lifetime", GW POOL ENG "cert_lifetime = 1y\n",
     "%F:9 [group eng] cert_lifetime: " LIFETIME("1y")},
};

#define CL_NOT_GW(v)                                                                               \
	"%F:2 [client] gateway: '" v "' is not a host and port; use a name or address with an "    \
	"optional port from 1 to 65535, e.g. vpn.example.com:8443 or [2001:db8::1]:8443"
#define CL_GW(v) "[client]\ngateway = " v "\nca = ca.crt\ncert = alice.crt\nkey = alice.key\n"

static const struct bad_case client_bad[] = {
    {"unknown section", CL "[gateway]\n",
     "%F:6 [gateway]: unknown section; the only section of this file is [client]"},
    {"unknown key", CL "mtu = 1400\n",
     "%F:6 [client] mtu: unknown key; the keys of [client] are " CL_KEYS},
    {"missing gateway", "[client]\nca = ca.crt\ncert = alice.crt\nkey = alice.key\n",
     "%F:1 [client] gateway: required key is missing, and nothing starts without it; add a "
     "line such as 'gateway = vpn.example.com:8443' to [client]"},
    {"missing cert", "[client]\ngateway = vpn.example.com\nca = ca.crt\nkey = alice.key\n",
     "%F:1 [client] cert: required key is missing; add a line such as 'cert = alice.crt' to "
     "[client] (or use a profile from 'mtlsvpnctl ca profile', which embeds it)"},
    {"cert as path and embedded",
     "[client]\ngateway = vpn.example.com\nca = ca.crt\ncert = alice.crt\nkey = alice.key\n"
     "[cert]\npem1 = -----BEGIN CERTIFICATE-----\npem2 = -----END CERTIFICATE-----\n",
     "%F:4 [client] cert: this client's certificate and its chain is also embedded in [cert] "
     "(line 6); keep one"},
    {"embedded lines out of order",
     "[client]\ngateway = vpn.example.com\nca = ca.crt\nkey = alice.key\n"
     "[cert]\npem1 = -----BEGIN CERTIFICATE-----\npem3 = -----END CERTIFICATE-----\n",
     "%F:7 [cert] pem3: expected pem2 here: [cert] holds this client's certificate and its "
     "chain as lines pem1, pem2, ... in order, one PEM line each"},
    {"embedded without END",
     "[client]\ngateway = vpn.example.com\nca = ca.crt\nkey = alice.key\n"
     "[cert]\npem1 = -----BEGIN CERTIFICATE-----\npem2 = MIIB\n",
     "%F:5 [cert]: the section holds no complete PEM block (pem1 = -----BEGIN ... to -----END "
     "...); re-create the profile with 'mtlsvpnctl ca profile'"},
    {"empty file", "",
     "%F: the file has no settings; a client needs [client] with gateway, ca, cert and key (see "
     "client.ini.example)"},
    {"only comments", "# client.ini\n;\n",
     "%F: the file has no settings; a client needs [client] with gateway, ca, cert and key (see "
     "client.ini.example)"},
    {"only the server's section", "[gateway]\n",
     "%F:1 [gateway]: unknown section; the only section of this file is [client]"},
    {"gateway port 0", CL_GW("vpn.example.com:0"), CL_NOT_GW("vpn.example.com:0")},
    {"gateway port too big", CL_GW("vpn.example.com:65536"), CL_NOT_GW("vpn.example.com:65536")},
    {"gateway port named", CL_GW("vpn.example.com:https"), CL_NOT_GW("vpn.example.com:https")},
    {"gateway port empty", CL_GW("vpn.example.com:"), CL_NOT_GW("vpn.example.com:")},
    {"gateway bracket not closed", CL_GW("[2001:db8::1:8443"), CL_NOT_GW("[2001:db8::1:8443")},
    {"gateway bracketed IPv4", CL_GW("[10.0.0.1]:8443"), CL_NOT_GW("[10.0.0.1]:8443")},
    {"gateway bracketed name", CL_GW("[vpn.example.com]:8443"),
     CL_NOT_GW("[vpn.example.com]:8443")},
    {"gateway text after bracket", CL_GW("[2001:db8::1]8443"), CL_NOT_GW("[2001:db8::1]8443")},
    {"gateway bad name", CL_GW("vpn example.com"), CL_NOT_GW("vpn example.com")},
    {"gateway no host", CL_GW(":8443"), CL_NOT_GW(":8443")},
    {"gateway bad v6", CL_GW("fd00::1::2"), CL_NOT_GW("fd00::1::2")},
    {"gateway empty", CL_GW(""), CL_NOT_GW("")},
    {"server_name bad", CL "server_name = gw/example\n",
     "%F:6 [client] server_name: 'gw/example' is not a host name; use a DNS name such as "
     "vpn.example.com or an IP address"},
    {"full_tunnel maybe", CL "full_tunnel = maybe\n",
     "%F:6 [client] full_tunnel: 'maybe' is not yes or no; use yes or no"},
    {"full_tunnel capitalised", CL "full_tunnel = Yes\n",
     "%F:6 [client] full_tunnel: 'Yes' is not yes or no; use yes or no"},
    {"dns unknown", CL "dns = systemd\n",
     "%F:6 [client] dns: 'systemd' is not a DNS mode; use auto, none, resolved or resolvconf"},
    {"udp on", CL "udp = on\n",
     "%F:6 [client] udp: 'on' is not a UDP mode; use auto (take the gateway's UDP data channel "
     "when it offers one) or off (TLS carries everything)"},
    {"continue on", CL "continue = on\n",
     "%F:6 [client] continue: 'on' is not a continuation mode; use auto (when the network "
     "changes while the UDP channel is up, continue the session on the new connection) or off "
     "(a new session every time)"},
    {"continue empty", CL "continue =\n",
     "%F:6 [client] continue: '' is not a continuation mode; use auto (when the network "
     "changes while the UDP channel is up, continue the session on the new connection) or off "
     "(a new session every time)"},
    {"continue twice", CL "continue = off\ncontinue = auto\n",
     "%F:7 [client] continue: set twice, on lines 6 and 7; keep only one of them"},
    {"mss_clamp capitalised", CL "mss_clamp = Auto\n",
     "%F:6 [client] mss_clamp: 'Auto' is not an MSS setting; use auto (the UDP data channel's "
     "size), off, or a number from 536 to 65495"},
    {"renew yes", CL "renew = yes\n",
     "%F:6 [client] renew: 'yes' is not a renewal mode; use auto (renew the certificate over "
     "EST at renew_at of its lifetime) or off"},
    {"renew_at whole", CL "renew_at = 1\n",
     "%F:6 [client] renew_at: '1' is not a fraction of the lifetime; use a fraction of the "
     "lifetime between 0 and 1, e.g. 2/3, 0.75 or 80%"},
    {"renew_at past the end", CL "renew_at = 4/3\n",
     "%F:6 [client] renew_at: '4/3' is not a fraction of the lifetime; use a fraction of the "
     "lifetime between 0 and 1, e.g. 2/3, 0.75 or 80%"},
    {"mss_clamp 1200x", CL "mss_clamp = 1200x\n",
     "%F:6 [client] mss_clamp: '1200x' is not a whole number; use a number from 536 to 65495"},
    {"busy_poll_us with a unit", CL "busy_poll_us = 50us\n",
     "%F:6 [client] busy_poll_us: '50us' is not a whole number; use a number from 0 to 500 "
     "microseconds, or 0 to sleep at once"},
    {"tun_queue one below", CL "tun_queue = 1\n",
     "%F:6 [client] tun_queue: " RANGE("1", 2, 10000)},
    {"tun_queue one above", CL "tun_queue = 10001\n",
     "%F:6 [client] tun_queue: " RANGE("10001", 2, 10000)},
    {"tun_queue zero", CL "tun_queue = 0\n", "%F:6 [client] tun_queue: " RANGE("0", 2, 10000)},
    {"tun_queue with a unit", CL "tun_queue = 16p\n",
     "%F:6 [client] tun_queue: '16p' is not a whole number; use a number from 2 to 10000"},
    {"reconnect_max below reconnect_min", CL "reconnect_min = 30\nreconnect_max = 10\n",
     "%F:7 [client] reconnect_max: 10 is below reconnect_min (30, line 6); use at least 30"},
    {"reconnect_max below default reconnect_min", CL "reconnect_max = 0\n",
     "%F:6 [client] reconnect_max: " RANGE("0", 1, 86400)},
    {"reconnect_min above default reconnect_max", CL "reconnect_min = 120\n",
     "%F:6 [client] reconnect_min: 120 is above reconnect_max (60, the default); lower it, or "
     "raise reconnect_max to at least 120"},
    {"connect_timeout zero", CL "connect_timeout = 0\n",
     "%F:6 [client] connect_timeout: " RANGE("0", 1, 300)},
    {"kill_switch without full_tunnel", CL "kill_switch = on\n",
     "%F:6 [client] kill_switch: on needs full_tunnel = yes (it is no, the default): set "
     "full_tunnel = yes, or kill_switch = off"},
    {"kill_switch with full_tunnel off", CL "full_tunnel = no\nkill_switch = yes\n",
     "%F:7 [client] kill_switch: on needs full_tunnel = yes (it is no, line 6): set "
     "full_tunnel = yes, or kill_switch = off"},
    {"kill_switch maybe", CL "kill_switch = maybe\n",
     "%F:6 [client] kill_switch: 'maybe' is not yes or no; use yes or no"},
    {"log_level unknown", CL "log_level = trace\n",
     "%F:6 [client] log_level: 'trace' is not a log level; use info or debug"},
    {"key readable by others",
     "[client]\ngateway = vpn.example.com\nca = ca.crt\ncert = alice.crt\nkey = open.key\n",
     "%F:5 [client] key: %D/open.key is accessible by group or others (mode 0644); run chmod 600 "
     "%D/open.key"},
    {"missing cert file",
     "[client]\ngateway = vpn.example.com\nca = ca.crt\ncert = bob.crt\nkey = alice.key\n",
     "%F:4 [client] cert: %D/bob.crt does not exist; give the path of this client's certificate "
     "with its chain (a relative path starts from %D)"},
    {"key above the section", "gateway = vpn.example.com\n" CL,
     "%F:1 gateway: the key is above every section header; move it below [client]"},
    {"duplicate gateway", CL "gateway = other.example.com\n",
     "%F:6 [client] gateway: set twice, on lines 2 and 6; keep only one of them"},
    {"garbage", CL "connect\n", "%F:6 [client]: " NOT_LINE("connect")},
    {"status_group with a capital", CL "status_group = Staff\n",
     "%F:6 [client] status_group: 'Staff' is not a group name; use at most 32 lowercase "
     "letters, digits, '_', '-' or '.', e.g. mtlsvpn-status"},
    {"status_group too long", CL "status_group = " "abcdefghijabcdefghijabcdefghijabc\n",
     "%F:6 [client] status_group: 'abcdefghijabcdefghijabcdefghijabc' is not a group name; use "
     "at most 32 lowercase letters, digits, '_', '-' or '.', e.g. mtlsvpn-status"},
    /* protected keys */
    {"pkcs11 URI not quoted",
     "[client]\ngateway = vpn.example.com\nca = ca.crt\ncert = alice.crt\n"
     "key = pkcs11:token=t;object=k\n",
     "%F:5 [client] key: not a usable PKCS#11 URI (name the key with object=LABEL or "
     "id=%HEX); write it in double quotes, since ';' starts a comment: "
     "\"pkcs11:token=LABEL;object=LABEL\""},
    {"pkcs11 URI unknown attribute, PIN not shown",
     "[client]\ngateway = vpn.example.com\nca = ca.crt\ncert = alice.crt\n"
     "key = \"pkcs11:object=k;bogus=1?pin-value=S3CRET\"\n",
     "%F:5 [client] key: not a usable PKCS#11 URI (attribute 'bogus' is unknown); write it in "
     "double quotes, since ';' starts a comment: \"pkcs11:token=LABEL;object=LABEL\""},
    {"pkcs11_module missing", CL "pkcs11_module = /nonexistent/p11.so\n",
     "%F:6 [client] pkcs11_module: /nonexistent/p11.so does not exist; give the path of the "
     "PKCS#11 module of key = pkcs11:... (a relative path starts from %D)"},
    {"key_passphrase_file readable by others", CL "key_passphrase_file = open.key\n",
     "%F:6 [client] key_passphrase_file: %D/open.key is accessible by group or others (mode "
     "0644); run chmod 600 %D/open.key"},
};

#endif
