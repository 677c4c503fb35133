/* SPDX-License-Identifier: ISC */
#include <string.h>

#include "common/utf8.h"
#include "tests/unit/cm.h"

static bool
valid(const char *s, size_t len)
{
	return utf8_valid((const uint8_t *)s, len);
}

static void
test_accepts_real_text(void **state)
{
	const char *good[] = {
	    "",
	    "plain ascii",
	    "Привет, как ты?",
	    "مرحبا بك",
	    "你好",
	    "\xf0\x9f\x92\x9c heart",
	    "\xf4\x8f\xbf\xbf",
	    "\xee\x80\x80" /* U+E000, after the surrogates */,
	};

	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		assert_true(valid(good[i], strlen(good[i])));
}

static void
test_rejects_malformed(void **state)
{
	static const struct {
		const char *s;
		size_t len;
	} bad[] = {
	    {"a\0b", 3},              /* NUL */
	    {"\x80", 1},              /* lone continuation */
	    {"\xc0\xaf", 2},          /* overlong '/' */
	    {"\xc1\xbf", 2},          /* overlong */
	    {"\xe0\x80\xaf", 3},      /* overlong */
	    {"\xf0\x80\x80\xaf", 4},  /* overlong */
	    {"\xed\xa0\x80", 3},      /* surrogate U+D800 */
	    {"\xf4\x90\x80\x80", 4},  /* U+110000 */
	    {"\xf5\x80\x80\x80", 4},  /* past the range */
	    {"\xff", 1}, {"\xd0", 1}, /* truncated 2-byte */
	    {"\xe2\x82", 2},          /* truncated 3-byte */
	    {"\xf0\x9f\x92", 3},      /* truncated 4-byte */
	    {"\xe2\x28\xa1", 3},      /* bad continuation */
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_false(valid(bad[i].s, bad[i].len));
}

static void
test_truncation_never_reads_past_len(void **state)
{
	const char *s = "Ж";

	/* Cut inside the character: must fail on the cut, not read on. */
	assert_false(valid(s, 1));
	assert_true(valid(s, 2));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_accepts_real_text),
	    cmocka_unit_test(test_rejects_malformed),
	    cmocka_unit_test(test_truncation_never_reads_past_len),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
