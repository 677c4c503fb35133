/* SPDX-License-Identifier: ISC */
/*
 * The input line's editing state: the text being typed, the cursor, and
 * the lines sent before (Up and Down). Pure: no curses and no libuv, so
 * the UI model embeds it and tests and fuzzers drive it directly.
 *
 * The text is always valid UTF-8 with no control characters, and the
 * cursor always sits at the start of a character. A "character" here is
 * a code point with the zero-width ones after it (combining marks,
 * variation selectors, ZWJ), so "e" + U+0301 moves and deletes as one;
 * full grapheme clusters (UAX #29) are out of scope, so an emoji ZWJ
 * sequence takes several steps. Widths come from mbrtowc() and wcwidth(),
 * so the caller sets a UTF-8 LC_CTYPE first, as ncursesw needs anyway; a
 * character wcwidth() refuses counts as one column. Words are separated
 * by spaces (U+0020 and the ideographic space U+3000), whatever the
 * script.
 *
 * History lives in memory only and is never written to disk; it holds
 * the user's messages, so editline_wipe() zeroes it, and bytes that
 * leave the line or the history are zeroed as they go.
 */
#ifndef HEARTH_CLIENT_EDITLINE_H
#define HEARTH_CLIENT_EDITLINE_H

#include <stddef.h>

/* Longest line, in bytes: the same as CMDLINE_MAX in client/cmdline.h. */
#define EDITLINE_MAX (64 * 1024)
/* Lines remembered for Up and Down. */
#define EDITLINE_HISTORY 64
/* Bytes of history: the oldest lines go first when it is full. */
#define EDITLINE_HISTORY_BYTES (4 * EDITLINE_MAX)

/*
 * Big (about 400 KiB, and no allocation after init): callers embed it in
 * a long-lived object, never on the stack. Fields are private.
 */
struct editline {
	char text[EDITLINE_MAX + 1]; /* NUL-terminated; zero past len */
	size_t len;
	size_t cursor; /* byte offset in text */
	/* The edit in progress, kept while Up and Down browse history. */
	char draft[EDITLINE_MAX + 1];
	size_t draft_len;
	size_t draft_cursor;
	/* Lines sent, oldest first, packed from the start of hist. */
	char hist[EDITLINE_HISTORY_BYTES];
	size_t hist_off[EDITLINE_HISTORY];
	size_t hist_len[EDITLINE_HISTORY];
	size_t hist_n;
	size_t hist_pos; /* the line shown; hist_n is the edit in progress */
};

/* Starts e empty, with no history. */
void editline_init(struct editline *e);

/*
 * Zeroes the text, the draft and the history (they may hold messages)
 * in a way the compiler cannot skip; e is then as after editline_init().
 */
void editline_wipe(struct editline *e);

/*
 * Inserts s[0..len) at the cursor (typing or a paste) and leaves the
 * cursor after it. Invalid UTF-8 bytes are dropped and the rest kept;
 * CR, LF and TAB become a space; other C0 controls, DEL and C1 controls
 * (U+0080 to U+009F) are dropped. Returns 0, or ERR_TOO_BIG if the text
 * would pass EDITLINE_MAX bytes: nothing is inserted then. s is only
 * read during the call.
 */
int editline_insert(struct editline *e, const char *s, size_t len);

/* Moves the cursor one character left or right; no-op at the ends. */
void editline_left(struct editline *e);
void editline_right(struct editline *e);

/*
 * Moves the cursor to the start of the word before it (over spaces
 * first), or to the end of the word after it (over spaces first).
 */
void editline_word_left(struct editline *e);
void editline_word_right(struct editline *e);

/* Moves the cursor to the start or the end of the line. */
void editline_home(struct editline *e);
void editline_end(struct editline *e);

/* Deletes the character before the cursor (with its combining marks). */
void editline_backspace(struct editline *e);

/* Deletes the character under the cursor (with its combining marks). */
void editline_delete(struct editline *e);

/*
 * Ctrl-W: deletes back to the start of the word before the cursor,
 * spaces first.
 */
void editline_delete_word(struct editline *e);

/* Ctrl-K: deletes from the cursor to the end of the line. */
void editline_kill_end(struct editline *e);

/* Ctrl-U: deletes the whole line. */
void editline_kill_line(struct editline *e);

/*
 * Up: shows the previous line of history, cursor at its end. The first
 * Up keeps the edit in progress (and its cursor), and Down past the
 * newest line brings it back. Changes made to a recalled line are lost
 * when Up or Down moves away from it; Enter sends it as a new line.
 * No-op with no older line.
 */
void editline_history_prev(struct editline *e);

/* Down: the next newer line, then the edit in progress; else no-op. */
void editline_history_next(struct editline *e);

/*
 * Enter: copies the line into out[0..cap) NUL-terminated (cut at a
 * character boundary if cap is smaller than its length + 1; pass
 * EDITLINE_MAX + 1 to never cut), adds the whole line to history unless
 * it is empty or equal to the newest line, and clears the line. Returns
 * the number of bytes copied, not counting the NUL: 0 for an empty line.
 * Nothing is copied if cap is 0.
 */
size_t editline_take(struct editline *e, char *out, size_t cap);

/*
 * The line: *len bytes of valid UTF-8, NUL-terminated. Borrowed from e,
 * valid until the next editline_* call that changes e.
 */
const char *editline_text(const struct editline *e, size_t *len);

/* The cursor, as a byte offset into editline_text(). */
size_t editline_cursor(const struct editline *e);

/*
 * What to draw in cols columns: bytes [*off, *off + *len) of the text,
 * and the cursor's column within them. Scrolls horizontally by half
 * screens, so the cursor is always shown (*cursor_col < cols), never in
 * the middle of a wide character, and the range never splits a
 * character nor takes more than cols columns. Depends only on the text,
 * the cursor and cols. With cols < 2 there is no room for a wide
 * character: the range is empty and the cursor at column 0.
 */
void editline_view(const struct editline *e, size_t cols, size_t *off,
    size_t *len, size_t *cursor_col);

/*
 * The word before the cursor, for completion: bytes [*off, *off + *len)
 * of the text, ending at the cursor; *len is 0 after a space or at the
 * start of the line.
 */
void editline_word(const struct editline *e, size_t *off, size_t *len);

/*
 * Tab completion: replaces the word before the cursor (as editline_word
 * gives it) with s[0..len), filtered as editline_insert() does, and
 * leaves the cursor after it. Returns 0, or ERR_TOO_BIG with nothing
 * changed.
 */
int editline_replace_word(struct editline *e, const char *s, size_t len);

#endif
