/* SPDX-License-Identifier: ISC */
/*
 * The input line's editing state: typing and moving in several scripts,
 * combining marks, deletion at the ends and in the middle, words, kill,
 * pastes at and past the limit, filtering, history, take, the scrolling
 * view, completion, wiping, and random operation sequences that must keep
 * the text valid and the cursor on a character.
 */
/* wcwidth() is XSI. */
#define _XOPEN_SOURCE 700

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "client/editline.h"
#include "common/err.h"
#include "common/utf8.h"
#include "tests/unit/cm.h"

/* Too big for the stack. */
static struct editline e;
static char out[EDITLINE_MAX + 1];

static int
ins(const char *s)
{
	return editline_insert(&e, s, strlen(s));
}

static const char *
text(void)
{
	size_t len;
	const char *t = editline_text(&e, &len);

	assert_int_equal(strlen(t), len);
	return t;
}

static size_t
len(void)
{
	size_t n;

	editline_text(&e, &n);
	return n;
}

/* Columns of s[0..n), computed here independently of the module. */
static size_t
width(const char *s, size_t n)
{
	mbstate_t st;
	wchar_t wc;
	size_t i = 0, k, cols = 0;
	int w;

	memset(&st, 0, sizeof st);
	while (i < n) {
		k = mbrtowc(&wc, s + i, n - i, &st);
		assert_true(k != 0 && k != (size_t)-1 && k != (size_t)-2);
		w = wcwidth(wc);
		cols += w < 0 ? 1 : (size_t)w;
		i += k;
	}
	return cols;
}

/* True if the code point at s[p] (p < n) has width 0. */
static bool
zero_width_at(const char *s, size_t n, size_t p)
{
	mbstate_t st;
	wchar_t wc;
	size_t k;

	memset(&st, 0, sizeof st);
	k = mbrtowc(&wc, s + p, n - p, &st);
	return k != (size_t)-1 && k != (size_t)-2 && k != 0 && wcwidth(wc) == 0;
}

static bool
boundary(const char *s, size_t n, size_t p)
{
	return p == 0 || p == n ||
	       (p < n && ((unsigned char)s[p] & 0xc0) != 0x80);
}

/* Columns the cursor is drawn at with no scrolling. */
static size_t
col(void)
{
	return width(text(), editline_cursor(&e));
}

/* The invariants every operation keeps. */
static void
check(void)
{
	size_t n, cur = editline_cursor(&e);
	const unsigned char *t = (const unsigned char *)editline_text(&e, &n);

	assert_true(n <= EDITLINE_MAX);
	assert_int_equal(t[n], 0);
	assert_true(utf8_valid(t, n));
	for (size_t i = 0; i < n; i++) {
		assert_true(t[i] >= 0x20 && t[i] != 0x7f);
		/* No C1 control (U+0080 to U+009F is C2 80 to C2 9F). */
		if (t[i] == 0xc2 && i + 1 < n)
			assert_true(t[i + 1] > 0x9f);
	}
	assert_true(cur <= n);
	assert_true(boundary((const char *)t, n, cur));
	/* Never between a character and its combining marks. */
	if (cur > 0 && cur < n)
		assert_false(zero_width_at((const char *)t, n, cur));
}

/* The view's promises for cols columns at the current cursor. */
static void
check_view(size_t cols)
{
	size_t n, off, vlen, ccol, cur = editline_cursor(&e);
	const char *t = editline_text(&e, &n);

	editline_view(&e, cols, &off, &vlen, &ccol);
	assert_true(off <= cur);
	assert_true(cur <= off + vlen);
	assert_true(off + vlen <= n);
	assert_true(boundary(t, n, off));
	assert_true(boundary(t, n, off + vlen));
	assert_true(ccol < cols);
	assert_int_equal(ccol, width(t + off, cur - off));
	assert_true(width(t + off, vlen) <= cols);
	/* A character's marks are shown with it. */
	if (off + vlen < n && vlen > 0)
		assert_false(zero_width_at(t, n, off + vlen));
}

static void
setup_line(const char *s)
{
	editline_init(&e);
	assert_int_equal(ins(s), 0);
	check();
}

