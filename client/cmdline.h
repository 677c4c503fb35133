/* SPDX-License-Identifier: ISC */
/*
 * Splitting a typed command line: "/say room text with spaces". The same
 * lines come from the interactive input and from headless mode's stdin,
 * so this is the one parser of both. Words are separated by spaces and
 * tabs; a command that takes free text says so, and its last argument is
 * the rest of the line as typed. No quoting: names cannot hold spaces.
 */
#ifndef HEARTH_CLIENT_CMDLINE_H
#define HEARTH_CLIENT_CMDLINE_H

#include <stddef.h>

/* Longest line accepted, in bytes. */
#define CMDLINE_MAX (64 * 1024)
/* Most words in one line, the command included. */
#define CMDLINE_WORDS_MAX 8

/* Big (two copies of a line): callers keep one, not on the stack. */
struct cmdline {
	char line[CMDLINE_MAX + 1]; /* the line as typed, for the rest */
	char buf[CMDLINE_MAX + 1];  /* the same, split into words */
	char *word[CMDLINE_WORDS_MAX];
	size_t off[CMDLINE_WORDS_MAX]; /* where each word starts in line */
	size_t nwords; /* word[0] is the command, with its '/' */
};

/*
 * Splits line[0..len) into c. Returns 0, ERR_TOO_BIG for a line longer
 * than CMDLINE_MAX, ERR_UTF8 for invalid UTF-8 or a NUL or a control
 * character other than tab, or ERR_USAGE for an empty line or one that
 * does not start with '/'. Words past CMDLINE_WORDS_MAX stay in the last
 * word. A trailing CR (from a CRLF line end) is dropped.
 */
int cmdline_split(struct cmdline *c, const char *line, size_t len);

/*
 * The text after the first n words (n >= 1), with leading blanks skipped,
 * as typed: for "/say room  hello  there" and n = 2, "hello  there".
 * Returns "" if the line has no more.
 */
const char *cmdline_rest(const struct cmdline *c, size_t n);

#endif
