/*
 * renew_plan.h - when the client renews its certificate (docs/protocol.md
 * 13.10): at a fraction of its lifetime, a little early by a random amount
 * so that certificates issued together are not renewed together, and after
 * a failure again with a growing delay that still leaves tries before the
 * certificate expires. Pure: times in, times out; the caller draws rnd.
 */
#ifndef MTLSVPN_RENEW_PLAN_H
#define MTLSVPN_RENEW_PLAN_H

#include <stdbool.h>
#include <stdint.h>

/* renew_at: the fraction num/den of the lifetime, 0 < num < den <= 1000. */
struct renew_at {
	unsigned num, den;
};

#define RENEW_AT_DEFAULT ((struct renew_at){2, 3})

/* "2/3", "0.75" or "80%": true with out set if it names a fraction
 * strictly between 0 and 1 (at most 3 decimals); false with *why. */
bool renew_at_parse(const char *s, struct renew_at *out, const char **why);

/* The lifetime as the client knows it: from issued (when the certificate
 * was written here, or its notBefore if later; a gateway back-dates
 * notBefore) to not_after. */
struct renew_life {
	int64_t issued, not_after;
};

/* The time (unix s) to renew: issued + lifetime * num / den, early by up
 * to 1/20 of the lifetime (rnd picks how much); never before now, and if
 * that point has passed, now plus up to 1/20 of the lifetime (at most
 * 30 s). -1 if the certificate has already expired. */
int64_t renew_plan_due(const struct renew_life *l, struct renew_at at, int64_t now, uint32_t rnd);

/* After the failures-th failed try in a row (>= 1): the time of the next,
 * 30 s doubled each time up to an hour, drawn in [d/2, d], but at most a
 * third of what is left of the lifetime (at least 2 s) so several tries
 * fit before not_after. -1 if the certificate has expired. */
int64_t renew_plan_retry(const struct renew_life *l, unsigned failures, int64_t now, uint32_t rnd);

#endif