static void
test_ascii(void **state)
{
	editline_init(&e);
	assert_string_equal(text(), "");
	assert_int_equal(editline_cursor(&e), 0);
	for (const char *p = "hello"; *p != '\0'; p++)
		assert_int_equal(editline_insert(&e, p, 1), 0);
	assert_string_equal(text(), "hello");
	assert_int_equal(editline_cursor(&e), 5);
	editline_right(&e);
	assert_int_equal(editline_cursor(&e), 5);
	editline_left(&e);
	editline_left(&e);
	assert_int_equal(ins("X"), 0);
	assert_string_equal(text(), "helXlo");
	assert_int_equal(editline_cursor(&e), 4);
	editline_home(&e);
	assert_int_equal(editline_cursor(&e), 0);
	editline_left(&e);
	assert_int_equal(editline_cursor(&e), 0);
	editline_end(&e);
	assert_int_equal(editline_cursor(&e), 6);
	/* Inserting nothing changes nothing. */
	assert_int_equal(editline_insert(&e, NULL, 0), 0);
	assert_string_equal(text(), "helXlo");
	check();
}

/* Steps left from the end, then right, expecting these byte offsets. */
static void
walk(const size_t *stops, size_t n)
{
	editline_end(&e);
	for (size_t i = n; i-- > 0;) {
		assert_int_equal(editline_cursor(&e), stops[i]);
		editline_left(&e);
	}
	assert_int_equal(editline_cursor(&e), 0);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(editline_cursor(&e), stops[i]);
		editline_right(&e);
	}
	assert_int_equal(editline_cursor(&e), stops[n - 1]);
}

static void
test_scripts(void **state)
{
	static const size_t cyr[] = {0, 2, 4, 6, 8, 10, 12};
	static const size_t cjk[] = {0, 3, 6, 9};
	static const size_t cjk_cols[] = {0, 2, 4, 6};
	static const size_t emoji[] = {0, 4, 8, 9};
	size_t off, vlen, ccol;

	setup_line("привет");
	assert_int_equal(len(), 12);
	walk(cyr, 7);
	editline_end(&e);
	assert_int_equal(col(), 6);

	setup_line("مرحبا");
	assert_int_equal(len(), 10);
	walk(cyr, 6);
	editline_end(&e);
	assert_int_equal(col(), 5);

	setup_line("日本語");
	walk(cjk, 4);
	editline_home(&e);
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(editline_cursor(&e), cjk[i]);
		editline_view(&e, 80, &off, &vlen, &ccol);
		assert_int_equal(off, 0);
		assert_int_equal(vlen, 9);
		assert_int_equal(ccol, cjk_cols[i]);
		editline_right(&e);
	}

	/* U+1F600 and U+1F44D take 4 bytes and 2 columns each. */
	setup_line("\xf0\x9f\x98\x80\xf0\x9f\x91\x8d!");
	walk(emoji, 4);
	editline_end(&e);
	assert_int_equal(col(), 5);
	/* A heart with VS16 (zero width) is one step. */
	setup_line("\xe2\x9d\xa4\xef\xb8\x8fx");
	editline_end(&e);
	editline_left(&e);
	editline_left(&e);
	assert_int_equal(editline_cursor(&e), 0);
}

static void
test_combining(void **state)
{
	static const size_t stops[] = {0, 3, 4, 9};
	static const char acute_first[] = "\xcc\x81"
	                                  "a";

	/* "e" U+0301, "x", "a" U+0301 U+0323. */
	setup_line("e\xcc\x81xa\xcc\x81\xcc\xa3");
	walk(stops, 4);
	editline_end(&e);
	editline_backspace(&e);
	assert_string_equal(text(), "e\xcc\x81x");
	editline_home(&e);
	editline_delete(&e);
	assert_string_equal(text(), "x");
	assert_int_equal(editline_cursor(&e), 0);
	check();

	/* Typing a mark after a letter makes one character of them. */
	setup_line("e");
	assert_int_equal(ins("\xcc\x81"), 0);
	editline_left(&e);
	assert_int_equal(editline_cursor(&e), 0);
	/* Inserting in front of a character leaves its marks with it. */
	assert_int_equal(ins("ab"), 0);
	assert_string_equal(text(), "abe\xcc\x81");
	assert_int_equal(editline_cursor(&e), 2);
	check();

	/*
	 * A mark with no base at the start is a character of its own; a
	 * letter typed before it becomes its base, and the cursor goes
	 * after the pair.
	 */
	setup_line(acute_first);
	editline_home(&e);
	editline_right(&e);
	assert_int_equal(editline_cursor(&e), 2);
	editline_home(&e);
	assert_int_equal(ins("e"), 0);
	assert_string_equal(text(), "e\xcc\x81"
	                            "a");
	assert_int_equal(editline_cursor(&e), 3);
	check();
}

