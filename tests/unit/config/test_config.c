/*
 * test_config.c - server.ini loading, and what both loaders share (a
 * missing file, a directory, the shipped examples, protected keys). Every
 * bad file is written to a private temporary directory at test time and
 * must be refused with one exact message: "FILE:LINE [section] key: what;
 * what is valid". In expected messages %F stands for the config file and
 * %D for its directory. client.ini's own keys: test_config_client.c.
 */
#include "config_fixture.h"

static void test_config_server_load_bad_files(void **state)
{
	(void)state;
	run_bad(SERVER, server_bad, sizeof(server_bad) / sizeof(server_bad[0]));
}

static void test_config_server_load_nul_byte(void **state)
{
	static const char text[] = GW "mtu = 14\0"
				      "00\n" POOL;

	(void)state;
	check_one(SERVER, text, sizeof(text) - 1,
		  "%F:5 [gateway]: the line contains a NUL byte; save the file as plain text");
}

static void test_config_server_load_long_line(void **state)
{
	char text[2048];
	int n;

	(void)state;
	n = snprintf(text, sizeof(text), GW "; %01000d\n" POOL, 0);
	assert_true(n > 0 && (size_t)n < sizeof(text));
	check_one(SERVER, text, (size_t)n,
		  "%F:5 [gateway]: the line is 1002 characters long; lines can be at most 1000");
}

static void test_config_server_load_too_many_routes(void **state)
{
	char text[4096];
	size_t n;

	(void)state;
	n = (size_t)snprintf(text, sizeof(text), GW POOL "routes = ");
	for (unsigned i = 0; i <= CFG_MAX_ROUTES; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s10.%u.0.0/16", i ? ", " : "",
				      i + 20);
	n += (size_t)snprintf(text + n, sizeof(text) - n, "\n");
	assert_true(n < sizeof(text));
	check_one(SERVER, text, n,
		  "%F:7 [pool] routes: the list has more than 64 items; keep at most 64");
}

static void test_config_load_missing_file(void **state)
{
	char cfg[PATH_MAX + 64], want[2048], err[CONFIG_ERR_MAX];

	(void)state;
	path_of("does-not-exist.ini", cfg);
	expand("%F: cannot open the file (No such file or directory); check the path of the "
	       "configuration file",
	       cfg, want, sizeof(want));
	assert_int_equal(load(SERVER, cfg, err), -1);
	assert_string_equal(err, want);
	assert_int_equal(load(CLIENT, cfg, err), -1);
	assert_string_equal(err, want);
}

static void test_config_load_directory(void **state)
{
	char cfg[PATH_MAX + 64], want[2048], err[CONFIG_ERR_MAX];

	(void)state;
	path_of("adir", cfg);
	expand("%F: not a regular file; give the path of the configuration file", cfg, want,
	       sizeof(want));
	assert_int_equal(load(SERVER, cfg, err), -1);
	assert_string_equal(err, want);
}

/* A pure module: nothing reaches stderr, whatever the file holds. */
static void test_config_server_load_prints_nothing(void **state)
{
	static const char *const texts[] = {"garbage\n", "[gateway\n", "a = \"b\n", GW "x\\\ny\n",
					    "= 1\n"};
	char cfg[PATH_MAX + 64], capture[PATH_MAX + 64], err[CONFIG_ERR_MAX];
	struct stat st;
	unsigned accepted = 0;
	int saved, fd;

	(void)state;
	path_of("stderr.txt", capture);
	path_of("one.ini", cfg);
	fd = open(capture, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	fflush(stderr);
	saved = dup(2);
	assert_true(saved >= 0);
	assert_int_equal(dup2(fd, 2), 2);
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		put("one.ini", texts[i], 0644);
		if (load(SERVER, cfg, err) != -1)
			accepted++;
	}
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(fd);
	assert_int_equal(accepted, 0);
	assert_int_equal(stat(capture, &st), 0);
	assert_int_equal(st.st_size, 0);
}

