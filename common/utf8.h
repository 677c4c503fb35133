/* SPDX-License-Identifier: ISC */
/*
 * UTF-8 checks, independent of the locale. Later the sanitiser that makes
 * untrusted text safe for a terminal lives here too.
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

#endif
