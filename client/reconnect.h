/* SPDX-License-Identifier: ISC */
/*
 * When to try a relay again: exponential backoff from 1 s, doubling to a
 * cap of 5 minutes, with full jitter (each delay uniform in [0, ceiling])
 * so that clients dropped together by a relay restart do not return
 * together. A connection that stayed up for a minute counts as healthy:
 * the next drop starts the schedule again from 1 s.
 *
 * Pure: no clock and no libuv. The caller passes loop times in ms and the
 * random source (the engine wraps randombytes_uniform(); tests pass their
 * own), so the schedule can be tested exactly.
 */
#ifndef HEARTH_CLIENT_RECONNECT_H
#define HEARTH_CLIENT_RECONNECT_H

#include <stdbool.h>
#include <stdint.h>

#define RECONNECT_BASE_MS 1000u
#define RECONNECT_CAP_MS (5u * 60u * 1000u)
/* Up at least this long: the next drop starts from RECONNECT_BASE_MS. */
#define RECONNECT_STABLE_MS (60u * 1000u)

/* Returns a uniform random number in [0, upper); upper is at least 1. */
typedef uint32_t (*reconnect_rand_cb)(void *arg, uint32_t upper);

struct reconnect {
	reconnect_rand_cb rand;
	void *rand_arg;
	uint32_t ceiling; /* the next delay's upper bound, in ms */
	uint64_t up_since;
	bool up;
};

/* Starts a fresh schedule drawing from rnd(arg, ...). */
void reconnect_init(struct reconnect *r, reconnect_rand_cb rnd, void *arg);

/* A connection came up (the relay welcomed us) at loop time now_ms. */
void reconnect_up(struct reconnect *r, uint64_t now_ms);

/*
 * A connection attempt failed, or a connection went down, at now_ms.
 * Returns how many ms to wait before the next attempt, in [0, ceiling],
 * and doubles the ceiling for next time, up to RECONNECT_CAP_MS. If the
 * connection had been up for RECONNECT_STABLE_MS or more, the ceiling is
 * RECONNECT_BASE_MS again first.
 */
uint32_t reconnect_next(struct reconnect *r, uint64_t now_ms);

/* The ceiling of the next delay, for status lines and tests. */
uint32_t reconnect_ceiling(const struct reconnect *r);

#endif
