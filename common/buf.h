/* SPDX-License-Identifier: ISC */
/*
 * A growable byte buffer with a hard maximum set at init (after curl's
 * dynbuf): no input can make it grow past that bound.
 */
#ifndef HEARTH_BUF_H
#define HEARTH_BUF_H

#include <stddef.h>
#include <stdint.h>

struct buf {
	uint8_t *data; /* owned; NULL until the first append */
	size_t len;
	size_t cap;
	size_t max;
};

/* Prepares an empty buffer that may hold at most max bytes. */
void buf_init(struct buf *b, size_t max);

/* Frees the memory; b may be initialised again afterwards. */
void buf_release(struct buf *b);

/* Forgets the contents but keeps the memory for reuse. */
void buf_reset(struct buf *b);

/* Makes room for n more bytes; ERR_TOO_BIG if that would pass max. */
int buf_reserve(struct buf *b, size_t n);

/*
 * Grows len by n and stores in *out a pointer to the n new, uninitialised
 * bytes, borrowed until the next buf_* call on b. ERR_TOO_BIG past max.
 */
int buf_extend(struct buf *b, size_t n, uint8_t **out);

/* Appends n bytes from p; ERR_TOO_BIG past max, with b unchanged. */
int buf_append(struct buf *b, const void *p, size_t n);

/* Drops the first n bytes (n <= len). */
void buf_consume(struct buf *b, size_t n);

/* Frees the memory if the buffer is empty, so idle owners cost nothing. */
void buf_trim(struct buf *b);

#endif
