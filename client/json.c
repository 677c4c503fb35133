/* SPDX-License-Identifier: ISC */
/* The JSON line writer. */
#include "client/json.h"

#include <stdio.h>
#include <string.h>

#include "common/err.h"

static void
json_put(struct json *j, const void *p, size_t n)
{
	if (j->err == 0 && buf_append(j->out, p, n) != 0)
		j->err = ERR_TOO_BIG;
}

static void
json_puts(struct json *j, const char *s)
{
	json_put(j, s, strlen(s));
}

/*
 * Length of the well-formed UTF-8 sequence at s[0..len), or 0 if it is
 * not one (overlong, surrogate, past U+10FFFF, or cut short).
 */
static size_t
json_utf8_len(const uint8_t *s, size_t len, uint32_t *out)
{
	uint32_t cp;
	size_t n;

	*out = s[0];
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (len < n)
		return 0;
	cp = s[0] & (0x7f >> n);
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*out = cp;
	return n;
}

/*
 * Valid characters that are still written as \u escapes: C1 controls,
 * bidirectional and invisible formatting characters, and the two line
 * separators that some JSON readers treat as line ends. Output often
 * lands on a terminal, where these would act instead of show.
 */
static bool
json_escape_cp(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x61c ||
	       (cp >= 0x200b && cp <= 0x200f) ||
	       (cp >= 0x2028 && cp <= 0x202e) ||
	       (cp >= 0x2060 && cp <= 0x2069) || cp == 0xfeff;
}

static void
json_quoted(struct json *j, const uint8_t *s, size_t len)
{
	char esc[8];
	size_t i = 0, n;
	uint32_t cp;

	json_put(j, "\"", 1);
	while (i < len && j->err == 0) {
		if (s[i] == '"' || s[i] == '\\') {
			esc[0] = '\\';
			esc[1] = (char)s[i];
			json_put(j, esc, 2);
			i++;
		} else if (s[i] < 0x20 || s[i] == 0x7f) {
			snprintf(esc, sizeof esc, "\\u%04x", s[i]);
			json_put(j, esc, 6);
			i++;
		} else {
			n = json_utf8_len(s + i, len - i, &cp);
			if (n == 0) {
				/* One bad byte, one replacement character. */
				json_put(j, "\\ufffd", 6);
				i++;
			} else if (json_escape_cp(cp)) {
				snprintf(
				    esc, sizeof esc, "\\u%04x", (unsigned)cp);
				json_put(j, esc, 6);
				i += n;
			} else {
				json_put(j, s + i, n);
				i += n;
			}
		}
	}
	json_put(j, "\"", 1);
}

static void
json_key(struct json *j, const char *key)
{
	json_put(j, j->first ? "" : ",", j->first ? 0 : 1);
	j->first = false;
	json_quoted(j, (const uint8_t *)key, strlen(key));
	json_put(j, ":", 1);
}

void
json_begin(struct json *j, struct buf *out, const char *event)
{
	j->out = out;
	j->start = out->len;
	j->first = true;
	j->err = 0;
	json_put(j, "{", 1);
	json_cstr(j, "event", event);
}

void
json_str(struct json *j, const char *key, const char *s, size_t len)
{
	json_key(j, key);
	json_quoted(j, (const uint8_t *)s, len);
}

void
json_cstr(struct json *j, const char *key, const char *s)
{
	json_str(j, key, s, strlen(s));
}

void
json_uint(struct json *j, const char *key, uint64_t v)
{
	char num[24];
	int n = snprintf(num, sizeof num, "%llu", (unsigned long long)v);

	json_key(j, key);
	json_put(j, num, (size_t)n);
}

void
json_bool(struct json *j, const char *key, bool v)
{
	json_key(j, key);
	json_puts(j, v ? "true" : "false");
}

void
json_null(struct json *j, const char *key)
{
	json_key(j, key);
	json_puts(j, "null");
}

int
json_end(struct json *j)
{
	json_put(j, "}\n", 2);
	if (j->err != 0)
		j->out->len = j->start;
	return j->err;
}
