/* SPDX-License-Identifier: ISC */
/* The command-line splitter: words, free text, and refusals. */
#include <stdlib.h>
#include <string.h>

#include "client/cmdline.h"
#include "common/err.h"
#include "tests/unit/cm.h"

static struct cmdline c;

static int
split(const char *s)
{
	return cmdline_split(&c, s, strlen(s));
}

static void
test_words_and_rest(void **state)
{
	assert_int_equal(split("  /say  room-1   hello   there  \n"), 0);
	assert_int_equal(c.nwords, 4);
	assert_string_equal(c.word[0], "/say");
	assert_string_equal(c.word[1], "room-1");
	assert_string_equal(c.word[2], "hello");
	assert_string_equal(c.word[3], "there");
	/* Free text keeps its inner spacing. */
	assert_string_equal(cmdline_rest(&c, 2), "hello   there  ");
	assert_string_equal(cmdline_rest(&c, 4), "");
	assert_string_equal(cmdline_rest(&c, 0), "");
	assert_int_equal(split("/quit\r\n"), 0);
	assert_int_equal(c.nwords, 1);
	assert_string_equal(c.word[0], "/quit");
	/* Non-Latin text passes untouched. */
	assert_int_equal(
	    split("/say \xd0\xba\xd1\x96\xd0\xbc\xd0\xbd\xd0\xb0\xd1"
	          "\x82\xd0\xb0 \xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd1"
	          "\x96\xd1\x82"),
	    0);
	assert_int_equal(c.nwords, 3);
}

static void
test_many_words_stay_in_the_last(void **state)
{
	assert_int_equal(split("/a 1 2 3 4 5 6 7 8 9"), 0);
	assert_int_equal(c.nwords, CMDLINE_WORDS_MAX);
	assert_string_equal(c.word[CMDLINE_WORDS_MAX - 1], "7 8 9");
}

static void
test_refusals(void **state)
{
	char *big = malloc(CMDLINE_MAX + 2);

	assert_int_equal(split(""), ERR_USAGE);
	assert_int_equal(split("   \n"), ERR_USAGE);
	assert_int_equal(split("hello"), ERR_USAGE);
	assert_int_equal(split("/say a \x1b[2J"), ERR_UTF8);
	assert_int_equal(split("/say a\rb"), ERR_UTF8);
	assert_int_equal(split("/say \xff"), ERR_UTF8);
	assert_int_equal(cmdline_split(&c, "/say a\0b", 8), ERR_UTF8);
	assert_non_null(big);
	memset(big, 'a', CMDLINE_MAX + 1);
	big[0] = '/';
	assert_int_equal(cmdline_split(&c, big, CMDLINE_MAX), 0);
	assert_int_equal(cmdline_split(&c, big, CMDLINE_MAX + 1), ERR_TOO_BIG);
	free(big);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_words_and_rest),
	    cmocka_unit_test(test_many_words_stay_in_the_last),
	    cmocka_unit_test(test_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
