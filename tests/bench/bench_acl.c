/*
 * bench_acl.c - what access rules cost per packet: ns to decide one packet
 * against 1, 10 and 100 compiled rules when the matching rule is the first,
 * the last, or none matches (default deny, every rule runs). Prints
 * figures; asserts nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "pktbuild.h"
#include "acl.h"

#define ITERS 2000000

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* n rules, each "allow dst host 10.20.X.Y and tcp dst port P"; the rule
 * at match_at (or none if -1) matches the packet. */
static void build(struct acl *a, int n, int match_at)
{
	char expr[128], err[ACL_ERR_MAX];

	acl_init(a);
	for (int i = 0; i < n; i++) {
		int port = i == match_at ? 443 : 1000 + i;

		snprintf(expr, sizeof(expr), "dst net 10.20.0.0/16 and tcp dst port %d", port);
		if (acl_add(a, ACL_ALLOW, (unsigned)i + 1, expr, err) < 0) {
			fprintf(stderr, "%s: %s\n", expr, err);
			exit(1);
		}
	}
}

int main(void)
{
	static const int sizes[] = {1, 10, 100};
	const struct pktbuild_spec v4 = {AF_INET, "10.8.0.2", "10.20.0.2", 6, 40000,
					 443,	  0x10,	      0,	   0, 1300};
	const struct pktbuild_spec v6 = {AF_INET6, "fd00:8::2", "fd00:20::2", 6, 40000, 443, 0x10,
					 0,	   0,		1300};
	uint8_t p4[1500], p6[1500];
	size_t n4 = pktbuild_make(&v4, p4, sizeof(p4)), n6 = pktbuild_make(&v6, p6, sizeof(p6));

	printf("acl_eval, ns per packet (TCP, 1340-byte IPv4 / 1360-byte IPv6, %d packets)\n",
	       ITERS);
	printf("%-6s %-6s %10s %10s\n", "rules", "match", "IPv4", "IPv6");
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		static const char *const where[] = {"first", "last", "none"};

		for (int w = 0; w < 3; w++) {
			int n = sizes[s], at = w == 0 ? 0 : (w == 1 ? n - 1 : -1);
			double ns[2];
			struct acl a;
			volatile unsigned sink = 0;

			build(&a, n, at);
			for (int f = 0; f < 2; f++) {
				const uint8_t *p = f == 0 ? p4 : p6;
				size_t len = f == 0 ? n4 : n6;
				double t0 = now_ns();

				for (int i = 0; i < ITERS; i++)
					sink += acl_eval(&a, p, len, NULL);
				ns[f] = (now_ns() - t0) / ITERS;
			}
			(void)sink;
			printf("%-6d %-6s %10.1f %10.1f\n", n, where[w], ns[0], ns[1]);
			acl_deinit(&a);
		}
	}
	return 0;
}
