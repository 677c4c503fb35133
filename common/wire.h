/* SPDX-License-Identifier: ISC */
/*
 * The message codec. A message is a msgpack array [type, fields...] with a
 * fixed arity per type; a transport frame's plaintext holds one or more
 * messages back to back.
 *
 * Decoding is in two steps, because msgpack-c reserves memory for a
 * container's declared count before any element arrives (five bytes can
 * ask it for gigabytes):
 *   1. wire_check() walks one message without allocating and rejects counts
 *      larger than the bytes left, nesting deeper than PROTO_MSG_DEPTH_MAX,
 *      more than PROTO_MSG_OBJECTS_MAX objects, str/bin/ext lengths past the
 *      end, and bytes that are not msgpack at all;
 *   2. only then wire_decode() lets msgpack-c parse it and checks the exact
 *      schema: known type, exact arity, each field's msgpack type, integer
 *      range, byte length and UTF-8 validity of text.
 * Unknown types, extra or missing fields and trailing bytes are errors; a
 * peer that sends one is disconnected (see man/hearth-protocol.7).
 * Only this file includes <msgpack.h>.
 */
#ifndef HEARTH_WIRE_H
#define HEARTH_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/proto.h"

/* Bytes inside a decoded message: borrowed from the decoder's input. */
struct wire_bytes {
	const uint8_t *p;
	size_t len;
};

struct wire_hello {
	uint64_t version;
	uint64_t features;
};

struct wire_welcome {
	uint64_t version;
	uint64_t frame_max;
	uint64_t idle_ms;
};

struct wire_ping {
	uint64_t token;
};

struct wire_error {
	uint64_t code;            /* enum proto_error, at most 65535 */
	struct wire_bytes reason; /* UTF-8, at most PROTO_REASON_MAX bytes */
};

struct wire_msg {
	enum wire_type type;

	union {
		struct wire_hello hello;
		struct wire_welcome welcome;
		struct wire_ping ping; /* WIRE_MSG_PING and WIRE_MSG_PONG */
		struct wire_error error;
	} u;
};

/*
 * Walks the one msgpack object that starts at p[0..len) without allocating
 * and stores its encoded length in *obj_len. Returns 0, ERR_TRUNCATED if the
 * object runs past len, ERR_WIRE_LIMIT for depth, object count or a declared
 * count larger than the bytes left, ERR_WIRE_MALFORMED for a byte that
 * starts no msgpack object (0xc1).
 */
int wire_check(const uint8_t *p, size_t len, size_t *obj_len);

/*
 * Decodes the single message that occupies exactly p[0..len) into *out
 * (cleared first). Calls wire_check() itself. Byte fields in *out point into
 * p. Returns 0, an error of wire_check(), ERR_WIRE_TRAILING if bytes follow
 * the message, ERR_WIRE_TYPE for an unknown type, ERR_WIRE_SCHEMA for wrong
 * arity, field types, ranges or lengths, ERR_UTF8 for bad text, ERR_NOMEM.
 */
int wire_decode(const uint8_t *p, size_t len, struct wire_msg *out);

/*
 * Decodes the first message of a batch p[0..len) into *out and stores in
 * *used the bytes it took, so a caller loops until the batch is consumed.
 * Returns as wire_decode(), never ERR_WIRE_TRAILING.
 */
int wire_next(const uint8_t *p, size_t len, size_t *used, struct wire_msg *out);

/*
 * Appends the encoding of m to out. Returns 0, ERR_TOO_BIG if out's bound
 * would be passed (out is then unchanged), or ERR_WIRE_SCHEMA if m does not
 * satisfy its own schema (a programming error: encode only valid messages).
 */
int wire_encode(struct buf *out, const struct wire_msg *m);

/* Returns the name of a message type, e.g. "ping", or "unknown". */
const char *wire_type_name(unsigned type);

#endif