static void test_config_server_load_defaults(void **state)
{
	static struct config_server s;
	const struct sockaddr_in *sin = (const struct sockaddr_in *)&s.listen;

	(void)state;
	load_ok_server(GW POOL, &s);
	assert_int_equal(s.listen.ss_family, AF_INET);
	assert_int_equal(port_of(&s.listen), 8443);
	assert_int_equal(sin->sin_addr.s_addr, htonl(INADDR_ANY));
	assert_int_equal(s.listen_len, sizeof(struct sockaddr_in));
	assert_path(s.ca, "ca.crt");
	assert_path(s.cert, "server.crt");
	assert_path(s.key, "server.key");
	assert_string_equal(s.tun, "mtlsvpn0");
	assert_int_equal(s.mtu, 1400);
	assert_int_equal(s.keepalive, 10);
	assert_int_equal(s.dead_peer_timeout, 30);
	assert_int_equal(s.handshake_timeout, 10);
	assert_int_equal(s.max_clients, 1024);
	assert_int_equal(s.identity.kind, IDENTITY_CN);
	assert_int_equal(s.log_level, 0);
	assert_string_equal(s.net.name, "default");
	assert_int_equal(s.net.pool4.addr.family, AF_INET);
	assert_int_equal(s.net.pool4.len, 24);
	assert_memory_equal(s.net.pool4.addr.bytes, ((const uint8_t[]){10, 8, 0, 0}), 4);
	assert_int_equal(s.net.pool6.addr.family, 0);
	assert_int_equal(s.net.n_routes, 0);
	assert_int_equal(s.net.n_dns, 0);
	assert_int_equal(s.net.n_search, 0);
	assert_path(s.lease_file, "leases");
}

/* metrics: unset is none, a port defaults to 9560; control_group as written. */
static void test_config_server_load_monitoring_keys(void **state)
{
	static struct config_server s;

	(void)state;
	load_ok_server(GW POOL, &s);
	assert_int_equal(s.metrics_len, 0);
	assert_string_equal(s.control_group, "");
	load_ok_server(GW "metrics = 127.0.0.1\ncontrol_group = mtlsvpn-admin\n" POOL, &s);
	assert_int_equal(s.metrics.ss_family, AF_INET);
	assert_int_equal(port_of(&s.metrics), 9560);
	assert_string_equal(s.control_group, "mtlsvpn-admin");
	load_ok_server(GW "metrics = [::1]:9100\n" POOL, &s);
	assert_int_equal(s.metrics.ss_family, AF_INET6);
	assert_int_equal(port_of(&s.metrics), 9100);
	load_ok_server(GW "metrics = none\n" POOL, &s);
	assert_int_equal(s.metrics_len, 0);
}

/* lease_file: relative to the file's directory, absolute as is, none = "". */
static void test_config_server_load_lease_file(void **state)
{
	static struct config_server s;
	char want[PATH_MAX + 64];

	(void)state;
	load_ok_server(GW "lease_file = ok.leases\n" POOL, &s);
	assert_path(s.lease_file, "ok.leases");
	load_ok_server(GW "lease_file = /tmp/mtlsvpn.leases\n" POOL, &s);
	assert_string_equal(s.lease_file, "/tmp/mtlsvpn.leases");
	load_ok_server(GW "lease_file = none\n" POOL, &s);
	assert_string_equal(s.lease_file, "");
	path_of("leases", want);
	load_ok_server(GW POOL, &s);
	assert_string_equal(s.lease_file, want);
}

/* audit_log: none by default, relative to the file's directory, none = "";
 * a missing directory is refused with the key's own name. */
