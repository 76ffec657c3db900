/*
 * test_ticket_table.c - the gateway's ticket table: a ticket is handed out
 * once, never after its expiry, never after the table is emptied; the bound
 * evicts the oldest; the expiry is the soonest of the lifetime, the
 * certificate's notAfter and max_session_lifetime from the full handshake.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ticket_table.h"

static const uint8_t state[] = {1, 2, 3, 4, 5};
/* Two certificates: "AB" and "CDE". */
static const uint8_t chain[] = {0, 0, 2, 'A', 'B', 0, 0, 3, 'C', 'D', 'E'};
static const uint8_t mac[TICKET_MAC_LEN] = {9};

static void handle_of(unsigned n, uint8_t h[static TICKET_HANDLE_LEN])
{
	memset(h, 0, TICKET_HANDLE_LEN);
	h[0] = (uint8_t)(n >> 8);
	h[1] = (uint8_t)n;
	h[15] = 0x5a;
}

static bool put(struct ticket_table *t, unsigned n, int64_t now, int64_t expires)
{
	uint8_t h[TICKET_HANDLE_LEN];

	handle_of(n, h);
	return ticket_table_put(t, h, mac, state, sizeof(state), chain, sizeof(chain), now, now,
				expires);
}

static enum ticket_take take(struct ticket_table *t, unsigned n, int64_t now, struct ticket **k)
{
	uint8_t h[TICKET_HANDLE_LEN];

	handle_of(n, h);
	return ticket_table_take(t, h, now, k);
}

static void test_ticket_table_take_once(void **unused)
{
	struct ticket_table *t = ticket_table_new(8, 1 << 20);
	struct ticket *k = NULL;

	(void)unused;
	assert_true(put(t, 1, 100, 200));
	assert_int_equal(ticket_table_count(t), 1);
	assert_int_equal(take(t, 1, 150, &k), TICKET_TAKEN);
	assert_non_null(k);
	assert_memory_equal(k->state, state, sizeof(state));
	assert_int_equal(k->state_len, sizeof(state));
	assert_memory_equal(k->mac, mac, sizeof(mac));
	assert_int_equal(k->full_at, 100);
	ticket_free(k);
	/* Single use: the second offer of the same ticket finds nothing. */
	assert_int_equal(take(t, 1, 150, &k), TICKET_UNKNOWN);
	assert_null(k);
	assert_int_equal(ticket_table_count(t), 0);
	ticket_table_free(t);
}

static void test_ticket_table_take_unknown_handle(void **unused)
{
	struct ticket_table *t = ticket_table_new(8, 1 << 20);
	struct ticket *k = NULL;
	uint8_t h[TICKET_HANDLE_LEN];

	(void)unused;
	assert_true(put(t, 1, 100, 200));
	/* Same bucket, one other byte: not the same handle. */
	handle_of(1, h);
	h[15] ^= 1;
	assert_int_equal(ticket_table_take(t, h, 150, &k), TICKET_UNKNOWN);
	assert_int_equal(take(t, 2, 150, &k), TICKET_UNKNOWN);
	assert_int_equal(ticket_table_count(t), 1);
	ticket_table_free(t);
}

static void test_ticket_table_take_expired(void **unused)
{
	struct ticket_table *t = ticket_table_new(8, 1 << 20);
	struct ticket *k = NULL;

	(void)unused;
	assert_true(put(t, 1, 100, 200));
	assert_int_equal(take(t, 1, 200, &k), TICKET_EXPIRED);
	assert_null(k);
	assert_int_equal(ticket_table_count(t), 0);
	assert_int_equal(take(t, 1, 150, &k), TICKET_UNKNOWN);
	ticket_table_free(t);
}

static void test_ticket_table_clear_empties(void **unused)
{
	struct ticket_table *t = ticket_table_new(8, 1 << 20);
	struct ticket *k = NULL;

	(void)unused;
	assert_true(put(t, 1, 100, 200));
	assert_true(put(t, 2, 100, 200));
	ticket_table_clear(t);
	assert_int_equal(ticket_table_count(t), 0);
	assert_int_equal(take(t, 1, 150, &k), TICKET_UNKNOWN);
	assert_int_equal(take(t, 2, 150, &k), TICKET_UNKNOWN);
	/* Still usable afterwards. */
	assert_true(put(t, 3, 100, 200));
	assert_int_equal(take(t, 3, 150, &k), TICKET_TAKEN);
	ticket_free(k);
	ticket_table_free(t);
}

static void test_ticket_table_put_evicts_oldest(void **unused)
{
	struct ticket_table *t = ticket_table_new(2, 1 << 20);
	struct ticket *k = NULL;

	(void)unused;
	assert_true(put(t, 1, 100, 1000));
	assert_true(put(t, 2, 101, 1000));
	assert_true(put(t, 3, 102, 1000));
	assert_int_equal(ticket_table_count(t), 2);
	assert_int_equal(take(t, 1, 150, &k), TICKET_UNKNOWN);
	assert_int_equal(take(t, 3, 150, &k), TICKET_TAKEN);
	ticket_free(k);
	assert_int_equal(take(t, 2, 150, &k), TICKET_TAKEN);
	ticket_free(k);
	ticket_table_free(t);
}