static void
test_delete_ends_and_middle(void **state)
{
	setup_line("при日😀");
	/* Backspace at the start and delete at the end do nothing. */
	editline_home(&e);
	editline_backspace(&e);
	assert_string_equal(text(), "при日😀");
	editline_end(&e);
	editline_delete(&e);
	assert_string_equal(text(), "при日😀");
	/* At the end: backspace takes the whole emoji. */
	editline_backspace(&e);
	assert_string_equal(text(), "при日");
	assert_int_equal(editline_cursor(&e), 9);
	/* In the middle, after "пр". */
	editline_home(&e);
	editline_right(&e);
	editline_right(&e);
	editline_delete(&e);
	assert_string_equal(text(), "пр日");
	assert_int_equal(editline_cursor(&e), 4);
	editline_backspace(&e);
	assert_string_equal(text(), "п日");
	assert_int_equal(editline_cursor(&e), 2);
	editline_delete(&e);
	assert_string_equal(text(), "п");
	/* At the start: delete takes the first character. */
	editline_home(&e);
	editline_delete(&e);
	assert_string_equal(text(), "");
	editline_delete(&e);
	editline_backspace(&e);
	assert_string_equal(text(), "");
	check();
}

static void
test_words(void **state)
{
	/* Bytes: "say" 0-3, spaces 3-5, "привет" 5-17, spaces 17-20, */
	/* "日本語" 20-29, space 29, "ok" 30-32, spaces 32-34. */
	setup_line("say  привет   日本語 ok  ");
	editline_word_left(&e);
	assert_int_equal(editline_cursor(&e), 30);
	editline_word_left(&e);
	assert_int_equal(editline_cursor(&e), 20);
	editline_word_left(&e);
	assert_int_equal(editline_cursor(&e), 5);
	editline_word_left(&e);
	assert_int_equal(editline_cursor(&e), 0);
	editline_word_left(&e);
	assert_int_equal(editline_cursor(&e), 0);
	editline_word_right(&e);
	assert_int_equal(editline_cursor(&e), 3);
	editline_word_right(&e);
	assert_int_equal(editline_cursor(&e), 17);
	editline_word_right(&e);
	assert_int_equal(editline_cursor(&e), 29);
	editline_word_right(&e);
	assert_int_equal(editline_cursor(&e), 32);
	editline_word_right(&e);
	assert_int_equal(editline_cursor(&e), 34);
	/* Ctrl-W: spaces first, then the word. */
	editline_delete_word(&e);
	assert_string_equal(text(), "say  привет   日本語 ");
	editline_delete_word(&e);
	assert_string_equal(text(), "say  привет   ");
	/* From the middle of a word: only its first part goes. */
	for (int i = 0; i < 6; i++)
		editline_left(&e);
	assert_int_equal(editline_cursor(&e), 11);
	editline_delete_word(&e);
	assert_string_equal(text(), "say  вет   ");
	assert_int_equal(editline_cursor(&e), 5);
	editline_delete_word(&e);
	assert_string_equal(text(), "вет   ");
	editline_delete_word(&e);
	assert_string_equal(text(), "вет   ");
	check();
	/* The ideographic space separates words too. */
	setup_line("日本\xe3\x80\x80語");
	editline_word_left(&e);
	assert_int_equal(editline_cursor(&e), 9);
	editline_end(&e);
	editline_delete_word(&e);
	assert_string_equal(text(), "日本\xe3\x80\x80");
	editline_delete_word(&e);
	assert_string_equal(text(), "");
}

