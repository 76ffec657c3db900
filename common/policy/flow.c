/*
 * flow.c - the flow table: open hashing with chains of entry indexes, a
 * doubly linked LRU list over the same entries, and a free list. Every
 * operation is O(1) but the chain walk; the chain is short because the
 * bucket array is twice the capacity and the hash is keyed.
 * TCP is kept deliberately simple: any allowed TCP packet from the client
 * opens or refreshes the flow (no SYN tracking, no sequence checks); a FIN
 * or RST seen either way shortens the rest of its life, and a SYN from the
 * client (a new connection on the same ports) restores it.
 */
#include "flow.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define NONE 0u

struct flow_entry {
	struct flow_key key;
	uint64_t expires_ms;
	uint32_t next; /* in the bucket chain (or the free list) */
	uint32_t lru_prev, lru_next;
	uint32_t hash;
	bool closing; /* TCP FIN or RST seen */
};

static uint64_t mix(uint64_t h)
{
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebull;
	h ^= h >> 31;
	return h;
}

static uint32_t hash_key(const struct flow_table *t, const struct flow_key *k)
{
	uint64_t w[5], h = t->seed;

	memcpy(&w[0], k->caddr, 8);
	memcpy(&w[1], k->caddr + 8, 8);
	memcpy(&w[2], k->raddr, 8);
	memcpy(&w[3], k->raddr + 8, 8);
	w[4] = (uint64_t)k->family << 56 | (uint64_t)k->proto << 48 | (uint64_t)k->cport << 16 |
	       k->rport;
	h = mix(h ^ k->owner);
	for (int i = 0; i < 5; i++)
		h = mix(h ^ w[i]);
	return (uint32_t)h;
}

static bool key_eq(const struct flow_key *a, const struct flow_key *b)
{
	return a->owner == b->owner && a->family == b->family && a->proto == b->proto &&
	       a->cport == b->cport && a->rport == b->rport &&
	       memcmp(a->caddr, b->caddr, 16) == 0 && memcmp(a->raddr, b->raddr, 16) == 0;
}

int flow_init(struct flow_table *t, uint32_t cap, uint64_t seed)
{
	uint32_t nb = 2;

	memset(t, 0, sizeof(*t));
	if (cap == 0 || cap > (1u << 24))
		return -1;
	while (nb < 2 * cap)
		nb <<= 1;
	t->e = calloc(cap, sizeof(*t->e));
	t->bucket = calloc(nb, sizeof(*t->bucket));
	if (t->e == NULL || t->bucket == NULL) {
		flow_deinit(t);
		return -1;
	}
	t->cap = cap;
	t->mask = nb - 1;
	t->seed = seed;
	for (uint32_t i = 0; i < cap; i++)
		t->e[i].next = i + 2 <= cap ? i + 2 : NONE;
	t->free_head = 1;
	return 0;
}

void flow_deinit(struct flow_table *t)
{
	free(t->e);
	free(t->bucket);
	memset(t, 0, sizeof(*t));
}

static void addr_bytes(uint8_t out[static 16], const struct ipaddr *a)
{
	memset(out, 0, 16);
	memcpy(out, a->bytes, addr_len(a));
}

bool flow_key_of(uint64_t owner, const struct ippkt_info *ip, const struct ippkt_l4 *l4,
		 bool from_client, struct flow_key *k)
{
	uint16_t sport = 0, dport = 0;

	memset(k, 0, sizeof(*k));
	if (l4->fragment || (ip->family != AF_INET && ip->family != AF_INET6))
		return false;
	switch (l4->proto) {
	case 6:	 /* TCP */
	case 17: /* UDP */
		if (!l4->has_ports)
			return false;
		sport = l4->sport;
		dport = l4->dport;
		break;
	case 1:	 /* ICMP */
	case 58: /* ICMPv6 */
		/* Only an echo request opens a flow and only its reply uses it. */
		if (!l4->icmp_echo)
			return false;
		if (from_client != (l4->icmp_type == 8 || l4->icmp_type == 128))
			return false;
		if (from_client)
			sport = l4->icmp_id;
		else
			dport = l4->icmp_id;
		break;
	default:
		break;
	}
	k->owner = owner;
	k->family = (uint8_t)ip->family;
	k->proto = l4->proto;
	if (from_client) {
		addr_bytes(k->caddr, &ip->src);
		addr_bytes(k->raddr, &ip->dst);
		k->cport = sport;
		k->rport = dport;
	} else {
		addr_bytes(k->caddr, &ip->dst);
		addr_bytes(k->raddr, &ip->src);
		k->cport = dport;
		k->rport = sport;
	}
	return true;
}

