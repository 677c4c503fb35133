/* SPDX-License-Identifier: ISC */
/*
 * UTF-8 checks and the sanitiser that makes untrusted text safe for a
 * terminal, all independent of the locale.
 */
#ifndef HEARTH_UTF8_H
#define HEARTH_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * True if s[0..len) is well-formed UTF-8 (no overlong forms, surrogates or
 * code points past U+10FFFF) and contains no NUL byte.
 */
bool utf8_valid(const uint8_t *s, size_t len);

/*
 * Decodes the character at s[0..len) into *cp and returns its length in
 * bytes, 0 only if len is 0. An ill-formed sequence gives U+FFFD and the
 * length of its maximal ill-formed subpart (Unicode §3.9), so a truncated
 * sequence never takes the byte after it. Surrogates, overlong forms and
 * code points past U+10FFFF are ill-formed.
 */
size_t utf8_next(const uint8_t *s, size_t len, uint32_t *cp);

/* Longest name, in bytes (a person's or a room's chosen name). */
#define UTF8_NAME_MAX 64

/*
 * True if s[0..len) may be a name: 1 to UTF8_NAME_MAX bytes of valid
 * UTF-8 (any script) with no control, blank, separator, invisible or
 * bidirectional formatting character, and none of '#', '/' and '@'.
 * Names are stricter than messages: two people whose names look alike
 * are still told apart by their fingerprints, but a name must never hide
 * characters or reorder the text around it.
 */
bool utf8_name_ok(const uint8_t *s, size_t len);

enum utf8_mode {
	UTF8_TEXT, /* a message */
	UTF8_NAME, /* a person's or a room's name: stricter */
};

/*
 * Worst-case output size, NUL included, of utf8_sanitize() for len input
 * bytes: every input byte becomes at most one 3-byte placeholder. Callers
 * bound len first (a wire string is at most WIRE_FRAME_MAX bytes).
 */
#define UTF8_SANITIZE_MAX(len) (3 * (len) + 1)

/*
 * Writes a copy of the untrusted s[0..len) that is safe to draw on a
 * terminal into out (cap bytes; always NUL-terminated if cap > 0) and
 * returns its length, without the NUL. Each offending character becomes
 * one visible placeholder, so nothing is hidden and nothing is silently
 * dropped:
 *  - C0 controls (TAB, CR, LF, BS and ESC included; NUL too) and DEL become
 *    their Unicode Control Picture, U+2400 + c and U+2421: "\r" shows as
 *    U+240D and ESC as U+241B;
 *  - C1 controls, bidirectional formatting characters, invisible and
 *    zero-width characters (default-ignorable, including the BOM, U+200D
 *    ZERO WIDTH JOINER, the variation selectors U+FE00-FE0F and the tags
 *    U+E0000-E0FFF), the line and paragraph separators and noncharacters
 *    become U+FFFD. Joiners and variation selectors go too although emoji
 *    sequences use them: kept, they hide bytes and make the terminal draw
 *    a width other than the one the layout counted. So "U+2764 U+FE0F"
 *    shows as a heart and a U+FFFD;
 *  - ill-formed UTF-8 becomes one U+FFFD per maximal ill-formed subpart
 *    (Unicode §3.9): an overlong "C0 AF" or a surrogate "ED A0 80" gives
 *    one U+FFFD per byte, a truncated "E2 82" followed by 'A' gives one
 *    U+FFFD and then the 'A'.
 * Private-use characters are kept. UTF8_NAME also turns into U+FFFD what
 * utf8_name_ok() refuses: blanks and separators (the space included),
 * '#', '/', '@', U+2800, U+FFFC, and a combining mark at the start. A name
 * that utf8_name_ok() accepts comes out unchanged.
 * The output is valid UTF-8 with no byte below 0x20 and no 0x7F, and
 * sanitising it again changes nothing. If cap is too small it stops at
 * the last whole character that fits; cap >= UTF8_SANITIZE_MAX(len) is
 * always enough. out may be NULL if cap is 0.
 */
size_t utf8_sanitize(
    char *out, size_t cap, const uint8_t *s, size_t len, enum utf8_mode mode);

#endif
