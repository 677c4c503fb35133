/* SPDX-License-Identifier: ISC */
/* The id map: get, put, replace, delete, and growth past many buckets. */
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "common/idmap.h"
#include "tests/unit/cm.h"

static void
key_of(uint8_t key[32], unsigned i)
{
	memset(key, 0, 32);
	memcpy(key, &i, sizeof i);
}

static void
test_basic(void **state)
{
	struct idmap m;
	uint8_t k[32];
	int a, b;

	idmap_init(&m);
	key_of(k, 1);
	assert_null(idmap_get(&m, k));
	idmap_put(&m, k, &a);
	assert_ptr_equal(idmap_get(&m, k), &a);
	idmap_put(&m, k, &b);
	assert_ptr_equal(idmap_get(&m, k), &b);
	assert_int_equal(m.count, 1);
	assert_ptr_equal(idmap_del(&m, k), &b);
	assert_null(idmap_del(&m, k));
	assert_null(idmap_get(&m, k));
	assert_int_equal(m.count, 0);
	idmap_release(&m);
}

static void
test_many(void **state)
{
	enum { N = 20000 };
	struct idmap m;
	uint8_t k[32];

	idmap_init(&m);
	for (unsigned i = 1; i <= N; i++) {
		key_of(k, i);
		idmap_put(&m, k, (void *)(uintptr_t)i);
	}
	assert_int_equal(m.count, N);
	assert_true(m.nbuckets >= N);
	for (unsigned i = 1; i <= N; i++) {
		key_of(k, i);
		assert_int_equal((uintptr_t)idmap_get(&m, k), i);
	}
	for (unsigned i = 1; i <= N; i += 2) {
		key_of(k, i);
		assert_int_equal((uintptr_t)idmap_del(&m, k), i);
	}
	for (unsigned i = 1; i <= N; i++) {
		key_of(k, i);
		if (i % 2 == 1)
			assert_null(idmap_get(&m, k));
		else
			assert_int_equal((uintptr_t)idmap_get(&m, k), i);
	}
	assert_int_equal(m.count, N / 2);
	idmap_release(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_basic),
	    cmocka_unit_test(test_many),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
