/* SPDX-License-Identifier: ISC */
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/frame.h"
#include "tests/unit/cm.h"

/* Three frames back to back: lengths 1, 300 and 2. */
static size_t
make_stream(uint8_t *out)
{
	size_t n = 0;
	const size_t lens[3] = {1, 300, 2};

	for (int f = 0; f < 3; f++) {
		frame_put_header(out + n, lens[f]);
		n += 2;
		for (size_t i = 0; i < lens[f]; i++)
			out[n++] = (uint8_t)(f * 50 + i);
	}
	return n;
}

static void
check_frame(int index, const uint8_t *f, size_t len)
{
	const size_t lens[3] = {1, 300, 2};

	assert_true(index < 3);
	assert_int_equal(len, lens[index]);
	for (size_t i = 0; i < len; i++)
		assert_int_equal(f[i], (uint8_t)(index * 50 + i));
}

/* Feeds the stream in chunks of `chunk` bytes; all three must come out. */
static void
feed_in_chunks(size_t chunk)
{
	uint8_t data[400], *f;
	size_t n = make_stream(data), off = 0, used, flen;
	struct frame_reader fr;
	int got = 0, rc;

	frame_reader_init(&fr, 1, 1024);
	while (off < n) {
		size_t end = off + chunk < n ? off + chunk : n;

		while (off < end) {
			rc = frame_reader_feed(
			    &fr, data + off, end - off, &used, &f, &flen);
			assert_true(rc >= 0);
			assert_true(used > 0);
			off += used;
			if (rc == 1)
				check_frame(got++, f, flen);
		}
	}
	assert_int_equal(got, 3);
	assert_true(frame_reader_idle(&fr));
	frame_reader_release(&fr);
}

static void
test_one_byte_at_a_time(void **state)
{
	feed_in_chunks(1);
}

static void
test_every_chunk_size(void **state)
{
	for (size_t chunk = 2; chunk <= 310; chunk++)
		feed_in_chunks(chunk);
}

static void
test_whole_frame_handed_out_in_place(void **state)
{
	uint8_t data[400], *f;
	size_t used, flen;
	struct frame_reader fr;

	make_stream(data);
	frame_reader_init(&fr, 1, 1024);
	assert_int_equal(
	    frame_reader_feed(&fr, data, sizeof data, &used, &f, &flen), 1);
	assert_ptr_equal(f, data + 2);
	assert_int_equal(used, 3);
	/* A whole frame in place allocates nothing. */
	assert_null(fr.body.data);
	frame_reader_release(&fr);
}

static void
test_zero_length_rejected(void **state)
{
	uint8_t data[2] = {0, 0}, *f;
	size_t used, flen;
	struct frame_reader fr;

	frame_reader_init(&fr, 1, 1024);
	assert_int_equal(
	    frame_reader_feed(&fr, data, 2, &used, &f, &flen), ERR_FRAME_SIZE);
	frame_reader_release(&fr);
}

static void
test_oversized_rejected_before_buffering(void **state)
{
	uint8_t data[3] = {0x04, 0x01, 0xaa}, *f; /* 1025 > 1024 */
	size_t used, flen;
	struct frame_reader fr;

	frame_reader_init(&fr, 1, 1024);
	assert_int_equal(
	    frame_reader_feed(&fr, data, 3, &used, &f, &flen), ERR_FRAME_SIZE);
	assert_null(fr.body.data);
	assert_true(used <= 2);
	frame_reader_release(&fr);
}

static void
test_exact_bounds_accepted(void **state)
{
	static uint8_t data[2 + FRAME_LEN_MAX];
	uint8_t *f;
	size_t used, flen;
	struct frame_reader fr;

	frame_reader_init(&fr, 17, FRAME_LEN_MAX);
	frame_put_header(data, FRAME_LEN_MAX);
	assert_int_equal(
	    frame_reader_feed(&fr, data, sizeof data, &used, &f, &flen), 1);
	assert_int_equal(flen, FRAME_LEN_MAX);
	frame_put_header(data, 17);
	assert_int_equal(frame_reader_feed(&fr, data, 19, &used, &f, &flen), 1);
	frame_put_header(data, 16);
	assert_int_equal(
	    frame_reader_feed(&fr, data, 18, &used, &f, &flen), ERR_FRAME_SIZE);
	frame_reader_release(&fr);
}

static void
test_limit_change_applies_to_next_frame(void **state)
{
	uint8_t data[2 + 2000] = {0}, *f;
	size_t used, flen;
	struct frame_reader fr;

	frame_reader_init(&fr, 1, 1024);
	frame_put_header(data, 2000);
	assert_int_equal(
	    frame_reader_feed(&fr, data, sizeof data, &used, &f, &flen),
	    ERR_FRAME_SIZE);
	frame_reader_release(&fr);
	frame_reader_init(&fr, 1, 1024);
	frame_reader_limit(&fr, 1, 4096);
	assert_int_equal(
	    frame_reader_feed(&fr, data, sizeof data, &used, &f, &flen), 1);
	assert_int_equal(flen, 2000);
	frame_reader_release(&fr);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_one_byte_at_a_time),
	    cmocka_unit_test(test_every_chunk_size),
	    cmocka_unit_test(test_whole_frame_handed_out_in_place),
	    cmocka_unit_test(test_zero_length_rejected),
	    cmocka_unit_test(test_oversized_rejected_before_buffering),
	    cmocka_unit_test(test_exact_bounds_accepted),
	    cmocka_unit_test(test_limit_change_applies_to_next_frame),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
