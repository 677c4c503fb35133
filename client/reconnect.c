/* SPDX-License-Identifier: ISC */
/*
 * The reconnect schedule: capped exponential backoff with full jitter, as
 * in "Exponential Backoff And Jitter" (AWS Architecture Blog, 2015), which
 * spreads a crowd of clients best for the fewest attempts.
 */
#include "client/reconnect.h"

#include <string.h>

void
reconnect_init(struct reconnect *r, reconnect_rand_cb rnd, void *arg)
{
	memset(r, 0, sizeof *r);
	r->rand = rnd;
	r->rand_arg = arg;
	r->ceiling = RECONNECT_BASE_MS;
}

void
reconnect_up(struct reconnect *r, uint64_t now_ms)
{
	r->up = true;
	r->up_since = now_ms;
}

uint32_t
reconnect_next(struct reconnect *r, uint64_t now_ms)
{
	uint32_t delay;

	/*
	 * A clock that went backwards counts as a short connection: better
	 * a longer wait than a storm of retries.
	 */
	if (r->up && now_ms >= r->up_since &&
	    now_ms - r->up_since >= RECONNECT_STABLE_MS)
		r->ceiling = RECONNECT_BASE_MS;
	r->up = false;
	/* upper is ceiling + 1 so the ceiling itself can be drawn. */
	delay = r->rand(r->rand_arg, r->ceiling + 1);
	if (delay > r->ceiling)
		delay = r->ceiling;
	r->ceiling = r->ceiling >= RECONNECT_CAP_MS / 2 ? RECONNECT_CAP_MS
	                                                : r->ceiling * 2;
	return delay;
}

uint32_t
reconnect_ceiling(const struct reconnect *r)
{
	return r->ceiling;
}
