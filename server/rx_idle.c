/*
 * rx_idle.c - handing the read-ahead's staged memory back while a worker
 * is quiet. The UDP slots (udp_rx.c, up to 2 MiB with GRO) and the TUN's
 * staged packets (tun_rx.c, 1 MiB with offloads) stay resident once a
 * burst has touched them. A staging marks itself used (a flag, no clock
 * read); a worker timer looks every RX_IDLE_MS, and when nothing was
 * staged since its last look and nothing is staged now, the pages go back
 * to the kernel (MADV_DONTNEED: the memory stays allocated and reads back
 * as zeros, so the next burst just faults it in again). So an idle
 * gateway's RSS drops back after two to four seconds of quiet. The timer
 * is not armed while the worker stays idle. rx_idle_resident() says how
 * much of it is in memory (status JSON: staging_resident).
 */
#include "server.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "log.h"

#define RX_IDLE_MS 2000

/* The whole pages inside [p, p + len): the bytes around them (malloc's
 * bookkeeping, a neighbour's data) are never given back. false: none. */
static bool whole_pages(const void *p, size_t len, uintptr_t *a, uintptr_t *b)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);

	if (p == NULL)
		return false;
	*a = ((uintptr_t)p + page - 1) & ~(page - 1);
	*b = ((uintptr_t)p + len) & ~(page - 1);
	return *b > *a;
}

static void give_back(void *p, size_t len)
{
	uintptr_t a, b;

	if (whole_pages(p, len, &a, &b) && madvise((void *)a, b - a, MADV_DONTNEED) < 0)
		log_debug("madvise of staged memory: %s", strerror(errno));
}

/* Bytes of those pages the kernel holds in memory (mincore). */
static uint64_t resident(const void *p, size_t len)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), a, b;
	unsigned char vec[64];
	uint64_t n = 0;

	if (!whole_pages(p, len, &a, &b))
		return 0;
	while (a < b) {
		size_t pages = (b - a) / page < sizeof(vec) ? (b - a) / page : sizeof(vec);

		if (mincore((void *)a, pages * page, vec) < 0)
			return n;
		for (size_t i = 0; i < pages; i++)
			n += (vec[i] & 1) ? page : 0;
		a += pages * page;
	}
	return n;
}

uint64_t rx_idle_resident(const struct worker *w)
{
	const struct worker_udp *u = &w->udp;
	uint64_t n = resident(u->rx, (size_t)u->rx_slots * u->rx_slot);

	for (unsigned i = 0; i < w->tun_stage_n; i++)
		n += resident(w->tun_stage[i].data, w->tun_stage[i].cap);
	return n;
}

static void on_idle_check(struct ev_loop *loop, struct ev_timer *t)
{
	struct worker *w = t->data;
	struct worker_udp *u = &w->udp;

	/* Used since the last look, or still holding reads: look again. */
	if (w->rx_staged || u->n_order > 0) {
		w->rx_staged = false;
		ev_timer_arm(loop, t, RX_IDLE_MS);
		return;
	}
	if (u->rx != NULL)
		give_back(u->rx, (size_t)u->rx_slots * u->rx_slot);
	for (unsigned i = 0; i < w->tun_stage_n; i++)
		give_back(w->tun_stage[i].data, w->tun_stage[i].cap);
	w->rx_idle_releases++;
}

void rx_idle_init(struct worker *w)
{
	ev_timer_init(&w->rx_idle, on_idle_check, w);
}

void rx_idle_deinit(struct worker *w)
{
	if (w->loop != NULL)
		ev_timer_stop(w->loop, &w->rx_idle);
}

void rx_idle_on_staged(struct worker *w)
{
	w->rx_staged = true;
	if (!ev_timer_armed(&w->rx_idle))
		ev_timer_arm(w->loop, &w->rx_idle, RX_IDLE_MS);
}