static void test_config_server_load_audit_log(void **state)
{
	static struct config_server s;
	char cfg[PATH_MAX + 64], err[CONFIG_ERR_MAX];

	(void)state;
	load_ok_server(GW POOL, &s);
	assert_string_equal(s.audit_log, "");
	load_ok_server(GW "audit_log = audit.json\n" POOL, &s);
	assert_path(s.audit_log, "audit.json");
	load_ok_server(GW "audit_log = none\n" POOL, &s);
	assert_string_equal(s.audit_log, "");
	put("bad.ini", GW "audit_log = nodir/audit.json\n" POOL, 0644);
	path_of("bad.ini", cfg);
	assert_int_equal(config_server_load(cfg, &s, err), -1);
	assert_non_null(strstr(err, ":5 [gateway] audit_log: the directory "));
	assert_non_null(strstr(err, "or set audit_log = none"));
}

/* identity = oid: and group_from = oid: as loaded (bad OIDs are in
 * test_config_cases.h). */
static void test_config_server_load_oid_sources(void **state)
{
	static struct config_server s;

	(void)state;
	load_ok_server(GW "identity = oid:2.5.4.5\ngroup_from = oid:1.3.6.1.4.1.99999.1\n" POOL,
		       &s);
	assert_int_equal(s.identity.kind, IDENTITY_OID);
	assert_string_equal(s.identity.oid, "2.5.4.5");
	assert_string_equal(identity_source_name(&s.identity), "oid:2.5.4.5");
	assert_false(s.group_from.ou);
	assert_string_equal(s.group_from.oid, "1.3.6.1.4.1.99999.1");
	load_ok_server(GW "group_from = ou\n" POOL, &s);
	assert_true(s.group_from.ou);
	assert_string_equal(s.group_from.oid, "");
	load_ok_server(GW "group_from = none\n" POOL, &s);
	assert_false(s.group_from.ou);
	assert_string_equal(s.group_from.oid, "");
}

static void test_config_server_load_every_key(void **state)
{
	static struct config_server s;
	char a[ADDR_STRLEN];

	(void)state;
	load_ok_server("; a full gateway, names in mixed case\r\n"
		       "[ GateWay ]\r\n"
		       "Listen = [::1]:9443\r\n"
		       "CA = CA.Crt ; the capitalised file\r\n"
		       "cert = \"my#cert.crt\"   # quoted: '#' would start a comment\r\n"
		       "key = 'ro.key'\r\n"
		       "TUN = Corp%d\r\n"
		       "mtu = 576\r\n"
		       "keepalive = 3600\r\n"
		       "handshake_timeout = 120\r\n"
		       "max_clients = 65536\r\n"
		       "identity = san-email\r\n"
		       "log_level = debug\r\n"
		       "\r\n"
		       "[POOL]\r\n"
		       "ipv4 = 10.99.0.0/30\r\n"
		       "ipv6 = fd00:8::/64\r\n"
		       "routes = 10.20.0.0/24 ,fd00:20::/64,  192.168.0.0/16\r\n"
		       "dns = 10.20.0.53, fd00:20::53\r\n"
		       "search = Corp.Example, lab.Corp.Example\r\n"
		       "dns_routing_domains = ~Int.Example, 10.in-addr.arpa\r\n",
		       &s);
	assert_int_equal(s.listen.ss_family, AF_INET6);
	assert_int_equal(port_of(&s.listen), 9443);
	assert_path(s.ca, "CA.Crt");
	assert_path(s.cert, "my#cert.crt");
	assert_path(s.key, "ro.key");
	assert_string_equal(s.tun, "Corp%d");
	assert_int_equal(s.mtu, 576);
	assert_int_equal(s.keepalive, 3600);
	assert_int_equal(s.dead_peer_timeout, 10800);
	assert_int_equal(s.handshake_timeout, 120);
	assert_int_equal(s.max_clients, 65536);
	assert_int_equal(s.identity.kind, IDENTITY_SAN_EMAIL);
	assert_int_equal(s.log_level, 1);
	assert_string_equal(addr_fmt_prefix(&s.net.pool4, a), "10.99.0.0/30");
	assert_string_equal(addr_fmt_prefix(&s.net.pool6, a), "fd00:8::/64");
	assert_int_equal(s.net.n_routes, 3);
	assert_string_equal(addr_fmt_prefix(&s.net.routes[0], a), "10.20.0.0/24");
	assert_string_equal(addr_fmt_prefix(&s.net.routes[1], a), "fd00:20::/64");
	assert_string_equal(addr_fmt_prefix(&s.net.routes[2], a), "192.168.0.0/16");
	assert_int_equal(s.net.n_dns, 2);
	assert_string_equal(addr_fmt(&s.net.dns[0], a), "10.20.0.53");
	assert_string_equal(addr_fmt(&s.net.dns[1], a), "fd00:20::53");
	assert_int_equal(s.net.n_search, 2);
	assert_string_equal(s.net.search[0], "Corp.Example");
	assert_string_equal(s.net.search[1], "lab.Corp.Example");
	assert_int_equal(s.net.n_routing, 2);
	assert_string_equal(s.net.routing[0], "Int.Example");
	assert_string_equal(s.net.routing[1], "10.in-addr.arpa");
}

