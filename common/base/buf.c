/*
 * buf.c - the bounded byte buffer. Every operation keeps
 * 0 <= head <= tail <= cap <= max or refuses. Only a growable buffer's
 * storage grows, and never past the max its owner chose, so a caller's bound
 * (a queue's high-water mark, a frame's size) is the real one. Storage may
 * hold session plaintext: it is wiped before it is freed, also when moved.
 */
#include "buf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int buf_init(struct buf *b, size_t cap)
{
	memset(b, 0, sizeof(*b));
	/* calloc(0) may return NULL; one byte keeps "data != NULL" meaning
	 * "initialised" even for an empty buffer. */
	b->data = calloc(1, cap > 0 ? cap : 1);
	if (b->data == NULL) {
		errno = ENOMEM;
		return -1;
	}
	b->cap = cap;
	b->max = cap;
	return 0;
}

int buf_init_growable(struct buf *b, size_t start, size_t max)
{
	if (start > max) {
		errno = EINVAL;
		return -1;
	}
	if (buf_init(b, start) < 0)
		return -1;
	b->max = max;
	return 0;
}

/* Move the storage to cap bytes (>= tail), wiping the old. */
static bool move_to(struct buf *b, size_t cap)
{
	uint8_t *p = malloc(cap > 0 ? cap : 1);

	if (p == NULL)
		return false;
	if (b->tail > 0)
		memcpy(p, b->data, b->tail);
	explicit_bzero(b->data, b->cap);
	free(b->data);
	b->data = p;
	b->cap = cap;
	return true;
}

bool buf_reserve(struct buf *b, size_t n)
{
	size_t cap;

	if (n <= buf_room(b))
		return true;
	/* A plain buffer (or one built by hand, max 0) never grows. */
	if (b->max <= b->cap || n > b->max - b->tail)
		return false;
	/* Doubling keeps a burst to a few moves; max bounds it. */
	cap = b->cap > 0 ? b->cap : 256;
	while (cap < b->tail + n)
		cap = cap > b->max / 2 ? b->max : cap * 2;
	if (cap > b->max)
		cap = b->max;
	return move_to(b, cap);
}

void buf_shrink(struct buf *b, size_t cap)
{
	if (buf_len(b) > 0 || b->cap <= cap || b->data == NULL)
		return;
	b->head = b->tail = 0;
	(void)move_to(b, cap);
}

void buf_deinit(struct buf *b)
{
	if (b->data != NULL) {
		explicit_bzero(b->data, b->cap);
		free(b->data);
	}
	memset(b, 0, sizeof(*b));
}

void buf_reset(struct buf *b, size_t headroom)
{
	if (headroom > b->cap)
		headroom = b->cap;
	b->head = headroom;
	b->tail = headroom;
}

bool buf_append(struct buf *b, const void *p, size_t n)
{
	if (n > buf_room(b) && !buf_reserve(b, n))
		return false;
	if (n > 0)
		memcpy(b->data + b->tail, p, n);
	b->tail += n;
	return true;
}

bool buf_prepend(struct buf *b, const void *p, size_t n)
{
	if (n > b->head)
		return false;
	b->head -= n;
	if (n > 0)
		memcpy(b->data + b->head, p, n);
	return true;
}

bool buf_commit(struct buf *b, size_t n)
{
	if (n > buf_room(b))
		return false;
	b->tail += n;
	return true;
}

/* The consumed bytes stay where they are: chan.c hands out pointers to a
 * frame it has just consumed and relies on them until it asks for space. */
void buf_consume(struct buf *b, size_t n)
{
	if (n > buf_len(b))
		n = buf_len(b);
	b->head += n;
}

void buf_compact(struct buf *b)
{
	size_t len = buf_len(b);

	if (b->head == 0)
		return;
	if (len > 0)
		memmove(b->data, b->data + b->head, len);
	b->head = 0;
	b->tail = len;
}
