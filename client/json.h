/* SPDX-License-Identifier: ISC */
/*
 * One JSON object per line, for headless mode's events. Text may come from
 * other people (names, messages), so strings are always escaped: quotes,
 * backslashes and every control character, and invalid UTF-8 becomes
 * U+FFFD, so the output is valid JSON and valid UTF-8 whatever the input.
 * The writer is bounded by its buffer: an event that does not fit is
 * refused whole.
 */
#ifndef HEARTH_CLIENT_JSON_H
#define HEARTH_CLIENT_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

struct json {
	struct buf *out;
	size_t start; /* where this object began in out */
	bool first;   /* no member written yet */
	int err;      /* the first error, or 0 */
};

/* Starts an object {"event": name} in out. */
void json_begin(struct json *j, struct buf *out, const char *event);

/* Adds "key": value. Keys are the program's own ASCII names. */
void json_str(struct json *j, const char *key, const char *s, size_t len);
void json_cstr(struct json *j, const char *key, const char *s);
void json_uint(struct json *j, const char *key, uint64_t v);
void json_bool(struct json *j, const char *key, bool v);
void json_null(struct json *j, const char *key);

/*
 * Ends the object and its line. Returns 0, or ERR_TOO_BIG if anything did
 * not fit, in which case out is as before json_begin().
 */
int json_end(struct json *j);

#endif