/* The revocation keys: files resolved, serials as bytes whatever the
 * spelling, identities kept byte for byte. */
static void test_config_server_load_revocation_keys(void **state)
{
	static struct config_server s;

	(void)state;
	load_ok_server(GW POOL, &s);
	assert_int_equal(s.n_crl, 0);
	assert_int_equal(s.crl_expired, CONFIG_CRL_EXPIRED_WARN);
	assert_int_equal(s.max_session_lifetime, 0);
	assert_true(s.tls_resumption);
	assert_int_equal(s.tls_ticket_lifetime, 28800);
	load_ok_server("[gateway]\nca = ca.crt\ncert = server.crt\nkey = server.key\n"
		       "crl = server.crt, pki/ca.crt, pki\ncrl_expired = refuse\n"
		       "deny_serials = 0x00A1b2, 0a:1B:2c:3d, 7, 00\n"
		       "deny_identities = Alice@Corp.Example, bob smith\n"
		       "max_session_lifetime = 28800\n"
		       "tls_resumption = off\ntls_ticket_lifetime = 600\n" POOL,
		       &s);
	assert_int_equal(s.n_crl, 3);
	assert_path(s.crl[0], "server.crt");
	assert_path(s.crl[1], "pki/ca.crt");
	assert_path(s.crl[2], "pki"); /* a directory of CRLs */
	assert_int_equal(s.crl_expired, CONFIG_CRL_EXPIRED_REFUSE);
	assert_int_equal(s.n_deny_serials, 4);
	assert_int_equal(s.deny_serials[0].len, 2);
	assert_memory_equal(s.deny_serials[0].b, "\xa1\xb2", 2);
	assert_int_equal(s.deny_serials[1].len, 4);
	assert_memory_equal(s.deny_serials[1].b, "\x0a\x1b\x2c\x3d", 4);
	assert_int_equal(s.deny_serials[2].len, 1);
	assert_int_equal(s.deny_serials[2].b[0], 7);
	assert_int_equal(s.deny_serials[3].len, 1);
	assert_int_equal(s.deny_serials[3].b[0], 0);
	assert_int_equal(s.n_deny_identities, 2);
	assert_string_equal(s.deny_identities[0], "Alice@Corp.Example");
	assert_string_equal(s.deny_identities[1], "bob smith");
	assert_int_equal(s.max_session_lifetime, 28800);
	assert_false(s.tls_resumption);
	assert_int_equal(s.tls_ticket_lifetime, 600);
}

/* workers: auto (0, resolved at start) by default, or a count. */
static void test_config_server_load_workers(void **state)
{
	static struct config_server s;

	(void)state;
	load_ok_server(GW POOL, &s);
	assert_int_equal(s.workers, 0);
	load_ok_server(GW "workers = 1\n" POOL, &s);
	assert_int_equal(s.workers, 1);
	load_ok_server(GW "workers = auto\n" POOL, &s);
	assert_int_equal(s.workers, 0);
	load_ok_server(GW "workers = 4\n" POOL, &s);
	assert_int_equal(s.workers, 4);
}