static void
test_home_end_kill(void **state)
{
	setup_line("hello мир");
	editline_home(&e);
	editline_word_right(&e);
	editline_kill_end(&e);
	assert_string_equal(text(), "hello");
	assert_int_equal(editline_cursor(&e), 5);
	editline_kill_end(&e);
	assert_string_equal(text(), "hello");
	editline_home(&e);
	editline_kill_end(&e);
	assert_string_equal(text(), "");
	setup_line("мир hello");
	editline_left(&e);
	editline_kill_line(&e);
	assert_string_equal(text(), "");
	assert_int_equal(editline_cursor(&e), 0);
	editline_kill_line(&e);
	check();
}

static void
test_paste_limits(void **state)
{
	static char big[EDITLINE_MAX + 8];
	size_t n = 60 * 1024;

	/* 60 KiB of two-byte characters is accepted. */
	for (size_t i = 0; i < n; i += 2)
		memcpy(big + i, "ж", 2);
	editline_init(&e);
	assert_int_equal(editline_insert(&e, big, n), 0);
	assert_int_equal(len(), n);
	assert_int_equal(editline_cursor(&e), n);
	check();
	/* One more that would pass the limit changes nothing. */
	editline_home(&e);
	editline_right(&e);
	assert_int_equal(editline_insert(&e, big, 5 * 1024), ERR_TOO_BIG);
	assert_int_equal(len(), n);
	assert_int_equal(editline_cursor(&e), 2);
	/* Up to exactly EDITLINE_MAX fits; one byte more does not. */
	memset(big, 'a', sizeof big);
	assert_int_equal(editline_insert(&e, big, EDITLINE_MAX - n), 0);
	assert_int_equal(len(), EDITLINE_MAX);
	assert_int_equal(ins("b"), ERR_TOO_BIG);
	assert_int_equal(len(), EDITLINE_MAX);
	/* Dropped bytes do not count. */
	assert_int_equal(ins("\x01\xff"), 0);
	check();
	/* A paste bigger than EDITLINE_MAX is refused on an empty line. */
	editline_init(&e);
	assert_int_equal(
	    editline_insert(&e, big, EDITLINE_MAX + 1), ERR_TOO_BIG);
	assert_int_equal(len(), 0);
	assert_int_equal(editline_insert(&e, big, EDITLINE_MAX), 0);
	check();
	/* Deleting from a full line works at both ends. */
	editline_backspace(&e);
	editline_home(&e);
	editline_delete(&e);
	assert_int_equal(len(), EDITLINE_MAX - 2);
	check();
}

static void
test_filtering(void **state)
{
	/* Stray continuation, truncated, overlong, surrogate, > U+10FFFF. */
	static const char bad[] = "a\x80"
	                          "b\xe2\x82"
	                          "c\xc0\xaf"
	                          "d\xed\xa0\x80"
	                          "e\xf4\x90\x80\x80"
	                          "f\xff\xfe"
	                          "ж\xe2";
	/* CR, LF, CRLF, TAB; ESC, DEL, NUL, U+0085 (C1) dropped. */
	static const char ctl[] = "a\rb\nc\r\nd\te\x1b[2Jf\x7fg\0h\xc2\x85i";

	editline_init(&e);
	assert_int_equal(editline_insert(&e, bad, sizeof bad - 1), 0);
	assert_string_equal(text(), "abcdefж");
	check();
	editline_init(&e);
	assert_int_equal(editline_insert(&e, ctl, sizeof ctl - 1), 0);
	assert_string_equal(text(), "a b c d e[2Jfghi");
	check();
	/* Only invalid bytes: nothing happens. */
	editline_init(&e);
	assert_int_equal(ins("\xff\xc3"), 0);
	assert_string_equal(text(), "");
	assert_int_equal(editline_cursor(&e), 0);
	/* Bidi and zero-width characters are text: kept. */
	assert_int_equal(ins("\xe2\x80\x8f"), 0);
	assert_int_equal(len(), 3);
	check();
}