static void test_ticket_table_put_bounds_bytes(void **unused)
{
	/* Room for two tickets' bytes (5 + 11 each), not three. */
	struct ticket_table *t = ticket_table_new(8, 40);
	struct ticket *k = NULL;
	uint8_t h[TICKET_HANDLE_LEN];
	static uint8_t big[41];

	(void)unused;
	assert_true(put(t, 1, 100, 1000));
	assert_true(put(t, 2, 101, 1000));
	assert_true(put(t, 3, 102, 1000));
	assert_int_equal(ticket_table_count(t), 2);
	assert_int_equal(take(t, 1, 150, &k), TICKET_UNKNOWN);
	/* One that could never fit is refused, and evicts nothing. */
	handle_of(4, h);
	assert_false(ticket_table_put(t, h, mac, big, sizeof(big), chain, sizeof(chain), 1, 1, 2));
	assert_int_equal(ticket_table_count(t), 2);
	assert_int_equal(take(t, 3, 150, &k), TICKET_TAKEN);
	ticket_free(k);
	ticket_table_free(t);
}

static void test_ticket_table_put_drops_expired(void **unused)
{
	struct ticket_table *t = ticket_table_new(8, 1 << 20);
	struct ticket *k = NULL;

	(void)unused;
	assert_true(put(t, 1, 100, 500));
	assert_true(put(t, 2, 100, 110));
	assert_true(put(t, 3, 120, 500));
	assert_int_equal(ticket_table_count(t), 2);
	assert_int_equal(take(t, 1, 150, &k), TICKET_TAKEN);
	ticket_free(k);
	ticket_table_free(t);
}

static void test_ticket_table_put_refuses(void **unused)
{
	struct ticket_table *t = ticket_table_new(8, 1 << 20);
	uint8_t h[TICKET_HANDLE_LEN];
	static uint8_t big[TICKET_CHAIN_MAX + 1];

	(void)unused;
	handle_of(1, h);
	assert_false(ticket_table_put(t, h, mac, state, 0, chain, sizeof(chain), 1, 1, 2));
	assert_false(ticket_table_put(t, h, mac, state, sizeof(state), chain, 0, 1, 1, 2));
	assert_false(ticket_table_put(t, h, mac, big, TICKET_STATE_MAX + 1, chain, sizeof(chain),
				      1, 1, 2));
	assert_false(ticket_table_put(t, h, mac, state, sizeof(state), big, sizeof(big), 1, 1, 2));
	assert_true(ticket_table_put(t, h, mac, state, sizeof(state), chain, sizeof(chain), 1, 1,
				     2));
	/* A handle in use is never overwritten. */
	assert_false(ticket_table_put(t, h, mac, state, sizeof(state), chain, sizeof(chain), 1, 1,
				      2));
	assert_int_equal(ticket_table_count(t), 1);
	assert_true(ticket_table_forget(t, h));
	assert_false(ticket_table_forget(t, h));
	assert_int_equal(ticket_table_count(t), 0);
	ticket_table_free(t);
}

static void test_ticket_expiry_soonest(void **unused)
{
	(void)unused;
	/* The lifetime alone. */
	assert_int_equal(ticket_expiry(1000, 1000, 28800, INT64_MAX, 0), 29800);
	/* The certificate ends first: valid through its notAfter second. */
	assert_int_equal(ticket_expiry(1000, 1000, 28800, 5000, 0), 5001);
	/* max_session_lifetime from the last full handshake, not from now. */
	assert_int_equal(ticket_expiry(1000, 400, 28800, INT64_MAX, 3600), 4000);
	assert_int_equal(ticket_expiry(1000, 400, 60, INT64_MAX, 3600), 1060);
	/* Already past: expired at once. */
	assert_true(ticket_expiry(1000, 0, 28800, 10, 0) <= 1000);
	assert_true(ticket_expiry(1000, 0, 28800, INT64_MAX, 500) <= 1000);
}

static void test_ticket_chain_cert_walks(void **unused)
{
	struct ticket k;
	const uint8_t *der;
	size_t len;
	uint8_t broken[] = {0, 0, 2, 'A', 'B', 0, 0, 9, 'C'};

	(void)unused;
	memset(&k, 0, sizeof(k));
	k.chain = (uint8_t *)(uintptr_t)chain;
	k.chain_len = sizeof(chain);
	assert_true(ticket_chain_cert(&k, 0, &der, &len));
	assert_int_equal(len, 2);
	assert_memory_equal(der, "AB", 2);
	assert_true(ticket_chain_cert(&k, 1, &der, &len));
	assert_int_equal(len, 3);
	assert_memory_equal(der, "CDE", 3);
	assert_false(ticket_chain_cert(&k, 2, &der, &len));
	k.chain = broken;
	k.chain_len = sizeof(broken);
	assert_true(ticket_chain_cert(&k, 0, &der, &len));
	assert_false(ticket_chain_cert(&k, 1, &der, &len));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ticket_table_take_once),
		cmocka_unit_test(test_ticket_table_take_unknown_handle),
		cmocka_unit_test(test_ticket_table_take_expired),
		cmocka_unit_test(test_ticket_table_clear_empties),
		cmocka_unit_test(test_ticket_table_put_evicts_oldest),
		cmocka_unit_test(test_ticket_table_put_bounds_bytes),
		cmocka_unit_test(test_ticket_table_put_drops_expired),
		cmocka_unit_test(test_ticket_table_put_refuses),
		cmocka_unit_test(test_ticket_expiry_soonest),
		cmocka_unit_test(test_ticket_chain_cert_walks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