/* udp: on, its port the listen port's number, re-key every 120 s, unless set. */
static void test_config_server_load_udp(void **state)
{
	static struct config_server s;

	(void)state;
	load_ok_server(GW POOL, &s);
	assert_true(s.udp);
	assert_int_equal(s.udp_port, 8443);
	assert_int_equal(s.udp_rekey_interval, 120);
	assert_int_equal(s.udp_detach_grace, 30);
	load_ok_server("[gateway]\nlisten = [::1]:9443\nca = ca.crt\ncert = server.crt\nkey = "
		       "server.key\n" POOL,
		       &s);
	assert_int_equal(s.udp_port, 9443);
	load_ok_server(GW "udp = off\nudp_port = 4500\nudp_rekey_interval = 10\nudp_detach_grace = 0\n" POOL,
		       &s);
	assert_false(s.udp);
	assert_int_equal(s.udp_port, 4500);
	assert_int_equal(s.udp_rekey_interval, 10);
	assert_int_equal(s.udp_detach_grace, 0);
}

/* enroll: off, 30 days, no revocation unless set; a CA directory with
 * ca.crt, index and an issuing key; lifetimes with their units, per group. */
static void test_config_server_load_enroll(void **state)
{
	static struct config_server s;
	char p[PATH_MAX + 64];

	(void)state;
	load_ok_server(GW POOL, &s);
	assert_false(s.enroll);
	assert_false(s.enroll_revoke_old);
	assert_int_equal(s.cert_lifetime, 30 * 86400);
	path_of("ecadir", p);
	assert_int_equal(mkdir(p, 0700), 0);
	put("ecadir/ca.crt", "ca\n", 0644);
	put("ecadir/index", "mtlsvpn-ca-index 1\n", 0644);
	put("ecadir/ca.key", "key\n", 0600);
	load_ok_server(GW "enroll = on\nenroll_ca_dir = ecadir\ncert_lifetime = 12h\n"
			  "enroll_revoke_old = on\n" POOL ENG "cert_lifetime = 90m\n",
		       &s);
	assert_true(s.enroll);
	assert_true(s.enroll_revoke_old);
	assert_path(s.enroll_ca_dir, "ecadir");
	assert_int_equal(s.cert_lifetime, 12 * 3600);
	assert_int_equal(s.n_groups, 2);
	assert_int_equal(s.groups[0].cert_lifetime, 0);
	assert_int_equal(s.groups[1].cert_lifetime, 90 * 60);
	load_ok_server(GW "cert_lifetime = 60\n" POOL, &s);
	assert_int_equal(s.cert_lifetime, 60);
	load_ok_server(GW "cert_lifetime = 3650d\n" POOL, &s);
	assert_int_equal(s.cert_lifetime, 3650u * 86400u);
	/* An intermediate without its key is no signer. */
	put("ecadir/intermediate.crt", "int\n", 0644);
	check_one(SERVER, GW "enroll = on\nenroll_ca_dir = ecadir\n" POOL,
		  strlen(GW "enroll = on\nenroll_ca_dir = ecadir\n" POOL),
		  "%F:6 [gateway] enroll_ca_dir: %D/ecadir holds no issuing key (intermediate.key next "
		  "to intermediate.crt, or ca.key); the gateway signs with it. Make an online "
		  "intermediate with 'mtlsvpnctl ca init --intermediate' and keep the root key "
		  "offline");
	/* With the key in a token, the directory holds none. */
	load_ok_server(GW "enroll = on\nenroll_ca_dir = ecadir\nenroll_ca_key = "
			  "\"pkcs11:token=ca;object=k?pin-source=file:/p\"\n" POOL,
		       &s);
	assert_string_equal(s.enroll_ca_key, "pkcs11:token=ca;object=k?pin-source=file:/p");
	put("ecadir/intermediate.key", "key\n", 0600);
	load_ok_server(GW "enroll = on\nenroll_ca_dir = ecadir\n" POOL, &s);
	assert_true(s.enroll);
	assert_string_equal(s.enroll_ca_key, "");
}

