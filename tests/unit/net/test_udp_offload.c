/*
 * test_udp_offload.c - udp_gro_size(): the segment size a UDP_GRO read
 * carries in its control messages, found among others, and 0 when there
 * is none, it is too short, or it is not positive.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <netinet/in.h>

#include "udp_offload.h"

union ctl {
	char buf[CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(struct in_pktinfo))];
	struct cmsghdr align;
};

/* A message whose control part holds a packet-info first (when pktinfo),
 * then a cmsg of level/type with an int value of len bytes (0: none). */
static void make(struct msghdr *h, union ctl *c, bool pktinfo, int level, int type, int value,
		 size_t len)
{
	struct cmsghdr *m;
	size_t used = 0;

	memset(h, 0, sizeof(*h));
	memset(c, 0, sizeof(*c));
	h->msg_control = c->buf;
	h->msg_controllen = sizeof(c->buf);
	m = CMSG_FIRSTHDR(h);
	if (pktinfo) {
		m->cmsg_level = IPPROTO_IP;
		m->cmsg_type = IP_PKTINFO;
		m->cmsg_len = CMSG_LEN(sizeof(struct in_pktinfo));
		used += CMSG_SPACE(sizeof(struct in_pktinfo));
		m = (struct cmsghdr *)(c->buf + used);
	}
	if (len > 0) {
		m->cmsg_level = level;
		m->cmsg_type = type;
		m->cmsg_len = CMSG_LEN(len);
		memcpy(CMSG_DATA(m), &value, len < sizeof(value) ? len : sizeof(value));
		used += CMSG_SPACE(len);
	}
	h->msg_controllen = used;
}

static void test_udp_gro_size(void **state)
{
	static const struct {
		bool pktinfo;
		int level, type, value;
		size_t len;
		size_t want;
	} cases[] = {
	    {false, SOL_UDP, UDP_GRO, 1400, sizeof(int), 1400}, /* alone */
	    {true, SOL_UDP, UDP_GRO, 1236, sizeof(int), 1236},	/* after a packet-info */
	    {true, 0, 0, 0, 0, 0},				/* no GRO cmsg: one datagram */
	    {false, SOL_UDP, UDP_GRO, 0, sizeof(int), 0},	/* not positive */
	    {false, SOL_UDP, UDP_GRO, -5, sizeof(int), 0},
	    {false, SOL_UDP, UDP_GRO, 1400, 2, 0},		 /* too short */
	    {false, SOL_UDP, UDP_SEGMENT, 1400, sizeof(int), 0}, /* another UDP option */
	    {false, IPPROTO_IP, UDP_GRO, 1400, sizeof(int), 0},	 /* another level */
	};
	struct msghdr h;
	union ctl c;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		make(&h, &c, cases[i].pktinfo, cases[i].level, cases[i].type, cases[i].value,
		     cases[i].len);
		assert_int_equal(udp_gro_size(&h), cases[i].want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_udp_gro_size),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
