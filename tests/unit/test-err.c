/* SPDX-License-Identifier: ISC */
#include <string.h>

#include <uv.h>

#include "common/err.h"
#include "tests/unit/cm.h"

static void
test_every_code_has_text(void **state)
{
	for (int code = ERR_BASE - 1; code > ERR_LAST; code--) {
		const char *s = err_str(code);

		assert_non_null(s);
		assert_true(strlen(s) > 3);
		assert_string_not_equal(s, "unknown error");
	}
}

static void
test_libuv_and_unknown_codes(void **state)
{
	assert_string_equal(err_str(0), "success");
	assert_string_equal(err_str(UV_ECONNREFUSED), "connection refused");
	assert_string_equal(err_str(ERR_LAST), "unknown error");
	assert_string_equal(err_str(-20000), "unknown error");
	assert_string_equal(err_str(ERR_BASE), "unknown error");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_code_has_text),
	    cmocka_unit_test(test_libuv_and_unknown_codes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
