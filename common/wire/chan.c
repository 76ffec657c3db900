/*
 * chan.c - split the decrypted byte stream into frames and check each one
 * for what it claims to be. The buffer is compacted only when asked for
 * space, so a DATA event stays valid while the caller forwards it.
 */
#include "chan.h"

#include <errno.h>
#include <string.h>

#include "cstp.h"
#include "dchan_msg.h"
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

int chan_init_growing(struct chan *c, enum chan_role role, size_t max)
{
	memset(c, 0, sizeof(*c));
	if (max <= FRAME_HDR_LEN + FRAME_MAX_PAYLOAD) {
		errno = EINVAL;
		return -1;
	}
	if (buf_init_growable(&c->in, CHAN_IDLE_CAP, max) < 0)
		return -1;
	c->growing = true;
	c->role = role;
	c->max_data = FRAME_MAX_PAYLOAD;
	return 0;
}

void chan_trim(struct chan *c)
{
	if (c->growing)
		buf_shrink(&c->in, CHAN_IDLE_CAP);
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

void chan_set_framing(struct chan *c, enum chan_framing f)
{
	if (f == CHAN_FRAMING_CSTP && c->role != CHAN_GATEWAY)
		return;
	c->framing = f;
}

/* The largest whole frame or packet this channel accepts. */
static size_t frame_max(const struct chan *c)
{
	return (c->framing == CHAN_FRAMING_CSTP ? CSTP_HDR_LEN : FRAME_HDR_LEN) + FRAME_MAX_PAYLOAD;
}

uint8_t *chan_space(struct chan *c, size_t *room)
{
	/* Compact only when the tail room could not take a whole frame: the
	 * common case (everything consumed) resets for free. */
	if (buf_len(&c->in) == 0)
		buf_reset(&c->in, 0);
	else if (buf_room(&c->in) < frame_max(c))
		buf_compact(&c->in);
	/* A growing channel: the last read filled it, so the peer is
	 * sending more than a trickle; doubling reaches the largest frame
	 * in a few steps (buf_reserve never passes the max). */
	if (buf_room(&c->in) < CHAN_GROW_ROOM && !buf_reserve(&c->in, buf_len(&c->in) + CHAN_GROW_ROOM) &&
	    buf_room(&c->in) == 0) {
		*room = 0;
		return NULL;
	}
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

/* DISCONNECT / TERMINATE: reason byte, then text shown as openconnect
 * shows it. */
static void cstp_bye(const struct frame *f, struct msg_bye *bye)
{
	size_t n = 0;

	memset(bye, 0, sizeof(*bye));
	bye->reason = BYE_NORMAL;
	for (size_t i = 1; i < f->len && n < BYE_MAX_TEXT; i++, n++)
		bye->text[n] = f->payload[i] >= 0x20 && f->payload[i] < 0x7f ? (char)f->payload[i] : '.';
	bye->text[n] = 0;
}

/* A CSTP packet as the event our own wire would give for it. */
static enum chan_result cstp_event(const struct frame *f, struct chan_event *ev, const char **why)
{
	switch (f->type) {
	case CSTP_DATA:
		ev->type = FRAME_DATA;
		ev->ip_result = ippkt_parse(f->payload, f->len, &ev->ip);
		return CHAN_OK;
	case CSTP_KEEPALIVE:
		ev->type = FRAME_KEEPALIVE;
		return CHAN_OK;
	case CSTP_DPD_REQ:
		ev->type = CHAN_EV_DPD_REQ;
		return CHAN_OK;
	case CSTP_DPD_RESP:
		ev->type = CHAN_EV_DPD_RESP;
		return CHAN_OK;
	case CSTP_DISCONNECT:
	case CSTP_TERMINATE:
		ev->type = FRAME_BYE;
		cstp_bye(f, &ev->bye);
		return CHAN_OK;
	default:
		*why = "unexpected CSTP packet type";
		return CHAN_MALFORMED;
	}
}

/* The next whole frame or packet, consumed: its payload stays in place
 * until chan_space(). */
static enum chan_result take(struct chan *c, struct frame *f, const char **why)
{
	enum frame_result r;
	size_t used, max_data = c->max_data;

	if (c->framing == CHAN_FRAMING_CSTP) {
		/* A cap chan_init accepted may be a few bytes short of the
		 * largest CSTP packet: never wait for one that cannot fit. */
		if (max_data > c->in.max - CSTP_HDR_LEN)
			max_data = c->in.max - CSTP_HDR_LEN;
		r = cstp_decode(buf_ptr(&c->in), buf_len(&c->in), max_data, f, &used, why);
	} else {
		r = frame_decode(buf_ptr(&c->in), buf_len(&c->in), max_data, f, &used, why);
	}
	if (r == FRAME_NEED_MORE)
		return CHAN_NEED_MORE;
	if (r == FRAME_MALFORMED)
		return CHAN_MALFORMED;
	buf_consume(&c->in, used);
	return CHAN_OK;
}

enum chan_result chan_next(struct chan *c, struct chan_event *ev, const char **why)
{
	struct frame f;
	enum chan_result r = take(c, &f, why);

	if (r != CHAN_OK)
		return r;
	ev->data = f.payload;
	ev->len = f.len;
	if (c->framing == CHAN_FRAMING_CSTP)
		return cstp_event(&f, ev, why);
	ev->type = f.type;
	switch (f.type) {
	case FRAME_DATA:
		ev->ip_result = ippkt_parse(f.payload, f.len, &ev->ip);
		return CHAN_OK;
	case FRAME_DATA_GSO:
		if (!frame_gso_decode(f.payload, f.len, &ev->gso, why))
			return CHAN_MALFORMED;
		ev->data = f.payload + FRAME_GSO_HDR_LEN;
		ev->len = f.len - FRAME_GSO_HDR_LEN;
		ev->ip_result = ippkt_parse(ev->data, ev->len, &ev->ip);
		ev->gso_why = NULL;
		ev->gso_result = gso_check(ev->data, ev->len, &ev->gso, c->max_data, &ev->gso_info,
					   &ev->gso_why);
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
	case FRAME_DCHAN_REKEY:
	case FRAME_DCHAN_REKEY_ACK:
		/* REKEY goes to the client, its answer to the gateway. */
		if ((f.type == FRAME_DCHAN_REKEY) != (c->role == CHAN_CLIENT)) {
			*why = "DCHAN_REKEY or DCHAN_REKEY_ACK sent the wrong way";
			return CHAN_MALFORMED;
		}
		if (dchan_msg_epoch_decode(f.payload, f.len, &ev->dchan_epoch, why) != MSG_OK)
			return CHAN_MALFORMED;
		return CHAN_OK;
	case FRAME_CONTINUE:
		if (c->role != CHAN_GATEWAY) {
			*why = "CONTINUE sent to the client";
			return CHAN_MALFORMED;
		}
		if (dchan_msg_continue_decode(f.payload, f.len, &ev->cont_cid, ev->cont_proof, why) !=
		    MSG_OK)
			return CHAN_MALFORMED;
		return CHAN_OK;
	default:
		*why = "unknown frame type";
		return CHAN_MALFORMED;
	}
}
