/* SPDX-License-Identifier: ISC */
#include <locale.h>
#include <string.h>

#include "client/wrap.h"
#include "tests/unit/cm.h"

/* Widths come from wcwidth(), so the tests need a UTF-8 locale. */
static int
setup_locale(void **state)
{
	if (setlocale(LC_CTYPE, "C.UTF-8") == NULL) {
		print_error("setlocale(LC_CTYPE, \"C.UTF-8\") failed\n");
		return -1;
	}
	return 0;
}

#define MAXL 64

static size_t
width(const char *s)
{
	return wrap_width(s, strlen(s));
}

/*
 * Checks the properties every wrapping has: lines in order, never empty,
 * only spaces between and after them, boundaries on characters and never
 * before a zero-width one, widths right and within cols unless the line
 * is one character.
 */
static void
check_lines(const char *s, size_t len, size_t cols, const struct wrap_line *l,
    size_t count)
{
	size_t at = 0, n, w, k;

	if (cols == 0)
		cols = 1;
	assert_true(len == 0 ? count == 0 : count >= 1);
	for (size_t i = 0; i < count; i++) {
		assert_true(l[i].len > 0);
		assert_true(l[i].off >= at && l[i].off + l[i].len <= len);
		for (k = at; k < l[i].off; k++)
			assert_int_equal(s[k], ' ');
		if (i == 0)
			assert_int_equal(l[i].off, 0);
		/* Starts and ends on a character, not inside one. */
		assert_true(((unsigned char)s[l[i].off] & 0xc0) != 0x80);
		k = l[i].off + l[i].len;
		assert_true(k == len || ((unsigned char)s[k] & 0xc0) != 0x80);
		/* A combining mark never starts a line away from its base. */
		if (l[i].off > 0)
			assert_true(
			    wrap_char(s + l[i].off, len - l[i].off, &n) > 0);
		w = wrap_width(s + l[i].off, l[i].len);
		assert_int_equal(l[i].cols, w);
		if (w > cols) {
			/* One character (and its marks) only. */
			wrap_char(s + l[i].off, l[i].len, &n);
			assert_int_equal(
			    wrap_width(s + l[i].off + n, l[i].len - n), 0);
		}
		at = l[i].off + l[i].len;
	}
	for (k = at; k < len; k++)
		assert_int_equal(s[k], ' ');
}

/* Wraps s at cols and compares with want[0..nwant). */
static void
expect_lines(const char *s, size_t cols, const char *const *want, size_t nwant)
{
	struct wrap_line l[MAXL];
	size_t count = wrap_lines(s, strlen(s), cols, l, MAXL);

	print_message("\"%s\" at %zu\n", s, cols);
	check_lines(s, strlen(s), cols, l, count);
	assert_int_equal(count, nwant);
	for (size_t i = 0; i < count; i++) {
		assert_int_equal(l[i].len, strlen(want[i]));
		assert_memory_equal(s + l[i].off, want[i], l[i].len);
	}
}

#define EXPECT(s, cols, ...)                                                   \
	do {                                                                   \
		const char *const want_[] = {__VA_ARGS__};                     \
		expect_lines(s, cols, want_, sizeof want_ / sizeof want_[0]);  \
	} while (0)

