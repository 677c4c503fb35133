/* SPDX-License-Identifier: ISC */
/*
 * The sanitiser over arbitrary bytes, in both modes, with oracles: the
 * output is valid UTF-8 within UTF8_SANITIZE_MAX, holds no C0 or DEL byte
 * and no bidirectional or zero-width code point, sanitises to itself, is an
 * acceptable name in UTF8_NAME mode, and a smaller buffer gets a prefix of
 * it that ends on a character boundary.
 */
#include <stdlib.h>
#include <string.h>

#include "common/utf8.h"
#include "tests/fuzz/fuzz.h"

/* The oracle's own list, written from STYLE.md 5.7, not from utf8.c. */
static int
fuzz_hidden(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0xad ||
	       cp == 0x61c || (cp >= 0x200b && cp <= 0x200f) ||
	       (cp >= 0x2028 && cp <= 0x202e) ||
	       (cp >= 0x2060 && cp <= 0x206f) ||
	       (cp >= 0xfe00 && cp <= 0xfe0f) || cp == 0xfeff ||
	       (cp >= 0xd800 && cp <= 0xdfff) ||
	       (cp >= 0xe0000 && cp <= 0xe0fff);
}

static void
fuzz_check(const uint8_t *data, size_t size, enum utf8_mode mode)
{
	size_t max = UTF8_SANITIZE_MAX(size), n, m, k, cap;
	char *out = malloc(max), *again = malloc(max), *small = NULL;
	uint32_t cp;

	if (out == NULL || again == NULL)
		abort();
	n = utf8_sanitize(out, max, data, size, mode);
	if (n >= max || strlen(out) != n || !utf8_valid((uint8_t *)out, n))
		abort();
	for (k = 0; k < n; k++)
		if ((uint8_t)out[k] < 0x20 || (uint8_t)out[k] == 0x7f)
			abort();
	for (k = 0; k < n; k += m) {
		m = utf8_next((const uint8_t *)out + k, n - k, &cp);
		if (fuzz_hidden(cp))
			abort();
	}
	/* Nothing was left out: the whole input fits in max. */
	if (n == 0 && size != 0)
		abort();
	/* Sanitising again changes nothing, in either mode for names. */
	m = utf8_sanitize(again, max, (const uint8_t *)out, n, UTF8_TEXT);
	if (m != n || memcmp(again, out, n) != 0)
		abort();
	if (mode == UTF8_NAME) {
		m = utf8_sanitize(
		    again, max, (const uint8_t *)out, n, UTF8_NAME);
		if (m != n || memcmp(again, out, n) != 0)
			abort();
		if (n > 0 && n <= UTF8_NAME_MAX &&
		    !utf8_name_ok((const uint8_t *)out, n))
			abort();
	}
	/* A buffer of exactly cap bytes gets the longest prefix that fits. */
	cap = size > 0 ? data[0] % (n + 2) : 0;
	small = malloc(cap > 0 ? cap : 1);
	if (small == NULL)
		abort();
	m = utf8_sanitize(cap > 0 ? small : NULL, cap, data, size, mode);
	if (cap == 0 ? m != 0 : (m >= cap || small[m] != '\0'))
		abort();
	if (m > n || memcmp(small, out, m) != 0)
		abort();
	if (m < n) {
		k = utf8_next((const uint8_t *)out + m, n - m, &cp);
		if (((uint8_t)out[m] & 0xc0) == 0x80 ||
		    (cap > 0 && m + k < cap))
			abort();
	}
	free(small);
	free(again);
	free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_check(data, size, UTF8_TEXT);
	fuzz_check(data, size, UTF8_NAME);
	return 0;
}