/* mss_clamp: auto unless set; off; a number. */
static void test_config_server_load_mss_clamp(void **state)
{
	static struct config_server s;

	(void)state;
	load_ok_server(GW POOL, &s);
	assert_int_equal(s.mss_clamp, DCHAN_PMTU_CLAMP_AUTO);
	load_ok_server(GW "mss_clamp = off\n" POOL, &s);
	assert_int_equal(s.mss_clamp, DCHAN_PMTU_CLAMP_OFF);
	load_ok_server(GW "mss_clamp = 1360\n" POOL, &s);
	assert_int_equal(s.mss_clamp, 1360);
	load_ok_server(GW "mss_clamp = auto\n" POOL, &s);
	assert_int_equal(s.mss_clamp, DCHAN_PMTU_CLAMP_AUTO);
}

/* busy_poll_us: the default (0, off) unless set; a window; the maximum. */
static void test_config_server_load_busy_poll(void **state)
{
	static const struct {
		const char *line;
		unsigned want;
	} cases[] = {
	    {"", CONFIG_BUSY_POLL_DEFAULT_US},
	    {"busy_poll_us = 100\n", 100},
	    {"busy_poll_us = 500\n", 500},
	};
	static struct config_server s;
	char text[1024];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), GW "%s" POOL, cases[i].line);
		load_ok_server(text, &s);
		assert_int_equal(s.busy_poll_us, cases[i].want);
	}
}

/* tun_queue: the default unless set; the bounds. */
static void test_config_server_load_tun_queue(void **state)
{
	static struct config_server s;

	(void)state;
	load_ok_server(GW POOL, &s);
	assert_int_equal(s.tun_queue, CONFIG_TUN_QUEUE_DEFAULT);
	load_ok_server(GW "tun_queue = 2\n" POOL, &s);
	assert_int_equal(s.tun_queue, 2);
	load_ok_server(GW "tun_queue = 500\n" POOL, &s);
	assert_int_equal(s.tun_queue, 500);
}

static void test_config_server_load_load_balancer_keys(void **state)
{
	static struct config_server s;
	char a[ADDR_STRLEN];

	(void)state;
	load_ok_server(GW POOL, &s);
	assert_false(s.proxy_protocol);
	assert_int_equal(s.n_proxy_from, 0);
	assert_int_equal(s.pool_slice_n, 0);
	load_ok_server(GW "proxy_protocol = on\nproxy_from = 10.0.0.5, 10.0.1.0/28, fd00::5\n"
			  "pool_slice = 2/4\n" POOL,
		       &s);
	assert_true(s.proxy_protocol);
	assert_int_equal(s.n_proxy_from, 3);
	assert_string_equal(addr_fmt_prefix(&s.proxy_from[0], a), "10.0.0.5/32");
	assert_string_equal(addr_fmt_prefix(&s.proxy_from[1], a), "10.0.1.0/28");
	assert_string_equal(addr_fmt_prefix(&s.proxy_from[2], a), "fd00::5/128");
	assert_int_equal(s.pool_slice_k, 2);
	assert_int_equal(s.pool_slice_n, 4);
}

