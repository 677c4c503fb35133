/* SPDX-License-Identifier: ISC */
/*
 * The input line's editing state. The text is kept as UTF-8 bytes with a
 * byte cursor; characters are found by walking the bytes, which is cheap
 * at EDITLINE_MAX and keeps the text in the form it is sent in. Every
 * change keeps two invariants the tests and the fuzzer check: the text is
 * valid UTF-8 with no control characters, and the cursor is at the start
 * of a character (a code point not of zero width, or an end).
 */
/* wcwidth() is XSI. */
#define _XOPEN_SOURCE 700

#include "client/editline.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <wchar.h>

#include "common/err.h"

/* A memset the compiler cannot drop as a dead store. */
static void *(*const volatile editline_memset)(void *, int, size_t) = memset;

/*
 * Decodes one code point from s[0..len). Returns its length in bytes, or
 * 0 if s does not start with a well-formed one (overlong forms,
 * surrogates and values past U+10FFFF are malformed too).
 */
static size_t
decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	size_t n;
	uint32_t c, min;

	if (len == 0)
		return 0;
	c = s[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		c &= 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		c &= 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		c &= 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

/* Length of the code point at text[p]; the text is valid UTF-8. */
static size_t
cp_len(const struct editline *e, size_t p)
{
	unsigned char c = (unsigned char)e->text[p];

	if (c < 0x80)
		return 1;
	if (c < 0xe0)
		return 2;
	if (c < 0xf0)
		return 3;
	return 4;
}

/* Start of the code point before p (p > 0). */
static size_t
cp_prev(const struct editline *e, size_t p)
{
	do
		p--;
	while (p > 0 && ((unsigned char)e->text[p] & 0xc0) == 0x80);
	return p;
}

/* Columns of the code point at text[p] (p < len); refused ones take 1. */
static size_t
cp_width(const struct editline *e, size_t p)
{
	mbstate_t st;
	wchar_t wc;
	size_t r;
	int w;

	memset(&st, 0, sizeof st);
	r = mbrtowc(&wc, e->text + p, cp_len(e, p), &st);
	if (r == 0 || r == (size_t)-1 || r == (size_t)-2)
		return 1;
	w = wcwidth(wc);
	return w < 0 ? 1 : (size_t)w;
}

/* True if the code point at p joins the character before it. */
static bool
joins(const struct editline *e, size_t p)
{
	return p > 0 && p < e->len && cp_width(e, p) == 0;
}

/* Start of the character after the one at p (or len). */
static size_t
char_next(const struct editline *e, size_t p)
{
	if (p >= e->len)
		return e->len;
	p += cp_len(e, p);
	while (joins(e, p))
		p += cp_len(e, p);
	return p;
}

/* Start of the character before p (or 0). */
static size_t
char_prev(const struct editline *e, size_t p)
{
	if (p == 0)
		return 0;
	do
		p = cp_prev(e, p);
	while (joins(e, p));
	return p;
}

/* True if the character at p (p < len) is a space. */
static bool
is_space(const struct editline *e, size_t p)
{
	const unsigned char *s = (const unsigned char *)e->text + p;

	if (s[0] == ' ')
		return true;
	/* U+3000 IDEOGRAPHIC SPACE, which separates words in CJK text. */
	return e->len - p >= 3 && s[0] == 0xe3 && s[1] == 0x80 && s[2] == 0x80;
}

/* Start of the run of non-spaces that ends at p. */
static size_t
word_start(const struct editline *e, size_t p)
{
	size_t q;

	while (p > 0) {
		q = char_prev(e, p);
		if (is_space(e, q))
			break;
		p = q;
	}
	return p;
}

/*
 * Filters s[0..len) as editline_insert() describes into out (if not
 * NULL). Returns the filtered length, or a value over limit as soon as
 * it passes limit, so a giant paste is not walked to its end.
 */
static size_t
filter(const char *s, size_t len, char *out, size_t limit)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, n = 0, k;
	uint32_t cp;

	while (i < len && n <= limit) {
		k = decode(u + i, len - i, &cp);
		if (k == 0) {
			/* Drop one byte and resynchronise on the next. */
			i++;
			continue;
		}
		i += k;
		if (cp == '\r' || cp == '\n' || cp == '\t') {
			/* A CRLF line end is one break, so one space. */
			if (cp == '\r' && i < len && u[i] == '\n')
				i++;
			if (out != NULL)
				out[n] = ' ';
			n++;
		} else if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) {
			/* C0, DEL and C1 controls would act on the terminal. */
		} else {
			if (out != NULL)
				memcpy(out + n, s + i - k, k);
			n += k;
		}
	}
	return n;
}

