/* SPDX-License-Identifier: ISC */
/* Bounded growable byte buffer. */
#include "common/buf.h"

#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/xmalloc.h"

void
buf_init(struct buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

void
buf_release(struct buf *b)
{
	free(b->data);
	buf_init(b, b->max);
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
}

int
buf_reserve(struct buf *b, size_t n)
{
	size_t want, cap;

	if (n > b->max - b->len)
		return ERR_TOO_BIG;
	want = b->len + n;
	if (want <= b->cap)
		return 0;
	/* Doubling keeps appends amortised O(1); the max caps it. */
	cap = b->cap < 64 ? 64 : b->cap;
	while (cap < want)
		cap = cap > b->max / 2 ? b->max : cap * 2;
	b->data = xreallocarray(b->data, cap, 1);
	b->cap = cap;
	return 0;
}

int
buf_extend(struct buf *b, size_t n, uint8_t **out)
{
	int rc;

	*out = NULL;
	rc = buf_reserve(b, n);
	if (rc != 0)
		return rc;
	*out = b->data + b->len;
	b->len += n;
	return 0;
}

int
buf_append(struct buf *b, const void *p, size_t n)
{
	uint8_t *dst;
	int rc;

	if (n == 0)
		return 0;
	rc = buf_extend(b, n, &dst);
	if (rc != 0)
		return rc;
	memcpy(dst, p, n);
	return 0;
}

void
buf_consume(struct buf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
}

void
buf_trim(struct buf *b)
{
	if (b->len == 0 && b->data != NULL) {
		free(b->data);
		b->data = NULL;
		b->cap = 0;
	}
}