static void test_config_server_load_bounds_and_relations(void **state)
{
	static struct config_server s;

	(void)state;
	load_ok_server(GW "mtu = 9000\nkeepalive = 7\n[pool]\nipv6 = fd00:8::/126\n", &s);
	assert_int_equal(s.mtu, 9000);
	assert_int_equal(s.dead_peer_timeout, 21);
	assert_int_equal(s.net.pool4.addr.family, 0);
	assert_int_equal(s.net.pool6.len, 126);

	load_ok_server(GW "keepalive = 10\ndead_peer_timeout = 11\n" POOL, &s);
	assert_int_equal(s.dead_peer_timeout, 11);

	/* An empty list is no items; a quoted ';' is part of nothing here. */
	load_ok_server(GW POOL "routes =\ndns = ; none\nsearch = \"\"\n", &s);
	assert_int_equal(s.net.n_routes, 0);
	assert_int_equal(s.net.n_dns, 0);
	assert_int_equal(s.net.n_search, 0);

	load_ok_server(GW "mtu = 1500 ; jumbo later\nmax_clients = 1 # one\n" POOL, &s);
	assert_int_equal(s.mtu, 1500);
	assert_int_equal(s.max_clients, 1);
}

static void test_config_server_load_absolute_paths(void **state)
{
	static struct config_server s;
	char text[4 * PATH_MAX];

	(void)state;
	snprintf(text, sizeof(text),
		 "[gateway]\nca = %s/ca.crt\ncert = %s/server.crt\nkey = %s/server.key\n" POOL, dir,
		 dir, dir);
	load_ok_server(text, &s);
	assert_path(s.ca, "ca.crt");
	assert_path(s.key, "server.key");
}

/* Relative paths start from the config file's directory, not the working
 * directory, even when the config path itself is relative. */
static void test_config_server_load_relative_paths(void **state)
{
	static struct config_server s;
	char err[CONFIG_ERR_MAX], sub[PATH_MAX + 64];

	(void)state;
	put("pki/gw.ini",
	    "[gateway]\nca = ca.crt\ncert = ../server.crt\nkey = ../server.key\n" POOL, 0644);
	assert_int_equal(chdir("/"), 0);
	path_of("pki/gw.ini", sub);
	if (config_server_load(sub, &s, err) != 0)
		fail_msg("refused: %s", err);
	assert_path(s.ca, "pki/ca.crt");
	assert_path(s.cert, "pki/../server.crt");

	assert_int_equal(chdir(dir), 0);
	if (config_server_load("pki/gw.ini", &s, err) != 0)
		fail_msg("refused: %s", err);
	assert_string_equal(s.path, "pki/gw.ini");
	assert_path(s.ca, "pki/ca.crt");

	/* The same file read from elsewhere: ca.crt is looked up in pki/,
	 * where it exists, not in the working directory. */
	path_of("pki", sub);
	assert_int_equal(chdir(sub), 0);
	if (config_server_load("gw.ini", &s, err) != 0)
		fail_msg("refused: %s", err);
	assert_path(s.ca, "pki/ca.crt");
	assert_int_equal(chdir(cwd), 0);
}

/* The shipped examples load as they are, and again with every optional key
 * uncommented: they cannot drift from what the loader accepts. */
static void load_example(const char *name, bool uncomment, char *err)
{
	char src[PATH_MAX + 64], cfg[PATH_MAX + 64], text[16384];
	size_t n = 0;
	FILE *in;
	char line[1024];

	snprintf(src, sizeof(src), "%s/packaging/%s", MTLSVPN_SOURCE_DIR, name);
	in = fopen(src, "r");
	if (in == NULL)
		fail_msg("cannot open %s: %s", src, strerror(errno));
	while (fgets(line, sizeof(line), in) != NULL) {
		const char *l = line;

		/* Commented keys, and commented example sections ([group ...]). */
		if (uncomment && line[0] == ';' && (strchr(line, '=') != NULL || line[1] == '['))
			l = line + 1;
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s", l);
		assert_true(n < sizeof(text));
	}
	fclose(in);
	put("example.ini", text, 0644);
	path_of("example.ini", cfg);
	err[0] = '\0';
	if (strncmp(name, "server", 6) == 0) {
		static struct config_server s;

		if (config_server_load(cfg, &s, err) != 0)
			fail_msg("%s%s refused: %s", name, uncomment ? " uncommented" : "", err);
		assert_int_equal(s.net.n_routes, uncomment ? 2 : 0);
		assert_int_equal(s.net.pool6.addr.family, uncomment ? AF_INET6 : 0);
		assert_int_equal(s.dead_peer_timeout, 30);
	} else {
		static struct config_client c;

		if (config_client_load(cfg, &c, err) != 0)
			fail_msg("%s%s refused: %s", name, uncomment ? " uncommented" : "", err);
		assert_string_equal(c.server_name, "vpn.example.com");
		assert_int_equal(c.reconnect_max, 60);
	}
}

