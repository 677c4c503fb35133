/* SPDX-License-Identifier: ISC */
/* Strict UTF-8 validation (RFC 3629, table 3-7 of the Unicode standard). */
#include "common/utf8.h"

bool
utf8_valid(const uint8_t *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		uint8_t c = s[i];
		size_t n;
		uint8_t lo = 0x80, hi = 0xbf;

		if (c == 0)
			return false;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 1;
		else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			if (c == 0xe0)
				lo = 0xa0; /* overlong */
			else if (c == 0xed)
				hi = 0x9f; /* surrogates */
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			if (c == 0xf0)
				lo = 0x90; /* overlong */
			else if (c == 0xf4)
				hi = 0x8f; /* past U+10FFFF */
		} else
			return false;
		if (len - i - 1 < n)
			return false;
		if (s[i + 1] < lo || s[i + 1] > hi)
			return false;
		for (size_t k = 2; k <= n; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
		i += n + 1;
	}
	return true;
}

/* Decodes the valid sequence at s (utf8_valid() has checked it). */
static uint32_t
utf8_decode(const uint8_t *s, size_t *n)
{
	if (s[0] < 0x80) {
		*n = 1;
		return s[0];
	}
	if (s[0] < 0xe0) {
		*n = 2;
		return (uint32_t)(s[0] & 0x1f) << 6 | (s[1] & 0x3f);
	}
	if (s[0] < 0xf0) {
		*n = 3;
		return (uint32_t)(s[0] & 0x0f) << 12 |
		       (uint32_t)(s[1] & 0x3f) << 6 | (s[2] & 0x3f);
	}
	*n = 4;
	return (uint32_t)(s[0] & 0x07) << 18 | (uint32_t)(s[1] & 0x3f) << 12 |
	       (uint32_t)(s[2] & 0x3f) << 6 | (s[3] & 0x3f);
}

/*
 * Code points a name may not hold: controls, blanks and separators, the
 * default-ignorable (invisible) characters and bidirectional formatting
 * characters of Unicode's DerivedCoreProperties, blank-looking symbols
 * (U+2800, U+3164, U+FFA0, U+FFFC), and the characters that mean something
 * in the interface ('#' joins name and fingerprint, '/' starts a command,
 * '@' names a relay).
 */
static bool
utf8_name_forbidden(uint32_t cp)
{
	return cp < 0x21 || cp == 0x7f || (cp >= 0x80 && cp <= 0xa0) ||
	       cp == '#' || cp == '/' || cp == '@' || cp == 0xad ||
	       cp == 0x34f || cp == 0x61c || cp == 0x115f || cp == 0x1160 ||
	       cp == 0x17b4 || cp == 0x17b5 || (cp >= 0x180b && cp <= 0x180f) ||
	       (cp >= 0x2000 && cp <= 0x200f) ||
	       (cp >= 0x2028 && cp <= 0x202f) ||
	       (cp >= 0x205f && cp <= 0x206f) || cp == 0x2800 || cp == 0x3000 ||
	       cp == 0x3164 || cp == 0xfeff || cp == 0xffa0 ||
	       (cp >= 0xfff0 && cp <= 0xfffc) ||
	       (cp >= 0x1bca0 && cp <= 0x1bca3) ||
	       (cp >= 0x1d173 && cp <= 0x1d17a) ||
	       (cp >= 0xe0000 && cp <= 0xe0fff);
}

/*
 * Code points that only modify the character before them (combining marks,
 * variation selectors): fine inside a name, but a name that starts with
 * one has nothing visible to hang it on.
 */
static bool
utf8_name_modifier(uint32_t cp)
{
	return (cp >= 0x300 && cp <= 0x36f) || (cp >= 0x1ab0 && cp <= 0x1aff) ||
	       (cp >= 0x1dc0 && cp <= 0x1dff) ||
	       (cp >= 0x20d0 && cp <= 0x20ff) ||
	       (cp >= 0xfe00 && cp <= 0xfe0f) ||
	       (cp >= 0xfe20 && cp <= 0xfe2f) ||
	       (cp >= 0xe0100 && cp <= 0xe01ef);
}

bool
utf8_name_ok(const uint8_t *s, size_t len)
{
	size_t i = 0, n;

	if (len == 0 || len > UTF8_NAME_MAX || !utf8_valid(s, len))
		return false;
	while (i < len) {
		uint32_t cp = utf8_decode(s + i, &n);

		if (utf8_name_forbidden(cp) ||
		    (i == 0 && utf8_name_modifier(cp)))
			return false;
		i += n;
	}
	return true;
}