static void
take(const char *want)
{
	assert_int_equal(editline_take(&e, out, sizeof out), strlen(want));
	assert_string_equal(out, want);
	assert_string_equal(text(), "");
	assert_int_equal(editline_cursor(&e), 0);
}

static void
test_history(void **state)
{
	editline_init(&e);
	/* Nothing to recall yet. */
	editline_history_prev(&e);
	editline_history_next(&e);
	assert_string_equal(text(), "");
	ins("one");
	take("one");
	ins("два");
	take("два");
	/* An edit in progress, cursor not at the end. */
	ins("draft");
	editline_left(&e);
	editline_history_prev(&e);
	assert_string_equal(text(), "два");
	assert_int_equal(editline_cursor(&e), 6);
	editline_history_prev(&e);
	assert_string_equal(text(), "one");
	editline_history_prev(&e);
	assert_string_equal(text(), "one");
	/* Changes to a recalled line are dropped on moving away. */
	ins("!!");
	editline_history_next(&e);
	assert_string_equal(text(), "два");
	editline_history_next(&e);
	assert_string_equal(text(), "draft");
	assert_int_equal(editline_cursor(&e), 4);
	editline_history_next(&e);
	assert_string_equal(text(), "draft");
	editline_history_prev(&e);
	editline_history_prev(&e);
	assert_string_equal(text(), "one");
	editline_history_prev(&e);
	assert_string_equal(text(), "one");
	/* Sending a recalled line adds it again as the newest. */
	take("one");
	editline_history_prev(&e);
	assert_string_equal(text(), "one");
	editline_history_prev(&e);
	assert_string_equal(text(), "два");
	/* The draft was dropped with the take. */
	editline_history_next(&e);
	editline_history_next(&e);
	assert_string_equal(text(), "");
	/* Empty lines and repeats of the newest are not added. */
	take("");
	ins("one");
	take("one");
	editline_history_prev(&e);
	editline_history_prev(&e);
	assert_string_equal(text(), "два");
	editline_history_prev(&e);
	assert_string_equal(text(), "one");
	editline_history_prev(&e);
	assert_string_equal(text(), "one");
	check();
}

static void
test_history_bounds(void **state)
{
	static char big[60 * 1024];
	char line[16];
	int n;

	/* Only the newest EDITLINE_HISTORY lines are kept. */
	editline_init(&e);
	for (int i = 0; i < EDITLINE_HISTORY + 6; i++) {
		n = snprintf(line, sizeof line, "line %d", i);
		assert_int_equal(editline_insert(&e, line, (size_t)n), 0);
		editline_take(&e, out, sizeof out);
	}
	for (int i = 0; i < EDITLINE_HISTORY + 10; i++)
		editline_history_prev(&e);
	assert_string_equal(text(), "line 6");
	editline_history_next(&e);
	assert_string_equal(text(), "line 7");

	/* And only as many bytes as EDITLINE_HISTORY_BYTES. */
	editline_init(&e);
	for (char c = 'a'; c <= 'e'; c++) {
		memset(big, c, sizeof big);
		assert_int_equal(editline_insert(&e, big, sizeof big), 0);
		assert_int_equal(
		    editline_take(&e, out, sizeof out), sizeof big);
	}
	for (int i = 0; i < 10; i++)
		editline_history_prev(&e);
	assert_int_equal(len(), sizeof big);
	assert_int_equal(text()[0], 'b');
	check();
}

static void
test_take(void **state)
{
	char small[6];

	editline_init(&e);
	assert_int_equal(editline_take(&e, out, sizeof out), 0);
	assert_string_equal(out, "");
	ins("привет");
	editline_home(&e);
	take("привет");
	/* A small buffer gets whole characters only; history the lot. */
	ins("привет");
	assert_int_equal(editline_take(&e, small, sizeof small), 4);
	assert_string_equal(small, "пр");
	assert_string_equal(text(), "");
	editline_history_prev(&e);
	assert_string_equal(text(), "привет");
	assert_int_equal(editline_take(&e, NULL, 0), 0);
	assert_string_equal(text(), "");
}

