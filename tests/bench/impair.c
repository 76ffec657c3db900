/*
 * impair.c - a lossy, long link for the benchmarks, in userspace (the
 * kernel here has no netem qdisc). Two TUN devices of one namespace: what
 * the kernel routes into A comes out of B DELAY_MS later, unless dropped
 * with probability LOSS_PCT %, and the same from B to A. Each direction is
 * a FIFO of at most LIMIT packets (a full one drops at the tail, as netem's
 * limit does); a fixed delay keeps the order.
 *
 *   impair TUN_A TUN_B DELAY_MS LOSS_PCT [LIMIT [SEED]]
 *
 * The caller routes the link's traffic through the two devices (policy
 * routing by input interface: tests/bench/bench_lossy.sh). It runs until
 * SIGINT or SIGTERM, at most an hour, then prints its counters to stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define SLOT_BYTES 16384    /* the TUN's MTU stays far below */
#define MAX_LIFETIME_S 3600 /* a forgotten impairment ends by itself */

struct slot {
	uint64_t due_us;
	uint32_t len;
	uint8_t *data;
};

/* One direction: read from `in`, written to `out` when due. */
struct dir {
	int in, out;
	struct slot *q;
	unsigned head, n, limit;
	uint64_t passed, lost, overflow, write_fail;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* xorshift64*: reproducible loss for a given seed. */
static uint64_t rng_state;

static double rng_unit(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (double)((rng_state * 0x2545F4914F6CDD1DULL) >> 11) / (double)(1ULL << 53);
}

static int tun_attach(const char *name)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	if (strlen(name) >= sizeof(ifr.ifr_name)) {
		close(fd);
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(ifr.ifr_name, name, strlen(name));
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int dir_init(struct dir *d, int in, int out, unsigned limit)
{
	memset(d, 0, sizeof(*d));
	d->in = in;
	d->out = out;
	d->limit = limit;
	d->q = calloc(limit, sizeof(*d->q));
	if (d->q == NULL)
		return -1;
	for (unsigned i = 0; i < limit; i++)
		if ((d->q[i].data = malloc(SLOT_BYTES)) == NULL)
			return -1;
	return 0;
}

/* Everything the kernel has for us now, each packet kept or lost. */
static void dir_take(struct dir *d, uint64_t delay_us, double loss)
{
	static uint8_t sink[SLOT_BYTES];

	for (;;) {
		struct slot *s = d->n < d->limit ? &d->q[(d->head + d->n) % d->limit] : NULL;
		ssize_t r = read(d->in, s != NULL ? s->data : sink, SLOT_BYTES);

		if (r <= 0)
			return;
		if (rng_unit() < loss) {
			d->lost++;
			continue;
		}
		if (s == NULL) {
			d->overflow++;
			continue;
		}
		s->len = (uint32_t)r;
		s->due_us = now_us() + delay_us;
		d->n++;
	}
}

/* Writes what is due; returns microseconds until the next, or -1. */
static int64_t dir_give(struct dir *d)
{
	uint64_t t = now_us();

	while (d->n > 0) {
		struct slot *s = &d->q[d->head];

		if (s->due_us > t)
			return (int64_t)(s->due_us - t);
		if (write(d->out, s->data, s->len) == (ssize_t)s->len)
			d->passed++;
		else
			d->write_fail++;
		d->head = (d->head + 1) % d->limit;
		d->n--;
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct dir d[2];
	uint64_t delay_us, deadline;
	unsigned limit = 1000;
	double loss;
	int a, b;

	if (argc < 5 || argc > 7) {
		fprintf(stderr, "usage: impair TUN_A TUN_B DELAY_MS LOSS_PCT [LIMIT [SEED]]\n");
		return 2;
	}
	delay_us = strtoull(argv[3], NULL, 10) * 1000u;
	loss = strtod(argv[4], NULL) / 100.0;
	if (argc > 5)
		limit = (unsigned)strtoul(argv[5], NULL, 10);
	rng_state = argc > 6 ? strtoull(argv[6], NULL, 10) : 1;
	if (rng_state == 0)
		rng_state = 1;
	if (limit == 0 || limit > 100000 || loss < 0 || loss > 1) {
		fprintf(stderr, "impair: LIMIT must be 1-100000 and LOSS_PCT 0-100\n");
		return 2;
	}
	a = tun_attach(argv[1]);
	b = tun_attach(argv[2]);
	if (a < 0 || b < 0) {
		fprintf(stderr, "impair: cannot create TUN devices %s and %s: %s\n", argv[1], argv[2],
			strerror(errno));
		return 1;
	}
	if (dir_init(&d[0], a, b, limit) < 0 || dir_init(&d[1], b, a, limit) < 0) {
		fprintf(stderr, "impair: out of memory\n");
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	deadline = now_us() + (uint64_t)MAX_LIFETIME_S * 1000000u;
	while (!stop && now_us() < deadline) {
		struct pollfd p[2] = {{.fd = a, .events = POLLIN}, {.fd = b, .events = POLLIN}};
		int64_t w0 = dir_give(&d[0]), w1 = dir_give(&d[1]), wait_us = 1000000;

		if (w0 >= 0 && w0 < wait_us)
			wait_us = w0;
		if (w1 >= 0 && w1 < wait_us)
			wait_us = w1;
		struct timespec ts = {.tv_sec = wait_us / 1000000, .tv_nsec = (wait_us % 1000000) * 1000};

		if (ppoll(p, 2, &ts, NULL) < 0 && errno != EINTR)
			break;
		if (p[0].revents & POLLIN)
			dir_take(&d[0], delay_us, loss);
		if (p[1].revents & POLLIN)
			dir_take(&d[1], delay_us, loss);
	}
	for (int i = 0; i < 2; i++)
		fprintf(stderr, "impair %s->%s: passed %llu lost %llu overflow %llu write_fail %llu\n",
			argv[1 + i], argv[2 - i], (unsigned long long)d[i].passed,
			(unsigned long long)d[i].lost, (unsigned long long)d[i].overflow,
			(unsigned long long)d[i].write_fail);
	return 0;
}
