/*
 * client_status_sample.h - one record of an up client with every field
 * set, shared by test_client_status.c and test_client_status_fmt.c
 * (include after <cmocka.h>).
 */
#ifndef MTLSVPN_CLIENT_STATUS_SAMPLE_H
#define MTLSVPN_CLIENT_STATUS_SAMPLE_H

#include <stdio.h>

#include "client_status.h"

static inline void client_status_sample(struct client_status *s)
{
	client_status_init(s, CLIENT_STATUS_UP);
	s->now = 1800003725;   /* since + 1h02m05s */
	s->since = 1800000000; /* 2027-01-15 08:00:00 UTC */
	snprintf(s->gateway_host, sizeof(s->gateway_host), "vpn.example.com");
	s->gateway_port = 8443;
	assert_true(addr_parse("192.0.2.1", &s->gateway_addr));
	snprintf(s->tun, sizeof(s->tun), "mtlsvpn0");
	assert_true(addr_parse_prefix("10.8.0.2/24", false, &s->addr4));
	assert_true(addr_parse_prefix("fd00:8::2/64", false, &s->addr6));
	assert_true(addr_parse_prefix("10.20.0.0/24", true, &s->routes[0]));
	assert_true(addr_parse_prefix("fd00:20::/64", true, &s->routes[1]));
	s->n_routes = 2;
	assert_true(addr_parse("10.20.0.53", &s->dns[0]));
	s->n_dns = 1;
	snprintf(s->search[0], sizeof(s->search[0]), "corp.example");
	s->n_search = 1;
	s->dns_applied = true;
	s->tx_bytes = 1000;
	s->tx_packets = 10;
	s->rx_bytes = 2000;
	s->rx_packets = 20;
	snprintf(s->identity, sizeof(s->identity), "alice");
	s->cert_not_after = 1800000000 + 90 * 86400;
	s->pid = 77;
}

#endif
