/*
 * chan.c - split the decrypted byte stream into frames and check each one
 * for what it claims to be. The buffer is compacted only when asked for
 * space, so a DATA event stays valid while the caller forwards it.
 */
#include "chan.h"

#include <errno.h>
#include <string.h>

#include "frame.h"

int chan_init(struct chan *c, enum chan_role role, size_t cap)
{
	memset(c, 0, sizeof(*c));
	if (cap <= FRAME_HDR_LEN + FRAME_MAX_PAYLOAD) {
		errno = EINVAL;
		return -1;
	}
	if (buf_init(&c->in, cap) < 0)
		return -1;
	c->role = role;
	c->max_data = FRAME_MAX_PAYLOAD;
	return 0;
}

void chan_deinit(struct chan *c)
{
	buf_deinit(&c->in);
}

void chan_reset(struct chan *c)
{
	buf_reset(&c->in, 0);
}

void chan_set_max_data(struct chan *c, size_t max_data)
{
	if (max_data == 0)
		max_data = 1;
	if (max_data > FRAME_MAX_PAYLOAD)
		max_data = FRAME_MAX_PAYLOAD;
	c->max_data = max_data;
}

uint8_t *chan_space(struct chan *c, size_t *room)
{
	/* Compact only when the tail room could not take a whole frame: the
	 * common case (everything consumed) resets for free. */
	if (buf_len(&c->in) == 0)
		buf_reset(&c->in, 0);
	else if (buf_room(&c->in) < FRAME_HDR_LEN + FRAME_MAX_PAYLOAD)
		buf_compact(&c->in);
	*room = buf_room(&c->in);
	return buf_end(&c->in);
}

void chan_commit(struct chan *c, size_t n)
{
	(void)buf_commit(&c->in, n);
}

bool chan_feed(struct chan *c, const void *p, size_t n)
{
	size_t room;

	(void)chan_space(c, &room);
	return buf_append(&c->in, p, n);
}

enum chan_result chan_next(struct chan *c, struct chan_event *ev, const char **why)
{
	struct frame f;
	size_t used;

	switch (frame_decode(buf_ptr(&c->in), buf_len(&c->in), c->max_data, &f, &used, why)) {
	case FRAME_NEED_MORE:
		return CHAN_NEED_MORE;
	case FRAME_MALFORMED:
		return CHAN_MALFORMED;
	case FRAME_OK:
		break;
	}
	/* Consumed now: the payload stays in place until chan_space(). */
	buf_consume(&c->in, used);
	ev->type = f.type;
	ev->data = f.payload;
	ev->len = f.len;
	switch (f.type) {
	case FRAME_DATA:
		ev->ip_result = ippkt_parse(f.payload, f.len, &ev->ip);
		return CHAN_OK;
	case FRAME_KEEPALIVE:
		return CHAN_OK;
	case FRAME_CONFIG:
		if (c->role != CHAN_CLIENT) {
			*why = "CONFIG sent to the gateway";
			return CHAN_MALFORMED;
		}
		if (msg_config_decode(f.payload, f.len, &ev->config, why) != MSG_OK)
			return CHAN_MALFORMED;
		return CHAN_OK;
	case FRAME_BYE:
		if (msg_bye_decode(f.payload, f.len, &ev->bye, why) != MSG_OK)
			return CHAN_MALFORMED;
		return CHAN_OK;
	case FRAME_CONFIG_UPDATE:
		if (c->role != CHAN_CLIENT) {
			*why = "CONFIG_UPDATE sent to the gateway";
			return CHAN_MALFORMED;
		}
		if (msg_update_decode(f.payload, f.len, &ev->config, why) != MSG_OK)
			return CHAN_MALFORMED;
		return CHAN_OK;
	case FRAME_FEATURES:
		if (c->role != CHAN_GATEWAY) {
			*why = "FEATURES sent to the client";
			return CHAN_MALFORMED;
		}
		if (msg_features_decode(f.payload, f.len, &ev->features, why) != MSG_OK)
			return CHAN_MALFORMED;
		return CHAN_OK;
	default:
		*why = "unknown frame type";
		return CHAN_MALFORMED;
	}
}
