/* SPDX-License-Identifier: ISC */
/*
 * Display widths and line wrapping for the message pane and the input
 * line. The text has already been through utf8_sanitize(), so it is valid
 * UTF-8 with no controls: tabs and newlines show as pictures and never
 * break a line. Pure: no curses, no allocation; only wcwidth() and so the
 * locale's LC_CTYPE, which must be a UTF-8 one (ncursesw needs it too).
 */
#ifndef HEARTH_CLIENT_WRAP_H
#define HEARTH_CLIENT_WRAP_H

#include <stddef.h>

/*
 * Terminal columns of the UTF-8 s[0..len): wcwidth() per character under
 * the current locale; a character wcwidth() refuses counts 1, combining
 * marks 0. Ill-formed bytes count 1 per maximal subpart, as U+FFFD.
 */
size_t wrap_width(const char *s, size_t len);

/*
 * Columns of the one character at s[0..len) and its length in bytes in
 * *n (0 and 0 if len is 0; at least 1 otherwise).
 */
size_t wrap_char(const char *s, size_t len, size_t *n);

/* One line of wrapped text: bytes s[off..off+len), cols columns wide. */
struct wrap_line {
	size_t off, len, cols;
};

/*
 * Splits s[0..len) into lines of at most cols columns (0 counts as 1).
 * A line breaks after an ASCII space (one that no combining mark sits on)
 * when the next word fits on a fresh line, else inside the word, which
 * then fills the line. It never breaks inside a character, and a
 * zero-width character (a combining mark) stays with the one before it.
 * A character wider than cols gets a line of its own, wider than cols.
 * The spaces at a break are dropped, so they belong to no line; other
 * spaces, leading and trailing ones included, are kept as far as they
 * fit. No line is empty: an empty s has no lines, any other s at least
 * one. Fills lines[0..max) (lines may be NULL if max is 0) and returns
 * how many lines there are in all, which may be more than max, so a
 * caller can size its array and call again.
 */
size_t wrap_lines(const char *s, size_t len, size_t cols,
    struct wrap_line *lines, size_t max);

#endif
