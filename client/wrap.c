/* SPDX-License-Identifier: ISC */
/*
 * Display widths and greedy line wrapping over sanitised UTF-8. A line is
 * built from clusters, a character and the zero-width ones after it, so a
 * combining mark never starts a line away from its base.
 */
#define _XOPEN_SOURCE 700 /* wcwidth() */

#include "client/wrap.h"

#include <stdbool.h>
#include <stdint.h>
#include <wchar.h>

#include "common/utf8.h"

size_t
wrap_char(const char *s, size_t len, size_t *n)
{
	uint32_t cp;
	int w;

	*n = utf8_next((const uint8_t *)s, len, &cp);
	if (*n == 0)
		return 0;
	w = wcwidth((wchar_t)cp);
	return w < 0 ? 1 : (size_t)w;
}

size_t
wrap_width(const char *s, size_t len)
{
	size_t i = 0, n, w = 0;

	while (i < len) {
		w += wrap_char(s + i, len - i, &n);
		i += n;
	}
	return w;
}

/*
 * Columns of the character at s[0..len) with the zero-width characters
 * that follow it; its length in bytes in *n.
 */
static size_t
wrap_cluster(const char *s, size_t len, size_t *n)
{
	size_t w = wrap_char(s, len, n), k;

	while (*n < len && wrap_char(s + *n, len - *n, &k) == 0)
		*n += k;
	return w;
}

/*
 * True if s[i] is a space a line may break at: an ASCII space that no
 * combining mark sits on. A space is one byte and never part of a longer
 * sequence, so scanning bytes for it is safe.
 */
static bool
wrap_space(const char *s, size_t len, size_t i)
{
	size_t n;

	return s[i] == ' ' &&
	       (i + 1 == len || wrap_char(s + i + 1, len - i - 1, &n) != 0);
}

/* True if the word at s[0..len), up to a space, fits in cols columns. */
static bool
wrap_word_fits(const char *s, size_t len, size_t cols)
{
	size_t i = 0, n, w = 0;

	while (i < len && !wrap_space(s, len, i)) {
		w += wrap_cluster(s + i, len - i, &n);
		if (w > cols)
			return false;
		i += n;
	}
	return true;
}

/*
 * Where the line s[start..pos) ends when the cluster at pos does not fit
 * on it, and in *next where the next line starts.
 */
static size_t
wrap_break(const char *s, size_t len, size_t cols, size_t start, size_t pos,
    size_t *next)
{
	size_t end = pos, ws = pos, k;

	if (!wrap_space(s, len, pos)) {
		/* Back to the start of the word that overflowed. */
		while (ws > start && !wrap_space(s, len, ws - 1))
			ws--;
		/*
		 * Break before it if something other than spaces precedes it
		 * on this line and it fits on a line of its own.
		 */
		for (k = ws; k > start && wrap_space(s, len, k - 1); k--)
			;
		if (k > start && wrap_word_fits(s + ws, len - ws, cols))
			end = ws;
	}
	*next = end;
	/* Drop the spaces at the break, unless they are all the line has. */
	for (k = end; k > start && wrap_space(s, len, k - 1); k--)
		;
	if (k > start)
		end = k;
	while (*next < len && wrap_space(s, len, *next))
		(*next)++;
	return end;
}

size_t
wrap_lines(
    const char *s, size_t len, size_t cols, struct wrap_line *lines, size_t max)
{
	size_t count = 0, pos = 0, start, end, next, w, cw, n;

	if (cols == 0)
		cols = 1;
	while (pos < len) {
		start = pos;
		w = 0;
		/* Take clusters while they fit; the first one always does. */
		while (pos < len) {
			cw = wrap_cluster(s + pos, len - pos, &n);
			if (pos > start && w + cw > cols)
				break;
			w += cw;
			pos += n;
		}
		if (pos < len)
			end = wrap_break(s, len, cols, start, pos, &next);
		else
			end = next = len;
		if (count < max) {
			lines[count].off = start;
			lines[count].len = end - start;
			lines[count].cols = wrap_width(s + start, end - start);
		}
		count++;
		pos = next;
	}
	return count;
}
