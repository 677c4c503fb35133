/* SPDX-License-Identifier: ISC */
/*
 * Strict UTF-8 validation (RFC 3629, table 3-7 of the Unicode standard), the
 * name rules, and the sanitiser that makes untrusted text safe to draw.
 * Nothing here depends on the locale: one decoder and one table of code
 * points serve all three.
 */
#include "common/utf8.h"

#include <string.h>

#define UTF8_REPLACEMENT 0xfffd

/*
 * Decodes the sequence at s[0..len) (len >= 1). Returns true with *cp and
 * its length in *n if it is well-formed. Otherwise returns false with *n the
 * length of its maximal ill-formed subpart (Unicode §3.9, table 3-7): the
 * lead byte and the continuation bytes that could still have been part of a
 * valid sequence, at least 1. So a truncated sequence never swallows the
 * byte after it.
 */
static bool
utf8_step(const uint8_t *s, size_t len, uint32_t *cp, size_t *n)
{
	uint8_t c = s[0], lo = 0x80, hi = 0xbf;
	size_t need, i;
	uint32_t v;

	*cp = UTF8_REPLACEMENT;
	*n = 1;
	if (c < 0x80) {
		*cp = c;
		return true;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		need = 1;
		v = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 2;
		v = c & 0x0f;
		if (c == 0xe0)
			lo = 0xa0; /* overlong */
		else if (c == 0xed)
			hi = 0x9f; /* surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 3;
		v = c & 0x07;
		if (c == 0xf0)
			lo = 0x90; /* overlong */
		else if (c == 0xf4)
			hi = 0x8f; /* past U+10FFFF */
	} else
		return false; /* continuation, C0, C1 or F5..FF */
	for (i = 1; i <= need; i++) {
		if (i >= len || s[i] < lo || s[i] > hi) {
			*n = i;
			return false;
		}
		v = v << 6 | (s[i] & 0x3f);
		lo = 0x80;
		hi = 0xbf;
	}
	*cp = v;
	*n = need + 1;
	return true;
}

size_t
utf8_next(const uint8_t *s, size_t len, uint32_t *cp)
{
	size_t n;

	*cp = 0;
	if (len == 0)
		return 0;
	utf8_step(s, len, cp, &n);
	return n;
}

bool
utf8_valid(const uint8_t *s, size_t len)
{
	size_t i = 0, n;
	uint32_t cp;

	while (i < len) {
		if (!utf8_step(s + i, len - i, &cp, &n) || cp == 0)
			return false;
		i += n;
	}
	return true;
}

/* What a range of code points may not do (see utf8_class()). */
enum {
	UTF8_HIDE = 1,      /* replaced in all text: control, invisible, bidi */
	UTF8_NAME_ONLY = 2, /* replaced in names: blank, separator, syntax */
};

/*
 * One table for messages and names, sorted and disjoint. UTF8_HIDE: the
 * controls, the default-ignorable (invisible) characters and the
 * bidirectional formatting characters of Unicode's DerivedCoreProperties,
 * the line and paragraph separators, the interlinear annotation controls
 * (U+FFF9-FFFB, which can hide text) and the noncharacters of the BMP's
 * U+FDD0-FDEF (utf8_class() adds U+xxFFFE and U+xxFFFF). UTF8_NAME_ONLY:
 * blanks and separators (Z*), blank-looking symbols (U+2800, U+FFFC), and
 * the characters that mean something in the interface ('#' joins name and
 * fingerprint, '/' starts a command, '@' names a relay), with their small
 * and fullwidth look-alikes (U+FE5F, U+FE6B, U+FF03, U+FF0F, U+FF20): a
 * name must not show a fake "#FINGERPRINT" (review finding).
 */