static uint32_t timeout_s(const struct flow_entry *e)
{
	switch (e->key.proto) {
	case 6:
		return e->closing ? FLOW_TCP_CLOSING_TIMEOUT : FLOW_TCP_TIMEOUT;
	case 17:
		return FLOW_UDP_TIMEOUT;
	case 1:
	case 58:
		return FLOW_ICMP_TIMEOUT;
	default:
		return FLOW_OTHER_TIMEOUT;
	}
}

static void lru_unlink(struct flow_table *t, uint32_t i)
{
	struct flow_entry *e = &t->e[i - 1];

	if (e->lru_prev != NONE)
		t->e[e->lru_prev - 1].lru_next = e->lru_next;
	else
		t->lru_head = e->lru_next;
	if (e->lru_next != NONE)
		t->e[e->lru_next - 1].lru_prev = e->lru_prev;
	else
		t->lru_tail = e->lru_prev;
	e->lru_prev = e->lru_next = NONE;
}

static void lru_push_front(struct flow_table *t, uint32_t i)
{
	struct flow_entry *e = &t->e[i - 1];

	e->lru_prev = NONE;
	e->lru_next = t->lru_head;
	if (t->lru_head != NONE)
		t->e[t->lru_head - 1].lru_prev = i;
	t->lru_head = i;
	if (t->lru_tail == NONE)
		t->lru_tail = i;
}

static void remove_entry(struct flow_table *t, uint32_t i)
{
	struct flow_entry *e = &t->e[i - 1];
	uint32_t *pp = &t->bucket[e->hash & t->mask];

	while (*pp != i)
		pp = &t->e[*pp - 1].next;
	*pp = e->next;
	lru_unlink(t, i);
	memset(e, 0, sizeof(*e));
	e->next = t->free_head;
	t->free_head = i;
	t->count--;
}

static uint32_t find(const struct flow_table *t, const struct flow_key *k, uint32_t h)
{
	for (uint32_t i = t->bucket[h & t->mask]; i != NONE; i = t->e[i - 1].next)
		if (t->e[i - 1].hash == h && key_eq(&t->e[i - 1].key, k))
			return i;
	return NONE;
}

/* The TCP flags move the flow between open and closing; then its life
 * starts again from now. */
static void touch(struct flow_table *t, uint32_t i, const struct ippkt_l4 *l4, bool from_client,
		  uint64_t now_ms)
{
	struct flow_entry *e = &t->e[i - 1];

	if (e->key.proto == 6 && l4 != NULL) {
		if (l4->tcp_flags & (IPPKT_TCP_FIN | IPPKT_TCP_RST))
			e->closing = true;
		else if (from_client &&
			 (l4->tcp_flags & (IPPKT_TCP_SYN | IPPKT_TCP_ACK)) == IPPKT_TCP_SYN)
			e->closing = false;
	}
	e->expires_ms = now_ms + (uint64_t)timeout_s(e) * 1000;
	if (t->lru_head != i) {
		lru_unlink(t, i);
		lru_push_front(t, i);
	}
}

void flow_open(struct flow_table *t, const struct flow_key *k, const struct ippkt_l4 *l4,
	       uint64_t now_ms)
{
	uint32_t h = hash_key(t, k), i = find(t, k, h);
	struct flow_entry *e;

	if (i != NONE) {
		touch(t, i, l4, true, now_ms);
		return;
	}
	if (t->free_head == NONE) {
		if (t->e[t->lru_tail - 1].expires_ms <= now_ms)
			t->st.expired++;
		else
			t->st.evicted++;
		remove_entry(t, t->lru_tail);
	}
	i = t->free_head;
	e = &t->e[i - 1];
	t->free_head = e->next;
	memset(e, 0, sizeof(*e));
	e->key = *k;
	e->hash = h;
	e->next = t->bucket[h & t->mask];
	t->bucket[h & t->mask] = i;
	lru_push_front(t, i);
	t->count++;
	t->st.opened++;
	touch(t, i, l4, true, now_ms);
}

bool flow_match(struct flow_table *t, const struct flow_key *k, const struct ippkt_l4 *l4,
		uint64_t now_ms)
{
	uint32_t h = hash_key(t, k), i = find(t, k, h);

	if (i == NONE)
		return false;
	if (t->e[i - 1].expires_ms <= now_ms) {
		remove_entry(t, i);
		t->st.expired++;
		return false;
	}
	touch(t, i, l4, false, now_ms);
	return true;
}

unsigned flow_expire(struct flow_table *t, uint64_t now_ms, unsigned budget)
{
	unsigned n = 0;
	uint32_t i = t->lru_tail;

	while (i != NONE && budget-- > 0) {
		uint32_t prev = t->e[i - 1].lru_prev;

		if (t->e[i - 1].expires_ms <= now_ms) {
			remove_entry(t, i);
			t->st.expired++;
			n++;
		}
		i = prev;
	}
	return n;
}
