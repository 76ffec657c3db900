/*
 * renew_plan.c - the renewal timing (renew_plan.h). Lifetimes of a minute
 * (tests) and of a year use the same rules; every bound is in seconds.
 */
#include "renew_plan.h"

#include <string.h>

#define RETRY_FIRST 30
#define RETRY_MAX 3600
#define LATE_MAX 30

bool renew_at_parse(const char *s, struct renew_at *out, const char **why)
{
	unsigned long a = 0, b = 0;
	const char *p = s;
	size_t digits = 0;

	*why = "use a fraction of the lifetime between 0 and 1, e.g. 2/3, 0.75 or 80%";
	while (*p >= '0' && *p <= '9' && digits < 7) {
		a = a * 10 + (unsigned long)(*p++ - '0');
		digits++;
	}
	if (digits == 0)
		return false;
	if (*p == '/') {
		digits = 0;
		p++;
		while (*p >= '0' && *p <= '9' && digits < 7) {
			b = b * 10 + (unsigned long)(*p++ - '0');
			digits++;
		}
		if (digits == 0 || *p != 0 || b > 1000)
			return false;
	} else if (*p == '%' && p[1] == 0) {
		b = 100;
	} else if (*p == '.' && a == 0) {
		b = 1;
		digits = 0;
		for (p++; *p >= '0' && *p <= '9' && digits < 3; p++, digits++) {
			a = a * 10 + (unsigned long)(*p - '0');
			b *= 10;
		}
		if (digits == 0 || *p != 0)
			return false;
	} else {
		return false;
	}
	if (a == 0 || b == 0 || a >= b)
		return false;
	out->num = (unsigned)a;
	out->den = (unsigned)b;
	*why = NULL;
	return true;
}

int64_t renew_plan_due(const struct renew_life *l, struct renew_at at, int64_t now, uint32_t rnd)
{
	int64_t life = l->not_after - l->issued, jitter, due;

	if (now >= l->not_after)
		return -1;
	if (life <= 0)
		life = 1;
	jitter = life / 20;
	due = l->issued + life * (int64_t)at.num / (int64_t)at.den;
	due -= jitter > 0 ? (int64_t)(rnd % (uint64_t)(jitter + 1)) : 0;
	if (due < now) {
		int64_t late = jitter < LATE_MAX ? jitter : LATE_MAX;

		due = now + (late > 0 ? (int64_t)(rnd % (uint64_t)(late + 1)) : 0);
	}
	return due < l->not_after ? due : now;
}

int64_t renew_plan_retry(const struct renew_life *l, unsigned failures, int64_t now, uint32_t rnd)
{
	int64_t d = RETRY_FIRST, left = l->not_after - now, cap;

	if (left <= 0)
		return -1;
	for (unsigned i = 1; i < failures && d < RETRY_MAX; i++)
		d *= 2;
	if (d > RETRY_MAX)
		d = RETRY_MAX;
	cap = left / 3;
	if (cap < 2)
		cap = 2;
	if (d > cap)
		d = cap;
	d = d / 2 + (int64_t)(rnd % (uint64_t)(d - d / 2 + 1));
	return now + d;
}
