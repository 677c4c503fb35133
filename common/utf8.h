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

#endif
