/*
 * buf.h - a bounded byte buffer with headroom; the only code that does
 * pointer arithmetic on packet bytes. Invariant: 0 <= head <= tail <= cap.
 * Bytes [head, tail) are the content; [0, head) is free headroom that
 * buf_prepend() can use so framing needs no copy. A growable buffer
 * (buf_init_growable) starts small, grows on demand up to its max and is
 * shrunk back by its owner when empty (a session gone idle); a plain one
 * never grows (max == cap).
 */
#ifndef MTLSVPN_BUF_H
#define MTLSVPN_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf {
	uint8_t *data;
	size_t cap;
	size_t head;
	size_t tail;
	size_t max;      /* cap may grow up to this; == cap for a plain buffer */
};

int buf_init(struct buf *b, size_t cap);     /* 0 / -1 ENOMEM */
/* start bytes now, up to max later (start <= max). 0 / -1 ENOMEM, EINVAL. */
int buf_init_growable(struct buf *b, size_t start, size_t max);
void buf_deinit(struct buf *b);              /* wipes and frees */
void buf_reset(struct buf *b, size_t headroom);
static inline size_t buf_len(const struct buf *b) { return b->tail - b->head; }
static inline size_t buf_room(const struct buf *b) { return b->cap - b->tail; }
static inline uint8_t *buf_ptr(const struct buf *b) { return b->data + b->head; }
static inline uint8_t *buf_end(const struct buf *b) { return b->data + b->tail; }
/* Room for n more bytes at the tail, growing a growable buffer (content
 * and headroom kept); false if it would pass max or memory is short. */
bool buf_reserve(struct buf *b, size_t n);
/* An empty growable buffer back to cap bytes (if it is larger). */
void buf_shrink(struct buf *b, size_t cap);
bool buf_append(struct buf *b, const void *p, size_t n);   /* false if no room */
bool buf_prepend(struct buf *b, const void *p, size_t n);  /* false if no headroom */
bool buf_commit(struct buf *b, size_t n);   /* extend tail after a direct write */
void buf_consume(struct buf *b, size_t n);  /* drop n bytes from the front */
void buf_compact(struct buf *b);            /* move content to offset 0 */

/* Big-endian readers/writers on raw byte arrays (length already checked). */
static inline uint16_t buf_get16(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }
static inline uint32_t buf_get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}
static inline void buf_put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void buf_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

#endif