/* key as a pkcs11: URI is kept as written (not resolved as a path), on
 * the gateway too; the module and the passphrase file are read. */
static void test_config_load_protected_keys(void **state)
{
	static struct config_client c;
	static struct config_server s;

	(void)state;
	load_ok_client("[client]\ngateway = vpn.example.com\nca = ca.crt\ncert = alice.crt\n"
		       "key = \"pkcs11:token=My%20Token;object=alice?pin-source=file:/etc/pin\"\n"
		       "pkcs11_module = p11-kit-proxy.so\n",
		       &c);
	assert_string_equal(c.key, "pkcs11:token=My%20Token;object=alice?pin-source=file:/etc/pin");
	assert_string_equal(c.pkcs11_module, "p11-kit-proxy.so");
	load_ok_server("[gateway]\nca = ca.crt\ncert = server.crt\n"
		       "key = \"pkcs11:token=hsm;id=%01\"\npkcs11_module = libsofthsm2.so\n"
		       "key_passphrase_file = server.pass\n" POOL,
		       &s);
	assert_string_equal(s.key, "pkcs11:token=hsm;id=%01");
	/* A bare name is the dynamic loader's to find, never a relative path. */
	assert_string_equal(s.pkcs11_module, "libsofthsm2.so");
	assert_path(s.key_passphrase_file, "server.pass");
}

static void test_config_load_shipped_examples(void **state)
{
	char err[CONFIG_ERR_MAX];

	(void)state;
	load_example("server.ini.example", false, err);
	load_example("server.ini.example", true, err);
	load_example("client.ini.example", false, err);
	load_example("client.ini.example", true, err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_config_server_load_bad_files),
	    cmocka_unit_test(test_config_server_load_nul_byte),
	    cmocka_unit_test(test_config_server_load_long_line),
	    cmocka_unit_test(test_config_server_load_too_many_routes),
	    cmocka_unit_test(test_config_load_missing_file),
	    cmocka_unit_test(test_config_load_directory),
	    cmocka_unit_test(test_config_server_load_prints_nothing),
	    cmocka_unit_test(test_config_server_load_defaults),
	    cmocka_unit_test(test_config_server_load_lease_file),
	    cmocka_unit_test(test_config_server_load_audit_log),
	    cmocka_unit_test(test_config_server_load_monitoring_keys),
	    cmocka_unit_test(test_config_server_load_oid_sources),
	    cmocka_unit_test(test_config_server_load_every_key),
	    cmocka_unit_test(test_config_server_load_revocation_keys),
	    cmocka_unit_test(test_config_server_load_workers),
	    cmocka_unit_test(test_config_server_load_udp),
	    cmocka_unit_test(test_config_server_load_mss_clamp),
	    cmocka_unit_test(test_config_server_load_enroll),
	    cmocka_unit_test(test_config_server_load_busy_poll),
	    cmocka_unit_test(test_config_server_load_tun_queue),
	    cmocka_unit_test(test_config_server_load_bounds_and_relations),
		cmocka_unit_test(test_config_server_load_load_balancer_keys),
	    cmocka_unit_test(test_config_server_load_absolute_paths),
	    cmocka_unit_test(test_config_server_load_relative_paths),
	    cmocka_unit_test(test_config_load_shipped_examples),
	    cmocka_unit_test(test_config_load_protected_keys),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