static void
test_view(void **state)
{
	static const size_t widths[] = {2, 3, 4, 5, 7, 10, 17, 80};
	static char line[2048];
	static const char *const parts[] = {"hello ", "日本語", "😀",
	    "e\xcc\x81", "мир ", "مرحبا", "\xe2\x9d\xa4\xef\xb8\x8f", "x"};
	size_t n = 0, off, vlen, ccol, steps;

	while (n + 64 < sizeof line)
		for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
			memcpy(line + n, parts[i], strlen(parts[i]));
			n += strlen(parts[i]);
		}
	editline_init(&e);
	assert_int_equal(editline_insert(&e, line, n), 0);
	for (size_t w = 0; w < sizeof widths / sizeof widths[0]; w++) {
		editline_home(&e);
		for (steps = 0;; steps++) {
			check_view(widths[w]);
			if (editline_cursor(&e) == len())
				break;
			editline_right(&e);
		}
		/* And back, stopping on every character. */
		for (; steps > 0; steps--) {
			editline_left(&e);
			check_view(widths[w]);
		}
		assert_int_equal(editline_cursor(&e), 0);
	}
	/* A line that fits is shown whole from its start. */
	setup_line("日本語 ok");
	editline_view(&e, 80, &off, &vlen, &ccol);
	assert_int_equal(off, 0);
	assert_int_equal(vlen, len());
	assert_int_equal(ccol, 9);
	/* Scrolling by half screens: at column 10 of 10, shift by 5. */
	setup_line("0123456789abcdefghij");
	editline_home(&e);
	for (int i = 0; i < 10; i++)
		editline_right(&e);
	editline_view(&e, 10, &off, &vlen, &ccol);
	assert_int_equal(off, 5);
	assert_int_equal(vlen, 10);
	assert_int_equal(ccol, 5);
	/* The view stays put while the cursor moves within it. */
	editline_right(&e);
	editline_view(&e, 10, &off, &vlen, &ccol);
	assert_int_equal(off, 5);
	assert_int_equal(ccol, 6);
	/* A wide character across the scroll column is left out whole. */
	setup_line("0123日本語日本語");
	editline_view(&e, 6, &off, &vlen, &ccol);
	check_view(6);
	/* No room for a wide character: nothing shown. */
	editline_view(&e, 1, &off, &vlen, &ccol);
	assert_int_equal(vlen, 0);
	assert_int_equal(ccol, 0);
	assert_int_equal(off, editline_cursor(&e));
}

static void
test_completion(void **state)
{
	static char big[EDITLINE_MAX];
	size_t off, wlen;

	setup_line("/jo");
	editline_word(&e, &off, &wlen);
	assert_int_equal(off, 0);
	assert_int_equal(wlen, 3);
	assert_int_equal(editline_replace_word(&e, "/join ", 6), 0);
	assert_string_equal(text(), "/join ");
	assert_int_equal(editline_cursor(&e), 6);
	/* After a space the word is empty: completion inserts. */
	editline_word(&e, &off, &wlen);
	assert_int_equal(off, 6);
	assert_int_equal(wlen, 0);
	/* In the middle of the line, with a non-Latin name. */
	setup_line("hi @ал there");
	editline_word_left(&e);
	editline_left(&e);
	editline_word(&e, &off, &wlen);
	assert_int_equal(off, 3);
	assert_int_equal(wlen, 5);
	assert_int_equal(
	    editline_replace_word(&e, "@алиса", strlen("@алиса")), 0);
	assert_string_equal(text(), "hi @алиса there");
	assert_int_equal(editline_cursor(&e), 3 + strlen("@алиса"));
	check();
	/* Too big: refused, nothing changes. */
	memset(big, 'a', sizeof big);
	assert_int_equal(
	    editline_replace_word(&e, big, sizeof big), ERR_TOO_BIG);
	assert_string_equal(text(), "hi @алиса there");
	/* Exactly filling the line after the word goes is accepted. */
	assert_int_equal(
	    editline_replace_word(&e, big, EDITLINE_MAX - strlen("hi  there")),
	    0);
	assert_int_equal(len(), EDITLINE_MAX);
	check();
}

