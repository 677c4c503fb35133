/* SPDX-License-Identifier: ISC */
#include <string.h>

#include "common/buf.h"
#include "common/err.h"
#include "tests/unit/cm.h"

static void
test_append_within_max(void **state)
{
	struct buf b;

	buf_init(&b, 10);
	assert_int_equal(buf_append(&b, "hello", 5), 0);
	assert_int_equal(buf_append(&b, "world", 5), 0);
	assert_int_equal(b.len, 10);
	assert_memory_equal(b.data, "helloworld", 10);
	buf_release(&b);
	assert_null(b.data);
}

static void
test_append_past_max_leaves_buffer(void **state)
{
	struct buf b;

	buf_init(&b, 8);
	assert_int_equal(buf_append(&b, "12345", 5), 0);
	assert_int_equal(buf_append(&b, "6789", 4), ERR_TOO_BIG);
	assert_int_equal(b.len, 5);
	assert_memory_equal(b.data, "12345", 5);
	/* Exactly to the bound is fine. */
	assert_int_equal(buf_append(&b, "678", 3), 0);
	assert_int_equal(b.len, 8);
	buf_release(&b);
}

static void
test_huge_request_refused_without_allocating(void **state)
{
	struct buf b;
	uint8_t *p = (uint8_t *)&b;

	buf_init(&b, 1024);
	assert_int_equal(buf_extend(&b, SIZE_MAX, &p), ERR_TOO_BIG);
	assert_null(p);
	assert_null(b.data);
	assert_int_equal(buf_reserve(&b, SIZE_MAX - 1), ERR_TOO_BIG);
	buf_release(&b);
}

static void
test_consume_and_trim(void **state)
{
	struct buf b;

	buf_init(&b, 100);
	assert_int_equal(buf_append(&b, "abcdef", 6), 0);
	buf_consume(&b, 2);
	assert_int_equal(b.len, 4);
	assert_memory_equal(b.data, "cdef", 4);
	buf_trim(&b); /* not empty: keeps memory */
	assert_non_null(b.data);
	buf_consume(&b, 99);
	assert_int_equal(b.len, 0);
	buf_trim(&b);
	assert_null(b.data);
	assert_int_equal(b.cap, 0);
	assert_int_equal(buf_append(&b, "x", 1), 0);
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	buf_release(&b);
}

static void
test_growth_reaches_max_exactly(void **state)
{
	struct buf b;
	uint8_t byte = 7;

	buf_init(&b, 1000);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(buf_append(&b, &byte, 1), 0);
	assert_true(b.cap <= 1000);
	assert_int_equal(buf_append(&b, &byte, 1), ERR_TOO_BIG);
	buf_release(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_append_within_max),
	    cmocka_unit_test(test_append_past_max_leaves_buffer),
	    cmocka_unit_test(test_huge_request_refused_without_allocating),
	    cmocka_unit_test(test_consume_and_trim),
	    cmocka_unit_test(test_growth_reaches_max_exactly),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
