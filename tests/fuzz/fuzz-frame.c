/* SPDX-License-Identifier: ISC */
/*
 * The frame reader over arbitrary bytes, fed in chunks whose sizes come
 * from the input itself, with an oracle: the same frames must come out as
 * when the whole input is fed at once.
 */
#include <stdlib.h>
#include <string.h>

#include "common/frame.h"
#include "tests/fuzz/fuzz.h"

#define FUZZ_FRAMES_MAX 64

struct frames {
	size_t n;
	size_t len[FUZZ_FRAMES_MAX];
	uint32_t sum[FUZZ_FRAMES_MAX];
	int err;
};

static void
run(uint8_t *p, size_t len, size_t chunk, struct frames *out)
{
	struct frame_reader fr;
	size_t off = 0, used, flen;
	uint8_t *f;

	memset(out, 0, sizeof *out);
	frame_reader_init(&fr, 1, 1024);
	while (off < len && out->n < FUZZ_FRAMES_MAX) {
		size_t end = chunk && off + chunk < len ? off + chunk : len;
		int rc = frame_reader_feed(
		    &fr, p + off, end - off, &used, &f, &flen);

		off += used;
		if (rc < 0) {
			out->err = rc;
			break;
		}
		if (rc == 1) {
			uint32_t s = 0;

			for (size_t i = 0; i < flen; i++)
				s = s * 31 + f[i];
			out->len[out->n] = flen;
			out->sum[out->n++] = s;
		}
	}
	frame_reader_release(&fr);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct frames whole, bits;
	uint8_t *p;
	size_t chunk;

	if (size < 1)
		return 0;
	chunk = data[0] % 17 + 1;
	p = malloc(size);
	if (p == NULL)
		return 0;
	memcpy(p, data + 1, size - 1);
	run(p, size - 1, 0, &whole);
	memcpy(p, data + 1, size - 1);
	run(p, size - 1, chunk, &bits);
	if (whole.n != bits.n || whole.err != bits.err ||
	    memcmp(whole.len, bits.len, sizeof whole.len) != 0 ||
	    memcmp(whole.sum, bits.sum, sizeof whole.sum) != 0)
		abort();
	free(p);
	return 0;
}