static const struct utf8_range {
	uint32_t lo, hi;
	uint8_t what;
} utf8_ranges[] = {
    {0x0000, 0x001f, UTF8_HIDE},
    {0x0020, 0x0020, UTF8_NAME_ONLY},
    {0x0023, 0x0023, UTF8_NAME_ONLY},
    {0x002f, 0x002f, UTF8_NAME_ONLY},
    {0x0040, 0x0040, UTF8_NAME_ONLY},
    {0x007f, 0x009f, UTF8_HIDE},
    {0x00a0, 0x00a0, UTF8_NAME_ONLY},
    {0x00ad, 0x00ad, UTF8_HIDE},
    {0x034f, 0x034f, UTF8_HIDE},
    {0x061c, 0x061c, UTF8_HIDE},
    {0x115f, 0x1160, UTF8_HIDE},
    {0x1680, 0x1680, UTF8_NAME_ONLY},
    {0x17b4, 0x17b5, UTF8_HIDE},
    {0x180b, 0x180f, UTF8_HIDE},
    {0x2000, 0x200a, UTF8_NAME_ONLY},
    {0x200b, 0x200f, UTF8_HIDE},
    {0x2028, 0x202e, UTF8_HIDE},
    {0x202f, 0x202f, UTF8_NAME_ONLY},
    {0x205f, 0x205f, UTF8_NAME_ONLY},
    {0x2060, 0x206f, UTF8_HIDE},
    {0x2800, 0x2800, UTF8_NAME_ONLY},
    {0x3000, 0x3000, UTF8_NAME_ONLY},
    {0x3164, 0x3164, UTF8_HIDE},
    {0xfdd0, 0xfdef, UTF8_HIDE},
    {0xfe00, 0xfe0f, UTF8_HIDE},
    {0xfe5f, 0xfe5f, UTF8_NAME_ONLY},
    {0xfe6b, 0xfe6b, UTF8_NAME_ONLY},
    {0xfeff, 0xfeff, UTF8_HIDE},
    {0xff03, 0xff03, UTF8_NAME_ONLY},
    {0xff0f, 0xff0f, UTF8_NAME_ONLY},
    {0xff20, 0xff20, UTF8_NAME_ONLY},
    {0xffa0, 0xffa0, UTF8_HIDE},
    {0xfff0, 0xfffb, UTF8_HIDE},
    {0xfffc, 0xfffc, UTF8_NAME_ONLY},
    {0x1bca0, 0x1bca3, UTF8_HIDE},
    {0x1d173, 0x1d17a, UTF8_HIDE},
    {0xe0000, 0xe0fff, UTF8_HIDE},
};

/* The table's verdict on cp: 0, UTF8_HIDE or UTF8_NAME_ONLY. */
static int
utf8_class(uint32_t cp)
{
	size_t lo = 0, hi = sizeof utf8_ranges / sizeof utf8_ranges[0];

	if ((cp & 0xfffe) == 0xfffe)
		return UTF8_HIDE; /* noncharacter U+xxFFFE, U+xxFFFF */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cp < utf8_ranges[mid].lo)
			hi = mid;
		else if (cp > utf8_ranges[mid].hi)
			lo = mid + 1;
		else
			return utf8_ranges[mid].what;
	}
	return 0;
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
	uint32_t cp;

	if (len == 0 || len > UTF8_NAME_MAX || !utf8_valid(s, len))
		return false;
	while (i < len) {
		n = utf8_next(s + i, len - i, &cp);
		if (utf8_class(cp) != 0 || (i == 0 && utf8_name_modifier(cp)))
			return false;
		i += n;
	}
	return true;
}

/* Encodes cp (a Unicode scalar value) into b and returns its length. */
static size_t
utf8_encode(uint32_t cp, uint8_t b[static 4])
{
	if (cp < 0x80) {
		b[0] = (uint8_t)cp;
		return 1;
	}
	if (cp < 0x800) {
		b[0] = (uint8_t)(0xc0 | cp >> 6);
		b[1] = (uint8_t)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		b[0] = (uint8_t)(0xe0 | cp >> 12);
		b[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
		b[2] = (uint8_t)(0x80 | (cp & 0x3f));
		return 3;
	}
	b[0] = (uint8_t)(0xf0 | cp >> 18);
	b[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3f));
	b[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
	b[3] = (uint8_t)(0x80 | (cp & 0x3f));
	return 4;
}

/*
 * What to draw for the well-formed cp: itself, its control picture or
 * U+FFFD. first: cp starts the string.
 */
static uint32_t
utf8_shown(uint32_t cp, bool first, enum utf8_mode mode)
{
	int what;

	if (cp < 0x20)
		return 0x2400 + cp; /* Control Pictures: U+2400 is NUL */
	if (cp == 0x7f)
		return 0x2421;
	what = utf8_class(cp);
	if (what == UTF8_HIDE)
		return UTF8_REPLACEMENT;
	if (mode == UTF8_NAME &&
	    (what != 0 || (first && utf8_name_modifier(cp))))
		return UTF8_REPLACEMENT;
	return cp;
}

size_t
utf8_sanitize(
    char *out, size_t cap, const uint8_t *s, size_t len, enum utf8_mode mode)
{
	size_t i = 0, o = 0, n, k;
	uint32_t cp;
	uint8_t b[4];

	if (cap == 0)
		return 0;
	while (i < len) {
		if (utf8_step(s + i, len - i, &cp, &n))
			cp = utf8_shown(cp, i == 0, mode);
		else
			cp = UTF8_REPLACEMENT;
		/*
		 * Well-formed UTF-8 has one encoding per code point, so a kept
		 * character comes out as the bytes it came in as.
		 */
		k = utf8_encode(cp, b);
		/* Leave room for the NUL; never write part of a character. */
		if (cap - 1 - o < k)
			break;
		memcpy(out + o, b, k);
		o += k;
		i += n;
	}
	out[o] = '\0';
	return o;
}