static void
test_wipe(void **state)
{
	static const struct editline zero;

	editline_init(&e);
	ins("secret one");
	editline_take(&e, out, sizeof out);
	ins("secret draft");
	editline_history_prev(&e);
	editline_wipe(&e);
	assert_memory_equal(&e, &zero, sizeof e);
	editline_history_prev(&e);
	assert_string_equal(text(), "");
	/* Deleted bytes do not linger past the end of the text. */
	setup_line("secret");
	editline_kill_line(&e);
	assert_memory_equal(&e, &zero, sizeof e);
}

/* xorshift64: reproducible random operations. */
static uint64_t
rnd(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static void
test_random_operations(void **state)
{
	static const char *const frags[] = {"a", " ", "  ", "ж", "日", "😀",
	    "\xcc\x81", "\xef\xb8\x8f", "\xe2\x80\x8d", "\xe3\x80\x80", "\xff",
	    "\xe2\x82", "\x80", "\r\n", "\t", "\x1b", "\xc2\x85", "word ",
	    "مرحبا", "e\xcc\x81"};
	static char buf[EDITLINE_MAX + 1];
	uint64_t x = 0x9e3779b97f4a7c15u;
	size_t n, r, off, wlen;
	int rc;

	editline_init(&e);
	for (int i = 0; i < 200000; i++) {
		r = rnd(&x) % 20;
		switch (r) {
		case 0:
		case 1:
		case 2:
		case 3:
		case 4:
			/* A few fragments glued, so they can combine. */
			n = 0;
			for (uint64_t k = rnd(&x) % 4 + 1; k > 0; k--) {
				const char *f = frags[rnd(&x) % 20];

				memcpy(buf + n, f, strlen(f));
				n += strlen(f);
			}
			/* Sometimes only part of it: a cut sequence. */
			if (rnd(&x) % 4 == 0)
				n -= rnd(&x) % n;
			rc = editline_insert(&e, buf, n);
			assert_true(rc == 0 || rc == ERR_TOO_BIG);
			break;
		case 5:
			editline_left(&e);
			break;
		case 6:
			editline_right(&e);
			break;
		case 7:
			editline_word_left(&e);
			break;
		case 8:
			editline_word_right(&e);
			break;
		case 9:
			editline_backspace(&e);
			break;
		case 10:
			editline_delete(&e);
			break;
		case 11:
			editline_delete_word(&e);
			break;
		case 12:
			if (rnd(&x) % 8 == 0)
				editline_kill_end(&e);
			else
				editline_home(&e);
			break;
		case 13:
			if (rnd(&x) % 16 == 0)
				editline_kill_line(&e);
			else
				editline_end(&e);
			break;
		case 14:
			editline_history_prev(&e);
			break;
		case 15:
			editline_history_next(&e);
			break;
		case 16:
			if (rnd(&x) % 8 == 0) {
				n = editline_take(&e, buf, sizeof buf);
				assert_true(utf8_valid((uint8_t *)buf, n));
			}
			break;
		case 17:
			editline_word(&e, &off, &wlen);
			assert_int_equal(off + wlen, editline_cursor(&e));
			rc = editline_replace_word(&e, "@ник ", 8);
			assert_true(rc == 0 || rc == ERR_TOO_BIG);
			break;
		default:
			check_view(rnd(&x) % 40 + 2);
			break;
		}
		check();
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ascii),
	    cmocka_unit_test(test_scripts),
	    cmocka_unit_test(test_combining),
	    cmocka_unit_test(test_delete_ends_and_middle),
	    cmocka_unit_test(test_words),
	    cmocka_unit_test(test_home_end_kill),
	    cmocka_unit_test(test_paste_limits),
	    cmocka_unit_test(test_filtering),
	    cmocka_unit_test(test_history),
	    cmocka_unit_test(test_history_bounds),
	    cmocka_unit_test(test_take),
	    cmocka_unit_test(test_view),
	    cmocka_unit_test(test_completion),
	    cmocka_unit_test(test_wipe),
	    cmocka_unit_test(test_random_operations),
	};

	/* Widths come from the locale, as in the client. */
	if (setlocale(LC_CTYPE, "C.UTF-8") == NULL) {
		fprintf(stderr, "test-editline: no C.UTF-8 locale\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