static void
test_width(void **state)
{
	size_t n;

	assert_int_equal(width(""), 0);
	assert_int_equal(width("hello"), 5);
	assert_int_equal(
	    width("\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82"),
	    6); /* Привет */
	assert_int_equal(
	    width("\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7"), 5); /* مرحبا */
	assert_int_equal(width("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"), 6);
	assert_int_equal(width("\xed\x95\x9c"), 2);     /* 한 */
	assert_int_equal(width("\xf0\x9f\x92\x9c"), 2); /* 💜 */
	assert_int_equal(width("\xf0\x9f\x98\x80"), 2); /* 😀 */
	assert_int_equal(width("e\xcc\x81"), 1);
	assert_int_equal(width("\xe2\x90\x9b"), 1); /* ␛ */
	assert_int_equal(width("\xef\xbf\xbd"), 1); /* U+FFFD */
	/* One character at a time. */
	assert_int_equal(wrap_char("\xe6\x97\xa5x", 4, &n), 2);
	assert_int_equal(n, 3);
	assert_int_equal(wrap_char("\xcc\x81", 2, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(wrap_char("\xf0\x9f\x92\x9c", 4, &n), 2);
	assert_int_equal(n, 4);
	assert_int_equal(wrap_char("", 0, &n), 0);
	assert_int_equal(n, 0);
	/* What wcwidth() refuses counts 1: a control, ill-formed bytes. */
	assert_int_equal(wrap_char("\x01", 1, &n), 1);
	assert_int_equal(n, 1);
	assert_int_equal(wrap_char("\xe6\x97", 2, &n), 1);
	assert_int_equal(n, 2);
	assert_int_equal(wrap_char("\xff", 1, &n), 1);
	assert_int_equal(n, 1);
	/* Never past len. */
	assert_int_equal(wrap_char("\xe6\x97\xa5", 1, &n), 1);
	assert_int_equal(n, 1);
}

static void
test_ascii(void **state)
{
	EXPECT("the quick brown fox", 10, "the quick", "brown fox");
	EXPECT("hello", 5, "hello");
	EXPECT("hello world", 11, "hello world");
	EXPECT("hello world", 10, "hello", "world");
	EXPECT("hello world", 5, "hello", "world");
	EXPECT("a b c d", 3, "a b", "c d");
	/* All the spaces at a break go. */
	EXPECT("hello     world", 8, "hello", "world");
	EXPECT("hello world     ", 11, "hello world");
	/* Other spaces stay. */
	EXPECT("  hi  there", 20, "  hi  there");
	EXPECT("hi   ", 10, "hi   ");
	EXPECT("  indented words", 10, "  indented", "words");
	/* cols 0 is taken as 1. */
	EXPECT("ab", 0, "a", "b");
}

static void
test_scripts(void **state)
{
	/* привет мир */
	EXPECT("\xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82 "
	       "\xd0\xbc\xd0\xb8\xd1\x80",
	    6, "\xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82",
	    "\xd0\xbc\xd0\xb8\xd1\x80");
	/* مرحبا بك, in logical order. */
	EXPECT("\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7 \xd8\xa8\xd9\x83", 5,
	    "\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7", "\xd8\xa8\xd9\x83");
	/* 日本語: 6 columns. */
	EXPECT("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 6,
	    "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e");
	EXPECT("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 5,
	    "\xe6\x97\xa5\xe6\x9c\xac", "\xe8\xaa\x9e");
	EXPECT("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 4,
	    "\xe6\x97\xa5\xe6\x9c\xac", "\xe8\xaa\x9e");
	/* Emoji are 2 columns; the word moves as a whole. */
	EXPECT("hi \xf0\x9f\x92\x9c\xf0\x9f\x92\x9c\xf0\x9f\x92\x9c", 6, "hi",
	    "\xf0\x9f\x92\x9c\xf0\x9f\x92\x9c\xf0\x9f\x92\x9c");
}

static void
test_wide_at_edge(void **state)
{
	struct wrap_line l[4];

	/* 9 columns used, a 2-column character does not fit in the 10th. */
	EXPECT("abcdefghi\xe6\x97\xa5", 10, "abcdefghi", "\xe6\x97\xa5");
	assert_int_equal(wrap_lines("abcdefghi\xe6\x97\xa5", 12, 10, l, 4), 2);
	assert_int_equal(l[0].cols, 9);
	assert_int_equal(l[1].cols, 2);
	EXPECT("a\xf0\x9f\x98\x80", 2, "a", "\xf0\x9f\x98\x80");
}

static void
test_cols_one_wide(void **state)
{
	struct wrap_line l[4];

	EXPECT("\xe6\x97\xa5\xe6\x9c\xac", 1, "\xe6\x97\xa5", "\xe6\x9c\xac");
	assert_int_equal(wrap_lines("\xe6\x97\xa5\xe6\x9c\xac", 6, 1, l, 4), 2);
	assert_int_equal(l[0].cols, 2);
	assert_int_equal(l[1].cols, 2);
	EXPECT("a\xe6\x97\xa5"
	       "b",
	    1, "a", "\xe6\x97\xa5", "b");
	EXPECT("\xf0\x9f\x92\x9c \xf0\x9f\x92\x9c", 1, "\xf0\x9f\x92\x9c",
	    "\xf0\x9f\x92\x9c");
}

static void
test_combining(void **state)
{
	/* é as e + U+0301 is 1 column and never split. */
	EXPECT("e\xcc\x81", 1, "e\xcc\x81");
	EXPECT("e\xcc\x81"
	       "e\xcc\x81"
	       "e\xcc\x81"
	       "e\xcc\x81"
	       "e\xcc\x81",
	    2,
	    "e\xcc\x81"
	    "e\xcc\x81",
	    "e\xcc\x81"
	    "e\xcc\x81",
	    "e\xcc\x81");
	EXPECT("abce\xcc\x81", 3, "abc", "e\xcc\x81");
	/* Several marks on one base. */
	EXPECT("ae\xcc\x81\xcc\xa3\xcc\x88"
	       "b",
	    2, "ae\xcc\x81\xcc\xa3\xcc\x88", "b");
	/* Even when the base alone is wider than the line. */
	EXPECT("\xe6\x97\xa5\xcc\x81\xe6\x9c\xac", 1, "\xe6\x97\xa5\xcc\x81",
	    "\xe6\x9c\xac");
	/* A space with a mark on it is a character, not a break. */
	EXPECT("ab \xcc\x81"
	       "cd",
	    3, "ab \xcc\x81", "cd");
	/* A mark at the very start has nothing before it: it starts. */
	EXPECT("\xcc\x81"
	       "ab",
	    1,
	    "\xcc\x81"
	    "a",
	    "b");
}

static void
test_long_words(void **state)
{
	char s[200];

	memset(s, 'a', 25);
	s[25] = '\0';
	EXPECT(s, 10, "aaaaaaaaaa", "aaaaaaaaaa", "aaaaa");
	/* A word too long for any line fills the rest of this one. */
	memcpy(s, "hi ", 3);
	memset(s + 3, 'a', 25);
	s[28] = '\0';
	EXPECT(s, 10, "hi aaaaaaa", "aaaaaaaaaa", "aaaaaaaa");
	/* A word that fits a line of its own moves there. */
	EXPECT("hi aaaaaaaaaa", 10, "hi", "aaaaaaaaaa");
	/* Exactly full before the long word: the space goes. */
	EXPECT("abcd aaaaaaaaaaaa", 5, "abcd", "aaaaa", "aaaaa", "aa");
}

static void
test_empty_and_spaces(void **state)
{
	struct wrap_line l[4];

	assert_int_equal(wrap_lines("", 0, 10, NULL, 0), 0);
	assert_int_equal(wrap_lines("", 0, 10, l, 4), 0);
	/* Only spaces: one line, of as many as fit. */
	EXPECT(" ", 10, " ");
	EXPECT("     ", 10, "     ");
	EXPECT("     ", 3, "   ");
	/* Leading spaces longer than a line. */
	EXPECT("            hi", 10, "          ", "hi");
}

static void
test_max_smaller_than_count(void **state)
{
	struct wrap_line l[3];
	const char *s = "aaaa bbbb cccc";

	memset(l, 0xa5, sizeof l);
	assert_int_equal(wrap_lines(s, strlen(s), 4, NULL, 0), 3);
	assert_int_equal(wrap_lines(s, strlen(s), 4, l, 1), 3);
	assert_int_equal(l[0].off, 0);
	assert_int_equal(l[0].len, 4);
	assert_int_equal(l[0].cols, 4);
	/* Nothing past max was written. */
	for (size_t i = 0; i < sizeof l[1]; i++)
		assert_int_equal(((unsigned char *)&l[1])[i], 0xa5);
}

/* xorshift32: a fixed sequence, so a failure reproduces. */
static uint32_t
rnd(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

static void
test_random_property(void **state)
{
	static const char *const pieces[] = {"a", "b", "xyz", " ", "  ",
	    "\xd0\x96", "\xe6\x97\xa5", "\xf0\x9f\x92\x9c", "e\xcc\x81",
	    "\xcc\x81", "\xe2\x90\x9b", "abcdefghijklmno", " \xcc\x81",
	    "\xd8\xa8"};
	struct wrap_line l[300], again[300];
	char s[256];
	uint32_t x = 0x9e3779b9;

	for (int iter = 0; iter < 20000; iter++) {
		size_t len = 0, want = rnd(&x) % 120, cols = rnd(&x) % 13;
		size_t count, half;

		while (len < want) {
			const char *p = pieces[rnd(&x) % (sizeof pieces /
			                                     sizeof pieces[0])];

			memcpy(s + len, p, strlen(p));
			len += strlen(p);
		}
		count = wrap_lines(s, len, cols, l, 300);
		assert_true(count <= 300);
		check_lines(s, len, cols, l, count);
		/* Fewer slots: the same count, the same first lines. */
		half = count / 2;
		assert_int_equal(wrap_lines(s, len, cols, again, half), count);
		assert_memory_equal(again, l, half * sizeof l[0]);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_width),
	    cmocka_unit_test(test_ascii),
	    cmocka_unit_test(test_scripts),
	    cmocka_unit_test(test_wide_at_edge),
	    cmocka_unit_test(test_cols_one_wide),
	    cmocka_unit_test(test_combining),
	    cmocka_unit_test(test_long_words),
	    cmocka_unit_test(test_empty_and_spaces),
	    cmocka_unit_test(test_max_smaller_than_count),
	    cmocka_unit_test(test_random_property),
	};

	return cmocka_run_group_tests(tests, setup_locale, NULL);
}
