/* SPDX-License-Identifier: ISC */
/* Incremental u16-length frame reader. */
#include "common/frame.h"

#include <assert.h>
#include <string.h>

#include "common/err.h"

void
frame_reader_init(struct frame_reader *fr, size_t min, size_t max)
{
	memset(fr, 0, sizeof *fr);
	buf_init(&fr->body, FRAME_LEN_MAX);
	frame_reader_limit(fr, min, max);
}

void
frame_reader_release(struct frame_reader *fr)
{
	buf_release(&fr->body);
	fr->want = 0;
	fr->hdr_got = 0;
}

void
frame_reader_limit(struct frame_reader *fr, size_t min, size_t max)
{
	assert(min >= 1 && min <= max && max <= FRAME_LEN_MAX);
	fr->min = min;
	fr->max = max;
}

int
frame_reader_idle(const struct frame_reader *fr)
{
	return fr->hdr_got == 0 && fr->want == 0;
}

int
frame_reader_feed(struct frame_reader *fr, uint8_t *p, size_t len, size_t *used,
    uint8_t **frame, size_t *frame_len)
{
	size_t off = 0, take;

	*used = 0;
	*frame = NULL;
	*frame_len = 0;

	if (fr->want == 0) {
		/* Reading the header: the common case has it whole. */
		while (fr->hdr_got < FRAME_HDR_LEN && off < len)
			fr->hdr[fr->hdr_got++] = p[off++];
		if (fr->hdr_got < FRAME_HDR_LEN) {
			*used = off;
			return 0;
		}
		fr->want = (size_t)fr->hdr[0] << 8 | fr->hdr[1];
		if (fr->want < fr->min || fr->want > fr->max) {
			*used = off;
			fr->want = 0;
			return ERR_FRAME_SIZE;
		}
		buf_reset(&fr->body);
		/* Whole body here and nothing buffered: hand it out in place.
		 */
		if (len - off >= fr->want) {
			*frame = p + off;
			*frame_len = fr->want;
			*used = off + fr->want;
			fr->want = 0;
			fr->hdr_got = 0;
			return 1;
		}
	}

	take = fr->want - fr->body.len;
	if (take > len - off)
		take = len - off;
	/* Cannot fail: want <= max <= the buffer's own bound. */
	if (buf_append(&fr->body, p + off, take) != 0)
		return ERR_FRAME_SIZE;
	off += take;
	*used = off;
	if (fr->body.len < fr->want)
		return 0;
	*frame = fr->body.data;
	*frame_len = fr->want;
	fr->want = 0;
	fr->hdr_got = 0;
	return 1;
}

void
frame_put_header(uint8_t hdr[static FRAME_HDR_LEN], size_t len)
{
	assert(len <= FRAME_LEN_MAX);
	hdr[0] = (uint8_t)(len >> 8);
	hdr[1] = (uint8_t)len;
}