/* Deletes text[a..b) and moves the cursor with the text after it. */
static void
cut(struct editline *e, size_t a, size_t b)
{
	size_t n = b - a;

	if (a >= b)
		return;
	memmove(e->text + a, e->text + b, e->len - b);
	/* Zero what moved out, so no copy of deleted text lingers. */
	editline_memset(e->text + e->len - n, 0, n);
	e->len -= n;
	if (e->cursor >= b)
		e->cursor -= n;
	else if (e->cursor > a)
		e->cursor = a;
}

/*
 * Inserts s[0..len), filtered, at the cursor after removing the bytes
 * [del, cursor) (del <= cursor), all or nothing.
 */
static int
splice(struct editline *e, size_t del, const char *s, size_t len)
{
	size_t room = EDITLINE_MAX - (e->len - (e->cursor - del));
	size_t n = filter(s, len, NULL, room);
	size_t at;

	if (n > room)
		return ERR_TOO_BIG;
	cut(e, del, e->cursor);
	at = e->cursor;
	memmove(e->text + at + n, e->text + at, e->len - at);
	filter(s, len, e->text + at, n);
	e->len += n;
	e->text[e->len] = '\0';
	e->cursor = at + n;
	/*
	 * Text typed before a mark that had no base (at the start of the
	 * line) becomes that mark's base: step over the mark, so the cursor
	 * stays at the start of a character.
	 */
	while (n > 0 && joins(e, e->cursor))
		e->cursor += cp_len(e, e->cursor);
	return 0;
}

/* Replaces the text with s[0..len) (valid already), cursor at its end. */
static void
load(struct editline *e, const char *s, size_t len)
{
	editline_memset(e->text, 0, e->len);
	memcpy(e->text, s, len);
	e->len = len;
	e->text[len] = '\0';
	e->cursor = len;
}

/* Bytes of hist in use. */
static size_t
hist_used(const struct editline *e)
{
	if (e->hist_n == 0)
		return 0;
	return e->hist_off[e->hist_n - 1] + e->hist_len[e->hist_n - 1];
}

/* Forgets the oldest line of history, zeroing its bytes. */
static void
hist_drop_oldest(struct editline *e)
{
	size_t used = hist_used(e), k = e->hist_len[0];

	memmove(e->hist, e->hist + k, used - k);
	editline_memset(e->hist + used - k, 0, k);
	for (size_t i = 1; i < e->hist_n; i++) {
		e->hist_off[i - 1] = e->hist_off[i] - k;
		e->hist_len[i - 1] = e->hist_len[i];
	}
	e->hist_n--;
}

/* Adds text[0..len) as the newest line, unless equal to the newest. */
static void
hist_add(struct editline *e)
{
	size_t n = e->len, last;

	if (e->hist_n > 0) {
		last = e->hist_n - 1;
		if (e->hist_len[last] == n &&
		    memcmp(e->hist + e->hist_off[last], e->text, n) == 0)
			return;
	}
	/* EDITLINE_HISTORY_BYTES >= EDITLINE_MAX, so any line fits. */
	while (e->hist_n == EDITLINE_HISTORY ||
	       EDITLINE_HISTORY_BYTES - hist_used(e) < n)
		hist_drop_oldest(e);
	e->hist_off[e->hist_n] = hist_used(e);
	e->hist_len[e->hist_n] = n;
	memcpy(e->hist + e->hist_off[e->hist_n], e->text, n);
	e->hist_n++;
}

void
editline_init(struct editline *e)
{
	memset(e, 0, sizeof *e);
}

void
editline_wipe(struct editline *e)
{
	/* All zero is also the initial state. */
	editline_memset(e, 0, sizeof *e);
}

int
editline_insert(struct editline *e, const char *s, size_t len)
{
	return splice(e, e->cursor, s, len);
}

void
editline_left(struct editline *e)
{
	e->cursor = char_prev(e, e->cursor);
}

void
editline_right(struct editline *e)
{
	e->cursor = char_next(e, e->cursor);
}

void
editline_word_left(struct editline *e)
{
	size_t p = e->cursor, q;

	while (p > 0) {
		q = char_prev(e, p);
		if (!is_space(e, q))
			break;
		p = q;
	}
	e->cursor = word_start(e, p);
}

