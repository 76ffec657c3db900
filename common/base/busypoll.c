/*
 * busypoll.c - the decision to poll before sleeping, and its back-off (see
 * busypoll.h). A window that finds data ends any back-off; BUSYPOLL_MISS_LIMIT
 * empty ones in a row pause polling, each pause twice the one before, up to
 * BUSYPOLL_PAUSE_MAX_US.
 */
#include "busypoll.h"

void busypoll_init(struct busypoll *bp, uint32_t window_us)
{
	*bp = (struct busypoll){
	    .window_us = window_us > BUSYPOLL_WINDOW_MAX_US ? BUSYPOLL_WINDOW_MAX_US : window_us};
}

uint32_t busypoll_window(const struct busypoll *bp, uint64_t now_us, bool data_moved)
{
	if (!data_moved || bp->window_us == 0 || now_us < bp->resume_us)
		return 0;
	return bp->window_us;
}

void busypoll_result(struct busypoll *bp, uint64_t now_us, bool found)
{
	if (found) {
		bp->hits++;
		bp->misses = 0;
		bp->pause_us = 0;
		return;
	}
	bp->empty++;
	if (++bp->misses < BUSYPOLL_MISS_LIMIT)
		return;
	bp->misses = 0;
	if (bp->pause_us == 0)
		bp->pause_us = BUSYPOLL_PAUSE_MIN_US;
	else if (bp->pause_us < BUSYPOLL_PAUSE_MAX_US / 2)
		bp->pause_us *= 2;
	else
		bp->pause_us = BUSYPOLL_PAUSE_MAX_US;
	bp->resume_us = now_us + bp->pause_us;
	bp->pauses++;
}
