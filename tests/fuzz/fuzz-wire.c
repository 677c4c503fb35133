/* SPDX-License-Identifier: ISC */
/*
 * The message codec over arbitrary bytes, treated as one frame's batch
 * plaintext: wire_next() until the batch is consumed or refused. Each
 * decoded message goes through a round-trip oracle: its re-encoding must
 * decode to equal fields, be no longer than the input it came from (the
 * encoder always picks the shortest forms) and re-encode to the same bytes.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/proto.h"
#include "common/wire.h"
#include "tests/fuzz/fuzz.h"

static bool
bytes_equal(const struct wire_bytes *a, const struct wire_bytes *b)
{
	return a->len == b->len &&
	       (a->len == 0 || memcmp(a->p, b->p, a->len) == 0);
}

static bool
msg_equal(const struct wire_msg *a, const struct wire_msg *b)
{
	if (a->type != b->type)
		return false;
	switch (a->type) {
	case WIRE_MSG_HELLO:
		return a->u.hello.version == b->u.hello.version &&
		       a->u.hello.features == b->u.hello.features;
	case WIRE_MSG_WELCOME:
		return a->u.welcome.version == b->u.welcome.version &&
		       a->u.welcome.frame_max == b->u.welcome.frame_max &&
		       a->u.welcome.idle_ms == b->u.welcome.idle_ms;
	case WIRE_MSG_PING:
	case WIRE_MSG_PONG:
		return a->u.ping.token == b->u.ping.token;
	case WIRE_MSG_ERROR:
		return a->u.error.code == b->u.error.code &&
		       bytes_equal(&a->u.error.reason, &b->u.error.reason);
	default:
		return false;
	}
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