void
editline_word_right(struct editline *e)
{
	size_t p = e->cursor;

	while (p < e->len && is_space(e, p))
		p = char_next(e, p);
	while (p < e->len && !is_space(e, p))
		p = char_next(e, p);
	e->cursor = p;
}

void
editline_home(struct editline *e)
{
	e->cursor = 0;
}

void
editline_end(struct editline *e)
{
	e->cursor = e->len;
}

void
editline_backspace(struct editline *e)
{
	cut(e, char_prev(e, e->cursor), e->cursor);
}

void
editline_delete(struct editline *e)
{
	cut(e, e->cursor, char_next(e, e->cursor));
}

void
editline_delete_word(struct editline *e)
{
	size_t end = e->cursor;

	editline_word_left(e);
	cut(e, e->cursor, end);
}

void
editline_kill_end(struct editline *e)
{
	cut(e, e->cursor, e->len);
}

void
editline_kill_line(struct editline *e)
{
	cut(e, 0, e->len);
}

void
editline_history_prev(struct editline *e)
{
	if (e->hist_pos == 0)
		return;
	if (e->hist_pos == e->hist_n) {
		memcpy(e->draft, e->text, e->len + 1);
		e->draft_len = e->len;
		e->draft_cursor = e->cursor;
	}
	e->hist_pos--;
	load(e, e->hist + e->hist_off[e->hist_pos], e->hist_len[e->hist_pos]);
}

void
editline_history_next(struct editline *e)
{
	if (e->hist_pos >= e->hist_n)
		return;
	e->hist_pos++;
	if (e->hist_pos < e->hist_n) {
		load(e, e->hist + e->hist_off[e->hist_pos],
		    e->hist_len[e->hist_pos]);
		return;
	}
	load(e, e->draft, e->draft_len);
	e->cursor = e->draft_cursor;
	editline_memset(e->draft, 0, e->draft_len);
	e->draft_len = 0;
	e->draft_cursor = 0;
}

size_t
editline_take(struct editline *e, char *out, size_t cap)
{
	size_t n = 0;

	if (cap > 0) {
		n = e->len < cap ? e->len : cap - 1;
		/* Cut at a code point boundary, so out is valid UTF-8. */
		while (n > 0 && n < e->len &&
		       ((unsigned char)e->text[n] & 0xc0) == 0x80)
			n--;
		memcpy(out, e->text, n);
		out[n] = '\0';
	}
	if (e->len > 0)
		hist_add(e);
	load(e, "", 0);
	editline_memset(e->draft, 0, e->draft_len);
	e->draft_len = 0;
	e->draft_cursor = 0;
	e->hist_pos = e->hist_n;
	return n;
}

const char *
editline_text(const struct editline *e, size_t *len)
{
	*len = e->len;
	return e->text;
}

size_t
editline_cursor(const struct editline *e)
{
	return e->cursor;
}

void
editline_view(const struct editline *e, size_t cols, size_t *off, size_t *len,
    size_t *cursor_col)
{
	size_t ccol = 0, scroll = 0, step, p, col, q, w;

	*off = e->cursor;
	*len = 0;
	*cursor_col = 0;
	if (cols < 2)
		return;
	for (p = 0; p < e->cursor; p += cp_len(e, p))
		ccol += cp_width(e, p);
	/*
	 * Scroll in steps of half a screen, computed from the cursor's
	 * column alone: the view stays put while the cursor moves within
	 * it, and needs no state. scroll <= ccol < scroll + cols.
	 */
	if (ccol >= cols) {
		step = cols / 2;
		scroll = ((ccol - cols) / step + 1) * step;
	}
	/*
	 * Start at the first character at or after column scroll; a wide
	 * character across that column is left out whole. The cursor's
	 * column is at least scroll, so this stops at the cursor at the
	 * latest.
	 */
	col = 0;
	for (p = 0; p < e->cursor; p += cp_len(e, p)) {
		if (col >= scroll && !joins(e, p))
			break;
		col += cp_width(e, p);
	}
	*off = p;
	*cursor_col = ccol - col;
	/* Take what fits in cols columns, and the marks after it. */
	col = 0;
	for (q = p; q < e->len; q += cp_len(e, q)) {
		w = cp_width(e, q);
		if (cols - col < w)
			break;
		col += w;
	}
	*len = q - p;
}

void
editline_word(const struct editline *e, size_t *off, size_t *len)
{
	*off = word_start(e, e->cursor);
	*len = e->cursor - *off;
}

int
editline_replace_word(struct editline *e, const char *s, size_t len)
{
	return splice(e, word_start(e, e->cursor), s, len);
}
