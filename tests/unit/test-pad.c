/* SPDX-License-Identifier: ISC */
#include <string.h>

#include "common/err.h"
#include "common/pad.h"
#include "tests/unit/cm.h"

static uint8_t big[PAD_BUCKET_MAX];

static void
test_bucket_sizes(void **state)
{
	assert_int_equal(pad_size(0), 256);
	assert_int_equal(pad_size(255), 256);
	assert_int_equal(pad_size(256), 1024);
	assert_int_equal(pad_size(1023), 1024);
	assert_int_equal(pad_size(1024), 4096);
	assert_int_equal(pad_size(16383), 16384);
	assert_int_equal(pad_size(16384), PAD_BUCKET_MAX);
	assert_int_equal(pad_size(PAD_CONTENT_MAX), PAD_BUCKET_MAX);
	assert_int_equal(pad_size(PAD_CONTENT_MAX + 1), 0);
}

static void
test_round_trip_every_boundary(void **state)
{
	const size_t lens[] = {0, 1, 254, 255, 256, 1022, 1023, 1024, 4095,
	    16383, 16384, 30000, PAD_CONTENT_MAX};
	size_t out, back;

	for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		/* Content ending in 0x80 and zeros must not confuse it. */
		memset(big, 0, sizeof big);
		if (lens[i] > 0)
			big[lens[i] - 1] = 0x80;
		assert_int_equal(pad_apply(big, lens[i], sizeof big, &out), 0);
		assert_int_equal(out, pad_size(lens[i]));
		assert_int_equal(pad_remove(big, out, &back), 0);
		assert_int_equal(back, lens[i]);
	}
}

static void
test_apply_refuses_overflow(void **state)
{
	uint8_t small[300];
	size_t out = 1;

	assert_int_equal(pad_apply(small, 255, 255, &out), ERR_TOO_BIG);
	assert_int_equal(out, 0);
	assert_int_equal(
	    pad_apply(big, PAD_CONTENT_MAX + 1, sizeof big, &out), ERR_TOO_BIG);
}

static void
test_remove_rejects_malformed(void **state)
{
	uint8_t b[1024];
	size_t len = 99;

	memset(b, 0, sizeof b);
	assert_int_equal(pad_remove(b, 256, &len), ERR_PAD); /* no marker */
	assert_int_equal(len, 0);
	b[10] = 0x80;
	assert_int_equal(pad_remove(b, 255, &len), ERR_PAD); /* not a bucket */
	assert_int_equal(pad_remove(b, 0, &len), ERR_PAD);
	b[10] = 0x81;
	assert_int_equal(pad_remove(b, 256, &len), ERR_PAD); /* bad marker */
	b[10] = 0x80;
	b[200] = 1; /* junk after the marker */
	assert_int_equal(pad_remove(b, 256, &len), ERR_PAD);
	b[200] = 0;
	assert_int_equal(pad_remove(b, 256, &len), 0);
	assert_int_equal(len, 10);
}

/* With a reserve the padded length plus the reserve is a bucket. */
static void
test_reserve(void **state)
{
	static uint8_t b[PAD_BUCKET_MAX];
	size_t out, back, len;

	for (len = 0; len + 121 < PAD_BUCKET_MAX; len += 97) {
		memset(b, 0x80, len);
		assert_int_equal(
		    pad_apply_reserve(b, len, sizeof b, 121, &out), 0);
		assert_int_equal(pad_size(out + 120), out + 121);
		assert_int_equal(pad_remove_reserve(b, out, 121, &back), 0);
		assert_int_equal(back, len);
		assert_int_equal(pad_remove(b, out, &back), ERR_PAD);
	}
	/* The largest content that fits, and one byte more. */
	len = PAD_BUCKET_MAX - 121 - 1;
	assert_int_equal(pad_apply_reserve(b, len, sizeof b, 121, &out), 0);
	assert_int_equal(out, PAD_BUCKET_MAX - 121);
	assert_int_equal(
	    pad_apply_reserve(b, len + 1, sizeof b, 121, &out), ERR_TOO_BIG);
	assert_int_equal(
	    pad_apply_reserve(b, 10, 256 - 122, 121, &out), ERR_TOO_BIG);
	assert_int_equal(
	    pad_apply_reserve(b, 0, sizeof b, PAD_BUCKET_MAX, &out),
	    ERR_TOO_BIG);
	assert_int_equal(pad_remove_reserve(b, 256, 121, &back), ERR_PAD);
	assert_int_equal(
	    pad_remove_reserve(b, SIZE_MAX - 10, 121, &back), ERR_PAD);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bucket_sizes),
	    cmocka_unit_test(test_round_trip_every_boundary),
	    cmocka_unit_test(test_apply_refuses_overflow),
	    cmocka_unit_test(test_remove_rejects_malformed),
	    cmocka_unit_test(test_reserve),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
