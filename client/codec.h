/* SPDX-License-Identifier: ISC */
/*
 * Bounded readers and writers for the client's own byte formats (message
 * contents, store records). A reader never reads past its end: the first
 * short read marks it bad, and every later read returns zeros, so a
 * parser reads all its fields and checks rd.bad once.
 */
#ifndef HEARTH_CLIENT_CODEC_H
#define HEARTH_CLIENT_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct rd {
	const uint8_t *p;
	size_t len;
	size_t off;
	bool bad;
};

struct wr {
	uint8_t *p;
	size_t cap;
	size_t off;
	bool bad; /* out of room */
};

static inline void
rd_init(struct rd *r, const uint8_t *p, size_t len)
{
	r->p = p;
	r->len = len;
	r->off = 0;
	r->bad = false;
}

/* The next n bytes, or NULL (and bad) if fewer are left. */
static inline const uint8_t *
rd_take(struct rd *r, size_t n)
{
	const uint8_t *q;

	if (r->bad || r->len - r->off < n) {
		r->bad = true;
		return NULL;
	}
	q = r->p + r->off;
	r->off += n;
	return q;
}

static inline void
rd_copy(struct rd *r, void *out, size_t n)
{
	const uint8_t *q = rd_take(r, n);

	if (q != NULL)
		memcpy(out, q, n);
	else
		memset(out, 0, n);
}

static inline uint64_t
rd_uint(struct rd *r, size_t n)
{
	const uint8_t *q = rd_take(r, n);
	uint64_t v = 0;

	for (size_t i = 0; q != NULL && i < n; i++)
		v = v << 8 | q[i];
	return v;
}

static inline size_t
rd_left(const struct rd *r)
{
	return r->bad ? 0 : r->len - r->off;
}

static inline void
wr_init(struct wr *w, uint8_t *p, size_t cap)
{
	w->p = p;
	w->cap = cap;
	w->off = 0;
	w->bad = false;
}

static inline void
wr_bytes(struct wr *w, const void *src, size_t n)
{
	if (w->bad || w->cap - w->off < n) {
		w->bad = true;
		return;
	}
	if (n > 0)
		memcpy(w->p + w->off, src, n);
	w->off += n;
}

static inline void
wr_uint(struct wr *w, uint64_t v, size_t n)
{
	uint8_t b[8];

	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
	wr_bytes(w, b, n);
}

#endif
