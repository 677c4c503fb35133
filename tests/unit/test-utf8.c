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

static bool
name_ok(const char *s)
{
	return utf8_name_ok((const uint8_t *)s, strlen(s));
}

static void
test_names(void **state)
{
	char long_name[UTF8_NAME_MAX + 2];

	/* Any script. */
	assert_true(name_ok("river"));
	assert_true(name_ok("\xd0\x9a\xd0\xb0\xd1\x82\xd1\x8f")); /* Катя */
	assert_true(name_ok("\xd9\x84\xd9\x8a\xd9\x84\xd9\x89")); /* ليلى */
	assert_true(name_ok("\xe5\xb0\x8f\xe8\x8a\xb1"));         /* 小花 */
	assert_true(name_ok("moon\xf0\x9f\x8c\x99"));             /* emoji */
	assert_true(name_ok("a.b-c_d"));
	/* Empty, too long, invalid UTF-8. */
	assert_false(name_ok(""));
	memset(long_name, 'a', sizeof long_name - 1);
	long_name[UTF8_NAME_MAX] = '\0';
	assert_true(name_ok(long_name));
	long_name[UTF8_NAME_MAX] = 'a';
	long_name[UTF8_NAME_MAX + 1] = '\0';
	assert_false(name_ok(long_name));
	assert_false(name_ok("bad\xc3"));
	/* Blanks, controls, interface characters. */
	assert_false(name_ok("two words"));
	assert_false(name_ok("tab\there"));
	assert_false(name_ok("esc\x1b[31m"));
	assert_false(name_ok("cr\rlf"));
	assert_false(name_ok("del\x7f"));
	assert_false(name_ok("c1\xc2\x85"));     /* NEL */
	assert_false(name_ok("nbsp\xc2\xa0"));   /* no-break space */
	assert_false(name_ok("river#ABCD1234")); /* fake fingerprint */
	assert_false(name_ok("/quit"));
	assert_false(name_ok("a@b"));
	/* Invisible and bidirectional formatting. */
	assert_false(name_ok("zw\xe2\x80\x8bsp"));    /* U+200B */
	assert_false(name_ok("zwj\xe2\x80\x8d"));     /* U+200D */
	assert_false(name_ok("rlo\xe2\x80\xae"));     /* U+202E */
	assert_false(name_ok("lri\xe2\x81\xa6"));     /* U+2066 */
	assert_false(name_ok("alm\xd8\x9c"));         /* U+061C */
	assert_false(name_ok("bom\xef\xbb\xbf"));     /* U+FEFF */
	assert_false(name_ok("shy\xc2\xad"));         /* soft hyphen */
	assert_false(name_ok("hangul\xe3\x85\xa4"));  /* U+3164 filler */
	assert_false(name_ok("tag\xf3\xa0\x80\x81")); /* U+E0001 */
	assert_false(name_ok("ideo\xe3\x80\x80"));    /* U+3000 space */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_accepts_real_text),
	    cmocka_unit_test(test_rejects_malformed),
	    cmocka_unit_test(test_truncation_never_reads_past_len),
	    cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
