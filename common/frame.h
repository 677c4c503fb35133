/* SPDX-License-Identifier: ISC */
/*
 * Framing: every frame on the wire is a big-endian u16 length followed by
 * that many bytes. The reader is incremental: it accepts bytes in chunks of
 * any size, one byte at a time included, and never holds more than the
 * current limit. A frame that arrives whole inside one chunk is handed back
 * in place, without a copy; only a frame split across chunks is buffered.
 */
#ifndef HEARTH_FRAME_H
#define HEARTH_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

#define FRAME_HDR_LEN 2
#define FRAME_LEN_MAX 65535

struct frame_reader {
	size_t min;  /* smallest acceptable body length, at least 1 */
	size_t max;  /* largest acceptable body length */
	size_t want; /* body length of the frame being read, or 0 */
	uint8_t hdr[FRAME_HDR_LEN];
	size_t hdr_got;
	struct buf body; /* partial body; empty (and unallocated) if none */
};

/* Prepares a reader for bodies of min..max bytes (1 <= min <= max). */
void frame_reader_init(struct frame_reader *fr, size_t min, size_t max);

/* Frees any buffered partial frame. */
void frame_reader_release(struct frame_reader *fr);

/*
 * Changes the length bounds, e.g. when a connection finishes its handshake.
 * Takes effect from the next frame header.
 */
void frame_reader_limit(struct frame_reader *fr, size_t min, size_t max);

/*
 * Consumes bytes from p[0..len) until one frame is complete or the input
 * runs out, and stores in *used how many bytes it took. Returns 1 with
 * *frame and *frame_len set when a frame is complete, 0 when it needs more
 * input, or ERR_FRAME_SIZE for a length outside min..max (the stream is then
 * unusable). *frame points either into p or into the reader's own buffer;
 * it is writable (so it can be decrypted in place) and borrowed until the
 * next frame_reader_* call or until p is reused.
 */
int frame_reader_feed(struct frame_reader *fr, uint8_t *p, size_t len,
    size_t *used, uint8_t **frame, size_t *frame_len);

/* True if no partial frame is buffered. */
int frame_reader_idle(const struct frame_reader *fr);

/* Writes the 2-byte header for a body of len bytes (len <= 65535). */
void frame_put_header(uint8_t hdr[static FRAME_HDR_LEN], size_t len);

#endif
