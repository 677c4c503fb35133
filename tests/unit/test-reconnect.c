/* SPDX-License-Identifier: ISC */
/*
 * The reconnect schedule with injected random sources: the ceiling's
 * growth and cap, the reset after a stable connection, and every delay
 * within [0, ceiling].
 */
#include <stdlib.h>

#include "client/reconnect.h"
#include "tests/unit/cm.h"

/* Always the top of the range: the delay equals the ceiling. */
static uint32_t
rand_max(void *arg, uint32_t upper)
{
	uint32_t *last_upper = arg;

	if (last_upper != NULL)
		*last_upper = upper;
	return upper - 1;
}

static uint32_t
rand_zero(void *arg, uint32_t upper)
{
	return 0;
}

/* Out of contract on purpose: the module must clamp it. */
static uint32_t
rand_broken(void *arg, uint32_t upper)
{
	return UINT32_MAX;
}

/* A deterministic generator (xorshift32) for many uniform draws. */
static uint32_t
rand_xorshift(void *arg, uint32_t upper)
{
	uint32_t *x = arg;

	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x % upper;
}

static void
test_growth_and_cap(void **state)
{
	static const uint32_t want[] = {1000, 2000, 4000, 8000, 16000, 32000,
	    64000, 128000, 256000, 300000, 300000, 300000};
	struct reconnect r;
	uint32_t upper = 0;

	reconnect_init(&r, rand_max, &upper);
	assert_int_equal(reconnect_ceiling(&r), RECONNECT_BASE_MS);
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		assert_int_equal(reconnect_next(&r, 0), want[i]);
		/* Full jitter: the draw covers [0, ceiling] inclusive. */
		assert_int_equal(upper, want[i] + 1);
	}
	/* Stays at the cap however long it keeps failing. */
	for (int i = 0; i < 1000; i++)
		assert_int_equal(reconnect_next(&r, 0), RECONNECT_CAP_MS);
}

static void
test_jitter_can_be_zero(void **state)
{
	struct reconnect r;

	reconnect_init(&r, rand_zero, NULL);
	for (int i = 0; i < 20; i++)
		assert_int_equal(reconnect_next(&r, 0), 0);
	/* The ceiling grew all the same. */
	assert_int_equal(reconnect_ceiling(&r), RECONNECT_CAP_MS);
}

static void
test_jitter_within_bounds(void **state)
{
	struct reconnect r;
	uint32_t seed = 0x9e3779b9, ceiling, d;
	uint64_t sum_late = 0;
	int n_late = 0;

	reconnect_init(&r, rand_xorshift, &seed);
	for (int i = 0; i < 5000; i++) {
		ceiling = reconnect_ceiling(&r);
		d = reconnect_next(&r, 0);
		assert_true(d <= ceiling);
		assert_true(ceiling <= RECONNECT_CAP_MS);
		if (ceiling == RECONNECT_CAP_MS) {
			sum_late += d;
			n_late++;
		}
	}
	/* Uniform on [0, cap]: the mean is near cap / 2, not pinned. */
	assert_true(n_late > 4000);
	assert_true(sum_late / (uint64_t)n_late > RECONNECT_CAP_MS / 2 - 10000);
	assert_true(sum_late / (uint64_t)n_late < RECONNECT_CAP_MS / 2 + 10000);

	reconnect_init(&r, rand_broken, NULL);
	assert_int_equal(reconnect_next(&r, 0), RECONNECT_BASE_MS);
}

static void
test_reset_after_stable(void **state)
{
	struct reconnect r;
	uint64_t now = 5000;

	reconnect_init(&r, rand_max, NULL);
	for (int i = 0; i < 6; i++)
		reconnect_next(&r, now);
	assert_int_equal(reconnect_ceiling(&r), 64000);

	/* Up, but not for long: the backoff keeps growing. */
	reconnect_up(&r, now);
	assert_int_equal(
	    reconnect_next(&r, now + RECONNECT_STABLE_MS - 1), 64000);
	assert_int_equal(reconnect_ceiling(&r), 128000);

	/* Up for exactly the stable time: starts again from the base. */
	now += 10 * RECONNECT_STABLE_MS;
	reconnect_up(&r, now);
	assert_int_equal(
	    reconnect_next(&r, now + RECONNECT_STABLE_MS), RECONNECT_BASE_MS);
	assert_int_equal(reconnect_ceiling(&r), 2 * RECONNECT_BASE_MS);

	/* A failed attempt after that is not "up": no second reset. */
	assert_int_equal(reconnect_next(&r, now + 100 * RECONNECT_STABLE_MS),
	    2 * RECONNECT_BASE_MS);

	/* A clock that went backwards does not count as stable. */
	reconnect_up(&r, now);
	assert_int_equal(reconnect_next(&r, now - 1), 4 * RECONNECT_BASE_MS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_growth_and_cap),
	    cmocka_unit_test(test_jitter_can_be_zero),
	    cmocka_unit_test(test_jitter_within_bounds),
	    cmocka_unit_test(test_reset_after_stable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
